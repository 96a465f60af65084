/*
 * test_typed.c - the typed kernels of runtime/typed.c on the integer and
 * rounding edge cases the ONNX suite does not reach: wrap-around, INT_MIN / -1,
 * division by zero, the signs of Mod, shifts by the bit width or more,
 * float16 / bfloat16 rounding to nearest even, NaN and infinity in casts,
 * and double precision kept end to end.
 *
 * References are independent of the code under test: literal values worked
 * out from the definitions (two's complement, IEEE 754 binary16 / bfloat16),
 * the compiler's own _Float16 conversion (libgcc, correctly rounded) where
 * the compiler has it, and the classic bit trick for float to bfloat16.
 * Results are compared exactly: every case has one right answer.
 */
#include "rt_test.h"

/* y = op(a, b) elementwise over n same-shape elements. */
static void ewb(rt_ewise_op op, rt_dtype t, rt_dtype bt, void *y, const void *a, const void *b,
                int64_t n)
{
    rt_ewise_binary_params p;
    memset(&p, 0, sizeof p);
    p.op = op;
    p.type = t;
    p.btype = bt;
    p.ndim = 1;
    p.shape[0] = n;
    p.astride[0] = 1;
    p.bstride[0] = 1;
    rt_ewise_binary(y, a, b, &p);
}

/* ---------------------------------------------------------------- integers */

Test(typed, int32_wraps)
{
    const int32_t a[] = {INT32_MAX, INT32_MIN, INT32_MAX, 65536};
    const int32_t b[] = {1, 1, 2, 65536};
    int32_t y[4];
    ewb(RT_EW_ADD, RT_I32, RT_I32, y, a, b, 4);
    cr_expect_eq(y[0], INT32_MIN);
    ewb(RT_EW_SUB, RT_I32, RT_I32, y, a, b, 4);
    cr_expect_eq(y[1], INT32_MAX);
    ewb(RT_EW_MUL, RT_I32, RT_I32, y, a, b, 4);
    cr_expect_eq(y[2], -2);          /* 0x7fffffff * 2 = 0xfffffffe */
    cr_expect_eq(y[3], 0);           /* 2^32 wraps to 0 */
}

Test(typed, uint8_wraps)
{
    const uint8_t a[] = {250, 3, 16};
    const uint8_t b[] = {10, 5, 16};
    uint8_t y[3];
    ewb(RT_EW_ADD, RT_U8, RT_U8, y, a, b, 3);
    cr_expect_eq(y[0], 4);
    ewb(RT_EW_SUB, RT_U8, RT_U8, y, a, b, 3);
    cr_expect_eq(y[1], 254);
    ewb(RT_EW_MUL, RT_U8, RT_U8, y, a, b, 3);
    cr_expect_eq(y[2], 0);
}

Test(typed, uint16_mul_no_int_overflow)
{
    /* 65535 * 65535 overflows int if computed after promotion; must wrap */
    const uint16_t a[] = {65535}, b[] = {65535};
    uint16_t y[1];
    ewb(RT_EW_MUL, RT_U16, RT_U16, y, a, b, 1);
    cr_expect_eq(y[0], 1);
}

Test(typed, division_edges)
{
    const int32_t a[] = {INT32_MIN, 7, -7, 7, -7, 5};
    const int32_t b[] = {-1, 2, 2, -2, -2, 0};
    int32_t y[6];
    ewb(RT_EW_DIV, RT_I32, RT_I32, y, a, b, 6);
    cr_expect_eq(y[0], INT32_MIN);   /* wraps, no trap */
    cr_expect_eq(y[1], 3);           /* truncation toward zero */
    cr_expect_eq(y[2], -3);
    cr_expect_eq(y[3], -3);
    cr_expect_eq(y[4], 3);
    cr_expect_eq(y[5], 0);           /* documented: x / 0 = 0 */
    const int64_t a8[] = {INT64_MIN, 1}, b8[] = {-1, 0};
    int64_t y8[2];
    ewb(RT_EW_DIV, RT_I64, RT_I64, y8, a8, b8, 2);
    cr_expect_eq(y8[0], INT64_MIN);
    cr_expect_eq(y8[1], 0);
    const int8_t a1[] = {-128}, b1[] = {-1};
    int8_t y1[1];
    ewb(RT_EW_DIV, RT_I8, RT_I8, y1, a1, b1, 1);
    cr_expect_eq(y1[0], -128);
}

Test(typed, mod_signs)
{
    /* numpy: np.mod (sign of divisor) and np.fmod (sign of dividend) */
    const int32_t a[] = {7, -7, 7, -7, INT32_MIN, 5, 0};
    const int32_t b[] = {3, 3, -3, -3, -1, 0, 4};
    const int32_t mod[] = {1, 2, -2, -1, 0, 0, 0};
    const int32_t fmod_[] = {1, -1, 1, -1, 0, 0, 0};
    int32_t y[7];
    ewb(RT_EW_MOD, RT_I32, RT_I32, y, a, b, 7);
    for (int i = 0; i < 7; i++)
        cr_expect_eq(y[i], mod[i], "mod %d: %d", i, y[i]);
    ewb(RT_EW_FMOD, RT_I32, RT_I32, y, a, b, 7);
    for (int i = 0; i < 7; i++)
        cr_expect_eq(y[i], fmod_[i], "fmod %d: %d", i, y[i]);
    const double fa[] = {5.5, -5.5}, fb[] = {-2.0, 2.0};
    double fy[2];
    ewb(RT_EW_FMOD, RT_F64, RT_F64, fy, fa, fb, 2);
    cr_expect_eq(fy[0], 1.5);
    cr_expect_eq(fy[1], -1.5);
    ewb(RT_EW_MOD, RT_F64, RT_F64, fy, fa, fb, 2);
    cr_expect_eq(fy[0], -0.5);
    cr_expect_eq(fy[1], 0.5);
}

Test(typed, shifts_by_width)
{
    const uint8_t a[] = {1, 0x81, 0xff, 1};
    const uint8_t b[] = {7, 1, 8, 200};
    uint8_t y[4];
    ewb(RT_EW_SHL, RT_U8, RT_U8, y, a, b, 4);
    cr_expect_eq(y[0], 0x80);
    cr_expect_eq(y[1], 0x02);
    cr_expect_eq(y[2], 0);           /* shift by the width */
    cr_expect_eq(y[3], 0);
    ewb(RT_EW_SHR, RT_U8, RT_U8, y, a, b, 4);
    cr_expect_eq(y[1], 0x40);
    cr_expect_eq(y[2], 0);
    const uint64_t a8[] = {1, UINT64_MAX}, b8[] = {63, 64};
    uint64_t y8[2];
    ewb(RT_EW_SHL, RT_U64, RT_U64, y8, a8, b8, 2);
    cr_expect_eq(y8[0], (uint64_t)1 << 63);
    cr_expect_eq(y8[1], 0);
}

Test(typed, int_pow_exact)
{
    /* 3^39 does not fit a double's 53 bits: 4052555153018976267 */
    const int64_t a[] = {3, -2, 2, -1, 2};
    const int64_t b[] = {39, 3, 64, -3, -1};
    int64_t y[5];
    ewb(RT_EW_POW, RT_I64, RT_I64, y, a, b, 5);
    cr_expect_eq(y[0], INT64_C(4052555153018976267));
    cr_expect_eq(y[1], -8);
    cr_expect_eq(y[2], 0);           /* 2^64 wraps */
    cr_expect_eq(y[3], -1);
    cr_expect_eq(y[4], 0);           /* integer part of 1/2 */
}

Test(typed, compare_and_unary)
{
    const int64_t a[] = {INT64_MIN, -1, 5};
    const int64_t b[] = {INT64_MAX, -1, 4};
    uint8_t y[3];
    ewb(RT_EW_LT, RT_I64, RT_I64, y, a, b, 3);
    cr_expect(y[0] == 1 && y[1] == 0 && y[2] == 0);
    ewb(RT_EW_EQ, RT_I64, RT_I64, y, a, b, 3);
    cr_expect(y[0] == 0 && y[1] == 1 && y[2] == 0);
    const uint64_t ua[] = {UINT64_MAX}, ub[] = {1};
    ewb(RT_EW_GT, RT_U64, RT_U64, y, ua, ub, 1);
    cr_expect_eq(y[0], 1);           /* compared unsigned */

    rt_ewise_unary_params p;
    memset(&p, 0, sizeof p);
    p.type = RT_I8;
    p.n = 3;
    const int8_t x[] = {-128, -5, 7};
    int8_t r[3];
    p.op = RT_EU_NEG;
    rt_ewise_unary(r, x, &p);
    cr_expect(r[0] == -128 && r[1] == 5 && r[2] == -7);
    p.op = RT_EU_ABS;
    rt_ewise_unary(r, x, &p);
    cr_expect(r[0] == -128 && r[1] == 5 && r[2] == 7);
    p.op = RT_EU_SIGN;
    rt_ewise_unary(r, x, &p);
    cr_expect(r[0] == -1 && r[1] == -1 && r[2] == 1);
    p.op = RT_EU_CLIP;
    p.ilo = -10;
    p.ihi = 5;
    rt_ewise_unary(r, x, &p);
    cr_expect(r[0] == -10 && r[1] == -5 && r[2] == 5);
    const uint8_t bx[] = {0, 1};
    uint8_t by[2];
    p.op = RT_EU_NOT;
    p.type = RT_BOOL;
    p.n = 2;
    rt_ewise_unary(by, bx, &p);
    cr_expect(by[0] == 1 && by[1] == 0);
}

/* ---------------------------------------------------------------- halves */

static uint16_t f16_of(double v)
{
    return rt_f64_to_f16(v);
}

Test(typed, f16_round_to_nearest_even)
{
    cr_expect_eq(f16_of(1.0), 0x3C00);
    cr_expect_eq(f16_of(-0.0), 0x8000);
    cr_expect_eq(f16_of(65504.0), 0x7BFF);             /* largest finite */
    cr_expect_eq(f16_of(65519.99), 0x7BFF);
    cr_expect_eq(f16_of(65520.0), 0x7C00);             /* tie rounds up to even = inf */
    cr_expect_eq(f16_of(1e10), 0x7C00);
    cr_expect_eq(f16_of(-INFINITY), 0xFC00);
    cr_expect_eq(f16_of(NAN) & 0x7E00, 0x7E00);         /* a quiet NaN */
    cr_expect_eq(f16_of(ldexp(1, -24)), 0x0001);       /* smallest subnormal */
    cr_expect_eq(f16_of(ldexp(1, -25)), 0x0000);       /* tie to even: 0 */
    cr_expect_eq(f16_of(ldexp(3, -25)), 0x0002);       /* tie to even: 2 */
    cr_expect_eq(f16_of(ldexp(1023.5, -24)), 0x0400);  /* subnormal rounds to smallest normal */
    cr_expect_eq(f16_of(1.0 + ldexp(1, -11)), 0x3C00); /* tie to even */
    cr_expect_eq(f16_of(1.0 + ldexp(3, -11)), 0x3C02);
    cr_expect_eq(f16_of(1.0 + ldexp(1, -11) + ldexp(1, -40)), 0x3C01); /* just above the tie */
    cr_expect_eq(rt_f16_to_f32(0x0001), (float)ldexp(1, -24));
    cr_expect_eq(rt_f16_to_f32(0x7BFF), 65504.0f);
    cr_expect(isnan(rt_f16_to_f32(0x7E00)));
    cr_expect(isinf(rt_f16_to_f32(0xFC00)) && rt_f16_to_f32(0xFC00) < 0);
}

Test(typed, f16_every_pattern_round_trips)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = rt_f16_to_f32((uint16_t)h);
        if (isnan(f))
            continue;
        cr_assert_eq(f16_of(f), h, "0x%04x -> %g -> 0x%04x", h, (double)f, f16_of(f));
    }
}

#ifdef __FLT16_MAX__
/* Against the compiler's own conversion (correctly rounded, from double and
 * from float) on random values across the whole range. */
Test(typed, f16_matches_compiler)
{
    rt_trng r = {12345};
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rt_rng_next(&r);
        double v = ldexp((double)(bits >> 11) / 9007199254740992.0, (int)(bits % 50) - 30);
        if (bits & 1)
            v = -v;
        _Float16 h = (_Float16)v;
        uint16_t want;
        memcpy(&want, &h, 2);
        cr_assert_eq(rt_f64_to_f16(v), want, "%a: 0x%04x, want 0x%04x", v, rt_f64_to_f16(v),
                     want);
    }
}
#endif

/* float to bfloat16, round to nearest even, by the classic bit trick */
static uint16_t bf16_ref(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

Test(typed, bf16_round_to_nearest_even)
{
    rt_trng r = {777};
    for (int i = 0; i < 200000; i++) {
        uint32_t u = (uint32_t)rt_rng_next(&r);
        float f;
        memcpy(&f, &u, 4);
        if (isnan(f) || isinf(f) || fabsf(f) >= 3.38e38f)
            continue;
        cr_assert_eq(rt_f64_to_bf16(f), bf16_ref(f), "%a", (double)f);
    }
    cr_expect_eq(rt_f64_to_bf16(1.0), 0x3F80);
    cr_expect_eq(rt_f64_to_bf16(1.0 + ldexp(1, -8)), 0x3F80);     /* tie to even */
    cr_expect_eq(rt_f64_to_bf16(1.0 + ldexp(3, -8)), 0x3F82);
    cr_expect_eq(rt_f64_to_bf16(INFINITY), 0x7F80);
    cr_expect_eq(rt_bf16_to_f32(0x3F80), 1.0f);
}

Test(typed, f16_arithmetic_rounds_once)
{
    /* 2048 + 1 in float16: the exact 2049 is a tie between 2048 and 2050,
     * to even: 2048. 2048 + 3 = 2051 -> 2052. */
    const uint16_t a[] = {f16_of(2048), f16_of(2048)}, b[] = {f16_of(1), f16_of(3)};
    uint16_t y[2];
    ewb(RT_EW_ADD, RT_F16, RT_F16, y, a, b, 2);
    cr_expect_eq(rt_f16_to_f32(y[0]), 2048.0f);
    cr_expect_eq(rt_f16_to_f32(y[1]), 2052.0f);
}

/* ---------------------------------------------------------------- casts */

Test(typed, casts)
{
    const float f[] = {NAN, INFINITY, -INFINITY, 3.9f, -3.9f, 1e10f, -0.0f, 300.0f};
    int32_t i32[8];
    rt_cast_any(i32, f, RT_I32, RT_F32, 8);
    cr_expect_eq(i32[0], 0);          /* NaN -> 0 */
    cr_expect_eq(i32[1], INT32_MAX);  /* saturate */
    cr_expect_eq(i32[2], INT32_MIN);
    cr_expect_eq(i32[3], 3);          /* truncate */
    cr_expect_eq(i32[4], -3);
    cr_expect_eq(i32[5], INT32_MAX);
    uint8_t u8[8];
    rt_cast_any(u8, f, RT_U8, RT_F32, 8);
    cr_expect_eq(u8[4], 0);
    cr_expect_eq(u8[7], 255);
    uint8_t b[8];
    rt_cast_any(b, f, RT_BOOL, RT_F32, 8);
    cr_expect(b[0] == 1 && b[1] == 1 && b[6] == 0);  /* NaN is true, -0 false */
    uint16_t h[8];
    rt_cast_any(h, f, RT_F16, RT_F32, 8);
    cr_expect_eq(h[1], 0x7C00);
    cr_expect_eq(h[2], 0xFC00);
    cr_expect_eq(h[5], 0x7C00);       /* overflow -> inf */
    cr_expect_eq(h[6], 0x8000);
    cr_expect(isnan(rt_f16_to_f32(h[0])));
    /* integer to integer wraps, as numpy's astype */
    const int64_t big[] = {300, -1, INT64_C(0x100000001)};
    uint8_t w[3];
    rt_cast_any(w, big, RT_U8, RT_I64, 3);
    cr_expect(w[0] == 44 && w[1] == 255 && w[2] == 1);
    int32_t w32[3];
    rt_cast_any(w32, big, RT_I32, RT_I64, 3);
    cr_expect_eq(w32[2], 1);
    /* uint64 above 2^63 to double keeps its value */
    const uint64_t u64[] = {UINT64_MAX};
    double dd[1];
    rt_cast_any(dd, u64, RT_F64, RT_U64, 1);
    cr_expect_eq(dd[0], 18446744073709551616.0);
    /* float to bfloat16 truncates (the ONNX Cast reference up to opset 17) */
    const float t[] = {0.48033667f};
    uint16_t bf[1];
    rt_cast_any(bf, t, RT_BF16, RT_F32, 1);
    cr_expect_eq(bf[0], 16117);
}

Test(typed, double_kept)
{
    /* 1 + 2^-40 is not representable in float: computed in double it stays */
    const double a[] = {1.0}, b[] = {ldexp(1, -40)};
    double y[1];
    ewb(RT_EW_ADD, RT_F64, RT_F64, y, a, b, 1);
    cr_expect_eq(y[0], 1.0 + ldexp(1, -40));
    rt_ewise_reduce_params p;
    memset(&p, 0, sizeof p);
    p.op = RT_RED_SUM;
    p.type = RT_F64;
    p.ndim = 1;
    p.shape[0] = 3;
    p.reduce[0] = 1;
    const double x[] = {1e16, 1.0, -1e16};
    double s[1];
    rt_ewise_reduce(s, x, &p);
    cr_expect_eq(s[0], 0.0);  /* double addition order: (1e16 + 1) - 1e16 = 0 */
    const double x2[] = {1.0, ldexp(1, -30), ldexp(1, -30)};
    rt_ewise_reduce(s, x2, &p);
    cr_expect_eq(s[0], 1.0 + ldexp(1, -29));
}

Test(typed, reduce_ints_and_cumsum)
{
    rt_ewise_reduce_params p;
    memset(&p, 0, sizeof p);
    p.type = RT_I32;
    p.ndim = 2;
    p.shape[0] = 2;
    p.shape[1] = 3;
    p.reduce[1] = 1;
    const int32_t x[] = {INT32_MAX, 1, 0, -5, 7, 2};
    int32_t y[2];
    p.op = RT_RED_SUM;
    rt_ewise_reduce(y, x, &p);
    cr_expect(y[0] == INT32_MIN && y[1] == 4);   /* wraps */
    p.op = RT_RED_MAX;
    rt_ewise_reduce(y, x, &p);
    cr_expect(y[0] == INT32_MAX && y[1] == 7);
    p.op = RT_RED_MIN;
    rt_ewise_reduce(y, x, &p);
    cr_expect(y[0] == 0 && y[1] == -5);
    p.op = RT_RED_PROD;
    rt_ewise_reduce(y, x, &p);
    cr_expect(y[0] == 0 && y[1] == -70);

    rt_cumsum_params c;
    memset(&c, 0, sizeof c);
    c.type = RT_U8;
    c.ndim = 2;
    c.shape[0] = 2;
    c.shape[1] = 3;
    c.axis = 1;
    const uint8_t cx[] = {200, 100, 1, 1, 2, 3};
    uint8_t cy[6];
    rt_cumsum_forward(cy, cx, NULL, &c);
    cr_expect(cy[0] == 200 && cy[1] == 44 && cy[2] == 45);  /* wraps at 256 */
    const int32_t ax = -2;
    c.exclusive = 1;
    c.reverse = 1;
    c.axis_type = RT_I32;
    rt_cumsum_forward(cy, cx, &ax, &c);       /* axis 0, from the end, exclusive */
    cr_expect(cy[0] == 1 && cy[1] == 2 && cy[2] == 3 && cy[3] == 0 && cy[5] == 0);
}

Test(typed, where_and_pad_any)
{
    rt_where_params w;
    memset(&w, 0, sizeof w);
    w.elem_size = 8;
    w.ndim = 2;
    w.shape[0] = 2;
    w.shape[1] = 2;
    w.cstride[1] = 1;       /* cond [2] broadcast over rows */
    w.astride[0] = 2;
    w.astride[1] = 1;
    /* b scalar: strides 0 */
    const uint8_t cond[] = {1, 0};
    const int64_t a[] = {1, 2, 3, 4}, b[] = {-9};
    int64_t y[4];
    rt_where_forward(y, cond, a, b, &w);
    cr_expect(y[0] == 1 && y[1] == -9 && y[2] == 3 && y[3] == -9);

    rt_pad_any_params p;
    memset(&p, 0, sizeof p);
    p.elem_size = 2;
    p.ndim = 1;
    p.in[0] = 3;
    p.out[0] = 7;
    p.pad_begin[0] = 2;
    const int16_t x[] = {10, 20, 30};
    int16_t py[7];
    p.mode = RT_PAD_REFLECT;
    rt_pad_any_forward(py, x, &p);
    cr_expect(py[0] == 30 && py[1] == 20 && py[2] == 10 && py[4] == 30 && py[5] == 20 &&
              py[6] == 10);
    p.mode = RT_PAD_EDGE;
    rt_pad_any_forward(py, x, &p);
    cr_expect(py[0] == 10 && py[1] == 10 && py[6] == 30);
    p.mode = RT_PAD_CONSTANT;
    const int16_t v = -3;
    memcpy(p.value, &v, 2);
    rt_pad_any_forward(py, x, &p);
    cr_expect(py[0] == -3 && py[2] == 10 && py[6] == -3);
}

Test(typed, maxpool_any)
{
    rt_pool_any_params p;
    memset(&p, 0, sizeof p);
    p.pool.n = 1;
    p.pool.c = 1;
    p.pool.in[0] = p.pool.in[1] = 1;
    p.pool.in[2] = 3;
    p.pool.out[0] = p.pool.out[1] = 1;
    p.pool.out[2] = 3;
    p.pool.k[0] = p.pool.k[1] = 1;
    p.pool.k[2] = 2;
    p.pool.stride[0] = p.pool.stride[1] = p.pool.stride[2] = 1;
    p.pool.dilation[0] = p.pool.dilation[1] = p.pool.dilation[2] = 1;
    p.pool.pad[2] = 1;           /* windows [-1, 0], [0, 1], [1, 2] */
    p.type = RT_I8;
    const int8_t x[] = {-128, -100, 5};
    int8_t y[3];
    rt_maxpool_any_forward(y, x, &p);
    cr_expect(y[0] == -128 && y[1] == -100 && y[2] == 5);
    p.type = RT_U64;
    const uint64_t ux[] = {UINT64_MAX, 1, 2};
    uint64_t uy[3];
    rt_maxpool_any_forward(uy, ux, &p);
    cr_expect(uy[0] == UINT64_MAX && uy[1] == UINT64_MAX && uy[2] == 2);
    /* a window entirely in the padding: the type's minimum */
    p.pool.pad[2] = 2;
    p.pool.k[2] = 1;
    p.pool.out[2] = 1;
    p.type = RT_I8;
    rt_maxpool_any_forward(y, x, &p);
    cr_expect_eq(y[0], -128);
}

Test(typed, gather_int32_indices)
{
    rt_gather_any_params p;
    memset(&p, 0, sizeof p);
    p.gather.elem_size = 2;
    p.gather.outer = 1;
    p.gather.axis_len = 3;
    p.gather.inner = 2;
    p.gather.nidx = 3;
    p.idx_type = RT_I32;
    const int16_t x[] = {1, 2, 3, 4, 5, 6};
    const int32_t idx[] = {-1, 0, 3};     /* from the end; out of range -> zeros */
    int16_t y[6];
    rt_gather_any_forward(y, x, idx, &p);
    cr_expect(y[0] == 5 && y[1] == 6 && y[2] == 1 && y[3] == 2 && y[4] == 0 && y[5] == 0);
}

Test(typed, float_functions_keep_precision)
{
    rt_ewise_fn_params p;
    memset(&p, 0, sizeof p);
    p.op = RT_UN_SIGMOID;
    p.type = RT_F64;
    p.n = 3;
    const double x[] = {1e-9, -20.0, 3.0};
    double y[3];
    rt_ewise_fn(y, x, &p);
    for (int i = 0; i < 3; i++) {
        double ref = 1.0 / (1.0 + exp(-x[i]));
        cr_expect(fabs(y[i] - ref) <= 2 * DBL_EPSILON * ref, "%d: %.17g vs %.17g", i, y[i], ref);
    }
    /* 0.5 + 2.5e-10 is not distinguishable in float: only double keeps it */
    cr_expect(y[0] > 0.5);
    p.math = 1;
    p.op = RT_MATH_ROUND;
    const double r[] = {0.5, 1.5, 2.5, -2.5};
    rt_ewise_fn(y, r, &p);
    cr_expect(y[0] == 0.0 && y[1] == 2.0 && y[2] == 2.0);  /* halves to even */
    p.math = 0;
    p.op = RT_UN_SQRT;
    p.type = RT_F16;
    p.n = 1;
    const uint16_t two = 0x4000;
    uint16_t h;
    rt_ewise_fn(&h, &two, &p);
    cr_expect_eq(h, 0x3DA8);  /* sqrt(2) = 1.41421356... -> 1448/1024 */
}

/* Integer MatMul wraps around: (2^31 - 1) * 3 + 1 * 1 = 3 * 2^31 - 2, which
 * is 2^31 - 2 modulo 2^32; in uint64, (2^64 - 1) * 2 = 2^64 - 2. */
Test(typed, matmul_any_wraps)
{
    rt_matmul_any_params p;
    memset(&p, 0, sizeof p);
    p.mm.m = 1;
    p.mm.n = 1;
    p.mm.k = 2;
    p.type = RT_I32;
    const int32_t a[2] = {INT32_MAX, 1}, b[2] = {3, 1};
    int32_t y = 0;
    rt_matmul_any_forward(&y, a, b, &p);
    cr_assert_eq(y, INT32_MAX - 1);
    p.type = RT_U64;
    p.mm.k = 1;
    const uint64_t ua = UINT64_MAX, ub = 2;
    uint64_t uy = 0;
    rt_matmul_any_forward(&uy, &ua, &ub, &p);
    cr_assert_eq(uy, UINT64_MAX - 1);
}

/* The cast back from a float32 result rounds to nearest even with .round
 * (0x3F808000 lies halfway between bfloat16 0x3F80 and 0x3F81: even is
 * 0x3F80; 0x3F818000 rounds up to 0x3F82), and truncates without it, as
 * Cast does. */
Test(typed, cast_round_bf16)
{
    const uint32_t bits[2] = {0x3F808000u, 0x3F818000u};
    float x[2];
    uint16_t y[2];
    memcpy(x, bits, sizeof x);
    rt_cast_params p = {RT_BF16, RT_F32, 2, 1};
    rt_cast_forward(y, x, &p);
    cr_assert_eq(y[0], 0x3F80);
    cr_assert_eq(y[1], 0x3F82);
    p.round = 0;
    rt_cast_forward(y, x, &p);
    cr_assert_eq(y[0], 0x3F80);
    cr_assert_eq(y[1], 0x3F81);
}

/* ArgMax of uint32 compares unsigned; ArgMin of int64 signed, last index. */
Test(typed, arg_any_types)
{
    rt_arg_any_params p;
    memset(&p, 0, sizeof p);
    p.arg.outer = 1;
    p.arg.len = 3;
    p.arg.inner = 1;
    p.type = RT_U32;
    const uint32_t u[3] = {1, 0x80000000u, 7};
    int64_t y = -1;
    rt_arg_any_forward(&y, u, &p);
    cr_assert_eq(y, 1);
    p.type = RT_I64;
    p.arg.is_min = 1;
    p.arg.select_last = 1;
    const int64_t s[3] = {-5, 2, -5};
    rt_arg_any_forward(&y, s, &p);
    cr_assert_eq(y, 2);
}

/* ---------------------------------------------------------------- types3: indexing of any type */

Test(typed, prelu_ints_wrap)
{
    /* slope * x wraps in the type; non-negative x passes through; unsigned
     * x is never negative */
    const int32_t a[] = {-3, 5, INT32_MIN, 0, -1};
    const int32_t b[] = {2, 7, 2, -9, INT32_MIN};
    int32_t y[5];
    ewb(RT_EW_PRELU, RT_I32, RT_I32, y, a, b, 5);
    cr_expect_eq(y[0], -6);
    cr_expect_eq(y[1], 5);
    cr_expect_eq(y[2], 0);            /* INT32_MIN * 2 wraps to 0 */
    cr_expect_eq(y[3], 0);
    cr_expect_eq(y[4], INT32_MIN);    /* -1 * INT32_MIN wraps to INT32_MIN */
    const uint64_t ua[] = {UINT64_MAX, 3}, ub[] = {5, 5};
    uint64_t uy[2];
    ewb(RT_EW_PRELU, RT_U64, RT_U64, uy, ua, ub, 2);
    cr_expect_eq(uy[0], UINT64_MAX);
    cr_expect_eq(uy[1], 3u);
    const double da[] = {-0.5, 2.0}, db[] = {0.1, 9.0};
    double dy[2];
    ewb(RT_EW_PRELU, RT_F64, RT_F64, dy, da, db, 2);
    cr_expect_eq(dy[0], -0.5 * 0.1);  /* the product in double, not float */
    cr_expect_eq(dy[1], 2.0);
}

Test(typed, scatter_any_reductions_wrap)
{
    /* int8 data [4], updates at 1, 1, 3 (duplicates accumulate in order) */
    const int8_t x[] = {1, 100, 3, -128};
    const int64_t idx[] = {1, 1, 3, 9}; /* 9: out of range, skipped */
    const int8_t u[] = {27, 1, -1, 5};
    int8_t y[4];
    rt_scatter_elements_any_params p;
    memset(&p, 0, sizeof p);
    p.scat.ndim = 1;
    p.scat.xshape[0] = 4;
    p.scat.ishape[0] = 4;
    p.scat.reduction = RT_SCATTER_ADD;
    p.type = RT_I8;
    rt_scatter_elements_any_forward(y, x, idx, u, &p);
    cr_expect_eq(y[0], 1);
    cr_expect_eq(y[1], -128);         /* 100 + 27 + 1 = 128 wraps */
    cr_expect_eq(y[2], 3);
    cr_expect_eq(y[3], 127);          /* -128 - 1 wraps */
    p.scat.reduction = RT_SCATTER_NONE;
    rt_scatter_elements_any_forward(y, x, idx, u, &p);
    cr_expect_eq(y[1], 1);            /* the last write wins */
    cr_expect_eq(y[3], -1);
    /* uint64 max / min compare unsigned */
    const uint64_t ux[] = {1, UINT64_MAX};
    const int64_t ui[] = {0, 1};
    const uint64_t uu[] = {UINT64_MAX, 2};
    uint64_t uy[2];
    p.scat.xshape[0] = 2;
    p.scat.ishape[0] = 2;
    p.scat.reduction = RT_SCATTER_MAX;
    p.type = RT_U64;
    rt_scatter_elements_any_forward(uy, ux, ui, uu, &p);
    cr_expect_eq(uy[0], UINT64_MAX);
    cr_expect_eq(uy[1], UINT64_MAX);
    p.scat.reduction = RT_SCATTER_MIN;
    rt_scatter_elements_any_forward(uy, ux, ui, uu, &p);
    cr_expect_eq(uy[0], 1u);
    cr_expect_eq(uy[1], 2u);
}

Test(typed, scatternd_any_mul_wraps)
{
    const uint8_t x[] = {16, 2, 3, 4};  /* [2, 2] */
    const int64_t idx[] = {0, -1};      /* rows 0 and 1 (negative counts from the end) */
    const uint8_t u[] = {16, 1, 2, 255};
    uint8_t y[4];
    rt_scatternd_any_params p;
    memset(&p, 0, sizeof p);
    p.scatnd.ndim = 2;
    p.scatnd.k = 1;
    p.scatnd.xshape[0] = 2;
    p.scatnd.xshape[1] = 2;
    p.scatnd.nupd = 2;
    p.scatnd.slice = 2;
    p.scatnd.reduction = RT_SCATTER_MUL;
    p.type = RT_U8;
    rt_scatternd_any_forward(y, x, idx, u, &p);
    cr_expect_eq(y[0], 0);              /* 256 wraps */
    cr_expect_eq(y[1], 2);
    cr_expect_eq(y[2], 6);
    cr_expect_eq(y[3], 252);            /* 4 * 255 = 1020 = 3 * 256 + 252 */
}

Test(typed, topk_any_exact_ints)
{
    /* int64 values that float would merge: 2^53 and 2^53 + 1 */
    const int64_t big = (int64_t)1 << 53;
    const int64_t x[] = {big, big + 1, -5, big + 1, INT64_MIN};
    int64_t v[3], i[3];
    rt_topk_any_params p;
    memset(&p, 0, sizeof p);
    p.topk.outer = 1;
    p.topk.len = 5;
    p.topk.inner = 1;
    p.topk.k = 3;
    p.topk.largest = 1;
    p.type = RT_I64;
    rt_topk_any_forward(v, i, x, &p);
    cr_expect_eq(v[0], big + 1);
    cr_expect_eq(i[0], 1);              /* equal values: the lower index first */
    cr_expect_eq(v[1], big + 1);
    cr_expect_eq(i[1], 3);
    cr_expect_eq(v[2], big);
    p.topk.largest = 0;
    p.topk.k = 2;
    rt_topk_any_forward(v, i, x, &p);
    cr_expect_eq(v[0], INT64_MIN);
    cr_expect_eq(i[0], 4);
    cr_expect_eq(v[1], -5);
    /* uint64 above 2^63 compares unsigned */
    const uint64_t ux[] = {1, UINT64_MAX, 7};
    uint64_t uv[1];
    p.topk.len = 3;
    p.topk.k = 1;
    p.topk.largest = 1;
    p.type = RT_U64;
    rt_topk_any_forward(uv, i, ux, &p);
    cr_expect_eq(uv[0], UINT64_MAX);
    cr_expect_eq(i[0], 1);
}

Test(typed, onehot_any_index_types)
{
    /* float16 indices truncate toward zero (-1.5 -> -1 -> depth - 1); uint8
     * values */
    const uint16_t idx[] = {0x3E00 /* 1.5 */, 0xBE00 /* -1.5 */};
    const uint8_t val[] = {7, 200};
    uint8_t y[6];
    rt_onehot_any_params p;
    memset(&p, 0, sizeof p);
    p.onehot.outer = 2;
    p.onehot.depth = 3;
    p.onehot.inner = 1;
    p.idx_type = RT_F16;
    p.type = RT_U8;
    rt_onehot_any_forward(y, idx, val, &p);
    const uint8_t want[] = {7, 200, 7, 7, 7, 200};
    for (int k = 0; k < 6; k++)
        cr_expect_eq(y[k], want[k], "element %d", k);
    /* a uint64 index above INT64_MAX is out of range: all off */
    const uint64_t ui[] = {UINT64_MAX - 1};
    p.onehot.outer = 1;
    p.idx_type = RT_U64;
    rt_onehot_any_forward(y, ui, val, &p);
    cr_expect_eq(y[0], 7);
    cr_expect_eq(y[1], 7);
    cr_expect_eq(y[2], 7);
}

Test(typed, shrink_any_ints_saturate)
{
    const int8_t x[] = {-128, -2, 0, 2, 127};
    int8_t y[5];
    rt_shrink_any_params p;
    memset(&p, 0, sizeof p);
    p.shrink.lambd = 1.5f;
    p.shrink.bias = -10.0f; /* x + bias / x - bias leave the range: saturate as Cast does */
    p.shrink.n = 5;
    p.type = RT_I8;
    rt_shrink_any_forward(y, x, &p);
    cr_expect_eq(y[0], -128);          /* -138 saturates */
    cr_expect_eq(y[1], -12);
    cr_expect_eq(y[2], 0);
    cr_expect_eq(y[3], 12);
    cr_expect_eq(y[4], 127);           /* 137 saturates */
}

Test(typed, reverse_sequence_any_bytes)
{
    /* time_axis 1: x [batch 2, time 3, inner 1] of int16 */
    const int16_t x[] = {1, 2, 3, 4, 5, 6};
    const int64_t lens[] = {3, 2};
    int16_t y[6];
    rt_reverse_sequence_any_params p;
    memset(&p, 0, sizeof p);
    p.revseq.time_axis = 1;
    p.revseq.time = 3;
    p.revseq.batch = 2;
    p.revseq.inner = 1;
    p.type = RT_I16;
    rt_reverse_sequence_any_forward(y, x, lens, &p);
    const int16_t want[] = {3, 2, 1, 5, 4, 6};
    for (int k = 0; k < 6; k++)
        cr_expect_eq(y[k], want[k], "element %d", k);
}

Test(typed, lp_double_keeps_precision)
{
    /* |x| of 1 + 2^-40 and 2^-30: the L2 norm in double */
    const double x[] = {1.0 + 0x1p-40, 0x1p-30};
    double y[2];
    rt_lpnorm_params p;
    memset(&p, 0, sizeof p);
    p.outer = 1;
    p.len = 2;
    p.inner = 1;
    p.p = 1.0f;
    rt_lpnorm_forward_f64(y, x, &p);
    const double s = 1.0 + 0x1p-40 + 0x1p-30;
    cr_expect_eq(y[0], (1.0 + 0x1p-40) / s);
    cr_expect_eq(y[1], 0x1p-30 / s);
}

Test(typed, div_double_is_exact)
{
    /* Mean of 3 doubles divides by 3 in double: 1 / 3 rounded once, not
     * x * (float)(1 / 3.0) */
    const double x[] = {1.0, 0.1 + 0.2, -7.0};
    double y[3];
    rt_ewise_unary_params p;
    memset(&p, 0, sizeof p);
    p.op = RT_EU_DIV;
    p.type = RT_F64;
    p.lo = 3.0;
    p.n = 3;
    rt_ewise_unary(y, x, &p);
    cr_expect_eq(y[0], 1.0 / 3.0);
    cr_expect_eq(y[1], (0.1 + 0.2) / 3.0);
    cr_expect_eq(y[2], -7.0 / 3.0);
    cr_expect_neq(y[0], 1.0 * (double)(1.0f / 3.0f));
}

Test(typed, det_double_keeps_precision)
{
    /* det [[1 + 2^-40, 1], [1, 1]] = 2^-40: lost entirely in float input */
    const double x[] = {1.0 + 0x1p-40, 1.0, 1.0, 1.0};
    double y[1], scratch[4];
    rt_det_params p;
    memset(&p, 0, sizeof p);
    p.batch = 1;
    p.n = 2;
    rt_det_forward_f64(y, scratch, x, &p);
    /* LU in double gives 2^-40 (1 + 2^-40) (1 / (1 + 2^-40) rounds once):
     * relative error 2^-40, where a float computation gives 0 */
    cr_expect(fabs(y[0] - 0x1p-40) <= 0x1p-40 * 0x1p-39, "det %a", y[0]);
}

Test(typed, maxunpool_any_moves_bytes)
{
    /* int64 values beyond 2^53 survive (no float round trip) */
    const int64_t x[] = {((int64_t)1 << 60) + 1, -3};
    const int64_t idx[] = {3, 0};
    int64_t y[4];
    rt_unpool_any_params p;
    memset(&p, 0, sizeof p);
    p.unpool.nx = 2;
    p.unpool.planes = 1;
    p.unpool.din[0] = p.unpool.din[1] = 1;
    p.unpool.din[2] = 4;
    p.unpool.dout[0] = p.unpool.dout[1] = 1;
    p.unpool.dout[2] = 4;
    p.type = RT_I64;
    rt_maxunpool_any_forward(y, x, idx, &p);
    cr_expect_eq(y[0], -3);
    cr_expect_eq(y[1], 0);
    cr_expect_eq(y[2], 0);
    cr_expect_eq(y[3], ((int64_t)1 << 60) + 1);
}

Test(typed, einsum_any_int8_wraps)
{
    /* "i,i->": 100 * 1 + 100 * 1 = 200, which wraps to -56 in int8 */
    const int8_t a[] = {100, 100}, b[] = {1, 1};
    int8_t y[1];
    rt_einsum_any_params p;
    memset(&p, 0, sizeof p);
    p.ein.nin = 2;
    p.ein.nlabels = 1;
    p.ein.nout = 0;
    p.ein.extent[0] = 2;
    p.ein.astride[0] = 1;
    p.ein.bstride[0] = 1;
    p.type = RT_I8;
    rt_einsum_any_forward(y, a, b, &p);
    cr_expect_eq(y[0], -56);
}
