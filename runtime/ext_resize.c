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
#include <string.h>

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

/* The same walk over y for other types (types3): nearest copies the one
 * sample's bytes; linear and cubic (double only) accumulate in double. */
void rt_resize_any_forward(void *y, const void *x, const float *roi,
                           const rt_resize_any_params *pp)
{
    const rt_resize_params *p = &pp->resize;
    const size_t es = rt_dtype_size(pp->type);
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
            rt_cast_any((char *)y + (size_t)e * es, &p->extrapolation, pp->type, RT_F32, 1);
        } else if (p->mode == RT_RESIZE_NEAREST) {
            int64_t off = 0;
            for (k = 0; k < nd; k++)
                off += idx[k][0] * xs[k];
            memcpy((char *)y + (size_t)e * es, (const char *)x + (size_t)off * es, es);
        } else if (pp->type == RT_F64) {
            for (;;) {
                double wt = 1.0;
                int64_t off = 0;
                for (k = 0; k < nd; k++) {
                    wt *= w[k][t[k]];
                    off += idx[k][t[k]] * xs[k];
                }
                acc += wt * ((const double *)x)[off];
                for (k = nd - 1; k >= 0 && ++t[k] == ntap[k]; k--)
                    t[k] = 0;
                if (k < 0)
                    break;
            }
            ((double *)y)[e] = acc;
        }
        for (k = nd - 1; k >= 0 && ++o[k] == p->out[k]; k--)
            o[k] = 0;
    }
}

/* ------------------------------------------------------------ GridSample */

/* Torch's grid_sampler helpers (ONNX GridSample is defined as PyTorch's
 * grid_sample), in float as PyTorch computes them. */
static float rt_gs_unnormalize(float c, int64_t size, int align)
{
    return align ? (c + 1.0f) / 2.0f * (float)(size - 1) : ((c + 1.0f) * (float)size - 1.0f) / 2.0f;
}

static float rt_gs_clip(float v, int64_t size)
{
    const float hi = (float)(size - 1);
    return v < 0.0f ? 0.0f : v > hi ? hi : v;
}

static float rt_gs_reflect(float v, float twice_low, float twice_high)
{
    float lo, span, extra, flips;
    if (twice_low == twice_high)
        return 0.0f;
    lo = twice_low / 2.0f;
    span = (twice_high - twice_low) / 2.0f;
    v = fabsf(v - lo);
    extra = fmodf(v, span);
    flips = floorf(v / span);
    return fmodf(flips, 2.0f) == 0.0f ? extra + lo : span - extra + lo;
}

static float rt_gs_pad(float v, int64_t size, const rt_gridsample_params *p)
{
    if (p->padding == RT_GS_BORDER)
        return rt_gs_clip(v, size);
    if (p->padding == RT_GS_REFLECTION) {
        v = p->align_corners ? rt_gs_reflect(v, 0.0f, 2.0f * (float)(size - 1))
                             : rt_gs_reflect(v, -1.0f, 2.0f * (float)size - 1.0f);
        return rt_gs_clip(v, size);
    }
    return v;
}

/* x[iy, ix] of one plane, 0 outside it. */
static float rt_gs_at(const float *x, int64_t h, int64_t w, int64_t iy, int64_t ix)
{
    return iy >= 0 && iy < h && ix >= 0 && ix < w ? x[iy * w + ix] : 0.0f;
}

void rt_gridsample_forward(float *y, const float *x, const float *grid,
                           const rt_gridsample_params *p)
{
    const int64_t h = p->h, w = p->w, plane = h * w, oplane = p->oh * p->ow;
    int64_t n, c, o;
    for (n = 0; n < p->n; n++)
        for (o = 0; o < oplane; o++) {
            const float gx = grid[(n * oplane + o) * 2], gy = grid[(n * oplane + o) * 2 + 1];
            for (c = 0; c < p->c; c++) {
                const float *xp = x + (n * p->c + c) * plane;
                float v;
                if (p->mode == RT_GS_BICUBIC) {
                    const float fx = rt_gs_unnormalize(gx, w, p->align_corners);
                    const float fy = rt_gs_unnormalize(gy, h, p->align_corners);
                    const float x0 = floorf(fx), y0 = floorf(fy);
                    double cx[4], cy[4];
                    float rows[4];
                    int i, j;
                    rt_cubic_coeffs(cx, (double)(fx - x0), -0.75);
                    rt_cubic_coeffs(cy, (double)(fy - y0), -0.75);
                    for (i = 0; i < 4; i++) {
                        float r = 0.0f;
                        for (j = 0; j < 4; j++) {
                            const float tx = rt_gs_pad(x0 - 1.0f + (float)j, w, p);
                            const float ty = rt_gs_pad(y0 - 1.0f + (float)i, h, p);
                            r += rt_gs_at(xp, h, w, (int64_t)floorf(ty), (int64_t)floorf(tx)) *
                                 (float)cx[j];
                        }
                        rows[i] = r;
                    }
                    v = rows[0] * (float)cy[0] + rows[1] * (float)cy[1] + rows[2] * (float)cy[2] +
                        rows[3] * (float)cy[3];
                } else {
                    const float fx = rt_gs_pad(rt_gs_unnormalize(gx, w, p->align_corners), w, p);
                    const float fy = rt_gs_pad(rt_gs_unnormalize(gy, h, p->align_corners), h, p);
                    if (p->mode == RT_GS_NEAREST) {
                        v = rt_gs_at(xp, h, w, (int64_t)nearbyintf(fy), (int64_t)nearbyintf(fx));
                    } else {
                        const float x0 = floorf(fx), y0 = floorf(fy);
                        const float lx = fx - x0, ly = fy - y0;
                        const int64_t ix = (int64_t)x0, iy = (int64_t)y0;
                        v = rt_gs_at(xp, h, w, iy, ix) * (1.0f - lx) * (1.0f - ly) +
                            rt_gs_at(xp, h, w, iy, ix + 1) * lx * (1.0f - ly) +
                            rt_gs_at(xp, h, w, iy + 1, ix) * (1.0f - lx) * ly +
                            rt_gs_at(xp, h, w, iy + 1, ix + 1) * lx * ly;
                    }
                }
                y[(n * p->c + c) * oplane + o] = v;
            }
        }
}

/* ------------------------------------------------------------ RoiAlign */

/* onnxruntime's RoiAlign (the ONNX reference for this op), in float: each
 * output bin averages (or, mode max, takes the largest weighted corner of)
 * a grid of bilinear samples. */
void rt_roialign_forward(float *y, const float *x, const float *rois, const int64_t *bidx,
                         const rt_roialign_params *p)
{
    const int64_t h = p->h, w = p->w, oh = p->oh, ow = p->ow;
    const float off = p->half_pixel ? 0.5f : 0.0f;
    int64_t r, c, ph, pw, iy, ix;
    for (r = 0; r < p->nroi; r++) {
        const float *roi = rois + r * 4;
        const int64_t b = bidx[r];
        const float sw = roi[0] * p->spatial_scale - off, sh = roi[1] * p->spatial_scale - off;
        const float ew = roi[2] * p->spatial_scale - off, eh = roi[3] * p->spatial_scale - off;
        float rw = ew - sw, rh = eh - sh, bw, bh;
        int64_t gh, gw, count;
        if (!p->half_pixel) {
            rw = rw > 1.0f ? rw : 1.0f;
            rh = rh > 1.0f ? rh : 1.0f;
        }
        bh = rh / (float)oh;
        bw = rw / (float)ow;
        gh = p->sampling_ratio > 0 ? p->sampling_ratio : (int64_t)ceilf(rh / (float)oh);
        gw = p->sampling_ratio > 0 ? p->sampling_ratio : (int64_t)ceilf(rw / (float)ow);
        count = gh * gw > 1 ? gh * gw : 1;
        for (c = 0; c < p->c; c++) {
            const float *xp = b >= 0 && b < p->n ? x + (b * p->c + c) * h * w : NULL;
            for (ph = 0; ph < oh; ph++)
                for (pw = 0; pw < ow; pw++) {
                    float acc = 0.0f;
                    int first = 1;
                    for (iy = 0; iy < gh; iy++)
                        for (ix = 0; ix < gw; ix++) {
                            float yy = sh + (float)ph * bh + ((float)iy + 0.5f) * bh / (float)gh;
                            float xx = sw + (float)pw * bw + ((float)ix + 0.5f) * bw / (float)gw;
                            float v1 = 0, v2 = 0, v3 = 0, v4 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0;
                            if (xp && !(yy < -1.0f || yy > (float)h || xx < -1.0f || xx > (float)w)) {
                                int64_t yl, xl, yh, xh;
                                float ly, lx;
                                if (yy <= 0)
                                    yy = 0;
                                if (xx <= 0)
                                    xx = 0;
                                yl = (int64_t)yy;
                                xl = (int64_t)xx;
                                if (yl >= h - 1) {
                                    yh = yl = h - 1;
                                    yy = (float)yl;
                                } else {
                                    yh = yl + 1;
                                }
                                if (xl >= w - 1) {
                                    xh = xl = w - 1;
                                    xx = (float)xl;
                                } else {
                                    xh = xl + 1;
                                }
                                ly = yy - (float)yl;
                                lx = xx - (float)xl;
                                w1 = (1.0f - ly) * (1.0f - lx);
                                w2 = (1.0f - ly) * lx;
                                w3 = ly * (1.0f - lx);
                                w4 = ly * lx;
                                v1 = xp[yl * w + xl];
                                v2 = xp[yl * w + xh];
                                v3 = xp[yh * w + xl];
                                v4 = xp[yh * w + xh];
                            }
                            if (p->max_mode) {
                                float m = w1 * v1;
                                m = w2 * v2 > m ? w2 * v2 : m;
                                m = w3 * v3 > m ? w3 * v3 : m;
                                m = w4 * v4 > m ? w4 * v4 : m;
                                acc = first || m > acc ? m : acc;
                                first = 0;
                            } else {
                                acc += w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4;
                            }
                        }
                    y[((r * p->c + c) * oh + ph) * ow + pw] = p->max_mode ? acc
                                                                          : acc / (float)count;
                }
        }
    }
}
