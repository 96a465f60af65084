/*
 * ext_rnn.c - the recurrent layers RNN, GRU and LSTM (ONNX semantics,
 * forward, reverse and bidirectional, both layouts, per-batch sequence
 * lengths, peepholes, GRU's linear_before_reset, LSTM's input_forget, clip).
 * Both matrix products of a step run through rt_gemm_forward: once per
 * direction for the input projection of all time steps, X W^T + Wb, then per
 * step for the recurrent product H R^T. Everything temporary lives in the
 * caller's scratch (rt_rnn_scratch_size elements of the data type). One
 * template serves float and double (types4: double gemms, double math).
 */
#include <math.h>
#include <string.h>

#include "rt_impl.h"

static int rt_rnn_gates(rt_rnn_kind k)
{
    return k == RT_RNN_LSTM ? 4 : k == RT_RNN_GRU ? 3 : 1;
}

int64_t rt_rnn_scratch_size(const rt_rnn_params *p)
{
    const int64_t gh = rt_rnn_gates(p->kind) * p->hidden;
    return p->seq * p->batch * gh + p->batch * gh + 4 * p->batch * p->hidden;
}

/* One call of f number i of direction d (in the template below; the float
 * parameters convert to the template's type at the call). */
#define RT_ACT(i, v)                                                                            \
    RT_RNN_F(p->act[d][i], p->alpha[d][i], p->beta[d][i], RT_RNN_CLIP((v), p->clip))

/* The math function fn of float (fnf) and of double. */
#define RT_MF_F32(fn) fn##f
#define RT_MF_F64(fn) fn

/*
 * The activations and the layer over element type T (float, and double for
 * the double ops of the spec; types4), SFX the helpers' suffix, MF the
 * type's math-function namer, GEMM its rt_gemm_params product.
 * T cannot be parenthesized in declarations:
 * NOLINTBEGIN(bugprone-macro-parentheses)
 */
#define RT_RNN_KERNELS(NAME, SFX, T, MF, GEMM)                                                    \
/* One activation function of the ONNX recurrent-layer list. */                                   \
static T rt_rnn_f##SFX(rt_rnn_act a, T alpha, T beta, T x)                                        \
{                                                                                                 \
    switch (a) {                                                                                  \
    case RT_RNN_RELU: return x > (T)0 ? x : (T)0;                                                 \
    case RT_RNN_TANH: return MF(tanh)(x);                                                         \
    case RT_RNN_SIGMOID:                                                                          \
        if (x >= (T)0)                                                                            \
            return (T)1 / ((T)1 + MF(exp)(-x));                                                   \
        else {                                                                                    \
            const T e = MF(exp)(x);                                                               \
            return e / ((T)1 + e);                                                                \
        }                                                                                         \
    case RT_RNN_AFFINE: return alpha * x + beta;                                                  \
    case RT_RNN_LEAKYRELU: return x >= (T)0 ? x : alpha * x;                                      \
    case RT_RNN_THRESHOLDEDRELU: return x > alpha ? x : (T)0;                                     \
    case RT_RNN_SCALEDTANH: return alpha * MF(tanh)(beta * x);                                    \
    case RT_RNN_HARDSIGMOID: {                                                                    \
        const T v = alpha * x + beta;                                                             \
        return v < (T)0 ? (T)0 : v > (T)1 ? (T)1 : v;                                             \
    }                                                                                             \
    case RT_RNN_ELU: return x >= (T)0 ? x : alpha * MF(expm1)(x);                                 \
    case RT_RNN_SOFTSIGN: return x / ((T)1 + MF(fabs)(x));                                        \
    case RT_RNN_SOFTPLUS: return x > (T)20 ? x : MF(log1p)(MF(exp)(x));                           \
    default: return x;                                                                            \
    }                                                                                             \
}                                                                                                 \
                                                                                                  \
static T rt_rnn_clip##SFX(T v, T clip)                                                            \
{                                                                                                 \
    if (clip > (T)0)                                                                              \
        v = v < -clip ? -clip : v > clip ? clip : v;                                              \
    return v;                                                                                     \
}                                                                                                 \
                                                                                                  \
                                                                                                  \
void NAME(T *y, T *y_h, T *y_c, T *scratch, const T *x, const T *w, const T *r, const T *b,       \
          const int32_t *seq_lens, const T *init_h, const T *init_c, const T *peep,               \
          const rt_rnn_params *p)                                                                 \
{                                                                                                 \
    const int64_t seq = p->seq, batch = p->batch, in = p->input, hs = p->hidden;                  \
    const int gates = rt_rnn_gates(p->kind);                                                      \
    const int64_t gh = gates * hs;                                                                \
    T *proj = scratch, *acc = proj + seq * batch * gh;                                            \
    T *h = acc + batch * gh, *c = h + batch * hs, *rh = c + batch * hs, *tmp = rh + batch * hs;   \
    int d;                                                                                        \
                                                                                                  \
    if (y)                                                                                        \
        memset(y, 0, (size_t)(seq * p->dirs * batch * hs) * sizeof *y);                           \
    for (d = 0; d < p->dirs; d++) {                                                               \
        const int rev = p->dirs == 2 ? d == 1 : p->reverse;                                       \
        const T *wd = w + d * gh * in, *rd = r + d * gh * hs;                                     \
        const int64_t di = d;                                                                     \
        const T *wb = b ? b + di * 2 * gh : NULL, *rb = b ? b + di * 2 * gh + gh : NULL;          \
        const T *pd = peep ? peep + di * 3 * hs : NULL;                                           \
        rt_gemm_params gp;                                                                        \
        int64_t s, i, j;                                                                          \
                                                                                                  \
        /* proj[row] = x[row] W^T + Wb over every (time, batch) row of x */                       \
        memset(&gp, 0, sizeof gp);                                                                \
        gp.m = seq * batch;                                                                       \
        gp.n = gh;                                                                                \
        gp.k = in;                                                                                \
        gp.trans_b = 1;                                                                           \
        gp.alpha = 1.0f;                                                                          \
        gp.beta = wb ? 1.0f : 0.0f;                                                               \
        gp.c_rs = 0;                                                                              \
        gp.c_cs = 1;                                                                              \
        GEMM(proj, x, wd, wb, &gp);                                                               \
        for (i = 0; i < batch; i++)                                                               \
            for (j = 0; j < hs; j++) {                                                            \
                const int64_t o = p->layout ? (i * p->dirs + d) * hs + j                          \
                                            : (d * batch + i) * hs + j;                           \
                h[i * hs + j] = init_h ? init_h[o] : (T)0;                                        \
                c[i * hs + j] = init_c ? init_c[o] : (T)0;                                        \
            }                                                                                     \
        for (s = 0; s < seq; s++) {                                                               \
            /* acc = H R^T for every batch row */                                                 \
            memset(&gp, 0, sizeof gp);                                                            \
            gp.m = batch;                                                                         \
            gp.n = gh;                                                                            \
            gp.k = hs;                                                                            \
            gp.trans_b = 1;                                                                       \
            gp.alpha = 1.0f;                                                                      \
            GEMM(acc, h, rd, NULL, &gp);                                                          \
            if (p->kind == RT_RNN_GRU && !p->linear_before_reset) {                               \
                /* (r . H) Rh^T needs r first: rh = r . H, tmp = rh Rh^T */                       \
                for (i = 0; i < batch; i++) {                                                     \
                    const int64_t len = seq_lens ? seq_lens[i] : seq;                             \
                    const int64_t t = rev ? len - 1 - s : s;                                      \
                    const T *pr = proj + (p->layout ? i * seq + t : t * batch + i) * gh;          \
                    for (j = 0; j < hs; j++) {                                                    \
                        T v = 0;                                                                  \
                        if (s < len) {                                                            \
                            v = pr[hs + j] + acc[i * gh + hs + j] + (rb ? rb[hs + j] : (T)0);     \
                            v = RT_ACT(0, v);                                                     \
                        }                                                                         \
                        rh[i * hs + j] = v * h[i * hs + j];                                       \
                    }                                                                             \
                }                                                                                 \
                gp.n = hs;                                                                        \
                gp.k = hs;                                                                        \
                GEMM(tmp, rh, rd + 2 * hs * hs, NULL, &gp);                                       \
            }                                                                                     \
            for (i = 0; i < batch; i++) {                                                         \
                const int64_t len = seq_lens ? seq_lens[i] : seq;                                 \
                int64_t t;                                                                        \
                const T *pr;                                                                      \
                T *a = acc + i * gh, *hi = h + i * hs, *ci = c + i * hs;                          \
                if (s >= len)                                                                     \
                    continue;                                                                     \
                t = rev ? len - 1 - s : s;                                                        \
                pr = proj + (p->layout ? i * seq + t : t * batch + i) * gh;                       \
                for (j = 0; j < gh; j++)                                                          \
                    a[j] += pr[j] + (rb ? rb[j] : (T)0);                                          \
                for (j = 0; j < hs; j++) {                                                        \
                    if (p->kind == RT_RNN_RNN) {                                                  \
                        hi[j] = RT_ACT(0, a[j]);                                                  \
                    } else if (p->kind == RT_RNN_GRU) {                                           \
                        const T z = RT_ACT(0, a[j]), rr = RT_ACT(0, a[hs + j]);                   \
                        T hv;                                                                     \
                        if (p->linear_before_reset)                                               \
                            hv = pr[2 * hs + j] + rr * (a[2 * hs + j] - pr[2 * hs + j]);          \
                        else                                                                      \
                            hv = pr[2 * hs + j] + tmp[i * hs + j] + (rb ? rb[2 * hs + j] : (T)0); \
                        hv = RT_ACT(1, hv);                                                       \
                        hi[j] = ((T)1 - z) * hv + z * hi[j];                                      \
                    } else {                                                                      \
                        const T cp = ci[j];                                                       \
                        const T ig = RT_ACT(0, a[j] + (pd ? pd[j] * cp : (T)0));                  \
                        const T fg = p->input_forget                                              \
                                         ? (T)1 - ig                                              \
                                         : RT_ACT(0, a[2 * hs + j] +                              \
                                                        (pd ? pd[2 * hs + j] * cp : (T)0));       \
                        const T cg = RT_ACT(1, a[3 * hs + j]);                                    \
                        const T cn = fg * cp + ig * cg;                                           \
                        const T og = RT_ACT(0, a[hs + j] + (pd ? pd[hs + j] * cn : (T)0));        \
                        ci[j] = cn;                                                               \
                        hi[j] = og * rt_rnn_f##SFX(p->act[d][2], (T)p->alpha[d][2],               \
                                                   (T)p->beta[d][2], cn);                         \
                    }                                                                             \
                }                                                                                 \
                if (y) {                                                                          \
                    T *yo = y + (p->layout ? (i * seq + t) * p->dirs + d                          \
                                               : (t * p->dirs + d) * batch + i) * hs;             \
                    memcpy(yo, hi, (size_t)hs * sizeof *yo);                                      \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
        for (i = 0; i < batch; i++) {                                                             \
            const int64_t o = p->layout ? (i * p->dirs + d) * hs : (d * batch + i) * hs;          \
            if (y_h)                                                                              \
                memcpy(y_h + o, h + i * hs, (size_t)hs * sizeof *y_h);                            \
            if (y_c)                                                                              \
                memcpy(y_c + o, c + i * hs, (size_t)hs * sizeof *y_c);                            \
        }                                                                                         \
    }                                                                                             \
}

#define RT_RNN_F rt_rnn_f_f32
#define RT_RNN_CLIP rt_rnn_clip_f32
RT_RNN_KERNELS(rt_rnn_forward, _f32, float, RT_MF_F32, rt_gemm_forward)
#undef RT_RNN_F
#undef RT_RNN_CLIP
#define RT_RNN_F rt_rnn_f_f64
#define RT_RNN_CLIP rt_rnn_clip_f64
RT_RNN_KERNELS(rt_rnn_forward_f64, _f64, double, RT_MF_F64, rt_gemm_forward_f64)
/* NOLINTEND(bugprone-macro-parentheses) */
