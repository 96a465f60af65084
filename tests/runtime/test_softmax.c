/*
 * test_softmax.c - Softmax and LogSoftmax.
 */
#include "rt_test.h"

typedef struct {
    int64_t outer, len, inner;
    float lo, hi;               /* input range */
    char name[24];
} softmax_case;

static const softmax_case softmax_cases[] = {
    { 1, 1, 1, -1.0f, 1.0f, "single" },
    { 4, 10, 1, -5.0f, 5.0f, "last_axis" },
    { 3, 7, 5, -5.0f, 5.0f, "middle_axis" },
    { 1, 6, 8, -5.0f, 5.0f, "first_axis" },
    { 2, 1000, 1, -10.0f, 10.0f, "long" },
    { 2, 9, 3, 990.0f, 1010.0f, "large_values" },
    { 2, 9, 3, -1010.0f, -990.0f, "large_negative" },
    { 2, 5, 2, -80.0f, 80.0f, "wide_range" },
};

ParameterizedTestParameters(softmax, matches_reference)
{
    return cr_make_param_array(softmax_case, (void *)softmax_cases, RT_ARRAY_LEN(softmax_cases));
}

/*
 * Reference in double: e_l = exp(x_l - max), y = e / sum e, and
 * log y = (x - max) - log(sum e). Float error, with R = the spread
 * max - min of the line (x - max is rounded, error <= u R, and exp turns an
 * absolute input error into a relative output error):
 *   softmax: each e_l relative (R + 2) u, the sum adds (len) u, the division
 *     u: relative tolerance (R + len + 4) FLT_EPSILON / 2, times 2 for slack
 *     in the first-order bound; plus FLT_MIN absolute, since results below
 *     FLT_MIN are denormal (absolute precision only) or flush to 0.
 *   log-softmax: absolute u R + (R + len + 4) u for log(sum) + u |y|:
 *     tolerance (2 R + len + 8) FLT_EPSILON / 2 * (1 + |y|) * 2.
 * Both are also checked in place and must give the same bits.
 */
ParameterizedTest(const softmax_case *c, softmax, matches_reference)
{
    const int64_t n = c->outer * c->len * c->inner;
    float *x = rt_tfloats(n), *y = rt_tfloats(n), *yi = rt_tfloats(n);
    double *ref = rt_tdoubles(n), *tol = rt_tdoubles(n);
    rt_softmax_params p;
    rt_trng r = { 53 };
    int lg;

    rt_fill(x, n, &r, c->lo, c->hi);
    for (lg = 0; lg < 2; lg++) {
        int64_t o, in, l;
        p.outer = c->outer; p.len = c->len; p.inner = c->inner; p.log = lg;
        rt_softmax_forward(y, x, &p);
        for (o = 0; o < c->outer; o++)
            for (in = 0; in < c->inner; in++) {
                double m = -INFINITY, mn = INFINITY, s = 0, spread;
                for (l = 0; l < c->len; l++) {
                    const double v = x[(o * c->len + l) * c->inner + in];
                    m = fmax(m, v);
                    mn = fmin(mn, v);
                }
                spread = m - mn;
                for (l = 0; l < c->len; l++)
                    s += exp(x[(o * c->len + l) * c->inner + in] - m);
                for (l = 0; l < c->len; l++) {
                    const int64_t f = (o * c->len + l) * c->inner + in;
                    const double d = x[f] - m;
                    if (lg) {
                        ref[f] = d - log(s);
                        tol[f] = (2 * spread + c->len + 8) * FLT_EPSILON * (1 + fabs(ref[f]));
                    } else {
                        ref[f] = exp(d) / s;
                        tol[f] = (spread + c->len + 4) * FLT_EPSILON * fabs(ref[f]) + FLT_MIN;
                    }
                }
            }
        rt_check(lg ? "logsoftmax" : "softmax", y, ref, tol, n);
        memcpy(yi, x, (size_t)n * sizeof(float));
        rt_softmax_forward(yi, yi, &p);
        cr_assert(memcmp(yi, y, (size_t)n * sizeof(float)) == 0, "%s: in place differs", c->name);
    }
    free(x); free(y); free(yi); free(ref); free(tol);
}

/* The ONNX examples: softmax([-1, 0, 1]) and logsoftmax([-1, 0, 1]); the
 * same line shifted by 1000 must give the same (no overflow). */
Test(softmax, onnx_examples)
{
    const float x[3] = { -1, 0, 1 }, xb[3] = { 999, 1000, 1001 };
    const double sm[3] = { 0.09003057, 0.24472847, 0.66524096 };
    const double lsm[3] = { -2.40760596, -1.40760596, -0.40760596 };
    float y[3];
    rt_softmax_params p;
    p.outer = 1; p.len = 3; p.inner = 1; p.log = 0;
    rt_softmax_forward(y, x, &p);
    rt_check_known("softmax_example", y, sm, 3);
    rt_softmax_forward(y, xb, &p);
    rt_check_known("softmax_large", y, sm, 3);
    p.log = 1;
    rt_softmax_forward(y, x, &p);
    rt_check_known("logsoftmax_example", y, lsm, 3);
    rt_softmax_forward(y, xb, &p);
    rt_check_known("logsoftmax_large", y, lsm, 3);
}
