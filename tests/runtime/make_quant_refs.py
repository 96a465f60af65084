#!/usr/bin/python3
"""make_quant_refs.py - references for the quantized kernels (runtime/quant.c),
written to quant_refs.h for test_quant.c.

Every expected output is computed here with numpy from the ONNX formulas, on
the same integer / float32 inputs the C side receives:
  QuantizeLinear    y = clip(rint(x / scale) + zp)          x / scale in float32
  DequantizeLinear  y = (x - zp) * scale                     in float32
  DynamicQuantizeLinear  the spec's formula (onnx backend test), float32
  ConvInteger / MatMulInteger  exact int64 sums of (x - zx) * (w - zw), checked
                    to fit int32, by direct loops (no im2col, no tiling)
  QLinear* requantization, as the ONNX reference implementation:
                    multiplier = (sx * sw) / sy in float32, then
                    clip(rint(acc * multiplier (float64) + zy))
  dequantized (F32) outputs  float32(acc) * float32(sx * sw)
numpy's rint rounds half to even. The inputs are drawn with a fixed seed, and
some cases are built to land exactly on rounding ties and on saturation.
Run with /usr/bin/python3; it rewrites quant_refs.h next to itself:

    /usr/bin/python3 tests/runtime/make_quant_refs.py
"""
import math
import os

import numpy as np

rng = np.random.default_rng(20261201)
out = []
F32 = np.float32

QT = {"u8": ("RT_QT_U8", "uint8_t", 0, 255, np.uint8),
      "i8": ("RT_QT_I8", "int8_t", -128, 127, np.int8),
      "i32": ("RT_QT_I32", "int32_t", -2**31, 2**31 - 1, np.int32)}


def cfloat(v):
    v = float(v)
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    s = "%.9g" % v
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s + "f"


def arr(name, ctype, vals):
    vals = np.asarray(vals).ravel()
    if ctype == "float":
        body = ", ".join(cfloat(v) for v in vals)
    else:
        body = ", ".join(str(int(v)) for v in vals)
    if len(vals) == 0:
        body = "0"
    out.append("static const %s %s[] = { %s };" % (ctype, name, body))
    return name


def rint_clip(v, t):
    lo, hi = QT[t][2], QT[t][3]
    return np.clip(np.rint(v), lo, hi).astype(np.int64)


# ---------------------------------------------------------------- quantize

quant_rows = []


def quant_case(name, x, shape, axis, scale, zp, t, dequant=False):
    """x float32 (quantize) or integers (dequantize), viewed per `axis`."""
    shape = list(shape)
    outer = int(np.prod(shape[:axis])) if axis is not None else 1
    ln = shape[axis] if axis is not None else 1
    inner = int(np.prod(shape[axis + 1:])) if axis is not None else int(np.prod(shape))
    per_axis = 1 if axis is not None else 0
    scale = np.asarray(scale, dtype=F32).ravel()
    bshape = [1] * len(shape)
    if per_axis:
        bshape[axis] = ln
    s_b = scale.reshape(bshape) if per_axis else scale[0]
    if zp is None:
        z_b = 0
    else:
        zp = np.asarray(zp, dtype=np.int64).ravel()
        z_b = zp.reshape(bshape) if per_axis else zp[0]
    if not dequant:
        x = np.asarray(x, dtype=F32).reshape(shape)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            q = np.rint(x / s_b)                      # float32 division, half to even
        y = rint_clip(q + z_b, t)
        xname = arr("q_%s_x" % name, "float", x)
        yname = arr("q_%s_y" % name, QT[t][1], y)
    else:
        x = np.asarray(x, dtype=np.int64).reshape(shape)
        y = (x - z_b).astype(F32) * s_b
        assert y.dtype == F32
        xname = arr("q_%s_x" % name, QT[t][1], x)
        yname = arr("q_%s_y" % name, "float", y)
    sname = arr("q_%s_s" % name, "float", scale)
    zname = arr("q_%s_z" % name, QT[t][1], zp) if zp is not None else "NULL"
    quant_rows.append('    { "%s", %d, {%d, %d, %d, %d, %s}, %s, %s, %s, %s },' % (
        name, int(dequant), outer, ln, inner, per_axis, QT[t][0], xname, sname, zname, yname))


# ties: x / 0.5 lands on k + 0.5 exactly (0.5 is a power of two)
ties = np.array([-2.25, -1.75, -1.25, -0.75, -0.25, 0.25, 0.75, 1.25, 1.75, 2.25, 0.0, -0.0])
quant_case("ties_u8", ties, [12], None, [0.5], [128], "u8")
quant_case("ties_i8", ties, [12], None, [0.5], [-3], "i8")
# ties at a non-power-of-two scale: 0.3 * 2.5 rounds in float32 to a value whose
# float32 quotient by 0.3 is or is not exactly 2.5; numpy decides
tv = (np.arange(-10, 11, dtype=F32) + F32(0.5)) * F32(0.3)
quant_case("ties_s03", tv, [21], None, [0.3], [7], "i8")
# saturation, infinities and the default (absent) zero point
sat = np.array([1e9, -1e9, np.inf, -np.inf, 127.4, 127.5, 127.6, -128.5, -128.6, 255.5, 256, -0.5])
quant_case("sat_i8", sat, [12], None, [1.0], [0], "i8")
quant_case("sat_u8", sat, [12], None, [1.0], [0], "u8")
quant_case("nozp_u8", sat, [12], None, [2.0], None, "u8")
quant_case("sat_u8_zp", sat, [12], None, [1.0], [200], "u8")
# per-axis, random values
quant_case("axis1_i8", rng.uniform(-4, 4, 24).astype(F32), [2, 3, 4], 1,
           [0.1, 0.02, 3.0], [-5, 0, 7], "i8")
quant_case("axis0_u8", rng.uniform(-30, 30, 20).astype(F32), [5, 4], 0,
           [0.25, 0.07, 1.5, 0.5, 0.125], [0, 128, 255, 3, 100], "u8")
quant_case("axis2_u8", rng.uniform(-3, 3, 30).astype(F32), [2, 3, 5], 2,
           [0.01, 0.02, 0.03, 0.04, 0.05], [10, 20, 30, 40, 50], "u8")
# the suite's QuantizeLinear example (onnx backend test quantizelinear.py)
quant_case("suite", [0, 2, 3, 1000, -254, -1000], [6], None, [2.0], [128], "u8")
# dequantize
quant_case("dq_u8", rng.integers(0, 256, 16), [16], None, [0.0375], [131], "u8", True)
quant_case("dq_i8_axis", rng.integers(-128, 128, 24), [2, 3, 4], 1, [0.5, 0.001, 7.25],
           [-128, 0, 127], "i8", True)
quant_case("dq_i32", rng.integers(-2**31, 2**31, 10), [10], None, [1e-4], None, "i32", True)
quant_case("dq_u8_nozp", [0, 1, 128, 255], [4], None, [0.5], None, "u8", True)

# ---------------------------------------------------------------- dynamic

dyn_rows = []


def dyn_case(name, x):
    x = np.asarray(x, dtype=F32)
    x_min = np.minimum(F32(0), np.min(x))
    x_max = np.maximum(F32(0), np.max(x))
    s = F32((x_max - x_min) / F32(255))
    if s == 0:
        zp, y = 0, np.zeros(len(x), dtype=np.int64)
    else:
        zp = int(np.clip(round(float(F32((F32(0) - x_min) / s))), 0, 255))
        y = np.clip(np.rint(x / s) + F32(zp), 0, 255).astype(np.int64)
    xn = arr("d_%s_x" % name, "float", x)
    yn = arr("d_%s_y" % name, "uint8_t", y)
    dyn_rows.append('    { "%s", %d, %s, %s, %s, %d },' % (name, len(x), xn, yn, cfloat(s), zp))


dyn_case("suite", [0, 2, -3, -2.5, 1.34, 0.5])
dyn_case("max_adjusted", [-1.0, -2.1, -1.3, -2.5, -3.34, -4.0])
dyn_case("min_adjusted", [1, 2.1, 1.3, 2.5, 3.34, 4.0, 1.5, 2.6, 3.9, 4.0, 3.0, 2.345])
dyn_case("random", rng.normal(0, 3, 40).astype(F32))
dyn_case("zeros", [0.0, 0.0, 0.0])

# ---------------------------------------------------------------- conv

conv_rows = []


def qvals(t, n):
    lo, hi = QT[t][2], QT[t][3]
    return rng.integers(lo, hi + 1, n)


def requant(acc, mult, zy, t, relu):
    v = acc.astype(np.float64) * np.float64(mult)
    v = v + zy
    q = np.clip(np.rint(v), QT[t][2], QT[t][3]).astype(np.int64)
    if relu:
        q = np.maximum(q, zy)
    return q


def conv_case(name, n, c, m, group, ins, ks, stride, pad, dil, xt, wt, per_ch, yt, relu,
              bias):
    nd = len(ins)
    ins3 = [1] * (3 - nd) + list(ins)
    ks3 = [1] * (3 - nd) + list(ks)
    st3 = [1] * (3 - nd) + list(stride)
    pd3 = [0] * (3 - nd) + list(pad)
    dl3 = [1] * (3 - nd) + list(dil)
    outs3 = [(ins3[i] + 2 * pd3[i] - dl3[i] * (ks3[i] - 1) - 1) // st3[i] + 1 for i in range(3)]
    cg, mg = c // group, m // group
    x = qvals(xt, n * c * int(np.prod(ins3))).reshape([n, c] + ins3)
    w = qvals(wt, m * cg * int(np.prod(ks3))).reshape([m, cg] + ks3)
    zx = int(qvals(xt, 1)[0])
    zw = qvals(wt, m if per_ch else 1)
    b = rng.integers(-5000, 5000, m) if bias else None
    sx = F32(rng.uniform(0.005, 0.05))
    sw = rng.uniform(0.001, 0.02, m if per_ch else 1).astype(F32)
    sy = F32(rng.uniform(0.05, 0.5))
    zy = int(qvals(yt, 1)[0]) if yt in ("u8", "i8") else 0
    xs = np.pad(x - zx, [(0, 0), (0, 0)] + [(pd3[i], pd3[i]) for i in range(3)])
    acc = np.zeros([n, m] + outs3, dtype=np.int64)
    for mm in range(m):
        g = mm // mg
        wv = w[mm] - (zw[mm] if per_ch else zw[0])
        for od in range(outs3[0]):
            for oh in range(outs3[1]):
                for ow in range(outs3[2]):
                    s = 0
                    for kd in range(ks3[0]):
                        for kh in range(ks3[1]):
                            for kw in range(ks3[2]):
                                xi = xs[:, g * cg:(g + 1) * cg, od * st3[0] + kd * dl3[0],
                                        oh * st3[1] + kh * dl3[1], ow * st3[2] + kw * dl3[2]]
                                s = s + (xi * wv[:, kd, kh, kw]).sum(axis=1)
                    acc[:, mm, od, oh, ow] = s + (b[mm] if bias else 0)
    assert np.abs(acc).max() < 2**31
    if yt == "i32":
        y = acc
        yc = "int32_t"
    elif yt == "f32":
        wsb = (sw if per_ch else np.repeat(sw, m)).reshape(1, m, 1, 1, 1)
        y = acc.astype(F32) * (sx * wsb).astype(F32)
        if relu:
            y = np.maximum(y, F32(0))
        yc = "float"
    else:
        mult = ((sx * (sw if per_ch else np.repeat(sw, m))) / sy).astype(F32)
        y = np.stack([requant(acc[:, mm], mult[mm], zy, yt, relu) for mm in range(m)], axis=1)
        yc = QT[yt][1]
    yq = {"i32": "RT_QT_I32", "f32": "RT_QT_F32"}.get(yt, QT.get(yt, ("",))[0])
    p = ("{.n = %d, .c = %d, .m = %d, .group = %d, .in = {%s}, .out = {%s}, .k = {%s}, "
         ".stride = {%s}, .pad = {%s}, .dilation = {%s}, .xtype = %s, .wtype = %s, "
         ".ytype = %s, .w_per_channel = %d, .relu = %d}") % (
        n, c, m, group, ", ".join(map(str, ins3)), ", ".join(map(str, outs3)),
        ", ".join(map(str, ks3)), ", ".join(map(str, st3)), ", ".join(map(str, pd3)),
        ", ".join(map(str, dl3)), QT[xt][0], QT[wt][0], yq, int(per_ch), int(relu))
    names = [arr("c_%s_x" % name, QT[xt][1], x), arr("c_%s_w" % name, QT[wt][1], w),
             arr("c_%s_zx" % name, QT[xt][1], [zx]), arr("c_%s_zw" % name, QT[wt][1], zw),
             arr("c_%s_b" % name, "int32_t", b) if bias else "NULL",
             arr("c_%s_sx" % name, "float", [sx]), arr("c_%s_sw" % name, "float", sw),
             arr("c_%s_sy" % name, "float", [sy]),
             arr("c_%s_zy" % name, QT[yt][1], [zy]) if yt in ("u8", "i8") else "NULL",
             arr("c_%s_y" % name, yc, y)]
    conv_rows.append('    { "%s", %s, %s, %d },' % (name, p, ", ".join(names), y.size))


conv_case("int_2d", 1, 2, 3, 1, [5, 6], [3, 3], [1, 1], [0, 0], [1, 1], "u8", "u8", 0, "i32", 0, 0)
conv_case("int_pad_s2", 2, 3, 4, 1, [7, 6], [3, 2], [2, 1], [1, 1], [1, 1], "u8", "i8", 1, "i32", 0, 0)
conv_case("int_i8_dil", 1, 2, 2, 1, [8, 9], [2, 3], [1, 2], [2, 1], [2, 2], "i8", "i8", 1, "i32", 0, 0)
conv_case("int_group", 1, 4, 6, 2, [5, 5], [3, 3], [1, 1], [1, 1], [1, 1], "i8", "u8", 0, "i32", 0, 0)
conv_case("int_1d", 2, 3, 2, 1, [11], [4], [3], [2], [1], "u8", "u8", 1, "i32", 0, 0)
conv_case("int_3d", 1, 2, 2, 1, [3, 4, 5], [2, 2, 2], [1, 2, 1], [1, 0, 1], [1, 1, 2], "u8", "i8", 1, "i32", 0, 0)
conv_case("int_wide", 1, 1, 2, 1, [2, 300], [1, 5], [1, 1], [0, 2], [1, 1], "u8", "i8", 0, "i32", 0, 0)
conv_case("q_u8", 1, 3, 4, 1, [6, 6], [3, 3], [1, 1], [1, 1], [1, 1], "u8", "u8", 0, "u8", 0, 1)
conv_case("q_i8_pc", 2, 4, 5, 1, [5, 7], [3, 3], [2, 2], [1, 1], [1, 1], "i8", "i8", 1, "i8", 0, 1)
conv_case("q_relu", 1, 4, 4, 1, [6, 5], [3, 3], [1, 1], [1, 1], [1, 1], "u8", "i8", 1, "u8", 1, 1)
conv_case("q_dw", 1, 4, 4, 4, [6, 6], [3, 3], [1, 1], [1, 1], [1, 1], "i8", "i8", 1, "i8", 1, 0)
conv_case("f32_out", 1, 3, 4, 1, [5, 5], [3, 3], [1, 1], [1, 1], [1, 1], "u8", "i8", 1, "f32", 0, 1)
conv_case("f32_relu", 1, 3, 4, 1, [5, 5], [3, 3], [1, 1], [1, 1], [1, 1], "i8", "i8", 1, "f32", 1, 1)

# ---------------------------------------------------------------- matmul

mm_rows = []


def mm_case(name, ashape, bshape, at, bt, a_row, b_col, yt, relu, bias, big=False):
    m, k = ashape[-2], ashape[-1]
    n = bshape[-1]
    assert bshape[-2] == k
    batch = list(np.broadcast_shapes(tuple(ashape[:-2]), tuple(bshape[:-2])))
    if big:   # extreme inputs: large accumulators
        a = np.full(int(np.prod(ashape)), QT[at][3]).reshape(ashape)
        b = np.full(int(np.prod(bshape)), QT[bt][2]).reshape(bshape)
    else:
        a = qvals(at, int(np.prod(ashape))).reshape(ashape)
        b = qvals(bt, int(np.prod(bshape))).reshape(bshape)
    za = qvals(at, m if a_row else 1)
    zb = qvals(bt, n if b_col else 1)
    bi = rng.integers(-3000, 3000, n) if bias else None
    sa = F32(rng.uniform(0.005, 0.05))
    sb = rng.uniform(0.001, 0.02, n if b_col else 1).astype(F32)
    sy = F32(rng.uniform(0.05, 0.5))
    zy = int(qvals(yt, 1)[0]) if yt in ("u8", "i8") else 0
    A = a - (za.reshape(m, 1) if a_row else za[0])
    B = b - (zb.reshape(1, n) if b_col else zb[0])
    acc = np.matmul(A, B) + (bi if bias else 0)       # int64, exact
    assert np.abs(acc).max() < 2**31
    sbn = sb if b_col else np.repeat(sb, n)
    if yt == "i32":
        y, yc = acc, "int32_t"
    elif yt == "f32":
        y = acc.astype(F32) * (sa * sbn).astype(F32)
        if relu:
            y = np.maximum(y, F32(0))
        yc = "float"
    else:
        mult = ((sa * sbn) / sy).astype(F32)
        y = requant(acc, mult, zy, yt, relu)    # mult broadcasts along the columns
        yc = QT[yt][1]
    # strides of a and b along y's batch axes (0 where broadcast)
    nbd = len(batch)

    def bstrides(shape):
        full = [1] * (nbd - (len(shape) - 2)) + list(shape[:-2])
        st, s = [], shape[-2] * shape[-1]
        for d in reversed(range(nbd)):
            st.append(0 if full[d] == 1 and batch[d] != 1 else s)
            s *= full[d]
        return list(reversed(st))
    yq = {"i32": "RT_QT_I32", "f32": "RT_QT_F32"}.get(yt, QT.get(yt, ("",))[0])
    p = ("{.batch_ndim = %d, .batch = {%s}, .a_bstride = {%s}, .b_bstride = {%s}, .m = %d, "
         ".n = %d, .k = %d, .atype = %s, .btype = %s, .ytype = %s, .a_per_row = %d, "
         ".b_per_col = %d, .relu = %d}") % (
        nbd, ", ".join(map(str, batch)) or "0", ", ".join(map(str, bstrides(ashape))) or "0",
        ", ".join(map(str, bstrides(bshape))) or "0", m, n, k, QT[at][0], QT[bt][0], yq,
        int(a_row), int(b_col), int(relu))
    names = [arr("m_%s_a" % name, QT[at][1], a), arr("m_%s_b" % name, QT[bt][1], b),
             arr("m_%s_za" % name, QT[at][1], za), arr("m_%s_zb" % name, QT[bt][1], zb),
             arr("m_%s_bias" % name, "int32_t", bi) if bias else "NULL",
             arr("m_%s_sa" % name, "float", [sa]), arr("m_%s_sb" % name, "float", sb),
             arr("m_%s_sy" % name, "float", [sy]),
             arr("m_%s_zy" % name, QT[yt][1], [zy]) if yt in ("u8", "i8") else "NULL",
             arr("m_%s_y" % name, yc, y)]
    mm_rows.append('    { "%s", %s, %s, %d },' % (name, p, ", ".join(names), y.size))


mm_case("int_small", [4, 3], [3, 2], "u8", "u8", 0, 0, "i32", 0, 0)
mm_case("int_rowcol", [9, 33], [33, 70], "u8", "i8", 1, 1, "i32", 0, 0)
mm_case("int_batch", [2, 1, 5, 7], [3, 7, 4], "i8", "i8", 0, 1, "i32", 0, 0)
mm_case("int_big", [3, 1000], [1000, 5], "u8", "i8", 0, 0, "i32", 0, 0, big=True)
mm_case("q_u8", [5, 17], [17, 6], "u8", "u8", 0, 0, "u8", 0, 0)
mm_case("q_i8_col", [7, 40], [40, 67], "i8", "i8", 0, 1, "i8", 0, 1)
mm_case("q_relu", [6, 20], [20, 9], "u8", "i8", 0, 1, "u8", 1, 1)
mm_case("q_batch", [2, 3, 8], [8, 5], "u8", "u8", 0, 0, "u8", 0, 0)
mm_case("q_big", [2, 900], [900, 3], "u8", "i8", 0, 0, "i8", 0, 0, big=True)
mm_case("f32_out", [4, 30], [30, 10], "u8", "i8", 0, 1, "f32", 0, 1)
mm_case("f32_relu", [4, 30], [30, 10], "i8", "i8", 0, 1, "f32", 1, 1)

# ---------------------------------------------------------------- max pool

pool_rows = []


def pool_case(name, n, c, ins, ks, stride, pad, pad_end, dil, t):
    nd = len(ins)
    ins3 = [1] * (3 - nd) + list(ins)
    ks3 = [1] * (3 - nd) + list(ks)
    st3 = [1] * (3 - nd) + list(stride)
    pb3 = [0] * (3 - nd) + list(pad)
    pe3 = [0] * (3 - nd) + list(pad_end)
    dl3 = [1] * (3 - nd) + list(dil)
    outs3 = [(ins3[i] + pb3[i] + pe3[i] - dl3[i] * (ks3[i] - 1) - 1) // st3[i] + 1
             for i in range(3)]
    x = qvals(t, n * c * int(np.prod(ins3))).reshape([n, c] + ins3)
    lo = QT[t][2]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pb3[i], pe3[i]) for i in range(3)],
                constant_values=lo - 1)           # below every value: never the max
    y = np.full([n, c] + outs3, lo - 1, dtype=np.int64)
    for o0 in range(outs3[0]):
        for o1 in range(outs3[1]):
            for o2 in range(outs3[2]):
                for k0 in range(ks3[0]):
                    for k1 in range(ks3[1]):
                        for k2 in range(ks3[2]):
                            v = xp[:, :, o0 * st3[0] + k0 * dl3[0], o1 * st3[1] + k1 * dl3[1],
                                   o2 * st3[2] + k2 * dl3[2]]
                            y[:, :, o0, o1, o2] = np.maximum(y[:, :, o0, o1, o2], v)
    y = np.maximum(y, lo)                         # an all-padding window: the minimum
    p = (".pool = {.n = %d, .c = %d, .in = {%s}, .out = {%s}, .k = {%s}, .stride = {%s}, "
         ".pad = {%s}, .pad_end = {%s}, .dilation = {%s}}, .type = %s") % (
        n, c, ", ".join(map(str, ins3)), ", ".join(map(str, outs3)), ", ".join(map(str, ks3)),
        ", ".join(map(str, st3)), ", ".join(map(str, pb3)), ", ".join(map(str, pe3)),
        ", ".join(map(str, dl3)), QT[t][0])
    pool_rows.append('    { "%s", {%s}, %s, %s, %d },' % (
        name, p, arr("p_%s_x" % name, QT[t][1], x), arr("p_%s_y" % name, QT[t][1], y), y.size))


pool_case("u8_2x2", 2, 3, [6, 6], [2, 2], [2, 2], [0, 0], [0, 0], [1, 1], "u8")
pool_case("i8_pad_s1", 1, 2, [5, 7], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1], "i8")
pool_case("i8_dil_1d", 1, 3, [11], [3], [2], [2], [1], [2], "i8")
pool_case("u8_ceil_end", 1, 1, [5, 5], [2, 2], [2, 2], [0, 0], [1, 1], [1, 1], "u8")

# ---------------------------------------------------------------- write

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "quant_refs.h"), "w") as f:
    f.write("/* quant_refs.h - generated by make_quant_refs.py with numpy %s; do not edit. */\n"
            % np.__version__)
    f.write("#ifndef QUANT_REFS_H\n#define QUANT_REFS_H\n\n")
    f.write("\n".join(out) + "\n\n")
    f.write("typedef struct {\n    const char *name;\n    int dequant;\n    rt_quant_params p;\n"
            "    const void *x;\n    const float *scale;\n    const void *zp;\n"
            "    const void *y;\n} qr_quant;\n\n")
    f.write("static const qr_quant qr_quant_cases[] = {\n%s\n};\n\n" % "\n".join(quant_rows))
    f.write("typedef struct {\n    const char *name;\n    int64_t n;\n    const float *x;\n"
            "    const uint8_t *y;\n    float scale;\n    int zp;\n} qr_dyn;\n\n")
    f.write("static const qr_dyn qr_dyn_cases[] = {\n%s\n};\n\n" % "\n".join(dyn_rows))
    f.write("typedef struct {\n    const char *name;\n    rt_qconv_params p;\n"
            "    const void *x, *w, *zx, *zw;\n    const int32_t *b;\n"
            "    const float *sx, *sw, *sy;\n    const void *zy, *y;\n    int64_t ny;\n"
            "} qr_conv;\n\n")
    f.write("static const qr_conv qr_conv_cases[] = {\n%s\n};\n\n" % "\n".join(conv_rows))
    f.write("typedef struct {\n    const char *name;\n    rt_qmatmul_params p;\n"
            "    const void *a, *b, *za, *zb;\n    const int32_t *bias;\n"
            "    const float *sa, *sb, *sy;\n    const void *zy, *y;\n    int64_t ny;\n"
            "} qr_mm;\n\n")
    f.write("static const qr_mm qr_mm_cases[] = {\n%s\n};\n\n" % "\n".join(mm_rows))
    f.write("typedef struct {\n    const char *name;\n    rt_qpool_params p;\n"
            "    const void *x, *y;\n    int64_t ny;\n} qr_pool;\n\n")
    f.write("static const qr_pool qr_pool_cases[] = {\n%s\n};\n\n" % "\n".join(pool_rows))
    f.write("#endif /* QUANT_REFS_H */\n")
print("wrote quant_refs.h: %d quantize, %d dynamic, %d conv, %d matmul, %d pool cases" %
      (len(quant_rows), len(dyn_rows), len(conv_rows), len(mm_rows), len(pool_rows)))
