#!/usr/bin/python3
"""Build, export and record the reference models for onnxcc.

Run from anywhere:   /usr/bin/python3 models/make_models.py

For each model NAME it writes (next to this script):
  NAME/model.onnx                          opset 13, input 'input', output 'output',
                                           batch dimension symbolic ('N')
  NAME/test_data_set_0/input_0.pb          batch 1, serialized onnx TensorProto (float32)
  NAME/test_data_set_0/output_0.pb
  NAME/test_data_set_1/input_0.pb          batch 4
  NAME/test_data_set_1/output_0.pb
and for 'digits' additionally test_x.f32, test_y.i64 and reference.txt.

Reference outputs come from PyTorch (eval mode, no_grad).  Each exported graph is
also re-evaluated by a small numpy ONNX interpreter (below) and compared with the
PyTorch outputs, so the .onnx files are known to mean what PyTorch computed.

Everything is seeded; running the script twice gives byte-identical files.
"""

import collections
import os
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13

torch.set_num_threads(1)  # single-threaded => bit-reproducible training/inference
torch.use_deterministic_algorithms(True)


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------

def init_random(model, in_shape, gen):
    """Random weights whose activations neither vanish nor explode, and BatchNorm
    layers with non-trivial running stats and affine parameters.

    Conv/Linear weights: He-normal (variance preserving through ReLUs).  BatchNorm:
    running stats are first calibrated on random inputs (so each BN really
    normalizes, even 27 layers deep), then perturbed, and weight/bias randomized.
    Without this the deep random nets produce an input-independent output (just
    the last bias), which would make the reference data useless for testing.
    """
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            with torch.no_grad():
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn((16,) + tuple(in_shape), generator=gen))
    model.eval()
    for m in bns:
        c = m.num_features
        m.momentum = 0.1
        with torch.no_grad():
            std = m.running_var.sqrt()
            m.running_mean.add_(torch.randn(c, generator=gen) * 0.1 * std)
            m.running_var.mul_(torch.rand(c, generator=gen) * 0.4 + 0.8)       # x[0.8, 1.2)
            m.weight.copy_(torch.rand(c, generator=gen) * 1.0 + 0.5)           # [0.5, 1.5)
            m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
        m.num_batches_tracked.zero_()


def write_pb(path, arr, name):
    t = onnx.numpy_helper.from_array(np.ascontiguousarray(arr), name=name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def count_params(model):
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------
# architectures
# ----------------------------------------------------------------------------

class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=True)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=True)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Conv2d(cin, cout, 1, stride, 0, bias=True)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet8(nn.Module):
    """MLPerf Tiny image classification (CIFAR-10) ResNet-8."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1)
        self.bn = nn.BatchNorm2d(16)
        self.stage1 = ResBlock(16, 16, 1)
        self.stage2 = ResBlock(16, 32, 2)
        self.stage3 = ResBlock(32, 64, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.stage3(self.stage2(self.stage1(x)))
        x = torch.flatten(self.pool(x), 1)
        return self.fc(x)


def dw_sep(cin, cout, stride):
    return [
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False),
        nn.BatchNorm2d(cin),
        nn.ReLU(),
        nn.Conv2d(cin, cout, 1, 1, 0, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    ]


class DSCNN(nn.Module):
    """MLPerf Tiny keyword spotting DS-CNN (small), input [N,1,49,10] MFCC."""

    def __init__(self, num_classes=12):
        super().__init__()
        layers = [nn.Conv2d(1, 64, (10, 4), (2, 2), (5, 1)), nn.BatchNorm2d(64), nn.ReLU()]
        for _ in range(4):
            layers += dw_sep(64, 64, 1)
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(0.4)
        # 49x10 -> 25x5 after the strided conv.  count_include_pad=False: there is no
        # padding anyway, and it stops the exporter from emitting an all-zero Pad node.
        self.pool = nn.AvgPool2d((25, 5), count_include_pad=False)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.dropout(self.features(x))
        x = torch.flatten(self.pool(x), 1)
        return self.fc(x)


class MobileNetV1(nn.Module):
    """MLPerf Tiny visual wake words MobileNetV1, alpha=0.25, 96x96x3."""

    def __init__(self, alpha=0.25, num_classes=2):
        super().__init__()
        c = lambda n: int(n * alpha)
        cfg = [  # (out channels at alpha=1, stride) of the 13 dw-separable blocks
            (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
            (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),
            (1024, 2), (1024, 1),
        ]
        layers = [nn.Conv2d(3, c(32), 3, 2, 1, bias=False), nn.BatchNorm2d(c(32)), nn.ReLU()]
        cin = c(32)
        for cout, s in cfg:
            layers += dw_sep(cin, c(cout), s)
            cin = c(cout)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = torch.flatten(self.pool(self.features(x)), 1)
        return self.fc(x)


class AutoEncoder(nn.Module):
    """MLPerf Tiny anomaly detection FC autoencoder, 640 inputs."""

    def __init__(self):
        super().__init__()
        dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
        layers = []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        layers.append(nn.Linear(128, 640))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                 nn.Linear(64, 10))

    def forward(self, x):
        return self.net(x)


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # 8x8 -> 4x4
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)             # 4x4 -> 2x2
        return self.fc(torch.flatten(x, 1))


# ----------------------------------------------------------------------------
# digits training
# ----------------------------------------------------------------------------

def train_digits(model):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, random_state=0, stratify=None)
    xtr_t, ytr_t = torch.from_numpy(xtr), torch.from_numpy(ytr)
    xte_t = torch.from_numpy(np.ascontiguousarray(xte))

    gen = torch.Generator().manual_seed(1234)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    epochs, bs = 15, 32
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr_t), generator=gen)
        for i in range(0, len(perm), bs):
            idx = perm[i:i + bs]
            opt.zero_grad()
            loss = F.cross_entropy(model(xtr_t[idx]), ytr_t[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(xte_t).argmax(1).numpy()
    correct = int((pred == yte).sum())
    return np.ascontiguousarray(xte), np.ascontiguousarray(yte), correct


# ----------------------------------------------------------------------------
# minimal numpy ONNX interpreter (verification only)
# ----------------------------------------------------------------------------

def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pad_input(x, pads, value=0.0):
    nd = x.ndim - 2
    pw = [(0, 0), (0, 0)] + [(pads[i], pads[i + nd]) for i in range(nd)]
    return np.pad(x, pw, constant_values=value)


def _windows(x, kshape, strides):
    """x [N,C,H,W] (already padded) -> view [N,C,OH,OW,KH,KW]."""
    n, c, h, w = x.shape
    kh, kw = kshape
    sh, sw = strides
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))


def _conv(x, w, b, a):
    g = a.get("group", 1)
    strides = a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    assert a.get("dilations", [1, 1]) == [1, 1]
    assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
    x = _pad_input(x.astype(np.float64), pads)
    win = _windows(x, w.shape[2:], strides)             # N,C,OH,OW,KH,KW
    n, c = x.shape[:2]
    m = w.shape[0]
    cg, mg = c // g, m // g
    outs = []
    for gi in range(g):
        wg = w[gi * mg:(gi + 1) * mg].astype(np.float64)  # mg,cg,kh,kw
        xg = win[:, gi * cg:(gi + 1) * cg]
        outs.append(np.einsum("nchwij,mcij->nmhw", xg, wg))
    y = np.concatenate(outs, axis=1)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def _pool(x, a, kind):
    k = a["kernel_shape"]
    strides = a.get("strides", [1] * len(k))
    pads = a.get("pads", [0] * 2 * len(k))
    assert a.get("ceil_mode", 0) == 0
    assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")
    if kind == "max":
        win = _windows(_pad_input(x, pads, -np.inf), k, strides)
        return win.max(axis=(4, 5))
    assert a.get("count_include_pad", 0) == 0 or not any(pads)
    ones = _windows(_pad_input(np.ones_like(x), pads, 0.0), k, strides).sum(axis=(4, 5))
    return _windows(_pad_input(x, pads, 0.0), k, strides).sum(axis=(4, 5)) / ones


def run_onnx_numpy(model, feed):
    env = {i.name: onnx.numpy_helper.to_array(i).astype(np.float64)
           if i.data_type == onnx.TensorProto.FLOAT else onnx.numpy_helper.to_array(i)
           for i in model.graph.initializer}
    env.update({k: v.astype(np.float64) for k, v in feed.items()})
    for node in model.graph.node:
        a = _attrs(node)
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            y = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
        elif op == "BatchNormalization":
            x, s, bb, mean, var = ins
            shp = (1, -1) + (1,) * (x.ndim - 2)
            y = (x - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + a.get("epsilon", 1e-5))
            y = y * s.reshape(shp) + bb.reshape(shp)
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "Tanh":
            y = np.tanh(ins[0])
        elif op == "Add":
            y = ins[0] + ins[1]
        elif op == "MaxPool":
            y = _pool(ins[0], a, "max")
        elif op == "AveragePool":
            y = _pool(ins[0], a, "avg")
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=tuple(range(2, ins[0].ndim)), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        elif op == "Constant":
            y = onnx.numpy_helper.to_array(a["value"])
        elif op == "Pad":
            assert a.get("mode", b"constant") in (b"constant", "constant")
            p = [int(v) for v in ins[1]]
            nd = ins[0].ndim
            cval = float(ins[2]) if len(ins) > 2 and ins[2] is not None else 0.0
            y = np.pad(ins[0], [(p[i], p[i + nd]) for i in range(nd)], constant_values=cval)
        elif op in ("Identity", "Dropout"):
            y = ins[0]
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = y
    return {o.name: env[o.name] for o in model.graph.output}


# ----------------------------------------------------------------------------
# export + reference data
# ----------------------------------------------------------------------------

def export(name, model, inputs, extra_check=None):
    out_dir = os.path.join(HERE, name)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    model.eval()
    # TrainingMode.PRESERVE with the model in eval mode skips the exporter's
    # eval-only peephole pass, which would otherwise fuse Conv+BatchNormalization;
    # BN/Dropout still export with inference semantics since model.training is False.
    # Constant folding is off so the graph is exactly the network as written.
    with torch.no_grad():
        torch.onnx.export(
            model, inputs[0], path,
            input_names=["input"], output_names=["output"],
            dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
            opset_version=OPSET,
            training=torch.onnx.TrainingMode.PRESERVE,
            do_constant_folding=False,
        )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    assert [i.name for i in m.graph.input] == ["input"], [i.name for i in m.graph.input]
    assert [o.name for o in m.graph.output] == ["output"]
    for vi in (m.graph.input[0], m.graph.output[0]):
        d0 = vi.type.tensor_type.shape.dim[0]
        assert d0.dim_param == "N", (name, vi.name, d0)

    max_err = 0.0
    for k, x in enumerate(inputs):
        with torch.no_grad():
            y = model(x).numpy()
        xs = x.numpy()
        ds = os.path.join(out_dir, "test_data_set_%d" % k)
        os.makedirs(ds, exist_ok=True)
        write_pb(os.path.join(ds, "input_0.pb"), xs.astype(np.float32), "input")
        write_pb(os.path.join(ds, "output_0.pb"), y.astype(np.float32), "output")
        ref = run_onnx_numpy(m, {"input": xs})["output"]
        assert ref.shape == y.shape, (ref.shape, y.shape)
        err = float(np.max(np.abs(ref - y)) / (np.max(np.abs(y)) + 1e-12))
        max_err = max(max_err, err)
        assert err < 1e-4, (name, k, err)

    ops = collections.Counter(n.op_type for n in m.graph.node)
    n_params = count_params(model)
    if extra_check:
        extra_check(ops)
    return dict(name=name, ops=ops, params=n_params, size=os.path.getsize(path),
                max_rel_err=max_err,
                in_shape=list(inputs[0].shape[1:]), out_shape=list(y.shape[1:]),
                out_absmax=float(np.max(np.abs(y))),
                # how much the batch-4 outputs differ between samples, relative to their
                # size: ~0 would mean the output ignores the input (useless reference)
                spread=float(y.std(0).mean() / (np.abs(y).mean() + 1e-12)))


def need(*ops_required):
    def chk(ops):
        for o in ops_required:
            assert ops.get(o, 0) > 0, "graph lost %s: %s" % (o, dict(ops))
    return chk


def random_inputs(seed, shape):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn((1,) + shape, generator=g), torch.randn((4,) + shape, generator=g)]


def build_all():
    results = []

    def make(name, cls, shape, seed, checks=None):
        torch.manual_seed(seed)
        model = cls()
        init_random(model, shape, torch.Generator().manual_seed(seed + 1))
        results.append(export(name, model, random_inputs(seed + 2, shape), checks))

    make("resnet8", ResNet8, (3, 32, 32), 100,
         need("Conv", "BatchNormalization", "Relu", "Add", "GlobalAveragePool", "Gemm"))
    make("dscnn", DSCNN, (1, 49, 10), 200,
         need("Conv", "BatchNormalization", "Relu", "AveragePool", "Gemm"))
    make("mobilenet", MobileNetV1, (3, 96, 96), 300,
         need("Conv", "BatchNormalization", "Relu", "GlobalAveragePool", "Gemm"))
    make("autoencoder", AutoEncoder, (640,), 400, need("Gemm", "BatchNormalization", "Relu"))
    make("lenet5", LeNet5, (1, 28, 28), 500, need("Conv", "MaxPool", "Gemm"))
    make("mlp", MLP, (64,), 600, need("Gemm", "Relu"))

    # digits: trained on real data, reference inputs are real test images
    torch.manual_seed(700)
    model = DigitsCNN()
    xte, yte, correct = train_digits(model)
    T = len(yte)
    acc = correct / T
    inputs = [torch.from_numpy(xte[:1].copy()), torch.from_numpy(xte[:4].copy())]
    r = export("digits", model, inputs, need("Conv", "BatchNormalization", "MaxPool", "Gemm"))
    ddir = os.path.join(HERE, "digits")
    xte.astype("<f4").tofile(os.path.join(ddir, "test_x.f32"))
    yte.astype("<i8").tofile(os.path.join(ddir, "test_y.i64"))
    with open(os.path.join(ddir, "reference.txt"), "w") as f:
        f.write("samples %d\naccuracy %.6f\ncorrect %d\n" % (T, acc, correct))
    r["accuracy"] = acc
    r["correct"] = correct
    r["samples"] = T
    assert acc > 0.95, acc
    results.append(r)
    return results


def main():
    t0 = time.time()
    results = build_all()
    print("%-12s %9s %9s %-10s %-6s %9s %7s %9s" %
          ("model", "params", "bytes", "input", "output", "|out|max", "spread", "np-relerr"))
    for r in results:
        print("%-12s %9d %9d %-10s %-6s %9.4g %7.3f %9.2e" %
              (r["name"], r["params"], r["size"], "x".join(map(str, r["in_shape"])),
               "x".join(map(str, r["out_shape"])), r["out_absmax"], r["spread"],
               r["max_rel_err"]))
        assert r["size"] < 2 * 1024 * 1024, r
        assert r["spread"] > 0.02, r
    print()
    for r in results:
        print("%-12s %s" % (r["name"], ", ".join("%s:%d" % kv for kv in sorted(r["ops"].items()))))
    d = [r for r in results if r["name"] == "digits"][0]
    print("\ndigits test accuracy %.6f (%d/%d)" % (d["accuracy"], d["correct"], d["samples"]))
    print("done in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
