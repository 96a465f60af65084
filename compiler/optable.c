/*
 * optable.c - the one list of supported ops. Each row: ONNX name, the first
 * opset whose semantics we implement, the last opset it exists in, input
 * and output arity, and the family functions. cc_op_find, the unsupported-op
 * message, `onnxcc ops` and the README's op table all read this table.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

#define ROW(name, since, until, imin, imax, omin, omax, fam, alias, ew) \
    {name, since, until, imin, imax, omin, omax, cc_infer_##fam, cc_lower_##fam, alias, ew}
#define ANY CC_OPSET_MAX

static const cc_opdef ops[] = {
    /* convolution, pooling, dense */
    ROW("Conv", 1, ANY, 2, 3, 1, 1, conv, 0, 0),
    ROW("ConvTranspose", 1, ANY, 2, 3, 1, 1, conv_transpose, 0, 0),
    ROW("MaxPool", 1, ANY, 1, 1, 1, 2, maxpool, 0, 0),
    ROW("AveragePool", 1, ANY, 1, 1, 1, 1, avgpool, 0, 0),
    ROW("GlobalAveragePool", 1, ANY, 1, 1, 1, 1, global_pool, 0, 0),
    ROW("GlobalMaxPool", 1, ANY, 1, 1, 1, 1, global_pool, 0, 0),
    ROW("LpPool", 2, ANY, 1, 1, 1, 1, lppool, 0, 0),
    ROW("GlobalLpPool", 2, ANY, 1, 1, 1, 1, lppool, 0, 0),
    ROW("Gemm", 1, ANY, 2, 3, 1, 1, gemm, 0, 0),
    ROW("MatMul", 1, ANY, 2, 2, 1, 1, matmul, 0, 0),
    /* normalisation */
    ROW("BatchNormalization", 6, ANY, 5, 5, 1, 5, batchnorm, 0, 0),
    ROW("InstanceNormalization", 6, ANY, 3, 3, 1, 1, instancenorm, 0, 0),
    ROW("LRN", 1, ANY, 1, 1, 1, 1, lrn, 0, 0),
    ROW("LpNormalization", 1, ANY, 1, 1, 1, 1, lpnorm, 0, 0),
    ROW("Softmax", 1, ANY, 1, 1, 1, 1, softmax, 0, 0),
    ROW("LogSoftmax", 1, ANY, 1, 1, 1, 1, softmax, 0, 0),
    /* activations and unary math */
    ROW("Relu", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("LeakyRelu", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("PRelu", 1, ANY, 2, 2, 1, 1, binary, 0, 1),
    ROW("Elu", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Selu", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Sigmoid", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("HardSigmoid", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("HardSwish", 14, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Tanh", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Softplus", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Softsign", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Clip", 6, ANY, 1, 3, 1, 1, clip, 0, 1),
    ROW("Sqrt", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Exp", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Log", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Abs", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Neg", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    ROW("Reciprocal", 1, ANY, 1, 1, 1, 1, unary, 0, 1),
    /* binary and variadic arithmetic with broadcasting */
    ROW("Add", 1, ANY, 2, 2, 1, 1, binary, 0, 1),
    ROW("Sub", 1, ANY, 2, 2, 1, 1, binary, 0, 1),
    ROW("Mul", 1, ANY, 2, 2, 1, 1, binary, 0, 1),
    ROW("Div", 1, ANY, 2, 2, 1, 1, binary, 0, 1),
    ROW("Pow", 1, ANY, 2, 2, 1, 1, binary, 0, 1),
    ROW("Max", 1, ANY, 1, -1, 1, 1, variadic, 0, 1),
    ROW("Min", 1, ANY, 1, -1, 1, 1, variadic, 0, 1),
    ROW("Sum", 1, ANY, 1, -1, 1, 1, variadic, 0, 1),
    ROW("Mean", 1, ANY, 1, -1, 1, 1, variadic, 0, 1),
    /* reductions */
    ROW("ReduceMean", 1, ANY, 1, 2, 1, 1, reduce, 0, 0),
    ROW("ReduceSum", 1, ANY, 1, 2, 1, 1, reduce, 0, 0),
    ROW("ReduceMax", 1, ANY, 1, 2, 1, 1, reduce, 0, 0),
    /* shapes and data movement */
    ROW("Flatten", 1, ANY, 1, 1, 1, 1, flatten, 1, 0),
    ROW("Reshape", 5, ANY, 2, 2, 1, 1, reshape, 1, 0),
    ROW("Squeeze", 1, ANY, 1, 2, 1, 1, squeeze, 1, 0),
    ROW("Unsqueeze", 1, ANY, 1, 2, 1, 1, unsqueeze, 1, 0),
    ROW("Identity", 1, ANY, 1, 1, 1, 1, identity, 1, 0),
    ROW("Dropout", 1, ANY, 1, 3, 1, 2, identity, 1, 0),
    ROW("Transpose", 1, ANY, 1, 1, 1, 1, transpose, 0, 0),
    ROW("Concat", 4, ANY, 1, -1, 1, 1, concat, 0, 0),
    ROW("Split", 2, ANY, 1, 2, 1, -1, split, 0, 0),
    ROW("Slice", 1, ANY, 1, 5, 1, 1, slice, 0, 0),
    ROW("Pad", 2, ANY, 1, 3, 1, 1, pad, 0, 0),
    ROW("Constant", 1, ANY, 0, 0, 1, 1, constant, 0, 0),
    ROW("ConstantOfShape", 9, ANY, 1, 1, 1, 1, constant_of_shape, 0, 0),
    ROW("Shape", 1, ANY, 1, 1, 1, 1, shape, 0, 0),
    ROW("Gather", 1, ANY, 2, 2, 1, 1, gather, 0, 0),
    ROW("Cast", 6, ANY, 1, 1, 1, 1, cast, 0, 0),
    /* more element-wise math (ops_more.c) */
    ROW("Sin", 7, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Cos", 7, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Tan", 7, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Asin", 7, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Acos", 7, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Atan", 7, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Sinh", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Cosh", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Asinh", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Acosh", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Atanh", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Erf", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Floor", 6, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Ceil", 6, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Round", 11, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Sign", 9, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("ThresholdedRelu", 10, ANY, 1, 1, 1, 1, math, 0, 0),
    ROW("Celu", 12, ANY, 1, 1, 1, 1, math, 0, 0),
    /* more reductions and index ops (ops_more.c) */
    ROW("ReduceMin", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ReduceProd", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ReduceL1", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ReduceL2", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ReduceLogSum", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ReduceLogSumExp", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ReduceSumSquare", 1, ANY, 1, 1, 1, 1, reduce_more, 0, 0),
    ROW("ArgMax", 1, ANY, 1, 1, 1, 1, arg, 0, 0),
    ROW("ArgMin", 1, ANY, 1, 1, 1, 1, arg, 0, 0),
    ROW("Hardmax", 1, ANY, 1, 1, 1, 1, hardmax, 0, 0),
    ROW("GatherElements", 11, ANY, 2, 2, 1, 1, gather_elements, 0, 0),
    ROW("Trilu", 14, ANY, 1, 2, 1, 1, trilu, 0, 0),
    /* more normalisation (ops_more.c) */
    ROW("LayerNormalization", 17, ANY, 2, 3, 1, 3, layernorm, 0, 0),
    ROW("MeanVarianceNormalization", 9, ANY, 1, 1, 1, 1, mvn, 0, 0),
    /* more shapes and data movement (ops_more.c) */
    ROW("Expand", 8, ANY, 2, 2, 1, 1, expand, 0, 0),
    ROW("Tile", 6, ANY, 2, 2, 1, 1, tile, 0, 0),
    ROW("DepthToSpace", 1, ANY, 1, 1, 1, 1, depth_space, 0, 0),
    ROW("SpaceToDepth", 1, ANY, 1, 1, 1, 1, depth_space, 0, 0),
    ROW("Size", 1, ANY, 1, 1, 1, 1, size, 0, 0),
    ROW("Range", 11, ANY, 3, 3, 1, 1, range, 0, 0),
    /* signal processing and contractions (ops_signal.c) */
    ROW("DFT", 17, ANY, 1, 2, 1, 1, dft, 0, 0),
    ROW("STFT", 17, ANY, 2, 4, 1, 1, stft, 0, 0),
    ROW("MelWeightMatrix", 17, ANY, 5, 5, 1, 1, mel, 0, 0),
    ROW("HannWindow", 17, ANY, 1, 1, 1, 1, window, 0, 0),
    ROW("HammingWindow", 17, ANY, 1, 1, 1, 1, window, 0, 0),
    ROW("BlackmanWindow", 17, ANY, 1, 1, 1, 1, window, 0, 0),
    ROW("Einsum", 12, ANY, 1, -1, 1, 1, einsum, 0, 0),
    /* losses (ops_ext.c) */
    ROW("NegativeLogLikelihoodLoss", 12, ANY, 2, 3, 1, 1, loss, 0, 0),
    ROW("SoftmaxCrossEntropyLoss", 12, ANY, 2, 3, 1, 2, loss, 0, 0),
    /* resampling (ops_ext.c) */
    ROW("Resize", 10, ANY, 1, 4, 1, 1, resize, 0, 0),
    ROW("Upsample", 7, 9, 1, 2, 1, 1, resize, 0, 0),
    ROW("GridSample", 16, ANY, 2, 2, 1, 1, gridsample, 0, 0),
    ROW("RoiAlign", 10, ANY, 3, 3, 1, 1, roialign, 0, 0),
    /* indexing and misc (ops_ext.c) */
    ROW("ScatterElements", 11, ANY, 3, 3, 1, 1, scatter_elements, 0, 0),
    ROW("Scatter", 9, 10, 3, 3, 1, 1, scatter_elements, 0, 0),
    ROW("ScatterND", 11, ANY, 3, 3, 1, 1, scatternd, 0, 0),
    ROW("GatherND", 11, ANY, 2, 2, 1, 1, gathernd, 0, 0),
    ROW("TopK", 1, ANY, 1, 2, 1, 2, topk, 0, 0),
    ROW("OneHot", 9, ANY, 3, 3, 1, 1, onehot, 0, 0),
    ROW("MaxUnpool", 9, ANY, 2, 3, 1, 1, maxunpool, 0, 0),
    ROW("Shrink", 9, ANY, 1, 1, 1, 1, shrink, 0, 0),
    ROW("ReverseSequence", 10, ANY, 2, 2, 1, 1, reverse_sequence, 0, 0),
    ROW("Det", 11, ANY, 1, 1, 1, 1, det, 0, 0),
    /* recurrent layers (ops_rnn.c; the kernel's scratch is an extra output) */
    ROW("RNN", 7, ANY, 3, 6, 0, 2, rnn, 0, 0),
    ROW("GRU", 7, ANY, 3, 6, 0, 2, rnn, 0, 0),
    ROW("LSTM", 7, ANY, 3, 8, 0, 3, rnn, 0, 0),
    /* typed ops: comparisons, logic, bits, selection (ops_typed.c) */
    ROW("Equal", 7, ANY, 2, 2, 1, 1, compare, 0, 0),
    ROW("Less", 7, ANY, 2, 2, 1, 1, compare, 0, 0),
    ROW("Greater", 7, ANY, 2, 2, 1, 1, compare, 0, 0),
    ROW("LessOrEqual", 12, ANY, 2, 2, 1, 1, compare, 0, 0),
    ROW("GreaterOrEqual", 12, ANY, 2, 2, 1, 1, compare, 0, 0),
    ROW("And", 7, ANY, 2, 2, 1, 1, logic, 0, 0),
    ROW("Or", 7, ANY, 2, 2, 1, 1, logic, 0, 0),
    ROW("Xor", 7, ANY, 2, 2, 1, 1, logic, 0, 0),
    ROW("Not", 1, ANY, 1, 1, 1, 1, not, 0, 0),
    ROW("BitShift", 11, ANY, 2, 2, 1, 1, bitshift, 0, 0),
    ROW("Mod", 10, ANY, 2, 2, 1, 1, mod, 0, 0),
    ROW("Where", 9, ANY, 3, 3, 1, 1, where, 0, 0),
    ROW("IsNaN", 9, ANY, 1, 1, 1, 1, isnan_inf, 0, 0),
    ROW("IsInf", 10, ANY, 1, 1, 1, 1, isnan_inf, 0, 0),
    ROW("CastLike", 15, ANY, 2, 2, 1, 1, castlike, 0, 0),
    ROW("CumSum", 11, ANY, 2, 2, 1, 1, cumsum, 0, 0),
    ROW("Compress", 9, ANY, 2, 2, 1, 1, compress, 0, 0),
    ROW("NonZero", 9, ANY, 1, 1, 1, 1, nonzero, 0, 0),
    ROW("EyeLike", 9, ANY, 1, 1, 1, 1, eyelike, 0, 0),
    /* linear quantization (ops_quant.c) */
    ROW("QuantizeLinear", 10, ANY, 2, 3, 1, 1, quantize, 0, 0),
    ROW("DequantizeLinear", 10, ANY, 2, 3, 1, 1, dequantize, 0, 0),
    ROW("DynamicQuantizeLinear", 11, ANY, 1, 1, 3, 3, dynquant, 0, 0),
    ROW("ConvInteger", 10, ANY, 2, 4, 1, 1, conv_integer, 0, 0),
    ROW("MatMulInteger", 10, ANY, 2, 4, 1, 1, matmul_integer, 0, 0),
    ROW("QLinearConv", 10, ANY, 8, 9, 1, 1, qlinear_conv, 0, 0),
    ROW("QLinearMatMul", 10, ANY, 8, 8, 1, 1, qlinear_matmul, 0, 0),
};

#undef ROW
#undef ANY

const cc_opdef *cc_op_table(int *n)
{
    *n = (int)(sizeof ops / sizeof ops[0]);
    return ops;
}

const cc_opdef *cc_op_find(const char *name, int opset)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, name) == 0 && opset >= ops[i].since && opset <= ops[i].until)
            return &ops[i];
    return NULL;
}

const char *cc_op_list(char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0] && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ", %s" : "%s", ops[i].name);
    return buf;
}
