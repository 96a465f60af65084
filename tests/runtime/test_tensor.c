/*
 * test_tensor.c - rt_copy_strided, rt_pad_forward, rt_gather_forward,
 * rt_cast_forward. All data movement: every check is exact.
 */
#include "rt_test.h"

/* ================================================================ copy_strided */

/* Reference: visit every index of shape[] by unravelling a flat counter and
 * copy one element between the two computed byte addresses. */
static void ref_copy(unsigned char *y, const unsigned char *x, const rt_copy_params *p)
{
    const int64_t n = rt_prod(p->shape, p->ndim);
    int64_t f;
    for (f = 0; f < n; f++) {
        int64_t rem = f, yo = p->yoff, xo = p->xoff;
        int i;
        for (i = p->ndim - 1; i >= 0; i--) {
            const int64_t id = rem % p->shape[i];
            rem /= p->shape[i];
            yo += id * p->ystride[i];
            xo += id * p->xstride[i];
        }
        memcpy(y + yo * p->elem_size, x + xo * p->elem_size, (size_t)p->elem_size);
    }
}

/* Run one copy against the reference over whole buffers (so writes outside
 * the target positions are caught too). */
static void check_copy(const char *what, const rt_copy_params *p, int64_t xelems, int64_t yelems)
{
    const size_t xb = (size_t)(xelems * p->elem_size), yb = (size_t)(yelems * p->elem_size);
    unsigned char *x = rt_talloc(xb, 1), *y = rt_talloc(yb, 1), *want = rt_talloc(yb, 1);
    rt_trng r = { 71 };
    size_t i;
    for (i = 0; i < xb; i++)
        x[i] = (unsigned char)rt_rng_next(&r);
    memset(y, 0xAB, yb);
    memset(want, 0xAB, yb);
    rt_copy_strided(y, x, p);
    ref_copy(want, x, p);
    for (i = 0; i < yb; i++)
        if (y[i] != want[i])
            cr_assert_fail("%s: byte %zu: got 0x%02x, expected 0x%02x", what, i, y[i], want[i]);
    free(x); free(y); free(want);
}

/* Transpose [2, 3, 4] -> perm (2, 0, 1), y [4, 2, 3]: y strides dense,
 * x strides are x's dense strides picked by the permutation. */
Test(copy_strided, transpose)
{
    rt_copy_params p;
    memset(&p, 0, sizeof p);
    p.elem_size = 4;
    p.ndim = 3;
    p.shape[0] = 4; p.shape[1] = 2; p.shape[2] = 3;
    p.ystride[0] = 6; p.ystride[1] = 3; p.ystride[2] = 1;
    p.xstride[0] = 1; p.xstride[1] = 12; p.xstride[2] = 4;
    check_copy("transpose", &p, 24, 24);
    {
        /* and by hand: 2x3 int32 transpose */
        const int32_t x[6] = { 1, 2, 3, 4, 5, 6 }, want[6] = { 1, 4, 2, 5, 3, 6 };
        int32_t y[6];
        p.ndim = 2;
        p.shape[0] = 3; p.shape[1] = 2;
        p.ystride[0] = 2; p.ystride[1] = 1;
        p.xstride[0] = 1; p.xstride[1] = 3;
        rt_copy_strided(y, x, &p);
        cr_expect(memcmp(y, want, sizeof y) == 0, "2x3 transpose");
    }
}

/* Slice with negative steps: x[::-1, 1::2] of a [4, 7] float tensor. */
Test(copy_strided, slice_negative_steps)
{
    rt_copy_params p;
    memset(&p, 0, sizeof p);
    p.elem_size = 4;
    p.ndim = 2;
    p.shape[0] = 4; p.shape[1] = 3;
    p.ystride[0] = 3; p.ystride[1] = 1;
    p.xstride[0] = -7; p.xstride[1] = 2;
    p.xoff = 3 * 7 + 1;
    check_copy("slice_reverse_rows", &p, 28, 12);
    p.xstride[0] = 7; p.xstride[1] = -2;    /* x[:, 6::-2] */
    p.shape[1] = 4;
    p.ystride[0] = 4;
    p.xoff = 6;
    check_copy("slice_reverse_cols", &p, 28, 16);
    {
        /* by hand: reversing [1, 2, 3, 4] */
        const float x[4] = { 1, 2, 3, 4 }, want[4] = { 4, 3, 2, 1 };
        float y[4];
        p.ndim = 1;
        p.shape[0] = 4;
        p.ystride[0] = 1;
        p.xstride[0] = -1;
        p.xoff = 3;
        rt_copy_strided(y, x, &p);
        rt_check_exact("reverse", y, want, 4);
    }
}

/* Concat along axis 1: [2, 3] and [2, 4] into [2, 7] via yoff. */
Test(copy_strided, concat)
{
    const float a[6] = { 1, 2, 3, 4, 5, 6 }, b[8] = { 10, 11, 12, 13, 14, 15, 16, 17 };
    const float want[14] = { 1, 2, 3, 10, 11, 12, 13, 4, 5, 6, 14, 15, 16, 17 };
    float y[14];
    rt_copy_params p;
    memset(&p, 0, sizeof p);
    p.elem_size = 4;
    p.ndim = 2;
    p.shape[0] = 2; p.shape[1] = 3;
    p.ystride[0] = 7; p.ystride[1] = 1;
    p.xstride[0] = 3; p.xstride[1] = 1;
    rt_copy_strided(y, a, &p);
    p.shape[1] = 4;
    p.xstride[0] = 4;
    p.yoff = 3;
    rt_copy_strided(y, b, &p);
    rt_check_exact("concat", y, want, 14);
}

/* Expand [3, 1] int64 to [2, 3, 4] with stride 0 on broadcast axes. */
Test(copy_strided, expand_int64)
{
    const int64_t x[3] = { -1, INT64_MAX, 7 };
    int64_t y[24];
    rt_copy_params p;
    int i, j, k;
    memset(&p, 0, sizeof p);
    p.elem_size = 8;
    p.ndim = 3;
    p.shape[0] = 2; p.shape[1] = 3; p.shape[2] = 4;
    p.ystride[0] = 12; p.ystride[1] = 4; p.ystride[2] = 1;
    p.xstride[0] = 0; p.xstride[1] = 1; p.xstride[2] = 0;
    rt_copy_strided(y, x, &p);
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++)
            for (k = 0; k < 4; k++)
                cr_assert(y[(i * 3 + j) * 4 + k] == x[j], "expand [%d,%d,%d]", i, j, k);
}

/* ndim 0: one element at the offsets; and a zero-size shape copies nothing. */
Test(copy_strided, scalar_and_empty)
{
    const float x[3] = { 1, 2, 3 };
    float y[2] = { 0, 0 };
    rt_copy_params p;
    memset(&p, 0, sizeof p);
    p.elem_size = 4;
    p.ndim = 0;
    p.xoff = 2;
    p.yoff = 1;
    rt_copy_strided(y, x, &p);
    cr_expect(y[0] == 0 && y[1] == 3, "scalar copy: %g %g", y[0], y[1]);
    p.ndim = 2;
    p.shape[0] = 3; p.shape[1] = 0;
    p.yoff = p.xoff = 0;
    rt_copy_strided(y, x, &p);
    cr_expect(y[0] == 0 && y[1] == 3, "empty copy wrote");
}

/* Random layouts: rank 0..6, sizes 1..4 (sometimes 0), element sizes
 * 1, 2, 3, 4, 8; x strides a signed permutation of a dense layout or 0
 * (broadcast); y either dense or a window of a larger tensor. */
Test(copy_strided, random_layouts)
{
    static const int sizes[5] = { 1, 2, 3, 4, 8 };
    rt_trng r = { 73 };
    int trial;
    for (trial = 0; trial < 300; trial++) {
        rt_copy_params p;
        int64_t xdims[RT_MAX_DIMS], xdense[RT_MAX_DIMS], ybig[RT_MAX_DIMS], ydense[RT_MAX_DIMS];
        int perm[RT_MAX_DIMS];
        int i, j;
        char what[48];
        memset(&p, 0, sizeof p);
        p.elem_size = sizes[rt_rng_int(&r, 0, 5)];
        p.ndim = (int)rt_rng_int(&r, 0, 7);
        for (i = 0; i < p.ndim; i++) {
            p.shape[i] = rt_rng_int(&r, 1, 5);
            perm[i] = i;
        }
        if (p.ndim > 0 && rt_rng_int(&r, 0, 20) == 0)
            p.shape[rt_rng_int(&r, 0, p.ndim)] = 0;
        for (i = p.ndim - 1; i > 0; i--) {          /* Fisher-Yates */
            const int k = (int)rt_rng_int(&r, 0, i + 1), t = perm[i];
            perm[i] = perm[k];
            perm[k] = t;
        }
        /* x is stored with axis order perm: x dims are shape[perm[.]] */
        for (i = 0; i < p.ndim; i++)
            xdims[i] = p.shape[perm[i]];
        rt_dense_strides(xdense, xdims, p.ndim);
        for (i = 0; i < p.ndim; i++) {
            const int64_t s = xdense[i];
            const int ax = perm[i];
            const int64_t kind = rt_rng_int(&r, 0, 6);
            if (kind == 0) {
                p.xstride[ax] = 0;
            } else if (kind == 1) {
                p.xstride[ax] = -s;
                if (p.shape[ax] > 0)
                    p.xoff += (p.shape[ax] - 1) * s;
            } else {
                p.xstride[ax] = s;
            }
        }
        /* y: a window of a tensor up to 2 larger on each axis */
        for (i = 0; i < p.ndim; i++)
            ybig[i] = p.shape[i] + rt_rng_int(&r, 0, 3);
        rt_dense_strides(ydense, ybig, p.ndim);
        for (i = 0; i < p.ndim; i++) {
            p.ystride[i] = ydense[i];
            p.yoff += rt_rng_int(&r, 0, ybig[i] - p.shape[i] + 1) * ydense[i];
        }
        j = snprintf(what, sizeof what, "random layout %d (ndim %d, es %d)", trial, p.ndim,
                     p.elem_size);
        (void)j;
        check_copy(what, &p, rt_prod(xdims, p.ndim) > 0 ? rt_prod(xdims, p.ndim) : 1,
                   rt_prod(ybig, p.ndim));
    }
}

/* ================================================================ pad */

typedef struct {
    int ndim;
    int64_t in[RT_MAX_DIMS], pb[RT_MAX_DIMS], pe[RT_MAX_DIMS];
    rt_pad_mode mode;
    float value;
    char name[32];
} pad_case;

static const pad_case pad_cases[] = {
    { 2, { 3, 4 }, { 0, 2 }, { 1, 0 }, RT_PAD_CONSTANT, 1.5f, "constant_2d" },
    { 2, { 4, 5 }, { 2, 1 }, { 1, 2 }, RT_PAD_REFLECT, 0, "reflect_2d" },
    { 3, { 2, 3, 4 }, { 1, 2, 3 }, { 2, 1, 0 }, RT_PAD_EDGE, 0, "edge_3d" },
    { 4, { 1, 2, 5, 6 }, { 0, 0, 1, 2 }, { 0, 0, 2, 1 }, RT_PAD_CONSTANT, 0, "nchw_constant" },
    { 4, { 1, 2, 5, 6 }, { 0, 0, 1, 2 }, { 0, 0, 2, 1 }, RT_PAD_REFLECT, 0, "nchw_reflect" },
    { 4, { 1, 2, 5, 6 }, { 0, 0, 4, 3 }, { 0, 0, 3, 5 }, RT_PAD_EDGE, 0, "nchw_edge_big" },
    { 2, { 5, 6 }, { -1, 2 }, { -2, 1 }, RT_PAD_CONSTANT, -3, "crop_and_pad_constant" },
    { 2, { 6, 6 }, { -2, 2 }, { 3, -1 }, RT_PAD_REFLECT, 0, "crop_then_reflect" },
    { 2, { 6, 6 }, { 3, -2 }, { -1, 3 }, RT_PAD_REFLECT, 0, "reflect_then_crop" },
    { 2, { 6, 5 }, { -2, 3 }, { 2, -3 }, RT_PAD_EDGE, 0, "crop_edge" },
    { 1, { 8 }, { -3 }, { -4 }, RT_PAD_CONSTANT, 0, "crop_only" },
    { 1, { 3 }, { 5 }, { 4 }, RT_PAD_REFLECT, 0, "reflect_wider_than_input" },
    { 1, { 6 }, { -4 }, { 3 }, RT_PAD_REFLECT, 0, "crop_then_reflect_wrap" },
    { 1, { 6 }, { 5 }, { -3 }, RT_PAD_REFLECT, 0, "reflect_wrap_then_crop" },
    { 1, { 1 }, { 3 }, { 2 }, RT_PAD_EDGE, 0, "edge_size1" },
    { 1, { 1 }, { 3 }, { 2 }, RT_PAD_REFLECT, 0, "reflect_size1" },
    { 3, { 2, 3, 4 }, { 0, 0, 0 }, { 0, 0, 0 }, RT_PAD_REFLECT, 0, "no_pads" },
    { 5, { 2, 1, 3, 2, 2 }, { 1, 2, 0, 1, 1 }, { 0, 1, 2, 1, 0 }, RT_PAD_REFLECT, 0, "reflect_5d" },
    { 5, { 2, 1, 3, 2, 2 }, { 1, 2, 0, 1, 1 }, { 0, 1, 2, 1, 0 }, RT_PAD_EDGE, 0, "edge_5d" },
    { 2, { 3, 3 }, { -1, 1 }, { -1, 1 }, RT_PAD_REFLECT, 0, "crop_to_one_row" },
};

/* Where index o of a padded axis of length n reads from (nonnegative pads
 * pb), or -1 for the constant. Reflect mirrors step by step until the
 * index lands inside (numpy's rule, which also covers pads >= n). */
static int64_t ref_pad_index(int64_t o, int64_t n, int64_t pb, rt_pad_mode mode)
{
    int64_t i = o - pb;
    if (i >= 0 && i < n)
        return i;
    if (mode == RT_PAD_CONSTANT)
        return -1;
    if (mode == RT_PAD_EDGE)
        return i < 0 ? 0 : n - 1;
    if (n == 1)
        return 0;
    while (i < 0 || i >= n) {
        if (i < 0)
            i = -i;
        if (i >= n)
            i = 2 * (n - 1) - i;
    }
    return i;
}

/* Reference Pad in two explicit steps, as onnxruntime does it: crop the
 * negative pads off into a new tensor, then pad that with the positive ones. */
static void ref_pad(float *y, const float *x, const pad_case *c, const int64_t *out)
{
    int64_t cin[RT_MAX_DIMS], cs[RT_MAX_DIMS], xs[RT_MAX_DIMS], ccs[RT_MAX_DIMS];
    int64_t pb[RT_MAX_DIMS], nc, no, f;
    float *crop;
    int i;
    for (i = 0; i < c->ndim; i++) {
        cs[i] = c->pb[i] < 0 ? -c->pb[i] : 0;
        cin[i] = c->in[i] - cs[i] - (c->pe[i] < 0 ? -c->pe[i] : 0);
        pb[i] = c->pb[i] > 0 ? c->pb[i] : 0;
    }
    rt_dense_strides(xs, c->in, c->ndim);
    rt_dense_strides(ccs, cin, c->ndim);
    nc = rt_prod(cin, c->ndim);
    crop = rt_tfloats(nc);
    for (f = 0; f < nc; f++) {
        int64_t rem = f, xo = 0;
        for (i = c->ndim - 1; i >= 0; i--) {
            xo += (rem % cin[i] + cs[i]) * xs[i];
            rem /= cin[i];
        }
        crop[f] = x[xo];
    }
    no = rt_prod(out, c->ndim);
    for (f = 0; f < no; f++) {
        int64_t rem = f, co = 0;
        int constant = 0;
        for (i = c->ndim - 1; i >= 0; i--) {
            const int64_t s = ref_pad_index(rem % out[i], cin[i], pb[i], c->mode);
            rem /= out[i];
            if (s < 0)
                constant = 1;
            else
                co += s * ccs[i];
        }
        y[f] = constant ? c->value : crop[co];
    }
    free(crop);
}

ParameterizedTestParameters(pad, matches_reference)
{
    return cr_make_param_array(pad_case, (void *)pad_cases, RT_ARRAY_LEN(pad_cases));
}

ParameterizedTest(const pad_case *c, pad, matches_reference)
{
    rt_pad_params p;
    int64_t nx, ny, i;
    float *x, *y, *want;
    rt_trng r = { 79 };
    memset(&p, 0, sizeof p);
    p.mode = c->mode;
    p.value = c->value;
    p.ndim = c->ndim;
    for (i = 0; i < c->ndim; i++) {
        p.in[i] = c->in[i];
        p.pad_begin[i] = c->pb[i];
        p.out[i] = c->in[i] + c->pb[i] + c->pe[i];
    }
    nx = rt_prod(p.in, c->ndim);
    ny = rt_prod(p.out, c->ndim);
    x = rt_tfloats(nx);
    y = rt_tfloats(ny);
    want = rt_tfloats(ny);
    rt_fill(x, nx, &r, -5.0f, 5.0f);
    for (i = 0; i < ny; i++)
        y[i] = NAN;
    rt_pad_forward(y, x, &p);
    ref_pad(want, x, c, p.out);
    rt_check_exact(c->name, y, want, ny);
    free(x); free(y); free(want);
}

/* The examples of the ONNX Pad documentation: data [3, 2], pads [0, 2, 0, 0]. */
Test(pad, onnx_examples)
{
    const float x[6] = { 1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f };
    float y[12];
    rt_pad_params p;
    memset(&p, 0, sizeof p);
    p.ndim = 2;
    p.in[0] = 3; p.in[1] = 2;
    p.out[0] = 3; p.out[1] = 4;
    p.pad_begin[1] = 2;
    {
        const float want[12] = { 0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f };
        p.mode = RT_PAD_CONSTANT;
        rt_pad_forward(y, x, &p);
        rt_check_exact("pad_constant", y, want, 12);
    }
    {
        const float want[12] = { 1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f };
        p.mode = RT_PAD_REFLECT;
        rt_pad_forward(y, x, &p);
        rt_check_exact("pad_reflect", y, want, 12);
    }
    {
        const float want[12] = { 1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f };
        p.mode = RT_PAD_EDGE;
        rt_pad_forward(y, x, &p);
        rt_check_exact("pad_edge", y, want, 12);
    }
    {
        /* 1-D by hand: [1, 2, 3, 4] pads (2, 2) reflect -> [3, 2, 1, 2, 3, 4, 3, 2] */
        const float x1[4] = { 1, 2, 3, 4 }, want[8] = { 3, 2, 1, 2, 3, 4, 3, 2 };
        p.ndim = 1;
        p.in[0] = 4; p.out[0] = 8; p.pad_begin[0] = 2;
        p.mode = RT_PAD_REFLECT;
        rt_pad_forward(y, x1, &p);
        rt_check_exact("pad_reflect_1d", y, want, 8);
    }
}

/* ================================================================ gather */

typedef struct {
    int64_t outer, axis_len, inner, nidx;
    int elem_size;
    char name[24];
} gather_case;

static const gather_case gather_cases[] = {
    { 1, 5, 1, 8, 4, "axis0_1d" },
    { 1, 6, 4, 10, 4, "rows" },
    { 3, 5, 2, 7, 4, "middle_axis" },
    { 4, 6, 1, 5, 8, "last_axis_i64" },
    { 2, 3, 3, 0, 4, "no_indices" },
    { 2, 4, 5, 6, 1, "bytes" },
    { 2, 7, 3, 9, 2, "halves" },
};

ParameterizedTestParameters(gather, matches_reference)
{
    return cr_make_param_array(gather_case, (void *)gather_cases, RT_ARRAY_LEN(gather_cases));
}

/* Indices drawn from [-len - 2, len + 2): negative ones, and out of range
 * ones on both sides, which must give zero bytes. */
ParameterizedTest(const gather_case *c, gather, matches_reference)
{
    const int64_t es = c->elem_size;
    const size_t xb = (size_t)(c->outer * c->axis_len * c->inner * es);
    const size_t yb = (size_t)(c->outer * c->nidx * c->inner * es);
    unsigned char *x = rt_talloc(xb, 1), *y = rt_talloc(yb, 1), *want = rt_talloc(yb, 1);
    int64_t *idx = rt_talloc((size_t)(c->nidx > 0 ? c->nidx : 1), sizeof(int64_t));
    rt_gather_params p;
    rt_trng r = { 83 };
    int64_t o, j, i, b;
    size_t k;

    for (k = 0; k < xb; k++)
        x[k] = (unsigned char)(1 + rt_rng_next(&r) % 255);     /* never 0 */
    for (j = 0; j < c->nidx; j++)
        idx[j] = rt_rng_int(&r, -c->axis_len - 2, c->axis_len + 2);
    if (c->nidx >= 4) {
        idx[0] = -1;
        idx[1] = c->axis_len;           /* just past the end */
        idx[2] = -c->axis_len - 1;      /* just before the start */
        idx[3] = -c->axis_len;          /* the first, from the end */
    }
    memset(y, 0xCD, yb);
    for (o = 0; o < c->outer; o++)
        for (j = 0; j < c->nidx; j++) {
            const int64_t q = idx[j] < 0 ? idx[j] + c->axis_len : idx[j];
            for (i = 0; i < c->inner; i++)
                for (b = 0; b < es; b++)
                    want[((o * c->nidx + j) * c->inner + i) * es + b] =
                        (q < 0 || q >= c->axis_len) ? 0 : x[((o * c->axis_len + q) * c->inner + i) * es + b];
        }
    p.elem_size = c->elem_size;
    p.outer = c->outer; p.axis_len = c->axis_len; p.inner = c->inner; p.nidx = c->nidx;
    rt_gather_forward(y, x, idx, &p);
    cr_assert(memcmp(y, want, yb) == 0, "%s: gather differs", c->name);
    free(x); free(y); free(want); free(idx);
}

/* The examples of the ONNX Gather documentation. */
Test(gather, onnx_examples)
{
    rt_gather_params p;
    {
        /* data [3, 2], indices [[0, 1], [1, 2]], axis 0 */
        const float x[6] = { 1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f };
        const int64_t idx[4] = { 0, 1, 1, 2 };
        const float want[8] = { 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f };
        float y[8];
        p.elem_size = 4; p.outer = 1; p.axis_len = 3; p.inner = 2; p.nidx = 4;
        rt_gather_forward(y, x, idx, &p);
        rt_check_exact("gather_axis0", y, want, 8);
    }
    {
        /* data [3, 3], indices [[0, 2]], axis 1; and the same with -1 for 2 */
        const float x[9] = { 1.0f, 1.2f, 1.9f, 2.3f, 3.4f, 3.9f, 4.5f, 5.7f, 5.9f };
        const int64_t idx[2] = { 0, 2 }, nidx[2] = { 0, -1 };
        const float want[6] = { 1.0f, 1.9f, 2.3f, 3.9f, 4.5f, 5.9f };
        float y[6];
        p.elem_size = 4; p.outer = 3; p.axis_len = 3; p.inner = 1; p.nidx = 2;
        rt_gather_forward(y, x, idx, &p);
        rt_check_exact("gather_axis1", y, want, 6);
        rt_gather_forward(y, x, nidx, &p);
        rt_check_exact("gather_negative", y, want, 6);
    }
}

/* ================================================================ cast */

Test(cast, f32_to_i64)
{
    const float x[] = { 0.0f, -0.0f, 1.7f, -1.7f, 0.5f, -0.5f, 123456.78f, -2.5f,
                        NAN, INFINITY, -INFINITY, 1e19f, -1e19f,
                        9223371487098961920.0f,         /* largest float < 2^63 */
                        9223372036854775808.0f,         /* 2^63: saturates */
                        -9223372036854775808.0f,        /* -2^63: exact */
                        16777217.0f };                  /* rounds to 2^24 as a float */
    const int64_t want[] = { 0, 0, 1, -1, 0, 0, 123456, -2,
                             0, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN,
                             INT64_C(9223371487098961920),
                             INT64_MAX,
                             INT64_MIN,
                             16777216 };
    int64_t y[RT_ARRAY_LEN(x)];
    rt_cast_params p;
    size_t i;
    p.from = RT_F32;
    p.to = RT_I64;
    p.n = (int64_t)RT_ARRAY_LEN(x);
    rt_cast_forward(y, x, &p);
    for (i = 0; i < RT_ARRAY_LEN(x); i++)
        cr_expect(y[i] == want[i], "cast(%.9g) = %lld, expected %lld", (double)x[i],
                  (long long)y[i], (long long)want[i]);
}

Test(cast, i64_to_f32)
{
    const int64_t x[] = { 0, 1, -1, 16777216, 16777217, 16777219, -16777217,
                          INT64_MAX, INT64_MIN, INT64_C(1) << 40 };
    /* round to nearest, ties to even: 2^24 + 1 -> 2^24, 2^24 + 3 -> 2^24 + 4 */
    const float want[] = { 0, 1, -1, 16777216.0f, 16777216.0f, 16777220.0f, -16777216.0f,
                           9223372036854775808.0f, -9223372036854775808.0f, 1099511627776.0f };
    float y[RT_ARRAY_LEN(x)];
    rt_cast_params p;
    p.from = RT_I64;
    p.to = RT_F32;
    p.n = (int64_t)RT_ARRAY_LEN(x);
    rt_cast_forward(y, x, &p);
    rt_check_exact("i64_to_f32", y, want, (int64_t)RT_ARRAY_LEN(x));
}

/* Same-type casts are bit copies (NaN payloads and -0 included), also in place. */
Test(cast, same_type)
{
    const float xf[4] = { -0.0f, NAN, 1.5f, -INFINITY };
    const int64_t xi[3] = { INT64_MIN, -1, 42 };
    float yf[4];
    int64_t yi[3], zi[3];
    rt_cast_params p;
    p.from = p.to = RT_F32;
    p.n = 4;
    rt_cast_forward(yf, xf, &p);
    cr_expect(memcmp(yf, xf, sizeof xf) == 0, "f32 -> f32");
    p.from = p.to = RT_I64;
    p.n = 3;
    rt_cast_forward(yi, xi, &p);
    cr_expect(memcmp(yi, xi, sizeof xi) == 0, "i64 -> i64");
    memcpy(zi, xi, sizeof xi);
    rt_cast_forward(zi, zi, &p);
    cr_expect(memcmp(zi, xi, sizeof xi) == 0, "i64 -> i64 in place");
}
