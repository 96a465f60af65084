/*
 * signal.c - spectral and tensor-contraction kernels: DFT, STFT and Einsum.
 * Transforms are direct sums (O(n^2) per transform) accumulated in double,
 * with each twiddle angle reduced exactly ((k * j) mod len) before the sine
 * and cosine, so long transforms keep float accuracy. DFT and STFT are one
 * template for float and double data (types3). No allocation.
 */
#include <math.h>
#include <string.h>

#include "onnxcc_rt.h"

#define RT_TWO_PI 6.283185307179586476925286766559

/* The DFT and STFT kernels over element type T (BIN names the per-type
 * helper); T cannot be parenthesized in declarations:
 * NOLINTBEGIN(bugprone-macro-parentheses) */
#define RT_SPECTRAL(BIN, DFT, STFT, T)                                                          \
/* Accumulates the transform of one sequence: re/im of bin k of                                 \
 * sum_j v[j] * exp(sign * 2 pi i k j / len), v[j] read as (xr[j*s], xi[j*s]). */               \
static void BIN(const T *x, int64_t stride, int in_c, int64_t count, int64_t len,               \
                    int64_t k, double sign, double *re, double *im)                             \
{                                                                                               \
    double sr = 0, si = 0;                                                                      \
    for (int64_t j = 0; j < count; j++) {                                                       \
        double a = sign * RT_TWO_PI * (double)((k * j) % len) / (double)len;                    \
        double c = cos(a), s = sin(a);                                                          \
        double xr = x[j * stride * in_c];                                                       \
        double xi = in_c == 2 ? x[j * stride * in_c + 1] : 0.0;                                 \
        sr += xr * c - xi * s;                                                                  \
        si += xr * s + xi * c;                                                                  \
    }                                                                                           \
    *re = sr;                                                                                   \
    *im = si;                                                                                   \
}                                                                                               \
                                                                                                \
void DFT(T *y, const T *x, const rt_dft_params *p)                                              \
{                                                                                               \
    int64_t count = p->n < p->len ? p->n : p->len; /* zero padded or truncated */               \
    double sign = p->inverse ? 1.0 : -1.0;                                                      \
    double scale = p->inverse ? 1.0 / (double)p->len : 1.0;                                     \
    for (int64_t o = 0; o < p->outer; o++) {                                                    \
        const T *xo = x + o * p->n * p->inner * p->in_c;                                        \
        T *yo = y + o * p->bins * p->inner * 2;                                                 \
        for (int64_t k = 0; k < p->bins; k++) {                                                 \
            for (int64_t i = 0; i < p->inner; i++) {                                            \
                double re, im;                                                                  \
                BIN(xo + i * p->in_c, p->inner, p->in_c, count, p->len, k, sign, &re, &im);     \
                yo[(k * p->inner + i) * 2] = (T)(re * scale);                                   \
                yo[(k * p->inner + i) * 2 + 1] = (T)(im * scale);                               \
            }                                                                                   \
        }                                                                                       \
    }                                                                                           \
}                                                                                               \
                                                                                                \
void STFT(T *y, const T *x, const T *window, const rt_stft_params *p)                           \
{                                                                                               \
    for (int64_t b = 0; b < p->batch; b++) {                                                    \
        for (int64_t f = 0; f < p->frames; f++) {                                               \
            const T *frame = x + (b * p->len + f * p->step) * p->in_c;                          \
            T *yf = y + (b * p->frames + f) * p->bins * 2;                                      \
            for (int64_t k = 0; k < p->bins; k++) {                                             \
                double sr = 0, si = 0;                                                          \
                for (int64_t j = 0; j < p->frame_len; j++) {                                    \
                    double a = -RT_TWO_PI * (double)((k * j) % p->frame_len) /                  \
                               (double)p->frame_len;                                            \
                    double c = cos(a), s = sin(a);                                              \
                    double w = window ? window[j] : 1.0;                                        \
                    double xr = frame[j * p->in_c] * w;                                         \
                    double xi = p->in_c == 2 ? frame[j * p->in_c + 1] * w : 0.0;                \
                    sr += xr * c - xi * s;                                                      \
                    si += xr * s + xi * c;                                                      \
                }                                                                               \
                yf[k * 2] = (T)sr;                                                              \
                yf[k * 2 + 1] = (T)si;                                                          \
            }                                                                                   \
        }                                                                                       \
    }                                                                                           \
}

RT_SPECTRAL(dft_bin, rt_dft_forward, rt_stft_forward, float)
RT_SPECTRAL(dft_bin_f64, rt_dft_forward_f64, rt_stft_forward_f64, double)
/* NOLINTEND(bugprone-macro-parentheses) */

/* ------------------------------------------------------------ Einsum */

static double ein_load(const void *base, int elem, int64_t off)
{
    return elem == 8 ? ((const double *)base)[off] : (double)((const float *)base)[off];
}

void rt_einsum_forward(void *y, const void *a, const void *b, const rt_einsum_params *p)
{
    /* labels [0, nout) index y in row-major order; [nout, nlabels) are summed */
    int64_t ny = 1, nsum = 1;
    for (int l = 0; l < p->nout; l++)
        ny *= p->extent[l];
    for (int l = p->nout; l < p->nlabels; l++)
        nsum *= p->extent[l];
    int64_t idx[RT_EINSUM_MAX_LABELS] = {0};
    int64_t offa = 0, offb = 0;
    for (int64_t o = 0; o < ny; o++) {
        double acc = 0;
        int64_t ia = offa, ib = offb;
        int64_t sub[RT_EINSUM_MAX_LABELS] = {0};
        for (int64_t s = 0; s < nsum; s++) {
            double v = ein_load(a, p->elem, ia);
            if (p->nin == 2)
                v *= ein_load(b, p->elem, ib);
            acc += v;
            for (int l = p->nlabels - 1; l >= p->nout; l--) {
                ia += p->astride[l];
                ib += p->bstride[l];
                if (++sub[l] < p->extent[l])
                    break;
                ia -= p->astride[l] * p->extent[l];
                ib -= p->bstride[l] * p->extent[l];
                sub[l] = 0;
            }
        }
        if (p->elem == 8)
            ((double *)y)[o] = acc;
        else
            ((float *)y)[o] = (float)acc;
        for (int l = p->nout - 1; l >= 0; l--) {
            offa += p->astride[l];
            offb += p->bstride[l];
            if (++idx[l] < p->extent[l])
                break;
            offa -= p->astride[l] * p->extent[l];
            offb -= p->bstride[l] * p->extent[l];
            idx[l] = 0;
        }
    }
}
