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
 * Only the inference program of a model compiled without --train is packed:
 * training updates its parameters in place in ONNX layout and runs the
 * backward kernels on them, so the driver does not call this then. A weight
 * is packed only when it is constant data that no other call reads.
 */
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

cc_status cc_prepack(cc_program *p, cc_diag *d)
{
    for (int i = 0; i < p->calls.n; i++) {
        cc_call *c = &p->calls.v[i];
        if (c->k != CC_K_CONV)
            continue;
        rt_conv_params *cp = &c->p.conv;
        cc_tensor *w = c->args[2];
        int64_t hw = 1;
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
