#!/usr/bin/python3
"""make_grad_refs.py - PyTorch's derivatives at the kinks and ties of the
runtime's element-wise ops and pooling, written to grad_refs.h.

The finite-difference tests (test_grad_*.c) keep away from kinks, where a
derivative is a convention rather than a limit. This script records the
convention the runtime follows, PyTorch's autograd, at exactly those points:
Relu at 0, HardSwish at +-3, Clip at its bounds, Max/Min ties, PRelu at 0,
Pow at 0, max-pool ties. Run it with /usr/bin/python3 (torch installed) from
any directory; it rewrites grad_refs.h next to itself:

    /usr/bin/python3 tests/runtime/make_grad_refs.py
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
NAN = float("nan")
MAXP = 8          # points per unary row


def f32(v):
    """v rounded to float, as a Python float (what the C side sees)."""
    return float(np.float32(v))


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


def clist(vals):
    return "{ " + ", ".join(cfloat(v) for v in vals) + " }"


def grad_of(fn, *xs, dy=None):
    """Gradients of sum(dy * fn(*xs)) for float32 inputs."""
    ts = [torch.tensor(x, dtype=torch.float32, requires_grad=True) for x in xs]
    y = fn(*ts)
    w = torch.ones_like(y) if dy is None else torch.tensor(dy, dtype=torch.float32).reshape(y.shape)
    (y * w).sum().backward()
    return [t.grad.detach().numpy().reshape(-1).tolist() for t in ts]


SELU_A = f32(1.6732632423543772848170429916717)
SELU_G = f32(1.0507009873554804934193349852946)

# (C op, alpha, beta, torch function of (x, alpha, beta), points)
UNARY = [
    ("RT_UN_NONE", 0.0, 0.0, lambda x, a, b: x * 1.0, [0.0, -1.5, 2.0]),
    ("RT_UN_RELU", 0.0, 0.0, lambda x, a, b: F.relu(x), [0.0, -0.0, 1.0, -1.0, NAN]),
    ("RT_UN_LEAKYRELU", f32(0.1), 0.0, lambda x, a, b: F.leaky_relu(x, a),
     [0.0, -0.0, 1.0, -1.0, NAN]),
    ("RT_UN_ELU", f32(0.3), 0.0, lambda x, a, b: F.elu(x, a), [0.0, -0.0, 1.0, -1.0, NAN]),
    ("RT_UN_SELU", SELU_A, SELU_G, lambda x, a, b: torch.ops.aten.elu(x, a, b, 1.0),
     [0.0, 1.0, -1.0, NAN]),
    ("RT_UN_SIGMOID", 0.0, 0.0, lambda x, a, b: torch.sigmoid(x), [0.0, 2.0, -3.0]),
    # torch's hardsigmoid is alpha = 1/6, beta = 1/2
    ("RT_UN_HARDSIGMOID", f32(1.0 / 6.0), 0.5, lambda x, a, b: F.hardsigmoid(x),
     [-3.0, 3.0, -2.5, 2.5, 0.0, 4.0, -4.0, NAN]),
    ("RT_UN_HARDSWISH", 0.0, 0.0, lambda x, a, b: F.hardswish(x),
     [-3.0, 3.0, -3.5, 3.5, 0.0, 1.0, -1.0, NAN]),
    ("RT_UN_TANH", 0.0, 0.0, lambda x, a, b: torch.tanh(x), [0.0, 0.5, -2.0]),
    ("RT_UN_SOFTPLUS", 0.0, 0.0, lambda x, a, b: F.softplus(x), [0.0, 25.0, -25.0, 1.0, 19.0]),
    ("RT_UN_SOFTSIGN", 0.0, 0.0, lambda x, a, b: F.softsign(x), [0.0, 2.0, -2.0]),
    ("RT_UN_CLIP", -1.0, 2.5, lambda x, a, b: torch.clamp(x, a, b),
     [-1.0, 2.5, -1.5, 3.0, 0.0, NAN]),
    ("RT_UN_SQRT", 0.0, 0.0, lambda x, a, b: torch.sqrt(x), [0.0, 4.0, 0.25]),
    ("RT_UN_EXP", 0.0, 0.0, lambda x, a, b: torch.exp(x), [0.0, 1.0, -2.0]),
    ("RT_UN_LOG", 0.0, 0.0, lambda x, a, b: torch.log(x), [0.0, 1.0, 0.5, 2.0]),
    ("RT_UN_ABS", 0.0, 0.0, lambda x, a, b: torch.abs(x), [0.0, -0.0, 2.0, -2.0]),
    ("RT_UN_NEG", 0.0, 0.0, lambda x, a, b: -x, [0.0, 3.0]),
    ("RT_UN_RECIPROCAL", 0.0, 0.0, lambda x, a, b: torch.reciprocal(x), [2.0, -0.5, 0.0]),
    ("RT_UN_AFFINE", 0.5, -1.25, lambda x, a, b: a * x + b, [0.0, 3.0]),
]

# Binary: (C op, torch function, a points, b points)
BINARY = [
    ("RT_BIN_MAX", torch.maximum, [1.0, 2.0, NAN, 1.0, 3.0, -0.0], [1.0, 1.0, 1.0, NAN, 3.0, 0.0]),
    ("RT_BIN_MIN", torch.minimum, [1.0, 2.0, NAN, 1.0, 3.0, -0.0], [1.0, 1.0, 1.0, NAN, 3.0, 0.0]),
    # prelu: per-element slopes through a [1, C] input with C channels
    ("RT_BIN_PRELU", lambda a, b: F.prelu(a.reshape(1, -1), b).reshape(-1),
     [0.0, -0.0, -1.0, 2.0, -3.0], [0.25, -0.5, 0.25, 0.75, 2.0]),
    ("RT_BIN_POW", torch.pow, [0.0, 0.0, -2.0, 0.0, 2.0, 2.0, 0.5, -2.0],
     [0.0, 2.0, 2.0, -1.0, 0.0, 3.0, -1.0, 0.5]),
    ("RT_BIN_DIV", torch.div, [1.0, 0.0, -3.0], [2.0, -4.0, 0.5]),
    ("RT_BIN_MUL", torch.mul, [1.0, 0.0, -3.0], [2.0, -4.0, 0.5]),
    ("RT_BIN_SUB", torch.sub, [1.0, 0.0], [2.0, -4.0]),
    ("RT_BIN_ADD", torch.add, [1.0, 0.0], [2.0, -4.0]),
]


def pool_case(name, kind, x, k, s, p, ceil, cip):
    """A 2-D pooling case on x [1, 1, H, W] with dy = random weights."""
    xt = torch.tensor(x, dtype=torch.float32).reshape(1, 1, *np.shape(x))
    xt.requires_grad_(True)
    if kind == "max":
        y = F.max_pool2d(xt, k, s, p, ceil_mode=ceil)
    else:
        y = F.avg_pool2d(xt, k, s, p, ceil_mode=ceil, count_include_pad=bool(cip))
    dy = torch.round(torch.rand(y.shape) * 8 - 4) / 4     # exact quarters
    (y * dy).sum().backward()
    return dict(name=name, kind=kind, x=np.array(x, dtype=np.float32), k=k, s=s, p=p,
                ceil=int(ceil), cip=int(cip), out=list(y.shape[2:]),
                dy=dy.numpy().reshape(-1), dx=xt.grad.numpy().reshape(-1))


def main():
    out = []
    w = out.append
    w("/* grad_refs.h - generated by make_grad_refs.py with torch %s; do not edit. */"
      % torch.__version__)
    w("#ifndef GRAD_REFS_H")
    w("#define GRAD_REFS_H")
    w("")
    w("#define GR_MAXP %d" % MAXP)
    w("")
    w("/* dL/dx of torch's version of each unary op at the given points, dy = 1. */")
    w("typedef struct {")
    w("    rt_unary_op op;")
    w("    float alpha, beta;")
    w("    int n;")
    w("    float x[GR_MAXP], dx[GR_MAXP];")
    w("    const char *name;")
    w("} gr_unary_ref;")
    w("")
    w("static const gr_unary_ref gr_unary_refs[] = {")
    for op, a, b, fn, pts in UNARY:
        assert len(pts) <= MAXP
        (dx,) = grad_of(lambda t: fn(t, a, b), pts)
        w("    { %s, %s, %s, %d, %s, %s, \"%s\" }," % (op, cfloat(a), cfloat(b), len(pts),
                                                    clist(pts), clist(dx), op[6:].lower()))
    w("};")
    w("")
    w("/* da, db of torch's version of each binary op, element by element, dy = 1. */")
    w("typedef struct {")
    w("    rt_binary_op op;")
    w("    int n;")
    w("    float a[GR_MAXP], b[GR_MAXP], da[GR_MAXP], db[GR_MAXP];")
    w("    const char *name;")
    w("} gr_binary_ref;")
    w("")
    w("static const gr_binary_ref gr_binary_refs[] = {")
    for op, fn, a, b in BINARY:
        da, db = grad_of(fn, a, b)
        w("    { %s, %d, %s, %s, %s, %s, \"%s\" }," % (op, len(a), clist(a), clist(b), clist(da),
                                                    clist(db), op[7:].lower()))
    w("};")
    w("")

    rng = np.random.default_rng(1)
    ninf = -np.inf
    cases = [
        # ties everywhere: values from {0, 1, 2}
        pool_case("max_ties_pad_ceil", "max", rng.integers(0, 3, (5, 6)).astype(float).tolist(),
                  3, 2, 1, True, 0),
        pool_case("max_ties_k2", "max", rng.integers(0, 2, (4, 6)).astype(float).tolist(),
                  2, 2, 0, False, 0),
        pool_case("max_overlap_ties", "max", rng.integers(0, 2, (5, 5)).astype(float).tolist(),
                  3, 1, 1, False, 0),
        pool_case("max_neg_inf", "max", [[ninf, ninf, 1.0, ninf], [ninf, ninf, ninf, ninf],
                                         [2.0, ninf, ninf, ninf]], 2, 2, 0, True, 0),
        pool_case("avg_pad_ceil", "avg", rng.standard_normal((5, 6)).tolist(), 3, 2, 1, True, 0),
        pool_case("avg_pad_ceil_cip", "avg", rng.standard_normal((5, 6)).tolist(), 3, 2, 1, True, 1),
    ]
    w("/* 2-D pooling of x [1, 1, h, w] with a square kernel k, stride s, padding p")
    w(" * on every side, ceil_mode ceil, count_include_pad cip; dx = torch's gradient")
    w(" * for the weights dy. */")
    w("typedef struct {")
    w("    const char *name;")
    w("    int is_max;")
    w("    int h, w, k, s, p, ceil, cip, oh, ow;")
    w("    float x[64], dy[64], dx[64];")
    w("} gr_pool_ref;")
    w("")
    w("static const gr_pool_ref gr_pool_refs[] = {")
    for c in cases:
        h, wd = c["x"].shape
        assert h * wd <= 64 and len(c["dy"]) <= 64
        w("    { \"%s\", %d, %d, %d, %d, %d, %d, %d, %d, %d, %d," % (
            c["name"], c["kind"] == "max", h, wd, c["k"], c["s"], c["p"], c["ceil"], c["cip"],
            c["out"][0], c["out"][1]))
        w("      %s," % clist(c["x"].reshape(-1)))
        w("      %s," % clist(c["dy"]))
        w("      %s }," % clist(c["dx"]))
    w("};")
    w("")

    # global max pooling as PyTorch's adaptive_max_pool2d(1): ties, NaN, -inf
    rows = [[1.0, 3.0, 3.0, 0.5], [1.0, NAN, NAN, 0.5], [ninf, ninf, ninf, ninf],
            [NAN, 5.0, 1.0, 2.0]]
    xt = torch.tensor(rows, dtype=torch.float32).reshape(1, 4, 2, 2).requires_grad_(True)
    F.adaptive_max_pool2d(xt, 1).sum().backward()
    w("/* adaptive_max_pool2d(1) (GlobalMaxPool) of 4 rows of 4, dy = 1. */")
    w("static const float gr_gmax_x[16] = %s;" % clist(np.array(rows).reshape(-1)))
    w("static const float gr_gmax_dx[16] = %s;" % clist(xt.grad.numpy().reshape(-1)))
    w("")
    w("#endif /* GRAD_REFS_H */")

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grad_refs.h")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
