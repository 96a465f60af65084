/*
 * test_loss.c - rt_loss_mse, rt_loss_cross_entropy, rt_loss_bce_logits,
 * rt_loss_bce.
 *
 * Three kinds of check:
 *  - finite differences of the returned loss against the gradient it
 *    writes (grad_test.h; the loss is a float, so L = r * loss carries the
 *    rounding of one float result, ~6e-8 |loss| per evaluation, 3e-6 after
 *    dividing by the step 2h: well inside the checker's floor of
 *    1e-3 * max|grad| ~ 1e-4 for these sizes);
 *  - PyTorch's values (loss_refs.h, torch.nn.functional in float64 on the
 *    same float inputs, see make_loss_refs.py);
 *  - the contract: dpred is WRITTEN, not accumulated; NULL dpred gives the
 *    same loss; cross-entropy's rows with labels outside [0, classes) count
 *    for nothing; large logits neither overflow nor lose the loss.
 */
#include "grad_test.h"
#include "loss_refs.h"

/* ================================================================ PyTorch */

/*
 * Tolerances against the float64 references.
 *  - Loss: 1e-6 * (|loss| + 1). The runtime sums the loss in double, so its
 *    error is that of the per-element float pieces: a few ulp of terms of
 *    order 1 (log-sum-exp of a row, log1p(exp(-|x|)), a clamped log), an
 *    absolute error, hence the + 1; MSE's is relative, 3 ulp of the loss.
 *    1e-6 is 8 ulp.
 *  - Gradient, element i: 1e-6 * |ref_i| + 1e-6 / N, N the mean's divisor.
 *    Each formula is 3 to 6 float roundings of exactly represented inputs
 *    (2/n, a subtraction, a product; exp, a division; sigmoid, a
 *    subtraction; a clamp and two divisions), which is relative and under
 *    8 ulp. The absolute part is for elements that are small by cancellation
 *    of a rounded quantity: softmax - 1 for a near-certain class, sigmoid(x)
 *    - t with sigmoid(x) near t. There the error is a few ulp of the
 *    operands, which are at most 1, times the 1/N of the mean.
 */
static void check_grad(const char *what, const float *got, const double *ref, int64_t n,
                       double denom)
{
    double tol[LR_MAXN];
    int64_t i;
    for (i = 0; i < n; i++)
        tol[i] = 1e-6 * fabs(ref[i]) + 1e-6 / denom;
    rt_check(what, got, ref, tol, n);
}

static void check_loss(const char *what, float got, double ref)
{
    cr_assert(fabs((double)got - ref) <= 1e-6 * (fabs(ref) + 1.0),
              "%s: loss %.9g, PyTorch %.9g", what, (double)got, ref);
}

typedef float (*elem_loss_fn)(float *, const float *, const float *, int64_t);

static void run_elem_refs(const lr_elem_ref *refs, size_t count, elem_loss_fn fn)
{
    size_t t;
    for (t = 0; t < count; t++) {
        const lr_elem_ref *c = &refs[t];
        float d[LR_MAXN];
        const float loss = fn(d, c->pred, c->target, c->n);
        check_loss(c->name, loss, c->loss);
        check_grad(c->name, d, c->dpred, c->n, (double)c->n);
    }
}

Test(loss, mse_matches_pytorch)
{
    run_elem_refs(lr_mse, RT_ARRAY_LEN(lr_mse), rt_loss_mse);
}

Test(loss, bce_logits_matches_pytorch)
{
    run_elem_refs(lr_bce_logits, RT_ARRAY_LEN(lr_bce_logits), rt_loss_bce_logits);
}

Test(loss, bce_matches_pytorch)
{
    run_elem_refs(lr_bce, RT_ARRAY_LEN(lr_bce), rt_loss_bce);
}

Test(loss, cross_entropy_matches_pytorch)
{
    size_t t;
    for (t = 0; t < RT_ARRAY_LEN(lr_ce); t++) {
        const lr_ce_ref *c = &lr_ce[t];
        const int64_t n = c->batch * c->classes;
        float d[LR_MAXN];
        int64_t correct = 0, counted = 0, i;
        float loss;
        for (i = 0; i < c->batch; i++)
            counted += c->labels[i] >= 0;
        loss = rt_loss_cross_entropy(d, c->logits, c->labels, c->batch, c->classes, &correct);
        check_loss(c->name, loss, c->loss);
        check_grad(c->name, d, c->dlogits, n, (double)counted);
        cr_assert(correct == c->correct, "%s: %lld correct, expected %lld", c->name,
                  (long long)correct, (long long)c->correct);
    }
}

/* ================================================================ finite differences */

typedef enum { L_MSE, L_CE, L_BCE_LOGITS, L_BCE } loss_kind;

typedef struct {
    loss_kind kind;
    int64_t n, classes;         /* CE: n = batch * classes */
    float lo, hi;               /* prediction range */
    int soft;                   /* fractional targets (BCE) */
    char name[24];
} lgrad_case;

/* BCE on probabilities keeps p in [0.2, 0.8], where the per-element loss
 * has |f'''| <= 2 / 0.2^3 = 250; with soft targets f' = (p - t) / (p (1 - p))
 * can be near 0 while f''' is not, so the step is h = 1e-3 there: the
 * truncation error h^2/6 * 250 / n = 4e-5 / n is negligible next to the
 * checker's absolute allowance (1e-3 * max|g|, max|g| of order 1 / n), and
 * the rounding of the float loss, 6e-8 * |loss| / 2h ~ 3e-5 * |loss| (loss
 * below 2 here), stays a fraction of that allowance too. */
static const lgrad_case lgrad_cases[] = {
    { L_MSE, 10, 0, -2.0f, 2.0f, 0, "mse" },
    { L_MSE, 1, 0, -2.0f, 2.0f, 0, "mse_one" },
    { L_CE, 20, 5, -3.0f, 3.0f, 0, "ce_4x5" },
    { L_CE, 18, 3, -3.0f, 3.0f, 0, "ce_6x3_ignored_rows" },
    { L_BCE_LOGITS, 12, 0, -4.0f, 4.0f, 0, "bce_logits" },
    { L_BCE_LOGITS, 12, 0, -4.0f, 4.0f, 1, "bce_logits_soft" },
    { L_BCE, 12, 0, 0.2f, 0.8f, 0, "bce" },
    { L_BCE, 12, 0, 0.2f, 0.8f, 1, "bce_soft" },
};

typedef struct {
    const lgrad_case *c;
    const float *target;
    const int64_t *labels;
} lgrad_ctx;

static float lgrad_eval(const gt_op *op, float *d)
{
    const lgrad_ctx *x = op->ctx;
    const lgrad_case *c = x->c;
    switch (c->kind) {
    case L_MSE:        return rt_loss_mse(d, op->in[0], x->target, c->n);
    case L_CE:         return rt_loss_cross_entropy(d, op->in[0], x->labels, c->n / c->classes,
                                                    c->classes, NULL);
    case L_BCE_LOGITS: return rt_loss_bce_logits(d, op->in[0], x->target, c->n);
    case L_BCE:        return rt_loss_bce(d, op->in[0], x->target, c->n);
    }
    return NAN;
}

static void lgrad_forward(const gt_op *op, float *y)
{
    y[0] = lgrad_eval(op, NULL);
}

/* The checker wants dx += dy * dL/dx; a loss writes dL/dx, so the wrapper
 * scales and adds (the loss's own write semantics are tested below). */
static void lgrad_backward(const gt_op *op, float *const *grad, const float *dy, const float *y)
{
    float d[64];
    int64_t i;
    (void)y;
    if (!grad[0])
        return;
    lgrad_eval(op, d);
    for (i = 0; i < op->nel[0]; i++)
        grad[0][i] += dy[0] * d[i];
}

ParameterizedTestParameters(grad_loss, finite_differences)
{
    return cr_make_param_array(lgrad_case, (void *)lgrad_cases, RT_ARRAY_LEN(lgrad_cases));
}

ParameterizedTest(const lgrad_case *lc, grad_loss, finite_differences)
{
    float pred[64], target[64];
    int64_t labels[64], i;
    rt_trng r = { 131 + (uint64_t)lc->kind };
    lgrad_ctx ctx;
    gt_op op;

    cr_assert(lc->n <= 64);
    rt_fill(pred, lc->n, &r, lc->lo, lc->hi);
    for (i = 0; i < lc->n; i++)
        target[i] = lc->kind == L_MSE ? rt_rng_float(&r, -2.0f, 2.0f)
                    : lc->soft       ? rt_rng_float(&r, 0.0f, 1.0f)
                                     : (float)rt_rng_int(&r, 0, 2);
    if (lc->kind == L_CE) {
        const int64_t batch = lc->n / lc->classes;
        for (i = 0; i < batch; i++)
            labels[i] = rt_rng_int(&r, 0, lc->classes);
        if (batch == 6) {               /* the ignored rows: both kinds of out of range */
            labels[1] = -100;
            labels[4] = lc->classes;
        }
    }
    ctx.c = lc;
    ctx.target = target;
    ctx.labels = labels;
    memset(&op, 0, sizeof op);
    op.name = lc->name;
    op.nin = 1;
    op.in[0] = pred;
    op.nel[0] = lc->n;
    op.in_name[0] = "pred";
    op.ny = 1;
    op.h = lc->kind == L_BCE ? 1e-3f : 0.0f;
    op.ctx = &ctx;
    op.forward = lgrad_forward;
    op.backward = lgrad_backward;
    gt_check(&op, 137);
}

/* ================================================================ contract */

/* dpred is written whatever it held (NaN included), and NULL dpred changes
 * nothing about the loss. */
Test(loss, writes_gradient_and_allows_null)
{
    const float pred[4] = { 0.2f, -1.0f, 0.9f, 0.4f }, prob[4] = { 0.2f, 0.7f, 0.9f, 0.4f };
    const float target[4] = { 1.0f, 0.0f, 1.0f, 0.0f };
    const int64_t labels[2] = { 1, 0 };
    float clean[4], dirty[4];
    int k, i;
    for (k = 0; k < 4; k++) {
        float l1, l2, l3;
        for (i = 0; i < 4; i++) {
            clean[i] = 0.0f;
            dirty[i] = NAN;
        }
        switch (k) {
        case 0:
            l1 = rt_loss_mse(clean, pred, target, 4);
            l2 = rt_loss_mse(dirty, pred, target, 4);
            l3 = rt_loss_mse(NULL, pred, target, 4);
            break;
        case 1:
            l1 = rt_loss_cross_entropy(clean, pred, labels, 2, 2, NULL);
            l2 = rt_loss_cross_entropy(dirty, pred, labels, 2, 2, NULL);
            l3 = rt_loss_cross_entropy(NULL, pred, labels, 2, 2, NULL);
            break;
        case 2:
            l1 = rt_loss_bce_logits(clean, pred, target, 4);
            l2 = rt_loss_bce_logits(dirty, pred, target, 4);
            l3 = rt_loss_bce_logits(NULL, pred, target, 4);
            break;
        default:
            l1 = rt_loss_bce(clean, prob, target, 4);
            l2 = rt_loss_bce(dirty, prob, target, 4);
            l3 = rt_loss_bce(NULL, prob, target, 4);
            break;
        }
        cr_assert(l1 == l2 && l1 == l3, "loss %d: %.9g %.9g %.9g", k, (double)l1, (double)l2,
                  (double)l3);
        rt_check_exact("written gradient", dirty, clean, 4);
    }
}

/* Rows whose label is outside [0, classes) (negative, or too large) give the
 * same loss and gradients as the batch without them, their own gradient rows
 * are 0 (written), and they are not counted as correct. No counted row at
 * all gives 0 and zero gradients. */
Test(loss, cross_entropy_ignored_rows)
{
    const float logits[12] = { 1.0f, 2.0f, 0.5f, 3.0f, -1.0f, 0.0f,
                               0.25f, 0.5f, 2.0f, -2.0f, 1.0f, 1.5f };
    const int64_t with[4] = { 1, -1, 2, 3 }, without[2] = { 1, 2 };
    const float kept[6] = { 1.0f, 2.0f, 0.5f, 0.25f, 0.5f, 2.0f };
    const int64_t none[2] = { -5, 3 };
    float d4[12], d2[6], dn[6], zeros[6] = { 0 };
    int64_t c4 = 0, c2 = 0, cn = 0;
    int i;
    float l4, l2, ln;
    for (i = 0; i < 12; i++)
        d4[i] = NAN;
    l4 = rt_loss_cross_entropy(d4, logits, with, 4, 3, &c4);
    l2 = rt_loss_cross_entropy(d2, kept, without, 2, 3, &c2);
    cr_assert(l4 == l2, "%.9g vs %.9g", (double)l4, (double)l2);
    cr_assert(c4 == c2 && c2 == 2, "correct %lld, %lld", (long long)c4, (long long)c2);
    rt_check_exact("row 0", d4, d2, 3);
    rt_check_exact("row 1 (label -1)", d4 + 3, zeros, 3);
    rt_check_exact("row 2", d4 + 6, d2 + 3, 3);
    rt_check_exact("row 3 (label 3)", d4 + 9, zeros, 3);

    for (i = 0; i < 6; i++)
        dn[i] = NAN;
    ln = rt_loss_cross_entropy(dn, logits, none, 2, 3, &cn);
    cr_assert(ln == 0.0f && cn == 0);
    rt_check_exact("no counted row", dn, zeros, 6);
}

/* correct: the first maximal logit is the prediction (ties go to the
 * lower class, as torch.argmax), and it adds to what correct held. */
Test(loss, cross_entropy_correct_counts)
{
    const float logits[9] = { 2.0f, 2.0f, 1.0f,     /* tie 0/1 -> 0 */
                              0.0f, 3.0f, 3.0f,     /* tie 1/2 -> 1 */
                              5.0f, 1.0f, 0.0f };
    const int64_t labels[3] = { 0, 2, 0 };
    int64_t correct = 10;
    rt_loss_cross_entropy(NULL, logits, labels, 3, 3, &correct);
    cr_assert(correct == 12, "correct %lld", (long long)correct);
}

/* Huge logits: cross-entropy and BCE on logits stay finite and right. Rows
 * (1000, 0) with label 1 and (-1000, 0) with label 0 each lose 1000 (the
 * log-sum-exp is 1000, resp. 0, up to e^-1000), with gradients
 * (softmax - onehot) / 2 = (1/2, -1/2) and (-1/2, 1/2). BCE on logit +-200
 * against the wrong target loses 200, against the right one ~0. */
Test(loss, large_logits_are_stable)
{
    const float lg[4] = { 1000.0f, 0.0f, -1000.0f, 0.0f };
    const int64_t lab[2] = { 1, 0 };
    const float x[4] = { 200.0f, -200.0f, 200.0f, -200.0f }, t[4] = { 0.0f, 1.0f, 1.0f, 0.0f };
    float d[4];
    const float want_ce[4] = { 0.5f, -0.5f, -0.5f, 0.5f };
    const double want_d[4] = { 0.25, -0.25, 0.0, 0.0 };
    float l = rt_loss_cross_entropy(d, lg, lab, 2, 2, NULL);
    cr_assert(l == 1000.0f, "ce %.9g", (double)l);
    rt_check_exact("ce grad", d, want_ce, 4);
    l = rt_loss_bce_logits(d, x, t, 4);
    cr_assert(fabs(l - 100.0) <= 1e-4, "bce_logits %.9g", (double)l);  /* (200 + 200) / 4 */
    rt_check("bce_logits grad", d, want_d, (const double[4]){ 1e-7, 1e-7, 1e-7, 1e-7 }, 4);
}
