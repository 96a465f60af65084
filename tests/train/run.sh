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
        $1 == "trainable" { printf " --trainable %s", $2 }
        $1 == "clip_norm" { printf " --clip-norm %s", $2 }
        $1 == "l1" { printf " --l1 %s", $2 }' "$1"
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

# a parameter blob saved on the "device" turns back into the same ONNX model;
# a corrupt one or one of another configuration is refused, writing nothing
T="$ROOT/models/train"
blob_checks() {
    local m="$T/mlp_adam"
    "$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --loss cross-entropy \
        --optimizer adam --lr 0.01 --epochs 3 --batch-size 16 --params-out "$TMP/p.bin" \
        -o "$TMP/a.onnx" > /dev/null || return 1
    "$ONNXCC" export "$m/model.onnx" "$TMP/p.bin" -o "$TMP/b.onnx" --optimizer adam || return 1
    "$ONNXCC" compare "$TMP/b.onnx" "$TMP/a.onnx" --rtol 0 > /dev/null || { echo "export differs"; return 1; }
    cp "$TMP/p.bin" "$TMP/bad.bin"
    printf '\x55' | dd of="$TMP/bad.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
    err=$("$ONNXCC" export "$m/model.onnx" "$TMP/bad.bin" -o "$TMP/c.onnx" --optimizer adam 2>&1)
    [ $? -eq 2 ] && echo "$err" | grep -q corrupt && [ ! -e "$TMP/c.onnx" ] || { echo "corrupt: $err"; return 1; }
    err=$("$ONNXCC" export "$m/model.onnx" "$TMP/p.bin" -o "$TMP/c.onnx" --optimizer sgd 2>&1)
    [ $? -eq 2 ] && [ ! -e "$TMP/c.onnx" ] || { echo "other configuration accepted: $err"; return 1; }
    head -c 50 "$TMP/p.bin" > "$TMP/short.bin"
    "$ONNXCC" export "$m/model.onnx" "$TMP/short.bin" -o "$TMP/c.onnx" --optimizer adam 2> /dev/null
    [ $? -eq 2 ] && [ ! -e "$TMP/c.onnx" ] || { echo "truncated blob accepted"; return 1; }
}
if out=$(blob_checks 2>&1); then ok "export: blob round trip; corrupt, truncated, other-config blobs refused"
else bad "export" "$out"; fi

# a diverging run stops with an error and keeps the last parameters whose
# loss was finite (here the initial ones: the first step already explodes)
diverge() {
    local m="$T/mlp_sgd"
    out=$("$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --lr 1e30 \
        --epochs 2 --batch-size 16 -o "$TMP/d.onnx" 2>&1)
    rc=$?
    [ $rc -eq 1 ] && echo "$out" | grep -q "diverged" || { echo "rc=$rc: $out"; return 1; }
    "$ONNXCC" compare "$TMP/d.onnx" "$m/model.onnx" --rtol 0 > /dev/null
}
if out=$(diverge 2>&1); then ok "a NaN loss stops training and keeps the last good parameters"
else bad "divergence" "$out"; fi

# --trainable selectors: last:1 of the CNN is its classifier, as in 'frozen';
# bias trains the biases only
selectors() {
    local m="$T/frozen"
    "$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --lr 0.05 \
        --epochs 3 --batch-size 16 --trainable last:1 -o "$TMP/l.onnx" > /dev/null &&
    "$ONNXCC" compare "$TMP/l.onnx" "$m/expected.onnx" --unchanged "$m/model.onnx" > /dev/null || {
        echo "last:1 differs from PyTorch's frozen backbone"; return 1; }
    "$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --lr 0.05 \
        --epochs 1 --batch-size 16 --trainable bias -o "$TMP/b.onnx" > /dev/null &&
    "$ONNXCC" compare "$TMP/b.onnx" "$m/model.onnx" --rtol 0 --only '*.weight,*running*' > /dev/null || {
        echo "bias changed a weight"; return 1; }
    ! "$ONNXCC" compare "$TMP/b.onnx" "$m/model.onnx" --rtol 0 --only '*.bias' > /dev/null || {
        echo "bias trained nothing"; return 1; }
    ! "$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --trainable 'nope*' \
        -o "$TMP/n.onnx" 2> /dev/null && [ ! -e "$TMP/n.onnx" ]
}
if out=$(selectors 2>&1); then ok "--trainable last:N, bias, and a pattern matching nothing"
else bad "--trainable selectors" "$out"; fi

# BatchNormalization folds into its convolution in training only where the
# convolution's weights are trained (frozen weights would make the fold
# compute a whole dW per step for nothing): ResNet-8's seven BNs fold with
# every parameter trained, none with --trainable bias or only the BNs'
fold() {
    local t n want
    for t in '*:7' 'bias:0' '*bn*:0' 'last:1:0' 'stage1.conv1.weight:1'; do
        want=${t##*:}
        "$ONNXCC" compile "$ROOT/models/resnet8/model.onnx" -o "$TMP/fold.c" --train --dim N=8 \
            --loss cross-entropy --trainable "${t%:*}" > /dev/null || return 1
        n=$(awk '/_train_step\(/ { on = 1 } on && /rt_bn_fold\(/ { c++ } on && /^}/ { exit } END { print c + 0 }' "$TMP/fold.c")
        [ "$n" = "$want" ] || { echo "--trainable '${t%:*}': $n folds in the step, want $want"; return 1; }
    done
}
if out=$(fold 2>&1); then ok "BatchNormalization folds in training only with its convolution's weights trained"
else bad "BatchNormalization folding" "$out"; fi

# r8elt: ResNet-8's step runs no element-wise pass of its own for its
# residuals and Relu masks: the three Add+Relu forwards are convolution
# epilogues (two accumulate onto the projection shortcut, one reads the
# identity shortcut: rt_conv_forward_ws_res), the four Relu masks of folded
# convolutions are in their readers' Winograd dX (relu_dx), and each
# residual's backward masks dy in place, writing no other buffer
elt() {
    "$ONNXCC" compile "$ROOT/models/resnet8/model.onnx" -o "$TMP/elt.c" --train --dim N=8 \
        --loss cross-entropy > /dev/null || return 1
    awk '/_train_step\(/ { on = 1 } on && /^}/ { exit } on' "$TMP/elt.c" > "$TMP/elt_step.c"
    local f
    for f in 'rt_add_relu_forward(:0' 'rt_unary_backward(:0' 'rt_conv_forward_ws_res(:1' \
             'accumulate = 1}:2' 'relu_dx = 1:4' 'rt_add_relu_backward(NULL, (float \*)(A + \([0-9]*\)), (const float \*)(A + \1),:3'; do
        n=$(grep -c "${f%:*}" "$TMP/elt_step.c")
        [ "$n" = "${f##*:}" ] || { echo "'${f%:*}': $n in the step, want ${f##*:}"; return 1; }
    done
}
if out=$(elt 2>&1); then ok "ResNet-8's residuals and Relu masks run inside its convolutions, and in place"
else bad "ResNet-8 element-wise fusions" "$out"; fi

# the training arena's scratch stays within 10% of its lifetime lower bound
# (onnxcc summary --train), whatever is trained: with a frozen backbone the
# tensors the training lowering bypasses once took space of their own
# (ResNet-8 with last:1 planned 13.1 MB against a 6.3 MB bound)
tbound() {
    local m t line s l
    for m in resnet8 mobilenet dscnn digits; do
        for t in '*' bias last:1; do
            line=$("$ONNXCC" summary "$ROOT/models/$m/model.onnx" --train --batch-size 32 \
                --loss cross-entropy --trainable "$t" | grep '^train arena bytes:') || {
                echo "$m --trainable '$t': no train arena line"; return 1; }
            s=$(echo "$line" | sed -n 's/.* scratch \([0-9]*\) (scratch lower bound \([0-9]*\),.*/\1/p')
            l=$(echo "$line" | sed -n 's/.* scratch \([0-9]*\) (scratch lower bound \([0-9]*\),.*/\2/p')
            [ -n "$s" ] && [ -n "$l" ] && [ "$s" -ge "$l" ] && [ $((s * 10)) -le $((l * 11)) ] || {
                echo "$m --trainable '$t': scratch ${s:-?} against lower bound ${l:-?}"; return 1; }
        done
    done
}
if out=$(tbound 2>&1); then ok "training arena within 10% of its lower bound (all, bias, last:1)"
else bad "training arena bound" "$out"; fi

# the Winograd U of training convolutions (read only by a library with
# RT_CONV_WINOGRAD 1) is planned above every other buffer: the header gives
# the smaller arena to builds without Winograd (a Cortex-M), the figure
# summary prints, and the step passes NULL for U there. (The sanitizer
# suite runs the digits fine-tuning with the portable library in an array
# of exactly that size.)
wino_arena() {
    local full base sb
    "$ONNXCC" compile "$ROOT/models/digits/model.onnx" -o "$TMP/wa.c" --train --batch-size 8 \
        > /dev/null || return 1
    full=$(awk '/^#if RT_CONV_WINOGRAD/ { on = 1; next } on && /TRAIN_ARENA_BYTES/ { print $3; exit }' "$TMP/wa.h")
    base=$(awk '/^#else/ { on = 1; next } on && /TRAIN_ARENA_BYTES/ { print $3; exit }' "$TMP/wa.h")
    sb=$("$ONNXCC" summary "$ROOT/models/digits/model.onnx" --train --batch-size 8 |
        sed -n 's/^train arena bytes without Winograd: \([0-9]*\) .*/\1/p')
    [ -n "$full" ] && [ -n "$base" ] && [ "$base" -lt "$full" ] && [ "$base" = "$sb" ] || {
        echo "digits: arena with Winograd '${full:-?}', without '${base:-?}', summary '${sb:-?}'"; return 1; }
    grep -q 'RT_CONV_WINOGRAD ? A + [0-9]* : NULL' "$TMP/wa.c" || { echo "no conditional U argument"; return 1; }
    ! grep -E 'rt_conv_(forward|backward)_ws\(' "$TMP/wa.c" | grep -v -q 'RT_CONV_WINOGRAD ?' || {
        echo "a Winograd call passes U unconditionally"; return 1; }
    cc -std=c99 -Wall -Wextra -Werror -O1 -DRT_CONV_WINOGRAD=0 -I"$(dirname "$ONNXCC")/include" \
        -c "$TMP/wa.c" -o "$TMP/wa.o" || return 1
}
if out=$(wino_arena 2>&1); then ok "training arena without Winograd: U planned above the rest, smaller macro, NULL U"
else bad "training arena without Winograd" "$out"; fi

# --shuffle SEED: a fixed order per seed, another order for another seed
shuffle() {
    local m="$T/mlp_sgd" s
    for s in 7 7b 8 none; do
        "$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --lr 0.1 \
            --epochs 2 --batch-size 16 $([ $s = none ] || echo --shuffle ${s%b}) -o "$TMP/sh$s.onnx" \
            > /dev/null || return 1
    done
    "$ONNXCC" compare "$TMP/sh7.onnx" "$TMP/sh7b.onnx" --rtol 0 > /dev/null || { echo "same seed differs"; return 1; }
    ! "$ONNXCC" compare "$TMP/sh8.onnx" "$TMP/sh7.onnx" --rtol 0 > /dev/null || { echo "seed ignored"; return 1; }
    ! "$ONNXCC" compare "$TMP/shnone.onnx" "$TMP/sh7.onnx" --rtol 0 > /dev/null || { echo "no shuffle"; return 1; }
}
if out=$(shuffle 2>&1); then ok "--shuffle: reproducible per seed, different across seeds"
else bad "--shuffle" "$out"; fi

# dropout is active in training, seeded and reproducible
dropout() {
    local m="$T/mlp_dropout"
    for s in 1 1 2; do
        "$ONNXCC" finetune "$m/model.onnx" --inputs "$m/x.pb" --targets "$m/y.pb" --lr 0.1 \
            --epochs 2 --batch-size 16 --seed $s -o "$TMP/dr$s$([ -e "$TMP/dr$s.onnx" ] && echo b).onnx" \
            > /dev/null || return 1
    done
    "$ONNXCC" compare "$TMP/dr1.onnx" "$TMP/dr1b.onnx" --rtol 0 > /dev/null || { echo "same seed differs"; return 1; }
    ! "$ONNXCC" compare "$TMP/dr2.onnx" "$TMP/dr1.onnx" --rtol 0 > /dev/null || { echo "seed ignored"; return 1; }
}
if out=$(dropout 2>&1); then ok "dropout in training: same seed same result, other seed other result"
else bad "dropout" "$out"; fi

# the on-device demo: fine-tuning the digits CNN through the generated C on a
# drawing style it was not trained on must improve accuracy by a clear margin
# (10 points) and land where PyTorch's identical recipe lands (within 2 samples)
style="$ROOT/models/train/digits_style"
demo() {
    "$ONNXCC" compile "$ROOT/models/digits/model.onnx" -o "$TMP/digits.c" --name digits --train \
        --loss cross-entropy --optimizer sgd --lr 0.01 --momentum 0.9 --batch-size 32 &&
    cc -std=c99 ${ONNXCC_CFLAGS:--O2} -I"$TMP" -I"$(dirname "$ONNXCC")/include" "$ROOT/models/demo/digits_tune.c" \
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
