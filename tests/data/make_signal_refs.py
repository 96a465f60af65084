#!/usr/bin/env python3
"""Writes tests/data/signal/: small models of Einsum, DFT, STFT, window,
LpPool, GlobalLpPool and LpNormalization cases the ONNX suite does not
reach, with numpy's results (computed in double) as the references. Run once; the outputs are committed.

usage: /usr/bin/python3 tests/data/make_signal_refs.py
"""
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "signal")
rng = np.random.default_rng(7)


def save(name, node, ins, outs, opset):
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    g = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in ins],
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in outs])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]),
              os.path.join(d, "model.onnx"))
    for i, (_, v) in enumerate(ins):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(v.astype(np.float32)).SerializeToString())
    for i, (_, v) in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(v.astype(np.float32)).SerializeToString())


def einsum(name, eq, *shapes):
    xs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    y = np.einsum(eq, *[x.astype(np.float64) for x in xs])
    names = ["x%d" % i for i in range(len(xs))]
    save(name, helper.make_node("Einsum", names, ["y"], equation=eq),
         list(zip(names, xs)), [("y", np.asarray(y))], 12)


def cplx(z):
    return np.stack((z.real, z.imag), axis=-1)


def dft(name, x, axis, onesided=0, inverse=0, length=None):
    """x: [batch, ..., 1 or 2]; the transform along axis, as numpy computes it."""
    z = x[..., 0] + (1j * x[..., 1] if x.shape[-1] == 2 else 0)
    n = length or x.shape[axis]
    if inverse:
        y = np.fft.ifft(z, n=n, axis=axis)
    elif onesided:
        y = np.fft.rfft(z.real, n=n, axis=axis)
    else:
        y = np.fft.fft(z, n=n, axis=axis)
    node = helper.make_node("DFT", ["x"] + (["len"] if length else []), ["y"], axis=axis,
                            onesided=onesided, inverse=inverse)
    ins = [("x", x.astype(np.float32))]
    if length:
        # dft_length is a constant initializer here (a graph input in the suite)
        node = helper.make_node("DFT", ["x", "len"], ["y"], axis=axis, onesided=onesided,
                                inverse=inverse)
    save(name, node, ins, [("y", cplx(y))], 17)
    if length:
        m = onnx.load(os.path.join(OUT, name, "model.onnx"))
        m.graph.initializer.append(numpy_helper.from_array(np.array(length, np.int64), "len"))
        onnx.save(m, os.path.join(OUT, name, "model.onnx"))


def window(name, op, size, periodic):
    """A window of constant size (an int64 initializer) plus a float input
    x added to it, so the model has an input; numpy's formula with pi."""
    k = np.arange(size)
    big_n = size if periodic else size - 1
    a = 2 * np.pi * k / big_n
    w = {"HannWindow": 0.5 - 0.5 * np.cos(a),
         "HammingWindow": 25 / 46 - (21 / 46) * np.cos(a),
         "BlackmanWindow": 0.42 - 0.5 * np.cos(a) + 0.08 * np.cos(2 * a)}[op]
    x = rng.standard_normal((size,))
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    g = helper.make_graph(
        [helper.make_node(op, ["size"], ["w"], periodic=periodic),
         helper.make_node("Add", ["x", "w"], ["y"])], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, x.shape)],
        [numpy_helper.from_array(np.array(size, np.int64), "size")])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "test_data_set_0", "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x.astype(np.float32)).SerializeToString())
    with open(os.path.join(d, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array((x.astype(np.float32) + w).astype(np.float32))
                .SerializeToString())


def lppool(name, shape, p, kernel, strides, pads):
    """LpPool over 2-D maps (pads: begin h, begin w, end h, end w), padding
    counting as zeros, by direct loops; kernel None: GlobalLpPool."""
    x = rng.standard_normal(shape)
    n, c, h, w = shape
    if kernel is None:
        y = (np.abs(x) ** p).sum(axis=(2, 3), keepdims=True) ** (1.0 / p)
        node = helper.make_node("GlobalLpPool", ["x"], ["y"], p=p)
    else:
        xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
        oh = (h + pads[0] + pads[2] - kernel[0]) // strides[0] + 1
        ow = (w + pads[1] + pads[3] - kernel[1]) // strides[1] + 1
        y = np.zeros((n, c, oh, ow))
        for i in range(oh):
            for j in range(ow):
                win = xp[:, :, i * strides[0]:i * strides[0] + kernel[0],
                         j * strides[1]:j * strides[1] + kernel[1]]
                y[:, :, i, j] = (np.abs(win) ** p).sum(axis=(2, 3)) ** (1.0 / p)
        node = helper.make_node("LpPool", ["x"], ["y"], p=p, kernel_shape=kernel,
                                strides=strides, pads=pads)
    save(name, node, [("x", x)], [("y", y)], 11)


def lpnorm(name, shape, p, axis):
    x = rng.standard_normal(shape)
    y = x / (np.abs(x) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)
    save(name, helper.make_node("LpNormalization", ["x"], ["y"], p=p, axis=axis),
         [("x", x)], [("y", y)], 11)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    einsum("einsum_matmul", "ij,jk->ik", (3, 4), (4, 5))
    einsum("einsum_ellipsis_broadcast", "...ij,...jk", (2, 3, 4), (4, 5))
    einsum("einsum_bmm_transposed", "bij,bkj->bik", (2, 3, 4), (2, 5, 4))
    einsum("einsum_trace", "ii", (4, 4))
    einsum("einsum_total", "ij->", (3, 4))
    einsum("einsum_outer", "i,j->ij", (3,), (4,))
    einsum("einsum_permute", "abc->cba", (2, 3, 4))
    einsum("einsum_implicit_sorted", "ba,ca", (3, 4), (5, 4))
    einsum("einsum_long_sum", "i,i->", (3000,), (3000,))
    x = rng.standard_normal((2, 12, 3, 1))
    dft("dft_onesided", x, 1, onesided=1)
    dft("dft_pad", x, 1, length=16)
    dft("dft_truncate", x, 1, length=7)
    xc = rng.standard_normal((2, 5, 3, 2))
    dft("dft_complex_axis2", xc, 2)
    dft("dft_inverse_pad", xc, 1, inverse=1, length=8)
    dft("dft_long", rng.standard_normal((1, 1000, 1)), 1)
    window("window_hann", "HannWindow", 10, 1)
    window("window_hamming_symmetric", "HammingWindow", 10, 0)
    window("window_blackman", "BlackmanWindow", 64, 1)
    lppool("lppool_p2", (2, 3, 7, 6), 2, [3, 3], [2, 2], [1, 1, 1, 0])
    lppool("lppool_p3", (1, 2, 5, 5), 3, [2, 3], [1, 2], [0, 1, 0, 1])
    lppool("lppool_p1", (1, 2, 4, 4), 1, [2, 2], [2, 2], [0, 0, 0, 0])
    lppool("globallppool_p2", (2, 3, 5, 4), 2, None, None, None)
    lppool("globallppool_p3", (1, 4, 3, 3), 3, None, None, None)
    lpnorm("lpnorm_p2_last", (3, 4, 5), 2, -1)
    lpnorm("lpnorm_p1_axis1", (3, 4, 5), 1, 1)


if __name__ == "__main__":
    main()
