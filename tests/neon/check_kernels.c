/*
 * check_kernels.c - the runtime's matrix product and convolutions against
 * naive reference loops, on many shapes including every kind of tail.
 *
 * Criterion is not available for AArch64 here, so `make test-neon` builds
 * this self-checking program (and the runtime) with aarch64-linux-gnu-gcc
 * and runs it under qemu-aarch64: that exercises the NEON kernels (the
 * 8x8 GEMM micro-kernel, the depthwise 3x3 stencil). Built for the host it
 * checks whichever path the host build takes, the same way.
 *
 * The reference is computed in double by the textbook loops, with nothing
 * shared with the runtime but the parameter structs. Every output must lie
 * within (K + 3) * 2^-23 * (sum of the magnitudes of its terms) of the
 * reference (twice the usual gamma_K bound of a float sum of K products,
 * which any summation order and FMA satisfy). Exit status 0 when every
 * check passed, 1 otherwise, with the first failures printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_sgemm_impl.h"

static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;
static int failures, checks;

static float frand(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rng_state >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
}

static int irand(int n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)((rng_state >> 33) % (unsigned long long)n);
}

static void fill(float *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = frand();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "check_kernels: out of memory\n");
        exit(2);
    }
    return p;
}

/* One output against its reference ref, sum of term magnitudes mag, K terms. */
static void expect(const char *what, size_t idx, float got, double ref, double mag, int64_t k)
{
    const double tol = (double)(k + 3) * ldexp(1.0, -23) * mag + 1e-30;
    checks++;
    if (!(fabs((double)got - ref) <= tol)) {
        if (failures < 20)
            fprintf(stderr, "FAIL %s [%zu]: got %.9g, want %.9g (tol %.3g)\n", what, idx,
                    (double)got, ref, tol);
        failures++;
    }
}

static double relu_d(double v, int relu)
{
    return relu && v < 0.0 ? 0.0 : v;
}

/* ------------------------------------------------------------ rt_sgemm */

/* y = act(alpha * A B + bias + beta * C (+ y)), A [m, k] read through
 * (ars, acs), B [k, n] through (rs, cs). */
static void check_sgemm(int64_t m, int64_t n, int64_t k, int ta, int tb, int with_bias,
                        int with_c, int acc, int relu, float alpha)
{
    const int64_t ldy = n + irand(3);
    float *a = xmalloc((size_t)(m * k) * sizeof(float));
    float *b = xmalloc((size_t)(k * n) * sizeof(float));
    float *bias = xmalloc((size_t)m * sizeof(float));
    float *c = xmalloc((size_t)(m * n) * sizeof(float));
    float *y = xmalloc((size_t)(m * ldy) * sizeof(float));
    float *y0 = xmalloc((size_t)(m * ldy) * sizeof(float));
    const int64_t ars = ta ? 1 : k, acs = ta ? m : 1;
    rt_sgemm_b bm;
    rt_sgemm_epi e;
    char what[160];
    int64_t i, j, kk;

    fill(a, (size_t)(m * k));
    fill(b, (size_t)(k * n));
    fill(bias, (size_t)m);
    fill(c, (size_t)(m * n));
    fill(y0, (size_t)(m * ldy));
    memcpy(y, y0, (size_t)(m * ldy) * sizeof(float));
    bm.p = b;
    bm.rs = tb ? 1 : n;
    bm.cs = tb ? k : 1;
    bm.conv = NULL;
    bm.conv_t = 0;
    memset(&e, 0, sizeof e);
    e.alpha = alpha;
    e.bias = with_bias ? bias : NULL;
    e.c = with_c ? c : NULL;
    e.c_rs = n;
    e.c_cs = 1;
    e.beta = 0.5f;
    e.accumulate = acc;
    e.act = relu ? RT_UN_RELU : RT_UN_NONE;
    rt_sgemm(y, ldy, a, ars, acs, &bm, m, n, k, &e);
    snprintf(what, sizeof what, "sgemm m=%lld n=%lld k=%lld ta=%d tb=%d bias=%d c=%d acc=%d relu=%d",
             (long long)m, (long long)n, (long long)k, ta, tb, with_bias, with_c, acc, relu);
    for (i = 0; i < m; i++) {
        for (j = 0; j < ldy; j++) {
            double s = 0.0, mag = 0.0;
            if (j >= n) {       /* past the row: untouched */
                expect(what, (size_t)(i * ldy + j), y[i * ldy + j], y0[i * ldy + j], 0.0, 0);
                continue;
            }
            for (kk = 0; kk < k; kk++) {
                const double t = (double)a[i * ars + kk * acs] * b[kk * bm.rs + j * bm.cs];
                s += t;
                mag += fabs(t);
            }
            s *= alpha;
            mag *= fabs(alpha);
            if (with_bias) {
                s += bias[i];
                mag += fabs(bias[i]);
            }
            if (with_c) {
                s += 0.5 * c[i * n + j];
                mag += fabs(0.5 * c[i * n + j]);
            }
            if (acc) {
                s += y0[i * ldy + j];
                mag += fabs(y0[i * ldy + j]);
            }
            expect(what, (size_t)(i * ldy + j), y[i * ldy + j], relu_d(s, relu), mag, k);
        }
    }
    free(a);
    free(b);
    free(bias);
    free(c);
    free(y);
    free(y0);
}

/* ------------------------------------------------------------ convolution */

static void conv_params(rt_conv_params *p, int n, int c, int m, int group, int64_t h, int64_t w,
                        int64_t kh, int64_t kw, int64_t s, int64_t pad, int64_t dil)
{
    int d;
    memset(p, 0, sizeof *p);
    p->n = n;
    p->c = c;
    p->m = m;
    p->group = group;
    for (d = 0; d < RT_SPATIAL; d++) {
        p->in[d] = 1;
        p->out[d] = 1;
        p->k[d] = 1;
        p->stride[d] = 1;
        p->dilation[d] = 1;
    }
    p->in[1] = h;
    p->in[2] = w;
    p->k[1] = kh;
    p->k[2] = kw;
    p->stride[1] = p->stride[2] = s;
    p->pad[1] = p->pad[2] = pad;
    p->dilation[1] = p->dilation[2] = dil;
    p->out[1] = (h + 2 * pad - dil * (kh - 1) - 1) / s + 1;
    p->out[2] = (w + 2 * pad - dil * (kw - 1) - 1) / s + 1;
    p->act = RT_UN_NONE;
}

/* x at [n, ch, i1, i2], 0 in the padding */
static double xat(const float *x, const rt_conv_params *p, int64_t n, int64_t ch, int64_t i1,
                  int64_t i2)
{
    if (i1 < 0 || i1 >= p->in[1] || i2 < 0 || i2 >= p->in[2])
        return 0.0;
    return x[((n * p->c + ch) * p->in[1] + i1) * p->in[2] + i2];
}

static void check_conv(const rt_conv_params *pp, int with_bias, int acc, int relu, int wt)
{
    rt_conv_params p = *pp;
    const int64_t cg = p.c / p.group, mg = p.m / p.group;
    const int64_t kh = p.k[1], kw = p.k[2], ksz = kh * kw;
    const int64_t osz = p.out[1] * p.out[2];
    const size_t nx = (size_t)((int64_t)p.n * p.c * p.in[1] * p.in[2]);
    const size_t nw = (size_t)(p.m * cg * ksz), ny = (size_t)((int64_t)p.n * p.m * osz);
    float *x = xmalloc(nx * sizeof(float)), *w = xmalloc(nw * sizeof(float));
    float *wtr = xmalloc(nw * sizeof(float));
    float *b = xmalloc((size_t)p.m * sizeof(float));
    float *y = xmalloc(ny * sizeof(float)), *y0 = xmalloc(ny * sizeof(float));
    char what[200];
    int64_t n, oc, o1, o2, ic, t1, t2;

    fill(x, nx);
    fill(w, nw);
    fill(b, (size_t)p.m);
    fill(y0, ny);
    memcpy(y, y0, ny * sizeof(float));
    p.accumulate = acc;
    p.act = relu ? RT_UN_RELU : RT_UN_NONE;
    p.wt = wt;
    if (wt) {               /* [c * ksz][m] */
        int64_t r;
        for (oc = 0; oc < p.m; oc++)
            for (r = 0; r < cg * ksz; r++)
                wtr[r * p.m + oc] = w[oc * cg * ksz + r];
    }
    rt_conv_forward(y, x, wt ? wtr : w, with_bias ? b : NULL, &p);
    snprintf(what, sizeof what,
             "conv n=%d c=%d m=%d g=%d in=%lldx%lld k=%lldx%lld s=%lld pad=%lld dil=%lld bias=%d "
             "acc=%d relu=%d wt=%d", p.n, p.c, p.m, p.group, (long long)p.in[1],
             (long long)p.in[2], (long long)kh, (long long)kw, (long long)p.stride[2],
             (long long)p.pad[2], (long long)p.dilation[2], with_bias, acc, relu, wt);
    for (n = 0; n < p.n; n++)
        for (oc = 0; oc < p.m; oc++) {
            const int64_t g = oc / mg;
            for (o1 = 0; o1 < p.out[1]; o1++)
                for (o2 = 0; o2 < p.out[2]; o2++) {
                    const size_t yi = (size_t)(((n * p.m + oc) * p.out[1] + o1) * p.out[2] + o2);
                    double s = 0.0, mag = 0.0;
                    for (ic = 0; ic < cg; ic++)
                        for (t1 = 0; t1 < kh; t1++)
                            for (t2 = 0; t2 < kw; t2++) {
                                const double t =
                                    (double)w[((oc * cg + ic) * kh + t1) * kw + t2] *
                                    xat(x, &p, n, g * cg + ic,
                                        o1 * p.stride[1] - p.pad[1] + t1 * p.dilation[1],
                                        o2 * p.stride[2] - p.pad[2] + t2 * p.dilation[2]);
                                s += t;
                                mag += fabs(t);
                            }
                    if (with_bias) {
                        s += b[oc];
                        mag += fabs(b[oc]);
                    }
                    if (acc) {
                        s += y0[yi];
                        mag += fabs(y0[yi]);
                    }
                    expect(what, yi, y[yi], relu_d(s, relu), mag, cg * ksz);
                }
        }
    free(x);
    free(w);
    free(wtr);
    free(b);
    free(y);
    free(y0);
}

/* dx, dw, db of one convolution against the naive sums. */
static void check_conv_backward(const rt_conv_params *pp)
{
    rt_conv_params p = *pp;
    const int64_t cg = p.c / p.group, mg = p.m / p.group;
    const int64_t kh = p.k[1], kw = p.k[2], ksz = kh * kw;
    const int64_t osz = p.out[1] * p.out[2], isz = p.in[1] * p.in[2];
    const size_t nx = (size_t)((int64_t)p.n * p.c * isz);
    const size_t nw = (size_t)(p.m * cg * ksz), ny = (size_t)((int64_t)p.n * p.m * osz);
    float *x = xmalloc(nx * sizeof(float)), *w = xmalloc(nw * sizeof(float));
    float *dy = xmalloc(ny * sizeof(float)), *dx = xmalloc(nx * sizeof(float));
    float *dw = xmalloc(nw * sizeof(float)), *db = xmalloc((size_t)p.m * sizeof(float));
    double *rdx = xmalloc(nx * sizeof(double)), *mdx = xmalloc(nx * sizeof(double));
    double *rdw = xmalloc(nw * sizeof(double)), *mdw = xmalloc(nw * sizeof(double));
    char what[200];
    int64_t n, oc, o1, o2, ic, t1, t2;
    size_t i;

    fill(x, nx);
    fill(w, nw);
    fill(dy, ny);
    memset(dx, 0, nx * sizeof(float));
    memset(dw, 0, nw * sizeof(float));
    memset(db, 0, (size_t)p.m * sizeof(float));
    memset(rdx, 0, nx * sizeof(double));
    memset(mdx, 0, nx * sizeof(double));
    memset(rdw, 0, nw * sizeof(double));
    memset(mdw, 0, nw * sizeof(double));
    rt_conv_backward(dx, dw, db, dy, x, w, &p);
    for (n = 0; n < p.n; n++)
        for (oc = 0; oc < p.m; oc++) {
            const int64_t g = oc / mg;
            for (o1 = 0; o1 < p.out[1]; o1++)
                for (o2 = 0; o2 < p.out[2]; o2++) {
                    const double d = dy[((n * p.m + oc) * p.out[1] + o1) * p.out[2] + o2];
                    for (ic = 0; ic < cg; ic++)
                        for (t1 = 0; t1 < kh; t1++)
                            for (t2 = 0; t2 < kw; t2++) {
                                const int64_t i1 = o1 * p.stride[1] - p.pad[1] + t1 * p.dilation[1];
                                const int64_t i2 = o2 * p.stride[2] - p.pad[2] + t2 * p.dilation[2];
                                const size_t wi = (size_t)(((oc * cg + ic) * kh + t1) * kw + t2);
                                size_t xi;
                                if (i1 < 0 || i1 >= p.in[1] || i2 < 0 || i2 >= p.in[2])
                                    continue;
                                xi = (size_t)(((n * p.c + g * cg + ic) * p.in[1] + i1) * p.in[2] + i2);
                                rdx[xi] += d * w[wi];
                                mdx[xi] += fabs(d * w[wi]);
                                rdw[wi] += d * x[xi];
                                mdw[wi] += fabs(d * x[xi]);
                            }
                }
        }
    snprintf(what, sizeof what, "conv_backward c=%d m=%d g=%d in=%lldx%lld k=%lld s=%lld pad=%lld",
             p.c, p.m, p.group, (long long)p.in[1], (long long)p.in[2], (long long)kh,
             (long long)p.stride[2], (long long)p.pad[2]);
    for (i = 0; i < nx; i++)
        expect(what, i, dx[i], rdx[i], mdx[i], (int64_t)p.m * ksz);
    for (i = 0; i < nw; i++)
        expect(what, i, dw[i], rdw[i], mdw[i], (int64_t)p.n * osz);
    for (oc = 0; oc < p.m; oc++) {
        double s = 0.0, mag = 0.0;
        for (n = 0; n < p.n; n++)
            for (i = 0; i < (size_t)osz; i++) {
                s += dy[(size_t)((n * p.m + oc) * osz) + i];
                mag += fabs(dy[(size_t)((n * p.m + oc) * osz) + i]);
            }
        expect(what, (size_t)oc, db[oc], s, mag, (int64_t)p.n * osz);
    }
    free(x);
    free(w);
    free(dy);
    free(dx);
    free(dw);
    free(db);
    free(rdx);
    free(mdx);
    free(rdw);
    free(mdw);
}

int main(void)
{
    static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 33};
    static const int64_t ns[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 65, 100};
    static const int64_t ks[] = {0, 1, 2, 5, 31, 32, 33, 127, 128, 129, 300};
    static const int64_t hws[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 23, 32, 33, 40, 57, 90};
    size_t a, bi, ci;
    rt_conv_params p;

    /* the matrix product: every shape, a random mix of the variants */
    for (a = 0; a < sizeof ms / sizeof ms[0]; a++)
        for (bi = 0; bi < sizeof ns / sizeof ns[0]; bi++)
            for (ci = 0; ci < sizeof ks / sizeof ks[0]; ci++)
                check_sgemm(ms[a], ns[bi], ks[ci], irand(2), irand(4) == 0, irand(2),
                            irand(4) == 0, irand(3) == 0, irand(2), irand(3) == 0 ? -0.75f : 1.0f);

    /* depthwise 3x3 (the NEON stencil and its fallbacks): every width and
     * height from the list, stride 1 and 2, pad 0 and 1 */
    for (a = 0; a < sizeof hws / sizeof hws[0]; a++)
        for (bi = 0; bi < 4; bi++) {
            const int64_t h = hws[(a + bi * 5) % (sizeof hws / sizeof hws[0])], w = hws[a];
            const int64_t s = 1 + (int64_t)(bi & 1), pad = (int64_t)(bi >> 1);
            const int ch = 1 + irand(9);
            if (h + 2 * pad < 3 || w + 2 * pad < 3)
                continue;
            conv_params(&p, 1 + irand(2), ch, ch, ch, h, w, 3, 3, s, pad, 1);
            check_conv(&p, irand(2), irand(2), irand(2), 0);
        }

    /* dense convolutions through the packed product: 3x3 (stride 1 and 2,
     * pad 0 and 1), pointwise (also with transposed weights), 5x5 dilated,
     * grouped */
    for (a = 0; a < sizeof hws / sizeof hws[0]; a++) {
        const int64_t hw = hws[a];
        if (hw > 40)
            continue;
        for (bi = 0; bi < 6; bi++) {
            const int c = 1 + irand(17), m = 1 + irand(20);
            const int64_t s = 1 + (int64_t)(bi & 1), pad = (int64_t)((bi >> 1) & 1);
            if (hw + 2 * pad >= 3) {
                conv_params(&p, 1, c, m, 1, hw, hw + (int64_t)irand(3), 3, 3, s, pad, 1);
                check_conv(&p, irand(2), irand(2), irand(2), 0);
            }
            conv_params(&p, 1 + irand(2), c, m, 1, hw, hw, 1, 1, 1, 0, 1);
            check_conv(&p, irand(2), irand(2), irand(2), (int)(bi & 1));
            if (hw + 2 * pad >= 9) {
                conv_params(&p, 1, c, m, 1, hw, hw, 5, 5, s, pad, 2);
                check_conv(&p, irand(2), 0, irand(2), 0);
            }
            conv_params(&p, 1, 2 * c, 2 * m, 2, hw, hw, 3, 1, s, pad, 1);
            if (p.out[1] > 0 && p.out[2] > 0)
                check_conv(&p, irand(2), irand(2), irand(2), 0);
        }
    }

    /* backward: dx, dw, db (the transposed im2col panel, the column tile) */
    for (a = 0; a < sizeof hws / sizeof hws[0]; a++) {
        const int64_t hw = hws[a];
        if (hw > 33 || hw < 3)
            continue;
        for (bi = 0; bi < 4; bi++) {
            const int c = 1 + irand(12), m = 1 + irand(12);
            conv_params(&p, 1 + irand(2), c, m, 1, hw, hw, bi < 2 ? 3 : 1, bi < 2 ? 3 : 1,
                        1 + (int64_t)(bi & 1), bi < 2 ? 1 : 0, 1);
            check_conv_backward(&p);
        }
        conv_params(&p, 1, 4, 4, 4, hw, hw, 3, 3, 1, 1, 1);     /* depthwise */
        check_conv_backward(&p);
        conv_params(&p, 1, 4, 6, 2, hw, hw, 3, 3, 2, 1, 1);     /* grouped */
        check_conv_backward(&p);
        /* tall and narrow: many short runs of output positions per panel */
        conv_params(&p, 1, 3, 5, 1, hw + 8, 1 + (int64_t)(a % 3), 3, 3, 1, 1, 1);
        check_conv_backward(&p);
    }

#if defined(RT_SIMD_NEON)
    printf("check_kernels (NEON): ");
#elif defined(RT_SIMD_AVX512)
    printf("check_kernels (AVX-512): ");
#elif defined(RT_SIMD_AVX2)
    printf("check_kernels (AVX2): ");
#else
    printf("check_kernels (portable): ");
#endif
    printf("%d of %d outputs within bounds\n", checks - failures, checks);
    return failures ? 1 : 0;
}
