/*
 * conv_bwd.c - the fast paths of the 1-D and 2-D convolution backward
 * (AVX2+FMA), called by rt_conv_backward (conv.c) for dense, grouped and
 * depthwise convolutions with dilation 1; everything else (and dx of a
 * strided dense convolution, but for the 3x3 and 1x1 stride-2 ones that
 * rt_cbw_dx_s2 gathers by output phase on AVX-512), and every target
 * without AVX2, takes conv.c's portable im2col path.
 *
 * Both work on copies of a block of rows in a "wide" layout, a row of Wq
 * floats where the true row has fewer, so that every kernel tap becomes
 * one contiguous run and no im2col matrix is packed:
 *
 *  dw += dy x_col^T (rt_cbw_dw): the input is split into stride phase
 *    planes, plane (ph1, ph2)[u, v] = x[(r0 + u) s1 + ph1 - p1, v s2 + ph2 - p2]
 *    (0 in the padding), each Wq = out2 + (k2 - 1) / s2 wide, and dy is
 *    copied Wq wide with zeros in the extra columns. Then for tap (t1, t2)
 *    and q = r Wq + c, the tap's input is plane (t1 % s1, t2 % s2) at
 *    q + (t1 / s1) Wq + t2 / s2, so dw[m, (ic, t)] is a dot product of two
 *    contiguous runs: a product A B^T with both operands read in place, a
 *    2x6 register tile of eight-lane sums reduced once at the end.
 *
 *  dx += W^T dy, scattered back (rt_cbw_dx, stride 1): dx[ic, i1, i2] =
 *    sum over (m, t1, t2) of w[m, ic, t1, t2] dy[m, i1 + p1 - t1, i2 + p2 - t2].
 *    With dy copied into a padded block Wd = in2 + k2 - 1 wide (k1 - 1 rows
 *    above), tap t reads dy at q + (k1 - 1 - t1) Wd + (k2 - 1 - t2) for
 *    output q = r Wd + c: an indirect GEMM with K = (t, m) whose B rows are
 *    shifted runs of the copy, a 6x16 register tile as in sgemm.c. The
 *    product goes to a block buffer whose first in2 columns of every row are
 *    then added to dx.
 *
 *  Maps of at most RT_CBW_SMALL positions get dw and dx (any stride) from
 *  one sgemm over a block of images, dy and x_col^T packed
 *  (rt_cbw_dw_small, rt_cbw_dx_small: the wide rows would be mostly
 *  padding there); other small maps put several images
 *  one after another along q (dw); a 1x1
 *  stride-1 convolution's dw reads dy and x in place (rt_cbw_dw_pw), and a
 *  depthwise convolution works one whole plane at a time (rt_cbw_dw1: dw
 *  by nine-tap dot products, dx gathered from a zero-bordered dy copy; at
 *  a stride s both read dy spread over at stride s with zeros between,
 *  which wastes products on zeros but builds no phase planes and scatters
 *  nothing element by element; phase planes and a scattered dx remain for
 *  planes too big for the buffer that way).
 *
 * The copies live in one fixed stack buffer (RT_CBW_DXCAP floats for dense
 * dw and dx, RT_CBW_CAP for depthwise); rows, output channels and input
 * channels are blocked to fit it. Extra columns and the tail of each copy
 * are zeros, so the runs may overrun a row: what they add there is 0 (in
 * dw) or lands in columns that are never stored (dx). Row tails in place
 * go through lane masks. The sums are in a different order from the
 * portable path (eight partial sums, FMA), within the usual K * eps bound.
 *
 * With AVX-512F (a -march=native build on such a machine) the hot loops run
 * sixteen lanes. The dense dw is an outer product instead (rt_cbw_dw_op*):
 * dy copied transposed, 32 or 16 output channels a position, and a tile of
 * 12 (or 9) dw columns x those channels kept in registers over the block,
 * each FMA broadcasting one x tap from the phase planes. dx of a 3x3
 * stride-1 "same" convolution runs as the Winograd forward convolution of dy
 * (rt_cbw_dx_winograd); other dx tiles are 64 or 32 columns wide (a 16-wide
 * tile for the last block); pointwise dw tiles are 4 rows x 6 columns (the
 * last block of a run through a mask), and the 3x3 depthwise dx gather
 * keeps one partial sum per kernel row (rows of 16 and more); the rest
 * keeps its AVX2 code (sixteen lanes made the depthwise dw dot products
 * slower: their runs are short). Depthwise 3x3 convolutions with pad 1 at
 * stride 1 or 2 take neither there (rt_dwk_*, see above them).
 */
#include <string.h>

#include "rt_sgemm_impl.h"

#ifdef RT_SIMD_AVX2
#include <immintrin.h>

#define RT_CBW_CAP 12288        /* floats of block copies on the stack (48 KB) */
#define RT_CBW_DXCAP 16384      /* the same for dx (64 KB)                       */
#define RT_CBW_JMAX 2048        /* columns of one dw block (input channels x taps) */
#ifndef RT_CBW_SMALL
#define RT_CBW_SMALL 36  /* dw by a packed sgemm up to this many positions an image */
#endif
#ifdef RT_SIMD_AVX512
#define RT_CBW_KMAX 256         /* dw: the longest block of K (its dy copy stays in L1) */
#else
#define RT_CBW_KMAX 512         /* dw: the longest dot product of one block (K)  */
#endif
#define RT_CBW_PWK 512          /* the pointwise dw: the longest dot product of a block */
#define RT_CBW_DXK 1152         /* dx: the longest K = taps x output channels    */
#define RT_CBW_PHMAX 16         /* dw: the most column phases (min(stride, kernel)) */

/* The four sums of the eight lanes of a, b, c and d, in that order. */
static inline __m128 rt_cbw_hsum4(__m256 a, __m256 b, __m256 c, __m256 d)
{
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

/* d[v] = src[v * step + off] where that index is in [0, len), else 0, for
 * v < nv: zeros, a copy (a memcpy at step 1), zeros. */
static void rt_cbw_fill_row(float *d, const float *src, int64_t nv, int64_t step, int64_t off,
                            int64_t len)
{
    int64_t lo, hi, v;
    rt_valid_range(&lo, &hi, nv, step, off, len);
    if (hi <= lo) {
        memset(d, 0, (size_t)nv * sizeof(float));
        return;
    }
    for (v = 0; v < lo; v++)    /* a few at most: no call into the C library */
        d[v] = 0.0f;
    if (step == 1) {
        memcpy(d + lo, src + lo + off, (size_t)(hi - lo) * sizeof(float));
    } else {
        v = lo;
#ifdef RT_SIMD_AVX512
        if (step == 2) {    /* r8bwd: sixteen at a time, the even lanes of two masked loads */
            const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8,
                                                6, 4, 2, 0);
            for (; v < hi; v += 16) {
                const int64_t n = hi - v < 16 ? hi - v : 16, span = 2 * n - 1;
                const float *sp = src + 2 * v + off;
                const __m512 a = _mm512_maskz_loadu_ps(
                    (__mmask16)(span >= 16 ? 0xFFFF : (1u << span) - 1u), sp);
                const __m512 b = _mm512_maskz_loadu_ps(
                    (__mmask16)(span > 16 ? (1u << (span - 16)) - 1u : 0u), sp + 16);
                _mm512_mask_storeu_ps(d + v, (__mmask16)((1u << n) - 1u),
                                      _mm512_permutex2var_ps(a, ev, b));
            }
        }
#endif
        if (step == 2)      /* eight at a time: the even lanes of sixteen */
            for (; v + 8 <= hi && 2 * v + off + 16 <= len; v += 8) {
                const __m256 a = _mm256_loadu_ps(src + 2 * v + off);
                const __m256 b = _mm256_loadu_ps(src + 2 * v + off + 8);
                const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
                _mm256_storeu_ps(d + v, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                            _mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0))));
            }
        for (; v < hi; v++)
            d[v] = src[v * step + off];
    }
    for (v = hi; v < nv; v++)
        d[v] = 0.0f;
}

/*
 * r8dw: one row of a phase plane with its valid range [lo, hi) computed by
 * the caller (once a plane, not once a row: rt_valid_range divides):
 * d[v] = s[(v - lo) * step] for lo <= v < hi (s is the row's first valid
 * element), zeros elsewhere in [0, nv). Inlined, no call into the C library
 * for rows of a few dozen floats; masked loads never read past the row.
 */
static inline void rt_cbw_row(float *d, const float *s, int64_t nv, int64_t step, int64_t lo,
                              int64_t hi)
{
    int64_t v;
    for (v = 0; v < lo; v++)
        d[v] = 0.0f;
#ifdef RT_SIMD_AVX512
    if (step == 1) {
        for (v = lo; v < hi; v += 16) {
            const __mmask16 mk = (__mmask16)(hi - v >= 16 ? 0xFFFF : (1u << (hi - v)) - 1u);
            _mm512_mask_storeu_ps(d + v, mk, _mm512_maskz_loadu_ps(mk, s + (v - lo)));
        }
    } else if (step == 2) {
        const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6,
                                            4, 2, 0);
        for (v = lo; v < hi; v += 16) {
            const int64_t n = hi - v < 16 ? hi - v : 16, span = 2 * n - 1;
            const float *sp = s + 2 * (v - lo);
            const __m512 a = _mm512_maskz_loadu_ps(
                (__mmask16)(span >= 16 ? 0xFFFF : (1u << span) - 1u), sp);
            const __m512 b = _mm512_maskz_loadu_ps(
                (__mmask16)(span > 16 ? (1u << (span - 16)) - 1u : 0u), sp + 16);
            _mm512_mask_storeu_ps(d + v, (__mmask16)((1u << n) - 1u),
                                  _mm512_permutex2var_ps(a, ev, b));
        }
    } else
#endif
    if (step == 1 && hi > lo) {
        memcpy(d + lo, s, (size_t)(hi - lo) * sizeof(float));
    } else {
        for (v = lo; v < hi; v++)
            d[v] = s[(v - lo) * step];
    }
    for (v = hi > lo ? hi : lo; v < nv; v++)
        d[v] = 0.0f;
}

#ifndef RT_SIMD_AVX512      /* AVX-512 has rt_cbw_dw_op (outer products) */
/*
 * dw[i, j] (row stride ldw) += sum_q a[i * lda + q] * bb[boff[j] + q] for
 * i < mr <= 2, j < nr <= 6, q < kq (a multiple of 8). Rows and columns past
 * mr, nr repeat the last valid one and are dropped.
 */
static void rt_cbw_dw_tile(float *dw, int64_t ldw, const float *a, int64_t lda,
                           const float *bb, const int32_t *boff, int64_t kq, int mr, int nr)
{
    const float *a0 = a, *a1 = a + (mr > 1 ? lda : 0);
    const float *b0 = bb + boff[0];
    const float *b1 = bb + boff[nr > 1 ? 1 : nr - 1];
    const float *b2 = bb + boff[nr > 2 ? 2 : nr - 1];
    const float *b3 = bb + boff[nr > 3 ? 3 : nr - 1];
    const float *b4 = bb + boff[nr > 4 ? 4 : nr - 1];
    const float *b5 = bb + boff[nr > 5 ? 5 : nr - 1];
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c02 = _mm256_setzero_ps();
    __m256 c03 = _mm256_setzero_ps(), c04 = _mm256_setzero_ps(), c05 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(), c12 = _mm256_setzero_ps();
    __m256 c13 = _mm256_setzero_ps(), c14 = _mm256_setzero_ps(), c15 = _mm256_setzero_ps();
    float s[2][8];
    int64_t q;
    int i, j;

    for (q = 0; q < kq; q += 8) {
        const __m256 x0 = _mm256_loadu_ps(a0 + q), x1 = _mm256_loadu_ps(a1 + q);
        __m256 bv;
        bv = _mm256_loadu_ps(b0 + q);
        c00 = _mm256_fmadd_ps(x0, bv, c00);
        c10 = _mm256_fmadd_ps(x1, bv, c10);
        bv = _mm256_loadu_ps(b1 + q);
        c01 = _mm256_fmadd_ps(x0, bv, c01);
        c11 = _mm256_fmadd_ps(x1, bv, c11);
        bv = _mm256_loadu_ps(b2 + q);
        c02 = _mm256_fmadd_ps(x0, bv, c02);
        c12 = _mm256_fmadd_ps(x1, bv, c12);
        bv = _mm256_loadu_ps(b3 + q);
        c03 = _mm256_fmadd_ps(x0, bv, c03);
        c13 = _mm256_fmadd_ps(x1, bv, c13);
        bv = _mm256_loadu_ps(b4 + q);
        c04 = _mm256_fmadd_ps(x0, bv, c04);
        c14 = _mm256_fmadd_ps(x1, bv, c14);
        bv = _mm256_loadu_ps(b5 + q);
        c05 = _mm256_fmadd_ps(x0, bv, c05);
        c15 = _mm256_fmadd_ps(x1, bv, c15);
    }
    /* the twelve sums, four and two at a time through horizontal adds */
    _mm_storeu_ps(s[0], rt_cbw_hsum4(c00, c01, c02, c03));
    _mm_storeu_ps(s[1], rt_cbw_hsum4(c10, c11, c12, c13));
    _mm_storeu_ps(s[0] + 4, rt_cbw_hsum4(c04, c05, c14, c15));
    for (i = 0; i < mr; i++)
        for (j = 0; j < nr; j++)
            dw[i * ldw + j] += j < 4 ? s[i][j] : s[0][4 + 2 * i + (j - 4)];
}

#endif

#ifdef RT_SIMD_AVX512
/* the tile loops compiled on their own, registers not shared with the
 * blocking loops around them (inlined, they spilled row pointers) */
#define RT_CBW_NOINLINE __attribute__((noinline))
#define RT_CBW_MR 4             /* rows of the pointwise dw tile */
/* The sum of the sixteen lanes of e as eight: its two halves added. */
static inline __m256 rt_cbw_halves(__m512 e)
{
    return _mm256_add_ps(_mm512_castps512_ps256(e),
                         _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1)));
}


/*
 * The dot-product dw tile on AVX-512 (for blocks of fewer than 12 output
 * channels, whose outer product would leave lanes idle): i < mr <= 4 rows,
 * j < nr <= 6 columns, sixteen lanes a step and the last eight (kq is a
 * multiple of 8) through a mask; rows and columns past mr, nr repeat the
 * last valid one and are dropped.
 */
static void rt_cbw_dw_tile4(float *dw, int64_t ldw, const float *a, int64_t lda,
                            const float *bb, const int32_t *boff, int64_t kq, int mr, int nr)
{
    const float *a0 = a, *a1 = a + (mr > 1 ? 1 : 0) * lda;
    const float *a2 = a + (mr > 2 ? 2 : mr - 1) * lda, *a3 = a + (mr > 3 ? 3 : mr - 1) * lda;
    const float *b[6];
    __m512 c[4][6];
    float s[4][8];
    int64_t q;
    int i, j;

    for (j = 0; j < 6; j++)
        b[j] = bb + boff[j < nr ? j : nr - 1];
    for (i = 0; i < 4; i++)
        for (j = 0; j < 6; j++)
            c[i][j] = _mm512_setzero_ps();
    for (q = 0; q < kq; q += 16) {
        const __mmask16 mk = (__mmask16)(q + 16 <= kq ? 0xFFFF : 0x00FF);
        const __m512 x0 = _mm512_maskz_loadu_ps(mk, a0 + q);
        const __m512 x1 = _mm512_maskz_loadu_ps(mk, a1 + q);
        const __m512 x2 = _mm512_maskz_loadu_ps(mk, a2 + q);
        const __m512 x3 = _mm512_maskz_loadu_ps(mk, a3 + q);
        for (j = 0; j < 6; j++) {       /* unrolled by the compiler */
            const __m512 bv = _mm512_maskz_loadu_ps(mk, b[j] + q);
            c[0][j] = _mm512_fmadd_ps(x0, bv, c[0][j]);
            c[1][j] = _mm512_fmadd_ps(x1, bv, c[1][j]);
            c[2][j] = _mm512_fmadd_ps(x2, bv, c[2][j]);
            c[3][j] = _mm512_fmadd_ps(x3, bv, c[3][j]);
        }
    }
    for (i = 0; i < 4; i++) {
        _mm_storeu_ps(s[i], rt_cbw_hsum4(rt_cbw_halves(c[i][0]), rt_cbw_halves(c[i][1]),
                                         rt_cbw_halves(c[i][2]), rt_cbw_halves(c[i][3])));
        _mm_storeu_ps(s[i] + 4, rt_cbw_hsum4(rt_cbw_halves(c[i][4]), rt_cbw_halves(c[i][5]),
                                             _mm256_setzero_ps(), _mm256_setzero_ps()));
    }
    for (i = 0; i < mr; i++)
        for (j = 0; j < nr; j++)
            dw[i * ldw + j] += s[i][j];
}
#define RT_CBW_DW_TILE rt_cbw_dw_tile4


/* Transposes the 16x16 block t in place (t[k] lane l <- t[l] lane k): rows
 * interleaved in pairs by 32 and by 64 bits within each 128-bit group, after
 * which t[4a + e] holds rows 4a .. 4a + 3 of column 4g + e in its group g;
 * two rounds of 128-bit group shuffles then gather each column. */
static inline void rt_cbw_t16(__m512 *t)
{
    __m512 u[16];
    int k;
    for (k = 0; k < 16; k += 2) {
        u[k] = _mm512_unpacklo_ps(t[k], t[k + 1]);
        u[k + 1] = _mm512_unpackhi_ps(t[k], t[k + 1]);
    }
    for (k = 0; k < 16; k += 4) {
        const __m512d a = _mm512_castps_pd(u[k]), b = _mm512_castps_pd(u[k + 1]);
        const __m512d c = _mm512_castps_pd(u[k + 2]), d = _mm512_castps_pd(u[k + 3]);
        t[k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        t[k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        t[k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        t[k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (k = 0; k < 4; k++) {
        u[k] = _mm512_shuffle_f32x4(t[k], t[k + 4], 0x88);
        u[k + 4] = _mm512_shuffle_f32x4(t[k], t[k + 4], 0xDD);
        u[k + 8] = _mm512_shuffle_f32x4(t[k + 8], t[k + 12], 0x88);
        u[k + 12] = _mm512_shuffle_f32x4(t[k + 8], t[k + 12], 0xDD);
    }
    for (k = 0; k < 8; k++) {
        t[k] = _mm512_shuffle_f32x4(u[k], u[k + 8], 0x88);
        t[k + 8] = _mm512_shuffle_f32x4(u[k], u[k + 8], 0xDD);
    }
}

/* dw[i * ldw + j] += a[j] lane i for i < mr <= 16, j < nr <= 12 (a[12 ..
 * 16) are set to 0 here): the block transposed in registers and added a
 * row at a time through a lane mask. */
static inline void rt_cbw_dw_add16(float *dw, int64_t ldw, __m512 *a, int mr, int nr)
{
    const __mmask16 mk = (__mmask16)((1u << nr) - 1u);
    int i;
    a[12] = a[13] = a[14] = a[15] = _mm512_setzero_ps();
    rt_cbw_t16(a);
    for (i = 0; i < mr; i++)
        _mm512_mask_storeu_ps(dw + i * ldw, mk,
                              _mm512_add_ps(_mm512_maskz_loadu_ps(mk, dw + i * ldw), a[i]));
}

/*
 * The dw product in outer-product form (r8bwd): dy is copied transposed,
 * dyt[q * 32 + i] = dy row i at q (32 lanes, zeros past the block's rows
 * and in the extra columns), and a tile of nr <= 12 dw columns j (input
 * channel and tap, rows of the planes at bb + boff[j]) by 32 output
 * channels keeps twenty-four sixteen-lane sums over the whole block:
 *   acc[j] += bb[boff[j] + q] (broadcast) * dyt[q, 0 .. 32).
 * No horizontal sums and no split loads (the broadcasts are four bytes, the
 * dyt rows aligned); the sums are added to dw[i, j] (row stride ldw) for
 * i < mr. Columns past nr repeat the last valid one and are dropped.
 */
RT_CBW_NOINLINE static void rt_cbw_dw_op(float *dw, int64_t ldw, const float *dyt,
                                         const float *bb, const int32_t *boff, int64_t kq,
                                         int mr, int nr)
{
#define RT_CBW_P(j) const float *x##j = bb + boff[(j) < nr ? (j) : nr - 1]
    RT_CBW_P(0); RT_CBW_P(1); RT_CBW_P(2); RT_CBW_P(3); RT_CBW_P(4); RT_CBW_P(5);
    RT_CBW_P(6); RT_CBW_P(7); RT_CBW_P(8); RT_CBW_P(9); RT_CBW_P(10); RT_CBW_P(11);
#undef RT_CBW_P
#define RT_CBW_Z(j) __m512 a##j = _mm512_setzero_ps(), b##j = _mm512_setzero_ps()
    RT_CBW_Z(0); RT_CBW_Z(1); RT_CBW_Z(2); RT_CBW_Z(3); RT_CBW_Z(4); RT_CBW_Z(5);
    RT_CBW_Z(6); RT_CBW_Z(7); RT_CBW_Z(8); RT_CBW_Z(9); RT_CBW_Z(10); RT_CBW_Z(11);
#undef RT_CBW_Z
    int64_t q;

    for (q = 0; q < kq; q++) {
        const __m512 d0 = _mm512_load_ps(dyt + q * 32), d1 = _mm512_load_ps(dyt + q * 32 + 16);
        __m512 v;
#define RT_CBW_F(j) v = _mm512_set1_ps(x##j[q]); \
        a##j = _mm512_fmadd_ps(v, d0, a##j); b##j = _mm512_fmadd_ps(v, d1, b##j)
        RT_CBW_F(0); RT_CBW_F(1); RT_CBW_F(2); RT_CBW_F(3); RT_CBW_F(4); RT_CBW_F(5);
        RT_CBW_F(6); RT_CBW_F(7); RT_CBW_F(8); RT_CBW_F(9); RT_CBW_F(10); RT_CBW_F(11);
#undef RT_CBW_F
    }
    {
        __m512 t[16] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
        rt_cbw_dw_add16(dw, ldw, t, mr < 16 ? mr : 16, nr);
    }
    if (mr > 16) {
        __m512 t[16] = {b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11};
        rt_cbw_dw_add16(dw + 16 * ldw, ldw, t, mr - 16, nr);
    }
}

/*
 * rt_cbw_dw_op for tiles whose twelve columns are ng <= 4 groups of three,
 * the third of each the first shifted by the same e: the three taps along
 * a kernel row 3 wide (input channel and kernel row a group; tap 0 of group
 * g reads a[g], tap 1 b[g] = a[g] + 1 or the other phase plane, tap 2 a[g]
 * shifted by e = 2, or 1 at stride 2), or three input channels of a 1x1
 * kernel (e two planes). Eight row pointers instead of twelve leave the
 * loop its registers.
 * lanes is 32 or 16 (the width of dyt's rows); a and b hold four groups,
 * those past ng repeating a valid one (dropped).
 */
RT_CBW_NOINLINE static void rt_cbw_dw_op3(float *dw, int64_t ldw, const float *dyt, int lanes,
                                          const float *const *a, const float *const *b,
                                          int64_t e, int64_t kq, int mr, int ng)
{
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
    const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
#define RT_CBW_Z(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps(), \
    c##i##2 = _mm512_setzero_ps(), d##i##0 = _mm512_setzero_ps(), \
    d##i##1 = _mm512_setzero_ps(), d##i##2 = _mm512_setzero_ps()
    RT_CBW_Z(0); RT_CBW_Z(1); RT_CBW_Z(2); RT_CBW_Z(3);
#undef RT_CBW_Z
    const int nr = 3 * ng;
    /* three adjacent taps (b = a + 1, e = 2): four pointers and constant
     * displacements, the loop's own copy */
    const int unit = e == 2 && b0 == a0 + 1 && b1 == a1 + 1 && b2 == a2 + 1 && b3 == a3 + 1;
    int64_t q;

#define RT_CBW_L32(B, E)                                                                    \
    for (q = 0; q < kq; q++) {                                                              \
        const __m512 y0 = _mm512_load_ps(dyt + q * 32), y1 = _mm512_load_ps(dyt + q * 32 + 16); \
        __m512 v;                                                                           \
        RT_CBW_G(0, B, E); RT_CBW_G(1, B, E); RT_CBW_G(2, B, E); RT_CBW_G(3, B, E);        \
    }
#define RT_CBW_F(i, r, src) v = _mm512_set1_ps(src); \
    c##i##r = _mm512_fmadd_ps(v, y0, c##i##r); d##i##r = _mm512_fmadd_ps(v, y1, d##i##r)
#define RT_CBW_G(i, B, E) RT_CBW_F(i, 0, a##i[q]); RT_CBW_F(i, 1, B(i)[q]); \
    RT_CBW_F(i, 2, a##i[q + (E)])
#define RT_CBW_BU(i) (a##i + 1)
#define RT_CBW_BP(i) b##i
#define RT_CBW_L32G3(B, E)                                                                  \
    for (q = 0; q < kq; q++) {                                                              \
        const __m512 y0 = _mm512_load_ps(dyt + q * 32), y1 = _mm512_load_ps(dyt + q * 32 + 16); \
        __m512 v;                                                                           \
        RT_CBW_G(0, B, E); RT_CBW_G(1, B, E); RT_CBW_G(2, B, E);                            \
    }
    if (lanes == 32 && unit && ng <= 3)
        RT_CBW_L32G3(RT_CBW_BU, 2)
    else if (lanes == 32 && unit)
        RT_CBW_L32(RT_CBW_BU, 2)
    else if (lanes == 32)
        RT_CBW_L32(RT_CBW_BP, e)
#undef RT_CBW_F
#undef RT_CBW_L32
#undef RT_CBW_L32G3
#define RT_CBW_L16(B, E)                                                                    \
    for (q = 0; q < kq; q++) {                                                              \
        const __m512 y0 = _mm512_load_ps(dyt + q * 16);                                     \
        RT_CBW_G(0, B, E); RT_CBW_G(1, B, E); RT_CBW_G(2, B, E); RT_CBW_G(3, B, E);        \
    }
#define RT_CBW_F(i, r, src) c##i##r = _mm512_fmadd_ps(_mm512_set1_ps(src), y0, c##i##r)
    /* r8dwt: three groups (nine columns) alone, so that a 3-channel 3x3
     * layer's 27 columns take three full tiles, not 12 + 12 + 3 at the cost
     * of 36 */
#define RT_CBW_L16G3(B, E)                                                                  \
    for (q = 0; q < kq; q++) {                                                              \
        const __m512 y0 = _mm512_load_ps(dyt + q * 16);                                     \
        RT_CBW_G(0, B, E); RT_CBW_G(1, B, E); RT_CBW_G(2, B, E);                            \
    }
    else if (unit && ng <= 3)
        RT_CBW_L16G3(RT_CBW_BU, 2)
    else if (unit)
        RT_CBW_L16(RT_CBW_BU, 2)
    else
        RT_CBW_L16(RT_CBW_BP, e)
#undef RT_CBW_F
#undef RT_CBW_G
#undef RT_CBW_L16
#undef RT_CBW_L16G3
#undef RT_CBW_BU
#undef RT_CBW_BP
    {
        __m512 t[16] = {c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32};
        rt_cbw_dw_add16(dw, ldw, t, mr < 16 ? mr : 16, nr);
    }
    if (mr > 16) {
        __m512 t[16] = {d00, d01, d02, d10, d11, d12, d20, d21, d22, d30, d31, d32};
        rt_cbw_dw_add16(dw + 16 * ldw, ldw, t, mr - 16, nr);
    }
}

/* The same tile sixteen output channels wide (dyt rows of 16 lanes), for
 * blocks of at most 16 output channels. */
RT_CBW_NOINLINE static void rt_cbw_dw_op16(float *dw, int64_t ldw, const float *dyt,
                                           const float *bb, const int32_t *boff, int64_t kq,
                                           int mr, int nr)
{
#define RT_CBW_P(j) const float *x##j = bb + boff[(j) < nr ? (j) : nr - 1]
    RT_CBW_P(0); RT_CBW_P(1); RT_CBW_P(2); RT_CBW_P(3); RT_CBW_P(4); RT_CBW_P(5);
    RT_CBW_P(6); RT_CBW_P(7); RT_CBW_P(8); RT_CBW_P(9); RT_CBW_P(10); RT_CBW_P(11);
#undef RT_CBW_P
#define RT_CBW_Z(j) __m512 a##j = _mm512_setzero_ps()
    RT_CBW_Z(0); RT_CBW_Z(1); RT_CBW_Z(2); RT_CBW_Z(3); RT_CBW_Z(4); RT_CBW_Z(5);
    RT_CBW_Z(6); RT_CBW_Z(7); RT_CBW_Z(8); RT_CBW_Z(9); RT_CBW_Z(10); RT_CBW_Z(11);
#undef RT_CBW_Z
    int64_t q;

    for (q = 0; q < kq; q++) {
        const __m512 d0 = _mm512_load_ps(dyt + q * 16);
#define RT_CBW_F(j) a##j = _mm512_fmadd_ps(_mm512_set1_ps(x##j[q]), d0, a##j)
        RT_CBW_F(0); RT_CBW_F(1); RT_CBW_F(2); RT_CBW_F(3); RT_CBW_F(4); RT_CBW_F(5);
        RT_CBW_F(6); RT_CBW_F(7); RT_CBW_F(8); RT_CBW_F(9); RT_CBW_F(10); RT_CBW_F(11);
#undef RT_CBW_F
    }
    {
        __m512 t[16] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
        rt_cbw_dw_add16(dw, ldw, t, mr, nr);
    }
}

/*
 * Copies rows [r0, r0 + rows) of images 0 .. nb of dy channels 0 .. mc (<=
 * lanes, 16 or 32; image b's channel m at dy + b * ldn + m * out1 * out2)
 * transposed into dyt: position (b * sec + r * wq + v) is row q of lanes
 * floats, channel m at lane m; zeros in the other lanes, the extra columns,
 * between the images and up to kq. Sixteen positions of sixteen channels
 * at a time through an in-register transpose where a row has them.
 */
static void rt_cbw_copy_dyt(float *dyt, int64_t kq, int64_t lanes, int64_t sec, const float *dy,
                            int64_t ldn, int64_t nb, int64_t mc, int64_t r0, int64_t rows,
                            int64_t out1, int64_t out2, int64_t wq)
{
    int64_t m0, r, b, v, m;
    memset(dyt, 0, (size_t)(kq * lanes) * sizeof(float));
    for (b = 0; b < nb; b++)
        for (r = 0; r < rows; r++) {
            float *d = dyt + (b * sec + r * wq) * lanes;
            const float *s = dy + b * ldn + (r0 + r) * out2;
            for (m0 = 0; m0 < mc; m0 += 16) {
                const int64_t mn = mc - m0 < 16 ? mc - m0 : 16;
                v = 0;
                if (mn == 16)
                    for (; v + 16 <= out2; v += 16) {
                        __m512 t[16];
                        int k;
                        for (k = 0; k < 16; k++)
                            t[k] = _mm512_loadu_ps(s + (m0 + k) * out1 * out2 + v);
                        rt_cbw_t16(t);
                        for (k = 0; k < 16; k++)
                            _mm512_storeu_ps(d + (v + k) * lanes + m0, t[k]);
                    }
                for (; v < out2; v++)
                    for (m = 0; m < mn; m++)
                        d[v * lanes + m0 + m] = s[(m0 + m) * out1 * out2 + v];
            }
        }
}
#else
#define RT_CBW_MR 2
#define RT_CBW_DW_TILE rt_cbw_dw_tile
#endif

/* The lane mask of the first n (1..8) lanes, for maskload. */
static inline __m256i rt_cbw_mask(int64_t n)
{
    static const int32_t m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(const void *)(m + 8 - n));
}

#ifndef RT_SIMD_AVX512      /* AVX-512 has rt_cbw_pw_tile4 */
/*
 * The same tile for a 1x1 stride-1 unpadded convolution, read in place: K
 * runs over images n0 .. n0 + nimg and positions q0 .. q0 + len of each,
 * a row i at a + n * lda_n + i * lda_m, column j at b + n * ldb_n + j * ldb_c.
 * Eight lanes, the last block of each run masked.
 */
static void rt_cbw_pw_tile(float *dw, int64_t ldw, const float *a, int64_t lda_n, int64_t lda_m,
                           const float *b, int64_t ldb_n, int64_t ldb_c, int64_t nimg,
                           int64_t len, int mr, int nr)
{
    const int64_t l8 = len / 8 * 8;
    const int64_t o1 = (mr > 1 ? lda_m : 0);
    const int64_t j1 = (nr > 1 ? 1 : 0) * ldb_c, j2 = (nr > 2 ? 2 : 0) * ldb_c;
    const int64_t j3 = (nr > 3 ? 3 : 0) * ldb_c, j4 = (nr > 4 ? 4 : 0) * ldb_c;
    const int64_t j5 = (nr > 5 ? 5 : 0) * ldb_c;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c02 = _mm256_setzero_ps();
    __m256 c03 = _mm256_setzero_ps(), c04 = _mm256_setzero_ps(), c05 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(), c12 = _mm256_setzero_ps();
    __m256 c13 = _mm256_setzero_ps(), c14 = _mm256_setzero_ps(), c15 = _mm256_setzero_ps();
    float s[2][8];
    int64_t n, q;
    int i, j;

    for (n = 0; n < nimg; n++) {
        const float *a0 = a + n * lda_n, *a1 = a0 + o1;
        const float *b0 = b + n * ldb_n;
        for (q = 0; q < l8; q += 8) {
            const __m256 x0 = _mm256_loadu_ps(a0 + q), x1 = _mm256_loadu_ps(a1 + q);
            __m256 bv;
            bv = _mm256_loadu_ps(b0 + q);
            c00 = _mm256_fmadd_ps(x0, bv, c00);
            c10 = _mm256_fmadd_ps(x1, bv, c10);
            bv = _mm256_loadu_ps(b0 + j1 + q);
            c01 = _mm256_fmadd_ps(x0, bv, c01);
            c11 = _mm256_fmadd_ps(x1, bv, c11);
            bv = _mm256_loadu_ps(b0 + j2 + q);
            c02 = _mm256_fmadd_ps(x0, bv, c02);
            c12 = _mm256_fmadd_ps(x1, bv, c12);
            bv = _mm256_loadu_ps(b0 + j3 + q);
            c03 = _mm256_fmadd_ps(x0, bv, c03);
            c13 = _mm256_fmadd_ps(x1, bv, c13);
            bv = _mm256_loadu_ps(b0 + j4 + q);
            c04 = _mm256_fmadd_ps(x0, bv, c04);
            c14 = _mm256_fmadd_ps(x1, bv, c14);
            bv = _mm256_loadu_ps(b0 + j5 + q);
            c05 = _mm256_fmadd_ps(x0, bv, c05);
            c15 = _mm256_fmadd_ps(x1, bv, c15);
        }
        if (q < len) {          /* the tail, through a lane mask (no access past it) */
            const __m256i mk = rt_cbw_mask(len - q);
            const __m256 x0 = _mm256_maskload_ps(a0 + q, mk), x1 = _mm256_maskload_ps(a1 + q, mk);
            __m256 bv;
            bv = _mm256_maskload_ps(b0 + q, mk);
            c00 = _mm256_fmadd_ps(x0, bv, c00);
            c10 = _mm256_fmadd_ps(x1, bv, c10);
            bv = _mm256_maskload_ps(b0 + j1 + q, mk);
            c01 = _mm256_fmadd_ps(x0, bv, c01);
            c11 = _mm256_fmadd_ps(x1, bv, c11);
            bv = _mm256_maskload_ps(b0 + j2 + q, mk);
            c02 = _mm256_fmadd_ps(x0, bv, c02);
            c12 = _mm256_fmadd_ps(x1, bv, c12);
            bv = _mm256_maskload_ps(b0 + j3 + q, mk);
            c03 = _mm256_fmadd_ps(x0, bv, c03);
            c13 = _mm256_fmadd_ps(x1, bv, c13);
            bv = _mm256_maskload_ps(b0 + j4 + q, mk);
            c04 = _mm256_fmadd_ps(x0, bv, c04);
            c14 = _mm256_fmadd_ps(x1, bv, c14);
            bv = _mm256_maskload_ps(b0 + j5 + q, mk);
            c05 = _mm256_fmadd_ps(x0, bv, c05);
            c15 = _mm256_fmadd_ps(x1, bv, c15);
        }
    }
    _mm_storeu_ps(s[0], rt_cbw_hsum4(c00, c01, c02, c03));
    _mm_storeu_ps(s[1], rt_cbw_hsum4(c10, c11, c12, c13));
    _mm_storeu_ps(s[0] + 4, rt_cbw_hsum4(c04, c05, c14, c15));
    for (i = 0; i < mr; i++)
        for (j = 0; j < nr; j++)
            dw[i * ldw + j] += j < 4 ? s[i][j] : s[0][4 + 2 * i + (j - 4)];
}

#endif

#ifdef RT_SIMD_AVX512
/* rt_cbw_pw_tile on AVX-512: mr <= 4 rows, sixteen lanes a step, the last
 * block of each run through a mask. */
static void rt_cbw_pw_tile4(float *dw, int64_t ldw, const float *a, int64_t lda_n,
                            int64_t lda_m, const float *b, int64_t ldb_n, int64_t ldb_c,
                            int64_t nimg, int64_t len, int mr, int nr)
{
    const int64_t o1 = (mr > 1 ? 1 : 0) * lda_m, o2 = (mr > 2 ? 2 : mr - 1) * lda_m;
    const int64_t o3 = (mr > 3 ? 3 : mr - 1) * lda_m;
    const int64_t j1 = (nr > 1 ? 1 : 0) * ldb_c, j2 = (nr > 2 ? 2 : nr - 1) * ldb_c;
    const int64_t j3 = (nr > 3 ? 3 : nr - 1) * ldb_c, j4 = (nr > 4 ? 4 : nr - 1) * ldb_c;
    const int64_t j5 = (nr > 5 ? 5 : nr - 1) * ldb_c;
    /* named accumulators: an array of them ends up in memory */
#define RT_CBW_Z4(j) __m512 c0##j = _mm512_setzero_ps(), c1##j = _mm512_setzero_ps(), \
    c2##j = _mm512_setzero_ps(), c3##j = _mm512_setzero_ps()
    RT_CBW_Z4(0); RT_CBW_Z4(1); RT_CBW_Z4(2); RT_CBW_Z4(3); RT_CBW_Z4(4); RT_CBW_Z4(5);
#undef RT_CBW_Z4
    float s[4][8];
    int64_t n, q;
    int i, j;

    for (n = 0; n < nimg; n++) {
        const float *a0 = a + n * lda_n, *b0 = b + n * ldb_n;
        for (q = 0; q < len; q += 16) {
            const __mmask16 mk = (__mmask16)(len - q >= 16 ? 0xFFFF
                                                           : (1u << (len - q)) - 1u);
            const __m512 x0 = _mm512_maskz_loadu_ps(mk, a0 + q);
            const __m512 x1 = _mm512_maskz_loadu_ps(mk, a0 + o1 + q);
            const __m512 x2 = _mm512_maskz_loadu_ps(mk, a0 + o2 + q);
            const __m512 x3 = _mm512_maskz_loadu_ps(mk, a0 + o3 + q);
            __m512 bv;
#define RT_CBW_C4(j, off) bv = _mm512_maskz_loadu_ps(mk, b0 + (off) + q); \
            c0##j = _mm512_fmadd_ps(x0, bv, c0##j); c1##j = _mm512_fmadd_ps(x1, bv, c1##j); \
            c2##j = _mm512_fmadd_ps(x2, bv, c2##j); c3##j = _mm512_fmadd_ps(x3, bv, c3##j)
            RT_CBW_C4(0, 0);
            RT_CBW_C4(1, j1);
            RT_CBW_C4(2, j2);
            RT_CBW_C4(3, j3);
            RT_CBW_C4(4, j4);
            RT_CBW_C4(5, j5);
#undef RT_CBW_C4
        }
    }
#define RT_CBW_S4(i)                                                                        \
    _mm_storeu_ps(s[i], rt_cbw_hsum4(rt_cbw_halves(c##i##0), rt_cbw_halves(c##i##1),        \
                                     rt_cbw_halves(c##i##2), rt_cbw_halves(c##i##3)));      \
    _mm_storeu_ps(s[i] + 4, rt_cbw_hsum4(rt_cbw_halves(c##i##4), rt_cbw_halves(c##i##5),    \
                                         _mm256_setzero_ps(), _mm256_setzero_ps()))
    RT_CBW_S4(0);
    RT_CBW_S4(1);
    RT_CBW_S4(2);
    RT_CBW_S4(3);
#undef RT_CBW_S4
    for (i = 0; i < mr; i++)
        for (j = 0; j < nr; j++)
            dw[i * ldw + j] += s[i][j];
}
#define RT_CBW_PW_TILE rt_cbw_pw_tile4
#else
#define RT_CBW_PW_TILE rt_cbw_pw_tile
#endif

/*
 * dw += dy x^T for one group of a 1x1 stride-1 unpadded convolution, in
 * place: dw [mg, cg], image n's dy rows at dy + n * ldy (osize apart), its x
 * rows at x + n * ldx. K (images x positions) is cut into blocks whose rows
 * of dy and x stay within about 256 KB, and every tile's sums over a block
 * are added to dw.
 */
static void rt_cbw_dw_pw(float *dw, const float *dy, const float *x, int64_t mg, int64_t cg,
                         const rt_conv_params *p)
{
    const int64_t osize = p->out[1] * p->out[2];
    const int64_t ldy = (int64_t)p->m * osize, ldx = (int64_t)p->c * osize;
    int64_t kt = 65536 / (mg + cg), nimg, len, n0, q0, i, j;

    if (kt < 256)
        kt = 256;
    if (kt > RT_CBW_PWK)
        kt = RT_CBW_PWK;
    /* a block is nimg whole images, or one image's positions len at a time */
    if (osize >= kt) {
        nimg = 1;
        len = kt;
    } else {
        nimg = kt / osize;
        len = osize;
    }
    for (n0 = 0; n0 < p->n; n0 += nimg) {
        const int64_t nb = p->n - n0 < nimg ? p->n - n0 : nimg;
        for (q0 = 0; q0 < osize; q0 += len) {
            const int64_t lc = osize - q0 < len ? osize - q0 : len;
            for (i = 0; i < mg; i += RT_CBW_MR) {
                const int mr = mg - i < RT_CBW_MR ? (int)(mg - i) : RT_CBW_MR;
                for (j = 0; j < cg; j += 6)
                    RT_CBW_PW_TILE(dw + i * cg + j, cg, dy + n0 * ldy + i * osize + q0, ldy,
                                   osize, x + n0 * ldx + j * osize + q0, ldx, osize, nb, lc, mr,
                                   cg - j < 6 ? (int)(cg - j) : 6);
            }
        }
    }
}

/* Copies rows [r0, r0 + rows) of images 0 .. nb of dy (channels m0 .. m0 + mc
 * of one group: image b's channel m at dy + b * ldn + m * out1 * out2) Wq wide
 * into dyb, image b at b * sec, channel m at m * kq; zeros in columns out2 ..
 * Wq, between the images and up to kq. */
static void rt_cbw_copy_dy(float *dyb, int64_t kq, int64_t sec, const float *dy, int64_t ldn,
                           int64_t nb, int64_t mc, int64_t r0, int64_t rows, int64_t out1,
                           int64_t out2, int64_t wq)
{
    int64_t m, r, b;
    memset(dyb, 0, (size_t)(mc * kq) * sizeof(float));
    for (m = 0; m < mc; m++)
        for (b = 0; b < nb; b++) {
            float *d = dyb + m * kq + b * sec;
            const float *s = dy + b * ldn + (m * out1 + r0) * out2;
            if (wq == out2)
                memcpy(d, s, (size_t)(rows * out2) * sizeof(float));
            else
                for (r = 0; r < rows; r++)
                    memcpy(d + r * wq, s + r * out2, (size_t)out2 * sizeof(float));
        }
}

/*
 * dw += dy x_col^T for one group over every image (see the top of the
 * file): dw [mg, cg * k1 * k2]; image n's dy at dy + n * m * osize, its x at
 * x + n * c * isize (both already at the group). Small maps put several
 * images in one block, one after another along q (each with k1 / s1 zero
 * rows of dy after it, so one shift still finds every tap). Returns 0
 * (having done nothing) when the buffer cannot hold one row's copies.
 */
static int rt_cbw_dw(float *dw, const float *dy, const float *x, int64_t mg, int64_t cg,
                     const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t p1 = p->pad[1], p2 = p->pad[2];
    const int64_t ks = k1 * k2, nph = s1 * s2, h1 = (k1 - 1) / s1, h2 = (k2 - 1) / s2;
    const int64_t wq = out2 + h2, rk = cg * ks;
    const int64_t ldy = (int64_t)p->m * out1 * out2, ldx = (int64_t)p->c * in1 * in2;
    const int64_t c4 = cg < 4 ? cg : 4, m2 = mg < RT_CBW_MR ? mg : RT_CBW_MR;
    /* a 1x1 stride-1 unpadded conv: plane rows are the input's rows */
    const int ident = nph == 1 && h1 == 0 && h2 == 0 && p1 == 0 && p2 == 0 && wq == in2 &&
                      out1 == in1;
#ifdef RT_SIMD_AVX512
    float bufa[RT_CBW_DXCAP + 16];      /* buf 64-byte aligned: the dyt rows are */
    float *buf = bufa + (16 - (int64_t)(((uintptr_t)bufa / sizeof(float)) % 16)) % 16;
    /* the outer product for 12 or more output channels (fewer would leave
     * lanes idle: the dot-product tile, with its longer K blocks) and more
     * than one input channel's taps (with nine columns the transposed dy
     * copy costs more than the product gains: the digits CNN's first layer) */
    const int outer = mg >= 12 && cg * ks > 9;
    const int64_t kmax = outer ? RT_CBW_KMAX : 512;
    int64_t lanes = 0;
#else
    float buf[RT_CBW_DXCAP];
    const int64_t kmax = RT_CBW_KMAX;
#endif
    int32_t boff[RT_CBW_JMAX];
    int64_t rb = out1, nb = 1, sec, kq, pl, mb, cb, n0, r0, m0, c0;
    int64_t lo2[RT_CBW_PHMAX], hi2[RT_CBW_PHMAX];

    if (s2 > RT_CBW_PHMAX && k2 > RT_CBW_PHMAX)
        return 0;

#define RT_CBW_KQ(b, r) ((((b) - 1) * ((r) + h1) * wq + (r) * wq + 7) / 8 * 8)
#define RT_CBW_PL(b, r) ((b) * ((r) + h1) * wq + 8 + h2)
#define RT_CBW_FITS(b, r) (RT_CBW_KQ(b, r) <= kmax && \
                           m2 * RT_CBW_KQ(b, r) <= RT_CBW_DXCAP / 2 && \
                           nph * RT_CBW_PL(b, r) * c4 <= RT_CBW_DXCAP / 2)
    while (rb > 1 && !RT_CBW_FITS(1, rb))
        rb--;
    if (rb == out1 && out1 * wq < kmax / 4)
        while (nb < p->n && RT_CBW_FITS(nb + 1, rb))
            nb++;
    kq = RT_CBW_KQ(nb, rb);
    pl = RT_CBW_PL(nb, rb);
#undef RT_CBW_FITS
#undef RT_CBW_KQ
#undef RT_CBW_PL
    sec = (rb + h1) * wq;
    mb = RT_CBW_DXCAP / 2 / kq;
#ifdef RT_SIMD_AVX512
    if (outer) {    /* dy transposed 32 (or 16) lanes a position */
        lanes = mg > 16 && 32 * kq <= RT_CBW_DXCAP / 2 ? 32 : 16;
        mb = 16 * kq <= RT_CBW_DXCAP / 2 ? lanes : 0;
    }
#endif
    cb = RT_CBW_DXCAP / 2 / (nph * pl);
    if (cb * ks > RT_CBW_JMAX)
        cb = RT_CBW_JMAX / ks;
    if (mb < 1 || cb < 1)
        return 0;
    if (mb > mg)
        mb = mg;
    if (cb > cg)
        cb = cg;

    /* each column's plane offset (the same in every block: computed once,
     * with no division in the loops that use it) */
    {
        int64_t ic, t1, t2, j = 0;
        for (ic = 0; ic < cb; ic++)
            for (t1 = 0; t1 < k1; t1++)
                for (t2 = 0; t2 < k2; t2++)
                    boff[j++] = (int32_t)((ic * nph + (t1 % s1) * s2 + t2 % s2) * pl +
                                          (t1 / s1) * wq + t2 / s2);
    }
    /* each column phase's valid range of plane columns (the same in every
     * row; phases past RT_CBW_PHMAX take the portable path) */
    for (n0 = 0; n0 < s2 && n0 < k2; n0++)
        rt_valid_range(&lo2[n0], &hi2[n0], wq, s2, n0 - p2, in2);
    for (n0 = 0; n0 < p->n; n0 += nb) {
        const int64_t nbc = p->n - n0 < nb ? p->n - n0 : nb;
        for (r0 = 0; r0 < out1; r0 += rb) {
            const int64_t rows = out1 - r0 < rb ? out1 - r0 : rb;
            const int64_t u_n = rows + h1;       /* plane rows used per image */
            /* this block's K: its images' rows, Wq wide, sec apart */
            const int64_t kb = ((nbc - 1) * sec + rows * wq + 7) / 8 * 8;
            for (c0 = 0; c0 < cg; c0 += cb) {
                const int64_t cc = cg - c0 < cb ? cg - c0 : cb;
                const int64_t nj = cc * ks;
                float *dyb = buf;
#ifdef RT_SIMD_AVX512
                float *pb = buf + (outer ? lanes : mb) * kq;
#else
                float *pb = buf + mb * kq;
#endif
                int64_t ic, ph1, ph2, u, j, b;
                /* the phase planes of channels c0 .. c0 + cc (those a tap
                 * reads); r8dw: a source row's phases one after another, each
                 * phase's valid range computed once (rt_cbw_row) */
                for (ic = 0; ic < cc; ic++)
                    for (ph1 = 0; ph1 < s1 && ph1 < k1; ph1++) {
                        float *d = pb + (ic * nph + ph1 * s2) * pl;
                        for (b = 0; b < nbc; b++) {
                            const float *xc = x + (n0 + b) * ldx + (c0 + ic) * in1 * in2;
                            if (ident) {    /* the plane is the rows themselves */
                                memcpy(d + b * sec, xc + r0 * in2,
                                       (size_t)(u_n * wq) * sizeof(float));
                                continue;
                            }
                            for (u = 0; u < u_n; u++) {
                                const int64_t i1 = (r0 + u) * s1 + ph1 - p1;
                                for (ph2 = 0; ph2 < s2 && ph2 < k2; ph2++) {
                                    float *dr = d + ph2 * pl + b * sec + u * wq;
                                    if (i1 < 0 || i1 >= in1)
                                        rt_cbw_row(dr, x, wq, 1, 0, 0);
                                    else
                                        rt_cbw_row(dr, xc + i1 * in2 + lo2[ph2] * s2 + ph2 - p2,
                                                   wq, s2, lo2[ph2], hi2[ph2]);
                                }
                            }
                        }
                        for (ph2 = 0; ph2 < s2 && ph2 < k2; ph2++)
                            memset(d + ph2 * pl + (nbc - 1) * sec + u_n * wq, 0,
                                   (size_t)(pl - (nbc - 1) * sec - u_n * wq) * sizeof(float));
                    }
                for (m0 = 0; m0 < mg; m0 += mb) {
                    const int64_t mc = mg - m0 < mb ? mg - m0 : mb;
                    int64_t i;
#ifdef RT_SIMD_AVX512
                    /* 32 lanes and adjacent taps: tiles of nine columns; r8dwt:
                     * 16 lanes too where twelve leave a partial tile (a
                     * 3-channel 3x3 layer, ResNet-8's first: 27 columns) */
                    const int64_t jt = k2 == 3 && s2 == 1 &&
                                       (lanes == 32 || nj % 12 != 0) ? 9 : 12;
                    if (outer) {
                        rt_cbw_copy_dyt(dyb, kb, lanes, sec, dy + n0 * ldy + m0 * out1 * out2, ldy,
                                        nbc, mc, r0, rows, out1, out2, wq);
                        for (j = 0; j < nj; j += jt) {
                            const int nr = nj - j < jt ? (int)(nj - j) : (int)jt;
                            /* rows in threes whose third is the first shifted by
                             * one e (the taps of a 3-wide kernel row at stride 1
                             * or 2, the channels of a 1x1 kernel): rt_cbw_dw_op3 */
                            const int ng = nr % 3 == 0 ? nr / 3 : 0;
                            const int32_t e = boff[j + 2] - boff[j];
                            int g, same = ng > 0;
                            for (g = 1; g < ng; g++)
                                same &= boff[j + 3 * g + 2] - boff[j + 3 * g] == e;
                            if (same) {
                                const float *ga[4], *gb[4];
                                for (g = 0; g < 4; g++) {   /* past ng: group 0 again */
                                    ga[g] = pb + boff[j + 3 * (g < ng ? g : 0)];
                                    gb[g] = pb + boff[j + 3 * (g < ng ? g : 0) + 1];
                                }
                                rt_cbw_dw_op3(dw + m0 * rk + c0 * ks + j, rk, dyb, (int)lanes,
                                              ga, gb, e, kb, (int)mc, ng);
                            } else if (lanes == 32)
                                rt_cbw_dw_op(dw + m0 * rk + c0 * ks + j, rk, dyb, pb, boff + j, kb,
                                             (int)mc, nr);
                            else
                                rt_cbw_dw_op16(dw + m0 * rk + c0 * ks + j, rk, dyb, pb, boff + j,
                                               kb, (int)mc, nr);
                        }
                        continue;   /* (the dot-product tile below: fewer channels) */
                    }
#endif
                    rt_cbw_copy_dy(dyb, kq, sec, dy + n0 * ldy + m0 * out1 * out2, ldy, nbc, mc,
                                   r0, rows, out1, out2, wq);
                    for (i = 0; i < mc; i += RT_CBW_MR) {
                        const int mr = mc - i < RT_CBW_MR ? (int)(mc - i) : RT_CBW_MR;
                        for (j = 0; j < nj; j += 6) {
                            const int nr = nj - j < 6 ? (int)(nj - j) : 6;
                            RT_CBW_DW_TILE(dw + (m0 + i) * rk + c0 * ks + j, rk, dyb + i * kq,
                                           kq, pb, boff + j, kb, mr, nr);
                        }
                    }
                }
            }
        }
    }
    return 1;
}

/*
 * dw += dy x_col^T for one group on small maps (a few dozen positions an
 * image), where the wide rows of rt_cbw_dw would be mostly padding: blocks
 * of whole images are packed, dy as [mg, images x positions] and x_col^T as
 * [images x positions, cg k1 k2] (0 in the padding), and one sgemm adds
 * their product to dw, K running over every position of the block's
 * images. Returns 0 (having done nothing) when one image does not fit.
 */
static int rt_cbw_dw_small(float *dw, const float *dy, const float *x, int64_t mg, int64_t cg,
                           const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t p1 = p->pad[1], p2 = p->pad[2];
    const int64_t osize = out1 * out2, rk = cg * k1 * k2;
    const int64_t ldy = (int64_t)p->m * osize, ldx = (int64_t)p->c * in1 * in2;
    /* the zero-bordered plane: every tap of every output inside it */
    const int64_t hp = (out1 - 1) * s1 + k1 > in1 + p1 ? (out1 - 1) * s1 + k1 : in1 + p1;
    const int64_t wp = (out2 - 1) * s2 + k2 > in2 + p2 ? (out2 - 1) * s2 + k2 : in2 + p2;
    float buf[RT_CBW_DXCAP];
    int64_t nimg = (RT_CBW_DXCAP - hp * wp) / ((mg + rk) * osize), n0;
    float *pad = buf + RT_CBW_DXCAP - hp * wp;
    rt_sgemm_epi e;

    if (hp * wp > RT_CBW_DXCAP / 4 || nimg < 1)
        return 0;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    e.accumulate = 1;
    for (n0 = 0; n0 < p->n; n0 += nimg) {
        const int64_t nb = p->n - n0 < nimg ? p->n - n0 : nimg, kc = nb * osize;
        float *dyp = buf, *xt = buf + mg * kc;
        rt_sgemm_b bm;
        int64_t b, m, c, t1, t2, o1, o2;
        for (m = 0; m < mg; m++)
            for (b = 0; b < nb; b++)
                memcpy(dyp + m * kc + b * osize, dy + (n0 + b) * ldy + m * osize,
                       (size_t)osize * sizeof(float));
        /* x_col^T row by row from a zero-bordered copy of each plane: every
         * kernel row of a tap block is one run of k2 floats */
        for (b = 0; b < nb; b++)
            for (c = 0; c < cg; c++) {
                const float *xc = x + (n0 + b) * ldx + c * in1 * in2;
                for (o1 = 0; o1 < hp * wp; o1++)
                    pad[o1] = 0.0f;
                for (o1 = 0; o1 < in1; o1++)
                    memcpy(pad + (o1 + p1) * wp + p2, xc + o1 * in2, (size_t)in2 * sizeof(float));
                for (o1 = 0; o1 < out1; o1++)
                    for (o2 = 0; o2 < out2; o2++) {
                        float *r = xt + (b * osize + o1 * out2 + o2) * rk + c * k1 * k2;
                        const float *sp = pad + o1 * s1 * wp + o2 * s2;
                        for (t1 = 0; t1 < k1; t1++, r += k2, sp += wp)
                            for (t2 = 0; t2 < k2; t2++)
                                r[t2] = sp[t2];
                    }
            }
        bm = rt_sgemm_dense(xt, rk, 1);
        rt_sgemm(dw, rk, dyp, kc, 1, &bm, mg, rk, kc, &e);
    }
    return 1;
}

/*
 * dx += W^T dy for one group on the same small maps: dy packed for a block
 * of images as for dw, one sgemm gives dx_col^T [images x positions,
 * cg k1 k2], and each row is added tap by tap into a zero-bordered plane
 * per image and channel whose inside then goes to dx (0 + it when
 * p->overwrite). Returns 0 (having done nothing) when one image does not
 * fit.
 */
static int rt_cbw_dx_small(float *dx, const float *dy, const float *w, int64_t mg, int64_t cg,
                           const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t p1 = p->pad[1], p2 = p->pad[2];
    const int64_t osize = out1 * out2, rk = cg * k1 * k2;
    const int64_t ldy = (int64_t)p->m * osize, ldx = (int64_t)p->c * in1 * in2;
    const int64_t hp = (out1 - 1) * s1 + k1 > in1 + p1 ? (out1 - 1) * s1 + k1 : in1 + p1;
    const int64_t wp = (out2 - 1) * s2 + k2 > in2 + p2 ? (out2 - 1) * s2 + k2 : in2 + p2;
    float buf[RT_CBW_DXCAP];
    int64_t nimg = (RT_CBW_DXCAP - hp * wp) / ((mg + rk) * osize), n0;
    float *pad = buf + RT_CBW_DXCAP - hp * wp;
    rt_sgemm_epi e;

    if (hp * wp > RT_CBW_DXCAP / 4 || nimg < 1)
        return 0;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    for (n0 = 0; n0 < p->n; n0 += nimg) {
        const int64_t nb = p->n - n0 < nimg ? p->n - n0 : nimg, kc = nb * osize;
        float *dyp = buf, *ct = buf + mg * kc;
        rt_sgemm_b bm;
        int64_t b, m, c, t1, t2, o1, o2, i;
        for (m = 0; m < mg; m++)
            for (b = 0; b < nb; b++)
                memcpy(dyp + m * kc + b * osize, dy + (n0 + b) * ldy + m * osize,
                       (size_t)osize * sizeof(float));
        /* B = W [mg, rk], A = dy^T read through strides */
        bm = rt_sgemm_dense(w, rk, 1);
        rt_sgemm(ct, rk, dyp, 1, kc, &bm, kc, rk, mg, &e);
        for (b = 0; b < nb; b++)
            for (c = 0; c < cg; c++) {
                float *d = dx + (n0 + b) * ldx + c * in1 * in2;
                for (i = 0; i < hp * wp; i++)
                    pad[i] = 0.0f;
                for (o1 = 0; o1 < out1; o1++)
                    for (o2 = 0; o2 < out2; o2++) {
                        const float *r = ct + (b * osize + o1 * out2 + o2) * rk + c * k1 * k2;
                        float *sp = pad + o1 * s1 * wp + o2 * s2;
                        for (t1 = 0; t1 < k1; t1++, r += k2, sp += wp)
                            for (t2 = 0; t2 < k2; t2++)
                                sp[t2] += r[t2];
                    }
                for (o1 = 0; o1 < in1; o1++, d += in2) {
                    const float *sr = pad + (o1 + p1) * wp + p2;
                    if (p->overwrite)   /* 0 + it, as into zeros */
                        for (i = 0; i < in2; i++)
                            d[i] = 0.0f + sr[i];
                    else
                        for (i = 0; i < in2; i++)
                            d[i] += sr[i];
                }
            }
    }
    return 1;
}

/*
 * ob[i, 0 .. 16) (row stride ldo) += sum over kk < nk of ap[kk * 6 + i] *
 * bb[boff[kk] ..] for i < mr <= 6: the 6x16 tile of the dx product, A packed
 * six rows per step, B rows given by offsets (kk = (t, m)).
 */
static void rt_cbw_dx_tile(float *ob, int64_t ldo, const float *ap, const float *bb,
                           const int32_t *boff, int64_t nk, int mr)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    int64_t kk;

    for (kk = 0; kk < nk; kk++) {
        const float *br = bb + boff[kk];
        const __m256 b0 = _mm256_loadu_ps(br), b1 = _mm256_loadu_ps(br + 8);
        __m256 av;
        av = _mm256_broadcast_ss(ap);
        c00 = _mm256_fmadd_ps(av, b0, c00);
        c01 = _mm256_fmadd_ps(av, b1, c01);
        av = _mm256_broadcast_ss(ap + 1);
        c10 = _mm256_fmadd_ps(av, b0, c10);
        c11 = _mm256_fmadd_ps(av, b1, c11);
        av = _mm256_broadcast_ss(ap + 2);
        c20 = _mm256_fmadd_ps(av, b0, c20);
        c21 = _mm256_fmadd_ps(av, b1, c21);
        av = _mm256_broadcast_ss(ap + 3);
        c30 = _mm256_fmadd_ps(av, b0, c30);
        c31 = _mm256_fmadd_ps(av, b1, c31);
        av = _mm256_broadcast_ss(ap + 4);
        c40 = _mm256_fmadd_ps(av, b0, c40);
        c41 = _mm256_fmadd_ps(av, b1, c41);
        av = _mm256_broadcast_ss(ap + 5);
        c50 = _mm256_fmadd_ps(av, b0, c50);
        c51 = _mm256_fmadd_ps(av, b1, c51);
        ap += 6;
    }
#define RT_CBW_ST(r, v0, v1)                                                         \
    if (mr > (r)) {                                                                  \
        float *o_ = ob + (r) * ldo;                                                  \
        _mm256_storeu_ps(o_, _mm256_add_ps(_mm256_loadu_ps(o_), v0));                \
        _mm256_storeu_ps(o_ + 8, _mm256_add_ps(_mm256_loadu_ps(o_ + 8), v1));        \
    }
    RT_CBW_ST(0, c00, c01)
    RT_CBW_ST(1, c10, c11)
    RT_CBW_ST(2, c20, c21)
    RT_CBW_ST(3, c30, c31)
    RT_CBW_ST(4, c40, c41)
    RT_CBW_ST(5, c50, c51)
#undef RT_CBW_ST
}

#ifdef RT_SIMD_AVX512
/* The same tile 32 columns wide in two sixteen-lane registers a row. */
static void rt_cbw_dx_tile32(float *ob, int64_t ldo, const float *ap, const float *bb,
                             const int32_t *boff, int64_t nk, int mr)
{
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
    __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
    __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
    __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    int64_t kk;

    for (kk = 0; kk < nk; kk++) {
        const float *br = bb + boff[kk];
        const __m512 b0 = _mm512_loadu_ps(br), b1 = _mm512_loadu_ps(br + 16);
        __m512 av;
        av = _mm512_set1_ps(ap[0]);
        c00 = _mm512_fmadd_ps(av, b0, c00);
        c01 = _mm512_fmadd_ps(av, b1, c01);
        av = _mm512_set1_ps(ap[1]);
        c10 = _mm512_fmadd_ps(av, b0, c10);
        c11 = _mm512_fmadd_ps(av, b1, c11);
        av = _mm512_set1_ps(ap[2]);
        c20 = _mm512_fmadd_ps(av, b0, c20);
        c21 = _mm512_fmadd_ps(av, b1, c21);
        av = _mm512_set1_ps(ap[3]);
        c30 = _mm512_fmadd_ps(av, b0, c30);
        c31 = _mm512_fmadd_ps(av, b1, c31);
        av = _mm512_set1_ps(ap[4]);
        c40 = _mm512_fmadd_ps(av, b0, c40);
        c41 = _mm512_fmadd_ps(av, b1, c41);
        av = _mm512_set1_ps(ap[5]);
        c50 = _mm512_fmadd_ps(av, b0, c50);
        c51 = _mm512_fmadd_ps(av, b1, c51);
        ap += 6;
    }
#define RT_CBW_ST(r, v0, v1)                                                         \
    if (mr > (r)) {                                                                  \
        float *o_ = ob + (r) * ldo;                                                  \
        _mm512_storeu_ps(o_, _mm512_add_ps(_mm512_loadu_ps(o_), v0));                \
        _mm512_storeu_ps(o_ + 16, _mm512_add_ps(_mm512_loadu_ps(o_ + 16), v1));      \
    }
    RT_CBW_ST(0, c00, c01)
    RT_CBW_ST(1, c10, c11)
    RT_CBW_ST(2, c20, c21)
    RT_CBW_ST(3, c30, c31)
    RT_CBW_ST(4, c40, c41)
    RT_CBW_ST(5, c50, c51)
#undef RT_CBW_ST
}

/* The same tile 64 columns wide (r8bwd): four sixteen-lane registers a row,
 * twenty-four FMAs for every four B loads and six broadcasts. */
static void rt_cbw_dx_tile64(float *ob, int64_t ldo, const float *ap, const float *bb,
                             const int32_t *boff, int64_t nk, int mr)
{
#define RT_CBW_Z(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps(), \
    c##r##2 = _mm512_setzero_ps(), c##r##3 = _mm512_setzero_ps()
    RT_CBW_Z(0); RT_CBW_Z(1); RT_CBW_Z(2); RT_CBW_Z(3); RT_CBW_Z(4); RT_CBW_Z(5);
#undef RT_CBW_Z
    int64_t kk;

    for (kk = 0; kk < nk; kk++) {
        const float *br = bb + boff[kk];
        const __m512 b0 = _mm512_loadu_ps(br), b1 = _mm512_loadu_ps(br + 16);
        const __m512 b2 = _mm512_loadu_ps(br + 32), b3 = _mm512_loadu_ps(br + 48);
        __m512 av;
#define RT_CBW_F(r) av = _mm512_set1_ps(ap[r]); \
        c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0); c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1); \
        c##r##2 = _mm512_fmadd_ps(av, b2, c##r##2); c##r##3 = _mm512_fmadd_ps(av, b3, c##r##3)
        RT_CBW_F(0); RT_CBW_F(1); RT_CBW_F(2); RT_CBW_F(3); RT_CBW_F(4); RT_CBW_F(5);
#undef RT_CBW_F
        ap += 6;
    }
#define RT_CBW_ST(r)                                                                 \
    if (mr > (r)) {                                                                  \
        float *o_ = ob + (r) * ldo;                                                  \
        _mm512_storeu_ps(o_, _mm512_add_ps(_mm512_loadu_ps(o_), c##r##0));           \
        _mm512_storeu_ps(o_ + 16, _mm512_add_ps(_mm512_loadu_ps(o_ + 16), c##r##1));   \
        _mm512_storeu_ps(o_ + 32, _mm512_add_ps(_mm512_loadu_ps(o_ + 32), c##r##2));   \
        _mm512_storeu_ps(o_ + 48, _mm512_add_ps(_mm512_loadu_ps(o_ + 48), c##r##3));   \
    }
    RT_CBW_ST(0)
    RT_CBW_ST(1)
    RT_CBW_ST(2)
    RT_CBW_ST(3)
    RT_CBW_ST(4)
    RT_CBW_ST(5)
#undef RT_CBW_ST
}
#endif

/*
 * dx += W^T dy scattered back, for one image and group of a stride-1
 * convolution (see the top of the file): dx [cg, in1, in2], dy [mg, out1,
 * out2], w [mg, cg, k1, k2]. Returns 0 (having done nothing) when the
 * buffer cannot hold the copies of one row.
 */
static int rt_cbw_dx(float *dx, const float *dy, const float *w, int64_t mg, int64_t cg,
                     const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], p1 = p->pad[1], p2 = p->pad[2];
    const int64_t ks = k1 * k2, wd = in2 + k2 - 1;
    float buf[RT_CBW_DXCAP];
    float ap[6 * RT_CBW_DXK];
    int32_t aoff[RT_CBW_DXK], boff[RT_CBW_DXK];
    int64_t rb = in1, nq, pl, mb, cb, r0, m0, c0;

#define RT_CBW_NQ(r) (((r) * wd + 15) / 16 * 16)
#define RT_CBW_PL(r) (RT_CBW_NQ(r) + (k1 - 1) * wd + k2 - 1)
    while (rb > 1 && (mg * RT_CBW_PL(rb) > RT_CBW_DXCAP / 2 ||
                      RT_CBW_NQ(rb) * (cg < 6 ? cg : 6) > RT_CBW_DXCAP / 2))
        rb--;
    rb = (in1 + (in1 + rb - 1) / rb - 1) / ((in1 + rb - 1) / rb);   /* even blocks */
    nq = RT_CBW_NQ(rb);
    pl = RT_CBW_PL(rb);
#undef RT_CBW_NQ
#undef RT_CBW_PL
    mb = RT_CBW_DXCAP / 2 / pl;
    if (mb * ks > RT_CBW_DXK)
        mb = RT_CBW_DXK / ks;
    cb = RT_CBW_DXCAP / 2 / nq;
    if (mb < 1 || cb < 1)
        return 0;
    if (mb > mg)
        mb = mg;
    mb = (mg + (mg + mb - 1) / mb - 1) / ((mg + mb - 1) / mb);   /* even blocks */
    if (cb > cg)
        cb = cg;

    for (r0 = 0; r0 < in1; r0 += rb) {
        const int64_t rows = in1 - r0 < rb ? in1 - r0 : rb;
        const int64_t u_n = rows + k1 - 1;
        for (c0 = 0; c0 < cg; c0 += cb) {
            const int64_t cc = cg - c0 < cb ? cg - c0 : cb;
            float *ob = buf;
            float *db = buf + cb * nq;
            int64_t ic, r, i;
            memset(ob, 0, (size_t)(cc * nq) * sizeof(float));
            for (m0 = 0; m0 < mg; m0 += mb) {
                const int64_t mc = mg - m0 < mb ? mg - m0 : mb;
                int64_t m, u, t1, t2, kk, q;
                /* dy rows r0 + p1 - (k1 - 1) + u, columns v - (k2 - 1 - p2) */
                for (m = 0; m < mc; m++) {
                    const float *s = dy + (m0 + m) * out1 * out2;
                    float *d = db + m * pl;
                    for (u = 0; u < u_n; u++) {
                        const int64_t o1 = r0 + p1 - (k1 - 1) + u;
                        float *dr = d + u * wd;
                        if (o1 < 0 || o1 >= out1) {
                            memset(dr, 0, (size_t)wd * sizeof(float));
                            continue;
                        }
                        rt_cbw_fill_row(dr, s + o1 * out2, wd, 1, p2 - (k2 - 1), out2);
                    }
                    memset(d + u_n * wd, 0, (size_t)(pl - u_n * wd) * sizeof(float));
                }
                for (t1 = 0, kk = 0; t1 < k1; t1++)
                    for (t2 = 0; t2 < k2; t2++)
                        for (m = 0; m < mc; m++, kk++) {
                            aoff[kk] = (int32_t)(((m0 + m) * cg + c0) * ks + t1 * k2 + t2);
                            boff[kk] = (int32_t)(m * pl + (k1 - 1 - t1) * wd + (k2 - 1 - t2));
                        }
                for (i = 0; i < cc; i += 6) {
                    const int mr = cc - i < 6 ? (int)(cc - i) : 6;
                    int64_t a, rr;
                    for (a = 0; a < kk; a++)        /* rows past mr repeat row 0 */
                        for (rr = 0; rr < 6; rr++)
                            ap[a * 6 + rr] = w[aoff[a] + (i + (rr < mr ? rr : 0)) * ks];
                    q = 0;
#ifdef RT_SIMD_AVX512
                    for (; q + 64 <= nq; q += 64)
                        rt_cbw_dx_tile64(ob + i * nq + q, nq, ap, db + q, boff, kk, mr);
                    for (; q + 32 <= nq; q += 32)
                        rt_cbw_dx_tile32(ob + i * nq + q, nq, ap, db + q, boff, kk, mr);
#endif
                    for (; q < nq; q += 16)
                        rt_cbw_dx_tile(ob + i * nq + q, nq, ap, db + q, boff, kk, mr);
                }
            }
            for (ic = 0; ic < cc; ic++)
                for (r = 0; r < rows; r++) {
                    float *d = dx + ((c0 + ic) * in1 + r0 + r) * in2;
                    const float *s = ob + ic * nq + r * wd;
                    if (p->overwrite)   /* 0 + it, as into zeros */
                        for (i = 0; i < in2; i++)
                            d[i] = 0.0f + s[i];
                    else
                        for (i = 0; i < in2; i++)
                            d[i] += s[i];
                }
        }
    }
    return 1;
}

/* d[0 .. n) = s[0 .. n), or += when add: eight lanes, the last block masked
 * (short rows without a call into the C library). */
static inline void rt_cbw_copy(float *d, const float *src, int64_t n, int add)
{
    int64_t v = 0;
    for (; v + 8 <= n; v += 8) {
        __m256 a = _mm256_loadu_ps(src + v);
        if (add)
            a = _mm256_add_ps(a, _mm256_loadu_ps(d + v));
        _mm256_storeu_ps(d + v, a);
    }
    if (v < n) {
        const __m256i mk = rt_cbw_mask(n - v);
        __m256 a = _mm256_maskload_ps(src + v, mk);
        if (add)
            a = _mm256_add_ps(a, _mm256_maskload_ps(d + v, mk));
        _mm256_maskstore_ps(d + v, mk, a);
    }
}

/* dw[t] += sum_q dyb[q] * xp[off[t] + q] for t < nt, q < kq (a multiple of
 * 8): up to nine taps per pass over dyb, one eight-lane sum each. */
static void rt_cbw_dw_taps(float *dw, const float *dyb, const float *xp, const int32_t *off,
                           int64_t nt, int64_t kq)
{
    int64_t t0, q;
    for (t0 = 0; t0 < nt; t0 += 9) {
        const int64_t n = nt - t0 < 9 ? nt - t0 : 9;
        const float *b[9];
        __m256 c[9];
        float sum[8];
        int i;
        for (i = 0; i < 9; i++) {
            b[i] = xp + off[t0 + (i < n ? i : n - 1)];
            c[i] = _mm256_setzero_ps();
        }
        for (q = 0; q < kq; q += 8) {
            const __m256 d = _mm256_loadu_ps(dyb + q);
            c[0] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[0] + q), c[0]);
            c[1] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[1] + q), c[1]);
            c[2] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[2] + q), c[2]);
            c[3] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[3] + q), c[3]);
            c[4] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[4] + q), c[4]);
            c[5] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[5] + q), c[5]);
            c[6] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[6] + q), c[6]);
            c[7] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[7] + q), c[7]);
            c[8] = _mm256_fmadd_ps(d, _mm256_loadu_ps(b[8] + q), c[8]);
        }
        _mm_storeu_ps(sum, rt_cbw_hsum4(c[0], c[1], c[2], c[3]));
        _mm_storeu_ps(sum + 4, rt_cbw_hsum4(c[4], c[5], c[6], c[7]));
        for (i = 0; i < n && i < 8; i++)
            dw[t0 + i] += sum[i];
        if (n == 9) {
            _mm_storeu_ps(sum, rt_cbw_hsum4(c[8], c[8], c[8], c[8]));
            dw[t0 + 8] += sum[0];
        }
    }
}

/* Whether the strided depthwise dw of rt_cbw_dw1 fits its buffer with dy
 * spread over at stride s (see there). */
static int rt_cbw_dw1_up_fits(const rt_conv_params *p)
{
    const int64_t up1 = (p->out[1] - 1) * p->stride[1] + 1;
    const int64_t wx = (p->out[2] - 1) * p->stride[2] + p->k[2];
    const int64_t kqu = (up1 * wx + 7) / 8 * 8;
    return 2 * kqu + (p->k[1] - 1) * wx + p->k[2] - 1 + 8 <= RT_CBW_CAP;
}

/*
 * Depthwise (c = m = group) backward for one image and channel, whole
 * planes at once: dy copied Wq wide (zeros in the extra columns and up to a
 * multiple of 8), the input's phase planes as for rt_cbw_dw, and phase
 * planes of the padded dx that every tap scatters into:
 *   dw[t]           += dot(dy copy, x plane (t1 % s1, t2 % s2) at off(t)),
 *   dx plane at off(t) += w[t] * dy copy       (one axpy per tap),
 * then the dx planes are added to dx at the input positions they stand for.
 * buf holds 3 * ... floats (see rt_conv_backward_depthwise_fast).
 */
static void rt_cbw_dw1(float *dx, float *dw, const float *dy, const float *x, const float *w,
                       const rt_conv_params *p, float *buf, int64_t kq, int64_t pl)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t p1 = p->pad[1], p2 = p->pad[2];
    const int64_t ks = k1 * k2, nph = s1 * s2, h1 = (k1 - 1) / s1, h2 = (k2 - 1) / s2;
    const int64_t wq = out2 + h2, u_n = out1 + h1;
    float *dyb = buf, *xp = buf + kq, *dp = buf + kq + nph * pl;
    int32_t off[64];
    int64_t ph1, ph2, u, t, q, t1, t2, v;

    for (t1 = 0, t = 0; t1 < k1; t1++)
        for (t2 = 0; t2 < k2; t2++, t++)
            off[t] = (int32_t)(((t1 % s1) * s2 + t2 % s2) * pl + (t1 / s1) * wq + t2 / s2);
    memset(dyb, 0, (size_t)kq * sizeof(float));
    if (wq == out2)
        memcpy(dyb, dy, (size_t)(out1 * out2) * sizeof(float));
    else
        for (u = 0; u < out1; u++)
            rt_cbw_copy(dyb + u * wq, dy + u * out2, out2, 0);
    if (dw && !(nph > 1 && rt_cbw_dw1_up_fits(p))) {
        for (ph1 = 0; ph1 < s1 && ph1 < k1; ph1++)
            for (ph2 = 0; ph2 < s2 && ph2 < k2; ph2++) {
                float *d = xp + (ph1 * s2 + ph2) * pl;
                int64_t lo, hi;
                rt_valid_range(&lo, &hi, wq, s2, ph2 - p2, in2);
                if (s2 == 1)    /* zeros, then each row's valid run */
                    memset(d, 0, (size_t)pl * sizeof(float));
                for (u = 0; u < u_n; u++) {
                    const int64_t i1 = u * s1 + ph1 - p1;
                    if (s2 == 1) {
                        if (i1 >= 0 && i1 < in1 && hi > lo)
                            rt_cbw_copy(d + u * wq + lo, x + i1 * in2 + lo + ph2 - p2, hi - lo, 0);
                    } else if (i1 < 0 || i1 >= in1) {
                        memset(d + u * wq, 0, (size_t)wq * sizeof(float));
                    } else {
                        rt_cbw_fill_row(d + u * wq, x + i1 * in2, wq, s2, ph2 - p2, in2);
                    }
                }
                if (s2 != 1)
                    memset(d + u_n * wq, 0, (size_t)(pl - u_n * wq) * sizeof(float));
            }
        rt_cbw_dw_taps(dw, dyb, xp, off, ks, kq);
    }
    /* the gathered dx below: the map dy is spread over at stride s (zeros
     * between), k - 1 zeros before it and enough after for every tap */
    const int64_t up1 = (out1 - 1) * s1 + 1, up2 = (out2 - 1) * s2 + 1;
    const int64_t hh = (up1 > in1 + p1 ? up1 : in1 + p1) + k1 - 1;
    const int64_t wh = (up2 > in2 + p2 ? up2 : in2 + p2) + k2 - 1;
    if (dx && kq + nph * pl + hh * wh + 8 <= RT_CBW_CAP) {
        /* gathered: dx[i1, i2] = sum_t w[t] up[i1 + p1 - t1, i2 + p2 - t2],
         * up[j1, j2] = dy[j1 / s1, j2 / s2] where both divide, else 0 (at
         * stride 1 dy itself), copied into dh with k - 1 zeros before it, so
         * every tap of a run of eight dx reads one run of dh. At stride 2
         * three of four products are by zero, but every one is a full vector
         * (the scatter below goes one element at a time) */
        float *dh = dp;
        __m256 w9[9];
        int64_t i1, c;
        for (t = 0; t < 9; t++)
            w9[t] = _mm256_set1_ps(w[t < ks ? t : 0]);
        memset(dh, 0, (size_t)(hh * wh + 8) * sizeof(float));
        for (u = 0; u < out1; u++) {
            float *dr = dh + (u * s1 + k1 - 1) * wh + k2 - 1;
            if (s2 == 1)
                rt_cbw_copy(dr, dy + u * out2, out2, 0);
            else
                for (v = 0; v < out2; v++)
                    dr[v * s2] = dy[u * out2 + v];
        }
        for (i1 = 0; i1 < in1; i1++) {
            const float *base = dh + (i1 + p1 + k1 - 1) * wh + p2 + k2 - 1;
            float *dr = dx + i1 * in2;
            c = 0;
#ifdef RT_SIMD_AVX512
            if (k1 == 3 && k2 == 3 && in2 >= 16)  /* sixteen lanes, a sum per kernel row */
                for (; c < in2; c += 16) {
                    const __mmask16 mk = (__mmask16)(in2 - c >= 16 ? 0xFFFF
                                                                   : (1u << (in2 - c)) - 1u);
                    const float *b0 = base + c, *b1 = b0 - wh, *b2 = b1 - wh;
                    __m512 a0, a1, a2;
                    a0 = _mm512_mul_ps(_mm512_set1_ps(w[0]), _mm512_maskz_loadu_ps(mk, b0));
                    a1 = _mm512_mul_ps(_mm512_set1_ps(w[3]), _mm512_maskz_loadu_ps(mk, b1));
                    a2 = _mm512_mul_ps(_mm512_set1_ps(w[6]), _mm512_maskz_loadu_ps(mk, b2));
                    a0 = _mm512_fmadd_ps(_mm512_set1_ps(w[1]), _mm512_maskz_loadu_ps(mk, b0 - 1), a0);
                    a1 = _mm512_fmadd_ps(_mm512_set1_ps(w[4]), _mm512_maskz_loadu_ps(mk, b1 - 1), a1);
                    a2 = _mm512_fmadd_ps(_mm512_set1_ps(w[7]), _mm512_maskz_loadu_ps(mk, b2 - 1), a2);
                    a0 = _mm512_fmadd_ps(_mm512_set1_ps(w[2]), _mm512_maskz_loadu_ps(mk, b0 - 2), a0);
                    a1 = _mm512_fmadd_ps(_mm512_set1_ps(w[5]), _mm512_maskz_loadu_ps(mk, b1 - 2), a1);
                    a2 = _mm512_fmadd_ps(_mm512_set1_ps(w[8]), _mm512_maskz_loadu_ps(mk, b2 - 2), a2);
                    a0 = _mm512_add_ps(_mm512_add_ps(a0, a1), a2);
                    if (!p->overwrite)
                        a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(mk, dr + c));
                    else    /* 0 + it, as into zeros */
                        a0 = _mm512_add_ps(a0, _mm512_setzero_ps());
                    _mm512_mask_storeu_ps(dr + c, mk, a0);
                }
#endif
            for (; c < in2; c += 8) {
                __m256 acc = _mm256_setzero_ps();
                if (k1 == 3 && k2 == 3) {   /* the common case, unrolled */
                    const float *b0 = base + c, *b1 = b0 - wh, *b2 = b1 - wh;
                    acc = _mm256_fmadd_ps(w9[0], _mm256_loadu_ps(b0), acc);
                    acc = _mm256_fmadd_ps(w9[1], _mm256_loadu_ps(b0 - 1), acc);
                    acc = _mm256_fmadd_ps(w9[2], _mm256_loadu_ps(b0 - 2), acc);
                    acc = _mm256_fmadd_ps(w9[3], _mm256_loadu_ps(b1), acc);
                    acc = _mm256_fmadd_ps(w9[4], _mm256_loadu_ps(b1 - 1), acc);
                    acc = _mm256_fmadd_ps(w9[5], _mm256_loadu_ps(b1 - 2), acc);
                    acc = _mm256_fmadd_ps(w9[6], _mm256_loadu_ps(b2), acc);
                    acc = _mm256_fmadd_ps(w9[7], _mm256_loadu_ps(b2 - 1), acc);
                    acc = _mm256_fmadd_ps(w9[8], _mm256_loadu_ps(b2 - 2), acc);
                } else {
                    for (t1 = 0; t1 < k1; t1++)
                        for (t2 = 0; t2 < k2; t2++)
                            acc = _mm256_fmadd_ps(_mm256_set1_ps(w[t1 * k2 + t2]),
                                                  _mm256_loadu_ps(base - t1 * wh - t2 + c), acc);
                }
                if (c + 8 <= in2) {
                    const __m256 o = p->overwrite ? _mm256_setzero_ps() : _mm256_loadu_ps(dr + c);
                    _mm256_storeu_ps(dr + c, _mm256_add_ps(acc, o));
                } else {
                    const __m256i mk = rt_cbw_mask(in2 - c);
                    const __m256 o = p->overwrite ? _mm256_setzero_ps()
                                                  : _mm256_maskload_ps(dr + c, mk);
                    _mm256_maskstore_ps(dr + c, mk, _mm256_add_ps(acc, o));
                }
            }
        }
    } else if (dx) {
        if (p->overwrite)   /* taps reach only part of dx: the rest is 0 */
            memset(dx, 0, (size_t)(in1 * in2) * sizeof(float));
        memset(dp, 0, (size_t)(nph * pl) * sizeof(float));
        for (t = 0; t < ks; t++) {
            const __m256 wv = _mm256_set1_ps(w[t]);
            float *d = dp + off[t];
            for (q = 0; q < kq; q += 8)
                _mm256_storeu_ps(d + q, _mm256_fmadd_ps(wv, _mm256_loadu_ps(dyb + q),
                                                        _mm256_loadu_ps(d + q)));
        }
        for (ph1 = 0; ph1 < s1; ph1++)
            for (ph2 = 0; ph2 < s2; ph2++) {
                const float *sp = dp + (ph1 * s2 + ph2) * pl;
                int64_t lo, hi;
                rt_valid_range(&lo, &hi, wq, s2, ph2 - p2, in2);
                for (u = 0; u < u_n; u++) {
                    const int64_t i1 = u * s1 + ph1 - p1;
                    float *dr;
                    const float *sr = sp + u * wq;
                    if (i1 < 0 || i1 >= in1)
                        continue;
                    dr = dx + i1 * in2 + ph2 - p2;
                    if (s2 == 1) {
                        if (hi > lo)
                            rt_cbw_copy(dr + lo, sr + lo, hi - lo, 1);
                    } else
                        for (v = lo; v < hi; v++)
                            dr[v * s2] += sr[v];
                }
            }
    }
    if (dw && nph > 1 && rt_cbw_dw1_up_fits(p)) {
        /* strided dw, after dx (it reuses the whole buffer): dy spread over
         * at stride s (zeros between) Wx = up2 + k2 - 1 wide, x zero-bordered
         * in the same width, so dw[t] is one dot product of two runs, the x
         * run shifted by t1 Wx + t2; three of four products are by zero at
         * stride 2, but there are no phase planes to build */
        const int64_t wx = up2 + k2 - 1;
        const int64_t kqu = (up1 * wx + 7) / 8 * 8, xs = kqu + (k1 - 1) * wx + k2 - 1 + 8;
        float *ub = buf, *xb = buf + kqu;
        memset(ub, 0, (size_t)(kqu + xs) * sizeof(float));
        for (u = 0; u < out1; u++)
            for (v = 0; v < out2; v++)
                ub[u * s1 * wx + v * s2] = dy[u * out2 + v];
        for (u = 0; u < in1 && u + p1 < up1 + k1 - 1; u++) {
            const int64_t n2 = in2 + p2 < wx ? in2 : wx - p2;
            if (n2 > 0)
                rt_cbw_copy(xb + (u + p1) * wx + p2, x + u * in2, n2, 0);
        }
        for (t1 = 0, t = 0; t1 < k1; t1++)
            for (t2 = 0; t2 < k2; t2++, t++)
                off[t] = (int32_t)(t1 * wx + t2);
        rt_cbw_dw_taps(dw, ub, xb, off, ks, kqu);
    }
}


/*
 * Depthwise backward over a block of images of one channel at a time
 * (rt_cbw_dwb). Every image of the block has one plane, wx floats wide and
 * hx rows tall, sx = hx * wx floats after the previous one:
 *   XP[b][r][e] = x[b][r - p1][e - p2]            (0 outside the input),
 *   DY[b][a][e] = dy[b][a / s1][e / s2] where s1 divides a and s2 divides e
 *                 and the quotients lie in dy, else 0 (dy spread over at
 *                 the stride: up1 = (out1 - 1) s1 + 1 rows, up2 columns),
 * with wx >= in2 + p2, wx >= up2 + k2 - 1, hx >= in1 + p1, hx >= up1 + k1 - 1.
 * With off(t) = t1 wx + t2 the convolution's taps are shifts of the flat
 * planes, so
 *   dw[t] = sum_q DY[q] XP[q + off(t)]   (over each image's run from its
 *                                         first dy to its last, or over the
 *                                         rows of DY that hold dy when that
 *                                         is fewer vectors),
 *   dx at plane position q = sum_t w[t] DY[q - off(t)],
 * and where a shifted run leaves the positions of dy it only meets zeros:
 * DY has at least k2 - 1 zero columns right of its spread (before the next
 * row's first) and k1 - 1 zero rows under it (before the next image), and
 * z = off(last tap) zeros before the first image. dx is computed for every
 * plane position (from its first input position to its last) and the input
 * positions' lanes compressed out into dx (AVX-512), or a row of dx at a
 * time from the kernel rows t1 whose DY row i1 + p1 - t1 holds dy (at
 * stride 2, every other one), whichever takes fewer products.
 *
 * Unlike one plane at a time (rt_cbw_dw1), small maps fill whole vectors
 * and the per-plane set-up is paid once a call: the buffer is zeroed once,
 * later copies overwrite only the positions that hold data (with AVX-512
 * each vector of positions from one expanding load, through masks of the
 * data's lanes made once a call), and the blocks are copied in before any
 * product reads them. Sums run in a different order from the portable path
 * (FMA, one partial sum per lane), within the usual K * eps bound.
 */
#ifdef RT_SIMD_AVX512
#define RT_DWB_VL 16
typedef __m512 rt_dwb_v;
typedef __mmask16 rt_dwb_m;
static inline rt_dwb_m rt_dwb_mask(int64_t n)
{
    return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
}
#define RT_DWB_ZERO() _mm512_setzero_ps()
#define RT_DWB_SET1(f) _mm512_set1_ps(f)
#define RT_DWB_LOAD(s) _mm512_loadu_ps(s)
#define RT_DWB_LOADM(m, s) _mm512_maskz_loadu_ps(m, s)
#define RT_DWB_STOREM(m, d, v) _mm512_mask_storeu_ps(d, m, v)
#define RT_DWB_STORE(d, v) _mm512_storeu_ps(d, v)
#define RT_DWB_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define RT_DWB_ADD(a, b) _mm512_add_ps(a, b)
#define RT_DWB_HSUM(v) _mm512_reduce_add_ps(v)
/* vectors of lane masks: a plane of at most RT_CBW_CAP / 2 floats */
#define RT_DWB_NV (RT_CBW_CAP / 2 / 16 + 2)
#else
#define RT_DWB_VL 8
typedef __m256 rt_dwb_v;
typedef __m256i rt_dwb_m;
static inline rt_dwb_m rt_dwb_mask(int64_t n)
{
    return rt_cbw_mask(n >= 8 ? 8 : n);
}
#define RT_DWB_ZERO() _mm256_setzero_ps()
#define RT_DWB_SET1(f) _mm256_set1_ps(f)
#define RT_DWB_LOAD(s) _mm256_loadu_ps(s)
#define RT_DWB_LOADM(m, s) _mm256_maskload_ps(s, m)
#define RT_DWB_STOREM(m, d, v) _mm256_maskstore_ps(d, m, v)
#define RT_DWB_STORE(d, v) _mm256_storeu_ps(d, v)
#define RT_DWB_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define RT_DWB_ADD(a, b) _mm256_add_ps(a, b)
static inline float rt_dwb_hsum8(__m256 v)
{
    float t[4];
    _mm_storeu_ps(t, rt_cbw_hsum4(v, v, v, v));
    return t[0];
}
#define RT_DWB_HSUM(v) rt_dwb_hsum8(v)
#endif
#define RT_DWB_TAPS 25          /* kernels of up to 5 x 5 */

/* The layout of rt_cbw_dwb for p (see there); nb = 0 when not even one
 * image fits the buffer. */
typedef struct {
    int64_t wx, hx, sx;     /* a plane's width and rows, floats an image    */
    int64_t up1, up2;       /* the spread dy's rows and columns             */
    int64_t zp;             /* zeros before DY (off(last tap), in vectors)  */
    int64_t nb;             /* images a block                               */
    int dw_rows;            /* dw over DY's rows that hold dy, not one run  */
    int dx_flat;            /* dx over every plane position (AVX-512)       */
#ifdef RT_SIMD_AVX512
    int64_t bx;             /* the first input position in the plane        */
    int64_t nvx, nvy;       /* vectors from bx to the last input position,
                               from 0 to the last position of dy's spread  */
    uint16_t mx[RT_DWB_NV]; /* their lanes that are input positions         */
    uint16_t my[RT_DWB_NV]; /* and that hold dy                             */
    int32_t ox[RT_DWB_NV];  /* the input values before vector v (x, dx)     */
    int32_t oy[RT_DWB_NV];  /* the dy values before vector v                */
#endif
} rt_dwb_geom;

#ifdef RT_SIMD_AVX512
/* The lane masks m[v] of positions (r0 + i rs) wx + c0 + j cs (i < nr,
 * j < nc) in vectors of sixteen from r0 wx + c0, and o[v] the positions
 * before vector v; returns how many vectors. */
static int64_t rt_dwb_lanes(uint16_t *m, int32_t *o, int64_t wx, int64_t r0, int64_t nr,
                            int64_t rs, int64_t c0, int64_t nc, int64_t cs)
{
    const int64_t base = r0 * wx + c0;
    const int64_t nv = ((r0 + (nr - 1) * rs) * wx + c0 + (nc - 1) * cs - base) / 16 + 1;
    int64_t i, j, v;
    memset(m, 0, (size_t)nv * sizeof *m);
    for (i = 0; i < nr; i++)
        for (j = 0; j < nc; j++) {
            const int64_t q = (r0 + i * rs) * wx + c0 + j * cs - base;
            m[q / 16] = (uint16_t)(m[q / 16] | 1u << (q % 16));
        }
    for (v = 0, o[0] = 0; v + 1 < nv; v++)
        o[v + 1] = o[v] + _mm_popcnt_u32(m[v]);
    return nv;
}

/* The plane at d (vectors of mask m from it) from the values at s in order
 * (vector v's from s + o[v]): one expanding load a vector, the addresses
 * known up front so the loads do not wait on each other. */
static inline void rt_dwb_expand(float *d, const float *s, const uint16_t *m, const int32_t *o,
                                 int64_t nv)
{
    int64_t v;
    for (v = 0; v < nv; v++) {
        const __mmask16 k = (__mmask16)m[v];
        _mm512_mask_storeu_ps(d + 16 * v, k, _mm512_maskz_expandloadu_ps(k, s + o[v]));
    }
}
#endif

/* Plans g for p; 0 when rt_cbw_dwb cannot take p. */
static int rt_dwb_plan(rt_dwb_geom *g, const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], s1 = p->stride[1], VL = RT_DWB_VL;
    const int64_t ks = k1 * k2;
    int64_t run, vrows, vdx;
    if (ks > RT_DWB_TAPS)
        return 0;
#ifndef RT_SIMD_AVX512
    /* eight lanes a row of dx: tall maps of rows under 8 wide (DS-CNN's
     * 25x5) run faster a plane at a time (rt_cbw_dw1: 580 against 650 us) */
    if (out2 < 8 && out1 * out2 > 64)
        return 0;
#endif
    g->up1 = (out1 - 1) * s1 + 1;
    g->up2 = (out2 - 1) * p->stride[2] + 1;
    g->wx = in2 + p->pad[2] > g->up2 + k2 - 1 ? in2 + p->pad[2] : g->up2 + k2 - 1;
    g->hx = in1 + p->pad[1] > g->up1 + k1 - 1 ? in1 + p->pad[1] : g->up1 + k1 - 1;
    g->sx = g->hx * g->wx;
    g->zp = ((k1 - 1) * g->wx + k2 - 1 + VL - 1) / VL * VL;
    /* DY (zp before, a vector of slack after) and XP (two vectors after) */
    g->nb = (RT_CBW_CAP - g->zp - 3 * VL) / (2 * g->sx);
    if (g->nb < 1)
        return 0;
    if (g->nb > p->n)
        g->nb = p->n;
    run = (g->up1 - 1) * g->wx + g->up2;    /* an image's first dy to its last */
    vrows = out1 * ((g->up2 + VL - 1) / VL);
    g->dw_rows = vrows < (run + VL - 1) / VL;
    /* dx by rows: the kernel rows that meet dy rows, about k1 / s1 of them */
    vdx = in1 * ((in2 + VL - 1) / VL) * ((k1 + s1 - 1) / s1) * k2;
    g->dx_flat = 0;
#ifdef RT_SIMD_AVX512
    g->bx = p->pad[1] * g->wx + p->pad[2];
    g->nvx = rt_dwb_lanes(g->mx, g->ox, g->wx, p->pad[1], in1, 1, p->pad[2], in2, 1);
    g->nvy = rt_dwb_lanes(g->my, g->oy, g->wx, 0, out1, s1, 0, out2, p->stride[2]);
    g->dx_flat = g->nvx * ks <= vdx;
#else
    (void)vdx;
#endif
    return 1;
}

/* acc[t] += DY[q] XP[q + off[t]] over the runs of len floats at
 * d + b * sx + r * rs (b < nb, r < nr), eight or sixteen lanes a sum; the
 * last vector of a run through a mask (both operands, so nothing past the
 * run is read). */
static void rt_dwb_dot(rt_dwb_v *acc, const float *d, const float *xq, const int32_t *off,
                       int64_t nt, int64_t nb, int64_t sx, int64_t nr, int64_t rs, int64_t len)
{
    const int64_t VL = RT_DWB_VL, full = len / VL * VL;
    const rt_dwb_m mt = rt_dwb_mask(len - full);
    int64_t t0, b, r, q;
    for (t0 = 0; t0 < nt; t0 += 9) {
        const int64_t n = nt - t0 < 9 ? nt - t0 : 9;
        const int32_t *o = off + t0;
        /* taps past n repeat the first and are not stored */
        const int64_t o0 = o[0], o1 = o[n > 1 ? 1 : 0], o2 = o[n > 2 ? 2 : 0];
        const int64_t o3 = o[n > 3 ? 3 : 0], o4 = o[n > 4 ? 4 : 0], o5 = o[n > 5 ? 5 : 0];
        const int64_t o6 = o[n > 6 ? 6 : 0], o7 = o[n > 7 ? 7 : 0], o8 = o[n > 8 ? 8 : 0];
        rt_dwb_v c0 = RT_DWB_ZERO(), c1 = RT_DWB_ZERO(), c2 = RT_DWB_ZERO();
        rt_dwb_v c3 = RT_DWB_ZERO(), c4 = RT_DWB_ZERO(), c5 = RT_DWB_ZERO();
        rt_dwb_v c6 = RT_DWB_ZERO(), c7 = RT_DWB_ZERO(), c8 = RT_DWB_ZERO();
        for (b = 0; b < nb; b++)
            for (r = 0; r < nr; r++) {
                const float *dq = d + b * sx + r * rs, *xr = xq + b * sx + r * rs;
                for (q = 0; q < full; q += VL) {
                    const rt_dwb_v v = RT_DWB_LOAD(dq + q);
                    const float *s = xr + q;
                    c0 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o0), c0);
                    c1 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o1), c1);
                    c2 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o2), c2);
                    c3 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o3), c3);
                    c4 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o4), c4);
                    c5 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o5), c5);
                    c6 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o6), c6);
                    c7 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o7), c7);
                    c8 = RT_DWB_FMA(v, RT_DWB_LOAD(s + o8), c8);
                }
                if (full < len) {
                    const rt_dwb_v v = RT_DWB_LOADM(mt, dq + q);
                    const float *s = xr + q;
                    c0 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o0), c0);
                    c1 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o1), c1);
                    c2 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o2), c2);
                    c3 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o3), c3);
                    c4 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o4), c4);
                    c5 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o5), c5);
                    c6 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o6), c6);
                    c7 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o7), c7);
                    c8 = RT_DWB_FMA(v, RT_DWB_LOADM(mt, s + o8), c8);
                }
            }
        acc[t0] = RT_DWB_ADD(acc[t0], c0);
        if (n > 1) acc[t0 + 1] = RT_DWB_ADD(acc[t0 + 1], c1);
        if (n > 2) acc[t0 + 2] = RT_DWB_ADD(acc[t0 + 2], c2);
        if (n > 3) acc[t0 + 3] = RT_DWB_ADD(acc[t0 + 3], c3);
        if (n > 4) acc[t0 + 4] = RT_DWB_ADD(acc[t0 + 4], c4);
        if (n > 5) acc[t0 + 5] = RT_DWB_ADD(acc[t0 + 5], c5);
        if (n > 6) acc[t0 + 6] = RT_DWB_ADD(acc[t0 + 6], c6);
        if (n > 7) acc[t0 + 7] = RT_DWB_ADD(acc[t0 + 7], c7);
        if (n > 8) acc[t0 + 8] = RT_DWB_ADD(acc[t0 + 8], c8);
    }
}

#ifndef RT_SIMD_AVX512
/* d[0 .. n) = s[0 .. n): whole vectors, the last through a mask. */
static inline void rt_dwb_copy(float *d, const float *s, int64_t n)
{
    int64_t v = 0;
    for (; v + RT_DWB_VL <= n; v += RT_DWB_VL)
        RT_DWB_STORE(d + v, RT_DWB_LOAD(s + v));
    if (v < n) {
        const rt_dwb_m m = rt_dwb_mask(n - v);
        RT_DWB_STOREM(m, d + v, RT_DWB_LOADM(m, s + v));
    }
}
#endif

/* Rows i1 = u of dx (in2 wide at dr) of the image whose DY plane is at db:
 * the kernel rows lo, lo + s1, .. hi (those meeting dy rows), taps wv. */
static inline void rt_dwb_dx_row(float *dr, const float *q0, const rt_dwb_v *wv, int64_t lo,
                                 int64_t hi, const rt_conv_params *p, int64_t wx)
{
    const int64_t in2 = p->in[2], k2 = p->k[2], s1 = p->stride[1], VL = RT_DWB_VL;
    int64_t c, t1, t2;
    for (c = 0; c < in2; c += VL) {
        const rt_dwb_m m = rt_dwb_mask(in2 - c);
        rt_dwb_v a0 = RT_DWB_ZERO(), a1 = RT_DWB_ZERO(), a2 = RT_DWB_ZERO();
        for (t1 = lo; t1 <= hi; t1 += s1) {
            const float *s = q0 + c - t1 * wx;
            if (k2 == 3) {
                a0 = RT_DWB_FMA(wv[t1 * 3], RT_DWB_LOAD(s), a0);
                a1 = RT_DWB_FMA(wv[t1 * 3 + 1], RT_DWB_LOAD(s - 1), a1);
                a2 = RT_DWB_FMA(wv[t1 * 3 + 2], RT_DWB_LOAD(s - 2), a2);
            } else {
                for (t2 = 0; t2 < k2; t2++)
                    a0 = RT_DWB_FMA(wv[t1 * k2 + t2], RT_DWB_LOAD(s - t2), a0);
            }
        }
        a0 = RT_DWB_ADD(RT_DWB_ADD(a0, a1), a2);
        if (!p->overwrite)
            a0 = RT_DWB_ADD(a0, RT_DWB_LOADM(m, dr + c));
        RT_DWB_STOREM(m, dr + c, a0);
    }
}

/* rt_dwb_dx_row for a 3x3 kernel: kernel rows 0, 1, 2 where r0, r1, r2,
 * the nine taps held in registers. */
static inline void rt_dwb_dx_row3(float *dr, const float *q0, rt_dwb_v w0, rt_dwb_v w1,
                                  rt_dwb_v w2, rt_dwb_v w3, rt_dwb_v w4, rt_dwb_v w5,
                                  rt_dwb_v w6, rt_dwb_v w7, rt_dwb_v w8, int r0, int r1, int r2,
                                  const rt_conv_params *p, int64_t wx)
{
    const int64_t in2 = p->in[2], VL = RT_DWB_VL;
    int64_t c;
    for (c = 0; c < in2; c += VL) {
        const rt_dwb_m m = rt_dwb_mask(in2 - c);
        const float *s = q0 + c;
        rt_dwb_v a0 = RT_DWB_ZERO(), a1 = RT_DWB_ZERO(), a2 = RT_DWB_ZERO();
        if (r0) {
            a0 = RT_DWB_FMA(w0, RT_DWB_LOAD(s), a0);
            a1 = RT_DWB_FMA(w1, RT_DWB_LOAD(s - 1), a1);
            a2 = RT_DWB_FMA(w2, RT_DWB_LOAD(s - 2), a2);
        }
        if (r1) {
            a0 = RT_DWB_FMA(w3, RT_DWB_LOAD(s - wx), a0);
            a1 = RT_DWB_FMA(w4, RT_DWB_LOAD(s - wx - 1), a1);
            a2 = RT_DWB_FMA(w5, RT_DWB_LOAD(s - wx - 2), a2);
        }
        if (r2) {
            a0 = RT_DWB_FMA(w6, RT_DWB_LOAD(s - 2 * wx), a0);
            a1 = RT_DWB_FMA(w7, RT_DWB_LOAD(s - 2 * wx - 1), a1);
            a2 = RT_DWB_FMA(w8, RT_DWB_LOAD(s - 2 * wx - 2), a2);
        }
        a0 = RT_DWB_ADD(RT_DWB_ADD(a0, a1), a2);
        if (!p->overwrite)
            a0 = RT_DWB_ADD(a0, RT_DWB_LOADM(m, dr + c));
        RT_DWB_STOREM(m, dr + c, a0);
    }
}

/*
 * The backward of one channel of a depthwise convolution over every image
 * (see above): dx, dy and x at the channel in image 0, ldx and ldy floats
 * from one image to the next; dw (ks floats) is added to, dx stored (or
 * added to, without p->overwrite); either may be NULL. buf: the zeroed
 * buffer of the layout g.
 */
static void rt_cbw_dwb(float *dx, float *dw, const float *dy, const float *x, const float *w,
                       int64_t ldx, int64_t ldy, const rt_conv_params *p, const rt_dwb_geom *g,
                       float *buf)
{
    const int64_t in1 = p->in[1], out1 = p->out[1];
    const int64_t k1 = p->k[1], k2 = p->k[2], s1 = p->stride[1];
    const int64_t p1 = p->pad[1], ks = k1 * k2;
    const int64_t wx = g->wx, sx = g->sx, VL = RT_DWB_VL;
    float *dyb = buf + g->zp, *xp = dyb + g->nb * sx + VL;
    rt_dwb_v acc[RT_DWB_TAPS], wv[RT_DWB_TAPS];
    int32_t off[RT_DWB_TAPS];
    int64_t n0, b, u, t, t1, t2;

    for (t1 = 0, t = 0; t1 < k1; t1++)
        for (t2 = 0; t2 < k2; t2++, t++) {
            off[t] = (int32_t)(t1 * wx + t2);
            acc[t] = RT_DWB_ZERO();
            wv[t] = RT_DWB_SET1(w[t]);
        }
    for (n0 = 0; n0 < p->n; n0 += g->nb) {
        const int64_t nbc = p->n - n0 < g->nb ? p->n - n0 : g->nb;
        for (b = 0; b < nbc; b++) {
            const float *dys = dy + (n0 + b) * ldy;
#ifdef RT_SIMD_AVX512
            if (dw)
                rt_dwb_expand(xp + b * sx + g->bx, x + (n0 + b) * ldx, g->mx, g->ox, g->nvx);
            rt_dwb_expand(dyb + b * sx, dys, g->my, g->oy, g->nvy);
#else
            const int64_t in2 = p->in[2], out2 = p->out[2], s2 = p->stride[2];
            float *dd = dyb + b * sx;
            if (dw)
                for (u = 0; u < in1; u++)
                    rt_dwb_copy(xp + b * sx + (u + p1) * wx + p->pad[2],
                                x + (n0 + b) * ldx + u * in2, in2);
            for (u = 0; u < out1; u++) {
                float *dr = dd + u * s1 * wx;
                int64_t v;
                if (s2 == 1)
                    rt_dwb_copy(dr, dys + u * out2, out2);
                else
                    for (v = 0; v < out2; v++)
                        dr[v * s2] = dys[u * out2 + v];
            }
#endif
        }
        if (dw) {
            if (g->dw_rows)     /* the rows of DY that hold dy, up2 long */
                rt_dwb_dot(acc, dyb, xp, off, ks, nbc, sx, out1, s1 * wx, g->up2);
            else                /* each image's first dy to its last */
                rt_dwb_dot(acc, dyb, xp, off, ks, nbc, sx, 1, 0,
                           (g->up1 - 1) * wx + g->up2);
        }
        if (!dx)
            continue;
#ifdef RT_SIMD_AVX512
        if (g->dx_flat) {
            /* every plane position from the first input position to the
             * last, the input positions' lanes compressed into dx */
            for (b = 0; b < nbc; b++) {
                const float *q0 = dyb + b * sx + g->bx;
                float *dr = dx + (n0 + b) * ldx;
                int64_t v;
                for (v = 0; v < g->nvx; v++) {
                    const __mmask16 m = (__mmask16)g->mx[v];
                    const int nl = v + 1 < g->nvx ? g->ox[v + 1] - g->ox[v]
                                                  : _mm_popcnt_u32(g->mx[v]);
                    const __mmask16 mo = (__mmask16)((1u << nl) - 1u);
                    float *dv = dr + g->ox[v];
                    const float *s = q0 + 16 * v;
                    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
                    __m512 a2 = _mm512_setzero_ps();
                    if (!m)
                        continue;
                    if (ks == 9) {
                        a0 = _mm512_fmadd_ps(wv[0], _mm512_loadu_ps(s), a0);
                        a1 = _mm512_fmadd_ps(wv[1], _mm512_loadu_ps(s - 1), a1);
                        a2 = _mm512_fmadd_ps(wv[2], _mm512_loadu_ps(s - 2), a2);
                        a0 = _mm512_fmadd_ps(wv[3], _mm512_loadu_ps(s - off[3]), a0);
                        a1 = _mm512_fmadd_ps(wv[4], _mm512_loadu_ps(s - off[4]), a1);
                        a2 = _mm512_fmadd_ps(wv[5], _mm512_loadu_ps(s - off[5]), a2);
                        a0 = _mm512_fmadd_ps(wv[6], _mm512_loadu_ps(s - off[6]), a0);
                        a1 = _mm512_fmadd_ps(wv[7], _mm512_loadu_ps(s - off[7]), a1);
                        a2 = _mm512_fmadd_ps(wv[8], _mm512_loadu_ps(s - off[8]), a2);
                    } else {
                        for (t = 0; t < ks; t++)
                            a0 = _mm512_fmadd_ps(wv[t], _mm512_loadu_ps(s - off[t]), a0);
                    }
                    a0 = _mm512_maskz_compress_ps(m, _mm512_add_ps(_mm512_add_ps(a0, a1), a2));
                    if (!p->overwrite)
                        a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(mo, dv));
                    _mm512_mask_storeu_ps(dv, mo, a0);
                }
            }
            continue;
        }
#endif
        for (b = 0; b < nbc; b++)
            for (u = 0; u < in1; u++) {
                /* kernel rows whose DY row a = u + p1 - t1 holds dy */
                int64_t lo = u + p1 - (g->up1 - 1), hi = u + p1;
                float *dr = dx + (n0 + b) * ldx + u * p->in[2];
                const float *q0 = dyb + b * sx + (u + p1) * wx + p->pad[2];
                if (lo < 0)
                    lo = 0;
                if (hi > k1 - 1)
                    hi = k1 - 1;
                if (s1 > 1)     /* the first t1 >= lo with s1 | u + p1 - t1 */
                    lo += (u + p1 - lo) % s1;
                if (k1 == 3 && k2 == 3)
                    rt_dwb_dx_row3(dr, q0, wv[0], wv[1], wv[2], wv[3], wv[4], wv[5], wv[6], wv[7],
                                   wv[8], lo <= 0, lo <= 1 && hi >= 1 && (1 - lo) % s1 == 0,
                                   hi >= 2 && (2 - lo) % s1 == 0, p, wx);
                else
                    rt_dwb_dx_row(dr, q0, wv, lo, hi, p, wx);
            }
    }
    if (dw)
        for (t = 0; t < ks; t++)
            dw[t] += RT_DWB_HSUM(acc[t]);
}

#ifdef RT_SIMD_AVX512
/*
 * mbdw: the backward of a depthwise 3x3 convolution with pad 1 and stride 1
 * or 2 ("same" maps and their halvings, MobileNet's), AVX-512, no copies:
 *
 *  dx (stride 1) IS the forward depthwise convolution of dy with each
 *    channel's kernel flipped (w'[t] = w[8 - t], pad 1):
 *      dx[i] = sum_t w[t] dy[i + 1 - t] = sum_t' w'[t'] dy[i - 1 + t'],
 *    so conv.c's forward kernels compute it (rt_conv_forward, its residual
 *    epilogue adding to dx unless p->overwrite).
 *  dx (stride 2): dx[2a + r, 2b + e] gets kernel row 1 alone from dy row a
 *    (r = 0), rows 0 and 2 from dy rows a + 1 and a (r = 1); columns alike.
 *    Per dy row and 16 dy columns b: E = w[t1][1] dy[b] (the even dx
 *    columns 2b), O = w[t1][0] dy[b + 1] + w[t1][2] dy[b] (the odd ones),
 *    summed over the dx row's kernel rows, then interleaved into 32 dx
 *    columns by two permutes (rt_dwk_dx2).
 *  dw[t] = sum over images and positions of dy[o] x[s o + t - 1]: a
 *    channel's nine sums stay in registers over all its images; per row of
 *    16 dy lanes, the three shifted loads of an input row (stride 2: the
 *    even / odd lanes of two loads, permuted as conv.c's forward does) serve
 *    the three dy rows that meet it (rt_dwk_dw_wide); planes of rows of at
 *    most 8 are taken flat instead, 16 consecutive positions a vector and a
 *    lane mask per tap (rt_dwk_dw_flat), so 6x6 and 3x3 maps fill vectors.
 *
 * Loads past a row, a plane or the padding are masked to zero, never read.
 * The sums run in a different order from the portable path (FMA, sixteen
 * partial sums a tap), within the usual K * eps bound. Frames: the chunk
 * mask tables (under 1 KB), the flat tap masks (1.2 KB) and the flipped
 * weights of up to RT_DWK_WCH channels (9 KB).
 */
#define RT_DWK_CHUNKS 16        /* wide rows: up to 256 dy columns (dx: 512)  */
#define RT_DWK_FLAT 1024        /* flat dw: planes of at most this many, rows <= 8 */
#define RT_DWK_WCH 256          /* channels of flipped weights a call of the forward */
#ifndef RT_DWK_L2
#define RT_DWK_L2 (512 * 1024)  /* bytes of dy, x and dx of one block of images    */
#endif

/* Lanes [a, b) of a 16-lane mask, clipped to [0, 16). */

/* Whether rt_dwk_* take p (the caller checked a 2-D depthwise kernel,
 * dilation 1): 3x3, equal strides 1 or 2, pad 1, out = (in - 1) / s + 1,
 * rows of at most 16 chunks. */
static int rt_dwk_ok(const rt_conv_params *p)
{
    int d;
    if (p->k[1] != 3 || p->k[2] != 3 || p->stride[1] != p->stride[2] ||
        (p->stride[1] != 1 && p->stride[1] != 2) || p->out[2] > 16 * RT_DWK_CHUNKS)
        return 0;
    for (d = 1; d < 3; d++)
        if (p->pad[d] != 1 || p->out[d] != (p->in[d] - 1) / p->stride[d] + 1)
            return 0;
    return 1;
}


/* acc[3 t1 + u] += d * v[u], u < 3. */
static inline void rt_dwk_fma3(__m512 *acc, __m512 d, const __m512 v[3])
{
    acc[0] = _mm512_fmadd_ps(d, v[0], acc[0]);
    acc[1] = _mm512_fmadd_ps(d, v[1], acc[1]);
    acc[2] = _mm512_fmadd_ps(d, v[2], acc[2]);
}

/* dw of one image's planes of one channel into acc (nine sums), rows in
 * chunks of 16 dy columns (masks om: dy lanes, vm / lm: see rt_dw_row512). */
static inline void rt_dwk_dw_img(__m512 acc[9], const float *dy, const float *x, int64_t in1,
                                 int64_t in2, int64_t out1, int64_t out2, int64_t s, int64_t nch,
                                 const __mmask16 *om, const __mmask16 (*vm)[3],
                                 const __mmask16 (*lm)[4], __m512i ev, __m512i od)
{
    int64_t k, i1, o1;
    for (k = 0; k < nch; k++) {
        const float *xc = x + s * k * 16 - 1, *dc = dy + k * 16;
        __m512 v[3], pv[3];
        if (s == 1) {
            /* input row i1 meets dy rows i1 + 1 (t1 = 0), i1, i1 - 1 */
            __m512 dp = _mm512_setzero_ps(), dcur = _mm512_maskz_loadu_ps(om[k], dc), dn;
            for (i1 = 0; i1 < in1; i1++) {
                dn = i1 + 1 < out1 ? _mm512_maskz_loadu_ps(om[k], dc + (i1 + 1) * out2)
                                   : _mm512_setzero_ps();
                rt_dw_row512(v, xc, i1, in1, in2, 1, vm[k], lm[k], ev, od);
                rt_dwk_fma3(acc, dn, v);
                rt_dwk_fma3(acc + 3, dcur, v);
                rt_dwk_fma3(acc + 6, dp, v);
                dp = dcur;
                dcur = dn;
            }
        } else {
            /* dy row o1 meets input rows 2 o1 - 1 (kept from the row
             * before), 2 o1 and 2 o1 + 1 */
            pv[0] = pv[1] = pv[2] = _mm512_setzero_ps();
            for (o1 = 0; o1 < out1; o1++) {
                const __m512 d = _mm512_maskz_loadu_ps(om[k], dc + o1 * out2);
                rt_dwk_fma3(acc, d, pv);
                rt_dw_row512(v, xc, 2 * o1, in1, in2, 2, vm[k], lm[k], ev, od);
                rt_dwk_fma3(acc + 3, d, v);
                rt_dw_row512(pv, xc, 2 * o1 + 1, in1, in2, 2, vm[k], lm[k], ev, od);
                rt_dwk_fma3(acc + 6, d, pv);
            }
        }
    }
}

/* dw (c x 9, added to) over every image, rows in chunks of 16 dy lanes. */
static void rt_dwk_dw_wide(float *dw, const float *dy, const float *x, const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], isize = in1 * in2, osize = out1 * out2;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i ev = _mm512_slli_epi32(iota, 1), od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    const int64_t nch = (out2 + 15) / 16;
    __mmask16 om[RT_DWK_CHUNKS], vm[RT_DWK_CHUNKS][3], lm[RT_DWK_CHUNKS][4];
    int64_t c, n;
    int t;
    rt_dw_masks512(om, vm, lm, nch, s, 1, out2, in2);
    for (c = 0; c < p->c; c++) {
        __m512 acc[9];
        for (t = 0; t < 9; t++)
            acc[t] = _mm512_setzero_ps();
        for (n = 0; n < p->n; n++) {
            const float *dyp = dy + (n * p->c + c) * osize, *xp = x + (n * p->c + c) * isize;
            if (s == 1)     /* constant strides: each copy specialized */
                rt_dwk_dw_img(acc, dyp, xp, in1, in2, out1, out2, 1, nch, om, vm, lm, ev, od);
            else
                rt_dwk_dw_img(acc, dyp, xp, in1, in2, out1, out2, 2, nch, om, vm, lm, ev, od);
        }
        for (t = 0; t < 9; t++)
            dw[c * 9 + t] += _mm512_reduce_add_ps(acc[t]);
    }
}

/* dw (c x 9, added to) of a stride-1 convolution on planes of at most
 * RT_DWK_FLAT positions, rows of at most 8: 16 consecutive positions q a
 * vector; tap t reads x at q + (t1 - 1) W + t2 - 1 through a mask of the
 * lanes whose tap lies inside the plane. Returns 0 for other shapes. */
static int rt_dwk_dw_flat(float *dw, const float *dy, const float *x, const rt_conv_params *p)
{
    const int64_t h = p->out[1], wd = p->out[2], hw = h * wd, nq = (hw + 15) / 16;
    __mmask16 tm[RT_DWK_FLAT / 16][10];     /* per vector: nine taps, then dy's lanes */
    int64_t k, q, c, n;
    int t;
    if (p->stride[1] != 1 || hw > RT_DWK_FLAT || wd > 8)
        return 0;
    for (k = 0; k < nq; k++)
        for (t = 0; t < 10; t++)
            tm[k][t] = 0;
    for (q = 0; q < hw; q++) {
        const int64_t r = q / wd, cl = q % wd;
        for (t = 0; t < 9; t++) {
            const int64_t r2 = r + t / 3 - 1, c2 = cl + t % 3 - 1;
            if (r2 >= 0 && r2 < h && c2 >= 0 && c2 < wd)
                tm[q / 16][t] = (__mmask16)(tm[q / 16][t] | 1u << (q % 16));
        }
        tm[q / 16][9] = (__mmask16)(tm[q / 16][9] | 1u << (q % 16));
    }
    for (c = 0; c < p->c; c++) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        __m512 a6 = a0, a7 = a0, a8 = a0;
        __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0, b8 = a0;
        const int64_t ls = (int64_t)p->c * hw;      /* one image to the next */
        /* two images a step: each mask loaded once serves both, and two
         * sets of sums keep twice the FMAs in flight */
        for (n = 0; n + 1 < p->n; n += 2) {
            const float *dyp = dy + (n * p->c + c) * hw, *xp = x + (n * p->c + c) * hw;
            for (k = 0; k < nq; k++) {
                const __mmask16 *m = tm[k];
                const float *xq = xp + 16 * k, *xr = xq + ls;
                const __m512 d = _mm512_maskz_loadu_ps(m[9], dyp + 16 * k);
                const __m512 e = _mm512_maskz_loadu_ps(m[9], dyp + ls + 16 * k);
                __mmask16 tk;
                tk = m[0];
                a0 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq - wd - 1), a0);
                b0 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr - wd - 1), b0);
                tk = m[1];
                a1 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq - wd), a1);
                b1 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr - wd), b1);
                tk = m[2];
                a2 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq - wd + 1), a2);
                b2 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr - wd + 1), b2);
                tk = m[3];
                a3 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq - 1), a3);
                b3 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr - 1), b3);
                tk = m[4];
                a4 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq), a4);
                b4 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr), b4);
                tk = m[5];
                a5 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq + 1), a5);
                b5 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr + 1), b5);
                tk = m[6];
                a6 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq + wd - 1), a6);
                b6 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr + wd - 1), b6);
                tk = m[7];
                a7 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq + wd), a7);
                b7 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr + wd), b7);
                tk = m[8];
                a8 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(tk, xq + wd + 1), a8);
                b8 = _mm512_fmadd_ps(e, _mm512_maskz_loadu_ps(tk, xr + wd + 1), b8);
            }
        }
        for (; n < p->n; n++) {     /* an odd last image */
            const float *dyp = dy + (n * p->c + c) * hw, *xp = x + (n * p->c + c) * hw;
            for (k = 0; k < nq; k++) {
                const __mmask16 *m = tm[k];
                const float *xq = xp + 16 * k;
                const __m512 d = _mm512_maskz_loadu_ps(m[9], dyp + 16 * k);
                a0 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[0], xq - wd - 1), a0);
                a1 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[1], xq - wd), a1);
                a2 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[2], xq - wd + 1), a2);
                a3 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[3], xq - 1), a3);
                a4 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[4], xq), a4);
                a5 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[5], xq + 1), a5);
                a6 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[6], xq + wd - 1), a6);
                a7 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[7], xq + wd), a7);
                a8 = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m[8], xq + wd + 1), a8);
            }
        }
        a0 = _mm512_add_ps(a0, b0);
        a1 = _mm512_add_ps(a1, b1);
        a2 = _mm512_add_ps(a2, b2);
        a3 = _mm512_add_ps(a3, b3);
        a4 = _mm512_add_ps(a4, b4);
        a5 = _mm512_add_ps(a5, b5);
        a6 = _mm512_add_ps(a6, b6);
        a7 = _mm512_add_ps(a7, b7);
        a8 = _mm512_add_ps(a8, b8);
        dw[c * 9 + 0] += _mm512_reduce_add_ps(a0);
        dw[c * 9 + 1] += _mm512_reduce_add_ps(a1);
        dw[c * 9 + 2] += _mm512_reduce_add_ps(a2);
        dw[c * 9 + 3] += _mm512_reduce_add_ps(a3);
        dw[c * 9 + 4] += _mm512_reduce_add_ps(a4);
        dw[c * 9 + 5] += _mm512_reduce_add_ps(a5);
        dw[c * 9 + 6] += _mm512_reduce_add_ps(a6);
        dw[c * 9 + 7] += _mm512_reduce_add_ps(a7);
        dw[c * 9 + 8] += _mm512_reduce_add_ps(a8);
    }
    return 1;
}

/* dx of a stride-2 convolution (see above): every image and channel, dx
 * stored (p->overwrite) or added to. */
static void rt_dwk_dx2(float *dx, const float *dy, const float *w, const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t isize = in1 * in2, osize = out1 * out2, nch = (in2 + 31) / 32;
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30,
                                         15, 31);
    __mmask16 dm[RT_DWK_CHUNKS], d1m[RT_DWK_CHUNKS], xm[RT_DWK_CHUNKS][2];
    int64_t k, nc, i1;
    for (k = 0; k < nch; k++) {
        dm[k] = rt_lane_range16(0, out2 - 16 * k);         /* dy[b], b = 16 k + lane */
        d1m[k] = rt_lane_range16(0, out2 - 16 * k - 1);    /* dy[b + 1]              */
        xm[k][0] = rt_lane_range16(0, in2 - 32 * k);
        xm[k][1] = rt_lane_range16(0, in2 - 32 * k - 16);
    }
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
        const float *wc = w + (nc % p->c) * 9, *dp = dy + nc * osize;
        float *xp = dx + nc * isize;
        const __m512 w0 = _mm512_set1_ps(wc[0]), w1 = _mm512_set1_ps(wc[1]);
        const __m512 w2 = _mm512_set1_ps(wc[2]), w3 = _mm512_set1_ps(wc[3]);
        const __m512 w4 = _mm512_set1_ps(wc[4]), w5 = _mm512_set1_ps(wc[5]);
        const __m512 w6 = _mm512_set1_ps(wc[6]), w7 = _mm512_set1_ps(wc[7]);
        const __m512 w8 = _mm512_set1_ps(wc[8]);
        for (i1 = 0; i1 < in1; i1++) {
            const int64_t a = i1 / 2;
            float *xr = xp + i1 * in2;
            for (k = 0; k < nch; k++) {
                const float *dr = dp + a * out2 + 16 * k;
                __m512 e, o, d, d1, v;
                if (!(i1 & 1)) {        /* kernel row 1, dy row a */
                    d = _mm512_maskz_loadu_ps(dm[k], dr);
                    d1 = _mm512_maskz_loadu_ps(d1m[k], dr + 1);
                    e = _mm512_mul_ps(w4, d);
                    o = _mm512_fmadd_ps(w3, d1, _mm512_mul_ps(w5, d));
                } else {                /* kernel row 2 from dy row a, row 0 from a + 1 */
                    d = _mm512_maskz_loadu_ps(dm[k], dr);
                    d1 = _mm512_maskz_loadu_ps(d1m[k], dr + 1);
                    e = _mm512_mul_ps(w7, d);
                    o = _mm512_fmadd_ps(w6, d1, _mm512_mul_ps(w8, d));
                    if (a + 1 < out1) {
                        d = _mm512_maskz_loadu_ps(dm[k], dr + out2);
                        d1 = _mm512_maskz_loadu_ps(d1m[k], dr + out2 + 1);
                        e = _mm512_fmadd_ps(w1, d, e);
                        o = _mm512_fmadd_ps(w0, d1, _mm512_fmadd_ps(w2, d, o));
                    }
                }
                v = _mm512_permutex2var_ps(e, lo, o);
                if (!p->overwrite)
                    v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(xm[k][0], xr + 32 * k));
                _mm512_mask_storeu_ps(xr + 32 * k, xm[k][0], v);
                if (xm[k][1]) {
                    v = _mm512_permutex2var_ps(e, hi, o);
                    if (!p->overwrite)
                        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(xm[k][1], xr + 32 * k + 16));
                    _mm512_mask_storeu_ps(xr + 32 * k + 16, xm[k][1], v);
                }
            }
        }
    }
}

/* dx of a stride-1 convolution: the forward of dy with flipped kernels
 * (see above), RT_DWK_WCH channels of flipped weights at a time (all of
 * them in one call over the batch when they fit, else per image). */
static void rt_dwk_dx1(float *dx, const float *dy, const float *w, const rt_conv_params *p)
{
    const int64_t isize = p->in[1] * p->in[2], c = p->c;
    float wf[RT_DWK_WCH * 9];
    rt_conv_params q = *p;
    int64_t c0, n, i;
    int d;
    for (d = 0; d < RT_SPATIAL; d++) {
        q.in[d] = p->out[d];
        q.out[d] = p->in[d];
    }
    q.act = RT_UN_NONE;
    q.wt = 0;
    q.accumulate = !p->overwrite;
    q.overwrite = 0;
    q.hwc = 0;
    for (c0 = 0; c0 < c; c0 += RT_DWK_WCH) {
        const int64_t cc = c - c0 < RT_DWK_WCH ? c - c0 : RT_DWK_WCH;
        for (i = 0; i < cc * 9; i++)
            wf[i] = w[c0 * 9 + (i / 9) * 9 + 8 - i % 9];
        q.c = q.m = q.group = (int)cc;
        if (cc == c) {
            rt_conv_forward(dx, dy, wf, NULL, &q);
        } else {
            q.n = 1;
            for (n = 0; n < p->n; n++)
                rt_conv_forward(dx + (n * c + c0) * isize, dy + (n * c + c0) * isize, wf, NULL,
                                &q);
        }
    }
}
#endif

#endif /* RT_SIMD_AVX2 */

/*
 * The fast paths over every image and group (see the top of the file and
 * rt_conv_backward): each returns 1 when it did the work, 0 when the caller
 * must (not AVX2, a dilation, a 3-D kernel, dx of a strided convolution
 * other than rt_cbw_dx_s2's, or rows too wide for the stack buffer), having
 * then changed nothing.
 */
int rt_conv_backward_dw_fast(float *dw, const float *dy, const float *x, const rt_conv_params *p)
{
#ifdef RT_SIMD_AVX2
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isize = p->in[1] * p->in[2], osize = p->out[1] * p->out[2];
    const int64_t ks = p->k[1] * p->k[2];
    int64_t g;
    if (p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || p->dilation[1] != 1 ||
        p->dilation[2] != 1)
        return 0;
    if (p->k[1] == 1 && p->k[2] == 1 && p->stride[1] == 1 && p->stride[2] == 1 &&
        p->pad[1] == 0 && p->pad[2] == 0 && p->out[1] == p->in[1] && p->out[2] == p->in[2] &&
        osize >= 16) {      /* smaller maps run faster copied, several images a row */
        for (g = 0; g < p->group; g++)
            rt_cbw_dw_pw(dw + g * mg * cg, dy + g * mg * osize, x + g * cg * isize, mg, cg, p);
        return 1;
    }
    /* small maps: packed operands and one sgemm per block of images (the
     * same for every group, so only g == 0 can refuse) */
    if (osize <= RT_CBW_SMALL &&
        rt_cbw_dw_small(dw, dy, x, mg, cg, p)) {
        for (g = 1; g < p->group; g++)
            (void)rt_cbw_dw_small(dw + g * mg * cg * ks, dy + g * mg * osize,
                                  x + g * cg * isize, mg, cg, p);
        return 1;
    }
    for (g = 0; g < p->group; g++)
        if (!rt_cbw_dw(dw + g * mg * cg * ks, dy + g * mg * osize, x + g * cg * isize, mg, cg, p))
            return 0;           /* the same for every group: only g == 0 can fail */
    return 1;
#else
    (void)dw; (void)dy; (void)x; (void)p;
    return 0;
#endif
}

#if RT_CONV_WINOGRAD && defined(RT_SIMD_AVX2)
#define RT_CBW_WGCAP 16384      /* floats of U for one block of dx channels (64 KB) */
/*
 * dx of a dense 3x3 stride-1 "same" convolution (r8bwd) as the forward
 * convolution of dy with the weights flipped and transposed,
 *   dx[ic, i] = sum over (oc, t) of w[oc, ic, 2 - t1, 2 - t2] dy[oc, i + t - 1],
 * on the Winograd F(2x2, 3x3) kernel of conv.c (2.25x fewer products), its
 * residual epilogue adding to dx unless p->overwrite. U is computed here, on
 * the stack, for blocks of at least 16 dx channels (the whole of dx when it
 * fits: one call over every image; else one call per image and block).
 * Returns 0 (having done nothing) when the transposed convolution is not a
 * shape rt_conv_winograd_ok takes or U of a block does not fit.
 */
static int rt_cbw_dx_winograd(float *dx, const float *dy, const float *w,
                              const rt_conv_params *p)
{
    const int64_t c = p->c, m = p->m, isize = p->in[1] * p->in[2];
    const int64_t cmax = RT_CBW_WGCAP / (16 * m);   /* dx channels U has room for */
    const int64_t nblk = cmax > 0 ? (c + cmax - 1) / cmax : 1;
    const int64_t cb = (c + nblk - 1) / nblk;       /* equal blocks, at most cmax */
    float u[RT_CBW_WGCAP], u1[16 * 64], wrow[64 * 9];
    rt_conv_params q = *p;
    int64_t c0;

    q.c = p->m;
    q.wt = 0;
    q.act = RT_UN_NONE;
    q.accumulate = !p->overwrite;
    q.overwrite = 0;
    if (p->group != 1 || m > 64 || 16 * m * cb > RT_CBW_WGCAP)
        return 0;
    /* every block must be a shape the kernel takes: the smallest for its
     * minimum channel count, the largest for its tile buffers' capacity */
    q.m = (int)cb;
    if (!rt_conv_winograd_ok(&q))
        return 0;
    q.m = (int)(c - (nblk - 1) * cb);
    if (!rt_conv_winograd_ok(&q))
        return 0;
    for (c0 = 0; c0 < c; c0 += cb) {
        const int64_t cc = c - c0 < cb ? c - c0 : cb;
        int64_t o, ic, k, t;
        for (o = 0; o < cc; o++) {  /* dx channel c0 + o: its kernels over every oc */
            for (ic = 0; ic < m; ic++)
                for (t = 0; t < 9; t++)
                    wrow[ic * 9 + t] = w[(ic * c + c0 + o) * 9 + 8 - t];
            rt_conv_winograd_weights(u1, wrow, 1, m);      /* [16][1][m] */
            for (k = 0; k < 16; k++)
                for (ic = 0; ic < m; ic++)
                    u[(k * m + ic) * cc + o] = u1[k * m + ic];   /* [16][m][cc] */
        }
        q.m = (int)cc;
        q.wt = 2;
        /* r8wino: every image at once, dx's images c * isize floats apart */
        rt_conv_wino_x(dx + c0 * isize, c * isize, dy, m * isize, u, NULL, &q);
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX512
/*
 * r8sdx: dx of a dense stride-2 convolution, 3x3 with padding 1 or 1x1
 * without, gathered by output phase straight from dy and the weights (no
 * im2col tile, no col2im scatter, no copy of either operand). For
 * iy = 2 a + py, ix = 2 b + px (3x3: iy = 2 oy - 1 + ky):
 *   dx[2a, 2b]         = sum_oc w11 dy[a, b]
 *   dx[2a, 2b + 1]     = sum_oc w12 dy[a, b] + w10 dy[a, b + 1]
 *   dx[2a + 1, 2b]     = sum_oc w21 dy[a, b] + w01 dy[a + 1, b]
 *   dx[2a + 1, 2b + 1] = sum_oc w22 dy[a, b] + w20 dy[a, b + 1]
 *                              + w02 dy[a + 1, b] + w00 dy[a + 1, b + 1]
 * (1x1: dx[2a, 2b] = sum_oc w dy[a, b], the other three phases 0), dy
 * beyond its last row or column read as 0. Sixteen lanes are sixteen dy
 * positions (a, b): a block of one row (maps 9 or more wide, the last
 * block of a row masked) or two rows of an 8-wide map. Every weight is a
 * broadcast used for two blocks and every dy vector for two dx channels:
 * 2 x 2 x 4 phase accumulators kept over all output channels. The two
 * phases of a dx row are interleaved at the store (16 dy lanes -> 32 dx
 * columns, or two 16-wide rows). Valid where in = 2 out or 2 out - 1 along
 * both axes (every dx position is some phase's), so p->overwrite stores
 * 0 + the sum and the accumulating form adds it.
 */
typedef struct {
    int64_t off[4];     /* dy plane offsets of lane 0: (a, b), (a, b+1), (a+1, b), (a+1, b+1) */
    __mmask16 m[4];     /* their lanes inside dy */
    int64_t dst[2][2];  /* dx plane offset of [py][lanes 0-7 / 8-15 interleaved], -1: none */
    __mmask16 k[2];     /* dx columns of [lanes 0-7 / 8-15] inside the row */
} rt_sdx_blk;

static __mmask16 rt_sdx_low(int64_t n)
{
    return (__mmask16)(n >= 16 ? 0xFFFFu : n <= 0 ? 0u : (1u << n) - 1u);
}

/* Block j of the dy plane (see above); past the last block, one that reads
 * nothing and stores nothing. */
static void rt_sdx_block(rt_sdx_blk *bk, int64_t j, int64_t nblk, const rt_conv_params *p)
{
    const int64_t oh = p->out[1], ow = p->out[2], ih = p->in[1], iw = p->in[2];
    int64_t a, b0, i, py;
    memset(bk, 0, sizeof *bk);
    bk->dst[0][0] = bk->dst[0][1] = bk->dst[1][0] = bk->dst[1][1] = -1;
    if (j >= nblk)
        return;
    if (ow == 8) {              /* two rows a, a + 1 */
        a = 2 * j;
        b0 = 0;
        bk->m[0] = (__mmask16)(a + 1 < oh ? 0xFFFFu : 0x00FFu);
        bk->m[2] = (__mmask16)((a + 1 < oh ? 0x00FFu : 0u) | (a + 2 < oh ? 0xFF00u : 0u));
        bk->m[1] = (__mmask16)(bk->m[0] & 0x7F7Fu);
        bk->m[3] = (__mmask16)(bk->m[2] & 0x7F7Fu);
        bk->k[0] = bk->k[1] = rt_sdx_low(iw);
        for (py = 0; py < 2; py++) {
            if (2 * a + py < ih)
                bk->dst[py][0] = (2 * a + py) * iw;
            if (a + 1 < oh && 2 * a + 2 + py < ih)
                bk->dst[py][1] = (2 * a + 2 + py) * iw;
        }
    } else {                    /* one row, columns b0 .. b0 + 15 */
        const int64_t nbr = (ow + 15) / 16;
        a = j / nbr;
        b0 = j % nbr * 16;
        bk->m[0] = rt_sdx_low(ow - b0);
        bk->m[1] = rt_sdx_low(ow - b0 - 1);
        bk->m[2] = a + 1 < oh ? bk->m[0] : 0;
        bk->m[3] = a + 1 < oh ? bk->m[1] : 0;
        bk->k[0] = rt_sdx_low(iw - 2 * b0);
        bk->k[1] = rt_sdx_low(iw - 2 * b0 - 16);
        for (py = 0; py < 2; py++)
            if (2 * a + py < ih) {
                bk->dst[py][0] = (2 * a + py) * iw + 2 * b0;
                if (bk->k[1])
                    bk->dst[py][1] = bk->dst[py][0] + 16;
            }
    }
    bk->off[0] = a * ow + b0;
    bk->off[1] = bk->off[0] + 1;
    bk->off[2] = bk->off[0] + ow;
    bk->off[3] = bk->off[0] + ow + 1;
    for (i = 0; i < 4; i++)     /* no pointer past the plane for a load of nothing */
        if (!bk->m[i])
            bk->off[i] = bk->off[0];
}

/* dx row pieces of one channel and block: phases (py, 0) and (py, 1) of
 * every lane interleaved; ev1: 1x1 accumulating, the even columns only */
static inline void rt_sdx_store(float *dxc, const rt_sdx_blk *bk, int py, __m512 e, __m512 o,
                                int ovw, int ev1)
{
    const __m512i ilo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i ihi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9,
                                         24, 8);
    int h;
    for (h = 0; h < 2; h++) {
        if (bk->dst[py][h] >= 0) {
            float *d = dxc + bk->dst[py][h];
            const __m512 v = _mm512_permutex2var_ps(e, h ? ihi : ilo, o);
            const __mmask16 k = (__mmask16)(ev1 ? bk->k[h] & 0x5555u : bk->k[h]);
            _mm512_mask_storeu_ps(d, k, _mm512_add_ps(ovw ? _mm512_setzero_ps()
                                                          : _mm512_maskz_loadu_ps(k, d), v));
        }
    }
}

/* Ask for the dx lines a tile stores (and, accumulating, reads) while its
 * products run. */
static inline void rt_sdx_prefetch(const float *dc, const rt_sdx_blk *bk)
{
    int b, py, h;
    for (b = 0; b < 2; b++)
        for (py = 0; py < 2; py++)
            for (h = 0; h < 2; h++)
                if (bk[b].dst[py][h] >= 0)
                    _mm_prefetch((const char *)(dc + bk[b].dst[py][h]), _MM_HINT_T0);
}

/* The 3x3 tile: dx channels c0 (weights w0, plane d0) and c1 (w1, d1; not
 * stored when d1 is NULL) on blocks bk[0 .. 2), over m output channels
 * (dy planes osize apart, weights ldw apart). */
static void rt_sdx_k3(float *d0, float *d1, const float *dy, int64_t osize, const float *w0,
                      const float *w1, int64_t ldw, int64_t m, const rt_sdx_blk *bk, int ovw)
{
    /* accumulator a<block><channel><phase>, named: as an array GCC kept
     * part of it on the stack across the loop; phase (1, 1) in two halves
     * (its four FMAs an output channel in one chain took their latency) */
    __m512 a000 = _mm512_setzero_ps(), a001 = a000, a002 = a000, a003 = a000;
    __m512 a010 = a000, a011 = a000, a012 = a000, a013 = a000;
    __m512 a100 = a000, a101 = a000, a102 = a000, a103 = a000;
    __m512 a110 = a000, a111 = a000, a112 = a000, a113 = a000;
    __m512 a004 = a000, a014 = a000, a104 = a000, a114 = a000;   /* P11's row a + 1 half */
    const float *q00 = dy + bk[0].off[0], *q01 = dy + bk[0].off[1];
    const float *q02 = dy + bk[0].off[2], *q03 = dy + bk[0].off[3];
    const float *q10 = dy + bk[1].off[0], *q11 = dy + bk[1].off[1];
    const float *q12 = dy + bk[1].off[2], *q13 = dy + bk[1].off[3];
    const __mmask16 k00 = bk[0].m[0], k01 = bk[0].m[1], k02 = bk[0].m[2], k03 = bk[0].m[3];
    const __mmask16 k10 = bk[1].m[0], k11 = bk[1].m[1], k12 = bk[1].m[2], k13 = bk[1].m[3];
    int64_t oc = 0;
    rt_sdx_prefetch(d0, bk);
    if (d1)
        rt_sdx_prefetch(d1, bk);
    /* (a, b + 1), (a + 1, b), (a + 1, b + 1) reach past their row or the
     * map in some lanes: the FMAs leave those lanes alone (merge masks, no
     * extra uop) and the loads are plain, reading the rest of the plane or
     * the next one, except for the last output channel (masked loads: the
     * next plane may not exist). Lanes past the block in (a, b) only reach
     * accumulator lanes that are never stored. */
#define RT_SDX_LU(b, ph) _mm512_loadu_ps(q##b##ph + o)
#define RT_SDX_LM(b, ph) _mm512_maskz_loadu_ps(k##b##ph, q##b##ph + o)
#define RT_SDX_F(r, ph, tap, vi) \
    t = _mm512_set1_ps(wr[tap]); \
    a0##r##ph = vi ? _mm512_mask3_fmadd_ps(t, v0##vi, a0##r##ph, k0##vi) \
                   : _mm512_fmadd_ps(t, v0##vi, a0##r##ph); \
    a1##r##ph = vi ? _mm512_mask3_fmadd_ps(t, v1##vi, a1##r##ph, k1##vi) \
                   : _mm512_fmadd_ps(t, v1##vi, a1##r##ph)
#define RT_SDX_F9(r) \
    RT_SDX_F(r, 0, 4, 0); \
    RT_SDX_F(r, 1, 5, 0); \
    RT_SDX_F(r, 1, 3, 1); \
    RT_SDX_F(r, 2, 7, 0); \
    RT_SDX_F(r, 2, 1, 2); \
    RT_SDX_F(r, 3, 8, 0); \
    RT_SDX_F(r, 3, 6, 1); \
    RT_SDX_F(r, 4, 2, 2); \
    RT_SDX_F(r, 4, 0, 3)
#define RT_SDX_STEP(LD) \
    do { \
        const int64_t o = oc * osize; \
        const __m512 v00 = LD(0, 0), v01 = LD(0, 1), v02 = LD(0, 2), v03 = LD(0, 3); \
        const __m512 v10 = LD(1, 0), v11 = LD(1, 1), v12 = LD(1, 2), v13 = LD(1, 3); \
        const float *wr = w0 + oc * ldw; \
        __m512 t; \
        RT_SDX_F9(0); \
        wr = w1 + oc * ldw; \
        RT_SDX_F9(1); \
    } while (0)
    for (; oc < m - 1; oc++)
        RT_SDX_STEP(RT_SDX_LU);
    RT_SDX_STEP(RT_SDX_LM);
#undef RT_SDX_STEP
#undef RT_SDX_F9
#undef RT_SDX_F
#undef RT_SDX_LM
#undef RT_SDX_LU
    rt_sdx_store(d0, &bk[0], 0, a000, a001, ovw, 0);
    rt_sdx_store(d0, &bk[0], 1, a002, _mm512_add_ps(a003, a004), ovw, 0);
    rt_sdx_store(d0, &bk[1], 0, a100, a101, ovw, 0);
    rt_sdx_store(d0, &bk[1], 1, a102, _mm512_add_ps(a103, a104), ovw, 0);
    if (d1) {
        rt_sdx_store(d1, &bk[0], 0, a010, a011, ovw, 0);
        rt_sdx_store(d1, &bk[0], 1, a012, _mm512_add_ps(a013, a014), ovw, 0);
        rt_sdx_store(d1, &bk[1], 0, a110, a111, ovw, 0);
        rt_sdx_store(d1, &bk[1], 1, a112, _mm512_add_ps(a113, a114), ovw, 0);
    }
}

/* The 1x1 tile: four dx channels (planes d[r], NULL: not stored; weights
 * w[r]) on two blocks; the odd rows and columns are 0 (stored so when
 * p->overwrite, else left alone). Plain loads but for the last output
 * channel, as above. */
static void rt_sdx_k1(float *const d[4], const float *dy, int64_t osize, const float *const w[4],
                      int64_t ldw, int64_t m, const rt_sdx_blk *bk, int ovw)
{
    const __m512 z = _mm512_setzero_ps();
    __m512 a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
    const float *q0 = dy + bk[0].off[0], *q1 = dy + bk[1].off[0];
    int64_t oc;
    int r;
    for (r = 0; r < 4; r++)
        if (d[r])
            rt_sdx_prefetch(d[r], bk);
    for (oc = 0; oc < m; oc++) {
        const int64_t o = oc * osize;
        const __m512 v0 = oc + 1 < m ? _mm512_loadu_ps(q0 + o)
                                     : _mm512_maskz_loadu_ps(bk[0].m[0], q0 + o);
        const __m512 v1 = oc + 1 < m ? _mm512_loadu_ps(q1 + o)
                                     : _mm512_maskz_loadu_ps(bk[1].m[0], q1 + o);
        __m512 t;
#define RT_SDX_G(r) \
        t = _mm512_set1_ps(w[r][oc * ldw]); \
        a0##r = _mm512_fmadd_ps(t, v0, a0##r); \
        a1##r = _mm512_fmadd_ps(t, v1, a1##r)
        RT_SDX_G(0);
        RT_SDX_G(1);
        RT_SDX_G(2);
        RT_SDX_G(3);
#undef RT_SDX_G
    }
    for (r = 0; r < 4; r++) {
        const __m512 e0 = r == 0 ? a00 : r == 1 ? a01 : r == 2 ? a02 : a03;
        const __m512 e1 = r == 0 ? a10 : r == 1 ? a11 : r == 2 ? a12 : a13;
        if (!d[r])
            continue;
        rt_sdx_store(d[r], &bk[0], 0, e0, z, ovw, !ovw);
        rt_sdx_store(d[r], &bk[1], 0, e1, z, ovw, !ovw);
        if (ovw) {
            rt_sdx_store(d[r], &bk[0], 1, z, z, 1, 0);
            rt_sdx_store(d[r], &bk[1], 1, z, z, 1, 0);
        }
    }
}

/*
 * dx of a 3x3 pad-1 or 1x1 pad-0 stride-2 convolution (2-D, dilation 1)
 * by the tiles above, over every image and group; maps 8 or at least 9 dy
 * columns wide and of at least 32 positions. Returns 0 (having done
 * nothing) for other shapes.
 */
static __attribute__((noinline)) int rt_cbw_dx_s2(float *dx, const float *dy, const float *w,
                                                 const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t oh = p->out[1], ow = p->out[2], isize = p->in[1] * p->in[2];
    const int64_t osize = oh * ow, kk = p->k[1] * p->k[2];
    const int k3 = p->k[1] == 3 && p->k[2] == 3 && p->pad[1] == 1 && p->pad[2] == 1;
    const int k1 = p->k[1] == 1 && p->k[2] == 1 && p->pad[1] == 0 && p->pad[2] == 0;
    const int64_t nblk = ow == 8 ? (oh + 1) / 2 : oh * ((ow + 15) / 16);
    int64_t n, g, j, c;
    int d;
    for (d = 1; d < 3; d++)
        if (p->stride[d] != 2 || (p->in[d] != 2 * p->out[d] && p->in[d] != 2 * p->out[d] - 1))
            return 0;
    /* osize >= 32: a plain load of 16 lanes from anywhere in a plane ends
     * inside the next one (see rt_sdx_k3) */
    if (!(k3 || k1) || ow < 8 || osize < 32)
        return 0;
    for (n = 0; n < p->n; n++)
        for (g = 0; g < p->group; g++) {
            float *dxg = dx + (n * p->c + g * cg) * isize;
            const float *dyg = dy + (n * p->m + g * mg) * osize;
            const float *wg = w + g * mg * cg * kk;
            /* the next image's (group's) dy, a slice a tile (16 floats a line) */
            const int64_t nl = n + 1 < p->n || g + 1 < p->group ? mg * osize / 16 : 0;
            const int64_t per = nl / (((nblk + 1) / 2) * ((cg + 1) / 2)) + 1;
            int64_t pf = 0;
            for (j = 0; j < nblk; j += 2) {
                rt_sdx_blk bk[2];
                rt_sdx_block(&bk[0], j, nblk, p);
                rt_sdx_block(&bk[1], j + 1, nblk, p);
                if (k3) {
                    for (c = 0; c < cg; c += 2) {
                        const int64_t c1 = c + 1 < cg ? c + 1 : c;
                        int64_t l;
                        for (l = 0; l < per && pf < nl; l++, pf++)
                            _mm_prefetch((const char *)(dyg + mg * osize + pf * 16),
                                         _MM_HINT_T0);
                        rt_sdx_k3(dxg + c * isize, c + 1 < cg ? dxg + c1 * isize : NULL, dyg,
                                  osize, wg + c * 9, wg + c1 * 9, cg * 9, mg, bk, p->overwrite);
                    }
                } else {
                    for (c = 0; c < cg; c += 4) {
                        float *dd[4];
                        const float *ww[4];
                        int r;
                        for (r = 0; r < 4; r++) {
                            const int64_t cr = c + r < cg ? c + r : c;
                            dd[r] = c + r < cg ? dxg + cr * isize : NULL;
                            ww[r] = wg + cr;
                        }
                        rt_sdx_k1(dd, dyg, osize, ww, cg, mg, bk, p->overwrite);
                    }
                }
            }
        }
    return 1;
}
#endif

int rt_conv_backward_dx_fast(float *dx, const float *dy, const float *w, const rt_conv_params *p)
{
#ifdef RT_SIMD_AVX2
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isize = p->in[1] * p->in[2], osize = p->out[1] * p->out[2];
    const int64_t ks = p->k[1] * p->k[2];
    int64_t n, g;
    if (p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || p->dilation[1] != 1 ||
        p->dilation[2] != 1)
        return 0;
    /* small maps, any stride: as for dw (only g == 0 can refuse) */
    if (osize <= RT_CBW_SMALL && rt_cbw_dx_small(dx, dy, w, mg, cg, p)) {
        for (g = 1; g < p->group; g++)
            (void)rt_cbw_dx_small(dx + g * cg * isize, dy + g * mg * osize, w + g * mg * cg * ks,
                                  mg, cg, p);
        return 1;
    }
#ifdef RT_SIMD_AVX512
    if (rt_cbw_dx_s2(dx, dy, w, p))     /* r8sdx */
        return 1;
#endif
    if (p->stride[1] != 1 || p->stride[2] != 1)
        return 0;
#if RT_CONV_WINOGRAD
    if (rt_cbw_dx_winograd(dx, dy, w, p))
        return 1;
#endif
    for (n = 0; n < p->n; n++)
        for (g = 0; g < p->group; g++)
            if (!rt_cbw_dx(dx + (n * p->c + g * cg) * isize, dy + (n * p->m + g * mg) * osize,
                           w + g * mg * cg * ks, mg, cg, p))
                return 0;       /* the same for every image and group: only the first */
    return 1;
#else
    (void)dx; (void)dy; (void)w; (void)p;
    return 0;
#endif
}

/* Depthwise convolutions (c = m = group, 1-D or 2-D, dilation 1, at most 64
 * taps) whose planes fit the stack buffer: dx and dw (either may be NULL)
 * through rt_cbw_dwb over blocks of images, or rt_cbw_dw1 one image and
 * channel at a time; with AVX-512, 3x3 ones with pad 1 at stride 1 or 2
 * through rt_dwk_* (mbdw, no buffer). */
int rt_conv_backward_depthwise_fast(float *dx, float *dw, const float *dy, const float *x,
                                    const float *w, const rt_conv_params *p)
{
#ifdef RT_SIMD_AVX2
    const int64_t out1 = p->out[1], out2 = p->out[2];
    const int64_t h1 = (p->k[1] - 1) / p->stride[1], h2 = (p->k[2] - 1) / p->stride[2];
    const int64_t wq = out2 + h2, nph = p->stride[1] * p->stride[2];
    const int64_t kq = (out1 * wq + 7) / 8 * 8, pl = (out1 + h1) * wq + 8 + h2;
    const int64_t isize = p->in[1] * p->in[2], osize = out1 * out2, ks = p->k[1] * p->k[2];
    float buf[RT_CBW_CAP];
    int64_t n, c;
    rt_dwb_geom g;
    if (p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || p->dilation[1] != 1 ||
        p->dilation[2] != 1 || p->group != p->c || p->m != p->c || ks > 64)
        return 0;
#ifdef RT_SIMD_AVX512
    if (!p->hwc && rt_dwk_ok(p)) {     /* mbdw: 3x3, pad 1, stride 1 or 2 */
        /* blocks of images whose dy, x and dx stay in L2 between the dx
         * pass and the dw pass (dy is read by both) */
        const int64_t per = (int64_t)p->c * (2 * isize + osize) * (int64_t)sizeof(float);
        const int64_t nb = RT_DWK_L2 / per > 1 ? RT_DWK_L2 / per : 1;
        rt_conv_params q = *p;
        for (n = 0; n < p->n; n += nb) {
            const int64_t o = n * p->c;
            q.n = (int)(p->n - n < nb ? p->n - n : nb);
            if (dx && p->stride[1] == 1)
                rt_dwk_dx1(dx + o * isize, dy + o * osize, w, &q);
            else if (dx)
                rt_dwk_dx2(dx + o * isize, dy + o * osize, w, &q);
            if (dw && !rt_dwk_dw_flat(dw, dy + o * osize, x + o * isize, &q))
                rt_dwk_dw_wide(dw, dy + o * osize, x + o * isize, &q);
        }
        return 1;
    }
#endif
    if (rt_dwb_plan(&g, p)) {   /* blocks of images, one channel at a time */
        memset(buf, 0, (size_t)(g.zp + 2 * g.nb * g.sx + 3 * RT_DWB_VL) * sizeof(float));
        for (c = 0; c < p->c; c++)
            rt_cbw_dwb(dx ? dx + c * isize : NULL, dw ? dw + c * ks : NULL, dy + c * osize,
                       x + c * isize, w + c * ks, (int64_t)p->c * isize, (int64_t)p->c * osize,
                       p, &g, buf);
        return 1;
    }
    if (kq + 2 * nph * pl > RT_CBW_CAP)
        return 0;
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++)
            rt_cbw_dw1(dx ? dx + (n * p->c + c) * isize : NULL, dw ? dw + c * ks : NULL,
                       dy + (n * p->c + c) * osize, x + (n * p->c + c) * isize, w + c * ks, p,
                       buf, kq, pl);
    return 1;
#else
    (void)dx; (void)dw; (void)dy; (void)x; (void)w; (void)p;
    return 0;
#endif
}

/* ---------------------------------------------------------------- r8dw */
#ifdef RT_SIMD_AVX512
/*
 * dw of a dense 3x3 stride-1 "same" convolution by Winograd F(3x3, 2x2)
 * (r8dw): the output positions of every image are cut into 2x2 tiles; tile
 * (a, b) of dy, H (2x2), and the 4x4 window of the zero-padded input under
 * it, D (rows 2a - 1 .. 2a + 2, columns 2b - 1 .. 2b + 2), give that
 * tile's share of the 3x3 correlation as A^T [(G H G^T) . (B^T D B)] A, with
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 -1 0 1],
 *   G   = diag(1, 1/2, 1/2, 1) [1 0; 1 1; 1 -1; 0 1],
 *   A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1].
 * Summed over the tiles first, it is sixteen products (xi = (i, j) of the
 * 4x4 transforms) M_xi[m, c] = sum over tiles U_xi[tile, m] V_xi[tile, c]
 * (U from dy, V from x): 16 products a tile for 36 taps, 2.25x fewer than
 * the direct dw. The diagonal of G is applied to M, and the output
 * transform A^T M A once per (m, c) at the end.
 *
 * Blocks: L = 16 or 32 output channels (the lanes of U) by cb = 16 or 32
 * input channels (the broadcast side, V), with M [16][cb][L] held for the
 * whole batch; K runs over blocks of tiles (whole images when they fit,
 * else rows of tiles of one image). Per block, dy is transposed (t16) into
 * Hb [tile][4][L] and the padded input rows into Xt [image][row][column][cb]
 * (zeros in the padding), and for each transform row i, U_(i, j) [tile][L]
 * and V_(i, j) [tile][cb] are built for the four j (both transforms hold
 * 0 and +-1 only) and multiplied (rt_cbw_wd32: 8 columns x 32 lanes,
 * rt_cbw_wd16: 16 x 16, the sums kept in registers over the block).
 * Everything lives in one stack buffer of RT_CBW_WDCAP floats (128 KB).
 * Sums run in a different order from the direct path's and through
 * transforms whose entries are 0, +-1 and 1/2: the same worst-case bound
 * (see tests/runtime/test_grad_conv.c).
 */
#define RT_CBW_WDCAP 32768      /* floats of the Winograd dw's stack buffer (128 KB) */
#define RT_CBW_WDM 16384        /* of which at most this many hold M            */
/* r8dwt: at most this many floats (48 KB, the L1 data cache of the AVX-512
 * machines we measure on) of Hb, U, V and Xt a block of tiles: U and V are
 * written and read back at once, and a block four times larger than L1
 * (the previous limit, the whole buffer) sent them through L2: ResNet-8's
 * 32x32 16-channel layers took 1.08-1.09 ms each, 0.73-0.78 ms with it */
#define RT_CBW_WDL1 12288

/* acc[j * 32 + l] += sum over k < kt of v[k * ldv + j] u[k * 32 + l], for
 * j < 8 and l < 32 (acc and u 64-byte aligned). */
RT_CBW_NOINLINE static void rt_cbw_wd32(float *acc, const float *u, const float *v,
                                        int64_t ldv, int64_t kt)
{
#define RT_CBW_WL(j) __m512 a##j = _mm512_load_ps(acc + (j) * 32), \
    b##j = _mm512_load_ps(acc + (j) * 32 + 16)
    RT_CBW_WL(0); RT_CBW_WL(1); RT_CBW_WL(2); RT_CBW_WL(3);
    RT_CBW_WL(4); RT_CBW_WL(5); RT_CBW_WL(6); RT_CBW_WL(7);
#undef RT_CBW_WL
    int64_t k;
    for (k = 0; k < kt; k++) {
        const __m512 y0 = _mm512_load_ps(u + k * 32), y1 = _mm512_load_ps(u + k * 32 + 16);
        const float *vk = v + k * ldv;
        __m512 t;
#define RT_CBW_WF(j) t = _mm512_set1_ps(vk[j]); \
        a##j = _mm512_fmadd_ps(t, y0, a##j); b##j = _mm512_fmadd_ps(t, y1, b##j)
        RT_CBW_WF(0); RT_CBW_WF(1); RT_CBW_WF(2); RT_CBW_WF(3);
        RT_CBW_WF(4); RT_CBW_WF(5); RT_CBW_WF(6); RT_CBW_WF(7);
#undef RT_CBW_WF
    }
#define RT_CBW_WS(j) _mm512_store_ps(acc + (j) * 32, a##j); \
    _mm512_store_ps(acc + (j) * 32 + 16, b##j)
    RT_CBW_WS(0); RT_CBW_WS(1); RT_CBW_WS(2); RT_CBW_WS(3);
    RT_CBW_WS(4); RT_CBW_WS(5); RT_CBW_WS(6); RT_CBW_WS(7);
#undef RT_CBW_WS
}

/* The same with 16 lanes and 16 columns: acc[j * 16 + l] += sum over k of
 * v[k * ldv + j] u[k * 16 + l], j, l < 16. */
RT_CBW_NOINLINE static void rt_cbw_wd16(float *acc, const float *u, const float *v,
                                        int64_t ldv, int64_t kt)
{
#define RT_CBW_WL(j) __m512 a##j = _mm512_load_ps(acc + (j) * 16)
    RT_CBW_WL(0); RT_CBW_WL(1); RT_CBW_WL(2); RT_CBW_WL(3);
    RT_CBW_WL(4); RT_CBW_WL(5); RT_CBW_WL(6); RT_CBW_WL(7);
    RT_CBW_WL(8); RT_CBW_WL(9); RT_CBW_WL(10); RT_CBW_WL(11);
    RT_CBW_WL(12); RT_CBW_WL(13); RT_CBW_WL(14); RT_CBW_WL(15);
#undef RT_CBW_WL
    int64_t k;
    for (k = 0; k < kt; k++) {
        const __m512 y0 = _mm512_load_ps(u + k * 16);
        const float *vk = v + k * ldv;
#define RT_CBW_WF(j) a##j = _mm512_fmadd_ps(_mm512_set1_ps(vk[j]), y0, a##j)
        RT_CBW_WF(0); RT_CBW_WF(1); RT_CBW_WF(2); RT_CBW_WF(3);
        RT_CBW_WF(4); RT_CBW_WF(5); RT_CBW_WF(6); RT_CBW_WF(7);
        RT_CBW_WF(8); RT_CBW_WF(9); RT_CBW_WF(10); RT_CBW_WF(11);
        RT_CBW_WF(12); RT_CBW_WF(13); RT_CBW_WF(14); RT_CBW_WF(15);
#undef RT_CBW_WF
    }
#define RT_CBW_WS(j) _mm512_store_ps(acc + (j) * 16, a##j)
    RT_CBW_WS(0); RT_CBW_WS(1); RT_CBW_WS(2); RT_CBW_WS(3);
    RT_CBW_WS(4); RT_CBW_WS(5); RT_CBW_WS(6); RT_CBW_WS(7);
    RT_CBW_WS(8); RT_CBW_WS(9); RT_CBW_WS(10); RT_CBW_WS(11);
    RT_CBW_WS(12); RT_CBW_WS(13); RT_CBW_WS(14); RT_CBW_WS(15);
#undef RT_CBW_WS
}

/* acc [cb][lanes] += the product of u [kt][lanes] and v [kt][cb] (row
 * stride cb): rt_cbw_wd32 over 8 columns at a time for 32 lanes,
 * rt_cbw_wd16 over 16 for 16 lanes. */
static inline void rt_cbw_wd_block(float *acc, const float *u, const float *v, int64_t cb,
                                   int64_t kt, int64_t lanes)
{
    int64_t jc;
    if (lanes == 32)
        for (jc = 0; jc < cb; jc += 8)
            rt_cbw_wd32(acc + jc * 32, u, v + jc, cb, kt);
    else
        for (jc = 0; jc < cb; jc += 16)
            rt_cbw_wd16(acc + jc * 16, u, v + jc, cb, kt);
}

/* Transposes rows of channels into lanes: for the nc <= 16 rows s + r * lds
 * (r < nc; the rest read as zeros) and columns v < nv, d[v * ldd] = the
 * sixteen rows' values at column v (64-byte aligned), sixteen columns at a
 * time through rt_cbw_t16. */
static void rt_cbw_wd_t(float *d, int64_t ldd, const float *s, int64_t lds, int64_t nc,
                        int64_t nv)
{
    int64_t v0 = 0, r, k;
    if (nc == 16)           /* r8dwt: whole blocks without masks or zero rows */
        for (; v0 + 16 <= nv; v0 += 16) {
            __m512 t[16];
            for (r = 0; r < 16; r++)
                t[r] = _mm512_loadu_ps(s + r * lds + v0);
            rt_cbw_t16(t);
            for (k = 0; k < 16; k++)
                _mm512_store_ps(d + (v0 + k) * ldd, t[k]);
        }
    for (; v0 < nv; v0 += 16) {
        const int64_t nn = nv - v0 < 16 ? nv - v0 : 16;
        const __mmask16 mk = (__mmask16)(nn == 16 ? 0xFFFF : (1u << nn) - 1u);
        __m512 t[16];
        for (r = 0; r < 16; r++)
            t[r] = r < nc ? _mm512_maskz_loadu_ps(mk, s + r * lds + v0) : _mm512_setzero_ps();
        rt_cbw_t16(t);
        for (k = 0; k < nn; k++)
            _mm512_store_ps(d + (v0 + k) * ldd, t[k]);
    }
}

/* The transform rows of B^T: row i of B^T applied to (d0, d1, d2, d3). */
static inline __m512 rt_cbw_bt(int i, __m512 d0, __m512 d1, __m512 d2, __m512 d3)
{
    switch (i) {
    case 0: return _mm512_sub_ps(d0, d2);
    case 1: return _mm512_add_ps(d1, d2);
    case 2: return _mm512_sub_ps(d2, d1);
    default: return _mm512_sub_ps(d3, d1);
    }
}

/* Row i of [1 0; 1 1; 1 -1; 0 1] applied to (h0, h1). */
static inline __m512 rt_cbw_gt(int i, __m512 h0, __m512 h1)
{
    switch (i) {
    case 0: return h0;
    case 1: return _mm512_add_ps(h0, h1);
    case 2: return _mm512_sub_ps(h0, h1);
    default: return h1;
    }
}

/*
 * Row i of the transforms for a block of nr rows of tiles (tw tiles each):
 * U_(i, j)[k][lanes] (u4 + j * kmax * lanes) from Hb, and V_(i, j)[k][cb]
 * (v4 + j * kmax * cb) from Xt, for j < 4 and tiles k = row * tw + col.
 * Inlined with i a constant; along a row of tiles the last two columns of
 * B^T_i D become the next tile's first two.
 */
static inline __attribute__((always_inline)) void
rt_cbw_wd_uv(int i, float *u4, float *v4, const float *hb, const float *xt, int64_t kmax,
             int64_t lanes, int64_t cb, int64_t nr, int64_t tw, int64_t wd, int64_t xrows,
             int64_t rr)
{
    const int64_t wp = wd + 2;
    int64_t row, k, g;
    for (row = 0; row < nr; row++) {
        const float *h0 = hb + row * 2 * wd * lanes;
        /* the image's Xt rows start xrows apart; tile row a at its row 2 a */
        const float *x0 = xt + ((row / rr) * xrows + 2 * (row % rr)) * wp * cb;
        for (k = 0; k < tw; k++) {
            const int64_t kk = row * tw + k;
            for (g = 0; g < lanes; g += 16) {
                const float *hk = h0 + 2 * k * lanes + g;
                const __m512 g0 = rt_cbw_gt(i, _mm512_load_ps(hk), _mm512_load_ps(hk + wd * lanes));
                const __m512 g1 = rt_cbw_gt(i, _mm512_load_ps(hk + lanes),
                                            _mm512_load_ps(hk + wd * lanes + lanes));
                _mm512_store_ps(u4 + kk * lanes + g, g0);
                _mm512_store_ps(u4 + (kmax + kk) * lanes + g, _mm512_add_ps(g0, g1));
                _mm512_store_ps(u4 + (2 * kmax + kk) * lanes + g, _mm512_sub_ps(g0, g1));
                _mm512_store_ps(u4 + (3 * kmax + kk) * lanes + g, g1);
            }
        }
        for (g = 0; g < cb; g += 16) {
            const float *q = x0 + g;
#define RT_CBW_XQ(col) rt_cbw_bt(i, _mm512_load_ps(q + (col) * cb), \
                                 _mm512_load_ps(q + wp * cb + (col) * cb), \
                                 _mm512_load_ps(q + 2 * wp * cb + (col) * cb), \
                                 _mm512_load_ps(q + 3 * wp * cb + (col) * cb))
            __m512 r0 = RT_CBW_XQ(0), r1 = RT_CBW_XQ(1);
            for (k = 0; k < tw; k++) {
                const __m512 r2 = RT_CBW_XQ(2 * k + 2), r3 = RT_CBW_XQ(2 * k + 3);
                float *d = v4 + (row * tw + k) * cb + g;
                _mm512_store_ps(d, _mm512_sub_ps(r0, r2));
                _mm512_store_ps(d + kmax * cb, _mm512_add_ps(r1, r2));
                _mm512_store_ps(d + 2 * kmax * cb, _mm512_sub_ps(r2, r1));
                _mm512_store_ps(d + 3 * kmax * cb, _mm512_sub_ps(r3, r1));
                r0 = r2;
                r1 = r3;
            }
#undef RT_CBW_XQ
        }
    }
}

static int rt_cbw_dw_wino(float *dw, float *db, const float *dy, const float *x,
                          const rt_conv_params *p)
{
    const int64_t c = p->c, m = p->m, h = p->in[1], wd = p->in[2], hw = h * wd;
    const int64_t th = h / 2, tw = wd / 2, wp = wd + 2;
    const int64_t lanes = m > 16 ? 32 : 16, cb = c >= 32 && lanes == 16 * 2 ? 32 : 16;
    const int64_t mcap = 16 * cb * lanes;
    float bufa[RT_CBW_WDCAP + 16];
    float *buf = bufa + (16 - (int64_t)(((uintptr_t)bufa / sizeof(float)) % 16)) % 16;
    float *mb = buf, *hb, *u4, *v4, *xt;
    int64_t rb = th, nb = 1, cap = RT_CBW_WDL1, kmax, m0, c0, n0, a0;

    if (p->group != 1 || p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || p->k[1] != 3 ||
        p->k[2] != 3 || p->stride[1] != 1 || p->stride[2] != 1 || p->dilation[1] != 1 ||
        p->dilation[2] != 1 || p->pad[1] != 1 || p->pad[2] != 1 || p->out[1] != h ||
        p->out[2] != wd || h % 2 != 0 || wd % 2 != 0 || h < 2 || wd < 2 || m < 16 || c < 16)
        return 0;
    /* K blocks: rows of tiles of one image, or whole images (at most 128
     * tiles), Hb, U, V and Xt within RT_CBW_WDL1 */
#define RT_CBW_WORK(b, r) ((b) * (r) * tw * (8 * lanes + 4 * cb) + (b) * (2 * (r) + 2) * wp * cb)
    if (RT_CBW_WORK(1, 1) > cap)        /* wide maps: a row of tiles a block, in L2 */
        cap = RT_CBW_WDCAP - mcap;
    while (rb > 1 && RT_CBW_WORK(1, rb) > cap)
        rb--;
    if (RT_CBW_WORK(1, rb) > cap || mcap > RT_CBW_WDM)
        return 0;
    if (rb == th)
        while (nb < p->n && RT_CBW_WORK(nb + 1, rb) <= cap && (nb + 1) * th * tw <= 128)
            nb++;
#undef RT_CBW_WORK
    kmax = nb * rb * tw;
    hb = mb + mcap;
    u4 = hb + kmax * 4 * lanes;
    v4 = u4 + 4 * kmax * lanes;
    xt = v4 + 4 * kmax * cb;

    for (m0 = 0; m0 < m; m0 += lanes) {
        const int64_t mc = m - m0 < lanes ? m - m0 : lanes;
        /* db: the four entries' sums of every tile of Hb (the first c block) */
        __m512 sb[4][2];
        int64_t e;
        for (e = 0; e < 4; e++)
            sb[e][0] = sb[e][1] = _mm512_setzero_ps();
        for (c0 = 0; c0 < c; c0 += cb) {
            const int64_t cc = c - c0 < cb ? c - c0 : cb;
            int64_t ic, l, xi;
            memset(mb, 0, (size_t)mcap * sizeof(float));
            for (n0 = 0; n0 < p->n; n0 += nb) {
                const int64_t nbc = p->n - n0 < nb ? p->n - n0 : nb;
                for (a0 = 0; a0 < th; a0 += rb) {
                    const int64_t rr = th - a0 < rb ? th - a0 : rb, kt = nbc * rr * tw;
                    const int64_t xrows = 2 * rr + 2;
                    int64_t b, a, u, g, r, i, j;
                    /* Hb [b][a][u][column][lanes]: dy rows 2 (a0 + a) + u, transposed */
                    for (b = 0; b < nbc; b++)
                        for (a = 0; a < rr; a++)
                            for (u = 0; u < 2; u++)
                                for (g = 0; g < lanes; g += 16)
                                    rt_cbw_wd_t(hb + (((b * rr + a) * 2 + u) * wd) * lanes + g, lanes,
                                                dy + ((n0 + b) * m + m0 + g) * hw +
                                                    (2 * (a0 + a) + u) * wd,
                                                hw, mc - g < 16 ? (mc - g > 0 ? mc - g : 0) : 16, wd);
                    if (db && c0 == 0)
                        for (r = 0; r < nbc * rr; r++)
                            for (e = 0; e < 2 * wd; e++)
                                for (g = 0; g < lanes; g += 16)
                                    sb[e % 4][g / 16] = _mm512_add_ps(
                                        sb[e % 4][g / 16],
                                        _mm512_load_ps(hb + (r * 2 * wd + e) * lanes + g));
                    /* Xt [b][row][col][cb]: x rows 2 a0 - 1 .. 2 (a0 + rr), zero padded */
                    for (b = 0; b < nbc; b++)
                        for (r = 0; r < xrows; r++) {
                            const int64_t i1 = 2 * a0 - 1 + r;
                            float *d = xt + (b * xrows + r) * wp * cb;
                            if (i1 < 0 || i1 >= h) {
                                memset(d, 0, (size_t)(wp * cb) * sizeof(float));
                                continue;
                            }
                            memset(d, 0, (size_t)cb * sizeof(float));
                            memset(d + (wp - 1) * cb, 0, (size_t)cb * sizeof(float));
                            for (g = 0; g < cb; g += 16)
                                rt_cbw_wd_t(d + cb + g, cb, x + ((n0 + b) * c + c0 + g) * hw + i1 * wd,
                                            hw, cc - g < 16 ? (cc - g > 0 ? cc - g : 0) : 16, wd);
                        }
                    for (i = 0; i < 4; i++) {
                        /* U_(i, j) = G'_j (G'_i H) and V_(i, j) = B^T_j (B^T_i D), the
                         * row i a constant in each copy */
                        switch (i) {
                        case 0: rt_cbw_wd_uv(0, u4, v4, hb, xt, kmax, lanes, cb, nbc * rr, tw, wd, xrows, rr); break;
                        case 1: rt_cbw_wd_uv(1, u4, v4, hb, xt, kmax, lanes, cb, nbc * rr, tw, wd, xrows, rr); break;
                        case 2: rt_cbw_wd_uv(2, u4, v4, hb, xt, kmax, lanes, cb, nbc * rr, tw, wd, xrows, rr); break;
                        default: rt_cbw_wd_uv(3, u4, v4, hb, xt, kmax, lanes, cb, nbc * rr, tw, wd, xrows, rr); break;
                        }
                        for (j = 0; j < 4; j++) {
                            float *mx = mb + (i * 4 + j) * cb * lanes;
                            rt_cbw_wd_block(mx, u4 + j * kmax * lanes, v4 + j * kmax * cb, cb,
                                            kt, lanes);
                        }
                    }
                }
            }
            /* dw[m0 + l, c0 + ic] += A^T diag(s) M diag(s) A, s = (1, 1/2, 1/2, 1) */
            for (ic = 0; ic < cc; ic++)
                for (l = 0; l < mc; l += 16) {
                    static const float sc[4] = { 1.0f, 0.5f, 0.5f, 1.0f };
                    __m512 z[4][3], yv[9];
                    float out[9][16];
                    int64_t t, q;
                    for (xi = 0; xi < 4; xi++) {
                        __m512 mv[4];
                        for (q = 0; q < 4; q++)
                            mv[q] = _mm512_mul_ps(
                                _mm512_set1_ps(sc[xi] * sc[q]),
                                _mm512_load_ps(mb + ((xi * 4 + q) * cb + ic) * lanes + l));
                        z[xi][0] = _mm512_add_ps(_mm512_add_ps(mv[0], mv[1]), mv[2]);
                        z[xi][1] = _mm512_sub_ps(mv[1], mv[2]);
                        z[xi][2] = _mm512_add_ps(_mm512_add_ps(mv[1], mv[2]), mv[3]);
                    }
                    for (t = 0; t < 3; t++) {
                        yv[t] = _mm512_add_ps(_mm512_add_ps(z[0][t], z[1][t]), z[2][t]);
                        yv[3 + t] = _mm512_sub_ps(z[1][t], z[2][t]);
                        yv[6 + t] = _mm512_add_ps(_mm512_add_ps(z[1][t], z[2][t]), z[3][t]);
                    }
                    for (t = 0; t < 9; t++)
                        _mm512_storeu_ps(out[t], yv[t]);
                    for (e = 0; e < 16 && l + e < mc; e++)
                        for (t = 0; t < 9; t++)
                            dw[((m0 + l + e) * c + c0 + ic) * 9 + t] += out[t][e];
                }
        }
        if (db) {
            float sv[32];
            int64_t l;
            for (e = 0; e < 2; e++)
                _mm512_storeu_ps(sv + 16 * e, _mm512_add_ps(_mm512_add_ps(sb[0][e], sb[1][e]),
                                                             _mm512_add_ps(sb[2][e], sb[3][e])));
            for (l = 0; l < mc; l++)
                db[m0 + l] += sv[l];
        }
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX512
/* r8dw: dy's output channels m0 .. m0 + mc of the block of (image, output
 * row) units q0 .. q0 + nr transposed into U [unit position][lanes] (each
 * image's rows one run of its planes; lanes past mc zero), and with sum_db
 * U's rows added to the db sums sb0 (lanes 0-15) and sb1 (16-31). */
static inline void rt_cbw_wd_ublock(float *u, int64_t lanes, const float *dy, int64_t m,
                                    int64_t m0, int64_t mc, int64_t osize, int64_t out1,
                                    int64_t out2, int64_t q0, int64_t nr, int sum_db,
                                    __m512 *sb0, __m512 *sb1)
{
    int64_t r, g;
    for (r = 0; r < nr;) {
        const int64_t n = (q0 + r) / out1, o1 = (q0 + r) % out1;
        const int64_t rn = out1 - o1 < nr - r ? out1 - o1 : nr - r;
        for (g = 0; g < lanes; g += 16)
            rt_cbw_wd_t(u + r * out2 * lanes + g, lanes,
                        dy + (n * m + m0 + g) * osize + o1 * out2, osize,
                        mc - g < 16 ? (mc - g > 0 ? mc - g : 0) : 16, rn * out2);
        r += rn;
    }
    if (sum_db)
        for (r = 0; r < nr * out2; r++) {
            *sb0 = _mm512_add_ps(*sb0, _mm512_load_ps(u + r * lanes));
            if (lanes == 32)
                *sb1 = _mm512_add_ps(*sb1, _mm512_load_ps(u + r * lanes + 16));
        }
}

/*
 * dw += dy x_s^T of a strided 1x1 unpadded convolution (r8dw; ResNet-8's
 * shortcuts), x_s = x at the rows and columns the stride keeps: dy's rows
 * transposed into U [position][lanes] (16 or 32 output channels) and x's
 * kept rows transposed, every s2-th column kept, into V [position][cb]
 * (cb = 16 or 32 input channels), then the outer-product tiles of the
 * Winograd dw (rt_cbw_wd32, rt_cbw_wd16) over blocks of whole output rows
 * (across images, about 64 positions), the sums [cb][lanes] added to dw at
 * the end; db (unless NULL) sums U's rows (the first block of input
 * channels). The same stack buffer as rt_cbw_dw_wino. Returns 0 for other
 * shapes.
 */
static int rt_cbw_dw_1x1s(float *dw, float *db, const float *dy, const float *x,
                          const rt_conv_params *p)
{
    const int64_t c = p->c, m = p->m, in1 = p->in[1], in2 = p->in[2];
    const int64_t out1 = p->out[1], out2 = p->out[2], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t isize = in1 * in2, osize = out1 * out2;
    const int64_t lanes = m > 16 ? 32 : 16, cb = c > 16 && lanes == 32 ? 32 : 16;
    /* r8dwt: output rows a block, about 64 positions (U and V 12 KB or
     * less, in L1: ResNet-8's shortcuts 0.19 -> 0.16-0.17 ms and 0.13 ->
     * 0.115 ms against 512 positions) */
    const int64_t rows = 64 / out2 > 0 ? 64 / out2 : 1;
    const int64_t kmax = rows * out2, nrow = (int64_t)p->n * out1;
    float bufa[RT_CBW_WDCAP + 16];
    float *buf = bufa + (16 - (int64_t)(((uintptr_t)bufa / sizeof(float)) % 16)) % 16;
    float *acc = buf, *u = acc + cb * lanes, *v = u + kmax * lanes, *tmp = v + kmax * cb;
    int64_t m0, c0, q0;

    if (p->group != 1 || p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || p->k[1] != 1 ||
        p->k[2] != 1 || p->pad[1] != 0 || p->pad[2] != 0 || (s1 == 1 && s2 == 1) ||
        p->dilation[1] != 1 || p->dilation[2] != 1 || m < 16 || c < 8 || out2 > 512 ||
        (out1 - 1) * s1 >= in1 || (out2 - 1) * s2 >= in2 ||
        cb * lanes + kmax * (lanes + cb) + 256 > RT_CBW_WDCAP)
        return 0;
    for (m0 = 0; m0 < m; m0 += lanes) {
        const int64_t mc = m - m0 < lanes ? m - m0 : lanes;
        __m512 sb0 = _mm512_setzero_ps(), sb1 = _mm512_setzero_ps();
        for (c0 = 0; c0 < c; c0 += cb) {
            const int64_t cc = c - c0 < cb ? c - c0 : cb;
            int64_t ic, l;
            memset(acc, 0, (size_t)(cb * lanes) * sizeof(float));
            for (q0 = 0; q0 < nrow; q0 += rows) {       /* (image, output row) units */
                const int64_t nr = nrow - q0 < rows ? nrow - q0 : rows, kt = nr * out2;
                int64_t r, g;
                /* U: each image's rows in the block are one run of its planes */
                rt_cbw_wd_ublock(u, lanes, dy, m, m0, mc, osize, out1, out2, q0, nr,
                                 db && c0 == 0, &sb0, &sb1);
                for (r = 0; r < nr; r++) {
                    const int64_t n = (q0 + r) / out1, o1 = (q0 + r) % out1;
                    for (g = 0; g < cb; g += 16) {
                        const float *xr = x + (n * c + c0 + g) * isize + o1 * s1 * in2;
                        const int64_t nc = cc - g < 16 ? (cc - g > 0 ? cc - g : 0) : 16;
                        int64_t v0, k;
                        for (v0 = 0; v0 < (out2 - 1) * s2 + 1; v0 += 16) {
                            const int64_t nv = in2 - v0 < 16 ? in2 - v0 : 16;
                            rt_cbw_wd_t(tmp, 16, xr + v0, isize, nc, nv);
                            for (k = (s2 - v0 % s2) % s2; k < nv && (v0 + k) / s2 < out2; k += s2)
                                _mm512_store_ps(v + (r * out2 + (v0 + k) / s2) * cb + g,
                                                _mm512_load_ps(tmp + k * 16));
                        }
                    }
                }
                rt_cbw_wd_block(acc, u, v, cb, kt, lanes);
            }
            for (ic = 0; ic < cc; ic++)
                for (l = 0; l < mc; l++)
                    dw[(m0 + l) * c + c0 + ic] += acc[ic * lanes + l];
        }
        if (db) {
            float sv[32];
            int64_t l;
            _mm512_storeu_ps(sv, sb0);
            _mm512_storeu_ps(sv + 16, sb1);
            for (l = 0; l < mc; l++)
                db[m0 + l] += sv[l];
        }
    }
    return 1;
}

/*
 * dw += dy x_col^T of a strided dense 2-D convolution (r8dw; ResNet-8's
 * stride-2 3x3 layers) as outer products of transposed copies, tap by
 * tap: for a block of output rows (across images), dy's rows transposed
 * into U [position][lanes] (16 or 32 output channels) once, the input rows
 * they read transposed into Xt [input row][padded column][cb] (each
 * image's rows once; zeros in the padding), and for each tap t, V_t [position][cb] copied
 * out of Xt (a vector a position) and multiplied into that tap's sums
 * [cb][lanes] with the Winograd dw's tiles. U and Xt serve every tap; no
 * phase planes (rt_cbw_dw). db (unless NULL) sums U's rows. Up to 9 taps,
 * padding below the kernel, 16 or more output and input channels; the same
 * stack buffer as rt_cbw_dw_wino. Returns 0 for other shapes.
 */
static int rt_cbw_dw_tx(float *dw, float *db, const float *dy, const float *x,
                          const rt_conv_params *p)
{
    const int64_t c = p->c, m = p->m, in1 = p->in[1], in2 = p->in[2];
    const int64_t out1 = p->out[1], out2 = p->out[2], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], p1 = p->pad[1], p2 = p->pad[2], ks = k1 * k2;
    const int64_t isize = in1 * in2, osize = out1 * out2;
    const int64_t lanes = m > 16 ? 32 : 16, cb = c > 16 && lanes == 32 ? 32 : 16;
    const int64_t wpad = (out2 - 1) * s2 + k2, nrow = (int64_t)p->n * out1;
    const int64_t accn = ks * cb * lanes;
    float bufa[RT_CBW_WDCAP + 16];
    float *buf = bufa + (16 - (int64_t)(((uintptr_t)bufa / sizeof(float)) % 16)) % 16;
    float *acc = buf, *u, *v, *xt;
    const int64_t kr = s1 > k1 ? s1 : k1;   /* Xt rows a unit, at most */
    int64_t rows = 256 / out2, kmax, m0, c0, q0, lo2, hi2;
    int32_t ubase[256];     /* unit r's kernel row t1 is Xt row ubase[r] + t1 */

    if (p->group != 1 || p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 ||
        (s1 == 1 && s2 == 1) || p->dilation[1] != 1 || p->dilation[2] != 1 || ks > 9 ||
        m < 16 || c < 16 || out2 > 256 || p1 >= k1 || p2 >= k2)
        return 0;
#define RT_CBW_TW(r) (accn + (r) * out2 * (lanes + cb) + (r) * kr * wpad * cb + 256)
    while (rows > 1 && RT_CBW_TW(rows) > RT_CBW_WDCAP)
        rows--;
    if (rows < 1 || RT_CBW_TW(rows) > RT_CBW_WDCAP)
        return 0;
#undef RT_CBW_TW
    kmax = rows * out2;
    u = acc + accn;
    v = u + kmax * lanes;
    xt = v + kmax * cb;
    /* the padded columns j = i2 + p2 that hold input: [lo2, hi2) */
    lo2 = p2;
    hi2 = in2 + p2 < wpad ? in2 + p2 : wpad;
    for (m0 = 0; m0 < m; m0 += lanes) {
        const int64_t mc = m - m0 < lanes ? m - m0 : lanes;
        __m512 sb0 = _mm512_setzero_ps(), sb1 = _mm512_setzero_ps();
        for (c0 = 0; c0 < c; c0 += cb) {
            const int64_t cc = c - c0 < cb ? c - c0 : cb;
            int64_t ic, l, t;
            memset(acc, 0, (size_t)accn * sizeof(float));
            for (q0 = 0; q0 < nrow; q0 += rows) {       /* (image, output row) units */
                const int64_t nr = nrow - q0 < rows ? nrow - q0 : rows, kt = nr * out2;
                int64_t r, g, t1, t2, o2, xn;
                /* U: each image's rows in the block are one run of its planes */
                rt_cbw_wd_ublock(u, lanes, dy, m, m0, mc, osize, out1, out2, q0, nr,
                                 db && c0 == 0, &sb0, &sb1);
                /* Xt: unit r's kernel row t1 is input row o1 s1 - p1 + t1; r8dwt:
                 * each image's rows in the block once (o1_first s1 - p1 ..
                 * o1_last s1 - p1 + k1 - 1: at stride 2 the rows two output rows
                 * share were transposed twice), unit r's at ubase[r] */
                for (r = 0, xn = 0; r < nr;) {
                    const int64_t n = (q0 + r) / out1, o1 = (q0 + r) % out1;
                    const int64_t nu = out1 - o1 < nr - r ? out1 - o1 : nr - r;
                    const int64_t nx = (nu - 1) * s1 + k1, lo = o1 * s1 - p1;
                    int64_t e;
                    for (e = 0; e < nu; e++)
                        ubase[r + e] = (int32_t)(xn + e * s1);
                    for (t1 = 0; t1 < nx; t1++) {
                        const int64_t i1 = lo + t1;
                        float *d = xt + (xn + t1) * wpad * cb;
                        if (i1 < 0 || i1 >= in1) {
                            memset(d, 0, (size_t)(wpad * cb) * sizeof(float));
                            continue;
                        }
                        memset(d, 0, (size_t)(lo2 * cb) * sizeof(float));
                        memset(d + hi2 * cb, 0, (size_t)((wpad - hi2) * cb) * sizeof(float));
                        for (g = 0; g < cb; g += 16)
                            rt_cbw_wd_t(d + lo2 * cb + g, cb,
                                        x + (n * c + c0 + g) * isize + i1 * in2, isize,
                                        cc - g < 16 ? (cc - g > 0 ? cc - g : 0) : 16,
                                        hi2 - lo2);
                    }
                    r += nu;
                    xn += nx;
                }
                for (t1 = 0; t1 < k1; t1++)
                    for (t2 = 0; t2 < k2; t2++) {
                        float *at = acc + (t1 * k2 + t2) * cb * lanes;
                        for (r = 0; r < nr; r++) {
                            const float *sr = xt + (ubase[r] + t1) * wpad * cb + t2 * cb;
                            float *dv = v + r * out2 * cb;
                            for (o2 = 0; o2 < out2; o2++)
                                for (g = 0; g < cb; g += 16)
                                    _mm512_store_ps(dv + o2 * cb + g,
                                                    _mm512_load_ps(sr + o2 * s2 * cb + g));
                        }
                        rt_cbw_wd_block(at, u, v, cb, kt, lanes);
                    }
            }
            for (t = 0; t < ks; t++)
                for (ic = 0; ic < cc; ic++)
                    for (l = 0; l < mc; l++)
                        dw[((m0 + l) * c + c0 + ic) * ks + t] +=
                            acc[(t * cb + ic) * lanes + l];
        }
        if (db) {
            float sv[32];
            int64_t l;
            _mm512_storeu_ps(sv, sb0);
            _mm512_storeu_ps(sv + 16, sb1);
            for (l = 0; l < mc; l++)
                db[m0 + l] += sv[l];
        }
    }
    return 1;
}
#endif

/* r8dw: dw (and db unless NULL) by Winograd where rt_cbw_dw_wino takes the
 * shape (AVX-512). */
int rt_conv_backward_dw_winograd(float *dw, float *db, const float *dy, const float *x,
                                 const rt_conv_params *p)
{
#ifdef RT_SIMD_AVX512
    return rt_cbw_dw_wino(dw, db, dy, x, p) || rt_cbw_dw_1x1s(dw, db, dy, x, p) ||
           rt_cbw_dw_tx(dw, db, dy, x, p);
#else
    (void)dw; (void)db; (void)dy; (void)x; (void)p;
    return 0;
#endif
}
