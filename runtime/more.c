/*
 * more.c - further inference kernels: element-wise math, norm-like
 * reductions (L1, L2, log-sum, log-sum-exp, sum of squares), ArgMax/ArgMin,
 * Hardmax, LayerNormalization, MeanVarianceNormalization, GatherElements and
 * Trilu. Statistics are accumulated in double.
 */
#include <math.h>
#include <string.h>

#include "rt_impl.h"

/* ------------------------------------------------------------ math */

void rt_math_forward(float *y, const float *x, const rt_math_params *p)
{
    const float a = p->alpha;
    int64_t i;
    for (i = 0; i < p->n; i++) {
        const float v = x[i];
        float r;
        switch (p->op) {
        case RT_MATH_SIN: r = sinf(v); break;
        case RT_MATH_COS: r = cosf(v); break;
        case RT_MATH_TAN: r = tanf(v); break;
        case RT_MATH_ASIN: r = asinf(v); break;
        case RT_MATH_ACOS: r = acosf(v); break;
        case RT_MATH_ATAN: r = atanf(v); break;
        case RT_MATH_SINH: r = sinhf(v); break;
        case RT_MATH_COSH: r = coshf(v); break;
        case RT_MATH_ASINH: r = asinhf(v); break;
        case RT_MATH_ACOSH: r = acoshf(v); break;
        case RT_MATH_ATANH: r = atanhf(v); break;
        case RT_MATH_ERF: r = erff(v); break;
        case RT_MATH_FLOOR: r = floorf(v); break;
        case RT_MATH_CEIL: r = ceilf(v); break;
        case RT_MATH_ROUND: r = nearbyintf(v); break; /* default mode: halves to even */
        case RT_MATH_SIGN: r = v > 0 ? 1.0f : v < 0 ? -1.0f : v == 0 ? 0.0f : v; break;
        case RT_MATH_THRESHOLDED_RELU: r = v > a ? v : 0.0f; break;
        case RT_MATH_CELU:
            r = (v > 0 ? v : 0.0f) + (v < 0 ? a * expm1f(v / a) : 0.0f);
            break;
        default: r = v; break;
        }
        y[i] = r;
    }
}

/* ------------------------------------------------------------ axis split */

/* x's axes split into kept ones (the output's, row-major) and reduced ones,
 * each with its sizes and x strides, so that element (o, r) of the
 * reduction sits at x[koff(o) + roff(r)]. */
typedef struct {
    int nk, nr;
    int64_t ksize[RT_MAX_DIMS], kstride[RT_MAX_DIMS];
    int64_t rsize[RT_MAX_DIMS], rstride[RT_MAX_DIMS];
    int64_t nout, count;
} rt_axes;

static void rt_axes_split(rt_axes *a, int ndim, const int64_t *shape, const int *reduce)
{
    int64_t st = 1;
    int i, k = 0, r = 0;
    a->nout = 1;
    a->count = 1;
    for (i = ndim - 1; i >= 0; i--) {
        if (reduce[i])
            r++;
        else
            k++;
    }
    a->nk = k;
    a->nr = r;
    for (i = ndim - 1; i >= 0; i--) {
        if (reduce[i]) {
            a->rsize[--r] = shape[i];
            a->rstride[r] = st;
            a->count *= shape[i];
        } else {
            a->ksize[--k] = shape[i];
            a->kstride[k] = st;
            a->nout *= shape[i];
        }
        st *= shape[i];
    }
}

/* Offset in x of the linear index i over sizes/strides (n axes). */
static int64_t rt_axes_off(const int64_t *size, const int64_t *stride, int n, int64_t i)
{
    int64_t off = 0;
    int j;
    for (j = n - 1; j >= 0; j--) {
        off += (i % size[j]) * stride[j];
        i /= size[j];
    }
    return off;
}

/* ------------------------------------------------------------ reductions */

/*
 * Each output element walks its reduced sub-tensor (output-major order);
 * log-sum-exp makes two passes, the first for the maximum, so exp never
 * overflows.
 */
void rt_reduce_ext_forward(float *y, const float *x, const rt_reduce_ext_params *p)
{
    rt_axes a;
    int64_t o, r;
    rt_axes_split(&a, p->ndim, p->shape, p->reduce);
    for (o = 0; o < a.nout; o++) {
        const float *xo = x + rt_axes_off(a.ksize, a.kstride, a.nk, o);
        double acc = 0, mx = -INFINITY;
        if (p->op == RT_REDX_LOGSUMEXP) {
            for (r = 0; r < a.count; r++) {
                const double v = xo[rt_axes_off(a.rsize, a.rstride, a.nr, r)];
                if (v > mx || v != v)
                    mx = v;
            }
            if (isinf(mx) || mx != mx) {
                y[o] = (float)mx;
                continue;
            }
        }
        for (r = 0; r < a.count; r++) {
            const double v = xo[rt_axes_off(a.rsize, a.rstride, a.nr, r)];
            switch (p->op) {
            case RT_REDX_L1: acc += fabs(v); break;
            case RT_REDX_LOGSUMEXP: acc += exp(v - mx); break;
            case RT_REDX_LOGSUM: acc += v; break;
            default: acc += v * v; break;
            }
        }
        switch (p->op) {
        case RT_REDX_L2: acc = sqrt(acc); break;
        case RT_REDX_LOGSUM: acc = log(acc); break;
        case RT_REDX_LOGSUMEXP: acc = mx + log(acc); break;
        default: break;
        }
        y[o] = (float)acc;
    }
}

void rt_mvn_forward(float *y, const float *x, const rt_reduce_ext_params *p)
{
    rt_axes a;
    int64_t o, r;
    rt_axes_split(&a, p->ndim, p->shape, p->reduce);
    if (a.count == 0)
        return;
    for (o = 0; o < a.nout; o++) {
        const int64_t base = rt_axes_off(a.ksize, a.kstride, a.nk, o);
        double s = 0, s2 = 0, mean, var, den;
        for (r = 0; r < a.count; r++) {
            /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): rt_axes_split sets every field of a */
            const double v = x[base + rt_axes_off(a.rsize, a.rstride, a.nr, r)];
            s += v;
            s2 += v * v;
        }
        mean = s / (double)a.count;
        var = s2 / (double)a.count - mean * mean;
        den = sqrt(var > 0 ? var : 0) + 1e-9;
        for (r = 0; r < a.count; r++) {
            const int64_t i = base + rt_axes_off(a.rsize, a.rstride, a.nr, r);
            y[i] = (float)((x[i] - mean) / den);
        }
    }
}

/* MeanVarianceNormalization in double (types3): rt_mvn_forward's sums over
 * the reduced axes, in double data. */
void rt_mvn_forward_f64(double *y, const double *x, const rt_reduce_ext_params *p)
{
    rt_axes a;
    int64_t o, r;
    rt_axes_split(&a, p->ndim, p->shape, p->reduce);
    if (a.count == 0)
        return;
    for (o = 0; o < a.nout; o++) {
        const int64_t base = rt_axes_off(a.ksize, a.kstride, a.nk, o);
        double s = 0, s2 = 0, mean, var, den;
        for (r = 0; r < a.count; r++) {
            /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): rt_axes_split sets every field of a */
            const double v = x[base + rt_axes_off(a.rsize, a.rstride, a.nr, r)];
            s += v;
            s2 += v * v;
        }
        mean = s / (double)a.count;
        var = s2 / (double)a.count - mean * mean;
        den = sqrt(var > 0 ? var : 0) + 1e-9;
        for (r = 0; r < a.count; r++) {
            const int64_t i = base + rt_axes_off(a.rsize, a.rstride, a.nr, r);
            y[i] = (x[i] - mean) / den;
        }
    }
}

/* ------------------------------------------------------------ arg, hardmax */

void rt_arg_forward(int64_t *y, const float *x, const rt_arg_params *p)
{
    int64_t o, i, j;
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            const float *xs = x + o * p->len * p->inner + i;
            int64_t best = 0;
            float bv = xs[0];
            for (j = 1; j < p->len && bv == bv; j++) {
                const float v = xs[j * p->inner];
                const int better = v != v || (p->is_min ? v < bv : v > bv) ||
                                   (p->select_last && v == bv);
                if (better) {
                    best = j;
                    bv = v;
                }
            }
            y[o * p->inner + i] = best;
        }
    }
}

void rt_hardmax_forward(float *y, const float *x, const rt_softmax_params *p)
{
    int64_t o, i, j;
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            const int64_t base = o * p->len * p->inner + i;
            int64_t best = 0;
            for (j = 1; j < p->len; j++)
                if (x[base + j * p->inner] > x[base + best * p->inner])
                    best = j;
            for (j = 0; j < p->len; j++)
                y[base + j * p->inner] = j == best ? 1.0f : 0.0f;
        }
    }
}

/* ------------------------------------------------------------ norms */

void rt_layernorm_forward(float *y, float *mean, float *inv_std, const float *x,
                          const float *scale, const float *bias, const rt_layernorm_params *p)
{
    int64_t o, j;
    for (o = 0; o < p->outer; o++) {
        const float *xr = x + o * p->size;
        float *yr = y + o * p->size;
        double s = 0, v = 0, m, is;
        for (j = 0; j < p->size; j++)
            s += xr[j];
        m = p->size > 0 ? s / (double)p->size : 0;
        for (j = 0; j < p->size; j++)
            v += (xr[j] - m) * (xr[j] - m);
        v = p->size > 0 ? v / (double)p->size : 0;
        is = 1.0 / sqrt(v + (double)p->eps);
        for (j = 0; j < p->size; j++)
            yr[j] = (float)((xr[j] - m) * is * scale[j] + (bias ? bias[j] : 0.0f));
        if (mean)
            mean[o] = (float)m;
        if (inv_std)
            inv_std[o] = (float)is;
    }
}

/* ------------------------------------------------------------ indexing */

void rt_gather_elements_forward(float *y, const float *x, const int64_t *idx,
                                const rt_gather_elements_params *p)
{
    int64_t xs[RT_MAX_DIMS], n = 1, i, st = 1;
    int d;
    for (d = p->ndim - 1; d >= 0; d--) {
        xs[d] = st;
        st *= p->xshape[d];
        n *= p->ishape[d];
    }
    for (i = 0; i < n; i++) {
        int64_t rem = i, off = 0, k = idx[i];
        const int64_t len = p->xshape[p->axis];
        if (k < 0)
            k += len;
        if (k < 0 || k >= len) {
            y[i] = 0.0f;
            continue;
        }
        for (d = p->ndim - 1; d >= 0; d--) {
            const int64_t c = rem % p->ishape[d];
            rem /= p->ishape[d];
            off += (d == p->axis ? k : c) * xs[d];
        }
        y[i] = x[off];
    }
}

void rt_trilu_forward(void *y, const void *x, const int64_t *kp, const rt_trilu_params *p)
{
    const int64_t k = kp ? *kp : p->k;
    const size_t es = (size_t)p->elem_size;
    unsigned char *yb = y;
    const unsigned char *xb = x;
    int64_t b, i, j;
    for (b = 0; b < p->batch; b++) {
        for (i = 0; i < p->rows; i++) {
            for (j = 0; j < p->cols; j++) {
                const size_t off = (size_t)((b * p->rows + i) * p->cols + j) * es;
                const int keep = p->upper ? j - i >= k : j - i <= k;
                if (keep)
                    memmove(yb + off, xb + off, es);
                else
                    memset(yb + off, 0, es);
            }
        }
    }
}
