"""Small graphs over the element types other than float32, with numpy's
results as the reference (integer semantics written out here: C-style
truncating division, wrap-around, shifts past the width), written as
tests/data/edge/typed_*/ so that the CLI suite builds them warning-free
under gcc and clang and verifies them. Run with /usr/bin/python3."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "edge")

I32_MIN, I32_MAX = -2 ** 31, 2 ** 31 - 1


def wrap32(v):
    return ((int(v) + 2 ** 31) % 2 ** 32) - 2 ** 31


def trunc_div(a, b):
    if b == 0:
        return 0               # onnxcc's documented answer for x / 0
    q = abs(a) // abs(b)
    return wrap32(q if (a < 0) == (b < 0) else -q)


def save(name, graph, inputs, outputs, opset=13):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_typed")
    onnx.checker.check_model(m)
    d = os.path.join(HERE, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(m, os.path.join(d, "model.onnx"))
    for kind, vals in (("input", inputs), ("output", outputs)):
        for i, (nm, v) in enumerate(vals):
            t = numpy_helper.from_array(v, nm)
            with open(os.path.join(d, "test_data_set_0", "%s_%d.pb" % (kind, i)), "wb") as f:
                f.write(t.SerializeToString())


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def integers():
    a = np.array([[I32_MAX, -7, 7], [I32_MIN, 100, -1]], np.int32)
    c = np.array([-1, 2, -3], np.int32)
    b = np.array([[1, 0x81, 255], [3, 200, 16]], np.uint8)
    s = np.array([7, 1, 8], np.uint8)
    m = np.array([[True, False, True], [False, True, False]])
    inits = [numpy_helper.from_array(c, "c"), numpy_helper.from_array(s, "s"),
             numpy_helper.from_array(np.array(10, np.int32), "r0"),
             numpy_helper.from_array(np.array(-2, np.int32), "r1"),
             numpy_helper.from_array(np.array(-4, np.int32), "r2"),
             numpy_helper.from_array(np.array(-5, np.int32), "lo"),
             numpy_helper.from_array(np.array(100, np.int32), "hi"),
             numpy_helper.from_array(np.array([0, 0, 1, 2], np.int64), "pads"),
             numpy_helper.from_array(np.array([0], np.int64), "axes")]
    nodes = [
        helper.make_node("Range", ["r0", "r1", "r2"], ["r"]),
        helper.make_node("Add", ["a", "r"], ["add"]),
        helper.make_node("Div", ["a", "c"], ["div"]),
        helper.make_node("Mod", ["a", "c"], ["mod"]),
        helper.make_node("Mod", ["a", "c"], ["fmod"], fmod=1),
        helper.make_node("BitShift", ["b", "s"], ["shl"], direction="LEFT"),
        helper.make_node("Neg", ["a"], ["neg"]),
        helper.make_node("Where", ["m", "a", "neg"], ["where"]),
        helper.make_node("Greater", ["a", "c"], ["gt"]),
        helper.make_node("Clip", ["a", "lo", "hi"], ["clip"]),
        helper.make_node("Pad", ["b", "pads"], ["pad"], mode="reflect"),
        helper.make_node("Transpose", ["b"], ["tr"]),
        helper.make_node("ReduceSum", ["a", "axes"], ["rsum"], keepdims=0),
        # data movement of narrow types
        helper.make_node("Concat", ["b", "b"], ["cat"], axis=1),
        helper.make_node("Slice", ["a", "st", "en", "ax1", "step"], ["sl"]),
        helper.make_node("Expand", ["m", "eshape"], ["ex"]),
        helper.make_node("Tile", ["b", "reps"], ["tile"]),
        helper.make_node("Gather", ["a", "gi"], ["ga"], axis=1),
        helper.make_node("Gather", ["b", "gi32"], ["ga32"], axis=0),
        helper.make_node("Reshape", ["b", "rshape"], ["rs"]),
        helper.make_node("Compress", ["a", "cond"], ["cmp1"], axis=1),
        helper.make_node("Compress", ["b", "cond4"], ["cmp0"]),
        helper.make_node("NonZero", ["nzc"], ["nz"]),
        # constants folded at compile time through the typed kernels
        helper.make_node("Mul", ["c", "c"], ["cc"]),
        helper.make_node("Less", ["cc", "c"], ["ccl"]),
        helper.make_node("Where", ["ccl", "cc", "c"], ["ccw"]),
        helper.make_node("Sub", ["a", "ccw"], ["folded"]),
    ]
    inits += [numpy_helper.from_array(np.array([2], np.int64), "st"),
              numpy_helper.from_array(np.array([-4], np.int64), "en"),
              numpy_helper.from_array(np.array([1], np.int64), "ax1"),
              numpy_helper.from_array(np.array([-1], np.int64), "step"),
              numpy_helper.from_array(np.array([2, 2, 3], np.int64), "eshape"),
              numpy_helper.from_array(np.array([2, 1], np.int64), "reps"),
              numpy_helper.from_array(np.array([2, 0, 2], np.int64), "gi"),
              numpy_helper.from_array(np.array([3, 2], np.int64), "rshape"),
              numpy_helper.from_array(np.array([True, False, True]), "cond"),
              numpy_helper.from_array(np.array([False, True, True, False, True]), "cond4"),
              numpy_helper.from_array(np.array([[0, 3, 0], [-1, 0, 2]], np.int16), "nzc")]
    r = np.array([10, 6, 2], np.int32)
    add = np.array([[wrap32(x + y) for x, y in zip(row, r)] for row in a.tolist()], np.int32)
    div = np.array([[trunc_div(x, y) for x, y in zip(row, c.tolist())] for row in a.tolist()],
                   np.int32)
    mod = np.array([[0 if y in (0, -1) else int(np.mod(x, y)) for x, y in zip(row, c.tolist())]
                    for row in a.tolist()], np.int32)
    fmod = np.array([[0 if y in (0, -1) else int(np.fmod(x, y)) for x, y in
                      zip(row, c.tolist())] for row in a.tolist()], np.int32)
    shl = np.array([[(x << k) & 0xff if k < 8 else 0 for x, k in zip(row, s.tolist())]
                    for row in b.tolist()], np.uint8)
    neg = np.array([[wrap32(-x) for x in row] for row in a.tolist()], np.int32)
    where = np.where(m, a, neg)
    gt = a > c
    clip = np.clip(a, -5, 100).astype(np.int32)
    pad = np.pad(b, ((0, 1), (0, 2)), mode="reflect")
    rsum = np.array([wrap32(sum(col)) for col in zip(*a.tolist())], np.int32)
    gi32 = np.array([1, -2, 7], np.int32)   # run-time int32 indices; 7 is out of range
    ga32 = np.stack([b[1], b[0], np.zeros(3, np.uint8)])  # onnxcc: zeros out of range
    cc = c * c
    ccw = np.where(cc < c, cc, c)
    folded = np.array([[wrap32(x - y) for x, y in zip(row, ccw.tolist())] for row in a.tolist()],
                      np.int32)
    outs = [("add", add), ("div", div), ("mod", mod), ("fmod", fmod), ("shl", shl),
            ("where", where), ("gt", gt), ("clip", clip), ("pad", pad), ("tr", b.T.copy()),
            ("rsum", rsum), ("cat", np.concatenate([b, b], axis=1)), ("sl", a[:, 2::-1].copy()),
            ("ex", np.broadcast_to(m, (2, 2, 3)).copy()), ("tile", np.tile(b, (2, 1))),
            ("ga", a[:, [2, 0, 2]].copy()), ("rs", b.reshape(3, 2)), ("folded", folded),
            ("ga32", ga32),
            ("cmp1", np.compress([True, False, True], a, axis=1)),
            ("cmp0", np.compress([False, True, True, False, True], b)),
            ("nz", np.array(np.nonzero(np.array([[0, 3, 0], [-1, 0, 2]])), np.int64))]
    dt = {np.dtype(np.int32): TensorProto.INT32, np.dtype(np.uint8): TensorProto.UINT8,
          np.dtype(bool): TensorProto.BOOL, np.dtype(np.int64): TensorProto.INT64}
    g = helper.make_graph(
        nodes, "typed_int",
        [vi("a", TensorProto.INT32, [2, 3]), vi("b", TensorProto.UINT8, [2, 3]),
         vi("m", TensorProto.BOOL, [2, 3]), vi("gi32", TensorProto.INT32, [3])],
        [vi(n, dt[v.dtype], list(v.shape)) for n, v in outs], inits)
    save("typed_int", g, [("a", a), ("b", b), ("m", m), ("gi32", gi32)], outs)


def floats():
    h = np.array([2048, 1, -0.0, 65504, 0.1, 3], np.float16)
    one = np.array([1, 1, 1, 32, 1, 1], np.float16)   # 65504 + 32 rounds to inf
    dd = np.array([1e16, 1.0, -1e16, 2.0 ** -40], np.float64)
    inits = [numpy_helper.from_array(one, "one"),
             numpy_helper.from_array(np.array(0, np.int32), "axis")]
    nodes = [
        helper.make_node("Add", ["h", "one"], ["hadd"]),
        helper.make_node("Cast", ["h"], ["h32"], to=TensorProto.INT32),
        helper.make_node("Cast", ["dd"], ["d2h"], to=TensorProto.FLOAT16),
        helper.make_node("ReduceSum", ["dd"], ["dsum"], keepdims=0),
        helper.make_node("CumSum", ["dd", "axis"], ["dcum"]),
        helper.make_node("IsInf", ["hadd"], ["hinf"]),
        # float functions: double in double, float16 through float
        helper.make_node("Sigmoid", ["dd2"], ["dsig"]),
        helper.make_node("Exp", ["dd2"], ["dexp"]),
        helper.make_node("Softplus", ["dd2"], ["dsp"]),
        helper.make_node("Round", ["dd2"], ["dround"]),
        helper.make_node("Erf", ["dd2"], ["derf"]),
        helper.make_node("Relu", ["h2"], ["hrelu"]),
        helper.make_node("Sqrt", ["h2"], ["hsqrt"]),
        helper.make_node("Floor", ["h2"], ["hfloor"]),
    ]
    inits += [numpy_helper.from_array(np.array([-2.5, -0.5, 0.5, 1.5, 3.25, -40.0], np.float64),
                                      "dd2"),
              numpy_helper.from_array(np.array([-3, 0.25, 2, 9, 1.5, -0.0], np.float16), "h2")]
    hadd = (h + one).astype(np.float16)
    h32 = h.astype(np.float32).astype(np.int32)
    d2h = dd.astype(np.float16)
    dsum = np.array(((dd[0] + dd[1]) + dd[2]) + dd[3], np.float64)
    dcum = np.cumsum(dd)
    hinf = np.isinf(hadd)
    import math
    dd2 = np.array([-2.5, -0.5, 0.5, 1.5, 3.25, -40.0], np.float64)
    h2 = np.array([-3, 0.25, 2, 9, 1.5, -0.0], np.float16)
    dsig = 1 / (1 + np.exp(-dd2))
    dexp = np.exp(dd2)
    dsp = np.log1p(np.exp(dd2))
    dround = np.round(dd2)                     # halves to even
    derf = np.array([math.erf(v) for v in dd2])
    h2f = h2.astype(np.float32)
    hrelu = np.maximum(h2f, 0).astype(np.float16)
    with np.errstate(invalid="ignore"):
        hsqrt = np.sqrt(h2f).astype(np.float16)
    hfloor = np.floor(h2f).astype(np.float16)
    outs = [("hadd", hadd), ("h32", h32), ("d2h", d2h), ("dsum", dsum), ("dcum", dcum),
            ("hinf", hinf), ("dsig", dsig), ("dexp", dexp), ("dsp", dsp), ("dround", dround),
            ("derf", derf), ("hrelu", hrelu), ("hsqrt", hsqrt), ("hfloor", hfloor)]
    dt = {np.dtype(np.float16): TensorProto.FLOAT16, np.dtype(np.int32): TensorProto.INT32,
          np.dtype(np.float64): TensorProto.DOUBLE, np.dtype(bool): TensorProto.BOOL}
    g = helper.make_graph(
        nodes, "typed_float",
        [vi("h", TensorProto.FLOAT16, [6]), vi("dd", TensorProto.DOUBLE, [4])],
        [vi(n, dt[v.dtype], list(v.shape)) for n, v in outs], inits)
    save("typed_float", g, [("h", h), ("dd", dd)], outs)


def refused():
    """Valid models an op of which computes float32 only, given another
    type: onnxcc must refuse them naming the node and the tensor."""
    bad = os.path.join(os.path.dirname(HERE), "bad")
    # Erf allows the integer types in the ONNX schema, but onnxcc (as ONNX
    # Runtime) computes it for floating types only
    g = helper.make_graph([helper.make_node("Erf", ["x"], ["y"], name="erf_node")],
                          "erf_int", [vi("x", TensorProto.INT32, [4])],
                          [vi("y", TensorProto.INT32, [4])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(bad, "erf_int32.onnx"))
    # GridSample allows integer X (T1) with a floating grid, but onnxcc
    # samples floating types only (an interpolated integer's rounding is
    # not specified)
    g = helper.make_graph([helper.make_node("GridSample", ["x", "grid"], ["y"],
                                            name="gs_node")],
                          "gridsample_int32",
                          [vi("x", TensorProto.INT32, [1, 1, 2, 2]),
                           vi("grid", TensorProto.FLOAT, [1, 2, 2, 2])],
                          [vi("y", TensorProto.INT32, [1, 1, 2, 2])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)])
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(bad, "gridsample_int32.onnx"))


if __name__ == "__main__":
    integers()
    floats()
    refused()
