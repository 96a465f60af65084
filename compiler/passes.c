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
        t->data = cc_alloc(g->ctx, (size_t)cc_nbytes(t) + 1);
        if (!t->data)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    }
    if (n->op->alias) {
        memcpy(n->out[0]->data, n->in[0]->data, (size_t)cc_nbytes(n->out[0]));
        return CC_OK;
    }
    cc_calls calls = {g->ctx, 0, 0, NULL};
    cc_status st = n->op->lower(g, n, &calls, d);
    if (st)
        return st;
    for (int i = 0; i < calls.n; i++) {
        const cc_call *c = &calls.v[i];
        void *bufs[CC_CALL_MAX_ARGS] = {0};
        for (int a = 0; a < cc_kernel_nargs(c->k); a++)
            bufs[a] = c->args[a] ? c->args[a]->data : NULL;
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
                                    "type %s; supported: float32, int64", t->name,
                                    cc_dtype_name(t->dtype));
            int64_t numel = 1;
            for (int a = 0; a < t->rank; a++) {
                if (t->shape[a] < 0 || (t->shape[a] && numel > CC_MAX_NUMEL / t->shape[a]))
                    return cc_node_fail(d, g, n, CC_ERR_MODEL, "output '%.200s' would be too "
                                        "large", t->name);
                numel *= t->shape[a];
            }
        }
        if (all_const && n->nout > 0 && n->out[0] && !n->out[0]->data) {
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

/* How many live nodes read t. */
static int consumers(const cc_graph *g, const cc_tensor *t)
{
    int c = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        for (int k = 0; k < n->nin; k++)
            if (n->in[k] == t)
                c++;
    }
    return c;
}

/* True when t is an intermediate read only by one node, so its producer may
 * write the consumer's result instead. */
static int private_edge(const cc_graph *g, const cc_tensor *t)
{
    return t->output_index < 0 && consumers(g, t) == 1;
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
    if (!w->data || (b && !b->data))
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

cc_status cc_fuse(cc_graph *g, cc_diag *d)
{
    for (int i = 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        int r = 0;
        if (is_op(n, "BatchNormalization"))
            r = fold_bn(g, n);
        else
            r = fuse_act(g, n);
        if (r < 0)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
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
