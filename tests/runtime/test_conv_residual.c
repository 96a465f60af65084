/*
 * test_conv_residual.c - the conv epilogue with a fused residual Add
 * (rt_conv_params.accumulate): y = act(r + conv(x) + b) computed in place on
 * a y that holds r, against conv without accumulate followed by a separate
 * add and activation (the unfused graph). Exact comparison: the fused kernel
 * starts each sum from r + b where the unfused one adds r at the end, so
 * allow the rounding of one sum of K terms (rt_test.h's bound).
 */
#include "rt_test.h"

Test(conv_residual, accumulate_matches_separate_add)
{
    rt_trng rng = {7};
    rt_conv_params p = {.n = 2, .c = 4, .m = 6, .group = 2,
                        .in = {1, 5, 6}, .out = {1, 3, 3}, .k = {1, 3, 3},
                        .stride = {1, 2, 2}, .pad = {0, 1, 1}, .dilation = {1, 1, 1},
                        .act = RT_UN_RELU, .act_alpha = 0.0f, .act_beta = 0.0f};
    enum { X = 2 * 4 * 5 * 6, W = 6 * 2 * 9, Y = 2 * 6 * 3 * 3 };
    float x[X], w[W], b[6], r[Y], fused[Y], plain[Y];
    for (int i = 0; i < X; i++)
        x[i] = rt_rng_float(&rng, -1, 1);
    for (int i = 0; i < W; i++)
        w[i] = rt_rng_float(&rng, -1, 1);
    for (int i = 0; i < 6; i++)
        b[i] = rt_rng_float(&rng, -1, 1);
    for (int i = 0; i < Y; i++)
        r[i] = fused[i] = rt_rng_float(&rng, -2, 2);

    p.accumulate = 1;
    rt_conv_forward(fused, x, w, b, &p);

    p.accumulate = 0;
    p.act = RT_UN_NONE;
    rt_conv_forward(plain, x, w, b, &p);
    for (int i = 0; i < Y; i++) {
        float want = plain[i] + r[i];
        want = want > 0.0f ? want : 0.0f;
        /* K = 2 * 9 products plus bias and residual */
        float tol = 24 * FLT_EPSILON * (fabsf(want) + 20.0f);
        cr_assert(fabsf(fused[i] - want) <= tol, "y[%d] = %g, want %g", i, fused[i], want);
    }
}

/* The same check on the fast paths: the blocked GEMM (pointwise, 3x3 with K
 * beyond one k block, so partial sums pass through y between blocks) and
 * depthwise 3x3 (stride 1 and 2), with ReLU and without. Tolerance as above
 * for K terms of magnitude <= 1 plus bias and residual: (K + 6) eps (|want| + K + 3). */
typedef struct {
    int c, m, group;
    int64_t in1, in2, k, stride, pad;
    rt_unary_op act;
    char name[24];
} residual_case;

static const residual_case residual_cases[] = {
    { 40, 21, 1, 7, 9, 1, 1, 0, RT_UN_RELU, "pointwise" },
    { 30, 10, 1, 9, 11, 3, 1, 1, RT_UN_NONE, "3x3_K270" },
    { 5, 5, 5, 19, 21, 3, 1, 1, RT_UN_RELU, "dw_s1" },
    { 5, 5, 5, 19, 40, 3, 2, 1, RT_UN_NONE, "dw_s2" },
    { 64, 64, 64, 25, 5, 3, 1, 1, RT_UN_RELU, "dw_s1_25x5" },
    { 6, 6, 6, 7, 3, 3, 1, 1, RT_UN_NONE, "dw_s1_7x3" },
    { 6, 6, 6, 12, 13, 3, 2, 1, RT_UN_RELU, "dw_s2_12x13" },
    { 16, 20, 1, 9, 13, 3, 2, 1, RT_UN_RELU, "3x3_s2" },
    { 8, 13, 1, 40, 60, 3, 1, 1, RT_UN_NONE, "3x3_blocks" },
    { 16, 16, 1, 8, 8, 3, 1, 1, RT_UN_RELU, "3x3_8x8_compact" },
    { 8, 24, 1, 16, 15, 3, 2, 1, RT_UN_NONE, "3x3_s2_8wide_compact" },
    { 12, 8, 1, 5, 8, 3, 1, 1, RT_UN_NONE, "3x3_5x8_compact" },
    { 16, 16, 1, 9, 32, 3, 1, 1, RT_UN_RELU, "3x3_9x32" },
    { 8, 16, 1, 14, 32, 3, 2, 1, RT_UN_RELU, "3x3_s2_16wide" },
    { 16, 32, 1, 32, 32, 3, 2, 1, RT_UN_RELU, "3x3_s2_resnet8" },  /* r8s2f */
    { 5, 11, 1, 17, 33, 3, 2, 0, RT_UN_NONE, "3x3_s2_odd_pad0" },  /* r8s2f */
};

ParameterizedTestParameters(conv_residual, fast_paths)
{
    return cr_make_param_array(residual_case, (void *)residual_cases, RT_ARRAY_LEN(residual_cases));
}

ParameterizedTest(const residual_case *c, conv_residual, fast_paths)
{
    rt_trng rng = {11};
    rt_conv_params p;
    int64_t nx, nw, ny, i, K;
    float *x, *w, *b, *fused, *plain, *r;

    memset(&p, 0, sizeof p);
    p.n = 1; p.c = c->c; p.m = c->m; p.group = c->group;
    p.in[0] = 1; p.in[1] = c->in1; p.in[2] = c->in2;
    p.k[0] = 1; p.k[1] = p.k[2] = c->k;
    p.stride[0] = 1; p.stride[1] = p.stride[2] = c->stride;
    p.pad[1] = p.pad[2] = c->pad;
    p.dilation[0] = p.dilation[1] = p.dilation[2] = 1;
    p.out[0] = 1;
    p.out[1] = (c->in1 + 2 * c->pad - c->k) / c->stride + 1;
    p.out[2] = (c->in2 + 2 * c->pad - c->k) / c->stride + 1;
    K = (int64_t)(c->c / c->group) * c->k * c->k;
    nx = (int64_t)c->c * c->in1 * c->in2;
    nw = (int64_t)c->m * K;
    ny = (int64_t)c->m * p.out[1] * p.out[2];
    x = rt_tfloats(nx); w = rt_tfloats(nw); b = rt_tfloats(c->m);
    fused = rt_tfloats(ny); plain = rt_tfloats(ny); r = rt_tfloats(ny);
    rt_fill(x, nx, &rng, -1, 1);
    rt_fill(w, nw, &rng, -1, 1);
    rt_fill(b, c->m, &rng, -1, 1);
    rt_fill(r, ny, &rng, -2, 2);
    memcpy(fused, r, (size_t)ny * sizeof(float));

    p.act = c->act;
    p.accumulate = 1;
    rt_conv_forward(fused, x, w, b, &p);
    p.accumulate = 0;
    p.act = RT_UN_NONE;
    rt_conv_forward(plain, x, w, b, &p);
    for (i = 0; i < ny; i++) {
        float want = plain[i] + r[i];
        float tol;
        if (c->act == RT_UN_RELU)
            want = want > 0.0f ? want : 0.0f;
        tol = (float)(K + 6) * FLT_EPSILON * (fabsf(want) + (float)K + 3.0f);
        cr_assert(fabsf(fused[i] - want) <= tol, "%s: y[%lld] = %g, want %g", c->name,
                  (long long)i, fused[i], want);
    }
    free(x); free(w); free(b); free(fused); free(plain); free(r);
}
