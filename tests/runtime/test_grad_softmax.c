/*
 * test_grad_softmax.c - rt_softmax_backward, softmax and log-softmax.
 *
 * Finite differences (grad_test.h) along the first, a middle and the last
 * axis of x viewed as [outer, len, inner]. Softmax is smooth; over inputs
 * in [-3, 3] its third derivatives are below 1 in size, so the truncation
 * error h^2/6 |f'''| stays under 2e-5, far inside the checker's tolerance.
 */
#include "grad_test.h"

typedef struct {
    int64_t outer, len, inner;
    int log;
    char name[24];
} sgrad_case;

static const sgrad_case sgrad_cases[] = {
    { 1, 1, 1, 0, "single" },
    { 4, 6, 1, 0, "last_axis" },
    { 3, 5, 4, 0, "middle_axis" },
    { 1, 7, 6, 0, "first_axis" },
    { 2, 1, 3, 0, "len1" },
    { 1, 1, 1, 1, "log_single" },
    { 4, 6, 1, 1, "log_last_axis" },
    { 3, 5, 4, 1, "log_middle_axis" },
    { 1, 7, 6, 1, "log_first_axis" },
};

static void sgrad_forward(const gt_op *op, float *y)
{
    rt_softmax_forward(y, op->in[0], op->ctx);
}

static void sgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    rt_softmax_backward(grad[0], dy, y, op->ctx);
}

ParameterizedTestParameters(grad_softmax, finite_differences)
{
    return cr_make_param_array(sgrad_case, (void *)sgrad_cases, RT_ARRAY_LEN(sgrad_cases));
}

ParameterizedTest(const sgrad_case *sc, grad_softmax, finite_differences)
{
    const int64_t n = sc->outer * sc->len * sc->inner;
    rt_softmax_params p;
    float *x = rt_tfloats(n);
    rt_trng r = { 61 };
    gt_op op;

    p.outer = sc->outer;
    p.len = sc->len;
    p.inner = sc->inner;
    p.log = sc->log;
    rt_fill(x, n, &r, -3.0f, 3.0f);
    memset(&op, 0, sizeof op);
    op.name = sc->name;
    op.nin = 1;
    op.in[0] = x;
    op.nel[0] = n;
    op.in_name[0] = "x";
    op.ny = n;
    op.ctx = &p;
    op.forward = sgrad_forward;
    op.backward = sgrad_backward;
    gt_check(&op, 67);
    free(x);
}

/* A uniform dy changes nothing after a softmax (the outputs sum to 1), so
 * dx is 0 up to rounding: y (1 - sum y), with sum y off 1 by at most
 * (len + 2) ulp. Log-softmax instead turns dy = 1 into 1 - len * softmax;
 * exp(y) inherits y's absolute error (about (spread + len + 4) / 2 ulp, see
 * test_softmax.c: under 8 ulp here) as a relative one, times len: under
 * 40 ulp, so 64 * FLT_EPSILON * (1 + |dx|). */
Test(grad_softmax, uniform_dy)
{
    enum { L = 5 };
    const float x[L] = { 0.5f, -1.0f, 2.0f, 0.0f, 1.5f };
    float y[L], dy[L], dx[L] = { 0 };
    double want[L], tol[L], s = 0;
    rt_softmax_params p = { 1, L, 1, 0 };
    int i;
    for (i = 0; i < L; i++)
        dy[i] = 1.0f;
    rt_softmax_forward(y, x, &p);
    rt_softmax_backward(dx, dy, y, &p);
    for (i = 0; i < L; i++) {
        want[i] = 0.0;
        tol[i] = (L + 2) * FLT_EPSILON;
    }
    rt_check("softmax", dx, want, tol, L);

    p.log = 1;
    rt_softmax_forward(y, x, &p);
    for (i = 0; i < L; i++)
        s += exp((double)x[i]);
    for (i = 0; i < L; i++) {
        dx[i] = 0.0f;
        want[i] = 1.0 - L * exp((double)x[i]) / s;
        tol[i] = 64 * FLT_EPSILON * (1.0 + fabs(want[i]));
    }
    rt_softmax_backward(dx, dy, y, &p);
    rt_check("log_softmax", dx, want, tol, L);
}
