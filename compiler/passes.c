/*
 * passes.c - graph passes, each a standalone function over the graph:
 *   cc_infer  shape inference and constant folding, node by node;
 *   cc_fuse   BatchNormalization folded into Conv/Gemm weights, activations
 *             fused into the epilogue of their producer;
 *   cc_dce    dead-node elimination and consumer counts.
 */
#include <math.h>
#include <string.h>

#include "ops.h"

/* Element limit for any tensor the compiler creates (matches import). */
#define CC_MAX_NUMEL ((int64_t)1 << 31)

/* Evaluates a node whose inputs are all constant, with the same kernels
 * generated code would call, and stores the results as the outputs' data. */
static cc_status fold_node(cc_graph *g, cc_node *n, cc_diag *d)
{
    for (int k = 0; k < n->nout; k++) {
        cc_tensor *t = n->out[k];
        if (!t || t->data)
            continue;
        cc_status st = cc_alloc_const(g, n, cc_nbytes(t), &t->data, d);
        if (st)
            return st;
    }
    if (n->op->alias && n->out[0] && n->in[0]) {
        memcpy(n->out[0]->data, n->in[0]->data, (size_t)cc_nbytes(n->out[0]));
        return CC_OK;
    }
    cc_calls calls = {g->ctx, 0, 0, NULL};
    cc_status st = n->op->lower(g, n, &calls, d);
    if (!st)
        st = cc_calls_retype(g, n, &calls, 0, d);
    if (st)
        return st;
    for (int i = 0; i < calls.n; i++) {
        const cc_call *c = &calls.v[i];
        void *bufs[CC_CALL_MAX_ARGS] = {0};
        for (int a = 0; a < cc_kernel_nargs(c->k); a++)
            bufs[a] = c->args[a] ? c->args[a]->data : NULL;
        for (int a = 0; a < cc_kernel_nargs(c->k); a++) {
            cc_tensor *t = c->args[a];
            if (t && !t->data) { /* a temporary of cc_calls_retype */
                st = cc_alloc_const(g, n, cc_nbytes(t), &t->data, d);
                if (st)
                    return st;
                bufs[a] = t->data;
            }
        }
        cc_call_exec(c, bufs);
    }
    return CC_OK;
}

cc_status cc_infer(cc_graph *g, cc_diag *d)
{
    for (int i = 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        for (int k = 0; k < n->nin; k++) {
            cc_tensor *t = n->in[k];
            if (!t)
                continue;
            if (t->rank < 0)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' has no known shape",
                                    t->name);
        }
        cc_status st = n->op->infer(g, n, d);
        if (st)
            return st;
        int all_const = 1;
        for (int k = 0; k < n->nin; k++)
            if (n->in[k] && (!n->in[k]->data || n->in[k]->trainable))
                all_const = 0;
        for (int k = 0; k < n->nout; k++) {
            cc_tensor *t = n->out[k];
            if (!t)
                continue;
            if (t->rank < 0)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "output '%.200s' has no shape",
                                    t->name);
            if (!cc_dtype_supported(t->dtype))
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output '%.200s' has element "
                                    "type %s; supported: " CC_DTYPES_SUPPORTED, t->name,
                                    cc_dtype_name(t->dtype));
            int64_t numel = 1;
            for (int a = 0; a < t->rank; a++) {
                if (t->shape[a] < 0 || (t->shape[a] && numel > CC_MAX_NUMEL / t->shape[a]))
                    return cc_node_fail(d, g, n, CC_ERR_MODEL, "output '%.200s' would be too "
                                        "large", t->name);
                numel *= t->shape[a];
            }
        }
        if (all_const && n->nout > 0 && n->out[0] && !n->out[0]->data && !cc_quant_keep(n)) {
            st = fold_node(g, n, d);
            if (st)
                return st;
        }
    }
    for (int i = 0; i < g->noutputs; i++)
        if (g->outputs[i]->rank < 0)
            return cc_fail(d, CC_ERR_MODEL, "%s: output '%.200s' has no known shape", g->path,
                           g->outputs[i]->name);
    return CC_OK;
}

/* ------------------------------------------------------------ fusion */

static int is_op(const cc_node *n, const char *name)
{
    return n && !n->dead && strcmp(n->op->name, name) == 0;
}

void cc_count_consumers(cc_graph *g)
{
    for (int i = 0; i < g->ntensors; i++)
        g->tensors[i]->nconsumers = 0;
    for (int i = 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->nin; k++)
            if (n->in[k])
                n->in[k]->nconsumers++;
    }
}

/* True when t is an intermediate read only by one node, so its producer may
 * write the consumer's result instead (cc_fuse keeps the counts current). */
static int private_edge(const cc_graph *g, const cc_tensor *t)
{
    (void)g;
    return t->output_index < 0 && t->nconsumers == 1;
}

static cc_tensor *new_const(cc_graph *g, const cc_tensor *like, int rank, const int64_t *shape)
{
    cc_tensor *t = cc_tensor_new(g, NULL);
    if (!t)
        return NULL;
    char buf[64];
    snprintf(buf, sizeof buf, "%.40s_folded", like->name);
    t->name = cc_strdup(g->ctx, buf);
    cc_set_shape(t, CC_DT_FLOAT, rank, shape);
    t->is_initializer = 1;
    t->data = cc_alloc(g->ctx, (size_t)cc_nbytes(t) + 1);
    return t->name && t->data ? t : NULL;
}

/* Folds y = BN(conv(x)) into conv with W' = W s and b' = (b - mean) s + beta
 * where s = scale / sqrt(var + eps), per output channel; for Gemm the
 * channel is the output column. Returns 1 when folded. */
static int fold_bn(cc_graph *g, cc_node *bn)
{
    cc_tensor *x = bn->in[0];
    cc_node *p = x->producer;
    if (!p || p->dead || !private_edge(g, x) || p->act != RT_UN_NONE)
        return 0;
    int is_conv = is_op(p, "Conv"), is_gemm = is_op(p, "Gemm");
    if (!is_conv && !is_gemm)
        return 0;
    for (int k = 1; k < 5; k++)
        if (!bn->in[k]->data || bn->in[k]->dtype != CC_DT_FLOAT)
            return 0;
    for (int k = 1; k < bn->nout; k++)
        if (bn->out[k])
            return 0;
    cc_tensor *w = p->in[1], *b = p->nin > 2 ? p->in[2] : NULL;
    if (!w->data || (b && !b->data) || x->dtype != CC_DT_FLOAT || w->dtype != CC_DT_FLOAT ||
        (b && b->dtype != CC_DT_FLOAT))
        return 0;
    int64_t m;
    if (is_conv) {
        m = w->shape[0];
    } else {
        if (x->rank != 2)
            return 0;
        m = x->shape[1];
        if (b && !(b->rank <= 1 || (b->rank == 2 && b->shape[0] == 1)))
            return 0; /* a C with per-row values cannot take a per-column shift alone */
    }
    if (bn->in[1]->rank < 1 || cc_numel(bn->in[1]) != m)
        return 0;
    const float *scale = bn->in[1]->data, *beta = bn->in[2]->data;
    const float *mean = bn->in[3]->data, *var = bn->in[4]->data;
    float eps = cc_attr_float(bn, "epsilon", 1e-5f);

    cc_tensor *w2 = new_const(g, w, w->rank, w->shape);
    int64_t bshape[1] = {m};
    cc_tensor *b2 = new_const(g, bn->in[2], 1, bshape);
    if (!w2 || !b2)
        return -1;
    const float *wd = w->data;
    float *w2d = w2->data, *b2d = b2->data;
    int64_t wn = cc_numel(w);
    float alpha = is_gemm ? cc_attr_float(p, "alpha", 1.0f) : 1.0f;
    float gbeta = is_gemm ? cc_attr_float(p, "beta", 1.0f) : 1.0f;
    int trans_b = is_gemm ? (int)cc_attr_int(p, "transB", 0) : 0;
    for (int64_t c = 0; c < m; c++) {
        float s = scale[c] / sqrtf(var[c] + eps);
        float bias = 0.0f;
        if (b)
            bias = gbeta * ((const float *)b->data)[cc_numel(b) == 1 ? 0 : c];
        b2d[c] = (bias - mean[c]) * s + beta[c];
        if (is_conv) {
            int64_t per = wn / m;
            for (int64_t i = 0; i < per; i++)
                w2d[c * per + i] = wd[c * per + i] * s;
        } else {
            int64_t k = wn / m;
            for (int64_t i = 0; i < k; i++) {
                int64_t idx = trans_b ? c * k + i : i * m + c;
                w2d[idx] = wd[idx] * s * alpha;
            }
        }
    }
    if (is_gemm) {
        /* alpha and beta are now inside W' and b' */
        for (int i = 0; i < p->nattrs; i++) {
            if (strcmp(p->attrs[i].name, "alpha") == 0 || strcmp(p->attrs[i].name, "beta") == 0) {
                p->attrs[i].type = CC_AT_FLOAT;
                p->attrs[i].f = 1.0f;
            }
        }
    }
    if (p->nin < 3) {
        cc_tensor **in = cc_alloc_array(g->ctx, 3, sizeof *in);
        if (!in)
            return -1;
        in[0] = p->in[0];
        in[1] = p->in[1];
        p->in = in;
        p->nin = 3;
    }
    p->in[1] = w2;
    p->in[2] = b2;
    p->out[0] = bn->out[0];
    bn->out[0]->producer = p;
    bn->dead = 1;
    p->fused = p->fused ? p->fused : "BatchNormalization";
    return 1;
}

/* Fuses an element-wise activation into a Conv/ConvTranspose/Gemm producer. */
static int fuse_act(cc_graph *g, cc_node *a)
{
    rt_unary_op op;
    float alpha, beta;
    if (!cc_unary_of(g, a, &op, &alpha, &beta))
        return 0;
    cc_tensor *x = a->in[0];
    cc_node *p = x->producer;
    if (!p || p->dead || p->act != RT_UN_NONE || !private_edge(g, x))
        return 0;
    if (!is_op(p, "Conv") && !is_op(p, "ConvTranspose") && !is_op(p, "Gemm"))
        return 0;
    p->act = op;
    p->act_alpha = alpha;
    p->act_beta = beta;
    p->out[0] = a->out[0];
    a->out[0]->producer = p;
    a->dead = 1;
    char buf[128];
    snprintf(buf, sizeof buf, "%s%s%s", p->fused ? p->fused : "", p->fused ? "+" : "",
             a->op->name);
    p->fused = cc_strdup(g->ctx, buf);
    return 1;
}

/* Folds a zero constant Pad of the spatial axes into the Conv that reads it:
 * the conv pads the same zeros itself, and the padded copy never exists. */
static int fuse_pad(cc_graph *g, cc_node *conv)
{
    cc_tensor *x = conv->in[0];
    cc_node *p = x->producer;
    if (!p || p->dead || !is_op(p, "Pad") || !private_edge(g, x))
        return 0;
    if (strcmp(cc_attr_str(p, "mode", "constant"), "constant") != 0)
        return 0;
    if (strcmp(cc_attr_str(conv, "auto_pad", "NOTSET"), "NOTSET") != 0)
        return 0;
    const int64_t *pads;
    int npads;
    float value = 0.0f;
    if (g->opset < 11) {
        npads = cc_attr_ints(p, "pads", &pads);
        value = cc_attr_float(p, "value", 0.0f);
    } else {
        npads = p->nin > 1 ? cc_const_ints(p->in[1], &pads) : -1;
        if (p->nin > 2 && p->in[2]) {
            if (!p->in[2]->data || p->in[2]->dtype != CC_DT_FLOAT)
                return 0;
            value = ((const float *)p->in[2]->data)[0];
        }
        if (p->nin > 3 && p->in[3])
            return 0; /* axes (opset 18) */
    }
    int r = x->rank, nsp = r - 2;
    if (value != 0.0f || npads != 2 * r || nsp < 1)
        return 0;
    for (int i = 0; i < r; i++)
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): pads is set when npads >= 0, and npads == 2 * r was checked */
        if (pads[i] < 0 || pads[r + i] < 0 || (i < 2 && (pads[i] || pads[r + i])))
            return 0;
    const int64_t *cp;
    int ncp = cc_attr_ints(conv, "pads", &cp);
    int64_t *np = cc_alloc_array(g->ctx, (size_t)(2 * nsp), sizeof *np);
    cc_attr *attrs = cc_alloc_array(g->ctx, (size_t)conv->nattrs + 1, sizeof *attrs);
    if (!np || !attrs)
        return -1;
    for (int i = 0; i < nsp; i++) {
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): as above, npads == 2 * r */
        np[i] = pads[2 + i] + (ncp == 2 * nsp ? cp[i] : 0);
        np[nsp + i] = pads[r + 2 + i] + (ncp == 2 * nsp ? cp[nsp + i] : 0);
    }
    int k = 0;
    for (int i = 0; i < conv->nattrs; i++)
        if (strcmp(conv->attrs[i].name, "pads") != 0)
            attrs[k++] = conv->attrs[i];
    attrs[k].name = "pads";
    attrs[k].type = CC_AT_INTS;
    attrs[k].ints = np;
    attrs[k].n = 2 * nsp;
    conv->attrs = attrs;
    conv->nattrs = k + 1;
    conv->in[0] = p->in[0];
    p->dead = 1;
    char buf[128];
    snprintf(buf, sizeof buf, "Pad%s%s", conv->fused ? "+" : "", conv->fused ? conv->fused : "");
    conv->fused = cc_strdup(g->ctx, buf);
    return 1;
}

/* Fuses y = Add(conv_out, r) into the Conv's epilogue when both have y's
 * shape: the conv then accumulates onto r (in r's own buffer when r dies
 * there), so the conv output and the sum never both exist. The conv that
 * ran last of the two operands' producers takes the other as residual. */
static int fuse_residual(cc_graph *g, cc_node *add)
{
    if (add->nin != 2 || !add->in[0] || !add->in[1] || g->opset < 7)
        return 0;
    cc_tensor *y = add->out[0];
    cc_node *best = NULL;
    int which = -1;
    for (int k = 0; k < 2; k++) {
        cc_tensor *a = add->in[k], *r = add->in[1 - k];
        cc_node *p = a->producer;
        if (!p || p->dead || !is_op(p, "Conv") || p->act != RT_UN_NONE || p->nin > 3 ||
            !private_edge(g, a) || a == r)
            continue;
        if (r->dtype != CC_DT_FLOAT || r->rank != y->rank || a->rank != y->rank ||
            memcmp(r->shape, y->shape, sizeof y->shape[0] * (size_t)y->rank) ||
            memcmp(a->shape, y->shape, sizeof y->shape[0] * (size_t)y->rank))
            continue;
        if (!best || p->index > best->index) {
            best = p;
            which = k;
        }
    }
    if (!best)
        return 0;
    cc_tensor **in = cc_alloc_array(g->ctx, 4, sizeof *in);
    if (!in)
        return -1;
    for (int k = 0; k < best->nin; k++)
        in[k] = best->in[k];
    in[3] = add->in[1 - which];
    best->in = in;
    best->nin = 4;
    best->out[0] = y;
    y->producer = best;
    add->dead = 1;
    char buf[128];
    snprintf(buf, sizeof buf, "%s%sAdd", best->fused ? best->fused : "", best->fused ? "+" : "");
    best->fused = cc_strdup(g->ctx, buf);
    return 1;
}

/* One walk over the nodes. The consumer counts are taken once and again
 * after each fusion that happened (a fusion rewires a few edges; counting
 * again is linear, and checking each edge by scanning all nodes made the
 * pass quadratic in the node count). */
cc_status cc_fuse(cc_graph *g, cc_diag *d)
{
    cc_count_consumers(g);
    for (int i = 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        int r = cc_fuse_quant(g, n); /* QDQ patterns into integer kernels */
        if (r > 0) {
            cc_count_consumers(g);
            continue;
        }
        if (r < 0)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        if (is_op(n, "BatchNormalization"))
            r = fold_bn(g, n);
        else if (is_op(n, "Conv"))
            r = fuse_pad(g, n);
        else if (is_op(n, "Add"))
            r = fuse_residual(g, n);
        else
            r = fuse_act(g, n);
        if (r < 0)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        if (r > 0)
            cc_count_consumers(g);
    }
    return CC_OK;
}

/* ------------------------------------------------------------ DCE */

void cc_dce(cc_graph *g)
{
    /* walk backwards: a node lives if any output is needed */
    char *needed = cc_alloc(g->ctx, (size_t)g->ntensors + 1);
    if (!needed)
        return;
    for (int i = 0; i < g->noutputs; i++)
        needed[g->outputs[i]->id] = 1;
    for (int i = g->nnodes - 1; i >= 0; i--) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        int live = 0;
        for (int k = 0; k < n->nout; k++)
            if (n->out[k] && needed[n->out[k]->id] && !n->out[k]->data)
                live = 1;
        if (!live) {
            n->dead = 1;
            continue;
        }
        for (int k = 0; k < n->nin; k++)
            if (n->in[k])
                needed[n->in[k]->id] = 1;
    }
    cc_count_consumers(g);
}

/* ------------------------------------------------------------ bound */

void cc_unfused_bound(cc_graph *g)
{
    /* each live node's outputs are separate buffers, live from their node to
     * their last reader (graph outputs and constants excluded); one sweep in
     * node order adds a buffer's bytes at its producer and takes them away
     * after its last reader, so the cost stays linear in the graph's size */
    int n = g->nnodes;
    int *last = cc_alloc_array(g->ctx, (size_t)g->ntensors + 1, sizeof *last);
    int64_t *delta = cc_alloc_array(g->ctx, (size_t)n + 1, sizeof *delta);
    g->unfused_bound = 0;
    if (!last || !delta)
        return; /* out of memory: the bound is only reported */
    for (int t = 0; t < g->ntensors; t++)
        last[t] = -1;
    for (int j = 0; j < n; j++) {
        const cc_node *c = g->nodes[j];
        if (c->dead)
            continue;
        for (int k = 0; k < c->nin; k++)
            if (c->in[k])
                last[c->in[k]->id] = j;
    }
    for (int t = 0; t < g->ntensors; t++) {
        const cc_tensor *x = g->tensors[t];
        const cc_node *p = x->producer;
        if (!p || p->dead || x->data || x->output_index >= 0)
            continue;
        int first = p->index, end = last[t] > first ? last[t] : first;
        delta[first] += cc_nbytes(x);
        delta[end + 1] -= cc_nbytes(x);
    }
    int64_t live = 0, best = 0;
    for (int i = 0; i < n; i++) {
        live += delta[i];
        if (!g->nodes[i]->dead && live > best)
            best = live;
    }
    g->unfused_bound = best;
}
