/*
 * lp.c - Lp pooling and Lp normalization (ONNX LpPool, GlobalLpPool,
 * LpNormalization), accumulated in double; one template instantiated for
 * float and for double data (the double ops of the spec).
 */
#include <math.h>

#include "onnxcc_rt.h"

static double lp_pow(double a, float p)
{
    return p == 2.0f ? a * a : p == 1.0f ? a : pow(a, (double)p);
}

static double lp_root(double s, float p)
{
    return p == 2.0f ? sqrt(s) : p == 1.0f ? s : pow(s, 1.0 / (double)p);
}

/* The two kernels over element type T (named NAME_POOL and NAME_NORM).
 * T cannot be parenthesized in declarations:
 * NOLINTBEGIN(bugprone-macro-parentheses) */
#define RT_LP_KERNELS(NAME_POOL, NAME_NORM, T)\
void NAME_POOL(T *y, const T *x, const rt_lppool_params *lp)                                        \
{                                                                                                   \
    const rt_pool_params *p = &lp->pool;                                                            \
    int64_t isize = p->in[0] * p->in[1] * p->in[2];                                                 \
    int64_t osize = p->out[0] * p->out[1] * p->out[2];                                              \
    for (int64_t pl = 0; pl < (int64_t)p->n * p->c; pl++) {                                         \
        const T *xp = x + pl * isize;                                                               \
        T *yp = y + pl * osize;                                                                     \
        for (int64_t o0 = 0; o0 < p->out[0]; o0++)                                                  \
            for (int64_t o1 = 0; o1 < p->out[1]; o1++)                                              \
                for (int64_t o2 = 0; o2 < p->out[2]; o2++) {                                        \
                    double s = 0;                                                                   \
                    for (int64_t k0 = 0; k0 < p->k[0]; k0++) {                                      \
                        int64_t i0 = o0 * p->stride[0] - p->pad[0] + k0 * p->dilation[0];           \
                        if (i0 < 0 || i0 >= p->in[0])                                               \
                            continue;                                                               \
                        for (int64_t k1 = 0; k1 < p->k[1]; k1++) {                                  \
                            int64_t i1 = o1 * p->stride[1] - p->pad[1] + k1 * p->dilation[1];       \
                            if (i1 < 0 || i1 >= p->in[1])                                           \
                                continue;                                                           \
                            for (int64_t k2 = 0; k2 < p->k[2]; k2++) {                              \
                                int64_t i2 = o2 * p->stride[2] - p->pad[2] + k2 * p->dilation[2];   \
                                if (i2 < 0 || i2 >= p->in[2])                                       \
                                    continue;                                                       \
                                s += lp_pow(fabs((double)xp[(i0 * p->in[1] + i1) * p->in[2] + i2]), \
                                            lp->p);                                                 \
                            }                                                                       \
                        }                                                                           \
                    }                                                                               \
                    yp[(o0 * p->out[1] + o1) * p->out[2] + o2] = (T)lp_root(s, lp->p);              \
                }                                                                                   \
    }                                                                                               \
}                                                                                                   \
                                                                                                    \
void NAME_NORM(T *y, const T *x, const rt_lpnorm_params *p)                                         \
{                                                                                                   \
    for (int64_t o = 0; o < p->outer; o++)                                                          \
        for (int64_t i = 0; i < p->inner; i++) {                                                    \
            const T *xv = x + o * p->len * p->inner + i;                                            \
            T *yv = y + o * p->len * p->inner + i;                                                  \
            double s = 0;                                                                           \
            for (int64_t j = 0; j < p->len; j++)                                                    \
                s += lp_pow(fabs((double)xv[j * p->inner]), p->p);                                  \
            double norm = lp_root(s, p->p);                                                         \
            for (int64_t j = 0; j < p->len; j++)                                                    \
                yv[j * p->inner] = (T)((double)xv[j * p->inner] / norm);                            \
        }                                                                                           \
}

RT_LP_KERNELS(rt_lppool_forward, rt_lpnorm_forward, float)
RT_LP_KERNELS(rt_lppool_forward_f64, rt_lpnorm_forward_f64, double)
/* NOLINTEND(bugprone-macro-parentheses) */
