/*
 * ops_rnn.c - the recurrent layers RNN, GRU and LSTM (runtime/ext_rnn.c):
 * attributes, shapes, and one kernel call per node. The kernel's temporary
 * buffer is an extra output of the node (its "scratch"), which the planner
 * places in the arena like any other intermediate and constant folding
 * allocates like any other output.
 */
#include <string.h>

#include "ops.h"

static const struct {
    const char *name;
    rt_rnn_act act;
    float alpha, beta;      /* ONNX's defaults */
} rnn_acts[] = {
    {"Relu", RT_RNN_RELU, 0, 0}, {"Tanh", RT_RNN_TANH, 0, 0},
    {"Sigmoid", RT_RNN_SIGMOID, 0, 0}, {"Affine", RT_RNN_AFFINE, 1.0f, 0.0f},
    {"LeakyRelu", RT_RNN_LEAKYRELU, 0.01f, 0}, {"ThresholdedRelu", RT_RNN_THRESHOLDEDRELU, 1.0f, 0},
    {"ScaledTanh", RT_RNN_SCALEDTANH, 1.0f, 1.0f}, {"HardSigmoid", RT_RNN_HARDSIGMOID, 0.2f, 0.5f},
    {"Elu", RT_RNN_ELU, 1.0f, 0}, {"Softsign", RT_RNN_SOFTSIGN, 0, 0},
    {"Softplus", RT_RNN_SOFTPLUS, 0, 0},
};

/* Case-insensitive: exporters write both "Tanh" and "tanh". */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static cc_status need(cc_graph *g, cc_node *n, const cc_tensor *t, int dtype, int rank,
                      const int64_t *shape, const char *what, cc_diag *d)
{
    char sa[128];
    if (!t)
        return CC_OK;
    if (t->dtype != dtype)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s '%.200s' has element type %s; "
                            "%s is supported for %s", what, t->name, cc_dtype_name(t->dtype),
                            n->op->name, cc_dtype_name(dtype));
    int ok = t->rank == rank;
    for (int i = 0; ok && i < rank; i++)
        ok = t->shape[i] == shape[i];
    if (!ok) {
        char want[160];
        int k = snprintf(want, sizeof want, "[");
        for (int i = 0; i < rank && k < (int)sizeof want - 24; i++)
            k += snprintf(want + k, sizeof want - (size_t)k, i ? ", %lld" : "%lld",
                          (long long)shape[i]);
        snprintf(want + k, sizeof want - (size_t)k, "]");
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "%s '%.200s' has shape %s, expected %s", what,
                            t->name, cc_shape_str(t, sa, sizeof sa), want);
    }
    return CC_OK;
}

static cc_status rnn_geom(cc_graph *g, cc_node *n, rt_rnn_params *p, cc_diag *d)
{
    const char *op = n->op->name;
    memset(p, 0, sizeof *p);
    p->kind = !strcmp(op, "LSTM") ? RT_RNN_LSTM : !strcmp(op, "GRU") ? RT_RNN_GRU : RT_RNN_RNN;
    int gates = p->kind == RT_RNN_LSTM ? 4 : p->kind == RT_RNN_GRU ? 3 : 1;
    int nact = p->kind == RT_RNN_LSTM ? 3 : p->kind == RT_RNN_GRU ? 2 : 1;
    const cc_tensor *x = n->in[0], *w = n->in[1];
    /* float16 / bfloat16 run in float (cc_calls_retype), double in double */
    if (x->dtype != CC_DT_FLOAT && x->dtype != CC_DT_FLOAT16 && x->dtype != CC_DT_BFLOAT16 &&
        x->dtype != CC_DT_DOUBLE)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input X has element type %s; %s is "
                            "supported for float32, float16, bfloat16 and double",
                            cc_dtype_name(x->dtype), op);
    if (x->rank != 3)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input X must have rank 3, not %d", x->rank);
    const char *dir = cc_attr_str(n, "direction", "forward");
    if (!strcmp(dir, "forward"))
        p->dirs = 1;
    else if (!strcmp(dir, "reverse"))
        p->dirs = 1, p->reverse = 1;
    else if (!strcmp(dir, "bidirectional"))
        p->dirs = 2;
    else
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "direction '%.40s' is not forward, reverse "
                            "or bidirectional", dir);
    p->layout = (int)cc_attr_int(n, "layout", 0);
    if (p->layout != 0 && p->layout != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "layout %d is not 0 or 1", p->layout);
    if (g->opset < 14 && cc_attr_get(n, "layout"))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute layout needs opset 14");
    const cc_attr *hsa = cc_attr_get(n, "hidden_size");
    if (!hsa || hsa->type != CC_AT_INT || hsa->i < 1 || hsa->i > ((int64_t)1 << 24))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute hidden_size must be a positive "
                            "integer");
    p->hidden = hsa->i;
    p->seq = x->shape[p->layout ? 1 : 0];
    p->batch = x->shape[p->layout ? 0 : 1];
    p->input = x->shape[2];
    p->clip = cc_attr_float(n, "clip", 0.0f);
    if (cc_attr_get(n, "clip") && !(p->clip > 0.0f))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute clip must be positive");
    p->linear_before_reset = (int)cc_attr_int(n, "linear_before_reset", 0) != 0;
    p->input_forget = (int)cc_attr_int(n, "input_forget", 0) != 0;

    /* activations: nact per direction, ONNX defaults when absent */
    const cc_attr *acts = cc_attr_get(n, "activations");
    const float *al = NULL, *be = NULL;
    const cc_attr *ala = cc_attr_get(n, "activation_alpha"), *bea = cc_attr_get(n, "activation_beta");
    int nal = ala && ala->type == CC_AT_FLOATS ? ala->n : 0;
    int nbe = bea && bea->type == CC_AT_FLOATS ? bea->n : 0;
    al = nal ? ala->floats : NULL;
    be = nbe ? bea->floats : NULL;
    if (acts && (acts->type != CC_AT_STRINGS || acts->n != nact * p->dirs))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute activations must list %d "
                            "functions", nact * p->dirs);
    for (int dd = 0; dd < p->dirs; dd++)
        for (int i = 0; i < nact; i++) {
            static const char *const dflt[3][3] = {{"Tanh"}, {"Sigmoid", "Tanh"},
                                                   {"Sigmoid", "Tanh", "Tanh"}};
            int k = dd * nact + i;
            const char *nm = acts ? acts->strs[k] : dflt[p->kind][i];
            size_t a = 0;
            while (nm && a < sizeof rnn_acts / sizeof rnn_acts[0] && !same_name(rnn_acts[a].name, nm))
                a++;
            if (!nm || a == sizeof rnn_acts / sizeof rnn_acts[0])
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "activation '%.40s' is not "
                                    "supported", nm ? nm : "?");
            p->act[dd][i] = rnn_acts[a].act;
            p->alpha[dd][i] = k < nal ? al[k] : rnn_acts[a].alpha;
            p->beta[dd][i] = k < nbe ? be[k] : rnn_acts[a].beta;
        }

    int64_t gh = gates * p->hidden, dirs = p->dirs, hs = p->hidden;
    const int64_t ws[3] = {dirs, gh, p->input}, rs[3] = {dirs, gh, hs}, bs[2] = {dirs, 2 * gh};
    const int64_t ss[1] = {p->batch}, ps[2] = {dirs, 3 * hs};
    int64_t hsh[3] = {dirs, p->batch, hs};
    if (p->layout)
        hsh[0] = p->batch, hsh[1] = dirs;
    cc_status st = need(g, n, w, x->dtype, 3, ws, "W", d);
    if (!st)
        st = need(g, n, n->in[2], x->dtype, 3, rs, "R", d);
    if (!st && n->nin > 3)
        st = need(g, n, n->in[3], x->dtype, 2, bs, "B", d);
    if (!st && n->nin > 4)
        st = need(g, n, n->in[4], CC_DT_INT32, 1, ss, "sequence_lens", d);
    if (!st && n->nin > 5)
        st = need(g, n, n->in[5], x->dtype, 3, hsh, "initial_h", d);
    if (!st && n->nin > 6)
        st = need(g, n, n->in[6], x->dtype, 3, hsh, "initial_c", d);
    if (!st && n->nin > 7)
        st = need(g, n, n->in[7], x->dtype, 2, ps, "P", d);
    if (st)
        return st;
    if (n->nin > 4 && n->in[4] && n->in[4]->data) {
        const int32_t *v = n->in[4]->data;
        for (int64_t i = 0; i < p->batch; i++)
            if (v[i] < 0 || v[i] > p->seq)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "sequence_lens[%lld] = %d is outside "
                                    "[0, %lld]", (long long)i, (int)v[i], (long long)p->seq);
    }
    return CC_OK;
}

cc_status cc_add_scratch(cc_graph *g, cc_node *n, int64_t floats, cc_diag *d)
{
    int slot = n->op->max_out;
    if (n->nout <= slot) {
        cc_tensor **v = cc_alloc_array(g->ctx, (size_t)slot + 1, sizeof *v);
        char name[96];
        snprintf(name, sizeof name, "%.80s_scratch", n->label);
        cc_tensor *t = cc_tensor_new(g, name);
        if (!v || !t)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        for (int k = 0; k < n->nout; k++)
            v[k] = n->out[k];
        for (int k = n->nout; k < slot; k++)
            v[k] = NULL;
        t->producer = n;
        v[slot] = t;
        n->out = v;
        n->nout = slot + 1;
    }
    cc_set_shape(n->out[slot], CC_DT_FLOAT, 1, &floats);
    return CC_OK;
}

cc_status cc_infer_rnn(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_rnn_params p;
    cc_status st = rnn_geom(g, n, &p, d);
    if (st)
        return st;
    int64_t ys[4], hs[3];
    if (p.layout) {
        ys[0] = p.batch, ys[1] = p.seq, ys[2] = p.dirs, ys[3] = p.hidden;
        hs[0] = p.batch, hs[1] = p.dirs, hs[2] = p.hidden;
    } else {
        ys[0] = p.seq, ys[1] = p.dirs, ys[2] = p.batch, ys[3] = p.hidden;
        hs[0] = p.dirs, hs[1] = p.batch, hs[2] = p.hidden;
    }
    if (n->out[0])
        cc_set_shape(n->out[0], n->in[0]->dtype, 4, ys);
    for (int k = 1; k < n->nout && k < n->op->max_out; k++)
        if (n->out[k])
            cc_set_shape(n->out[k], n->in[0]->dtype, 3, hs);
    const int64_t size = rt_rnn_scratch_size(&p);
    st = cc_add_scratch(g, n, size, d);
    if (!st && n->in[0]->dtype == CC_DT_DOUBLE) /* rt_rnn_forward_f64's scratch is double */
        cc_set_shape(n->out[n->op->max_out], CC_DT_DOUBLE, 1, &size);
    return st;
}

cc_status cc_lower_rnn(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_RNN);
    if (!c)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    cc_status st = rnn_geom(g, n, &c->p.rnn, d);
    if (st)
        return st;
    int mo = n->op->max_out;
    c->args[0] = n->out[0];
    c->args[1] = mo > 1 ? n->out[1] : NULL;
    c->args[2] = mo > 2 ? n->out[2] : NULL;
    c->args[3] = n->out[mo];
    for (int k = 0; k < 8; k++)
        c->args[4 + k] = k < n->nin ? n->in[k] : NULL;
    return CC_OK;
}
