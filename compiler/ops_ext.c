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
