/*
 * cc.h - the onnxcc compiler's intermediate representation and the
 * interfaces between its stages (see DESIGN.md):
 *
 *   import (protobuf-c -> IR) -> infer+fold -> fusion passes -> lower -> plan -> emit
 *
 * Only import.c sees protobuf-c types. Everything a compile allocates lives
 * in one cc_ctx and is freed at once by cc_ctx_free.
 */
#ifndef CC_H
#define CC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "onnxcc_rt.h"

#define CC_MAX_DIMS RT_MAX_DIMS
#define CC_OPSET_MIN 7          /* oldest default-domain opset we accept */
#define CC_OPSET_MAX 17         /* newest default-domain opset we accept */

/* ------------------------------------------------------------ status */

/* Status codes; main() maps them to exit codes (see README "Exit codes"). */
typedef enum {
    CC_OK = 0,
    CC_ERR_MODEL,       /* the model file is malformed or inconsistent      */
    CC_ERR_UNSUPPORTED, /* valid ONNX that onnxcc does not handle           */
    CC_ERR_USAGE,       /* bad command line                                 */
    CC_ERR_IO,          /* a file could not be read or written              */
    CC_ERR_TOOL         /* an external tool (the C compiler) failed         */
} cc_status;

/* One diagnostic line: where (file, node, tensor) and why. */
typedef struct {
    char msg[4096];         /* room for the list of supported ops */
    /* set with msg when the failure is that a node needs the value of this
     * graph input at compile time (a shape, axes, a count): a caller that
     * has the value can bind it with --const and compile again; "" if not */
    char need_const[512];
} cc_diag;

/* Formats msg into d and returns st; a convenience for `return cc_fail(...)`. */
cc_status cc_fail(cc_diag *d, cc_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The static analyzer (make lint) sees one file at a time and would assume a
 * failure helper may return CC_OK, following impossible paths; tell it what
 * the helper returns. ir.c defines the functions as (cc_fail) and
 * (cc_node_fail), which these macros do not touch. */
#ifdef __clang_analyzer__
#define cc_fail(d, st, ...) (cc_fail((d), (st), __VA_ARGS__), (st))
#endif

/* ------------------------------------------------------------ memory */

typedef struct cc_ctx cc_ctx;

cc_ctx *cc_ctx_new(void);
void cc_ctx_free(cc_ctx *c);
/* Zeroed memory owned by c; NULL only on exhaustion (or size overflow). */
void *cc_alloc(cc_ctx *c, size_t n);
void *cc_alloc_array(cc_ctx *c, size_t count, size_t elem);
char *cc_strdup(cc_ctx *c, const char *s);
/* FNV-1a of a NUL-terminated string, for the compiler's name tables. */
uint64_t cc_hash_str(const char *s);
char *cc_strndup(cc_ctx *c, const char *s, size_t n);

/* ------------------------------------------------------------ IR */

/* Element types, numbered as ONNX's TensorProto.DataType. */
enum {
    CC_DT_UNDEFINED = 0, CC_DT_FLOAT = 1, CC_DT_UINT8 = 2, CC_DT_INT8 = 3,
    CC_DT_UINT16 = 4, CC_DT_INT16 = 5, CC_DT_INT32 = 6, CC_DT_INT64 = 7,
    CC_DT_STRING = 8, CC_DT_BOOL = 9, CC_DT_FLOAT16 = 10, CC_DT_DOUBLE = 11,
    CC_DT_UINT32 = 12, CC_DT_UINT64 = 13, CC_DT_COMPLEX64 = 14,
    CC_DT_COMPLEX128 = 15, CC_DT_BFLOAT16 = 16
};

const char *cc_dtype_name(int dtype);
/* Bytes per element of a dtype the compiler can hold, 0 otherwise. */
size_t cc_dtype_size(int dtype);
/* True for the dtypes generated code can hold: every numeric type and bool
 * (not string, complex or undefined). Which ops compute with which types is
 * each op's business (float32-only kernels refuse others, see
 * cc_call_check_types). */
int cc_dtype_supported(int dtype);
#define CC_DTYPES_SUPPORTED "float32, double, float16, bfloat16, int8/16/32/64, " \
    "uint8/16/32/64, bool"
int cc_dtype_is_float(int dtype);   /* float32, double, float16, bfloat16 */
int cc_dtype_is_int(int dtype);     /* the signed and unsigned integers   */
int cc_dtype_is_signed(int dtype);  /* int8/16/32/64                      */
/* The runtime's element type of a supported dtype. */
rt_dtype cc_dtype_rt(int dtype);
/* The C type of its storage in generated code: bool is uint8_t (0 or 1),
 * float16 and bfloat16 are uint16_t bit patterns. */
const char *cc_dtype_ctype(int dtype);

typedef struct cc_node cc_node;

/* Where a tensor lives at run time, decided by the planner. */
typedef enum {
    CC_LOC_NONE = 0,    /* not yet planned / not needed                      */
    CC_LOC_CONST,       /* compile-time data: a static const array           */
    CC_LOC_INPUT,       /* a graph input: the caller's buffer                */
    CC_LOC_OUTPUT,      /* a graph output: the caller's buffer               */
    CC_LOC_ARENA,       /* an intermediate: arena + offset                   */
    CC_LOC_ALIAS        /* shares the storage of another tensor (alias)      */
} cc_loc;

typedef struct cc_tensor {
    char *name;             /* the ONNX name, raw (any bytes but NUL)        */
    char *cname;            /* a unique, valid C identifier derived from it  */
    int id;                 /* index in graph->tensors                       */
    int dtype;              /* CC_DT_*                                       */
    int rank;               /* -1 while unknown                              */
    int64_t shape[CC_MAX_DIMS];
    void *data;             /* constant data, dense row-major, or NULL       */
    int is_initializer;     /* came from graph.initializer                   */
    int input_index;        /* position among graph inputs, or -1           */
    int output_index;       /* position among graph outputs, or -1          */
    cc_node *producer;      /* NULL for inputs and constants                 */
    int nconsumers;         /* how many node inputs read it (live nodes)     */
    /* planning */
    cc_loc loc;
    struct cc_tensor *alias; /* CC_LOC_ALIAS: the tensor whose storage it is */
    int64_t offset;         /* CC_LOC_ARENA: byte offset in the arena        */
    int first, last;        /* live range in node order (planner)            */
    int used;               /* some kernel call reads or writes it (planner) */
    int trainable;          /* --train: a parameter updated by the optimizer */
    /* a scratch buffer that only builds with RT_CONV_WINOGRAD 1 use (a
     * training conv's Winograd U): the planner puts these above every
     * other buffer, so builds without it take a smaller arena, and the
     * emitter passes NULL for them there */
    int wino_only;
} cc_tensor;

typedef enum {
    CC_AT_NONE = 0, CC_AT_FLOAT, CC_AT_INT, CC_AT_STRING, CC_AT_TENSOR,
    CC_AT_FLOATS, CC_AT_INTS, CC_AT_STRINGS, CC_AT_GRAPH, CC_AT_OTHER
} cc_attr_type;

typedef struct {
    char *name;
    cc_attr_type type;
    float f;
    int64_t i;
    char *s;                /* NUL-terminated copy (strings)                 */
    float *floats;
    int64_t *ints;
    char **strs;            /* CC_AT_STRINGS: NUL-terminated copies          */
    int n;                  /* length of floats / ints / strs                */
    cc_tensor *t;           /* CC_AT_TENSOR: a constant tensor (not in graph)*/
} cc_attr;

struct cc_opdef;

struct cc_node {
    char *name;             /* ONNX node name, may be empty                  */
    char *label;            /* name, or "op#index" when the name is empty    */
    const struct cc_opdef *op;
    int index;              /* position in graph->nodes                      */
    int nin, nout;
    cc_tensor **in;         /* in[i] NULL for an omitted optional input      */
    cc_tensor **out;        /* out[i] NULL for an omitted optional output    */
    int nattrs;
    cc_attr *attrs;
    int dead;               /* removed by a pass                             */
    /* activation fused into this node's epilogue by the fusion pass */
    rt_unary_op act;
    float act_alpha, act_beta;
    const char *fused;      /* op names fused into this node, for summary    */
};

typedef struct {
    cc_ctx *ctx;
    const char *path;       /* the model file, for diagnostics               */
    int opset;              /* default-domain opset version                  */
    int ntensors, cap_tensors;
    cc_tensor **tensors;
    int nnodes;
    cc_node **nodes;        /* topologically sorted after import             */
    int ninputs, noutputs;
    cc_tensor **inputs;     /* graph inputs that are not initializers        */
    cc_tensor **outputs;
    /* symbolic dimension bindings from --dim / input files */
    int ndims;
    char **dim_names;
    int64_t *dim_values;
    /* the unfused lifetime bound: the largest sum of simultaneously live
     * intermediate tensors in node order, before any fusion, view or
     * in-place reuse (what a plain per-tensor allocator reaches) */
    int64_t unfused_bound;
    /* constant data the compiler computes itself (folding, ConstantOfShape,
     * Range): bytes so far, and their limit (0: CC_DEFAULT_MAX_WEIGHTS) */
    int64_t folded_bytes, max_folded_bytes;
} cc_graph;

/* Creates a tensor owned by g (name copied; a unique name is made when NULL). */
cc_tensor *cc_tensor_new(cc_graph *g, const char *name);
/* Memory for bytes of constant data that node n computes at compile time,
 * counted against g's limit so that a small file cannot make the compiler
 * allocate gigabytes; CC_ERR_MODEL (naming n and the numbers) past it. */
cc_status cc_alloc_const(cc_graph *g, const cc_node *n, int64_t bytes, void **out, cc_diag *d);
/* Element count of a tensor of known shape. */
int64_t cc_numel(const cc_tensor *t);
int64_t cc_nbytes(const cc_tensor *t);
/* "[1, 3, 32, 32]" into buf. */
const char *cc_shape_str(const cc_tensor *t, char *buf, size_t n);

/* Attribute lookup; the *_or forms return a default when absent. */
const cc_attr *cc_attr_get(const cc_node *n, const char *name);
int64_t cc_attr_int(const cc_node *n, const char *name, int64_t dflt);
float cc_attr_float(const cc_node *n, const char *name, float dflt);
const char *cc_attr_str(const cc_node *n, const char *name, const char *dflt);
/* Integer list: returns the count (or -1 when absent), the values in *v. */
int cc_attr_ints(const cc_node *n, const char *name, const int64_t **v);

/* Reads a constant int64 input tensor's values: the count,
 * or -1 when the input is absent or not constant. */
int cc_const_ints(const cc_tensor *t, const int64_t **v);
/* Element i of a constant int32 or int64 tensor (index inputs of type
 * Tind; types3). */
int64_t cc_index_at(const cc_tensor *t, int64_t i);

/* ------------------------------------------------------------ import */

typedef struct {
    int ndims;                  /* --dim NAME=VALUE bindings               */
    const char **dim_names;
    const int64_t *dim_values;
    int ngiven;                 /* example inputs (verify): their shapes    */
    cc_tensor *const *given;    /* bind input i's symbolic dimensions       */
    int64_t batch;              /* > 0: the first input's unbound axis 0    */
    int nconst;                 /* --const NAME=FILE: graph inputs compiled */
    const char *const *const_names; /* as constants holding these values;   */
    cc_tensor *const *const_vals;   /* `given` then skips them              */
} cc_import_opts;

/* Reads path into a new graph in ctx. On failure fills d (naming the file
 * and the node or tensor) and returns the status. */
cc_status cc_import(cc_ctx *ctx, const char *path, const cc_import_opts *o,
                    cc_graph **out, cc_diag *d);
/* The same from a model already in memory; path only names it in
 * diagnostics. The buffer is not kept. */
cc_status cc_import_buffer(cc_ctx *ctx, const char *path, const uint8_t *buf, size_t len,
                           const cc_import_opts *o, cc_graph **out, cc_diag *d);

/* Writes a copy of the model at in_path to out_path with the named float
 * initializers' data replaced (atomically: out_path appears complete or not
 * at all). */
cc_status cc_save_model_params(cc_ctx *ctx, const char *in_path, const char *out_path, int n,
                               const char *const *names, const float *const *data,
                               const int64_t *counts, cc_diag *d);
/* Reads only the initializers of a model (no graph checks). */
cc_status cc_load_initializers(cc_ctx *ctx, const char *path, cc_tensor ***out, int *n, cc_diag *d);
/* The names of a model's graph inputs that are not initializers, in order
 * (the inputs a backend-test data set's input_K.pb files feed). */
cc_status cc_input_names(cc_ctx *ctx, const char *path, char ***out, int *n, cc_diag *d);
/* Writes bytes to path through a temporary file renamed into place. */
cc_status cc_write_file_atomic(const char *path, const void *bytes, size_t n, cc_diag *d);

/* Reads a serialized TensorProto (the backend-test .pb layout). */
cc_status cc_load_tensor_file(cc_ctx *ctx, const char *path, cc_tensor **out, cc_diag *d);

/* ------------------------------------------------------------ kernel calls */

/* One call of a runtime kernel: the unit that lowering produces, constant
 * folding executes and the emitter prints. The kernel table in call.c maps
 * each kind to its C function, argument list and parameter printer. */
typedef enum {
    CC_K_UNARY, CC_K_BINARY, CC_K_CONV, CC_K_CONV_T, CC_K_MAXPOOL, CC_K_AVGPOOL,
    CC_K_GAVGPOOL, CC_K_GMAXPOOL, CC_K_GEMM, CC_K_MATMUL, CC_K_BATCHNORM,
    CC_K_INSTNORM, CC_K_LRN, CC_K_SOFTMAX, CC_K_REDUCE, CC_K_COPY, CC_K_PAD,
    CC_K_GATHER, CC_K_CAST,
    /* training: gradients accumulate into the first one to three arguments */
    CC_K_ZERO,          /* (x)                  rt_zero                       */
    CC_K_UNARY_B,       /* (dx, dy, x, y)       rt_unary_backward             */
    CC_K_BINARY_B,      /* (da, db, dy, a, b)   rt_binary_backward            */
    CC_K_CONV_B,        /* (dx, dw, db, dy, x, w)                             */
    CC_K_MAXPOOL_B,     /* (dx, dy, x)                                        */
    CC_K_AVGPOOL_B,     /* (dx, dy)                                           */
    CC_K_GAVGPOOL_B,    /* (dx, dy)                                           */
    CC_K_GMAXPOOL_B,    /* (dx, dy, x)                                        */
    CC_K_GEMM_B,        /* (da, db, dc, dy, a, b)                             */
    CC_K_MATMUL_B,      /* (da, db, dy, a, b)                                 */
    CC_K_SOFTMAX_B,     /* (dx, dy, y)                                        */
    CC_K_BATCHNORM_B,   /* (dx, dscale, dbias, dy, x, scale) + mean, var: see train.c */
    CC_K_ADD_STRIDED,   /* (y, x)               rt_add_strided                */
    CC_K_PAD_B,         /* (dx, dy)                                           */
    CC_K_DROPOUT,       /* (y, mask, x)         rt_dropout_forward            */
    CC_K_DROPOUT_B,     /* (dx, dy, mask)                                     */
    /* more inference kernels (runtime/more.c) */
    CC_K_MATH,          /* (y, x)               rt_math_forward               */
    CC_K_REDUCE_EXT,    /* (y, x)               rt_reduce_ext_forward         */
    CC_K_MVN,           /* (y, x)               rt_mvn_forward                */
    CC_K_ARG,           /* (y, x)               rt_arg_forward (y int64)      */
    CC_K_HARDMAX,       /* (y, x)               rt_hardmax_forward            */
    CC_K_LAYERNORM,     /* (y, mean, inv_std, x, scale, bias)                 */
    CC_K_GATHER_EL,     /* (y, x, idx)          rt_gather_elements_forward    */
    CC_K_TRILU,         /* (y, x, k)            rt_trilu_forward              */
    /* signal kernels (runtime/signal.c) */
    CC_K_DFT,           /* (y, x)               rt_dft_forward                */
    CC_K_STFT,          /* (y, x, window)       rt_stft_forward               */
    CC_K_EINSUM,        /* (y, a, b)            rt_einsum_forward             */
    /* ext kernels (runtime/ext_*.c) */
    CC_K_NLL,           /* (loss, x, target, weight)            rt_nll_forward */
    CC_K_SCE,           /* (loss, log_prob, x, target, weight)  rt_sce_forward */
    CC_K_RNN,           /* (y, y_h, y_c, scratch, x, w, r, b, seq_lens, init_h, init_c, p) */
    CC_K_RESIZE,        /* (y, x, roi)                          rt_resize_forward */
    CC_K_SCATTER_EL,    /* (y, x, idx, upd)        rt_scatter_elements_forward */
    CC_K_SCATTERND,     /* (y, x, idx, upd)        rt_scatternd_forward        */
    CC_K_GATHERND,      /* (y, x, idx)             rt_gathernd_forward         */
    CC_K_TOPK,          /* (values, indices, x)    rt_topk_forward             */
    CC_K_ONEHOT,        /* (y, idx, values)        rt_onehot_forward           */
    CC_K_MAXUNPOOL,     /* (y, x, idx)             rt_maxunpool_forward        */
    CC_K_MAXPOOL_IDX,   /* (y, indices, x)         rt_maxpool_indices_forward  */
    CC_K_SHRINK,        /* (y, x)                  rt_shrink_forward           */
    CC_K_REVSEQ,        /* (y, x, lens)            rt_reverse_sequence_forward */
    CC_K_DET,           /* (y, scratch, x)         rt_det_forward              */
    CC_K_GRIDSAMPLE,    /* (y, x, grid)            rt_gridsample_forward       */
    CC_K_ROIALIGN,      /* (y, x, rois, bidx)      rt_roialign_forward         */
    /* typed kernels (runtime/typed.c): any element type */
    CC_K_EW_BINARY,     /* (y, a, b)            rt_ewise_binary               */
    CC_K_EW_UNARY,      /* (y, x)               rt_ewise_unary                */
    CC_K_WHERE,         /* (y, cond, a, b)      rt_where_forward              */
    CC_K_EW_REDUCE,     /* (y, x)               rt_ewise_reduce               */
    CC_K_CUMSUM,        /* (y, x, axis)         rt_cumsum_forward             */
    CC_K_PAD_ANY,       /* (y, x)               rt_pad_any_forward            */
    CC_K_MAXPOOL_ANY,   /* (y, x)               rt_maxpool_any_forward        */
    CC_K_GATHER_ANY,    /* (y, x, idx)          rt_gather_any_forward         */
    /* quant kernels (runtime/quant.c) */
    CC_K_QUANTIZE,      /* (y, x, scale, zp)    rt_quantize_linear            */
    CC_K_DEQUANTIZE,    /* (y, x, scale, zp)    rt_dequantize_linear          */
    CC_K_DYNQUANT,      /* (y, y_scale, y_zp, x) rt_dynamic_quantize_linear   */
    CC_K_QCONV,         /* (y, x, xs, xzp, w, ws, wzp, ys, yzp, b)            */
    CC_K_CONV_INT,      /* (y, x, xzp, w, wzp)  rt_conv_integer_forward       */
    CC_K_QMATMUL,       /* (y, a, as, azp, b, bs, bzp, ys, yzp, bias)         */
    CC_K_MATMUL_INT,    /* (y, a, azp, b, bzp)  rt_matmul_integer_forward     */
    CC_K_QMAXPOOL,      /* (y, x)               rt_qmaxpool_forward           */
    CC_K_EW_FN,         /* (y, x)               rt_ewise_fn                   */
    /* Lp kernels (runtime/lp.c) */
    CC_K_LPPOOL,        /* (y, x)               rt_lppool_forward             */
    CC_K_LPNORM,        /* (y, x)               rt_lpnorm_forward             */
    CC_K_STAGE,         /* (input): the train step copies the batch in        */
    CC_K_LOSS,          /* (dpred, pred): the loss, printed by the emitter    */
    CC_K_BATCHNORM_RELU_B, /* (dx, dscale, dbias, dy, x, y, scale, mean, var): train.c */
    /* double and integer layer kernels (runtime/typed_f64.c), which
     * cc_calls_retype puts in place of the float32 ones */
    CC_K_CONV_F64, CC_K_CONV_T_F64, CC_K_AVGPOOL_F64, CC_K_GAVGPOOL_F64, CC_K_GMAXPOOL_F64,
    CC_K_GEMM_F64, CC_K_BATCHNORM_F64, CC_K_INSTNORM_F64, CC_K_SOFTMAX_F64, CC_K_HARDMAX_F64,
    CC_K_LRN_F64,
    CC_K_LAYERNORM_F64, /* (y, mean, inv_std, x, scale, bias): mean, inv_std float */
    CC_K_MATMUL_ANY,    /* (y, a, b)            rt_matmul_any_forward         */
    CC_K_ARG_ANY,       /* (y, x)               rt_arg_any_forward (y int64)  */
    /* indexing kernels of any element type (types3), which cc_calls_retype
     * puts in place of the float32 ones */
    CC_K_SCATTER_EL_ANY, /* (y, x, idx, upd)    rt_scatter_elements_any_forward */
    CC_K_SCATTERND_ANY, /* (y, x, idx, upd)     rt_scatternd_any_forward      */
    CC_K_TOPK_ANY,      /* (values, indices, x) rt_topk_any_forward           */
    CC_K_ONEHOT_ANY,    /* (y, idx, values)     rt_onehot_any_forward         */
    CC_K_SHRINK_ANY,    /* (y, x)               rt_shrink_any_forward         */
    CC_K_REVSEQ_ANY,    /* (y, x, lens)         rt_reverse_sequence_any_forward */
    CC_K_LPPOOL_F64, CC_K_LPNORM_F64, CC_K_MVN_F64, /* double: lp.c, more.c */
    CC_K_GATHER_EL_ANY, /* (y, x, idx)          rt_gather_elements_any_forward */
    CC_K_GEMM_ANY,      /* (y, a, b, c)         rt_gemm_any_forward (integers) */
    CC_K_RESIZE_ANY,    /* (y, x, roi)          rt_resize_any_forward         */
    CC_K_MAXUNPOOL_ANY, /* (y, x, idx)          rt_maxunpool_any_forward      */
    CC_K_DET_F64,       /* (y, scratch, x)      rt_det_forward_f64            */
    CC_K_EINSUM_ANY,    /* (y, a, b)            rt_einsum_any_forward         */
    CC_K_DFT_F64, CC_K_STFT_F64, /* double: runtime/signal.c                  */
    /* double kernels of the loss and sampling ops (types4), which
     * cc_calls_retype puts in place of the float32 ones */
    CC_K_NLL_F64,       /* (loss, x, target, weight)            rt_nll_forward_f64 */
    CC_K_SCE_F64,       /* (loss, log_prob, x, target, weight)  rt_sce_forward_f64 */
    CC_K_GRIDSAMPLE_F64, /* (y, x, grid)           rt_gridsample_forward_f64   */
    CC_K_ROIALIGN_F64,  /* (y, x, rois, bidx)      rt_roialign_forward_f64     */
    CC_K_RNN_F64,       /* as CC_K_RNN, double     rt_rnn_forward_f64          */
    CC_K_QUANTIZE_I32,  /* (y, x, scale, zp)       rt_quantize_linear_i32      */
    /* r8fwd: the training step's forward kernels */
    CC_K_CONV_WS,       /* (y, x, w, b, u)         rt_conv_forward_ws (train.c) */
    CC_K_ADD_RELU,      /* (y, a, b)               rt_add_relu_forward (train.c) */
    CC_K_ADD_RELU_B,    /* (da, db, dy, y)         rt_add_relu_backward        */
    CC_K_BN_ADD_RELU,   /* (y, x, r, scale, bias, mean, var) rt_bn_add_relu_forward */
    /* r8wino: CC_K_CONV_WS's backward, given the forward's Winograd U */
    CC_K_CONV_WS_B,     /* (dx, dw, db, dy, x, w, u) rt_conv_backward_ws (train.c) */
    /* bnfold: a BatchNormalization folded into the convolution before it */
    CC_K_BN_FOLD,       /* (wf, bf, w, b, scale, bias, mean, var) rt_bn_fold  */
    CC_K_BN_FOLD_B,     /* (dw, db, dscale, dbias, dwf, dbf, w, b, scale, mean, var) */
    /* r8elt: CC_K_CONV_WS adding a residual r read from its own buffer */
    CC_K_CONV_WS_RES,   /* (y, x, w, b, u, r)      rt_conv_forward_ws_res (train.c) */
    CC_K_COUNT
} cc_kernel;

#define CC_CALL_MAX_ARGS 12  /* LSTM: 4 outputs and 8 inputs */

typedef struct cc_call {
    cc_kernel k;
    /* y first, then the inputs, in the kernel's argument order; NULL for an
     * optional pointer argument that is absent (conv bias, gemm c). */
    cc_tensor *args[CC_CALL_MAX_ARGS];
    union {
        rt_unary_params un;
        rt_binary_params bin;
        rt_conv_params conv;
        rt_pool_params pool;
        rt_gemm_params gemm;
        rt_matmul_params mm;
        rt_norm_params norm;
        rt_lrn_params lrn;
        rt_softmax_params sm;
        rt_reduce_params red;
        rt_copy_params copy;
        rt_pad_params pad;
        rt_gather_params gather;
        rt_cast_params cast;
        struct { int64_t nc, size; } gpool;
        struct { int64_t n; float ratio; } drop;   /* also ZERO's n */
        rt_math_params math;
        rt_reduce_ext_params redx;
        rt_arg_params arg;
        rt_layernorm_params ln;
        rt_gather_elements_params gel;
        rt_trilu_params trilu;
        rt_dft_params dft;
        rt_stft_params stft;
        rt_einsum_params ein;
        /* ext kernels */
        rt_nll_params nll;
        rt_rnn_params rnn;
        rt_resize_params resize;
        rt_scatter_elements_params scat;
        rt_scatternd_params scatnd;
        rt_gathernd_params gnd;
        rt_topk_params topk;
        rt_onehot_params onehot;
        rt_unpool_params unpool;
        rt_maxpool_indices_params mpi;
        rt_shrink_params shrink;
        rt_reverse_sequence_params revseq;
        rt_det_params det;
        rt_gridsample_params gs;
        rt_lppool_params lpp;
        rt_lpnorm_params lpn;
        rt_roialign_params roi;
        rt_ewise_binary_params ewb;
        rt_ewise_unary_params ewu;
        rt_where_params where;
        rt_ewise_reduce_params ewr;
        rt_cumsum_params cumsum;
        rt_pad_any_params pad_any;
        rt_pool_any_params pool_any;
        rt_gather_any_params gather_any;
        rt_quant_params quant;
        rt_qconv_params qconv;
        rt_qmatmul_params qmm;
        rt_qpool_params qpool;
        struct { int64_t n; } dynq;
        rt_ewise_fn_params ewf;
        rt_matmul_any_params mma;
        rt_arg_any_params arga;
        /* types3 */
        rt_scatter_elements_any_params scat_any;
        rt_scatternd_any_params scatnd_any;
        rt_topk_any_params topk_any;
        rt_onehot_any_params onehot_any;
        rt_shrink_any_params shrink_any;
        rt_reverse_sequence_any_params revseq_any;
        rt_gather_elements_any_params gel_any;
        rt_gemm_any_params gemm_any;
        rt_resize_any_params resize_any;
        rt_unpool_any_params unpool_any;
        rt_einsum_any_params ein_any;
        rt_add_relu_params addrelu;     /* r8fwd */
    } p;
    /* wino: a variant chosen by the target's macros when the generated C is
     * compiled. With alt_if set (a preprocessor condition, e.g.
     * "RT_CONV_WINOGRAD"), the emitter prints this call under #if alt_if and
     * *alt (its own kernel, arguments and parameters) under #else, and a
     * constant that only one of the two reads under the same condition, so
     * each build holds one form of it. Only generated code knows the
     * variant: constant folding and training never see such calls. */
    const char *alt_if;
    struct cc_call *alt;
} cc_call;

/* A growable list of calls that one node lowers to. */
typedef struct {
    cc_ctx *ctx;
    int n, cap;
    cc_call *v;
} cc_calls;

/* Appends a zeroed call of kind k and returns it (NULL on exhaustion). */
cc_call *cc_calls_add(cc_calls *l, cc_kernel k);
/* Runs one call on host buffers (args' data pointers); used to fold constants. */
void cc_call_exec(const cc_call *c, void *const *bufs);
/* Prints one call as a C block; argv[i] is the C expression of args[i]. */
void cc_call_print(FILE *f, const cc_call *c, const char *const *argv, const char *indent);
/* Prints a float as a C constant that reads back bit-exactly. */
void cc_print_float(FILE *f, float v);
/* Called on the calls [first, l->n) that node n just lowered to: a float32
 * kernel whose tensors are of another type is turned into its typed kernel
 * where one exists (Reduce*, Add/Sub/Mul/Div/Pow/Max/Min, Neg, Abs, Sign),
 * and any call left with a tensor whose type its kernel does not take
 * (a float32 kernel given int32, an int64 index given int32...) is refused,
 * naming the node and the tensor. So an op that only computes float32
 * cannot produce a wrong answer for another type. */
cc_status cc_calls_retype(cc_graph *g, const cc_node *n, cc_calls *l, int first, cc_diag *d);
/* Number of pointer arguments of a kernel kind (output included). */
int cc_kernel_nargs(cc_kernel k);
/* C name of the kernel's function. */
const char *cc_kernel_fn(cc_kernel k);
/* r8elt: 1 if the kernel may write its pointer argument a (not const). */
int cc_kernel_arg_written(cc_kernel k, int a);

/* Fills a binary-broadcast parameter block for y = op(a, b). */
void cc_bcast_params(rt_binary_params *p, rt_binary_op op, const cc_tensor *y,
                     const cc_tensor *a, const cc_tensor *b);
/* Row-major strides of a tensor (elements). */
void cc_strides(const cc_tensor *t, int64_t *s);

/* ------------------------------------------------------------ op table */

/* Per-op behaviour, one row per op in optable.c:
 *   infer: check attributes and input shapes/dtypes, set every output's dtype
 *          and shape (inputs' constant data may be read, e.g. Reshape's shape);
 *   lower: append the kernel calls that compute the outputs; a node whose
 *          output merely re-views its input (Reshape, Identity...) sets
 *          alias instead and appends nothing. */
typedef struct cc_opdef {
    const char *name;
    int since;              /* first opset with a version we implement       */
    int until;              /* last opset it exists in (CC_OPSET_MAX if any) */
    int min_in, max_in;     /* input count range (max -1: variadic)          */
    int min_out, max_out;
    cc_status (*infer)(cc_graph *g, cc_node *n, cc_diag *d);
    cc_status (*lower)(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d);
    int alias;              /* output 0 is a view of input 0 (no data moves) */
    int elementwise;        /* output 0 may overwrite input 0/1 in place     */
} cc_opdef;

/* Finds an op valid at opset in the table; NULL if unsupported. */
const cc_opdef *cc_op_find(const char *name, int opset);
/* Comma-separated list of supported op names into buf (for error messages). */
const char *cc_op_list(char *buf, size_t n);
/* The table itself, for the README/summary generators. */
const cc_opdef *cc_op_table(int *n);

/* An ONNX op left out on purpose (refused.c): its category and the reason. */
typedef struct {
    const char *op, *category, *why;
} cc_refusal;

/* The refusal for an op name, NULL when it is not left out on purpose. */
const cc_refusal *cc_op_refusal(const char *name);
const cc_refusal *cc_refusal_table(int *n);

/* Helpers shared by op families (ops_common.c). */
cc_status cc_node_fail(cc_diag *d, const cc_graph *g, const cc_node *n, cc_status st,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
#ifdef __clang_analyzer__ /* see cc_fail */
#define cc_node_fail(d, g, n, st, ...) (cc_node_fail((d), (g), (n), (st), __VA_ARGS__), (st))
#endif
/* Refuses node n because its input t must be known at compile time
 * (CC_ERR_UNSUPPORTED, "input 'T' (WHAT) must be a compile-time constant...").
 * When t is a graph input the message says how to bind it with --const and
 * d->need_const names it. */
cc_status cc_need_const(cc_diag *d, const cc_graph *g, const cc_node *n, const cc_tensor *t,
                        const char *what);
#ifdef __clang_analyzer__ /* see cc_fail: it always returns CC_ERR_UNSUPPORTED */
#define cc_need_const(d, g, n, t, what) \
    (cc_need_const((d), (g), (n), (t), (what)), CC_ERR_UNSUPPORTED)
#endif
/* "FILE: out of memory" (CC_ERR_IO), for the op families' allocations. */
cc_status cc_oom(const cc_graph *g, cc_diag *d);
#ifdef __clang_analyzer__ /* see cc_fail */
#define cc_oom(g, d) (cc_oom((g), (d)), CC_ERR_IO)
#endif
/* Sets out's dtype and shape. */
void cc_set_shape(cc_tensor *t, int dtype, int rank, const int64_t *shape);
/* Normalises a possibly negative axis into [0, rank); -1 when out of range. */
int cc_axis(int64_t axis, int rank);
/* Multidirectional broadcast of a and b into rank/shape; CC_ERR_MODEL if incompatible. */
cc_status cc_broadcast(const cc_tensor *a, const cc_tensor *b, int *rank, int64_t *shape);

/* ------------------------------------------------------------ passes */

/* Shape inference and constant folding, node by node in order. */
cc_status cc_infer(cc_graph *g, cc_diag *d);
/* Folds BatchNormalization into a preceding Conv/Gemm, fuses activations. */
cc_status cc_fuse(cc_graph *g, cc_diag *d);
/* Drops nodes whose outputs nobody needs; recounts consumers. */
void cc_dce(cc_graph *g);
/* Sets every tensor's nconsumers: how many input slots of live nodes read it. */
void cc_count_consumers(cc_graph *g);
/* Sets g->unfused_bound (call after inference, before fusion). */
void cc_unfused_bound(cc_graph *g);

/* A lowered, planned program: what the emitter and summary print. */
typedef struct {
    cc_node *node;
    int first, n;           /* calls[first .. first+n) belong to this node   */
} cc_step;

/* Where one tensor lives in one program (a snapshot of the planner's
 * decision, so an inference and a training program can share a graph). */
typedef struct {
    cc_loc loc;
    int alias;              /* CC_LOC_ALIAS: id of the root tensor            */
    int64_t offset;         /* CC_LOC_ARENA: byte offset, arena_base included */
    int used;               /* read or written by some call                   */
    int wino_only;          /* cc_tensor.wino_only                            */
} cc_place;

typedef struct {
    cc_graph *g;
    int nsteps;
    cc_step *steps;
    cc_calls calls;
    int64_t arena_bytes;    /* the planned arena                              */
    /* the arena where RT_CONV_WINOGRAD is 0: without the wino_only buffers,
     * which sit above it (== arena_bytes when there are none) */
    int64_t arena_bytes_base;
    int64_t lower_bound;    /* largest sum of simultaneously live buffers     */
    int64_t weight_bytes;   /* bytes of constant data emitted                 */
    int64_t params;         /* elements of float initializers used            */
    int nplaced;            /* tensors with a place (ids below this)          */
    cc_place *place;        /* per tensor id                                  */
    /* wino: 0, or (after cc_prepack) the bytes of constant data where the
     * calls' alt_if conditions hold (all RT_CONV_WINOGRAD: AVX-512 builds);
     * weight_bytes is the figure where they do not */
    int64_t weight_bytes_if;
} cc_program;

/* Records every tensor's planned place into p->place. */
cc_status cc_snapshot_places(cc_program *p, cc_diag *d);
/* Greedy placement of the CC_LOC_ARENA roots of p->g by their first/last
 * (in p->nsteps time units), from offset 0; sets arena_bytes, lower_bound. */
cc_status cc_place_arena(cc_program *p, cc_diag *d);

/* Lowers every live node and plans the arena. */
cc_status cc_lower_and_plan(cc_graph *g, cc_program *prog, cc_diag *d);
/* Stores constant weights in their kernel's preferred layout (prepack.c):
 * inference programs of models compiled without --train only. */
cc_status cc_prepack(cc_program *prog, cc_diag *d);

/* Multiply-accumulates of one node (for summary). */
int64_t cc_node_macs(const cc_node *n);

/* ------------------------------------------------------------ training */

typedef enum { CC_LOSS_MSE = 0, CC_LOSS_CE, CC_LOSS_BCE } cc_loss;

typedef struct {
    int enabled;            /* --train                                        */
    cc_loss loss;
    rt_opt_params opt;      /* defaults for the generated setters             */
    float clip_norm;        /* 0: no clipping                                 */
    const char *trainable;  /* --trainable LIST, NULL: every float parameter  */
    int64_t batch;          /* --batch-size                                   */
    uint64_t seed;          /* dropout generator seed                         */
} cc_train_opts;

typedef struct {
    cc_tensor *w;           /* the parameter (constant data, trainable)       */
    cc_tensor *g;           /* its gradient (arena)                           */
    int64_t state_off;      /* byte offset of its optimizer state             */
} cc_param;

/* The training step: calls [0, nfwd) stage the input and run the forward
 * pass, call nfwd is the loss (CC_K_LOSS), the rest the backward pass; the
 * optimizer then updates params. Arena: [0, header) the training state,
 * [header, scratch) optimizer state, then the planned scratch. */
typedef struct {
    cc_program prog;
    cc_train_opts o;
    int nfwd;
    cc_tensor *input, *output, *pred, *dpred;
    int loss_on_logits;     /* BCE: pred are logits (sigmoid inside)          */
    int nparams;
    cc_param *params;
    int64_t header_bytes, state_bytes, scratch_base;
    uint64_t fingerprint;
} cc_train;

/* Marks the parameters --trainable selects (before shape inference, so they
 * are not folded away). */
cc_status cc_train_mark(cc_graph *g, const cc_train_opts *o, cc_diag *d);
/* Builds and plans the training step from an inferred graph. */
cc_status cc_train_build(cc_graph *g, const cc_train_opts *o, cc_train *t, cc_diag *d);

/* ------------------------------------------------------------ emit */

typedef struct {
    const char *prefix;     /* C prefix of the generated API (--name)        */
    const char *header_name;/* file name of the .h, for #include             */
    const char *model_path; /* for the banner comment                        */
    int layer_hooks;        /* onnxcc bench --layers: call PREFIX_layer_begin(s) and
                             * PREFIX_layer_end(s) (defined by the caller) around
                             * the calls of every step s of the run function      */
} cc_emit_opts;

cc_status cc_emit(const cc_program *p, const cc_train *t, const cc_emit_opts *o, FILE *c_out,
                  FILE *h_out, cc_diag *d);

/* Turns any byte string into a C identifier fragment (letters, digits, _). */
void cc_sanitize_ident(const char *raw, char *buf, size_t n);
/* Copies a raw name into buf for one-line display: non-printable bytes
 * become '?', long names are cut with "...". */
const char *cc_printable(const char *raw, char *buf, size_t n);
/* Writes s into a C comment safely (no comment terminator, no newlines). */
void cc_comment_safe(FILE *f, const char *s);

/* ------------------------------------------------------------ driver */

/* Everything `onnxcc compile` does up to a planned program (and, with
 * train.enabled, the planned training step in *t). */
typedef struct {
    cc_import_opts import;
    cc_train_opts train;
    int64_t max_arena;      /* refuse a larger planned arena (0: default)     */
    int64_t max_weights;    /* refuse more bytes of weights (0: default)      */
} cc_compile_opts;

#define CC_DEFAULT_MAX_ARENA ((int64_t)1 << 30)    /* 1 GiB */
#define CC_DEFAULT_MAX_WEIGHTS ((int64_t)1 << 30)  /* 1 GiB */

cc_status cc_compile_model(cc_ctx *ctx, const char *path, const cc_compile_opts *o,
                           cc_program *prog, cc_train *t, cc_diag *d);
/* The same after import (o->import unused): passes, lowering, planning,
 * pre-packing or the training step, and the --max-* checks. The fuzz
 * target calls it on a graph imported from memory. */
cc_status cc_compile_graph(cc_graph *g, const cc_compile_opts *o, cc_program *prog, cc_train *t,
                           cc_diag *d);

/* Writes OUT.c and OUT.h atomically (temporary files renamed at the end). */
cc_status cc_write_outputs(const cc_program *p, const cc_train *t, const char *c_path,
                           const char *prefix, cc_diag *d);

#endif /* CC_H */
