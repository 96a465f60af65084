/*
 * test_ext.c - the ext kernels (runtime/ext_*.c) on cases the ONNX suite
 * does not reach. References: PyTorch and numpy in float64, and the ONNX
 * suite's own GRU helper (ext_refs.h, see make_ext_refs.py), or values
 * derived by hand from the ONNX specification (stated next to each).
 *
 * Tolerances, against float64 references of float32 inputs:
 *  - single-pass kernels that accumulate in double (Resize, Det, the loss
 *    reductions) round once at the end, plus the float evaluation of a few
 *    elementary functions per term (log-softmax: exp, a sum, a log, three
 *    subtractions of values below 10): 1e-5 * (1 + |ref|) covers 16 ulp of
 *    the largest intermediate;
 *  - the recurrent layers run float32 gemms and gate functions for a few
 *    steps on values in [-3, 3]; each step adds ~10 roundings of O(1)
 *    quantities (< 1e-6) and the gates are contractions, so 1e-5 absolute
 *    bounds 5 steps with margin. A wrong gate order or a lost bias errs by
 *    1e-1 or more.
 */
#include "ext_refs.h"
#include "rt_test.h"

static void near(const char *what, const float *got, const double *ref, int64_t n, double rel,
                 double abs_)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        if (isnan(ref[i])) {
            cr_assert(isnan(got[i]), "%s[%lld]: %.9g, expected NaN", what, (long long)i,
                      (double)got[i]);
            continue;
        }
        cr_assert(fabs((double)got[i] - ref[i]) <= abs_ + rel * fabs(ref[i]),
                  "%s[%lld]: %.9g, reference %.9g", what, (long long)i, (double)got[i], ref[i]);
    }
}

/* ================================================================ losses */

static rt_nll_params loss_p(rt_reduction r, int has_ignore, int64_t ii)
{
    rt_nll_params p;
    memset(&p, 0, sizeof p);
    p.n = 2;
    p.c = 4;
    p.inner = 6;
    p.reduction = r;
    p.has_ignore = has_ignore;
    p.ignore_index = ii;
    return p;
}

/* NLL on PyTorch's log-softmax of x, weights and ignore_index 1: every
 * reduction matches F.nll_loss / F.cross_entropy. */
Test(ext_loss, nll_and_sce_match_pytorch)
{
    static const double *const nll[] = {er_nll_none, er_nll_sum, er_nll_mean};
    static const double *const sce[] = {er_sce_none, er_sce_sum, er_sce_mean};
    float logp[48], y[12], lp[48];
    int r, i;
    for (i = 0; i < 48; i++)
        logp[i] = (float)er_sce_logprob[i];
    for (r = 0; r < 3; r++) {
        const rt_nll_params p = loss_p((rt_reduction)r, 1, 1);
        const int64_t n = r == RT_REDUCTION_NONE ? 12 : 1;
        rt_nll_forward(y, logp, er_loss_t, er_loss_w, &p);
        near("nll", y, nll[r], n, 1e-5, 1e-5);
        rt_sce_forward(y, lp, er_loss_x, er_loss_t, er_loss_w, &p);
        near("sce", y, sce[r], n, 1e-5, 1e-5);
        near("sce log_prob", lp, er_sce_logprob, 48, 1e-5, 1e-5);
        rt_sce_forward(y, NULL, er_loss_x, er_loss_t, er_loss_w, &p);
        near("sce without log_prob", y, sce[r], n, 1e-5, 1e-5);
    }
    {
        const rt_nll_params p = loss_p(RT_REDUCTION_MEAN, 0, 0);
        rt_sce_forward(y, NULL, er_loss_x, er_loss_t, NULL, &p);
        near("sce mean, no weight, no ignore_index", y, er_sce_mean_now, 1, 1e-5, 1e-5);
    }
}

/* Mean reduction with every target ignored: the spec's (and PyTorch's)
 * weighted mean is 0 / 0 = NaN; sum and none give zeros. */
Test(ext_loss, mean_over_all_ignored_is_nan)
{
    int64_t t[12];
    float y[12];
    int i;
    for (i = 0; i < 12; i++)
        t[i] = 3;
    rt_nll_params p = loss_p(RT_REDUCTION_MEAN, 1, 3);
    rt_nll_forward(y, er_loss_x, t, NULL, &p);
    near("nll mean, all ignored", y, er_nll_mean_all_ignored, 1, 0, 0);
    rt_sce_forward(y, NULL, er_loss_x, t, er_loss_w, &p);
    cr_assert(isnan(y[0]), "sce mean, all ignored: %g", (double)y[0]);
    p.reduction = RT_REDUCTION_SUM;
    rt_nll_forward(y, er_loss_x, t, NULL, &p);
    cr_assert(y[0] == 0.0f);
    p.reduction = RT_REDUCTION_NONE;
    rt_sce_forward(y, NULL, er_loss_x, t, NULL, &p);
    for (i = 0; i < 12; i++)
        cr_assert(y[i] == 0.0f);
}

/* A run-time target outside [0, C) that is not ignore_index reads nothing
 * out of bounds: it counts as ignored. */
Test(ext_loss, out_of_range_target_is_safe)
{
    const float x[4] = {-1.0f, -2.0f, -3.0f, -4.0f};
    const int64_t t[2] = {1, 99};
    float y;
    rt_nll_params p;
    memset(&p, 0, sizeof p);
    p.n = 2;
    p.c = 2;
    p.inner = 1;
    p.reduction = RT_REDUCTION_MEAN;
    rt_nll_forward(&y, x, t, NULL, &p);
    cr_assert(y == 2.0f, "got %g", (double)y); /* -x[0][1] over one counted row */
}

/* ================================================================ Resize */

static rt_resize_params rs_p(rt_resize_mode m, rt_coord_mode c, rt_nearest_mode nm)
{
    rt_resize_params p;
    int k;
    memset(&p, 0, sizeof p);
    p.mode = m;
    p.coord = c;
    p.nearest = nm;
    p.cubic_a = -0.75f;
    p.ndim = 4;
    for (k = 0; k < 4; k++) {
        p.in[k] = k == 2 ? 5 : k == 3 ? 7 : 1;
        p.out[k] = k == 2 ? 3 : k == 3 ? 4 : 1;
        p.scale[k] = k >= 2 ? (double)0.6f : 1.0;
    }
    return p;
}

/* Scales below 1 (0.6, fractional taps): PyTorch's bilinear and bicubic
 * (half_pixel) and nearest (asymmetric, floor). */
Test(ext_resize, downsample_matches_pytorch)
{
    float y[12];
    rt_resize_params p = rs_p(RT_RESIZE_LINEAR, RT_COORD_HALF_PIXEL, RT_NEAREST_FLOOR);
    /* PyTorch divides by the scale in float64 from the double 0.6, onnxcc
     * from the float 0.6f: coordinates differ by 1e-8 relative */
    p.scale[2] = p.scale[3] = 0.6;
    rt_resize_forward(y, er_rs_x, NULL, &p);
    near("bilinear", y, er_rs_bilinear, 12, 1e-6, 1e-6);
    p.mode = RT_RESIZE_CUBIC;
    rt_resize_forward(y, er_rs_x, NULL, &p);
    near("bicubic", y, er_rs_bicubic, 12, 1e-6, 1e-6);
    p.mode = RT_RESIZE_NEAREST;
    p.coord = RT_COORD_ASYMMETRIC;
    rt_resize_forward(y, er_rs_x, NULL, &p);
    near("nearest", y, er_rs_nearest, 12, 0, 0);
}

/* tf_crop_and_resize: samples whose coordinate leaves the input take the
 * extrapolation value (spec). roi [0, 0, -0.5, 0.5] x [1, 1, 0.5, 1.5] on a
 * 1x1x2x2 input, 2x2 output: rows at y = -0.5 and 0.5, columns at 0.5, 1.5:
 * only (1, 0) lies inside, at (0.5, 0.5), the mean of the four inputs. */
Test(ext_resize, crop_and_resize_extrapolates)
{
    const float x[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    const float roi[8] = {0.0f, 0.0f, -0.5f, 0.5f, 1.0f, 1.0f, 0.5f, 1.5f};
    float y[4];
    rt_resize_params p;
    int k;
    memset(&p, 0, sizeof p);
    p.mode = RT_RESIZE_LINEAR;
    p.coord = RT_COORD_TF_CROP_AND_RESIZE;
    p.extrapolation = -7.0f;
    p.ndim = 4;
    for (k = 0; k < 4; k++) {
        p.in[k] = p.out[k] = k >= 2 ? 2 : 1;
        p.scale[k] = 1.0;
    }
    rt_resize_forward(y, x, roi, &p);
    cr_assert(y[0] == -7.0f && y[1] == -7.0f && y[2] == 2.5f && y[3] == -7.0f,
              "%g %g %g %g", (double)y[0], (double)y[1], (double)y[2], (double)y[3]);
}

/* ================================================================ recurrent */

static rt_rnn_params rnn_p(rt_rnn_kind k, int dirs, int reverse, int64_t seq, int64_t batch,
                           int64_t input, int64_t hidden)
{
    rt_rnn_params p;
    int d;
    memset(&p, 0, sizeof p);
    p.kind = k;
    p.dirs = dirs;
    p.reverse = reverse;
    p.seq = seq;
    p.batch = batch;
    p.input = input;
    p.hidden = hidden;
    for (d = 0; d < 2; d++) {
        p.act[d][0] = k == RT_RNN_RNN ? RT_RNN_TANH : RT_RNN_SIGMOID;
        p.act[d][1] = RT_RNN_TANH;
        p.act[d][2] = RT_RNN_TANH;
    }
    return p;
}

/* Bidirectional LSTM, sequence_lens {5, 2, 3} of 5 steps: Y is zero past
 * each sequence's end, the reverse direction starts at each sequence's own
 * last step, Y_h and Y_c hold each sequence's final state (PyTorch, packed
 * sequences). */
Test(ext_rnn, lstm_sequence_lens_shorter_than_seq)
{
    rt_rnn_params p = rnn_p(RT_RNN_LSTM, 2, 0, 5, 3, 2, 3);
    float y[90], yh[18], yc[18];
    float *scratch = rt_tfloats(rt_rnn_scratch_size(&p));
    rt_rnn_forward(y, yh, yc, scratch, er_lstm_x, er_lstm_w, er_lstm_r, er_lstm_b, er_lstm_lens,
                   NULL, NULL, NULL, &p);
    near("Y", y, er_lstm_y, 90, 0, 1e-5);
    near("Y_h", yh, er_lstm_yh, 18, 0, 1e-5);
    near("Y_c", yc, er_lstm_yc, 18, 0, 1e-5);
    free(scratch);
}

/* GRU in reverse with linear_before_reset = 0 and an initial state: the
 * ONNX suite's GRU_Helper run forward over the reversed sequence. */
Test(ext_rnn, gru_reverse_matches_onnx_helper)
{
    rt_rnn_params p = rnn_p(RT_RNN_GRU, 1, 1, 4, 2, 3, 2);
    float y[16], yh[4];
    float *scratch = rt_tfloats(rt_rnn_scratch_size(&p));
    rt_rnn_forward(y, yh, NULL, scratch, er_gru_x, er_gru_w, er_gru_r, er_gru_b, NULL, er_gru_h0,
                   NULL, NULL, &p);
    near("Y", y, er_gru_y, 16, 0, 1e-5);
    near("Y_h", yh, er_gru_yh, 4, 0, 1e-5);
    free(scratch);
}

/* ================================================================ indexing */

/* TopK ties: equal values come out by the lower index (spec), largest and
 * smallest; k = len sorts the whole row. Worked by hand. */
Test(ext_index, topk_ties_lower_index_first)
{
    const float x[6] = {1.0f, 3.0f, 3.0f, 2.0f, 3.0f, 1.0f};
    float v[6];
    int64_t ix[6];
    rt_topk_params p = {1, 6, 1, 3, 1};
    rt_topk_forward(v, ix, x, &p);
    cr_assert(ix[0] == 1 && ix[1] == 2 && ix[2] == 4, "%lld %lld %lld", (long long)ix[0],
              (long long)ix[1], (long long)ix[2]);
    cr_assert(v[0] == 3.0f && v[1] == 3.0f && v[2] == 3.0f);
    p.largest = 0;
    p.k = 6;
    rt_topk_forward(v, ix, x, &p);
    {
        const int64_t want[6] = {0, 5, 3, 1, 2, 4};
        int i;
        for (i = 0; i < 6; i++)
            cr_assert(ix[i] == want[i], "smallest: position %d has index %lld", i,
                      (long long)ix[i]);
    }
}

/* OneHot: an index outside [-depth, depth) gives off values only (spec);
 * a negative one counts from depth. */
Test(ext_index, onehot_out_of_range)
{
    const int64_t idx[3] = {-1, 3, 1};
    const float values[2] = {-2.0f, 5.0f};
    const float want[9] = {-2, -2, 5, -2, -2, -2, -2, 5, -2};
    float y[9];
    rt_onehot_params p = {3, 3, 1, 0};
    int i;
    rt_onehot_forward(y, idx, values, &p);
    for (i = 0; i < 9; i++)
        cr_assert(y[i] == want[i], "y[%d] = %g", i, (double)y[i]);
}

/* Run-time indices out of range never write outside y: the scatter skips
 * them, MaxUnpool too, GatherND yields zeros. */
Test(ext_index, bad_runtime_indices_are_skipped)
{
    float x[4] = {1, 2, 3, 4}, y[6], upd[2] = {9, 8};
    int64_t idx[2] = {7, -1};
    rt_scatter_elements_params sp;
    memset(&sp, 0, sizeof sp);
    sp.ndim = 1;
    sp.xshape[0] = 4;
    sp.ishape[0] = 2;
    y[4] = 42.0f;
    rt_scatter_elements_forward(y, x, idx, upd, &sp);
    cr_assert(y[0] == 1 && y[1] == 2 && y[2] == 3 && y[3] == 8 && y[4] == 42.0f);
    {
        rt_unpool_params up;
        memset(&up, 0, sizeof up);
        up.nx = 2;
        up.planes = 1;
        up.din[0] = up.din[1] = up.dout[0] = up.dout[1] = 1;
        up.din[2] = up.dout[2] = 4;
        y[4] = 42.0f;
        rt_maxunpool_forward(y, upd, idx, &up);
        cr_assert(y[0] == 0 && y[1] == 0 && y[2] == 0 && y[3] == 0 && y[4] == 42.0f);
    }
    {
        rt_gathernd_params gp;
        memset(&gp, 0, sizeof gp);
        gp.elem_size = 4;
        gp.k = 1;
        gp.batch = 1;
        gp.nidx = 2;
        gp.slice = 1;
        gp.batch_stride = 4;
        gp.dims[0] = 4;
        rt_gathernd_forward(y, x, idx, &gp);
        cr_assert(y[0] == 0.0f && y[1] == 4.0f);
    }
}

/* Det against numpy (LU with partial pivoting in double); the third matrix
 * has two equal rows. */
Test(ext_index, det_matches_numpy)
{
    float y[3];
    double scratch[16];
    rt_det_params p = {3, 4};
    rt_det_forward(y, scratch, er_det_x, &p);
    near("det", y, er_det_y, 3, 1e-6, 1e-6);
    cr_assert(fabsf(y[2]) <= 1e-6f, "singular: %g", (double)y[2]);
}
