/*
 * onnxcc_rt.h - the onnxcc runtime library: the kernels that generated code calls.
 *
 * Conventions (one rule for every kernel):
 *   - outputs first, then inputs, then a const pointer to a parameter struct;
 *   - tensors are dense, row-major (C order), NCHW for images;
 *   - the compiler validates every shape and attribute before it emits a call,
 *     so kernels trust their arguments and never fail, allocate or print;
 *   - parameter structs are plain data, so the compiler can both fill them to
 *     run a kernel at compile time (constant folding) and print them as
 *     `static const` initializers in generated code.
 *
 * Spatial kernels (conv, pool) always work in three spatial dimensions: a 1-D
 * or 2-D operation sets the unused leading dimensions to size 1, stride 1,
 * dilation 1 and padding 0.
 */
#ifndef ONNXCC_RT_H
#define ONNXCC_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RT_VERSION "0.1.0"
#define RT_MAX_DIMS 8   /* the largest tensor rank a kernel handles */
#define RT_SPATIAL 3    /* spatial dimensions of conv and pool kernels */

/* The vector code the library was built with (its compiler flags, not the
 * CPU it runs on): RT_SIMD_LEVEL_NONE is the portable C (no SIMD, or
 * RT_NO_SIMD), _NEON AArch64 NEON, _AVX2 AVX2 with FMA, _AVX512 AVX-512F
 * on top of those. `onnxcc bench` compares it with the level the model's
 * flags select, since the kernels run the library's level whatever the
 * flags the model was compiled with. */
#define RT_SIMD_LEVEL_NONE 0
#define RT_SIMD_LEVEL_NEON 1
#define RT_SIMD_LEVEL_AVX2 2
#define RT_SIMD_LEVEL_AVX512 3
int rt_simd_level(void);

/* Element types a tensor in generated code may have, and their storage:
 * bool is one byte holding 0 or 1 (uint8_t); float16 and bfloat16 are their
 * 16-bit patterns (uint16_t), computed in float and stored rounded to
 * nearest even; double is computed in double. */
typedef enum {
    RT_F32 = 0,         /* float                                          */
    RT_I64 = 1,         /* int64_t                                        */
    RT_F64,             /* double                                         */
    RT_I32,             /* int32_t                                        */
    RT_I16,             /* int16_t                                        */
    RT_I8,              /* int8_t                                         */
    RT_U8,              /* uint8_t                                        */
    RT_U16,             /* uint16_t                                       */
    RT_U32,             /* uint32_t                                       */
    RT_U64,             /* uint64_t                                       */
    RT_BOOL,            /* uint8_t, 0 or 1                                */
    RT_F16,             /* uint16_t: IEEE 754 binary16                    */
    RT_BF16,            /* uint16_t: bfloat16 (the top half of a float)   */
    RT_DTYPE_COUNT
} rt_dtype;

/* Element-wise unary functions, also used as the activation fused into the
 * epilogue of conv and gemm. alpha and beta are the op's attributes. */
typedef enum {
    RT_UN_NONE = 0,     /* y = x                                          */
    RT_UN_RELU,         /* y = max(x, 0)                                  */
    RT_UN_LEAKYRELU,    /* y = x >= 0 ? x : alpha * x                     */
    RT_UN_ELU,          /* y = x >= 0 ? x : alpha * (exp(x) - 1)          */
    RT_UN_SELU,         /* y = beta * (x > 0 ? x : alpha * (exp(x) - 1)), beta is gamma */
    RT_UN_SIGMOID,      /* y = 1 / (1 + exp(-x))                          */
    RT_UN_HARDSIGMOID,  /* y = max(0, min(1, alpha * x + beta))           */
    RT_UN_HARDSWISH,    /* y = x * max(0, min(1, x / 6 + 1 / 2))          */
    RT_UN_TANH,         /* y = tanh(x)                                    */
    RT_UN_SOFTPLUS,     /* y = log(1 + exp(x)), stable for large |x|      */
    RT_UN_SOFTSIGN,     /* y = x / (1 + |x|)                              */
    RT_UN_CLIP,         /* y = min(max(x, alpha), beta)                   */
    RT_UN_SQRT,         /* y = sqrt(x)                                    */
    RT_UN_EXP,          /* y = exp(x)                                     */
    RT_UN_LOG,          /* y = log(x)                                     */
    RT_UN_ABS,          /* y = |x|                                        */
    RT_UN_NEG,          /* y = -x                                         */
    RT_UN_RECIPROCAL,   /* y = 1 / x                                      */
    RT_UN_AFFINE,       /* y = alpha * x + beta                           */
    RT_UN_COUNT
} rt_unary_op;

/* Element-wise binary functions with multidirectional broadcasting. */
typedef enum {
    RT_BIN_ADD = 0,     /* y = a + b                                      */
    RT_BIN_SUB,         /* y = a - b                                      */
    RT_BIN_MUL,         /* y = a * b                                      */
    RT_BIN_DIV,         /* y = a / b                                      */
    RT_BIN_POW,         /* y = pow(a, b)                                  */
    RT_BIN_MAX,         /* y = max(a, b), NaN if either is NaN            */
    RT_BIN_MIN,         /* y = min(a, b), NaN if either is NaN            */
    RT_BIN_PRELU,       /* y = a >= 0 ? a : b * a  (b is the slope)       */
    RT_BIN_COUNT
} rt_binary_op;

/* y = f(x) over n elements; y may equal x (in place). */
typedef struct {
    rt_unary_op op;
    float alpha, beta;  /* the op's parameters, see rt_unary_op */
    int64_t n;          /* element count */
    int overwrite;      /* backward only: dx = (not +=) the gradient */
} rt_unary_params;

void rt_unary_forward(float *y, const float *x, const rt_unary_params *p);

/* y = f(a, b) with broadcasting. shape is y's shape (rank ndim, at least 1);
 * astride/bstride are a's and b's strides in elements along each of y's axes,
 * 0 where that operand is broadcast. y may equal a or b when that operand
 * has y's full shape and contiguous strides (in place). */
typedef struct {
    rt_binary_op op;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int64_t astride[RT_MAX_DIMS];
    int64_t bstride[RT_MAX_DIMS];
} rt_binary_params;

void rt_binary_forward(float *y, const float *a, const float *b, const rt_binary_params *p);

/* Convolution, grouped, strided, dilated, zero padded.
 *   x: [n, c, in[0], in[1], in[2]]
 *   w: [m, c / group, k[0], k[1], k[2]]
 *   b: [m] or NULL
 *   y: [n, m, out[0], out[1], out[2]]
 * out[] already accounts for pads at both ends (the compiler computes it);
 * pad[] is the padding before each spatial axis. The activation act (with
 * act_alpha, act_beta, as in rt_unary_op) is applied to every output. */
typedef struct {
    int n, c, m, group;
    int64_t in[RT_SPATIAL], out[RT_SPATIAL], k[RT_SPATIAL];
    int64_t stride[RT_SPATIAL], pad[RT_SPATIAL], dilation[RT_SPATIAL];
    rt_unary_op act;
    float act_alpha, act_beta;
    int accumulate;     /* 1: y already holds a residual r, and the result is
                           act(r + conv(x) + b) (a residual Add fused into the
                           epilogue, computed in place); 0: act(conv(x) + b) */
    int wt;             /* 1 (group 1, rt_conv_forward only): w is stored
                           transposed, [c * k[0] * k[1] * k[2]][m], the layout
                           the compiler packs constant weights of pointwise
                           convolutions on small maps into; 2 (only where
                           rt_conv_winograd_ok): w is U, the Winograd
                           transform of the ONNX weights, as
                           rt_conv_winograd_weights writes it; 0: as above */
    int overwrite;      /* backward only: dx = (not +=) the gradient */
    /* dscnn: channel-last layouts (rt_conv_forward only, no accumulate),
     * which the compiler picks for the edges around small-map depthwise
     * convolutions: bit RT_CONV_X_HWC: x is [n, in[0], in[1], in[2], c];
     * bit RT_CONV_Y_HWC: y is [n, out[0], out[1], out[2], m]. Taken by
     * pointwise convolutions (group 1, 1x1, stride 1, no padding; any bits,
     * wt 0 or 1), by other group-1 ones with RT_CONV_Y_HWC alone and wt = 1,
     * and by depthwise 3x3 ones (group == c == m, 2-D, dilation 1, equal
     * strides 1 or 2) with both bits and wt = 1: w stored [9][c]. */
    int hwc;
    /* r8elt: rt_conv_backward_ws only: x is the output of a Relu, whose
     * backward is applied to dx after it is computed (accumulated or
     * stored), in place: dx = 0 + (x > 0 or NaN ? dx : 0), as
     * rt_unary_backward(dx, dx, x, x) with overwrite; the Winograd dX does
     * it in its output stage */
    int relu_dx;
} rt_conv_params;

#define RT_CONV_X_HWC 1
#define RT_CONV_Y_HWC 2

void rt_conv_forward(float *y, const float *x, const float *w, const float *b,
                     const rt_conv_params *p);

/* infer3: Winograd F(2x2, 3x3) convolution (rt_conv_params.wt = 2).
 * rt_conv_winograd_ok: 1 when p (with wt = 0) is a shape the compiler may
 * give Winograd weights: group 1, 2-D 3x3, stride 1, dilation 1, padding 1,
 * output = input, even map sides at most 128 wide, at least 16 input and 16
 * output channels, 16 * max(c, m) * (width / 2) <= 16384 (one row of tiles
 * fits the kernel's buffers). rt_conv_winograd_weights writes 16 * m * c
 * floats U = (G g G^T)[k] of each 3x3 kernel g = w[o][ic] (ONNX layout
 * [m][c][3][3]), k = 4i + j, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1], as
 * [16][c][m] (r8wino: for every m).
 *
 * wino: RT_CONV_WINOGRAD is 1 where the library's Winograd kernel has its
 * vector code (AVX-512F, with the AVX2 and FMA the runtime's SIMD needs,
 * and no RT_NO_SIMD), else 0. Generated code holds both forms of each such
 * layer's weights under it: U and wt = 2 when 1, the ONNX weights and wt = 0
 * (the direct kernels) when 0, so each build stores them once. Any library
 * computes wt = 2 right (plain-C transforms without AVX-512, slower), so a
 * mismatch between the generated code's flags and the library's is safe.
 * The copy of this header that `make` puts beside the library
 * (build/include, installed by `make install`) defines RT_CONV_WINOGRAD
 * first, as the library was built: generated code compiled against it
 * then picks the layout that library runs fast, even when the code's own
 * flags differ (say -march=native code with the default AVX2 library). */
#ifndef RT_CONV_WINOGRAD /* set by the copy of this header `make` installs */
#if defined(__AVX512F__) && defined(__AVX2__) && defined(__FMA__) && !defined(RT_NO_SIMD)
#define RT_CONV_WINOGRAD 1
#else
#define RT_CONV_WINOGRAD 0
#endif
#endif
int rt_conv_winograd_ok(const rt_conv_params *p);
void rt_conv_winograd_weights(float *u, const float *w, int64_t m, int64_t c);
/* r8fwd: the training step's forward convolution: rt_conv_forward(y, x, w,
 * b, p) where u is NULL, p->wt != 0 or rt_conv_winograd_ok(p) refuses the
 * shape, or the library has no Winograd vector code (RT_CONV_WINOGRAD 0 as
 * it was built); otherwise u (scratch of 16 * m * c floats) receives
 * rt_conv_winograd_weights(w) and the layer runs as Winograd (wt = 2) on it:
 * weights that change every step, transformed once per call. */
void rt_conv_forward_ws(float *y, const float *x, const float *w, const float *b, float *u,
                        const rt_conv_params *p);
/* r8elt: y = act(conv(x) + b + r), r laid out as y (a residual the
 * convolution adds in its epilogue without y holding it first; r may equal
 * y); otherwise as rt_conv_forward_ws, whose p->accumulate must be 0 here. */
void rt_conv_forward_ws_res(float *y, const float *x, const float *w, const float *b, float *u,
                            const float *r, const rt_conv_params *p);
/* r8wino: its backward, rt_conv_backward(dx, dw, db, dy, x, w, p), where u
 * is what rt_conv_forward_ws(.., u, p) wrote with the same w and p (or
 * NULL): where that forward ran Winograd, dx runs as Winograd on u read
 * transposed (the flipped kernels' transform is a permutation of U). */
void rt_conv_backward_ws(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, const float *u, const rt_conv_params *p);

/* Transposed convolution with the same parameter struct:
 *   x: [n, c, in...], w: [c, m / group, k...], b: [m] or NULL, y: [n, m, out...]
 * where y position o receives x position i through kernel tap t when
 * o = i * stride - pad + t * dilation (0 <= o < out). The activation act is
 * applied to every output, as in rt_conv_forward. */
void rt_conv_transpose_forward(float *y, const float *x, const float *w, const float *b,
                               const rt_conv_params *p);

/* Max and average pooling.
 *   x: [n, c, in...], y: [n, c, out...]
 * A window starting at o * stride - pad covers k taps spaced by dilation; taps
 * outside [0, in) are skipped by max. For average, the divisor counts the taps
 * inside [0, in) when count_include_pad is 0; when it is 1 it counts the taps
 * inside the padded extent [-pad, in + pad_end), so windows that ceil_mode
 * pushes past the end padding are not counted in full. Max pooling skips NaN
 * inputs (as the ONNX reference implementation does); a window with no tap
 * inside [0, in) gives -inf for max and 0/0 = NaN for average without
 * count_include_pad. */
typedef struct {
    int n, c;
    int64_t in[RT_SPATIAL], out[RT_SPATIAL], k[RT_SPATIAL];
    int64_t stride[RT_SPATIAL], pad[RT_SPATIAL], pad_end[RT_SPATIAL], dilation[RT_SPATIAL];
    int count_include_pad;
} rt_pool_params;

void rt_maxpool_forward(float *y, const float *x, const rt_pool_params *p);
void rt_avgpool_forward(float *y, const float *x, const rt_pool_params *p);

/* Global pooling: x: [nc, size] rows, y: [nc]. Global max propagates NaN. */
void rt_global_avgpool_forward(float *y, const float *x, int64_t nc, int64_t size);
void rt_global_maxpool_forward(float *y, const float *x, int64_t nc, int64_t size);

/* General matrix product, ONNX Gemm:
 *   y[m, n] = act(alpha * op(a) op(b) + beta * c)
 * op(a) is [m, k] (a stored [k, m] when trans_a), op(b) is [k, n] (b stored
 * [n, k] when trans_b). c is NULL or broadcast to [m, n] through its strides
 * c_rs (per row) and c_cs (per column), each 0 where c is broadcast.
 * When beta == 0, c is not read (the BLAS convention: inf or NaN in c does
 * not reach y). */
typedef struct {
    int64_t m, n, k;
    int trans_a, trans_b;
    float alpha, beta;
    int64_t c_rs, c_cs;
    rt_unary_op act;
    float act_alpha, act_beta;
} rt_gemm_params;

void rt_gemm_forward(float *y, const float *a, const float *b, const float *c,
                     const rt_gemm_params *p);

/* Batched matrix product with broadcast batch axes, ONNX MatMul:
 *   y[batch..., m, n] = a[batch..., m, k] x b[batch..., k, n]
 * batch[] holds y's batch dimensions (batch_ndim of them, may be 0);
 * a_bstride/b_bstride are a's and b's strides in elements along each batch
 * axis, 0 where that operand is broadcast. */
typedef struct {
    int batch_ndim;
    int64_t batch[RT_MAX_DIMS];
    int64_t a_bstride[RT_MAX_DIMS];
    int64_t b_bstride[RT_MAX_DIMS];
    int64_t m, n, k;
} rt_matmul_params;

void rt_matmul_forward(float *y, const float *a, const float *b, const rt_matmul_params *p);

/* Per-channel normalisation over x: [n, c, size].
 * Batch norm (inference): y = scale * (x - mean) / sqrt(var + eps) + bias.
 * Instance norm: mean and variance of each (n, c) row, then scale and bias.
 * Both allow y == x (in place). */
typedef struct {
    int64_t n, c, size;
    float eps;
    int overwrite;      /* batch norm backward only: dx = (not +=) the gradient */
    int relu;           /* batch norm only: y = max(0, y) (training fuses a Relu) */
} rt_norm_params;

void rt_batchnorm_forward(float *y, const float *x, const float *scale, const float *bias,
                          const float *mean, const float *var, const rt_norm_params *p);
void rt_instancenorm_forward(float *y, const float *x, const float *scale, const float *bias,
                             const rt_norm_params *p);

/* Local response normalisation across channels, x: [n, c, size]:
 *   y = x / (bias + alpha / size_window * sum of x^2 over the window) ^ beta
 * the window spans channels [c - floor((w-1)/2), c + ceil((w-1)/2)].
 * y must not alias x (y holds the sums of squares while it is computed). */
typedef struct {
    int64_t n, c, size;
    int64_t window;
    float alpha, beta, bias;
} rt_lrn_params;

void rt_lrn_forward(float *y, const float *x, const rt_lrn_params *p);

/* Softmax / log-softmax along one axis of x viewed as [outer, len, inner].
 * y may equal x (in place). */
typedef struct {
    int64_t outer, len, inner;
    int log;            /* 1: log-softmax */
} rt_softmax_params;

void rt_softmax_forward(float *y, const float *x, const rt_softmax_params *p);

/* Reductions. x has rank ndim and shape[]; axes with reduce[i] != 0 are
 * reduced; y holds the remaining axes in order (keepdims does not change the
 * data layout). An empty reduction gives 0 for sum and mean's numerator, and
 * -inf for max, as the ONNX reference does (so +inf for min, 1 for prod,
 * and 0 / 0 = NaN for mean). Max and min propagate NaN. y must not alias x. */
typedef enum {
    RT_RED_SUM = 0,
    RT_RED_MEAN,
    RT_RED_MAX,
    RT_RED_MIN,
    RT_RED_PROD,
    RT_RED_COUNT
} rt_reduce_op;

typedef struct {
    rt_reduce_op op;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int reduce[RT_MAX_DIMS];
} rt_reduce_params;

void rt_reduce_forward(float *y, const float *x, const rt_reduce_params *p);

/* Strided copy of elements of elem_size bytes: for every index (i_0..i_{d-1})
 * of shape[], y[yoff + sum i_j * ystride[j]] = x[xoff + sum i_j * xstride[j]]
 * (offsets and strides in elements; x strides may be negative). One kernel
 * serves Transpose, Slice, Concat, Split, Expand and plain copies. */
typedef struct {
    int elem_size;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int64_t ystride[RT_MAX_DIMS];
    int64_t xstride[RT_MAX_DIMS];
    int64_t yoff, xoff;
} rt_copy_params;

void rt_copy_strided(void *y, const void *x, const rt_copy_params *p);

/* Padding of a float tensor of rank ndim from in[] to out[] with pad_begin[]
 * leading elements per axis (pad_begin may be negative: cropping). Modes:
 * constant (value), reflect (mirror without repeating the edge), edge.
 * Negative pads crop first and the padding then mirrors or clamps against the
 * cropped tensor's edges (as onnxruntime does); reflect keeps mirroring,
 * like numpy, if a pad reaches past the far edge. */
typedef enum { RT_PAD_CONSTANT = 0, RT_PAD_REFLECT, RT_PAD_EDGE } rt_pad_mode;

typedef struct {
    rt_pad_mode mode;
    float value;
    int ndim;
    int64_t in[RT_MAX_DIMS], out[RT_MAX_DIMS], pad_begin[RT_MAX_DIMS];
} rt_pad_params;

void rt_pad_forward(float *y, const float *x, const rt_pad_params *p);

/* Gather along one axis: x viewed as [outer, axis_len, inner], idx holds
 * nidx indices (negative ones count from the end), y is [outer, nidx, inner].
 * An index out of range yields zero bytes (the compiler cannot check indices
 * that arrive at run time; this keeps the kernel memory-safe). */
typedef struct {
    int elem_size;
    int64_t outer, axis_len, inner, nidx;
} rt_gather_params;

void rt_gather_forward(void *y, const void *x, const int64_t *idx, const rt_gather_params *p);

/* Element type conversion of n elements between any two rt_dtypes. Float to
 * integer truncates toward zero, values outside the integer range saturate
 * and NaN becomes 0; integer to integer wraps around (two's complement, as
 * numpy's astype); anything to bool is 1 when nonzero (NaN included); bool
 * to anything is 0 or 1; between floating types the value is rounded to
 * nearest even (NaN stays NaN, out-of-range values become infinities),
 * except that a floating value cast to bfloat16 is first rounded to float
 * and then truncated to its upper 16 bits, as the ONNX reference does for
 * Cast up to opset 17 (arithmetic results stored as bfloat16 are rounded to
 * nearest even). */
typedef struct {
    rt_dtype to, from;
    int64_t n;
    int round;          /* 1: floating values go to bfloat16 rounded to
                           nearest even (arithmetic results computed in
                           float, as the compiler stores them), not
                           truncated as Cast does */
} rt_cast_params;

void rt_cast_forward(void *y, const void *x, const rt_cast_params *p);


/* ================================================================ training
 *
 * Backward kernels, losses and optimizers for on-device fine-tuning.
 * Backward kernels ACCUMULATE into gradients (dx[i] += ...), so a tensor read
 * by several nodes gets the sum of their contributions; the generated code
 * zeroes each gradient buffer (rt_zero) before its first contribution, or,
 * for rt_unary_backward and rt_batchnorm_backward, sets p->overwrite on its
 * first writer (rt_conv_backward too, for dx), which then stores 0 + its
 * contribution instead. Any
 * gradient pointer may be NULL when that gradient is not needed. Backward
 * kernels take the forward's inputs (and, where cheaper, outputs) explicitly.
 */

/* Zeroes n floats. */
void rt_zero(float *x, int64_t n);

/* dx += dy * f'(x) for the unary function p->op (p->n elements). y = f(x) is
 * passed too so functions whose derivative is cheaper from y (sigmoid, tanh,
 * exp, sqrt, ...) use it; both are always given. At kinks the derivative is
 * PyTorch's: Relu 0 at 0; LeakyRelu, Elu, Selu their negative branch at 0;
 * HardSigmoid alpha only where 0 < alpha x + beta < 1; HardSwish -1/2 and
 * 3/2 at -3 and 3; Clip 1 on [min, max] inclusive; Abs 0 at 0. */
void rt_unary_backward(float *dx, const float *dy, const float *x, const float *y,
                       const rt_unary_params *p);

/* Gradients of y = op(a, b) with broadcasting (same parameter block as the
 * forward): da += dL/da, db += dL/db, summed over the axes each operand was
 * broadcast along. da or db may be NULL. As PyTorch: Max/Min split a tie
 * half and half; PRelu uses the slope at a == 0; Pow's da is 0 where b == 0.
 * Pow's db is 0 where a <= 0 (PyTorch: NaN for a < 0, -inf at a == 0 with
 * b < 0). */
void rt_binary_backward(float *da, float *db, const float *dy, const float *a, const float *b,
                        const rt_binary_params *p);

/* r8fwd: a residual Add followed by a Relu that is its only reader, as the
 * training step fuses them (same shapes, no broadcasting; n elements):
 *   forward   y = max(0, a + b)   (NaN propagates, as rt_unary_forward's Relu)
 *   backward  g = dy where y > 0 or y is NaN, else 0 (PyTorch's Relu: 0 at 0;
 *             y > 0 exactly where a + b > 0); da += g, db += g, or da = 0 + g
 *             where overwrite_a (db likewise): the first writer of a gradient
 *             stores it. da or db may be NULL. y may equal a or b; da or db
 *             may equal dy (r8elt: the mask in place). */
typedef struct {
    int64_t n;
    int overwrite_a, overwrite_b;
} rt_add_relu_params;

void rt_add_relu_forward(float *y, const float *a, const float *b, const rt_add_relu_params *p);
void rt_add_relu_backward(float *da, float *db, const float *dy, const float *y,
                          const rt_add_relu_params *p);
/* r8fwd: BatchNormalization (inference form, as rt_batchnorm_forward: the
 * same operations in the same order, so the same bits) whose only reader is
 * the Add of a residual followed by a Relu, in one pass over x: [n, c, size]
 * and r (same shape): y = max(0, bn(x) + r); p->relu is ignored. Backward
 * is rt_add_relu_backward into the gradient of bn(x), then
 * rt_batchnorm_backward. y may equal r. */
void rt_bn_add_relu_forward(float *y, const float *x, const float *r, const float *scale,
                            const float *bias, const float *mean, const float *var,
                            const rt_norm_params *p);

/* Convolution backward (p->act must be RT_UN_NONE: training graphs do not
 * fuse activations): dx += conv_transpose(dy, w), dw += correlation of x and
 * dy, db += sum of dy over batch and space. */
void rt_conv_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                      const float *w, const rt_conv_params *p);

/* Pooling backward: max pool routes each dy to the first maximal tap of its
 * window (recomputed from x, ties to the first tap in scan order, as PyTorch);
 * average pool spreads dy / divisor over the window's counted taps. */
void rt_maxpool_backward(float *dx, const float *dy, const float *x, const rt_pool_params *p);
void rt_avgpool_backward(float *dx, const float *dy, const rt_pool_params *p);
void rt_global_avgpool_backward(float *dx, const float *dy, int64_t nc, int64_t size);
void rt_global_maxpool_backward(float *dx, const float *dy, const float *x, int64_t nc,
                                int64_t size);

/* Gemm backward (p->act must be RT_UN_NONE): with y = alpha op(a) op(b) +
 * beta c, da += alpha dy op(b)^T (transposed back to a's layout), db likewise,
 * dc += beta dy summed over c's broadcast axes (c_rs / c_cs). */
void rt_gemm_backward(float *da, float *db, float *dc, const float *dy, const float *a,
                      const float *b, const rt_gemm_params *p);

/* MatMul backward: da += dy b^T, db += a^T dy, summed over broadcast batches. */
void rt_matmul_backward(float *da, float *db, const float *dy, const float *a, const float *b,
                        const rt_matmul_params *p);

/* Softmax / log-softmax backward from the forward output y:
 *   softmax:     dx += y * (dy - sum(dy * y))
 *   log-softmax: dx += dy - exp(y) * sum(dy)          (sums along the axis) */
void rt_softmax_backward(float *dx, const float *dy, const float *y, const rt_softmax_params *p);

/* Batch normalization as a frozen affine transform (running statistics, as
 * PyTorch's eval mode): with s = scale / sqrt(var + eps),
 *   dx += dy * s,  dscale += sum dy * (x - mean) / sqrt(var + eps),  dbias += sum dy.
 * The statistics mean and var receive no gradient. */
void rt_batchnorm_backward(float *dx, float *dscale, float *dbias, const float *dy,
                           const float *x, const float *scale, const float *mean,
                           const float *var, const rt_norm_params *p);

/* The same for batch norm fused with the Relu after it (p->relu), given the
 * forward's bias [c]: the Relu passes dy where the forward's pre-Relu value
 * (x - mean) * scale / sqrt(var + eps) + bias, recomputed with the forward's
 * operations, is > 0 (Relu's derivative, 0 at 0; NaN passes), then as
 * rt_batchnorm_backward. (The mask comes from x, so the output is not read:
 * one stream fewer over the tensor.) */
void rt_batchnorm_relu_backward(float *dx, float *dscale, float *dbias, const float *dy,
                                const float *x, const float *bias, const float *scale,
                                const float *mean, const float *var, const rt_norm_params *p);

/* Accumulating strided copy, the backward of every data-movement kernel:
 * y[yoff + sum i_j ystride[j]] += x[xoff + sum i_j xstride[j]] (floats;
 * elem_size is ignored). Transpose, Slice, Concat, Split, Expand and Pad
 * backward are all this kernel with the forward's roles exchanged. */
void rt_add_strided(float *y, const float *x, const rt_copy_params *p);

/* Pad backward: dx += the part of dy that the forward copied from x
 * (constant mode), or every dy routed to the x element it was read from
 * (reflect and edge). */
void rt_pad_backward(float *dx, const float *dy, const rt_pad_params *p);

/* ---- dropout (active only while training) */

/* A small, seeded generator (xorshift64*), so runs are reproducible. */
typedef struct {
    uint64_t state;     /* never 0 */
} rt_rng;

void rt_rng_seed(rt_rng *r, uint64_t seed);
/* Uniform in [0, 1). */
float rt_rng_uniform(rt_rng *r);

/* y = x * mask / (1 - ratio), mask[i] = 1 with probability 1 - ratio
 * (ratio in [0, 1); ratio 0 copies). mask is kept for the backward. */
void rt_dropout_forward(float *y, float *mask, const float *x, int64_t n, float ratio,
                        rt_rng *rng);
/* dx += dy * mask / (1 - ratio). */
void rt_dropout_backward(float *dx, const float *dy, const float *mask, int64_t n, float ratio);

/* ---- losses: each returns the loss (mean reduction, as PyTorch's default)
 * and WRITES (not accumulates) dL/dpred into dpred, which may be NULL. */

/* Mean squared error over all n = batch * per elements. */
float rt_loss_mse(float *dpred, const float *pred, const float *target, int64_t n);

/* Cross-entropy on logits [batch, classes] (softmax inside, computed stably)
 * with int64 class labels; mean over the batch. Labels outside [0, classes)
 * contribute nothing: such rows get a zero gradient and the mean is over the
 * other rows, as PyTorch's ignore_index (0 when no row counts). If correct
 * is not NULL, adds the number of counted rows whose arg-max (the first
 * maximal logit) equals the label. */
float rt_loss_cross_entropy(float *dlogits, const float *logits, const int64_t *labels,
                            int64_t batch, int64_t classes, int64_t *correct);

/* Binary cross-entropy on logits (sigmoid inside, stably) with float 0/1
 * targets, mean over n elements. */
float rt_loss_bce_logits(float *dlogits, const float *logits, const float *target, int64_t n);

/* Binary cross-entropy on probabilities (the output of a Sigmoid), clamping
 * log at -100 as PyTorch's BCELoss does. */
float rt_loss_bce(float *dprob, const float *prob, const float *target, int64_t n);

/* ---- optimizers: PyTorch's update rules (torch.optim, single-tensor,
 * non-amsgrad, maximize off), one parameter tensor per call. */

typedef enum { RT_OPT_SGD = 0, RT_OPT_ADAM, RT_OPT_ADAMW } rt_opt_kind;

typedef struct {
    rt_opt_kind kind;
    float lr;
    float momentum;     /* SGD                                              */
    float dampening;    /* SGD (PyTorch's default 0)                        */
    int nesterov;       /* SGD                                              */
    float weight_decay; /* SGD and Adam: added to the gradient (L2);
                           AdamW: decoupled, w *= 1 - lr * weight_decay      */
    float beta1, beta2, eps; /* Adam, AdamW                                 */
    float l1;           /* extra L1 term: g += l1 * sign(w), before the rule */
} rt_opt_params;

/* One update of w (n elements) from gradient g. state holds the optimizer's
 * buffers for this tensor: SGD with momentum: n floats (momentum buffer);
 * Adam/AdamW: 2n floats (first then second moment); plain SGD: none (NULL).
 * step is the 1-based count of updates so far including this one (PyTorch's
 * momentum buffer starts as g at step 1; Adam's bias correction uses step).
 * At step 1 the state is initialised whatever it held (SGD's buffer to g,
 * Adam's moments from 0), so it needs no clearing beforehand.
 * g is left modified (weight decay / L1 folded in). */
void rt_opt_step(float *w, float *g, float *state, int64_t n, int64_t step,
                 const rt_opt_params *p);

/* Floats of optimizer state one tensor of n elements needs. */
int64_t rt_opt_state_size(const rt_opt_params *p, int64_t n);

/* Sum of squares of n gradient values, in double (for clipping by global norm). */
double rt_sum_squares(const float *g, int64_t n);
/* g *= s over n values. */
void rt_scale(float *g, int64_t n, float s);

/* ---- parameter blobs: versioned, checksummed bytes holding the trainable
 * parameters and optimizer state, refusing a blob from another model.
 *
 * Layout (little-endian): magic "ONXCCPB1", u32 version (1), u32 tensor
 * count, u64 model fingerprint, u64 step, u64 payload bytes, then each
 * tensor's floats in order, then u32 CRC-32 (IEEE) of everything before it. */

#define RT_BLOB_VERSION 1u

typedef struct {
    float *data;
    int64_t n;          /* floats */
} rt_blob_part;

/* Bytes of the blob for these parts. */
size_t rt_blob_size(const rt_blob_part *parts, int nparts);
/* Writes the blob into buf (rt_blob_size bytes). */
void rt_blob_write(uint8_t *buf, const rt_blob_part *parts, int nparts, uint64_t fingerprint,
                   uint64_t step);
/* Checks buf and, only if everything is right, copies it into the parts
 * and sets *step (step may be NULL). Returns 0 on success; RT_BLOB_E*
 * otherwise, touching nothing. The checks run in the order of the codes
 * below except that the length is checked before the model: ESIZE (too
 * short), EMAGIC, EVERSION, ESIZE (declared payload disagrees with len),
 * ECRC, EMODEL. */
int rt_blob_read(const uint8_t *buf, size_t len, const rt_blob_part *parts, int nparts,
                 uint64_t fingerprint, uint64_t *step);

#define RT_BLOB_ESIZE -1        /* too short, or length disagrees             */
#define RT_BLOB_EMAGIC -2       /* not a parameter blob                       */
#define RT_BLOB_EVERSION -3     /* a version this runtime does not read       */
#define RT_BLOB_EMODEL -4       /* from another model (fingerprint, shapes)   */
#define RT_BLOB_ECRC -5         /* corrupt                                    */

/* CRC-32 (IEEE 802.3, reflected, as zlib) of n bytes, continuing from crc
 * (start with 0). */
uint32_t rt_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* ---- crash-safe parameter storage: two slots on a medium the caller reaches
 * through callbacks (flash, EEPROM, a file). A save writes the new bytes into
 * the slot that does NOT hold the newest good copy, body first, and commits
 * by writing that slot's header last; the header carries a sequence number,
 * the body's length and CRC-32, and its own CRC-32. A load takes the valid
 * slot with the highest sequence. So a power cut at any byte of a save leaves
 * the previous copy loadable, and a load never returns torn bytes.
 *
 * Slot layout at offset base + i * slot_bytes (little-endian): magic
 * "ONXCCSL1", u64 sequence, u64 body length, u32 body CRC, u32 CRC of the
 * 28 bytes before it; then the body. */

#define RT_STORE_HEADER 32

typedef struct {
    /* each returns 0 on success; offsets are absolute on the medium */
    int (*write)(void *ctx, uint64_t offset, const uint8_t *data, size_t len);
    int (*read)(void *ctx, uint64_t offset, uint8_t *data, size_t len);
    void *ctx;
    uint64_t base;          /* where slot 0 starts                            */
    uint64_t slot_bytes;    /* each slot's size: RT_STORE_HEADER + body room  */
} rt_store;

/* Saves len bytes (typically a parameter blob) into the fresh slot. Returns
 * 0, RT_STORE_ESPACE when they do not fit a slot, or RT_STORE_EIO when a
 * callback failed (the previous copy is then still the one a load returns). */
int rt_store_save(const rt_store *s, const uint8_t *data, size_t len);
/* Loads the newest valid copy into buf (cap bytes) and sets *len. Returns 0,
 * RT_STORE_EEMPTY when no slot holds a valid copy, RT_STORE_ESPACE when the
 * copy is larger than cap, or RT_STORE_EIO. */
int rt_store_load(const rt_store *s, uint8_t *buf, size_t cap, size_t *len);

#define RT_STORE_ESPACE -11
#define RT_STORE_EIO -12
#define RT_STORE_EEMPTY -13

/* ================================================================ more ops
 *
 * Further inference kernels (runtime/more.c): element-wise math, the rest of
 * the Reduce family, arg-reductions, Hardmax, LayerNormalization,
 * MeanVarianceNormalization, GatherElements and Trilu.
 */

/* Element-wise math functions; y may equal x. */
typedef enum {
    RT_MATH_SIN = 0,    /* y = sin(x)                                     */
    RT_MATH_COS,        /* y = cos(x)                                     */
    RT_MATH_TAN,        /* y = tan(x)                                     */
    RT_MATH_ASIN,       /* y = asin(x)                                    */
    RT_MATH_ACOS,       /* y = acos(x)                                    */
    RT_MATH_ATAN,       /* y = atan(x)                                    */
    RT_MATH_SINH,       /* y = sinh(x)                                    */
    RT_MATH_COSH,       /* y = cosh(x)                                    */
    RT_MATH_ASINH,      /* y = asinh(x)                                   */
    RT_MATH_ACOSH,      /* y = acosh(x)                                   */
    RT_MATH_ATANH,      /* y = atanh(x)                                   */
    RT_MATH_ERF,        /* y = erf(x)                                     */
    RT_MATH_FLOOR,      /* y = floor(x)                                   */
    RT_MATH_CEIL,       /* y = ceil(x)                                    */
    RT_MATH_ROUND,      /* y = x rounded to the nearest integer, halves to even */
    RT_MATH_SIGN,       /* y = 1, -1 or 0 by the sign of x; NaN stays NaN */
    RT_MATH_THRESHOLDED_RELU, /* y = x > alpha ? x : 0                    */
    RT_MATH_CELU,       /* y = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) */
    RT_MATH_COUNT
} rt_math_op;

typedef struct {
    rt_math_op op;
    float alpha;        /* ThresholdedRelu's and Celu's alpha */
    int64_t n;          /* element count */
} rt_math_params;

void rt_math_forward(float *y, const float *x, const rt_math_params *p);

/* Norm-like reductions over the axes with reduce[i] != 0 of x (rank ndim,
 * shape[]); y holds the kept axes in order. Empty reductions give 0 (L1, L2,
 * sum of squares) or -inf (log-sum, log-sum-exp). y must not alias x. */
typedef enum {
    RT_REDX_L1 = 0,     /* sum |x|                                        */
    RT_REDX_L2,         /* sqrt(sum x^2)                                  */
    RT_REDX_LOGSUM,     /* log(sum x)                                     */
    RT_REDX_LOGSUMEXP,  /* log(sum exp(x)), shifted by the max for range  */
    RT_REDX_SUMSQUARE,  /* sum x^2                                        */
    RT_REDX_COUNT
} rt_reduce_ext_op;

typedef struct {
    rt_reduce_ext_op op;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int reduce[RT_MAX_DIMS];
} rt_reduce_ext_params;

void rt_reduce_ext_forward(float *y, const float *x, const rt_reduce_ext_params *p);

/* MeanVarianceNormalization: over the axes with reduce[i] != 0 (op unused),
 * y = (x - mean) / (sqrt(mean(x^2) - mean^2) + 1e-9), as ONNX defines it.
 * y has x's shape and may equal x. */
void rt_mvn_forward(float *y, const float *x, const rt_reduce_ext_params *p);

/* ArgMax / ArgMin along one axis: x viewed as [outer, len, inner], y as
 * [outer, inner] int64 indices. Ties give the first index, or the last with
 * select_last. NaN counts as the extreme (the first NaN wins, like numpy). */
typedef struct {
    int64_t outer, len, inner;
    int is_min;
    int select_last;
} rt_arg_params;

void rt_arg_forward(int64_t *y, const float *x, const rt_arg_params *p);

/* Hardmax: x viewed as [outer, len, inner]; y is 1 at the first maximum of
 * each run of len values along the axis, 0 elsewhere (p->log unused). */
void rt_hardmax_forward(float *y, const float *x, const rt_softmax_params *p);

/* LayerNormalization: x viewed as [outer, size]; each row is normalised,
 * y = (x - mean) / sqrt(var + eps) * scale + bias, with scale and bias of
 * size elements (bias may be NULL). mean and inv_std (outer elements each)
 * receive the statistics when not NULL. */
typedef struct {
    int64_t outer, size;
    float eps;
} rt_layernorm_params;

void rt_layernorm_forward(float *y, float *mean, float *inv_std, const float *x,
                          const float *scale, const float *bias, const rt_layernorm_params *p);

/* GatherElements: y (idx's shape, rank ndim) takes x at idx's position with
 * the coordinate along axis replaced by the index (negative ones count from
 * the end). An index out of range yields 0 (indices may arrive at run time). */
typedef struct {
    int ndim, axis;
    int64_t xshape[RT_MAX_DIMS];
    int64_t ishape[RT_MAX_DIMS];
} rt_gather_elements_params;

void rt_gather_elements_forward(float *y, const float *x, const int64_t *idx,
                                const rt_gather_elements_params *p);

/* Trilu: x viewed as [batch, rows, cols] of elem_size-byte elements; keeps
 * the elements with j - i >= k (upper) or j - i <= k (lower) and zeroes the
 * rest. k is *kp when kp is not NULL (a run-time input), else p->k. */
typedef struct {
    int elem_size;
    int upper;
    int64_t batch, rows, cols, k;
} rt_trilu_params;

void rt_trilu_forward(void *y, const void *x, const int64_t *kp, const rt_trilu_params *p);

/* ================================================================ signal
 * (signal.c) Direct transforms accumulated in double; complex values are
 * stored as (real, imaginary) pairs in a trailing axis of 2. */

/* DFT along one axis: x viewed as [outer, n, inner, in_c] (in_c 1: real,
 * 2: complex), transformed with length len (x zero padded or truncated to
 * len), y [outer, bins, inner, 2] holds bins 0..bins-1 (len, or len/2 + 1
 * for a one-sided transform). inverse: exp(+2 pi i k j / len) / len. */
typedef struct {
    int64_t outer, n, inner;
    int in_c;
    int64_t len, bins;
    int inverse;
} rt_dft_params;

void rt_dft_forward(float *y, const float *x, const rt_dft_params *p);

/* STFT: x [batch, len, in_c], frames of frame_len samples every step
 * samples, each multiplied by window (frame_len values, or NULL: ones) and
 * transformed; y [batch, frames, bins, 2] (bins: frame_len, or
 * frame_len/2 + 1 one-sided). */
typedef struct {
    int64_t batch, len;
    int in_c;
    int64_t frames, frame_len, step, bins;
} rt_stft_params;

void rt_stft_forward(float *y, const float *x, const float *window, const rt_stft_params *p);
/* the same for double data (types3) */
void rt_dft_forward_f64(double *y, const double *x, const rt_dft_params *p);
void rt_stft_forward_f64(double *y, const double *x, const double *window,
                         const rt_stft_params *p);

/* Einsum of one or two operands: labels [0, nout) are y's axes in order
 * (y row-major), labels [nout, nlabels) are summed. astride/bstride: the
 * operand's element stride along each label (0 when it lacks the label; a
 * label repeated in one operand, a diagonal, has the sum of its strides).
 * elem: 4 float32 or 8 double; the sum is accumulated in double. */
#define RT_EINSUM_MAX_LABELS 16
typedef struct {
    int nin, elem;
    int nlabels, nout;
    int64_t extent[RT_EINSUM_MAX_LABELS];
    int64_t astride[RT_EINSUM_MAX_LABELS];
    int64_t bstride[RT_EINSUM_MAX_LABELS];
} rt_einsum_params;

void rt_einsum_forward(void *y, const void *a, const void *b, const rt_einsum_params *p);
/* ================================================================ ext ops
 *
 * Further inference kernels, one file per family: losses (ext_loss.c),
 * Resize, GridSample and RoiAlign (ext_resize.c), recurrent layers (ext_rnn.c), indexing and misc
 * (ext_index.c).
 */

/* ---- NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: x is
 * [n, c, inner] (class axis 1, the trailing axes flattened into inner),
 * target [n, inner] int64, weight [c] or NULL. An element whose target
 * equals ignore_index (when has_ignore), or lies outside [0, c), contributes
 * 0 with weight 0. loss: [n, inner] (none), or one value: the sum, or the
 * weighted mean sum(l) / sum(w) (NaN when every element is ignored, as the
 * ONNX reference computes 0 / 0). */
typedef enum { RT_REDUCTION_NONE = 0, RT_REDUCTION_SUM, RT_REDUCTION_MEAN } rt_reduction;

typedef struct {
    int64_t n, c, inner;
    rt_reduction reduction;
    int has_ignore;
    int64_t ignore_index;
} rt_nll_params;

/* x holds log-probabilities: l = -weight[t] * x[t]. */
void rt_nll_forward(float *loss, const float *x, const int64_t *target, const float *weight,
                    const rt_nll_params *p);
/* x holds logits: l = -weight[t] * log_softmax(x)[t] along axis 1; log_prob
 * ([n, c, inner], or NULL) receives the log-softmax. */
void rt_sce_forward(float *loss, float *log_prob, const float *x, const int64_t *target,
                    const float *weight, const rt_nll_params *p);
/* The same in double (types4). */
void rt_nll_forward_f64(double *loss, const double *x, const int64_t *target,
                        const double *weight, const rt_nll_params *p);
void rt_sce_forward_f64(double *loss, double *log_prob, const double *x, const int64_t *target,
                        const double *weight, const rt_nll_params *p);

/* ---- RNN, GRU and LSTM (ONNX), G = 1, 3 or 4 gates of hidden units each:
 *   x: [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1)
 *   w: [dirs, G hidden, input], r: [dirs, G hidden, hidden],
 *   b: [dirs, 2 G hidden] (Wb then Rb) or NULL,
 *   seq_lens: [batch] (int32, each in [0, seq]) or NULL for all seq,
 *   init_h, init_c: [dirs, batch, hidden] ([batch, dirs, hidden] in
 *   layout 1) or NULL for zeros, peep: [dirs, 3 hidden] (LSTM: i, o, f) or NULL.
 * Outputs (each may be NULL): y [seq, dirs, batch, hidden] ([batch, seq,
 * dirs, hidden] in layout 1; zero past a sequence's length), y_h and y_c
 * (the last state, laid out as init_h). Gate order: GRU z, r, h; LSTM i, o,
 * f, c. act[d] holds the activations of direction d: RNN f; GRU f, g;
 * LSTM f, g, h; clip > 0 clamps every gate's input to [-clip, clip].
 * scratch holds rt_rnn_scratch_size(p) floats. */
typedef enum { RT_RNN_RNN = 0, RT_RNN_GRU, RT_RNN_LSTM } rt_rnn_kind;

typedef enum {
    RT_RNN_RELU = 0, RT_RNN_TANH, RT_RNN_SIGMOID, RT_RNN_AFFINE, RT_RNN_LEAKYRELU,
    RT_RNN_THRESHOLDEDRELU, RT_RNN_SCALEDTANH, RT_RNN_HARDSIGMOID, RT_RNN_ELU,
    RT_RNN_SOFTSIGN, RT_RNN_SOFTPLUS, RT_RNN_ACT_COUNT
} rt_rnn_act;

typedef struct {
    rt_rnn_kind kind;
    int dirs;               /* 1 or 2 (bidirectional)                        */
    int reverse;            /* dirs 1: run from the last step to the first   */
    int layout;             /* 0: time-major, 1: batch-major                 */
    int linear_before_reset;/* GRU                                           */
    int input_forget;       /* LSTM: f = 1 - i                               */
    int64_t seq, batch, input, hidden;
    float clip;             /* 0: none                                       */
    rt_rnn_act act[2][3];
    float alpha[2][3], beta[2][3];
} rt_rnn_params;

int64_t rt_rnn_scratch_size(const rt_rnn_params *p);
void rt_rnn_forward(float *y, float *y_h, float *y_c, float *scratch, const float *x,
                    const float *w, const float *r, const float *b, const int32_t *seq_lens,
                    const float *init_h, const float *init_c, const float *peep,
                    const rt_rnn_params *p);
/* The same in double (types4); scratch holds rt_rnn_scratch_size(p)
 * doubles. */
void rt_rnn_forward_f64(double *y, double *y_h, double *y_c, double *scratch, const double *x,
                        const double *w, const double *r, const double *b,
                        const int32_t *seq_lens, const double *init_h, const double *init_c,
                        const double *peep, const rt_rnn_params *p);

/* ---- Resize / Upsample: y [out...] from x [in...] (rank ndim), each
 * output coordinate o of axis k mapped to an input coordinate by coord with
 * scale[k] (out/in when the sizes were given), then sampled by mode:
 * nearest (rounded by the nearest rule; SIMPLE is opset 10's: floor when
 * upsampling, ceil when downsampling), linear, or cubic (coefficient
 * cubic_a; exclude_outside renormalises the weights of taps inside the
 * input). Taps past the border repeat the edge sample. align_corners,
 * pytorch_half_pixel and tf_crop_and_resize take the resized length as
 * in * scale unrounded, as the ONNX reference does. roi ([2 ndim]:
 * starts then ends, normalised) is read by tf_crop_and_resize only, whose
 * samples outside the input take the value extrapolation. */
typedef enum { RT_RESIZE_NEAREST = 0, RT_RESIZE_LINEAR, RT_RESIZE_CUBIC } rt_resize_mode;
typedef enum {
    RT_COORD_HALF_PIXEL = 0, RT_COORD_PYTORCH_HALF_PIXEL, RT_COORD_ALIGN_CORNERS,
    RT_COORD_ASYMMETRIC, RT_COORD_TF_HALF_PIXEL_FOR_NN, RT_COORD_TF_CROP_AND_RESIZE
} rt_coord_mode;
typedef enum {
    RT_NEAREST_ROUND_PREFER_FLOOR = 0, RT_NEAREST_ROUND_PREFER_CEIL, RT_NEAREST_FLOOR,
    RT_NEAREST_CEIL, RT_NEAREST_SIMPLE
} rt_nearest_mode;

typedef struct {
    rt_resize_mode mode;
    rt_coord_mode coord;
    rt_nearest_mode nearest;
    float cubic_a;
    int exclude_outside;
    float extrapolation;
    int ndim;
    int64_t in[RT_MAX_DIMS], out[RT_MAX_DIMS];
    double scale[RT_MAX_DIMS];
} rt_resize_params;

void rt_resize_forward(float *y, const float *x, const float *roi, const rt_resize_params *p);

/* GridSample (2-D, PyTorch's grid_sample): x [n, c, h, w], grid [n, oh, ow, 2]
 * of (x, y) in [-1, 1], y [n, c, oh, ow]; bilinear, nearest (halves to even)
 * or bicubic (a = -0.75); samples outside read 0 (zeros) or are clamped
 * (border) or mirrored (reflection). */
typedef enum { RT_GS_BILINEAR = 0, RT_GS_NEAREST, RT_GS_BICUBIC } rt_gridsample_mode;
typedef enum { RT_GS_ZEROS = 0, RT_GS_BORDER, RT_GS_REFLECTION } rt_gridsample_padding;

typedef struct {
    rt_gridsample_mode mode;
    rt_gridsample_padding padding;
    int align_corners;
    int64_t n, c, h, w, oh, ow;
} rt_gridsample_params;

void rt_gridsample_forward(float *y, const float *x, const float *grid,
                           const rt_gridsample_params *p);
/* The same in double (types4). */
void rt_gridsample_forward_f64(double *y, const double *x, const double *grid,
                               const rt_gridsample_params *p);

/* RoiAlign (onnxruntime's algorithm): x [n, c, h, w], rois [nroi, 4] as
 * (x1, y1, x2, y2) scaled by spatial_scale, bidx [nroi] (a batch index out
 * of range gives zeros), y [nroi, c, oh, ow]; sampling_ratio 0 adapts the
 * sample grid to the bin size; max_mode takes the largest weighted corner
 * instead of the average; half_pixel shifts coordinates by -0.5. */
typedef struct {
    int64_t n, c, h, w, nroi, oh, ow, sampling_ratio;
    float spatial_scale;
    int max_mode, half_pixel;
} rt_roialign_params;

void rt_roialign_forward(float *y, const float *x, const float *rois, const int64_t *bidx,
                         const rt_roialign_params *p);
/* The same in double (types4). */
void rt_roialign_forward_f64(double *y, const double *x, const double *rois,
                             const int64_t *bidx, const rt_roialign_params *p);

/* ---- indexing and misc (ext_index.c). Run-time indices may be negative
 * (counted from the end); out-of-range ones are skipped (scatters, unpool)
 * or give zeros (GatherND). */
typedef enum {
    RT_SCATTER_NONE = 0, RT_SCATTER_ADD, RT_SCATTER_MUL, RT_SCATTER_MAX, RT_SCATTER_MIN
} rt_scatter_reduction;

/* ScatterElements: y = x (copied unless y == x), then for each position of
 * idx (shape ishape), y at that position with the axis coordinate replaced
 * by the index is set to (or combined with) upd at the same position. */
typedef struct {
    int ndim, axis;
    rt_scatter_reduction reduction;
    int64_t xshape[RT_MAX_DIMS], ishape[RT_MAX_DIMS];
} rt_scatter_elements_params;

void rt_scatter_elements_forward(float *y, const float *x, const int64_t *idx, const float *upd,
                                 const rt_scatter_elements_params *p);

/* ScatterND: idx is [nupd, k]; each row addresses a slice of x (shape
 * xshape, rank ndim) of slice = prod xshape[k:] elements, which takes (or is
 * combined with) the matching slice of upd [nupd, slice]. */
typedef struct {
    int ndim, k;
    rt_scatter_reduction reduction;
    int64_t xshape[RT_MAX_DIMS];
    int64_t nupd, slice;
} rt_scatternd_params;

void rt_scatternd_forward(float *y, const float *x, const int64_t *idx, const float *upd,
                          const rt_scatternd_params *p);

/* GatherND: x viewed as [batch, dims[0..k), slice] (batch_stride elements
 * per batch), idx as [batch, nidx, k]; y is [batch, nidx, slice]. */
typedef struct {
    int elem_size, k;
    int64_t batch, nidx, slice, batch_stride;
    int64_t dims[RT_MAX_DIMS];
} rt_gathernd_params;

void rt_gathernd_forward(void *y, const void *x, const int64_t *idx, const rt_gathernd_params *p);

/* TopK along the middle axis of x viewed as [outer, len, inner]: values
 * and indices [outer, k, inner], best first (largest or smallest), equal
 * values by the lower index; NaN counts as larger than every number. */
typedef struct {
    int64_t outer, len, inner, k;
    int largest;
} rt_topk_params;

void rt_topk_forward(float *values, int64_t *indices, const float *x, const rt_topk_params *p);

/* OneHot: indices [outer, inner] (float, truncated, or int64; negative ones
 * count from depth), y [outer, depth, inner] = values[1] at the index,
 * values[0] elsewhere (everywhere for an index out of range). */
typedef struct {
    int64_t outer, depth, inner;
    int idx_float;
} rt_onehot_params;

void rt_onehot_forward(float *y, const void *idx, const float *values, const rt_onehot_params *p);

/* MaxUnpool: x and idx hold nx elements; y [planes, dout[0..3)] = 0, then
 * x[e] is stored at the spatial coordinates its index has in the default
 * output [planes, din[0..3)] (the pooled input; unused leading spatial axes
 * are 1), when they lie inside dout. */
typedef struct {
    int64_t nx, planes;
    int64_t din[RT_SPATIAL], dout[RT_SPATIAL];
} rt_unpool_params;

void rt_maxunpool_forward(float *y, const float *x, const int64_t *idx, const rt_unpool_params *p);

/* MaxPool with its Indices output: y as rt_maxpool_forward (the first
 * maximal tap wins), ind the flat index of that tap in x, over
 * [n, c, in...] (storage_order 0) or with the spatial axes counted
 * column-major (storage_order 1). */
typedef struct {
    rt_pool_params pool;
    int storage_order;
} rt_maxpool_indices_params;

void rt_maxpool_indices_forward(float *y, int64_t *ind, const float *x,
                                const rt_maxpool_indices_params *p);

/* Shrink: y = x < -lambd ? x + bias : x > lambd ? x - bias : 0. */
typedef struct {
    float lambd, bias;
    int64_t n;
} rt_shrink_params;

void rt_shrink_forward(float *y, const float *x, const rt_shrink_params *p);

/* ReverseSequence: x is [time, batch, inner] (time_axis 0) or [batch,
 * time, inner] (time_axis 1); the first lens[b] steps of each batch entry
 * are reversed, the rest copied. */
typedef struct {
    int time_axis;
    int64_t time, batch, inner;
} rt_reverse_sequence_params;

void rt_reverse_sequence_forward(float *y, const float *x, const int64_t *lens,
                                 const rt_reverse_sequence_params *p);

/* Det: x is [batch, n, n]; y [batch] by LU with partial pivoting in double
 * (scratch: n * n doubles). */
typedef struct {
    int64_t batch, n;
} rt_det_params;

void rt_det_forward(float *y, double *scratch, const float *x, const rt_det_params *p);
/* ================================================================ typed kernels
 *
 * Kernels over every element type of rt_dtype (runtime/typed.c); the float
 * kernels above stay the fast path for float32. Integer arithmetic wraps
 * around (two's complement). Integer division by zero does not trap: x / 0
 * and x % 0 give 0 (numpy's answer); INT_MIN / -1 wraps to INT_MIN and
 * INT_MIN % -1 is 0.
 */

/* Bytes of one element. */
size_t rt_dtype_size(rt_dtype t);

/* float16 / bfloat16 bit patterns to and from float and double, rounding to
 * nearest even (NaN stays a quiet NaN of the sign, overflow gives inf). */
float rt_f16_to_f32(uint16_t h);
float rt_bf16_to_f32(uint16_t h);
uint16_t rt_f64_to_f16(double v);
uint16_t rt_f64_to_bf16(double v);

/* The conversion rt_cast_forward performs, for any pair of types. */
void rt_cast_any(void *y, const void *x, rt_dtype to, rt_dtype from, int64_t n);

typedef enum {
    RT_EW_ADD = 0,      /* a + b                                          */
    RT_EW_SUB,          /* a - b                                          */
    RT_EW_MUL,          /* a * b                                          */
    RT_EW_DIV,          /* a / b, integers truncate toward zero           */
    RT_EW_POW,          /* pow(a, b); b may have another type (btype)     */
    RT_EW_MAX,          /* max(a, b), NaN if either is NaN                */
    RT_EW_MIN,          /* min(a, b), NaN if either is NaN                */
    RT_EW_MOD,          /* a mod b with the sign of b (Mod, fmod=0)       */
    RT_EW_FMOD,         /* a mod b with the sign of a (Mod, fmod=1)       */
    RT_EW_AND,          /* a & b (logical on bool)                        */
    RT_EW_OR,           /* a | b                                          */
    RT_EW_XOR,          /* a ^ b                                          */
    RT_EW_SHL,          /* a << b, 0 when b >= the bit width (unsigned)   */
    RT_EW_SHR,          /* a >> b, 0 when b >= the bit width (unsigned)   */
    RT_EW_EQ,           /* a == b -> bool                                 */
    RT_EW_LT,           /* a < b  -> bool                                 */
    RT_EW_GT,           /* a > b  -> bool                                 */
    RT_EW_LE,           /* a <= b -> bool                                 */
    RT_EW_GE,           /* a >= b -> bool                                 */
    RT_EW_PRELU,        /* a < 0 ? a * b : a (PRelu; types3)              */
    RT_EW_COUNT
} rt_ewise_op;

/* y = op(a, b) with broadcasting, as rt_binary_params: shape is y's shape,
 * astride / bstride a's and b's element strides along y's axes (0 where
 * broadcast). a, b (and y, unless the op compares: then y is bool) have
 * element type type; Pow's exponent b has btype and y has type (an integer
 * power of integers is exact and wraps; otherwise computed in double and
 * converted as rt_cast_forward does). y may equal a or b when that operand
 * has y's type, shape and contiguous strides. */
typedef struct {
    rt_ewise_op op;
    rt_dtype type, btype;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int64_t astride[RT_MAX_DIMS];
    int64_t bstride[RT_MAX_DIMS];
} rt_ewise_binary_params;

void rt_ewise_binary(void *y, const void *a, const void *b, const rt_ewise_binary_params *p);

typedef enum {
    RT_EU_NEG = 0,      /* -x (wraps for integers)                        */
    RT_EU_ABS,          /* |x| (wraps: |INT_MIN| = INT_MIN)               */
    RT_EU_SIGN,         /* -1, 0 or 1; NaN stays NaN                      */
    RT_EU_NOT,          /* logical not on bool, bitwise not on integers   */
    RT_EU_ISNAN,        /* x != x -> bool                                 */
    RT_EU_ISINF,        /* x is +inf (flags & 1) or -inf (flags & 2) -> bool */
    RT_EU_CLIP,         /* min(max(x, lo), hi) in x's type                */
    RT_EU_COPY,         /* x                                              */
    RT_EU_DIV,          /* x / lo, floating types (Mean's 1/N; types3)    */
    RT_EU_COUNT
} rt_ewise_unary_op;

/* y = op(x) over n elements of type (y bool for ISNAN / ISINF); y may equal x
 * when both have the same type. CLIP's bounds lo and hi are x's type's values
 * converted to double (every integer of the suite's types up to 2^53 is
 * exact; int64 / uint64 bounds use ilo / ihi instead). */
typedef struct {
    rt_ewise_unary_op op;
    rt_dtype type;
    int flags;
    double lo, hi;
    int64_t ilo, ihi;
    int64_t n;
} rt_ewise_unary_params;

void rt_ewise_unary(void *y, const void *x, const rt_ewise_unary_params *p);

/* Where: y = cond ? a : b with broadcasting; cond is bool, a, b and y hold
 * elements of elem_size bytes; strides as in rt_ewise_binary_params. */
typedef struct {
    int elem_size;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int64_t cstride[RT_MAX_DIMS];
    int64_t astride[RT_MAX_DIMS];
    int64_t bstride[RT_MAX_DIMS];
} rt_where_params;

void rt_where_forward(void *y, const uint8_t *cond, const void *a, const void *b,
                      const rt_where_params *p);

/* Reductions of any numeric type, as rt_reduce_forward and
 * rt_reduce_ext_forward (op is an rt_reduce_op when ext is 0, else an
 * rt_reduce_ext_op). Floating types accumulate in double, integers in 64
 * bits (wrapping) and the result is converted to type. */
typedef struct {
    int op, ext;
    rt_dtype type;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int reduce[RT_MAX_DIMS];
} rt_ewise_reduce_params;

void rt_ewise_reduce(void *y, const void *x, const rt_ewise_reduce_params *p);

/* CumSum of x (rank ndim, shape[]) along one axis, in x's type (each
 * partial sum rounded to the type, as a sequential sum in it); exclusive
 * starts from 0, reverse sums from the end. The axis is *axisp (an
 * axis_type scalar, I32 or I64, negative counting from the end) when axisp
 * is not NULL (a run-time input), else p->axis; an axis out of range makes
 * y a copy of x. y must not alias x. */
typedef struct {
    rt_dtype type;
    int exclusive, reverse;
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int axis;
    rt_dtype axis_type;
} rt_cumsum_params;

void rt_cumsum_forward(void *y, const void *x, const void *axisp, const rt_cumsum_params *p);

/* Pad of elements of any size, as rt_pad_forward; value holds the constant's
 * bytes (the first elem_size of them). */
typedef struct {
    rt_pad_mode mode;
    int elem_size;
    uint8_t value[8];
    int ndim;
    int64_t in[RT_MAX_DIMS], out[RT_MAX_DIMS], pad_begin[RT_MAX_DIMS];
} rt_pad_any_params;

void rt_pad_any_forward(void *y, const void *x, const rt_pad_any_params *p);

/* Max pooling of any numeric type, as rt_maxpool_forward (NaN inputs are
 * skipped; a window with no tap inside the input gives -inf for floating
 * types and the type's minimum for integers). */
typedef struct {
    rt_pool_params pool;    /* first: the compiler prints it as rt_pool_params */
    rt_dtype type;
} rt_pool_any_params;

void rt_maxpool_any_forward(void *y, const void *x, const rt_pool_any_params *p);

/* The float functions of rt_unary_op (math 0) or rt_math_op (math 1) on n
 * elements of a floating type: double computes in double (the same
 * formulas, double libm); float16 and bfloat16 run the float32 kernels
 * (rt_unary_forward, rt_math_forward) on float copies and round the results
 * to nearest even, as a reference computing in float does. y may equal x. */
typedef struct {
    int math;
    int op;
    float alpha, beta;
    rt_dtype type;
    int64_t n;
} rt_ewise_fn_params;

void rt_ewise_fn(void *y, const void *x, const rt_ewise_fn_params *p);

/* Gather as rt_gather_forward with indices of idx_type (RT_I32 or RT_I64). */
typedef struct {
    rt_gather_params gather; /* first: printed as rt_gather_params */
    rt_dtype idx_type;
} rt_gather_any_params;

void rt_gather_any_forward(void *y, const void *x, const void *idx, const rt_gather_any_params *p);

/* Double versions of the float32 layer kernels (runtime/typed_f64.c), with
 * the same parameters and layouts, computed in double. */
void rt_conv_forward_f64(double *y, const double *x, const double *w, const double *b,
                         const rt_conv_params *p);
void rt_conv_transpose_forward_f64(double *y, const double *x, const double *w,
                                   const double *b, const rt_conv_params *p);
void rt_avgpool_forward_f64(double *y, const double *x, const rt_pool_params *p);
void rt_global_avgpool_forward_f64(double *y, const double *x, int64_t nc, int64_t size);
void rt_global_maxpool_forward_f64(double *y, const double *x, int64_t nc, int64_t size);
void rt_gemm_forward_f64(double *y, const double *a, const double *b, const double *c,
                         const rt_gemm_params *p);
void rt_batchnorm_forward_f64(double *y, const double *x, const double *scale,
                              const double *bias, const double *mean, const double *var,
                              const rt_norm_params *p);
void rt_instancenorm_forward_f64(double *y, const double *x, const double *scale,
                                 const double *bias, const rt_norm_params *p);
void rt_softmax_forward_f64(double *y, const double *x, const rt_softmax_params *p);
void rt_hardmax_forward_f64(double *y, const double *x, const rt_softmax_params *p);
void rt_lrn_forward_f64(double *y, const double *x, const rt_lrn_params *p);
/* mean and inv_std stay float (LayerNormalization's stash type) */
void rt_layernorm_forward_f64(double *y, float *mean, float *inv_std, const double *x,
                              const double *scale, const double *bias,
                              const rt_layernorm_params *p);

/* MatMul as rt_matmul_forward for type RT_F64 (in double) or RT_I32, RT_I64,
 * RT_U32, RT_U64 (exact, wrapping around on overflow). */
typedef struct {
    rt_matmul_params mm;    /* first: printed as rt_matmul_params */
    rt_dtype type;
} rt_matmul_any_params;

void rt_matmul_any_forward(void *y, const void *a, const void *b, const rt_matmul_any_params *p);

/* ArgMax / ArgMin as rt_arg_forward on x of any numeric type (integers
 * compared exactly; NaN counts as the extreme). */
typedef struct {
    rt_arg_params arg;      /* first: printed as rt_arg_params */
    rt_dtype type;
} rt_arg_any_params;

void rt_arg_any_forward(int64_t *y, const void *x, const rt_arg_any_params *p);

/* Indexing kernels of any element type (types3): the float32 kernels'
 * parameters first (printed as them), then the data's element type. Data
 * only moves (bytes copied) except for a scatter's reduction (add, mul,
 * max, min: integers wrap, floating types compute in double and round
 * once), TopK's comparisons (integers exact, NaN above every number) and
 * Shrink (computed in double, stored as rt_cast_any converts). */
typedef struct {
    rt_scatter_elements_params scat; /* first: printed as rt_scatter_elements_params */
    rt_dtype type;
} rt_scatter_elements_any_params;

void rt_scatter_elements_any_forward(void *y, const void *x, const int64_t *idx, const void *upd,
                                     const rt_scatter_elements_any_params *p);

typedef struct {
    rt_scatternd_params scatnd; /* first: printed as rt_scatternd_params */
    rt_dtype type;
} rt_scatternd_any_params;

void rt_scatternd_any_forward(void *y, const void *x, const int64_t *idx, const void *upd,
                              const rt_scatternd_any_params *p);

typedef struct {
    rt_topk_params topk;    /* first: printed as rt_topk_params */
    rt_dtype type;
} rt_topk_any_params;

void rt_topk_any_forward(void *values, int64_t *indices, const void *x,
                         const rt_topk_any_params *p);

/* OneHot with indices of idx_type (a floating index truncates toward zero)
 * and values [off, on] of type. */
typedef struct {
    rt_onehot_params onehot; /* first: printed as rt_onehot_params (idx_float unused) */
    rt_dtype idx_type, type;
} rt_onehot_any_params;

void rt_onehot_any_forward(void *y, const void *idx, const void *values,
                           const rt_onehot_any_params *p);

typedef struct {
    rt_shrink_params shrink; /* first: printed as rt_shrink_params */
    rt_dtype type;
} rt_shrink_any_params;

void rt_shrink_any_forward(void *y, const void *x, const rt_shrink_any_params *p);

typedef struct {
    rt_reverse_sequence_params revseq; /* first: printed as rt_reverse_sequence_params */
    rt_dtype type;
} rt_reverse_sequence_any_params;

void rt_reverse_sequence_any_forward(void *y, const void *x, const int64_t *lens,
                                     const rt_reverse_sequence_any_params *p);

/* Gemm of RT_I32, RT_U32, RT_I64 or RT_U64 (alpha and beta integral):
 * y = alpha * op(a) op(b) + beta * c exactly, wrapping around in the type;
 * the fused activation may only be RT_UN_RELU. */
typedef struct {
    rt_gemm_params gemm;    /* first: printed as rt_gemm_params */
    rt_dtype type;
} rt_gemm_any_params;

void rt_gemm_any_forward(void *y, const void *a, const void *b, const void *c,
                         const rt_gemm_any_params *p);

/* Resize as rt_resize_forward on data of another type: double in every
 * mode (computed in double), any type in nearest mode (the sample's bytes
 * copied; extrapolation converted to the type as rt_cast_any does). */
typedef struct {
    rt_resize_params resize; /* first: printed as rt_resize_params */
    rt_dtype type;
} rt_resize_any_params;

void rt_resize_any_forward(void *y, const void *x, const float *roi,
                           const rt_resize_any_params *p);

/* MaxUnpool of any element type (the values' bytes moved). */
typedef struct {
    rt_unpool_params unpool; /* first: printed as rt_unpool_params */
    rt_dtype type;
} rt_unpool_any_params;

void rt_maxunpool_any_forward(void *y, const void *x, const int64_t *idx,
                              const rt_unpool_any_params *p);

/* Einsum as rt_einsum_forward for operands of any numeric type: floating
 * types accumulate in double and round once, integers accumulate exactly
 * with wrap-around (elem is unused). */
typedef struct {
    rt_einsum_params ein;   /* first: printed as rt_einsum_params */
    rt_dtype type;
} rt_einsum_any_params;

void rt_einsum_any_forward(void *y, const void *a, const void *b, const rt_einsum_any_params *p);

/* Det of double matrices (the same LU in double). */
void rt_det_forward_f64(double *y, double *scratch, const double *x, const rt_det_params *p);

typedef struct {
    rt_gather_elements_params gel; /* first: printed as rt_gather_elements_params */
    rt_dtype type;
} rt_gather_elements_any_params;

void rt_gather_elements_any_forward(void *y, const void *x, const int64_t *idx,
                                    const rt_gather_elements_any_params *p);

/* ================================================================ quantized kernels
 *
 * Linear quantization (runtime/quant.c): a real value r is stored as the
 * integer q with r = (q - zero_point) * scale. The integer kernels (ConvInteger,
 * MatMulInteger, QLinearConv, QLinearMatMul) subtract the zero points and
 * accumulate exact products in int32 (no float round trip); the spec assumes
 * the accumulator does not overflow (it wraps if it does). Requantization to
 * int8 / uint8 follows the ONNX reference exactly:
 *   multiplier = (x_scale * w_scale) / y_scale   (float32 operations)
 *   y = saturate(round_half_even((double)acc * (double)multiplier) + y_zp)
 * (the reference multiplies the int32 accumulator by the float32 multiplier
 * in float64). Rounding never depends on the floating-point environment.
 * Zero-point pointers may be NULL (zero point 0).
 */

/* Element types of quantized tensors (x and w are U8 or I8; ConvInteger and
 * MatMulInteger produce I32; F32 is the dequantized output of a fused QDQ
 * pattern; DequantizeLinear also reads I32). */
typedef enum {
    RT_QT_U8 = 0,       /* uint8_t                                        */
    RT_QT_I8,           /* int8_t                                         */
    RT_QT_I32,          /* int32_t                                        */
    RT_QT_F32           /* float                                          */
} rt_qtype;

/* QuantizeLinear / DequantizeLinear over x viewed as [outer, len, inner]:
 * scale (and zero point) hold len values when per_axis (the quantization
 * axis is the middle one), else one.
 *   quantize:   y = saturate(round_half_even(x / scale) + zp)   (x / scale in
 *               float32, as the reference; NaN gives the zero point)
 *   dequantize: y = (float)(x - zp) * scale */
typedef struct {
    int64_t outer, len, inner;
    int per_axis;
    rt_qtype type;      /* the quantized side: U8 or I8 (dequantize: or I32) */
} rt_quant_params;

void rt_quantize_linear(void *y, const float *x, const float *scale, const void *zp,
                        const rt_quant_params *p);
void rt_dequantize_linear(float *y, const void *x, const float *scale, const void *zp,
                          const rt_quant_params *p);
/* QuantizeLinear of int32 x (types4): y = saturate(round_half_even(x / scale)
 * + zp), the quotient computed in double. */
void rt_quantize_linear_i32(void *y, const int32_t *x, const float *scale, const void *zp,
                            const rt_quant_params *p);

/* DynamicQuantizeLinear to uint8 over n elements, the spec's formula in
 * float32: lo = min(0, min x), hi = max(0, max x), scale = (hi - lo) / 255,
 * zp = saturate(round_half_even(-lo / scale)), y = saturate(round_half_even(
 * x / scale) + zp). An all-zero x (scale 0) gives scale 0, zp 0 and y 0. */
void rt_dynamic_quantize_linear(uint8_t *y, float *y_scale, uint8_t *y_zp, const float *x,
                                int64_t n);

/* Integer convolution, grouped, strided, dilated, padded with the input's
 * zero point (zero after the zero point is subtracted); the geometry is as
 * rt_conv_params (x [n, c, in...], w [m, c / group, k...], y [n, m, out...]).
 *   acc[m] = b[m] + sum (x - x_zp) * (w - w_zp[m])
 * then, by ytype: I32 y = acc; U8 / I8 y = requantized acc (see above, with
 * w_scale[m]); F32 y = (float)acc * (x_scale * w_scale[m]), the dequantized
 * value. relu clamps the result at y_zp (U8 / I8) or 0 (F32) and must be 0
 * for I32. w_scale and w_zp have m entries when w_per_channel, else one. */
typedef struct {
    int n, c, m, group;
    int64_t in[RT_SPATIAL], out[RT_SPATIAL], k[RT_SPATIAL];
    int64_t stride[RT_SPATIAL], pad[RT_SPATIAL], dilation[RT_SPATIAL];
    rt_qtype xtype, wtype, ytype;
    int w_per_channel;
    int relu;
} rt_qconv_params;

/* QLinearConv (and the fused QDQ convolution): b may be NULL. */
void rt_qlinear_conv_forward(void *y, const void *x, const float *x_scale, const void *x_zp,
                             const void *w, const float *w_scale, const void *w_zp,
                             const float *y_scale, const void *y_zp, const int32_t *b,
                             const rt_qconv_params *p);
/* ConvInteger: ytype I32, no scales, no bias. */
void rt_conv_integer_forward(int32_t *y, const void *x, const void *x_zp, const void *w,
                             const void *w_zp, const rt_qconv_params *p);

/* Integer batched matrix product with broadcast batch axes (batch geometry as
 * rt_matmul_params): for each batch, a [m, k], b [k, n], y [m, n],
 *   acc[i][j] = b_bias[j] + sum_k (a[i][k] - a_zp[i]) * (b[k][j] - b_zp[j])
 * then by ytype as for rt_qconv_params (multiplier a_scale * b_scale[j] /
 * y_scale). a_zp has m entries when a_per_row (MatMulInteger), else one;
 * b_zp and b_scale have n entries when b_per_col, else one. */
typedef struct {
    int batch_ndim;
    int64_t batch[RT_MAX_DIMS];
    int64_t a_bstride[RT_MAX_DIMS];
    int64_t b_bstride[RT_MAX_DIMS];
    int64_t m, n, k;
    rt_qtype atype, btype, ytype;
    int a_per_row, b_per_col;
    int relu;
} rt_qmatmul_params;

/* QLinearMatMul (and the fused QDQ MatMul / Gemm, with a bias of n int32). */
void rt_qlinear_matmul_forward(void *y, const void *a, const float *a_scale, const void *a_zp,
                               const void *b, const float *b_scale, const void *b_zp,
                               const float *y_scale, const void *y_zp, const int32_t *bias,
                               const rt_qmatmul_params *p);
/* MatMulInteger: ytype I32, no scales, no bias. */
void rt_matmul_integer_forward(int32_t *y, const void *a, const void *a_zp, const void *b,
                               const void *b_zp, const rt_qmatmul_params *p);

/* Max pooling of a quantized tensor (U8 or I8), the geometry as
 * rt_maxpool_forward: max commutes with the monotone dequantization, so a
 * DequantizeLinear -> MaxPool -> QuantizeLinear chain with one scale and zero
 * point is this kernel on the integers. A window with no tap inside the input
 * gives the type's minimum. */
typedef struct {
    rt_pool_params pool;
    rt_qtype type;
} rt_qpool_params;

void rt_qmaxpool_forward(void *y, const void *x, const rt_qpool_params *p);

/* ================================================================ Lp (lp.c) */

/* LpPool: y = (sum over the window's taps inside the input of |x|^p)^(1/p),
 * padding counting as zeros; the window geometry as rt_pool_params. */
typedef struct {
    rt_pool_params pool;
    float p;
} rt_lppool_params;

void rt_lppool_forward(float *y, const float *x, const rt_lppool_params *p);

/* LpNormalization: x viewed as [outer, len, inner], each run along len
 * divided by its Lp norm (p 1 or 2); a zero norm gives 0/0 = NaN. */
typedef struct {
    int64_t outer, len, inner;
    float p;
} rt_lpnorm_params;

void rt_lpnorm_forward(float *y, const float *x, const rt_lpnorm_params *p);

/* The same kernels for double data (types3), and MeanVarianceNormalization
 * in double (runtime/more.c). */
void rt_lppool_forward_f64(double *y, const double *x, const rt_lppool_params *p);
void rt_lpnorm_forward_f64(double *y, const double *x, const rt_lpnorm_params *p);
void rt_mvn_forward_f64(double *y, const double *x, const rt_reduce_ext_params *p);

/* bnfold: BatchNormalization (frozen statistics, as training runs it)
 * folded into the convolution that feeds it. With a = scale / sqrt(var +
 * eps) per output channel m (p->c channels; p->size = c / group * k...
 * weights a filter; p->eps; p->n is ignored):
 *   rt_bn_fold           wf[m] = a[m] * w[m],
 *                        bf[m] = a[m] * (b[m] - mean[m]) + bias[m]
 *                        (b, the convolution's bias, may be NULL: 0), so
 *                        conv(x, wf) + bf = bn(conv(x, w) + b).
 *   rt_bn_fold_backward  given dwf, dbf (the convolution's backward run with
 *                        wf: its dw and db), accumulates
 *                        dw += a * dwf,  db += a * dbf,  dbias += dbf,
 *                        dscale += (<w[m], dwf[m]> + (b[m] - mean[m]) dbf[m])
 *                                  / sqrt(var[m] + eps)
 *                        (the sum of dy * (z - mean) / sqrt(var + eps) over
 *                        the batch and positions, z = conv(x, w) + b, without
 *                        z). Any of dw, db, dscale, dbias may be NULL. */
void rt_bn_fold(float *wf, float *bf, const float *w, const float *b, const float *scale,
                const float *bias, const float *mean, const float *var,
                const rt_norm_params *p);
void rt_bn_fold_backward(float *dw, float *db, float *dscale, float *dbias, const float *dwf,
                         const float *dbf, const float *w, const float *b, const float *scale,
                         const float *mean, const float *var, const rt_norm_params *p);

#ifdef __cplusplus
}
#endif

#endif /* ONNXCC_RT_H */
