/*
 * ext_index.c - indexing and small misc kernels: ScatterElements (and the
 * deprecated Scatter), ScatterND, GatherND, TopK, OneHot, MaxUnpool, MaxPool
 * with its Indices output, Shrink, ReverseSequence and Det. Indices that
 * arrive at run time are checked here, not trusted: an out-of-range one is
 * skipped (scatter, unpool) or yields zeros (gather), so a bad index can
 * never write or read outside a buffer.
 */
#include <math.h>
#include <string.h>

#include "rt_impl.h"

static float rt_reduce_into(float old, float v, rt_scatter_reduction r)
{
    switch (r) {
    case RT_SCATTER_ADD: return old + v;
    case RT_SCATTER_MUL: return old * v;
    case RT_SCATTER_MAX: return v > old ? v : old;
    case RT_SCATTER_MIN: return v < old ? v : old;
    default: return v;
    }
}

/* ------------------------------------------------------------ scatter */

void rt_scatter_elements_forward(float *y, const float *x, const int64_t *idx, const float *upd,
                                 const rt_scatter_elements_params *p)
{
    int64_t xs[RT_MAX_DIMS] = {0}, c[RT_MAX_DIMS] = {0}, total = 1, nx = 1, e;
    const int a = p->axis;
    int k;

    for (k = p->ndim - 1; k >= 0; k--) {
        xs[k] = nx;
        nx *= p->xshape[k];
        total *= p->ishape[k];
        c[k] = 0;
    }
    if (y != x)
        memcpy(y, x, (size_t)nx * sizeof *y);
    for (e = 0; e < total; e++) {
        int64_t i = idx[e], off = 0;
        if (i < 0)
            i += p->xshape[a];
        if (i >= 0 && i < p->xshape[a]) {
            for (k = 0; k < p->ndim; k++)
                off += (k == a ? i : c[k]) * xs[k];
            y[off] = rt_reduce_into(y[off], upd[e], p->reduction);
        }
        for (k = p->ndim - 1; k >= 0 && ++c[k] == p->ishape[k]; k--)
            c[k] = 0;
    }
}

void rt_scatternd_forward(float *y, const float *x, const int64_t *idx, const float *upd,
                          const rt_scatternd_params *p)
{
    int64_t xs[RT_MAX_DIMS] = {0}, nx = 1, u, j;
    int k;

    for (k = p->ndim - 1; k >= 0; k--) {
        xs[k] = nx;
        nx *= p->xshape[k];
    }
    if (y != x)
        memcpy(y, x, (size_t)nx * sizeof *y);
    for (u = 0; u < p->nupd; u++) {
        const int64_t *iv = idx + u * p->k;
        int64_t off = 0;
        int ok = 1;
        for (k = 0; k < p->k; k++) {
            int64_t i = iv[k];
            if (i < 0)
                i += p->xshape[k];
            if (i < 0 || i >= p->xshape[k])
                ok = 0;
            off += i * xs[k];
        }
        if (!ok)
            continue;
        for (j = 0; j < p->slice; j++)
            y[off + j] = rt_reduce_into(y[off + j], upd[u * p->slice + j], p->reduction);
    }
}

/* ------------------------------------------------------------ GatherND */

void rt_gathernd_forward(void *y, const void *x, const int64_t *idx, const rt_gathernd_params *p)
{
    const size_t run = (size_t)(p->slice * p->elem_size);
    char *yb = (char *)y;
    const char *xb = (const char *)x;
    int64_t b, j;
    int k;

    for (b = 0; b < p->batch; b++)
        for (j = 0; j < p->nidx; j++) {
            const int64_t *iv = idx + (b * p->nidx + j) * p->k;
            char *dst = yb + (b * p->nidx + j) * (int64_t)run;
            int64_t off = 0;
            int ok = 1;
            for (k = 0; k < p->k; k++) {
                int64_t i = iv[k];
                if (i < 0)
                    i += p->dims[k];
                if (i < 0 || i >= p->dims[k])
                    ok = 0;
                off = off * p->dims[k] + i;
            }
            if (ok)
                memcpy(dst, xb + (b * p->batch_stride + off * p->slice) * p->elem_size, run);
            else
                memset(dst, 0, run);
        }
}

/* ------------------------------------------------------------ TopK */

/* Does value a at index ia come before b at ib? Larger (or smaller) first,
 * equal values by the lower index; NaN counts as larger than any number. */
static int rt_topk_before(float a, int64_t ia, float b, int64_t ib, int largest)
{
    const int an = a != a, bn = b != b;
    if (an || bn) {
        if (an && bn)
            return ia < ib;
        return largest ? an : bn;
    }
    if (a != b)
        return largest ? a > b : a < b;
    return ia < ib;
}

/* Insertion into the running top-k list kept in the outputs themselves
 * (sorted best first): O(len k) per row, no extra memory. */
void rt_topk_forward(float *values, int64_t *indices, const float *x, const rt_topk_params *p)
{
    int64_t o, in, j, n, pos;
    for (o = 0; o < p->outer; o++)
        for (in = 0; in < p->inner; in++) {
            const float *xr = x + o * p->len * p->inner + in;
            float *vr = values + o * p->k * p->inner + in;
            int64_t *ir = indices + o * p->k * p->inner + in;
            n = 0;
            for (j = 0; j < p->len; j++) {
                const float v = xr[j * p->inner];
                if (n == p->k && !rt_topk_before(v, j, vr[(n - 1) * p->inner],
                                                 ir[(n - 1) * p->inner], p->largest))
                    continue;
                pos = n < p->k ? n++ : n - 1;
                while (pos > 0 && rt_topk_before(v, j, vr[(pos - 1) * p->inner],
                                                 ir[(pos - 1) * p->inner], p->largest)) {
                    vr[pos * p->inner] = vr[(pos - 1) * p->inner];
                    ir[pos * p->inner] = ir[(pos - 1) * p->inner];
                    pos--;
                }
                vr[pos * p->inner] = v;
                ir[pos * p->inner] = j;
            }
        }
}

/* ------------------------------------------------------------ OneHot */

void rt_onehot_forward(float *y, const void *idx, const float *values, const rt_onehot_params *p)
{
    int64_t o, d, in;
    for (o = 0; o < p->outer; o++)
        for (in = 0; in < p->inner; in++) {
            const int64_t e = o * p->inner + in;
            int64_t i;
            if (p->idx_float) {
                const float f = ((const float *)idx)[e];
                i = f != f || f >= 9.2e18f || f <= -9.2e18f ? -p->depth - 1 : (int64_t)f;
            } else {
                i = ((const int64_t *)idx)[e];
            }
            if (i < 0)
                i += p->depth;
            for (d = 0; d < p->depth; d++)
                y[(o * p->depth + d) * p->inner + in] = values[d == i];
        }
}

/* ------------------------------------------------------------ MaxUnpool */

/* y = zeros, then each x[e] goes where its index points: the index is flat
 * in the default output [planes, din...] (MaxPool's input), and the same
 * spatial coordinates are taken in y [planes, dout...] (as the ONNX
 * reference places them when output_shape pads the result). */
void rt_maxunpool_forward(float *y, const float *x, const int64_t *idx, const rt_unpool_params *p)
{
    const int64_t dplane = p->din[0] * p->din[1] * p->din[2];
    const int64_t oplane = p->dout[0] * p->dout[1] * p->dout[2];
    int64_t e;
    memset(y, 0, (size_t)(p->planes * oplane) * sizeof *y);
    for (e = 0; e < p->nx; e++) {
        const int64_t i = idx[e];
        int64_t pl, pos, c0, c1, c2;
        if (i < 0 || i >= p->planes * dplane)
            continue;
        pl = i / dplane;
        pos = i - pl * dplane;
        c2 = pos % p->din[2];
        c1 = pos / p->din[2] % p->din[1];
        c0 = pos / (p->din[2] * p->din[1]);
        if (c0 < p->dout[0] && c1 < p->dout[1] && c2 < p->dout[2])
            y[pl * oplane + (c0 * p->dout[1] + c1) * p->dout[2] + c2] = x[e];
    }
}

/* The same placement for elements of any type (types3). */
void rt_maxunpool_any_forward(void *y, const void *x, const int64_t *idx,
                              const rt_unpool_any_params *pp)
{
    const rt_unpool_params *p = &pp->unpool;
    const size_t es = rt_dtype_size(pp->type);
    const int64_t dplane = p->din[0] * p->din[1] * p->din[2];
    const int64_t oplane = p->dout[0] * p->dout[1] * p->dout[2];
    int64_t e;
    memset(y, 0, (size_t)(p->planes * oplane) * es);
    for (e = 0; e < p->nx; e++) {
        const int64_t i = idx[e];
        int64_t pl, pos, c0, c1, c2;
        if (i < 0 || i >= p->planes * dplane)
            continue;
        pl = i / dplane;
        pos = i - pl * dplane;
        c2 = pos % p->din[2];
        c1 = pos / p->din[2] % p->din[1];
        c0 = pos / (p->din[2] * p->din[1]);
        if (c0 < p->dout[0] && c1 < p->dout[1] && c2 < p->dout[2])
            memcpy((char *)y + (size_t)(pl * oplane + (c0 * p->dout[1] + c1) * p->dout[2] + c2) * es,
                   (const char *)x + (size_t)e * es, es);
    }
}

/* ------------------------------------------------------------ MaxPool + Indices */

void rt_maxpool_indices_forward(float *y, int64_t *ind, const float *x,
                                const rt_maxpool_indices_params *q)
{
    const rt_pool_params *p = &q->pool;
    const int64_t isize = p->in[0] * p->in[1] * p->in[2];
    const int64_t planes = (int64_t)p->n * p->c;
    int64_t pl, o0, o1, o2, t0, t1, t2;

    for (pl = 0; pl < planes; pl++)
        for (o0 = 0; o0 < p->out[0]; o0++)
            for (o1 = 0; o1 < p->out[1]; o1++)
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    float m = -INFINITY;
                    int64_t bi = -1;
                    for (t0 = 0; t0 < p->k[0]; t0++) {
                        const int64_t i0 = o0 * p->stride[0] - p->pad[0] + t0 * p->dilation[0];
                        if (i0 < 0 || i0 >= p->in[0])
                            continue;
                        for (t1 = 0; t1 < p->k[1]; t1++) {
                            const int64_t i1 = o1 * p->stride[1] - p->pad[1] + t1 * p->dilation[1];
                            if (i1 < 0 || i1 >= p->in[1])
                                continue;
                            for (t2 = 0; t2 < p->k[2]; t2++) {
                                const int64_t i2 = o2 * p->stride[2] - p->pad[2] +
                                                   t2 * p->dilation[2];
                                float v;
                                if (i2 < 0 || i2 >= p->in[2])
                                    continue;
                                v = x[pl * isize + (i0 * p->in[1] + i1) * p->in[2] + i2];
                                if (bi < 0 || v > m || (m != m && v == v)) {
                                    m = v;
                                    bi = q->storage_order
                                             ? i0 + (i1 + i2 * p->in[1]) * p->in[0]
                                             : (i0 * p->in[1] + i1) * p->in[2] + i2;
                                }
                            }
                        }
                    }
                    *y++ = m;
                    *ind++ = bi < 0 ? 0 : pl * isize + bi;
                }
}

/* ------------------------------------------------------------ Shrink */

void rt_shrink_forward(float *y, const float *x, const rt_shrink_params *p)
{
    int64_t i;
    for (i = 0; i < p->n; i++) {
        const float v = x[i];
        y[i] = v < -p->lambd ? v + p->bias : v > p->lambd ? v - p->bias : 0.0f;
    }
}

/* ------------------------------------------------------------ ReverseSequence */

void rt_reverse_sequence_forward(float *y, const float *x, const int64_t *lens,
                                 const rt_reverse_sequence_params *p)
{
    int64_t b, t, j;
    for (b = 0; b < p->batch; b++) {
        int64_t len = lens[b];
        if (len < 0)
            len = 0;
        if (len > p->time)
            len = p->time;
        for (t = 0; t < p->time; t++) {
            const int64_t src = t < len ? len - 1 - t : t;
            const int64_t yo = p->time_axis == 0 ? (t * p->batch + b) * p->inner
                                                 : (b * p->time + t) * p->inner;
            const int64_t xo = p->time_axis == 0 ? (src * p->batch + b) * p->inner
                                                 : (b * p->time + src) * p->inner;
            for (j = 0; j < p->inner; j++)
                y[yo + j] = x[xo + j];
        }
    }
}

/* ------------------------------------------------------------ Det */

/* LU decomposition with partial pivoting, in double, of each n x n matrix;
 * scratch holds n * n doubles. */
/* The determinant of the n x n matrix in a (destroyed): LU with partial
 * pivoting, in double. */
static double rt_det_lu(double *a, int64_t n);

void rt_det_forward(float *y, double *scratch, const float *x, const rt_det_params *p)
{
    const int64_t n = p->n;
    int64_t b, i;
    for (b = 0; b < p->batch; b++) {
        for (i = 0; i < n * n; i++)
            scratch[i] = (double)x[b * n * n + i];
        y[b] = (float)rt_det_lu(scratch, n);
    }
}

void rt_det_forward_f64(double *y, double *scratch, const double *x, const rt_det_params *p)
{
    const int64_t n = p->n;
    int64_t b;
    for (b = 0; b < p->batch; b++) {
        memcpy(scratch, x + b * n * n, (size_t)(n * n) * sizeof *scratch);
        y[b] = rt_det_lu(scratch, n);
    }
}

static double rt_det_lu(double *a, int64_t n)
{
    double det = 1.0;
    int64_t i, j, k;
    for (k = 0; k < n; k++) {
        int64_t piv = k;
        for (i = k + 1; i < n; i++)
            if (fabs(a[i * n + k]) > fabs(a[piv * n + k]))
                piv = i;
        if (a[piv * n + k] == 0.0)
            return 0.0;
        if (piv != k) {
            for (j = 0; j < n; j++) {
                const double t = a[k * n + j];
                a[k * n + j] = a[piv * n + j];
                a[piv * n + j] = t;
            }
            det = -det;
        }
        det *= a[k * n + k];
        for (i = k + 1; i < n; i++) {
            const double f = a[i * n + k] / a[k * n + k];
            for (j = k + 1; j < n; j++)
                a[i * n + j] -= f * a[k * n + j];
        }
    }
    return det;
}
