#!/usr/bin/env bash
# The sanitizer pass of `make test` (make test-sanitize builds ASAN_DIR
# first): every suite that runs compiled code, run again with the compiler,
# the runtime, the runtime unit tests and the generated code all built with
# ASan and UBSan (-fno-sanitize-recover=all: any report is a failure):
#   1. the runtime unit tests (Criterion);
#   2. the CLI tests, the model tests and the training tests with the
#      sanitized onnxcc; verify and finetune build the generated code with
#      $ONNXCC_CFLAGS, set here to the same sanitizer flags;
#   3. the fuzz regression corpus (tests/fuzz/regress/) through the fuzz
#      target linked with a plain main;
#   4. valgrind on the optimized onnxcc (valgrind and ASan do not mix):
#      `onnxcc compile` on every model in models/ must leak nothing.
#
# usage: tests/sanitize/run.sh ASAN_DIR ONNXCC
#   ASAN_DIR  the sanitized build (onnxcc, tests/test_runtime, tests/fuzz_replay)
#   ONNXCC    the optimized onnxcc, for valgrind
# $SAN_FLAGS: the compiler flags of the sanitized build (for ONNXCC_CFLAGS).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ASAN=$(readlink -f "$1")
PLAIN=$(readlink -f "$2")
cd "$ROOT"
export ONNXCC_CFLAGS=${SAN_FLAGS:--O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer}
# leaks are errors (the default on Linux, stated); abort on the first report
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
pass=0
fail=0
suite() { # NAME COMMAND...
    local name=$1 t0=$SECONDS
    shift
    if "$@" >"$LOG/$name" 2>&1; then
        echo "ok - $name ($((SECONDS - t0)) s): $(tail -n 1 "$LOG/$name")"
        pass=$((pass + 1))
    else
        echo "not ok - $name ($((SECONDS - t0)) s)"
        grep -E -m 20 'not ok|ERROR|runtime error|SUMMARY|FAIL|leak|definitely|indirectly|possibly' \
            "$LOG/$name" | sed 's/^/    /'
        tail -n 5 "$LOG/$name" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}

suite runtime "$ASAN/tests/test_runtime" -j2
suite cli tests/cli/run.sh "$ASAN/onnxcc"
suite models tests/models/run.sh "$ASAN/onnxcc"
suite train tests/train/run.sh "$ASAN/onnxcc"
# a regressed size check must fail here, not swap: no single allocation
# over 2 GiB (the fuzzer's own limit)
suite fuzz-regress env ASAN_OPTIONS="$ASAN_OPTIONS:max_allocation_size_mb=2048" \
    "$ASAN/tests/fuzz_replay" tests/fuzz/regress

# valgrind: definite, indirect and possible leaks are errors; memory still
# reachable at exit is not a leak (libc's own buffers)
valgrind_models() {
    local tmp m n=0
    tmp=$(mktemp -d)
    for m in models/*/model.onnx; do
        if ! valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
            --error-exitcode=1 "$PLAIN" compile "$m" --dim N=1 -o "$tmp/m.c"; then
            echo "valgrind: $m: errors or leaks"
            rm -rf "$tmp"
            return 1
        fi
        n=$((n + 1))
    done
    rm -rf "$tmp"
    echo "valgrind: onnxcc compile on $n models: no leak, no error"
}
if command -v valgrind >/dev/null; then
    suite valgrind valgrind_models
else
    echo "not ok - valgrind: not installed (make deps)"
    fail=$((fail + 1))
fi

echo "sanitize: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
