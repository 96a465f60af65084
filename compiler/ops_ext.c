/*
 * ops_ext.c - further inference ops: the losses NegativeLogLikelihoodLoss
 * and SoftmaxCrossEntropyLoss, Resize and Upsample, and indexing ops
 * (runtime/ext_*.c). Data is float32, with int64 indices and labels.
 */
#include <math.h>
#include <string.h>

#include "ops.h"

static cc_status need_dtype(cc_graph *g, cc_node *n, const cc_tensor *t, int dtype,
                            const char *what, cc_diag *d)
{
    /* float16 and bfloat16 run the float32 kernels on float copies
     * (cc_calls_retype); their outputs take the input's type */
    if (t && t->dtype != dtype &&
        !(dtype == CC_DT_FLOAT && (t->dtype == CC_DT_FLOAT16 || t->dtype == CC_DT_BFLOAT16)))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' has element type %s; "
                            "%s is supported for %s only", what, t->name,
                            cc_dtype_name(t->dtype), n->op->name, cc_dtype_name(dtype));
    return CC_OK;
}

/* The data type of the ops with float32 and double kernels (types4: the
 * losses, GridSample, RoiAlign): double for double input, else float32
 * (which need_dtype also lets float16 and bfloat16 through); the other
 * float inputs must then have the same type. */
static int float_or_double(const cc_tensor *x)
{
    return x && x->dtype == CC_DT_DOUBLE ? CC_DT_DOUBLE : CC_DT_FLOAT;
}

/* A floating input of those ops (double, float32, float16, bfloat16). */
static cc_status need_floating(cc_graph *g, cc_node *n, const cc_tensor *t, const char *what,
                               cc_diag *d)
{
    if (t && !cc_dtype_is_float(t->dtype))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' has element type %s; "
                            "%s is supported for floating types only", what, t->name,
                            cc_dtype_name(t->dtype), n->op->name);
    return CC_OK;
}

/* Data of any element type onnxcc holds (numeric 1: not bool either), for
 * the kernels cc_calls_retype moves to their typed versions (types3). */
static cc_status need_any(cc_graph *g, cc_node *n, const cc_tensor *t, int numeric,
                          const char *what, cc_diag *d)
{
    if (t && (!cc_dtype_supported(t->dtype) || (numeric && t->dtype == CC_DT_BOOL)))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' has element type %s; %s "
                            "takes %s types", what, t->name, cc_dtype_name(t->dtype),
                            n->op->name, numeric ? "numeric" : "tensor");
    return CC_OK;
}

/* Index inputs the spec types Tind (int32 or int64): int32 ones reach the
 * kernels as int64 copies (cc_calls_retype). */
static cc_status need_tind(cc_graph *g, cc_node *n, const cc_tensor *t, const char *what,
                           cc_diag *d)
{
    if (t && t->dtype != CC_DT_INT64 && t->dtype != CC_DT_INT32)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' has element type %s; "
                            "%s takes int32 or int64", what, t->name, cc_dtype_name(t->dtype),
                            n->op->name);
    return CC_OK;
}

static int64_t prod(const int64_t *v, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= v[i];
    return p;
}

/* ------------------------------------------------------------ losses */

/*
 * NegativeLogLikelihoodLoss (input, target[, weight]) and
 * SoftmaxCrossEntropyLoss (scores, labels[, weights]) -> loss[, log_prob]:
 * input [N, C, d1..dk], target [N, d1..dk] int64, weight [C].
 */
static cc_status loss_geom(cc_graph *g, cc_node *n, rt_nll_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *t = n->in[1], *w = n->nin > 2 ? n->in[2] : NULL;
    const int want = float_or_double(x);
    cc_status st = need_floating(g, n, x, "input", d);
    if (!st)
        st = need_tind(g, n, t, "target", d);
    if (!st)
        st = need_dtype(g, n, w, want, "weight", d);
    if (st)
        return st;
    char sa[128], sb[128];
    if (x->rank < 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input %s must have rank 2 or more",
                            cc_shape_str(x, sa, sizeof sa));
    int ok = t->rank == x->rank - 1 && t->shape[0] == x->shape[0];
    for (int i = 1; ok && i < t->rank; i++)
        ok = t->shape[i] == x->shape[i + 1];
    if (!ok)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "target %s does not match input %s "
                            "([N, C, d...] and [N, d...])", cc_shape_str(t, sa, sizeof sa),
                            cc_shape_str(x, sb, sizeof sb));
    if (w && (w->rank != 1 || w->shape[0] != x->shape[1]))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "weight %s must have shape [C] = [%lld]",
                            cc_shape_str(w, sa, sizeof sa), (long long)x->shape[1]);
    const char *red = cc_attr_str(n, "reduction", "mean");
    memset(p, 0, sizeof *p);
    if (!strcmp(red, "none"))
        p->reduction = RT_REDUCTION_NONE;
    else if (!strcmp(red, "sum"))
        p->reduction = RT_REDUCTION_SUM;
    else if (!strcmp(red, "mean"))
        p->reduction = RT_REDUCTION_MEAN;
    else
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "reduction '%.40s' is not none, sum or mean",
                            red);
    const cc_attr *ii = cc_attr_get(n, "ignore_index");
    if (ii) {
        if (ii->type != CC_AT_INT)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute ignore_index must be an int");
        p->has_ignore = 1;
        p->ignore_index = ii->i;
    }
    p->n = x->shape[0];
    p->c = x->shape[1];
    p->inner = prod(x->shape, 2, x->rank);
    return CC_OK;
}

cc_status cc_infer_loss(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_nll_params p;
    cc_status st = loss_geom(g, n, &p, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0], *t = n->in[1];
    if (p.reduction == RT_REDUCTION_NONE)
        cc_set_shape(n->out[0], x->dtype, t->rank, t->shape);
    else
        cc_set_shape(n->out[0], x->dtype, 0, NULL);
    if (n->nout > 1 && n->out[1])
        cc_set_shape(n->out[1], x->dtype, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_loss(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int sce = !strcmp(n->op->name, "SoftmaxCrossEntropyLoss");
    cc_call *c = cc_calls_add(out, sce ? CC_K_SCE : CC_K_NLL);
    if (!c)
        return cc_oom(g, d);
    cc_status st = loss_geom(g, n, &c->p.nll, d);
    if (st)
        return st;
    int a = 0;
    c->args[a++] = n->out[0];
    if (sce)
        c->args[a++] = n->nout > 1 ? n->out[1] : NULL;
    c->args[a++] = n->in[0];
    c->args[a++] = n->in[1];
    c->args[a++] = n->nin > 2 ? n->in[2] : NULL;
    return CC_OK;
}

/* ------------------------------------------------------------ Resize, Upsample */

static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/*
 * Resize (opset 10: X, scales; 11 and 13: X, roi, scales, sizes) and
 * Upsample (opset 7: the scales attribute; 9: X, scales). The scales or
 * sizes fix the output shape, so they must be compile-time constants; roi
 * (tf_crop_and_resize only) may arrive at run time. Before opset 11 the
 * coordinates are asymmetric and nearest rounds as onnxruntime does there.
 */
static cc_status resize_geom(cc_graph *g, cc_node *n, rt_resize_params *p, cc_tensor **roi,
                             cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    int upsample = !strcmp(n->op->name, "Upsample"), v11 = !upsample && g->opset >= 11;
    cc_status st = need_any(g, n, x, 0, "input", d); /* rt_resize_any_forward */
    if (st)
        return st;
    if (x->rank < 1 || x->rank > RT_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input rank %d is not supported",
                            x->rank);
    memset(p, 0, sizeof *p);
    *roi = NULL;
    p->ndim = x->rank;
    static const char *const modes[] = {"nearest", "linear", "cubic", "bilinear"};
    const char *ms = cc_attr_str(n, "mode", "nearest");
    int m = pick(ms, modes, 4);
    if (m < 0 || (m == 2 && !v11) || (m == 3 && !upsample))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "mode '%.40s' is not supported", ms);
    p->mode = m == 3 ? RT_RESIZE_LINEAR : (rt_resize_mode)m;
    if ((p->mode == RT_RESIZE_CUBIC && !cc_dtype_is_float(x->dtype)) ||
        (p->mode == RT_RESIZE_LINEAR && !cc_dtype_is_float(x->dtype) &&
         !cc_dtype_is_int(x->dtype)))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "mode '%.40s' of %s input: onnxcc "
                            "interpolates integers in linear mode and floating types in every "
                            "mode (nearest takes any type)", ms, cc_dtype_name(x->dtype));
    if (v11) {
        static const char *const coords[] = {"half_pixel", "pytorch_half_pixel", "align_corners",
                                             "asymmetric", "tf_half_pixel_for_nn",
                                             "tf_crop_and_resize"};
        static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil",
                                              "floor", "ceil"};
        const char *cs = cc_attr_str(n, "coordinate_transformation_mode", "half_pixel");
        const char *ns = cc_attr_str(n, "nearest_mode", "round_prefer_floor");
        int c = pick(cs, coords, 6), k = pick(ns, nearest, 4);
        if (c < 0)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "coordinate_transformation_mode "
                                "'%.40s' is not supported", cs);
        if (k < 0)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "nearest_mode '%.40s' is not "
                                "supported", ns);
        p->coord = (rt_coord_mode)c;
        p->nearest = (rt_nearest_mode)k;
        p->cubic_a = cc_attr_float(n, "cubic_coeff_a", -0.75f);
        p->exclude_outside = cc_attr_int(n, "exclude_outside", 0) != 0;
        p->extrapolation = cc_attr_float(n, "extrapolation_value", 0.0f);
    } else {
        p->coord = RT_COORD_ASYMMETRIC;
        p->nearest = RT_NEAREST_SIMPLE;
    }

    /* the scales or the sizes */
    const float *sc = NULL;
    int nsc = 0;
    const cc_tensor *ts = NULL, *tz = NULL;
    if (upsample && g->opset < 9) {
        const cc_attr *a = cc_attr_get(n, "scales");
        if (!a || a->type != CC_AT_FLOATS)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute scales is missing");
        sc = a->floats;
        nsc = a->n;
    } else {
        int si = v11 ? 2 : 1;
        ts = si < n->nin ? n->in[si] : NULL;
        tz = v11 && n->nin > 3 ? n->in[3] : NULL;
        if (ts && cc_numel(ts) == 0)
            ts = NULL;
        if (!!ts == !!tz)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "exactly one of scales and sizes must be "
                                "given");
        if (ts) {
            if (ts->dtype != CC_DT_FLOAT)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "scales must be float32");
            if (!ts->data)
                return cc_need_const(d, g, n, ts, "scales");
            sc = ts->data;
            nsc = (int)cc_numel(ts);
        }
    }
    if (sc) {
        if (nsc != x->rank)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "scales has %d values for rank %d", nsc,
                                x->rank);
        for (int i = 0; i < nsc; i++) {
            if (!(sc[i] > 0.0f) || isinf(sc[i]))
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "scales[%d] = %g is not a positive "
                                    "number", i, (double)sc[i]);
            double o = floor((double)sc[i] * (double)x->shape[i]);
            if (o > (double)((int64_t)1 << 31))
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "output would be too large");
            p->in[i] = x->shape[i];
            p->out[i] = (int64_t)o;
            p->scale[i] = (double)sc[i];
        }
    } else {
        const int64_t *v;
        if (!tz)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "neither scales nor sizes is given");
        int cnt = cc_const_ints(tz, &v);
        if (cnt < 0 && !tz->data)
            return cc_need_const(d, g, n, tz, "sizes");
        if (cnt < 0)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "sizes '%.200s' must be a "
                                "compile-time constant int64 tensor (it fixes the output "
                                "shape)", tz->name);
        if (cnt != x->rank)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "sizes has %d values for rank %d", cnt,
                                x->rank);
        for (int i = 0; i < cnt; i++) {
            if (v[i] < 0 || v[i] > ((int64_t)1 << 31))
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "sizes[%d] = %lld is out of range",
                                    i, (long long)v[i]);
            p->in[i] = x->shape[i];
            p->out[i] = v[i];
            p->scale[i] = x->shape[i] ? (double)v[i] / (double)x->shape[i] : 1.0;
        }
    }
    for (int i = 0; i < x->rank; i++)
        if (p->in[i] == 0 && p->out[i] > 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %d of the input is empty", i);
    if (p->coord == RT_COORD_TF_CROP_AND_RESIZE) {
        cc_tensor *r = n->nin > 1 ? n->in[1] : NULL;
        if (!r || r->dtype != CC_DT_FLOAT || cc_numel(r) != (int64_t)2 * x->rank)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "tf_crop_and_resize needs a float32 "
                                "roi of %d values", 2 * x->rank);
        *roi = r;
    }
    return CC_OK;
}

cc_status cc_infer_resize(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_resize_params p;
    cc_tensor *roi;
    cc_status st = resize_geom(g, n, &p, &roi, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, p.ndim, p.out);
    return CC_OK;
}

cc_status cc_lower_resize(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_RESIZE);
    if (!c)
        return cc_oom(g, d);
    cc_status st = resize_geom(g, n, &c->p.resize, &c->args[2], d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ indexing */

static cc_status need_indices(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d)
{
    return need_dtype(g, n, t, CC_DT_INT64, "indices", d);
}


/* Checks constant indices against the axis length (run-time ones are
 * checked by the kernel). */
static cc_status check_const_idx(cc_graph *g, cc_node *n, const cc_tensor *idx, int64_t len,
                                 cc_diag *d)
{
    if (!idx->data)
        return CC_OK;
    for (int64_t i = 0; i < cc_numel(idx); i++) {
        const int64_t v = cc_index_at(idx, i);
        if (v < -len || v >= len)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "index %lld is out of range [-%lld, %lld)",
                                (long long)v, (long long)len, (long long)len);
    }
    return CC_OK;
}

static cc_status scatter_reduction(cc_graph *g, cc_node *n, rt_scatter_reduction *r, cc_diag *d)
{
    static const char *const names[] = {"none", "add", "mul", "max", "min"};
    const char *s = cc_attr_str(n, "reduction", "none");
    int k = pick(s, names, 5);
    if (k < 0 || (k >= 3 && g->opset < 18))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "reduction '%.40s' is not valid at opset %d",
                            s, g->opset);
    *r = (rt_scatter_reduction)k;
    return CC_OK;
}

/* ScatterElements / Scatter (data, indices, updates): indices and updates
 * share a shape of data's rank, no larger than data on any axis. */
static cc_status scatter_el_geom(cc_graph *g, cc_node *n, rt_scatter_elements_params *p,
                                 cc_diag *d)
{
    const cc_tensor *x = n->in[0], *idx = n->in[1], *u = n->in[2];
    cc_status st = need_any(g, n, x, 0, "data", d);
    if (!st)
        st = need_tind(g, n, idx, "indices", d);
    if (!st)
        st = need_dtype(g, n, u, x->dtype, "updates", d);
    if (st)
        return st;
    memset(p, 0, sizeof *p);
    st = scatter_reduction(g, n, &p->reduction, d);
    if (st)
        return st;
    char sa[128], sb[128];
    int ok = x->rank >= 1 && idx->rank == x->rank && u->rank == x->rank;
    for (int i = 0; ok && i < x->rank; i++)
        ok = idx->shape[i] == u->shape[i];
    if (!ok)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "indices %s and updates %s must have one "
                            "shape of the data's rank %d", cc_shape_str(idx, sa, sizeof sa),
                            cc_shape_str(u, sb, sizeof sb), x->rank);
    int64_t av = cc_attr_int(n, "axis", 0);
    int a = cc_axis(av, x->rank);
    if (a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)av, x->rank);
    for (int i = 0; i < x->rank; i++) {
        if (i != a && idx->shape[i] > x->shape[i])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "indices axis %d (%lld) exceeds the "
                                "data's (%lld)", i, (long long)idx->shape[i],
                                (long long)x->shape[i]);
        p->xshape[i] = x->shape[i];
        p->ishape[i] = idx->shape[i];
    }
    p->ndim = x->rank;
    p->axis = a;
    return check_const_idx(g, n, idx, x->shape[a], d);
}

cc_status cc_infer_scatter_elements(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_scatter_elements_params p;
    cc_status st = scatter_el_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_scatter_elements(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_SCATTER_EL);
    if (!c)
        return cc_oom(g, d);
    cc_status st = scatter_el_geom(g, n, &c->p.scat, d);
    if (st)
        return st;
    for (int k = 0; k < 3; k++)
        c->args[k + 1] = n->in[k];
    c->args[0] = n->out[0];
    return CC_OK;
}

/* ScatterND (data, indices [..., k], updates [indices.shape[:-1], data.shape[k:]]). */
static cc_status scatternd_geom(cc_graph *g, cc_node *n, rt_scatternd_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *idx = n->in[1], *u = n->in[2];
    cc_status st = need_any(g, n, x, 0, "data", d);
    if (!st)
        st = need_indices(g, n, idx, d);
    if (!st)
        st = need_dtype(g, n, u, x->dtype, "updates", d);
    if (st)
        return st;
    memset(p, 0, sizeof *p);
    st = scatter_reduction(g, n, &p->reduction, d);
    if (st)
        return st;
    if (x->rank < 1 || idx->rank < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "data and indices must have rank 1 or more");
    int64_t k = idx->shape[idx->rank - 1];
    char sa[128];
    if (k < 1 || k > x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "the last axis of indices (%lld) must be in "
                            "[1, %d]", (long long)k, x->rank);
    int ur = idx->rank - 1 + x->rank - (int)k, ok = u->rank == ur;
    for (int i = 0; ok && i < ur; i++)
        ok = u->shape[i] == (i < idx->rank - 1 ? idx->shape[i] : x->shape[k + i - (idx->rank - 1)]);
    if (!ok)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "updates %s do not match indices and data",
                            cc_shape_str(u, sa, sizeof sa));
    p->ndim = x->rank;
    p->k = (int)k;
    for (int i = 0; i < x->rank; i++)
        p->xshape[i] = x->shape[i];
    p->nupd = prod(idx->shape, 0, idx->rank - 1);
    p->slice = prod(x->shape, (int)k, x->rank);
    if (idx->data) {
        const int64_t *v = idx->data;
        for (int64_t i = 0; i < cc_numel(idx); i++) {
            int64_t len = x->shape[i % k];
            if (v[i] < -len || v[i] >= len)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "index %lld is out of range "
                                    "[-%lld, %lld)", (long long)v[i], (long long)len,
                                    (long long)len);
        }
    }
    return CC_OK;
}

cc_status cc_infer_scatternd(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_scatternd_params p;
    cc_status st = scatternd_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_scatternd(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_SCATTERND);
    if (!c)
        return cc_oom(g, d);
    cc_status st = scatternd_geom(g, n, &c->p.scatnd, d);
    if (st)
        return st;
    for (int k = 0; k < 3; k++)
        c->args[k + 1] = n->in[k];
    c->args[0] = n->out[0];
    return CC_OK;
}

/* GatherND (data, indices) with batch_dims b: y is
 * indices.shape[:-1] + data.shape[b + k:]. */
static cc_status gathernd_geom(cc_graph *g, cc_node *n, rt_gathernd_params *p, int *rank,
                               int64_t *shape, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *idx = n->in[1];
    cc_status st = need_indices(g, n, idx, d);
    if (st)
        return st;
    st = need_any(g, n, x, 0, "data", d);
    if (st)
        return st;
    int64_t b = cc_attr_int(n, "batch_dims", 0);
    if (x->rank < 1 || idx->rank < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "data and indices must have rank 1 or more");
    int64_t k = idx->shape[idx->rank - 1];
    if (b < 0 || b >= idx->rank || b >= x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "batch_dims %lld is out of range",
                            (long long)b);
    if (k < 1 || b + k > x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "the last axis of indices (%lld) must be in "
                            "[1, %lld]", (long long)k, (long long)(x->rank - b));
    for (int i = 0; i < b; i++)
        if (x->shape[i] != idx->shape[i])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "batch axis %d differs between data and "
                                "indices", i);
    int r = 0;
    for (int i = 0; i < idx->rank - 1; i++)
        shape[r++] = idx->shape[i];
    for (int i = (int)(b + k); i < x->rank; i++)
        shape[r++] = x->shape[i];
    if (r > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output rank %d exceeds %d", r,
                            CC_MAX_DIMS);
    *rank = r;
    memset(p, 0, sizeof *p);
    p->elem_size = (int)cc_dtype_size(x->dtype);
    p->k = (int)k;
    p->batch = prod(x->shape, 0, (int)b);
    p->nidx = prod(idx->shape, (int)b, idx->rank - 1);
    p->slice = prod(x->shape, (int)(b + k), x->rank);
    p->batch_stride = prod(x->shape, (int)b, x->rank);
    for (int i = 0; i < k; i++)
        p->dims[i] = x->shape[b + i];
    return CC_OK;
}

cc_status cc_infer_gathernd(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_gathernd_params p;
    int rank;
    int64_t shape[2 * CC_MAX_DIMS];
    cc_status st = gathernd_geom(g, n, &p, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_gathernd(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int rank;
    int64_t shape[2 * CC_MAX_DIMS];
    cc_call *c = cc_calls_add(out, CC_K_GATHERND);
    if (!c)
        return cc_oom(g, d);
    cc_status st = gathernd_geom(g, n, &c->p.gnd, &rank, shape, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

/* TopK (X[, K]): k from the attribute (opset 1) or a constant input. */
static cc_status topk_geom(cc_graph *g, cc_node *n, rt_topk_params *p, int *axis, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_any(g, n, x, 1, "input", d);
    if (st)
        return st;
    int64_t k;
    if (g->opset < 10) {
        const cc_attr *a = cc_attr_get(n, "k");
        if (!a || a->type != CC_AT_INT)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute k is missing");
        k = a->i;
    } else {
        const int64_t *v;
        if (n->nin < 2 || !n->in[1])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "input K is missing");
        if (!n->in[1]->data)
            return cc_need_const(d, g, n, n->in[1], "K");
        if (cc_const_ints(n->in[1], &v) != 1)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "K '%.200s' must be a compile-time "
                                "constant int64 of one value (it fixes the output shape)",
                                n->in[1]->name);
        k = v[0];
    }
    int64_t av = cc_attr_int(n, "axis", -1);
    int a = cc_axis(av, x->rank);
    if (x->rank < 1 || a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)av, x->rank);
    if (k < 0 || k > x->shape[a])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "k = %lld is outside [0, %lld]", (long long)k,
                            (long long)x->shape[a]);
    memset(p, 0, sizeof *p);
    p->outer = prod(x->shape, 0, a);
    p->len = x->shape[a];
    p->inner = prod(x->shape, a + 1, x->rank);
    p->k = k;
    p->largest = cc_attr_int(n, "largest", 1) != 0;
    *axis = a;
    return CC_OK;
}

cc_status cc_infer_topk(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_topk_params p = {0};
    int a = 0;
    cc_status st = topk_geom(g, n, &p, &a, d);
    if (st)
        return st;
    int64_t shape[CC_MAX_DIMS];
    memcpy(shape, n->in[0]->shape, sizeof(int64_t) * (size_t)n->in[0]->rank);
    shape[a] = p.k;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, shape);
    if (n->nout > 1 && n->out[1])
        cc_set_shape(n->out[1], CC_DT_INT64, n->in[0]->rank, shape);
    /* the kernel keeps its running list in both outputs: an absent one is
     * replaced by scratch of two floats per element (int64 indices, or the
     * typed kernel's values of up to 8 bytes) */
    int64_t numel = p.outer * p.k * p.inner, need = 0;
    if (!n->out[0] || n->nout < 2 || !n->out[1])
        need = 2 * numel;
    return cc_add_scratch(g, n, need, d);
}

cc_status cc_lower_topk(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int a;
    cc_call *c = cc_calls_add(out, CC_K_TOPK);
    if (!c)
        return cc_oom(g, d);
    cc_status st = topk_geom(g, n, &c->p.topk, &a, d);
    if (st)
        return st;
    c->args[0] = n->out[0] ? n->out[0] : n->out[2];
    c->args[1] = n->out[1] ? n->out[1] : n->out[2];
    c->args[2] = n->in[0];
    return CC_OK;
}

/* OneHot (indices, depth, values): depth a constant scalar (float32 or
 * int64), values [off, on] float32; the depth axis inserted at axis. */
static cc_status onehot_geom(cc_graph *g, cc_node *n, rt_onehot_params *p, int *axis, cc_diag *d)
{
    const cc_tensor *idx = n->in[0], *dep = n->in[1], *val = n->in[2];
    cc_status st = need_any(g, n, idx, 1, "indices", d);
    if (!st)
        st = need_any(g, n, val, 0, "values", d);
    if (!st)
        st = need_any(g, n, dep, 1, "depth", d);
    if (st)
        return st;
    if (cc_numel(val) != 2 || val->rank != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "values must hold 2 elements [off, on]");
    if (cc_numel(dep) != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "depth must hold one value");
    if (!dep->data)
        return cc_need_const(d, g, n, dep, "depth");
    double dv;
    rt_cast_any(&dv, dep->data, RT_F64, cc_dtype_rt(dep->dtype), 1);
    if (!(dv >= 1.0) || dv > (double)((int64_t)1 << 31))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "depth %g is not a positive count", dv);
    if (idx->rank + 1 > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output rank exceeds %d", CC_MAX_DIMS);
    int64_t av = cc_attr_int(n, "axis", -1);
    int a = cc_axis(av, idx->rank + 1);
    if (a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)av, idx->rank + 1);
    memset(p, 0, sizeof *p);
    p->outer = prod(idx->shape, 0, a);
    p->depth = (int64_t)dv;
    p->inner = prod(idx->shape, a, idx->rank);
    p->idx_float = idx->dtype == CC_DT_FLOAT;
    *axis = a;
    return CC_OK;
}

cc_status cc_infer_onehot(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_onehot_params p;
    int a;
    cc_status st = onehot_geom(g, n, &p, &a, d);
    if (st)
        return st;
    const cc_tensor *idx = n->in[0];
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0, j = 0; i <= idx->rank; i++)
        shape[i] = i == a ? p.depth : idx->shape[j++];
    cc_set_shape(n->out[0], n->in[2]->dtype, idx->rank + 1, shape);
    return CC_OK;
}

cc_status cc_lower_onehot(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int a;
    cc_call *c = cc_calls_add(out, CC_K_ONEHOT);
    if (!c)
        return cc_oom(g, d);
    cc_status st = onehot_geom(g, n, &c->p.onehot, &a, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[2];
    return CC_OK;
}

/* MaxUnpool (X, I[, output_shape]): the default output size per spatial
 * axis is (in - 1) * stride + kernel - pads; output_shape, a constant,
 * overrides it. */
static cc_status unpool_shape(cc_graph *g, cc_node *n, int64_t *shape, int64_t *dflt,
                              cc_diag *d)
{
    const cc_tensor *x = n->in[0], *idx = n->in[1];
    cc_status st = need_any(g, n, x, 1, "input", d); /* rt_maxunpool_any_forward */
    if (!st)
        st = need_indices(g, n, idx, d);
    if (st)
        return st;
    char sa[128], sb[128];
    if (x->rank < 3 || idx->rank != x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "X %s and I %s must have one shape of rank 3 "
                            "or more", cc_shape_str(x, sa, sizeof sa),
                            cc_shape_str(idx, sb, sizeof sb));
    for (int i = 0; i < x->rank; i++)
        if (idx->shape[i] != x->shape[i])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "X %s and I %s differ",
                                cc_shape_str(x, sa, sizeof sa), cc_shape_str(idx, sb, sizeof sb));
    int nsp = x->rank - 2;
    const int64_t *ks, *ss, *ps;
    int nk = cc_attr_ints(n, "kernel_shape", &ks), ns = cc_attr_ints(n, "strides", &ss);
    int np = cc_attr_ints(n, "pads", &ps);
    if (nk != nsp || (ns >= 0 && ns != nsp) || (np >= 0 && np != 2 * nsp))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel_shape, strides and pads must match "
                            "the %d spatial axes", nsp);
    shape[0] = x->shape[0];
    shape[1] = x->shape[1];
    for (int i = 0; i < nsp; i++) {
        int64_t s = ns >= 0 ? ss[i] : 1, pb = np >= 0 ? ps[i] : 0, pe = np >= 0 ? ps[nsp + i] : 0;
        if (ks[i] < 1 || s < 1 || pb < 0 || pe < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel_shape, strides or pads out of "
                                "range");
        shape[2 + i] = (x->shape[2 + i] - 1) * s + ks[i] - pb - pe;
        if (shape[2 + i] < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output size on spatial axis %d is "
                                "negative", i);
        dflt[i] = shape[2 + i];
    }
    if (nsp > RT_SPATIAL)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%d spatial axes (at most %d)", nsp,
                            RT_SPATIAL);
    if (n->nin > 2 && n->in[2]) {
        const int64_t *v;
        int cnt = cc_const_ints(n->in[2], &v);
        if (cnt < 0 && !n->in[2]->data)
            return cc_need_const(d, g, n, n->in[2], "output_shape");
        if (cnt < 0)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output_shape '%.200s' must be a "
                                "compile-time constant int64 tensor", n->in[2]->name);
        if (cnt != x->rank)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output_shape has %d values for rank %d",
                                cnt, x->rank);
        for (int i = 0; i < cnt; i++) {
            if (v[i] < 0 || v[i] > ((int64_t)1 << 31) || (i < 2 && v[i] != x->shape[i]))
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "output_shape[%d] = %lld is not "
                                    "valid", i, (long long)v[i]);
            shape[i] = v[i];
        }
    }
    return CC_OK;
}

cc_status cc_infer_maxunpool(cc_graph *g, cc_node *n, cc_diag *d)
{
    int64_t shape[CC_MAX_DIMS], dflt[CC_MAX_DIMS];
    cc_status st = unpool_shape(g, n, shape, dflt, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, shape);
    return CC_OK;
}

cc_status cc_lower_maxunpool(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_MAXUNPOOL);
    if (!c)
        return cc_oom(g, d);
    int64_t shape[CC_MAX_DIMS], dflt[CC_MAX_DIMS];
    cc_status st = unpool_shape(g, n, shape, dflt, d);
    if (st)
        return st;
    rt_unpool_params *p = &c->p.unpool;
    int nsp = n->in[0]->rank - 2;
    p->nx = cc_numel(n->in[0]);
    p->planes = shape[0] * shape[1];
    for (int i = 0; i < RT_SPATIAL; i++) {
        int j = i - (RT_SPATIAL - nsp);
        p->din[i] = j < 0 ? 1 : dflt[j];
        p->dout[i] = j < 0 ? 1 : shape[2 + j];
    }
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

/* ------------------------------------------------------------ misc */

cc_status cc_infer_shrink(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_any(g, n, n->in[0], 1, "input", d);
    if (st)
        return st;
    if (cc_attr_float(n, "lambd", 0.5f) < 0.0f)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute lambd must not be negative");
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_shrink(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_SHRINK);
    if (!c)
        return cc_oom(g, d);
    c->p.shrink.lambd = cc_attr_float(n, "lambd", 0.5f);
    c->p.shrink.bias = cc_attr_float(n, "bias", 0.0f);
    c->p.shrink.n = cc_numel(n->out[0]);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ReverseSequence (input, sequence_lens): time and batch axes are 0 and 1. */
static cc_status revseq_geom(cc_graph *g, cc_node *n, rt_reverse_sequence_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *l = n->in[1];
    cc_status st = need_any(g, n, x, 0, "input", d);
    if (!st)
        st = need_dtype(g, n, l, CC_DT_INT64, "sequence_lens", d);
    if (st)
        return st;
    int64_t ta = cc_attr_int(n, "time_axis", 0), ba = cc_attr_int(n, "batch_axis", 1);
    if (x->rank < 2 || !((ta == 0 && ba == 1) || (ta == 1 && ba == 0)))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "time_axis and batch_axis must be 0 and 1 "
                            "of an input of rank 2 or more");
    memset(p, 0, sizeof *p);
    p->time_axis = (int)ta;
    p->time = x->shape[ta];
    p->batch = x->shape[ba];
    p->inner = prod(x->shape, 2, x->rank);
    if (l->rank != 1 || l->shape[0] != p->batch)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "sequence_lens must have shape [%lld]",
                            (long long)p->batch);
    if (l->data)
        for (int64_t i = 0; i < p->batch; i++) {
            int64_t v = ((const int64_t *)l->data)[i];
            if (v < 0 || v > p->time)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "sequence_lens[%lld] = %lld is "
                                    "outside [0, %lld]", (long long)i, (long long)v,
                                    (long long)p->time);
        }
    return CC_OK;
}

cc_status cc_infer_reverse_sequence(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_reverse_sequence_params p;
    cc_status st = revseq_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_reverse_sequence(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_REVSEQ);
    if (!c)
        return cc_oom(g, d);
    cc_status st = revseq_geom(g, n, &c->p.revseq, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

/* Det: [*, n, n] -> [*]; the LU factorisation works in a scratch of n * n
 * doubles. */
static cc_status det_geom(cc_graph *g, cc_node *n, rt_det_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    /* double: rt_det_forward_f64 (cc_calls_retype) */
    cc_status st = x->dtype == CC_DT_DOUBLE ? CC_OK : need_dtype(g, n, x, CC_DT_FLOAT, "input", d);
    if (st)
        return st;
    char sa[128];
    if (x->rank < 2 || x->shape[x->rank - 1] != x->shape[x->rank - 2])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input %s is not a batch of square matrices",
                            cc_shape_str(x, sa, sizeof sa));
    p->n = x->shape[x->rank - 1];
    p->batch = prod(x->shape, 0, x->rank - 2);
    if (p->n > 4096)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "matrices of order %lld are too large",
                            (long long)p->n);
    return CC_OK;
}

cc_status cc_infer_det(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_det_params p = {0};
    cc_status st = det_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank - 2, n->in[0]->shape);
    st = cc_add_scratch(g, n, 2 * p.n * p.n, d);
    if (!st) /* the kernel's scratch is n * n doubles */
        cc_set_shape(n->out[n->op->max_out], CC_DT_DOUBLE, 1, (const int64_t[]){p.n * p.n});
    return st;
}

cc_status cc_lower_det(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_DET);
    if (!c)
        return cc_oom(g, d);
    cc_status st = det_geom(g, n, &c->p.det, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->out[1];
    c->args[2] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ GridSample, RoiAlign */

static cc_status gridsample_geom(cc_graph *g, cc_node *n, rt_gridsample_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *gr = n->in[1];
    /* X (T1) and the grid (T2) may differ (cc_calls_retype runs a double
     * among them in double) */
    cc_status st = need_floating(g, n, x, "input", d);
    if (!st)
        st = need_floating(g, n, gr, "grid", d);
    if (st)
        return st;
    char sa[128], sb[128];
    if (x->rank != 4 || gr->rank != 4 || gr->shape[0] != x->shape[0] || gr->shape[3] != 2)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input %s and grid %s must be [N, C, H, "
                            "W] and [N, H_out, W_out, 2] (2-D sampling)",
                            cc_shape_str(x, sa, sizeof sa), cc_shape_str(gr, sb, sizeof sb));
    static const char *const modes[] = {"bilinear", "nearest", "bicubic"};
    static const char *const pads[] = {"zeros", "border", "reflection"};
    const char *ms = cc_attr_str(n, "mode", "bilinear"), *ps = cc_attr_str(n, "padding_mode", "zeros");
    int m = pick(ms, modes, 3), pm = pick(ps, pads, 3);
    if (m < 0)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "mode '%.40s' is not supported", ms);
    if (pm < 0)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "padding_mode '%.40s' is not supported",
                            ps);
    memset(p, 0, sizeof *p);
    p->mode = (rt_gridsample_mode)m;
    p->padding = (rt_gridsample_padding)pm;
    p->align_corners = cc_attr_int(n, "align_corners", 0) != 0;
    p->n = x->shape[0];
    p->c = x->shape[1];
    p->h = x->shape[2];
    p->w = x->shape[3];
    p->oh = gr->shape[1];
    p->ow = gr->shape[2];
    return CC_OK;
}

cc_status cc_infer_gridsample(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_gridsample_params p = {0};
    cc_status st = gridsample_geom(g, n, &p, d);
    if (st)
        return st;
    const int64_t shape[4] = {p.n, p.c, p.oh, p.ow};
    cc_set_shape(n->out[0], n->in[0]->dtype, 4, shape);
    return CC_OK;
}

cc_status cc_lower_gridsample(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_GRIDSAMPLE);
    if (!c)
        return cc_oom(g, d);
    cc_status st = gridsample_geom(g, n, &c->p.gs, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

static cc_status roialign_geom(cc_graph *g, cc_node *n, rt_roialign_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *r = n->in[1], *b = n->in[2];
    cc_status st = need_floating(g, n, x, "input", d);
    if (!st)
        st = need_dtype(g, n, r, float_or_double(x), "rois", d);
    if (!st)
        st = need_dtype(g, n, b, CC_DT_INT64, "batch_indices", d);
    if (st)
        return st;
    if (x->rank != 4 || r->rank != 2 || r->shape[1] != 4 || b->rank != 1 ||
        b->shape[0] != r->shape[0])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "expected X [N, C, H, W], rois [R, 4] and "
                            "batch_indices [R]");
    if (x->shape[2] < 1 || x->shape[3] < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input X has an empty spatial axis");
    const char *mode = cc_attr_str(n, "mode", "avg");
    if (strcmp(mode, "avg") && strcmp(mode, "max"))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "mode '%.40s' is not avg or max", mode);
    const char *ct = cc_attr_str(n, "coordinate_transformation_mode",
                                 g->opset >= 16 ? "half_pixel" : "output_half_pixel");
    if (strcmp(ct, "half_pixel") && strcmp(ct, "output_half_pixel"))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "coordinate_transformation_mode '%.40s' is "
                            "not valid", ct);
    memset(p, 0, sizeof *p);
    p->n = x->shape[0];
    p->c = x->shape[1];
    p->h = x->shape[2];
    p->w = x->shape[3];
    p->nroi = r->shape[0];
    p->oh = cc_attr_int(n, "output_height", 1);
    p->ow = cc_attr_int(n, "output_width", 1);
    p->sampling_ratio = cc_attr_int(n, "sampling_ratio", 0);
    p->spatial_scale = cc_attr_float(n, "spatial_scale", 1.0f);
    p->max_mode = !strcmp(mode, "max");
    p->half_pixel = !strcmp(ct, "half_pixel");
    if (p->oh < 1 || p->ow < 1 || p->oh > ((int64_t)1 << 20) || p->ow > ((int64_t)1 << 20) ||
        p->sampling_ratio < 0 || p->sampling_ratio > 1024)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "output size or sampling_ratio out of range");
    return CC_OK;
}

cc_status cc_infer_roialign(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_roialign_params p;
    cc_status st = roialign_geom(g, n, &p, d);
    if (st)
        return st;
    const int64_t shape[4] = {p.nroi, p.c, p.oh, p.ow};
    cc_set_shape(n->out[0], n->in[0]->dtype, 4, shape);
    return CC_OK;
}

cc_status cc_lower_roialign(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_ROIALIGN);
    if (!c)
        return cc_oom(g, d);
    cc_status st = roialign_geom(g, n, &c->p.roi, d);
    if (st)
        return st;
    for (int k = 0; k < 3; k++)
        c->args[k + 1] = n->in[k];
    c->args[0] = n->out[0];
    return CC_OK;
}
