/*
 * test_norm.c - batch norm, instance norm, LRN.
 */
#include "rt_test.h"

typedef struct {
    int64_t n, c, size;
    float eps;
    char name[24];
} norm_case;

static const norm_case norm_cases[] = {
    { 1, 1, 1, 1e-5f, "single" },
    { 2, 3, 20, 1e-5f, "small" },
    { 1, 8, 49, 1e-3f, "7x7" },
    { 3, 2, 1000, 1e-5f, "long_rows" },
    { 2, 5, 2, 0.5f, "big_eps" },
    { 3, 19, 1, 1e-5f, "after_gemm_19" },
};

ParameterizedTestParameters(batchnorm, matches_reference)
{
    return cr_make_param_array(norm_case, (void *)norm_cases, RT_ARRAY_LEN(norm_cases));
}

/*
 * y = scale * (x - mean) / sqrt(var + eps) + bias, in double. The kernel
 * does about six float roundings (var + eps, sqrt, scale / ., x - mean, the
 * product, + bias); each is relative to a term no larger than
 * |scale (x - mean) / sqrt(var + eps)| + |bias| + |mean scale / sqrt(..)|, so
 * the tolerance is 8 * FLT_EPSILON times that magnitude. Also run in place.
 */
ParameterizedTest(const norm_case *c, batchnorm, matches_reference)
{
    const int64_t nx = c->n * c->c * c->size;
    float *x = rt_tfloats(nx), *y = rt_tfloats(nx), *yi = rt_tfloats(nx);
    float *scale = rt_tfloats(c->c), *bias = rt_tfloats(c->c), *mean = rt_tfloats(c->c);
    float *var = rt_tfloats(c->c);
    double *ref = rt_tdoubles(nx), *tol = rt_tdoubles(nx);
    rt_norm_params p;
    memset(&p, 0, sizeof p);
    rt_trng r = { 31 };
    int64_t i;

    rt_fill(x, nx, &r, -3.0f, 5.0f);
    rt_fill(scale, c->c, &r, -2.0f, 2.0f);
    rt_fill(bias, c->c, &r, -1.0f, 1.0f);
    rt_fill(mean, c->c, &r, -1.0f, 2.0f);
    rt_fill(var, c->c, &r, 0.0f, 3.0f);
    var[0] = 0.0f;                      /* eps alone keeps it finite */
    p.n = c->n; p.c = c->c; p.size = c->size; p.eps = c->eps;
    rt_batchnorm_forward(y, x, scale, bias, mean, var, &p);
    for (i = 0; i < nx; i++) {
        const int64_t ch = (i / c->size) % c->c;
        const double sd = sqrt((double)var[ch] + (double)c->eps);
        const double t = scale[ch] * ((double)x[i] - mean[ch]) / sd;
        ref[i] = t + bias[ch];
        tol[i] = 8 * FLT_EPSILON * (fabs(t) + fabs(bias[ch]) + fabs(scale[ch] * mean[ch] / sd));
    }
    rt_check(c->name, y, ref, tol, nx);
    memcpy(yi, x, (size_t)nx * sizeof(float));
    rt_batchnorm_forward(yi, yi, scale, bias, mean, var, &p);
    cr_assert(memcmp(yi, y, (size_t)nx * sizeof(float)) == 0, "%s: in place differs", c->name);
    free(x); free(y); free(yi); free(scale); free(bias); free(mean); free(var); free(ref); free(tol);
}

ParameterizedTestParameters(instancenorm, matches_reference)
{
    return cr_make_param_array(norm_case, (void *)norm_cases, RT_ARRAY_LEN(norm_cases));
}

/*
 * Per-row mean and population variance in double, then the affine map.
 * Float error: the mean is a sum of S = size terms, off by at most
 * e_mu = rt_sum_tol(S, 1, sum |x|) / S; the variance is a sum of S squares,
 * relative error ~ (S + 4) eps (a shift of the mean by e_mu changes it only
 * to second order). So y - bias = k (x - mu) is off by |k| (e_mu + eps |x - mu|)
 * plus |y - bias| (S + 8) eps / 2 + 2 ulp for the final add, where
 * k = scale / sqrt(var + eps).
 */
ParameterizedTest(const norm_case *c, instancenorm, matches_reference)
{
    const int64_t S = c->size, nx = c->n * c->c * S;
    float *x = rt_tfloats(nx), *y = rt_tfloats(nx), *yi = rt_tfloats(nx);
    float *scale = rt_tfloats(c->c), *bias = rt_tfloats(c->c);
    double *ref = rt_tdoubles(nx), *tol = rt_tdoubles(nx);
    rt_norm_params p;
    memset(&p, 0, sizeof p);
    rt_trng r = { 37 };
    int64_t row, i;

    rt_fill(x, nx, &r, -1.0f, 4.0f);        /* a mean away from 0 */
    rt_fill(scale, c->c, &r, -2.0f, 2.0f);
    rt_fill(bias, c->c, &r, -1.0f, 1.0f);
    p.n = c->n; p.c = c->c; p.size = S; p.eps = c->eps;
    rt_instancenorm_forward(y, x, scale, bias, &p);
    for (row = 0; row < c->n * c->c; row++) {
        const int64_t ch = row % c->c;
        const float *xr = x + row * S;
        double mu = 0, var = 0, mag = 0, k, emu;
        for (i = 0; i < S; i++) {
            mu += xr[i];
            mag += fabs(xr[i]);
        }
        mu /= S;
        for (i = 0; i < S; i++)
            var += (xr[i] - mu) * (xr[i] - mu);
        var /= S;
        k = scale[ch] / sqrt(var + c->eps);
        emu = rt_sum_tol(S, 1, mag) / S;
        for (i = 0; i < S; i++) {
            const double t = k * (xr[i] - mu);
            ref[row * S + i] = t + bias[ch];
            tol[row * S + i] = fabs(k) * (emu + FLT_EPSILON * fabs(xr[i] - mu)) +
                               fabs(t) * (S + 8) * FLT_EPSILON / 2 +
                               2 * FLT_EPSILON * (fabs(t) + fabs(bias[ch]));
        }
    }
    rt_check(c->name, y, ref, tol, nx);
    memcpy(yi, x, (size_t)nx * sizeof(float));
    rt_instancenorm_forward(yi, yi, scale, bias, &p);
    cr_assert(memcmp(yi, y, (size_t)nx * sizeof(float)) == 0, "%s: in place differs", c->name);
    free(x); free(y); free(yi); free(scale); free(bias); free(ref); free(tol);
}

/* The ONNX example: x = [[[-1, 0, 1]], [[2, 3, 4]]], scale [1, 1.5],
 * bias [0, 1], eps 1e-5 (values from the example's formula in numpy). */
Test(instancenorm, onnx_example)
{
    const float x[6] = { -1, 0, 1, 2, 3, 4 }, scale[2] = { 1, 1.5f }, bias[2] = { 0, 1 };
    const double want[6] = { -1.22473569, 0, 1.22473569, -0.83710353, 1, 2.83710353 };
    float y[6];
    rt_norm_params p;
    memset(&p, 0, sizeof p);
    p.n = 1; p.c = 2; p.size = 3; p.eps = 1e-5f;
    rt_instancenorm_forward(y, x, scale, bias, &p);
    rt_check_known("instancenorm_example", y, want, 6);
}

/* Hand-computed batch norm: x = [-1, 0, 1] one channel, mean 0, var 1,
 * scale 2, bias 0.5, eps 0 -> 2x + 0.5 = [-1.5, 0.5, 2.5]. */
Test(batchnorm, hand_computed)
{
    const float x[3] = { -1, 0, 1 }, s = 2, b = 0.5f, m = 0, v = 1;
    const double want[3] = { -1.5, 0.5, 2.5 };
    float y[3];
    rt_norm_params p;
    memset(&p, 0, sizeof p);
    p.n = 1; p.c = 1; p.size = 3; p.eps = 0.0f;
    rt_batchnorm_forward(y, x, &s, &b, &m, &v, &p);
    rt_check_known("batchnorm", y, want, 3);
}

/* ================================================================ LRN */

typedef struct {
    int64_t n, c, size, window;
    float alpha, beta, bias;
    char name[24];
} lrn_case;

static const lrn_case lrn_cases[] = {
    { 2, 5, 7, 3, 1e-4f, 0.75f, 1.0f, "default" },
    { 1, 5, 9, 3, 2e-4f, 0.5f, 2.0f, "onnx_test" },
    { 1, 6, 4, 1, 0.5f, 0.75f, 1.0f, "window1" },
    { 1, 6, 4, 2, 0.5f, 0.75f, 1.0f, "window2_even" },
    { 1, 7, 3, 4, 0.3f, 0.6f, 1.5f, "window4_even" },
    { 2, 8, 5, 5, 1.0f, 0.75f, 2.0f, "window5" },
    { 1, 3, 6, 7, 0.7f, 1.25f, 1.0f, "window_wider_than_c" },
    { 1, 1, 10, 3, 0.5f, 0.75f, 1.0f, "one_channel" },
};

ParameterizedTestParameters(lrn, matches_reference)
{
    return cr_make_param_array(lrn_case, (void *)lrn_cases, RT_ARRAY_LEN(lrn_cases));
}

/*
 * The window bounds of the ONNX reference (lrn.py): channels
 * max(0, c - floor((w-1)/2)) .. min(C-1, c + ceil((w-1)/2)).
 * Error: the sum of w squares is off by relative (w + 2) eps; the base
 * bias + alpha/w * sum (all terms positive) by (w + 5) eps; pow scales that
 * by beta and adds ~1 ulp; the division 1 more. Relative tolerance
 * (beta (w + 5) + 4) * FLT_EPSILON.
 */
ParameterizedTest(const lrn_case *c, lrn, matches_reference)
{
    const int64_t nx = c->n * c->c * c->size;
    float *x = rt_tfloats(nx), *y = rt_tfloats(nx);
    double *ref = rt_tdoubles(nx), *tol = rt_tdoubles(nx);
    const int64_t before = (int64_t)floor((c->window - 1) / 2.0);
    const int64_t after = (int64_t)ceil((c->window - 1) / 2.0);
    rt_lrn_params p;
    rt_trng r = { 41 };
    int64_t n, ch, s, cc;

    rt_fill(x, nx, &r, -3.0f, 3.0f);
    p.n = c->n; p.c = c->c; p.size = c->size; p.window = c->window;
    p.alpha = c->alpha; p.beta = c->beta; p.bias = c->bias;
    rt_lrn_forward(y, x, &p);
    for (n = 0; n < c->n; n++)
        for (ch = 0; ch < c->c; ch++)
            for (s = 0; s < c->size; s++) {
                const int64_t lo = ch - before > 0 ? ch - before : 0;
                const int64_t hi = ch + after < c->c - 1 ? ch + after : c->c - 1;
                const int64_t f = (n * c->c + ch) * c->size + s;
                double sq = 0;
                for (cc = lo; cc <= hi; cc++) {
                    const double v = x[(n * c->c + cc) * c->size + s];
                    sq += v * v;
                }
                ref[f] = x[f] / pow(c->bias + (double)c->alpha / c->window * sq, c->beta);
                tol[f] = (c->beta * (c->window + 5) + 4) * FLT_EPSILON * fabs(ref[f]);
            }
    rt_check(c->name, y, ref, tol, nx);
    free(x); free(y); free(ref); free(tol);
}

/* Hand-computed: one pixel, channels x = [1, 2, 3], size 2 (window [c, c+1]),
 * alpha 0.5, beta 0.75, bias 1: 1 / (1 + 0.25 * 5)^0.75, 2 / 4.25^0.75,
 * 3 / 3.25^0.75. */
Test(lrn, hand_computed)
{
    const float x[3] = { 1, 2, 3 };
    const double want[3] = { 0.54433105, 0.6756757, 1.23939213 };
    float y[3];
    rt_lrn_params p;
    p.n = 1; p.c = 3; p.size = 1; p.window = 2;
    p.alpha = 0.5f; p.beta = 0.75f; p.bias = 1.0f;
    rt_lrn_forward(y, x, &p);
    rt_check_known("lrn", y, want, 3);
}
