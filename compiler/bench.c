/*
 * bench.c - `onnxcc bench MODEL`: compile a model, build it for this machine
 * (-O3 -march=native unless --cflags), and time it with a generated harness:
 * warm-up, then N timed calls of PREFIX_run (or, with --train, of
 * PREFIX_train_step on random data), each timed with CLOCK_MONOTONIC.
 * Reports the median and minimum latency, MACs, achieved GFLOP/s, parameter,
 * arena and code bytes; --json prints them as one JSON object on the last
 * line. Timings are never asserted anywhere: this is a measuring tool.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc.h"
#include "cli.h"

#define BENCH_DEFAULT_CFLAGS "-O3 -march=native"
#define BENCH_MAX_ITERATIONS 10000000L   /* --iterations                        */
#define BENCH_AUTO_MAX 1000000L           /* the default's cap (8 MB of timings) */

static const char bench_usage[] =
    "usage: onnxcc bench MODEL.onnx [--iterations N] [--cflags \"FLAGS\"] [--json]\n"
    "                    [--dim NAME=VALUE ...] [--batch-size B] [--keep]\n"
    "                    [--layers [--peak GFLOPS]] [--train [training options]]\n"
    "\n"
    "Compiles MODEL (the batch bound to 1 unless --batch-size B), builds the\n"
    "generated C with $CC (default cc) and FLAGS (default -O3 -march=native)\n"
    "against the runtime library as it was built, and times it: a warm-up of at\n"
    "least 0.1 s, then N timed calls of PREFIX_run on random inputs (default: as\n"
    "many as take about 1 s, at least 10), each timed with CLOCK_MONOTONIC.\n"
    "With --train it times PREFIX_train_step instead: forward, loss, backward and\n"
    "optimizer update on a random batch of B samples (random labels for\n"
    "cross-entropy, random targets otherwise).\n"
    "\n"
    "Reports: median and minimum latency in microseconds; multiply-accumulates\n"
    "(the compiler's count of Conv/Gemm/MatMul MACs; with --train an estimate,\n"
    "3 x the forward MACs at batch B); achieved GFLOP/s (2 x MACs / median);\n"
    "parameter bytes (constant data as this build holds it: the Winograd weights\n"
    "of 3x3 layers where the flags select AVX-512); arena bytes (the inference\n"
    "arena, or with --train the training arena); code bytes (text + data of the\n"
    "compiled model.o as `size` counts them, weights included) and its machine\n"
    "code alone.\n"
    "\n"
    "The kernels run the vector code the runtime library was built with, not\n"
    "the level FLAGS select (the report prints both); when the two differ a\n"
    "warning says so: set ONNXCC_RUNTIME_DIR to a runtime built for that target.\n"
    "\n"
    "  --iterations N   timed calls (1 to 10000000)\n"
    "  --cflags FLAGS   C compiler flags for the generated code (replaces the default)\n"
    "  --json           print only one JSON object: median_us, min_us, macs, gflops,\n"
    "                   param_bytes, arena_bytes, code_bytes, text_bytes,\n"
    "                   iterations, warmup, batch, mode, model, cflags, runtime,\n"
    "                   runtime_simd, model_simd, macs_estimated (and loss with\n"
    "                   --train)\n"
    "  --dim NAME=VALUE bind a symbolic input dimension (as compile)\n"
    "  --batch-size B   the batch (inference and training)\n"
    "  --keep           keep the build directory and print its path on stderr\n"
    "  --layers         also time every step of PREFIX_run on its own (a second\n"
    "                   build of the model with a clock read around each step's\n"
    "                   kernel calls) and print, per layer, the op, the kernel\n"
    "                   shape, MACs, median us and GFLOP/s (with --json: a\n"
    "                   \"layers\" array); inference only\n"
    "  --peak GFLOPS    with --layers, also print each layer's GFLOP/s as a\n"
    "                   percentage of GFLOPS (e.g. the OpenBLAS sgemm peak)\n"
    "\n"
    "exit codes: 0 measured, 2 model refused or bad usage, 3 the C compiler or the\n"
    "built program failed.\n"
    "\n";

typedef struct {
    const char *model;
    const char *cflags;
    long iterations;        /* 0: about 1 s                                   */
    int json, keep, layers;
    double peak;            /* --peak, 0 when absent                          */
    cli_dims dims;
    cc_train_opts train;
} bench_args;

typedef struct {
    long iterations, warmup;
    double median_us, min_us, loss;
    int winograd;                       /* RT_CONV_WINOGRAD as model.c was built */
    int rt_simd, model_simd;            /* RT_SIMD_LEVEL_*: library, model.c */
    int64_t macs, param_bytes, arena_bytes;
    int64_t code_bytes, text_bytes;     /* -1 when model.o could not be read */
    char runtime[PATH_MAX];             /* the runtime library linked        */
    int nlayer_rounds;                  /* --layers: timed runs              */
    double *layer_us;                   /* --layers: median per step, or -1  */
} bench_result;

/* ------------------------------------------------------------ harness */

static const char *ctype_of(int dtype)
{
    return cc_dtype_ctype(dtype);
}

/* The top of both harnesses: clock, generator, allocation, sort. Each
 * harness then defines setup() and step(), and write_main the timing loop. */
static void write_prologue(FILE *f)
{
    fputs("/* Generated by onnxcc bench. */\n"
          "#define _POSIX_C_SOURCE 199309L\n"
          "#include <math.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
          "#include <time.h>\n#include \"onnxcc_rt.h\"\n#include \"model.h\"\n\n"
          "/* The SIMD level these flags select, read from the same macros as\n"
          " * runtime/rt_impl.h reads them (RT_NO_SIMD included), and the library's\n"
          " * own (-1: a library older than rt_simd_level). */\n"
          "#ifdef RT_SIMD_LEVEL_AVX512\n#define RT_LIBRARY_SIMD rt_simd_level()\n"
          "#else\n#define RT_LIBRARY_SIMD (-1)\n#define RT_SIMD_LEVEL_NONE 0\n"
          "#define RT_SIMD_LEVEL_NEON 1\n#define RT_SIMD_LEVEL_AVX2 2\n"
          "#define RT_SIMD_LEVEL_AVX512 3\n#endif\n"
          "#if defined(RT_NO_SIMD)\n#define MODEL_SIMD RT_SIMD_LEVEL_NONE\n"
          "#elif defined(__AVX512F__) && defined(__AVX2__) && defined(__FMA__)\n"
          "#define MODEL_SIMD RT_SIMD_LEVEL_AVX512\n"
          "#elif defined(__AVX2__) && defined(__FMA__)\n#define MODEL_SIMD RT_SIMD_LEVEL_AVX2\n"
          "#elif defined(__ARM_NEON) && defined(__aarch64__)\n#define MODEL_SIMD RT_SIMD_LEVEL_NEON\n"
          "#else\n#define MODEL_SIMD RT_SIMD_LEVEL_NONE\n#endif\n\n"
          "static double now_us(void)\n{\n    struct timespec ts;\n"
          "    clock_gettime(CLOCK_MONOTONIC, &ts);\n"
          "    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;\n}\n\n"
          "static uint64_t rng = UINT64_C(0x9E3779B97F4A7C15);\n"
          "static uint64_t next(void)\n{\n    rng ^= rng >> 12;\n    rng ^= rng << 25;\n"
          "    rng ^= rng >> 27;\n    return rng * UINT64_C(2685821657736338717);\n}\n\n"
          "/* uniform in [-1, 1) */\n"
          "static float frand(void)\n{\n"
          "    return (float)((double)(next() >> 40) * (2.0 / 16777216.0) - 1.0);\n}\n\n"
          "static void *xalloc(size_t bytes)\n{\n    void *p = calloc(bytes + 8, 1);\n"
          "    if (!p) {\n        fprintf(stderr, \"harness: out of memory\\n\");\n"
          "        exit(1);\n    }\n    return p;\n}\n\n"
          "static int by_value(const void *a, const void *b)\n{\n"
          "    double x = *(const double *)a, y = *(const double *)b;\n"
          "    return (x > y) - (x < y);\n}\n\n", f);
}

/* main(): warm-up for at least 0.1 s and 2 calls; then argv[1] timed calls
 * (0: as many as take about 1 s, at least 10); prints key value lines. */
static void write_main(FILE *f)
{
    fprintf(f, "int main(int argc, char **argv)\n{\n"
               "    long iters = argc > 1 ? atol(argv[1]) : 0, warm = 0;\n"
               "    double t0, per, *t, loss = 0.0;\n"
               "    setup();\n"
               "    t0 = now_us();\n"
               "    do {\n        loss = step();\n        warm++;\n"
               "    } while (warm < 2 || now_us() - t0 < 1e5);\n"
               "    per = (now_us() - t0) / (double)warm;\n"
               "    if (iters <= 0) {\n"
               "        iters = per > 0 ? (long)(1e6 / per) : %ld;\n"
               "        if (iters < 10)\n            iters = 10;\n"
               "        if (iters > %ld)\n            iters = %ld;\n    }\n"
               "    t = xalloc(sizeof *t * (size_t)iters);\n"
               "    for (long i = 0; i < iters; i++) {\n"
               "        double a = now_us();\n        loss = step();\n"
               "        t[i] = now_us() - a;\n    }\n"
               "    qsort(t, (size_t)iters, sizeof *t, by_value);\n"
               "    printf(\"iterations %%ld\\nwarmup %%ld\\n\", iters, warm);\n"
               "    printf(\"median_us %%.17g\\n\", iters %% 2 ? t[iters / 2] "
               ": 0.5 * (t[iters / 2 - 1] + t[iters / 2]));\n"
               "    printf(\"min_us %%.17g\\nloss %%.9g\\n\", t[0], loss);\n"
               "    printf(\"winograd %%d\\n\", RT_CONV_WINOGRAD);\n"
               "    printf(\"rt_simd %%d\\nmodel_simd %%d\\n\", RT_LIBRARY_SIMD, MODEL_SIMD);\n"
               "    free(t);\n    return 0;\n}\n",
            BENCH_AUTO_MAX, BENCH_AUTO_MAX, BENCH_AUTO_MAX);
}

/* Times model_run on random inputs (int64 inputs are zeros: valid indices). */
static int write_infer_harness(const char *path, const cc_graph *g)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    write_prologue(f);
    for (int i = 0; i < g->ninputs; i++)
        fprintf(f, "static %s *in%d;\n", ctype_of(g->inputs[i]->dtype), i);
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "static %s *out%d;\n", ctype_of(g->outputs[i]->dtype), i);
    fputs("\nstatic void setup(void)\n{\n", f);
    for (int i = 0; i < g->ninputs; i++) {
        const cc_tensor *t = g->inputs[i];
        fprintf(f, "    in%d = xalloc(%lld);\n", i, (long long)cc_nbytes(t));
        if (t->dtype == CC_DT_FLOAT)
            fprintf(f, "    for (long k = 0; k < %lld; k++)\n        in%d[k] = frand();\n",
                    (long long)cc_numel(t), i);
    }
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "    out%d = xalloc(%lld);\n", i, (long long)cc_nbytes(g->outputs[i]));
    fputs("}\n\nstatic double step(void)\n{\n    model_run(", f);
    for (int i = 0; i < g->ninputs + g->noutputs; i++)
        fprintf(f, "%s%s%d", i ? ", " : "", i < g->ninputs ? "in" : "out",
                i < g->ninputs ? i : i - g->ninputs);
    fputs(");\n    return 0.0;\n}\n\n", f);
    write_main(f);
    return fclose(f) ? -1 : 0;
}

/*
 * --layers: times every step of model_run on its own. model_layers.c is the
 * model emitted with model_layer_begin(s) / model_layer_end(s) around each
 * step's calls; each run records every step's time; after a warm-up, as many
 * runs as take about 0.5 s (10 to 2000) give a median per step, printed as
 * "layer S US" lines with "layer_rounds N" first.
 */
static int write_layers_harness(const char *path, const cc_program *p)
{
    const cc_graph *g = p->g;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    write_prologue(f);
    fprintf(f, "#define NSTEPS %d\n#define MAXR 2000\n"
               "static double t_begin, cur[NSTEPS], *samp;\n\n"
               "void model_layer_begin(int s);\nvoid model_layer_end(int s);\n\n"
               "void model_layer_begin(int s)\n{\n    (void)s;\n    t_begin = now_us();\n}\n\n"
               "void model_layer_end(int s)\n{\n    cur[s] = now_us() - t_begin;\n}\n\n",
            p->nsteps > 0 ? p->nsteps : 1);
    for (int i = 0; i < g->ninputs; i++)
        fprintf(f, "static %s *in%d;\n", ctype_of(g->inputs[i]->dtype), i);
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "static %s *out%d;\n", ctype_of(g->outputs[i]->dtype), i);
    fputs("\nstatic void run(void)\n{\n    model_run(", f);
    for (int i = 0; i < g->ninputs + g->noutputs; i++)
        fprintf(f, "%s%s%d", i ? ", " : "", i < g->ninputs ? "in" : "out",
                i < g->ninputs ? i : i - g->ninputs);
    fputs(");\n}\n\nint main(void)\n{\n"
          "    static double col[MAXR];\n    double t0, per;\n    long warm = 0, r, k;\n", f);
    for (int i = 0; i < g->ninputs; i++) {
        const cc_tensor *t = g->inputs[i];
        fprintf(f, "    in%d = xalloc(%lld);\n", i, (long long)cc_nbytes(t));
        if (t->dtype == CC_DT_FLOAT)
            fprintf(f, "    for (k = 0; k < %lld; k++)\n        in%d[k] = frand();\n",
                    (long long)cc_numel(t), i);
    }
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "    out%d = xalloc(%lld);\n", i, (long long)cc_nbytes(g->outputs[i]));
    fputs("    t0 = now_us();\n"
          "    do {\n        run();\n        warm++;\n    } while (warm < 2 || now_us() - t0 < 1e5);\n"
          "    per = (now_us() - t0) / (double)warm;\n"
          "    r = per > 0 ? (long)(5e5 / per) : MAXR;\n"
          "    if (r < 10)\n        r = 10;\n    if (r > MAXR)\n        r = MAXR;\n"
          "    samp = xalloc(sizeof *samp * (size_t)r * NSTEPS);\n"
          "    for (k = 0; k < r; k++) {\n"
          "        int s;\n"
          "        for (s = 0; s < NSTEPS; s++)\n            cur[s] = -1.0;\n"
          "        run();\n"
          "        for (s = 0; s < NSTEPS; s++)\n            samp[s * r + k] = cur[s];\n"
          "    }\n"
          "    printf(\"layer_rounds %ld\\n\", r);\n"
          "    for (int s = 0; s < NSTEPS; s++) {\n"
          "        for (k = 0; k < r; k++)\n            col[k] = samp[s * r + k];\n"
          "        qsort(col, (size_t)r, sizeof *col, by_value);\n"
          "        printf(\"layer %d %.17g\\n\", s,\n"
          "               r % 2 ? col[r / 2] : 0.5 * (col[r / 2 - 1] + col[r / 2]));\n"
          "    }\n"
          "    free(samp);\n    return 0;\n}\n", f);
    return fclose(f) ? -1 : 0;
}

/* Reads the layers harness's output into r->layer_us (nsteps entries). */
static int read_layers(const char *path, int nsteps, bench_result *r)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int s, got = 0;
    double v;
    long rounds;
    r->layer_us = malloc(sizeof *r->layer_us * (size_t)(nsteps > 0 ? nsteps : 1));
    /* NOLINTNEXTLINE(cert-err34-c): our own harness's output */
    if (!r->layer_us || fscanf(f, "layer_rounds %ld", &rounds) != 1) {
        fclose(f);
        return -1;
    }
    r->nlayer_rounds = (int)rounds;
    for (s = 0; s < nsteps; s++)
        r->layer_us[s] = -1.0;
    /* NOLINTNEXTLINE(cert-err34-c): as above */
    while (fscanf(f, " layer %d %lf", &s, &v) == 2)
        if (s >= 0 && s < nsteps) {
            r->layer_us[s] = v;
            got++;
        }
    fclose(f);
    return got == nsteps ? 0 : -1;
}

/* A short description of a step's kernel: "conv 3x3 s1", "conv 1x1
 * (pointwise)", "depthwise 3x3 s2", or the op name. */
static void layer_kind(const cc_node *n, char *buf, size_t len)
{
    const char *op = n->op->name;
    if (!strcmp(op, "Conv") && n->in[1] && n->in[1]->rank >= 3) {
        const cc_tensor *w = n->in[1];
        const int64_t *st = NULL;
        int nst = cc_attr_ints(n, "strides", &st);
        int64_t group = cc_attr_int(n, "group", 1), s = nst > 0 ? st[0] : 1;
        char k[48] = "";
        size_t used = 0;
        for (int d = 2; d < w->rank && used + 12 < sizeof k; d++)
            used += (size_t)snprintf(k + used, sizeof k - used, "%s%lld", d > 2 ? "x" : "",
                                     (long long)w->shape[d]);
        int pointwise = cc_numel(w) / (w->shape[0] * w->shape[1]) == 1;
        if (group > 1 && group == w->shape[0] && w->shape[1] == 1)
            snprintf(buf, len, "depthwise %s s%lld", k, (long long)s);
        else if (pointwise && s == 1 && group == 1)
            snprintf(buf, len, "conv %s (pointwise)", k);
        else
            snprintf(buf, len, "conv %s s%lld%s", k, (long long)s, group > 1 ? " grouped" : "");
    } else {
        snprintf(buf, len, "%s", op);
    }
}

/* Times model_train_step on one random batch of MODEL_TRAIN_BATCH samples. */
static int write_train_harness(const char *path, const cc_train *t)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ce = t->o.loss == CC_LOSS_CE, bce = t->o.loss == CC_LOSS_BCE;
    int64_t b = t->input->shape[0];
    int64_t classes = cc_numel(t->pred) / t->pred->shape[0];
    int64_t ny = ce ? b : cc_numel(t->output);
    write_prologue(f);
    fprintf(f, "static void *arena;\nstatic float *x;\nstatic %s *y;\n\n", ce ? "int64_t" : "float");
    fprintf(f, "static void setup(void)\n{\n"
               "    arena = xalloc(MODEL_TRAIN_ARENA_BYTES);\n"
               "    x = xalloc(sizeof *x * %lld);\n    y = xalloc(sizeof *y * %lld);\n"
               "    for (long k = 0; k < %lld; k++)\n        x[k] = frand();\n"
               "    for (long k = 0; k < %lld; k++)\n",
            (long long)cc_numel(t->input), (long long)ny, (long long)cc_numel(t->input),
            (long long)ny);
    if (ce)
        fprintf(f, "        y[k] = (int64_t)(next() %% UINT64_C(%lld));\n", (long long)classes);
    else if (bce)
        fputs("        y[k] = (float)(next() >> 63);\n", f);
    else
        fputs("        y[k] = frand();\n", f);
    fprintf(f, "    model_train_init(arena);\n}\n\n"
               "static double step(void)\n{\n"
               "    return model_train_step(arena, x, y, %lld, NULL);\n}\n\n", (long long)b);
    write_main(f);
    return fclose(f) ? -1 : 0;
}

/* ------------------------------------------------------------ results */

/* RT_SIMD_LEVEL_* as the report prints it. */
static const char *simd_name(int level)
{
    switch (level) {
    case RT_SIMD_LEVEL_AVX512: return "AVX-512";
    case RT_SIMD_LEVEL_AVX2: return "AVX2";
    case RT_SIMD_LEVEL_NEON: return "NEON";
    case RT_SIMD_LEVEL_NONE: return "portable C";
    default: return "unknown";
    }
}

/* Reads the harness's "key value" lines. */
static int read_result(const char *path, bench_result *r)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char key[64];
    double v;
    int got = 0;
    static const char *const keys[] = {"iterations", "warmup",  "median_us", "min_us",
                                       "loss",       "winograd", "rt_simd",   "model_simd"};
    double vals[8] = {0};
    /* NOLINTNEXTLINE(cert-err34-c): our own harness's output; a bad number just ends the read */
    while (fscanf(f, "%63s %lf", key, &v) == 2)
        for (int k = 0; k < 8; k++)
            if (!strcmp(key, keys[k])) {
                vals[k] = v;
                got |= 1 << k;
            }
    r->iterations = (long)vals[0];
    r->warmup = (long)vals[1];
    r->median_us = vals[2];
    r->min_us = vals[3];
    r->loss = vals[4];
    r->winograd = vals[5] != 0;
    r->rt_simd = (int)vals[6];
    r->model_simd = (int)vals[7];
    fclose(f);
    return got == 255 ? 0 : -1;
}

static uint64_t rd(const unsigned char *p, int n, int big)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    return v;
}

/* Sizes of an ELF object as `size` (Berkeley format) counts them: text is
 * every allocated read-only section (code, constants), data every allocated
 * writable one with contents; *code the executable sections alone. */
static int elf_sizes(const char *path, int64_t *text_data, int64_t *code)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 64 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    int rc = -1;
    if (memcmp(buf, "\177ELF", 4) == 0 && (buf[4] == 1 || buf[4] == 2) &&
        (buf[5] == 1 || buf[5] == 2)) {
        int is64 = buf[4] == 2, big = buf[5] == 2, w = is64 ? 8 : 4;
        uint64_t shoff = rd(buf + (is64 ? 0x28 : 0x20), w, big);
        uint64_t shentsize = rd(buf + (is64 ? 0x3A : 0x2E), 2, big);
        uint64_t shnum = rd(buf + (is64 ? 0x3C : 0x30), 2, big);
        /* offsets within one section header */
        int o_type = 4, o_flags = 8, o_size = is64 ? 0x20 : 0x14;
        if (shnum == 0 && shoff && shoff + shentsize <= (uint64_t)n)
            shnum = rd(buf + shoff + o_size, w, big);   /* extended numbering */
        if (shoff && shentsize >= (uint64_t)(o_size + w) && shnum < (1u << 24) &&
            shoff + shnum * shentsize <= (uint64_t)n) {
            int64_t td = 0, x = 0;
            for (uint64_t i = 0; i < shnum; i++) {
                const unsigned char *s = buf + shoff + i * shentsize;
                uint64_t type = rd(s + o_type, 4, big), flags = rd(s + o_flags, w, big);
                int64_t size = (int64_t)rd(s + o_size, w, big);
                if (!(flags & 2) || type == 8)      /* not SHF_ALLOC, or SHT_NOBITS */
                    continue;
                td += size;
                if (flags & 4)                      /* SHF_EXECINSTR */
                    x += size;
            }
            *text_data = td;
            *code = x;
            rc = 0;
        }
    }
    free(buf);
    return rc;
}

/* A JSON string: quotes, escapes, control bytes as \u00XX. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.3f", v);
    else
        fputs("null", f);
}

/* A count with thousands separators, into buf. */
static const char *grouped(int64_t v, char *buf, size_t n)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%lld", (long long)(v < 0 ? -v : v));
    size_t len = strlen(raw), k = 0;
    if (v < 0 && k + 1 < n)
        buf[k++] = '-';
    for (size_t i = 0; i < len && k + 2 < n; i++) {
        buf[k++] = raw[i];
        if ((len - 1 - i) % 3 == 0 && i + 1 < len)
            buf[k++] = ',';
    }
    buf[k] = 0;
    return buf;
}

/* Per-layer figures of one step; 0 when the step has no node or calls. */
static int layer_figures(const cc_program *p, const bench_result *r, int s, int64_t *macs,
                         double *gflops)
{
    const cc_step *st = &p->steps[s];
    if (!st->node || st->n == 0 || r->layer_us[s] < 0)
        return 0;
    *macs = cc_node_macs(st->node);
    *gflops = r->layer_us[s] > 0 ? 2.0 * (double)*macs / (r->layer_us[s] * 1e3) : NAN;
    return 1;
}

static void report_layers_json(const bench_args *a, const cc_program *p, const bench_result *r)
{
    int first = 1;
    printf(", \"layer_rounds\": %d, \"layers\": [", r->nlayer_rounds);
    for (int s = 0; s < p->nsteps; s++) {
        int64_t macs;
        double gf;
        char kind[96], shape[128];
        if (!layer_figures(p, r, s, &macs, &gf))
            continue;
        const cc_node *n = p->steps[s].node;
        layer_kind(n, kind, sizeof kind);
        printf("%s{\"step\": %d, \"op\": ", first ? "" : ", ", s);
        first = 0;
        json_str(stdout, n->op->name);
        printf(", \"fused\": ");
        json_str(stdout, n->fused ? n->fused : "");
        printf(", \"name\": ");
        json_str(stdout, n->label);
        printf(", \"kind\": ");
        json_str(stdout, kind);
        printf(", \"output\": ");
        json_str(stdout, n->out[0] ? cc_shape_str(n->out[0], shape, sizeof shape) : "");
        printf(", \"macs\": %lld, \"median_us\": ", (long long)macs);
        json_num(stdout, r->layer_us[s]);
        printf(", \"gflops\": ");
        json_num(stdout, macs ? gf : NAN);
        printf(", \"pct_peak\": ");
        json_num(stdout, macs && a->peak > 0 ? 100.0 * gf / a->peak : NAN);
        printf("}");
    }
    printf("]");
}

static void report_layers_text(const bench_args *a, const cc_program *p, const bench_result *r)
{
    double sum = 0.0;
    printf("\nper layer (median of %d runs of the instrumented build; %s):\n",
           r->nlayer_rounds, a->peak > 0 ? "% of the given peak" : "no --peak given");
    printf("%-4s %-26s %-24s %-18s %10s %10s %8s %7s\n", "step", "op", "kind", "output",
           "MACs", "us", "GFLOP/s", "% peak");
    for (int s = 0; s < p->nsteps; s++) {
        int64_t macs;
        double gf;
        char kind[96], shape[128], op[96];
        if (!layer_figures(p, r, s, &macs, &gf))
            continue;
        const cc_node *n = p->steps[s].node;
        layer_kind(n, kind, sizeof kind);
        snprintf(op, sizeof op, "%s%s%s", n->op->name, n->fused ? "+" : "",
                 n->fused ? n->fused : "");
        sum += r->layer_us[s];
        printf("%-4d %-26.26s %-24.24s %-18.18s %10lld %10.2f", s, op, kind,
               n->out[0] ? cc_shape_str(n->out[0], shape, sizeof shape) : "-", (long long)macs,
               r->layer_us[s]);
        if (macs)
            printf(" %8.1f", gf);
        else
            printf(" %8s", "-");
        if (macs && a->peak > 0)
            printf(" %6.1f%%\n", 100.0 * gf / a->peak);
        else
            printf(" %7s\n", "-");
    }
    printf("sum of the layers' medians: %.2f us\n", sum);
}

static void report(const bench_args *a, const cc_program *prog, int64_t batch,
                   const bench_result *r)
{
    double gflops = r->median_us > 0 ? 2.0 * (double)r->macs / (r->median_us * 1e3) : NAN;
    const char *cc = getenv("CC");
    if (a->json) {
        printf("{\"model\": ");
        json_str(stdout, a->model);
        printf(", \"mode\": \"%s\", \"batch\": %lld, \"cflags\": ",
               a->train.enabled ? "train" : "inference", (long long)batch);
        json_str(stdout, a->cflags);
        printf(", \"runtime\": ");
        json_str(stdout, r->runtime);
        printf(", \"runtime_simd\": ");
        json_str(stdout, simd_name(r->rt_simd));
        printf(", \"model_simd\": ");
        json_str(stdout, simd_name(r->model_simd));
        printf(", \"iterations\": %ld, \"warmup\": %ld, \"median_us\": ", r->iterations,
               r->warmup);
        json_num(stdout, r->median_us);
        printf(", \"min_us\": ");
        json_num(stdout, r->min_us);
        printf(", \"macs\": %lld, \"macs_estimated\": %s, \"gflops\": ", (long long)r->macs,
               a->train.enabled ? "true" : "false");
        json_num(stdout, gflops);
        printf(", \"param_bytes\": %lld, \"arena_bytes\": %lld, \"code_bytes\": ",
               (long long)r->param_bytes, (long long)r->arena_bytes);
        if (r->code_bytes >= 0)
            printf("%lld, \"text_bytes\": %lld", (long long)r->code_bytes,
                   (long long)r->text_bytes);
        else
            printf("null, \"text_bytes\": null");
        if (a->train.enabled) {
            printf(", \"loss\": ");
            json_num(stdout, r->loss);
        }
        if (r->layer_us)
            report_layers_json(a, prog, r);
        printf("}\n");
        return;
    }
    char b1[32], b2[32];
    printf("model:       %s (%s, batch %lld)\n", a->model,
           a->train.enabled ? "training step" : "inference", (long long)batch);
    printf("build:       %s %s (target %s), runtime %s (%s)\n", cc && *cc ? cc : "cc", a->cflags,
           simd_name(r->model_simd), r->runtime, simd_name(r->rt_simd));
    printf("iterations:  %ld timed, after %ld warm-up\n", r->iterations, r->warmup);
    printf("latency:     median %.3f us, min %.3f us\n", r->median_us, r->min_us);
    if (a->train.enabled)
        printf("MACs:        %s (estimate: 3 x the forward pass's %s)\n",
               grouped(r->macs, b1, sizeof b1), grouped(r->macs / 3, b2, sizeof b2));
    else
        printf("MACs:        %s\n", grouped(r->macs, b1, sizeof b1));
    printf("throughput:  %.3f GFLOP/s (2 x MACs / median)\n", gflops);
    printf("parameters:  %s bytes\n", grouped(r->param_bytes, b1, sizeof b1));
    printf("arena:       %s bytes%s\n", grouped(r->arena_bytes, b1, sizeof b1),
           a->train.enabled ? " (training arena)" : "");
    if (r->code_bytes >= 0)
        printf("code:        %s bytes (text + data of model.o), machine code %s bytes\n",
               grouped(r->code_bytes, b1, sizeof b1), grouped(r->text_bytes, b2, sizeof b2));
    else
        printf("code:        unknown (model.o is not an ELF object)\n");
    if (a->train.enabled)
        printf("last loss:   %.6g\n", r->loss);
    if (r->layer_us)
        report_layers_text(a, prog, r);
}

/* ------------------------------------------------------------ command */

/* Parses the command line; 0, -1 after --help, or an exit code. */
static int parse(int argc, char **argv, bench_args *a)
{
    int took, rc;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            fputs(bench_usage, stdout);
            fputs(cli_train_usage, stdout);
            return -1;
        } else if (!strcmp(o, "--json")) {
            a->json = 1;
        } else if (!strcmp(o, "--keep")) {
            a->keep = 1;
        } else if (!strcmp(o, "--layers")) {
            a->layers = 1;
        } else if ((took = cli_train_opt(argc, argv, &i, &a->train)) != 0) {
            if (took < 0)
                return -took;
        } else if (!strcmp(o, "--iterations") || !strcmp(o, "--cflags") ||
                   !strcmp(o, "--dim") || !strcmp(o, "--peak")) {
            if (i + 1 >= argc)
                return cli_error("%s needs a value", o);
            const char *v = argv[++i];
            if (!strcmp(o, "--cflags")) {
                a->cflags = v;
            } else if (!strcmp(o, "--dim")) {
                if ((rc = cli_parse_dim(v, &a->dims)) != 0)
                    return rc;
            } else if (!strcmp(o, "--peak")) {
                char *end;
                errno = 0;
                double x = strtod(v, &end);
                if (errno || *end || end == v || !(x > 0) || !isfinite(x))
                    return cli_error("--peak: '%s' is not a positive number of GFLOP/s", v);
                a->peak = x;
            } else {
                char *end;
                errno = 0;
                long long x = strtoll(v, &end, 10);
                if (errno || *end || end == v || x < 1 || x > BENCH_MAX_ITERATIONS)
                    return cli_error("--iterations: '%s' is not a whole number from 1 to %ld", v,
                                     BENCH_MAX_ITERATIONS);
                a->iterations = (long)x;
            }
        } else if (o[0] == '-' && o[1]) {
            return cli_error("bench: unknown option '%s' (see onnxcc bench --help)", o);
        } else if (!a->model) {
            a->model = o;
        } else {
            return cli_error("bench: unexpected argument '%s'", o);
        }
    }
    if (!a->model)
        return cli_error("bench: MODEL.onnx is required (see onnxcc bench --help)");
    if (a->layers && a->train.enabled)
        return cli_error("bench: --layers times inference only; it cannot be combined with --train");
    if (a->peak > 0 && !a->layers)
        return cli_error("bench: --peak needs --layers");
    return 0;
}

/* --layers: the instrumented build (model_layers.c) and its harness. */
static int build_and_time_layers(const bench_args *a, const cc_program *prog, const char *dir,
                                 const char *inc, const char *lib, bench_result *r)
{
    char path[PATH_MAX + 64];
    cc_diag d;
    int rc;
    snprintf(path, sizeof path, "%s/model_layers.c", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_error("bench: cannot write %s", path);
    cc_emit_opts eo = {"model", "model.h", prog->g->path, 1};
    cc_status st = cc_emit(prog, NULL, &eo, f, NULL, &d);
    if (fclose(f) != 0 && !st)
        return cli_error("bench: cannot write %s", path);
    if (st)
        return cli_fail(&d, st);
    snprintf(path, sizeof path, "%s/harness_layers.c", dir);
    if (write_layers_harness(path, prog) != 0)
        return cli_error("bench: cannot write %s", path);
    if ((rc = cli_cc_flags(dir, a->cflags, "harness_layers.c model_layers.c", "harness_layers",
                           inc, lib)) != 0)
        return rc;
    rc = cli_run(dir, "./harness_layers > layers.txt");
    if (rc) {
        fprintf(stderr, "onnxcc: error: the per-layer benchmark failed (status %d)\n", rc);
        return 3;
    }
    snprintf(path, sizeof path, "%s/layers.txt", dir);
    if (read_layers(path, prog->nsteps, r) != 0) {
        fprintf(stderr, "onnxcc: error: the per-layer benchmark printed no timings\n");
        return 3;
    }
    return 0;
}

/* Writes, builds and runs the harness in dir; fills r's timings and code
 * sizes; returns 0 or an exit code. */
static int build_and_time(const bench_args *a, const cc_program *prog, const cc_train *t,
                          const char *dir, bench_result *r)
{
    char inc[PATH_MAX], lib[PATH_MAX], path[PATH_MAX + 64], cmd[64];
    cc_diag d;
    int rc;
    if (cli_find_runtime(inc, lib, sizeof inc) != 0)
        return cli_error("bench: cannot find the runtime library (libonnxcc_rt.a) next to the "
                         "onnxcc executable; set ONNXCC_RUNTIME_DIR");
    snprintf(r->runtime, sizeof r->runtime, "%s", lib);
    snprintf(path, sizeof path, "%s/model.c", dir);
    cc_status st = cc_write_outputs(prog, t, path, "model", &d);
    if (st)
        return cli_fail(&d, st);
    snprintf(path, sizeof path, "%s/harness.c", dir);
    if ((t ? write_train_harness(path, t) : write_infer_harness(path, prog->g)) != 0)
        return cli_error("bench: cannot write %s", path);
    /* model.o on its own, so its size is the generated code's alone */
    if ((rc = cli_cc_flags(dir, a->cflags, "model.c", "model.o", inc, NULL)) != 0)
        return rc;
    if ((rc = cli_cc_flags(dir, a->cflags, "harness.c model.o", "harness", inc, lib)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/model.o", dir);
    if (elf_sizes(path, &r->code_bytes, &r->text_bytes) != 0)
        r->code_bytes = r->text_bytes = -1;
    snprintf(cmd, sizeof cmd, "./harness %ld > result.txt", a->iterations);
    rc = cli_run(dir, cmd);
    if (rc) {
        fprintf(stderr, "onnxcc: error: the built benchmark failed (status %d)\n", rc);
        return 3;
    }
    snprintf(path, sizeof path, "%s/result.txt", dir);
    if (read_result(path, r) != 0) {
        fprintf(stderr, "onnxcc: error: the built benchmark printed no timings\n");
        return 3;
    }
    if (r->rt_simd >= 0 && r->rt_simd != r->model_simd)
        fprintf(stderr,
                "onnxcc: warning: bench: the runtime library %s has %s kernels but the flags "
                "(%s) select %s: the figures are those of %s kernels; build a runtime for the "
                "flags' target and set ONNXCC_RUNTIME_DIR (README, Command line, bench)\n",
                r->runtime, simd_name(r->rt_simd), a->cflags, simd_name(r->model_simd),
                simd_name(r->rt_simd));
    /* wino: the weights the build holds (Winograd U where RT_CONV_WINOGRAD) */
    if (r->winograd && prog->weight_bytes_if)
        r->param_bytes = prog->weight_bytes_if;
    if (a->layers && !t)
        return build_and_time_layers(a, prog, dir, inc, lib, r);
    return 0;
}

int cli_bench(int argc, char **argv)
{
    bench_args a;
    memset(&a, 0, sizeof a);
    a.cflags = BENCH_DEFAULT_CFLAGS;
    cli_train_defaults(&a.train);
    int rc = parse(argc, argv, &a);
    if (rc) {
        cli_dims_free(&a.dims);
        return rc < 0 ? 0 : rc;
    }
    int64_t batch = a.train.batch ? a.train.batch : 1;
    a.train.batch = batch;
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx) {
        cli_dims_free(&a.dims);
        return cli_error("out of memory");
    }
    cc_compile_opts o = {{a.dims.n, a.dims.names, a.dims.values, 0, NULL, batch, 0, NULL, NULL},
                         a.train, 0, 0};
    cc_program prog;
    cc_train t;
    cc_diag d;
    cc_status st = cc_compile_model(ctx, a.model, &o, &prog, &t, &d);
    if (st) {
        rc = cli_fail(&d, st);
        goto out;
    }
    bench_result r;
    memset(&r, 0, sizeof r);
    for (int s = 0; s < prog.nsteps; s++)
        if (prog.steps[s].node)
            r.macs += cc_node_macs(prog.steps[s].node);
    r.param_bytes = prog.weight_bytes;
    r.arena_bytes = prog.arena_bytes;
    if (a.train.enabled) {
        r.macs *= 3;    /* forward, input gradient, weight gradient */
        r.arena_bytes = t.prog.arena_bytes;
        batch = t.input->shape[0];
    } else if (prog.g->ninputs > 0 && prog.g->inputs[0]->rank > 0) {
        batch = prog.g->inputs[0]->shape[0];
    }
    char dir[PATH_MAX - 64];
    if ((rc = cli_make_dir(dir, sizeof dir)) != 0)
        goto out;
    fflush(stdout);
    rc = build_and_time(&a, &prog, a.train.enabled ? &t : NULL, dir, &r);
    if (a.keep)
        fprintf(stderr, "build directory kept: %s\n", dir);
    else
        cli_remove_dir(dir);
    if (!rc)
        report(&a, &prog, batch, &r);
    free(r.layer_us);
out:
    cc_ctx_free(ctx);
    cli_dims_free(&a.dims);
    return rc;
}
