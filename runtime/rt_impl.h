/*
 * rt_impl.h - helpers shared by the runtime's kernel files; not public API.
 *
 * Everything here is `static inline` so that each kernel file stays
 * self-contained and no helper becomes an exported symbol of the library.
 */
#ifndef RT_IMPL_H
#define RT_IMPL_H

#include "onnxcc_rt.h"

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

/* The AVX2 fast paths of rt_conv_backward (conv_bwd.c): dw, and dx of a
 * stride-1 convolution, over every image and group of a 1-D or 2-D
 * convolution with dilation 1. Each returns 1 when it did the work, 0 when
 * the caller must (having changed nothing). */
int rt_conv_backward_dw_fast(float *dw, const float *dy, const float *x, const rt_conv_params *p);
int rt_conv_backward_dx_fast(float *dx, const float *dy, const float *w, const rt_conv_params *p);
int rt_conv_backward_depthwise_fast(float *dx, float *dw, const float *dy, const float *x,
                                    const float *w, const rt_conv_params *p);

#endif /* RT_IMPL_H */
