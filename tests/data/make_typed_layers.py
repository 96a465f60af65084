#!/usr/bin/env python3
"""Writes tests/data/typed_layers/: single-layer models (Conv, ConvTranspose,
Gemm, MatMul, pools, BatchNormalization, InstanceNormalization, Softmax,
LogSoftmax, Hardmax, ArgMax/ArgMin, ...; types4: BatchNormalization with
mixed types, LSTM, GRU and GridSample) in double, float16, bfloat16 and the
integer types ONNX allows for them, with numpy's results as the references:
computed in double from the inputs' exact values (float16 and bfloat16
results rounded to nearest even once, at the end), and integer products
with wrap-around written out here. Each case's directory holds "tol", the
verify options it is checked with (tests/models/run.sh): double must match
to 1e-12, float16 and bfloat16 to about one unit in their last place.
Run once with /usr/bin/python3; the outputs are committed.
"""
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typed_layers")
rng = np.random.default_rng(11)
# the epsilon attribute is a float: the kernels see float32(1e-5)
EPS = float(np.float32(1e-5))

TOL = {"f64": "--atol 1e-12 --rtol 1e-12", "f16": "--atol 2e-3 --rtol 2e-3",
       "bf16": "--atol 1.6e-2 --rtol 1.6e-2", "int": "--exact"}
ELEM = {"f64": TensorProto.DOUBLE, "f16": TensorProto.FLOAT16, "bf16": TensorProto.BFLOAT16,
        "i32": TensorProto.INT32, "i64": TensorProto.INT64, "u32": TensorProto.UINT32,
        "u64": TensorProto.UINT64, "f32": TensorProto.FLOAT}


def bf16_bits(v):
    """Round-to-nearest-even float64 -> bfloat16 bit patterns (via float32,
    exact for the values used here)."""
    u = np.asarray(v, np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def bf16_value(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def quantize(v, ty):
    """v (float64) as the values of type ty actually holds."""
    if ty == "f16":
        return v.astype(np.float16).astype(np.float64)
    if ty == "bf16":
        return bf16_value(bf16_bits(v))
    if ty == "f32":
        return v.astype(np.float32).astype(np.float64)
    return v


def tensor(name, v, ty):
    if ty == "bf16":
        t = TensorProto()
        t.name = name
        t.data_type = TensorProto.BFLOAT16
        t.dims.extend(v.shape)
        t.raw_data = bf16_bits(v).tobytes()
        return t
    np_t = {"f64": np.float64, "f16": np.float16, "i32": np.int32, "i64": np.int64,
            "u32": np.uint32, "u64": np.uint64, "idx": np.int64, "f32": np.float32}[ty]
    return numpy_helper.from_array(np.asarray(v).astype(np_t), name)


def save(name, nodes, ins, outs, tol, opset=13, inits=()):
    """ins / outs: (name, value, type); inits: (name, value, type) constants."""
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    elem = lambda ty: ELEM.get(ty, TensorProto.INT64)
    g = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(k, elem(t), v.shape) for k, v, t in ins],
        [helper.make_tensor_value_info(k, elem(t), v.shape) for k, v, t in outs],
        [tensor(k, v, t) for k, v, t in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, "model.onnx"))
    for kind, vals in (("input", ins), ("output", outs)):
        for i, (k, v, t) in enumerate(vals):
            with open(os.path.join(d, "test_data_set_0", "%s_%d.pb" % (kind, i)), "wb") as f:
                f.write(tensor(k, v, t).SerializeToString())
    with open(os.path.join(d, "tol"), "w") as f:
        f.write(tol + "\n")


def rnd(ty, *shape, scale=1.0):
    return quantize(rng.standard_normal(shape) * scale, ty)


# ------------------------------------------------------------ references

def conv_ref(x, w, b, stride, pads, dil, group):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]))
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x
    oh = (xp.shape[2] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xp.shape[3] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // group
    for o in range(m):
        g = o // mg
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * stride[0]:i * stride[0] + dil[0] * (kh - 1) + 1:dil[0],
                           j * stride[1]:j * stride[1] + dil[1] * (kw - 1) + 1:dil[1]]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3)) + (b[o] if b is not None else 0)
    return y


def conv_t_ref(x, w, b, stride, pads):
    n, c, h, wd = x.shape
    _, m, kh, kw = w.shape
    full = np.zeros((n, m, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum("nc,cmkl->nmkl", x[:, :, i, j], w)
    y = full[:, :, pads[0]:full.shape[2] - pads[2], pads[1]:full.shape[3] - pads[3]]
    return y + b[None, :, None, None]


def avgpool_ref(x, k, s, pads, include):
    n, c, h, w = x.shape
    oh = (h + pads[0] + pads[2] - k) // s + 1
    ow = (w + pads[1] + pads[3] - k) // s + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - pads[0], j * s - pads[1]
            r1, c1 = r0 + k, c0 + k
            win = x[:, :, max(r0, 0):min(r1, h), max(c0, 0):min(c1, w)]
            cnt = k * k if include else win.shape[2] * win.shape[3]
            y[:, :, i, j] = win.sum(axis=(2, 3)) / cnt
    return y


def softmax_ref(x, axis, log=False):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    return (x - m) - np.log(s) if log else e / s


def out(ty, v):
    """The stored result: float16 / bfloat16 rounded once."""
    return quantize(v, ty)


# ------------------------------------------------------------ cases

def conv(ty, relu=False):
    x, w, b = rnd(ty, 1, 4, 7, 6), rnd(ty, 6, 2, 3, 3, scale=0.5), rnd(ty, 6)
    y = conv_ref(x, w, b, (2, 1), (1, 0, 2, 1), (1, 2), 2)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c" if relu else "y"], group=2,
                              strides=[2, 1], pads=[1, 0, 2, 1], dilations=[1, 2])]
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
        y = np.maximum(y, 0)
    save("conv%s_%s" % ("_relu" if relu else "", ty), nodes,
         [("x", x, ty), ("w", w, ty), ("b", b, ty)], [("y", out(ty, y), ty)], TOL[ty])


def conv_const(ty):
    """Conv of constants only (folded at compile time), then an Add."""
    x, w, z = rnd(ty, 1, 2, 5, 5), rnd(ty, 3, 2, 3, 3, scale=0.5), rnd(ty, 1, 3, 3, 3)
    c = out(ty, conv_ref(x, w, None, (1, 1), (0, 0, 0, 0), (1, 1), 1))
    save("conv_const_%s" % ty,
         [helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Add", ["c", "z"], ["y"])],
         [("z", z, ty)], [("y", out(ty, c + z), ty)], TOL[ty],
         inits=[("x", x, ty), ("w", w, ty)])


def conv_transpose(ty):
    x, w, b = rnd(ty, 1, 2, 3, 4), rnd(ty, 2, 3, 3, 3, scale=0.5), rnd(ty, 3)
    y = conv_t_ref(x, w, b, 2, (1, 1, 1, 1))
    save("convtranspose_%s" % ty,
         [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2],
                           pads=[1, 1, 1, 1])],
         [("x", x, ty), ("w", w, ty), ("b", b, ty)], [("y", out(ty, y), ty)], TOL[ty])


def gemm(ty):
    a, b, c = rnd(ty, 5, 4), rnd(ty, 3, 4), rnd(ty, 3)
    y = 0.75 * a @ b.T + 1.5 * c
    save("gemm_%s" % ty,
         [helper.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1, alpha=0.75, beta=1.5)],
         [("a", a, ty), ("b", b, ty), ("c", c, ty)], [("y", out(ty, y), ty)], TOL[ty])


def matmul(ty):
    a, b = rnd(ty, 2, 3, 4), rnd(ty, 4, 5)
    save("matmul_%s" % ty, [helper.make_node("MatMul", ["a", "b"], ["y"])],
         [("a", a, ty), ("b", b, ty)], [("y", out(ty, a @ b), ty)], TOL[ty])


def matmul_int(ty):
    bits, signed = {"i32": (32, 1), "i64": (64, 1), "u32": (32, 0), "u64": (64, 0)}[ty]
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2 ** bits)
    a = rng.integers(-50, 50, (2, 3, 4)).astype(object)
    b = rng.integers(-50, 50, (4, 5)).astype(object)
    a[0, 0, 0], b[0, 0] = hi - 1, 3    # wraps around
    wrap = np.frompyfunc(lambda v: ((int(v) - lo) % 2 ** bits) + lo, 1, 1)
    a, b = wrap(a), wrap(b)
    y = wrap(np.matmul(a, b))
    npt = {"i32": np.int32, "i64": np.int64, "u32": np.uint32, "u64": np.uint64}[ty]
    a, b, y = (np.array(v.tolist(), dtype=npt) for v in (a, b, y))
    save("matmul_%s" % ty, [helper.make_node("MatMul", ["a", "b"], ["y"])],
         [("a", a, ty), ("b", b, ty)],
         [("y", y, ty)], TOL["int"])


def relu_int(ty):
    """Relu of a signed integer type (opset 14): max(x, 0), extremes included."""
    npt = {"i32": np.int32, "i64": np.int64}[ty]
    info = np.iinfo(npt)
    x = np.array([[info.min, -7, -1, 0, 1, 9, info.max]], dtype=npt)
    save("relu_%s" % ty, [helper.make_node("Relu", ["x"], ["y"])], [("x", x, ty)],
         [("y", np.maximum(x, 0).astype(npt), ty)], TOL["int"], opset=14)


def pools(ty):
    x = rnd(ty, 1, 2, 7, 6)
    for inc in (0, 1):
        y = avgpool_ref(x, 3, 2, (1, 1, 1, 1), inc)
        save("avgpool_inc%d_%s" % (inc, ty),
             [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                               pads=[1, 1, 1, 1], count_include_pad=inc)],
             [("x", x, ty)], [("y", out(ty, y), ty)], TOL[ty])
    save("globalavgpool_%s" % ty, [helper.make_node("GlobalAveragePool", ["x"], ["y"])],
         [("x", x, ty)], [("y", out(ty, x.mean(axis=(2, 3), keepdims=True)), ty)], TOL[ty])
    save("globalmaxpool_%s" % ty, [helper.make_node("GlobalMaxPool", ["x"], ["y"])],
         [("x", x, ty)], [("y", out(ty, x.max(axis=(2, 3), keepdims=True)), ty)], TOL[ty])


def norms(ty):
    x = rnd(ty, 2, 3, 4, 5)
    s, b = rnd(ty, 3), rnd(ty, 3)
    mean, var = rnd(ty, 3), quantize(rng.uniform(0.5, 2.0, 3), ty)
    e = lambda v: v[None, :, None, None]
    y = (x - e(mean)) / np.sqrt(e(var) + EPS) * e(s) + e(b)
    save("batchnorm_%s" % ty,
         [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
         [("x", x, ty), ("s", s, ty), ("b", b, ty), ("m", mean, ty), ("v", var, ty)],
         [("y", out(ty, y), ty)], TOL[ty], opset=15)
    mu = x.mean(axis=(2, 3), keepdims=True)
    va = ((x - mu) ** 2).mean(axis=(2, 3), keepdims=True)
    y = (x - mu) / np.sqrt(va + EPS) * e(s) + e(b)
    save("instancenorm_%s" % ty,
         [helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"])],
         [("x", x, ty), ("s", s, ty), ("b", b, ty)], [("y", out(ty, y), ty)], TOL[ty])


def softmaxes(ty):
    x = rnd(ty, 2, 5, 3, scale=3.0)
    save("softmax_%s" % ty, [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
         [("x", x, ty)], [("y", out(ty, softmax_ref(x, 1)), ty)], TOL[ty])
    save("logsoftmax_%s" % ty, [helper.make_node("LogSoftmax", ["x"], ["y"], axis=-1)],
         [("x", x, ty)], [("y", out(ty, softmax_ref(x, -1, log=True)), ty)], TOL[ty])
    hm = (x == x.max(axis=1, keepdims=True)).astype(np.float64)
    save("hardmax_%s" % ty, [helper.make_node("Hardmax", ["x"], ["y"], axis=1)],
         [("x", x, ty)], [("y", hm, ty)], TOL[ty])


def argmax(ty):
    if ty in ("i32", "u32", "i64"):
        x = rng.integers(0, 4, (3, 4, 5))
        if ty == "i32":
            x[0, :, 0] = [2 ** 31 - 1, -2 ** 31, 2 ** 31 - 1, 0]
        x = np.array(x)
    else:
        x = rnd(ty, 3, 4, 5)
    xl = x[:, ::-1, :]
    save("argmax_%s" % ty,
         [helper.make_node("ArgMax", ["x"], ["y"], axis=1, keepdims=1),
          helper.make_node("ArgMin", ["x"], ["z"], axis=1, keepdims=0, select_last_index=1)],
         [("x", x, ty)],
         [("y", np.argmax(x, axis=1)[:, None, :], "idx"),
          ("z", x.shape[1] - 1 - np.argmin(xl, axis=1), "idx")], TOL["int"])


def layernorm_lrn(ty):
    x, s, b = rnd(ty, 2, 3, 4), rnd(ty, 4), rnd(ty, 4)
    mu = x.mean(axis=-1, keepdims=True)
    va = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    save("layernorm_%s" % ty,
         [helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1)],
         [("x", x, ty), ("s", s, ty), ("b", b, ty)],
         [("y", out(ty, (x - mu) / np.sqrt(va + EPS) * s + b), ty)], TOL[ty], opset=17)
    # LRN across 5 channels, window 3: alpha, beta, bias are float attributes
    x = rnd(ty, 2, 5, 3, 2)
    al, be, bi = (float(np.float32(v)) for v in (1e-1, 0.75, 2.0))
    sq = np.zeros_like(x)
    for c in range(5):
        sq[:, c] = (x[:, max(c - 1, 0):min(c + 1, 4) + 1] ** 2).sum(axis=1)
    save("lrn_%s" % ty,
         [helper.make_node("LRN", ["x"], ["y"], size=3, alpha=0.1, beta=0.75, bias=2.0)],
         [("x", x, ty)], [("y", out(ty, x / (bi + al / 3 * sq) ** be), ty)], TOL[ty])


def more_half(ty):
    """Layers with no double kernel, for float16 / bfloat16 (computed in float)."""
    x = rnd(ty, 2, 3, 4, 5)
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    sd = np.sqrt((x ** 2).mean(axis=(0, 2, 3), keepdims=True) - mu ** 2)
    save("mvn_%s" % ty, [helper.make_node("MeanVarianceNormalization", ["x"], ["y"])],
         [("x", x, ty)], [("y", out(ty, (x - mu) / (sd + 1e-9)), ty)], TOL[ty])
    a, b2, c = rnd(ty, 2, 3), rnd(ty, 3), rnd(ty, 2, 1)
    save("mean_%s" % ty, [helper.make_node("Mean", ["a", "b", "c"], ["y"])],
         [("a", a, ty), ("b", b2, ty), ("c", c, ty)], [("y", out(ty, (a + b2 + c) / 3), ty)],
         TOL[ty])


# ------------------------------------------------------------ types4

def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def types4():
    """BatchNormalization with mixed types (computed in double, a float32
    output rounded once: within one unit in its last place, 2^-23 relative,
    of the reference rounded once too, so 2.4e-7 relative plus 1e-7 for
    results near 0), and the recurrent layers and GridSample in double."""
    x64, x32 = rnd("f64", 2, 3, 4, 5), rnd("f32", 2, 3, 4, 5)
    s32, b32, m32 = rnd("f32", 3), rnd("f32", 3), rnd("f32", 3)
    v32 = quantize(rng.uniform(0.5, 2.0, 3), "f32")
    s64, b64 = rnd("f64", 3), rnd("f64", 3)
    e = lambda v: v[None, :, None, None]
    bn = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])]
    y = (x64 - e(m32)) / np.sqrt(e(v32) + EPS) * e(s32) + e(b32)
    save("batchnorm_x_f64_params_f32", bn,
         [("x", x64, "f64"), ("s", s32, "f32"), ("b", b32, "f32"), ("m", m32, "f32"),
          ("v", v32, "f32")], [("y", y, "f64")], TOL["f64"], opset=15)
    y = (x32 - e(m32)) / np.sqrt(e(v32) + EPS) * e(s64) + e(b64)
    save("batchnorm_x_f32_scale_f64", bn,
         [("x", x32, "f32"), ("s", s64, "f64"), ("b", b64, "f64"), ("m", m32, "f32"),
          ("v", v32, "f32")], [("y", out("f32", y), "f32")], "--atol 1e-7 --rtol 2.4e-7",
         opset=15)

    # LSTM, forward: gates i, o, f, c, peepholes i, o, f, the ONNX equations
    seq, batch, inp, hs = 4, 2, 3, 3
    x, w, r = rnd("f64", seq, batch, inp), rnd("f64", 1, 4 * hs, inp), rnd("f64", 1, 4 * hs, hs)
    b, pp = rnd("f64", 1, 8 * hs), rnd("f64", 1, 3 * hs)
    h0, c0 = rnd("f64", 1, batch, hs), rnd("f64", 1, batch, hs)
    h, c, ys = h0[0], c0[0], []
    for t in range(seq):
        g = x[t] @ w[0].T + h @ r[0].T + b[0, :4 * hs] + b[0, 4 * hs:]
        gi, go, gf, gc = (g[:, k * hs:(k + 1) * hs] for k in range(4))
        i = sigmoid(gi + pp[0, :hs] * c)
        f = sigmoid(gf + pp[0, 2 * hs:] * c)
        c = f * c + i * np.tanh(gc)
        o = sigmoid(go + pp[0, hs:2 * hs] * c)
        h = o * np.tanh(c)
        ys.append(h)
    save("lstm_f64", [helper.make_node("LSTM", ["x", "w", "r", "b", "", "h0", "c0", "p"],
                                       ["y", "yh", "yc"], hidden_size=hs)],
         [("x", x, "f64"), ("w", w, "f64"), ("r", r, "f64"), ("b", b, "f64"),
          ("h0", h0, "f64"), ("c0", c0, "f64"), ("p", pp, "f64")],
         [("y", np.stack(ys)[:, None], "f64"), ("yh", h[None], "f64"), ("yc", c[None], "f64")],
         TOL["f64"])

    # GRU, reverse, linear_before_reset: gates z, r, h
    w, r, b = rnd("f64", 1, 3 * hs, inp), rnd("f64", 1, 3 * hs, hs), rnd("f64", 1, 6 * hs)
    h, ys = h0[0], [None] * seq
    for t in reversed(range(seq)):
        gx = x[t] @ w[0].T + b[0, :3 * hs]
        gh = h @ r[0].T + b[0, 3 * hs:]
        z = sigmoid(gx[:, :hs] + gh[:, :hs])
        rr = sigmoid(gx[:, hs:2 * hs] + gh[:, hs:2 * hs])
        hh = np.tanh(gx[:, 2 * hs:] + rr * gh[:, 2 * hs:])
        h = (1 - z) * hh + z * h
        ys[t] = h
    save("gru_f64", [helper.make_node("GRU", ["x", "w", "r", "b", "", "h0"], ["y", "yh"],
                                      hidden_size=hs, direction="reverse",
                                      linear_before_reset=1)],
         [("x", x, "f64"), ("w", w, "f64"), ("r", r, "f64"), ("b", b, "f64"),
          ("h0", h0, "f64")],
         [("y", np.stack(ys)[:, None], "f64"), ("yh", h[None], "f64")], TOL["f64"])

    # GridSample, bilinear, zeros padding, align_corners 0 (opset 16)
    xi, grid = rnd("f64", 1, 2, 3, 4), rng.uniform(-1.1, 1.1, (1, 2, 3, 2))
    hh_, ww_ = xi.shape[2], xi.shape[3]
    y = np.zeros((1, 2, 2, 3))
    at = lambda ch, iy, ix: xi[0, ch, iy, ix] if 0 <= iy < hh_ and 0 <= ix < ww_ else 0.0
    for oy in range(2):
        for ox in range(3):
            fx = ((grid[0, oy, ox, 0] + 1) * ww_ - 1) / 2
            fy = ((grid[0, oy, ox, 1] + 1) * hh_ - 1) / 2
            x0, y0 = int(np.floor(fx)), int(np.floor(fy))
            ax, ay = fx - x0, fy - y0
            for ch in range(2):
                y[0, ch, oy, ox] = (at(ch, y0, x0) * (1 - ax) * (1 - ay) +
                                    at(ch, y0, x0 + 1) * ax * (1 - ay) +
                                    at(ch, y0 + 1, x0) * (1 - ax) * ay +
                                    at(ch, y0 + 1, x0 + 1) * ax * ay)
    save("gridsample_f64", [helper.make_node("GridSample", ["x", "g"], ["y"])],
         [("x", xi, "f64"), ("g", grid, "f64")], [("y", y, "f64")], TOL["f64"], opset=16)
    # the same with a float32 X and a double grid (T1, T2 differ): computed
    # in double, the float32 output rounded once (tolerance as above)
    x32 = quantize(xi, "f32")
    y = np.zeros((1, 2, 2, 3))
    for oy in range(2):
        for ox in range(3):
            fx = ((grid[0, oy, ox, 0] + 1) * ww_ - 1) / 2
            fy = ((grid[0, oy, ox, 1] + 1) * hh_ - 1) / 2
            x0, y0 = int(np.floor(fx)), int(np.floor(fy))
            ax, ay = fx - x0, fy - y0
            at = lambda ch, iy, ix: (x32[0, ch, iy, ix] if 0 <= iy < hh_ and 0 <= ix < ww_
                                     else 0.0)
            for ch in range(2):
                y[0, ch, oy, ox] = (at(ch, y0, x0) * (1 - ax) * (1 - ay) +
                                    at(ch, y0, x0 + 1) * ax * (1 - ay) +
                                    at(ch, y0 + 1, x0) * (1 - ax) * ay +
                                    at(ch, y0 + 1, x0 + 1) * ax * ay)
    save("gridsample_x_f32_grid_f64", [helper.make_node("GridSample", ["x", "g"], ["y"])],
         [("x", x32, "f32"), ("g", grid, "f64")], [("y", out("f32", y), "f32")],
         "--atol 1e-7 --rtol 2.4e-7", opset=16)


def resize_int(ty):
    """Resize of integers in linear mode (half_pixel, 2x on the last two
    axes): interpolated in float64 here (exact: weights 1/4 and 3/4), then
    converted toward zero, as ONNX Runtime does for its integer Resize; the
    values are chosen so rounding would give other results (x.75, -x.25)."""
    npt = {"i32": np.int32, "i64": np.int64}[ty]
    x = np.array([[[[1, 4, -7, 2], [-3, 0, 9, -1], [5, -6, 3, 8]]]], dtype=npt)

    def axis(a, ax):
        n = a.shape[ax]
        pos = np.clip((np.arange(2 * n) + 0.5) / 2 - 0.5, 0, n - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        shape = [1] * a.ndim
        shape[ax] = 2 * n
        f = (pos - lo).reshape(shape)
        return np.take(a, lo, ax) * (1 - f) + np.take(a, hi, ax) * f
    y = np.trunc(axis(axis(x.astype(np.float64), 2), 3)).astype(npt)
    scales = np.array([1, 1, 2, 2], dtype=np.float32)
    save("resize_linear_%s" % ty,
         [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear")],
         [("x", x, ty)], [("y", y, ty)], TOL["int"], inits=[("scales", scales, "f32")])


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for ty in ("f64", "f16", "bf16"):
        conv(ty)
        conv_const(ty)
        conv_transpose(ty)
        gemm(ty)
        matmul(ty)
        pools(ty)
        norms(ty)
        softmaxes(ty)
        argmax(ty)
        layernorm_lrn(ty)
        if ty != "f64":
            more_half(ty)
    conv("f64", relu=True)
    for ty in ("i32", "i64", "u32", "u64"):
        matmul_int(ty)
    argmax("i32")
    argmax("u32")
    relu_int("i32")
    relu_int("i64")
    types4()
    resize_int("i32")   # after every case drawing from rng, so theirs stay the same
    resize_int("i64")


if __name__ == "__main__":
    main()
