/*
 * ops_elementwise.c - element-wise ops: unary functions and activations,
 * binary arithmetic with multidirectional broadcasting (and the legacy
 * broadcast/axis attributes of opsets before 7), variadic Max/Min/Sum/Mean,
 * and Clip. Computed in float32; Add, Sub, Mul, Div, Pow, Max, Min, Sum,
 * Neg, Abs and Clip of other numeric types lower to the same float kernels,
 * which cc_calls_retype turns into the typed ones (runtime/typed.c).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ops.h"

static cc_status need_float(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d)
{
    if (t->dtype != CC_DT_FLOAT)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s is supported for float32 only", t->name, cc_dtype_name(t->dtype),
                            n->op->name);
    return CC_OK;
}

/* ------------------------------------------------------------ unary */

/* Maps a unary node to its runtime function and parameters. */
static int unary_op(const cc_node *n, rt_unary_op *op, float *alpha, float *beta)
{
    static const struct {
        const char *name;
        rt_unary_op op;
    } map[] = {
        {"Relu", RT_UN_RELU}, {"LeakyRelu", RT_UN_LEAKYRELU}, {"Elu", RT_UN_ELU},
        {"Selu", RT_UN_SELU}, {"Sigmoid", RT_UN_SIGMOID}, {"HardSigmoid", RT_UN_HARDSIGMOID},
        {"HardSwish", RT_UN_HARDSWISH}, {"Tanh", RT_UN_TANH}, {"Softplus", RT_UN_SOFTPLUS},
        {"Softsign", RT_UN_SOFTSIGN}, {"Sqrt", RT_UN_SQRT}, {"Exp", RT_UN_EXP},
        {"Log", RT_UN_LOG}, {"Abs", RT_UN_ABS}, {"Neg", RT_UN_NEG},
        {"Reciprocal", RT_UN_RECIPROCAL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(n->op->name, map[i].name) != 0)
            continue;
        *op = map[i].op;
        *alpha = 0.0f;
        *beta = 0.0f;
        switch (map[i].op) {
        case RT_UN_LEAKYRELU: *alpha = cc_attr_float(n, "alpha", 0.01f); break;
        case RT_UN_ELU: *alpha = cc_attr_float(n, "alpha", 1.0f); break;
        case RT_UN_SELU:
            *alpha = cc_attr_float(n, "alpha", 1.67326319217681884765625f);
            *beta = cc_attr_float(n, "gamma", 1.05070102214813232421875f);
            break;
        case RT_UN_HARDSIGMOID:
            *alpha = cc_attr_float(n, "alpha", 0.2f);
            *beta = cc_attr_float(n, "beta", 0.5f);
            break;
        default: break;
        }
        return 1;
    }
    return 0;
}

/* Clip bounds known at compile time: from attributes (opset < 11) or
 * constant inputs; 0 when a bound arrives at run time. */
static int clip_bounds(const cc_graph *g, const cc_node *n, float *lo, float *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    if (g->opset < 11) {
        *lo = cc_attr_float(n, "min", -FLT_MAX);
        *hi = cc_attr_float(n, "max", FLT_MAX);
        return 1;
    }
    for (int k = 1; k < 3; k++) {
        const cc_tensor *t = k < n->nin ? n->in[k] : NULL;
        if (!t)
            continue;
        if (!t->data)
            return 0;
        float v = ((const float *)t->data)[0];
        if (k == 1)
            *lo = v;
        else
            *hi = v;
    }
    return 1;
}

int cc_unary_of(const cc_graph *g, const cc_node *n, rt_unary_op *op, float *alpha, float *beta)
{
    if (strcmp(n->op->name, "Clip") == 0) {
        *op = RT_UN_CLIP;
        return clip_bounds(g, n, alpha, beta);
    }
    if (n->op->lower != cc_lower_unary)
        return 0;
    return unary_op(n, op, alpha, beta);
}

cc_status cc_infer_unary(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    /* Relu of the signed integers (opset 14) runs as a clip at 0 */
    const int typed = !strcmp(n->op->name, "Neg") || !strcmp(n->op->name, "Abs") ||
                      (!strcmp(n->op->name, "Relu") && g->opset >= 14 &&
                       cc_dtype_is_int(x->dtype) && cc_dtype_is_signed(x->dtype));
    /* double, float16, bfloat16 run rt_ewise_fn (cc_calls_retype) */
    cc_status st = typed || cc_dtype_is_float(x->dtype) ? cc_need_numeric(g, n, x, d)
                                                        : need_float(g, n, x, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], x->dtype, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_unary(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_UNARY);
    if (!c)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    if (!unary_op(n, &c->p.un.op, &c->p.un.alpha, &c->p.un.beta))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "no unary kernel");
    c->p.un.n = cc_numel(n->out[0]);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return CC_OK;
}

/* ------------------------------------------------------------ Clip */

cc_status cc_infer_clip(cc_graph *g, cc_node *n, cc_diag *d)
{
    const int dt = n->in[0]->dtype;
    cc_status st = cc_need_numeric(g, n, n->in[0], d);
    if (!st && dt != CC_DT_FLOAT && g->opset < 11)
        st = need_float(g, n, n->in[0], d);
    for (int k = 1; !st && k < n->nin; k++) {
        if (!n->in[k])
            continue;
        if (n->in[k]->dtype != dt)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "bound '%.200s' is %s but the input "
                                "is %s", n->in[k]->name, cc_dtype_name(n->in[k]->dtype),
                                cc_dtype_name(dt));
        if (!st && cc_numel(n->in[k]) != 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "bound '%.200s' must be a scalar",
                                n->in[k]->name);
    }
    if (st)
        return st;
    cc_set_shape(n->out[0], dt, n->in[0]->rank, n->in[0]->shape);
    return CC_OK;
}

/* Scalar view of a bound tensor: rank 0 so it broadcasts against anything. */
static void scalar_view(cc_tensor *v, const cc_tensor *t)
{
    *v = *t;
    v->rank = 0;
}

cc_status cc_lower_clip(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    float lo, hi;
    cc_tensor *y = n->out[0], *x = n->in[0];
    /* other types: the run-time path below, retyped (cc_calls_retype) */
    if (x->dtype == CC_DT_FLOAT && clip_bounds(g, n, &lo, &hi)) {
        cc_call *c = cc_calls_add(out, CC_K_UNARY);
        if (!c)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        c->p.un.op = RT_UN_CLIP;
        c->p.un.alpha = lo;
        c->p.un.beta = hi;
        c->p.un.n = cc_numel(y);
        c->args[0] = y;
        c->args[1] = x;
        return CC_OK;
    }
    /* run-time bounds: y = max(x, lo) then y = min(y, hi) */
    cc_tensor *src = x;
    for (int k = 1; k < 3 && k < n->nin; k++) {
        if (!n->in[k])
            continue;
        cc_call *c = cc_calls_add(out, CC_K_BINARY);
        if (!c)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        cc_tensor v;
        scalar_view(&v, n->in[k]);
        cc_bcast_params(&c->p.bin, k == 1 ? RT_BIN_MAX : RT_BIN_MIN, y, src, &v);
        c->args[0] = y;
        c->args[1] = src;
        c->args[2] = n->in[k];
        src = y;
    }
    if (src == x) {
        cc_call *c = cc_calls_add(out, CC_K_UNARY);
        if (!c)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        c->p.un.op = RT_UN_NONE;
        c->p.un.n = cc_numel(y);
        c->args[0] = y;
        c->args[1] = x;
    }
    return CC_OK;
}

/* ------------------------------------------------------------ binary */

static rt_binary_op binary_kind(const char *name)
{
    static const struct {
        const char *name;
        rt_binary_op op;
    } map[] = {{"Add", RT_BIN_ADD}, {"Sub", RT_BIN_SUB}, {"Mul", RT_BIN_MUL},
               {"Div", RT_BIN_DIV}, {"Pow", RT_BIN_POW}, {"PRelu", RT_BIN_PRELU},
               {"Max", RT_BIN_MAX}, {"Min", RT_BIN_MIN}, {"Sum", RT_BIN_ADD},
               {"Mean", RT_BIN_ADD}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0)
            return map[i].op;
    return RT_BIN_ADD;
}

/* The shape b takes part in the operation with: under the legacy rules
 * (opset < 7, attribute broadcast=1) b is aligned with a starting at axis
 * (default: at the end), padded with 1s; otherwise b as it is. */
static cc_status effective_b(cc_graph *g, const cc_node *n, const cc_tensor *a, const cc_tensor *b,
                             cc_tensor *v, cc_diag *d)
{
    *v = *b;
    if (g->opset < 7 && !strcmp(n->op->name, "PRelu") && b->rank == 1 && a->rank >= 2 &&
        b->shape[0] == a->shape[1] && b->shape[0] != 1) {
        /* PRelu before opset 7: a vector slope is per channel (axis 1) */
        v->rank = a->rank;
        for (int i = 0; i < a->rank; i++)
            v->shape[i] = i == 1 ? b->shape[0] : 1;
        return CC_OK;
    }
    if (g->opset >= 7 || !cc_attr_int(n, "broadcast", 0))
        return CC_OK;
    int64_t axis = cc_attr_int(n, "axis", a->rank - b->rank);
    if (axis < 0)
        axis += a->rank;
    if (axis < 0 || axis + b->rank > a->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "legacy broadcast axis %lld does not fit "
                            "ranks %d and %d", (long long)axis, a->rank, b->rank);
    v->rank = a->rank;
    for (int i = 0; i < a->rank; i++)
        v->shape[i] = (i >= axis && i < axis + b->rank) ? b->shape[i - axis] : 1;
    return CC_OK;
}

/* Integer arithmetic on constants (shape computations such as N * C in
 * PyTorch exports) is evaluated here, at compile time, with ONNX's integer
 * semantics: division truncates toward zero; Pow by repeated multiplication. */
static cc_status fold_int64(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[1];
    cc_tensor *y = n->out[0];
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    if (cc_broadcast(a, b, &rank, shape))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "int64 operands do not broadcast");
    cc_set_shape(y, CC_DT_INT64, rank, shape);
    rt_binary_params p;
    cc_bcast_params(&p, RT_BIN_ADD, y, a, b);
    int64_t total = cc_numel(y);
    void *mem;
    cc_status st = cc_alloc_const(g, n, total * (int64_t)sizeof(int64_t), &mem, d);
    if (st)
        return st;
    int64_t *out = mem;
    const int64_t *av = a->data, *bv = b->data;
    const char *op = n->op->name;
    for (int64_t i = 0; i < total; i++) {
        int64_t rem = i, ia = 0, ib = 0;
        for (int k = p.ndim - 1; k >= 0; k--) {
            int64_t c = rem % p.shape[k];
            rem /= p.shape[k];
            ia += c * p.astride[k];
            ib += c * p.bstride[k];
        }
        int64_t x = av[ia], z = bv[ib], r;
        if (!strcmp(op, "Add"))
            r = (int64_t)((uint64_t)x + (uint64_t)z);
        else if (!strcmp(op, "Sub"))
            r = (int64_t)((uint64_t)x - (uint64_t)z);
        else if (!strcmp(op, "Mul"))
            r = (int64_t)((uint64_t)x * (uint64_t)z);
        else if (!strcmp(op, "Div")) {
            if (z == 0 || (x == INT64_MIN && z == -1))
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "integer division by zero or overflow "
                                    "in a constant");
            r = x / z;
        } else {
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "%s on int64 is not supported", op);
        }
        out[i] = r;
    }
    y->data = out;
    return CC_OK;
}

cc_status cc_infer_binary(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[1];
    if (a->dtype == CC_DT_INT64 && b->dtype == CC_DT_INT64 && a->data && b->data &&
        (g->opset >= 7 || cc_attr_int(n, "broadcast", 0) == 0))
        return fold_int64(g, n, d);
    const int is_pow = !strcmp(n->op->name, "Pow");
    cc_status st = cc_need_numeric(g, n, a, d); /* PRelu of integers: RT_EW_PRELU */
    if (!st)
        st = is_pow ? cc_need_numeric(g, n, b, d) : CC_OK;
    if (!st && !is_pow && b->dtype != a->dtype)
        st = cc_node_fail(d, g, n, CC_ERR_MODEL, "inputs '%.200s' and '%.200s' have different "
                          "element types %s and %s", a->name, b->name, cc_dtype_name(a->dtype),
                          cc_dtype_name(b->dtype));
    if (st)
        return st;
    cc_tensor bv;
    st = effective_b(g, n, a, b, &bv, d);
    if (st)
        return st;
    int rank = 0;
    int64_t shape[CC_MAX_DIMS];
    if (g->opset < 7 && !cc_attr_int(n, "broadcast", 0) && strcmp(n->op->name, "PRelu") != 0) {
        char sa[128], sb[128];
        if (cc_numel(a) != cc_numel(b) || a->rank != b->rank ||
            memcmp(a->shape, b->shape, sizeof a->shape[0] * (size_t)a->rank))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "shapes %s and %s differ and broadcast "
                                "is not set", cc_shape_str(a, sa, sizeof sa),
                                cc_shape_str(b, sb, sizeof sb));
    }
    if (cc_broadcast(a, &bv, &rank, shape)) {
        char sa[128], sb[128];
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "shapes %s and %s do not broadcast",
                            cc_shape_str(a, sa, sizeof sa), cc_shape_str(&bv, sb, sizeof sb));
    }
    if (strcmp(n->op->name, "PRelu") == 0 && (rank != a->rank ||
                                              memcmp(shape, a->shape, sizeof shape[0] * (size_t)rank)))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "slope must broadcast to the input's shape");
    cc_set_shape(n->out[0], a->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_binary(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor bv;
    cc_status st = effective_b(g, n, n->in[0], n->in[1], &bv, d);
    if (st)
        return st;
    cc_call *c = cc_calls_add(out, CC_K_BINARY);
    if (!c)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    cc_bcast_params(&c->p.bin, binary_kind(n->op->name), n->out[0], n->in[0], &bv);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->in[1];
    return CC_OK;
}

/* ------------------------------------------------------------ variadic */

cc_status cc_infer_variadic(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_tensor acc = *n->in[0];
    for (int k = 0; k < n->nin; k++) {
        if (!n->in[k])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "input %d is empty", k);
        /* Mean: float32, float16 / bfloat16 computed in float, double (the
         * division by N in double: RT_EU_DIV) */
        const int half = n->in[k]->dtype == CC_DT_FLOAT16 || n->in[k]->dtype == CC_DT_BFLOAT16 ||
                         n->in[k]->dtype == CC_DT_DOUBLE;
        cc_status st = strcmp(n->op->name, "Mean") ? cc_need_numeric(g, n, n->in[k], d)
                       : half ? CC_OK : need_float(g, n, n->in[k], d);
        if (!st && n->in[k]->dtype != n->in[0]->dtype)
            st = cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' is %s, input 0 %s",
                              n->in[k]->name, cc_dtype_name(n->in[k]->dtype),
                              cc_dtype_name(n->in[0]->dtype));
        if (st)
            return st;
        if (k && cc_broadcast(&acc, n->in[k], &acc.rank, acc.shape)) {
            char sb[128];
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' %s does not broadcast",
                                n->in[k]->name, cc_shape_str(n->in[k], sb, sizeof sb));
        }
    }
    cc_set_shape(n->out[0], n->in[0]->dtype, acc.rank, acc.shape);
    return CC_OK;
}

/* y = in0 op in1, then y = y op in_k; Mean scales by 1/N at the end. A single
 * input is broadcast-copied through an add with nothing: y = in0 (via copy). */
cc_status cc_lower_variadic(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *y = n->out[0];
    rt_binary_op op = binary_kind(n->op->name);
    if (n->nin == 1) {
        cc_call *c = cc_calls_add(out, CC_K_COPY);
        if (!c)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        c->p.copy.elem_size = (int)cc_dtype_size(y->dtype);
        c->p.copy.ndim = 1;
        c->p.copy.shape[0] = cc_numel(y);
        c->p.copy.ystride[0] = c->p.copy.xstride[0] = 1;
        c->args[0] = y;
        c->args[1] = n->in[0];
        return CC_OK;
    }
    for (int k = 1; k < n->nin; k++) {
        cc_call *c = cc_calls_add(out, CC_K_BINARY);
        if (!c)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        cc_tensor *a = k == 1 ? n->in[0] : y;
        cc_bcast_params(&c->p.bin, op, y, a, n->in[k]);
        c->args[0] = y;
        c->args[1] = a;
        c->args[2] = n->in[k];
    }
    if (strcmp(n->op->name, "Mean") == 0 && y->dtype == CC_DT_DOUBLE) {
        cc_call *c = cc_calls_add(out, CC_K_EW_UNARY);
        if (!c)
            return cc_oom(g, d);
        c->p.ewu.op = RT_EU_DIV;
        c->p.ewu.type = RT_F64;
        c->p.ewu.lo = (double)n->nin;
        c->p.ewu.n = cc_numel(y);
        c->args[0] = y;
        c->args[1] = y;
    } else if (strcmp(n->op->name, "Mean") == 0) {
        cc_call *c = cc_calls_add(out, CC_K_UNARY);
        if (!c)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        c->p.un.op = RT_UN_AFFINE;
        c->p.un.alpha = 1.0f / (float)n->nin;
        c->p.un.beta = 0.0f;
        c->p.un.n = cc_numel(y);
        c->args[0] = y;
        c->args[1] = y;
    }
    return CC_OK;
}
