/*
 * fuzz_compile.c - a libFuzzer target over everything `onnxcc compile` does
 * to an untrusted file, through the driver's own cc_compile_graph: import
 * (protobuf parse and the checks at the door), shape inference and constant
 * folding, dead-code elimination, fusion, lowering, arena planning,
 * pre-packing, the --max-* checks and emission of the .c and .h. When that
 * succeeds, the same bytes are compiled again with --train (autodiff and the
 * training plan) and emitted.
 *
 * The input is the model file itself, so every ONNX file is a seed. Symbolic
 * dimensions are bound to 1: the first input's batch through
 * cc_import_opts.batch, and any other that import names in its "bind it with
 * --dim NAME=VALUE" refusal by importing again with that binding added.
 *
 * Built two ways (see the fuzz and test-sanitize blocks of the Makefile):
 * with -fsanitize=fuzzer,address,undefined as the fuzzer, and with a small
 * main (replay.c) that runs the files of tests/fuzz/regress/ through
 * LLVMFuzzerTestOneInput under ASan and UBSan.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_BINDINGS 8

/* Bindings for the symbolic dimensions of one input file. */
typedef struct {
    int n;
    char names[FUZZ_MAX_BINDINGS][256];
    const char *ptrs[FUZZ_MAX_BINDINGS];
    int64_t values[FUZZ_MAX_BINDINGS];
} fuzz_dims;

/* Pulls NAME out of import's "... bind it with --dim NAME=VALUE" refusal
 * and adds the binding NAME=1; 0 when there is none or no room. */
static int fuzz_learn_dim(fuzz_dims *fd, const cc_diag *d)
{
    static const char key[] = "bind it with --dim ";
    const char *p = strstr(d->msg, key);
    if (!p || fd->n == FUZZ_MAX_BINDINGS)
        return 0;
    p += sizeof key - 1;
    const char *end = strstr(p, "=VALUE");
    if (!end || end == p || (size_t)(end - p) >= sizeof fd->names[0])
        return 0;
    for (int i = 0; i < fd->n; i++)
        if (strlen(fd->names[i]) == (size_t)(end - p) && !memcmp(fd->names[i], p, (size_t)(end - p)))
            return 0; /* already bound and still refused: give up */
    memcpy(fd->names[fd->n], p, (size_t)(end - p));
    fd->names[fd->n][end - p] = 0;
    fd->ptrs[fd->n] = fd->names[fd->n];
    fd->values[fd->n] = 1;
    fd->n++;
    return 1;
}

/* Imports the bytes into a fresh graph of ctx with dims bound (learning
 * more bindings from refusals). */
static cc_status fuzz_import(cc_ctx *ctx, const uint8_t *data, size_t size, fuzz_dims *fd,
                             int64_t batch, cc_graph **g, cc_diag *d)
{
    for (;;) {
        cc_import_opts o;
        memset(&o, 0, sizeof o);
        o.ndims = fd->n;
        o.dim_names = fd->ptrs;
        o.dim_values = fd->values;
        o.batch = batch;
        cc_status st = cc_import_buffer(ctx, "fuzz.onnx", data, size, &o, g, d);
        if (st != CC_ERR_USAGE || !fuzz_learn_dim(fd, d))
            return st;
    }
}

/* Where generated code goes: it is produced, not kept. */
static FILE *fuzz_sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

/* Imports the bytes and runs the rest of `onnxcc compile` on them through
 * cc_compile_graph, the driver's own pipeline, then emits. */
static cc_status fuzz_one(const uint8_t *data, size_t size, fuzz_dims *fd,
                          const cc_compile_opts *o, int64_t batch)
{
    cc_ctx *ctx = cc_ctx_new();
    cc_diag d;
    cc_graph *g;
    cc_program prog;
    cc_train t;
    if (!ctx)
        return CC_ERR_IO;
    memset(&t, 0, sizeof t);
    cc_status st = fuzz_import(ctx, data, size, fd, batch, &g, &d);
    if (!st)
        st = cc_compile_graph(g, o, &prog, &t, &d);
    if (!st) {
        cc_emit_opts eo = {"fuzz", "fuzz.h", "fuzz.onnx", 0};
        st = cc_emit(&prog, o->train.enabled ? &t : NULL, &eo, fuzz_sink(), fuzz_sink(), &d);
    }
    cc_ctx_free(ctx);
    return st;
}

static void fuzz_compile(const uint8_t *data, size_t size, fuzz_dims *fd)
{
    cc_compile_opts o;
    memset(&o, 0, sizeof o);
    if (fuzz_one(data, size, fd, &o, 1))
        return;
    /* the same model as a training step, as compile --train builds it */
    o.train.enabled = 1;
    o.train.loss = (cc_loss)(size % 3); /* MSE, CE or BCE, varied by the input */
    o.train.opt.kind = RT_OPT_SGD;
    o.train.opt.lr = 0.01f;
    o.train.opt.beta1 = 0.9f;
    o.train.opt.beta2 = 0.999f;
    o.train.opt.eps = 1e-8f;
    o.train.batch = 2;
    o.train.seed = 1;
    fuzz_one(data, size, fd, &o, o.train.batch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dims fd;
    memset(&fd, 0, sizeof fd);
    fuzz_compile(data, size, &fd);
    return 0;
}
