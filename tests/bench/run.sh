#!/usr/bin/env bash
# The side-by-side benchmark (`make bench`): installs what it needs, then
# runs tests/bench/run.py. Never part of `make test`.
#
#   tests/bench/run.sh path/to/onnxcc [OUT_DIR] [run.py options...]
#
# It needs, and installs when missing: libopenblas-dev, python3-torch,
# python3-onnx, python3-numpy, python3-matplotlib, nodejs and npm (apt-get,
# as root or through sudo), and onnxruntime-node@1.30.0 (npm, with
# --ignore-scripts: the package ships its CPU library, its download script is
# not needed) under OUT_DIR/node_modules. OUT_DIR defaults to build/bench.
set -eu

ONNXCC=${1:?usage: tests/bench/run.sh path/to/onnxcc [OUT_DIR] [run.py options...]}
OUT=${2:-build/bench}
shift $(( $# >= 2 ? 2 : 1 ))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ORT_VERSION=1.30.0
PY=/usr/bin/python3

# ---- Debian packages
need=""
dpkg -s libopenblas-dev >/dev/null 2>&1 || need="$need libopenblas-dev"
for m in torch:python3-torch onnx:python3-onnx numpy:python3-numpy matplotlib:python3-matplotlib; do
    "$PY" -c "import ${m%%:*}" >/dev/null 2>&1 || need="$need ${m#*:}"
done
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
    echo "bench: installing$need"
    if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else
        echo "bench: error: missing$need and not root (install them, or run as root)" >&2
        exit 2
    fi
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need
fi

# ---- ONNX Runtime for Node, under OUT/node_modules
ort_version() {
    NODE_PATH=$OUT/node_modules node -e \
        "console.log(require('onnxruntime-node/package.json').version)" 2>/dev/null || true
}
if [ "$(ort_version)" != "$ORT_VERSION" ]; then
    echo "bench: npm install --ignore-scripts onnxruntime-node@$ORT_VERSION under $OUT"
    [ -f "$OUT/package.json" ] || echo '{"name": "onnxcc-bench", "private": true}' > "$OUT/package.json"
    (cd "$OUT" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
        "onnxruntime-node@$ORT_VERSION")
fi
# the native binding must load and run a model
if ! NODE_PATH=$OUT/node_modules node tests/bench/ort_bench.js models/mlp/model.onnx \
        --iterations 1 >/dev/null; then
    echo "bench: error: onnxruntime-node's native binding does not load (see above)" >&2
    exit 1
fi

# ---- the sgemm peak program
${CC:-cc} -std=c99 -O2 -Wall -Wextra -Werror tests/bench/sgemm_peak.c -lopenblas \
    -o "$OUT/sgemm_peak"

exec "$PY" tests/bench/run.py --onnxcc "$ONNXCC" --out "$OUT" \
    --node-path "$OUT/node_modules" --sgemm "$OUT/sgemm_peak" "$@"
