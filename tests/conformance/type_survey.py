#!/usr/bin/python3
"""type_survey.py - which element types each op of onnxcc's op table takes.

    tests/conformance/type_survey.py build/onnxcc [--node-path DIR] [--out DIR]
                                     [--ops A,B,...] [--jobs N] [--markdown]

For every op of `onnxcc ops` it reads the op's schema from onnx.defs (the
newest version onnxcc supports, at most opset 17: ONNX 1.12), and for each
type variable bound to an input (T, T1, Tind, ...) and each tensor type the
schema allows for it (strings and complex numbers left out), builds a
one-node model from the op's recipe below (shapes, attributes, constant
inputs) with the other type variables at a default (float, else int64).
ONNX Runtime (onnxruntime-node, run by type_survey_ort.js) computes the
reference outputs; the survey writes them as output_K.pb next to the
input_K.pb files and runs `onnxcc verify`. It prints, per op, the types that
pass, those onnxcc refuses (with the refusal) and those that fail.

References: a model ORT runs in the type itself is compared as is. bfloat16
(which onnxruntime-node cannot feed) and a float16 model ORT has no kernel
for are computed by ORT in float32 on the same (exactly representable)
inputs and rounded once to the type, which is the spec's "computed in float"
semantics. An integer or double case ORT has no kernel for has no reference
and is reported as such ("no ref").

Tolerances (verify's |actual - expected| <= atol + rtol |expected|): float32
and double the verify default (1e-5, 1e-4; the kernels compute in the type,
so the ORT difference is rounding order); float16 1e-3 + 1e-3 and bfloat16
1e-2 + 1e-2, one unit in the last place of the type (2^-10, 2^-7), since the
reference may round intermediate results the kernel keeps in float.
Integer outputs must match exactly (the default tolerance is below 1 for
the small values used).

Needs /usr/bin/python3 with onnx and numpy, node, and onnxruntime-node
(tests/bench/run.sh installs it under build/bench/node_modules; `make
test-types` does the same).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx import TensorProto as P
from onnx import helper, numpy_helper

OPSET_MAX = 17
HERE = os.path.dirname(os.path.abspath(__file__))

# onnx type string -> (TensorProto type, numpy dtype, onnxruntime-node type)
TYPES = {
    "tensor(float)": (P.FLOAT, np.float32, "float32"),
    "tensor(double)": (P.DOUBLE, np.float64, "float64"),
    "tensor(float16)": (P.FLOAT16, np.float16, "float16"),
    "tensor(bfloat16)": (P.BFLOAT16, np.float32, None),
    "tensor(int8)": (P.INT8, np.int8, "int8"),
    "tensor(int16)": (P.INT16, np.int16, "int16"),
    "tensor(int32)": (P.INT32, np.int32, "int32"),
    "tensor(int64)": (P.INT64, np.int64, "int64"),
    "tensor(uint8)": (P.UINT8, np.uint8, "uint8"),
    "tensor(uint16)": (P.UINT16, np.uint16, "uint16"),
    "tensor(uint32)": (P.UINT32, np.uint32, "uint32"),
    "tensor(uint64)": (P.UINT64, np.uint64, "uint64"),
    "tensor(bool)": (P.BOOL, np.bool_, "bool"),
}
SHORT = {t: t[7:-1] for t in TYPES}
PROTO_TO_STR = {v[0]: k for k, v in TYPES.items()}
FLOATS = ("tensor(float)", "tensor(double)", "tensor(float16)", "tensor(bfloat16)")


def bf16_round(a):
    """float32 values rounded to the nearest bfloat16 (ties to even)."""
    b = np.asarray(a, np.float32).view(np.uint32).astype(np.int64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return (b << 16).astype(np.uint32).view(np.float32)


# ------------------------------------------------------------ recipes
# An input spec: X(shape, kind) random data of the input's type; C(values)
# a constant (initializer) of the input's type; None leaves an optional
# input out. kind: "any" (floats in [-1, 1], integers in [-5, 5], unsigned
# in [0, 9]), "pos" (floats in [0.1, 1], integers in [1, 5]), "unit"
# (floats in [-0.9, 0.9], integers in [-1, 1]), "idx:LO:HI" integers in
# [LO, HI), "bool".


class X:
    def __init__(self, shape, kind="any"):
        self.shape, self.kind = list(shape), kind


class C:
    def __init__(self, values, shape=None):
        self.values = np.asarray(values)
        self.shape = list(self.values.shape) if shape is None else shape


S = [2, 3, 4]
IMG = [1, 2, 5, 5]


def R(inputs=None, attrs=None, nout=None, fix=None, vary=None, skip=None, tag=""):
    """One recipe; an op may have a list of them (tag names the variant)."""
    return dict(inputs=inputs, attrs=attrs or {}, nout=nout, fix=fix or {}, vary=vary,
                skip=skip, tag=tag)


RECIPES = {
    "Conv": R([X(IMG), X([3, 2, 3, 3]), X([3])]),
    "ConvTranspose": R([X(IMG), X([2, 3, 3, 3]), X([3])]),
    "MaxPool": R([X(IMG)], {"kernel_shape": [2, 2]}),
    "AveragePool": R([X(IMG)], {"kernel_shape": [2, 2]}),
    "GlobalAveragePool": R([X(IMG)]),
    "GlobalMaxPool": R([X(IMG)]),
    "LpPool": R([X(IMG)], {"kernel_shape": [2, 2]}),
    "GlobalLpPool": R([X(IMG)]),
    "Gemm": R([X([3, 4]), X([4, 5]), X([5])], {"alpha": 1.0, "beta": 1.0}),
    "MatMul": R([X([2, 3, 4]), X([4, 5])]),
    "BatchNormalization": R([X(IMG), X([2]), X([2]), X([2]), X([2], "pos")]),
    "InstanceNormalization": R([X(IMG), X([2]), X([2])]),
    "LRN": R([X(IMG)], {"size": 3}),
    "LpNormalization": R([X(S)]),
    "PRelu": R([X(S), X([4])]),
    "Clip": R([X(S), C(-0.5), C(0.5)]),
    "Sqrt": R([X(S, "pos")]),
    "Log": R([X(S, "pos")]),
    "Reciprocal": R([X(S, "pos")]),
    "Pow": R([X(S, "pos"), X(S, "unit")]),
    "Div": R([X(S), X(S, "pos")]),
    "Mod": R([X(S), X(S, "pos")], {"fmod": 1}),  # fmod 0 is for integers only
    "Max": R([X(S), X([4])]),
    "Min": R([X(S), X([4])]),
    "Sum": R([X(S), X([4])]),
    "Mean": R([X(S), X([4]), X(S)]),
    "ReduceMean": R([X(S)], {"axes": [1]}),
    "ReduceSum": R([X(S), C([1])]),
    "ReduceMax": R([X(S)], {"axes": [1]}),
    "ReduceMin": R([X(S)], {"axes": [1]}),
    "ReduceProd": R([X(S)], {"axes": [1]}),
    "ReduceL1": R([X(S)], {"axes": [1]}),
    "ReduceL2": R([X(S)], {"axes": [1]}),
    "ReduceLogSum": R([X(S, "pos")], {"axes": [1]}),
    "ReduceLogSumExp": R([X(S)], {"axes": [1]}),
    "ReduceSumSquare": R([X(S)], {"axes": [1]}),
    "Reshape": R([X(S), C([4, 6])]),
    "Squeeze": R([X([2, 1, 4]), C([1])]),
    "Unsqueeze": R([X(S), C([1])]),
    "Dropout": R([X(S)], nout=1),
    "Concat": R([X(S), X(S)], {"axis": 1}),
    "Split": R([X([2, 4]), C([1, 3])], {"axis": 1}, nout=2),
    "Slice": R([X(S), C([0, 1]), C([2, 3]), C([1, 2])]),
    "Pad": R([X(S), C([0, 1, 0, 0, 1, 2])]),
    "Constant": R(skip="no input: its value's type is the attribute's"),
    "ConstantOfShape": R([C([2, 3])], {"value": "VALUE"}, fix={}),
    "Gather": R([X(S), X([2, 2], "idx:0:2")], {"axis": 0}),
    "Cast": R([X(S, "unit")], {"to": P.FLOAT}),
    "Asin": R([X(S, "unit")]),
    "Acos": R([X(S, "unit")]),
    "Atanh": R([X(S, "unit")]),
    "Acosh": R([X(S, "acosh")]),
    "ArgMax": R([X(S)], {"axis": 1}),
    "ArgMin": R([X(S)], {"axis": 1}),
    "GatherElements": R([X(S), X(S, "idx:0:2")], {"axis": 0}),
    "LayerNormalization": R([X(S), X([4]), X([4])]),
    "MeanVarianceNormalization": R([X(IMG)]),
    "Expand": R([X([3, 1]), C([2, 3, 4])]),
    "Tile": R([X(S), C([1, 2, 1])]),
    "DepthToSpace": R([X([1, 4, 2, 3])], {"blocksize": 2}),
    "SpaceToDepth": R([X([1, 2, 4, 6])], {"blocksize": 2}),
    "Range": R([C(1), C(9), C(2)]),
    "DFT": R([X([1, 8, 1])], {"onesided": 0}),
    "STFT": R([X([1, 16, 1]), C(4), C(np.ones(8)), C(8)]),
    "MelWeightMatrix": R([C(8), C(16), C(8000), C(100), C(3000)]),
    "HannWindow": R([C(8)]),
    "HammingWindow": R([C(8)]),
    "BlackmanWindow": R([C(8)]),
    "Einsum": R([X([2, 3]), X([3, 4])], {"equation": "ij,jk->ik"}),
    "NegativeLogLikelihoodLoss": R([X([2, 3]), X([2], "idx:0:3")]),
    "SoftmaxCrossEntropyLoss": R([X([2, 3]), X([2], "idx:0:3")]),
    "Resize": [R([X(IMG), C([]), C([1, 1, 2, 2])], {"mode": "nearest"}),
               R([X(IMG), C([]), C([1, 1, 2, 2])], {"mode": "linear"}, tag="linear"),
               R([X(IMG), C([]), C([1, 1, 2, 2])], {"mode": "cubic"}, tag="cubic")],
    "Upsample": R([X(IMG), C([1, 1, 2, 2])], {"mode": "nearest"}),
    "GridSample": R([X(IMG), X([1, 3, 3, 2], "unit")]),
    "RoiAlign": R([X(IMG), C([[0.0, 0.0, 3.0, 3.0]]), C([0])],
                  {"output_height": 2, "output_width": 2}),
    "ScatterElements": R([X(S), X([1, 3, 4], "idx:0:2"), X([1, 3, 4])], {"axis": 0}),
    "Scatter": R([X(S), X([1, 3, 4], "idx:0:2"), X([1, 3, 4])], {"axis": 0}),
    "ScatterND": R([X(S), C([[1], [0]]), X([2, 3, 4])]),
    "GatherND": R([X(S), C([[1, 2], [0, 1]])]),
    "TopK": R([X([3, 5]), C([2])], {"axis": 1}, nout=2),
    "OneHot": R([X([2, 3], "idx:0:4"), C(4), X([2])]),
    "MaxUnpool": R([X([1, 1, 2, 2]), C([[[[0, 3], [10, 15]]]]), C([1, 1, 4, 4])],
                   {"kernel_shape": [2, 2], "strides": [2, 2]}),
    "Shrink": R([X(S)], {"lambd": 1.5, "bias": 1.0}),
    "ReverseSequence": R([X([4, 2, 3]), C([3, 2])]),
    "Det": R([X([2, 3, 3])]),
    "RNN": R([X([3, 2, 4]), X([1, 5, 4]), X([1, 5, 5]), None, X([2], "idx:1:4")],
             {"hidden_size": 5}, nout=2),
    "GRU": R([X([3, 2, 4]), X([1, 15, 4]), X([1, 15, 5]), None, X([2], "idx:1:4")],
             {"hidden_size": 5}, nout=2),
    "LSTM": R([X([3, 2, 4]), X([1, 20, 4]), X([1, 20, 5]), None, X([2], "idx:1:4")],
              {"hidden_size": 5}, nout=2),
    "BitShift": R([X(S, "idx:0:8"), X(S, "idx:0:3")], {"direction": "LEFT"}),
    "Where": R([X(S, "bool"), X(S), X(S)]),
    "CumSum": R([X(S), C(1)]),
    "Compress": R([X(S), C([True, False, True])], {"axis": 1}),
    "NonZero": R([X(S)]),
    "EyeLike": R([X([3, 4])]),
    "CastLike": R([X(S, "unit"), X([1])]),
    "Trilu": R([X([3, 4])]),
    "Size": R([X(S)]),
    "Shape": R([X(S)]),
    "Hardmax": R([X(S)]),
    "Flatten": R([X(S)]),
    "Transpose": R([X(S)]),
    "QuantizeLinear": R([X(S), C(0.05), X([], "idx:0:1")]),
    "DequantizeLinear": R([X(S), C(0.05), X([], "idx:0:1")]),
    "DynamicQuantizeLinear": R([X(S)], nout=3),
    "ConvInteger": R([X(IMG), X([3, 2, 3, 3])]),
    "MatMulInteger": R([X([3, 4]), X([4, 5])]),
    "QLinearConv": R([X(IMG), C(0.05), C(2), X([3, 2, 3, 3]), C(0.02), C(0), C(0.1), C(1)]),
    "QLinearMatMul": R([X([3, 4]), C(0.05), C(2), X([4, 5]), C(0.02), C(0), C(0.1), C(1)]),
}


# ------------------------------------------------------------ numpy references
# For integer cases ONNX Runtime has no kernel for, where the spec's answer
# is plain: fn(inputs by position, attrs) -> outputs. Integer arithmetic in
# numpy wraps around in the type, as the spec's integer types do.


def np_topk(v, a):
    x, k = v[0], int(v[1][0])
    axis = a.get("axis", -1) % x.ndim
    xm = np.moveaxis(x, axis, -1)
    idx = np.zeros(xm.shape[:-1] + (k,), np.int64)
    for pos in np.ndindex(*xm.shape[:-1]):
        row = [int(t) for t in xm[pos]]
        order = sorted(range(len(row)), key=lambda i: (-row[i], i) if a.get("largest", 1)
                       else (row[i], i))
        idx[pos] = order[:k]
    vals = np.take_along_axis(xm, idx, -1)
    return [np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)]


def np_reduce(f):
    def ref(v, a):
        axes = a.get("axes") or [int(t) for t in v[1]]
        return [f(v[0], tuple(axes)).astype(v[0].dtype)]
    return ref


def np_resize2_linear(x):
    """Resize of an integer tensor by 2 along its last two axes, linear,
    half_pixel: the interpolation in float64 (exact here: the weights are
    0.25 / 0.75 and the values small), then converted toward zero, as ONNX
    Runtime converts its float result for the integer types it has."""
    def axis(a, ax):
        n = a.shape[ax]
        pos = np.clip((np.arange(2 * n) + 0.5) / 2 - 0.5, 0, n - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        f = pos - lo
        shape = [1] * a.ndim
        shape[ax] = 2 * n
        f = f.reshape(shape)
        return np.take(a, lo, ax) * (1 - f) + np.take(a, hi, ax) * f
    y = axis(axis(x.astype(np.float64), 2), 3)
    return np.trunc(y).astype(x.dtype)


def np_depth_to_space(v, a):
    x, b = v[0], a["blocksize"]
    n, c, h, w = x.shape
    y = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    return [y.reshape(n, c // (b * b), h * b, w * b)]


def np_space_to_depth(v, a):
    x, b = v[0], a["blocksize"]
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4)
    return [y.reshape(n, c * b * b, h // b, w // b)]


def np_onehot(v, a):
    depth = int(v[1])
    idx = v[0].astype(np.float64).astype(np.int64)  # floating indices truncate
    idx = np.where(idx < 0, idx + depth, idx)
    hot = np.arange(depth) == idx[..., None]
    return [np.where(hot, v[2][1], v[2][0]).astype(v[2].dtype)]


NUMPY_REFS = {
    "Clip": lambda v, a: [np.clip(v[0], v[1], v[2]).astype(v[0].dtype)],
    "Pow": lambda v, a: [np.power(v[0].astype(np.float64), v[1]).astype(v[0].dtype)],
    "OneHot": np_onehot,
    # integer results of the floating formulas truncate (the ONNX reference's astype)
    "ReduceMean": np_reduce(lambda x, ax: np.mean(x, ax, keepdims=True)),
    "ReduceL2": np_reduce(lambda x, ax: np.sqrt(np.sum(x.astype(np.float64) ** 2, ax,
                                                       keepdims=True))),
    "ReduceLogSum": np_reduce(lambda x, ax: np.log(np.sum(x, ax, keepdims=True,
                                                          dtype=np.float64))),
    "ReduceLogSumExp": np_reduce(lambda x, ax: np.log(np.sum(np.exp(x.astype(np.float64)), ax,
                                                             keepdims=True))),
    "Gemm": lambda v, a: [(v[0] @ v[1] + v[2]).astype(v[0].dtype)],
    "TopK": np_topk,
    "ArgMax": lambda v, a: [np.argmax(v[0], a["axis"], keepdims=True).astype(np.int64)],
    "ArgMin": lambda v, a: [np.argmin(v[0], a["axis"], keepdims=True).astype(np.int64)],
    "Max": lambda v, a: [np.maximum(v[0], v[1])],
    "Min": lambda v, a: [np.minimum(v[0], v[1])],
    "ReduceSum": np_reduce(lambda x, ax: np.sum(x, ax, keepdims=True, dtype=x.dtype)),
    "ReduceMax": np_reduce(lambda x, ax: np.max(x, ax, keepdims=True)),
    "ReduceMin": np_reduce(lambda x, ax: np.min(x, ax, keepdims=True)),
    "ReduceProd": np_reduce(lambda x, ax: np.prod(x, ax, keepdims=True, dtype=x.dtype)),
    "ReduceSumSquare": np_reduce(lambda x, ax: np.sum(x * x, ax, keepdims=True, dtype=x.dtype)),
    "ReduceL1": np_reduce(lambda x, ax: np.sum(np.abs(x) if x.dtype.kind == "i" else x, ax,
                                               keepdims=True, dtype=x.dtype)),
    "DepthToSpace": np_depth_to_space,
    "SpaceToDepth": np_space_to_depth,
    "Trilu": lambda v, a: [np.triu(v[0])],
    "CumSum": lambda v, a: [np.cumsum(v[0], int(v[1]), dtype=v[0].dtype)],
    "Pad": lambda v, a: [np.pad(v[0], [(int(v[1][i]), int(v[1][i + 3])) for i in range(3)])],
    "Where": lambda v, a: [np.where(v[0], v[1], v[2])],
    "Relu": lambda v, a: [np.maximum(v[0], 0).astype(v[0].dtype)],
    "BitShift": lambda v, a: [(v[0] << v[1]).astype(v[0].dtype)],
    "EyeLike": lambda v, a: [np.eye(*v[0].shape, dtype=v[0].dtype)],
    "Einsum": lambda v, a: [np.einsum("ij,jk->ik", v[0], v[1]).astype(v[0].dtype)],
    "Upsample": lambda v, a: [v[0].repeat(2, 2).repeat(2, 3)],
    "Resize": lambda v, a: ([v[0].repeat(2, 2).repeat(2, 3)] if a["mode"] == "nearest" else
                            [np_resize2_linear(v[0])] if a["mode"] == "linear" and
                            v[0].dtype.kind in "iu" else 1 / 0),
    "PRelu": lambda v, a: [v[0]],  # unsigned: never negative
    # int32 x: the spec's saturate(round_half_even(x / y_scale) + y_zero_point),
    # x / y_scale in float64 as numpy divides int32 by float32
    "QuantizeLinear": lambda v, a: [np.clip(np.rint(v[0] / v[1]) + v[2],
                                            np.iinfo(v[2].dtype).min,
                                            np.iinfo(v[2].dtype).max).astype(v[2].dtype)],
}


# ------------------------------------------------------------ model building

def gen(rng, spec, tstr):
    """Random data for one X spec in type tstr (a numpy array; bfloat16
    values are float32 arrays already rounded to bfloat16)."""
    dt = TYPES[tstr][1]
    kind = spec.kind
    shape = spec.shape
    if tstr == "tensor(bool)" or kind == "bool":
        return rng.integers(0, 2, shape).astype(np.bool_)
    if kind.startswith("idx:"):
        lo, hi = (int(v) for v in kind.split(":")[1:])
        return rng.integers(lo, hi, shape).astype(dt)
    if tstr in FLOATS:
        lo, hi = {"any": (-1, 1), "pos": (0.1, 1), "unit": (-0.9, 0.9),
                  "acosh": (1.1, 3)}[kind]
        a = rng.uniform(lo, hi, shape)
        a = np.round(a * 64) / 64  # exact in every float type
        return (bf16_round(a) if tstr == "tensor(bfloat16)" else a.astype(dt))
    unsigned = tstr.startswith("tensor(uint")
    lo, hi = {"any": (0 if unsigned else -5, 10 if unsigned else 6), "pos": (1, 6),
              "unit": (0 if unsigned else -1, 2), "acosh": (1, 4)}[kind]
    return rng.integers(lo, hi, shape).astype(dt)


def to_proto(name, a, tstr):
    if tstr == "tensor(bfloat16)":
        t = P()
        t.name = name
        t.data_type = P.BFLOAT16
        t.dims.extend(a.shape)
        t.raw_data = (np.asarray(a, np.float32).view(np.uint32) >> 16).astype(
            "<u2").tobytes()
        return t
    return numpy_helper.from_array(np.asarray(a, TYPES[tstr][1]), name)


def var_types(schema):
    """{type variable: allowed tensor types we survey} and the variables
    bound to inputs, in input order."""
    allowed = {c.type_param_str: [t for t in c.allowed_type_strs if t in TYPES]
               for c in schema.type_constraints}
    in_vars = []
    for f in schema.inputs:
        if f.typeStr in allowed and f.typeStr not in in_vars:
            in_vars.append(f.typeStr)
    return allowed, in_vars


def default_type(allowed, recipe, var):
    if var in recipe["fix"]:
        return recipe["fix"][var]
    for t in ("tensor(float)", "tensor(int64)"):
        if t in allowed[var]:
            return t
    return allowed[var][0]


def build(op, schema, opset, recipe, types, rng, bf16_as_float):
    """The one-node model (ModelProto) and its feeds [(name, array, tstr)]."""
    specs = recipe["inputs"]
    if specs is None:
        specs = []
        for f in schema.inputs:
            if f.option == onnx.defs.OpSchema.FormalParameterOption.Optional:
                break
            specs += [X(S)] * (2 if f.option == onnx.defs.OpSchema.FormalParameterOption.Variadic
                               else 1)
    names, ins, inits, feeds, allv = [], [], [], [], []
    for k, spec in enumerate(specs):
        f = schema.inputs[min(k, len(schema.inputs) - 1)]
        if spec is None:
            names.append("")
            allv.append(None)
            continue
        tstr = types.get(f.typeStr, f.typeStr)
        if tstr not in TYPES:
            return None, None
        twin = bf16_as_float and tstr in FLOATS
        ptype = P.FLOAT if twin else TYPES[tstr][0]
        name = "in%d" % k
        names.append(name)
        if isinstance(spec, C):
            v = spec.values
            a = (bf16_round(v) if tstr == "tensor(bfloat16)" else v.astype(TYPES[tstr][1]))
            t = to_proto(name, np.asarray(a).reshape(spec.shape), tstr)
            if twin:
                t = numpy_helper.from_array(np.asarray(a, np.float32).reshape(spec.shape), name)
            inits.append(t)
            allv.append(np.asarray(a).reshape(spec.shape))
        else:
            a = gen(rng, spec, tstr)
            feeds.append((name, a, tstr))
            allv.append(a)
            ins.append(helper.make_tensor_value_info(name, ptype, spec.shape))
    while names and names[-1] == "":
        names.pop()
    nout = recipe["nout"]
    if nout is None:
        nout = 0
        for f in schema.outputs:
            if f.option == onnx.defs.OpSchema.FormalParameterOption.Optional:
                break
            nout += 1
    outs = ["out%d" % k for k in range(nout)]
    attrs = dict(recipe["attrs"])
    if attrs.get("value") == "VALUE":  # ConstantOfShape: the value's type is T2
        t2 = types.get("T2", "tensor(float)")
        v = np.ones([1], TYPES[t2][1]) * (1 if t2 == "tensor(bool)" else 3)
        attrs["value"] = to_proto("value", v, t2)
        if bf16_as_float and t2 in FLOATS:
            attrs["value"] = numpy_helper.from_array(v.astype(np.float32), "value")
    node = helper.make_node(op, names, outs, **attrs)
    graph = helper.make_graph([node], op.lower(), ins, [onnx.ValueInfoProto(name=o) for o in outs],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="type_survey")
    model.ir_version = 8
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    return model, feeds, allv


# ------------------------------------------------------------ the survey

def cases_of(op, since, until):
    """[(label, case dict)] for one op of the op table, or a skip reason."""
    opset = min(until, OPSET_MAX)
    schema = onnx.defs.get_schema(op, opset, "")
    if schema.since_version < since:
        return "the schema in force at opset %d is older than onnxcc's opset %d" % (opset, since)
    recipes = RECIPES.get(op, R())
    recipes = recipes if isinstance(recipes, list) else [recipes]
    if recipes[0]["skip"]:
        return recipes[0]["skip"]
    out = []
    for recipe in recipes:
        out += cases_of_recipe(op, opset, schema, recipe)
    return out


def cases_of_recipe(op, opset, schema, recipe):
    """[(label, case dict)] for one recipe of an op."""
    allowed, in_vars = var_types(schema)
    if op == "ConstantOfShape":
        in_vars = in_vars + ["T2"]
    if op == "Cast":
        in_vars = ["T1"]
    vary = recipe["vary"] or in_vars
    base = {v: default_type(allowed, recipe, v) for v in allowed if allowed[v]}
    out, seen = [], set()
    for v in vary:
        for t in allowed[v]:
            types = dict(base)
            types[v] = t
            key = tuple(sorted(types.items()))
            if key in seen:
                continue
            seen.add(key)
            label = ",".join("%s=%s" % (w, SHORT[types[w]]) for w in vary)
            if len(vary) == 1:
                label = SHORT[t]
            if recipe["tag"]:
                label += "(%s)" % recipe["tag"]
            out.append((label, dict(op=op, opset=opset, schema=schema, recipe=recipe,
                                    types=types, var=v, t=t)))
    return out


def tolerance(case):
    ts = set(case["types"][v] for v in case["types"])
    if "tensor(bfloat16)" in ts:
        return ["--atol", "1e-2", "--rtol", "1e-2"]
    if "tensor(float16)" in ts:
        return ["--atol", "1e-3", "--rtol", "1e-3"]
    return []


def write_case(case, d):
    """The case's model.onnx, input_K.pb and the ORT job(s)."""
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(zlib.crc32(("%s %s %s %s" % (case["op"], case["var"], case["t"],
                                                             case["recipe"]["tag"])).encode()))
    seed = int(rng.integers(2**31))
    try:
        model, feeds, allv = build(case["op"], case["schema"], case["opset"], case["recipe"],
                             case["types"], np.random.default_rng(seed), False)
    except Exception as e:  # noqa: BLE001 - an invalid model is a recipe problem
        case["recipe_error"] = str(e).split("\n")[0][:200]
        return []
    onnx.save(model, os.path.join(d, "model.onnx"))
    case["feeds"] = feeds
    case["allv"] = allv
    for k, (name, a, tstr) in enumerate(feeds):
        with open(os.path.join(d, "input_%d.pb" % k), "wb") as f:
            f.write(to_proto(name, a, tstr).SerializeToString())
    case["outtypes"] = [PROTO_TO_STR.get(o.type.tensor_type.elem_type)
                        for o in model.graph.output]
    jobs = []
    half = any(t == "tensor(bfloat16)" for t in case["types"].values())
    if not half:
        jobs.append(ort_job(d, "model.onnx", feeds, "ort"))
    # the float32 twin: bfloat16 always, float16 and double when ORT lacks
    # the kernel
    if any(t in FLOATS[1:] for t in case["types"].values()):
        try:
            tm, tf, _ = build(case["op"], case["schema"], case["opset"], case["recipe"], case["types"],
                           np.random.default_rng(seed), True)
        except Exception:  # noqa: BLE001 - then there is no twin reference
            return jobs
        # same draws: the inputs are the case's own values (exact in float)
        tf = [(n, np.asarray(a0, np.float32), t) for (n, a0, t), (_, _, _) in
              zip(feeds, tf)]
        onnx.save(tm, os.path.join(d, "twin.onnx"))
        jobs.append(ort_job(d, "twin.onnx", tf, "twin", as_float=True))
    return jobs


def ort_job(d, model, feeds, tag, as_float=False):
    sub = os.path.join(d, tag)
    os.makedirs(sub, exist_ok=True)
    inputs = []
    for k, (name, a, tstr) in enumerate(feeds):
        file = os.path.join(sub, "in_%d.raw" % k)
        if as_float and tstr in FLOATS:
            a, ty = np.asarray(a, np.float32), "float32"
        else:
            ty = TYPES[tstr][2]
            a = np.asarray(a, TYPES[tstr][1])
        with open(file, "wb") as f:
            f.write(np.ascontiguousarray(a).tobytes())
        inputs.append(dict(name=name, type=ty, dims=list(a.shape), file=file))
    return dict(model=os.path.join(d, model), inputs=inputs, outdir=sub)


NP_OF_ORT = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
             "int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16,
             "int32": np.int32, "uint32": np.uint32, "int64": np.int64, "uint64": np.uint64,
             "bool": np.bool_}


def read_ort(sub):
    with open(os.path.join(sub, "ort.json")) as f:
        r = json.load(f)
    if "error" in r:
        return None, r["error"]
    outs = []
    for o in r["outputs"]:
        a = np.fromfile(o["file"], NP_OF_ORT[o["type"]]).reshape(o["dims"])
        outs.append(a)
    return outs, None


def reference(case, d):
    """Writes output_K.pb; returns None or the reason there is no reference."""
    outs, err = (None, "bfloat16")
    if os.path.exists(os.path.join(d, "ort", "ort.json")):
        outs, err = read_ort(os.path.join(d, "ort"))
    via = "ort"
    if outs is None and os.path.exists(os.path.join(d, "twin", "ort.json")):
        outs, err2 = read_ort(os.path.join(d, "twin"))
        via = "float32 twin"
        if outs is None:
            err = err2
    if outs is None and case["op"] in NUMPY_REFS and not any(
            t in FLOATS for t in case["types"].values() if t != "tensor(float)"):
        try:
            outs = NUMPY_REFS[case["op"]](case["allv"], case["recipe"]["attrs"])
            via = "numpy"
        except Exception as e:  # noqa: BLE001 - the reference does not apply
            err = "numpy: " + str(e)
    if outs is None:
        return "ORT: " + err.split(" failed:", 1)[-1].replace(case["dir"], "")
    for k, (a, tstr) in enumerate(zip(outs, case["outtypes"])):
        if tstr == "tensor(bfloat16)":
            a = bf16_round(a)
        elif tstr == "tensor(float16)":
            a = np.asarray(a, np.float32).astype(np.float16)
        elif tstr in TYPES:
            a = a.astype(TYPES[tstr][1])
        elif tstr is None:
            return "an output type without reference"
        with open(os.path.join(d, "output_%d.pb" % k), "wb") as f:
            f.write(to_proto("out%d" % k, a, tstr).SerializeToString())
    case["via"] = via
    return None


def compile_only(onnxcc, d):
    """("refused", message) when onnxcc refuses the model, else ("ok", "")."""
    p = subprocess.run([onnxcc, "compile", os.path.join(d, "model.onnx"), "-o",
                        os.path.join(d, "model.c")], capture_output=True, text=True, timeout=300)
    if p.returncode == 2 and "unsupported" in p.stderr:
        line = [x for x in p.stderr.split("\n") if "unsupported" in x][0]
        return "refused", line.split("unsupported: ", 1)[-1].split("model.onnx: ", 1)[-1]
    return "ok", ""


def verify(onnxcc, case, d):
    cmd = [onnxcc, "verify", "--const-inputs", os.path.join(d, "model.onnx"), d] + tolerance(case)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    msg = (p.stderr.strip().split("\n") or [""])[-1]
    if p.returncode == 0:
        if case["via"] == "numpy":
            return "passnp", ""
        return ("pass" if case["via"] == "ort" or "tensor(double)" not in case["types"].values()
                else "pass32"), ""
    if p.returncode == 2 and "unsupported" in p.stderr:
        line = [x for x in p.stderr.split("\n") if "unsupported" in x][0]
        line = line.split("unsupported: ", 1)[-1]
        return "refused", line.split("model.onnx: ", 1)[-1]
    return "fail", (msg or p.stdout.strip().split("\n")[-1])[:300]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("onnxcc")
    ap.add_argument("--node-path", default="build/bench/node_modules")
    ap.add_argument("--out", default="build/types")
    ap.add_argument("--ops", default="")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--markdown", action="store_true", help="the summary as README text")
    args = ap.parse_args()
    onnxcc = os.path.abspath(args.onnxcc)
    table = []
    for line in subprocess.run([onnxcc, "ops"], capture_output=True, text=True,
                               check=True).stdout.split("\n"):
        if line.strip():
            name, _, rng = line.split()
            a, b = rng.split("-")
            table.append((name, int(a), int(b)))
    only = set(args.ops.split(",")) - {""}
    if only:
        table = [t for t in table if t[0] in only]
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    skipped, cases, jobs = [], [], []
    for op, a, b in table:
        cs = cases_of(op, a, b)
        if isinstance(cs, str):
            skipped.append((op, cs))
            continue
        for label, case in cs:
            d = os.path.abspath(os.path.join(args.out, op, re.sub(r"[,=()]", "_", label)))
            case["dir"], case["label"] = d, label
            jobs += write_case(case, d)
            cases.append(case)
    jf = os.path.join(args.out, "jobs.json")
    with open(jf, "w") as f:
        json.dump(jobs, f)
    env = dict(os.environ, NODE_PATH=os.path.abspath(args.node_path))
    subprocess.run(["node", os.path.join(HERE, "type_survey_ort.js"), jf], env=env, check=True)

    def one(case):
        if "recipe_error" in case:
            return "recipe", case["recipe_error"]
        why = reference(case, case["dir"])
        if why:
            st, msg = compile_only(onnxcc, case["dir"])
            return ("refused", msg + " [" + why + "]") if st == "refused" else ("noref", why)
        return verify(onnxcc, case, case["dir"])

    with ThreadPoolExecutor(args.jobs) as ex:
        results = list(ex.map(one, cases))
    report(table, cases, results, skipped, args.markdown)
    return 1 if any(r[0] in ("fail", "recipe") for r in results) else 0


def report(table, cases, results, skipped, markdown):
    by_op = {}
    for case, (st, msg) in zip(cases, results):
        by_op.setdefault(case["op"], []).append((case["label"], st, msg))
    counts = {}
    for op, _, _ in table:
        rs = by_op.get(op)
        if not rs:
            continue
        line = []
        for st in ("pass", "pass32", "passnp", "refused", "noref", "fail", "recipe"):
            sel = [r for r in rs if r[1] == st]
            counts[st] = counts.get(st, 0) + len(sel)
            if not sel:
                continue
            if st == "pass":
                line.append("pass: " + " ".join(r[0] for r in sel))
            elif st == "passnp":
                line.append("pass against numpy (no ORT kernel): " + " ".join(r[0] for r in sel))
            elif st == "pass32":
                line.append("pass against ORT in float32: " + " ".join(r[0] for r in sel))
            else:
                # group the messages that differ only in the type's name
                groups = {}
                for lab, _, msg in sel:
                    key = re.sub(r"\b(u?int(8|16|32|64)|b?float(16)?|double|bool)\b", "TYPE",
                                 msg)
                    groups.setdefault(key, []).append(lab)
                for msg, labs in groups.items():
                    line.append("%s %s: %s" % (st, " ".join(labs), msg))
        if markdown:
            print("- %s: %s" % (op, "; ".join(line)))
        else:
            print("%-26s %s" % (op, ("\n" + " " * 27).join(line)))
    for op, why in skipped:
        print(("- %s: not surveyed (%s)" if markdown else "%-26s not surveyed: %s") % (op, why))
    print("type survey: %d op x type cases: %d pass (%d of them double against ORT's float32, "
          "%d against numpy), %d refused, %d without reference, %d failed, %d recipe errors"
          % (len(cases), counts.get("pass", 0) + counts.get("pass32", 0) + counts.get("passnp", 0),
             counts.get("pass32", 0), counts.get("passnp", 0),
                                           counts.get("refused", 0), counts.get("noref", 0),
                                           counts.get("fail", 0), counts.get("recipe", 0)))


if __name__ == "__main__":
    sys.exit(main())
