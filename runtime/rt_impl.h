/*
 * rt_impl.h - helpers shared by the runtime's kernel files; not public API.
 *
 * Everything here is `static inline` so that each kernel file stays
 * self-contained and no helper becomes an exported symbol of the library.
 */
#ifndef RT_IMPL_H
#define RT_IMPL_H

#include <math.h>

#include "onnxcc_rt.h"

/* SIMD, chosen at compile time from the target's macros (RT_NO_SIMD forces
 * the portable path everywhere). */
#if defined(__AVX2__) && defined(__FMA__) && !defined(RT_NO_SIMD)
#define RT_SIMD_AVX2 1
/* AVX-512F on top: the GEMM micro-kernels use 16-float registers and 16
 * accumulator rows (the other kernels keep their AVX2 code) */
#if defined(__AVX512F__)
#define RT_SIMD_AVX512 1
#endif
#endif
/* NEON (AArch64 only: vfmaq_f32 and 32 vector registers): the GEMM
 * micro-kernel, the depthwise 3x3 convolution and ReLU/bias epilogues. */
#if defined(__ARM_NEON) && defined(__aarch64__) && !defined(RT_NO_SIMD)
#define RT_SIMD_NEON 1
#endif
/* Working tiles on the stack: the SIMD paths keep tiles of several KB (a
 * packed GEMM panel, phase planes, a column tile); the portable path, which
 * small targets such as a Cortex-M take, sizes each at 1 KB or less so that
 * the deepest kernel call stays within a few KB (README "Embedded
 * footprint"). */
#if !defined(RT_SIMD_AVX2) && !defined(RT_SIMD_NEON)
#define RT_SMALL_STACK 1
#endif

/* Apply the activation `op` (with its alpha and beta, see rt_unary_op) in
 * place to n floats. The epilogue of conv and gemm; a no-op for RT_UN_NONE. */
static inline void rt_act_apply(float *y, int64_t n, rt_unary_op op, float alpha, float beta)
{
    rt_unary_params up;
    if (op == RT_UN_NONE || n <= 0)
        return;
    up.op = op;
    up.alpha = alpha;
    up.beta = beta;
    up.n = n;
    up.overwrite = 0;
    rt_unary_forward(y, y, &up);
}

/* One rt_unary_op in double (runtime/typed.c; the float kernels' formulas). */
double rt_unary_f64(rt_unary_op op, double x, double a, double b);

/* The integer convolution and matrix product (runtime/quant.c) on their
 * portable path whatever SIMD the build has, with the arguments of
 * rt_qlinear_conv_forward / rt_qlinear_matmul_forward (ytype I32 with NULL
 * scales is ConvInteger / MatMulInteger): the unit tests compare the SIMD
 * kernels with them. */
void rt_qconv_portable(void *y, const void *x, const float *x_scale, const void *x_zp,
                       const void *w, const float *w_scale, const void *w_zp,
                       const float *y_scale, const void *y_zp, const int32_t *b,
                       const rt_qconv_params *p);
void rt_qmatmul_portable(void *y, const void *a, const float *a_scale, const void *a_zp,
                         const void *b, const float *b_scale, const void *b_zp,
                         const float *y_scale, const void *y_zp, const int32_t *bias,
                         const rt_qmatmul_params *p);

/* ceil(a / b) for b > 0 and any sign of a. */
static inline int64_t rt_ceil_div(int64_t a, int64_t b)
{
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* floor(a / b) for b > 0 and any sign of a. */
static inline int64_t rt_floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The range [*lo, *hi) of i in [0, count) for which j = i * step + off lies in
 * [0, limit), with step > 0. Conv and pool use it to hoist bounds checks out of
 * their inner loops: for one kernel tap, the valid outputs form one interval.
 * *hi <= *lo means the range is empty. */
static inline void rt_valid_range(int64_t *lo, int64_t *hi, int64_t count, int64_t step,
                                  int64_t off, int64_t limit)
{
    int64_t l = rt_ceil_div(-off, step);
    int64_t h = rt_floor_div(limit - 1 - off, step) + 1;
    if (l < 0)
        l = 0;
    if (h > count)
        h = count;
    *lo = l;
    *hi = h > l ? h : l;
}

/* The stable softmax statistics of len values x[0], x[stride], ...: returns
 * their maximum m (the first maximal one's index into *arg when arg is not
 * NULL) and sets *s = sum exp(x - m), so that log-softmax is x - m - log(s)
 * with nothing overflowing. Shared by the training cross-entropy
 * (rt_loss_cross_entropy) and the ONNX SoftmaxCrossEntropyLoss kernel. */
static inline float rt_softmax_stats(const float *x, int64_t len, int64_t stride, float *s,
                                     int64_t *arg)
{
    float m = x[0], sum = 0.0f;
    int64_t j, am = 0;
    for (j = 1; j < len; j++)
        if (x[j * stride] > m) {
            m = x[j * stride];
            am = j;
        }
    for (j = 0; j < len; j++)
        sum += expf(x[j * stride] - m);
    *s = sum;
    if (arg)
        *arg = am;
    return m;
}

/*
 * Where output index o of one padded axis reads from, or -1 for the constant.
 * Negative pads crop first: the source is the window [lo, hi) of the input
 * with lo = max(0, -pad_begin) and hi = in - max(0, -pad_end), and the
 * padding modes mirror or clamp against that window's edges (as onnxruntime
 * does: slice, then pad). Reflect repeats with period 2 (len - 1), which is
 * numpy's answer even for pads >= len, and a window of length 1 reflects
 * to itself. An empty window makes every position the constant.
 */
static inline int64_t rt_pad_source(int64_t o, int64_t in, int64_t out, int64_t pb, rt_pad_mode mode)
{
    const int64_t pe = out - in - pb;
    const int64_t lo = pb < 0 ? -pb : 0;
    const int64_t hi = in - (pe < 0 ? -pe : 0);
    const int64_t len = hi - lo;
    int64_t i = o - pb;             /* index into the input */

    if (i >= lo && i < hi)
        return i;
    if (mode == RT_PAD_CONSTANT || len <= 0)
        return -1;
    if (mode == RT_PAD_EDGE)
        return i < lo ? lo : hi - 1;
    /* reflect */
    if (len == 1)
        return lo;
    i -= lo;
    {
        const int64_t period = 2 * (len - 1);
        i %= period;
        if (i < 0)
            i += period;
        if (i >= len)
            i = period - i;
    }
    return lo + i;
}
/* The AVX2 fast paths of rt_conv_backward (conv_bwd.c): dw, and dx of a
 * stride-1 convolution, over every image and group of a 1-D or 2-D
 * convolution with dilation 1. Each returns 1 when it did the work, 0 when
 * the caller must (having changed nothing). */
int rt_conv_backward_dw_fast(float *dw, const float *dy, const float *x, const rt_conv_params *p);
int rt_conv_backward_dx_fast(float *dx, const float *dy, const float *w, const rt_conv_params *p);
int rt_conv_backward_depthwise_fast(float *dx, float *dw, const float *dy, const float *x,
                                    const float *w, const rt_conv_params *p);
/* r8dw: dw of a dense 3x3 stride-1 padding-1 convolution with even map
 * sides and at least 16 input and output channels by Winograd F(3x3, 2x2),
 * or of a strided 1x1 unpadded one (16 or more outputs, 8 or more inputs)
 * as outer products of transposed copies, and db (unless NULL) from the
 * same pass over dy (AVX-512 only; conv_bwd.c): 1 when it did the work,
 * else 0, having changed nothing. */
int rt_conv_backward_dw_winograd(float *dw, float *db, const float *dy, const float *x,
                                 const rt_conv_params *p);

/* r8wino: the Winograd convolution of conv.c (p->wt = 2, u = U) with the
 * images of x and y xs and ys floats apart (rt_conv_forward's layout is
 * xs = c * h * w, ys = m * h * w): the dx of conv_bwd.c writes blocks of
 * dx's channels over the whole batch with it. */
void rt_conv_wino_x(float *y, int64_t ys, const float *x, int64_t xs, const float *u,
                    const float *b, const rt_conv_params *p);

#ifdef RT_SIMD_AVX512
#include <immintrin.h>

/* Lanes [a, b) of a 16-lane mask, clipped to [0, 16). */
static inline __mmask16 rt_lane_range16(int64_t a, int64_t b)
{
    const unsigned lo = (unsigned)(a < 0 ? 0 : a > 16 ? 16 : a);
    const unsigned hi = (unsigned)(b < 0 ? 0 : b > 16 ? 16 : b);
    return (__mmask16)(hi > lo ? ((1u << hi) - 1u) & ~((1u << lo) - 1u) : 0u);
}

/* The masks rt_dw_row512 reads for the nch chunks of 16 outputs of a row
 * (out2 outputs, input rows of in2 columns, column stride s, pad p2): om,
 * the chunk's output lanes; vm[u], those whose tap-u input column is inside
 * the row; lm, the raw loads' lanes at stride 2. */
static inline void rt_dw_masks512(__mmask16 om[], __mmask16 vm[][3], __mmask16 lm[][4],
                                  int64_t nch, int64_t s, int64_t p2, int64_t out2, int64_t in2)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int64_t k;
    for (k = 0; k < nch; k++) {
        const int64_t c0 = s * k * 16 - p2;     /* input column of lane 0, tap 0 */
        int u;
        om[k] = rt_lane_range16(0, out2 - k * 16);
        for (u = 0; u < 3; u++) {
            const __m512i ix = _mm512_add_epi32(
                _mm512_mullo_epi32(iota, _mm512_set1_epi32((int32_t)s)),
                _mm512_set1_epi32((int32_t)(c0 + u)));
            vm[k][u] = om[k] & _mm512_cmpge_epi32_mask(ix, _mm512_setzero_si512()) &
                       _mm512_cmplt_epi32_mask(ix, _mm512_set1_epi32((int32_t)in2));
        }
        lm[k][0] = rt_lane_range16(-c0, in2 - c0);
        lm[k][1] = rt_lane_range16(-c0 - 16, in2 - c0 - 16);
        lm[k][2] = rt_lane_range16(-c0 - 2, in2 - c0 - 2);
        lm[k][3] = rt_lane_range16(-c0 - 18, in2 - c0 - 18);
    }
}

/* The three tap columns u = 0, 1, 2 of one input row i1 for a chunk of 16
 * outputs whose tap-0 column starts at xc (zeros when i1 is in the padding;
 * lanes in the padding masked to zero by vm; stride 2 permutes raw loads of
 * lanes lm, see rt_conv_dw3x3_wide512 in conv.c; also the depthwise
 * backward of conv_bwd.c). */
static inline void rt_dw_row512(__m512 v[3], const float *xc, int64_t i1, int64_t in1,
                                int64_t in2, int64_t s, const __mmask16 vm[3],
                                const __mmask16 lm[4], __m512i ev, __m512i od)
{
    const float *xr = xc + i1 * in2;
    if (i1 < 0 || i1 >= in1) {
        v[0] = v[1] = v[2] = _mm512_setzero_ps();
    } else if (s == 1) {
        v[0] = _mm512_maskz_loadu_ps(vm[0], xr);
        v[1] = _mm512_maskz_loadu_ps(vm[1], xr + 1);
        v[2] = _mm512_maskz_loadu_ps(vm[2], xr + 2);
    } else {
        const __m512 r0 = _mm512_maskz_loadu_ps(lm[0], xr);
        const __m512 r1 = _mm512_maskz_loadu_ps(lm[1], xr + 16);
        const __m512 q0 = _mm512_maskz_loadu_ps(lm[2], xr + 2);
        const __m512 q1 = _mm512_maskz_loadu_ps(lm[3], xr + 18);
        v[0] = _mm512_maskz_permutex2var_ps(vm[0], r0, ev, r1);
        v[1] = _mm512_maskz_permutex2var_ps(vm[1], r0, od, r1);
        v[2] = _mm512_maskz_permutex2var_ps(vm[2], q0, ev, q1);
    }
}
#endif

/* r8l0: dense 3x3 stride-1 convolution with few input channels (c <= 4) on
 * AVX-512 (runtime/conv_fewc.c); rt_conv_forward's arguments, returns 0
 * (nothing done) for shapes it does not take. */
#ifdef RT_SIMD_AVX512
int rt_conv_fewc512(float *y, const float *x, const float *w, const float *b,
                    const rt_conv_params *p);
#endif

#endif /* RT_IMPL_H */
