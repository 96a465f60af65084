/*
 * test_grad_norm.c - rt_batchnorm_backward (the frozen, eval-mode form).
 *
 * Finite differences (grad_test.h) for x, scale and bias; mean and var are
 * statistics, not parameters, and receive no gradient. The forward is
 * affine in each of x, scale and bias, so the difference is exact up to the
 * forward's rounding. The same with the fused Relu (p->relu,
 * rt_batchnorm_relu_backward), every output kept away from Relu's kink.
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
    { 3, 19, 1, 1e-5f, "after_gemm_19" },
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
    (void)y;                /* the fused kernel rebuilds the mask from x and the bias */
    if (c->p.relu)
        rt_batchnorm_relu_backward(grad[0], grad[1], grad[2], dy, op->in[0], op->in[2], op->in[1],
                                   c->mean, c->var, &c->p);
    else
        rt_batchnorm_backward(grad[0], grad[1], grad[2], dy, op->in[0], op->in[1], c->mean,
                              c->var, &c->p);
}

ParameterizedTestParameters(grad_batchnorm, finite_differences)
{
    return cr_make_param_array(bngrad_case, (void *)bngrad_cases, RT_ARRAY_LEN(bngrad_cases));
}

static void bngrad_run(const bngrad_case *bc, int relu)
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
    if (relu) {
        /* |scale| >= 0.5, and every output at least 0.15 from 0: each step
         * of 1e-2 (times |x - mean| / sd <= 5 for scale) stays on its side */
        int64_t i, c, tries;
        for (c = 0; c < bc->c; c++)
            scale[c] = scale[c] < 0.0f ? scale[c] - 0.5f : scale[c] + 0.5f;
        for (i = 0; i < nx; i++) {
            c = (i / bc->size) % bc->c;
            for (tries = 0; tries < 1000; tries++) {
                const float v = (x[i] - mean[c]) * scale[c] / sqrtf(var[c] + bc->eps) + bias[c];
                if (fabsf(v) >= 0.15f)
                    break;
                x[i] = rt_rng_float(&r, -2.0f, 2.0f);
            }
            cr_assert(tries < 1000, "%s: no x away from the kink", bc->name);
        }
    }
    memset(&ctx.p, 0, sizeof ctx.p);
    ctx.p.n = bc->n;
    ctx.p.c = bc->c;
    ctx.p.size = bc->size;
    ctx.p.eps = bc->eps;
    ctx.p.relu = relu;
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

ParameterizedTest(const bngrad_case *bc, grad_batchnorm, finite_differences)
{
    bngrad_run(bc, 0);
}

ParameterizedTestParameters(grad_batchnorm, relu_finite_differences)
{
    return cr_make_param_array(bngrad_case, (void *)bngrad_cases, RT_ARRAY_LEN(bngrad_cases));
}

ParameterizedTest(const bngrad_case *bc, grad_batchnorm, relu_finite_differences)
{
    bngrad_run(bc, 1);
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

/* p->relu in the forward: exactly Relu (x < 0 ? 0 : x) of the plain output. */
Test(grad_batchnorm, relu_forward_is_relu_of_output)
{
    enum { N = 2, C = 3, S = 11 };
    float x[N * C * S], y0[N * C * S], y1[N * C * S];
    float scale[C] = { 0.7f, -1.3f, 0.0f }, bias[C] = { 0.1f, 0.2f, -0.3f };
    float mean[C] = { 0.1f, -0.2f, 0.3f }, var[C] = { 0.5f, 2.0f, 1.0f };
    rt_norm_params p;
    rt_trng r = { 79 };
    int i;

    memset(&p, 0, sizeof p);
    p.n = N;
    p.c = C;
    p.size = S;
    p.eps = 1e-5f;
    rt_fill(x, N * C * S, &r, -2.0f, 2.0f);
    rt_batchnorm_forward(y0, x, scale, bias, mean, var, &p);
    for (i = 0; i < N * C * S; i++)
        y0[i] = y0[i] < 0.0f ? 0.0f : y0[i];
    p.relu = 1;
    rt_batchnorm_forward(y1, x, scale, bias, mean, var, &p);
    rt_check_exact("batchnorm relu forward", y1, y0, N * C * S);
}

/*
 * The fused kernel's Relu mask, rebuilt from x and the bias, is exactly the
 * forward's: against rt_batchnorm_backward given dy zeroed where the
 * forward's output (rt_batchnorm_forward with relu) is <= 0, bit for bit,
 * with pre-Relu values exactly 0 (x = mean, bias 0), NaN inputs (which pass,
 * as Relu keeps NaN) and values either side of 0, for [n, c] (after a Gemm)
 * and for maps with a masked tail.
 */
Test(grad_batchnorm, relu_mask_matches_forward)
{
    static const int64_t shapes[3][3] = { { 5, 11, 1 }, { 3, 4, 13 }, { 2, 3, 64 } };
    int v;
    for (v = 0; v < 3; v++) {
        const int64_t n = shapes[v][0], c = shapes[v][1], size = shapes[v][2];
        const int64_t nx = n * c * size;
        float *x = rt_tfloats(nx), *y = rt_tfloats(nx), *dy = rt_tfloats(nx), *dym = rt_tfloats(nx);
        float *dx = rt_tfloats(nx), *rdx = rt_tfloats(nx);
        float *scale = rt_tfloats(c), *bias = rt_tfloats(c), *mean = rt_tfloats(c);
        float *var = rt_tfloats(c), *ds = rt_tfloats(c), *db = rt_tfloats(c);
        float *rds = rt_tfloats(c), *rdb = rt_tfloats(c);
        rt_norm_params p;
        rt_trng r = { 5 + (uint64_t)v };
        int64_t i;
        memset(&p, 0, sizeof p);
        p.n = (int)n;
        p.c = (int)c;
        p.size = size;
        p.eps = 1e-5f;
        p.relu = 1;
        rt_fill(scale, c, &r, -2.0f, 2.0f);
        rt_fill(bias, c, &r, -1.0f, 1.0f);
        rt_fill(mean, c, &r, -1.0f, 1.0f);
        rt_fill(var, c, &r, 0.1f, 2.0f);
        bias[0] = 0.0f;
        rt_fill(x, nx, &r, -3.0f, 3.0f);
        rt_fill(dy, nx, &r, -1.0f, 1.0f);
        for (i = 0; i < nx; i++) {
            const int64_t ch = (i / size) % c;
            if (i % 7 == 0 && ch == 0)
                x[i] = mean[0];         /* pre-Relu value exactly 0 */
            if (i % 11 == 5)
                x[i] = NAN;
        }
        rt_batchnorm_forward(y, x, scale, bias, mean, var, &p);
        for (i = 0; i < nx; i++)
            dym[i] = y[i] <= 0.0f ? 0.0f : dy[i];   /* Relu's backward, NaN passing */
        for (i = 0; i < c; i++)
            ds[i] = db[i] = rds[i] = rdb[i] = 0.0f;
        for (i = 0; i < nx; i++)
            dx[i] = rdx[i] = 0.0f;
        rt_batchnorm_relu_backward(dx, ds, db, dy, x, bias, scale, mean, var, &p);
        p.relu = 0;
        rt_batchnorm_backward(rdx, rds, rdb, dym, x, scale, mean, var, &p);
        for (i = 0; i < nx; i++)
            cr_expect(memcmp(&dx[i], &rdx[i], sizeof(float)) == 0 || (isnan(dx[i]) && isnan(rdx[i])),
                      "case %d dx[%ld]: %g, reference %g", v, (long)i, dx[i], rdx[i]);
        for (i = 0; i < c; i++) {
            cr_expect(memcmp(&db[i], &rdb[i], sizeof(float)) == 0 || (isnan(db[i]) && isnan(rdb[i])),
                      "case %d dbias[%ld]: %g, reference %g", v, (long)i, db[i], rdb[i]);
            cr_expect(memcmp(&ds[i], &rds[i], sizeof(float)) == 0 || (isnan(ds[i]) && isnan(rds[i])),
                      "case %d dscale[%ld]: %g, reference %g", v, (long)i, ds[i], rds[i]);
        }
        free(x); free(y); free(dy); free(dym); free(dx); free(rdx); free(scale); free(bias);
        free(mean); free(var); free(ds); free(db); free(rds); free(rdb);
    }
}

/*
 * mbdw: the batch-norm backward on rows of at most 256 (images outer over
 * blocks of 32 channels with AVX-512, channels outer elsewhere) against a
 * double-precision loop over the definition, with and without the Relu
 * mask, dx accumulated, overwritten or not asked for: 70 channels (blocks
 * of 32, 32 and 6), rows of 9, 36 (a masked tail), 256 (the limit) and 257
 * (the other path). dx is one product (tolerance 2 eps |dy k| + the value
 * it is added to); dscale and dbias sums of K = n size terms
 * (rt_sum_tol(K, 2, sum of magnitudes)). Inputs whose pre-Relu value lies
 * within 1e-3 of 0 are moved off it so the mask is the same in float and
 * double.
 */
Test(grad_batchnorm, small_rows_vs_reference)
{
    static const int64_t sizes[] = { 9, 36, 256, 257 };
    size_t v;
    int mode;
    for (v = 0; v < RT_ARRAY_LEN(sizes); v++)
        for (mode = 0; mode < 4; mode++) {
            /* mode bit 0: Relu; bit 1: overwrite (and dx NULL at size 36) */
            const int64_t n = 3, c = 70, size = sizes[v], nx = n * c * size;
            const int relu = mode & 1, over = (mode >> 1) & 1, nodx = over && size == 36;
            float *x = rt_tfloats(nx), *dy = rt_tfloats(nx), *dx = rt_tfloats(nx);
            float *scale = rt_tfloats(c), *bias = rt_tfloats(c), *mean = rt_tfloats(c);
            float *var = rt_tfloats(c), *ds = rt_tfloats(c), *db = rt_tfloats(c);
            double *rdx = rt_tdoubles(nx), *tdx = rt_tdoubles(nx);
            double *rds = rt_tdoubles(c), *rdb = rt_tdoubles(c);
            double *tds = rt_tdoubles(c), *tdb = rt_tdoubles(c);
            rt_norm_params p;
            rt_trng r = { 300 + (uint64_t)(v * 4 + (size_t)mode) };
            int64_t i, ch;
            memset(&p, 0, sizeof p);
            p.n = (int)n;
            p.c = c;
            p.size = size;
            p.eps = 1e-5f;
            p.overwrite = over;
            rt_fill(scale, c, &r, -2.0f, 2.0f);
            rt_fill(bias, c, &r, -1.0f, 1.0f);
            rt_fill(mean, c, &r, -1.0f, 1.0f);
            rt_fill(var, c, &r, 0.1f, 2.0f);
            rt_fill(x, nx, &r, -3.0f, 3.0f);
            rt_fill(dy, nx, &r, -1.0f, 1.0f);
            rt_fill(dx, nx, &r, -1.0f, 1.0f);
            rt_fill(ds, c, &r, -1.0f, 1.0f);
            rt_fill(db, c, &r, -1.0f, 1.0f);
            for (ch = 0; ch < c; ch++) {
                const double sd = sqrt((double)var[ch] + 1e-5), k = scale[ch] / sd;
                double ss = 0.0, sb = 0.0, ms = 0.0, mb = 0.0;
                for (i = 0; i < n * size; i++) {
                    const int64_t at = ((i / size) * c + ch) * size + i % size;
                    double pre = ((double)x[at] - mean[ch]) * k + bias[ch], d;
                    if (relu && fabs(pre) < 1e-3) {
                        x[at] = (float)((double)x[at] + (pre < 0 ? -2e-3 : 2e-3) / k);
                        pre = ((double)x[at] - mean[ch]) * k + bias[ch];
                    }
                    d = relu && pre <= 0.0 ? 0.0 : dy[at];
                    rdx[at] = (over ? 0.0 : dx[at]) + d * k;
                    tdx[at] = 2.0 * FLT_EPSILON * (fabs(d * k) + (over ? 0.0 : fabs(dx[at])));
                    ss += d * ((double)x[at] - mean[ch]);
                    sb += d;
                    ms += fabs(d * ((double)x[at] - mean[ch]));
                    mb += fabs(d);
                }
                rds[ch] = ds[ch] + ss / sd;
                rdb[ch] = db[ch] + sb;
                tds[ch] = rt_sum_tol(n * size, 2, ms / sd + fabs(ds[ch]));
                tdb[ch] = rt_sum_tol(n * size, 2, mb + fabs(db[ch]));
            }
            if (relu)
                rt_batchnorm_relu_backward(nodx ? NULL : dx, ds, db, dy, x, bias, scale, mean, var,
                                           &p);
            else
                rt_batchnorm_backward(nodx ? NULL : dx, ds, db, dy, x, scale, mean, var, &p);
            if (!nodx)
                rt_check("batchnorm small rows dx", dx, rdx, tdx, nx);
            rt_check("batchnorm small rows dscale", ds, rds, tds, c);
            rt_check("batchnorm small rows dbias", db, rdb, tdb, c);
            free(x); free(dy); free(dx); free(scale); free(bias); free(mean); free(var);
            free(ds); free(db); free(rdx); free(tdx); free(rds); free(rdb); free(tds); free(tdb);
        }
}
