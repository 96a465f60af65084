#!/usr/bin/env bash
# Runs every case of the ONNX backend test suite (libonnx-testdata) through
# `onnxcc verify` and prints, per folder:
#   conformance: N passed, M failed, K unsupported
# A case passes when every test_data_set_* of it verifies (exit 0). It is
# unsupported when onnxcc refuses it cleanly as outside the supported set
# (exit 2 with "onnxcc: unsupported: ..."). Anything else is a failure: a
# mismatch, a crash, a build failure, or a valid model refused as malformed.
# Exits non-zero when any case failed.
#
# usage: tests/conformance/run.sh [ONNXCC] [FOLDER...]
set -u
ONNXCC=${1:-build/onnxcc}
shift || true
DATA=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
FOLDERS=${*:-node pytorch-converted pytorch-operator}
OUT=${CONFORMANCE_OUT:-build/conformance}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT"
ONNXCC=$(readlink -f "$ONNXCC")
BAD_DATA=$(readlink -f "$(dirname "$0")/bad_data.txt")
export ONNXCC OUT BAD_DATA

# one case: prints "RESULT name reason"
run_case() {
    dir=$1
    name=$(basename "$dir")
    log="$OUT/logs/$name.log"
    : > "$log"
    for set in "$dir"/test_data_set_*; do
        [ -d "$set" ] || continue
        timeout 120 "$ONNXCC" verify "$dir/model.onnx" "$set" >> "$log" 2>&1
        rc=$?
        if [ $rc -eq 2 ] && grep -q '^onnxcc: unsupported:' "$log"; then
            echo "UNSUPPORTED $name $(grep -m1 '^onnxcc: unsupported:' "$log" | cut -c1-300)"
            return
        elif [ $rc -ne 0 ] && grep -q 'of the model is .* but the data file holds' "$log" &&
             bad=$(grep -m1 "^$name " "$BAD_DATA" 2>/dev/null); then
            echo "UNSUPPORTED $name onnxcc: unsupported: bad test data: ${bad#"$name "}"
            return
        elif [ $rc -ne 0 ]; then
            echo "FAILED $name rc=$rc $(grep -m1 -E 'MISMATCH|error' "$log" | cut -c1-300)"
            return
        fi
    done
    echo "PASSED $name"
}
export -f run_case

status=0
for folder in $FOLDERS; do
    mkdir -p "$OUT/logs"
    res="$OUT/$folder.txt"
    find "$DATA/$folder" -mindepth 1 -maxdepth 1 -type d | sort |
        xargs -P "$JOBS" -I{} bash -c 'run_case "$@"' _ {} | sort -k2 > "$res"
    p=$(grep -c '^PASSED' "$res"); f=$(grep -c '^FAILED' "$res"); u=$(grep -c '^UNSUPPORTED' "$res")
    grep '^FAILED' "$res" | sed "s|^|  $folder: |"
    echo "conformance $folder: $p passed, $f failed, $u unsupported"
    [ "$f" -eq 0 ] || status=1
done
exit $status
