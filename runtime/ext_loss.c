/*
 * ext_loss.c - the ONNX loss operators NegativeLogLikelihoodLoss and
 * SoftmaxCrossEntropyLoss (forward, inference), one template instantiated
 * for float and for double data (the double ops of the spec). The float
 * SoftmaxCrossEntropyLoss takes its log-softmax from rt_softmax_stats
 * (rt_impl.h), the same statistics the fine-tuning cross-entropy
 * rt_loss_cross_entropy uses; the double one the same max and sum of
 * exponentials in double. Sums are accumulated in double.
 */
#include <math.h>

#include "rt_impl.h"

/* rt_softmax_stats in double: the maximum of x[j * stride] over j < len,
 * with *s the sum of exp(x - max). */
static double rt_softmax_stats_f64(const double *x, int64_t len, int64_t stride, double *s)
{
    double m = x[0], sum = 0.0;
    int64_t j;
    for (j = 1; j < len; j++)
        if (x[j * stride] > m)
            m = x[j * stride];
    for (j = 0; j < len; j++)
        sum += exp(x[j * stride] - m);
    *s = sum;
    return m;
}

static float rt_softmax_stats_f32(const float *x, int64_t len, int64_t stride, float *s)
{
    return rt_softmax_stats(x, len, stride, s, NULL);
}

/*
 * The shared body over element type T (STATS and LOG its softmax
 * statistics and logarithm): x is [n, c, inner] (log-probabilities for NLL,
 * logits for SCE), target [n, inner]. Per element, with t its target and
 * w = weight[t] (1 without weights), l = -w * logp[t], where logp is x
 * itself (NLL) or x - m - log(s) from the statistics (SCE, which also
 * writes log_prob when it is not NULL). A target equal to ignore_index
 * (has_ignore), or outside [0, c), gives l = 0 with weight 0.
 * T cannot be parenthesized in declarations:
 * NOLINTBEGIN(bugprone-macro-parentheses)
 */
#define RT_NLL_KERNELS(NAME_NLL, NAME_SCE, BODY, T, STATS, LOG)                                    \
static void BODY(T *loss, T *log_prob, const T *x, const int64_t *target, const T *weight,       \
                 const rt_nll_params *p, int softmax)                                              \
{                                                                                                  \
    const int64_t n = p->n, c = p->c, inner = p->inner;                                            \
    double total = 0.0, wsum = 0.0;                                                                \
    int64_t i, d, j;                                                                               \
                                                                                                   \
    for (i = 0; i < n; i++)                                                                        \
        for (d = 0; d < inner; d++) {                                                              \
            const T *xr = x + i * c * inner + d;                                                   \
            const int64_t t = target[i * inner + d];                                               \
            T l = 0, w = 0, m = 0, lse = 0;                                                        \
            if (softmax) {                                                                         \
                T s;                                                                               \
                m = STATS(xr, c, inner, &s);                                                       \
                lse = LOG(s);                                                                      \
                if (log_prob)                                                                      \
                    for (j = 0; j < c; j++)                                                        \
                        log_prob[i * c * inner + j * inner + d] = xr[j * inner] - m - lse;         \
            }                                                                                      \
            if (!(p->has_ignore && t == p->ignore_index) && t >= 0 && t < c) {                     \
                const T lp = softmax ? xr[t * inner] - m - lse : xr[t * inner];                    \
                w = weight ? weight[t] : (T)1;                                                     \
                l = -lp * w;                                                                       \
            }                                                                                      \
            if (p->reduction == RT_REDUCTION_NONE)                                                 \
                loss[i * inner + d] = l;                                                           \
            total += (double)l;                                                                    \
            wsum += (double)w;                                                                     \
        }                                                                                          \
    if (p->reduction == RT_REDUCTION_SUM)                                                          \
        loss[0] = (T)total;                                                                        \
    else if (p->reduction == RT_REDUCTION_MEAN)                                                    \
        loss[0] = (T)(total / wsum); /* all ignored: 0 / 0 = NaN, as the spec */                  \
}                                                                                                  \
                                                                                                   \
void NAME_NLL(T *loss, const T *x, const int64_t *target, const T *weight,                         \
              const rt_nll_params *p)                                                              \
{                                                                                                  \
    BODY(loss, NULL, x, target, weight, p, 0);                                                     \
}                                                                                                  \
                                                                                                   \
void NAME_SCE(T *loss, T *log_prob, const T *x, const int64_t *target, const T *weight,            \
              const rt_nll_params *p)                                                              \
{                                                                                                  \
    BODY(loss, log_prob, x, target, weight, p, 1);                                                 \
}

RT_NLL_KERNELS(rt_nll_forward, rt_sce_forward, rt_nll_body, float, rt_softmax_stats_f32, logf)
RT_NLL_KERNELS(rt_nll_forward_f64, rt_sce_forward_f64, rt_nll_body_f64, double,
               rt_softmax_stats_f64, log)
/* NOLINTEND(bugprone-macro-parentheses) */
