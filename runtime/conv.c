/*
 * conv.c - direct convolution and transposed convolution.
 *
 * Both kernels are written as a scatter over kernel taps: for one weight
 * w[oc, ic, t0, t1, t2], the outputs it touches form one box of output
 * positions (rt_valid_range gives its bounds on each axis), so the innermost
 * loop is a branch-free multiply-add along the last spatial axis. Padding
 * never materialises: taps that would read it are simply outside the box.
 */
#include "rt_impl.h"

/*
 * Convolution, see rt_conv_params. For each image n and output channel oc,
 * the output plane is set to the bias (or 0), every (input channel, tap) of
 * oc's group adds w * x over its valid box, then the fused activation runs
 * over the finished plane. With s = stride, d = dilation, p = pad:
 *   y[n, oc, o] = b[oc] + sum_{ic in group, t} w[oc, ic, t] * x[n, g*cg+ic, o*s - p + t*d]
 */
void rt_conv_forward(float *y, const float *x, const float *w, const float *b,
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
