/*
 * norm.c - batch normalisation (inference), instance normalisation and
 * local response normalisation. All work on x viewed as [n, c, size].
 */
#include <math.h>

#include "rt_sgemm_impl.h"   /* RT_SIMD_AVX2 */

#ifdef RT_SIMD_AVX2
#include <immintrin.h>
#endif

#ifdef RT_SIMD_AVX2
/* rt_bn_lanes + 8 - n: the maskload mask of the first n lanes */
static const int32_t rt_bn_lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
#endif
#ifdef RT_SIMD_AVX512
/* the mask of the first n (at least 1, all from 16) of sixteen lanes */
static inline __mmask16 rt_bn_mask16(int64_t n)
{
    return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
}
#endif

/* channels whose folded factors the forward computes at once (on the stack) */
#define RT_BN_CHUNK 512

/*
 * Batch norm, inference form. Per channel the affine map is folded once:
 *   k = scale / sqrt(var + eps),  y = (x - mean) * k + bias.
 * Keeping (x - mean) rather than folding mean into the shift avoids the
 * cancellation of x * k - mean * k when x is close to mean.
 * y may equal x.
 */
void rt_batchnorm_forward(float *y, const float *x, const float *scale, const float *bias,
                          const float *mean, const float *var, const rt_norm_params *p)
{
    float kc[RT_BN_CHUNK];
    int64_t n, c, c0, i;
#ifdef RT_SIMD_AVX2
    if (p->size == 1) {     /* [n, c] (after Gemm): eight channels a vector */
        for (n = 0; n < p->n; n++)
            for (c = 0; c < p->c; c += 8) {
                const int64_t nl = p->c - c < 8 ? p->c - c : 8, off = n * p->c + c;
                const __m256i mk = _mm256_loadu_si256(
                    (const __m256i *)(const void *)(rt_bn_lanes + 8 - nl));
                const __m256 kv = _mm256_div_ps(
                    _mm256_maskload_ps(scale + c, mk),
                    _mm256_sqrt_ps(_mm256_add_ps(_mm256_maskload_ps(var + c, mk),
                                                 _mm256_set1_ps(p->eps))));
                __m256 v = _mm256_add_ps(
                    _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + off, mk),
                                                _mm256_maskload_ps(mean + c, mk)), kv),
                    _mm256_maskload_ps(bias + c, mk));
                if (p->relu)
                    v = _mm256_blendv_ps(v, _mm256_setzero_ps(),
                                         _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
                _mm256_maskstore_ps(y + off, mk, v);
            }
        return;
    }
#endif
    /* the folded factor of a chunk of channels once, then the rows in
     * memory order (every image's rows of the chunk) */
    for (c0 = 0; c0 < p->c; c0 += RT_BN_CHUNK) {
        const int64_t cn = p->c - c0 < RT_BN_CHUNK ? p->c - c0 : RT_BN_CHUNK;
        for (c = 0; c < cn; c++)
            kc[c] = scale[c0 + c] / sqrtf(var[c0 + c] + p->eps);
        for (n = 0; n < p->n; n++)
            for (c = 0; c < cn; c++) {
                const float k = kc[c], mu = mean[c0 + c], sh = bias[c0 + c];
                const float *xr = x + (n * p->c + c0 + c) * p->size;
                float *yr = y + (n * p->c + c0 + c) * p->size;
                i = 0;
#if defined(RT_SIMD_AVX512)
                {   /* sixteen lanes, the last block through a mask (mul
                     * then add, no FMA: the scalar's very operations) */
                    const __m512 muv = _mm512_set1_ps(mu), kv = _mm512_set1_ps(k);
                    const __m512 shv = _mm512_set1_ps(sh), zv = _mm512_setzero_ps();
                    for (; i < p->size; i += 16) {
                        const __mmask16 mk = rt_bn_mask16(p->size - i);
                        __m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(
                                       _mm512_maskz_loadu_ps(mk, xr + i), muv), kv), shv);
                        if (p->relu)    /* x < 0 ? 0 : x, NaN kept */
                            v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, zv, _CMP_LT_OQ), zv);
                        _mm512_mask_storeu_ps(yr + i, mk, v);
                    }
                }
#elif defined(RT_SIMD_AVX2)
                {   /* the same arithmetic, eight lanes (mul then add: no FMA) */
                    const __m256 muv = _mm256_set1_ps(mu), kv = _mm256_set1_ps(k);
                    const __m256 shv = _mm256_set1_ps(sh), zv = _mm256_setzero_ps();
                    for (; i + 8 <= p->size; i += 8) {
                        __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(
                                       _mm256_loadu_ps(xr + i), muv), kv), shv);
                        if (p->relu)    /* x < 0 ? 0 : x, NaN kept */
                            v = _mm256_blendv_ps(v, zv, _mm256_cmp_ps(v, zv, _CMP_LT_OQ));
                        _mm256_storeu_ps(yr + i, v);
                    }
                }
#endif
                for (; i < p->size; i++) {
                    const float v = (xr[i] - mu) * k + sh;
                    yr[i] = p->relu && v < 0.0f ? 0.0f : v;     /* as rt_unary_forward's Relu */
                }
            }
    }
}

/*
 * Instance norm: each (n, c) row is normalised by its own mean and
 * (population) variance, then scaled and shifted by channel c's scale and
 * bias. Two passes (mean, then the sum of squared deviations) keep the
 * variance accurate when the mean is large relative to the spread.
 * y may equal x.
 */
void rt_instancenorm_forward(float *y, const float *x, const float *scale, const float *bias,
                             const rt_norm_params *p)
{
    const int64_t size = p->size;
    int64_t n, c, i;
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++) {
            const float *xr = x + (n * p->c + c) * size;
            float *yr = y + (n * p->c + c) * size;
            float mu = 0.0f, v = 0.0f, k;
            for (i = 0; i < size; i++)
                mu += xr[i];
            mu /= (float)size;
            for (i = 0; i < size; i++) {
                const float d = xr[i] - mu;
                v += d * d;
            }
            v /= (float)size;
            k = scale[c] / sqrtf(v + p->eps);
            for (i = 0; i < size; i++)
                yr[i] = (xr[i] - mu) * k + bias[c];
        }
}

/*
 * LRN across channels. For channel c the window is channels
 * [c - floor((w-1)/2), c + ceil((w-1)/2)] clipped to [0, C). y doubles as the
 * scratch for the sums of squares (one row per channel, accumulated with
 * contiguous inner loops), so y must not alias x. Then
 *   y = x / (bias + alpha / w * sumsq) ^ beta.
 */
void rt_lrn_forward(float *y, const float *x, const rt_lrn_params *p)
{
    const int64_t size = p->size, C = p->c;
    const int64_t before = (p->window - 1) / 2;            /* floor((w-1)/2) */
    const int64_t after = p->window - 1 - before;          /* ceil((w-1)/2) */
    const float a = p->alpha / (float)p->window;
    int64_t n, c, cc, i;

    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * C * size;
        float *yn = y + n * C * size;
        for (c = 0; c < C; c++) {
            const int64_t lo = c - before < 0 ? 0 : c - before;
            const int64_t hi = c + after > C - 1 ? C - 1 : c + after;
            float *yr = yn + c * size;
            for (i = 0; i < size; i++)
                yr[i] = 0.0f;
            for (cc = lo; cc <= hi; cc++) {
                const float *xr = xn + cc * size;
                for (i = 0; i < size; i++)
                    yr[i] += xr[i] * xr[i];
            }
            for (i = 0; i < size; i++)
                yr[i] = xn[c * size + i] / powf(p->bias + a * yr[i], p->beta);
        }
    }
}

/*
 * Batch norm backward in its frozen (eval) form, see the header. Per
 * channel, with inv = 1 / sqrt(var + eps) and k = scale * inv as in the
 * forward:
 *   dx += dy * k,  dscale += sum dy * (x - mean) * inv,  dbias += sum dy,
 * the sums over the batch and the channel's positions. With relu_bias (the
 * forward's bias, when a Relu follows), dy passes only where the forward's
 * pre-Relu value (x - mean) * k + bias, recomputed here with the forward's
 * very operations, is not <= 0 (NaN passes, as rt_unary_backward's Relu):
 * the mask without reading the output.
 */
#ifdef RT_SIMD_AVX512
/* One row of the batch norm's backward, sixteen lanes a step and the last
 * block through a mask: with xm = x - mean and d = dy (zeroed where the
 * fused Relu's forward value k xm + shift <= 0, if relu), dx (if not NULL)
 * += or = k d, and the sums d xm and d accumulate into *ss, *sb. */
static inline void rt_bn_bwd_row512(float *dxr, const float *dyr, const float *xr, int64_t size,
                                    __m512 kv, __m512 muv, __m512 shv, int relu, int overwrite,
                                    __m512 *ss, __m512 *sb)
{
    const __m512 zv = _mm512_setzero_ps();
    __m512 s = *ss, b = *sb;
    int64_t i;
    for (i = 0; i < size; i += 16) {
        const __mmask16 mk = rt_bn_mask16(size - i);
        const __m512 xm = _mm512_sub_ps(_mm512_maskz_loadu_ps(mk, xr + i), muv);
        __m512 d = _mm512_maskz_loadu_ps(mk, dyr + i);
        if (relu)       /* Relu: dy unless the forward's value <= 0 */
            d = _mm512_maskz_mov_ps(
                _mm512_cmp_ps_mask(_mm512_add_ps(_mm512_mul_ps(xm, kv), shv), zv, _CMP_NLE_UQ),
                d);
        if (dxr) {
            const __m512 o = overwrite ? zv : _mm512_maskz_loadu_ps(mk, dxr + i);
            _mm512_mask_storeu_ps(dxr + i, mk, _mm512_fmadd_ps(d, kv, o));
        }
        s = _mm512_fmadd_ps(d, xm, s);
        b = _mm512_add_ps(b, d);
    }
    *ss = s;
    *sb = b;
}

#ifndef RT_BN_SMALL
#define RT_BN_SMALL 256         /* mbdw: rows of at most this many go images outer */
#endif
#define RT_BN_CB 32             /* channels a block there (their sums: 4 KB of stack) */
/*
 * mbdw: rt_bn_backward on rows of a few vectors (MobileNet's 12x12, 6x6 and
 * 3x3 maps). Channels outer would jump from image to image every row (rows
 * of 36 or 144 bytes, one access a page at a time: no prefetch); here a
 * block of RT_BN_CB channels is taken image by image, its rows one
 * contiguous run, each channel's two sums kept as vectors on the stack.
 * Every channel still sees its rows in the same order (images, then
 * positions) with the same operations as below: the same bits.
 */
static void rt_bn_backward_rows512(float *dx, float *dscale, float *dbias, const float *dy,
                                   const float *x, const float *relu_bias, const float *scale,
                                   const float *mean, const float *var, const rt_norm_params *p)
{
    const __m512 zv = _mm512_setzero_ps();
    __m512 ssv[RT_BN_CB], sbv[RT_BN_CB];
    float kc[RT_BN_CB], ic[RT_BN_CB];
    int64_t c0, c, n;
    for (c0 = 0; c0 < p->c; c0 += RT_BN_CB) {
        const int64_t cn = p->c - c0 < RT_BN_CB ? p->c - c0 : RT_BN_CB;
        for (c = 0; c < cn; c++) {
            const float sd = sqrtf(var[c0 + c] + p->eps);
            kc[c] = scale[c0 + c] / sd;
            ic[c] = 1.0f / sd;
            ssv[c] = sbv[c] = zv;
        }
        for (n = 0; n < p->n; n++)
            for (c = 0; c < cn; c++) {
                const int64_t off = (n * p->c + c0 + c) * p->size;
                const float *dyr = dy + off, *xr = x + off;
                float *dxr = dx ? dx + off : NULL;
                const __m512 kv = _mm512_set1_ps(kc[c]), muv = _mm512_set1_ps(mean[c0 + c]);
                const __m512 shv = _mm512_set1_ps(relu_bias ? relu_bias[c0 + c] : 0.0f);
                rt_bn_bwd_row512(dxr, dyr, xr, p->size, kv, muv, shv, relu_bias != NULL,
                                 p->overwrite, &ssv[c], &sbv[c]);
            }
        for (c = 0; c < cn; c++) {
            if (dscale)
                dscale[c0 + c] += _mm512_reduce_add_ps(ssv[c]) * ic[c];
            if (dbias)
                dbias[c0 + c] += _mm512_reduce_add_ps(sbv[c]);
        }
    }
}
#endif

static void rt_bn_backward(float *dx, float *dscale, float *dbias, const float *dy,
                           const float *x, const float *relu_bias, const float *scale,
                           const float *mean, const float *var, const rt_norm_params *p)
{
    int64_t n, c, i;
#ifdef RT_SIMD_AVX512
    if (p->size > 1 && p->size <= RT_BN_SMALL) {
        rt_bn_backward_rows512(dx, dscale, dbias, dy, x, relu_bias, scale, mean, var, p);
        return;
    }
#endif
#ifdef RT_SIMD_AVX2
    if (p->size == 1) {     /* [n, c] (after Gemm): eight channels a vector */
        for (c = 0; c < p->c; c += 8) {
            const int64_t nl = p->c - c < 8 ? p->c - c : 8;
            const __m256i mk = _mm256_loadu_si256(
                (const __m256i *)(const void *)(rt_bn_lanes + 8 - nl));
            const __m256 sd = _mm256_sqrt_ps(_mm256_add_ps(_mm256_maskload_ps(var + c, mk),
                                                           _mm256_set1_ps(p->eps)));
            const __m256 kv = _mm256_div_ps(_mm256_maskload_ps(scale + c, mk), sd);
            const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0f), sd);
            const __m256 muv = _mm256_maskload_ps(mean + c, mk);
            const __m256 shv = relu_bias ? _mm256_maskload_ps(relu_bias + c, mk)
                                         : _mm256_setzero_ps();
            __m256 ssv = _mm256_setzero_ps(), sbv = _mm256_setzero_ps();
            for (n = 0; n < p->n; n++) {
                const int64_t off = n * p->c + c;
                const __m256 xm = _mm256_sub_ps(_mm256_maskload_ps(x + off, mk), muv);
                __m256 d = _mm256_maskload_ps(dy + off, mk);
                if (relu_bias)
                    d = _mm256_and_ps(d, _mm256_cmp_ps(_mm256_add_ps(_mm256_mul_ps(xm, kv), shv),
                                                       _mm256_setzero_ps(), _CMP_NLE_UQ));
                if (dx) {
                    const __m256 o = p->overwrite ? _mm256_setzero_ps()
                                                  : _mm256_maskload_ps(dx + off, mk);
                    _mm256_maskstore_ps(dx + off, mk, _mm256_fmadd_ps(d, kv, o));
                }
                ssv = _mm256_fmadd_ps(d, xm, ssv);
                sbv = _mm256_add_ps(sbv, d);
            }
            if (dscale)
                _mm256_maskstore_ps(dscale + c, mk,
                                    _mm256_add_ps(_mm256_maskload_ps(dscale + c, mk),
                                                  _mm256_mul_ps(ssv, inv)));
            if (dbias)
                _mm256_maskstore_ps(dbias + c, mk,
                                    _mm256_add_ps(_mm256_maskload_ps(dbias + c, mk), sbv));
        }
        return;
    }
#endif
    /* channels outer, images inner: each channel's sums stay in vector
     * registers over all its rows and are reduced once (rows of a few dozen
     * floats would otherwise pay a reduction each); the rows of the
     * channels around it share their cache lines, so the strided order
     * costs little */
    for (c = 0; c < p->c; c++) {
        const float sd = sqrtf(var[c] + p->eps);
        const float k = scale[c] / sd, inv = 1.0f / sd, mu = mean[c];
        const float sh = relu_bias ? relu_bias[c] : 0.0f;
        float ss = 0.0f, sb = 0.0f;
#if defined(RT_SIMD_AVX512)
        const __m512 kv = _mm512_set1_ps(k), muv = _mm512_set1_ps(mu), shv = _mm512_set1_ps(sh);
        const __m512 zv = _mm512_setzero_ps();
        __m512 ssv = zv, sbv = zv;
#elif defined(RT_SIMD_AVX2)
        const __m256 kv = _mm256_set1_ps(k), muv = _mm256_set1_ps(mu), shv = _mm256_set1_ps(sh);
        __m256 ssv = _mm256_setzero_ps(), sbv = _mm256_setzero_ps();
        float t[8];
#endif
        for (n = 0; n < p->n; n++) {
            const int64_t off = (n * p->c + c) * p->size;
            const float *dyr = dy + off, *xr = x + off;
            float *dxr = dx ? dx + off : NULL;
            i = 0;
#if defined(RT_SIMD_AVX512)
            rt_bn_bwd_row512(dxr, dyr, xr, p->size, kv, muv, shv, relu_bias != NULL,
                             p->overwrite, &ssv, &sbv);
            i = p->size;
#elif defined(RT_SIMD_AVX2)
            /* eight lanes, the last block through a mask (no scalar tail) */
            for (; i < p->size; i += 8) {
                const int64_t nl = p->size - i < 8 ? p->size - i : 8;
                const __m256i mk = _mm256_loadu_si256(
                    (const __m256i *)(const void *)(rt_bn_lanes + 8 - nl));
                const __m256 xm = _mm256_sub_ps(_mm256_maskload_ps(xr + i, mk), muv);
                __m256 d = _mm256_maskload_ps(dyr + i, mk);
                if (relu_bias)  /* Relu: dy unless the forward's value <= 0 */
                    d = _mm256_and_ps(d, _mm256_cmp_ps(_mm256_add_ps(_mm256_mul_ps(xm, kv), shv),
                                                       _mm256_setzero_ps(), _CMP_NLE_UQ));
                if (dxr) {
                    const __m256 o = p->overwrite ? _mm256_setzero_ps()
                                                  : _mm256_maskload_ps(dxr + i, mk);
                    _mm256_maskstore_ps(dxr + i, mk, _mm256_fmadd_ps(d, kv, o));
                }
                ssv = _mm256_fmadd_ps(d, xm, ssv);
                sbv = _mm256_add_ps(sbv, d);
            }
#endif
            for (; i < p->size; i++) {
                const float v = (xr[i] - mu) * k + sh;     /* as the forward */
                const float d = relu_bias && v <= 0.0f ? 0.0f : dyr[i];
                if (dxr)    /* overwrite: the first contribution, 0 + it */
                    dxr[i] = (p->overwrite ? 0.0f : dxr[i]) + d * k;
                ss += d * (xr[i] - mu);
                sb += d;
            }
        }
#if defined(RT_SIMD_AVX512)
        ss = _mm512_reduce_add_ps(ssv);
        sb = _mm512_reduce_add_ps(sbv);
#elif defined(RT_SIMD_AVX2)
        _mm256_storeu_ps(t, ssv);
        ss = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
        _mm256_storeu_ps(t, sbv);
        sb = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
#endif
        if (dscale)
            dscale[c] += ss * inv;
        if (dbias)
            dbias[c] += sb;
    }
}

void rt_batchnorm_backward(float *dx, float *dscale, float *dbias, const float *dy,
                           const float *x, const float *scale, const float *mean,
                           const float *var, const rt_norm_params *p)
{
    rt_bn_backward(dx, dscale, dbias, dy, x, NULL, scale, mean, var, p);
}

void rt_batchnorm_relu_backward(float *dx, float *dscale, float *dbias, const float *dy,
                                const float *x, const float *bias, const float *scale,
                                const float *mean, const float *var, const rt_norm_params *p)
{
    rt_bn_backward(dx, dscale, dbias, dy, x, bias, scale, mean, var, p);
}

/* bnfold: the batch norm folded into the convolution before it (see
 * onnxcc_rt.h). The factor a is computed as rt_batchnorm_forward does. */
void rt_bn_fold(float *wf, float *bf, const float *w, const float *b, const float *scale,
                const float *bias, const float *mean, const float *var,
                const rt_norm_params *p)
{
    const int64_t size = p->size;
    for (int64_t m = 0; m < p->c; m++) {
        const float a = scale[m] / sqrtf(var[m] + p->eps);
        const float *wr = w + m * size;
        float *fr = wf + m * size;
        for (int64_t i = 0; i < size; i++)
            fr[i] = a * wr[i];
        bf[m] = a * ((b ? b[m] : 0.0f) - mean[m]) + bias[m];
    }
}

void rt_bn_fold_backward(float *dw, float *db, float *dscale, float *dbias, const float *dwf,
                         const float *dbf, const float *w, const float *b, const float *scale,
                         const float *mean, const float *var, const rt_norm_params *p)
{
    const int64_t size = p->size;
    for (int64_t m = 0; m < p->c; m++) {
        const float sd = sqrtf(var[m] + p->eps);
        const float a = scale[m] / sd;
        const float *gr = dwf + m * size;
        if (dw) {
            float *dr = dw + m * size;
            for (int64_t i = 0; i < size; i++)
                dr[i] += a * gr[i];
        }
        if (db)
            db[m] += a * dbf[m];
        if (dbias)
            dbias[m] += dbf[m];
        if (dscale) {
            const float *wr = w + m * size;
            double s = 0.0;
            for (int64_t i = 0; i < size; i++)
                s += (double)wr[i] * gr[i];
            s += ((double)(b ? b[m] : 0.0f) - mean[m]) * dbf[m];
            dscale[m] += (float)(s / sd);
        }
    }
}
