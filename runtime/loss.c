/*
 * loss.c - training losses: MSE, cross-entropy, binary cross-entropy (on
 * logits and on probabilities).
 *
 * Each returns the mean loss and WRITES dL/dpred (the gradient of that mean)
 * into its gradient argument when it is not NULL; that buffer is where the
 * backward pass starts. The per-element formulas and gradients are
 * PyTorch's (torch.nn.functional, reduction "mean"), including its clamps.
 * The loss is summed in double: it is reported, not differentiated, and a
 * float sum of many terms would lose digits for nothing.
 */
#include <math.h>

#include "rt_impl.h"

/* Mean squared error: mean (pred - target)^2, gradient 2 (pred - target) / n
 * (PyTorch forms the factor 2 / n first, in double, then rounds it). */
float rt_loss_mse(float *dpred, const float *pred, const float *target, int64_t n)
{
    const float norm = (float)(2.0 / (double)n);
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) {
        const float d = pred[i] - target[i];
        s += (double)d * d;
        if (dpred)
            dpred[i] = norm * d;
    }
    return (float)(s / (double)n);
}

/*
 * Cross-entropy on logits [batch, classes] with int64 labels. Per row, with
 * m its maximum and s = sum exp(x - m) (nothing overflows):
 *   loss = m + log(s) - x[label],  dlogits = (exp(x - m) / s - onehot) / count.
 * count is the number of rows whose label lies in [0, classes); the other
 * rows contribute nothing (gradient 0), and the mean is over the counted
 * rows, as PyTorch's ignore_index does. With no counted row the loss is 0
 * (PyTorch returns 0 / 0 = NaN; here a NaN would end up in reports for an
 * empty batch for no benefit). *correct grows by the rows whose first
 * maximal logit is the label.
 */
float rt_loss_cross_entropy(float *dlogits, const float *logits, const int64_t *labels,
                            int64_t batch, int64_t classes, int64_t *correct)
{
    int64_t r, j, count = 0;
    double total = 0.0;
    float inv;

    for (r = 0; r < batch; r++)
        if (labels[r] >= 0 && labels[r] < classes)
            count++;
    inv = count > 0 ? 1.0f / (float)count : 0.0f;
    for (r = 0; r < batch; r++) {
        const float *x = logits + r * classes;
        float *dx = dlogits ? dlogits + r * classes : NULL;
        const int64_t lab = labels[r];
        float s;
        int64_t arg;
        const float m = rt_softmax_stats(x, classes, 1, &s, &arg);

        if (lab < 0 || lab >= classes) {
            if (dx)
                for (j = 0; j < classes; j++)
                    dx[j] = 0.0f;
            continue;
        }
        if (correct && arg == lab)
            (*correct)++;
        total += (double)m + log((double)s) - (double)x[lab];
        if (dx) {
            for (j = 0; j < classes; j++)
                dx[j] = expf(x[j] - m) / s * inv;
            dx[lab] -= inv;
        }
    }
    return count > 0 ? (float)(total / (double)count) : 0.0f;
}

/* 1 / (1 + exp(-x)) without overflow. */
static float rt_loss_sigmoid(float v)
{
    if (v >= 0.0f)
        return 1.0f / (1.0f + expf(-v));
    else {
        const float e = expf(v);
        return e / (1.0f + e);
    }
}

/*
 * Binary cross-entropy on logits, the stable form
 *   loss = max(x, 0) - x t + log(1 + exp(-|x|)),
 * gradient (sigmoid(x) - t) / n.
 */
float rt_loss_bce_logits(float *dlogits, const float *logits, const float *target, int64_t n)
{
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) {
        const float x = logits[i], t = target[i];
        s += (double)(x > 0.0f ? x : 0.0f) - (double)x * t + (double)log1pf(expf(-fabsf(x)));
        if (dlogits)
            dlogits[i] = (rt_loss_sigmoid(x) - t) / (float)n;
    }
    return (float)(s / (double)n);
}

/*
 * Binary cross-entropy on probabilities, as PyTorch's BCELoss:
 *   loss = -(t max(log p, -100) + (1 - t) max(log(1 - p), -100)),
 *   gradient (p - t) / max(p (1 - p), 1e-12) / n,
 * the clamps keeping p = 0 or 1 finite (a loss of 100 per element at
 * worst, a gradient of 1e12 / n).
 */
float rt_loss_bce(float *dprob, const float *prob, const float *target, int64_t n)
{
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) {
        const float p = prob[i], t = target[i];
        float lp = logf(p), lq = log1pf(-p), den = (1.0f - p) * p;
        if (lp < -100.0f)
            lp = -100.0f;
        if (lq < -100.0f)
            lq = -100.0f;
        if (den < 1e-12f)
            den = 1e-12f;
        s -= (double)t * lp + (1.0 - (double)t) * lq;
        if (dprob)
            dprob[i] = (p - t) / den / (float)n;
    }
    return (float)(s / (double)n);
}
