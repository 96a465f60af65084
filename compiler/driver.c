/*
 * driver.c - the compile pipeline (import, passes, lowering, planning) and
 * writing the generated files without ever leaving a half-written one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cc.h"

cc_status cc_compile_model(cc_ctx *ctx, const char *path, const cc_compile_opts *o,
                           cc_program *prog, cc_train *t, cc_diag *d)
{
    cc_graph *g;
    cc_status st = cc_import(ctx, path, &o->import, &g, d);
    return st ? st : cc_compile_graph(g, o, prog, t, d);
}

cc_status cc_compile_graph(cc_graph *g, const cc_compile_opts *o, cc_program *prog, cc_train *t,
                           cc_diag *d)
{
    const char *path = g->path;
    cc_status st;
    g->max_folded_bytes = o->max_weights; /* folded constants are weights too */
    if (o->train.enabled) {
        /* before inference, so trainable parameters are not folded away */
        st = cc_train_mark(g, &o->train, d);
        if (st)
            return st;
    }
    st = cc_infer(g, d);
    if (st)
        return st;
    cc_dce(g);
    cc_unfused_bound(g);
    if (!o->train.enabled) {
        /* folding BN and fusing activations would hide what training updates */
        st = cc_fuse(g, d);
        if (st)
            return st;
        cc_dce(g);
    }
    st = cc_lower_and_plan(g, prog, d);
    if (!st && !o->train.enabled)
        st = cc_prepack(prog, d);   /* training updates weights in ONNX layout */
    if (!st && o->train.enabled)
        st = cc_train_build(g, &o->train, t, d);
    if (st)
        return st;
    int64_t max_arena = o->max_arena > 0 ? o->max_arena : CC_DEFAULT_MAX_ARENA;
    int64_t max_weights = o->max_weights > 0 ? o->max_weights : CC_DEFAULT_MAX_WEIGHTS;
    /* both limits take the figures of a build without the Winograd
     * kernel (RT_CONV_WINOGRAD 0: every target but AVX-512, where memory
     * is tight); an AVX-512 build may add the Winograd weights U, which
     * summary prints beside them */
    int64_t arena = o->train.enabled && t->prog.arena_bytes_base > prog->arena_bytes
                        ? t->prog.arena_bytes_base : prog->arena_bytes;
    if (arena > max_arena)
        return cc_fail(d, CC_ERR_MODEL, "%s: the planned %sarena needs %lld bytes, over the limit "
                       "of %lld (--max-arena)", path, o->train.enabled ? "training " : "",
                       (long long)arena, (long long)max_arena);
    if (prog->weight_bytes > max_weights)
        return cc_fail(d, CC_ERR_MODEL, "%s: the weights take %lld bytes, over the limit of %lld "
                       "(--max-weights)", path, (long long)prog->weight_bytes,
                       (long long)max_weights);
    return CC_OK;
}

/* Writes to a temporary file beside the target and renames it into place,
 * so an interrupted run never leaves a partial file under the final name. */
typedef struct {
    char *final_path;
    char *tmp_path;
    FILE *f;
} atomic_file;

static cc_status atomic_open(atomic_file *a, const char *path, cc_diag *d)
{
    size_t n = strlen(path);
    a->final_path = malloc(n + 1);
    a->tmp_path = malloc(n + 16);
    a->f = NULL;
    if (!a->final_path || !a->tmp_path) {
        free(a->final_path);
        free(a->tmp_path);
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", path);
    }
    memcpy(a->final_path, path, n + 1);
    snprintf(a->tmp_path, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(a->tmp_path);
    if (fd < 0) {
        cc_status st = cc_fail(d, CC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        free(a->final_path);
        free(a->tmp_path);
        return st;
    }
    a->f = fdopen(fd, "w");
    if (!a->f) {
        close(fd);
        unlink(a->tmp_path);
        free(a->final_path);
        free(a->tmp_path);
        return cc_fail(d, CC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    return CC_OK;
}

static void atomic_abort(atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp_path)
        unlink(a->tmp_path);
    free(a->final_path);
    free(a->tmp_path);
    a->f = NULL;
    a->final_path = a->tmp_path = NULL;
}

/* Flushes and closes; the rename happens in atomic_commit. */
static cc_status atomic_close(atomic_file *a, cc_diag *d)
{
    int bad = ferror(a->f) | fflush(a->f);
    bad |= fclose(a->f);
    a->f = NULL;
    if (bad)
        return cc_fail(d, CC_ERR_IO, "%s: write error", a->final_path);
    return CC_OK;
}

static cc_status atomic_commit(atomic_file *a, cc_diag *d)
{
    /* mkstemp made the file 0600; generated sources are ordinary files */
    mode_t um = umask(0);
    umask(um);
    chmod(a->tmp_path, 0666 & ~um);
    cc_status st = CC_OK;
    if (rename(a->tmp_path, a->final_path) != 0) {
        st = cc_fail(d, CC_ERR_IO, "%s: cannot rename into place: %s", a->final_path,
                     strerror(errno));
        unlink(a->tmp_path);
    }
    free(a->final_path);
    free(a->tmp_path);
    a->final_path = a->tmp_path = NULL;
    return st;
}

cc_status cc_write_outputs(const cc_program *p, const cc_train *t, const char *c_path,
                           const char *prefix, cc_diag *d)
{
    /* OUT.h beside OUT.c: replace a trailing ".c", else append ".h" */
    size_t n = strlen(c_path);
    char *h_path = malloc(n + 3);
    if (!h_path)
        return cc_fail(d, CC_ERR_IO, "out of memory");
    memcpy(h_path, c_path, n + 1);
    if (n >= 2 && strcmp(c_path + n - 2, ".c") == 0)
        h_path[n - 1] = 'h';
    else
        memcpy(h_path + n, ".h", 3);
    const char *slash = strrchr(h_path, '/');
    const char *base = slash ? slash + 1 : h_path;
    /* the .c includes the .h by name: a name C cannot spell is refused */
    for (const char *q = base; *q; q++) {
        if (*q == '"' || *q == '\\' || (unsigned char)*q < 32) {
            free(h_path);
            return cc_fail(d, CC_ERR_USAGE, "%s: the output file name cannot be written in an "
                           "#include directive (no quotes, backslashes or control characters)",
                           c_path);
        }
    }
    const char *targets[2] = {c_path, h_path};
    for (int i = 0; i < 2; i++) {
        struct stat sb;
        if (stat(targets[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            cc_status st = cc_fail(d, CC_ERR_IO, "%s: is a directory; -o names the .c file to "
                                   "write", targets[i]);
            free(h_path);
            return st;
        }
    }
    cc_emit_opts eo = {prefix, base, p->g->path, 0};

    atomic_file ac, ah;
    cc_status st = atomic_open(&ac, c_path, d);
    if (st) {
        free(h_path);
        return st;
    }
    st = atomic_open(&ah, h_path, d);
    if (st) {
        atomic_abort(&ac);
        free(h_path);
        return st;
    }
    st = cc_emit(p, t, &eo, ac.f, ah.f, d);
    if (!st)
        st = atomic_close(&ac, d);
    if (!st)
        st = atomic_close(&ah, d);
    if (st) {
        atomic_abort(&ac);
        atomic_abort(&ah);
        free(h_path);
        return st;
    }
    st = atomic_commit(&ah, d);
    if (!st)
        st = atomic_commit(&ac, d);
    else
        atomic_abort(&ac);
    free(h_path);
    return st;
}

cc_status cc_write_file_atomic(const char *path, const void *bytes, size_t n, cc_diag *d)
{
    atomic_file a;
    cc_status st = atomic_open(&a, path, d);
    if (st)
        return st;
    if (n && fwrite(bytes, 1, n, a.f) != n) {
        atomic_abort(&a);
        return cc_fail(d, CC_ERR_IO, "%s: write error", path);
    }
    st = atomic_close(&a, d);
    if (st) {
        atomic_abort(&a);
        return st;
    }
    return atomic_commit(&a, d);
}
