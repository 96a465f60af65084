/*
 * test_conv.c - rt_conv_forward and rt_conv_transpose_forward.
 *
 * Each case is checked against a direct per-output formula in double. For
 * the transposed convolution the reference gathers (which input reaches
 * output o?) while the kernel scatters, so the two share no index logic.
 * Tolerance per output: rt_sum_tol over the K = (c / group) * prod(k) terms
 * plus the bias (extra 2 roundings: the bias and the activation's input),
 * then 4 ulp of the result for the fused activation; every activation used
 * here has slope <= 1, so it does not amplify the sum's error.
 */
#include "rt_test.h"

typedef struct {
    int n, c, m, group;
    int64_t in[3], k[3], s[3], pb[3], pe[3], d[3];
    int64_t outpad[3];          /* transposed convolution only */
    int bias;
    rt_unary_op act;
    float act_alpha, act_beta;
    char name[40];
} conv_case;

/* The activations the conv cases use, in double. */
static double ref_act(rt_unary_op op, double v, double a, double b)
{
    switch (op) {
    case RT_UN_RELU:      return v > 0 ? v : 0;
    case RT_UN_LEAKYRELU: return v >= 0 ? v : a * v;
    case RT_UN_CLIP:      return v < a ? a : (v > b ? b : v);
    case RT_UN_SIGMOID:   return 1 / (1 + exp(-v));
    default:              return v;
    }
}

static void fill_params(rt_conv_params *p, const conv_case *c, int transposed)
{
    int i;
    memset(p, 0, sizeof *p);
    p->n = c->n;
    p->c = c->c;
    p->m = c->m;
    p->group = c->group;
    for (i = 0; i < 3; i++) {
        const int64_t span = (c->k[i] - 1) * c->d[i] + 1;
        p->in[i] = c->in[i];
        p->k[i] = c->k[i];
        p->stride[i] = c->s[i];
        p->pad[i] = c->pb[i];
        p->dilation[i] = c->d[i];
        if (transposed)
            p->out[i] = (c->in[i] - 1) * c->s[i] + span - c->pb[i] - c->pe[i] + c->outpad[i];
        else
            p->out[i] = (c->in[i] + c->pb[i] + c->pe[i] - span) / c->s[i] + 1;
        cr_assert(p->out[i] >= 1, "%s: bad case, out[%d] = %lld", c->name, i, (long long)p->out[i]);
    }
    p->act = c->act;
    p->act_alpha = c->act_alpha;
    p->act_beta = c->act_beta;
}

/* Reference convolution: y[n, oc, o] = b[oc] + sum w[oc, ic, t] x[n, g cg + ic, o s - p + t d]. */
static void ref_conv(double *ref, double *tol, const float *x, const float *w, const float *b,
                     const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    int64_t n, oc, o[3], t[3], ic, f = 0;
    for (n = 0; n < p->n; n++)
        for (oc = 0; oc < p->m; oc++)
            for (o[0] = 0; o[0] < p->out[0]; o[0]++)
                for (o[1] = 0; o[1] < p->out[1]; o[1]++)
                    for (o[2] = 0; o[2] < p->out[2]; o[2]++, f++) {
                        double s = b ? b[oc] : 0.0, mag = fabs(s), v;
                        for (ic = 0; ic < cg; ic++)
                            for (t[0] = 0; t[0] < p->k[0]; t[0]++)
                                for (t[1] = 0; t[1] < p->k[1]; t[1]++)
                                    for (t[2] = 0; t[2] < p->k[2]; t[2]++) {
                                        int64_t i[3], q, xi, wi;
                                        int inside = 1;
                                        for (q = 0; q < 3; q++) {
                                            i[q] = o[q] * p->stride[q] - p->pad[q] + t[q] * p->dilation[q];
                                            if (i[q] < 0 || i[q] >= p->in[q])
                                                inside = 0;
                                        }
                                        if (!inside)
                                            continue;
                                        xi = (((n * p->c + (oc / mg) * cg + ic) * p->in[0] + i[0]) * p->in[1] + i[1]) * p->in[2] + i[2];
                                        wi = (((oc * cg + ic) * p->k[0] + t[0]) * p->k[1] + t[1]) * p->k[2] + t[2];
                                        s += (double)w[wi] * x[xi];
                                        mag += fabs((double)w[wi] * x[xi]);
                                    }
                        v = ref_act(p->act, s, p->act_alpha, p->act_beta);
                        ref[f] = v;
                        tol[f] = rt_sum_tol(cg * p->k[0] * p->k[1] * p->k[2] + 1, 2, mag) +
                                 4 * FLT_EPSILON * fabs(v);
                    }
}

/* Reference transposed convolution, gathering: output o receives input i
 * through tap t when o + pad - t * dilation = i * stride. */
static void ref_conv_t(double *ref, double *tol, const float *x, const float *w, const float *b,
                       const rt_conv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    int64_t n, oc, o[3], t[3], ic, f = 0;
    for (n = 0; n < p->n; n++)
        for (oc = 0; oc < p->m; oc++)
            for (o[0] = 0; o[0] < p->out[0]; o[0]++)
                for (o[1] = 0; o[1] < p->out[1]; o[1]++)
                    for (o[2] = 0; o[2] < p->out[2]; o[2]++, f++) {
                        const int64_t g = oc / mg, ocl = oc % mg;
                        double s = b ? b[oc] : 0.0, mag = fabs(s), v;
                        int64_t terms = 1;
                        for (ic = 0; ic < cg; ic++)
                            for (t[0] = 0; t[0] < p->k[0]; t[0]++)
                                for (t[1] = 0; t[1] < p->k[1]; t[1]++)
                                    for (t[2] = 0; t[2] < p->k[2]; t[2]++) {
                                        int64_t i[3], q, xi, wi, ch = g * cg + ic;
                                        int inside = 1;
                                        for (q = 0; q < 3; q++) {
                                            const int64_t num = o[q] + p->pad[q] - t[q] * p->dilation[q];
                                            if (num < 0 || num % p->stride[q] != 0) {
                                                inside = 0;
                                                break;
                                            }
                                            i[q] = num / p->stride[q];
                                            if (i[q] >= p->in[q])
                                                inside = 0;
                                        }
                                        if (!inside)
                                            continue;
                                        xi = (((n * p->c + ch) * p->in[0] + i[0]) * p->in[1] + i[1]) * p->in[2] + i[2];
                                        wi = (((ch * mg + ocl) * p->k[0] + t[0]) * p->k[1] + t[1]) * p->k[2] + t[2];
                                        s += (double)w[wi] * x[xi];
                                        mag += fabs((double)w[wi] * x[xi]);
                                        terms++;
                                    }
                        v = ref_act(p->act, s, p->act_alpha, p->act_beta);
                        ref[f] = v;
                        tol[f] = rt_sum_tol(terms, 2, mag) + 4 * FLT_EPSILON * fabs(v);
                    }
}

#define ONE3 { 1, 1, 1 }
#define ZERO3 { 0, 0, 0 }
#define PAD1 { 0, 1, 1 }     /* 2-D padding 1: the unused leading axis stays 0 */

static const conv_case conv_cases[] = {
    /*  n  c  m  g   in            k           s            pb           pe           d           */
    /* the blocked-GEMM and depthwise fast paths: edge tiles (m, n not multiples
     * of the 6x16 / 4x8 micro-tiles), K = 1, K beyond one k block (128 / 64),
     * depthwise rows with and without a vectorized interior, stride 2 */
    { 2, 13, 19, 1, { 1, 7, 9 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "pw_edge_tiles" },
    { 1, 300, 7, 1, { 1, 5, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "pw_K300" },
    { 1, 1, 7, 1, { 1, 4, 9 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "pw_K1" },
    /* AVX-512 pointwise: B read in place with a masked edge, the 16-row
     * kernel on a 3x3 or 6x6 map's last 1..16 columns, then 8 rows */
    { 1, 20, 37, 1, { 1, 3, 3 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "pw_3x3_tall" },
    { 2, 9, 16, 1, { 1, 6, 6 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "pw_6x6_tall" },
    { 1, 150, 24, 1, { 1, 1, 70 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "pw_K150_n70" },
    { 1, 70, 13, 1, { 1, 11, 13 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "3x3_K630" },
    { 1, 8, 16, 1, { 1, 16, 16 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "3x3_s2_16x16" },
    { 1, 16, 32, 1, { 1, 32, 32 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "3x3_32x32" },
    { 1, 6, 4, 2, { 1, 9, 10 }, { 1, 3, 3 }, { 1, 2, 1 }, PAD1, { 0, 0, 2 }, { 1, 1, 2 }, ZERO3, 1, RT_UN_CLIP, 0.0f, 6.0f, "grouped_dil_clip" },
    { 2, 5, 5, 5, { 1, 19, 21 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_s1" },
    { 1, 4, 4, 4, { 1, 23, 37 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "dw3x3_s2" },
    { 1, 3, 3, 3, { 1, 48, 48 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_RELU, 0, 0, "dw3x3_s2_48" },
    { 1, 3, 3, 3, { 1, 20, 34 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "dw3x3_s2_endpad" },
    { 1, 2, 2, 2, { 1, 3, 3 }, { 1, 3, 3 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "dw3x3_tiny" },
    { 1, 2, 2, 2, { 1, 2, 5 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_short_rows" },
    /* the depthwise phase-plane path: widths under one vector (5, 3, 6),
     * odd widths, stride 2 with odd sizes and end pads, no padding, several
     * row blocks (a plane larger than the stack buffer), and a row too wide
     * for any block (the fallback) */
    { 1, 64, 64, 64, { 1, 25, 5 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_planes_25x5" },
    { 2, 7, 7, 7, { 1, 3, 3 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_planes_3x3" },
    { 1, 9, 9, 9, { 1, 6, 6 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "dw3x3_planes_s2_6x6" },
    { 1, 5, 5, 5, { 1, 13, 11 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, { 0, 0, 1 }, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_planes_s2_odd" },
    { 1, 4, 4, 4, { 1, 12, 13 }, { 1, 3, 3 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "dw3x3_planes_nopad" },
    { 1, 3, 3, 3, { 1, 17, 19 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_RELU, 0, 0, "dw3x3_planes_s2_nopad" },
    { 1, 2, 2, 2, { 1, 90, 100 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_planes_blocks" },
    { 1, 2, 2, 2, { 1, 70, 101 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "dw3x3_planes_s2_blocks" },
    { 1, 1, 1, 1, { 1, 4, 1500 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_too_wide" },
    /* the AVX-512 depthwise rows (one register per output row, up to 16
     * wide): exactly 16 wide at stride 1 and 2 (a 32-float input row), an
     * odd input width with an end pad at stride 2 */
    { 1, 3, 3, 3, { 1, 5, 16 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_rows_16" },
    { 1, 3, 3, 3, { 1, 7, 32 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "dw3x3_rows_s2_32" },
    { 1, 2, 2, 2, { 1, 6, 31 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_rows_s2_31" },
    /* the AVX-512 flat depthwise (stride 1, same padding, rows of at most
     * 8): registers spanning rows, inner registers with column masks only,
     * one row, a plane of 8-wide rows, other activations */
    { 2, 5, 5, 5, { 1, 6, 6 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "dw3x3_flat_6x6" },
    { 1, 3, 3, 3, { 1, 1, 7 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "dw3x3_flat_1row" },
    { 1, 2, 2, 2, { 1, 33, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "dw3x3_flat_33x8" },
    { 1, 3, 3, 3, { 1, 40, 7 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_flat_40x7" },
    { 1, 2, 2, 2, { 1, 2, 1 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "dw3x3_flat_2x1" },
    /* strided 1x1 without padding (a subsampled copy, then a pointwise
     * product): ResNet's shortcut, rows past one register with a masked
     * edge, stride 3 (plain copy), groups, and too big for the buffer */
    { 1, 16, 32, 1, { 1, 16, 16 }, { 1, 1, 1 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "1x1_s2_16x16" },
    { 2, 3, 4, 1, { 1, 7, 45 }, { 1, 1, 1 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "1x1_s2_45" },
    { 1, 5, 7, 1, { 1, 9, 37 }, { 1, 1, 1 }, { 1, 2, 3 }, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "1x1_s2x3_odd" },
    { 2, 4, 6, 2, { 1, 6, 6 }, { 1, 1, 1 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "1x1_s2_groups" },
    { 1, 40, 3, 1, { 1, 30, 30 }, { 1, 1, 1 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "1x1_s2_big" },
    /* the dense phase-plane product (rt_conv_gemm_planes): a 10x4 stride-2
     * first layer, several row blocks with edge tiles and a batch, stride 2
     * with odd sizes and an end pad, 5x5 unpadded, and K past its tap table
     * (the rt_sgemm fallback) */
    { 1, 1, 64, 1, { 1, 49, 10 }, { 1, 10, 4 }, { 1, 2, 2 }, { 0, 5, 1 }, { 0, 5, 1 }, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_10x4_s2" },
    { 2, 8, 13, 1, { 1, 40, 60 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_blocks" },
    { 2, 16, 9, 1, { 1, 61, 59 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "planes_s2_blocks" },
    { 1, 5, 7, 1, { 1, 15, 17 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, { 0, 0, 1 }, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "planes_s2_odd" },
    /* AVX-512 rows exactly 8 wide: two output rows per tile, an odd row
     * count (the last tile half used), a batch, 1 to 3 tiles */
    { 2, 12, 11, 1, { 1, 7, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_rows8_odd" },
    { 1, 9, 20, 1, { 1, 3, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "planes_rows8_3" },
    /* ... and at stride 2 (output rows 8 wide): an odd row count, an odd
     * input width with an end pad, a batch */
    { 1, 12, 9, 1, { 1, 13, 16 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_rows8_s2_odd" },
    { 2, 5, 17, 1, { 1, 6, 15 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "planes_rows8_s2_w15" },
    /* AVX-512 compact planes (3 wide, same padding, rows of 8, m a multiple
     * of 8): an odd row count (a half tile), an odd tile count (a tile
     * paired with nothing), stride 2 from 15 and 16 columns, a batch */
    { 2, 12, 16, 1, { 1, 7, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "compact_s1_7rows" },
    { 1, 9, 8, 1, { 1, 5, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "compact_s1_5rows" },
    { 1, 5, 24, 1, { 1, 13, 15 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "compact_s2_w15" },
    { 2, 6, 8, 1, { 1, 16, 16 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "compact_s2_16" },
    /* rows of 16 (an odd tile count) and 32 (direct epilogue of full tile
     * pairs), stride 1 and 2, and several row blocks */
    { 1, 7, 16, 1, { 1, 5, 16 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_s1_16_odd" },
    { 2, 4, 8, 1, { 1, 9, 32 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "planes_s1_32" },
    { 1, 3, 16, 1, { 1, 11, 31 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_s2_16_w31" },
    { 1, 5, 8, 1, { 1, 8, 64 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "planes_s2_32" },
    { 1, 40, 8, 1, { 1, 40, 32 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_s1_32_blocks" },
    { 1, 6, 16, 1, { 1, 14, 14 }, { 1, 5, 5 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "planes_5x5" },
    { 1, 3, 8, 1, { 1, 9, 11 }, { 1, 2, 3 }, { 1, 2, 2 }, { 0, 0, 1 }, { 0, 1, 0 }, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "planes_2x3_s2" },
    { 1, 200, 7, 1, { 1, 5, 5 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "planes_K1800_fallback" },
    /* r8s2f: stride 2 through the fill with precomputed lane masks:
     * ResNet-8's 16 -> 32 layer, a batch with an odd input and no padding,
     * an asymmetric pad, one input channel, 64 channels (one row a block),
     * m off the 8-row tiles, rows wider than two mask steps */
    { 1, 16, 32, 1, { 1, 32, 32 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "s2fill_resnet8_16_32" },
    { 3, 7, 13, 1, { 1, 33, 33 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "s2fill_odd_pad0_batch" },
    { 2, 5, 19, 1, { 1, 21, 34 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 0 }, { 0, 0, 1 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "s2fill_asym" },
    { 1, 1, 16, 1, { 1, 31, 31 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "s2fill_c1" },
    { 2, 64, 24, 1, { 1, 16, 16 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "s2fill_c64" },
    { 1, 3, 9, 1, { 1, 9, 101 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "s2fill_w101" },
    { 1, 3, 4, 1, { 1, 5, 6 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "pointwise" },
    { 2, 3, 5, 1, { 1, 7, 8 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "3x3_same" },
    { 1, 2, 3, 1, { 1, 9, 8 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 0, 1 }, { 0, 1, 0 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "stride2_asym_pads" },
    { 2, 4, 6, 2, { 1, 11, 10 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 2, 1 }, { 0, 1, 0 }, { 1, 2, 3 }, ZERO3, 1, RT_UN_NONE, 0, 0, "groups_dilation_stride_asym" },
    { 1, 4, 4, 4, { 1, 8, 8 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "depthwise" },
    { 1, 3, 6, 3, { 1, 9, 7 }, { 1, 5, 3 }, { 1, 2, 2 }, { 0, 2, 1 }, { 0, 2, 1 }, { 1, 1, 2 }, ZERO3, 1, RT_UN_NONE, 0, 0, "depthwise_mult2_stride_dil" },
    { 2, 3, 2, 1, { 1, 1, 17 }, { 1, 1, 5 }, { 1, 1, 3 }, { 0, 0, 2 }, { 0, 0, 3 }, { 1, 1, 2 }, ZERO3, 1, RT_UN_NONE, 0, 0, "conv1d" },
    { 1, 6, 3, 3, { 1, 1, 10 }, { 1, 1, 3 }, ONE3, { 0, 0, 1 }, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "conv1d_groups" },
    { 1, 3, 6, 3, { 5, 6, 7 }, { 2, 3, 2 }, { 1, 2, 1 }, { 1, 0, 1 }, { 0, 1, 1 }, { 2, 1, 1 }, ZERO3, 1, RT_UN_NONE, 0, 0, "conv3d_groups_dil_asym" },
    { 2, 2, 3, 1, { 4, 4, 4 }, { 3, 3, 3 }, { 2, 2, 2 }, ONE3, ONE3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "conv3d_stride" },
    { 1, 2, 3, 1, { 3, 4, 5 }, { 3, 2, 3 }, { 2, 1, 2 }, { 0, 1, 1 }, { 2, 0, 1 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "conv3d_end_pads" },
    { 1, 2, 2, 1, { 1, 2, 3 }, { 1, 3, 4 }, ONE3, { 0, 1, 2 }, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "kernel_bigger_than_input" },
    { 1, 2, 3, 1, { 1, 4, 4 }, { 1, 2, 2 }, ONE3, { 0, 3, 3 }, { 0, 3, 2 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "pads_beyond_kernel" },
    { 1, 2, 2, 1, { 1, 7, 9 }, { 1, 1, 2 }, { 1, 3, 4 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "stride_gt_kernel" },
    { 1, 16, 8, 1, { 1, 6, 6 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wide_K144" },
    { 2, 4, 6, 2, { 1, 9, 8 }, { 1, 3, 3 }, { 1, 2, 1 }, { 0, 1, 0 }, { 0, 0, 2 }, { 1, 1, 2 }, ZERO3, 0, RT_UN_RELU, 0, 0, "relu_no_bias" },
    { 1, 3, 4, 1, { 1, 6, 6 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "leakyrelu" },
    { 1, 3, 4, 1, { 1, 6, 6 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_CLIP, 0.0f, 6.0f, "clip_relu6" },
    { 1, 3, 4, 1, { 1, 6, 6 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "sigmoid" },
    /* mbtrain: pointwise on small maps over the batch as one product
     * (conv_pw.c, no bias or activation): panels crossing images, k past
     * 128 rows of y in two buffers, 3x3 maps, 5x5 maps with k >= 128 */
    { 7, 20, 37, 1, { 1, 3, 3 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "pw_batch_3x3" },
    { 5, 130, 150, 1, { 1, 5, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "pw_batch_5x5_k130" },
    { 3, 9, 300, 1, { 1, 2, 3 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "pw_batch_m300" },
};

/* Run one case forward or transposed with random data and compare. */
static void run_case(const conv_case *c, int transposed)
{
    rt_conv_params p;
    int64_t nx, nw, ny, i;
    float *x, *w, *b, *y;
    double *ref, *tol;
    rt_trng r = { 1234 };

    fill_params(&p, c, transposed);
    nx = (int64_t)c->n * c->c * rt_prod(c->in, 3);
    nw = (transposed ? (int64_t)c->c * (c->m / c->group) : (int64_t)c->m * (c->c / c->group)) *
         rt_prod(c->k, 3);
    ny = (int64_t)c->n * c->m * rt_prod(p.out, 3);
    x = rt_tfloats(nx);
    w = rt_tfloats(nw);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny);
    ref = rt_tdoubles(ny);
    tol = rt_tdoubles(ny);
    rt_fill(x, nx, &r, -1.0f, 1.0f);
    rt_fill(w, nw, &r, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &r, -1.0f, 1.0f);
    for (i = 0; i < ny; i++)
        y[i] = NAN;             /* any output left unwritten shows up */
    if (transposed) {
        rt_conv_transpose_forward(y, x, w, b, &p);
        ref_conv_t(ref, tol, x, w, b, &p);
    } else {
        rt_conv_forward(y, x, w, b, &p);
        ref_conv(ref, tol, x, w, b, &p);
    }
    rt_check(c->name, y, ref, tol, ny);
    free(x); free(w); free(b); free(y); free(ref); free(tol);
}

ParameterizedTestParameters(conv, matches_reference)
{
    return cr_make_param_array(conv_case, (void *)conv_cases, RT_ARRAY_LEN(conv_cases));
}

ParameterizedTest(const conv_case *c, conv, matches_reference)
{
    run_case(c, 0);
}

/* Transposed weights (rt_conv_params.wt, group 1): the weight the test
 * generates in ONNX layout, transposed here to [c * prod(k)][m]; the
 * reference reads the ONNX layout. Pointwise maps of 9, 36 and 64 positions
 * (the AVX-512 transposed product, channel counts off its 32-lane tiles), a
 * larger map and a 3x3 kernel (the strided product), with and without a
 * residual already in y. */
static const conv_case wt_cases[] = {
    { 1, 20, 37, 1, { 1, 3, 3 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "wt_pw_3x3" },
    { 2, 33, 16, 1, { 1, 6, 6 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wt_pw_6x6" },
    { 1, 7, 70, 1, { 1, 8, 8 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_SIGMOID, 0, 0, "wt_pw_8x8" },
    { 1, 5, 3, 1, { 1, 1, 1 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wt_pw_1x1" },
    { 1, 12, 9, 1, { 1, 9, 10 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "wt_pw_90" },
    { 1, 4, 6, 1, { 1, 7, 6 }, { 1, 3, 3 }, { 1, 2, 1 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wt_3x3" },
};

static void run_wt_case(const conv_case *c, int residual)
{
    rt_conv_params p;
    int64_t nx, nw, ny, i, o, k, kk;
    float *x, *w, *wt, *b, *y, *r;
    double *ref, *tol;
    rt_trng rng = { 4321 };

    fill_params(&p, c, 0);
    kk = (int64_t)c->c * rt_prod(c->k, 3);
    nx = (int64_t)c->n * c->c * rt_prod(c->in, 3);
    nw = (int64_t)c->m * kk;
    ny = (int64_t)c->n * c->m * rt_prod(p.out, 3);
    x = rt_tfloats(nx); w = rt_tfloats(nw); wt = rt_tfloats(nw);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny); r = rt_tfloats(ny);
    ref = rt_tdoubles(ny); tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    rt_fill(w, nw, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    rt_fill(r, ny, &rng, -2.0f, 2.0f);
    for (o = 0; o < c->m; o++)
        for (k = 0; k < kk; k++)
            wt[k * c->m + o] = w[o * kk + k];
    /* the residual enters before the activation: check it on act-free cases */
    residual = residual && c->act == RT_UN_NONE;
    ref_conv(ref, tol, x, w, b, &p);
    for (i = 0; i < ny; i++) {
        y[i] = residual ? r[i] : NAN;
        if (residual) {
            ref[i] += r[i];
            tol[i] += 4 * FLT_EPSILON * (fabs(r[i]) + fabs(ref[i]));
        }
    }
    p.wt = 1;
    p.accumulate = residual;
    rt_conv_forward(y, x, wt, b, &p);
    rt_check(c->name, y, ref, tol, ny);
    free(x); free(w); free(wt); free(b); free(y); free(r); free(ref); free(tol);
}

ParameterizedTestParameters(conv, transposed_weights)
{
    return cr_make_param_array(conv_case, (void *)wt_cases, RT_ARRAY_LEN(wt_cases));
}

ParameterizedTest(const conv_case *c, conv, transposed_weights)
{
    run_wt_case(c, 0);
    run_wt_case(c, 1);
}

/* Winograd F(2x2, 3x3) weights (rt_conv_params.wt = 2, infer3): U = G g G^T
 * computed here in double from the definition (the matrix G written out,
 * the products as loops), in the layout onnxcc_rt.h documents: [16][c][m]
 * (r8wino: for every m; it was [16][m][c] below 32 or off multiples of
 * 16 output channels before); rt_conv_forward with
 * wt = 2 then reads U alone on every build (the transforms' AVX-512 code,
 * or plain C on AVX2 and portable builds: what generated code built for
 * AVX-512 runs against a library built without). The reference is the
 * direct convolution of the ONNX weights (ref_conv), with the direct sum's
 * worst-case bound: Winograd's transforms hold only 0, +-1, 1/2, its sums
 * run over c (not 9c) terms, and the measured errors sit two orders of
 * magnitude below that bound. Cases: the tile-lane products (m = 16, and
 * m = 40, not a multiple of 16) and the channel-lane ones (m = 32, 48), rows
 * of 2 to 40 (past the AVX-512 transforms' 32), maps split into several
 * blocks of tile rows (c = 64 on 32-wide rows, the largest row of tiles
 * the buffers take), a batch, with and without a residual, bias and
 * activations. */
static const conv_case wg_cases[] = {
    { 1, 16, 16, 1, { 1, 32, 32 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "wg_16_32x32" },
    { 2, 32, 32, 1, { 1, 16, 16 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_32_16x16_batch" },
    { 1, 64, 64, 1, { 1, 8, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "wg_64_8x8" },
    { 1, 20, 40, 1, { 1, 6, 10 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "wg_m40_6x10" },
    { 1, 17, 48, 1, { 1, 2, 2 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "wg_m48_2x2" },
    { 1, 16, 24, 1, { 1, 4, 40 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "wg_rows40" },
    { 1, 64, 32, 1, { 1, 12, 32 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "wg_blocks" },
    /* r8wino: the AVX-512 kernel's blocks of tiles across the batch. Whole
     * tile rows in a vector (4 and 8 tiles a row) from three images of
     * three tile rows (vectors across images, a partial last one); 17 and
     * 20 output channels (product blocks of 6 and their tails); segments
     * of 7 tiles (blocks across images, 3 x 35 tiles in blocks of 64), of
     * 16 (32 tiles a row), a single tile; 64 input channels (the widest
     * block V takes: 16 tiles) and 65 and 66 (the kernel per image it
     * leaves them to, with 32 and 20 output channels). A single vector of
 * tiles with whole vectors of output channels (wg_64_8x8, wg_m48_2x2,
 * wg_one_tile) takes the per-image kernel too, with 40 (wg_m40_6x10) the
 * batch one. */
    { 3, 16, 17, 1, { 1, 6, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_rows4_3_images" },
    { 3, 24, 20, 1, { 1, 6, 16 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_RELU, 0, 0, "wg_rows8_3_images" },
    { 3, 16, 16, 1, { 1, 10, 14 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_segments_of_7" },
    { 2, 16, 22, 1, { 1, 4, 64 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_rows_of_32_tiles" },
    { 1, 16, 16, 1, { 1, 2, 2 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_one_tile" },
    { 2, 64, 18, 1, { 1, 4, 12 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_c64_blocks_of_16" },
    { 2, 65, 32, 1, { 1, 4, 8 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "wg_c65_per_image" },
    { 1, 66, 20, 1, { 1, 2, 6 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "wg_c66_m20_per_image" },
};

static void wg_transform(double *u, const float *w, int64_t m, int64_t c)
{
    static const double G[4][3] = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
    int64_t o, ic;
    int i, j, a, bb;
    for (o = 0; o < m; o++)
        for (ic = 0; ic < c; ic++)
            for (i = 0; i < 4; i++)
                for (j = 0; j < 4; j++) {
                    double s = 0;
                    for (a = 0; a < 3; a++)
                        for (bb = 0; bb < 3; bb++)
                            s += G[i][a] * w[((o * c + ic) * 3 + a) * 3 + bb] * G[j][bb];
                    u[(4 * i + j) * m * c + ic * m + o] = s;
                }
}

static void run_wg_case(const conv_case *c, int residual)
{
    rt_conv_params p;
    int64_t nx, nw, ny, nu, i;
    float *x, *w, *u, *b, *y, *r;
    double *ud, *ref, *tol;
    rt_trng rng = { 777 };

    fill_params(&p, c, 0);
    cr_assert(rt_conv_winograd_ok(&p), "%s: rt_conv_winograd_ok refuses it", c->name);
    nx = (int64_t)c->n * c->c * rt_prod(c->in, 3);
    nw = (int64_t)c->m * c->c * 9;
    nu = (int64_t)c->m * c->c * 16;     /* U */
    ny = (int64_t)c->n * c->m * rt_prod(p.out, 3);
    x = rt_tfloats(nx); w = rt_tfloats(nw); u = rt_tfloats(nu); ud = rt_tdoubles(nu);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny); r = rt_tfloats(ny);
    ref = rt_tdoubles(ny); tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    rt_fill(w, nw, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    rt_fill(r, ny, &rng, -2.0f, 2.0f);
    /* the runtime's transform (what the compiler stores) against the
     * definition: a few roundings of sums of at most 9 weights of |g| <= 1 */
    wg_transform(ud, w, c->m, c->c);
    rt_conv_winograd_weights(u, w, c->m, c->c);
    {
        double *ut = rt_tdoubles(nu);
        for (i = 0; i < nu; i++)
            ut[i] = 8 * FLT_EPSILON;
        rt_check("winograd weights", u, ud, ut, nu);
        free(ut);
    }
    residual = residual && c->act == RT_UN_NONE;
    ref_conv(ref, tol, x, w, b, &p);
    for (i = 0; i < ny; i++) {
        y[i] = residual ? r[i] : NAN;
        if (residual) {
            ref[i] += r[i];
            tol[i] += 4 * FLT_EPSILON * (fabs(r[i]) + fabs(ref[i]));
        }
    }
    p.wt = 2;
    p.accumulate = residual;
    rt_conv_forward(y, x, u, b, &p);
    rt_check(c->name, y, ref, tol, ny);
    free(x); free(w); free(u); free(ud); free(b); free(y); free(r); free(ref); free(tol);
}

ParameterizedTestParameters(conv, winograd)
{
    return cr_make_param_array(conv_case, (void *)wg_cases, RT_ARRAY_LEN(wg_cases));
}

ParameterizedTest(const conv_case *c, conv, winograd)
{
    run_wg_case(c, 0);
    run_wg_case(c, 1);
}

/* r8fwd: rt_conv_forward_ws (the training step's forward convolution):
 * against the direct sum of the ONNX weights, with its worst-case bound,
 * on every Winograd case (where the library transforms w into the scratch
 * itself, on AVX-512, or runs the usual kernels elsewhere), on a shape
 * rt_conv_winograd_ok refuses (stride 2: the scratch is not touched) and
 * with a NULL scratch. */
static void run_ws_case(const conv_case *c, int stride2, int null_u)
{
    rt_conv_params p;
    int64_t nx, nw, ny, nu, i;
    float *x, *w, *u, *b, *y;
    double *ref, *tol;
    rt_trng rng = { 4242 };

    fill_params(&p, c, 0);
    if (stride2) {
        p.stride[1] = p.stride[2] = 2;
        p.out[1] = (p.in[1] + 2 - 3) / 2 + 1;
        p.out[2] = (p.in[2] + 2 - 3) / 2 + 1;
        cr_assert(!rt_conv_winograd_ok(&p));
    }
    nx = (int64_t)c->n * c->c * rt_prod(c->in, 3);
    nw = (int64_t)c->m * c->c * 9;
    nu = (int64_t)c->m * c->c * 16;
    ny = (int64_t)c->n * c->m * rt_prod(p.out, 3);
    x = rt_tfloats(nx); w = rt_tfloats(nw); u = rt_tfloats(nu);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny); ref = rt_tdoubles(ny); tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    rt_fill(w, nw, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    for (i = 0; i < nu; i++)
        u[i] = 12345.0f;
    for (i = 0; i < ny; i++)
        y[i] = NAN;
    ref_conv(ref, tol, x, w, b, &p);
    rt_conv_forward_ws(y, x, w, b, null_u ? NULL : u, &p);
    rt_check(c->name, y, ref, tol, ny);
    if (stride2 || null_u)      /* (the test's own flags may not be the library's) */
        for (i = 0; i < nu; i++)
            cr_assert_eq(u[i], 12345.0f, "%s: scratch written at %lld", c->name, (long long)i);
    free(x); free(w); free(u); free(b); free(y); free(ref); free(tol);
}

ParameterizedTestParameters(conv, forward_ws)
{
    return cr_make_param_array(conv_case, (void *)wg_cases, RT_ARRAY_LEN(wg_cases));
}

ParameterizedTest(const conv_case *c, conv, forward_ws)
{
    run_ws_case(c, 0, 0);
    run_ws_case(c, 1, 0);
    run_ws_case(c, 0, 1);
}

/* r8elt: rt_conv_forward_ws_res, y = act(conv(x) + b + r) with r in its
 * own buffer (mode 0), r == y (mode 1), and on the stride-2 shape no
 * Winograd takes (mode 2: r copied, then accumulated onto), on every
 * Winograd case: the batch kernel's rows of 4 and 8 tiles and segments
 * read r there, the per-image kernels (65 channels, single vectors) and
 * activations other than Relu take the copy; against the double sum, the
 * activation applied after the residual; r must stay as it was. */
static void run_ws_res_case(const conv_case *c, int mode)
{
    rt_conv_params p, q;
    int64_t nx, nw, ny, nu, i;
    float *x, *w, *u, *b, *y, *r, *r0;
    double *ref, *tol;
    rt_trng rng = { 4343 };

    fill_params(&p, c, 0);
    if (mode == 2) {
        p.stride[1] = p.stride[2] = 2;
        p.out[1] = (p.in[1] + 2 - 3) / 2 + 1;
        p.out[2] = (p.in[2] + 2 - 3) / 2 + 1;
    }
    nx = (int64_t)c->n * c->c * rt_prod(c->in, 3);
    nw = (int64_t)c->m * c->c * 9;
    nu = (int64_t)c->m * c->c * 16;
    ny = (int64_t)c->n * c->m * rt_prod(p.out, 3);
    x = rt_tfloats(nx); w = rt_tfloats(nw); u = rt_tfloats(nu);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny); r = rt_tfloats(ny); r0 = rt_tfloats(ny);
    ref = rt_tdoubles(ny); tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    rt_fill(w, nw, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    rt_fill(r, ny, &rng, -2.0f, 2.0f);
    memcpy(r0, r, (size_t)ny * sizeof(float));
    q = p;
    q.act = RT_UN_NONE;
    ref_conv(ref, tol, x, w, b, &q);
    for (i = 0; i < ny; i++) {
        const double s = ref[i] + r[i];
        tol[i] += 4 * FLT_EPSILON * (fabs((double)r[i]) + fabs(ref[i]));
        ref[i] = ref_act(p.act, s, p.act_alpha, p.act_beta);
        y[i] = mode == 1 ? r[i] : NAN;
    }
    rt_conv_forward_ws_res(y, x, w, b, u, mode == 1 ? y : r, &p);
    rt_check(c->name, y, ref, tol, ny);
    if (mode != 1)
        rt_check_exact(c->name, r, r0, ny);
    free(x); free(w); free(u); free(b); free(y); free(r); free(r0); free(ref); free(tol);
}

ParameterizedTestParameters(conv, forward_ws_res)
{
    return cr_make_param_array(conv_case, (void *)wg_cases, RT_ARRAY_LEN(wg_cases));
}

ParameterizedTest(const conv_case *c, conv, forward_ws_res)
{
    run_ws_res_case(c, 0);
    run_ws_res_case(c, 1);
    run_ws_res_case(c, 2);
}

/* rt_conv_winograd_ok: the shapes the compiler may transform, and no other */
Test(conv, winograd_ok)
{
    rt_conv_params p;
    memset(&p, 0, sizeof p);
    p.n = 1; p.c = 16; p.m = 16; p.group = 1;
    p.in[0] = p.out[0] = p.k[0] = 1;
    p.in[1] = p.out[1] = 8; p.in[2] = p.out[2] = 8;
    p.k[1] = p.k[2] = 3;
    p.stride[0] = p.stride[1] = p.stride[2] = 1;
    p.dilation[0] = p.dilation[1] = p.dilation[2] = 1;
    p.pad[1] = p.pad[2] = 1;
    cr_expect(rt_conv_winograd_ok(&p), "8x8, 16 channels");
    p.c = 15; cr_expect(!rt_conv_winograd_ok(&p), "15 input channels"); p.c = 16;
    p.m = 8; cr_expect(!rt_conv_winograd_ok(&p), "8 output channels"); p.m = 16;
    p.in[1] = p.out[1] = 7; cr_expect(!rt_conv_winograd_ok(&p), "odd height"); p.in[1] = p.out[1] = 8;
    p.stride[2] = 2; cr_expect(!rt_conv_winograd_ok(&p), "stride 2"); p.stride[2] = 1;
    p.dilation[1] = 2; cr_expect(!rt_conv_winograd_ok(&p), "dilation 2"); p.dilation[1] = 1;
    p.pad[2] = 0; cr_expect(!rt_conv_winograd_ok(&p), "no padding"); p.pad[2] = 1;
    p.group = 2; cr_expect(!rt_conv_winograd_ok(&p), "groups"); p.group = 1;
    p.k[2] = 5; cr_expect(!rt_conv_winograd_ok(&p), "3x5 kernel"); p.k[2] = 3;
    p.in[2] = p.out[2] = 130; cr_expect(!rt_conv_winograd_ok(&p), "rows of 130");
    /* one row of tiles must fit the kernel's buffers (16 * max(c, m) * w / 2
     * <= 16384 floats): the weights are U alone, no direct fallback */
    p.in[2] = p.out[2] = 32; p.c = 64;
    cr_expect(rt_conv_winograd_ok(&p), "64 channels on rows of 32");
    p.c = 65; cr_expect(!rt_conv_winograd_ok(&p), "65 input channels on rows of 32");
    p.c = 16; p.m = 65; cr_expect(!rt_conv_winograd_ok(&p), "65 output channels on rows of 32");
    p.m = 256; p.in[2] = p.out[2] = 8; cr_expect(rt_conv_winograd_ok(&p), "256 channels on rows of 8");
}

static const conv_case convt_cases[] = {
    /*  n  c  m  g   in            k           s            pb           pe           d          outpad */
    { 1, 1, 2, 1, { 1, 3, 3 }, { 1, 3, 3 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "basic" },
    { 2, 2, 3, 1, { 1, 3, 4 }, { 1, 3, 3 }, { 1, 3, 2 }, ZERO3, ZERO3, ONE3, { 0, 1, 1 }, 1, RT_UN_NONE, 0, 0, "strides_output_padding" },
    { 1, 2, 2, 1, { 1, 3, 3 }, { 1, 3, 3 }, { 1, 3, 2 }, { 0, 1, 2 }, { 0, 1, 2 }, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "pads" },
    { 1, 2, 3, 1, { 1, 3, 4 }, { 1, 2, 3 }, ONE3, ZERO3, ZERO3, { 1, 2, 3 }, ZERO3, 1, RT_UN_NONE, 0, 0, "dilations" },
    { 2, 4, 6, 2, { 1, 4, 5 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 1, 0 }, { 0, 0, 1 }, { 1, 2, 1 }, ZERO3, 1, RT_UN_NONE, 0, 0, "groups_stride_dil_asym" },
    { 1, 3, 3, 3, { 1, 5, 5 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, { 0, 1, 1 }, 1, RT_UN_NONE, 0, 0, "depthwise" },
    { 1, 4, 8, 4, { 1, 4, 3 }, { 1, 2, 3 }, { 1, 2, 1 }, { 0, 1, 1 }, ZERO3, { 1, 1, 2 }, ZERO3, 0, RT_UN_NONE, 0, 0, "depthwise_mult2" },
    { 2, 3, 2, 1, { 1, 1, 7 }, { 1, 1, 4 }, { 1, 1, 3 }, { 0, 0, 1 }, { 0, 0, 2 }, { 1, 1, 2 }, ZERO3, 1, RT_UN_NONE, 0, 0, "convt1d" },
    { 1, 2, 4, 2, { 3, 4, 3 }, { 2, 3, 2 }, { 2, 1, 2 }, { 1, 0, 0 }, { 0, 1, 1 }, { 1, 1, 2 }, { 1, 0, 0 }, 1, RT_UN_NONE, 0, 0, "convt3d_groups" },
    { 1, 2, 2, 1, { 1, 4, 3 }, { 1, 2, 1 }, { 1, 3, 4 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "stride_gt_kernel_gaps" },
    { 1, 3, 4, 1, { 1, 4, 4 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, { 0, 1, 1 }, 1, RT_UN_RELU, 0, 0, "relu" },
};

ParameterizedTestParameters(conv_transpose, matches_reference)
{
    return cr_make_param_array(conv_case, (void *)convt_cases, RT_ARRAY_LEN(convt_cases));
}

ParameterizedTest(const conv_case *c, conv_transpose, matches_reference)
{
    run_case(c, 1);
}

/* ---------------------------------------------------------------- ONNX examples */

/* A 2-D single-channel conv with all-ones 3x3 weights over x = 0..rows*5-1. */
static void ones_conv(float *y, int64_t rows, int64_t pb0, int64_t pb1, int64_t pe0, int64_t pe1,
                      int64_t stride)
{
    rt_conv_params p;
    float x[35], w[9];
    int i;
    for (i = 0; i < 35; i++)
        x[i] = (float)i;
    for (i = 0; i < 9; i++)
        w[i] = 1.0f;
    memset(&p, 0, sizeof p);
    p.n = p.c = p.m = p.group = 1;
    p.in[0] = 1; p.in[1] = rows; p.in[2] = 5;
    p.k[0] = 1; p.k[1] = 3; p.k[2] = 3;
    p.stride[0] = 1; p.stride[1] = stride; p.stride[2] = stride;
    p.dilation[0] = p.dilation[1] = p.dilation[2] = 1;
    p.pad[1] = pb0; p.pad[2] = pb1;
    p.out[0] = 1;
    p.out[1] = (rows + pb0 + pe0 - 3) / stride + 1;
    p.out[2] = (5 + pb1 + pe1 - 3) / stride + 1;
    p.act = RT_UN_NONE;
    rt_conv_forward(y, x, w, NULL, &p);
}

Test(conv, onnx_examples)
{
    float y[25];
    {
        static const float want[25] = { 12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                                        93, 144, 153, 162, 111, 72, 111, 117, 123, 84 };
        ones_conv(y, 5, 1, 1, 1, 1, 1);
        rt_check_exact("basic_conv_with_padding", y, want, 25);
    }
    {
        static const float want[9] = { 54, 63, 72, 99, 108, 117, 144, 153, 162 };
        ones_conv(y, 5, 0, 0, 0, 0, 1);
        rt_check_exact("basic_conv_without_padding", y, want, 9);
    }
    {
        static const float want[12] = { 12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124 };
        ones_conv(y, 7, 1, 1, 1, 1, 2);
        rt_check_exact("conv_with_strides_padding", y, want, 12);
    }
    {
        static const float want[6] = { 54, 72, 144, 162, 234, 252 };
        ones_conv(y, 7, 0, 0, 0, 0, 2);
        rt_check_exact("conv_with_strides_no_padding", y, want, 6);
    }
    {
        static const float want[8] = { 21, 33, 99, 117, 189, 207, 171, 183 };
        ones_conv(y, 7, 1, 0, 1, 0, 2);
        rt_check_exact("conv_with_strides_and_asymmetric_padding", y, want, 8);
    }
}

/* ConvTranspose of x = 0..8 (3x3) with all-ones [1, 2, 3, 3] weights. */
static void ones_convt(float *y, int64_t s0, int64_t s1, int64_t pb0, int64_t pb1, int64_t pe0,
                       int64_t pe1, int64_t op0, int64_t op1)
{
    rt_conv_params p;
    float x[9], w[18];
    int i;
    for (i = 0; i < 9; i++)
        x[i] = (float)i;
    for (i = 0; i < 18; i++)
        w[i] = 1.0f;
    memset(&p, 0, sizeof p);
    p.n = 1; p.c = 1; p.m = 2; p.group = 1;
    p.in[0] = 1; p.in[1] = 3; p.in[2] = 3;
    p.k[0] = 1; p.k[1] = 3; p.k[2] = 3;
    p.stride[0] = 1; p.stride[1] = s0; p.stride[2] = s1;
    p.dilation[0] = p.dilation[1] = p.dilation[2] = 1;
    p.pad[1] = pb0; p.pad[2] = pb1;
    p.out[0] = 1;
    p.out[1] = 2 * s0 + 3 - pb0 - pe0 + op0;
    p.out[2] = 2 * s1 + 3 - pb1 - pe1 + op1;
    p.act = RT_UN_NONE;
    rt_conv_transpose_forward(y, x, w, NULL, &p);
}

Test(conv_transpose, onnx_examples)
{
    float y[160];
    {
        static const float plane[25] = { 0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15,
                                         9, 20, 33, 24, 13, 6, 13, 21, 15, 8 };
        ones_convt(y, 1, 1, 0, 0, 0, 0, 0, 0);
        rt_check_exact("convtranspose[0]", y, plane, 25);
        rt_check_exact("convtranspose[1]", y + 25, plane, 25);
    }
    {
        /* test_convtranspose_pad / _output_shape: strides [3, 2], output_padding [1, 1] -> 10x8 */
        static const float row0[8] = { 0, 0, 1, 1, 3, 2, 2, 0 };
        static const float row3[8] = { 3, 3, 7, 4, 9, 5, 5, 0 };
        static const float row6[8] = { 6, 6, 13, 7, 15, 8, 8, 0 };
        static const float zero[8] = { 0 };
        int ch, rr;
        ones_convt(y, 3, 2, 0, 0, 0, 0, 1, 1);
        for (ch = 0; ch < 2; ch++)
            for (rr = 0; rr < 10; rr++) {
                const float *want = rr < 3 ? row0 : rr < 6 ? row3 : rr < 9 ? row6 : zero;
                rt_check_exact("convtranspose_output_shape", y + ch * 80 + rr * 8, want, 8);
            }
    }
    {
        /* test_convtranspose_pads: strides [3, 2], pads [1, 2, 1, 2] -> 7x3 */
        static const float want[21] = { 1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15 };
        ones_convt(y, 3, 2, 1, 2, 1, 2, 0, 0);
        rt_check_exact("convtranspose_pads[0]", y, want, 21);
        rt_check_exact("convtranspose_pads[1]", y + 21, want, 21);
    }
    {
        /* test_convtranspose_dilations: 3x3 input, 2x2 weights, dilations 2 -> 5x5 */
        static const float x[9] = { 3, 8, 1, 9, 5, 7, 3, 2, 6 };
        static const float w[4] = { 7, 2, 1, 9 };
        static const float want[25] = { 21, 56, 13, 16, 2, 63, 35, 67, 10, 14, 24, 22, 76, 76, 21,
                                        9, 5, 88, 45, 63, 3, 2, 33, 18, 54 };
        rt_conv_params p;
        memset(&p, 0, sizeof p);
        p.n = p.c = p.m = p.group = 1;
        p.in[0] = 1; p.in[1] = 3; p.in[2] = 3;
        p.k[0] = 1; p.k[1] = 2; p.k[2] = 2;
        p.stride[0] = p.stride[1] = p.stride[2] = 1;
        p.dilation[0] = 1; p.dilation[1] = 2; p.dilation[2] = 2;
        p.out[0] = 1; p.out[1] = 5; p.out[2] = 5;
        p.act = RT_UN_NONE;
        rt_conv_transpose_forward(y, x, w, NULL, &p);
        rt_check_exact("convtranspose_dilations", y, want, 25);
    }
}

/* dscnn: channel-last operands (rt_conv_params.hwc). The data is generated
 * and the reference computed in the usual layout (ref_conv); x is handed to
 * the kernel as [n, pos, c] when RT_CONV_X_HWC is set, y read back from
 * [n, pos, m] when RT_CONV_Y_HWC is, the weights transposed ([c k...][m])
 * when wt. Depthwise 3x3 (both bits, wt): DS-CNN's 25x5 with 64 channels,
 * channel counts off the 16-lane blocks (tails), stride 2 with asymmetric
 * and no padding, maps of one row or column (every position a border), a
 * batch, no bias, other activations. Pointwise: each layout combination,
 * both weight layouts, a batch, channel counts off the tiles. */
typedef struct {
    conv_case c;
    int hwc, wt;
} hwc_case;

#define HWC_BOTH (RT_CONV_X_HWC | RT_CONV_Y_HWC)
static const hwc_case hwc_cases[] = {
    { { 1, 64, 64, 64, { 1, 25, 5 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dw_25x5" }, HWC_BOTH, 1 },
    { { 2, 20, 20, 20, { 1, 7, 9 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "hwc_dw_c20_batch" }, HWC_BOTH, 1 },
    { { 1, 37, 37, 37, { 1, 13, 10 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dw_s2_endpad" }, HWC_BOTH, 1 },
    { { 1, 16, 16, 16, { 1, 9, 11 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "hwc_dw_s2_nobias" }, HWC_BOTH, 1 },
    { { 1, 17, 17, 17, { 1, 6, 7 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "hwc_dw_s2_nopad" }, HWC_BOTH, 1 },
    { { 1, 3, 3, 3, { 1, 1, 6 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dw_1row" }, HWC_BOTH, 1 },
    { { 1, 33, 33, 33, { 1, 4, 1 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_CLIP, 0.0f, 6.0f, "hwc_dw_1col" }, HWC_BOTH, 1 },
    /* ... the same shapes with whole 16-channel blocks (the AVX-512
     * kernel; the ones above run its portable fallback there) */
    { { 2, 48, 48, 48, { 1, 7, 9 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "hwc_dw_c48_batch" }, HWC_BOTH, 1 },
    { { 1, 32, 32, 32, { 1, 13, 10 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, { 0, 1, 1 }, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dw32_s2_endpad" }, HWC_BOTH, 1 },
    { { 1, 32, 32, 32, { 1, 9, 11 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "hwc_dw32_s2_nobias" }, HWC_BOTH, 1 },
    { { 1, 16, 16, 16, { 1, 6, 7 }, { 1, 3, 3 }, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "hwc_dw16_s2_nopad" }, HWC_BOTH, 1 },
    { { 1, 32, 32, 32, { 1, 1, 2 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dw32_1x2" }, HWC_BOTH, 1 },
    { { 1, 16, 16, 16, { 1, 19, 1 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dw16_1col" }, HWC_BOTH, 1 },
    { { 1, 64, 64, 1, { 1, 25, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_pw_x_to_y" }, HWC_BOTH, 0 },
    { { 1, 64, 64, 1, { 1, 25, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_pw_nchw_to_hwc" }, RT_CONV_Y_HWC, 0 },
    { { 1, 64, 64, 1, { 1, 25, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_pw_hwc_to_nchw" }, RT_CONV_X_HWC, 0 },
    { { 2, 19, 37, 1, { 1, 5, 7 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "hwc_pw_both_wt" }, HWC_BOTH, 1 },
    { { 2, 9, 21, 1, { 1, 3, 13 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "hwc_pw_y_wt_nobias" }, RT_CONV_Y_HWC, 1 },
    { { 1, 40, 7, 1, { 1, 6, 6 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "hwc_pw_x_wt" }, RT_CONV_X_HWC, 1 },
    /* the AVX-512 channel-last product (y channel-last, wt): DS-CNN's
     * shape from either layout, tiles of 12 positions with a short last one
     * (125 = 10 x 12 + 5), output channels off the 32-lane tiles, a batch */
    { { 1, 64, 64, 1, { 1, 25, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_pw512_both" }, HWC_BOTH, 1 },
    { { 1, 64, 64, 1, { 1, 25, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_pw512_from_nchw" }, RT_CONV_Y_HWC, 1 },
    { { 2, 24, 70, 1, { 1, 3, 7 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 1, RT_UN_SIGMOID, 0, 0, "hwc_pw512_m70" }, HWC_BOTH, 1 },
    { { 1, 8, 16, 1, { 1, 1, 1 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, ZERO3, 0, RT_UN_NONE, 0, 0, "hwc_pw512_1pos" }, RT_CONV_Y_HWC, 1 },
    /* dense convolutions to a channel-last y (x as usual, wt): DS-CNN's
     * 10x4 stride-2 first layer, output channels off the 32-lane tiles and
     * m = 16 (one register a row), a row of 13 (two tiles), dilation and
     * asymmetric padding, a batch; an input too big for the padded buffer
     * and K past the offset table (the portable loops on every target) */
    { { 1, 1, 64, 1, { 1, 49, 10 }, { 1, 10, 4 }, { 1, 2, 2 }, { 0, 5, 1 }, { 0, 5, 1 }, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dense_10x4_s2" }, RT_CONV_Y_HWC, 1 },
    { { 2, 3, 40, 1, { 1, 7, 13 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_LEAKYRELU, 0.1f, 0, "hwc_dense_m40_w13" }, RT_CONV_Y_HWC, 1 },
    { { 1, 5, 16, 1, { 1, 9, 8 }, { 1, 3, 2 }, { 1, 2, 1 }, { 0, 2, 0 }, { 0, 0, 1 }, { 1, 2, 1 }, ZERO3, 0, RT_UN_NONE, 0, 0, "hwc_dense_m16_dil" }, RT_CONV_Y_HWC, 1 },
    { { 1, 4, 24, 1, { 1, 50, 50 }, { 1, 3, 3 }, { 1, 2, 2 }, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_RELU, 0, 0, "hwc_dense_big_input" }, RT_CONV_Y_HWC, 1 },
    { { 1, 130, 8, 1, { 1, 4, 4 }, { 1, 3, 3 }, ONE3, PAD1, PAD1, ONE3, ZERO3, 1, RT_UN_NONE, 0, 0, "hwc_dense_K1170" }, RT_CONV_Y_HWC, 1 },
};

/* [n, ch, pos] <-> [n, pos, ch]: to_hwc 1 reads the first, writes the second. */
static void hwc_swap(float *dst, const float *src, int64_t n, int64_t ch, int64_t pos, int to_hwc)
{
    int64_t i, j, k;
    for (i = 0; i < n; i++)
        for (j = 0; j < ch; j++)
            for (k = 0; k < pos; k++) {
                const int64_t a = (i * ch + j) * pos + k, h = (i * pos + k) * ch + j;
                if (to_hwc)
                    dst[h] = src[a];
                else
                    dst[a] = src[h];
            }
}

ParameterizedTestParameters(conv, channel_last)
{
    return cr_make_param_array(hwc_case, (void *)hwc_cases, RT_ARRAY_LEN(hwc_cases));
}

ParameterizedTest(const hwc_case *hc, conv, channel_last)
{
    const conv_case *c = &hc->c;
    rt_conv_params p;
    int64_t nx, nw, ny, kk, i, o, k, ipos, opos;
    float *x, *xk, *w, *wk, *b, *y, *yk;
    double *ref, *tol;
    rt_trng rng = { 777 };

    fill_params(&p, c, 0);
    kk = (int64_t)(c->c / c->group) * rt_prod(c->k, 3);
    ipos = rt_prod(c->in, 3);
    opos = rt_prod(p.out, 3);
    nx = (int64_t)c->n * c->c * ipos;
    nw = (int64_t)c->m * kk;
    ny = (int64_t)c->n * c->m * opos;
    x = rt_tfloats(nx); xk = rt_tfloats(nx);
    w = rt_tfloats(nw); wk = rt_tfloats(nw);
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny); yk = rt_tfloats(ny);
    ref = rt_tdoubles(ny); tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    rt_fill(w, nw, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    ref_conv(ref, tol, x, w, b, &p);
    if (hc->hwc & RT_CONV_X_HWC)
        hwc_swap(xk, x, c->n, c->c, ipos, 1);
    else
        memcpy(xk, x, sizeof *x * (size_t)nx);
    for (o = 0; o < c->m; o++)
        for (k = 0; k < kk; k++)
            wk[hc->wt ? k * c->m + o : o * kk + k] = w[o * kk + k];
    for (i = 0; i < ny; i++)
        yk[i] = NAN;            /* any output left unwritten shows up */
    p.hwc = hc->hwc;
    p.wt = hc->wt;
    rt_conv_forward(yk, xk, wk, b, &p);
    if (hc->hwc & RT_CONV_Y_HWC)
        hwc_swap(y, yk, c->n, c->m, opos, 0);
    else
        memcpy(y, yk, sizeof *y * (size_t)ny);
    rt_check(c->name, y, ref, tol, ny);
    free(x); free(xk); free(w); free(wk); free(b); free(y); free(yk); free(ref); free(tol);
}

/* The AVX-512 pointwise product for m <= 16 output channels and k <= 16
 * input channels to a channel-last y (rt_conv_params.hwc with Y, wt: one
 * register a position, the weights held in registers; MobileNet's first
 * pointwise conv, 8 -> 16 on 48 x 48), against a double loop written here
 * in the kernel's own layouts: y[n, pos, oc] = act(r + b[oc] + sum_ic
 * x[ic at pos] w^T[ic, oc]), x [n, c, pos] or [n, pos, c]. Position counts
 * off its 8-position steps (tails only, one step, steps and a tail), k and m
 * at 1 and at the limit 16 and one past it (the general tiles), m below the
 * 16 lanes (masked stores: the floats after y must stay untouched), a
 * batch, no bias, the residual (accumulate) and activations other than
 * ReLU. On other targets the same cases run the portable paths. */
typedef struct {
    int n, c, m, h, w, hwc, bias, residual;
    rt_unary_op act;
    float act_alpha, act_beta;
    char name[40];
} pw16_case;

#define PW16_GUARD 40           /* floats after y that no case may write */
static const pw16_case pw16_cases[] = {
    { 1, 8, 16, 48, 48, RT_CONV_Y_HWC, 1, 0, RT_UN_RELU, 0, 0, "pw16_mobilenet_8to16" },
    { 1, 8, 16, 3, 7, RT_CONV_Y_HWC, 1, 0, RT_UN_RELU, 0, 0, "pw16_21pos_tail5" },
    { 1, 8, 16, 3, 7, HWC_BOTH, 1, 0, RT_UN_RELU, 0, 0, "pw16_x_hwc_tail5" },
    { 1, 16, 16, 5, 5, RT_CONV_Y_HWC, 1, 0, RT_UN_SIGMOID, 0, 0, "pw16_k16_limit" },
    { 1, 16, 16, 5, 5, HWC_BOTH, 1, 0, RT_UN_LEAKYRELU, 0.1f, 0, "pw16_k16_x_hwc" },
    { 1, 17, 16, 5, 5, RT_CONV_Y_HWC, 1, 0, RT_UN_RELU, 0, 0, "pw16_k17_past_limit" },
    { 1, 17, 16, 5, 5, HWC_BOTH, 1, 0, RT_UN_RELU, 0, 0, "pw16_k17_x_hwc" },
    { 1, 8, 17, 4, 5, RT_CONV_Y_HWC, 1, 0, RT_UN_RELU, 0, 0, "pw16_m17_past_limit" },
    { 1, 1, 1, 1, 7, RT_CONV_Y_HWC, 1, 0, RT_UN_RELU, 0, 0, "pw16_k1_m1_7pos" },
    { 1, 1, 1, 2, 4, HWC_BOTH, 0, 0, RT_UN_NONE, 0, 0, "pw16_k1_m1_8pos" },
    { 1, 3, 5, 3, 3, RT_CONV_Y_HWC, 0, 0, RT_UN_NONE, 0, 0, "pw16_m5_nobias_9pos" },
    { 2, 13, 11, 3, 11, RT_CONV_Y_HWC, 1, 0, RT_UN_LEAKYRELU, 0.1f, 0, "pw16_batch_k13_m11" },
    { 2, 13, 11, 3, 11, HWC_BOTH, 1, 0, RT_UN_CLIP, 0.0f, 0.5f, "pw16_batch_x_hwc_clip" },
    { 1, 8, 16, 6, 5, RT_CONV_Y_HWC, 1, 1, RT_UN_RELU, 0, 0, "pw16_residual_relu" },
    { 2, 7, 9, 3, 5, HWC_BOTH, 0, 1, RT_UN_SIGMOID, 0, 0, "pw16_residual_sigmoid" },
    { 1, 16, 16, 1, 1, RT_CONV_Y_HWC, 1, 1, RT_UN_NONE, 0, 0, "pw16_residual_1pos" },
};

ParameterizedTestParameters(conv, pointwise16_channel_last)
{
    return cr_make_param_array(pw16_case, (void *)pw16_cases, RT_ARRAY_LEN(pw16_cases));
}

ParameterizedTest(const pw16_case *c, conv, pointwise16_channel_last)
{
    const int64_t pos = (int64_t)c->h * c->w, nx = c->n * c->c * pos, ny = c->n * pos * c->m;
    rt_conv_params p;
    float *x, *w, *b, *y, *r;
    double *ref, *tol;
    int64_t n, i, oc, ic;
    rt_trng rng = { 4242 };

    memset(&p, 0, sizeof p);
    p.n = c->n;
    p.c = c->c;
    p.m = c->m;
    p.group = 1;
    p.in[0] = p.out[0] = 1;
    p.in[1] = p.out[1] = c->h;
    p.in[2] = p.out[2] = c->w;
    for (i = 0; i < 3; i++)
        p.k[i] = p.stride[i] = p.dilation[i] = 1;
    p.act = c->act;
    p.act_alpha = c->act_alpha;
    p.act_beta = c->act_beta;
    p.accumulate = c->residual;
    p.hwc = c->hwc;
    p.wt = 1;
    x = rt_tfloats(nx);
    w = rt_tfloats((int64_t)c->c * c->m);           /* w^T [c][m] */
    b = c->bias ? rt_tfloats(c->m) : NULL;
    y = rt_tfloats(ny + PW16_GUARD);
    r = rt_tfloats(ny);
    ref = rt_tdoubles(ny); tol = rt_tdoubles(ny);
    rt_fill(x, nx, &rng, -1.0f, 1.0f);
    rt_fill(w, (int64_t)c->c * c->m, &rng, -1.0f, 1.0f);
    if (b)
        rt_fill(b, c->m, &rng, -1.0f, 1.0f);
    rt_fill(r, ny, &rng, -2.0f, 2.0f);
    for (n = 0; n < c->n; n++)
        for (i = 0; i < pos; i++)
            for (oc = 0; oc < c->m; oc++) {
                const int64_t f = (n * pos + i) * c->m + oc;
                double s = (b ? b[oc] : 0.0) + (c->residual ? r[f] : 0.0), mag = fabs(s), v;
                for (ic = 0; ic < c->c; ic++) {
                    const double xv = (c->hwc & RT_CONV_X_HWC) ? x[(n * pos + i) * c->c + ic]
                                                               : x[(n * c->c + ic) * pos + i];
                    s += xv * w[ic * c->m + oc];
                    mag += fabs(xv * w[ic * c->m + oc]);
                }
                v = ref_act(c->act, s, c->act_alpha, c->act_beta);
                ref[f] = v;
                tol[f] = rt_sum_tol(c->c + 2, 2, mag) + 4 * FLT_EPSILON * fabs(v);
            }
    for (i = 0; i < ny; i++)
        y[i] = c->residual ? r[i] : NAN;        /* any output left unwritten shows up */
    for (i = ny; i < ny + PW16_GUARD; i++)
        y[i] = -12345.0f;
    rt_conv_forward(y, x, w, b, &p);
    rt_check(c->name, y, ref, tol, ny);
    for (i = ny; i < ny + PW16_GUARD; i++)
        cr_assert(y[i] == -12345.0f, "%s: float %lld after y written", c->name,
                  (long long)(i - ny));
    free(x); free(w); free(b); free(y); free(r); free(ref); free(tol);
}

/* ReLU in the pointwise kernels keeps a NaN, as the portable rule
 * x < 0 ? 0 : x does and every other fused ReLU in the runtime: a NaN in
 * one input channel at one position makes that position's outputs NaN and
 * no other. m 16 (the AVX-512 m <= 16 kernel there) and 17 (the general
 * tiles). Its max had the operands the other way round and gave 0. */
Test(conv, pointwise_relu_keeps_nan)
{
    static const int ms[] = { 16, 17 };
    for (int t = 0; t < 2; t++) {
        const int c = 2, m = ms[t], pos = 9;
        rt_conv_params p;
        float x[2 * 9], w[2 * 17], y[9 * 17];
        rt_trng rng = { 99 };
        int64_t i, oc;

        memset(&p, 0, sizeof p);
        p.n = 1;
        p.c = c;
        p.m = m;
        p.group = 1;
        p.in[0] = p.out[0] = p.in[1] = p.out[1] = 1;
        p.in[2] = p.out[2] = pos;
        for (i = 0; i < 3; i++)
            p.k[i] = p.stride[i] = p.dilation[i] = 1;
        p.act = RT_UN_RELU;
        p.hwc = RT_CONV_Y_HWC;
        p.wt = 1;
        rt_fill(x, c * pos, &rng, -1.0f, 1.0f);
        rt_fill(w, c * m, &rng, 0.25f, 1.0f);   /* nonzero: NaN * w stays NaN */
        x[0 * pos + 3] = NAN;                   /* channel 0, position 3 */
        rt_conv_forward(y, x, w, NULL, &p);
        for (i = 0; i < pos; i++)
            for (oc = 0; oc < m; oc++) {
                const float v = y[i * m + oc];
                if (i == 3)
                    cr_assert(isnan(v), "m %d: y[pos 3][%lld] = %g, not NaN", m, (long long)oc,
                              (double)v);
                else
                    cr_assert(!isnan(v) && v >= 0.0f, "m %d: y[pos %lld][%lld] = %g", m,
                              (long long)i, (long long)oc, (double)v);
            }
    }
}

/* r8s2f: the same for the stride-2 phase-plane product (its fill with
 * precomputed masks, then the 8-row tiles' direct epilogue): a NaN at one
 * input position makes exactly the outputs whose window holds it NaN. */
Test(conv, stride2_relu_keeps_nan)
{
    enum { C = 4, M = 16, IN = 32, OUT = 16 };
    static float x[C * IN * IN], w[M * C * 9], y[M * OUT * OUT];
    rt_conv_params p;
    rt_trng rng = { 7 };
    int64_t oc, o1, o2;
    const int64_t r = 9, q = 20;                /* the NaN: channel 2, row 9, column 20 */

    memset(&p, 0, sizeof p);
    p.n = 1;
    p.c = C;
    p.m = M;
    p.group = 1;
    p.in[0] = p.out[0] = p.k[0] = 1;
    p.in[1] = p.in[2] = IN;
    p.out[1] = p.out[2] = OUT;
    p.k[1] = p.k[2] = 3;
    p.stride[0] = 1;
    p.stride[1] = p.stride[2] = 2;
    p.pad[1] = p.pad[2] = 1;
    p.dilation[0] = p.dilation[1] = p.dilation[2] = 1;
    p.act = RT_UN_RELU;
    rt_fill(x, C * IN * IN, &rng, -1.0f, 1.0f);
    rt_fill(w, M * C * 9, &rng, 0.25f, 1.0f);   /* nonzero: NaN * w stays NaN */
    x[(2 * IN + r) * IN + q] = NAN;
    rt_conv_forward(y, x, w, NULL, &p);
    for (oc = 0; oc < M; oc++)
        for (o1 = 0; o1 < OUT; o1++)
            for (o2 = 0; o2 < OUT; o2++) {
                const float v = y[(oc * OUT + o1) * OUT + o2];
                /* input row r is in the window of output row o1 when
                 * 0 <= r - (2 o1 - 1) < 3, the same for columns */
                const int hit = r - (2 * o1 - 1) >= 0 && r - (2 * o1 - 1) < 3 &&
                                q - (2 * o2 - 1) >= 0 && q - (2 * o2 - 1) < 3;
                if (hit)
                    cr_assert(isnan(v), "y[%lld][%lld][%lld] = %g, not NaN", (long long)oc,
                              (long long)o1, (long long)o2, (double)v);
                else
                    cr_assert(!isnan(v) && v >= 0.0f, "y[%lld][%lld][%lld] = %g",
                              (long long)oc, (long long)o1, (long long)o2, (double)v);
            }
}
