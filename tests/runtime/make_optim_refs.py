#!/usr/bin/python3
"""make_optim_refs.py - PyTorch's optimizer trajectories, written to
optim_refs.h for test_optim.c.

Each scenario starts one or two parameter tensors at fixed values, feeds a
fixed sequence of gradients through torch.optim (SGD, Adam, AdamW: the
single-tensor code paths, float32 parameters as in real training) and
records the parameters after every step and the optimizer state after the
last. Scenarios with an L1 term add l1 * sign(w) to the gradient before the
step; scenarios with max_norm > 0 first clip the gradients of all tensors by
their global norm with torch.nn.utils.clip_grad_norm_.

Hyperparameters are rounded to float32 before PyTorch sees them: the runtime
receives them as floats, and PyTorch would otherwise use, e.g., beta2 =
0.999 while the runtime uses 0.999000012874603, which is a different
optimizer, not a rounding error. Run with /usr/bin/python3 (torch installed);
it rewrites optim_refs.h next to itself:

    /usr/bin/python3 tests/runtime/make_optim_refs.py
"""
import math
import os

import numpy as np
import torch

STEPS = 5
MAXW = 12          # floats over all tensors of a scenario
MAXS = 2 * MAXW    # state floats


def f(v):
    """v rounded to float32, as a Python float."""
    return float(np.float32(v))


def cfloat(v):
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        raise ValueError(v)
    s = "%.9g" % v
    if not any(ch in s for ch in ".en"):
        s += ".0"
    return s + "f"


def clist(vals, width):
    vals = list(vals) + [0.0] * (width - len(vals))
    return "{ " + ", ".join(cfloat(v) for v in vals) + " }"


# name, kind, hyperparameters, tensor sizes, max_norm (0: no clipping)
SCENARIOS = [
    ("sgd_plain", "sgd", dict(lr=0.1), [7], 0.0),
    ("sgd_momentum", "sgd", dict(lr=0.05, momentum=0.9), [7], 0.0),
    ("sgd_nesterov", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True), [7], 0.0),
    ("sgd_weight_decay", "sgd", dict(lr=0.1, weight_decay=0.01), [7], 0.0),
    ("sgd_momentum_dampening_wd", "sgd",
     dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.005), [7], 0.0),
    ("sgd_nesterov_wd", "sgd", dict(lr=0.03, momentum=0.9, nesterov=True, weight_decay=0.01),
     [7], 0.0),
    ("adam", "adam", dict(lr=0.01), [7], 0.0),
    ("adam_weight_decay", "adam", dict(lr=0.01, weight_decay=0.01), [7], 0.0),
    ("adam_betas_eps", "adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6), [7], 0.0),
    ("adamw", "adamw", dict(lr=0.01, weight_decay=0.01), [7], 0.0),
    ("adamw_strong_decay", "adamw", dict(lr=0.05, betas=(0.85, 0.995), weight_decay=0.1), [7],
     0.0),
    ("sgd_momentum_l1", "sgd", dict(lr=0.05, momentum=0.9, l1=0.01), [7], 0.0),
    ("adam_l1_wd", "adam", dict(lr=0.01, weight_decay=0.01, l1=0.001), [7], 0.0),
    ("clip_sgd_momentum", "sgd", dict(lr=0.05, momentum=0.9), [7, 5], 1.0),
    ("clip_adam", "adam", dict(lr=0.01), [7, 5], 0.5),
    ("clip_not_needed", "adamw", dict(lr=0.01, weight_decay=0.01), [7, 5], 100.0),
]


def run(kind, hp, sizes, max_norm, rng):
    hp = dict(hp)
    l1 = f(hp.pop("l1", 0.0))
    if kind != "sgd":           # PyTorch's defaults, but as float32 values
        hp.setdefault("betas", (0.9, 0.999))
        hp.setdefault("eps", 1e-8)
    hpf = {}
    for k, v in hp.items():
        if isinstance(v, bool):
            hpf[k] = v
        elif isinstance(v, tuple):
            hpf[k] = tuple(f(x) for x in v)
        else:
            hpf[k] = f(v)
    # parameters in +-[0.5, 2]: they stay far from 0 over 5 small steps, so
    # sign(w) never changes and a relative comparison is meaningful
    w0 = [np.float32(rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)) for n in sizes]
    grads = [[np.float32(rng.standard_normal(n)) for n in sizes] for _ in range(STEPS)]
    params = [torch.tensor(w.copy()).requires_grad_(True) for w in w0]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    opt = cls(params, foreach=False, **hpf)
    traj = []
    for s in range(STEPS):
        for p, g in zip(params, grads[s]):
            p.grad = torch.tensor(g.copy())
        if max_norm > 0:
            torch.nn.utils.clip_grad_norm_(params, f(max_norm))
        if l1 != 0.0:
            for p in params:
                p.grad.add_(torch.sign(p.detach()), alpha=l1)
        opt.step()
        traj.append(np.concatenate([p.detach().numpy().copy() for p in params]))
        assert np.all(np.abs(traj[-1]) > 0.1), "a parameter came near 0"
    state = []
    for p in params:
        st = opt.state[p]
        if kind == "sgd":
            if "momentum_buffer" in st and st["momentum_buffer"] is not None:
                state.append(st["momentum_buffer"].numpy())
        else:
            state.append(st["exp_avg"].numpy())
            state.append(st["exp_avg_sq"].numpy())
    hpf["l1"] = l1
    return hpf, w0, grads, traj, (np.concatenate(state) if state else np.zeros(0))


def main():
    rng = np.random.default_rng(7)
    out = []
    w = out.append
    w("/* optim_refs.h - generated by make_optim_refs.py with torch %s; do not edit. */"
      % torch.__version__)
    w("#ifndef OPTIM_REFS_H")
    w("#define OPTIM_REFS_H")
    w("")
    w("#define OR_STEPS %d" % STEPS)
    w("#define OR_MAXW %d" % MAXW)
    w("#define OR_MAXS %d" % MAXS)
    w("")
    w("/* One scenario: tensors of n[0..ntensors) floats, stored one after the")
    w(" * other in w0 (start), g[s] (the gradients of step s + 1) and w[s]")
    w(" * (PyTorch's parameters after step s + 1); state is PyTorch's state after")
    w(" * the last step, tensor after tensor, in rt_opt_step's layout (SGD: the")
    w(" * momentum buffer; Adam: first moment, then second). max_norm > 0: clip")
    w(" * all tensors' gradients by their global norm before each step. */")
    w("typedef struct {")
    w("    char name[32];      /* an array, not a pointer: Criterion copies parameters */")
    w("    rt_opt_params p;")
    w("    float max_norm;")
    w("    int ntensors;")
    w("    int64_t n[2];")
    w("    int64_t nstate;")
    w("    float w0[OR_MAXW];")
    w("    float g[OR_STEPS][OR_MAXW];")
    w("    float w[OR_STEPS][OR_MAXW];")
    w("    float state[OR_MAXS];")
    w("} or_case;")
    w("")
    w("static const or_case or_cases[] = {")
    kinds = {"sgd": "RT_OPT_SGD", "adam": "RT_OPT_ADAM", "adamw": "RT_OPT_ADAMW"}
    for name, kind, hp, sizes, max_norm in SCENARIOS:
        hpf, w0, grads, traj, state = run(kind, hp, sizes, max_norm, rng)
        total = sum(sizes)
        assert total <= MAXW and len(state) <= MAXS
        betas = hpf.get("betas", (f(0.9), f(0.999)))
        p = [".kind = %s" % kinds[kind], ".lr = %s" % cfloat(hpf["lr"]),
             ".momentum = %s" % cfloat(hpf.get("momentum", 0.0)),
             ".dampening = %s" % cfloat(hpf.get("dampening", 0.0)),
             ".nesterov = %d" % int(hpf.get("nesterov", False)),
             ".weight_decay = %s" % cfloat(hpf.get("weight_decay", 0.0)),
             ".beta1 = %s" % cfloat(betas[0]), ".beta2 = %s" % cfloat(betas[1]),
             ".eps = %s" % cfloat(hpf.get("eps", f(1e-8))), ".l1 = %s" % cfloat(hpf["l1"])]
        w("    { \"%s\"," % name)
        w("      { %s }," % ", ".join(p))
        w("      %s, %d, { %s }, %d," % (cfloat(f(max_norm)), len(sizes),
                                        ", ".join(str(n) for n in sizes + [0] * (2 - len(sizes))),
                                        len(state)))
        w("      %s," % clist(np.concatenate(w0), MAXW))
        w("      { %s }," % ",\n        ".join(clist(np.concatenate(g), MAXW) for g in grads))
        w("      { %s }," % ",\n        ".join(clist(t, MAXW) for t in traj))
        w("      %s }," % clist(state, MAXS))
    w("};")
    w("")
    w("#endif /* OPTIM_REFS_H */")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_refs.h")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
