/*
 * prepack.c - constant weights stored in their kernel's preferred layout,
 * packed once at compile time.
 *
 * A pointwise convolution (group 1, 1x1 kernel, stride 1, no padding) on a
 * map of at most CC_PREPACK_MAX_HW positions runs fastest as y^T = x^T w^T
 * with the vectors along the output channels (rt_conv_pw_t512), which wants
 * w^T's rows contiguous: its weight [m, c, 1, 1] is stored transposed,
 * [c][m], and the call is marked wt = 1 (rt_conv_params). Every runtime path
 * reads that layout (the portable and AVX2 ones through the product's
 * strides), so the choice does not depend on the target.
 *
 * A dense 3x3 convolution that rt_conv_winograd_ok accepts (stride 1,
 * padding 1, even map sides, at least 16 channels, a row of tiles that fits
 * the kernel's buffers) runs as Winograd
 * F(2x2, 3x3) where the generated code is built for AVX-512, the only target
 * with the Winograd kernel's vector code: the call gets a new constant
 * tensor U = G g G^T (16 * m * c floats, as rt_conv_winograd_weights writes
 * it: the runtime's own transform, so the two cannot disagree) and wt = 2,
 * and keeps its ONNX-layout form (w, wt = 0, the direct kernels) as the
 * alternative for every other target, chosen by RT_CONV_WINOGRAD
 * (onnxcc_rt.h) when the generated C is compiled (cc_call.alt_if). Each
 * build thus stores those weights once: U (16/9 of their size) on AVX-512,
 * the ONNX weights elsewhere. weight_bytes counts the latter,
 * weight_bytes_if the former.
 *
 * Only the inference program of a model compiled without --train is packed:
 * training updates its parameters in place in ONNX layout and runs the
 * backward kernels on them, so the driver does not call this then. A weight
 * is packed only when it is constant data that no other call reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc.h"

#define CC_PREPACK_MAX_HW 64    /* rt_conv_pw_t512 takes maps up to this size */

/* How many calls of p read tensor t. */
static int uses(const cc_program *p, const cc_tensor *t)
{
    int n = 0;
    for (int i = 0; i < p->calls.n; i++)
        for (int a = 0; a < CC_CALL_MAX_ARGS; a++)
            if (a < cc_kernel_nargs(p->calls.v[i].k) && p->calls.v[i].args[a] == t)
                n++;
    return n;
}

/* Stores w's constant data [m][k] transposed, [k][m]. */
static cc_status transpose_w(cc_tensor *w, int64_t m, int64_t k, cc_diag *d)
{
    float *src = w->data;
    float *t = malloc(sizeof *t * (size_t)(m * k));
    if (!t)
        return cc_fail(d, CC_ERR_IO, "out of memory");
    for (int64_t co = 0; co < m; co++)
        for (int64_t ci = 0; ci < k; ci++)
            t[ci * m + co] = src[co * k + ci];
    memcpy(src, t, sizeof *t * (size_t)(m * k));
    free(t);
    return CC_OK;
}

/* Gives call c (a Conv that rt_conv_winograd_ok accepts, its weight w read
 * by no other call) a new constant tensor U = rt_conv_winograd_weights(w),
 * 16 * m * c floats, and marks it wt = 2 under #if RT_CONV_WINOGRAD, its
 * unchanged copy (w, wt = 0) being the #else. The node keeps w, so what
 * reads the graph (MAC counts, layer names) still sees the ONNX weight. */
static cc_status winograd(cc_program *p, cc_call *c, cc_diag *d)
{
    rt_conv_params *cp = &c->p.conv;
    cc_tensor *w = c->args[2];
    cc_graph *g = p->g;
    char name[64];
    snprintf(name, sizeof name, "onnxcc_winograd%d", g->ntensors);
    cc_tensor *u = cc_tensor_new(g, name);
    if (!u)
        return cc_fail(d, CC_ERR_IO, "out of memory");
    u->dtype = CC_DT_FLOAT;
    u->rank = 1;
    u->shape[0] = 16 * (int64_t)cp->m * cp->c;
    u->loc = CC_LOC_CONST;
    u->used = 1;
    u->data = cc_alloc(g->ctx, (size_t)cc_nbytes(u));
    cc_place *pl = cc_alloc_array(g->ctx, (size_t)u->id + 1, sizeof *pl);
    cc_call *alt = cc_alloc(g->ctx, sizeof *alt);
    if (!u->data || !pl || !alt)
        return cc_fail(d, CC_ERR_IO, "out of memory");
    rt_conv_winograd_weights(u->data, w->data, cp->m, cp->c);
    memcpy(pl, p->place, sizeof *pl * (size_t)p->nplaced);
    for (int i = p->nplaced; i <= u->id; i++)
        memset(&pl[i], 0, sizeof pl[i]);
    pl[u->id].loc = CC_LOC_CONST;
    pl[u->id].used = 1;
    p->place = pl;
    p->nplaced = u->id + 1;
    /* w stays used (by the #else call) and in weight_bytes */
    p->weight_bytes_if += cc_nbytes(u) - cc_nbytes(w);
    *alt = *c;
    c->alt_if = "RT_CONV_WINOGRAD";
    c->alt = alt;
    c->args[2] = u;
    cp->wt = 2;
    return CC_OK;
}

/* dscnn: channel-last edges around small-map depthwise convolutions.
 *
 * A depthwise 3x3 convolution on a map at most CC_HWC_MAX_W wide (DS-CNN's
 * 25x5) spends most of its time on borders in [c, h, w] layout; with the
 * channels innermost (rt_conv_params.hwc) each tap is one vector of
 * consecutive channels. When such a convolution reads the output of a
 * pointwise one and its output feeds another pointwise one, and both
 * tensors pass between exactly those two calls (arena intermediates that
 * no view shares, nothing else reads or writes), the two tensors are kept
 * channel-last: the depthwise call takes both bits and its weight
 * transposed to [9][c] (wt = 1), the pointwise producer writes [pos][m] and
 * the consumer reads [pos][c], both as plain products with other strides.
 * A chain pw -> dw -> pw -> dw -> pw is thus channel-last from the first
 * pointwise output to the last pointwise input. Every runtime path takes
 * these layouts, so the choice does not depend on the target. */
#define CC_HWC_MAX_W 64         /* the widest map measured (MobileNet's 48) */
#define CC_HWC_MAX_ROW 4096     /* floats of an input row: RT_DWH_ZERO in conv.c */

/* Pointwise convolution (group 1, 1x1, stride 1, no padding) without a
 * residual or a target variant: rt_conv_hwc takes any layout bits. */
static int pw_call(const cc_call *c)
{
    if (!c || c->k != CC_K_CONV || c->alt_if || c->p.conv.group != 1 ||
        c->p.conv.accumulate || c->p.conv.wt > 1)
        return 0;
    for (int ax = 0; ax < RT_SPATIAL; ax++)
        if (c->p.conv.k[ax] != 1 || c->p.conv.stride[ax] != 1 || c->p.conv.pad[ax] != 0 ||
            c->p.conv.in[ax] != c->p.conv.out[ax])
            return 0;
    return 1;
}

/* The number of weights of a group-1 convolution: m * c * prod(k). */
static int64_t dense_numel(const rt_conv_params *cp)
{
    int64_t n = (int64_t)cp->m * cp->c;
    for (int ax = 0; ax < RT_SPATIAL; ax++)
        n *= cp->k[ax];
    return n;
}

/* Call c's weight can be stored transposed ([K][m], wt = 1): constant
 * float data of its own (or it is already). */
static int can_transpose(const cc_program *p, const cc_call *c)
{
    const cc_tensor *w = c->args[2];
    if (c->p.conv.wt == 1)
        return 1;
    return !c->p.conv.wt && w && w->data && w->dtype == CC_DT_FLOAT && !w->trainable &&
           w->id < p->nplaced && p->place[w->id].loc == CC_LOC_CONST &&
           cc_numel(w) == dense_numel(&c->p.conv) && uses(p, w) == 1;
}

/* A dense 2-D convolution (group 1, not pointwise) that rt_conv_hwc can
 * run with y channel-last: x stays as it is, the weight goes [K][m]. */
static int dense_call(const cc_program *p, const cc_call *c)
{
    if (!c || c->k != CC_K_CONV || c->alt_if || c->p.conv.group != 1 ||
        c->p.conv.accumulate || c->p.conv.hwc || pw_call(c))
        return 0;
    return can_transpose(p, c);
}

/* The call that writes t as its output, when exactly one call other than
 * `reader` mentions t and that call writes it; NULL otherwise. Also NULL
 * when t is not a float arena intermediate of its own (views alias their
 * root's storage: a root with views stays as it is). */
static cc_call *only_partner(cc_program *p, const cc_tensor *t, const cc_call *reader, int writes)
{
    cc_call *found = NULL;
    int n = 0;
    if (!t || t->dtype != CC_DT_FLOAT || t->id >= p->nplaced ||
        p->place[t->id].loc != CC_LOC_ARENA)
        return NULL;
    for (int i = 0; i < p->nplaced; i++)
        if (p->place[i].loc == CC_LOC_ALIAS && p->place[i].alias == t->id)
            return NULL;
    for (int i = 0; i < p->calls.n; i++) {
        cc_call *c = &p->calls.v[i];
        for (int a = 0; a < cc_kernel_nargs(c->k); a++)
            if (c->args[a] == t) {
                n++;
                if (c != reader)
                    found = (writes ? a == 0 : a == 1) ? c : NULL;
                if (c->alt && c->alt->args[a] == t)
                    return NULL;
            }
    }
    return n == 2 ? found : NULL;
}

static cc_status channel_last(cc_program *p, cc_diag *d)
{
    for (int i = 0; i < p->calls.n; i++) {
        cc_call *c = &p->calls.v[i];
        if (c->k != CC_K_CONV || c->alt_if || c->p.conv.hwc)
            continue;
        rt_conv_params *cp = &c->p.conv;
        cc_tensor *w = c->args[2];
        if (cp->group != cp->c || cp->m != cp->c || cp->wt || cp->accumulate ||
            cp->in[0] != 1 || cp->k[0] != 1 || cp->out[0] != 1 || cp->k[1] != 3 ||
            cp->k[2] != 3 || cp->dilation[1] != 1 || cp->dilation[2] != 1 ||
            cp->stride[1] != cp->stride[2] || (cp->stride[2] != 1 && cp->stride[2] != 2) ||
            cp->out[2] > CC_HWC_MAX_W || cp->c % 16 || cp->in[2] * cp->c > CC_HWC_MAX_ROW)
            continue;
        if (!w || !w->data || w->dtype != CC_DT_FLOAT || w->trainable || w->id >= p->nplaced ||
            p->place[w->id].loc != CC_LOC_CONST || cc_numel(w) != (int64_t)cp->c * 9 ||
            uses(p, w) != 1)
            continue;
        cc_call *prod = only_partner(p, c->args[1], c, 1);
        cc_call *cons = only_partner(p, c->args[0], c, 0);
        if (!(pw_call(prod) || dense_call(p, prod)) || !pw_call(cons))
            continue;
        cc_status st = transpose_w(w, cp->c, 9, d);
        if (st)
            return st;
        cp->wt = 1;
        cp->hwc = RT_CONV_X_HWC | RT_CONV_Y_HWC;
        prod->p.conv.hwc |= RT_CONV_Y_HWC;
        cons->p.conv.hwc |= RT_CONV_X_HWC;
    }
    for (int i = 0; i < p->calls.n; i++) {
        cc_call *c = &p->calls.v[i];
        if (c->k != CC_K_CONV || c->p.conv.hwc != RT_CONV_X_HWC)
            continue;
        /* the last pointwise product of a chain, read only by a global
         * average pool: its output stays channel-last too and the pool
         * becomes the mean over the positions of [n, pos, c] */
        rt_conv_params *cp = &c->p.conv;
        cc_call *pool = only_partner(p, c->args[0], c, 0);
        int64_t hw = 1;
        int whole = pool && pool->k == CC_K_AVGPOOL && !pool->alt_if;
        for (int ax = 0; ax < RT_SPATIAL; ax++) {
            hw *= cp->out[ax];
            if (whole && (pool->p.pool.k[ax] != cp->out[ax] || pool->p.pool.pad[ax] ||
                          pool->p.pool.pad_end[ax] || pool->p.pool.out[ax] != 1 ||
                          pool->p.pool.in[ax] != cp->out[ax]))
                whole = 0;
        }
        if (!whole && !(pool && pool->k == CC_K_GAVGPOOL && !pool->alt_if &&
                        pool->p.gpool.size == hw && pool->p.gpool.nc == (int64_t)cp->n * cp->m))
            continue;
        cc_tensor *py = pool->args[0], *px = pool->args[1];
        memset(pool, 0, sizeof *pool);
        pool->k = CC_K_REDUCE;
        pool->args[0] = py;
        pool->args[1] = px;
        pool->p.red.op = RT_RED_MEAN;
        pool->p.red.ndim = 3;
        pool->p.red.shape[0] = cp->n;
        pool->p.red.shape[1] = hw;
        pool->p.red.shape[2] = cp->m;
        pool->p.red.reduce[1] = 1;
        cp->hwc |= RT_CONV_Y_HWC;
    }
    /* a product writing channel-last runs fastest with w^T's rows contiguous
     * (rt_conv_pw_hwc512), a dense convolution needs them (rt_conv_dense_hwc):
     * transpose its weight as above */
    for (int i = 0; i < p->calls.n; i++) {
        cc_call *c = &p->calls.v[i];
        rt_conv_params *cp = &c->p.conv;
        cc_tensor *w = c->k == CC_K_CONV ? c->args[2] : NULL;
        if (!w || cp->group != 1 || !(cp->hwc & RT_CONV_Y_HWC) || cp->wt ||
            !can_transpose(p, c))
            continue;
        cc_status st = transpose_w(w, cp->m, dense_numel(cp) / cp->m, d);
        if (st)
            return st;
        cp->wt = 1;
    }
    return CC_OK;
}

cc_status cc_prepack(cc_program *p, cc_diag *d)
{
    p->weight_bytes_if = p->weight_bytes;
    for (int i = 0; i < p->calls.n; i++) {
        cc_call *c = &p->calls.v[i];
        if (c->k != CC_K_CONV)
            continue;
        rt_conv_params *cp = &c->p.conv;
        cc_tensor *w = c->args[2];
        int64_t hw = 1;
        if (!cp->wt && rt_conv_winograd_ok(cp) && w && w->data && w->dtype == CC_DT_FLOAT &&
            !w->trainable && w->id < p->nplaced && p->place[w->id].loc == CC_LOC_CONST &&
            cc_numel(w) == (int64_t)cp->m * cp->c * 9 && uses(p, w) == 1) {
            cc_status st = winograd(p, c, d);
            if (st)
                return st;
            continue;
        }
        int pointwise = cp->group == 1 && !cp->wt;
        for (int ax = 0; ax < RT_SPATIAL; ax++) {
            if (cp->k[ax] != 1 || cp->stride[ax] != 1 || cp->pad[ax] != 0 ||
                cp->in[ax] != cp->out[ax])
                pointwise = 0;
            hw *= cp->in[ax];
        }
        if (!pointwise || hw > CC_PREPACK_MAX_HW || !w || !w->data || w->dtype != CC_DT_FLOAT ||
            w->trainable || w->id >= p->nplaced || p->place[w->id].loc != CC_LOC_CONST ||
            cc_numel(w) != (int64_t)cp->m * cp->c || uses(p, w) != 1)
            continue;
        cc_status st = transpose_w(w, cp->m, cp->c, d);
        if (st)
            return st;
        cp->wt = 1;
    }
    return channel_last(p, d);
}
