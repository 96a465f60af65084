/*
 * gemm.c - Gemm and batched MatMul.
 *
 * Both accumulate one row of y at a time in float. With b stored [k, n] the
 * loop order is i-k-j, so the inner loop runs along contiguous rows of b and
 * y; with b stored transposed ([n, k]) it is i-j-k, a dot product along
 * contiguous rows of b (and of a unless a is transposed too).
 */
#include "rt_impl.h"

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

/* y[0..n) = a_row . b^T for one row of op(a), b stored [n, k]:
 * y[j] = sum_kk a[kk * as] * b[j * k + kk]. */
static void rt_row_times_bt(float *y, const float *a, int64_t as, const float *b,
                            int64_t n, int64_t k)
{
    int64_t j, kk;
    for (j = 0; j < n; j++) {
        const float *br = b + j * k;
        float s = 0.0f;
        for (kk = 0; kk < k; kk++)
            s += a[kk * as] * br[kk];
        y[j] = s;
    }
}

/*
 * y = act(alpha * op(a) op(b) + beta * c), see rt_gemm_params.
 * Row i of op(a) starts at a + i*k with step 1, or at a + i with step m when
 * trans_a. The product is accumulated first and scaled by alpha after, so
 * alpha == 1 costs no rounding. c is added only when c != NULL and
 * beta != 0 (the BLAS convention: with beta == 0, c is not read, so an inf
 * or NaN in it does not leak into y).
 */
void rt_gemm_forward(float *y, const float *a, const float *b, const float *c,
                     const rt_gemm_params *p)
{
    const int64_t m = p->m, n = p->n, k = p->k;
    const int64_t as = p->trans_a ? m : 1;         /* step along a row of op(a) */
    const int use_c = c != NULL && p->beta != 0.0f;
    int64_t i, j;

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
        for (i = 0; i < m; i++)
            rt_row_times_b(y + (r * m + i) * n, a + ao + i * k, 1, b + bo, n, k);
        for (d = p->batch_ndim - 1; d >= 0; d--) {
            if (++idx[d] < p->batch[d])
                break;
            idx[d] = 0;
        }
    }
}
