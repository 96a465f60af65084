/*
 * finetune.c - `onnxcc finetune`: train a model with its own generated C on
 * the host and write the tuned ONNX model; `onnxcc export`: turn a parameter
 * blob saved on a device back into an ONNX model.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cc.h"
#include "cli.h"

static const char finetune_usage[] =
    "usage: onnxcc finetune MODEL.onnx --inputs X.pb --targets Y.pb -o TUNED.onnx\n"
    "           [--loss L] [--optimizer O] [--lr F] [--epochs E] [--batch-size B]\n"
    "           [--shuffle SEED] [training options...]\n"
    "\n"
    "Compiles MODEL with --train, builds the generated C with $CC on this machine,\n"
    "trains it on the samples of X.pb (a TensorProto with all samples stacked on\n"
    "axis 0) against Y.pb (int64 labels for cross-entropy, floats of the output's\n"
    "shape otherwise), and writes TUNED.onnx: MODEL with its trained initializers\n"
    "replaced. Samples go in file order in batches of B (default min(32, N)), the\n"
    "last batch smaller; --shuffle SEED reshuffles every epoch. Prints one line per\n"
    "epoch (mean loss; accuracy for cross-entropy), a progress bar on a terminal.\n"
    "A loss that becomes NaN or infinite stops training: TUNED.onnx then holds the\n"
    "parameters of the last step whose loss was finite, and the exit code is 1.\n"
    "\n"
    "  --epochs E            passes over the data (default 1)\n"
    "  --shuffle SEED        shuffle the samples each epoch\n"
    "  --params-out FILE     also keep the final parameter blob\n"
    "\n";

static const char export_usage[] =
    "usage: onnxcc export MODEL.onnx PARAMS.bin -o TUNED.onnx [training options...]\n"
    "\n"
    "Turns a parameter blob saved by PREFIX_params_save (on a device, or by\n"
    "finetune --params-out) back into an ONNX model: MODEL with the trained\n"
    "initializers replaced. Give the --trainable, --optimizer and --loss the model\n"
    "was compiled with; a blob from another model or configuration is refused.\n"
    "\n";

/* Reads a whole small file with malloc (blobs, outputs of the driver). */
static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    void *b = malloc((size_t)n + 1);
    if (b && n && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Reads a blob into fresh buffers and writes TUNED.onnx; 0 or an exit code. */
static int blob_to_onnx(cc_ctx *ctx, const cc_train *t, const char *model, const uint8_t *blob,
                        size_t len, const char *out, const char *blob_name)
{
    int n = t->nparams;
    rt_blob_part *parts = cc_alloc_array(ctx, (size_t)(2 * n), sizeof *parts);
    const char **names = cc_alloc_array(ctx, (size_t)n, sizeof *names);
    const float **data = cc_alloc_array(ctx, (size_t)n, sizeof *data);
    int64_t *counts = cc_alloc_array(ctx, (size_t)n, sizeof *counts);
    if (!parts || !names || !data || !counts)
        return cli_error("out of memory");
    int64_t per = t->o.opt.kind == RT_OPT_SGD ? 1 : 2;
    for (int i = 0; i < n; i++) {
        int64_t cnt = cc_numel(t->params[i].w);
        parts[i].n = cnt;
        parts[i].data = cc_alloc_array(ctx, (size_t)cnt + 1, sizeof(float));
        parts[n + i].n = per * cnt;
        parts[n + i].data = cc_alloc_array(ctx, (size_t)(per * cnt) + 1, sizeof(float));
        if (!parts[i].data || !parts[n + i].data)
            return cli_error("out of memory");
        names[i] = t->params[i].w->name;
        data[i] = parts[i].data;
        counts[i] = cnt;
    }
    uint64_t step;
    int rc = rt_blob_read(blob, len, parts, 2 * n, t->fingerprint, &step);
    if (rc) {
        static const char *const why[] = {"", "truncated or of the wrong size",
                                          "not a parameter blob", "of an unknown version",
                                          "from another model or training configuration",
                                          "corrupt (checksum mismatch)"};
        return cli_error("%s: the parameter blob is %s", blob_name,
                         rc <= -1 && rc >= -5 ? why[-rc] : "unreadable");
    }
    cc_diag d;
    cc_status st = cc_save_model_params(ctx, model, out, n, names, data, counts, &d);
    if (st)
        return cli_fail(&d, st);
    return 0;
}

/* Parses the options both commands share; returns 0 or an exit code. */
typedef struct {
    const char *model, *second, *out, *inputs, *targets, *params_out;
    int64_t epochs, shuffle;
    cc_train_opts train;
} ft_args;

static int parse(int argc, char **argv, ft_args *a, const char *usage, int want_second)
{
    memset(a, 0, sizeof *a);
    cli_train_defaults(&a->train);
    a->train.enabled = 1;
    a->epochs = 1;
    a->shuffle = -1;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        int took;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            fputs(usage, stdout);
            fputs(cli_train_usage, stdout);
            return -1;
        }
        if ((took = cli_train_opt(argc, argv, &i, &a->train)) != 0) {
            if (took < 0)
                return -took;
            continue;
        }
        if (!strcmp(o, "-o") || !strcmp(o, "--inputs") || !strcmp(o, "--targets") ||
            !strcmp(o, "--epochs") || !strcmp(o, "--shuffle") || !strcmp(o, "--params-out")) {
            if (i + 1 >= argc)
                return cli_error("%s needs a value", o);
            const char *v = argv[++i];
            if (!strcmp(o, "-o"))
                a->out = v;
            else if (!strcmp(o, "--inputs"))
                a->inputs = v;
            else if (!strcmp(o, "--targets"))
                a->targets = v;
            else if (!strcmp(o, "--params-out"))
                a->params_out = v;
            else {
                char *end;
                errno = 0;
                long long x = strtoll(v, &end, 10);
                if (errno || *end || end == v || x < 0 || x > INT_MAX)
                    return cli_error("%s: '%s' is not a whole number from 0", o, v);
                if (!strcmp(o, "--epochs"))
                    a->epochs = x;
                else
                    a->shuffle = x;
            }
        } else if (o[0] == '-' && o[1]) {
            return cli_error("unknown option '%s' (see --help)", o);
        } else if (!a->model) {
            a->model = o;
        } else if (want_second && !a->second) {
            a->second = o;
        } else {
            return cli_error("unexpected argument '%s'", o);
        }
    }
    if (!a->model || !a->out || (want_second && !a->second))
        return cli_error("missing arguments (see --help)");
    return 0;
}

int cli_export(int argc, char **argv)
{
    ft_args a;
    int rc = parse(argc, argv, &a, export_usage, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!a.train.batch)
        a.train.batch = 1;
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx)
        return cli_error("out of memory");
    cc_compile_opts o = {{0, NULL, NULL, 0, NULL, a.train.batch, 0, NULL, NULL}, a.train, 0, 0};
    cc_program prog;
    cc_train t;
    cc_diag d;
    cc_status st = cc_compile_model(ctx, a.model, &o, &prog, &t, &d);
    if (st) {
        rc = cli_fail(&d, st);
    } else {
        size_t len;
        uint8_t *blob = slurp(a.second, &len);
        if (!blob)
            rc = cli_error("%s: cannot read: %s", a.second, strerror(errno));
        else
            rc = blob_to_onnx(ctx, &t, a.model, blob, len, a.out, a.second);
        free(blob);
    }
    cc_ctx_free(ctx);
    return rc;
}

/* ------------------------------------------------------------ finetune */

static int write_raw(const char *path, const void *data, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = bytes ? fwrite(data, 1, bytes, f) : 0;
    int bad = fclose(f);
    return (w != bytes || bad) ? -1 : 0;
}

/* The host program that trains: reads x.bin/y.bin, runs the epochs, writes
 * params.bin (the last parameters whose loss was finite). */
static int write_driver(const char *path, const cc_train *t, int64_t n, int64_t epochs,
                        int64_t shuffle)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int64_t b = t->input->shape[0];
    int64_t per_x = cc_numel(t->input) / b;
    int ce = t->o.loss == CC_LOSS_CE;
    int64_t per_y = ce ? 1 : cc_numel(t->output) / t->output->shape[0];
    const char *ty = ce ? "int64_t" : "float";
    fprintf(f, "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
               "#include <unistd.h>\n#include \"model.h\"\n\n"
               "#define N %lld\n#define B %lld\n#define EPOCHS %lld\n#define PX %lld\n#define PY %lld\n"
               "typedef %s target_t;\n\n", (long long)n, (long long)b, (long long)epochs,
            (long long)per_x, (long long)per_y, ty);
    fputs("static union { double d; int64_t i; } arena[(MODEL_TRAIN_ARENA_BYTES + 7) / 8 + 1];\n"
          "static uint8_t blob_a[MODEL_PARAMS_BLOB_BYTES], blob_b[MODEL_PARAMS_BLOB_BYTES];\n\n"
          "static void *load(const char *p, size_t bytes)\n{\n"
          "    void *m = malloc(bytes ? bytes : 1);\n    FILE *f = fopen(p, \"rb\");\n"
          "    if (!m || !f || (bytes && fread(m, 1, bytes, f) != bytes)) {\n"
          "        fprintf(stderr, \"driver: cannot read %s\\n\", p);\n        exit(3);\n    }\n"
          "    fclose(f);\n    return m;\n}\n\n"
          "static void save(const uint8_t *b, size_t n)\n{\n"
          "    FILE *f = fopen(\"params.bin\", \"wb\");\n"
          "    if (!f || fwrite(b, 1, n, f) != n || fclose(f)) {\n"
          "        fprintf(stderr, \"driver: cannot write params.bin\\n\");\n        exit(3);\n    }\n}\n\n"
          "static uint64_t rng = 0;\n"
          "static uint64_t next(void)\n{\n    rng ^= rng >> 12;\n    rng ^= rng << 25;\n"
          "    rng ^= rng >> 27;\n    return rng * UINT64_C(2685821657736338717);\n}\n\n"
          "int main(void)\n{\n"
          "    float *x = load(\"x.bin\", sizeof(float) * N * PX);\n"
          "    target_t *y = load(\"y.bin\", sizeof(target_t) * N * PY);\n"
          "    float *xb = malloc(sizeof(float) * B * PX);\n"
          "    target_t *yb = malloc(sizeof(target_t) * B * PY);\n"
          "    int64_t *order = malloc(sizeof(int64_t) * N);\n"
          "    uint8_t *prev = blob_a, *cur = blob_b;\n"
          "    int tty = isatty(2), first = 1;\n"
          "    int64_t nb = (N + B - 1) / B;\n"
          "    if (!xb || !yb || !order)\n        return 3;\n"
          "    model_train_init(arena);\n"
          "    for (int64_t i = 0; i < N; i++)\n        order[i] = i;\n", f);
    fprintf(f, "    rng = UINT64_C(%llu) * UINT64_C(0x9E3779B97F4A7C15) + 1;\n",
            (unsigned long long)(shuffle < 0 ? 0 : shuffle));
    fprintf(f, "    for (int e = 1; e <= EPOCHS; e++) {\n"
               "        double sum = 0.0;\n        int64_t correct = 0;\n"
               "        if (%d)\n            for (int64_t i = N - 1; i > 0; i--) {\n"
               "                int64_t j = (int64_t)(next() %% (uint64_t)(i + 1)), s = order[i];\n"
               "                order[i] = order[j];\n                order[j] = s;\n            }\n",
            shuffle >= 0);
    fputs("        for (int64_t k = 0; k < nb; k++) {\n"
          "            int64_t bs = N - k * B < B ? N - k * B : B;\n"
          "            float loss;\n"
          "            for (int64_t i = 0; i < bs; i++) {\n"
          "                memcpy(xb + i * PX, x + order[k * B + i] * PX, sizeof(float) * PX);\n"
          "                memcpy(yb + i * PY, y + order[k * B + i] * PY, sizeof(target_t) * PY);\n"
          "            }\n"
          "            { uint8_t *s = prev; prev = cur; cur = s; }\n"
          "            model_params_save(arena, cur, MODEL_PARAMS_BLOB_BYTES);\n"
          "            loss = model_train_step(arena, xb, yb, bs, &correct);\n"
          "            if (!isfinite(loss)) {\n"
          "                if (tty)\n                    fputc('\\n', stderr);\n"
          "                printf(\"epoch %d/%d: the loss became %s at batch %lld; stopping\\n\", e,\n"
          "                       (int)EPOCHS, isnan(loss) ? \"NaN\" : \"infinite\", (long long)k + 1);\n"
          "                save(first ? cur : prev, MODEL_PARAMS_BLOB_BYTES);\n"
          "                free(x);\n                free(y);\n                free(xb);\n"
          "                free(yb);\n                free(order);\n"
          "                return 4;\n            }\n"
          "            first = 0;\n"
          "            sum += (double)loss * (double)bs;\n"
          "            if (tty) {\n"
          "                int w = (int)(30 * (k + 1) / nb);\n"
          "                fprintf(stderr, \"\\repoch %d/%d [\", e, (int)EPOCHS);\n"
          "                for (int i = 0; i < 30; i++)\n"
          "                    fputc(i < w ? '#' : ' ', stderr);\n"
          "                fprintf(stderr, \"] %lld/%lld loss %.4f \", (long long)k + 1, (long long)nb, loss);\n"
          "            }\n        }\n"
          "        if (tty)\n            fputc('\\n', stderr);\n"
          "        printf(\"epoch %d/%d: loss %.8g\", e, (int)EPOCHS, sum / N);\n", f);
    if (ce)
        fputs("        printf(\", accuracy %.4f\", (double)correct / N);\n", f);
    fputs("        printf(\"\\n\");\n        fflush(stdout);\n    }\n"
          "    model_params_save(arena, cur, MODEL_PARAMS_BLOB_BYTES);\n"
          "    save(cur, MODEL_PARAMS_BLOB_BYTES);\n"
          "    free(x);\n    free(y);\n    free(xb);\n    free(yb);\n    free(order);\n"
          "    return 0;\n}\n", f);
    return fclose(f) ? -1 : 0;
}

/* Writes the generated code, the driver and the data into a fresh
 * directory, builds and runs it, and turns its blob into TUNED.onnx. */
static int cli_build_and_run(cc_ctx *ctx, const cc_program *prog, const cc_train *t,
                             const cc_tensor *x, const cc_tensor *y, int64_t n, const ft_args *a)
{
    char dir[PATH_MAX - 64], path[PATH_MAX], inc[PATH_MAX], lib[PATH_MAX];
    cc_diag d;
    int rc;
    if (cli_find_runtime(inc, lib, sizeof inc) != 0)
        return cli_error("finetune: cannot find the runtime library (libonnxcc_rt.a) next to "
                         "the onnxcc executable; set ONNXCC_RUNTIME_DIR");
    if ((rc = cli_make_dir(dir, sizeof dir)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/model.c", dir);
    cc_status st = cc_write_outputs(prog, t, path, "model", &d);
    if (st) {
        rc = cli_fail(&d, st);
        goto out;
    }
    snprintf(path, sizeof path, "%s/driver.c", dir);
    if (write_driver(path, t, n, a->epochs, a->shuffle) != 0) {
        rc = cli_error("finetune: cannot write %s", path);
        goto out;
    }
    snprintf(path, sizeof path, "%s/x.bin", dir);
    if (write_raw(path, x->data, (size_t)cc_nbytes(x)) != 0) {
        rc = cli_error("finetune: cannot write %s", path);
        goto out;
    }
    snprintf(path, sizeof path, "%s/y.bin", dir);
    if (write_raw(path, y->data, (size_t)cc_nbytes(y)) != 0) {
        rc = cli_error("finetune: cannot write %s", path);
        goto out;
    }
    if ((rc = cli_cc(dir, "driver.c model.c", "driver", inc, lib)) != 0)
        goto out;
    int run = cli_run(dir, "./driver");
    if (run != 0 && run != 4) {
        cli_error("finetune: the training program failed (status %d)", run);
        rc = 3; /* a tool failure, not cli_error's usage code 2 */
        goto out;
    }
    size_t len;
    snprintf(path, sizeof path, "%s/params.bin", dir);
    uint8_t *blob = slurp(path, &len);
    if (!blob) {
        cli_error("finetune: the training program wrote no parameters");
        rc = 3; /* a tool failure, not cli_error's usage code 2 */
        goto out;
    }
    if (a->params_out) {
        st = cc_write_file_atomic(a->params_out, blob, len, &d);
        if (st) {
            free(blob);
            rc = cli_fail(&d, st);
            goto out;
        }
    }
    rc = blob_to_onnx(ctx, t, a->model, blob, len, a->out, path);
    free(blob);
    if (!rc && run == 4) {
        fprintf(stderr, "onnxcc: error: training diverged; %s holds the parameters of the last "
                "step with a finite loss\n", a->out);
        rc = 1;
    }
out:
    cli_remove_dir(dir);
    return rc;
}

/* Checks the data files against the compiled model. */
static int check_data(const cc_train *t, const cc_tensor *x, const cc_tensor *y, const ft_args *a)
{
    char s1[128], s2[128];
    const cc_tensor *in = t->input, *out = t->output;
    if (x->dtype != CC_DT_FLOAT || x->rank != in->rank || x->rank < 1)
        return cli_error("%s: holds %s %s; the model's input is float32 %s with samples on axis 0",
                         a->inputs, cc_dtype_name(x->dtype), cc_shape_str(x, s1, sizeof s1),
                         cc_shape_str(in, s2, sizeof s2));
    for (int i = 1; i < in->rank; i++)
        if (x->shape[i] != in->shape[i])
            return cli_error("%s: samples of shape %s do not fit the model's input %s", a->inputs,
                             cc_shape_str(x, s1, sizeof s1), cc_shape_str(in, s2, sizeof s2));
    int64_t n = x->shape[0];
    if (y->rank < 1 || y->shape[0] != n)
        return cli_error("%s: holds %s; expected %lld targets on axis 0", a->targets,
                         cc_shape_str(y, s1, sizeof s1), (long long)n);
    if (t->o.loss == CC_LOSS_CE) {
        if (y->dtype != CC_DT_INT64 || cc_numel(y) != n)
            return cli_error("%s: cross-entropy needs int64 class labels [%lld], got %s %s",
                             a->targets, (long long)n, cc_dtype_name(y->dtype),
                             cc_shape_str(y, s1, sizeof s1));
        int64_t classes = cc_numel(t->pred) / t->pred->shape[0];
        for (int64_t i = 0; i < n; i++) {
            int64_t l = ((const int64_t *)y->data)[i];
            if (l < 0 || l >= classes)
                return cli_error("%s: label %lld of sample %lld is outside [0, %lld)", a->targets,
                                 (long long)l, (long long)i, (long long)classes);
        }
    } else {
        int64_t per = cc_numel(out) / out->shape[0];
        if (y->dtype != CC_DT_FLOAT || cc_numel(y) != n * per)
            return cli_error("%s: needs float32 targets of the output's shape (%lld values per "
                             "sample), got %s %s", a->targets, (long long)per,
                             cc_dtype_name(y->dtype), cc_shape_str(y, s1, sizeof s1));
    }
    return 0;
}

int cli_finetune(int argc, char **argv)
{
    ft_args a;
    int rc = parse(argc, argv, &a, finetune_usage, 0);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!a.inputs || !a.targets)
        return cli_error("finetune: --inputs X.pb and --targets Y.pb are required");
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx)
        return cli_error("out of memory");
    cc_tensor *x, *y;
    cc_diag d;
    cc_status st = cc_load_tensor_file(ctx, a.inputs, &x, &d);
    if (!st)
        st = cc_load_tensor_file(ctx, a.targets, &y, &d);
    if (!st && (!x->data || !y->data))
        st = cc_fail(&d, CC_ERR_UNSUPPORTED, "%s: element type not supported",
                     x->data ? a.targets : a.inputs);
    if (st) {
        rc = cli_fail(&d, st);
        cc_ctx_free(ctx);
        return rc;
    }
    int64_t n = x->rank ? x->shape[0] : 0;
    if (n < 1) {
        cc_ctx_free(ctx);
        return cli_error("%s: no samples", a.inputs);
    }
    if (!a.train.batch)
        a.train.batch = n < 32 ? n : 32;
    cc_compile_opts o = {{0, NULL, NULL, 0, NULL, a.train.batch, 0, NULL, NULL}, a.train, 0, 0};
    cc_program prog;
    cc_train t;
    st = cc_compile_model(ctx, a.model, &o, &prog, &t, &d);
    if (st) {
        rc = cli_fail(&d, st);
        cc_ctx_free(ctx);
        return rc;
    }
    if ((rc = check_data(&t, x, y, &a)) != 0) {
        cc_ctx_free(ctx);
        return rc;
    }
    rc = cli_build_and_run(ctx, &prog, &t, x, y, n, &a);
    cc_ctx_free(ctx);
    return rc;
}

/* ------------------------------------------------------------ compare */

static const char compare_usage[] =
    "usage: onnxcc compare A.onnx B.onnx [--rtol R] [--only LIST] [--unchanged ORIG.onnx]\n"
    "\n"
    "Compares the float initializers of two models with the same parameters, such\n"
    "as a model tuned by onnxcc finetune and the same model tuned by PyTorch. For\n"
    "each: 'identical' when bit-identical, else its relative difference\n"
    "max|a - b| / max|b|. Exits 1 when any exceeds R (default 1e-4; with --rtol 0\n"
    "every compared initializer must be bit-identical). --only takes comma-separated\n"
    "names with * wildcards. --unchanged ORIG: an initializer that B holds\n"
    "bit-identical to ORIG (a frozen one) must be bit-identical in A too.\n";

static int glob_match(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '*')
        return glob_match(p + 1, s) || (*s && glob_match(p, s + 1));
    return *s == *p && glob_match(p + 1, s + 1);
}

static int in_list(const char *list, const char *name)
{
    char tok[512];
    while (list && *list) {
        size_t len = strcspn(list, ",");
        if (len < sizeof tok) {
            memcpy(tok, list, len);
            tok[len] = 0;
            if (glob_match(tok, name))
                return 1;
        }
        list += len + (list[len] == ',');
    }
    return 0;
}

int cli_compare(int argc, char **argv)
{
    const char *a = NULL, *b = NULL, *only = NULL, *orig = NULL;
    double rtol = 1e-4;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(compare_usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--rtol") || !strcmp(argv[i], "--only") ||
                   !strcmp(argv[i], "--unchanged")) {
            if (i + 1 >= argc)
                return cli_error("%s needs a value", argv[i]);
            if (!strcmp(argv[i], "--only")) {
                only = argv[++i];
                continue;
            }
            if (!strcmp(argv[i], "--unchanged")) {
                orig = argv[++i];
                continue;
            }
            char *end;
            rtol = strtod(argv[++i], &end);
            if (*end || !(rtol >= 0))
                return cli_error("--rtol: '%s' is not a non-negative number", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error("compare: unknown option '%s'", argv[i]);
        } else if (!a) {
            a = argv[i];
        } else if (!b) {
            b = argv[i];
        } else {
            return cli_error("compare: unexpected argument '%s'", argv[i]);
        }
    }
    if (!a || !b)
        return cli_error("compare: two models are required (see onnxcc compare --help)");
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx)
        return cli_error("out of memory");
    cc_tensor **ta, **tb, **to = NULL;
    int na, nb, no = 0, rc = 0, compared = 0;
    cc_diag d;
    cc_status st = cc_load_initializers(ctx, a, &ta, &na, &d);
    if (!st)
        st = cc_load_initializers(ctx, b, &tb, &nb, &d);
    if (!st && orig)
        st = cc_load_initializers(ctx, orig, &to, &no, &d);
    if (st) {
        rc = cli_fail(&d, st);
        goto out;
    }
    for (int j = 0; j < nb; j++) {
        const cc_tensor *y = tb[j], *x = NULL;
        if (y->dtype != CC_DT_FLOAT || !y->data || (only && !in_list(only, y->name)))
            continue;
        for (int i = 0; i < na && !x; i++)
            if (!strcmp(ta[i]->name, y->name))
                x = ta[i];
        char nbuf[104];
        if (!x || x->dtype != CC_DT_FLOAT || cc_numel(x) != cc_numel(y)) {
            printf("%s: missing or of another shape in %s\n",
                   cc_printable(y->name, nbuf, sizeof nbuf), a);
            rc = 1;
            continue;
        }
        compared++;
        int64_t n = cc_numel(y);
        if (!memcmp(x->data, y->data, (size_t)n * 4)) {
            printf("%s: identical\n", cc_printable(y->name, nbuf, sizeof nbuf));
            continue;
        }
        int frozen = 0;
        for (int i = 0; i < no && !frozen; i++)
            frozen = !strcmp(to[i]->name, y->name) && to[i]->data &&
                     cc_numel(to[i]) == n && !memcmp(to[i]->data, y->data, (size_t)n * 4);
        if (frozen) {
            printf("%s: frozen in B but changed in A\n", cc_printable(y->name, nbuf, sizeof nbuf));
            rc = 1;
            continue;
        }
        double diff = 0, ref = 0;
        for (int64_t k = 0; k < n; k++) {
            double u = ((const float *)x->data)[k], v = ((const float *)y->data)[k];
            double e = isnan(u - v) ? INFINITY : fabs(u - v);
            if (e > diff)
                diff = e;
            if (fabs(v) > ref)
                ref = fabs(v);
        }
        double rel = ref > 0 ? diff / ref : diff;
        int bad = !(rel <= rtol) || rtol == 0;
        printf("%s: relative difference %.3g%s\n", cc_printable(y->name, nbuf, sizeof nbuf), rel,
               bad ? " (over tolerance)" : "");
        rc |= bad;
    }
    printf("compare: %d parameters, %s\n", compared, rc ? "DIFFERENT" : "ok");
    if (!compared)
        rc = 1;
out:
    cc_ctx_free(ctx);
    return rc;
}
