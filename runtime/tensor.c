/*
 * tensor.c - data movement: strided copy, Pad, Gather, Cast; and
 * rt_simd_level, the library's own build target.
 */
#include <string.h>

#include "rt_impl.h"

int rt_simd_level(void)
{
#if defined(RT_SIMD_AVX512)
    return RT_SIMD_LEVEL_AVX512;
#elif defined(RT_SIMD_AVX2)
    return RT_SIMD_LEVEL_AVX2;
#elif defined(RT_SIMD_NEON)
    return RT_SIMD_LEVEL_NEON;
#else
    return RT_SIMD_LEVEL_NONE;
#endif
}

/* Copy one element of es bytes. The common sizes get a constant-size memcpy,
 * which compilers turn into a single load and store. */
static void rt_copy_elem(char *y, const char *x, int es)
{
    switch (es) {
    case 4: memcpy(y, x, 4); break;
    case 8: memcpy(y, x, 8); break;
    default: memcpy(y, x, (size_t)es); break;
    }
}

/*
 * Strided copy, see rt_copy_params. An odometer walks all axes but the last;
 * the last is an element loop with both strides (a memcpy of the whole run
 * when both are 1). Offsets are in elements and computed as integers, so
 * negative x strides (reversed slices) never form out-of-range pointers.
 * ndim == 0 copies the single element at the offsets.
 */
void rt_copy_strided(void *y, const void *x, const rt_copy_params *p)
{
    char *yb = (char *)y;
    const char *xb = (const char *)x;
    const int es = p->elem_size;
    int64_t idx[RT_MAX_DIMS];
    int64_t rows = 1, r, len, ys, xs, j;
    int nd = p->ndim, i;

    if (nd == 0) {
        rt_copy_elem(yb + p->yoff * es, xb + p->xoff * es, es);
        return;
    }
    for (i = 0; i < nd; i++) {
        if (p->shape[i] == 0)
            return;
        idx[i] = 0;
        if (i < nd - 1)
            rows *= p->shape[i];
    }
    len = p->shape[nd - 1];
    ys = p->ystride[nd - 1];
    xs = p->xstride[nd - 1];
    for (r = 0; r < rows; r++) {
        int64_t yo = p->yoff, xo = p->xoff;
        for (i = 0; i < nd - 1; i++) {
            /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): idx[0..nd) is zeroed above; nd >= 1 */
            yo += idx[i] * p->ystride[i];
            xo += idx[i] * p->xstride[i];
        }
        if (ys == 1 && xs == 1)
            memcpy(yb + yo * es, xb + xo * es, (size_t)(len * es));
        else
            for (j = 0; j < len; j++)
                rt_copy_elem(yb + (yo + j * ys) * es, xb + (xo + j * xs) * es, es);
        for (i = nd - 2; i >= 0; i--) {
            if (++idx[i] < p->shape[i])
                break;
            idx[i] = 0;
        }
    }
}

/*
 * Pad (and crop), see rt_pad_params. The output is walked in order; each row
 * along the last axis copies its in-range middle as one run and fills the
 * ends from rt_pad_source. Rows whose outer indices fall in the padding of
 * an outer axis are either the constant (constant mode) or a copy of the
 * source row that axis maps to (reflect, edge).
 */
void rt_pad_forward(float *y, const float *x, const rt_pad_params *p)
{
    const int nd = p->ndim;
    int64_t istr[RT_MAX_DIMS], idx[RT_MAX_DIMS];
    int64_t rows = 1, r, len, in_last, pb_last, j, lo, hi;
    int i;

    if (nd == 0) {
        y[0] = x[0];
        return;
    }
    istr[nd - 1] = 1;
    for (i = nd - 2; i >= 0; i--)
        istr[i] = istr[i + 1] * p->in[i + 1];
    for (i = 0; i < nd; i++) {
        if (p->out[i] == 0)
            return;
        idx[i] = 0;
        if (i < nd - 1)
            rows *= p->out[i];
    }
    len = p->out[nd - 1];
    in_last = p->in[nd - 1];
    pb_last = p->pad_begin[nd - 1];
    /* The output columns [lo, hi) that read the input directly. */
    lo = pb_last > 0 ? pb_last : 0;
    hi = pb_last + in_last < len ? pb_last + in_last : len;
    if (hi < lo)
        hi = lo;

    for (r = 0; r < rows; r++) {
        float *yr = y + r * len;
        int64_t xo = 0;
        int inside = 1;
        for (i = 0; i < nd - 1; i++) {
            const int64_t s = rt_pad_source(idx[i], p->in[i], p->out[i], p->pad_begin[i], p->mode);
            if (s < 0) {
                inside = 0;
                break;
            }
            xo += s * istr[i];
        }
        if (!inside) {
            for (j = 0; j < len; j++)
                yr[j] = p->value;
        } else {
            const float *xr = x + xo;
            for (j = 0; j < lo; j++) {
                const int64_t s = rt_pad_source(j, in_last, len, pb_last, p->mode);
                yr[j] = s < 0 ? p->value : xr[s];
            }
            for (j = lo; j < hi; j++)
                yr[j] = xr[j - pb_last];
            for (j = hi; j < len; j++) {
                const int64_t s = rt_pad_source(j, in_last, len, pb_last, p->mode);
                yr[j] = s < 0 ? p->value : xr[s];
            }
        }
        for (i = nd - 2; i >= 0; i--) {
            if (++idx[i] < p->out[i])
                break;
            idx[i] = 0;
        }
    }
}

/*
 * Gather, see rt_gather_params: for each outer block and each index, one run
 * of inner elements is copied. Negative indices count from the end; indices
 * still out of [0, axis_len) give a run of zero bytes.
 */
void rt_gather_forward(void *y, const void *x, const int64_t *idx, const rt_gather_params *p)
{
    const size_t run = (size_t)(p->inner * p->elem_size);
    char *yb = (char *)y;
    const char *xb = (const char *)x;
    int64_t o, j;

    for (o = 0; o < p->outer; o++)
        for (j = 0; j < p->nidx; j++) {
            int64_t k = idx[j];
            char *dst = yb + (o * p->nidx + j) * (int64_t)run;
            if (k < 0)
                k += p->axis_len;
            if (k < 0 || k >= p->axis_len)
                memset(dst, 0, run);
            else
                memcpy(dst, xb + (o * p->axis_len + k) * (int64_t)run, run);
        }
}

/* float to int64: truncate toward zero, saturate, NaN to 0. The bounds are
 * powers of two, exact in float: -2^63 converts exactly, and every float
 * below 2^63 that passes the test fits. */
static int64_t rt_f32_to_i64(float v)
{
    if (v != v)
        return 0;
    if (v >= 9223372036854775808.0f)        /* 2^63 */
        return INT64_MAX;
    if (v < -9223372036854775808.0f)        /* -2^63 */
        return INT64_MIN;
    return (int64_t)v;
}

/*
 * Cast n elements, see rt_cast_params. int64 to float rounds to nearest (the
 * C conversion under the default rounding mode). A cast to the same type is
 * a copy.
 */
void rt_cast_forward(void *y, const void *x, const rt_cast_params *p)
{
    int64_t i;
    if (p->from == RT_F32 && p->to == RT_I64) {
        const float *xs = (const float *)x;
        int64_t *yd = (int64_t *)y;
        for (i = 0; i < p->n; i++)
            yd[i] = rt_f32_to_i64(xs[i]);
    } else if (p->from == RT_I64 && p->to == RT_F32) {
        const int64_t *xs = (const int64_t *)x;
        float *yd = (float *)y;
        for (i = 0; i < p->n; i++)
            yd[i] = (float)xs[i];
    } else if (p->round && p->to == RT_BF16 && p->from == RT_F32) {
        const float *xs = (const float *)x;
        uint16_t *yd = (uint16_t *)y;
        for (i = 0; i < p->n; i++)
            yd[i] = rt_f64_to_bf16((double)xs[i]);
    } else {
        rt_cast_any(y, x, p->to, p->from, p->n);
    }
}

/* ================================================================ backward */

/* Zeroes n floats (a gradient buffer before its first contribution). */
void rt_zero(float *x, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++)
        x[i] = 0.0f;
}

/*
 * Accumulating strided copy of floats, see the header: the walk of
 * rt_copy_strided with y[...] += x[...]. Several x elements may land on one
 * y element (a zero y stride: the backward of Expand); they are added in
 * walk order. ndim == 0 adds the single element at the offsets.
 */
void rt_add_strided(float *y, const float *x, const rt_copy_params *p)
{
    int64_t idx[RT_MAX_DIMS];
    int64_t rows = 1, r, len, ys, xs, j;
    int nd = p->ndim, i;

    if (!y)
        return;
    if (nd == 0) {
        y[p->yoff] += x[p->xoff];
        return;
    }
    for (i = 0; i < nd; i++) {
        if (p->shape[i] == 0)
            return;
        idx[i] = 0;
        if (i < nd - 1)
            rows *= p->shape[i];
    }
    len = p->shape[nd - 1];
    ys = p->ystride[nd - 1];
    xs = p->xstride[nd - 1];
    for (r = 0; r < rows; r++) {
        int64_t yo = p->yoff, xo = p->xoff;
        for (i = 0; i < nd - 1; i++) {
            /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): idx[0..nd) is zeroed above; nd >= 1 */
            yo += idx[i] * p->ystride[i];
            xo += idx[i] * p->xstride[i];
        }
        for (j = 0; j < len; j++)
            y[yo + j * ys] += x[xo + j * xs];
        for (i = nd - 2; i >= 0; i--) {
            if (++idx[i] < p->shape[i])
                break;
            idx[i] = 0;
        }
    }
}

/*
 * Pad backward: the forward's walk over the output, each dy element added
 * to the x element rt_pad_source says it was read from; elements that were
 * the constant (constant mode, or an empty source window) send nothing.
 * In reflect and edge modes several outputs read one input, and their
 * gradients add up there.
 */
void rt_pad_backward(float *dx, const float *dy, const rt_pad_params *p)
{
    const int nd = p->ndim;
    int64_t istr[RT_MAX_DIMS], idx[RT_MAX_DIMS];
    int64_t rows = 1, r, len, in_last, pb_last, j, lo, hi;
    int i;

    if (!dx)
        return;
    if (nd == 0) {
        dx[0] += dy[0];
        return;
    }
    istr[nd - 1] = 1;
    for (i = nd - 2; i >= 0; i--)
        istr[i] = istr[i + 1] * p->in[i + 1];
    for (i = 0; i < nd; i++) {
        if (p->out[i] == 0)
            return;
        idx[i] = 0;
        if (i < nd - 1)
            rows *= p->out[i];
    }
    len = p->out[nd - 1];
    in_last = p->in[nd - 1];
    pb_last = p->pad_begin[nd - 1];
    lo = pb_last > 0 ? pb_last : 0;
    hi = pb_last + in_last < len ? pb_last + in_last : len;
    if (hi < lo)
        hi = lo;

    for (r = 0; r < rows; r++) {
        const float *dyr = dy + r * len;
        int64_t xo = 0;
        int inside = 1;
        for (i = 0; i < nd - 1; i++) {
            const int64_t s = rt_pad_source(idx[i], p->in[i], p->out[i], p->pad_begin[i], p->mode);
            if (s < 0) {
                inside = 0;
                break;
            }
            xo += s * istr[i];
        }
        if (inside) {
            float *dxr = dx + xo;
            for (j = 0; j < lo; j++) {
                const int64_t s = rt_pad_source(j, in_last, len, pb_last, p->mode);
                if (s >= 0)
                    dxr[s] += dyr[j];
            }
            for (j = lo; j < hi; j++)
                dxr[j - pb_last] += dyr[j];
            for (j = hi; j < len; j++) {
                const int64_t s = rt_pad_source(j, in_last, len, pb_last, p->mode);
                if (s >= 0)
                    dxr[s] += dyr[j];
            }
        }
        for (i = nd - 2; i >= 0; i--) {
            if (++idx[i] < p->out[i])
                break;
            idx[i] = 0;
        }
    }
}
