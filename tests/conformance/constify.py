"""Copies ONNX backend-test cases with some graph inputs turned into
initializers (their values from test_data_set_0), so that ops whose output
shape depends on an input (Resize's scales and sizes, ...) can be verified
against the suite's reference outputs with those inputs known at compile
time. Each test_data_set_* keeps only the remaining inputs.

usage: /usr/bin/python3 constify.py OUT_DIR CASE_DIR... [--keep NAME]
       (default: every input but the first becomes an initializer)"""
import glob
import os
import shutil
import sys

import onnx
from onnx import numpy_helper


def constify(case, out_root, keep):
    m = onnx.load(os.path.join(case, "model.onnx"))
    inputs = [i.name for i in m.graph.input]
    init_names = {t.name for t in m.graph.initializer}
    inputs = [i for i in inputs if i not in init_names]
    keep = keep or inputs[:1]
    sets = sorted(glob.glob(os.path.join(case, "test_data_set_*")))
    first = {}
    for k, name in enumerate(inputs):
        t = onnx.TensorProto()
        with open(os.path.join(sets[0], "input_%d.pb" % k), "rb") as f:
            t.ParseFromString(f.read())
        first[name] = t
    out = os.path.join(out_root, os.path.basename(case))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name in inputs:
        if name in keep:
            continue
        t = first[name]
        t.name = name
        m.graph.initializer.append(t)
    kept = [i for i in m.graph.input if i.name in keep or i.name in init_names]
    del m.graph.input[:]
    m.graph.input.extend(kept)
    onnx.save(m, os.path.join(out, "model.onnx"))
    for s in sets:
        so = os.path.join(out, os.path.basename(s))
        os.makedirs(so)
        j = 0
        for k, name in enumerate(inputs):
            if name in keep:
                shutil.copy(os.path.join(s, "input_%d.pb" % k), os.path.join(so, "input_%d.pb" % j))
                j += 1
        for f in glob.glob(os.path.join(s, "output_*.pb")):
            shutil.copy(f, so)


def main():
    args = sys.argv[1:]
    keep = []
    while "--keep" in args:
        i = args.index("--keep")
        keep.append(args[i + 1])
        del args[i:i + 2]
    for case in args[1:]:
        constify(case, args[0], keep)


if __name__ == "__main__":
    main()
