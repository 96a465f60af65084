#!/usr/bin/env bash
# The README's op table must be exactly what the op table in the compiler
# says (`onnxcc ops --markdown`). With --update, rewrites it in place.
# usage: tests/docs/ops_table.sh [ONNXCC] [--update]
set -eu
ONNXCC=${1:-build/onnxcc}
README=$(dirname "$0")/../../README.md
want=$("$ONNXCC" ops --markdown)
have=$(sed -n '/<!-- ops:begin -->/,/<!-- ops:end -->/p' "$README" | sed '1d;$d')
if [ "${2:-}" = "--update" ]; then
    tmp=$(mktemp)
    awk -v table="$want" '
        /<!-- ops:begin -->/ { print; print table; skip = 1; next }
        /<!-- ops:end -->/ { skip = 0 }
        !skip { print }' "$README" > "$tmp"
    mv "$tmp" "$README"
    exit 0
fi
if [ "$want" = "$have" ]; then
    echo "docs: 1 passed, 0 failed"
else
    echo "README op table differs from 'onnxcc ops --markdown' (run tests/docs/ops_table.sh build/onnxcc --update)"
    diff <(echo "$want") <(echo "$have") | head -20
    echo "docs: 0 passed, 1 failed"
    exit 1
fi
