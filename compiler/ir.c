/*
 * ir.c - memory context, diagnostics and the small helpers of the IR.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cc.h"

/* ------------------------------------------------------------ memory */

/* A chain of blocks; each allocation is carved from the newest block, large
 * ones get a block of their own. Everything goes at cc_ctx_free. */
typedef union {
    long double ld;
    double d;
    int64_t i;
    void *p;
} cc_maxalign;

typedef struct cc_block {
    struct cc_block *next;
    size_t used, cap;
    cc_maxalign data[];
} cc_block;

struct cc_ctx {
    cc_block *head;
};

cc_ctx *cc_ctx_new(void)
{
    return calloc(1, sizeof(cc_ctx));
}

void cc_ctx_free(cc_ctx *c)
{
    if (!c)
        return;
    cc_block *b = c->head;
    while (b) {
        cc_block *next = b->next;
        free(b);
        b = next;
    }
    free(c);
}

void *cc_alloc(cc_ctx *c, size_t n)
{
    const size_t align = sizeof(cc_maxalign);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    cc_block *b = c->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        cc_block *nb = malloc(sizeof(cc_block) + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && n > 65536) {
            /* keep carving from the current block; put the big one behind it */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            c->head = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

void *cc_alloc_array(cc_ctx *c, size_t count, size_t elem)
{
    if (elem && count > SIZE_MAX / 2 / elem)
        return NULL;
    return cc_alloc(c, count * elem);
}

char *cc_strndup(cc_ctx *c, const char *s, size_t n)
{
    char *r = cc_alloc(c, n + 1);
    if (r && n)
        memcpy(r, s, n);
    return r;
}

uint64_t cc_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

char *cc_strdup(cc_ctx *c, const char *s)
{
    return cc_strndup(c, s ? s : "", s ? strlen(s) : 0);
}

/* ------------------------------------------------------------ diagnostics */

cc_status (cc_fail)(cc_diag *d, cc_status st, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        d->need_const[0] = '\0';
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
        /* one line: a diagnostic never spans lines, whatever names hold */
        for (char *p = d->msg; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
    }
    return st;
}

cc_status (cc_node_fail)(cc_diag *d, const cc_graph *g, const cc_node *n, cc_status st,
                         const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return cc_fail(d, st, "%s: node '%.120s' (%s): %s", g->path, n->label,
                   n->op ? n->op->name : "?", why);
}

cc_status (cc_oom)(const cc_graph *g, cc_diag *d)
{
    return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
}

cc_status (cc_need_const)(cc_diag *d, const cc_graph *g, const cc_node *n, const cc_tensor *t,
                          const char *what)
{
    int is_input = t->input_index >= 0;
    const char *hint = is_input ? "; bind the graph input with --const " : "";
    cc_status st = cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' (%s) must be a "
                                "compile-time constant (an initializer or computed from "
                                "constants): onnxcc needs static shapes%s%.200s%s",
                                t->name, what, hint, is_input ? t->name : "",
                                is_input ? "=FILE.pb" : "");
    if (d && is_input)
        snprintf(d->need_const, sizeof d->need_const, "%s", t->name);
    return st;
}

/* ------------------------------------------------------------ dtypes */

const char *cc_dtype_name(int dtype)
{
    static const char *const names[] = {
        "undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64",
        "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
        "complex128", "bfloat16"};
    if (dtype >= 0 && dtype < (int)(sizeof names / sizeof names[0]))
        return names[dtype];
    return "unknown";
}

size_t cc_dtype_size(int dtype)
{
    switch (dtype) {
    case CC_DT_FLOAT: case CC_DT_INT32: case CC_DT_UINT32: return 4;
    case CC_DT_INT64: case CC_DT_UINT64: case CC_DT_DOUBLE: return 8;
    case CC_DT_INT16: case CC_DT_UINT16: case CC_DT_FLOAT16: case CC_DT_BFLOAT16: return 2;
    case CC_DT_INT8: case CC_DT_UINT8: case CC_DT_BOOL: return 1;
    default: return 0;
    }
}

int cc_dtype_supported(int dtype)
{
    return cc_dtype_size(dtype) != 0;
}

int cc_dtype_is_float(int dtype)
{
    return dtype == CC_DT_FLOAT || dtype == CC_DT_DOUBLE || dtype == CC_DT_FLOAT16 ||
           dtype == CC_DT_BFLOAT16;
}

int cc_dtype_is_int(int dtype)
{
    return cc_dtype_supported(dtype) && !cc_dtype_is_float(dtype) && dtype != CC_DT_BOOL;
}

int cc_dtype_is_signed(int dtype)
{
    return dtype == CC_DT_INT8 || dtype == CC_DT_INT16 || dtype == CC_DT_INT32 ||
           dtype == CC_DT_INT64;
}

rt_dtype cc_dtype_rt(int dtype)
{
    switch (dtype) {
    case CC_DT_INT64: return RT_I64;
    case CC_DT_DOUBLE: return RT_F64;
    case CC_DT_INT32: return RT_I32;
    case CC_DT_INT16: return RT_I16;
    case CC_DT_INT8: return RT_I8;
    case CC_DT_UINT8: return RT_U8;
    case CC_DT_UINT16: return RT_U16;
    case CC_DT_UINT32: return RT_U32;
    case CC_DT_UINT64: return RT_U64;
    case CC_DT_BOOL: return RT_BOOL;
    case CC_DT_FLOAT16: return RT_F16;
    case CC_DT_BFLOAT16: return RT_BF16;
    default: return RT_F32;
    }
}

const char *cc_dtype_ctype(int dtype)
{
    switch (dtype) {
    case CC_DT_INT64: return "int64_t";
    case CC_DT_DOUBLE: return "double";
    case CC_DT_INT32: return "int32_t";
    case CC_DT_INT16: return "int16_t";
    case CC_DT_INT8: return "int8_t";
    case CC_DT_UINT8: case CC_DT_BOOL: return "uint8_t";
    case CC_DT_UINT16: case CC_DT_FLOAT16: case CC_DT_BFLOAT16: return "uint16_t";
    case CC_DT_UINT32: return "uint32_t";
    case CC_DT_UINT64: return "uint64_t";
    default: return "float";
    }
}

/* ------------------------------------------------------------ tensors */

cc_tensor *cc_tensor_new(cc_graph *g, const char *name)
{
    if (g->ntensors == g->cap_tensors) {
        int cap = g->cap_tensors ? g->cap_tensors * 2 : 64;
        cc_tensor **v = cc_alloc_array(g->ctx, (size_t)cap, sizeof *v);
        if (!v)
            return NULL;
        if (g->ntensors)
            memcpy(v, g->tensors, (size_t)g->ntensors * sizeof *v);
        g->tensors = v;
        g->cap_tensors = cap;
    }
    cc_tensor *t = cc_alloc(g->ctx, sizeof *t);
    if (!t)
        return NULL;
    if (name) {
        t->name = cc_strdup(g->ctx, name);
    } else {
        char buf[32];
        snprintf(buf, sizeof buf, "onnxcc_tmp%d", g->ntensors);
        t->name = cc_strdup(g->ctx, buf);
    }
    if (!t->name)
        return NULL;
    t->id = g->ntensors;
    t->rank = -1;
    t->input_index = -1;
    t->output_index = -1;
    t->first = t->last = -1;
    g->tensors[g->ntensors++] = t;
    return t;
}

cc_status cc_alloc_const(cc_graph *g, const cc_node *n, int64_t bytes, void **out, cc_diag *d)
{
    int64_t max = g->max_folded_bytes > 0 ? g->max_folded_bytes : CC_DEFAULT_MAX_WEIGHTS;
    if (bytes < 0 || bytes > max - g->folded_bytes)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "computing constants at compile time would "
                            "take %lld bytes, over the limit of %lld (--max-weights)",
                            (long long)(g->folded_bytes + bytes), (long long)max);
    *out = cc_alloc(g->ctx, (size_t)bytes + 1);
    if (!*out)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    g->folded_bytes += bytes;
    return CC_OK;
}

int64_t cc_numel(const cc_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->shape[i];
    return n;
}

int64_t cc_nbytes(const cc_tensor *t)
{
    return cc_numel(t) * (int64_t)cc_dtype_size(t->dtype);
}

const char *cc_shape_str(const cc_tensor *t, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return buf;
    buf[0] = 0;
    if (t->rank < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    k += (size_t)snprintf(buf + k, n - k, "[");
    for (int i = 0; i < t->rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

void cc_strides(const cc_tensor *t, int64_t *s)
{
    int64_t acc = 1;
    for (int i = t->rank - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= t->shape[i];
    }
}

void cc_set_shape(cc_tensor *t, int dtype, int rank, const int64_t *shape)
{
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->shape[i] = shape[i];
}

int cc_axis(int64_t axis, int rank)
{
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return -1;
    return (int)axis;
}

cc_status cc_broadcast(const cc_tensor *a, const cc_tensor *b, int *rank, int64_t *shape)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->shape[ia] : 1;
        int64_t db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return CC_ERR_MODEL;
        shape[i] = da == 1 ? db : da;
    }
    *rank = r;
    return CC_OK;
}

void cc_bcast_params(rt_binary_params *p, rt_binary_op op, const cc_tensor *y,
                     const cc_tensor *a, const cc_tensor *b)
{
    int64_t sa[CC_MAX_DIMS], sb[CC_MAX_DIMS];
    memset(p, 0, sizeof *p);
    p->op = op;
    cc_strides(a, sa);
    cc_strides(b, sb);
    if (y->rank == 0) {
        p->ndim = 1;
        p->shape[0] = 1;
        return;
    }
    p->ndim = y->rank;
    for (int i = 0; i < y->rank; i++) {
        int ia = i - (y->rank - a->rank), ib = i - (y->rank - b->rank);
        p->shape[i] = y->shape[i];
        p->astride[i] = (ia >= 0 && a->shape[ia] != 1) ? sa[ia] : 0;
        p->bstride[i] = (ib >= 0 && b->shape[ib] != 1) ? sb[ib] : 0;
    }
}

/* ------------------------------------------------------------ attributes */

const cc_attr *cc_attr_get(const cc_node *n, const char *name)
{
    for (int i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

int64_t cc_attr_int(const cc_node *n, const char *name, int64_t dflt)
{
    const cc_attr *a = cc_attr_get(n, name);
    return a && a->type == CC_AT_INT ? a->i : dflt;
}

float cc_attr_float(const cc_node *n, const char *name, float dflt)
{
    const cc_attr *a = cc_attr_get(n, name);
    if (a && a->type == CC_AT_FLOAT)
        return a->f;
    if (a && a->type == CC_AT_INT)
        return (float)a->i;
    return dflt;
}

const char *cc_attr_str(const cc_node *n, const char *name, const char *dflt)
{
    const cc_attr *a = cc_attr_get(n, name);
    return a && a->type == CC_AT_STRING ? a->s : dflt;
}

int cc_attr_ints(const cc_node *n, const char *name, const int64_t **v)
{
    const cc_attr *a = cc_attr_get(n, name);
    if (!a || a->type != CC_AT_INTS) {
        if (a && a->type == CC_AT_INT) {
            *v = &a->i;
            return 1;
        }
        *v = NULL;
        return -1;
    }
    *v = a->ints;
    return a->n;
}

int cc_const_ints(const cc_tensor *t, const int64_t **v)
{
    if (!t || !t->data || t->dtype != CC_DT_INT64 || t->rank < 0)
        return -1;
    *v = t->data;
    return (int)cc_numel(t);
}

const char *cc_printable(const char *raw, char *buf, size_t n)
{
    size_t k = 0;
    if (n < 4)
        return "";
    for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
        if (k + 4 >= n) {
            memcpy(buf + k, "...", 3);
            k += 3;
            break;
        }
        buf[k++] = (*p >= 32 && *p < 127) ? (char)*p : '?';
    }
    buf[k] = 0;
    return buf;
}

int64_t cc_index_at(const cc_tensor *t, int64_t i)
{
    return t->dtype == CC_DT_INT32 ? (int64_t)((const int32_t *)t->data)[i]
                                   : ((const int64_t *)t->data)[i];
}
