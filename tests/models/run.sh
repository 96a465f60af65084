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

# Layers in double, float16, bfloat16 and the integer types ONNX allows
# for them, against numpy's results (tests/data/make_typed_layers.py); each
# case's "tol" holds its verify options (double to 1e-12).
for m in "$ROOT"/tests/data/typed_layers/*/; do
    # shellcheck disable=SC2046
    check "typed layer $(basename "$m") verifies against numpy" \
        "$ONNXCC" verify "$m/model.onnx" "$m/test_data_set_0" $(cat "$m/tol")
done

# digits_int8: the QDQ-quantized digits CNN (models/make_digits_int8.py). The
# generated C (integer kernels after the QDQ fusion) must classify the test
# set within one point of the float model (3 of 360 images) and within one
# image of the numpy evaluation of the quantized graph; its weights must take
# at most 30% of the float model's bytes (a quarter for the int8 weights, plus
# each output channel's int32 bias and float scale).
digits_int8_accuracy() {
    mkdir -p "$tmp/i8" &&
    "$ONNXCC" compile "$ROOT/models/digits_int8/model.onnx" -o "$tmp/i8/digits.c" --name digits --dim N=1 &&
    cc -std=c99 ${ONNXCC_CFLAGS:--O2} -I"$tmp/i8" -I"$(dirname "$ONNXCC")/include" "$ROOT/models/demo/digits_app.c" \
        "$tmp/i8/digits.c" "$(dirname "$ONNXCC")/libonnxcc_rt.a" -lm -o "$tmp/app8" &&
    "$tmp/app8" "$ROOT/models/digits/test_x.f32" "$ROOT/models/digits/test_y.i64" --quiet > "$tmp/out8" || return 1
    got=$(awk '/^accuracy/ {gsub(/\(/, "", $3); print $3}' "$tmp/out8")
    float=$(awk '/^correct/ {print $2}' "$ROOT/models/digits/reference.txt")
    ref=$(awk '/^correct/ {print $2}' "$ROOT/models/digits_int8/reference.txt")
    samples=$(awk '/^samples/ {print $2}' "$ROOT/models/digits_int8/reference.txt")
    echo "digits_int8: generated C got $got of $samples correct, numpy QDQ $ref, float model $float"
    [ -n "$got" ] && [ $(((float - got) * 100)) -le "$samples" ] &&
        [ $((got - ref)) -le 1 ] && [ $((ref - got)) -le 1 ]
}
check "digits_int8 accuracy within one point of float" digits_int8_accuracy
digits_int8_weights() {
    wf=$("$ONNXCC" summary "$ROOT/models/digits/model.onnx" --dim N=1 | awk '/^weight bytes/ {print $3}')
    wq=$("$ONNXCC" summary "$ROOT/models/digits_int8/model.onnx" --dim N=1 | awk '/^weight bytes/ {print $3}')
    echo "digits_int8: weight bytes $wq, float model $wf"
    [ -n "$wf" ] && [ -n "$wq" ] && [ $((wq * 100)) -le $((wf * 30)) ]
}
check "digits_int8 weights take under 30% of the float model's" digits_int8_weights

# the QDQ fusion on small graphs (tests/data/make_qdq.py, numpy references):
# each verifies, and the fused cases keep no float Conv/Gemm/MatMul/MaxPool
# and no DequantizeLinear node, while the *_unfused ones (a float bias; a
# QuantizeLinear with another scale after MaxPool) keep theirs and run the
# pattern in float
qdq_fused() { # DIR
    ops=$("$ONNXCC" summary "$1/model.onnx" | awk '/^[0-9]+ / {print $2}') || return 1
    echo "$ops" | tr '\n' ' '
    case $(basename "$1") in
    *_unfused) echo "$ops" | grep -qx 'DequantizeLinear' ;;
    *) ! echo "$ops" | grep -Eqx 'DequantizeLinear|Conv|Gemm|MatMul|MaxPool' ;;
    esac
}
for q in "$ROOT"/tests/data/qdq/*/; do
    check "qdq $(basename "$q") verifies" "$ONNXCC" verify "$q/model.onnx" "$q/test_data_set_0" --nrel 1e-5
    check "qdq $(basename "$q") fuses as its name says" qdq_fused "$q"
done

echo "models: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
