/*
 * test_quant.c - the quantized kernels of runtime/quant.c against numpy
 * references (quant_refs.h, written by make_quant_refs.py from the ONNX
 * formulas, never from the kernels), plus hand-derived rounding cases.
 *
 * Every comparison is exact: integer outputs are integers, and the float
 * outputs (DequantizeLinear, the dequantized F32 epilogue) are one float32
 * product of exactly representable operands on both sides, so they agree
 * bit for bit.
 */
#include "rt_test.h"

#include "quant_refs.h"

/* Element i of a tensor of quantized type t, widened. */
static int64_t tload(const void *p, rt_qtype t, int64_t i)
{
    switch (t) {
    case RT_QT_U8: return ((const uint8_t *)p)[i];
    case RT_QT_I8: return ((const int8_t *)p)[i];
    case RT_QT_I32: return ((const int32_t *)p)[i];
    default: return 0;
    }
}

static size_t tsize(rt_qtype t)
{
    return t == RT_QT_I32 || t == RT_QT_F32 ? 4 : 1;
}

/* Compares n outputs of type t: integers exactly, floats bit for bit. */
static void check_typed(const char *what, const void *got, const void *want, rt_qtype t, int64_t n)
{
    int64_t i;
    if (t == RT_QT_F32) {
        rt_check_exact(what, (const float *)got, (const float *)want, n);
        return;
    }
    for (i = 0; i < n; i++) {
        const int64_t g = tload(got, t, i), w = tload(want, t, i);
        if (g != w)
            cr_assert_fail("%s: element %lld: got %lld, expected %lld", what, (long long)i,
                           (long long)g, (long long)w);
    }
}

/* ---------------------------------------------------------------- quantize */

Test(quant, quantize_dequantize_refs)
{
    size_t c;
    for (c = 0; c < RT_ARRAY_LEN(qr_quant_cases); c++) {
        const qr_quant *q = &qr_quant_cases[c];
        const int64_t n = q->p.outer * q->p.len * q->p.inner;
        if (q->dequant) {
            float *y = rt_tfloats(n);
            rt_dequantize_linear(y, q->x, q->scale, q->zp, &q->p);
            rt_check_exact(q->name, y, (const float *)q->y, n);
            free(y);
        } else {
            void *y = rt_talloc((size_t)n, tsize(q->p.type));
            rt_quantize_linear(y, (const float *)q->x, q->scale, q->zp, &q->p);
            check_typed(q->name, y, q->y, q->p.type, n);
            free(y);
        }
    }
}

/* Hand-derived: x / 0.5 = k + 0.5 rounds to the even neighbour. */
Test(quant, quantize_ties_by_hand)
{
    const float x[] = {0.25f, 0.75f, 1.25f, -0.25f, -0.75f, -1.25f, 63.25f, 63.75f};
    const float s = 0.5f;
    const int8_t z = 0;
    const int8_t want[] = {0, 2, 2, 0, -2, -2, 126, 127};
    int8_t y[8];
    const rt_quant_params p = {1, 1, 8, 0, RT_QT_I8};
    size_t i;
    rt_quantize_linear(y, x, &s, &z, &p);
    for (i = 0; i < 8; i++)
        cr_expect_eq(y[i], want[i], "x = %g: got %d, expected %d", (double)x[i], y[i], want[i]);
}

/* Hand-derived saturation at both ends of uint8 with a zero point. */
Test(quant, quantize_saturates_by_hand)
{
    const float x[] = {-1000.0f, -10.0f, -9.0f, 245.0f, 246.0f, 1e30f, -INFINITY};
    const float s = 1.0f;
    const uint8_t z = 10;
    const uint8_t want[] = {0, 0, 1, 255, 255, 255, 0};
    uint8_t y[7];
    const rt_quant_params p = {1, 1, 7, 0, RT_QT_U8};
    size_t i;
    rt_quantize_linear(y, x, &s, &z, &p);
    for (i = 0; i < 7; i++)
        cr_expect_eq(y[i], want[i], "x = %g: got %d, expected %d", (double)x[i], y[i], want[i]);
}

/* ---------------------------------------------------------------- dynamic */

Test(quant, dynamic_quantize_refs)
{
    size_t c;
    for (c = 0; c < RT_ARRAY_LEN(qr_dyn_cases); c++) {
        const qr_dyn *d = &qr_dyn_cases[c];
        uint8_t *y = (uint8_t *)rt_talloc((size_t)d->n, 1);
        float s = -1.0f;
        uint8_t z = 77;
        rt_dynamic_quantize_linear(y, &s, &z, d->x, d->n);
        cr_expect_eq(s, d->scale, "%s: scale %.9g, expected %.9g", d->name, (double)s,
                     (double)d->scale);
        cr_expect_eq(z, d->zp, "%s: zero point %d, expected %d", d->name, z, d->zp);
        check_typed(d->name, y, d->y, RT_QT_U8, d->n);
        free(y);
    }
}

/* ---------------------------------------------------------------- conv */

Test(quant, conv_refs)
{
    size_t c;
    for (c = 0; c < RT_ARRAY_LEN(qr_conv_cases); c++) {
        const qr_conv *q = &qr_conv_cases[c];
        void *y = rt_talloc((size_t)q->ny, tsize(q->p.ytype));
        if (q->p.ytype == RT_QT_I32)
            rt_conv_integer_forward((int32_t *)y, q->x, q->zx, q->w, q->zw, &q->p);
        else
            rt_qlinear_conv_forward(y, q->x, q->sx, q->zx, q->w, q->sw, q->zw, q->sy, q->zy, q->b,
                                    &q->p);
        check_typed(q->name, y, q->y, q->p.ytype, q->ny);
        free(y);
    }
}

/* ConvInteger pads with the input's zero point: a 1x1 input equal to its
 * zero point, padded by 1, under a 3x3 kernel of ones gives 0 everywhere;
 * one above the zero point gives 1 at the nine outputs that see it. */
Test(quant, conv_integer_pads_with_zero_point)
{
    const uint8_t w[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const uint8_t zx = 100, zw = 0;
    uint8_t x[9] = {100, 100, 100, 100, 101, 100, 100, 100, 100};
    int32_t y[9];
    rt_qconv_params p;
    int i;
    memset(&p, 0, sizeof p);
    p.n = p.c = p.m = p.group = 1;
    p.in[0] = 1, p.in[1] = 3, p.in[2] = 3;
    p.out[0] = 1, p.out[1] = 3, p.out[2] = 3;
    p.k[0] = 1, p.k[1] = 3, p.k[2] = 3;
    for (i = 0; i < 3; i++)
        p.stride[i] = p.dilation[i] = 1;
    p.pad[1] = p.pad[2] = 1;
    p.xtype = p.wtype = RT_QT_U8;
    rt_conv_integer_forward(y, x, &zx, w, &zw, &p);
    for (i = 0; i < 9; i++)
        cr_expect_eq(y[i], 1, "output %d: %d", i, y[i]);
    x[4] = 100;
    rt_conv_integer_forward(y, x, &zx, w, &zw, &p);
    for (i = 0; i < 9; i++)
        cr_expect_eq(y[i], 0, "output %d: %d", i, y[i]);
}

/* ---------------------------------------------------------------- matmul */

Test(quant, matmul_refs)
{
    size_t c;
    for (c = 0; c < RT_ARRAY_LEN(qr_mm_cases); c++) {
        const qr_mm *q = &qr_mm_cases[c];
        void *y = rt_talloc((size_t)q->ny, tsize(q->p.ytype));
        if (q->p.ytype == RT_QT_I32)
            rt_matmul_integer_forward((int32_t *)y, q->a, q->za, q->b, q->zb, &q->p);
        else
            rt_qlinear_matmul_forward(y, q->a, q->sa, q->za, q->b, q->sb, q->zb, q->sy, q->zy,
                                      q->bias, &q->p);
        check_typed(q->name, y, q->y, q->p.ytype, q->ny);
        free(y);
    }
}

/* The onnx backend test's QLinearMatMul example (qlinearmatmul.py), whose
 * expected values are written out there by hand. */
Test(quant, qlinear_matmul_suite_example)
{
    const uint8_t a[8] = {208, 236, 0, 238, 3, 214, 255, 29};
    const uint8_t b[12] = {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247};
    const float sa = 0.0066f, sb = 0.00705f, sy = 0.0107f;
    const uint8_t za = 113, zb = 114, zy = 118;
    const uint8_t want[6] = {168, 115, 255, 1, 66, 151};
    uint8_t y[6];
    rt_qmatmul_params p;
    int i;
    memset(&p, 0, sizeof p);
    p.m = 2, p.n = 3, p.k = 4;
    p.atype = p.btype = p.ytype = RT_QT_U8;
    rt_qlinear_matmul_forward(y, a, &sa, &za, b, &sb, &zb, &sy, &zy, NULL, &p);
    for (i = 0; i < 6; i++)
        cr_expect_eq(y[i], want[i], "element %d: got %d, expected %d", i, y[i], want[i]);
}

/* Requantization rounds half to even: acc * 0.5 = k + 0.5 exactly. */
Test(quant, requant_ties_by_hand)
{
    const uint8_t a[4] = {1, 3, 5, 7};     /* rows, k = 1 */
    const uint8_t b[1] = {1};
    const float sa = 1.0f, sb = 0.5f, sy = 1.0f;
    const uint8_t want[4] = {0, 2, 2, 4};  /* 0.5, 1.5, 2.5, 3.5 */
    uint8_t y[4];
    rt_qmatmul_params p;
    int i;
    memset(&p, 0, sizeof p);
    p.m = 4, p.n = 1, p.k = 1;
    p.atype = p.btype = p.ytype = RT_QT_U8;
    rt_qlinear_matmul_forward(y, a, &sa, NULL, b, &sb, NULL, &sy, NULL, NULL, &p);
    for (i = 0; i < 4; i++)
        cr_expect_eq(y[i], want[i], "row %d: got %d, expected %d", i, y[i], want[i]);
}

/* ---------------------------------------------------------------- max pool */

Test(quant, maxpool_refs)
{
    size_t c;
    for (c = 0; c < RT_ARRAY_LEN(qr_pool_cases); c++) {
        const qr_pool *q = &qr_pool_cases[c];
        void *y = rt_talloc((size_t)q->ny, 1);
        rt_qmaxpool_forward(y, q->x, &q->p);
        check_typed(q->name, y, q->y, q->p.type, q->ny);
        free(y);
    }
}

/* An accumulator past the int32 range wraps (two's complement) instead of
 * being undefined behaviour: 70000 products 255 * -128 sum to -2284800000,
 * which is 2010167296 modulo 2^32. */
Test(quant, matmul_integer_wraps)
{
    const int64_t k = 70000;
    uint8_t *a = (uint8_t *)rt_talloc((size_t)k, 1);
    int8_t *b = (int8_t *)rt_talloc((size_t)k, 1);
    int32_t y = 0;
    rt_qmatmul_params p;
    int64_t i;
    for (i = 0; i < k; i++) {
        a[i] = 255;
        b[i] = -128;
    }
    memset(&p, 0, sizeof p);
    p.m = 1, p.n = 1, p.k = k;
    p.atype = RT_QT_U8;
    p.btype = RT_QT_I8;
    rt_matmul_integer_forward(&y, a, NULL, b, NULL, &p);
    cr_expect_eq(y, 2010167296, "got %d", y);
    free(a);
    free(b);
}
