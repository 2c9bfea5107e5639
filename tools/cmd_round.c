/* snijpunt round: start a matching round from this node, follow its status,
 * list rounds, cancel one. The node proposes the round to the other
 * participants; see daemon/ROUNDS.md for what happens next. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keytype.h"
#include "common/roundid.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cli_proposal.h"
#include "tools/cli_round_view.h"
#include "tools/cmd.h"

#define DEFAULT_EXPIRES_S    3600
#define DEFAULT_RETENTION_D  30
#define DEFAULT_MAX_SET_SIZE UINT64_C(100000000)
#define WAIT_POLL_MS         200
#define WAIT_MAX_S           (7 * 86400)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: snijpunt round start --proposal FILE [--wait] [--json]\n"
            "       snijpunt round start --participants A,B,... --counter NAME --case REF\n"
            "                            --purpose TEXT [options]\n"
            "       snijpunt round status [ID] [--wait] [--json]\n"
            "       snijpunt round list [--json]\n"
            "       snijpunt round cancel ID\n\n"
            "start   proposes a private matching round; this node must be a participant.\n"
            "        Prints the round id (with --wait: waits and prints the outcome).\n"
            "  --proposal FILE      a proposal its coordinator made and signed (`snijpunt\n"
            "                       proposal create`); every node checks the signature,\n"
            "                       the expiry and its own policy. Without it the round is\n"
            "                       unsigned, which nodes refuse unless their policy allows\n"
            "                       unsigned rounds (allow_unsigned_rounds = yes):\n"
            "  --participants LIST  node names in ring order, comma-separated (2..32)\n"
            "  --keys all|LIST      key types every participant offers (default all)\n"
            "  --min-holders K      k: a value counts when at least K nodes hold it (default 2)\n"
            "  --mode MODE          counts | threshold | partners (default partners):\n"
            "                       counts: the initiator gets the incidence histogram only;\n"
            "                       threshold: each node learns which of its records >= K\n"
            "                       nodes hold (partner shown as \"*\"); partners: also which\n"
            "                       nodes, through which key types\n"
            "  --counter NAME       the counting node (a participant)\n"
            "  --case REF           case reference (1..128 bytes)\n"
            "  --purpose TEXT       purpose of the round\n"
            "  --legal-basis TEXT   legal basis stated for every participant\n"
            "                       (default \"not stated\")\n"
            "  --coordinator NAME   who proposes (default $USER@this node)\n"
            "  --deadline S         the round fails when not finished within S seconds\n"
            "                       (default: what its size calls for, 600 s + 1 ms per\n"
            "                       value each node may blind: participants x key types x\n"
            "                       --max-set-size, at most 7 days; a longer one than the\n"
            "                       nodes' round_deadline and that is refused)\n"
            "  --expires S          the proposal expires S seconds from now (default %d)\n"
            "  --max-set-size N     most distinct values per node and key type\n"
            "  --retention-days N   how long results are kept (default %d)\n"
            "status  shows a round (default: the most recent one): its phase (proposed,\n"
            "        blinding, forwarding, counting, writing) with values done of total,\n"
            "        rate and time left, case, mode, and own records matched per entity.\n"
            "        --wait waits until it has ended: on a terminal it draws a progress\n"
            "        bar, otherwise it prints a line at each phase change and each tenth\n"
            "        of a phase. Exit status 1 when it failed or was refused.\n"
            "list    shows every round this node knows: case, mode, state, started,\n"
            "        duration.\n"
            "cancel  stops a live round on every participant (its results are discarded).\n\n"
            "  --json               machine-readable output\n" SP_CLI_TARGET_HELP
            "\nExit status: 0 success, 1 failed or refused (or the daemon could not be\n"
            "reached), 2 usage error.\n",
            DEFAULT_EXPIRES_S, DEFAULT_RETENTION_D);
}

static int mode_parse(const char *s)
{
    for (int m = SP_PROPOSAL_MODE_COUNTS; m <= SP_PROPOSAL_MODE_PARTNERS; m++)
        if (strcmp(s, sp_cli_mode_name(m)) == 0)
            return m;
    return 0;
}

static bool text_field(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* Splits "a,b,c" into the proposal's participants. */
static bool parse_participants(struct sp_proposal *p, const char *list)
{
    const char *s = list;
    p->nparticipants = 0;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || n > SP_PROTO_NAME_MAX || !sp_proto_node_name_valid(s, n) ||
            p->nparticipants >= SP_PROTO_MAX_PARTICIPANTS)
            return false;
        memcpy(p->participants[p->nparticipants].name, s, n);
        p->participants[p->nparticipants].name[n] = '\0';
        p->nparticipants++;
        s = e ? e + 1 : s + n;
        if (e && !*s)
            return false; /* trailing comma */
    }
    return p->nparticipants >= SP_PROTO_MIN_PARTICIPANTS;
}

/* ---- output ----------------------------------------------------------- */

static int print_rounds(const struct sp_ctl_rounds_reply *rr, bool json, bool as_list)
{
    if (json) {
        struct sp_json j;
        sp_json_init(&j, stdout);
        if (as_list)
            sp_json_arr_open(&j, NULL);
        for (uint32_t i = 0; i < rr->nrounds; i++)
            sp_cli_round_json(&j, &rr->rounds[i]);
        if (as_list)
            sp_json_arr_close(&j);
        return sp_json_finish(&j) == 0 ? 0 : 1;
    }
    if (as_list) {
        sp_cli_round_list(stdout, rr->rounds, rr->nrounds);
        return 0;
    }
    for (uint32_t i = 0; i < rr->nrounds; i++)
        sp_cli_round_print(stdout, &rr->rounds[i]);
    return 0;
}

static bool state_terminal(const char *s)
{
    return strcmp(s, "done") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "refused") == 0;
}

/* ---- requests --------------------------------------------------------- */

/* Fetches one round (all == false) or every round into *rep. Returns 0 with
 * a successful reply, 1 otherwise (printed). */
static int fetch(struct sp_cli_conn *conn, bool all, const uint8_t *id, struct sp_ctl_reply *rep,
                 const char *cmd)
{
    struct sp_ctl_request req = {.op = SP_CTL_ROUNDS};
    req.rounds.all = all;
    if (!all)
        memcpy(req.rounds.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, rep, false) != 0)
        return 1;
    if (sp_cli_reply_failed(rep, cmd)) {
        sp_ctl_reply_clear(rep);
        return 1;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* While waiting: on a terminal a progress bar redrawn in place; otherwise
 * a line at each phase change and each further tenth of the phase. */
struct watch {
    bool tty;
    char phase[SP_CTL_STATE_MAX + 1];
    unsigned tenth;
    bool drawn;
};

static void watch_show(struct watch *w, const struct sp_ctl_round_info *ri)
{
    char line[256];
    struct sp_cli_progress p;
    sp_cli_progress_of(ri, &p);
    if (w->tty) {
        sp_cli_progress_bar(ri, 78, line, sizeof line);
        printf("\r%-79s", line);
        fflush(stdout);
        w->drawn = true;
        return;
    }
    unsigned tenth = p.percent / 10;
    if (strcmp(w->phase, ri->phase) == 0 && tenth <= w->tenth)
        return;
    snprintf(w->phase, sizeof w->phase, "%s", ri->phase);
    w->tenth = tenth;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(ri->round_id, hex);
    sp_cli_progress_text(ri, line, sizeof line);
    printf("round %s: %s\n", hex, line);
    fflush(stdout);
}

/* Shows one round, optionally waiting until it ended (with progress unless
 * the output is JSON). */
static int show(struct sp_cli_conn *conn, const uint8_t *id, bool wait, bool json)
{
    struct sp_ctl_reply rep;
    struct watch w = {.tty = isatty(STDOUT_FILENO) == 1};
    time_t start = time(NULL);
    for (;;) {
        if (fetch(conn, false, id, &rep, "round status") != 0)
            return 1;
        const struct sp_ctl_round_info *ri = &rep.rounds.rounds[0];
        bool ended = rep.rounds.nrounds == 1 && state_terminal(ri->state);
        if (!wait || ended || time(NULL) - start > WAIT_MAX_S) {
            if (w.drawn)
                printf("\n");
            int rc = print_rounds(&rep.rounds, json, false);
            if (rc == 0 && ended && strcmp(ri->state, "done") != 0)
                rc = 1;
            sp_ctl_reply_clear(&rep);
            return rc;
        }
        if (!json && rep.rounds.nrounds == 1)
            watch_show(&w, ri);
        sp_ctl_reply_clear(&rep);
        sleep_ms(WAIT_POLL_MS);
    }
}

/* The most recent round (the list is ordered oldest first). */
static int latest(struct sp_cli_conn *conn, uint8_t id[SP_ROUND_ID_BYTES])
{
    struct sp_ctl_reply rep;
    if (fetch(conn, true, NULL, &rep, "round status") != 0)
        return 1;
    int rc = 1;
    if (rep.rounds.nrounds == 0) {
        fprintf(stderr, "snijpunt round status: this node knows no rounds\n");
    } else {
        memcpy(id, rep.rounds.rounds[rep.rounds.nrounds - 1].round_id, SP_ROUND_ID_BYTES);
        rc = 0;
    }
    sp_ctl_reply_clear(&rep);
    return rc;
}

/* ---- start ------------------------------------------------------------ */

struct start_args {
    struct sp_ctl_request req;
    const char *counter, *keys, *legal, *coordinator;
    const char *proposal; /* --proposal FILE: a signed round */
    uint64_t k, deadline, expires, max_set, retention;
    bool have_participants, have_case, have_purpose, wait, json;
    bool unsigned_opts; /* an option of an unsigned round was given */
};

enum {
    OPT_PARTICIPANTS = 1,
    OPT_KEYS,
    OPT_K,
    OPT_MODE,
    OPT_COUNTER,
    OPT_CASE,
    OPT_PURPOSE,
    OPT_LEGAL,
    OPT_COORD,
    OPT_DEADLINE,
    OPT_EXPIRES,
    OPT_MAXSET,
    OPT_RETENTION,
    OPT_WAIT,
    OPT_PROPOSAL
};

static const struct option start_opts[] = {
    {"participants", required_argument, NULL, OPT_PARTICIPANTS},
    {"keys", required_argument, NULL, OPT_KEYS},
    {"min-holders", required_argument, NULL, OPT_K},
    {"mode", required_argument, NULL, OPT_MODE},
    {"counter", required_argument, NULL, OPT_COUNTER},
    {"case", required_argument, NULL, OPT_CASE},
    {"purpose", required_argument, NULL, OPT_PURPOSE},
    {"legal-basis", required_argument, NULL, OPT_LEGAL},
    {"coordinator", required_argument, NULL, OPT_COORD},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"max-set-size", required_argument, NULL, OPT_MAXSET},
    {"retention-days", required_argument, NULL, OPT_RETENTION},
    {"wait", no_argument, NULL, OPT_WAIT},
    SP_CLI_JSON_OPTION,
    SP_CLI_HELP_OPTION,
    {"proposal", required_argument, NULL, OPT_PROPOSAL},
    SP_CLI_TARGET_OPTIONS,
    {NULL, 0, NULL, 0}};

/* A numeric option of round start; false on a bad value (printed). */
static bool number_option(int c, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    return sp_cli_parse_u64("round start", start_opts[c - 1].name, v, min, max, out) == 0;
}

/* Applies one option; returns false on a bad value (printed). */
static bool start_option(struct start_args *a, int c, const char *v)
{
    struct sp_proposal *p = &a->req.round_start;
    bool ok = true;
    int m;
    switch (c) {
    case OPT_K:
        return number_option(c, v, 1, SP_PROTO_MAX_PARTICIPANTS, &a->k);
    case OPT_DEADLINE:
        return number_option(c, v, 1, SP_PROTO_MAX_DEADLINE_S, &a->deadline);
    case OPT_EXPIRES:
        return number_option(c, v, 1, 366 * 86400, &a->expires);
    case OPT_MAXSET:
        return number_option(c, v, 1, UINT64_MAX, &a->max_set);
    case OPT_RETENTION:
        return number_option(c, v, 0, UINT32_MAX, &a->retention);
    case OPT_PARTICIPANTS:
        ok = a->have_participants = parse_participants(p, v);
        break;
    case OPT_KEYS:
        a->keys = v;
        break;
    case OPT_MODE:
        ok = (m = mode_parse(v)) != 0;
        p->mode = (uint8_t)m;
        break;
    case OPT_COUNTER:
        a->counter = v;
        break;
    case OPT_CASE:
        ok = a->have_case = text_field(p->case_ref, sizeof(p->case_ref), v);
        break;
    case OPT_PURPOSE:
        ok = a->have_purpose = text_field(p->purpose, sizeof(p->purpose), v);
        break;
    case OPT_LEGAL:
        ok = strlen(v) > 0 && strlen(v) <= SP_PROTO_LEGAL_BASIS_MAX;
        a->legal = v;
        break;
    case OPT_COORD:
        ok = strlen(v) > 0 && strlen(v) <= SP_PROTO_COORDINATOR_MAX;
        a->coordinator = v;
        break;
    }
    if (!ok)
        fprintf(stderr, "snijpunt round start: bad value for --%s: '%s'\n", start_opts[c - 1].name,
                v);
    return ok;
}

/* An option of an unsigned round. */
static int unsigned_arg(void *ctx, int c, const char *v)
{
    struct start_args *a = ctx;
    if (c < OPT_PARTICIPANTS || c > OPT_RETENTION)
        return SP_CLI_OPT_UNKNOWN;
    if (!start_option(a, c, v))
        return SP_CLI_EXIT_USAGE;
    a->unsigned_opts = true;
    return 0;
}

/* Fills the request from the arguments; false (printed) when incomplete. */
static bool start_finish(struct start_args *a)
{
    struct sp_proposal *p = &a->req.round_start;
    uint32_t mask = 0;
    if (!a->have_participants || !a->counter || !a->have_case || !a->have_purpose) {
        fprintf(stderr, "snijpunt round start: --participants, --counter, --case and --purpose "
                        "are required\n");
        return false;
    }
    if (sp_key_mask_parse(a->keys, &mask) != 0) {
        fprintf(stderr, "snijpunt round start: unknown key type in --keys '%s'\n", a->keys);
        return false;
    }
    int counter = sp_proposal_participant_index(p, a->counter);
    if (counter < 0) {
        fprintf(stderr, "snijpunt round start: the counting node %s is not a participant\n",
                a->counter);
        return false;
    }
    for (uint32_t i = 0; i < p->nparticipants; i++) {
        snprintf(p->participants[i].legal_basis, sizeof(p->participants[i].legal_basis), "%s",
                 a->legal);
        p->participants[i].key_types = mask;
    }
    snprintf(p->coordinator, sizeof(p->coordinator), "%s", a->coordinator);
    p->counter = (uint8_t)counter;
    p->min_holders = (uint8_t)a->k;
    p->max_set_size = a->max_set;
    p->deadline_s = a->deadline ? (uint32_t)a->deadline : sp_proposal_deadline_for_size(p);
    p->retention_days = (uint32_t)a->retention;
    p->expires_at = (uint64_t)time(NULL) + a->expires;
    if (sp_proposal_validate_request(p) != 0) {
        fprintf(stderr, "snijpunt round start: the request is not valid: participant names "
                        "must be unique, --min-holders at most the number of participants, and "
                        "texts without control characters\n");
        return false;
    }
    return true;
}

/* Prints the new round's id, or with wait its outcome. */
static int started(struct sp_cli_conn *conn, const uint8_t *round_id, bool wait, bool json)
{
    uint8_t id[SP_ROUND_ID_BYTES];
    memcpy(id, round_id, sizeof(id));
    if (wait)
        return show(conn, id, true, json);
    return sp_cli_round_id_print(id, json);
}

/* The options of round start; a signed round (--proposal) or the options
 * of an unsigned one. Returns SP_CLI_CONTINUE or the exit status. */
static int parse_start(int argc, char **argv, struct start_args *a, struct sp_cli_target *t)
{
    a->req.op = SP_CTL_ROUND_START;
    a->req.round_start.mode = SP_PROPOSAL_MODE_PARTNERS;
    a->coordinator = getenv("USER") && *getenv("USER") ? getenv("USER") : "operator";
    const char **value[] = {[OPT_PROPOSAL] = &a->proposal};
    bool *flag[] = {[OPT_WAIT] = &a->wait};
    const struct sp_cli_options spec = {.cmd = "round start",
                                        .table = start_opts,
                                        .usage = usage,
                                        .target = t,
                                        .json = &a->json,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag),
                                        .operands = SP_CLI_OPERANDS_ANY,
                                        .option = unsigned_arg,
                                        .ctx = a};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (a->proposal && a->unsigned_opts) {
        fprintf(stderr, "snijpunt round start: --proposal carries the whole round; give no "
                        "other round option with it\n");
        return 2;
    }
    if (optind != argc || (!a->proposal && !start_finish(a)))
        return 2;
    return SP_CLI_CONTINUE;
}

static int round_start(int argc, char **argv)
{
    struct start_args a = {.keys = "all",
                           .legal = "not stated",
                           .k = 2,
                           .expires = DEFAULT_EXPIRES_S,
                           .max_set = DEFAULT_MAX_SET_SIZE,
                           .retention = DEFAULT_RETENTION_D};
    struct sp_cli_target t;
    sp_cli_target_init(&t);
    int rc = parse_start(argc, argv, &a, &t);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    struct sp_cli_proposal *signed_prop = NULL;
    if (a.proposal && sp_cli_proposal_request("round start", a.proposal, &signed_prop, &a.req) != 0)
        return 1;
    struct sp_cli_conn *conn = NULL;
    struct sp_ctl_reply rep;
    if (sp_cli_connect(&t, "round start", false, &conn) != 0) {
        free(signed_prop);
        return 1;
    }
    int status = 1;
    if (sp_cli_call(conn, &a.req, &rep, false) == 0) {
        if (!sp_cli_reply_failed(&rep, "round start"))
            status = started(conn, rep.round_id, a.wait, a.json);
        sp_ctl_reply_clear(&rep);
    }
    sp_cli_close(&conn);
    free(signed_prop);
    return status;
}

/* ---- status, list, cancel --------------------------------------------- */

static int cancel(struct sp_cli_conn *conn, const uint8_t *id, const char *cmd)
{
    struct sp_ctl_request req = {.op = SP_CTL_ROUND_CANCEL};
    struct sp_ctl_reply rep;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    int status = 1;
    memcpy(req.round_cancel.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        return 1;
    if (!sp_cli_reply_failed(&rep, cmd)) {
        sp_round_id_hex(id, hex);
        printf("round %s cancelled\n", hex);
        status = 0;
    }
    sp_ctl_reply_clear(&rep);
    return status;
}

static int round_other(const char *sub, int argc, char **argv)
{
    static const struct option opts[] = {{"wait", no_argument, NULL, 'w'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    bool wait = false, json = false;
    char cmd[32];
    bool *flag[] = {['w'] = &wait};
    snprintf(cmd, sizeof(cmd), "round %s", sub);
    sp_cli_target_init(&t);
    const struct sp_cli_options spec = {.cmd = cmd,
                                        .table = opts,
                                        .usage = usage,
                                        .target = &t,
                                        .json = &json,
                                        SP_CLI_FLAGS(flag),
                                        .operands = SP_CLI_OPERANDS_ANY};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    bool is_status = strcmp(sub, "status") == 0, is_list = strcmp(sub, "list") == 0;
    int nargs = argc - optind;
    uint8_t id[SP_ROUND_ID_BYTES];
    if ((is_list && nargs != 0) || (!is_list && nargs > 1) ||
        (!is_status && !is_list && nargs != 1) || (wait && !is_status) ||
        (nargs == 1 && sp_round_id_parse(argv[optind], id) != 0)) {
        fprintf(stderr, "snijpunt %s: bad arguments (a round id is 32 hex digits)\n", cmd);
        return 2;
    }
    struct sp_cli_conn *conn = NULL;
    if (sp_cli_connect(&t, cmd, false, &conn) != 0)
        return 1;
    int status = 1;
    struct sp_ctl_reply rep;
    if (is_list) {
        if (fetch(conn, true, NULL, &rep, cmd) == 0) {
            status = print_rounds(&rep.rounds, json, true);
            sp_ctl_reply_clear(&rep);
        }
    } else if (is_status) {
        if (nargs == 1 || latest(conn, id) == 0)
            status = show(conn, id, wait, json);
    } else {
        status = cancel(conn, id, cmd);
    }
    sp_cli_close(&conn);
    return status;
}

static int round_main(int argc, char **argv)
{
    int rc = sp_cli_subcommand_help(argc, argv, usage);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    const char *sub = argv[1];
    if (strcmp(sub, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "start") == 0)
        return round_start(argc - 1, argv + 1);
    if (strcmp(sub, "status") == 0 || strcmp(sub, "list") == 0 || strcmp(sub, "cancel") == 0)
        return round_other(sub, argc - 1, argv + 1);
    return sp_cli_unknown_subcommand("snijpunt round", sub, usage);
}

const struct sp_cmd sp_cmd_round = {
    .name = "round",
    .summary = "start a matching round, follow its status, list or cancel rounds",
    .run = round_main,
};
