#!/usr/bin/python3
"""More PyTorch references for onnxcc's fine-tuning tests, beside make_refs.py
(whose helpers this script reuses). Run: /usr/bin/python3 models/train/make_extra_refs.py
(`... make_extra_refs.py resproj` makes the resproj cases only)

  mlp_clip_l1     MLP, SGD with momentum, L1 regularization (l1 * sum|w| added to the
                  loss, so its gradient l1 * sign(w) is part of the clipped norm) and
                  clipping by global norm (torch.nn.utils.clip_grad_norm_); losses.txt
                  holds the data loss without the L1 term, as onnxcc reports it
  mlp_softmax     the MLP of mlp_sgd with a Softmax at the output: cross-entropy is
                  computed on the logits before it (nn.CrossEntropyLoss on the logits)
  mlp_logsoftmax  the same with a LogSoftmax at the output
  bce_sigmoid     the MLP of bce with a Sigmoid at the output: BCE on the logits before it
  mlp_movement    an MLP whose middle reshuffles data: Split, Mul by a Sigmoid gate
                  (GLU), Pad, Concat, Transpose, Slice, Unsqueeze/Squeeze, Div by a
                  constant, Sub: the backward of every data-movement op in training
  resblock        conv3x3(16)+BN+ReLU and a residual block of two conv3x3(16)+BN with
                  Add+ReLU on 8x8 maps, GAP, fc; BN calibrated and frozen (eval mode):
                  the Winograd shapes and the residual of ResNet-8's training step
  resproj         (r8elt) residual blocks with and without a projection shortcut, a
                  block input with a third reader and an Add of a ReLU'd convolution:
                  the gradient buffers the residuals' backward shares; resproj_bn and
                  resproj_tail train subsets of it (BNs only; the last two blocks)
  mlp_dropout     (no PyTorch run: its random masks cannot match) Gemm, Relu, Dropout(0.5),
                  Gemm built with onnx.helper, with mlp_sgd's data, for the tests of
                  dropout during training (seeded, reproducible)

Each folder has the files make_refs.py writes; train.txt may add `clip_norm` and `l1`.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_refs as R  # noqa: E402


class SoftmaxMLP(R.MLP):
    def logits(self, x):
        return super().forward(x)

    def forward(self, x):
        return F.softmax(self.logits(x), dim=1)


class LogSoftmaxMLP(R.MLP):
    def logits(self, x):
        return super().forward(x)

    def forward(self, x):
        return F.log_softmax(self.logits(x), dim=1)


class SigmoidMLP(R.SmallMLP):
    def logits(self, x):
        return super().forward(x)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


class MovementMLP(torch.nn.Module):
    """16 -> 24 -> (split, GLU, pad, concat, transpose, slice, ...) -> 10."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 24)
        self.fc2 = torch.nn.Linear(18, 10)

    def forward(self, x):
        h = self.fc1(x)                                   # [N, 24]
        a, b = torch.split(h, [12, 12], dim=1)            # Split
        g = a * torch.sigmoid(b)                          # Mul, Sigmoid
        g = F.pad(g, (2, 1))                              # Pad -> [N, 15]
        c = torch.cat([g, h[:, :3]], dim=1)               # Slice, Concat -> [N, 18]
        c = c.unsqueeze(2).transpose(1, 2).squeeze(1)     # Unsqueeze, Transpose, Squeeze
        c = (c - 0.25) / 2.0                              # Sub, Div
        return self.fc2(torch.relu(c))


class ResBlock(torch.nn.Module):
    """[N,3,8,8] -> 10: conv3x3(16)+BN+ReLU, then a residual block of two
    conv3x3(16)+BN (ReLU between, identity shortcut, Add, ReLU), GAP, fc. The
    16-channel 3x3 layers on 8x8 maps are the shapes onnxcc's training step
    runs as Winograd on AVX-512 (ResNet-8's), and Add+Relu its residual."""

    def __init__(self):
        super().__init__()
        self.conv0 = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.bn0 = torch.nn.BatchNorm2d(16)
        self.conv1 = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(16)
        self.conv2 = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(16)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        h = F.relu(self.bn0(self.conv0(x)))
        r = F.relu(self.bn1(self.conv1(h)))
        h = F.relu(self.bn2(self.conv2(r)) + h)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


class ResProj(torch.nn.Module):
    """r8elt: [N,3,8,8] -> 10, the residual patterns the training step shares
    gradient buffers across: conv0(16)+BN+ReLU -> h; a block with a
    projection shortcut (conv3x3 s2 (32)+BN+ReLU, conv3x3(32)+BN, 1x1 s2
    conv shortcut without BN, Add, ReLU) -> y1; an identity block whose
    input y1 has a third reader (its own pooled features join the head)
    -> y2; a block whose Add reads a ReLU'd convolution (its mask runs in
    place on that branch's gradient) -> y3; GAP(y3) + GAP(y1), fc."""

    def __init__(self):
        super().__init__()
        self.conv0 = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.bn0 = torch.nn.BatchNorm2d(16)
        self.conv1 = torch.nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(32)
        self.conv2 = torch.nn.Conv2d(32, 32, 3, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(32)
        self.sc = torch.nn.Conv2d(16, 32, 1, stride=2)
        self.conv3 = torch.nn.Conv2d(32, 32, 3, padding=1)
        self.bn3 = torch.nn.BatchNorm2d(32)
        self.conv4 = torch.nn.Conv2d(32, 32, 3, padding=1)
        self.bn4 = torch.nn.BatchNorm2d(32)
        self.fc = torch.nn.Linear(32, 10)

    def forward(self, x):
        h = F.relu(self.bn0(self.conv0(x)))
        y1 = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(h))))) + self.sc(h))
        y2 = F.relu(self.bn3(self.conv3(y1)) + y1)
        y3 = F.relu(F.relu(self.bn4(self.conv4(y2))) + y2)
        f = F.adaptive_avg_pool2d(y3, 1) + F.adaptive_avg_pool2d(y1, 1)
        return self.fc(torch.flatten(f, 1))


def data_resblock():
    rs = np.random.RandomState(17)
    x = rs.randn(32, 3, 8, 8).astype(np.float32)
    return x, R.teacher_labels(rs, x, 10)


def train(model, x, y, cfg, clip=0.0, l1=0.0):
    """As make_refs.train, on model.logits when the model has them."""
    names = R.trainable_names([n for n, _ in model.named_parameters()], cfg["trainable"])
    params = [p for n, p in model.named_parameters() if n in names]
    model.eval()
    loss_fn = R.make_loss(cfg["loss"])
    opt = R.make_optimizer(cfg, params)
    head = getattr(model, "logits", model)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    losses = []
    for _ in range(cfg["epochs"]):
        tot = 0.0
        for i in range(0, len(x), cfg["batch_size"]):
            xb, yb = xt[i:i + cfg["batch_size"]], yt[i:i + cfg["batch_size"]]
            opt.zero_grad()
            loss = loss_fn(head(xb), yb)
            total = loss + l1 * sum(p.abs().sum() for p in params) if l1 else loss
            total.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(params, clip)
            opt.step()
            tot += loss.item() * len(xb)
        losses.append(tot / len(x))
    return losses


def case(name, cls, seed, data, cfg, clip=0.0, l1=0.0):
    cfg = R.full_cfg(cfg)
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    x, y = data()
    torch.manual_seed(seed)
    model = cls()
    if any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()):
        R.calibrate_bn(model, torch.from_numpy(x), torch.Generator().manual_seed(seed + 1000))
    model.eval()
    R.export(model, torch.from_numpy(x[:2]), os.path.join(d, "model.onnx"))
    losses = train(model, x, y, cfg, clip, l1)
    R.replace_initializers(os.path.join(d, "model.onnx"), model, os.path.join(d, "expected.onnx"))
    R.write_bytes(os.path.join(d, "x.pb"), R.tensor_bytes(x, "input"))
    R.write_bytes(os.path.join(d, "y.pb"), R.tensor_bytes(y, "target"))
    lines = ["%s %s" % (k, R.fmt(cfg[k])) for k in R.KEYS]
    if clip:
        lines.append("clip_norm %s" % R.fmt(clip))
    if l1:
        lines.append("l1 %s" % R.fmt(l1))
    R.write_text(os.path.join(d, "train.txt"), lines)
    R.write_text(os.path.join(d, "losses.txt"), ["%.9g" % v for v in losses])
    print("%-15s losses %s" % (name, " ".join("%.5f" % v for v in losses)))


def main():
    torch.set_num_threads(1)
    sgd = dict(loss="cross-entropy", optimizer="sgd", lr=0.1, momentum=0.9, epochs=3, batch_size=16)
    case("mlp_clip_l1", R.MLP, 101, R.data_mlp, sgd, clip=0.5, l1=1e-3)
    case("mlp_softmax", SoftmaxMLP, 101, R.data_mlp, sgd)
    case("mlp_logsoftmax", LogSoftmaxMLP, 101, R.data_mlp, sgd)
    case("bce_sigmoid", SigmoidMLP, 105, R.data_bce,
         dict(loss="bce", optimizer="sgd", lr=0.1, epochs=3, batch_size=12))
    case("mlp_movement", MovementMLP, 107, R.data_mlp,
         dict(loss="cross-entropy", optimizer="sgd", lr=0.1, momentum=0.9, epochs=3, batch_size=16))
    case("resblock", ResBlock, 108, data_resblock,
         dict(loss="cross-entropy", optimizer="sgd", lr=0.05, momentum=0.9, epochs=3,
              batch_size=8))
    dropout_model()
    resproj_cases()


def resproj_cases():
    """r8elt: ResProj trained whole, with its BNs only (they do not fold:
    Add+ReLU joins the BN), and with the last blocks only (the first
    residual's backward does not run, the second's gives one operand a
    gradient)."""
    sgd = dict(loss="cross-entropy", optimizer="sgd", lr=0.05, momentum=0.9, epochs=3,
               batch_size=8)
    case("resproj", ResProj, 109, data_resblock, sgd)
    case("resproj_bn", ResProj, 109, data_resblock, dict(sgd, trainable="bn*,fc.*"))
    case("resproj_tail", ResProj, 109, data_resblock,
         dict(sgd, trainable="conv3.*,bn3.*,conv4.*,bn4.*,fc.*"))


def dropout_model():
    import onnx
    from onnx import TensorProto, helper
    rs = np.random.RandomState(7)
    w1 = rs.randn(32, 16).astype(np.float32) * 0.25
    w2 = rs.randn(10, 32).astype(np.float32) * 0.25
    inits = [onnx.numpy_helper.from_array(w1, "fc1.weight"),
             onnx.numpy_helper.from_array(np.zeros(32, np.float32), "fc1.bias"),
             onnx.numpy_helper.from_array(w2, "fc2.weight"),
             onnx.numpy_helper.from_array(np.zeros(10, np.float32), "fc2.bias"),
             onnx.numpy_helper.from_array(np.array(0.5, np.float32), "ratio")]
    nodes = [helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Dropout", ["r", "ratio"], ["dr"]),
             helper.make_node("Gemm", ["dr", "fc2.weight", "fc2.bias"], ["output"], transB=1)]
    g = helper.make_graph(nodes, "mlp_dropout",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 16])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 10])],
                          inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="make_extra_refs")
    onnx.checker.check_model(m)
    d = os.path.join(HERE, "mlp_dropout")
    os.makedirs(d, exist_ok=True)
    R.write_bytes(os.path.join(d, "model.onnx"), m.SerializeToString())
    x, y = R.data_mlp()
    R.write_bytes(os.path.join(d, "x.pb"), R.tensor_bytes(x, "input"))
    R.write_bytes(os.path.join(d, "y.pb"), R.tensor_bytes(y, "target"))


if __name__ == "__main__":
    if sys.argv[1:] == ["resproj"]:    # r8elt: these cases only
        torch.set_num_threads(1)
        resproj_cases()
    else:
        main()
