/*
 * elementwise.c - element-wise unary and broadcast binary kernels.
 */
#include <math.h>

#include "rt_impl.h"

#ifdef RT_SIMD_AVX2
#include <immintrin.h>
#endif

/* Clamp v to [lo, hi]; a NaN v stays NaN (unlike fminf/fmaxf, which would
 * replace it by a bound), as numpy's clip and the ONNX reference do. */
static float rt_clampf(float v, float lo, float hi)
{
    if (v < lo)
        return lo;
    if (v > hi)
        return hi;
    return v;
}

/* log(1 + exp(x)) without overflow for large x and without losing the tiny
 * result for very negative x: max(x, 0) + log1p(exp(-|x|)). */
static float rt_softplusf(float v)
{
    float m = v > 0.0f ? v : 0.0f;
    return m + log1pf(expf(-fabsf(v)));
}

/* 1 / (1 + exp(-x)), evaluated so that exp never overflows. */
static float rt_sigmoidf(float v)
{
    if (v >= 0.0f)
        return 1.0f / (1.0f + expf(-v));
    else {
        float e = expf(v);
        return e / (1.0f + e);
    }
}

/*
 * y = f(x) over p->n elements, f chosen by p->op. The switch sits outside the
 * loops so each case is a tight loop. Every case reads x[i] before writing
 * y[i], so y == x (in place) is allowed. NaN inputs propagate to the output
 * in every function (Relu and Clip included).
 */
void rt_unary_forward(float *y, const float *x, const rt_unary_params *p)
{
    const int64_t n = p->n;
    const float alpha = p->alpha, beta = p->beta;
    int64_t i;

    switch (p->op) {
    case RT_UN_NONE:
        if (y != x)
            for (i = 0; i < n; i++)
                y[i] = x[i];
        break;
    case RT_UN_RELU:
        for (i = 0; i < n; i++)
            y[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
    case RT_UN_LEAKYRELU:
        for (i = 0; i < n; i++)
            y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
        break;
    case RT_UN_ELU:
        /* expm1f: exp(x) - 1 without cancellation near 0. */
        for (i = 0; i < n; i++)
            y[i] = x[i] >= 0.0f ? x[i] : alpha * expm1f(x[i]);
        break;
    case RT_UN_SELU:
        for (i = 0; i < n; i++)
            y[i] = beta * (x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]));
        break;
    case RT_UN_SIGMOID:
        for (i = 0; i < n; i++)
            y[i] = rt_sigmoidf(x[i]);
        break;
    case RT_UN_HARDSIGMOID:
        for (i = 0; i < n; i++)
            y[i] = rt_clampf(alpha * x[i] + beta, 0.0f, 1.0f);
        break;
    case RT_UN_HARDSWISH:
        for (i = 0; i < n; i++)
            y[i] = x[i] * rt_clampf(x[i] / 6.0f + 0.5f, 0.0f, 1.0f);
        break;
    case RT_UN_TANH:
        for (i = 0; i < n; i++)
            y[i] = tanhf(x[i]);
        break;
    case RT_UN_SOFTPLUS:
        for (i = 0; i < n; i++)
            y[i] = rt_softplusf(x[i]);
        break;
    case RT_UN_SOFTSIGN:
        for (i = 0; i < n; i++)
            y[i] = x[i] / (1.0f + fabsf(x[i]));
        break;
    case RT_UN_CLIP:
        for (i = 0; i < n; i++)
            y[i] = rt_clampf(x[i], alpha, beta);
        break;
    case RT_UN_SQRT:
        for (i = 0; i < n; i++)
            y[i] = sqrtf(x[i]);
        break;
    case RT_UN_EXP:
        for (i = 0; i < n; i++)
            y[i] = expf(x[i]);
        break;
    case RT_UN_LOG:
        for (i = 0; i < n; i++)
            y[i] = logf(x[i]);
        break;
    case RT_UN_ABS:
        for (i = 0; i < n; i++)
            y[i] = fabsf(x[i]);
        break;
    case RT_UN_NEG:
        for (i = 0; i < n; i++)
            y[i] = -x[i];
        break;
    case RT_UN_RECIPROCAL:
        for (i = 0; i < n; i++)
            y[i] = 1.0f / x[i];
        break;
    case RT_UN_AFFINE:
        for (i = 0; i < n; i++)
            y[i] = alpha * x[i] + beta;
        break;
    case RT_UN_COUNT:
        break;
    }
}

/* max and min that return NaN when either operand is NaN (numpy's
 * maximum/minimum, which the ONNX reference uses for Max and Min). */
static float rt_maxf_nan(float a, float b)
{
    return (a > b || a != a) ? a : b;
}

static float rt_minf_nan(float a, float b)
{
    return (a < b || a != a) ? a : b;
}

/* One row of a binary op: y[i] = f(a[i * as], b[i * bs]) for i < n, y
 * contiguous. The op switch is outside the loop. */
static void rt_binary_row(float *y, const float *a, int64_t as, const float *b, int64_t bs,
                          int64_t n, rt_binary_op op)
{
    int64_t i;

#define RT_BIN_LOOP(expr)                                   \
    for (i = 0; i < n; i++) {                               \
        const float av = a[i * as], bv = b[i * bs];         \
        y[i] = (expr);                                      \
    }                                                       \
    break

    switch (op) {
    case RT_BIN_ADD:   RT_BIN_LOOP(av + bv);
    case RT_BIN_SUB:   RT_BIN_LOOP(av - bv);
    case RT_BIN_MUL:   RT_BIN_LOOP(av * bv);
    case RT_BIN_DIV:   RT_BIN_LOOP(av / bv);
    case RT_BIN_POW:   RT_BIN_LOOP(powf(av, bv));
    case RT_BIN_MAX:   RT_BIN_LOOP(rt_maxf_nan(av, bv));
    case RT_BIN_MIN:   RT_BIN_LOOP(rt_minf_nan(av, bv));
    case RT_BIN_PRELU: RT_BIN_LOOP(av >= 0.0f ? av : bv * av);
    case RT_BIN_COUNT: break;
    }
#undef RT_BIN_LOOP
}

/*
 * The iteration space of a broadcast binary op, simplified: axes of size 1
 * are dropped, and neighbouring axes merge when both operands step over them
 * as over one axis (y is dense, so for y that always holds). A plain
 * same-shape add becomes one row, a bias add [n, c, h, w] + [c, 1, 1] becomes
 * [n, c, h*w]. Fills shape/as/bs (at least one axis) and returns their count;
 * *total is the element count of y (0: nothing to do).
 */
static int rt_binary_axes(int64_t *shape, int64_t *as, int64_t *bs, int64_t *total,
                          const rt_binary_params *p)
{
    int nd = 0, i;

    *total = 1;
    for (i = 0; i < p->ndim; i++) {
        *total *= p->shape[i];
        if (p->shape[i] == 1)
            continue;
        if (nd > 0 && as[nd - 1] == p->astride[i] * p->shape[i] &&
            bs[nd - 1] == p->bstride[i] * p->shape[i]) {
            shape[nd - 1] *= p->shape[i];
            as[nd - 1] = p->astride[i];
            bs[nd - 1] = p->bstride[i];
            continue;
        }
        shape[nd] = p->shape[i];
        as[nd] = p->astride[i];
        bs[nd] = p->bstride[i];
        nd++;
    }
    if (nd == 0) {              /* every axis has size 1: one element */
        shape[0] = 1;
        as[0] = bs[0] = 0;
        nd = 1;
    }
    return nd;
}

/*
 * y = f(a, b) with multidirectional broadcasting (see rt_binary_params).
 * After rt_binary_axes, an odometer walks all but the last axis and
 * rt_binary_row does the last one.
 * In place (y == a or y == b) works because each element is read before the
 * same position of y is written, and a full-shape contiguous operand has the
 * same offset as y everywhere.
 */
void rt_binary_forward(float *y, const float *a, const float *b, const rt_binary_params *p)
{
    int64_t shape[RT_MAX_DIMS], as[RT_MAX_DIMS], bs[RT_MAX_DIMS], idx[RT_MAX_DIMS];
    int64_t total, rows, r, len;
    const int nd = rt_binary_axes(shape, as, bs, &total, p);
    int i;

    if (total == 0)
        return;
    len = shape[nd - 1];
    rows = total / len;
    for (i = 0; i < nd; i++)
        idx[i] = 0;
    for (r = 0; r < rows; r++) {
        int64_t ao = 0, bo = 0;
        for (i = 0; i < nd - 1; i++) {
            /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): idx[0..nd) is zeroed above; nd >= 1 */
            ao += idx[i] * as[i];
            bo += idx[i] * bs[i];
        }
        rt_binary_row(y + r * len, a + ao, as[nd - 1], b + bo, bs[nd - 1], len, p->op);
        for (i = nd - 2; i >= 0; i--) {
            if (++idx[i] < shape[i])
                break;
            idx[i] = 0;
        }
    }
}

/* ================================================================ backward */

/*
 * dx += dy * f'(x), f chosen by p->op; y = f(x) is given so that f' can be
 * taken from the output where that is cheaper. At the kinks the derivative
 * is PyTorch's (torch 1.13 autograd), so fine-tuning here and in PyTorch
 * takes the same steps:
 *   Relu 0 at x <= 0; LeakyRelu alpha at x <= 0; Elu and Selu use their
 *   negative branch at x <= 0 (alpha, alpha * gamma at 0); HardSigmoid alpha
 *   only where 0 < alpha x + beta < 1 (strictly); HardSwish 0 below -3,
 *   x / 3 + 1/2 on [-3, 3] (so -1/2 and 3/2 at the corners), 1 above 3;
 *   Clip 1 on [min, max] inclusive; Abs 0 at 0. NaN inputs take the branch
 *   PyTorch's comparisons give them. Sqrt and Log return inf at 0, and
 *   Softplus' derivative is the sigmoid (PyTorch's threshold 20 gives 1
 *   there, which is also sigmoid's value in float).
 */
/* ReLU's gradient for dx[0..n): dy where x > 0 (and where x is NaN, as the
 * scalar test x <= 0 is false there), +0 elsewhere, stored (overwrite) as
 * 0 + it or added to dx. The AVX2 path selects with a mask instead of the
 * branch the scalar loop compiles to, which mispredicts on signs that are
 * as good as random. */
static void rt_relu_backward(float *dx, const float *dy, const float *x, int64_t n, int overwrite)
{
    int64_t i = 0;
#ifdef RT_SIMD_AVX2
    const __m256 zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_NLE_UQ);
        const __m256 g = _mm256_and_ps(keep, _mm256_loadu_ps(dy + i));
        const __m256 base = overwrite ? zero : _mm256_loadu_ps(dx + i);
        _mm256_storeu_ps(dx + i, _mm256_add_ps(base, g));
    }
#endif
    for (; i < n; i++) {
        const float g = dy[i];
        const float v = x[i] <= 0.0f ? 0.0f : g;
        dx[i] = overwrite ? 0.0f + v : dx[i] + v;
    }
}

void rt_unary_backward(float *dx, const float *dy, const float *x, const float *y,
                       const rt_unary_params *p)
{
    const int64_t n = p->n;
    const float alpha = p->alpha, beta = p->beta;
    int64_t i;

    if (!dx)
        return;
    if (p->overwrite) {
        /* the first contribution: 0 + it, as into a zeroed buffer */
        if (p->op == RT_UN_RELU) {
            rt_relu_backward(dx, dy, x, n, 1);
            return;
        }
        rt_zero(dx, n);
    }
    switch (p->op) {
    case RT_UN_NONE:
        for (i = 0; i < n; i++)
            dx[i] += dy[i];
        break;
    case RT_UN_RELU:
        rt_relu_backward(dx, dy, x, n, 0);
        break;
    case RT_UN_LEAKYRELU:
        for (i = 0; i < n; i++) {
            const float g = dy[i];
            dx[i] += x[i] > 0.0f ? g : g * alpha;
        }
        break;
    case RT_UN_ELU:
        /* alpha * exp(x) rather than y + alpha, which cancels for very
         * negative x. */
        for (i = 0; i < n; i++)
            dx[i] += x[i] <= 0.0f ? dy[i] * alpha * expf(x[i]) : dy[i];
        break;
    case RT_UN_SELU: {
        const float neg = alpha * beta;
        for (i = 0; i < n; i++)
            dx[i] += x[i] <= 0.0f ? dy[i] * neg * expf(x[i]) : dy[i] * beta;
        break;
    }
    case RT_UN_SIGMOID:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] * (1.0f - y[i]) * y[i];
        break;
    case RT_UN_HARDSIGMOID:
        for (i = 0; i < n; i++) {
            const float v = alpha * x[i] + beta;
            const float g = dy[i] * alpha;
            dx[i] += (v > 0.0f && v < 1.0f) ? g : 0.0f;
        }
        break;
    case RT_UN_HARDSWISH:
        for (i = 0; i < n; i++) {
            const float v = x[i];
            dx[i] += v < -3.0f ? 0.0f : (v <= 3.0f ? dy[i] * (v / 3.0f + 0.5f) : dy[i]);
        }
        break;
    case RT_UN_TANH:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] * (1.0f - y[i] * y[i]);
        break;
    case RT_UN_SOFTPLUS:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] * rt_sigmoidf(x[i]);
        break;
    case RT_UN_SOFTSIGN:
        for (i = 0; i < n; i++) {
            const float d = 1.0f + fabsf(x[i]);
            dx[i] += dy[i] / (d * d);
        }
        break;
    case RT_UN_CLIP:
        for (i = 0; i < n; i++) {
            const float g = dy[i];
            dx[i] += (x[i] >= alpha && x[i] <= beta) ? g : 0.0f;
        }
        break;
    case RT_UN_SQRT:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] / (2.0f * y[i]);
        break;
    case RT_UN_EXP:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] * y[i];
        break;
    case RT_UN_LOG:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] / x[i];
        break;
    case RT_UN_ABS:
        for (i = 0; i < n; i++)
            dx[i] += x[i] > 0.0f ? dy[i] : (x[i] < 0.0f ? -dy[i] : 0.0f);
        break;
    case RT_UN_NEG:
        for (i = 0; i < n; i++)
            dx[i] -= dy[i];
        break;
    case RT_UN_RECIPROCAL:
        for (i = 0; i < n; i++)
            dx[i] -= dy[i] * (y[i] * y[i]);
        break;
    case RT_UN_AFFINE:
        for (i = 0; i < n; i++)
            dx[i] += dy[i] * alpha;
        break;
    case RT_UN_COUNT:
        break;
    }
}

/*
 * One row of a binary op's backward: for i < n, with av = a[i * as] and
 * bv = b[i * bs], da[i * as] += dL/da and db[i * bs] += dL/db (either may be
 * NULL). A stride of 0 makes the row sum into one element: the reduction
 * over a broadcast axis. The rules are PyTorch's:
 *   Div   db = -dy (a / b) / b (no overflow of b * b);
 *   Pow   da = dy b a^(b-1), 0 where b == 0 (no 0 * inf at a == 0);
 *         db = dy a^b log(a) where a > 0, else 0 (PyTorch gives 0 at
 *         a == 0 with b >= 0, but NaN for a < 0 and -inf for a == 0, b < 0;
 *         0 keeps one bad element from poisoning a broadcast exponent);
 *   Max   dy to the larger operand, half to each on a tie, all of it to both
 *         when one is NaN (torch.maximum); Min likewise;
 *   PRelu da = dy where a > 0 else slope * dy (the slope at 0 too),
 *         dslope = a * dy where a <= 0.
 */
static void rt_binary_row_backward(float *da, int64_t as, float *db, int64_t bs, const float *dy,
                                   const float *a, const float *b, int64_t n, rt_binary_op op)
{
    int64_t i;

    /* ga and gb are the two partial gradients of element i; the stores are
     * skipped for a NULL gradient (a loop-invariant test). */
#define RT_BIN_BACK_LOOP(ga, gb)                            \
    for (i = 0; i < n; i++) {                               \
        const float av = a[i * as], bv = b[i * bs], g = dy[i]; \
        (void)av;                                           \
        (void)bv;                                           \
        if (da)                                             \
            da[i * as] += (ga);                             \
        if (db)                                             \
            db[i * bs] += (gb);                             \
    }                                                       \
    break

    switch (op) {
    case RT_BIN_ADD:   RT_BIN_BACK_LOOP(g, g);
    case RT_BIN_SUB:   RT_BIN_BACK_LOOP(g, -g);
    case RT_BIN_MUL:   RT_BIN_BACK_LOOP(g * bv, g * av);
    case RT_BIN_DIV:   RT_BIN_BACK_LOOP(g / bv, -g * ((av / bv) / bv));
    case RT_BIN_POW:
        RT_BIN_BACK_LOOP(bv == 0.0f ? 0.0f : g * bv * powf(av, bv - 1.0f),
                         av > 0.0f ? g * powf(av, bv) * logf(av) : 0.0f);
    case RT_BIN_MAX:
        RT_BIN_BACK_LOOP(av < bv ? 0.0f : (av == bv ? g * 0.5f : g),
                         av > bv ? 0.0f : (av == bv ? g * 0.5f : g));
    case RT_BIN_MIN:
        RT_BIN_BACK_LOOP(av > bv ? 0.0f : (av == bv ? g * 0.5f : g),
                         av < bv ? 0.0f : (av == bv ? g * 0.5f : g));
    case RT_BIN_PRELU:
        RT_BIN_BACK_LOOP(av > 0.0f ? g : g * bv, av > 0.0f ? 0.0f : g * av);
    case RT_BIN_COUNT: break;
    }
#undef RT_BIN_BACK_LOOP
}

/*
 * Backward of rt_binary_forward: the same walk over y (rt_binary_axes and an
 * odometer), each row handing its gradients to rt_binary_row_backward, which
 * accumulates them at the operands' own offsets. Where an operand is
 * broadcast its stride is 0, so contributions of every y element it fed
 * add up in the one element they came from.
 */
void rt_binary_backward(float *da, float *db, const float *dy, const float *a, const float *b,
                        const rt_binary_params *p)
{
    int64_t shape[RT_MAX_DIMS], as[RT_MAX_DIMS], bs[RT_MAX_DIMS], idx[RT_MAX_DIMS];
    int64_t total, rows, r, len;
    const int nd = rt_binary_axes(shape, as, bs, &total, p);
    int i;

    if (total == 0 || (!da && !db))
        return;
    len = shape[nd - 1];
    rows = total / len;
    for (i = 0; i < nd; i++)
        idx[i] = 0;
    for (r = 0; r < rows; r++) {
        int64_t ao = 0, bo = 0;
        for (i = 0; i < nd - 1; i++) {
            /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): idx[0..nd) is zeroed above; nd >= 1 */
            ao += idx[i] * as[i];
            bo += idx[i] * bs[i];
        }
        rt_binary_row_backward(da ? da + ao : NULL, as[nd - 1], db ? db + bo : NULL, bs[nd - 1],
                               dy + r * len, a + ao, b + bo, len, p->op);
        for (i = nd - 2; i >= 0; i--) {
            if (++idx[i] < shape[i])
                break;
            idx[i] = 0;
        }
    }
}

/* r8fwd: the residual Add + Relu of the training step (see onnxcc_rt.h):
 * one pass forward instead of two, and backward one pass writing both
 * operands' gradients (stored by their first writer) instead of a Relu
 * backward, two zero fills and an Add backward. _mm256_max_ps(0, v) returns
 * v when v is NaN and keeps -0, as the scalar v < 0 ? 0 : v. */
void rt_add_relu_forward(float *y, const float *a, const float *b, const rt_add_relu_params *p)
{
    const int64_t n = p->n;
    int64_t i = 0;
#ifdef RT_SIMD_AVX2
    const __m256 zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_max_ps(zero, _mm256_add_ps(_mm256_loadu_ps(a + i),
                                                                  _mm256_loadu_ps(b + i))));
#endif
    for (; i < n; i++) {
        const float v = a[i] + b[i];
        y[i] = v < 0.0f ? 0.0f : v;
    }
}

void rt_add_relu_backward(float *da, float *db, const float *dy, const float *y,
                          const rt_add_relu_params *p)
{
    const int64_t n = p->n;
    int64_t i = 0;
#ifdef RT_SIMD_AVX2
    if (da && db) {     /* one pass over dy and y for both */
        const __m256 zero = _mm256_setzero_ps();
        for (; i + 8 <= n; i += 8) {
            const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(y + i), zero, _CMP_NLE_UQ);
            const __m256 g = _mm256_and_ps(keep, _mm256_loadu_ps(dy + i));
            const __m256 ba = p->overwrite_a ? zero : _mm256_loadu_ps(da + i);
            const __m256 bb = p->overwrite_b ? zero : _mm256_loadu_ps(db + i);
            _mm256_storeu_ps(da + i, _mm256_add_ps(ba, g));
            _mm256_storeu_ps(db + i, _mm256_add_ps(bb, g));
        }
    }
#endif
    if (da)
        rt_relu_backward(da + i, dy + i, y + i, n - i, p->overwrite_a);
    if (db)
        rt_relu_backward(db + i, dy + i, y + i, n - i, p->overwrite_b);
}

/* r8fwd: see onnxcc_rt.h. Per channel k = scale / sqrtf(var + eps), then
 * ((x - mean) * k + bias) + r, then max(0, .): rt_batchnorm_forward's
 * operations (mul then add, no FMA) followed by rt_add_relu_forward's. */
void rt_bn_add_relu_forward(float *y, const float *x, const float *r, const float *scale,
                            const float *bias, const float *mean, const float *var,
                            const rt_norm_params *p)
{
    int64_t n, c, i;
    for (n = 0; n < p->n; n++)
        for (c = 0; c < p->c; c++) {
            const float k = scale[c] / sqrtf(var[c] + p->eps);
            const float mu = mean[c], sh = bias[c];
            const int64_t off = (n * p->c + c) * p->size;
            const float *xr = x + off, *rr = r + off;
            float *yr = y + off;
            i = 0;
#ifdef RT_SIMD_AVX2
            {
                const __m256 muv = _mm256_set1_ps(mu), kv = _mm256_set1_ps(k);
                const __m256 shv = _mm256_set1_ps(sh), zero = _mm256_setzero_ps();
                for (; i + 8 <= p->size; i += 8) {
                    const __m256 v = _mm256_add_ps(
                        _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + i), muv), kv), shv);
                    _mm256_storeu_ps(yr + i, _mm256_max_ps(zero, _mm256_add_ps(
                                                                   v, _mm256_loadu_ps(rr + i))));
                }
            }
#endif
            for (; i < p->size; i++) {
                const float v = (xr[i] - mu) * k + sh + rr[i];
                yr[i] = v < 0.0f ? 0.0f : v;
            }
        }
}
