/*
 * conv_pw.c - pointwise (1x1, stride 1, group 1) convolutions on small
 * maps over a whole batch: one matrix product whose columns are every
 * image's positions, instead of one product per image.
 *
 * A 1x1 convolution of image n is y[n] = W x[n], a product whose columns
 * are the map's positions. On a small map (MobileNet's 6x6 and 3x3 at
 * batch 32) one image gives 36 or 9 columns: the micro-kernel's 32- and
 * 16-wide tiles run a third to half empty, and every image reads all of W
 * again. Here the columns of a panel are taken from consecutive images
 * (image n's position q is column n * npos + q): the panel's rows of B are
 * packed from each image's rows, rt_sgemm computes the panel for a block
 * of rows of y into a small buffer, and the buffer's columns go back to
 * their images. Both the forward (W [m, c] times x) and the input gradient
 * of the backward (W^T times dy) are this product.
 */
#include <string.h>

#include "rt_sgemm_impl.h"

#if defined(RT_SIMD_AVX2)

#define RT_PW_NC 32             /* columns of one panel (a 32-wide tile)    */
#define RT_PW_KMAX 256          /* rows of B a panel holds (32 KB)          */
#define RT_PW_MB 128            /* rows of y computed into the buffer (16 KB) */

/* One image's run of columns in a panel. */
typedef struct {
    int64_t n, q, len, col;     /* image, its first position, how many, panel column */
} rt_pw_seg;

/* The runs of the flat positions j0 .. j0 + nc (image j / npos, position
 * j % npos), one per image they meet; returns how many. */
static int64_t rt_pw_segs(rt_pw_seg *seg, int64_t j0, int64_t nc, int64_t npos)
{
    int64_t ns = 0, j;
    for (j = j0; j < j0 + nc; ns++) {
        seg[ns].n = j / npos;
        seg[ns].q = j % npos;
        seg[ns].len = npos - seg[ns].q < j0 + nc - j ? npos - seg[ns].q : j0 + nc - j;
        seg[ns].col = j - j0;
        j += seg[ns].len;
    }
    return ns;
}

int rt_pw_batched(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                  const float *b, int64_t ldb, int64_t m, int64_t k, int64_t npos, int64_t nimg,
                  int accumulate)
{
    float bp[RT_PW_KMAX * RT_PW_NC];
    float yt[RT_PW_MB * RT_PW_NC];
    rt_pw_seg seg[RT_PW_NC];
    const int64_t ncol = npos * nimg;
    rt_sgemm_epi e;
    rt_sgemm_b bm;
    int64_t j0;

    if (k < 1 || k > RT_PW_KMAX || npos < 1 || nimg < 2)
        return 0;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    bm = rt_sgemm_dense(bp, RT_PW_NC, 1);
    for (j0 = 0; j0 < ncol; j0 += RT_PW_NC) {
        const int64_t nc = ncol - j0 < RT_PW_NC ? ncol - j0 : RT_PW_NC;
        const int64_t ns = rt_pw_segs(seg, j0, nc, npos);
        int64_t j, kk, s, m0, i;
        for (kk = 0; kk < k; kk++)
            for (s = 0; s < ns; s++)
                memcpy(bp + kk * RT_PW_NC + seg[s].col,
                       b + seg[s].n * ldb + kk * npos + seg[s].q,
                       (size_t)seg[s].len * sizeof(float));
        for (m0 = 0; m0 < m; m0 += RT_PW_MB) {
            const int64_t mb = m - m0 < RT_PW_MB ? m - m0 : RT_PW_MB;
            rt_sgemm(yt, RT_PW_NC, a + m0 * ars, ars, acs, &bm, mb, nc, k, &e);
            for (i = 0; i < mb; i++)
                for (s = 0; s < ns; s++) {
                    float *d = y + seg[s].n * ldy + (m0 + i) * npos + seg[s].q;
                    const float *t = yt + i * RT_PW_NC + seg[s].col;
                    if (accumulate)
                        for (j = 0; j < seg[s].len; j++)
                            d[j] += t[j];
                    else
                        memcpy(d, t, (size_t)seg[s].len * sizeof(float));
                }
        }
    }
    return 1;
}


#define RT_PW_KB 64             /* positions (over images) of one dw block   */
#define RT_PW_CB 64             /* columns of dw a transposed block holds    */

/*
 * dw [m, c] += sum over images n and positions q of dy[n][i][q] x[n][j][q]:
 * the weight gradient of a pointwise convolution, one product dy x^T whose
 * depth runs over every image's positions. Blocks of RT_PW_KB of them are
 * packed: rows of dy as they are (runs of each image's positions, one after
 * another), x transposed (a block's positions as rows, RT_PW_CB channels
 * wide), and rt_sgemm adds each block's product to dw.
 */
int rt_pw_dw_batched(float *dw, const float *dy, const float *x, int64_t m, int64_t c,
                     int64_t npos, int64_t nimg)
{
    float ap[RT_PW_MB * RT_PW_KB];
    float bp[RT_PW_KB * RT_PW_CB];
    rt_pw_seg seg[RT_PW_KB];
    const int64_t nk = npos * nimg, ldy = m * npos, ldx = c * npos;
    rt_sgemm_epi e;
    rt_sgemm_b bm;
    int64_t k0;

    if (npos < 1 || nimg < 2)
        return 0;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f;
    e.accumulate = 1;
    bm = rt_sgemm_dense(bp, RT_PW_CB, 1);
    for (k0 = 0; k0 < nk; k0 += RT_PW_KB) {
        const int64_t kb = nk - k0 < RT_PW_KB ? nk - k0 : RT_PW_KB;
        const int64_t ns = rt_pw_segs(seg, k0, kb, npos);
        int64_t m0, c0, i, j, s, t;
        for (m0 = 0; m0 < m; m0 += RT_PW_MB) {
            const int64_t mb = m - m0 < RT_PW_MB ? m - m0 : RT_PW_MB;
            for (i = 0; i < mb; i++)
                for (s = 0; s < ns; s++)
                    memcpy(ap + i * RT_PW_KB + seg[s].col,
                           dy + seg[s].n * ldy + (m0 + i) * npos + seg[s].q,
                           (size_t)seg[s].len * sizeof(float));
            for (c0 = 0; c0 < c; c0 += RT_PW_CB) {
                const int64_t cb = c - c0 < RT_PW_CB ? c - c0 : RT_PW_CB;
                for (s = 0; s < ns; s++)
                    for (j = 0; j < cb; j++) {
                        const float *xs = x + seg[s].n * ldx + (c0 + j) * npos + seg[s].q;
                        float *d = bp + seg[s].col * RT_PW_CB + j;
                        for (t = 0; t < seg[s].len; t++)
                            d[t * RT_PW_CB] = xs[t];
                    }
                rt_sgemm(dw + m0 * c + c0, c, ap, RT_PW_KB, 1, &bm, mb, cb, kb, &e);
            }
        }
    }
    return 1;
}

#else

int rt_pw_batched(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                  const float *b, int64_t ldb, int64_t m, int64_t k, int64_t npos, int64_t nimg,
                  int accumulate)
{
    (void)y; (void)ldy; (void)a; (void)ars; (void)acs; (void)b; (void)ldb; (void)m; (void)k;
    (void)npos; (void)nimg; (void)accumulate;
    return 0;
}

int rt_pw_dw_batched(float *dw, const float *dy, const float *x, int64_t m, int64_t c,
                     int64_t npos, int64_t nimg)
{
    (void)dw; (void)dy; (void)x; (void)m; (void)c; (void)npos; (void)nimg;
    return 0;
}

#endif
