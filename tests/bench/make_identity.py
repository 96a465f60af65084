#!/usr/bin/python3
"""Writes an ONNX model that is one Identity node: float input 'x' of shape
[N, D], both symbolic. run.py times it in ONNX Runtime, fed [1, K] with K the
real model's input size, as ORT's per-call floor (the cost of a session.run
that computes nothing).

    /usr/bin/python3 tests/bench/make_identity.py OUT.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_identity.py OUT.onnx")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "D"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "D"])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y])
    model = helper.make_model(graph, producer_name="onnxcc-bench",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
