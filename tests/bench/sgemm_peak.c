/*
 * sgemm_peak.c - this machine's practical single-core float32 peak: the best
 * of a few OpenBLAS sgemm calls on square N x N products (default 2048),
 * in GFLOP/s (2 N^3 / time). Run it with OPENBLAS_NUM_THREADS=1 (and pinned
 * to one core); prints one JSON line with the OpenBLAS configuration.
 *
 *   cc -O2 sgemm_peak.c -lopenblas -o sgemm_peak && ./sgemm_peak [N] [REPS]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

char *openblas_get_config(void);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2048, reps = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 16 || n > 16384 || reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: sgemm_peak [N 16..16384] [REPS 1..1000]\n");
        return 2;
    }
    size_t nn = (size_t)n * (size_t)n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "sgemm_peak: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < nn; i++) {
        a[i] = (float)((i * 7u) % 13u) * 0.1f - 0.6f;
        b[i] = (float)((i * 5u) % 11u) * 0.1f - 0.5f;
        c[i] = 0.0f;
    }
    /* one warm-up call (page faults, OpenBLAS's buffers), then the best of reps */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                    c, n);
        t = now_s() - t;
        if (t < best)
            best = t;
    }
    double gflops = 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
    printf("{\"n\": %d, \"reps\": %d, \"best_s\": %.6f, \"gflops\": %.3f, \"check\": %.6g, "
           "\"openblas\": \"%s\"}\n", n, reps, best, gflops, (double)c[nn / 2 + 1],
           openblas_get_config());
    free(a);
    free(b);
    free(c);
    return 0;
}
