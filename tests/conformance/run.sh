#!/usr/bin/env bash
# Runs every case of the ONNX backend test suite (libonnx-testdata) through
# `onnxcc verify --const-inputs` and prints, per folder:
#   conformance FOLDER: N passed (K with --const-inputs), M failed, U unsupported
# followed by the unsupported cases counted by category. A case passes when
# every test_data_set_* of it verifies (exit 0); "with --const-inputs" counts
# the passing cases that feed a shape-deciding value (a Reshape shape, Slice
# starts, axes...) as a graph input, which verify bound as a compile-time
# constant from the data set (onnxcc compiles static shapes only). A case is
# unsupported when onnxcc refuses it cleanly as outside the supported set
# (exit 2 with "onnxcc: unsupported: ..."). A case listed in known_bad.txt,
# whose reference data contradicts the spec, that mismatches only within the
# tolerance given there counts as "reference disagrees". Anything else is a
# failure: a mismatch, a crash, a build failure, or a valid model refused as
# malformed.
#
# The categories come from the refusal messages: ops left out on purpose carry
# their category from the compiler's own list (compiler/refused.c, `onnxcc ops
# --refused`); an op in neither list is "not implemented yet". The summary is
# written to $OUT/summary.md; the README holds a copy between
# <!-- conformance:begin --> and <!-- conformance:end -->, compared when all
# three folders run (the run fails if it differs; --update-readme rewrites it).
#
# Exits non-zero when any case failed.
#
# usage: tests/conformance/run.sh [ONNXCC] [--update-readme] [FOLDER...]
set -u
ONNXCC=${1:-build/onnxcc}
shift || true
UPDATE=0
if [ "${1:-}" = "--update-readme" ]; then
    UPDATE=1
    shift
fi
DATA=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
DEFAULT_FOLDERS="node pytorch-converted pytorch-operator"
FOLDERS=${*:-$DEFAULT_FOLDERS}
OUT=${CONFORMANCE_OUT:-build/conformance}
JOBS=${JOBS:-$(nproc)}
README=$(dirname "$0")/../../README.md
KNOWN_BAD=$(readlink -f "$(dirname "$0")/known_bad.txt")
mkdir -p "$OUT"
ONNXCC=$(readlink -f "$ONNXCC")
BAD_DATA=$(readlink -f "$(dirname "$0")/bad_data.txt")
export ONNXCC OUT KNOWN_BAD BAD_DATA

# one case: prints "RESULT name reason"
run_case() {
    dir=$1
    name=$(basename "$dir")
    log="$OUT/logs/$name.log"
    : > "$log"
    for set in "$dir"/test_data_set_*; do
        [ -d "$set" ] || continue
        timeout 120 "$ONNXCC" verify --const-inputs "$dir/model.onnx" "$set" >> "$log" 2>&1
        rc=$?
        if [ $rc -eq 2 ] && grep -q '^onnxcc: unsupported:' "$log"; then
            echo "UNSUPPORTED $name $(grep -m1 '^onnxcc: unsupported:' "$log" | cut -c1-400)"
            return
        elif [ $rc -eq 1 ] && bad=$(awk -F'\t' -v n="$name" '$1 == n {print $2 "\t" $3}' "$KNOWN_BAD") &&
             [ -n "$bad" ]; then
            atol=${bad%%$'\t'*}
            if timeout 120 "$ONNXCC" verify --const-inputs --atol "$atol" --rtol 0 \
                "$dir/model.onnx" "$set" >> "$log" 2>&1; then
                echo "DISAGREES $name ${bad#*$'\t'}"
            else
                echo "FAILED $name rc=1, beyond the known disagreement (atol $atol)"
            fi
            return
        elif [ $rc -ne 0 ] && grep -q 'of the model is .* but the data file holds' "$log" &&
             bad=$(grep -m1 "^$name " "$BAD_DATA" 2>/dev/null); then
            echo "DISAGREES $name the data set contradicts the model: ${bad#"$name "}"
            return
        elif [ $rc -ne 0 ]; then
            echo "FAILED $name rc=$rc $(grep -m1 -E 'MISMATCH|error' "$log" | cut -c1-300)"
            return
        fi
    done
    if grep -q 'bound as a compile-time constant' "$log"; then
        echo "PASSED $name (--const-inputs: $(grep -o "input '[^']*' bound" "$log" | sort -u |
                                              sed "s/^input '//; s/' bound//" | paste -sd, -))"
    else
        echo "PASSED $name"
    fi
}
export -f run_case

# Reads UNSUPPORTED lines, prints "category<TAB>detail" for each.
categorize() {
    sed -E 's/^UNSUPPORTED [^ ]+ onnxcc: unsupported: //' | awk '
    {
        msg = $0
        if (match(msg, /op [A-Za-z0-9_]+ is not supported \([^:]+:/)) {
            s = substr(msg, RSTART, RLENGTH); sub(/^op /, "", s)
            op = s; sub(/ .*/, "", op)
            cat = s; sub(/^[^(]*\(/, "", cat); sub(/:$/, "", cat)
            print cat "\t" op
        } else if (match(msg, /op [A-Za-z0-9_]+ of domain '\''[^'\'']*'\''/)) {
            s = substr(msg, RSTART, RLENGTH); dom = s
            sub(/^[^'\'']*'\''/, "", dom); sub(/'\''$/, "", dom)
            print "other domains\t" dom
        } else if (match(msg, /imports no opset of the default ONNX domain, only of domain '\''[^'\'']*'\''/)) {
            s = substr(msg, RSTART, RLENGTH); dom = s
            sub(/^[^'\'']*'\''/, "", dom); sub(/'\''$/, "", dom)
            print "other domains\t" dom
        } else if (match(msg, /op [A-Za-z0-9_]+ is not supported at opset/)) {
            s = substr(msg, RSTART, RLENGTH); sub(/^op /, "", s); sub(/ .*/, "", s)
            print "not implemented yet\t" s
        } else if (msg ~ /is not a tensor \(sequences/) {
            print "sequences and optionals\tgraph input"
        } else if (match(msg, /element type [a-z0-9]+/)) {
            s = substr(msg, RSTART, RLENGTH); sub(/^element type /, "", s)
            if (s == "string") print "strings\telement type"
            else print "element types\t" s
        } else if (msg ~ /Cast from [a-z0-9]+ to string/) {
            print "strings\tCast"
        } else if (match(msg, /Cast from [a-z0-9]+ to [a-z0-9]+/)) {
            s = substr(msg, RSTART, RLENGTH); sub(/^Cast from /, "", s)
            print "element types\tCast " s
        } else if (msg ~ /must be a compile-time constant/) {
            print "data-dependent shapes\tnon-constant input"
        } else {
            op = "?"
            if (match(msg, /\([A-Za-z0-9_]+\): /)) { op = substr(msg, RSTART + 1, RLENGTH - 4) }
            print "other limits\t" op
        }
    }'
}

# category table (Markdown) from a file of category<TAB>detail lines
cat_table() {
    sort "$1" | awk -F'\t' '
    { n[$1]++; d[$1 SUBSEP $2]++; if (!(($1 SUBSEP $2) in seen)) { seen[$1 SUBSEP $2] = 1; order[$1] = order[$1] "\t" $2 } }
    END {
        for (c in n) {
            split(substr(order[c], 2), ds, "\t")
            line = ""
            for (i = 1; i in ds; i++) line = line (i > 1 ? ", " : "") ds[i] " (" d[c SUBSEP ds[i]] ")"
            printf "%d\t| %s | %d | %s |\n", n[c], c, n[c], line
        }
    }' | sort -t"$(printf '\t')" -k1,1nr -k2 | cut -f2-
}

status=0
summary="$OUT/summary.md"
{
    echo "| folder | passed | of which with --const-inputs | failed | unsupported | reference disagrees |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
} > "$summary.folders"
: > "$OUT/categories.tsv"
for folder in $FOLDERS; do
    mkdir -p "$OUT/logs"
    res="$OUT/$folder.txt"
    find "$DATA/$folder" -mindepth 1 -maxdepth 1 -type d | sort |
        xargs -P "$JOBS" -I{} bash -c 'run_case "$@"' _ {} | sort -k2 > "$res"
    p=$(grep -c '^PASSED' "$res"); f=$(grep -c '^FAILED' "$res"); u=$(grep -c '^UNSUPPORTED' "$res")
    k=$(grep -c '^PASSED .*--const-inputs' "$res"); r=$(grep -c '^DISAGREES' "$res")
    grep '^FAILED' "$res" | sed "s|^|  $folder: |"
    [ "$r" -eq 0 ] || grep '^DISAGREES' "$res" | cut -d' ' -f2 | paste -sd' ' - |
        sed "s|^|  $folder: reference data known to disagree (tests/conformance/known_bad.txt): |"
    echo "conformance $folder: $p passed ($k with --const-inputs), $f failed, $u unsupported, $r reference disagrees"
    grep '^UNSUPPORTED' "$res" | categorize > "$OUT/$folder.categories.tsv"
    if [ "$u" -gt 0 ]; then
        echo "  unsupported in $folder by category:"
        cut -f1 "$OUT/$folder.categories.tsv" | sort | uniq -c | sort -rn |
            sed -E 's/^ *([0-9]+) (.*)$/    \2: \1/'
    fi
    cat "$OUT/$folder.categories.tsv" >> "$OUT/categories.tsv"
    echo "| $folder | $p | $k | $f | $u | $r |" >> "$summary.folders"
    [ "$f" -eq 0 ] || status=1
done
{
    cat "$summary.folders"
    echo
    echo "| refused, by category | cases | details (cases) |"
    echo "| --- | ---: | --- |"
    cat_table "$OUT/categories.tsv"
} > "$summary"
rm -f "$summary.folders"

if [ "$FOLDERS" = "$DEFAULT_FOLDERS" ]; then
    have=$(sed -n '/<!-- conformance:begin -->/,/<!-- conformance:end -->/p' "$README" | sed '1d;$d')
    if [ "$UPDATE" = 1 ]; then
        tmp=$(mktemp)
        awk -v f="$summary" '
            /<!-- conformance:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
            /<!-- conformance:end -->/ { skip = 0 }
            !skip { print }' "$README" > "$tmp"
        cat "$tmp" > "$README"
        rm -f "$tmp"
        echo "conformance: README summary updated"
    elif [ "$have" != "$(cat "$summary")" ]; then
        echo "conformance: the README's conformance summary differs from this run's"
        echo "  ($summary; tests/conformance/run.sh build/onnxcc --update-readme rewrites it):"
        diff <(echo "$have") "$summary" | head -20
        status=1
    fi
fi
exit $status
