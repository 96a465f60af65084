/*
 * typed_f64.c - double versions of the float32-only layer kernels (conv,
 * conv-transpose, pools, gemm, batch and instance norm, softmax), and the
 * matrix product of double and of the integer types. They take the float
 * kernels' parameter structs and compute in double (or, for integers, with
 * wrap-around integer arithmetic), in plain reference loops: ONNX allows
 * double for these ops, and double is chosen for its precision, so running
 * the float kernels on rounded copies would not do.
 */
#include <math.h>
#include <stdint.h>

#include "rt_impl.h"

/* The activation of a fused epilogue, in double. */
static double act64(double v, rt_unary_op op, float a, float b)
{
    return op == RT_UN_NONE ? v : rt_unary_f64(op, v, (double)a, (double)b);
}

void rt_conv_forward_f64(double *y, const double *x, const double *w, const double *b,
                         const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isz = p->in[0] * p->in[1] * p->in[2];
    const int64_t osz = p->out[0] * p->out[1] * p->out[2];
    const int64_t ksz = p->k[0] * p->k[1] * p->k[2];
    int64_t n, m, o0, o1, o2;
    for (n = 0; n < p->n; n++)
        for (m = 0; m < p->m; m++) {
            const int64_t g = m / mg;
            double *yp = y + (n * p->m + m) * osz;
            for (o0 = 0; o0 < p->out[0]; o0++)
                for (o1 = 0; o1 < p->out[1]; o1++)
                    for (o2 = 0; o2 < p->out[2]; o2++) {
                        double s = b ? b[m] : 0.0;
                        int64_t ci, t0, t1, t2;
                        for (ci = 0; ci < cg; ci++) {
                            const double *xp = x + (n * p->c + g * cg + ci) * isz;
                            for (t0 = 0; t0 < p->k[0]; t0++) {
                                const int64_t i0 = o0 * p->stride[0] - p->pad[0] +
                                                   t0 * p->dilation[0];
                                if (i0 < 0 || i0 >= p->in[0])
                                    continue;
                                for (t1 = 0; t1 < p->k[1]; t1++) {
                                    const int64_t i1 = o1 * p->stride[1] - p->pad[1] +
                                                       t1 * p->dilation[1];
                                    if (i1 < 0 || i1 >= p->in[1])
                                        continue;
                                    for (t2 = 0; t2 < p->k[2]; t2++) {
                                        const int64_t i2 = o2 * p->stride[2] - p->pad[2] +
                                                           t2 * p->dilation[2];
                                        const int64_t tap =
                                            (t0 * p->k[1] + t1) * p->k[2] + t2;
                                        double wv;
                                        if (i2 < 0 || i2 >= p->in[2])
                                            continue;
                                        if (p->wt) /* [c * ksz][m] (group 1) */
                                            wv = w[(ci * ksz + tap) * p->m + m];
                                        else
                                            wv = w[(m * cg + ci) * ksz + tap];
                                        s += xp[(i0 * p->in[1] + i1) * p->in[2] + i2] * wv;
                                    }
                                }
                            }
                        }
                        if (p->accumulate)
                            s += *yp;
                        *yp++ = act64(s, p->act, p->act_alpha, p->act_beta);
                    }
        }
}

void rt_conv_transpose_forward_f64(double *y, const double *x, const double *w,
                                   const double *b, const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t isz = p->in[0] * p->in[1] * p->in[2];
    const int64_t osz = p->out[0] * p->out[1] * p->out[2];
    const int64_t ksz = p->k[0] * p->k[1] * p->k[2];
    int64_t n, m, c, j, i0, i1, i2, t0, t1, t2;
    for (n = 0; n < p->n; n++)
        for (m = 0; m < p->m; m++) {
            double *yp = y + (n * p->m + m) * osz;
            for (j = 0; j < osz; j++)
                yp[j] = (p->accumulate ? yp[j] : 0.0) + (b ? b[m] : 0.0);
        }
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++) {
            const int64_t g = c / cg;
            const double *xp = x + (n * p->c + c) * isz;
            for (m = 0; m < mg; m++) {
                const double *wp = w + (c * mg + m) * ksz;
                double *yp = y + (n * p->m + g * mg + m) * osz;
                for (i0 = 0; i0 < p->in[0]; i0++)
                    for (i1 = 0; i1 < p->in[1]; i1++)
                        for (i2 = 0; i2 < p->in[2]; i2++) {
                            const double xv = xp[(i0 * p->in[1] + i1) * p->in[2] + i2];
                            for (t0 = 0; t0 < p->k[0]; t0++) {
                                const int64_t o0 = i0 * p->stride[0] - p->pad[0] +
                                                   t0 * p->dilation[0];
                                if (o0 < 0 || o0 >= p->out[0])
                                    continue;
                                for (t1 = 0; t1 < p->k[1]; t1++) {
                                    const int64_t o1 = i1 * p->stride[1] - p->pad[1] +
                                                       t1 * p->dilation[1];
                                    if (o1 < 0 || o1 >= p->out[1])
                                        continue;
                                    for (t2 = 0; t2 < p->k[2]; t2++) {
                                        const int64_t o2 = i2 * p->stride[2] - p->pad[2] +
                                                           t2 * p->dilation[2];
                                        if (o2 < 0 || o2 >= p->out[2])
                                            continue;
                                        yp[(o0 * p->out[1] + o1) * p->out[2] + o2] +=
                                            xv * wp[(t0 * p->k[1] + t1) * p->k[2] + t2];
                                    }
                                }
                            }
                        }
            }
        }
    if (p->act != RT_UN_NONE)
        for (j = 0; j < (int64_t)p->n * p->m * osz; j++)
            y[j] = act64(y[j], p->act, p->act_alpha, p->act_beta);
}

/* Taps [lo, hi) of window o along axis ax whose positions lie in [off, limit). */
static void taps(int64_t *lo, int64_t *hi, const rt_pool_params *p, int ax, int64_t o,
                 int64_t shift, int64_t limit)
{
    rt_valid_range(lo, hi, p->k[ax], p->dilation[ax], o * p->stride[ax] - shift, limit);
}

void rt_avgpool_forward_f64(double *y, const double *x, const rt_pool_params *p)
{
    const int64_t isz = p->in[0] * p->in[1] * p->in[2];
    const int64_t planes = (int64_t)p->n * p->c;
    int64_t pl, o0, o1, o2, t0, t1, t2;
    for (pl = 0; pl < planes; pl++) {
        const double *xp = x + pl * isz;
        for (o0 = 0; o0 < p->out[0]; o0++)
            for (o1 = 0; o1 < p->out[1]; o1++)
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    int64_t lo[3], hi[3], plo[3], phi[3], count = 1;
                    const int64_t o[3] = {o0, o1, o2};
                    double s = 0.0;
                    int ax;
                    for (ax = 0; ax < 3; ax++) {
                        taps(&lo[ax], &hi[ax], p, ax, o[ax], p->pad[ax], p->in[ax]);
                        taps(&plo[ax], &phi[ax], p, ax, o[ax], 0,
                             p->pad[ax] + p->in[ax] + p->pad_end[ax]);
                        count *= p->count_include_pad ? phi[ax] - plo[ax] : hi[ax] - lo[ax];
                    }
                    for (t0 = lo[0]; t0 < hi[0]; t0++)
                        for (t1 = lo[1]; t1 < hi[1]; t1++)
                            for (t2 = lo[2]; t2 < hi[2]; t2++) {
                                const int64_t i0 = o0 * p->stride[0] - p->pad[0] +
                                                   t0 * p->dilation[0];
                                const int64_t i1 = o1 * p->stride[1] - p->pad[1] +
                                                   t1 * p->dilation[1];
                                const int64_t i2 = o2 * p->stride[2] - p->pad[2] +
                                                   t2 * p->dilation[2];
                                s += xp[(i0 * p->in[1] + i1) * p->in[2] + i2];
                            }
                    *y++ = s / (double)count;
                }
    }
}

void rt_global_avgpool_forward_f64(double *y, const double *x, int64_t nc, int64_t size)
{
    int64_t r, i;
    for (r = 0; r < nc; r++) {
        double s = 0.0;
        for (i = 0; i < size; i++)
            s += x[r * size + i];
        y[r] = s / (double)size;
    }
}

void rt_global_maxpool_forward_f64(double *y, const double *x, int64_t nc, int64_t size)
{
    int64_t r, i;
    for (r = 0; r < nc; r++) {
        double m = -INFINITY;
        for (i = 0; i < size; i++) {
            const double v = x[r * size + i];
            if (v > m || v != v)
                m = v;
        }
        y[r] = m;
    }
}

void rt_gemm_forward_f64(double *y, const double *a, const double *b, const double *c,
                         const rt_gemm_params *p)
{
    int64_t i, j, k;
    for (i = 0; i < p->m; i++)
        for (j = 0; j < p->n; j++) {
            double s = 0.0, v;
            for (k = 0; k < p->k; k++) {
                const double av = p->trans_a ? a[k * p->m + i] : a[i * p->k + k];
                const double bv = p->trans_b ? b[j * p->k + k] : b[k * p->n + j];
                s += av * bv;
            }
            v = (double)p->alpha * s;
            if (c && p->beta != 0.0f)
                v += (double)p->beta * c[i * p->c_rs + j * p->c_cs];
            y[i * p->n + j] = act64(v, p->act, p->act_alpha, p->act_beta);
        }
}

/* One batched product y = a b of element type T, accumulated in A. */
#define RT_MATMUL_LOOP(T, A)                                                                    \
    do {                                                                                        \
        for (i = 0; i < mm->m; i++)                                                             \
            for (j = 0; j < mm->n; j++) {                                                       \
                A s = 0;                                                                        \
                for (k = 0; k < mm->k; k++)                                                     \
                    s += (A)((const T *)a)[ao + i * mm->k + k] *                                \
                         (A)((const T *)b)[bo + k * mm->n + j];                                 \
                ((T *)y)[(r * mm->m + i) * mm->n + j] = (T)s;                                   \
            }                                                                                   \
    } while (0)

void rt_matmul_any_forward(void *y, const void *a, const void *b, const rt_matmul_any_params *p)
{
    const rt_matmul_params *mm = &p->mm;
    int64_t idx[RT_MAX_DIMS];
    int64_t batches = 1, r, i, j, k;
    int d;
    for (d = 0; d < mm->batch_ndim; d++) {
        batches *= mm->batch[d];
        idx[d] = 0;
    }
    for (r = 0; r < batches; r++) {
        int64_t ao = 0, bo = 0;
        for (d = 0; d < mm->batch_ndim; d++) {
            ao += idx[d] * mm->a_bstride[d];
            bo += idx[d] * mm->b_bstride[d];
        }
        switch (p->type) {
        case RT_F64: RT_MATMUL_LOOP(double, double); break;
        /* unsigned accumulation wraps around exactly as the stored type does */
        case RT_I32: RT_MATMUL_LOOP(int32_t, uint32_t); break;
        case RT_U32: RT_MATMUL_LOOP(uint32_t, uint32_t); break;
        case RT_I64: RT_MATMUL_LOOP(int64_t, uint64_t); break;
        case RT_U64: RT_MATMUL_LOOP(uint64_t, uint64_t); break;
        default: break;
        }
        for (d = mm->batch_ndim - 1; d >= 0; d--) {
            if (++idx[d] < mm->batch[d])
                break;
            idx[d] = 0;
        }
    }
}

void rt_batchnorm_forward_f64(double *y, const double *x, const double *scale,
                              const double *bias, const double *mean, const double *var,
                              const rt_norm_params *p)
{
    int64_t n, c, i;
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++) {
            const double k = scale[c] / sqrt(var[c] + (double)p->eps);
            const int64_t base = (n * p->c + c) * p->size;
            for (i = 0; i < p->size; i++) {
                double v = (x[base + i] - mean[c]) * k + bias[c];
                if (p->relu && !(v > 0))
                    v = v != v ? v : 0.0;
                y[base + i] = v;
            }
        }
}

void rt_instancenorm_forward_f64(double *y, const double *x, const double *scale,
                                 const double *bias, const rt_norm_params *p)
{
    int64_t n, c, i;
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++) {
            const int64_t base = (n * p->c + c) * p->size;
            double mean = 0.0, var = 0.0, k;
            for (i = 0; i < p->size; i++)
                mean += x[base + i];
            mean /= (double)p->size;
            for (i = 0; i < p->size; i++)
                var += (x[base + i] - mean) * (x[base + i] - mean);
            var /= (double)p->size;
            k = scale[c] / sqrt(var + (double)p->eps);
            for (i = 0; i < p->size; i++)
                y[base + i] = (x[base + i] - mean) * k + bias[c];
        }
}

void rt_softmax_forward_f64(double *y, const double *x, const rt_softmax_params *p)
{
    int64_t o, i, j;
    for (o = 0; o < p->outer; o++)
        for (i = 0; i < p->inner; i++) {
            const int64_t base = o * p->len * p->inner + i;
            double m = -INFINITY, s = 0.0;
            for (j = 0; j < p->len; j++)
                if (x[base + j * p->inner] > m)
                    m = x[base + j * p->inner];
            for (j = 0; j < p->len; j++)
                s += exp(x[base + j * p->inner] - m);
            for (j = 0; j < p->len; j++) {
                const double d = x[base + j * p->inner] - m;
                y[base + j * p->inner] = p->log ? d - log(s) : exp(d) / s;
            }
        }
}

void rt_hardmax_forward_f64(double *y, const double *x, const rt_softmax_params *p)
{
    int64_t o, i, j;
    for (o = 0; o < p->outer; o++)
        for (i = 0; i < p->inner; i++) {
            const int64_t base = o * p->len * p->inner + i;
            int64_t best = 0;
            for (j = 1; j < p->len; j++)
                if (x[base + j * p->inner] > x[base + best * p->inner])
                    best = j;
            for (j = 0; j < p->len; j++)
                y[base + j * p->inner] = j == best ? 1.0 : 0.0;
        }
}

void rt_lrn_forward_f64(double *y, const double *x, const rt_lrn_params *p)
{
    const int64_t before = (p->window - 1) / 2, after = p->window - 1 - before;
    const double a = (double)p->alpha / (double)p->window;
    int64_t n, c, cc, i;
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++) {
            const int64_t lo = c - before < 0 ? 0 : c - before;
            const int64_t hi = c + after > p->c - 1 ? p->c - 1 : c + after;
            for (i = 0; i < p->size; i++) {
                double s = 0.0;
                for (cc = lo; cc <= hi; cc++) {
                    const double v = x[(n * p->c + cc) * p->size + i];
                    s += v * v;
                }
                y[(n * p->c + c) * p->size + i] = x[(n * p->c + c) * p->size + i] /
                                                   pow((double)p->bias + a * s, (double)p->beta);
            }
        }
}

/* mean and inv_std are float (LayerNormalization's stash type). */
void rt_layernorm_forward_f64(double *y, float *mean, float *inv_std, const double *x,
                              const double *scale, const double *bias,
                              const rt_layernorm_params *p)
{
    int64_t o, j;
    for (o = 0; o < p->outer; o++) {
        const double *xr = x + o * p->size;
        double s = 0, v = 0, m, is;
        for (j = 0; j < p->size; j++)
            s += xr[j];
        m = p->size > 0 ? s / (double)p->size : 0;
        for (j = 0; j < p->size; j++)
            v += (xr[j] - m) * (xr[j] - m);
        v = p->size > 0 ? v / (double)p->size : 0;
        is = 1.0 / sqrt(v + (double)p->eps);
        for (j = 0; j < p->size; j++)
            y[o * p->size + j] = (xr[j] - m) * is * scale[j] + (bias ? bias[j] : 0.0);
        if (mean)
            mean[o] = (float)m;
        if (inv_std)
            inv_std[o] = (float)is;
    }
}
