/*
 * call.c - the table of runtime kernels: for each kind of cc_call, the C
 * function it calls, how to run it at compile time (constant folding) and
 * how to print its parameter block in generated code. Lowering, folding and
 * emission all go through here, so a kernel is described once.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cc.h"

typedef void (*param_printer)(FILE *f, const cc_call *c);

typedef struct {
    const char *fn;         /* runtime function                               */
    const char *ptype;      /* its parameter struct, NULL for plain sizes     */
    int nargs;              /* pointer arguments, output first                */
    const char *argtype[CC_CALL_MAX_ARGS]; /* C type of each pointer argument */
    param_printer print;    /* the struct's fields, or (ptype NULL) the
                               trailing scalar arguments, each after ", "     */
} kernel_info;

/* ------------------------------------------------------------ literals */

void cc_print_float(FILE *f, float v)
{
    if (isnan(v))
        fputs(signbit(v) ? "(-NAN)" : "NAN", f);
    else if (isinf(v))
        fputs(v < 0 ? "(-INFINITY)" : "INFINITY", f);
    else {
        char buf[48];
        snprintf(buf, sizeof buf, "%.9g", (double)v);
        /* make sure it reads back as a floating constant */
        fputs(buf, f);
        if (!strpbrk(buf, ".eE"))
            fputs(".0", f);
        fputc('f', f);
    }
}

static void print_i64s(FILE *f, const char *name, const int64_t *v, int n)
{
    fprintf(f, ".%s = {", name);
    for (int i = 0; i < n; i++)
        fprintf(f, i ? ", %lld" : "%lld", (long long)v[i]);
    fputs("}", f);
}

static void print_ints(FILE *f, const char *name, const int *v, int n)
{
    fprintf(f, ".%s = {", name);
    for (int i = 0; i < n; i++)
        fprintf(f, i ? ", %d" : "%d", v[i]);
    fputs("}", f);
}

static void print_fl(FILE *f, const char *name, float v)
{
    fprintf(f, ".%s = ", name);
    cc_print_float(f, v);
}

static const char *const unary_names[RT_UN_COUNT] = {
    "RT_UN_NONE", "RT_UN_RELU", "RT_UN_LEAKYRELU", "RT_UN_ELU", "RT_UN_SELU",
    "RT_UN_SIGMOID", "RT_UN_HARDSIGMOID", "RT_UN_HARDSWISH", "RT_UN_TANH",
    "RT_UN_SOFTPLUS", "RT_UN_SOFTSIGN", "RT_UN_CLIP", "RT_UN_SQRT", "RT_UN_EXP",
    "RT_UN_LOG", "RT_UN_ABS", "RT_UN_NEG", "RT_UN_RECIPROCAL", "RT_UN_AFFINE"};

static const char *const binary_names[RT_BIN_COUNT] = {
    "RT_BIN_ADD", "RT_BIN_SUB", "RT_BIN_MUL", "RT_BIN_DIV", "RT_BIN_POW",
    "RT_BIN_MAX", "RT_BIN_MIN", "RT_BIN_PRELU"};

static const char *const reduce_names[RT_RED_COUNT] = {
    "RT_RED_SUM", "RT_RED_MEAN", "RT_RED_MAX", "RT_RED_MIN", "RT_RED_PROD"};

static void print_act(FILE *f, rt_unary_op op, float a, float b)
{
    fprintf(f, ", .act = %s, ", unary_names[op]);
    print_fl(f, "act_alpha", a);
    fputs(", ", f);
    print_fl(f, "act_beta", b);
}

/* ------------------------------------------------------------ printers */

static void pr_unary(FILE *f, const cc_call *c)
{
    const rt_unary_params *p = &c->p.un;
    fprintf(f, ".op = %s, ", unary_names[p->op]);
    print_fl(f, "alpha", p->alpha);
    fputs(", ", f);
    print_fl(f, "beta", p->beta);
    fprintf(f, ", .n = %lld", (long long)p->n);
    if (p->overwrite)
        fputs(", .overwrite = 1", f);
}

static void pr_binary(FILE *f, const cc_call *c)
{
    const rt_binary_params *p = &c->p.bin;
    fprintf(f, ".op = %s, .ndim = %d, ", binary_names[p->op], p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fputs(", ", f);
    print_i64s(f, "astride", p->astride, p->ndim);
    fputs(", ", f);
    print_i64s(f, "bstride", p->bstride, p->ndim);
}

static void pr_conv(FILE *f, const cc_call *c)
{
    const rt_conv_params *p = &c->p.conv;
    fprintf(f, ".n = %d, .c = %d, .m = %d, .group = %d,\n        ", p->n, p->c, p->m, p->group);
    print_i64s(f, "in", p->in, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "out", p->out, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "k", p->k, RT_SPATIAL);
    fputs(",\n        ", f);
    print_i64s(f, "stride", p->stride, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "pad", p->pad, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "dilation", p->dilation, RT_SPATIAL);
    print_act(f, p->act, p->act_alpha, p->act_beta);
    fprintf(f, ", .accumulate = %d", p->accumulate);
    if (p->wt == 1 && p->group > 1)   /* dscnn: a channel-last depthwise 3x3 */
        fputs(", .wt = 1 /* w stored transposed, [9][c] */", f);
    else if (p->wt == 1)
        fputs(", .wt = 1 /* w stored transposed, [c][m] */", f);
    else if (p->wt == 2)        /* infer3 */
        fputs(", .wt = 2 /* w = Winograd U */", f);
    if (p->overwrite)
        fputs(", .overwrite = 1", f);
    if (p->hwc)                 /* dscnn */
        fprintf(f, ", .hwc = %d /* channel-last:%s%s */", p->hwc,
                p->hwc & RT_CONV_X_HWC ? " x" : "", p->hwc & RT_CONV_Y_HWC ? " y" : "");
    if (p->relu_dx)             /* r8elt */
        fputs(", .relu_dx = 1 /* dx masked by x > 0 */", f);
}

static void pr_pool_fields(FILE *f, const rt_pool_params *p)
{
    fprintf(f, ".n = %d, .c = %d,\n        ", p->n, p->c);
    print_i64s(f, "in", p->in, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "out", p->out, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "k", p->k, RT_SPATIAL);
    fputs(",\n        ", f);
    print_i64s(f, "stride", p->stride, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "pad", p->pad, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "pad_end", p->pad_end, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "dilation", p->dilation, RT_SPATIAL);
    fprintf(f, ", .count_include_pad = %d", p->count_include_pad);
}

static void pr_pool(FILE *f, const cc_call *c)
{
    pr_pool_fields(f, &c->p.pool);
}

static void pr_gemm(FILE *f, const cc_call *c)
{
    const rt_gemm_params *p = &c->p.gemm;
    fprintf(f, ".m = %lld, .n = %lld, .k = %lld, .trans_a = %d, .trans_b = %d, ",
            (long long)p->m, (long long)p->n, (long long)p->k, p->trans_a, p->trans_b);
    print_fl(f, "alpha", p->alpha);
    fputs(", ", f);
    print_fl(f, "beta", p->beta);
    fprintf(f, ", .c_rs = %lld, .c_cs = %lld", (long long)p->c_rs, (long long)p->c_cs);
    print_act(f, p->act, p->act_alpha, p->act_beta);
}

static void pr_matmul(FILE *f, const cc_call *c)
{
    const rt_matmul_params *p = &c->p.mm;
    fprintf(f, ".batch_ndim = %d, ", p->batch_ndim);
    if (p->batch_ndim) {
        print_i64s(f, "batch", p->batch, p->batch_ndim);
        fputs(", ", f);
        print_i64s(f, "a_bstride", p->a_bstride, p->batch_ndim);
        fputs(", ", f);
        print_i64s(f, "b_bstride", p->b_bstride, p->batch_ndim);
        fputs(", ", f);
    }
    fprintf(f, ".m = %lld, .n = %lld, .k = %lld", (long long)p->m, (long long)p->n,
            (long long)p->k);
}

static void pr_norm(FILE *f, const cc_call *c)
{
    const rt_norm_params *p = &c->p.norm;
    fprintf(f, ".n = %lld, .c = %lld, .size = %lld, ", (long long)p->n, (long long)p->c,
            (long long)p->size);
    print_fl(f, "eps", p->eps);
    if (p->overwrite)
        fputs(", .overwrite = 1", f);
    if (p->relu)
        fputs(", .relu = 1", f);
}

static void pr_lrn(FILE *f, const cc_call *c)
{
    const rt_lrn_params *p = &c->p.lrn;
    fprintf(f, ".n = %lld, .c = %lld, .size = %lld, .window = %lld, ", (long long)p->n,
            (long long)p->c, (long long)p->size, (long long)p->window);
    print_fl(f, "alpha", p->alpha);
    fputs(", ", f);
    print_fl(f, "beta", p->beta);
    fputs(", ", f);
    print_fl(f, "bias", p->bias);
}

static void pr_softmax(FILE *f, const cc_call *c)
{
    const rt_softmax_params *p = &c->p.sm;
    fprintf(f, ".outer = %lld, .len = %lld, .inner = %lld, .log = %d", (long long)p->outer,
            (long long)p->len, (long long)p->inner, p->log);
}

static void pr_reduce(FILE *f, const cc_call *c)
{
    const rt_reduce_params *p = &c->p.red;
    fprintf(f, ".op = %s, .ndim = %d, ", reduce_names[p->op], p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fputs(", ", f);
    print_ints(f, "reduce", p->reduce, p->ndim);
}

static void pr_copy(FILE *f, const cc_call *c)
{
    const rt_copy_params *p = &c->p.copy;
    fprintf(f, ".elem_size = %d, .ndim = %d, ", p->elem_size, p->ndim);
    if (p->ndim) {
        print_i64s(f, "shape", p->shape, p->ndim);
        fputs(", ", f);
        print_i64s(f, "ystride", p->ystride, p->ndim);
        fputs(", ", f);
        print_i64s(f, "xstride", p->xstride, p->ndim);
        fputs(", ", f);
    }
    fprintf(f, ".yoff = %lld, .xoff = %lld", (long long)p->yoff, (long long)p->xoff);
}

static void pr_pad(FILE *f, const cc_call *c)
{
    static const char *const modes[] = {"RT_PAD_CONSTANT", "RT_PAD_REFLECT", "RT_PAD_EDGE"};
    const rt_pad_params *p = &c->p.pad;
    fprintf(f, ".mode = %s, ", modes[p->mode]);
    print_fl(f, "value", p->value);
    fprintf(f, ", .ndim = %d, ", p->ndim);
    print_i64s(f, "in", p->in, p->ndim);
    fputs(", ", f);
    print_i64s(f, "out", p->out, p->ndim);
    fputs(", ", f);
    print_i64s(f, "pad_begin", p->pad_begin, p->ndim);
}

static void pr_gather(FILE *f, const cc_call *c)
{
    const rt_gather_params *p = &c->p.gather;
    fprintf(f, ".elem_size = %d, .outer = %lld, .axis_len = %lld, .inner = %lld, .nidx = %lld",
            p->elem_size, (long long)p->outer, (long long)p->axis_len, (long long)p->inner,
            (long long)p->nidx);
}

static const char *const dts[RT_DTYPE_COUNT] = {
    "RT_F32", "RT_I64", "RT_F64", "RT_I32", "RT_I16", "RT_I8", "RT_U8", "RT_U16", "RT_U32",
    "RT_U64", "RT_BOOL", "RT_F16", "RT_BF16"};

static void pr_cast(FILE *f, const cc_call *c)
{
    const rt_cast_params *p = &c->p.cast;
    fprintf(f, ".to = %s, .from = %s, .n = %lld", dts[p->to], dts[p->from], (long long)p->n);
    if (p->round)
        fputs(", .round = 1", f);
}

static void pr_gpool_tail(FILE *f, const cc_call *c)
{
    fprintf(f, ", %lld, %lld", (long long)c->p.gpool.nc, (long long)c->p.gpool.size);
}

static void pr_n_tail(FILE *f, const cc_call *c)
{
    fprintf(f, ", %lld", (long long)c->p.drop.n);
}

/* dropout reads the training state's generator, S->rng, in generated code */
static void pr_dropout_tail(FILE *f, const cc_call *c)
{
    fprintf(f, ", %lld, ", (long long)c->p.drop.n);
    cc_print_float(f, c->p.drop.ratio);
    fputs(", &S->rng", f);
}

static void pr_dropout_b_tail(FILE *f, const cc_call *c)
{
    fprintf(f, ", %lld, ", (long long)c->p.drop.n);
    cc_print_float(f, c->p.drop.ratio);
}

/* ------------------------------------------------------------ more ops */

static void pr_math(FILE *f, const cc_call *c)
{
    static const char *const names[RT_MATH_COUNT] = {
        "RT_MATH_SIN", "RT_MATH_COS", "RT_MATH_TAN", "RT_MATH_ASIN", "RT_MATH_ACOS",
        "RT_MATH_ATAN", "RT_MATH_SINH", "RT_MATH_COSH", "RT_MATH_ASINH", "RT_MATH_ACOSH",
        "RT_MATH_ATANH", "RT_MATH_ERF", "RT_MATH_FLOOR", "RT_MATH_CEIL", "RT_MATH_ROUND",
        "RT_MATH_SIGN", "RT_MATH_THRESHOLDED_RELU", "RT_MATH_CELU"};
    const rt_math_params *p = &c->p.math;
    fprintf(f, ".op = %s, ", names[p->op]);
    print_fl(f, "alpha", p->alpha);
    fprintf(f, ", .n = %lld", (long long)p->n);
}

static void pr_reduce_ext(FILE *f, const cc_call *c)
{
    static const char *const names[RT_REDX_COUNT] = {
        "RT_REDX_L1", "RT_REDX_L2", "RT_REDX_LOGSUM", "RT_REDX_LOGSUMEXP", "RT_REDX_SUMSQUARE"};
    const rt_reduce_ext_params *p = &c->p.redx;
    fprintf(f, ".op = %s, .ndim = %d, ", names[p->op], p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fputs(", ", f);
    print_ints(f, "reduce", p->reduce, p->ndim);
}

static void pr_arg(FILE *f, const cc_call *c)
{
    const rt_arg_params *p = &c->p.arg;
    fprintf(f, ".outer = %lld, .len = %lld, .inner = %lld, .is_min = %d, .select_last = %d",
            (long long)p->outer, (long long)p->len, (long long)p->inner, p->is_min,
            p->select_last);
}

static void pr_layernorm(FILE *f, const cc_call *c)
{
    const rt_layernorm_params *p = &c->p.ln;
    fprintf(f, ".outer = %lld, .size = %lld, ", (long long)p->outer, (long long)p->size);
    print_fl(f, "eps", p->eps);
}

static void pr_gather_el(FILE *f, const cc_call *c)
{
    const rt_gather_elements_params *p = &c->p.gel;
    fprintf(f, ".ndim = %d, .axis = %d, ", p->ndim, p->axis);
    print_i64s(f, "xshape", p->xshape, p->ndim);
    fputs(", ", f);
    print_i64s(f, "ishape", p->ishape, p->ndim);
}

static void pr_lppool(FILE *f, const cc_call *c)
{
    fputs(".pool = {", f);
    pr_pool_fields(f, &c->p.lpp.pool);
    fputs("}, ", f);
    print_fl(f, "p", c->p.lpp.p);
}

static void pr_lpnorm(FILE *f, const cc_call *c)
{
    const rt_lpnorm_params *p = &c->p.lpn;
    fprintf(f, ".outer = %lld, .len = %lld, .inner = %lld, ", (long long)p->outer,
            (long long)p->len, (long long)p->inner);
    print_fl(f, "p", p->p);
}

static void pr_dft(FILE *f, const cc_call *c)
{
    const rt_dft_params *p = &c->p.dft;
    fprintf(f, ".outer = %lld, .n = %lld, .inner = %lld, .in_c = %d, .len = %lld, .bins = %lld, "
            ".inverse = %d", (long long)p->outer, (long long)p->n, (long long)p->inner, p->in_c,
            (long long)p->len, (long long)p->bins, p->inverse);
}

static void pr_stft(FILE *f, const cc_call *c)
{
    const rt_stft_params *p = &c->p.stft;
    fprintf(f, ".batch = %lld, .len = %lld, .in_c = %d, .frames = %lld, .frame_len = %lld, "
            ".step = %lld, .bins = %lld", (long long)p->batch, (long long)p->len, p->in_c,
            (long long)p->frames, (long long)p->frame_len, (long long)p->step,
            (long long)p->bins);
}

static void pr_einsum(FILE *f, const cc_call *c)
{
    const rt_einsum_params *p = &c->p.ein;
    fprintf(f, ".nin = %d, .elem = %d, .nlabels = %d, .nout = %d,\n        ", p->nin, p->elem,
            p->nlabels, p->nout);
    print_i64s(f, "extent", p->extent, p->nlabels);
    fputs(",\n        ", f);
    print_i64s(f, "astride", p->astride, p->nlabels);
    fputs(",\n        ", f);
    print_i64s(f, "bstride", p->bstride, p->nlabels);
}

static void pr_trilu(FILE *f, const cc_call *c)
{
    const rt_trilu_params *p = &c->p.trilu;
    fprintf(f, ".elem_size = %d, .upper = %d, .batch = %lld, .rows = %lld, .cols = %lld, "
            ".k = %lld", p->elem_size, p->upper, (long long)p->batch, (long long)p->rows,
            (long long)p->cols, (long long)p->k);
}

/* ------------------------------------------------------------ ext kernels */

static void pr_nll(FILE *f, const cc_call *c)
{
    static const char *const reds[] = {"RT_REDUCTION_NONE", "RT_REDUCTION_SUM",
                                       "RT_REDUCTION_MEAN"};
    const rt_nll_params *p = &c->p.nll;
    fprintf(f, ".n = %lld, .c = %lld, .inner = %lld, .reduction = %s, .has_ignore = %d, "
            ".ignore_index = %lld", (long long)p->n, (long long)p->c, (long long)p->inner,
            reds[p->reduction], p->has_ignore, (long long)p->ignore_index);
}

static void pr_rnn(FILE *f, const cc_call *c)
{
    static const char *const kinds[] = {"RT_RNN_RNN", "RT_RNN_GRU", "RT_RNN_LSTM"};
    static const char *const acts[RT_RNN_ACT_COUNT] = {
        "RT_RNN_RELU", "RT_RNN_TANH", "RT_RNN_SIGMOID", "RT_RNN_AFFINE", "RT_RNN_LEAKYRELU",
        "RT_RNN_THRESHOLDEDRELU", "RT_RNN_SCALEDTANH", "RT_RNN_HARDSIGMOID", "RT_RNN_ELU",
        "RT_RNN_SOFTSIGN", "RT_RNN_SOFTPLUS"};
    const rt_rnn_params *p = &c->p.rnn;
    fprintf(f, ".kind = %s, .dirs = %d, .reverse = %d, .layout = %d, .linear_before_reset = %d, "
            ".input_forget = %d,\n        .seq = %lld, .batch = %lld, .input = %lld, "
            ".hidden = %lld, ", kinds[p->kind], p->dirs, p->reverse, p->layout,
            p->linear_before_reset, p->input_forget, (long long)p->seq, (long long)p->batch,
            (long long)p->input, (long long)p->hidden);
    print_fl(f, "clip", p->clip);
    fputs(",\n        .act = {", f);
    for (int d = 0; d < 2; d++)
        fprintf(f, "%s{%s, %s, %s}", d ? ", " : "", acts[p->act[d][0]], acts[p->act[d][1]],
                acts[p->act[d][2]]);
    fputs("},\n        .alpha = {", f);
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < 3; i++) {
            fputs(i ? ", " : d ? "}, {" : "{", f);
            cc_print_float(f, p->alpha[d][i]);
        }
    fputs("}}, .beta = {", f);
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < 3; i++) {
            fputs(i ? ", " : d ? "}, {" : "{", f);
            cc_print_float(f, p->beta[d][i]);
        }
    fputs("}}", f);
}

static void pr_resize(FILE *f, const cc_call *c)
{
    static const char *const modes[] = {"RT_RESIZE_NEAREST", "RT_RESIZE_LINEAR",
                                        "RT_RESIZE_CUBIC"};
    static const char *const coords[] = {
        "RT_COORD_HALF_PIXEL", "RT_COORD_PYTORCH_HALF_PIXEL", "RT_COORD_ALIGN_CORNERS",
        "RT_COORD_ASYMMETRIC", "RT_COORD_TF_HALF_PIXEL_FOR_NN", "RT_COORD_TF_CROP_AND_RESIZE"};
    static const char *const nearest[] = {
        "RT_NEAREST_ROUND_PREFER_FLOOR", "RT_NEAREST_ROUND_PREFER_CEIL", "RT_NEAREST_FLOOR",
        "RT_NEAREST_CEIL", "RT_NEAREST_SIMPLE"};
    const rt_resize_params *p = &c->p.resize;
    fprintf(f, ".mode = %s, .coord = %s, .nearest = %s, ", modes[p->mode], coords[p->coord],
            nearest[p->nearest]);
    print_fl(f, "cubic_a", p->cubic_a);
    fprintf(f, ", .exclude_outside = %d, ", p->exclude_outside);
    print_fl(f, "extrapolation", p->extrapolation);
    fprintf(f, ",\n        .ndim = %d, ", p->ndim);
    print_i64s(f, "in", p->in, p->ndim);
    fputs(", ", f);
    print_i64s(f, "out", p->out, p->ndim);
    fputs(", .scale = {", f);
    for (int i = 0; i < p->ndim; i++)
        fprintf(f, i ? ", %.17g" : "%.17g", p->scale[i]);
    fputs("}", f);
}

static const char *const scatter_reds[] = {"RT_SCATTER_NONE", "RT_SCATTER_ADD",
                                           "RT_SCATTER_MUL", "RT_SCATTER_MAX", "RT_SCATTER_MIN"};

static void pr_scatter_el(FILE *f, const cc_call *c)
{
    const rt_scatter_elements_params *p = &c->p.scat;
    fprintf(f, ".ndim = %d, .axis = %d, .reduction = %s, ", p->ndim, p->axis,
            scatter_reds[p->reduction]);
    print_i64s(f, "xshape", p->xshape, p->ndim);
    fputs(", ", f);
    print_i64s(f, "ishape", p->ishape, p->ndim);
}

static void pr_scatternd(FILE *f, const cc_call *c)
{
    const rt_scatternd_params *p = &c->p.scatnd;
    fprintf(f, ".ndim = %d, .k = %d, .reduction = %s, ", p->ndim, p->k,
            scatter_reds[p->reduction]);
    print_i64s(f, "xshape", p->xshape, p->ndim);
    fprintf(f, ", .nupd = %lld, .slice = %lld", (long long)p->nupd, (long long)p->slice);
}

static void pr_gathernd(FILE *f, const cc_call *c)
{
    const rt_gathernd_params *p = &c->p.gnd;
    fprintf(f, ".elem_size = %d, .k = %d, .batch = %lld, .nidx = %lld, .slice = %lld, "
            ".batch_stride = %lld, ", p->elem_size, p->k, (long long)p->batch,
            (long long)p->nidx, (long long)p->slice, (long long)p->batch_stride);
    print_i64s(f, "dims", p->dims, p->k);
}

static void pr_topk(FILE *f, const cc_call *c)
{
    const rt_topk_params *p = &c->p.topk;
    fprintf(f, ".outer = %lld, .len = %lld, .inner = %lld, .k = %lld, .largest = %d",
            (long long)p->outer, (long long)p->len, (long long)p->inner, (long long)p->k,
            p->largest);
}

static void pr_onehot(FILE *f, const cc_call *c)
{
    const rt_onehot_params *p = &c->p.onehot;
    fprintf(f, ".outer = %lld, .depth = %lld, .inner = %lld, .idx_float = %d",
            (long long)p->outer, (long long)p->depth, (long long)p->inner, p->idx_float);
}

static void pr_unpool(FILE *f, const cc_call *c)
{
    const rt_unpool_params *p = &c->p.unpool;
    fprintf(f, ".nx = %lld, .planes = %lld, ", (long long)p->nx, (long long)p->planes);
    print_i64s(f, "din", p->din, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "dout", p->dout, RT_SPATIAL);
}

static void pr_maxpool_idx(FILE *f, const cc_call *c)
{
    fputs(".pool = {", f);
    pr_pool_fields(f, &c->p.mpi.pool);
    fprintf(f, "}, .storage_order = %d", c->p.mpi.storage_order);
}

static void pr_shrink(FILE *f, const cc_call *c)
{
    print_fl(f, "lambd", c->p.shrink.lambd);
    fputs(", ", f);
    print_fl(f, "bias", c->p.shrink.bias);
    fprintf(f, ", .n = %lld", (long long)c->p.shrink.n);
}

static void pr_revseq(FILE *f, const cc_call *c)
{
    const rt_reverse_sequence_params *p = &c->p.revseq;
    fprintf(f, ".time_axis = %d, .time = %lld, .batch = %lld, .inner = %lld", p->time_axis,
            (long long)p->time, (long long)p->batch, (long long)p->inner);
}

static void pr_det(FILE *f, const cc_call *c)
{
    fprintf(f, ".batch = %lld, .n = %lld", (long long)c->p.det.batch, (long long)c->p.det.n);
}

static void pr_gridsample(FILE *f, const cc_call *c)
{
    static const char *const modes[] = {"RT_GS_BILINEAR", "RT_GS_NEAREST", "RT_GS_BICUBIC"};
    static const char *const pads[] = {"RT_GS_ZEROS", "RT_GS_BORDER", "RT_GS_REFLECTION"};
    const rt_gridsample_params *p = &c->p.gs;
    fprintf(f, ".mode = %s, .padding = %s, .align_corners = %d, .n = %lld, .c = %lld, "
            ".h = %lld, .w = %lld, .oh = %lld, .ow = %lld", modes[p->mode], pads[p->padding],
            p->align_corners, (long long)p->n, (long long)p->c, (long long)p->h,
            (long long)p->w, (long long)p->oh, (long long)p->ow);
}

static void pr_roialign(FILE *f, const cc_call *c)
{
    const rt_roialign_params *p = &c->p.roi;
    fprintf(f, ".n = %lld, .c = %lld, .h = %lld, .w = %lld, .nroi = %lld, .oh = %lld, "
            ".ow = %lld, .sampling_ratio = %lld, ", (long long)p->n, (long long)p->c,
            (long long)p->h, (long long)p->w, (long long)p->nroi, (long long)p->oh,
            (long long)p->ow, (long long)p->sampling_ratio);
    print_fl(f, "spatial_scale", p->spatial_scale);
    fprintf(f, ", .max_mode = %d, .half_pixel = %d", p->max_mode, p->half_pixel);
}

/* ------------------------------------------------------------ typed kernels */

static const char *const ew_names[RT_EW_COUNT] = {
    "RT_EW_ADD", "RT_EW_SUB", "RT_EW_MUL", "RT_EW_DIV", "RT_EW_POW", "RT_EW_MAX", "RT_EW_MIN",
    "RT_EW_MOD", "RT_EW_FMOD", "RT_EW_AND", "RT_EW_OR", "RT_EW_XOR", "RT_EW_SHL", "RT_EW_SHR",
    "RT_EW_EQ", "RT_EW_LT", "RT_EW_GT", "RT_EW_LE", "RT_EW_GE", "RT_EW_PRELU"};

static void pr_ew_binary(FILE *f, const cc_call *c)
{
    const rt_ewise_binary_params *p = &c->p.ewb;
    fprintf(f, ".op = %s, .type = %s, .btype = %s, .ndim = %d, ", ew_names[p->op], dts[p->type],
            dts[p->btype], p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fputs(", ", f);
    print_i64s(f, "astride", p->astride, p->ndim);
    fputs(", ", f);
    print_i64s(f, "bstride", p->bstride, p->ndim);
}

static void pr_ew_unary(FILE *f, const cc_call *c)
{
    static const char *const names[RT_EU_COUNT] = {
        "RT_EU_NEG", "RT_EU_ABS", "RT_EU_SIGN", "RT_EU_NOT", "RT_EU_ISNAN", "RT_EU_ISINF",
        "RT_EU_CLIP", "RT_EU_COPY", "RT_EU_DIV"};
    const rt_ewise_unary_params *p = &c->p.ewu;
    fprintf(f, ".op = %s, .type = %s, .flags = %d, .n = %lld", names[p->op], dts[p->type],
            p->flags, (long long)p->n);
    if (p->op == RT_EU_CLIP) /* finite bounds only (integer clips use ilo / ihi) */
        fprintf(f, ", .lo = %.17g, .hi = %.17g, .ilo = %lld, .ihi = %lld", p->lo, p->hi,
                (long long)p->ilo, (long long)p->ihi);
    if (p->op == RT_EU_DIV) /* a count: exact in %.17g */
        fprintf(f, ", .lo = %.17g", p->lo);
}

static void pr_where(FILE *f, const cc_call *c)
{
    const rt_where_params *p = &c->p.where;
    fprintf(f, ".elem_size = %d, .ndim = %d, ", p->elem_size, p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fputs(", ", f);
    print_i64s(f, "cstride", p->cstride, p->ndim);
    fputs(", ", f);
    print_i64s(f, "astride", p->astride, p->ndim);
    fputs(", ", f);
    print_i64s(f, "bstride", p->bstride, p->ndim);
}

static void pr_ew_reduce(FILE *f, const cc_call *c)
{
    const rt_ewise_reduce_params *p = &c->p.ewr;
    fprintf(f, ".op = %d, .ext = %d, .type = %s, .ndim = %d, ", p->op, p->ext, dts[p->type],
            p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fputs(", ", f);
    print_ints(f, "reduce", p->reduce, p->ndim);
}

static void pr_cumsum(FILE *f, const cc_call *c)
{
    const rt_cumsum_params *p = &c->p.cumsum;
    fprintf(f, ".type = %s, .exclusive = %d, .reverse = %d, .ndim = %d, ", dts[p->type],
            p->exclusive, p->reverse, p->ndim);
    print_i64s(f, "shape", p->shape, p->ndim);
    fprintf(f, ", .axis = %d, .axis_type = %s", p->axis, dts[p->axis_type]);
}

static void pr_pad_any(FILE *f, const cc_call *c)
{
    static const char *const modes[] = {"RT_PAD_CONSTANT", "RT_PAD_REFLECT", "RT_PAD_EDGE"};
    const rt_pad_any_params *p = &c->p.pad_any;
    fprintf(f, ".mode = %s, .elem_size = %d, .value = {", modes[p->mode], p->elem_size);
    for (int i = 0; i < 8; i++)
        fprintf(f, i ? ", %u" : "%u", (unsigned)p->value[i]);
    fprintf(f, "}, .ndim = %d, ", p->ndim);
    print_i64s(f, "in", p->in, p->ndim);
    fputs(", ", f);
    print_i64s(f, "out", p->out, p->ndim);
    fputs(", ", f);
    print_i64s(f, "pad_begin", p->pad_begin, p->ndim);
}

/* rt_pool_any_params starts with the rt_pool_params that pr_pool prints
 * (the union's pool and pool_any.pool share their storage) */
static void pr_pool_any(FILE *f, const cc_call *c)
{
    fputs(".pool = {", f);
    pr_pool(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.pool_any.type]);
}

static void pr_matmul_any(FILE *f, const cc_call *c)
{
    fputs(".mm = {", f);
    pr_matmul(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.mma.type]);
}

static void pr_arg_any(FILE *f, const cc_call *c)
{
    fputs(".arg = {", f);
    pr_arg(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.arga.type]);
}

static void pr_gather_any(FILE *f, const cc_call *c)
{
    fputs(".gather = {", f);
    pr_gather(f, c);
    fprintf(f, "}, .idx_type = %s", dts[c->p.gather_any.idx_type]);
}

/* indexing kernels of any type (types3): the float32 parameters, then the type */
static void pr_scat_any(FILE *f, const cc_call *c)
{
    fputs(".scat = {", f);
    pr_scatter_el(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.scat_any.type]);
}

static void pr_scatnd_any(FILE *f, const cc_call *c)
{
    fputs(".scatnd = {", f);
    pr_scatternd(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.scatnd_any.type]);
}

static void pr_topk_any(FILE *f, const cc_call *c)
{
    fputs(".topk = {", f);
    pr_topk(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.topk_any.type]);
}

static void pr_onehot_any(FILE *f, const cc_call *c)
{
    fputs(".onehot = {", f);
    pr_onehot(f, c);
    fprintf(f, "}, .idx_type = %s, .type = %s", dts[c->p.onehot_any.idx_type],
            dts[c->p.onehot_any.type]);
}

static void pr_shrink_any(FILE *f, const cc_call *c)
{
    fputs(".shrink = {", f);
    pr_shrink(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.shrink_any.type]);
}

static void pr_gel_any(FILE *f, const cc_call *c)
{
    fputs(".gel = {", f);
    pr_gather_el(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.gel_any.type]);
}

static void pr_gemm_any(FILE *f, const cc_call *c)
{
    fputs(".gemm = {", f);
    pr_gemm(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.gemm_any.type]);
}

static void pr_resize_any(FILE *f, const cc_call *c)
{
    fputs(".resize = {", f);
    pr_resize(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.resize_any.type]);
}

static void pr_unpool_any(FILE *f, const cc_call *c)
{
    fputs(".unpool = {", f);
    pr_unpool(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.unpool_any.type]);
}

static void pr_einsum_any(FILE *f, const cc_call *c)
{
    fputs(".ein = {", f);
    pr_einsum(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.ein_any.type]);
}

static void pr_revseq_any(FILE *f, const cc_call *c)
{
    fputs(".revseq = {", f);
    pr_revseq(f, c);
    fprintf(f, "}, .type = %s", dts[c->p.revseq_any.type]);
}

/* quant kernels */

static const char *const qtype_names[] = {"RT_QT_U8", "RT_QT_I8", "RT_QT_I32", "RT_QT_F32"};

static void pr_quant(FILE *f, const cc_call *c)
{
    const rt_quant_params *p = &c->p.quant;
    fprintf(f, ".outer = %lld, .len = %lld, .inner = %lld, .per_axis = %d, .type = %s",
            (long long)p->outer, (long long)p->len, (long long)p->inner, p->per_axis,
            qtype_names[p->type]);
}

static void pr_dynq_tail(FILE *f, const cc_call *c)
{
    fprintf(f, ", %lld", (long long)c->p.dynq.n);
}

static void pr_qconv(FILE *f, const cc_call *c)
{
    const rt_qconv_params *p = &c->p.qconv;
    fprintf(f, ".n = %d, .c = %d, .m = %d, .group = %d,\n        ", p->n, p->c, p->m, p->group);
    print_i64s(f, "in", p->in, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "out", p->out, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "k", p->k, RT_SPATIAL);
    fputs(",\n        ", f);
    print_i64s(f, "stride", p->stride, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "pad", p->pad, RT_SPATIAL);
    fputs(", ", f);
    print_i64s(f, "dilation", p->dilation, RT_SPATIAL);
    fprintf(f, ",\n        .xtype = %s, .wtype = %s, .ytype = %s, .w_per_channel = %d, "
            ".relu = %d", qtype_names[p->xtype], qtype_names[p->wtype], qtype_names[p->ytype],
            p->w_per_channel, p->relu);
}

static void pr_qmatmul(FILE *f, const cc_call *c)
{
    const rt_qmatmul_params *p = &c->p.qmm;
    fprintf(f, ".batch_ndim = %d, ", p->batch_ndim);
    if (p->batch_ndim) {
        print_i64s(f, "batch", p->batch, p->batch_ndim);
        fputs(", ", f);
        print_i64s(f, "a_bstride", p->a_bstride, p->batch_ndim);
        fputs(", ", f);
        print_i64s(f, "b_bstride", p->b_bstride, p->batch_ndim);
        fputs(", ", f);
    }
    fprintf(f, ".m = %lld, .n = %lld, .k = %lld,\n        .atype = %s, .btype = %s, "
            ".ytype = %s, .a_per_row = %d, .b_per_col = %d, .relu = %d", (long long)p->m,
            (long long)p->n, (long long)p->k, qtype_names[p->atype], qtype_names[p->btype],
            qtype_names[p->ytype], p->a_per_row, p->b_per_col, p->relu);
}

static void pr_qpool(FILE *f, const cc_call *c)
{
    cc_call tmp = *c;
    tmp.p.pool = c->p.qpool.pool;
    fputs(".pool = {", f);
    pr_pool(f, &tmp);
    fprintf(f, "}, .type = %s", qtype_names[c->p.qpool.type]);
}

static void pr_ew_fn(FILE *f, const cc_call *c)
{
    static const char *const math_names[RT_MATH_COUNT] = {
        "RT_MATH_SIN", "RT_MATH_COS", "RT_MATH_TAN", "RT_MATH_ASIN", "RT_MATH_ACOS",
        "RT_MATH_ATAN", "RT_MATH_SINH", "RT_MATH_COSH", "RT_MATH_ASINH", "RT_MATH_ACOSH",
        "RT_MATH_ATANH", "RT_MATH_ERF", "RT_MATH_FLOOR", "RT_MATH_CEIL", "RT_MATH_ROUND",
        "RT_MATH_SIGN", "RT_MATH_THRESHOLDED_RELU", "RT_MATH_CELU"};
    const rt_ewise_fn_params *p = &c->p.ewf;
    fprintf(f, ".math = %d, .op = %s, ", p->math,
            p->math ? math_names[p->op] : unary_names[p->op]);
    print_fl(f, "alpha", p->alpha);
    fputs(", ", f);
    print_fl(f, "beta", p->beta);
    fprintf(f, ", .type = %s, .n = %lld", dts[p->type], (long long)p->n);
}

/* r8fwd */
static void pr_add_relu(FILE *f, const cc_call *c)
{
    const rt_add_relu_params *p = &c->p.addrelu;
    fprintf(f, ".n = %lld", (long long)p->n);
    if (p->overwrite_a)
        fputs(", .overwrite_a = 1", f);
    if (p->overwrite_b)
        fputs(", .overwrite_b = 1", f);
}

/* ------------------------------------------------------------ the table */

#define F "float *"
#define CF "const float *"
#define V "void *"
#define CV "const void *"
#define CI "const int64_t *"
#define D "double *"
#define CD "const double *"

static const kernel_info kernels[CC_K_COUNT] = {
    [CC_K_UNARY] = {"rt_unary_forward", "rt_unary_params", 2, {F, CF}, pr_unary},
    [CC_K_BINARY] = {"rt_binary_forward", "rt_binary_params", 3, {F, CF, CF}, pr_binary},
    [CC_K_CONV] = {"rt_conv_forward", "rt_conv_params", 4, {F, CF, CF, CF}, pr_conv},
    [CC_K_CONV_T] = {"rt_conv_transpose_forward", "rt_conv_params", 4, {F, CF, CF, CF}, pr_conv},
    [CC_K_MAXPOOL] = {"rt_maxpool_forward", "rt_pool_params", 2, {F, CF}, pr_pool},
    [CC_K_AVGPOOL] = {"rt_avgpool_forward", "rt_pool_params", 2, {F, CF}, pr_pool},
    [CC_K_GAVGPOOL] = {"rt_global_avgpool_forward", NULL, 2, {F, CF}, pr_gpool_tail},
    [CC_K_GMAXPOOL] = {"rt_global_maxpool_forward", NULL, 2, {F, CF}, pr_gpool_tail},
    [CC_K_GEMM] = {"rt_gemm_forward", "rt_gemm_params", 4, {F, CF, CF, CF}, pr_gemm},
    [CC_K_MATMUL] = {"rt_matmul_forward", "rt_matmul_params", 3, {F, CF, CF}, pr_matmul},
    [CC_K_BATCHNORM] = {"rt_batchnorm_forward", "rt_norm_params", 6, {F, CF, CF, CF, CF, CF},
                        pr_norm},
    [CC_K_INSTNORM] = {"rt_instancenorm_forward", "rt_norm_params", 4, {F, CF, CF, CF}, pr_norm},
    [CC_K_LRN] = {"rt_lrn_forward", "rt_lrn_params", 2, {F, CF}, pr_lrn},
    [CC_K_SOFTMAX] = {"rt_softmax_forward", "rt_softmax_params", 2, {F, CF}, pr_softmax},
    [CC_K_REDUCE] = {"rt_reduce_forward", "rt_reduce_params", 2, {F, CF}, pr_reduce},
    [CC_K_COPY] = {"rt_copy_strided", "rt_copy_params", 2, {V, CV}, pr_copy},
    [CC_K_PAD] = {"rt_pad_forward", "rt_pad_params", 2, {F, CF}, pr_pad},
    [CC_K_GATHER] = {"rt_gather_forward", "rt_gather_params", 3, {V, CV, CI}, pr_gather},
    [CC_K_CAST] = {"rt_cast_forward", "rt_cast_params", 2, {V, CV}, pr_cast},
    [CC_K_ZERO] = {"rt_zero", NULL, 1, {F}, pr_n_tail},
    [CC_K_UNARY_B] = {"rt_unary_backward", "rt_unary_params", 4, {F, CF, CF, CF}, pr_unary},
    [CC_K_BINARY_B] = {"rt_binary_backward", "rt_binary_params", 5, {F, F, CF, CF, CF},
                       pr_binary},
    [CC_K_CONV_B] = {"rt_conv_backward", "rt_conv_params", 6, {F, F, F, CF, CF, CF}, pr_conv},
    [CC_K_MAXPOOL_B] = {"rt_maxpool_backward", "rt_pool_params", 3, {F, CF, CF}, pr_pool},
    [CC_K_AVGPOOL_B] = {"rt_avgpool_backward", "rt_pool_params", 2, {F, CF}, pr_pool},
    [CC_K_GAVGPOOL_B] = {"rt_global_avgpool_backward", NULL, 2, {F, CF}, pr_gpool_tail},
    [CC_K_GMAXPOOL_B] = {"rt_global_maxpool_backward", NULL, 3, {F, CF, CF}, pr_gpool_tail},
    [CC_K_GEMM_B] = {"rt_gemm_backward", "rt_gemm_params", 6, {F, F, F, CF, CF, CF}, pr_gemm},
    [CC_K_MATMUL_B] = {"rt_matmul_backward", "rt_matmul_params", 5, {F, F, CF, CF, CF},
                       pr_matmul},
    [CC_K_SOFTMAX_B] = {"rt_softmax_backward", "rt_softmax_params", 3, {F, CF, CF}, pr_softmax},
    [CC_K_BATCHNORM_B] = {"rt_batchnorm_backward", "rt_norm_params", 8,
                          {F, F, F, CF, CF, CF, CF, CF}, pr_norm},
    [CC_K_ADD_STRIDED] = {"rt_add_strided", "rt_copy_params", 2, {F, CF}, pr_copy},
    [CC_K_PAD_B] = {"rt_pad_backward", "rt_pad_params", 2, {F, CF}, pr_pad},
    [CC_K_DROPOUT] = {"rt_dropout_forward", NULL, 3, {F, F, CF}, pr_dropout_tail},
    [CC_K_DROPOUT_B] = {"rt_dropout_backward", NULL, 3, {F, CF, CF}, pr_dropout_b_tail},
    [CC_K_MATH] = {"rt_math_forward", "rt_math_params", 2, {F, CF}, pr_math},
    [CC_K_REDUCE_EXT] = {"rt_reduce_ext_forward", "rt_reduce_ext_params", 2, {F, CF},
                         pr_reduce_ext},
    [CC_K_MVN] = {"rt_mvn_forward", "rt_reduce_ext_params", 2, {F, CF}, pr_reduce_ext},
    [CC_K_ARG] = {"rt_arg_forward", "rt_arg_params", 2, {"int64_t *", CF}, pr_arg},
    [CC_K_HARDMAX] = {"rt_hardmax_forward", "rt_softmax_params", 2, {F, CF}, pr_softmax},
    [CC_K_LAYERNORM] = {"rt_layernorm_forward", "rt_layernorm_params", 6, {F, F, F, CF, CF, CF},
                        pr_layernorm},
    [CC_K_GATHER_EL] = {"rt_gather_elements_forward", "rt_gather_elements_params", 3,
                        {F, CF, CI}, pr_gather_el},
    [CC_K_TRILU] = {"rt_trilu_forward", "rt_trilu_params", 3, {V, CV, CI}, pr_trilu},
    [CC_K_DFT] = {"rt_dft_forward", "rt_dft_params", 2, {F, CF}, pr_dft},
    [CC_K_LPPOOL] = {"rt_lppool_forward", "rt_lppool_params", 2, {F, CF}, pr_lppool},
    [CC_K_LPNORM] = {"rt_lpnorm_forward", "rt_lpnorm_params", 2, {F, CF}, pr_lpnorm},
    [CC_K_STFT] = {"rt_stft_forward", "rt_stft_params", 3, {F, CF, CF}, pr_stft},
    [CC_K_EINSUM] = {"rt_einsum_forward", "rt_einsum_params", 3, {V, CV, CV}, pr_einsum},
    /* ext kernels */
    [CC_K_NLL] = {"rt_nll_forward", "rt_nll_params", 4, {F, CF, CI, CF}, pr_nll},
    [CC_K_SCE] = {"rt_sce_forward", "rt_nll_params", 5, {F, F, CF, CI, CF}, pr_nll},
    [CC_K_RNN] = {"rt_rnn_forward", "rt_rnn_params", 12,
                  {F, F, F, F, CF, CF, CF, CF, "const int32_t *", CF, CF, CF}, pr_rnn},
    [CC_K_RESIZE] = {"rt_resize_forward", "rt_resize_params", 3, {F, CF, CF}, pr_resize},
    [CC_K_SCATTER_EL] = {"rt_scatter_elements_forward", "rt_scatter_elements_params", 4,
                         {F, CF, CI, CF}, pr_scatter_el},
    [CC_K_SCATTERND] = {"rt_scatternd_forward", "rt_scatternd_params", 4, {F, CF, CI, CF},
                        pr_scatternd},
    [CC_K_GATHERND] = {"rt_gathernd_forward", "rt_gathernd_params", 3, {V, CV, CI}, pr_gathernd},
    [CC_K_TOPK] = {"rt_topk_forward", "rt_topk_params", 3, {F, "int64_t *", CF}, pr_topk},
    [CC_K_ONEHOT] = {"rt_onehot_forward", "rt_onehot_params", 3, {F, CV, CF}, pr_onehot},
    [CC_K_MAXUNPOOL] = {"rt_maxunpool_forward", "rt_unpool_params", 3, {F, CF, CI}, pr_unpool},
    [CC_K_MAXPOOL_IDX] = {"rt_maxpool_indices_forward", "rt_maxpool_indices_params", 3,
                          {F, "int64_t *", CF}, pr_maxpool_idx},
    [CC_K_SHRINK] = {"rt_shrink_forward", "rt_shrink_params", 2, {F, CF}, pr_shrink},
    [CC_K_REVSEQ] = {"rt_reverse_sequence_forward", "rt_reverse_sequence_params", 3,
                     {F, CF, CI}, pr_revseq},
    [CC_K_DET] = {"rt_det_forward", "rt_det_params", 3, {F, "double *", CF}, pr_det},
    [CC_K_GRIDSAMPLE] = {"rt_gridsample_forward", "rt_gridsample_params", 3, {F, CF, CF},
                         pr_gridsample},
    [CC_K_ROIALIGN] = {"rt_roialign_forward", "rt_roialign_params", 4, {F, CF, CF, CI},
                       pr_roialign},
    [CC_K_EW_BINARY] = {"rt_ewise_binary", "rt_ewise_binary_params", 3, {V, CV, CV},
                        pr_ew_binary},
    [CC_K_EW_UNARY] = {"rt_ewise_unary", "rt_ewise_unary_params", 2, {V, CV}, pr_ew_unary},
    [CC_K_WHERE] = {"rt_where_forward", "rt_where_params", 4, {V, "const uint8_t *", CV, CV},
                    pr_where},
    [CC_K_EW_REDUCE] = {"rt_ewise_reduce", "rt_ewise_reduce_params", 2, {V, CV}, pr_ew_reduce},
    [CC_K_CUMSUM] = {"rt_cumsum_forward", "rt_cumsum_params", 3, {V, CV, CV}, pr_cumsum},
    [CC_K_PAD_ANY] = {"rt_pad_any_forward", "rt_pad_any_params", 2, {V, CV}, pr_pad_any},
    [CC_K_MAXPOOL_ANY] = {"rt_maxpool_any_forward", "rt_pool_any_params", 2, {V, CV},
                          pr_pool_any},
    [CC_K_GATHER_ANY] = {"rt_gather_any_forward", "rt_gather_any_params", 3, {V, CV, CV},
                         pr_gather_any},
    [CC_K_QUANTIZE] = {"rt_quantize_linear", "rt_quant_params", 4, {V, CF, CF, CV}, pr_quant},
    [CC_K_DEQUANTIZE] = {"rt_dequantize_linear", "rt_quant_params", 4, {F, CV, CF, CV},
                         pr_quant},
    [CC_K_DYNQUANT] = {"rt_dynamic_quantize_linear", NULL, 4,
                       {"uint8_t *", F, "uint8_t *", CF}, pr_dynq_tail},
    [CC_K_QCONV] = {"rt_qlinear_conv_forward", "rt_qconv_params", 10,
                    {V, CV, CF, CV, CV, CF, CV, CF, CV, "const int32_t *"}, pr_qconv},
    [CC_K_CONV_INT] = {"rt_conv_integer_forward", "rt_qconv_params", 5,
                       {"int32_t *", CV, CV, CV, CV}, pr_qconv},
    [CC_K_QMATMUL] = {"rt_qlinear_matmul_forward", "rt_qmatmul_params", 10,
                      {V, CV, CF, CV, CV, CF, CV, CF, CV, "const int32_t *"}, pr_qmatmul},
    [CC_K_MATMUL_INT] = {"rt_matmul_integer_forward", "rt_qmatmul_params", 5,
                         {"int32_t *", CV, CV, CV, CV}, pr_qmatmul},
    [CC_K_QMAXPOOL] = {"rt_qmaxpool_forward", "rt_qpool_params", 2, {V, CV}, pr_qpool},
    [CC_K_EW_FN] = {"rt_ewise_fn", "rt_ewise_fn_params", 2, {V, CV}, pr_ew_fn},
    [CC_K_STAGE] = {NULL, NULL, 1, {F}, NULL},
    [CC_K_BATCHNORM_RELU_B] = {"rt_batchnorm_relu_backward", "rt_norm_params", 9,
                               {F, F, F, CF, CF, CF, CF, CF, CF}, pr_norm},
    [CC_K_LOSS] = {NULL, NULL, 2, {F, CF}, NULL},
    [CC_K_CONV_F64] = {"rt_conv_forward_f64", "rt_conv_params", 4, {D, CD, CD, CD}, pr_conv},
    [CC_K_CONV_T_F64] = {"rt_conv_transpose_forward_f64", "rt_conv_params", 4, {D, CD, CD, CD},
                         pr_conv},
    [CC_K_AVGPOOL_F64] = {"rt_avgpool_forward_f64", "rt_pool_params", 2, {D, CD}, pr_pool},
    [CC_K_GAVGPOOL_F64] = {"rt_global_avgpool_forward_f64", NULL, 2, {D, CD}, pr_gpool_tail},
    [CC_K_GMAXPOOL_F64] = {"rt_global_maxpool_forward_f64", NULL, 2, {D, CD}, pr_gpool_tail},
    [CC_K_GEMM_F64] = {"rt_gemm_forward_f64", "rt_gemm_params", 4, {D, CD, CD, CD}, pr_gemm},
    [CC_K_BATCHNORM_F64] = {"rt_batchnorm_forward_f64", "rt_norm_params", 6,
                            {D, CD, CD, CD, CD, CD}, pr_norm},
    [CC_K_INSTNORM_F64] = {"rt_instancenorm_forward_f64", "rt_norm_params", 4, {D, CD, CD, CD},
                           pr_norm},
    [CC_K_SOFTMAX_F64] = {"rt_softmax_forward_f64", "rt_softmax_params", 2, {D, CD}, pr_softmax},
    [CC_K_HARDMAX_F64] = {"rt_hardmax_forward_f64", "rt_softmax_params", 2, {D, CD}, pr_softmax},
    [CC_K_LRN_F64] = {"rt_lrn_forward_f64", "rt_lrn_params", 2, {D, CD}, pr_lrn},
    [CC_K_LAYERNORM_F64] = {"rt_layernorm_forward_f64", "rt_layernorm_params", 6,
                            {D, F, F, CD, CD, CD}, pr_layernorm},
    [CC_K_MATMUL_ANY] = {"rt_matmul_any_forward", "rt_matmul_any_params", 3, {V, CV, CV},
                         pr_matmul_any},
    [CC_K_ARG_ANY] = {"rt_arg_any_forward", "rt_arg_any_params", 2, {"int64_t *", CV},
                      pr_arg_any},
    /* types3 */
    [CC_K_SCATTER_EL_ANY] = {"rt_scatter_elements_any_forward",
                             "rt_scatter_elements_any_params", 4, {V, CV, CI, CV}, pr_scat_any},
    [CC_K_SCATTERND_ANY] = {"rt_scatternd_any_forward", "rt_scatternd_any_params", 4,
                            {V, CV, CI, CV}, pr_scatnd_any},
    [CC_K_TOPK_ANY] = {"rt_topk_any_forward", "rt_topk_any_params", 3, {V, "int64_t *", CV},
                       pr_topk_any},
    [CC_K_ONEHOT_ANY] = {"rt_onehot_any_forward", "rt_onehot_any_params", 3, {V, CV, CV},
                         pr_onehot_any},
    [CC_K_SHRINK_ANY] = {"rt_shrink_any_forward", "rt_shrink_any_params", 2, {V, CV},
                         pr_shrink_any},
    [CC_K_REVSEQ_ANY] = {"rt_reverse_sequence_any_forward", "rt_reverse_sequence_any_params", 3,
                         {V, CV, CI}, pr_revseq_any},
    [CC_K_LPPOOL_F64] = {"rt_lppool_forward_f64", "rt_lppool_params", 2, {D, CD}, pr_lppool},
    [CC_K_LPNORM_F64] = {"rt_lpnorm_forward_f64", "rt_lpnorm_params", 2, {D, CD}, pr_lpnorm},
    [CC_K_MVN_F64] = {"rt_mvn_forward_f64", "rt_reduce_ext_params", 2, {D, CD}, pr_reduce_ext},
    [CC_K_GATHER_EL_ANY] = {"rt_gather_elements_any_forward", "rt_gather_elements_any_params", 3,
                            {V, CV, CI}, pr_gel_any},
    [CC_K_GEMM_ANY] = {"rt_gemm_any_forward", "rt_gemm_any_params", 4, {V, CV, CV, CV},
                       pr_gemm_any},
    [CC_K_RESIZE_ANY] = {"rt_resize_any_forward", "rt_resize_any_params", 3, {V, CV, CF},
                         pr_resize_any},
    [CC_K_MAXUNPOOL_ANY] = {"rt_maxunpool_any_forward", "rt_unpool_any_params", 3, {V, CV, CI},
                            pr_unpool_any},
    [CC_K_DET_F64] = {"rt_det_forward_f64", "rt_det_params", 3, {D, D, CD}, pr_det},
    [CC_K_EINSUM_ANY] = {"rt_einsum_any_forward", "rt_einsum_any_params", 3, {V, CV, CV},
                         pr_einsum_any},
    [CC_K_DFT_F64] = {"rt_dft_forward_f64", "rt_dft_params", 2, {D, CD}, pr_dft},
    [CC_K_STFT_F64] = {"rt_stft_forward_f64", "rt_stft_params", 3, {D, CD, CD}, pr_stft},
    /* types4: double losses and sampling */
    [CC_K_NLL_F64] = {"rt_nll_forward_f64", "rt_nll_params", 4, {D, CD, CI, CD}, pr_nll},
    [CC_K_SCE_F64] = {"rt_sce_forward_f64", "rt_nll_params", 5, {D, D, CD, CI, CD}, pr_nll},
    [CC_K_GRIDSAMPLE_F64] = {"rt_gridsample_forward_f64", "rt_gridsample_params", 3,
                             {D, CD, CD}, pr_gridsample},
    [CC_K_ROIALIGN_F64] = {"rt_roialign_forward_f64", "rt_roialign_params", 4, {D, CD, CD, CI},
                           pr_roialign},
    [CC_K_RNN_F64] = {"rt_rnn_forward_f64", "rt_rnn_params", 12,
                      {D, D, D, D, CD, CD, CD, CD, "const int32_t *", CD, CD, CD}, pr_rnn},
    [CC_K_QUANTIZE_I32] = {"rt_quantize_linear_i32", "rt_quant_params", 4,
                           {V, "const int32_t *", CF, CV}, pr_quant},
    /* r8fwd: the training step's forward kernels */
    [CC_K_CONV_WS] = {"rt_conv_forward_ws", "rt_conv_params", 5, {F, CF, CF, CF, F}, pr_conv},
    [CC_K_ADD_RELU] = {"rt_add_relu_forward", "rt_add_relu_params", 3, {F, CF, CF},
                       pr_add_relu},
    [CC_K_ADD_RELU_B] = {"rt_add_relu_backward", "rt_add_relu_params", 4, {F, F, CF, CF},
                         pr_add_relu},
    [CC_K_BN_ADD_RELU] = {"rt_bn_add_relu_forward", "rt_norm_params", 7,
                          {F, CF, CF, CF, CF, CF, CF}, pr_norm},
    /* r8wino: the backward of CC_K_CONV_WS, reading its u */
    [CC_K_CONV_WS_B] = {"rt_conv_backward_ws", "rt_conv_params", 7, {F, F, F, CF, CF, CF, CF},
                        pr_conv},
    /* bnfold: BatchNormalization folded into its convolution (train.c) */
    [CC_K_BN_FOLD] = {"rt_bn_fold", "rt_norm_params", 8, {F, F, CF, CF, CF, CF, CF, CF},
                      pr_norm},
    [CC_K_BN_FOLD_B] = {"rt_bn_fold_backward", "rt_norm_params", 11,
                        {F, F, F, F, CF, CF, CF, CF, CF, CF, CF}, pr_norm},
    /* r8elt */
    [CC_K_CONV_WS_RES] = {"rt_conv_forward_ws_res", "rt_conv_params", 6, {F, CF, CF, CF, F, CF},
                          pr_conv},
};

#undef F
#undef CF
#undef V
#undef CV
#undef CI
#undef D
#undef CD

int cc_kernel_nargs(cc_kernel k)
{
    return kernels[k].nargs;
}

const char *cc_kernel_fn(cc_kernel k)
{
    return kernels[k].fn;
}

/* r8elt: whether the kernel may write its argument a (a non-const pointer) */
int cc_kernel_arg_written(cc_kernel k, int a)
{
    const char *t = a >= 0 && a < kernels[k].nargs ? kernels[k].argtype[a] : NULL;
    return t && strncmp(t, "const ", 6) != 0;
}

cc_call *cc_calls_add(cc_calls *l, cc_kernel k)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        cc_call *v = cc_alloc_array(l->ctx, (size_t)cap, sizeof *v);
        if (!v)
            return NULL;
        if (l->n)
            memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    cc_call *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    c->k = k;
    return c;
}

/* Runs c with bufs[i] standing for c->args[i]. */
void cc_call_exec(const cc_call *c, void *const *b)
{
    switch (c->k) {
    case CC_K_UNARY: rt_unary_forward(b[0], b[1], &c->p.un); break;
    case CC_K_BINARY: rt_binary_forward(b[0], b[1], b[2], &c->p.bin); break;
    case CC_K_CONV: rt_conv_forward(b[0], b[1], b[2], b[3], &c->p.conv); break;
    case CC_K_CONV_T: rt_conv_transpose_forward(b[0], b[1], b[2], b[3], &c->p.conv); break;
    case CC_K_MAXPOOL: rt_maxpool_forward(b[0], b[1], &c->p.pool); break;
    case CC_K_AVGPOOL: rt_avgpool_forward(b[0], b[1], &c->p.pool); break;
    case CC_K_GAVGPOOL: rt_global_avgpool_forward(b[0], b[1], c->p.gpool.nc, c->p.gpool.size); break;
    case CC_K_GMAXPOOL: rt_global_maxpool_forward(b[0], b[1], c->p.gpool.nc, c->p.gpool.size); break;
    case CC_K_GEMM: rt_gemm_forward(b[0], b[1], b[2], b[3], &c->p.gemm); break;
    case CC_K_MATMUL: rt_matmul_forward(b[0], b[1], b[2], &c->p.mm); break;
    case CC_K_BATCHNORM: rt_batchnorm_forward(b[0], b[1], b[2], b[3], b[4], b[5], &c->p.norm); break;
    case CC_K_INSTNORM: rt_instancenorm_forward(b[0], b[1], b[2], b[3], &c->p.norm); break;
    case CC_K_LRN: rt_lrn_forward(b[0], b[1], &c->p.lrn); break;
    case CC_K_SOFTMAX: rt_softmax_forward(b[0], b[1], &c->p.sm); break;
    case CC_K_REDUCE: rt_reduce_forward(b[0], b[1], &c->p.red); break;
    case CC_K_COPY: rt_copy_strided(b[0], b[1], &c->p.copy); break;
    case CC_K_PAD: rt_pad_forward(b[0], b[1], &c->p.pad); break;
    case CC_K_GATHER: rt_gather_forward(b[0], b[1], b[2], &c->p.gather); break;
    case CC_K_CAST: rt_cast_forward(b[0], b[1], &c->p.cast); break;
    case CC_K_MATH: rt_math_forward(b[0], b[1], &c->p.math); break;
    case CC_K_REDUCE_EXT: rt_reduce_ext_forward(b[0], b[1], &c->p.redx); break;
    case CC_K_MVN: rt_mvn_forward(b[0], b[1], &c->p.redx); break;
    case CC_K_ARG: rt_arg_forward(b[0], b[1], &c->p.arg); break;
    case CC_K_HARDMAX: rt_hardmax_forward(b[0], b[1], &c->p.sm); break;
    case CC_K_LAYERNORM: rt_layernorm_forward(b[0], b[1], b[2], b[3], b[4], b[5], &c->p.ln); break;
    case CC_K_GATHER_EL: rt_gather_elements_forward(b[0], b[1], b[2], &c->p.gel); break;
    case CC_K_TRILU: rt_trilu_forward(b[0], b[1], b[2], &c->p.trilu); break;
    case CC_K_DFT: rt_dft_forward(b[0], b[1], &c->p.dft); break;
    case CC_K_LPPOOL: rt_lppool_forward(b[0], b[1], &c->p.lpp); break;
    case CC_K_LPNORM: rt_lpnorm_forward(b[0], b[1], &c->p.lpn); break;
    case CC_K_STFT: rt_stft_forward(b[0], b[1], b[2], &c->p.stft); break;
    case CC_K_EINSUM: rt_einsum_forward(b[0], b[1], b[2], &c->p.ein); break;
    /* ext kernels */
    case CC_K_NLL: rt_nll_forward(b[0], b[1], b[2], b[3], &c->p.nll); break;
    case CC_K_SCE: rt_sce_forward(b[0], b[1], b[2], b[3], b[4], &c->p.nll); break;
    case CC_K_RNN:
        rt_rnn_forward(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                       &c->p.rnn);
        break;
    case CC_K_RESIZE: rt_resize_forward(b[0], b[1], b[2], &c->p.resize); break;
    case CC_K_SCATTER_EL: rt_scatter_elements_forward(b[0], b[1], b[2], b[3], &c->p.scat); break;
    case CC_K_SCATTERND: rt_scatternd_forward(b[0], b[1], b[2], b[3], &c->p.scatnd); break;
    case CC_K_GATHERND: rt_gathernd_forward(b[0], b[1], b[2], &c->p.gnd); break;
    case CC_K_TOPK: rt_topk_forward(b[0], b[1], b[2], &c->p.topk); break;
    case CC_K_ONEHOT: rt_onehot_forward(b[0], b[1], b[2], &c->p.onehot); break;
    case CC_K_MAXUNPOOL: rt_maxunpool_forward(b[0], b[1], b[2], &c->p.unpool); break;
    case CC_K_MAXPOOL_IDX: rt_maxpool_indices_forward(b[0], b[1], b[2], &c->p.mpi); break;
    case CC_K_SHRINK: rt_shrink_forward(b[0], b[1], &c->p.shrink); break;
    case CC_K_REVSEQ: rt_reverse_sequence_forward(b[0], b[1], b[2], &c->p.revseq); break;
    case CC_K_DET: rt_det_forward(b[0], b[1], b[2], &c->p.det); break;
    case CC_K_GRIDSAMPLE: rt_gridsample_forward(b[0], b[1], b[2], &c->p.gs); break;
    case CC_K_ROIALIGN: rt_roialign_forward(b[0], b[1], b[2], b[3], &c->p.roi); break;
    case CC_K_EW_BINARY: rt_ewise_binary(b[0], b[1], b[2], &c->p.ewb); break;
    case CC_K_EW_UNARY: rt_ewise_unary(b[0], b[1], &c->p.ewu); break;
    case CC_K_WHERE: rt_where_forward(b[0], b[1], b[2], b[3], &c->p.where); break;
    case CC_K_EW_REDUCE: rt_ewise_reduce(b[0], b[1], &c->p.ewr); break;
    case CC_K_CUMSUM: rt_cumsum_forward(b[0], b[1], b[2], &c->p.cumsum); break;
    case CC_K_PAD_ANY: rt_pad_any_forward(b[0], b[1], &c->p.pad_any); break;
    case CC_K_MAXPOOL_ANY: rt_maxpool_any_forward(b[0], b[1], &c->p.pool_any); break;
    case CC_K_GATHER_ANY: rt_gather_any_forward(b[0], b[1], b[2], &c->p.gather_any); break;
    case CC_K_QUANTIZE: rt_quantize_linear(b[0], b[1], b[2], b[3], &c->p.quant); break;
    case CC_K_DEQUANTIZE: rt_dequantize_linear(b[0], b[1], b[2], b[3], &c->p.quant); break;
    case CC_K_DYNQUANT: rt_dynamic_quantize_linear(b[0], b[1], b[2], b[3], c->p.dynq.n); break;
    case CC_K_QCONV:
        rt_qlinear_conv_forward(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                                &c->p.qconv);
        break;
    case CC_K_CONV_INT: rt_conv_integer_forward(b[0], b[1], b[2], b[3], b[4], &c->p.qconv); break;
    case CC_K_QMATMUL:
        rt_qlinear_matmul_forward(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                                  &c->p.qmm);
        break;
    case CC_K_MATMUL_INT: rt_matmul_integer_forward(b[0], b[1], b[2], b[3], b[4], &c->p.qmm); break;
    case CC_K_QMAXPOOL: rt_qmaxpool_forward(b[0], b[1], &c->p.qpool); break;
    case CC_K_EW_FN: rt_ewise_fn(b[0], b[1], &c->p.ewf); break;
    case CC_K_CONV_F64: rt_conv_forward_f64(b[0], b[1], b[2], b[3], &c->p.conv); break;
    case CC_K_CONV_T_F64:
        rt_conv_transpose_forward_f64(b[0], b[1], b[2], b[3], &c->p.conv);
        break;
    case CC_K_AVGPOOL_F64: rt_avgpool_forward_f64(b[0], b[1], &c->p.pool); break;
    case CC_K_GAVGPOOL_F64:
        rt_global_avgpool_forward_f64(b[0], b[1], c->p.gpool.nc, c->p.gpool.size);
        break;
    case CC_K_GMAXPOOL_F64:
        rt_global_maxpool_forward_f64(b[0], b[1], c->p.gpool.nc, c->p.gpool.size);
        break;
    case CC_K_GEMM_F64: rt_gemm_forward_f64(b[0], b[1], b[2], b[3], &c->p.gemm); break;
    case CC_K_BATCHNORM_F64:
        rt_batchnorm_forward_f64(b[0], b[1], b[2], b[3], b[4], b[5], &c->p.norm);
        break;
    case CC_K_INSTNORM_F64: rt_instancenorm_forward_f64(b[0], b[1], b[2], b[3], &c->p.norm); break;
    case CC_K_SOFTMAX_F64: rt_softmax_forward_f64(b[0], b[1], &c->p.sm); break;
    case CC_K_HARDMAX_F64: rt_hardmax_forward_f64(b[0], b[1], &c->p.sm); break;
    case CC_K_LRN_F64: rt_lrn_forward_f64(b[0], b[1], &c->p.lrn); break;
    case CC_K_LAYERNORM_F64:
        rt_layernorm_forward_f64(b[0], b[1], b[2], b[3], b[4], b[5], &c->p.ln);
        break;
    case CC_K_MATMUL_ANY: rt_matmul_any_forward(b[0], b[1], b[2], &c->p.mma); break;
    case CC_K_ARG_ANY: rt_arg_any_forward(b[0], b[1], &c->p.arga); break;
    case CC_K_SCATTER_EL_ANY:
        rt_scatter_elements_any_forward(b[0], b[1], b[2], b[3], &c->p.scat_any);
        break;
    case CC_K_SCATTERND_ANY: rt_scatternd_any_forward(b[0], b[1], b[2], b[3], &c->p.scatnd_any); break;
    case CC_K_TOPK_ANY: rt_topk_any_forward(b[0], b[1], b[2], &c->p.topk_any); break;
    case CC_K_ONEHOT_ANY: rt_onehot_any_forward(b[0], b[1], b[2], &c->p.onehot_any); break;
    case CC_K_SHRINK_ANY: rt_shrink_any_forward(b[0], b[1], &c->p.shrink_any); break;
    case CC_K_REVSEQ_ANY: rt_reverse_sequence_any_forward(b[0], b[1], b[2], &c->p.revseq_any); break;
    case CC_K_LPPOOL_F64: rt_lppool_forward_f64(b[0], b[1], &c->p.lpp); break;
    case CC_K_LPNORM_F64: rt_lpnorm_forward_f64(b[0], b[1], &c->p.lpn); break;
    case CC_K_MVN_F64: rt_mvn_forward_f64(b[0], b[1], &c->p.redx); break;
    case CC_K_GATHER_EL_ANY: rt_gather_elements_any_forward(b[0], b[1], b[2], &c->p.gel_any); break;
    case CC_K_GEMM_ANY: rt_gemm_any_forward(b[0], b[1], b[2], b[3], &c->p.gemm_any); break;
    case CC_K_RESIZE_ANY: rt_resize_any_forward(b[0], b[1], b[2], &c->p.resize_any); break;
    case CC_K_MAXUNPOOL_ANY: rt_maxunpool_any_forward(b[0], b[1], b[2], &c->p.unpool_any); break;
    case CC_K_DET_F64: rt_det_forward_f64(b[0], b[1], b[2], &c->p.det); break;
    case CC_K_EINSUM_ANY: rt_einsum_any_forward(b[0], b[1], b[2], &c->p.ein_any); break;
    case CC_K_DFT_F64: rt_dft_forward_f64(b[0], b[1], &c->p.dft); break;
    case CC_K_STFT_F64: rt_stft_forward_f64(b[0], b[1], b[2], &c->p.stft); break;
    case CC_K_NLL_F64: rt_nll_forward_f64(b[0], b[1], b[2], b[3], &c->p.nll); break;
    case CC_K_SCE_F64: rt_sce_forward_f64(b[0], b[1], b[2], b[3], b[4], &c->p.nll); break;
    case CC_K_GRIDSAMPLE_F64: rt_gridsample_forward_f64(b[0], b[1], b[2], &c->p.gs); break;
    case CC_K_ROIALIGN_F64: rt_roialign_forward_f64(b[0], b[1], b[2], b[3], &c->p.roi); break;
    case CC_K_RNN_F64:
        rt_rnn_forward_f64(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
                           b[11], &c->p.rnn);
        break;
    case CC_K_QUANTIZE_I32: rt_quantize_linear_i32(b[0], b[1], b[2], b[3], &c->p.quant); break;
    default: break; /* training kernels never run at compile time */
    }
}

/* Prints one call as a C block: a static const parameter struct and the
 * kernel call; argv[i] is the C expression of args[i] (NULL for absent). */
void cc_call_print(FILE *f, const cc_call *c, const char *const *argv, const char *indent)
{
    const kernel_info *k = &kernels[c->k];
    if (k->ptype) {
        fprintf(f, "%s{\n%s    static const %s p = {", indent, indent, k->ptype);
        k->print(f, c);
        fprintf(f, "};\n%s    %s(", indent, k->fn);
    } else {
        fprintf(f, "%s%s(", indent, k->fn);
    }
    for (int i = 0; i < k->nargs; i++) {
        if (i)
            fputs(", ", f);
        if (argv[i])
            fprintf(f, "(%s)%s", k->argtype[i], argv[i]);
        else
            fputs("NULL", f);
    }
    if (k->ptype) {
        fprintf(f, ", &p);\n%s}\n", indent);
    } else {
        k->print(f, c);
        fputs(");\n", f);
    }
}

/* ------------------------------------------------------------ types */

/* The element type a kernel argument's C type demands: CC_DT_FLOAT for
 * float pointers, CC_DT_INT64 for int64_t, CC_DT_BOOL for uint8_t, 0 when
 * any type goes (void pointers: the parameters say how to read it). */
static int arg_dtype(const char *ctype)
{
    if (strstr(ctype, "double"))
        return CC_DT_DOUBLE;
    if (strstr(ctype, "float"))
        return CC_DT_FLOAT;
    if (strstr(ctype, "int64_t"))
        return CC_DT_INT64;
    if (strstr(ctype, "uint8_t"))
        return CC_DT_BOOL;
    return 0;
}

/* Turns call c into typed kernel `to`, whose parameters begin with those of
 * c's float kernel (rt_*_any_params: the float kernel's struct first), so
 * only the kind and the type member at type_at within the union change. */
static void set_any(cc_call *c, cc_kernel to, size_t type_at, rt_dtype t)
{
    c->k = to;
    memcpy((char *)&c->p + type_at, &t, sizeof t);
}

/* The indexing kernels whose data is not float32 (types3): their typed
 * versions take the data's type (and OneHot's index type). Returns 1 when
 * it rewrote the call. */
static int retype_index(cc_call *c)
{
    /* float kernel, typed kernel, the argument whose type decides */
    static const struct { cc_kernel from, to; int arg; size_t type_at; } any[] = {
        {CC_K_SCATTER_EL, CC_K_SCATTER_EL_ANY, 1, offsetof(rt_scatter_elements_any_params, type)},
        {CC_K_SCATTERND, CC_K_SCATTERND_ANY, 1, offsetof(rt_scatternd_any_params, type)},
        {CC_K_SHRINK, CC_K_SHRINK_ANY, 1, offsetof(rt_shrink_any_params, type)},
        {CC_K_REVSEQ, CC_K_REVSEQ_ANY, 1, offsetof(rt_reverse_sequence_any_params, type)},
        {CC_K_MAXUNPOOL, CC_K_MAXUNPOOL_ANY, 1, offsetof(rt_unpool_any_params, type)},
        {CC_K_GATHER_EL, CC_K_GATHER_EL_ANY, 1, offsetof(rt_gather_elements_any_params, type)},
        {CC_K_EINSUM, CC_K_EINSUM_ANY, 1, offsetof(rt_einsum_any_params, type)},
        {CC_K_RESIZE, CC_K_RESIZE_ANY, 1, offsetof(rt_resize_any_params, type)},
        {CC_K_TOPK, CC_K_TOPK_ANY, 2, offsetof(rt_topk_any_params, type)},
        {CC_K_ONEHOT, CC_K_ONEHOT_ANY, 2, offsetof(rt_onehot_any_params, type)}};
    size_t i = 0;
    while (i < sizeof any / sizeof any[0] && any[i].from != c->k)
        i++;
    if (i == sizeof any / sizeof any[0])
        return 0;
    const cc_tensor *x = c->args[any[i].arg];
    if (!x)
        return 0;
    switch (c->k) {
    case CC_K_EINSUM:
        if (x->dtype == CC_DT_DOUBLE)
            return 0; /* rt_einsum_forward's elem 8 */
        break;
    case CC_K_RESIZE:
        /* float16 / bfloat16 run the float kernel on copies, and so do
         * integers in linear mode (see resize_in_float) */
        if (x->dtype == CC_DT_FLOAT16 || x->dtype == CC_DT_BFLOAT16 ||
            (cc_dtype_is_int(x->dtype) && c->p.resize.mode == RT_RESIZE_LINEAR))
            return 0;
        break;
    case CC_K_ONEHOT:
        /* the float kernel takes float values with float or int64 indices
         * (lowered as args[1], always present) */
        if (x->dtype == CC_DT_FLOAT && c->args[1] &&
            (c->args[1]->dtype == CC_DT_FLOAT || c->args[1]->dtype == CC_DT_INT64))
            return 0;
        c->p.onehot_any.idx_type = c->args[1] ? cc_dtype_rt(c->args[1]->dtype) : RT_I64;
        break;
    default: break;
    }
    if (x->dtype == CC_DT_FLOAT && c->k != CC_K_ONEHOT)
        return 0;
    set_any(c, any[i].to, any[i].type_at, cc_dtype_rt(x->dtype));
    return 1;
}

/* Rewrites a float32 call whose tensors have another type into the typed
 * kernel computing the same thing; leaves it alone when there is none. */
static void retype(cc_call *c)
{
    if (c->k == CC_K_GATHER && c->args[2] && c->args[2]->dtype == CC_DT_INT32) {
        set_any(c, CC_K_GATHER_ANY, offsetof(rt_gather_any_params, idx_type), RT_I32);
        return;
    }
    if (retype_index(c))
        return;
    /* the input whose type decides (LayerNormalization's x follows its
     * optional mean and inv_std outputs, SoftmaxCrossEntropyLoss's its
     * optional log_prob, the RNNs' their outputs and scratch) */
    const cc_tensor *x = c->args[c->k == CC_K_LAYERNORM ? 3 : c->k == CC_K_SCE ? 2
                                 : c->k == CC_K_RNN ? 4 : 1];
    int other = 0;
    for (int a = 0; a < kernels[c->k].nargs; a++)
        if (c->args[a] && c->args[a]->dtype != CC_DT_FLOAT)
            other = 1;
    if (!x || !other)
        return;
    const rt_dtype t = cc_dtype_rt(x->dtype);
    if (c->k == CC_K_ARG && t != RT_F32) {
        set_any(c, CC_K_ARG_ANY, offsetof(rt_arg_any_params, type), t);
        return;
    }
    if (c->k == CC_K_GEMM && (t == RT_I32 || t == RT_I64 || t == RT_U32 || t == RT_U64) &&
        (c->p.gemm.act == RT_UN_NONE || c->p.gemm.act == RT_UN_RELU)) {
        /* every argument of x's type, else the check refuses */
        for (int a = 0; a < 4; a++)
            if (c->args[a] && c->args[a]->dtype != x->dtype)
                return;
        set_any(c, CC_K_GEMM_ANY, offsetof(rt_gemm_any_params, type), t);
        return;
    }
    if (c->k == CC_K_MATMUL && (t == RT_F64 || t == RT_I32 || t == RT_I64 || t == RT_U32 ||
                                t == RT_U64) &&
        c->args[0] && c->args[0]->dtype == x->dtype && c->args[2] &&
        c->args[2]->dtype == x->dtype) {
        set_any(c, CC_K_MATMUL_ANY, offsetof(rt_matmul_any_params, type), t);
        return;
    }
    if (c->k == CC_K_QUANTIZE && x->dtype == CC_DT_INT32) {
        c->k = CC_K_QUANTIZE_I32; /* types4 */
        return;
    }
    if (c->k == CC_K_BATCHNORM || c->k == CC_K_GRIDSAMPLE) {
        /* types4: BatchNormalization's x, scale and bias, and mean and var
         * may have three float types (opset 15), GridSample's x and grid
         * two; with a double among them it runs in double, the other
         * arguments widened exactly by wrap_half and a float output
         * rounded once */
        for (int a = 0; a < kernels[c->k].nargs; a++)
            if (c->args[a] && c->args[a]->dtype == CC_DT_DOUBLE) {
                c->k = c->k == CC_K_BATCHNORM ? CC_K_BATCHNORM_F64 : CC_K_GRIDSAMPLE_F64;
                return;
            }
    }
    if (t == RT_F64) {
        /* the double kernel of the same parameters, when every float
         * argument is double (else the check in cc_calls_retype refuses) */
        static const struct { cc_kernel from, to; } f64[] = {
            {CC_K_CONV, CC_K_CONV_F64}, {CC_K_CONV_T, CC_K_CONV_T_F64},
            {CC_K_AVGPOOL, CC_K_AVGPOOL_F64}, {CC_K_GAVGPOOL, CC_K_GAVGPOOL_F64},
            {CC_K_GMAXPOOL, CC_K_GMAXPOOL_F64}, {CC_K_GEMM, CC_K_GEMM_F64},
            {CC_K_BATCHNORM, CC_K_BATCHNORM_F64}, {CC_K_INSTNORM, CC_K_INSTNORM_F64},
            {CC_K_SOFTMAX, CC_K_SOFTMAX_F64}, {CC_K_HARDMAX, CC_K_HARDMAX_F64},
            {CC_K_LRN, CC_K_LRN_F64}, {CC_K_LAYERNORM, CC_K_LAYERNORM_F64},
            {CC_K_LPPOOL, CC_K_LPPOOL_F64}, {CC_K_LPNORM, CC_K_LPNORM_F64},
            {CC_K_MVN, CC_K_MVN_F64}, {CC_K_DET, CC_K_DET_F64},
            {CC_K_DFT, CC_K_DFT_F64}, {CC_K_STFT, CC_K_STFT_F64},
            /* types4 */
            {CC_K_NLL, CC_K_NLL_F64}, {CC_K_SCE, CC_K_SCE_F64},
            {CC_K_GRIDSAMPLE, CC_K_GRIDSAMPLE_F64}, {CC_K_ROIALIGN, CC_K_ROIALIGN_F64},
            {CC_K_RNN, CC_K_RNN_F64}};
        for (size_t i = 0; i < sizeof f64 / sizeof f64[0]; i++) {
            if (f64[i].from != c->k)
                continue;
            const kernel_info *k = &kernels[f64[i].to];
            for (int a = 0; a < k->nargs; a++) {
                const int want = arg_dtype(k->argtype[a]); /* 0: RNN's int32 lengths */
                if (c->args[a] && want && c->args[a]->dtype != want)
                    return;
            }
            c->k = f64[i].to;
            return;
        }
    }
    switch (c->k) {
    case CC_K_BINARY: {
        static const rt_ewise_op map[RT_BIN_COUNT] = {
            RT_EW_ADD, RT_EW_SUB, RT_EW_MUL, RT_EW_DIV, RT_EW_POW, RT_EW_MAX, RT_EW_MIN,
            RT_EW_PRELU};
        const rt_binary_params b = c->p.bin;
        if (map[b.op] == RT_EW_COUNT || !c->args[2])
            return;
        c->k = CC_K_EW_BINARY;
        memset(&c->p.ewb, 0, sizeof c->p.ewb);
        c->p.ewb.op = map[b.op];
        c->p.ewb.type = t;
        c->p.ewb.btype = cc_dtype_rt(c->args[2]->dtype);
        c->p.ewb.ndim = b.ndim;
        memcpy(c->p.ewb.shape, b.shape, sizeof b.shape);
        memcpy(c->p.ewb.astride, b.astride, sizeof b.astride);
        memcpy(c->p.ewb.bstride, b.bstride, sizeof b.bstride);
        break;
    }
    case CC_K_UNARY: {
        const rt_unary_params u = c->p.un;
        if (u.op == RT_UN_RELU && !cc_dtype_is_float(x->dtype)) {
            /* Relu of a signed integer: max(x, 0), a clip at [0, max] */
            c->k = CC_K_EW_UNARY;
            memset(&c->p.ewu, 0, sizeof c->p.ewu);
            c->p.ewu.op = RT_EU_CLIP;
            c->p.ewu.type = t;
            c->p.ewu.lo = 0.0; /* lo / hi serve float types only */
            c->p.ewu.hi = 0.0;
            c->p.ewu.ilo = 0;
            c->p.ewu.ihi = INT64_MAX;
            c->p.ewu.n = u.n;
            return;
        }
        if (u.op != RT_UN_NEG && u.op != RT_UN_ABS && u.op != RT_UN_NONE) {
            if (!cc_dtype_is_float(x->dtype) || !c->args[0] || c->args[0]->dtype != x->dtype)
                return;
            /* the float functions of double, float16, bfloat16 */
            c->k = CC_K_EW_FN;
            memset(&c->p.ewf, 0, sizeof c->p.ewf);
            c->p.ewf.op = (int)u.op;
            c->p.ewf.alpha = u.alpha;
            c->p.ewf.beta = u.beta;
            c->p.ewf.type = t;
            c->p.ewf.n = u.n;
            return;
        }
        c->k = CC_K_EW_UNARY;
        memset(&c->p.ewu, 0, sizeof c->p.ewu);
        c->p.ewu.op = u.op == RT_UN_NEG ? RT_EU_NEG : u.op == RT_UN_ABS ? RT_EU_ABS : RT_EU_COPY;
        c->p.ewu.type = t;
        c->p.ewu.n = u.n;
        break;
    }
    case CC_K_MATH: {
        const rt_math_params m = c->p.math;
        if (m.op != RT_MATH_SIGN) {
            if (!cc_dtype_is_float(x->dtype) || !c->args[0] || c->args[0]->dtype != x->dtype)
                return;
            c->k = CC_K_EW_FN;
            memset(&c->p.ewf, 0, sizeof c->p.ewf);
            c->p.ewf.math = 1;
            c->p.ewf.op = (int)m.op;
            c->p.ewf.alpha = m.alpha;
            c->p.ewf.type = t;
            c->p.ewf.n = m.n;
            return;
        }
        c->k = CC_K_EW_UNARY;
        memset(&c->p.ewu, 0, sizeof c->p.ewu);
        c->p.ewu.op = RT_EU_SIGN;
        c->p.ewu.type = t;
        c->p.ewu.n = m.n;
        break;
    }
    case CC_K_MAXPOOL:
        set_any(c, CC_K_MAXPOOL_ANY, offsetof(rt_pool_any_params, type), t);
        break;
    case CC_K_REDUCE:
    case CC_K_REDUCE_EXT: {
        rt_ewise_reduce_params r;
        memset(&r, 0, sizeof r);
        if (c->k == CC_K_REDUCE) {
            r.op = (int)c->p.red.op;
            r.ndim = c->p.red.ndim;
            memcpy(r.shape, c->p.red.shape, sizeof r.shape);
            memcpy(r.reduce, c->p.red.reduce, sizeof r.reduce);
        } else {
            r.op = (int)c->p.redx.op;
            r.ext = 1;
            r.ndim = c->p.redx.ndim;
            memcpy(r.shape, c->p.redx.shape, sizeof r.shape);
            memcpy(r.reduce, c->p.redx.reduce, sizeof r.reduce);
        }
        r.type = t;
        c->k = CC_K_EW_REDUCE;
        c->p.ewr = r;
        break;
    }
    default: break;
    }
}

/* A temporary of t's shape and element type dtype (an arena tensor the
 * planner places: plan.c gives it the live range of the step whose calls
 * use it). */
static cc_tensor *temp_of(cc_graph *g, const cc_tensor *t, int dtype)
{
    cc_tensor *x = cc_tensor_new(g, NULL);
    if (!x)
        return NULL;
    cc_set_shape(x, dtype, t->rank, t->shape);
    x->loc = CC_LOC_ARENA;
    return x;
}

static int is_half(int dt)
{
    return dt == CC_DT_FLOAT16 || dt == CC_DT_BFLOAT16;
}

/* The type argument a (C type ctype) of a kernel is computed in when tensor
 * t has another one it converts to exactly enough: float for a float16 or
 * bfloat16 tensor in a float argument, int64 for an int32 tensor in a const
 * int64 argument (the index inputs the spec types Tind; types3); else 0. */
static int wrap_type(const char *ctype, const cc_tensor *t)
{
    if (!t || !ctype)
        return 0;
    if (arg_dtype(ctype) == CC_DT_FLOAT && is_half(t->dtype))
        return CC_DT_FLOAT;
    if (arg_dtype(ctype) == CC_DT_INT64 && strstr(ctype, "const") && t->dtype == CC_DT_INT32)
        return CC_DT_INT64;
    /* types4: a float32, float16 or bfloat16 tensor in a double argument
     * (BatchNormalization with mixed types, computed in double) */
    if (arg_dtype(ctype) == CC_DT_DOUBLE && (t->dtype == CC_DT_FLOAT || is_half(t->dtype)))
        return CC_DT_DOUBLE;
    return 0;
}

/* Resize in linear mode of an integer tensor interpolates in float and
 * converts the result back as Cast does (toward zero; what ONNX Runtime's
 * integer Resize gives: it computes in float and converts with a C cast;
 * the spec leaves the rounding open). The interpolated values lie between
 * the inputs, so the conversion never saturates. */
static int resize_in_float(const cc_call *c, const char *ctype, const cc_tensor *t)
{
    return c->k == CC_K_RESIZE && c->p.resize.mode == RT_RESIZE_LINEAR && t && ctype &&
           arg_dtype(ctype) == CC_DT_FLOAT && cc_dtype_is_int(t->dtype);
}

/* float16 and bfloat16 are storage types computed in float, and int32
 * indices are read as int64: a kernel call with such arguments (and no
 * float argument of yet another type) becomes
 *   cast each such input (and an output the kernel reads first: a conv
 *   accumulating into y) into a temporary of the kernel's type;
 *   the call on the temporaries;
 *   cast each float32 temporary output back to its tensor's type.
 * Returns the number of calls now standing at l->v[i] (1 when untouched),
 * or 0 when out of memory. */
static int wrap_half(cc_graph *g, cc_calls *l, int i)
{
    const kernel_info *k = &kernels[l->v[i].k];
    int wrap = 0;
    for (int a = 0; a < k->nargs; a++) {
        const cc_tensor *t = l->v[i].args[a];
        if (!t || !k->argtype[a])
            continue;
        if (wrap_type(k->argtype[a], t) || resize_in_float(&l->v[i], k->argtype[a], t))
            wrap = 1;
        else if (arg_dtype(k->argtype[a]) == CC_DT_FLOAT && t->dtype != CC_DT_FLOAT)
            return 1; /* another type: left to the check */
    }
    if (!wrap)
        return 1;
    cc_call c = l->v[i];
    cc_call pre[CC_CALL_MAX_ARGS], post[CC_CALL_MAX_ARGS];
    int npre = 0, npost = 0;
    const int reads_y = (c.k == CC_K_CONV || c.k == CC_K_CONV_T) && c.p.conv.accumulate;
    for (int a = 0; a < k->nargs; a++) {
        cc_tensor *t = c.args[a];
        const int wt = resize_in_float(&c, k->argtype[a], t) ? CC_DT_FLOAT
                                                             : wrap_type(k->argtype[a], t);
        if (!wt)
            continue;
        cc_tensor *x = temp_of(g, t, wt);
        if (!x)
            return 0;
        const int out = !strstr(k->argtype[a], "const");
        if (!out || reads_y) {
            cc_call *p = &pre[npre++];
            memset(p, 0, sizeof *p);
            p->k = CC_K_CAST;
            p->args[0] = x;
            p->args[1] = t;
            p->p.cast.to = cc_dtype_rt(wt);
            p->p.cast.from = cc_dtype_rt(t->dtype);
            p->p.cast.n = cc_numel(t);
        }
        if (out) {
            cc_call *p = &post[npost++];
            memset(p, 0, sizeof *p);
            p->k = CC_K_CAST;
            p->args[0] = t;
            p->args[1] = x;
            p->p.cast.to = cc_dtype_rt(t->dtype);
            p->p.cast.from = cc_dtype_rt(wt);
            p->p.cast.round = 1;
            p->p.cast.n = cc_numel(t);
        }
        c.args[a] = x;
    }
    const int n0 = l->n, extra = npre + npost;
    for (int e = 0; e < extra; e++)
        if (!cc_calls_add(l, CC_K_CAST))
            return 0;
    memmove(&l->v[i + 1 + extra], &l->v[i + 1], (size_t)(n0 - i - 1) * sizeof *l->v);
    memcpy(&l->v[i], pre, (size_t)npre * sizeof *pre);
    l->v[i + npre] = c;
    memcpy(&l->v[i + npre + 1], post, (size_t)npost * sizeof *post);
    return 1 + extra;
}

cc_status cc_calls_retype(cc_graph *g, const cc_node *n, cc_calls *l, int first, cc_diag *d)
{
    for (int i = first; i < l->n; i++) {
        retype(&l->v[i]);
        const int m = wrap_half(g, l, i);
        if (!m)
            return cc_fail(d, CC_ERR_IO, "%s: out of memory", g->path);
        for (int j = i; j < i + m; j++) {
            const cc_call *c = &l->v[j];
            const kernel_info *k = &kernels[c->k];
            for (int a = 0; a < k->nargs; a++) {
                const cc_tensor *t = c->args[a];
                int want = k->argtype[a] ? arg_dtype(k->argtype[a]) : 0;
                if (!t || !want || t->dtype == want)
                    continue;
                if (want == CC_DT_BOOL && (t->dtype == CC_DT_UINT8 || t->dtype == CC_DT_INT8))
                    continue;
                char nb[104];
                return cc_node_fail(d, g, n, CC_ERR_UNSUPPORTED, "tensor '%s' has element type "
                                    "%s, but %s supports only %s for it",
                                    cc_printable(t->name, nb, sizeof nb), cc_dtype_name(t->dtype),
                                    n->op->name, cc_dtype_name(want));
            }
        }
        i += m - 1;
    }
    return CC_OK;
}
