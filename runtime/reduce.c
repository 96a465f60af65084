/*
 * reduce.c - ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd over any
 * subset of axes.
 */
#include <math.h>

#include "rt_impl.h"

/* The identity of each reduction: what an empty reduction yields. */
static float rt_reduce_identity(rt_reduce_op op)
{
    switch (op) {
    case RT_RED_MAX:  return -INFINITY;
    case RT_RED_MIN:  return INFINITY;
    case RT_RED_PROD: return 1.0f;
    default:          return 0.0f;
    }
}

/* Fold one contiguous run of n x values into y. When the run lies along a
 * reduced axis, ys == 0 and every value folds into y[0]; otherwise ys == 1
 * and x[j] folds into y[j]. Max and min propagate NaN, like numpy's. */
static void rt_reduce_run(float *y, int64_t ys, const float *x, int64_t n, rt_reduce_op op)
{
    int64_t j;
    switch (op) {
    case RT_RED_SUM:
    case RT_RED_MEAN:
        for (j = 0; j < n; j++)
            y[j * ys] += x[j];
        break;
    case RT_RED_PROD:
        for (j = 0; j < n; j++)
            y[j * ys] *= x[j];
        break;
    case RT_RED_MAX:
        for (j = 0; j < n; j++)
            if (x[j] > y[j * ys] || x[j] != x[j])
                y[j * ys] = x[j];
        break;
    case RT_RED_MIN:
        for (j = 0; j < n; j++)
            if (x[j] < y[j * ys] || x[j] != x[j])
                y[j * ys] = x[j];
        break;
    case RT_RED_COUNT:
        break;
    }
}

/*
 * Reduction, see rt_reduce_params. Axes of size 1 are dropped and runs of
 * neighbouring axes that are all reduced or all kept are merged, so e.g.
 * reducing axes {2, 3} of [n, c, h, w] becomes [n*c kept, h*w reduced].
 * y is set to the identity, x is walked once in memory order folding each
 * element into its output (output stride 0 along reduced axes), and mean
 * divides by the reduced count at the end (0 / 0 gives NaN for an empty
 * mean, as numpy's mean does). With no axis reduced this is a copy.
 */
void rt_reduce_forward(float *y, const float *x, const rt_reduce_params *p)
{
    int64_t shape[RT_MAX_DIMS], ystr[RT_MAX_DIMS], idx[RT_MAX_DIMS];
    int red[RT_MAX_DIMS];
    int64_t total = 1, ytotal = 1, rows, r, len, st;
    int nd = 0, i;
    const float id = rt_reduce_identity(p->op);

    for (i = 0; i < p->ndim; i++) {
        const int ri = p->reduce[i] != 0;
        total *= p->shape[i];
        if (!ri)
            ytotal *= p->shape[i];
        if (p->shape[i] == 1)
            continue;
        if (nd > 0 && red[nd - 1] == ri) {
            shape[nd - 1] *= p->shape[i];
            continue;
        }
        shape[nd] = p->shape[i];
        red[nd] = ri;
        nd++;
    }
    if (ytotal == 0)
        return;
    for (r = 0; r < ytotal; r++)
        y[r] = id;

    if (total > 0) {
        if (nd == 0) {          /* a single element */
            shape[0] = 1;
            red[0] = 0;
            nd = 1;
        }
        st = 1;                 /* y strides: dense over kept axes, 0 on reduced */
        for (i = nd - 1; i >= 0; i--) {
            ystr[i] = red[i] ? 0 : st;
            if (!red[i])
                st *= shape[i];
            idx[i] = 0;
        }
        len = shape[nd - 1];
        rows = total / len;
        if (nd == 2 && red[0] && !red[1] && (p->op == RT_RED_SUM || p->op == RT_RED_MEAN) &&
            len % 64 == 0) {
            /* dscnn: a sum over the rows of [rows, len] (a channel-last
             * mean over positions): 64 columns at a time in registers,
             * not a load and store of y per row */
            int64_t j0, j;
            for (j0 = 0; j0 < len; j0 += 64) {
                float acc[64];
                for (j = 0; j < 64; j++)
                    acc[j] = 0.0f;
                for (r = 0; r < rows; r++)
                    for (j = 0; j < 64; j++)
                        acc[j] += x[r * len + j0 + j];
                for (j = 0; j < 64; j++)
                    y[j0 + j] = acc[j];
            }
            rows = 0;
        }
        for (r = 0; r < rows; r++) {
            int64_t yo = 0;
            for (i = 0; i < nd - 1; i++)
                yo += idx[i] * ystr[i];
            rt_reduce_run(y + yo, ystr[nd - 1], x + r * len, len, p->op);
            for (i = nd - 2; i >= 0; i--) {
                if (++idx[i] < shape[i])
                    break;
                idx[i] = 0;
            }
        }
    }

    if (p->op == RT_RED_MEAN) {
        const int64_t count = total / ytotal;
        for (r = 0; r < ytotal; r++)
            y[r] = count > 0 ? y[r] / (float)count : NAN;
    }
}
