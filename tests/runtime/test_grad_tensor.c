/*
 * test_grad_tensor.c - the data-movement backwards: rt_pad_backward,
 * rt_add_strided (the backward of rt_copy_strided: Transpose, Slice,
 * Concat, Split, Expand), and rt_zero.
 *
 * All of these are linear (each output is one input or a constant), so the
 * finite differences of grad_test.h are exact up to the rounding of x +- h,
 * which the checker's denominator already accounts for.
 */
#include "grad_test.h"

/* ================================================================ pad */

typedef struct {
    rt_pad_mode mode;
    int ndim;
    int64_t in[4], pb[4], pe[4];
    char name[32];
} padgrad_case;

static const padgrad_case padgrad_cases[] = {
    { RT_PAD_CONSTANT, 1, { 5 }, { 2 }, { 3 }, "const_1d" },
    { RT_PAD_CONSTANT, 2, { 3, 4 }, { 1, 2 }, { 0, 1 }, "const_2d" },
    { RT_PAD_CONSTANT, 2, { 4, 5 }, { -1, 1 }, { 2, -2 }, "const_crop" },
    { RT_PAD_REFLECT, 1, { 4 }, { 3 }, { 2 }, "reflect_1d" },
    { RT_PAD_REFLECT, 2, { 3, 4 }, { 2, 3 }, { 1, 2 }, "reflect_2d" },
    { RT_PAD_REFLECT, 1, { 3 }, { 5 }, { 4 }, "reflect_past_edge" },
    { RT_PAD_REFLECT, 2, { 5, 6 }, { -1, 2 }, { 2, -1 }, "reflect_crop" },
    { RT_PAD_REFLECT, 2, { 1, 3 }, { 2, 0 }, { 2, 1 }, "reflect_len1" },
    { RT_PAD_EDGE, 1, { 3 }, { 2 }, { 4 }, "edge_1d" },
    { RT_PAD_EDGE, 2, { 3, 4 }, { 2, 1 }, { 3, 4 }, "edge_2d" },
    { RT_PAD_EDGE, 2, { 5, 4 }, { -2, 1 }, { 1, -1 }, "edge_crop" },
    { RT_PAD_REFLECT, 3, { 2, 3, 4 }, { 0, 1, 2 }, { 0, 2, 1 }, "reflect_3d" },
    { RT_PAD_EDGE, 4, { 1, 2, 3, 3 }, { 0, 0, 1, 2 }, { 0, 0, 2, 1 }, "edge_nchw" },
    { RT_PAD_CONSTANT, 4, { 2, 2, 3, 3 }, { 0, 1, 1, 0 }, { 1, 0, 0, 2 }, "const_4d_all_axes" },
};

static void padgrad_forward(const gt_op *op, float *y)
{
    rt_pad_forward(y, op->in[0], op->ctx);
}

static void padgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    (void)y;
    rt_pad_backward(grad[0], dy, op->ctx);
}

ParameterizedTestParameters(grad_pad, finite_differences)
{
    return cr_make_param_array(padgrad_case, (void *)padgrad_cases, RT_ARRAY_LEN(padgrad_cases));
}

ParameterizedTest(const padgrad_case *pc, grad_pad, finite_differences)
{
    rt_pad_params p;
    gt_op op;
    int64_t nx;
    float *x;
    rt_trng r = { 83 };
    int i;

    memset(&p, 0, sizeof p);
    p.mode = pc->mode;
    p.value = 0.5f;
    p.ndim = pc->ndim;
    for (i = 0; i < pc->ndim; i++) {
        p.in[i] = pc->in[i];
        p.pad_begin[i] = pc->pb[i];
        p.out[i] = pc->in[i] + pc->pb[i] + pc->pe[i];
    }
    nx = rt_prod(pc->in, pc->ndim);
    x = rt_tfloats(nx);
    rt_fill(x, nx, &r, -1.0f, 1.0f);
    memset(&op, 0, sizeof op);
    op.name = pc->name;
    op.nin = 1;
    op.in[0] = x;
    op.nel[0] = nx;
    op.in_name[0] = "x";
    op.ny = rt_prod(p.out, pc->ndim);
    op.ctx = &p;
    op.forward = padgrad_forward;
    op.backward = padgrad_backward;
    gt_check(&op, 89);
    free(x);
}

/* Hand-counted: reflect [x0 x1 x2] by 2 and 2 reads x2 x1 | x0 x1 x2 | x1 x0,
 * so dy = 1 gives [2, 3, 2]; edge by 2 and 1 reads x0 x0 | x0 x1 x2 | x2:
 * [3, 1, 2]; constant by 1 and 1 reads only the middle: [1, 1, 1]. */
Test(grad_pad, counts)
{
    const float dy[7] = { 1, 1, 1, 1, 1, 1, 1 };
    static const float reflect[3] = { 2, 3, 2 }, edge[3] = { 3, 1, 2 }, cst[3] = { 1, 1, 1 };
    float dx[3];
    rt_pad_params p;
    memset(&p, 0, sizeof p);
    p.ndim = 1;
    p.in[0] = 3;

    p.mode = RT_PAD_REFLECT; p.pad_begin[0] = 2; p.out[0] = 7;
    rt_zero(dx, 3);
    rt_pad_backward(dx, dy, &p);
    rt_check_exact("reflect", dx, reflect, 3);

    p.mode = RT_PAD_EDGE; p.pad_begin[0] = 2; p.out[0] = 6;
    rt_zero(dx, 3);
    rt_pad_backward(dx, dy, &p);
    rt_check_exact("edge", dx, edge, 3);

    p.mode = RT_PAD_CONSTANT; p.value = 7.0f; p.pad_begin[0] = 1; p.out[0] = 5;
    rt_zero(dx, 3);
    rt_pad_backward(dx, dy, &p);
    rt_check_exact("constant", dx, cst, 3);
}

/* ================================================================ strided */

/*
 * Each case is a forward rt_copy_strided into a zeroed y of ny floats; its
 * backward is rt_add_strided from dy into dx with the roles of y and x
 * exchanged (the header's recipe).
 */
typedef struct {
    int ndim;
    int64_t shape[3], ystride[3], xstride[3];
    int64_t yoff, xoff;
    int64_t nx, ny;
    char name[32];
} sgrad_case;

static const sgrad_case strided_cases[] = {
    /* transpose x [3, 4] -> y [4, 3] */
    { 2, { 4, 3 }, { 3, 1 }, { 1, 4 }, 0, 0, 12, 12, "transpose" },
    /* y = x[6:0:-2] of x [7] */
    { 1, { 3 }, { 1 }, { -2 }, 0, 6, 7, 3, "slice_negative_step" },
    /* y [2, 3] = x [5, 4][1:5:2, 1:4] */
    { 2, { 2, 3 }, { 3, 1 }, { 8, 1 }, 0, 5, 20, 6, "slice_2d" },
    /* expand x [1, 3] -> y [4, 3]: dx sums over the copies */
    { 2, { 4, 3 }, { 3, 1 }, { 0, 1 }, 0, 0, 3, 12, "expand" },
    /* expand a scalar to [2, 3] */
    { 2, { 2, 3 }, { 3, 1 }, { 0, 0 }, 0, 0, 1, 6, "expand_scalar" },
    /* concat: x [2, 2] is columns 3..4 of y [2, 5] */
    { 2, { 2, 2 }, { 5, 1 }, { 2, 1 }, 3, 0, 4, 10, "concat_part" },
    /* split: y [2, 3] is columns 1..3 of x [2, 5] */
    { 2, { 2, 3 }, { 3, 1 }, { 5, 1 }, 0, 1, 10, 6, "split_part" },
    /* permute x [2, 3, 4] -> y [4, 2, 3] (perm 2, 0, 1) */
    { 3, { 4, 2, 3 }, { 6, 3, 1 }, { 1, 12, 4 }, 0, 0, 24, 24, "permute_3d" },
    /* one element, by offsets */
    { 0, { 0 }, { 0 }, { 0 }, 2, 3, 5, 4, "scalar" },
};

static void strided_params(rt_copy_params *p, const sgrad_case *c, int backward)
{
    int i;
    memset(p, 0, sizeof *p);
    p->elem_size = sizeof(float);
    p->ndim = c->ndim;
    for (i = 0; i < c->ndim; i++) {
        p->shape[i] = c->shape[i];
        p->ystride[i] = backward ? c->xstride[i] : c->ystride[i];
        p->xstride[i] = backward ? c->ystride[i] : c->xstride[i];
    }
    p->yoff = backward ? c->xoff : c->yoff;
    p->xoff = backward ? c->yoff : c->xoff;
}

typedef struct {
    rt_copy_params fwd, bwd;
} strided_ctx;

static void strided_forward(const gt_op *op, float *y)
{
    const strided_ctx *c = op->ctx;
    rt_zero(y, op->ny);
    rt_copy_strided(y, op->in[0], &c->fwd);
}

static void strided_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const strided_ctx *c = op->ctx;
    (void)y;
    rt_add_strided(grad[0], dy, &c->bwd);
}

ParameterizedTestParameters(grad_add_strided, finite_differences)
{
    return cr_make_param_array(sgrad_case, (void *)strided_cases, RT_ARRAY_LEN(strided_cases));
}

ParameterizedTest(const sgrad_case *sc, grad_add_strided, finite_differences)
{
    strided_ctx ctx;
    gt_op op;
    float *x = rt_tfloats(sc->nx);
    rt_trng r = { 97 };

    strided_params(&ctx.fwd, sc, 0);
    strided_params(&ctx.bwd, sc, 1);
    rt_fill(x, sc->nx, &r, -1.0f, 1.0f);
    memset(&op, 0, sizeof op);
    op.name = sc->name;
    op.nin = 1;
    op.in[0] = x;
    op.nel[0] = sc->nx;
    op.in_name[0] = "x";
    op.ny = sc->ny;
    op.ctx = &ctx;
    op.forward = strided_forward;
    op.backward = strided_backward;
    gt_check(&op, 101);
    free(x);
}

/* elem_size is ignored (the header): floats either way. */
Test(grad_add_strided, ignores_elem_size)
{
    const float x[3] = { 1, 2, 4 };
    float y[2] = { 10, 20 };
    const float want[2] = { 17, 22 };
    rt_copy_params p;
    memset(&p, 0, sizeof p);
    p.elem_size = 8;
    p.ndim = 1;
    p.shape[0] = 3;
    p.ystride[0] = 0;           /* all into y[0] ... */
    p.xstride[0] = 1;
    rt_add_strided(y, x, &p);   /* y[0] += 1 + 2 + 4 */
    p.shape[0] = 1;
    p.yoff = 1;
    p.xoff = 1;
    rt_add_strided(y, x, &p);   /* y[1] += 2 */
    rt_check_exact("add_strided", y, want, 2);
}

/* ================================================================ zero */

Test(grad_zero, zeroes_exactly_n)
{
    float x[6] = { 1, -2, NAN, INFINITY, 5, 6 };
    const float want[6] = { 0, 0, 0, 0, 0, 6 };
    rt_zero(x, 5);
    rt_check_exact("zero", x, want, 6);
    rt_zero(x, 0);
    cr_assert(x[5] == 6.0f);
}
