/* snijpunt case: case questions (docs/case-questions.md). `ask` hands a
 * coordinator-signed proposal in mode case and the case list to this node,
 * which asks every partner; `results` shows what the asker learned, per
 * case subject and partner; `status` shows this node's own epoch (as an
 * answering node) and the partners' filters it holds (as an asking node);
 * `epoch` reports the epoch or begins a new one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/keytype.h"
#include "common/roundid.h"
#include "tools/cli_args.h"
#include "tools/cli_audit_io.h"
#include "tools/cli_case_list.h"
#include "tools/cli_case_view.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cli_proposal.h"
#include "tools/cli_round_view.h"
#include "tools/cmd.h"

#define PROG "snijpunt case"
/* Polling starts often and slows down: a question usually ends within
 * tens of milliseconds, and the wait is part of what the asker feels. */
#define WAIT_POLL_FIRST_MS 5
#define WAIT_POLL_MAX_MS   250
#define WAIT_MAX_S         (7 * 86400)

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: snijpunt case ask --proposal FILE --mapping MAP [--wait [--json | --csv]]\n"
        "                         [--json] CASE.csv\n"
        "       snijpunt case results --round ID [--json | --csv] [--consume]\n"
        "       snijpunt case status [--json]\n"
        "       snijpunt case epoch [--rotate] [--json]\n\n"
        "A case question asks which partners know a handful of subjects (persons,\n"
        "companies, addresses, vehicles, accounts) and discloses nothing else.\n\n"
        "ask      hands the question to this node (it must be the proposal's asker,\n"
        "         with case_ask = yes): the case list CASE.csv (at most 1 MiB) is read\n"
        "         by the daemon through MAP like a dataset and never leaves the node in\n"
        "         the clear. Prints the question's round id; a refusal prints why (a bad\n"
        "         case list: the line and field).\n"
        "  --proposal FILE  the coordinator-signed proposal in mode case (`snijpunt\n"
        "                   proposal create --mode case`); its --case-size per key type\n"
        "                   must be the case list's number of distinct values\n"
        "  --mapping MAP    the mapping file the case list is read with\n"
        "  --wait           wait until every partner answered, refused or the deadline\n"
        "                   passed, then print the results as `case results` does\n"
        "results  what this node (the asker) learned: per case subject (the case list's\n"
        "         record id) one line per partner and entity that knows it, with the\n"
        "         key types and the strongest class (A conclusive, B strong, C a\n"
        "         candidate for human review only), \"known to no partner\" for a subject\n"
        "         nobody knows, then per partner whether it answered, refused or did not\n"
        "         answer, and why. An address, vehicle or account line says only that\n"
        "         the partner knows the same address, vehicle or account, never the\n"
        "         person. On a partner told which of its records matched (proposal\n"
        "         --tell-holders), `snijpunt results --round ID` lists those records.\n"
        "  --round ID       the question's round id (32 hex digits)\n"
        "  --csv            CSV with the header %s: one row\n"
        "                   per subject, partner and entity; key_types joined with '+';\n"
        "                   a subject no partner knows is one row with only subject_ref\n"
        "  --json           {\"round\", \"case\", \"asker\", \"state\", \"reason\", \"subjects\",\n"
        "                   \"known\", \"rows\": [{\"subject_ref\", \"entity\", \"partner\",\n"
        "                   \"key_types\", \"class\"}], \"partners\": [{\"name\", \"answered\",\n"
        "                   \"reason\"}]} (a subject no partner knows: partner null)\n"
        "  --consume        read a question kept \"until read once\" (retention 0 days):\n"
        "                   reading it deletes its results on this node\n"
        "status   this node's own epoch as an answering node (epoch, filter version,\n"
        "         started, ready or values still to compute, values per key type) and,\n"
        "         as an asking node, the copy it holds of each partner's filter (state,\n"
        "         epoch, version, fingerprints, last complete transfer).\n"
        "epoch    the same for this node's own epoch;\n"
        "  --rotate         begin a new epoch now: a new key, all own values computed\n"
        "                   again, new filters sent to the askers\n\n"
        "  --json           machine-readable output\n" SP_CLI_TARGET_HELP
        "\nExit status: 0 success, 1 refused, failed, not a case question of this node,\n"
        "or the daemon could not be reached, 2 usage error.\n",
        sp_case_csv_columns);
}

/* ---- results ---------------------------------------------------------- */

enum format { FMT_TEXT, FMT_CSV, FMT_JSON };

/* This node's name (STATUS). */
static int self_name(struct sp_cli_conn *conn, const char *cmd, char *out, size_t cap)
{
    struct sp_ctl_request req = {.op = SP_CTL_STATUS};
    struct sp_ctl_reply rep;
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return 1;
    int rc = sp_cli_reply_failed(&rep, cmd) ? 1 : 0;
    if (rc == 0)
        snprintf(out, cap, "%s", rep.status_info.node);
    sp_ctl_reply_clear(&rep);
    return rc;
}

/* Whether the round is a case question this node asked and can show. */
static int case_readable(const struct sp_ctl_round_info *ri, const char *cmd, bool consume)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(ri->round_id, hex);
    if (ri->mode != SP_PROPOSAL_MODE_CASE) {
        fprintf(stderr,
                "snijpunt %s: round %s is a %s round, not a case question (its results: "
                "snijpunt results --round %s)\n",
                cmd, hex, sp_cli_mode_name(ri->mode), hex);
        return 1;
    }
    if (!ri->initiator) {
        fprintf(stderr,
                "snijpunt %s: this node answered case question %s as a partner; only the "
                "asking node holds its answers. Records this node was told about (proposal "
                "with tell_holders): snijpunt results --round %s\n",
                cmd, hex, hex);
        return 1;
    }
    if (strcmp(ri->state, "done") != 0) {
        fprintf(stderr, "snijpunt %s: case question %s is %s%s%s\n", cmd, hex, ri->state,
                ri->reason[0] ? ": " : "", ri->reason);
        return 1;
    }
    return sp_cli_round_readable(ri, "snijpunt case results", NULL, consume,
                                 "reading it deletes its results");
}

/* Every RESULTS page of the round into the view. */
static int fetch_rows(struct sp_cli_conn *conn, const char *cmd, struct sp_case_view *v)
{
    struct sp_ctl_request req = {.op = SP_CTL_RESULTS};
    uint64_t total = 0, offset = 0;
    memcpy(req.results.round_id, v->ri.round_id, SP_ROUND_ID_BYTES);
    req.results.limit = SP_CTL_RESULTS_MAX_LIMIT;
    do {
        struct sp_ctl_reply rep;
        req.results.offset = offset;
        if (sp_cli_call(conn, &req, &rep, false) != 0)
            return 1;
        if (sp_cli_reply_failed(&rep, cmd))
            return sp_ctl_reply_clear(&rep), 1;
        total = rep.results.total;
        uint32_t got = rep.results.nrows;
        int rc = 0;
        for (uint32_t i = 0; i < got && rc == 0; i++)
            rc = sp_case_view_add(v, &rep.results.rows[i]);
        sp_ctl_reply_clear(&rep);
        if (rc != 0) {
            fprintf(stderr, "snijpunt %s: out of memory\n", cmd);
            return 1;
        }
        if (got == 0 && offset < total) {
            fprintf(stderr, "snijpunt %s: the daemon returned %" PRIu64 " of %" PRIu64 " rows\n",
                    cmd, offset, total);
            return 1;
        }
        offset += got;
    } while (offset < total);
    return 0;
}

/* Shows the question's results in the format asked for. */
static int show_results(struct sp_cli_conn *conn, const struct sp_ctl_round_info *ri,
                        const char *cmd, enum format fmt, bool consume)
{
    char self[SP_PROTO_NAME_MAX + 1];
    if (case_readable(ri, cmd, consume) != 0 || self_name(conn, cmd, self, sizeof self) != 0)
        return 1;
    struct sp_case_view v;
    sp_case_view_init(&v, ri, self);
    int rc = fetch_rows(conn, cmd, &v);
    if (rc == 0 && sp_case_view_finish(&v) != 0) {
        fprintf(stderr, "snijpunt %s: out of memory\n", cmd);
        rc = 1;
    }
    if (rc == 0 && fmt == FMT_JSON)
        rc = sp_case_view_json(stdout, &v);
    else if (rc == 0 && fmt == FMT_CSV)
        sp_case_view_csv(stdout, &v);
    else if (rc == 0)
        sp_case_view_text(stdout, &v);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
        rc = 1;
    sp_case_view_free(&v);
    return rc;
}

/* ---- options shared by the subcommands -------------------------------- */

struct args {
    struct sp_cli_target t;
    const char *proposal, *mapping;
    uint8_t round[SP_ROUND_ID_BYTES];
    bool have_round, json, csv, wait, consume, rotate;
};

enum { OPT_PROPOSAL = 1, OPT_MAPPING, OPT_ROUND, OPT_CSV, OPT_WAIT, OPT_CONSUME, OPT_ROTATE };

static int round_option(void *ctx, int id, const char *arg)
{
    struct args *a = ctx;
    if (id != OPT_ROUND)
        return SP_CLI_OPT_UNKNOWN;
    if (sp_round_id_parse(arg, a->round) != 0) {
        fprintf(stderr, PROG " results: --round takes a round id of 32 hex digits, not '%s'\n",
                arg);
        return SP_CLI_EXIT_USAGE;
    }
    a->have_round = true;
    return 0;
}

/* Parses argv of subcommand sub with the options of table; operands as
 * given. Returns SP_CLI_CONTINUE or the exit status. */
static int parse(const char *sub, const struct option *table, int operands, int argc, char **argv,
                 struct args *a)
{
    char cmd[32];
    snprintf(cmd, sizeof cmd, "case %s", sub);
    memset(a, 0, sizeof *a);
    sp_cli_target_init(&a->t);
    const char **value[] = {[OPT_PROPOSAL] = &a->proposal, [OPT_MAPPING] = &a->mapping};
    bool *flag[] = {[OPT_CSV] = &a->csv,
                    [OPT_WAIT] = &a->wait,
                    [OPT_CONSUME] = &a->consume,
                    [OPT_ROTATE] = &a->rotate};
    const struct sp_cli_options spec = {.cmd = cmd,
                                        .table = table,
                                        .usage = usage,
                                        .target = &a->t,
                                        .json = &a->json,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag),
                                        .operands = operands,
                                        .option = round_option,
                                        .ctx = a};
    return sp_cli_parse_options(argc, argv, &spec);
}

#define OPT(name, has, id)                                                                         \
    {                                                                                              \
        name, has, NULL, id                                                                        \
    }
#define OPTS_END                                                                                   \
    SP_CLI_JSON_OPTION, SP_CLI_HELP_OPTION, SP_CLI_TARGET_OPTIONS,                                 \
    {                                                                                              \
        NULL, 0, NULL, 0                                                                           \
    }

static enum format format_of(const struct args *a)
{
    return a->json ? FMT_JSON : a->csv ? FMT_CSV : FMT_TEXT;
}

/* ---- ask -------------------------------------------------------------- */

struct ask_input {
    struct sp_cli_proposal *prop;
    char *mapping, *data;
    size_t mapping_len, data_len;
};

static void ask_input_free(struct ask_input *in)
{
    free(in->prop);
    free(in->mapping);
    free(in->data);
}

/* Reads the proposal (mode case), the mapping and the case list. */
static int ask_read(const struct args *a, const char *csv, struct ask_input *in)
{
    memset(in, 0, sizeof *in);
    if (!(in->prop = malloc(sizeof *in->prop)) ||
        sp_cli_proposal_read("case ask", a->proposal, in->prop) != 0)
        return -1;
    if (in->prop->prop.mode != SP_PROPOSAL_MODE_CASE) {
        fprintf(stderr,
                PROG " ask: %s is a proposal in mode %s; a case question needs one made with "
                     "`snijpunt proposal create --mode case`\n",
                a->proposal, sp_cli_mode_name(in->prop->prop.mode));
        return -1;
    }
    return sp_cli_case_files(PROG " ask", a->mapping, csv, &in->mapping, &in->mapping_len,
                             &in->data, &in->data_len);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool state_terminal(const char *s)
{
    return strcmp(s, "done") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "refused") == 0;
}

/* Polls the round until it ended, then shows its results. */
static int ask_wait(struct sp_cli_conn *conn, const uint8_t *id, enum format fmt)
{
    struct sp_ctl_round_info ri;
    time_t start = time(NULL);
    long poll = WAIT_POLL_FIRST_MS;
    for (;;) {
        sleep_ms(poll);
        poll = poll * 2 > WAIT_POLL_MAX_MS ? WAIT_POLL_MAX_MS : poll * 2;
        if (sp_cli_round_get(conn, id, "case ask", &ri) != 0)
            return 1;
        if (state_terminal(ri.state))
            break;
        if (time(NULL) - start > WAIT_MAX_S) {
            fprintf(stderr, PROG " ask: gave up waiting; the question is %s\n", ri.state);
            return 1;
        }
    }
    return show_results(conn, &ri, "case ask", fmt, true);
}

static int case_ask(int argc, char **argv)
{
    static const struct option opts[] = {OPT("proposal", required_argument, OPT_PROPOSAL),
                                         OPT("mapping", required_argument, OPT_MAPPING),
                                         OPT("wait", no_argument, OPT_WAIT),
                                         OPT("csv", no_argument, OPT_CSV), OPTS_END};
    struct args a;
    int rc = parse("ask", opts, 1, argc, argv, &a);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (!a.proposal || !a.mapping || (a.csv && (a.json || !a.wait))) {
        fprintf(stderr, PROG " ask: expected --proposal FILE, --mapping MAP and the case list; "
                             "--csv only with --wait, and not with --json\n");
        return SP_CLI_EXIT_USAGE;
    }
    struct ask_input in;
    struct sp_cli_conn *conn = NULL;
    struct sp_ctl_reply rep;
    int status = 1;
    if (ask_read(&a, argv[optind], &in) != 0 || sp_cli_connect(&a.t, "case ask", false, &conn) != 0)
        goto out;
    struct sp_ctl_request req = {.op = SP_CTL_CASE_ASK};
    const struct sp_cli_proposal *p = in.prop;
    req.case_ask = (struct sp_ctl_case_ask){
        .propose = {p->bytes, p->len, p->sig, sizeof p->sig, (const uint8_t *)p->cert, p->cert_len},
        .mapping = in.mapping,
        .mapping_len = in.mapping_len,
        .data = (const uint8_t *)in.data,
        .data_len = in.data_len};
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        goto out;
    if (!sp_cli_reply_failed(&rep, "case ask"))
        status = a.wait ? ask_wait(conn, rep.round_id, format_of(&a))
                        : sp_cli_round_id_print(rep.round_id, a.json);
    sp_ctl_reply_clear(&rep);
out:
    sp_cli_close(&conn);
    ask_input_free(&in);
    return status;
}

/* ---- results ---------------------------------------------------------- */

static int case_results(int argc, char **argv)
{
    static const struct option opts[] = {OPT("round", required_argument, OPT_ROUND),
                                         OPT("csv", no_argument, OPT_CSV),
                                         OPT("consume", no_argument, OPT_CONSUME), OPTS_END};
    struct args a;
    int rc = parse("results", opts, 0, argc, argv, &a);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (!a.have_round || (a.csv && a.json)) {
        fprintf(stderr, PROG " results: expected --round ID, and at most one of --json and "
                             "--csv\n");
        return SP_CLI_EXIT_USAGE;
    }
    struct sp_cli_conn *conn = NULL;
    struct sp_ctl_round_info ri;
    if (sp_cli_connect(&a.t, "case results", false, &conn) != 0)
        return 1;
    int status = sp_cli_round_get(conn, a.round, "case results", &ri);
    if (status == 0)
        status = show_results(conn, &ri, "case results", format_of(&a), a.consume);
    sp_cli_close(&conn);
    return status;
}

/* ---- status and epoch ------------------------------------------------- */

static void own_text(const struct sp_ctl_case_own *o)
{
    char started[32];
    if (o->epoch == 0) {
        printf("this node's epoch: none (it answers case questions only with case_key_types "
               "set)\n");
        return;
    }
    sp_cli_time_iso(o->started_at, started);
    printf("this node's epoch: %" PRIu32 ", filter version %" PRIu64 ", started %s, ", o->epoch,
           o->version, started);
    if (o->ready)
        printf("ready\n");
    else
        printf("computing (%" PRIu64 " values to go)\n", o->pending);
    printf("  own values:");
    bool any = false;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (o->values[t]) {
            printf(" %s %" PRIu64, sp_key_type_name(t), o->values[t]);
            any = true;
        }
    printf("%s\n", any ? "" : " none");
}

static void filters_text(const struct sp_ctl_case_status_reply *s)
{
    if (s->nfilters == 0) {
        printf("partners' filters held here: none (this node asks no case questions: "
               "case_ask = no, or no partner lets it ask)\n");
        return;
    }
    int w = (int)strlen("PARTNER");
    for (uint32_t i = 0; i < s->nfilters; i++) {
        int n = (int)strlen(s->filters[i].peer);
        w = n > w ? n : w;
    }
    printf("partners' filters held here:\n  %-*s  %-8s  %5s  %7s  %12s  %s\n", w, "PARTNER",
           "STATE", "EPOCH", "VERSION", "FINGERPRINTS", "SYNCED");
    for (uint32_t i = 0; i < s->nfilters; i++) {
        const struct sp_ctl_case_filter_info *f = &s->filters[i];
        char synced[32];
        sp_cli_time_iso(f->synced_at, synced);
        printf("  %-*s  %-8s  %5" PRIu32 "  %7" PRIu64 "  %12" PRIu64 "  %s\n", w, f->peer,
               f->state, f->epoch, f->version, f->values, synced);
    }
}

static void own_json(struct sp_json *j, const struct sp_ctl_case_own *o)
{
    char started[32];
    sp_cli_time_iso(o->started_at, started);
    sp_json_obj_open(j, "own");
    sp_json_uint(j, "epoch", o->epoch);
    sp_json_uint(j, "version", o->version);
    sp_json_str(j, "started", o->started_at ? started : NULL);
    sp_json_bool(j, "ready", o->ready);
    sp_json_uint(j, "pending", o->pending);
    sp_json_obj_open(j, "values");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (o->values[t])
            sp_json_uint(j, sp_key_type_name(t), o->values[t]);
    sp_json_obj_close(j);
    sp_json_obj_close(j);
}

static void filters_json(struct sp_json *j, const struct sp_ctl_case_status_reply *s)
{
    sp_json_arr_open(j, "filters");
    for (uint32_t i = 0; i < s->nfilters; i++) {
        const struct sp_ctl_case_filter_info *f = &s->filters[i];
        char synced[32];
        sp_cli_time_iso(f->synced_at, synced);
        sp_json_obj_open(j, NULL);
        sp_json_str(j, "peer", f->peer);
        sp_json_str(j, "state", f->state);
        sp_json_uint(j, "epoch", f->epoch);
        sp_json_uint(j, "version", f->version);
        sp_json_uint(j, "fingerprints", f->values);
        sp_json_str(j, "synced", f->synced_at ? synced : NULL);
        sp_json_obj_close(j);
    }
    sp_json_arr_close(j);
}

static int status_print(const struct sp_ctl_case_status_reply *s, bool json, bool with_filters)
{
    if (json) {
        struct sp_json j;
        sp_json_init(&j, stdout);
        sp_json_obj_open(&j, NULL);
        own_json(&j, &s->own);
        if (with_filters)
            filters_json(&j, s);
        sp_json_obj_close(&j);
        return sp_json_finish(&j) == 0 ? 0 : 1;
    }
    own_text(&s->own);
    if (with_filters)
        filters_text(s);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* status and epoch: one request, one reply. */
static int case_status(const char *sub, int argc, char **argv)
{
    static const struct option status_opts[] = {OPTS_END};
    static const struct option epoch_opts[] = {OPT("rotate", no_argument, OPT_ROTATE), OPTS_END};
    bool is_epoch = strcmp(sub, "epoch") == 0;
    char cmd[32];
    struct args a;
    int rc = parse(sub, is_epoch ? epoch_opts : status_opts, 0, argc, argv, &a);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    snprintf(cmd, sizeof cmd, "case %s", sub);
    struct sp_ctl_request req = {.op = is_epoch ? SP_CTL_CASE_EPOCH : SP_CTL_CASE_STATUS};
    req.case_epoch.rotate = is_epoch && a.rotate;
    struct sp_ctl_reply rep;
    if (sp_cli_request_once(&a.t, cmd, false, &req, &rep) != 0)
        return 1;
    int status = 1;
    if (!sp_cli_reply_failed(&rep, cmd)) {
        if (req.case_epoch.rotate && !a.json)
            printf("a new epoch begins: own values are computed again\n");
        status = status_print(&rep.case_status, a.json, !is_epoch);
    }
    sp_ctl_reply_clear(&rep);
    return status;
}

static int case_main(int argc, char **argv)
{
    int rc = sp_cli_subcommand_help(argc, argv, usage);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    const char *sub = argv[1];
    if (strcmp(sub, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "ask") == 0)
        return case_ask(argc - 1, argv + 1);
    if (strcmp(sub, "results") == 0)
        return case_results(argc - 1, argv + 1);
    if (strcmp(sub, "status") == 0 || strcmp(sub, "epoch") == 0)
        return case_status(sub, argc - 1, argv + 1);
    return sp_cli_unknown_subcommand(PROG, sub, usage);
}

const struct sp_cmd sp_cmd_case = {
    .name = "case",
    .summary = "ask a case question, show its answers, the epoch and partners' filters",
    .run = case_main,
};
