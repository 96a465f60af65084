#!/usr/bin/env python3
"""Writes small hand-made models into tests/fuzz/regress/, one per bug the
fuzzer found, reduced to the few fields that trigger it (the fuzzer's own
inputs are mutated 1 MB models). Needs only the standard library: it encodes
the ONNX protobuf messages itself. The files are committed; run this again
only to add a case.

usage: tests/fuzz/make_regress.py [OUTDIR]
"""
import os
import struct
import sys

# ---------------------------------------------------------------- protobuf


def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_int(field, v):
    return key(field, 0) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return key(field, 2) + varint(len(b)) + b


def f_float(field, v):
    return key(field, 5) + struct.pack("<f", v)


# ---------------------------------------------------------------- ONNX

FLOAT, INT64 = 1, 7


def tensor(name, dims, dtype=FLOAT, values=None, raw=None):
    b = b"".join(f_int(1, d) for d in dims) + f_int(2, dtype) + f_bytes(8, name)
    if raw is not None:
        b += f_bytes(9, raw)
    elif values is not None:
        fmt = "<%d%s" % (len(values), "f" if dtype == FLOAT else "q")
        b += f_bytes(9, struct.pack(fmt, *values))
    return b


def attr_int(name, v):
    return f_bytes(1, name) + f_int(3, v) + f_int(20, 2)


def attr_float(name, v):
    return f_bytes(1, name) + f_float(2, v) + f_int(20, 1)


def attr_ints(name, vs):
    return f_bytes(1, name) + b"".join(f_int(8, v) for v in vs) + f_int(20, 7)


def attr_tensor(name, t):
    return f_bytes(1, name) + f_bytes(5, t) + f_int(20, 4)


def node(op, inputs, outputs, attrs=(), name=""):
    b = b"".join(f_bytes(1, i) for i in inputs)
    b += b"".join(f_bytes(2, o) for o in outputs)
    b += f_bytes(3, name) + f_bytes(4, op)
    b += b"".join(f_bytes(5, a) for a in attrs)
    return b


def value_info(name, dims, dtype=FLOAT):
    dimb = b"".join(f_bytes(1, f_int(1, d) if isinstance(d, int) else f_bytes(2, d))
                    for d in dims)
    tt = f_int(1, dtype) + f_bytes(2, dimb)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, tt))


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "g")
    g += b"".join(f_bytes(5, t) for t in inits)
    g += b"".join(f_bytes(11, v) for v in inputs)
    g += b"".join(f_bytes(12, v) for v in outputs)
    return f_int(1, 8) + f_bytes(8, f_bytes(1, "") + f_int(2, opset)) + f_bytes(7, g)


# ---------------------------------------------------------------- cases

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def batchnorm_empty_required_input():
    """BatchNormalization whose scale input is named "": a NULL tensor reached
    channel_check (ops_nn.c) -> fixed at import: required inputs must be named."""
    x = value_info("x", [1, 2, 2, 2])
    c = [tensor(n, [2], values=[1.0, 1.0]) for n in ("b", "m", "v")]
    return model([node("BatchNormalization", ["x", "", "b", "m", "v"], ["y"])],
                 [x], [value_info("y", [1, 2, 2, 2])], c)


@case
def constant_of_shape_4g():
    """ConstantOfShape of a constant shape [2^30]: 4 GiB of float zeros made
    at compile time from a 100-byte file -> refused by cc_alloc_const."""
    shape = tensor("s", [1], INT64, values=[1 << 30])
    return model([node("ConstantOfShape", ["s"], ["y"])], [],
                 [value_info("y", [1 << 30])], [shape])


@case
def range_4g():
    """Range(0, 2^30, 1) in float: folded into 4 GiB -> refused."""
    c = [tensor("a", [], values=[0.0]), tensor("b", [], values=[float(1 << 30)]),
         tensor("c", [], values=[1.0])]
    return model([node("Range", ["a", "b", "c"], ["y"])], [],
                 [value_info("y", [1 << 30])], c, opset=11)


@case
def add_int64_broadcast_8g():
    """int64 Add of [32768, 1] and [1, 32768] constants (made by
    ConstantOfShape, 256 KiB each): folded into 8 GiB (fold_int64) -> refused."""
    one = attr_tensor("value", tensor("v", [1], INT64, values=[1]))
    c = [tensor("sa", [2], INT64, values=[32768, 1]), tensor("sb", [2], INT64, values=[1, 32768])]
    return model([node("ConstantOfShape", ["sa"], ["a"], [one]),
                  node("ConstantOfShape", ["sb"], ["b"], [one]),
                  node("Add", ["a", "b"], ["y"])], [],
                 [value_info("y", [32768, 32768], INT64)], c)


@case
def expand_fold_4g():
    """Expand of a constant scalar to [2^30]: folded by cc_infer's fold_node
    into 4 GiB -> refused."""
    c = [tensor("x", [1], values=[1.0]), tensor("s", [1], INT64, values=[1 << 30])]
    return model([node("Expand", ["x", "s"], ["y"])], [],
                 [value_info("y", [1 << 30])], c)


@case
def relu_chain_2000():
    """2,000 Relu nodes in a chain (50 KB): cc_unfused_bound (passes.c) was
    cubic in the node count, 8 s here and minutes for a 500 KB file ->
    now one linear sweep. The replay's per-input alarm catches a relapse."""
    n = 2000
    nodes = [node("Relu", ["t%d" % i], ["t%d" % (i + 1)]) for i in range(n)]
    return model(nodes, [value_info("t0", [1, 4])], [value_info("t%d" % n, [1, 4])])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "regress")
    os.makedirs(out, exist_ok=True)
    for name, fn in CASES.items():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(fn())
    print("wrote %d cases to %s" % (len(CASES), out))


if __name__ == "__main__":
    main()
