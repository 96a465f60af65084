#!/usr/bin/env bash
# End-to-end tests on the real models in models/: each is compiled, built and
# run on PyTorch's reference inputs with the batch bound to 1 (test_data_set_0)
# and to 4 (test_data_set_1), under every available C compiler, and compared
# with PyTorch's outputs: max|error| <= 1e-5 * max|reference| per output.
# Then the digits demo application must reach PyTorch's own test accuracy
# (models/digits/reference.txt) within one sample.
#
# usage: tests/models/run.sh [ONNXCC]
set -u
ONNXCC=$(readlink -f "${1:-build/onnxcc}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
pass=0
fail=0
check() { # NAME COMMAND...
    local label=$1
    shift
    if out=$("$@" 2>&1); then
        echo "ok - $label"
        pass=$((pass + 1))
    else
        echo "not ok - $label"
        echo "$out" | sed 's/^/    /' | tail -5
        fail=$((fail + 1))
    fi
}

compilers=""
for c in gcc clang; do command -v $c >/dev/null && compilers="$compilers $c"; done

for m in "$ROOT"/models/*/; do
    [ -f "$m/model.onnx" ] || continue
    name=$(basename "$m")
    for set in "$m"/test_data_set_*; do
        for c in $compilers; do
            check "$name $(basename "$set") $c" env CC=$c "$ONNXCC" verify "$m/model.onnx" "$set" --nrel 1e-5
        done
    done
done

# a PyTorch export that computes shapes at run time (Shape, Gather, Mul,
# Unsqueeze, Concat feeding Reshape): the subgraph must fold away entirely
shapes="$ROOT/tests/data/torch_shapes"
check "torch shape subgraph verifies" "$ONNXCC" verify "$shapes/model.onnx" "$shapes/test_data_set_0" --nrel 1e-5
folded() {
    out=$("$ONNXCC" summary "$shapes/model.onnx" --dim N=2) || return 1
    echo "$out" | grep -E '^[0-9]+ +(Shape|Gather|Concat|Unsqueeze|Mul|Constant) ' && return 1
    echo "$out" | grep -q '^nodes: 5$'
}
check "torch shape subgraph folded at compile time" folded

# the ext ops (recurrent layers, losses, Resize, indexing) in PyTorch
# exports, against PyTorch's outputs (tests/data/make_ext_refs.py)
for m in "$ROOT"/tests/data/ext/*/; do
    check "ext $(basename "$m") verifies against PyTorch" "$ONNXCC" verify "$m/model.onnx" "$m/test_data_set_0"
done

# weights round-trip bit-exactly through the emitted static const arrays
# (signed zeros, subnormals, extremes, infinities, NaN, random bit patterns)
rt="$ROOT/tests/data/roundtrip"
check "weights round-trip bit-exactly" "$ONNXCC" verify "$rt/model.onnx" "$rt/test_data_set_0" --exact

# digits: accuracy of the generated C on the held-out test set vs PyTorch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
digits_accuracy() {
    "$ONNXCC" compile "$ROOT/models/digits/model.onnx" -o "$tmp/digits.c" --name digits --dim N=1 &&
    cc -std=c99 ${ONNXCC_CFLAGS:--O2} -I"$tmp" -I"$(dirname "$ONNXCC")/include" "$ROOT/models/demo/digits_app.c" \
        "$tmp/digits.c" "$(dirname "$ONNXCC")/libonnxcc_rt.a" -lm -o "$tmp/app" &&
    "$tmp/app" "$ROOT/models/digits/test_x.f32" "$ROOT/models/digits/test_y.i64" --quiet > "$tmp/out" || return 1
    got=$(awk '/^accuracy/ {gsub(/\(/, "", $3); print $3}' "$tmp/out")
    want=$(awk '/^correct/ {print $2}' "$ROOT/models/digits/reference.txt")
    echo "digits: generated C got $got correct, PyTorch $want"
    [ -n "$got" ] && [ $((got - want)) -le 1 ] && [ $((want - got)) -le 1 ]
}
check "digits accuracy matches PyTorch" digits_accuracy

# Einsum, DFT and STFT cases beyond the ONNX suite, against numpy's results
# in double (tests/data/make_signal_refs.py)
for m in "$ROOT"/tests/data/signal/*/; do
    check "signal $(basename "$m") verifies against numpy" \
        "$ONNXCC" verify "$m/model.onnx" "$m/test_data_set_0"
done

echo "models: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
