/*
 * app.c - the application both build examples compile: it runs the MLP of
 * models/mlp, compiled to C at build time, on one input read from a raw
 * float32 file (or on zeros) and prints the predicted class.
 */
#include <stdio.h>

#include "mlp.h"

int main(int argc, char **argv)
{
    static float input[MLP_INPUT0_SIZE], output[MLP_OUTPUT0_SIZE];
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (!f || fread(input, sizeof input[0], MLP_INPUT0_SIZE, f) != MLP_INPUT0_SIZE) {
            fprintf(stderr, "app: cannot read %d floats from %s\n", MLP_INPUT0_SIZE, argv[1]);
            return 2;
        }
        fclose(f);
    }
    mlp_run(input, output);
    int best = 0;
    for (int k = 1; k < MLP_OUTPUT0_SIZE; k++)
        if (output[k] > output[best])
            best = k;
    printf("class %d (score %.6f), arena %d bytes\n", best, output[best], MLP_ARENA_BYTES);
    return 0;
}
