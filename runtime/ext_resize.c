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
    rt_resize_any_params pp;
    pp.resize = *p;
    pp.type = RT_F32;
    rt_resize_any_forward(y, x, roi, &pp);
}

/* Walks y for any type (float is rt_resize_forward): nearest copies the one
 * sample's bytes; linear and cubic (float and double; the compiler runs
 * other types on float copies) accumulate in double. */
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
        } else if (pp->type == RT_F64 || pp->type == RT_F32) {
            const int dbl = pp->type == RT_F64;
            /* every combination of one tap per axis */
            for (;;) {
                double wt = 1.0;
                int64_t off = 0;
                for (k = 0; k < nd; k++) {
                    wt *= w[k][t[k]];
                    off += idx[k][t[k]] * xs[k];
                }
                acc += wt * (dbl ? ((const double *)x)[off] : (double)((const float *)x)[off]);
                for (k = nd - 1; k >= 0 && ++t[k] == ntap[k]; k--)
                    t[k] = 0;
                if (k < 0)
                    break;
            }
            if (dbl)
                ((double *)y)[e] = acc;
            else
                ((float *)y)[e] = (float)acc;
        }
        for (k = nd - 1; k >= 0 && ++o[k] == p->out[k]; k--)
            o[k] = 0;
    }
}

/* ------------------------------------------------------------ GridSample, RoiAlign */

/*
 * GridSample and RoiAlign over element type T (float, and double for the
 * double ops of the spec), SFX the helpers' suffix, FLOOR, FABS, FMOD,
 * NEARBYINT and CEIL the type's math functions. Float computes as the
 * references do (PyTorch's grid_sample, onnxruntime's RoiAlign) in float;
 * double the same steps in double.
 * T cannot be parenthesized in declarations:
 * NOLINTBEGIN(bugprone-macro-parentheses)
 */
#define RT_GS_ROI_KERNELS(NAME_GS, NAME_ROI, SFX, T, FLOOR, FABS, FMOD, NEARBYINT, CEIL)           \
/* Torch's grid_sampler helpers (ONNX GridSample is defined as PyTorch's                          \
 * grid_sample). */                                                                               \
static T rt_gs_unnormalize##SFX(T c, int64_t size, int align)                                     \
{                                                                                                 \
    return align ? (c + (T)1) / (T)2 * (T)(size - 1) : ((c + (T)1) * (T)size - (T)1) / (T)2;     \
}                                                                                                 \
                                                                                                  \
static T rt_gs_clip##SFX(T v, int64_t size)                                                       \
{                                                                                                 \
    const T hi = (T)(size - 1);                                                                   \
    return v < (T)0 ? (T)0 : v > hi ? hi : v;                                                     \
}                                                                                                 \
                                                                                                  \
static T rt_gs_reflect##SFX(T v, T twice_low, T twice_high)                                       \
{                                                                                                 \
    T lo, span, extra, flips;                                                                     \
    if (twice_low == twice_high)                                                                  \
        return (T)0;                                                                              \
    lo = twice_low / (T)2;                                                                        \
    span = (twice_high - twice_low) / (T)2;                                                       \
    v = FABS(v - lo);                                                                             \
    extra = FMOD(v, span);                                                                        \
    flips = FLOOR(v / span);                                                                      \
    return FMOD(flips, (T)2) == (T)0 ? extra + lo : span - extra + lo;                            \
}                                                                                                 \
                                                                                                  \
static T rt_gs_pad##SFX(T v, int64_t size, const rt_gridsample_params *p)                         \
{                                                                                                 \
    if (p->padding == RT_GS_BORDER)                                                               \
        return rt_gs_clip##SFX(v, size);                                                          \
    if (p->padding == RT_GS_REFLECTION) {                                                         \
        v = p->align_corners ? rt_gs_reflect##SFX(v, (T)0, (T)2 * (T)(size - 1))                  \
                             : rt_gs_reflect##SFX(v, (T)-1, (T)2 * (T)size - (T)1);               \
        return rt_gs_clip##SFX(v, size);                                                          \
    }                                                                                             \
    return v;                                                                                     \
}                                                                                                 \
                                                                                                  \
/* x[iy, ix] of one plane, 0 outside it. */                                                       \
static T rt_gs_at##SFX(const T *x, int64_t h, int64_t w, int64_t iy, int64_t ix)                  \
{                                                                                                 \
    return iy >= 0 && iy < h && ix >= 0 && ix < w ? x[iy * w + ix] : (T)0;                        \
}                                                                                                 \
                                                                                                  \
void NAME_GS(T *y, const T *x, const T *grid, const rt_gridsample_params *p)                      \
{                                                                                                 \
    const int64_t h = p->h, w = p->w, plane = h * w, oplane = p->oh * p->ow;                      \
    int64_t n, c, o;                                                                              \
    for (n = 0; n < p->n; n++)                                                                    \
        for (o = 0; o < oplane; o++) {                                                            \
            const T gx = grid[(n * oplane + o) * 2], gy = grid[(n * oplane + o) * 2 + 1];         \
            for (c = 0; c < p->c; c++) {                                                          \
                const T *xp = x + (n * p->c + c) * plane;                                         \
                T v;                                                                              \
                if (p->mode == RT_GS_BICUBIC) {                                                   \
                    const T fx = rt_gs_unnormalize##SFX(gx, w, p->align_corners);                 \
                    const T fy = rt_gs_unnormalize##SFX(gy, h, p->align_corners);                 \
                    const T x0 = FLOOR(fx), y0 = FLOOR(fy);                                       \
                    double cx[4], cy[4];                                                          \
                    T rows[4];                                                                    \
                    int i, j;                                                                     \
                    rt_cubic_coeffs(cx, (double)(fx - x0), -0.75);                                \
                    rt_cubic_coeffs(cy, (double)(fy - y0), -0.75);                                \
                    for (i = 0; i < 4; i++) {                                                     \
                        T r = 0;                                                                  \
                        for (j = 0; j < 4; j++) {                                                 \
                            const T tx = rt_gs_pad##SFX(x0 - (T)1 + (T)j, w, p);                  \
                            const T ty = rt_gs_pad##SFX(y0 - (T)1 + (T)i, h, p);                  \
                            r += rt_gs_at##SFX(xp, h, w, (int64_t)FLOOR(ty),                      \
                                               (int64_t)FLOOR(tx)) * (T)cx[j];                    \
                        }                                                                         \
                        rows[i] = r;                                                              \
                    }                                                                             \
                    v = rows[0] * (T)cy[0] + rows[1] * (T)cy[1] + rows[2] * (T)cy[2] +            \
                        rows[3] * (T)cy[3];                                                       \
                } else {                                                                          \
                    const T fx = rt_gs_pad##SFX(rt_gs_unnormalize##SFX(gx, w, p->align_corners),  \
                                                w, p);                                            \
                    const T fy = rt_gs_pad##SFX(rt_gs_unnormalize##SFX(gy, h, p->align_corners),  \
                                                h, p);                                            \
                    if (p->mode == RT_GS_NEAREST) {                                               \
                        v = rt_gs_at##SFX(xp, h, w, (int64_t)NEARBYINT(fy),                       \
                                          (int64_t)NEARBYINT(fx));                                \
                    } else {                                                                      \
                        const T x0 = FLOOR(fx), y0 = FLOOR(fy);                                   \
                        const T lx = fx - x0, ly = fy - y0;                                       \
                        const int64_t ix = (int64_t)x0, iy = (int64_t)y0;                         \
                        v = rt_gs_at##SFX(xp, h, w, iy, ix) * ((T)1 - lx) * ((T)1 - ly) +         \
                            rt_gs_at##SFX(xp, h, w, iy, ix + 1) * lx * ((T)1 - ly) +              \
                            rt_gs_at##SFX(xp, h, w, iy + 1, ix) * ((T)1 - lx) * ly +              \
                            rt_gs_at##SFX(xp, h, w, iy + 1, ix + 1) * lx * ly;                    \
                    }                                                                             \
                }                                                                                 \
                y[(n * p->c + c) * oplane + o] = v;                                               \
            }                                                                                     \
        }                                                                                         \
}                                                                                                 \
                                                                                                  \
/* onnxruntime's RoiAlign (the ONNX reference for this op): each output bin                       \
 * averages (or, mode max, takes the largest weighted corner of) a grid of                        \
 * bilinear samples. */                                                                           \
void NAME_ROI(T *y, const T *x, const T *rois, const int64_t *bidx, const rt_roialign_params *p)  \
{                                                                                                 \
    const int64_t h = p->h, w = p->w, oh = p->oh, ow = p->ow;                                     \
    const T off = p->half_pixel ? (T)0.5 : (T)0;                                                  \
    const T scale = (T)p->spatial_scale;                                                          \
    int64_t r, c, ph, pw, iy, ix;                                                                 \
    for (r = 0; r < p->nroi; r++) {                                                               \
        const T *roi = rois + r * 4;                                                              \
        const int64_t b = bidx[r];                                                                \
        const T sw = roi[0] * scale - off, sh = roi[1] * scale - off;                             \
        const T ew = roi[2] * scale - off, eh = roi[3] * scale - off;                             \
        T rw = ew - sw, rh = eh - sh, bw, bh;                                                     \
        int64_t gh, gw, count;                                                                    \
        if (!p->half_pixel) {                                                                     \
            rw = rw > (T)1 ? rw : (T)1;                                                           \
            rh = rh > (T)1 ? rh : (T)1;                                                           \
        }                                                                                         \
        bh = rh / (T)oh;                                                                          \
        bw = rw / (T)ow;                                                                          \
        gh = p->sampling_ratio > 0 ? p->sampling_ratio : (int64_t)CEIL(rh / (T)oh);               \
        gw = p->sampling_ratio > 0 ? p->sampling_ratio : (int64_t)CEIL(rw / (T)ow);               \
        count = gh * gw > 1 ? gh * gw : 1;                                                        \
        for (c = 0; c < p->c; c++) {                                                              \
            const T *xp = b >= 0 && b < p->n ? x + (b * p->c + c) * h * w : NULL;                 \
            for (ph = 0; ph < oh; ph++)                                                           \
                for (pw = 0; pw < ow; pw++) {                                                     \
                    T acc = 0;                                                                    \
                    int first = 1;                                                                \
                    for (iy = 0; iy < gh; iy++)                                                   \
                        for (ix = 0; ix < gw; ix++) {                                             \
                            T yy = sh + (T)ph * bh + ((T)iy + (T)0.5) * bh / (T)gh;               \
                            T xx = sw + (T)pw * bw + ((T)ix + (T)0.5) * bw / (T)gw;               \
                            T v1 = 0, v2 = 0, v3 = 0, v4 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0;     \
                            if (xp && !(yy < (T)-1 || yy > (T)h || xx < (T)-1 || xx > (T)w)) {    \
                                int64_t yl, xl, yh, xh;                                           \
                                T ly, lx;                                                         \
                                if (yy <= 0)                                                      \
                                    yy = 0;                                                       \
                                if (xx <= 0)                                                      \
                                    xx = 0;                                                       \
                                yl = (int64_t)yy;                                                 \
                                xl = (int64_t)xx;                                                 \
                                if (yl >= h - 1) {                                                \
                                    yh = yl = h - 1;                                              \
                                    yy = (T)yl;                                                   \
                                } else {                                                          \
                                    yh = yl + 1;                                                  \
                                }                                                                 \
                                if (xl >= w - 1) {                                                \
                                    xh = xl = w - 1;                                              \
                                    xx = (T)xl;                                                   \
                                } else {                                                          \
                                    xh = xl + 1;                                                  \
                                }                                                                 \
                                ly = yy - (T)yl;                                                  \
                                lx = xx - (T)xl;                                                  \
                                w1 = ((T)1 - ly) * ((T)1 - lx);                                   \
                                w2 = ((T)1 - ly) * lx;                                            \
                                w3 = ly * ((T)1 - lx);                                            \
                                w4 = ly * lx;                                                     \
                                v1 = xp[yl * w + xl];                                             \
                                v2 = xp[yl * w + xh];                                             \
                                v3 = xp[yh * w + xl];                                             \
                                v4 = xp[yh * w + xh];                                             \
                            }                                                                     \
                            if (p->max_mode) {                                                    \
                                T m = w1 * v1;                                                    \
                                m = w2 * v2 > m ? w2 * v2 : m;                                    \
                                m = w3 * v3 > m ? w3 * v3 : m;                                    \
                                m = w4 * v4 > m ? w4 * v4 : m;                                    \
                                acc = first || m > acc ? m : acc;                                 \
                                first = 0;                                                        \
                            } else {                                                              \
                                acc += w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4;                     \
                            }                                                                     \
                        }                                                                         \
                    y[((r * p->c + c) * oh + ph) * ow + pw] = p->max_mode ? acc                   \
                                                                          : acc / (T)count;       \
                }                                                                                 \
        }                                                                                         \
    }                                                                                             \
}

RT_GS_ROI_KERNELS(rt_gridsample_forward, rt_roialign_forward, _f32, float, floorf, fabsf, fmodf,
                  nearbyintf, ceilf)
RT_GS_ROI_KERNELS(rt_gridsample_forward_f64, rt_roialign_forward_f64, _f64, double, floor, fabs,
                  fmod, nearbyint, ceil)
/* NOLINTEND(bugprone-macro-parentheses) */
