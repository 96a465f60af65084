/*
 * test_grad_elementwise.c - rt_unary_backward and rt_binary_backward.
 *
 * Away from kinks: the finite-difference checker of grad_test.h for every
 * unary function (with its parameters varied) and for every binary op under
 * every broadcasting pattern (each operand broadcast along leading, middle
 * and trailing axes, both at once, a scalar). At kinks and ties: PyTorch's
 * own derivatives, recorded by make_grad_refs.py in grad_refs.h.
 */
#include "grad_test.h"
#include "grad_refs.h"

/* ================================================================ unary */

/*
 * One row per function and parameter choice. Inputs are uniform in
 * [lo, hi], redrawn while closer than 3h = 0.03 to one of the function's
 * kinks (so x +- h never crosses one). The ranges keep the truncation
 * error of the difference small (see grad_test.h): 1/x and log x start at
 * 0.5, where h^2/6 |f'''| / |f'| stays below 2e-3.
 */
typedef struct {
    rt_unary_op op;
    float alpha, beta;
    float lo, hi;
    int nkinks;
    float kinks[2];
    char name[24];
} ugrad_case;

static const ugrad_case ugrad_cases[] = {
    { RT_UN_NONE,        0.0f,  0.0f,  -2.0f, 2.0f, 0, { 0 },            "none" },
    { RT_UN_RELU,        0.0f,  0.0f,  -2.0f, 2.0f, 1, { 0.0f },         "relu" },
    { RT_UN_LEAKYRELU,   0.01f, 0.0f,  -2.0f, 2.0f, 1, { 0.0f },         "leakyrelu" },
    { RT_UN_LEAKYRELU,   1.5f,  0.0f,  -2.0f, 2.0f, 1, { 0.0f },         "leakyrelu_big_alpha" },
    { RT_UN_ELU,         1.0f,  0.0f,  -3.0f, 2.0f, 1, { 0.0f },         "elu" },
    { RT_UN_ELU,         0.3f,  0.0f,  -3.0f, 2.0f, 1, { 0.0f },         "elu_alpha" },
    { RT_UN_SELU,        1.67326319f, 1.05070102f, -3.0f, 2.0f, 1, { 0.0f }, "selu_default" },
    { RT_UN_SELU,        2.0f,  3.0f,  -3.0f, 2.0f, 1, { 0.0f },         "selu" },
    { RT_UN_SIGMOID,     0.0f,  0.0f,  -6.0f, 6.0f, 0, { 0 },            "sigmoid" },
    { RT_UN_HARDSIGMOID, 0.2f,  0.5f,  -4.0f, 4.0f, 2, { -2.5f, 2.5f },  "hardsigmoid" },
    { RT_UN_HARDSIGMOID, -0.7f, 0.1f,  -2.0f, 2.0f, 2, { 0.142857f, -1.285714f }, "hardsigmoid_neg" },
    { RT_UN_HARDSWISH,   0.0f,  0.0f,  -5.0f, 5.0f, 2, { -3.0f, 3.0f },  "hardswish" },
    { RT_UN_TANH,        0.0f,  0.0f,  -3.0f, 3.0f, 0, { 0 },            "tanh" },
    { RT_UN_SOFTPLUS,    0.0f,  0.0f,  -6.0f, 6.0f, 0, { 0 },            "softplus" },
    { RT_UN_SOFTSIGN,    0.0f,  0.0f,  -4.0f, 4.0f, 1, { 0.0f },         "softsign" },
    { RT_UN_CLIP,        -1.0f, 2.5f,  -3.0f, 4.0f, 2, { -1.0f, 2.5f },  "clip" },
    { RT_UN_CLIP,        0.0f,  6.0f,  -2.0f, 8.0f, 2, { 0.0f, 6.0f },   "clip_relu6" },
    { RT_UN_SQRT,        0.0f,  0.0f,   0.5f, 9.0f, 0, { 0 },            "sqrt" },
    { RT_UN_EXP,         0.0f,  0.0f,  -3.0f, 2.0f, 0, { 0 },            "exp" },
    { RT_UN_LOG,         0.0f,  0.0f,   0.5f, 9.0f, 0, { 0 },            "log" },
    { RT_UN_ABS,         0.0f,  0.0f,  -2.0f, 2.0f, 1, { 0.0f },         "abs" },
    { RT_UN_NEG,         0.0f,  0.0f,  -2.0f, 2.0f, 0, { 0 },            "neg" },
    { RT_UN_RECIPROCAL,  0.0f,  0.0f,   0.5f, 3.0f, 0, { 0 },            "reciprocal" },
    { RT_UN_RECIPROCAL,  0.0f,  0.0f,  -3.0f, -0.5f, 0, { 0 },           "reciprocal_neg" },
    { RT_UN_AFFINE,      0.5f,  -1.25f, -2.0f, 2.0f, 0, { 0 },           "affine" },
    { RT_UN_AFFINE,      -3.0f, 0.5f,  -2.0f, 2.0f, 0, { 0 },            "affine_neg" },
};

typedef struct {
    rt_unary_params p;
} ugrad_ctx;

static void ugrad_forward(const gt_op *op, float *y)
{
    const ugrad_ctx *c = op->ctx;
    rt_unary_forward(y, op->in[0], &c->p);
}

static void ugrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const ugrad_ctx *c = op->ctx;
    rt_unary_backward(grad[0], dy, op->in[0], y, &c->p);
}

ParameterizedTestParameters(grad_unary, finite_differences)
{
    return cr_make_param_array(ugrad_case, (void *)ugrad_cases, RT_ARRAY_LEN(ugrad_cases));
}

ParameterizedTest(const ugrad_case *uc, grad_unary, finite_differences)
{
    enum { N = 200 };
    float *x = rt_tfloats(N);
    rt_trng r = { 100 + (uint64_t)uc->op };
    ugrad_ctx ctx;
    gt_op op;
    int64_t i;
    int k;

    for (i = 0; i < N; i++) {
        int near;
        do {
            x[i] = rt_rng_float(&r, uc->lo, uc->hi);
            near = 0;
            for (k = 0; k < uc->nkinks; k++)
                if (fabsf(x[i] - uc->kinks[k]) < 0.03f)
                    near = 1;
        } while (near);
    }
    memset(&ctx.p, 0, sizeof ctx.p);
    ctx.p.op = uc->op;
    ctx.p.alpha = uc->alpha;
    ctx.p.beta = uc->beta;
    ctx.p.n = N;
    memset(&op, 0, sizeof op);
    op.name = uc->name;
    op.nin = 1;
    op.in[0] = x;
    op.nel[0] = N;
    op.in_name[0] = "x";
    op.ny = N;
    op.ctx = &ctx;
    op.forward = ugrad_forward;
    op.backward = ugrad_backward;
    gt_check(&op, 7);
    free(x);
}

/*
 * Derivatives at the kinks, against PyTorch (grad_refs.h; dy = 1). Values at
 * kinks are exact small numbers (0, alpha, -1/2, 3/2, ...), elsewhere a few
 * float operations: 4 ulp relative (4 * FLT_EPSILON) covers a different
 * order of the same operations; inf and NaN must match exactly.
 */
Test(grad_unary, pytorch_at_kinks)
{
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(gr_unary_refs); t++) {
        const gr_unary_ref *u = &gr_unary_refs[t];
        float x[GR_MAXP], y[GR_MAXP], dy[GR_MAXP], dx[GR_MAXP];
        double want[GR_MAXP], tol[GR_MAXP];
        rt_unary_params p;
        int i;
        memset(&p, 0, sizeof p);
        p.op = u->op;
        p.alpha = u->alpha;
        p.beta = u->beta;
        p.n = u->n;
        for (i = 0; i < u->n; i++) {
            x[i] = u->x[i];
            dy[i] = 1.0f;
            dx[i] = 0.0f;
            want[i] = u->dx[i];
            tol[i] = 4 * FLT_EPSILON * fabs(want[i]);
        }
        rt_unary_forward(y, x, &p);
        rt_unary_backward(dx, dy, x, y, &p);
        rt_check(u->name, dx, want, tol, u->n);
    }
}

/* PyTorch's HardSigmoid is fixed at alpha = 1/6, beta = 1/2; the runtime
 * takes the same rule to ONNX's parameters: the derivative is alpha only
 * where 0 < alpha x + beta < 1, strictly, so 0 at both corners. */
Test(grad_unary, hardsigmoid_corners_general)
{
    static const float x[5] = { -2.5f, 2.5f, -2.4f, 2.4f, 0.0f };   /* alpha 0.2, beta 0.5 */
    static const float want[5] = { 0.0f, 0.0f, 0.2f, 0.2f, 0.2f };
    float y[5], dy[5] = { 1, 1, 1, 1, 1 }, dx[5] = { 0 };
    rt_unary_params p = { RT_UN_HARDSIGMOID, 0.2f, 0.5f, 5, 0 };
    rt_unary_forward(y, x, &p);
    rt_unary_backward(dx, dy, x, y, &p);
    rt_check_exact("hardsigmoid 0.2 0.5", dx, want, 5);
}

/* Elu's derivative comes from exp(x), not from y + alpha: far left, where
 * y + alpha cancels to 0 in float, it keeps its relative precision. */
Test(grad_unary, elu_far_left_keeps_precision)
{
    const float x = -20.0f;
    float y, dy = 1.0f, dx = 0.0f;
    rt_unary_params p = { RT_UN_ELU, 1.0f, 0.0f, 1, 0 };
    rt_unary_forward(&y, &x, &p);
    rt_unary_backward(&dx, &dy, &x, &y, &p);
    cr_assert(fabs(dx - exp(-20.0)) <= 4 * FLT_EPSILON * exp(-20.0), "elu'(-20) = %.9g", (double)dx);
}

/* ================================================================ binary */

/*
 * Broadcast patterns: y's shape, and a's and b's shapes right-aligned to it
 * (ONNX/numpy broadcasting; 1 = broadcast along that axis).
 */
typedef struct {
    int ndim;
    int64_t y[4], a[4], b[4];
    char name[24];
} bcast;

static const bcast bcasts[] = {
    { 3, { 2, 3, 4 }, { 2, 3, 4 }, { 2, 3, 4 }, "same" },
    { 3, { 2, 3, 4 }, { 2, 3, 4 }, { 1, 3, 1 }, "b_middle" },
    { 3, { 2, 3, 4 }, { 1, 1, 4 }, { 2, 3, 4 }, "a_trailing" },
    { 3, { 2, 3, 4 }, { 2, 1, 4 }, { 1, 3, 1 }, "both" },
    { 3, { 2, 3, 4 }, { 2, 3, 4 }, { 1, 1, 1 }, "b_scalar" },
    { 4, { 2, 3, 2, 2 }, { 1, 3, 1, 1 }, { 2, 3, 2, 2 }, "a_channel" },
    { 2, { 5, 3 }, { 5, 1 }, { 1, 3 }, "outer" },
};

typedef struct {
    rt_binary_op op;
    int pattern;
    char name[32];
} bgrad_case;

#define BG_ROW(op, nm)                                                                      \
    { op, 0, nm "_same" }, { op, 1, nm "_b_middle" }, { op, 2, nm "_a_trailing" },       \
    { op, 3, nm "_both" }, { op, 4, nm "_b_scalar" }, { op, 5, nm "_a_channel" },        \
    { op, 6, nm "_outer" }

static const bgrad_case bgrad_cases[] = {
    BG_ROW(RT_BIN_ADD, "add"), BG_ROW(RT_BIN_SUB, "sub"), BG_ROW(RT_BIN_MUL, "mul"),
    BG_ROW(RT_BIN_DIV, "div"), BG_ROW(RT_BIN_POW, "pow"), BG_ROW(RT_BIN_MAX, "max"),
    BG_ROW(RT_BIN_MIN, "min"), BG_ROW(RT_BIN_PRELU, "prelu"),
};

typedef struct {
    rt_binary_params p;
} bgrad_ctx;

static void bgrad_forward(const gt_op *op, float *y)
{
    const bgrad_ctx *c = op->ctx;
    rt_binary_forward(y, op->in[0], op->in[1], &c->p);
}

static void bgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const bgrad_ctx *c = op->ctx;
    (void)y;
    rt_binary_backward(grad[0], grad[1], dy, op->in[0], op->in[1], &c->p);
}

/* Strides of an operand of shape s (dense) seen along y's axes: 0 where the
 * operand has size 1 and y does not. */
static void bcast_strides(int64_t *st, const int64_t *s, const int64_t *y, int nd)
{
    int64_t dense[4];
    int i;
    rt_dense_strides(dense, s, nd);
    for (i = 0; i < nd; i++)
        st[i] = (s[i] == 1 && y[i] != 1) ? 0 : dense[i];
}

ParameterizedTestParameters(grad_binary, finite_differences)
{
    return cr_make_param_array(bgrad_case, (void *)bgrad_cases, RT_ARRAY_LEN(bgrad_cases));
}

/*
 * Inputs per op: Div keeps |b| in [0.5, 2]; Pow keeps a in [0.5, 2] (db
 * needs log a) and b in [-2, 2]; Max and Min draw a and b together as
 * distinct values at least 0.05 = 5h apart, so no pair that meets is near a
 * tie; PRelu keeps |a| >= 0.05; the rest are uniform in [-1, 1].
 */
ParameterizedTest(const bgrad_case *bc, grad_binary, finite_differences)
{
    const bcast *s = &bcasts[bc->pattern];
    const int64_t na = rt_prod(s->a, s->ndim), nb = rt_prod(s->b, s->ndim);
    float *a = rt_tfloats(na), *b = rt_tfloats(nb);
    rt_trng r = { 300 + (uint64_t)bc->op * 16 + (uint64_t)bc->pattern };
    bgrad_ctx ctx;
    gt_op op;
    int i;

    switch (bc->op) {
    case RT_BIN_DIV:
        rt_fill(a, na, &r, -1.0f, 1.0f);
        gt_fill_away0(b, nb, &r, 0.5f, 2.0f);
        break;
    case RT_BIN_POW:
        rt_fill(a, na, &r, 0.5f, 2.0f);
        rt_fill(b, nb, &r, -2.0f, 2.0f);
        break;
    case RT_BIN_MAX:
    case RT_BIN_MIN: {
        float *ab = rt_tfloats(na + nb);
        gt_fill_distinct(ab, na + nb, &r, 0.05f);
        memcpy(a, ab, (size_t)na * sizeof(float));
        memcpy(b, ab + na, (size_t)nb * sizeof(float));
        free(ab);
        break;
    }
    case RT_BIN_PRELU:
        gt_fill_away0(a, na, &r, 0.05f, 1.0f);
        rt_fill(b, nb, &r, -1.0f, 1.0f);
        break;
    default:
        rt_fill(a, na, &r, -1.0f, 1.0f);
        rt_fill(b, nb, &r, -1.0f, 1.0f);
        break;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.p.op = bc->op;
    ctx.p.ndim = s->ndim;
    for (i = 0; i < s->ndim; i++)
        ctx.p.shape[i] = s->y[i];
    bcast_strides(ctx.p.astride, s->a, s->y, s->ndim);
    bcast_strides(ctx.p.bstride, s->b, s->y, s->ndim);

    memset(&op, 0, sizeof op);
    op.name = bc->name;
    op.nin = 2;
    op.in[0] = a;
    op.in[1] = b;
    op.nel[0] = na;
    op.nel[1] = nb;
    op.in_name[0] = "a";
    op.in_name[1] = "b";
    op.ny = rt_prod(s->y, s->ndim);
    op.ctx = &ctx;
    op.forward = bgrad_forward;
    op.backward = bgrad_backward;
    gt_check(&op, 11);
    free(a);
    free(b);
}

/*
 * Ties, NaN, zeros, against PyTorch (grad_refs.h; same-shape operands,
 * dy = 1): torch.maximum/minimum split a tie half and half and give a NaN
 * pair's gradient to both; prelu uses the slope at a == 0; pow follows
 * PyTorch except for db where PyTorch's answer is not finite (log of a
 * negative base, or a == 0 with b < 0): the runtime gives 0 there (see
 * elementwise.c), which this test states explicitly. Same tolerance as the
 * unary kinks.
 */
Test(grad_binary, pytorch_at_ties)
{
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(gr_binary_refs); t++) {
        const gr_binary_ref *g = &gr_binary_refs[t];
        float dy[GR_MAXP], da[GR_MAXP] = { 0 }, db[GR_MAXP] = { 0 };
        double wa[GR_MAXP], wb[GR_MAXP], ta[GR_MAXP], tb[GR_MAXP];
        rt_binary_params p;
        char what[48];
        int i;
        memset(&p, 0, sizeof p);
        p.op = g->op;
        p.ndim = 1;
        p.shape[0] = g->n;
        p.astride[0] = p.bstride[0] = 1;
        for (i = 0; i < g->n; i++) {
            dy[i] = 1.0f;
            wa[i] = g->da[i];
            wb[i] = g->db[i];
            if (g->op == RT_BIN_POW && !isfinite(wb[i])) {
                cr_assert(g->a[i] < 0.0f || (g->a[i] == 0.0f && g->b[i] < 0.0f));
                wb[i] = 0.0;            /* the documented departure */
            }
            ta[i] = 4 * FLT_EPSILON * fabs(wa[i]);
            tb[i] = 4 * FLT_EPSILON * fabs(wb[i]);
        }
        rt_binary_backward(da, db, dy, g->a, g->b, &p);
        snprintf(what, sizeof what, "%s da", g->name);
        rt_check(what, da, wa, ta, g->n);
        snprintf(what, sizeof what, "%s db", g->name);
        rt_check(what, db, wb, tb, g->n);
    }
}

/* A tie under broadcasting: b (a scalar) ties with two of a's elements, so
 * it collects half of each of their gradients, and they keep the other
 * halves; exact, since halves of small dyadic values are exact. */
Test(grad_binary, max_tie_broadcast)
{
    static const float a[4] = { 1.0f, 2.0f, 2.0f, 3.0f }, b[1] = { 2.0f };
    static const float dy[4] = { 1.0f, 0.5f, 0.25f, 2.0f };
    static const float wa[4] = { 0.0f, 0.25f, 0.125f, 2.0f }, wb[1] = { 1.0f + 0.25f + 0.125f };
    float da[4] = { 0 }, db[1] = { 0 };
    rt_binary_params p;
    memset(&p, 0, sizeof p);
    p.op = RT_BIN_MAX;
    p.ndim = 1;
    p.shape[0] = 4;
    p.astride[0] = 1;
    p.bstride[0] = 0;
    rt_binary_backward(da, db, dy, a, b, &p);
    rt_check_exact("da", da, wa, 4);
    rt_check_exact("db", db, wb, 1);
}

/* Broadcast sums: db of an Add with b broadcast to [n, c, h, w] from [c] is
 * the per-channel sum of dy (a bias gradient), checked exactly with small
 * integers. */
Test(grad_binary, bias_gradient_is_channel_sum)
{
    enum { N = 2, C = 3, HW = 4 };
    float a[N * C * HW], b[C] = { 0 }, dy[N * C * HW], db[C] = { 0 };
    float want[C] = { 0 };
    rt_binary_params p;
    int i;
    for (i = 0; i < N * C * HW; i++) {
        a[i] = 0.0f;
        dy[i] = (float)(i % 7) - 3.0f;
        want[(i / HW) % C] += dy[i];
    }
    memset(&p, 0, sizeof p);
    p.op = RT_BIN_ADD;
    p.ndim = 3;
    p.shape[0] = N; p.shape[1] = C; p.shape[2] = HW;
    p.astride[0] = C * HW; p.astride[1] = HW; p.astride[2] = 1;
    p.bstride[0] = 0; p.bstride[1] = 1; p.bstride[2] = 0;
    rt_binary_backward(NULL, db, dy, a, b, &p);
    rt_check_exact("db", db, want, C);
}

/*
 * p->overwrite (set by the compiler on a gradient's first writer): dx gets
 * 0 + the contribution whatever it held, the very bits that accumulating
 * into a zeroed buffer gives. Relu has its own loop; other ops zero first.
 */
Test(grad_unary, overwrite_equals_accumulating_into_zeros)
{
    static const rt_unary_op ops[] = { RT_UN_RELU, RT_UN_SIGMOID, RT_UN_LEAKYRELU };
    enum { N = 37 };
    float x[N], y[N], dy[N], acc[N], ow[N];
    rt_trng r = { 77 };
    size_t k;
    int i;

    for (k = 0; k < RT_ARRAY_LEN(ops); k++) {
        rt_unary_params p;
        memset(&p, 0, sizeof p);
        p.op = ops[k];
        p.alpha = 0.1f;
        p.n = N;
        rt_fill(x, N, &r, -2.0f, 2.0f);
        rt_fill(dy, N, &r, -1.0f, 1.0f);
        dy[3] = -0.0f;
        x[3] = 1.0f;
        rt_fill(ow, N, &r, -5.0f, 5.0f);        /* garbage to be overwritten */
        for (i = 0; i < N; i++)
            acc[i] = 0.0f;
        rt_unary_forward(y, x, &p);
        rt_unary_backward(acc, dy, x, y, &p);
        p.overwrite = 1;
        rt_unary_backward(ow, dy, x, y, &p);
        rt_check_exact("unary overwrite", ow, acc, N);
    }
}

/*
 * r8fwd: rt_add_relu_forward / rt_add_relu_backward (the training step's
 * fused residual Add + Relu). Forward against the two kernels it replaces
 * (rt_binary_forward Add, then rt_unary_forward Relu), bit for bit, on
 * sizes around the 8-lane vector width (tails), with NaN, +-0 and
 * inf - inf among the inputs; backward by finite differences (a + b kept
 * 0.05 away from Relu's kink), and against rt_unary_backward's Relu (mask
 * from the pre-activation) followed by rt_binary_backward's Add, bit for
 * bit, accumulating and with either gradient overwritten or NULL.
 */
typedef struct {
    rt_add_relu_params p;
} argrad_ctx;

static void argrad_forward(const gt_op *op, float *y)
{
    const argrad_ctx *c = op->ctx;
    rt_add_relu_forward(y, op->in[0], op->in[1], &c->p);
}

static void argrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const argrad_ctx *c = op->ctx;
    rt_add_relu_backward(grad[0], grad[1], dy, y, &c->p);
}

Test(grad_add_relu, finite_differences)
{
    static const int64_t sizes[] = { 1, 7, 8, 9, 61 };
    size_t s;
    for (s = 0; s < RT_ARRAY_LEN(sizes); s++) {
        const int64_t n = sizes[s];
        float *a = rt_tfloats(n), *b = rt_tfloats(n);
        rt_trng r = { 300 + (uint64_t)n };
        argrad_ctx ctx;
        gt_op op;
        int64_t i;
        for (i = 0; i < n; i++)
            do {
                a[i] = rt_rng_float(&r, -2.0f, 2.0f);
                b[i] = rt_rng_float(&r, -2.0f, 2.0f);
            } while (fabsf(a[i] + b[i]) < 0.05f);
        memset(&ctx, 0, sizeof ctx);
        ctx.p.n = n;
        memset(&op, 0, sizeof op);
        op.name = "add_relu";
        op.nin = 2;
        op.in[0] = a;
        op.in[1] = b;
        op.nel[0] = op.nel[1] = n;
        op.in_name[0] = "a";
        op.in_name[1] = "b";
        op.ny = n;
        op.ctx = &ctx;
        op.forward = argrad_forward;
        op.backward = argrad_backward;
        gt_check(&op, 11);
        free(a);
        free(b);
    }
}

Test(grad_add_relu, equals_add_then_relu)
{
    static const int64_t sizes[] = { 1, 5, 8, 13, 16, 67 };
    size_t s;
    for (s = 0; s < RT_ARRAY_LEN(sizes); s++) {
        const int64_t n = sizes[s];
        float *a = rt_tfloats(n), *b = rt_tfloats(n), *t = rt_tfloats(n), *want = rt_tfloats(n);
        float *y = rt_tfloats(n), *dy = rt_tfloats(n), *dt = rt_tfloats(n);
        float *ra = rt_tfloats(n), *rb = rt_tfloats(n), *da = rt_tfloats(n), *db = rt_tfloats(n);
        rt_trng r = { 400 + (uint64_t)n };
        rt_binary_params bp;
        rt_unary_params up;
        rt_add_relu_params p;
        int64_t i;
        int mode;

        rt_fill(a, n, &r, -2.0f, 2.0f);
        rt_fill(b, n, &r, -2.0f, 2.0f);
        rt_fill(dy, n, &r, -1.0f, 1.0f);
        /* specials: NaN, a + b = +-0, inf - inf, -0 + -0 */
        a[0] = NAN;
        if (n > 4) {
            a[1] = 1.5f; b[1] = -1.5f;
            a[2] = INFINITY; b[2] = -INFINITY;
            a[3] = -0.0f; b[3] = -0.0f;
            a[4] = 0.25f; b[4] = 0.5f;
        }
        memset(&bp, 0, sizeof bp);
        bp.op = RT_BIN_ADD;
        bp.ndim = 1;
        bp.shape[0] = n;
        bp.astride[0] = bp.bstride[0] = 1;
        memset(&up, 0, sizeof up);
        up.op = RT_UN_RELU;
        up.n = n;
        memset(&p, 0, sizeof p);
        p.n = n;
        rt_binary_forward(t, a, b, &bp);
        rt_unary_forward(want, t, &up);
        rt_add_relu_forward(y, a, b, &p);
        rt_check_exact("add_relu forward", y, want, n);
        /* in place, as y == a */
        memcpy(t, a, (size_t)n * sizeof *t);
        rt_add_relu_forward(t, t, b, &p);
        rt_check_exact("add_relu forward in place", t, want, n);

        /* the reference backward: Relu's gradient from the pre-activation,
         * then Add's into both (accumulating onto ra, rb) */
        for (i = 0; i < n; i++)
            dt[i] = 0.0f;
        rt_binary_forward(t, a, b, &bp);
        rt_unary_backward(dt, dy, t, want, &up);
        for (mode = 0; mode < 4; mode++) {
            const int ow_a = mode & 1, ow_b = (mode >> 1) & 1;
            rt_fill(ra, n, &r, -3.0f, 3.0f);
            rt_fill(rb, n, &r, -3.0f, 3.0f);
            memcpy(da, ra, (size_t)n * sizeof *da);
            memcpy(db, rb, (size_t)n * sizeof *db);
            if (ow_a)
                for (i = 0; i < n; i++)
                    ra[i] = 0.0f;
            if (ow_b)
                for (i = 0; i < n; i++)
                    rb[i] = 0.0f;
            rt_binary_backward(ra, rb, dt, a, b, &bp);
            p.overwrite_a = ow_a;
            p.overwrite_b = ow_b;
            rt_add_relu_backward(da, db, dy, y, &p);
            rt_check_exact("add_relu backward da", da, ra, n);
            rt_check_exact("add_relu backward db", db, rb, n);
            /* one gradient alone, overwritten: 0 + Relu's gradient */
            for (i = 0; i < n; i++) {
                ra[i] = 0.0f + dt[i];
                da[i] = db[i] = 99.0f;
            }
            p.overwrite_a = p.overwrite_b = 1;
            rt_add_relu_backward(NULL, db, dy, y, &p);
            rt_check_exact("add_relu backward db alone", db, ra, n);
            for (i = 0; i < n; i++)
                cr_assert_eq(da[i], 99.0f);
            rt_add_relu_backward(da, NULL, dy, y, &p);
            rt_check_exact("add_relu backward da alone", da, ra, n);
            rt_add_relu_backward(NULL, NULL, dy, y, &p);
        }
        free(a); free(b); free(t); free(want); free(y); free(dy); free(dt);
        free(ra); free(rb); free(da); free(db);
    }
}

/*
 * r8fwd: rt_bn_add_relu_forward is rt_batchnorm_forward (no Relu) followed
 * by rt_add_relu_forward, bit for bit (the same operations in the same
 * order), on maps whose size leaves vector tails, with NaN, infinities and
 * a zero scale among the inputs, and in place (y == r).
 */
Test(grad_add_relu, bn_add_relu_equals_batchnorm_then_add_relu)
{
    static const int64_t shapes[][3] = { { 2, 3, 1 }, { 1, 4, 7 }, { 2, 5, 9 }, { 3, 2, 64 },
                                         { 1, 3, 33 } };
    size_t s;
    for (s = 0; s < RT_ARRAY_LEN(shapes); s++) {
        const int64_t n = shapes[s][0], c = shapes[s][1], size = shapes[s][2], tot = n * c * size;
        float *x = rt_tfloats(tot), *r = rt_tfloats(tot), *t = rt_tfloats(tot);
        float *want = rt_tfloats(tot), *y = rt_tfloats(tot);
        float *sc = rt_tfloats(c), *bi = rt_tfloats(c), *mu = rt_tfloats(c), *va = rt_tfloats(c);
        rt_trng g = { 500 + (uint64_t)s };
        rt_norm_params p;
        rt_add_relu_params ap;
        rt_fill(x, tot, &g, -3.0f, 3.0f);
        rt_fill(r, tot, &g, -2.0f, 2.0f);
        rt_fill(sc, c, &g, 0.5f, 1.5f);
        rt_fill(bi, c, &g, -0.5f, 0.5f);
        rt_fill(mu, c, &g, -0.2f, 0.2f);
        rt_fill(va, c, &g, 0.1f, 2.0f);
        x[0] = NAN;
        x[tot - 1] = INFINITY;
        r[tot / 2] = -INFINITY;
        sc[c - 1] = 0.0f;
        memset(&p, 0, sizeof p);
        p.n = n;
        p.c = c;
        p.size = size;
        p.eps = 1e-5f;
        memset(&ap, 0, sizeof ap);
        ap.n = tot;
        rt_batchnorm_forward(t, x, sc, bi, mu, va, &p);
        rt_add_relu_forward(want, t, r, &ap);
        rt_bn_add_relu_forward(y, x, r, sc, bi, mu, va, &p);
        rt_check_exact("bn_add_relu", y, want, tot);
        p.relu = 1;     /* ignored */
        rt_bn_add_relu_forward(r, x, r, sc, bi, mu, va, &p);
        rt_check_exact("bn_add_relu in place", r, want, tot);
        free(x); free(r); free(t); free(want); free(y); free(sc); free(bi); free(mu); free(va);
    }
}
