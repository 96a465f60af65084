/*
 * test_quant_simd.c - the integer convolution and matrix product on random
 * tensors, three ways: the public kernel (its SIMD path when the library has
 * one: AVX-512 VNNI in `make test-avx512`), the portable path
 * (rt_qconv_portable / rt_qmatmul_portable), and a direct reference written
 * here from the ONNX definitions (int64 sums of (x - zx)(w - zw), then the
 * reference's requantization with the C library's nearbyint, round half to
 * even in the default rounding mode). All three must agree exactly.
 *
 * The shapes are chosen for the SIMD kernel's edges: channel counts that are
 * not a multiple of its 8-row blocks, K = channels x taps not a multiple of
 * 4 and above its 512-row packing block, output positions not a multiple of
 * 16, strides, dilation, groups, padding, 3-D; every pairing of uint8 and
 * int8 activations and weights; zero points at the ends of their range;
 * scales that saturate most outputs; and a zero output scale (an infinite
 * multiplier, which takes the scalar epilogue).
 */
#include "rt_test.h"

#include "rt_impl.h"

static int64_t ld(const void *p, rt_qtype t, int64_t i)
{
    return t == RT_QT_I8 ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i];
}

/* Random bytes of type t, with a few at the ends of the range. */
static void fill_q(void *p, rt_qtype t, int64_t n, rt_trng *r)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        const uint64_t u = rt_rng_next(r);
        uint8_t v = (uint8_t)(u >> 8);
        if ((u & 15) == 0)
            v = (u & 16) ? 0x7F : 0x80;  /* 127 / 128 (uint8) or 127 / -128 (int8) */
        else if ((u & 15) == 1)
            v = (u & 16) ? 0xFF : 0x00;
        ((uint8_t *)p)[i] = v;
        (void)t;
    }
}

/* A zero point of type t: cycles through the extremes and a random value. */
static void pick_zp(void *z, rt_qtype t, int which, rt_trng *r)
{
    static const int u8v[] = {0, 255, 128, -1};
    static const int i8v[] = {0, -128, 127, -1};
    const int v = (t == RT_QT_I8 ? i8v : u8v)[which % 4];
    const uint8_t rv = (uint8_t)rt_rng_next(r);
    if (t == RT_QT_I8)
        *(int8_t *)z = v == -1 ? (int8_t)(rv - 128) : (int8_t)v;
    else
        *(uint8_t *)z = v == -1 ? rv : (uint8_t)v;
}

/* The reference's epilogue of one exact sum (see onnxcc_rt.h). */
static void ref_out(void *y, int64_t i, rt_qtype yt, int64_t acc, float sx, float sw,
                    const float *sy, const void *zy, int relu)
{
    if (yt == RT_QT_I32) {
        ((int32_t *)y)[i] = (int32_t)acc;
    } else if (yt == RT_QT_F32) {
        const float v = (float)acc * (sx * sw);
        ((float *)y)[i] = relu && v < 0.0f ? 0.0f : v;
    } else {
        const float mult = (sx * sw) / sy[0];
        const int64_t z = zy ? ld(zy, yt, 0) : 0;
        const double lo = relu ? (double)z : yt == RT_QT_I8 ? -128.0 : 0.0;
        const double hi = yt == RT_QT_I8 ? 127.0 : 255.0;
        double v = nearbyint((double)acc * (double)mult + (double)z);
        if (v != v)
            v = (double)z;
        v = v < lo ? lo : v > hi ? hi : v;
        if (yt == RT_QT_I8)
            ((int8_t *)y)[i] = (int8_t)v;
        else
            ((uint8_t *)y)[i] = (uint8_t)v;
    }
}

static size_t qsize(rt_qtype t)
{
    return t == RT_QT_I32 || t == RT_QT_F32 ? 4 : 1;
}

static void expect_same(const char *what, int c, const void *a, const void *b, size_t bytes)
{
    size_t i;
    for (i = 0; i < bytes; i++)
        if (((const uint8_t *)a)[i] != ((const uint8_t *)b)[i])
            cr_assert_fail("%s case %d: byte %zu differs (%u vs %u)", what, c, i,
                           ((const uint8_t *)a)[i], ((const uint8_t *)b)[i]);
}

/* ---------------------------------------------------------------- conv */

typedef struct {
    int n, c, m, group;
    int64_t in[3], k[3], stride[3], pad[3], dil[3];
} conv_shape;

static const conv_shape conv_shapes[] = {
    {1, 1, 16, 1, {1, 8, 8}, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}},  /* digits conv1 */
    {1, 16, 32, 1, {1, 4, 4}, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}}, /* digits conv2 */
    {2, 3, 5, 1, {1, 7, 9}, {1, 3, 3}, {1, 2, 2}, {0, 1, 2}, {1, 1, 1}},
    {1, 5, 9, 1, {1, 6, 11}, {1, 2, 3}, {1, 1, 1}, {0, 0, 2}, {1, 2, 2}},
    {1, 6, 6, 3, {1, 5, 5}, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}},
    {1, 4, 4, 4, {1, 9, 9}, {1, 3, 3}, {1, 2, 1}, {0, 1, 1}, {1, 1, 1}},  /* depthwise */
    {1, 64, 3, 1, {1, 5, 5}, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}}, /* K = 576 > 512 */
    {1, 2, 17, 1, {3, 4, 5}, {2, 2, 2}, {1, 1, 1}, {1, 0, 1}, {1, 1, 1}}, /* 3-D */
    {1, 3, 1, 1, {1, 1, 37}, {1, 1, 5}, {1, 1, 3}, {0, 0, 2}, {1, 1, 1}}, /* 1-D */
    {1, 1, 2, 1, {1, 2, 2}, {1, 5, 5}, {1, 1, 1}, {0, 2, 2}, {1, 1, 1}},  /* all taps but one pad */
};

static int64_t out_len(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t d)
{
    return (in + 2 * pad - d * (k - 1) - 1) / s + 1;
}

/* y[n][m][o] from the definition, int64 sums, padding holds the zero point. */
static void ref_conv(void *y, const void *x, const float *sx, const void *zx, const void *w,
                     const float *sw, const void *zw, const float *sy, const void *zy,
                     const int32_t *b, const rt_qconv_params *p)
{
    const int64_t cg = p->c / p->group, mg = p->m / p->group;
    const int64_t zxv = zx ? ld(zx, p->xtype, 0) : 0;
    int64_t n, m, o0, o1, o2, at = 0;
    for (n = 0; n < p->n; n++)
        for (m = 0; m < p->m; m++) {
            const int64_t g = m / mg, wc = p->w_per_channel ? m : 0;
            const int64_t zwv = zw ? ld(zw, p->wtype, wc) : 0;
            for (o0 = 0; o0 < p->out[0]; o0++)
                for (o1 = 0; o1 < p->out[1]; o1++)
                    for (o2 = 0; o2 < p->out[2]; o2++, at++) {
                        int64_t acc = b ? b[m] : 0, ci, t0, t1, t2;
                        for (ci = 0; ci < cg; ci++)
                            for (t0 = 0; t0 < p->k[0]; t0++)
                                for (t1 = 0; t1 < p->k[1]; t1++)
                                    for (t2 = 0; t2 < p->k[2]; t2++) {
                                        const int64_t i0 = o0 * p->stride[0] - p->pad[0] + t0 * p->dilation[0];
                                        const int64_t i1 = o1 * p->stride[1] - p->pad[1] + t1 * p->dilation[1];
                                        const int64_t i2 = o2 * p->stride[2] - p->pad[2] + t2 * p->dilation[2];
                                        const int64_t wi = ((m * cg + ci) * p->k[0] + t0) * p->k[1] * p->k[2] + t1 * p->k[2] + t2;
                                        int64_t xv = zxv;
                                        if (i0 >= 0 && i0 < p->in[0] && i1 >= 0 && i1 < p->in[1] && i2 >= 0 && i2 < p->in[2])
                                            xv = ld(x, p->xtype, (((n * p->c + g * cg + ci) * p->in[0] + i0) * p->in[1] + i1) * p->in[2] + i2);
                                        acc += (xv - zxv) * (ld(w, p->wtype, wi) - zwv);
                                    }
                        ref_out(y, at, p->ytype, acc, sx ? sx[0] : 0.0f, sw ? sw[wc] : 0.0f, sy, zy, p->relu);
                    }
        }
}

Test(quant_simd, conv_simd_portable_reference)
{
    static const rt_qtype yts[] = {RT_QT_U8, RT_QT_I8, RT_QT_I32, RT_QT_F32};
    rt_trng r = {0x5eed1234u};
    int c = 0;
    size_t s;
    for (s = 0; s < RT_ARRAY_LEN(conv_shapes); s++) {
        int combo;
        for (combo = 0; combo < 16; combo++, c++) {
            const conv_shape *cs = &conv_shapes[s];
            rt_qconv_params p;
            int64_t nx, nw, ny, i;
            void *x, *w, *y1, *y2, *y3;
            int32_t *b;
            float sx, *sw, sy;
            uint8_t zx, zy, *zw;
            int d;
            memset(&p, 0, sizeof p);
            p.n = cs->n, p.c = cs->c, p.m = cs->m, p.group = cs->group;
            for (d = 0; d < 3; d++) {
                p.in[d] = cs->in[d], p.k[d] = cs->k[d], p.stride[d] = cs->stride[d];
                p.pad[d] = cs->pad[d], p.dilation[d] = cs->dil[d];
                p.out[d] = out_len(cs->in[d], cs->k[d], cs->stride[d], cs->pad[d], cs->dil[d]);
            }
            p.xtype = (combo & 1) ? RT_QT_I8 : RT_QT_U8;
            p.wtype = (combo & 2) ? RT_QT_I8 : RT_QT_U8;
            p.ytype = yts[(combo >> 2) & 3];
            p.w_per_channel = (combo + (int)s) & 1;
            p.relu = p.ytype != RT_QT_I32 && ((combo + (int)s) & 2);
            nx = (int64_t)p.n * p.c * p.in[0] * p.in[1] * p.in[2];
            nw = (int64_t)p.m * (p.c / p.group) * p.k[0] * p.k[1] * p.k[2];
            ny = (int64_t)p.n * p.m * p.out[0] * p.out[1] * p.out[2];
            x = rt_talloc((size_t)nx, 1);
            w = rt_talloc((size_t)nw, 1);
            y1 = rt_talloc((size_t)ny, qsize(p.ytype));
            y2 = rt_talloc((size_t)ny, qsize(p.ytype));
            y3 = rt_talloc((size_t)ny, qsize(p.ytype));
            b = (int32_t *)rt_talloc((size_t)p.m, sizeof(int32_t));
            sw = rt_tfloats(p.m);
            zw = (uint8_t *)rt_talloc((size_t)p.m, 1);
            fill_q(x, p.xtype, nx, &r);
            fill_q(w, p.wtype, nw, &r);
            pick_zp(&zx, p.xtype, combo + (int)s, &r);
            pick_zp(&zy, p.ytype == RT_QT_I8 ? RT_QT_I8 : RT_QT_U8, combo / 4 + (int)s, &r);
            for (i = 0; i < p.m; i++) {
                pick_zp(&zw[i], p.wtype, (int)(i + s + (uint64_t)combo), &r);
                b[i] = (int32_t)(rt_rng_next(&r) % 20001) - 10000;
                sw[i] = rt_rng_float(&r, 0.001f, 0.05f);
            }
            sx = rt_rng_float(&r, 0.005f, 0.05f);
            /* most cases requantize to a useful range, some saturate, one in
             * 16 divides by a zero scale */
            sy = (c % 16 == 15) ? 0.0f : (c % 3 == 0) ? 1e-4f : 0.02f * (float)(cs->c * 9);
            if (p.ytype == RT_QT_I32) {
                rt_conv_integer_forward((int32_t *)y1, x, &zx, w, zw, &p);
                rt_qconv_portable(y2, x, NULL, &zx, w, NULL, zw, NULL, NULL, NULL, &p);
                ref_conv(y3, x, NULL, &zx, w, NULL, zw, NULL, NULL, NULL, &p);
            } else {
                rt_qlinear_conv_forward(y1, x, &sx, &zx, w, sw, zw, &sy, &zy, b, &p);
                rt_qconv_portable(y2, x, &sx, &zx, w, sw, zw, &sy, &zy, b, &p);
                ref_conv(y3, x, &sx, &zx, w, sw, zw, &sy, &zy, b, &p);
            }
            expect_same("conv: kernel vs portable", c, y1, y2, (size_t)ny * qsize(p.ytype));
            expect_same("conv: kernel vs reference", c, y1, y3, (size_t)ny * qsize(p.ytype));
            free(x), free(w), free(y1), free(y2), free(y3), free(b), free(sw), free(zw);
        }
    }
}

/* ---------------------------------------------------------------- matmul */

typedef struct {
    int64_t m, n, k, batch;
} mm_shape;

static const mm_shape mm_shapes[] = {
    {1, 10, 128, 1}, {3, 17, 5, 1}, {9, 33, 7, 2}, {8, 16, 64, 1},
    {2, 3, 600, 1}, {17, 1, 9, 3}, {1, 1, 1, 1},
};

static void ref_mm(void *y, const void *a, const float *sa, const void *za, const void *b,
                   const float *sb, const void *zb, const float *sy, const void *zy,
                   const int32_t *bias, const rt_qmatmul_params *p, int64_t nbatch)
{
    int64_t t, i, j, kk;
    for (t = 0; t < nbatch; t++)
        for (i = 0; i < p->m; i++)
            for (j = 0; j < p->n; j++) {
                const int64_t zav = za ? ld(za, p->atype, p->a_per_row ? i : 0) : 0;
                const int64_t col = p->b_per_col ? j : 0;
                const int64_t zbv = zb ? ld(zb, p->btype, col) : 0;
                int64_t acc = bias ? bias[j] : 0;
                for (kk = 0; kk < p->k; kk++)
                    acc += (ld(a, p->atype, (t * p->m + i) * p->k + kk) - zav) *
                           (ld(b, p->btype, (t * p->k + kk) * p->n + j) - zbv);
                ref_out(y, (t * p->m + i) * p->n + j, p->ytype, acc, sa ? sa[0] : 0.0f,
                        sb ? sb[col] : 0.0f, sy, zy, p->relu);
            }
}

Test(quant_simd, matmul_simd_portable_reference)
{
    static const rt_qtype yts[] = {RT_QT_U8, RT_QT_I8, RT_QT_I32, RT_QT_F32};
    rt_trng r = {0xabcdef01u};
    int c = 0;
    size_t s;
    for (s = 0; s < RT_ARRAY_LEN(mm_shapes); s++) {
        int combo;
        for (combo = 0; combo < 16; combo++, c++) {
            const mm_shape *ms = &mm_shapes[s];
            rt_qmatmul_params p;
            int64_t na, nb, ny, i;
            void *a, *b, *y1, *y2, *y3;
            int32_t *bias;
            float sa, *sb, sy;
            uint8_t *za, zy, *zb;
            memset(&p, 0, sizeof p);
            p.m = ms->m, p.n = ms->n, p.k = ms->k;
            if (ms->batch > 1) {
                p.batch_ndim = 1;
                p.batch[0] = ms->batch;
                p.a_bstride[0] = p.m * p.k;
                p.b_bstride[0] = p.k * p.n;
            }
            p.atype = (combo & 1) ? RT_QT_I8 : RT_QT_U8;
            p.btype = (combo & 2) ? RT_QT_I8 : RT_QT_U8;
            p.ytype = yts[(combo >> 2) & 3];
            p.b_per_col = (combo + (int)s) & 1;
            p.a_per_row = p.ytype == RT_QT_I32 && ((combo + (int)s) & 2);
            p.relu = p.ytype != RT_QT_I32 && ((combo + (int)s) & 2);
            na = ms->batch * p.m * p.k;
            nb = ms->batch * p.k * p.n;
            ny = ms->batch * p.m * p.n;
            a = rt_talloc((size_t)na, 1);
            b = rt_talloc((size_t)nb, 1);
            y1 = rt_talloc((size_t)ny, qsize(p.ytype));
            y2 = rt_talloc((size_t)ny, qsize(p.ytype));
            y3 = rt_talloc((size_t)ny, qsize(p.ytype));
            bias = (int32_t *)rt_talloc((size_t)p.n, sizeof(int32_t));
            sb = rt_tfloats(p.n);
            zb = (uint8_t *)rt_talloc((size_t)p.n, 1);
            za = (uint8_t *)rt_talloc((size_t)p.m, 1);
            fill_q(a, p.atype, na, &r);
            fill_q(b, p.btype, nb, &r);
            for (i = 0; i < p.m; i++)
                pick_zp(&za[i], p.atype, (int)(i + s + (uint64_t)combo), &r);
            pick_zp(&zy, p.ytype == RT_QT_I8 ? RT_QT_I8 : RT_QT_U8, combo / 4 + (int)s, &r);
            for (i = 0; i < p.n; i++) {
                pick_zp(&zb[i], p.btype, (int)(i + 2 * s + (uint64_t)combo), &r);
                bias[i] = (int32_t)(rt_rng_next(&r) % 20001) - 10000;
                sb[i] = rt_rng_float(&r, 0.001f, 0.05f);
            }
            sa = rt_rng_float(&r, 0.005f, 0.05f);
            sy = (c % 16 == 15) ? 0.0f : (c % 3 == 0) ? 1e-4f : 0.02f * (float)p.k;
            if (p.ytype == RT_QT_I32) {
                rt_matmul_integer_forward((int32_t *)y1, a, za, b, zb, &p);
                rt_qmatmul_portable(y2, a, NULL, za, b, NULL, zb, NULL, NULL, NULL, &p);
                ref_mm(y3, a, NULL, za, b, NULL, zb, NULL, NULL, NULL, &p, ms->batch);
            } else {
                rt_qlinear_matmul_forward(y1, a, &sa, za, b, sb, zb, &sy, &zy, bias, &p);
                rt_qmatmul_portable(y2, a, &sa, za, b, sb, zb, &sy, &zy, bias, &p);
                ref_mm(y3, a, &sa, za, b, sb, zb, &sy, &zy, bias, &p, ms->batch);
            }
            expect_same("matmul: kernel vs portable", c, y1, y2, (size_t)ny * qsize(p.ytype));
            expect_same("matmul: kernel vs reference", c, y1, y3, (size_t)ny * qsize(p.ytype));
            free(a), free(b), free(y1), free(y2), free(y3), free(bias), free(sb), free(zb), free(za);
        }
    }
}

/* ---------------------------------------------------------------- max pool */

/* The bounds-free max pool (windows inside the input) against a direct
 * reference, 2x2 stride 2 and a general window, both types. */
Test(quant_simd, maxpool_inside_reference)
{
    static const int64_t geo[][6] = {/* in1, in2, k1, k2, stride, dil */
                                     {8, 8, 2, 2, 2, 1}, {7, 9, 2, 2, 2, 1}, {9, 10, 3, 2, 2, 2},
                                     {5, 5, 1, 1, 1, 1}, {6, 11, 3, 3, 1, 1}};
    rt_trng r = {77};
    size_t gi;
    int t;
    for (gi = 0; gi < RT_ARRAY_LEN(geo); gi++)
        for (t = 0; t < 2; t++) {
            rt_qpool_params q;
            rt_pool_params *p = &q.pool;
            int64_t nx, ny, nc, o1, o2, a1, a2, at = 0;
            uint8_t *x, *y, *want;
            memset(&q, 0, sizeof q);
            q.type = t ? RT_QT_I8 : RT_QT_U8;
            p->n = 2, p->c = 3;
            p->in[0] = 1, p->in[1] = geo[gi][0], p->in[2] = geo[gi][1];
            p->k[0] = 1, p->k[1] = geo[gi][2], p->k[2] = geo[gi][3];
            p->stride[0] = 1, p->stride[1] = p->stride[2] = geo[gi][4];
            p->dilation[0] = 1, p->dilation[1] = p->dilation[2] = geo[gi][5];
            p->out[0] = 1;
            p->out[1] = (p->in[1] - p->dilation[1] * (p->k[1] - 1) - 1) / p->stride[1] + 1;
            p->out[2] = (p->in[2] - p->dilation[2] * (p->k[2] - 1) - 1) / p->stride[2] + 1;
            nx = 6 * p->in[1] * p->in[2];
            ny = 6 * p->out[1] * p->out[2];
            x = (uint8_t *)rt_talloc((size_t)nx, 1);
            y = (uint8_t *)rt_talloc((size_t)ny, 1);
            want = (uint8_t *)rt_talloc((size_t)ny, 1);
            fill_q(x, q.type, nx, &r);
            for (nc = 0; nc < 6; nc++)
                for (o1 = 0; o1 < p->out[1]; o1++)
                    for (o2 = 0; o2 < p->out[2]; o2++, at++) {
                        int64_t best = -1000;
                        for (a1 = 0; a1 < p->k[1]; a1++)
                            for (a2 = 0; a2 < p->k[2]; a2++) {
                                const int64_t v = ld(x, q.type, (nc * p->in[1] + o1 * p->stride[1] + a1 * p->dilation[1]) * p->in[2] + o2 * p->stride[2] + a2 * p->dilation[2]);
                                best = v > best ? v : best;
                            }
                        want[at] = (uint8_t)best;
                    }
            rt_qmaxpool_forward(y, x, &q);
            expect_same("maxpool", (int)(gi * 2 + (size_t)t), y, want, (size_t)ny);
            free(x), free(y), free(want);
        }
}
