/* snijpunt audit: offline checks of audit exports (JSON lines, see
 * audit/jsonl.h and docs/audit.md) — verify one node's export, cross-check
 * several nodes' exports, and tell one round's story. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit/crosscheck.h"
#include "audit/jsonl.h"
#include "audit/story.h"
#include "audit/verify.h"
#include "common/roundid.h"
#include "pki/cert.h"
#include "tools/cli_args.h"
#include "tools/cli_audit_export.h"
#include "tools/cli_audit_io.h"
#include "tools/cli_audit_json.h"
#include "tools/cli_control.h"
#include "tools/cmd.h"

#define PROG      "snijpunt audit"
#define MAX_FILES 64
#define MAX_CERTS 64

struct audit_opts {
    const char *ca, *crl, *cert_dir, *round;
    const char *certs[MAX_CERTS];
    size_t ncerts;
    const char *peers[MAX_FILES];
    size_t npeers;
    int64_t at;
    bool help, json;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: snijpunt audit export [--out FILE] [--socket PATH | --config FILE]\n"
            "       snijpunt audit verify FILE --cert NODE.crt --ca CA.crt [--crl CRL]\n"
            "                             [--peer-log FILE]... [--at TIME]\n"
            "       snijpunt audit crosscheck --ca CA.crt [--crl CRL] (--cert NODE.crt... |\n"
            "                             --cert-dir DIR) [--at TIME] FILE...\n"
            "       snijpunt audit show FILE... [--round ID] [--ca CA.crt --cert NODE.crt...\n"
            "                             | --cert-dir DIR] [--json]\n\n"
            "export: writes the local node's audit log as JSON lines, ending with its\n"
            "  signed head (`snijpunt audit export --help` for the options).\n"
            "Checks audit exports (JSON lines written by `snijpunt audit export`) offline.\n"
            "verify: the node's certificate must chain to the CA (and not be revoked); then\n"
            "  every entry's signature, the hash chain, the sequence and the signed head are\n"
            "  checked, and each --peer-log's recorded heads of this node are matched\n"
            "  against it. Prints \"ok: N entries, head seq S\" or names the first bad entry.\n"
            "crosscheck: verifies each export with its node's certificate (matched by node\n"
            "  name), then confirms that the nodes agree per round on the proposal digest,\n"
            "  the participants and the values each sent and received.\n"
            "show: one round's story in plain language (--round: the 32 hex digits of the\n"
            "  round id); without --round, lists the rounds. With --ca the exports are\n"
            "  verified first. --json: the list or the story as one JSON object (see\n"
            "  tools/README.md).\n\n"
            "  --at TIME  check certificates at TIME (Unix seconds, YYYY-MM-DD or\n"
            "             YYYY-MM-DDTHH:MM:SSZ) instead of now, e.g. for old exports\n"
            "Exit status: 0 verified/agreed, 1 a check failed (reason printed), 2 usage.\n");
}

static int audit_option(void *ctx, int id, const char *arg)
{
    struct audit_opts *o = ctx;
    if (id == 'c' && o->ncerts < MAX_CERTS) {
        o->certs[o->ncerts++] = arg;
    } else if (id == 'p' && o->npeers < MAX_FILES) {
        o->peers[o->npeers++] = arg;
    } else if (id == 'c' || id == 'p') {
        return SP_CLI_EXIT_USAGE; /* too many */
    } else if (id == 't') {
        if (sp_cliaudit_parse_time(arg, &o->at) != 0) {
            fprintf(stderr, PROG ": --at: not a time (Unix seconds or YYYY-MM-DD)\n");
            return SP_CLI_EXIT_USAGE;
        }
    } else {
        return SP_CLI_OPT_UNKNOWN;
    }
    return 0;
}

/* Any usage error returns SP_CLI_EXIT_USAGE with usage not yet printed. */
static int parse_opts(int argc, char **argv, struct audit_opts *o)
{
    static const struct option longopts[] = {{"ca", required_argument, NULL, 'a'},
                                             {"crl", required_argument, NULL, 'r'},
                                             {"cert", required_argument, NULL, 'c'},
                                             {"cert-dir", required_argument, NULL, 'd'},
                                             {"peer-log", required_argument, NULL, 'p'},
                                             {"round", required_argument, NULL, 'R'},
                                             {"at", required_argument, NULL, 't'},
                                             SP_CLI_JSON_OPTION,
                                             SP_CLI_HELP_OPTION,
                                             {NULL, 0, NULL, 0}};
    const char **slot[] = {
        ['a'] = &o->ca, ['r'] = &o->crl, ['d'] = &o->cert_dir, ['R'] = &o->round};
    const struct sp_cli_options spec = {.cmd = "audit",
                                        .table = longopts,
                                        .help = &o->help,
                                        .json = &o->json,
                                        SP_CLI_STRINGS(slot),
                                        .operands = SP_CLI_OPERANDS_ANY,
                                        .option = audit_option,
                                        .ctx = o};
    o->at = (int64_t)time(NULL);
    return sp_cli_parse_options(argc, argv, &spec);
}

static int feed_line(void *ctx, const char *line, size_t len)
{
    int err = sp_audit_verifier_line(ctx, line, len);
    if (err != 0)
        fprintf(stderr, PROG ": %s\n", sp_strerror(err));
    return err == 0 ? 0 : -1;
}

/* A verifier fed with every line of path. */
static int read_export(const char *path, const uint8_t *pk, const char *node,
                       struct sp_audit_verifier **out)
{
    int err = sp_audit_verifier_new(pk, node, out);
    if (err != 0) {
        fprintf(stderr, PROG ": %s\n", sp_strerror(err));
        return -1;
    }
    if (sp_cliaudit_lines(PROG, path, SP_AUDIT_LINE_MAX, feed_line, *out) != 0) {
        sp_audit_verifier_free(out);
        return -1;
    }
    return 0;
}

static void print_fault(FILE *out, const char *path, const struct sp_audit_report *r)
{
    if (r->line)
        fprintf(out, "%s: entry #%zu (line %zu, seq %llu): %s: %s\n", path, r->index, r->line,
                (unsigned long long)r->seq, sp_audit_fault_name(r->fault), r->detail);
    else
        fprintf(out, "%s: after entry #%zu (the end): %s: %s\n", path, r->index ? r->index - 1 : 0,
                sp_audit_fault_name(r->fault), r->detail);
}

static int cmd_verify(const struct audit_opts *o, int argc, char **argv)
{
    struct sp_pki_cert_info info;
    struct sp_audit_verifier *v = NULL;
    struct sp_audit_report rep;
    if (optind + 1 != argc || !o->ca || o->ncerts != 1) {
        fprintf(stderr, PROG " verify: one FILE, --cert and --ca are required\n");
        return 2;
    }
    const char *path = argv[optind];
    if (sp_cliaudit_cert(PROG, o->ca, o->crl, o->certs[0], o->at, SP_PKI_ROLE_NODE, &info) != 0)
        return 1;
    if (read_export(path, info.sign_pk, info.name, &v) != 0)
        return 1;
    int rc = 0;
    for (size_t i = 0; i < o->npeers && rc == 0; i++) {
        struct sp_audit_verifier *p = NULL;
        size_t bad = 0;
        if (read_export(o->peers[i], NULL, NULL, &p) != 0)
            rc = 1;
        else if (sp_audit_verifier_pins_from(v, p, &bad) != 0)
            rc = 1;
        if (bad > 0) {
            printf("%s: records %zu head(s) of %s that %s did not sign\n", o->peers[i], bad,
                   info.name, info.name);
            rc = 1;
        }
        sp_audit_verifier_free(&p);
    }
    if (rc == 0 && sp_audit_verifier_finish(v, &rep) != 0) {
        print_fault(stdout, path, &rep);
        rc = 1;
    } else if (rc == 0) {
        printf("ok: %zu entries, head seq %llu", rep.entries, (unsigned long long)rep.head_seq);
        if (o->npeers)
            printf(", %zu head(s) recorded by peers match", rep.pins);
        printf(" (node %s, %s)\n", info.name, info.org);
    }
    sp_audit_verifier_free(&v);
    return rc;
}

/* Node certificates by node name, each verified against the CA. */
struct certs {
    struct sp_pki_cert_info info[MAX_CERTS];
    size_t n;
};

static int add_cert(const struct audit_opts *o, struct certs *cs, const char *path, bool from_dir)
{
    char *pem = NULL;
    size_t len = 0;
    struct sp_pki_cert_info peek;
    if (from_dir && sp_cliaudit_read(PROG, path, SP_PKI_CERT_MAX_BYTES, &pem, &len) == 0) {
        int err = sp_pki_inspect(pem, len, &peek);
        free(pem);
        if (err == 0 && peek.role != SP_PKI_ROLE_NODE)
            return 0; /* the CA's and coordinators' certificates sit there too */
    }
    if (cs->n == MAX_CERTS) {
        fprintf(stderr, PROG ": more than %d certificates\n", MAX_CERTS);
        return -1;
    }
    if (sp_cliaudit_cert(PROG, o->ca, o->crl, path, o->at, SP_PKI_ROLE_NODE, &cs->info[cs->n]) != 0)
        return -1;
    cs->n++;
    return 0;
}

static int load_certs(const struct audit_opts *o, struct certs *cs)
{
    for (size_t i = 0; i < o->ncerts; i++)
        if (add_cert(o, cs, o->certs[i], false) != 0)
            return -1;
    if (!o->cert_dir)
        return 0;
    DIR *d = opendir(o->cert_dir);
    if (!d) {
        fprintf(stderr, PROG ": %s: %s\n", o->cert_dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        char path[PATH_MAX];
        if (n < 5 || strcmp(e->d_name + n - 4, ".crt") != 0)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", o->cert_dir, e->d_name) >= (int)sizeof(path))
            continue;
        rc = add_cert(o, cs, path, true);
    }
    closedir(d);
    return rc;
}

static const struct sp_pki_cert_info *cert_of(const struct certs *cs, const char *node)
{
    for (size_t i = 0; i < cs->n; i++)
        if (strcmp(cs->info[i].name, node) == 0)
            return &cs->info[i];
    return NULL;
}

/* A verifier for export path, with the key of the certificate of its node. */
static int export_verifier(const struct certs *cs, const char *path, struct sp_audit_verifier **out)
{
    char node[SP_AUDIT_NAME_MAX + 1];
    if (sp_cliaudit_export_node(PROG, path, node, sizeof(node)) != 0)
        return -1;
    const struct sp_pki_cert_info *c = cert_of(cs, node);
    if (!c) {
        fprintf(stderr, PROG ": %s: no certificate given for node %s\n", path, node);
        return -1;
    }
    return read_export(path, c->sign_pk, c->name, out);
}

static void emit_line(void *ctx, const char *line)
{
    (void)ctx;
    printf("%s\n", line);
}

static int cmd_crosscheck(const struct audit_opts *o, int argc, char **argv)
{
    static struct certs cs;
    struct sp_audit_crosscheck *cc = NULL;
    struct sp_audit_cc_summary sum;
    if (optind >= argc || !o->ca || (o->ncerts == 0 && !o->cert_dir)) {
        fprintf(stderr, PROG " crosscheck: FILE..., --ca and --cert or --cert-dir are required\n");
        return 2;
    }
    if (load_certs(o, &cs) != 0 || sp_audit_crosscheck_new(&cc) != 0)
        return 1;
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++) {
        struct sp_audit_verifier *v = NULL;
        int err = 0;
        if (export_verifier(&cs, argv[i], &v) != 0)
            rc = 1;
        else if ((err = sp_audit_crosscheck_add(cc, &v)) != 0) {
            fprintf(stderr, PROG ": %s: %s\n", argv[i],
                    err == SP_ERR_EXISTS ? "a second export of the same node" : sp_strerror(err));
            rc = 1;
        }
        sp_audit_verifier_free(&v);
    }
    if (rc == 0) {
        int err = sp_audit_crosscheck_run(cc, emit_line, NULL, &sum);
        if (err == 0 && sum.explained == 0)
            printf("ok: %zu exports agree on %zu round(s): %zu sent/received pairs, %zu recorded "
                   "heads checked\n",
                   sum.logs, sum.rounds, sum.pairs, sum.pins);
        else if (err == 0)
            printf("ok: %zu exports agree on %zu round(s): %zu sent/received pairs, %zu recorded "
                   "heads checked; %zu finding(s) explained by a recorded crash, stop, refusal or "
                   "lost peer (above), none unexplained\n",
                   sum.logs, sum.rounds, sum.pairs, sum.pins, sum.explained);
        else
            printf("%zu unexplained problem(s) (tampering or loss) in %zu exports (%zu do not "
                   "verify on their own); %zu finding(s) explained by recorded ends\n",
                   sum.problems, sum.logs, sum.bad_logs, sum.explained);
        rc = err == 0 ? 0 : 1;
    }
    sp_audit_crosscheck_free(&cc);
    return rc;
}

struct show_ctx {
    struct sp_audit_reader *r;
    struct sp_audit_story *story; /* NULL: list the rounds */
    uint8_t round[SP_ROUND_ID_BYTES];
    struct sp_json *j; /* --json: the document being written; NULL: text */
    const char *node;
    int err;
};

/* One line of the list of rounds: a node's decision on a proposal. */
struct listed {
    char id[SP_ROUND_ID_HEX_LEN + 1], time[40];
    const char *decision;
    const char *case_ref; /* NULL: the entry has none */
};

/* False when e is not a decision on a proposal. */
static bool listed_of(const struct sp_audit_entry *e, struct listed *out)
{
    struct sp_audit_value v;
    int type = sp_audit_entry_type(e);
    /* a round_failed that names a case is a round that failed before this
     * node decided on it: it is listed too */
    bool undecided =
        type == SP_AUDIT_ROUND_FAILED && sp_audit_entry_find(e, SP_AUDIT_F_CASE_REF, 0, &v) == 0;
    if ((type != SP_AUDIT_PROPOSAL_ACCEPTED && type != SP_AUDIT_PROPOSAL_REFUSED && !undecided) ||
        sp_audit_entry_find(e, SP_AUDIT_F_ROUND, 0, &v) != 0 || v.len != SP_ROUND_ID_BYTES)
        return false;
    sp_round_id_hex(v.bytes, out->id);
    sp_audit_format_time(sp_audit_entry_time(e), out->time, sizeof(out->time));
    out->case_ref =
        sp_audit_entry_find(e, SP_AUDIT_F_CASE_REF, 0, &v) == 0 ? (const char *)v.bytes : NULL;
    out->decision = type == SP_AUDIT_PROPOSAL_ACCEPTED  ? "accepted"
                    : type == SP_AUDIT_PROPOSAL_REFUSED ? "refused"
                                                        : "failed before deciding";
    return true;
}

static void list_round(const struct show_ctx *s, const struct sp_audit_entry *e)
{
    struct listed l;
    if (!listed_of(e, &l))
        return;
    if (!s->j) {
        printf("%s  %s  %s  %s: %s\n", l.id, l.time, s->node, l.decision,
               l.case_ref ? l.case_ref : "(no case reference)");
        return;
    }
    sp_json_obj_open(s->j, NULL);
    sp_json_str(s->j, "round", l.id);
    sp_json_str(s->j, "node", s->node);
    sp_json_str(s->j, "time", l.time);
    sp_json_str(s->j, "decision", l.decision);
    sp_json_str(s->j, "case", l.case_ref);
    sp_json_obj_close(s->j);
}

/* --json --round: an entry about the round goes to the document too. */
static void json_story_entry(const struct show_ctx *s, const struct sp_audit_entry *e)
{
    struct sp_audit_value v;
    if (sp_audit_entry_find(e, SP_AUDIT_F_ROUND, 0, &v) == 0 &&
        memcmp(v.bytes, s->round, SP_ROUND_ID_BYTES) == 0)
        sp_cli_audit_json_entry(s->j, NULL, s->node, e);
}

static int show_line(void *ctx, const char *line, size_t len)
{
    struct show_ctx *s = ctx;
    struct sp_audit_line l;
    if (sp_audit_reader_line(s->r, line, len, &l) != 0 || l.kind != SP_AUDIT_LINE_ENTRY)
        return 0; /* verification (with --ca) reports bad lines */
    if (!s->story)
        list_round(s, l.entry);
    else if ((s->err = sp_audit_story_add(s->story, s->node, l.entry)) != 0)
        return -1;
    else if (s->j)
        json_story_entry(s, l.entry);
    return 0;
}

static int parse_round(const char *hex, uint8_t id[SP_ROUND_ID_BYTES])
{
    if (sp_round_id_parse(hex, id) != 0) {
        fprintf(stderr, PROG " show: --round: the round id is 32 hex digits\n");
        return -1;
    }
    return 0;
}

/* With --ca, every export is verified before its story is told. */
static int show_verified(const struct certs *cs, const char *path, bool json)
{
    struct sp_audit_verifier *v = NULL;
    struct sp_audit_report rep;
    if (export_verifier(cs, path, &v) != 0)
        return -1;
    int rc = sp_audit_verifier_finish(v, &rep);
    if (rc != 0)
        print_fault(json ? stderr : stdout, path, &rep);
    sp_audit_verifier_free(&v);
    return rc == 0 ? 0 : -1;
}

static int show_file(struct show_ctx *s, const char *path)
{
    char node[SP_AUDIT_NAME_MAX + 1];
    if (sp_cliaudit_export_node(PROG, path, node, sizeof(node)) != 0)
        return -1;
    s->node = node;
    int rc = sp_cliaudit_lines(PROG, path, SP_AUDIT_LINE_MAX, show_line, s);
    if (rc != 0 && s->err != 0)
        fprintf(stderr, PROG ": %s: %s\n", path, sp_strerror(s->err));
    return rc;
}

/* The story's lines into the JSON array "story" (a line may start with a
 * newline to set it apart: the pieces go in without the empty ones). */
static void emit_json_line(void *ctx, const char *line)
{
    for (const char *p = line; *p;) {
        size_t n = strcspn(p, "\n");
        if (n > 0)
            sp_json_strn(ctx, NULL, p, n);
        p += n + (p[n] == '\n');
    }
}

/* Opens the JSON document: {"round"?, "verified", and "entries" (story) or
 * "rounds" (list) as an array left open. */
static void json_begin(struct show_ctx *s, const char *round, bool verified)
{
    sp_json_obj_open(s->j, NULL);
    if (round)
        sp_json_str(s->j, "round", round);
    sp_json_bool(s->j, "verified", verified);
    sp_json_arr_open(s->j, s->story ? "entries" : "rounds");
}

/* Closes it (with the story's lines) and prints it: the document is held
 * in memory until everything was read, so that a failure prints no half of
 * it. Returns 0, or 1 (printed). */
static int json_end(struct show_ctx *s, char **doc, size_t *len, FILE *mem)
{
    int err = 0;
    sp_json_arr_close(s->j);
    if (s->story) {
        sp_json_arr_open(s->j, "story");
        err = sp_audit_story_render(s->story, emit_json_line, s->j);
        sp_json_arr_close(s->j);
    }
    sp_json_obj_close(s->j);
    if (sp_json_finish(s->j) != 0)
        err = SP_ERR_IO;
    if (fclose(mem) != 0 || err != 0 || fwrite(*doc, 1, *len, stdout) != *len ||
        fflush(stdout) != 0) {
        fprintf(stderr, PROG " show: cannot write the JSON output\n");
        return 1;
    }
    return 0;
}

/* With --json the story is told into the document later (json_end). */
static void emit_nothing(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

/* Reads every export into s (and the document, with --json). */
static int show_files(struct show_ctx *s, const struct audit_opts *o, int argc, char **argv)
{
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        rc = show_file(s, argv[i]) == 0 ? 0 : 1;
    if (rc == 0 && s->story &&
        sp_audit_story_render(s->story, s->j ? emit_nothing : emit_line, NULL) != 0) {
        fprintf(stderr, PROG " show: no entry about round %s in the export(s)\n", o->round);
        rc = 1;
    }
    return rc;
}

static int cmd_show(const struct audit_opts *o, int argc, char **argv)
{
    static struct certs cs;
    struct show_ctx s = {0};
    struct sp_json j;
    char *doc = NULL;
    size_t len = 0;
    FILE *mem = NULL;
    if (optind >= argc) {
        fprintf(stderr, PROG " show: FILE... is required\n");
        return 2;
    }
    if (o->round && parse_round(o->round, s.round) != 0)
        return 2;
    if (o->ca && load_certs(o, &cs) != 0)
        return 1;
    for (int i = optind; i < argc; i++)
        if (o->ca && show_verified(&cs, argv[i], o->json) != 0)
            return 1;
    if (!o->ca)
        fprintf(stderr, "(not verified: give --ca and the node certificates, or run `snijpunt "
                        "audit verify` first)\n");
    int rc = 1;
    if (sp_audit_reader_new(&s.r) != 0 ||
        (o->round && sp_audit_story_new(s.round, &s.story) != 0) ||
        (o->json && !(mem = open_memstream(&doc, &len))))
        goto cleanup;
    if (mem) {
        s.j = &j;
        sp_json_init(&j, mem);
        json_begin(&s, o->round, o->ca != NULL);
    }
    rc = show_files(&s, o, argc, argv);
    if (mem) {
        FILE *m = mem;
        mem = NULL; /* json_end closes it */
        rc = rc == 0 ? json_end(&s, &doc, &len, m) : (fclose(m), rc);
    }
cleanup:
    if (mem)
        fclose(mem);
    free(doc);
    sp_audit_story_free(&s.story);
    sp_audit_reader_free(&s.r);
    return rc;
}

static int run(int argc, char **argv)
{
    struct audit_opts o = {0};
    int rc = sp_cli_subcommand_help(argc, argv, usage);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    const char *sub = argv[1];
    if (strcmp(sub, "export") == 0)
        return sp_cli_audit_export(argc - 1, argv + 1);
    if (parse_opts(argc - 1, argv + 1, &o) != SP_CLI_CONTINUE)
        return sp_cli_usage_error(usage);
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (sp_cli_sodium_init(PROG) != 0)
        return 1;
    if (o.json && (strcmp(sub, "verify") == 0 || strcmp(sub, "crosscheck") == 0)) {
        fprintf(stderr, PROG " %s: --json is only for show\n", sub);
        return 2;
    }
    if (strcmp(sub, "verify") == 0)
        return cmd_verify(&o, argc - 1, argv + 1);
    if (strcmp(sub, "crosscheck") == 0)
        return cmd_crosscheck(&o, argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return cmd_show(&o, argc - 1, argv + 1);
    return sp_cli_unknown_subcommand(PROG, sub, usage);
}

const struct sp_cmd sp_cmd_audit = {
    "audit", "export the node's audit log; verify, crosscheck, show exports", run};
