/*
 * test_grad_pool.c - rt_maxpool_backward, rt_avgpool_backward and the
 * global pooling backwards.
 *
 * Finite differences (grad_test.h) over a table of 1-D, 2-D and 3-D pools
 * with strides, dilations, symmetric and asymmetric pads, ceil_mode and
 * count_include_pad. Max pooling gets distinct inputs at least 0.05 = 5h
 * apart, so no window's winner changes under a step of h; average pooling
 * is linear, so any inputs do. At ties (and -inf windows), max pooling is
 * checked against PyTorch's gradients from grad_refs.h, and so is average
 * pooling's divisor with ceil_mode and padding.
 */
#include "grad_test.h"
#include "grad_refs.h"

typedef struct {
    int n, c;
    int64_t in[3], k[3], s[3], pb[3], pe[3], d[3];
    int ceil_mode;
    int cip;
    char name[40];
} pgrad_case;

static const pgrad_case pgrad_cases[] = {
    /* n  c   in             k            s            pb           pe           d          ceil cip */
    { 1, 2, { 1, 6, 6 }, { 1, 2, 2 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 0, 0, "2x2_s2" },
    { 2, 2, { 1, 5, 6 }, { 1, 3, 3 }, { 1, 1, 1 }, { 0, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, 0, 0, "3x3_pad1_overlap" },
    { 2, 2, { 1, 5, 6 }, { 1, 3, 3 }, { 1, 1, 1 }, { 0, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, 0, 1, "3x3_pad1_cip" },
    { 1, 2, { 1, 9, 7 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 1, 0 }, { 0, 2, 1 }, { 1, 1, 1 }, 0, 0, "asym_pads" },
    { 1, 2, { 1, 9, 7 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 1, 0 }, { 0, 2, 1 }, { 1, 1, 1 }, 0, 1, "asym_pads_cip" },
    { 1, 1, { 1, 4, 4 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 1, 0, "ceil" },
    { 1, 1, { 1, 4, 4 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 1, 1, "ceil_cip_no_pads" },
    { 1, 2, { 1, 8, 9 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 0 }, { 1, 1, 1 }, 1, 1, "ceil_cip_pads" },
    { 1, 2, { 1, 8, 9 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 0 }, { 1, 1, 1 }, 1, 0, "ceil_pads" },
    { 1, 2, { 1, 7, 7 }, { 1, 2, 2 }, { 1, 1, 1 }, { 0 }, { 0 }, { 1, 2, 2 }, 0, 0, "dilation" },
    { 1, 2, { 1, 9, 10 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 2, 1 }, { 0, 1, 2 }, { 1, 2, 3 }, 0, 1, "dilation_stride_pads_cip" },
    { 1, 2, { 1, 10, 9 }, { 1, 3, 2 }, { 1, 3, 2 }, { 0, 1, 1 }, { 0, 2, 0 }, { 1, 2, 2 }, 1, 1, "dilation_ceil_cip" },
    { 2, 3, { 1, 1, 20 }, { 1, 1, 4 }, { 1, 1, 3 }, { 0, 0, 2 }, { 0, 0, 1 }, { 1, 1, 1 }, 0, 1, "pool1d_cip" },
    { 2, 3, { 1, 1, 20 }, { 1, 1, 4 }, { 1, 1, 3 }, { 0, 0, 2 }, { 0, 0, 1 }, { 1, 1, 2 }, 1, 0, "pool1d_dil_ceil" },
    { 1, 2, { 4, 5, 6 }, { 2, 3, 2 }, { 2, 1, 2 }, { 1, 1, 0 }, { 0, 1, 1 }, { 1, 1, 2 }, 0, 0, "pool3d" },
    { 1, 2, { 4, 5, 6 }, { 2, 3, 2 }, { 2, 1, 2 }, { 1, 1, 0 }, { 0, 1, 1 }, { 1, 1, 2 }, 1, 1, "pool3d_ceil_cip" },
    { 1, 1, { 1, 3, 3 }, { 1, 5, 5 }, { 1, 1, 1 }, { 0, 2, 2 }, { 0, 2, 2 }, { 1, 1, 1 }, 0, 0, "kernel_bigger_than_input" },
};

/* out per the ONNX formula, as test_pool.c. */
static void pgrad_params(rt_pool_params *p, const pgrad_case *c)
{
    int i;
    memset(p, 0, sizeof *p);
    p->n = c->n;
    p->c = c->c;
    for (i = 0; i < 3; i++) {
        const int64_t num = c->in[i] + c->pb[i] + c->pe[i] - ((c->k[i] - 1) * c->d[i] + 1);
        p->in[i] = c->in[i];
        p->k[i] = c->k[i];
        p->stride[i] = c->s[i];
        p->pad[i] = c->pb[i];
        p->pad_end[i] = c->pe[i];
        p->dilation[i] = c->d[i];
        p->out[i] = (c->ceil_mode ? (num + c->s[i] - 1) / c->s[i] : num / c->s[i]) + 1;
    }
    p->count_include_pad = c->cip;
}

static void maxp_forward(const gt_op *op, float *y)
{
    rt_maxpool_forward(y, op->in[0], op->ctx);
}

static void maxp_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    (void)y;
    rt_maxpool_backward(grad[0], dy, op->in[0], op->ctx);
}

static void avgp_forward(const gt_op *op, float *y)
{
    rt_avgpool_forward(y, op->in[0], op->ctx);
}

static void avgp_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    (void)y;
    rt_avgpool_backward(grad[0], dy, op->ctx);
}

static void run_pool(const pgrad_case *pc, int is_max)
{
    rt_pool_params p;
    gt_op op;
    int64_t nx;
    float *x;
    rt_trng r = { 77 };
    char name[64];

    pgrad_params(&p, pc);
    nx = (int64_t)pc->n * pc->c * rt_prod(pc->in, 3);
    x = rt_tfloats(nx);
    if (is_max)
        gt_fill_distinct(x, nx, &r, 0.05f);
    else
        rt_fill(x, nx, &r, -1.0f, 1.0f);
    snprintf(name, sizeof name, "%s %s", is_max ? "max" : "avg", pc->name);
    memset(&op, 0, sizeof op);
    op.name = name;
    op.nin = 1;
    op.in[0] = x;
    op.nel[0] = nx;
    op.in_name[0] = "x";
    op.ny = (int64_t)pc->n * pc->c * rt_prod(p.out, 3);
    op.ctx = &p;
    op.forward = is_max ? maxp_forward : avgp_forward;
    op.backward = is_max ? maxp_backward : avgp_backward;
    gt_check(&op, 23);
    free(x);
}

ParameterizedTestParameters(grad_maxpool, finite_differences)
{
    return cr_make_param_array(pgrad_case, (void *)pgrad_cases, RT_ARRAY_LEN(pgrad_cases));
}

ParameterizedTest(const pgrad_case *pc, grad_maxpool, finite_differences)
{
    run_pool(pc, 1);
}

ParameterizedTestParameters(grad_avgpool, finite_differences)
{
    return cr_make_param_array(pgrad_case, (void *)pgrad_cases, RT_ARRAY_LEN(pgrad_cases));
}

ParameterizedTest(const pgrad_case *pc, grad_avgpool, finite_differences)
{
    run_pool(pc, 0);
}

/*
 * Against PyTorch (grad_refs.h): max pooling with ties everywhere (inputs
 * from {0, 1, 2}), overlapping windows, padding and ceil_mode, and a window
 * of -inf only; average pooling with padding and ceil_mode, with and without
 * count_include_pad. The dy are quarters, so max pooling's sums are exact;
 * average pooling divides by the window count (PyTorch and the runtime may
 * round dy / count and the additions in different orders): 1e-6 absolute,
 * about 16 ulp of the largest dx.
 */
Test(grad_pool, pytorch_ties_and_divisors)
{
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(gr_pool_refs); t++) {
        const gr_pool_ref *g = &gr_pool_refs[t];
        const int nx = g->h * g->w;
        float dx[64] = { 0 };
        double want[64], tol[64];
        rt_pool_params p;
        int i;
        memset(&p, 0, sizeof p);
        p.n = p.c = 1;
        p.in[0] = 1; p.in[1] = g->h; p.in[2] = g->w;
        p.k[0] = 1; p.k[1] = p.k[2] = g->k;
        p.stride[0] = 1; p.stride[1] = p.stride[2] = g->s;
        p.pad[1] = p.pad[2] = g->p;
        p.pad_end[1] = p.pad_end[2] = g->p;
        p.dilation[0] = p.dilation[1] = p.dilation[2] = 1;
        p.out[0] = 1; p.out[1] = g->oh; p.out[2] = g->ow;
        p.count_include_pad = g->cip;
        if (g->is_max)
            rt_maxpool_backward(dx, g->dy, g->x, &p);
        else
            rt_avgpool_backward(dx, g->dy, &p);
        for (i = 0; i < nx; i++) {
            want[i] = g->dx[i];
            tol[i] = g->is_max ? 0.0 : 1e-6;
        }
        rt_check(g->name, dx, want, tol, nx);
    }
}

/* ---------------------------------------------------------------- global */

typedef struct {
    int64_t nc, size;
} gp_ctx;

static void gavg_forward(const gt_op *op, float *y)
{
    const gp_ctx *c = op->ctx;
    rt_global_avgpool_forward(y, op->in[0], c->nc, c->size);
}

static void gavg_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const gp_ctx *c = op->ctx;
    (void)y;
    rt_global_avgpool_backward(grad[0], dy, c->nc, c->size);
}

static void gmax_forward(const gt_op *op, float *y)
{
    const gp_ctx *c = op->ctx;
    rt_global_maxpool_forward(y, op->in[0], c->nc, c->size);
}

static void gmax_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const gp_ctx *c = op->ctx;
    (void)y;
    rt_global_maxpool_backward(grad[0], dy, op->in[0], c->nc, c->size);
}

static const gp_ctx gp_cases[] = { { 1, 1 }, { 3, 7 }, { 6, 16 }, { 2, 49 } };

ParameterizedTestParameters(grad_global_pool, finite_differences)
{
    return cr_make_param_array(gp_ctx, (void *)gp_cases, RT_ARRAY_LEN(gp_cases));
}

ParameterizedTest(const gp_ctx *gc, grad_global_pool, finite_differences)
{
    const int64_t nx = gc->nc * gc->size;
    float *x = rt_tfloats(nx);
    rt_trng r = { 31 };
    gt_op op;
    int is_max;

    for (is_max = 0; is_max < 2; is_max++) {
        if (is_max)
            gt_fill_distinct(x, nx, &r, 0.05f);
        else
            rt_fill(x, nx, &r, -1.0f, 1.0f);
        memset(&op, 0, sizeof op);
        op.name = is_max ? "global max" : "global avg";
        op.nin = 1;
        op.in[0] = x;
        op.nel[0] = nx;
        op.in_name[0] = "x";
        op.ny = gc->nc;
        op.ctx = gc;
        op.forward = is_max ? gmax_forward : gavg_forward;
        op.backward = is_max ? gmax_backward : gavg_backward;
        gt_check(&op, 29);
    }
    free(x);
}

/* Global max pooling's choice at ties, NaN and -inf rows, against PyTorch's
 * adaptive_max_pool2d(1): the first maximum; the last NaN; element 0. */
Test(grad_global_pool, pytorch_ties_nan)
{
    float dx[16] = { 0 }, dy[4] = { 1, 1, 1, 1 };
    rt_global_maxpool_backward(dx, dy, gr_gmax_x, 4, 4);
    rt_check_exact("global max", dx, gr_gmax_dx, 16);
}
