/*
 * train_check.c - fine-tunes the digits CNN on the Cortex-M4F under QEMU
 * with the training step that `onnxcc compile --train` generated (SGD,
 * momentum, cross-entropy, batches of DIGITS_TRAIN_BATCH), and checks that
 * the loss falls. Built for the host too, as the comparison run.
 *
 * Data, included at build time (made by tensor2c): tune.h holds tune_x /
 * tune_y, the first TUNE_Y_SIZE samples of models/train/digits_style (digits
 * in a style the model was not trained on). The app cycles through them in
 * batches for STEPS steps, printing each step's mean loss.
 *
 * The check: the batches repeat, so the first pass over the data and the
 * last pass see the same samples; the mean loss of the last pass must be at
 * most LOSS_RATIO (0.75 by default) of the first pass's mean.
 *
 * With -DWITH_EXPECT, train_expect.h gives the host's loss at every step
 * (expect_loss[]), and each step's loss must match it within LOSS_TOL
 * relative (1e-4 by default): the same code on another FPU and libm (newlib's
 * expf/logf against glibc's, which may differ in the last bit), with 20 steps
 * to amplify it; the differences seen are about 1e-6. (The host's losses
 * come from its printed "%.7g", which rounds by 5e-7 relative at most.)
 *
 * Exits 0 when every check passes, else 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "digits.h"
#include "tune.h"
#ifdef WITH_EXPECT
#include "train_expect.h"
#endif

#ifdef __arm__
#include "board.h"
#define ARENA_SECTION __attribute__((section(".arena")))
#else
#define ARENA_SECTION
#endif

#ifndef STEPS
#define STEPS 20
#endif
#ifndef LOSS_RATIO
#define LOSS_RATIO 0.75
#endif
#ifndef LOSS_TOL
#define LOSS_TOL 1e-4
#endif

#define PER (DIGITS_INPUT0_SIZE / DIGITS_TRAIN_BATCH) /* floats per sample */
#define BATCHES ((TUNE_Y_SIZE + DIGITS_TRAIN_BATCH - 1) / DIGITS_TRAIN_BATCH)

#if TUNE_X_SIZE != TUNE_Y_SIZE * PER
#error "tune_x and tune_y do not hold the same number of samples"
#endif
#if STEPS < 2 * BATCHES
#error "STEPS must cover at least two passes over the batches"
#endif

/* The training arena: activations, gradients, optimizer state. */
static union {
    double d;
    int64_t i;
} arena[(DIGITS_TRAIN_ARENA_BYTES + 7) / 8] ARENA_SECTION;

int main(void)
{
    float loss[STEPS];
    int fails = 0;
#ifdef WITH_EXPECT
    int mismatches = 0;
#endif
    digits_train_init(arena);
    printf("digits train: %d samples in batches of %d, %d steps, training arena %d bytes\n",
           (int)TUNE_Y_SIZE, (int)DIGITS_TRAIN_BATCH, STEPS, (int)DIGITS_TRAIN_ARENA_BYTES);
    for (int s = 0; s < STEPS; s++) {
        long first = (long)(s % BATCHES) * DIGITS_TRAIN_BATCH;
        long bs = TUNE_Y_SIZE - first < DIGITS_TRAIN_BATCH ? TUNE_Y_SIZE - first : DIGITS_TRAIN_BATCH;
        int64_t correct = 0;
        loss[s] = digits_train_step(arena, tune_x + first * PER, tune_y + first, bs, &correct);
        printf("step %2d: loss %.7g, %d of %ld correct", s + 1, (double)loss[s], (int)correct, bs);
#ifdef WITH_EXPECT
        double d = fabs((double)loss[s] - (double)expect_loss[s]);
        double lim = LOSS_TOL * fabs((double)expect_loss[s]);
        printf(", host %.7g%s", (double)expect_loss[s], d <= lim ? "" : " MISMATCH");
        mismatches += d > lim;
#endif
        printf("\n");
    }
    double head = 0.0, tail = 0.0;
    for (int b = 0; b < BATCHES; b++) {
        head += (double)loss[b];
        tail += (double)loss[STEPS - BATCHES + b];
    }
    head /= BATCHES;
    tail /= BATCHES;
    int falls = tail <= LOSS_RATIO * head;
    printf("digits train: mean loss, first pass %.6f, last pass %.6f, ratio %.3f (limit %.2f): %s\n",
           head, tail, tail / head, LOSS_RATIO, falls ? "ok" : "FAILED");
    fails += !falls;
#ifdef WITH_EXPECT
    printf("digits train: %d of %d losses differ from the host's by more than %.0e relative: %s\n",
           mismatches, STEPS, LOSS_TOL, mismatches ? "FAILED" : "ok");
    fails += mismatches;
#endif
#ifdef __arm__
    printf("digits train: stack used %lu of %lu bytes\n", (unsigned long)board_stack_used(),
           (unsigned long)board_stack_size());
#endif
    printf("digits train: %s\n", fails ? "FAILED" : "passed");
    return fails ? 1 : 0;
}
