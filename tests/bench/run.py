#!/usr/bin/python3
"""The side-by-side benchmark behind `make bench` (run.sh sets it up).

For every models/*/model.onnx, pinned to one core:
  - onnxcc bench --json                         inference latency, batch 1
  - ort_bench.js (ONNX Runtime, 1 thread)       inference latency, batch 1,
    and, in blocks alternating with it, a model of one Slice node fed as many
    input floats and returning as many output floats (make_floor.py): ORT's
    per-call floor; ORT's net time = ORT time - floor
  - onnxcc bench --train --batch-size 32 --json one SGD (momentum 0.9) step
  - torch_bench.py                              PyTorch's step, same recipe
and OpenBLAS sgemm on 2048^3 and 768^3 products, the single-core peak (measured before
and after the models; the better one counts).

Prints the table, writes it as OUT/bench.csv, OUT/bench.md and a bar chart
OUT/bench.png, and everything measured as OUT/bench.json. Exit 1 if some
measurement failed (the table then shows 'fail' there), 0 otherwise. Timings
are reported, never asserted.

    /usr/bin/python3 tests/bench/run.py --onnxcc build/bench/native/onnxcc \\
        --out build/bench --node-path build/bench/node_modules --sgemm build/bench/sgemm_peak
"""
import argparse
import csv
import glob
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TRAIN_BATCH = 32
LR, MOMENTUM = 0.01, 0.9
# models whose training target is their input (the rest are classifiers)
MSE_MODELS = {"autoencoder"}
# models fine-tuning does not support (quantized: --train refuses their
# QuantizeLinear/DequantizeLinear), timed for inference only
INFERENCE_ONLY = {"digits_int8"}

COLUMNS = ["model", "onnxcc us", "ORT us", "ORT floor us", "ORT net us", "ratio onnxcc/ORT-net",
           "GFLOP/s", "% of sgemm peak", "train onnxcc ms", "PyTorch ms", "ratio onnxcc/PyTorch"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def pin_prefix():
    """taskset -c 0 when it exists and works here, else nothing."""
    if shutil.which("taskset"):
        try:
            if subprocess.run(["taskset", "-c", "0", "true"]).returncode == 0:
                return ["taskset", "-c", "0"]
        except OSError:
            pass
    return []


def run_json(cmd, env, what, timeout=600):
    """Runs cmd and returns the JSON object on its last stdout line, or None
    (with the reason logged)."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        log("  %s: FAILED: %s" % (what, e))
        return None
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    if p.returncode != 0 or not lines:
        log("  %s: FAILED (exit %d): %s" % (what, p.returncode, p.stderr.strip()[-600:]))
        return None
    try:
        r = json.loads(lines[-1])
    except ValueError:
        log("  %s: FAILED: no JSON line in: %s" % (what, lines[-1][:200]))
        return None
    if "median_us" in r:
        log("  %-16s %12.1f us median  (%d iterations, %.1f s)"
            % (what, r["median_us"], r["iterations"], time.time() - t0))
    else:
        log("  %-16s %s  (%.1f s)" % (what, lines[-1], time.time() - t0))
    return r


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt(v, digits=1):
    if v is None:
        return "fail"
    if isinstance(v, str):
        return v
    return "%.*f" % (digits, v)


def measure(name, path, a, env, pin):
    row = {"model": name}
    loss = "mse" if name in MSE_MODELS else "cross-entropy"
    log("%s:" % name)
    cc = run_json(pin + [a.onnxcc, "bench", path, "--json", "--layers"], env, "onnxcc")
    floor = os.path.join(a.out, "floor_%s.onnx" % name)
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_floor.py"), path, floor],
                   check=True)
    ort = run_json(pin + ["node", os.path.join(HERE, "ort_bench.js"), path, "--floor", floor],
                   env, "ORT")
    if ort:
        log("  %-16s %12.1f us median" % ("ORT floor", ort["floor_median_us"]))
    tr = pt = None
    no_train = a.no_train or name in INFERENCE_ONLY
    if not no_train:
        tr = run_json(pin + [a.onnxcc, "bench", path, "--json", "--train", "--batch-size",
                             str(TRAIN_BATCH), "--loss", loss, "--optimizer", "sgd",
                             "--lr", str(LR), "--momentum", str(MOMENTUM)], env, "onnxcc train")
        pt = run_json(pin + ["/usr/bin/python3", os.path.join(HERE, "torch_bench.py"), name,
                             "--batch-size", str(TRAIN_BATCH), "--loss", loss, "--lr", str(LR),
                             "--momentum", str(MOMENTUM)], env, "PyTorch train")
    row["raw"] = {"onnxcc": cc, "ort": ort, "onnxcc_train": tr, "torch_train": pt}
    row["onnxcc_us"] = cc["median_us"] if cc else None
    row["ort_us"] = ort["median_us"] if ort else None
    row["floor_us"] = ort["floor_median_us"] if ort else None
    row["net_us"] = (ort["median_us"] - ort["floor_median_us"]) if ort else None
    row["ratio"] = (cc["median_us"] / row["net_us"]
                    if cc and row["net_us"] is not None and row["net_us"] > 0 else None)
    row["gflops"] = cc["gflops"] if cc else None
    row["pct_peak"] = (100.0 * cc["gflops"] / a.peak if cc and a.peak and cc["gflops"] is not None
                       else None)
    row["train_ms"] = tr["median_us"] / 1e3 if tr else None
    row["torch_ms"] = pt["median_us"] / 1e3 if pt else None
    row["train_ratio"] = tr["median_us"] / pt["median_us"] if tr and pt else None
    row["failed"] = any(v is None for k, v in row["raw"].items()
                        if not (no_train and k in ("onnxcc_train", "torch_train")))
    return row


# The layers the issue sets a goal for: (model, kind prefix, description)
LAYER_GOALS = [("resnet8", "conv 3x3", "ResNet-8 3x3 convolutions"),
               ("mobilenet", "conv 1x1 (pointwise)", "MobileNetV1 pointwise convolutions")]
LAYER_GOAL_PCT = 60.0
LAYER_COLUMNS = ["model", "step", "op", "kind", "output", "MACs", "us", "GFLOP/s",
                 "% of sgemm peak", "goal layer"]


def layer_rows(rows, peak):
    """Every layer with MACs of every model, from onnxcc bench --layers."""
    out = []
    for r in rows:
        cc = r["raw"]["onnxcc"]
        for l in (cc or {}).get("layers", []):
            if not l["macs"]:
                continue
            goal = any(r["model"] == m and l["kind"].startswith(k) for m, k, _ in LAYER_GOALS)
            pct = 100.0 * l["gflops"] / peak if peak and l["gflops"] is not None else None
            op = l["op"] + ("+" + l["fused"] if l["fused"] else "")
            out.append([r["model"], l["step"], op, l["kind"], l["output"], l["macs"],
                        fmt(l["median_us"], 2), fmt(l["gflops"], 1), fmt(pct, 1),
                        "yes" if goal else ""])
    return out


def layer_summary(lrows):
    """One line per goal: how many of its layers reach LAYER_GOAL_PCT."""
    lines = []
    for m, k, desc in LAYER_GOALS:
        sel = [l for l in lrows if l[0] == m and l[3].startswith(k)]
        pcts = [float(l[8]) for l in sel if l[8] != "n/a"]
        if not pcts:
            lines.append("%s: no per-layer figures" % desc)
            continue
        macs = [l[5] for l in sel if l[8] != "n/a"]
        wmean = sum(p * w for p, w in zip(pcts, macs)) / sum(macs)
        ok = sum(1 for p in pcts if p >= LAYER_GOAL_PCT)
        lines.append("%s: %d of %d layers at >= %.0f%% of the sgemm peak (min %.1f%%, "
                     "MAC-weighted mean %.1f%%)" % (desc, ok, len(pcts), LAYER_GOAL_PCT,
                                                    min(pcts), wmean))
    return lines


def table_rows(rows, gm, gm_train, no_train):
    out = []
    for r in rows:
        net = r["net_us"]
        skip = no_train or r["model"] in INFERENCE_ONLY
        train = ["-", "-", "-"] if skip else [fmt(r["train_ms"], 2), fmt(r["torch_ms"], 2),
                                                   fmt(r["train_ratio"], 2)]
        out.append([r["model"], fmt(r["onnxcc_us"]), fmt(r["ort_us"]), fmt(r["floor_us"]),
                    fmt(net), fmt(r["ratio"], 2) if r["ratio"] is not None
                    else ("n/a" if net is not None else "fail"),
                    fmt(r["gflops"], 2), fmt(r["pct_peak"], 1)] + train)
    out.append(["geometric mean", "", "", "", "", fmt(gm, 2) if gm else "n/a", "", "", "", "",
                "-" if no_train else fmt(gm_train, 2) if gm_train else "n/a"])
    return out


def print_table(rows, columns=COLUMNS, f=sys.stdout):
    widths = [max(len(str(r[i])) for r in rows + [columns]) for i in range(len(columns))]
    line = "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(columns, widths)))
    print(line, file=f)
    print("-" * len(line), file=f)
    for r in rows:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))), file=f)


def markdown(rows, columns=COLUMNS):
    s = "| " + " | ".join(columns) + " |\n| --- |" + " ---: |" * (len(columns) - 1) + "\n"
    for r in rows:
        s += "| " + " | ".join(str(c) for c in r) + " |\n"
    return s


def chart(rows, gm, gm_train, peak, path):
    """Three panels: inference latency, training step time, the ratios."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["model"] for r in rows]
    x = list(range(len(names)))
    fig, ax = plt.subplots(1, 3, figsize=(18, 5.5))

    def bars(axis, series, title, ylabel):
        known = [v for _, vals, _ in series for v in vals if v is not None and v > 0]
        if not known:
            axis.set_title(title)
            axis.text(0.5, 0.5, "not measured", ha="center", transform=axis.transAxes)
            return
        w = 0.8 / len(series)
        for k, (label, vals, color) in enumerate(series):
            pos = [i + (k - (len(series) - 1) / 2) * w for i in x]
            axis.bar(pos, [v if v is not None and v > 0 else 0 for v in vals], w, label=label,
                     color=color)
        axis.set_yscale("log")
        axis.set_ylim(min(known) / 2, max(known) * 12)   # room for the legend
        axis.set_xticks(x)
        axis.set_xticklabels(names, rotation=30, ha="right")
        axis.set_title(title)
        axis.set_ylabel(ylabel)
        axis.grid(axis="y", which="both", alpha=0.3)
        axis.legend(fontsize=9, loc="upper left")

    bars(ax[0], [("onnxcc", [r["onnxcc_us"] for r in rows], "tab:blue"),
                 ("ORT", [r["ort_us"] for r in rows], "tab:gray"),
                 ("ORT net (minus floor)", [r["net_us"] for r in rows], "tab:orange")],
         "Inference, batch 1, one core", "median latency (us, log)")
    bars(ax[1], [("onnxcc", [r["train_ms"] for r in rows], "tab:blue"),
                 ("PyTorch", [r["torch_ms"] for r in rows], "tab:red")],
         "Training step, batch %d, SGD momentum %.1f" % (TRAIN_BATCH, MOMENTUM),
         "median step time (ms, log)")
    w = 0.38
    a2 = ax[2]
    ratios = [(r["ratio"], r["train_ratio"]) for r in rows]
    a2.bar([i - w / 2 for i in x], [q[0] or 0 for q in ratios], w, color="tab:orange",
           label="onnxcc / ORT net, inference (geomean %s)" % (fmt(gm, 2) if gm else "n/a"))
    a2.bar([i + w / 2 for i in x], [q[1] or 0 for q in ratios], w, color="tab:red",
           label="onnxcc / PyTorch, training (geomean %s)"
           % (fmt(gm_train, 2) if gm_train else "n/a"))
    known = [v for q in ratios for v in q if v]
    lo, hi = (min(known + [0.3]), max(known + [1.5])) if known else (0.3, 1.5)
    a2.set_ylim(lo / 2, hi * 12)      # room above the bars for the legend
    for i, q in enumerate(ratios):
        for k, v in enumerate(q):
            a2.text(i + (k - 0.5) * w, v if v else lo / 1.8, "%.2g" % v if v else "n/a",
                    ha="center", va="bottom", fontsize=7, rotation=90)
    a2.axhline(1.0, color="black", lw=1)
    a2.axhline(0.7, color="tab:orange", ls="--", lw=1, label="target 0.7 (inference)")
    a2.axhline(0.5, color="tab:red", ls=":", lw=1, label="target 0.5 (training)")
    a2.set_yscale("log")
    a2.set_xticks(x)
    a2.set_xticklabels(names, rotation=30, ha="right")
    a2.set_title("Time ratios (below 1: onnxcc faster)")
    a2.set_ylabel("ratio (log)")
    a2.grid(axis="y", which="both", alpha=0.3)
    a2.legend(fontsize=8, loc="upper left")
    fig.suptitle("onnxcc vs ONNX Runtime and PyTorch on one core; OpenBLAS sgemm peak %s GFLOP/s"
                 % (fmt(peak, 1) if peak else "n/a"))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True).stdout.strip()
    except OSError:
        return ""


def sgemm_peak(a, env, pin):
    """The best of 5 products 2048^3 and of 200 products 768^3 (about 5 ms
    each: on a shared machine a short call is more often left alone)."""
    best = None
    for n, reps in (("2048", "5"), ("768", "200")):
        r = run_json(pin + [a.sgemm, n, reps], env, "sgemm %s^3" % n)
        if r and (best is None or r["gflops"] > best["gflops"]):
            best = r
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnxcc", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--node-path", required=True, help="node_modules holding onnxruntime-node")
    ap.add_argument("--sgemm", required=True, help="the built sgemm_peak program")
    ap.add_argument("--models", nargs="*", help="model names (default: every models/*/)")
    ap.add_argument("--no-train", action="store_true", help="skip the training columns")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    load0 = os.getloadavg()[0]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               NODE_PATH=os.path.abspath(a.node_path))
    pin = pin_prefix()
    log("pinned with: %s" % (" ".join(pin) if pin else "nothing (no taskset)"))

    # the peak is the best the core can do: measured at the start and again at
    # the end, the better one counts (a busy machine lowers one of them)
    sg = sgemm_peak(a, env, pin)
    a.peak = sg["gflops"] if sg else None

    paths = sorted(glob.glob(os.path.join(ROOT, "models", "*", "model.onnx")))
    if a.models:
        paths = [p for p in paths if os.path.basename(os.path.dirname(p)) in a.models]
    rows = [measure(os.path.basename(os.path.dirname(p)), os.path.relpath(p, ROOT), a, env, pin)
            for p in paths]
    sg2 = sgemm_peak(a, env, pin)
    if sg2 and (not sg or sg2["gflops"] > sg["gflops"]):
        sg = sg2
        a.peak = sg["gflops"]
        for r in rows:
            r["pct_peak"] = 100.0 * r["gflops"] / a.peak if r["gflops"] is not None else None
    gm = geomean([r["ratio"] for r in rows])
    gm_train = geomean([r["train_ratio"] for r in rows])
    trows = table_rows(rows, gm, gm_train, a.no_train)

    def first(key, sub):
        return next((r["raw"][key][sub] for r in rows if r["raw"][key]), None)

    info = {
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p' | head -1") or platform.processor(),
        "cc": sh("${CC:-cc} --version | head -1"),
        "onnxcc_cflags": first("onnxcc", "cflags"),
        "onnxruntime_node": first("ort", "ort_version"),
        "node": sh("node --version"),
        "torch": first("torch_train", "torch_version"),
        "openblas": (sg or {}).get("openblas"),
        "openblas_package": sh("dpkg-query -W -f '${Version}' libopenblas0 2>/dev/null"),
        "sgemm_peak_gflops": a.peak,
        "pinned": " ".join(pin),
        "load_average": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "seconds": None,
    }
    print()
    print_table(trows)
    print()
    print("single-core peak (OpenBLAS sgemm, best of 2048^3 and 768^3): %s GFLOP/s"
          % fmt(a.peak, 1))
    print("geometric mean onnxcc / ORT net (inference, batch 1): %s"
          % (fmt(gm, 2) if gm else "n/a"))
    print("geometric mean onnxcc / PyTorch (training step, batch %d): %s"
          % (TRAIN_BATCH, fmt(gm_train, 2) if gm_train else "n/a"))
    print("CPU: %s; ORT %s (node %s); PyTorch %s; %s; generated code: %s %s"
          % (info["cpu"], info["onnxruntime_node"], info["node"], info["torch"],
             info["openblas"], info["cc"], info["onnxcc_cflags"]))
    lrows = layer_rows(rows, a.peak)
    shown = [l for l in lrows if l[0] in [m for m, _, _ in LAYER_GOALS]]
    if shown:
        print()
        print("per layer (onnxcc bench --layers: each step of the generated code timed on its "
              "own, median):")
        print_table(shown, LAYER_COLUMNS)
    for line in layer_summary(lrows):
        print(line)
    print("pinned with '%s'; 1-minute load average %.2f at the start, %.2f at the end "
          "(above ~0.1 other work shared the machine)"
          % (info["pinned"] or "nothing", load0, info["load_average"][1]))

    with open(os.path.join(a.out, "bench.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(trows)
    with open(os.path.join(a.out, "bench_layers.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(LAYER_COLUMNS)
        w.writerows(lrows)
    with open(os.path.join(a.out, "bench.md"), "w") as f:
        f.write(markdown(trows))
        f.write("\nsingle-core peak (OpenBLAS sgemm, best of 2048^3 and 768^3): %s GFLOP/s\n"
                % fmt(a.peak, 1))
        f.write("\n" + markdown(lrows, LAYER_COLUMNS))
        for line in layer_summary(lrows):
            f.write("\n%s\n" % line)
    try:
        chart(rows, gm, gm_train, a.peak, os.path.join(a.out, "bench.png"))
    except Exception as e:  # the numbers matter more than the picture
        log("bench.png: not written: %s" % e)
    info["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(a.out, "bench.json"), "w") as f:
        json.dump({"info": info, "rows": rows, "geomean_ratio": gm,
                   "geomean_train_ratio": gm_train}, f, indent=1)
    print("wrote %s/bench.csv, bench_layers.csv, bench.md, bench.png, bench.json (%.0f s)"
          % (a.out, time.time() - t0))
    failed = [r["model"] for r in rows if r["failed"]] + ([] if sg else ["sgemm"])
    if failed:
        print("bench: some measurements failed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
