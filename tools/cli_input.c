#include "tools/cli_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK_BYTES 65536

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sp_cli_parse_date(const char *s, int *yyyymmdd)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int v[3] = {0, 0, 0};
    static const int widths[3] = {4, 2, 2};
    const char *p = s;

    for (int part = 0; part < 3; part++) {
        for (int i = 0; i < widths[part]; i++, p++) {
            if (*p < '0' || *p > '9')
                return SP_ERR_INPUT_FORMAT;
            v[part] = v[part] * 10 + (*p - '0');
        }
        if (part < 2 && *p++ != '-')
            return SP_ERR_INPUT_FORMAT;
    }
    if (*p != '\0' || v[0] < 1000 || v[1] < 1 || v[1] > 12 || v[2] < 1)
        return SP_ERR_INPUT_FORMAT;
    int max = mdays[v[1] - 1] + (v[1] == 2 && is_leap(v[0]) ? 1 : 0);
    if (v[2] > max)
        return SP_ERR_INPUT_FORMAT;
    *yyyymmdd = v[0] * 10000 + v[1] * 100 + v[2];
    return 0;
}

int sp_cli_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm) == NULL)
        return 99991231; /* no clock: no date counts as in the future */
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* Takes the value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

static int usage_error(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "snijpunt %s: %s%s%s\nRun `snijpunt %s --help` for usage.\n", cmd, what,
            arg != NULL ? ": " : "", arg != NULL ? arg : "", cmd);
    return 2;
}

static int parse_one(int argc, char **argv, int *i, bool allow_json, struct sp_cli_input_args *a)
{
    const char *cmd = argv[0], *arg = argv[*i], *v;

    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        a->help = true;
    } else if (allow_json && strcmp(arg, "--json") == 0) {
        a->json = true;
    } else if ((v = option_value(argc, argv, i, "--mapping")) != NULL) {
        if (*v == '\0' || a->mapping != NULL)
            return usage_error(cmd, "--mapping needs one FILE", NULL);
        a->mapping = v;
    } else if ((v = option_value(argc, argv, i, "--today")) != NULL) {
        if (sp_cli_parse_date(v, &a->today) != 0)
            return usage_error(cmd, "--today needs a date as YYYY-MM-DD", v);
    } else if (arg[0] == '-' && arg[1] != '\0') {
        return usage_error(cmd, "unknown option", arg);
    } else {
        if (a->input != NULL)
            return usage_error(cmd, "more than one input file", arg);
        a->input = arg;
    }
    return 0;
}

int sp_cli_input_args_parse(int argc, char **argv, bool allow_json, struct sp_cli_input_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        int rc = parse_one(argc, argv, &i, allow_json, a);
        if (rc != 0)
            return rc;
    }
    if (a->help)
        return 0;
    if (a->mapping == NULL)
        return usage_error(argv[0], "missing --mapping FILE", NULL);
    if (a->input == NULL)
        return usage_error(argv[0], "missing the input file (INPUT.csv)", NULL);
    if (a->today == 0)
        a->today = sp_cli_today();
    return 0;
}

void sp_cli_print_diag(const char *path, const char *diag)
{
    unsigned long long line = 0;
    int used = 0;

    if (sscanf(diag, "line %llu: %n", &line, &used) == 1 && used > 0)
        fprintf(stderr, "snijpunt: %s:%llu: %s\n", path, line, diag + used);
    else
        fprintf(stderr, "snijpunt: %s: %s\n", path, diag);
}

/* Reads a whole file of at most cap bytes. */
static int read_small_file(const char *path, size_t cap, char *buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return SP_ERR_IO;
    size_t n = fread(buf, 1, cap, f);
    int rc = ferror(f) ? SP_ERR_IO : 0;
    fclose(f);
    *len = n;
    return rc;
}

int sp_cli_load_mapping(const char *path, struct sp_mapping **out)
{
    /* One byte more than allowed, so that an oversized file is seen as such. */
    char *buf = malloc(SP_MAPPING_MAX_BYTES + 1);
    char diag[512];
    size_t len = 0;
    int rc;

    if (buf == NULL)
        return SP_ERR_NOMEM;
    rc = read_small_file(path, SP_MAPPING_MAX_BYTES + 1, buf, &len);
    if (rc != 0) {
        fprintf(stderr, "snijpunt: %s: cannot read the mapping file: %s\n", path, strerror(errno));
        goto out;
    }
    rc = sp_mapping_parse(buf, len, out, diag, sizeof(diag));
    if (rc == SP_ERR_INPUT_MAPPING)
        sp_cli_print_diag(path, diag);
    else if (rc != 0)
        fprintf(stderr, "snijpunt: %s: %s\n", path, sp_strerror(rc));
out:
    free(buf);
    return rc;
}

static int open_input(const char *path)
{
    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "snijpunt: %s: cannot open the input file: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        fprintf(stderr, "snijpunt: %s: not a readable file\n", path);
        close(fd);
        return -1;
    }
    return fd;
}

static int feed_fd(int fd, const char *path, struct sp_ingest *ing, sp_record_fn fn, void *ctx,
                   unsigned char *buf)
{
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK_BYTES);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "snijpunt: %s: read error: %s\n", path, strerror(errno));
            return SP_ERR_IO;
        }
        if (n == 0)
            return sp_ingest_finish(ing, fn, ctx);
        int rc = sp_ingest_feed(ing, buf, (size_t)n, fn, ctx);
        if (rc != 0)
            return rc;
    }
}

int sp_cli_ingest_file(const char *path, struct sp_ingest *ing, sp_record_fn fn, void *ctx)
{
    unsigned char *buf = malloc(READ_CHUNK_BYTES);
    int fd = -1, rc = SP_ERR_IO;

    if (buf == NULL)
        return SP_ERR_NOMEM;
    fd = open_input(path);
    if (fd < 0)
        goto out;
    rc = feed_fd(fd, path, ing, fn, ctx, buf);
    if (rc != 0 && rc != SP_ERR_IO && sp_ingest_diagnostic(ing)[0] != '\0')
        sp_cli_print_diag(path, sp_ingest_diagnostic(ing));
    else if (rc != 0 && rc != SP_ERR_IO)
        fprintf(stderr, "snijpunt: %s: %s\n", path, sp_strerror(rc));
out:
    if (fd > STDIN_FILENO)
        close(fd);
    /* The buffer held raw personal data. */
    explicit_bzero(buf, READ_CHUNK_BYTES);
    free(buf);
    return rc;
}

/* Keys are counted by the ingestion itself. */
static int keep_nothing(void *ctx, const struct sp_record_keys *rec)
{
    (void)ctx;
    (void)rec;
    return 0;
}

int sp_cli_ingest_count(const struct sp_mapping *m, int today, const char *path,
                        struct sp_ingest **ing)
{
    int rc = sp_ingest_new(m, ing);
    if (rc == 0)
        rc = sp_ingest_set_today(*ing, today);
    if (rc == 0)
        rc = sp_cli_ingest_file(path, *ing, keep_nothing, NULL);
    return rc;
}

int sp_cli_input_main(int argc, char **argv, const struct sp_cli_input_cmd *c)
{
    struct sp_cli_input_args a;
    struct sp_mapping *m = NULL;

    int rc = sp_cli_input_args_parse(argc, argv, c->allow_json, &a);
    if (rc != 0)
        return rc;
    if (a.help) {
        c->usage(stdout);
        return 0;
    }
    if (sp_cli_load_mapping(a.mapping, &m) != 0) {
        if (c->mapping_failed)
            c->mapping_failed(&a);
        return 1;
    }
    rc = c->run(&a, m);
    sp_mapping_free(&m);
    return rc;
}
