#!/usr/bin/env bash
# ONNX backend-test cases whose output shape depends on an input the suite
# feeds at run time (Resize's scales and sizes, ...): onnxcc needs those
# values at compile time and refuses the cases as given (see run.sh). Here
# the cases are copied with every input but the data turned into an
# initializer (constify.py, values from test_data_set_0) and verified
# against the suite's own reference outputs, like any other case.
#
# usage: tests/conformance/run_const.sh [ONNXCC]
set -u
ONNXCC=${1:-build/onnxcc}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
WORK=${CONST_WORK:-$ROOT/build/conformance-const}
rm -rf "$WORK"
mkdir -p "$WORK/node-const"
# the cases, by name pattern
patterns="test_resize_* test_upsample_* test_top_k* test_onehot_*_ax* test_onehot_negative_indices
    test_maxunpool_export_with_output_shape"
cases=""
for p in $patterns; do
    for c in "$DATA"/node/$p; do
        [ -d "$c" ] && cases="$cases $c"
    done
done
/usr/bin/python3 "$ROOT/tests/conformance/constify.py" "$WORK/node-const" $cases || exit 1
ONNX_TESTDATA=$WORK CONFORMANCE_OUT=$WORK/out "$ROOT/tests/conformance/run.sh" "$ONNXCC" node-const
