/*
 * infer_check.c - runs a model compiled by onnxcc (--name net) on its
 * reference input and checks the output against the reference, on the
 * Cortex-M4F under QEMU (and, built for the host, as the comparison run).
 *
 * Included at build time, made by tensor2c from the model's directory:
 *   ref.h      ref_input, ref_output: test_data_set_0/{input,output}_0.pb
 *   testset.h  (with -DWITH_TESTSET) test_x, test_y: a whole labelled test
 *              set, classified one image at a time
 *
 * The check: max |out - ref| <= REL_TOL * max |ref| over the output, with
 * REL_TOL 1e-4 by default. The reference comes from PyTorch on x86; this run
 * does the same float32 arithmetic in another order (PyTorch's blocked
 * kernels against the runtime's plain loops) with another compiler and FPU.
 * Each float32 rounding is worth 6e-8 relative; sums over a few hundred
 * terms and a few layers put the expected error near 1e-6 of the output's
 * scale, so 1e-4 leaves two orders of magnitude of margin, while a wrong
 * kernel, bias, layout or stride moves the outputs by 1e-2 or more.
 *
 * With -DWITH_EXPECT, expect.h gives EXPECT_CORRECT and EXPECT_HASH, which
 * the sub-Makefile takes from the host's run of this same program: the
 * target must classify exactly as many images correctly as the host, and
 * predict the same class for every image (same hash of the predictions).
 *
 * Prints one line per result; exits 0 when every check passes, else 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "net.h"
#include "ref.h"
#ifdef WITH_TESTSET
#include "testset.h"
#endif
#ifdef WITH_EXPECT
#include "expect.h"
#endif

#ifdef __arm__
#include "board.h"
#define ARENA_SECTION __attribute__((section(".arena")))
#else
#define ARENA_SECTION
#endif

#ifndef MODEL_NAME
#define MODEL_NAME "model"
#endif
#ifndef REL_TOL
#define REL_TOL 1e-4
#endif

#if REF_INPUT_SIZE != NET_INPUT0_SIZE || REF_OUTPUT_SIZE != NET_OUTPUT0_SIZE
#error "the reference tensors do not match the model's input and output sizes"
#endif

static union {
    double d;
    int64_t i;
} arena[(NET_ARENA_BYTES + 7) / 8] ARENA_SECTION;

static float output[NET_OUTPUT0_SIZE];

/* Index of the largest of n values (the first one on a tie). */
static int argmax(const float *v, int n)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

/* Runs the reference input; returns 0 if the output is within tolerance. */
static int check_reference(void)
{
    net_run_arena(arena, ref_input, output);
    double max_err = 0.0, max_ref = 0.0;
    for (int i = 0; i < NET_OUTPUT0_SIZE; i++) {
        double err = fabs((double)output[i] - (double)ref_output[i]);
        max_err = err > max_err ? err : max_err;
        max_ref = fabs((double)ref_output[i]) > max_ref ? fabs((double)ref_output[i]) : max_ref;
    }
    double rel = max_ref > 0.0 ? max_err / max_ref : max_err;
    int ok = rel <= REL_TOL;
    printf("%s: reference output [%d]: max |err| %.3e, max |ref| %.3e, relative %.3e "
           "(limit %.0e): %s\n",
           MODEL_NAME, NET_OUTPUT0_SIZE, max_err, max_ref, rel, REL_TOL, ok ? "ok" : "FAILED");
    if (NET_OUTPUT0_SIZE > 1 && NET_OUTPUT0_SIZE <= 100) { /* a classifier */
        int got = argmax(output, NET_OUTPUT0_SIZE), want = argmax(ref_output, NET_OUTPUT0_SIZE);
        printf("%s: class %d, reference class %d\n", MODEL_NAME, got, want);
        ok = ok && got == want;
    }
    return ok ? 0 : 1;
}

#ifdef WITH_TESTSET
/* Classifies the test set one image at a time; returns 0 if the count of
 * correct answers and the predictions are the host's (when expect.h says). */
static int check_testset(void)
{
    const long per = NET_INPUT0_SIZE, t = TEST_Y_SIZE;
    long correct = 0;
    uint32_t hash = 2166136261u; /* FNV-1a over the predicted classes */
    for (long i = 0; i < t; i++) {
        net_run_arena(arena, test_x + i * per, output);
        int best = argmax(output, NET_OUTPUT0_SIZE);
        correct += best == test_y[i];
        hash = (hash ^ (uint32_t)best) * 16777619u;
    }
    printf("%s: test set: accuracy %.6f (%ld of %ld), predictions hash %08lx\n", MODEL_NAME,
           (double)correct / (double)t, correct, t, (unsigned long)hash);
#ifdef WITH_EXPECT
    if (correct != EXPECT_CORRECT || hash != EXPECT_HASH) {
        printf("%s: test set: FAILED, the host gets %ld of %ld, predictions hash %08lx\n",
               MODEL_NAME, (long)EXPECT_CORRECT, t, (unsigned long)EXPECT_HASH);
        return 1;
    }
    printf("%s: test set: ok, the same predictions as on the host\n", MODEL_NAME);
#endif
    return 0;
}
#endif

int main(void)
{
    int fails = check_reference();
#ifdef WITH_TESTSET
    fails += check_testset();
#endif
#ifdef __arm__
    printf("%s: arena %d bytes, weights %d bytes, stack used %lu of %lu bytes\n", MODEL_NAME,
           NET_ARENA_BYTES, NET_WEIGHT_BYTES, (unsigned long)board_stack_used(),
           (unsigned long)board_stack_size());
#endif
    printf("%s: %s\n", MODEL_NAME, fails ? "FAILED" : "passed");
    return fails ? 1 : 0;
}
