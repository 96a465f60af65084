#!/bin/sh
# tests/neon/cc-qemu.sh - a C compiler for `onnxcc verify` that builds for
# AArch64 and leaves a program that runs under qemu-aarch64.
#
# verify builds its harness with $CC ... -o harness and then runs ./harness
# in the build directory. With CC set to this script, the cross compiler
# (aarch64-linux-gnu-gcc, same arguments) writes OUT.a64, and OUT becomes a
# two-line shell script that runs OUT.a64 under the user-mode emulator with
# the cross C library. Compiles with -c are passed through unchanged.
set -eu
XCC=${NEON_XCC:-aarch64-linux-gnu-gcc}
QEMU=${NEON_QEMU:-qemu-aarch64}
SYSROOT=${NEON_SYSROOT:-/usr/aarch64-linux-gnu}
out= compile_only=0 prev=
for a in "$@"; do
    [ "$prev" = "-o" ] && out=$a
    [ "$a" = "-c" ] && compile_only=1
    prev=$a
done
if [ -z "$out" ] || [ $compile_only = 1 ]; then
    exec "$XCC" "$@"
fi
# the same arguments with the output renamed
n=$#
i=0
prev=
for a in "$@"; do
    i=$((i + 1))
    if [ "$prev" = "-o" ]; then
        set -- "$@" "$out.a64"
    else
        set -- "$@" "$a"
    fi
    prev=$a
done
shift "$n"
"$XCC" "$@"
cat >"$out" <<SCRIPT
#!/bin/sh
exec $QEMU -L $SYSROOT "\$(dirname "\$0")/$(basename "$out").a64" "\$@"
SCRIPT
chmod +x "$out"
