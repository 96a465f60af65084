/*
 * ops_quant.c - linear quantization ops, computed by runtime/quant.c:
 * QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, ConvInteger,
 * MatMulInteger, QLinearConv, QLinearMatMul, and the internal QMaxPool that
 * the QDQ fusion (fuse_quant.c) leaves behind.
 *
 * The convolution and matrix-product geometry (pads, strides, groups,
 * broadcast batches) is the float ops' own: it is worked out by running
 * Conv's, MaxPool's and MatMul's infer and lower functions on a shadow node
 * whose tensors have the same shapes but type float32, so the quantized ops
 * accept exactly the attributes and shapes their float versions accept.
 *
 * QLinearConv and QLinearMatMul nodes made by the fusion may have a float
 * output (y_scale and y_zero_point absent: the dequantized result, for a
 * pattern that ends in float) and a fused ReLU (n->act); QLinearMatMul may
 * then also carry an int32 bias as a ninth input. Nodes from a model file
 * always have y_scale.
 */
#include <string.h>

#include "ops.h"

static int is_q8(int dt)
{
    return dt == CC_DT_UINT8 || dt == CC_DT_INT8;
}

static rt_qtype qtype_of(int dt)
{
    switch (dt) {
    case CC_DT_INT8: return RT_QT_I8;
    case CC_DT_INT32: return RT_QT_I32;
    case CC_DT_FLOAT: return RT_QT_F32;
    default: return RT_QT_U8;
    }
}

static const cc_tensor *opt_in(const cc_node *n, int k)
{
    return n->nin > k ? n->in[k] : NULL;
}

static cc_status need_type(cc_graph *g, cc_node *n, const cc_tensor *t, int ok, const char *what,
                           cc_diag *d)
{
    if (!ok)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s takes %s here", t->name, cc_dtype_name(t->dtype), n->op->name,
                            what);
    return CC_OK;
}

/* A scale (float) and its optional zero point: both one value, or both
 * `count` values (count 0: only one value allowed). The zero point must have
 * element type zero_type; *per is set to 1 for `count` (> 1) values. */
static cc_status scale_zp(cc_graph *g, cc_node *n, const cc_tensor *s, const cc_tensor *z,
                          int64_t count, int zero_type, int *per, cc_diag *d)
{
    cc_status st = need_type(g, n, s, s->dtype == CC_DT_FLOAT, "a float32 scale", d);
    if (st)
        return st;
    int64_t k = cc_numel(s);
    if (s->rank > 1 || (k != 1 && (count <= 0 || k != count)))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "scale '%.200s' has %lld values; %s "
                            "takes one%s", s->name, (long long)k, n->op->name,
                            count > 0 ? " or one per channel" : "");
    *per = k != 1;
    if (z) {
        if (zero_type && z->dtype != zero_type)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "zero point '%.200s' has element type "
                                "%s, its data %s", z->name, cc_dtype_name(z->dtype),
                                cc_dtype_name(zero_type));
        if (cc_numel(z) != k || z->rank > 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "zero point '%.200s' must have the "
                                "scale's shape (%lld values)", z->name, (long long)k);
    }
    return CC_OK;
}

/* The [outer, len, inner] view of x for (de)quantization along axis. */
static cc_status quant_view(cc_graph *g, cc_node *n, const cc_tensor *x, const cc_tensor *s,
                            const cc_tensor *z, int zero_type, rt_quant_params *p, cc_diag *d)
{
    int axis = 0;
    int64_t count = 0;
    if (x->rank > 0 && g->opset >= 13) {
        axis = cc_axis(cc_attr_int(n, "axis", 1), x->rank);
        if (axis < 0 && s->rank == 1 && cc_numel(s) != 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                                (long long)cc_attr_int(n, "axis", 1), x->rank);
        if (axis >= 0 && s->rank == 1)
            count = x->shape[axis];
    }
    int per = 0;
    cc_status st = scale_zp(g, n, s, z, count, zero_type, &per, d);
    if (st)
        return st;
    memset(p, 0, sizeof *p);
    p->outer = 1;
    p->len = 1;
    p->inner = 1;
    for (int i = 0; i < x->rank; i++) {
        if (per && i < axis)
            p->outer *= x->shape[i];
        else if (per && i == axis)
            p->len = x->shape[i];
        else
            p->inner *= x->shape[i];
    }
    if (!per) {
        p->inner = cc_numel(x);
    }
    p->per_axis = per;
    return CC_OK;
}

/* ------------------------------------------------------------ QuantizeLinear */

cc_status cc_infer_quantize(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *s = n->in[1], *z = opt_in(n, 2);
    /* int32 x: rt_quantize_linear_i32 (cc_calls_retype; types4) */
    cc_status st = need_type(g, n, x, x->dtype == CC_DT_FLOAT || x->dtype == CC_DT_INT32,
                             "float32 or int32", d);
    if (st)
        return st;
    int yt = z ? z->dtype : CC_DT_UINT8;
    if (!is_q8(yt))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "zero point '%.200s' has element type "
                            "%s; QuantizeLinear produces int8 or uint8", z->name,
                            cc_dtype_name(yt));
    rt_quant_params p;
    if ((st = quant_view(g, n, x, s, z, yt, &p, d)))
        return st;
    cc_set_shape(n->out[0], yt, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_quantize(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_QUANTIZE);
    if (!c)
        return cc_oom(g, d);
    cc_status st = quant_view(g, n, n->in[0], n->in[1], opt_in(n, 2), n->out[0]->dtype,
                              &c->p.quant, d);
    if (st)
        return st;
    c->p.quant.type = qtype_of(n->out[0]->dtype);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    c->args[3] = (cc_tensor *)opt_in(n, 2);
    return CC_OK;
}

/* ------------------------------------------------------------ DequantizeLinear */

cc_status cc_infer_dequantize(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *s = n->in[1], *z = opt_in(n, 2);
    cc_status st = need_type(g, n, x, is_q8(x->dtype) || x->dtype == CC_DT_INT32,
                             "int8, uint8 or int32", d);
    if (st)
        return st;
    rt_quant_params p;
    if ((st = quant_view(g, n, x, s, z, x->dtype, &p, d)))
        return st;
    cc_set_shape(n->out[0], CC_DT_FLOAT, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_dequantize(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_DEQUANTIZE);
    if (!c)
        return cc_oom(g, d);
    cc_status st = quant_view(g, n, n->in[0], n->in[1], opt_in(n, 2), n->in[0]->dtype,
                              &c->p.quant, d);
    if (st)
        return st;
    c->p.quant.type = qtype_of(n->in[0]->dtype);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    c->args[3] = (cc_tensor *)opt_in(n, 2);
    return CC_OK;
}

int cc_quant_keep(const cc_node *n)
{
    /* a DequantizeLinear of a constant stays a node: folding it would turn
     * int8 weights into float ones before the QDQ fusion can use them */
    return strcmp(n->op->name, "DequantizeLinear") == 0;
}

/* ------------------------------------------------------------ DynamicQuantizeLinear */

cc_status cc_infer_dynquant(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_type(g, n, x, x->dtype == CC_DT_FLOAT, "float32", d);
    if (st)
        return st;
    if (n->nout != 3 || !n->out[0] || !n->out[1] || !n->out[2])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "DynamicQuantizeLinear has three outputs");
    cc_set_shape(n->out[0], CC_DT_UINT8, x->rank, x->shape);
    cc_set_shape(n->out[1], CC_DT_FLOAT, 0, NULL);
    cc_set_shape(n->out[2], CC_DT_UINT8, 0, NULL);
    return CC_OK;
}

cc_status cc_lower_dynquant(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_DYNQUANT);
    if (!c)
        return cc_oom(g, d);
    c->p.dynq.n = cc_numel(n->in[0]);
    c->args[0] = n->out[0];
    c->args[1] = n->out[1];
    c->args[2] = n->out[2];
    c->args[3] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ convolution */

/* Conv's geometry for x and w (the float op's checks and rules, run on a
 * float32 shadow of n), its output shape into y's shape. */
static cc_status conv_geom(cc_graph *g, cc_node *n, const cc_tensor *x, const cc_tensor *w,
                           rt_conv_params *p, int *rank, int64_t *shape, cc_diag *d)
{
    cc_tensor fx = *x, fw = *w, fy;
    memset(&fy, 0, sizeof fy);
    fy.name = n->out[0]->name;
    fx.dtype = fw.dtype = CC_DT_FLOAT;
    fx.data = fw.data = NULL;
    cc_tensor *ins[2] = {&fx, &fw}, *outs[1] = {&fy};
    cc_node fn = *n;
    fn.in = ins;
    fn.nin = 2;
    fn.out = outs;
    fn.nout = 1;
    fn.act = RT_UN_NONE;
    cc_status st = cc_infer_conv(g, &fn, d);
    if (st)
        return st;
    cc_calls calls = {g->ctx, 0, 0, NULL};
    if ((st = cc_lower_conv(g, &fn, &calls, d)))
        return st;
    *p = calls.v[calls.n - 1].p.conv;
    *rank = fy.rank;
    memcpy(shape, fy.shape, sizeof fy.shape);
    return CC_OK;
}

/* The quantized convolution parameters shared by ConvInteger and
 * QLinearConv; w_zp and w_scale (either may be NULL) are per tensor or per
 * output channel. */
static cc_status qconv_params(cc_graph *g, cc_node *n, const cc_tensor *x, const cc_tensor *w,
                              const cc_tensor *ws, const cc_tensor *wz, rt_qconv_params *q,
                              int *rank, int64_t *shape, cc_diag *d)
{
    cc_status st = need_type(g, n, x, is_q8(x->dtype), "int8 or uint8", d);
    if (!st)
        st = need_type(g, n, w, is_q8(w->dtype), "int8 or uint8", d);
    if (st)
        return st;
    rt_conv_params p;
    if ((st = conv_geom(g, n, x, w, &p, rank, shape, d)))
        return st;
    memset(q, 0, sizeof *q);
    q->n = p.n;
    q->c = p.c;
    q->m = p.m;
    q->group = p.group;
    memcpy(q->in, p.in, sizeof p.in);
    memcpy(q->out, p.out, sizeof p.out);
    memcpy(q->k, p.k, sizeof p.k);
    memcpy(q->stride, p.stride, sizeof p.stride);
    memcpy(q->pad, p.pad, sizeof p.pad);
    memcpy(q->dilation, p.dilation, sizeof p.dilation);
    q->xtype = qtype_of(x->dtype);
    q->wtype = qtype_of(w->dtype);
    int64_t ks = ws ? cc_numel(ws) : 1, kz = wz ? cc_numel(wz) : 1;
    if ((ks != 1 && ks != p.m) || (kz != 1 && kz != p.m))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "the weight's scale and zero point must have "
                            "one value or one per output channel (%d)", p.m);
    if (ws && wz && ks != kz && p.m != 1)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "a per-channel weight scale with a "
                            "per-tensor zero point (or the reverse) is not supported");
    q->w_per_channel = (ks != 1 || kz != 1) && p.m != 1;
    if (wz && wz->dtype != w->dtype)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "zero point '%.200s' has element type %s, "
                            "the weight %s", wz->name, cc_dtype_name(wz->dtype),
                            cc_dtype_name(w->dtype));
    if (ws && ws->dtype != CC_DT_FLOAT)
        return need_type(g, n, ws, 0, "a float32 scale", d);
    return CC_OK;
}

/* A scalar (one-value) quantization parameter of the given types. */
static cc_status scalar_param(cc_graph *g, cc_node *n, const cc_tensor *t, int dtype,
                              const char *what, cc_diag *d)
{
    if (!t)
        return CC_OK;
    if (t->dtype != dtype)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "%s '%.200s' has element type %s, not %s",
                            what, t->name, cc_dtype_name(t->dtype), cc_dtype_name(dtype));
    if (cc_numel(t) != 1 || t->rank > 1)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' must be one value", what,
                            t->name);
    return CC_OK;
}

cc_status cc_infer_conv_integer(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *w = n->in[1];
    rt_qconv_params q;
    int rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qconv_params(g, n, x, w, NULL, opt_in(n, 3), &q, &rank, shape, d);
    if (!st)
        st = scalar_param(g, n, opt_in(n, 2), x->dtype, "x_zero_point", d);
    if (st)
        return st;
    cc_set_shape(n->out[0], CC_DT_INT32, rank, shape);
    return CC_OK;
}

cc_status cc_lower_conv_integer(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_CONV_INT);
    if (!c)
        return cc_oom(g, d);
    int rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qconv_params(g, n, n->in[0], n->in[1], NULL, opt_in(n, 3), &c->p.qconv, &rank,
                                shape, d);
    if (st)
        return st;
    c->p.qconv.ytype = RT_QT_I32;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = (cc_tensor *)opt_in(n, 2);
    c->args[3] = n->in[1];
    c->args[4] = (cc_tensor *)opt_in(n, 3);
    return CC_OK;
}

/* QLinearConv inputs: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B. */
static cc_status qlinear_conv(cc_graph *g, cc_node *n, rt_qconv_params *q, int *rank,
                              int64_t *shape, int *yt, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *w = n->in[3], *ys = opt_in(n, 6), *yz = opt_in(n, 7);
    const cc_tensor *b = opt_in(n, 8);
    cc_status st = qconv_params(g, n, x, w, n->in[4], opt_in(n, 5), q, rank, shape, d);
    if (!st)
        st = scalar_param(g, n, n->in[1], CC_DT_FLOAT, "x_scale", d);
    if (!st)
        st = scalar_param(g, n, opt_in(n, 2), x->dtype, "x_zero_point", d);
    if (st)
        return st;
    if (!ys && !n->fused)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "QLinearConv needs y_scale");
    *yt = ys ? (yz ? yz->dtype : CC_DT_UINT8) : CC_DT_FLOAT;
    if (ys && (st = scalar_param(g, n, ys, CC_DT_FLOAT, "y_scale", d)))
        return st;
    if (yz && !is_q8(yz->dtype))
        return need_type(g, n, yz, 0, "an int8 or uint8 y_zero_point", d);
    if (yz && (st = scalar_param(g, n, yz, yz->dtype, "y_zero_point", d)))
        return st;
    if (b && (b->dtype != CC_DT_INT32 || b->rank != 1 || b->shape[0] != q->m))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "bias '%.200s' must be int32 of shape [%d]",
                            b->name, q->m);
    if (n->act != RT_UN_NONE && n->act != RT_UN_RELU)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "only ReLU fuses into QLinearConv");
    q->ytype = qtype_of(*yt);
    q->relu = n->act == RT_UN_RELU;
    return CC_OK;
}

cc_status cc_infer_qlinear_conv(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_qconv_params q;
    int rank, yt = 0;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qlinear_conv(g, n, &q, &rank, shape, &yt, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], yt, rank, shape);
    return CC_OK;
}

cc_status cc_lower_qlinear_conv(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_QCONV);
    if (!c)
        return cc_oom(g, d);
    int rank, yt;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qlinear_conv(g, n, &c->p.qconv, &rank, shape, &yt, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    for (int k = 0; k < 9; k++)
        c->args[1 + k] = (cc_tensor *)opt_in(n, k);
    return CC_OK;
}

/* ------------------------------------------------------------ matrix products */

/* MatMul's geometry for a and b (on a float32 shadow of n). */
static cc_status matmul_geom(cc_graph *g, cc_node *n, const cc_tensor *a, const cc_tensor *b,
                             rt_qmatmul_params *q, int *rank, int64_t *shape, cc_diag *d)
{
    cc_status st = need_type(g, n, a, is_q8(a->dtype), "int8 or uint8", d);
    if (!st)
        st = need_type(g, n, b, is_q8(b->dtype), "int8 or uint8", d);
    if (st)
        return st;
    cc_tensor fa = *a, fb = *b, fy;
    memset(&fy, 0, sizeof fy);
    fy.name = n->out[0]->name;
    fa.dtype = fb.dtype = CC_DT_FLOAT;
    fa.data = fb.data = NULL;
    cc_tensor *ins[2] = {&fa, &fb}, *outs[1] = {&fy};
    cc_node fn = *n;
    fn.in = ins;
    fn.nin = 2;
    fn.out = outs;
    fn.nout = 1;
    if ((st = cc_infer_matmul(g, &fn, d)))
        return st;
    cc_calls calls = {g->ctx, 0, 0, NULL};
    if ((st = cc_lower_matmul(g, &fn, &calls, d)))
        return st;
    const rt_matmul_params *p = &calls.v[calls.n - 1].p.mm;
    memset(q, 0, sizeof *q);
    q->batch_ndim = p->batch_ndim;
    memcpy(q->batch, p->batch, sizeof p->batch);
    memcpy(q->a_bstride, p->a_bstride, sizeof p->a_bstride);
    memcpy(q->b_bstride, p->b_bstride, sizeof p->b_bstride);
    q->m = p->m;
    q->n = p->n;
    q->k = p->k;
    q->atype = qtype_of(a->dtype);
    q->btype = qtype_of(b->dtype);
    *rank = fy.rank;
    memcpy(shape, fy.shape, sizeof fy.shape);
    return CC_OK;
}

/* A per-row (a) or per-column (b) parameter: one value, or `count`. */
static cc_status vec_param(cc_graph *g, cc_node *n, const cc_tensor *t, int dtype, int64_t count,
                           const char *what, int *per, cc_diag *d)
{
    if (!t)
        return CC_OK;
    if (t->dtype != dtype)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "%s '%.200s' has element type %s, not %s",
                            what, t->name, cc_dtype_name(t->dtype), cc_dtype_name(dtype));
    int64_t k = cc_numel(t);
    if (t->rank > 1 || (k != 1 && k != count))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' must have one value or "
                            "%lld", what, t->name, (long long)count);
    if (k != 1)
        *per = 1;
    return CC_OK;
}

cc_status cc_infer_matmul_integer(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_qmatmul_params q;
    int rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = matmul_geom(g, n, n->in[0], n->in[1], &q, &rank, shape, d);
    if (!st)
        st = vec_param(g, n, opt_in(n, 2), n->in[0]->dtype, q.m, "a_zero_point", &q.a_per_row, d);
    if (!st)
        st = vec_param(g, n, opt_in(n, 3), n->in[1]->dtype, q.n, "b_zero_point", &q.b_per_col, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], CC_DT_INT32, rank, shape);
    return CC_OK;
}

cc_status cc_lower_matmul_integer(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_MATMUL_INT);
    if (!c)
        return cc_oom(g, d);
    rt_qmatmul_params *q = &c->p.qmm;
    int rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = matmul_geom(g, n, n->in[0], n->in[1], q, &rank, shape, d);
    if (!st)
        st = vec_param(g, n, opt_in(n, 2), n->in[0]->dtype, q->m, "a_zero_point", &q->a_per_row,
                       d);
    if (!st)
        st = vec_param(g, n, opt_in(n, 3), n->in[1]->dtype, q->n, "b_zero_point", &q->b_per_col,
                       d);
    if (st)
        return st;
    q->ytype = RT_QT_I32;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = (cc_tensor *)opt_in(n, 2);
    c->args[3] = n->in[1];
    c->args[4] = (cc_tensor *)opt_in(n, 3);
    return CC_OK;
}

/* QLinearMatMul inputs: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
 * (and a fused int32 bias of n values). */
static cc_status qlinear_matmul(cc_graph *g, cc_node *n, rt_qmatmul_params *q, int *rank,
                                int64_t *shape, int *yt, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[3], *ys = opt_in(n, 6), *yz = opt_in(n, 7);
    const cc_tensor *bias = opt_in(n, 8);
    cc_status st = matmul_geom(g, n, a, b, q, rank, shape, d);
    int per_s = 0, per_z = 0;
    if (!st)
        st = scalar_param(g, n, n->in[1], CC_DT_FLOAT, "a_scale", d);
    if (!st)
        st = scalar_param(g, n, opt_in(n, 2), a->dtype, "a_zero_point", d);
    if (!st)
        st = vec_param(g, n, n->in[4], CC_DT_FLOAT, q->n, "b_scale", &per_s, d);
    if (!st)
        st = vec_param(g, n, opt_in(n, 5), b->dtype, q->n, "b_zero_point", &per_z, d);
    if (st)
        return st;
    if (opt_in(n, 5) && per_s != per_z && q->n != 1)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "a per-column b_scale with a per-tensor "
                            "b_zero_point (or the reverse) is not supported");
    q->b_per_col = per_s || per_z;
    if (!ys && !n->fused)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "QLinearMatMul needs y_scale");
    *yt = ys ? (yz ? yz->dtype : CC_DT_UINT8) : CC_DT_FLOAT;
    if (ys && (st = scalar_param(g, n, ys, CC_DT_FLOAT, "y_scale", d)))
        return st;
    if (yz && !is_q8(yz->dtype))
        return need_type(g, n, yz, 0, "an int8 or uint8 y_zero_point", d);
    if (yz && (st = scalar_param(g, n, yz, yz->dtype, "y_zero_point", d)))
        return st;
    if (bias && (bias->dtype != CC_DT_INT32 || cc_numel(bias) != q->n))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "bias '%.200s' must be int32 of %lld values",
                            bias->name, (long long)q->n);
    if (n->act != RT_UN_NONE && n->act != RT_UN_RELU)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "only ReLU fuses into QLinearMatMul");
    q->ytype = qtype_of(*yt);
    q->relu = n->act == RT_UN_RELU;
    return CC_OK;
}

cc_status cc_infer_qlinear_matmul(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_qmatmul_params q;
    int rank, yt;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qlinear_matmul(g, n, &q, &rank, shape, &yt, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], yt, rank, shape);
    return CC_OK;
}

cc_status cc_lower_qlinear_matmul(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_QMATMUL);
    if (!c)
        return cc_oom(g, d);
    int rank, yt;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qlinear_matmul(g, n, &c->p.qmm, &rank, shape, &yt, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    for (int k = 0; k < 9; k++)
        c->args[1 + k] = (cc_tensor *)opt_in(n, k);
    return CC_OK;
}

/* ------------------------------------------------------------ QMaxPool (internal) */

/* MaxPool over int8 / uint8, left by the fusion of DequantizeLinear ->
 * MaxPool -> QuantizeLinear with one scale and zero point. */
static cc_status qmaxpool_geom(cc_graph *g, cc_node *n, rt_qpool_params *q, int *rank,
                               int64_t *shape, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_type(g, n, x, is_q8(x->dtype), "int8 or uint8", d);
    if (st)
        return st;
    cc_tensor fx = *x, fy;
    memset(&fy, 0, sizeof fy);
    fy.name = n->out[0]->name;
    fx.dtype = CC_DT_FLOAT;
    fx.data = NULL;
    cc_tensor *ins[1] = {&fx}, *outs[1] = {&fy};
    cc_node fn = *n;
    fn.in = ins;
    fn.nin = 1;
    fn.out = outs;
    fn.nout = 1;
    if ((st = cc_infer_maxpool(g, &fn, d)))
        return st;
    cc_calls calls = {g->ctx, 0, 0, NULL};
    if ((st = cc_lower_maxpool(g, &fn, &calls, d)))
        return st;
    q->pool = calls.v[calls.n - 1].p.pool;
    q->type = qtype_of(x->dtype);
    *rank = fy.rank;
    memcpy(shape, fy.shape, sizeof fy.shape);
    return CC_OK;
}

static cc_status infer_qmaxpool(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_qpool_params q;
    int rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qmaxpool_geom(g, n, &q, &rank, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, rank, shape);
    return CC_OK;
}

static cc_status lower_qmaxpool(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_QMAXPOOL);
    if (!c)
        return cc_oom(g, d);
    int rank;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = qmaxpool_geom(g, n, &c->p.qpool, &rank, shape, d);
    if (st)
        return st;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

static const cc_opdef qmaxpool_op = {"MaxPool", 1, CC_OPSET_MAX, 1, 1, 1, 1, infer_qmaxpool,
                                     lower_qmaxpool, 0, 0};

const cc_opdef *cc_quant_maxpool_op(void)
{
    return &qmaxpool_op;
}
