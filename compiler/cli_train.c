/*
 * cli_train.c - the command-line options shared by everything that builds a
 * training step: compile --train, summary --train, finetune and export.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_train_defaults(cc_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->loss = CC_LOSS_CE;
    o->opt.kind = RT_OPT_SGD;
    o->opt.lr = 0.01f;
    o->opt.beta1 = 0.9f;
    o->opt.beta2 = 0.999f;
    o->opt.eps = 1e-8f;
    o->seed = 1;
}

static int num(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || *end || end == v || !(x >= lo && x <= hi))
        return cli_error("%s: '%s' is not a number in [%g, %g]", opt, v, lo, hi);
    *out = x;
    return 0;
}

int cli_train_opt(int argc, char **argv, int *i, cc_train_opts *o)
{
    const char *a = argv[*i];
    static const char *const with_value[] = {
        "--loss", "--optimizer", "--trainable", "--batch-size", "--lr", "--momentum",
        "--dampening", "--weight-decay", "--beta1", "--beta2", "--eps", "--l1", "--clip-norm",
        "--seed"};
    if (!strcmp(a, "--train")) {
        o->enabled = 1;
        return 1;
    }
    if (!strcmp(a, "--nesterov")) {
        o->opt.nesterov = 1;
        return 1;
    }
    int known = 0;
    for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
        known |= !strcmp(a, with_value[k]);
    if (!known)
        return 0;
    if (*i + 1 >= argc)
        return -cli_error("%s needs a value", a);
    const char *v = argv[++*i];
    double x = 0.0;
    if (!strcmp(a, "--loss")) {
        if (!strcmp(v, "mse"))
            o->loss = CC_LOSS_MSE;
        else if (!strcmp(v, "cross-entropy"))
            o->loss = CC_LOSS_CE;
        else if (!strcmp(v, "bce"))
            o->loss = CC_LOSS_BCE;
        else
            return -cli_error("--loss: '%s' is not one of mse, cross-entropy, bce", v);
    } else if (!strcmp(a, "--optimizer")) {
        if (!strcmp(v, "sgd"))
            o->opt.kind = RT_OPT_SGD;
        else if (!strcmp(v, "adam"))
            o->opt.kind = RT_OPT_ADAM;
        else if (!strcmp(v, "adamw"))
            o->opt.kind = RT_OPT_ADAMW;
        else
            return -cli_error("--optimizer: '%s' is not one of sgd, adam, adamw", v);
    } else if (!strcmp(a, "--trainable")) {
        o->trainable = v;
    } else if (!strcmp(a, "--batch-size")) {
        if (num(a, v, 1, 1 << 20, &x) || x != (double)(int64_t)x)
            return -cli_error("--batch-size: '%s' is not a whole number from 1", v);
        o->batch = (int64_t)x;
    } else if (!strcmp(a, "--seed")) {
        if (num(a, v, 0, 1e18, &x))
            return -2;
        o->seed = (uint64_t)x;
    } else {
        if (num(a, v, 0, 1e30, &x))
            return -2;
        float f = (float)x;
        if (!strcmp(a, "--lr"))
            o->opt.lr = f;
        else if (!strcmp(a, "--momentum"))
            o->opt.momentum = f;
        else if (!strcmp(a, "--dampening"))
            o->opt.dampening = f;
        else if (!strcmp(a, "--weight-decay"))
            o->opt.weight_decay = f;
        else if (!strcmp(a, "--beta1"))
            o->opt.beta1 = f;
        else if (!strcmp(a, "--beta2"))
            o->opt.beta2 = f;
        else if (!strcmp(a, "--eps"))
            o->opt.eps = f;
        else if (!strcmp(a, "--l1"))
            o->opt.l1 = f;
        else
            o->clip_norm = f;
    }
    return 1;
}

const char cli_train_usage[] =
    "training options:\n"
    "  --loss mse|cross-entropy|bce   loss on the model's output (default cross-entropy);\n"
    "                        cross-entropy takes int64 labels and uses the logits before a\n"
    "                        final Softmax/LogSoftmax; bce takes 0/1 floats and uses the\n"
    "                        logits before a final Sigmoid (or the output as logits)\n"
    "  --optimizer sgd|adam|adamw     (default sgd), PyTorch's update rules\n"
    "  --lr F --momentum F --dampening F --nesterov --weight-decay F\n"
    "  --beta1 F --beta2 F --eps F    optimizer hyper-parameters (PyTorch's defaults)\n"
    "  --l1 F                L1 regularization: adds F * sign(w) to each gradient\n"
    "  --clip-norm F         clip gradients by global norm F (0: off)\n"
    "  --trainable LIST      comma-separated parameter names with * wildcards, last:N\n"
    "                        (the last N layers with parameters) or bias; default: every\n"
    "                        float parameter (BatchNormalization's statistics never)\n"
    "  --batch-size B        the batch a step takes (binds the input's batch axis)\n"
    "  --seed N              dropout's random generator seed (default 1)\n";
