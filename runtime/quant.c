/*
 * quant.c - linear quantization kernels: QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, and the integer convolution and matrix product
 * behind ConvInteger, MatMulInteger, QLinearConv and QLinearMatMul.
 *
 * The integer kernels subtract zero points and accumulate exact int32
 * products; the accumulators live in small fixed tiles on the stack, so no
 * kernel allocates. Rounding half to even is done here by hand (rt_rne_*),
 * so results do not depend on the floating-point environment or on libm's
 * rint (this file also builds for Cortex-M). Requantization follows the ONNX
 * reference implementation exactly (see onnxcc_rt.h).
 */
#include <math.h>

#include "rt_impl.h"

#ifdef RT_SMALL_STACK   /* the portable path: tiles of 0.5 KB (see rt_impl.h) */
#define QC_PC 16        /* conv: output positions per block                  */
#define QC_MB 8         /* conv: output channels per block                   */
#define QC_KC 16        /* conv: (channel, tap) rows of x packed at once     */
#define QM_ROWS 4       /* matmul: rows of a per tile                        */
#define QM_COLS 16      /* matmul: columns of b per tile                     */
#else
#define QC_PC 32        /* conv: output positions per block                  */
#define QC_MB 16        /* conv: output channels per block                   */
#define QC_KC 32        /* conv: (channel, tap) rows of x packed at once     */
#define QM_ROWS 4       /* matmul: rows of a per tile                        */
#define QM_COLS 64      /* matmul: columns of b per tile                     */
#endif

/* ------------------------------------------------------------ helpers */

/* Round half to even in float, without depending on the floating-point
 * environment and without a data-dependent branch except at exact ties
 * (rare, so the branch predicts well): floor(v + 0.5) rounds half up, and
 * v + 0.5 is exact for |v| < 2^23 (beyond that, and for NaN and infinities,
 * v is returned as it is: every such float is an integer). */
static float rt_rne_f(float v)
{
    float r;
    if (!(fabsf(v) < 8388608.0f))
        return v;
    r = floorf(v + 0.5f);
    if (r - v == 0.5f && floorf(r * 0.5f) != r * 0.5f)
        r -= 1.0f;      /* a tie rounded up to an odd integer: take the even one */
    return r;
}

/* The same in double (v + 0.5 exact for |v| < 2^52). */
static double rt_rne_d(double v)
{
    double r;
    if (!(fabs(v) < 4503599627370496.0))
        return v;
    r = floor(v + 0.5);
    if (r - v == 0.5 && floor(r * 0.5) != r * 0.5)
        r -= 1.0;
    return r;
}

static int32_t qt_lo(rt_qtype t) { return t == RT_QT_I8 ? -128 : 0; }
static int32_t qt_hi(rt_qtype t) { return t == RT_QT_I8 ? 127 : 255; }

/* Element i of an integer tensor of type t (U8, I8 or I32) as int32. */
static int32_t qt_load(const void *p, rt_qtype t, int64_t i)
{
    switch (t) {
    case RT_QT_I8: return ((const int8_t *)p)[i];
    case RT_QT_I32: return ((const int32_t *)p)[i];
    default: return ((const uint8_t *)p)[i];
    }
}

/* A zero point: 0 when absent. */
static int32_t qt_zp(const void *zp, rt_qtype t, int64_t i)
{
    return zp ? qt_load(zp, t, i) : 0;
}

/* Saturates v (already integral, or NaN) to [lo, hi]; NaN gives nan_val. */
static int32_t qt_sat_f(float v, int32_t lo, int32_t hi, int32_t nan_val)
{
    if (v != v)
        return nan_val;
    if (v <= (float)lo)
        return lo;
    if (v >= (float)hi)
        return hi;
    return (int32_t)v;
}

/* An accumulator kept as uint32 (so that sums past the int32 range wrap, as
 * the header promises, instead of being undefined behaviour) read back as
 * the int32 it stands for, without an implementation-defined conversion. */
static int32_t qt_wrap(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static void qt_store(void *y, rt_qtype t, int64_t i, int32_t v)
{
    if (t == RT_QT_I8)
        ((int8_t *)y)[i] = (int8_t)v;
    else
        ((uint8_t *)y)[i] = (uint8_t)v;
}

/* ------------------------------------------------------------ Quantize / Dequantize */

void rt_quantize_linear(void *y, const float *x, const float *scale, const void *zp,
                        const rt_quant_params *p)
{
    const int32_t lo = qt_lo(p->type), hi = qt_hi(p->type);
    int64_t o, a, i, at = 0;
    for (o = 0; o < p->outer; o++) {
        for (a = 0; a < p->len; a++) {
            const int64_t ch = p->per_axis ? a : 0;
            const float s = scale[ch];
            const int32_t z = qt_zp(zp, p->type, ch);
            for (i = 0; i < p->inner; i++, at++) {
                const float r = rt_rne_f(x[at] / s);
                qt_store(y, p->type, at, qt_sat_f(r + (float)z, lo, hi, z));
            }
        }
    }
}

/* QuantizeLinear of int32 x (types4): the quotient in double, where the
 * int32 and the float scale are exact (numpy's int32 / float32 -> float64),
 * rounded half to even once, then the zero point and saturation; NaN (0 / 0)
 * gives the zero point, as the float kernel. */
void rt_quantize_linear_i32(void *y, const int32_t *x, const float *scale, const void *zp,
                            const rt_quant_params *p)
{
    const int32_t lo = qt_lo(p->type), hi = qt_hi(p->type);
    int64_t o, a, i, at = 0;
    for (o = 0; o < p->outer; o++) {
        for (a = 0; a < p->len; a++) {
            const int64_t ch = p->per_axis ? a : 0;
            const double s = (double)scale[ch];
            const int32_t z = qt_zp(zp, p->type, ch);
            for (i = 0; i < p->inner; i++, at++) {
                const double v = rt_rne_d((double)x[at] / s) + (double)z;
                qt_store(y, p->type, at, v != v ? z : v <= lo ? lo : v >= hi ? hi : (int32_t)v);
            }
        }
    }
}

void rt_dequantize_linear(float *y, const void *x, const float *scale, const void *zp,
                          const rt_quant_params *p)
{
    int64_t o, a, i, at = 0;
    for (o = 0; o < p->outer; o++) {
        for (a = 0; a < p->len; a++) {
            const int64_t ch = p->per_axis ? a : 0;
            const float s = scale[ch];
            const int32_t z = qt_zp(zp, p->type, ch);
            for (i = 0; i < p->inner; i++, at++)
                y[at] = (float)((int64_t)qt_load(x, p->type, at) - z) * s;
        }
    }
}

void rt_dynamic_quantize_linear(uint8_t *y, float *y_scale, uint8_t *y_zp, const float *x,
                                int64_t n)
{
    float lo = 0.0f, hi = 0.0f, s;
    int32_t z;
    int64_t i;
    for (i = 0; i < n; i++) {
        if (x[i] < lo)
            lo = x[i];
        if (x[i] > hi)
            hi = x[i];
    }
    s = (hi - lo) / 255.0f;
    *y_scale = s;
    if (s == 0.0f) {
        *y_zp = 0;
        for (i = 0; i < n; i++)
            y[i] = 0;
        return;
    }
    z = qt_sat_f(rt_rne_f((0.0f - lo) / s), 0, 255, 0);
    *y_zp = (uint8_t)z;
    for (i = 0; i < n; i++)
        y[i] = (uint8_t)qt_sat_f(rt_rne_f(x[i] / s) + (float)z, 0, 255, z);
}

/* ------------------------------------------------------------ epilogue */

/* How accumulators become outputs: the output type, the requantization
 * multiplier (U8 / I8) or the dequantization scale (F32), the output zero
 * point and the fused ReLU. */
typedef struct {
    rt_qtype yt;
    int relu;
    int32_t zy, lo, hi;
    float mult;         /* U8 / I8: (sx * sw) / sy; F32: sx * sw */
} qt_epi;

static void qt_epi_set(qt_epi *e, rt_qtype yt, int relu, float sx, float sw, const float *sy,
                       const void *y_zp)
{
    e->yt = yt;
    e->relu = relu;
    e->zy = 0;
    e->lo = 0;
    e->hi = 0;
    e->mult = 0.0f;
    if (yt == RT_QT_U8 || yt == RT_QT_I8) {
        e->zy = qt_zp(y_zp, yt, 0);
        e->lo = relu ? e->zy : qt_lo(yt);
        e->hi = qt_hi(yt);
        e->mult = (sx * sw) / sy[0];
    } else if (yt == RT_QT_F32) {
        e->mult = sx * sw;
    }
}

/* Writes n accumulators to y[i0 + j * step] (one output channel or column,
 * so one epilogue). Requantization saturates in double before converting,
 * so the conversion is always in range; NaN (a NaN scale) gives y_zp. */
static void qt_epi_run(void *y, int64_t i0, int64_t step, const uint32_t *acc, int64_t n,
                       const qt_epi *e)
{
    int64_t j;
    switch (e->yt) {
    case RT_QT_I32:
        for (j = 0; j < n; j++)
            ((int32_t *)y)[i0 + j * step] = qt_wrap(acc[j]);
        break;
    case RT_QT_F32:
        for (j = 0; j < n; j++) {
            const float v = (float)qt_wrap(acc[j]) * e->mult;
            ((float *)y)[i0 + j * step] = e->relu && v < 0.0f ? 0.0f : v;
        }
        break;
    default: {
        const double m = (double)e->mult, z = (double)e->zy;
        const double lo = (double)e->lo, hi = (double)e->hi;
        for (j = 0; j < n; j++) {
            double v = rt_rne_d((double)qt_wrap(acc[j]) * m + z);
            int32_t q;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            q = v == v ? (int32_t)v : e->zy;
            qt_store(y, e->yt, i0 + j * step, q);
        }
        break;
    }
    }
}

/* ------------------------------------------------------------ convolution */

/* dst[j] = x[off + j * step] - zx for j in [lo, hi) (x of type t, U8 or I8). */
static void qt_pack(int16_t *dst, const void *x, rt_qtype t, int64_t off, int64_t step,
                    int64_t lo, int64_t hi, int32_t zx)
{
    int64_t j;
    if (t == RT_QT_I8) {
        const int8_t *xp = (const int8_t *)x + off;
        for (j = lo; j < hi; j++)
            dst[j] = (int16_t)(xp[j * step] - zx);
    } else {
        const uint8_t *xp = (const uint8_t *)x + off;
        for (j = lo; j < hi; j++)
            dst[j] = (int16_t)(xp[j * step] - zx);
    }
}

/* The shared convolution driver, an implicit GEMM per group:
 *   acc[m][pos] = bias[m] + sum_k (w[m][k] - zw[m]) * xcol[k][pos]
 * with k = (input channel, kernel tap) and xcol[k][pos] the input value that
 * tap reads for output position pos, minus the input zero point (0 where it
 * falls in the padding, which holds the zero point). Output positions are
 * taken QC_PC at a time and output channels QC_MB at a time; xcol is packed
 * QC_KC rows at a time into an int16 block on the stack (|x - zx| <= 255),
 * so the inner loop is a contiguous int16 x int32 multiply-add that
 * compilers vectorize. Stack: about 4.5 KB (1.3 KB with RT_SMALL_STACK). */
static void qt_conv(void *y, const void *x, const float *x_scale, const void *x_zp,
                    const void *w, const float *w_scale, const void *w_zp, const float *y_scale,
                    const void *y_zp, const int32_t *b, const rt_qconv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t in_sz = p->in[0] * p->in[1] * p->in[2];
    const int64_t out_sz = p->out[0] * p->out[1] * p->out[2];
    const int64_t k12 = p->k[1] * p->k[2], ksz = p->k[0] * k12;
    const int64_t kk_n = cg * ksz;
    const int32_t zx = qt_zp(x_zp, p->xtype, 0);
    int16_t xcol[QC_KC][QC_PC];
    uint32_t acc[QC_MB][QC_PC];   /* int32 sums, wrapping (see qt_wrap) */
    /* the block's output row segments: first input depth / row, first output
     * column, position in the block and length */
    int32_t sd[QC_PC], sh[QC_PC], sw[QC_PC], spos[QC_PC], slen[QC_PC];
    int64_t n, g, p0, nseg;

    for (n = 0; n < p->n; n++)
        for (g = 0; g < p->group; g++)
            for (p0 = 0; p0 < out_sz; p0 += QC_PC) {
                const int64_t np = out_sz - p0 < QC_PC ? out_sz - p0 : QC_PC;
                const int64_t xg = (n * p->c + g * cg) * in_sz;
                int64_t pp, m0;
                nseg = 0;
                for (pp = 0; pp < np;) {   /* split the block into output row segments */
                    const int64_t o = p0 + pp;
                    const int64_t o2 = o % p->out[2], o1 = (o / p->out[2]) % p->out[1];
                    const int64_t o0 = o / (p->out[2] * p->out[1]);
                    const int64_t len = p->out[2] - o2 < np - pp ? p->out[2] - o2 : np - pp;
                    sd[nseg] = (int32_t)(o0 * p->stride[0] - p->pad[0]);
                    sh[nseg] = (int32_t)(o1 * p->stride[1] - p->pad[1]);
                    sw[nseg] = (int32_t)o2;
                    spos[nseg] = (int32_t)pp;
                    slen[nseg] = (int32_t)len;
                    nseg++;
                    pp += len;
                }
                for (m0 = g * mg; m0 < (g + 1) * mg; m0 += QC_MB) {
                    const int64_t nm = (g + 1) * mg - m0 < QC_MB ? (g + 1) * mg - m0 : QC_MB;
                    int32_t zw[QC_MB];
                    int64_t i, k0;
                    for (i = 0; i < nm; i++) {
                        const int32_t bias = b ? b[m0 + i] : 0;
                        zw[i] = qt_zp(w_zp, p->wtype, p->w_per_channel ? m0 + i : 0);
                        for (pp = 0; pp < QC_PC; pp++)
                            acc[i][pp] = (uint32_t)bias;
                    }
                    for (k0 = 0; k0 < kk_n; k0 += QC_KC) {
                        const int64_t nk = kk_n - k0 < QC_KC ? kk_n - k0 : QC_KC;
                        int64_t kk;
                        for (kk = 0; kk < nk; kk++) {     /* pack xcol rows k0 .. k0+nk */
                            const int64_t k = k0 + kk, ci = k / ksz, tap = k % ksz;
                            const int64_t td = (tap / k12) * p->dilation[0];
                            const int64_t th = ((tap / p->k[2]) % p->k[1]) * p->dilation[1];
                            const int64_t tw = (tap % p->k[2]) * p->dilation[2] - p->pad[2];
                            const int64_t xc = xg + ci * in_sz;
                            int16_t *row = xcol[kk];
                            int64_t sg;
                            for (pp = 0; pp < QC_PC; pp++)
                                row[pp] = 0;
                            for (sg = 0; sg < nseg; sg++) {   /* one output row segment */
                                const int64_t id = sd[sg] + td, ih = sh[sg] + th;
                                const int64_t iw0 = sw[sg] * p->stride[2] + tw;
                                int64_t lo, hi;
                                if (id < 0 || id >= p->in[0] || ih < 0 || ih >= p->in[1])
                                    continue;
                                rt_valid_range(&lo, &hi, slen[sg], p->stride[2], iw0, p->in[2]);
                                qt_pack(row + spos[sg], x, p->xtype,
                                        xc + (id * p->in[1] + ih) * p->in[2] + iw0, p->stride[2],
                                        lo, hi, zx);
                            }
                        }
                        for (i = 0; i < nm; i++) {
                            uint32_t *a = acc[i];
                            const int64_t wrow = (m0 + i) * kk_n + k0;
                            int16_t wk[QC_KC];
                            /* the weights, zero point removed, read once per block:
                             * keeping the type switch out of the loops below lets
                             * them vectorize */
                            for (kk = 0; kk < nk; kk++)
                                wk[kk] = (int16_t)(qt_load(w, p->wtype, wrow + kk) - zw[i]);
                            for (kk = 0; kk + 1 < nk; kk += 2) { /* rows in pairs */
                                const int32_t w0 = wk[kk], w1 = wk[kk + 1];
                                const int16_t *x0 = xcol[kk], *x1 = xcol[kk + 1];
                                for (pp = 0; pp < QC_PC; pp++) /* fixed count: vectorizes */
                                    a[pp] += (uint32_t)(w0 * x0[pp] + w1 * x1[pp]);
                            }
                            if (kk < nk) {
                                const int32_t wv = wk[kk];
                                const int16_t *xr = xcol[kk];
                                for (pp = 0; pp < QC_PC; pp++)
                                    a[pp] += (uint32_t)(wv * (int32_t)xr[pp]);
                            }
                        }
                    }
                    for (i = 0; i < nm; i++) {
                        const int64_t wch = p->w_per_channel ? m0 + i : 0;
                        const int64_t yo = (n * p->m + m0 + i) * out_sz + p0;
                        qt_epi e;
                        qt_epi_set(&e, p->ytype, p->relu, x_scale ? x_scale[0] : 0.0f,
                                   w_scale ? w_scale[wch] : 0.0f, y_scale, y_zp);
                        qt_epi_run(y, yo, 1, acc[i], np, &e);
                    }
                }
            }
}

void rt_qlinear_conv_forward(void *y, const void *x, const float *x_scale, const void *x_zp,
                             const void *w, const float *w_scale, const void *w_zp,
                             const float *y_scale, const void *y_zp, const int32_t *b,
                             const rt_qconv_params *p)
{
    qt_conv(y, x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, b, p);
}

void rt_conv_integer_forward(int32_t *y, const void *x, const void *x_zp, const void *w,
                             const void *w_zp, const rt_qconv_params *p)
{
    rt_qconv_params q = *p;
    q.ytype = RT_QT_I32;
    q.relu = 0;
    qt_conv(y, x, NULL, x_zp, w, NULL, w_zp, NULL, NULL, NULL, &q);
}

/* ------------------------------------------------------------ matrix product */

/* One [m, k] x [k, n] product at element offsets ao, bo, yo, tiled
 * QM_ROWS x QM_COLS: each k step converts one row segment of b (minus its
 * zero points) once and feeds it to QM_ROWS rows of a. */
static void qt_mm(void *y, int64_t yo, const void *a, int64_t ao, const float *a_scale,
                  const void *a_zp, const void *b, int64_t bo, const float *b_scale,
                  const void *b_zp, const float *y_scale, const void *y_zp, const int32_t *bias,
                  const rt_qmatmul_params *p)
{
    uint32_t acc[QM_ROWS][QM_COLS];   /* int32 sums, wrapping (see qt_wrap) */
    int32_t brow[QM_COLS];
    int32_t za[QM_ROWS];
    int64_t i0, j0;
    for (j0 = 0; j0 < p->n; j0 += QM_COLS) {
        const int64_t nc = p->n - j0 < QM_COLS ? p->n - j0 : QM_COLS;
        for (i0 = 0; i0 < p->m; i0 += QM_ROWS) {
            const int64_t nr = p->m - i0 < QM_ROWS ? p->m - i0 : QM_ROWS;
            int64_t r, j, kk;
            for (r = 0; r < nr; r++) {
                za[r] = qt_zp(a_zp, p->atype, p->a_per_row ? i0 + r : 0);
                for (j = 0; j < nc; j++)
                    acc[r][j] = bias ? (uint32_t)bias[j0 + j] : 0u;
            }
            for (kk = 0; kk < p->k; kk++) {
                const int64_t bk = bo + kk * p->n + j0;
                if (p->btype == RT_QT_I8) {
                    const int8_t *bp = (const int8_t *)b + bk;
                    for (j = 0; j < nc; j++)
                        brow[j] = bp[j] + 0;   /* int arithmetic: sign-extends */
                } else {
                    const uint8_t *bp = (const uint8_t *)b + bk;
                    for (j = 0; j < nc; j++)
                        brow[j] = bp[j];
                }
                if (b_zp) {
                    for (j = 0; j < nc; j++)
                        brow[j] -= qt_load(b_zp, p->btype, p->b_per_col ? j0 + j : 0);
                }
                for (r = 0; r < nr; r++) {
                    const int32_t av = qt_load(a, p->atype, ao + (i0 + r) * p->k + kk) - za[r];
                    uint32_t *ar = acc[r];
                    if (av == 0)
                        continue;
                    for (j = 0; j < nc; j++)
                        ar[j] += (uint32_t)(av * brow[j]);
                }
            }
            for (j = 0; j < nc; j++) {
                qt_epi e;
                const int64_t col = p->b_per_col ? j0 + j : 0;
                qt_epi_set(&e, p->ytype, p->relu, a_scale ? a_scale[0] : 0.0f,
                           b_scale ? b_scale[col] : 0.0f, y_scale, y_zp);
                for (r = 0; r < nr; r++)
                    qt_epi_run(y, yo + (i0 + r) * p->n + j0 + j, 1, &acc[r][j], 1, &e);
            }
        }
    }
}

/* Walks the broadcast batch axes (as rt_matmul_forward) and runs qt_mm. */
static void qt_matmul(void *y, const void *a, const float *a_scale, const void *a_zp,
                      const void *b, const float *b_scale, const void *b_zp, const float *y_scale,
                      const void *y_zp, const int32_t *bias, const rt_qmatmul_params *p)
{
    int64_t idx[RT_MAX_DIMS] = {0};
    int64_t nb = 1, t;
    int d;
    for (d = 0; d < p->batch_ndim; d++)
        nb *= p->batch[d];
    for (t = 0; t < nb; t++) {
        int64_t ao = 0, bo = 0;
        for (d = 0; d < p->batch_ndim; d++) {
            ao += idx[d] * p->a_bstride[d];
            bo += idx[d] * p->b_bstride[d];
        }
        qt_mm(y, t * p->m * p->n, a, ao, a_scale, a_zp, b, bo, b_scale, b_zp, y_scale, y_zp,
              bias, p);
        for (d = p->batch_ndim - 1; d >= 0; d--) {
            if (++idx[d] < p->batch[d])
                break;
            idx[d] = 0;
        }
    }
}

void rt_qlinear_matmul_forward(void *y, const void *a, const float *a_scale, const void *a_zp,
                               const void *b, const float *b_scale, const void *b_zp,
                               const float *y_scale, const void *y_zp, const int32_t *bias,
                               const rt_qmatmul_params *p)
{
    qt_matmul(y, a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp, bias, p);
}

void rt_matmul_integer_forward(int32_t *y, const void *a, const void *a_zp, const void *b,
                               const void *b_zp, const rt_qmatmul_params *p)
{
    rt_qmatmul_params q = *p;
    q.ytype = RT_QT_I32;
    q.relu = 0;
    qt_matmul(y, a, NULL, a_zp, b, NULL, b_zp, NULL, NULL, NULL, &q);
}

/* ------------------------------------------------------------ max pooling */

void rt_qmaxpool_forward(void *y, const void *x, const rt_qpool_params *qp)
{
    const rt_pool_params *p = &qp->pool;
    const int64_t in_sz = p->in[0] * p->in[1] * p->in[2];
    int64_t nc, o0, o1, o2, at = 0;
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++) {
        const int64_t xb = nc * in_sz;
        for (o0 = 0; o0 < p->out[0]; o0++)
            for (o1 = 0; o1 < p->out[1]; o1++)
                for (o2 = 0; o2 < p->out[2]; o2++, at++) {
                    int32_t best = qt_lo(qp->type);
                    int64_t k0, k1, k2;
                    for (k0 = 0; k0 < p->k[0]; k0++) {
                        const int64_t i0 = o0 * p->stride[0] - p->pad[0] + k0 * p->dilation[0];
                        if (i0 < 0 || i0 >= p->in[0])
                            continue;
                        for (k1 = 0; k1 < p->k[1]; k1++) {
                            const int64_t i1 = o1 * p->stride[1] - p->pad[1] + k1 * p->dilation[1];
                            if (i1 < 0 || i1 >= p->in[1])
                                continue;
                            for (k2 = 0; k2 < p->k[2]; k2++) {
                                const int64_t i2 =
                                    o2 * p->stride[2] - p->pad[2] + k2 * p->dilation[2];
                                int32_t v;
                                if (i2 < 0 || i2 >= p->in[2])
                                    continue;
                                v = qt_load(x, qp->type, xb + (i0 * p->in[1] + i1) * p->in[2] + i2);
                                if (v > best)
                                    best = v;
                            }
                        }
                    }
                    qt_store(y, qp->type, at, best);
                }
    }
}
