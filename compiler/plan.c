/*
 * plan.c - lowering every live node to kernel calls, then memory planning:
 * each intermediate tensor gets a byte range of one arena, chosen from
 * tensor lifetimes (greedy by size, largest first, lowest fitting offset, as
 * TFLite Micro's greedy planner does). Views (Reshape, Flatten, ...) share
 * their input's storage; element-wise ops overwrite an input that dies at
 * that node (in place).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define CC_ALIGN 16 /* arena offsets are multiples of this */

static int64_t align_up(int64_t v)
{
    return (v + CC_ALIGN - 1) / CC_ALIGN * CC_ALIGN;
}

static cc_tensor *root_of(cc_tensor *t)
{
    while (t->loc == CC_LOC_ALIAS)
        t = t->alias;
    return t;
}

/* Appends a whole-tensor copy y <- x (both of y's shape and dtype). */
static cc_status add_copy(cc_calls *calls, cc_tensor *y, cc_tensor *x)
{
    cc_call *c = cc_calls_add(calls, CC_K_COPY);
    if (!c)
        return CC_ERR_IO;
    c->args[0] = y;
    c->args[1] = x;
    c->p.copy.elem_size = (int)cc_dtype_size(y->dtype);
    c->p.copy.ndim = 1;
    c->p.copy.shape[0] = cc_numel(y);
    c->p.copy.ystride[0] = 1;
    c->p.copy.xstride[0] = 1;
    return CC_OK;
}

typedef struct {
    cc_tensor *t;
    int64_t size;
} buf_ref;

static int cmp_buf(const void *pa, const void *pb)
{
    const buf_ref *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    if (a->t->first != b->t->first)
        return a->t->first < b->t->first ? -1 : 1;
    return a->t->id < b->t->id ? -1 : 1;
}

cc_status cc_snapshot_places(cc_program *pr, cc_diag *d)
{
    cc_graph *g = pr->g;
    pr->nplaced = g->ntensors;
    pr->place = cc_alloc_array(g->ctx, (size_t)g->ntensors + 1, sizeof *pr->place);
    if (!pr->place)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    for (int i = 0; i < g->ntensors; i++) {
        const cc_tensor *t = g->tensors[i];
        cc_place *pl = &pr->place[i];
        pl->loc = t->loc;
        pl->alias = t->alias ? t->alias->id : -1;
        pl->offset = t->offset;
        pl->used = t->used;
        pl->wino_only = t->wino_only;
    }
    return CC_OK;
}

static int cmp_first(const void *pa, const void *pb)
{
    const buf_ref *a = pa, *b = pb;
    if (a->t->first != b->t->first)
        return a->t->first < b->t->first ? -1 : 1;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return a->t->id < b->t->id ? -1 : 1;
}

/* Is [off, off + size) clear of the placed buffers in over[0..no)? */
static int fits(buf_ref **over, int no, int64_t off, int64_t size)
{
    for (int a = 0; a < no; a++) {
        int64_t lo = over[a]->t->offset, hi = lo + over[a]->size;
        if (off < hi && lo < off + size)
            return 0;
    }
    return 1;
}

/* Places bufs[from ..] in the given order, each clear of every earlier
 * buffer (bufs[0 .. from) already placed) whose lifetime overlaps its own.
 * Plain: at the lowest fitting offset. Reuse: it may also take the offset of
 * an earlier buffer whose lifetime is over (a freed slot), choosing the
 * lowest resulting peak, then the slot that fits most tightly, then the
 * lowest offset. Returns the peak (the end of the highest buffer). */
static int64_t place_pass(buf_ref *bufs, int nb, buf_ref **over, int reuse, int from)
{
    int64_t peak = 0;
    for (int i = 0; i < from; i++)
        if (bufs[i].t->offset + bufs[i].size > peak)
            peak = bufs[i].t->offset + bufs[i].size;
    for (int i = from; i < nb; i++) {
        cc_tensor *t = bufs[i].t;
        int64_t size = bufs[i].size;
        int no = 0;
        for (int j = 0; j < i; j++) {
            cc_tensor *u = bufs[j].t;
            if (u->first <= t->last && t->first <= u->last)
                over[no++] = &bufs[j];
        }
        /* the overlapping ones by offset (insertion sort: lists are short) */
        for (int a = 1; a < no; a++) {
            buf_ref *x = over[a];
            int b = a - 1;
            while (b >= 0 && over[b]->t->offset > x->t->offset) {
                over[b + 1] = over[b];
                b--;
            }
            over[b + 1] = x;
        }
        int64_t off = 0;
        for (int a = 0; a < no; a++) {
            int64_t lo = over[a]->t->offset, hi = lo + over[a]->size;
            if (off + size <= lo)
                break;
            if (hi > off)
                off = hi;
        }
        int64_t best = off, best_peak = off + size > peak ? off + size : peak;
        int64_t best_waste = INT64_MAX;
        for (int j = 0; reuse && j < i; j++) {
            const buf_ref *u = &bufs[j];
            int64_t cand = u->t->offset;
            if (u->size < size || (u->t->first <= t->last && t->first <= u->t->last) ||
                !fits(over, no, cand, size))
                continue;
            int64_t cpeak = cand + size > peak ? cand + size : peak;
            int64_t waste = u->size - size;
            if (cpeak < best_peak || (cpeak == best_peak && (waste < best_waste ||
                                                             (waste == best_waste && cand < best)))) {
                best = cand;
                best_peak = cpeak;
                best_waste = waste;
            }
        }
        t->offset = best;
        peak = best_peak;
    }
    return peak;
}

/* Places the arena buffers; fills offsets, the arena size and the bound. */
cc_status cc_place_arena(cc_program *pr, cc_diag *d)
{
    cc_graph *g = pr->g;
    int nb = 0;
    buf_ref *bufs = cc_alloc_array(g->ctx, (size_t)g->ntensors + 1, sizeof *bufs);
    if (!bufs)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *t = g->tensors[i];
        if (t->loc == CC_LOC_ARENA && t->last < 0) {
            /* no call of this program reads or writes it (a tensor of the
             * graph that fusion or the training lowering bypassed): it
             * takes no space. Placed, such buffers shared one empty
             * lifetime and stacked up: `--trainable last:1` on ResNet-8
             * planned 13.1 MB against a 6.3 MB bound. */
            t->offset = 0;
            continue;
        }
        if (t->loc == CC_LOC_ARENA && !t->wino_only) {
            bufs[nb].t = t;
            bufs[nb].size = align_up(cc_nbytes(t));
            nb++;
        }
    }
    qsort(bufs, (size_t)nb, sizeof *bufs, cmp_buf);
    /* the Winograd-only buffers, after the others in bufs */
    int nw = 0;
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *t = g->tensors[i];
        if (t->loc == CC_LOC_ARENA && t->wino_only && t->last >= 0) {
            bufs[nb + nw].t = t;
            bufs[nb + nw].size = align_up(cc_nbytes(t));
            nw++;
        }
    }
    qsort(bufs + nb, (size_t)nw, sizeof *bufs, cmp_buf);
    /* lower bound: the largest sum of buffers live at one step (all of
     * them: the figure for builds that use the Winograd-only ones) */
    int64_t bound = 0;
    for (int s = 0; s < pr->nsteps; s++) {
        int64_t live = 0;
        for (int i = 0; i < nb + nw; i++)
            if (bufs[i].t->first <= s && s <= bufs[i].t->last)
                live += bufs[i].size;
        if (live > bound)
            bound = live;
    }
    /* two heuristics, the better kept: largest first at the lowest fitting
     * offset (TFLite Micro's greedy planner), and in order of first use into
     * the best-fitting gap (a linear scan, which keeps chains alternating) */
    buf_ref **over = cc_alloc_array(g->ctx, (size_t)(nb + nw) + 1, sizeof *over);
    buf_ref *byfirst = cc_alloc_array(g->ctx, (size_t)nb + 1, sizeof *byfirst);
    int64_t *keep = cc_alloc_array(g->ctx, (size_t)nb + 1, sizeof *keep);
    if (!over || !byfirst || !keep)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
    int64_t peak = place_pass(bufs, nb, over, 0, 0);
    for (int i = 0; i < nb; i++)
        keep[i] = bufs[i].t->offset;
    memcpy(byfirst, bufs, (size_t)nb * sizeof *bufs);
    qsort(byfirst, (size_t)nb, sizeof *byfirst, cmp_first);
    int64_t peak2 = place_pass(byfirst, nb, over, 1, 0);
    if (peak2 < peak)
        peak = peak2;
    else
        for (int i = 0; i < nb; i++)
            bufs[i].t->offset = keep[i];
    /* then the Winograd-only buffers, largest first at the lowest offset
     * clear of every buffer they overlap in time: in a gap of that plan or
     * above it. The others' offsets do not move, so a build without
     * Winograd, which never touches these, takes the arena up to the
     * others' peak. */
    pr->arena_bytes_base = peak;
    pr->arena_bytes = place_pass(bufs, nb + nw, over, 0, nb);
    pr->lower_bound = bound;
    return CC_OK;
}

/* Is call c element-wise over its output, so that y may overwrite input k? */
static int inplace_ok(const cc_call *c, int k)
{
    if (c->k == CC_K_UNARY)
        return k == 0;
    if (c->k != CC_K_BINARY)
        return 0;
    const rt_binary_params *p = &c->p.bin;
    const int64_t *s = k == 0 ? p->astride : p->bstride;
    int64_t acc = 1;
    for (int i = p->ndim - 1; i >= 0; i--) {
        if (p->shape[i] != 1 && s[i] != acc)
            return 0;
        acc *= p->shape[i];
    }
    return 1;
}

cc_status cc_lower_and_plan(cc_graph *g, cc_program *pr, cc_diag *d)
{
    memset(pr, 0, sizeof *pr);
    pr->g = g;
    pr->calls.ctx = g->ctx;
    pr->steps = cc_alloc_array(g->ctx, (size_t)g->nnodes + (size_t)g->noutputs + 1,
                               sizeof *pr->steps);
    if (!pr->steps)
        return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);

    /* where each tensor lives */
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *t = g->tensors[i];
        t->loc = CC_LOC_NONE;
        t->alias = NULL;
        t->first = t->last = -1;
        if (t->data)
            t->loc = CC_LOC_CONST;
        else if (t->input_index >= 0)
            t->loc = CC_LOC_INPUT;
        else if (t->output_index >= 0)
            t->loc = CC_LOC_OUTPUT;
    }

    /* lower, in order; remember each tensor's last reader */
    for (int i = 0; i < g->nnodes; i++) {
        cc_node *n = g->nodes[i];
        if (n->dead)
            continue;
        cc_step *s = &pr->steps[pr->nsteps];
        s->node = n;
        s->first = pr->calls.n;
        cc_status st;
        if (n->op->alias) {
            cc_tensor *y = n->out[0];
            if (y->loc == CC_LOC_OUTPUT)
                st = add_copy(&pr->calls, y, n->in[0]);
            else {
                y->loc = CC_LOC_ALIAS;
                y->alias = n->in[0];
                st = CC_OK;
            }
            if (st)
                return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        } else {
            st = n->op->lower(g, n, &pr->calls, d);
            if (!st)
                st = cc_calls_retype(g, n, &pr->calls, s->first, d);
            if (st)
                return st;
        }
        s->n = pr->calls.n - s->first;
        /* temporaries the step's calls made (cc_calls_retype's float32
         * copies of float16 / bfloat16 tensors) live during the step */
        for (int c = s->first; c < pr->calls.n; c++)
            for (int a = 0; a < CC_CALL_MAX_ARGS; a++) {
                cc_tensor *t = pr->calls.v[c].args[a];
                if (t && t->loc == CC_LOC_ARENA && t->first < 0)
                    t->first = t->last = pr->nsteps;
            }
        for (int k = 0; k < n->nout; k++) {
            cc_tensor *y = n->out[k];
            if (!y)
                continue;
            if (y->loc == CC_LOC_NONE)
                y->loc = CC_LOC_ARENA;
            y->first = pr->nsteps;
            y->last = pr->nsteps; /* written even if nobody reads it */
        }
        for (int k = 0; k < n->nin; k++)
            if (n->in[k])
                n->in[k]->last = pr->nsteps;
        pr->nsteps++;
    }
    /* outputs that are constants or inputs need a final copy */
    for (int i = 0; i < g->noutputs; i++) {
        cc_tensor *y = g->outputs[i];
        if (y->loc != CC_LOC_CONST && y->loc != CC_LOC_INPUT)
            continue;
        cc_step *s = &pr->steps[pr->nsteps++];
        s->node = NULL;
        s->first = pr->calls.n;
        cc_tensor *o = cc_tensor_new(g, NULL);
        if (!o)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        *o = *y;
        o->id = g->ntensors - 1;
        o->data = NULL;
        o->loc = CC_LOC_OUTPUT;
        o->input_index = -1;
        g->outputs[i] = o;
        y->output_index = -1;
        if (add_copy(&pr->calls, o, y))
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        s->n = 1;
        o->first = o->last = y->last = pr->nsteps - 1;
    }

    /* aliases and in-place: extend each root's lifetime over its aliases */
    for (int s = 0; s < pr->nsteps; s++) {
        cc_node *n = pr->steps[s].node;
        if (!n)
            continue;
        cc_tensor *y = n->out[0];
        if (y && y->loc == CC_LOC_ALIAS) {
            cc_tensor *r = root_of(y);
            if (y->last > r->last)
                r->last = y->last;
            continue;
        }
        if (y && y->loc == CC_LOC_ARENA && n->nin > 3 && n->in[3] && pr->steps[s].n == 2 &&
            pr->calls.v[pr->steps[s].first].k == CC_K_COPY) {
            /* a conv with a fused residual: take over the residual's buffer
             * when it dies here, and drop the copy into y */
            cc_tensor *r = root_of(n->in[3]);
            if (r->loc == CC_LOC_ARENA && r->last == s && cc_nbytes(r) == cc_nbytes(y)) {
                y->loc = CC_LOC_ALIAS;
                y->alias = r;
                if (y->last > r->last)
                    r->last = y->last;
                pr->steps[s].first++;
                pr->steps[s].n--;
            }
            continue;
        }
        if (!n->op->elementwise || pr->steps[s].n != 1 || !y || y->loc != CC_LOC_ARENA)
            continue;
        const cc_call *c = &pr->calls.v[pr->steps[s].first];
        for (int k = 0; k < 2 && k + 1 < cc_kernel_nargs(c->k); k++) {
            cc_tensor *x = c->args[k + 1];
            if (!x)
                continue;
            cc_tensor *r = root_of(x);
            if (r->loc != CC_LOC_ARENA || r->last != s || r->dtype != y->dtype ||
                cc_nbytes(r) != cc_nbytes(y) || !inplace_ok(c, k))
                continue;
            y->loc = CC_LOC_ALIAS;
            y->alias = r;
            if (y->last > r->last)
                r->last = y->last;
            break;
        }
    }
    for (int i = 0; i < g->ntensors; i++)
        g->tensors[i]->used = 0;
    for (int i = 0; i < pr->calls.n; i++)
        for (int a = 0; a < CC_CALL_MAX_ARGS; a++)
            if (pr->calls.v[i].args[a])
                root_of(pr->calls.v[i].args[a])->used = 1;
    cc_status st = cc_place_arena(pr, d);
    if (st)
        return st;

    /* totals */
    for (int i = 0; i < g->ntensors; i++) {
        cc_tensor *t = g->tensors[i];
        if (t->loc != CC_LOC_CONST || !t->used)
            continue;
        pr->weight_bytes += cc_nbytes(t);
        if ((t->dtype == CC_DT_FLOAT || t->dtype == CC_DT_INT8 || t->dtype == CC_DT_UINT8) &&
            t->is_initializer) /* float or quantized (int8 / uint8) weights */
            pr->params += cc_numel(t);
    }
    return cc_snapshot_places(pr, d);
}
