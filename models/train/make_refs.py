#!/usr/bin/python3
"""PyTorch references for onnxcc's fine-tuning tests.

Run from anywhere:   /usr/bin/python3 models/train/make_refs.py

For each case NAME it writes (next to this script):
  NAME/model.onnx     the initial model (opset 13, 'input' -> 'output', batch 'N'; BN kept;
                      initializers named like the PyTorch parameters, e.g. 'fc1.weight')
  NAME/x.pb, y.pb     the training set (TensorProtos; y int64 [N] for cross-entropy,
                      float32 of the output's shape for mse/bce)
  NAME/train.txt      `key value` lines: the training recipe (see README.md for the meaning)
  NAME/expected.onnx  model.onnx with every initializer replaced by PyTorch's trained value
  NAME/losses.txt     mean training loss of each epoch
  NAME/final.txt      loss (and accuracy) of the trained model on the whole training set
and digits_style/ (a new drawing style for models/digits/model.onnx, see README.md).

Every case is also checked here:
  - the exported graph re-evaluated by a small numpy interpreter equals PyTorch, before
    (model.onnx) and after training (expected.onnx);
  - frozen initializers are bit-identical in model.onnx and expected.onnx;
  - for the Linear-only nets (mlp_*, autoencoder, bce, logreg_seed, xor_hidden) the
    whole training is re-done in float64 numpy from the formulas in README.md and the
    final parameters and losses must agree with PyTorch.
Everything is seeded and single-threaded; running the script twice gives identical files.
"""

import os
import re
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
OPSET = 13

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# train.txt keys, in file order, and their defaults (PyTorch's defaults where it has one)
KEYS = ["loss", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "beta1",
        "beta2", "eps", "epochs", "batch_size", "trainable"]
DEFAULTS = dict(momentum=0.0, nesterov=0, weight_decay=0.0, beta1=0.9, beta2=0.999,
                eps=1e-8, trainable="*")


# ----------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------

def tensor_bytes(arr, name):
    return onnx.numpy_helper.from_array(np.ascontiguousarray(arr), name=name).SerializeToString()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def write_text(path, lines):
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))


def fmt(v):
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float):
        return repr(v)            # shortest round-trip text: 0.1, 1e-08, 0.001
    return str(v)


def glob_re(pattern):
    """'*' matches any run of characters (including '.' and none); all else is literal."""
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$")


def trainable_names(param_names, spec):
    pats = [glob_re(p.strip()) for p in spec.split(",") if p.strip()]
    return [n for n in param_names if any(p.match(n) for p in pats)]


# ----------------------------------------------------------------------------
# numpy ONNX interpreter (verification only; float64)
# ----------------------------------------------------------------------------

def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _windows(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    st = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, k[0], k[1]), (st[0], st[1], st[2] * s[0], st[3] * s[1], st[2], st[3]))


def _pad(x, pads, value=0.0):
    return np.pad(x, [(0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])],
                  constant_values=value)


def run_onnx(model, x):
    env = {i.name: onnx.numpy_helper.to_array(i).astype(np.float64)
           for i in model.graph.initializer}
    env["input"] = x.astype(np.float64)
    for node in model.graph.node:
        a = _attrs(node)
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            assert a.get("dilations", [1, 1]) == [1, 1]
            g = a.get("group", 1)
            w = ins[1]
            xp = _pad(np.ascontiguousarray(ins[0]), a.get("pads", [0, 0, 0, 0]))
            win = _windows(xp, w.shape[2:], a.get("strides", [1, 1]))
            cg, mg = xp.shape[1] // g, w.shape[0] // g
            y = np.concatenate([np.einsum("nchwij,mcij->nmhw", win[:, i * cg:(i + 1) * cg],
                                          w[i * mg:(i + 1) * mg]) for i in range(g)], axis=1)
            if len(ins) > 2:
                y = y + ins[2].reshape(1, -1, 1, 1)
        elif op == "BatchNormalization":
            x_, s, b, m, v = ins
            shp = (1, -1) + (1,) * (x_.ndim - 2)
            y = (x_ - m.reshape(shp)) / np.sqrt(v.reshape(shp) + a.get("epsilon", 1e-5))
            y = y * s.reshape(shp) + b.reshape(shp)
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "Tanh":
            y = np.tanh(ins[0])
        elif op in ("MaxPool", "AveragePool"):
            k = a["kernel_shape"]
            pads = a.get("pads", [0, 0, 0, 0])
            assert a.get("ceil_mode", 0) == 0 and not any(pads)
            win = _windows(np.ascontiguousarray(ins[0]), k, a.get("strides", k))
            y = win.max(axis=(4, 5)) if op == "MaxPool" else win.mean(axis=(4, 5))
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            y = ins[0].reshape(ins[0].shape[0], -1)
            assert a.get("axis", 1) == 1
        elif op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "Transpose":
            y = np.transpose(ins[0], a.get("perm"))
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = y
    return env["output"]


# ----------------------------------------------------------------------------
# architectures (attribute names become the ONNX initializer names)
# ----------------------------------------------------------------------------

class MLP(nn.Module):                      # 16 -> 32 -> ReLU -> 10
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class CNN(nn.Module):                      # [N,1,8,8] -> 10
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool1 = nn.MaxPool2d(2)                               # 8x8 -> 4x4
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool2 = nn.AvgPool2d(2, count_include_pad=False)      # 4x4 -> 2x2, no Pad node
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class DSCNN(nn.Module):                    # [N,1,10,10] -> 4
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, stride=2, padding=1)       # 10x10 -> 5x5
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.bn = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 16, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)                        # GlobalAveragePool
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.bn(self.dw(x)))
        x = F.relu(self.pw(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class MobileBlock(nn.Module):              # [N,1,6,6] -> 4, MobileNet's layers on small maps
    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv2d(1, 8, 3, padding=1, bias=False)     # 6x6
        self.bn0 = nn.BatchNorm2d(8)
        self.dw1 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False)   # -> 3x3
        self.bn1 = nn.BatchNorm2d(8)
        self.pw1 = nn.Conv2d(8, 16, 1, bias=False)                 # 9 positions
        self.bn2 = nn.BatchNorm2d(16)
        self.dw2 = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.bn3 = nn.BatchNorm2d(16)
        self.pw2 = nn.Conv2d(16, 16, 1, bias=False)
        self.bn4 = nn.BatchNorm2d(16)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(x)))
        x = F.relu(self.bn1(self.dw1(x)))
        x = F.relu(self.bn2(self.pw1(x)))
        x = F.relu(self.bn3(self.dw2(x)))
        x = F.relu(self.bn4(self.pw2(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class AutoEncoder(nn.Module):              # 32 -> 16 -> 4 -> 16 -> 32
    def __init__(self):
        super().__init__()
        self.enc1 = nn.Linear(32, 16)
        self.enc2 = nn.Linear(16, 4)
        self.dec1 = nn.Linear(4, 16)
        self.dec2 = nn.Linear(16, 32)

    def forward(self, x):
        x = F.relu(self.enc2(F.relu(self.enc1(x))))
        return self.dec2(F.relu(self.dec1(x)))


class SmallMLP(nn.Module):                 # 8 -> 16 -> ReLU -> 1 (logit)
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class LogReg(nn.Module):                   # logit = w x (exports as Transpose + MatMul)
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1, bias=False)

    def forward(self, x):
        return self.fc(x)


class XorHidden(nn.Module):                # 1 -> 8 -> Tanh -> 1 (logit)
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


class DigitsCNN(nn.Module):                # same as models/make_models.py
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


# numpy mirror of the Linear-only nets: list of (weight name, bias name or None, activation)
SEQ = {
    MLP: [("fc1.weight", "fc1.bias", "relu"), ("fc2.weight", "fc2.bias", None)],
    AutoEncoder: [("enc1.weight", "enc1.bias", "relu"), ("enc2.weight", "enc2.bias", "relu"),
                  ("dec1.weight", "dec1.bias", "relu"), ("dec2.weight", "dec2.bias", None)],
    SmallMLP: [("fc1.weight", "fc1.bias", "relu"), ("fc2.weight", "fc2.bias", None)],
    LogReg: [("fc.weight", None, None)],
    XorHidden: [("fc1.weight", "fc1.bias", "tanh"), ("fc2.weight", "fc2.bias", None)],
}


def calibrate_bn(model, x, gen):
    """Give BatchNorm layers realistic, non-trivial running stats and affine params."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        model(x)
    model.eval()
    for m in bns:
        m.momentum = 0.1
        m.num_batches_tracked.zero_()
        with torch.no_grad():
            c = m.num_features
            m.running_mean.add_(torch.randn(c, generator=gen) * 0.05)
            m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.copy_(torch.randn(c, generator=gen) * 0.1)


# ----------------------------------------------------------------------------
# export and training
# ----------------------------------------------------------------------------

def export(model, sample, path):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(
            model, sample, path,
            input_names=["input"], output_names=["output"],
            dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
            opset_version=OPSET,
            training=torch.onnx.TrainingMode.PRESERVE,
            do_constant_folding=False,
            keep_initializers_as_inputs=False,
        )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    assert [i.name for i in m.graph.input] == ["input"]
    assert [o.name for o in m.graph.output] == ["output"]
    for vi in (m.graph.input[0], m.graph.output[0]):
        assert vi.type.tensor_type.shape.dim[0].dim_param == "N"
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    params = dict(model.named_parameters())
    buffers = {k: v for k, v in model.named_buffers() if not k.endswith("num_batches_tracked")}
    missing = [k for k in params if k not in inits]
    assert not missing, ("trainable parameters not initializers", path, missing)
    extra = [k for k in inits if k not in params and k not in buffers]
    assert not extra, ("initializers that are not PyTorch parameters/buffers", path, extra)
    for k, v in inits.items():
        t = (params.get(k) if k in params else buffers[k]).detach().numpy()
        assert v.dtype == np.float32 and np.array_equal(v, t), (path, k)
    return m


def make_loss(kind):
    return {"mse": nn.MSELoss(), "cross-entropy": nn.CrossEntropyLoss(),
            "bce": nn.BCEWithLogitsLoss()}[kind]


def make_optimizer(cfg, params):
    if cfg["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"],
                               nesterov=bool(cfg["nesterov"]), weight_decay=cfg["weight_decay"])
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[cfg["optimizer"]]
    return cls(params, lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"],
               weight_decay=cfg["weight_decay"])


def train(model, x, y, cfg):
    """File order, no shuffle, last batch smaller, BN in eval mode, mean-reduced loss."""
    names = [n for n, _ in model.named_parameters()]
    tnames = trainable_names(names, cfg["trainable"])
    assert tnames, cfg["trainable"]
    tparams = []
    for n, p in model.named_parameters():
        p.requires_grad_(n in tnames)
        if n in tnames:
            tparams.append(p)
    model.eval()
    loss_fn = make_loss(cfg["loss"])
    opt = make_optimizer(cfg, tparams)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    n, bs = len(x), cfg["batch_size"]
    losses = []
    for _ in range(cfg["epochs"]):
        tot = 0.0
        for i in range(0, n, bs):
            xb, yb = xt[i:i + bs], yt[i:i + bs]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item() * len(xb)
        losses.append(tot / n)
    return tnames, losses


def evaluate(model, x, y, loss):
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x))
        r = {"loss": make_loss(loss)(out, torch.from_numpy(y)).item()}
        if loss == "cross-entropy":
            r["accuracy"] = (out.argmax(1).numpy() == y).mean()
        elif loss == "bce":
            r["accuracy"] = ((out.numpy() > 0).astype(np.float32) == y).mean()
    return out.numpy(), r


def f64_deviation(cls, init, x, y, cfg, model, losses):
    """Re-run the same training in float64 PyTorch: how far float32 rounding alone moves
    the result (max over params of max|p32-p64| / max|p64|, and of the epoch losses).
    A hint for the tolerances of the C comparisons."""
    m = cls().double()
    m.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) if v.dtype == np.float32
                       else torch.from_numpy(v) for k, v in init.items()})
    y64 = y.astype(np.float64) if y.dtype == np.float32 else y
    _, l64 = train(m, x.astype(np.float64), y64, cfg)
    p32, p64 = dict(model.named_parameters()), dict(m.named_parameters())
    dp = max(float((p32[k].detach().double() - p64[k].detach()).abs().max()
                   / (p64[k].detach().abs().max() + 1e-3)) for k in p64)
    dl = max(abs(a - b) / abs(b) for a, b in zip(losses, l64))
    return dp, dl


def replace_initializers(src_path, model, dst_path):
    m = onnx.load(src_path)
    params = dict(model.named_parameters())
    for i, init in enumerate(m.graph.initializer):
        if init.name in params:
            new = onnx.numpy_helper.from_array(params[init.name].detach().numpy().copy(),
                                               name=init.name)
            if new.SerializeToString() != init.SerializeToString():
                m.graph.initializer[i].CopyFrom(new)
    onnx.checker.check_model(m)
    onnx.save(m, dst_path)
    return m


# ----------------------------------------------------------------------------
# numpy re-implementation of the training (Linear-only nets), float64
# ----------------------------------------------------------------------------

def np_train(layers, P, x, y, cfg, tnames):
    P = {k: v.astype(np.float64).copy() for k, v in P.items()}
    state = {k: {} for k in tnames}
    step = 0
    n, bs = len(x), cfg["batch_size"]
    lr, wd = cfg["lr"], cfg["weight_decay"]
    losses = []
    for _ in range(cfg["epochs"]):
        tot = 0.0
        for i in range(0, n, bs):
            xb, yb = x[i:i + bs].astype(np.float64), y[i:i + bs]
            B = len(xb)
            hs, zs = [xb], []
            for wn, bn, act in layers:
                z = hs[-1] @ P[wn].T + (P[bn] if bn else 0.0)
                zs.append(z)
                hs.append(np.maximum(z, 0) if act == "relu" else np.tanh(z) if act == "tanh" else z)
            out = hs[-1]
            if cfg["loss"] == "cross-entropy":
                e = np.exp(out - out.max(1, keepdims=True))
                p = e / e.sum(1, keepdims=True)
                loss = -np.mean(np.log(p[np.arange(B), yb]))
                g = p.copy()
                g[np.arange(B), yb] -= 1
                g /= B
            elif cfg["loss"] == "mse":
                loss = np.mean((out - yb) ** 2)
                g = 2 * (out - yb) / out.size
            else:  # bce with logits
                loss = np.mean(np.maximum(out, 0) - out * yb + np.log1p(np.exp(-np.abs(out))))
                g = (1 / (1 + np.exp(-out)) - yb) / out.size
            tot += loss * B
            grads = {}
            for li in reversed(range(len(layers))):
                wn, bn, act = layers[li]
                if act == "relu":
                    g = g * (zs[li] > 0)
                elif act == "tanh":
                    g = g * (1 - hs[li + 1] ** 2)
                grads[wn] = g.T @ hs[li]
                if bn:
                    grads[bn] = g.sum(0)
                g = g @ P[wn]
            step += 1
            for k in tnames:
                p, gr, st = P[k], grads[k], state[k]
                if cfg["optimizer"] == "sgd":
                    gr = gr + wd * p
                    if cfg["momentum"]:
                        st["buf"] = gr.copy() if "buf" not in st else cfg["momentum"] * st["buf"] + gr
                        gr = gr + cfg["momentum"] * st["buf"] if cfg["nesterov"] else st["buf"]
                    p -= lr * gr
                else:
                    if cfg["optimizer"] == "adamw":
                        p *= 1 - lr * wd
                    else:
                        gr = gr + wd * p
                    b1, b2 = cfg["beta1"], cfg["beta2"]
                    st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * gr
                    st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * gr * gr
                    mhat = st["m"] / (1 - b1 ** step)
                    vhat = st["v"] / (1 - b2 ** step)
                    p -= lr * mhat / (np.sqrt(vhat) + cfg["eps"])
        losses.append(tot / n)
    return P, losses


# ----------------------------------------------------------------------------
# cases
# ----------------------------------------------------------------------------

def teacher_labels(rs, x, k):
    w = rs.randn(int(np.prod(x.shape[1:])), k)
    return np.argmax(x.reshape(len(x), -1) @ w, axis=1).astype(np.int64)


def data_mlp():
    rs = np.random.RandomState(11)
    x = rs.randn(50, 16).astype(np.float32)
    return x, teacher_labels(rs, x, 10)


def data_cnn():
    rs = np.random.RandomState(12)
    x = rs.rand(40, 1, 8, 8).astype(np.float32)
    return x, teacher_labels(rs, x - 0.5, 10)


def data_dscnn():
    rs = np.random.RandomState(13)
    x = rs.randn(48, 1, 10, 10).astype(np.float32)
    return x, teacher_labels(rs, x, 4)


def data_mobile():
    rs = np.random.RandomState(17)
    x = rs.randn(48, 1, 6, 6).astype(np.float32)
    return x, teacher_labels(rs, x, 4)


def data_autoencoder():
    rs = np.random.RandomState(14)
    z = rs.randn(64, 4)
    x = np.tanh(z @ rs.randn(4, 32) * 0.7).astype(np.float32)
    return x, x.copy()


def data_bce():
    rs = np.random.RandomState(15)
    x = rs.randn(40, 8).astype(np.float32)
    y = (x @ rs.randn(8, 1) > 0).astype(np.float32)
    return x, y


def data_xor():
    return (np.array([[0], [1], [2], [3]], np.float32),
            np.array([[0], [1], [1], [0]], np.float32))


XOR_SEED = 3   # chosen so that 300 epochs of SGD(0.5, momentum 0.9) learn [0,1,1,0]

CASES = [
    # name, model class, torch seed, data, train config
    ("mlp_sgd", MLP, 101, data_mlp,
     dict(loss="cross-entropy", optimizer="sgd", lr=0.1, momentum=0.9, epochs=3, batch_size=16)),
    ("mlp_nesterov", MLP, 101, data_mlp,
     dict(loss="cross-entropy", optimizer="sgd", lr=0.1, momentum=0.9, nesterov=1,
          weight_decay=1e-3, epochs=3, batch_size=16)),
    ("mlp_adam", MLP, 101, data_mlp,
     dict(loss="cross-entropy", optimizer="adam", lr=1e-2, epochs=3, batch_size=16)),
    ("mlp_adamw", MLP, 101, data_mlp,
     dict(loss="cross-entropy", optimizer="adamw", lr=1e-2, weight_decay=0.1, epochs=3,
          batch_size=16)),
    ("cnn", CNN, 102, data_cnn,
     dict(loss="cross-entropy", optimizer="sgd", lr=0.05, momentum=0.9, epochs=3, batch_size=16)),
    ("dscnn", DSCNN, 103, data_dscnn,
     dict(loss="cross-entropy", optimizer="adam", lr=1e-2, epochs=3, batch_size=16)),
    ("mobile_block", MobileBlock, 107, data_mobile,
     dict(loss="cross-entropy", optimizer="sgd", lr=0.05, momentum=0.9, epochs=3, batch_size=16)),
    ("autoencoder", AutoEncoder, 104, data_autoencoder,
     dict(loss="mse", optimizer="adam", lr=1e-3, epochs=3, batch_size=20)),
    ("frozen", CNN, 102, data_cnn,
     dict(loss="cross-entropy", optimizer="sgd", lr=0.05, epochs=3, batch_size=16,
          trainable="fc.*")),
    ("bce", SmallMLP, 105, data_bce,
     dict(loss="bce", optimizer="sgd", lr=0.1, epochs=3, batch_size=12)),
    ("logreg_seed", LogReg, 106, data_xor,
     dict(loss="bce", optimizer="sgd", lr=0.01, epochs=1000, batch_size=4)),
    ("xor_hidden", XorHidden, XOR_SEED, data_xor,
     dict(loss="bce", optimizer="sgd", lr=0.5, momentum=0.9, epochs=300, batch_size=4)),
]


def full_cfg(cfg):
    c = dict(DEFAULTS)
    c.update(cfg)
    assert set(c) == set(KEYS), set(c) ^ set(KEYS)
    return c


def write_case_files(d, cfg, x, y, losses, final):
    write_bytes(os.path.join(d, "x.pb"), tensor_bytes(x, "input"))
    write_bytes(os.path.join(d, "y.pb"), tensor_bytes(y, "target"))
    write_text(os.path.join(d, "train.txt"), ["%s %s" % (k, fmt(cfg[k])) for k in KEYS])
    write_text(os.path.join(d, "losses.txt"), ["%.9g" % l for l in losses])
    write_text(os.path.join(d, "final.txt"), ["%s %.9g" % kv for kv in sorted(final.items())])


def run_case(name, cls, seed, data, cfg):
    t0 = time.time()
    cfg = full_cfg(cfg)
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    x, y = data()
    torch.manual_seed(seed)
    model = cls()
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        calibrate_bn(model, torch.from_numpy(x), torch.Generator().manual_seed(seed + 1000))
    model.eval()
    if name == "logreg_seed":
        with torch.no_grad():
            model.fc.weight.zero_()
    init = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}

    m0 = export(model, torch.from_numpy(x[:2]), os.path.join(d, "model.onnx"))
    out0, before = evaluate(model, x, y, cfg["loss"])
    err0 = np.max(np.abs(run_onnx(m0, x) - out0))
    assert err0 < 1e-4, (name, err0)

    tnames, losses = train(model, x, y, cfg)
    out1, final = evaluate(model, x, y, cfg["loss"])
    m1 = replace_initializers(os.path.join(d, "model.onnx"), model, os.path.join(d, "expected.onnx"))
    err1 = np.max(np.abs(run_onnx(m1, x) - out1))
    assert err1 < 1e-4, (name, err1)

    # frozen initializers bit-identical, trained ones moved (logreg_seed: gradient is 0)
    a = {i.name: i.SerializeToString() for i in m0.graph.initializer}
    b = {i.name: i.SerializeToString() for i in m1.graph.initializer}
    assert list(a) == list(b)
    for k in a:
        if k in tnames and name != "logreg_seed":
            assert a[k] != b[k], (name, "did not change", k)
        elif k not in tnames:
            assert a[k] == b[k], (name, "frozen but changed", k)
    for k, v in model.state_dict().items():
        if k not in tnames:
            assert np.array_equal(v.numpy(), init[k]), (name, k)

    # independent float64 numpy training from the README formulas
    np_err = None
    if cls in SEQ:
        P, nl = np_train(SEQ[cls], {k: init[k] for k in dict(model.named_parameters())},
                         x, y, cfg, tnames)
        np_err = max(float(np.max(np.abs(P[k] - model.state_dict()[k].numpy().astype(np.float64))
                                  / (np.max(np.abs(P[k])) + 1e-3))) for k in P)
        lerr = max(abs(p - q) / abs(q) for p, q in zip(nl, losses))
        assert np_err < 1e-3 and lerr < 1e-4, (name, np_err, lerr)

    dev = f64_deviation(cls, init, x, y, cfg, model, losses)

    if name == "logreg_seed":
        check_logreg(model, losses, out1)
    if name == "xor_hidden":
        pred = (out1[:, 0] > 0).astype(int).tolist()
        assert pred == [0, 1, 1, 0], pred
        for i, p in enumerate(1 / (1 + np.exp(-out1[:, 0].astype(np.float64)))):
            final["prob_%d" % i] = p

    write_case_files(d, cfg, x, y, losses, final)
    return dict(name=name, n=len(x), cfg=cfg, tnames=tnames, losses=losses, before=before,
                final=final, np_err=np_err, dev=dev, err=max(err0, err1), secs=time.time() - t0,
                ops=sorted(set(nd.op_type for nd in m0.graph.node)))


def check_logreg(model, losses, out):
    """The seed example in plain numpy (float32): the gradient is exactly 0."""
    x = np.array([0, 1, 2, 3], np.float32)
    y = np.array([0, 1, 1, 0], np.float32)
    w = np.float32(0)
    nl = []
    for _ in range(1000):
        z = x * w
        p = 1 / (1 + np.exp(-z))
        nl.append(float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))))
        grad = np.float32(np.mean((p - y) * x))
        w = np.float32(w - np.float32(0.01) * grad)
    assert w == 0.0 and model.fc.weight.item() == w, (w, model.fc.weight.item())
    assert np.allclose(nl, losses, rtol=1e-6, atol=0), (nl[:3], losses[:3])
    assert np.all(out == 0.0)          # logit 0 => probability 0.5
    assert abs(losses[-1] - np.log(2)) < 1e-6


# ----------------------------------------------------------------------------
# digits in a new drawing style
# ----------------------------------------------------------------------------

def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, random_state=0, stratify=None)
    return [np.ascontiguousarray(a) for a in (xtr, ytr, xte, yte)]


def new_style(x):
    """Thick strokes shifted down-right: out[i,j] = max(x[i-1..i, j-1..j]) (2x2 max filter
    anchored at the bottom-right, zeros outside the image)."""
    p = np.pad(x, [(0, 0), (0, 0), (1, 0), (1, 0)])
    return np.maximum.reduce([p[:, :, 1:, 1:], p[:, :, :-1, 1:], p[:, :, 1:, :-1],
                              p[:, :, :-1, :-1]]).astype(np.float32)


# lr 0.05 (momentum 0.9) overshoots on the pretrained weights (epoch-1 loss 2.29 > 1.44 before
# tuning, eval only 80%); 0.01 tunes smoothly to ~94% and is less sensitive to float rounding.
DIGITS_CFG = dict(loss="cross-entropy", optimizer="sgd", lr=0.01, momentum=0.9, epochs=3,
                  batch_size=32)


def run_digits_style():
    t0 = time.time()
    d = os.path.join(HERE, "digits_style")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(MODELS, "digits", "model.onnx")
    xtr, ytr, xte, yte = digits_split()
    # same split as models/make_models.py wrote
    ref_x = np.fromfile(os.path.join(MODELS, "digits", "test_x.f32"), "<f4").reshape(xte.shape)
    ref_y = np.fromfile(os.path.join(MODELS, "digits", "test_y.i64"), "<i8")
    assert np.array_equal(ref_x, xte) and np.array_equal(ref_y, yte)

    model = DigitsCNN()
    m0 = onnx.load(src)
    sd = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
          for i in m0.graph.initializer}
    sd["bn1.num_batches_tracked"] = torch.tensor(0)
    model.load_state_dict(sd)
    model.eval()
    out = evaluate(model, xte, yte, "cross-entropy")
    assert out[1]["accuracy"] > 0.95, out[1]
    assert np.max(np.abs(run_onnx(m0, xte) - out[0])) < 1e-4

    tx, ex = new_style(xtr), new_style(xte)
    _, before = evaluate(model, ex, yte, "cross-entropy")
    cfg = full_cfg(DIGITS_CFG)
    init = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    _, losses = train(model, tx, ytr, cfg)
    dev = f64_deviation(DigitsCNN, init, tx, ytr, cfg, model, losses)
    out1, after = evaluate(model, ex, yte, "cross-entropy")
    _, tune_after = evaluate(model, tx, ytr, "cross-entropy")
    assert before["accuracy"] < 0.80 and after["accuracy"] > before["accuracy"] + 0.10, (before, after)

    m1 = replace_initializers(src, model, os.path.join(d, "expected.onnx"))
    assert np.max(np.abs(run_onnx(m1, ex) - out1)) < 1e-4
    for name, arr in (("tune_x", tx), ("eval_x", ex)):
        arr.astype("<f4").tofile(os.path.join(d, name + ".f32"))
        write_bytes(os.path.join(d, name + ".pb"), tensor_bytes(arr, "input"))
    for name, arr in (("tune_y", ytr), ("eval_y", yte)):
        arr.astype("<i8").tofile(os.path.join(d, name + ".i64"))
        write_bytes(os.path.join(d, name + ".pb"), tensor_bytes(arr, "target"))
    write_text(os.path.join(d, "train.txt"), ["%s %s" % (k, fmt(cfg[k])) for k in KEYS])
    write_text(os.path.join(d, "losses.txt"), ["%.9g" % l for l in losses])
    write_text(os.path.join(d, "reference.txt"), [
        "before %.6f" % before["accuracy"],
        "after %.6f" % after["accuracy"],
        "correct_before %d" % round(before["accuracy"] * len(yte)),
        "correct_after %d" % round(after["accuracy"] * len(yte)),
        "eval_samples %d" % len(yte),
        "tune_samples %d" % len(ytr),
        "style max2x2_down_right",
        "optimizer sgd",
        "lr %s" % fmt(cfg["lr"]),
        "momentum %s" % fmt(cfg["momentum"]),
        "epochs %d" % cfg["epochs"],
        "batch_size %d" % cfg["batch_size"],
    ])
    return dict(before=before, after=after, tune_after=tune_after, losses=losses, dev=dev,
                T=len(ytr), E=len(yte), secs=time.time() - t0)


# ----------------------------------------------------------------------------

def main():
    t0 = time.time()
    results = [run_case(*c) for c in CASES]
    print("%-13s %4s %-5s %-4s %7s  %-34s %-9s %8s %8s %8s %7s %5s" % (
        "case", "N", "opt", "loss", "trained", "losses/epoch", "final", "np-err", "f64-par",
        "f64-loss", "onnxerr", "s"))
    for r in results:
        c = r["cfg"]
        ls = r["losses"]
        shown = " ".join("%.4f" % l for l in ls) if len(ls) <= 4 else \
            "%.4f .. %.4f (%d ep)" % (ls[0], ls[-1], len(ls))
        fin = ("acc %.2f" % r["final"]["accuracy"]) if "accuracy" in r["final"] else \
            ("L %.4f" % r["final"]["loss"])
        print("%-13s %4d %-5s %-4s %7d  %-34s %-9s %8s %8.1e %8.1e %7.1e %5.2f" % (
            r["name"], r["n"], c["optimizer"], c["loss"][:4], len(r["tnames"]), shown, fin,
            "-" if r["np_err"] is None else "%.1e" % r["np_err"], r["dev"][0], r["dev"][1],
            r["err"], r["secs"]))
    print()
    for r in results:
        print("%-13s ops: %s; trainable: %s" % (r["name"], ",".join(r["ops"]), ",".join(r["tnames"])))
    dg = run_digits_style()
    print("\ndigits_style: eval accuracy before %.4f, after %.4f (tune set after %.4f); "
          "losses %s; %d tune / %d eval samples; f64 deviation params %.1e losses %.1e; %.2f s" % (
              dg["before"]["accuracy"], dg["after"]["accuracy"], dg["tune_after"]["accuracy"],
              " ".join("%.4f" % l for l in dg["losses"]), dg["T"], dg["E"], dg["dev"][0], dg["dev"][1], dg["secs"]))
    print("done in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
