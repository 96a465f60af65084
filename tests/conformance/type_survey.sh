#!/usr/bin/env bash
# The element-type survey (`make test-types`, not part of `make test`: it
# needs ONNX Runtime from npm). Installs onnxruntime-node@1.30.0 with
# --ignore-scripts under build/bench/node_modules when missing (the same
# install as tests/bench/run.sh), then runs tests/conformance/type_survey.py.
#
#   tests/conformance/type_survey.sh [ONNXCC] [type_survey.py options...]
set -eu
ONNXCC=${1:-build/onnxcc}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=build/bench
ORT_VERSION=1.30.0
mkdir -p "$OUT"
have=$(NODE_PATH=$OUT/node_modules node -e \
    "console.log(require('onnxruntime-node/package.json').version)" 2>/dev/null || true)
if [ "$have" != "$ORT_VERSION" ]; then
    echo "types: npm install --ignore-scripts onnxruntime-node@$ORT_VERSION under $OUT"
    [ -f "$OUT/package.json" ] || echo '{"name": "onnxcc-bench", "private": true}' > "$OUT/package.json"
    (cd "$OUT" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
        "onnxruntime-node@$ORT_VERSION")
fi
exec /usr/bin/python3 tests/conformance/type_survey.py "$ONNXCC" \
    --node-path "$OUT/node_modules" "$@"
