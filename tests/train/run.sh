#!/usr/bin/env bash
# Fine-tuning parity with PyTorch: every case in models/train/ (made by
# models/train/make_refs.py with python3-torch) is trained by `onnxcc
# finetune` with the recorded configuration; the tuned parameters must land
# within 1e-4 (relative to the largest value of each tensor) of PyTorch's, the
# per-epoch losses within 1e-4 relative of PyTorch's, and every parameter
# PyTorch left unchanged (frozen) must be bit-identical.
#
# usage: tests/train/run.sh [ONNXCC]
set -u
ONNXCC=$(readlink -f "${1:-build/onnxcc}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "$2" | tail -8 | sed 's/^/    /'; fail=$((fail + 1)); }

# flags for `onnxcc finetune` from a train.txt
flags() {
    awk '
        $1 == "loss" { printf " --loss %s", $2 }
        $1 == "optimizer" { printf " --optimizer %s", $2 }
        $1 == "lr" { printf " --lr %s", $2 }
        $1 == "momentum" { printf " --momentum %s", $2 }
        $1 == "nesterov" && $2 == 1 { printf " --nesterov" }
        $1 == "weight_decay" { printf " --weight-decay %s", $2 }
        $1 == "beta1" { printf " --beta1 %s", $2 }
        $1 == "beta2" { printf " --beta2 %s", $2 }
        $1 == "eps" { printf " --eps %s", $2 }
        $1 == "epochs" { printf " --epochs %s", $2 }
        $1 == "batch_size" { printf " --batch-size %s", $2 }
        $1 == "trainable" { printf " --trainable %s", $2 }' "$1"
}

for dir in "$ROOT"/models/train/*/; do
    name=$(basename "$dir")
    [ -f "$dir/train.txt" ] && [ -f "$dir/model.onnx" ] || continue
    out="$TMP/$name.onnx"
    set -f # the trainable patterns hold wildcards
    # shellcheck disable=SC2046
    log=$("$ONNXCC" finetune "$dir/model.onnx" --inputs "$dir/x.pb" --targets "$dir/y.pb" \
        $(flags "$dir/train.txt") -o "$out" 2>&1)
    rc=$?
    set +f
    if [ $rc -ne 0 ]; then
        bad "$name: finetune" "$log"
        continue
    fi
    if cmp=$("$ONNXCC" compare "$out" "$dir/expected.onnx" --rtol 1e-4 \
            --unchanged "$dir/model.onnx" 2>&1); then
        ok "$name: parameters match PyTorch (rtol 1e-4), frozen ones bit-identical"
    else
        bad "$name: parameters" "$cmp"
    fi
    # per-epoch losses against PyTorch's
    if echo "$log" | awk -v ref="$dir/losses.txt" '
            /^epoch [0-9]+\/[0-9]+: loss/ { got[++n] = $4 + 0 }
            END {
                while ((getline line < ref) > 0) want[++m] = line + 0
                if (n != m) { print "epochs: " n " vs " m; exit 1 }
                for (i = 1; i <= n; i++) {
                    d = got[i] - want[i]; if (d < 0) d = -d
                    s = want[i] < 0 ? -want[i] : want[i]
                    if (d > 1e-4 * s + 1e-7) { print "epoch " i ": " got[i] " vs " want[i]; exit 1 }
                }
            }'; then
        ok "$name: epoch losses match PyTorch"
    else
        bad "$name: epoch losses" "$log"
    fi
done

# the on-device demo: fine-tuning the digits CNN through the generated C on a
# drawing style it was not trained on must improve accuracy by a clear margin
# (10 points) and land where PyTorch's identical recipe lands (within 2 samples)
style="$ROOT/models/train/digits_style"
demo() {
    "$ONNXCC" compile "$ROOT/models/digits/model.onnx" -o "$TMP/digits.c" --name digits --train \
        --loss cross-entropy --optimizer sgd --lr 0.01 --momentum 0.9 --batch-size 32 &&
    cc -std=c99 -O2 -I"$TMP" -I"$(dirname "$ONNXCC")/include" "$ROOT/models/demo/digits_tune.c" \
        "$TMP/digits.c" "$(dirname "$ONNXCC")/libonnxcc_rt.a" -lm -o "$TMP/tune" &&
    "$TMP/tune" "$style" 3 > "$TMP/tune.out" || return 1
    awk -v ref="$style/reference.txt" '
        /^before / { b = $2 } /^after / { a = $2 }
        END {
            while ((getline l < ref) > 0) { split(l, f, " "); r[f[1]] = f[2] }
            n = r["eval_samples"]
            printf "before %.4f after %.4f (PyTorch: %.4f -> %.4f)\n", b, a, r["before"], r["after"]
            d = (a - r["after"]) * n; if (d < 0) d = -d
            exit !(a - b >= 0.10 && d <= 2)
        }' "$TMP/tune.out"
}
if out=$(demo 2>&1); then
    ok "digits fine-tuned on device improves like PyTorch: $out"
else
    bad "digits on-device fine-tuning" "$out"
fi

echo "train: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
