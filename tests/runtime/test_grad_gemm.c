/*
 * test_grad_gemm.c - rt_gemm_backward and rt_matmul_backward.
 *
 * Finite differences (grad_test.h; both products are linear in each input,
 * so only the forward's rounding limits the check) over every combination
 * of trans_a and trans_b, alpha and beta other than 1, beta = 0 (c not read,
 * so no gradient), and c broadcast each way: full [m, n], a row [n], a
 * column [m, 1], a scalar. MatMul over batch broadcasting in each direction
 * and without batch axes.
 */
#include "grad_test.h"

/* ================================================================ gemm */

typedef enum { C_NONE, C_FULL, C_ROW, C_COL, C_SCALAR } c_mode;

typedef struct {
    int64_t m, n, k;
    int ta, tb;
    float alpha, beta;
    c_mode cm;
    char name[32];
} ggrad_case;

static const ggrad_case ggrad_cases[] = {
    { 3, 4, 5, 0, 0, 1.0f, 1.0f, C_FULL, "plain" },
    { 3, 4, 5, 1, 0, 1.0f, 1.0f, C_FULL, "trans_a" },
    { 3, 4, 5, 0, 1, 1.0f, 1.0f, C_FULL, "trans_b" },
    { 3, 4, 5, 1, 1, 1.0f, 1.0f, C_FULL, "trans_ab" },
    { 4, 3, 6, 0, 1, 0.5f, 2.0f, C_ROW, "linear_bias_alpha_beta" },
    { 4, 3, 6, 1, 0, -1.5f, 0.25f, C_COL, "col_c" },
    { 2, 5, 3, 1, 1, 2.0f, -1.0f, C_SCALAR, "scalar_c" },
    { 3, 4, 5, 0, 0, 1.0f, 0.0f, C_FULL, "beta0" },
    { 5, 2, 4, 0, 1, 1.0f, 1.0f, C_NONE, "no_c" },
    { 1, 7, 9, 0, 1, 1.0f, 1.0f, C_ROW, "one_row" },
    { 6, 1, 3, 1, 0, 1.0f, 1.0f, C_COL, "one_col" },
    { 4, 4, 1, 1, 1, 0.75f, 1.0f, C_FULL, "k1" },
    /* past the blocked product's tiles (sgemm.c): edge rows and columns, and
     * n = 130 > 128 so da's sum spans two k blocks, each scaled by alpha */
    { 13, 35, 20, 0, 0, 1.0f, 1.0f, C_FULL, "edge_tiles" },
    { 14, 37, 19, 1, 1, 0.5f, 1.0f, C_ROW, "edge_tiles_trans_ab_alpha" },
    { 7, 130, 9, 1, 0, -0.5f, 1.0f, C_COL, "n_over_k_block" },
    { 9, 130, 8, 0, 1, 1.5f, 0.0f, C_NONE, "n_over_k_block_trans_b" },
};

typedef struct {
    rt_gemm_params p;
    int has_c;
} ggrad_ctx;

static void ggrad_forward(const gt_op *op, float *y)
{
    const ggrad_ctx *c = op->ctx;
    rt_gemm_forward(y, op->in[0], op->in[1], c->has_c ? op->in[2] : NULL, &c->p);
}

static void ggrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const ggrad_ctx *c = op->ctx;
    (void)y;
    rt_gemm_backward(grad[0], grad[1], c->has_c ? grad[2] : NULL, dy, op->in[0], op->in[1], &c->p);
}

ParameterizedTestParameters(grad_gemm, finite_differences)
{
    return cr_make_param_array(ggrad_case, (void *)ggrad_cases, RT_ARRAY_LEN(ggrad_cases));
}

ParameterizedTest(const ggrad_case *gc, grad_gemm, finite_differences)
{
    ggrad_ctx ctx;
    gt_op op;
    int64_t nc = 0;
    float *a, *b, *c = NULL;
    rt_trng r = { 41 };

    memset(&ctx, 0, sizeof ctx);
    ctx.p.m = gc->m;
    ctx.p.n = gc->n;
    ctx.p.k = gc->k;
    ctx.p.trans_a = gc->ta;
    ctx.p.trans_b = gc->tb;
    ctx.p.alpha = gc->alpha;
    ctx.p.beta = gc->beta;
    ctx.p.act = RT_UN_NONE;
    switch (gc->cm) {
    case C_NONE:   nc = 0; break;
    case C_FULL:   nc = gc->m * gc->n; ctx.p.c_rs = gc->n; ctx.p.c_cs = 1; break;
    case C_ROW:    nc = gc->n; ctx.p.c_rs = 0; ctx.p.c_cs = 1; break;
    case C_COL:    nc = gc->m; ctx.p.c_rs = 1; ctx.p.c_cs = 0; break;
    case C_SCALAR: nc = 1; ctx.p.c_rs = 0; ctx.p.c_cs = 0; break;
    }
    ctx.has_c = nc > 0;
    a = rt_tfloats(gc->m * gc->k);
    b = rt_tfloats(gc->k * gc->n);
    rt_fill(a, gc->m * gc->k, &r, -1.0f, 1.0f);
    rt_fill(b, gc->k * gc->n, &r, -1.0f, 1.0f);
    if (nc) {
        c = rt_tfloats(nc);
        rt_fill(c, nc, &r, -1.0f, 1.0f);
    }
    memset(&op, 0, sizeof op);
    op.name = gc->name;
    op.nin = nc ? 3 : 2;
    op.in[0] = a;
    op.in[1] = b;
    op.in[2] = c;
    op.nel[0] = gc->m * gc->k;
    op.nel[1] = gc->k * gc->n;
    op.nel[2] = nc;
    op.in_name[0] = "a";
    op.in_name[1] = "b";
    op.in_name[2] = "c";
    op.ny = gc->m * gc->n;
    op.ctx = &ctx;
    op.forward = ggrad_forward;
    op.backward = ggrad_backward;
    gt_check(&op, 43);
    free(a);
    free(b);
    free(c);
}

/* beta == 0: the forward never reads c, so c gets no gradient at all, even
 * where dy is inf or NaN (an exact 0, not 0 * dy). */
Test(grad_gemm, beta0_leaves_dc_alone)
{
    const float a[2] = { 1, 2 }, b[2] = { 3, 4 }, dy[1] = { INFINITY };
    float dc[1] = { 0.5f };
    const float want[1] = { 0.5f };
    rt_gemm_params p;
    memset(&p, 0, sizeof p);
    p.m = 1; p.n = 1; p.k = 2;
    p.trans_b = 1;
    p.alpha = 1.0f;
    p.beta = 0.0f;
    p.c_rs = 1;
    rt_gemm_backward(NULL, NULL, dc, dy, a, b, &p);
    rt_check_exact("dc", dc, want, 1);
}

/* ================================================================ matmul */

typedef struct {
    int bnd;
    int64_t batch[3], abatch[3], bbatch[3];    /* y's batch dims and a's, b's (1 = broadcast) */
    int64_t m, n, k;
    char name[32];
} mgrad_case;

static const mgrad_case mgrad_cases[] = {
    { 0, { 0 }, { 0 }, { 0 }, 3, 4, 5, "no_batch" },
    { 0, { 0 }, { 0 }, { 0 }, 1, 6, 4, "vector_matrix" },
    { 1, { 3 }, { 3 }, { 3 }, 2, 3, 4, "batch" },
    { 1, { 3 }, { 1 }, { 3 }, 2, 3, 4, "a_broadcast" },
    { 1, { 3 }, { 3 }, { 1 }, 4, 2, 3, "b_broadcast" },
    { 2, { 2, 3 }, { 2, 1 }, { 1, 3 }, 2, 2, 3, "both_broadcast" },
    { 3, { 2, 2, 2 }, { 1, 2, 1 }, { 2, 1, 2 }, 2, 3, 2, "three_axes" },
    { 1, { 2 }, { 2 }, { 1 }, 13, 17, 9, "edge_tiles_b_broadcast" },
    { 0, { 0 }, { 0 }, { 0 }, 7, 130, 5, "n_over_k_block" },
};

typedef struct {
    rt_matmul_params p;
} mgrad_ctx;

static void mgrad_forward(const gt_op *op, float *y)
{
    const mgrad_ctx *c = op->ctx;
    rt_matmul_forward(y, op->in[0], op->in[1], &c->p);
}

static void mgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const mgrad_ctx *c = op->ctx;
    (void)y;
    rt_matmul_backward(grad[0], grad[1], dy, op->in[0], op->in[1], &c->p);
}

/* Batch strides of an operand with batch dims s (dense, each batch an
 * elems-sized matrix), 0 along broadcast axes. */
static void batch_strides(int64_t *st, const int64_t *s, const int64_t *y, int nd, int64_t elems)
{
    int i;
    int64_t acc = elems;
    for (i = nd - 1; i >= 0; i--) {
        st[i] = (s[i] == 1 && y[i] != 1) ? 0 : acc;
        acc *= s[i];
    }
}

ParameterizedTestParameters(grad_matmul, finite_differences)
{
    return cr_make_param_array(mgrad_case, (void *)mgrad_cases, RT_ARRAY_LEN(mgrad_cases));
}

ParameterizedTest(const mgrad_case *mc, grad_matmul, finite_differences)
{
    mgrad_ctx ctx;
    gt_op op;
    int64_t na, nb;
    float *a, *b;
    rt_trng r = { 47 };
    int i;

    memset(&ctx, 0, sizeof ctx);
    ctx.p.batch_ndim = mc->bnd;
    for (i = 0; i < mc->bnd; i++)
        ctx.p.batch[i] = mc->batch[i];
    ctx.p.m = mc->m;
    ctx.p.n = mc->n;
    ctx.p.k = mc->k;
    batch_strides(ctx.p.a_bstride, mc->abatch, mc->batch, mc->bnd, mc->m * mc->k);
    batch_strides(ctx.p.b_bstride, mc->bbatch, mc->batch, mc->bnd, mc->k * mc->n);
    na = rt_prod(mc->abatch, mc->bnd) * mc->m * mc->k;
    nb = rt_prod(mc->bbatch, mc->bnd) * mc->k * mc->n;
    a = rt_tfloats(na);
    b = rt_tfloats(nb);
    rt_fill(a, na, &r, -1.0f, 1.0f);
    rt_fill(b, nb, &r, -1.0f, 1.0f);
    memset(&op, 0, sizeof op);
    op.name = mc->name;
    op.nin = 2;
    op.in[0] = a;
    op.in[1] = b;
    op.nel[0] = na;
    op.nel[1] = nb;
    op.in_name[0] = "a";
    op.in_name[1] = "b";
    op.ny = rt_prod(mc->batch, mc->bnd) * mc->m * mc->n;
    op.ctx = &ctx;
    op.forward = mgrad_forward;
    op.backward = mgrad_backward;
    gt_check(&op, 53);
    free(a);
    free(b);
}
