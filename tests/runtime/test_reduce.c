/*
 * test_reduce.c - rt_reduce_forward over every subset of axes.
 */
#include "rt_test.h"

typedef struct {
    int ndim;
    int64_t shape[RT_MAX_DIMS];
    char name[24];
} reduce_case;

static const reduce_case reduce_cases[] = {
    { 1, { 7 }, "1d" },
    { 2, { 3, 4 }, "2d" },
    { 3, { 2, 3, 4 }, "3d" },
    { 4, { 2, 1, 3, 4 }, "with_size1" },
    { 5, { 3, 2, 1, 2, 3 }, "5d" },
    { 4, { 1, 1, 1, 1 }, "all_ones" },
    { 2, { 4, 250 }, "long_rows" },
    { 8, { 2, 1, 2, 2, 1, 2, 2, 1 }, "rank8" },
    /* dscnn: sums over the rows of [rows, 64k] (the channel-last mean over
     * positions, 64 columns in registers), one and two column blocks */
    { 3, { 1, 12, 64 }, "positions_x_64" },
    { 2, { 9, 128 }, "rows_x_128" },
};

/*
 * Reference: for each output element (unravelled over the kept axes), loop
 * over the reduced sub-index (unravelled over the reduced axes) and gather
 * the x element: output-major, the opposite of the kernel's input-major walk.
 * Tolerances: max, min exact; sum and mean rt_sum_tol(K, 1, sum |x|)
 * (/ K for mean, +1 rounding for the division); prod relative
 * (K + 1) * FLT_EPSILON (each of K multiplications rounds by u; doubled).
 */
static void ref_reduce(double *ref, double *tol, const float *x, const rt_reduce_params *p)
{
    int64_t kept[RT_MAX_DIMS], red[RT_MAX_DIMS], xs[RT_MAX_DIMS];
    int kax[RT_MAX_DIMS], rax[RT_MAX_DIMS], nk = 0, nr = 0, i;
    int64_t nout, ncount, o, q;

    rt_dense_strides(xs, p->shape, p->ndim);
    for (i = 0; i < p->ndim; i++) {
        if (p->reduce[i]) {
            rax[nr] = i;
            red[nr++] = p->shape[i];
        } else {
            kax[nk] = i;
            kept[nk++] = p->shape[i];
        }
    }
    nout = rt_prod(kept, nk);
    ncount = rt_prod(red, nr);
    for (o = 0; o < nout; o++) {
        int64_t base = 0, rem = o;
        double acc, mag = 0;
        for (i = nk - 1; i >= 0; i--) {
            base += (rem % kept[i]) * xs[kax[i]];
            rem /= kept[i];
        }
        switch (p->op) {
        case RT_RED_MAX:  acc = -INFINITY; break;
        case RT_RED_MIN:  acc = INFINITY; break;
        case RT_RED_PROD: acc = 1; break;
        default:          acc = 0; break;
        }
        for (q = 0; q < ncount; q++) {
            int64_t off = base, rq = q;
            double v;
            for (i = nr - 1; i >= 0; i--) {
                off += (rq % red[i]) * xs[rax[i]];
                rq /= red[i];
            }
            v = x[off];
            mag += fabs(v);
            switch (p->op) {
            case RT_RED_MAX:  acc = isnan(v) || isnan(acc) ? NAN : fmax(acc, v); break;
            case RT_RED_MIN:  acc = isnan(v) || isnan(acc) ? NAN : fmin(acc, v); break;
            case RT_RED_PROD: acc *= v; break;
            default:          acc += v; break;
            }
        }
        switch (p->op) {
        case RT_RED_SUM:
            ref[o] = acc;
            tol[o] = rt_sum_tol(ncount, 1, mag);
            break;
        case RT_RED_MEAN:
            ref[o] = ncount ? acc / ncount : NAN;
            tol[o] = ncount ? rt_sum_tol(ncount, 1, mag) / ncount : 0;
            break;
        case RT_RED_PROD:
            ref[o] = acc;
            tol[o] = (ncount + 1) * FLT_EPSILON * fabs(acc);
            break;
        default:
            ref[o] = acc;
            tol[o] = 0;
            break;
        }
    }
}

ParameterizedTestParameters(reduce, all_axis_subsets)
{
    return cr_make_param_array(reduce_case, (void *)reduce_cases, RT_ARRAY_LEN(reduce_cases));
}

/* Every op over every one of the 2^ndim subsets of axes, including none (a
 * copy) and all (a scalar). */
ParameterizedTest(const reduce_case *c, reduce, all_axis_subsets)
{
    const int64_t nx = rt_prod(c->shape, c->ndim);
    float *x = rt_tfloats(nx), *y = rt_tfloats(nx);
    double *ref = rt_tdoubles(nx), *tol = rt_tdoubles(nx);
    rt_trng r = { 61 };
    unsigned mask;
    int op;

    for (op = 0; op < RT_RED_COUNT; op++) {
        /* Products stay in range with factors near 1. */
        if (op == RT_RED_PROD)
            rt_fill(x, nx, &r, 0.8f, 1.25f);
        else
            rt_fill(x, nx, &r, -2.0f, 3.0f);
        for (mask = 0; mask < (1u << c->ndim); mask++) {
            rt_reduce_params p;
            int64_t ny = 1, i;
            char what[64];
            int d;
            memset(&p, 0, sizeof p);
            p.op = (rt_reduce_op)op;
            p.ndim = c->ndim;
            for (d = 0; d < c->ndim; d++) {
                p.shape[d] = c->shape[d];
                p.reduce[d] = (mask >> d) & 1u;
                if (!p.reduce[d])
                    ny *= c->shape[d];
            }
            for (i = 0; i < nx; i++)
                y[i] = -777.0f;
            rt_reduce_forward(y, x, &p);
            ref_reduce(ref, tol, x, &p);
            snprintf(what, sizeof what, "%s op %d axes mask 0x%x", c->name, op, mask);
            rt_check(what, y, ref, tol, ny);
            for (i = ny; i < nx; i++)
                cr_assert(y[i] == -777.0f, "%s: wrote past the output", what);
        }
    }
    free(x); free(y); free(ref); free(tol);
}

/* A reduced axis of size 0: sum 0, prod 1, max -inf, min +inf, mean NaN
 * (0 / 0, as numpy's mean). A kept axis of size 0: nothing is written. */
Test(reduce, empty)
{
    const float x[1] = { 42.0f };
    float y[3];
    rt_reduce_params p;
    memset(&p, 0, sizeof p);
    p.ndim = 2;
    p.shape[0] = 3; p.shape[1] = 0;
    p.reduce[1] = 1;
    p.op = RT_RED_SUM;  rt_reduce_forward(y, x, &p);
    cr_expect(y[0] == 0.0f && y[1] == 0.0f && y[2] == 0.0f, "sum of nothing");
    p.op = RT_RED_PROD; rt_reduce_forward(y, x, &p);
    cr_expect(y[0] == 1.0f && y[2] == 1.0f, "prod of nothing");
    p.op = RT_RED_MAX;  rt_reduce_forward(y, x, &p);
    cr_expect(y[0] == -INFINITY && y[2] == -INFINITY, "max of nothing");
    p.op = RT_RED_MIN;  rt_reduce_forward(y, x, &p);
    cr_expect(y[0] == INFINITY && y[2] == INFINITY, "min of nothing");
    p.op = RT_RED_MEAN; rt_reduce_forward(y, x, &p);
    cr_expect(isnan(y[0]) && isnan(y[2]), "mean of nothing");

    y[0] = 5.0f;
    p.shape[0] = 0; p.shape[1] = 3;
    p.reduce[0] = 0; p.reduce[1] = 1;
    p.op = RT_RED_SUM;  rt_reduce_forward(y, x, &p);
    cr_expect(y[0] == 5.0f, "empty output written");
}

/* Max and min propagate NaN (numpy's maximum.reduce / minimum.reduce). */
Test(reduce, nan)
{
    const float x[6] = { 1, NAN, 3, 4, 5, 6 };
    float y[2];
    rt_reduce_params p;
    memset(&p, 0, sizeof p);
    p.ndim = 2;
    p.shape[0] = 2; p.shape[1] = 3;
    p.reduce[1] = 1;
    p.op = RT_RED_MAX;
    rt_reduce_forward(y, x, &p);
    cr_expect(isnan(y[0]) && y[1] == 6.0f, "max: %g %g", y[0], y[1]);
    p.op = RT_RED_MIN;
    rt_reduce_forward(y, x, &p);
    cr_expect(isnan(y[0]) && y[1] == 4.0f, "min: %g %g", y[0], y[1]);
}

/* The ONNX examples (reducesum.py etc.): data [3, 2, 2] = 1..12, axes [1]. */
Test(reduce, onnx_examples)
{
    float x[12], y[6];
    rt_reduce_params p;
    int i;
    for (i = 0; i < 12; i++)
        x[i] = (float)(i + 1);
    memset(&p, 0, sizeof p);
    p.ndim = 3;
    p.shape[0] = 3; p.shape[1] = 2; p.shape[2] = 2;
    p.reduce[1] = 1;
    {
        const float want[6] = { 4, 6, 12, 14, 20, 22 };
        p.op = RT_RED_SUM; rt_reduce_forward(y, x, &p); rt_check_exact("reducesum", y, want, 6);
    }
    {
        const float want[6] = { 2, 3, 6, 7, 10, 11 };
        p.op = RT_RED_MEAN; rt_reduce_forward(y, x, &p); rt_check_exact("reducemean", y, want, 6);
    }
    {
        const float want[6] = { 3, 4, 7, 8, 11, 12 };
        p.op = RT_RED_MAX; rt_reduce_forward(y, x, &p); rt_check_exact("reducemax", y, want, 6);
    }
    {
        const float want[6] = { 1, 2, 5, 6, 9, 10 };
        p.op = RT_RED_MIN; rt_reduce_forward(y, x, &p); rt_check_exact("reducemin", y, want, 6);
    }
    {
        const float want[6] = { 3, 8, 35, 48, 99, 120 };
        p.op = RT_RED_PROD; rt_reduce_forward(y, x, &p); rt_check_exact("reduceprod", y, want, 6);
    }
    {
        /* all axes: sum 1..12 = 78 */
        const float want[1] = { 78 };
        p.reduce[0] = p.reduce[1] = p.reduce[2] = 1;
        p.op = RT_RED_SUM; rt_reduce_forward(y, x, &p); rt_check_exact("reducesum_all", y, want, 1);
    }
}
