/*
 * ops.h - the per-op functions the op table (optable.c) points to, one
 * family per file: ops_nn.c (conv, pool, gemm, norms, softmax, reduce),
 * ops_elementwise.c (unary, binary, variadic), ops_shape.c (data movement,
 * constants and shape arithmetic).
 *
 * infer: validate attributes, input dtypes and shapes, then set each
 *        output's dtype and shape with cc_set_shape (reading constant inputs
 *        where the output shape depends on them). Ops whose output is always
 *        known at compile time (Constant, Shape, ConstantOfShape) also set
 *        out->data here.
 * lower: append the runtime kernel calls computing the outputs (args[0] is
 *        the output tensor, then the inputs in the kernel's order).
 * Both report bad input with cc_node_fail(d, g, n, CC_ERR_MODEL or
 * CC_ERR_UNSUPPORTED, "..."), one line, naming what is wrong.
 */
#ifndef CC_OPS_H
#define CC_OPS_H

#include "cc.h"

#define CC_OP_FNS(op) \
    cc_status cc_infer_##op(cc_graph *g, cc_node *n, cc_diag *d); \
    cc_status cc_lower_##op(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d);

/* ops_nn.c */
CC_OP_FNS(conv)
CC_OP_FNS(conv_transpose)
CC_OP_FNS(maxpool)
CC_OP_FNS(avgpool)
CC_OP_FNS(global_pool)
CC_OP_FNS(lppool)
CC_OP_FNS(lpnorm)
CC_OP_FNS(gemm)
CC_OP_FNS(matmul)
CC_OP_FNS(batchnorm)
CC_OP_FNS(instancenorm)
CC_OP_FNS(lrn)
CC_OP_FNS(softmax)
CC_OP_FNS(reduce)

/* ops_elementwise.c */
CC_OP_FNS(unary)
CC_OP_FNS(binary)
CC_OP_FNS(variadic)
CC_OP_FNS(clip)

/* ops_shape.c */
CC_OP_FNS(flatten)
CC_OP_FNS(reshape)
CC_OP_FNS(squeeze)
CC_OP_FNS(unsqueeze)
CC_OP_FNS(identity)
CC_OP_FNS(transpose)
CC_OP_FNS(concat)
CC_OP_FNS(split)
CC_OP_FNS(slice)
CC_OP_FNS(pad)
CC_OP_FNS(constant)
CC_OP_FNS(constant_of_shape)
CC_OP_FNS(shape)
CC_OP_FNS(gather)
CC_OP_FNS(cast)

/* ops_more.c */
CC_OP_FNS(math)
CC_OP_FNS(reduce_more)
CC_OP_FNS(arg)
CC_OP_FNS(hardmax)
CC_OP_FNS(layernorm)
CC_OP_FNS(mvn)
CC_OP_FNS(expand)
CC_OP_FNS(tile)
CC_OP_FNS(depth_space)
CC_OP_FNS(gather_elements)
CC_OP_FNS(trilu)
CC_OP_FNS(size)
CC_OP_FNS(range)

/* ops_signal.c */
CC_OP_FNS(dft)
CC_OP_FNS(stft)
CC_OP_FNS(mel)
CC_OP_FNS(window)
CC_OP_FNS(einsum)
/* ops_ext.c */
CC_OP_FNS(loss)
CC_OP_FNS(resize)
CC_OP_FNS(scatter_elements)
CC_OP_FNS(scatternd)
CC_OP_FNS(gathernd)
CC_OP_FNS(topk)
CC_OP_FNS(onehot)
CC_OP_FNS(maxunpool)
CC_OP_FNS(shrink)
CC_OP_FNS(reverse_sequence)
CC_OP_FNS(det)
CC_OP_FNS(gridsample)
CC_OP_FNS(roialign)

/* ops_rnn.c */
CC_OP_FNS(rnn)

/* ops_typed.c */
CC_OP_FNS(compare)
CC_OP_FNS(logic)
CC_OP_FNS(not)
CC_OP_FNS(bitshift)
CC_OP_FNS(mod)
CC_OP_FNS(where)
CC_OP_FNS(isnan_inf)
CC_OP_FNS(castlike)
CC_OP_FNS(cumsum)
CC_OP_FNS(compress)
CC_OP_FNS(nonzero)
CC_OP_FNS(eyelike)

/* ops_quant.c */
CC_OP_FNS(quantize)
CC_OP_FNS(dequantize)
CC_OP_FNS(dynquant)
CC_OP_FNS(conv_integer)
CC_OP_FNS(qlinear_conv)
CC_OP_FNS(matmul_integer)
CC_OP_FNS(qlinear_matmul)

#undef CC_OP_FNS

/* A kernel's temporary buffer of floats as an extra output of node n (slot
 * n->op->max_out, appended once; the planner places it in the arena and
 * constant folding allocates it like any output). ops_rnn.c. */
cc_status cc_add_scratch(cc_graph *g, cc_node *n, int64_t floats, cc_diag *d);

/* Quantization (ops_quant.c, fuse_quant.c). cc_quant_keep: a node constant
 * folding must leave alone (DequantizeLinear, so int8 weights stay int8 for
 * the QDQ fusion). cc_quant_maxpool_op: the internal MaxPool over int8 /
 * uint8 that the fusion leaves. cc_fuse_quant: rewrites the QDQ pattern that
 * starts or ends at n into an integer kernel; 1 when it did, 0 when the
 * pattern is not there, -1 when out of memory. */
int cc_quant_keep(const cc_node *n);
const cc_opdef *cc_quant_maxpool_op(void);
int cc_fuse_quant(cc_graph *g, cc_node *n);

/* Refuses (naming n and t) a tensor that is not of a numeric type: bool,
 * or a type onnxcc cannot hold. */
cc_status cc_need_numeric(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d);

/* The element-wise function a unary node computes (for fusing it into the
 * epilogue of its producer): 1 and the op with its parameters, or 0 when the
 * node is not a fusable unary function (e.g. Clip with run-time bounds). */
/* The [outer, len, inner] view of Softmax, LogSoftmax and Hardmax: before
 * opset 13 coerced to 2-D at axis (default 1), from 13 one axis (default -1). */
cc_status cc_softmax_geom(cc_graph *g, cc_node *n, rt_softmax_params *p, cc_diag *d);

int cc_unary_of(const cc_graph *g, const cc_node *n, rt_unary_op *op, float *alpha, float *beta);

#endif
