#!/usr/bin/env bash
# NEON under emulation: the runtime's kernels and whole models built for
# AArch64 with aarch64-linux-gnu-gcc -O2 (so __ARM_NEON selects the NEON
# paths) and run under qemu-aarch64. Correctness only: the emulator says
# nothing about speed.
#
#   1. tests/neon/check_kernels.c against the AArch64 runtime: the GEMM,
#      convolutions (3x3, pointwise, depthwise, grouped, dilated) and their
#      backward against naive double loops, on many shapes and tails.
#   2. every model in models/ (both test data sets) through `onnxcc verify`
#      with CC=tests/neon/cc-qemu.sh and the AArch64 runtime: compiled by the
#      host onnxcc, built for AArch64, run under qemu-aarch64, compared with
#      PyTorch's outputs as tests/models/run.sh does (--nrel 1e-5).
#
# usage: tests/neon/run.sh ONNXCC NEON_BUILD_DIR
#   NEON_BUILD_DIR holds include/onnxcc_rt.h, libonnxcc_rt.a (AArch64) and
#   check_kernels (made by `make test-neon`).
set -u
ONNXCC=$(readlink -f "${1:-build/onnxcc}")
NB=$(readlink -f "${2:-build/neon}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
QEMU=${NEON_QEMU:-qemu-aarch64}
SYSROOT=${NEON_SYSROOT:-/usr/aarch64-linux-gnu}
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

# the NEON paths must be the ones compiled: __ARM_NEON on, no RT_NO_SIMD
neon_on() { aarch64-linux-gnu-gcc -O2 -dM -E -x c /dev/null | grep -q '__ARM_NEON 1'; }
check "aarch64-linux-gnu-gcc -O2 defines __ARM_NEON" neon_on
kernels() {
    local r
    r=$("$QEMU" -L "$SYSROOT" "$NB/check_kernels" 2>&1) || { echo "$r"; return 1; }
    echo "$r"
    echo "$r" | grep -q '(NEON)'
}
check "kernels against naive loops under qemu-aarch64 (NEON)" kernels

for m in "$ROOT"/models/*/; do
    [ -f "$m/model.onnx" ] || continue
    name=$(basename "$m")
    for set in "$m"/test_data_set_*; do
        check "$name $(basename "$set") aarch64/qemu" env CC="$ROOT/tests/neon/cc-qemu.sh" \
            ONNXCC_RUNTIME_DIR="$NB" "$ONNXCC" verify "$m/model.onnx" "$set" --nrel 1e-5
    done
done

echo "neon: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
