"""Small QDQ-quantized graphs for the QDQ fusion (compiler/fuse_quant.c), with
references from the numpy evaluation of the graph with ONNX semantics in
models/make_digits_int8.py (never from onnxcc). Each case is a directory
tests/data/qdq/NAME/{model.onnx, test_data_set_0/{input_0,output_0}.pb} and
fuses (or, for the *_unfused cases, deliberately does not fuse) as its name
says; tests/models/run.sh verifies them and checks which ops remain.
Run with /usr/bin/python3; writes next to this script."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models"))
from make_digits_int8 import run_graph  # noqa: E402

F32 = np.float32
rs = np.random.RandomState(11)


class G:
    def __init__(self):
        self.nodes, self.inits = [], []

    def init(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op, ins, out, **attrs):
        self.nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return out

    def qdq(self, x, s, z, tag, q_only=False):
        sn = self.init(tag + "_s", np.asarray(s, F32))
        zn = self.init(tag + "_z", np.asarray(z))
        q = self.node("QuantizeLinear", [x, sn, zn], tag + "_q")
        return q if q_only else self.node("DequantizeLinear", [q, sn, zn], tag + "_dq")

    def wdq(self, tag, w, axis, bias=None, sx=None, int_bias=True):
        m = w.shape[axis]
        red = tuple(i for i in range(w.ndim) if i != axis)
        s = (np.abs(w).max(axis=red) / 127.0).astype(F32)
        shp = [1] * w.ndim
        shp[axis] = m
        q = np.clip(np.rint(w / s.reshape(shp)), -127, 127).astype(np.int8)
        self.init(tag + "_wq", q)
        self.init(tag + "_ws", s)
        wn = self.node("DequantizeLinear", [tag + "_wq", tag + "_ws"], tag + "_w", axis=axis)
        if bias is None:
            return wn, None
        if not int_bias:
            return wn, self.init(tag + "_bf", bias.astype(F32))
        sb = (F32(sx) * s).astype(F32)
        self.init(tag + "_bq", np.rint(bias / sb).astype(np.int32))
        self.init(tag + "_bs", sb)
        return wn, self.node("DequantizeLinear", [tag + "_bq", tag + "_bs"], tag + "_b", axis=0)

    def model(self, name, x, out_type, out_shape):
        g = helper.make_graph(self.nodes, name,
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                             list(x.shape))],
                              [helper.make_tensor_value_info(self.nodes[-1].output[0], out_type,
                                                             out_shape)], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="qdq")
        m.ir_version = 7
        return m

    def save(self, name, x, out_type):
        shape = list(run_graph(self.model(name, x, out_type, None), x).shape)
        m = self.model(name, x, out_type, shape)
        onnx.checker.check_model(m)
        d = os.path.join(HERE, "qdq", name)
        os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(m.SerializeToString())
        y = run_graph(m, x)
        with open(os.path.join(d, "test_data_set_0", "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "input").SerializeToString())
        with open(os.path.join(d, "test_data_set_0", "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(y, self.nodes[-1].output[0]).SerializeToString())


def conv_case(name, relu, q_out, int_bias=True, xt=np.uint8):
    g = G()
    x = rs.uniform(-1, 2, (2, 3, 7, 6)).astype(F32)
    w = rs.normal(0, 0.3, (5, 3, 3, 3)).astype(F32)
    b = rs.normal(0, 0.2, 5).astype(F32)
    sx, zx = (F32(3 / 255), xt(85)) if xt == np.uint8 else (F32(3 / 255), xt(-43))
    xd = g.qdq("input", sx, zx, "x")
    wn, bn = g.wdq("c", w, 0, b, sx, int_bias)
    y = g.node("Conv", [xd, wn, bn], "conv", pads=[1, 0, 1, 2], strides=[1, 2])
    if relu:
        y = g.node("Relu", [y], "relu")
    if q_out:
        y = g.qdq(y, F32(0.02), np.uint8(0 if relu else 128), "y", q_only=True)
    g.save(name, x, TensorProto.UINT8 if q_out else TensorProto.FLOAT)


def gemm_case(name):
    g = G()
    x = rs.uniform(-2, 2, (3, 20)).astype(F32)
    w = rs.normal(0, 0.3, (7, 20)).astype(F32)
    b = rs.normal(0, 0.2, 7).astype(F32)
    xd = g.qdq("input", F32(4 / 255), np.uint8(128), "x")
    wn, bn = g.wdq("fc", w, 0, b, F32(4 / 255))
    g.node("Gemm", [xd, wn, bn], "gemm", transB=1)
    g.save(name, x, TensorProto.FLOAT)


def matmul_case(name):
    g = G()
    x = rs.uniform(-2, 2, (2, 3, 16)).astype(F32)
    w = rs.normal(0, 0.3, (16, 9)).astype(F32)
    xd = g.qdq("input", F32(4 / 254), np.int8(0), "x")
    wn, _ = g.wdq("mm", w, 1)
    y = g.node("MatMul", [xd, wn], "matmul")
    y = g.node("Relu", [y], "relu")
    g.qdq(y, F32(0.05), np.int8(-128), "y", q_only=True)
    g.save(name, x, TensorProto.INT8)


def pool_case(name, same):
    g = G()
    x = rs.uniform(-1, 1, (1, 2, 6, 6)).astype(F32)
    xd = g.qdq("input", F32(2 / 255), np.uint8(128), "x")
    y = g.node("MaxPool", [xd], "pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = g.qdq(y, F32(2 / 255) if same else F32(1 / 255), np.uint8(128), "y")
    y = g.node("Flatten", [y], "flat", axis=1)
    g.qdq(y, F32(2 / 255) if same else F32(1 / 255), np.uint8(128), "f", q_only=True)
    g.save(name, x, TensorProto.UINT8)


def main():
    conv_case("conv_relu_q", relu=True, q_out=True)
    conv_case("conv_float_out", relu=False, q_out=False, xt=np.int8)
    conv_case("conv_q_unfused", relu=False, q_out=True, int_bias=False)
    gemm_case("gemm_float_out")
    matmul_case("matmul_relu_q_i8")
    pool_case("pool_flatten_q", same=True)
    pool_case("pool_flatten_unfused", same=False)


if __name__ == "__main__":
    main()
