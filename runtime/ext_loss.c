/*
 * ext_loss.c - the ONNX loss operators NegativeLogLikelihoodLoss and
 * SoftmaxCrossEntropyLoss (forward, inference). SoftmaxCrossEntropyLoss
 * takes its log-softmax from rt_softmax_stats (rt_impl.h), the same
 * statistics the fine-tuning cross-entropy rt_loss_cross_entropy uses.
 * Sums are accumulated in double.
 */
#include <math.h>

#include "rt_impl.h"

/*
 * The shared body: x is [n, c, inner] (log-probabilities for NLL, logits for
 * SCE), target [n, inner]. Per element, with t its target and w = weight[t]
 * (1 without weights), l = -w * logp[t], where logp is x itself (NLL) or
 * x - m - log(s) from rt_softmax_stats (SCE, which also writes log_prob when
 * it is not NULL). A target equal to ignore_index (has_ignore), or outside
 * [0, c), gives l = 0 with weight 0.
 */
static void rt_nll_body(float *loss, float *log_prob, const float *x, const int64_t *target,
                        const float *weight, const rt_nll_params *p, int softmax)
{
    const int64_t n = p->n, c = p->c, inner = p->inner;
    double total = 0.0, wsum = 0.0;
    int64_t i, d, j;

    for (i = 0; i < n; i++)
        for (d = 0; d < inner; d++) {
            const float *xr = x + i * c * inner + d;
            const int64_t t = target[i * inner + d];
            float l = 0.0f, w = 0.0f, m = 0.0f, lse = 0.0f;
            if (softmax) {
                float s;
                m = rt_softmax_stats(xr, c, inner, &s, NULL);
                lse = logf(s);
                if (log_prob)
                    for (j = 0; j < c; j++)
                        log_prob[i * c * inner + j * inner + d] = xr[j * inner] - m - lse;
            }
            if (!(p->has_ignore && t == p->ignore_index) && t >= 0 && t < c) {
                const float lp = softmax ? xr[t * inner] - m - lse : xr[t * inner];
                w = weight ? weight[t] : 1.0f;
                l = -lp * w;
            }
            if (p->reduction == RT_REDUCTION_NONE)
                loss[i * inner + d] = l;
            total += (double)l;
            wsum += (double)w;
        }
    if (p->reduction == RT_REDUCTION_SUM)
        loss[0] = (float)total;
    else if (p->reduction == RT_REDUCTION_MEAN)
        loss[0] = (float)(total / wsum); /* all ignored: 0 / 0 = NaN, as the spec */
}

void rt_nll_forward(float *loss, const float *x, const int64_t *target, const float *weight,
                    const rt_nll_params *p)
{
    rt_nll_body(loss, NULL, x, target, weight, p, 0);
}

void rt_sce_forward(float *loss, float *log_prob, const float *x, const int64_t *target,
                    const float *weight, const rt_nll_params *p)
{
    rt_nll_body(loss, log_prob, x, target, weight, p, 1);
}
