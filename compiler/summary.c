/*
 * summary.c - `onnxcc summary MODEL`: the optimized graph as a table, one row
 * per node, with parameters, multiply-accumulates and the arena plan.
 */
#include <stdlib.h>
#include <string.h>

#include "cc.h"
#include "cli.h"

static const char summary_usage[] =
    "usage: onnxcc summary MODEL.onnx [--dim NAME=VALUE ...] [--dot] [--train [training options]]\n"
    "\n"
    "Prints one row per node after optimization (fusions shown as Op+Op): op, node\n"
    "name, output shape, parameters, MACs, arena offset and size of its output\n"
    "('view' when it shares its input's storage, 'in place' when it overwrites\n"
    "an input, 'output' when it is written straight into the caller's buffer), and\n"
    "totals: parameters, weight bytes, peak arena bytes with its lower bound (the\n"
    "largest sum of simultaneously live intermediates), total MACs. With --train,\n"
    "also the training step: trainable parameters and the training arena (state,\n"
    "optimizer buffers, planned scratch beside its lower bound).\n"
    "--dot prints the optimized graph as Graphviz DOT instead (shapes and arena\n"
    "offsets on the nodes): onnxcc summary M.onnx --dot | dot -Tpng -o M.png\n\n";

int64_t cc_node_macs(const cc_node *n)
{
    const char *op = n->op->name;
    const cc_tensor *y = n->out[0];
    if (!strcmp(op, "RNN") || !strcmp(op, "GRU") || !strcmp(op, "LSTM")) {
        /* every (time, batch) row meets W once and R once per direction */
        const cc_tensor *x = n->in[0];
        int64_t in = x->rank == 3 ? x->shape[2] : 0;
        return in ? cc_numel(x) / in * (cc_numel(n->in[1]) + cc_numel(n->in[2])) : 0;
    }
    if (!y)
        return 0;
    if (!strcmp(op, "Conv")) {
        const cc_tensor *w = n->in[1];
        return cc_numel(y) * (cc_numel(w) / w->shape[0]);
    }
    if (!strcmp(op, "QLinearConv") || !strcmp(op, "ConvInteger")) {
        const cc_tensor *w = n->in[op[0] == 'Q' ? 3 : 1];
        return cc_numel(y) * (cc_numel(w) / w->shape[0]);
    }
    if (!strcmp(op, "ConvTranspose")) {
        const cc_tensor *w = n->in[1];
        return cc_numel(n->in[0]) * (cc_numel(w) / w->shape[0]);
    }
    if (!strcmp(op, "Gemm")) {
        const cc_tensor *a = n->in[0];
        int64_t k = cc_attr_int(n, "transA", 0) ? a->shape[0] : a->shape[a->rank - 1];
        return cc_numel(y) * k;
    }
    if (!strcmp(op, "MatMul") || !strcmp(op, "QLinearMatMul") || !strcmp(op, "MatMulInteger")) {
        const cc_tensor *a = n->in[0];
        return cc_numel(y) * a->shape[a->rank - 1];
    }
    return 0;
}

static int64_t node_params(const cc_node *n)
{
    int64_t p = 0;
    for (int k = 0; k < n->nin; k++) {
        const cc_tensor *t = n->in[k];
        if (t && t->data && t->is_initializer &&
            (t->dtype == CC_DT_FLOAT || t->dtype == CC_DT_INT8 || t->dtype == CC_DT_UINT8))
            p += cc_numel(t);
    }
    return p;
}

static void print_table(const cc_program *p)
{
    const cc_graph *g = p->g;
    int64_t macs = 0;
    printf("%-4s %-32s %-28s %-20s %10s %12s %10s %10s\n", "#", "op", "name", "output", "params",
           "MACs", "offset", "bytes");
    for (int s = 0; s < p->nsteps; s++) {
        const cc_node *n = p->steps[s].node;
        char shape[128], opname[96], name[40], off[24], bytes[24];
        if (!n)
            continue;
        const cc_tensor *y = n->out[0];
        snprintf(opname, sizeof opname, "%s%s%s", n->op->name, n->fused ? "+" : "",
                 n->fused ? n->fused : "");
        size_t k = 0;
        for (const char *c = n->label; *c && k + 1 < sizeof name; c++)
            name[k++] = (*c >= 32 && *c < 127) ? *c : '?';
        name[k] = 0;
        int64_t m = cc_node_macs(n);
        macs += m;
        const cc_tensor *r = y;
        while (r && r->loc == CC_LOC_ALIAS)
            r = r->alias;
        if (!y) {
            snprintf(off, sizeof off, "-");
        } else if (y->loc == CC_LOC_ALIAS) {
            snprintf(off, sizeof off, "%s", n->op->alias ? "view" : "in place");
        } else if (y->loc == CC_LOC_OUTPUT) {
            snprintf(off, sizeof off, "output");
        } else {
            snprintf(off, sizeof off, "%lld", (long long)y->offset);
        }
        snprintf(bytes, sizeof bytes, "%lld", y ? (long long)cc_nbytes(y) : 0LL);
        printf("%-4d %-32s %-28s %-20s %10lld %12lld %10s %10s\n", s, opname, name,
               y ? cc_shape_str(y, shape, sizeof shape) : "-", (long long)node_params(n),
               (long long)m, off, bytes);
    }
    printf("\ninputs:");
    for (int i = 0; i < g->ninputs; i++) {
        char shape[128];
        char nbuf[64];
        printf(" '%s' %s %s", cc_printable(g->inputs[i]->name, nbuf, sizeof nbuf),
               cc_dtype_name(g->inputs[i]->dtype),
               cc_shape_str(g->inputs[i], shape, sizeof shape));
    }
    printf("\noutputs:");
    for (int i = 0; i < g->noutputs; i++) {
        char shape[128];
        char nbuf[64];
        printf(" '%s' %s %s", cc_printable(g->outputs[i]->name, nbuf, sizeof nbuf),
               cc_dtype_name(g->outputs[i]->dtype),
               cc_shape_str(g->outputs[i], shape, sizeof shape));
    }
    printf("\nnodes: %d\nparameters: %lld\nweight bytes: %lld\narena bytes: %lld (lower bound "
           "%lld, %.1f%% above it)\nunfused bound: %lld (arena %.2fx of it)\nMACs: %lld\n",
           p->nsteps, (long long)p->params, (long long)p->weight_bytes,
           (long long)p->arena_bytes, (long long)p->lower_bound,
           p->lower_bound ? 100.0 * (double)(p->arena_bytes - p->lower_bound) /
                                (double)p->lower_bound
                          : 0.0,
           (long long)g->unfused_bound,
           g->unfused_bound ? (double)p->arena_bytes / (double)g->unfused_bound : 0.0,
           (long long)macs);
    /* wino: "weight bytes" above is what a build without AVX-512 stores (the
     * ONNX weights); one built for it stores the Winograd layers' U instead */
    if (p->weight_bytes_if && p->weight_bytes_if != p->weight_bytes)
        printf("AVX-512 weight bytes: %lld (built where RT_CONV_WINOGRAD: Winograd U in place "
               "of the ONNX weights of its 3x3 layers)\n", (long long)p->weight_bytes_if);
}

/* A name inside a DOT string: printable ASCII with quotes and backslashes
 * escaped, cut at 60 bytes. */
static void dot_str(FILE *f, const char *s)
{
    int n = 0;
    for (; *s && n < 60; s++, n++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fputc('\\', f);
        fputc(c >= 32 && c < 127 ? c : '?', f);
    }
    if (*s)
        fputs("...", f);
}

/* Where a tensor lives, for the DOT labels. */
static void dot_place(FILE *f, const cc_tensor *t)
{
    const cc_tensor *r = t;
    while (r->loc == CC_LOC_ALIAS)
        r = r->alias;
    if (r->loc == CC_LOC_ARENA)
        fprintf(f, "arena @%lld, %lld B", (long long)r->offset, (long long)cc_nbytes(t));
    else if (r->loc == CC_LOC_INPUT)
        fputs("caller's input", f);
    else
        fputs("caller's output", f);
}

/* The optimized graph as Graphviz DOT: a box per node (op with fusions,
 * name, output shape and arena place), an ellipse per graph input and
 * output, an edge per tensor. */
static void print_dot(const cc_program *p, FILE *f)
{
    const cc_graph *g = p->g;
    char shape[128];
    fputs("digraph onnxcc {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n", f);
    for (int i = 0; i < g->ninputs; i++) {
        fprintf(f, "  t%d [shape=ellipse, label=\"", g->inputs[i]->id);
        dot_str(f, g->inputs[i]->name);
        fprintf(f, "\\n%s\"];\n", cc_shape_str(g->inputs[i], shape, sizeof shape));
    }
    for (int s = 0; s < p->nsteps; s++) {
        const cc_node *n = p->steps[s].node;
        if (!n || !n->out[0])
            continue;
        fprintf(f, "  n%d [shape=box, style=rounded, label=\"%s%s%s\\n", n->index, n->op->name,
                n->fused ? "+" : "", n->fused ? n->fused : "");
        dot_str(f, n->label);
        fprintf(f, "\\n%s\\n", cc_shape_str(n->out[0], shape, sizeof shape));
        dot_place(f, n->out[0]);
        fputs("\"];\n", f);
        for (int k = 0; k < n->nin; k++) {
            const cc_tensor *t = n->in[k];
            if (!t || t->data)
                continue;
            if (t->producer)
                fprintf(f, "  n%d -> n%d;\n", t->producer->index, n->index);
            else
                fprintf(f, "  t%d -> n%d;\n", t->id, n->index);
        }
    }
    for (int i = 0; i < g->noutputs; i++) {
        const cc_tensor *t = g->outputs[i];
        fprintf(f, "  o%d [shape=ellipse, label=\"", i);
        dot_str(f, t->name);
        fprintf(f, "\\n%s\"];\n", cc_shape_str(t, shape, sizeof shape));
        if (t->producer)
            fprintf(f, "  n%d -> o%d;\n", t->producer->index, i);
    }
    fputs("}\n", f);
}

/* The training step's memory: state, optimizer buffers, planned scratch. */
static void print_train(const cc_train *t)
{
    const cc_program *p = &t->prog;
    int64_t params = 0;
    printf("\ntraining step (batch %lld, %s, %s):\ntrainable:", (long long)t->input->shape[0],
           t->o.loss == CC_LOSS_CE ? "cross-entropy" : t->o.loss == CC_LOSS_MSE ? "mse" : "bce",
           t->o.opt.kind == RT_OPT_SGD ? "sgd" : t->o.opt.kind == RT_OPT_ADAM ? "adam" : "adamw");
    for (int i = 0; i < t->nparams; i++) {
        char nbuf[64];
        printf(" %s", cc_printable(t->params[i].w->name, nbuf, sizeof nbuf));
        params += cc_numel(t->params[i].w);
    }
    int64_t scratch = p->arena_bytes - t->scratch_base;
    printf("\ntrainable parameters: %lld\nkernel calls: %d (forward %d)\n"
           "train arena bytes: %lld = state %lld + optimizer state %lld + scratch %lld "
           "(scratch lower bound %lld, %.1f%% above it)\n",
           (long long)params, p->calls.n, t->nfwd, (long long)p->arena_bytes,
           (long long)t->header_bytes, (long long)t->state_bytes, (long long)scratch,
           (long long)p->lower_bound,
           p->lower_bound ? 100.0 * (double)(scratch - p->lower_bound) / (double)p->lower_bound
                          : 0.0);
    if (p->arena_bytes_base != p->arena_bytes)
        printf("train arena bytes without Winograd: %lld (a library with RT_CONV_WINOGRAD 0, "
               "no AVX-512, never reads the training convolutions' Winograd weights, "
               "planned above the rest)\n", (long long)p->arena_bytes_base);
}

int cli_summary(int argc, char **argv)
{
    const char *model = NULL;
    cli_dims dims = {0};
    cc_train_opts train;
    int rc = 0, took, dot = 0;
    cli_train_defaults(&train);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(summary_usage, stdout);
            fputs(cli_train_usage, stdout);
            cli_dims_free(&dims);
            return 0;
        } else if ((took = cli_train_opt(argc, argv, &i, &train)) != 0) {
            if (took < 0) {
                cli_dims_free(&dims);
                return -took;
            }
        } else if (!strcmp(a, "--dot")) {
            dot = 1;
        } else if (!strcmp(a, "--dim")) {
            if (i + 1 >= argc) {
                cli_dims_free(&dims);
                return cli_error("--dim needs a value");
            }
            if ((rc = cli_parse_dim(argv[++i], &dims)))
                return rc;
        } else if (a[0] == '-' && a[1]) {
            cli_dims_free(&dims);
            return cli_error("summary: unknown option '%s' (see onnxcc summary --help)", a);
        } else if (!model) {
            model = a;
        } else {
            cli_dims_free(&dims);
            return cli_error("summary: unexpected argument '%s'", a);
        }
    }
    if (!model)
        return cli_error("summary: MODEL.onnx is required (see onnxcc summary --help)");
    cc_ctx *ctx = cc_ctx_new();
    if (!ctx)
        return cli_error("out of memory");
    cc_compile_opts o = {{dims.n, dims.names, dims.values, 0, NULL, train.batch, 0, NULL, NULL},
                         train, 0, 0};
    cc_program prog;
    cc_train tr;
    cc_diag d;
    cc_status st = cc_compile_model(ctx, model, &o, &prog, &tr, &d);
    if (st) {
        rc = cli_fail(&d, st);
    } else if (dot) {
        print_dot(&prog, stdout);
    } else {
        print_table(&prog);
        if (train.enabled)
            print_train(&tr);
    }
    cc_ctx_free(ctx);
    cli_dims_free(&dims);
    return rc;
}
