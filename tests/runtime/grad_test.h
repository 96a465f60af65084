/*
 * grad_test.h - the gradient checker shared by the tests of the backward
 * kernels (tests/runtime/test_grad_*.c).
 *
 * An op under test is described by a gt_op: its differentiable inputs (the
 * arrays the forward reads), a forward that computes y from them, and a
 * backward that accumulates gradients for a given dy. gt_check then
 *
 *  1. draws random weights r and takes the linear functional L = sum r * y,
 *     whose gradient with respect to an input is the backward run with
 *     dy = r (into zeroed buffers);
 *  2. compares every element of every input's gradient with the central
 *     difference (L(x + h) - L(x - h)) / (x+ - x-), where the forward runs
 *     in float (the runtime's own kernel) and L is summed in double;
 *  3. checks that the backward ACCUMULATES: buffers holding random values c
 *     end up holding c + the gradient;
 *  4. checks that every gradient pointer may be NULL: asking for one
 *     gradient alone gives the very same bits as asking for all, and
 *     asking for none touches nothing.
 *
 * Finite differences, and the tolerance. The step is h = 1e-2 unless a
 * test says otherwise. The denominator is the step actually taken,
 * (double)(float)(x + h) - (double)(float)(x - h), not 2h, so rounding x +/- h
 * to float costs nothing. What remains:
 *  - truncation: h^2 / 6 * |f'''|, zero for the (piecewise) linear kernels
 *    (conv, gemm, pooling, pad, copies) and at most ~2e-3 relative for the
 *    smooth ones over the input ranges the tests use (worst: 1/x and -log p
 *    near their smallest inputs);
 *  - rounding: L(x + h) and L(x - h) differ only in the outputs x feeds
 *    (the others are recomputed bit for bit and cancel exactly in double),
 *    each of which carries the float forward's rounding, about
 *    sqrt(K) * 2^-24 * (sum of |terms|) for a K-term sum. Divided by the
 *    step 2h = 0.02 that is an absolute error near 1e-5 to 1e-4 for the
 *    sizes here, relative to gradients of order 1 to 10.
 * So each element must satisfy
 *     |fd - g| <= 1e-2 * |g| + 1e-3 * max_j |g_j|
 * (max over that input's gradient): 1e-2 relative covers truncation with a
 * margin of 5; the absolute term, tied to the gradient's scale because the
 * rounding noise is absolute and an element can be small by cancellation,
 * sits 10x above the noise estimate. A wrong or missing term moves an
 * element by its own order of magnitude and fails by far. Inputs are kept
 * at least 2h away from every kink (Relu's 0, pooling ties, Max/Min ties,
 * clip bounds), so the difference never straddles one.
 *
 * Accumulation tolerance: a kernel may add its terms into the buffer one by
 * one, so c + (sum of terms) rounds differently from c + g; at most K
 * roundings of values up to |c| + sum|terms|. 1e-4 * (|c| + max|g|) is
 * ~10x that bound for K <= 100 terms of size <= 10 * max|g| and still far
 * below |c| (an overwrite) or |g| (a double count).
 */
#ifndef GRAD_TEST_H
#define GRAD_TEST_H

#include "rt_test.h"

#define GT_MAX_IN 4

typedef struct gt_op gt_op;

struct gt_op {
    const char *name;
    int nin;                        /* differentiable inputs */
    float *in[GT_MAX_IN];           /* their values: the forward reads these */
    int64_t nel[GT_MAX_IN];         /* their element counts */
    const char *in_name[GT_MAX_IN];
    int64_t ny;                     /* output elements */
    float h;                        /* finite-difference step (0: 1e-2) */
    const void *ctx;                /* the op's parameters, for the callbacks */
    /* y = f(inputs) */
    void (*forward)(const gt_op *op, float *y);
    /* grad[i] += dL/d input i for dy (grad[i] may be NULL); y = f(inputs). */
    void (*backward)(const gt_op *op, float *const *grad, const float *dy, const float *y);
};

/* L = sum r * y in double. */
static inline double gt_functional(const float *r, const float *y, int64_t n)
{
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++)
        s += (double)r[i] * y[i];
    return s;
}

static inline double gt_max_abs(const float *g, int64_t n)
{
    double m = 0.0;
    int64_t i;
    for (i = 0; i < n; i++)
        if (fabs((double)g[i]) > m)
            m = fabs((double)g[i]);
    return m;
}

/* The finite-difference comparison of one input's gradient g (step 2). */
static inline void gt_check_fd(const gt_op *op, int k, const float *g, const float *r, float *y)
{
    const float h = op->h > 0.0f ? op->h : 1e-2f;
    float *x = op->in[k];
    const double gmax = gt_max_abs(g, op->nel[k]);
    int64_t i;

    for (i = 0; i < op->nel[k]; i++) {
        const float xi = x[i];
        double lp, lm, fd, tol;
        float xp, xm;
        x[i] = xp = xi + h;
        op->forward(op, y);
        lp = gt_functional(r, y, op->ny);
        x[i] = xm = xi - h;
        op->forward(op, y);
        lm = gt_functional(r, y, op->ny);
        x[i] = xi;
        fd = (lp - lm) / ((double)xp - (double)xm);
        tol = 1e-2 * fabs((double)g[i]) + 1e-3 * gmax;
        if (!(fabs(fd - (double)g[i]) <= tol))
            cr_assert_fail("%s: d/d%s[%lld]: backward %.7g, finite difference %.7g "
                           "(tolerance %.3g)", op->name, op->in_name[k], (long long)i,
                           (double)g[i], fd, tol);
    }
}

/*
 * Steps 1-4 above for one op; seed fixes r and the accumulation offsets.
 * Returns nothing: any mismatch fails the test with the element named.
 */
static inline void gt_check(const gt_op *op, uint64_t seed)
{
    float *y = rt_tfloats(op->ny), *r = rt_tfloats(op->ny);
    float *g[GT_MAX_IN], *c[GT_MAX_IN], *one[GT_MAX_IN];
    rt_trng rng = { seed };
    int k, j;

    cr_assert(op->nin >= 1 && op->nin <= GT_MAX_IN);
    op->forward(op, y);
    rt_fill(r, op->ny, &rng, -1.0f, 1.0f);

    /* 1: the gradients from zeroed buffers */
    for (k = 0; k < op->nin; k++) {
        g[k] = rt_tfloats(op->nel[k]);
        c[k] = rt_tfloats(op->nel[k]);
        one[k] = NULL;
    }
    op->backward(op, g, r, y);

    /* 2: finite differences */
    for (k = 0; k < op->nin; k++)
        gt_check_fd(op, k, g[k], r, y);
    op->forward(op, y);             /* y as it was, for the calls below */

    /* 3: accumulation into non-zero buffers */
    for (k = 0; k < op->nin; k++)
        rt_fill(c[k], op->nel[k], &rng, -1.0f, 1.0f);
    {
        float *acc[GT_MAX_IN];
        for (k = 0; k < op->nin; k++) {
            acc[k] = rt_tfloats(op->nel[k]);
            memcpy(acc[k], c[k], (size_t)op->nel[k] * sizeof(float));
        }
        op->backward(op, acc, r, y);
        for (k = 0; k < op->nin; k++) {
            const double gmax = gt_max_abs(g[k], op->nel[k]);
            int64_t i;
            for (i = 0; i < op->nel[k]; i++) {
                const double want = (double)c[k][i] + g[k][i];
                const double tol = 1e-4 * (fabs((double)c[k][i]) + gmax);
                if (!(fabs((double)acc[k][i] - want) <= tol))
                    cr_assert_fail("%s: d%s[%lld] does not accumulate: %.7g + %.7g gave %.7g",
                                   op->name, op->in_name[k], (long long)i, (double)c[k][i],
                                   (double)g[k][i], (double)acc[k][i]);
            }
            free(acc[k]);
        }
    }

    /* 4: NULL gradients. One at a time: the same bits as all together. */
    for (k = 0; k < op->nin; k++) {
        float *only = rt_tfloats(op->nel[k]);
        for (j = 0; j < op->nin; j++)
            one[j] = j == k ? only : NULL;
        op->backward(op, one, r, y);
        if (memcmp(only, g[k], (size_t)op->nel[k] * sizeof(float)) != 0) {
            char what[96];
            snprintf(what, sizeof what, "%s: d%s alone", op->name, op->in_name[k]);
            rt_check_exact(what, only, g[k], op->nel[k]);
        }
        free(only);
    }
    for (j = 0; j < op->nin; j++)
        one[j] = NULL;
    op->backward(op, one, r, y);    /* none at all: must not crash */

    for (k = 0; k < op->nin; k++) {
        free(g[k]);
        free(c[k]);
    }
    free(y);
    free(r);
}

/* Fill x with n distinct values spaced by at least `gap`, in random order,
 * with random signs kept away from 0 by `gap` too: |x| in [gap, (n + 1) gap].
 * Max pooling and Max/Min get inputs with no near-ties this way. */
static inline void gt_fill_distinct(float *x, int64_t n, rt_trng *r, float gap)
{
    int64_t i;
    for (i = 0; i < n; i++)
        x[i] = (float)(i + 1) * gap * (rt_rng_next(r) & 1 ? 1.0f : -1.0f);
    for (i = n - 1; i > 0; i--) {           /* Fisher-Yates */
        const int64_t j = rt_rng_int(r, 0, i + 1);
        const float t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
}

/* Uniform values with |x| in [lo, hi] and a random sign: away from 0. */
static inline void gt_fill_away0(float *x, int64_t n, rt_trng *r, float lo, float hi)
{
    int64_t i;
    for (i = 0; i < n; i++)
        x[i] = rt_rng_float(r, lo, hi) * (rt_rng_next(r) & 1 ? 1.0f : -1.0f);
}

#endif /* GRAD_TEST_H */
