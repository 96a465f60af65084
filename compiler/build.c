/*
 * build.c - building and running generated code on the host, for verify and
 * finetune: finding the runtime, compiling with $CC, running, cleaning up.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Finds the runtime's header directory and library next to this executable:
 * build tree (DIR/include, DIR/libonnxcc_rt.a) or installed (DIR/../include,
 * DIR/../lib/libonnxcc_rt.a). $ONNXCC_RUNTIME_DIR overrides (a folder with
 * include/ and the library). */
int cli_find_runtime(char *inc, char *lib, size_t n)
{
    char exe[PATH_MAX - 64];
    const char *env = getenv("ONNXCC_RUNTIME_DIR");
    struct stat st;
    if (env && *env) {
        /* made absolute: the C compiler runs in the build directory */
        char cwd[PATH_MAX - 64] = "";
        if (env[0] != '/' && !getcwd(cwd, sizeof cwd))
            return -1;
        snprintf(inc, n, "%s%s%s/include", cwd, *cwd ? "/" : "", env);
        snprintf(lib, n, "%s%s%s/libonnxcc_rt.a", cwd, *cwd ? "/" : "", env);
        return stat(lib, &st) == 0 ? 0 : -1;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = 0;
    snprintf(inc, n, "%s/include", exe);
    snprintf(lib, n, "%s/libonnxcc_rt.a", exe);
    if (stat(lib, &st) == 0)
        return 0;
    snprintf(inc, n, "%s/../include", exe);
    snprintf(lib, n, "%s/../lib/libonnxcc_rt.a", exe);
    return stat(lib, &st) == 0 ? 0 : -1;
}

/* Appends s to a shell command in single quotes. */
void cli_shell_quote(char *cmd, size_t n, const char *s)
{
    size_t k = strlen(cmd);
    if (k + 1 < n)
        cmd[k++] = '\'';
    for (; *s && k + 5 < n; s++) {
        if (*s == '\'') {
            memcpy(cmd + k, "'\\''", 4);
            k += 4;
        } else {
            cmd[k++] = *s;
        }
    }
    if (k + 1 < n)
        cmd[k++] = '\'';
    cmd[k] = 0;
}


int cli_cc(const char *dir, const char *sources, const char *out, const char *inc,
           const char *lib)
{
    return cli_cc_flags(dir, NULL, sources, out, inc, lib);
}

int cli_cc_flags(const char *dir, const char *flags, const char *sources, const char *out,
                 const char *inc, const char *lib)
{
    const char *cc = getenv("CC");
    const char *cflags = flags ? flags : getenv("ONNXCC_CFLAGS");
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd ");
    cli_shell_quote(cmd, sizeof cmd, dir);
    size_t k = strlen(cmd);
    /* the generated code must build warning-free under the strictest flags */
    snprintf(cmd + k, sizeof cmd - k, " && %s -std=c99 -Wall -Wextra -pedantic -Werror %s -I. -I",
             cc && *cc ? cc : "cc", cflags && *cflags ? cflags : "-O2");
    cli_shell_quote(cmd, sizeof cmd, inc);
    k = strlen(cmd);
    snprintf(cmd + k, sizeof cmd - k, " -o %s %s%s", out, lib ? "" : "-c ", sources);
    if (lib) {
        k = strlen(cmd);
        snprintf(cmd + k, sizeof cmd - k, " ");
        cli_shell_quote(cmd, sizeof cmd, lib);
        k = strlen(cmd);
        snprintf(cmd + k, sizeof cmd - k, " -lm");
    }
    k = strlen(cmd);
    snprintf(cmd + k, sizeof cmd - k, " > build.log 2>&1");
    if (system(cmd) != 0) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/build.log", dir);
        FILE *f = fopen(path, "r");
        char line[512];
        fprintf(stderr, "onnxcc: error: the C compiler failed on the generated code:\n");
        for (int i = 0; f && i < 20 && fgets(line, sizeof line, f); i++)
            fputs(line, stderr);
        if (f)
            fclose(f);
        return 3;
    }
    return 0;
}

int cli_run(const char *dir, const char *prog)
{
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd ");
    cli_shell_quote(cmd, sizeof cmd, dir);
    size_t k = strlen(cmd);
    snprintf(cmd + k, sizeof cmd - k, " && %s", prog);
    fflush(stdout);
    int rc = system(cmd);
    if (rc == -1)
        return 127;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + (WIFSIGNALED(rc) ? WTERMSIG(rc) : 0);
}

int cli_make_dir(char *dir, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/onnxcc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return cli_error("cannot create a build directory in %s: %s", tmp && *tmp ? tmp : "/tmp",
                         strerror(errno));
    return 0;
}

void cli_remove_dir(const char *dir)
{
    DIR *dd = opendir(dir);
    if (dd) {
        struct dirent *e;
        char p[PATH_MAX + 300];
        while ((e = readdir(dd)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(dd);
    }
    rmdir(dir);
}
