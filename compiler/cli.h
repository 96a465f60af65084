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
/* Parses a positive byte count with an optional K/M/G suffix; 0 or exit code. */
int cli_parse_bytes(const char *opt, const char *v, int64_t *out);

/* Training options: defaults, then one option at argv[*i] (advancing *i
 * past its value): 1 when taken, 0 when not a training option, negative
 * (minus the exit code) on a bad value. */
void cli_train_defaults(cc_train_opts *o);
int cli_train_opt(int argc, char **argv, int *i, cc_train_opts *o);
extern const char cli_train_usage[];

/* Host builds (build.c). cli_find_runtime: the runtime's include directory
 * and library next to the executable; 0 when found. cli_cc: compiles sources
 * in dir into out with $CC under -Werror; 0 or exit code 3 (with the log on
 * stderr). cli_run: runs a command in dir, returns its exit status. */
int cli_find_runtime(char *inc, char *lib, size_t n);
void cli_shell_quote(char *cmd, size_t n, const char *s);
int cli_cc(const char *dir, const char *sources, const char *out, const char *inc,
           const char *lib);
/* cli_cc with explicit flags in place of $ONNXCC_CFLAGS (NULL: as cli_cc);
 * lib NULL compiles only (-c), without linking. */
int cli_cc_flags(const char *dir, const char *flags, const char *sources, const char *out,
                 const char *inc, const char *lib);
int cli_run(const char *dir, const char *prog);
/* A fresh private directory under $TMPDIR (0 or an exit code); and its
 * removal with the files in it. */
int cli_make_dir(char *dir, size_t n);
void cli_remove_dir(const char *dir);

int cli_verify(int argc, char **argv);
int cli_finetune(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_summary(int argc, char **argv);
int cli_bench(int argc, char **argv);

#endif
