/*
 * gemm.c - Gemm and batched MatMul.
 *
 * Products of RT_GEMM_MIN_M rows or more go to the blocked rt_sgemm
 * (sgemm.c). Fewer rows accumulate one row of y at a time in float: with b
 * stored [k, n] the loop order is i-k-j, so the inner loop runs along
 * contiguous rows of b and y; with b stored transposed ([n, k]) it is i-j-k,
 * a dot product along contiguous rows of b (vectorized when a's row is
 * contiguous too).
 */
#include <string.h>

#include "rt_sgemm_impl.h"

#ifdef RT_SIMD_AVX2
#include <immintrin.h>
#endif

/* y[0..n) = a_row . b for one row of op(a), b stored [k, n]:
 * y[j] = sum_kk a[kk * as] * b[kk * n + j]. */
static void rt_row_times_b(float *y, const float *a, int64_t as, const float *b,
                           int64_t n, int64_t k)
{
    int64_t j, kk;
    for (j = 0; j < n; j++)
        y[j] = 0.0f;
    for (kk = 0; kk < k; kk++) {
        const float av = a[kk * as];
        const float *br = b + kk * n;
        for (j = 0; j < n; j++)
            y[j] += av * br[j];
    }
}

/* sum_kk a[kk] * b[kk] over k contiguous floats; with AVX2 eight partial
 * sums (two registers), added pairwise at the end. */
static float rt_dot_contig(const float *a, const float *b, int64_t k)
{
    float s = 0.0f;
    int64_t kk = 0;
#ifdef RT_SIMD_AVX2
    if (k >= 16) {
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        __m128 h;
        for (; kk + 16 <= k; kk += 16) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + kk), _mm256_loadu_ps(b + kk), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + kk + 8), _mm256_loadu_ps(b + kk + 8), s1);
        }
        s0 = _mm256_add_ps(s0, s1);
        h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        s = _mm_cvtss_f32(h);
    }
#endif
    for (; kk < k; kk++)
        s += a[kk] * b[kk];
    return s;
}

/* y[0..n) = a_row . b^T for one row of op(a), b stored [n, k]:
 * y[j] = sum_kk a[kk * as] * b[j * k + kk]. */
static void rt_row_times_bt(float *y, const float *a, int64_t as, const float *b,
                            int64_t n, int64_t k)
{
    int64_t j, kk;
    for (j = 0; j < n; j++) {
        const float *br = b + j * k;
        float s = 0.0f;
        if (as == 1) {
            y[j] = rt_dot_contig(a, br, k);
            continue;
        }
        for (kk = 0; kk < k; kk++)
            s += a[kk * as] * br[kk];
        y[j] = s;
    }
}

/*
 * y = act(alpha * op(a) op(b) + beta * c), see rt_gemm_params.
 * From RT_GEMM_MIN_M rows on, the blocked product rt_sgemm does it all,
 * reading a and b through their strides (Row i of op(a) starts at a + i*k
 * with step 1, or at a + i with step m when trans_a). Fewer rows (a batch of
 * one through a Linear layer) are matrix-vector products, done row by row:
 * the product is accumulated first and scaled by alpha after, so alpha == 1
 * costs no rounding. c is added only when c != NULL and beta != 0 (the
 * BLAS convention: with beta == 0, c is not read, so an inf or NaN in it
 * does not leak into y).
 */
#define RT_GEMM_MIN_M 4
void rt_gemm_forward(float *y, const float *a, const float *b, const float *c,
                     const rt_gemm_params *p)
{
    const int64_t m = p->m, n = p->n, k = p->k;
    const int64_t as = p->trans_a ? m : 1;         /* step along a row of op(a) */
    const int use_c = c != NULL && p->beta != 0.0f;
    int64_t i, j;

    if (m >= RT_GEMM_MIN_M) {
        rt_sgemm_b bm;
        rt_sgemm_epi e;
        bm = rt_sgemm_dense(b, p->trans_b ? 1 : n, p->trans_b ? k : 1);
        memset(&e, 0, sizeof e);
        e.alpha = p->alpha;
        e.c = use_c ? c : NULL;
        e.c_rs = p->c_rs;
        e.c_cs = p->c_cs;
        e.beta = p->beta;
        e.act = p->act;
        e.act_alpha = p->act_alpha;
        e.act_beta = p->act_beta;
        rt_sgemm(y, n, a, p->trans_a ? 1 : k, as, &bm, m, n, k, &e);
        return;
    }
    for (i = 0; i < m; i++) {
        const float *ar = p->trans_a ? a + i : a + i * k;
        float *yr = y + i * n;

        if (p->trans_b)
            rt_row_times_bt(yr, ar, as, b, n, k);
        else
            rt_row_times_b(yr, ar, as, b, n, k);
        if (p->alpha != 1.0f)
            for (j = 0; j < n; j++)
                yr[j] *= p->alpha;
        if (use_c) {
            const float *cr = c + i * p->c_rs;
            for (j = 0; j < n; j++)
                yr[j] += p->beta * cr[j * p->c_cs];
        }
        rt_act_apply(yr, n, p->act, p->act_alpha, p->act_beta);
    }
}

/*
 * Batched matrix product, see rt_matmul_params. An odometer over the batch
 * axes finds each batch's a and b offsets (broadcast axes have stride 0);
 * y is dense, so batch number r starts at r * m * n. Each batch is a plain
 * i-k-j product.
 */
void rt_matmul_forward(float *y, const float *a, const float *b, const rt_matmul_params *p)
{
    const int64_t m = p->m, n = p->n, k = p->k;
    int64_t idx[RT_MAX_DIMS];
    int64_t batches = 1, r, i;
    int d;

    for (d = 0; d < p->batch_ndim; d++) {
        batches *= p->batch[d];
        idx[d] = 0;
    }
    for (r = 0; r < batches; r++) {
        int64_t ao = 0, bo = 0;
        for (d = 0; d < p->batch_ndim; d++) {
            ao += idx[d] * p->a_bstride[d];
            bo += idx[d] * p->b_bstride[d];
        }
        if (m >= RT_GEMM_MIN_M) {
            rt_sgemm_b bm;
            rt_sgemm_epi e;
            bm = rt_sgemm_dense(b + bo, n, 1);
            memset(&e, 0, sizeof e);
            e.alpha = 1.0f;
            rt_sgemm(y + r * m * n, n, a + ao, k, 1, &bm, m, n, k, &e);
        } else {
            for (i = 0; i < m; i++)
                rt_row_times_b(y + (r * m + i) * n, a + ao + i * k, 1, b + bo, n, k);
        }
        for (d = p->batch_ndim - 1; d >= 0; d--) {
            if (++idx[d] < p->batch[d])
                break;
            idx[d] = 0;
        }
    }
}

/* ================================================================ backward */

/*
 * y[M, N] (row stride ldy) += alpha * A B through rt_sgemm, with A[i, kk] at
 * a[i * ars + kk * acs] and B[kk, j] at b[kk * brs + j * bcs]: every
 * gradient product below is one such call, the transposes being only a
 * choice of strides.
 */
static void rt_gemm_acc(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                        const float *b, int64_t brs, int64_t bcs, int64_t mm, int64_t nn,
                        int64_t kk, float alpha)
{
    rt_sgemm_b bm;
    rt_sgemm_epi e;
    bm = rt_sgemm_dense(b, brs, bcs);
    memset(&e, 0, sizeof e);
    e.alpha = alpha;
    e.accumulate = 1;
    rt_sgemm(y, ldy, a, ars, acs, &bm, mm, nn, kk, &e);
}

/*
 * Gemm backward, see the header. With A = op(a) [m, k], B = op(b) [k, n]:
 *   dA[i, kk] += alpha * sum_j dy[i, j] B[kk, j]   (dA = dy B^T)
 *   dB[kk, j] += alpha * sum_i A[i, kk] dy[i, j]   (dB = A^T dy)
 * A[i, kk] sits at a + i*k + kk, or a + kk*m + i when trans_a; B[kk, j] at
 * b + kk*n + j, or b + j*k + kk when trans_b. Each gradient is written in
 * its operand's own layout, so when that operand was stored transposed the
 * product is computed transposed (da^T = B dy^T, db^T = dy^T A): the output
 * rows stay contiguous for rt_sgemm. alpha scales each block's sum (see
 * sgemm.c). dc receives beta * dy at c's own (possibly broadcast) element,
 * and nothing when beta == 0 (the forward did not read c).
 */
void rt_gemm_backward(float *da, float *db, float *dc, const float *dy, const float *a,
                      const float *b, const rt_gemm_params *p)
{
    const int64_t m = p->m, n = p->n, k = p->k;
    const int64_t ars = p->trans_a ? 1 : k, acs = p->trans_a ? m : 1;   /* A[i, kk] strides */
    const int64_t brs = p->trans_b ? 1 : n, bcs = p->trans_b ? k : 1;   /* B[kk, j] strides */
    const float alpha = p->alpha;
    int64_t i, j;

    if (da) {
        if (p->trans_a)     /* da [k, m]: da[kk, i] += alpha sum_j B[kk, j] dy[i, j] */
            rt_gemm_acc(da, m, b, brs, bcs, dy, 1, n, k, m, n, alpha);
        else                /* da [m, k]: da[i, kk] += alpha sum_j dy[i, j] B[kk, j] */
            rt_gemm_acc(da, k, dy, n, 1, b, bcs, brs, m, k, n, alpha);
    }
    if (db) {
        if (p->trans_b)     /* db [n, k]: db[j, kk] += alpha sum_i dy[i, j] A[i, kk] */
            rt_gemm_acc(db, k, dy, 1, n, a, ars, acs, n, k, m, alpha);
        else                /* db [k, n]: db[kk, j] += alpha sum_i A[i, kk] dy[i, j] */
            rt_gemm_acc(db, n, a, acs, ars, dy, n, 1, k, n, m, alpha);
    }
    if (dc && p->beta != 0.0f)
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++)
                dc[i * p->c_rs + j * p->c_cs] += p->beta * dy[i * n + j];
}

/*
 * MatMul backward, see the header: per batch (the forward's odometer),
 *   da[i, kk] += sum_j dy[i, j] b[kk, j]   (da = dy b^T)
 *   db[kk, j] += sum_i a[i, kk] dy[i, j]   (db = a^T dy)
 * as accumulating rt_sgemm calls at the operands' batch offsets; a batch
 * axis an operand is broadcast along has stride 0, so its batches'
 * contributions add up in the one copy.
 */
void rt_matmul_backward(float *da, float *db, const float *dy, const float *a, const float *b,
                        const rt_matmul_params *p)
{
    const int64_t m = p->m, n = p->n, k = p->k;
    int64_t idx[RT_MAX_DIMS];
    int64_t batches = 1, r;
    int d;

    if (!da && !db)
        return;
    for (d = 0; d < p->batch_ndim; d++) {
        batches *= p->batch[d];
        idx[d] = 0;
    }
    for (r = 0; r < batches; r++) {
        const float *dyb = dy + r * m * n;
        int64_t ao = 0, bo = 0;
        for (d = 0; d < p->batch_ndim; d++) {
            ao += idx[d] * p->a_bstride[d];
            bo += idx[d] * p->b_bstride[d];
        }
        if (da)
            rt_gemm_acc(da + ao, k, dyb, n, 1, b + bo, 1, n, m, k, n, 1.0f);
        if (db)
            rt_gemm_acc(db + bo, n, a + ao, 1, k, dyb, n, 1, k, n, m, 1.0f);
        for (d = p->batch_ndim - 1; d >= 0; d--) {
            if (++idx[d] < p->batch[d])
                break;
            idx[d] = 0;
        }
    }
}
