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

    if (cg == 1 && mg == 1) {
        if (p->in[0] == 1 && p->k[0] == 1 && p->out[0] == 1 && p->k[1] == 3 && p->k[2] == 3 &&
            p->dilation[1] == 1 && p->dilation[2] == 1 && p->stride[1] == p->stride[2] &&
            (p->stride[2] == 1 || p->stride[2] == 2))
            rt_conv_dw3x3(y, x, w, b, p);
        else
            rt_conv_direct(y, x, w, b, p);
        return;
    }
    for (d = 0; d < RT_SPATIAL; d++)
        if (p->k[d] != 1 || p->stride[d] != 1 || p->pad[d] != 0 || p->in[d] != p->out[d])
            pointwise = 0;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    e.accumulate = p->accumulate;
    e.act = p->act;
    e.act_alpha = p->act_alpha;
    e.act_beta = p->act_beta;
    for (n = 0; n < p->n; n++) {
        for (g = 0; g < p->group; g++) {
            rt_sgemm_b bm;
            bm.p = x + (n * p->c + g * cg) * isize;
            bm.rs = isize;
            bm.cs = 1;
            bm.conv = pointwise ? NULL : p;
            e.bias = b ? b + g * mg : NULL;
            rt_sgemm(y + (n * p->m + g * mg) * osize, osize, w + g * mg * cg * ksize, cg * ksize, 1,
                     &bm, mg, osize, cg * ksize, &e);
        }
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

/*
 * Convolution backward (see the header; p->act is RT_UN_NONE). It walks the
 * very same (image, output channel, input channel, tap, box) nest as
 * rt_conv_forward, where the forward did y[o] += w * x[o s + f]:
 *   dx[o s + f] += w * dy[o]   (the transposed convolution of dy),
 *   dw          += dy[o] * x[o s + f] summed over the box (one float sum
 *                  per tap and image, added to dw at the end),
 *   db[oc]      += the sum of dy over the plane.
 * Taps that fell into the padding are outside the box, so they get nothing,
 * and any of dx, dw, db may be NULL.
 */
void rt_conv_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
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
    int64_t n, oc, ic, i;

    for (n = 0; n < p->n; n++) {
        for (oc = 0; oc < p->m; oc++) {
            const int64_t g = oc / mg;
            const float *dyp = dy + (n * p->m + oc) * osize;

            if (db) {
                float s = 0.0f;
                for (i = 0; i < osize; i++)
                    s += dyp[i];
                db[oc] += s;
            }
            if (!dx && !dw)
                continue;
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
                            int64_t lo2, hi2, o2;
                            rt_valid_range(&lo2, &hi2, out2, s2, f2, in2);
                            if (hi2 <= lo2)
                                continue;
                            for (o0 = lo0; o0 < hi0; o0++) {
                                for (o1 = lo1; o1 < hi1; o1++) {
                                    const int64_t xoff = ((o0 * s0 + f0) * in1 + (o1 * s1 + f1)) * in2 +
                                                         lo2 * s2 + f2;
                                    const float *dyr = dyp + (o0 * out1 + o1) * out2 + lo2;
                                    if (dxp) {
                                        float *dxr = dxp + xoff;
                                        for (o2 = 0; o2 < hi2 - lo2; o2++)
                                            dxr[o2 * s2] += wv * dyr[o2];
                                    }
                                    if (dwp) {
                                        const float *xr = xp + xoff;
                                        for (o2 = 0; o2 < hi2 - lo2; o2++)
                                            acc += dyr[o2] * xr[o2 * s2];
                                    }
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
