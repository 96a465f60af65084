#!/usr/bin/env bash
# `make lint`: static analysis of compiler/*.c and runtime/*.c, clean or it
# fails. Two tools, each with a small, stated set of checks:
#   cppcheck 2.x  --enable=warning,portability (errors are always on):
#                 undefined behaviour, bad printf formats, leaks, null and
#                 out-of-bounds use, non-portable constructs; false positives
#                 suppressed with reasons in tests/lint/cppcheck.supp
#   clang-tidy    the analyzer and bug-finding checks of
#                 tests/lint/clang-tidy.yaml (reasons for what is left out
#                 there); a line-level NOLINT(check) always says why
# Both see the build's defines and include paths (PROTO_DIR: the generated
# protobuf-c header, so import.c is analyzed against its real types).
#
# usage: tests/lint/run.sh PROTO_DIR [JOBS]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROTO=$(readlink -f "$1")
JOBS=${2:-2}
cd "$ROOT"
SRC=$(ls compiler/*.c runtime/*.c)
DEFS=(-D_POSIX_C_SOURCE=200809L -DONNXCC_VERSION=\"lint\")
fail=0

# cppcheck: protobuf-c.h is a system header it does not read, so the
# generated header's version check is given the installed version
pcv=$(awk '/define PROTOBUF_C_VERSION_NUMBER/ {print $3}' /usr/include/protobuf-c/protobuf-c.h)
if ! cppcheck --std=c99 --enable=warning,portability --inline-suppr --quiet --error-exitcode=1 \
    -j "$JOBS" --suppressions-list=tests/lint/cppcheck.supp \
    -Icompiler -Iruntime -I"$PROTO" "${DEFS[@]}" -DPROTOBUF_C_VERSION_NUMBER="$pcv" $SRC; then
    echo "not ok - cppcheck"
    fail=$((fail + 1))
else
    echo "ok - cppcheck ($(echo $SRC | wc -w) files)"
fi

# clang-tidy: one process per file, JOBS at a time
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! printf '%s\n' $SRC | xargs -P "$JOBS" -I{} clang-tidy --quiet \
        --config-file=tests/lint/clang-tidy.yaml {} -- -std=c99 "${DEFS[@]}" \
        -Icompiler -Iruntime -I"$PROTO" >"$out" 2>/dev/null; then
    grep -E 'error:|warning:' "$out" | sed 's/^/    /'
    echo "not ok - clang-tidy ($(grep -c 'error:' "$out") findings)"
    fail=$((fail + 1))
else
    echo "ok - clang-tidy ($(echo $SRC | wc -w) files)"
fi
echo "lint: $((2 - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
