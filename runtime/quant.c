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
#include <string.h>

#include "rt_impl.h"

/* SIMD integer products, chosen from the target's macros (see "SIMD
 * integer products" below): AVX-512 VNNI with AVX-512BW/VL (-march=native on
 * this project's bench machine), else AVX2 (with AVX-VNNI's vpdpbusd when
 * __AVXVNNI__, else an exact two-vpmaddubsw equivalent), else portable C. */
#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    !defined(RT_NO_SIMD)
#define QT_VNNI 1
#define QT_SIMD 1
#include <immintrin.h>
#elif defined(__AVX2__) && !defined(RT_NO_SIMD)
#define QT_SIMD 1
#include <immintrin.h>
#endif

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
            /* product and sum in two statements: the SIMD epilogues round
             * the product before adding z, and a compiler that contracts
             * within an expression (clang's default) would fuse them here */
            const double prod = (double)qt_wrap(acc[j]) * m;
            double v = rt_rne_d(prod + z);
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

/* ------------------------------------------------------------ SIMD integer products */

#ifdef QT_SIMD
/* The integer products on SIMD: vpdpbusd multiplies unsigned bytes by
 * signed bytes and adds each group of four products into one int32 lane,
 * wrapping as the portable accumulators do (QV_L lanes: 16 on AVX-512 VNNI,
 * 8 on AVX2). Both kernels are
 * one shape of product,
 *   acc[r][lane] = sum_k s[r][k] * v[k][lane]
 * with r the rows of a "broadcast" operand read in place (the convolution's
 * weights [m][K], the matrix product's a [m][k]) and lane one of QV_L columns
 * of a "vector" operand (the im2col positions, the columns of b) packed on
 * the stack as [K / 4][QV_L][4] bytes, so that one register holds four k of
 * all lanes and four bytes of a row are broadcast to all lanes.
 *
 * Zero points are not subtracted byte by byte (the differences do not fit
 * in 8 bits); with the operands stored as bytes s and v standing for
 * s - zs and v - zv,
 *   sum (s - zs)(v - zv) = sum s v - zv sum s - zs sum v + K zs zv
 * exactly in wrapping int32. vpdpbusd needs one unsigned and one signed
 * operand: the broadcast operand is used as it is, and the vector operand is
 * stored with its top bit flipped (x ^ 0x80 = x -+ 128, its zero point moved
 * the same way) when both have the same type. */
#define QV_KC 512       /* k (channel, tap) packed at once: 8 KB (+ 8 KB conv) */
#define QV_MR 8         /* broadcast rows per register block               */
#define QV_AI __attribute__((always_inline)) static inline
#define QV_GB ((int64_t)4 * QV_L)  /* bytes of one packed k group (4 k x QV_L lanes) */

#ifdef QT_VNNI
#define QV_L 16         /* lanes: int32 accumulators per register          */
typedef __m512i qv_i;
typedef __m512 qv_f;
#define qv_zero() _mm512_setzero_si512()
#define qv_set1(v) _mm512_set1_epi32(v)
#define qv_set1_ps(v) _mm512_set1_ps(v)
#define qv_ones8() _mm512_set1_epi8(1)
#define qv_loadu(p) _mm512_loadu_si512((const void *)(p))
#define qv_loadu_ps(p) _mm512_loadu_ps(p)
#define qv_storeu(p, v) _mm512_storeu_si512((void *)(p), v)
#define qv_add(a, b) _mm512_add_epi32(a, b)
#define qv_sub(a, b) _mm512_sub_epi32(a, b)
#define qv_mullo(a, b) _mm512_mullo_epi32(a, b)
#define qv_dp(acc, u, s) _mm512_dpbusd_epi32(acc, u, s)
#else
#define QV_L 8
typedef __m256i qv_i;
typedef __m256 qv_f;
#define qv_zero() _mm256_setzero_si256()
#define qv_set1(v) _mm256_set1_epi32(v)
#define qv_set1_ps(v) _mm256_set1_ps(v)
#define qv_ones8() _mm256_set1_epi8(1)
#define qv_loadu(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define qv_loadu_ps(p) _mm256_loadu_ps(p)
#define qv_storeu(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), v)
#define qv_add(a, b) _mm256_add_epi32(a, b)
#define qv_sub(a, b) _mm256_sub_epi32(a, b)
#define qv_mullo(a, b) _mm256_mullo_epi32(a, b)
#ifdef __AVXVNNI__
#define qv_dp(acc, u, s) _mm256_dpbusd_avx_epi32(acc, u, s)
#else
/* vpdpbusd without VNNI, exactly: vpmaddubsw saturates its 16-bit pair
 * sums, but not when the unsigned bytes are split into their low 7 bits
 * (|sum| <= 2 * 127 * 128) and their top bit (0 or 128: the sum is 128 times
 * one in [-256, 254], within [-32768, 32512]); vpmaddwd by ones then widens
 * each pair sum to the int32 lane. */
QV_AI __m256i qv_dp(__m256i acc, __m256i u, __m256i s)
{
    const __m256i top = _mm256_set1_epi8((char)0x80), one = _mm256_set1_epi16(1);
    const __m256i lo = _mm256_maddubs_epi16(_mm256_andnot_si256(top, u), s);
    const __m256i hi = _mm256_maddubs_epi16(_mm256_and_si256(top, u), s);
    return _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_madd_epi16(lo, one),
                                                  _mm256_madd_epi16(hi, one)));
}
#endif
#endif

/* Four bytes of a row as the int32 broadcast to the lanes; n < 4 bytes are
 * read at the end of a row (the rest zero, against zero lanes anyway). */
QV_AI int32_t qv_ld4(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int32_t qv_ldn(const uint8_t *p, int64_t n)
{
    uint8_t b[4] = {0, 0, 0, 0};
    int32_t v;
    memcpy(b, p, (size_t)n);
    memcpy(&v, b, 4);
    return v;
}

/* dst[4 p + j] = rows[j][p] ^ fl for 4 rows of QV_L bytes: one k group of
 * the packed vector operand. */
static void qv_interleave(uint8_t *dst, const uint8_t rows[4][QV_L], uint8_t fl)
{
#if QV_L == 8
    const __m128i f = _mm_set1_epi8((char)fl);
    const __m128i r0 = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)rows[0]), f);
    const __m128i r1 = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)rows[1]), f);
    const __m128i r2 = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)rows[2]), f);
    const __m128i r3 = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)rows[3]), f);
    const __m128i a = _mm_unpacklo_epi8(r0, r1), c = _mm_unpacklo_epi8(r2, r3);
    _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(a, c));
    _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(a, c));
#else
    const __m128i f = _mm_set1_epi8((char)fl);
    const __m128i r0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)rows[0]), f);
    const __m128i r1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)rows[1]), f);
    const __m128i r2 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)rows[2]), f);
    const __m128i r3 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)rows[3]), f);
    const __m128i a = _mm_unpacklo_epi8(r0, r1), b = _mm_unpackhi_epi8(r0, r1);
    const __m128i c = _mm_unpacklo_epi8(r2, r3), d = _mm_unpackhi_epi8(r2, r3);
    _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(a, c));
    _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(a, c));
    _mm_storeu_si128((__m128i *)(dst + 32), _mm_unpacklo_epi16(b, d));
    _mm_storeu_si128((__m128i *)(dst + 48), _mm_unpackhi_epi16(b, d));
#endif
}

/* acc[r] += sum over the nb bytes of row rp[r] (r < QV_MR) of the row's
 * bytes times the packed vector vec (ceil(nb / 4) groups of 4 QV_L bytes).
 * bu: the broadcast operand is the unsigned one. */
QV_AI void qv_kern(qv_i acc[QV_MR], const uint8_t *const rp[QV_MR], const uint8_t *vec,
                   int64_t nb, int bu)
{
    qv_i a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    qv_i a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    const int64_t nf = nb / 4;
    int64_t g;
#define QV_DP(a, s) \
    a = bu ? qv_dp(a, qv_set1(s), v) \
           : qv_dp(a, v, qv_set1(s))
    for (g = 0; g < nf; g++) {
        const qv_i v = qv_loadu(vec + g * QV_GB);
        QV_DP(a0, qv_ld4(rp[0] + 4 * g));
        QV_DP(a1, qv_ld4(rp[1] + 4 * g));
        QV_DP(a2, qv_ld4(rp[2] + 4 * g));
        QV_DP(a3, qv_ld4(rp[3] + 4 * g));
        QV_DP(a4, qv_ld4(rp[4] + 4 * g));
        QV_DP(a5, qv_ld4(rp[5] + 4 * g));
        QV_DP(a6, qv_ld4(rp[6] + 4 * g));
        QV_DP(a7, qv_ld4(rp[7] + 4 * g));
    }
    if (nb % 4) {
        const qv_i v = qv_loadu(vec + g * QV_GB);
        const int64_t t = nb % 4;
        QV_DP(a0, qv_ldn(rp[0] + 4 * g, t));
        QV_DP(a1, qv_ldn(rp[1] + 4 * g, t));
        QV_DP(a2, qv_ldn(rp[2] + 4 * g, t));
        QV_DP(a3, qv_ldn(rp[3] + 4 * g, t));
        QV_DP(a4, qv_ldn(rp[4] + 4 * g, t));
        QV_DP(a5, qv_ldn(rp[5] + 4 * g, t));
        QV_DP(a6, qv_ldn(rp[6] + 4 * g, t));
        QV_DP(a7, qv_ldn(rp[7] + 4 * g, t));
    }
#undef QV_DP
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
}

/* qv_kern for one row (a matrix product with one row of a, batch 1). */
QV_AI void qv_kern1(qv_i *acc, const uint8_t *rp, const uint8_t *vec, int64_t nb, int bu)
{
    qv_i a0 = *acc;
    const int64_t nf = nb / 4;
    int64_t g;
    for (g = 0; g < nf; g++) {
        const qv_i v = qv_loadu(vec + g * QV_GB);
        const qv_i s = qv_set1(qv_ld4(rp + 4 * g));
        a0 = bu ? qv_dp(a0, s, v) : qv_dp(a0, v, s);
    }
    if (nb % 4) {
        const qv_i v = qv_loadu(vec + g * QV_GB);
        const qv_i s = qv_set1(qv_ldn(rp + 4 * g, nb % 4));
        a0 = bu ? qv_dp(a0, s, v) : qv_dp(a0, v, s);
    }
    *acc = a0;
}

/* sum over lanes += the per-lane sums of ng packed groups (the column sums
 * of the vector operand; vs: its bytes are signed). */
static qv_i qv_colsum(qv_i c, const uint8_t *vec, int64_t ng, int vs)
{
    const qv_i one = qv_ones8();
    int64_t g;
    for (g = 0; g < ng; g++) {
        const qv_i v = qv_loadu(vec + g * QV_GB);
        c = vs ? qv_dp(c, one, v) : qv_dp(c, v, one);
    }
    return c;
}

/* Sum of n bytes at p, signed (t I8) or not. */
static int32_t qv_rowsum(const uint8_t *p, int64_t n, rt_qtype t)
{
    const qv_i one = qv_ones8();
    qv_i s = qv_zero();
    int32_t l[QV_L], sum = 0;
    int64_t i;
    int j;
    for (i = 0; i + QV_GB <= n; i += QV_GB) {
        const qv_i v = qv_loadu(p + i);
        s = t == RT_QT_I8 ? qv_dp(s, one, v) : qv_dp(s, v, one);
    }
    for (; i < n; i++)
        sum += t == RT_QT_I8 ? (int32_t)(int8_t)p[i] : (int32_t)p[i];
    qv_storeu(l, s);
    for (j = 0; j < QV_L; j++)
        sum += l[j];
    return sum;
}

/* The epilogue of QV_L lanes (the first n stored) to y[i0 + lane]: e gives
 * the output type, ReLU and range, mult the multiplier of each lane (all
 * finite: the caller takes the scalar path otherwise). The arithmetic is
 * qt_epi_run's, lane by lane: for U8 / I8, (double)acc * mult + zy in
 * double, rounded half to even (roundscale with an explicit rounding mode,
 * so the MXCSR does not matter), clamped, then narrowed. */
QV_AI void qv_epi(void *y, int64_t i0, qv_i v, int n, const qt_epi *e, qv_f mult)
{
#if QV_L == 8
    int32_t tmp[8];
    switch (e->yt) {
    case RT_QT_I32:
        if (n == 8) {
            qv_storeu((int32_t *)y + i0, v);
            break;
        }
        qv_storeu(tmp, v);
        memcpy((int32_t *)y + i0, tmp, (size_t)n * 4);
        break;
    case RT_QT_F32: {
        float ft[8];
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), mult);
        if (e->relu)
            f = _mm256_max_ps(_mm256_setzero_ps(), f); /* keeps -0 and NaN, as v < 0 ? 0 : v */
        if (n == 8) {
            _mm256_storeu_ps((float *)y + i0, f);
            break;
        }
        _mm256_storeu_ps(ft, f);
        memcpy((float *)y + i0, ft, (size_t)n * 4);
        break;
    }
    default: {
        const __m256d z = _mm256_set1_pd((double)e->zy);
        const __m256d lo = _mm256_set1_pd((double)e->lo), hi = _mm256_set1_pd((double)e->hi);
        const __m256d m0 = _mm256_cvtps_pd(_mm256_castps256_ps128(mult));
        const __m256d m1 = _mm256_cvtps_pd(_mm256_extractf128_ps(mult, 1));
        __m256d d0 = _mm256_cvtepi32_pd(_mm256_castsi256_si128(v));
        __m256d d1 = _mm256_cvtepi32_pd(_mm256_extracti128_si256(v, 1));
        __m128i q;
        uint8_t bt[16];
        d0 = _mm256_add_pd(_mm256_mul_pd(d0, m0), z);
        d1 = _mm256_add_pd(_mm256_mul_pd(d1, m1), z);
        d0 = _mm256_round_pd(d0, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        d1 = _mm256_round_pd(d1, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        d0 = _mm256_min_pd(_mm256_max_pd(d0, lo), hi);
        d1 = _mm256_min_pd(_mm256_max_pd(d1, lo), hi);
        /* in [-128, 255]: the 16-bit pack is exact, the 8-bit one by type */
        q = _mm_packs_epi32(_mm256_cvtpd_epi32(d0), _mm256_cvtpd_epi32(d1));
        q = e->yt == RT_QT_I8 ? _mm_packs_epi16(q, q) : _mm_packus_epi16(q, q);
        if (n == 8) {
            _mm_storel_epi64((__m128i *)(void *)((uint8_t *)y + i0), q);
            break;
        }
        _mm_storeu_si128((__m128i *)bt, q);
        memcpy((uint8_t *)y + i0, bt, (size_t)n);
        break;
    }
    }
#else
    const __mmask16 k = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
    switch (e->yt) {
    case RT_QT_I32:
        _mm512_mask_storeu_epi32((int32_t *)y + i0, k, v);
        break;
    case RT_QT_F32: {
        qv_f f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), mult);
        if (e->relu)
            f = _mm512_max_ps(_mm512_setzero_ps(), f); /* keeps -0 and NaN, as v < 0 ? 0 : v */
        _mm512_mask_storeu_ps((float *)y + i0, k, f);
        break;
    }
    default: {
        const __m512d z = _mm512_set1_pd((double)e->zy);
        const __m512d lo = _mm512_set1_pd((double)e->lo), hi = _mm512_set1_pd((double)e->hi);
        const __m512d m0 = _mm512_cvtps_pd(_mm512_castps512_ps256(mult));
        const __m512d m1 = _mm512_cvtps_pd(
            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(mult), 1)));
        __m512d d0 = _mm512_cvtepi32_pd(_mm512_castsi512_si256(v));
        __m512d d1 = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(v, 1));
        qv_i q;
        d0 = _mm512_add_pd(_mm512_mul_pd(d0, m0), z);
        d1 = _mm512_add_pd(_mm512_mul_pd(d1, m1), z);
        d0 = _mm512_roundscale_pd(d0, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        d1 = _mm512_roundscale_pd(d1, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        d0 = _mm512_min_pd(_mm512_max_pd(d0, lo), hi);
        d1 = _mm512_min_pd(_mm512_max_pd(d1, lo), hi);
        q = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtpd_epi32(d0)),
                               _mm512_cvtpd_epi32(d1), 1);
        _mm512_mask_cvtepi32_storeu_epi8((int8_t *)y + i0, k, q);
        break;
    }
    }
#endif
}

/* The lanes' epilogue: vectorized when every multiplier is finite (fin),
 * else qt_epi_run lane by lane (a NaN or infinite scale is rare and has its
 * own rules there). e holds one epilogue (per_lane 0) or QV_L, mult their
 * multipliers. */
static void qv_epi_lanes(void *y, int64_t i0, qv_i v, int n, const qt_epi *e, int per_lane,
                         qv_f mult, int fin)
{
    if (fin || e->yt == RT_QT_I32) {
        qv_epi(y, i0, v, n, e, mult);
    } else {
        uint32_t a[QV_L];
        int j;
        qv_storeu(a, v);
        for (j = 0; j < n; j++)
            qt_epi_run(y, i0 + j, 1, &a[j], 1, &e[per_lane ? j : 0]);
    }
}

/* One output row segment of a block of QV_L output positions: its first
 * input depth and row, first output column, first lane and length. */
typedef struct {
    int64_t d, h, w;
    int pos, len;
} qv_seg;

/* Packs the im2col rows c0 .. c0 + nk (k = (input channel, tap)) of the
 * block of output positions described by seg[0 .. nseg) into vec ([nk / 4]
 * [QV_L][4], x ^ fl; rows past K zero), through rbuf (the rows as QV_L
 * bytes).
 * Taps outermost: a tap's reach into the input (which lanes read it, from
 * where) is worked out once for all channels; on AVX-512 with unit stride a
 * segment is one masked load (lanes outside it keep the padding, zx). xg is the
 * group's first input channel. */
static void qv_pack_conv(uint8_t *vec, uint8_t (*rbuf)[QV_L], const uint8_t *xg,
                         const rt_qconv_params *p, int64_t c0, int64_t nk, const qv_seg *seg,
                         int nseg, uint8_t zxb, uint8_t fl)
{
    const int64_t in_sz = p->in[0] * p->in[1] * p->in[2];
    const int64_t k12 = p->k[1] * p->k[2], ksz = p->k[0] * k12;
    const int64_t ci0 = c0 / ksz, ci1 = (c0 + nk - 1) / ksz;
#ifdef QT_VNNI
    const int masked = p->stride[2] == 1;
    const __m128i pad = _mm_set1_epi8((char)zxb);
#endif
    int64_t t, k;
    for (t = 0; t < ksz; t++) {
        const int64_t td = (t / k12) * p->dilation[0];
        const int64_t th = ((t / p->k[2]) % p->k[1]) * p->dilation[1];
        const int64_t tw = (t % p->k[2]) * p->dilation[2] - p->pad[2];
#ifdef QT_VNNI
        int64_t off[16];    /* masked: segment sg reads lane l at plane + off[sg] + l */
        __mmask16 msk[16];
#endif
        int32_t loff[QV_L]; /* otherwise: lane l reads plane + loff[l], or pads (-1) */
        int sg, l;
#ifdef QT_VNNI
        int nact = 0;
#endif
        int64_t ci;
        for (l = 0; l < QV_L; l++)
            loff[l] = -1;
        for (sg = 0; sg < nseg; sg++) {
            const int64_t id = seg[sg].d + td, ih = seg[sg].h + th;
            const int64_t iw0 = seg[sg].w * p->stride[2] + tw;
            const int64_t row = (id * p->in[1] + ih) * p->in[2];
            int64_t lo, hi, q;
            if (id < 0 || id >= p->in[0] || ih < 0 || ih >= p->in[1])
                continue;
            if (p->stride[2] == 1) {   /* the common case, without rt_valid_range's divisions */
                lo = iw0 < 0 ? -iw0 : 0;
                hi = p->in[2] - iw0 < seg[sg].len ? p->in[2] - iw0 : seg[sg].len;
            } else {
                rt_valid_range(&lo, &hi, seg[sg].len, p->stride[2], iw0, p->in[2]);
            }
            if (hi <= lo)
                continue;
#ifdef QT_VNNI
            if (masked) {
                off[nact] = row + iw0 - seg[sg].pos;
                msk[nact] = (__mmask16)((((1u << (hi - lo)) - 1u) << (seg[sg].pos + lo)) & 0xFFFFu);
                nact++;
                continue;
            }
#endif
            for (q = lo; q < hi; q++)
                loff[seg[sg].pos + q] = (int32_t)(row + iw0 + q * p->stride[2]);
        }
        for (ci = ci0; ci <= ci1; ci++) {
            const uint8_t *plane = xg + ci * in_sz;
            uint8_t *dst;
            k = ci * ksz + t;
            if (k < c0 || k >= c0 + nk)
                continue;
            dst = rbuf[k - c0];
#ifdef QT_VNNI
            if (masked) {
                __m128i r = pad;
                int a;
                for (a = 0; a < nact; a++)
                    r = _mm_mask_loadu_epi8(r, msk[a], plane + off[a]);
                _mm_storeu_si128((__m128i *)dst, r);
                continue;
            }
#endif
            for (l = 0; l < QV_L; l++)
                dst[l] = loff[l] < 0 ? zxb : plane[loff[l]];
        }
    }
    for (k = nk; k % 4; k++)    /* past K: zero once flipped */
        memset(rbuf[k], fl, QV_L);
    for (k = 0; k < nk; k += 4)
        qv_interleave(vec + k * QV_L, (const uint8_t(*)[QV_L])rbuf[k], fl);
}

/* The convolution on SIMD (see qt_conv for the geometry): output positions
 * QV_L at a time are the lanes, output channels QV_MR at a time the
 * broadcast rows (the weights read in place, [m][cg * taps]). The im2col
 * block of x is packed QV_KC rows at a time; when K fits in one block it is
 * packed once for all output channels. */
static void qv_conv(void *y, const void *x, const float *x_scale, const void *x_zp,
                    const void *w, const float *w_scale, const void *w_zp, const float *y_scale,
                    const void *y_zp, const int32_t *b, const rt_qconv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t in_sz = p->in[0] * p->in[1] * p->in[2];
    const int64_t out_sz = p->out[0] * p->out[1] * p->out[2];
    const int64_t k12 = p->k[1] * p->k[2], ksz = p->k[0] * k12;
    const int64_t kk_n = cg * ksz;
    const int64_t nchunk = (kk_n + QV_KC - 1) / QV_KC;
    const int bu = p->wtype == RT_QT_U8;            /* the weights are the unsigned operand */
    const int flip = p->xtype == p->wtype;
    const uint8_t fl = flip ? 0x80 : 0;
    const int32_t zx = qt_zp(x_zp, p->xtype, 0);
    /* x's zero point in the packed bytes' terms */
    const int32_t zxs = !flip ? zx : p->xtype == RT_QT_U8 ? zx - 128 : zx + 128;
    const uint8_t zxb = (uint8_t)zx;       /* the padding, as a raw byte */
    const uint8_t *wb = (const uint8_t *)w;
    const uint8_t *xb = (const uint8_t *)x;
    int any_zw = 0;
    uint8_t vec[QV_KC * QV_L];
    uint8_t rbuf[QV_KC][QV_L];
    qv_seg seg[QV_L];
    int64_t n, g, p0, i;

    for (i = 0; i < (p->w_per_channel ? p->m : 1); i++)
        any_zw |= qt_zp(w_zp, p->wtype, i) != 0;
    for (n = 0; n < p->n; n++)
        for (g = 0; g < p->group; g++)
            for (p0 = 0; p0 < out_sz; p0 += QV_L) {
                const int np = (int)(out_sz - p0 < QV_L ? out_sz - p0 : QV_L);
                const int64_t xg = (n * p->c + g * cg) * in_sz;
                qv_i csum = qv_zero();
                int64_t pp, m0;
                int nseg = 0;
                for (pp = 0; pp < np;) {   /* the block's output row segments */
                    const int64_t o = p0 + pp;
                    const int64_t o2 = o % p->out[2], o1 = (o / p->out[2]) % p->out[1];
                    const int64_t o0 = o / (p->out[2] * p->out[1]);
                    const int64_t len = p->out[2] - o2 < np - pp ? p->out[2] - o2 : np - pp;
                    seg[nseg].d = o0 * p->stride[0] - p->pad[0];
                    seg[nseg].h = o1 * p->stride[1] - p->pad[1];
                    seg[nseg].w = o2;
                    seg[nseg].pos = (int)pp;
                    seg[nseg].len = (int)len;
                    nseg++;
                    pp += len;
                }
                for (m0 = g * mg; m0 < (g + 1) * mg; m0 += QV_MR) {
                    const int nm = (int)((g + 1) * mg - m0 < QV_MR ? (g + 1) * mg - m0 : QV_MR);
                    qv_i acc[QV_MR];
                    int64_t c0;
                    int r;
                    for (r = 0; r < QV_MR; r++)
                        acc[r] = qv_zero();
                    for (c0 = 0; c0 < kk_n; c0 += QV_KC) {
                        const int64_t nk = kk_n - c0 < QV_KC ? kk_n - c0 : QV_KC;
                        const uint8_t *rp[QV_MR];
                        if (nchunk > 1 || m0 == g * mg) {   /* pack rows c0 .. c0 + nk */
                            qv_pack_conv(vec, rbuf, xb + xg, p, c0, nk, seg, nseg, zxb, fl);
                            if (any_zw && m0 == g * mg)
                                csum = qv_colsum(csum, vec, (nk + 3) / 4, bu);
                        }
                        for (r = 0; r < QV_MR; r++)   /* rows past nm repeat the last one */
                            rp[r] = wb + (m0 + (r < nm ? r : nm - 1)) * kk_n + c0;
                        if (bu)
                            qv_kern(acc, rp, vec, nk, 1);
                        else
                            qv_kern(acc, rp, vec, nk, 0);
                    }
                    for (r = 0; r < nm; r++) {
                        const int64_t m = m0 + r, wch = p->w_per_channel ? m : 0;
                        const uint32_t zw = (uint32_t)qt_zp(w_zp, p->wtype, wch);
                        const uint32_t rs = zxs ? (uint32_t)qv_rowsum(wb + m * kk_n, kk_n, p->wtype) : 0u;
                        /* bias - zx sum w + K zx zw, and - zw sum x per lane */
                        const uint32_t c = (b ? (uint32_t)b[m] : 0u) - (uint32_t)zxs * rs +
                                           (uint32_t)kk_n * (uint32_t)zxs * zw;
                        qv_i v = qv_add(acc[r], qv_set1((int32_t)c));
                        qt_epi e;
                        if (zw)
                            v = qv_sub(v, qv_mullo(csum,
                                                    qv_set1((int32_t)zw)));
                        qt_epi_set(&e, p->ytype, p->relu, x_scale ? x_scale[0] : 0.0f,
                                   w_scale ? w_scale[wch] : 0.0f, y_scale, y_zp);
                        qv_epi_lanes(y, (n * p->m + m) * out_sz + p0, v, np, &e, 0,
                                     qv_set1_ps(e.mult), isfinite(e.mult) != 0);
                    }
                }
            }
}

/* One [m, k] x [k, n] product on SIMD (see qt_mm): rows of a are the
 * broadcast rows, columns of b QV_L at a time the lanes, b packed QV_KC rows
 * at a time (once per column block when k fits). */
static void qv_mm(void *y, int64_t yo, const void *a, int64_t ao, const float *a_scale,
                  const void *a_zp, const void *b, int64_t bo, const float *b_scale,
                  const void *b_zp, const float *y_scale, const void *y_zp, const int32_t *bias,
                  const rt_qmatmul_params *p)
{
    const int bu = p->atype == RT_QT_U8;            /* a is the unsigned operand */
    const int flip = p->atype == p->btype;
    const uint8_t fl = flip ? 0x80 : 0;
    const int64_t nchunk = (p->k + QV_KC - 1) / QV_KC;
    const uint8_t *ab = (const uint8_t *)a + ao, *bb = (const uint8_t *)b + bo;
    uint8_t vec[QV_KC * QV_L];
    uint8_t rows[4][QV_L];
    int64_t j0;
    for (j0 = 0; j0 < p->n; j0 += QV_L) {
        const int nc = (int)(p->n - j0 < QV_L ? p->n - j0 : QV_L);
        int32_t zbv[QV_L], bv[QV_L];
        qt_epi e[QV_L];
        float mv[QV_L];
        int fin = 1;
        qv_i csum = qv_zero(), zb, bb0;
        int any_zb = 0, j;
        int64_t i0;
        for (j = 0; j < QV_L; j++) {
            const int64_t col = p->b_per_col ? j0 + (j < nc ? j : 0) : 0;
            int32_t z = qt_zp(b_zp, p->btype, col);
            if (flip)
                z = p->btype == RT_QT_U8 ? z - 128 : z + 128;
            zbv[j] = j < nc ? z : 0;
            any_zb |= zbv[j] != 0;
            bv[j] = bias && j < nc ? bias[j0 + j] : 0;
            qt_epi_set(&e[j], p->ytype, p->relu, a_scale ? a_scale[0] : 0.0f,
                       b_scale ? b_scale[col] : 0.0f, y_scale, y_zp);
            mv[j] = e[j].mult;
            fin &= isfinite(mv[j]) != 0;
        }
        zb = qv_loadu(zbv);
        bb0 = qv_loadu(bv);
        for (i0 = 0; i0 < p->m; i0 += QV_MR) {
            const int nr = (int)(p->m - i0 < QV_MR ? p->m - i0 : QV_MR);
            qv_i acc[QV_MR];
            int64_t c0;
            int r;
            for (r = 0; r < QV_MR; r++)
                acc[r] = qv_zero();
            for (c0 = 0; c0 < p->k; c0 += QV_KC) {
                const int64_t nk = p->k - c0 < QV_KC ? p->k - c0 : QV_KC;
                const uint8_t *rp[QV_MR];
                if (nchunk > 1 || i0 == 0) {   /* pack rows c0 .. c0 + nk of b */
                    int64_t k4;
                    for (k4 = 0; k4 < nk; k4 += 4) {
                        int jj;
                        for (jj = 0; jj < 4; jj++) {
                            if (k4 + jj < nk) {
                                memcpy(rows[jj], bb + (c0 + k4 + jj) * p->n + j0, (size_t)nc);
                                memset(rows[jj] + nc, fl, (size_t)(QV_L - nc));
                            } else {
                                memset(rows[jj], fl, QV_L);
                            }
                        }
                        qv_interleave(vec + k4 * QV_L, (const uint8_t(*)[QV_L])rows, fl);
                    }
                    if (i0 == 0)
                        csum = qv_colsum(csum, vec, (nk + 3) / 4, bu);
                }
                for (r = 0; r < QV_MR; r++)
                    rp[r] = ab + (i0 + (r < nr ? r : nr - 1)) * p->k + c0;
                if (nr == 1 && bu)
                    qv_kern1(acc, rp[0], vec, nk, 1);
                else if (nr == 1)
                    qv_kern1(acc, rp[0], vec, nk, 0);
                else if (bu)
                    qv_kern(acc, rp, vec, nk, 1);
                else
                    qv_kern(acc, rp, vec, nk, 0);
            }
            for (r = 0; r < nr; r++) {
                const int64_t i = i0 + r;
                const uint32_t za = (uint32_t)qt_zp(a_zp, p->atype, p->a_per_row ? i : 0);
                const uint32_t rs = any_zb ? (uint32_t)qv_rowsum(ab + i * p->k, p->k, p->atype) : 0u;
                /* bias - za sum b + (K za - sum a) zb */
                qv_i v = qv_add(acc[r], bb0);
                if (za)
                    v = qv_sub(v, qv_mullo(csum, qv_set1((int32_t)za)));
                if (any_zb)
                    v = qv_add(v, qv_mullo(zb, qv_set1(
                                                 (int32_t)((uint32_t)p->k * za - rs))));
                qv_epi_lanes(y, yo + i * p->n + j0, v, nc, e, 1, qv_loadu_ps(mv), fin);
            }
        }
    }
}
#endif /* QT_SIMD */

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
                        /* k = (ci, t0, t1, t2) stepped by counters: no division
                         * per row (a library call on a Cortex-M) */
                        int64_t ci = k0 / ksz, t0 = (k0 % ksz) / k12;
                        int64_t t1 = (k0 % k12) / p->k[2], t2 = k0 % p->k[2];
                        for (kk = 0; kk < nk; kk++) {     /* pack xcol rows k0 .. k0+nk */
                            const int64_t td = t0 * p->dilation[0];
                            const int64_t th = t1 * p->dilation[1];
                            const int64_t tw = t2 * p->dilation[2] - p->pad[2];
                            const int64_t xc = xg + ci * in_sz;
                            int16_t *row = xcol[kk];
                            int64_t sg;
                            if (++t2 == p->k[2]) {
                                t2 = 0;
                                if (++t1 == p->k[1]) {
                                    t1 = 0;
                                    if (++t0 == p->k[0]) {
                                        t0 = 0;
                                        ci++;
                                    }
                                }
                            }
                            for (pp = 0; pp < QC_PC; pp++)
                                row[pp] = 0;
                            for (sg = 0; sg < nseg; sg++) {   /* one output row segment */
                                const int64_t id = sd[sg] + td, ih = sh[sg] + th;
                                const int64_t iw0 = sw[sg] * p->stride[2] + tw;
                                int64_t lo, hi;
                                if (id < 0 || id >= p->in[0] || ih < 0 || ih >= p->in[1])
                                    continue;
                                if (p->stride[2] == 1) {   /* without the divisions */
                                    lo = iw0 < 0 ? -iw0 : 0;
                                    hi = p->in[2] - iw0 < slen[sg] ? p->in[2] - iw0 : slen[sg];
                                } else {
                                    rt_valid_range(&lo, &hi, slen[sg], p->stride[2], iw0,
                                                   p->in[2]);
                                }
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

/* The convolution kernel this build uses: SIMD when compiled in, unless
 * portable (the unit tests' rt_qconv_portable). */
static void qt_conv_any(void *y, const void *x, const float *x_scale, const void *x_zp,
                        const void *w, const float *w_scale, const void *w_zp,
                        const float *y_scale, const void *y_zp, const int32_t *b,
                        const rt_qconv_params *p, int portable)
{
#ifdef QT_SIMD
    if (!portable) {
        qv_conv(y, x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, b, p);
        return;
    }
#endif
    (void)portable;
    qt_conv(y, x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, b, p);
}

void rt_qlinear_conv_forward(void *y, const void *x, const float *x_scale, const void *x_zp,
                             const void *w, const float *w_scale, const void *w_zp,
                             const float *y_scale, const void *y_zp, const int32_t *b,
                             const rt_qconv_params *p)
{
    qt_conv_any(y, x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, b, p, 0);
}

void rt_conv_integer_forward(int32_t *y, const void *x, const void *x_zp, const void *w,
                             const void *w_zp, const rt_qconv_params *p)
{
    rt_qconv_params q = *p;
    q.ytype = RT_QT_I32;
    q.relu = 0;
    qt_conv_any(y, x, NULL, x_zp, w, NULL, w_zp, NULL, NULL, NULL, &q, 0);
}

void rt_qconv_portable(void *y, const void *x, const float *x_scale, const void *x_zp,
                       const void *w, const float *w_scale, const void *w_zp,
                       const float *y_scale, const void *y_zp, const int32_t *b,
                       const rt_qconv_params *p)
{
    qt_conv_any(y, x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, b, p, 1);
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

/* Walks the broadcast batch axes (as rt_matmul_forward) and runs qv_mm, or
 * qt_mm when portable or without SIMD. */
static void qt_matmul(void *y, const void *a, const float *a_scale, const void *a_zp,
                      const void *b, const float *b_scale, const void *b_zp, const float *y_scale,
                      const void *y_zp, const int32_t *bias, const rt_qmatmul_params *p,
                      int portable)
{
    int64_t idx[RT_MAX_DIMS] = {0};
    int64_t nb = 1, t;
    int d;
    (void)portable;
    for (d = 0; d < p->batch_ndim; d++)
        nb *= p->batch[d];
    for (t = 0; t < nb; t++) {
        int64_t ao = 0, bo = 0;
        for (d = 0; d < p->batch_ndim; d++) {
            ao += idx[d] * p->a_bstride[d];
            bo += idx[d] * p->b_bstride[d];
        }
#ifdef QT_SIMD
        if (!portable)
            qv_mm(y, t * p->m * p->n, a, ao, a_scale, a_zp, b, bo, b_scale, b_zp, y_scale, y_zp,
                  bias, p);
        else
#endif
            qt_mm(y, t * p->m * p->n, a, ao, a_scale, a_zp, b, bo, b_scale, b_zp, y_scale,
                  y_zp, bias, p);
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
    qt_matmul(y, a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp, bias, p, 0);
}

void rt_qmatmul_portable(void *y, const void *a, const float *a_scale, const void *a_zp,
                         const void *b, const float *b_scale, const void *b_zp,
                         const float *y_scale, const void *y_zp, const int32_t *bias,
                         const rt_qmatmul_params *p)
{
    qt_matmul(y, a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp, bias, p, 1);
}

void rt_matmul_integer_forward(int32_t *y, const void *a, const void *a_zp, const void *b,
                               const void *b_zp, const rt_qmatmul_params *p)
{
    rt_qmatmul_params q = *p;
    q.ytype = RT_QT_I32;
    q.relu = 0;
    qt_matmul(y, a, NULL, a_zp, b, NULL, b_zp, NULL, NULL, NULL, &q, 0);
}

/* ------------------------------------------------------------ max pooling */

/* Max pooling whose windows all lie inside the input (no padding reaches
 * it): no bounds test per tap, and the common 2x2 stride-2 window of a 2-D
 * pool is four loads per output. Bytes are compared as v ^ fl: fl = 0x80
 * maps int8 onto uint8 in the same order (-128 -> 0, 127 -> 255), so one
 * loop serves both types. */
static void qt_maxpool_inside(uint8_t *y, const uint8_t *x, const rt_pool_params *p, uint8_t fl)
{
    const int64_t in_sz = p->in[0] * p->in[1] * p->in[2];
    const int two = p->k[0] == 1 && p->k[1] == 2 && p->k[2] == 2 && p->stride[1] == 2 &&
                    p->stride[2] == 2 && p->dilation[1] == 1 && p->dilation[2] == 1;
    int64_t nc, o0, o1, o2, k0, k1, k2;
    for (nc = 0; nc < (int64_t)p->n * p->c; nc++)
        for (o0 = 0; o0 < p->out[0]; o0++)
            for (o1 = 0; o1 < p->out[1]; o1++) {
                const uint8_t *xr =
                    x + nc * in_sz + (o0 * p->stride[0] * p->in[1] + o1 * p->stride[1]) * p->in[2];
                if (two) {
                    const uint8_t *r0 = xr, *r1 = xr + p->in[2];
                    for (o2 = 0; o2 < p->out[2]; o2++) {
                        const uint8_t a0 = (uint8_t)(r0[2 * o2] ^ fl), a1 = (uint8_t)(r0[2 * o2 + 1] ^ fl);
                        const uint8_t b0 = (uint8_t)(r1[2 * o2] ^ fl), b1 = (uint8_t)(r1[2 * o2 + 1] ^ fl);
                        const uint8_t a = a0 > a1 ? a0 : a1, b = b0 > b1 ? b0 : b1;
                        *y++ = (uint8_t)((a > b ? a : b) ^ fl);
                    }
                    continue;
                }
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    uint8_t best = 0;   /* the smallest value in the v ^ fl order */
                    for (k0 = 0; k0 < p->k[0]; k0++)
                        for (k1 = 0; k1 < p->k[1]; k1++) {
                            const uint8_t *t = xr + (k0 * p->dilation[0] * p->in[1] +
                                                     k1 * p->dilation[1]) * p->in[2] +
                                               o2 * p->stride[2];
                            for (k2 = 0; k2 < p->k[2]; k2++) {
                                const uint8_t v = (uint8_t)(t[k2 * p->dilation[2]] ^ fl);
                                best = v > best ? v : best;
                            }
                        }
                    *y++ = (uint8_t)(best ^ fl);
                }
            }
}

/* True when every window of p lies inside the input. */
static int qt_pool_inside(const rt_pool_params *p)
{
    int d;
    for (d = 0; d < RT_SPATIAL; d++) {
        if (p->pad[d] != 0 || p->k[d] < 1 || p->out[d] < 1)
            return 0;
        if ((p->out[d] - 1) * p->stride[d] + (p->k[d] - 1) * p->dilation[d] >= p->in[d])
            return 0;
    }
    return 1;
}

void rt_qmaxpool_forward(void *y, const void *x, const rt_qpool_params *qp)
{
    const rt_pool_params *p = &qp->pool;
    const int64_t in_sz = p->in[0] * p->in[1] * p->in[2];
    int64_t nc, o0, o1, o2, at = 0;
    if (qt_pool_inside(p)) {
        qt_maxpool_inside((uint8_t *)y, (const uint8_t *)x, p, qp->type == RT_QT_I8 ? 0x80 : 0);
        return;
    }
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
