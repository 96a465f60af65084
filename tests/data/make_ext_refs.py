"""Exports small PyTorch models that use the ext ops (recurrent layers,
losses, Resize, indexing) to ONNX, with PyTorch's own outputs as the
reference: tests/data/ext/NAME/{model.onnx,test_data_set_0/}.
tests/models/run.sh verifies each with `onnxcc verify`.
Run with /usr/bin/python3 from anywhere; writes next to this script."""
import os

import torch
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ext")


def save(name, model, inputs, opset=14):
    d = os.path.join(HERE, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    model.eval()
    in_names = ["input%d" % i for i in range(len(inputs))]
    with torch.no_grad():
        outs = model(*inputs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    out_names = ["output%d" % i for i in range(len(outs))]
    torch.onnx.export(model, tuple(inputs), os.path.join(d, "model.onnx"), input_names=in_names,
                      output_names=out_names, opset_version=opset)
    for i, t in enumerate(inputs):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), in_names[i]).SerializeToString())
    for i, t in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), out_names[i]).SerializeToString())


class Rec(torch.nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, *state):
        if len(state) == 2:
            state = (state,)
        y = self.layer(x, *state)
        out, h = y
        if isinstance(h, tuple):
            return (out,) + h
        return out, h


class Fn(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def main():
    torch.manual_seed(0)
    # recurrent layers: bidirectional (forward + reverse), two layers, initial
    # states, ReLU activations, GRU's linear_before_reset = 1, batch_first
    save("rnn_relu_bidir", Rec(torch.nn.RNN(3, 4, nonlinearity="relu", bidirectional=True)),
         [torch.randn(5, 2, 3), torch.randn(2, 2, 4)])
    save("gru_bidir_2layer", Rec(torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)),
         [torch.randn(4, 3, 3), torch.randn(4, 3, 5)])
    save("lstm_bidir_batch_first",
         Rec(torch.nn.LSTM(4, 3, bidirectional=True, batch_first=True)),
         [torch.randn(2, 6, 4), torch.randn(2, 2, 3), torch.randn(2, 2, 3)])
    save("lstm_2layer", Rec(torch.nn.LSTM(2, 6, num_layers=2)), [torch.randn(7, 1, 2)])
    # losses: weights, ignore_index (including on a whole row of targets), N-d
    w = torch.rand(5) + 0.5
    tgt = torch.tensor([[1, 4, -1], [-1, -1, -1]])
    save("ce_weight_ignore_nd", Fn(lambda x, t: F.cross_entropy(x, t, weight=w, ignore_index=-1)),
         [torch.randn(2, 5, 3), tgt], opset=13)
    save("ce_sum", Fn(lambda x, t: F.cross_entropy(x, t, reduction="sum")),
         [torch.randn(4, 3), torch.tensor([0, 2, 1, 2])], opset=13)
    save("nll_none_ignore", Fn(lambda x, t: F.nll_loss(x, t, reduction="none", ignore_index=2)),
         [torch.randn(3, 4, 2, 2), torch.randint(0, 4, (3, 2, 2))], opset=13)
    # Resize: constant scales from F.interpolate, up and down (scales < 1),
    # each mode and coordinate convention PyTorch exports; Upsample at opset 9
    x = torch.randn(1, 2, 6, 5)
    save("resize_bilinear_down", Fn(lambda t: F.interpolate(t, scale_factor=0.5, mode="bilinear")),
         [x], opset=13)
    # (an integer scale: with a fractional one PyTorch's align_corners divides
    # by the rounded output length, the ONNX reference by in * scale)
    save("resize_bilinear_align_up",
         Fn(lambda t: F.interpolate(t, scale_factor=2, mode="bilinear", align_corners=True)),
         [x], opset=13)
    save("resize_bicubic_up", Fn(lambda t: F.interpolate(t, size=(9, 11), mode="bicubic")),
         [x], opset=13)
    save("resize_nearest_down", Fn(lambda t: F.interpolate(t, scale_factor=0.4, mode="nearest")),
         [x], opset=13)
    save("resize_trilinear", Fn(lambda t: F.interpolate(t, size=(3, 5, 2), mode="trilinear")),
         [torch.randn(1, 1, 4, 3, 4)], opset=13)
    save("upsample_nearest_opset9", Fn(lambda t: F.interpolate(t, scale_factor=2, mode="nearest")),
         [x], opset=9)
    # GridSample: every mode and padding, both align_corners, samples inside
    # and outside the input
    gx = torch.randn(2, 3, 5, 4)
    grid = torch.rand(2, 6, 7, 2) * 2.6 - 1.3
    for mode in ("bilinear", "nearest", "bicubic"):
        for pad in ("zeros", "border", "reflection"):
            for al in (False, True):
                save("gridsample_%s_%s_%d" % (mode, pad, al),
                     Fn(lambda t, g, m=mode, p=pad, a=al:
                        F.grid_sample(t, g, mode=m, padding_mode=p, align_corners=a)),
                     [gx, grid], opset=16)


if __name__ == "__main__":
    main()
