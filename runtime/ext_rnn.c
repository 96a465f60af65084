/*
 * ext_rnn.c - the recurrent layers RNN, GRU and LSTM (ONNX semantics,
 * forward, reverse and bidirectional, both layouts, per-batch sequence
 * lengths, peepholes, GRU's linear_before_reset, LSTM's input_forget, clip).
 * Both matrix products of a step run through rt_gemm_forward: once per
 * direction for the input projection of all time steps, X W^T + Wb, then per
 * step for the recurrent product H R^T. Everything temporary lives in the
 * caller's scratch (rt_rnn_scratch_size floats).
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

/* One activation function of the ONNX recurrent-layer list. */
static float rt_rnn_f(rt_rnn_act a, float alpha, float beta, float x)
{
    switch (a) {
    case RT_RNN_RELU: return x > 0.0f ? x : 0.0f;
    case RT_RNN_TANH: return tanhf(x);
    case RT_RNN_SIGMOID:
        if (x >= 0.0f)
            return 1.0f / (1.0f + expf(-x));
        else {
            const float e = expf(x);
            return e / (1.0f + e);
        }
    case RT_RNN_AFFINE: return alpha * x + beta;
    case RT_RNN_LEAKYRELU: return x >= 0.0f ? x : alpha * x;
    case RT_RNN_THRESHOLDEDRELU: return x > alpha ? x : 0.0f;
    case RT_RNN_SCALEDTANH: return alpha * tanhf(beta * x);
    case RT_RNN_HARDSIGMOID: {
        const float v = alpha * x + beta;
        return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    }
    case RT_RNN_ELU: return x >= 0.0f ? x : alpha * expm1f(x);
    case RT_RNN_SOFTSIGN: return x / (1.0f + fabsf(x));
    case RT_RNN_SOFTPLUS: return x > 20.0f ? x : log1pf(expf(x));
    default: return x;
    }
}

static float rt_rnn_clip(float v, float clip)
{
    if (clip > 0.0f)
        v = v < -clip ? -clip : v > clip ? clip : v;
    return v;
}

/* One call of f number i of direction d. */
#define RT_ACT(i, v) rt_rnn_f(p->act[d][i], p->alpha[d][i], p->beta[d][i], rt_rnn_clip((v), p->clip))

void rt_rnn_forward(float *y, float *y_h, float *y_c, float *scratch, const float *x,
                    const float *w, const float *r, const float *b, const int32_t *seq_lens,
                    const float *init_h, const float *init_c, const float *peep,
                    const rt_rnn_params *p)
{
    const int64_t seq = p->seq, batch = p->batch, in = p->input, hs = p->hidden;
    const int gates = rt_rnn_gates(p->kind);
    const int64_t gh = gates * hs;
    float *proj = scratch, *acc = proj + seq * batch * gh;
    float *h = acc + batch * gh, *c = h + batch * hs, *rh = c + batch * hs, *tmp = rh + batch * hs;
    int d;

    if (y)
        memset(y, 0, (size_t)(seq * p->dirs * batch * hs) * sizeof *y);
    for (d = 0; d < p->dirs; d++) {
        const int rev = p->dirs == 2 ? d == 1 : p->reverse;
        const float *wd = w + d * gh * in, *rd = r + d * gh * hs;
        const int64_t di = d;
        const float *wb = b ? b + di * 2 * gh : NULL, *rb = b ? b + di * 2 * gh + gh : NULL;
        const float *pd = peep ? peep + di * 3 * hs : NULL;
        rt_gemm_params gp;
        int64_t s, i, j;

        /* proj[row] = x[row] W^T + Wb over every (time, batch) row of x */
        memset(&gp, 0, sizeof gp);
        gp.m = seq * batch;
        gp.n = gh;
        gp.k = in;
        gp.trans_b = 1;
        gp.alpha = 1.0f;
        gp.beta = wb ? 1.0f : 0.0f;
        gp.c_rs = 0;
        gp.c_cs = 1;
        rt_gemm_forward(proj, x, wd, wb, &gp);
        for (i = 0; i < batch; i++)
            for (j = 0; j < hs; j++) {
                const int64_t o = p->layout ? (i * p->dirs + d) * hs + j : (d * batch + i) * hs + j;
                h[i * hs + j] = init_h ? init_h[o] : 0.0f;
                c[i * hs + j] = init_c ? init_c[o] : 0.0f;
            }
        for (s = 0; s < seq; s++) {
            /* acc = H R^T for every batch row */
            memset(&gp, 0, sizeof gp);
            gp.m = batch;
            gp.n = gh;
            gp.k = hs;
            gp.trans_b = 1;
            gp.alpha = 1.0f;
            rt_gemm_forward(acc, h, rd, NULL, &gp);
            if (p->kind == RT_RNN_GRU && !p->linear_before_reset) {
                /* (r . H) Rh^T needs r first: rh = r . H, tmp = rh Rh^T */
                for (i = 0; i < batch; i++) {
                    const int64_t len = seq_lens ? seq_lens[i] : seq;
                    const int64_t t = rev ? len - 1 - s : s;
                    const float *pr = proj + (p->layout ? i * seq + t : t * batch + i) * gh;
                    for (j = 0; j < hs; j++) {
                        float v = 0.0f;
                        if (s < len) {
                            v = pr[hs + j] + acc[i * gh + hs + j] + (rb ? rb[hs + j] : 0.0f);
                            v = RT_ACT(0, v);
                        }
                        rh[i * hs + j] = v * h[i * hs + j];
                    }
                }
                gp.n = hs;
                gp.k = hs;
                rt_gemm_forward(tmp, rh, rd + 2 * hs * hs, NULL, &gp);
            }
            for (i = 0; i < batch; i++) {
                const int64_t len = seq_lens ? seq_lens[i] : seq;
                int64_t t;
                const float *pr;
                float *a = acc + i * gh, *hi = h + i * hs, *ci = c + i * hs;
                if (s >= len)
                    continue;
                t = rev ? len - 1 - s : s;
                pr = proj + (p->layout ? i * seq + t : t * batch + i) * gh;
                for (j = 0; j < gh; j++)
                    a[j] += pr[j] + (rb ? rb[j] : 0.0f);
                for (j = 0; j < hs; j++) {
                    if (p->kind == RT_RNN_RNN) {
                        hi[j] = RT_ACT(0, a[j]);
                    } else if (p->kind == RT_RNN_GRU) {
                        const float z = RT_ACT(0, a[j]), rr = RT_ACT(0, a[hs + j]);
                        float hv;
                        if (p->linear_before_reset)
                            hv = pr[2 * hs + j] + rr * (a[2 * hs + j] - pr[2 * hs + j]);
                        else
                            hv = pr[2 * hs + j] + tmp[i * hs + j] + (rb ? rb[2 * hs + j] : 0.0f);
                        hv = RT_ACT(1, hv);
                        hi[j] = (1.0f - z) * hv + z * hi[j];
                    } else {
                        const float cp = ci[j];
                        const float ig = RT_ACT(0, a[j] + (pd ? pd[j] * cp : 0.0f));
                        const float fg = p->input_forget ? 1.0f - ig :
                                         RT_ACT(0, a[2 * hs + j] + (pd ? pd[2 * hs + j] * cp : 0.0f));
                        const float cg = RT_ACT(1, a[3 * hs + j]);
                        const float cn = fg * cp + ig * cg;
                        const float og = RT_ACT(0, a[hs + j] + (pd ? pd[hs + j] * cn : 0.0f));
                        ci[j] = cn;
                        hi[j] = og * rt_rnn_f(p->act[d][2], p->alpha[d][2], p->beta[d][2], cn);
                    }
                }
                if (y) {
                    float *yo = y + (p->layout ? (i * seq + t) * p->dirs + d
                                               : (t * p->dirs + d) * batch + i) * hs;
                    memcpy(yo, hi, (size_t)hs * sizeof *yo);
                }
            }
        }
        for (i = 0; i < batch; i++) {
            const int64_t o = p->layout ? (i * p->dirs + d) * hs : (d * batch + i) * hs;
            if (y_h)
                memcpy(y_h + o, h + i * hs, (size_t)hs * sizeof *y_h);
            if (y_c)
                memcpy(y_c + o, c + i * hs, (size_t)hs * sizeof *y_c);
        }
    }
}
