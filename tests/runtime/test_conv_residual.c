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
