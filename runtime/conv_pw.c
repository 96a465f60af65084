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
    bm.p = bp;
    bm.rs = RT_PW_NC;
    bm.cs = 1;
    bm.conv = NULL;
    bm.conv_t = 0;
    for (j0 = 0; j0 < ncol; j0 += RT_PW_NC) {
        const int64_t nc = ncol - j0 < RT_PW_NC ? ncol - j0 : RT_PW_NC;
        int64_t ns = 0, j, kk, s, m0, i;
        /* the panel's runs of positions, one per image it meets */
        for (j = j0; j < j0 + nc; ns++) {
            seg[ns].n = j / npos;
            seg[ns].q = j % npos;
            seg[ns].len = npos - seg[ns].q < j0 + nc - j ? npos - seg[ns].q : j0 + nc - j;
            seg[ns].col = j - j0;
            j += seg[ns].len;
        }
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

#else

int rt_pw_batched(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                  const float *b, int64_t ldb, int64_t m, int64_t k, int64_t npos, int64_t nimg,
                  int accumulate)
{
    (void)y; (void)ldy; (void)a; (void)ars; (void)acs; (void)b; (void)ldb; (void)m; (void)k;
    (void)npos; (void)nimg; (void)accumulate;
    return 0;
}

#endif
