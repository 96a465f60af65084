/*
 * main.c - the onnxcc command line. Library code returns statuses; only
 * main turns them into exit codes:
 *   0 success; 1 verify found a mismatch; 2 the model was refused (malformed,
 *   unsupported or too large), a file could not be read or written, or the
 *   command line was wrong; 3 the C compiler or the built program failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cc.h"
#include "cli.h"

static int exit_code(cc_status st)
{
    switch (st) {
    case CC_OK: return 0;
    case CC_ERR_TOOL: return 3;
    default: return 2;
    }
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("onnxcc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

int cli_fail(const cc_diag *d, cc_status st)
{
    /* "unsupported:" marks valid ONNX that onnxcc does not handle, so tools
     * (the conformance runner) can tell a refusal from a failure */
    fprintf(stderr, "onnxcc: %s: %s\n", st == CC_ERR_UNSUPPORTED ? "unsupported" : "error",
            d->msg);
    return exit_code(st);
}

int cli_is_ident(const char *s)
{
    if (!*s || (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))))
        return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

int cli_parse_bytes(const char *opt, const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    long long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1LL << 10;
    else if (*end == 'M' || *end == 'm')
        mul = 1LL << 20;
    else if (*end == 'G' || *end == 'g')
        mul = 1LL << 30;
    if (mul > 1)
        end++;
    if (errno || end == v || *end || n <= 0 || n > INT64_MAX / mul)
        return cli_error("%s: '%s' is not a positive byte count (suffixes K, M, G)", opt, v);
    *out = n * mul;
    return 0;
}

int cli_parse_dim(const char *arg, cli_dims *dims)
{
    const char *eq = strrchr(arg, '=');
    if (!eq || eq == arg)
        return cli_error("--dim expects NAME=VALUE, got '%s'", arg);
    errno = 0;
    char *end;
    long long v = strtoll(eq + 1, &end, 10);
    if (errno || *end || end == eq + 1 || v < 0 || v > INT_MAX)
        return cli_error("--dim %s: the value must be an integer from 0 to %d", arg, INT_MAX);
    if (dims->n == CLI_MAX_DIMS)
        return cli_error("too many --dim options (at most %d)", CLI_MAX_DIMS);
    size_t len = (size_t)(eq - arg);
    char *name = malloc(len + 1);
    if (!name)
        return cli_error("out of memory");
    memcpy(name, arg, len);
    name[len] = 0;
    dims->names[dims->n] = name;
    dims->values[dims->n] = v;
    dims->n++;
    return 0;
}

void cli_dims_free(cli_dims *dims)
{
    for (int i = 0; i < dims->n; i++)
        free((char *)dims->names[i]);
    dims->n = 0;
}

static const char usage[] =
    "usage: onnxcc COMMAND [OPTIONS]\n"
    "\n"
    "Compiles ONNX models into standalone C99 with the weights baked in.\n"
    "\n"
    "commands:\n"
    "  compile MODEL.onnx -o OUT.c   write OUT.c and OUT.h\n"
    "  verify MODEL.onnx DATA_DIR    compile, build, run on DATA_DIR's inputs, compare\n"
    "  summary MODEL.onnx            per-node table: shapes, parameters, MACs, arena\n"
    "  finetune MODEL.onnx --inputs X.pb --targets Y.pb -o TUNED.onnx\n"
    "                                train the compiled model on the host, write the result\n"
    "  export MODEL.onnx PARAMS.bin -o TUNED.onnx\n"
    "                                a parameter blob saved on a device back into ONNX\n"
    "  compare A.onnx B.onnx         compare two models' float parameters\n"
    "  bench MODEL.onnx              build for this machine and time it (latency, GFLOP/s)\n"
    "  ops                           list the supported ops and opset ranges\n"
    "\n"
    "options:\n"
    "  -h, --help                    this help (COMMAND --help: that command's)\n"
    "  --version                     print the version\n"
    "\n"
    "exit codes: 0 success, 1 verify mismatch, 2 model refused or bad usage or\n"
    "file error, 3 the C compiler or the built program failed.\n";

static const char compile_usage[] =
    "usage: onnxcc compile MODEL.onnx -o OUT.c [--name PREFIX] [--dim NAME=VALUE ...]\n"
    "                      [--const NAME=FILE.pb ...]\n"
    "\n"
    "Writes OUT.c and OUT.h (OUT.h replaces a trailing .c). The header declares\n"
    "PREFIX_run(inputs..., outputs...) using a static arena and\n"
    "PREFIX_run_arena(arena, inputs..., outputs...) using the caller's arena of\n"
    "PREFIX_ARENA_BYTES bytes.\n"
    "\n"
    "  -o OUT.c              the C file to write (required)\n"
    "  --name PREFIX         C prefix of the API (default: model)\n"
    "  --dim NAME=VALUE      bind a symbolic input dimension such as a batch N;\n"
    "                        INPUT:AXIS=VALUE binds an unnamed one\n"
    "  --const NAME=FILE.pb  compile graph input NAME as a constant holding the\n"
    "                        tensor in FILE.pb (a serialized TensorProto): for\n"
    "                        inputs that decide shapes (a Reshape shape, Slice\n"
    "                        starts, axes); the generated API no longer takes it\n"
    "  --max-arena BYTES     refuse a model whose planned arena is larger\n"
    "                        (default 1G; suffixes K, M, G)\n"
    "  --max-weights BYTES   refuse a model with more bytes of weights (default 1G)\n"
    "                        (both as a build without AVX-512 needs them: one with\n"
    "                        it may add Winograd weights, see summary)\n"
    "  --train               also emit a training step, evaluation, hyper-parameter\n"
    "                        setters and parameter save/load (see the README)\n"
    "\n";

static int cmd_compile(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *name = "model";
    cli_dims dims = {0};
    cc_train_opts train;
    int64_t max_arena = 0, max_weights = 0;
    int rc = 0, took, nconst = 0;
    const char *consts[CLI_MAX_DIMS];
    cli_train_defaults(&train);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(compile_usage, stdout);
            fputs(cli_train_usage, stdout);
            cli_dims_free(&dims);
            return 0;
        } else if ((took = cli_train_opt(argc, argv, &i, &train)) != 0) {
            if (took < 0) {
                rc = -took;
                goto done;
            }
        } else if (!strcmp(a, "-o") || !strcmp(a, "--name") || !strcmp(a, "--dim") ||
                   !strcmp(a, "--max-arena") || !strcmp(a, "--max-weights") ||
                   !strcmp(a, "--const")) {
            if (i + 1 >= argc) {
                rc = cli_error("%s needs a value", a);
                goto done;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-o"))
                out = v;
            else if (!strcmp(a, "--name"))
                name = v;
            else if (!strcmp(a, "--dim")) {
                if ((rc = cli_parse_dim(v, &dims)))
                    goto done;
            } else if (!strcmp(a, "--const")) {
                if (!strchr(v, '=') || v[0] == '=' || nconst == CLI_MAX_DIMS) {
                    if (nconst == CLI_MAX_DIMS)
                        rc = cli_error("too many --const options");
                    else
                        rc = cli_error("--const expects NAME=FILE.pb, got '%s'", v);
                    goto done;
                }
                consts[nconst++] = v;
            } else if ((rc = cli_parse_bytes(a, v, !strcmp(a, "--max-arena") ? &max_arena
                                                                              : &max_weights)))
                goto done;
        } else if (a[0] == '-' && a[1]) {
            rc = cli_error("compile: unknown option '%s' (see onnxcc compile --help)", a);
            goto done;
        } else if (!model) {
            model = a;
        } else {
            rc = cli_error("compile: unexpected argument '%s'", a);
            goto done;
        }
    }
    if (!model || !out) {
        rc = cli_error("compile: %s is required (see onnxcc compile --help)",
                       model ? "-o OUT.c" : "MODEL.onnx");
        goto done;
    }
    if (!cli_is_ident(name) || strlen(name) > 64) {
        rc = cli_error("--name '%s' is not a C identifier of at most 64 characters", name);
        goto done;
    }
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx) {
        rc = cli_error("out of memory");
        goto done;
    }
    const char *cnames[CLI_MAX_DIMS];
    cc_tensor *cvals[CLI_MAX_DIMS];
    cc_diag d;
    cc_status st = CC_OK;
    for (int i = 0; i < nconst && !st; i++) {
        const char *eq = strchr(consts[i], '=');
        cnames[i] = cc_strndup(ctx, consts[i], (size_t)(eq - consts[i]));
        st = cnames[i] ? cc_load_tensor_file(ctx, eq + 1, &cvals[i], &d)
                       : cc_fail(&d, CC_ERR_IO, "out of memory");
    }
    cc_compile_opts o = {{dims.n, dims.names, dims.values, 0, NULL, train.batch, nconst, cnames,
                          cvals}, train, max_arena, max_weights};
    cc_program prog;
    cc_train tr;
    if (!st)
        st = cc_compile_model(ctx, model, &o, &prog, &tr, &d);
    if (!st)
        st = cc_write_outputs(&prog, train.enabled ? &tr : NULL, out, name, &d);
    if (st)
        rc = cli_fail(&d, st);
    cc_ctx_free(ctx);
done:
    cli_dims_free(&dims);
    return rc;
}

static int cmd_ops(int argc, char **argv)
{
    int markdown = 0, refused = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: onnxcc ops [--refused] [--markdown]\n\nLists every supported op with "
                 "the opset range it is supported for\n(--markdown: as the table in the README).\n"
                 "--refused lists instead the ops left out on purpose, by category, with the\n"
                 "reason (an op in neither list is not implemented yet).");
            return 0;
        } else if (!strcmp(argv[i], "--markdown")) {
            markdown = 1;
        } else if (!strcmp(argv[i], "--refused")) {
            refused = 1;
        } else {
            return cli_error("ops: unknown argument '%s'", argv[i]);
        }
    }
    int n;
    if (refused) {
        const cc_refusal *r = cc_refusal_table(&n);
        for (int i = 0; i < n; i++)
            for (int v = 1; v <= CC_OPSET_MAX; v++)
                if (cc_op_find(r[i].op, v))
                    return cli_error("ops: %s is both supported (opset %d) and refused", r[i].op, v);
        if (markdown)
            puts("| category | ops | why |\n| --- | --- | --- |");
        for (int i = 0; i < n; i++) {
            if (i && !strcmp(r[i].category, r[i - 1].category))
                continue;
            printf(markdown ? "| %s | " : "%s: ", r[i].category);
            for (int k = i; k < n && !strcmp(r[k].category, r[i].category); k++)
                printf("%s%s", k > i ? ", " : "", r[k].op);
            printf(markdown ? " | %s |\n" : " (%s)\n", r[i].why);
        }
        return 0;
    }
    const cc_opdef *ops = cc_op_table(&n);
    if (markdown)
        puts("| op | opsets |\n| --- | --- |");
    for (int i = 0; i < n; i++) {
        if (markdown)
            printf("| %s | %d-%d |\n", ops[i].name, ops[i].since, ops[i].until);
        else
            printf("%-22s opset %d-%d\n", ops[i].name, ops[i].since, ops[i].until);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("onnxcc %s (opsets %d-%d)\n", ONNXCC_VERSION, 1, CC_OPSET_MAX);
        return 0;
    }
    if (!strcmp(cmd, "compile"))
        return cmd_compile(argc - 2, argv + 2);
    if (!strcmp(cmd, "verify"))
        return cli_verify(argc - 2, argv + 2);
    if (!strcmp(cmd, "summary"))
        return cli_summary(argc - 2, argv + 2);
    if (!strcmp(cmd, "finetune"))
        return cli_finetune(argc - 2, argv + 2);
    if (!strcmp(cmd, "export"))
        return cli_export(argc - 2, argv + 2);
    if (!strcmp(cmd, "compare"))
        return cli_compare(argc - 2, argv + 2);
    if (!strcmp(cmd, "ops"))
        return cmd_ops(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench"))
        return cli_bench(argc - 2, argv + 2);
    return cli_error("unknown command '%s' (see onnxcc --help)", cmd);
}
