/*
 * ops_more.c - further inference ops: element-wise math (trigonometric,
 * hyperbolic, Erf, rounding, Sign, ThresholdedRelu, Celu), the rest of the
 * Reduce family, ArgMax/ArgMin, Hardmax, LayerNormalization,
 * MeanVarianceNormalization, Expand, Tile, DepthToSpace/SpaceToDepth,
 * GatherElements, Trilu, and the compile-time Size and Range. Data is
 * float32 (int64 where an op only moves elements or yields indices).
 */
#include <math.h>
#include <string.h>

#include "ops.h"

#define MORE_MAX_NUMEL ((int64_t)1 << 31) /* as import's element-count limit */

/* Float32, or another floating type: cc_calls_retype runs float16 and
 * bfloat16 through the float32 kernel on float copies and double through
 * the double kernel, and refuses (naming the tensor) what has none. */
static cc_status need_float(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d)
{
    if (t && !cc_dtype_is_float(t->dtype))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s is supported for floating types only", t->name,
                            cc_dtype_name(t->dtype), n->op->name);
    return CC_OK;
}

/* Ops that only move elements take data of any type onnxcc holds (their
 * copies are elem_size generic). */
static cc_status need_data(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d)
{
    if (!cc_dtype_supported(t->dtype))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s is supported for " CC_DTYPES_SUPPORTED, t->name,
                            cc_dtype_name(t->dtype), n->op->name);
    return CC_OK;
}

static int64_t prod(const int64_t *v, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= v[i];
    return p;
}

/* Dense row-major strides of shape (rank r) into s. */
static void dense_strides(int64_t *s, const int64_t *shape, int r)
{
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= shape[i];
    }
}

/* ------------------------------------------------------------ math */

static const struct {
    const char *name;
    rt_math_op op;
} math_ops[] = {
    {"Sin", RT_MATH_SIN}, {"Cos", RT_MATH_COS}, {"Tan", RT_MATH_TAN},
    {"Asin", RT_MATH_ASIN}, {"Acos", RT_MATH_ACOS}, {"Atan", RT_MATH_ATAN},
    {"Sinh", RT_MATH_SINH}, {"Cosh", RT_MATH_COSH}, {"Asinh", RT_MATH_ASINH},
    {"Acosh", RT_MATH_ACOSH}, {"Atanh", RT_MATH_ATANH}, {"Erf", RT_MATH_ERF},
    {"Floor", RT_MATH_FLOOR}, {"Ceil", RT_MATH_CEIL}, {"Round", RT_MATH_ROUND},
    {"Sign", RT_MATH_SIGN}, {"ThresholdedRelu", RT_MATH_THRESHOLDED_RELU},
    {"Celu", RT_MATH_CELU},
};

cc_status cc_infer_math(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    /* Sign of other types runs rt_ewise_unary (cc_calls_retype) */
    cc_status st = strcmp(n->op->name, "Sign") && !cc_dtype_is_float(x->dtype)
                       ? need_float(g, n, x, d) : cc_need_numeric(g, n, x, d);
    if (st)
        return st;
    if (!strcmp(n->op->name, "Celu") && cc_attr_float(n, "alpha", 1.0f) == 0.0f)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute alpha must not be 0");
    cc_set_shape(n->out[0], x->dtype, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_math(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_MATH);
    if (!c)
        return cc_oom(g, d);
    size_t i = 0;
    while (i < sizeof math_ops / sizeof math_ops[0] && strcmp(math_ops[i].name, n->op->name))
        i++;
    if (i == sizeof math_ops / sizeof math_ops[0])
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "no math kernel");
    c->p.math.op = math_ops[i].op;
    c->p.math.alpha = cc_attr_float(n, "alpha", 1.0f);
    c->p.math.n = cc_numel(n->out[0]);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ reductions */

/*
 * ReduceMin, ReduceProd (the existing reduce kernel) and ReduceL1, ReduceL2,
 * ReduceLogSum, ReduceLogSumExp, ReduceSumSquare (rt_reduce_ext_forward).
 * Up to opset 17 these take their axes from the attribute (none: all axes);
 * keepdims (default 1) only changes the output shape.
 */
static cc_status reduce_more_geom(cc_graph *g, cc_node *n, int *mask, int *rank, int64_t *shape,
                                  cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    /* other types than float32 run rt_ewise_reduce (cc_calls_retype) */
    cc_status st = cc_need_numeric(g, n, x, d);
    if (st)
        return st;
    const int64_t *axes;
    int naxes = cc_attr_ints(n, "axes", &axes);
    int64_t keep = cc_attr_int(n, "keepdims", 1);
    for (int i = 0; i < x->rank; i++)
        mask[i] = naxes <= 0;
    for (int i = 0; i < naxes; i++) {
        int a = cc_axis(axes[i], x->rank);
        if (a < 0 || mask[a])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range or repeated "
                                "for rank %d", (long long)axes[i], x->rank);
        mask[a] = 1;
    }
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!mask[i])
            shape[r++] = x->shape[i];
        else if (keep)
            shape[r++] = 1;
    }
    *rank = r;
    return CC_OK;
}

cc_status cc_infer_reduce_more(cc_graph *g, cc_node *n, cc_diag *d)
{
    int mask[CC_MAX_DIMS] = {0}, rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = reduce_more_geom(g, n, mask, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_reduce_more(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    static const struct {
        const char *name;
        int ext;
        int op;
    } map[] = {
        {"ReduceMin", 0, RT_RED_MIN}, {"ReduceProd", 0, RT_RED_PROD},
        {"ReduceL1", 1, RT_REDX_L1}, {"ReduceL2", 1, RT_REDX_L2},
        {"ReduceLogSum", 1, RT_REDX_LOGSUM}, {"ReduceLogSumExp", 1, RT_REDX_LOGSUMEXP},
        {"ReduceSumSquare", 1, RT_REDX_SUMSQUARE},
    };
    int mask[CC_MAX_DIMS] = {0}, rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = reduce_more_geom(g, n, mask, &rank, shape, d);
    if (st)
        return st;
    size_t i = 0;
    while (i < sizeof map / sizeof map[0] && strcmp(map[i].name, n->op->name))
        i++;
    if (i == sizeof map / sizeof map[0])
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "no reduce kernel");
    const cc_tensor *x = n->in[0];
    /* a scalar reduces as a one-element vector */
    int nd = x->rank ? x->rank : 1;
    cc_call *c = cc_calls_add(out, map[i].ext ? CC_K_REDUCE_EXT : CC_K_REDUCE);
    if (!c)
        return cc_oom(g, d);
    if (map[i].ext) {
        rt_reduce_ext_params *p = &c->p.redx;
        p->op = (rt_reduce_ext_op)map[i].op;
        p->ndim = nd;
        for (int a = 0; a < nd; a++) {
            p->shape[a] = x->rank ? x->shape[a] : 1;
            p->reduce[a] = x->rank ? mask[a] : 1;
        }
    } else {
        rt_reduce_params *p = &c->p.red;
        p->op = (rt_reduce_op)map[i].op;
        p->ndim = nd;
        for (int a = 0; a < nd; a++) {
            p->shape[a] = x->rank ? x->shape[a] : 1;
            p->reduce[a] = x->rank ? mask[a] : 1;
        }
    }
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ ArgMax, ArgMin */

static cc_status arg_geom(cc_graph *g, cc_node *n, rt_arg_params *p, int *rank, int64_t *shape,
                          cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    /* any numeric type: rt_arg_any_forward */
    cc_status st = cc_need_numeric(g, n, x, d);
    if (st)
        return st;
    int64_t axis = cc_attr_int(n, "axis", 0);
    int a = cc_axis(axis, x->rank);
    if (x->rank == 0 || a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)axis, x->rank);
    if (x->shape[a] == 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %d has size 0", a);
    int64_t keep = cc_attr_int(n, "keepdims", 1);
    memset(p, 0, sizeof *p);
    p->outer = prod(x->shape, 0, a);
    p->len = x->shape[a];
    p->inner = prod(x->shape, a + 1, x->rank);
    p->is_min = !strcmp(n->op->name, "ArgMin");
    p->select_last = g->opset >= 12 && cc_attr_int(n, "select_last_index", 0) != 0;
    int r = 0;
    for (int i = 0; i < x->rank; i++)
        if (i != a || keep)
            shape[r++] = i == a ? 1 : x->shape[i];
    *rank = r;
    return CC_OK;
}

cc_status cc_infer_arg(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_arg_params p;
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = arg_geom(g, n, &p, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], CC_DT_INT64, rank, shape);
    return CC_OK;
}

cc_status cc_lower_arg(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_call *c = cc_calls_add(out, CC_K_ARG);
    if (!c)
        return cc_oom(g, d);
    cc_status st = arg_geom(g, n, &c->p.arg, &rank, shape, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ Hardmax */

/* Hardmax takes Softmax's axis rules (cc_softmax_geom). */
cc_status cc_infer_hardmax(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_softmax_params p;
    cc_status st = cc_softmax_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_hardmax(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_HARDMAX);
    if (!c)
        return cc_oom(g, d);
    cc_status st = cc_softmax_geom(g, n, &c->p.sm, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ LayerNormalization */

/* X viewed as [outer, size] split at axis; Scale and B must hold the
 * normalized shape X.shape[axis:] (leading 1s allowed). */
static cc_status layernorm_geom(cc_graph *g, cc_node *n, rt_layernorm_params *p, int *axis,
                                cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_float(g, n, x, d);
    for (int k = 1; !st && k < n->nin; k++)
        st = need_float(g, n, n->in[k], d);
    if (st)
        return st;
    if (cc_attr_int(n, "stash_type", 1) != 1)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "stash_type other than 1 (float) is "
                            "not supported");
    int64_t av = cc_attr_int(n, "axis", -1);
    int a = cc_axis(av, x->rank);
    if (x->rank == 0 || a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)av, x->rank);
    for (int k = 1; k < n->nin; k++) {
        const cc_tensor *t = n->in[k];
        if (!t)
            continue;
        int lead = t->rank - (x->rank - a), ok = cc_numel(t) == prod(x->shape, a, x->rank);
        for (int i = 0; ok && i < t->rank; i++)
            ok = i < lead ? t->shape[i] == 1 : t->shape[i] == x->shape[a + i - lead];
        if (!ok) {
            char sb[128];
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "'%.200s' %s must have the "
                                "normalized shape (broadcasting is not supported)", t->name,
                                cc_shape_str(t, sb, sizeof sb));
        }
    }
    p->outer = prod(x->shape, 0, a);
    p->size = prod(x->shape, a, x->rank);
    p->eps = cc_attr_float(n, "epsilon", 1e-5f);
    *axis = a;
    return CC_OK;
}

cc_status cc_infer_layernorm(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_layernorm_params p;
    int a;
    cc_status st = layernorm_geom(g, n, &p, &a, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    if (!n->in[1])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input Scale is missing");
    cc_set_shape(n->out[0], x->dtype, x->rank, x->shape);
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0; i < x->rank; i++)
        shape[i] = i < a ? x->shape[i] : 1;
    for (int k = 1; k < n->nout; k++)
        if (n->out[k])
            cc_set_shape(n->out[k], CC_DT_FLOAT, x->rank, shape);
    return CC_OK;
}

cc_status cc_lower_layernorm(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_LAYERNORM);
    if (!c)
        return cc_oom(g, d);
    int a;
    cc_status st = layernorm_geom(g, n, &c->p.ln, &a, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->nout > 1 ? n->out[1] : NULL;
    c->args[2] = n->nout > 2 ? n->out[2] : NULL;
    c->args[3] = n->in[0];
    c->args[4] = n->in[1];
    c->args[5] = n->nin > 2 ? n->in[2] : NULL;
    return CC_OK;
}

/* ------------------------------------------------------------ MeanVarianceNormalization */

static cc_status mvn_geom(cc_graph *g, cc_node *n, rt_reduce_ext_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_float(g, n, x, d);
    if (st)
        return st;
    static const int64_t dflt[] = {0, 2, 3};
    const int64_t *axes;
    int naxes = cc_attr_ints(n, "axes", &axes);
    if (naxes < 0) {
        axes = dflt;
        naxes = 3;
    }
    memset(p, 0, sizeof *p);
    p->ndim = x->rank;
    for (int i = 0; i < x->rank; i++)
        p->shape[i] = x->shape[i];
    for (int i = 0; i < naxes; i++) {
        int a = cc_axis(axes[i], x->rank);
        if (a < 0 || p->reduce[a])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range or repeated "
                                "for rank %d", (long long)axes[i], x->rank);
        p->reduce[a] = 1;
    }
    return CC_OK;
}

cc_status cc_infer_mvn(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_reduce_ext_params p;
    cc_status st = mvn_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_mvn(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_MVN);
    if (!c)
        return cc_oom(g, d);
    cc_status st = mvn_geom(g, n, &c->p.redx, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ copies */

/* Appends y = x through a strided copy of nd axes (shape, y and x strides). */
static cc_status add_copy(cc_graph *g, cc_calls *out, cc_tensor *y, cc_tensor *x, int nd,
                          const int64_t *shape, const int64_t *ys, const int64_t *xs, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_COPY);
    if (!c)
        return cc_oom(g, d);
    rt_copy_params *p = &c->p.copy;
    p->elem_size = (int)cc_dtype_size(x->dtype);
    p->ndim = nd;
    for (int i = 0; i < nd; i++) {
        p->shape[i] = shape[i];
        p->ystride[i] = ys[i];
        p->xstride[i] = xs[i];
    }
    c->args[0] = y;
    c->args[1] = x;
    return CC_OK;
}

/* Expand: y = x broadcast (numpy rules) with the constant shape input. */
static cc_status expand_shape(cc_graph *g, cc_node *n, int *rank, int64_t *shape, cc_diag *d)
{
    cc_status st = need_data(g, n, n->in[0], d);
    if (st)
        return st;
    const int64_t *v;
    int cnt = cc_const_ints(n->in[1], &v);
    if (cnt < 0 && !n->in[1]->data)
        return cc_need_const(d, g, n, n->in[1], "shape");
    if (cnt < 0)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "shape '%.200s' must be a compile-time "
                            "constant int64 tensor", n->in[1]->name);
    if (n->in[1]->rank != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "shape must be a 1-D tensor");
    if (cnt > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "rank %d exceeds %d", cnt, CC_MAX_DIMS);
    cc_tensor s = *n->in[0];
    s.rank = cnt;
    for (int i = 0; i < cnt; i++) {
        if (v[i] < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "shape[%d] = %lld is negative", i,
                                (long long)v[i]);
        s.shape[i] = v[i];
    }
    if (cc_broadcast(n->in[0], &s, rank, shape)) {
        char sa[128], sb[128];
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "%s does not broadcast to %s",
                            cc_shape_str(n->in[0], sa, sizeof sa), cc_shape_str(&s, sb, sizeof sb));
    }
    return CC_OK;
}

cc_status cc_infer_expand(cc_graph *g, cc_node *n, cc_diag *d)
{
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = expand_shape(g, n, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_expand(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *y = n->out[0], *x = n->in[0];
    int64_t ys[CC_MAX_DIMS], xd[CC_MAX_DIMS], xs[CC_MAX_DIMS];
    dense_strides(ys, y->shape, y->rank);
    dense_strides(xd, x->shape, x->rank);
    for (int i = 0; i < y->rank; i++) {
        int j = i - (y->rank - x->rank);
        xs[i] = (j < 0 || x->shape[j] == 1) ? 0 : xd[j];
    }
    return add_copy(g, out, y, x, y->rank, y->shape, ys, xs, d);
}

/* Tile: the constant repeats input, one per axis. Lowered to one copy over
 * [r0, d0, r1, d1, ...] (the repeat axis omitted where r is 1). */
static cc_status tile_repeats(cc_graph *g, cc_node *n, const int64_t **r, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_data(g, n, x, d);
    if (st)
        return st;
    int cnt = cc_const_ints(n->in[1], r);
    if (cnt < 0 && !n->in[1]->data)
        return cc_need_const(d, g, n, n->in[1], "repeats");
    if (cnt < 0)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "repeats '%.200s' must be a "
                            "compile-time constant int64 tensor", n->in[1]->name);
    if (cnt != x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "repeats has %d values for rank %d", cnt,
                            x->rank);
    int extra = 0;
    for (int i = 0; i < cnt; i++) {
        if ((*r)[i] < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "repeats[%d] = %lld is negative", i,
                                (long long)(*r)[i]);
        extra += (*r)[i] != 1;
    }
    if (x->rank + extra > RT_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "tiling %d axes of a rank-%d tensor "
                            "is not supported", extra, x->rank);
    return CC_OK;
}

cc_status cc_infer_tile(cc_graph *g, cc_node *n, cc_diag *d)
{
    const int64_t *r;
    cc_status st = tile_repeats(g, n, &r, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0; i < x->rank; i++) {
        if (r[i] && x->shape[i] > MORE_MAX_NUMEL / r[i])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output would be too large");
        shape[i] = x->shape[i] * r[i];
    }
    cc_set_shape(n->out[0], x->dtype, x->rank, shape);
    return CC_OK;
}

cc_status cc_lower_tile(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    const int64_t *r;
    cc_status st = tile_repeats(g, n, &r, d);
    if (st)
        return st;
    cc_tensor *y = n->out[0], *x = n->in[0];
    int64_t yd[CC_MAX_DIMS], xd[CC_MAX_DIMS];
    int64_t shape[RT_MAX_DIMS], ys[RT_MAX_DIMS], xs[RT_MAX_DIMS];
    dense_strides(yd, y->shape, y->rank);
    dense_strides(xd, x->shape, x->rank);
    int nd = 0;
    for (int i = 0; i < x->rank; i++) {
        if (r[i] != 1) {
            /* repeat k of axis i starts at k * d_i along y's axis i */
            shape[nd] = r[i];
            ys[nd] = x->shape[i] * yd[i];
            xs[nd++] = 0;
        }
        shape[nd] = x->shape[i];
        ys[nd] = yd[i];
        xs[nd++] = xd[i];
    }
    return add_copy(g, out, y, x, nd, shape, ys, xs, d);
}

/*
 * DepthToSpace (DCR or CRD mode) and SpaceToDepth with blocksize b: a
 * reshape of x to rank 6, a transpose, a reshape back; lowered to one copy
 * walking y densely in the transposed order.
 */
static cc_status d2s_geom(cc_graph *g, cc_node *n, int64_t *r6, int *perm, int64_t *yshape,
                          cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_data(g, n, x, d);
    if (st)
        return st;
    if (x->rank != 4)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input must have rank 4, not %d", x->rank);
    const cc_attr *ba = cc_attr_get(n, "blocksize");
    if (!ba || ba->type != CC_AT_INT || ba->i < 1 || ba->i > ((int64_t)1 << 30))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute blocksize must be a positive "
                            "integer");
    int64_t b = ba->i, N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    if (!strcmp(n->op->name, "DepthToSpace")) {
        if (C % (b * b))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "channels %lld are not a multiple of "
                                "blocksize^2 = %lld", (long long)C, (long long)(b * b));
        const char *mode = cc_attr_str(n, "mode", "DCR");
        int64_t c = C / (b * b);
        if (!strcmp(mode, "DCR")) {
            const int64_t s[6] = {N, b, b, c, H, W};
            const int p[6] = {0, 3, 4, 1, 5, 2};
            memcpy(r6, s, sizeof s);
            memcpy(perm, p, sizeof p);
        } else if (!strcmp(mode, "CRD")) {
            const int64_t s[6] = {N, c, b, b, H, W};
            const int p[6] = {0, 1, 4, 2, 5, 3};
            memcpy(r6, s, sizeof s);
            memcpy(perm, p, sizeof p);
        } else {
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "mode '%.40s' is not DCR or CRD", mode);
        }
        yshape[0] = N;
        yshape[1] = c;
        yshape[2] = H * b;
        yshape[3] = W * b;
    } else {
        if (H % b || W % b)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "spatial size %lldx%lld is not a multiple "
                                "of blocksize %lld", (long long)H, (long long)W, (long long)b);
        const int64_t s[6] = {N, C, H / b, b, W / b, b};
        const int p[6] = {0, 3, 5, 1, 2, 4};
        memcpy(r6, s, sizeof s);
        memcpy(perm, p, sizeof p);
        yshape[0] = N;
        yshape[1] = C * b * b;
        yshape[2] = H / b;
        yshape[3] = W / b;
    }
    return CC_OK;
}

cc_status cc_infer_depth_space(cc_graph *g, cc_node *n, cc_diag *d)
{
    int64_t r6[6], ys[4];
    int perm[6];
    cc_status st = d2s_geom(g, n, r6, perm, ys, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, 4, ys);
    return CC_OK;
}

cc_status cc_lower_depth_space(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int64_t r6[6], yshape[4], xd[6], shape[6], ys[6], xs[6];
    int perm[6];
    cc_status st = d2s_geom(g, n, r6, perm, yshape, d);
    if (st)
        return st;
    dense_strides(xd, r6, 6);
    for (int i = 0; i < 6; i++) {
        shape[i] = r6[perm[i]];
        xs[i] = xd[perm[i]];
    }
    dense_strides(ys, shape, 6);
    return add_copy(g, out, n->out[0], n->in[0], 6, shape, ys, xs, d);
}

/* ------------------------------------------------------------ GatherElements */

static cc_status gather_el_geom(cc_graph *g, cc_node *n, rt_gather_elements_params *p,
                                cc_diag *d)
{
    const cc_tensor *x = n->in[0], *idx = n->in[1];
    cc_status st = need_data(g, n, x, d); /* other types: rt_gather_elements_any_forward */
    if (st)
        return st;
    if (idx->dtype != CC_DT_INT64 && idx->dtype != CC_DT_INT32) /* int32: an int64 copy */
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "indices '%.200s' have element type "
                            "%s; int32 and int64 are supported", idx->name,
                            cc_dtype_name(idx->dtype));
    if (x->rank < 1 || idx->rank != x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "indices must have the data's rank %d, "
                            "not %d", x->rank, idx->rank);
    int64_t av = cc_attr_int(n, "axis", 0);
    int a = cc_axis(av, x->rank);
    if (a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)av, x->rank);
    memset(p, 0, sizeof *p);
    p->ndim = x->rank;
    p->axis = a;
    for (int i = 0; i < x->rank; i++) {
        if (i != a && idx->shape[i] > x->shape[i])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "indices axis %d (%lld) exceeds the "
                                "data's (%lld)", i, (long long)idx->shape[i],
                                (long long)x->shape[i]);
        p->xshape[i] = x->shape[i];
        p->ishape[i] = idx->shape[i];
    }
    if (idx->data) {
        const int64_t len = x->shape[a];
        for (int64_t i = 0; i < cc_numel(idx); i++) {
            const int64_t v = cc_index_at(idx, i);
            if (v < -len || v >= len)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "index %lld is out of range "
                                    "[-%lld, %lld)", (long long)v, (long long)len,
                                    (long long)len);
        }
    }
    return CC_OK;
}

cc_status cc_infer_gather_elements(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_gather_elements_params p;
    cc_status st = gather_el_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[1]->rank, n->in[1]->shape);
    return CC_OK;
}

cc_status cc_lower_gather_elements(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_GATHER_EL);
    if (!c)
        return cc_oom(g, d);
    cc_status st = gather_el_geom(g, n, &c->p.gel, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

/* ------------------------------------------------------------ Trilu */

/* x of rank >= 2 viewed as [batch, rows, cols]; k from a constant input (or
 * 0), or read at run time from a non-constant int64 scalar input. */
static cc_status trilu_geom(cc_graph *g, cc_node *n, rt_trilu_params *p, cc_tensor **kin,
                            cc_diag *d)
{
    const cc_tensor *x = n->in[0], *k = n->nin > 1 ? n->in[1] : NULL;
    cc_status st = need_data(g, n, x, d);
    if (st)
        return st;
    if (x->rank < 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input must have rank 2 or more, not %d",
                            x->rank);
    memset(p, 0, sizeof *p);
    *kin = NULL;
    if (k) {
        if (k->dtype != CC_DT_INT64 || cc_numel(k) != 1 || k->rank != 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "k must be an int64 scalar");
        if (k->data)
            p->k = ((const int64_t *)k->data)[0];
        else
            *kin = n->in[1];
    }
    p->elem_size = (int)cc_dtype_size(x->dtype);
    p->upper = cc_attr_int(n, "upper", 1) != 0;
    p->rows = x->shape[x->rank - 2];
    p->cols = x->shape[x->rank - 1];
    p->batch = prod(x->shape, 0, x->rank - 2);
    return CC_OK;
}

cc_status cc_infer_trilu(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_trilu_params p;
    cc_tensor *k;
    cc_status st = trilu_geom(g, n, &p, &k, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_trilu(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_TRILU);
    if (!c)
        return cc_oom(g, d);
    cc_status st = trilu_geom(g, n, &c->p.trilu, &c->args[2], d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ Size, Range */

/* Size: the element count of the input, an int64 scalar known at compile time. */
cc_status cc_infer_size(cc_graph *g, cc_node *n, cc_diag *d)
{
    int64_t *v = cc_alloc(g->ctx, sizeof *v);
    if (!v)
        return cc_oom(g, d);
    *v = cc_numel(n->in[0]);
    cc_set_shape(n->out[0], CC_DT_INT64, 0, v);
    n->out[0]->data = v;
    return CC_OK;
}

/* Range: start, limit, delta must be constant scalars of one numeric type;
 * y = start + i * delta for i < max(ceil((limit - start) / delta), 0).
 * float32 computes in float, other floating types in double, integers in
 * 64 bits (wrapping), each converted to the type (rt_cast_any). */
cc_status cc_infer_range(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *t0 = n->in[0];
    for (int k = 0; k < 3; k++) {
        const cc_tensor *t = n->in[k];
        if (t->dtype != t0->dtype)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "inputs have different element types");
        if (!cc_dtype_supported(t->dtype) || t->dtype == CC_DT_BOOL)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "element type %s is not supported "
                                "(numeric types are)", cc_dtype_name(t->dtype));
        if (cc_numel(t) != 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' must be a scalar",
                                t->name);
        if (!t->data)
            return cc_need_const(d, g, n, t, k == 0 ? "start" : k == 1 ? "limit" : "delta");
    }
    cc_tensor *y = n->out[0];
    int64_t len;
    if (t0->dtype == CC_DT_FLOAT) {
        float s = *(const float *)t0->data, l = *(const float *)n->in[1]->data;
        float dl = *(const float *)n->in[2]->data;
        double cnt = ceil(((double)l - (double)s) / (double)dl);
        if (dl == 0 || cnt != cnt)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "delta is 0 or the range is not finite");
        if (cnt > (double)MORE_MAX_NUMEL)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output would be too large");
        len = cnt > 0 ? (int64_t)cnt : 0;
        void *mem;
        cc_status st = cc_alloc_const(g, n, len * (int64_t)sizeof(float), &mem, d);
        if (st)
            return st;
        float *v = mem;
        for (int64_t i = 0; i < len; i++)
            v[i] = s + (float)i * dl;
        y->data = v;
    } else if (cc_dtype_is_float(t0->dtype)) {
        double s, l, dl;
        rt_cast_any(&s, t0->data, RT_F64, cc_dtype_rt(t0->dtype), 1);
        rt_cast_any(&l, n->in[1]->data, RT_F64, cc_dtype_rt(t0->dtype), 1);
        rt_cast_any(&dl, n->in[2]->data, RT_F64, cc_dtype_rt(t0->dtype), 1);
        double cnt = ceil((l - s) / dl);
        if (dl == 0 || cnt != cnt)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "delta is 0 or the range is not finite");
        if (cnt > (double)MORE_MAX_NUMEL)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output would be too large");
        len = cnt > 0 ? (int64_t)cnt : 0;
        const size_t es = cc_dtype_size(t0->dtype);
        void *mem;
        cc_status st = cc_alloc_const(g, n, len * (int64_t)es, &mem, d);
        if (st)
            return st;
        for (int64_t i = 0; i < len; i++) {
            double v = s + (double)i * dl;
            rt_cast_any((char *)mem + (size_t)i * es, &v, cc_dtype_rt(t0->dtype), RT_F64, 1);
        }
        y->data = mem;
    } else {
        int64_t s, l, dl;
        rt_cast_any(&s, t0->data, RT_I64, cc_dtype_rt(t0->dtype), 1);
        rt_cast_any(&l, n->in[1]->data, RT_I64, cc_dtype_rt(t0->dtype), 1);
        rt_cast_any(&dl, n->in[2]->data, RT_I64, cc_dtype_rt(t0->dtype), 1);
        if (dl == 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "delta is 0");
        double cnt = ceil(((double)l - (double)s) / (double)dl);
        if (cnt > (double)MORE_MAX_NUMEL)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output would be too large");
        len = cnt > 0 ? (int64_t)cnt : 0;
        const size_t es = cc_dtype_size(t0->dtype);
        void *mem;
        cc_status st = cc_alloc_const(g, n, len * (int64_t)es, &mem, d);
        if (st)
            return st;
        for (int64_t i = 0; i < len; i++) {
            int64_t v = (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)dl);
            rt_cast_any((char *)mem + (size_t)i * es, &v, cc_dtype_rt(t0->dtype), RT_I64, 1);
        }
        y->data = mem;
    }
    cc_set_shape(y, t0->dtype, 1, &len);
    return CC_OK;
}

cc_status cc_lower_size(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* computed by infer */
}

cc_status cc_lower_range(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* computed by infer */
}
