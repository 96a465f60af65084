#!/usr/bin/python3
"""Writes the model ort_bench.js times as ONNX Runtime's per-call floor for
MODEL: one node that computes nothing worth timing, with the same traffic
across the call as MODEL's. Its float input x is [1, D], D the element count
of MODEL's inputs together, and its output y is [1, K], K that of MODEL's
outputs: y = Slice(x)[:, :K] (or x padded with zeros when K > D).

A call's fixed cost depends on the bytes that cross it, and most on the
output, which ORT allocates and Node copies out: an Identity of MobileNet's
27,648-float input costs 50-54 us a call here, the same call returning 2
floats 7 us, and MobileNet's own call returns 2 floats.

    /usr/bin/python3 tests/bench/make_floor.py MODEL.onnx OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def elements(values):
    n = 0
    for v in values:
        k = 1
        for d in v.type.tensor_type.shape.dim:
            k *= d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1
        n += k
    return n


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_floor.py MODEL.onnx OUT.onnx")
    m = onnx.load(sys.argv[1], load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    d = elements([v for v in m.graph.input if v.name not in inits])
    k = elements(m.graph.output)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, k])
    if k <= d:
        consts = [numpy_helper.from_array(np.array([v], np.int64), n)
                  for n, v in (("starts", 0), ("ends", k), ("axes", 1))]
        node = helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"])
    else:
        consts = [numpy_helper.from_array(np.array([0, 0, 0, k - d], np.int64), "pads")]
        node = helper.make_node("Pad", ["x", "pads"], ["y"])
    graph = helper.make_graph([node], "floor", [x], [y], consts)
    model = helper.make_model(graph, producer_name="onnxcc-bench",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[2])


if __name__ == "__main__":
    main()
