/*
 * emit.c - the C emitter: model.h (the API, sizes as macros) and model.c
 * (weights as static const arrays, one run function calling the runtime's
 * kernels in order with constant parameters). Output is deterministic: it
 * depends only on the program, never on addresses, time or environment.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc.h"

/* C identifiers onnxcc generates are at most this long before a suffix. */
#define CC_IDENT_MAX 40

void cc_sanitize_ident(const char *raw, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return;
    for (const unsigned char *p = (const unsigned char *)raw; *p && k + 1 < n; p++) {
        unsigned char ch = *p;
        buf[k++] = (ch < 128 && (isalnum(ch) || ch == '_')) ? (char)ch : '_';
    }
    buf[k] = 0;
    if (k == 0 && n > 2) {
        buf[0] = 't';
        buf[1] = 0;
    }
}

void cc_comment_safe(FILE *f, const char *s)
{
    /* printable ASCII only; '*' followed by '/' and "/\*" are broken up, and
     * a backslash never ends up before the newline that closes a // line */
    int prev = 0;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
        if (n >= 160) {
            fputs("...", f);
            break;
        }
        int ch = *p;
        if (ch < 32 || ch > 126 || ch == '\\')
            ch = '?';
        if ((prev == '*' && ch == '/') || (prev == '/' && ch == '*'))
            fputc(' ', f);
        fputc(ch, f);
        prev = ch;
    }
}

/* ------------------------------------------------------------ names */

typedef struct {
    const cc_program *p;
    const cc_train *t;      /* NULL without --train                          */
    const cc_emit_opts *o;
    char **cname;           /* per tensor id: its C identifier fragment      */
} emitter;

/* The identifiers taken so far: open addressing, each entry with the next
 * suffix to try when its name is wanted again, so that n tensors sharing
 * one sanitized name cost n lookups rather than n^2 comparisons. */
typedef struct {
    const char *name;
    int next;
} name_slot;

static name_slot *name_find(name_slot *tab, size_t cap, const char *name)
{
    size_t i = (size_t)cc_hash_str(name) & (cap - 1);
    while (tab[i].name && strcmp(tab[i].name, name) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Gives every tensor that appears in the code a unique identifier fragment:
 * the sanitized, truncated name, then _2, _3... on a collision. */
static cc_status make_names(emitter *e, cc_diag *d)
{
    cc_graph *g = e->p->g;
    size_t cap = 16;
    while (cap < (size_t)g->ntensors * 2 + 16)
        cap *= 2;
    e->cname = cc_alloc_array(g->ctx, (size_t)g->ntensors + 1, sizeof(char *));
    name_slot *tab = cc_alloc_array(g->ctx, cap, sizeof *tab);
    if (!e->cname || !tab)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *t = g->tensors[i];
        char base[CC_IDENT_MAX + 1], buf[CC_IDENT_MAX + 16];
        cc_sanitize_ident(t->name, base, sizeof base);
        name_slot *b = name_find(tab, cap, base), *s = b;
        snprintf(buf, sizeof buf, "%s", base);
        for (int suffix = b->name ? b->next : 2; s->name; suffix++) {
            snprintf(buf, sizeof buf, "%s_%d", base, suffix);
            s = name_find(tab, cap, buf);
            b->next = suffix + 1;
        }
        e->cname[i] = cc_strdup(g->ctx, buf);
        if (!e->cname[i])
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        s->name = e->cname[i];
        s->next = 2;
    }
    return CC_OK;
}

static const char *ctype(const cc_tensor *t)
{
    return cc_dtype_ctype(t->dtype);
}

/* Prints element i of a constant of any dtype as a C literal of its
 * storage type (bit patterns for float16 / bfloat16, 0 / 1 for bool). */
static void print_elem(FILE *f, const cc_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case CC_DT_FLOAT: cc_print_float(f, ((const float *)t->data)[i]); break;
    case CC_DT_DOUBLE: {
        double v = ((const double *)t->data)[i];
        if (isnan(v))
            fputs(signbit(v) ? "(-(double)NAN)" : "(double)NAN", f);
        else if (isinf(v))
            fputs(v < 0 ? "(-(double)INFINITY)" : "(double)INFINITY", f);
        else
            fprintf(f, "%a", v);  /* hexadecimal: reads back exactly */
        break;
    }
    case CC_DT_INT64: {
        long long v = ((const int64_t *)t->data)[i];
        if (v == INT64_MIN)
            fputs("INT64_MIN", f);
        else
            fprintf(f, "INT64_C(%lld)", v);
        break;
    }
    case CC_DT_UINT64:
        fprintf(f, "UINT64_C(%llu)", (unsigned long long)((const uint64_t *)t->data)[i]);
        break;
    case CC_DT_INT32: {
        long v = ((const int32_t *)t->data)[i];
        if (v == INT32_MIN)
            fputs("INT32_MIN", f);
        else
            fprintf(f, "%ld", v);
        break;
    }
    case CC_DT_UINT32: fprintf(f, "%luu", (unsigned long)((const uint32_t *)t->data)[i]); break;
    case CC_DT_INT16: fprintf(f, "%d", ((const int16_t *)t->data)[i]); break;
    case CC_DT_INT8: fprintf(f, "%d", ((const int8_t *)t->data)[i]); break;
    case CC_DT_UINT16: case CC_DT_FLOAT16: case CC_DT_BFLOAT16:
        fprintf(f, "0x%04x", (unsigned)((const uint16_t *)t->data)[i]);
        break;
    default: fprintf(f, "%u", (unsigned)((const uint8_t *)t->data)[i]); break;
    }
}

/* The C expression of a tensor's storage inside a function of program pr. */
static void expr(const emitter *e, const cc_program *pr, const cc_tensor *t, char *buf, size_t n)
{
    const cc_graph *g = pr->g;
    const cc_place *pl = &pr->place[t->id];
    while (pl->loc == CC_LOC_ALIAS) {
        t = g->tensors[pl->alias];
        pl = &pr->place[t->id];
    }
    const char *nm = e->cname[t->id];
    switch (pl->loc) {
    case CC_LOC_CONST:
        if (cc_numel(t) == 0)
            snprintf(buf, n, "NULL");
        else
            snprintf(buf, n, "w_%s", nm);
        break;
    case CC_LOC_INPUT: snprintf(buf, n, "in_%s", nm); break;
    case CC_LOC_OUTPUT: snprintf(buf, n, "out_%s", nm); break;
    case CC_LOC_ARENA:
        if (pl->wino_only)      /* above the arena of builds without Winograd */
            snprintf(buf, n, "(RT_CONV_WINOGRAD ? A + %lld : NULL)", (long long)pl->offset);
        else
            snprintf(buf, n, "(A + %lld)", (long long)pl->offset);
        break;
    default: snprintf(buf, n, "NULL"); break;
    }
}

/* The C expressions of a call's arguments (NULL for an absent one). */
static void call_exprs(const emitter *e, const cc_program *p, const cc_call *c,
                       char exprs[][64], const char **argv)
{
    for (int a = 0; a < CC_CALL_MAX_ARGS; a++) {
        argv[a] = NULL;
        if (a >= cc_kernel_nargs(c->k) || !c->args[a])
            continue;
        expr(e, p, c->args[a], exprs[a], 64);
        argv[a] = exprs[a];
    }
}

/* wino: prints call c of program p, and where it has a target-conditional
 * alternative (cc_call.alt_if), c under #if and the alternative under
 * #else. */
static void print_call(const emitter *e, FILE *f, const cc_program *p, const cc_call *c)
{
    char exprs[CC_CALL_MAX_ARGS][64];
    const char *argv[CC_CALL_MAX_ARGS];
    const int alt = c->alt_if && c->alt;
    if (alt)
        fprintf(f, "#if %s\n", c->alt_if);
    call_exprs(e, p, c, exprs, argv);
    cc_call_print(f, c, argv, "    ");
    if (!alt)
        return;
    fputs("#else\n", f);
    call_exprs(e, p, c->alt, exprs, argv);
    cc_call_print(f, c->alt, argv, "    ");
    fputs("#endif\n", f);
}

/* Whether call c reads tensor t as one of its arguments. */
static int reads(const cc_call *c, const cc_tensor *t)
{
    for (int a = 0; a < cc_kernel_nargs(c->k) && a < CC_CALL_MAX_ARGS; a++)
        if (c->args[a] == t)
            return 1;
    return 0;
}

/* Adds 1 to n[id] for every argument of call c. */
static void count_reads(int *n, const cc_call *c)
{
    for (int a = 0; a < cc_kernel_nargs(c->k) && a < CC_CALL_MAX_ARGS; a++)
        if (c->args[a])
            n[c->args[a]->id]++;
}

/* wino: per tensor id, 0 when every build of the generated code holds the
 * constant, i + 1 when only call i's #if variant reads it, -(i + 1) when
 * only its #else variant does (and no other call of either program). NULL
 * on exhaustion, which emits every constant unconditionally. */
static int *const_conds(const emitter *e)
{
    const cc_program *p = e->p;
    const cc_graph *g = p->g;
    int *cond = calloc((size_t)g->ntensors + 1, sizeof *cond);
    int *n = calloc((size_t)g->ntensors + 1, sizeof *n);
    if (!cond || !n) {
        free(cond);
        free(n);
        return NULL;
    }
    /* readers of each tensor over both variants of every call */
    for (int i = 0; i < p->calls.n; i++) {
        const cc_call *c = &p->calls.v[i];
        count_reads(n, c);
        if (c->alt)
            count_reads(n, c->alt);
    }
    for (int i = 0; i < p->calls.n; i++) {
        const cc_call *c = &p->calls.v[i];
        if (!c->alt_if || !c->alt)
            continue;
        for (int v = 0; v < 2; v++) {
            const cc_call *mine = v ? c->alt : c, *other = v ? c : c->alt;
            for (int a = 0; a < cc_kernel_nargs(mine->k) && a < CC_CALL_MAX_ARGS; a++) {
                const cc_tensor *t = mine->args[a];
                if (!t || reads(other, t) || n[t->id] != 1 || t->id >= p->nplaced ||
                    p->place[t->id].loc != CC_LOC_CONST)
                    continue;
                if (e->t && t->id < e->t->prog.nplaced && e->t->prog.place[t->id].used)
                    continue;
                cond[t->id] = v ? -(i + 1) : i + 1;
            }
        }
    }
    free(n);
    return cond;
}

/* ------------------------------------------------------------ header */

static void emit_train_header(const emitter *e, FILE *f, const char *up);

static void shape_comment(FILE *f, const cc_tensor *t)
{
    char buf[256];
    fprintf(f, "%s %s", cc_dtype_name(t->dtype), cc_shape_str(t, buf, sizeof buf));
}

static void emit_params(const emitter *e, FILE *f, int with_arena)
{
    const cc_graph *g = e->p->g;
    int first = 1;
    if (with_arena) {
        fputs("void *arena", f);
        first = 0;
    }
    for (int i = 0; i < g->ninputs; i++) {
        const cc_tensor *t = g->inputs[i];
        fprintf(f, "%sconst %s *in_%s", first ? "" : ", ", ctype(t), e->cname[t->id]);
        first = 0;
    }
    for (int i = 0; i < g->noutputs; i++) {
        const cc_tensor *t = g->outputs[i];
        fprintf(f, "%s%s *out_%s", first ? "" : ", ", ctype(t), e->cname[t->id]);
        first = 0;
    }
    if (first)
        fputs("void", f);
}

static void emit_header(const emitter *e, FILE *f, const char *guard)
{
    const cc_graph *g = e->p->g;
    const char *P = e->o->prefix;
    char up[128];
    size_t k = 0;
    for (; P[k] && k + 1 < sizeof up; k++)
        up[k] = (char)toupper((unsigned char)P[k]);
    up[k] = 0;

    fprintf(f, "/* Generated by onnxcc " ONNXCC_VERSION " from ");
    cc_comment_safe(f, e->o->model_path);
    fprintf(f, ". Do not edit. */\n#ifndef %s\n#define %s\n\n#include <stdint.h>\n\n", guard, guard);
    fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    fprintf(f, "/* Bytes of scratch memory one inference needs (the planned arena);\n"
               " * pass a buffer of this size, aligned for int64_t and double, to\n"
               " * %s_run_arena. */\n", P);
    fprintf(f, "#define %s_ARENA_BYTES %lld\n", up, (long long)e->p->arena_bytes);
    fprintf(f, "#define %s_WEIGHT_BYTES %lld\n", up, (long long)e->p->weight_bytes);
    if (e->p->weight_bytes_if && e->p->weight_bytes_if != e->p->weight_bytes)
        fprintf(f, "/* (%lld when the code is built where RT_CONV_WINOGRAD is 1 (AVX-512):\n"
                   " * its Winograd weights, 16/9 of the ONNX ones they replace) */\n",
                (long long)e->p->weight_bytes_if);
    fprintf(f, "#define %s_NUM_INPUTS %d\n#define %s_NUM_OUTPUTS %d\n\n", up, g->ninputs, up,
            g->noutputs);
    for (int i = 0; i < g->ninputs + g->noutputs; i++) {
        int is_in = i < g->ninputs;
        const cc_tensor *t = is_in ? g->inputs[i] : g->outputs[i - g->ninputs];
        int idx = is_in ? i : i - g->ninputs;
        fprintf(f, "/* %s %d: '", is_in ? "input" : "output", idx);
        cc_comment_safe(f, t->name);
        fputs("', ", f);
        shape_comment(f, t);
        fprintf(f, " */\n#define %s_%s%d_SIZE %lld\n", up, is_in ? "INPUT" : "OUTPUT", idx,
                (long long)cc_numel(t));
        fprintf(f, "#define %s_%s%d_RANK %d\n", up, is_in ? "INPUT" : "OUTPUT", idx, t->rank);
        for (int a = 0; a < t->rank; a++)
            fprintf(f, "#define %s_%s%d_DIM%d %lld\n", up, is_in ? "INPUT" : "OUTPUT", idx, a,
                    (long long)t->shape[a]);
    }
    fprintf(f, "\n/* Runs the model using a static arena inside the generated code\n"
               " * (not reentrant: one call at a time). */\nvoid %s_run(", P);
    emit_params(e, f, 0);
    fprintf(f, ");\n\n/* Runs the model using the caller's arena of %s_ARENA_BYTES bytes\n"
               " * (reentrant: each concurrent call needs its own arena). */\nvoid %s_run_arena(",
            up, P);
    emit_params(e, f, 1);
    fputs(");\n", f);
    if (e->t)
        emit_train_header(e, f, up);
    fprintf(f, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ------------------------------------------------------------ source */

static void emit_const(const emitter *e, FILE *f, const cc_tensor *t)
{
    int64_t n = cc_numel(t);
    if (n == 0)
        return;
    fputs("/* '", f);
    cc_comment_safe(f, t->name);
    fputs("' ", f);
    shape_comment(f, t);
    /* trainable parameters are updated in place by the training step */
    fprintf(f, "%s */\nstatic %s%s w_%s[%lld] = {\n", t->trainable ? ", trainable" : "",
            t->trainable ? "" : "const ", ctype(t), e->cname[t->id], (long long)n);
    for (int64_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            fputs("    ", f);
        print_elem(f, t, i);
        fputs(i + 1 == n ? "\n" : (i % 8 == 7 ? ",\n" : ", "), f);
    }
    fputs("};\n\n", f);
}

static void emit_source(const emitter *e, FILE *f)
{
    const cc_program *p = e->p;
    const cc_graph *g = p->g;
    const char *P = e->o->prefix;
    fprintf(f, "/* Generated by onnxcc " ONNXCC_VERSION " from ");
    cc_comment_safe(f, e->o->model_path);
    fprintf(f, ". Do not edit. */\n#include <stddef.h>\n#include <stdint.h>\n#include <math.h>\n\n"
               "#include \"onnxcc_rt.h\"\n#include \"%s\"\n\n", e->o->header_name);

    /* constants referenced by some call of either program, in tensor order;
     * those only one variant of a call reads under its condition */
    int *cond = const_conds(e);
    for (int i = 0; i < g->ntensors; i++) {
        const cc_tensor *t = g->tensors[i];
        int used = i < p->nplaced && p->place[i].loc == CC_LOC_CONST && p->place[i].used;
        if (e->t && i < e->t->prog.nplaced)
            used |= e->t->prog.place[i].loc == CC_LOC_CONST && e->t->prog.place[i].used;
        if (!used)
            continue;
        int k = cond ? cond[i] : 0;
        if (k && cc_numel(t) > 0)
            fprintf(f, "#if %s%s%s\n", k < 0 ? "!(" : "", p->calls.v[abs(k) - 1].alt_if,
                    k < 0 ? ")" : "");
        emit_const(e, f, t);
        if (k && cc_numel(t) > 0)
            fputs("#endif\n\n", f);
    }
    free(cond);

    if (e->o->layer_hooks)
        fprintf(f, "void %s_layer_begin(int step);\nvoid %s_layer_end(int step);\n\n", P, P);
    fprintf(f, "void %s_run_arena(", P);
    emit_params(e, f, 1);
    fputs(")\n{\n    unsigned char *A = (unsigned char *)arena;\n    (void)A;\n", f);
    /* a graph may ignore an input or fill an output from constants only */
    for (int i = 0; i < g->ninputs; i++)
        fprintf(f, "    (void)in_%s;\n", e->cname[g->inputs[i]->id]);
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, "    (void)out_%s;\n", e->cname[g->outputs[i]->id]);
    for (int s = 0; s < p->nsteps; s++) {
        const cc_step *st = &p->steps[s];
        if (st->node) {
            char buf[256];
            fputs("    /* ", f);
            cc_comment_safe(f, st->node->label);
            fprintf(f, ": %s", st->node->op->name);
            if (st->node->fused)
                fprintf(f, "+%s", st->node->fused);
            if (st->node->out[0])
                fprintf(f, " -> %s", cc_shape_str(st->node->out[0], buf, sizeof buf));
            if (st->n == 0)
                fputs(" (a view: no data moves)", f);
            fputs(" */\n", f);
        } else {
            fputs("    /* copy of a constant or input to an output */\n", f);
        }
        if (e->o->layer_hooks && st->n > 0)
            fprintf(f, "    %s_layer_begin(%d);\n", P, s);
        for (int i = st->first; i < st->first + st->n; i++)
            print_call(e, f, p, &p->calls.v[i]);
        if (e->o->layer_hooks && st->n > 0)
            fprintf(f, "    %s_layer_end(%d);\n", P, s);
    }
    fputs("}\n\n", f);

    /* the static arena: an array of a union so it is suitably aligned */
    fprintf(f, "static union { double d; int64_t i; void *p; } %s_arena[%lld];\n\n", P,
            (long long)((p->arena_bytes + 7) / 8 + 1));
    fprintf(f, "void %s_run(", P);
    emit_params(e, f, 0);
    fprintf(f, ")\n{\n    %s_run_arena(%s_arena", P, P);
    for (int i = 0; i < g->ninputs; i++)
        fprintf(f, ", in_%s", e->cname[g->inputs[i]->id]);
    for (int i = 0; i < g->noutputs; i++)
        fprintf(f, ", out_%s", e->cname[g->outputs[i]->id]);
    fputs(");\n}\n", f);
}


/* ------------------------------------------------------------ training */

static const char *target_type(const cc_train *t)
{
    return t->o.loss == CC_LOSS_CE ? "int64_t" : "float";
}

static int64_t blob_floats(const cc_train *t)
{
    int64_t per = t->o.opt.kind == RT_OPT_SGD ? 2 : 3; /* weights + state */
    int64_t n = 0;
    for (int i = 0; i < t->nparams; i++)
        n += per * cc_numel(t->params[i].w);
    return n;
}

static void emit_train_header(const emitter *e, FILE *f, const char *up)
{
    const cc_train *t = e->t;
    const char *P = e->o->prefix;
    fprintf(f, "\n/* ---- training (--train): the step works on the caller's arena of\n"
               " * %s_TRAIN_ARENA_BYTES bytes (aligned for int64_t and double), which also\n"
               " * holds the optimizer state and hyper-parameters between steps. */\n", up);
    fprintf(f, "#include \"onnxcc_rt.h\"\n\n");
    if (t->prog.arena_bytes_base != t->prog.arena_bytes)
        /* the Winograd U of the training convs sits above the rest: only
         * builds whose library runs Winograd (AVX-512) need it */
        fprintf(f, "#if RT_CONV_WINOGRAD\n#define %s_TRAIN_ARENA_BYTES %lld\n#else\n"
                   "#define %s_TRAIN_ARENA_BYTES %lld   /* no Winograd U */\n#endif\n",
                up, (long long)t->prog.arena_bytes, up, (long long)t->prog.arena_bytes_base);
    else
        fprintf(f, "#define %s_TRAIN_ARENA_BYTES %lld\n", up, (long long)t->prog.arena_bytes);
    fprintf(f, "#define %s_TRAIN_BATCH %lld   /* the largest batch a step takes */\n", up,
            (long long)t->input->shape[0]);
    fprintf(f, "#define %s_TRAIN_PARAMS %d\n", up, t->nparams);
    fprintf(f, "#define %s_PARAMS_BLOB_BYTES %lld\n", up, (long long)(44 + 4 * blob_floats(t)));
    fprintf(f, "#define %s_FINGERPRINT UINT64_C(0x%016llx)\n\n", up,
            (unsigned long long)t->fingerprint);
    fprintf(f, "/* Zeroes the optimizer state and sets the hyper-parameters given at\n"
               " * compile time; call once before the first step. */\n"
               "void %s_train_init(void *arena);\n", P);
    fprintf(f, "void %s_set_lr(void *arena, float lr);\n", P);
    fprintf(f, "/* All hyper-parameters (the optimizer kind stays the compiled one);\n"
               " * clip_norm 0 disables clipping by global norm. */\n"
               "void %s_set_hparams(void *arena, const rt_opt_params *p, float clip_norm);\n", P);
    fprintf(f, "void %s_get_hparams(const void *arena, rt_opt_params *p, float *clip_norm);\n", P);
    fprintf(f, "/* One step on `batch` samples (1..%s_TRAIN_BATCH): forward, loss, backward,\n"
               " * optimizer update. Returns the batch's mean loss; adds the number of\n"
               " * correctly classified samples to *correct (cross-entropy; may be NULL). */\n"
               "float %s_train_step(void *arena, const float *input, const %s *target, "
               "int64_t batch, int64_t *correct);\n", up, P, target_type(t));
    fprintf(f, "/* The loss (and *correct) without training. */\n"
               "float %s_eval_step(void *arena, const float *input, const %s *target, "
               "int64_t batch, int64_t *correct);\n", P, target_type(t));
    fprintf(f, "/* Saves the trained parameters and optimizer state as a checksummed blob\n"
               " * of %s_PARAMS_BLOB_BYTES bytes; returns the bytes written, 0 if len is\n"
               " * too small. */\n"
               "size_t %s_params_save(const void *arena, uint8_t *buf, size_t len);\n", up, P);
    fprintf(f, "/* Loads a blob saved by %s_params_save; returns 0, or an RT_BLOB_E* code\n"
               " * (corrupt, truncated, other model) and changes nothing. */\n"
               "int %s_params_load(void *arena, const uint8_t *buf, size_t len);\n", P, P);
}

/* Prints the calls [from, to) of the training program, with the loss. */
static void emit_train_calls(const emitter *e, FILE *f, int from, int to, int with_grad)
{
    const cc_train *t = e->t;
    const cc_program *p = &t->prog;
    for (int i = from; i < to; i++) {
        const cc_call *c = &p->calls.v[i];
        char exprs[CC_CALL_MAX_ARGS][64];
        const char *argv[CC_CALL_MAX_ARGS];
        call_exprs(e, p, c, exprs, argv);
        if (c->k == CC_K_STAGE) {
            int64_t per = cc_numel(t->input) / t->input->shape[0];
            fprintf(f, "    /* the batch, zero-padded to %lld samples */\n"
                       "    for (int64_t i = 0; i < batch * %lld; i++)\n"
                       "        ((float *)%s)[i] = input[i];\n"
                       "    rt_zero((float *)%s + batch * %lld, (%lld - batch) * %lld);\n",
                    (long long)t->input->shape[0], (long long)per, argv[0], argv[0],
                    (long long)per, (long long)t->input->shape[0], (long long)per);
        } else if (c->k == CC_K_LOSS) {
            int64_t per = cc_numel(t->pred) / t->pred->shape[0];
            char dp[80];
            snprintf(dp, sizeof dp, "(float *)%s", argv[0]);
            if (with_grad)
                fprintf(f, "    rt_zero(%s, %lld);\n", dp, (long long)cc_numel(t->pred));
            if (t->o.loss == CC_LOSS_CE)
                fprintf(f, "    loss = rt_loss_cross_entropy(%s, (const float *)%s, target, batch, "
                           "%lld, correct);\n", with_grad ? dp : "NULL", argv[1], (long long)per);
            else
                fprintf(f, "    loss = %s(%s, (const float *)%s, target, batch * %lld);\n",
                        t->o.loss == CC_LOSS_MSE ? "rt_loss_mse" : "rt_loss_bce_logits",
                        with_grad ? dp : "NULL", argv[1], (long long)per);
            if (with_grad)
                fputs("    /* backward */\n", f);
        } else {
            cc_call_print(f, c, argv, "    ");
        }
    }
}

static void emit_train_source(const emitter *e, FILE *f)
{
    const cc_train *t = e->t;
    const char *P = e->o->prefix;
    const rt_opt_params *o = &t->o.opt;
    static const char *const kinds[] = {"RT_OPT_SGD", "RT_OPT_ADAM", "RT_OPT_ADAMW"};
    fprintf(f, "\n/* ================================================ training */\n\n"
               "/* The state at the start of the training arena. */\n"
               "typedef struct {\n    rt_opt_params opt;\n    float clip_norm;\n"
               "    int64_t step;\n    rt_rng rng;\n} %s_train_state;\n\n"
               "/* it must fit the %lld bytes the compiler reserved for it */\n"
               "typedef char %s_state_fits[sizeof(%s_train_state) <= %lld ? 1 : -1];\n\n",
               P, (long long)t->header_bytes, P, P, (long long)t->header_bytes);
    fprintf(f, "void %s_train_init(void *arena)\n{\n    %s_train_state *S = (%s_train_state *)arena;\n"
               "    rt_zero((float *)((unsigned char *)arena + %lld), %lld);\n"
               "    S->opt.kind = %s;\n    S->opt.lr = ", P, P, P, (long long)t->header_bytes,
            (long long)(t->state_bytes / 4), kinds[o->kind]);
    cc_print_float(f, o->lr);
    fputs(";\n    S->opt.momentum = ", f);
    cc_print_float(f, o->momentum);
    fputs(";\n    S->opt.dampening = ", f);
    cc_print_float(f, o->dampening);
    fprintf(f, ";\n    S->opt.nesterov = %d;\n    S->opt.weight_decay = ", o->nesterov);
    cc_print_float(f, o->weight_decay);
    fputs(";\n    S->opt.beta1 = ", f);
    cc_print_float(f, o->beta1);
    fputs(";\n    S->opt.beta2 = ", f);
    cc_print_float(f, o->beta2);
    fputs(";\n    S->opt.eps = ", f);
    cc_print_float(f, o->eps);
    fputs(";\n    S->opt.l1 = ", f);
    cc_print_float(f, o->l1);
    fputs(";\n    S->clip_norm = ", f);
    cc_print_float(f, t->o.clip_norm);
    fprintf(f, ";\n    S->step = 0;\n    rt_rng_seed(&S->rng, UINT64_C(%llu));\n}\n\n",
            (unsigned long long)t->o.seed);
    fprintf(f, "void %s_set_lr(void *arena, float lr)\n{\n    ((%s_train_state *)arena)->opt.lr = lr;\n}\n\n",
            P, P);
    fprintf(f, "void %s_set_hparams(void *arena, const rt_opt_params *p, float clip_norm)\n{\n"
               "    %s_train_state *S = (%s_train_state *)arena;\n    S->opt = *p;\n"
               "    S->opt.kind = %s;\n    S->clip_norm = clip_norm;\n}\n\n", P, P, P, kinds[o->kind]);
    fprintf(f, "void %s_get_hparams(const void *arena, rt_opt_params *p, float *clip_norm)\n{\n"
               "    const %s_train_state *S = (const %s_train_state *)arena;\n    *p = S->opt;\n"
               "    *clip_norm = S->clip_norm;\n}\n\n", P, P, P);

    /* the step */
    fprintf(f, "float %s_train_step(void *arena, const float *input, const %s *target, "
               "int64_t batch, int64_t *correct)\n{\n"
               "    unsigned char *A = (unsigned char *)arena;\n"
               "    %s_train_state *S = (%s_train_state *)arena;\n    float loss;\n"
               "    rt_opt_params opt;\n"
               "    (void)correct; /* counted for cross-entropy only */\n"
               "    if (batch < 1 || batch > %lld)\n        return NAN;\n",
            P, target_type(t), P, P, (long long)t->input->shape[0]);
    emit_train_calls(e, f, 0, t->nfwd + 1, 1);
    emit_train_calls(e, f, t->nfwd + 1, t->prog.calls.n, 1);
    /* L1 is a term of the loss: its gradient joins before clipping, as
     * adding l1 * sum|w| to the loss in PyTorch would */
    fputs("    /* update */\n    opt = S->opt;\n    if (opt.l1 != 0.0f) {\n", f);
    char ex[64];
    for (int i = 0; i < t->nparams; i++) {
        expr(e, &t->prog, t->params[i].g, ex, sizeof ex);
        fprintf(f, "        for (int64_t i = 0; i < %lld; i++)\n"
                   "            ((float *)%s)[i] += opt.l1 * (w_%s[i] > 0.0f ? 1.0f : "
                   "w_%s[i] < 0.0f ? -1.0f : 0.0f);\n",
                (long long)cc_numel(t->params[i].w), ex, e->cname[t->params[i].w->id],
                e->cname[t->params[i].w->id]);
    }
    fputs("        opt.l1 = 0.0f;\n    }\n    if (S->clip_norm > 0.0f) {\n        double ss = 0.0;\n", f);
    for (int i = 0; i < t->nparams; i++) {
        expr(e, &t->prog, t->params[i].g, ex, sizeof ex);
        fprintf(f, "        ss += rt_sum_squares((const float *)%s, %lld);\n", ex,
                (long long)cc_numel(t->params[i].w));
    }
    fputs("        {\n            float coef = S->clip_norm / ((float)sqrt(ss) + 1e-6f);\n"
          "            if (coef < 1.0f) {\n", f);
    for (int i = 0; i < t->nparams; i++) {
        expr(e, &t->prog, t->params[i].g, ex, sizeof ex);
        fprintf(f, "                rt_scale((float *)%s, %lld, coef);\n", ex,
                (long long)cc_numel(t->params[i].w));
    }
    fputs("            }\n        }\n    }\n    S->step++;\n", f);
    for (int i = 0; i < t->nparams; i++) {
        const cc_param *pp = &t->params[i];
        expr(e, &t->prog, pp->g, ex, sizeof ex);
        fprintf(f, "    rt_opt_step(w_%s, (float *)%s, (float *)(A + %lld), %lld, S->step, &opt);\n",
                e->cname[pp->w->id], ex, (long long)pp->state_off, (long long)cc_numel(pp->w));
    }
    fputs("    return loss;\n}\n\n", f);

    /* evaluation: the forward pass and the loss only */
    fprintf(f, "float %s_eval_step(void *arena, const float *input, const %s *target, "
               "int64_t batch, int64_t *correct)\n{\n"
               "    unsigned char *A = (unsigned char *)arena;\n    %s_train_state *S = "
               "(%s_train_state *)arena;\n    float loss;\n    (void)S;\n    (void)correct;\n"
               "    if (batch < 1 || batch > %lld)\n        return NAN;\n",
            P, target_type(t), P, P, (long long)t->input->shape[0]);
    /* dropout is off in evaluation: its calls are skipped by printing a copy */
    for (int i = 0; i <= t->nfwd; i++) {
        const cc_call *c = &t->prog.calls.v[i];
        if (c->k == CC_K_DROPOUT) {
            char y[64], x[64];
            expr(e, &t->prog, c->args[0], y, sizeof y);
            expr(e, &t->prog, c->args[2], x, sizeof x);
            fprintf(f, "    {\n        static const rt_unary_params p = {.op = RT_UN_NONE, "
                       ".alpha = 0.0f, .beta = 0.0f, .n = %lld};\n"
                       "        rt_unary_forward((float *)%s, (const float *)%s, &p);\n    }\n",
                    (long long)c->p.drop.n, y, x);
            continue;
        }
        emit_train_calls(e, f, i, i + 1, 0);
    }
    fputs("    return loss;\n}\n\n", f);

    /* parameter blobs */
    fprintf(f, "/* weights, then optimizer state, in parameter order */\n"
               "static void %s_blob_parts(void *arena, rt_blob_part *parts)\n{\n"
               "    unsigned char *A = (unsigned char *)arena;\n", P);
    int per = o->kind == RT_OPT_SGD ? 1 : 2;
    for (int i = 0; i < t->nparams; i++)
        fprintf(f, "    parts[%d].data = w_%s;\n    parts[%d].n = %lld;\n", i,
                e->cname[t->params[i].w->id], i, (long long)cc_numel(t->params[i].w));
    for (int i = 0; i < t->nparams; i++)
        fprintf(f, "    parts[%d].data = (float *)(A + %lld);\n    parts[%d].n = %lld;\n",
                t->nparams + i, (long long)t->params[i].state_off, t->nparams + i,
                (long long)(per * cc_numel(t->params[i].w)));
    fputs("}\n\n", f);
    fprintf(f, "size_t %s_params_save(const void *arena, uint8_t *buf, size_t len)\n{\n"
               "    rt_blob_part parts[%d];\n    size_t need;\n"
               "    %s_blob_parts((void *)(uintptr_t)arena, parts);\n"
               "    need = rt_blob_size(parts, %d);\n    if (len < need)\n        return 0;\n"
               "    rt_blob_write(buf, parts, %d, UINT64_C(0x%016llx), "
               "(uint64_t)((const %s_train_state *)arena)->step);\n    return need;\n}\n\n",
            P, 2 * t->nparams, P, 2 * t->nparams, 2 * t->nparams,
            (unsigned long long)t->fingerprint, P);
    fprintf(f, "int %s_params_load(void *arena, const uint8_t *buf, size_t len)\n{\n"
               "    rt_blob_part parts[%d];\n    uint64_t step;\n    int rc;\n"
               "    %s_blob_parts(arena, parts);\n"
               "    rc = rt_blob_read(buf, len, parts, %d, UINT64_C(0x%016llx), &step);\n"
               "    if (rc == 0)\n        ((%s_train_state *)arena)->step = (int64_t)step;\n"
               "    return rc;\n}\n",
            P, 2 * t->nparams, P, 2 * t->nparams, (unsigned long long)t->fingerprint, P);
}

cc_status cc_emit(const cc_program *p, const cc_train *t, const cc_emit_opts *o, FILE *c_out,
                  FILE *h_out, cc_diag *d)
{
    emitter e = {p, t, o, NULL};
    cc_status st = make_names(&e, d);
    if (st)
        return st;
    char guard[160], base[140];
    cc_sanitize_ident(o->header_name, base, sizeof base);
    snprintf(guard, sizeof guard, "ONNXCC_%s", base);
    for (char *q = guard; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    if (h_out)
        emit_header(&e, h_out, guard);
    if (c_out) {
        emit_source(&e, c_out);
        if (t)
            emit_train_source(&e, c_out);
    }
    return CC_OK;
}
