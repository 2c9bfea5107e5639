/* Shared plumbing of `snijpunt ca` and `snijpunt audit` (see cli_audit_io.h). */
#include "cli_audit_io.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/entry.h"
#include "audit/jsonl.h"
#include "pki/cert.h"

int sp_cliaudit_read(const char *prog, const char *path, size_t max, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rbe");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    char *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max + 1, f) : 0;
    int bad = !b || ferror(f), big = n > max;
    fclose(f);
    if (bad || big) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, big ? "file too large" : "cannot be read");
        free(b);
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int sp_cliaudit_write(const char *prog, const char *path, const char *data, size_t len, mode_t mode,
                      bool overwrite)
{
    char tmp[PATH_MAX + 32];
    struct stat st;
    if (!overwrite && lstat(path, &st) == 0) {
        fprintf(stderr, "%s: %s exists; not overwritten\n", prog, path);
        return -1;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        fprintf(stderr, "%s: %s: path too long\n", prog, path);
        return -1;
    }
    FILE *f = fopen(tmp, "wxe");
    int ok = f && fwrite(data, 1, len, f) == len && fchmod(fileno(f), mode) == 0 &&
             fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        if (f)
            unlink(tmp);
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(e));
        return -1;
    }
    return 0;
}

/* Reads one line into buf (capacity max + 2); longer lines are cut to
 * max + 1 bytes and the rest skipped. Returns the length, or -1 at EOF. */
static long read_line(FILE *f, char *buf, size_t max)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n')
        if (n <= max)
            buf[n++] = (char)c;
    if (c == EOF && n == 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

int sp_cliaudit_lines(const char *prog, const char *path, size_t max,
                      int (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
    bool std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rbe");
    char *buf = malloc(max + 2);
    if (!f || !buf) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, f ? "out of memory" : strerror(errno));
        if (f && !std)
            fclose(f);
        free(buf);
        return -1;
    }
    long n;
    int rc = 0;
    while (rc == 0 && (n = read_line(f, buf, max)) >= 0)
        rc = fn(ctx, buf, (size_t)n);
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "%s: %s: read error\n", prog, path);
        rc = -1;
    }
    if (!std)
        fclose(f);
    free(buf);
    return rc;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int sp_cliaudit_parse_time(const char *s, int64_t *out)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
    size_t len = strlen(s);
    if (len > 0 && len <= 12 && strspn(s, "0123456789") == len) {
        *out = strtoll(s, NULL, 10);
        return 0;
    }
    if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10) {
        /* midnight UTC */
    } else if (!(len == 20 &&
                 sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used) == 6 &&
                 used == 20)) {
        return -1;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
        sec > 59)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    return 0;
}

int sp_cliaudit_cert(const char *prog, const char *ca_path, const char *crl_path,
                     const char *cert_path, int64_t at, int role, struct sp_pki_cert_info *info)
{
    char *ca = NULL, *crl = NULL, *cert = NULL, why[200];
    size_t ca_len = 0, crl_len = 0, cert_len = 0;
    int rc = -1;
    if (sp_cliaudit_read(prog, ca_path, SP_PKI_CERT_MAX_BYTES, &ca, &ca_len) != 0 ||
        (crl_path && sp_cliaudit_read(prog, crl_path, SP_PKI_CRL_MAX_BYTES, &crl, &crl_len) != 0) ||
        sp_cliaudit_read(prog, cert_path, SP_PKI_CERT_MAX_BYTES, &cert, &cert_len) != 0)
        goto out;
    int err =
        sp_pki_verify(ca, ca_len, crl, crl_len, cert, cert_len, at, role, info, why, sizeof(why));
    if (err != 0) {
        fprintf(stderr, "%s: %s: %s: %s\n", prog, cert_path, sp_strerror(err), why);
        goto out;
    }
    rc = 0;
out:
    free(ca);
    free(crl);
    free(cert);
    return rc;
}

struct node_scan {
    struct sp_audit_reader *r;
    char *node;
    size_t cap;
    bool from_head;
};

static int scan_line(void *ctx, const char *line, size_t len)
{
    struct node_scan *s = ctx;
    struct sp_audit_line l;
    struct sp_audit_value v;
    if (sp_audit_reader_line(s->r, line, len, &l) != 0)
        return 0;
    if (l.kind == SP_AUDIT_LINE_HEAD) {
        snprintf(s->node, s->cap, "%s", l.head.node);
        s->from_head = true;
    } else if (!s->from_head && !s->node[0] &&
               sp_audit_entry_type(l.entry) == SP_AUDIT_NODE_START &&
               sp_audit_entry_find(l.entry, SP_AUDIT_F_NODE, 0, &v) == 0) {
        snprintf(s->node, s->cap, "%s", (const char *)v.bytes);
    }
    return 0;
}

int sp_cliaudit_export_node(const char *prog, const char *path, char *node, size_t cap)
{
    struct node_scan s = {NULL, node, cap, false};
    node[0] = '\0';
    if (sp_audit_reader_new(&s.r) != 0) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return -1;
    }
    int rc = sp_cliaudit_lines(prog, path, SP_AUDIT_LINE_MAX, scan_line, &s);
    sp_audit_reader_free(&s.r);
    if (rc == 0 && !node[0]) {
        fprintf(stderr, "%s: %s: neither a head line nor a node_start entry names the node\n", prog,
                path);
        rc = -1;
    }
    return rc;
}
