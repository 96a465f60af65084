/*
 * rt_sgemm_impl.h - the register-blocked single-precision matrix product that
 * conv.c and gemm.c share; internal to the runtime, not public API.
 *
 *   y[i, j] = act(alpha * sum_kk A[i, kk] B[kk, j] + bias[i] + beta * c[i, j] (+ y[i, j]))
 *
 * A is read in place through its strides (A[i, kk] = a[i * ars + kk * acs]),
 * so a row-major weight matrix or a transposed operand costs nothing. B is
 * either a strided matrix or the im2col view of one convolution group's
 * input; panels of it are packed into a fixed-size array on the stack
 * (RT_SGEMM_KC x RT_SGEMM_NC floats: 16 KB with AVX2 or NEON, 1 KB on the
 * portable path), so the kernel allocates nothing and keeps no state.
 *
 * SIMD is chosen at compile time: AVX-512F (a 16x16 micro-kernel, one zmm
 * register per row) when the runtime is built with -mavx512f or a -march
 * that has it, AVX2+FMA (a 6x16 micro-kernel) with -mavx2 -mfma, NEON (an
 * 8x8 micro-kernel) on AArch64, a portable 4x8 C micro-kernel otherwise, or
 * always when RT_NO_SIMD is defined (the macros are set in rt_impl.h).
 */
#ifndef RT_SGEMM_IMPL_H
#define RT_SGEMM_IMPL_H

#include "rt_impl.h"

/* Where B comes from: a dense matrix B[kk, j] = p[kk * rs + j * cs], or, when
 * conv is not NULL, the im2col matrix of one group of one image: p points at
 * the group's first input channel, kk = (ic, t0, t1, t2) in the weight's
 * order and j = (o0, o1, o2) an output position; with conv_t set, its
 * transpose (kk an output position, j = (ic, t0, t1, t2)), the B of a
 * convolution's weight gradient dw = dy x_col^T. */
typedef struct {
    const float *p;
    int64_t rs, cs;
    const rt_conv_params *conv;
    int conv_t;
} rt_sgemm_b;

/* A dense B: B[kk, j] = p[kk * rs + j * cs]. */
static inline rt_sgemm_b rt_sgemm_dense(const float *p, int64_t rs, int64_t cs)
{
    rt_sgemm_b bm;
    bm.p = p;
    bm.rs = rs;
    bm.cs = cs;
    bm.conv = NULL;
    bm.conv_t = 0;
    return bm;
}

/* The epilogue: alpha scales the product; bias (NULL or [m]) is added per
 * row; c (NULL when not read) is added scaled by beta through its strides;
 * accumulate: y already holds a residual (or a gradient) that the result
 * adds to, y = y + alpha * product + ...; then the activation. */
typedef struct {
    float alpha;
    const float *bias;
    const float *c;
    int64_t c_rs, c_cs;
    float beta;
    int accumulate;
    rt_unary_op act;
    float act_alpha, act_beta;
} rt_sgemm_epi;

/* y: [m, n] with row stride ldy (columns contiguous). k may be 0. */
void rt_sgemm(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
              const rt_sgemm_b *b, int64_t m, int64_t n, int64_t k, const rt_sgemm_epi *e);

/* mbtrain: conv_pw.c. A pointwise convolution's product over a batch of
 * small maps as one product (columns: every image's npos positions):
 *   y[n * ldy + i * npos + q] (+)= sum_kk A[i, kk] b[n * ldb + kk * npos + q]
 * for i < m, q < npos, n < nimg; A read through its strides as rt_sgemm.
 * Returns 0 (having done nothing) where it does not apply: no SIMD, k past
 * its panel, a single image. */
/* Whether conv.c hands a map of npos positions and a product of depth k to
 * it: maps narrower than a tile, or below two tiles with k deep enough to
 * pay for the packing (MobileNet's 6x6 maps at k = 64 do not gain). */
#define RT_PW_TAKES(npos, k) ((npos) < 16 || ((npos) < 64 && (k) >= 128))
int rt_pw_batched(float *y, int64_t ldy, const float *a, int64_t ars, int64_t acs,
                  const float *b, int64_t ldb, int64_t m, int64_t k, int64_t npos, int64_t nimg,
                  int accumulate);
/* dw [m, c] += sum_n sum_q dy[n * m * npos + i * npos + q] x[n * c * npos + j * npos + q]:
 * a pointwise convolution's weight gradient over the batch as one product;
 * 0 where it does not apply (no SIMD, a single image). */
int rt_pw_dw_batched(float *dw, const float *dy, const float *x, int64_t m, int64_t c,
                     int64_t npos, int64_t nimg);

#endif /* RT_SGEMM_IMPL_H */
