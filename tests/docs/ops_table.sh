#!/usr/bin/env bash
# The README's op table must be exactly what the op table in the compiler
# says (`onnxcc ops --markdown`), and its table of ops left out on purpose
# what `onnxcc ops --refused --markdown` says (which also fails if an op is
# both supported and refused). With --update, rewrites them in place.
# usage: tests/docs/ops_table.sh [ONNXCC] [--update]
set -eu
ONNXCC=${1:-build/onnxcc}
README=$(dirname "$0")/../../README.md
status=0
passed=0
failed=0
for block in ops refused; do
    if [ $block = ops ]; then
        want=$("$ONNXCC" ops --markdown)
    else
        want=$("$ONNXCC" ops --refused --markdown)
    fi
    have=$(sed -n "/<!-- $block:begin -->/,/<!-- $block:end -->/p" "$README" | sed '1d;$d')
    if [ "${2:-}" = "--update" ]; then
        tmp=$(mktemp)
        awk -v table="$want" -v b="$block" '
            $0 == "<!-- " b ":begin -->" { print; print table; skip = 1; next }
            $0 == "<!-- " b ":end -->" { skip = 0 }
            !skip { print }' "$README" > "$tmp"
        cat "$tmp" > "$README"
        rm -f "$tmp"
        continue
    fi
    if [ "$want" = "$have" ]; then
        passed=$((passed + 1))
    else
        echo "README $block table differs from 'onnxcc ops' (run tests/docs/ops_table.sh build/onnxcc --update)"
        diff <(echo "$want") <(echo "$have") | head -20
        failed=$((failed + 1))
        status=1
    fi
done
[ "${2:-}" = "--update" ] && exit 0
echo "docs: $passed passed, $failed failed"
exit $status
