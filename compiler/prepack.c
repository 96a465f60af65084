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
        const int64_t m = cp->m, k = cp->c;
        float *src = w->data;
        float *t = malloc(sizeof *t * (size_t)(m * k));
        if (!t)
            return cc_fail(d, CC_ERR_IO, "out of memory");
        for (int64_t co = 0; co < m; co++)
            for (int64_t ci = 0; ci < k; ci++)
                t[ci * m + co] = src[co * k + ci];
        memcpy(src, t, sizeof *t * (size_t)(m * k));
        free(t);
        cp->wt = 1;
    }
    return CC_OK;
}
