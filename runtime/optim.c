/*
 * optim.c - optimizer updates (SGD, Adam, AdamW) and the helpers for
 * clipping gradients by their global norm.
 *
 * The rules are torch.optim's single-tensor implementations (PyTorch 1.13,
 * foreach off, maximize off, amsgrad off), reproduced operation by
 * operation so that a model fine-tuned here follows the trajectory PyTorch
 * would: the scalars PyTorch computes in Python (double) are computed in
 * double and rounded to float once, as PyTorch rounds a Python scalar when
 * it meets a float tensor; the per-element work is float, in PyTorch's
 * order. The remaining differences are PyTorch's vector kernels fusing a
 * multiply-add, a rounding or two per operation.
 */
#include <float.h>
#include <math.h>

#include "rt_impl.h"

/* State that decays geometrically (a momentum buffer or moment of a weight
 * whose gradient stays 0, e.g. behind a dead Relu) reaches the subnormal
 * range within a thousand steps and then stays there, as x * 0.9 rounds back
 * to x at the smallest subnormal; every operation on it is then a slow
 * microcode assist (a training step 5x slower on x86). Stored state below
 * FLT_MIN is therefore stored as 0: a change of under 1.2e-38 that leaves
 * every weight of normal size exactly as it was. */
static inline float rt_opt_flush(float b)
{
    return fabsf(b) < FLT_MIN ? 0.0f : b;
}

/* Floats of state for one tensor: SGD's momentum buffer, Adam's two moments. */
int64_t rt_opt_state_size(const rt_opt_params *p, int64_t n)
{
    switch (p->kind) {
    case RT_OPT_SGD:
        return p->momentum != 0.0f ? n : 0;
    case RT_OPT_ADAM:
    case RT_OPT_ADAMW:
        return 2 * n;
    }
    return 0;
}

/* SGD (torch.optim.SGD): with d = g + weight_decay * w,
 *   buf = d at step 1, else momentum * buf + (1 - dampening) * d;
 *   d = nesterov ? d + momentum * buf : buf     (when momentum != 0);
 *   w -= lr * d. */
static void rt_opt_sgd(float *w, float *g, float *buf, int64_t n, int64_t step,
                       const rt_opt_params *p)
{
    const float mom = p->momentum, wd = p->weight_decay, neg_lr = -p->lr;
    const float keep = (float)(1.0 - (double)p->dampening);
    int64_t i;

    if (wd == 0.0f && mom != 0.0f && !p->nesterov && step > 1) {
        /* the usual case, branch-free (the same arithmetic) so it vectorizes */
        for (i = 0; i < n; i++) {
            const float b = rt_opt_flush(buf[i] * mom + keep * g[i]);
            buf[i] = b;
            w[i] = w[i] + neg_lr * b;
        }
        return;
    }
    for (i = 0; i < n; i++) {
        float d = g[i];
        if (wd != 0.0f)
            g[i] = d = d + wd * w[i];
        if (mom != 0.0f) {
            buf[i] = step <= 1 ? d : rt_opt_flush(buf[i] * mom + keep * d);
            d = p->nesterov ? d + mom * buf[i] : buf[i];
        }
        w[i] = w[i] + neg_lr * d;
    }
}

/* Adam and AdamW (torch.optim.Adam, torch.optim.AdamW): with the bias
 * corrections bc1 = 1 - beta1^step and bc2 = 1 - beta2^step (double),
 *   AdamW first decays w *= 1 - lr * weight_decay; Adam adds
 *   weight_decay * w to g instead;
 *   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,
 *   w -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
 * At step 1 the moments start from 0 whatever the state holds, as PyTorch's
 * do, so the caller need not clear them. */
static void rt_opt_adam(float *w, float *g, float *state, int64_t n, int64_t step,
                        const rt_opt_params *p)
{
    float *m = state, *v = state + n;
    const double t = (double)(step < 1 ? 1 : step);
    const double bc1 = 1.0 - pow((double)p->beta1, t);
    const double bc2 = 1.0 - pow((double)p->beta2, t);
    const float neg_step_size = (float)-((double)p->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    const float b1 = p->beta1, b2 = p->beta2;
    const float one_b1 = (float)(1.0 - (double)p->beta1);
    const float one_b2 = (float)(1.0 - (double)p->beta2);
    const float eps = p->eps, wd = p->weight_decay;
    const int adamw = p->kind == RT_OPT_ADAMW;
    const float decay = (float)(1.0 - (double)p->lr * (double)p->weight_decay);
    int64_t i;

    for (i = 0; i < n; i++) {
        float gi = g[i], denom;
        if (adamw) {
            if (wd != 0.0f)
                w[i] *= decay;
        } else if (wd != 0.0f) {
            g[i] = gi = gi + wd * w[i];
        }
        if (step <= 1)
            m[i] = v[i] = 0.0f;
        m[i] = rt_opt_flush(m[i] * b1 + one_b1 * gi);
        v[i] = rt_opt_flush(v[i] * b2 + one_b2 * gi * gi);
        denom = sqrtf(v[i]) / bc2_sqrt + eps;
        w[i] = w[i] + neg_step_size * m[i] / denom;
    }
}

/*
 * One optimizer step for one tensor, see the header. The L1 term comes
 * first, g += l1 * sign(w) (sign(0) = 0, as torch.sign), then the rule.
 */
void rt_opt_step(float *w, float *g, float *state, int64_t n, int64_t step,
                 const rt_opt_params *p)
{
    int64_t i;
    if (p->l1 != 0.0f)
        for (i = 0; i < n; i++)
            g[i] += p->l1 * (w[i] > 0.0f ? 1.0f : (w[i] < 0.0f ? -1.0f : 0.0f));
    switch (p->kind) {
    case RT_OPT_SGD:
        rt_opt_sgd(w, g, state, n, step, p);
        break;
    case RT_OPT_ADAM:
    case RT_OPT_ADAMW:
        rt_opt_adam(w, g, state, n, step, p);
        break;
    }
}

/* Sum of squares in double: the global norm over all tensors is
 * sqrt(sum of these), and clipping (PyTorch's clip_grad_norm_) then scales
 * every gradient by max_norm / (norm + 1e-6) when that is below 1. */
double rt_sum_squares(const float *g, int64_t n)
{
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return s;
}

/* g *= s over n values. */
void rt_scale(float *g, int64_t n, float s)
{
    int64_t i;
    for (i = 0; i < n; i++)
        g[i] *= s;
}
