/*
 * ops_ext.c - further inference ops: the losses NegativeLogLikelihoodLoss
 * and SoftmaxCrossEntropyLoss, Resize and Upsample, and indexing ops
 * (runtime/ext_*.c). Data is float32, with int64 indices and labels.
 */
#include <math.h>
#include <string.h>

#include "ops.h"

static cc_status oom(cc_graph *g, cc_diag *d)
{
    return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
}

static cc_status need_dtype(cc_graph *g, cc_node *n, const cc_tensor *t, int dtype,
                            const char *what, cc_diag *d)
{
    if (t && t->dtype != dtype)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' has element type %s; "
                            "%s is supported for %s only", what, t->name,
                            cc_dtype_name(t->dtype), n->op->name, cc_dtype_name(dtype));
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
    cc_status st = need_dtype(g, n, x, CC_DT_FLOAT, "input", d);
    if (!st)
        st = need_dtype(g, n, t, CC_DT_INT64, "target", d);
    if (!st)
        st = need_dtype(g, n, w, CC_DT_FLOAT, "weight", d);
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
        cc_set_shape(n->out[0], CC_DT_FLOAT, t->rank, t->shape);
    else
        cc_set_shape(n->out[0], CC_DT_FLOAT, 0, NULL);
    if (n->nout > 1 && n->out[1])
        cc_set_shape(n->out[1], CC_DT_FLOAT, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_loss(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int sce = !strcmp(n->op->name, "SoftmaxCrossEntropyLoss");
    cc_call *c = cc_calls_add(out, sce ? CC_K_SCE : CC_K_NLL);
    if (!c)
        return oom(g, d);
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
    cc_status st = need_dtype(g, n, x, CC_DT_FLOAT, "input", d);
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
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "scales '%.200s' must be a "
                                    "compile-time constant (it fixes the output shape)",
                                    ts->name);
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
        int cnt = cc_const_ints(tz, &v);
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
        if (!r || r->dtype != CC_DT_FLOAT || cc_numel(r) != 2 * x->rank)
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
    cc_set_shape(n->out[0], CC_DT_FLOAT, p.ndim, p.out);
    return CC_OK;
}

cc_status cc_lower_resize(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_RESIZE);
    if (!c)
        return oom(g, d);
    cc_status st = resize_geom(g, n, &c->p.resize, &c->args[2], d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}
