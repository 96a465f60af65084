#!/usr/bin/env bash
# A quick test of `onnxcc bench` itself (a few seconds; no timing is judged,
# only that the numbers are there and are positive): the JSON line and its
# keys for inference and --train on models/mlp, the text report, --help and
# the exit codes of bad command lines.
#
# usage: tests/bench/smoke.sh [path/to/onnxcc]      (default build/onnxcc)
# Prints "ok - NAME" or "not ok - NAME: why" per check, then
# "bench: N passed, M failed"; exits 1 when M > 0.
set -u

ONNXCC=${1:-build/onnxcc}
if [ ! -x "$ONNXCC" ]; then
    echo "not ok - onnxcc executable: '$ONNXCC' not found (run make)"
    echo "bench: 0 passed, 1 failed"
    exit 1
fi
ONNXCC=$(cd "$(dirname "$ONNXCC")" && pwd)/$(basename "$ONNXCC")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/onnxcc-bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp

pass=0
fail=0
check() {
    if [ -z "$2" ]; then echo "ok - $1"; pass=$((pass + 1)); else
        echo "not ok - $1: $2"; fail=$((fail + 1)); fi
}

# The value of "KEY" in the flat JSON object on the last line of FILE.
jval() {
    tail -n 1 "$1" | sed -n 's/.*"'"$2"'": \("[^"]*"\|[^,}]*\).*/\1/p'
}

# The last stdout line must be one JSON object whose keys below are positive
# numbers (code_bytes may be null off ELF); prints what is wrong.
json_ok() {
    local f=$1 mode=$2 bad="" k v
    case "$(tail -n 1 "$f")" in
        "{"*"}") ;;
        *) echo "the last line is not a JSON object: $(tail -n 1 "$f" | head -c 200)"; return ;;
    esac
    for k in median_us min_us macs gflops param_bytes arena_bytes code_bytes iterations; do
        v=$(jval "$f" $k)
        [ "$k" = code_bytes ] && [ "$v" = null ] && continue
        awk -v v="$v" 'BEGIN { exit !(v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > 0) }' ||
            bad="$bad $k=${v:-missing}"
    done
    [ "$(jval "$f" iterations)" = 3 ] || bad="$bad iterations $(jval "$f" iterations), asked 3"
    awk -v a="$(jval "$f" min_us)" -v b="$(jval "$f" median_us)" 'BEGIN { exit !(a <= b) }' ||
        bad="$bad min above median"
    [ "$(jval "$f" mode)" = "\"$mode\"" ] || bad="$bad mode $(jval "$f" mode)"
    echo "$bad"
}

M=models/mlp/model.onnx
"$ONNXCC" bench $M --iterations 3 --json > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
[ -z "$why" ] && why=$(json_ok "$T/out" inference)
[ -z "$why" ] && [ "$(wc -l < "$T/out")" -ne 1 ] && why="--json printed more than one line"
check "bench --json: one JSON line with positive median_us, min_us, macs, gflops, param_bytes, arena_bytes" "$why"
macs=$("$ONNXCC" summary $M --dim N=1 | sed -n 's/^MACs: //p')
why=""
[ "$(jval "$T/out" macs)" = "${macs:-?}" ] || why="bench says $(jval "$T/out" macs), summary ${macs:-?}"
check "bench --json: macs equal summary's MAC total" "$why"

"$ONNXCC" bench $M --iterations 3 --json --train --batch-size 4 --loss cross-entropy \
    --momentum 0.9 > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
[ -z "$why" ] && why=$(json_ok "$T/out" train)
macs=$("$ONNXCC" summary $M --dim N=4 | sed -n 's/^MACs: //p')
[ -z "$why" ] && [ "$(jval "$T/out" macs)" != "$((3 * ${macs:-0}))" ] &&
    why="macs $(jval "$T/out" macs), not 3 x the forward's ${macs:-?} at batch 4"
check "bench --train --json: a training step, MACs estimated as 3 x forward" "$why"

"$ONNXCC" bench $M --iterations 3 --cflags "-O1" > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
for k in "latency:" "MACs:" "throughput:" "parameters:" "arena:" "code:" "-O1"; do
    [ -z "$why" ] && ! grep -q -- "$k" "$T/out" && why="no '$k' in the report"
done
check "bench: text report with --cflags" "$why"

# The build line names both SIMD levels: -DRT_NO_SIMD selects portable C on
# every target; a library with vector kernels then draws the one-line
# warning, and flags selecting the library's own level do not.
"$ONNXCC" bench $M --iterations 3 --json --cflags "-O1 -DRT_NO_SIMD" > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
lib=$(jval "$T/out" runtime_simd | tr -d '"')
[ "$(jval "$T/out" model_simd)" = '"portable C"' ] || why="$why; model_simd $(jval "$T/out" model_simd)"
nwarn=$(grep -c "^onnxcc: warning: bench: the runtime library .* has $lib kernels but the flags (-O1 -DRT_NO_SIMD) select portable C" "$T/err")
case "$lib" in
    "portable C") [ "$nwarn" = 0 ] || why="$why; a warning though both are portable C" ;;
    AVX2 | AVX-512 | NEON) [ "$nwarn" = 1 ] || why="$why; no one-line warning for a $lib library: $(head -c 300 "$T/err")" ;;
    *) why="$why; runtime_simd '$lib'" ;;
esac
check "bench: runtime_simd and model_simd in the JSON; a mismatch warns" "$why"
case "$lib" in
    AVX2) same="-O1 -mavx2 -mfma" ;;
    AVX-512) same="-O1 -mavx512f -mavx2 -mfma" ;;
    NEON) same="-O1" ;;
    *) same="-O1 -DRT_NO_SIMD" ;;
esac
"$ONNXCC" bench $M --iterations 3 --cflags "$same" > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
grep -q "warning" "$T/err" && why="$why; a warning: $(head -c 300 "$T/err")"
grep -q -- "$same (target $lib), runtime .* ($lib)$" "$T/out" || why="$why; build line: $(grep '^build:' "$T/out")"
check "bench: no warning when the flags select the library's level ($same)" "$why"

# --layers: one entry per step with kernel calls, each with MACs and a
# positive median; the layers' MACs add up to the model's
"$ONNXCC" bench $M --iterations 3 --json --layers --peak 100 > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
if [ -z "$why" ]; then
    why=$(tail -n 1 "$T/out" | /usr/bin/python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
ls = o.get("layers") or []
bad = [l["name"] for l in ls if not (l["median_us"] > 0)]
if not (o["median_us"] > 0 and o["min_us"] <= o["median_us"]):
    print("bad model median/min")
elif not ls:
    print("no layers")
elif bad:
    print("non-positive median for " + ", ".join(bad))
elif sum(l["macs"] for l in ls) != o["macs"]:
    print("layer MACs add up to %d, not %d" % (sum(l["macs"] for l in ls), o["macs"]))
elif any(l["macs"] and l["pct_peak"] is None for l in ls):
    print("no pct_peak with --peak")
' 2>&1)
fi
check "bench --layers --json: per-layer medians and MACs adding up to the model's" "$why"
"$ONNXCC" bench $M --iterations 3 --layers > "$T/out" 2> "$T/err"
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc: $(head -c 300 "$T/err")"
[ -z "$why" ] && ! grep -q "^per layer" "$T/out" && why="no per-layer table in the report"
check "bench --layers: a per-layer table in the text report" "$why"

"$ONNXCC" bench --help > "$T/out" 2>&1
rc=$?
why=""
[ $rc -ne 0 ] && why="exit $rc"
grep -q "usage: onnxcc bench" "$T/out" || why="${why:-no usage line}"
check "bench --help: usage, exit 0" "$why"

# bad command lines and models: exit 2 and one line on stderr
for args in "" "$M --iterations 0" "$M --iterations x" "$M --cflags" "$M --bogus" \
            "$T/missing.onnx" "$M $M" "$M --peak 100" "$M --layers --peak -1" \
            "$M --layers --train"; do
    "$ONNXCC" bench $args > "$T/out" 2> "$T/err"
    rc=$?
    why=""
    [ $rc -ne 2 ] && why="exit $rc, expected 2"
    [ -s "$T/out" ] && why="${why:-something on stdout}"
    [ "$(wc -l < "$T/err")" -ne 1 ] && why="${why:-not one line on stderr: $(head -c 200 "$T/err")}"
    check "bench ${args:-(no arguments)}: refused with exit 2" "$why"
done

# flags the C compiler rejects: exit 3
"$ONNXCC" bench $M --iterations 3 --cflags "-fno-such-flag-at-all" > "$T/out" 2> "$T/err"
rc=$?
check "bench with failing C flags: exit 3" "$([ $rc -ne 3 ] && echo "exit $rc")"

left=$(ls -A "$T/tmp")
check "bench removes its build directories" "${left:+left in TMPDIR: $left}"

echo "bench: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
