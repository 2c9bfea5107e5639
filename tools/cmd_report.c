/* snijpunt report: the coordinator's report of one round as one
 * self-contained HTML page: the proposal, timings, who holds what per
 * entity (UpSet charts with every number also as text), suppression, and
 * the audit facts. Read from the local node (the round's initiator holds
 * the counts): ROUNDS, COUNTS, SUBJECTS (per-subject cells, when the round
 * has them), and the node's audit log (AUDIT_HEAD, then AUDIT_EXPORT pages,
 * as `snijpunt audit export`). report_html.c renders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/entry.h"
#include "common/keytype.h"
#include "common/roundid.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_round_view.h"
#include "tools/cli_proposal.h"
#include "tools/cmd.h"
#include "tools/report_audit.h"
#include "tools/report_html.h"

#define PROG      "snijpunt report"
#define PAGE_SIZE 500

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt report --round ID --out FILE [--force] [--consume]\n"
                 "                       [--proposal FILE [--ca CA.crt [--crl CRL]]] "
                 "[connection options]\n\n"
                 "Writes the coordinator's report of a round as one self-contained HTML page\n"
                 "(no script, nothing fetched: it opens offline in any browser): the proposal\n"
                 "(case, purpose, legal basis, coordinator, participants, mode, k), timings,\n"
                 "per entity how many are held by exactly which partners (charts, and every\n"
                 "number as text), suppressed cells, and the audit facts (who signed, the\n"
                 "signed log heads recorded). Run it on the round's initiator, which holds the\n"
                 "counts. Counts only: no record and no identifier is in the report.\n\n"
                 "  --round ID       the round (32 hex digits)\n"
                 "  --out FILE       where to write the page (atomically; mode 0644)\n"
                 "  --force          overwrite an existing FILE\n"
                 "  --consume        read a round kept \"until read once\" (retention 0 days),\n"
                 "                   which deletes its results and counts on this node\n"
                 "  --proposal FILE  the round's signed proposal (`snijpunt proposal create`):\n"
                 "                   adds every partner's legal basis and OIN; it must be the\n"
                 "                   proposal the node recorded (same SHA-256)\n"
                 "  --ca CA.crt      check the proposal's signature against the federation CA\n"
                 "  --crl CRL        ... and its revocation list\n" SP_CLI_TARGET_HELP
                 "\nExit status: 0 written, 1 no such round or no counts on this node (it did\n"
                 "not initiate the round), a retention-0 round without --consume, the\n"
                 "daemon could not be reached, --proposal is another round's, FILE not\n"
                 "written, or the proposal's signature is not valid (the page is written\n"
                 "and says so), 2 usage error.\n");
}

struct report_args {
    uint8_t round[SP_ROUND_ID_BYTES];
    bool have_round;
    const char *out;
    const char *proposal, *ca, *crl;
    bool force, consume;
};

static int round_option(void *ctx, int id, const char *arg)
{
    struct report_args *a = ctx;
    if (id != 'r')
        return SP_CLI_OPT_UNKNOWN;
    if (sp_round_id_parse(arg, a->round) != 0) {
        fprintf(stderr, PROG ": --round takes a round id of 32 hex digits, not '%s'\n", arg);
        return SP_CLI_EXIT_USAGE;
    }
    a->have_round = true;
    return 0;
}

static int parse(int argc, char **argv, struct sp_cli_target *t, struct report_args *a)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"consume", no_argument, NULL, 'k'},
                                         {"proposal", required_argument, NULL, 'p'},
                                         {"ca", required_argument, NULL, 'a'},
                                         {"crl", required_argument, NULL, 'c'},
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    const char **value[] = {['o'] = &a->out, ['p'] = &a->proposal, ['a'] = &a->ca, ['c'] = &a->crl};
    bool *flag[] = {['f'] = &a->force, ['k'] = &a->consume};
    const struct sp_cli_options spec = {.cmd = "report",
                                        .table = opts,
                                        .usage = usage,
                                        .target = t,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag),
                                        .option = round_option,
                                        .ctx = a};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc == SP_CLI_CONTINUE && (!a->have_round || !a->out)) {
        fprintf(stderr, PROG ": --round ID and --out FILE are required\n");
        return SP_CLI_EXIT_USAGE;
    }
    if (rc == SP_CLI_CONTINUE && ((a->ca && !a->proposal) || (a->crl && !a->ca))) {
        fprintf(stderr, PROG ": --ca needs --proposal, and --crl needs --ca\n");
        return SP_CLI_EXIT_USAGE;
    }
    return rc;
}

/* ---- reading the node ------------------------------------------------- */

/* ROUNDS for the one round: state, mode, participants, times. Refuses (-1,
 * printed) a round this node did not initiate, and one kept until read
 * once unless consume. */
static int read_round(struct sp_cli_conn *conn, const uint8_t *id, bool consume,
                      struct sp_report *r)
{
    struct sp_ctl_request req = {.op = SP_CTL_ROUNDS};
    struct sp_ctl_reply rep;
    memcpy(req.rounds.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return -1;
    int rc = sp_cli_reply_failed(&rep, "report") ? -1 : 0;
    if (rc == 0 && rep.rounds.nrounds != 1) {
        fprintf(stderr, PROG ": this node knows no round %s\n", r->round_hex);
        rc = -1;
    }
    if (rc == 0 && rep.rounds.rounds[0].mode == SP_PROPOSAL_MODE_CASE) {
        /* the page is the coordinator's counts of a whole-dataset round: of
         * a case question it would show a counting node and empty cells */
        fprintf(stderr,
                PROG ": round %s is a case question: `snijpunt case results --round %s` shows "
                     "what the asker learned, `snijpunt audit show` its audit story\n",
                r->round_hex, r->round_hex);
        rc = -1;
    }
    if (rc == 0) {
        const struct sp_ctl_round_info *ri = &rep.rounds.rounds[0];
        snprintf(r->state, sizeof r->state, "%s", ri->state);
        snprintf(r->reason, sizeof r->reason, "%s", ri->reason);
        r->mode = ri->mode;
        r->started_at = ri->started_at;
        r->finished_at = ri->finished_at;
        r->nparticipants = ri->nparticipants;
        snprintf(r->case_ref, sizeof r->case_ref, "%s", ri->case_ref);
        r->min_holders = ri->min_holders;
        r->created_at = ri->created_at;
        r->have_matched = true;
        for (int e = 1; e <= SP_REPORT_ENTITY_MAX && e < SP_ENTITY_COUNT; e++)
            r->matched[e] = ri->matched[e];
        r->have_retention = true;
        r->retention_days = ri->retention_days;
        if (sp_cli_round_readable(ri, PROG, "make the report there", consume,
                                  "reading its counts deletes its results and counts") != 0)
            rc = -1;
        for (uint32_t i = 0; i < ri->nparticipants && i < SP_REPORT_MAX_PARTICIPANTS; i++)
            snprintf(r->participants[i].name, sizeof r->participants[i].name, "%s",
                     ri->participants[i]);
    }
    sp_ctl_reply_clear(&rep);
    return rc;
}

/* One page of the audit log from seq *next on; advances *next. */
static int audit_page(struct sp_cli_conn *conn, uint64_t *next, uint64_t last, const uint8_t *id,
                      struct sp_report *r)
{
    struct sp_ctl_request req = {.op = SP_CTL_AUDIT_EXPORT};
    struct sp_ctl_reply rep;
    uint8_t *owned = NULL;
    req.audit_export = (struct sp_ctl_audit_req){*next, PAGE_SIZE};
    if (sp_cli_call_owned(conn, &req, &rep, false, &owned) != 0)
        return -1;
    int rc = sp_cli_reply_failed(&rep, "report") ? -1 : 0;
    if (rc == 0 && rep.audit.nentries == 0) {
        fprintf(stderr, PROG ": the audit log ends at seq %llu, before its head\n",
                (unsigned long long)*next);
        rc = -1;
    }
    for (uint32_t i = 0; rc == 0 && i < rep.audit.nentries && *next <= last; i++, (*next)++) {
        struct sp_audit_entry *e = NULL;
        int err = sp_audit_record_open(rep.audit.entries[i].data, rep.audit.entries[i].len, NULL,
                                       &e, NULL);
        if (err == 0)
            err = sp_report_audit_add(r, id, e);
        if (err != 0) {
            fprintf(stderr, PROG ": audit entry %llu: %s\n", (unsigned long long)*next,
                    sp_strerror(err));
            rc = -1;
        }
        sp_audit_entry_free(&e);
    }
    sp_ctl_reply_clear(&rep);
    free(owned);
    return rc;
}

/* The node's name and signed head, then every entry up to it. */
static int read_audit(struct sp_cli_conn *conn, const uint8_t *id, struct sp_report *r)
{
    struct sp_ctl_request req = {.op = SP_CTL_AUDIT_HEAD};
    struct sp_ctl_reply rep;
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return -1;
    if (sp_cli_reply_failed(&rep, "report")) {
        sp_ctl_reply_clear(&rep);
        return -1;
    }
    snprintf(r->node, sizeof r->node, "%s", rep.audit_head.node);
    r->have_log_head = true;
    r->log_head_seq = rep.audit_head.seq;
    memcpy(r->log_head_hash, rep.audit_head.head_hash, SP_REPORT_HASH_BYTES);
    sp_ctl_reply_clear(&rep);
    for (uint64_t next = 0; next <= r->log_head_seq;)
        if (audit_page(conn, &next, r->log_head_seq, id, r) != 0)
            return -1;
    return 0;
}

/* SUBJECTS: the per-subject cells when the round has them (partners mode);
 * *cells (the caller's to free) stays NULL otherwise, and for a node that
 * does not know the operation. */
static int read_subjects(struct sp_cli_conn *conn, const uint8_t *id, struct sp_report *r,
                         struct sp_report_cell **cells)
{
    struct sp_ctl_request req = {.op = SP_CTL_SUBJECTS};
    struct sp_ctl_reply rep;
    memcpy(req.subjects.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return -1;
    const struct sp_ctl_subjects_reply *s = &rep.subjects;
    if (rep.status != 0 || !s->available) {
        sp_ctl_reply_clear(&rep);
        return 0;
    }
    *cells = calloc(s->ncells ? s->ncells : 1, sizeof **cells);
    if (!*cells) {
        sp_ctl_reply_clear(&rep);
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    for (uint32_t i = 0; i < s->ncells; i++)
        (*cells)[i] =
            (struct sp_report_cell){s->cells[i].entity, 0, s->cells[i].holders, s->cells[i].count};
    r->ncells = s->ncells;
    r->per_subject = true;
    r->suppressed_below = s->suppressed_below;
    r->suppressed_cells = s->suppressed_cells;
    r->suppressed_cells_known = true;
    sp_ctl_reply_clear(&rep);
    return 0;
}

/* The cells: SUBJECTS first (COUNTS is what marks a round kept "until read
 * once" as read), then COUNTS, whose per key type cells (grouped by the key
 * type's entity) are drawn when there are no subject cells. *cells is the
 * caller's to free. A node without counts of a round that ended without
 * result is no error (the page says so); otherwise it is. */
static int read_cells(struct sp_cli_conn *conn, const uint8_t *id, struct sp_report *r,
                      struct sp_report_cell **cells)
{
    struct sp_ctl_request req = {.op = SP_CTL_COUNTS};
    struct sp_ctl_reply rep;
    if (read_subjects(conn, id, r, cells) != 0)
        return -1;
    memcpy(req.counts.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return -1;
    if (rep.status != 0) {
        bool ended_badly = strcmp(r->state, "failed") == 0 || strcmp(r->state, "refused") == 0;
        if (!ended_badly)
            fprintf(stderr, PROG ": node %s holds no counts of round %s: %s\n", r->node,
                    r->round_hex, rep.message);
        sp_ctl_reply_clear(&rep);
        return ended_badly ? 0 : -1;
    }
    const struct sp_ctl_counts_reply *c = &rep.counts;
    r->have_counts = true;
    if (!r->per_subject) {
        *cells = calloc(c->nentries ? c->nentries : 1, sizeof **cells);
        if (!*cells) {
            sp_ctl_reply_clear(&rep);
            fprintf(stderr, PROG ": out of memory\n");
            return -1;
        }
        for (uint32_t i = 0; i < c->nentries; i++)
            (*cells)[i] = (struct sp_report_cell){
                (uint8_t)sp_key_type_entity(c->entries[i].key_type), c->entries[i].key_type,
                c->entries[i].holders, c->entries[i].count};
        r->ncells = c->nentries;
        r->suppressed_below = c->suppressed_below;
        r->suppressed_cells = c->suppressed_cells;
        r->suppressed_cells_known = true;
    }
    r->cells = *cells;
    sp_ctl_reply_clear(&rep);
    return 0;
}

/* ---- the signed proposal file ----------------------------------------- */

/* What the proposal says that this node's log does not: every partner's
 * legal basis and OIN, its creation time and deadline. */
static void apply_proposal(const struct sp_proposal *p, struct sp_report *r)
{
    if (r->nparticipants == 0)
        r->nparticipants = p->nparticipants;
    for (uint32_t i = 0; i < p->nparticipants && i < SP_REPORT_MAX_PARTICIPANTS; i++) {
        struct sp_report_participant *rp = &r->participants[i];
        snprintf(rp->name, sizeof rp->name, "%s", p->participants[i].name);
        snprintf(rp->legal_basis, sizeof rp->legal_basis, "%s", p->participants[i].legal_basis);
        snprintf(rp->oin, sizeof rp->oin, "%s", p->participants[i].oin);
    }
    if (!r->have_proposal) {
        snprintf(r->case_ref, sizeof r->case_ref, "%s", p->case_ref);
        snprintf(r->purpose, sizeof r->purpose, "%s", p->purpose);
        snprintf(r->coordinator, sizeof r->coordinator, "%s", p->coordinator);
    }
    r->created_at = r->created_at ? r->created_at : p->created_at;
    r->deadline_s = p->deadline_s;
}

/* Reads --proposal: it must be this round's, with the digest the node
 * recorded; with --ca its signature is checked (a bad one is shown in the
 * page and makes *bad_sig true). */
static int read_proposal(const struct report_args *a, struct sp_report *r, bool *bad_sig)
{
    struct sp_cli_proposal *p = malloc(sizeof *p);
    uint8_t digest[SP_REPORT_HASH_BYTES];
    struct sp_pki_cert_info info;
    int rc = -1;
    if (!p) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    if (sp_cli_proposal_read("report", a->proposal, p) != 0)
        goto done;
    crypto_hash_sha256(digest, p->bytes, p->len);
    bool other = memcmp(p->prop.round_id, a->round, SP_ROUND_ID_BYTES) != 0;
    if (other || (r->have_proposal_digest && memcmp(digest, r->proposal_sha256, sizeof digest))) {
        fprintf(stderr, PROG ": %s is not the proposal of round %s: %s\n", a->proposal,
                r->round_hex,
                other ? "it proposes another round"
                      : "its SHA-256 differs from the proposal digest the node recorded");
        goto done;
    }
    apply_proposal(&p->prop, r);
    r->file.given = true;
    r->file.checked = a->ca != NULL;
    r->file.valid = a->ca && sp_cli_proposal_verify("report", p, a->ca, a->crl, (int64_t)time(NULL),
                                                    &info, r->file.why, sizeof r->file.why) == 0;
    if (r->file.valid && r->have_coordinator_cert &&
        memcmp(info.fingerprint, r->coordinator_cert_sha256, sizeof info.fingerprint) != 0) {
        fprintf(stderr,
                PROG ": %s: signed with another certificate than the one node %s recorded\n",
                a->proposal, r->node);
        snprintf(r->file.why, sizeof r->file.why,
                 "signed with another certificate than the one the node recorded");
        r->file.valid = false;
    }
    if (r->file.valid) {
        snprintf(r->file.name, sizeof r->file.name, "%s", info.name);
        snprintf(r->file.org, sizeof r->file.org, "%s", info.org);
        snprintf(r->file.oin, sizeof r->file.oin, "%s", info.oin);
        r->file.serial = info.serial;
        memcpy(r->file.fingerprint, info.fingerprint, sizeof r->file.fingerprint);
    }
    *bad_sig = r->file.checked && !r->file.valid;
    rc = 0;
done:
    free(p);
    return rc;
}

/* ---- writing ---------------------------------------------------------- */

/* Renders into a temporary file next to path, renamed into place. */
static int write_page(const char *path, const struct sp_report *r)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, PROG ": %s: path too long\n", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 && fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, PROG ": %s: cannot create: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return -1;
    }
    int rc = sp_report_html_write(f, r);
    if (rc != 0)
        fprintf(stderr, PROG ": %s: %s\n", path, sp_strerror(rc));
    if (fsync(fileno(f)) != 0 || fclose(f) != 0 || (rc == 0 && rename(tmp, path) != 0)) {
        if (rc == 0)
            fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    return rc == 0 ? 0 : -1;
}

static int report_main(int argc, char **argv)
{
    struct sp_cli_target t;
    struct report_args a = {.have_round = false};
    sp_cli_target_init(&t);
    int rc = parse(argc, argv, &t, &a);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (!a.force && access(a.out, F_OK) == 0) {
        fprintf(stderr, PROG ": %s exists (use --force to overwrite)\n", a.out);
        return 1;
    }
    struct sp_report *r = calloc(1, sizeof *r);
    struct sp_report_cell *cells = NULL;
    struct sp_cli_conn *conn = NULL;
    if (!r) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    sp_round_id_hex(a.round, r->round_hex);
    r->generated_at = (uint64_t)time(NULL);
    int status = 1;
    bool bad_sig = false;
    if (sp_cli_sodium_init(PROG) == 0 && sp_cli_connect(&t, "report", false, &conn) == 0 &&
        read_round(conn, a.round, a.consume, r) == 0 && read_audit(conn, a.round, r) == 0 &&
        read_cells(conn, a.round, r, &cells) == 0 &&
        (!a.proposal || read_proposal(&a, r, &bad_sig) == 0) && write_page(a.out, r) == 0) {
        fprintf(stderr, PROG ": %s: round %s as recorded by node %s%s\n", a.out, r->round_hex,
                r->node, bad_sig ? "; the proposal's signature is NOT valid" : "");
        status = bad_sig ? 1 : 0;
    }
    sp_cli_close(&conn);
    free(cells);
    free(r);
    return status;
}

const struct sp_cmd sp_cmd_report = {
    .name = "report",
    .summary = "write a round's report for the coordinator (one HTML page)",
    .run = report_main,
};
