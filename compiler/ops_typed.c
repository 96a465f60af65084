/*
 * ops_typed.c - ops over any element type, computed by the typed kernels of
 * runtime/typed.c: comparisons (Equal, Less, Greater, LessOrEqual,
 * GreaterOrEqual), logic (And, Or, Xor, Not), BitShift, Mod, Where, IsNaN,
 * IsInf, CastLike, CumSum, and the ops whose output is known at compile time
 * or selected by a constant (Compress with a constant condition, NonZero of
 * a constant, EyeLike).
 *
 * The arithmetic ops that also exist for float32 (Add, Max, Reduce*, ...)
 * keep their rows and files; cc_calls_retype (call.c) moves their calls to
 * the typed kernels when their tensors are not float32.
 */
#include <math.h>
#include <string.h>

#include "ops.h"

cc_status cc_need_numeric(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d)
{
    if (!t || !cc_dtype_supported(t->dtype) || t->dtype == CC_DT_BOOL)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s takes numeric types", t ? t->name : "?",
                            t ? cc_dtype_name(t->dtype) : "none", n->op->name);
    return CC_OK;
}

static cc_status need_dtype(cc_graph *g, cc_node *n, const cc_tensor *t, int ok,
                            const char *what, cc_diag *d)
{
    if (!ok)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s takes %s", t->name, cc_dtype_name(t->dtype), n->op->name, what);
    return CC_OK;
}

/* Sets y to the broadcast of a and b with element type dtype. */
static cc_status bcast_out(cc_graph *g, cc_node *n, const cc_tensor *a, const cc_tensor *b,
                           int dtype, cc_diag *d)
{
    int rank;
    int64_t shape[CC_MAX_DIMS];
    char sa[128], sb[128];
    if (a->dtype != b->dtype)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "inputs '%.200s' and '%.200s' have different "
                            "element types %s and %s", a->name, b->name,
                            cc_dtype_name(a->dtype), cc_dtype_name(b->dtype));
    if (cc_broadcast(a, b, &rank, shape))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "shapes %s and %s do not broadcast",
                            cc_shape_str(a, sa, sizeof sa), cc_shape_str(b, sb, sizeof sb));
    cc_set_shape(n->out[0], dtype, rank, shape);
    return CC_OK;
}

/* One rt_ewise_binary call y = op(a, b) with broadcasting. */
static cc_status ew_binary(cc_graph *g, cc_calls *out, rt_ewise_op op, cc_tensor *y,
                           cc_tensor *a, cc_tensor *b, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_EW_BINARY);
    if (!c)
        return cc_oom(g, d);
    rt_binary_params bp;
    cc_bcast_params(&bp, RT_BIN_ADD, y, a, b);
    c->p.ewb.op = op;
    c->p.ewb.type = cc_dtype_rt(a->dtype);
    c->p.ewb.btype = cc_dtype_rt(b->dtype);
    c->p.ewb.ndim = bp.ndim;
    memcpy(c->p.ewb.shape, bp.shape, sizeof bp.shape);
    memcpy(c->p.ewb.astride, bp.astride, sizeof bp.astride);
    memcpy(c->p.ewb.bstride, bp.bstride, sizeof bp.bstride);
    c->args[0] = y;
    c->args[1] = a;
    c->args[2] = b;
    return CC_OK;
}

/* One rt_ewise_unary call over y's elements. */
static cc_status ew_unary(cc_graph *g, cc_calls *out, rt_ewise_unary_op op, int flags,
                          cc_tensor *y, cc_tensor *x, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_EW_UNARY);
    if (!c)
        return cc_oom(g, d);
    c->p.ewu.op = op;
    c->p.ewu.type = cc_dtype_rt(x->dtype);
    c->p.ewu.flags = flags;
    c->p.ewu.n = cc_numel(y);
    c->args[0] = y;
    c->args[1] = x;
    return CC_OK;
}

/* ------------------------------------------------------------ comparisons */

static rt_ewise_op compare_op(const char *name)
{
    if (!strcmp(name, "Equal"))
        return RT_EW_EQ;
    if (!strcmp(name, "Less"))
        return RT_EW_LT;
    if (!strcmp(name, "Greater"))
        return RT_EW_GT;
    if (!strcmp(name, "LessOrEqual"))
        return RT_EW_LE;
    return RT_EW_GE;
}

/* Equal (bool too), Less, Greater, LessOrEqual, GreaterOrEqual -> bool. */
cc_status cc_infer_compare(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[1];
    cc_status st = !strcmp(n->op->name, "Equal") && a->dtype == CC_DT_BOOL
                       ? CC_OK : cc_need_numeric(g, n, a, d);
    if (st)
        return st;
    return bcast_out(g, n, a, b, CC_DT_BOOL, d);
}

cc_status cc_lower_compare(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    return ew_binary(g, out, compare_op(n->op->name), n->out[0], n->in[0], n->in[1], d);
}

/* ------------------------------------------------------------ logic */

/* And, Or, Xor of bool tensors. */
cc_status cc_infer_logic(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0], *b = n->in[1];
    cc_status st = need_dtype(g, n, a, a->dtype == CC_DT_BOOL, "bool", d);
    if (st)
        return st;
    return bcast_out(g, n, a, b, CC_DT_BOOL, d);
}

cc_status cc_lower_logic(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    const char *nm = n->op->name;
    rt_ewise_op op = !strcmp(nm, "And") ? RT_EW_AND : !strcmp(nm, "Or") ? RT_EW_OR : RT_EW_XOR;
    return ew_binary(g, out, op, n->out[0], n->in[0], n->in[1], d);
}

cc_status cc_infer_not(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_dtype(g, n, x, x->dtype == CC_DT_BOOL, "bool", d);
    if (st)
        return st;
    cc_set_shape(n->out[0], CC_DT_BOOL, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_not(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    return ew_unary(g, out, RT_EU_NOT, 0, n->out[0], n->in[0], d);
}

/* ------------------------------------------------------------ BitShift, Mod */

/* BitShift of unsigned integers; direction LEFT or RIGHT. A shift by the
 * type's width or more gives 0. */
cc_status cc_infer_bitshift(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0];
    const char *dir = cc_attr_str(n, "direction", "");
    cc_status st = need_dtype(g, n, a, cc_dtype_is_int(a->dtype) && !cc_dtype_is_signed(a->dtype),
                              "unsigned integers", d);
    if (st)
        return st;
    if (strcmp(dir, "LEFT") && strcmp(dir, "RIGHT"))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute direction must be LEFT or RIGHT");
    return bcast_out(g, n, a, n->in[1], a->dtype, d);
}

cc_status cc_lower_bitshift(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    rt_ewise_op op = strcmp(cc_attr_str(n, "direction", ""), "LEFT") ? RT_EW_SHR : RT_EW_SHL;
    return ew_binary(g, out, op, n->out[0], n->in[0], n->in[1], d);
}

/* Mod: fmod 0 takes the divisor's sign (integers only, as the spec says),
 * fmod 1 the dividend's (C's fmod and %). */
cc_status cc_infer_mod(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *a = n->in[0];
    cc_status st = cc_need_numeric(g, n, a, d);
    if (st)
        return st;
    int64_t fm = cc_attr_int(n, "fmod", 0);
    if (fm != 0 && fm != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute fmod must be 0 or 1");
    if (!fm && cc_dtype_is_float(a->dtype))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "fmod must be 1 for floating-point inputs "
                            "(input '%.200s' is %s)", a->name, cc_dtype_name(a->dtype));
    return bcast_out(g, n, a, n->in[1], a->dtype, d);
}

cc_status cc_lower_mod(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    rt_ewise_op op = cc_attr_int(n, "fmod", 0) ? RT_EW_FMOD : RT_EW_MOD;
    return ew_binary(g, out, op, n->out[0], n->in[0], n->in[1], d);
}

/* ------------------------------------------------------------ Where */

cc_status cc_infer_where(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *c = n->in[0], *a = n->in[1], *b = n->in[2];
    cc_status st = need_dtype(g, n, c, c->dtype == CC_DT_BOOL, "a bool condition", d);
    if (st)
        return st;
    if ((st = bcast_out(g, n, a, b, a->dtype, d)))
        return st;
    cc_tensor ab = *n->out[0];
    int rank;
    int64_t shape[CC_MAX_DIMS];
    char s1[128], s2[128];
    if (cc_broadcast(c, &ab, &rank, shape))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "condition %s does not broadcast with %s",
                            cc_shape_str(c, s1, sizeof s1), cc_shape_str(&ab, s2, sizeof s2));
    cc_set_shape(n->out[0], a->dtype, rank, shape);
    return CC_OK;
}

cc_status cc_lower_where(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *y = n->out[0];
    cc_call *c = cc_calls_add(out, CC_K_WHERE);
    if (!c)
        return cc_oom(g, d);
    rt_binary_params p1, p2;
    cc_bcast_params(&p1, RT_BIN_ADD, y, n->in[0], n->in[1]);
    cc_bcast_params(&p2, RT_BIN_ADD, y, n->in[1], n->in[2]);
    c->p.where.elem_size = (int)cc_dtype_size(y->dtype);
    c->p.where.ndim = p1.ndim;
    memcpy(c->p.where.shape, p1.shape, sizeof p1.shape);
    memcpy(c->p.where.cstride, p1.astride, sizeof p1.astride);
    memcpy(c->p.where.astride, p1.bstride, sizeof p1.bstride);
    memcpy(c->p.where.bstride, p2.bstride, sizeof p2.bstride);
    for (int i = 0; i < 4; i++)
        c->args[i] = i ? n->in[i - 1] : y;
    return CC_OK;
}

/* ------------------------------------------------------------ IsNaN, IsInf */

cc_status cc_infer_isnan_inf(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_dtype(g, n, x, cc_dtype_is_float(x->dtype), "floating-point types", d);
    if (st)
        return st;
    cc_set_shape(n->out[0], CC_DT_BOOL, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_isnan_inf(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    if (!strcmp(n->op->name, "IsNaN"))
        return ew_unary(g, out, RT_EU_ISNAN, 0, n->out[0], n->in[0], d);
    int flags = (cc_attr_int(n, "detect_positive", 1) ? 1 : 0) |
                (cc_attr_int(n, "detect_negative", 1) ? 2 : 0);
    return ew_unary(g, out, RT_EU_ISINF, flags, n->out[0], n->in[0], d);
}

/* ------------------------------------------------------------ CastLike */

/* Cast to the element type of the second input (whose data is not read). */
cc_status cc_infer_castlike(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *like = n->in[1];
    if (!cc_dtype_supported(x->dtype) || !cc_dtype_supported(like->dtype))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "CastLike from %s to %s is not "
                            "supported (supported: " CC_DTYPES_SUPPORTED ")",
                            cc_dtype_name(x->dtype), cc_dtype_name(like->dtype));
    cc_set_shape(n->out[0], like->dtype, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_castlike(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    return cc_lower_cast(g, n, out, d);
}

/* ------------------------------------------------------------ CumSum */

/* CumSum: the axis is a scalar int32 or int64 input, read at compile time
 * when constant and by the kernel otherwise (the output's shape does not
 * depend on it). */
cc_status cc_infer_cumsum(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *a = n->in[1];
    cc_status st = cc_need_numeric(g, n, x, d);
    if (st)
        return st;
    if (cc_numel(a) != 1 || a->rank > 1 || (a->dtype != CC_DT_INT32 && a->dtype != CC_DT_INT64))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis '%.200s' must be an int32 or int64 "
                            "scalar", a->name);
    if (x->rank < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' must have rank 1 or more",
                            x->name);
    if (a->data) {
        int64_t v = a->dtype == CC_DT_INT32 ? *(const int32_t *)a->data
                                            : *(const int64_t *)a->data;
        if (cc_axis(v, x->rank) < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                                (long long)v, x->rank);
    }
    cc_set_shape(n->out[0], x->dtype, x->rank, x->shape);
    return CC_OK;
}

cc_status cc_lower_cumsum(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0];
    cc_call *c = cc_calls_add(out, CC_K_CUMSUM);
    if (!c)
        return cc_oom(g, d);
    c->p.cumsum.type = cc_dtype_rt(x->dtype);
    c->p.cumsum.exclusive = cc_attr_int(n, "exclusive", 0) != 0;
    c->p.cumsum.reverse = cc_attr_int(n, "reverse", 0) != 0;
    c->p.cumsum.ndim = x->rank;
    memcpy(c->p.cumsum.shape, x->shape, sizeof x->shape[0] * (size_t)x->rank);
    c->p.cumsum.axis_type = cc_dtype_rt(n->in[1]->dtype);
    c->args[0] = n->out[0];
    c->args[1] = x;
    c->args[2] = n->in[1];
    return CC_OK;
}

/* ------------------------------------------------------------ Compress */

/* Compress geometry: x viewed as [outer, len, inner] (flattened when there
 * is no axis); the condition must be a constant bool vector (its selection
 * decides the output's shape). Returns the count of selected slices. */
static cc_status compress_geom(cc_graph *g, cc_node *n, int64_t *outer, int64_t *len,
                               int64_t *inner, int *axis, int64_t *count, cc_diag *d)
{
    const cc_tensor *x = n->in[0], *c = n->in[1];
    if (c->dtype != CC_DT_BOOL || c->rank != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "condition '%.200s' must be a 1-D bool "
                            "tensor", c->name);
    if (!c->data)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "condition '%.200s' must be a "
                            "compile-time constant: the output's shape depends on it", c->name);
    const cc_attr *aa = cc_attr_get(n, "axis");
    *outer = *inner = 1;
    *axis = -1;
    if (aa) {
        *axis = cc_axis(aa->i, x->rank);
        if (*axis < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                                (long long)aa->i, x->rank);
        for (int i = 0; i < x->rank; i++) {
            if (i < *axis)
                *outer *= x->shape[i];
            else if (i > *axis)
                *inner *= x->shape[i];
        }
        *len = x->shape[*axis];
    } else {
        *len = cc_numel(x);
    }
    const uint8_t *cv = c->data;
    *count = 0;
    for (int64_t i = 0; i < c->shape[0] && i < *len; i++)
        *count += cv[i] != 0;
    return CC_OK;
}

cc_status cc_infer_compress(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    int64_t outer, len, inner, count;
    int axis = 0;
    cc_status st = compress_geom(g, n, &outer, &len, &inner, &axis, &count, d);
    if (st)
        return st;
    if (axis < 0) {
        cc_set_shape(n->out[0], x->dtype, 1, &count);
    } else {
        int64_t shape[CC_MAX_DIMS];
        memcpy(shape, x->shape, sizeof shape);
        shape[axis] = count;
        cc_set_shape(n->out[0], x->dtype, x->rank, shape);
    }
    return CC_OK;
}

/* One strided copy per run of consecutive selected slices. */
cc_status cc_lower_compress(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0], *y = n->out[0];
    int64_t outer = 0, len = 0, inner = 0, count, j = 0;
    int axis;
    cc_status st = compress_geom(g, n, &outer, &len, &inner, &axis, &count, d);
    if (st)
        return st;
    const uint8_t *cv = n->in[1]->data;
    const int64_t clen = n->in[1]->shape[0] < len ? n->in[1]->shape[0] : len;
    for (int64_t i = 0; i < clen;) {
        if (!cv[i]) {
            i++;
            continue;
        }
        int64_t run = 0;
        while (i + run < clen && cv[i + run])
            run++;
        cc_call *c = cc_calls_add(out, CC_K_COPY);
        if (!c)
            return cc_oom(g, d);
        rt_copy_params *p = &c->p.copy;
        p->elem_size = (int)cc_dtype_size(x->dtype);
        p->ndim = 3;
        p->shape[0] = outer;
        p->shape[1] = run;
        p->shape[2] = inner;
        p->ystride[0] = count * inner;
        p->ystride[1] = inner;
        p->ystride[2] = 1;
        p->xstride[0] = len * inner;
        p->xstride[1] = inner;
        p->xstride[2] = 1;
        p->yoff = j * inner;
        p->xoff = i * inner;
        c->args[0] = y;
        c->args[1] = x;
        j += run;
        i += run;
    }
    return CC_OK;
}

/* ------------------------------------------------------------ NonZero, EyeLike */

/* Element i of a constant converted to bool (nonzero, NaN included). */
static int nonzero_at(const cc_tensor *x, int64_t i)
{
    uint8_t b;
    const size_t es = cc_dtype_size(x->dtype);
    rt_cast_any(&b, (const char *)x->data + (size_t)i * es, RT_BOOL, cc_dtype_rt(x->dtype), 1);
    return b;
}

/* NonZero of a constant: [rank, count] int64 indices, computed here (the
 * count decides the output's shape, so a run-time input is refused). */
cc_status cc_infer_nonzero(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_tensor *y = n->out[0];
    if (!x->data)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' must be a compile-time "
                            "constant: the output's shape depends on its values", x->name);
    const int64_t total = cc_numel(x);
    const int r = x->rank > 0 ? x->rank : 1;
    int64_t count = 0;
    for (int64_t i = 0; i < total; i++)
        count += nonzero_at(x, i);
    int64_t shape[2] = {r, count};
    cc_set_shape(y, CC_DT_INT64, 2, shape);
    if (y->data)
        return CC_OK;
    void *mem;
    cc_status st = cc_alloc_const(g, n, (int64_t)r * count * 8, &mem, d);
    if (st)
        return st;
    int64_t *v = mem, k = 0;
    for (int64_t i = 0; i < total; i++) {
        if (!nonzero_at(x, i))
            continue;
        int64_t rem = i;
        for (int a = x->rank - 1; a >= 0; a--) {
            v[a * count + k] = rem % x->shape[a];
            rem /= x->shape[a];
        }
        if (x->rank == 0)
            v[k] = 0;
        k++;
    }
    y->data = v;
    return CC_OK;
}

cc_status cc_lower_nonzero(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* always folded in infer */
}

/* EyeLike: ones on diagonal k of a 2-D tensor of the input's shape, zeros
 * elsewhere; the type is attribute dtype or the input's. Only the input's
 * shape matters, so the output is a constant. */
cc_status cc_infer_eyelike(cc_graph *g, cc_node *n, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_tensor *y = n->out[0];
    if (x->rank != 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' must be 2-D", x->name);
    int dt = (int)cc_attr_int(n, "dtype", x->dtype);
    if (!cc_dtype_supported(dt))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "dtype %s is not supported",
                            cc_dtype_name(dt));
    int64_t k = cc_attr_int(n, "k", 0);
    cc_set_shape(y, dt, 2, x->shape);
    if (y->data)
        return CC_OK;
    void *mem;
    cc_status st = cc_alloc_const(g, n, cc_nbytes(y), &mem, d);
    if (st)
        return st;
    const size_t es = cc_dtype_size(dt);
    uint8_t one[8];
    const float f1 = 1.0f;
    const rt_dtype rt = cc_dtype_rt(dt);
    rt_cast_any(one, &f1, rt, RT_F32, 1);
    for (int64_t i = 0; i < x->shape[0]; i++) {
        int64_t j = i + k;
        if (j >= 0 && j < x->shape[1])
            memcpy((char *)mem + (size_t)(i * x->shape[1] + j) * es, one, es);
    }
    y->data = mem;
    return CC_OK;
}

cc_status cc_lower_eyelike(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* always folded in infer */
}
