/*
 * test_pool.c - max, average and global pooling.
 *
 * The reference visits every one of the window's taps, tests each against
 * the input and the padded extent, and counts: the definition in the
 * header, written as plainly as possible. Max pooling is exact. Average
 * pooling is a float sum of at most K = prod(k) taps divided by the count:
 * rt_sum_tol(K, 1, sum |x|) / count (one extra rounding for the division).
 */
#include "rt_test.h"

typedef struct {
    int n, c;
    int64_t in[3], k[3], s[3], pb[3], pe[3], d[3];
    int ceil_mode;
    int cip;                    /* count_include_pad */
    char name[40];
} pool_case;

/* out as the ONNX spec gives it: floor or ceil of
 * (in + pads - ((k - 1) * d + 1)) / s, plus 1. The cases below are chosen
 * so that every ceil_mode window starts inside the input or its padding. */
static void pool_params(rt_pool_params *p, const pool_case *c)
{
    int i;
    memset(p, 0, sizeof *p);
    p->n = c->n;
    p->c = c->c;
    for (i = 0; i < 3; i++) {
        const int64_t num = c->in[i] + c->pb[i] + c->pe[i] - ((c->k[i] - 1) * c->d[i] + 1);
        p->in[i] = c->in[i];
        p->k[i] = c->k[i];
        p->stride[i] = c->s[i];
        p->pad[i] = c->pb[i];
        p->pad_end[i] = c->pe[i];
        p->dilation[i] = c->d[i];
        p->out[i] = (c->ceil_mode ? (num + c->s[i] - 1) / c->s[i] : num / c->s[i]) + 1;
    }
    p->count_include_pad = c->cip;
}

/* Reference max (is_max) or average pooling of one case. */
static void ref_pool(double *ref, double *tol, const float *x, const rt_pool_params *p, int is_max)
{
    const int64_t planes = (int64_t)p->n * p->c;
    int64_t pl, o[3], t[3], f = 0;
    for (pl = 0; pl < planes; pl++)
        for (o[0] = 0; o[0] < p->out[0]; o[0]++)
            for (o[1] = 0; o[1] < p->out[1]; o[1]++)
                for (o[2] = 0; o[2] < p->out[2]; o[2]++, f++) {
                    double m = -INFINITY, s = 0, mag = 0;
                    int64_t inside = 0, padded = 0, taps = 0;
                    for (t[0] = 0; t[0] < p->k[0]; t[0]++)
                        for (t[1] = 0; t[1] < p->k[1]; t[1]++)
                            for (t[2] = 0; t[2] < p->k[2]; t[2]++) {
                                int64_t q, pos[3], in_x = 1, in_pad = 1;
                                for (q = 0; q < 3; q++) {
                                    pos[q] = o[q] * p->stride[q] - p->pad[q] + t[q] * p->dilation[q];
                                    if (pos[q] < 0 || pos[q] >= p->in[q])
                                        in_x = 0;
                                    if (pos[q] < -p->pad[q] || pos[q] >= p->in[q] + p->pad_end[q])
                                        in_pad = 0;
                                }
                                taps++;
                                padded += in_pad;
                                if (in_x) {
                                    const double v = x[((pl * p->in[0] + pos[0]) * p->in[1] + pos[1]) * p->in[2] + pos[2]];
                                    inside++;
                                    if (v > m)
                                        m = v;
                                    s += v;
                                    mag += fabs(v);
                                }
                            }
                    if (is_max) {
                        ref[f] = m;
                        tol[f] = 0;
                    } else {
                        const int64_t count = p->count_include_pad ? padded : inside;
                        ref[f] = s / count;
                        tol[f] = rt_sum_tol(taps, 1, mag) / count;
                    }
                }
}

static const pool_case pool_cases[] = {
    /* n  c   in             k            s            pb           pe           d          ceil cip */
    { 1, 2, { 1, 6, 6 }, { 1, 2, 2 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 0, 0, "2x2_s2" },
    /* the fast paths: 2x2 stride 2 with an odd size (the last row and
     * column unused) and a batch; one window over the whole plane */
    { 2, 3, { 1, 7, 9 }, { 1, 2, 2 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 0, 0, "2x2_s2_odd" },
    { 1, 4, { 1, 25, 5 }, { 1, 25, 5 }, { 1, 1, 1 }, { 0 }, { 0 }, { 1, 1, 1 }, 0, 0, "whole_plane" },
    { 2, 3, { 1, 7, 8 }, { 1, 3, 3 }, { 1, 1, 1 }, { 0, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, 0, 0, "3x3_pad1" },
    { 2, 3, { 1, 7, 8 }, { 1, 3, 3 }, { 1, 1, 1 }, { 0, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, 0, 1, "3x3_pad1_cip" },
    { 1, 2, { 1, 9, 7 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 1, 0 }, { 0, 2, 1 }, { 1, 1, 1 }, 0, 0, "asym_pads" },
    { 1, 2, { 1, 9, 7 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 1, 0 }, { 0, 2, 1 }, { 1, 1, 1 }, 0, 1, "asym_pads_cip" },
    { 1, 1, { 1, 4, 4 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 1, 0, "ceil" },
    { 1, 1, { 1, 4, 4 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0 }, { 0 }, { 1, 1, 1 }, 1, 1, "ceil_cip_no_pads" },
    { 1, 2, { 1, 8, 9 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 0 }, { 1, 1, 1 }, 1, 1, "ceil_cip_pads" },
    { 1, 2, { 1, 8, 9 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 0 }, { 1, 1, 1 }, 1, 0, "ceil_pads" },
    { 1, 2, { 1, 7, 7 }, { 1, 2, 2 }, { 1, 1, 1 }, { 0 }, { 0 }, { 1, 2, 2 }, 0, 0, "dilation" },
    { 1, 2, { 1, 9, 10 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 2, 1 }, { 0, 1, 2 }, { 1, 2, 3 }, 0, 1, "dilation_stride_pads_cip" },
    { 1, 2, { 1, 10, 9 }, { 1, 3, 2 }, { 1, 3, 2 }, { 0, 1, 1 }, { 0, 2, 0 }, { 1, 2, 2 }, 1, 1, "dilation_ceil_cip" },
    { 1, 2, { 1, 10, 9 }, { 1, 3, 2 }, { 1, 3, 2 }, { 0, 1, 1 }, { 0, 2, 0 }, { 1, 2, 2 }, 1, 0, "dilation_ceil" },
    { 2, 3, { 1, 1, 20 }, { 1, 1, 4 }, { 1, 1, 3 }, { 0, 0, 2 }, { 0, 0, 1 }, { 1, 1, 1 }, 0, 1, "pool1d_cip" },
    { 2, 3, { 1, 1, 20 }, { 1, 1, 4 }, { 1, 1, 3 }, { 0, 0, 2 }, { 0, 0, 1 }, { 1, 1, 2 }, 1, 0, "pool1d_dil_ceil" },
    { 1, 2, { 5, 6, 7 }, { 2, 3, 2 }, { 2, 1, 2 }, { 1, 1, 0 }, { 0, 1, 1 }, { 1, 1, 2 }, 0, 0, "pool3d" },
    { 1, 2, { 5, 6, 7 }, { 2, 3, 2 }, { 2, 1, 2 }, { 1, 1, 0 }, { 0, 1, 1 }, { 1, 1, 2 }, 1, 1, "pool3d_ceil_cip" },
    { 1, 1, { 1, 3, 3 }, { 1, 5, 5 }, { 1, 1, 1 }, { 0, 2, 2 }, { 0, 2, 2 }, { 1, 1, 1 }, 0, 0, "kernel_bigger_than_input" },
};

ParameterizedTestParameters(pool, matches_reference)
{
    return cr_make_param_array(pool_case, (void *)pool_cases, RT_ARRAY_LEN(pool_cases));
}

ParameterizedTest(const pool_case *c, pool, matches_reference)
{
    rt_pool_params p;
    int64_t nx, ny, i;
    float *x, *y;
    double *ref, *tol;
    rt_trng r = { 99 };
    int is_max;

    pool_params(&p, c);
    nx = (int64_t)c->n * c->c * rt_prod(c->in, 3);
    ny = (int64_t)c->n * c->c * rt_prod(p.out, 3);
    x = rt_tfloats(nx);
    y = rt_tfloats(ny);
    ref = rt_tdoubles(ny);
    tol = rt_tdoubles(ny);
    /* Negative values, so a max that wrongly counts padding as 0 is caught. */
    rt_fill(x, nx, &r, -3.0f, 1.0f);
    for (is_max = 0; is_max < 2; is_max++) {
        for (i = 0; i < ny; i++)
            y[i] = NAN;
        if (is_max)
            rt_maxpool_forward(y, x, &p);
        else
            rt_avgpool_forward(y, x, &p);
        ref_pool(ref, tol, x, &p, is_max);
        rt_check(is_max ? "maxpool" : "avgpool", y, ref, tol, ny);
    }
    free(x); free(y); free(ref); free(tol);
}

/* The 5x5 ramp 1..25 that the ONNX pooling examples use. */
static void ramp(float *x, int n)
{
    int i;
    for (i = 0; i < n; i++)
        x[i] = (float)(i + 1);
}

static void square_params(rt_pool_params *p, int64_t in, int64_t k, int64_t s, int64_t pad,
                          int64_t out, int64_t dil, int cip)
{
    memset(p, 0, sizeof *p);
    p->n = p->c = 1;
    p->in[0] = p->out[0] = p->k[0] = p->stride[0] = p->dilation[0] = 1;
    p->in[1] = p->in[2] = in;
    p->k[1] = p->k[2] = k;
    p->stride[1] = p->stride[2] = s;
    p->pad[1] = p->pad[2] = p->pad_end[1] = p->pad_end[2] = pad;
    p->dilation[1] = p->dilation[2] = dil;
    p->out[1] = p->out[2] = out;
    p->count_include_pad = cip;
}

Test(pool, onnx_examples)
{
    rt_pool_params p;
    float x[25], y[25];
    ramp(x, 25);
    {
        static const double want[25] = { 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13,
                                         13.5, 14, 14.5, 15, 15.5, 16, 16.5, 17, 17.5, 18, 18.5, 19 };
        square_params(&p, 5, 5, 1, 2, 5, 1, 0);
        rt_avgpool_forward(y, x, &p);
        rt_check_known("averagepool_2d_precomputed_pads", y, want, 25);
    }
    {
        static const double want[25] = { 2.52, 3.6, 4.8, 4.08, 3.24, 4.56, 6.4, 8.4, 7.04, 5.52,
                                         7.2, 10, 13, 10.8, 8.4, 6.96, 9.6, 12.4, 10.24, 7.92,
                                         6.12, 8.4, 10.8, 8.88, 6.84 };
        square_params(&p, 5, 5, 1, 2, 5, 1, 1);
        rt_avgpool_forward(y, x, &p);
        rt_check_known("averagepool_2d_precomputed_pads_count_include_pad", y, want, 25);
    }
    {
        static const double want[4] = { 4, 6, 14, 16 };
        square_params(&p, 5, 2, 2, 0, 2, 1, 0);
        rt_avgpool_forward(y, x, &p);
        rt_check_known("averagepool_2d_precomputed_strides", y, want, 4);
    }
    {
        static const float want[25] = { 13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25,
                                        23, 24, 25, 25, 25, 23, 24, 25, 25, 25 };
        square_params(&p, 5, 5, 1, 2, 5, 1, 0);
        rt_maxpool_forward(y, x, &p);
        rt_check_exact("maxpool_2d_precomputed_pads", y, want, 25);
    }
    ramp(x, 16);                /* 4x4 ramp 1..16 */
    {
        static const double want[4] = { 6, 7.5, 12, 13.5 };
        square_params(&p, 4, 3, 2, 0, 2, 1, 0);
        rt_avgpool_forward(y, x, &p);
        rt_check_known("averagepool_2d_ceil", y, want, 4);
    }
    {
        static const float want[4] = { 11, 12, 15, 16 };
        square_params(&p, 4, 3, 2, 0, 2, 1, 0);
        rt_maxpool_forward(y, x, &p);
        rt_check_exact("maxpool_2d_ceil", y, want, 4);
        square_params(&p, 4, 2, 1, 0, 2, 2, 0);
        rt_maxpool_forward(y, x, &p);
        rt_check_exact("maxpool_2d_dilations", y, want, 4);
    }
    {
        /* ceil_mode with count_include_pad and no pads: the window that runs
         * past the end counts only its taps inside [0, in): same as above. */
        static const double want[4] = { 6, 7.5, 12, 13.5 };
        square_params(&p, 4, 3, 2, 0, 2, 1, 1);
        rt_avgpool_forward(y, x, &p);
        rt_check_known("averagepool_2d_ceil_count_include_pad", y, want, 4);
    }
}

/* Max pooling skips NaN inputs (like the ONNX reference implementation,
 * documented in the header); padding never wins even when all inputs are < 0. */
Test(pool, max_nan_and_negative)
{
    rt_pool_params p;
    const float x[4] = { NAN, -5.0f, -7.0f, -6.0f };
    float y[9];
    square_params(&p, 2, 2, 1, 1, 3, 1, 0);
    rt_maxpool_forward(y, x, &p);
    {
        const float want[9] = { NAN, -5, -5, -7, -5, -5, -7, -6, -6 };
        /* Top-left window holds only the NaN: -inf (no valid number). */
        cr_expect(y[0] == -INFINITY, "all-NaN window gives %g", y[0]);
        rt_check_exact("maxpool_nan", y + 1, want + 1, 8);
    }
}

/* The 2x2 stride-2 fast path keeps the NaN rule: NaN is skipped, an all-NaN
 * window gives -inf. */
Test(pool, max_2x2_nan)
{
    rt_pool_params p;
    const float x[16] = { NAN, -5.0f, NAN, NAN, -7.0f, -6.0f, NAN, NAN,
                          1.0f, NAN, 2.0f, 3.0f, NAN, 0.5f, 4.0f, NAN };
    float y[4];
    square_params(&p, 4, 2, 2, 0, 2, 1, 0);
    rt_maxpool_forward(y, x, &p);
    cr_expect(y[0] == -5.0f && y[1] == -INFINITY && y[2] == 1.0f && y[3] == 4.0f,
              "2x2 max with NaN: %g %g %g %g", y[0], y[1], y[2], y[3]);
}

/* Global pools against the plain definition: max exact; average a sum of
 * `size` terms, rt_sum_tol(size, 1, sum |x|) / size. */
Test(pool, global)
{
    static const int64_t sizes[] = { 1, 7, 64, 1000 };
    size_t si;
    for (si = 0; si < RT_ARRAY_LEN(sizes); si++) {
        const int64_t nc = 6, size = sizes[si];
        float *x = rt_tfloats(nc * size), y[6];
        double ref[6], tol[6];
        rt_trng r = { 5 + si };
        int64_t row, i;
        rt_fill(x, nc * size, &r, -2.0f, 3.0f);
        rt_global_avgpool_forward(y, x, nc, size);
        for (row = 0; row < nc; row++) {
            double s = 0, mag = 0;
            for (i = 0; i < size; i++) {
                s += x[row * size + i];
                mag += fabs(x[row * size + i]);
            }
            ref[row] = s / size;
            tol[row] = rt_sum_tol(size, 1, mag) / size;
        }
        rt_check("global_avgpool", y, ref, tol, nc);
        rt_global_maxpool_forward(y, x, nc, size);
        for (row = 0; row < nc; row++) {
            double m = -INFINITY;
            for (i = 0; i < size; i++)
                m = fmax(m, x[row * size + i]);
            ref[row] = m;
        }
        rt_check("global_maxpool", y, ref, NULL, nc);
        free(x);
    }
    {
        /* GlobalMaxPool propagates NaN, like np.max in its reference. */
        const float x[4] = { 1.0f, NAN, 3.0f, 2.0f };
        float y[2];
        rt_global_maxpool_forward(y, x, 2, 2);
        cr_expect(isnan(y[0]) && y[1] == 3.0f, "global max NaN: %g %g", y[0], y[1]);
    }
}

/* The 2x2 stride-2 path (pool.c's fast path): NaN skipped, a NaN-only
 * window gives -inf, ties and the unused last column of an odd width; and
 * its backward sends dy to the first maximal tap (to the first tap when
 * none is a number), written out by hand. */
Test(pool, max_2x2_stride2_by_hand)
{
    rt_pool_params p;
    const float x[4 * 5] = { NAN, NAN, 1, 3, 99,
                             NAN, NAN, 3, 2, 99,
                             -1, -2, 5, 5, 99,
                             -3, -1, 5, 4, 99 };
    const float dy[4] = { 1, 2, 3, 4 };
    const float want_y[4] = { -INFINITY, 3, -1, 5 };
    const float want_dx[4 * 5] = { 1, 0, 0, 2, 0,
                                   0, 0, 0, 0, 0,
                                   3, 0, 4, 0, 0,
                                   0, 0, 0, 0, 0 };
    float y[4], dx[4 * 5] = { 0 };
    memset(&p, 0, sizeof p);
    p.n = p.c = 1;
    p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
    p.in[1] = 4;
    p.in[2] = 5;
    p.k[1] = p.k[2] = p.stride[1] = p.stride[2] = 2;
    p.dilation[1] = p.dilation[2] = 1;
    p.out[1] = p.out[2] = 2;
    rt_maxpool_forward(y, x, &p);
    rt_check_exact("maxpool 2x2 forward", y, want_y, 4);
    rt_maxpool_backward(dx, dy, x, &p);
    rt_check_exact("maxpool 2x2 backward", dx, want_dx, 20);
}

/* The same rules over rows long enough for the eight-window vector path
 * (and its scalar tail): inputs from {0, 1, 2} (ties everywhere) with NaN
 * and -inf sprinkled in, against the definition written out here. */
Test(pool, max_2x2_stride2_wide_rows)
{
    enum { H = 6, W = 37, OH = 3, OW = 18 };
    float x[H * W], y[OH * OW], dy[OH * OW], dx[H * W], want_y[OH * OW], want_dx[H * W];
    rt_pool_params p;
    rt_trng r = { 91 };
    int i, o1, o2, t;

    for (i = 0; i < H * W; i++) {
        const int64_t k = rt_rng_int(&r, 0, 12);
        x[i] = k < 3 ? (float)k : k < 6 ? (float)(k - 3) : k < 9 ? (float)(k - 6)
               : k == 9 ? NAN : k == 10 ? -INFINITY : 1.0f;
        dx[i] = want_dx[i] = (float)(i % 7) * 0.25f;   /* accumulated into */
    }
    for (i = 0; i < OH * OW; i++)
        dy[i] = (float)(i + 1);
    for (o1 = 0; o1 < OH; o1++)
        for (o2 = 0; o2 < OW; o2++) {
            const int tap[4] = { 2 * o1 * W + 2 * o2, 2 * o1 * W + 2 * o2 + 1,
                                 (2 * o1 + 1) * W + 2 * o2, (2 * o1 + 1) * W + 2 * o2 + 1 };
            float m = -INFINITY;
            int best = tap[0];
            for (t = 0; t < 4; t++)
                if (x[tap[t]] > m) {
                    m = x[tap[t]];
                    best = tap[t];
                }
            want_y[o1 * OW + o2] = m;
            want_dx[best] += dy[o1 * OW + o2];
        }
    memset(&p, 0, sizeof p);
    p.n = p.c = 1;
    p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
    p.in[1] = H;
    p.in[2] = W;
    p.k[1] = p.k[2] = p.stride[1] = p.stride[2] = 2;
    p.dilation[1] = p.dilation[2] = 1;
    p.out[1] = OH;
    p.out[2] = OW;
    rt_maxpool_forward(y, x, &p);
    rt_check_exact("maxpool 2x2 wide forward", y, want_y, OH * OW);
    rt_maxpool_backward(dx, dy, x, &p);
    rt_check_exact("maxpool 2x2 wide backward", dx, want_dx, H * W);
}

/* Maps under 16 wide: the forward and the backward take eight windows at
 * a time in scan order across rows and planes, the last few one by one;
 * widths that divide 8 and that do not, an unused last row and column,
 * ties, NaN and -inf as above, several images and channels whose window
 * count is not a multiple of eight, against the definition written out
 * here. */
Test(pool, max_2x2_stride2_small_maps_backward)
{
    /* out2, out1, in2, in1 */
    static const int shape[6][4] = { { 1, 3, 2, 6 }, { 2, 2, 4, 4 }, { 4, 3, 8, 6 },
                                     { 5, 2, 11, 5 }, { 14, 3, 28, 7 }, { 7, 1, 15, 2 } };
    int v;
    for (v = 0; v < 6; v++) {
        const int OW = shape[v][0], OH = shape[v][1], W = shape[v][2], H = shape[v][3];
        const int N = 3, C = 5, isz = H * W, osz = OH * OW;
        float *x = rt_tfloats(N * C * isz), *dx = rt_tfloats(N * C * isz);
        float *want_dx = rt_tfloats(N * C * isz), *dy = rt_tfloats(N * C * osz);
        float *y = rt_tfloats(N * C * osz), *want_y = rt_tfloats(N * C * osz);
        rt_pool_params p;
        rt_trng r = { 17 + (uint64_t)v };
        int i, pl, o1, o2, t;

        for (i = 0; i < N * C * isz; i++) {
            const int64_t k = rt_rng_int(&r, 0, 12);
            x[i] = k < 3 ? (float)k : k < 6 ? (float)(k - 3) : k < 9 ? (float)(k - 6)
                   : k == 9 ? NAN : k == 10 ? -INFINITY : 1.0f;
            dx[i] = want_dx[i] = (float)(i % 5) * 0.5f;        /* accumulated into */
        }
        for (i = 0; i < N * C * osz; i++)
            dy[i] = (float)(i + 1);
        for (pl = 0; pl < N * C; pl++)
            for (o1 = 0; o1 < OH; o1++)
                for (o2 = 0; o2 < OW; o2++) {
                    const int b = pl * isz + 2 * o1 * W + 2 * o2;
                    const int tap[4] = { b, b + 1, b + W, b + W + 1 };
                    float m = -INFINITY;
                    int best = tap[0];
                    for (t = 0; t < 4; t++)
                        if (x[tap[t]] > m) {
                            m = x[tap[t]];
                            best = tap[t];
                        }
                    want_dx[best] += dy[pl * osz + o1 * OW + o2];
                    want_y[pl * osz + o1 * OW + o2] = m;
                }
        memset(&p, 0, sizeof p);
        p.n = N;
        p.c = C;
        p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
        p.in[1] = H;
        p.in[2] = W;
        p.k[1] = p.k[2] = p.stride[1] = p.stride[2] = 2;
        p.dilation[1] = p.dilation[2] = 1;
        p.out[1] = OH;
        p.out[2] = OW;
        rt_maxpool_forward(y, x, &p);
        rt_check_exact("maxpool 2x2 small-map forward", y, want_y, N * C * osz);
        rt_maxpool_backward(dx, dy, x, &p);
        rt_check_exact("maxpool 2x2 small-map backward", dx, want_dx, N * C * isz);
        free(x); free(dx); free(want_dx); free(dy); free(y); free(want_y);
    }
}
