/*
 * test_types_f64.c - the double kernels of the loss and sampling ops
 * (types4: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss, GridSample,
 * RoiAlign) against naive double loops written here from the ONNX
 * specification (and, for RoiAlign, an input whose exact answer is known:
 * bilinear interpolation reproduces a function linear in (y, x), so a bin's
 * average is that function at the bin's centre).
 *
 * Inputs are values a float cannot hold (thirds, sevenths), so a kernel
 * that went through float copies errs by ~1e-8 relative. The references
 * take a few dozen double roundings of O(1) values (2^-53 ~ 1.1e-16 each);
 * 1e-12 * (1 + |ref|) covers that with a margin of 100 and still fails a
 * float path by four orders of magnitude.
 */
#include "rt_test.h"

#define TOL 1e-12

static void near64(const char *what, const double *got, const double *ref, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        cr_assert(fabs(got[i] - ref[i]) <= TOL * (1.0 + fabs(ref[i])),
                  "%s[%lld]: %.17g, reference %.17g", what, (long long)i, got[i], ref[i]);
}

/* ================================================================ losses */

Test(types_f64, nll_and_sce_in_double)
{
    enum { N = 2, C = 3, D = 2 }; /* x [N, C, D], target [N, D] */
    double x[N * C * D], w[C] = {1.0 / 3.0, 2.0 / 7.0, 5.0 / 9.0};
    const int64_t t[N * D] = {0, 2, 1, -1}; /* -1: ignored */
    for (int i = 0; i < N * C * D; i++)
        x[i] = (double)(i % 5) / 3.0 - (double)i / 7.0;
    rt_nll_params p = {.n = N, .c = C, .inner = D, .reduction = RT_REDUCTION_NONE,
                       .has_ignore = 1, .ignore_index = -1};
    double got[N * D], ref[N * D], lp[N * C * D], lpref[N * C * D];

    /* NLL, none: -w[t] x[n, t, d] */
    for (int n = 0; n < N; n++)
        for (int d = 0; d < D; d++) {
            const int64_t k = t[n * D + d];
            ref[n * D + d] = k < 0 ? 0.0 : -w[k] * x[(n * C + k) * D + d];
        }
    rt_nll_forward_f64(got, x, t, w, &p);
    near64("nll none", got, ref, N * D);

    /* NLL, mean: sum(l) / sum(w of the counted elements) */
    double s = 0, ws = 0;
    for (int i = 0; i < N * D; i++) {
        s += ref[i];
        ws += t[i] < 0 ? 0.0 : w[t[i]];
    }
    p.reduction = RT_REDUCTION_MEAN;
    rt_nll_forward_f64(got, x, t, w, &p);
    double mean = s / ws;
    near64("nll mean", got, &mean, 1);

    /* SCE: log_softmax as x - log(sum exp(x)) without the max shift */
    for (int n = 0; n < N; n++)
        for (int d = 0; d < D; d++) {
            double z = 0;
            for (int c = 0; c < C; c++)
                z += exp(x[(n * C + c) * D + d]);
            for (int c = 0; c < C; c++)
                lpref[(n * C + c) * D + d] = x[(n * C + c) * D + d] - log(z);
            const int64_t k = t[n * D + d];
            ref[n * D + d] = k < 0 ? 0.0 : -w[k] * lpref[(n * C + k) * D + d];
        }
    p.reduction = RT_REDUCTION_NONE;
    rt_sce_forward_f64(got, lp, x, t, w, &p);
    near64("sce none", got, ref, N * D);
    near64("sce log_prob", lp, lpref, N * C * D);
    p.reduction = RT_REDUCTION_SUM;
    rt_sce_forward_f64(got, NULL, x, t, NULL, &p);
    s = 0;
    for (int i = 0; i < N * D; i++)
        s += t[i] < 0 ? 0.0 : ref[i] / w[t[i]];
    near64("sce sum unweighted", got, &s, 1);
}

/* ================================================================ GridSample */

/* x[iy, ix] of an h x w plane, 0 outside. */
static double at(const double *x, int64_t h, int64_t w, int64_t iy, int64_t ix)
{
    return iy >= 0 && iy < h && ix >= 0 && ix < w ? x[iy * w + ix] : 0.0;
}

Test(types_f64, gridsample_bilinear_and_nearest_in_double)
{
    enum { H = 3, W = 4, OH = 2, OW = 3 };
    double x[H * W], grid[OH * OW * 2], got[OH * OW], ref[OH * OW];
    for (int i = 0; i < H * W; i++)
        x[i] = (double)i / 3.0 + 1.0 / 7.0;
    for (int i = 0; i < OH * OW * 2; i++)
        grid[i] = -1.1 + (double)i * (2.3 / 11.0); /* some outside [-1, 1] */
    for (int align = 0; align < 2; align++) {
        rt_gridsample_params p = {.mode = RT_GS_BILINEAR, .padding = RT_GS_ZEROS,
                                  .align_corners = align, .n = 1, .c = 1, .h = H, .w = W,
                                  .oh = OH, .ow = OW};
        /* the spec's unnormalization: align_corners maps -1, 1 to the
         * corner pixels' centres, else to the image's edges */
        for (int o = 0; o < OH * OW; o++) {
            const double gx = grid[2 * o], gy = grid[2 * o + 1];
            const double fx = align ? (gx + 1) / 2 * (W - 1) : ((gx + 1) * W - 1) / 2;
            const double fy = align ? (gy + 1) / 2 * (H - 1) : ((gy + 1) * H - 1) / 2;
            const double x0 = floor(fx), y0 = floor(fy), ax = fx - x0, ay = fy - y0;
            const int64_t ix = (int64_t)x0, iy = (int64_t)y0;
            ref[o] = at(x, H, W, iy, ix) * (1 - ax) * (1 - ay) +
                     at(x, H, W, iy, ix + 1) * ax * (1 - ay) +
                     at(x, H, W, iy + 1, ix) * (1 - ax) * ay +
                     at(x, H, W, iy + 1, ix + 1) * ax * ay;
        }
        rt_gridsample_forward_f64(got, x, grid, &p);
        near64(align ? "bilinear aligned" : "bilinear", got, ref, OH * OW);
    }
    rt_gridsample_params p = {.mode = RT_GS_NEAREST, .padding = RT_GS_BORDER, .align_corners = 1,
                              .n = 1, .c = 1, .h = H, .w = W, .oh = OH, .ow = OW};
    for (int o = 0; o < OH * OW; o++) {
        double fx = (grid[2 * o] + 1) / 2 * (W - 1), fy = (grid[2 * o + 1] + 1) / 2 * (H - 1);
        fx = fx < 0 ? 0 : fx > W - 1 ? W - 1 : fx; /* border: clamp */
        fy = fy < 0 ? 0 : fy > H - 1 ? H - 1 : fy;
        ref[o] = x[(int64_t)nearbyint(fy) * W + (int64_t)nearbyint(fx)];
    }
    rt_gridsample_forward_f64(got, x, grid, &p);
    near64("nearest border", got, ref, OH * OW);
}

/* ================================================================ RoiAlign */

Test(types_f64, roialign_of_a_linear_image_in_double)
{
    enum { C = 2, H = 8, W = 9, OH = 2, OW = 3 };
    const double a = 1.0 / 3.0, b = 2.0 / 7.0;
    double x[C * H * W], got[2 * C * OH * OW], ref[2 * C * OH * OW];
    /* channel c: x[i, j] = a i + b j + c / 9, linear in (y, x) */
    for (int c = 0; c < C; c++)
        for (int i = 0; i < H; i++)
            for (int j = 0; j < W; j++)
                x[(c * H + i) * W + j] = a * i + b * j + c / 9.0;
    /* (x1, y1, x2, y2), inside the image so no sample is clamped */
    const double rois[8] = {1.1, 1.3, 6.2, 5.9, 2.0 / 3.0, 0.9, 7.1, 6.1};
    const int64_t bidx[2] = {0, 0};
    rt_roialign_params p = {.n = 1, .c = C, .h = H, .w = W, .nroi = 2, .oh = OH, .ow = OW,
                            .sampling_ratio = 2, .spatial_scale = 1.0f, .max_mode = 0,
                            .half_pixel = 1};
    for (int r = 0; r < 2; r++) {
        const double *roi = rois + 4 * r;
        const double sx = roi[0] - 0.5, sy = roi[1] - 0.5; /* half_pixel */
        const double bw = (roi[2] - roi[0]) / OW, bh = (roi[3] - roi[1]) / OH;
        for (int c = 0; c < C; c++)
            for (int ph = 0; ph < OH; ph++)
                for (int pw = 0; pw < OW; pw++)
                    ref[((r * C + c) * OH + ph) * OW + pw] =
                        a * (sy + (ph + 0.5) * bh) + b * (sx + (pw + 0.5) * bw) + c / 9.0;
    }
    rt_roialign_forward_f64(got, x, rois, bidx, &p);
    near64("roialign avg", got, ref, 2 * C * OH * OW);
}

/* ================================================================ RNN, GRU, LSTM */

static double sigm(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

/* row . w[g * H + j] over K inputs: the gate pre-activation term of ONNX's
 * X W^T (w is [G H, K]) */
static double dotw(const double *row, const double *w, int64_t g, int64_t hs, int64_t j,
                   int64_t k)
{
    double s = 0;
    for (int64_t q = 0; q < k; q++)
        s += row[q] * w[(g * hs + j) * k + q];
    return s;
}

enum { S = 3, B = 2, I = 3, HS = 2 };

static void fill(double *v, int n, double a, double b)
{
    for (int i = 0; i < n; i++)
        v[i] = a * (double)((i * 7) % 11 - 5) / 11.0 + b * (double)(i % 3) / 7.0;
}

/* LSTM, forward, with bias, peepholes and an initial state, from the ONNX
 * equations (gate order i, o, f, c; peepholes i, o, f; f = sigmoid,
 * g = h = tanh); then GRU (z, r, h; linear_before_reset 0). */
Test(types_f64, lstm_and_gru_in_double)
{
    double x[S * B * I], w[4 * HS * I], r[4 * HS * HS], bias[8 * HS], peep[3 * HS];
    double h0[B * HS], c0[B * HS];
    double y[S * B * HS], yh[B * HS], yc[B * HS];
    double ry[S * B * HS], h[B * HS], c[B * HS];
    fill(x, S * B * I, 1.3, 0.4);
    fill(w, 4 * HS * I, 0.9, -0.3);
    fill(r, 4 * HS * HS, 0.7, 0.2);
    fill(bias, 8 * HS, 0.5, 0.1);
    fill(peep, 3 * HS, 0.6, -0.2);
    fill(h0, B * HS, 0.8, 0.0);
    fill(c0, B * HS, -0.4, 0.3);
    rt_rnn_params p = {.kind = RT_RNN_LSTM, .dirs = 1, .seq = S, .batch = B, .input = I,
                       .hidden = HS,
                       .act = {{RT_RNN_SIGMOID, RT_RNN_TANH, RT_RNN_TANH}}};
    rt_rnn_params pg = p;
    double scratch[S * B * 4 * HS + B * 4 * HS + 4 * B * HS];
    cr_assert_leq(rt_rnn_scratch_size(&p), (int64_t)(sizeof scratch / sizeof scratch[0]));

    memcpy(h, h0, sizeof h);
    memcpy(c, c0, sizeof c);
    for (int t = 0; t < S; t++) {
        double hn[B * HS];
        for (int i = 0; i < B; i++)
            for (int j = 0; j < HS; j++) {
                const double *xr = x + (t * B + i) * I, *hr = h + i * HS;
                double pre[4];
                for (int g = 0; g < 4; g++)
                    pre[g] = dotw(xr, w, g, HS, j, I) + dotw(hr, r, g, HS, j, HS) +
                             bias[g * HS + j] + bias[4 * HS + g * HS + j];
                const double cp = c[i * HS + j];
                const double ig = sigm(pre[0] + peep[j] * cp);
                const double fg = sigm(pre[2] + peep[2 * HS + j] * cp);
                const double cn = fg * cp + ig * tanh(pre[3]);
                const double og = sigm(pre[1] + peep[HS + j] * cn);
                c[i * HS + j] = cn;
                hn[i * HS + j] = og * tanh(cn);
            }
        memcpy(h, hn, sizeof h);
        memcpy(ry + t * B * HS, h, sizeof h);
    }
    rt_rnn_forward_f64(y, yh, yc, scratch, x, w, r, bias, NULL, h0, c0, peep, &p);
    near64("lstm y", y, ry, S * B * HS);
    near64("lstm y_h", yh, h, B * HS);
    near64("lstm y_c", yc, c, B * HS);

    /* GRU on the first 3 gates' weights */
    pg.kind = RT_RNN_GRU;
    double gb[6 * HS];
    fill(gb, 6 * HS, 0.5, 0.1);
    memcpy(h, h0, sizeof h);
    for (int t = 0; t < S; t++) {
        double hn[B * HS];
        for (int i = 0; i < B; i++) {
            const double *xr = x + (t * B + i) * I, *hr = h + i * HS;
            double rh[HS];
            for (int j = 0; j < HS; j++) /* r . H first: (r . H) Rh^T */
                rh[j] = sigm(dotw(xr, w, 1, HS, j, I) + dotw(hr, r, 1, HS, j, HS) + gb[HS + j] +
                             gb[4 * HS + j]) * hr[j];
            for (int j = 0; j < HS; j++) {
                const double z = sigm(dotw(xr, w, 0, HS, j, I) + dotw(hr, r, 0, HS, j, HS) +
                                      gb[j] + gb[3 * HS + j]);
                const double hh = tanh(dotw(xr, w, 2, HS, j, I) + dotw(rh, r, 2, HS, j, HS) +
                                       gb[2 * HS + j] + gb[5 * HS + j]);
                hn[i * HS + j] = (1 - z) * hh + z * hr[j];
            }
        }
        memcpy(h, hn, sizeof h);
        memcpy(ry + t * B * HS, h, sizeof h);
    }
    rt_rnn_forward_f64(y, yh, NULL, scratch, x, w, r, gb, NULL, h0, NULL, NULL, &pg);
    near64("gru y", y, ry, S * B * HS);
    near64("gru y_h", yh, h, B * HS);
}

/* ================================================================ QuantizeLinear of int32 */

/* The spec's y = saturate(round_half_even(x / scale) + zp), written with
 * nearbyint in the default rounding mode (to nearest, ties to even). */
static int32_t q_ref(int32_t x, float s, int32_t z, int32_t lo, int32_t hi)
{
    const double v = nearbyint((double)x / (double)s) + z;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

Test(types_f64, quantize_int32_ties_saturation_per_axis)
{
    /* per-axis scales over axis 1 of [2, 3, 2]: ties (channel 0, scale 2:
     * 5 / 2 = 2.5 -> 2, 7 / 2 = 3.5 -> 4), quotients by 0.3 that are not
     * ties, saturation at both ends and at the int32 extremes */
    enum { N = 12 };
    const int32_t x[N] = {5, 7, -5, -7, 1000, -1000, 2147483647, -2147483647 - 1, 3, 0, -1, 9};
    const float scale[3] = {2.0f, 0.5f, 0.3f};
    const int8_t zp8[3] = {0, -3, 5};
    const uint8_t zpu[3] = {0, 128, 7};
    int8_t y8[N];
    uint8_t yu[N];
    rt_quant_params p = {.outer = 2, .len = 3, .inner = 2, .per_axis = 1, .type = RT_QT_I8};
    rt_quantize_linear_i32(y8, x, scale, zp8, &p);
    p.type = RT_QT_U8;
    rt_quantize_linear_i32(yu, x, scale, zpu, &p);
    for (int i = 0; i < N; i++) {
        const int ch = (i / 2) % 3;
        cr_assert_eq(y8[i], q_ref(x[i], scale[ch], zp8[ch], -128, 127), "int8 [%d]: %d", i,
                     y8[i]);
        cr_assert_eq(yu[i], q_ref(x[i], scale[ch], zpu[ch], 0, 255), "uint8 [%d]: %d", i, yu[i]);
    }
    /* the ties by hand: channel 0 (scale 2, zp 0) holds x[0], x[1], x[6], x[7] */
    cr_assert_eq(y8[0], 2);
    cr_assert_eq(y8[1], 4);
}
