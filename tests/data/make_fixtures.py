#!/usr/bin/python3
"""Build the small ONNX fixtures that tests/cli/run.sh feeds to onnxcc.

Run once, from anywhere, and commit what it writes (the CLI tests themselves
need no Python):

    /usr/bin/python3 tests/data/make_fixtures.py

Needs onnx (1.12) and numpy. Everything is seeded, so running it twice gives
byte-identical files. It writes, next to this script:

  bad/*.onnx, bad/random.bin
        models onnxcc must refuse with one diagnostic line and exit code 2:
        a dangling input, a cycle, short raw_data, huge and negative
        dimensions (also huge dimensions in an empty tensor), unsupported
        ops, a too-new opset, an unbound symbolic dimension.
  hostile/model.onnx, hostile/test_data_set_0/{input,output}_K.pb
        a valid model whose tensor and node names are hostile to a C emitter
        (comment terminators, quotes, backslashes, newlines, #define, C
        keywords, trigraphs, non-ASCII, 5000-character names, an empty node
        name, names that collide once sanitized). The reference outputs are
        computed here with numpy, independently of onnxcc.
  foo/model.onnx, foo/test_data_set_0/{input,output}_0.pb
        a model with an unknown op "Foo" and well-formed data, so
        `onnxcc verify` must refuse the model (exit 2), not the data.
  edge/NAME/model.onnx, edge/NAME/test_data_set_0/*.pb
        valid graphs that stress the emitter's parameter handling: an unused
        input, an input read only for its shape, outputs that are an input or
        an initializer, an output with no elements.
  mlp_mismatch/{input,output}_0.pb
        models/mlp/test_data_set_0 with output_0 altered, so `onnxcc verify`
        must report a mismatch (exit 1).
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OPSET = 13
FLOAT = TensorProto.FLOAT


def write(path, data):
    path = os.path.join(HERE, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (os.path.relpath(path, ROOT), len(data)))


def save_model(path, graph, opset=OPSET, check=False):
    model = helper.make_model(graph, producer_name="onnxcc-fixtures",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    write(path, model.SerializeToString())


def save_tensor(path, array, name):
    write(path, numpy_helper.from_array(array, name=name).SerializeToString())


def vi(name, dims):
    return helper.make_tensor_value_info(name, FLOAT, dims)


def raw_tensor(name, dims, nbytes):
    """A float initializer of shape dims holding nbytes of raw_data (possibly
    fewer than the shape needs: that is the point)."""
    t = TensorProto()
    t.name = name
    t.data_type = FLOAT
    t.dims.extend(dims)
    t.raw_data = b"\0" * nbytes
    return t


def relu_graph(name, x, y, node="relu_node", x_dims=(1, 4), y_dims=(1, 4)):
    return helper.make_graph([helper.make_node("Relu", [x], [y], name=node)], name,
                             [vi(x, list(x_dims))], [vi(y, list(y_dims))])


# ---------------------------------------------------------------- bad models

def make_bad():
    # a node input that no node, input or initializer produces
    save_model("bad/dangling.onnx", helper.make_graph(
        [helper.make_node("Relu", ["x"], ["h"], name="first_node"),
         helper.make_node("Add", ["h", "ghost_tensor"], ["y"], name="consumer_node")],
        "dangling", [vi("x", [1, 4])], [vi("y", [1, 4])]))

    # the same, but the dangling name holds a newline: still one line of diagnostic
    save_model("bad/dangling_newline.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "ghost\nsecond line"], ["y"], name="nl_node")],
        "dangling_nl", [vi("x", [1, 4])], [vi("y", [1, 4])]))

    # two nodes feeding each other
    save_model("bad/cycle.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "b"], ["a"], name="cycle_a"),
         helper.make_node("Relu", ["a"], ["b"], name="cycle_b"),
         helper.make_node("Relu", ["a"], ["y"], name="tail_node")],
        "cycle", [vi("x", [1, 4])], [vi("y", [1, 4])]))

    # raw_data of 8 bytes for a [4, 4] float tensor (needs 64)
    save_model("bad/short_raw.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "short_w"], ["y"], name="add_node")],
        "short_raw", [vi("x", [4, 4])], [vi("y", [4, 4])],
        initializer=[raw_tensor("short_w", [4, 4], 8)]))

    # an initializer of 10^12 elements (the file holds 4 bytes of it)
    save_model("bad/huge_init.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "huge_w"], ["y"], name="add_node")],
        "huge_init", [vi("x", [1])], [vi("y", [1])],
        initializer=[raw_tensor("huge_w", [10 ** 12], 4)]))

    # an input of 10^12 elements
    # a zero-element initializer whose other dimensions are 10^12: no element
    # count overflows, but every stride computed from it does
    save_model("bad/huge_empty.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "empty_w"], ["y"], name="add_node")],
        "huge_empty", [vi("x", [1])], [vi("y", [0, 10 ** 12, 10 ** 12, 10 ** 12])],
        initializer=[raw_tensor("empty_w", [0, 10 ** 12, 10 ** 12, 10 ** 12], 0)]))
    # the same with each dimension at the element limit (2^31): the product of
    # the non-zero dimensions, 2^93, still overflows a stride
    save_model("bad/huge_empty_2g.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "empty_w"], ["y"], name="add_node")],
        "huge_empty_2g", [vi("x", [1])], [vi("y", [0, 2 ** 31, 2 ** 31, 2 ** 31])],
        initializer=[raw_tensor("empty_w", [0, 2 ** 31, 2 ** 31, 2 ** 31], 0)]))

    save_model("bad/huge_input.onnx",
               relu_graph("huge_input", "huge_x", "y", x_dims=(1, 10 ** 12), y_dims=(1, 10 ** 12)))

    # negative dimensions
    save_model("bad/neg_init.onnx", helper.make_graph(
        [helper.make_node("Add", ["x", "neg_w"], ["y"], name="add_node")],
        "neg_init", [vi("x", [1, 4])], [vi("y", [1, 4])],
        initializer=[raw_tensor("neg_w", [-1, 4], 0)]))
    save_model("bad/neg_input.onnx",
               relu_graph("neg_input", "neg_x", "y", x_dims=(-3, 4), y_dims=(3, 4)))

    # an op onnxcc does not implement, and one nobody does
    save_model("bad/nms.onnx", helper.make_graph(
        [helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["sel"], name="nms_node")],
        "nms", [vi("boxes", [1, 2, 4]), vi("scores", [1, 1, 2])],
        [helper.make_tensor_value_info("sel", TensorProto.INT64, [2, 3])]), check=True)

    # a newer opset than onnxcc knows
    save_model("bad/opset99.onnx", relu_graph("opset99", "x", "y", node="relu99"), opset=99)

    # a symbolic batch dimension nobody binds
    save_model("bad/symbolic.onnx",
               relu_graph("symbolic", "sym_x", "y", x_dims=("batch_sz", 4),
                          y_dims=("batch_sz", 4)), check=True)

    # bytes that are not a protobuf
    rng = np.random.default_rng(12345)
    write("bad/random.bin", rng.integers(0, 256, 512, dtype=np.uint8).tobytes())


def make_foo():
    """An unknown op with valid data, for `verify` exit code 2."""
    save_model("foo/model.onnx", helper.make_graph(
        [helper.make_node("Relu", ["x"], ["h"], name="pre_node"),
         helper.make_node("Foo", ["h"], ["y"], name="foo_node")],
        "foo", [vi("x", [1, 4])], [vi("y", [1, 4])]))
    x = np.array([[1, -2, 3, -4]], dtype=np.float32)
    save_tensor("foo/test_data_set_0/input_0.pb", x, "x")
    save_tensor("foo/test_data_set_0/output_0.pb", np.maximum(x, 0), "y")


# ---------------------------------------------------------------- hostile names

LONG_A = "W" * 5000                      # 5000 characters
LONG_B = "W" * 4999 + "v"                # same first 4999: collides once truncated
LONG_NODE = "N" * 5000


def make_hostile():
    # inputs
    x0 = "x */ \"dq\" 'sq' \\ /* ??/ end"     # comment terminator/opener, quotes, trigraph
    x1 = "int"                                # a C keyword
    x2 = "a.b"                                # collides with the initializer a_b once sanitized
    # initializers
    w_ret = "return"
    w_def = "#define X 1\n#include <stdio.h>"
    w_ab = "a_b"
    # intermediates
    t1 = "line1\nline2 */"
    t2 = "\u00fcn\u00efc\u00f8d\u00e9 \u2713 \u540d\u524d"   # non-ASCII UTF-8
    t3 = "/* */ // \\"
    t4 = "while"
    t5 = "\\"
    t6 = "\""
    # outputs
    y0 = "y.z"
    y1 = "y_z"
    y2 = "'\"\\\n#define int float */ ??/"

    rng = np.random.default_rng(2024)

    def rnd(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    a0, a1, a2 = rnd(2, 4), rnd(2, 4), rnd(2, 4)
    ret, dfn = rnd(4), rnd(4)
    ab, la, lb = rnd(4, 3), rnd(3), rnd(3)

    nodes = [
        helper.make_node("Add", [x0, w_ret], [t1], name=""),
        helper.make_node("Mul", [t1, x1], [t2], name=""),
        helper.make_node("Add", [t2, x2], [t3], name="*/ evil /* \"node\" \\"),
        helper.make_node("Sub", [t3, w_def], [t4], name="#define X 2\n"),
        helper.make_node("Relu", [t4], [t5], name=LONG_NODE),
        helper.make_node("Gemm", [t5, w_ab, LONG_A], [t6], name="void"),
        helper.make_node("Add", [t6, LONG_B], [y0], name="\u00fc ??/"),
        helper.make_node("Mul", [t5, t5], [y1], name="a.b"),
        helper.make_node("Neg", [t3], [y2], name="a_b"),
    ]
    inits = [numpy_helper.from_array(ret, w_ret), numpy_helper.from_array(dfn, w_def),
             numpy_helper.from_array(ab, w_ab), numpy_helper.from_array(la, LONG_A),
             numpy_helper.from_array(lb, LONG_B)]
    graph = helper.make_graph(nodes, "hostile \"*/ names",
                              [vi(x0, [2, 4]), vi(x1, [2, 4]), vi(x2, [2, 4])],
                              [vi(y0, [2, 3]), vi(y1, [2, 4]), vi(y2, [2, 4])],
                              initializer=inits)
    save_model("hostile/model.onnx", graph, check=True)

    # the reference, in numpy (float32 throughout, like the model)
    r1 = a0 + ret
    r2 = r1 * a1
    r3 = r2 + a2
    r4 = r3 - dfn
    r5 = np.maximum(r4, np.float32(0))
    r6 = r5 @ ab + la
    out0 = (r6 + lb).astype(np.float32)
    out1 = (r5 * r5).astype(np.float32)
    out2 = (-r3).astype(np.float32)
    d = "hostile/test_data_set_0/"
    for k, (arr, name) in enumerate([(a0, x0), (a1, x1), (a2, x2)]):
        save_tensor(d + "input_%d.pb" % k, arr, name)
    for k, (arr, name) in enumerate([(out0, y0), (out1, y1), (out2, y2)]):
        save_tensor(d + "output_%d.pb" % k, arr, name)


# ---------------------------------------------------------------- edge graphs

def make_edge():
    """Valid graphs whose generated code has parameters no kernel reads or
    writes, or steps that only copy: each with a reference computed here."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    u = rng.standard_normal((2, 3)).astype(np.float32)
    c = np.array([1.5, -2.5], dtype=np.float32)

    def case(name, nodes, ins, outs, ref_in, ref_out, inits=()):
        save_model("edge/%s/model.onnx" % name,
                   helper.make_graph(nodes, name, ins, outs, initializer=list(inits)), check=True)
        for k, (arr, nm) in enumerate(ref_in):
            save_tensor("edge/%s/test_data_set_0/input_%d.pb" % (name, k), arr, nm)
        for k, (arr, nm) in enumerate(ref_out):
            save_tensor("edge/%s/test_data_set_0/output_%d.pb" % (name, k), arr, nm)

    # an input no node reads
    case("unused_input", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [vi("x", [2, 3]), vi("u", [2, 3])], [vi("y", [2, 3])],
         [(x, "x"), (u, "u")], [(np.maximum(x, 0), "y")])
    # an input read only for its shape (torch exports do this all the time)
    case("shape_only", [helper.make_node("Shape", ["x"], ["y"], name="shape")],
         [vi("x", [2, 3])], [helper.make_tensor_value_info("y", TensorProto.INT64, [2])],
         [(x, "x")], [(np.array([2, 3], dtype=np.int64), "y")])
    # an output that is the input itself, and one that is an initializer
    case("passthrough", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [vi("x", [2, 3])], [vi("y", [2, 3]), vi("x", [2, 3]), vi("c", [2])],
         [(x, "x")], [(np.maximum(x, 0), "y"), (x, "x"), (c, "c")],
         inits=[numpy_helper.from_array(c, "c")])
    # an output with no elements beside an ordinary one
    sl = [numpy_helper.from_array(np.array([v], dtype=np.int64), n)
          for n, v in (("starts", 2), ("ends", 2), ("axes", 1))]
    case("empty_output",
         [helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["e"], name="slice"),
          helper.make_node("Neg", ["x"], ["y"], name="neg")],
         [vi("x", [2, 3])], [vi("e", [2, 0]), vi("y", [2, 3])],
         [(x, "x")], [(np.zeros((2, 0), dtype=np.float32), "e"), (-x, "y")], inits=sl)


# ---------------------------------------------------------------- mismatch data

def make_mismatch():
    src = os.path.join(ROOT, "models", "mlp", "test_data_set_0")
    inp = onnx.load_tensor(os.path.join(src, "input_0.pb"))
    out = onnx.load_tensor(os.path.join(src, "output_0.pb"))
    y = numpy_helper.to_array(out).copy()
    y.flat[3] += np.float32(1.0)  # far outside any tolerance
    write("mlp_mismatch/input_0.pb", inp.SerializeToString())
    save_tensor("mlp_mismatch/output_0.pb", y, out.name)


if __name__ == "__main__":
    make_bad()
    make_foo()
    make_hostile()
    make_edge()
    make_mismatch()
