#!/usr/bin/python3
"""Times one PyTorch training step of a model in models/ the way
`onnxcc bench --train` times the generated one: one thread, the same
architecture (the nn.Modules of models/make_models.py) with the weights of
models/NAME/model.onnx, one random batch, SGD with the same hyper-parameters.
A step is zero_grad, forward, loss, backward and optimizer step. Warm-up of
at least 0.1 s and 2 steps, then N timed steps (default: as many as take
about 1 s, at least 10), each timed with time.perf_counter_ns; prints one
JSON line with the median and minimum in microseconds.

    /usr/bin/python3 tests/bench/torch_bench.py NAME [--batch-size B]
        [--loss cross-entropy|mse] [--lr F] [--momentum F] [--iterations N]

BatchNormalization stays in eval mode (running statistics frozen, its weight
and bias trained), as onnxcc's training step computes it; Dropout is active,
as in onnxcc's training step. Exit 3 when NAME has no module here.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "models")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnx.numpy_helper  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, MODELS)
sys.dont_write_bytecode = True  # no __pycache__ left in models/
import make_models  # noqa: E402  (the architectures; importing it builds nothing)

# make_models asks for deterministic algorithms for its references; a
# benchmark takes PyTorch's defaults, one thread as everywhere here.
torch.use_deterministic_algorithms(False)
torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

ARCH = {
    "resnet8": make_models.ResNet8,
    "dscnn": make_models.DSCNN,
    "mobilenet": make_models.MobileNetV1,
    "autoencoder": make_models.AutoEncoder,
    "lenet5": make_models.LeNet5,
    "mlp": make_models.MLP,
    "digits": make_models.DigitsCNN,
}


def load(name):
    """The module of NAME with every tensor of its state_dict taken from the
    ONNX initializers of the same name."""
    model = ARCH[name]()
    m = onnx.load(os.path.join(MODELS, name, "model.onnx"))
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    state = model.state_dict()
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        if key not in inits:
            sys.exit("torch_bench.py: %s: no initializer %s in model.onnx" % (name, key))
        src = torch.from_numpy(np.array(inits[key]))
        if tuple(src.shape) != tuple(value.shape):
            sys.exit("torch_bench.py: %s: %s is %s in model.onnx, %s here"
                     % (name, key, tuple(src.shape), tuple(value.shape)))
        state[key] = src
    model.load_state_dict(state)
    return model, m


def input_shape(m, batch):
    dims = m.graph.input[0].type.tensor_type.shape.dim
    return [batch] + [d.dim_value for d in dims[1:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--loss", choices=["cross-entropy", "mse"], default="cross-entropy")
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--iterations", type=int, default=0)
    a = ap.parse_args()
    if a.name not in ARCH:
        print("torch_bench.py: no PyTorch module for '%s'" % a.name, file=sys.stderr)
        return 3
    torch.manual_seed(0)
    model, m = load(a.name)
    model.eval()                       # BatchNormalization: frozen statistics
    for mod in model.modules():
        if isinstance(mod, nn.Dropout):
            mod.train()                # dropout active, as onnxcc's step
    x = torch.rand(input_shape(m, a.batch_size)) * 2 - 1
    with torch.no_grad():
        out = model(x)
    if a.loss == "cross-entropy":
        y = torch.randint(0, out.shape[1], (a.batch_size,))
        loss_fn = F.cross_entropy
    else:
        y = torch.rand(out.shape) * 2 - 1
        loss_fn = F.mse_loss
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    warm, t0 = 0, time.perf_counter_ns()
    while warm < 2 or time.perf_counter_ns() - t0 < 100_000_000:
        step()
        warm += 1
    per = (time.perf_counter_ns() - t0) / warm / 1e3
    iters = a.iterations or min(1_000_000, max(10, int(1e6 / per)))
    times = []
    for _ in range(iters):
        s = time.perf_counter_ns()
        loss = step()
        times.append((time.perf_counter_ns() - s) / 1e3)
    print(json.dumps({"model": a.name, "torch_version": torch.__version__,
                      "batch": a.batch_size, "loss_fn": a.loss, "iterations": iters,
                      "warmup": warm, "median_us": statistics.median(times),
                      "min_us": min(times), "loss": float(loss)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
