/*
 * dw_layers: times rt_conv_backward's weight gradient (dw and db, no dx)
 * for each convolution of ResNet-8 at batch 32, the shapes a training
 * step runs (r8dwt). A measuring tool, not a test: it checks nothing.
 * Build against the AVX-512 library `make bench` uses, and pin it:
 *   cc -O2 -march=native -Ibuild/bench/native/include tests/bench/dw_layers.c \
 *      build/bench/native/libonnxcc_rt.a -lm -o build/dw_layers
 *   taskset -c 1 build/dw_layers [REPS [LAYER]]
 * Per layer: the minimum and mean of REPS calls (default 30) on the same
 * data (x and dy stay in the caches they fit), and the direct dW's FLOPs
 * over the minimum; "total" adds the minima, the 16-channel stage-1 layer
 * twice (ResNet-8 has two).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "onnxcc_rt.h"

static double dwl_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct {
    int n, c, m, h, w, k, s, twice;     /* k x k kernel, stride s, padding k / 2 */
    const char *name;
} dwl_layer;

static const dwl_layer dwl_layers[] = {
    { 32, 3, 16, 32, 32, 3, 1, 0, "conv0" },
    { 32, 16, 16, 32, 32, 3, 1, 1, "s1" },
    { 32, 16, 32, 32, 32, 3, 2, 0, "s2c1" },
    { 32, 16, 32, 32, 32, 1, 2, 0, "s2sc" },
    { 32, 32, 32, 16, 16, 3, 1, 0, "s2c2" },
    { 32, 32, 64, 16, 16, 3, 2, 0, "s3c1" },
    { 32, 32, 64, 16, 16, 1, 2, 0, "s3sc" },
    { 32, 64, 64, 8, 8, 3, 1, 0, "s3c2" },
};

static float *dwl_floats(int64_t n)
{
    float *p = malloc((size_t)n * sizeof(float));
    if (!p) {
        fprintf(stderr, "dw_layers: out of memory\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 30;
    double total = 0.0;
    size_t q;

    for (q = 0; q < sizeof dwl_layers / sizeof dwl_layers[0]; q++) {
        const dwl_layer *l = &dwl_layers[q];
        rt_conv_params p;
        int64_t nx, ny, nw, i;
        float *x, *dy, *dw, *db;
        double best = 1e30, sum = 0.0, mac;
        int r;

        if (argc > 2 && strcmp(argv[2], l->name) != 0)
            continue;
        memset(&p, 0, sizeof p);
        p.n = l->n;
        p.c = l->c;
        p.m = l->m;
        p.group = 1;
        p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
        p.in[1] = l->h;
        p.in[2] = l->w;
        p.k[1] = p.k[2] = l->k;
        p.stride[1] = p.stride[2] = l->s;
        p.pad[1] = p.pad[2] = l->k / 2;
        p.dilation[1] = p.dilation[2] = 1;
        p.out[1] = (l->h + 2 * (l->k / 2) - l->k) / l->s + 1;
        p.out[2] = (l->w + 2 * (l->k / 2) - l->k) / l->s + 1;
        p.act = RT_UN_NONE;
        nx = (int64_t)l->n * l->c * l->h * l->w;
        ny = (int64_t)l->n * l->m * p.out[1] * p.out[2];
        nw = (int64_t)l->m * l->c * l->k * l->k;
        x = dwl_floats(nx);
        dy = dwl_floats(ny);
        dw = dwl_floats(nw);
        db = dwl_floats(l->m);
        for (i = 0; i < nx; i++)
            x[i] = (float)((i * 7) % 13) - 6.0f;
        for (i = 0; i < ny; i++)
            dy[i] = (float)((i * 5) % 11) - 5.0f;
        for (r = 0; r < reps; r++) {
            double t0, t;
            memset(dw, 0, (size_t)nw * sizeof(float));
            memset(db, 0, (size_t)l->m * sizeof(float));
            t0 = dwl_now();
            rt_conv_backward(NULL, dw, db, dy, x, NULL, &p);
            t = dwl_now() - t0;
            best = t < best ? t : best;
            sum += t;
        }
        mac = (double)ny * l->c * l->k * l->k;
        printf("%-5s min %8.1f us  mean %8.1f us  %6.1f GFLOP/s (direct dW's)\n", l->name,
               best * 1e6, sum / reps * 1e6, 2.0 * mac / best * 1e-9);
        total += best * (l->twice ? 2 : 1);
        free(x);
        free(dy);
        free(dw);
        free(db);
    }
    printf("total %.1f us\n", total * 1e6);
    return 0;
}
