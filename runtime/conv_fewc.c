/*
 * conv_fewc.c - dense 3x3 stride-1 convolutions with few input channels
 * (c <= 4: the first layer of an image network, c = 3 for RGB) on AVX-512.
 *
 * With c * 9 = 27 taps the reduction of the matrix-product view is short:
 * rt_conv_gemm_planes copies the input into phase planes and finishes an
 * 8 x 32 tile after 27 steps, so copies, stores and edges take a large
 * share of the time (ResNet-8's first layer ran at 60-67% of the sgemm
 * peak). Here the output is computed straight from x. A register tile holds
 * RT_FC_M = 4 output channels x 4 vectors of 16 output positions (2 rows x
 * 2 column blocks, or 4 rows x 1 block): 16 accumulators started at the
 * bias. Each tap (ic, t, u) broadcasts the 4 channels' weights once and
 * loads each of the 4 input vectors once (8 loads for 16 FMAs); the input
 * vector of tile row i is the run of input row o + t - pad1 from column
 * j0 + u - pad2. Padding costs no copy and no masked load (a masked load
 * takes an FMA port on this core: 10% of the layer): the load is plain and
 * the FMA is masked to the lanes whose input column lies in the row; the
 * lanes outside read the neighbouring row, or for the first and the last
 * row of the image, which could read outside x, a copy of that row with a
 * margin. Rows above or below the input read a row of zeros. The epilogue
 * adds the residual (accumulate), applies ReLU and stores the valid lanes
 * of y [m, out1, out2]: the usual layout. Other activations run over y at
 * the end, as in rt_conv_forward.
 */
#include <string.h>

#include "rt_impl.h"

#ifdef RT_SIMD_AVX512
#include <immintrin.h>

#define RT_FC_M 4               /* output channels of a register tile */
#define RT_FC_S 4               /* vectors of 16 positions of a register tile */
#define RT_FC_WMAX 256          /* widest input and output row */
#define RT_FC_ML 16             /* floats before a row copy or the zero row */
#define RT_FC_LEN (RT_FC_ML + RT_FC_WMAX + 48) /* a row copy or the zero row */

/* What rows outside the input read: loads start at most RT_FC_ML before a
 * row (column -pad2 >= -2 here) and end before column
 * 16 * ceil(out2 / 16) + 2 <= RT_FC_WMAX + 18. */
static const float rt_fc_zero[RT_FC_LEN];

/* The lanes l of a vector at output column j0 whose input column
 * j0 + l + d lies in [0, in2) and whose output column j0 + l < out2. */
static __mmask16 rt_fc_mask(int64_t j0, int64_t d, int64_t in2, int64_t out2)
{
    int64_t lo = -d - j0, hi = in2 - d - j0;  /* lanes [lo, hi) */
    if (hi > out2 - j0)
        hi = out2 - j0;
    if (lo < 0)
        lo = 0;
    if (hi > 16)
        hi = 16;
    if (hi <= lo)
        return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/*
 * One register tile: output channels oc0 .. oc0 + mr (mr <= 4; the rest
 * compute channel oc0 + mr - 1 again and are not stored), rows o0 .. o0 + nr
 * (nr <= R; rows past nr are computed and not stored), column blocks
 * j0 + 16v for v < V, V * R = 4, the slots (vectors) listed by XS as
 * X(slot, row, block). rp[ic * (R + 2) + i] is input row o0 + i - pad1 of
 * channel ic (a row copy or the zero row), already offset to column
 * j0 - pad2; mk[v * 3 + u] the FMA mask of block v, tap column u; sm[v] its
 * store mask. y points at y[oc0][o0][j0]. Written out with macros and
 * inlined with c constant, so the 16 accumulators stay in registers and
 * the 9c taps run as one straight sequence (a loop over channels made the
 * compiler rotate the loop-carried accumulators through extra moves).
 */
/* The column of tap u relative to the tile's: stride 1, u (rp already
 * offset by -pad2); stride 2 (pad2 = 1), the phase rows (see
 * rt_fc_phases): u = 1 the even phase at 0, u = 0 and 2 the odd one (ps
 * floats on) at -1 and 0. */
#define RT_FC_COL(u) (S == 1 ? (u) : (u) == 1 ? 0 : ps - ((u) == 0))
#define RT_FC_S2(X) X(0, 0, 0) X(1, 0, 1) X(2, 1, 0) X(3, 1, 1)
#define RT_FC_S1(X) X(0, 0, 0) X(1, 1, 0) X(2, 2, 0) X(3, 3, 0)
#define RT_FC_DECL(s, i, v) __m512 a0_##s = b0, a1_##s = b1, a2_##s = b2, a3_##s = b3;
#define RT_FC_LD(s, i, v)                                                                   \
    {                                                                                       \
        const float *xp = r[(int64_t)S * (i) + tt] + 16 * (int64_t)(v);                     \
        const __m512 xv = _mm512_loadu_ps(xp + RT_FC_COL(tu));                              \
        const __mmask16 fm = mk[(int64_t)(v) * 3 + tu];                                     \
        a0_##s = _mm512_mask3_fmadd_ps(w0, xv, a0_##s, fm);                                 \
        a1_##s = _mm512_mask3_fmadd_ps(w1, xv, a1_##s, fm);                                 \
        a2_##s = _mm512_mask3_fmadd_ps(w2, xv, a2_##s, fm);                                 \
        a3_##s = _mm512_mask3_fmadd_ps(w3, xv, a3_##s, fm);                                 \
    }
#define RT_FC_TAP(XS, T, U)                                                                 \
    {                                                                                       \
        const int64_t tt = (T), tu = (U);                                                   \
        const __m512 w0 = _mm512_set1_ps(wr0[tt * 3 + tu]);                                 \
        const __m512 w1 = _mm512_set1_ps(wr1[tt * 3 + tu]);                                 \
        const __m512 w2 = _mm512_set1_ps(wr2[tt * 3 + tu]);                                 \
        const __m512 w3 = _mm512_set1_ps(wr3[tt * 3 + tu]);                                 \
        XS(RT_FC_LD)                                                                        \
    }
/* Every accumulator is stored, the rows and channels past nr / mr with
 * mask 0 at a valid address: a store under a branch let the compiler sink
 * the whole FMA chain into the branch and spill its inputs. */
#define RT_FC_ST1(o, a, i, v)                                                               \
    {                                                                                       \
        const __mmask16 msk = (o) < mr && (i) < nr ? sm[v] : 0;                             \
        float *yp = y + ((o) < mr ? (o) : mr - 1) * osize + ((i) < nr ? (i) : nr - 1) * out2 + \
                    16 * (int64_t)(v);                                                      \
        __m512 q = (a);                                                                     \
        if (acc_res)                                                                        \
            q = _mm512_add_ps(q, _mm512_maskz_loadu_ps(msk, yp));                           \
        if (relu)                                                                           \
            q = _mm512_max_ps(_mm512_setzero_ps(), q); /* NaN stays NaN */                 \
        _mm512_mask_storeu_ps(yp, msk, q);                                                  \
    }
#define RT_FC_ST(s, i, v)                                                                   \
    RT_FC_ST1(0, a0_##s, i, v) RT_FC_ST1(1, a1_##s, i, v) RT_FC_ST1(2, a2_##s, i, v)       \
    RT_FC_ST1(3, a3_##s, i, v)
#define RT_FC_IC(XS, R, IC)                                                                 \
    {                                                                                       \
        const float *const *r = rp + (int64_t)(IC) * (S * (R) + 3 - S);                     \
        RT_FC_TAP(XS, 0, 0) RT_FC_TAP(XS, 0, 1) RT_FC_TAP(XS, 0, 2)                         \
        RT_FC_TAP(XS, 1, 0) RT_FC_TAP(XS, 1, 1) RT_FC_TAP(XS, 1, 2)                         \
        RT_FC_TAP(XS, 2, 0) RT_FC_TAP(XS, 2, 1) RT_FC_TAP(XS, 2, 2)                         \
        wr0 += 9;                                                                           \
        wr1 += 9;                                                                           \
        wr2 += 9;                                                                           \
        wr3 += 9;                                                                           \
    }
#define RT_FC_TILE(NAME, XS, R)                                                             \
    static inline __attribute__((always_inline)) void NAME(                                 \
        float *y, int64_t osize, int64_t out2, const float *const *rp, const float *w,     \
        const int c, const float *b, int mr, int nr, const __mmask16 *mk, const __mmask16 *sm, \
        int acc_res, int relu, const int S, int64_t ps)                                     \
    {                                                                                       \
        const int64_t kk = (int64_t)c * 9;                                                  \
        const float *wr0 = w, *wr1 = w + (mr > 1 ? 1 : mr - 1) * kk;                        \
        const float *wr2 = w + (mr > 2 ? 2 : mr - 1) * kk;                                  \
        const float *wr3 = w + (mr > 3 ? 3 : mr - 1) * kk;                                  \
        const __m512 b0 = _mm512_set1_ps(b ? b[0] : 0.0f);                                  \
        const __m512 b1 = _mm512_set1_ps(b ? b[mr > 1 ? 1 : mr - 1] : 0.0f);                \
        const __m512 b2 = _mm512_set1_ps(b ? b[mr > 2 ? 2 : mr - 1] : 0.0f);                \
        const __m512 b3 = _mm512_set1_ps(b ? b[mr > 3 ? 3 : mr - 1] : 0.0f);                \
        XS(RT_FC_DECL)                                                                      \
        RT_FC_IC(XS, R, 0)                                                                  \
        if (c > 1)                                                                          \
            RT_FC_IC(XS, R, 1)                                                              \
        if (c > 2)                                                                          \
            RT_FC_IC(XS, R, 2)                                                              \
        if (c > 3)                                                                          \
            RT_FC_IC(XS, R, 3)                                                              \
        XS(RT_FC_ST)                                                                        \
    }
RT_FC_TILE(rt_fc_tile2, RT_FC_S2, 2)
RT_FC_TILE(rt_fc_tile1, RT_FC_S1, 4)

/* Each tile shape (V) and channel count once, out of line, over all
 * output channels in steps of RT_FC_M (a call per tile cost a tenth of the
 * layer). rp is read through a volatile each step: the compiler otherwise
 * hoists the tile's 36c load addresses out of the loop and spills them to
 * the stack, one more load for every load of x. */
typedef void (*rt_fc_tfn)(float *y, int64_t osize, int64_t out2, const float *const *rp,
                          const float *w, const float *b, int64_t m, int nr,
                          const __mmask16 *mk, const __mmask16 *sm, int acc_res, int relu,
                          int64_t ps);
#define RT_FC_TW(V, C, S)                                                                   \
    static __attribute__((noinline)) void rt_fc_tile##V##_##C##_##S(                        \
        float *y, int64_t osize, int64_t out2, const float *const *rp, const float *w,     \
        const float *b, int64_t m, int nr, const __mmask16 *mk, const __mmask16 *sm,       \
        int acc_res, int relu, int64_t ps)                                                  \
    {                                                                                       \
        const float *const *volatile rpv = rp;                                              \
        int64_t oc0;                                                                        \
        for (oc0 = 0; oc0 < m; oc0 += RT_FC_M) {                                            \
            const int mr = (int)(m - oc0 < RT_FC_M ? m - oc0 : RT_FC_M);                    \
            rt_fc_tile##V(y + oc0 * osize, osize, out2, rpv, w + oc0 * (C) * 9, C,          \
                          b ? b + oc0 : NULL, mr, nr, mk, sm, acc_res, relu, S, ps);        \
        }                                                                                   \
    }
RT_FC_TW(1, 1, 1)
RT_FC_TW(1, 2, 1)
RT_FC_TW(1, 3, 1)
RT_FC_TW(1, 4, 1)
RT_FC_TW(2, 1, 1)
RT_FC_TW(2, 2, 1)
RT_FC_TW(2, 3, 1)
RT_FC_TW(2, 4, 1)
RT_FC_TW(1, 1, 2)
RT_FC_TW(1, 2, 2)
RT_FC_TW(1, 3, 2)
RT_FC_TW(1, 4, 2)
/* [stride - 1][V - 1][c - 1]; stride 2 has 1-block tiles only */
static const rt_fc_tfn rt_fc_tiles[2][2][4] = {
    {{rt_fc_tile1_1_1, rt_fc_tile1_2_1, rt_fc_tile1_3_1, rt_fc_tile1_4_1},
     {rt_fc_tile2_1_1, rt_fc_tile2_2_1, rt_fc_tile2_3_1, rt_fc_tile2_4_1}},
    {{rt_fc_tile1_1_2, rt_fc_tile1_2_2, rt_fc_tile1_3_2, rt_fc_tile1_4_2},
     {NULL, NULL, NULL, NULL}}};

/* The tiles of one image for column blocks j0 .. j0 + 16V: rows in steps
 * of R = 4 / V, output channels in steps of RT_FC_M. first / last: the
 * copies of x's first and last row (see rt_conv_fewc512). */
static void rt_fc_blocks(float *y, const float *x, const float *w, const float *b,
                         const rt_conv_params *p, const float *first, const float *last,
                         int64_t j0, int V)
{
    const int R = RT_FC_S / V;
    const int64_t c = p->c, m = p->m, in1 = p->in[1], in2 = p->in[2];
    const int64_t out1 = p->out[1], out2 = p->out[2], p1 = p->pad[1], p2 = p->pad[2];
    const int64_t osize = out1 * out2;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    const rt_fc_tfn tile = rt_fc_tiles[0][V - 1][c - 1];
    const float *rp[4 * (RT_FC_S + 2)];
    __mmask16 mk[6], sm[2];
    int64_t o0, ic;
    int v, u, i;
    for (v = 0; v < V; v++) {
        for (u = 0; u < 3; u++)
            mk[v * 3 + u] = rt_fc_mask(j0 + 16 * (int64_t)v, u - p2, in2, out2);
        sm[v] = rt_fc_mask(j0 + 16 * (int64_t)v, 0, out2, out2);
    }
    for (o0 = 0; o0 < out1; o0 += R) {
        const int nr = (int)(out1 - o0 < R ? out1 - o0 : R);
        for (ic = 0; ic < c; ic++)
            for (i = 0; i < R + 2; i++) {
                const int64_t ir = o0 + i - p1;
                const float *row = ir < 0 || ir >= in1            ? rt_fc_zero + RT_FC_ML
                                   : ic == 0 && ir == 0           ? first
                                   : ic == c - 1 && ir == in1 - 1 ? last
                                                                  : x + (ic * in1 + ir) * in2;
                rp[ic * (R + 2) + i] = row + j0 - p2;
            }
        tile(y + o0 * out2 + j0, osize, out2, rp, w, b, m, nr, mk, sm, acc_res, relu, 0);
    }
}

/*
 * Stride 2 (pad2 = 1): output column j reads input columns 2j - 1, 2j,
 * 2j + 1, which are not contiguous. The input rows of a band of RT_FC_S
 * output rows (2 RT_FC_S + 1 rows a channel) are split once into their
 * even and odd phase: a row block of ph[] holds RT_FC_ML zeros, the even
 * phase E[k] = x[2k] for k < 16 nv, then the odd phase O[k] = x[2k + 1]
 * ps = 16 nv + 16 floats on (nv vectors of output columns), zero where the
 * column lies outside the row; taps u = 0, 1, 2 read O[j - 1], E[j], O[j]
 * with plain loads and no masks (the zeros are the padding). Rows outside
 * the input read the zero row. Then the band runs as 1-block tiles of
 * RT_FC_S rows.
 */
#define RT_FC_PCAP 6144         /* floats of phase rows (24 KB of stack) */
#define RT_FC_PBLK(ps) (RT_FC_ML + 2 * (ps)) /* floats of one row's phases */

/* The phases of input row xr (in2 floats) into dst (its even phase at
 * dst[0], the odd one at dst[ps]), nv vectors of each. */
static void rt_fc_phases(float *dst, const float *xr, int64_t in2, int64_t nv, int64_t ps)
{
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    int64_t k;
    for (k = 0; k < nv; k++) {
        const int64_t c0 = 32 * k;
        __m512 lo, hi;
        if (c0 + 32 <= in2) {
            lo = _mm512_loadu_ps(xr + c0);
            hi = _mm512_loadu_ps(xr + c0 + 16);
        } else {
            lo = _mm512_maskz_loadu_ps(rt_fc_mask(c0, 0, in2, in2), xr + c0);
            hi = _mm512_maskz_loadu_ps(rt_fc_mask(c0 + 16, 0, in2, in2), xr + c0 + 16);
        }
        _mm512_storeu_ps(dst + 16 * k, _mm512_permutex2var_ps(lo, ev, hi));
        _mm512_storeu_ps(dst + ps + 16 * k, _mm512_permutex2var_ps(lo, od, hi));
    }
}

static void rt_fc_stride2(float *y, const float *x, const float *w, const float *b,
                          const rt_conv_params *p, float *ph)
{
    enum { R = RT_FC_S, NR = 2 * RT_FC_S + 1 };
    const int64_t c = p->c, m = p->m, in1 = p->in[1], in2 = p->in[2];
    const int64_t out1 = p->out[1], out2 = p->out[2], p1 = p->pad[1];
    const int64_t osize = out1 * out2, nv = (out2 + 15) / 16, ps = 16 * nv + 16;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    const rt_fc_tfn tile = rt_fc_tiles[1][0][c - 1];
    const float *rp[4 * NR];
    __mmask16 mk[3] = {0xFFFF, 0xFFFF, 0xFFFF}, sm[1];
    int64_t o0, ic, j;
    int i;
    /* the margins and gaps of the row blocks are never written: zeroed once */
    memset(ph, 0, (size_t)(c * NR * RT_FC_PBLK(ps)) * sizeof(float));
    for (o0 = 0; o0 < out1; o0 += R) {
        const int nr = (int)(out1 - o0 < R ? out1 - o0 : R);
        for (ic = 0; ic < c; ic++)
            for (i = 0; i < NR; i++) {
                const int64_t ir = 2 * o0 + i - p1;
                float *blk = ph + (ic * NR + i) * RT_FC_PBLK(ps) + RT_FC_ML;
                if (ir < 0 || ir >= in1 || i >= 2 * nr + 1) {
                    rp[ic * NR + i] = rt_fc_zero + RT_FC_ML;
                    continue;
                }
                rt_fc_phases(blk, x + (ic * in1 + ir) * in2, in2, nv, ps);
                rp[ic * NR + i] = blk;
            }
        for (j = 0; j < nv; j++) {
            const float *rj[4 * NR];
            for (i = 0; i < c * NR; i++)
                rj[i] = rp[i] + 16 * j;
            sm[0] = rt_fc_mask(16 * j, 0, out2, out2);
            tile(y + o0 * out2 + 16 * j, osize, out2, rj, w, b, m, nr, mk, sm, acc_res, relu,
                 ps);
        }
    }
}

/* rt_conv_fewc512 at stride 2, image by image; the phase rows on this
 * frame only. */
static __attribute__((noinline)) void rt_fc_stride2_all(float *y, const float *x, const float *w,
                                                        const float *b, const rt_conv_params *p)
{
    float ph[RT_FC_PCAP];
    int64_t n;
    for (n = 0; n < p->n; n++) {
        float *yn = y + n * p->m * p->out[1] * p->out[2];
        rt_fc_stride2(yn, x + n * p->c * p->in[1] * p->in[2], w, b, p, ph);
        if (p->act != RT_UN_RELU)
            rt_act_apply(yn, p->m * p->out[1] * p->out[2], p->act, p->act_alpha, p->act_beta);
    }
}

/*
 * The convolution y = act(conv(x, w) + b (+ y)) of rt_conv_forward for
 * group 1, 2-D (in[0] = k[0] = 1), 3x3, dilation 1, 1 <= c <= 4, output
 * rows of at least 16 columns (narrower rows would leave most lanes empty),
 * w as stored ([m, c, 3, 3]): stride 1 with pads 0..2 and input and output
 * rows up to RT_FC_WMAX columns; stride 2 with pad2 = 1, pad1 0..2, output
 * rows up to 128 columns whose phase rows fit RT_FC_PCAP. Returns 0
 * (nothing done) for any other shape. Stack: two row copies of RT_FC_LEN
 * floats (2.5 KB) at stride 1, RT_FC_PCAP floats (24 KB) at stride 2.
 */
int rt_conv_fewc512(float *y, const float *x, const float *w, const float *b,
                    const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out2 = p->out[2];
    const int64_t nv = (out2 + 15) / 16, s = p->stride[2];
    float edge[2][RT_FC_LEN];
    int64_t n, j;
    if (p->group != 1 || p->c < 1 || p->c > 4 || p->wt || p->hwc || p->in[0] != 1 ||
        p->k[0] != 1 || p->out[0] != 1 || p->k[1] != 3 || p->k[2] != 3 ||
        p->stride[1] != s || (s != 1 && s != 2) || p->dilation[1] != 1 ||
        p->dilation[2] != 1 || p->pad[1] < 0 || p->pad[1] > 2 || p->pad[2] < 0 ||
        p->pad[2] > 2 || out2 < 16 || out2 > RT_FC_WMAX || in2 > RT_FC_WMAX || in1 < 1 ||
        p->out[1] < 1)
        return 0;
    if (s == 2) {
        if (p->pad[2] != 1 || out2 > 128 ||
            (int64_t)p->c * (2 * RT_FC_S + 1) * RT_FC_PBLK(16 * nv + 16) > RT_FC_PCAP)
            return 0;
        rt_fc_stride2_all(y, x, w, b, p);
        return 1;
    }
    if (16 * nv + 2 - p->pad[2] - in2 > in2) /* a row's overrun must stay in the next */
        return 0;
    /* the margins are read (and masked off in the FMAs): zeroed */
    memset(edge, 0, sizeof edge);
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * p->c * in1 * in2;
        float *yn = y + n * p->m * p->out[1] * out2;
        memcpy(edge[0] + RT_FC_ML, xn, (size_t)in2 * sizeof(float));
        memcpy(edge[1] + RT_FC_ML, xn + (p->c * in1 - 1) * in2, (size_t)in2 * sizeof(float));
        for (j = 0; j + 1 < nv; j += 2)
            rt_fc_blocks(yn, xn, w, b, p, edge[0] + RT_FC_ML, edge[1] + RT_FC_ML, 16 * j, 2);
        if (j < nv)
            rt_fc_blocks(yn, xn, w, b, p, edge[0] + RT_FC_ML, edge[1] + RT_FC_ML, 16 * j, 1);
        if (p->act != RT_UN_RELU)
            rt_act_apply(yn, p->m * p->out[1] * out2, p->act, p->act_alpha, p->act_beta);
    }
    return 1;
}
#endif
