/*
 * test_bn_fold.c - rt_bn_fold and rt_bn_fold_backward (bnfold: training's
 * frozen batch norm folded into the convolution before it).
 *
 * References are naive double loops over the definitions, never the
 * identities the kernels use: the fold must give conv(x, wf) + bf =
 * bn(conv(x, w) + b) for every x, and the backward, given the convolution's
 * dwf and dbf for a dy (correlations computed here in double), must give the
 * batch norm's and convolution's own gradients: dbias = sum dy, dscale =
 * sum dy (z - mean) / sqrt(var + eps) with z = conv(x, w) + b computed
 * here, dw = correlation of x and a dy, db = sum a dy (a = scale / sd).
 * Dense, grouped, depthwise and pointwise filters, with and without the
 * convolution's bias, a channel with scale 0, accumulation into non-zero
 * gradients and absent (NULL) ones. Then the finite-difference checker of
 * grad_test.h on the whole folded layer, as training runs it (rt_bn_fold,
 * rt_conv_forward with wf and bf; rt_conv_backward into dwf and dbf, then
 * rt_bn_fold_backward), with respect to w, b, scale and bias.
 */
#include "grad_test.h"

typedef struct {
    int n, c, m, group, hw, k;  /* x [n, c, hw, hw], w [m, c / group, k, k], stride 1 */
    int bias;
    char name[24];
} fold_case;

static const fold_case fold_cases[] = {
    { 2, 3, 4, 1, 5, 3, 1, "dense" },
    { 2, 3, 4, 1, 5, 3, 0, "dense_no_bias" },
    { 2, 4, 6, 2, 5, 3, 1, "grouped" },
    { 3, 4, 4, 4, 6, 3, 0, "depthwise" },
    { 2, 5, 3, 1, 4, 1, 1, "pointwise" },
    { 1, 1, 1, 1, 3, 3, 1, "single" },
};

/* z = conv(x, w) + b in double, [n, m, o, o], o = hw - k + 1 */
static void conv_ref(double *z, const fold_case *fc, const float *x, const double *w,
                     const double *b)
{
    const int o = fc->hw - fc->k + 1, cpg = fc->c / fc->group, mpg = fc->m / fc->group;
    for (int n = 0; n < fc->n; n++)
        for (int m = 0; m < fc->m; m++)
            for (int i = 0; i < o; i++)
                for (int j = 0; j < o; j++) {
                    double s = b ? b[m] : 0.0;
                    for (int ic = 0; ic < cpg; ic++)
                        for (int u = 0; u < fc->k; u++)
                            for (int v = 0; v < fc->k; v++) {
                                const int ch = m / mpg * cpg + ic;
                                s += w[((m * cpg + ic) * fc->k + u) * fc->k + v] *
                                     x[((n * fc->c + ch) * fc->hw + i + u) * fc->hw + j + v];
                            }
                    z[((n * fc->m + m) * o + i) * o + j] = s;
                }
}

/* dw[m] = sum over the batch and positions of g[n, m, pos] * x under tap */
static void corr_ref(double *dw, const fold_case *fc, const float *x, const double *g)
{
    const int o = fc->hw - fc->k + 1, cpg = fc->c / fc->group, mpg = fc->m / fc->group;
    for (int m = 0; m < fc->m; m++)
        for (int ic = 0; ic < cpg; ic++)
            for (int u = 0; u < fc->k; u++)
                for (int v = 0; v < fc->k; v++) {
                    const int ch = m / mpg * cpg + ic;
                    double s = 0.0;
                    for (int n = 0; n < fc->n; n++)
                        for (int i = 0; i < o; i++)
                            for (int j = 0; j < o; j++)
                                s += g[((n * fc->m + m) * o + i) * o + j] *
                                     x[((n * fc->c + ch) * fc->hw + i + u) * fc->hw + j + v];
                    dw[((m * cpg + ic) * fc->k + u) * fc->k + v] = s;
                }
}

typedef struct {
    int64_t per, nw, ny, npos;
    float *x, *xa, *w, *b, *scale, *bias, *mean, *var;   /* xa = |x| */
    rt_norm_params p;
} fold_data;

static void fold_setup(fold_data *d, const fold_case *fc, uint64_t seed)
{
    const int o = fc->hw - fc->k + 1;
    rt_trng r = { seed };
    d->per = (int64_t)fc->c / fc->group * fc->k * fc->k;
    d->nw = d->per * fc->m;
    d->npos = (int64_t)o * o;
    d->ny = (int64_t)fc->n * fc->m * d->npos;
    d->x = rt_tfloats((int64_t)fc->n * fc->c * fc->hw * fc->hw);
    d->w = rt_tfloats(d->nw);
    d->b = fc->bias ? rt_tfloats(fc->m) : NULL;
    d->scale = rt_tfloats(fc->m);
    d->bias = rt_tfloats(fc->m);
    d->mean = rt_tfloats(fc->m);
    d->var = rt_tfloats(fc->m);
    const int64_t nx = (int64_t)fc->n * fc->c * fc->hw * fc->hw;
    d->xa = rt_tfloats(nx);
    rt_fill(d->x, nx, &r, -2.0f, 2.0f);
    for (int64_t i = 0; i < nx; i++)
        d->xa[i] = fabsf(d->x[i]);
    rt_fill(d->w, d->nw, &r, -1.0f, 1.0f);
    if (d->b)
        rt_fill(d->b, fc->m, &r, -1.0f, 1.0f);
    rt_fill(d->scale, fc->m, &r, -1.5f, 1.5f);
    rt_fill(d->bias, fc->m, &r, -1.0f, 1.0f);
    rt_fill(d->mean, fc->m, &r, -0.5f, 0.5f);
    rt_fill(d->var, fc->m, &r, 0.25f, 2.0f);
    if (fc->m > 1)
        d->scale[1] = 0.0f;     /* a channel the batch norm switches off */
    memset(&d->p, 0, sizeof d->p);
    d->p.n = 1;
    d->p.c = fc->m;
    d->p.size = d->per;
    d->p.eps = 1e-3f;
}

static void fold_free(fold_data *d)
{
    free(d->x); free(d->xa); free(d->w); free(d->b); free(d->scale); free(d->bias); free(d->mean);
    free(d->var);
}

ParameterizedTestParameters(bn_fold, forward_equals_bn_of_conv)
{
    return cr_make_param_array(fold_case, (void *)fold_cases, RT_ARRAY_LEN(fold_cases));
}

ParameterizedTest(const fold_case *fc, bn_fold, forward_equals_bn_of_conv)
{
    fold_data d;
    fold_setup(&d, fc, 301);
    float *wf = rt_tfloats(d.nw), *bf = rt_tfloats(fc->m), *got = rt_tfloats(d.ny);
    double *wd = rt_tdoubles(d.nw), *bd = rt_tdoubles(fc->m), *z = rt_tdoubles(d.ny);
    double *y = rt_tdoubles(d.ny), *zf = rt_tdoubles(d.ny), *tol = rt_tdoubles(d.ny);
    double *wa = rt_tdoubles(d.nw), *za = rt_tdoubles(d.ny);
    rt_bn_fold(wf, bf, d.w, d.b, d.scale, d.bias, d.mean, d.var, &d.p);
    for (int64_t i = 0; i < d.nw; i++) {
        wd[i] = d.w[i];
        wa[i] = fabs((double)d.w[i]);
    }
    for (int m = 0; m < fc->m; m++)
        bd[m] = d.b ? d.b[m] : 0.0;
    conv_ref(z, fc, d.x, wd, bd);
    conv_ref(za, fc, d.xa, wa, NULL);  /* |x| * |w| summed, for the tolerance */
    for (int64_t i = 0; i < d.nw; i++)
        wd[i] = wf[i];
    conv_ref(zf, fc, d.x, wd, NULL);
    for (int64_t i = 0; i < d.ny; i++) {
        const int m = (int)(i / d.npos % fc->m);
        const double sd = sqrt((double)d.var[m] + (double)d.p.eps);
        const double a = d.scale[m] / sd;
        y[i] = (z[i] - d.mean[m]) * a + d.bias[m];
        got[i] = (float)(zf[i] + bf[m]);
        /* a, wf and bf each rounded once, a few ulps of the terms */
        tol[i] = rt_sum_tol(4, 4, fabs(a) * (za[i] + fabs(bd[m]) + fabs(d.mean[m])) +
                                      fabs(d.bias[m]));
    }
    rt_check(fc->name, got, y, tol, d.ny);
    free(wf); free(bf); free(got); free(wd); free(bd); free(z); free(y); free(zf); free(tol);
    free(wa); free(za);
    fold_free(&d);
}

static void fold_backward_run(const fold_case *fc, int with_null)
{
    fold_data d;
    fold_setup(&d, fc, 307);
    rt_trng r = { 311 };
    const int64_t m = fc->m;
    float *dy = rt_tfloats(d.ny), *dwf = rt_tfloats(d.nw), *dbf = rt_tfloats(m);
    float *dw = rt_tfloats(d.nw), *db = rt_tfloats(m), *ds = rt_tfloats(m), *dbi = rt_tfloats(m);
    double *g = rt_tdoubles(d.ny), *ga = rt_tdoubles(d.ny), *wd = rt_tdoubles(d.nw);
    double *bd = rt_tdoubles(m), *z = rt_tdoubles(d.ny), *c = rt_tdoubles(d.nw);
    double *ca = rt_tdoubles(d.nw), *wa = rt_tdoubles(d.nw), *za = rt_tdoubles(d.ny);
    double *rw = rt_tdoubles(d.nw), *rb = rt_tdoubles(m), *rs = rt_tdoubles(m);
    double *rbi = rt_tdoubles(m), *tw = rt_tdoubles(d.nw), *tb = rt_tdoubles(m);
    double *ts = rt_tdoubles(m), *tbi = rt_tdoubles(m);
    rt_fill(dy, d.ny, &r, -1.0f, 1.0f);
    /* the gradients hold earlier contributions: the kernel adds to them */
    rt_fill(dw, d.nw, &r, -0.5f, 0.5f);
    rt_fill(db, m, &r, -0.5f, 0.5f);
    rt_fill(ds, m, &r, -0.5f, 0.5f);
    rt_fill(dbi, m, &r, -0.5f, 0.5f);
    /* the convolution's backward with wf: dwf = corr(dy, x), dbf = sum dy */
    for (int64_t i = 0; i < d.ny; i++) {
        g[i] = dy[i];
        ga[i] = fabs((double)dy[i]);
    }
    corr_ref(c, fc, d.x, g);
    corr_ref(ca, fc, d.xa, ga);
    for (int64_t i = 0; i < d.nw; i++)
        dwf[i] = (float)c[i];
    for (int k = 0; k < m; k++) {
        double s = 0.0;
        for (int n = 0; n < fc->n; n++)
            for (int64_t q = 0; q < d.npos; q++)
                s += dy[(n * m + k) * d.npos + q];
        dbf[k] = (float)s;
    }
    /* the definitions: z, then the batch norm's and the convolution's
     * gradients from dy directly */
    for (int64_t i = 0; i < d.nw; i++) {
        wd[i] = d.w[i];
        wa[i] = fabs((double)d.w[i]);
    }
    for (int k = 0; k < m; k++)
        bd[k] = d.b ? d.b[k] : 0.0;
    conv_ref(z, fc, d.x, wd, bd);
    conv_ref(za, fc, d.xa, wa, NULL);
    for (int k = 0; k < m; k++) {
        const double sd = sqrt((double)d.var[k] + (double)d.p.eps), a = d.scale[k] / sd;
        double s = 0.0, sa = 0.0, sb = 0.0, sba = 0.0;
        for (int n = 0; n < fc->n; n++)
            for (int64_t q = 0; q < d.npos; q++) {
                const int64_t i = (n * m + k) * d.npos + q;
                s += dy[i] * (z[i] - d.mean[k]) / sd;
                sa += fabs((double)dy[i]) * (za[i] + fabs(bd[k]) + fabs(d.mean[k])) / sd;
                sb += dy[i];
                sba += fabs((double)dy[i]);
            }
        rs[k] = ds[k] + s;
        rbi[k] = dbi[k] + sb;
        rb[k] = db[k] + a * sb;
        /* sums of n * npos terms (dwf, dbf) then of per + 1 more in float */
        const int64_t terms = (int64_t)fc->n * d.npos + d.per + 2;
        ts[k] = rt_sum_tol(terms, 4, sa) + rt_sum_tol(1, 1, fabs(ds[k]));
        tbi[k] = rt_sum_tol(terms, 2, sba) + rt_sum_tol(1, 1, fabs(dbi[k]));
        tb[k] = rt_sum_tol(terms, 4, fabs(a) * sba) + rt_sum_tol(1, 1, fabs(db[k]));
        for (int64_t e = 0; e < d.per; e++) {
            const int64_t i = k * d.per + e;
            rw[i] = dw[i] + a * c[i];
            tw[i] = rt_sum_tol((int64_t)fc->n * d.npos, 4, fabs(a) * ca[i]) +
                    rt_sum_tol(1, 1, fabs(dw[i]));
        }
    }
    if (with_null) {
        /* frozen w and b: only the batch norm's own gradients */
        rt_bn_fold_backward(NULL, NULL, ds, dbi, dwf, dbf, d.w, d.b, d.scale, d.mean, d.var,
                            &d.p);
    } else {
        rt_bn_fold_backward(dw, d.b ? db : NULL, ds, dbi, dwf, dbf, d.w, d.b, d.scale, d.mean,
                            d.var, &d.p);
        rt_check("dw", dw, rw, tw, d.nw);
        if (d.b)
            rt_check("db", db, rb, tb, m);
    }
    rt_check("dscale", ds, rs, ts, m);
    rt_check("dbias", dbi, rbi, tbi, m);
    free(dy); free(dwf); free(dbf); free(dw); free(db); free(ds); free(dbi); free(g); free(ga);
    free(wd); free(bd); free(z); free(c); free(ca); free(wa); free(za); free(rw); free(rb);
    free(rs); free(rbi); free(tw); free(tb); free(ts); free(tbi);
    fold_free(&d);
}

ParameterizedTestParameters(bn_fold, backward_equals_definitions)
{
    return cr_make_param_array(fold_case, (void *)fold_cases, RT_ARRAY_LEN(fold_cases));
}

ParameterizedTest(const fold_case *fc, bn_fold, backward_equals_definitions)
{
    fold_backward_run(fc, 0);
}

ParameterizedTestParameters(bn_fold, backward_frozen_conv)
{
    return cr_make_param_array(fold_case, (void *)fold_cases, RT_ARRAY_LEN(fold_cases));
}

ParameterizedTest(const fold_case *fc, bn_fold, backward_frozen_conv)
{
    fold_backward_run(fc, 1);
}

/*
 * Finite differences through the folded layer y = conv(x, wf) + bf, (wf,
 * bf) = rt_bn_fold(w, b, scale, bias; mean, var frozen): y is linear in each
 * of w, b, scale and bias separately, so the central difference has no
 * truncation error (grad_test.h). The inputs are w, [b,] scale, bias; the
 * backward is the pair training emits: rt_conv_backward with wf into zeroed
 * dwf and dbf, then rt_bn_fold_backward.
 */
typedef struct {
    const fold_case *fc;
    fold_data *d;
    rt_conv_params cp;
    float *wf, *bf, *dwf, *dbf;
} fold_fd_ctx;

static void fold_fd_inputs(const gt_op *op, float **w, float **b, float **scale, float **bias)
{
    const fold_fd_ctx *c = op->ctx;
    int k = 0;
    *w = op->in[k++];
    *b = c->fc->bias ? op->in[k++] : NULL;
    *scale = op->in[k++];
    *bias = op->in[k];
}

static void fold_fd_forward(const gt_op *op, float *y)
{
    const fold_fd_ctx *c = op->ctx;
    float *w, *b, *scale, *bias;
    fold_fd_inputs(op, &w, &b, &scale, &bias);
    rt_bn_fold(c->wf, c->bf, w, b, scale, bias, c->d->mean, c->d->var, &c->d->p);
    rt_conv_forward(y, c->d->x, c->wf, c->bf, &c->cp);
}

static void fold_fd_backward(const gt_op *op, float *const *grad, const float *dy,
                             const float *y)
{
    const fold_fd_ctx *c = op->ctx;
    float *w, *b, *scale, *bias;
    const int nb = c->fc->bias;
    (void)y;
    fold_fd_inputs(op, &w, &b, &scale, &bias);
    rt_bn_fold(c->wf, c->bf, w, b, scale, bias, c->d->mean, c->d->var, &c->d->p);
    memset(c->dwf, 0, sizeof(float) * (size_t)c->d->nw);
    memset(c->dbf, 0, sizeof(float) * (size_t)c->fc->m);
    rt_conv_backward(NULL, c->dwf, c->dbf, dy, c->d->x, c->wf, &c->cp);
    rt_bn_fold_backward(grad[0], nb ? grad[1] : NULL, grad[1 + nb], grad[2 + nb], c->dwf,
                        c->dbf, w, b, scale, c->d->mean, c->d->var, &c->d->p);
}

ParameterizedTestParameters(bn_fold, finite_differences)
{
    return cr_make_param_array(fold_case, (void *)fold_cases, RT_ARRAY_LEN(fold_cases));
}

ParameterizedTest(const fold_case *fc, bn_fold, finite_differences)
{
    fold_data d;
    fold_fd_ctx ctx;
    gt_op op;
    int k = 0, i;
    fold_setup(&d, fc, 313);
    memset(&ctx, 0, sizeof ctx);
    ctx.fc = fc;
    ctx.d = &d;
    ctx.cp.n = fc->n;
    ctx.cp.c = fc->c;
    ctx.cp.m = fc->m;
    ctx.cp.group = fc->group;
    for (i = 0; i < 3; i++) {
        ctx.cp.in[i] = i ? fc->hw : 1;
        ctx.cp.k[i] = i ? fc->k : 1;
        ctx.cp.out[i] = i ? fc->hw - fc->k + 1 : 1;
        ctx.cp.stride[i] = ctx.cp.dilation[i] = 1;
    }
    ctx.cp.act = RT_UN_NONE;
    ctx.wf = rt_tfloats(d.nw);
    ctx.bf = rt_tfloats(fc->m);
    ctx.dwf = rt_tfloats(d.nw);
    ctx.dbf = rt_tfloats(fc->m);
    memset(&op, 0, sizeof op);
    op.name = fc->name;
    op.in[k] = d.w;
    op.nel[k] = d.nw;
    op.in_name[k++] = "w";
    if (fc->bias) {
        op.in[k] = d.b;
        op.nel[k] = fc->m;
        op.in_name[k++] = "b";
    }
    op.in[k] = d.scale;
    op.nel[k] = fc->m;
    op.in_name[k++] = "scale";
    op.in[k] = d.bias;
    op.nel[k] = fc->m;
    op.in_name[k++] = "bias";
    op.nin = k;
    op.ny = d.ny;
    op.ctx = &ctx;
    op.forward = fold_fd_forward;
    op.backward = fold_fd_backward;
    gt_check(&op, 317);
    free(ctx.wf); free(ctx.bf); free(ctx.dwf); free(ctx.dbf);
    fold_free(&d);
}
