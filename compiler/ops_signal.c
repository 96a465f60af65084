/*
 * ops_signal.c - signal processing and contractions: DFT, STFT, Einsum
 * (one or two operands, float32 or double) and MelWeightMatrix, whose
 * output depends only on constant inputs and is computed here, at compile
 * time. Lengths and steps must be compile-time constants (static shapes).
 */
#include <math.h>
#include <string.h>

#include "ops.h"

/* A constant integer scalar (int32 or int64) into *v; what names it. */
static cc_status const_scalar(cc_graph *g, cc_node *n, int k, const char *what, int64_t *v,
                              cc_diag *d)
{
    const cc_tensor *t = n->in[k];
    if (t->dtype != CC_DT_INT64 && t->dtype != CC_DT_INT32)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' (%s) must be an int32 or "
                            "int64 scalar, not %s", t->name, what, cc_dtype_name(t->dtype));
    if (cc_numel(t) != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' (%s) must be a scalar",
                            t->name, what);
    if (!t->data)
        return cc_need_const(d, g, n, t, what);
    *v = t->dtype == CC_DT_INT64 ? ((const int64_t *)t->data)[0]
                                 : (int64_t)((const int32_t *)t->data)[0];
    return CC_OK;
}

/* A constant float scalar (float32, or an integer type) into *v. */
static cc_status const_real(cc_graph *g, cc_node *n, int k, const char *what, double *v,
                            cc_diag *d)
{
    const cc_tensor *t = n->in[k];
    if (!cc_dtype_is_float(t->dtype)) {
        int64_t i = 0;
        cc_status st = const_scalar(g, n, k, what, &i, d);
        *v = (double)i;
        return st;
    }
    if (cc_numel(t) != 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input '%.200s' (%s) must be a scalar",
                            t->name, what);
    if (!t->data)
        return cc_need_const(d, g, n, t, what);
    rt_cast_any(v, t->data, RT_F64, cc_dtype_rt(t->dtype), 1); /* any floating type */
    return CC_OK;
}

/* A floating type: float32, double (the double kernels) or float16 /
 * bfloat16 computed in float (cc_calls_retype). */
static cc_status need_f32(cc_graph *g, cc_node *n, const cc_tensor *t, cc_diag *d)
{
    if (!cc_dtype_is_float(t->dtype))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "input '%.200s' has element type %s; "
                            "%s is supported for floating types only", t->name,
                            cc_dtype_name(t->dtype), n->op->name);
    return CC_OK;
}

/* ------------------------------------------------------------ DFT */

static cc_status dft_geom(cc_graph *g, cc_node *n, rt_dft_params *p, int *axis, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    cc_status st = need_f32(g, n, x, d);
    if (st)
        return st;
    if (x->rank < 3 || (x->shape[x->rank - 1] != 1 && x->shape[x->rank - 1] != 2))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "input must be [batch, ..., 1 or 2] (real or "
                            "complex), of rank 3 or more");
    int64_t a = cc_attr_int(n, "axis", 1);
    if (a < 0)
        a += x->rank;
    if (a < 1 || a > x->rank - 2)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "axis %lld is not a signal axis of a rank-%d "
                            "input", (long long)cc_attr_int(n, "axis", 1), x->rank);
    memset(p, 0, sizeof *p);
    p->outer = 1;
    for (int i = 0; i < a; i++)
        p->outer *= x->shape[i];
    p->n = x->shape[a];
    p->inner = 1;
    for (int i = (int)a + 1; i < x->rank - 1; i++)
        p->inner *= x->shape[i];
    p->in_c = (int)x->shape[x->rank - 1];
    p->len = p->n;
    if (n->nin > 1 && n->in[1]) {
        if ((st = const_scalar(g, n, 1, "dft_length", &p->len, d)))
            return st;
        if (p->len < 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "dft_length %lld must be positive",
                                (long long)p->len);
    }
    p->inverse = cc_attr_int(n, "inverse", 0) != 0;
    int onesided = cc_attr_int(n, "onesided", 0) != 0;
    if (onesided && (p->in_c == 2 || p->inverse))
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "onesided=1 is supported for the "
                            "forward transform of a real input only");
    p->bins = onesided ? p->len / 2 + 1 : p->len;
    *axis = (int)a;
    return CC_OK;
}

cc_status cc_infer_dft(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_dft_params p;
    int axis = 0;
    cc_status st = dft_geom(g, n, &p, &axis, d);
    if (st)
        return st;
    const cc_tensor *x = n->in[0];
    int64_t shape[CC_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape[0] * (size_t)x->rank);
    shape[axis] = p.bins;
    shape[x->rank - 1] = 2;
    cc_set_shape(n->out[0], x->dtype, x->rank, shape);
    return CC_OK;
}

cc_status cc_lower_dft(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_DFT);
    if (!c)
        return cc_oom(g, d);
    int axis;
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    return dft_geom(g, n, &c->p.dft, &axis, d);
}

/* ------------------------------------------------------------ STFT */

static cc_status stft_geom(cc_graph *g, cc_node *n, rt_stft_params *p, cc_diag *d)
{
    const cc_tensor *x = n->in[0];
    const cc_tensor *w = n->nin > 2 ? n->in[2] : NULL;
    cc_status st = need_f32(g, n, x, d);
    if (!st && w)
        st = need_f32(g, n, w, d);
    if (st)
        return st;
    if (x->rank != 3 || (x->shape[2] != 1 && x->shape[2] != 2))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "signal must be [batch, length, 1 or 2]");
    memset(p, 0, sizeof *p);
    p->batch = x->shape[0];
    p->len = x->shape[1];
    p->in_c = (int)x->shape[2];
    if ((st = const_scalar(g, n, 1, "frame_step", &p->step, d)))
        return st;
    if (p->step < 1)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "frame_step %lld must be positive",
                            (long long)p->step);
    p->frame_len = -1;
    if (w) {
        if (w->rank != 1)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "window must be 1-D");
        p->frame_len = w->shape[0];
    }
    if (n->nin > 3 && n->in[3]) {
        int64_t fl;
        if ((st = const_scalar(g, n, 3, "frame_length", &fl, d)))
            return st;
        if (p->frame_len >= 0 && fl != p->frame_len)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "frame_length %lld differs from the "
                                "window's length %lld", (long long)fl, (long long)p->frame_len);
        p->frame_len = fl;
    }
    if (p->frame_len < 1 || p->frame_len > p->len)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "the frame length (window or frame_length) "
                            "must be given and within the signal's length %lld",
                            (long long)p->len);
    int onesided = cc_attr_int(n, "onesided", 1) != 0;
    if (onesided && p->in_c == 2)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "onesided=1 is supported for a real "
                            "signal only");
    p->frames = (p->len - p->frame_len) / p->step + 1;
    p->bins = onesided ? p->frame_len / 2 + 1 : p->frame_len;
    return CC_OK;
}

cc_status cc_infer_stft(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_stft_params p;
    cc_status st = stft_geom(g, n, &p, d);
    if (st)
        return st;
    int64_t shape[4] = {p.batch, p.frames, p.bins, 2};
    cc_set_shape(n->out[0], n->in[0]->dtype, 4, shape);
    return CC_OK;
}

cc_status cc_lower_stft(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_STFT);
    if (!c)
        return cc_oom(g, d);
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->nin > 2 ? n->in[2] : NULL;
    return stft_geom(g, n, &c->p.stft, d);
}

/* ------------------------------------------------------------ MelWeightMatrix */

/* The matrix of the ONNX reference implementation: num_mel_bins + 2 points
 * equally spaced on the mel scale, mel(f) = 2595 log10(1 + f / 700), between
 * the edges (spacing (high - low) / (num_mel_bins + 2)), mapped to spectrogram
 * bins floor((dft_length + 1) * hz / sample_rate); filter i rises linearly
 * from point i to point i+1 and falls to point i+2, peak 1. */
cc_status cc_infer_mel(cc_graph *g, cc_node *n, cc_diag *d)
{
    int64_t mels = 0, dft_len = 0, rate = 0;
    double lo, hi;
    cc_status st = const_scalar(g, n, 0, "num_mel_bins", &mels, d);
    if (!st)
        st = const_scalar(g, n, 1, "dft_length", &dft_len, d);
    if (!st)
        st = const_scalar(g, n, 2, "sample_rate", &rate, d);
    if (!st)
        st = const_real(g, n, 3, "lower_edge_hertz", &lo, d);
    if (!st)
        st = const_real(g, n, 4, "upper_edge_hertz", &hi, d);
    if (st)
        return st;
    if (mels < 1 || dft_len < 1 || rate < 1 || mels > (1 << 20) || dft_len > (1 << 24))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "num_mel_bins %lld, dft_length %lld and "
                            "sample_rate %lld must be positive (and of sensible size)",
                            (long long)mels, (long long)dft_len, (long long)rate);
    if (!(lo >= 0 && hi > lo && hi <= (double)rate / 2 + 1e-3))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "edges %g..%g Hz must satisfy 0 <= lower < "
                            "upper <= sample_rate / 2", lo, hi);
    int64_t to = cc_attr_int(n, "output_datatype", CC_DT_FLOAT);
    if (to != CC_DT_FLOAT)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output_datatype %s is not supported "
                            "(float32 is)", cc_dtype_name((int)to));
    int64_t spec = dft_len / 2 + 1;
    void *mem;
    if ((st = cc_alloc_const(g, n, (spec * mels + mels + 2) * (int64_t)sizeof(float), &mem, d)))
        return st;
    float *y = mem;
    int64_t *bin = cc_alloc_array(g->ctx, (size_t)mels + 2, sizeof *bin);
    if (!bin)
        return cc_oom(g, d);
    double mlo = 2595.0 * log10(1.0 + lo / 700.0), mhi = 2595.0 * log10(1.0 + hi / 700.0);
    double step = (mhi - mlo) / (double)(mels + 2);
    for (int64_t i = 0; i < mels + 2; i++) {
        double hz = 700.0 * (pow(10.0, ((double)i * step + mlo) / 2595.0) - 1.0);
        bin[i] = (int64_t)floor((double)(dft_len + 1) * hz / (double)rate);
        if (bin[i] < 0)
            bin[i] = 0;
        if (bin[i] > spec - 1)
            bin[i] = spec - 1;
    }
    for (int64_t i = 0; i < mels; i++) {
        int64_t l = bin[i], c = bin[i + 1], r = bin[i + 2];
        if (c == l)
            y[c * mels + i] = 1.0f;
        else
            for (int64_t j = l; j <= c; j++)
                y[j * mels + i] = (float)((double)(j - l) / (double)(c - l));
        for (int64_t j = c; j < r; j++)
            y[j * mels + i] = (float)((double)(r - j) / (double)(r - c));
    }
    int64_t shape[2] = {spec, mels};
    cc_set_shape(n->out[0], CC_DT_FLOAT, 2, shape);
    n->out[0]->data = y;
    return CC_OK;
}

cc_status cc_lower_mel(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)out;
    return cc_node_fail(d, g, n, CC_ERR_MODEL, "internal: MelWeightMatrix is a constant");
}

/* ------------------------------------------------------------ windows */

/* HannWindow, HammingWindow, BlackmanWindow of a constant size, computed
 * here: w[k] = a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N), N = size when
 * periodic (the default), size - 1 when symmetric (as the ops' function
 * bodies define them, with 2 pi in full precision). */
cc_status cc_infer_window(cc_graph *g, cc_node *n, cc_diag *d)
{
    int64_t size;
    cc_status st = const_scalar(g, n, 0, "size", &size, d);
    if (st)
        return st;
    if (size < 0 || size > (1 << 24))
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "size %lld is out of range", (long long)size);
    int64_t to = cc_attr_int(n, "output_datatype", CC_DT_FLOAT);
    if (to != CC_DT_FLOAT)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "output_datatype %s is not supported "
                            "(float32 is)", cc_dtype_name((int)to));
    double a0 = 0.5, a1 = 0.5, a2 = 0.0;
    if (!strcmp(n->op->name, "HammingWindow")) {
        a0 = 25.0 / 46.0;
        a1 = 1.0 - a0;
    } else if (!strcmp(n->op->name, "BlackmanWindow")) {
        a0 = 0.42;
        a1 = 0.5;
        a2 = 0.08;
    }
    double N = (double)size - (cc_attr_int(n, "periodic", 1) ? 0.0 : 1.0);
    void *mem;
    if ((st = cc_alloc_const(g, n, (size ? size : 1) * (int64_t)sizeof(float), &mem, d)))
        return st;
    float *y = mem;
    for (int64_t k = 0; k < size; k++) {
        double a = N > 0 ? 6.283185307179586476925286766559 * (double)k / N : 0.0;
        y[k] = (float)(a0 - a1 * cos(a) + a2 * cos(2.0 * a));
    }
    cc_set_shape(n->out[0], CC_DT_FLOAT, 1, &size);
    n->out[0]->data = y;
    return CC_OK;
}

cc_status cc_lower_window(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    (void)out;
    return cc_node_fail(d, g, n, CC_ERR_MODEL, "internal: a window is a constant");
}

/* ------------------------------------------------------------ Einsum */

#define EIN_ELL 0x100 /* label codes from here: the ellipsis' axes */

typedef struct {
    int nin, nout;
    int sub[2][CC_MAX_DIMS]; /* label code per input axis */
    int out[CC_MAX_DIMS];    /* label code per output axis */
} ein_eq;

/* Reads one operand's (or, rank < 0, the output's) subscripts: letters, one
 * optional "...", spaces, into codes (the ellipsis as one -2); *ell is the
 * number of axes the ellipsis covers (operands). 0, or -1 when malformed. */
static int ein_term(const char *s, const char *end, int rank, int *codes, int *count, int *ell)
{
    int nletters = 0, has_ell = 0, k = 0;
    for (const char *c = s; c < end; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) {
            nletters++;
            codes[k++] = (unsigned char)*c;
        } else if (*c == '.' && c + 2 < end && c[1] == '.' && c[2] == '.' && !has_ell) {
            has_ell = 1;
            codes[k++] = -2;
            c += 2;
        } else if (*c != ' ') {
            return -1;
        }
        if (k > CC_MAX_DIMS)
            return -1;
    }
    *count = k;
    *ell = has_ell && rank >= 0 ? rank - nletters : 0;
    if (rank >= 0 && (*ell < 0 || (!has_ell && nletters != rank)))
        return -1;
    return 0;
}

/* Expands the ellipsis placeholder of codes[0..count) into ell axes. */
static int ein_expand(int *codes, int count, int ell, int *out)
{
    int k = 0;
    for (int i = 0; i < count; i++) {
        if (codes[i] == -2) {
            for (int e = 0; e < ell; e++)
                out[k++] = EIN_ELL + (ell - 1 - e); /* numbered from the right */
        } else {
            out[k++] = codes[i];
        }
        if (k > CC_MAX_DIMS)
            return -1;
    }
    return k;
}

static cc_status ein_parse(cc_graph *g, cc_node *n, ein_eq *e, int *ell_max, cc_diag *d)
{
    const char *eq = cc_attr_str(n, "equation", NULL);
    if (!eq)
        return cc_node_fail(d, g, n, CC_ERR_MODEL, "attribute equation is missing");
    memset(e, 0, sizeof *e);
    e->nin = n->nin;
    if (e->nin < 1 || e->nin > 2)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "Einsum of %d operands is not "
                            "supported (1 or 2 are)", n->nin);
    const char *arrow = strstr(eq, "->");
    const char *lhs_end = arrow ? arrow : eq + strlen(eq);
    const char *p = eq;
    *ell_max = 0;
    for (int k = 0; k < e->nin; k++) {
        const char *comma = memchr(p, ',', (size_t)(lhs_end - p));
        const char *end = k + 1 < e->nin ? comma : lhs_end;
        if (!end || (k + 1 == e->nin && comma))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "equation '%.100s' does not have %d "
                                "operands", eq, e->nin);
        int codes[CC_MAX_DIMS + 1], cnt, ell;
        if (ein_term(p, end, n->in[k]->rank, codes, &cnt, &ell) ||
            ein_expand(codes, cnt, ell, e->sub[k]) != n->in[k]->rank)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "equation '%.100s': operand %d's "
                                "subscripts do not match its rank %d", eq, k, n->in[k]->rank);
        if (ell > *ell_max)
            *ell_max = ell;
        p = end + 1;
    }
    if (arrow) {
        int codes[CC_MAX_DIMS + 1], cnt, unused;
        if (ein_term(arrow + 2, arrow + 2 + strlen(arrow + 2), -1, codes, &cnt, &unused))
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "equation '%.100s': bad output", eq);
        int k = ein_expand(codes, cnt, *ell_max, e->out);
        if (k < 0)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "equation '%.100s': bad output", eq);
        e->nout = k;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++)
                if (e->out[i] == e->out[j])
                    return cc_node_fail(d, g, n, CC_ERR_MODEL, "equation '%.100s': output "
                                        "label repeated", eq);
    } else {
        /* implicit: the ellipsis axes, then the labels seen once, sorted */
        for (int i = *ell_max - 1; i >= 0; i--)
            e->out[e->nout++] = EIN_ELL + i;
        for (int c = 'A'; c <= 'z'; c++) {
            int seen = 0;
            for (int k = 0; k < e->nin; k++)
                for (int i = 0; i < n->in[k]->rank; i++)
                    seen += e->sub[k][i] == c;
            if (seen == 1 && e->nout < CC_MAX_DIMS)
                e->out[e->nout++] = c;
        }
    }
    return CC_OK;
}

static cc_status einsum_geom(cc_graph *g, cc_node *n, rt_einsum_params *p, int64_t *yshape,
                             cc_diag *d)
{
    int dt = n->in[0]->dtype;
    /* other numeric types: rt_einsum_any_forward (cc_calls_retype) */
    if (!cc_dtype_supported(dt) || dt == CC_DT_BOOL)
        return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "element type %s is not supported "
                            "(numeric types are)", cc_dtype_name(dt));
    for (int k = 1; k < n->nin; k++)
        if (n->in[k]->dtype != dt)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "operands have different element types");
    ein_eq e;
    int ell;
    cc_status st = ein_parse(g, n, &e, &ell, d);
    if (st)
        return st;
    memset(p, 0, sizeof *p);
    p->nin = e.nin;
    p->elem = dt == CC_DT_DOUBLE ? 8 : 4;
    int labels[RT_EINSUM_MAX_LABELS] = {0};
    int nl = 0;
    /* output labels first, in output order; then the summed ones */
    for (int i = 0; i < e.nout; i++)
        labels[nl++] = e.out[i];
    for (int k = 0; k < e.nin; k++)
        for (int i = 0; i < n->in[k]->rank; i++) {
            int found = 0;
            for (int l = 0; l < nl; l++)
                found |= labels[l] == e.sub[k][i];
            if (!found) {
                if (nl == RT_EINSUM_MAX_LABELS)
                    return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "more than %d labels",
                                        RT_EINSUM_MAX_LABELS);
                labels[nl++] = e.sub[k][i];
            }
        }
    p->nlabels = nl;
    p->nout = e.nout;
    /* extents: the largest over the label's axes; a letter's axes must all
     * agree, an ellipsis axis may be 1 (broadcast: stride 0) */
    for (int l = 0; l < nl; l++)
        p->extent[l] = 1;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < e.nin; k++) {
            const cc_tensor *t = n->in[k];
            int64_t stride = 1;
            for (int i = t->rank - 1; i >= 0; i--) {
                int l = 0;
                while (l < nl - 1 && labels[l] != e.sub[k][i])
                    l++;
                int64_t ext = t->shape[i];
                if (pass == 0 && ext > p->extent[l])
                    p->extent[l] = ext;
                if (pass == 1) {
                    if (ext != p->extent[l] && (labels[l] < EIN_ELL || ext != 1))
                        return cc_node_fail(d, g, n, CC_ERR_MODEL, "label '%c' has extents "
                                            "%lld and %lld", labels[l] < EIN_ELL ? labels[l] : '.',
                                            (long long)ext, (long long)p->extent[l]);
                    if (ext == p->extent[l])
                        (k ? p->bstride : p->astride)[l] += stride;
                }
                stride *= ext;
            }
        }
    for (int i = 0; i < e.nout; i++) {
        int found = 0;
        for (int k = 0; k < e.nin; k++)
            for (int j = 0; j < n->in[k]->rank; j++)
                found |= e.sub[k][j] == e.out[i];
        if (!found)
            return cc_node_fail(d, g, n, CC_ERR_MODEL, "output label '%c' is in no operand",
                                e.out[i] < EIN_ELL ? e.out[i] : '.');
        yshape[i] = p->extent[i];
    }
    return CC_OK;
}

cc_status cc_infer_einsum(cc_graph *g, cc_node *n, cc_diag *d)
{
    rt_einsum_params p;
    int64_t shape[CC_MAX_DIMS];
    cc_status st = einsum_geom(g, n, &p, shape, d);
    if (st)
        return st;
    cc_set_shape(n->out[0], n->in[0]->dtype, p.nout, shape);
    return CC_OK;
}

cc_status cc_lower_einsum(cc_graph *g, cc_node *n, cc_calls *out, cc_diag *d)
{
    cc_call *c = cc_calls_add(out, CC_K_EINSUM);
    if (!c)
        return cc_oom(g, d);
    int64_t shape[CC_MAX_DIMS];
    c->args[0] = n->out[0];
    c->args[1] = n->in[0];
    c->args[2] = n->nin > 1 ? n->in[1] : NULL;
    return einsum_geom(g, n, &c->p.ein, shape, d);
}
