#!/usr/bin/python3
"""make_ext_refs.py - references for test_ext.c (the ext kernels) on cases
the ONNX suite does not reach, written to ext_refs.h:

  - NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss: PyTorch's
    F.nll_loss / F.cross_entropy in float64 (weights, ignore_index, N-d,
    every reduction, and a mean over targets that are all ignored: NaN);
  - Resize with scales < 1 (0.6): PyTorch's F.interpolate in float64
    (bilinear and bicubic with half-pixel centres, nearest = asymmetric floor);
  - LSTM, bidirectional, with sequence_lens shorter than the sequence:
    PyTorch's nn.LSTM on a packed sequence, weights reordered from PyTorch's
    gate order (i, f, g, o) to ONNX's (i, o, f, c);
  - GRU in reverse with linear_before_reset = 0: the ONNX suite's own
    GRU_Helper (onnx.backend.test.case.node.gru) run forward on the
    time-reversed input;
  - Det: numpy.linalg.det in float64.

Inputs are drawn with a fixed seed and rounded to float32 first, so the
references carry no float32 rounding of their own. Run with /usr/bin/python3:

    /usr/bin/python3 tests/runtime/make_ext_refs.py
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from onnx.backend.test.case.node.gru import GRU_Helper

HERE = os.path.dirname(os.path.abspath(__file__))
out = []


def cf(v):
    v = float(v)
    if math.isnan(v):
        return "NAN"
    s = "%.9g" % v
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s + "f"


def cd(v):
    v = float(v)
    if math.isnan(v):
        return "NAN"
    s = "%.17g" % v
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s


def arr(name, a, kind="float"):
    a = np.asarray(a).ravel()
    fmt = {"float": cf, "double": cd, "int64_t": lambda v: "%d" % int(v),
           "int32_t": lambda v: "%d" % int(v)}[kind]
    body = ", ".join(fmt(v) for v in a) if a.size else "0"
    out.append("static const %s %s[%d] = {%s};" % (kind, name, max(a.size, 1), body))


rng = np.random.default_rng(7)


def f32(shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def losses():
    # [N, C, d1, d2] = [2, 4, 3, 2]
    x = f32((2, 4, 3, 2))
    t = rng.integers(0, 4, size=(2, 3, 2)).astype(np.int64)
    t[0, 1, 0] = 1
    t[1, 2, 1] = 1
    w = f32((4,), 0.2, 1.5)
    arr("er_loss_x", x)
    arr("er_loss_t", t, "int64_t")
    arr("er_loss_w", w)
    xt = torch.tensor(x, dtype=torch.float64)
    tt = torch.tensor(t)
    wt = torch.tensor(w, dtype=torch.float64)
    logp = F.log_softmax(xt, dim=1)
    arr("er_sce_logprob", logp.numpy(), "double")
    for red in ("none", "sum", "mean"):
        arr("er_nll_%s" % red, F.nll_loss(logp, tt, weight=wt, ignore_index=1, reduction=red).numpy(),
            "double")
        arr("er_sce_%s" % red, F.cross_entropy(xt, tt, weight=wt, ignore_index=1,
                                               reduction=red).numpy(), "double")
    arr("er_sce_mean_now", F.cross_entropy(xt, tt, reduction="mean").numpy(), "double")
    # every target ignored: the mean is 0 / 0
    allign = torch.full_like(tt, 3)
    arr("er_nll_mean_all_ignored", F.nll_loss(xt, allign, ignore_index=3).numpy(), "double")


def resize():
    x = f32((1, 1, 5, 7))
    arr("er_rs_x", x)
    xt = torch.tensor(x, dtype=torch.float64)
    for mode in ("bilinear", "bicubic", "nearest"):
        kw = {} if mode == "nearest" else {"align_corners": False}
        y = F.interpolate(xt, scale_factor=0.6, mode=mode, recompute_scale_factor=False, **kw)
        assert y.shape == (1, 1, 3, 4)
        arr("er_rs_%s" % mode, y.numpy(), "double")


def onnx_gates(m, hs):
    """PyTorch (i, f, g, o) blocks to ONNX (i, o, f, c) along axis 0."""
    i, f, g, o = np.split(m, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def lstm():
    seq, batch, inp, hs = 5, 3, 2, 3
    lens = [5, 2, 3]
    torch.manual_seed(3)
    layer = torch.nn.LSTM(inp, hs, bidirectional=True).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.tensor(np.asarray(p.detach().numpy(), dtype=np.float32)))
    x = f32((seq, batch, inp))
    for b, n in enumerate(lens):
        x[n:, b] = 0.0
    ws, rs, bs = [], [], []
    for sfx in ("", "_reverse"):
        ws.append(onnx_gates(getattr(layer, "weight_ih_l0" + sfx).detach().numpy(), hs))
        rs.append(onnx_gates(getattr(layer, "weight_hh_l0" + sfx).detach().numpy(), hs))
        bs.append(np.concatenate([onnx_gates(getattr(layer, "bias_ih_l0" + sfx).detach().numpy(), hs),
                                  onnx_gates(getattr(layer, "bias_hh_l0" + sfx).detach().numpy(), hs)]))
    arr("er_lstm_x", x)
    arr("er_lstm_w", np.stack(ws))
    arr("er_lstm_r", np.stack(rs))
    arr("er_lstm_b", np.stack(bs))
    arr("er_lstm_lens", lens, "int32_t")
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x, dtype=torch.float64),
                                                     torch.tensor(lens), enforce_sorted=False)
    with torch.no_grad():
        y, (h, c) = layer(packed)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, total_length=seq)
    y = y.numpy().reshape(seq, batch, 2, hs).transpose(0, 2, 1, 3)   # [seq, dirs, batch, hs]
    arr("er_lstm_y", y, "double")
    arr("er_lstm_yh", h.numpy(), "double")
    arr("er_lstm_yc", c.numpy(), "double")


def gru_reverse():
    seq, batch, inp, hs = 4, 2, 3, 2
    x = f32((seq, batch, inp))
    w = f32((1, 3 * hs, inp), -0.8, 0.8)
    r = f32((1, 3 * hs, hs), -0.8, 0.8)
    b = f32((1, 6 * hs), -0.5, 0.5)
    h0 = f32((1, batch, hs), -0.5, 0.5)
    arr("er_gru_x", x)
    arr("er_gru_w", w)
    arr("er_gru_r", r)
    arr("er_gru_b", b)
    arr("er_gru_h0", h0)
    g = GRU_Helper(X=x[::-1].astype(np.float64), W=w.astype(np.float64), R=r.astype(np.float64),
                   B=b.astype(np.float64), initial_h=h0.astype(np.float64), linear_before_reset=0)
    y, yh = g.step()
    arr("er_gru_y", y[::-1], "double")      # back to the input's time order
    arr("er_gru_yh", yh, "double")


def det():
    m = f32((3, 4, 4))
    m[2] = m[2][[0, 0, 2, 3]]            # two equal rows: singular
    arr("er_det_x", m)
    arr("er_det_y", np.linalg.det(m.astype(np.float64)), "double")


losses()
resize()
lstm()
gru_reverse()
det()
with open(os.path.join(HERE, "ext_refs.h"), "w") as f:
    f.write("/* ext_refs.h - generated by make_ext_refs.py with torch %s; do not edit. */\n"
            % torch.__version__)
    f.write("#ifndef EXT_REFS_H\n#define EXT_REFS_H\n\n#include <math.h>\n#include <stdint.h>\n\n")
    f.write("\n".join(out))
    f.write("\n\n#endif\n")
