/*
 * test_grad_dropout.c - the seeded generator (rt_rng_*) and dropout.
 *
 * Note: the runtime's generator type is rt_rng; the test helpers' own
 * splitmix64 (rt_test.h) is rt_trng.
 */
#include "grad_test.h"

/* Same seed, same stream; other seeds (even neighbours, even 0), other
 * streams; every value in [0, 1). */
Test(rng, reproducible_and_in_range)
{
    rt_rng a, b, c, z;
    int i, same_ab = 1, same_ac = 1;
    rt_rng_seed(&a, 42);
    rt_rng_seed(&b, 42);
    rt_rng_seed(&c, 43);
    rt_rng_seed(&z, 0);
    cr_assert(z.state != 0, "seed 0 left the generator stuck at 0");
    for (i = 0; i < 1000; i++) {
        const float u = rt_rng_uniform(&a), v = rt_rng_uniform(&b), w = rt_rng_uniform(&c);
        const float q = rt_rng_uniform(&z);
        cr_assert(u >= 0.0f && u < 1.0f && w >= 0.0f && w < 1.0f && q >= 0.0f && q < 1.0f);
        same_ab &= u == v;
        same_ac &= u == w;
    }
    cr_assert(same_ab, "one seed gave two streams");
    cr_assert(!same_ac, "seeds 42 and 43 gave the same stream");
}

/*
 * Uniformity, coarsely: over N = 200000 draws the mean is 1/2 within
 * 5 standard deviations (sigma = sqrt(1/12 / N) = 6.5e-4) and each tenth
 * of [0, 1) gets N/10 draws within 5 sigma (sigma = sqrt(N * 0.1 * 0.9)
 * = 134). A generator this simple passes easily; the test guards against
 * a broken conversion (bits lost, a range of [0, 1/2), ...).
 */
Test(rng, roughly_uniform)
{
    enum { N = 200000 };
    rt_rng r;
    long bins[10] = { 0 };
    double s = 0;
    int i;
    rt_rng_seed(&r, 7);
    for (i = 0; i < N; i++) {
        const float u = rt_rng_uniform(&r);
        s += u;
        bins[(int)(u * 10.0f)]++;
    }
    cr_assert(fabs(s / N - 0.5) < 5 * 6.5e-4, "mean %.6f", s / N);
    for (i = 0; i < 10; i++)
        cr_assert(labs(bins[i] - N / 10) < 5 * 134, "bin %d has %ld", i, bins[i]);
}

/* The mask keeps about 1 - ratio of the elements (5 sigma of a binomial),
 * y is x * mask / (1 - ratio) exactly as computed, and the same seed gives
 * the same mask. */
Test(dropout, forward_mask_and_scale)
{
    enum { N = 100000 };
    float *x = rt_tfloats(N), *y = rt_tfloats(N), *m = rt_tfloats(N), *m2 = rt_tfloats(N);
    const float ratio = 0.3f, scale = 1.0f / (1.0f - ratio);
    rt_trng tr = { 5 };
    rt_rng r;
    double kept = 0, sigma = sqrt(N * 0.3 * 0.7);
    int i;

    rt_fill(x, N, &tr, -2.0f, 2.0f);
    rt_rng_seed(&r, 1);
    rt_dropout_forward(y, m, x, N, ratio, &r);
    for (i = 0; i < N; i++) {
        cr_assert(m[i] == 0.0f || m[i] == 1.0f);
        cr_assert(y[i] == x[i] * (m[i] * scale), "element %d", i);
        kept += m[i];
    }
    cr_assert(fabs(kept - N * 0.7) < 5 * sigma, "kept %.0f of %d", kept, N);
    rt_rng_seed(&r, 1);
    rt_dropout_forward(y, m2, x, N, ratio, &r);
    cr_assert(memcmp(m, m2, N * sizeof(float)) == 0, "same seed, different mask");
    free(x); free(y); free(m); free(m2);
}

/* ratio 0 copies x, keeps everything, and draws nothing; in place works. */
Test(dropout, ratio_zero_copies)
{
    float x[4] = { 1, -2, 3.5f, 0 }, m[4];
    const float ones[4] = { 1, 1, 1, 1 }, want[4] = { 1, -2, 3.5f, 0 };
    rt_rng r;
    uint64_t before;
    rt_rng_seed(&r, 3);
    before = r.state;
    rt_dropout_forward(x, m, x, 4, 0.0f, &r);
    rt_check_exact("y", x, want, 4);
    rt_check_exact("mask", m, ones, 4);
    cr_assert(r.state == before, "ratio 0 drew random numbers");
}

typedef struct {
    int64_t n;
    float ratio;
    uint64_t seed;
} dgrad_ctx;

/* The forward reseeds each time, so every evaluation uses the same mask
 * (finite differences need a deterministic function). */
static void dgrad_forward(const gt_op *op, float *y)
{
    const dgrad_ctx *c = op->ctx;
    float *m = rt_tfloats(c->n);
    rt_rng r;
    rt_rng_seed(&r, c->seed);
    rt_dropout_forward(y, m, op->in[0], c->n, c->ratio, &r);
    free(m);
}

static void dgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const dgrad_ctx *c = op->ctx;
    float *m = rt_tfloats(c->n), *scratch = rt_tfloats(c->n);
    rt_rng r;
    (void)y;
    rt_rng_seed(&r, c->seed);
    rt_dropout_forward(scratch, m, op->in[0], c->n, c->ratio, &r);
    rt_dropout_backward(grad[0], dy, m, c->n, c->ratio);
    free(m);
    free(scratch);
}

static const dgrad_ctx dgrad_cases[] = { { 50, 0.5f, 1 }, { 64, 0.1f, 2 }, { 30, 0.0f, 3 },
                                         { 40, 0.9f, 4 } };

ParameterizedTestParameters(grad_dropout, finite_differences)
{
    return cr_make_param_array(dgrad_ctx, (void *)dgrad_cases, RT_ARRAY_LEN(dgrad_cases));
}

ParameterizedTest(const dgrad_ctx *dc, grad_dropout, finite_differences)
{
    float *x = rt_tfloats(dc->n);
    rt_trng r = { 13 };
    gt_op op;
    rt_fill(x, dc->n, &r, -1.0f, 1.0f);
    memset(&op, 0, sizeof op);
    op.name = "dropout";
    op.nin = 1;
    op.in[0] = x;
    op.nel[0] = dc->n;
    op.in_name[0] = "x";
    op.ny = dc->n;
    op.ctx = dc;
    op.forward = dgrad_forward;
    op.backward = dgrad_backward;
    gt_check(&op, 19);
    free(x);
}
