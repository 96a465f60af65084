/*
 * cli.h - shared pieces of the command-line front end (main.c, verify.c,
 * summary.c). Nothing outside the front end includes this.
 */
#ifndef CC_CLI_H
#define CC_CLI_H

#include <stdarg.h>
#include <stdint.h>

#include "cc.h"

#define CLI_MAX_DIMS 64

typedef struct {
    int n;
    const char *names[CLI_MAX_DIMS];
    int64_t values[CLI_MAX_DIMS];
} cli_dims;

/* Prints "onnxcc: ..." on stderr and returns exit code 2. */
int cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints a diagnostic and returns the exit code of st. */
int cli_fail(const cc_diag *d, cc_status st);
int cli_is_ident(const char *s);
/* Parses NAME=VALUE into dims; 0 or an exit code. */
int cli_parse_dim(const char *arg, cli_dims *dims);
void cli_dims_free(cli_dims *dims);

int cli_verify(int argc, char **argv);
int cli_summary(int argc, char **argv);

#endif
