/*
 * import.c - ONNX (protobuf-c) to IR. The only file that sees protobuf-c
 * types, and the door where untrusted input is checked: sizes, dtypes, data
 * lengths, names that dangle or repeat, cycles, element-count overflow.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cc.h"
#include "onnx.pb-c.h"

/* The largest tensor the compiler accepts, in elements; beyond it a model is
 * refused (2^31 elements = 8 GiB of float). */
#define CC_MAX_NUMEL ((int64_t)1 << 31)
/* The largest model file read into memory. */
#define CC_MAX_FILE ((long)2 << 30)

/* ------------------------------------------------------------ name map */

/* Open-addressing hash from tensor name to tensor. */
typedef struct {
    size_t cap;
    cc_tensor **slots;
} name_map;

static int map_init(cc_ctx *ctx, name_map *m, size_t n)
{
    m->cap = 16;
    while (m->cap < n * 2 + 16)
        m->cap *= 2;
    m->slots = cc_alloc_array(ctx, m->cap, sizeof *m->slots);
    return m->slots != NULL;
}

static cc_tensor **map_slot(name_map *m, const char *name)
{
    size_t i = (size_t)cc_hash_str(name) & (m->cap - 1);
    while (m->slots[i] && strcmp(m->slots[i]->name, name) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

/* ------------------------------------------------------------ files */

/* Reads a whole file into ctx memory. */
static cc_status read_file(cc_ctx *ctx, const char *path, uint8_t **buf, size_t *len, cc_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cc_fail(d, CC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return cc_fail(d, CC_ERR_IO, "%s: not a regular file", path);
    }
    if (st.st_size > CC_MAX_FILE) {
        fclose(f);
        return cc_fail(d, CC_ERR_MODEL, "%s: file too large (%lld bytes)", path,
                       (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = cc_alloc(ctx, n + 1);
    if (!b) {
        fclose(f);
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    }
    size_t got = n ? fread(b, 1, n, f) : 0;
    fclose(f);
    if (got != n)
        return cc_fail(d, CC_ERR_IO, "%s: read error", path);
    *buf = b;
    *len = n;
    return CC_OK;
}

/* ------------------------------------------------------------ tensors */

/* Checks dims and returns the element count, or -1 (with d filled) when a
 * dimension is negative or the count overflows the accepted maximum. */
static int64_t checked_numel(const int64_t *dims, size_t n, const char *path, const char *what,
                             const char *name, cc_diag *d)
{
    int64_t numel = 1, span = 1; /* span: product of the non-zero dims, which strides reach */
    for (size_t i = 0; i < n; i++) {
        if (dims[i] < 0) {
            cc_fail(d, CC_ERR_MODEL, "%s: %s '%.200s' has negative dimension %lld", path, what,
                    name, (long long)dims[i]);
            return -1;
        }
        if (dims[i] > 0 && span > CC_MAX_NUMEL / dims[i]) {
            cc_fail(d, CC_ERR_MODEL, "%s: %s '%.200s' is too large (dimension %zu is %lld; "
                    "limit %lld elements)", path, what, name, i, (long long)dims[i],
                    (long long)CC_MAX_NUMEL);
            return -1;
        }
        numel *= dims[i];
        if (dims[i] > 0)
            span *= dims[i];
    }
    return numel;
}

/* Fills t (dtype, shape and, for every supported dtype, dense data) from a
 * TensorProto. Tensors of other dtypes (strings, complex) keep their shape
 * but no data. */
static cc_status tensor_from_proto(cc_ctx *ctx, const Onnx__TensorProto *tp, cc_tensor *t,
                                   const char *path, const char *what, cc_diag *d)
{
    if (tp->n_dims > CC_MAX_DIMS)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: %s '%.200s' has rank %zu (at most %d supported)",
                       path, what, t->name, tp->n_dims, CC_MAX_DIMS);
    int64_t numel = checked_numel(tp->dims, tp->n_dims, path, what, t->name, d);
    if (numel < 0)
        return CC_ERR_MODEL;
    t->dtype = tp->data_type;
    t->rank = (int)tp->n_dims;
    for (size_t i = 0; i < tp->n_dims; i++)
        t->shape[i] = tp->dims[i];
    if (tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL || tp->n_external_data)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: %s '%.200s' keeps its data in an external file, "
                       "which onnxcc does not read", path, what, t->name);
    if (tp->segment)
        return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: %s '%.200s' is segmented", path, what, t->name);
    size_t es = cc_dtype_size(t->dtype);
    if (!es)
        return CC_OK; /* shape only; an op that needs it refuses the dtype */
    size_t bytes = (size_t)numel * es;
    void *data = cc_alloc(ctx, bytes ? bytes : 1);
    if (!data)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    size_t have;
    if (tp->has_raw_data) {
        have = tp->raw_data.len / es;
        if (tp->raw_data.len != bytes)
            goto short_data;
        /* raw_data is little-endian; so are the hosts we build for */
        if (bytes)
            memcpy(data, tp->raw_data.data, bytes);
        /* bool is 0 or 1 in generated code; any nonzero byte is true */
        if (t->dtype == CC_DT_BOOL)
            for (size_t i = 0; i < bytes; i++)
                ((uint8_t *)data)[i] = ((uint8_t *)data)[i] != 0;
    } else if (t->dtype == CC_DT_FLOAT) {
        have = tp->n_float_data;
        if (have != (size_t)numel)
            goto short_data;
        if (bytes)
            memcpy(data, tp->float_data, bytes);
    } else if (t->dtype == CC_DT_INT64) {
        have = tp->n_int64_data;
        if (have != (size_t)numel)
            goto short_data;
        if (bytes)
            memcpy(data, tp->int64_data, bytes);
    } else if (t->dtype == CC_DT_DOUBLE) {
        have = tp->n_double_data;
        if (have != (size_t)numel)
            goto short_data;
        if (bytes)
            memcpy(data, tp->double_data, bytes);
    } else if (t->dtype == CC_DT_UINT32 || t->dtype == CC_DT_UINT64) {
        /* uint64_data holds both, one value per entry */
        have = tp->n_uint64_data;
        if (have != (size_t)numel)
            goto short_data;
        for (size_t i = 0; i < have; i++) {
            if (t->dtype == CC_DT_UINT64)
                ((uint64_t *)data)[i] = tp->uint64_data[i];
            else
                ((uint32_t *)data)[i] = (uint32_t)tp->uint64_data[i];
        }
    } else {
        /* int32_data holds the narrow types, one value (or float16 /
         * bfloat16 bit pattern) per entry */
        have = tp->n_int32_data;
        if (have != (size_t)numel)
            goto short_data;
        for (size_t i = 0; i < have; i++) {
            const int32_t v = tp->int32_data[i];
            switch (es) {
            case 4: ((int32_t *)data)[i] = v; break;
            case 2: ((uint16_t *)data)[i] = (uint16_t)v; break;
            default:
                ((uint8_t *)data)[i] = (uint8_t)(t->dtype == CC_DT_BOOL ? v != 0 : v);
                break;
            }
        }
    }
    t->data = data;
    return CC_OK;
short_data:
    return cc_fail(d, CC_ERR_MODEL, "%s: %s '%.200s' holds %zu values but its shape needs %lld",
                   path, what, t->name, have, (long long)numel);
}

cc_status cc_load_tensor_file(cc_ctx *ctx, const char *path, cc_tensor **out, cc_diag *d)
{
    uint8_t *buf;
    size_t len;
    cc_status st = read_file(ctx, path, &buf, &len, d);
    if (st)
        return st;
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
    if (!tp)
        return cc_fail(d, CC_ERR_MODEL, "%s: not a serialized TensorProto", path);
    cc_tensor *t = cc_alloc(ctx, sizeof *t);
    if (!t) {
        onnx__tensor_proto__free_unpacked(tp, NULL);
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    }
    t->name = cc_strdup(ctx, tp->name ? tp->name : "");
    t->input_index = t->output_index = -1;
    st = tensor_from_proto(ctx, tp, t, path, "tensor", d);
    onnx__tensor_proto__free_unpacked(tp, NULL);
    if (st)
        return st;
    *out = t;
    return CC_OK;
}

/* ------------------------------------------------------------ graph */

typedef struct {
    cc_ctx *ctx;
    const char *path;
    const cc_import_opts *o;
    cc_graph *g;
    name_map names;
    cc_diag *d;
} importer;

static cc_status oom(importer *im)
{
    return cc_fail(im->d, CC_ERR_IO, "%s: out of memory", im->path);
}

/* Declares a graph input from its ValueInfo, binding symbolic dimensions. */
static cc_status import_input(importer *im, const Onnx__ValueInfoProto *vi, cc_tensor *t)
{
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: input '%.200s' is not a tensor "
                       "(sequences, maps and optionals are not supported)", im->path, t->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    t->dtype = tt->elem_type;
    if (!tt->shape)
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: input '%.200s' has no shape; onnxcc "
                       "needs static shapes", im->path, t->name);
    if (tt->shape->n_dim > CC_MAX_DIMS)
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: input '%.200s' has rank %zu (at most %d "
                       "supported)", im->path, t->name, tt->shape->n_dim, CC_MAX_DIMS);
    int64_t dims[CC_MAX_DIMS];
    for (size_t i = 0; i < tt->shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            dims[i] = dim->dim_value;
            continue;
        }
        const char *sym = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                              ? dim->dim_param : NULL;
        int found = 0;
        for (int k = 0; sym && k < im->o->ndims; k++) {
            if (strcmp(im->o->dim_names[k], sym) == 0) {
                dims[i] = im->o->dim_values[k];
                found = 1;
            }
        }
        for (int k = 0; !found && k < im->o->ndims; k++) {
            /* INPUT:AXIS=VALUE binds a dimension by position */
            const char *colon = strrchr(im->o->dim_names[k], ':');
            if (!colon)
                continue;
            size_t nlen = (size_t)(colon - im->o->dim_names[k]);
            char *end;
            long axis = strtol(colon + 1, &end, 10);
            if (!*end && strlen(t->name) == nlen &&
                memcmp(t->name, im->o->dim_names[k], nlen) == 0 && axis == (long)i) {
                dims[i] = im->o->dim_values[k];
                found = 1;
            }
        }
        if (!found && i == 0 && im->g->ninputs == 0 && im->o->batch > 0) {
            dims[i] = im->o->batch; /* --batch-size binds the first input's batch */
            found = 1;
        }
        if (!found && t->input_index < 0 && im->g->ninputs < im->o->ngiven) {
            const cc_tensor *ex = im->o->given[im->g->ninputs];
            if (ex->rank == (int)tt->shape->n_dim) {
                dims[i] = ex->shape[i];
                found = 1;
            }
        }
        if (!found) {
            if (sym)
                return cc_fail(im->d, CC_ERR_USAGE, "%s: input '%.200s' dimension %zu is symbolic "
                               "('%.100s'); bind it with --dim %.100s=VALUE", im->path, t->name, i,
                               sym, sym);
            return cc_fail(im->d, CC_ERR_USAGE, "%s: input '%.200s' dimension %zu has no size; "
                           "bind it with --dim %s:%zu=VALUE", im->path, t->name, i, t->name, i);
        }
    }
    if (checked_numel(dims, tt->shape->n_dim, im->path, "input", t->name, im->d) < 0)
        return CC_ERR_MODEL;
    t->rank = (int)tt->shape->n_dim;
    memcpy(t->shape, dims, sizeof dims[0] * (size_t)t->rank);
    if (!cc_dtype_supported(t->dtype))
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: input '%.200s' has element type %s; "
                       "supported: " CC_DTYPES_SUPPORTED, im->path, t->name,
                       cc_dtype_name(t->dtype));
    return CC_OK;
}

static int input_declared(const Onnx__GraphProto *gp, const char *name)
{
    for (size_t i = 0; i < gp->n_input; i++)
        if (gp->input[i]->name && strcmp(gp->input[i]->name, name) == 0)
            return 1;
    return 0;
}

/* --const NAME=FILE: the graph input t becomes a constant holding the bound
 * value, which must match the declared element type and the declared (static)
 * dimensions. Leaves t->data NULL when no binding names t. */
static cc_status bind_const(importer *im, const Onnx__ValueInfoProto *vi, cc_tensor *t)
{
    const cc_tensor *v = NULL;
    for (int k = 0; k < im->o->nconst; k++)
        if (strcmp(im->o->const_names[k], t->name) == 0)
            v = im->o->const_vals[k];
    if (!v)
        return CC_OK;
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return cc_fail(im->d, CC_ERR_USAGE, "%s: --const %.200s: the input is not a tensor",
                       im->path, t->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->elem_type != v->dtype)
        return cc_fail(im->d, CC_ERR_USAGE, "%s: --const %.200s: the input is %s but the value "
                       "is %s", im->path, t->name, cc_dtype_name(tt->elem_type),
                       cc_dtype_name(v->dtype));
    if (tt->shape) {
        int bad = (int)tt->shape->n_dim != v->rank;
        for (size_t i = 0; !bad && i < tt->shape->n_dim; i++) {
            const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
            bad = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
                  dim->dim_value != v->shape[i];
        }
        if (bad) {
            char sb[128];
            return cc_fail(im->d, CC_ERR_USAGE, "%s: --const %.200s: the value's shape %s does "
                           "not match the input's declared shape", im->path, t->name,
                           cc_shape_str(v, sb, sizeof sb));
        }
    }
    if (!v->data)
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: --const %.200s: element type %s cannot "
                       "be a constant", im->path, t->name, cc_dtype_name(v->dtype));
    t->dtype = v->dtype;
    t->rank = v->rank;
    memcpy(t->shape, v->shape, sizeof t->shape[0] * (size_t)v->rank);
    size_t bytes = (size_t)cc_nbytes(v);
    void *data = cc_alloc(im->ctx, bytes ? bytes : 1);
    if (!data)
        return oom(im);
    memcpy(data, v->data, bytes);
    t->data = data;
    t->is_initializer = 1;
    return CC_OK;
}

static cc_status import_attr(importer *im, const Onnx__AttributeProto *ap, cc_attr *a,
                             const char *label)
{
    a->name = cc_strdup(im->ctx, ap->name ? ap->name : "");
    if (!a->name)
        return oom(im);
    switch (ap->type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        a->type = CC_AT_FLOAT;
        a->f = ap->f;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        a->type = CC_AT_INT;
        a->i = ap->i;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        a->type = CC_AT_STRING;
        a->s = cc_strndup(im->ctx, (const char *)ap->s.data, ap->s.len);
        if (!a->s)
            return oom(im);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        a->type = CC_AT_FLOATS;
        a->n = (int)ap->n_floats;
        a->floats = cc_alloc_array(im->ctx, ap->n_floats + 1, sizeof(float));
        if (!a->floats)
            return oom(im);
        if (ap->n_floats)
            memcpy(a->floats, ap->floats, ap->n_floats * sizeof(float));
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        a->type = CC_AT_INTS;
        a->n = (int)ap->n_ints;
        a->ints = cc_alloc_array(im->ctx, ap->n_ints + 1, sizeof(int64_t));
        if (!a->ints)
            return oom(im);
        if (ap->n_ints)
            memcpy(a->ints, ap->ints, ap->n_ints * sizeof(int64_t));
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
        a->type = CC_AT_TENSOR;
        if (!ap->t)
            return cc_fail(im->d, CC_ERR_MODEL, "%s: node '%.200s': attribute '%.100s' has no "
                           "tensor", im->path, label, a->name);
        a->t = cc_alloc(im->ctx, sizeof *a->t);
        if (!a->t)
            return oom(im);
        a->t->name = cc_strdup(im->ctx, a->name);
        a->t->input_index = a->t->output_index = -1;
        cc_status st = tensor_from_proto(im->ctx, ap->t, a->t, im->path, "attribute tensor", im->d);
        if (st)
            return st;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
        a->type = CC_AT_STRINGS;
        a->n = (int)ap->n_strings;
        a->strs = cc_alloc_array(im->ctx, ap->n_strings + 1, sizeof *a->strs);
        if (!a->strs)
            return oom(im);
        for (size_t k = 0; k < ap->n_strings; k++) {
            a->strs[k] = cc_strndup(im->ctx, (const char *)ap->strings[k].data,
                                    ap->strings[k].len);
            if (!a->strs[k])
                return oom(im);
        }
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
        a->type = CC_AT_GRAPH;
        break;
    default:
        a->type = CC_AT_OTHER;
        break;
    }
    return CC_OK;
}

/* Orders g->nodes so every producer precedes its consumers (Kahn's
 * algorithm over a consumer index built once, so the sort is linear in
 * nodes + edges); a cycle is an error naming a node on it. */
static cc_status topo_sort(importer *im)
{
    cc_graph *g = im->g;
    int n = g->nnodes;
    if (n == 0)
        return CC_OK;
    for (int i = 0; i < n; i++)
        g->nodes[i]->index = i;
    /* edges producer -> consumer, one per input slot, grouped by producer */
    size_t nedge = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i]->nin; k++)
            if (g->nodes[i]->in[k] && g->nodes[i]->in[k]->producer)
                nedge++;
    int *indeg = cc_alloc_array(im->ctx, (size_t)n, sizeof(int));
    int *first = cc_alloc_array(im->ctx, (size_t)n + 1, sizeof(int));
    int *fill = cc_alloc_array(im->ctx, (size_t)n, sizeof(int));
    int *edge = cc_alloc_array(im->ctx, nedge + 1, sizeof(int));
    cc_node **order = cc_alloc_array(im->ctx, (size_t)n, sizeof(cc_node *));
    int *queue = cc_alloc_array(im->ctx, (size_t)n, sizeof(int));
    if (!indeg || !first || !fill || !edge || !order || !queue)
        return oom(im);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i]->nin; k++) {
            const cc_tensor *t = g->nodes[i]->in[k];
            if (t && t->producer) {
                indeg[i]++;
                first[t->producer->index + 1]++;
            }
        }
    for (int i = 0; i < n; i++)
        first[i + 1] += first[i];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i]->nin; k++) {
            const cc_tensor *t = g->nodes[i]->in[k];
            if (t && t->producer) {
                int p = t->producer->index;
                edge[first[p] + fill[p]++] = i;
            }
        }
    int head = 0, tail = 0, done = 0;
    for (int i = 0; i < n; i++)
        if (!indeg[i])
            queue[tail++] = i;
    while (head < tail) {
        int i = queue[head++];
        order[done++] = g->nodes[i];
        for (int e = first[i]; e < first[i + 1]; e++)
            if (--indeg[edge[e]] == 0)
                queue[tail++] = edge[e];
    }
    if (done != n) {
        for (int i = 0; i < n; i++)
            if (indeg[i])
                return cc_fail(im->d, CC_ERR_MODEL, "%s: node '%.200s' (%s) is on a cycle",
                               im->path, g->nodes[i]->label, g->nodes[i]->op->name);
    }
    for (int i = 0; i < n; i++) {
        g->nodes[i] = order[i];
        order[i]->index = i;
    }
    return CC_OK;
}

/* Builds the IR from a parsed model. */
static cc_status import_model(importer *im, const Onnx__ModelProto *m)
{
    cc_graph *g = im->g;
    cc_status st;
    const Onnx__GraphProto *gp = m->graph;
    if (!gp)
        return cc_fail(im->d, CC_ERR_MODEL, "%s: the model has no graph", im->path);

    /* opset of the default domain */
    g->opset = -1;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *dom = m->opset_import[i]->domain;
        if (!dom || !*dom || strcmp(dom, "ai.onnx") == 0)
            g->opset = (int)m->opset_import[i]->version;
    }
    if (g->opset < 0) {
        if (m->n_opset_import)
            return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: the model imports no opset of the "
                           "default ONNX domain, only of domain '%.100s'", im->path,
                           m->opset_import[0]->domain ? m->opset_import[0]->domain : "");
        g->opset = 1; /* IR version 2 models carry no opset_import */
    }
    if (g->opset > CC_OPSET_MAX)
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: opset %d is newer than the newest "
                       "supported (%d)", im->path, g->opset, CC_OPSET_MAX);
    if (gp->n_sparse_initializer)
        return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: sparse initializers are not supported",
                       im->path);

    size_t est = gp->n_initializer + gp->n_input + gp->n_output;
    for (size_t i = 0; i < gp->n_node; i++)
        est += gp->node[i]->n_output;
    if (!map_init(im->ctx, &im->names, est))
        return oom(im);

    /* initializers: constants (they may also be listed as inputs) */
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        const char *name = tp->name ? tp->name : "";
        cc_tensor **slot = map_slot(&im->names, name);
        if (*slot)
            return cc_fail(im->d, CC_ERR_MODEL, "%s: initializer '%.200s' is defined twice",
                           im->path, name);
        cc_tensor *t = cc_tensor_new(g, name);
        if (!t)
            return oom(im);
        st = tensor_from_proto(im->ctx, tp, t, im->path, "initializer", im->d);
        if (st)
            return st;
        t->is_initializer = 1;
        *slot = t;
    }

    /* graph inputs that are not initializers */
    g->inputs = cc_alloc_array(im->ctx, gp->n_input + 1, sizeof(cc_tensor *));
    if (!g->inputs)
        return oom(im);
    for (size_t i = 0; i < gp->n_input; i++) {
        const char *name = gp->input[i]->name ? gp->input[i]->name : "";
        cc_tensor **slot = map_slot(&im->names, name);
        if (*slot) {
            if ((*slot)->is_initializer) {
                /* a default value; we treat it as constant (or as --const's) */
                st = bind_const(im, gp->input[i], *slot);
                if (st)
                    return st;
                continue;
            }
            return cc_fail(im->d, CC_ERR_MODEL, "%s: input '%.200s' is declared twice",
                           im->path, name);
        }
        cc_tensor *t = cc_tensor_new(g, name);
        if (!t)
            return oom(im);
        st = bind_const(im, gp->input[i], t);
        if (st == CC_OK && t->data) {
            *slot = t;      /* --const: a constant from now on */
            continue;
        }
        if (!st)
            st = import_input(im, gp->input[i], t);
        if (st)
            return st;
        t->input_index = g->ninputs;
        g->inputs[g->ninputs++] = t;
        *slot = t;
    }

    for (int k = 0; k < im->o->nconst; k++) {
        cc_tensor **slot = map_slot(&im->names, im->o->const_names[k]);
        if (!*slot || !(*slot)->is_initializer || (*slot)->input_index >= 0 ||
            !input_declared(gp, im->o->const_names[k]))
            return cc_fail(im->d, CC_ERR_USAGE, "%s: --const %.200s: the model has no graph input "
                           "of that name", im->path, im->o->const_names[k]);
    }

    /* nodes: outputs first, so that inputs can refer to any node */
    g->nnodes = (int)gp->n_node;
    g->nodes = cc_alloc_array(im->ctx, gp->n_node + 1, sizeof(cc_node *));
    if (!g->nodes)
        return oom(im);
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        cc_node *n = cc_alloc(im->ctx, sizeof *n);
        if (!n)
            return oom(im);
        g->nodes[i] = n;
        n->index = (int)i;
        n->name = cc_strdup(im->ctx, np->name ? np->name : "");
        const char *opname = np->op_type ? np->op_type : "";
        if (n->name && *n->name) {
            n->label = n->name;
        } else {
            char buf[160];
            snprintf(buf, sizeof buf, "%.100s#%zu", opname, i);
            n->label = cc_strdup(im->ctx, buf);
        }
        if (!n->name || !n->label)
            return oom(im);
        const char *dom = np->domain ? np->domain : "";
        char ops[3072];
        if (*dom && strcmp(dom, "ai.onnx") != 0)
            return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: node '%.200s': op %.100s of domain "
                           "'%.100s' is not supported (only the default ONNX domain is); "
                           "supported ops: %s", im->path, n->label, opname, dom,
                           cc_op_list(ops, sizeof ops));
        n->op = cc_op_find(opname, g->opset);
        const cc_refusal *why = n->op ? NULL : cc_op_refusal(opname);
        if (why)
            return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: node '%.200s': op %.100s is not "
                           "supported (%s: %s)", im->path, n->label, opname, why->category,
                           why->why);
        if (!n->op)
            return cc_fail(im->d, CC_ERR_UNSUPPORTED, "%s: node '%.200s': op %.100s is not "
                           "supported at opset %d; supported ops: %s", im->path, n->label,
                           opname, g->opset, cc_op_list(ops, sizeof ops));
        n->nin = (int)np->n_input;
        n->nout = (int)np->n_output;
        if (n->nin < n->op->min_in || (n->op->max_in >= 0 && n->nin > n->op->max_in) ||
            n->nout < n->op->min_out || (n->op->max_out >= 0 && n->nout > n->op->max_out))
            return cc_fail(im->d, CC_ERR_MODEL, "%s: node '%.200s' (%s): %d inputs and %d "
                           "outputs is not a valid arity", im->path, n->label, n->op->name,
                           n->nin, n->nout);
        n->in = cc_alloc_array(im->ctx, (size_t)n->nin + 1, sizeof(cc_tensor *));
        n->out = cc_alloc_array(im->ctx, (size_t)n->nout + 1, sizeof(cc_tensor *));
        if (!n->in || !n->out)
            return oom(im);
        for (int k = 0; k < n->nout; k++) {
            const char *oname = np->output[k] ? np->output[k] : "";
            if (!*oname)
                continue; /* an optional output left out */
            cc_tensor **slot = map_slot(&im->names, oname);
            if (*slot)
                return cc_fail(im->d, CC_ERR_MODEL, "%s: node '%.200s' (%s): output '%.200s' "
                               "is already defined elsewhere", im->path, n->label,
                               n->op->name, oname);
            cc_tensor *t = cc_tensor_new(g, oname);
            if (!t)
                return oom(im);
            t->producer = n;
            n->out[k] = t;
            *slot = t;
        }
        n->nattrs = (int)np->n_attribute;
        n->attrs = cc_alloc_array(im->ctx, np->n_attribute + 1, sizeof(cc_attr));
        if (!n->attrs)
            return oom(im);
        for (size_t k = 0; k < np->n_attribute; k++) {
            st = import_attr(im, np->attribute[k], &n->attrs[k], n->label);
            if (st)
                return st;
        }
    }
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        cc_node *n = g->nodes[i];
        for (int k = 0; k < n->nin; k++) {
            const char *iname = np->input[k] ? np->input[k] : "";
            if (!*iname && k < n->op->min_in)
                return cc_fail(im->d, CC_ERR_MODEL, "%s: node '%.200s' (%s): input %d is "
                               "required but its name is empty", im->path, n->label,
                               n->op->name, k);
            if (!*iname)
                continue; /* an optional input left out */
            cc_tensor *t = *map_slot(&im->names, iname);
            if (!t)
                return cc_fail(im->d, CC_ERR_MODEL, "%s: node '%.200s' (%s): input '%.200s' "
                               "is not produced by any node, input or initializer", im->path,
                               n->label, n->op->name, iname);
            n->in[k] = t;
        }
    }
    st = topo_sort(im);
    if (st)
        return st;

    /* graph outputs */
    if (gp->n_output == 0)
        return cc_fail(im->d, CC_ERR_MODEL, "%s: the graph has no outputs", im->path);
    g->outputs = cc_alloc_array(im->ctx, gp->n_output, sizeof(cc_tensor *));
    if (!g->outputs)
        return oom(im);
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *name = gp->output[i]->name ? gp->output[i]->name : "";
        cc_tensor *t = *map_slot(&im->names, name);
        if (!t)
            return cc_fail(im->d, CC_ERR_MODEL, "%s: output '%.200s' is not produced by any "
                           "node, input or initializer", im->path, name);
        if (t->output_index >= 0)
            return cc_fail(im->d, CC_ERR_MODEL, "%s: output '%.200s' is listed twice",
                           im->path, name);
        t->output_index = g->noutputs;
        g->outputs[g->noutputs++] = t;
    }
    return CC_OK;
}

cc_status cc_import(cc_ctx *ctx, const char *path, const cc_import_opts *o, cc_graph **out,
                    cc_diag *d)
{
    uint8_t *buf;
    size_t len;
    cc_status st = read_file(ctx, path, &buf, &len, d);
    if (st)
        return st;
    return cc_import_buffer(ctx, path, buf, len, o, out, d);
}

cc_status cc_import_buffer(cc_ctx *ctx, const char *path, const uint8_t *buf, size_t len,
                           const cc_import_opts *o, cc_graph **out, cc_diag *d)
{
    static const cc_import_opts none;
    cc_status st;
    if (len == 0)
        return cc_fail(d, CC_ERR_MODEL, "%s: empty file, not an ONNX model", path);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m)
        return cc_fail(d, CC_ERR_MODEL, "%s: not an ONNX model (protobuf parse failed: "
                       "truncated or not a ModelProto)", path);
    cc_graph *g = cc_alloc(ctx, sizeof *g);
    if (!g) {
        onnx__model_proto__free_unpacked(m, NULL);
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    }
    g->ctx = ctx;
    g->path = cc_strdup(ctx, path);
    importer im = {ctx, path, o ? o : &none, g, {0, NULL}, d};
    st = import_model(&im, m);
    onnx__model_proto__free_unpacked(m, NULL);
    if (st)
        return st;
    *out = g;
    return CC_OK;
}

/* ------------------------------------------------------------ writing */

cc_status cc_save_model_params(cc_ctx *ctx, const char *in_path, const char *out_path, int n,
                               const char *const *names, const float *const *data,
                               const int64_t *counts, cc_diag *d)
{
    uint8_t *buf;
    size_t len;
    cc_status st = read_file(ctx, in_path, &buf, &len, d);
    if (st)
        return st;
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m || !m->graph) {
        if (m)
            onnx__model_proto__free_unpacked(m, NULL);
        return cc_fail(d, CC_ERR_MODEL, "%s: not an ONNX model", in_path);
    }
    int replaced = 0;
    for (size_t i = 0; i < m->graph->n_initializer && !st; i++) {
        Onnx__TensorProto *tp = m->graph->initializer[i];
        for (int k = 0; k < n; k++) {
            if (!tp->name || strcmp(tp->name, names[k]) != 0)
                continue;
            size_t bytes = (size_t)counts[k] * sizeof(float);
            uint8_t *raw = malloc(bytes ? bytes : 1);
            if (!raw) {
                st = cc_fail(d, CC_ERR_IO, "%s: out of memory", out_path);
                break;
            }
            memcpy(raw, data[k], bytes); /* little-endian, as raw_data is */
            free(tp->raw_data.data);
            tp->raw_data.data = raw;
            tp->raw_data.len = bytes;
            tp->has_raw_data = 1;
            tp->n_float_data = 0;
            tp->data_type = CC_DT_FLOAT;
            replaced++;
        }
    }
    if (!st && replaced != n)
        st = cc_fail(d, CC_ERR_MODEL, "%s: only %d of %d parameters were found as initializers",
                     in_path, replaced, n);
    uint8_t *out = NULL;
    size_t olen = 0;
    if (!st) {
        olen = onnx__model_proto__get_packed_size(m);
        out = malloc(olen ? olen : 1);
        if (!out)
            st = cc_fail(d, CC_ERR_IO, "%s: out of memory", out_path);
        else
            onnx__model_proto__pack(m, out);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    if (!st)
        st = cc_write_file_atomic(out_path, out, olen, d);
    free(out);
    return st;
}

/* Reads and unpacks the model at path (one with a graph) into *m, which the
 * caller frees with onnx__model_proto__free_unpacked. */
static cc_status unpack_model(cc_ctx *ctx, const char *path, Onnx__ModelProto **m, cc_diag *d)
{
    uint8_t *buf;
    size_t len;
    cc_status st = read_file(ctx, path, &buf, &len, d);
    if (st)
        return st;
    *m = len ? onnx__model_proto__unpack(NULL, len, buf) : NULL;
    if (!*m || !(*m)->graph) {
        if (*m)
            onnx__model_proto__free_unpacked(*m, NULL);
        *m = NULL;
        return cc_fail(d, CC_ERR_MODEL, "%s: not an ONNX model", path);
    }
    return CC_OK;
}

cc_status cc_load_initializers(cc_ctx *ctx, const char *path, cc_tensor ***out, int *n, cc_diag *d)
{
    Onnx__ModelProto *m;
    cc_status st = unpack_model(ctx, path, &m, d);
    if (st)
        return st;
    size_t cnt = m->graph->n_initializer;
    cc_tensor **v = cc_alloc_array(ctx, cnt + 1, sizeof *v);
    if (!v)
        st = cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    for (size_t i = 0; i < cnt && !st; i++) {
        const Onnx__TensorProto *tp = m->graph->initializer[i];
        v[i] = cc_alloc(ctx, sizeof *v[i]);
        if (!v[i]) {
            st = cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
            break;
        }
        v[i]->name = cc_strdup(ctx, tp->name ? tp->name : "");
        v[i]->input_index = v[i]->output_index = -1;
        st = tensor_from_proto(ctx, tp, v[i], path, "initializer", d);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    if (st)
        return st;
    *out = v;
    *n = (int)cnt;
    return CC_OK;
}

cc_status cc_input_names(cc_ctx *ctx, const char *path, char ***out, int *n, cc_diag *d)
{
    Onnx__ModelProto *m;
    cc_status st = unpack_model(ctx, path, &m, d);
    if (st)
        return st;
    const Onnx__GraphProto *gp = m->graph;
    char **v = cc_alloc_array(ctx, gp->n_input + 1, sizeof *v);
    int cnt = 0;
    for (size_t i = 0; v && i < gp->n_input; i++) {
        const char *name = gp->input[i]->name ? gp->input[i]->name : "";
        int init = 0;
        for (size_t k = 0; k < gp->n_initializer && !init; k++)
            init = gp->initializer[k]->name && !strcmp(gp->initializer[k]->name, name);
        if (init)
            continue;
        v[cnt] = cc_strdup(ctx, name);
        if (!v[cnt]) {
            v = NULL;
            break;
        }
        cnt++;
    }
    onnx__model_proto__free_unpacked(m, NULL);
    if (!v)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    *out = v;
    *n = cnt;
    return CC_OK;
}
