#!/usr/bin/python3
"""Quantize the digits CNN to int8 with the QDQ pattern: models/digits_int8/.

Run after make_models.py (it reads models/digits/model.onnx):

    /usr/bin/python3 models/make_digits_int8.py

What it writes (deterministic, byte-identical on every run):
  digits_int8/model.onnx           opset 13, input 'input' [N,1,8,8] float32,
                                   output 'output' [N,10] float32
  digits_int8/test_data_set_0/     batch 1 (the first test image)
  digits_int8/test_data_set_1/     batch 4 (the first four)
  digits_int8/reference.txt        accuracy of the quantized graph on the test set

The quantization (post-training, static, as onnxruntime's QDQ quantizer lays
it out; the onnx.helper calls are written here, no onnxruntime needed):
  - BatchNormalization is folded into conv1 (in float64, then float32);
  - weights: int8, symmetric, per output channel (scale = max|w| / 127, zero
    point 0, values in [-127, 127]), stored as int8 initializers feeding a
    DequantizeLinear(axis=0);
  - biases: int32 with scale input_scale * weight_scale[c] (zero point 0),
    stored as int32 initializers feeding a DequantizeLinear(axis=0);
  - activations: uint8, per tensor, asymmetric, scale and zero point from the
    min / max of each tensor over the whole training set (calibration), the
    range widened to include 0; QuantizeLinear -> DequantizeLinear pairs on the
    input, after each Conv+Relu, around each MaxPool and around Flatten (data
    movement keeps its input's scale and zero point).

The test-set accuracy and the reference outputs come from a numpy evaluation
of the written graph with the ONNX operator semantics (QuantizeLinear rounds
x / scale half to even and saturates; DequantizeLinear is (q - zp) * scale in
float32; the float ops in float64), so they check what the file means, not
what onnxcc computes.
"""

import os
import sys

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as nh

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_models import _attrs, _conv, _pool  # noqa: E402  (numpy conv / pool)

F32 = np.float32
TP = onnx.TensorProto


def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, random_state=0, stratify=None)
    return xtr, ytr, np.ascontiguousarray(xte), np.ascontiguousarray(yte)


# ----------------------------------------------------------------------------
# numpy evaluation with ONNX semantics (float ops in float64)
# ----------------------------------------------------------------------------

def quantize(x, s, zp, axis=None):
    s = np.asarray(s, dtype=F32)
    zp = np.asarray(zp)
    if axis is not None and s.ndim == 1 and s.size > 1:
        shp = [1] * x.ndim
        shp[axis] = -1
        s, zp = s.reshape(shp), zp.reshape(shp)
    info = np.iinfo(zp.dtype)
    q = np.rint(np.asarray(x, dtype=F32) / s)               # float32 division, half to even
    return np.clip(q + zp.astype(np.float64), info.min, info.max).astype(zp.dtype)


def dequantize(q, s, zp, axis=None):
    s = np.asarray(s, dtype=F32)
    zp = np.zeros((), q.dtype) if zp is None else np.asarray(zp)
    if axis is not None and s.ndim == 1 and s.size > 1:
        shp = [1] * q.ndim
        shp[axis] = -1
        s, zp = s.reshape(shp), zp.reshape(shp)
    return (q.astype(np.int64) - zp.astype(np.int64)).astype(F32) * s


def run_graph(model, x, record=None):
    env = {i.name: nh.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = _attrs(node)
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "QuantizeLinear":
            y = quantize(ins[0], ins[1], ins[2], a.get("axis", 1))
        elif op == "DequantizeLinear":
            y = dequantize(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("axis", 1))
        elif op == "Conv":
            y = _conv(ins[0].astype(np.float64), ins[1].astype(np.float64),
                      ins[2].astype(np.float64) if len(ins) > 2 else None, a)
        elif op == "BatchNormalization":
            xx, s, b, mean, var = [v.astype(np.float64) for v in ins]
            shp = (1, -1, 1, 1)
            y = (xx - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + a.get("epsilon", 1e-5))
            y = y * s.reshape(shp) + b.reshape(shp)
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "MaxPool":
            y = _pool(ins[0], a, "max")
        elif op == "Flatten":
            y = ins[0].reshape(ins[0].shape[0], -1)
        elif op == "Gemm":
            B = ins[1].astype(np.float64)
            if a.get("transB", 0):
                B = B.T
            y = ins[0].astype(np.float64) @ B
            if len(ins) > 2 and ins[2] is not None:
                y = y + ins[2].astype(np.float64)
        elif op == "MatMul":
            y = ins[0].astype(np.float64) @ ins[1].astype(np.float64)
        else:
            raise NotImplementedError(op)
        if op not in ("QuantizeLinear",):
            y = np.asarray(y).astype(F32)           # every float tensor is float32
        env[node.output[0]] = y
        if record is not None:
            record[node.output[0]] = y
    return env[model.graph.output[0].name]


# ----------------------------------------------------------------------------
# quantization
# ----------------------------------------------------------------------------

def act_qparams(lo, hi):
    """uint8 asymmetric scale / zero point for the range [lo, hi] widened to 0."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    s = F32((hi - lo) / 255.0)
    zp = np.uint8(np.clip(np.rint(-lo / float(s)), 0, 255))
    return s, zp


def weight_qparams(w):
    """int8 symmetric per-output-channel: scale max|w| / 127, values in [-127, 127]."""
    m = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    s = (m / 127.0).astype(F32)
    s[s == 0] = F32(1.0)
    shp = (-1,) + (1,) * (w.ndim - 1)
    q = np.clip(np.rint(w.astype(F32) / s.reshape(shp)), -127, 127).astype(np.int8)
    return q, s


def build(float_model, xtr):
    W = {i.name: nh.to_array(i) for i in float_model.graph.initializer}
    bn = [n for n in float_model.graph.node if n.op_type == "BatchNormalization"][0]
    eps = _attrs(bn).get("epsilon", 1e-5)
    g = W["bn1.weight"].astype(np.float64) / np.sqrt(W["bn1.running_var"].astype(np.float64) + eps)
    w1 = (W["conv1.weight"].astype(np.float64) * g.reshape(-1, 1, 1, 1)).astype(F32)
    b1 = ((W["conv1.bias"] - W["bn1.running_mean"]) * g + W["bn1.bias"]).astype(F32)
    w2, b2 = W["conv2.weight"], W["conv2.bias"]
    w3, b3 = W["fc.weight"], W["fc.bias"]

    # calibration: ranges of the float activations over the training set
    rec = {}
    run_graph(float_model, xtr, rec)
    relu1 = rec["/Relu_output_0"]
    relu2 = rec["/Relu_1_output_0"]
    s_in, z_in = act_qparams(xtr.min(), xtr.max())
    s_1, z_1 = act_qparams(relu1.min(), relu1.max())
    s_2, z_2 = act_qparams(relu2.min(), relu2.max())

    inits, nodes = [], []

    def init(name, arr):
        inits.append(nh.from_array(np.ascontiguousarray(arr), name))
        return name

    def qdq(x, s, z, tag):
        sn = init(tag + "_scale", np.asarray(s, F32))
        zn = init(tag + "_zero_point", np.asarray(z, np.uint8))
        nodes.append(oh.make_node("QuantizeLinear", [x, sn, zn], [tag + "_q"], name=tag + "_Q"))
        nodes.append(oh.make_node("DequantizeLinear", [tag + "_q", sn, zn], [tag + "_dq"],
                                  name=tag + "_DQ"))
        return tag + "_dq"

    def qweight(name, w, b, s_x):
        q, s = weight_qparams(w)
        sb = (F32(s_x) * s).astype(F32)
        bq = np.rint(b.astype(np.float64) / sb.astype(np.float64)).astype(np.int32)
        init(name + "_w_q", q)
        init(name + "_w_scale", s)
        init(name + "_b_q", bq)
        init(name + "_b_scale", sb)
        nodes.append(oh.make_node("DequantizeLinear", [name + "_w_q", name + "_w_scale"],
                                  [name + "_w"], name=name + "_w_DQ", axis=0))
        nodes.append(oh.make_node("DequantizeLinear", [name + "_b_q", name + "_b_scale"],
                                  [name + "_b"], name=name + "_b_DQ", axis=0))
        return name + "_w", name + "_b"

    conv_attrs = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    pool_attrs = dict(kernel_shape=[2, 2], strides=[2, 2])
    x = qdq("input", s_in, z_in, "input")
    wn, bname = qweight("conv1", w1, b1, s_in)
    nodes.append(oh.make_node("Conv", [x, wn, bname], ["conv1_out"], name="conv1", **conv_attrs))
    nodes.append(oh.make_node("Relu", ["conv1_out"], ["relu1"], name="relu1"))
    x = qdq("relu1", s_1, z_1, "relu1")
    nodes.append(oh.make_node("MaxPool", [x], ["pool1"], name="pool1", **pool_attrs))
    x = qdq("pool1", s_1, z_1, "pool1")
    wn, bname = qweight("conv2", w2, b2, s_1)
    nodes.append(oh.make_node("Conv", [x, wn, bname], ["conv2_out"], name="conv2", **conv_attrs))
    nodes.append(oh.make_node("Relu", ["conv2_out"], ["relu2"], name="relu2"))
    x = qdq("relu2", s_2, z_2, "relu2")
    nodes.append(oh.make_node("MaxPool", [x], ["pool2"], name="pool2", **pool_attrs))
    x = qdq("pool2", s_2, z_2, "pool2")
    nodes.append(oh.make_node("Flatten", [x], ["flat"], name="flatten", axis=1))
    x = qdq("flat", s_2, z_2, "flat")
    wn, bname = qweight("fc", w3, b3, s_2)
    nodes.append(oh.make_node("Gemm", [x, wn, bname], ["output"], name="fc", transB=1))

    graph = oh.make_graph(
        nodes, "digits_int8",
        [oh.make_tensor_value_info("input", TP.FLOAT, ["N", 1, 8, 8])],
        [oh.make_tensor_value_info("output", TP.FLOAT, ["N", 10])], inits)
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 13)],
                          producer_name="onnxcc models/make_digits_int8.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def weight_bytes(model):
    """Bytes of the initializers (what the model stores)."""
    return sum(nh.to_array(i).nbytes for i in model.graph.initializer)


def main():
    xtr, ytr, xte, yte = digits_split()
    float_model = onnx.load(os.path.join(HERE, "digits", "model.onnx"))
    ref = dict(l.split() for l in open(os.path.join(HERE, "digits", "reference.txt")))
    fpred = run_graph(float_model, xte).argmax(1)
    fcorrect = int((fpred == yte).sum())
    assert fcorrect == int(ref["correct"]), (fcorrect, ref)   # numpy agrees with PyTorch

    model = build(float_model, xtr)
    out = os.path.join(HERE, "digits_int8")
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    model = onnx.load(os.path.join(out, "model.onnx"))       # evaluate what was written

    logits = run_graph(model, xte)
    correct = int((logits.argmax(1) == yte).sum())
    T = len(yte)
    for k, n in enumerate((1, 4)):
        d = os.path.join(out, "test_data_set_%d" % k)
        os.makedirs(d, exist_ok=True)
        xi = np.ascontiguousarray(xte[:n])
        yo = run_graph(model, xi).astype(F32)
        assert np.array_equal(yo, logits[:n])
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(nh.from_array(xi, "input").SerializeToString())
        with open(os.path.join(d, "output_0.pb"), "wb") as f:
            f.write(nh.from_array(yo, "output").SerializeToString())
    with open(os.path.join(out, "reference.txt"), "w") as f:
        f.write("samples %d\naccuracy %.6f\ncorrect %d\nfloat_correct %d\n" %
                (T, correct / T, correct, fcorrect))
    fb, qb = weight_bytes(float_model), weight_bytes(model)
    print("digits float: %d/%d correct (%.4f), initializer bytes %d" % (fcorrect, T, fcorrect / T, fb))
    print("digits int8:  %d/%d correct (%.4f), initializer bytes %d" % (correct, T, correct / T, qb))
    assert abs(correct - fcorrect) / T <= 0.01, "int8 accuracy more than one point below float"


if __name__ == "__main__":
    sys.exit(main())
