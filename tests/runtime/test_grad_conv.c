/*
 * test_grad_conv.c - rt_conv_backward.
 *
 * The finite-difference checker of grad_test.h on dx, dw and db over a table
 * of 1-D, 2-D and 3-D convolutions: groups, depthwise (with and without a
 * channel multiplier), strides, dilations, symmetric and asymmetric pads,
 * pads wider than the kernel, kernels wider than the input, strides that
 * skip input positions. The convolution is linear in each of x, w and b, so
 * the central difference has no truncation error: what the tolerance
 * covers is only the float forward's rounding (see grad_test.h).
 */
#include "grad_test.h"

typedef struct {
    int n, c, m, group;
    int64_t in[3], k[3], s[3], pb[3], pe[3], d[3];
    char name[40];
} cgrad_case;

#define ONE3 { 1, 1, 1 }
#define ZERO3 { 0, 0, 0 }

static const cgrad_case cgrad_cases[] = {
    /*  n  c  m  g   in             k            s            pb           pe           d */
    { 1, 3, 2, 1, { 1, 4, 5 }, { 1, 1, 1 }, ONE3, ZERO3, ZERO3, ONE3, "pointwise" },
    { 2, 2, 3, 1, { 1, 5, 5 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "3x3_same" },
    { 1, 2, 2, 1, { 1, 7, 6 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 0, 1 }, { 0, 1, 0 }, ONE3, "stride2_asym_pads" },
    { 1, 4, 4, 2, { 1, 7, 8 }, { 1, 3, 2 }, { 1, 2, 3 }, { 0, 2, 1 }, { 0, 1, 0 }, { 1, 2, 3 }, "groups_dil_stride_asym" },
    { 2, 3, 3, 3, { 1, 5, 5 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "depthwise" },
    { 1, 2, 4, 2, { 1, 7, 6 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 1 }, { 1, 1, 2 }, "depthwise_mult2_stride_dil" },
    { 2, 2, 3, 1, { 1, 1, 13 }, { 1, 1, 4 }, { 1, 1, 3 }, { 0, 0, 2 }, { 0, 0, 1 }, { 1, 1, 2 }, "conv1d" },
    { 1, 4, 2, 2, { 1, 1, 9 }, { 1, 1, 3 }, ONE3, { 0, 0, 1 }, ZERO3, ONE3, "conv1d_groups" },
    { 1, 4, 4, 4, { 1, 1, 8 }, { 1, 1, 3 }, { 1, 1, 2 }, { 0, 0, 1 }, { 0, 0, 1 }, ONE3, "conv1d_depthwise" },
    { 1, 2, 4, 2, { 3, 4, 4 }, { 2, 2, 2 }, { 1, 2, 1 }, { 1, 0, 1 }, { 0, 1, 1 }, { 2, 1, 1 }, "conv3d_groups_dil_asym" },
    { 1, 2, 2, 1, { 4, 4, 4 }, { 3, 3, 3 }, { 2, 2, 2 }, ONE3, ONE3, ONE3, "conv3d_stride" },
    { 1, 2, 2, 1, { 1, 2, 3 }, { 1, 3, 4 }, ONE3, { 0, 1, 2 }, { 0, 1, 1 }, ONE3, "kernel_bigger_than_input" },
    { 1, 2, 3, 1, { 1, 4, 4 }, { 1, 2, 2 }, ONE3, { 0, 3, 3 }, { 0, 3, 2 }, ONE3, "pads_beyond_kernel" },
    { 1, 2, 2, 1, { 1, 7, 9 }, { 1, 1, 2 }, { 1, 3, 4 }, ZERO3, ZERO3, ONE3, "stride_gt_kernel" },
    { 1, 8, 4, 1, { 1, 4, 4 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "wide_K72" },
    /* shapes past the blocked product's tiles (sgemm.c, the dx column tile of
     * conv.c): 7 output channels (an edge of 6-row tiles), 143 output
     * positions (two k blocks for dw, two column tiles for dx), 288 im2col
     * rows (two row blocks of the dx tile), grouped pointwise, long 1-D */
    { 2, 5, 7, 1, { 1, 13, 11 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "edge_tiles_143_positions" },
    { 1, 32, 3, 1, { 1, 8, 8 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "row_blocks_288_stride2" },
    { 2, 6, 9, 3, { 1, 5, 7 }, ONE3, ONE3, ZERO3, ZERO3, ONE3, "pointwise_groups" },
    { 2, 4, 6, 1, { 1, 6, 6 }, ONE3, { 1, 2, 2 }, ZERO3, ZERO3, ONE3, "pointwise_stride2" },
    { 2, 3, 5, 1, { 1, 1, 150 }, { 1, 1, 3 }, ONE3, { 0, 0, 2 }, { 0, 0, 2 }, { 1, 1, 2 }, "conv1d_long_dil" },
    { 2, 3, 3, 3, { 1, 6, 21 }, { 1, 3, 3 }, ONE3, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "depthwise_wide_rows" },
    { 1, 4, 4, 4, { 1, 9, 20 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 0, 1 }, ONE3, "depthwise_stride2_asym" },
    /* dx by stride phases (r8bwd): a 2x2 kernel at stride 3 leaves phases
     * that no tap reaches (0 under overwrite), 56 outputs (past the small
     * maps' packed path) */
    { 1, 2, 3, 1, { 1, 21, 24 }, { 1, 2, 2 }, { 1, 3, 3 }, ZERO3, { 0, 0, 1 }, ONE3, "stride3_k2_empty_phases" },
    /* mbdw: depthwise 3x3 pad 1 at stride 2 (rt_dwk_dx2 on AVX-512), odd
     * rows and even columns */
    { 2, 3, 3, 3, { 1, 7, 8 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 0, 1, 1 }, ONE3, "depthwise_stride2_same" },
};

typedef struct {
    rt_conv_params p;
} cgrad_ctx;

static void cgrad_forward(const gt_op *op, float *y)
{
    const cgrad_ctx *c = op->ctx;
    rt_conv_forward(y, op->in[0], op->in[1], op->in[2], &c->p);
}

static void cgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    const cgrad_ctx *c = op->ctx;
    (void)y;
    rt_conv_backward(grad[0], grad[1], grad[2], dy, op->in[0], op->in[1], &c->p);
}

static void cgrad_params(rt_conv_params *p, const cgrad_case *c)
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
        p->out[i] = (c->in[i] + c->pb[i] + c->pe[i] - span) / c->s[i] + 1;
        cr_assert(p->out[i] >= 1, "%s: bad case", c->name);
    }
    p->act = RT_UN_NONE;
}

ParameterizedTestParameters(grad_conv, finite_differences)
{
    return cr_make_param_array(cgrad_case, (void *)cgrad_cases, RT_ARRAY_LEN(cgrad_cases));
}

ParameterizedTest(const cgrad_case *cc, grad_conv, finite_differences)
{
    cgrad_ctx ctx;
    gt_op op;
    int64_t nx, nw;
    float *x, *w, *b;
    rt_trng r = { 555 };

    cgrad_params(&ctx.p, cc);
    nx = (int64_t)cc->n * cc->c * rt_prod(cc->in, 3);
    nw = (int64_t)cc->m * (cc->c / cc->group) * rt_prod(cc->k, 3);
    x = rt_tfloats(nx);
    w = rt_tfloats(nw);
    b = rt_tfloats(cc->m);
    rt_fill(x, nx, &r, -1.0f, 1.0f);
    rt_fill(w, nw, &r, -1.0f, 1.0f);
    rt_fill(b, cc->m, &r, -1.0f, 1.0f);

    memset(&op, 0, sizeof op);
    op.name = cc->name;
    op.nin = 3;
    op.in[0] = x;
    op.in[1] = w;
    op.in[2] = b;
    op.nel[0] = nx;
    op.nel[1] = nw;
    op.nel[2] = cc->m;
    op.in_name[0] = "x";
    op.in_name[1] = "w";
    op.in_name[2] = "b";
    op.ny = (int64_t)cc->n * cc->m * rt_prod(ctx.p.out, 3);
    op.ctx = &ctx;
    op.forward = cgrad_forward;
    op.backward = cgrad_backward;
    gt_check(&op, 17);
    free(x);
    free(w);
    free(b);
}

/*
 * dx is the transposed convolution of dy with the same weights (the header's
 * contract): rt_conv_backward's dx must equal rt_conv_transpose_forward of
 * dy for the ConvTranspose that undoes the shapes (c and m exchanged, in and
 * out exchanged, the same weights). Checked on a grouped, strided, padded,
 * dilated case; both are float sums of the same K = (m / g) * prod(k)
 * products of size <= 1 in possibly different orders, so each errs by at
 * most rt_sum_tol(K, 0, K) and they differ by at most twice that.
 */
Test(grad_conv, dx_is_transposed_convolution)
{
    const cgrad_case *cc = &cgrad_cases[3];          /* groups_dil_stride_asym */
    const int64_t cg = cc->c / cc->group, mg = cc->m / cc->group;
    rt_conv_params p, pt;
    int64_t nx, nw, ny, ks, i;
    float *x, *w, *wt, *dy, *dx, *dxt;
    double *ref, *tol;
    rt_trng r = { 9 };

    cgrad_params(&p, cc);
    ks = rt_prod(cc->k, 3);
    nx = (int64_t)cc->n * cc->c * rt_prod(cc->in, 3);
    nw = (int64_t)cc->m * cg * ks;
    ny = (int64_t)cc->n * cc->m * rt_prod(p.out, 3);
    x = rt_tfloats(nx);            /* zeros: read only for dw */
    w = rt_tfloats(nw);
    wt = rt_tfloats(nw);
    dy = rt_tfloats(ny);
    dx = rt_tfloats(nx);
    dxt = rt_tfloats(nx);
    ref = rt_tdoubles(nx);
    tol = rt_tdoubles(nx);
    rt_fill(w, nw, &r, -1.0f, 1.0f);
    rt_fill(dy, ny, &r, -1.0f, 1.0f);
    /* ConvTranspose weights are [its input channels, its outputs / g, k] =
     * [m, c / g, k]: the conv's own array, read with the roles exchanged. */
    memcpy(wt, w, (size_t)nw * sizeof(float));
    pt = p;
    pt.c = p.m;
    pt.m = p.c;
    for (i = 0; i < 3; i++) {
        pt.in[i] = p.out[i];
        pt.out[i] = p.in[i];
    }
    rt_conv_backward(dx, NULL, NULL, dy, x, w, &p);
    rt_conv_transpose_forward(dxt, dy, wt, NULL, &pt);
    for (i = 0; i < nx; i++) {
        /* K = mg * ks products of size <= 1 each, two float sums */
        ref[i] = dxt[i];
        tol[i] = 2 * rt_sum_tol(mg * ks, 0, (double)(mg * ks));
    }
    rt_check("dx vs conv_transpose", dx, ref, tol, nx);
    free(x); free(w); free(wt); free(dy); free(dx); free(dxt); free(ref); free(tol);
}

/*
 * Shapes large enough for every blocking of conv_bwd.c's fast paths (rows
 * split into blocks, several images in one block with the zero rows between
 * them, output- and input-channel blocks, stride phase planes, groups,
 * depthwise planes, and a depthwise map too big for them), too
 * large for finite differences over every element: dx and dw are checked
 * against a plain double-precision loop over the definition
 *   dx[n, g cg + ic, i] += w[oc, ic, t] dy[n, oc, o],
 *   dw[oc, ic, t]      += dy[n, oc, o] x[n, g cg + ic, i],
 * for every (o, t) with i = o * s - p + t inside the input (2-D). Each
 * gradient element is a float sum of K products of values in [-1, 1]
 * (K = (m / g) k1 k2 for dx, n out1 out2 for dw); it errs by at most
 * rt_sum_tol(K, 0, K). The results start from random values (the kernel
 * accumulates), added to the reference.
 */
typedef struct {
    int n, c, m, group;
    int64_t in1, in2, k1, k2, s, p1, p2;
    char name[40];
} cbig_case;

static const cbig_case cbig_cases[] = {
    /*  n   c    m   g  in1 in2 k1 k2 s  p1 p2 */
    { 2, 16, 16, 1, 32, 32, 3, 3, 1, 1, 1, "row_blocks_32x32" },
    { 3, 64, 64, 1, 8, 8, 3, 3, 2, 1, 1, "images_per_block_stride2" },
    { 37, 24, 40, 1, 3, 3, 1, 1, 1, 0, 0, "pointwise_3x3_37_images" },
    { 5, 12, 10, 1, 6, 6, 3, 3, 1, 1, 1, "images_per_block_3x3" },
    { 1, 4, 300, 1, 1, 40, 1, 3, 1, 0, 1, "output_channel_blocks" },
    { 2, 300, 6, 1, 4, 4, 3, 3, 1, 1, 1, "input_channel_blocks" },
    { 2, 700, 6, 1, 4, 4, 1, 1, 1, 0, 0, "pointwise_in_place_700_channels" },
    { 2, 8, 12, 2, 9, 11, 3, 3, 1, 1, 0, "groups_asym" },
    { 2, 6, 8, 2, 13, 9, 3, 2, 2, 0, 1, "groups_stride2_phases" },
    { 1, 3, 7, 1, 1, 300, 1, 5, 1, 0, 2, "long_row" },
    { 2, 5, 6, 1, 11, 40, 3, 3, 2, 1, 1, "stride2_wide_rows" },
    { 3, 10, 7, 1, 9, 9, 1, 1, 1, 0, 0, "pointwise_in_place_81" },
    { 2, 9, 8, 1, 40, 40, 1, 1, 1, 0, 0, "pointwise_in_place_chunks" },
    { 3, 8, 8, 8, 24, 24, 3, 3, 2, 1, 1, "depthwise_stride2" },
    { 2, 5, 5, 5, 12, 10, 3, 3, 1, 1, 1, "depthwise_stride1" },
    { 2, 4, 4, 4, 7, 7, 5, 5, 2, 2, 2, "depthwise_5x5_stride2_odd" },
    { 2, 4, 4, 4, 96, 96, 3, 3, 1, 1, 1, "depthwise_too_big_for_planes" },
    { 2, 3, 3, 3, 9, 11, 5, 5, 1, 2, 2, "depthwise_5x5_stride1" },
    { 2, 4, 4, 4, 1, 19, 1, 3, 1, 0, 1, "depthwise_1d_stride1" },
    { 2, 4, 4, 4, 7, 9, 3, 3, 1, 0, 0, "depthwise_3x3_unpadded" },
    { 2, 7, 9, 1, 10, 10, 3, 3, 1, 1, 1, "tile_rows_9_outputs" },
    { 3, 5, 13, 1, 5, 5, 1, 1, 1, 0, 0, "pointwise_13_outputs_25" },
    { 2, 6, 11, 1, 20, 21, 3, 3, 1, 1, 1, "dx_32_and_16_columns" },
    { 3, 5, 6, 1, 2, 4, 1, 1, 1, 0, 0, "pointwise_24_positions_in_all" },
    { 2, 3, 3, 3, 7, 21, 3, 3, 1, 1, 1, "depthwise_stride1_21_wide" },
    { 2, 4, 4, 4, 5, 8, 3, 1, 1, 1, 0, "depthwise_3x1_40_positions" },
    /* depthwise over blocks of images (rt_cbw_dwb): a partial last block,
     * every image in one block, stride 2 spreads, runs and rows */
    { 3, 16, 16, 16, 48, 48, 3, 3, 2, 1, 1, "depthwise_48_stride2_blocks" },
    { 11, 3, 3, 3, 24, 24, 3, 3, 1, 1, 1, "depthwise_24_two_blocks" },
    { 37, 6, 6, 6, 3, 3, 3, 3, 1, 1, 1, "depthwise_3x3_37_images" },
    { 35, 5, 5, 5, 6, 6, 3, 3, 2, 1, 1, "depthwise_6x6_stride2_35_images" },
    { 9, 4, 4, 4, 13, 11, 3, 3, 2, 1, 1, "depthwise_odd_stride2_rows" },
    /* mbdw: the AVX-512 depthwise 3x3 pad-1 backward (rt_dwk_*): a partial
     * last block of images (2 of 221 KB in RT_DWK_L2), flat dw at its limit
     * of 1024 positions and one row past it (wide rows then), rows of 256
     * dy columns (16 chunks, the limit) and 257 (refused: the older path),
     * stride 2 at 512 and 513 dx columns, 16 and 17 (one or two stores of a
     * 32-column chunk), 33, single rows and columns, flipped weights of
     * more than 256 channels (one image a call then) */
    { 3, 8, 8, 8, 48, 48, 3, 3, 1, 1, 1, "dwk_s1_partial_image_block" },
    { 2, 3, 3, 3, 128, 8, 3, 3, 1, 1, 1, "dwk_flat_1024_positions" },
    { 2, 3, 3, 3, 129, 8, 3, 3, 1, 1, 1, "dwk_flat_past_limit" },
    { 2, 2, 2, 2, 3, 256, 3, 3, 1, 1, 1, "dwk_s1_256_columns" },
    { 2, 2, 2, 2, 3, 257, 3, 3, 1, 1, 1, "dwk_s1_257_columns" },
    { 2, 2, 2, 2, 5, 512, 3, 3, 2, 1, 1, "dwk_s2_512_columns" },
    { 2, 2, 2, 2, 5, 513, 3, 3, 2, 1, 1, "dwk_s2_513_columns" },
    { 3, 3, 3, 3, 4, 16, 3, 3, 2, 1, 1, "dwk_s2_16_columns" },
    { 3, 3, 3, 3, 5, 17, 3, 3, 2, 1, 1, "dwk_s2_17_columns" },
    { 2, 3, 3, 3, 9, 33, 3, 3, 2, 1, 1, "dwk_s2_33_columns" },
    { 2, 3, 3, 3, 1, 20, 3, 3, 1, 1, 1, "dwk_s1_one_row" },
    { 2, 3, 3, 3, 9, 1, 3, 3, 1, 1, 1, "dwk_s1_one_column" },
    { 2, 3, 3, 3, 1, 1, 3, 3, 2, 1, 1, "dwk_s2_one_position" },
    { 2, 300, 300, 300, 3, 3, 3, 3, 1, 1, 1, "dwk_flip_300_channels" },
    { 2, 300, 300, 300, 6, 6, 3, 3, 2, 1, 1, "dwk_s2_300_channels" },
    /* pointwise dx and dw over the batch as one product (conv_pw.c) */
    { 3, 20, 130, 1, 6, 6, 1, 1, 1, 0, 0, "pointwise_6x6_dx_batched" },
    { 6, 140, 7, 1, 3, 3, 1, 1, 1, 0, 0, "pointwise_3x3_dx_m140" },
    { 9, 70, 64, 1, 3, 3, 1, 1, 1, 0, 0, "pointwise_3x3_dw_batched" },
    /* the AVX-512 outer-product dw (r8bwd): 32 lanes and a block of 16
     * (48 outputs), a tail of three tap groups (5 channels x 9 taps), rows
     * of dy transposed sixteen at a time and their tails (37 wide), 20
     * outputs (16 lanes, 4 of them past the block), a 5-wide kernel */
    { 3, 5, 48, 1, 11, 13, 3, 3, 2, 1, 1, "dw_outer_48_outputs_stride2" },
    { 2, 3, 40, 1, 6, 37, 3, 3, 1, 1, 1, "dw_outer_40_outputs_37_wide" },
    { 2, 7, 20, 1, 9, 17, 3, 3, 1, 1, 1, "dw_outer_20_outputs_7_channels" },
    { 2, 3, 33, 1, 7, 19, 5, 5, 1, 2, 2, "dw_outer_5x5_33_outputs" },
    /* dx through the Winograd forward kernel (AVX-512, r8bwd): U of all of
     * dx at once (16 -> 16 channels, also row_blocks_32x32 above), and in
     * blocks of dx channels one image at a time: 16 (48 -> 64 channels: U
     * holds 21 of 64) and 18 (48 -> 54) */
    { 3, 16, 16, 1, 6, 10, 3, 3, 1, 1, 1, "dx_winograd_whole" },
    { 2, 64, 48, 1, 8, 6, 3, 3, 1, 1, 1, "dx_winograd_blocks" },
    { 2, 54, 48, 1, 4, 4, 3, 3, 1, 1, 1, "dx_winograd_blocks_of_18" },
    /* r8wino: the batch at once through the AVX-512 kernel, dx's images
     * apart by all of its channels: tile rows of 4 and 8 tiles from three
     * images of three tile rows, 64 dy channels in two blocks of 16 dx
     * channels on 7-tile rows */
    { 3, 20, 16, 1, 6, 8, 3, 3, 1, 1, 1, "dx_winograd_rows4_3_images" },
    { 3, 16, 24, 1, 6, 16, 3, 3, 1, 1, 1, "dx_winograd_rows8_3_images" },
    { 2, 32, 64, 1, 10, 14, 3, 3, 1, 1, 1, "dx_winograd_c64_two_blocks" },
    /* unequal blocks of dx channels (130 = 3 x 44 - 2 for 16 forward
     * outputs) whose largest block exceeds the Winograd tile buffers on a
     * 48-wide map while the smallest fits: the path must refuse (it divided
     * by zero when only the smallest block was checked) */
    { 1, 130, 16, 1, 8, 48, 3, 3, 1, 1, 1, "dx_winograd_unequal_blocks" },
    /* strided dx by stride phases (r8bwd), maps past the packed small-map
     * path: ResNet-8's 3x3 and 1x1 stride-2 shapes scaled down, odd sides
     * (phases of different sizes), a 5x5 kernel at stride 2, a 3x2 one */
    { 2, 16, 32, 1, 15, 17, 3, 3, 2, 1, 1, "dx_phases_3x3_odd" },
    { 2, 16, 32, 1, 16, 16, 1, 1, 2, 0, 0, "dx_phases_1x1_stride2" },
    { 2, 5, 7, 1, 19, 21, 5, 5, 2, 2, 2, "dx_phases_5x5" },
    { 2, 6, 9, 1, 17, 18, 3, 2, 2, 1, 0, "dx_phases_3x2" },
    /* ResNet-8's eight convolutions (r8bwd), two images */
    { 2, 3, 16, 1, 32, 32, 3, 3, 1, 1, 1, "resnet8_conv" },
    { 2, 16, 16, 1, 32, 32, 3, 3, 1, 1, 1, "resnet8_stage1" },
    { 2, 16, 32, 1, 32, 32, 3, 3, 2, 1, 1, "resnet8_stage2_conv1" },
    { 2, 16, 32, 1, 32, 32, 1, 1, 2, 0, 0, "resnet8_stage2_shortcut" },
    { 2, 32, 32, 1, 16, 16, 3, 3, 1, 1, 1, "resnet8_stage2_conv2" },
    { 2, 32, 64, 1, 16, 16, 3, 3, 2, 1, 1, "resnet8_stage3_conv1" },
    { 2, 32, 64, 1, 16, 16, 1, 1, 2, 0, 0, "resnet8_stage3_shortcut" },
    { 2, 64, 64, 1, 8, 8, 3, 3, 1, 1, 1, "resnet8_stage3_conv2" },
};

ParameterizedTestParameters(grad_conv, blocked_vs_reference)
{
    return cr_make_param_array(cbig_case, (void *)cbig_cases, RT_ARRAY_LEN(cbig_cases));
}

/* dx and dw of cc against the double loops; ws: through
 * rt_conv_backward_ws with the U that rt_conv_forward_ws wrote (r8wino),
 * overwrite: p.overwrite set (dx starts as garbage, the reference at 0). */
static void cbig_run(const cbig_case *cc, int ws, int overwrite)
{
    const int64_t cg = cc->c / cc->group, mg = cc->m / cc->group, ks = cc->k1 * cc->k2;
    rt_conv_params p;
    int64_t nx, nw, ny, n, oc, ic, o1, o2, t1, t2, i;
    float *x, *w, *dy, *dx, *dw;
    double *rx, *rw, *tx, *tw;
    rt_trng r = { 31 };

    memset(&p, 0, sizeof p);
    p.n = cc->n;
    p.c = cc->c;
    p.m = cc->m;
    p.group = cc->group;
    p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
    p.in[1] = cc->in1;
    p.in[2] = cc->in2;
    p.k[1] = cc->k1;
    p.k[2] = cc->k2;
    p.stride[1] = p.stride[2] = cc->s;
    p.pad[1] = cc->p1;
    p.pad[2] = cc->p2;
    p.dilation[1] = p.dilation[2] = 1;
    p.out[1] = (cc->in1 + 2 * cc->p1 - cc->k1) / cc->s + 1;
    p.out[2] = (cc->in2 + 2 * cc->p2 - cc->k2) / cc->s + 1;
    p.act = RT_UN_NONE;
    nx = (int64_t)cc->n * cc->c * cc->in1 * cc->in2;
    nw = (int64_t)cc->m * cg * ks;
    ny = (int64_t)cc->n * cc->m * p.out[1] * p.out[2];
    x = rt_tfloats(nx); w = rt_tfloats(nw); dy = rt_tfloats(ny);
    dx = rt_tfloats(nx); dw = rt_tfloats(nw);
    rx = rt_tdoubles(nx); rw = rt_tdoubles(nw); tx = rt_tdoubles(nx); tw = rt_tdoubles(nw);
    rt_fill(x, nx, &r, -1.0f, 1.0f);
    rt_fill(w, nw, &r, -1.0f, 1.0f);
    rt_fill(dy, ny, &r, -1.0f, 1.0f);
    rt_fill(dx, nx, &r, -1.0f, 1.0f);
    rt_fill(dw, nw, &r, -1.0f, 1.0f);
    for (i = 0; i < nx; i++)
        rx[i] = overwrite ? 0.0 : dx[i];
    for (i = 0; i < nw; i++)
        rw[i] = dw[i];
    for (n = 0; n < cc->n; n++)
        for (oc = 0; oc < cc->m; oc++)
            for (ic = 0; ic < cg; ic++)
                for (o1 = 0; o1 < p.out[1]; o1++)
                    for (o2 = 0; o2 < p.out[2]; o2++)
                        for (t1 = 0; t1 < cc->k1; t1++)
                            for (t2 = 0; t2 < cc->k2; t2++) {
                                const int64_t i1 = o1 * cc->s - cc->p1 + t1;
                                const int64_t i2 = o2 * cc->s - cc->p2 + t2;
                                const int64_t xi = ((n * cc->c + oc / mg * cg + ic) * cc->in1 + i1) *
                                                   cc->in2 + i2;
                                const int64_t wi = (oc * cg + ic) * ks + t1 * cc->k2 + t2;
                                const double d = dy[((n * cc->m + oc) * p.out[1] + o1) * p.out[2] + o2];
                                if (i1 < 0 || i1 >= cc->in1 || i2 < 0 || i2 >= cc->in2)
                                    continue;
                                rx[xi] += (double)w[wi] * d;
                                rw[wi] += d * x[xi];
                            }
    for (i = 0; i < nx; i++)
        tx[i] = rt_sum_tol(mg * ks, 1, (double)(mg * ks) + 1.0);
    for (i = 0; i < nw; i++)
        tw[i] = rt_sum_tol(cc->n * p.out[1] * p.out[2], 1, (double)(cc->n * p.out[1] * p.out[2]) + 1.0);
    p.overwrite = overwrite;
    if (ws) {
        const int64_t nu = 16 * (int64_t)cc->m * cc->c;
        float *u = rt_tfloats(nu), *y = rt_tfloats(ny);
        for (i = 0; i < nu; i++)
            u[i] = NAN;     /* read only where the forward wrote it */
        rt_conv_forward_ws(y, x, w, NULL, u, &p);
        rt_conv_backward_ws(dx, dw, NULL, dy, x, w, u, &p);
        free(u); free(y);
    } else {
        rt_conv_backward(dx, dw, NULL, dy, x, w, &p);
    }
    rt_check(cc->name, dx, rx, tx, nx);
    rt_check(cc->name, dw, rw, tw, nw);
    free(x); free(w); free(dy); free(dx); free(dw);
    free(rx); free(rw); free(tx); free(tw);
}

ParameterizedTest(const cbig_case *cc, grad_conv, blocked_vs_reference)
{
    cbig_run(cc, 0, 0);
}

/*
 * r8sdx: dx of 3x3 pad-1 and 1x1 stride-2 convolutions gathered by output
 * phase (rt_cbw_dx_s2, AVX-512), accumulating and overwriting, against the
 * double loops: maps 8 wide (two dy rows a block) with an even and an odd
 * number of rows (a last block of one row), rows 9 to 32 wide (one or two
 * blocks, the last masked down to one lane), even and odd dx sides (in =
 * 2 out or 2 out - 1: the last odd row or column not stored), an odd
 * number of blocks (the tile's second block empty), dx channel counts not
 * multiples of the tile's 2 (3x3) or 4 (1x1), output channels not
 * multiples of 16 and a single one (only the masked last step), the
 * smallest maps it takes (32 positions, where the packed small-map path
 * refuses 150 x 40 channels; 40), a single dy row (37 wide, from one or
 * two dx rows), groups, and shapes the path
 * refuses (7-wide maps, pad 0 at 3x3, 5x5) that must still come out right.
 */
static const cbig_case sdx_cases[] = {
    /*  n   c    m   g  in1 in2 k1 k2 s  p1 p2 */
    { 2, 3, 6, 1, 16, 16, 3, 3, 2, 1, 1, "sdx_8wide_even" },
    { 2, 7, 5, 1, 15, 16, 3, 3, 2, 1, 1, "sdx_8wide_odd_dx_rows" },
    { 3, 4, 9, 1, 13, 15, 3, 3, 2, 1, 1, "sdx_8wide_7_rows_odd_dx" },
    { 3, 5, 7, 1, 17, 33, 3, 3, 2, 1, 1, "sdx_17wide_one_lane_tail" },
    { 2, 9, 33, 1, 18, 64, 3, 3, 2, 1, 1, "sdx_32wide_two_blocks" },
    { 2, 3, 5, 1, 10, 20, 3, 3, 2, 1, 1, "sdx_10wide_odd_block_count" },
    { 2, 1, 17, 1, 18, 18, 3, 3, 2, 1, 1, "sdx_9wide_one_channel" },
    { 2, 8, 12, 2, 17, 16, 3, 3, 2, 1, 1, "sdx_groups_8wide" },
    { 2, 16, 32, 1, 32, 32, 3, 3, 2, 1, 1, "sdx_resnet8_stage2" },
    { 2, 32, 64, 1, 16, 16, 3, 3, 2, 1, 1, "sdx_resnet8_stage3" },
    { 3, 7, 5, 1, 17, 17, 1, 1, 2, 0, 0, "sdx_1x1_9wide_odd" },
    { 2, 6, 10, 1, 16, 15, 1, 1, 2, 0, 0, "sdx_1x1_8wide" },
    { 2, 5, 3, 1, 13, 16, 1, 1, 2, 0, 0, "sdx_1x1_8wide_7_rows" },
    { 2, 4, 19, 1, 20, 34, 1, 1, 2, 0, 0, "sdx_1x1_17wide_4_channels" },
    { 2, 6, 4, 2, 18, 18, 1, 1, 2, 0, 0, "sdx_1x1_groups" },
    { 2, 16, 32, 1, 32, 32, 1, 1, 2, 0, 0, "sdx_resnet8_shortcut2" },
    { 2, 32, 64, 1, 16, 16, 1, 1, 2, 0, 0, "sdx_resnet8_shortcut3" },
    { 2, 3, 20, 1, 9, 15, 3, 3, 2, 1, 1, "sdx_8wide_40_positions" },
    { 2, 3, 1, 1, 16, 16, 3, 3, 2, 1, 1, "sdx_one_output_channel" },
    { 2, 5, 1, 1, 17, 18, 1, 1, 2, 0, 0, "sdx_1x1_one_output_channel" },
    { 2, 3, 5, 1, 2, 74, 3, 3, 2, 1, 1, "sdx_one_row_37_wide" },
    { 2, 3, 5, 1, 1, 73, 3, 3, 2, 1, 1, "sdx_one_dx_row" },
    { 2, 5, 4, 1, 1, 80, 1, 1, 2, 0, 0, "sdx_1x1_one_row" },
    { 1, 40, 150, 1, 8, 16, 3, 3, 2, 1, 1, "sdx_32_positions_past_small" },
    { 2, 5, 6, 1, 14, 14, 3, 3, 2, 1, 1, "sdx_refused_7wide" },
    { 2, 5, 6, 1, 17, 17, 3, 3, 2, 0, 0, "sdx_refused_pad0" },
    { 2, 4, 6, 1, 20, 20, 5, 5, 2, 2, 2, "sdx_refused_5x5" },
};

ParameterizedTestParameters(grad_conv, sdx_vs_reference)
{
    return cr_make_param_array(cbig_case, (void *)sdx_cases, RT_ARRAY_LEN(sdx_cases));
}

ParameterizedTest(const cbig_case *cc, grad_conv, sdx_vs_reference)
{
    cbig_run(cc, 0, 0);
    cbig_run(cc, 0, 1);
}

/* r8sdx: p->overwrite on the phase path stores the same bits as
 * accumulating into zeros (garbage in dx before), 3x3 and 1x1. */
Test(grad_conv, overwrite_sdx)
{
    static const int pick[] = { 1, 2, 3, 11, 12 };
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(pick); t++) {
        const cbig_case *cc = &sdx_cases[pick[t]];
        rt_conv_params p;
        int64_t nx, nw, ny, i;
        float *x, *w, *dy, *acc, *ow;
        rt_trng r = { 55 };

        memset(&p, 0, sizeof p);
        p.n = cc->n;
        p.c = cc->c;
        p.m = cc->m;
        p.group = cc->group;
        p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
        p.in[1] = cc->in1;
        p.in[2] = cc->in2;
        p.k[1] = cc->k1;
        p.k[2] = cc->k2;
        p.stride[1] = p.stride[2] = cc->s;
        p.pad[1] = cc->p1;
        p.pad[2] = cc->p2;
        p.dilation[1] = p.dilation[2] = 1;
        p.out[1] = (cc->in1 + 2 * cc->p1 - cc->k1) / cc->s + 1;
        p.out[2] = (cc->in2 + 2 * cc->p2 - cc->k2) / cc->s + 1;
        p.act = RT_UN_NONE;
        nx = (int64_t)p.n * p.c * p.in[1] * p.in[2];
        nw = (int64_t)p.m * (p.c / p.group) * p.k[1] * p.k[2];
        ny = (int64_t)p.n * p.m * p.out[1] * p.out[2];
        x = rt_tfloats(nx); w = rt_tfloats(nw); dy = rt_tfloats(ny);
        acc = rt_tfloats(nx); ow = rt_tfloats(nx);
        rt_fill(x, nx, &r, -1.0f, 1.0f);
        rt_fill(w, nw, &r, -1.0f, 1.0f);
        rt_fill(dy, ny, &r, -1.0f, 1.0f);
        rt_fill(ow, nx, &r, -9.0f, 9.0f);
        for (i = 0; i < nx; i++)
            acc[i] = 0.0f;
        rt_conv_backward(acc, NULL, NULL, dy, x, w, &p);
        p.overwrite = 1;
        rt_conv_backward(ow, NULL, NULL, dy, x, w, &p);
        rt_check_exact(cc->name, ow, acc, nx);
        free(x); free(w); free(dy); free(acc); free(ow);
    }
}

/* r8wino: rt_conv_backward_ws (the backward of rt_conv_forward_ws, dx from
 * the forward's U on AVX-512) against the same double loops, accumulating
 * and with overwrite: ResNet-8's three Winograd shapes, tile rows of 4 and
 * 8 tiles from three images, 7-tile rows, 17 and 20 dx channels (product
 * blocks of 6 and tails), 64 dy channels (the most the batch kernel
 * takes) and 65 (left to rt_conv_backward), a stride-2 shape that is no
 * Winograd one (U never written: NaN there would show), 4 tiles in all (a
 * partial vector, 32 dx channels). */
static const cbig_case cws_cases[] = {
    { 2, 16, 16, 1, 32, 32, 3, 3, 1, 1, 1, "ws_resnet8_stage1" },
    { 2, 32, 32, 1, 16, 16, 3, 3, 1, 1, 1, "ws_resnet8_stage2" },
    { 2, 64, 64, 1, 8, 8, 3, 3, 1, 1, 1, "ws_resnet8_stage3" },
    { 3, 17, 16, 1, 6, 8, 3, 3, 1, 1, 1, "ws_rows4_3_images" },
    { 3, 20, 24, 1, 6, 16, 3, 3, 1, 1, 1, "ws_rows8_3_images" },
    { 2, 18, 20, 1, 10, 14, 3, 3, 1, 1, 1, "ws_segments_of_7" },
    { 2, 16, 64, 1, 4, 12, 3, 3, 1, 1, 1, "ws_dy64" },
    { 2, 16, 65, 1, 4, 8, 3, 3, 1, 1, 1, "ws_dy65_fallback" },
    { 2, 16, 32, 1, 12, 12, 3, 3, 2, 1, 1, "ws_stride2_not_winograd" },
    { 1, 32, 16, 1, 4, 4, 3, 3, 1, 1, 1, "ws_4_tiles_in_all" },
};

ParameterizedTestParameters(grad_conv, backward_ws_vs_reference)
{
    return cr_make_param_array(cbig_case, (void *)cws_cases, RT_ARRAY_LEN(cws_cases));
}

ParameterizedTest(const cbig_case *cc, grad_conv, backward_ws_vs_reference)
{
    cbig_run(cc, 1, 0);
    cbig_run(cc, 1, 1);
}

/* r8elt: p.relu_dx, the Relu mask of x applied to dx in place after it is
 * accumulated or stored (the Winograd dX's output stage on AVX-512, a pass
 * after rt_conv_backward elsewhere), against the double loops masked: every
 * shape of cws_cases (rows of 4 and 8 tiles, segments, partial vectors, the
 * dy65 and stride-2 fallbacks), both modes; x holds negatives, exact zeros
 * (masked), NaN (kept, as rt_unary_backward's Relu) and -0 (masked); masked
 * entries must be +0 exactly, as 0 + the masked value. */
static void relu_dx_run(const cbig_case *cc, int overwrite)
{
    rt_conv_params p;
    int64_t nx, ny, n, oc, ic, o1, o2, t1, t2, i;
    float *x, *w, *dy, *dx, *u, *y;
    double *rx, *tx;
    rt_trng r = { 47 };

    memset(&p, 0, sizeof p);
    p.n = cc->n;
    p.c = cc->c;
    p.m = cc->m;
    p.group = 1;
    p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
    p.in[1] = cc->in1;
    p.in[2] = cc->in2;
    p.k[1] = cc->k1;
    p.k[2] = cc->k2;
    p.stride[1] = p.stride[2] = cc->s;
    p.pad[1] = cc->p1;
    p.pad[2] = cc->p2;
    p.dilation[1] = p.dilation[2] = 1;
    p.out[1] = (cc->in1 + 2 * cc->p1 - cc->k1) / cc->s + 1;
    p.out[2] = (cc->in2 + 2 * cc->p2 - cc->k2) / cc->s + 1;
    p.act = RT_UN_NONE;
    nx = (int64_t)cc->n * cc->c * cc->in1 * cc->in2;
    ny = (int64_t)cc->n * cc->m * p.out[1] * p.out[2];
    x = rt_tfloats(nx); w = rt_tfloats((int64_t)cc->m * cc->c * cc->k1 * cc->k2);
    dy = rt_tfloats(ny); dx = rt_tfloats(nx); y = rt_tfloats(ny);
    u = rt_tfloats(16 * (int64_t)cc->m * cc->c);
    rx = rt_tdoubles(nx); tx = rt_tdoubles(nx);
    rt_fill(x, nx, &r, -1.0f, 1.0f);
    for (i = 0; i < nx; i += 7)
        x[i] = i % 3 ? 0.0f : -0.0f;
    for (i = 5; i < nx; i += 13)
        x[i] = NAN;
    rt_fill(w, (int64_t)cc->m * cc->c * cc->k1 * cc->k2, &r, -1.0f, 1.0f);
    rt_fill(dy, ny, &r, -1.0f, 1.0f);
    rt_fill(dx, nx, &r, -1.0f, 1.0f);
    for (i = 0; i < nx; i++)
        rx[i] = overwrite ? 0.0 : dx[i];
    for (n = 0; n < cc->n; n++)
        for (oc = 0; oc < cc->m; oc++)
            for (ic = 0; ic < cc->c; ic++)
                for (o1 = 0; o1 < p.out[1]; o1++)
                    for (o2 = 0; o2 < p.out[2]; o2++)
                        for (t1 = 0; t1 < cc->k1; t1++)
                            for (t2 = 0; t2 < cc->k2; t2++) {
                                const int64_t i1 = o1 * cc->s - cc->p1 + t1;
                                const int64_t i2 = o2 * cc->s - cc->p2 + t2;
                                if (i1 < 0 || i1 >= cc->in1 || i2 < 0 || i2 >= cc->in2)
                                    continue;
                                rx[((n * cc->c + ic) * cc->in1 + i1) * cc->in2 + i2] +=
                                    (double)w[((oc * cc->c + ic) * cc->k1 + t1) * cc->k2 + t2] *
                                    dy[((n * cc->m + oc) * p.out[1] + o1) * p.out[2] + o2];
                            }
    for (i = 0; i < nx; i++) {
        tx[i] = rt_sum_tol(cc->m * cc->k1 * cc->k2, 1, (double)(cc->m * cc->k1 * cc->k2) + 1.0);
        if (x[i] <= 0.0f)
            rx[i] = 0.0;
    }
    for (i = 0; i < 16 * (int64_t)cc->m * cc->c; i++)
        u[i] = NAN;
    /* the forward on a copy of x without NaN writes U (x's values do not
     * matter to U, only to y, which is not checked) */
    rt_conv_forward_ws(y, dx, w, NULL, u, &p);
    p.overwrite = overwrite;
    p.relu_dx = 1;
    rt_conv_backward_ws(dx, NULL, NULL, dy, x, w, u, &p);
    rt_check(cc->name, dx, rx, tx, nx);
    for (i = 0; i < nx; i++)
        if (x[i] <= 0.0f && (dx[i] != 0.0f || signbit(dx[i])))
            cr_assert_fail("%s: dx[%lld] = %g where x = %g, want +0", cc->name, (long long)i,
                           (double)dx[i], (double)x[i]);
    free(x); free(w); free(dy); free(dx); free(u); free(y);
    free(rx); free(tx);
}

ParameterizedTestParameters(grad_conv, relu_dx_vs_reference)
{
    return cr_make_param_array(cbig_case, (void *)cws_cases, RT_ARRAY_LEN(cws_cases));
}

ParameterizedTest(const cbig_case *cc, grad_conv, relu_dx_vs_reference)
{
    relu_dx_run(cc, 0);
    relu_dx_run(cc, 1);
}

/*
 * p->overwrite (set by the compiler when dx is a gradient's first writer):
 * dx ends up with the very bits that accumulating into zeros gives, over
 * garbage, on every path: the dense stride-1 fast path, the pointwise
 * product, depthwise at stride 1 and 2, and the portable im2col path
 * (strided, dilated, 3-D).
 */
Test(grad_conv, overwrite_equals_accumulating_into_zeros)
{
    static const int which[] = { 0, 1, 2, 3, 4, 5, 9, 10, 16, 17, 18, 20, 21, 22, 23 };
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(which); t++) {
        const cgrad_case *cc = &cgrad_cases[which[t]];
        rt_conv_params p;
        int64_t nx, nw, ny, i;
        float *x, *w, *dy, *acc, *ow;
        rt_trng r = { 101 };

        cgrad_params(&p, cc);
        nx = (int64_t)cc->n * cc->c * rt_prod(cc->in, 3);
        nw = (int64_t)cc->m * (cc->c / cc->group) * rt_prod(cc->k, 3);
        ny = (int64_t)cc->n * cc->m * rt_prod(p.out, 3);
        x = rt_tfloats(nx); w = rt_tfloats(nw); dy = rt_tfloats(ny);
        acc = rt_tfloats(nx); ow = rt_tfloats(nx);
        rt_fill(x, nx, &r, -1.0f, 1.0f);
        rt_fill(w, nw, &r, -1.0f, 1.0f);
        rt_fill(dy, ny, &r, -1.0f, 1.0f);
        rt_fill(ow, nx, &r, -9.0f, 9.0f);
        for (i = 0; i < nx; i++)
            acc[i] = 0.0f;
        rt_conv_backward(acc, NULL, NULL, dy, x, w, &p);
        p.overwrite = 1;
        rt_conv_backward(ow, NULL, NULL, dy, x, w, &p);
        rt_check_exact(cc->name, ow, acc, nx);
        free(x); free(w); free(dy); free(acc); free(ow);
    }
}

/*
 * p->overwrite on the shapes whose dx runs through the Winograd forward
 * kernel on AVX-512 (its epilogue without the residual) and through the
 * wide-row fast path elsewhere: the same bits as accumulating into zeros,
 * over garbage, for U of the whole dx and for blocks of it.
 */
Test(grad_conv, overwrite_winograd_dx)
{
    static const int shapes[][4] = { { 16, 16, 6, 10 }, { 64, 48, 8, 6 } };  /* c m h w */
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(shapes); t++) {
        rt_conv_params p;
        int64_t nx, nw, ny, i;
        float *x, *w, *dy, *acc, *ow;
        rt_trng r = { 77 };

        memset(&p, 0, sizeof p);
        p.n = 2;
        p.c = shapes[t][0];
        p.m = shapes[t][1];
        p.group = 1;
        p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
        p.in[1] = p.out[1] = shapes[t][2];
        p.in[2] = p.out[2] = shapes[t][3];
        p.k[1] = p.k[2] = 3;
        p.stride[1] = p.stride[2] = p.dilation[1] = p.dilation[2] = 1;
        p.pad[1] = p.pad[2] = 1;
        p.act = RT_UN_NONE;
        nx = (int64_t)p.n * p.c * p.in[1] * p.in[2];
        nw = (int64_t)p.m * p.c * 9;
        ny = (int64_t)p.n * p.m * p.out[1] * p.out[2];
        x = rt_tfloats(nx); w = rt_tfloats(nw); dy = rt_tfloats(ny);
        acc = rt_tfloats(nx); ow = rt_tfloats(nx);
        rt_fill(x, nx, &r, -1.0f, 1.0f);
        rt_fill(w, nw, &r, -1.0f, 1.0f);
        rt_fill(dy, ny, &r, -1.0f, 1.0f);
        rt_fill(ow, nx, &r, -9.0f, 9.0f);
        for (i = 0; i < nx; i++)
            acc[i] = 0.0f;
        rt_conv_backward(acc, NULL, NULL, dy, x, w, &p);
        p.overwrite = 1;
        rt_conv_backward(ow, NULL, NULL, dy, x, w, &p);
        rt_check_exact("overwrite_winograd_dx", ow, acc, nx);
        free(x); free(w); free(dy); free(acc); free(ow);
    }
}

/*
 * r8dw: dw of dense 3x3 stride-1 "same" convolutions (the Winograd
 * F(3x3, 2x2) path of conv_bwd.c on AVX-512, the direct paths elsewhere) on
 * small integers: x, dy in [-3, 3] and dw starting at integers in [-9, 9].
 * Every intermediate of either algorithm is then an integer or a quarter
 * of one well below 2^24 (Winograd's transforms hold 0, +-1 and 1/2), so
 * the float result must equal the double reference exactly: a wrong,
 * missing or doubled term shows, however small, which the worst-case
 * tolerance of blocked_vs_reference would hide on long sums. Shapes:
 * 16 lanes (m = 16) and 32 (m = 20: 12 lanes past the outputs; m = 48: a
 * second block of 16), input-channel blocks of 16 and 32 with tails (17,
 * 40), several images in one block of tiles with a partial last block
 * (5 images of 8x6), rows of tiles split into blocks with a partial last
 * one (32x34: a block holds 3 of the 16 rows), a non-square map, 2-wide
 * maps (one tile), and shapes the path refuses (odd sides, 15 channels).
 * db (which the Winograd path sums from its copy of dy) is checked the
 * same way, and so is the strided 1x1 dw (rt_cbw_dw_1x1s), shapes below.
 */
typedef struct {
    int n, c, m;
    int64_t h, w, k, s;     /* kernel k x k, stride s, padding k / 2 */
    char name[40];
} wdw_case;

static const wdw_case wdw_cases[] = {
    { 3, 16, 16, 6, 10, 3, 1, "wdw_16_lanes_6x10" },
    { 5, 40, 20, 8, 6, 3, 1, "wdw_image_blocks_c40_m20" },
    { 2, 17, 48, 32, 34, 3, 1, "wdw_row_blocks_c17_m48" },
    { 7, 16, 16, 2, 4, 3, 1, "wdw_one_tile_row" },
    { 2, 64, 64, 8, 8, 3, 1, "wdw_resnet8_stage3" },
    { 2, 32, 32, 16, 16, 3, 1, "wdw_resnet8_stage2" },
    { 2, 16, 16, 32, 32, 3, 1, "wdw_resnet8_stage1" },
    /* r8dwt: blocks within 48 KB (RT_CBW_WDL1): two rows of 16 tiles a
     * block with a partial last one (15 rows), 16 and 32 lanes with
     * several images a block and a partial last block (9 + 2, 3 + 3 + 1),
     * and a 40-wide map whose one row of tiles exceeds the L1 budget (the
     * whole buffer instead) */
    { 2, 16, 16, 30, 32, 3, 1, "wdw_l1_rows_partial" },
    { 11, 16, 16, 4, 4, 3, 1, "wdw_l1_images_16_lanes" },
    { 7, 40, 20, 4, 6, 3, 1, "wdw_l1_images_32_lanes" },
    { 2, 32, 32, 4, 40, 3, 1, "wdw_l1_wide_row" },
    /* r8dwt: the outer-product dw of rt_cbw_dw (exact too), 16 lanes in
     * tiles of nine columns (rt_cbw_dw_op3's three groups): ResNet-8's first
     * layer (3 channels, 27 columns), 5 channels (45) with 12 outputs (4
     * lanes idle); 4 channels keep tiles of twelve */
    { 2, 3, 16, 32, 32, 3, 1, "wdw_op3_resnet8_conv0" },
    { 3, 5, 12, 9, 13, 3, 1, "wdw_op3_c5_m12" },
    { 2, 4, 16, 10, 6, 3, 1, "wdw_op3_c4_twelve" },
    { 2, 16, 16, 7, 8, 3, 1, "wdw_odd_side_refused" },
    { 2, 15, 32, 8, 8, 3, 1, "wdw_15_channels_refused" },
    /* strided 1x1 (rt_cbw_dw_1x1s): ResNet-8's shortcuts, odd sides (the
     * last kept column and row), stride 3, 20 and 48 outputs (lanes past
     * them, a second block of 16), 8, 12 and 40 inputs (blocks of 16 and 32
     * with tails), blocks of 64 positions across images (2 rows of 31, an
     * image's 17 rows odd; r8dwt), 4 positions an image (one output row
     * each) and rows of 75 positions (one a block, past 64) */
    { 2, 16, 32, 32, 32, 1, 2, "wdw_1x1_resnet8_stage2" },
    { 2, 32, 64, 16, 16, 1, 2, "wdw_1x1_resnet8_stage3" },
    { 3, 12, 20, 9, 13, 1, 2, "wdw_1x1_odd_c12_m20" },
    { 2, 40, 48, 11, 10, 1, 3, "wdw_1x1_stride3_c40_m48" },
    { 3, 8, 16, 34, 61, 1, 2, "wdw_1x1_blocks_31_wide" },
    { 9, 16, 16, 2, 8, 1, 2, "wdw_1x1_one_row_images" },
    { 2, 16, 32, 3, 150, 1, 2, "wdw_1x1_rows_past_64" },
    { 2, 7, 16, 8, 8, 1, 2, "wdw_1x1_7_channels_refused" },
    /* strided k x k, tap by tap (rt_cbw_dw_tx): ResNet-8's stride-2 3x3
     * layers, odd sides (the padding column and row on the far side), 20
     * and 48 outputs, 17 and 40 inputs, stride 3, a 2x2 kernel (padding 1
     * on the near side only), blocks of 256 positions across images (out2
     * 15: 17 rows a block), one output row an image; 5x5 (25 taps) and
     * 15 inputs are refused */
    { 2, 16, 32, 32, 32, 3, 2, "wdw_tx_resnet8_stage2" },
    { 2, 32, 64, 16, 16, 3, 2, "wdw_tx_resnet8_stage3" },
    { 3, 17, 20, 13, 11, 3, 2, "wdw_tx_odd_c17_m20" },
    { 2, 40, 48, 14, 17, 3, 3, "wdw_tx_stride3_c40_m48" },
    { 2, 16, 16, 9, 12, 2, 2, "wdw_tx_2x2_kernel" },
    { 4, 16, 32, 29, 29, 3, 2, "wdw_tx_blocks_15_wide" },
    { 5, 16, 16, 2, 6, 3, 2, "wdw_tx_one_row_images" },
    /* r8dwt: Xt holds each image's input rows once; stride 3 over a 2x2
     * kernel leaves rows between the units' (transposed, unread) */
    { 3, 16, 16, 11, 11, 2, 3, "wdw_tx_stride_past_kernel" },
    { 2, 16, 16, 12, 12, 5, 2, "wdw_tx_5x5_refused" },
    { 2, 15, 16, 12, 12, 3, 2, "wdw_tx_15_channels_refused" },
};

ParameterizedTestParameters(grad_conv, winograd_dw_exact)
{
    return cr_make_param_array(wdw_case, (void *)wdw_cases, RT_ARRAY_LEN(wdw_cases));
}

ParameterizedTest(const wdw_case *cc, grad_conv, winograd_dw_exact)
{
    rt_conv_params p;
    int64_t nx, nw, ny, n, oc, ic, o1, o2, t1, t2, i, o1n, o2n, ks;
    float *x, *dy, *dw, *want, *db, *wantb;
    double *rw, *rb;
    rt_trng r = { 97 };

    memset(&p, 0, sizeof p);
    p.n = cc->n;
    p.c = cc->c;
    p.m = cc->m;
    p.group = 1;
    p.in[0] = p.out[0] = p.k[0] = p.stride[0] = p.dilation[0] = 1;
    p.in[1] = cc->h;
    p.in[2] = cc->w;
    p.out[1] = (cc->h + 2 * (cc->k / 2) - cc->k) / cc->s + 1;
    p.out[2] = (cc->w + 2 * (cc->k / 2) - cc->k) / cc->s + 1;
    p.k[1] = p.k[2] = cc->k;
    p.stride[1] = p.stride[2] = cc->s;
    p.pad[1] = p.pad[2] = cc->k / 2;
    p.dilation[1] = p.dilation[2] = 1;
    p.act = RT_UN_NONE;
    o1n = p.out[1];
    o2n = p.out[2];
    ks = cc->k * cc->k;
    nx = (int64_t)cc->n * cc->c * cc->h * cc->w;
    ny = (int64_t)cc->n * cc->m * o1n * o2n;
    nw = (int64_t)cc->m * cc->c * ks;
    x = rt_tfloats(nx); dy = rt_tfloats(ny); dw = rt_tfloats(nw); want = rt_tfloats(nw);
    rw = rt_tdoubles(nw);
    db = rt_tfloats(cc->m); wantb = rt_tfloats(cc->m); rb = rt_tdoubles(cc->m);
    for (i = 0; i < cc->m; i++)
        rb[i] = db[i] = (float)rt_rng_int(&r, -9, 10);
    for (i = 0; i < nx; i++)
        x[i] = (float)rt_rng_int(&r, -3, 4);
    for (i = 0; i < ny; i++)
        dy[i] = (float)rt_rng_int(&r, -3, 4);
    for (i = 0; i < nw; i++)
        rw[i] = dw[i] = (float)rt_rng_int(&r, -9, 10);
    for (n = 0; n < cc->n; n++)
        for (oc = 0; oc < cc->m; oc++)
            for (i = 0; i < o1n * o2n; i++)
                rb[oc] += dy[(n * cc->m + oc) * o1n * o2n + i];
    for (n = 0; n < cc->n; n++)
        for (oc = 0; oc < cc->m; oc++)
            for (ic = 0; ic < cc->c; ic++)
                for (o1 = 0; o1 < o1n; o1++)
                    for (o2 = 0; o2 < o2n; o2++)
                        for (t1 = 0; t1 < cc->k; t1++)
                            for (t2 = 0; t2 < cc->k; t2++) {
                                const int64_t i1 = o1 * cc->s - cc->k / 2 + t1;
                                const int64_t i2 = o2 * cc->s - cc->k / 2 + t2;
                                if (i1 < 0 || i1 >= cc->h || i2 < 0 || i2 >= cc->w)
                                    continue;
                                rw[(oc * cc->c + ic) * ks + t1 * cc->k + t2] +=
                                    (double)dy[((n * cc->m + oc) * o1n + o1) * o2n + o2] *
                                    x[((n * cc->c + ic) * cc->h + i1) * cc->w + i2];
                            }
    for (i = 0; i < nw; i++) {
        cr_assert(fabs(rw[i]) < 16777216.0, "%s: reference not exact in float", cc->name);
        want[i] = (float)rw[i];
    }
    for (i = 0; i < cc->m; i++)
        wantb[i] = (float)rb[i];
    rt_conv_backward(NULL, dw, db, dy, x, NULL, &p);
    rt_check_exact(cc->name, dw, want, nw);
    rt_check_exact(cc->name, db, wantb, cc->m);
    free(x); free(dy); free(dw); free(want); free(rw); free(db); free(wantb); free(rb);
}
