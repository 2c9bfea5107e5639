/* snijpunt audit export: the local node's audit log as JSON lines (the
 * format `snijpunt audit verify` reads, audit/jsonl.h): the node's signed
 * head first fixes how far the export goes (AUDIT_HEAD), then the entries
 * 0..head are read in pages (AUDIT_EXPORT) and written one per line, and
 * the head line ends the file. Entries the node appends meanwhile are after
 * the head and left for the next export. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/jsonl.h"
#include "tools/cli_args.h"
#include "tools/cli_audit_export.h"
#include "tools/cli_control.h"

#define PROG      "snijpunt audit export"
#define PAGE_SIZE 500

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt audit export [--out FILE] [connection options]\n\n"
                 "Writes the local node's audit log as JSON lines, ending with the "
                 "node's\n"
                 "signed head, to FILE (written atomically; mode 0644) or standard "
                 "output.\n"
                 "Check it with `snijpunt audit verify FILE --cert NODE.crt --ca "
                 "CA.crt`.\n\n"
                 "  --out FILE       where to write (default: standard output)\n"
                 "  --force          overwrite an existing FILE\n" SP_CLI_TARGET_HELP
                 "\nExit status: 0 written, 1 the daemon could not be reached or the "
                 "log not\n"
                 "read or written, 2 usage error.\n");
}

struct export
{
    struct sp_cli_conn *conn;
    FILE *out;
    char *line;
    struct sp_ctl_audit_head head;
};

static int fetch_head(struct export *x)
{
    struct sp_ctl_request req = {.op = SP_CTL_AUDIT_HEAD};
    struct sp_ctl_reply rep;
    if (sp_cli_call(x->conn, &req, &rep, false) != 0)
        return -1;
    int rc = sp_cli_reply_failed(&rep, "audit export") ? -1 : 0;
    if (!rc)
        x->head = rep.audit_head;
    sp_ctl_reply_clear(&rep);
    return rc;
}

/* Writes the entries from seq *next on (one page); advances *next. */
static int write_page(struct export *x, uint64_t *next)
{
    struct sp_ctl_request req = {.op = SP_CTL_AUDIT_EXPORT};
    struct sp_ctl_reply rep;
    uint8_t *owned = NULL;
    req.audit_export = (struct sp_ctl_audit_req){*next, PAGE_SIZE};
    if (sp_cli_call_owned(x->conn, &req, &rep, false, &owned) != 0)
        return -1;
    int rc = sp_cli_reply_failed(&rep, "audit export") ? -1 : 0;
    if (!rc && rep.audit.nentries == 0) {
        fprintf(stderr, PROG ": the log ends at seq %llu, before its head\n",
                (unsigned long long)*next);
        rc = -1;
    }
    for (uint32_t i = 0; !rc && i < rep.audit.nentries && *next <= x->head.seq; i++) {
        size_t n = 0;
        int err = sp_audit_jsonl_entry(rep.audit.entries[i].data, rep.audit.entries[i].len, x->line,
                                       SP_AUDIT_LINE_MAX + 1, &n);
        if (err) {
            fprintf(stderr, PROG ": entry %llu: %s\n", (unsigned long long)*next, sp_strerror(err));
            rc = -1;
        } else if (fprintf(x->out, "%s\n", x->line) < 0) {
            rc = -1;
        }
        (*next)++;
    }
    sp_ctl_reply_clear(&rep);
    free(owned);
    return rc;
}

static int write_export(struct export *x)
{
    uint64_t next = 0;
    if (fetch_head(x) != 0)
        return -1;
    while (next <= x->head.seq)
        if (write_page(x, &next) != 0)
            return -1;
    struct sp_audit_head h = {.seq = x->head.seq};
    size_t n = 0;
    snprintf(h.node, sizeof h.node, "%s", x->head.node);
    memcpy(h.hash, x->head.head_hash, sizeof h.hash);
    memcpy(h.sig, x->head.signature, sizeof h.sig);
    if (sp_audit_jsonl_head(&h, x->line, SP_AUDIT_LINE_MAX + 1, &n) != 0 ||
        fprintf(x->out, "%s\n", x->line) < 0)
        return -1;
    return 0;
}

/* Opens a temporary file next to path (renamed into place at the end). */
static FILE *open_out(const char *path, char *tmp, size_t cap)
{
    int n = snprintf(tmp, cap, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return NULL;
    if (fchmod(fd, 0644) != 0) {
        close(fd);
        unlink(tmp);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
    }
    return f;
}

static int finish_out(struct export *x, const char *path, const char *tmp, int rc)
{
    if (!path)
        return fflush(x->out) == 0 && rc == 0 ? 0 : -1;
    if (fflush(x->out) != 0 || fsync(fileno(x->out)) != 0)
        rc = -1;
    if (fclose(x->out) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    return rc;
}

struct export_args {
    const char *out;
    bool force;
};

static int parse(int argc, char **argv, struct sp_cli_target *t, struct export_args *a)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    const char **value[] = {['o'] = &a->out};
    bool *flag[] = {['f'] = &a->force};
    const struct sp_cli_options spec = {.cmd = "audit export",
                                        .table = opts,
                                        .usage = usage,
                                        .target = t,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag)};
    return sp_cli_parse_options(argc, argv, &spec);
}

int sp_cli_audit_export(int argc, char **argv)
{
    struct sp_cli_target t;
    struct export_args a = {NULL, false};
    char tmp[4200];
    sp_cli_target_init(&t);
    int r = parse(argc, argv, &t, &a);
    if (r != SP_CLI_CONTINUE)
        return r;
    const char *path = a.out;
    if (path && !a.force && access(path, F_OK) == 0) {
        fprintf(stderr, PROG ": %s exists (use --force to overwrite)\n", path);
        return 1;
    }
    struct export x = {.out = stdout, .line = malloc(SP_AUDIT_LINE_MAX + 1)};
    if (!x.line || sp_cli_connect(&t, "audit export", false, &x.conn) != 0) {
        free(x.line);
        return 1;
    }
    if (path && !(x.out = open_out(path, tmp, sizeof tmp))) {
        fprintf(stderr, PROG ": %s: cannot create: %s\n", path, strerror(errno));
        sp_cli_close(&x.conn);
        free(x.line);
        return 1;
    }
    int rc = finish_out(&x, path, tmp, write_export(&x));
    if (rc == 0 && path)
        fprintf(stderr, PROG ": %s: %llu entries and the head of node %s\n", path,
                (unsigned long long)x.head.seq + 1, x.head.node);
    sp_cli_close(&x.conn);
    free(x.line);
    return rc == 0 ? 0 : 1;
}
