/*
 * test_more.c - the kernels of runtime/more.c against straightforward
 * references written here (computed in double).
 *
 * Tolerances: the kernels compute statistics in double and round once to
 * float, so a result is within one float rounding of the exact value; the
 * tests allow 4 * FLT_EPSILON relative (the libm float functions add up to
 * a couple of ulp of their own) plus 1e-7 absolute for values near zero.
 */
#include "rt_test.h"

static double rel_tol(double ref)
{
    return 4.0 * FLT_EPSILON * fabs(ref) + 1e-7;
}

/* ---------------------------------------------------------------- math */

typedef struct {
    rt_math_op op;
    float lo, hi, alpha;
    char name[16];
} math_case;

static double ref_math(rt_math_op op, double x, double a)
{
    switch (op) {
    case RT_MATH_SIN: return sin(x);
    case RT_MATH_COS: return cos(x);
    case RT_MATH_TAN: return tan(x);
    case RT_MATH_ASIN: return asin(x);
    case RT_MATH_ACOS: return acos(x);
    case RT_MATH_ATAN: return atan(x);
    case RT_MATH_SINH: return sinh(x);
    case RT_MATH_COSH: return cosh(x);
    case RT_MATH_ASINH: return log(x + sqrt(x * x + 1));
    case RT_MATH_ACOSH: return log(x + sqrt(x * x - 1));
    case RT_MATH_ATANH: return 0.5 * log((1 + x) / (1 - x));
    case RT_MATH_ERF: return erf(x);
    case RT_MATH_FLOOR: return floor(x);
    case RT_MATH_CEIL: return ceil(x);
    case RT_MATH_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case RT_MATH_THRESHOLDED_RELU: return x > a ? x : 0;
    case RT_MATH_CELU: return (x > 0 ? x : 0) + (x < 0 ? a * (exp(x / a) - 1) : 0);
    default: return x;
    }
}

static const math_case math_cases[] = {
    {RT_MATH_SIN, -6, 6, 0, "sin"},        {RT_MATH_COS, -6, 6, 0, "cos"},
    {RT_MATH_TAN, -1.4f, 1.4f, 0, "tan"},  {RT_MATH_ASIN, -1, 1, 0, "asin"},
    {RT_MATH_ACOS, -1, 1, 0, "acos"},      {RT_MATH_ATAN, -10, 10, 0, "atan"},
    {RT_MATH_SINH, -5, 5, 0, "sinh"},      {RT_MATH_COSH, -5, 5, 0, "cosh"},
    {RT_MATH_ASINH, -10, 10, 0, "asinh"},  {RT_MATH_ACOSH, 1, 10, 0, "acosh"},
    {RT_MATH_ATANH, -0.9f, 0.9f, 0, "atanh"}, {RT_MATH_ERF, -3, 3, 0, "erf"},
    {RT_MATH_FLOOR, -5, 5, 0, "floor"},    {RT_MATH_CEIL, -5, 5, 0, "ceil"},
    {RT_MATH_SIGN, -2, 2, 0, "sign"},
    {RT_MATH_THRESHOLDED_RELU, -2, 2, 0.5f, "thresholded"},
    {RT_MATH_CELU, -4, 4, 1.5f, "celu"},
};

ParameterizedTestParameters(more, math)
{
    return cr_make_param_array(math_case, math_cases, RT_ARRAY_LEN(math_cases));
}

ParameterizedTest(const math_case *c, more, math)
{
    enum { N = 257 };
    rt_trng r = {11};
    float *x = rt_tfloats(N), *y = rt_tfloats(N);
    double ref[N], tol[N];
    rt_math_params p = {c->op, c->alpha, N};
    int i;
    rt_fill(x, N, &r, c->lo, c->hi);
    rt_math_forward(y, x, &p);
    for (i = 0; i < N; i++) {
        ref[i] = ref_math(c->op, x[i], c->alpha);
        tol[i] = rel_tol(ref[i]);
    }
    rt_check(c->name, y, ref, tol, N);
    /* in place gives the same */
    rt_math_forward(x, x, &p);
    rt_check_exact(c->name, x, y, N);
    free(x);
    free(y);
}

Test(more, round_half_to_even)
{
    const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 2.4f, -2.6f, 0.0f};
    const float want[] = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 2.0f, -3.0f, 0.0f};
    float y[8];
    rt_math_params p = {RT_MATH_ROUND, 0, 8};
    rt_math_forward(y, x, &p);
    rt_check_exact("round", y, want, 8);
}

Test(more, sign_nan)
{
    const float x[] = {NAN, -0.0f, 3.0f};
    float y[3];
    rt_math_params p = {RT_MATH_SIGN, 0, 3};
    rt_math_forward(y, x, &p);
    cr_assert(isnan(y[0]));
    cr_assert(y[1] == 0.0f && y[2] == 1.0f);
}

/* ---------------------------------------------------------------- reductions */

typedef struct {
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    int reduce[RT_MAX_DIMS];
    char name[24];
} axes_case;

static const axes_case axes_cases[] = {
    {1, {7}, {1}, "1d_all"},
    {2, {3, 4}, {0, 1}, "2d_last"},
    {2, {3, 4}, {1, 0}, "2d_first"},
    {3, {2, 3, 4}, {1, 0, 1}, "3d_outer"},
    {4, {2, 3, 2, 2}, {1, 0, 1, 1}, "4d_mvn"},
    {3, {2, 1, 3}, {0, 1, 0}, "size1"},
};

/* For output o (over kept axes) the reduced elements' values into v[]. */
static int64_t gather_group(double *v, const float *x, const axes_case *c, int64_t o)
{
    int64_t xs[RT_MAX_DIMS], kept[RT_MAX_DIMS], red[RT_MAX_DIMS], base = 0, n = 0, rem = o, r;
    int ka[RT_MAX_DIMS], ra[RT_MAX_DIMS], nk = 0, nr = 0, i;
    rt_dense_strides(xs, c->shape, c->ndim);
    for (i = 0; i < c->ndim; i++) {
        if (c->reduce[i]) {
            ra[nr] = i;
            red[nr++] = c->shape[i];
        } else {
            ka[nk] = i;
            kept[nk++] = c->shape[i];
        }
    }
    for (i = nk - 1; i >= 0; i--) {
        base += (rem % kept[i]) * xs[ka[i]];
        rem /= kept[i];
    }
    for (r = 0; r < rt_prod(red, nr); r++) {
        int64_t off = base, q = r;
        for (i = nr - 1; i >= 0; i--) {
            off += (q % red[i]) * xs[ra[i]];
            q /= red[i];
        }
        v[n++] = x[off];
    }
    return n;
}

static int64_t kept_count(const axes_case *c)
{
    int64_t n = 1;
    int i;
    for (i = 0; i < c->ndim; i++)
        if (!c->reduce[i])
            n *= c->shape[i];
    return n;
}

ParameterizedTestParameters(more, reduce_ext)
{
    return cr_make_param_array(axes_case, axes_cases, RT_ARRAY_LEN(axes_cases));
}

ParameterizedTest(const axes_case *c, more, reduce_ext)
{
    const int64_t n = rt_prod(c->shape, c->ndim), nout = kept_count(c);
    float *x = rt_tfloats(n), *y = rt_tfloats(nout);
    double *v = rt_tdoubles(n), *ref = rt_tdoubles(nout), *tol = rt_tdoubles(nout);
    rt_trng r = {5};
    int op;
    rt_fill(x, n, &r, 0.1f, 3.0f); /* positive: log-sum is defined */
    for (op = 0; op < RT_REDX_COUNT; op++) {
        rt_reduce_ext_params p;
        int64_t o, k, m;
        memset(&p, 0, sizeof p);
        p.op = (rt_reduce_ext_op)op;
        p.ndim = c->ndim;
        memcpy(p.shape, c->shape, sizeof p.shape);
        memcpy(p.reduce, c->reduce, sizeof p.reduce);
        rt_reduce_ext_forward(y, x, &p);
        for (o = 0; o < nout; o++) {
            double s = 0;
            m = gather_group(v, x, c, o);
            for (k = 0; k < m; k++) {
                switch (p.op) {
                case RT_REDX_L1: s += fabs(v[k]); break;
                case RT_REDX_LOGSUMEXP: s += exp(v[k]); break;
                case RT_REDX_LOGSUM: s += v[k]; break;
                default: s += v[k] * v[k]; break;
                }
            }
            ref[o] = p.op == RT_REDX_L2 ? sqrt(s)
                     : (p.op == RT_REDX_LOGSUM || p.op == RT_REDX_LOGSUMEXP) ? log(s) : s;
            tol[o] = rel_tol(ref[o]);
        }
        rt_check(c->name, y, ref, tol, nout);
    }
    free(x);
    free(y);
    free(v);
    free(ref);
    free(tol);
}

Test(more, logsumexp_large)
{
    /* exp(100) overflows float: the shift by the maximum keeps it finite */
    const float x[] = {100.0f, 100.0f, -INFINITY};
    float y[1];
    rt_reduce_ext_params p = {RT_REDX_LOGSUMEXP, 1, {3}, {1}};
    double ref[1] = {100.0 + log(2.0)}, tol[1] = {1e-4};
    rt_reduce_ext_forward(y, x, &p);
    rt_check("lse", y, ref, tol, 1);
}

ParameterizedTestParameters(more, mvn)
{
    return cr_make_param_array(axes_case, axes_cases, RT_ARRAY_LEN(axes_cases));
}

ParameterizedTest(const axes_case *c, more, mvn)
{
    const int64_t n = rt_prod(c->shape, c->ndim);
    float *x = rt_tfloats(n), *y = rt_tfloats(n);
    double *ref = rt_tdoubles(n), *tol = rt_tdoubles(n);
    int64_t xs[RT_MAX_DIMS], i;
    rt_reduce_ext_params p;
    rt_trng r = {9};
    int a;
    rt_fill(x, n, &r, -2.0f, 2.0f);
    memset(&p, 0, sizeof p);
    p.ndim = c->ndim;
    memcpy(p.shape, c->shape, sizeof p.shape);
    memcpy(p.reduce, c->reduce, sizeof p.reduce);
    rt_mvn_forward(y, x, &p);
    rt_dense_strides(xs, c->shape, c->ndim);
    /* element-major: for each element, its group's statistics from scratch */
    for (i = 0; i < n; i++) {
        double s = 0, s2 = 0, cnt = 0, mean, sd;
        int64_t j;
        for (j = 0; j < n; j++) {
            int same = 1;
            for (a = 0; a < c->ndim; a++)
                if (!c->reduce[a] && (i / xs[a]) % c->shape[a] != (j / xs[a]) % c->shape[a])
                    same = 0;
            if (same) {
                s += x[j];
                s2 += (double)x[j] * x[j];
                cnt++;
            }
        }
        mean = s / cnt;
        sd = sqrt(s2 / cnt - mean * mean);
        ref[i] = (x[i] - mean) / (sd + 1e-9);
        /* the variance as E[x^2] - mean^2 loses digits to cancellation */
        tol[i] = 1e-5 * (1 + fabs(ref[i]));
    }
    rt_check(c->name, y, ref, tol, n);
    free(x);
    free(y);
    free(ref);
    free(tol);
}

/* ---------------------------------------------------------------- arg, hardmax */

Test(more, argmax_argmin_ties)
{
    /* x [2, 3, 2], axis 1: ties at the first and last places */
    const float x[] = {1, 5, 3, 5, 1, 0, 2, 2, 2, 7, -1, 7};
    int64_t y[4];
    rt_arg_params p = {2, 3, 2, 0, 0};
    const int64_t first_max[] = {1, 0, 0, 1}, last_max[] = {1, 1, 1, 2};
    const int64_t first_min[] = {0, 2, 2, 0}, last_min[] = {2, 2, 2, 0};
    int i;
    rt_arg_forward(y, x, &p);
    for (i = 0; i < 4; i++)
        cr_expect_eq(y[i], first_max[i], "argmax %d: %lld", i, (long long)y[i]);
    p.select_last = 1;
    rt_arg_forward(y, x, &p);
    for (i = 0; i < 4; i++)
        cr_expect_eq(y[i], last_max[i], "argmax last %d: %lld", i, (long long)y[i]);
    p.is_min = 1;
    rt_arg_forward(y, x, &p);
    for (i = 0; i < 4; i++)
        cr_expect_eq(y[i], last_min[i], "argmin last %d: %lld", i, (long long)y[i]);
    p.select_last = 0;
    rt_arg_forward(y, x, &p);
    for (i = 0; i < 4; i++)
        cr_expect_eq(y[i], first_min[i], "argmin %d: %lld", i, (long long)y[i]);
}

Test(more, hardmax_first_max)
{
    /* x [2, 3] along axis 1 (outer 2, len 3, inner 1) */
    const float x[] = {1, 3, 3, -1, -2, -3};
    const float want[] = {0, 1, 0, 1, 0, 0};
    float y[6];
    rt_softmax_params p = {2, 3, 1, 0};
    rt_hardmax_forward(y, x, &p);
    rt_check_exact("hardmax", y, want, 6);
}

/* ---------------------------------------------------------------- layernorm */

Test(more, layernorm)
{
    enum { OUTER = 3, SIZE = 10 };
    float x[OUTER * SIZE], y[OUTER * SIZE], sc[SIZE], b[SIZE], mean[OUTER], is[OUTER];
    double ref[OUTER * SIZE], tol[OUTER * SIZE], rm[OUTER], ris[OUTER], tm[OUTER], tis[OUTER];
    rt_layernorm_params p = {OUTER, SIZE, 1e-3f};
    rt_trng r = {3};
    int o, j;
    rt_fill(x, OUTER * SIZE, &r, -3, 3);
    rt_fill(sc, SIZE, &r, 0.5f, 2);
    rt_fill(b, SIZE, &r, -1, 1);
    rt_layernorm_forward(y, mean, is, x, sc, b, &p);
    for (o = 0; o < OUTER; o++) {
        double m = 0, v = 0;
        for (j = 0; j < SIZE; j++)
            m += x[o * SIZE + j];
        m /= SIZE;
        for (j = 0; j < SIZE; j++)
            v += (x[o * SIZE + j] - m) * (x[o * SIZE + j] - m);
        v /= SIZE;
        rm[o] = m;
        ris[o] = 1 / sqrt(v + (double)1e-3f);
        tm[o] = rel_tol(m);
        tis[o] = rel_tol(ris[o]);
        for (j = 0; j < SIZE; j++) {
            ref[o * SIZE + j] = (x[o * SIZE + j] - m) * ris[o] * sc[j] + b[j];
            tol[o * SIZE + j] = rel_tol(ref[o * SIZE + j]);
        }
    }
    rt_check("y", y, ref, tol, OUTER * SIZE);
    rt_check("mean", mean, rm, tm, OUTER);
    rt_check("inv_std", is, ris, tis, OUTER);
    /* no bias, no statistics */
    rt_layernorm_forward(y, NULL, NULL, x, sc, NULL, &p);
    for (o = 0; o < OUTER; o++)
        for (j = 0; j < SIZE; j++)
            ref[o * SIZE + j] -= b[j];
    rt_check("y no bias", y, ref, tol, OUTER * SIZE);
}

/* ---------------------------------------------------------------- indexing */

Test(more, gather_elements)
{
    /* x [3, 3], idx [2, 3] along axis 0, with a negative and an out-of-range index */
    const float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int64_t idx[] = {1, -1, 0, 2, 0, 3};
    const float want0[] = {4, 8, 3, 7, 2, 0};
    const int64_t idx1[] = {0, 0, 2, 1, -3, 1};
    const float want1[] = {1, 1, 3, 5, 4, 5};
    float y[6];
    rt_gather_elements_params p = {2, 0, {3, 3}, {2, 3}};
    rt_gather_elements_forward(y, x, idx, &p);
    rt_check_exact("axis 0", y, want0, 6);
    p.axis = 1;
    rt_gather_elements_forward(y, x, idx1, &p);
    rt_check_exact("axis 1", y, want1, 6);
}

Test(more, trilu)
{
    enum { B = 2, R = 3, C = 4 };
    float x[B * R * C], y[B * R * C];
    int64_t xi[B * R * C], yi[B * R * C];
    int64_t k, kk;
    int upper, b, i, j;
    for (i = 0; i < B * R * C; i++) {
        x[i] = (float)(i + 1);
        xi[i] = i + 1;
    }
    for (upper = 0; upper < 2; upper++) {
        for (k = -4; k <= 5; k++) {
            rt_trilu_params p = {4, upper, B, R, C, k};
            rt_trilu_forward(y, x, NULL, &p);
            p.elem_size = 8;
            p.k = 0;
            kk = k;
            rt_trilu_forward(yi, xi, &kk, &p); /* k at run time */
            for (b = 0; b < B; b++)
                for (i = 0; i < R; i++)
                    for (j = 0; j < C; j++) {
                        const int at = (b * R + i) * C + j;
                        const int keep = upper ? j - i >= k : j - i <= k;
                        cr_assert_eq(y[at], keep ? x[at] : 0.0f, "upper %d k %lld at %d", upper,
                                     (long long)k, at);
                        cr_assert_eq(yi[at], keep ? xi[at] : 0, "int64 upper %d k %lld at %d",
                                     upper, (long long)k, at);
                    }
        }
    }
}
