#!/usr/bin/env bash
# Tests of the onnxcc command line, as a user meets it:
#   1. refusals: bad files, malformed models, unsupported ops/opsets, unbound
#      dimensions, bad command lines and unwritable outputs each give exactly
#      one line on stderr naming the file (and node or tensor), exit code 2,
#      nothing on stdout, no crash, and no output file created or touched;
#   2. hostile tensor/node names: the generated C compiles warning-free under
#      gcc and clang and computes what numpy computed (tests/data/hostile);
#      likewise small edge graphs (tests/data/edge: unused input, shape-only
#      input, pass-through and empty outputs);
#   3. generated code on every models/*/model.onnx: strict C99 under gcc and
#      clang, no malloc/free/printf/stdio, byte-identical when compiled again
#      from another working directory into another output directory;
#   4. --help / --version / unknown command;
#   5. verify's exit codes (0 match, 1 mismatch, 2 refused) and that it works
#      from any working directory and cleans up after itself;
#   6. summary's totals and the arena planner's distance to its lower bound.
#
# The fixtures under tests/data/ were made once by tests/data/make_fixtures.py
# and are committed; this script needs no Python.
#
# usage: tests/cli/run.sh [path/to/onnxcc]      (default build/onnxcc)
# Prints "ok - NAME" or "not ok - NAME: why" per check, then
# "cli: N passed, M failed"; exits 1 when M > 0.
set -u

ONNXCC=${1:-build/onnxcc}
if [ ! -x "$ONNXCC" ]; then
    echo "not ok - onnxcc executable: '$ONNXCC' not found (run make)"
    echo "cli: 0 passed, 1 failed"
    exit 1
fi
ONNXCC=$(cd "$(dirname "$ONNXCC")" && pwd)/$(basename "$ONNXCC")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
DATA=tests/data

# The runtime header the generated code includes: beside the executable in a
# build tree (build/include), or ../include when installed.
if [ -n "${ONNXCC_RUNTIME_DIR:-}" ]; then
    RTINC=$ONNXCC_RUNTIME_DIR/include
elif [ -f "$(dirname "$ONNXCC")/include/onnxcc_rt.h" ]; then
    RTINC=$(dirname "$ONNXCC")/include
else
    RTINC=$(dirname "$ONNXCC")/../include
fi
STRICT=(-std=c99 -Wall -Wextra -pedantic -Werror)

T=$(mktemp -d "${TMPDIR:-/tmp}/onnxcc-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
# verify builds in $TMPDIR: keep it inside $T, to find what it leaves behind
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
TO=""
command -v timeout >/dev/null && TO="timeout 300"

pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1: $2"; fail=$((fail + 1)); }
# check NAME WHY: ok when WHY is empty
check() { if [ -z "$2" ]; then ok "$1"; else not_ok "$1" "$2"; fi; }

# run CMD...: runs with stdout in $T/out, stderr in $T/err, status in $rc
run() {
    $TO "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# The names in a directory on one line ("" when it is empty).
listdir() { ls -A "$1" | tr '\n' ' '; }

# First line of a file, shortened and on one line, for messages.
firstline() { head -n 1 "$1" | cut -c 1-160; }

# Why the last run was not a clean crash-free run, or nothing.
crash_why() {
    if [ "$rc" -ge 128 ] || [ "$rc" -eq 124 ]; then
        echo "crashed or hung (exit $rc): $(firstline "$T/err")"
    elif grep -qE 'Sanitizer|runtime error:|core dumped|Assertion' "$T/err"; then
        echo "sanitizer/assert output: $(grep -m1 -E 'Sanitizer|runtime error:|core dumped|Assertion' "$T/err" | cut -c 1-160)"
    fi
}

# Why the last run was not a clean refusal (exit 2, one stderr line holding
# every PATTERN as a fixed string, empty stdout), or nothing.
refusal_why() {
    local why
    why=$(crash_why)
    if [ -n "$why" ]; then echo "$why"; return; fi
    if [ "$rc" -ne 2 ]; then echo "exit $rc, want 2 (stderr: $(firstline "$T/err"))"; return; fi
    if [ -s "$T/out" ]; then echo "stdout not empty: $(firstline "$T/out")"; return; fi
    local lines
    lines=$(wc -l <"$T/err")
    if [ ! -s "$T/err" ]; then echo "nothing on stderr"; return; fi
    if [ "$lines" -ne 1 ] || [ "$(tail -c 1 "$T/err" | od -An -c | tr -d ' ')" != '\n' ]; then
        echo "want exactly one line on stderr, got $lines newline(s): $(head -c 200 "$T/err" | tr '\n' '|')"
        return
    fi
    local p
    for p in "$@"; do
        if ! grep -qF -- "$p" "$T/err"; then
            echo "stderr does not mention '$p': $(firstline "$T/err")"
            return
        fi
    done
}

# bad_compile NAME MODEL [PATTERN...]: compile must refuse MODEL cleanly,
# once into an empty directory (which must stay empty) and once over an
# existing OUT.c/OUT.h (which must stay untouched).
bad_compile() {
    local name=$1 model=$2
    shift 2
    local d=$T/bad.$pass.$fail why
    mkdir -p "$d/empty" "$d/pre"
    run "$ONNXCC" compile "$model" -o "$d/empty/OUT.c"
    why=$(refusal_why "$@")
    if [ -z "$why" ] && [ -n "$(listdir "$d/empty")" ]; then
        why="left files behind: $(listdir "$d/empty")"
    fi
    if [ -z "$why" ]; then
        echo "keep me" >"$d/pre/OUT.c"
        echo "keep me too" >"$d/pre/OUT.h"
        run "$ONNXCC" compile "$model" -o "$d/pre/OUT.c"
        why=$(refusal_why "$@")
        if [ -z "$why" ] && { [ "$(cat "$d/pre/OUT.c")" != "keep me" ] ||
                              [ "$(cat "$d/pre/OUT.h")" != "keep me too" ]; }; then
            why="a pre-existing OUT.c or OUT.h was modified"
        fi
        if [ -z "$why" ] && [ "$(listdir "$d/pre")" != "OUT.c OUT.h " ]; then
            why="left files behind: $(listdir "$d/pre")"
        fi
    fi
    check "refuse $name" "$why"
}

# bad_usage NAME PATTERN ARG...: a bad command line; run in an empty working
# directory, which must stay empty.
bad_usage() {
    local name=$1 pat=$2
    shift 2
    local d=$T/usage.$pass.$fail why
    mkdir -p "$d"
    rc=0
    (cd "$d" && $TO "$ONNXCC" "$@" >"$T/out" 2>"$T/err") || rc=$?
    why=$(refusal_why "$pat")
    if [ -z "$why" ] && [ -n "$(listdir "$d")" ]; then
        why="left files behind: $(listdir "$d")"
    fi
    check "usage: $name" "$why"
}

MLP=models/mlp/model.onnx

# ------------------------------------------------------------------ 1. refusals
mkdir -p "$T/files"
size=$(wc -c <"$MLP")
head -c $((size / 2)) "$MLP" >"$T/files/truncated.onnx"
: >"$T/files/empty.onnx"
printf 'This is a text file, not an ONNX model.\nSecond line.\n' >"$T/files/text.onnx"

bad_compile "truncated file" "$T/files/truncated.onnx" "$T/files/truncated.onnx"
bad_compile "empty file" "$T/files/empty.onnx" "$T/files/empty.onnx"
bad_compile "text file" "$T/files/text.onnx" "$T/files/text.onnx"
bad_compile "random bytes" "$DATA/bad/random.bin" "$DATA/bad/random.bin"
bad_compile "missing file" "$T/files/missing.onnx" "$T/files/missing.onnx"
bad_compile "directory as model" models/mlp models/mlp
bad_compile "dangling node input" "$DATA/bad/dangling.onnx" \
    "$DATA/bad/dangling.onnx" consumer_node ghost_tensor
bad_compile "dangling input named with a newline" "$DATA/bad/dangling_newline.onnx" \
    "$DATA/bad/dangling_newline.onnx" nl_node ghost
bad_compile "cycle" "$DATA/bad/cycle.onnx" "$DATA/bad/cycle.onnx" "'cycle_"
# floating-only ops given integers: refused naming node and tensor
bad_compile "Erf of int32" "$DATA/bad/erf_int32.onnx" unsupported erf_node "'x'" int32
bad_compile "GridSample of int32" "$DATA/bad/gridsample_int32.onnx" unsupported gs_node \
    "'x'" int32
bad_compile "short raw_data" "$DATA/bad/short_raw.onnx" "$DATA/bad/short_raw.onnx" short_w
bad_compile "huge initializer dimension" "$DATA/bad/huge_init.onnx" \
    "$DATA/bad/huge_init.onnx" huge_w
bad_compile "huge dimension in an empty initializer" "$DATA/bad/huge_empty.onnx" \
    "$DATA/bad/huge_empty.onnx" empty_w
bad_compile "2^31 dimensions in an empty initializer" "$DATA/bad/huge_empty_2g.onnx" \
    "$DATA/bad/huge_empty_2g.onnx" empty_w
bad_compile "huge input dimension" "$DATA/bad/huge_input.onnx" \
    "$DATA/bad/huge_input.onnx" huge_x
bad_compile "negative initializer dimension" "$DATA/bad/neg_init.onnx" \
    "$DATA/bad/neg_init.onnx" neg_w
bad_compile "negative input dimension" "$DATA/bad/neg_input.onnx" \
    "$DATA/bad/neg_input.onnx" neg_x
bad_compile "opset 99" "$DATA/bad/opset99.onnx" "$DATA/bad/opset99.onnx" 99
bad_compile "unbound symbolic dimension" "$DATA/bad/symbolic.onnx" \
    "$DATA/bad/symbolic.onnx" sym_x batch_sz --dim
bad_compile "unbound batch N of mlp" "$MLP" "$MLP" "'N'" "--dim N="

# huge through --dim: [10^8, 64] floats is beyond the element limit
d=$T/hugedim
mkdir -p "$d"
run "$ONNXCC" compile "$MLP" -o "$d/OUT.c" --dim N=100000000
why=$(refusal_why "$MLP")
[ -z "$why" ] && [ -n "$(listdir "$d")" ] && why="left files behind: $(listdir "$d")"
check "refuse huge --dim N=100000000" "$why"

# --max-arena / --max-weights at their exact limits: the arena and weights
# summary prints pass, one byte less is refused (one line, nothing
# written); the training arena is the one of a build without Winograd
# (digits at batch 8: 149408 bytes, where an AVX-512 build takes 182176)
limits_why() {
    local d=$T/limits m=models/resnet8/model.onnx n w
    mkdir -p "$d"
    n=$("$ONNXCC" summary "$m" --dim N=1 | sed -n 's/^arena bytes: \([0-9]*\) .*/\1/p')
    w=$("$ONNXCC" summary "$m" --dim N=1 | sed -n 's/^weight bytes: \([0-9]*\).*/\1/p')
    [ -n "$n" ] && [ -n "$w" ] || { echo "no arena/weight figures in summary"; return; }
    run "$ONNXCC" compile "$m" --dim N=1 --max-arena "$n" --max-weights "$w" -o "$d/a.c"
    [ "$rc" -eq 0 ] || { echo "--max-arena $n --max-weights $w refused: $(firstline "$T/err")"; return; }
    rm -f "$d"/*
    run "$ONNXCC" compile "$m" --dim N=1 --max-arena $((n - 1)) -o "$d/a.c"
    why=$(refusal_why "$m" "$n" "--max-arena")
    [ -z "$why" ] && [ -n "$(listdir "$d")" ] && why="left files behind: $(listdir "$d")"
    [ -z "$why" ] || { echo "arena: $why"; return; }
    run "$ONNXCC" compile "$m" --dim N=1 --max-weights $((w - 1)) -o "$d/a.c"
    why=$(refusal_why "$m" "$w" "--max-weights")
    [ -z "$why" ] || { echo "weights: $why"; return; }
    m=models/digits/model.onnx
    n=$("$ONNXCC" summary "$m" --train --batch-size 8 |
        sed -n 's/^train arena bytes without Winograd: \([0-9]*\) .*/\1/p')
    [ -n "$n" ] || { echo "no training arena without Winograd in summary"; return; }
    run "$ONNXCC" compile "$m" --train --batch-size 8 --max-arena "$n" -o "$d/t.c"
    [ "$rc" -eq 0 ] || { echo "--train --max-arena $n refused: $(firstline "$T/err")"; return; }
    rm -f "$d"/*
    run "$ONNXCC" compile "$m" --train --batch-size 8 --max-arena $((n - 1)) -o "$d/t.c"
    why=$(refusal_why "$m" "training arena" "$n")
    [ -z "$why" ] || echo "training: $why"
}
check "--max-arena and --max-weights at their exact limits (training: without Winograd)" "$(limits_why)"

# unsupported ops: the message names the op, the node, the opset, and lists
# every op that `onnxcc ops` lists
ops=$("$ONNXCC" ops | awk '{print $1}')
unsupported_op() { # NAME MODEL OP NODE
    bad_compile "$1" "$2" "$2" "$3" "$4" "opset 13" "supported"
    run "$ONNXCC" compile "$2" -o "$T/files/unused.c"
    local missing="" op
    [ -n "$ops" ] || missing="(onnxcc ops listed nothing)"
    for op in $ops; do
        grep -qFw -- "$op" "$T/err" || missing="$missing $op"
    done
    check "$1: message lists the supported ops" "${missing:+not listed:$missing}"
}
# an op left out on purpose: its category and reason instead of the list
bad_compile "op left out on purpose (NonMaxSuppression)" "$DATA/bad/nms.onnx" "$DATA/bad/nms.onnx" \
    nms_node "op NonMaxSuppression is not supported (data-dependent shapes:"
unsupported_op "unknown op Foo" "$DATA/foo/model.onnx" Foo foo_node

# bad command lines
bad_usage "compile: unknown option" --bogus compile "$ROOT/$MLP" -o x.c --bogus
bad_usage "compile: missing -o" "-o" compile "$ROOT/$MLP" --dim N=1
bad_usage "compile: -o without a value" "-o" compile "$ROOT/$MLP" --dim N=1 -o
bad_usage "compile: missing model" "MODEL" compile -o x.c
bad_usage "compile: two models" "$MLP" compile "$ROOT/$MLP" "$ROOT/$MLP" -o x.c
bad_usage "compile: --dim without =" N1 compile "$ROOT/$MLP" -o x.c --dim N1
bad_usage "compile: --dim with a bad value" "N=abc" compile "$ROOT/$MLP" -o x.c --dim N=abc
bad_usage "compile: --dim with a negative value" "N=-1" compile "$ROOT/$MLP" -o x.c --dim N=-1
bad_usage "compile: --name not an identifier (9lives)" 9lives \
    compile "$ROOT/$MLP" -o x.c --dim N=1 --name 9lives
bad_usage "compile: --name not an identifier (a-b)" a-b \
    compile "$ROOT/$MLP" -o x.c --dim N=1 --name a-b
bad_usage "compile: --name empty" --name compile "$ROOT/$MLP" -o x.c --dim N=1 --name ''
bad_usage "verify: missing DATA_DIR" DATA_DIR verify "$ROOT/$MLP"
bad_usage "verify: unknown option" --bogus verify "$ROOT/$MLP" "$ROOT/models/mlp/test_data_set_0" --bogus
bad_usage "verify: bad --atol" --atol verify "$ROOT/$MLP" "$ROOT/models/mlp/test_data_set_0" --atol x
bad_usage "summary: unknown option" --bogus summary "$ROOT/$MLP" --bogus
bad_usage "summary: missing model" MODEL summary
bad_usage "summary: --dim without =" N1 summary "$ROOT/$MLP" --dim N1

# outputs that cannot be written: one line, exit 2, nothing left behind
run "$ONNXCC" compile "$MLP" --dim N=1 -o "$T/no/such/dir/OUT.c"
check "refuse -o into a missing directory" "$(refusal_why "$T/no/such/dir/OUT.c")"

d=$T/outdir
mkdir -p "$d/OUT.c"
run "$ONNXCC" compile "$MLP" --dim N=1 -o "$d/OUT.c"
why=$(refusal_why "$d/OUT.c")
[ -z "$why" ] && [ "$(listdir "$d")" != "OUT.c " ] &&
    why="left files behind: $(listdir "$d")"
if [ -z "$why" ]; then # again, over an existing OUT.h, which must survive
    echo "keep me" >"$d/OUT.h"
    run "$ONNXCC" compile "$MLP" --dim N=1 -o "$d/OUT.c"
    why=$(refusal_why "$d/OUT.c")
    [ -z "$why" ] && [ "$(cat "$d/OUT.h")" != "keep me" ] && why="the existing OUT.h was replaced"
    [ -z "$why" ] && [ "$(listdir "$d")" != "OUT.c OUT.h " ] &&
        why="left files behind: $(listdir "$d")"
fi
check "refuse -o naming a directory, leaving OUT.h as it was" "$why"

d=$T/outdirh
mkdir -p "$d/OUT.h"
run "$ONNXCC" compile "$MLP" --dim N=1 -o "$d/OUT.c"
why=$(refusal_why "$d/OUT.h")
[ -z "$why" ] && [ "$(listdir "$d")" != "OUT.h " ] &&
    why="left files behind: $(listdir "$d")"
check "refuse OUT.h being a directory, leaving no OUT.c" "$why"

# ------------------------------------------------------------------ 2. hostile names
H=$DATA/hostile/model.onnx
mkdir -p "$T/hostile"
run "$ONNXCC" compile "$H" -o "$T/hostile/model.c"
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
[ -z "$why" ] && [ -s "$T/err" ] && why="stderr not empty: $(firstline "$T/err")"
check "hostile names: compile" "$why"
for c in gcc clang; do
    if ! command -v $c >/dev/null; then
        not_ok "hostile names: $c -Werror" "$c not installed"
        continue
    fi
    if out=$($c "${STRICT[@]}" -I"$RTINC" -c "$T/hostile/model.c" -o "$T/hostile/model.$c.o" 2>&1) &&
        out2=$(printf '#include "model.h"\n' | $c "${STRICT[@]}" -I"$T/hostile" -x c -c - -o /dev/null 2>&1); then
        ok "hostile names: $c ${STRICT[*]}"
    else
        not_ok "hostile names: $c ${STRICT[*]}" "$(printf '%s\n%s' "$out" "${out2:-}" | grep -m1 -E 'error|warning' | cut -c 1-200)"
    fi
    out2=""
done
run "$ONNXCC" verify "$H" "$DATA/hostile/test_data_set_0"
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] &&
    why="exit $rc: $(grep -m1 -E 'MISMATCH|error' "$T/out" "$T/err" | cut -c 1-200)"
check "hostile names: verify against numpy's reference" "$why"
# a name holding a newline must not break a report line in two
n=$(grep -c '^output [0-9]' "$T/out")
lines=$(wc -l <"$T/out")
why=""
[ "$rc" -ne 0 ] && why="verify failed (exit $rc)"
[ "$rc" -eq 0 ] && [ "$lines" -ne 3 ] &&
    why="3 outputs but $lines lines on stdout (names are printed raw): $(head -c 300 "$T/out" | tr '\n' '|')"
[ "$rc" -eq 0 ] && [ "$n" -ne 3 ] && [ -z "$why" ] && why="want 3 'output K' lines, got $n"
check "hostile names: verify prints one line per output" "$why"
run "$ONNXCC" summary "$H"
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
if [ -z "$why" ]; then
    for f in 'inputs:' 'outputs:' 'nodes:' 'parameters:' 'arena bytes:'; do
        grep -q "^$f" "$T/out" || why="no line starting '$f'"
    done
    # every line is a table row, a totals line or blank: names never start a line
    bad=$(grep -vE '^(# +op |[0-9]+ +[A-Z]|inputs:|outputs:|nodes:|parameters:|weight bytes:|AVX-512 weight bytes:|arena bytes:|unfused bound:|MACs:|$)' "$T/out" | head -n 1)
    [ -n "$bad" ] && why="a name broke a line: '$(echo "$bad" | cut -c 1-100)'"
fi
check "hostile names: summary keeps one line per row" "$why"

# an output file name the #include line cannot hold must be refused or escaped
d=$T/quote
mkdir -p "$d"
run "$ONNXCC" compile "$MLP" --dim N=1 -o "$d/we\"ird\\name.c"
why=$(crash_why)
if [ -z "$why" ]; then
    if [ "$rc" -eq 0 ]; then
        out=$(gcc "${STRICT[@]}" -I"$RTINC" -c "$d/we\"ird\\name.c" -o "$d/x.o" 2>&1) ||
            why="compiled but the output does not build: $(echo "$out" | grep -m1 error | cut -c 1-160)"
    else
        why=$(refusal_why 'we"ird')
        [ -z "$why" ] && [ -n "$(listdir "$d")" ] && why="left files behind: $(listdir "$d")"
    fi
fi
check "hostile output file name (quote, backslash)" "$why"

# Edge graphs: parameters no kernel touches (an unused input, an input read
# only for its shape, an empty output), outputs that are an input or an
# initializer. The code must still build warning-free and compute the numpy
# reference.
for e in "$DATA"/edge/*/; do
    e=${e%/}
    name=$(basename "$e")
    mkdir -p "$T/edge/$name"
    run "$ONNXCC" compile "$e/model.onnx" -o "$T/edge/$name/model.c"
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    if [ -z "$why" ]; then
        for c in gcc clang; do
            command -v $c >/dev/null || continue
            out=$($c "${STRICT[@]}" -I"$RTINC" -c "$T/edge/$name/model.c" -o "$T/edge/$name/m.o" 2>&1) ||
                { why="$c: $(echo "$out" | grep -m1 -E 'error|warning' | cut -c 1-200)"; break; }
        done
    fi
    check "edge graph $name: builds warning-free under gcc and clang" "$why"
    run "$ONNXCC" verify "$e/model.onnx" "$e/test_data_set_0"
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] &&
        why="exit $rc: $(grep -h -m1 -E 'MISMATCH|error' "$T/out" "$T/err" | head -n 1 | cut -c 1-200)"
    check "edge graph $name: verify against numpy's reference" "$why"
done

# ------------------------------------------------------------------ 3. generated code
# Second compile: another working directory (where models/ is a link, so the
# model path given is the same), a relative output path, another environment.
mkdir -p "$T/wd" "$T/gen/a" "$T/gen/b"
ln -s "$ROOT/models" "$T/wd/models"
mkdir -p "$T/wd/tests"
ln -s "$ROOT/tests/data" "$T/wd/tests/data"
quality_models=$(ls models/*/model.onnx)
for m in $quality_models $H; do
    name=$(basename "$(dirname "$m")")
    run "$ONNXCC" compile "$m" --dim N=1 -o "$T/gen/a/$name.c"
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    check "codegen $name: compile --dim N=1" "$why"
    [ "$rc" -eq 0 ] || continue
    if [ "$m" != "$H" ]; then
        for c in gcc clang; do
            if ! command -v $c >/dev/null; then
                not_ok "codegen $name: $c -Werror" "$c not installed"
                continue
            fi
            if out=$($c "${STRICT[@]}" -I"$RTINC" -c "$T/gen/a/$name.c" -o "$T/gen/a/$name.$c.o" 2>&1); then
                ok "codegen $name: $c ${STRICT[*]} -c"
            else
                not_ok "codegen $name: $c ${STRICT[*]} -c" "$(echo "$out" | grep -m1 -E 'error|warning' | cut -c 1-200)"
            fi
        done
        hits=$(grep -nE 'malloc|free\(|printf|stdio' "$T/gen/a/$name.c" "$T/gen/a/$name.h" | head -n 3 | cut -c 1-120 | tr '\n' '|')
        check "codegen $name: no malloc, free(, printf, stdio" "${hits:+found: $hits}"
    fi
    (cd "$T/wd" && TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=1 \
        $TO "$ONNXCC" compile "$m" --dim N=1 -o "../gen/b/$name.c" >/dev/null 2>&1)
    why=""
    [ -f "$T/gen/b/$name.c" ] || why="second compile failed"
    [ -z "$why" ] && ! cmp -s "$T/gen/a/$name.c" "$T/gen/b/$name.c" &&
        why=".c differs: $(diff "$T/gen/a/$name.c" "$T/gen/b/$name.c" | grep -m1 '^[<>]' | cut -c 1-120)"
    [ -z "$why" ] && ! cmp -s "$T/gen/a/$name.h" "$T/gen/b/$name.h" &&
        why=".h differs: $(diff "$T/gen/a/$name.h" "$T/gen/b/$name.h" | grep -m1 '^[<>]' | cut -c 1-120)"
    [ -z "$why" ] && grep -qF -e "$T" -e "$ROOT" "$T/gen/a/$name.c" "$T/gen/a/$name.h" &&
        why="embeds the output or working directory"
    check "codegen $name: byte-identical from another directory" "$why"
done

# ------------------------------------------------------------------ 4. help, version
run "$ONNXCC" --help
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc"
[ -z "$why" ] && ! head -n 1 "$T/out" | grep -q '^usage: onnxcc' && why="no usage line on stdout"
[ -z "$why" ] && [ -s "$T/err" ] && why="stderr not empty"
check "onnxcc --help" "$why"
for cmd in compile verify summary ops; do
    for h in --help -h; do
        run "$ONNXCC" $cmd $h
        why=$(crash_why)
        [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
        [ -z "$why" ] && ! grep -q "^usage: onnxcc $cmd" "$T/out" && why="no 'usage: onnxcc $cmd' on stdout"
        [ -z "$why" ] && [ -s "$T/err" ] && why="stderr not empty"
        check "onnxcc $cmd $h" "$why"
    done
done
run "$ONNXCC" --version
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc"
[ -z "$why" ] && ! grep -qE '^onnxcc [0-9]+\.[0-9]+\.[0-9]+' "$T/out" && why="no version on stdout: $(firstline "$T/out")"
check "onnxcc --version" "$why"
run "$ONNXCC" frobnicate
check "unknown command" "$(refusal_why frobnicate)"
run "$ONNXCC"
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 2 ] && why="exit $rc, want 2"
[ -z "$why" ] && [ -s "$T/out" ] && why="stdout not empty"
[ -z "$why" ] && ! grep -q 'usage' "$T/err" && why="no usage on stderr"
check "no command: usage on stderr, exit 2" "$why"

# ------------------------------------------------------------------ 5. verify
run "$ONNXCC" verify "$MLP" models/mlp/test_data_set_0
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
[ -z "$why" ] && ! grep -q ': ok$' "$T/out" && why="no ': ok' line"
check "verify mlp test_data_set_0: exit 0" "$why"
run "$ONNXCC" verify "$MLP" "$DATA/mlp_mismatch"
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 1 ] && why="exit $rc, want 1: $(firstline "$T/err")"
[ -z "$why" ] && ! grep -q 'MISMATCH' "$T/out" && why="no MISMATCH on stdout"
check "verify altered output: exit 1" "$why"
run "$ONNXCC" verify "$DATA/foo/model.onnx" "$DATA/foo/test_data_set_0"
check "verify unsupported op: exit 2" "$(refusal_why "$DATA/foo/model.onnx" Foo foo_node)"
mkdir -p "$T/elsewhere" "$T/vtmp"
rc=0
(cd "$T/elsewhere" && TMPDIR=$T/vtmp $TO "$ONNXCC" verify "$ROOT/$MLP" "$ROOT/models/mlp/test_data_set_1" \
    >"$T/out" 2>"$T/err") || rc=$?
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
[ -z "$why" ] && [ -n "$(listdir "$T/elsewhere")" ] && why="left files in the working directory"
[ -z "$why" ] && [ -n "$(listdir "$T/vtmp")" ] && why="left its build directory in TMPDIR: $(listdir "$T/vtmp")"
check "verify from another directory, absolute paths, batch 4 bound from data" "$why"

# ------------------------------------------------------------------ 6. summary
# totals NAME: parses summary output into params/wbytes/arena/lower/macs
totals() {
    params=$(sed -n 's/^parameters: \([0-9][0-9]*\)$/\1/p' "$T/out")
    wbytes=$(sed -n 's/^weight bytes: \([0-9][0-9]*\)$/\1/p' "$T/out")
    arena=$(sed -n 's/^arena bytes: \([0-9][0-9]*\) (lower bound \([0-9][0-9]*\).*/\1/p' "$T/out")
    lower=$(sed -n 's/^arena bytes: \([0-9][0-9]*\) (lower bound \([0-9][0-9]*\).*/\2/p' "$T/out")
    macs=$(sed -n 's/^MACs: \([0-9][0-9]*\)$/\1/p' "$T/out")
    wino=$(sed -n 's/^AVX-512 weight bytes: \([0-9][0-9]*\) .*/\1/p' "$T/out")
}
run "$ONNXCC" summary models/resnet8/model.onnx --dim N=1
why=$(crash_why)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
if [ -z "$why" ]; then
    totals
    [ -z "$params" ] && why="no 'parameters: N' line"
    [ -z "$why" ] && [ -z "$wbytes" ] && why="no 'weight bytes: N' line"
    [ -z "$why" ] && [ -z "$arena" ] && why="no 'arena bytes: N (lower bound M...)' line"
    [ -z "$why" ] && [ -z "$macs" ] && why="no 'MACs: N' line"
    [ -z "$why" ] && [ -z "$wino" ] && why="no 'AVX-512 weight bytes: N' line"
    # the weights once; built for AVX-512 its four stride-1 3x3 layers after
    # the first hold the Winograd U (16 x m x c floats: 16x16, 16x16, 32x32,
    # 64x64) in place of their 9 x m x c ONNX weights
    [ -z "$why" ] && { [ "$params" -eq 0 ] || [ "$macs" -eq 0 ] ||
        [ "$wbytes" -ne $((params * 4)) ] ||
        [ "$wino" -ne $(( params * 4 + (16 - 9) * (16*16 + 16*16 + 32*32 + 64*64) * 4 )) ]; } &&
        why="implausible totals: parameters $params, weight bytes $wbytes, Winograd $wino, MACs $macs"
fi
check "summary resnet8: totals lines" "$why"
# each build of the generated code holds the weights once, as summary says:
# the sizes of its constant arrays (nm -S of the object). Which form is
# decided by RT_CONV_WINOGRAD, which the header installed beside the library
# sets as that library was built (whatever the code's own flags), or the
# command line (Winograd U when 1)
wsum() {
    local s=0 sz n
    while read -r _ sz _ n; do
        case $n in w_*) s=$((s + 16#$sz)) ;; esac
    done < <(nm -S "$1")
    echo "$s"
}
libwino=$(sed -n 's/^#define RT_CONV_WINOGRAD \([01]\)$/\1/p' "$RTINC/onnxcc_rt.h" | head -n 1)
for fl in "-O2 -DRT_NO_SIMD" "-O2 -mavx2 -mfma" "-O2 -march=native" "-O2 -DRT_CONV_WINOGRAD=1" \
          "-O2 -DRT_CONV_WINOGRAD=0"; do
    why=""
    want=$wbytes
    case "$fl" in
        *RT_CONV_WINOGRAD=1) want=$wino ;;
        *RT_CONV_WINOGRAD=0) ;;
        *) [ "$libwino" = 1 ] && want=$wino ;;
    esac
    [ -n "$libwino" ] || why="$RTINC/onnxcc_rt.h does not set RT_CONV_WINOGRAD"
    if [ ! -f "$T/gen/a/resnet8.c" ]; then
        why="no generated resnet8.c"
    elif ! out=$(cc "${STRICT[@]}" $fl -I"$RTINC" -c "$T/gen/a/resnet8.c" -o "$T/wsum.o" 2>&1); then
        why="cc $fl: $(printf '%s' "$out" | head -n 1)"
    else
        got=$(wsum "$T/wsum.o")
        [ "${got:-0}" != "${want:-?}" ] && why="constants of $got bytes, summary says ${want:-?}"
    fi
    check "resnet8 built with $fl: weights stored once" "$why"
done
# generated code that stores Winograd U (wt = 2) against the library this
# test runs with, whatever that library was built for (without AVX-512: its
# plain-C Winograd path), and the ONNX weights (wt = 0), both still match
# the reference outputs (the flags added to the caller's: the sanitizer pass
# gives its own)
for w in 1 0; do
    ONNXCC_CFLAGS="${ONNXCC_CFLAGS:--O2} -DRT_CONV_WINOGRAD=$w" run "$ONNXCC" verify \
        models/resnet8/model.onnx models/resnet8/test_data_set_1
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    check "resnet8 built with RT_CONV_WINOGRAD=$w verifies against this library" "$why"
done
# mlp is 64-128-64-10 fully connected: the totals are known exactly
run "$ONNXCC" summary "$MLP" --dim N=1
totals
why=""
[ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
[ -z "$why" ] && [ "${params:-}/${wbytes:-}/${macs:-}" != "17226/68904/17024" ] &&
    why="parameters/weight bytes/MACs are ${params:-?}/${wbytes:-?}/${macs:-?}, want 17226/68904/17024"
check "summary mlp: exact totals" "$why"
for m in $quality_models; do
    name=$(basename "$(dirname "$m")")
    run "$ONNXCC" summary "$m" --dim N=1
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    if [ -z "$why" ]; then
        totals
        if [ -z "$arena" ] || [ -z "$lower" ]; then
            why="no arena bytes line"
        elif [ "$arena" -lt "$lower" ]; then
            why="arena $arena is below its own lower bound $lower"
        elif [ $((arena * 10)) -gt $((lower * 11)) ]; then
            why="arena $arena is more than 10% above the lower bound $lower"
        fi
    fi
    check "summary $name: arena within 10% of the lower bound" "$why"
    # the header the compiler wrote says the same
    hdr=$T/gen/a/$name.h
    why=""
    if [ ! -f "$hdr" ]; then
        why="no generated header"
    else
        ha=$(sed -n 's/^#define MODEL_ARENA_BYTES \([0-9]*\)$/\1/p' "$hdr")
        hw=$(sed -n 's/^#define MODEL_WEIGHT_BYTES \([0-9]*\)$/\1/p' "$hdr")
        [ "${ha:-x}/${hw:-x}" != "${arena:-?}/${wbytes:-?}" ] &&
            why="header says arena/weights ${ha:-?}/${hw:-?}, summary ${arena:-?}/${wbytes:-?}"
    fi
    check "summary $name: agrees with the generated header" "$why"
done

# ------------------------------------------------------------------ 7. --const
# A shape-deciding graph input (Reshape's shape) is refused with the way out,
# and --const binds it (compile, verify) or --const-inputs does (verify).
ND=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}/node
RS=$ND/test_reshape_reordered_all_dims
if [ -f "$RS/model.onnx" ]; then
    bad_compile "shape input without --const" "$RS/model.onnx" "'shape'" "--const shape=FILE.pb"
    d=$T/const
    mkdir -p "$d"
    run "$ONNXCC" compile "$RS/model.onnx" -o "$d/m.c" --const "shape=$RS/test_data_set_0/input_1.pb"
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    [ -z "$why" ] && ! grep -q '^void model_run(const float \*in_data, float \*out_reshaped);' "$d/m.h" &&
        why="model_run should take only the data input: $(grep 'model_run(' "$d/m.h" | head -1)"
    check "compile --const binds a graph input" "$why"
    run "$ONNXCC" verify "$RS/model.onnx" "$RS/test_data_set_0" --const shape
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    check "verify --const NAME takes the data set's value" "$why"
    run "$ONNXCC" verify "$RS/model.onnx" "$RS/test_data_set_0" --const-inputs
    why=$(crash_why)
    [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit $rc: $(firstline "$T/err")"
    [ -z "$why" ] && ! grep -q "input 'shape' bound as a compile-time constant to input_1.pb" "$T/out" &&
        why="verify did not say what it bound: $(firstline "$T/out")"
    check "verify --const-inputs binds and says so" "$why"
    run "$ONNXCC" compile "$RS/model.onnx" -o "$d/x.c" --const "nope=$RS/test_data_set_0/input_1.pb"
    check "refuse --const naming no input" "$(refusal_why "--const nope" "no graph input")"
    run "$ONNXCC" compile "$RS/model.onnx" -o "$d/x.c" --const "shape=$RS/test_data_set_0/input_0.pb"
    check "refuse --const of the wrong element type" "$(refusal_why "--const shape" "int64" "float32")"
    run "$ONNXCC" compile "$RS/model.onnx" -o "$d/x.c" --const shape
    check "refuse --const without =FILE" "$(refusal_why "NAME=FILE.pb")"
    run "$ONNXCC" compile "$RS/model.onnx" -o "$d/x.c" --const "shape=$T/none.pb"
    check "refuse --const of a missing file" "$(refusal_why "$T/none.pb")"
    [ -e "$d/x.c" ] || [ -e "$d/x.h" ] && not_ok "--const refusals leave no output" "x.c/x.h written"
    # an op left out on purpose is refused with its category
    run "$ONNXCC" compile "$ND/test_scan9_sum/model.onnx" -o "$d/y.c"
    check "refuse Scan as control flow" "$(refusal_why "op Scan is not supported (control flow:")"
else
    not_ok "--const checks" "libonnx-testdata not installed ($RS)"
fi

left=$(listdir "$T/tmp" | cut -c 1-200)
check "verify removes its build directories, also after failures" "${left:+left in TMPDIR: $left}"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
