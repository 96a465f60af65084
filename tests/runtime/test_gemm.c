/*
 * test_gemm.c - rt_gemm_forward and rt_matmul_forward.
 *
 * References are the textbook triple loop in double over logical (i, j, k)
 * indices, reading the operands through their storage layout. Tolerance per
 * output: rt_sum_tol over K products with mag = |alpha| sum |a b| + |beta c|,
 * extra 3 roundings (alpha, beta * c, the add), plus 4 ulp of the result for
 * the fused activation (slope <= 1, so it does not amplify the error).
 */
#include "rt_test.h"

enum { C_NONE, C_SCALAR, C_ROW, C_COL, C_FULL };

typedef struct {
    int64_t m, n, k;
    int ta, tb;
    float alpha, beta;
    int cmode;                  /* how c is shaped and broadcast */
    rt_unary_op act;
    char name[32];
} gemm_case;

static const gemm_case gemm_cases[] = {
    { 4, 5, 6, 0, 0, 1.0f, 1.0f, C_FULL, RT_UN_NONE, "plain" },
    { 4, 5, 6, 1, 0, 1.0f, 1.0f, C_FULL, RT_UN_NONE, "trans_a" },
    { 4, 5, 6, 0, 1, 1.0f, 1.0f, C_FULL, RT_UN_NONE, "trans_b" },
    { 4, 5, 6, 1, 1, 1.0f, 1.0f, C_FULL, RT_UN_NONE, "trans_ab" },
    { 7, 3, 9, 0, 1, 0.25f, 0.0f, C_FULL, RT_UN_NONE, "beta0" },
    { 7, 3, 9, 1, 0, -1.5f, 2.0f, C_SCALAR, RT_UN_NONE, "alpha_beta_scalar_c" },
    { 7, 3, 9, 0, 0, 1.0f, 0.5f, C_ROW, RT_UN_NONE, "row_bias" },
    { 7, 3, 9, 1, 1, 2.0f, -1.0f, C_COL, RT_UN_NONE, "col_bias" },
    { 5, 6, 4, 0, 0, 1.0f, 1.0f, C_NONE, RT_UN_NONE, "no_c" },
    { 1, 10, 33, 0, 1, 1.0f, 1.0f, C_ROW, RT_UN_RELU, "fc_relu" },
    { 16, 17, 200, 0, 1, 1.0f, 1.0f, C_ROW, RT_UN_NONE, "wide_K200" },
    { 3, 1, 1, 1, 0, 1.0f, 1.0f, C_SCALAR, RT_UN_NONE, "k1_n1" },
    { 6, 4, 5, 0, 0, 1.0f, 1.0f, C_ROW, RT_UN_SIGMOID, "sigmoid" },
    { 6, 4, 5, 1, 1, 0.5f, 3.0f, C_COL, RT_UN_CLIP, "clip" },
    /* the blocked path (m >= 4): edge tiles in m and n, k = 1, k beyond one
     * k block (128 / 64), every transpose, the fused bias/ReLU store */
    { 13, 37, 1, 0, 0, 1.0f, 1.0f, C_ROW, RT_UN_NONE, "blocked_k1" },
    { 19, 35, 300, 0, 1, 1.0f, 1.0f, C_ROW, RT_UN_RELU, "blocked_tb_K300" },
    { 25, 33, 129, 1, 0, 0.5f, 2.0f, C_FULL, RT_UN_NONE, "blocked_ta_K129" },
    { 7, 49, 65, 1, 1, -1.0f, 1.0f, C_COL, RT_UN_SIGMOID, "blocked_tab" },
    { 64, 64, 64, 0, 0, 1.0f, 0.0f, C_NONE, RT_UN_RELU, "blocked_64" },
    { 2, 40, 100, 0, 1, 1.0f, 1.0f, C_ROW, RT_UN_NONE, "gemv_tb_K100" },
};

static double ref_act(rt_unary_op op, double v)
{
    switch (op) {
    case RT_UN_RELU:    return v > 0 ? v : 0;
    case RT_UN_SIGMOID: return 1 / (1 + exp(-v));
    case RT_UN_CLIP:    return v < -1 ? -1 : (v > 1 ? 1 : v);
    default:            return v;
    }
}

ParameterizedTestParameters(gemm, matches_reference)
{
    return cr_make_param_array(gemm_case, (void *)gemm_cases, RT_ARRAY_LEN(gemm_cases));
}

ParameterizedTest(const gemm_case *c, gemm, matches_reference)
{
    const int64_t M = c->m, N = c->n, K = c->k;
    float *a = rt_tfloats(M * K), *b = rt_tfloats(K * N), *cc = rt_tfloats(M * N);
    float *y = rt_tfloats(M * N);
    double *ref = rt_tdoubles(M * N), *tol = rt_tdoubles(M * N);
    rt_gemm_params p;
    rt_trng r = { 17 };
    int64_t i, j, kk, crs = 0, ccs = 0;

    rt_fill(a, M * K, &r, -1.0f, 1.0f);
    rt_fill(b, K * N, &r, -1.0f, 1.0f);
    rt_fill(cc, M * N, &r, -1.0f, 1.0f);
    switch (c->cmode) {                 /* c's storage: [1], [n], [m, 1] or [m, n] */
    case C_ROW:  ccs = 1; break;
    case C_COL:  crs = 1; break;
    case C_FULL: crs = N; ccs = 1; break;
    default:     break;
    }
    if (c->beta == 0.0f)
        cc[0] = INFINITY;               /* beta == 0: c must not be read */

    memset(&p, 0, sizeof p);
    p.m = M; p.n = N; p.k = K;
    p.trans_a = c->ta; p.trans_b = c->tb;
    p.alpha = c->alpha; p.beta = c->beta;
    p.c_rs = crs; p.c_cs = ccs;
    p.act = c->act;
    p.act_alpha = -1.0f; p.act_beta = 1.0f;     /* used by clip */
    for (i = 0; i < M * N; i++)
        y[i] = NAN;
    rt_gemm_forward(y, a, b, c->cmode == C_NONE ? NULL : cc, &p);

    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            double s = 0, mag = 0, v;
            for (kk = 0; kk < K; kk++) {
                const double av = c->ta ? a[kk * M + i] : a[i * K + kk];
                const double bv = c->tb ? b[j * K + kk] : b[kk * N + j];
                s += av * bv;
                mag += fabs(av * bv);
            }
            s *= c->alpha;
            mag *= fabs(c->alpha);
            if (c->cmode != C_NONE && c->beta != 0.0f) {
                const double cv = cc[i * crs + j * ccs];
                s += c->beta * cv;
                mag += fabs(c->beta * cv);
            }
            v = ref_act(c->act, s);
            ref[i * N + j] = v;
            tol[i * N + j] = rt_sum_tol(K, 3, mag) + 4 * FLT_EPSILON * fabs(v);
        }
    rt_check(c->name, y, ref, tol, M * N);
    free(a); free(b); free(cc); free(y); free(ref); free(tol);
}

/* Hand-computed: [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]; then
 * with trans_a, trans_b, alpha 0.5, beta 2 and c = [1, -1] per column:
 * a^T b^T = [[1,3],[2,4]] [[5,7],[6,8]] = [[23,31],[34,46]]
 * -> 0.5 * that + 2 * [1, -1] = [[13.5, 13.5], [19, 21]]. */
Test(gemm, hand_computed)
{
    const float a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 }, c[2] = { 1, -1 };
    float y[4];
    rt_gemm_params p;
    memset(&p, 0, sizeof p);
    p.m = p.n = p.k = 2;
    p.alpha = 1.0f;
    p.beta = 1.0f;
    rt_gemm_forward(y, a, b, NULL, &p);
    {
        const float want[4] = { 19, 22, 43, 50 };
        rt_check_exact("gemm", y, want, 4);
    }
    p.trans_a = p.trans_b = 1;
    p.alpha = 0.5f;
    p.beta = 2.0f;
    p.c_rs = 0;
    p.c_cs = 1;
    rt_gemm_forward(y, a, b, c, &p);
    {
        const float want[4] = { 13.5f, 13.5f, 19, 21 };
        rt_check_exact("gemm_trans_alpha_beta", y, want, 4);
    }
}

/* ================================================================ matmul */

/* Batch shapes of a and b, each already aligned to y's batch rank (1 where
 * broadcast), plus the matrix sizes. */
typedef struct {
    int bnd;
    int64_t abatch[RT_MAX_DIMS], bbatch[RT_MAX_DIMS];
    int64_t m, n, k;
    char name[32];
} matmul_case;

static const matmul_case matmul_cases[] = {
    { 0, { 0 }, { 0 }, 4, 5, 6, "no_batch" },
    { 0, { 0 }, { 0 }, 1, 7, 9, "vector_matrix" },
    { 0, { 0 }, { 0 }, 7, 1, 9, "matrix_vector" },
    { 0, { 0 }, { 0 }, 1, 1, 300, "dot_K300" },
    { 1, { 3 }, { 3 }, 4, 5, 6, "batch" },
    { 1, { 3 }, { 1 }, 4, 5, 6, "b_broadcast" },
    { 1, { 1 }, { 3 }, 4, 5, 6, "a_broadcast" },
    { 2, { 2, 1 }, { 1, 3 }, 3, 4, 5, "cross_broadcast" },
    { 3, { 2, 1, 3 }, { 1, 4, 1 }, 2, 3, 2, "three_batch_axes" },
    { 4, { 1, 2, 1, 2 }, { 2, 1, 2, 1 }, 1, 3, 4, "four_batch_axes" },
    { 2, { 2, 3 }, { 2, 3 }, 3, 3, 1, "k1" },
    { 1, { 0 }, { 1 }, 2, 2, 2, "empty_batch" },
    { 1, { 2 }, { 1 }, 23, 37, 150, "blocked_b_broadcast" },
    { 0, { 0 }, { 0 }, 9, 20, 1, "blocked_k1" },
};

ParameterizedTestParameters(matmul, matches_reference)
{
    return cr_make_param_array(matmul_case, (void *)matmul_cases, RT_ARRAY_LEN(matmul_cases));
}

/* The compiler's stride rule: an operand's batch stride is its dense stride
 * (over its own batch shape, times m*k or k*n), or 0 where its size is 1. */
ParameterizedTest(const matmul_case *c, matmul, matches_reference)
{
    const int64_t M = c->m, N = c->n, K = c->k;
    const int64_t na = rt_prod(c->abatch, c->bnd) * M * K, nb = rt_prod(c->bbatch, c->bnd) * K * N;
    rt_matmul_params p;
    int64_t ny, bi, i, j, kk, sa = M * K, sb = K * N;
    float *a, *b, *y;
    double *ref, *tol;
    rt_trng r = { 23 };
    int d;

    memset(&p, 0, sizeof p);
    p.batch_ndim = c->bnd;
    p.m = M; p.n = N; p.k = K;
    for (d = c->bnd - 1; d >= 0; d--) {
        p.batch[d] = c->abatch[d] == 1 ? c->bbatch[d] : c->abatch[d];
        p.a_bstride[d] = c->abatch[d] == 1 ? 0 : sa;
        p.b_bstride[d] = c->bbatch[d] == 1 ? 0 : sb;
        sa *= c->abatch[d];
        sb *= c->bbatch[d];
    }
    ny = rt_prod(p.batch, c->bnd) * M * N;
    a = rt_tfloats(na);
    b = rt_tfloats(nb);
    y = rt_tfloats(ny);
    ref = rt_tdoubles(ny);
    tol = rt_tdoubles(ny);
    rt_fill(a, na, &r, -1.0f, 1.0f);
    rt_fill(b, nb, &r, -1.0f, 1.0f);
    for (i = 0; i < ny; i++)
        y[i] = NAN;
    rt_matmul_forward(y, a, b, &p);

    /* Reference: unravel each batch number over y's batch shape, and clamp
     * to 0 on each operand's size-1 axes to find its matrix. */
    for (bi = 0; bi < ny / (M * N > 0 ? M * N : 1); bi++) {
        int64_t rem = bi, ab = 0, bb = 0, am = 1, bm = 1;
        for (d = c->bnd - 1; d >= 0; d--) {
            const int64_t id = rem % p.batch[d];
            rem /= p.batch[d];
            ab += (c->abatch[d] == 1 ? 0 : id) * am;
            bb += (c->bbatch[d] == 1 ? 0 : id) * bm;
            am *= c->abatch[d];
            bm *= c->bbatch[d];
        }
        for (i = 0; i < M; i++)
            for (j = 0; j < N; j++) {
                double s = 0, mag = 0;
                for (kk = 0; kk < K; kk++) {
                    const double t = (double)a[ab * M * K + i * K + kk] * b[bb * K * N + kk * N + j];
                    s += t;
                    mag += fabs(t);
                }
                ref[(bi * M + i) * N + j] = s;
                tol[(bi * M + i) * N + j] = rt_sum_tol(K, 0, mag);
            }
    }
    rt_check(c->name, y, ref, tol, ny);
    free(a); free(b); free(y); free(ref); free(tol);
}

/* Hand-computed batched product: batch 0 is [[1,2]] x [[1],[1]] = 3,
 * batch 1 is [[3,4]] x the same broadcast b = 7. */
Test(matmul, hand_computed)
{
    const float a[4] = { 1, 2, 3, 4 }, b[2] = { 1, 1 }, want[2] = { 3, 7 };
    float y[2];
    rt_matmul_params p;
    memset(&p, 0, sizeof p);
    p.batch_ndim = 1;
    p.batch[0] = 2;
    p.a_bstride[0] = 2;
    p.b_bstride[0] = 0;
    p.m = 1; p.n = 1; p.k = 2;
    rt_matmul_forward(y, a, b, &p);
    rt_check_exact("matmul", y, want, 2);
}
