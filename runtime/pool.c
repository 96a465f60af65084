/*
 * pool.c - max, average and global pooling.
 *
 * For an output position o on one axis, the window's taps sit at
 * o * stride - pad + t * dilation, t in [0, k). The taps that land inside
 * the input form one interval of t (rt_valid_range), so the window loops
 * run over exactly the valid taps with no bounds test per tap.
 */
#include <math.h>
#include <string.h>

#include "rt_sgemm_impl.h"     /* RT_SIMD_AVX2 */

#ifdef RT_SIMD_AVX2
#include <immintrin.h>

/* Eight 2x2 windows of rows r0 and r1 (16 floats each): their maxima, in
 * the lane order [o0 o1 o4 o5 o2 o3 o6 o7] that the even/odd split leaves,
 * and (when sel) which tap won, 0..3 in scan order, as the scalar loop
 * decides it: the first tap, then each strictly greater one (NaN never). */
static inline __m256 rt_pool_max8v(__m256 a0, __m256 a1, __m256 b0, __m256 b1, __m256 *sel)
{
    const __m256 v[4] = {_mm256_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm256_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
                         _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
    __m256 m = _mm256_set1_ps(-INFINITY), s = _mm256_setzero_ps();
    int t;
    for (t = 0; t < 4; t++) {
        const __m256 gt = _mm256_cmp_ps(v[t], m, _CMP_GT_OQ);
        m = _mm256_blendv_ps(m, v[t], gt);
        s = _mm256_blendv_ps(s, _mm256_set1_ps((float)t), gt);
    }
    if (sel)
        *sel = s;
    return m;
}

static inline __m256 rt_pool_max8(const float *r0, const float *r1, __m256 *sel)
{
    return rt_pool_max8v(_mm256_loadu_ps(r0), _mm256_loadu_ps(r0 + 8), _mm256_loadu_ps(r1),
                         _mm256_loadu_ps(r1 + 8), sel);
}

/* The pairs of floats at p + b[0 .. 4), in that order (two 64-bit loads a
 * half, no store to forward) */
static inline __m256 rt_pool_pairs(const float *p, const int64_t *b)
{
    const __m128 lo = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(const void *)(p + b[0])),
                                   (const __m64 *)(const void *)(p + b[1]));
    const __m128 hi = _mm_loadh_pi(_mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(const void *)(p + b[2])),
                                   (const __m64 *)(const void *)(p + b[3]));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
}

/* p[b[j] .. + 2) += the pair j of v, for j < 4 */
static inline void rt_pool_add_pairs(float *p, const int64_t *b, __m256 v)
{
    const __m256 s = _mm256_add_ps(rt_pool_pairs(p, b), v);
    const __m128 lo = _mm256_castps256_ps128(s), hi = _mm256_extractf128_ps(s, 1);
    _mm_storel_pi((__m64 *)(void *)(p + b[0]), lo);
    _mm_storeh_pi((__m64 *)(void *)(p + b[1]), lo);
    _mm_storel_pi((__m64 *)(void *)(p + b[2]), hi);
    _mm_storeh_pi((__m64 *)(void *)(p + b[3]), hi);
}

/* [o0 .. o7] <-> [o0 o1 o4 o5 o2 o3 o6 o7] (its own inverse) */
static inline __m256 rt_pool_perm(__m256 v)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}
#endif

/* Valid tap range of one axis for output position o: taps t in [*lo, *hi)
 * land in [0, in). */
static void rt_pool_taps(int64_t *lo, int64_t *hi, const rt_pool_params *p, int ax, int64_t o)
{
    rt_valid_range(lo, hi, p->k[ax], p->dilation[ax], o * p->stride[ax] - p->pad[ax], p->in[ax]);
}

/* A 2-D window of 2x2 taps, stride 2, no padding or dilation, every
 * window inside the input: the common pooling layer, which the two fast
 * paths below handle without per-window tap ranges. */
static int rt_pool_2x2(const rt_pool_params *p)
{
    return p->in[0] == 1 && p->out[0] == 1 && p->k[0] == 1 && p->k[1] == 2 && p->k[2] == 2 &&
           p->stride[1] == 2 && p->stride[2] == 2 && p->pad[1] == 0 && p->pad[2] == 0 &&
           p->dilation[1] == 1 && p->dilation[2] == 1 && 2 * p->out[1] <= p->in[1] &&
           2 * p->out[2] <= p->in[2];
}

/*
 * Max pooling. Taps in the padding are skipped (they never win). NaN inputs
 * are ignored as well, like the ONNX reference implementation (which marks
 * padding with NaN and drops every NaN); a window with no valid tap gives
 * -inf.
 */
/* 2-D, no padding, dilation 1, with every window inside the input. */
static int rt_pool_plain2d(const rt_pool_params *p)
{
    int d;
    if (p->in[0] != 1 || p->out[0] != 1 || p->k[0] != 1)
        return 0;
    for (d = 1; d < RT_SPATIAL; d++)
        if (p->pad[d] != 0 || p->pad_end[d] != 0 || p->dilation[d] != 1 ||
            (p->out[d] - 1) * p->stride[d] + p->k[d] > p->in[d])
            return 0;
    return 1;
}

/* Max pooling 2x2, stride 2, on plain 2-D windows: the taps in the same
 * order and with the same NaN rule as the general loop below. */
static int rt_maxpool_2x2(float *y, const float *x, const rt_pool_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2], out1 = p->out[1], out2 = p->out[2];
    int64_t pl, o1, o2;
    if (!rt_pool_plain2d(p) || p->k[1] != 2 || p->k[2] != 2 || p->stride[1] != 2 ||
        p->stride[2] != 2)
        return 0;
#ifdef RT_SIMD_AVX2
    if (out2 < 16) {    /* eight windows in scan order, as rt_maxpool_backward */
        const int64_t nwin = (int64_t)p->n * p->c * out1 * out2;
        int64_t w, j, cp = 0, c1 = 0, c2 = 0;
        for (w = 0; w + 8 <= nwin; w += 8) {
            int64_t b[8], bb[8];
            for (j = 0; j < 8; j++) {
                b[j] = cp * in1 * in2 + 2 * c1 * in2 + 2 * c2;
                bb[j] = b[j] + in2;
                if (++c2 == out2) {
                    c2 = 0;
                    if (++c1 == out1) {
                        c1 = 0;
                        cp++;
                    }
                }
            }
            _mm256_storeu_ps(y + w, rt_pool_perm(rt_pool_max8v(
                                        rt_pool_pairs(x, b), rt_pool_pairs(x, b + 4),
                                        rt_pool_pairs(x, bb), rt_pool_pairs(x, bb + 4), NULL)));
        }
        for (; w < nwin; w++) {
            const float *r0 = x + cp * in1 * in2 + 2 * c1 * in2 + 2 * c2, *r1 = r0 + in2;
            float m = -INFINITY;
            m = r0[0] > m ? r0[0] : m;
            m = r0[1] > m ? r0[1] : m;
            m = r1[0] > m ? r1[0] : m;
            m = r1[1] > m ? r1[1] : m;
            y[w] = m;
            if (++c2 == out2) {
                c2 = 0;
                if (++c1 == out1) {
                    c1 = 0;
                    cp++;
                }
            }
        }
        return 1;
    }
#endif
    for (pl = 0; pl < (int64_t)p->n * p->c; pl++) {
        const float *xp = x + pl * in1 * in2;
        float *yp = y + pl * out1 * out2;
        for (o1 = 0; o1 < out1; o1++) {
            const float *r0 = xp + 2 * o1 * in2, *r1 = r0 + in2;
            float *yr = yp + o1 * out2;
            for (o2 = 0; o2 < out2; o2++) {
                const float a = r0[2 * o2], b = r0[2 * o2 + 1];
                const float c = r1[2 * o2], d = r1[2 * o2 + 1];
                float m = -INFINITY;
                m = a > m ? a : m;
                m = b > m ? b : m;
                m = c > m ? c : m;
                m = d > m ? d : m;
                yr[o2] = m;
            }
        }
    }
    return 1;
}

void rt_maxpool_forward(float *y, const float *x, const rt_pool_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2];
    const int64_t isize = p->in[0] * in1 * in2;
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    const int64_t planes = (int64_t)p->n * p->c;
    const int64_t d0 = p->dilation[0], d1 = p->dilation[1], d2 = p->dilation[2];
    int64_t pl, o0, o1, o2;

    if (rt_maxpool_2x2(y, x, p))
        return;
    for (pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * isize;
        float *yp = y + pl * osize;
        for (o0 = 0; o0 < p->out[0]; o0++) {
            const int64_t b0 = o0 * p->stride[0] - p->pad[0];
            int64_t lo0, hi0;
            rt_pool_taps(&lo0, &hi0, p, 0, o0);
            for (o1 = 0; o1 < p->out[1]; o1++) {
                const int64_t b1 = o1 * p->stride[1] - p->pad[1];
                int64_t lo1, hi1;
                rt_pool_taps(&lo1, &hi1, p, 1, o1);
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    const int64_t b2 = o2 * p->stride[2] - p->pad[2];
                    float m = -INFINITY;
                    int64_t lo2, hi2, t0, t1, t2;
                    rt_pool_taps(&lo2, &hi2, p, 2, o2);
                    for (t0 = lo0; t0 < hi0; t0++)
                        for (t1 = lo1; t1 < hi1; t1++) {
                            const int64_t row = ((b0 + t0 * d0) * in1 + (b1 + t1 * d1)) * in2 + b2;
                            for (t2 = lo2; t2 < hi2; t2++) {
                                const float v = xp[row + t2 * d2];
                                if (v > m)
                                    m = v;
                            }
                        }
                    *yp++ = m;
                }
            }
        }
    }
}

/* The number of taps of one axis that land in the padded extent
 * [-pad, in + pad_end): count_include_pad's divisor factor. */
static int64_t rt_pool_padded_taps(const rt_pool_params *p, int ax, int64_t o)
{
    int64_t lo, hi;
    rt_valid_range(&lo, &hi, p->k[ax], p->dilation[ax], o * p->stride[ax],
                   p->pad[ax] + p->in[ax] + p->pad_end[ax]);
    return hi - lo;
}

/*
 * Average pooling: the sum of the taps inside the input divided by
 *   count_include_pad == 0: the number of those taps;
 *   count_include_pad == 1: the number of taps inside [-pad, in + pad_end),
 * which is the full window except where ceil_mode lets it run past the end
 * padding (see the header). The divisor is a product of per-axis counts.
 */
/* The mean of n floats, summed with 8 independent partial sums (the
 * compiler keeps them in one vector register; a single running sum is one
 * dependent add per element). Under 16 floats one running sum: the partial
 * sums' setup and reduction cost more there (MobileNet's 3x3 planes). */
static float rt_plane_mean(const float *xp, int64_t n)
{
    float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, s = 0.0f;
    int64_t i = 0;
    int j;
    if (n < 16) {
        for (; i < n; i++)
            s += xp[i];
        return s / (float)n;
    }
    for (; i + 8 <= n; i += 8)
        for (j = 0; j < 8; j++)
            acc[j] += xp[i + j];
    s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += xp[i];
    return s / (float)n;
}

/* Average pooling whose one window is the whole plane (no padding): the
 * plane's mean. */
static int rt_avgpool_whole(float *y, const float *x, const rt_pool_params *p)
{
    const int64_t size = p->in[1] * p->in[2];
    int64_t pl;
    if (!rt_pool_plain2d(p) || p->out[1] != 1 || p->out[2] != 1 || p->k[1] != p->in[1] ||
        p->k[2] != p->in[2])
        return 0;
    for (pl = 0; pl < (int64_t)p->n * p->c; pl++)
        y[pl] = rt_plane_mean(x + pl * size, size);
    return 1;
}

void rt_avgpool_forward(float *y, const float *x, const rt_pool_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2];
    const int64_t isize = p->in[0] * in1 * in2;
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    const int64_t planes = (int64_t)p->n * p->c;
    const int64_t d0 = p->dilation[0], d1 = p->dilation[1], d2 = p->dilation[2];
    int64_t pl, o0, o1, o2;

    if (rt_avgpool_whole(y, x, p))
        return;
    for (pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * isize;
        float *yp = y + pl * osize;
        for (o0 = 0; o0 < p->out[0]; o0++) {
            const int64_t b0 = o0 * p->stride[0] - p->pad[0];
            const int64_t c0 = p->count_include_pad ? rt_pool_padded_taps(p, 0, o0) : 0;
            int64_t lo0, hi0;
            rt_pool_taps(&lo0, &hi0, p, 0, o0);
            for (o1 = 0; o1 < p->out[1]; o1++) {
                const int64_t b1 = o1 * p->stride[1] - p->pad[1];
                const int64_t c1 = p->count_include_pad ? rt_pool_padded_taps(p, 1, o1) : 0;
                int64_t lo1, hi1;
                rt_pool_taps(&lo1, &hi1, p, 1, o1);
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    const int64_t b2 = o2 * p->stride[2] - p->pad[2];
                    float s = 0.0f;
                    int64_t lo2, hi2, t0, t1, t2, count;
                    rt_pool_taps(&lo2, &hi2, p, 2, o2);
                    for (t0 = lo0; t0 < hi0; t0++)
                        for (t1 = lo1; t1 < hi1; t1++) {
                            const int64_t row = ((b0 + t0 * d0) * in1 + (b1 + t1 * d1)) * in2 + b2;
                            for (t2 = lo2; t2 < hi2; t2++)
                                s += xp[row + t2 * d2];
                        }
                    if (p->count_include_pad)
                        count = c0 * c1 * rt_pool_padded_taps(p, 2, o2);
                    else
                        count = (hi0 - lo0) * (hi1 - lo1) * (hi2 - lo2);
                    *yp++ = s / (float)count;
                }
            }
        }
    }
}

/* Global average pooling: the mean of each of nc rows of size elements. */
void rt_global_avgpool_forward(float *y, const float *x, int64_t nc, int64_t size)
{
    int64_t r;
    for (r = 0; r < nc; r++)
        y[r] = rt_plane_mean(x + r * size, size);
}

/* Global max pooling: the maximum of each of nc rows (NaN propagates, as in
 * the reference's np.max; an empty row gives -inf). */
void rt_global_maxpool_forward(float *y, const float *x, int64_t nc, int64_t size)
{
    int64_t r, i;
    for (r = 0; r < nc; r++) {
        const float *xr = x + r * size;
        float m = -INFINITY;
        for (i = 0; i < size; i++)
            if (xr[i] > m || xr[i] != xr[i])
                m = xr[i];
        y[r] = m;
    }
}

/* ================================================================ backward */

/*
 * Max pooling backward: each dy goes to the tap that won its window, found
 * again from x with the forward's loops. As in PyTorch, the candidate starts
 * as the window's first valid tap and moves only to a strictly greater
 * value, so ties go to the first tap in scan order and a window whose taps
 * are all -inf (or NaN, which the forward skips) sends dy to its first
 * valid tap. A window with no valid tap sends nothing.
 */
void rt_maxpool_backward(float *dx, const float *dy, const float *x, const rt_pool_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2];
    const int64_t isize = p->in[0] * in1 * in2;
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    const int64_t planes = (int64_t)p->n * p->c;
    const int64_t d0 = p->dilation[0], d1 = p->dilation[1], d2 = p->dilation[2];
    int64_t pl, o0, o1, o2;

    if (!dx)
        return;
#ifdef RT_SIMD_AVX2
    /* Maps under 16 wide: eight windows at a time in scan order, whichever
     * rows and planes they belong to, their taps gathered into the two
     * 16-float rows the eight-window code reads, two taps a 64-bit load,
     * and the result added back the same way (the per-window loop below loses a branch to every other
     * window on random data). Windows do not overlap, so the eight adds
     * never meet. The last nwin % 8 windows take the loop below. */
    pl = 0;
    if (rt_pool_2x2(p) && p->out[2] < 16) {
        const int64_t out1 = p->out[1], out2 = p->out[2], nwin = planes * osize;
        int64_t w, j, cp = 0, c1 = 0, c2 = 0;  /* cursor: plane, row, column */
        for (w = 0; w + 8 <= nwin; w += 8) {
            int64_t b[8], bb[8];
            __m256 sel, c[4];
            const __m256 g = rt_pool_perm(_mm256_loadu_ps(dy + w));
            int t;
            for (j = 0; j < 8; j++) {
                b[j] = cp * isize + 2 * c1 * in2 + 2 * c2;
                bb[j] = b[j] + in2;
                if (++c2 == out2) {
                    c2 = 0;
                    if (++c1 == out1) {
                        c1 = 0;
                        cp++;
                    }
                }
            }
            (void)rt_pool_max8v(rt_pool_pairs(x, b), rt_pool_pairs(x, b + 4),
                                rt_pool_pairs(x, bb), rt_pool_pairs(x, bb + 4), &sel);
            for (t = 0; t < 4; t++)
                c[t] = _mm256_and_ps(g, _mm256_cmp_ps(sel, _mm256_set1_ps((float)t), _CMP_EQ_OQ));
            rt_pool_add_pairs(dx, b, _mm256_unpacklo_ps(c[0], c[1]));
            rt_pool_add_pairs(dx, b + 4, _mm256_unpackhi_ps(c[0], c[1]));
            rt_pool_add_pairs(dx, bb, _mm256_unpacklo_ps(c[2], c[3]));
            rt_pool_add_pairs(dx, bb + 4, _mm256_unpackhi_ps(c[2], c[3]));
        }
        for (; w < nwin; w++) {     /* the last few, at the cursor */
            const int64_t b0 = cp * isize + 2 * c1 * in2 + 2 * c2;
            int64_t best = b0;
            float m = -INFINITY;
            if (x[b0] > m) { m = x[b0]; best = b0; }
            if (x[b0 + 1] > m) { m = x[b0 + 1]; best = b0 + 1; }
            if (x[b0 + in2] > m) { m = x[b0 + in2]; best = b0 + in2; }
            if (x[b0 + in2 + 1] > m)
                best = b0 + in2 + 1;
            dx[best] += dy[w];
            if (++c2 == out2) {
                c2 = 0;
                if (++c1 == out1) {
                    c1 = 0;
                    cp++;
                }
            }
        }
        return;
    }
#else
    pl = 0;
#endif
    if (rt_pool_2x2(p)) {       /* the same scan: first tap, then strictly greater */
        for (; pl < planes; pl++) {
            const float *xp = x + pl * isize;
            const float *dyp = dy + pl * osize;
            float *dxp = dx + pl * isize;
            for (o1 = 0; o1 < p->out[1]; o1++) {
                const int64_t r0 = 2 * o1 * in2, r1 = r0 + in2;
                o2 = 0;
#ifdef RT_SIMD_AVX2
                /* dy to the winning tap of each of eight windows: four masked
                 * copies of dy interleaved back into the two rows (windows do
                 * not overlap; the other taps get + 0) */
                for (; o2 + 8 <= p->out[2]; o2 += 8, dyp += 8) {
                    __m256 sel, c[4];
                    const __m256 g = rt_pool_perm(_mm256_loadu_ps(dyp));
                    float *q0 = dxp + r0 + 2 * o2, *q1 = dxp + r1 + 2 * o2;
                    int t;
                    (void)rt_pool_max8(xp + r0 + 2 * o2, xp + r1 + 2 * o2, &sel);
                    for (t = 0; t < 4; t++)
                        c[t] = _mm256_and_ps(g, _mm256_cmp_ps(sel, _mm256_set1_ps((float)t),
                                                              _CMP_EQ_OQ));
                    _mm256_storeu_ps(q0, _mm256_add_ps(_mm256_loadu_ps(q0),
                                                       _mm256_unpacklo_ps(c[0], c[1])));
                    _mm256_storeu_ps(q0 + 8, _mm256_add_ps(_mm256_loadu_ps(q0 + 8),
                                                           _mm256_unpackhi_ps(c[0], c[1])));
                    _mm256_storeu_ps(q1, _mm256_add_ps(_mm256_loadu_ps(q1),
                                                       _mm256_unpacklo_ps(c[2], c[3])));
                    _mm256_storeu_ps(q1 + 8, _mm256_add_ps(_mm256_loadu_ps(q1 + 8),
                                                           _mm256_unpackhi_ps(c[2], c[3])));
                }
#endif
                for (; o2 < p->out[2]; o2++) {
                    const int64_t c = 2 * o2;
                    int64_t best = r0 + c;
                    float m = -INFINITY;
                    if (xp[r0 + c] > m) { m = xp[r0 + c]; best = r0 + c; }
                    if (xp[r0 + c + 1] > m) { m = xp[r0 + c + 1]; best = r0 + c + 1; }
                    if (xp[r1 + c] > m) { m = xp[r1 + c]; best = r1 + c; }
                    if (xp[r1 + c + 1] > m)
                        best = r1 + c + 1;
                    dxp[best] += *dyp++;
                }
            }
        }
        return;
    }
    for (pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * isize;
        const float *dyp = dy + pl * osize;
        float *dxp = dx + pl * isize;
        for (o0 = 0; o0 < p->out[0]; o0++) {
            const int64_t b0 = o0 * p->stride[0] - p->pad[0];
            int64_t lo0, hi0;
            rt_pool_taps(&lo0, &hi0, p, 0, o0);
            for (o1 = 0; o1 < p->out[1]; o1++) {
                const int64_t b1 = o1 * p->stride[1] - p->pad[1];
                int64_t lo1, hi1;
                rt_pool_taps(&lo1, &hi1, p, 1, o1);
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    const int64_t b2 = o2 * p->stride[2] - p->pad[2];
                    const float g = *dyp++;
                    float m = -INFINITY;
                    int64_t lo2, hi2, t0, t1, t2, best;
                    rt_pool_taps(&lo2, &hi2, p, 2, o2);
                    if (hi0 <= lo0 || hi1 <= lo1 || hi2 <= lo2)
                        continue;
                    best = ((b0 + lo0 * d0) * in1 + (b1 + lo1 * d1)) * in2 + b2 + lo2 * d2;
                    for (t0 = lo0; t0 < hi0; t0++)
                        for (t1 = lo1; t1 < hi1; t1++) {
                            const int64_t row = ((b0 + t0 * d0) * in1 + (b1 + t1 * d1)) * in2 + b2;
                            for (t2 = lo2; t2 < hi2; t2++) {
                                const float v = xp[row + t2 * d2];
                                if (v > m) {
                                    m = v;
                                    best = row + t2 * d2;
                                }
                            }
                        }
                    dxp[best] += g;
                }
            }
        }
    }
}

/*
 * Average pooling backward: each dy, divided by its window's divisor
 * (computed as in rt_avgpool_forward), is added to every tap of the window
 * that lies inside the input. Padding taps counted by count_include_pad
 * take their share of the divisor but have nowhere to send it.
 */
void rt_avgpool_backward(float *dx, const float *dy, const rt_pool_params *p)
{
    const int64_t in1 = p->in[1], in2 = p->in[2];
    const int64_t isize = p->in[0] * in1 * in2;
    const int64_t osize = p->out[0] * p->out[1] * p->out[2];
    const int64_t planes = (int64_t)p->n * p->c;
    const int64_t d0 = p->dilation[0], d1 = p->dilation[1], d2 = p->dilation[2];
    int64_t pl, o0, o1, o2;

    if (!dx)
        return;
    for (pl = 0; pl < planes; pl++) {
        const float *dyp = dy + pl * osize;
        float *dxp = dx + pl * isize;
        for (o0 = 0; o0 < p->out[0]; o0++) {
            const int64_t b0 = o0 * p->stride[0] - p->pad[0];
            const int64_t c0 = p->count_include_pad ? rt_pool_padded_taps(p, 0, o0) : 0;
            int64_t lo0, hi0;
            rt_pool_taps(&lo0, &hi0, p, 0, o0);
            for (o1 = 0; o1 < p->out[1]; o1++) {
                const int64_t b1 = o1 * p->stride[1] - p->pad[1];
                const int64_t c1 = p->count_include_pad ? rt_pool_padded_taps(p, 1, o1) : 0;
                int64_t lo1, hi1;
                rt_pool_taps(&lo1, &hi1, p, 1, o1);
                for (o2 = 0; o2 < p->out[2]; o2++) {
                    const int64_t b2 = o2 * p->stride[2] - p->pad[2];
                    const float dyv = *dyp++;
                    int64_t lo2, hi2, t0, t1, t2, count;
                    float g;
                    rt_pool_taps(&lo2, &hi2, p, 2, o2);
                    if (hi0 <= lo0 || hi1 <= lo1 || hi2 <= lo2)
                        continue;
                    if (p->count_include_pad)
                        count = c0 * c1 * rt_pool_padded_taps(p, 2, o2);
                    else
                        count = (hi0 - lo0) * (hi1 - lo1) * (hi2 - lo2);
                    g = dyv / (float)count;
                    for (t0 = lo0; t0 < hi0; t0++)
                        for (t1 = lo1; t1 < hi1; t1++) {
                            const int64_t row = ((b0 + t0 * d0) * in1 + (b1 + t1 * d1)) * in2 + b2;
                            for (t2 = lo2; t2 < hi2; t2++)
                                dxp[row + t2 * d2] += g;
                        }
                }
            }
        }
    }
}

/* Global average pooling backward: dx[r, i] += dy[r] / size. */
void rt_global_avgpool_backward(float *dx, const float *dy, int64_t nc, int64_t size)
{
    int64_t r, i;
    if (!dx || size <= 0)
        return;
    for (r = 0; r < nc; r++) {
        const float g = dy[r] / (float)size;
        float *dxr = dx + r * size;
        for (i = 0; i < size; i++)
            dxr[i] += g;
    }
}

/*
 * Global max pooling backward: dy[r] goes to one element of row r, chosen
 * as PyTorch's adaptive max pooling (what a GlobalMaxPool exported from
 * PyTorch came from) chooses it: the first maximum, except that a NaN, which
 * the forward propagates, takes it (the last NaN of the row); a row of -inf
 * sends it to element 0.
 */
void rt_global_maxpool_backward(float *dx, const float *dy, const float *x, int64_t nc,
                                int64_t size)
{
    int64_t r, i;
    if (!dx || size <= 0)
        return;
    for (r = 0; r < nc; r++) {
        const float *xr = x + r * size;
        float m = -INFINITY;
        int64_t best = 0;
        for (i = 0; i < size; i++)
            if (xr[i] > m || xr[i] != xr[i]) {
                m = xr[i];
                best = i;
            }
        dx[r * size + best] += dy[r];
    }
}
