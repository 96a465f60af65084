/*
 * train.c - the training step, built at compile time from the forward graph.
 *
 * Autodiff works on the lowered program rather than on ONNX nodes: every
 * forward kernel call y = k(x...) has one backward kernel that accumulates
 * the gradients of its inputs from the gradient of y, with the same
 * parameter block. Views (Reshape, Flatten, ...) share storage with their
 * input, so they share its gradient too. Walking the forward calls in reverse
 * and emitting the backward call of each one whose output carries a gradient
 * gives the backward pass; only inputs that lead to a trainable parameter
 * get gradients, so frozen parts of a network cost nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define TRAIN_HEADER_BYTES 256  /* the generated state struct fits in this */
#define TRAIN_ALIGN 16

static int64_t align16(int64_t v)
{
    return (v + TRAIN_ALIGN - 1) / TRAIN_ALIGN * TRAIN_ALIGN;
}

static cc_status oom(const cc_graph *g, cc_diag *d)
{
    return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
}

/* ------------------------------------------------------------ selection */

/* Glob match with '*' for any run of characters. */
static int glob(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '*')
        return glob(p + 1, s) || (*s && glob(p, s + 1));
    return *s == *p && glob(p + 1, s + 1);
}

/* Inputs of a node that are never trained: BatchNormalization's statistics. */
static int stat_slot(const cc_node *n, int k)
{
    return !strcmp(n->op->name, "BatchNormalization") && k >= 3;
}

static int float_param(const cc_tensor *t)
{
    return t && t->is_initializer && t->dtype == CC_DT_FLOAT && t->data;
}

cc_status cc_train_mark(cc_graph *g, const cc_train_opts *o, cc_diag *d)
{
    const char *list = o->trainable && *o->trainable ? o->trainable : "*";
    char tok[512];
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof tok)
            return cc_fail(d, CC_ERR_USAGE, "--trainable: empty or too long entry in '%.200s'",
                           list);
        memcpy(tok, p, len);
        tok[len] = 0;
        p += len + (p[len] == ',');
        int hits = 0;
        if (!strncmp(tok, "last:", 5)) {
            char *end;
            long want = strtol(tok + 5, &end, 10);
            if (*end || want < 1)
                return cc_fail(d, CC_ERR_USAGE, "--trainable: '%s' needs a positive count", tok);
            for (int i = g->nnodes - 1; i >= 0 && want > 0; i--) {
                cc_node *n = g->nodes[i];
                int has = 0;
                for (int k = 0; k < n->nin; k++)
                    if (float_param(n->in[k]) && !stat_slot(n, k)) {
                        n->in[k]->trainable = 1;
                        has = 1;
                        hits++;
                    }
                want -= has;
            }
        } else {
            int bias = !strcmp(tok, "bias");
            for (int i = 0; i < g->nnodes; i++) {
                cc_node *n = g->nodes[i];
                for (int k = 0; k < n->nin; k++) {
                    cc_tensor *t = n->in[k];
                    if (!float_param(t) || stat_slot(n, k))
                        continue;
                    int is_bias = k == 2 && (!strcmp(n->op->name, "Conv") ||
                                             !strcmp(n->op->name, "Gemm") ||
                                             !strcmp(n->op->name, "BatchNormalization"));
                    if (bias ? is_bias : glob(tok, t->name)) {
                        t->trainable = 1;
                        hits++;
                    }
                }
            }
        }
        if (!hits)
            return cc_fail(d, CC_ERR_USAGE, "%s: --trainable '%.200s' matches no float parameter",
                           g->path, tok);
    }
    return CC_OK;
}

/* ------------------------------------------------------------ builder */

typedef struct {
    cc_graph *g;
    cc_train *t;
    cc_calls *calls;
    cc_node **owner;        /* per call: the node it came from (for errors)   */
    int cap_owner;
    cc_tensor **grad;       /* per root tensor id: its gradient, or NULL      */
    char *ng;               /* per tensor id: leads to a trainable parameter  */
    char *ginit;            /* per gradient root: zeroed or written already   */
    cc_diag *d;
} builder;

static cc_tensor *root(cc_tensor *t)
{
    while (t && t->loc == CC_LOC_ALIAS)
        t = t->alias;
    return t;
}

static cc_tensor *shaped_like(cc_graph *g, const cc_tensor *like, const char *suffix)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%.60s_%s", like->name, suffix);
    cc_tensor *t = cc_tensor_new(g, buf);
    if (!t)
        return NULL;
    cc_set_shape(t, CC_DT_FLOAT, like->rank, like->shape);
    t->loc = CC_LOC_ARENA;
    return t;
}

/* Records which node the calls appended since `from` belong to. */
static cc_status own(builder *b, int from, cc_node *n)
{
    if (b->calls->n > b->cap_owner) {
        int cap = b->calls->n * 2 + 16;
        cc_node **v = cc_alloc_array(b->g->ctx, (size_t)cap, sizeof *v);
        if (!v)
            return oom(b->g, b->d);
        if (b->cap_owner)
            memcpy(v, b->owner, (size_t)b->cap_owner * sizeof *v);
        b->owner = v;
        b->cap_owner = cap;
    }
    for (int i = from; i < b->calls->n; i++)
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): calls->n only grows, so owner has cap_owner >= n entries */
        b->owner[i] = n;
    return CC_OK;
}

/* Dropout's ratio: attribute before opset 12, else the optional input. */
static float dropout_ratio(const cc_graph *g, const cc_node *n)
{
    if (g->opset < 12)
        return cc_attr_float(n, "ratio", 0.5f);
    if (n->nin > 1 && n->in[1] && n->in[1]->data && n->in[1]->dtype == CC_DT_FLOAT)
        return ((const float *)n->in[1]->data)[0];
    return n->nin > 1 && n->in[1] ? -1.0f : 0.5f;
}

/* How many live nodes read t (a view of t counts as one reader). */
static int readers(const cc_graph *g, const cc_tensor *t)
{
    int r = 0;
    for (int i = 0; i < g->nnodes; i++)
        for (int k = 0; k < g->nodes[i]->nin; k++)
            r += !g->nodes[i]->dead && g->nodes[i]->in[k] == t;
    return r;
}

/* A Relu just lowered (one call at `from`) right after the BatchNormalization
 * that is its only input's only reader becomes that call's activation
 * (rt_norm_params.relu): one pass over the tensor instead of two forward,
 * and rt_batchnorm_relu_backward masks dy by the pre-Relu value it
 * recomputes from x and the bias (the output is not read again) instead of
 * a separate Relu backward writing a gradient in between. */
static void fuse_bn_relu(builder *b, int from)
{
    cc_calls *cl = b->calls;
    if (from < 1 || cl->n != from + 1)
        return;
    cc_call *bn = &cl->v[from - 1], *r = &cl->v[from];
    cc_tensor *t = bn->args[0];
    if (bn->k != CC_K_BATCHNORM || bn->p.norm.relu || r->k != CC_K_UNARY ||
        r->p.un.op != RT_UN_RELU || r->args[1] != t || t->loc != CC_LOC_ARENA ||
        t->output_index >= 0 || readers(b->g, t) != 1)
        return;
    bn->p.norm.relu = 1;
    bn->args[0] = r->args[0];
    cl->n--;
}

/* r8fwd: a Relu just lowered (one call at `from`) right after an Add of two
 * same-shaped tensors with no broadcasting, of distinct storage, whose
 * output only that Relu reads, becomes one rt_add_relu_forward (the
 * residual of ResNet blocks): one pass instead of two, and its backward
 * masks dy by the output and writes both operands' gradients in one pass. */
static void fuse_add_relu(builder *b, int from)
{
    cc_calls *cl = b->calls;
    if (from < 1 || cl->n != from + 1)
        return;
    cc_call *ad = &cl->v[from - 1], *r = &cl->v[from];
    cc_tensor *t = ad->args[0];
    if (ad->k != CC_K_BINARY || ad->p.bin.op != RT_BIN_ADD || r->k != CC_K_UNARY ||
        r->p.un.op != RT_UN_RELU || r->args[1] != t || t->loc != CC_LOC_ARENA ||
        t->output_index >= 0 || readers(b->g, t) != 1 || !ad->args[1] || !ad->args[2] ||
        root(ad->args[1]) == root(ad->args[2]) || root(ad->args[1]) == root(r->args[0]) ||
        root(ad->args[2]) == root(r->args[0]))
        return;
    const rt_binary_params *bp = &ad->p.bin;
    int64_t n = 1;
    for (int i = bp->ndim - 1; i >= 0; i--) {
        if (bp->astride[i] != n || bp->bstride[i] != n)
            return;
        n *= bp->shape[i];
    }
    if (n != cc_numel(t) || n != cc_numel(r->args[0]) || n != cc_numel(ad->args[1]) ||
        n != cc_numel(ad->args[2]))
        return;
    ad->k = CC_K_ADD_RELU;
    memset(&ad->p, 0, sizeof ad->p);
    ad->p.addrelu.n = n;
    ad->args[0] = r->args[0];
    cl->n--;
    /* a BatchNormalization (no Relu) lowered right before, whose output only
     * this Add reads, joins it: rt_bn_add_relu_forward (its output is never
     * stored; backward rebuilds its gradient in a scratch tensor) */
    if (from < 2)
        return;
    cc_call *bn = &cl->v[from - 2];
    for (int k = 1; k <= 2; k++) {
        cc_tensor *u = ad->args[k];
        if (bn->k != CC_K_BATCHNORM || bn->p.norm.relu || bn->args[0] != u ||
            u->loc != CC_LOC_ARENA || u->output_index >= 0 || readers(b->g, u) != 1 ||
            cc_numel(bn->args[1]) != n || root(bn->args[1]) == root(ad->args[3 - k]) ||
            root(bn->args[1]) == root(ad->args[0]))
            continue;
        cc_call f = *bn;
        f.k = CC_K_BN_ADD_RELU;
        f.args[0] = ad->args[0];
        for (int a = 6; a >= 3; a--)    /* (y, x, r, scale, bias, mean, var) */
            f.args[a] = bn->args[a - 1];
        f.args[2] = ad->args[3 - k];
        *bn = f;
        cl->n--;
        return;
    }
}

/* r8fwd: a dense 3x3 convolution that rt_conv_winograd_ok takes becomes
 * rt_conv_forward_ws with a scratch tensor of 16 * m * c floats, where the
 * runtime transforms the step's weights and runs Winograd F(2x2, 3x3) when
 * the library has its vector code (AVX-512), and the usual kernels
 * otherwise. r8wino: backward is rt_conv_backward_ws, which reads that U
 * again for dx (so U lives until then: 16 * m * c floats a layer). */
static cc_status winograd_ws(builder *b, int from)
{
    for (int i = from; i < b->calls->n; i++) {
        cc_call *c = &b->calls->v[i];
        if (c->k != CC_K_CONV || c->p.conv.wt || c->p.conv.accumulate ||
            c->p.conv.act != RT_UN_NONE || !rt_conv_winograd_ok(&c->p.conv) ||
            !c->args[2] || cc_numel(c->args[2]) != (int64_t)c->p.conv.m * c->p.conv.c * 9)
            continue;
        char buf[96];
        snprintf(buf, sizeof buf, "%.60s_wino", c->args[0]->name);
        cc_tensor *u = cc_tensor_new(b->g, buf);
        if (!u)
            return oom(b->g, b->d);
        const int64_t n = 16 * (int64_t)c->p.conv.m * c->p.conv.c;
        cc_set_shape(u, CC_DT_FLOAT, 1, &n);
        u->loc = CC_LOC_ARENA;
        u->wino_only = 1;       /* read only where the library has Winograd */
        c->k = CC_K_CONV_WS;
        c->args[4] = u;
    }
    return CC_OK;
}

/* The forward pass, lowered for training: no fusion but BatchNormalization
 * with the Relu after it, no in-place, Dropout active. */
static cc_status lower_forward(builder *b)
{
    cc_graph *g = b->g;
    cc_train *t = b->t;
    cc_call *c = cc_calls_add(b->calls, CC_K_STAGE);
    if (!c)
        return oom(g, b->d);
    c->args[0] = t->input;
    if (own(b, 0, NULL))
        return CC_ERR_IO;
    for (int i = 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        int from = b->calls->n;
        if (!strcmp(n->op->name, "Dropout")) {
            float ratio = dropout_ratio(g, n);
            /* the inference mask is a constant of ones; training's is random */
            if (n->nout > 1 && n->out[1] &&
                (n->out[1]->nconsumers > 0 || n->out[1]->output_index >= 0))
                return cc_node_fail(b->d, g, n, CC_ERR_UNSUPPORTED, "Dropout's mask output "
                                    "is not supported for training");
            if (ratio < 0.0f || ratio >= 1.0f)
                return cc_node_fail(b->d, g, n, CC_ERR_UNSUPPORTED, "the dropout ratio must be "
                                    "a constant in [0, 1) for training");
            if (ratio > 0.0f) {
                cc_tensor *mask = shaped_like(g, n->out[0], "mask");
                c = cc_calls_add(b->calls, CC_K_DROPOUT);
                if (!mask || !c)
                    return oom(g, b->d);
                c->args[0] = n->out[0];
                c->args[1] = mask;
                c->args[2] = n->in[0];
                c->p.drop.n = cc_numel(n->out[0]);
                c->p.drop.ratio = ratio;
                n->out[0]->loc = CC_LOC_ARENA;
                if (own(b, from, n))
                    return CC_ERR_IO;
                continue;
            }
        }
        if (n->op->alias || !strcmp(n->op->name, "Dropout")) {
            n->out[0]->loc = CC_LOC_ALIAS;
            n->out[0]->alias = n->in[0];
            continue;
        }
        const int first = b->calls->n;
        cc_status st = n->op->lower(g, n, b->calls, b->d);
        if (!st)
            st = cc_calls_retype(g, n, b->calls, first, b->d);
        if (st)
            return st;
        fuse_bn_relu(b, from);
        fuse_add_relu(b, from);
        st = winograd_ws(b, from);
        if (st)
            return st;
        for (int k = 0; k < n->nout; k++)
            if (n->out[k] && n->out[k]->loc == CC_LOC_NONE)
                n->out[k]->loc = CC_LOC_ARENA;
        if (own(b, from, n))
            return CC_ERR_IO;
    }
    return CC_OK;
}

/* The last call before i whose output (args[0]) is t, or -1. */
static int writer_before(const cc_calls *cl, int i, const cc_tensor *t)
{
    int j = i - 1;
    while (j >= 0 && cl->v[j].args[0] != t)
        j--;
    return j;
}

/* bnfold: how many forward calls refer to the storage of t. */
static int call_refs(const cc_calls *cl, const cc_tensor *t)
{
    int r = 0;
    for (int i = 0; i < cl->n; i++)
        for (int a = 0; a < cc_kernel_nargs(cl->v[i].k); a++)
            r += cl->v[i].args[a] && root(cl->v[i].args[a]) == t;
    return r;
}

/* bnfold: training runs BatchNormalization with frozen statistics, a
 * per-channel affine map y = a z + c (a = scale / sqrt(var + eps)), so one
 * that reads a convolution's output z, which nothing else reads, folds
 * into it: rt_bn_fold writes wf = a w and bf = a (b - mean) + bias, and the
 * convolution computes y = conv(x, wf) + bf itself (with the Relu fused
 * into the batch norm as its activation; a batch norm joined with a
 * residual Add and Relu leaves rt_add_relu_forward on the convolution's
 * output). z is never stored (but in that residual case, where it holds
 * y), and there is no pass over activations for the batch norm at all,
 * forward or backward (rt_bn_fold_backward derives every gradient from the
 * convolution's dwf, dbf; see backward_bn_fold). */
static cc_status fold_bn(builder *b)
{
    cc_calls *cl = b->calls;
    for (int i = 0; i < cl->n; i++) {
        cc_call *bn = &cl->v[i];
        /* the batch norm's scale, bias, mean, var start at args[s]; one
         * joined with its residual Add and Relu (r8fwd) stays that Add and
         * Relu, on the convolution's output */
        const int add = bn->k == CC_K_BN_ADD_RELU, s = add ? 3 : 2;
        cc_tensor *z = bn->args[1];
        if ((bn->k != CC_K_BATCHNORM && !add) || !z || root(z) != z ||
            z->loc != CC_LOC_ARENA || z->output_index >= 0 || root(bn->args[0]) == z ||
            call_refs(cl, z) != 2)
            continue;
        int j = writer_before(cl, i, z);
        if (j < 0)
            continue;
        cc_call *cv = &cl->v[j];
        const rt_conv_params *cp = &cv->p.conv;
        /* only with the convolution's weights trained: their gradient dW'
         * is then computed anyway, and the folded backward takes dscale
         * from it; with frozen weights (--trainable bias, BN parameters
         * only, last:N) the fold would add a whole dW' per step where the
         * batch norm's own pass is cheaper (found by review: +15-70%) */
        if ((cv->k != CC_K_CONV && cv->k != CC_K_CONV_WS) || cp->act != RT_UN_NONE ||
            !cv->args[2] || !cv->args[2]->trainable ||
            cp->accumulate || cp->wt || cp->hwc || cp->m != bn->p.norm.c ||
            cp->n != bn->p.norm.n || cc_numel(z) != (int64_t)cp->n * cp->m * bn->p.norm.size ||
            cc_numel(cv->args[2]) % cp->m)
            continue;
        int ok = 1;
        for (int a = s; a < s + 4; a++)
            ok &= bn->args[a] && bn->args[a]->dtype == CC_DT_FLOAT &&
                  cc_numel(bn->args[a]) == cp->m;
        if (!ok || !bn->args[s + 2]->data || !bn->args[s + 3]->data)
            continue;
        if (add) {      /* one call more: the list (and its owners) may move */
            if (!cc_calls_add(cl, CC_K_ZERO))
                return oom(b->g, b->d);
            if (own(b, cl->n - 1, NULL))
                return CC_ERR_IO;
            bn = &cl->v[i];
            cv = &cl->v[j];
            cp = &cv->p.conv;
        }
        cc_tensor *w = cv->args[2];
        cc_tensor *wf = shaped_like(b->g, w, "fold");
        const int64_t m = cp->m;
        char buf[96];
        snprintf(buf, sizeof buf, "%.60s_bfold", bn->args[0]->name);
        cc_tensor *bf = cc_tensor_new(b->g, buf);
        if (!wf || !bf)
            return oom(b->g, b->d);
        cc_set_shape(bf, CC_DT_FLOAT, 1, &m);
        bf->loc = CC_LOC_ARENA;
        cc_call f;
        memset(&f, 0, sizeof f);
        f.k = CC_K_BN_FOLD;
        f.args[0] = wf; f.args[1] = bf; f.args[2] = w; f.args[3] = cv->args[3];
        for (int a = 0; a < 4; a++)
            f.args[a + 4] = bn->args[s + a];
        f.p.norm.n = 1;
        f.p.norm.c = m;
        f.p.norm.size = cc_numel(w) / m;
        f.p.norm.eps = bn->p.norm.eps;
        cv->args[2] = wf;
        cv->args[3] = bf;
        cc_node *bn_node = b->owner[i];
        if (add) {
            /* z now holds bn(conv): y = max(0, z + r) */
            cc_call ar;
            memset(&ar, 0, sizeof ar);
            ar.k = CC_K_ADD_RELU;
            ar.args[0] = bn->args[0]; ar.args[1] = z; ar.args[2] = bn->args[2];
            ar.p.addrelu.n = cc_numel(bn->args[0]);
            *bn = ar;
            /* the fold goes right before the convolution, the rest moves up */
            for (int k = cl->n - 1; k > j; k--) {
                cl->v[k] = cl->v[k - 1];
                b->owner[k] = b->owner[k - 1];
            }
            i++;
        } else {
            cv->args[0] = bn->args[0];
            cv->p.conv.act = bn->p.norm.relu ? RT_UN_RELU : RT_UN_NONE;
            z->loc = CC_LOC_NONE;
            /* the fold takes the batch norm's place in the list, then moves
             * to right before the convolution */
            for (int k = i; k > j; k--) {
                cl->v[k] = cl->v[k - 1];
                b->owner[k] = b->owner[k - 1];
            }
        }
        cl->v[j] = f;
        b->owner[j] = bn_node;
    }
    return CC_OK;
}

/* The gradient buffer of x's storage, created on first use; the zeroing
 * call is appended before the first accumulation into it. */
static cc_status grad_of(builder *b, cc_tensor *x, cc_tensor **out)
{
    cc_tensor *r = root(x);
    *out = NULL;
    if (!b->ng[r->id])
        return CC_OK;
    if (!b->grad[r->id]) {
        b->grad[r->id] = shaped_like(b->g, r, "grad");
        if (!b->grad[r->id])
            return oom(b->g, b->d);
    }
    cc_tensor *gt = b->grad[r->id];
    if (!b->ginit[gt->id]) {
        cc_call *z = cc_calls_add(b->calls, CC_K_ZERO);
        if (!z)
            return oom(b->g, b->d);
        z->args[0] = gt;
        z->p.drop.n = cc_numel(gt);
        b->ginit[gt->id] = 1;
    }
    *out = gt;
    return CC_OK;
}

/* r8fwd: the backward of y = max(0, bn(x) + r) (rt_bn_add_relu_forward):
 * rt_add_relu_backward stores the gradient of bn(x) in a scratch tensor
 * (and gives r its gradient), then rt_batchnorm_backward takes it from
 * there; each gradient's zeroing call sits right before its first writer. */
static cc_status backward_bn_add_relu(builder *b, const cc_call *c, cc_tensor *dy)
{
    cc_tensor *gr = NULL, *gx[3] = {NULL, NULL, NULL}, *gbn = NULL;
    const cc_tensor *rr = root(c->args[2]);
    /* r's gradient receives its first contribution here: it then equals
     * bn(x)'s until a later call adds to it, and rt_batchnorm_backward, the
     * very next call, reads it as its dy (one buffer written, not two) */
    const int fresh = !b->grad[rr->id] || !b->ginit[b->grad[rr->id]->id];
    cc_status st = grad_of(b, c->args[2], &gr);
    if (st)
        return st;
    const int need_bn = b->ng[root(c->args[1])->id] || b->ng[root(c->args[3])->id] ||
                        b->ng[root(c->args[4])->id];
    const int shared = need_bn && gr && fresh;
    if (need_bn && !shared && !(gbn = shaped_like(b->g, c->args[1], "bngrad")))
        return oom(b->g, b->d);
    if (shared)
        gbn = gr;
    if (!gr && !gbn)
        return CC_OK;
    cc_call *ar = cc_calls_add(b->calls, CC_K_ADD_RELU_B);
    if (!ar)
        return oom(b->g, b->d);
    ar->p.addrelu.n = cc_numel(c->args[0]);
    ar->p.addrelu.overwrite_a = 1;      /* gbn: written here, read by the next call */
    ar->args[0] = shared ? NULL : gbn;
    ar->args[1] = gr;
    ar->args[2] = dy;
    ar->args[3] = c->args[0];
    if (!gbn)
        return CC_OK;
    for (int k = 0; k < 3; k++) {
        st = grad_of(b, c->args[k == 0 ? 1 : k + 2], &gx[k]);
        if (st)
            return st;
    }
    cc_call *bc = cc_calls_add(b->calls, CC_K_BATCHNORM_B);
    if (!bc)
        return oom(b->g, b->d);
    bc->p = c->p;
    bc->p.norm.relu = 0;
    /* (dx, dscale, dbias, dy, x, scale, mean, var) */
    bc->args[0] = gx[0]; bc->args[1] = gx[1]; bc->args[2] = gx[2]; bc->args[3] = gbn;
    bc->args[4] = c->args[1]; bc->args[5] = c->args[3]; bc->args[6] = c->args[5];
    bc->args[7] = c->args[6];
    return CC_OK;
}

/* bnfold: the backward of rt_bn_fold (wf, bf) = fold(w, b, scale, bias,
 * mean, var): the convolution's backward, run with wf, left dwf and dbf,
 * from which rt_bn_fold_backward accumulates the gradients of w, b, scale
 * and bias (the statistics get none). */
static cc_status backward_bn_fold(builder *b, const cc_call *c, cc_node *n, cc_tensor *dwf)
{
    cc_tensor *dbf = b->grad[root(c->args[1])->id];
    if (!dbf)
        return cc_node_fail(b->d, b->g, n, CC_ERR_UNSUPPORTED, "folded batch norm without the "
                            "gradient of its bias");
    cc_tensor *gx[4] = {NULL, NULL, NULL, NULL};
    for (int k = 0; k < 4; k++) {
        cc_tensor *x = c->args[k + 2];
        if (!x)
            continue;
        cc_status st = grad_of(b, x, &gx[k]);
        if (st)
            return st;
    }
    if (!gx[0] && !gx[1] && !gx[2] && !gx[3])
        return CC_OK;
    cc_call *bc = cc_calls_add(b->calls, CC_K_BN_FOLD_B);
    if (!bc)
        return oom(b->g, b->d);
    bc->p = c->p;
    /* (dw, db, dscale, dbias, dwf, dbf, w, b, scale, mean, var) */
    for (int k = 0; k < 4; k++)
        bc->args[k] = gx[k];
    bc->args[4] = dwf; bc->args[5] = dbf;
    bc->args[6] = c->args[2]; bc->args[7] = c->args[3]; bc->args[8] = c->args[4];
    bc->args[9] = c->args[6]; bc->args[10] = c->args[7];
    return CC_OK;
}

/* Appends the backward call of forward call c (of node n), whose output
 * gradient is dy. */
static cc_status backward_of(builder *b, const cc_call *c, cc_node *n, cc_tensor *dy)
{
    cc_graph *g = b->g;
    cc_tensor *gx[4] = {NULL, NULL, NULL, NULL};
    static const struct {
        cc_kernel fwd, bwd;
        int ngrad;          /* forward inputs args[1..ngrad] get gradients */
    } map[] = {
        {CC_K_UNARY, CC_K_UNARY_B, 1}, {CC_K_BINARY, CC_K_BINARY_B, 2},
        {CC_K_CONV, CC_K_CONV_B, 3}, {CC_K_MAXPOOL, CC_K_MAXPOOL_B, 1},
        {CC_K_AVGPOOL, CC_K_AVGPOOL_B, 1}, {CC_K_GAVGPOOL, CC_K_GAVGPOOL_B, 1},
        {CC_K_GMAXPOOL, CC_K_GMAXPOOL_B, 1}, {CC_K_GEMM, CC_K_GEMM_B, 3},
        {CC_K_MATMUL, CC_K_MATMUL_B, 2}, {CC_K_SOFTMAX, CC_K_SOFTMAX_B, 1},
        {CC_K_BATCHNORM, CC_K_BATCHNORM_B, 3}, {CC_K_COPY, CC_K_ADD_STRIDED, 1},
        {CC_K_PAD, CC_K_PAD_B, 1}, {CC_K_DROPOUT, CC_K_DROPOUT_B, 0},
        {CC_K_CONV_WS, CC_K_CONV_WS_B, 3}, /* r8fwd; r8wino: its own backward */
        {CC_K_ADD_RELU, CC_K_ADD_RELU_B, 2}, /* r8fwd */
    };
    if (c->k == CC_K_BN_ADD_RELU)   /* r8fwd */
        return backward_bn_add_relu(b, c, dy);
    if (c->k == CC_K_BN_FOLD)       /* bnfold */
        return backward_bn_fold(b, c, n, dy);
    int m = -1;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].fwd == c->k)
            m = (int)i;
    if (m < 0 || (c->k == CC_K_COPY && c->p.copy.elem_size != 4))
        return cc_node_fail(b->d, g, n, CC_ERR_UNSUPPORTED, "%s has no backward pass, so "
                            "nothing before it can be trained (freeze those parameters with "
                            "--trainable)", n->op->name);
    /* an in-place chain (y = op(y, ...)) lost the values backward needs */
    for (int a = 1; a < cc_kernel_nargs(c->k); a++)
        if (c->args[a] && root(c->args[a]) == root(c->args[0]))
            return cc_node_fail(b->d, g, n, CC_ERR_UNSUPPORTED, "%s is computed in several "
                                "in-place steps and has no backward pass", n->op->name);
    /* bnfold: a convolution's Relu is the one fold_bn took from its batch
     * norm; any other fused activation has no backward */
    const int conv_relu = (c->k == CC_K_CONV || c->k == CC_K_CONV_WS) &&
                          c->p.conv.act == RT_UN_RELU;
    if (((c->k == CC_K_CONV || c->k == CC_K_CONV_WS) && c->p.conv.act != RT_UN_NONE &&
         !conv_relu) ||
        (c->k == CC_K_GEMM && c->p.gemm.act != RT_UN_NONE))
        return cc_node_fail(b->d, g, n, CC_ERR_UNSUPPORTED, "fused activation in training");
    if (conv_relu) {
        /* dy *= (y > 0) in place (the whole gradient of y is in, and only
         * this backward reads it), before the gradients' zeroing calls so
         * that the first-writer rule below still sees the convolution's
         * backward right after dx's */
        int need = 0;
        for (int k = 1; k <= 3; k++)
            need |= c->args[k] && b->ng[root(c->args[k])->id];
        if (need) {
            cc_call *mk = cc_calls_add(b->calls, CC_K_UNARY_B);
            if (!mk)
                return oom(g, b->d);
            mk->p.un.op = RT_UN_RELU;
            mk->p.un.n = cc_numel(c->args[0]);
            mk->p.un.overwrite = 1;
            mk->args[0] = dy; mk->args[1] = dy;
            mk->args[2] = c->args[0]; mk->args[3] = c->args[0];
        }
    }
    int first_in = c->k == CC_K_DROPOUT ? 2 : 1;
    if (c->k == CC_K_DROPOUT) {
        cc_status st = grad_of(b, c->args[2], &gx[0]);
        if (st)
            return st;
    } else {
        for (int k = 0; k < map[m].ngrad; k++) {
            if (!c->args[first_in + k])
                continue;
            cc_status st = grad_of(b, c->args[first_in + k], &gx[k]);
            if (st)
                return st;
        }
    }
    if (!gx[0] && !gx[1] && !gx[2])
        return CC_OK;
    int relu_bn = c->k == CC_K_BATCHNORM && c->p.norm.relu;
    cc_call *bc = cc_calls_add(b->calls, relu_bn ? CC_K_BATCHNORM_RELU_B : map[m].bwd);
    if (!bc)
        return oom(g, b->d);
    bc->p = c->p;
    const cc_tensor *y = c->args[0];
    switch (c->k) {
    case CC_K_UNARY: /* (dx, dy, x, y) */
        bc->args[0] = gx[0]; bc->args[1] = dy; bc->args[2] = c->args[1];
        bc->args[3] = (cc_tensor *)y;
        break;
    case CC_K_BINARY: /* (da, db, dy, a, b) */
        bc->args[0] = gx[0]; bc->args[1] = gx[1]; bc->args[2] = dy;
        bc->args[3] = c->args[1]; bc->args[4] = c->args[2];
        break;
    case CC_K_CONV: /* (dx, dw, db, dy, x, w) */
    case CC_K_CONV_WS: /* r8wino: (dx, dw, db, dy, x, w, u), u the forward's U */
        bc->p.conv.act = RT_UN_NONE;    /* bnfold: its Relu was masked above */
        /* fall through */
    case CC_K_GEMM: /* (da, db, dc, dy, a, b) */
        bc->args[0] = gx[0]; bc->args[1] = gx[1]; bc->args[2] = gx[2]; bc->args[3] = dy;
        bc->args[4] = c->args[1]; bc->args[5] = c->args[2];
        if (c->k == CC_K_CONV_WS)
            bc->args[6] = c->args[4];
        break;
    case CC_K_ADD_RELU: /* r8fwd: (da, db, dy, y) */
        bc->args[0] = gx[0]; bc->args[1] = gx[1]; bc->args[2] = dy;
        bc->args[3] = (cc_tensor *)y;
        break;
    case CC_K_MATMUL: /* (da, db, dy, a, b) */
        bc->args[0] = gx[0]; bc->args[1] = gx[1]; bc->args[2] = dy;
        bc->args[3] = c->args[1]; bc->args[4] = c->args[2];
        break;
    case CC_K_MAXPOOL:
    case CC_K_GMAXPOOL: /* (dx, dy, x) */
        bc->args[0] = gx[0]; bc->args[1] = dy; bc->args[2] = c->args[1];
        break;
    case CC_K_AVGPOOL:
    case CC_K_GAVGPOOL:
    case CC_K_PAD: /* (dx, dy) */
        bc->args[0] = gx[0]; bc->args[1] = dy;
        break;
    case CC_K_SOFTMAX: /* (dx, dy, y) */
        bc->args[0] = gx[0]; bc->args[1] = dy; bc->args[2] = (cc_tensor *)y;
        break;
    case CC_K_BATCHNORM: /* (dx, dscale, dbias, dy, x, [bias,] scale, mean, var) */
        bc->args[0] = gx[0]; bc->args[1] = gx[1]; bc->args[2] = gx[2]; bc->args[3] = dy;
        bc->args[4] = c->args[1];
        bc->args[5 + relu_bn] = c->args[2];
        bc->args[6 + relu_bn] = c->args[4];
        bc->args[7 + relu_bn] = c->args[5];
        if (relu_bn) {  /* the forward's bias rebuilds the Relu mask from x */
            bc->args[5] = c->args[3];
            bc->p.norm.relu = 0;    /* the kernel itself is the fused one */
        }
        break;
    case CC_K_COPY: { /* the forward's roles exchanged: dx[x index] += dy[y index] */
        rt_copy_params *p = &bc->p.copy;
        for (int i = 0; i < p->ndim; i++) {
            int64_t s = p->ystride[i];
            p->ystride[i] = p->xstride[i];
            p->xstride[i] = s;
        }
        int64_t o = p->yoff;
        p->yoff = p->xoff;
        p->xoff = o;
        bc->args[0] = gx[0]; bc->args[1] = dy;
        break;
    }
    case CC_K_DROPOUT: /* (dx, dy, mask) */
        bc->args[0] = gx[0]; bc->args[1] = dy; bc->args[2] = c->args[1];
        break;
    default:
        break;
    }
    return CC_OK;
}

/* r8elt: whether call c refers to the storage of t (written: only through
 * an argument the kernel may write). */
static int refers(const cc_call *c, const cc_tensor *t, int written)
{
    for (int a = 0; a < cc_kernel_nargs(c->k); a++)
        if (c->args[a] && root(c->args[a]) == t && (!written || cc_kernel_arg_written(c->k, a)))
            return 1;
    return 0;
}

/* r8elt: whether t is the gradient of a trainable parameter (read by the
 * update after the last call) or the loss's. */
static int param_grad(const builder *b, const cc_tensor *t)
{
    if (t == b->t->dpred)
        return 1;
    for (int i = 0; i < b->g->ntensors; i++)
        if (b->g->tensors[i]->trainable && b->grad[b->g->tensors[i]->id] == t)
            return 1;
    return 0;
}

/* r8elt: replaces the gradient tensor `from` by `to` in calls [i, end). */
static void rename_grad(cc_calls *cl, int i, int end, const cc_tensor *from, cc_tensor *to)
{
    for (; i < end; i++)
        for (int a = 0; a < cc_kernel_nargs(cl->v[i].k); a++)
            if (cl->v[i].args[a] && root(cl->v[i].args[a]) == from)
                cl->v[i].args[a] = to;
}

/* r8elt: rt_add_relu_backward at call i stores the same masked gradient g
 * as both operands' first contributions (da and db fresh). The gradient
 * `drop` (one of them) can be read from the other one, `keep`, instead
 * when after i nothing writes either of them until drop's last reader:
 * neither then changes while drop is read, and keep's later accumulations
 * (a skip connection's other reader) come after it. */
static int share_grad(const builder *b, int i, const cc_tensor *drop, cc_tensor *keep)
{
    const cc_calls *cl = b->calls;
    if (!drop || !keep || drop == keep || cc_numel(drop) != cc_numel(keep) ||
        param_grad(b, drop))
        return 0;
    int last = i;
    for (int j = i + 1; j < cl->n; j++)
        if (refers(&cl->v[j], drop, 0))
            last = j;
    for (int j = b->t->nfwd; j < i; j++)
        if (refers(&cl->v[j], drop, 0))
            return 0;
    for (int j = i + 1; j <= last; j++)
        if (refers(&cl->v[j], drop, 1) || refers(&cl->v[j], keep, 1))
            return 0;
    rename_grad(b->calls, i + 1, last + 1, drop, keep);
    return 1;
}

/* r8elt: then the one gradient left, g = dy * (y > 0), is computed in
 * place in dy's buffer when nothing reads dy after call i (dy is the
 * gradient of y, which only the backward of y's producer reads) and g had
 * no writer before: g takes dy's storage from i on. So the residual's
 * backward is one in-place pass over dy and y (it was dy, y read and two
 * gradients written), the two branches' gradients need no buffer of their
 * own, and the skip's other reader accumulates into it. */
static void share_add_relu_grads(builder *b)
{
    cc_calls *cl = b->calls;
    for (int i = b->t->nfwd + 1; i < cl->n; i++) {
        cc_call *c = &cl->v[i];
        if (c->k != CC_K_ADD_RELU_B)
            continue;
        rt_add_relu_params *p = &c->p.addrelu;
        if (c->args[0] && c->args[1] && p->overwrite_a && p->overwrite_b) {
            if (share_grad(b, i, c->args[0], c->args[1])) {
                c->args[0] = NULL;
                p->overwrite_a = 0;
            } else if (share_grad(b, i, c->args[1], c->args[0])) {
                c->args[1] = NULL;
                p->overwrite_b = 0;
            }
        }
        const int k = c->args[0] && !c->args[1] ? 0 : !c->args[0] && c->args[1] ? 1 : -1;
        if (k < 0 || !(k ? p->overwrite_b : p->overwrite_a))
            continue;
        cc_tensor *gk = c->args[k], *dy = c->args[2];
        if (root(gk) != gk || root(dy) != dy || gk == dy || cc_numel(gk) != cc_numel(dy) ||
            dy->loc != CC_LOC_ARENA || gk->loc != CC_LOC_ARENA || param_grad(b, gk) ||
            param_grad(b, dy))
            continue;
        int ok = 1;
        for (int j = b->t->nfwd; j < cl->n && ok; j++)
            if (j != i)
                ok = !refers(&cl->v[j], j < i ? gk : dy, 0);
        if (!ok)
            continue;
        rename_grad(cl, i, cl->n, gk, dy);
    }
}

/* r8elt: y = max(0, z + r) (rt_add_relu_forward) where z is a
 * convolution's output and r was computed before that convolution, each
 * read by nothing but this Add (a projection shortcut: the convolution's
 * backward reads its input, not its output): r's producer writes y's
 * storage instead, and the convolution accumulates onto it with the Relu
 * as its activation, y = relu(r + conv(x) + b), in its own epilogue (as
 * inference does with residual adds). The Add's pass over three tensors
 * and z's buffer go; the backward, built before, still masks by y. */
static void fuse_residual_fwd(builder *b)
{
    cc_calls *cl = b->calls;
    cc_train *t = b->t;
    for (int i = 1; i < t->nfwd; i++) {
        cc_call *ad = &cl->v[i];
        if (ad->k != CC_K_ADD_RELU)
            continue;
        cc_tensor *y = ad->args[0];
        for (int k = 1; k <= 2; k++) {
            cc_tensor *z = ad->args[k], *r = ad->args[3 - k];
            if (!z || !r || root(z) != z || root(r) != r || root(y) != y || z == r ||
                z->loc != CC_LOC_ARENA || r->loc != CC_LOC_ARENA || y->loc != CC_LOC_ARENA ||
                z->output_index >= 0 || r->output_index >= 0 || z == t->pred || r == t->pred ||
                call_refs(cl, z) != 2 ||
                cc_numel(z) != ad->p.addrelu.n || cc_numel(r) != ad->p.addrelu.n ||
                cc_numel(y) != ad->p.addrelu.n)
                continue;
            int j = writer_before(cl, i, z), jr;
            if (j < 0)
                continue;
            cc_call *cv = &cl->v[j];
            const rt_conv_params *cp = &cv->p.conv;
            if ((cv->k != CC_K_CONV && cv->k != CC_K_CONV_WS) || cp->act != RT_UN_NONE ||
                cp->accumulate || cp->hwc ||
                cc_numel(z) != (int64_t)cp->n * cp->m * cp->out[0] * cp->out[1] * cp->out[2])
                continue;
            jr = writer_before(cl, j, r);
            if (jr < 0 || call_refs(cl, r) != 2) {
                /* r has other readers (an identity shortcut) or comes
                 * later: a Winograd training convolution reads it as the
                 * residual operand of rt_conv_forward_ws_res, where nothing
                 * between the two writes r and nothing before the Add
                 * refers to y */
                int ok = cv->k == CC_K_CONV_WS && root(y) != root(r);
                for (int q = j + 1; q < i && ok; q++)
                    ok = !refers(&cl->v[q], r, 1);
                for (int q = 0; q < i && ok; q++)
                    ok = !refers(&cl->v[q], y, 0);
                if (!ok)
                    continue;
                cv->k = CC_K_CONV_WS_RES;
                cv->args[0] = y;
                cv->args[5] = r;
                cv->p.conv.act = RT_UN_RELU;
                memmove(&cl->v[i], &cl->v[i + 1], (size_t)(cl->n - i - 1) * sizeof cl->v[0]);
                cl->n--;
                t->nfwd--;
                i--;
                break;
            }
            /* r's producer writes r whole and reads no r (its only other
             * reference is the Add), and nothing refers to y before the Add */
            int ok = 1;
            for (int a = 1; a < cc_kernel_nargs(cl->v[jr].k); a++)
                ok &= !cl->v[jr].args[a] || root(cl->v[jr].args[a]) != r;
            for (int q = 0; q < i && ok; q++)
                ok = !refers(&cl->v[q], y, 0);
            if (!ok)
                continue;
            cl->v[jr].args[0] = y;
            cv->args[0] = y;
            cv->p.conv.accumulate = 1;
            cv->p.conv.act = RT_UN_RELU;
            memmove(&cl->v[i], &cl->v[i + 1], (size_t)(cl->n - i - 1) * sizeof cl->v[0]);
            cl->n--;
            t->nfwd--;
            i--;
            break;
        }
    }
}

/* r8elt: the in-place Relu mask of a folded convolution's output h
 * (rt_unary_backward(dh, dh, h, h), see backward_of) whose gradient dh was
 * last written by the Winograd-capable backward of the convolution that
 * reads h (rt_conv_backward_ws, dx = dh, x = h) moves into that call
 * (relu_dx): its dX output stage masks what it stores, and the pass over
 * dh and h goes. Nothing in between refers to dh (it is the last writer)
 * or writes h. */
static void fuse_relu_dx(builder *b)
{
    cc_calls *cl = b->calls;
    for (int i = b->t->nfwd + 1; i < cl->n; i++) {
        const cc_call *mk = &cl->v[i];
        if (mk->k != CC_K_UNARY_B || mk->p.un.op != RT_UN_RELU || !mk->p.un.overwrite ||
            !mk->args[0] || mk->args[0] != mk->args[1] || mk->args[2] != mk->args[3] ||
            !mk->args[2])
            continue;
        const cc_tensor *dh = root(mk->args[0]), *h = root(mk->args[2]);
        int j = i - 1;
        while (j > b->t->nfwd && !refers(&cl->v[j], dh, 0) && !refers(&cl->v[j], h, 1))
            j--;
        cc_call *cv = &cl->v[j];
        if (cv->k != CC_K_CONV_WS_B || !cv->args[0] || root(cv->args[0]) != dh ||
            !cv->args[4] || root(cv->args[4]) != h || cv->p.conv.relu_dx ||
            cc_numel(dh) != mk->p.un.n || cc_numel(h) != mk->p.un.n ||
            cc_numel(cv->args[0]) != mk->p.un.n)
            continue;
        for (int a = 1; a < cc_kernel_nargs(cv->k); a++)
            if (cv->args[a] && a != 4 && root(cv->args[a]) == dh)
                j = -1;
        if (j < 0)
            continue;
        cv->p.conv.relu_dx = 1;
        memmove(&cl->v[i], &cl->v[i + 1], (size_t)(cl->n - i - 1) * sizeof cl->v[0]);
        cl->n--;
        i--;
    }
}

/* FNV-1a over what a parameter blob depends on: the graph's ops, the
 * trainable parameters' names and sizes, the optimizer and the loss. */
static uint64_t fingerprint(const cc_train *t, const cc_graph *g)
{
    uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
    for (int i = 0; i < g->nnodes; i++) {
        const cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        /* ops, not activation shapes: a blob does not depend on the batch */
        for (const char *c = n->op->name; *c; c++)
            MIX((unsigned char)*c);
    }
    for (int i = 0; i < t->nparams; i++) {
        for (const char *c = t->params[i].w->name; *c; c++)
            MIX((unsigned char)*c);
        MIX(cc_numel(t->params[i].w));
    }
    MIX(t->o.opt.kind);
    MIX(t->o.loss);
#undef MIX
    return h;
}

cc_status cc_train_build(cc_graph *g, const cc_train_opts *o, cc_train *t, cc_diag *d)
{
    memset(t, 0, sizeof *t);
    t->o = *o;
    if (g->ninputs != 1 || g->noutputs != 1)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: training needs a model with one input and one "
                       "output (it has %d and %d)", g->path, g->ninputs, g->noutputs);
    t->input = g->inputs[0];
    t->output = g->outputs[0];
    if (t->input->dtype != CC_DT_FLOAT || t->output->dtype != CC_DT_FLOAT ||
        t->input->rank < 1 || t->output->rank < 1)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: training needs a float input and output with "
                       "a batch axis", g->path);
    if (cc_numel(t->input) == 0 || cc_numel(t->output) == 0) {
        /* an empty batch: the loss would divide by zero */
        char si[128], so[128];
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: training needs a non-empty input and output "
                       "(input '%.200s' is %s, output '%.200s' is %s)", g->path, t->input->name,
                       cc_shape_str(t->input, si, sizeof si), t->output->name,
                       cc_shape_str(t->output, so, sizeof so));
    }
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *x = g->tensors[i];
        x->loc = x->data ? CC_LOC_CONST : CC_LOC_NONE;
        x->alias = NULL;
        x->first = x->last = -1;
        x->used = 0;
    }
    t->input->loc = CC_LOC_ARENA;

    builder b = {g, t, &t->prog.calls, NULL, 0, NULL, NULL, NULL, d};
    t->prog.g = g;
    t->prog.calls.ctx = g->ctx;
    cc_status st = lower_forward(&b);
    if (!st)
        st = fold_bn(&b);
    if (st)
        return st;

    /* what the loss reads: logits before a final Softmax/LogSoftmax (CE) or
     * Sigmoid (BCE), else the output */
    cc_tensor *out_root = root(t->output);
    t->pred = t->output;
    const cc_call *last = NULL;
    for (int i = t->prog.calls.n - 1; i >= 0 && !last; i--)
        if (root(t->prog.calls.v[i].args[0]) == out_root)
            last = &t->prog.calls.v[i];
    if (last && o->loss == CC_LOSS_CE && last->k == CC_K_SOFTMAX)
        t->pred = last->args[1];
    if (last && o->loss == CC_LOSS_BCE && last->k == CC_K_UNARY && last->p.un.op == RT_UN_SIGMOID)
        t->pred = last->args[1];
    t->loss_on_logits = o->loss == CC_LOSS_BCE;
    int64_t batch = t->pred->shape[0];
    if (o->loss == CC_LOSS_CE && (t->pred->rank < 2 || cc_numel(t->pred) / batch < 2))
        return cc_fail(d, CC_ERR_USAGE, "%s: cross-entropy needs class scores [batch, classes] "
                       "at the output", g->path);
    t->dpred = shaped_like(g, root(t->pred), "grad");
    if (!t->dpred)
        return oom(g, d);
    t->nfwd = t->prog.calls.n;
    cc_call *lc = cc_calls_add(&t->prog.calls, CC_K_LOSS);
    if (!lc)
        return oom(g, d);
    lc->args[0] = t->dpred;
    lc->args[1] = t->pred;

    /* which tensors lead to a trainable parameter */
    size_t cap = (size_t)g->ntensors * 4 + 64; /* room for the gradients to come */
    b.ng = cc_alloc(g->ctx, cap);
    b.ginit = cc_alloc(g->ctx, cap);
    b.grad = cc_alloc_array(g->ctx, cap, sizeof *b.grad);
    if (!b.ng || !b.ginit || !b.grad)
        return oom(g, d);
    for (int i = 0; i < g->ntensors; i++)
        b.ng[i] = g->tensors[i]->trainable && g->tensors[i]->data;
    for (int i = 0; i < t->nfwd; i++) {
        const cc_call *c = &t->prog.calls.v[i];
        int first_in = c->k == CC_K_DROPOUT || c->k == CC_K_BN_FOLD ? 2 : 1;
        for (int a = first_in; a < cc_kernel_nargs(c->k); a++)
            if (c->args[a] && b.ng[root(c->args[a])->id])
                b.ng[root(c->args[0])->id] = 1;
        if (c->k == CC_K_BN_FOLD) /* bnfold: bf is an output too */
            b.ng[root(c->args[1])->id] = b.ng[root(c->args[0])->id];
    }
    if (!b.ng[root(t->pred)->id])
        return cc_fail(d, CC_ERR_USAGE, "%s: no trainable parameter influences the output",
                       g->path);
    b.grad[root(t->pred)->id] = t->dpred;
    b.ginit[t->dpred->id] = 1;

    /* backward, in reverse */
    for (int i = t->nfwd - 1; i >= 1; i--) {
        const cc_call c = t->prog.calls.v[i]; /* copy: the list grows */
        cc_tensor *y = root(c.args[0]);
        if (!b.ng[y->id] || !b.grad[y->id])
            continue;
        if ((size_t)g->ntensors + 8 > cap)
            return cc_fail(d, CC_ERR_IO, "%s: too many gradients", g->path);
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): own() recorded every forward call */
        st = backward_of(&b, &c, b.owner[i], b.grad[y->id]);
        if (st)
            return st;
    }

    /* a gradient whose first writer is a unary, batch-norm or convolution
     * backward writing it as dx (only zeroing calls between) is stored, not
     * zeroed and accumulated into */
    cc_calls *cl = &t->prog.calls;
    int keep = t->nfwd + 1;
    for (int i = t->nfwd + 1; i < cl->n; i++) {
        cc_call *z = &cl->v[i];
        if (z->k == CC_K_ZERO) {
            int j = i + 1;
            while (j < cl->n && cl->v[j].k == CC_K_ZERO)
                j++;
            cc_call *w = j < cl->n ? &cl->v[j] : NULL;
            int first = w && (w->k == CC_K_UNARY_B || w->k == CC_K_BATCHNORM_B ||
                              w->k == CC_K_BATCHNORM_RELU_B || w->k == CC_K_CONV_B ||
                              w->k == CC_K_CONV_WS_B) &&
                        w->args[0] == z->args[0];
            for (int a = 1; first && a < cc_kernel_nargs(w->k); a++)
                if (w->args[a] && root(w->args[a]) == root(z->args[0]))
                    first = 0;
            /* r8fwd: either gradient of rt_add_relu_backward (fuse_add_relu
             * made them distinct storage, apart from dy and y) */
            if (w && w->k == CC_K_ADD_RELU_B) {
                const int k = w->args[0] == z->args[0] ? 0 : w->args[1] == z->args[0] ? 1 : -1;
                first = k >= 0;
                for (int a = 0; first && a < 4; a++)
                    if (a != k && w->args[a] && root(w->args[a]) == root(z->args[0]))
                        first = 0;
                if (first) {
                    if (k == 0)
                        w->p.addrelu.overwrite_a = 1;
                    else
                        w->p.addrelu.overwrite_b = 1;
                    continue;
                }
            }
            if (first) {
                if (w->k == CC_K_UNARY_B)
                    w->p.un.overwrite = 1;
                else if (w->k == CC_K_CONV_B || w->k == CC_K_CONV_WS_B)
                    w->p.conv.overwrite = 1;
                else
                    w->p.norm.overwrite = 1;
                continue;
            }
        }
        cl->v[keep++] = *z;
    }
    cl->n = keep;
    share_add_relu_grads(&b);   /* r8elt */
    fuse_residual_fwd(&b);      /* r8elt */
    fuse_relu_dx(&b);           /* r8elt */

    /* parameters: trainable ones that received a gradient */
    t->params = cc_alloc_array(g->ctx, (size_t)g->ntensors + 1, sizeof *t->params);
    if (!t->params)
        return oom(g, d);
    int64_t off = TRAIN_HEADER_BYTES;
    int64_t per = t->o.opt.kind == RT_OPT_SGD ? 1 : 2;
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *w = g->tensors[i];
        if (!w->trainable)
            continue;
        if (!b.grad[w->id]) {
            w->trainable = 0; /* no gradient reaches it: it stays constant */
            continue;
        }
        cc_param *p = &t->params[t->nparams++];
        p->w = w;
        p->g = b.grad[w->id];
        p->state_off = off;
        off += align16(per * cc_numel(w) * 4);
    }
    if (!t->nparams)
        return cc_fail(d, CC_ERR_USAGE, "%s: nothing to train", g->path);
    t->header_bytes = TRAIN_HEADER_BYTES;
    t->state_bytes = off - TRAIN_HEADER_BYTES;
    t->scratch_base = off;

    /* plan the scratch over call order; gradients live until the update */
    cc_program *pr = &t->prog;
    pr->nsteps = pr->calls.n;
    for (int i = 0; i < pr->calls.n; i++) {
        const cc_call *c = &pr->calls.v[i];
        for (int a = 0; a < cc_kernel_nargs(c->k); a++) {
            cc_tensor *x = c->args[a] ? root(c->args[a]) : NULL;
            if (!x)
                continue;
            x->used = 1;
            if (x->loc != CC_LOC_ARENA)
                continue;
            if (x->first < 0 || i < x->first)
                x->first = i;
            if (i > x->last)
                x->last = i;
        }
    }
    t->input->first = 0;
    if (t->pred->last < t->nfwd)
        root(t->pred)->last = t->nfwd;
    for (int i = 0; i < t->nparams; i++)
        t->params[i].g->last = pr->nsteps;
    pr->nsteps++;
    st = cc_place_arena(pr, d);
    if (st)
        return st;
    for (int i = 0; i < g->ntensors; i++)
        if (g->tensors[i]->loc == CC_LOC_ARENA)
            g->tensors[i]->offset += t->scratch_base;
    pr->arena_bytes += t->scratch_base;
    pr->arena_bytes_base += t->scratch_base;
    t->fingerprint = fingerprint(t, g);
    return cc_snapshot_places(pr, d);
}
