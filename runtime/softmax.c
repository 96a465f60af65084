/*
 * softmax.c - Softmax and LogSoftmax along one axis.
 */
#include <math.h>

#include "rt_impl.h"

/*
 * x viewed as [outer, len, inner]; each of the outer * inner lines of len
 * elements (step inner) is normalised on its own. The line's maximum is
 * subtracted before exp so nothing overflows:
 *   softmax:     y = exp(x - max) / sum exp(x - max)
 *   log-softmax: y = (x - max) - log(sum exp(x - max))
 * Each element is read before the same position of y is written, so y may
 * equal x.
 */
void rt_softmax_forward(float *y, const float *x, const rt_softmax_params *p)
{
    const int64_t len = p->len, inner = p->inner;
    int64_t o, in, l;

    for (o = 0; o < p->outer; o++)
        for (in = 0; in < inner; in++) {
            const float *xl = x + o * len * inner + in;
            float *yl = y + o * len * inner + in;
            float m = -INFINITY, s = 0.0f;

            for (l = 0; l < len; l++)
                if (xl[l * inner] > m)
                    m = xl[l * inner];
            if (p->log) {
                float ls;
                for (l = 0; l < len; l++)
                    s += expf(xl[l * inner] - m);
                ls = logf(s);
                for (l = 0; l < len; l++)
                    yl[l * inner] = (xl[l * inner] - m) - ls;
            } else {
                for (l = 0; l < len; l++) {
                    const float e = expf(xl[l * inner] - m);
                    yl[l * inner] = e;
                    s += e;
                }
                for (l = 0; l < len; l++)
                    yl[l * inner] /= s;
            }
        }
}

/*
 * Softmax / log-softmax backward from the forward output y, line by line
 * (the forward's [outer, len, inner] view):
 *   softmax:     dx += y * (dy - sum(dy * y))
 *   log-softmax: dx += dy - exp(y) * sum(dy)
 */
void rt_softmax_backward(float *dx, const float *dy, const float *y, const rt_softmax_params *p)
{
    const int64_t len = p->len, inner = p->inner;
    int64_t o, in, l;

    if (!dx)
        return;
    for (o = 0; o < p->outer; o++)
        for (in = 0; in < inner; in++) {
            const int64_t base = o * len * inner + in;
            const float *dyl = dy + base, *yl = y + base;
            float *dxl = dx + base;
            float s = 0.0f;

            if (p->log) {
                for (l = 0; l < len; l++)
                    s += dyl[l * inner];
                for (l = 0; l < len; l++)
                    dxl[l * inner] += dyl[l * inner] - expf(yl[l * inner]) * s;
            } else {
                for (l = 0; l < len; l++)
                    s += dyl[l * inner] * yl[l * inner];
                for (l = 0; l < len; l++)
                    dxl[l * inner] += yl[l * inner] * (dyl[l * inner] - s);
            }
        }
}
