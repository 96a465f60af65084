/*
 * test_elementwise.c - rt_unary_forward and rt_binary_forward.
 */
#include "rt_test.h"

/* ================================================================ unary */

/* The reference: each function written out in double from its definition. */
static double ref_unary(rt_unary_op op, double x, double a, double b)
{
    switch (op) {
    case RT_UN_NONE:        return x;
    case RT_UN_RELU:        return x > 0 ? x : 0;
    case RT_UN_LEAKYRELU:   return x >= 0 ? x : a * x;
    case RT_UN_ELU:         return x >= 0 ? x : a * (exp(x) - 1);
    case RT_UN_SELU:        return x > 0 ? b * x : b * a * (exp(x) - 1);
    case RT_UN_SIGMOID:     return 1 / (1 + exp(-x));
    case RT_UN_HARDSIGMOID: return fmax(0, fmin(1, a * x + b));
    case RT_UN_HARDSWISH:   return x * fmax(0, fmin(1, x / 6 + 0.5));
    case RT_UN_TANH:        return tanh(x);
    case RT_UN_SOFTPLUS:    return log1p(exp(x));   /* log(1 + e^x); log1p keeps double exact */
    case RT_UN_SOFTSIGN:    return x / (1 + fabs(x));
    case RT_UN_CLIP:        return x < a ? a : (x > b ? b : x);
    case RT_UN_SQRT:        return sqrt(x);
    case RT_UN_EXP:         return exp(x);
    case RT_UN_LOG:         return log(x);
    case RT_UN_ABS:         return fabs(x);
    case RT_UN_NEG:         return -x;
    case RT_UN_RECIPROCAL:  return 1 / x;
    case RT_UN_AFFINE:      return a * x + b;
    case RT_UN_COUNT:       break;
    }
    return NAN;
}

/*
 * One row per function: its parameters, the input range, and the tolerance
 * |got - ref| <= atol + rtol * |ref|.
 *  - rtol: every function is a few float operations, each correctly rounded
 *    or (libm's expf, expm1f, logf, log1pf, tanhf, sqrtf) within 1-2 ulp;
 *    4 * FLT_EPSILON (4 ulp at worst, 8 at best) covers the chain.
 *    Single correctly rounded operations (neg, abs, relu, clip, reciprocal,
 *    leaky relu's one multiply) get 0.5 ulp, i.e. FLT_EPSILON / 2 relative.
 *  - atol: functions with an affine step (alpha * x + beta, x / 6 + 1/2)
 *    can cancel to near 0, where the step's rounding error is absolute:
 *    about 1 ulp of its largest term, |alpha x| + |beta| <= 9 over [-8, 8],
 *    i.e. <= 8 eps; for hardswish the inner step (terms <= 1.84, error
 *    <= 2 eps) is multiplied by |x| <= 3 where it is not clamped. Both fit
 *    in 16 * FLT_EPSILON. Elu and Selu get FLT_MIN: alpha * expm1(x) for x
 *    just below 0 can land in the denormal range, where precision is
 *    absolute. Everything else has atol 0.
 */
typedef struct {
    rt_unary_op op;
    float alpha, beta;
    float lo, hi;           /* input range */
    double rtol, atol;
    char name[24];
} unary_case;

#define EPS FLT_EPSILON
static const unary_case unary_cases[] = {
    { RT_UN_NONE,        0.0f,  0.0f,  -8.0f, 8.0f, 0,        0,          "none" },
    { RT_UN_RELU,        0.0f,  0.0f,  -8.0f, 8.0f, 0,        0,          "relu" },
    { RT_UN_LEAKYRELU,   0.01f, 0.0f,  -8.0f, 8.0f, EPS / 2,  0,          "leakyrelu" },
    { RT_UN_LEAKYRELU,   1.5f,  0.0f,  -8.0f, 8.0f, EPS / 2,  0,          "leakyrelu_big_alpha" },
    { RT_UN_ELU,         1.0f,  0.0f,  -8.0f, 8.0f, 4 * EPS,  FLT_MIN,    "elu" },
    { RT_UN_ELU,         0.3f,  0.0f,  -8.0f, 8.0f, 4 * EPS,  FLT_MIN,    "elu_alpha" },
    { RT_UN_SELU,        1.67326319217681884765625f, 1.05070102214813232421875f,
                                       -8.0f, 8.0f, 4 * EPS,  FLT_MIN,    "selu_default" },
    { RT_UN_SELU,        2.0f,  3.0f,  -8.0f, 8.0f, 4 * EPS,  FLT_MIN,    "selu" },
    { RT_UN_SIGMOID,     0.0f,  0.0f, -30.0f, 30.0f, 4 * EPS, 0,          "sigmoid" },
    { RT_UN_HARDSIGMOID, 0.2f,  0.5f,  -8.0f, 8.0f, 4 * EPS,  16 * EPS,   "hardsigmoid" },
    { RT_UN_HARDSIGMOID, -0.7f, 0.1f,  -8.0f, 8.0f, 4 * EPS,  16 * EPS,   "hardsigmoid_neg" },
    { RT_UN_HARDSWISH,   0.0f,  0.0f,  -8.0f, 8.0f, 4 * EPS,  16 * EPS,   "hardswish" },
    { RT_UN_TANH,        0.0f,  0.0f, -12.0f, 12.0f, 4 * EPS, 0,          "tanh" },
    { RT_UN_SOFTPLUS,    0.0f,  0.0f, -30.0f, 30.0f, 4 * EPS, 0,          "softplus" },
    { RT_UN_SOFTSIGN,    0.0f,  0.0f, -50.0f, 50.0f, 4 * EPS, 0,          "softsign" },
    { RT_UN_CLIP,        -1.0f, 2.5f,  -8.0f, 8.0f, 0,        0,          "clip" },
    { RT_UN_CLIP,        0.0f,  6.0f,  -8.0f, 8.0f, 0,        0,          "clip_relu6" },
    { RT_UN_SQRT,        0.0f,  0.0f,   0.0f, 100.0f, EPS / 2, 0,         "sqrt" },
    { RT_UN_EXP,         0.0f,  0.0f, -80.0f, 80.0f, 4 * EPS, 0,          "exp" },
    { RT_UN_LOG,         0.0f,  0.0f,   1e-6f, 1e6f, 4 * EPS, 0,          "log" },
    { RT_UN_ABS,         0.0f,  0.0f,  -8.0f, 8.0f, 0,        0,          "abs" },
    { RT_UN_NEG,         0.0f,  0.0f,  -8.0f, 8.0f, 0,        0,          "neg" },
    { RT_UN_RECIPROCAL,  0.0f,  0.0f,  -8.0f, 8.0f, EPS / 2,  0,          "reciprocal" },
    { RT_UN_AFFINE,      0.5f,  -1.25f, -8.0f, 8.0f, 4 * EPS, 16 * EPS,   "affine" },
};

ParameterizedTestParameters(unary, matches_reference)
{
    return cr_make_param_array(unary_case, (void *)unary_cases, RT_ARRAY_LEN(unary_cases));
}

ParameterizedTest(const unary_case *c, unary, matches_reference)
{
    enum { N = 4099 };
    float *x = rt_tfloats(N), *y = rt_tfloats(N), *yi = rt_tfloats(N);
    double *ref = rt_tdoubles(N), *tol = rt_tdoubles(N);
    rt_unary_params p;
    memset(&p, 0, sizeof p);
    rt_trng r = { 42 + (uint64_t)c->op };
    int64_t i;

    rt_fill(x, N, &r, c->lo, c->hi);
    x[0] = 0.0f;                          /* the kinks and edges of the range */
    x[1] = c->lo;
    x[2] = -0.0f;
    if (c->lo < 0.0f) {
        x[3] = -3.0f;                     /* hardswish's and relu6's corners */
        x[4] = 3.0f;
    }
    for (i = 0; i < N; i++) {
        ref[i] = ref_unary(c->op, x[i], c->alpha, c->beta);
        tol[i] = c->atol + c->rtol * fabs(ref[i]);
    }
    p.op = c->op;
    p.alpha = c->alpha;
    p.beta = c->beta;
    p.n = N;
    rt_unary_forward(y, x, &p);
    rt_check(c->name, y, ref, tol, N);

    /* In place gives the very same bits. */
    memcpy(yi, x, N * sizeof(float));
    rt_unary_forward(yi, yi, &p);
    cr_assert(memcmp(yi, y, N * sizeof(float)) == 0, "%s: in place differs", c->name);

    free(x); free(y); free(yi); free(ref); free(tol);
}

/* Call one unary op on a short array. */
static void run_unary(float *y, const float *x, int64_t n, rt_unary_op op, float a, float b)
{
    rt_unary_params p;
    memset(&p, 0, sizeof p);
    p.op = op;
    p.alpha = a;
    p.beta = b;
    p.n = n;
    rt_unary_forward(y, x, &p);
}

/* The examples of the ONNX operator documentation, x = [-1, 0, 1]. */
Test(unary, onnx_examples)
{
    static const float x[3] = { -1.0f, 0.0f, 1.0f };
    float y[3];
    {
        static const double want[3] = { -3.79272318, 0.0, 3.0 };      /* Selu alpha 2 gamma 3 */
        run_unary(y, x, 3, RT_UN_SELU, 2.0f, 3.0f);
        rt_check_known("selu", y, want, 3);
    }
    {
        static const double want[3] = { -1.26424112, 0.0, 1.0 };      /* Elu alpha 2 */
        run_unary(y, x, 3, RT_UN_ELU, 2.0f, 0.0f);
        rt_check_known("elu", y, want, 3);
    }
    {
        static const double want[3] = { -0.1, 0.0, 1.0 };             /* LeakyRelu alpha 0.1 */
        run_unary(y, x, 3, RT_UN_LEAKYRELU, 0.1f, 0.0f);
        rt_check_known("leakyrelu", y, want, 3);
    }
    {
        static const double want[3] = { 0.1, 0.6, 1.0 };              /* HardSigmoid 0.5, 0.6 */
        run_unary(y, x, 3, RT_UN_HARDSIGMOID, 0.5f, 0.6f);
        rt_check_known("hardsigmoid", y, want, 3);
    }
    {
        static const double want[3] = { -0.5, 0.0, 0.5 };
        run_unary(y, x, 3, RT_UN_SOFTSIGN, 0.0f, 0.0f);
        rt_check_known("softsign", y, want, 3);
    }
    {
        static const double want[3] = { 0.31326169, 0.69314718, 1.31326169 };
        run_unary(y, x, 3, RT_UN_SOFTPLUS, 0.0f, 0.0f);
        rt_check_known("softplus", y, want, 3);
    }
    {
        static const double want[3] = { 0.26894142, 0.5, 0.73105858 };
        run_unary(y, x, 3, RT_UN_SIGMOID, 0.0f, 0.0f);
        rt_check_known("sigmoid", y, want, 3);
    }
    {
        static const float xc[3] = { -2.0f, 0.0f, 2.0f };             /* Clip -1, 1 */
        static const double want[3] = { -1.0, 0.0, 1.0 };
        run_unary(y, xc, 3, RT_UN_CLIP, -1.0f, 1.0f);
        rt_check_known("clip", y, want, 3);
    }
    {
        /* HardSwish by hand: x * clamp(x/6 + 1/2): -4 -> 0, -1 -> -1/3, 1 -> 2/3, 4 -> 4 */
        static const float xh[4] = { -4.0f, -1.0f, 1.0f, 4.0f };
        static const double want[4] = { 0.0, -1.0 / 3.0, 2.0 / 3.0, 4.0 };
        float yh[4];
        run_unary(yh, xh, 4, RT_UN_HARDSWISH, 0.0f, 0.0f);
        rt_check_known("hardswish", yh, want, 4);
    }
}

/* Large |x| must neither overflow nor lose the result. */
Test(unary, extremes_are_stable)
{
    static const float x[4] = { -100.0f, 100.0f, -1000.0f, 1000.0f };
    float y[4];
    run_unary(y, x, 4, RT_UN_SOFTPLUS, 0.0f, 0.0f);
    cr_expect(y[1] == 100.0f && y[3] == 1000.0f, "softplus(large) = %g, %g", y[1], y[3]);
    /* softplus(-100) = e^-100 = 3.72e-44, a float denormal: within one denormal step. */
    cr_expect(fabs(y[0] - 3.720075976020836e-44) <= 1.5e-45, "softplus(-100) = %g", y[0]);
    cr_expect(y[2] == 0.0f, "softplus(-1000) = %g", y[2]);
    run_unary(y, x, 4, RT_UN_SIGMOID, 0.0f, 0.0f);
    cr_expect(y[1] == 1.0f && y[3] == 1.0f && y[2] == 0.0f, "sigmoid saturation");
    cr_expect(y[0] > 0.0f && !isnan(y[0]), "sigmoid(-100) = %g", y[0]);
    run_unary(y, x, 4, RT_UN_TANH, 0.0f, 0.0f);
    cr_expect(y[0] == -1.0f && y[1] == 1.0f, "tanh saturation");
    run_unary(y, x, 4, RT_UN_ELU, 1.0f, 0.0f);
    cr_expect(y[0] == -1.0f && y[2] == -1.0f, "elu(-large) = -alpha");
}

/* NaN goes through every function rather than being clamped away. */
Test(unary, nan_propagates)
{
    int op;
    for (op = 0; op < RT_UN_COUNT; op++) {
        float x = NAN, y = 0.0f;
        run_unary(&y, &x, 1, (rt_unary_op)op, 0.5f, 0.75f);
        cr_expect(isnan(y), "op %d: NaN in gives %g", op, y);
    }
}

/* ================================================================ binary */

static double ref_binary(rt_binary_op op, double a, double b)
{
    switch (op) {
    case RT_BIN_ADD:   return a + b;
    case RT_BIN_SUB:   return a - b;
    case RT_BIN_MUL:   return a * b;
    case RT_BIN_DIV:   return a / b;
    case RT_BIN_POW:   return pow(a, b);
    case RT_BIN_MAX:   return isnan(a) || isnan(b) ? NAN : (a > b ? a : b);
    case RT_BIN_MIN:   return isnan(a) || isnan(b) ? NAN : (a < b ? a : b);
    case RT_BIN_PRELU: return a >= 0 ? a : b * a;
    case RT_BIN_COUNT: break;
    }
    return NAN;
}

/* Two operand shapes, numpy-style (rank 0 allowed, aligned at the right). */
typedef struct {
    int an, bn;
    int64_t as[RT_MAX_DIMS], bs[RT_MAX_DIMS];
    char name[24];
} bcast_case;

static const bcast_case bcast_cases[] = {
    { 1, 1, { 7 }, { 7 }, "same_1d" },
    { 4, 4, { 2, 3, 4, 5 }, { 2, 3, 4, 5 }, "same_4d" },
    { 0, 3, { 0 }, { 2, 3, 4 }, "scalar_a" },
    { 3, 0, { 2, 3, 4 }, { 0 }, "scalar_b" },
    { 0, 0, { 0 }, { 0 }, "scalar_scalar" },
    { 4, 1, { 2, 3, 4, 5 }, { 5 }, "trailing_vector" },
    { 4, 3, { 2, 3, 4, 5 }, { 3, 1, 1 }, "channel_bias" },
    { 3, 4, { 3, 1, 1 }, { 2, 3, 4, 5 }, "channel_bias_left" },
    { 3, 3, { 3, 1, 5 }, { 1, 4, 1 }, "both_ways" },
    { 2, 3, { 4, 1 }, { 2, 1, 6 }, "both_ways_ranks" },
    { 4, 4, { 1, 3, 1, 5 }, { 2, 1, 4, 1 }, "alternating" },
    { 1, 2, { 1 }, { 3, 4 }, "one_elem" },
    { 2, 2, { 5, 1 }, { 5, 6 }, "column" },
    { 7, 7, { 2, 1, 2, 1, 2, 1, 3 }, { 1, 2, 1, 2, 1, 3, 1 }, "rank7" },
    { 3, 2, { 2, 0, 3 }, { 1, 3 }, "empty" },
    { 2, 2, { 1, 1 }, { 1, 1 }, "all_ones" },
};

/* Fill rt_binary_params for y = a op b from the two operand shapes: y's
 * shape is the broadcast shape, an operand's stride along a y axis is its
 * dense stride there, or 0 where it has size 1 or lacks the axis. */
static void bcast_params(rt_binary_params *p, const bcast_case *c, rt_binary_op op)
{
    int64_t ad[RT_MAX_DIMS], bd[RT_MAX_DIMS];
    int nd = c->an > c->bn ? c->an : c->bn, i;
    int64_t sa = 1, sb = 1;

    p->op = op;
    p->ndim = nd > 0 ? nd : 1;
    for (i = 0; i < nd; i++) {
        const int ia = i - (nd - c->an), ib = i - (nd - c->bn);
        ad[i] = ia >= 0 ? c->as[ia] : 1;
        bd[i] = ib >= 0 ? c->bs[ib] : 1;
        p->shape[i] = ad[i] == 1 ? bd[i] : ad[i];
    }
    for (i = nd - 1; i >= 0; i--) {
        p->astride[i] = ad[i] == 1 ? 0 : sa;
        p->bstride[i] = bd[i] == 1 ? 0 : sb;
        sa *= ad[i];
        sb *= bd[i];
    }
    if (nd == 0) {                  /* two scalars: one axis of size 1 */
        p->shape[0] = 1;
        p->astride[0] = p->bstride[0] = 0;
    }
}

/* Reference: for each flat y index, unravel it and pick each operand's
 * element by clamping its index to 0 on its size-1 (broadcast) axes. */
static void bcast_ref(double *ref, const float *a, const float *b, const bcast_case *c,
                      const rt_binary_params *p)
{
    const int nd = c->an > c->bn ? c->an : c->bn;
    const int64_t n = rt_prod(p->shape, p->ndim);
    int64_t f;
    for (f = 0; f < n; f++) {
        int64_t rem = f, ai = 0, bi = 0, am = 1, bm = 1;
        int i;
        for (i = nd - 1; i >= 0; i--) {
            const int64_t yi = rem % p->shape[i];
            const int ia = i - (nd - c->an), ib = i - (nd - c->bn);
            rem /= p->shape[i];
            if (ia >= 0) {
                ai += (c->as[ia] == 1 ? 0 : yi) * am;
                am *= c->as[ia];
            }
            if (ib >= 0) {
                bi += (c->bs[ib] == 1 ? 0 : yi) * bm;
                bm *= c->bs[ib];
            }
        }
        ref[f] = ref_binary(p->op, a[ai], b[bi]);
    }
}

ParameterizedTestParameters(binary, broadcast)
{
    return cr_make_param_array(bcast_case, (void *)bcast_cases, RT_ARRAY_LEN(bcast_cases));
}

/*
 * Every op over every broadcast pattern. Add, sub, mul, div, max, min and
 * PRelu are one correctly rounded float operation (or none), and the double
 * result rounded to float is that same correctly rounded value (double has
 * more than 2 * 24 + 2 bits), so they must match exactly. Pow goes through
 * libm's powf: relative 2 * FLT_EPSILON (powf is within 1 ulp).
 */
ParameterizedTest(const bcast_case *c, binary, broadcast)
{
    const int64_t na = rt_prod(c->as, c->an), nb = rt_prod(c->bs, c->bn);
    float *a = rt_tfloats(na), *b = rt_tfloats(nb);
    rt_trng r = { 7 };
    int op;

    for (op = 0; op < RT_BIN_COUNT; op++) {
        rt_binary_params p;
        int64_t ny, i;
        float *y;
        double *ref, *tol;

        bcast_params(&p, c, (rt_binary_op)op);
        ny = rt_prod(p.shape, p.ndim);
        y = rt_tfloats(ny);
        ref = rt_tdoubles(ny);
        tol = rt_tdoubles(ny);
        if (op == RT_BIN_POW) {
            rt_fill(a, na, &r, 0.25f, 4.0f);
            rt_fill(b, nb, &r, -4.0f, 4.0f);
        } else {
            rt_fill(a, na, &r, -4.0f, 4.0f);
            rt_fill(b, nb, &r, -4.0f, 4.0f);
        }
        for (i = 0; i < ny; i++)
            y[i] = -12345.0f;
        rt_binary_forward(y, a, b, &p);
        bcast_ref(ref, a, b, c, &p);
        for (i = 0; i < ny; i++)
            tol[i] = 2 * FLT_EPSILON * fabs(ref[i]);
        rt_check(c->name, y, ref, op == RT_BIN_POW ? tol : NULL, ny);
        free(y); free(ref); free(tol);
    }
    free(a); free(b);
}

/* y == a and y == b, where that operand has y's full shape. */
Test(binary, in_place)
{
    static const bcast_case c = { 4, 3, { 2, 3, 4, 5 }, { 3, 1, 5 }, "in_place" };
    enum { NA = 120, NB = 15 };
    float a[NA], b[NB], y[NA], ya[NA];
    rt_binary_params p;
    rt_trng r = { 3 };
    int op;

    for (op = 0; op < RT_BIN_COUNT; op++) {
        bcast_params(&p, &c, (rt_binary_op)op);
        rt_fill(a, NA, &r, 0.5f, 2.0f);
        rt_fill(b, NB, &r, -2.0f, 2.0f);
        rt_binary_forward(y, a, b, &p);
        memcpy(ya, a, sizeof a);
        rt_binary_forward(ya, ya, b, &p);                 /* y == a */
        cr_assert(memcmp(ya, y, sizeof y) == 0, "op %d: y == a differs", op);
    }
    {
        /* y == b: b full, a broadcast. */
        static const bcast_case cb = { 1, 2, { 4 }, { 3, 4 }, "in_place_b" };
        float a2[4], b2[12], y2[12], yb[12];
        for (op = 0; op < RT_BIN_COUNT; op++) {
            bcast_params(&p, &cb, (rt_binary_op)op);
            rt_fill(a2, 4, &r, 0.5f, 2.0f);
            rt_fill(b2, 12, &r, -2.0f, 2.0f);
            rt_binary_forward(y2, a2, b2, &p);
            memcpy(yb, b2, sizeof b2);
            rt_binary_forward(yb, a2, yb, &p);
            cr_assert(memcmp(yb, y2, sizeof y2) == 0, "op %d: y == b differs", op);
        }
    }
}

/* Non-dense operand strides (a transposed view), which the compiler may pass
 * for a fused transpose: y[i, j] = a[j, i] + b[i, j]. */
Test(binary, strided_operand)
{
    enum { R = 3, C = 5 };
    float a[C * R], b[R * C], y[R * C];
    double ref[R * C];
    rt_binary_params p;
    rt_trng r = { 11 };
    int i, j;

    rt_fill(a, C * R, &r, -1.0f, 1.0f);
    rt_fill(b, R * C, &r, -1.0f, 1.0f);
    p.op = RT_BIN_SUB;
    p.ndim = 2;
    p.shape[0] = R; p.shape[1] = C;
    p.astride[0] = 1; p.astride[1] = R;
    p.bstride[0] = C; p.bstride[1] = 1;
    rt_binary_forward(y, a, b, &p);
    for (i = 0; i < R; i++)
        for (j = 0; j < C; j++)
            ref[i * C + j] = (double)a[j * R + i] - b[i * C + j];
    rt_check("strided", y, ref, NULL, R * C);
}

/* Max and Min return NaN when either side is NaN, in either position. */
Test(binary, max_min_nan)
{
    const float a[4] = { NAN, 1.0f, NAN, -2.0f };
    const float b[4] = { 1.0f, NAN, NAN, 3.0f };
    float y[4];
    rt_binary_params p;
    p.ndim = 1;
    p.shape[0] = 4;
    p.astride[0] = p.bstride[0] = 1;
    p.op = RT_BIN_MAX;
    rt_binary_forward(y, a, b, &p);
    cr_expect(isnan(y[0]) && isnan(y[1]) && isnan(y[2]) && y[3] == 3.0f, "max NaN");
    p.op = RT_BIN_MIN;
    rt_binary_forward(y, a, b, &p);
    cr_expect(isnan(y[0]) && isnan(y[1]) && isnan(y[2]) && y[3] == -2.0f, "min NaN");
}

/* Examples from the ONNX documentation and small hand-computed cases. */
Test(binary, onnx_examples)
{
    rt_binary_params p;
    float y[6];
    p.ndim = 1;
    p.shape[0] = 3;
    p.astride[0] = p.bstride[0] = 1;
    {
        /* Pow: [1, 2, 3] ^ [4, 5, 6] = [1, 32, 729]; [1, 2, 3] ^ 2 = [1, 4, 9] */
        const float a[3] = { 1, 2, 3 }, b[3] = { 4, 5, 6 }, two = 2;
        const float w1[3] = { 1, 32, 729 }, w2[3] = { 1, 4, 9 };
        p.op = RT_BIN_POW;
        rt_binary_forward(y, a, b, &p);
        rt_check_exact("pow", y, w1, 3);
        p.bstride[0] = 0;
        rt_binary_forward(y, a, &two, &p);
        rt_check_exact("pow_scalar", y, w2, 3);
        p.bstride[0] = 1;
    }
    {
        /* Pow with a negative base and integer exponents: (-2)^3 = -8, (-2)^2 = 4,
         * (-2)^-1 = -0.5; a fractional exponent gives NaN. */
        const float a[3] = { -2, -2, -2 }, b[3] = { 3, 2, -1 }, bf = 0.5f;
        const float w[3] = { -8, 4, -0.5f };
        p.op = RT_BIN_POW;
        rt_binary_forward(y, a, b, &p);
        rt_check_exact("pow_negative_base", y, w, 3);
        p.shape[0] = 1;
        p.bstride[0] = 0;
        rt_binary_forward(y, a, &bf, &p);
        cr_expect(isnan(y[0]), "(-2)^0.5 = %g", y[0]);
        p.shape[0] = 3;
        p.bstride[0] = 1;
    }
    {
        /* PRelu: x = [-2, 0, 3], slope [0.25] broadcast -> [-0.5, 0, 3] */
        const float a[3] = { -2, 0, 3 }, s = 0.25f, w[3] = { -0.5f, 0, 3 };
        p.op = RT_BIN_PRELU;
        p.bstride[0] = 0;
        rt_binary_forward(y, a, &s, &p);
        rt_check_exact("prelu", y, w, 3);
        p.bstride[0] = 1;
    }
    {
        /* Max / Min: [3, 2, 1] vs [1, 4, 4] -> [3, 4, 4] and [1, 2, 1] */
        const float a[3] = { 3, 2, 1 }, b[3] = { 1, 4, 4 };
        const float wmax[3] = { 3, 4, 4 }, wmin[3] = { 1, 2, 1 };
        p.op = RT_BIN_MAX;
        rt_binary_forward(y, a, b, &p);
        rt_check_exact("max", y, wmax, 3);
        p.op = RT_BIN_MIN;
        rt_binary_forward(y, a, b, &p);
        rt_check_exact("min", y, wmin, 3);
    }
    {
        /* Add with broadcasting [2, 3] + [3]: [[1,2,3],[4,5,6]] + [10,20,30] */
        const float a[6] = { 1, 2, 3, 4, 5, 6 }, b[3] = { 10, 20, 30 };
        const float w[6] = { 11, 22, 33, 14, 25, 36 };
        p.op = RT_BIN_ADD;
        p.ndim = 2;
        p.shape[0] = 2; p.shape[1] = 3;
        p.astride[0] = 3; p.astride[1] = 1;
        p.bstride[0] = 0; p.bstride[1] = 1;
        rt_binary_forward(y, a, b, &p);
        rt_check_exact("add_bcast", y, w, 6);
    }
}
