/* snijpunt counts: what the coordinator of a round sees — the incidence
 * histogram: per key type, how many values are held by exactly which
 * combination of nodes. No record and no value appears in it. */
#include <stdio.h>
#include <string.h>

#include "common/keytype.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt counts --round ID [--json] [connection options]\n\n"
                 "Prints the incidence counts of a finished round, as stored on this node\n"
                 "(the initiator holds them): per key type, how many values are held by\n"
                 "exactly which set of nodes.\n\n"
                 "  --round ID       the round (32 hex digits)\n"
                 "  --json           print what the coordinator sees as JSON\n" SP_CLI_TARGET_HELP
                 "\nExit status: 0 printed, 1 no such round or no counts on this node, or\n"
                 "the daemon could not be reached, 2 usage error.\n");
}

/* Participant names of the round, for naming holder sets; absent names
 * fall back to "#index". */
struct names {
    uint32_t n;
    char name[SP_PROTO_MAX_PARTICIPANTS][SP_PROTO_NAME_MAX + 1];
};

static void fetch_names(struct sp_cli_conn *conn, const uint8_t *round, struct names *nm)
{
    struct sp_ctl_request req = {.op = SP_CTL_ROUNDS};
    struct sp_ctl_reply rep;
    memset(nm, 0, sizeof *nm);
    memcpy(req.rounds.round_id, round, SP_PROTO_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, &rep, true) != 0)
        return;
    if (rep.status == 0 && rep.rounds.nrounds == 1) {
        const struct sp_ctl_round_info *ri = &rep.rounds.rounds[0];
        nm->n = ri->nparticipants;
        for (uint32_t i = 0; i < ri->nparticipants && i < SP_PROTO_MAX_PARTICIPANTS; i++)
            memcpy(nm->name[i], ri->participants[i], sizeof nm->name[i]);
    }
    sp_ctl_reply_clear(&rep);
}

static void holder_name(const struct names *nm, unsigned i, char *out, size_t cap)
{
    if (i < nm->n)
        snprintf(out, cap, "%s", nm->name[i]);
    else
        snprintf(out, cap, "#%u", i);
}

static void print_text(const struct sp_ctl_counts_reply *c, const struct names *nm)
{
    char who[64];
    printf("%-14s %12s  %s\n", "key_type", "count", "held by");
    for (uint32_t i = 0; i < c->nentries; i++) {
        const struct sp_peer_count *e = &c->entries[i];
        printf("%-14s %12llu  ",
               sp_key_type_name(e->key_type) ? sp_key_type_name(e->key_type) : "?",
               (unsigned long long)e->count);
        const char *sep = "";
        for (unsigned b = 0; b < 32; b++)
            if (e->holders & (UINT32_C(1) << b)) {
                holder_name(nm, b, who, sizeof who);
                printf("%s%s", sep, who);
                sep = "+";
            }
        printf("\n");
    }
    if (c->suppressed_below > 0)
        printf("(cells below %u suppressed)\n", c->suppressed_below);
}

static int print_json(const char *hex, const struct sp_ctl_counts_reply *c, const struct names *nm)
{
    struct sp_json j;
    char who[64];
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "round", hex);
    sp_json_uint(&j, "suppressed_below", c->suppressed_below);
    sp_json_arr_open(&j, "participants");
    for (uint32_t i = 0; i < nm->n; i++)
        sp_json_str(&j, NULL, nm->name[i]);
    sp_json_arr_close(&j);
    sp_json_arr_open(&j, "entries");
    for (uint32_t i = 0; i < c->nentries; i++) {
        const struct sp_peer_count *e = &c->entries[i];
        sp_json_obj_open(&j, NULL);
        sp_json_str(&j, "key_type", sp_key_type_name(e->key_type));
        sp_json_uint(&j, "holders_mask", e->holders);
        sp_json_arr_open(&j, "holders");
        for (unsigned b = 0; b < 32; b++)
            if (e->holders & (UINT32_C(1) << b)) {
                holder_name(nm, b, who, sizeof who);
                sp_json_str(&j, NULL, who);
            }
        sp_json_arr_close(&j);
        sp_json_uint(&j, "count", e->count);
        sp_json_obj_close(&j);
    }
    sp_json_arr_close(&j);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

struct round_arg {
    uint8_t *id;
    bool given;
};

/* --round; a value that is not a round id is a usage error with usage. */
static int round_option(void *ctx, int id, const char *arg)
{
    struct round_arg *r = ctx;
    if (id != 'r' || sp_cli_round_id_parse(arg, r->id) != 0)
        return SP_CLI_OPT_UNKNOWN;
    r->given = true;
    return 0;
}

static int counts_main(int argc, char **argv)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    struct sp_ctl_request req = {.op = SP_CTL_COUNTS};
    struct round_arg round = {req.counts.round_id, false};
    bool json = false;
    sp_cli_target_init(&t);
    const struct sp_cli_options o = {.cmd = "counts",
                                     .table = opts,
                                     .usage = usage,
                                     .target = &t,
                                     .json = &json,
                                     .operands = SP_CLI_OPERANDS_ANY,
                                     .option = round_option,
                                     .ctx = &round};
    int rc = sp_cli_parse_options(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (optind != argc || !round.given) {
        fprintf(stderr, "snijpunt counts: --round ID (32 hex digits) is required\n");
        return 2;
    }
    struct sp_cli_conn *conn = NULL;
    struct sp_ctl_reply rep;
    struct names nm;
    char hex[2 * SP_PROTO_ROUND_ID_BYTES + 1];
    if (sp_cli_connect(&t, "counts", false, &conn) != 0)
        return 1;
    int status = 1;
    if (sp_cli_call(conn, &req, &rep, false) == 0) {
        if (!sp_cli_reply_failed(&rep, "counts")) {
            fetch_names(conn, req.counts.round_id, &nm);
            sp_cli_round_id_hex(req.counts.round_id, hex);
            status = json ? print_json(hex, &rep.counts, &nm) : (print_text(&rep.counts, &nm), 0);
        }
        sp_ctl_reply_clear(&rep);
    }
    sp_cli_close(&conn);
    return status;
}

const struct sp_cmd sp_cmd_counts = {
    .name = "counts",
    .summary = "print a round's incidence counts (what the coordinator sees)",
    .run = counts_main,
};
