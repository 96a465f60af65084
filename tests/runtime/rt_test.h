/*
 * rt_test.h - helpers shared by the runtime unit tests (Criterion).
 *
 * A deterministic PRNG for inputs, allocation that fails the test instead of
 * returning NULL, and comparisons that report the first bad element.
 *
 * Tolerances. References are computed in double, so their own error is
 * negligible next to float's; what a test allows is the error the float
 * kernel may legitimately make. For a sum of K float terms whose absolute
 * values add up to mag, recursive summation errs by at most
 * gamma_K * mag ~= K * u * mag (u = FLT_EPSILON / 2, Higham, "Accuracy and
 * Stability of Numerical Algorithms", 3.1). rt_sum_tol allows
 * (K + extra) * FLT_EPSILON * mag: the textbook bound for K terms, doubled
 * so the per-product roundings (one u per product) are covered too, plus
 * `extra` roundings for the epilogue (bias, alpha/beta scaling). The bound
 * is a worst case; typical errors are far smaller, so a failure means a
 * wrong term, not noise.
 */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnxcc_rt.h"

#define RT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- PRNG */

/* splitmix64: tiny, deterministic, good enough to fill test tensors. */
typedef struct { uint64_t s; } rt_trng;

static inline uint64_t rt_rng_next(rt_trng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform float in [lo, hi). */
static inline float rt_rng_float(rt_trng *r, float lo, float hi)
{
    const double u = (double)(rt_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(lo + (hi - lo) * u);
}

/* Uniform integer in [lo, hi). */
static inline int64_t rt_rng_int(rt_trng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rt_rng_next(r) % (uint64_t)(hi - lo));
}

static inline void rt_fill(float *x, int64_t n, rt_trng *r, float lo, float hi)
{
    int64_t i;
    for (i = 0; i < n; i++)
        x[i] = rt_rng_float(r, lo, hi);
}

/* ---------------------------------------------------------------- memory */

/* calloc that fails the test on exhaustion; at least one byte so a zero-size
 * tensor still has a valid, distinct pointer. */
static inline void *rt_talloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    cr_assert(p != NULL, "out of memory allocating %zu x %zu", count, size);
    return p;
}

static inline float *rt_tfloats(int64_t n) { return (float *)rt_talloc((size_t)n, sizeof(float)); }
static inline double *rt_tdoubles(int64_t n) { return (double *)rt_talloc((size_t)n, sizeof(double)); }

/* ---------------------------------------------------------------- checks */

/* Allowed error of a float sum of k terms with sum of |terms| = mag (see the
 * comment at the top of this file). */
static inline double rt_sum_tol(int64_t k, int extra, double mag)
{
    return (double)(k + extra) * FLT_EPSILON * mag;
}

/* Both NaN, or |got - ref| <= tol. */
static inline int rt_close(float got, double ref, double tol)
{
    if (isnan(ref) || isnan(got))
        return isnan(ref) && isnan(got);
    if (isinf(ref) || isinf(got))
        return (double)got == ref;
    return fabs((double)got - ref) <= tol;
}

/* Compare n outputs against references with per-element tolerances tol[i]
 * (tol may be NULL for exact equality after rounding ref to float). */
static inline void rt_check(const char *what, const float *got, const double *ref,
                            const double *tol, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        const double t = tol ? tol[i] : 0.0;
        const int ok = tol ? rt_close(got[i], ref[i], t)
                           : (isnan(ref[i]) ? isnan(got[i]) : got[i] == (float)ref[i]);
        if (!ok)
            cr_assert_fail("%s: element %lld: got %.9g, expected %.9g (tolerance %.3g, "
                           "error %.3g)", what, (long long)i, (double)got[i], ref[i], t,
                           fabs((double)got[i] - ref[i]));
    }
}

/* Compare n floats against exact expected floats (bitwise-equal values; NaN
 * matches NaN). */
static inline void rt_check_exact(const char *what, const float *got, const float *want, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        const int ok = isnan(want[i]) ? isnan(got[i]) : got[i] == want[i];
        if (!ok)
            cr_assert_fail("%s: element %lld: got %.9g, expected %.9g", what, (long long)i,
                           (double)got[i], (double)want[i]);
    }
}

/* Compare against hand-computed values given to about 8 significant digits:
 * relative tolerance 1e-6 (the printed digits' own rounding is ~5e-9
 * relative, float's is 6e-8; 1e-6 leaves room for a handful of roundings in
 * the kernel), absolute 1e-6 for values near zero. */
static inline void rt_check_known(const char *what, const float *got, const double *want, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        const double t = 1e-6 + 1e-6 * fabs(want[i]);
        if (!rt_close(got[i], want[i], t))
            cr_assert_fail("%s: element %lld: got %.9g, expected %.9g", what, (long long)i,
                           (double)got[i], want[i]);
    }
}

/* Dense row-major strides of shape[0..nd). */
static inline void rt_dense_strides(int64_t *stride, const int64_t *shape, int nd)
{
    int64_t s = 1;
    int i;
    for (i = nd - 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i];
    }
}

static inline int64_t rt_prod(const int64_t *shape, int nd)
{
    int64_t s = 1;
    int i;
    for (i = 0; i < nd; i++)
        s *= shape[i];
    return s;
}

#endif /* RT_TEST_H */
