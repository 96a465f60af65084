/*
 * refused.c - the ONNX ops onnxcc leaves out on purpose, by category, with
 * the reason. Import quotes the reason when a model uses one; `onnxcc ops
 * --refused` prints the list (the README's copy is checked against it), and
 * the conformance runner groups refused cases by these categories. An op in
 * neither this list nor the op table is one not implemented yet.
 */
#include <string.h>

#include "cc.h"

#define FLOW "subgraphs run conditionally; onnxcc compiles one static data-flow graph"

static const cc_refusal refusals[] = {
    {"If", "control flow", FLOW},
    {"Loop", "control flow", FLOW},
    {"Scan", "control flow", FLOW},
    {"ConcatFromSequence", "sequences and optionals", "values are tensors only"},
    {"Optional", "sequences and optionals", "values are tensors only"},
    {"OptionalGetElement", "sequences and optionals", "values are tensors only"},
    {"OptionalHasElement", "sequences and optionals", "values are tensors only"},
    {"SequenceAt", "sequences and optionals", "values are tensors only"},
    {"SequenceConstruct", "sequences and optionals", "values are tensors only"},
    {"SequenceEmpty", "sequences and optionals", "values are tensors only"},
    {"SequenceErase", "sequences and optionals", "values are tensors only"},
    {"SequenceInsert", "sequences and optionals", "values are tensors only"},
    {"SequenceLength", "sequences and optionals", "values are tensors only"},
    {"SequenceMap", "sequences and optionals", "values are tensors only"},
    {"SplitToSequence", "sequences and optionals", "values are tensors only"},
    {"StringNormalizer", "strings", "text pre-processing over strings and token ids; string "
                                    "tensors are not supported"},
    {"TfIdfVectorizer", "strings", "text pre-processing over strings and token ids; string "
                                   "tensors are not supported"},
    {"Bernoulli", "random generators", "outputs are random: no reproducible result to compile "
                                       "or to verify"},
    {"Multinomial", "random generators", "outputs are random: no reproducible result to compile "
                                         "or to verify"},
    {"RandomNormal", "random generators", "outputs are random: no reproducible result to compile "
                                          "or to verify"},
    {"RandomNormalLike", "random generators", "outputs are random: no reproducible result to "
                                              "compile or to verify"},
    {"RandomUniform", "random generators", "outputs are random: no reproducible result to compile "
                                           "or to verify"},
    {"RandomUniformLike", "random generators", "outputs are random: no reproducible result to "
                                               "compile or to verify"},
    {"Unique", "data-dependent shapes", "the output's size is known only at run time; generated "
                                        "code plans all memory at compile time"},
    {"NonMaxSuppression", "data-dependent shapes", "the output's size is known only at run time; "
                                                   "generated code plans all memory at compile "
                                                   "time"},
};

const cc_refusal *cc_op_refusal(const char *name)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (!strcmp(refusals[i].op, name))
            return &refusals[i];
    return NULL;
}

const cc_refusal *cc_refusal_table(int *n)
{
    *n = (int)(sizeof refusals / sizeof refusals[0]);
    return refusals;
}
