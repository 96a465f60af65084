/*
 * ext_resize.c - Resize (and Upsample): nearest, N-linear and N-cubic
 * interpolation over any axes, with ONNX's coordinate transformations.
 * Separable: each output coordinate of each axis maps to at most four input
 * taps with weights (edge samples repeated past the border, as the ONNX
 * reference pads in edge mode), and an output element is the weighted sum
 * over the product of its axes' taps. Coordinates and weights are computed
 * in double, as the ONNX reference does.
 */
#include <math.h>

#include "rt_impl.h"

/* ONNX's cubic convolution coefficients for a fraction r in [0, 1). */
static void rt_cubic_coeffs(double *c, double r, double a)
{
    const double s = 1.0 - r;
    c[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
    c[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
    c[2] = ((a + 2) * s - (a + 3)) * s * s + 1;
    c[3] = ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a;
}

/* The taps of output coordinate o along axis k: their input indices
 * (clamped to the edge) and weights, zero weights dropped. Returns the
 * count, or -1 when tf_crop_and_resize maps o outside the input. */
static int rt_resize_taps(int64_t *idx, double *w, const rt_resize_params *p, int k, int64_t o,
                          const float *roi)
{
    const int64_t in = p->in[k];
    const double s = p->scale[k];
    double xo, fl, r, c[4];
    int64_t i0, first;
    int n = 0, cnt, j;

    /* the resized length is in * scale, unrounded, as the ONNX reference and
     * onnxruntime take it (out itself when the sizes were given) */
    const double len = (double)in * s;
    switch (p->coord) {
    case RT_COORD_HALF_PIXEL: xo = ((double)o + 0.5) / s - 0.5; break;
    case RT_COORD_PYTORCH_HALF_PIXEL: xo = len > 1.0 ? ((double)o + 0.5) / s - 0.5 : 0.0; break;
    case RT_COORD_ALIGN_CORNERS:
        xo = len > 1.0 ? (double)o * (double)(in - 1) / (len - 1.0) : 0.0;
        break;
    case RT_COORD_TF_HALF_PIXEL_FOR_NN: xo = ((double)o + 0.5) / s; break;
    case RT_COORD_TF_CROP_AND_RESIZE: {
        const double st = roi[k], en = roi[p->ndim + k];
        xo = len > 1.0 ? (double)o * (en - st) * (double)(in - 1) / (len - 1.0)
                       : (en - st) * (double)(in - 1) / 2.0;
        xo += st * (double)(in - 1);
        if (xo < 0.0 || xo > (double)(in - 1))
            return -1;
        break;
    }
    default: xo = (double)o / s; break; /* asymmetric */
    }
    fl = floor(xo);
    r = xo - fl;
    i0 = (int64_t)fl;
    if (p->mode == RT_RESIZE_NEAREST) {
        int up = 0;
        if (r > 0.0) {
            switch (p->nearest) {
            case RT_NEAREST_ROUND_PREFER_CEIL: up = r >= 0.5; break;
            case RT_NEAREST_FLOOR: up = 0; break;
            case RT_NEAREST_CEIL: up = 1; break;
            case RT_NEAREST_SIMPLE: up = s < 1.0; break;
            default: up = r > 0.5; break; /* round_prefer_floor */
            }
        }
        first = i0 + up;
        c[0] = 1.0;
        cnt = 1;
    } else if (p->mode == RT_RESIZE_LINEAR) {
        first = i0;
        c[0] = 1.0 - r;
        c[1] = r;
        cnt = 2;
    } else {
        first = i0 - 1;
        rt_cubic_coeffs(c, r, (double)p->cubic_a);
        cnt = 4;
    }
    if (p->exclude_outside) {
        double sum = 0.0;
        for (j = 0; j < cnt; j++) {
            if (first + j < 0 || first + j >= in)
                c[j] = 0.0;
            sum += c[j];
        }
        for (j = 0; j < cnt; j++)
            c[j] /= sum;
    }
    for (j = 0; j < cnt; j++) {
        int64_t t = first + j;
        if (c[j] == 0.0)
            continue;
        idx[n] = t < 0 ? 0 : t >= in ? in - 1 : t;
        w[n++] = c[j];
    }
    return n;
}

void rt_resize_forward(float *y, const float *x, const float *roi, const rt_resize_params *p)
{
    const int nd = p->ndim;
    int64_t o[RT_MAX_DIMS], xs[RT_MAX_DIMS], total = 1, e;
    int64_t idx[RT_MAX_DIMS][4];
    double w[RT_MAX_DIMS][4];
    int ntap[RT_MAX_DIMS], k;

    for (k = nd - 1; k >= 0; k--) {
        xs[k] = k == nd - 1 ? 1 : xs[k + 1] * p->in[k + 1];
        o[k] = 0;
        total *= p->out[k];
    }
    for (e = 0; e < total; e++) {
        int outside = 0, t[RT_MAX_DIMS];
        double acc = 0.0;
        for (k = 0; k < nd; k++) {
            ntap[k] = rt_resize_taps(idx[k], w[k], p, k, o[k], roi);
            if (ntap[k] <= 0)
                outside = 1;
            t[k] = 0;
        }
        if (outside) {
            y[e] = p->extrapolation;
        } else {
            /* every combination of one tap per axis */
            for (;;) {
                double wt = 1.0;
                int64_t off = 0;
                for (k = 0; k < nd; k++) {
                    wt *= w[k][t[k]];
                    off += idx[k][t[k]] * xs[k];
                }
                acc += wt * (double)x[off];
                for (k = nd - 1; k >= 0 && ++t[k] == ntap[k]; k--)
                    t[k] = 0;
                if (k < 0)
                    break;
            }
            y[e] = (float)acc;
        }
        for (k = nd - 1; k >= 0 && ++o[k] == p->out[k]; k--)
            o[k] = 0;
    }
}
