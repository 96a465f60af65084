/*
 * ops_shape.c - data movement, constants and shape arithmetic: Flatten,
 * Reshape, Squeeze, Unsqueeze, Identity/Dropout, Transpose, Concat, Split,
 * Slice, Pad, Constant, ConstantOfShape, Shape, Gather, Cast.
 *
 * Shapes are static. Where an output shape depends on an input's values
 * (Reshape's shape, Slice's starts, Pad's pads...), that input must be a
 * compile-time constant (an initializer, or folded from constants before
 * this node's infer runs); otherwise the node is refused as unsupported.
 *
 * The alias ops (Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout)
 * only infer: their output is a view of input 0 and the driver handles
 * storage. Constant, ConstantOfShape and Shape compute their output's data
 * during infer. The rest lower to rt_copy_strided (one call per contiguous
 * piece: one per Concat input, one per Split output, one for Transpose and
 * Slice), rt_pad_forward, rt_gather_forward and rt_cast_forward.
 *
 * Every infer validates its attributes and constant inputs completely, so
 * the matching lower recomputes the same plan and cannot fail except on
 * memory exhaustion.
 */
#include <string.h>

#include "ops.h"

/* The largest element count a tensor may have (as import.c accepts). */
#define SHAPE_MAX_NUMEL ((int64_t)1 << 31)

/* ------------------------------------------------------------ helpers */

/* Out-of-memory during lowering. */
static cc_status shape_oom(cc_graph *g, cc_node *n, cc_diag *d)
{
    return cc_node_fail(d, g, n, CC_ERR_IO, "out of memory");
}

/* "[1, 2, 3]" of k int64 values into buf (truncated to fit). */
static const char *fmt_ints(char *buf, size_t size, const int64_t *v, int k)
{
    size_t used = 0;
    buf[0] = 0;
    used += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < k && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)v[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

/*
 * Product of shape[lo..hi), or -1 when a dimension is negative or the
 * product of the non-zero dimensions exceeds SHAPE_MAX_NUMEL. Bounding the
 * non-zero part too keeps strides computed over an empty tensor in range.
 */
static int64_t dims_prod(const int64_t *shape, int lo, int hi)
{
    int64_t p = 1;
    int zero = 0;
    for (int i = lo; i < hi; i++) {
        if (shape[i] < 0)
            return -1;
        if (shape[i] == 0) {
            zero = 1;
            continue;
        }
        if (p > SHAPE_MAX_NUMEL / shape[i])
            return -1;
        p *= shape[i];
    }
    return zero ? 0 : p;
}

/* Checks an output shape (rank and size) before it is set on tensor y. */
static cc_status check_out(cc_graph *g, cc_node *n, cc_diag *d, const cc_tensor *y, int rank,
                           const int64_t *shape)
{
    char buf[256];
    if (rank > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output '%.100s' would have rank %d "
                            "(at most %d supported)", y->name, rank, CC_MAX_DIMS);
    if (dims_prod(shape, 0, rank) < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "output '%.100s' would have shape %s, which "
                            "is negative or too large (limit %lld elements)", y->name,
                            fmt_ints(buf, sizeof buf, shape, rank), (long long)SHAPE_MAX_NUMEL);
    return CC_OK;
}

/* Checks, then sets y's dtype and shape; a NULL y (an omitted output) is skipped. */
static cc_status set_out(cc_graph *g, cc_node *n, cc_diag *d, cc_tensor *y, int dtype, int rank,
                         const int64_t *shape)
{
    if (!y)
        return CC_OK;
    cc_status st = check_out(g, n, d, y, rank, shape);
    if (st)
        return st;
    cc_set_shape(y, dtype, rank, shape);
    return CC_OK;
}

/* Fails unless input k is present and has a known shape. */
static cc_status need_input(cc_graph *g, cc_node *n, cc_diag *d, int k, const char *what)
{
    if (k >= n->nin || !n->in[k])
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input %d (%s) is missing", k, what);
    if (n->in[k]->rank < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' (%s) has no known shape",
                            n->in[k]->name, what);
    return CC_OK;
}

/* Fails unless t's element type is one generated code computes with. */
static cc_status need_dtype(cc_graph *g, cc_node *n, cc_diag *d, const cc_tensor *t)
{
    if (!cc_dtype_supported(t->dtype))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "tensor '%.100s' has element type %s; "
                            "supported: float32, int64", t->name, cc_dtype_name(t->dtype));
    return CC_OK;
}

/* Input 0 present, shaped and of a supported dtype: the common door. */
static cc_status need_data_input(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_input(g, n, d, 0, "data");
    return st ? st : need_dtype(g, n, d, n->in[0]);
}

/* Fails when an input at position max or beyond is given: opsets before the
 * one that introduced it take fewer inputs. */
static cc_status max_inputs(cc_graph *g, cc_node *n, cc_diag *d, int max)
{
    for (int k = max; k < n->nin; k++)
        if (n->in[k])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "takes at most %d input%s at opset %d "
                                "(input %d '%.100s' is given)", max, max == 1 ? "" : "s",
                                g->opset, k, n->in[k]->name);
    return CC_OK;
}

/*
 * Reads input k, which must be a constant 1-D (or scalar) int64 tensor, into
 * *v and *count. Non-constant: unsupported (the output shape would depend on
 * run-time data); an int32 constant is widened to int64 (a copy owned by the
 * graph); other element types are a model error.
 */
static cc_status const_input(cc_graph *g, cc_node *n, cc_diag *d, int k, const char *what,
                             const int64_t **v, int *count)
{
    const cc_tensor *t = n->in[k];
    if (t->dtype == CC_DT_INT32 && t->data && t->rank <= 1) {
        int64_t cnt = cc_numel(t);
        int64_t *w = cc_alloc_array(g->ctx, (size_t)(cnt ? cnt : 1), sizeof *w);
        if (!w)
            return shape_oom(g, n, d);
        rt_cast_any(w, t->data, RT_I64, RT_I32, cnt);
        *v = w;
        *count = (int)cnt;
        return CC_OK;
    }
    if (t->dtype != CC_DT_INT64 && t->dtype != CC_DT_INT32)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' (%s) has element type %s; "
                            "it must be int64 or int32", t->name, what,
                            cc_dtype_name(t->dtype));
    if (t->rank > 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' (%s) must be 1-D, not of "
                            "rank %d", t->name, what, t->rank);
    if (!t->data)
        return cc_need_const(d, g, n, t, what);
    *count = cc_const_ints(t, v);
    if (*count < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' (%s) cannot be read",
                            t->name, what);
    return CC_OK;
}

/* An optional integer attribute; another attribute type is a model error. */
static cc_status attr_int(cc_graph *g, cc_node *n, cc_diag *d, const char *name, int64_t dflt,
                          int64_t *v)
{
    const cc_attr *a = cc_attr_get(n, name);
    *v = dflt;
    if (!a)
        return CC_OK;
    if (a->type != CC_AT_INT)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute '%s' must be an integer", name);
    *v = a->i;
    return CC_OK;
}

/* An optional list-of-integers attribute: *count is -1 when it is absent. */
static cc_status attr_ints(cc_graph *g, cc_node *n, cc_diag *d, const char *name,
                           const int64_t **v, int *count)
{
    const cc_attr *a = cc_attr_get(n, name);
    *v = NULL;
    *count = -1;
    if (!a)
        return CC_OK;
    if (a->type != CC_AT_INTS)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute '%s' must be a list of integers",
                            name);
    *v = a->ints;
    *count = a->n;
    return CC_OK;
}

/*
 * Normalises an axis attribute or value into [0, rank); negative axes count
 * from the back. The spec allows them only from opset 11 for most ops, but
 * older exporters (PyTorch) wrote them anyway and onnxruntime accepts them
 * at every opset, so we do too.
 */
static cc_status norm_axis(cc_graph *g, cc_node *n, cc_diag *d, int64_t axis, int rank,
                           const char *what, int *out)
{
    int a = cc_axis(axis, rank);
    if (a < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "%s %lld is out of range for rank %d", what,
                            (long long)axis, rank);
    *out = a;
    return CC_OK;
}

/*
 * Normalises a list of axes for a tensor of the given rank into mark[]
 * (mark[a] = 1 for each axis a); duplicates and out-of-range axes fail.
 */
static cc_status mark_axes(cc_graph *g, cc_node *n, cc_diag *d, const int64_t *axes, int count,
                           int rank, int *mark)
{
    for (int i = 0; i < rank; i++)
        mark[i] = 0;
    for (int i = 0; i < count; i++) {
        int a = 0;
        cc_status st = norm_axis(g, n, d, axes[i], rank, "axis", &a);
        if (st)
            return st;
        if (mark[a])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is repeated",
                                (long long)axes[i]);
        mark[a] = 1;
    }
    return CC_OK;
}

/*
 * Simplifies a strided copy without changing what it does: drops axes of
 * size 1 and merges each axis into the one outside it when both x and y
 * walk them as one contiguous run (outer stride = inner stride * inner
 * size). A transpose of [N, C, H, W] to [N, H, W, C] keeps 3 axes, a slice
 * of whole rows becomes one run.
 */
static void copy_simplify(rt_copy_params *p)
{
    int k = 0;
    for (int i = 0; i < p->ndim; i++) {
        if (p->shape[i] == 1)
            continue;
        if (k > 0 && p->ystride[k - 1] == p->ystride[i] * p->shape[i] &&
            p->xstride[k - 1] == p->xstride[i] * p->shape[i]) {
            p->shape[k - 1] *= p->shape[i];
            p->ystride[k - 1] = p->ystride[i];
            p->xstride[k - 1] = p->xstride[i];
            continue;
        }
        p->shape[k] = p->shape[i];
        p->ystride[k] = p->ystride[i];
        p->xstride[k] = p->xstride[i];
        k++;
    }
    for (int i = k; i < RT_MAX_DIMS; i++)
        p->shape[i] = p->ystride[i] = p->xstride[i] = 0;
    p->ndim = k;
}

/* Appends y = copy of x with the given params (simplified); NULL on exhaustion. */
static cc_call *add_copy(cc_calls *out, cc_tensor *y, cc_tensor *x, const rt_copy_params *p)
{
    cc_call *c = cc_calls_add(out, CC_K_COPY);
    if (!c)
        return NULL;
    c->args[0] = y;
    c->args[1] = x;
    c->p.copy = *p;
    copy_simplify(&c->p.copy);
    return c;
}

/* ------------------------------------------------------------ Flatten */

/*
 * Flatten: [d0 .. d(a-1) | da .. dn] -> [d0*..*d(a-1), da*..*dn], axis in
 * [-r, r] (negative values are in the spec from opset 11; see norm_axis).
 */
cc_status cc_infer_flatten(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int64_t axis;
    if ((st = attr_int(g, n, d, "axis", 1, &axis)))
        return st;
    if (axis < 0)
        axis += x->rank;
    if (axis < 0 || axis > x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is out of range for rank %d",
                            (long long)axis, x->rank);
    int64_t shape[2];
    shape[0] = dims_prod(x->shape, 0, (int)axis);
    shape[1] = dims_prod(x->shape, (int)axis, x->rank);
    if (shape[0] < 0 || shape[1] < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' is too large to flatten",
                            x->name);
    return set_out(g, n, d, n->out[0], x->dtype, 2, shape);
}

cc_status cc_lower_flatten(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* alias */
}

/* ------------------------------------------------------------ Reshape */

/*
 * Reshape: the constant int64 input `shape` gives the output dimensions; a 0
 * copies the input's dimension at the same index (unless allowzero, opset
 * 14, makes it a real 0) and one -1 is inferred from the element count.
 */
cc_status cc_infer_reshape(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st || (st = need_input(g, n, d, 1, "shape")))
        return st;
    const cc_tensor *x = n->in[0];
    const int64_t *v;
    int cnt;
    int64_t allowzero = 0;
    if ((st = const_input(g, n, d, 1, "shape", &v, &cnt)))
        return st;
    if (g->opset >= 14 && (st = attr_int(g, n, d, "allowzero", 0, &allowzero)))
        return st;
    if (cnt > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "the output would have rank %d (at "
                            "most %d supported)", cnt, CC_MAX_DIMS);
    int64_t shape[CC_MAX_DIMS];
    int infer = -1, has_zero = 0;
    char buf[256];
    for (int i = 0; i < cnt; i++) {
        int64_t s = v[i];
        if (s == -1) {
            if (infer >= 0)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "shape %s has more than one -1",
                                    fmt_ints(buf, sizeof buf, v, cnt));
            infer = i;
            s = 1; /* placeholder for the product */
        } else if (s < -1) {
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "shape %s has the invalid dimension %lld",
                                fmt_ints(buf, sizeof buf, v, cnt), (long long)s);
        } else if (s == 0 && !allowzero) {
            if (i >= x->rank)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "shape %s: the 0 at index %d copies "
                                    "a dimension that the input (rank %d) does not have",
                                    fmt_ints(buf, sizeof buf, v, cnt), i, x->rank);
            s = x->shape[i];
        } else if (s == 0) {
            has_zero = 1;
        }
        shape[i] = s;
    }
    if (allowzero && has_zero && infer >= 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "shape %s has both a 0 and a -1, which "
                            "allowzero=1 forbids", fmt_ints(buf, sizeof buf, v, cnt));
    int64_t total = dims_prod(x->shape, 0, x->rank);
    int64_t known = dims_prod(shape, 0, cnt);
    char xs[256];
    if (total < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' is too large", x->name);
    if (infer >= 0) {
        if (known <= 0 || total % known != 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "cannot reshape input '%.100s' of shape "
                                "%s to %s: the -1 cannot be inferred", x->name,
                                cc_shape_str(x, xs, sizeof xs), fmt_ints(buf, sizeof buf, v, cnt));
        shape[infer] = total / known;
    } else if (known != total) {
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "cannot reshape input '%.100s' of shape %s "
                            "(%lld elements) to %s", x->name, cc_shape_str(x, xs, sizeof xs),
                            (long long)total, fmt_ints(buf, sizeof buf, shape, cnt));
    }
    return set_out(g, n, d, n->out[0], x->dtype, cnt, shape);
}

cc_status cc_lower_reshape(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* alias */
}

/* ------------------------------------------------------------ Squeeze / Unsqueeze */

/*
 * The axes of Squeeze/Unsqueeze: the `axes` attribute before opset 13, the
 * optional constant input 1 from 13. *count is -1 when none are given.
 */
static cc_status squeeze_axes(cc_graph *g, cc_node *n, cc_diag *d, const int64_t **axes,
                              int *count)
{
    cc_status st;
    if (g->opset < 13) {
        if ((st = max_inputs(g, n, d, 1)))
            return st;
        return attr_ints(g, n, d, "axes", axes, count);
    }
    *axes = NULL;
    *count = -1;
    if (n->nin < 2 || !n->in[1])
        return CC_OK;
    if ((st = need_input(g, n, d, 1, "axes")))
        return st;
    return const_input(g, n, d, 1, "axes", axes, count);
}

/*
 * Squeeze: removes the listed axes (each of size 1), or every axis of size
 * 1 when no axes are given. An empty axes list removes nothing (as ONNX's
 * own shape inference reads it).
 */
cc_status cc_infer_squeeze(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    const int64_t *axes;
    int cnt;
    if ((st = squeeze_axes(g, n, d, &axes, &cnt)))
        return st;
    int mark[CC_MAX_DIMS];
    if (cnt >= 0) {
        if ((st = mark_axes(g, n, d, axes, cnt, x->rank, mark)))
            return st;
    } else {
        for (int i = 0; i < x->rank; i++)
            mark[i] = x->shape[i] == 1;
    }
    int64_t shape[CC_MAX_DIMS];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!mark[i]) {
            shape[r++] = x->shape[i];
        } else if (x->shape[i] != 1) {
            char xs[256];
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "cannot squeeze axis %d of input "
                                "'%.100s' of shape %s: its size is not 1", i, x->name,
                                cc_shape_str(x, xs, sizeof xs));
        }
    }
    return set_out(g, n, d, n->out[0], x->dtype, r, shape);
}

cc_status cc_lower_squeeze(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* alias */
}

/*
 * Unsqueeze: inserts axes of size 1; the axes index the output (of rank
 * r + len(axes)), in any order, without repeats.
 */
cc_status cc_infer_unsqueeze(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    const int64_t *axes;
    int cnt;
    if ((st = squeeze_axes(g, n, d, &axes, &cnt)))
        return st;
    if (cnt < 0)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, g->opset < 13
                            ? "the attribute 'axes' is missing" : "input 1 (axes) is missing");
    if (cnt > CC_MAX_DIMS - x->rank)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "the output would have rank %lld (at "
                            "most %d supported)", (long long)x->rank + cnt, CC_MAX_DIMS);
    int r = x->rank + cnt;
    int mark[CC_MAX_DIMS];
    if ((st = mark_axes(g, n, d, axes, cnt, r, mark)))
        return st;
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0, k = 0; i < r; i++)
        shape[i] = mark[i] ? 1 : x->shape[k++];
    return set_out(g, n, d, n->out[0], x->dtype, r, shape);
}

cc_status cc_lower_unsqueeze(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* alias */
}

/* ------------------------------------------------------------ Identity / Dropout */

/*
 * Identity, and Dropout in inference mode: output 0 is input 0. Dropout's
 * mask output (bool from opset 10) is all ones, a constant; the float mask
 * of older opsets is not supported; nor is training mode,
 * i.e. a training_mode input (opset 12) that is not a constant false. The
 * ratio input is ignored, as inference ignores it. Dropout before opset 7
 * (is_test) is treated as inference too.
 */
cc_status cc_infer_identity(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    if (strcmp(n->op->name, "Dropout") == 0) {
        if ((st = max_inputs(g, n, d, g->opset < 12 ? 1 : 3)))
            return st;
        if (n->nout > 1 && n->out[1] && g->opset >= 10) {
            /* inference keeps every element: the mask is a constant of ones */
            cc_tensor *m = n->out[1];
            if ((st = set_out(g, n, d, m, CC_DT_BOOL, x->rank, x->shape)))
                return st;
            if (!m->data) {
                if ((st = cc_alloc_const(g, n, cc_nbytes(m), &m->data, d)))
                    return st;
                memset(m->data, 1, (size_t)cc_nbytes(m));
            }
        } else if (n->nout > 1 && n->out[1])
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output '%.100s' (mask) is not "
                                "supported; onnxcc compiles Dropout for inference only",
                                n->out[1]->name);
        if (n->nin > 2 && n->in[2]) {
            const cc_tensor *tm = n->in[2];
            int64_t numel = tm->rank >= 0 ? dims_prod(tm->shape, 0, tm->rank) : -1;
            if (tm->dtype != CC_DT_BOOL || numel != 1)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' (training_mode) "
                                    "must be a bool scalar", tm->name);
            /* bool data is one byte per element when import keeps it */
            if (!tm->data && tm->is_initializer)
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.100s' "
                                    "(training_mode) is a bool initializer, whose value onnxcc "
                                    "cannot read; leave the input out for inference",
                                    tm->name);
            if (!tm->data)
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.100s' "
                                    "(training_mode) must be a compile-time constant false; "
                                    "onnxcc compiles inference only", tm->name);
            if (*(const unsigned char *)tm->data)
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "training_mode is true; "
                                    "onnxcc compiles inference only");
        }
    }
    return set_out(g, n, d, n->out[0], x->dtype, x->rank, x->shape);
}

cc_status cc_lower_identity(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* alias */
}

/* ------------------------------------------------------------ Transpose */

/* The permutation of Transpose into perm[]: the attribute, checked to be a
 * permutation of [0, r), or the reversal of the axes by default. */
static cc_status transpose_perm(cc_graph *g, cc_node *n, cc_diag *d, int *perm)
{
    const cc_tensor *x = n->in[0];
    const int64_t *v;
    int cnt;
    cc_status st = attr_ints(g, n, d, "perm", &v, &cnt);
    if (st)
        return st;
    if (cnt < 0) {
        for (int i = 0; i < x->rank; i++)
            perm[i] = x->rank - 1 - i;
        return CC_OK;
    }
    char buf[256];
    if (cnt != x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "perm %s has %d entries but the input has "
                            "rank %d", fmt_ints(buf, sizeof buf, v, cnt), cnt, x->rank);
    int seen[CC_MAX_DIMS] = {0};
    for (int i = 0; i < cnt; i++) {
        if (v[i] < 0 || v[i] >= x->rank || seen[v[i]])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "perm %s is not a permutation of the "
                                "%d axes", fmt_ints(buf, sizeof buf, v, cnt), x->rank);
        seen[v[i]] = 1;
        perm[i] = (int)v[i];
    }
    return CC_OK;
}

/* Transpose: y.shape[i] = x.shape[perm[i]]. */
cc_status cc_infer_transpose(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int perm[CC_MAX_DIMS];
    if ((st = transpose_perm(g, n, d, perm)))
        return st;
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0; i < x->rank; i++)
        shape[i] = x->shape[perm[i]];
    return set_out(g, n, d, n->out[0], x->dtype, x->rank, shape);
}

/* One strided copy walking y in order and x along the permuted strides. */
cc_status cc_lower_transpose(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0], *y = n->out[0];
    int perm[CC_MAX_DIMS];
    cc_status st = transpose_perm(g, n, d, perm);
    if (st)
        return st;
    if (!y || cc_numel(y) == 0)
        return CC_OK;
    rt_copy_params p;
    int64_t xs[CC_MAX_DIMS];
    memset(&p, 0, sizeof p);
    p.elem_size = (int)cc_dtype_size(x->dtype);
    p.ndim = y->rank;
    cc_strides(x, xs);
    cc_strides(y, p.ystride);
    for (int i = 0; i < y->rank; i++) {
        p.shape[i] = y->shape[i];
        /* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.ArraySubscript): y->rank == x->rank and transpose_perm set perm[0..rank) */
        p.xstride[i] = xs[perm[i]];
    }
    return add_copy(out, y, x, &p) ? CC_OK : shape_oom(g, n, d);
}

/* ------------------------------------------------------------ Concat */

/* Concat's axis, normalised against input 0's rank. */
static cc_status concat_axis(cc_graph *g, cc_node *n, cc_diag *d, int *axis)
{
    const cc_attr *a = cc_attr_get(n, "axis");
    if (!a)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "the attribute 'axis' is missing");
    int64_t v;
    cc_status st = attr_int(g, n, d, "axis", 0, &v);
    if (st)
        return st;
    return norm_axis(g, n, d, v, n->in[0]->rank, "axis", axis);
}

/* Concat: every input has input 0's rank, dtype and non-axis dimensions;
 * the axis dimensions add up. */
cc_status cc_infer_concat(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st;
    for (int k = 0; k < n->nin; k++) {
        if ((st = need_input(g, n, d, k, "inputs")) || (st = need_dtype(g, n, d, n->in[k])))
            return st;
    }
    const cc_tensor *x0 = n->in[0];
    int axis = 0;
    if ((st = concat_axis(g, n, d, &axis)))
        return st;
    int64_t shape[CC_MAX_DIMS];
    memcpy(shape, x0->shape, sizeof shape[0] * (size_t)x0->rank);
    shape[axis] = 0;
    for (int k = 0; k < n->nin; k++) {
        const cc_tensor *x = n->in[k];
        char s0[256], sk[256];
        if (x->dtype != x0->dtype)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' has element type %s but "
                                "input '%.100s' has %s", x->name, cc_dtype_name(x->dtype),
                                x0->name, cc_dtype_name(x0->dtype));
        int same = x->rank == x0->rank;
        for (int i = 0; same && i < x->rank; i++)
            same = i == axis || x->shape[i] == x0->shape[i];
        if (!same)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' of shape %s does not "
                                "match input '%.100s' of shape %s outside axis %d", x->name,
                                cc_shape_str(x, sk, sizeof sk), x0->name,
                                cc_shape_str(x0, s0, sizeof s0), axis);
        if (x->shape[axis] < 0 || x->shape[axis] > SHAPE_MAX_NUMEL - shape[axis])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "the concatenated axis is too large");
        shape[axis] += x->shape[axis];
    }
    return set_out(g, n, d, n->out[0], x0->dtype, x0->rank, shape);
}

/* One strided copy per non-empty input into its slab of the output. */
cc_status cc_lower_concat(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *y = n->out[0];
    int axis = 0;
    cc_status st = concat_axis(g, n, d, &axis);
    if (st)
        return st;
    if (!y || cc_numel(y) == 0)
        return CC_OK;
    int64_t ys[CC_MAX_DIMS], off = 0;
    cc_strides(y, ys);
    for (int k = 0; k < n->nin; k++) {
        cc_tensor *x = n->in[k];
        int64_t len = x->shape[axis];
        if (cc_numel(x) == 0)
            continue;
        rt_copy_params p;
        memset(&p, 0, sizeof p);
        p.elem_size = (int)cc_dtype_size(x->dtype);
        p.ndim = x->rank;
        cc_strides(x, p.xstride);
        for (int i = 0; i < x->rank; i++) {
            p.shape[i] = x->shape[i];
            p.ystride[i] = ys[i];
        }
        p.yoff = off * ys[axis];
        if (!add_copy(out, y, x, &p))
            return shape_oom(g, n, d);
        off += len;
    }
    return CC_OK;
}

/* ------------------------------------------------------------ Split */

/*
 * Split's axis and the size of each output along it, into sizes[] (nout
 * entries, allocated in the context): the `split` attribute before opset
 * 13, the optional constant input 1 from 13, or equal parts.
 */
static cc_status split_plan(cc_graph *g, cc_node *n, cc_diag *d, int *axis, int64_t **sizes)
{
    const cc_tensor *x = n->in[0];
    int64_t ax;
    cc_status st = attr_int(g, n, d, "axis", 0, &ax);
    if (st || (st = norm_axis(g, n, d, ax, x->rank, "axis", axis)))
        return st;
    const int64_t *v = NULL;
    int cnt = -1;
    if (g->opset < 13) {
        if ((st = max_inputs(g, n, d, 1)) || (st = attr_ints(g, n, d, "split", &v, &cnt)))
            return st;
    } else if (n->nin > 1 && n->in[1]) {
        if ((st = need_input(g, n, d, 1, "split")) ||
            (st = const_input(g, n, d, 1, "split", &v, &cnt)))
            return st;
    }
    int64_t dim = x->shape[*axis];
    int64_t *s = cc_alloc_array(g->ctx, (size_t)n->nout + 1, sizeof *s);
    if (!s)
        return shape_oom(g, n, d);
    char buf[256];
    if (cnt < 0) {
        if (dim % n->nout != 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %d of size %lld cannot be split "
                                "into %d equal parts", *axis, (long long)dim, n->nout);
        for (int k = 0; k < n->nout; k++)
            s[k] = dim / n->nout;
    } else {
        int64_t sum = 0;
        if (cnt != n->nout)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "split %s has %d entries for %d outputs",
                                fmt_ints(buf, sizeof buf, v, cnt), cnt, n->nout);
        for (int k = 0; k < cnt; k++) {
            if (v[k] < 0 || v[k] > dim - sum)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "split %s does not add up to the "
                                    "size %lld of axis %d", fmt_ints(buf, sizeof buf, v, cnt),
                                    (long long)dim, *axis);
            s[k] = v[k];
            sum += v[k];
        }
        if (sum != dim)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "split %s does not add up to the size "
                                "%lld of axis %d", fmt_ints(buf, sizeof buf, v, cnt),
                                (long long)dim, *axis);
    }
    *sizes = s;
    return CC_OK;
}

/* Split: each output is the input with the axis dimension replaced by its part. */
cc_status cc_infer_split(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int axis = 0;
    int64_t *sizes;
    if ((st = split_plan(g, n, d, &axis, &sizes)))
        return st;
    for (int k = 0; k < n->nout; k++) {
        int64_t shape[CC_MAX_DIMS];
        memcpy(shape, x->shape, sizeof shape[0] * (size_t)x->rank);
        shape[axis] = sizes[k];
        if ((st = set_out(g, n, d, n->out[k], x->dtype, x->rank, shape)))
            return st;
    }
    return CC_OK;
}

/* One strided copy per non-empty output from its slab of the input. */
cc_status cc_lower_split(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0];
    int axis = 0;
    int64_t *sizes, off = 0;
    cc_status st = split_plan(g, n, d, &axis, &sizes);
    if (st)
        return st;
    if (cc_numel(x) == 0)
        return CC_OK;
    int64_t xs[CC_MAX_DIMS];
    cc_strides(x, xs);
    for (int k = 0; k < n->nout; k++) {
        cc_tensor *y = n->out[k];
        int64_t start = off;
        off += sizes[k];
        if (!y || cc_numel(y) == 0)
            continue;
        rt_copy_params p;
        memset(&p, 0, sizeof p);
        p.elem_size = (int)cc_dtype_size(x->dtype);
        p.ndim = y->rank;
        cc_strides(y, p.ystride);
        for (int i = 0; i < y->rank; i++) {
            p.shape[i] = y->shape[i];
            p.xstride[i] = xs[i];
        }
        p.xoff = start * xs[axis];
        if (!add_copy(out, y, x, &p))
            return shape_oom(g, n, d);
    }
    return CC_OK;
}

/* ------------------------------------------------------------ Slice */

/* Per axis of the input: first index, step and number of elements taken. */
typedef struct {
    int64_t start[CC_MAX_DIMS];
    int64_t step[CC_MAX_DIMS];
    int64_t len[CC_MAX_DIMS];
} slice_plan;

/*
 * Slice's effective start, step and length on every axis, as the ONNX spec
 * computes them: negative starts/ends count from the end, then starts are
 * clamped to [0, dim] ([0, dim-1] stepping backward) and ends to [0, dim]
 * ([-1, dim-1] backward). Before opset 10 starts/ends/axes are attributes
 * and the step is 1; from 10 they are constant inputs, with steps.
 */
static cc_status slice_make(cc_graph *g, cc_node *n, cc_diag *d, slice_plan *sp)
{
    const cc_tensor *x = n->in[0];
    const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
    int ns, ne, na = -1, nst = -1;
    cc_status st;
    if (g->opset < 10) {
        if ((st = max_inputs(g, n, d, 1)) || (st = attr_ints(g, n, d, "starts", &starts, &ns)) ||
            (st = attr_ints(g, n, d, "ends", &ends, &ne)) ||
            (st = attr_ints(g, n, d, "axes", &axes, &na)))
            return st;
        if (ns < 0 || ne < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "the attribute '%s' is missing",
                                ns < 0 ? "starts" : "ends");
    } else {
        if ((st = need_input(g, n, d, 1, "starts")) || (st = need_input(g, n, d, 2, "ends")) ||
            (st = const_input(g, n, d, 1, "starts", &starts, &ns)) ||
            (st = const_input(g, n, d, 2, "ends", &ends, &ne)))
            return st;
        if (n->nin > 3 && n->in[3] && ((st = need_input(g, n, d, 3, "axes")) ||
                                       (st = const_input(g, n, d, 3, "axes", &axes, &na))))
            return st;
        if (n->nin > 4 && n->in[4] && ((st = need_input(g, n, d, 4, "steps")) ||
                                       (st = const_input(g, n, d, 4, "steps", &steps, &nst))))
            return st;
    }
    if (ne != ns || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "starts, ends, axes and steps have different "
                            "lengths (%d, %d, %d, %d)", ns, ne, na, nst);
    if (na < 0 && ns > x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "%d starts for an input of rank %d", ns,
                            x->rank);
    for (int i = 0; i < x->rank; i++) {
        sp->start[i] = 0;
        sp->step[i] = 1;
        sp->len[i] = x->shape[i];
    }
    int mark[CC_MAX_DIMS] = {0};
    for (int i = 0; i < ns; i++) {
        int a = i;
        if (axes && (st = norm_axis(g, n, d, axes[i], x->rank, "axis", &a)))
            return st;
        if (mark[a])
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %d is sliced twice", a);
        mark[a] = 1;
        int64_t dim = x->shape[a], s = starts[i], e = ends[i], step = steps ? steps[i] : 1;
        if (step == 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "the step of axis %d is 0", a);
        /* dim >= 0 and s, e < 0 here, so these additions cannot overflow */
        if (s < 0)
            s += dim;
        if (e < 0)
            e += dim;
        /* a step as long as the axis takes at most one element: bounding it
         * keeps step * stride in range without changing the result */
        int64_t big = dim > 0 ? dim : 1, len;
        if (step > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            e = e < 0 ? 0 : e > dim ? dim : e;
            if (step > big)
                step = big;
            len = e > s ? (e - s + step - 1) / step : 0;
        } else {
            s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            if (step < -big)
                step = -big;
            len = s > e ? (s - e - step - 1) / -step : 0;
        }
        sp->start[a] = len > 0 ? s : 0;
        sp->step[a] = step;
        sp->len[a] = len;
    }
    return CC_OK;
}

/* Slice: the output has len[i] elements on each axis. */
cc_status cc_infer_slice(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    slice_plan sp;
    if ((st = slice_make(g, n, d, &sp)))
        return st;
    return set_out(g, n, d, n->out[0], x->dtype, x->rank, sp.len);
}

/* One strided copy: x offset by the starts, x strides times the steps
 * (negative when stepping backward). */
cc_status cc_lower_slice(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0], *y = n->out[0];
    slice_plan sp;
    cc_status st = slice_make(g, n, d, &sp);
    if (st)
        return st;
    if (!y || cc_numel(y) == 0)
        return CC_OK;
    rt_copy_params p;
    int64_t xs[CC_MAX_DIMS];
    memset(&p, 0, sizeof p);
    p.elem_size = (int)cc_dtype_size(x->dtype);
    p.ndim = y->rank;
    cc_strides(x, xs);
    cc_strides(y, p.ystride);
    for (int i = 0; i < y->rank; i++) {
        p.shape[i] = y->shape[i];
        p.xstride[i] = xs[i] * sp.step[i];
        p.xoff += sp.start[i] * xs[i];
    }
    return add_copy(out, y, x, &p) ? CC_OK : shape_oom(g, n, d);
}

/* ------------------------------------------------------------ Pad */

/* Pad's mode, fill value and pads (begin[i], end[i] per axis). */
typedef struct {
    rt_pad_mode mode;
    float value;
    int64_t begin[CC_MAX_DIMS], end[CC_MAX_DIMS];
} pad_plan;

/*
 * Reads Pad's parameters: attributes pads and value before opset 11; from 11
 * the constant input pads and the optional constant scalar constant_value.
 * Each pad is bounded so that in + begin + end cannot overflow.
 */
static cc_status pad_make(cc_graph *g, cc_node *n, cc_diag *d, pad_plan *pp)
{
    const cc_tensor *x = n->in[0];
    const int64_t *pads;
    int cnt;
    cc_status st;
    const char *mode = cc_attr_str(n, "mode", "constant");
    const cc_attr *ma = cc_attr_get(n, "mode");
    if (ma && ma->type != CC_AT_STRING)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'mode' must be a string");
    if (strcmp(mode, "constant") == 0)
        pp->mode = RT_PAD_CONSTANT;
    else if (strcmp(mode, "reflect") == 0)
        pp->mode = RT_PAD_REFLECT;
    else if (strcmp(mode, "edge") == 0)
        pp->mode = RT_PAD_EDGE;
    else
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "unknown mode '%.60s' (constant, reflect "
                            "or edge)", mode);
    pp->value = 0.0f;
    if (g->opset < 11) {
        const cc_attr *va = cc_attr_get(n, "value");
        if ((st = max_inputs(g, n, d, 1)) || (st = attr_ints(g, n, d, "pads", &pads, &cnt)))
            return st;
        if (cnt < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "the attribute 'pads' is missing");
        if (va && va->type != CC_AT_FLOAT)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'value' must be a float");
        if (va)
            pp->value = va->f;
    } else {
        if ((st = need_input(g, n, d, 1, "pads")) ||
            (st = const_input(g, n, d, 1, "pads", &pads, &cnt)))
            return st;
        if (n->nin > 2 && n->in[2]) {
            const cc_tensor *cv = n->in[2];
            if ((st = need_input(g, n, d, 2, "constant_value")))
                return st;
            if (cv->dtype != x->dtype || cc_numel(cv) != 1)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.100s' (constant_value) "
                                    "must be one element of the data's type %s", cv->name,
                                    cc_dtype_name(x->dtype));
            if (!cv->data)
                return cc_need_const(d, g, n, cv, "constant_value");
            if (x->dtype == CC_DT_FLOAT)
                pp->value = *(const float *)cv->data;
        }
    }
    char buf[256];
    if (cnt != 2 * x->rank)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "pads %s has %d entries; an input of rank "
                            "%d needs %d", fmt_ints(buf, sizeof buf, pads, cnt), cnt, x->rank,
                            2 * x->rank);
    for (int i = 0; i < x->rank; i++) {
        int64_t b = pads[i], e = pads[i + x->rank], dim = x->shape[i];
        if (b < -SHAPE_MAX_NUMEL || b > SHAPE_MAX_NUMEL || e < -SHAPE_MAX_NUMEL ||
            e > SHAPE_MAX_NUMEL || dim + b + e < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "pads %s do not fit axis %d of size "
                                "%lld", fmt_ints(buf, sizeof buf, pads, cnt), i,
                                (long long)dim);
        /* edge and reflect need a non-empty source on an axis they pad */
        int64_t kept = dim - (b < 0 ? -b : 0) - (e < 0 ? -e : 0);
        if (pp->mode != RT_PAD_CONSTANT && (b > 0 || e > 0) && kept <= 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "mode '%s' cannot pad axis %d, which "
                                "has no elements left to repeat", mode, i);
        pp->begin[i] = b;
        pp->end[i] = e;
    }
    return CC_OK;
}

/* Pad: out[i] = in[i] + begin[i] + end[i] (negative pads crop). Any element
 * type: float32 through rt_pad_forward, others through rt_pad_any_forward. */
cc_status cc_infer_pad(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    pad_plan pp;
    if ((st = pad_make(g, n, d, &pp)))
        return st;
    int64_t shape[CC_MAX_DIMS];
    for (int i = 0; i < x->rank; i++)
        shape[i] = x->shape[i] + pp.begin[i] + pp.end[i];
    return set_out(g, n, d, n->out[0], x->dtype, x->rank, shape);
}

/* One rt_pad_forward call. */
cc_status cc_lower_pad(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0], *y = n->out[0];
    pad_plan pp = {0};
    cc_status st = pad_make(g, n, d, &pp);
    if (st)
        return st;
    if (!y || cc_numel(y) == 0)
        return CC_OK;
    if (x->rank == 0) {
        /* nothing to pad: a one-element copy (and no empty arrays in the
         * printed parameter block, which ISO C forbids) */
        rt_copy_params p;
        memset(&p, 0, sizeof p);
        p.elem_size = (int)cc_dtype_size(x->dtype);
        return add_copy(out, y, x, &p) ? CC_OK : shape_oom(g, n, d);
    }
    if (x->dtype != CC_DT_FLOAT) {
        cc_call *c = cc_calls_add(out, CC_K_PAD_ANY);
        if (!c)
            return shape_oom(g, n, d);
        c->args[0] = y;
        c->args[1] = x;
        c->p.pad_any.mode = pp.mode;
        c->p.pad_any.elem_size = (int)cc_dtype_size(x->dtype);
        /* the constant's bytes (opset 11: input constant_value of x's type) */
        if (g->opset >= 11 && n->nin > 2 && n->in[2] && n->in[2]->data)
            memcpy(c->p.pad_any.value, n->in[2]->data, cc_dtype_size(x->dtype));
        c->p.pad_any.ndim = x->rank;
        for (int i = 0; i < x->rank; i++) {
            c->p.pad_any.in[i] = x->shape[i];
            c->p.pad_any.out[i] = y->shape[i];
            c->p.pad_any.pad_begin[i] = pp.begin[i];
        }
        return CC_OK;
    }
    cc_call *c = cc_calls_add(out, CC_K_PAD);
    if (!c)
        return shape_oom(g, n, d);
    c->args[0] = y;
    c->args[1] = x;
    c->p.pad.mode = pp.mode;
    c->p.pad.value = pp.value;
    c->p.pad.ndim = x->rank;
    for (int i = 0; i < x->rank; i++) {
        c->p.pad.in[i] = x->shape[i];
        c->p.pad.out[i] = y->shape[i];
        c->p.pad.pad_begin[i] = pp.begin[i];
    }
    return CC_OK;
}

/* ------------------------------------------------------------ Constant */

/*
 * Constant: exactly one of value (a tensor), value_float, value_floats,
 * value_int, value_ints gives the output, computed here. Strings and sparse
 * tensors are not supported.
 */
cc_status cc_infer_constant(cc_graph *g, cc_node *n, cc_diag *d)
{
    static const char *const names[] = {"value", "value_float", "value_floats", "value_int",
                                        "value_ints", "value_string", "value_strings",
                                        "sparse_value"};
    const cc_attr *a = NULL;
    cc_tensor *y = n->out[0];
    cc_status st;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const cc_attr *b = cc_attr_get(n, names[i]);
        if (b && a)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "has both attributes '%s' and '%s'",
                                a->name, b->name);
        if (b)
            a = b;
    }
    if (!a)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "has no value attribute");
    if (strcmp(a->name, "value_string") == 0 || strcmp(a->name, "value_strings") == 0 ||
        strcmp(a->name, "sparse_value") == 0)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "attribute '%s' is not supported "
                            "(string and sparse constants)", a->name);
    if (!y)
        return CC_OK;
    int dtype, rank = 0;
    int64_t shape[CC_MAX_DIMS] = {0};
    const void *src;
    if (strcmp(a->name, "value") == 0) {
        if (a->type != CC_AT_TENSOR || !a->t)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'value' must be a tensor");
        if (!cc_dtype_supported(a->t->dtype))
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "the value has element type %s; "
                                "supported: float32, int64", cc_dtype_name(a->t->dtype));
        if (!a->t->data || a->t->rank < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "the value tensor has no data");
        dtype = a->t->dtype;
        rank = a->t->rank;
        memcpy(shape, a->t->shape, sizeof shape[0] * (size_t)rank);
        src = a->t->data;
    } else if (strcmp(a->name, "value_float") == 0 || strcmp(a->name, "value_floats") == 0) {
        int many = a->name[11] == 's';
        if (a->type != (many ? CC_AT_FLOATS : CC_AT_FLOAT))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute '%s' must be %s", a->name,
                                many ? "a list of floats" : "a float");
        dtype = CC_DT_FLOAT;
        rank = many;
        shape[0] = many ? a->n : 1;
        src = many ? (const void *)a->floats : (const void *)&a->f;
    } else {
        int many = a->name[9] == 's';
        if (a->type != (many ? CC_AT_INTS : CC_AT_INT))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute '%s' must be %s", a->name,
                                many ? "a list of integers" : "an integer");
        dtype = CC_DT_INT64;
        rank = many;
        shape[0] = many ? a->n : 1;
        src = many ? (const void *)a->ints : (const void *)&a->i;
    }
    if ((st = check_out(g, n, d, y, rank, shape)))
        return st;
    size_t bytes = (size_t)dims_prod(shape, 0, rank) * cc_dtype_size(dtype);
    void *data = cc_alloc(g->ctx, bytes);
    if (!data)
        return shape_oom(g, n, d);
    if (bytes)
        memcpy(data, src, bytes);
    cc_set_shape(y, dtype, rank, shape);
    y->data = data;
    return CC_OK;
}

cc_status cc_lower_constant(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* computed by infer */
}

/* ------------------------------------------------------------ ConstantOfShape */

/*
 * ConstantOfShape: a tensor of the constant int64 shape given by input 0
 * (empty: a scalar), filled with the one element of the `value` attribute
 * (default float32 0). Computed here.
 */
cc_status cc_infer_constant_of_shape(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_input(g, n, d, 0, "input");
    const int64_t *v;
    int cnt;
    cc_tensor *y = n->out[0];
    if (st || (st = const_input(g, n, d, 0, "input", &v, &cnt)))
        return st;
    int dtype = CC_DT_FLOAT;
    const void *val = NULL;
    const cc_attr *a = cc_attr_get(n, "value");
    if (a) {
        if (a->type != CC_AT_TENSOR || !a->t || a->t->rank < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'value' must be a tensor");
        if (dims_prod(a->t->shape, 0, a->t->rank) != 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'value' must hold exactly "
                                "one element");
        if (!cc_dtype_supported(a->t->dtype))
            return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "attribute 'value' has element "
                                "type %s; supported: " CC_DTYPES_SUPPORTED,
                                cc_dtype_name(a->t->dtype));
        if (!a->t->data)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'value' has no data");
        dtype = a->t->dtype;
        val = a->t->data;
    }
    if (cnt > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "the output would have rank %d (at "
                            "most %d supported)", cnt, CC_MAX_DIMS);
    if (!y)
        return CC_OK;
    if ((st = check_out(g, n, d, y, cnt, v)))
        return st;
    int64_t numel = dims_prod(v, 0, cnt);
    size_t es = cc_dtype_size(dtype);
    void *mem;
    if ((st = cc_alloc_const(g, n, numel * (int64_t)es, &mem, d)))
        return st;
    char *data = mem;
    if (val)
        for (int64_t i = 0; i < numel; i++)
            memcpy(data + (size_t)i * es, val, es);
    /* else: zeroed by cc_alloc, float 0 */
    cc_set_shape(y, dtype, cnt, v);
    y->data = data;
    return CC_OK;
}

cc_status cc_lower_constant_of_shape(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* computed by infer */
}

/* ------------------------------------------------------------ Shape */

/*
 * Shape: the int64 dimensions of input 0 (any element type; its data is not
 * read), from opset 15 only those in [start, end): negative values count
 * from the back, then both are clamped to [0, r]. Computed here.
 */
cc_status cc_infer_shape(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_input(g, n, d, 0, "data");
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    cc_tensor *y = n->out[0];
    int64_t r = x->rank, start = 0, end = r;
    if (g->opset >= 15) {
        if ((st = attr_int(g, n, d, "start", 0, &start)) ||
            (st = attr_int(g, n, d, "end", r, &end)))
            return st;
        if (start < 0)
            start = start < -r ? 0 : start + r;
        if (end < 0)
            end = end < -r ? 0 : end + r;
        start = start > r ? r : start;
        end = end > r ? r : end;
        if (end < start)
            end = start;
    }
    if (!y)
        return CC_OK;
    int64_t len = end - start;
    int64_t *data = cc_alloc_array(g->ctx, (size_t)len + 1, sizeof *data);
    if (!data)
        return shape_oom(g, n, d);
    for (int64_t i = 0; i < len; i++)
        data[i] = x->shape[start + i];
    cc_set_shape(y, CC_DT_INT64, 1, &len);
    y->data = data;
    return CC_OK;
}

cc_status cc_lower_shape(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)g, (void)n, (void)out, (void)d;
    return CC_OK; /* computed by infer */
}

/* ------------------------------------------------------------ Gather */

/* Gather's axis, normalised against the data's rank. */
static cc_status gather_axis(cc_graph *g, cc_node *n, cc_diag *d, int *axis)
{
    int64_t v;
    cc_status st = attr_int(g, n, d, "axis", 0, &v);
    return st ? st : norm_axis(g, n, d, v, n->in[0]->rank, "axis", axis);
}

/*
 * Gather: y = data.shape[:axis] + indices.shape + data.shape[axis+1:].
 * Constant indices are checked against [-s, s-1] here; indices that arrive
 * at run time are not (the kernel yields zeros for those out of range).
 */
cc_status cc_infer_gather(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_data_input(g, n, d);
    if (st || (st = need_input(g, n, d, 1, "indices")))
        return st;
    const cc_tensor *x = n->in[0], *ix = n->in[1];
    /* int32 indices: the call is retyped to rt_gather_any_forward */
    if (ix->dtype != CC_DT_INT64 && ix->dtype != CC_DT_INT32)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "indices '%.100s' have element type %s; "
                            "they must be int64 or int32", ix->name, cc_dtype_name(ix->dtype));
    if (x->rank < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "data '%.100s' is a scalar; it must have "
                            "rank >= 1", x->name);
    int axis = 0;
    if ((st = gather_axis(g, n, d, &axis)))
        return st;
    int r = x->rank + ix->rank - 1;
    if (r > CC_MAX_DIMS)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "the output would have rank %d (at "
                            "most %d supported)", r, CC_MAX_DIMS);
    if (ix->data) {
        int64_t cnt = cc_numel(ix), s = x->shape[axis];
        for (int64_t i = 0; i < cnt; i++) {
            int64_t iv = ix->dtype == CC_DT_INT32 ? ((const int32_t *)ix->data)[i]
                                                  : ((const int64_t *)ix->data)[i];
            if (iv < -s || iv >= s)
                return cc_node_fail(d, g, n, CC_ERR_MODEL, "index %lld (in '%.100s') is out of "
                                    "range for axis %d of size %lld", (long long)iv,
                                    ix->name, axis, (long long)s);
        }
    }
    int64_t shape[CC_MAX_DIMS];
    int k = 0;
    for (int i = 0; i < axis; i++)
        shape[k++] = x->shape[i];
    for (int i = 0; i < ix->rank; i++)
        shape[k++] = ix->shape[i];
    for (int i = axis + 1; i < x->rank; i++)
        shape[k++] = x->shape[i];
    return set_out(g, n, d, n->out[0], x->dtype, r, shape);
}

/* One rt_gather_forward call over x viewed as [outer, axis_len, inner]. */
cc_status cc_lower_gather(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0], *ix = n->in[1], *y = n->out[0];
    int axis = 0;
    cc_status st = gather_axis(g, n, d, &axis);
    if (st)
        return st;
    if (!y || cc_numel(y) == 0)
        return CC_OK;
    cc_call *c = cc_calls_add(out, CC_K_GATHER);
    if (!c)
        return shape_oom(g, n, d);
    c->args[0] = y;
    c->args[1] = x;
    c->args[2] = ix;
    c->p.gather.elem_size = (int)cc_dtype_size(x->dtype);
    /* y is non-empty, so outer and inner are too and these fit */
    c->p.gather.outer = dims_prod(x->shape, 0, axis);
    c->p.gather.axis_len = x->shape[axis];
    c->p.gather.inner = dims_prod(x->shape, axis + 1, x->rank);
    c->p.gather.nidx = cc_numel(ix);
    return CC_OK;
}

/* ------------------------------------------------------------ Cast */

/* rt_dtype of a supported CC dtype. */
static rt_dtype cast_rt(int dtype)
{
    return cc_dtype_rt(dtype);
}

/*
 * Cast: attribute `to` (an ONNX element type). Every pair of supported
 * types (see rt_cast_forward for the conversion rules); strings and complex
 * numbers are refused naming both types.
 */
cc_status cc_infer_cast(cc_graph *g, cc_node *n, cc_diag *d)
{
    cc_status st = need_input(g, n, d, 0, "input");
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int64_t to;
    if (!cc_attr_get(n, "to"))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "the attribute 'to' is missing");
    if ((st = attr_int(g, n, d, "to", 0, &to)))
        return st;
    if (to <= CC_DT_UNDEFINED || to > CC_DT_BFLOAT16)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute 'to' is %lld, not an element "
                            "type", (long long)to);
    if (!cc_dtype_supported(x->dtype) || !cc_dtype_supported((int)to))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "Cast from %s to %s is not supported "
                            "(supported: " CC_DTYPES_SUPPORTED ")",
                            cc_dtype_name(x->dtype), cc_dtype_name((int)to));
    return set_out(g, n, d, n->out[0], (int)to, x->rank, x->shape);
}

/* One rt_cast_forward call (a plain copy when the types are equal). */
cc_status cc_lower_cast(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_tensor *x = n->in[0], *y = n->out[0];
    if (!y || cc_numel(y) == 0)
        return CC_OK;
    cc_call *c = cc_calls_add(out, CC_K_CAST);
    if (!c)
        return shape_oom(g, n, d);
    c->args[0] = y;
    c->args[1] = x;
    c->p.cast.from = cast_rt(x->dtype);
    c->p.cast.to = cast_rt(y->dtype);
    c->p.cast.n = cc_numel(y);
    return CC_OK;
}
