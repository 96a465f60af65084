/*
 * test_conv_fewc.c - dense 3x3 convolutions with few input channels (the
 * first layer of an image network: c = 1..4, K = 9c), which AVX-512
 * builds run in rt_conv_fewc512 (runtime/conv_fewc.c) and the others in the
 * planes product or the packed GEMM.
 *
 * Each case runs rt_conv_forward and is compared with a direct formula in
 * double: y = act(r + b + sum_{ic, t, u} w x), r the residual already in y
 * when the case accumulates. The cases cover c = 1..4, m off the kernel's
 * 4-channel tiles, rows of 16 to 256 columns (one or two 16-lane blocks
 * per tile, partial last blocks), pads 0, 1, 2 and asymmetric ones, one-row
 * maps (the first and last input row are the same), batches, bias or
 * none, ReLU and the other activations, the residual, at stride 1 and at
 * stride 2 (odd widths, pads of the rows 0..2, asymmetric); shapes the fast
 * path refuses (c = 5, rows too narrow or too wide, a row whose loads
 * would run past the next one, stride 2 with pad2 other than 1 or phase
 * rows over the stack buffer) run through the other paths. Against
 * an AVX-512 library (make test-avx512) each case also calls
 * rt_conv_fewc512 directly: it must take exactly the shapes marked fast (so
 * a case cannot pass by falling back), and what it computes is checked the
 * same way. x is allocated to its exact size, so a sanitizer build sees a
 * load outside it (checked with one built with -march=native).
 *
 * Tolerance: rt_sum_tol over the K products plus the bias and the residual
 * (2 extra roundings), then 4 ulp of the result for the activation (slope
 * <= 1 for the ones used).
 */
#include "rt_test.h"

/* runtime/conv_fewc.c (declared in rt_impl.h, not public API): in the
 * library only where it was built for AVX-512, so declared weak here: NULL
 * elsewhere (the tests are built without the library's target flags) */
int rt_conv_fewc512(float *y, const float *x, const float *w, const float *b,
                    const rt_conv_params *p) __attribute__((weak));

typedef struct {
    int n, c, m;
    int64_t in1, in2, s, pb1, pb2, pe1, pe2;
    int bias, residual;
    rt_unary_op act;
    int fast;                   /* rt_conv_fewc512 takes it */
    char name[32];
} fewc_case;

static double fewc_act(rt_unary_op op, double v)
{
    switch (op) {
    case RT_UN_RELU:      return v > 0 || v != v ? v : 0;  /* NaN passes */
    case RT_UN_LEAKYRELU: return v >= 0 ? v : 0.1 * v;
    case RT_UN_SIGMOID:   return 1 / (1 + exp(-v));
    default:              return v;
    }
}

static void fewc_params(rt_conv_params *p, const fewc_case *c)
{
    memset(p, 0, sizeof *p);
    p->n = c->n;
    p->c = c->c;
    p->m = c->m;
    p->group = 1;
    p->in[0] = p->out[0] = p->k[0] = p->stride[0] = p->dilation[0] = 1;
    p->in[1] = c->in1;
    p->in[2] = c->in2;
    p->k[1] = p->k[2] = 3;
    p->stride[1] = p->stride[2] = c->s;
    p->dilation[1] = p->dilation[2] = 1;
    p->pad[1] = c->pb1;
    p->pad[2] = c->pb2;
    p->out[1] = (c->in1 + c->pb1 + c->pe1 - 3) / c->s + 1;
    p->out[2] = (c->in2 + c->pb2 + c->pe2 - 3) / c->s + 1;
    p->act = c->act;
    p->act_alpha = c->act == RT_UN_LEAKYRELU ? 0.1f : 0.0f;
    p->accumulate = c->residual;
}

/* ref[f], tol[f] for every output f of y = act(r + b + conv(x, w)). */
static void fewc_ref(double *ref, double *tol, const float *x, const float *w, const float *b,
                     const float *r, const rt_conv_params *p)
{
    int64_t n, oc, o1, o2, ic, t, u, f = 0;
    for (n = 0; n < p->n; n++)
        for (oc = 0; oc < p->m; oc++)
            for (o1 = 0; o1 < p->out[1]; o1++)
                for (o2 = 0; o2 < p->out[2]; o2++, f++) {
                    double s = (b ? b[oc] : 0.0) + (r ? r[f] : 0.0), v;
                    double mag = fabs(b ? b[oc] : 0.0) + fabs(r ? r[f] : 0.0);
                    for (ic = 0; ic < p->c; ic++)
                        for (t = 0; t < 3; t++)
                            for (u = 0; u < 3; u++) {
                                const int64_t i1 = o1 * p->stride[1] - p->pad[1] + t;
                                const int64_t i2 = o2 * p->stride[2] - p->pad[2] + u;
                                double pr;
                                if (i1 < 0 || i1 >= p->in[1] || i2 < 0 || i2 >= p->in[2])
                                    continue;
                                pr = (double)w[(oc * p->c + ic) * 9 + t * 3 + u] *
                                     x[((n * p->c + ic) * p->in[1] + i1) * p->in[2] + i2];
                                s += pr;
                                mag += fabs(pr);
                            }
                    v = fewc_act(p->act, s);
                    ref[f] = v;
                    tol[f] = rt_sum_tol(9 * p->c + 2, 2, mag) + 4 * FLT_EPSILON * fabs(v);
                }
}

#define S1 1
static const fewc_case fewc_cases[] = {
    /* n  c  m   in1  in2  s  pb1 pb2 pe1 pe2 bias res act             fast */
    { 1, 3, 16, 32, 32, S1, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 1, "resnet8_layer0" },
    { 3, 3, 16, 32, 32, S1, 1, 1, 1, 1, 1, 1, RT_UN_RELU, 1, "resnet8_batch3_residual" },
    { 1, 1, 5, 17, 19, S1, 1, 1, 1, 1, 0, 0, RT_UN_NONE, 1, "c1_m5_19wide" },
    { 2, 2, 7, 23, 33, S1, 1, 1, 1, 1, 1, 0, RT_UN_LEAKYRELU, 1, "c2_m7_33wide" },
    { 1, 4, 9, 5, 16, S1, 1, 1, 1, 1, 0, 1, RT_UN_RELU, 1, "c4_m9_residual" },
    { 2, 4, 17, 9, 31, S1, 1, 1, 1, 1, 1, 0, RT_UN_SIGMOID, 1, "c4_m17_sigmoid" },
    { 1, 3, 13, 11, 47, S1, 0, 0, 0, 0, 1, 0, RT_UN_RELU, 1, "pad0_45wide" },
    { 1, 2, 6, 14, 14, S1, 2, 2, 2, 2, 1, 1, RT_UN_NONE, 1, "pad2_16wide" },
    { 1, 2, 6, 14, 16, S1, 2, 2, 2, 2, 1, 0, RT_UN_RELU, 1, "pad2_18wide" },
    { 1, 3, 5, 12, 20, S1, 1, 0, 0, 2, 1, 0, RT_UN_RELU, 1, "asymmetric_pads" },
    { 2, 1, 4, 1, 16, S1, 1, 1, 1, 1, 1, 1, RT_UN_RELU, 1, "one_row" },
    { 1, 3, 1, 6, 40, S1, 1, 1, 1, 1, 1, 0, RT_UN_NONE, 1, "m1" },
    { 1, 3, 8, 7, 256, S1, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 1, "256wide" },
    { 1, 2, 3, 3, 254, S1, 2, 2, 2, 2, 0, 0, RT_UN_NONE, 1, "pad2_256wide" },
    /* refused: other paths */
    { 1, 3, 8, 3, 257, S1, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 0, "257wide" },
    { 1, 2, 3, 3, 255, S1, 2, 2, 2, 2, 0, 0, RT_UN_NONE, 0, "pad2_257wide" },
    { 1, 3, 8, 9, 15, S1, 0, 0, 0, 0, 1, 0, RT_UN_RELU, 0, "13wide" },
    { 1, 2, 3, 4, 15, S1, 2, 2, 2, 2, 1, 0, RT_UN_RELU, 0, "row_overrun" },
    { 1, 5, 8, 9, 20, S1, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 0, "c5" },
    { 1, 3, 8, 9, 256, 2, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 0, "s2_phases_over_cap" },
    { 1, 3, 8, 9, 40, 2, 1, 0, 1, 0, 1, 0, RT_UN_RELU, 0, "s2_pad2_0" },
    { 1, 3, 8, 9, 40, 2, 1, 2, 1, 2, 1, 0, RT_UN_RELU, 0, "s2_pad2_2" },
    { 1, 3, 8, 9, 29, 2, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 0, "s2_15wide" },
    /* stride 2 (pad2 = 1): phase rows */
    { 2, 3, 8, 21, 35, 2, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 1, "s2_18wide" },
    { 1, 3, 8, 96, 96, 2, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 1, "mobilenet_layer0" },
    { 1, 1, 5, 8, 32, 2, 0, 1, 1, 0, 0, 0, RT_UN_NONE, 1, "s2_c1_pads" },
    { 3, 2, 7, 17, 65, 2, 2, 1, 2, 1, 1, 1, RT_UN_RELU, 1, "s2_c2_residual" },
    { 1, 4, 9, 10, 63, 2, 1, 1, 0, 1, 1, 0, RT_UN_LEAKYRELU, 1, "s2_c4_odd" },
    { 1, 2, 4, 5, 256, 2, 1, 1, 1, 1, 1, 0, RT_UN_RELU, 1, "s2_c2_256wide" },
    { 1, 3, 6, 1, 40, 2, 1, 1, 1, 1, 1, 1, RT_UN_SIGMOID, 1, "s2_one_row" },
};

/* Runs case c through conv (rt_conv_forward, or with direct set
 * rt_conv_fewc512, whose return is checked against c->fast) and compares.
 * With nan set, one input in the middle of the first image is NaN: the
 * outputs it reaches must be NaN, through the Relu too (as every other
 * convolution path keeps it; a max with the operands swapped makes it 0). */
static void fewc_run(const fewc_case *c, int direct, int nan)
{
    rt_conv_params p;
    int64_t nx, nw, ny, i;
    float *x, *w, *b, *y, *r = NULL;
    double *ref, *tol;
    rt_trng rng = { 99 };
    int took = 1;

    fewc_params(&p, c);
    nx = (int64_t)c->n * c->c * c->in1 * c->in2;
    nw = (int64_t)c->m * c->c * 9;
    ny = (int64_t)c->n * c->m * p.out[1] * p.out[2];
    x = rt_tfloats(nx);
    w = rt_tfloats(nw);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny);
    ref = rt_tdoubles(ny);
    tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    if (nan)
        x[(c->in1 / 2) * c->in2 + c->in2 / 2] = NAN;
    rt_fill(w, nw, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    if (c->residual) {
        r = rt_tfloats(ny);
        rt_fill(r, ny, &rng, -2.0f, 2.0f);
        memcpy(y, r, (size_t)ny * sizeof(float));
    } else {
        for (i = 0; i < ny; i++)
            y[i] = NAN;         /* any output left unwritten shows up */
    }
    fewc_ref(ref, tol, x, w, b, r, &p);
    if (direct && rt_conv_fewc512) {
        took = rt_conv_fewc512(y, x, w, b, &p);
        cr_assert_eq(took, c->fast, "%s: rt_conv_fewc512 returned %d, expected %d", c->name,
                     took, c->fast);
    } else {
        rt_conv_forward(y, x, w, b, &p);
    }
    if (took)
        rt_check(c->name, y, ref, tol, ny);
    free(x); free(w); free(b); free(y); free(r); free(ref); free(tol);
}

ParameterizedTestParameters(conv_fewc, matches_reference)
{
    return cr_make_param_array(fewc_case, (void *)fewc_cases, RT_ARRAY_LEN(fewc_cases));
}

ParameterizedTest(const fewc_case *c, conv_fewc, matches_reference)
{
    fewc_run(c, 0, 0);
}

ParameterizedTestParameters(conv_fewc, fast_path_shapes)
{
    return cr_make_param_array(fewc_case, (void *)fewc_cases, RT_ARRAY_LEN(fewc_cases));
}

/* Without AVX-512 in the library the direct call does not exist; the case
 * then repeats the dispatch test. */
ParameterizedTest(const fewc_case *c, conv_fewc, fast_path_shapes)
{
    fewc_run(c, 1, 0);
}

ParameterizedTestParameters(conv_fewc, nan_propagates)
{
    return cr_make_param_array(fewc_case, (void *)fewc_cases, RT_ARRAY_LEN(fewc_cases));
}

/* Every case with a NaN input, directly through rt_conv_fewc512 where the
 * library has it (the sigmoid cases skipped: NaN handling of the other
 * activations is not what this checks). */
ParameterizedTest(const fewc_case *c, conv_fewc, nan_propagates)
{
    if (c->act == RT_UN_SIGMOID)
        return;
    fewc_run(c, 1, 1);
}
