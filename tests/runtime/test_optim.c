/*
 * test_optim.c - rt_opt_step, rt_opt_state_size, rt_sum_squares, rt_scale.
 *
 * PyTorch parity: each scenario of optim_refs.h (made by make_optim_refs.py
 * from torch.optim in float32) is replayed through the runtime, comparing
 * the parameters after every step and the optimizer state after the last.
 *
 * Tolerance: 1e-6 relative (8.4 ulp). The runtime performs PyTorch's float
 * operations in PyTorch's order, with PyTorch's double-precision scalars
 * (bias corrections, lr / bc1, 1 - beta) rounded to float where PyTorch
 * rounds them, so most elements agree to the bit. What remains is PyTorch's
 * vectorised kernels fusing a multiply and an add (one rounding fewer, up
 * to 1/2 ulp different per fused operation) and, with clipping, PyTorch
 * forming the global norm in float where the runtime uses double (a
 * relative difference of a few ulp in the scale factor). Each step's update
 * is at most lr * (a few) = 0.1 |w| here, so a few ulp of error in the
 * update is a fraction of an ulp of w; over 5 steps the parameters drift by
 * at most a few ulp (measured: at most 2.2 ulp, most elements identical).
 * The scenarios keep every parameter in +-[0.1, 3], far from 0, so a
 * relative bound is meaningful. The state (momentum buffer, Adam's moments)
 * is a sum of gradient terms that may cancel, so each buffer is compared to
 * 1e-6 of each element's size plus 1e-6 of the buffer's largest element.
 */
#include "grad_test.h"
#include "optim_refs.h"

/* Replays one scenario: start from w0, state full of NaN (the first step
 * must initialise it: the header says no clearing is needed), then for each
 * step: clip (if asked) as torch.nn.utils.clip_grad_norm_ does, and one
 * rt_opt_step per tensor. */
static void replay(const or_case *c)
{
    float w[OR_MAXW], g[OR_MAXW], state[OR_MAXS];
    double want[OR_MAXW], tol[OR_MAXW];
    int64_t total = 0, ns = 0, i;
    int s, t;
    char what[80];

    for (t = 0; t < c->ntensors; t++) {
        total += c->n[t];
        ns += rt_opt_state_size(&c->p, c->n[t]);
    }
    cr_assert(ns == c->nstate, "%s: state size %lld, PyTorch keeps %lld", c->name,
              (long long)ns, (long long)c->nstate);
    memcpy(w, c->w0, sizeof w);
    for (i = 0; i < OR_MAXS; i++)
        state[i] = NAN;

    for (s = 0; s < OR_STEPS; s++) {
        int64_t off = 0, soff = 0;
        memcpy(g, c->g[s], sizeof g);
        if (c->max_norm > 0.0f) {
            double sq = 0.0, norm, coef;
            for (t = 0, off = 0; t < c->ntensors; off += c->n[t], t++)
                sq += rt_sum_squares(g + off, c->n[t]);
            norm = sqrt(sq);
            coef = (double)c->max_norm / (norm + 1e-6);
            if (coef < 1.0)
                for (t = 0, off = 0; t < c->ntensors; off += c->n[t], t++)
                    rt_scale(g + off, c->n[t], (float)coef);
        }
        for (t = 0, off = 0; t < c->ntensors; off += c->n[t], t++) {
            const int64_t sz = rt_opt_state_size(&c->p, c->n[t]);
            rt_opt_step(w + off, g + off, sz ? state + soff : NULL, c->n[t], s + 1, &c->p);
            soff += sz;
        }
        for (i = 0; i < total; i++) {
            want[i] = c->w[s][i];
            tol[i] = 1e-6 * fabs(want[i]);
        }
        snprintf(what, sizeof what, "%s: w after step %d", c->name, s + 1);
        rt_check(what, w, want, tol, total);
    }
    /* The state, buffer by buffer (each n floats of one tensor: SGD's
     * momentum, or Adam's first or second moment), each against its own
     * largest element. */
    {
        int64_t b0 = 0;
        for (t = 0; t < c->ntensors; t++) {
            const int nbuf = (int)(rt_opt_state_size(&c->p, c->n[t]) / c->n[t]);
            int k;
            for (k = 0; k < nbuf; k++, b0 += c->n[t]) {
                double smax = 0.0;
                for (i = 0; i < c->n[t]; i++)
                    smax = fmax(smax, fabs((double)c->state[b0 + i]));
                for (i = 0; i < c->n[t]; i++) {
                    const double ref = c->state[b0 + i];
                    if (!(fabs((double)state[b0 + i] - ref) <= 1e-6 * (fabs(ref) + smax)))
                        cr_assert_fail("%s: state[%lld] %.9g, PyTorch %.9g", c->name,
                                       (long long)(b0 + i), (double)state[b0 + i], ref);
                }
            }
        }
    }
}

ParameterizedTestParameters(optim, matches_pytorch)
{
    return cr_make_param_array(or_case, (void *)or_cases, RT_ARRAY_LEN(or_cases));
}

ParameterizedTest(const or_case *c, optim, matches_pytorch)
{
    replay(c);
}

/* ================================================================ contract */

Test(optim, state_sizes)
{
    rt_opt_params p;
    memset(&p, 0, sizeof p);
    p.kind = RT_OPT_SGD;
    cr_assert(rt_opt_state_size(&p, 10) == 0);
    p.momentum = 0.9f;
    cr_assert(rt_opt_state_size(&p, 10) == 10);
    p.kind = RT_OPT_ADAM;
    cr_assert(rt_opt_state_size(&p, 10) == 20);
    p.kind = RT_OPT_ADAMW;
    cr_assert(rt_opt_state_size(&p, 10) == 20);
}

/*
 * g is left with the terms folded in (the header): SGD and Adam add
 * l1 * sign(w) and then weight_decay * w (w before the update, sign(0) = 0);
 * AdamW's decay is decoupled, so only the L1 term reaches g. Each value is
 * the same float expression, so the comparison is exact.
 */
Test(optim, gradient_left_with_terms_folded_in)
{
    const float w0[4] = { 1.5f, -0.5f, 0.0f, 2.0f }, g0[4] = { 0.25f, 1.0f, -0.75f, 0.0f };
    const float l1 = 0.01f, wd = 0.1f;
    rt_opt_kind kinds[3] = { RT_OPT_SGD, RT_OPT_ADAM, RT_OPT_ADAMW };
    int k, i;
    for (k = 0; k < 3; k++) {
        float w[4], g[4], want[4], state[8];
        rt_opt_params p;
        memset(&p, 0, sizeof p);
        p.kind = kinds[k];
        p.lr = 0.01f;
        p.weight_decay = wd;
        p.l1 = l1;
        p.beta1 = 0.9f;
        p.beta2 = 0.999f;
        p.eps = 1e-8f;
        memcpy(w, w0, sizeof w);
        memcpy(g, g0, sizeof g);
        for (i = 0; i < 4; i++) {
            const float s = w0[i] > 0 ? 1.0f : (w0[i] < 0 ? -1.0f : 0.0f);
            want[i] = g0[i] + l1 * s;
            if (p.kind != RT_OPT_ADAMW)
                want[i] = want[i] + wd * w0[i];
        }
        rt_opt_step(w, g, p.kind == RT_OPT_SGD ? NULL : state, 4, 1, &p);
        rt_check_exact(k == 0 ? "sgd g" : k == 1 ? "adam g" : "adamw g", g, want, 4);
    }
}

/* Plain SGD is w -= lr * g, bit for bit, and needs no state. */
Test(optim, plain_sgd_exact)
{
    float w[3] = { 1.0f, -2.0f, 0.5f }, g[3] = { 0.5f, 0.25f, -1.0f };
    const float want[3] = { 1.0f - 0.125f, -2.0f - 0.0625f, 0.5f + 0.25f };
    rt_opt_params p;
    memset(&p, 0, sizeof p);
    p.kind = RT_OPT_SGD;
    p.lr = 0.25f;
    rt_opt_step(w, g, NULL, 3, 7, &p);
    rt_check_exact("w", w, want, 3);
}

/* State of a weight whose gradient stays 0 decays geometrically; it must
 * never be stored subnormal (where x * 0.9 rounds back to x and every
 * operation on it is a slow assist) but go to 0 once below FLT_MIN, while
 * the weights follow the double-precision sum of the geometric series
 * (SGD: w = w0 - lr * g (1 - 0.9^k) / 0.1, the flushed terms are < 1e-38).
 * Adam's second moment (beta2 0.999) needs about 9e4 steps to get there. */
Test(optim, decayed_state_flushed_to_zero)
{
    const int kinds[2] = { RT_OPT_SGD, RT_OPT_ADAM };
    int k;
    for (k = 0; k < 2; k++) {
        const int64_t steps = kinds[k] == RT_OPT_SGD ? 2000 : 120000;
        float w[2] = { 0.5f, -0.25f }, g[2], state[4];
        double ref = 0.5, mom = 1.0;
        rt_opt_params p;
        int64_t t;
        int i, subnormal = 0;
        memset(&p, 0, sizeof p);
        p.kind = kinds[k];
        p.lr = 0.01f;
        p.momentum = 0.9f;
        p.beta1 = 0.9f;
        p.beta2 = 0.999f;
        p.eps = 1e-8f;
        for (t = 1; t <= steps; t++) {
            g[0] = t == 1 ? 1.0f : 0.0f;
            g[1] = t == 1 ? -1.0f : 0.0f;
            rt_opt_step(w, g, state, 2, t, &p);
            for (i = 0; i < (kinds[k] == RT_OPT_SGD ? 2 : 4); i++)
                subnormal += state[i] != 0.0f && fabsf(state[i]) < FLT_MIN;
            if (kinds[k] == RT_OPT_SGD) {
                ref -= 0.01 * mom;
                mom *= 0.9;
            }
        }
        cr_expect_eq(subnormal, 0, "%s: %d subnormal state values stored",
                     k ? "adam" : "sgd", subnormal);
        for (i = 0; i < (kinds[k] == RT_OPT_SGD ? 2 : 4); i++)
            cr_expect_eq(state[i], 0.0f, "%s: state[%d] = %g after %lld steps of g = 0",
                         k ? "adam" : "sgd", i, (double)state[i], (long long)steps);
        if (kinds[k] == RT_OPT_SGD)     /* 2000 roundings of w, 1 ulp each at most */
            cr_expect(fabs(w[0] - ref) <= 2000 * 0.5 * FLT_EPSILON &&
                      fabs(w[1] + ref - 0.25) <= 2000 * 0.5 * FLT_EPSILON,
                      "sgd: w = %.9g %.9g, want %.9g %.9g", (double)w[0], (double)w[1], ref,
                      0.25 - ref);
    }
}

/* Adam's first step moves every weight by lr * sign(g) (up to eps):
 * m / bc1 = g and sqrt(v / bc2) = |g|, whatever the state held before. */
Test(optim, adam_first_step_is_sign_step)
{
    float w[4] = { 1, 1, 1, 1 }, g[4] = { 3.0f, -0.5f, 1e-3f, -20.0f };
    float state[8] = { NAN, NAN, NAN, NAN, 1e30f, 1e30f, 1e30f, 1e30f };
    const double want[4] = { 0.99, 1.01, 0.99, 1.01 };
    double tol[4];
    rt_opt_params p;
    int i;
    memset(&p, 0, sizeof p);
    p.kind = RT_OPT_ADAM;
    p.lr = 0.01f;
    p.beta1 = 0.9f;
    p.beta2 = 0.999f;
    p.eps = 1e-8f;
    rt_opt_step(w, g, state, 4, 1, &p);
    for (i = 0; i < 4; i++)       /* eps / |g| <= 1e-5 relative on the step, plus roundings */
        tol[i] = 0.01 * 1e-5 + 4 * FLT_EPSILON;
    rt_check("w", w, want, tol, 4);
}

/* rt_sum_squares sums in double: squares beyond float's range, and many
 * small terms, come out as the double sum does (each square of a float is
 * exact in double; the double sum's own error is <= n * 2^-53 relative). */
Test(optim, sum_squares_in_double)
{
    enum { N = 100000 };
    const float big[3] = { 3e20f, -4e20f, 0.0f };
    float *x = rt_tfloats(N);
    rt_trng r = { 3 };
    double ref = 0.0, got;
    int i;
    ref = (double)big[0] * big[0] + (double)big[1] * big[1];     /* ~2.5e41 */
    got = rt_sum_squares(big, 3);
    cr_assert(got == ref && isfinite(got), "%.17g vs %.17g", got, ref);
    ref = 0.0;
    rt_fill(x, N, &r, -1.0f, 1.0f);
    for (i = 0; i < N; i++)
        ref += (double)x[i] * x[i];
    got = rt_sum_squares(x, N);
    cr_assert(fabs(got - ref) <= N * DBL_EPSILON * ref, "%.17g vs %.17g", got, ref);
    cr_assert(rt_sum_squares(x, 0) == 0.0);
    free(x);
}

Test(optim, scale)
{
    float g[4] = { 1.0f, -2.0f, 0.5f, 8.0f };
    const float want[4] = { 0.25f, -0.5f, 0.125f, 8.0f };    /* n = 3: g[3] untouched */
    rt_scale(g, 3, 0.25f);
    rt_check_exact("scale", g, want, 4);
}
