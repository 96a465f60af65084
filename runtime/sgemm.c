/*
 * sgemm.c - the blocked matrix product behind Conv, Gemm and MatMul (see
 * rt_sgemm_impl.h).
 *
 * Loop nest (Goto/BLIS order, one level): for each panel of RT_SGEMM_NC
 * columns of B and each block of RT_SGEMM_KC rows of it, the block is packed
 * row-major into a stack tile (padded with zeros to whole micro-panels), and
 * every RT_SGEMM_MR x RT_SGEMM_NR tile of y is computed by the micro-kernel,
 * which keeps the tile in registers over the whole k block. The first k
 * block stores its sums (or adds them to y's residual), later ones add; the
 * last applies the epilogue. Rows past the edge of A are computed from a
 * repeated valid row and never stored; columns past the edge of B are zeros.
 *
 * Summation order differs from a plain loop (one partial sum per k block,
 * FMA on AVX2 and NEON), which stays within the usual K * eps bound.
 */
#include <string.h>

#include "rt_sgemm_impl.h"

#if defined(RT_SIMD_AVX512)
#include <immintrin.h>
#define RT_SGEMM_MR 8
#define RT_SGEMM_NR 16
#define RT_SGEMM_KC 128
#define RT_SGEMM_NC 64
#define RT_SGEMM_DIRECT 1       /* a dense B with unit column step is not packed */
#elif defined(RT_SIMD_AVX2)
#include <immintrin.h>
#define RT_SGEMM_MR 6
#define RT_SGEMM_NR 16
#define RT_SGEMM_KC 128
#define RT_SGEMM_NC 32
#define RT_SGEMM_DIRECT 0
#elif defined(RT_SIMD_NEON)
#include <arm_neon.h>
#define RT_SGEMM_MR 8
#define RT_SGEMM_NR 8
#define RT_SGEMM_KC 128
#define RT_SGEMM_NC 32
#define RT_SGEMM_DIRECT 0
#else
/* the portable path: a 1 KB panel (RT_SMALL_STACK, see rt_impl.h) */
#define RT_SGEMM_MR 4
#define RT_SGEMM_NR 8
#define RT_SGEMM_KC 32
#define RT_SGEMM_NC 8
#define RT_SGEMM_DIRECT 0
#endif

/* Runs of output positions rt_pack_im2col_t splits its rows into at a time:
 * all (at most RT_SGEMM_KC) on the SIMD paths, 8 (320 bytes) on the small
 * stack of the portable path. */
#ifdef RT_SMALL_STACK
#define RT_SGEMM_SEGS 8
#else
#define RT_SGEMM_SEGS RT_SGEMM_KC
#endif

/* ---------------------------------------------------------------- packing */

/*
 * Packs B[k0 .. k0+kc, j0 .. j0+nc) of a dense B into bp (row stride
 * RT_SGEMM_NC), zero-filling columns nc .. ncp.
 */
static void rt_pack_dense(float *bp, const rt_sgemm_b *b, int64_t k0, int64_t kc,
                          int64_t j0, int64_t nc, int64_t ncp)
{
    int64_t kk, j;
    for (kk = 0; kk < kc; kk++) {
        float *d = bp + kk * RT_SGEMM_NC;
        const float *s = b->p + (k0 + kk) * b->rs + j0 * b->cs;
        if (b->cs == 1)
            memcpy(d, s, (size_t)nc * sizeof(float));
        else
            for (j = 0; j < nc; j++)
                d[j] = s[j * b->cs];
        for (j = nc; j < ncp; j++)
            d[j] = 0.0f;
    }
}

/* One run of consecutive output positions along the last spatial axis. */
typedef struct {
    int64_t col, len;           /* columns col .. col+len of the panel        */
    int64_t b0, b1, b2;         /* input coordinates of its first tap (0,0,0) */
} rt_im2col_seg;

/* Splits output positions base+at .. base+n into runs along o2, at most
 * maxseg of them, numbered from at; returns where it stopped. */
static int64_t rt_im2col_segs(const rt_conv_params *p, int64_t base, int64_t at, int64_t n,
                              rt_im2col_seg *seg, int64_t maxseg, int64_t *nseg)
{
    const int64_t out1 = p->out[1], out2 = p->out[2];
    *nseg = 0;
    while (at < n && *nseg < maxseg) {
        const int64_t o = base + at;
        const int64_t o2 = o % out2, o1 = (o / out2) % out1, o0 = o / (out2 * out1);
        rt_im2col_seg *sg = &seg[(*nseg)++];
        sg->col = at;
        sg->len = out2 - o2 < n - at ? out2 - o2 : n - at;
        sg->b0 = o0 * p->stride[0] - p->pad[0];
        sg->b1 = o1 * p->stride[1] - p->pad[1];
        sg->b2 = o2 * p->stride[2] - p->pad[2];
        at += sg->len;
    }
    return at;
}

/* An im2col row: input channel and tap. */
typedef struct {
    int64_t ic, t0, t1, t2;
} rt_im2col_tap;

static rt_im2col_tap rt_im2col_tap_at(const rt_conv_params *p, int64_t r)
{
    rt_im2col_tap t;
    t.t2 = r % p->k[2]; r /= p->k[2];
    t.t1 = r % p->k[1]; r /= p->k[1];
    t.t0 = r % p->k[0];
    t.ic = r / p->k[0];
    return t;
}

static void rt_im2col_tap_next(const rt_conv_params *p, rt_im2col_tap *t)
{
    if (++t->t2 == p->k[2]) {
        t->t2 = 0;
        if (++t->t1 == p->k[1]) {
            t->t1 = 0;
            if (++t->t0 == p->k[0]) {
                t->t0 = 0;
                t->ic++;
            }
        }
    }
}

/*
 * Packs rows k0 .. k0+kc and columns j0 .. j0+nc of the im2col matrix of one
 * convolution group: row kk = (ic, t0, t1, t2), column j = (o0, o1, o2), value
 * x[ic, o0*s0 - p0 + t0*d0, o1*s1 - p1 + t1*d1, o2*s2 - p2 + t2*d2], or 0 in
 * the padding. The panel's columns are first split into runs along o2, so
 * each row is a few strided copies with their bounds computed once.
 */
static void rt_pack_im2col(float *bp, const rt_sgemm_b *b, int64_t k0, int64_t kc,
                           int64_t j0, int64_t nc, int64_t ncp)
{
    const rt_conv_params *p = b->conv;
    const int64_t in0 = p->in[0], in1 = p->in[1], in2 = p->in[2];
    const int64_t s2 = p->stride[2];
    const int64_t isize = in0 * in1 * in2;
    rt_im2col_seg seg[RT_SGEMM_NC];
    int64_t nseg, kk, j;

    rt_im2col_segs(p, j0, 0, nc, seg, RT_SGEMM_NC, &nseg);
    /* (ic, t0, t1, t2) of row k0, then counted up row by row */
    rt_im2col_tap t = rt_im2col_tap_at(p, k0);
    for (kk = 0; kk < kc; kk++) {
        float *d = bp + kk * RT_SGEMM_NC;
        const float *xc = b->p + t.ic * isize;
        const int64_t f0 = t.t0 * p->dilation[0], f1 = t.t1 * p->dilation[1];
        const int64_t f2 = t.t2 * p->dilation[2];
        int64_t s;
        for (s = 0; s < nseg; s++) {
            const rt_im2col_seg *sg = &seg[s];
            const int64_t i0 = sg->b0 + f0, i1 = sg->b1 + f1, i2 = sg->b2 + f2;
            float *ds = d + sg->col;
            const int64_t len = sg->len;
            if (i0 < 0 || i0 >= in0 || i1 < 0 || i1 >= in1) {
                for (j = 0; j < len; j++)
                    ds[j] = 0.0f;
            } else {
                const float *xr = xc + (i0 * in1 + i1) * in2;
                if (i2 >= 0 && i2 + (len - 1) * s2 < in2) {
                    if (s2 == 1)
                        memcpy(ds, xr + i2, (size_t)len * sizeof(float));
                    else
                        for (j = 0; j < len; j++)
                            ds[j] = xr[i2 + j * s2];
                } else {
                    for (j = 0; j < len; j++) {
                        const int64_t q = i2 + j * s2;
                        ds[j] = q >= 0 && q < in2 ? xr[q] : 0.0f;
                    }
                }
            }
        }
        for (j = nc; j < ncp; j++)
            d[j] = 0.0f;
        rt_im2col_tap_next(p, &t);
    }
}

/*
 * Packs rows k0 .. k0+kc and columns j0 .. j0+nc of the transposed im2col
 * matrix: row kk = (o0, o1, o2) an output position, column j = (ic, t0, t1,
 * t2), the same values as rt_pack_im2col. The rows are split into runs
 * along o2, RT_SGEMM_SEGS runs at a time (all of them at once on the SIMD
 * paths; a few on the portable path, whose stack stays small); each column
 * is then a few strided copies down the tile.
 */
static void rt_pack_im2col_t(float *bp, const rt_sgemm_b *b, int64_t k0, int64_t kc,
                             int64_t j0, int64_t nc, int64_t ncp)
{
    const rt_conv_params *p = b->conv;
    const int64_t in0 = p->in[0], in1 = p->in[1], in2 = p->in[2];
    const int64_t s2 = p->stride[2];
    const int64_t isize = in0 * in1 * in2;
    rt_im2col_seg seg[RT_SGEMM_SEGS];
    int64_t nseg, row = 0, kk, j;

    do {                        /* RT_SGEMM_SEGS runs of rows at a time */
        row = rt_im2col_segs(p, k0, row, kc, seg, RT_SGEMM_SEGS, &nseg);
        rt_im2col_tap t = rt_im2col_tap_at(p, j0);
        for (j = 0; j < nc; j++) {
            const float *xc = b->p + t.ic * isize;
            const int64_t f0 = t.t0 * p->dilation[0], f1 = t.t1 * p->dilation[1];
            const int64_t f2 = t.t2 * p->dilation[2];
            int64_t s;
            for (s = 0; s < nseg; s++) {
                const rt_im2col_seg *sg = &seg[s];
                const int64_t i0 = sg->b0 + f0, i1 = sg->b1 + f1, i2 = sg->b2 + f2;
                float *ds = bp + sg->col * RT_SGEMM_NC + j;
                const int64_t len = sg->len;
                if (i0 < 0 || i0 >= in0 || i1 < 0 || i1 >= in1) {
                    for (kk = 0; kk < len; kk++)
                        ds[kk * RT_SGEMM_NC] = 0.0f;
                } else {
                    const float *xr = xc + (i0 * in1 + i1) * in2;
                    if (i2 >= 0 && i2 + (len - 1) * s2 < in2) {
                        for (kk = 0; kk < len; kk++)
                            ds[kk * RT_SGEMM_NC] = xr[i2 + kk * s2];
                    } else {
                        for (kk = 0; kk < len; kk++) {
                            const int64_t q = i2 + kk * s2;
                            ds[kk * RT_SGEMM_NC] = q >= 0 && q < in2 ? xr[q] : 0.0f;
                        }
                    }
                }
            }
            rt_im2col_tap_next(p, &t);
        }
    } while (row < kc);
    for (kk = 0; kk < kc; kk++)
        for (j = nc; j < ncp; j++)
            bp[kk * RT_SGEMM_NC + j] = 0.0f;
}

/* ---------------------------------------------------------------- micro-kernels */

/*
 * y[0..mr, 0..nr) (row stride ldy) = or += alpha times the product of A rows
 * a + r*ars (column step acs) and the packed panel bp (kc rows, row stride
 * RT_SGEMM_NC, RT_SGEMM_NR columns). When fin is set, bias[r] (if bias) is
 * added and ReLU applied (if relu) before the store: the fused fast
 * epilogue. Rows r >= mr read row mr-1 and are dropped.
 */
#if defined(RT_SIMD_AVX512)

/* One finished row of 16 (one register): add y's old value, bias, ReLU,
 * store n <= 16 of it through a mask. */
static inline void rt_ustore512(float *yr, __m512 v, int nr, int add, const float *bias,
                                int relu)
{
    const __mmask16 msk = (__mmask16)(nr >= 16 ? 0xFFFFu : (1u << nr) - 1u);
    if (add)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(msk, yr));
    if (bias)
        v = _mm512_add_ps(v, _mm512_set1_ps(*bias));
    if (relu)
        v = _mm512_max_ps(_mm512_setzero_ps(), v);  /* keeps NaN as x < 0 ? 0 : x does */
    _mm512_mask_storeu_ps(yr, msk, v);
}

#define RT_X8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define RT_UK_DECL(i)                                                                     \
    const float *a##i = a + (mr > (i) ? (i) : mr - 1) * ars;                              \
    __m512 c##i = _mm512_setzero_ps();
#define RT_UK_FMA(i) c##i = _mm512_fmadd_ps(_mm512_set1_ps(a##i[off]), b0, c##i);
#define RT_UK_STORE(i)                                                                    \
    if (mr > (i))                                                                         \
        rt_ustore512(y + (i) * ldy, alpha != 1.0f ? _mm512_mul_ps(c##i, al) : c##i, nr, add, \
                     bias ? bias + (i) : NULL, relu);

/* 8 rows x 16 columns, one register per row. */
static void rt_ukernel(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                       const float *bp, int64_t ldb, int64_t kc, int mr, int nr, float alpha, int add,
                       const float *bias, int relu)
{
    const __m512 al = _mm512_set1_ps(alpha);
    const __mmask16 m0 = (__mmask16)(nr >= 16 ? 0xFFFFu : (1u << nr) - 1u);
    int64_t kk, off = 0;
    RT_X8(RT_UK_DECL)
    for (kk = 0; kk < kc; kk++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, bp);
        RT_X8(RT_UK_FMA)
        bp += ldb;
        off += acs;
    }
    RT_X8(RT_UK_STORE)
}

/* 8 rows x 32 columns (two adjacent tiles of the panel, 16 < nr <= 32):
 * 16 accumulators, the A row pointers stay in registers. */
#define RT_UK_DECL2(i) RT_UK_DECL(i) __m512 d##i = _mm512_setzero_ps();
#define RT_UK_FMA2(i)                                                                     \
    {                                                                                     \
        const __m512 av = _mm512_set1_ps(a##i[off]);                                      \
        c##i = _mm512_fmadd_ps(av, b0, c##i);                                             \
        d##i = _mm512_fmadd_ps(av, b1, d##i);                                             \
    }
#define RT_UK_STORE2(i)                                                                   \
    if (mr > (i)) {                                                                       \
        rt_ustore512(y + (i) * ldy, alpha != 1.0f ? _mm512_mul_ps(c##i, al) : c##i, 16, add, \
                     bias ? bias + (i) : NULL, relu);                                     \
        rt_ustore512(y + (i) * ldy + 16, alpha != 1.0f ? _mm512_mul_ps(d##i, al) : d##i,   \
                     nr - 16, add, bias ? bias + (i) : NULL, relu);                       \
    }
static void rt_ukernel_wide(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                            const float *bp, int64_t ldb, int64_t kc, int mr, int nr, float alpha, int add,
                            const float *bias, int relu)
{
    const __m512 al = _mm512_set1_ps(alpha);
    const __mmask16 m1 = (__mmask16)(nr >= 32 ? 0xFFFFu : (1u << (nr - 16)) - 1u);
    int64_t kk, off = 0;
    RT_X8(RT_UK_DECL2)
    for (kk = 0; kk < kc; kk++) {
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
        RT_X8(RT_UK_FMA2)
        bp += ldb;
        off += acs;
    }
    RT_X8(RT_UK_STORE2)
}

/* 16 full rows x 16 columns (nr <= 16): 16 accumulators for a narrow B; the
 * rows are addressed from two bases with shared index steps. */
#define RT_UK_FMAT(i)                                                                     \
    c##i = _mm512_fmadd_ps(_mm512_set1_ps(pa[(i) * ars]), b0, c##i);                      \
    d##i = _mm512_fmadd_ps(_mm512_set1_ps(pb[(i) * ars]), b0, d##i);
#define RT_UK_STORET(i)                                                                   \
    rt_ustore512(y + (i) * ldy, alpha != 1.0f ? _mm512_mul_ps(c##i, al) : c##i, nr, add,   \
                 bias ? bias + (i) : NULL, relu);                                         \
    rt_ustore512(y + (i + 8) * ldy, alpha != 1.0f ? _mm512_mul_ps(d##i, al) : d##i, nr, add, \
                 bias ? bias + (i + 8) : NULL, relu);
#define RT_UK_ZERO2(i) __m512 c##i = _mm512_setzero_ps(), d##i = _mm512_setzero_ps();
static void rt_ukernel_tall(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                            const float *bp, int64_t ldb, int64_t kc, int nr, float alpha,
                            int add, const float *bias, int relu)
{
    const __m512 al = _mm512_set1_ps(alpha);
    const __mmask16 m0 = (__mmask16)(nr >= 16 ? 0xFFFFu : (1u << nr) - 1u);
    const float *pa = a, *pb = a + 8 * ars;
    int64_t kk;
    RT_X8(RT_UK_ZERO2)
    for (kk = 0; kk < kc; kk++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, bp);
        RT_X8(RT_UK_FMAT)
        bp += ldb;
        pa += acs;
        pb += acs;
    }
    RT_X8(RT_UK_STORET)
}

#elif defined(RT_SIMD_AVX2)

/* One finished row of 16: add y's old value, bias, ReLU, store n <= 16 of it. */
static inline void rt_ustore(float *yr, __m256 v0, __m256 v1, int nr, int add,
                             const float *bias, int relu)
{
    if (nr == 16) {
        if (add) {
            v0 = _mm256_add_ps(v0, _mm256_loadu_ps(yr));
            v1 = _mm256_add_ps(v1, _mm256_loadu_ps(yr + 8));
        }
        if (bias) {
            const __m256 bv = _mm256_broadcast_ss(bias);
            v0 = _mm256_add_ps(v0, bv);
            v1 = _mm256_add_ps(v1, bv);
        }
        if (relu) {
            /* max(0, v) keeps NaN and -0 as x < 0 ? 0 : x does */
            v0 = _mm256_max_ps(_mm256_setzero_ps(), v0);
            v1 = _mm256_max_ps(_mm256_setzero_ps(), v1);
        }
        _mm256_storeu_ps(yr, v0);
        _mm256_storeu_ps(yr + 8, v1);
    } else {
        float t[16];
        int j;
        _mm256_storeu_ps(t, v0);
        _mm256_storeu_ps(t + 8, v1);
        for (j = 0; j < nr; j++) {
            float v = t[j];
            if (add)
                v += yr[j];
            if (bias)
                v += *bias;
            if (relu)
                v = v < 0.0f ? 0.0f : v;
            yr[j] = v;
        }
    }
}

static void rt_ukernel(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                       const float *bp, int64_t ldb, int64_t kc, int mr, int nr, float alpha, int add,
                       const float *bias, int relu)
{
    const float *a0 = a;
    const float *a1 = a + (mr > 1 ? 1 : mr - 1) * ars;
    const float *a2 = a + (mr > 2 ? 2 : mr - 1) * ars;
    const float *a3 = a + (mr > 3 ? 3 : mr - 1) * ars;
    const float *a4 = a + (mr > 4 ? 4 : mr - 1) * ars;
    const float *a5 = a + (mr > 5 ? 5 : mr - 1) * ars;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    int64_t kk, off = 0;

    for (kk = 0; kk < kc; kk++) {
        const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 av;
        av = _mm256_broadcast_ss(a0 + off);
        c00 = _mm256_fmadd_ps(av, b0, c00);
        c01 = _mm256_fmadd_ps(av, b1, c01);
        av = _mm256_broadcast_ss(a1 + off);
        c10 = _mm256_fmadd_ps(av, b0, c10);
        c11 = _mm256_fmadd_ps(av, b1, c11);
        av = _mm256_broadcast_ss(a2 + off);
        c20 = _mm256_fmadd_ps(av, b0, c20);
        c21 = _mm256_fmadd_ps(av, b1, c21);
        av = _mm256_broadcast_ss(a3 + off);
        c30 = _mm256_fmadd_ps(av, b0, c30);
        c31 = _mm256_fmadd_ps(av, b1, c31);
        av = _mm256_broadcast_ss(a4 + off);
        c40 = _mm256_fmadd_ps(av, b0, c40);
        c41 = _mm256_fmadd_ps(av, b1, c41);
        av = _mm256_broadcast_ss(a5 + off);
        c50 = _mm256_fmadd_ps(av, b0, c50);
        c51 = _mm256_fmadd_ps(av, b1, c51);
        bp += ldb;
        off += acs;
    }
    if (alpha != 1.0f) {
        const __m256 al = _mm256_set1_ps(alpha);
        c00 = _mm256_mul_ps(c00, al); c01 = _mm256_mul_ps(c01, al);
        c10 = _mm256_mul_ps(c10, al); c11 = _mm256_mul_ps(c11, al);
        c20 = _mm256_mul_ps(c20, al); c21 = _mm256_mul_ps(c21, al);
        c30 = _mm256_mul_ps(c30, al); c31 = _mm256_mul_ps(c31, al);
        c40 = _mm256_mul_ps(c40, al); c41 = _mm256_mul_ps(c41, al);
        c50 = _mm256_mul_ps(c50, al); c51 = _mm256_mul_ps(c51, al);
    }
    rt_ustore(y, c00, c01, nr, add, bias, relu);
    if (mr > 1)
        rt_ustore(y + ldy, c10, c11, nr, add, bias ? bias + 1 : NULL, relu);
    if (mr > 2)
        rt_ustore(y + 2 * ldy, c20, c21, nr, add, bias ? bias + 2 : NULL, relu);
    if (mr > 3)
        rt_ustore(y + 3 * ldy, c30, c31, nr, add, bias ? bias + 3 : NULL, relu);
    if (mr > 4)
        rt_ustore(y + 4 * ldy, c40, c41, nr, add, bias ? bias + 4 : NULL, relu);
    if (mr > 5)
        rt_ustore(y + 5 * ldy, c50, c51, nr, add, bias ? bias + 5 : NULL, relu);
}

#elif defined(RT_SIMD_NEON)

/* One finished row of 8 (two registers): add y's old value, bias, ReLU,
 * store n <= 8 of it. ReLU selects 0 where v < 0 (vmaxq_f32 would turn -0
 * into +0), so NaN and -0 pass as x < 0 ? 0 : x leaves them. */
static inline void rt_ustore_neon(float *yr, float32x4_t v0, float32x4_t v1, int nr, int add,
                                  const float *bias, int relu)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    if (nr == 8) {
        if (add) {
            v0 = vaddq_f32(v0, vld1q_f32(yr));
            v1 = vaddq_f32(v1, vld1q_f32(yr + 4));
        }
        if (bias) {
            const float32x4_t bv = vdupq_n_f32(*bias);
            v0 = vaddq_f32(v0, bv);
            v1 = vaddq_f32(v1, bv);
        }
        if (relu) {
            v0 = vbslq_f32(vcltq_f32(v0, zero), zero, v0);
            v1 = vbslq_f32(vcltq_f32(v1, zero), zero, v1);
        }
        vst1q_f32(yr, v0);
        vst1q_f32(yr + 4, v1);
    } else {
        float t[8];
        int j;
        vst1q_f32(t, v0);
        vst1q_f32(t + 4, v1);
        for (j = 0; j < nr; j++) {
            float v = t[j];
            if (add)
                v += yr[j];
            if (bias)
                v += *bias;
            if (relu)
                v = v < 0.0f ? 0.0f : v;
            yr[j] = v;
        }
    }
}

#define RT_N8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define RT_NK_DECL(i)                                                                     \
    const float *a##i = a + (mr > (i) ? (i) : mr - 1) * ars;                              \
    float32x4_t c##i##0 = vdupq_n_f32(0.0f), c##i##1 = vdupq_n_f32(0.0f);
#define RT_NK_FMA(i)                                                                      \
    {                                                                                     \
        const float av = a##i[off];                                                       \
        c##i##0 = vfmaq_n_f32(c##i##0, b0, av);                                           \
        c##i##1 = vfmaq_n_f32(c##i##1, b1, av);                                           \
    }
#define RT_NK_STORE(i)                                                                    \
    if (mr > (i))                                                                         \
        rt_ustore_neon(y + (i) * ldy, vmulq_n_f32(c##i##0, alpha), vmulq_n_f32(c##i##1, alpha), \
                       nr, add, bias ? bias + (i) : NULL, relu);

/* 8 rows x 8 columns: 16 accumulators of the 32 vector registers. */
static void rt_ukernel(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                       const float *bp, int64_t ldb, int64_t kc, int mr, int nr, float alpha, int add,
                       const float *bias, int relu)
{
    int64_t kk, off = 0;
    RT_N8(RT_NK_DECL)
    for (kk = 0; kk < kc; kk++) {
        const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4);
        RT_N8(RT_NK_FMA)
        bp += ldb;
        off += acs;
    }
    RT_N8(RT_NK_STORE)
}

#else /* portable */

static void rt_ukernel(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                       const float *bp, int64_t ldb, int64_t kc, int mr, int nr, float alpha, int add,
                       const float *bias, int relu)
{
    float acc[RT_SGEMM_MR][RT_SGEMM_NR];
    const float *ar[RT_SGEMM_MR];
    int64_t kk, off = 0;
    int r, j;

    for (r = 0; r < RT_SGEMM_MR; r++) {
        ar[r] = a + (r < mr ? r : mr - 1) * ars;
        for (j = 0; j < RT_SGEMM_NR; j++)
            acc[r][j] = 0.0f;
    }
    for (kk = 0; kk < kc; kk++) {
        for (r = 0; r < RT_SGEMM_MR; r++) {
            const float av = ar[r][off];
            for (j = 0; j < RT_SGEMM_NR; j++)
                acc[r][j] += av * bp[j];
        }
        bp += ldb;
        off += acs;
    }
    for (r = 0; r < mr; r++) {
        float *yr = y + r * ldy;
        for (j = 0; j < nr; j++) {
            float v = alpha * acc[r][j];
            if (add)
                v += yr[j];
            if (bias)
                v += bias[r];
            if (relu)
                v = v < 0.0f ? 0.0f : v;
            yr[j] = v;
        }
    }
}

#endif

/* ---------------------------------------------------------------- driver */

/* The general epilogue over rows [0, m) and columns [j0, j0+nc) of y, for
 * what the micro-kernel does not fuse: c, activations but ReLU (alpha was
 * applied by the micro-kernel). */
static void rt_sgemm_epilogue(float *y, int64_t ldy, int64_t m, int64_t j0, int64_t nc,
                              const rt_sgemm_epi *e)
{
    int64_t i, j;
    for (i = 0; i < m; i++) {
        float *yr = y + i * ldy + j0;
        if (e->bias)
            for (j = 0; j < nc; j++)
                yr[j] += e->bias[i];
        if (e->c) {
            const float *cr = e->c + i * e->c_rs + j0 * e->c_cs;
            for (j = 0; j < nc; j++)
                yr[j] += e->beta * cr[j * e->c_cs];
        }
        rt_act_apply(yr, nc, e->act, e->act_alpha, e->act_beta);
    }
}

/*
 * See rt_sgemm_impl.h. Every k block's partial product is scaled by alpha in
 * the micro-kernel, so y = residual + alpha * product also when accumulating.
 * The fast epilogue (bias and ReLU in the micro-kernel's store) is used when
 * c is absent; otherwise the last k block stores plain sums and
 * rt_sgemm_epilogue finishes the panel.
 */
void rt_sgemm(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
              const rt_sgemm_b *b, int64_t m, int64_t n, int64_t k, const rt_sgemm_epi *e)
{
    float bp[RT_SGEMM_KC * RT_SGEMM_NC];
    const int fast = e->c == NULL &&
                     (e->act == RT_UN_NONE || e->act == RT_UN_RELU);
    int64_t j0, k0, i0, jp;

    if (m <= 0 || n <= 0)
        return;
    for (j0 = 0; j0 < n; j0 += RT_SGEMM_NC) {
        const int64_t nc = n - j0 < RT_SGEMM_NC ? n - j0 : RT_SGEMM_NC;
        const int64_t ncp = (nc + RT_SGEMM_NR - 1) / RT_SGEMM_NR * RT_SGEMM_NR;
        if (k == 0) {           /* an empty product: only the epilogue */
            for (i0 = 0; i0 < m; i0++)
                for (jp = 0; jp < nc; jp++)
                    y[i0 * ldy + j0 + jp] = e->accumulate ? y[i0 * ldy + j0 + jp] : 0.0f;
        }
        for (k0 = 0; k0 < k; k0 += RT_SGEMM_KC) {
            const int64_t kc = k - k0 < RT_SGEMM_KC ? k - k0 : RT_SGEMM_KC;
            const int add = k0 > 0 || e->accumulate;
            const int last = k0 + kc >= k;
            const float *bs = bp;
            int64_t ldb = RT_SGEMM_NC;
            if (b->conv && b->conv_t) {
                rt_pack_im2col_t(bp, b, k0, kc, j0, nc, ncp);
            } else if (b->conv) {
                rt_pack_im2col(bp, b, k0, kc, j0, nc, ncp);
            } else if (RT_SGEMM_DIRECT && b->cs == 1) {
                /* rows of B read in place (masked loads at the edge) */
                bs = b->p + k0 * b->rs + j0;
                ldb = b->rs;
            } else {
                rt_pack_dense(bp, b, k0, kc, j0, nc, ncp);
            }
#ifdef RT_SIMD_AVX512
            /* tiles of 32 columns (8 x 32 kernel), the last 1..16 columns
             * by 16 rows (16 x 16) and then 8 */
            for (jp = 0; jp < nc; jp += 2 * RT_SGEMM_NR) {
                const int wide = nc - jp > RT_SGEMM_NR;
                const int nr = (int)(nc - jp < 2 * RT_SGEMM_NR ? nc - jp : 2 * RT_SGEMM_NR);
                int step;
                for (i0 = 0; i0 < m; i0 += step) {
                    const int mr = (int)(m - i0 < RT_SGEMM_MR ? m - i0 : RT_SGEMM_MR);
                    const float *bias = last && fast && e->bias ? e->bias + i0 : NULL;
                    const int relu = last && fast && e->act == RT_UN_RELU;
                    float *yt = y + i0 * ldy + j0 + jp;
                    const float *at = a + i0 * ars + k0 * acs;
                    step = RT_SGEMM_MR;
                    if (wide) {
                        rt_ukernel_wide(yt, ldy, at, ars, acs, bs + jp, ldb, kc, mr, nr, e->alpha,
                                        add, bias, relu);
                    } else if (m - i0 >= 2 * RT_SGEMM_MR) {
                        rt_ukernel_tall(yt, ldy, at, ars, acs, bs + jp, ldb, kc, nr, e->alpha,
                                        add, bias, relu);
                        step = 2 * RT_SGEMM_MR;
                    } else {
                        rt_ukernel(yt, ldy, at, ars, acs, bs + jp, ldb, kc, mr, nr, e->alpha, add,
                                   bias, relu);
                    }
                }
            }
#else
            for (i0 = 0; i0 < m; i0 += RT_SGEMM_MR) {
                const int mr = (int)(m - i0 < RT_SGEMM_MR ? m - i0 : RT_SGEMM_MR);
                const float *bias = last && fast && e->bias ? e->bias + i0 : NULL;
                const int relu = last && fast && e->act == RT_UN_RELU;
                for (jp = 0; jp < nc; jp += RT_SGEMM_NR) {
                    const int nr = (int)(nc - jp < RT_SGEMM_NR ? nc - jp : RT_SGEMM_NR);
                    rt_ukernel(y + i0 * ldy + j0 + jp, ldy, a + i0 * ars + k0 * acs, ars, acs,
                               bs + jp, ldb, kc, mr, nr, e->alpha, add, bias, relu);
                }
            }
#endif
        }
        if (!fast || k == 0)
            rt_sgemm_epilogue(y, ldy, m, j0, nc, e);
    }
}
