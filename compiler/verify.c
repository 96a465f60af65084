/*
 * verify.c - `onnxcc verify MODEL DATA_DIR`: compile the model to C, build it
 * with the system C compiler against the runtime, run it on the inputs of an
 * ONNX backend-test directory (input_K.pb, output_K.pb) and compare.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cc.h"
#include "cli.h"

#define MAX_IO 64

static const char verify_usage[] =
    "usage: onnxcc verify MODEL.onnx DATA_DIR [--atol A] [--rtol R] [--nrel E] [--exact]\n"
    "                     [--dim NAME=VALUE ...] [--const NAME[=FILE.pb] ...]\n"
    "                     [--const-inputs] [--keep]\n"
    "\n"
    "DATA_DIR holds input_K.pb and output_K.pb (serialized TensorProtos, the ONNX\n"
    "backend-test layout). The model is compiled to C, built with $CC (default cc)\n"
    "against the runtime library, run on the inputs, and every output compared.\n"
    "Symbolic dimensions are bound from the input files' shapes. The generated code\n"
    "is built with -std=c99 -Wall -Wextra -pedantic -Werror plus $ONNXCC_CFLAGS\n"
    "(default -O2).\n"
    "\n"
    "  --atol A   absolute tolerance (default 1e-5)\n"
    "  --rtol R   relative tolerance (default 1e-4): each element must satisfy\n"
    "             |actual - expected| <= A + R * |expected|\n"
    "  --nrel E   instead, require max|actual - expected| <= E * max|expected|\n"
    "             for each output\n"
    "  --exact    also require every output to be bit-identical to the file's\n"
    "  --const NAME[=FILE.pb]\n"
    "             compile graph input NAME as a constant: the value in FILE.pb,\n"
    "             or without =FILE the data set's own input file for NAME; the\n"
    "             compiled model no longer takes that input\n"
    "  --const-inputs\n"
    "             bind, in the same way, every graph input the compiler needs\n"
    "             at compile time (a Reshape shape, Slice starts, axes...) and\n"
    "             say which (onnxcc compiles static shapes only)\n"
    "  --keep     keep the build directory and print its path\n"
    "\n"
    "exit codes: 0 match, 1 mismatch, 2 model refused or bad data, 3 the C compiler\n"
    "or the built program failed.\n";

/* ------------------------------------------------------------ paths */

static int write_raw(const char *path, const void *data, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = bytes ? fwrite(data, 1, bytes, f) : 0;
    int bad = fclose(f);
    return (w != bytes || bad) ? -1 : 0;
}

/* ------------------------------------------------------------ harness */

static const char *ctype_of(int dtype)
{
    return cc_dtype_ctype(dtype);
}

/* A small main() that reads in_K.bin, runs the model and writes out_K.bin. */
static int write_harness(const char *path, const cc_graph *g)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("#include <stdio.h>\n#include <stdlib.h>\n#include <stdint.h>\n#include \"model.h\"\n\n"
          "static void *load(const char *p, size_t bytes)\n{\n"
          "    void *b = malloc(bytes ? bytes : 1);\n    FILE *f = fopen(p, \"rb\");\n"
          "    if (!b || !f || (bytes && fread(b, 1, bytes, f) != bytes)) {\n"
          "        fprintf(stderr, \"harness: cannot read %s\\n\", p);\n        exit(1);\n    }\n"
          "    fclose(f);\n    return b;\n}\n\n"
          "static void save(const char *p, const void *b, size_t bytes)\n{\n"
          "    FILE *f = fopen(p, \"wb\");\n"
          "    if (!f || (bytes && fwrite(b, 1, bytes, f) != bytes) || fclose(f)) {\n"
          "        fprintf(stderr, \"harness: cannot write %s\\n\", p);\n        exit(1);\n    }\n}\n\n"
          "int main(void)\n{\n    (void)load;\n", f);
    for (int i = 0; i < g->ninputs; i++) {
        const cc_tensor *t = g->inputs[i];
        fprintf(f, "    %s *in%d = load(\"in%d.bin\", %lld);\n", ctype_of(t->dtype), i, i,
                (long long)cc_nbytes(t));
    }
    for (int i = 0; i < g->noutputs; i++) {
        const cc_tensor *t = g->outputs[i];
        fprintf(f, "    %s *out%d = calloc(%lld, 1);\n", ctype_of(t->dtype), i,
                (long long)cc_nbytes(t) + 1);
    }
    fputs("    model_run(", f);
    for (int i = 0; i < g->ninputs + g->noutputs; i++)
        fprintf(f, "%s%s%d", i ? ", " : "", i < g->ninputs ? "in" : "out",
                i < g->ninputs ? i : i - g->ninputs);
    fputs(");\n", f);
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "    save(\"out%d.bin\", out%d, %lld);\n", i, i,
                (long long)cc_nbytes(g->outputs[i]));
    for (int i = 0; i < g->ninputs; i++)
        fprintf(f, "    free(in%d);\n", i);
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "    free(out%d);\n", i);
    fputs("    return 0;\n}\n", f);
    return fclose(f) ? -1 : 0;
}

/* ------------------------------------------------------------ compare */

typedef struct {
    double atol, rtol, nrel;
    int use_nrel;
    int exact;              /* outputs must be bit-identical */
} tolerances;

/* Element i of a floating tensor of dtype dt, as a double. */
static double elem_f64(const void *p, int64_t i, int dt)
{
    /* p was filled by fread (checked) or from a .pb file: every element is set */
    switch (dt) {
    case CC_DT_DOUBLE:
        /* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.UndefReturn): see above */
        return ((const double *)p)[i];
    case CC_DT_FLOAT16:
        /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): see above */
        return rt_f16_to_f32(((const uint16_t *)p)[i]);
    case CC_DT_BFLOAT16:
        /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): see above */
        return rt_bf16_to_f32(((const uint16_t *)p)[i]);
    default:
        /* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.UndefReturn): see above */
        return ((const float *)p)[i];
    }
}

/* Compares one output (floating types within the tolerances, integers and
 * bool exactly); prints a line; returns 1 on a match. */
static int compare(int k, const cc_tensor *exp, const cc_tensor *model_out, const void *got,
                   const tolerances *tol)
{
    char sbuf[128];
    int64_t n = cc_numel(exp);
    double max_abs = 0, max_rel = 0, max_ref = 0;
    int64_t bad = 0, worst = -1;
    for (int64_t i = 0; i < n; i++) {
        double e, a;
        if (!cc_dtype_is_float(exp->dtype)) {
            /* integers and bool: exact, element by element */
            const size_t es = cc_dtype_size(exp->dtype);
            const unsigned char *pe = (const unsigned char *)exp->data + (size_t)i * es;
            const unsigned char *pa = (const unsigned char *)got + (size_t)i * es;
            if (memcmp(pe, pa, es) != 0) {
                bad++;
                max_abs = INFINITY;
                worst = i;
            }
            continue;
        }
        e = elem_f64(exp->data, i, exp->dtype);
        a = elem_f64(got, i, exp->dtype);
        if (isnan(e) || isnan(a)) {
            if (!(isnan(e) && isnan(a))) {
                bad++;
                max_abs = INFINITY;
                worst = i;
            }
            continue;
        }
        if (isinf(e) || isinf(a)) {
            if (e != a) {
                bad++;
                max_abs = INFINITY;
                worst = i;
            }
            continue;
        }
        double diff = fabs(a - e);
        if (fabs(e) > max_ref)
            max_ref = fabs(e);
        if (diff > max_abs) {
            max_abs = diff;
            worst = i;
        }
        if (fabs(e) > 0 && diff / fabs(e) > max_rel)
            max_rel = diff / fabs(e);
        if (!tol->use_nrel && diff > tol->atol + tol->rtol * fabs(e))
            bad++;
    }
    if (tol->exact && memcmp(exp->data, got, (size_t)cc_nbytes(exp)) != 0)
        bad = bad ? bad : 1;
    double nrel = max_ref > 0 ? max_abs / max_ref : max_abs;
    if (tol->use_nrel && !(nrel <= tol->nrel))
        bad = bad ? bad : 1;
    char nbuf[104];
    printf("output %d '%s' %s: max abs error %.3g, max rel error %.3g, error/max|ref| %.3g: %s",
           k, cc_printable(model_out->name, nbuf, sizeof nbuf),
           cc_shape_str(exp, sbuf, sizeof sbuf), max_abs, max_rel, nrel,
           bad ? "MISMATCH" : "ok");
    if (bad && worst >= 0)
        printf(" (%lld of %lld elements off; worst at %lld)", (long long)bad, (long long)n,
               (long long)worst);
    putchar('\n');
    return bad == 0;
}

/* ------------------------------------------------------------ command */

/* Runs everything after the model compiled; returns the exit code. */
static int build_and_run(cc_program *prog, cc_tensor **ins, int nin, cc_tensor **outs, int nout,
                         const tolerances *tol, const char *dir)
{
    cc_graph *g = prog->g;
    char inc[PATH_MAX], lib[PATH_MAX], path[PATH_MAX + 64];
    cc_diag d;
    if (cli_find_runtime(inc, lib, sizeof inc) != 0)
        return cli_error("verify: cannot find the runtime library (libonnxcc_rt.a) next to the "
                         "onnxcc executable; set ONNXCC_RUNTIME_DIR");
    snprintf(path, sizeof path, "%s/model.c", dir);
    cc_status st = cc_write_outputs(prog, NULL, path, "model", &d);
    if (st)
        return cli_fail(&d, st);
    snprintf(path, sizeof path, "%s/harness.c", dir);
    if (write_harness(path, g) != 0)
        return cli_error("verify: cannot write %s", path);
    for (int i = 0; i < nin; i++) {
        snprintf(path, sizeof path, "%s/in%d.bin", dir, i);
        if (write_raw(path, ins[i]->data, (size_t)cc_nbytes(ins[i])) != 0)
            return cli_error("verify: cannot write %s", path);
    }
    int rc = cli_cc(dir, "harness.c model.c", "harness", inc, lib);
    if (rc)
        return rc;
    rc = cli_run(dir, "./harness");
    if (rc) {
        fprintf(stderr, "onnxcc: error: the built model failed (status %d)\n", rc);
        return 3;
    }
    int ok = 1;
    for (int i = 0; i < nout; i++) {
        cc_tensor *mo = g->outputs[i];
        size_t bytes = (size_t)cc_nbytes(mo);
        void *got = malloc(bytes + 1);
        snprintf(path, sizeof path, "%s/out%d.bin", dir, i);
        FILE *f = fopen(path, "rb");
        if (!got || !f || (bytes && fread(got, 1, bytes, f) != bytes)) {
            if (f)
                fclose(f);
            free(got);
            return cli_error("verify: cannot read %s", path);
        }
        fclose(f);
        ok &= compare(i, outs[i], mo, got, tol);
        free(got);
    }
    return ok ? 0 : 1;
}

/* Loads DIR/NAME_K.pb for K = 0, 1, ... until one is missing. */
static int load_set(cc_ctx *ctx, const char *dir, const char *what, cc_tensor **v, int *n,
                    cc_diag *d)
{
    *n = 0;
    for (int k = 0; k < MAX_IO; k++) {
        char path[PATH_MAX + 64];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s_%d.pb", dir, what, k);
        if (stat(path, &st) != 0)
            break;
        cc_status s = cc_load_tensor_file(ctx, path, &v[k], d);
        if (s)
            return s;
        if (!v[k]->data)
            return cc_fail(d, CC_ERR_UNSUPPORTED, "%s: element type %s is not supported", path,
                           cc_dtype_name(v[k]->dtype));
        (*n)++;
    }
    return CC_OK;
}

/* Graph inputs compiled as constants (--const, --const-inputs) and the
 * data set's inputs the compiled model still takes. */
typedef struct {
    int nconst, ngiven;
    const char *names[MAX_IO];
    cc_tensor *vals[MAX_IO];
    cc_tensor *given[MAX_IO];
} bindings;

/* Index of name among the model's data-fed inputs, -1 if absent. */
static int input_pos(char **names, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(names[k], name))
            return k;
    return -1;
}

/* Binds input name to ins[its position] or to the value in file. */
static cc_status bind(cc_ctx *ctx, bindings *b, char **names, int nnames, cc_tensor **ins,
                      int nin, const char *name, const char *file, cc_diag *d)
{
    int k = input_pos(names, nnames, name);
    if (k < 0)
        return cc_fail(d, CC_ERR_USAGE, "--const %.200s: the model has no graph input of that "
                       "name", name);
    for (int i = 0; i < b->nconst; i++)
        if (!strcmp(b->names[i], name))
            return cc_fail(d, CC_ERR_USAGE, "--const %.200s is given twice", name);
    cc_tensor *v;
    if (file) {
        cc_status st = cc_load_tensor_file(ctx, file, &v, d);
        if (st)
            return st;
    } else if (k < nin) {
        v = ins[k];
    } else {
        return cc_fail(d, CC_ERR_USAGE, "--const %.200s: the data set has no input_%d.pb",
                       name, k);
    }
    b->names[b->nconst] = names[k];
    b->vals[b->nconst++] = v;
    return CC_OK;
}

/* Compiles the model with the --const bindings; with auto_const, binds
 * every data-fed graph input the compiler asks for and compiles again. */
static cc_status compile_bound(cc_ctx *ctx, const char *model, cli_dims *dims,
                               cc_tensor **ins, int nin, const char **opt, int nopt,
                               int auto_const, bindings *b, cc_program *prog, cc_diag *d)
{
    char **names = NULL;
    int nnames = 0;
    cc_status st = CC_OK;
    if (nopt || auto_const)
        st = cc_input_names(ctx, model, &names, &nnames, d);
    for (int i = 0; i < nopt && !st; i++) {
        char *name = cc_strdup(ctx, opt[i]);
        if (!name)
            return cc_fail(d, CC_ERR_IO, "out of memory");
        char *eq = strchr(name, '=');
        if (eq)
            *eq = '\0';
        st = bind(ctx, b, names, nnames, ins, nin, name, eq ? eq + 1 : NULL, d);
    }
    while (!st) {
        b->ngiven = 0;
        for (int k = 0; k < nin; k++) {
            int bound = 0;
            for (int i = 0; i < b->nconst && !bound; i++)
                bound = names && k < nnames && !strcmp(b->names[i], names[k]);
            if (!bound)
                b->given[b->ngiven++] = ins[k];
        }
        cc_compile_opts o = {{dims->n, dims->names, dims->values, b->ngiven, b->given, 0,
                              b->nconst, b->names, b->vals}, {0}, 0, 0};
        memset(d, 0, sizeof *d);
        st = cc_compile_model(ctx, model, &o, prog, NULL, d);
        if (st != CC_ERR_UNSUPPORTED || !auto_const || !d->need_const[0])
            break;
        int k = input_pos(names, nnames, d->need_const);
        if (k < 0 || k >= nin)
            break;
        cc_diag d2;
        if (bind(ctx, b, names, nnames, ins, nin, names[k], NULL, &d2))
            break; /* already bound: report the compiler's refusal */
        printf("verify: input '%s' bound as a compile-time constant to input_%d.pb "
               "(--const-inputs)\n", names[k], k);
        st = CC_OK;
    }
    return st;
}

int cli_verify(int argc, char **argv)
{
    const char *model = NULL, *data = NULL;
    tolerances tol = {1e-5, 1e-4, 0, 0, 0};
    int keep = 0, auto_const = 0, nopt = 0, rc;
    const char *opt_const[MAX_IO];
    cli_dims dims = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(verify_usage, stdout);
            cli_dims_free(&dims);
            return 0;
        } else if (!strcmp(a, "--keep")) {
            keep = 1;
        } else if (!strcmp(a, "--exact")) {
            tol.exact = 1;
        } else if (!strcmp(a, "--const-inputs")) {
            auto_const = 1;
        } else if (!strcmp(a, "--const")) {
            if (i + 1 >= argc || nopt == MAX_IO) {
                cli_dims_free(&dims);
                return cli_error(i + 1 >= argc ? "--const needs NAME or NAME=FILE.pb"
                                               : "too many --const options");
            }
            opt_const[nopt++] = argv[++i];
        } else if (!strcmp(a, "--atol") || !strcmp(a, "--rtol") || !strcmp(a, "--nrel") ||
                   !strcmp(a, "--dim")) {
            if (i + 1 >= argc) {
                cli_dims_free(&dims);
                return cli_error("%s needs a value", a);
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--dim")) {
                if ((rc = cli_parse_dim(v, &dims)))
                    return rc;
                continue;
            }
            char *end;
            double x = strtod(v, &end);
            if (*end || end == v || !(x >= 0)) {
                cli_dims_free(&dims);
                return cli_error("%s: '%s' is not a non-negative number", a, v);
            }
            if (!strcmp(a, "--atol"))
                tol.atol = x;
            else if (!strcmp(a, "--rtol"))
                tol.rtol = x;
            else {
                tol.nrel = x;
                tol.use_nrel = 1;
            }
        } else if (a[0] == '-' && a[1]) {
            cli_dims_free(&dims);
            return cli_error("verify: unknown option '%s' (see onnxcc verify --help)", a);
        } else if (!model) {
            model = a;
        } else if (!data) {
            data = a;
        } else {
            cli_dims_free(&dims);
            return cli_error("verify: unexpected argument '%s'", a);
        }
    }
    if (!model || !data) {
        cli_dims_free(&dims);
        return cli_error("verify: MODEL.onnx and DATA_DIR are required (see onnxcc verify --help)");
    }
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx)
        return cli_error("out of memory");
    cc_tensor *ins[MAX_IO], *outs[MAX_IO];
    int nin, nout;
    cc_diag d;
    bindings bd;
    memset(&bd, 0, sizeof bd);
    cc_status st = load_set(ctx, data, "input", ins, &nin, &d);
    if (!st)
        st = load_set(ctx, data, "output", outs, &nout, &d);
    if (!st && nout == 0)
        st = cc_fail(&d, CC_ERR_IO, "%s: no output_0.pb (not a backend-test data directory)", data);
    cc_program prog;
    if (st) {
        /* the data may not be tensors because the model takes something
         * else (sequences, optionals): say what is wrong with the model */
        cc_diag d2;
        cc_compile_opts o = {{dims.n, dims.names, dims.values, 0, NULL, 0, 0, NULL, NULL},
                             {0}, 0, 0};
        cc_status st2 = cc_compile_model(ctx, model, &o, &prog, NULL, &d2);
        if (st2 && st2 != CC_ERR_USAGE) {
            st = st2;
            d = d2;
        }
    } else {
        st = compile_bound(ctx, model, &dims, ins, nin, opt_const, nopt, auto_const, &bd, &prog,
                           &d);
    }
    if (st) {
        rc = cli_fail(&d, st);
        goto out;
    }
    cc_graph *g = prog.g;
    nin = bd.ngiven; /* the inputs the compiled model still takes */
    for (int i = 0; i < nin; i++)
        ins[i] = bd.given[i];
    if (nin != g->ninputs || nout != g->noutputs) {
        rc = cli_error("verify: %s has %d inputs and %d outputs, but %s holds %d and %d", model,
                       g->ninputs, g->noutputs, data, nin, nout);
        goto out;
    }
    for (int i = 0; i < nin + nout; i++) {
        const cc_tensor *want = i < nin ? g->inputs[i] : g->outputs[i - nin];
        const cc_tensor *have = i < nin ? ins[i] : outs[i - nin];
        char a[128], b[128];
        /* the ONNX test data stores bfloat16 tensors as uint16 bit patterns */
        if (want->dtype == CC_DT_BFLOAT16 && have->dtype == CC_DT_UINT16)
            ((cc_tensor *)have)->dtype = CC_DT_BFLOAT16;
        if (want->dtype != have->dtype || cc_numel(want) != cc_numel(have) ||
            (i < nin && strcmp(cc_shape_str(want, a, sizeof a), cc_shape_str(have, b, sizeof b)))) {
            rc = cli_error("verify: %s %d '%.100s' of the model is %s %s but the data file holds "
                           "%s %s", i < nin ? "input" : "output", i < nin ? i : i - nin,
                           want->name, cc_dtype_name(want->dtype), cc_shape_str(want, a, sizeof a),
                           cc_dtype_name(have->dtype), cc_shape_str(have, b, sizeof b));
            goto out;
        }
    }
    char dir[PATH_MAX - 64];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/onnxcc-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        rc = cli_error("verify: cannot create a build directory in %s: %s",
                       tmp && *tmp ? tmp : "/tmp", strerror(errno));
        goto out;
    }
    fflush(stdout);
    rc = build_and_run(&prog, ins, nin, outs, nout, &tol, dir);
    if (keep)
        printf("build directory kept: %s\n", dir);
    else
        cli_remove_dir(dir);
out:
    cc_ctx_free(ctx);
    cli_dims_free(&dims);
    return rc;
}
