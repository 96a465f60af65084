#!/usr/bin/env bash
# Runs the libFuzzer target (tests/fuzz/fuzz_compile.c, built by `make fuzz`)
# for SECONDS, seeded with every ONNX file of the project and of the ONNX
# conformance suite (libonnx-testdata), which are copied into WORK/seeds at
# run time and never committed.
#
#   WORK/corpus     the growing corpus (kept between runs)
#   WORK/seeds      the seed models, copied afresh each run
#   WORK/artifacts  crash-*, leak-*, timeout-*, oom-* inputs found
#   tests/fuzz/regress/  fixed findings; also replayed by `make test-sanitize`
#
# Each finding must be fixed and its input (minimized with
# `FUZZER -minimize_crash=1 -runs=10000 FILE` when large) moved to
# tests/fuzz/regress/ under a name saying what it was.
#
# usage: tests/fuzz/run.sh FUZZER WORK [SECONDS [JOBS]]
set -eu
mkdir -p "$2"
FUZZER=$(readlink -f "$1")
WORK=$(readlink -f "$2")
SECONDS_=${3:-60}
JOBS=${4:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$WORK/corpus" "$WORK/seeds" "$WORK/artifacts"

# seeds: a flat directory, one file per model, named after its path
n=0
seed() { # FILE
    local name
    name=$(echo "${1#"$ROOT"/}" | tr '/' '_')
    cp "$1" "$WORK/seeds/$name"
    n=$((n + 1))
}
for f in "$ROOT"/models/*/model.onnx "$ROOT"/models/train/*/model.onnx; do
    [ -f "$f" ] && seed "$f"
done
while IFS= read -r f; do seed "$f"; done < <(find "$ROOT/tests/data" -name '*.onnx' | sort)
TD=/usr/share/libonnx-testdata/data
for f in "$TD"/node/*/model.onnx "$TD"/pytorch-converted/*/model.onnx "$TD"/pytorch-operator/*/model.onnx; do
    [ -f "$f" ] && seed "$f"
done
# a dictionary of every op name in the op table and the attribute names
# shape rules read, so mutations can turn one op into another
grep -ho 'ROW("[A-Za-z]*"' "$ROOT"/compiler/optable.c | sed 's/ROW(\(.*\)/\1/' > "$WORK/onnx.dict"
grep -ho 'cc_attr_[a-z]*(n, "[a-z_]*"' "$ROOT"/compiler/*.c | sed 's/.*\("[a-z_]*"\)/\1/' | sort -u >> "$WORK/onnx.dict"
echo "fuzz: $n seeds, ${SECONDS_}s, $JOBS job(s); findings go to $WORK/artifacts/"

# -max_len: above the largest seed (models/autoencoder, 1.1 MB), so no seed
#   is cut; -len_control=0: mutate at any length from the start, since
#   valid models are large and the interesting bytes sit deep inside them.
# -timeout: a compile of the largest model under ASan takes well under a
#   second; 20 s of one input is a hang.
# -rss_limit_mb / -malloc_limit_mb: 2 GiB; more for one input is a finding
#   (a small file must not make the compiler allocate gigabytes).
args=(-max_len=2097152 -len_control=0 -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=2048
      -dict="$WORK/onnx.dict" -max_total_time="$SECONDS_" -print_final_stats=1 -artifact_prefix="$WORK/artifacts/")
if [ "$JOBS" -gt 1 ]; then
    args+=(-jobs="$JOBS" -workers="$JOBS")
fi
export UBSAN_OPTIONS=print_stacktrace=1:${UBSAN_OPTIONS:-}
cd "$WORK"
exec "$FUZZER" "${args[@]}" "$WORK/corpus" "$WORK/seeds" "$ROOT/tests/fuzz/regress"
