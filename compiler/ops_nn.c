/*
 * ops_nn.c - the neural-network layers: convolution and its transpose,
 * pooling, Gemm and MatMul, normalisations, softmax and reductions.
 * Spatial geometry (pads, auto_pad, ceil_mode, output sizes) is resolved in
 * one place, spatial_geom, for conv and pool alike.
 */
#include <math.h>
#include <string.h>

#include "ops.h"

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

/* ------------------------------------------------------------ geometry */

/* Resolved spatial geometry of a conv or pool node (nsp spatial axes). */
typedef struct {
    int nsp;
    int64_t in[RT_SPATIAL], k[RT_SPATIAL], stride[RT_SPATIAL], dil[RT_SPATIAL];
    int64_t pb[RT_SPATIAL], pe[RT_SPATIAL], out[RT_SPATIAL];
} geom;

/* Reads an optional per-axis attribute list of length want into v (default
 * dflt); a wrong length or a value below min is an error. */
static cc_status axis_list(cc_graph *g, cc_node *n, const char *name, int want, int64_t dflt,
                           int64_t min, int64_t *v, cc_diag *d)
{
    const int64_t *a;
    int cnt = cc_attr_ints(n, name, &a);
    for (int i = 0; i < want; i++)
        v[i] = dflt;
    if (cnt < 0)
        return CC_OK;
    if (cnt != want)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute %s has %d values, expected %d",
                            name, cnt, want);
    for (int i = 0; i < want; i++) {
        if (a[i] < min || a[i] > ((int64_t)1 << 30))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute %s[%d] = %lld is out of range",
                                name, i, (long long)a[i]);
        v[i] = a[i];
    }
    return CC_OK;
}

/* Fills the geometry of a conv (transpose = 0) or pool node: kernel from
 * kernel (or the attribute), strides, dilations, pads or auto_pad, and the
 * output size; ceil_mode applies to pools. */
static cc_status spatial_geom(cc_graph *g, cc_node *n, const cc_tensor *x, const int64_t *kernel,
                              int ceil_mode, geom *o, cc_diag *d)
{
    int nsp = x->rank - 2;
    o->nsp = nsp;
    cc_status st = axis_list(g, n, "strides", nsp, 1, 1, o->stride, d);
    if (!st)
        st = axis_list(g, n, "dilations", nsp, 1, 1, o->dil, d);
    if (st)
        return st;
    int64_t pads[2 * RT_SPATIAL];
    st = axis_list(g, n, "pads", 2 * nsp, 0, 0, pads, d);
    if (st)
        return st;
    const char *ap = cc_attr_str(n, "auto_pad", "NOTSET");
    for (int i = 0; i < nsp; i++) {
        o->in[i] = x->shape[2 + i];
        o->k[i] = kernel[i];
        int64_t dk = (o->k[i] - 1) * o->dil[i] + 1;
        if (!strcmp(ap, "NOTSET")) {
            o->pb[i] = pads[i];
            o->pe[i] = pads[nsp + i];
            int64_t span = o->in[i] + o->pb[i] + o->pe[i] - dk;
            if (span < 0)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel extent %lld exceeds padded "
                                    "input %lld on spatial axis %d", (long long)dk,
                                    (long long)(o->in[i] + o->pb[i] + o->pe[i]), i);
            o->out[i] = (ceil_mode ? (span + o->stride[i] - 1) / o->stride[i]
                                   : span / o->stride[i]) + 1;
            /* a window must start inside the input or its leading padding */
            if (ceil_mode && (o->out[i] - 1) * o->stride[i] >= o->in[i] + o->pb[i])
                o->out[i]--;
        } else if (!strcmp(ap, "VALID")) {
            o->pb[i] = o->pe[i] = 0;
            if (o->in[i] < dk)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel extent %lld exceeds input "
                                    "%lld on spatial axis %d", (long long)dk,
                                    (long long)o->in[i], i);
            o->out[i] = (o->in[i] - dk) / o->stride[i] + 1;
        } else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            o->out[i] = (o->in[i] + o->stride[i] - 1) / o->stride[i];
            int64_t total = (o->out[i] - 1) * o->stride[i] + dk - o->in[i];
            if (total < 0)
                total = 0;
            int upper = !strcmp(ap, "SAME_UPPER");
            o->pb[i] = upper ? total / 2 : total - total / 2;
            o->pe[i] = total - o->pb[i];
        } else {
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "auto_pad '%.40s' is not one of NOTSET, "
                                "SAME_UPPER, SAME_LOWER, VALID", ap);
        }
        if (o->out[i] <= 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output size on spatial axis %d is %lld",
                                i, (long long)o->out[i]);
    }
    return CC_OK;
}

/* Copies nsp spatial values into a 3-slot array, leading slots set to fill. */
static void spatial3(int64_t *dst, const int64_t *src, int nsp, int64_t fill)
{
    int lead = RT_SPATIAL - nsp;
    for (int i = 0; i < RT_SPATIAL; i++)
        dst[i] = i < lead ? fill : src[i - lead];
}

static cc_status need_spatial(cc_graph *g, cc_node *n, const cc_tensor *x, cc_diag *d)
{
    if (x->rank < 3 || x->rank > 2 + RT_SPATIAL)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has rank %d; 1-D to 3-D "
                            "spatial data (rank 3 to 5) is supported", x->name, x->rank);
    return need_float(g, n, x, d);
}

/* Kernel shape: the attribute if present (checked against W), else W's. */
static cc_status kernel_of(cc_graph *g, cc_node *n, const cc_tensor *w, int nsp, int64_t *k,
                           cc_diag *d)
{
    const int64_t *a;
    int cnt = cc_attr_ints(n, "kernel_shape", &a);
    for (int i = 0; i < nsp; i++) {
        k[i] = w ? w->shape[2 + i] : 0;
        if (cnt == nsp) {
            if (w && a[i] != k[i])
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel_shape disagrees with the "
                                    "weight's shape");
            k[i] = a[i];
        } else if (cnt >= 0 || !w) {
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel_shape must have %d values", nsp);
        }
        if (k[i] <= 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "kernel size %lld on axis %d",
                                (long long)k[i], i);
    }
    return CC_OK;
}

/* ------------------------------------------------------------ Conv */

static cc_status conv_check(cc_graph *g, cc_node *n, geom *o, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *w = n->in[1], *b = n->nin > 2 ? n->in[2] : NULL;
    cc_status st = need_spatial(g, n, x, d);
    if (!st)
        st = need_float(g, n, w, d);
    if (!st)
        st = need_float(g, n, b, d);
    if (st)
        return st;
    if (w->rank != x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "weight '%.200s' has rank %d, input has %d",
                            w->name, w->rank, x->rank);
    int64_t group = cc_attr_int(n, "group", 1);
    if (group < 1 || x->shape[1] % group || w->shape[0] % group ||
        w->shape[1] * group != x->shape[1])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "group %lld does not fit %lld input channels "
                            "and weight [%lld, %lld, ...]", (long long)group,
                            (long long)x->shape[1], (long long)w->shape[0],
                            (long long)w->shape[1]);
    if (b && (b->rank != 1 || b->shape[0] != w->shape[0]))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "bias '%.200s' must have shape [%lld]",
                            b->name, (long long)w->shape[0]);
    int64_t k[RT_SPATIAL];
    st = kernel_of(g, n, w, x->rank - 2, k, d);
    if (!st)
        st = spatial_geom(g, n, x, k, 0, o, d);
    return st;
}

cc_status cc_infer_conv(cc_graph *g, cc_node *n, cc_diag *d)
{
    geom o;
    cc_status st = conv_check(g, n, &o, d);
    if (st)
        return st;
    int64_t shape[CC_MAX_DIMS] = {n->in[0]->shape[0], n->in[1]->shape[0]};
    for (int i = 0; i < o.nsp; i++)
        shape[2 + i] = o.out[i];
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, shape);
    return CC_OK;
}

static void conv_params(rt_conv_params *p, const cc_node *n, const geom *o, int64_t c, int64_t m)
{
    p->n = (int)n->in[0]->shape[0];
    p->c = (int)c;
    p->m = (int)m;
    p->group = (int)cc_attr_int(n, "group", 1);
    spatial3(p->in, o->in, o->nsp, 1);
    spatial3(p->out, o->out, o->nsp, 1);
    spatial3(p->k, o->k, o->nsp, 1);
    spatial3(p->stride, o->stride, o->nsp, 1);
    spatial3(p->pad, o->pb, o->nsp, 0);
    spatial3(p->dilation, o->dil, o->nsp, 1);
    p->act = n->act;
    p->act_alpha = n->act_alpha;
    p->act_beta = n->act_beta;
}

cc_status cc_lower_conv(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    geom o;
    cc_status st = conv_check(g, n, &o, d);
    if (st)
        return st;
    cc_tensor *res = n->nin > 3 ? n->in[3] : NULL;
    if (res) {
        /* a fused residual Add: y = r first (the planner drops this copy when
         * y can take over r's buffer), then the conv accumulates onto it */
        cc_call *cp = cc_calls_add(out, CC_K_COPY);
        if (!cp)
            return cc_oom(g, d);
        cp->args[0] = n->out[0];
        cp->args[1] = res;
        cp->p.copy.elem_size = 4;
        cp->p.copy.ndim = 1;
        cp->p.copy.shape[0] = cc_numel(res);
        cp->p.copy.ystride[0] = cp->p.copy.xstride[0] = 1;
    }
    cc_call *c = cc_calls_add(out, CC_K_CONV);
    if (!c)
        return cc_oom(g, d);
    conv_params(&c->p.conv, n, &o, n->in[0]->shape[1], n->in[1]->shape[0]);
    c->p.conv.accumulate = res != NULL;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    c->args[3] = n->nin > 2 ? n->in[2] : NULL;
    return CC_OK;
}

/* ------------------------------------------------------------ ConvTranspose */

/* Geometry of a transposed convolution: output size from pads and
 * output_padding, or pads from output_shape / auto_pad, as the spec says. */
static cc_status convt_check(cc_graph *g, cc_node *n, geom *o, int64_t *m, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *w = n->in[1], *b = n->nin > 2 ? n->in[2] : NULL;
    cc_status st = need_spatial(g, n, x, d);
    if (!st)
        st = need_float(g, n, w, d);
    if (!st)
        st = need_float(g, n, b, d);
    if (st)
        return st;
    int nsp = x->rank - 2;
    int64_t group = cc_attr_int(n, "group", 1);
    if (w->rank != x->rank || group < 1 || w->shape[0] != x->shape[1] || x->shape[1] % group)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "weight '%.200s' does not fit the input's %lld "
                            "channels with group %lld", w->name, (long long)x->shape[1],
                            (long long)group);
    *m = w->shape[1] * group;
    if (b && (b->rank != 1 || b->shape[0] != *m))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "bias '%.200s' must have shape [%lld]",
                            b->name, (long long)*m);
    o->nsp = nsp;
    int64_t pads[2 * RT_SPATIAL], opad[RT_SPATIAL], oshape[RT_SPATIAL];
    st = kernel_of(g, n, w, nsp, o->k, d);
    if (!st)
        st = axis_list(g, n, "strides", nsp, 1, 1, o->stride, d);
    if (!st)
        st = axis_list(g, n, "dilations", nsp, 1, 1, o->dil, d);
    if (!st)
        st = axis_list(g, n, "pads", 2 * nsp, 0, 0, pads, d);
    if (!st)
        st = axis_list(g, n, "output_padding", nsp, 0, 0, opad, d);
    if (st)
        return st;
    const int64_t *os;
    int nos = cc_attr_ints(n, "output_shape", &os);
    if (nos >= 0 && nos != nsp && nos != nsp + 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "output_shape has %d values", nos);
    const char *ap = cc_attr_str(n, "auto_pad", "NOTSET");
    int same = !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER");
    if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID") && !same)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "auto_pad '%.40s' is not valid", ap);
    for (int i = 0; i < nsp; i++) {
        o->in[i] = x->shape[2 + i];
        int64_t dk = (o->k[i] - 1) * o->dil[i] + 1;
        int64_t full = o->stride[i] * (o->in[i] - 1) + opad[i] + dk;
        if (nos >= 0 || same) {
            oshape[i] = nos >= 0 ? os[nos - nsp + i] : o->in[i] * o->stride[i];
            int64_t total = full - oshape[i];
            if (total < 0)
                total = 0;
            if (!strcmp(ap, "SAME_UPPER")) {
                o->pb[i] = total / 2;
                o->pe[i] = total - total / 2;
            } else {
                o->pb[i] = total - total / 2;
                o->pe[i] = total / 2;
            }
            o->out[i] = oshape[i];
        } else {
            o->pb[i] = strcmp(ap, "VALID") ? pads[i] : 0;
            o->pe[i] = strcmp(ap, "VALID") ? pads[nsp + i] : 0;
            o->out[i] = full - o->pb[i] - o->pe[i];
        }
        if (o->out[i] <= 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output size on spatial axis %d is %lld",
                                i, (long long)o->out[i]);
    }
    return CC_OK;
}

cc_status cc_infer_conv_transpose(cc_graph *g, cc_node *n, cc_diag *d)
{
    geom o;
    int64_t m;
    cc_status st = convt_check(g, n, &o, &m, d);
    if (st)
        return st;
    int64_t shape[CC_MAX_DIMS] = {n->in[0]->shape[0], m};
    for (int i = 0; i < o.nsp; i++)
        shape[2 + i] = o.out[i];
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, shape);
    return CC_OK;
}

cc_status cc_lower_conv_transpose(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    geom o;
    int64_t m;
    cc_status st = convt_check(g, n, &o, &m, d);
    if (st)
        return st;
    cc_call *c = cc_calls_add(out, CC_K_CONV_T);
    if (!c)
        return cc_oom(g, d);
    conv_params(&c->p.conv, n, &o, n->in[0]->shape[1], m);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    c->args[3] = n->nin > 2 ? n->in[2] : NULL;
    return CC_OK;
}

/* ------------------------------------------------------------ pooling */

static cc_status pool_check(cc_graph *g, cc_node *n, geom *o, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_spatial(g, n, x, d);
    /* MaxPool of other numeric types runs rt_maxpool_any_forward
     * (cc_calls_retype); the other pools compute float32 only */
    if (st == CC_ERR_UNSUPPORTED && x->rank >= 3 && x->rank <= 2 + RT_SPATIAL &&
        !strcmp(n->op->name, "MaxPool") && !cc_need_numeric(g, n, x, d))
        st = CC_OK;
    if (st)
        return st;
    int64_t so = cc_attr_int(n, "storage_order", 0);
    if (so != 0 && so != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "storage_order %lld is not 0 or 1",
                            (long long)so);
    int64_t k[RT_SPATIAL];
    st = kernel_of(g, n, NULL, x->rank - 2, k, d);
    if (st)
        return st;
    int64_t ceil_mode = cc_attr_int(n, "ceil_mode", 0);
    return spatial_geom(g, n, x, k, ceil_mode != 0, o, d);
}

static cc_status pool_infer(cc_graph *g, cc_node *n, cc_diag *d)
{
    geom o;
    cc_status st = pool_check(g, n, &o, d);
    if (st)
        return st;
    int64_t shape[CC_MAX_DIMS] = {n->in[0]->shape[0], n->in[0]->shape[1]};
    for (int i = 0; i < o.nsp; i++)
        shape[2 + i] = o.out[i];
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, shape);
    /* MaxPool's Indices (rt_maxpool_indices_forward, runtime/ext_index.c) */
    if (n->nout > 1 && n->out[1])
        cc_set_shape(n->out[1], CC_DT_INT64, n->in[0]->rank, shape);
    return CC_OK;
}

static cc_status pool_lower(cc_graph *g, cc_node *n, cc_calls *out, cc_kernel k, cc_diag *d)
{
    geom o;
    cc_status st = pool_check(g, n, &o, d);
    if (st)
        return st;
    cc_call *c = cc_calls_add(out, k);
    if (!c)
        return cc_oom(g, d);
    rt_pool_params *p = &c->p.pool;
    p->n = (int)n->in[0]->shape[0];
    p->c = (int)n->in[0]->shape[1];
    spatial3(p->in, o.in, o.nsp, 1);
    spatial3(p->out, o.out, o.nsp, 1);
    spatial3(p->k, o.k, o.nsp, 1);
    spatial3(p->stride, o.stride, o.nsp, 1);
    spatial3(p->pad, o.pb, o.nsp, 0);
    spatial3(p->pad_end, o.pe, o.nsp, 0);
    spatial3(p->dilation, o.dil, o.nsp, 1);
    p->count_include_pad = (int)cc_attr_int(n, "count_include_pad", 0);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

cc_status cc_infer_maxpool(cc_graph *g, cc_node *n, cc_diag *d)
{
    return pool_infer(g, n, d);
}

cc_status cc_lower_maxpool(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    if (n->nout < 2 || !n->out[1])
        return pool_lower(g, n, out, CC_K_MAXPOOL, d);
    /* with Indices: the same parameters, the ext kernel that also writes them */
    cc_status st = pool_lower(g, n, out, CC_K_MAXPOOL, d);
    if (st)
        return st;
    cc_call *c = &out->v[out->n - 1];
    rt_pool_params pp = c->p.pool;
    c->k = CC_K_MAXPOOL_IDX;
    c->p.mpi.pool = pp;
    c->p.mpi.storage_order = (int)cc_attr_int(n, "storage_order", 0);
    c->args[2] = c->args[1];
    c->args[1] = n->out[1];
    return CC_OK;
}

cc_status cc_infer_avgpool(cc_graph *g, cc_node *n, cc_diag *d)
{
    if (cc_attr_get(n, "dilations") && g->opset < 19) {
        const int64_t *v;
        int cnt = cc_attr_ints(n, "dilations", &v);
        for (int i = 0; i < cnt; i++)
            if (v[i] != 1)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "AveragePool has no dilations "
                                    "before opset 19");
    }
    return pool_infer(g, n, d);
}

cc_status cc_lower_avgpool(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    return pool_lower(g, n, out, CC_K_AVGPOOL, d);
}

cc_status cc_infer_global_pool(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_float(g, n, x, d);
    if (st)
        return st;
    if (x->rank < 3)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' has rank %d; at least 3 "
                            "needed", x->name, x->rank);
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0; i < x->rank; i++)
        shape[i] = i < 2 ? x->shape[i] : 1;
    cc_set_shape(n->out[0], x->dtype, x->rank, shape);
    return CC_OK;
}

cc_status cc_lower_global_pool(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    int is_max = strcmp(n->op->name, "GlobalMaxPool") == 0;
    cc_call *c = cc_calls_add(out, is_max ? CC_K_GMAXPOOL : CC_K_GAVGPOOL);
    if (!c)
        return cc_oom(g, d);
    c->p.gpool.nc = x->shape[0] * x->shape[1];
    c->p.gpool.size = cc_numel(x) / (c->p.gpool.nc ? c->p.gpool.nc : 1);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ Lp */

/* The p attribute of LpPool, GlobalLpPool and LpNormalization (default 2). */
static cc_status lp_of(cc_graph *g, cc_node *n, float *p, cc_diag *d)
{
    int64_t v = cc_attr_int(n, "p", 2);
    if (v < 1 || (!strcmp(n->op->name, "LpNormalization") && v > 2))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "p = %lld is not supported (%s)",
                            (long long)v, strcmp(n->op->name, "LpNormalization") ? "p >= 1"
                                                                                 : "1 or 2");
    *p = (float)v;
    return CC_OK;
}

/* LpPool: the pooling geometry (kernel_shape, strides, pads, auto_pad) with
 * the Lp reduction; GlobalLpPool: one window over all spatial axes. */
cc_status cc_infer_lppool(cc_graph *g, cc_node *n, cc_diag *d)
{
    float p;
    cc_status st = lp_of(g, n, &p, d);
    if (st)
        return st;
    if (!strcmp(n->op->name, "GlobalLpPool")) {
        if ((st = need_spatial(g, n, n->in[0], d)))
            return st;
        int64_t shape[CC_MAX_DIMS];
        for (int i = 0; i < n->in[0]->rank; i++)
            shape[i] = i < 2 ? n->in[0]->shape[i] : 1;
        cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, shape);
        return CC_OK;
    }
    return pool_infer(g, n, d);
}

cc_status cc_lower_lppool(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    float p = 0.0f;
    cc_status st = lp_of(g, n, &p, d);
    if (st)
        return st;
    if (!strcmp(n->op->name, "GlobalLpPool")) {
        if ((st = need_spatial(g, n, n->in[0], d)))
            return st;
        cc_call *c = cc_calls_add(out, CC_K_LPPOOL);
        if (!c)
            return cc_oom(g, d);
        const cc_tensor *x = n->in[0];
        int nsp = x->rank - 2;
        rt_pool_params *pp = &c->p.lpp.pool;
        pp->n = (int)x->shape[0];
        pp->c = (int)x->shape[1];
        spatial3(pp->in, x->shape + 2, nsp, 1);
        spatial3(pp->k, x->shape + 2, nsp, 1);
        for (int i = 0; i < RT_SPATIAL; i++) {
            pp->out[i] = pp->stride[i] = pp->dilation[i] = 1;
            pp->pad[i] = pp->pad_end[i] = 0;
        }
        c->p.lpp.p = p;
        c->args[0] = n->out[0];
        c->args[1] = n->in[0];
        return CC_OK;
    }
    if ((st = pool_lower(g, n, out, CC_K_AVGPOOL, d)))
        return st;
    cc_call *c = &out->v[out->n - 1];
    rt_pool_params pp = c->p.pool;
    c->k = CC_K_LPPOOL;
    c->p.lpp.pool = pp;
    c->p.lpp.p = p;
    return CC_OK;
}

cc_status cc_infer_lpnorm(cc_graph *g, cc_node *n, cc_diag *d)
{
    float p;
    const cc_tensor *x = n->in[0];
    cc_status st = need_float(g, n, x, d);
    if (!st)
        st = lp_of(g, n, &p, d);
    if (st)
        return st;
    if (cc_axis(cc_attr_int(n, "axis", -1), x->rank) < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)cc_attr_int(n, "axis", -1), x->rank);
    cc_set_shape(n->out[0], x->dtype, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_lpnorm(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    float p = 0.0f;
    cc_status st = lp_of(g, n, &p, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int a = cc_axis(cc_attr_int(n, "axis", -1), x->rank);
    cc_call *c = cc_calls_add(out, CC_K_LPNORM);
    if (!c)
        return cc_oom(g, d);
    rt_lpnorm_params *lp = &c->p.lpn;
    lp->outer = lp->inner = 1;
    for (int i = 0; i < a; i++)
        lp->outer *= x->shape[i];
    lp->len = x->shape[a];
    for (int i = a + 1; i < x->rank; i++)
        lp->inner *= x->shape[i];
    lp->p = p;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ Gemm */

cc_status cc_infer_gemm(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[1], *c = n->nin > 2 ? n->in[2] : NULL;
    /* the floating types, and the integers of the spec (rt_gemm_any_forward,
     * exact with wrap-around; alpha and beta must then be integers) */
    const int ints = a->dtype == CC_DT_INT32 || a->dtype == CC_DT_INT64 ||
                     a->dtype == CC_DT_UINT32 || a->dtype == CC_DT_UINT64;
    cc_status st = ints ? CC_OK : need_float(g, n, a, d);
    if (!st)
        st = ints ? CC_OK : need_float(g, n, b, d);
    if (!st)
        st = ints ? CC_OK : need_float(g, n, c, d);
    if (st)
        return st;
    if (ints) {
        const float al = cc_attr_float(n, "alpha", 1.0f), be = cc_attr_float(n, "beta", 1.0f);
        if (al != floorf(al) || be != floorf(be) || fabsf(al) > 9e18f || fabsf(be) > 9e18f)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "Gemm of %s with alpha %g and "
                                "beta %g: integer Gemm needs integral alpha and beta",
                                cc_dtype_name(a->dtype), (double)al, (double)be);
        if (b->dtype != a->dtype || (c && c->dtype != a->dtype))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "A, B and C must have one element type");
    }
    if (a->rank != 2 || b->rank != 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "A and B must be matrices (ranks %d, %d)",
                            a->rank, b->rank);
    int ta = cc_attr_int(n, "transA", 0) != 0, tb = cc_attr_int(n, "transB", 0) != 0;
    int64_t m = ta ? a->shape[1] : a->shape[0], k = ta ? a->shape[0] : a->shape[1];
    int64_t kb = tb ? b->shape[1] : b->shape[0], nn = tb ? b->shape[0] : b->shape[1];
    if (k != kb)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "inner dimensions differ: %lld and %lld",
                            (long long)k, (long long)kb);
    if (c) {
        int ok = c->rank <= 2;
        if (ok && c->rank >= 1)
            ok = c->shape[c->rank - 1] == nn || c->shape[c->rank - 1] == 1;
        if (ok && c->rank == 2)
            ok = c->shape[0] == m || c->shape[0] == 1;
        if (!ok) {
            char sb[128];
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "C %s does not broadcast to [%lld, %lld]",
                                cc_shape_str(c, sb, sizeof sb), (long long)m, (long long)nn);
        }
    }
    int64_t shape[2] = {m, nn};
    cc_set_shape(n->out[0], n->in[0]->dtype, 2, shape);
    return CC_OK;
}

cc_status cc_lower_gemm(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *c = n->nin > 2 ? n->in[2] : NULL;
    cc_call *k = cc_calls_add(out, CC_K_GEMM);
    if (!k)
        return cc_oom(g, d);
    rt_gemm_params *p = &k->p.gemm;
    p->trans_a = cc_attr_int(n, "transA", 0) != 0;
    p->trans_b = cc_attr_int(n, "transB", 0) != 0;
    p->m = n->out[0]->shape[0];
    p->n = n->out[0]->shape[1];
    p->k = p->trans_a ? a->shape[0] : a->shape[1];
    p->alpha = cc_attr_float(n, "alpha", 1.0f);
    p->beta = cc_attr_float(n, "beta", 1.0f);
    if (c) {
        int64_t cn = c->rank >= 1 ? c->shape[c->rank - 1] : 1;
        int64_t cm = c->rank == 2 ? c->shape[0] : 1;
        p->c_cs = cn > 1 ? 1 : 0;
        p->c_rs = cm > 1 ? cn : 0;
    }
    p->act = n->act;
    p->act_alpha = n->act_alpha;
    p->act_beta = n->act_beta;
    k->args[0] = n->out[0];
    k->args[1] = n->in[0];
    k->args[2] = n->in[1];
    k->args[3] = (cc_tensor *)c;
    return CC_OK;
}

/* ------------------------------------------------------------ MatMul */

/* numpy matmul shapes: 1-D operands are promoted (a to [1, k], b to [k, 1])
 * and the promoted axis removed from the result; batch axes broadcast. */
static cc_status matmul_geom(cc_graph *g, cc_node *n, rt_matmul_params *p, int *rank,
                             int64_t *shape, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[1];
    /* the floating types, and the integers the spec allows (exact, with
     * wrap-around: rt_matmul_any_forward) */
    for (int i = 0; i < 2; i++) {
        const int t = n->in[i]->dtype;
        if (cc_dtype_is_float(t) || t == CC_DT_INT32 || t == CC_DT_INT64 ||
            t == CC_DT_UINT32 || t == CC_DT_UINT64)
            continue;
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "MatMul takes floating types and (u)int32/64", n->in[i]->name,
                            cc_dtype_name(t));
    }
    if (a->rank < 1 || b->rank < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "operands must have rank 1 or more");
    int64_t m = a->rank >= 2 ? a->shape[a->rank - 2] : 1, k = a->shape[a->rank - 1];
    int64_t kb = b->rank >= 2 ? b->shape[b->rank - 2] : b->shape[0];
    int64_t nn = b->rank >= 2 ? b->shape[b->rank - 1] : 1;
    if (k != kb)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "inner dimensions differ: %lld and %lld",
                            (long long)k, (long long)kb);
    int ab = a->rank > 2 ? a->rank - 2 : 0, bb = b->rank > 2 ? b->rank - 2 : 0;
    int nb = ab > bb ? ab : bb;
    memset(p, 0, sizeof *p);
    p->batch_ndim = nb;
    p->m = m;
    p->n = nn;
    p->k = k;
    int64_t sa = m * k, sb = k * nn;
    for (int i = nb - 1; i >= 0; i--) {
        int ia = i - (nb - ab), ib = i - (nb - bb);
        int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "batch dimensions %lld and %lld do not "
                                "broadcast", (long long)da, (long long)db);
        p->batch[i] = da == 1 ? db : da;
        p->a_bstride[i] = da == 1 ? 0 : sa;
        p->b_bstride[i] = db == 1 ? 0 : sb;
        sa *= da;
        sb *= db;
    }
    int r = 0;
    for (int i = 0; i < nb; i++)
        shape[r++] = p->batch[i];
    if (a->rank >= 2)
        shape[r++] = m;
    if (b->rank >= 2)
        shape[r++] = nn;
    *rank = r;
    return CC_OK;
}

cc_status cc_infer_matmul(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_matmul_params p;
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = matmul_geom(g, n, &p, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_matmul(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_call *c = cc_calls_add(out, CC_K_MATMUL);
    if (!c)
        return cc_oom(g, d);
    cc_status st = matmul_geom(g, n, &c->p.mm, &rank, shape, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

/* ------------------------------------------------------------ norms */

/* x viewed as [n, c, size]; every other input must be a vector of c. */
static cc_status channel_check(cc_graph *g, cc_node *n, int nparams, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_float(g, n, x, d);
    if (st)
        return st;
    if (x->rank < 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' needs rank 2 or more",
                            x->name);
    for (int k = 1; k <= nparams; k++) {
        const cc_tensor *t = n->in[k];
        st = need_float(g, n, t, d);
        if (st)
            return st;
        if (t->rank != 1 || t->shape[0] != x->shape[1])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "'%.200s' must have shape [%lld]",
                                t->name, (long long)x->shape[1]);
    }
    cc_set_shape(n->out[0], x->dtype, x->rank, x->shape);
    return CC_OK;
}

static void norm_params(rt_norm_params *p, const cc_node *n)
{
    const cc_tensor *x = n->in[0];
    p->n = x->shape[0];
    p->c = x->shape[1];
    p->size = 1;
    for (int i = 2; i < x->rank; i++)
        p->size *= x->shape[i];
    p->eps = cc_attr_float(n, "epsilon", 1e-5f);
}

cc_status cc_infer_batchnorm(cc_graph *g, cc_node *n, cc_diag *d)
{
    if (cc_attr_int(n, "training_mode", 0) != 0)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "training_mode=1 is not supported "
                            "(inference only)");
    if (g->opset < 9 && cc_attr_int(n, "spatial", 1) != 1)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "spatial=0 is not supported");
    for (int k = 1; k < n->nout; k++)
        if (n->out[k])
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "the training outputs (mean, var, "
                                "saved statistics) are not supported");
    return channel_check(g, n, 4, d);
}

cc_status cc_lower_batchnorm(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_BATCHNORM);
    if (!c)
        return cc_oom(g, d);
    norm_params(&c->p.norm, n);
    c->args[0] = n->out[0];
    for (int k = 0; k < 5; k++)
        c->args[1 + k] = n->in[k];
    return CC_OK;
}

cc_status cc_infer_instancenorm(cc_graph *g, cc_node *n, cc_diag *d)
{
    return channel_check(g, n, 2, d);
}

cc_status cc_lower_instancenorm(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_INSTNORM);
    if (!c)
        return cc_oom(g, d);
    norm_params(&c->p.norm, n);
    c->args[0] = n->out[0];
    for (int k = 0; k < 3; k++)
        c->args[1 + k] = n->in[k];
    return CC_OK;
}

cc_status cc_infer_lrn(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_attr *size = cc_attr_get(n, "size");
    if (!size || size->type != CC_AT_INT || size->i < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute size must be a positive integer");
    return channel_check(g, n, 0, d);
}

cc_status cc_lower_lrn(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_LRN);
    if (!c)
        return cc_oom(g, d);
    rt_norm_params np;
    norm_params(&np, n);
    c->p.lrn.n = np.n;
    c->p.lrn.c = np.c;
    c->p.lrn.size = np.size;
    c->p.lrn.window = cc_attr_int(n, "size", 1);
    c->p.lrn.alpha = cc_attr_float(n, "alpha", 1e-4f);
    c->p.lrn.beta = cc_attr_float(n, "beta", 0.75f);
    c->p.lrn.bias = cc_attr_float(n, "bias", 1.0f);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ softmax */

/* Before opset 13 the input is coerced to 2-D at axis (default 1); from 13
 * the op works along one axis (default -1). */
cc_status cc_softmax_geom(cc_graph *g, cc_node *n, rt_softmax_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_float(g, n, x, d);
    if (st)
        return st;
    int legacy = g->opset < 13;
    int64_t axis = cc_attr_int(n, "axis", legacy ? 1 : -1);
    int r = x->rank;
    int a = (legacy && axis == r) ? r : cc_axis(axis, r);
    if (x->rank == 0 || a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)axis, r);
    p->outer = 1;
    p->len = 1;
    p->inner = 1;
    for (int i = 0; i < r; i++) {
        if (i < a)
            p->outer *= x->shape[i];
        else if (legacy || i == a)
            p->len *= x->shape[i];
        else
            p->inner *= x->shape[i];
    }
    p->log = strcmp(n->op->name, "LogSoftmax") == 0;
    return CC_OK;
}

cc_status cc_infer_softmax(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_softmax_params p;
    cc_status st = cc_softmax_geom(g, n, &p, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

cc_status cc_lower_softmax(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_SOFTMAX);
    if (!c)
        return cc_oom(g, d);
    cc_status st = cc_softmax_geom(g, n, &c->p.sm, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ reductions */

/* Axes from the attribute or (ReduceSum from opset 13) the constant second
 * input; none means all unless noop_with_empty_axes. Fills the mask and
 * returns the output shape. */
static cc_status reduce_geom(cc_graph *g, cc_node *n, rt_reduce_params *p, int *rank,
                             int64_t *shape, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    /* other types than float32 run rt_ewise_reduce (cc_calls_retype) */
    cc_status st = cc_need_numeric(g, n, x, d);
    if (st)
        return st;
    const int64_t *axes = NULL;
    int naxes = -1;
    if (n->nin > 1 && n->in[1]) {
        naxes = cc_const_ints(n->in[1], &axes);
        if (naxes < 0 && !n->in[1]->data)
            return cc_need_const(d, g, n, n->in[1], "axes");
        if (naxes < 0)
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "axes '%.200s' must be a "
                                "compile-time constant int64 tensor", n->in[1]->name);
    } else {
        naxes = cc_attr_ints(n, "axes", &axes);
    }
    int noop = (int)cc_attr_int(n, "noop_with_empty_axes", 0);
    int keep = (int)cc_attr_int(n, "keepdims", 1);
    memset(p, 0, sizeof *p);
    static const struct {
        const char *name;
        rt_reduce_op op;
    } map[] = {{"ReduceSum", RT_RED_SUM}, {"ReduceMean", RT_RED_MEAN}, {"ReduceMax", RT_RED_MAX}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].name, n->op->name))
            p->op = map[i].op;
    p->ndim = x->rank;
    for (int i = 0; i < x->rank; i++)
        p->shape[i] = x->shape[i];
    if (naxes <= 0) {
        for (int i = 0; i < x->rank; i++)
            p->reduce[i] = !noop;
    } else {
        for (int i = 0; i < naxes; i++) {
            int a = cc_axis(axes[i], x->rank);
            if (a < 0 || p->reduce[a])
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range or "
                                    "repeated for rank %d", (long long)axes[i], x->rank);
            p->reduce[a] = 1;
        }
    }
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!p->reduce[i])
            shape[r++] = x->shape[i];
        else if (keep)
            shape[r++] = 1;
    }
    *rank = r;
    if (x->rank == 0) {
        /* a scalar: reduce as a one-element vector */
        p->ndim = 1;
        p->shape[0] = 1;
        p->reduce[0] = 1;
    }
    return CC_OK;
}

cc_status cc_infer_reduce(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_reduce_params p;
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = reduce_geom(g, n, &p, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_reduce(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_call *c = cc_calls_add(out, CC_K_REDUCE);
    if (!c)
        return cc_oom(g, d);
    cc_status st = reduce_geom(g, n, &c->p.red, &rank, shape, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}
