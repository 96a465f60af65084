#!/bin/sh
# footprint.sh - the footprint table of `make embedded`, from the minimal
# ELFs the sub-Makefile linked (footprint_main.c, -Wl,--gc-sections).
#
#   sh models/embedded/footprint.sh EMB SIZE ROW...
#
# EMB is build/embedded, SIZE the cross `size`, each ROW a directory of EMB
# holding footprint.elf, footprint.run (the "stack N" its QEMU run printed)
# and the generated header. Prints the table and writes EMB/footprint.csv.
#
# Columns, in bytes (from `size -A` of the ELF):
#   text     .text: machine code (model, runtime kernels, libc/libm, start-up)
#   rodata   .rodata (+ .ARM.exidx, .init_array): constants, the weights
#   data     .data: initialized variables (their initial values sit in flash
#            too); for the training step, the trainable weights
#   bss      .bss: zeroed variables (the app's input/output buffers, libc's)
#   arena    .arena: the planned scratch memory, PREFIX_ARENA_BYTES (or
#            PREFIX_TRAIN_ARENA_BYTES), checked against the header
#   flash    text + rodata + data: what the code memory must hold
#   ram      data + bss + arena: static RAM, not counting the stack
#   stack    measured high-water mark of one run under QEMU (stack painting)
#   weights  PREFIX_WEIGHT_BYTES from the header
#   fits     mps2-an386: flash <= 4 MiB and ram + 64 KiB stack <= 4 MiB (the
#            linker decides); 1M/256K: flash <= 1 MiB and ram + stack <= 256
#            KiB, a common size for a Cortex-M4F part (e.g. nRF52840)
set -eu
emb=$1
size=$2
shift 2
csv=$emb/footprint.csv
tmp=$csv.tmp
echo "model,text,rodata,data,bss,arena,flash,ram,stack,weights,fits_mps2_an386,fits_1MiB_256KiB" >"$tmp"
for row in "$@"; do
    dir=$emb/$row
    case $row in
    none) hdr= ; prefix= ; label="(start-up + libc only)" ;;
    train-digits) hdr=$dir/digits.h; prefix=DIGITS_TRAIN_; label="digits train step (batch 8)" ;;
    *) hdr=$dir/net.h; prefix=NET_; label=$row ;;
    esac
    # value of #define $1 in the header, 0 without one; a Cortex-M library
    # has RT_CONV_WINOGRAD 0 (no AVX-512), so a definition under
    # "#if RT_CONV_WINOGRAD" is skipped for its #else (the .arena check
    # below holds the header to what the compiler really allocated)
    macro() {
        if [ -n "$hdr" ]; then awk -v m="$1" '
            /^#if RT_CONV_WINOGRAD/ { skip = 1; next }
            skip && /^#(else|endif)/ { skip = 0; next }
            !skip && $1 == "#define" && $2 == m { print $3; f = 1 }
            END { if (!f) print 0 }' "$hdr"; else echo 0; fi
    }
    arena_h=$(macro "${prefix}ARENA_BYTES")
    case $row in train-digits) weights=$(macro DIGITS_WEIGHT_BYTES) ;; *) weights=$(macro NET_WEIGHT_BYTES) ;; esac
    stack=$(awk '$1 == "stack" { print $2 }' "$dir/footprint.run")
    nofit=0
    [ -e "$dir/footprint.nofit" ] && nofit=1
    "$size" -A "$dir/footprint.elf" | awk -v label="$label" -v arena_h="$arena_h" -v stack="$stack" \
        -v weights="$weights" -v nofit="$nofit" '
        $1 == ".text" { text += $2 }
        $1 == ".rodata" || $1 == ".ARM.exidx" || $1 == ".ARM.extab" || $1 == ".init_array" { ro += $2 }
        $1 == ".data" { data += $2 }
        $1 == ".bss" { bss += $2 }
        $1 == ".arena" { arena += $2 }
        END {
            want = int((arena_h + 7) / 8) * 8
            if (arena != want) {
                printf "footprint.sh: %s: .arena is %d bytes, the header says %d\n", label, arena, arena_h > "/dev/stderr"
                exit 1
            }
            flash = text + ro + data
            ram = data + bss + arena
            st = stack == "-" ? 0 : stack
            an386 = nofit ? "no" : "yes"
            small = (flash <= 1048576 && ram + st <= 262144) ? "yes" : "no"
            printf "%s,%d,%d,%d,%d,%d,%d,%d,%s,%d,%s,%s\n", label, text, ro, data, bss, arena, flash, ram, stack, weights, an386, small
        }' >>"$tmp"
done
mv "$tmp" "$csv"

echo "Footprint on a Cortex-M4F (-mcpu=cortex-m4 -mfloat-abi=hard -Os, --gc-sections), bytes:"
awk -F, '
    function group(n,   s, out) {
        s = sprintf("%d", n); out = ""
        while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
        return s out
    }
    NR == 1 { printf "%-32s %9s %9s %7s %7s %9s %10s %9s %7s %-12s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, "mps2-an386", "1M/256K"; next }
    { printf "%-32s %9s %9s %7s %7s %9s %10s %9s %7s %-12s %s\n", $1, group($2), group($3), group($4), group($5), group($6), group($7), group($8), $9 == "-" ? "-" : group($9), $11, $12 }
' "$csv"
echo "(flash = text + rodata + data; ram = data + bss + arena, stack apart; written to $csv)"
awk -F, 'NR > 1 && $11 == "no" { printf "does not fit mps2-an386 (4 MiB code, 4 MiB RAM): %s\n", $1; n++ }
         END { if (!n) print "every model fits mps2-an386 (4 MiB code memory at 0, 4 MiB RAM at 0x20000000)" }' "$csv"
