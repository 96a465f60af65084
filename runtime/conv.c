/*
 * conv.c - direct convolution and transposed convolution.
 *
 * Both kernels are written as a scatter over kernel taps: for one weight
 * w[oc, ic, t0, t1, t2], the outputs it touches form one box of output
 * positions (rt_valid_range gives its bounds on each axis), so the innermost
 * loop is a branch-free multiply-add along the last spatial axis. Padding
 * never materialises: taps that would read it are simply outside the box.
 */
#include <string.h>

#include "rt_sgemm_impl.h"

#ifdef RT_SIMD_AVX2
#include <immintrin.h>
#endif
#ifdef RT_SIMD_NEON
#include <arm_neon.h>
#endif

/*
 * Direct convolution, the fallback for depthwise shapes that
 * rt_conv_dw3x3 does not cover. For each image n and output channel oc,
 * the output plane is set to the bias (or 0), every (input channel, tap) of
 * oc's group adds w * x over its valid box, then the fused activation runs
 * over the finished plane. With s = stride, d = dilation, p = pad:
 *   y[n, oc, o] = b[oc] + sum_{ic in group, t} w[oc, ic, t] * x[n, g*cg+ic, o*s - p + t*d]
 */
static void rt_conv_direct(float *y, const float *x, const float *w, const float *b,
                           const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group;        /* input channels per group */
    const int64_t mg = p->m / p->group;        /* output channels per group */
    const int64_t in0 = p->in[0], in1 = p->in[1], in2 = p->in[2];
    const int64_t out0 = p->out[0], out1 = p->out[1], out2 = p->out[2];
    const int64_t k0 = p->k[0], k1 = p->k[1], k2 = p->k[2];
    const int64_t s0 = p->stride[0], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t isize = in0 * in1 * in2, osize = out0 * out1 * out2;
    const int64_t ksize = k0 * k1 * k2;
    int64_t n, oc, ic, i;

    for (n = 0; n < p->n; n++) {
        for (oc = 0; oc < p->m; oc++) {
            const int64_t g = oc / mg;
            float *yp = y + (n * p->m + oc) * osize;
            const float bias = b ? b[oc] : 0.0f;

            if (p->accumulate)
                for (i = 0; i < osize; i++)
                    yp[i] += bias;
            else
                for (i = 0; i < osize; i++)
                    yp[i] = bias;
            for (ic = 0; ic < cg; ic++) {
                const float *xp = x + (n * p->c + g * cg + ic) * isize;
                const float *wp = w + (oc * cg + ic) * ksize;
                int64_t t0, t1, t2;

                for (t0 = 0; t0 < k0; t0++) {
                    const int64_t f0 = t0 * p->dilation[0] - p->pad[0];
                    int64_t lo0, hi0, o0;
                    rt_valid_range(&lo0, &hi0, out0, s0, f0, in0);
                    for (t1 = 0; t1 < k1; t1++) {
                        const int64_t f1 = t1 * p->dilation[1] - p->pad[1];
                        int64_t lo1, hi1, o1;
                        rt_valid_range(&lo1, &hi1, out1, s1, f1, in1);
                        for (t2 = 0; t2 < k2; t2++) {
                            const int64_t f2 = t2 * p->dilation[2] - p->pad[2];
                            const float wv = wp[(t0 * k1 + t1) * k2 + t2];
                            int64_t lo2, hi2, o2;
                            rt_valid_range(&lo2, &hi2, out2, s2, f2, in2);
                            if (hi2 <= lo2)
                                continue;
                            for (o0 = lo0; o0 < hi0; o0++) {
                                for (o1 = lo1; o1 < hi1; o1++) {
                                    const int64_t xrow = ((o0 * s0 + f0) * in1 + (o1 * s1 + f1)) * in2;
                                    float *yr = yp + (o0 * out1 + o1) * out2 + lo2;
                                    const float *xr = xp + xrow + lo2 * s2 + f2;
                                    for (o2 = 0; o2 < hi2 - lo2; o2++)
                                        yr[o2] += wv * xr[o2 * s2];
                                }
                            }
                        }
                    }
                }
            }
            rt_act_apply(yp, osize, p->act, p->act_alpha, p->act_beta);
        }
    }
}

/* Finishes one depthwise output value: + bias, + residual, ReLU. */
static inline float rt_dw_fin(float acc, float bias, const float *yo, int acc_res, int relu)
{
    float v = acc + bias;
    if (acc_res)
        v += *yo;
    if (relu)
        v = v < 0.0f ? 0.0f : v;
    return v;
}

/*
 * Depthwise 3x3 convolution (group == c == m), 2-D, dilation 1, the same
 * stride s (1 or 2) on both axes. Each output row sums its three input rows
 * (rows in the padding are skipped); the columns whose three taps are all
 * inside the row form one interior range [lo, hi) that runs branch-free (8
 * outputs per AVX2 step; stride 2 deinterleaves 16 loaded inputs), and the
 * few border columns check each tap. Bias, the residual (accumulate) and
 * ReLU are fused into the store; other activations run over the row after.
 */
static void rt_conv_dw3x3(float *y, const float *x, const float *w, const float *b,
                          const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2];
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    int64_t nc, lo, hi;

    /* interior columns: o*s - p2 >= 0 and o*s - p2 + 2 <= in2 - 1 */
    lo = rt_ceil_div(p2, s);
    hi = rt_floor_div(in2 - 3 + p2, s) + 1;
    if (lo > out2)
        lo = out2;
    if (hi > out2)
        hi = out2;
    if (hi < lo)
        hi = lo;
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
        const int64_t ch = nc % p->c;
        const float *xp = x + nc * in1 * in2;
        const float *wc = w + ch * 9;
        const float bias = b ? b[ch] : 0.0f;
        float *yp = y + nc * out1 * out2;
        int64_t o1;
        for (o1 = 0; o1 < out1; o1++) {
            const float *xr[3];
            float wr[3][3];
            int nrow = 0, t, u;
            float *yr = yp + o1 * out2;
            int64_t o2;
            for (t = 0; t < 3; t++) {
                const int64_t i1 = o1 * s - p1 + t;
                if (i1 < 0 || i1 >= in1)
                    continue;
                xr[nrow] = xp + i1 * in2;
                for (u = 0; u < 3; u++)
                    wr[nrow][u] = wc[t * 3 + u];
                nrow++;
            }
            for (o2 = 0; o2 < out2; o2++) {
                float acc = 0.0f;
                int64_t i2;
                if (o2 == lo && hi > lo) {
                    o2 = hi - 1;    /* the interior is done below */
                    continue;
                }
                i2 = o2 * s - p2;
                for (t = 0; t < nrow; t++)
                    for (u = 0; u < 3; u++)
                        if (i2 + u >= 0 && i2 + u < in2)
                            acc += wr[t][u] * xr[t][i2 + u];
                yr[o2] = rt_dw_fin(acc, bias, yr + o2, acc_res, relu);
            }
            o2 = lo;
#ifdef RT_SIMD_AVX2
            {
                /* last input read by a step of 8: (o2+7)*s - p2 + 2 (+1 for
                 * the 16-wide load of stride 2) must stay in the row */
                const int64_t need = s == 1 ? 7 * s + 2 : 7 * s + 3;
                const __m256 bv = _mm256_set1_ps(bias), zero = _mm256_setzero_ps();
                __m256 wv[3][3];
                for (t = 0; t < nrow; t++)
                    for (u = 0; u < 3; u++)
                        wv[t][u] = _mm256_set1_ps(wr[t][u]);
                for (; o2 + 8 <= hi && o2 * s - p2 + need < in2; o2 += 8) {
                    const int64_t i2 = o2 * s - p2;
                    __m256 acc = zero;
                    for (t = 0; t < nrow; t++) {
                        const float *q = xr[t] + i2;
                        for (u = 0; u < 3; u++) {
                            __m256 v;
                            if (s == 1) {
                                v = _mm256_loadu_ps(q + u);
                            } else {
                                const __m256 l = _mm256_loadu_ps(q + u);
                                const __m256 h = _mm256_loadu_ps(q + u + 8);
                                /* even lanes: l0 l2 h0 h2 | l4 l6 h4 h6 -> l0 l2 l4 l6 h0 h2 h4 h6 */
                                v = _mm256_shuffle_ps(l, h, _MM_SHUFFLE(2, 0, 2, 0));
                                v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v),
                                                                           _MM_SHUFFLE(3, 1, 2, 0)));
                            }
                            acc = _mm256_fmadd_ps(wv[t][u], v, acc);
                        }
                    }
                    acc = _mm256_add_ps(acc, bv);
                    if (acc_res)
                        acc = _mm256_add_ps(acc, _mm256_loadu_ps(yr + o2));
                    if (relu)
                        acc = _mm256_max_ps(zero, acc);
                    _mm256_storeu_ps(yr + o2, acc);
                }
            }
#endif
            for (; o2 < hi; o2++) {
                const int64_t i2 = o2 * s - p2;
                float acc = 0.0f;
                for (t = 0; t < nrow; t++)
                    acc += wr[t][0] * xr[t][i2] + wr[t][1] * xr[t][i2 + 1] +
                           wr[t][2] * xr[t][i2 + 2];
                yr[o2] = rt_dw_fin(acc, bias, yr + o2, acc_res, relu);
            }
            if (!relu)
                rt_act_apply(yr, out2, p->act, p->act_alpha, p->act_beta);
        }
    }
}

/*
 * Depthwise 3x3 through phase planes, for any width: the padded input of
 * one channel is copied into s*s "phase planes" (plane (a, b) holds padded
 * row s*r + a, column s*c + b at [r, c], row stride we = out2 + 2/s), so
 * tap (t, u) of output (o1, o2) is plane (t%s, u%s) at flat index
 * o1*we + o2 + (t/s)*we + u/s. The output rows of a block are then one flat
 * 9-tap stencil over contiguous memory: no border columns, no per-tap
 * tests, and all 8 lanes busy even when a row is 3 or 5 wide (the 2/s extra
 * columns per row are computed and dropped). Blocks of output rows are sized
 * so the planes fit a fixed stack buffer; the padding in it is zeroed once
 * per block and every channel only overwrites the interior. Returns 0 (and
 * does nothing) when not even one row fits; rt_conv_dw3x3 runs then.
 */
#ifdef RT_SMALL_STACK
#define RT_DW_CAP 256           /* 1 KB; wider maps take rt_conv_dw3x3 */
#else
#define RT_DW_CAP 4096          /* floats of phase planes (16 KB) */
#endif
#define RT_DW_SLACK 16          /* floats after each plane: the last vector's overrun */

/* Copies the valid columns of one input row xr (row of padded row s*r + a)
 * into its planes' rows d[0] (and d[1] when s == 2): d[bb][c] = x[s*c + bb - p2]
 * for c in [lo[bb], hi[bb]). */
static inline void rt_dw_fill_row(float *const d[2], const float *xr, int64_t s, int64_t p2,
                           const int64_t lo[2], const int64_t hi[2], int64_t in2, int64_t we)
{
    int64_t c, bb;
    if (s == 1) {
        float *d0 = d[0];
        const float *xs = xr - p2;
        c = lo[0];
#ifdef RT_SIMD_AVX2
        /* whole vectors, then a tail that overlaps the last one (or two
         * overlapping halves, or single floats): nothing written past hi */
        if (hi[0] - c >= 8) {
            for (; c + 8 <= hi[0]; c += 8)
                _mm256_storeu_ps(d0 + c, _mm256_loadu_ps(xs + c));
            if (c < hi[0])
                _mm256_storeu_ps(d0 + hi[0] - 8, _mm256_loadu_ps(xs + hi[0] - 8));
        } else if (hi[0] - c >= 4) {
            _mm_storeu_ps(d0 + c, _mm_loadu_ps(xs + c));
            _mm_storeu_ps(d0 + hi[0] - 4, _mm_loadu_ps(xs + hi[0] - 4));
        } else {
            if (c < hi[0])
                d0[c] = xs[c];
            if (c + 1 < hi[0])
                d0[c + 1] = xs[c + 1];
            if (c + 2 < hi[0])
                d0[c + 2] = xs[c + 2];
        }
#else
        memcpy(d0 + c, xs + c, (size_t)(hi[0] - c) * sizeof(float));
#endif
        return;
    }
#ifdef RT_SIMD_AVX512
    {
        /* as the AVX2 loop below, 16 columns a step (the overrun past we,
         * at most 15 zeros, stays within RT_DW_SLACK / RT_CG_SLACK), the
         * masks from the lane range instead of compares */
        const int64_t lim = in2 < 2 * we - p2 ? in2 : 2 * we - p2;
        const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                             28, 30);
        const __m512i od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
        for (c = 0; c < we; c += 16) {
            const int64_t q = 2 * c - p2;
            const __m512 l = _mm512_maskz_loadu_ps(rt_lane_range16(-q, lim - q), xr + q);
            const __m512 h = _mm512_maskz_loadu_ps(rt_lane_range16(-q - 16, lim - q - 16),
                                                   xr + q + 16);
            _mm512_storeu_ps(d[0] + c, _mm512_permutex2var_ps(l, ev, h));
            _mm512_storeu_ps(d[1] + c, _mm512_permutex2var_ps(l, od, h));
        }
        (void)lo;
        (void)hi;
        (void)bb;
        return;
    }
#elif defined(RT_SIMD_AVX2)
    {
        /* all of both rows, 8 columns a step: lanes whose input column is
         * outside [0, lim) load as 0 (padding); a step past hi writes those
         * zeros into padding, later rows or the slack, as above */
        const int64_t lim = in2 < 2 * we - p2 ? in2 : 2 * we - p2;
        const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i neg1 = _mm256_set1_epi32(-1), limv = _mm256_set1_epi32((int32_t)lim);
        for (c = 0; c < we; c += 8) {
            /* x[2c - p2 ..+16): even lanes to plane 0, odd lanes to plane 1 */
            const int64_t q = 2 * c - p2;
            const __m256i i0 = _mm256_add_epi32(_mm256_set1_epi32((int32_t)q), iota);
            const __m256i i1 = _mm256_add_epi32(i0, _mm256_set1_epi32(8));
            const __m256i m0 = _mm256_and_si256(_mm256_cmpgt_epi32(i0, neg1), _mm256_cmpgt_epi32(limv, i0));
            const __m256i m1 = _mm256_and_si256(_mm256_cmpgt_epi32(i1, neg1), _mm256_cmpgt_epi32(limv, i1));
            const __m256 l = _mm256_maskload_ps(xr + q, m0);
            const __m256 h = _mm256_maskload_ps(xr + q + 8, m1);
            const __m256 ev = _mm256_shuffle_ps(l, h, _MM_SHUFFLE(2, 0, 2, 0));
            const __m256 od = _mm256_shuffle_ps(l, h, _MM_SHUFFLE(3, 1, 3, 1));
            _mm256_storeu_ps(d[0] + c, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                           _mm256_castps_pd(ev), _MM_SHUFFLE(3, 1, 2, 0))));
            _mm256_storeu_ps(d[1] + c, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                           _mm256_castps_pd(od), _MM_SHUFFLE(3, 1, 2, 0))));
        }
        (void)lo;
        (void)bb;
        return;
    }
#else
    (void)in2;
    (void)we;
    for (bb = 0; bb < 2; bb++)
        for (c = lo[bb]; c < hi[bb]; c++)
            d[bb][c] = xr[2 * c + bb - p2];
#endif
}

static int rt_conv_dw3x3_planes(float *y, const float *x, const float *w, const float *b,
                                const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2];
    const int64_t e = 2 / s, we = out2 + e, np = s * s;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    int64_t rows = (RT_DW_CAP / np - RT_DW_SLACK) / we - e, ps, nc, r0;
    int64_t off[9], lo[2], hi[2], bb;
    float buf[RT_DW_CAP];
#ifdef RT_SIMD_AVX2
    float tmp[RT_DW_CAP + 8];
#endif
    int t, u;

    if (rows < 1)
        return 0;
    if (rows > out1)
        rows = out1;
    ps = (rows + e) * we + RT_DW_SLACK;
    for (t = 0; t < 3; t++)
        for (u = 0; u < 3; u++)
            off[t * 3 + u] = ((t % s) * s + u % s) * ps + (t / s) * we + u / s;
    /* plane b's columns c with 0 <= s*c + b - p2 < in2 */
    for (bb = 0; bb < 2; bb++) {
        lo[bb] = rt_ceil_div(p2 - bb, s);
        hi[bb] = rt_floor_div(in2 - 1 + p2 - bb, s) + 1;
        if (lo[bb] < 0)
            lo[bb] = 0;
        if (hi[bb] > we)
            hi[bb] = we;
        if (hi[bb] < lo[bb])
            hi[bb] = lo[bb];
    }
    for (r0 = 0; r0 < out1; r0 += rows) {
        const int64_t nr = out1 - r0 < rows ? out1 - r0 : rows;
        memset(buf, 0, (size_t)(np * ps) * sizeof(float));
        for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
            const int64_t ch = nc % p->c;
            const float *xp = x + nc * in1 * in2;
            const float *wc = w + ch * 9;
            const float bias = b ? b[ch] : 0.0f;
            float *yp = y + nc * out1 * out2;
            int64_t a, r, c, o1;
            for (a = 0; a < s; a++) {
                for (r = 0; r < nr + e; r++) {
                    const int64_t i1 = s * (r0 + r) + a - p1;
                    float *d[2];
                    if (i1 < 0 || i1 >= in1)
                        continue;       /* stays zero */
                    d[0] = buf + a * s * ps + r * we;
                    d[1] = d[0] + ps;
                    rt_dw_fill_row(d, xp + i1 * in2, s, p2, lo, hi, in2, we);
                }
            }
#ifdef RT_SIMD_AVX2
            {
                const int64_t nj = nr * we;
                const __m256 bv = _mm256_set1_ps(bias), zero = _mm256_setzero_ps();
                __m256 wv[9];
                int64_t j;
                for (t = 0; t < 9; t++)
                    wv[t] = _mm256_set1_ps(wc[t]);
                for (j = 0; j < nj; j += 8) {
                    const float *q = buf + j;
                    __m256 acc = _mm256_mul_ps(wv[0], _mm256_loadu_ps(q + off[0]));
                    acc = _mm256_fmadd_ps(wv[1], _mm256_loadu_ps(q + off[1]), acc);
                    acc = _mm256_fmadd_ps(wv[2], _mm256_loadu_ps(q + off[2]), acc);
                    acc = _mm256_fmadd_ps(wv[3], _mm256_loadu_ps(q + off[3]), acc);
                    acc = _mm256_fmadd_ps(wv[4], _mm256_loadu_ps(q + off[4]), acc);
                    acc = _mm256_fmadd_ps(wv[5], _mm256_loadu_ps(q + off[5]), acc);
                    acc = _mm256_fmadd_ps(wv[6], _mm256_loadu_ps(q + off[6]), acc);
                    acc = _mm256_fmadd_ps(wv[7], _mm256_loadu_ps(q + off[7]), acc);
                    acc = _mm256_fmadd_ps(wv[8], _mm256_loadu_ps(q + off[8]), acc);
                    _mm256_storeu_ps(tmp + j, _mm256_add_ps(acc, bv));
                }
                for (o1 = 0; o1 < nr; o1++) {
                    const float *src = tmp + o1 * we;
                    float *yr = yp + (r0 + o1) * out2;
                    for (c = 0; c < out2; c += 8) {
                        __m256 v;
                        if (c + 8 > out2) {
                            /* a tail: without a residual, a whole vector
                             * may run into the block's next rows (rewritten
                             * after) or end at out2 overlapping the last one */
                            if (acc_res || ((nr - o1) * out2 - c < 8 && out2 < 8)) {
                                for (; c < out2; c++) {
                                    float vs = src[c] + (acc_res ? yr[c] : 0.0f);
                                    yr[c] = relu && vs < 0.0f ? 0.0f : vs;
                                }
                                break;
                            }
                            if ((nr - o1) * out2 - c < 8)
                                c = out2 - 8;
                        }
                        v = _mm256_loadu_ps(src + c);
                        if (acc_res)
                            v = _mm256_add_ps(v, _mm256_loadu_ps(yr + c));
                        if (relu)
                            v = _mm256_max_ps(zero, v);
                        _mm256_storeu_ps(yr + c, v);
                    }
                    if (!relu)
                        rt_act_apply(yr, out2, p->act, p->act_alpha, p->act_beta);
                }
            }
#elif defined(RT_SIMD_NEON)
            {
                /* 4 outputs a step along each row (the 9 loads stay inside
                 * the planes: the row's last vector ends at out2 <= we),
                 * then single outputs; bias, residual and ReLU in the store */
                const float32x4_t bv = vdupq_n_f32(bias), zero = vdupq_n_f32(0.0f);
                float32x4_t wv[9];
                for (t = 0; t < 9; t++)
                    wv[t] = vdupq_n_f32(wc[t]);
                for (o1 = 0; o1 < nr; o1++) {
                    const float *q = buf + o1 * we;
                    float *yr = yp + (r0 + o1) * out2;
                    for (c = 0; c + 4 <= out2; c += 4) {
                        const float *qc = q + c;
                        float32x4_t acc = vmulq_f32(wv[0], vld1q_f32(qc + off[0]));
                        acc = vfmaq_f32(acc, wv[1], vld1q_f32(qc + off[1]));
                        acc = vfmaq_f32(acc, wv[2], vld1q_f32(qc + off[2]));
                        acc = vfmaq_f32(acc, wv[3], vld1q_f32(qc + off[3]));
                        acc = vfmaq_f32(acc, wv[4], vld1q_f32(qc + off[4]));
                        acc = vfmaq_f32(acc, wv[5], vld1q_f32(qc + off[5]));
                        acc = vfmaq_f32(acc, wv[6], vld1q_f32(qc + off[6]));
                        acc = vfmaq_f32(acc, wv[7], vld1q_f32(qc + off[7]));
                        acc = vfmaq_f32(acc, wv[8], vld1q_f32(qc + off[8]));
                        acc = vaddq_f32(acc, bv);
                        if (acc_res)
                            acc = vaddq_f32(acc, vld1q_f32(yr + c));
                        if (relu)
                            acc = vbslq_f32(vcltq_f32(acc, zero), zero, acc);
                        vst1q_f32(yr + c, acc);
                    }
                    for (; c < out2; c++) {
                        float acc = 0.0f;
                        for (t = 0; t < 9; t++)
                            acc += wc[t] * q[c + off[t]];
                        yr[c] = rt_dw_fin(acc, bias, yr + c, acc_res, relu);
                    }
                    if (!relu)
                        rt_act_apply(yr, out2, p->act, p->act_alpha, p->act_beta);
                }
            }
#else
            for (o1 = 0; o1 < nr; o1++) {
                const float *q = buf + o1 * we;
                float *yr = yp + (r0 + o1) * out2;
                for (c = 0; c < out2; c++) {
                    float acc = 0.0f;
                    for (t = 0; t < 9; t++)
                        acc += wc[t] * q[c + off[t]];
                    yr[c] = rt_dw_fin(acc, bias, yr + c, acc_res, relu);
                }
                if (!relu)
                    rt_act_apply(yr, out2, p->act, p->act_alpha, p->act_beta);
            }
#endif
        }
    }
    return 1;
}

#ifdef RT_SIMD_AVX512

/*
 * Depthwise 3x3 on narrow maps (AVX-512): R = 16 / out2 output rows share one
 * register (lane l = row l / out2, column l % out2). Their input window,
 * (R-1)*s + 3 whole rows, is contiguous and at most 32 floats, so it is
 * loaded into two registers (rows outside the image masked to zero), and
 * every tap is one two-register permute of it with a fixed index vector,
 * its padding columns masked to zero. One masked store writes the R rows.
 * Returns 0 when not even two rows fit a register and a window.
 */
static int rt_conv_dw3x3_pack512(float *y, const float *x, const float *w, const float *b,
                                 const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2];
    const int64_t isz = in1 * in2;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    int64_t rr = out2 > 0 ? 16 / out2 : 0, nc;
    __m512i idx[9];
    __mmask16 tm[9];
    int t;

    if (rr > out1)
        rr = out1;
    while (rr >= 2 && ((rr - 1) * s + 3) * in2 > 32)
        rr--;
    if (rr < 2)
        return 0;
    for (t = 0; t < 9; t++) {
        int32_t id[16];
        unsigned m = 0;
        int l;
        for (l = 0; l < 16; l++) {
            const int64_t r = l / out2, o2 = l % out2;
            const int64_t ix = o2 * s + t % 3 - p2;
            const int ok = r < rr && ix >= 0 && ix < in2;
            id[l] = ok ? (int32_t)((r * s + t / 3) * in2 + ix) : 0;
            m |= (unsigned)ok << l;
        }
        idx[t] = _mm512_loadu_si512(id);
        tm[t] = (__mmask16)m;
    }
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
        const int64_t ch = nc % p->c;
        const float *xp = x + nc * isz;
        const float *wc = w + ch * 9;
        const __m512 bv = _mm512_set1_ps(b ? b[ch] : 0.0f);
        float *yp = y + nc * out1 * out2;
        __m512 wv[9];
        int64_t o1;
        for (t = 0; t < 9; t++)
            wv[t] = _mm512_set1_ps(wc[t]);
        for (o1 = 0; o1 < out1; o1 += rr) {
            const int64_t start = (o1 * s - p1) * in2;
            const int64_t nrow = out1 - o1 < rr ? out1 - o1 : rr;
            const __mmask16 om = rt_lane_range16(0, nrow * out2);
            const __m512 r0 = _mm512_maskz_loadu_ps(rt_lane_range16(-start, isz - start), xp + start);
            const __m512 r1 = _mm512_maskz_loadu_ps(rt_lane_range16(-start - 16, isz - start - 16),
                                                    xp + start + 16);
            float *yr = yp + o1 * out2;
            __m512 a0, a1, a2;
            a0 = _mm512_fmadd_ps(wv[0], _mm512_maskz_permutex2var_ps(tm[0], r0, idx[0], r1), bv);
            a1 = _mm512_mul_ps(wv[1], _mm512_maskz_permutex2var_ps(tm[1], r0, idx[1], r1));
            a2 = _mm512_mul_ps(wv[2], _mm512_maskz_permutex2var_ps(tm[2], r0, idx[2], r1));
            a0 = _mm512_fmadd_ps(wv[3], _mm512_maskz_permutex2var_ps(tm[3], r0, idx[3], r1), a0);
            a1 = _mm512_fmadd_ps(wv[4], _mm512_maskz_permutex2var_ps(tm[4], r0, idx[4], r1), a1);
            a2 = _mm512_fmadd_ps(wv[5], _mm512_maskz_permutex2var_ps(tm[5], r0, idx[5], r1), a2);
            a0 = _mm512_fmadd_ps(wv[6], _mm512_maskz_permutex2var_ps(tm[6], r0, idx[6], r1), a0);
            a1 = _mm512_fmadd_ps(wv[7], _mm512_maskz_permutex2var_ps(tm[7], r0, idx[7], r1), a1);
            a2 = _mm512_fmadd_ps(wv[8], _mm512_maskz_permutex2var_ps(tm[8], r0, idx[8], r1), a2);
            a0 = _mm512_add_ps(a0, _mm512_add_ps(a1, a2));
            if (acc_res)
                a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(om, yr));
            if (relu)
                a0 = _mm512_max_ps(_mm512_setzero_ps(), a0);
            _mm512_mask_storeu_ps(yr, om, a0);
            if (!relu)
                rt_act_apply(yr, nrow * out2, p->act, p->act_alpha, p->act_beta);
        }
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX512
/*
 * Depthwise 3x3 on rows of any width (AVX-512), no copy of the input: each
 * output row runs in chunks of 16 outputs, one register each. Tap (t, u) of
 * lane l reads input column s*(o2 + l) + u - p2 of row s*o1 + t - p1: for
 * stride 1 a masked load at that offset; for stride 2 a permute of two
 * registers loaded at the chunk's first column (taps u = 0, 1) or two past
 * it (u = 2). Lanes whose column is in the padding or past the row are
 * masked to zero, rows in the padding skipped. One partial sum per kernel
 * row; bias, the residual and ReLU are fused into the masked store.
 */

/* The chunk columns of one channel of rt_conv_dw3x3_wide512. */
static inline void rt_dw_cols512(float *yp, const float *xp, const __m512 wv[9], __m512 bv,
                                 int64_t in1, int64_t in2, int64_t out1, int64_t out2, int64_t s,
                                 int64_t p1, int64_t p2, int64_t nch, const __mmask16 *om,
                                 const __mmask16 (*vm)[3], const __mmask16 (*lm)[4], __m512i ev,
                                 __m512i od, int acc_res, int relu)
{
    int64_t k, o1;
    int t;
    /* down each chunk's column: the shifted loads (or permutes) of an
     * input row are made once and serve every output row that reads it */
    for (k = 0; k < nch; k++) {
        const float *xc = xp + s * k * 16 - p2;
        __m512 v[3][3];
        int u;
        for (t = 0; t < 3; t++)
            v[t][0] = v[t][1] = v[t][2] = _mm512_setzero_ps();
        if (s == 1) {
            for (t = 0; t < 2; t++)
                rt_dw_row512(v[t + 1], xc, t - p1, in1, in2, 1, vm[k], lm[k], ev, od);
        } else {
            rt_dw_row512(v[2], xc, -p1, in1, in2, 2, vm[k], lm[k], ev, od);
        }
        for (o1 = 0; o1 < out1; o1++) {
            float *yr = yp + o1 * out2 + k * 16;
            __m512 a0, a1, a2;
            if (s == 1) {
                for (u = 0; u < 3; u++) {
                    v[0][u] = v[1][u];
                    v[1][u] = v[2][u];
                }
                rt_dw_row512(v[2], xc, o1 + 2 - p1, in1, in2, 1, vm[k], lm[k], ev, od);
            } else {
                for (u = 0; u < 3; u++)
                    v[0][u] = v[2][u];
                rt_dw_row512(v[1], xc, 2 * o1 + 1 - p1, in1, in2, 2, vm[k], lm[k], ev, od);
                rt_dw_row512(v[2], xc, 2 * o1 + 2 - p1, in1, in2, 2, vm[k], lm[k], ev, od);
            }
            a0 = _mm512_fmadd_ps(wv[0], v[0][0], bv);
            a1 = _mm512_mul_ps(wv[1], v[0][1]);
            a2 = _mm512_mul_ps(wv[2], v[0][2]);
            a0 = _mm512_fmadd_ps(wv[3], v[1][0], a0);
            a1 = _mm512_fmadd_ps(wv[4], v[1][1], a1);
            a2 = _mm512_fmadd_ps(wv[5], v[1][2], a2);
            a0 = _mm512_fmadd_ps(wv[6], v[2][0], a0);
            a1 = _mm512_fmadd_ps(wv[7], v[2][1], a1);
            a2 = _mm512_fmadd_ps(wv[8], v[2][2], a2);
            a0 = _mm512_add_ps(a0, _mm512_add_ps(a1, a2));
            if (acc_res)
                a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(om[k], yr));
            if (relu)
                a0 = _mm512_max_ps(_mm512_setzero_ps(), a0);
            _mm512_mask_storeu_ps(yr, om[k], a0);
        }
    }
}

#define RT_DW_CHUNKS 16          /* rt_conv_dw3x3_wide512: rows up to 256 outputs */
static int rt_conv_dw3x3_wide512(float *y, const float *x, const float *w, const float *b,
                                 const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2];
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i ev = _mm512_slli_epi32(iota, 1), od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    const int64_t nch = (out2 + 15) / 16;
    /* per chunk: output lanes, per tap column the lanes whose input column
     * is inside the row, and (stride 2) the raw loads' lanes */
    __mmask16 om[RT_DW_CHUNKS], vm[RT_DW_CHUNKS][3], lm[RT_DW_CHUNKS][4];
    int64_t nc;

    if (nch > RT_DW_CHUNKS)
        return 0;
    rt_dw_masks512(om, vm, lm, nch, s, p2, out2, in2);
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
        const int64_t ch = nc % p->c;
        const float *xp = x + nc * in1 * in2;
        const float *wc = w + ch * 9;
        const __m512 bv = _mm512_set1_ps(b ? b[ch] : 0.0f);
        float *yp = y + nc * out1 * out2;
        __m512 wv[9];
        int t;
        for (t = 0; t < 9; t++)
            wv[t] = _mm512_set1_ps(wc[t]);
        /* constant strides, so each copy is specialized */
        if (s == 1)
            rt_dw_cols512(yp, xp, wv, bv, in1, in2, out1, out2, 1, p1, p2, nch, om, vm, lm, ev,
                          od, acc_res, relu);
        else
            rt_dw_cols512(yp, xp, wv, bv, in1, in2, out1, out2, 2, p1, p2, nch, om, vm, lm, ev,
                          od, acc_res, relu);
        if (!relu)
            rt_act_apply(yp, out1 * out2, p->act, p->act_alpha, p->act_beta);
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX512
/*
 * Depthwise 3x3, stride 1, "same" padding 1 (AVX-512), on maps of at most
 * RT_DW_FLAT positions: the plane is taken flat, 16 consecutive positions
 * q = o1*W + o2 per register whatever the row width, and since the input has
 * the output's shape, tap (t, u) of position q reads input q + (t-1)*W +
 * (u-1): one masked load from the plane in place, its mask (precomputed per
 * register of positions, once per call) zeroing the lanes whose tap falls in
 * the padding or past the plane. No lane is wasted on short rows (5-wide or
 * 6-wide maps fill every register), no copy, no permute. Same partial sums
 * and epilogue as rt_conv_dw3x3_wide512. Only rows of at most 8: on wider
 * rows most taps' loads straddle cache lines and wide512's reuse down each
 * column wins (measured on 12x12 and 24x24: 2.5 vs 3.1 and 4.5 vs 5.7 us).
 */
#define RT_DW_FLAT 1024
static int rt_conv_dw3x3_flat512(float *y, const float *x, const float *w, const float *b,
                                 const rt_conv_params *p)
{
    const int64_t h = p->out[1], wd = p->out[2], hw = h * wd, nq = (hw + 15) / 16;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __mmask16 tm[RT_DW_FLAT / 16][9];
    unsigned char inner[RT_DW_FLAT / 16];
    int64_t nc, k;

    if (p->stride[1] != 1 || p->stride[2] != 1 || p->pad[1] != 1 || p->pad[2] != 1 ||
        p->in[1] != h || p->in[2] != wd || hw > RT_DW_FLAT || wd > 8)
        return 0;
    for (k = 0; k < nq; k++) {
        /* row and column of every lane: exact in float for these sizes */
        const __m512i q = _mm512_add_epi32(iota, _mm512_set1_epi32((int32_t)(16 * k)));
        const __m512 qf = _mm512_cvtepi32_ps(q);
        const __m512i r = _mm512_cvttps_epi32(
            _mm512_mul_ps(_mm512_add_ps(qf, _mm512_set1_ps(0.5f)), _mm512_set1_ps(1.0f / (float)wd)));
        const __m512i c = _mm512_sub_epi32(q, _mm512_mullo_epi32(r, _mm512_set1_epi32((int32_t)wd)));
        const __mmask16 in = _mm512_cmplt_epi32_mask(q, _mm512_set1_epi32((int32_t)hw));
        const __mmask16 rm[3] = {
            (__mmask16)(in & _mm512_cmpgt_epi32_mask(r, _mm512_setzero_si512())), in,
            (__mmask16)(in & _mm512_cmplt_epi32_mask(r, _mm512_set1_epi32((int32_t)(h - 1))))};
        const __mmask16 cm[3] = {
            _mm512_cmpgt_epi32_mask(c, _mm512_setzero_si512()), (__mmask16)0xffff,
            _mm512_cmplt_epi32_mask(c, _mm512_set1_epi32((int32_t)(wd - 1)))};
        int t;
        for (t = 0; t < 9; t++)
            tm[k][t] = (__mmask16)(rm[t / 3] & cm[t % 3]);
        /* whole register, every row inside: only the column masks matter */
        inner[k] = 16 * k + 15 < hw && 16 * k >= wd && 16 * k + 15 < hw - wd;
    }
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
        const int64_t ch = nc % p->c;
        const float *xp = x + nc * hw;
        const float *wc = w + ch * 9;
        const __m512 bv = _mm512_set1_ps(b ? b[ch] : 0.0f);
        float *yp = y + nc * hw;
        __m512 wv[9];
        int t;
        for (t = 0; t < 9; t++)
            wv[t] = _mm512_set1_ps(wc[t]);
        for (k = 0; k < nq; k++) {
            const float *xq = xp + 16 * k;
            const __mmask16 *m = tm[k];
            const __mmask16 om = m[4];
            __m512 a0, a1, a2;
            if (inner[k]) {
                /* two masks, three plain loads: fewer mask moves */
                const __mmask16 l = m[3], r = m[5];
                a0 = _mm512_fmadd_ps(wv[0], _mm512_maskz_loadu_ps(l, xq - wd - 1), bv);
                a1 = _mm512_mul_ps(wv[1], _mm512_loadu_ps(xq - wd));
                a2 = _mm512_mul_ps(wv[2], _mm512_maskz_loadu_ps(r, xq - wd + 1));
                a0 = _mm512_fmadd_ps(wv[3], _mm512_maskz_loadu_ps(l, xq - 1), a0);
                a1 = _mm512_fmadd_ps(wv[4], _mm512_loadu_ps(xq), a1);
                a2 = _mm512_fmadd_ps(wv[5], _mm512_maskz_loadu_ps(r, xq + 1), a2);
                a0 = _mm512_fmadd_ps(wv[6], _mm512_maskz_loadu_ps(l, xq + wd - 1), a0);
                a1 = _mm512_fmadd_ps(wv[7], _mm512_loadu_ps(xq + wd), a1);
                a2 = _mm512_fmadd_ps(wv[8], _mm512_maskz_loadu_ps(r, xq + wd + 1), a2);
                a0 = _mm512_add_ps(a0, _mm512_add_ps(a1, a2));
                if (acc_res)
                    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(yp + 16 * k));
                if (relu)
                    a0 = _mm512_max_ps(_mm512_setzero_ps(), a0);
                _mm512_storeu_ps(yp + 16 * k, a0);
                continue;
            }
            a0 = _mm512_fmadd_ps(wv[0], _mm512_maskz_loadu_ps(m[0], xq - wd - 1), bv);
            a1 = _mm512_mul_ps(wv[1], _mm512_maskz_loadu_ps(m[1], xq - wd));
            a2 = _mm512_mul_ps(wv[2], _mm512_maskz_loadu_ps(m[2], xq - wd + 1));
            a0 = _mm512_fmadd_ps(wv[3], _mm512_maskz_loadu_ps(m[3], xq - 1), a0);
            a1 = _mm512_fmadd_ps(wv[4], _mm512_maskz_loadu_ps(om, xq), a1);
            a2 = _mm512_fmadd_ps(wv[5], _mm512_maskz_loadu_ps(m[5], xq + 1), a2);
            a0 = _mm512_fmadd_ps(wv[6], _mm512_maskz_loadu_ps(m[6], xq + wd - 1), a0);
            a1 = _mm512_fmadd_ps(wv[7], _mm512_maskz_loadu_ps(m[7], xq + wd), a1);
            a2 = _mm512_fmadd_ps(wv[8], _mm512_maskz_loadu_ps(m[8], xq + wd + 1), a2);
            a0 = _mm512_add_ps(a0, _mm512_add_ps(a1, a2));
            if (acc_res)
                a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(om, yp + 16 * k));
            if (relu)
                a0 = _mm512_max_ps(_mm512_setzero_ps(), a0);
            _mm512_mask_storeu_ps(yp + 16 * k, om, a0);
        }
        if (!relu)
            rt_act_apply(yp, hw, p->act, p->act_alpha, p->act_beta);
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX2
/*
 * Dense 2-D convolution (group 1, dilation 1, stride 1 or 2, kernel 1x2 up
 * to 11x11; 1x1 stays with rt_sgemm) as an indirect matrix product over phase planes: the input of a
 * block of output rows is copied once into the phase planes of
 * rt_conv_dw3x3_planes (plane (ic, a, b): padded row s*r + a, column s*c + b,
 * row stride we = out2 + (k2-1)/s), so the im2col row of tap (ic, t, u) is
 * the contiguous run of plane (ic, t%s, u%s) at offset (t/s)*we + u/s, and
 * the 6x16 micro-tile reads it in place: no im2col packing per panel. The
 * output is computed over the flat index o1*we + o2 and the (k2-1)/s extra
 * columns of each row are dropped in the epilogue (bias, residual, ReLU;
 * other activations run over y at the end). Returns 0 (nothing done) when
 * the shape is not covered or one row of planes does not fit the stack.
 */
#define RT_CG_CAP 16384         /* floats of phase planes (64 KB) */
#define RT_CG_KMAX 1024         /* taps (c * k1 * k2) */
#define RT_CG_SLACK 24          /* zeroed floats after each plane: the last tile's overrun */

/* One tile of rt_conv_gemm_planes: tile[i][0..16) = sum_k w[i * kk + k] *
 * bq[off[k] ..+16) for rows i < mr (rows past mr read row mr-1 and are not
 * used). AVX-512: 16 rows (8 when mr <= 8), one zmm register each; AVX2: 6
 * rows of two ymm registers. */
#ifdef RT_SIMD_AVX512
#define RT_CG_MR 8
#define RT_CG_X8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define RT_CG_X16(X) RT_CG_X8(X) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define RT_CG_DECL(i)                                                                     \
    const float *a##i = w + (mr > (i) ? (i) : mr - 1) * kk;                               \
    __m512 c##i = _mm512_setzero_ps();
#define RT_CG_FMA(i) c##i = _mm512_fmadd_ps(_mm512_set1_ps(a##i[k]), b0, c##i);
#define RT_CG_ST(i) _mm512_storeu_ps(tile[i], c##i);
#define RT_CG_TILE(NAME, XR)                                                              \
    static void NAME(float tile[][16], const float *bq, const int32_t *off, const float *w, \
                     int64_t kk, int mr)                                                  \
    {                                                                                     \
        int64_t k;                                                                        \
        XR(RT_CG_DECL)                                                                    \
        for (k = 0; k < kk; k++) {                                                        \
            const __m512 b0 = _mm512_loadu_ps(bq + off[k]);                               \
            XR(RT_CG_FMA)                                                                 \
        }                                                                                 \
        XR(RT_CG_ST)                                                                      \
    }
RT_CG_TILE(rt_cg_tile16, RT_CG_X16)
RT_CG_TILE(rt_cg_tile8, RT_CG_X8)

static void rt_cg_tile(float tile[][16], const float *bq, const int32_t *off, const float *w,
                       int64_t kk, int mr)
{
#if RT_CG_MR == 8
    (void)rt_cg_tile16;
    rt_cg_tile8(tile, bq, off, w, kk, mr);
#else
    if (mr <= 8)
        rt_cg_tile8(tile, bq, off, w, kk, mr);
    else
        rt_cg_tile16(tile, bq, off, w, kk, mr);
#endif
}
/* Two tiles at once (columns bqa.. and bqb..), 8 rows: 16 accumulators. */
#define RT_CG_NT 2
#define RT_CG_DECL2(i)                                                                    \
    const float *a##i = w + (mr > (i) ? (i) : mr - 1) * kk;                               \
    __m512 c##i = _mm512_setzero_ps(), d##i = _mm512_setzero_ps();
#define RT_CG_FMA2(i)                                                                     \
    {                                                                                     \
        const __m512 av = _mm512_set1_ps(a##i[k]);                                        \
        c##i = _mm512_fmadd_ps(av, b0, c##i);                                             \
        d##i = _mm512_fmadd_ps(av, b1, d##i);                                             \
    }
#define RT_CG_ST2(i)                                                                      \
    _mm512_storeu_ps(ta[i], c##i);                                                        \
    _mm512_storeu_ps(tb[i], d##i);
static void rt_cg_tile2(float ta[][16], float tb[][16], const float *bqa, const float *bqb,
                        const int32_t *off, const float *w, int64_t kk, int mr)
{
    int64_t k;
    RT_CG_X8(RT_CG_DECL2)
    for (k = 0; k < kk; k++) {
        const __m512 b0 = _mm512_loadu_ps(bqa + off[k]), b1 = _mm512_loadu_ps(bqb + off[k]);
        RT_CG_X8(RT_CG_FMA2)
    }
    RT_CG_X8(RT_CG_ST2)
}
/* The direct epilogue: row i of both tiles finished (bias, residual, ReLU)
 * and stored to y at ya / yb + i*ldy; DSTC stores only lanes ma / mb, which
 * land on consecutive outputs (a flat tile's valid columns, row after row,
 * or a row's last partial tile): one compress-store each (and an
 * expand-load for the residual). */
#define RT_CG_DSTF(i)                                                                     \
    {                                                                                     \
        const __m512 bv = _mm512_set1_ps(bias ? bias[i] : 0.0f);                          \
        __m512 va = _mm512_add_ps(c##i, bv), vb = _mm512_add_ps(d##i, bv);               \
        if (acc_res) {                                                                    \
            va = _mm512_add_ps(va, _mm512_loadu_ps(ya + (i) * ldy));                      \
            vb = _mm512_add_ps(vb, _mm512_loadu_ps(yb + (i) * ldy));                      \
        }                                                                                 \
        if (relu) {                                                                       \
            va = _mm512_max_ps(_mm512_setzero_ps(), va);                                  \
            vb = _mm512_max_ps(_mm512_setzero_ps(), vb);                                  \
        }                                                                                 \
        _mm512_storeu_ps(ya + (i) * ldy, va);                                             \
        _mm512_storeu_ps(yb + (i) * ldy, vb);                                             \
    }
#define RT_CG_DSTC(i)                                                                     \
    {                                                                                     \
        const __m512 bv = _mm512_set1_ps(bias ? bias[i] : 0.0f);                          \
        __m512 va = _mm512_add_ps(c##i, bv), vb = _mm512_add_ps(d##i, bv);               \
        if (acc_res) {                                                                    \
            va = _mm512_add_ps(va, _mm512_maskz_expandloadu_ps(ma, ya + (i) * ldy));      \
            vb = _mm512_add_ps(vb, _mm512_maskz_expandloadu_ps(mb, yb + (i) * ldy));      \
        }                                                                                 \
        if (relu) {                                                                       \
            va = _mm512_max_ps(_mm512_setzero_ps(), va);                                  \
            vb = _mm512_max_ps(_mm512_setzero_ps(), vb);                                  \
        }                                                                                 \
        _mm512_mask_compressstoreu_ps(ya + (i) * ldy, ma, va);                            \
        _mm512_mask_compressstoreu_ps(yb + (i) * ldy, mb, vb);                            \
    }
#if defined(__GNUC__)
#define RT_CG_NOINLINE __attribute__((noinline))
#else
#define RT_CG_NOINLINE
#endif
/* rt_cg_tile2 (and rt_cg_tile2h, halves h apart) for 8 full rows with the
 * epilogue straight from the accumulators, no stack tile (it cost K = 27
 * layers about a tenth of their time): DSTF for two full tiles, DSTC for
 * lanes ma / mb only. Kept out of line: inlined into rt_conv_gemm_planes
 * the k loop was allocated worse (33 -> 40 us on an 8x8 layer). */
#define RT_CG_TILE2D(NAME, DST)                                                           \
    static RT_CG_NOINLINE void NAME(float *ya, float *yb, __mmask16 ma, __mmask16 mb,     \
                                    int64_t ldy, const float *bias, int acc_res, int relu, \
                                    const float *bqa, const float *bqb, const int32_t *off, \
                                    const float *w, int64_t kk)                           \
    {                                                                                     \
        const int mr = 8;                                                                 \
        int64_t k;                                                                        \
        (void)ma;                                                                         \
        (void)mb;                                                                         \
        RT_CG_X8(RT_CG_DECL2)                                                             \
        for (k = 0; k < kk; k++) {                                                        \
            const __m512 b0 = _mm512_loadu_ps(bqa + off[k]);                              \
            const __m512 b1 = _mm512_loadu_ps(bqb + off[k]);                              \
            RT_CG_X8(RT_CG_FMA2)                                                          \
        }                                                                                 \
        RT_CG_X8(DST)                                                                     \
    }
#define RT_CG_TILE2HD(NAME, DST)                                                          \
    static RT_CG_NOINLINE void NAME(float *ya, float *yb, __mmask16 ma, __mmask16 mb,     \
                                    int64_t ldy, const float *bias, int acc_res, int relu, \
                                    const float *bqa, const float *bqb, int64_t h,        \
                                    const int32_t *off, const float *w, int64_t kk)       \
    {                                                                                     \
        const int mr = 8;                                                                 \
        int64_t k;                                                                        \
        (void)ma;                                                                         \
        (void)mb;                                                                         \
        RT_CG_X8(RT_CG_DECL2)                                                             \
        for (k = 0; k < kk; k++) {                                                        \
            const float *pa = bqa + off[k], *pb = bqb + off[k];                           \
            const __m512 b0 = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(pa)), \
                                                 _mm256_loadu_ps(pa + h), 1);             \
            const __m512 b1 = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(pb)), \
                                                 _mm256_loadu_ps(pb + h), 1);             \
            RT_CG_X8(RT_CG_FMA2)                                                          \
        }                                                                                 \
        RT_CG_X8(DST)                                                                     \
    }
/* rt_cg_tile2d for compact planes (see rt_conv_gemm_planes): the B loads of
 * tap k masked by mk[k], which zeroes the lanes whose column falls off the
 * 8-wide row. */
#define RT_CG_TILE2M(NAME, DST)                                                           \
    static RT_CG_NOINLINE void NAME(float *ya, float *yb, __mmask16 ma, __mmask16 mb,     \
                                    int64_t ldy, const float *bias, int acc_res, int relu, \
                                    const float *bqa, const float *bqb, const int32_t *off, \
                                    const __mmask16 *mk, const float *w, int64_t kk)      \
    {                                                                                     \
        const int mr = 8;                                                                 \
        int64_t k;                                                                        \
        (void)ma;                                                                         \
        (void)mb;                                                                         \
        RT_CG_X8(RT_CG_DECL2)                                                             \
        for (k = 0; k < kk; k++) {                                                        \
            const __m512 b0 = _mm512_maskz_loadu_ps(mk[k], bqa + off[k]);                 \
            const __m512 b1 = _mm512_maskz_loadu_ps(mk[k], bqb + off[k]);                 \
            RT_CG_X8(RT_CG_FMA2)                                                          \
        }                                                                                 \
        RT_CG_X8(DST)                                                                     \
    }
RT_CG_TILE2M(rt_cg_tile2md, RT_CG_DSTF)
RT_CG_TILE2M(rt_cg_tile2mc, RT_CG_DSTC)
RT_CG_TILE2D(rt_cg_tile2d, RT_CG_DSTF)
RT_CG_TILE2D(rt_cg_tile2c, RT_CG_DSTC)
RT_CG_TILE2HD(rt_cg_tile2hd, RT_CG_DSTF)
RT_CG_TILE2HD(rt_cg_tile2hc, RT_CG_DSTC)
/* rt_cg_tile2 with each tile's two 8-wide halves from plane rows h apart. */
static void rt_cg_tile2h(float ta[][16], float tb[][16], const float *bqa, const float *bqb,
                         int64_t h, const int32_t *off, const float *w, int64_t kk, int mr)
{
    int64_t k;
    RT_CG_X8(RT_CG_DECL2)
    for (k = 0; k < kk; k++) {
        const float *pa = bqa + off[k], *pb = bqb + off[k];
        const __m512 b0 = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(pa)),
                                             _mm256_loadu_ps(pa + h), 1);
        const __m512 b1 = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(pb)),
                                             _mm256_loadu_ps(pb + h), 1);
        RT_CG_X8(RT_CG_FMA2)
    }
    RT_CG_X8(RT_CG_ST2)
}
#else
#define RT_CG_MR 6
#define RT_CG_NT 1
static void rt_cg_tile(float tile[][16], const float *bq, const int32_t *off, const float *w,
                       int64_t kk, int mr)
{
    const float *a0, *a1, *a2, *a3, *a4, *a5;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    int64_t k;
    a0 = w;
    a1 = w + (mr > 1 ? 1 : mr - 1) * kk;
    a2 = w + (mr > 2 ? 2 : mr - 1) * kk;
    a3 = w + (mr > 3 ? 3 : mr - 1) * kk;
    a4 = w + (mr > 4 ? 4 : mr - 1) * kk;
    a5 = w + (mr > 5 ? 5 : mr - 1) * kk;
    for (k = 0; k < kk; k++) {
        const float *bk = bq + off[k];
        const __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
        __m256 av;
        av = _mm256_broadcast_ss(a0 + k);
        c00 = _mm256_fmadd_ps(av, b0, c00);
        c01 = _mm256_fmadd_ps(av, b1, c01);
        av = _mm256_broadcast_ss(a1 + k);
        c10 = _mm256_fmadd_ps(av, b0, c10);
        c11 = _mm256_fmadd_ps(av, b1, c11);
        av = _mm256_broadcast_ss(a2 + k);
        c20 = _mm256_fmadd_ps(av, b0, c20);
        c21 = _mm256_fmadd_ps(av, b1, c21);
        av = _mm256_broadcast_ss(a3 + k);
        c30 = _mm256_fmadd_ps(av, b0, c30);
        c31 = _mm256_fmadd_ps(av, b1, c31);
        av = _mm256_broadcast_ss(a4 + k);
        c40 = _mm256_fmadd_ps(av, b0, c40);
        c41 = _mm256_fmadd_ps(av, b1, c41);
        av = _mm256_broadcast_ss(a5 + k);
        c50 = _mm256_fmadd_ps(av, b0, c50);
        c51 = _mm256_fmadd_ps(av, b1, c51);
    }
    _mm256_storeu_ps(tile[0], c00);
    _mm256_storeu_ps(tile[0] + 8, c01);
    _mm256_storeu_ps(tile[1], c10);
    _mm256_storeu_ps(tile[1] + 8, c11);
    _mm256_storeu_ps(tile[2], c20);
    _mm256_storeu_ps(tile[2] + 8, c21);
    _mm256_storeu_ps(tile[3], c30);
    _mm256_storeu_ps(tile[3] + 8, c31);
    _mm256_storeu_ps(tile[4], c40);
    _mm256_storeu_ps(tile[4] + 8, c41);
    _mm256_storeu_ps(tile[5], c50);
    _mm256_storeu_ps(tile[5] + 8, c51);
}
#endif

#ifdef RT_SIMD_AVX512
/* r8s2f: rt_dw_fill_row at stride 2 (AVX-512) with its lane masks
 * precomputed: fm[2v], fm[2v+1] for the two loads of step v (columns
 * 16v ..+16 of both planes, from xs[32v ..+32), xs = the row minus p2) */
#define RT_CG_FILLV 16          /* steps (plane rows up to 256 wide) */
static inline void rt_cg_fill_row2(float *const d[2], const float *xs, const __mmask16 *fm,
                                   int64_t nfv)
{
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
                                         30);
    const __m512i od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    int64_t v;
    if (nfv < 0) {
        /* padding 1 on rows of 32 (-nfv) columns: all lanes inside,
         * plain loads of the row, its odd columns to plane 0 from column 1,
         * its even ones to plane 1 from column 0 */
        for (v = 0; v < -nfv; v++) {
            const __m512 l = _mm512_loadu_ps(xs + 1 + 32 * v);
            const __m512 h = _mm512_loadu_ps(xs + 17 + 32 * v);
            _mm512_storeu_ps(d[0] + 1 + 16 * v, _mm512_permutex2var_ps(l, od, h));
            _mm512_storeu_ps(d[1] + 16 * v, _mm512_permutex2var_ps(l, ev, h));
        }
        d[0][0] = 0.0f;
        d[1][16 * v] = 0.0f;
        return;
    }
    for (v = 0; v < nfv; v++) {
        const __m512 l = _mm512_maskz_loadu_ps(fm[2 * v], xs + 32 * v);
        const __m512 h = _mm512_maskz_loadu_ps(fm[2 * v + 1], xs + 32 * v + 16);
        _mm512_storeu_ps(d[0] + 16 * v, _mm512_permutex2var_ps(l, ev, h));
        _mm512_storeu_ps(d[1] + 16 * v, _mm512_permutex2var_ps(l, od, h));
    }
}
#endif

/* A run of a tile's columns q .. q+len that lands at y offset yoff. */
typedef struct {
    int q, len;
    int64_t yoff;
} rt_cg_seg;

/* The segments of tile ti of rt_conv_gemm_planes and its first column *j0
 * in the planes' flat index. */
static int rt_cg_segments(rt_cg_seg *seg, int64_t *j0, int64_t ti, int64_t out2, int64_t tpr,
                          int64_t we, int64_t nj, int64_t r0)
{
    int q, n = 0;
    if (out2 >= 16) {
        const int64_t o1 = ti / tpr, o2 = ti % tpr * 16;
        *j0 = o1 * we + o2;
        seg[0].q = 0;
        seg[0].len = out2 - o2 < 16 ? (int)(out2 - o2) : 16;
        seg[0].yoff = (r0 + o1) * out2 + o2;
        return 1;
    }
    *j0 = ti * 16;
    for (q = 0; q < 16; q++) {
        const int64_t jj = *j0 + q, o1 = jj / we, o2 = jj % we;
        int64_t yo;
        if (jj >= nj || o2 >= out2)
            continue;
        yo = (r0 + o1) * out2 + o2;
        if (n > 0 && seg[n - 1].q + seg[n - 1].len == q && seg[n - 1].yoff + seg[n - 1].len == yo) {
            seg[n - 1].len++;
        } else {
            seg[n].q = q;
            seg[n].len = 1;
            seg[n].yoff = yo;
            n++;
        }
    }
    return n;
}

/* The epilogue of one segment: y[0..len) = t + bias (+ y), ReLU. */
static inline void rt_cg_store(float *y, const float *t, int len, float bias, int acc_res,
                               int relu)
{
#ifdef RT_SIMD_AVX512
    const __mmask16 msk = (__mmask16)(len >= 16 ? 0xFFFFu : (1u << len) - 1u);
    __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(msk, t), _mm512_set1_ps(bias));
    if (acc_res)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(msk, y));
    if (relu)
        v = _mm512_max_ps(_mm512_setzero_ps(), v);
    _mm512_mask_storeu_ps(y, msk, v);
#else
    int q;
    if (len == 16) {
        const __m256 bv = _mm256_set1_ps(bias);
        __m256 v0 = _mm256_add_ps(_mm256_loadu_ps(t), bv);
        __m256 v1 = _mm256_add_ps(_mm256_loadu_ps(t + 8), bv);
        if (acc_res) {
            v0 = _mm256_add_ps(v0, _mm256_loadu_ps(y));
            v1 = _mm256_add_ps(v1, _mm256_loadu_ps(y + 8));
        }
        if (relu) {
            v0 = _mm256_max_ps(_mm256_setzero_ps(), v0);
            v1 = _mm256_max_ps(_mm256_setzero_ps(), v1);
        }
        _mm256_storeu_ps(y, v0);
        _mm256_storeu_ps(y + 8, v1);
        return;
    }
    for (q = 0; q < len; q++) {
        float v = t[q] + bias;
        if (acc_res)
            v += y[q];
        if (relu)
            v = v < 0.0f ? 0.0f : v;
        y[q] = v;
    }
#endif
}

static int rt_conv_gemm_planes(float *y, const float *x, const float *w, const float *b,
                               const rt_conv_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2], s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2];
    const int64_t c = p->c, m = p->m, kk = c * k1 * k2;
    const int64_t e1 = (k1 - 1) / s, e2 = (k2 - 1) / s;
    const int64_t osize = out1 * out2, np = s * s;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
#if RT_CG_NT == 2
    /* Compact planes (AVX-512): 3-wide kernels with "same" padding on rows
     * of 8 outputs store each phase plane's rows unpadded, 8 wide (plane
     * (ic, a, b) column cc = input column s*cc + b), so a tile of 16 lanes
     * is exactly two output rows, read with plain (masked) loads: tap u of
     * output column o2 reads plane column o2 + du of phase b, with
     * u - 1 = s*du + b, and the lanes where o2 + du leaves [0, 8) are
     * masked to zero. No dropped lanes and no two-half inserts (ResNet-8's
     * 8x8 layers). m a multiple of 8: every tile pair is 8 full rows. */
    const int compact = out2 == 8 && k2 == 3 && p2 == 1 && m % 8 == 0 &&
                        (s == 1 ? in2 == 8 : (in2 == 15 || in2 == 16));
    __mmask16 mk[RT_CG_KMAX];
#else
    const int compact = 0;
#endif
    const int64_t we = compact ? 8 : out2 + e2;
    int64_t rows, ps, lo[2], hi[2], bb, n, r0, ic, t, u;
    int32_t off[RT_CG_KMAX];
    float buf[RT_CG_CAP];
#ifdef RT_SIMD_AVX512
    /* r8s2f: stride 2 fills each row with the lane masks of
     * rt_dw_fill_row's AVX-512 loop, which depend only on the column step:
     * computed once per call here (their scalar clipping per row and step
     * was about a quarter of ResNet-8's 32x32 stride-2 layer) */
    __mmask16 fm[2 * RT_CG_FILLV];
    const int64_t nfv = (we + 15) / 16;
    if (s == 2 && !compact && nfv <= RT_CG_FILLV) {
        const int64_t lim = in2 < 2 * we - p2 ? in2 : 2 * we - p2;
        int64_t v;
        for (v = 0; v < nfv; v++) {
            const int64_t q = 32 * v - p2;
            fm[2 * v] = rt_lane_range16(-q, lim - q);
            fm[2 * v + 1] = rt_lane_range16(-q - 16, lim - q - 16);
        }
    }
#endif

    if (p->group != 1 || p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 ||
        p->dilation[1] != 1 || p->dilation[2] != 1 || p->stride[1] != s || (s != 1 && s != 2) ||
        k1 > 11 || k2 > 11 || kk > RT_CG_KMAX || k1 * k2 == 1)
        return 0;
    rows = (RT_CG_CAP / (c * np) - RT_CG_SLACK) / we - e1;
    if (rows < 1)
        return 0;
    if (rows > out1)
        rows = out1;
    ps = (rows + e1) * we + RT_CG_SLACK;
    for (ic = 0; ic < c; ic++)
        for (t = 0; t < k1; t++)
            for (u = 0; u < k2; u++) {
#if RT_CG_NT == 2
                if (compact) {
                    const int64_t du = rt_floor_div(u - 1, s), ph = u - 1 - s * du;
                    off[(ic * k1 + t) * k2 + u] =
                        (int32_t)(((ic * s + t % s) * s + ph) * ps + (t / s) * we + du);
                    mk[(ic * k1 + t) * k2 + u] =
                        (__mmask16)(du < 0 ? 0xFEFE : du > 0 ? 0x7F7F : 0xFFFF);
                    continue;
                }
#endif
                off[(ic * k1 + t) * k2 + u] =
                    (int32_t)(((ic * s + t % s) * s + u % s) * ps + (t / s) * we + u / s);
            }
    for (bb = 0; bb < 2; bb++) {
        lo[bb] = rt_ceil_div(p2 - bb, s);
        hi[bb] = rt_floor_div(in2 - 1 + p2 - bb, s) + 1;
        if (lo[bb] < 0)
            lo[bb] = 0;
        if (hi[bb] > we)
            hi[bb] = we;
        if (hi[bb] < lo[bb])
            hi[bb] = lo[bb];
    }
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * c * in1 * in2;
        float *yn = y + n * m * osize;
        for (r0 = 0; r0 < out1; r0 += rows) {
            const int64_t nr = out1 - r0 < rows ? out1 - r0 : rows;
            const int64_t nj = nr * we;
            int64_t a, r, i0;
            /* only what the fill leaves out is zeroed, per block: rows in
             * the padding, at stride 1 the padding columns (stride 2 fills
             * whole rows), and the slack after each plane's last row that
             * the last tile reads and drops (a full memset of the 64 KB
             * cost about 0.5 us a call) */
            for (ic = 0; ic < c; ic++) {
                for (a = 0; a < s; a++) {
                    float *pl = buf + (ic * s + a) * s * ps;
                    if (a >= k1) {      /* a phase no tap reads */
                        memset(pl, 0, (size_t)(s * ps) * sizeof(float));
                        continue;
                    }
                    for (r = 0; r < nr + e1; r++) {
                        const int64_t i1 = s * (r0 + r) + a - p1;
                        float *d[2];
                        d[0] = pl + r * we;
                        d[1] = d[0] + ps;
                        if (i1 < 0 || i1 >= in1) {
                            memset(d[0], 0, (size_t)we * sizeof(float));
                            if (s == 2)
                                memset(d[1], 0, (size_t)we * sizeof(float));
                            continue;
                        }
#if RT_CG_NT == 2
                        if (compact) {
                            const float *xr = xn + (ic * in1 + i1) * in2;
                            if (s == 1) {
                                _mm256_storeu_ps(d[0], _mm256_loadu_ps(xr));
                            } else {
                                const __m512 v = _mm512_maskz_loadu_ps(rt_lane_range16(0, in2), xr);
                                const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1,
                                                                     3, 5, 7, 9, 11, 13, 15);
                                const __m512 q = _mm512_permutexvar_ps(ev, v);
                                _mm256_storeu_ps(d[0], _mm512_castps512_ps256(q));
                                _mm256_storeu_ps(d[1], _mm512_extractf32x8_ps(q, 1));
                            }
                            continue;
                        }
#endif
                        if (s == 1) {
                            memset(d[0], 0, (size_t)lo[0] * sizeof(float));
                            memset(d[0] + hi[0], 0, (size_t)(we - hi[0]) * sizeof(float));
                        }
#ifdef RT_SIMD_AVX512
                        if (s == 2 && nfv <= RT_CG_FILLV) {
                            rt_cg_fill_row2(d, xn + (ic * in1 + i1) * in2 - p2, fm,
                                            p2 == 1 && in2 % 32 == 0 && we == in2 / 2 + 1
                                                ? -(in2 / 32)
                                                : nfv);
                            continue;
                        }
#endif
                        rt_dw_fill_row(d, xn + (ic * in1 + i1) * in2, s, p2, lo, hi, in2, we);
                    }
                    for (u = 0; u < s; u++)
                        memset(pl + u * ps + (nr + e1) * we, 0, RT_CG_SLACK * sizeof(float));
                }
            }
            /* tiles of 16 columns: along each output row when rows are 16
             * or wider (the last one of a row partial), else over the flat
             * index, which spans rows and skips the extra columns; each
             * tile's valid columns form a few runs (segments) of y */
            const int64_t tpr = (out2 + 15) / 16;
            /* AVX-512 on rows exactly 8 wide (stride 1 or 2): a tile is
             * two output rows, its halves loaded from their own plane rows
             * (no dropped columns; ResNet-8's 8x8 stride-2 layer 21.6 ->
             * 16.7 us once its planes fit one block) */
            const int halves = RT_CG_NT == 2 && out2 == 8 && !compact;
            const int64_t ntile = halves || compact ? (nr + 1) / 2
                                  : out2 >= 16         ? nr * tpr
                                                       : (nj + 15) / 16;
            int64_t ti;
#if RT_CG_NT == 2
            if (compact) {
                /* tile ti: output rows 2ti, 2ti+1 of the block, plane flat
                 * 16ti, y (r0 + 2ti) * 8; the last one half full when nr is
                 * odd, an odd last tile paired with nothing (mask 0) */
                for (ti = 0; ti < ntile; ti += 2) {
                    const int64_t tb = ti + 1 < ntile ? ti + 1 : ti;
                    const __mmask16 ma = 2 * ti + 1 < nr ? 0xFFFF : 0x00FF;
                    const __mmask16 mb = tb == ti ? 0 : 2 * tb + 1 < nr ? 0xFFFF : 0x00FF;
                    for (i0 = 0; i0 < m; i0 += 8) {
                        float *ya = yn + i0 * osize + (r0 + 2 * ti) * 8;
                        float *yb = yn + i0 * osize + (r0 + 2 * tb) * 8;
                        (ma == 0xFFFF && mb == 0xFFFF ? rt_cg_tile2md : rt_cg_tile2mc)(
                            ya, yb, ma, mb, osize, b ? b + i0 : NULL, acc_res, relu,
                            buf + 16 * ti, buf + 16 * tb, off, mk, w + i0 * kk, kk);
                    }
                }
                continue;
            }
#endif
            for (ti = 0; ti < ntile; ti += RT_CG_NT) {
                rt_cg_seg seg[RT_CG_NT][16];
                int nseg[RT_CG_NT], nt = ntile - ti < RT_CG_NT ? (int)(ntile - ti) : RT_CG_NT;
                int64_t jt[RT_CG_NT];
                int u2;
                for (u2 = 0; u2 < nt; u2++) {
                    if (halves) {
                        const int64_t o1 = 2 * (ti + u2);
                        jt[u2] = o1 * we;
                        seg[u2][0].q = 0;
                        seg[u2][0].len = o1 + 1 < nr ? 16 : 8;
                        seg[u2][0].yoff = (r0 + o1) * out2;
                        nseg[u2] = 1;
                    } else {
                        nseg[u2] = rt_cg_segments(seg[u2], &jt[u2], ti + u2, out2, tpr, we, nj, r0);
                    }
                }
                for (i0 = 0; i0 < m; i0 += RT_CG_MR) {
                    const int mr = (int)(m - i0 < RT_CG_MR ? m - i0 : RT_CG_MR);
                    float tile[RT_CG_NT][RT_CG_MR][16];
                    int i, sg;
#if RT_CG_NT == 2
                    if (nt == 2 && mr == RT_CG_MR && nseg[0] >= 1 && nseg[1] >= 1) {
                        float *ya = yn + i0 * osize;
                        __mmask16 lm[2] = {0, 0};
                        for (u2 = 0; u2 < 2; u2++)
                            for (sg = 0; sg < nseg[u2]; sg++)
                                lm[u2] |= (__mmask16)(rt_lane_range16(0, seg[u2][sg].len)
                                                      << seg[u2][sg].q);
                        const int full = lm[0] == 0xFFFF && lm[1] == 0xFFFF;
                        if (halves)
                            (full ? rt_cg_tile2hd : rt_cg_tile2hc)(
                                ya + seg[0][0].yoff, ya + seg[1][0].yoff, lm[0], lm[1], osize,
                                b ? b + i0 : NULL, acc_res, relu, buf + jt[0], buf + jt[1], we,
                                off, w + i0 * kk, kk);
                        else
                            (full ? rt_cg_tile2d : rt_cg_tile2c)(
                                ya + seg[0][0].yoff, ya + seg[1][0].yoff, lm[0], lm[1], osize,
                                b ? b + i0 : NULL, acc_res, relu, buf + jt[0], buf + jt[1], off,
                                w + i0 * kk, kk);
                        continue;
                    }
                    if (halves && nt == 2)
                        rt_cg_tile2h(tile[0], tile[1], buf + jt[0], buf + jt[1], we, off,
                                     w + i0 * kk, kk, mr);
                    else if (halves)
                        rt_cg_tile2h(tile[0], tile[0], buf + jt[0], buf + jt[0], we, off,
                                     w + i0 * kk, kk, mr);
                    else if (nt == 2)
                        rt_cg_tile2(tile[0], tile[1], buf + jt[0], buf + jt[1], off, w + i0 * kk,
                                    kk, mr);
                    else
#endif
                        rt_cg_tile(tile[0], buf + jt[0], off, w + i0 * kk, kk, mr);
                    for (u2 = 0; u2 < nt; u2++)
                        for (i = 0; i < mr; i++) {
                            float *yr = yn + (i0 + i) * osize;
                            const float bias = b ? b[i0 + i] : 0.0f;
                            for (sg = 0; sg < nseg[u2]; sg++)
                                rt_cg_store(yr + seg[u2][sg].yoff, tile[u2][i] + seg[u2][sg].q,
                                            seg[u2][sg].len, bias, acc_res, relu);
                        }
                }
            }
        }
        if (!relu)
            rt_act_apply(yn, m * osize, p->act, p->act_alpha, p->act_beta);
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX512
/*
 * Pointwise convolution with transposed weights (p->wt, AVX-512), for small
 * maps: the product is taken as y^T = x^T w^T, so the 16-lane vectors run
 * over output channels (w^T's rows are contiguous) and each of R <= 12
 * micro-tile rows is one output position, its input broadcast from the
 * contiguous x[ci, p0 .. p0+R): positions fill the rows exactly (9 or 36
 * positions waste nothing, where 16-position vectors waste half). A tile is
 * R positions x 32 channels (masked at the edge); it is transposed on the
 * way out through a stack tile, with bias, residual and ReLU. Returns 0 for
 * maps larger than 64 positions (the usual product does well there).
 */
#define RT_PWT_DECL(r) __m512 c##r = _mm512_setzero_ps(), d##r = _mm512_setzero_ps();
#define RT_PWT_FMA(r)                                                                     \
    {                                                                                     \
        const __m512 xv = _mm512_set1_ps(xk[r]);                                          \
        c##r = _mm512_fmadd_ps(xv, b0, c##r);                                             \
        d##r = _mm512_fmadd_ps(xv, b1, d##r);                                             \
    }
#define RT_PWT_ST(r)                                                                      \
    _mm512_storeu_ps(t[r], c##r);                                                         \
    _mm512_storeu_ps(t[r] + 16, d##r);
#define RT_PWT_KERNEL(R, XR)                                                              \
    static void rt_pwt_tile##R(float t[][32], const float *x, int64_t hw, const float *wt, \
                               int64_t m, int64_t k, __mmask16 m0, __mmask16 m1)          \
    {                                                                                     \
        int64_t kk;                                                                       \
        XR(RT_PWT_DECL)                                                                   \
        for (kk = 0; kk < k; kk++) {                                                      \
            const float *xk = x + kk * hw;                                                \
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, wt + kk * m);                     \
            const __m512 b1 = _mm512_maskz_loadu_ps(m1, wt + kk * m + 16);                \
            XR(RT_PWT_FMA)                                                                \
        }                                                                                 \
        XR(RT_PWT_ST)                                                                     \
    }
#define RT_R1(X) X(0)
#define RT_R2(X) RT_R1(X) X(1)
#define RT_R3(X) RT_R2(X) X(2)
#define RT_R4(X) RT_R3(X) X(3)
#define RT_R5(X) RT_R4(X) X(4)
#define RT_R6(X) RT_R5(X) X(5)
#define RT_R7(X) RT_R6(X) X(6)
#define RT_R8(X) RT_R7(X) X(7)
#define RT_R9(X) RT_R8(X) X(8)
#define RT_R10(X) RT_R9(X) X(9)
#define RT_R11(X) RT_R10(X) X(10)
#define RT_R12(X) RT_R11(X) X(11)
RT_PWT_KERNEL(1, RT_R1)
RT_PWT_KERNEL(2, RT_R2)
RT_PWT_KERNEL(3, RT_R3)
RT_PWT_KERNEL(4, RT_R4)
RT_PWT_KERNEL(5, RT_R5)
RT_PWT_KERNEL(6, RT_R6)
RT_PWT_KERNEL(7, RT_R7)
RT_PWT_KERNEL(8, RT_R8)
RT_PWT_KERNEL(9, RT_R9)
RT_PWT_KERNEL(10, RT_R10)
RT_PWT_KERNEL(11, RT_R11)
RT_PWT_KERNEL(12, RT_R12)

typedef void (*rt_pwt_fn)(float t[][32], const float *x, int64_t hw, const float *wt, int64_t m,
                          int64_t k, __mmask16 m0, __mmask16 m1);

static int rt_conv_pw_t512(float *y, const float *x, const float *w, const float *b,
                           const rt_conv_params *p)
{
    static const rt_pwt_fn fns[13] = {NULL, rt_pwt_tile1, rt_pwt_tile2, rt_pwt_tile3,
                                      rt_pwt_tile4, rt_pwt_tile5, rt_pwt_tile6, rt_pwt_tile7,
                                      rt_pwt_tile8, rt_pwt_tile9, rt_pwt_tile10, rt_pwt_tile11,
                                      rt_pwt_tile12};
    const int64_t hw = p->in[0] * p->in[1] * p->in[2], m = p->m, k = p->c;
    const int relu = p->act == RT_UN_RELU, acc_res = p->accumulate;
    /* rows per tile: as even a split of the positions into tiles of <= 12 */
    const int64_t ntr = (hw + 11) / 12, rr = (hw + ntr - 1) / ntr;
    int64_t n, p0, co0;
    if (hw > 64 || hw < 1)
        return 0;
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * k * hw;
        float *yn = y + n * m * hw;
        for (co0 = 0; co0 < m; co0 += 32) {
            const int64_t nco = m - co0 < 32 ? m - co0 : 32;
            const __mmask16 m0 = rt_lane_range16(0, nco), m1 = rt_lane_range16(0, nco - 16);
            for (p0 = 0; p0 < hw; p0 += rr) {
                const int64_t np = hw - p0 < rr ? hw - p0 : rr;
                const __mmask16 pm = rt_lane_range16(0, np);
                float t[12][32];
                int64_t j;
                fns[np](t, xn + p0, hw, w + co0, m, k, m0, m1);
                /* column j of the tile is output channel co0 + j at
                 * positions p0 .. p0+np: gather it, finish, store */
                for (j = 0; j < nco; j++) {
                    const __m512i idx = _mm512_add_epi32(
                        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                                             11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(32)),
                        _mm512_set1_epi32((int32_t)j));
                    float *yr = yn + (co0 + j) * hw + p0;
                    __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), pm, idx, &t[0][0], 4);
                    if (b)
                        v = _mm512_add_ps(v, _mm512_set1_ps(b[co0 + j]));
                    if (acc_res)
                        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(pm, yr));
                    if (relu)
                        v = _mm512_max_ps(_mm512_setzero_ps(), v);
                    _mm512_mask_storeu_ps(yr, pm, v);
                }
            }
        }
        if (!relu)
            rt_act_apply(yn, m * hw, p->act, p->act_alpha, p->act_beta);
    }
    return 1;
}
#endif

#ifdef RT_SIMD_AVX2
/*
 * A strided 1x1 convolution without padding (ResNet's stride-2 shortcut)
 * reads every s-th input position: those are copied once per image into a
 * dense [c, out] buffer on the stack (16 at a time with AVX-512 permutes at
 * stride 2), and the product then reads it in place like a pointwise
 * convolution's input, instead of packing the strided im2col view panel by
 * panel. Returns 0 when the shape is not covered or does not fit the buffer.
 */
#define RT_SUB_CAP 8192         /* floats (32 KB) */
static int rt_conv_1x1_strided(float *y, const float *x, const float *w, const float *b,
                               const rt_conv_params *p, const rt_sgemm_epi *e0)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isize = p->in[0] * p->in[1] * p->in[2];
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    float buf[RT_SUB_CAP];
    int64_t n, g, ch, o0, o1;
    int d;

    for (d = 0; d < RT_SPATIAL; d++)
        if (p->k[d] != 1 || p->pad[d] != 0)
            return 0;
    if (p->wt || p->c * osize > RT_SUB_CAP)
        return 0;
    for (n = 0; n < p->n; n++) {
        rt_sgemm_epi e = *e0;
        for (ch = 0; ch < p->c; ch++) {
            const float *xc = x + (n * p->c + ch) * isize;
            float *dc = buf + ch * osize;
            for (o0 = 0; o0 < p->out[0]; o0++)
                for (o1 = 0; o1 < p->out[1]; o1++) {
                    const float *xr = xc + (o0 * p->stride[0] * p->in[1] + o1 * p->stride[1]) * p->in[2];
                    float *dr = dc + (o0 * p->out[1] + o1) * p->out[2];
                    const int64_t s2 = p->stride[2], out2 = p->out[2];
                    int64_t o2 = 0;
#ifdef RT_SIMD_AVX512
                    if (s2 == 2) {
                        const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                                             20, 22, 24, 26, 28, 30);
                        const int64_t in2 = p->in[2];
                        for (; o2 < out2; o2 += 16) {
                            const int64_t i0 = 2 * o2;
                            const __m512 r0 = _mm512_maskz_loadu_ps(rt_lane_range16(0, in2 - i0), xr + i0);
                            const __m512 r1 = _mm512_maskz_loadu_ps(rt_lane_range16(0, in2 - i0 - 16),
                                                                    xr + i0 + 16);
                            _mm512_mask_storeu_ps(dr + o2, rt_lane_range16(0, out2 - o2),
                                                  _mm512_permutex2var_ps(r0, ev, r1));
                        }
                    }
#endif
                    for (; o2 < out2; o2++)
                        dr[o2] = xr[o2 * s2];
                }
        }
        for (g = 0; g < p->group; g++) {
            rt_sgemm_b bm;
            bm = rt_sgemm_dense(buf + g * cg * osize, osize, 1);
            e.bias = b ? b + g * mg : NULL;
            rt_sgemm(y + (n * p->m + g * mg) * osize, osize, w + g * mg * cg, cg, 1, &bm, mg,
                     osize, cg, &e);
        }
    }
    return 1;
}
#endif

/*
 * Winograd F(2x2, 3x3) (rt_conv_params.wt = 2): a dense 3x3 convolution,
 * stride 1, "same" padding 1, on even map sides, whose weights the compiler
 * stored transformed, U_k = (G g G^T)[k] for k = 4i + j, in place of the
 * ONNX weights g (see rt_conv_winograd_weights). Every 2x2 block of outputs (a "tile") is
 * A^T [U . (B^T d B)] A of its 4x4 input patch d, so the 9 * c multiply-adds
 * per output become 16 * c per tile of four outputs (2.25x fewer):
 *   Z_k[m, t] = sum_c U_k[m, c] V_k[c, t],  V_k = (B^T d_t B)[k]
 * with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0;
 * 0 1 -1 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. The transforms hold
 * only 0, +-1 and 1/2. Only AVX-512 has the transforms' vector code, so
 * generated code stores U (and passes wt = 2) only when built for it
 * (RT_CONV_WINOGRAD in onnxcc_rt.h), and the ONNX weights with the direct
 * kernels otherwise: the transforms in plain C made ResNet-8 1.8x slower on
 * AVX2. The plain-C transforms below still run wherever U arrives without
 * AVX-512 in the library (generated code built with -march=native against
 * a library built without), so that case is slow but right.
 */
#define RT_WG_WMAX 128          /* widest map row */
#define RT_WG_CMIN 16           /* fewer channels: the transforms outweigh the savings */
#define RT_WG_CAP 16384         /* floats of V and of Z (64 KB each, + padding) */
#define RT_WG_PAD 16            /* floats between the 16 blocks of V and of Z */
int rt_conv_winograd_ok(const rt_conv_params *p)
{
    return p->group == 1 && p->in[0] == 1 && p->out[0] == 1 && p->k[0] == 1 && p->k[1] == 3 &&
           p->k[2] == 3 && p->stride[1] == 1 && p->stride[2] == 1 && p->dilation[1] == 1 &&
           p->dilation[2] == 1 && p->pad[1] == 1 && p->pad[2] == 1 && p->out[1] == p->in[1] &&
           p->out[2] == p->in[2] && p->in[1] % 2 == 0 && p->in[2] % 2 == 0 &&
           p->in[2] <= RT_WG_WMAX && p->c >= RT_WG_CMIN &&
           p->m >= RT_WG_CMIN &&
           /* one tile row of V and of Z fits the buffers: U is all there is */
           16 * (int64_t)(p->c > p->m ? p->c : p->m) * (p->in[2] / 2) <= RT_WG_CAP;
}

/* G g G^T of one 3x3 kernel g, z[k] for k = 4i + j. */
static void rt_wg_kernel(float z[16], const float *g)
{
    float t[4][3];
    int64_t i, j;
    for (j = 0; j < 3; j++) {       /* G g: the kernel's rows combined */
        t[0][j] = g[j];
        t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        t[3][j] = g[6 + j];
    }
    for (i = 0; i < 4; i++) {       /* (G g) G^T: then its columns */
        z[4 * i] = t[i][0];
        z[4 * i + 1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
        z[4 * i + 2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
        z[4 * i + 3] = t[i][2];
    }
}

/* The layout of U is [16][c][m] on every target (so the compiler's packing
 * does not depend on it; r8wino: the output channels innermost, where the
 * products broadcast them from, at constant offsets). r8fwd: runs of up to
 * 16 kernels along U's contiguous axis (o) are transformed into a stack tile and stored as 16
 * contiguous runs, one per k: the 16 planes lie m * c floats apart (a
 * multiple of 4 KB), and single scattered stores into them cost about 2 ns
 * each (150 us for 64 x 64 channels, a quarter of that layer's Winograd
 * time at batch 32, which training pays every step). */
void rt_conv_winograd_weights(float *u, const float *w, int64_t m, int64_t c)
{
    const int64_t outer = c, inner = m, mc = m * c;
    int64_t a, l0, l;
    int k;
    for (a = 0; a < outer; a++)
        for (l0 = 0; l0 < inner; l0 += 16) {
            const int64_t nl = inner - l0 < 16 ? inner - l0 : 16;
            float tile[16][16], z[16];
            for (l = 0; l < nl; l++) {
                const int64_t o = l0 + l, ic = a;
                rt_wg_kernel(z, w + (o * c + ic) * 9);
                for (k = 0; k < 16; k++)
                    tile[k][l] = z[k];
            }
            for (k = 0; k < 16; k++)
                memcpy(u + k * mc + a * inner + l0, tile[k], (size_t)nl * sizeof(float));
        }
}

/* B^T d over whole input rows: e[i][col + 1] for input columns -1 .. wd of
 * the four input rows 2ty - 1 .. 2ty + 2 (rows outside the map are zeros). */
static void rt_wg_rows(float (*e)[RT_WG_WMAX + 4], const float *xc, int64_t h, int64_t wd,
                       int64_t ty)
{
    const float *r[4];
    int64_t col;
    int i;
    for (i = 0; i < 4; i++) {
        const int64_t iy = 2 * ty - 1 + i;
        r[i] = iy >= 0 && iy < h ? xc + iy * wd : NULL;
        e[i][0] = e[i][wd + 1] = 0.0f;
    }
    for (col = 0; col < wd; col++) {
        const float d0 = r[0] ? r[0][col] : 0.0f, d1 = r[1] ? r[1][col] : 0.0f;
        const float d2 = r[2] ? r[2][col] : 0.0f, d3 = r[3] ? r[3][col] : 0.0f;
        e[0][col + 1] = d0 - d2;
        e[1][col + 1] = d1 + d2;
        e[2][col + 1] = d2 - d1;
        e[3][col + 1] = d1 - d3;
    }
}


/* The output transform of one tile: z[k] (k = 4i + j) -> the 2x2 outputs
 * v[0..3] (row-major), bias added. */
static inline void rt_wg_tile_out(float v[4], const float z[16], float bias)
{
    float h0[4], h1[4];
    int j;
    for (j = 0; j < 4; j++) {
        h0[j] = z[j] + z[4 + j] + z[8 + j];
        h1[j] = z[4 + j] - z[8 + j] - z[12 + j];
    }
    v[0] = h0[0] + h0[1] + h0[2] + bias;
    v[1] = h0[1] - h0[2] - h0[3] + bias;
    v[2] = h1[0] + h1[1] + h1[2] + bias;
    v[3] = h1[1] - h1[2] - h1[3] + bias;
}

/* Writes one tile's outputs at y0 (row 2ty) and y0 + wd, with the residual
 * and ReLU. */
static inline void rt_wg_store(float *y0, int64_t wd, float v[4], int acc_res, int relu)
{
    float *d[4];
    int q;
    d[0] = y0;
    d[1] = y0 + 1;
    d[2] = y0 + wd;
    d[3] = y0 + wd + 1;
    for (q = 0; q < 4; q++) {
        float s = v[q] + (acc_res ? *d[q] : 0.0f);
        *d[q] = relu && !(s > 0.0f) && s == s ? 0.0f : s;
    }
}

/* V[k][ic][t] for tile rows ty0 .. ty0+nty-1 of channel ic (t = (ty - ty0)
 * * tw + tx), ld = the tiles of the block. */
static void rt_wg_input(float *v, const float *xc, int64_t ic, int64_t kv, int64_t h,
                        int64_t wd, int64_t ty0, int64_t nty, int64_t ld)
{
    const int64_t tw = wd / 2;
    float e[4][RT_WG_WMAX + 4];
    int64_t ty, tx;
    int i;
    for (ty = ty0; ty < ty0 + nty; ty++) {
        float *vo = v + ic * ld + (ty - ty0) * tw;
        rt_wg_rows(e, xc, h, wd, ty);
        for (i = 0; i < 4; i++) {       /* (.) B on every tile: columns 2tx-1 .. 2tx+2 */
            const float *ei = e[i];
            float *o0 = vo + (int64_t)4 * i * kv, *o1 = o0 + kv, *o2 = o1 + kv,
                  *o3 = o2 + kv;
            for (tx = 0; tx < tw; tx++) {
                const float a = ei[2 * tx], bb = ei[2 * tx + 1], cc = ei[2 * tx + 2],
                            dd = ei[2 * tx + 3];
                o0[tx] = a - cc;
                o1[tx] = bb + cc;
                o2[tx] = cc - bb;
                o3[tx] = bb - dd;
            }
        }
    }
}

#ifdef RT_SIMD_AVX512
/* Row i of B^T d for the four input rows v[0..3] of a tile row (the
 * vertical half of the Winograd input transform). */
static inline __m512 rt_wg_btv(const __m512 v[4], int i)
{
    switch (i) {
    case 0: return _mm512_sub_ps(v[0], v[2]);
    case 1: return _mm512_add_ps(v[1], v[2]);
    case 2: return _mm512_sub_ps(v[2], v[1]);
    default: return _mm512_sub_ps(v[1], v[3]);
    }
}

/* The horizontal half for row i of B^T d: from its columns 2tx - 1, 2tx,
 * 2tx + 1, 2tx + 2 of every tile (Om, E, O, Ep), the four V values of the
 * tile at o0, o0 + kv, .. (lanes ms). */
static inline void rt_wg_bth_store(float *o0, int64_t kv, __mmask16 ms, __m512 Om, __m512 E,
                                   __m512 O, __m512 Ep)
{
    _mm512_mask_storeu_ps(o0, ms, _mm512_sub_ps(Om, O));
    _mm512_mask_storeu_ps(o0 + kv, ms, _mm512_add_ps(E, O));
    _mm512_mask_storeu_ps(o0 + 2 * kv, ms, _mm512_sub_ps(O, E));
    _mm512_mask_storeu_ps(o0 + 3 * kv, ms, _mm512_sub_ps(E, Ep));
}

/* AVX-512 rt_wg_input: a tile row at a time, its tw <= 16 tiles in the
 * lanes. The four input rows (two registers each) are combined vertically
 * (B^T d), split into even and odd columns by permutes, and the columns
 * 2tx-1 and 2tx+2 are the odd ones shifted up a lane and the even ones down
 * a lane (zeros shifted in: the padding). */
static void rt_wg_input512(float *v, const float *xc, int64_t ic, int64_t kv, int64_t h,
                           int64_t wd, int64_t ty0, int64_t nty, int64_t ld)
{
    const int64_t tw = wd / 2;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i ev = _mm512_slli_epi32(iota, 1), od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    const __m512i dn = _mm512_sub_epi32(iota, _mm512_set1_epi32(1));
    const __m512i up = _mm512_add_epi32(iota, _mm512_set1_epi32(1));
    const __mmask16 l0 = rt_lane_range16(0, wd), l1 = rt_lane_range16(0, wd - 16);
    const __mmask16 tm = rt_lane_range16(0, tw), tm1 = rt_lane_range16(0, tw - 1);
    int64_t ty;
    for (ty = ty0; ty < ty0 + nty; ty++) {
        __m512 a[4], bq[4];
        float *vo = v + ic * ld + (ty - ty0) * tw;
        int i;
        for (i = 0; i < 4; i++) {
            const int64_t iy = 2 * ty - 1 + i;
            if (iy >= 0 && iy < h) {
                a[i] = _mm512_maskz_loadu_ps(l0, xc + iy * wd);
                bq[i] = _mm512_maskz_loadu_ps(l1, xc + iy * wd + 16);
            } else {
                a[i] = bq[i] = _mm512_setzero_ps();
            }
        }
        for (i = 0; i < 4; i++) {
            const __m512 ea = rt_wg_btv(a, i), eb = rt_wg_btv(bq, i);
            const __m512 E = _mm512_permutex2var_ps(ea, ev, eb);        /* column 2tx */
            const __m512 O = _mm512_permutex2var_ps(ea, od, eb);        /* column 2tx + 1 */
            rt_wg_bth_store(vo + 4 * i * kv, kv, tm,
                            _mm512_maskz_permutexvar_ps((__mmask16)0xfffe, dn, O), /* 2tx - 1 */
                            E, O, _mm512_maskz_permutexvar_ps(tm1, up, E));        /* 2tx + 2 */
        }
    }
}

#endif

#ifdef RT_SIMD_AVX512
/* AVX-512 output transform, m-lanes: for tile t of row ty, 16 output
 * channels o0.. at a time from Z_k^T [t][m]; the four outputs of the tile
 * go to 16 channel planes (scatter, the residual gathered). */
static void rt_wg_output_ml512(float *yn, const float *z, int64_t kz, const float *b, int64_t m,
                               int64_t hw, int64_t wd, int64_t ty0, int64_t nty, int acc_res,
                               int relu)
{
    const int64_t tw = wd / 2;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i ix = _mm512_mullo_epi32(iota, _mm512_set1_epi32((int32_t)hw));
    const __m512 zero = _mm512_setzero_ps();
    int64_t ty, tx, o0;
    for (o0 = 0; o0 < m; o0 += 16) {
        const __m512 bv = b ? _mm512_loadu_ps(b + o0) : zero;
        for (ty = ty0; ty < ty0 + nty; ty++)
            for (tx = 0; tx < tw; tx++) {
                const float *zt = z + ((ty - ty0) * tw + tx) * m + o0;
                float *yt = yn + o0 * hw + 2 * ty * wd + 2 * tx;
                __m512 h0[4], h1[4], r[4];
                int j, q;
                for (j = 0; j < 4; j++) {
                    const __m512 z0 = _mm512_loadu_ps(zt + j * kz);
                    const __m512 z1 = _mm512_loadu_ps(zt + (4 + j) * kz);
                    const __m512 z2 = _mm512_loadu_ps(zt + (8 + j) * kz);
                    const __m512 z3 = _mm512_loadu_ps(zt + (12 + j) * kz);
                    h0[j] = _mm512_add_ps(z0, _mm512_add_ps(z1, z2));
                    h1[j] = _mm512_sub_ps(_mm512_sub_ps(z1, z2), z3);
                }
                r[0] = _mm512_add_ps(_mm512_add_ps(h0[0], _mm512_add_ps(h0[1], h0[2])), bv);
                r[1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(h0[1], h0[2]), h0[3]), bv);
                r[2] = _mm512_add_ps(_mm512_add_ps(h1[0], _mm512_add_ps(h1[1], h1[2])), bv);
                r[3] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(h1[1], h1[2]), h1[3]), bv);
                for (q = 0; q < 4; q++) {
                    float *yq = yt + (q >> 1) * wd + (q & 1);
                    if (acc_res)
                        r[q] = _mm512_add_ps(r[q], _mm512_i32gather_ps(ix, yq, 4));
                    if (relu)
                        r[q] = _mm512_max_ps(zero, r[q]);
                    _mm512_i32scatter_ps(yq, ix, r[q], 4);
                }
            }
    }
}
#endif

#ifdef RT_SIMD_AVX512
/*
 * r8wino: the AVX-512 Winograd kernel for the whole batch. The tiles of
 * every image are numbered t = (n * th + ty) * tw + tx and run in blocks of
 * T (a multiple of 16, at most RT_WGB_T) consecutive tiles, across images,
 * in the vector lanes:
 *   V[k][ic][T]  the input transform of the block (RT_WG_CAP floats),
 *   Zb[k][i][T]  the 16 products for RT_WGB_RM output channels at a time,
 *                then their output transform.
 * The products are this file's own register-blocked kernel (rt_wg_mk: up
 * to 6 output channels x 4 vectors of tiles in 24 accumulators, U
 * broadcast, V loaded along the tiles), with no packing: V is written in
 * its layout and U is read in place through its strides, in either of
 * U's layouts. A block's tiles lie in "segments", runs of at most 16
 * tiles of one tile row; both transforms work a segment at a time with
 * masked loads and stores at the segment's offset in the block.
 * Takes c <= RT_WG_CAP / 256 (a block of 16 tiles fits V).
 */
#define RT_WGB_T 64             /* most tiles in a block */
#define RT_WGB_RM 6             /* output channels per product block */
#define RT_WGB_ZB (16 * (RT_WGB_RM * RT_WGB_T + RT_WG_PAD) + 16)   /* floats of Zb */

typedef struct {
    int64_t n, ty, tx, nt, off;     /* image, tile row, first tile, tiles, offset in the block */
} rt_wg_seg;

/* z[i][16 j ..] (i < rm, j < rv, row stride ldz) = sum over ic < c of
 * u[ic * sc + i] v[ic * ldv + 16 j ..]. Inlined with constant rm, rv. */
static inline __attribute__((always_inline)) void rt_wg_mk(float *z, int64_t ldz, const float *u,
                                                            int64_t sc, const float *v,
                                                            int64_t ldv, int64_t c, const int rm,
                                                            const int rv)
{
    __m512 acc[RT_WGB_RM][4];
    int64_t ic;
    int i, j;
    for (i = 0; i < rm; i++)
        for (j = 0; j < rv; j++)
            acc[i][j] = _mm512_setzero_ps();
    for (ic = 0; ic < c; ic++) {
        __m512 vv[4];
        for (j = 0; j < rv; j++)
            vv[j] = _mm512_loadu_ps(v + ic * ldv + 16 * j);
        for (i = 0; i < rm; i++) {
            const __m512 bu = _mm512_set1_ps(u[ic * sc + i]);
            for (j = 0; j < rv; j++)
                acc[i][j] = _mm512_fmadd_ps(bu, vv[j], acc[i][j]);
        }
    }
    for (i = 0; i < rm; i++)
        for (j = 0; j < rv; j++)
            _mm512_storeu_ps(z + i * ldz + 16 * j, acc[i][j]);
}

/* rt_wg_mk with U transposed: z[i][16 j ..] = sum over ic < c of
 * u[i * sm + ic] v[ic * ldv + 16 j ..] (a row pointer per output channel). */
static inline __attribute__((always_inline)) void rt_wg_mkt(float *z, int64_t ldz, const float *u,
                                                             int64_t sm, const float *v,
                                                             int64_t ldv, int64_t c, const int rm,
                                                             const int rv)
{
    __m512 acc[RT_WGB_RM][4];
    const float *ur[RT_WGB_RM];
    int64_t ic;
    int i, j;
    for (i = 0; i < rm; i++) {
        ur[i] = u + i * sm;
        for (j = 0; j < rv; j++)
            acc[i][j] = _mm512_setzero_ps();
    }
    for (ic = 0; ic < c; ic++) {
        __m512 vv[4];
        for (j = 0; j < rv; j++)
            vv[j] = _mm512_loadu_ps(v + ic * ldv + 16 * j);
        for (i = 0; i < rm; i++) {
            const __m512 bu = _mm512_set1_ps(ur[i][ic]);
            for (j = 0; j < rv; j++)
                acc[i][j] = _mm512_fmadd_ps(bu, vv[j], acc[i][j]);
        }
    }
    for (i = 0; i < rm; i++)
        for (j = 0; j < rv; j++)
            _mm512_storeu_ps(z + i * ldz + 16 * j, acc[i][j]);
}

/* rt_wg_mkt / rt_wg_mk for rm (1 .. RT_WGB_RM) and rv (1 .. 4) known at
 * run time: one dispatcher shape for both kernels (same arguments), each
 * case a call with constant rm and rv, which the inlined kernel unrolls. */
#define RT_WG_CALL_RV(fn, rm_)                                                                \
    do {                                                                                      \
        if (rv == 4)                                                                          \
            fn(z, ldz, u, s, v, ldv, c, rm_, 4);                                              \
        else if (rv == 3)                                                                     \
            fn(z, ldz, u, s, v, ldv, c, rm_, 3);                                              \
        else if (rv == 2)                                                                     \
            fn(z, ldz, u, s, v, ldv, c, rm_, 2);                                              \
        else                                                                                  \
            fn(z, ldz, u, s, v, ldv, c, rm_, 1);                                              \
    } while (0)
#define RT_WG_ANY(name, fn)                                                                   \
    static void name(float *z, int64_t ldz, const float *u, int64_t s, const float *v,        \
                     int64_t ldv, int64_t c, int rm, int rv)                                  \
    {                                                                                         \
        switch (rm) {                                                                         \
        case 6: RT_WG_CALL_RV(fn, 6); break;                                                  \
        case 5: RT_WG_CALL_RV(fn, 5); break;                                                  \
        case 4: RT_WG_CALL_RV(fn, 4); break;                                                  \
        case 3: RT_WG_CALL_RV(fn, 3); break;                                                  \
        case 2: RT_WG_CALL_RV(fn, 2); break;                                                  \
        default: RT_WG_CALL_RV(fn, 1); break;                                                 \
        }                                                                                     \
    }
RT_WG_ANY(rt_wg_mkt_any, rt_wg_mkt)
RT_WG_ANY(rt_wg_mk_any, rt_wg_mk)
#undef RT_WG_ANY
#undef RT_WG_CALL_RV

/* The input transform of one segment of one channel xc ([h][wd]) into
 * V[k] + off (k stride kv): its nt tiles in lanes 0 .. nt-1 of each of the
 * 16 vectors. Columns 2tx-1 .. 2tx+2 of tile tx: the even and odd columns
 * of 32 loaded ones, the column left of the segment and the one right of
 * 16 tiles as scalars (zeros outside the map). */
static inline void rt_wgb_in(float *vo, int64_t kv, const float *xc, int64_t h, int64_t wd,
                             int64_t ty, int64_t tx0, int64_t nt)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i ev = _mm512_slli_epi32(iota, 1), od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    /* Om: lane 0 from a (the left scalar), lane l from O[l - 1] (b) */
    const __m512i il = _mm512_maskz_add_epi32((__mmask16)0xfffe, iota, _mm512_set1_epi32(15));
    /* Ep: lane l < 15 from E[l + 1] (a), lane 15 from b (the right scalar) */
    const __m512i ir = _mm512_add_epi32(iota, _mm512_set1_epi32(1));
    const int64_t c0 = 2 * tx0;
    const __mmask16 ma = rt_lane_range16(0, wd - c0), mb = rt_lane_range16(0, wd - c0 - 16);
    const __mmask16 ms = rt_lane_range16(0, nt);
    __m512 a[4], bq[4], svl[4], svr[4];
    float sl[4], sr[4];
    int i;
    for (i = 0; i < 4; i++) {
        const int64_t iy = 2 * ty - 1 + i;
        if (iy >= 0 && iy < h) {
            const float *r = xc + iy * wd + c0;
            a[i] = _mm512_maskz_loadu_ps(ma, r);
            bq[i] = _mm512_maskz_loadu_ps(mb, r + 16);
            sl[i] = c0 > 0 ? r[-1] : 0.0f;
            sr[i] = c0 + 32 < wd ? r[32] : 0.0f;
        } else {
            a[i] = bq[i] = _mm512_setzero_ps();
            sl[i] = sr[i] = 0.0f;
        }
    }
    for (i = 0; i < 4; i++) {         /* the edge scalars through B^T as vectors */
        svl[i] = _mm512_set1_ps(sl[i]);
        svr[i] = _mm512_set1_ps(sr[i]);
    }
    for (i = 0; i < 4; i++) {
        const __m512 ea = rt_wg_btv(a, i), eb = rt_wg_btv(bq, i);
        const __m512 E = _mm512_permutex2var_ps(ea, ev, eb);        /* column 2tx */
        const __m512 O = _mm512_permutex2var_ps(ea, od, eb);        /* column 2tx + 1 */
        rt_wg_bth_store(vo + 4 * i * kv, kv, ms,
                        _mm512_permutex2var_ps(rt_wg_btv(svl, i), il, O),   /* 2tx - 1 */
                        E, O, _mm512_permutex2var_ps(E, ir, rt_wg_btv(svr, i))); /* 2tx + 2 */
    }
}

/* A^T Z A + bias for a vector of tiles (Z_k at zo, k stride kz; the tiles
 * in lanes), each tile's two output columns interleaved back: r[2q] holds
 * output row q of tiles 0-7 (columns 2tx, 2tx + 1 in turn), r[2q + 1] of
 * tiles 8-15, q = 0, 1. */
static inline __attribute__((always_inline)) void rt_wgb_atza(__m512 r[4], const float *zo,
                                                               int64_t kz, __m512 bv)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i lo = _mm512_add_epi32(_mm512_srli_epi32(iota, 1),
                                        _mm512_slli_epi32(_mm512_and_si512(iota, _mm512_set1_epi32(1)), 4));
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    __m512 h0[4], h1[4];
    int j, q;
    for (j = 0; j < 4; j++) {
        const __m512 z0 = _mm512_loadu_ps(zo + j * kz), z1 = _mm512_loadu_ps(zo + (4 + j) * kz);
        const __m512 z2 = _mm512_loadu_ps(zo + (8 + j) * kz);
        const __m512 z3 = _mm512_loadu_ps(zo + (12 + j) * kz);
        const __m512 s12 = _mm512_add_ps(z1, z2), d12 = _mm512_sub_ps(z1, z2);
        h0[j] = _mm512_add_ps(z0, s12);
        h1[j] = _mm512_sub_ps(d12, z3);
    }
    for (q = 0; q < 2; q++) {
        const __m512 *hq = q ? h1 : h0;
        const __m512 s12 = _mm512_add_ps(hq[1], hq[2]), d12 = _mm512_sub_ps(hq[1], hq[2]);
        const __m512 ve = _mm512_add_ps(_mm512_add_ps(hq[0], s12), bv);   /* column 2tx */
        const __m512 vo = _mm512_add_ps(_mm512_sub_ps(d12, hq[3]), bv);   /* column 2tx+1 */
        r[2 * q] = _mm512_permutex2var_ps(ve, lo, vo);
        r[2 * q + 1] = _mm512_permutex2var_ps(ve, hi, vo);
    }
}

/* The output transform of one segment of one output channel: Z_k at zo
 * (k stride kz, the segment's tiles in lanes 0 .. nt-1), A^T Z A + bias,
 * the two outputs of each tile row interleaved back, the residual (acc_res)
 * and ReLU, masked stores to rows 2ty, 2ty + 1 of yc from column 2tx0. */
static inline void rt_wgb_out(float *yc, const float *rc, const float *mc, const float *zo,
                              int64_t kz,
                              __m512 bv, int64_t wd, int64_t ty, int64_t tx0, int64_t nt,
                              int acc_res, int relu)
{
    const __mmask16 l0 = rt_lane_range16(0, 2 * nt), l1 = rt_lane_range16(0, 2 * nt - 16);
    const __m512 zero = _mm512_setzero_ps();
    const int64_t o0 = 2 * ty * wd + 2 * tx0;
    float *y0 = yc + o0;
    __m512 rr[4];
    int q;
    rt_wgb_atza(rr, zo, kz, bv);
    for (q = 0; q < 2; q++) {
        float *yr = y0 + q * wd;
        __m512 r0 = rr[2 * q], r1 = rr[2 * q + 1];
        if (acc_res) {      /* r8elt: from rc where given */
            const float *sr = rc ? rc + o0 + q * wd : yr;
            r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(l0, sr));
            r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(l1, sr + 16));
        }
        if (relu) {
            r0 = _mm512_max_ps(zero, r0);
            r1 = _mm512_max_ps(zero, r1);
        }
        if (mc) {   /* r8elt: the Relu mask, as rt_wgb_put16 */
            const float *mr = mc + o0 + q * wd;
            r0 = _mm512_add_ps(zero, _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(
                     _mm512_maskz_loadu_ps(l0, mr), zero, _CMP_NLE_UQ), r0));
            r1 = _mm512_add_ps(zero, _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(
                     _mm512_maskz_loadu_ps(l1, mr + 16), zero, _CMP_NLE_UQ), r1));
        }
        _mm512_mask_storeu_ps(yr, l0, r0);
        if (l1)
            _mm512_mask_storeu_ps(yr + 16, l1, r1);
    }
}

/* A 16-lane vector of tiles of maps with tw = 4 or 8 tiles a row (8- or
 * 16-wide maps) holds 16 / tw whole tile rows: row g (< 16 / tw) is tile
 * row ty[g] of the channel plane at pl[g] (NULL: past the batch's last
 * tile, zeros). */
typedef struct {
    const float *pl[4];
    float *yl[4];
    const float *ml[4];     /* r8elt: the mask's planes (as yl), or NULL */
    const float *rl[4];     /* r8elt: the residual's planes (as yl), or NULL */
    int64_t ty[4];
} rt_wg_rows4;

/* The 8 or 16 input columns of row iy of a plane (zeros outside the map). */
static inline __m256 rt_wgb_row8(const float *pl, int64_t iy, int64_t h)
{
    return pl && iy >= 0 && iy < h ? _mm256_loadu_ps(pl + iy * 8) : _mm256_setzero_ps();
}
static inline __m512 rt_wgb_row16(const float *pl, int64_t iy, int64_t h)
{
    return pl && iy >= 0 && iy < h ? _mm512_loadu_ps(pl + iy * 16) : _mm512_setzero_ps();
}
static inline __m512 rt_wg_cat8(__m256 lo, __m256 hi)
{
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)),
                                               _mm256_castps_pd(hi), 1));
}

/* The input transform of one vector of whole tile rows (tw = 4 or 8) of
 * one channel into V[k] at vo (k stride kv). The rows B^T d are combined
 * for each tile row (two tile rows' 8-float rows in one register for
 * tw = 4, one 16-float row each for tw = 8), the even and odd columns of
 * the two registers give the tiles' columns 2tx and 2tx+1 in lane order,
 * and 2tx-1 and 2tx+2 are those shifted by a lane within each tile row
 * (zeros at its ends: the padding). */
static inline void rt_wgb_in_rows(float *vo, int64_t kv, const rt_wg_rows4 *rw, int64_t h,
                                  int64_t tw)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i ev = _mm512_slli_epi32(iota, 1), od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    const __m512i dn = _mm512_sub_epi32(iota, _mm512_set1_epi32(1));
    const __m512i up = _mm512_add_epi32(iota, _mm512_set1_epi32(1));
    /* lanes that are not the first (last) tile of their tile row */
    const __mmask16 nfirst = tw == 4 ? (__mmask16)0xeeee : (__mmask16)0xfefe;
    const __mmask16 nlast = tw == 4 ? (__mmask16)0x7777 : (__mmask16)0x7f7f;
    __m512 ra[4], rb[4];        /* the rows 2ty - 1 + a of the two halves */
    int a, i;
    for (a = 0; a < 4; a++) {
        if (tw == 4) {
            ra[a] = rt_wg_cat8(rt_wgb_row8(rw->pl[0], 2 * rw->ty[0] - 1 + a, h),
                               rt_wgb_row8(rw->pl[1], 2 * rw->ty[1] - 1 + a, h));
            rb[a] = rt_wg_cat8(rt_wgb_row8(rw->pl[2], 2 * rw->ty[2] - 1 + a, h),
                               rt_wgb_row8(rw->pl[3], 2 * rw->ty[3] - 1 + a, h));
        } else {
            ra[a] = rt_wgb_row16(rw->pl[0], 2 * rw->ty[0] - 1 + a, h);
            rb[a] = rt_wgb_row16(rw->pl[1], 2 * rw->ty[1] - 1 + a, h);
        }
    }
    for (i = 0; i < 4; i++) {
        const __m512 ea = rt_wg_btv(ra, i), eb = rt_wg_btv(rb, i);
        const __m512 E = _mm512_permutex2var_ps(ea, ev, eb);        /* column 2tx */
        const __m512 O = _mm512_permutex2var_ps(ea, od, eb);        /* column 2tx + 1 */
        rt_wg_bth_store(vo + 4 * i * kv, kv, (__mmask16)0xffff,
                        _mm512_maskz_permutexvar_ps(nfirst, dn, O),      /* 2tx - 1 */
                        E, O, _mm512_maskz_permutexvar_ps(nlast, up, E)); /* 2tx + 2 */
    }
}

/* Stores (adds the residual, ReLU) 8 or 16 outputs at d; r8elt: the
 * residual read at rs (NULL: at d, in place), and with mk (at d's place in
 * the mask), 0 + (mk > 0 or NaN ? r : 0), rt_unary_backward's Relu mask in
 * place. */
static inline void rt_wgb_put8(float *d, const float *rs, const float *mk, __m256 r,
                               int acc_res, int relu)
{
    if (acc_res)
        r = _mm256_add_ps(r, _mm256_loadu_ps(rs ? rs : d));
    if (relu)
        r = _mm256_max_ps(_mm256_setzero_ps(), r);
    if (mk)
        r = _mm256_add_ps(_mm256_setzero_ps(),
                          _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(mk), _mm256_setzero_ps(),
                                                      _CMP_NLE_UQ), r));
    _mm256_storeu_ps(d, r);
}
static inline void rt_wgb_put16(float *d, const float *rs, const float *mk, __m512 r,
                                int acc_res, int relu)
{
    if (acc_res)
        r = _mm512_add_ps(r, _mm512_loadu_ps(rs ? rs : d));
    if (relu)
        r = _mm512_max_ps(_mm512_setzero_ps(), r);
    if (mk)
        r = _mm512_add_ps(_mm512_setzero_ps(),
                          _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(mk),
                                                                 _mm512_setzero_ps(), _CMP_NLE_UQ),
                                              r));
    _mm512_storeu_ps(d, r);
}

/* The output transform of one vector of whole tile rows (tw = 4 or 8) of
 * one output channel: Z_k at zo (k stride kz), A^T Z A + bias, each
 * tile's two columns interleaved back (tile rows g = 0, 1 in the low
 * register, 2, 3 in the high one for tw = 4; one each for tw = 8), stored
 * to rows 2ty, 2ty + 1 of the planes yl[g] (NULL: skipped). */
static inline void rt_wgb_out_rows(const rt_wg_rows4 *rw, const float *zo, int64_t kz, __m512 bv,
                                   int64_t tw, int acc_res, int relu)
{
    const int64_t wd = 2 * tw;
    __m512 rr[4];
    int q;
    rt_wgb_atza(rr, zo, kz, bv);
    for (q = 0; q < 2; q++) {
        const __m512 r0 = rr[2 * q], r1 = rr[2 * q + 1];
        int g;
        if (tw == 8) {
            for (g = 0; g < 2; g++)
                if (rw->yl[g]) {
                    const int64_t o = (2 * rw->ty[g] + q) * wd;
                    rt_wgb_put16(rw->yl[g] + o, rw->rl[g] ? rw->rl[g] + o : NULL,
                                 rw->ml[g] ? rw->ml[g] + o : NULL, g ? r1 : r0, acc_res, relu);
                }
        } else {
            for (g = 0; g < 4; g++)
                if (rw->yl[g]) {
                    const __m512 r = g < 2 ? r0 : r1;
                    const int64_t o = (2 * rw->ty[g] + q) * wd;
                    rt_wgb_put8(rw->yl[g] + o, rw->rl[g] ? rw->rl[g] + o : NULL,
                                rw->ml[g] ? rw->ml[g] + o : NULL,
                                g & 1 ? _mm256_castpd_ps(_mm512_extractf64x4_pd(
                                            _mm512_castps_pd(r), 1))
                                      : _mm512_castps512_ps256(r),
                                acc_res, relu);
                }
        }
    }
}

/* The tile rows of the vector of tiles t .. t + 15 (tw = 4 or 8): the
 * channel-0 planes of their images in x and y. */
static void rt_wgb_rowset(rt_wg_rows4 *rw, int64_t t, int64_t nall, int64_t th, int64_t tw,
                          const float *x, int64_t xs, float *y, int64_t ys, const float *mk,
                          const float *rs)
{
    int g;
    for (g = 0; g < 4; g++, t += tw) {
        const int64_t n = t / (th * tw);
        const int in = g < 16 / tw && t < nall;
        rw->pl[g] = in ? x + n * xs : NULL;
        rw->yl[g] = in ? y + n * ys : NULL;
        rw->ml[g] = in && mk ? mk + n * ys : NULL;
        rw->rl[g] = in && rs ? rs + n * ys : NULL;
        rw->ty[g] = in ? t % (th * tw) / tw : 0;
    }
}

/* The block's segments (at most RT_WGB_T: every tile row holds at least
 * one tile); returns their number. */
static int rt_wgb_segs(rt_wg_seg *sg, int64_t t0, int64_t nb, int64_t th, int64_t tw)
{
    int64_t t = t0;
    int ns = 0;
    while (t < t0 + nb) {
        const int64_t r = t % (th * tw), tx = r % tw;
        int64_t nt = tw - tx;
        if (nt > 16)
            nt = 16;
        if (nt > t0 + nb - t)
            nt = t0 + nb - t;
        sg[ns].n = t / (th * tw);
        sg[ns].ty = r / tw;
        sg[ns].tx = tx;
        sg[ns].nt = nt;
        sg[ns].off = t - t0;
        ns++;
        t += nt;
    }
    return ns;
}

/* y (image stride ys) = Winograd convolution of x (image stride xs) with U
 * (U_k[o][ic] = u[(k * c + ic) * m + o]; with tr, the U of the transposed
 * convolution's forward, U_k[o][ic] = u[(perm(k) * m + o) * c + ic], where
 * perm swaps i and j = 0 with 3 in k = 4i + j: see rt_conv_backward_ws),
 * bias b, p's residual and ReLU; r8elt: with mk (laid out as y), each
 * output masked by rt_unary_backward's Relu of mk in place (0 + (mk > 0 or
 * NaN ? y : 0)); with rs (laid out as y), p's residual is read there
 * instead of in y; v, zb: RT_WG_CAP + 16 * RT_WG_PAD and RT_WGB_ZB floats. */
static inline __attribute__((always_inline)) void rt_wg_batch512(float *y, int64_t ys,
                                                                  const float *x, int64_t xs,
                                                                  const float *u,
                           int tr, const float *b, const rt_conv_params *p, float *v, float *zb,
                           const float *mk, const float *rs)
{
    static const int perm[16] = { 15, 13, 14, 12, 7, 5, 6, 4, 11, 9, 10, 8, 3, 1, 2, 0 };
    const int64_t c = p->c, m = p->m, h = p->in[1], wd = p->in[2], hw = h * wd;
    const int64_t tw = wd / 2, th = h / 2, nall = (int64_t)p->n * th * tw;
    const int relu = p->act == RT_UN_RELU, rows = tw == 4 || tw == 8;
    int64_t tb = RT_WG_CAP / (16 * c) / 16 * 16, t0;
    rt_wg_seg sg[RT_WGB_T];
    rt_wg_rows4 rw[RT_WGB_T / 16];

    if (tb > RT_WGB_T)
        tb = RT_WGB_T;
    for (t0 = 0; t0 < nall; t0 += tb) {
        const int64_t nb = nall - t0 < tb ? nall - t0 : tb, nv = (nb + 15) / 16;
        const int64_t kv = c * tb + RT_WG_PAD, kz = RT_WGB_RM * tb + RT_WG_PAD;
        const int ns = rows ? 0 : rt_wgb_segs(sg, t0, nb, th, tw);
        int64_t ic, o0, k, j;
        int s;
        if (nb < nv * 16)       /* the last vector's unused lanes: zeros */
            for (k = 0; k < 16; k++)
                for (ic = 0; ic < c; ic++)
                    memset(v + k * kv + ic * tb + nb, 0, (size_t)(nv * 16 - nb) * sizeof(float));
        if (rows)
            for (j = 0; j < nv; j++) {
                rt_wgb_rowset(&rw[j], t0 + 16 * j, nall, th, tw, x, xs, y, ys, mk, rs);
                for (ic = 0; ic < c; ic++) {
                    rt_wg_rows4 rc = rw[j];
                    int g;
                    for (g = 0; g < 4; g++)
                        rc.pl[g] = rc.pl[g] ? rc.pl[g] + ic * hw : NULL;
                    rt_wgb_in_rows(v + ic * tb + 16 * j, kv, &rc, h, tw);
                }
            }
        else
            for (s = 0; s < ns; s++)
                for (ic = 0; ic < c; ic++)
                    rt_wgb_in(v + ic * tb + sg[s].off, kv, x + sg[s].n * xs + ic * hw, h, wd,
                              sg[s].ty, sg[s].tx, sg[s].nt);
        for (o0 = 0; o0 < m; o0 += RT_WGB_RM) {
            const int rm = (int)(m - o0 < RT_WGB_RM ? m - o0 : RT_WGB_RM);
            int i;
            for (k = 0; k < 16; k++)
                for (j = 0; j < nv; j += 4) {
                    const int rv = (int)(nv - j < 4 ? nv - j : 4);
                    if (tr)
                        rt_wg_mkt_any(zb + k * kz + 16 * j, tb, u + perm[k] * m * c + o0 * c, c,
                                      v + k * kv + 16 * j, tb, c, rm, rv);
                    else
                        rt_wg_mk_any(zb + k * kz + 16 * j, tb, u + k * m * c + o0, m,
                                     v + k * kv + 16 * j, tb, c, rm, rv);
                }
            for (i = 0; i < rm; i++) {
                const __m512 bv = _mm512_set1_ps(b ? b[o0 + i] : 0.0f);
                if (rows) {
                    for (j = 0; j < nv; j++) {
                        rt_wg_rows4 rc = rw[j];
                        int g;
                        for (g = 0; g < 4; g++) {
                            rc.yl[g] = rc.yl[g] ? rc.yl[g] + (o0 + i) * hw : NULL;
                            rc.ml[g] = rc.ml[g] ? rc.ml[g] + (o0 + i) * hw : NULL;
                            rc.rl[g] = rc.rl[g] ? rc.rl[g] + (o0 + i) * hw : NULL;
                        }
                        rt_wgb_out_rows(&rc, zb + i * tb + 16 * j, kz, bv, tw, p->accumulate,
                                        relu);
                    }
                    continue;
                }
                for (s = 0; s < ns; s++)
                    rt_wgb_out(y + sg[s].n * ys + (o0 + i) * hw,
                               rs ? rs + sg[s].n * ys + (o0 + i) * hw : NULL,
                               mk ? mk + sg[s].n * ys + (o0 + i) * hw : NULL,
                               zb + i * tb + sg[s].off, kz, bv, wd, sg[s].ty, sg[s].tx, sg[s].nt,
                               p->accumulate, relu);
            }
        }
    }
}
#endif

/* Per block of tile rows, V for every input channel, the 16 products by
 * rt_sgemm (A and B read in place: U_k and V_k, or V_k^T and U_k^T with
 * m-lanes), then the output transform; the transforms' AVX-512 code where
 * the library has it, plain C elsewhere. Stack: V and Z, RT_WG_CAP floats
 * each, which one tile row fits (rt_conv_winograd_ok). */
#if defined(__GNUC__)
#define RT_WG_NOINLINE __attribute__((noinline))
#else
#define RT_WG_NOINLINE
#endif
/* (never inlined: rt_conv_forward's own frame stays small on the targets
 * that never get wt = 2) */
RT_WG_NOINLINE void rt_conv_wino_x(float *y, int64_t ys, const float *x, int64_t xs,
                                    const float *u, const float *b, const rt_conv_params *p)
{
    const int64_t c = p->c, m = p->m, h = p->in[1], wd = p->in[2], hw = h * wd;
    const int64_t tw = wd / 2, th = h / 2, big = c > m ? c : m;
    const int relu = p->act == RT_UN_RELU;
    /* Z_k^T[t][o] = z[k * kz + t * m + o] */
    float v[RT_WG_CAP + 16 * RT_WG_PAD], z[RT_WG_CAP + 16 * RT_WG_PAD];
    int64_t nty = RT_WG_CAP / 16 / (big * tw), n, ty0;
    rt_sgemm_epi e;

#ifdef RT_SIMD_AVX512
    /* r8wino: the batch in blocks of tiles, except a single vector of
     * tiles with whole vectors of output channels (ResNet-8's 8x8 maps at
     * batch 1), where the products below, with the channels in the lanes,
     * stream U (64 x 64: 256 KB) as vectors rather than broadcasts (19 us
     * against 24 us a layer) */
    if (c <= RT_WG_CAP / 256 && ((int64_t)p->n * th * tw > 16 || m % 16)) {
        rt_wg_batch512(y, ys, x, xs, u, 0, b, p, v, z, NULL, NULL);
        if (!relu)
            for (n = 0; n < p->n; n++)
                rt_act_apply(y + n * ys, m * hw, p->act, p->act_alpha, p->act_beta);
        return;
    }
#endif
    if (nty > th)
        nty = th;
    nty = (th + (th + nty - 1) / nty - 1) / ((th + nty - 1) / nty);    /* equal blocks */
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * xs;
        float *yn = y + n * ys;
        for (ty0 = 0; ty0 < th; ty0 += nty) {
            const int64_t ny = th - ty0 < nty ? th - ty0 : nty, ld = ny * tw;
            /* the 16 products' strides padded off multiples of 4 KB, where
             * the stores of one tile would alias each other and the loads */
            const int64_t kv = c * ld + RT_WG_PAD, kz = m * ld + RT_WG_PAD;
            int64_t ic, o, ty, tx;
            int k;
            for (ic = 0; ic < c; ic++)
#ifdef RT_SIMD_AVX512
                if (wd <= 32)
                    rt_wg_input512(v, xn + ic * hw, ic, kv, h, wd, ty0, ny, ld);
                else
#endif
                    rt_wg_input(v, xn + ic * hw, ic, kv, h, wd, ty0, ny, ld);
            for (k = 0; k < 16; k++) {  /* Z_k^T [t][m] = V_k^T U_k^T */
                const rt_sgemm_b bm = rt_sgemm_dense(u + k * m * c, m, 1);
                rt_sgemm(z + k * kz, m, v + k * kv, 1, ld, &bm, ld, m, c, &e);
            }
#ifdef RT_SIMD_AVX512
            if (m % 16 == 0) {
                rt_wg_output_ml512(yn, z, kz, b, m, hw, wd, ty0, ny, p->accumulate, relu);
                continue;
            }
#endif
            for (o = 0; o < m; o++) {
                const float bias = b ? b[o] : 0.0f;
                for (ty = ty0; ty < ty0 + ny; ty++) {
                    float *y0 = yn + o * hw + 2 * ty * wd;
                    for (tx = 0; tx < tw; tx++) {
                        const float *zp = z + o + ((ty - ty0) * tw + tx) * m;
                        float zz[16], vv[4];
                        for (k = 0; k < 16; k++)
                            zz[k] = zp[k * kz];
                        rt_wg_tile_out(vv, zz, bias);
                        rt_wg_store(y0 + 2 * tx, wd, vv, p->accumulate, relu);
                    }
                }
            }
        }
        if (!relu)
            rt_act_apply(yn, m * hw, p->act, p->act_alpha, p->act_beta);
    }
}

static void rt_conv_wino(float *y, const float *x, const float *u, const float *b,
                         const rt_conv_params *p)
{
    rt_conv_wino_x(y, (int64_t)p->m * p->in[1] * p->in[2], x,
                   (int64_t)p->c * p->in[1] * p->in[2], u, b, p);
}

/*
 * dscnn: channel-last convolutions (rt_conv_params.hwc). On small maps a
 * depthwise 3x3 in [c, h, w] layout spends most of its time on edges and
 * masks (a 25x5 plane is 8 registers, most of them touching a border); with
 * the channels innermost every tap of one output position is one vector of
 * consecutive channels, the same weight vector for the whole plane, and
 * the padding is a per-position choice of taps. The compiler keeps the
 * activations between a depthwise convolution and its neighbouring
 * pointwise ones channel-last; the pointwise products read and write
 * either layout through rt_sgemm's strides.
 */

static void rt_conv_dw3x3_hwc_c(float *y, const float *x, const float *w, const float *b,
                                const rt_conv_params *p);

#define RT_DWH_ROWS 8           /* output rows per block (rt_conv_dw3x3_hwc_simd) */
#define RT_DWH_ZERO 4096        /* floats (16 KB): rows up to this many (in2 * c) */
#define RT_DWH_L 1              /* the left tap is outside the input */
#define RT_DWH_R 2              /* the right tap is outside */
#if defined(__GNUC__)
#define RT_DWH_NOINLINE __attribute__((noinline))
#define RT_DWH_INLINE __attribute__((always_inline))
#else
#define RT_DWH_NOINLINE
#define RT_DWH_INLINE
#endif

#if defined(RT_SIMD_AVX2)
/* The channel-last depthwise kernel below is written once over a vector of
 * RT_DWV channels: 16 (__m512) on AVX-512, 8 (__m256) on AVX2. */
#ifdef RT_SIMD_AVX512
#define RT_DWV 16
typedef __m512 rt_dwv;
#define rt_dwv_load _mm512_loadu_ps
#define rt_dwv_store _mm512_storeu_ps
#define rt_dwv_fmadd _mm512_fmadd_ps
#define rt_dwv_max _mm512_max_ps
#define rt_dwv_zero _mm512_setzero_ps
#else
#define RT_DWV 8
typedef __m256 rt_dwv;
#define rt_dwv_load _mm256_loadu_ps
#define rt_dwv_store _mm256_storeu_ps
#define rt_dwv_fmadd _mm256_fmadd_ps
#define rt_dwv_max _mm256_max_ps
#define rt_dwv_zero _mm256_setzero_ps
#endif

/* Depthwise 3x3, x and y channel-last, w [9][c]: RT_DWV channels a
 * register. Output rows go in blocks of RT_DWH_ROWS (their input stays in
 * L1 while the blocks of channels pass over it); the channel block's nine
 * weight vectors and bias stay in registers. The three input rows of an
 * output row are pointers, a row of zeros (RT_DWH_ZERO floats) standing for
 * one in the padding, so the rows need no test; the columns whose three
 * taps are inside the row sum nine taps from fixed offsets in one chain
 * (the out-of-order core overlaps the positions), the border columns leave
 * out their outside taps (rt_dwh_col: its flags are constants once
 * inlined). */
static inline RT_DWH_INLINE rt_dwv rt_dwh_col(
    const float *r0, const float *r1, const float *r2, int64_t c, const rt_dwv *wv, rt_dwv acc,
    int flags)
{
    if (!(flags & RT_DWH_L)) {
        acc = rt_dwv_fmadd(wv[0], rt_dwv_load(r0), acc);
        acc = rt_dwv_fmadd(wv[3], rt_dwv_load(r1), acc);
        acc = rt_dwv_fmadd(wv[6], rt_dwv_load(r2), acc);
    }
    acc = rt_dwv_fmadd(wv[1], rt_dwv_load(r0 + c), acc);
    acc = rt_dwv_fmadd(wv[4], rt_dwv_load(r1 + c), acc);
    acc = rt_dwv_fmadd(wv[7], rt_dwv_load(r2 + c), acc);
    if (!(flags & RT_DWH_R)) {
        acc = rt_dwv_fmadd(wv[2], rt_dwv_load(r0 + 2 * c), acc);
        acc = rt_dwv_fmadd(wv[5], rt_dwv_load(r1 + 2 * c), acc);
        acc = rt_dwv_fmadd(wv[8], rt_dwv_load(r2 + 2 * c), acc);
    }
    return acc;
}

static RT_DWH_NOINLINE void rt_conv_dw3x3_hwc_simd(float *y, const float *x, const float *w,
                                                  const float *b, const rt_conv_params *p)
{
    const int64_t c = p->c, in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2], rs = in2 * c;
    const int relu = p->act == RT_UN_RELU;
    int64_t n, c0, r0, o1, o2;
    float zraw[RT_DWH_ZERO + 16];
    /* 64-byte aligned like the arena, so its loads do not straddle lines */
    float *zero = zraw + ((64 - (uintptr_t)zraw % 64) % 64) / sizeof(float);

    /* a border column may miss its left or its right tap, not both nor
     * more (else the portable loops run) */
    int ok = c % RT_DWV == 0 && rs <= RT_DWH_ZERO;
    for (o2 = 0; o2 < out2 && ok; o2++) {
        const int64_t i2 = o2 * s - p2;
        ok = i2 >= -1 && i2 + 1 < in2 && !(i2 < 0 && i2 + 2 >= in2);
    }
    if (!ok) {
        rt_conv_dw3x3_hwc_c(y, x, w, b, p);
        return;
    }
    memset(zero, 0, sizeof(float) * (size_t)rs);
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * in1 * rs;
        float *yn = y + n * out1 * out2 * c;
        for (r0 = 0; r0 < out1; r0 += RT_DWH_ROWS) {
            const int64_t r1 = out1 - r0 < RT_DWH_ROWS ? out1 : r0 + RT_DWH_ROWS;
            for (c0 = 0; c0 < c; c0 += RT_DWV) {
                const rt_dwv bv = b ? rt_dwv_load(b + c0) : rt_dwv_zero();
                rt_dwv wv[9];
                int t;
                for (t = 0; t < 9; t++)
                    wv[t] = rt_dwv_load(w + t * c + c0);
                for (o1 = r0; o1 < r1; o1++) {
                    const float *xr[3];
                    float *yr = yn + o1 * out2 * c + c0;
                    for (t = 0; t < 3; t++) {
                        const int64_t i1 = o1 * s - p1 + t;
                        xr[t] = (i1 < 0 || i1 >= in1 ? zero : xn + i1 * rs) + c0 - p2 * c;
                    }
                    for (o2 = 0; o2 < out2; o2++) {
                        const int64_t off = o2 * s * c, i2 = o2 * s - p2;
                        rt_dwv acc;
                        if (i2 < 0)         /* the left tap in the padding */
                            acc = rt_dwh_col(xr[0] + off, xr[1] + off, xr[2] + off, c, wv, bv,
                                             RT_DWH_L);
                        else if (i2 + 2 >= in2) /* the right one */
                            acc = rt_dwh_col(xr[0] + off, xr[1] + off, xr[2] + off, c, wv, bv,
                                             RT_DWH_R);
                        else
                            acc = rt_dwh_col(xr[0] + off, xr[1] + off, xr[2] + off, c, wv, bv, 0);
                        if (relu)
                            acc = rt_dwv_max(rt_dwv_zero(), acc);
                        rt_dwv_store(yr + o2 * c, acc);
                    }
                }
            }
        }
        if (!relu)
            rt_act_apply(yn, out1 * out2 * c, p->act, p->act_alpha, p->act_beta);
    }
}
#endif

/* Depthwise 3x3, x and y channel-last, w [9][c], portable: each output
 * position lists its taps inside the input, then sums them for RT_HWC_CB
 * channels at a time in local accumulators (two loads per multiply-add, y
 * written once: what a Cortex-M runs). */
#define RT_HWC_CB 8
static void rt_conv_dw3x3_hwc_c(float *y, const float *x, const float *w, const float *b,
                                const rt_conv_params *p)
{
    const int64_t c = p->c, in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    const int64_t s = p->stride[2], p1 = p->pad[1], p2 = p->pad[2];
    int64_t n, o1, o2, ch0, j;
    int t, u, k, nt;

    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * in1 * in2 * c;
        float *yn = y + n * out1 * out2 * c;
        for (o1 = 0; o1 < out1; o1++) {
            for (o2 = 0; o2 < out2; o2++) {
                float *yo = yn + (o1 * out2 + o2) * c;
                const float *xt[9], *wt[9];
                nt = 0;
                for (t = 0; t < 3; t++) {
                    const int64_t i1 = o1 * s - p1 + t;
                    for (u = 0; u < 3; u++) {
                        const int64_t i2 = o2 * s - p2 + u;
                        if (i1 < 0 || i1 >= in1 || i2 < 0 || i2 >= in2)
                            continue;
                        xt[nt] = xn + (i1 * in2 + i2) * c;
                        wt[nt] = w + (t * 3 + u) * c;
                        nt++;
                    }
                }
                for (ch0 = 0; ch0 < c; ch0 += RT_HWC_CB) {
                    const int64_t nb = c - ch0 < RT_HWC_CB ? c - ch0 : RT_HWC_CB;
                    float acc[RT_HWC_CB];
                    for (j = 0; j < RT_HWC_CB; j++)
                        acc[j] = b && j < nb ? b[ch0 + j] : 0.0f;
                    if (nb == RT_HWC_CB) {
                        for (k = 0; k < nt; k++)
                            for (j = 0; j < RT_HWC_CB; j++)
                                acc[j] += wt[k][ch0 + j] * xt[k][ch0 + j];
                    } else {
                        for (k = 0; k < nt; k++)
                            for (j = 0; j < nb; j++)
                                acc[j] += wt[k][ch0 + j] * xt[k][ch0 + j];
                    }
                    for (j = 0; j < nb; j++)
                        yo[ch0 + j] = acc[j];
                }
            }
        }
        rt_act_apply(yn, out1 * out2 * c, p->act, p->act_alpha, p->act_beta);
    }
}

#ifdef RT_SIMD_AVX512
/* Pointwise convolution to a channel-last y with transposed weights (wt,
 * AVX-512): y[pos, oc] = b[oc] + sum_ic x[ic at pos] w^T[ic, oc] as tiles of
 * R <= 12 positions x 32 output channels (24 accumulators, as
 * rt_conv_pw_t512), each position's input broadcast from x[pos * xps + ic *
 * xks] (either layout of x), the tile rows stored straight into y's rows
 * with the bias vector, the residual and ReLU. */
#define RT_PWH_FMA(r)                                                                     \
    {                                                                                     \
        const __m512 xv = _mm512_set1_ps(xk[(r) * xps]);                                  \
        c##r = _mm512_fmadd_ps(xv, b0, c##r);                                             \
        d##r = _mm512_fmadd_ps(xv, b1, d##r);                                             \
    }
#define RT_PWH_ST(r)                                                                      \
    {                                                                                     \
        float *yr = y + (r) * ldy;                                                        \
        __m512 u = _mm512_add_ps(c##r, bv0), v = _mm512_add_ps(d##r, bv1);               \
        if (acc_res) {                                                                    \
            u = _mm512_add_ps(u, _mm512_maskz_loadu_ps(m0, yr));                          \
            v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m1, yr + 16));                     \
        }                                                                                 \
        if (relu) {                                                                       \
            u = _mm512_max_ps(_mm512_setzero_ps(), u);                                    \
            v = _mm512_max_ps(_mm512_setzero_ps(), v);                                    \
        }                                                                                 \
        _mm512_mask_storeu_ps(yr, m0, u);                                                 \
        _mm512_mask_storeu_ps(yr + 16, m1, v);                                            \
    }
#define RT_PWH_KERNEL(NAME, R, XR, XK)                                                    \
    static void NAME##R(float *y, int64_t ldy, const float *x, int64_t xps, int64_t xks,  \
                        const int32_t *off, const float *wt, int64_t m, int64_t k,        \
                        __mmask16 m0, __mmask16 m1, __m512 bv0, __m512 bv1, int acc_res,  \
                        int relu)                                                         \
    {                                                                                     \
        int64_t kk;                                                                       \
        (void)xks;                                                                        \
        (void)off;                                                                        \
        XR(RT_PWT_DECL)                                                                   \
        for (kk = 0; kk < k; kk++) {                                                      \
            const float *xk = x + (XK);                                                   \
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, wt + kk * m);                     \
            const __m512 b1 = _mm512_maskz_loadu_ps(m1, wt + kk * m + 16);                \
            XR(RT_PWH_FMA)                                                                \
        }                                                                                 \
        XR(RT_PWH_ST)                                                                     \
    }
RT_PWH_KERNEL(rt_pwh_tile, 1, RT_R1, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 1, RT_R1, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 2, RT_R2, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 2, RT_R2, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 3, RT_R3, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 3, RT_R3, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 4, RT_R4, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 4, RT_R4, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 5, RT_R5, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 5, RT_R5, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 6, RT_R6, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 6, RT_R6, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 7, RT_R7, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 7, RT_R7, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 8, RT_R8, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 8, RT_R8, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 9, RT_R9, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 9, RT_R9, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 10, RT_R10, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 10, RT_R10, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 11, RT_R11, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 11, RT_R11, off[kk])
RT_PWH_KERNEL(rt_pwh_tile, 12, RT_R12, kk * xks)
RT_PWH_KERNEL(rt_pwo_tile, 12, RT_R12, off[kk])

/* The same for the last 16 (or fewer) output channels: one register a
 * row, so a product with m = 16 (MobileNet's first) does not compute a
 * masked-off half. */
#define RT_PWH1_DECL(r) __m512 c##r = _mm512_setzero_ps();
#define RT_PWH1_FMA(r) c##r = _mm512_fmadd_ps(_mm512_set1_ps(xk[(r) * xps]), b0, c##r);
#define RT_PWH1_ST(r)                                                                     \
    {                                                                                     \
        float *yr = y + (r) * ldy;                                                        \
        __m512 u = _mm512_add_ps(c##r, bv0);                                              \
        if (acc_res)                                                                      \
            u = _mm512_add_ps(u, _mm512_maskz_loadu_ps(m0, yr));                          \
        if (relu)                                                                         \
            u = _mm512_max_ps(_mm512_setzero_ps(), u);                                    \
        _mm512_mask_storeu_ps(yr, m0, u);                                                 \
    }
#define RT_PWH1_KERNEL(NAME, R, XR, XK)                                                   \
    static void NAME##R(float *y, int64_t ldy, const float *x, int64_t xps, int64_t xks,  \
                        const int32_t *off, const float *wt, int64_t m, int64_t k,        \
                        __mmask16 m0, __mmask16 m1, __m512 bv0, __m512 bv1, int acc_res,  \
                        int relu)                                                         \
    {                                                                                     \
        int64_t kk;                                                                       \
        (void)m1;                                                                         \
        (void)bv1;                                                                        \
        (void)xks;                                                                        \
        (void)off;                                                                        \
        XR(RT_PWH1_DECL)                                                                  \
        for (kk = 0; kk < k; kk++) {                                                      \
            const float *xk = x + (XK);                                                   \
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, wt + kk * m);                     \
            XR(RT_PWH1_FMA)                                                               \
        }                                                                                 \
        XR(RT_PWH1_ST)                                                                    \
    }
RT_PWH1_KERNEL(rt_pwh1_tile, 1, RT_R1, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 1, RT_R1, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 2, RT_R2, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 2, RT_R2, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 3, RT_R3, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 3, RT_R3, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 4, RT_R4, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 4, RT_R4, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 5, RT_R5, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 5, RT_R5, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 6, RT_R6, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 6, RT_R6, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 7, RT_R7, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 7, RT_R7, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 8, RT_R8, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 8, RT_R8, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 9, RT_R9, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 9, RT_R9, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 10, RT_R10, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 10, RT_R10, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 11, RT_R11, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 11, RT_R11, off[kk])
RT_PWH1_KERNEL(rt_pwh1_tile, 12, RT_R12, kk * xks)
RT_PWH1_KERNEL(rt_pwo1_tile, 12, RT_R12, off[kk])

/* Pointwise convolution to a channel-last y for m <= 16 output channels and
 * k <= 16 input channels (MobileNet's first pointwise conv, 8 -> 16): one
 * register holds a position's output channels, so each input value is one
 * FMA with a broadcast memory operand, two a cycle as the loads allow. The
 * k weight rows stay in registers (w0..w15, zero past k), RT_PW16_R = 8
 * positions a step are 8 independent chains that start from the bias (and
 * the residual), and the epilogue is ReLU and one store a position; the
 * general tiles above reload the weights every tap and spill the offsets of
 * their rows (51% of the sgemm peak on this layer). A tap j < k reads x[pos
 * * xps + j * xks]: xps 1 (x [c][pos]) or k (channel-last), a constant in
 * each of the two instances. */
#define RT_PW16_R 8
#define RT_PW16_KMAX 16
#define RT_PW16_W(j)                                                                      \
    const __m512 w##j = (j) < k ? _mm512_maskz_loadu_ps(m0, w + (j) * m) : _mm512_setzero_ps();
#define RT_PW16_INIT(r)                                                                   \
    __m512 c##r = acc_res ? _mm512_add_ps(bv, _mm512_maskz_loadu_ps(m0, y + (i + (r)) * m)) \
                          : bv;
#define RT_PW16_FMA(r) c##r = _mm512_fmadd_ps(_mm512_set1_ps(xj[(r) * xps]), wj, c##r);
#define RT_PW16_ST(r)                                                                     \
    _mm512_mask_storeu_ps(y + (i + (r)) * m, m0, relu ? _mm512_max_ps(zero, c##r) : c##r);
#define RT_PW16_TAP(XR, j)                                                                \
    if ((j) < k) {                                                                        \
        const __m512 wj = w##j;                                                           \
        XR(RT_PW16_FMA)                                                                   \
        xj += xks;                                                                        \
    }
#define RT_PW16_STEP(XR)                                                                  \
    {                                                                                     \
        const float *xj = x + i * xps;                                                    \
        XR(RT_PW16_INIT)                                                                  \
        RT_PW16_TAP(XR, 0) RT_PW16_TAP(XR, 1) RT_PW16_TAP(XR, 2) RT_PW16_TAP(XR, 3)       \
        RT_PW16_TAP(XR, 4) RT_PW16_TAP(XR, 5) RT_PW16_TAP(XR, 6) RT_PW16_TAP(XR, 7)       \
        RT_PW16_TAP(XR, 8) RT_PW16_TAP(XR, 9) RT_PW16_TAP(XR, 10) RT_PW16_TAP(XR, 11)     \
        RT_PW16_TAP(XR, 12) RT_PW16_TAP(XR, 13) RT_PW16_TAP(XR, 14) RT_PW16_TAP(XR, 15)   \
        XR(RT_PW16_ST)                                                                    \
    }
static RT_DWH_INLINE inline void rt_pw16_body(float *y, const float *x, const float *w,
                                              const float *b, int64_t hw, int64_t m,
                                              int64_t k, int64_t xps, int64_t xks,
                                              int acc_res, int relu)
{
    const __mmask16 m0 = rt_lane_range16(0, m);
    const __m512 bv = b ? _mm512_maskz_loadu_ps(m0, b) : _mm512_setzero_ps();
    const __m512 zero = _mm512_setzero_ps();
    RT_PW16_W(0) RT_PW16_W(1) RT_PW16_W(2) RT_PW16_W(3) RT_PW16_W(4) RT_PW16_W(5)
    RT_PW16_W(6) RT_PW16_W(7) RT_PW16_W(8) RT_PW16_W(9) RT_PW16_W(10) RT_PW16_W(11)
    RT_PW16_W(12) RT_PW16_W(13) RT_PW16_W(14) RT_PW16_W(15)
    int64_t i;
    for (i = 0; i + RT_PW16_R <= hw; i += RT_PW16_R)
        RT_PW16_STEP(RT_R8)
    for (; i < hw; i++)
        RT_PW16_STEP(RT_R1)
}
static RT_DWH_NOINLINE void rt_pw16_chw(float *y, const float *x, const float *w,
                                        const float *b, int64_t hw, int64_t m, int64_t k,
                                        int acc_res, int relu)
{
    rt_pw16_body(y, x, w, b, hw, m, k, 1, hw, acc_res, relu);
}
static RT_DWH_NOINLINE void rt_pw16_hwc(float *y, const float *x, const float *w,
                                        const float *b, int64_t hw, int64_t m, int64_t k,
                                        int acc_res, int relu)
{
    rt_pw16_body(y, x, w, b, hw, m, k, k, 1, acc_res, relu);
}

typedef void (*rt_pwh_fn)(float *y, int64_t ldy, const float *x, int64_t xps, int64_t xks,
                          const int32_t *off, const float *wt, int64_t m, int64_t k,
                          __mmask16 m0, __mmask16 m1, __m512 bv0, __m512 bv1, int acc_res,
                          int relu);

static void rt_conv_pw_hwc512(float *y, const float *x, const float *w, const float *b,
                              const rt_conv_params *p)
{
    static const rt_pwh_fn fns[13] = {NULL, rt_pwh_tile1, rt_pwh_tile2, rt_pwh_tile3,
                                      rt_pwh_tile4, rt_pwh_tile5, rt_pwh_tile6, rt_pwh_tile7,
                                      rt_pwh_tile8, rt_pwh_tile9, rt_pwh_tile10, rt_pwh_tile11,
                                      rt_pwh_tile12};
    static const rt_pwh_fn fns1[13] = {NULL, rt_pwh1_tile1, rt_pwh1_tile2, rt_pwh1_tile3,
                                       rt_pwh1_tile4, rt_pwh1_tile5, rt_pwh1_tile6, rt_pwh1_tile7,
                                       rt_pwh1_tile8, rt_pwh1_tile9, rt_pwh1_tile10,
                                       rt_pwh1_tile11, rt_pwh1_tile12};
    const int64_t hw = p->in[0] * p->in[1] * p->in[2], m = p->m, k = p->c;
    const int xh = (p->hwc & RT_CONV_X_HWC) != 0;
    const int64_t xps = xh ? k : 1, xks = xh ? 1 : hw;
    const int relu = p->act == RT_UN_RELU;
    /* rows per tile: as even a split of the positions into tiles of <= 12 */
    const int64_t ntr = (hw + 11) / 12, rr = (hw + ntr - 1) / ntr;
    int64_t n, p0, co0;
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * k * hw;
        float *yn = y + n * m * hw;
        if (m <= 16 && k <= RT_PW16_KMAX) {
            (xh ? rt_pw16_hwc : rt_pw16_chw)(yn, xn, w, b, hw, m, k, p->accumulate, relu);
            if (!relu)
                rt_act_apply(yn, m * hw, p->act, p->act_alpha, p->act_beta);
            continue;
        }
        for (co0 = 0; co0 < m; co0 += 32) {
            const int64_t nco = m - co0 < 32 ? m - co0 : 32;
            const __mmask16 m0 = rt_lane_range16(0, nco), m1 = rt_lane_range16(0, nco - 16);
            const __m512 bv0 = b ? _mm512_maskz_loadu_ps(m0, b + co0) : _mm512_setzero_ps();
            const __m512 bv1 = b ? _mm512_maskz_loadu_ps(m1, b + co0 + 16) : _mm512_setzero_ps();
            for (p0 = 0; p0 < hw; p0 += rr) {
                const int64_t np = hw - p0 < rr ? hw - p0 : rr;
                (nco > 16 ? fns : fns1)[np](yn + p0 * m + co0, m, xn + p0 * xps, xps, xks,
                                            NULL, w + co0, m, k, m0, m1, bv0, bv1,
                                            p->accumulate, relu);
            }
        }
        if (!relu)
            rt_act_apply(yn, m * hw, p->act, p->act_alpha, p->act_beta);
    }
}
#endif

#ifdef RT_SIMD_AVX512
/* A dense convolution (group 1, 2-D) to a channel-last y with transposed
 * weights [K][m] (K = c * k1 * k2): the input of one image is copied once
 * into a zero-padded buffer [c][hp][wp], so tap kk = (ic, t, u) of output
 * (o1, o2) is the buffer at off[kk] + o1 * s1 * wp + o2 * s2, and the tiles
 * of rt_conv_pw_hwc512 run on it with positions s2 apart along one output
 * row and that offset table in place of the channel stride: no im2col.
 * Returns 0 (nothing done) when the buffer or the table does not fit. */
#define RT_DNH_CAP 8192         /* floats of padded input (32 KB) */
static int rt_conv_dense_hwc512(float *y, const float *x, const float *w, const float *b,
                                const rt_conv_params *p)
{
    static const rt_pwh_fn fns[13] = {NULL, rt_pwo_tile1, rt_pwo_tile2, rt_pwo_tile3,
                                      rt_pwo_tile4, rt_pwo_tile5, rt_pwo_tile6, rt_pwo_tile7,
                                      rt_pwo_tile8, rt_pwo_tile9, rt_pwo_tile10, rt_pwo_tile11,
                                      rt_pwo_tile12};
    static const rt_pwh_fn fns1[13] = {NULL, rt_pwo1_tile1, rt_pwo1_tile2, rt_pwo1_tile3,
                                       rt_pwo1_tile4, rt_pwo1_tile5, rt_pwo1_tile6, rt_pwo1_tile7,
                                       rt_pwo1_tile8, rt_pwo1_tile9, rt_pwo1_tile10,
                                       rt_pwo1_tile11, rt_pwo1_tile12};
    const int64_t c = p->c, m = p->m, in1 = p->in[1], in2 = p->in[2];
    const int64_t out1 = p->out[1], out2 = p->out[2], k1 = p->k[1], k2 = p->k[2];
    const int64_t s1 = p->stride[1], s2 = p->stride[2], d1 = p->dilation[1], d2 = p->dilation[2];
    const int64_t hp = (out1 - 1) * s1 + (k1 - 1) * d1 + 1, wp = (out2 - 1) * s2 + (k2 - 1) * d2 + 1;
    const int64_t kk = c * k1 * k2, plane = hp * wp;
    const int relu = p->act == RT_UN_RELU;
    /* positions per tile: as even a split of a row into tiles of <= 12 */
    const int64_t ntr = (out2 + 11) / 12, rr = (out2 + ntr - 1) / ntr;
    float buf[RT_DNH_CAP];
    int32_t off[RT_CG_KMAX];
    int64_t n, ic, t, u, i1, o1, o2, co0;

    if (p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || kk > RT_CG_KMAX ||
        c * plane > RT_DNH_CAP)
        return 0;
    for (ic = 0; ic < c; ic++)
        for (t = 0; t < k1; t++)
            for (u = 0; u < k2; u++)
                off[(ic * k1 + t) * k2 + u] = (int32_t)(ic * plane + t * d1 * wp + u * d2);
    for (n = 0; n < p->n; n++) {
        float *yn = y + n * out1 * out2 * m;
        /* padded row r, column q hold input row r - pad1, column q - pad2 */
        memset(buf, 0, sizeof(float) * (size_t)(c * plane));
        for (ic = 0; ic < c; ic++)
            for (i1 = 0; i1 < in1; i1++) {
                const int64_t r = i1 + p->pad[1];
                const int64_t q0 = p->pad[2] < 0 ? -p->pad[2] : 0;
                int64_t q1 = in2;
                if (r < 0 || r >= hp)
                    continue;
                if (q1 + p->pad[2] > wp)
                    q1 = wp - p->pad[2];
                if (q1 > q0)
                    memcpy(buf + ic * plane + r * wp + q0 + p->pad[2],
                           x + ((n * c + ic) * in1 + i1) * in2 + q0,
                           sizeof(float) * (size_t)(q1 - q0));
            }
        for (co0 = 0; co0 < m; co0 += 32) {
            const int64_t nco = m - co0 < 32 ? m - co0 : 32;
            const __mmask16 m0 = rt_lane_range16(0, nco), m1 = rt_lane_range16(0, nco - 16);
            const __m512 bv0 = b ? _mm512_maskz_loadu_ps(m0, b + co0) : _mm512_setzero_ps();
            const __m512 bv1 = b ? _mm512_maskz_loadu_ps(m1, b + co0 + 16) : _mm512_setzero_ps();
            for (o1 = 0; o1 < out1; o1++)
                for (o2 = 0; o2 < out2; o2 += rr) {
                    const int64_t np = out2 - o2 < rr ? out2 - o2 : rr;
                    (nco > 16 ? fns : fns1)[np](yn + (o1 * out2 + o2) * m + co0, m,
                                                buf + o1 * s1 * wp + o2 * s2, s2, 0, off,
                                                w + co0, m, kk, m0, m1, bv0, bv1,
                                                p->accumulate, relu);
                }
        }
        if (!relu)
            rt_act_apply(yn, m * out1 * out2, p->act, p->act_alpha, p->act_beta);
    }
    return 1;
}
#endif

#ifndef RT_SMALL_STACK
/* The same on targets without rt_conv_dense_hwc512: each image computed in
 * the usual layout into a stack buffer (rt_conv_forward on the transposed
 * weights), then transposed into y. Returns 0 when it does not fit. */
#define RT_DNT_CAP 16384        /* floats (64 KB) */
static int rt_conv_dense_hwc_t(float *y, const float *x, const float *w, const float *b,
                               const rt_conv_params *p)
{
    const int64_t isize = p->in[0] * p->in[1] * p->in[2];
    const int64_t osize = p->out[0] * p->out[1] * p->out[2], m = p->m;
    rt_conv_params q = *p;
    float buf[RT_DNT_CAP];
    int64_t n, i, oc;

    if (m * osize > RT_DNT_CAP || p->accumulate)
        return 0;
    q.n = 1;
    q.hwc = 0;
    for (n = 0; n < p->n; n++) {
        float *yn = y + n * osize * m;
        rt_conv_forward(buf, x + n * p->c * isize, w, b, &q);
        for (i = 0; i < osize; i++)
            for (oc = 0; oc < m; oc++)
                yn[i * m + oc] = buf[oc * osize + i];
    }
    return 1;
}
#endif

/* A dense convolution to a channel-last y (x in the usual layout, wt = 1:
 * w [K][m]), portable: for each output position, the taps inside the input
 * (a range per axis) multiply rows of w^T into RT_HWC_CB local
 * accumulators of output channels at a time. */
static void rt_conv_dense_hwc_c(float *y, const float *x, const float *w, const float *b,
                                const rt_conv_params *p)
{
    const int64_t c = p->c, m = p->m;
    int64_t n, o[3], lo[3], hi[3], t0, t1, t2, ic, oc0, j, q;
    for (n = 0; n < p->n; n++)
        for (o[0] = 0; o[0] < p->out[0]; o[0]++)
            for (o[1] = 0; o[1] < p->out[1]; o[1]++)
                for (o[2] = 0; o[2] < p->out[2]; o[2]++) {
                    float *yo =
                        y + (((n * p->out[0] + o[0]) * p->out[1] + o[1]) * p->out[2] + o[2]) * m;
                    /* taps t with 0 <= o*s - pad + t*d < in: a range per axis */
                    for (q = 0; q < 3; q++) {
                        const int64_t f = o[q] * p->stride[q] - p->pad[q];
                        lo[q] = p->k[q];
                        hi[q] = 0;
                        for (t0 = 0; t0 < p->k[q]; t0++)
                            if (f + t0 * p->dilation[q] >= 0 && f + t0 * p->dilation[q] < p->in[q]) {
                                if (lo[q] > t0)
                                    lo[q] = t0;
                                hi[q] = t0 + 1;
                            }
                    }
                    for (oc0 = 0; oc0 < m; oc0 += RT_HWC_CB) {
                        const int64_t nb = m - oc0 < RT_HWC_CB ? m - oc0 : RT_HWC_CB;
                        float acc[RT_HWC_CB];
                        for (j = 0; j < RT_HWC_CB; j++)
                            acc[j] = j < nb ? (b ? b[oc0 + j] : 0.0f) +
                                                  (p->accumulate ? yo[oc0 + j] : 0.0f)
                                            : 0.0f;
                        for (ic = 0; ic < c; ic++)
                            for (t0 = lo[0]; t0 < hi[0]; t0++)
                                for (t1 = lo[1]; t1 < hi[1]; t1++)
                                    for (t2 = lo[2]; t2 < hi[2]; t2++) {
                                        const float xv =
                                            x[(((n * c + ic) * p->in[0] + o[0] * p->stride[0] -
                                                p->pad[0] + t0 * p->dilation[0]) * p->in[1] +
                                               o[1] * p->stride[1] - p->pad[1] +
                                               t1 * p->dilation[1]) * p->in[2] +
                                              o[2] * p->stride[2] - p->pad[2] + t2 * p->dilation[2]];
                                        const float *wr =
                                            w + (((ic * p->k[0] + t0) * p->k[1] + t1) * p->k[2] + t2) * m + oc0;
                                        if (nb == RT_HWC_CB)
                                            for (j = 0; j < RT_HWC_CB; j++)
                                                acc[j] += xv * wr[j];
                                        else
                                            for (j = 0; j < nb; j++)
                                                acc[j] += xv * wr[j];
                                    }
                        for (j = 0; j < nb; j++)
                            yo[oc0 + j] = acc[j];
                    }
                    rt_act_apply(yo, m, p->act, p->act_alpha, p->act_beta);
                }
}

/* A convolution with a channel-last operand (p->hwc, see onnxcc_rt.h): the
 * depthwise kernel above, or a pointwise product per image through
 * rt_sgemm's strides. With y channel-last it is y[pos, oc] = sum_ic
 * x[ic at pos] w[oc, ic] + b[oc] (the bias a broadcast row: rt_sgemm's c
 * with row stride 0); with y [m, pos] it is the usual w x, x read as
 * B[ic, pos] = x[pos * c + ic]. */
static void rt_conv_hwc(float *y, const float *x, const float *w, const float *b,
                        const rt_conv_params *p)
{
    const int64_t hw = p->in[0] * p->in[1] * p->in[2], c = p->c, m = p->m;
    const int xh = (p->hwc & RT_CONV_X_HWC) != 0;
    rt_sgemm_epi e;
    int64_t n;
    int pointwise = 1, d;

    if (p->group != 1) {
#ifdef RT_SIMD_AVX2
        rt_conv_dw3x3_hwc_simd(y, x, w, b, p);
#else
        rt_conv_dw3x3_hwc_c(y, x, w, b, p);
#endif
        return;
    }
    for (d = 0; d < RT_SPATIAL; d++)
        if (p->k[d] != 1 || p->stride[d] != 1 || p->pad[d] != 0 || p->in[d] != p->out[d])
            pointwise = 0;
    if (!pointwise) {           /* a dense convolution: x as usual, y channel-last, wt */
#ifdef RT_SIMD_AVX512
        if (rt_conv_dense_hwc512(y, x, w, b, p))
            return;
#endif
#ifndef RT_SMALL_STACK
        if (rt_conv_dense_hwc_t(y, x, w, b, p))
            return;
#endif
        rt_conv_dense_hwc_c(y, x, w, b, p);
        return;
    }
#ifdef RT_SIMD_AVX512
    if ((p->hwc & RT_CONV_Y_HWC) && p->wt) {
        rt_conv_pw_hwc512(y, x, w, b, p);
        return;
    }
#endif
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    e.accumulate = p->accumulate;
    e.act = p->act;
    e.act_alpha = p->act_alpha;
    e.act_beta = p->act_beta;
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * c * hw;
        float *yn = y + n * m * hw;
        rt_sgemm_b bm;
        if (p->hwc & RT_CONV_Y_HWC) {
            /* A = x^T [pos, ic], B = w^T [ic, oc]; the bias, one per
             * column, is stored first and the product added to it (the
             * micro-kernels' fused bias is per row) */
            int64_t i, ch;
            if (b)
                for (i = 0; i < hw; i++) {
                    float *yr = yn + i * m;
                    if (p->accumulate)
                        for (ch = 0; ch < m; ch++)
                            yr[ch] += b[ch];
                    else
                        for (ch = 0; ch < m; ch++)
                            yr[ch] = b[ch];
                }
            e.accumulate = p->accumulate || b != NULL;
            bm = rt_sgemm_dense(w, p->wt ? m : 1, p->wt ? 1 : c);
            rt_sgemm(yn, m, xn, xh ? c : 1, xh ? 1 : hw, &bm, hw, m, c, &e);
        } else {
            /* A = w [oc, ic], B = x [ic, pos] */
            bm = rt_sgemm_dense(xn, xh ? 1 : hw, xh ? c : 1);
            e.bias = b;
            rt_sgemm(yn, hw, w, p->wt ? 1 : c, p->wt ? m : 1, &bm, m, hw, c, &e);
        }
    }
}

/*
 * Convolution, see rt_conv_params:
 *   y[n, oc, o] = act(b[oc] + sum_{ic in group, t} w[oc, ic, t] * x[n, g*cg+ic, o*s - p + t*d])
 * Depthwise 3x3 (2-D, dilation 1, equal strides 1 or 2) runs rt_conv_dw3x3
 * and other depthwise shapes the direct loops; everything else is one matrix
 * product per image and group (rt_sgemm): A = the group's weights
 * [m/group, c/group * prod(k)] as stored, B = the im2col view of the input,
 * packed panel by panel (a 1x1 stride-1 unpadded conv reads the input
 * [c, size] as B directly), y = [m/group, size], with bias, the residual and
 * the activation in the epilogue.
 */
void rt_conv_forward(float *y, const float *x, const float *w, const float *b,
                     const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isize = p->in[0] * p->in[1] * p->in[2];
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    const int64_t ksize = p->k[0] * p->k[1] * p->k[2];
    int pointwise = 1, d;
    int64_t n, g;
    rt_sgemm_epi e;

    if (p->hwc) {              /* dscnn: a channel-last operand (the compiler checked the shape) */
        rt_conv_hwc(y, x, w, b, p);
        return;
    }
    if (p->wt == 2) {          /* Winograd weights U (the compiler checked the shape) */
        rt_conv_wino(y, x, w, b, p);
        return;
    }
    if (cg == 1 && mg == 1 && !p->wt) {
        if (p->in[0] == 1 && p->k[0] == 1 && p->out[0] == 1 && p->k[1] == 3 && p->k[2] == 3 &&
            p->dilation[1] == 1 && p->dilation[2] == 1 && p->stride[1] == p->stride[2] &&
            (p->stride[2] == 1 || p->stride[2] == 2)) {
#ifdef RT_SIMD_AVX512
            /* several rows per register pays at stride 2 and for rows of
             * 5 or fewer; stride 1 otherwise reuses loads down a column */
            if (rt_conv_dw3x3_flat512(y, x, w, b, p) ||
                ((p->stride[2] == 2 || p->out[2] <= 5) && rt_conv_dw3x3_pack512(y, x, w, b, p)) ||
                rt_conv_dw3x3_wide512(y, x, w, b, p))
                return;
#endif
            if (!rt_conv_dw3x3_planes(y, x, w, b, p))
                rt_conv_dw3x3(y, x, w, b, p);
        }
        else
            rt_conv_direct(y, x, w, b, p);
        return;
    }
    for (d = 0; d < RT_SPATIAL; d++)
        if (p->k[d] != 1 || p->stride[d] != 1 || p->pad[d] != 0 || p->in[d] != p->out[d])
            pointwise = 0;
#ifdef RT_SIMD_AVX512
    if (!pointwise && !p->wt && rt_conv_fewc512(y, x, w, b, p))
        return;
#endif
#ifdef RT_SIMD_AVX2
    if (!pointwise && !p->wt && rt_conv_gemm_planes(y, x, w, b, p))
        return;
#endif
#ifdef RT_SIMD_AVX512
    if (pointwise && p->wt && p->group == 1 && rt_conv_pw_t512(y, x, w, b, p))
        return;
#endif
    /* mbtrain: small maps of a batch, every image's positions in one
     * product (conv_pw.c; no bias, activation or residual to apply) */
    if (pointwise && !p->wt && p->group == 1 && RT_PW_TAKES(osize, cg) && !b &&
        !p->accumulate && p->act == RT_UN_NONE &&
        rt_pw_batched(y, (int64_t)p->m * osize, w, cg, 1, x, (int64_t)p->c * osize, p->m, cg,
                      osize, p->n, 0))
        return;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    e.accumulate = p->accumulate;
    e.act = p->act;
    e.act_alpha = p->act_alpha;
    e.act_beta = p->act_beta;
#ifdef RT_SIMD_AVX2
    if (!pointwise && rt_conv_1x1_strided(y, x, w, b, p, &e))
        return;
#endif
    for (n = 0; n < p->n; n++) {
        for (g = 0; g < p->group; g++) {
            rt_sgemm_b bm;
            bm.p = x + (n * p->c + g * cg) * isize;
            bm.rs = isize;
            bm.cs = 1;
            bm.conv = pointwise ? NULL : p;
            bm.conv_t = 0;
            e.bias = b ? b + g * mg : NULL;
            if (p->wt)      /* A = w^T read through its strides (group 1) */
                rt_sgemm(y + n * p->m * osize, osize, w, 1, p->m, &bm, mg, osize, cg * ksize, &e);
            else
                rt_sgemm(y + (n * p->m + g * mg) * osize, osize, w + g * mg * cg * ksize,
                         cg * ksize, 1, &bm, mg, osize, cg * ksize, &e);
        }
    }
}

/*
 * r8fwd: the training step's forward convolution (see onnxcc_rt.h). Where
 * this library has the Winograd vector code (RT_CONV_WINOGRAD as it was
 * built) and the shape is one rt_conv_winograd_ok takes, the weights, which
 * the optimizer changes every step, are transformed into u (16 * m * c
 * floats of the caller's scratch) and the layer runs as Winograd
 * F(2x2, 3x3); every other case is rt_conv_forward on w. The transform is
 * about 60 flops per 3x3 kernel against 18 * H * W per kernel and image for
 * the convolution, so it pays from the first image on.
 */
void rt_conv_forward_ws(float *y, const float *x, const float *w, const float *b, float *u,
                        const rt_conv_params *p)
{
#ifdef RT_SIMD_AVX512
    if (u && !p->wt && rt_conv_winograd_ok(p)) {
        rt_conv_winograd_weights(u, w, p->m, p->c);
        rt_conv_wino(y, x, u, b, p);
        return;
    }
#else
    (void)u;
#endif
    rt_conv_forward(y, x, w, b, p);
}

#ifdef RT_SIMD_AVX512
/* r8elt: rt_conv_forward_ws_res's Winograd batch run (its own frame: V
 * and Zb, as rt_conv_wino_dx's). */
static RT_WG_NOINLINE void rt_conv_wino_res(float *y, const float *x, const float *u,
                                            const float *b, const float *r,
                                            const rt_conv_params *q)
{
    const int64_t hw = q->in[1] * q->in[2];
    float v[RT_WG_CAP + 16 * RT_WG_PAD], zb[RT_WGB_ZB];
    rt_wg_batch512(y, q->m * hw, x, q->c * hw, u, 0, b, q, v, zb, NULL, r);
}
#endif

/* r8elt: see onnxcc_rt.h. Where rt_conv_wino_x would run the batch kernel,
 * that kernel's output stage reads the residual from r; elsewhere r is
 * copied into y and the convolution accumulates onto it. */
void rt_conv_forward_ws_res(float *y, const float *x, const float *w, const float *b, float *u,
                            const float *r, const rt_conv_params *p)
{
    rt_conv_params q = *p;
    q.accumulate = 1;
#ifdef RT_SIMD_AVX512
    if (u && !p->wt && !p->accumulate && rt_conv_winograd_ok(p) && p->c <= RT_WG_CAP / 256 &&
        ((int64_t)p->n * (p->in[1] / 2) * (p->in[2] / 2) > 16 || p->m % 16) &&
        (p->act == RT_UN_NONE || p->act == RT_UN_RELU)) {
        rt_conv_winograd_weights(u, w, p->m, p->c);
        rt_conv_wino_res(y, x, u, b, r, &q);
        return;
    }
#endif
    if (r != y)
        memmove(y, r, (size_t)((int64_t)p->n * p->m * p->out[0] * p->out[1] * p->out[2]) *
                          sizeof(float));
    rt_conv_forward_ws(y, x, w, b, u, &q);
}

#ifdef RT_SIMD_AVX512
/* r8wino: dx of rt_conv_backward_ws: the Winograd convolution of dy with
 * the forward's U read transposed (see there), over the whole batch. */
static RT_WG_NOINLINE void rt_conv_wino_dx(float *dx, const float *dy, const float *u,
                                           const float *mk, const rt_conv_params *p)
{
    const int64_t hw = p->in[1] * p->in[2];
    float v[RT_WG_CAP + 16 * RT_WG_PAD], zb[RT_WGB_ZB];
    rt_conv_params q = *p;
    q.c = p->m;
    q.m = p->c;
    q.act = RT_UN_NONE;
    q.accumulate = !p->overwrite;
    q.overwrite = 0;
    rt_wg_batch512(dx, p->c * hw, dy, p->m * hw, u, 1, NULL, &q, v, zb, mk, NULL);
}
#endif

/*
 * r8wino: the backward of rt_conv_forward_ws (see onnxcc_rt.h), given the
 * U that forward wrote. dx of a 3x3 stride-1 "same" convolution is the
 * same convolution of dy with each kernel flipped and the channels
 * swapped, g'[ic][o] = J g[o][ic] J (J reverses the 3 taps). Since G J =
 * P G, P swapping rows 0 and 3, its Winograd weights are those of the
 * forward, U'[i][j] = U[p(i)][p(j)] for p = (3, 1, 2, 0), read with the
 * channels transposed: no transform of the weights and no copy, where the
 * backward alone (rt_cbw_dx_winograd) transforms them again, in blocks of
 * dx channels that fit its stack buffer (four passes over dy for 64 x 64
 * channels). Runs where the forward wrote U (its test) and the batch
 * kernel takes dy's channels; the rest is rt_conv_backward.
 */
void rt_conv_backward_ws(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, const float *u, const rt_conv_params *p)
{
#ifdef RT_SIMD_AVX512
    if (dx && u && !p->wt && rt_conv_winograd_ok(p) && p->m <= RT_WG_CAP / 256) {
        rt_conv_wino_dx(dx, dy, u, p->relu_dx ? x : NULL, p);
        dx = NULL;
    }
#else
    (void)u;
#endif
    rt_conv_backward(dx, dw, db, dy, x, w, p);
    if (dx && p->relu_dx) {     /* r8elt: the mask as its own pass elsewhere */
        const int64_t n = (int64_t)p->n * p->c * p->in[0] * p->in[1] * p->in[2];
        const rt_unary_params up = {.op = RT_UN_RELU, .n = n, .overwrite = 1};
        rt_unary_backward(dx, dx, x, x, &up);
    }
}

/*
 * Transposed convolution (the adjoint of the above with respect to x), see
 * rt_conv_transpose_forward in the header. The output is set to the bias,
 * then every input position scatters x * w into o = i*s - p + t*d; for a
 * fixed tap the input positions whose target lands inside [0, out) form one
 * box, found with rt_valid_range with the roles of in and out swapped.
 * w is [c, m / group, k...]: input channel g*cg+ic feeds output channels
 * g*mg .. g*mg+mg-1. The fused activation (as for rt_conv_forward) runs last.
 */
void rt_conv_transpose_forward(float *y, const float *x, const float *w, const float *b,
                               const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group;
    const int64_t mg = p->m / p->group;
    const int64_t in0 = p->in[0], in1 = p->in[1], in2 = p->in[2];
    const int64_t out0 = p->out[0], out1 = p->out[1], out2 = p->out[2];
    const int64_t k0 = p->k[0], k1 = p->k[1], k2 = p->k[2];
    const int64_t s0 = p->stride[0], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t isize = in0 * in1 * in2, osize = out0 * out1 * out2;
    const int64_t ksize = k0 * k1 * k2;
    int64_t n, oc, ic, g, i;

    for (n = 0; n < p->n; n++) {
        for (oc = 0; oc < p->m; oc++) {
            float *yp = y + (n * p->m + oc) * osize;
            const float bias = b ? b[oc] : 0.0f;
            for (i = 0; i < osize; i++)
                yp[i] = bias;
        }
        for (g = 0; g < p->group; g++) {
            for (ic = 0; ic < cg; ic++) {
                const int64_t c = g * cg + ic;
                const float *xp = x + (n * p->c + c) * isize;
                for (oc = 0; oc < mg; oc++) {
                    float *yp = y + (n * p->m + g * mg + oc) * osize;
                    const float *wp = w + (c * mg + oc) * ksize;
                    int64_t t0, t1, t2;

                    for (t0 = 0; t0 < k0; t0++) {
                        const int64_t f0 = t0 * p->dilation[0] - p->pad[0];
                        int64_t lo0, hi0, i0;
                        rt_valid_range(&lo0, &hi0, in0, s0, f0, out0);
                        for (t1 = 0; t1 < k1; t1++) {
                            const int64_t f1 = t1 * p->dilation[1] - p->pad[1];
                            int64_t lo1, hi1, i1;
                            rt_valid_range(&lo1, &hi1, in1, s1, f1, out1);
                            for (t2 = 0; t2 < k2; t2++) {
                                const int64_t f2 = t2 * p->dilation[2] - p->pad[2];
                                const float wv = wp[(t0 * k1 + t1) * k2 + t2];
                                int64_t lo2, hi2, i2;
                                rt_valid_range(&lo2, &hi2, in2, s2, f2, out2);
                                if (hi2 <= lo2)
                                    continue;
                                for (i0 = lo0; i0 < hi0; i0++) {
                                    for (i1 = lo1; i1 < hi1; i1++) {
                                        const int64_t yrow = ((i0 * s0 + f0) * out1 + (i1 * s1 + f1)) * out2;
                                        const float *xr = xp + (i0 * in1 + i1) * in2 + lo2;
                                        float *yr = yp + yrow + lo2 * s2 + f2;
                                        for (i2 = 0; i2 < hi2 - lo2; i2++)
                                            yr[i2 * s2] += wv * xr[i2];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for (oc = 0; oc < p->m; oc++)
            rt_act_apply(y + (n * p->m + oc) * osize, osize, p->act, p->act_alpha, p->act_beta);
    }
}

/* ================================================================ backward */

/* sum of x[0..n), with AVX2 in eight lanes added pairwise at the end (four
 * such sums over runs of 32, r8bwd: one chain of dependent adds ran at a
 * quarter of the adder's rate). */
static float rt_conv_sum(const float *x, int64_t n)
{
    float s = 0.0f;
    int64_t i = 0;
#ifdef RT_SIMD_AVX2
    if (n >= 8) {
        __m256 a = _mm256_setzero_ps();
        __m128 h;
        if (n >= 32) {
            __m256 b = _mm256_setzero_ps(), c = _mm256_setzero_ps(), d = _mm256_setzero_ps();
            for (; i + 32 <= n; i += 32) {
                a = _mm256_add_ps(a, _mm256_loadu_ps(x + i));
                b = _mm256_add_ps(b, _mm256_loadu_ps(x + i + 8));
                c = _mm256_add_ps(c, _mm256_loadu_ps(x + i + 16));
                d = _mm256_add_ps(d, _mm256_loadu_ps(x + i + 24));
            }
            a = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d));
        }
        for (; i + 8 <= n; i += 8)
            a = _mm256_add_ps(a, _mm256_loadu_ps(x + i));
        h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        s = _mm_cvtss_f32(h);
    }
#endif
    for (; i < n; i++)
        s += x[i];
    return s;
}

/* sum_i a[i] * b[i * bs] for i < n; contiguous b runs eight lanes on AVX2. */
static float rt_conv_dot(const float *a, const float *b, int64_t bs, int64_t n)
{
    float s = 0.0f;
    int64_t i = 0;
#ifdef RT_SIMD_AVX2
    if (bs == 1 && n >= 8) {
        __m256 acc = _mm256_setzero_ps();
        __m128 h;
        for (; i + 8 <= n; i += 8)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
        h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        s = _mm_cvtss_f32(h);
    }
#endif
    for (; i < n; i++)
        s += a[i] * b[i * bs];
    return s;
}

/* y[i * ys] += w * x[i] for i < n. */
static void rt_conv_axpy(float *y, int64_t ys, float w, const float *x, int64_t n)
{
    int64_t i = 0;
#ifdef RT_SIMD_AVX2
    if (ys == 1) {
        const __m256 wv = _mm256_set1_ps(w);
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(y + i, _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + i),
                                                    _mm256_loadu_ps(y + i)));
    }
#endif
    for (; i < n; i++)
        y[i * ys] += w * x[i];
}

/*
 * dx and dw of a depthwise convolution (one input channel per output
 * channel), by the forward's (image, channel, tap, box) nest, where the
 * forward did y[o] += w * x[o s + f]:
 *   dx[o s + f] += w * dy[o]   (the transposed convolution of dy),
 *   dw          += dy[o] * x[o s + f] summed over the box (one float sum
 *                  per tap and image, added to dw at the end).
 * Taps that fell into the padding are outside the box, so they get nothing.
 * The inner loops run along the last axis (vectorized when stride 1).
 */
static void rt_conv_backward_direct(float *dx, float *dw, const float *dy, const float *x,
                                    const float *w, const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group;
    const int64_t mg = p->m / p->group;
    const int64_t in0 = p->in[0], in1 = p->in[1], in2 = p->in[2];
    const int64_t out0 = p->out[0], out1 = p->out[1], out2 = p->out[2];
    const int64_t k0 = p->k[0], k1 = p->k[1], k2 = p->k[2];
    const int64_t s0 = p->stride[0], s1 = p->stride[1], s2 = p->stride[2];
    const int64_t isize = in0 * in1 * in2, osize = out0 * out1 * out2;
    const int64_t ksize = k0 * k1 * k2;
    int64_t n, oc, ic;

    for (n = 0; n < p->n; n++) {
        for (oc = 0; oc < p->m; oc++) {
            const int64_t g = oc / mg;
            const float *dyp = dy + (n * p->m + oc) * osize;

            for (ic = 0; ic < cg; ic++) {
                const int64_t xbase = (n * p->c + g * cg + ic) * isize;
                const float *xp = x + xbase;
                float *dxp = dx ? dx + xbase : NULL;
                const float *wp = w + (oc * cg + ic) * ksize;
                float *dwp = dw ? dw + (oc * cg + ic) * ksize : NULL;
                int64_t t0, t1, t2;

                for (t0 = 0; t0 < k0; t0++) {
                    const int64_t f0 = t0 * p->dilation[0] - p->pad[0];
                    int64_t lo0, hi0, o0;
                    rt_valid_range(&lo0, &hi0, out0, s0, f0, in0);
                    for (t1 = 0; t1 < k1; t1++) {
                        const int64_t f1 = t1 * p->dilation[1] - p->pad[1];
                        int64_t lo1, hi1, o1;
                        rt_valid_range(&lo1, &hi1, out1, s1, f1, in1);
                        for (t2 = 0; t2 < k2; t2++) {
                            const int64_t f2 = t2 * p->dilation[2] - p->pad[2];
                            const int64_t tap = (t0 * k1 + t1) * k2 + t2;
                            const float wv = wp[tap];
                            float acc = 0.0f;
                            int64_t lo2, hi2;
                            rt_valid_range(&lo2, &hi2, out2, s2, f2, in2);
                            if (hi2 <= lo2)
                                continue;
                            for (o0 = lo0; o0 < hi0; o0++) {
                                for (o1 = lo1; o1 < hi1; o1++) {
                                    const int64_t xoff = ((o0 * s0 + f0) * in1 + (o1 * s1 + f1)) * in2 +
                                                         lo2 * s2 + f2;
                                    const float *dyr = dyp + (o0 * out1 + o1) * out2 + lo2;
                                    if (dxp)
                                        rt_conv_axpy(dxp + xoff, s2, wv, dyr, hi2 - lo2);
                                    if (dwp)
                                        acc += rt_conv_dot(dyr, xp + xoff, s2, hi2 - lo2);
                                }
                            }
                            if (dwp)
                                dwp[tap] += acc;
                        }
                    }
                }
            }
        }
    }
}

#ifdef RT_SIMD_AVX512
/* d[2 j] += c[j] for j < n <= 8 (r8bwd): c spread over the even lanes of one
 * sixteen-lane access to d[0 .. 2 n - 1), the odd lanes kept; the same adds,
 * one at a time each, as the scalar loop. */
static inline void rt_col2im_add2(float *d, const float *c, int64_t n)
{
    const __m512i ev = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    const __mmask16 dm = (__mmask16)((1u << (2 * n - 1)) - 1u);
    const __m512 cv = _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), c);
    const __m512 x = _mm512_maskz_loadu_ps(dm, d);
    _mm512_mask_storeu_ps(d, dm, _mm512_mask_add_ps(x, (__mmask16)(dm & 0x5555), x,
                                                    _mm512_permutexvar_ps(ev, cv)));
}

/*
 * xr[b + 2 j + t] += c[t * ldc + j] for t < 3, j < len, where 0 <= b + 2 j + t
 * < w (r8bwd): the three taps of a kernel row at stride 2 in one pass, eight
 * j at a time: tap 0 plus tap 2 one lane later on the even positions, tap 1
 * on the odd ones, interleaved and added to sixteen floats of the row
 * through a mask (the ends of the row and of the run). No position is
 * stored to twice in a row, so no load waits for a masked store (the
 * one-tap version above does, tap after tap); an even position gets its
 * two taps summed first.
 */
static void rt_col2im_add3(float *xr, int64_t w, int64_t b, const float *c, int64_t ldc,
                           int64_t len)
{
    const __m512i il = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const float *c0 = c, *c1 = c + ldc, *c2 = c + 2 * ldc;
    int64_t j, pos;
    for (j = 0; j < len; j += 8) {
        const int64_t n = len - j < 8 ? len - j : 8, p0 = b + 2 * j;
        const __mmask16 m8 = (__mmask16)((1u << n) - 1u);
        /* tap 2 of j - 1 lands where tap 0 of j does */
        const __m512 e = _mm512_add_ps(_mm512_maskz_loadu_ps(m8, c0 + j),
                                       j == 0 ? _mm512_maskz_loadu_ps((__mmask16)(m8 & ~1u), c2 - 1)
                                              : _mm512_maskz_loadu_ps(m8, c2 + j - 1));
        const __m512 z = _mm512_permutex2var_ps(e, il, _mm512_maskz_loadu_ps(m8, c1 + j));
        /* lanes lo <= l < hi: l < 2 n and 0 <= p0 + l < w */
        const int64_t lo = p0 < 0 ? (-p0 < 16 ? -p0 : 16) : 0;
        const int64_t hi = w - p0 < 2 * n ? (w - p0 > 0 ? w - p0 : 0) : 2 * n;
        if (hi > lo) {
            const __mmask16 mk = (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
            /* the address of lane 0, before xr when p0 < 0 (that lane is
             * masked off): formed as an integer, not by pointer arithmetic
             * outside the row */
            float *d = (float *)(void *)((uintptr_t)xr + (uintptr_t)p0 * sizeof(float));
            _mm512_mask_storeu_ps(d, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, d), z));
        }
    }
    pos = b + 2 * len;          /* tap 2 of the last j */
    if (pos >= 0 && pos < w)
        xr[pos] += c2[len - 1];
}
#endif

/*
 * col2im, accumulating: adds the tile col (rows r0 .. r0+rows of the im2col
 * matrix of one group, row rr = (ic, t0, t1, t2); columns j0 .. j0+nc, an
 * output position each; row stride ldc) into dx at the input element each
 * entry was read from, skipping the entries that read padding. Columns are
 * walked in runs along o2, so each (run, row) is one strided add.
 */
static void rt_col2im_add(float *dx, const float *col, int64_t ldc, int64_t r0, int64_t rows,
                          int64_t j0, int64_t nc, const rt_conv_params *p)
{
    const int64_t in0 = p->in[0], in1 = p->in[1], in2 = p->in[2];
    const int64_t out1 = p->out[1], out2 = p->out[2];
    const int64_t k1 = p->k[1], k2 = p->k[2];
    const int64_t s2 = p->stride[2];
    const int64_t isize = in0 * in1 * in2;
    int64_t c = 0, rr, j;

    while (c < nc) {
        const int64_t jj = j0 + c;
        const int64_t o2 = jj % out2, o1 = (jj / out2) % out1, o0 = jj / (out2 * out1);
        const int64_t len = out2 - o2 < nc - c ? out2 - o2 : nc - c;
        const int64_t b0 = o0 * p->stride[0] - p->pad[0];
        const int64_t b1 = o1 * p->stride[1] - p->pad[1];
        const int64_t b2 = o2 * s2 - p->pad[2];
        int64_t rem = r0, ic, t0, t1, t2;
        t2 = rem % k2; rem /= k2;
        t1 = rem % k1; rem /= k1;
        t0 = rem % p->k[0];
        ic = rem / p->k[0];
        for (rr = 0; rr < rows; rr++) {
            const int64_t i0 = b0 + t0 * p->dilation[0], i1 = b1 + t1 * p->dilation[1];
            const int64_t i2 = b2 + t2 * p->dilation[2];
            const float *cr = col + rr * ldc + c;
#ifdef RT_SIMD_AVX512
            if (s2 == 2 && k2 == 3 && t2 == 0 && p->dilation[2] == 1 && rr + 2 < rows) {
                /* r8bwd: a kernel row's three taps at once (the rows rr .. rr + 2) */
                if (i0 >= 0 && i0 < in0 && i1 >= 0 && i1 < in1)
                    rt_col2im_add3(dx + ic * isize + (i0 * in1 + i1) * in2, in2, i2, cr, ldc,
                                   len);
                rr += 2;
                t2 = 2;         /* the last tap: the count below moves on */
            } else
#endif
            if (i0 >= 0 && i0 < in0 && i1 >= 0 && i1 < in1) {
                float *xr = dx + ic * isize + (i0 * in1 + i1) * in2;
                if (i2 >= 0 && i2 + (len - 1) * s2 < in2) {
                    if (s2 == 1) {
                        float *d = xr + i2;
                        for (j = 0; j < len; j++)
                            d[j] += cr[j];
                    } else {
                        j = 0;
#ifdef RT_SIMD_AVX512
                        if (s2 == 2)    /* r8bwd: the even lanes of one load per 8 */
                            for (; j < len; j += 8)
                                rt_col2im_add2(xr + i2 + 2 * j, cr + j,
                                               len - j < 8 ? len - j : 8);
#endif
                        for (; j < len; j++)
                            xr[i2 + j * s2] += cr[j];
                    }
                } else {
                    for (j = 0; j < len; j++) {
                        const int64_t q = i2 + j * s2;
                        if (q >= 0 && q < in2)
                            xr[q] += cr[j];
                    }
                }
            }
            if (++t2 == k2) {
                t2 = 0;
                if (++t1 == k1) {
                    t1 = 0;
                    if (++t0 == p->k[0]) {
                        t0 = 0;
                        ic++;
                    }
                }
            }
        }
        c += len;
    }
}

#ifdef RT_SMALL_STACK
#define RT_CONV_COL_TILE 256    /* floats of the dx column tile on the stack (1 KB) */
#else
#define RT_CONV_COL_TILE 4096   /* floats of the dx column tile on the stack (16 KB) */
#endif

/*
 * Convolution backward (see the header; p->act is RT_UN_NONE). Per image
 * and group, with W = the group's weights [mg, cg*ks], Y = dy [mg, osize]
 * and X = the im2col matrix of the input [cg*ks, osize]:
 *   dw += Y X^T   one accumulating rt_sgemm with B the transposed im2col
 *                 view, packed panel by panel (K = osize);
 *   dx += col2im(W^T Y)   W^T Y computed RT_CONV_COL_TILE floats at a time
 *                 into a stack tile, then scattered back (rt_col2im_add);
 *                 a 1x1 stride-1 unpadded conv accumulates W^T Y into dx
 *                 directly;
 *   db += row sums of Y.
 * Depthwise convolutions take rt_conv_backward_direct instead. With AVX2,
 * the fast paths of conv_bwd.c take dw, dx (stride 1; 3x3 and 1x1 stride 2
 * on AVX-512, r8sdx: rt_cbw_dx_s2) and depthwise
 * convolutions first when they apply (1-D or 2-D, dilation 1); this is the
 * portable path and the rest. Taps that read padding get nothing; any of
 * dx, dw, db may be NULL.
 */
void rt_conv_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                      const float *w, const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isize = p->in[0] * p->in[1] * p->in[2];
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    const int64_t ksize = p->k[0] * p->k[1] * p->k[2];
    const int64_t rk = cg * ksize;              /* rows of the im2col matrix */
    int pointwise = 1, d;
    int64_t n, oc, g;
    rt_sgemm_epi e;

    /* r8dw: dw by Winograd (and db from the same pass over dy) first */
    if (dw && rt_conv_backward_dw_winograd(dw, db, dy, x, p)) {
        dw = NULL;
        db = NULL;
    }
    if (db)
        for (n = 0; n < p->n; n++)
            for (oc = 0; oc < p->m; oc++)
                db[oc] += rt_conv_sum(dy + (n * p->m + oc) * osize, osize);
    if (!dx && !dw)
        return;
    /* p->overwrite: the fast paths and the pointwise product store dx
     * themselves (0 + the gradient); the other paths accumulate into zeros */
    if (cg == 1 && mg == 1) {
        if (!rt_conv_backward_depthwise_fast(dx, dw, dy, x, w, p)) {
            if (dx && p->overwrite)
                memset(dx, 0, (size_t)((int64_t)p->n * p->c * isize) * sizeof(float));
            rt_conv_backward_direct(dx, dw, dy, x, w, p);
        }
        return;
    }
    for (d = 0; d < RT_SPATIAL; d++)
        if (p->k[d] != 1 || p->stride[d] != 1 || p->pad[d] != 0 || p->in[d] != p->out[d])
            pointwise = 0;
    /* mbtrain: dw = dy x^T over the batch's small maps at once (conv_pw.c;
     * its transposed copy of x pays off over 64 output channels and more) */
    if (dw && pointwise && p->group == 1 && osize < 64 && p->m >= 64 &&
        rt_pw_dw_batched(dw, dy, x, p->m, p->c, osize, p->n))
        dw = NULL;
    if (dw && rt_conv_backward_dw_fast(dw, dy, x, p))
        dw = NULL;              /* done */
    /* mbtrain: dx = W^T dy over the batch's small maps at once (conv_pw.c) */
    if (dx && pointwise && p->group == 1 && RT_PW_TAKES(osize, mg) &&
        rt_pw_batched(dx, (int64_t)p->c * isize, w, 1, rk, dy, (int64_t)p->m * osize, p->c,
                      p->m, osize, p->n, !p->overwrite))
        dx = NULL;
    if (dx && !pointwise && rt_conv_backward_dx_fast(dx, dy, w, p))
        dx = NULL;
    else if (dx && !pointwise && p->overwrite)
        memset(dx, 0, (size_t)((int64_t)p->n * p->c * isize) * sizeof(float));
    if (!dx && !dw)
        return;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    for (n = 0; n < p->n; n++) {
        for (g = 0; g < p->group; g++) {
            const float *dyg = dy + (n * p->m + g * mg) * osize;
            const int64_t xoff = (n * p->c + g * cg) * isize;
            const float *wg = w + g * mg * rk;
            rt_sgemm_b bm;

            if (dw) {           /* dw[oc, r] += sum_o dy[oc, o] X[r, o] */
                bm.p = x + xoff;
                bm.rs = 1;
                bm.cs = isize;
                bm.conv = pointwise ? NULL : p;
                bm.conv_t = 1;
                e.accumulate = 1;
                rt_sgemm(dw + g * mg * rk, rk, dyg, osize, 1, &bm, mg, rk, osize, &e);
            }
            if (!dx)
                continue;
            bm = rt_sgemm_dense(dyg, osize, 1);     /* B = dy [mg, osize] */
            if (pointwise) {    /* dx[ic, o] += sum_oc w[oc, ic] dy[oc, o] */
                e.accumulate = !p->overwrite;
                rt_sgemm(dx + xoff, isize, wg, 1, rk, &bm, cg, osize, mg, &e);
            } else {
                float col[RT_CONV_COL_TILE];
                int64_t nt = RT_CONV_COL_TILE / rk / 16 * 16, rb, j0, r0;
                if (nt < 16)
                    nt = 16;
                if (nt > osize)
                    nt = osize;
                rb = RT_CONV_COL_TILE / nt;
                if (rb > rk)
                    rb = rk;
                e.accumulate = 0;
                for (j0 = 0; j0 < osize; j0 += nt) {
                    const int64_t nc = osize - j0 < nt ? osize - j0 : nt;
                    bm.p = dyg + j0;
                    for (r0 = 0; r0 < rk; r0 += rb) {
                        const int64_t rows = rk - r0 < rb ? rk - r0 : rb;
                        rt_sgemm(col, nc, wg + r0, 1, rk, &bm, rows, nc, mg, &e);
                        rt_col2im_add(dx + xoff, col, nc, r0, rows, j0, nc, p);
                    }
                }
            }
        }
    }
}
