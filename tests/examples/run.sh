#!/usr/bin/env bash
# Packaging and integration: `make install` into a temporary prefix, then
#  - pkg-config --cflags --libs onnxcc-rt works,
#  - the installed onnxcc verifies a model (it finds its runtime),
#  - the CMake example and the plain-Makefile example under models/examples/
#    compile the MLP at build time and link it; both apps print the same class
#    as the reference output of models/mlp says.
# usage: tests/examples/run.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
check() {
    local label=$1
    shift
    if out=$("$@" 2>&1); then
        echo "ok - $label"
        pass=$((pass + 1))
    else
        echo "not ok - $label"
        echo "$out" | tail -8 | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}
P="$TMP/prefix"
check "make install PREFIX=..." make -C "$ROOT" --no-print-directory install PREFIX="$P"
export PATH="$P/bin:$PATH" PKG_CONFIG_PATH="$P/lib/pkgconfig"
check "pkg-config --cflags --libs onnxcc-rt" sh -c \
    "pkg-config --cflags --libs onnxcc-rt | grep -q -- '-I$P/include' && pkg-config --libs onnxcc-rt | grep -q lonnxcc_rt"
check "installed onnxcc verify (from another directory)" sh -c \
    "cd '$TMP' && onnxcc verify '$ROOT/models/mlp/model.onnx' '$ROOT/models/mlp/test_data_set_0'"

# the reference input as a raw file, and the class PyTorch's output picks
# (the .pb holds the floats as the last 256 bytes: 64 floats of raw_data)
tail -c 256 "$ROOT/models/mlp/test_data_set_0/input_0.pb" > "$TMP/in.f32"
check "CMake example builds" sh -c "cmake -S '$ROOT/models/examples/cmake' -B '$TMP/cm' >/dev/null && cmake --build '$TMP/cm' >/dev/null"
check "Makefile example builds" make -C "$ROOT/models/examples/make" --no-print-directory OUT="$TMP/mk" CC=cc
want=$(onnxcc verify "$ROOT/models/mlp/model.onnx" "$ROOT/models/mlp/test_data_set_0" >/dev/null && echo ok)
a=$("$TMP/cm/app" "$TMP/in.f32" 2>&1 | awk '{print $2}')
b=$("$TMP/mk/app" "$TMP/in.f32" 2>&1 | awk '{print $2}')
ref=$(tail -c 40 "$ROOT/models/mlp/test_data_set_0/output_0.pb" | od -An -f -v | tr -s ' ' '\n' | grep -v '^$' |
      awk 'NR == 1 || $1 > m { m = $1; k = NR - 1 } END { print k }')
check "both apps predict the reference class ($ref)" sh -c "[ '$want' = ok ] && [ '$a' = '$ref' ] && [ '$b' = '$ref' ]"
# summary --dot: valid Graphviz, also for hostile names (rendered when dot exists)
dotcheck() {
    for m in "$ROOT/models/resnet8/model.onnx" "$ROOT/tests/data/hostile/model.onnx"; do
        onnxcc summary "$m" --dim N=1 --dot > "$TMP/g.dot" || return 1
        head -1 "$TMP/g.dot" | grep -q '^digraph onnxcc {$' && tail -1 "$TMP/g.dot" | grep -q '^}$' || return 1
        grep -q 'arena @' "$TMP/g.dot" || return 1
        if command -v dot > /dev/null; then dot -Tsvg "$TMP/g.dot" > /dev/null || return 1; fi
    done
}
check "summary --dot gives valid Graphviz (hostile names too)" dotcheck
echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
