/*
 * fuse_quant.c - the QDQ fusion pass, called by cc_fuse for each live node.
 *
 * A model quantized in the QDQ layout keeps float ops between
 * DequantizeLinear and QuantizeLinear nodes. Executed as written, every
 * weight would be dequantized to float and every op would run in float. This
 * pass rewrites the patterns into integer kernels, so weights stay int8 in the
 * generated code and the arithmetic is int32:
 *
 *   DQ(xq) -> Conv(., DQ(wq const), [DQ(bq int32 const)]) [-> Relu] [-> Q]
 *       => QLinearConv(xq, ..., wq, ..., bq)  (ReLU fused; float output when
 *          no QuantizeLinear follows)
 *   DQ(aq) -> Gemm(., DQ(bq const), [DQ(int32 bias)]) / MatMul [-> Relu] [-> Q]
 *       => QLinearMatMul (Gemm's transposed weight transposed at compile time)
 *   DQ(q) -> MaxPool -> Q with the same scale and zero point
 *       => MaxPool on the integers (max commutes with the monotone DQ)
 *   DQ(q) -> Flatten / Reshape / Squeeze / Unsqueeze / Identity -> Q (same
 *       scale and zero point) => the view of the integers
 *
 * Conditions: the weight, its scale (and zero point) and the bias are
 * constants; a weight's scale is per tensor or per output channel; the bias
 * has zero point 0 and scale x_scale * w_scale[c] exactly (the int32 bias is
 * then exactly the accumulator's units); activations are per tensor. A
 * pattern that does not meet them is left as it is and runs in float through
 * the DequantizeLinear / QuantizeLinear kernels, which is slower but exact.
 *
 * The fused result rounds once, from the exact int32 accumulator (see
 * onnxcc_rt.h), where the QDQ graph as written rounds the float conv result
 * first; the two agree except when the float sum lands within its own
 * rounding error of a quantization tie.
 */
#include <string.h>

#include "ops.h"

static int is_live_op(const cc_node *n, const char *name)
{
    return n && !n->dead && strcmp(n->op->name, name) == 0;
}

/* The only live node reading t, NULL if none or several (or t is a graph
 * output). Uses the consumer counts cc_fuse keeps; the reader comes after
 * t's producer in node order, so the search starts there. */
static cc_node *sole_consumer(const cc_graph *g, const cc_tensor *t)
{
    cc_node *found = NULL;
    if (t->output_index >= 0 || t->nconsumers != 1)
        return NULL;
    for (int i = t->producer ? t->producer->index + 1 : 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->nin; k++) {
            if (n->in[k] != t)
                continue;
            if (found)
                return NULL;
            found = n;
        }
    }
    return found;
}

static const cc_tensor *opt(const cc_node *n, int k)
{
    return n->nin > k ? n->in[k] : NULL;
}

/* The DequantizeLinear producing t, if any. */
static cc_node *dq_of(const cc_tensor *t)
{
    cc_node *p = t ? t->producer : NULL;
    return is_live_op(p, "DequantizeLinear") ? p : NULL;
}

/* A per-tensor activation DQ/Q: int8/uint8 data, one scale, one zero point
 * (or none). */
static int per_tensor(const cc_node *q, int data_in)
{
    const cc_tensor *x = data_in ? q->in[0] : q->out[0];
    const cc_tensor *z = opt(q, 2);
    if (x->dtype != CC_DT_UINT8 && x->dtype != CC_DT_INT8)
        return 0;
    return cc_numel(q->in[1]) == 1 && q->in[1]->dtype == CC_DT_FLOAT &&
           (!z || cc_numel(z) == 1);
}

/* Value of a one-element constant as int64 (float, int8, uint8, int32). */
static int const_value(const cc_tensor *t, double *v)
{
    if (!t) {
        *v = 0;
        return 1;
    }
    if (!t->data || cc_numel(t) != 1)
        return 0;
    switch (t->dtype) {
    case CC_DT_FLOAT: *v = *(const float *)t->data; return 1;
    case CC_DT_INT8: *v = *(const int8_t *)t->data; return 1;
    case CC_DT_UINT8: *v = *(const uint8_t *)t->data; return 1;
    case CC_DT_INT32: *v = *(const int32_t *)t->data; return 1;
    default: return 0;
    }
}

/* True when the DQ feeding a data-movement op and the Q after it use the
 * same constant scale and zero point (and type): then the op can move the
 * integers. */
static int same_qparams(const cc_node *dq, const cc_node *q)
{
    double s1, s2, z1, z2;
    if (!per_tensor(dq, 1) || !per_tensor(q, 0) || dq->in[0]->dtype != q->out[0]->dtype)
        return 0;
    if (!const_value(dq->in[1], &s1) || !const_value(q->in[1], &s2) ||
        !const_value(opt(dq, 2), &z1) || !const_value(opt(q, 2), &z2))
        return 0;
    return s1 == s2 && z1 == z2;
}

/* The weight side: DQ of a constant int8/uint8 tensor whose scale (and zero
 * point) are constant, per tensor or per channel along `axis` of length m. */
static int weight_dq(const cc_node *dw, int axis, int64_t m)
{
    const cc_tensor *w = dw->in[0], *s = dw->in[1], *z = opt(dw, 2);
    if (!w->data || !s->data || (z && !z->data) || s->dtype != CC_DT_FLOAT)
        return 0;
    if (w->dtype != CC_DT_INT8 && w->dtype != CC_DT_UINT8)
        return 0;
    int64_t k = cc_numel(s);
    if (z && cc_numel(z) != k)
        return 0;
    if (k == 1)
        return 1;
    int a = cc_axis(cc_attr_int(dw, "axis", 1), w->rank);
    return a == axis && k == m;
}

/* The bias side: DQ of a constant int32 vector of m values with zero point
 * 0 and scale exactly sx * sw[c] (float32 products). */
static int bias_dq(const cc_node *db, const cc_tensor *sx, const cc_tensor *sw, int64_t m)
{
    const cc_tensor *b = db->in[0], *s = db->in[1], *z = opt(db, 2);
    double x;
    if (!b->data || b->dtype != CC_DT_INT32 || cc_numel(b) != m || b->rank != 1)
        return 0;
    if (!s->data || s->dtype != CC_DT_FLOAT || !sx->data || !sw->data)
        return 0;
    if (!const_value(sx, &x))
        return 0;
    if (z) {
        if (!z->data || z->dtype != CC_DT_INT32)
            return 0;
        for (int64_t i = 0; i < cc_numel(z); i++)
            if (((const int32_t *)z->data)[i])
                return 0;
    }
    int64_t ks = cc_numel(s), kw = cc_numel(sw);
    for (int64_t c = 0; c < m; c++) {
        const float want = (float)x * ((const float *)sw->data)[kw == 1 ? 0 : c];
        if (((const float *)s->data)[ks == 1 ? 0 : c] != want)
            return 0;
    }
    return 1;
}

static const char *join(cc_graph *g, const char *a, const char *b)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s%s%s", a ? a : "", a && *a ? "+" : "", b);
    return cc_strdup(g->ctx, buf);
}

/* After a Conv / MatMul / Gemm n: an optional Relu, then an optional
 * per-tensor QuantizeLinear. Sets *relu, *q (or NULL) and returns the tensor
 * the fused node will write. */
static cc_tensor *epilogue(cc_graph *g, cc_node *n, cc_node **relu, cc_node **q)
{
    cc_tensor *y = n->out[0];
    cc_node *c = sole_consumer(g, y);
    *relu = NULL;
    *q = NULL;
    if (is_live_op(c, "Relu")) {
        *relu = c;
        y = c->out[0];
        c = sole_consumer(g, y);
    }
    if (is_live_op(c, "QuantizeLinear") && c->in[0] == y && per_tensor(c, 0)) {
        *q = c;
        y = c->out[0];
    }
    return y;
}

/* Points n at its new inputs and output, marks the absorbed nodes dead. */
static int rewrite(cc_graph *g, cc_node *n, const char *op, cc_tensor *const *in, int nin,
                   cc_tensor *y, cc_node *relu, cc_node *q, const char *what)
{
    cc_tensor **v = cc_alloc_array(g->ctx, (size_t)nin, sizeof *v);
    const cc_opdef *def = cc_op_find(op, g->opset < 10 ? 10 : g->opset);
    if (!v || !def)
        return -1;
    memcpy(v, in, (size_t)nin * sizeof *v);
    n->op = def;
    n->in = v;
    n->nin = nin;
    n->out[0] = y;
    y->producer = n;
    n->act = relu ? RT_UN_RELU : RT_UN_NONE;
    const char *f = join(g, "DequantizeLinear", what);
    if (relu) {
        relu->dead = 1;
        f = join(g, f, "Relu");
    }
    if (q) {
        q->dead = 1;
        f = join(g, f, "QuantizeLinear");
    }
    n->fused = f;
    return f ? 1 : -1;
}

static int fuse_conv(cc_graph *g, cc_node *n)
{
    if (n->act != RT_UN_NONE || n->nin > 3)
        return 0;
    cc_node *dx = dq_of(n->in[0]), *dw = dq_of(n->in[1]);
    const cc_tensor *b = opt(n, 2);
    cc_node *db = b ? dq_of(b) : NULL;
    if (!dx || !dw || (b && !db) || !per_tensor(dx, 1))
        return 0;
    const int64_t m = dw->in[0]->shape[0];
    if (!weight_dq(dw, 0, m) || (db && !bias_dq(db, dx->in[1], dw->in[1], m)))
        return 0;
    cc_node *relu, *q;
    cc_tensor *y = epilogue(g, n, &relu, &q);
    cc_tensor *in[9] = {dx->in[0], dx->in[1], (cc_tensor *)opt(dx, 2), dw->in[0], dw->in[1],
                        (cc_tensor *)opt(dw, 2), q ? q->in[1] : NULL,
                        q ? (cc_tensor *)opt(q, 2) : NULL, db ? db->in[0] : NULL};
    return rewrite(g, n, "QLinearConv", in, 9, y, relu, q, "Conv");
}

/* A [k, n] copy of the [n, k] int8/uint8 constant w (Gemm's transB). */
static cc_tensor *transposed(cc_graph *g, const cc_tensor *w)
{
    cc_tensor *t = cc_tensor_new(g, NULL);
    if (!t)
        return NULL;
    char buf[96];
    snprintf(buf, sizeof buf, "%.60s_t", w->name);
    t->name = cc_strdup(g->ctx, buf);
    const int64_t rows = w->shape[0], cols = w->shape[1];
    const int64_t shape[2] = {cols, rows};
    cc_set_shape(t, w->dtype, 2, shape);
    t->is_initializer = 1;
    uint8_t *dst = cc_alloc(g->ctx, (size_t)(rows * cols) + 1);
    if (!t->name || !dst)
        return NULL;
    const uint8_t *src = w->data;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            dst[c * rows + r] = src[r * cols + c];
    t->data = dst;
    return t;
}

static int fuse_matmul(cc_graph *g, cc_node *n, int gemm)
{
    if (n->act != RT_UN_NONE)
        return 0;
    cc_node *da = dq_of(n->in[0]), *dw = dq_of(n->in[1]);
    const cc_tensor *b = gemm ? opt(n, 2) : NULL;
    cc_node *db = b ? dq_of(b) : NULL;
    if (!da || !dw || (b && !db) || !per_tensor(da, 1))
        return 0;
    const cc_tensor *w = dw->in[0];
    int trans_b = 0;
    if (gemm) {
        if (cc_attr_int(n, "transA", 0) || cc_attr_float(n, "alpha", 1.0f) != 1.0f ||
            cc_attr_float(n, "beta", 1.0f) != 1.0f || w->rank != 2 || n->in[0]->rank != 2)
            return 0;
        trans_b = cc_attr_int(n, "transB", 0) != 0;
    } else if (w->rank != 2) {
        return 0;   /* a batched weight has no single column axis */
    }
    const int64_t cols = trans_b ? w->shape[0] : w->shape[1];
    if (!weight_dq(dw, trans_b ? 0 : 1, cols) || (db && !bias_dq(db, da->in[1], dw->in[1], cols)))
        return 0;
    cc_tensor *wk = trans_b ? transposed(g, w) : (cc_tensor *)w;
    if (!wk)
        return -1;
    cc_node *relu, *q;
    cc_tensor *y = epilogue(g, n, &relu, &q);
    cc_tensor *in[9] = {da->in[0], da->in[1], (cc_tensor *)opt(da, 2), wk, dw->in[1],
                        (cc_tensor *)opt(dw, 2), q ? q->in[1] : NULL,
                        q ? (cc_tensor *)opt(q, 2) : NULL, db ? db->in[0] : NULL};
    return rewrite(g, n, "QLinearMatMul", in, db ? 9 : 8, y, relu, q, n->op->name);
}

/* DQ -> op -> Q with one scale and zero point, for ops that commute with
 * the dequantization (MaxPool; views). */
static int fuse_passthrough(cc_graph *g, cc_node *n, int pool)
{
    cc_node *dq = dq_of(n->in[0]);
    if (!dq || (pool && n->act != RT_UN_NONE))
        return 0;
    for (int k = 1; k < n->nout; k++)
        if (n->out[k])
            return 0;   /* MaxPool's Indices */
    cc_node *q = sole_consumer(g, n->out[0]);
    if (!is_live_op(q, "QuantizeLinear") || !same_qparams(dq, q))
        return 0;
    n->in[0] = dq->in[0];
    n->out[0] = q->out[0];
    q->out[0]->producer = n;
    q->dead = 1;
    if (pool)
        n->op = cc_quant_maxpool_op();
    n->fused = join(g, "DequantizeLinear", "QuantizeLinear");
    return n->fused ? 1 : -1;
}

int cc_fuse_quant(cc_graph *g, cc_node *n)
{
    if (is_live_op(n, "Conv"))
        return fuse_conv(g, n);
    if (is_live_op(n, "Gemm"))
        return fuse_matmul(g, n, 1);
    if (is_live_op(n, "MatMul"))
        return fuse_matmul(g, n, 0);
    if (is_live_op(n, "MaxPool"))
        return fuse_passthrough(g, n, 1);
    if (is_live_op(n, "Flatten") || is_live_op(n, "Reshape") || is_live_op(n, "Squeeze") ||
        is_live_op(n, "Unsqueeze") || is_live_op(n, "Identity"))
        return fuse_passthrough(g, n, 0);
    return 0;
}
