/*
 * test_grad_norm.c - rt_batchnorm_backward (the frozen, eval-mode form).
 *
 * Finite differences (grad_test.h) for x, scale and bias; mean and var are
 * statistics, not parameters, and receive no gradient. The forward is
 * affine in each of x, scale and bias, so the difference is exact up to the
 * forward's rounding.
 */
#include "grad_test.h"

typedef struct {
    int64_t n, c, size;
    float eps;
    char name[24];
} bngrad_case;

static const bngrad_case bngrad_cases[] = {
    { 1, 1, 1, 1e-5f, "single" },
    { 2, 3, 4, 1e-5f, "small" },
    { 3, 2, 9, 1e-3f, "eps" },
    { 1, 5, 1, 1e-5f, "after_gemm" },
    { 4, 3, 16, 0.1f, "big_eps" },
};

typedef struct {
    rt_norm_params p;
    const float *mean, *var;
} bngrad_ctx;

static void bngrad_forward(const gt_op *op, float *y)
{
    const bngrad_ctx *c = op->ctx;
    rt_batchnorm_forward(y, op->in[0], op->in[1], op->in[2], c->mean, c->var, &c->p);
}

static void bngrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const bngrad_ctx *c = op->ctx;
    (void)y;
    rt_batchnorm_backward(grad[0], grad[1], grad[2], dy, op->in[0], op->in[1], c->mean, c->var,
                          &c->p);
}

ParameterizedTestParameters(grad_batchnorm, finite_differences)
{
    return cr_make_param_array(bngrad_case, (void *)bngrad_cases, RT_ARRAY_LEN(bngrad_cases));
}

ParameterizedTest(const bngrad_case *bc, grad_batchnorm, finite_differences)
{
    const int64_t nx = bc->n * bc->c * bc->size;
    float *x = rt_tfloats(nx), *scale = rt_tfloats(bc->c), *bias = rt_tfloats(bc->c);
    float *mean = rt_tfloats(bc->c), *var = rt_tfloats(bc->c);
    rt_trng r = { 71 };
    bngrad_ctx ctx;
    gt_op op;

    rt_fill(x, nx, &r, -2.0f, 2.0f);
    rt_fill(scale, bc->c, &r, -1.5f, 1.5f);
    rt_fill(bias, bc->c, &r, -1.0f, 1.0f);
    rt_fill(mean, bc->c, &r, -0.5f, 0.5f);
    rt_fill(var, bc->c, &r, 0.25f, 2.0f);
    memset(&ctx.p, 0, sizeof ctx.p);
    ctx.p.n = bc->n;
    ctx.p.c = bc->c;
    ctx.p.size = bc->size;
    ctx.p.eps = bc->eps;
    ctx.mean = mean;
    ctx.var = var;
    memset(&op, 0, sizeof op);
    op.name = bc->name;
    op.nin = 3;
    op.in[0] = x;
    op.in[1] = scale;
    op.in[2] = bias;
    op.nel[0] = nx;
    op.nel[1] = bc->c;
    op.nel[2] = bc->c;
    op.in_name[0] = "x";
    op.in_name[1] = "scale";
    op.in_name[2] = "bias";
    op.ny = nx;
    op.ctx = &ctx;
    op.forward = bngrad_forward;
    op.backward = bngrad_backward;
    gt_check(&op, 73);
    free(x); free(scale); free(bias); free(mean); free(var);
}

/*
 * p->overwrite: dx gets 0 + the contribution whatever it held (the bits of
 * accumulating into zeros), over rows of 8-lane blocks and a tail; dscale
 * and dbias still accumulate.
 */
Test(grad_batchnorm, overwrite_equals_accumulating_into_zeros)
{
    enum { N = 3, C = 2, S = 13 };
    float x[N * C * S], dy[N * C * S], acc[N * C * S], ow[N * C * S];
    float scale[C] = { 0.7f, -1.3f }, mean[C] = { 0.1f, -0.2f }, var[C] = { 0.5f, 2.0f };
    float ds1[C] = { 1, 2 }, db1[C] = { 3, 4 }, ds2[C] = { 1, 2 }, db2[C] = { 3, 4 };
    rt_norm_params p;
    rt_trng r = { 78 };
    int i;

    memset(&p, 0, sizeof p);
    p.n = N;
    p.c = C;
    p.size = S;
    p.eps = 1e-5f;
    rt_fill(x, N * C * S, &r, -2.0f, 2.0f);
    rt_fill(dy, N * C * S, &r, -1.0f, 1.0f);
    rt_fill(ow, N * C * S, &r, -5.0f, 5.0f);
    for (i = 0; i < N * C * S; i++)
        acc[i] = 0.0f;
    rt_batchnorm_backward(acc, ds1, db1, dy, x, scale, mean, var, &p);
    p.overwrite = 1;
    rt_batchnorm_backward(ow, ds2, db2, dy, x, scale, mean, var, &p);
    rt_check_exact("batchnorm overwrite dx", ow, acc, N * C * S);
    rt_check_exact("batchnorm overwrite dscale", ds2, ds1, C);
    rt_check_exact("batchnorm overwrite dbias", db2, db1, C);
}
