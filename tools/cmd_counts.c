/* snijpunt counts: what the coordinator of a round sees — the incidence
 * histogram: per key type, how many values are held by exactly which
 * combination of nodes. No record and no value appears in it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/keytype.h"
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

static int counts_main(int argc, char **argv)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    struct sp_ctl_request req = {.op = SP_CTL_COUNTS};
    bool json = false, have_round = false;
    int c, r;
    sp_cli_target_init(&t);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if ((r = sp_cli_target_option(&t, "counts", c, optarg)) != 0) {
            if (r == 2)
                return 2;
            continue;
        }
        if (c == 'r' && sp_cli_round_id_parse(optarg, req.counts.round_id) == 0)
            have_round = true;
        else if (c == 'j')
            json = true;
        else if (c == 'h')
            return usage(stdout), 0;
        else
            return usage(stderr), 2;
    }
    if (optind != argc || !have_round) {
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
