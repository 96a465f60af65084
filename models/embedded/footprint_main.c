/*
 * footprint_main.c - the smallest application around one generated model,
 * linked (with --gc-sections) only to measure what the model costs on a
 * Cortex-M4F: its code and constants (flash), its RAM, and its stack.
 *
 * It runs the model once on an all-zero input, in the caller's arena, which
 * is placed in its own output section (.arena) so that `size -A` reports it
 * apart from the rest of .bss; the generated static arena of net_run() is
 * then unused and dropped by --gc-sections. It prints the stack high-water
 * mark through semihosting, without stdio, so the figures include no printf.
 *
 * Variants, chosen by the sub-Makefile:
 *   (default)            inference with code compiled by --name net
 *   -DFOOTPRINT_TRAIN    one training step of code compiled by --train
 *                        --name digits: trainable weights move from
 *                        .rodata to .data, and the arena grows to hold
 *                        activations, gradients and optimizer state
 *   -DFOOTPRINT_NO_MODEL nothing: what the start-up code, board.c and the
 *                        C library cost on their own
 */
#include <stdint.h>

#include "board.h"

#if defined(FOOTPRINT_TRAIN)
#include "digits.h"
#define ARENA_BYTES DIGITS_TRAIN_ARENA_BYTES
static float input[DIGITS_INPUT0_SIZE];
static int64_t labels[DIGITS_TRAIN_BATCH];
#elif !defined(FOOTPRINT_NO_MODEL)
#include "net.h"
#define ARENA_BYTES NET_ARENA_BYTES
static float input[NET_INPUT0_SIZE], output[NET_OUTPUT0_SIZE];
#endif

#ifdef ARENA_BYTES
/* aligned for int64_t and double, as the generated code requires */
static union {
    double d;
    int64_t i;
} arena[(ARENA_BYTES + 7) / 8] __attribute__((section(".arena")));
#endif

int main(void)
{
#if defined(FOOTPRINT_TRAIN)
    digits_train_init(arena);
    /* a volatile read of the loss so the step cannot be dropped */
    volatile float sink = digits_train_step(arena, input, labels, DIGITS_TRAIN_BATCH, 0);
    (void)sink;
#elif !defined(FOOTPRINT_NO_MODEL)
    net_run_arena(arena, input, output);
    volatile float sink = output[0];
    (void)sink;
#endif
    board_write_uint("stack", (unsigned long)board_stack_used());
    return 0;
}
