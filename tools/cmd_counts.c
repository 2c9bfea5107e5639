/* snijpunt counts: what the coordinator of a round sees. First the subjects:
 * how many persons, companies, addresses, vehicles and accounts are known at
 * exactly which combination of nodes (partners rounds; each subject counted
 * once, docs/subject-counts.md); then the incidence histogram per key type
 * (how many values are held by exactly which nodes). No record and no value
 * appears in it; small cells are suppressed and their number shown. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/keytype.h"
#include "common/roundid.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cli_round_view.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: snijpunt counts --round ID [--json] [--consume] [connection options]\n\n"
        "Prints what the coordinator of a finished round sees, as stored on the node\n"
        "that initiated it (the only node that holds them):\n"
        "  subjects    per entity (person, company, address, vehicle, account), how\n"
        "              many are known at exactly which combination of nodes, each\n"
        "              subject counted once (partners rounds only: in counts and\n"
        "              threshold rounds the nodes learn no holder sets);\n"
        "  key types   per key type, how many distinct values are held by exactly\n"
        "              which nodes (a subject with several key types counts once per\n"
        "              type: these are not numbers of persons).\n"
        "Cells below the node's counts_suppress_below are left out; how many is shown.\n\n"
        "  --round ID       the round (32 hex digits)\n"
        "  --json           print it as JSON\n"
        "  --consume        read a round kept \"until read once\" (retention 0 days),\n"
        "                   which deletes its results and counts on this node\n" SP_CLI_TARGET_HELP
        "\nExit status: 0 printed, 1 no such round, not initiated here, no counts\n"
        "yet, a retention-0 round without --consume, or the daemon could not be\n"
        "reached, 2 usage error.\n");
}

static void holders_text(const struct sp_ctl_round_info *ri, uint32_t holders, char *out,
                         size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (unsigned b = 0; b < 32 && at < cap; b++) {
        if (!(holders & (UINT32_C(1) << b)))
            continue;
        int n = b < ri->nparticipants
                    ? snprintf(out + at, cap - at, "%s%s", at ? "+" : "", ri->participants[b])
                    : snprintf(out + at, cap - at, "%s#%u", at ? "+" : "", b);
        at += n > 0 ? (size_t)n : 0;
    }
}

static void holders_json(struct sp_json *j, const struct sp_ctl_round_info *ri, uint32_t holders)
{
    char who[16];
    sp_json_arr_open(j, "holders");
    for (unsigned b = 0; b < 32; b++) {
        if (!(holders & (UINT32_C(1) << b)))
            continue;
        if (b < ri->nparticipants) {
            sp_json_str(j, NULL, ri->participants[b]);
        } else {
            snprintf(who, sizeof who, "#%u", b);
            sp_json_str(j, NULL, who);
        }
    }
    sp_json_arr_close(j);
}

/* Subjects of one entity held by exactly n nodes (n = 1..32). */
static uint64_t held_by(const struct sp_ctl_subjects_reply *s, int entity, unsigned n)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < s->ncells; i++)
        if (s->cells[i].entity == entity && (unsigned)__builtin_popcount(s->cells[i].holders) == n)
            sum += s->cells[i].count;
    return sum;
}

static void print_subjects(const struct sp_ctl_round_info *ri,
                           const struct sp_ctl_subjects_reply *s)
{
    char who[1200];
    if (!s->available) {
        printf("subjects: not available in a %s round (the nodes learn no holder sets);\n"
               "the key-type counts below count values, not persons or companies\n\n",
               sp_cli_mode_name(ri->mode));
        return;
    }
    printf("subjects known at exactly these nodes (each counted once; entity: held by 1 / 2 / "
           "3 or more nodes)\n");
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        uint64_t more = 0;
        for (unsigned n = 3; n <= ri->nparticipants; n++)
            more += held_by(s, e, n);
        printf("  %-8s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", sp_entity_name(e),
               held_by(s, e, 1), held_by(s, e, 2), more);
    }
    printf("%-10s %12s  %s\n", "entity", "count", "held by");
    for (uint32_t i = 0; i < s->ncells; i++) {
        holders_text(ri, s->cells[i].holders, who, sizeof who);
        printf("%-10s %12" PRIu64 "  %s\n", sp_entity_name(s->cells[i].entity), s->cells[i].count,
               who);
    }
    if (s->suppressed_cells)
        printf("(%" PRIu32 " subject cells below %" PRIu32 " suppressed)\n", s->suppressed_cells,
               s->suppressed_below);
    printf("\n");
}

static void print_text(const struct sp_ctl_round_info *ri, const struct sp_ctl_counts_reply *c,
                       const struct sp_ctl_subjects_reply *s)
{
    char hex[SP_ROUND_ID_HEX_LEN + 1], who[1200];
    sp_round_id_hex(ri->round_id, hex);
    printf("round %s, case %s, mode %s, k=%u\n\n", hex, ri->case_ref[0] ? ri->case_ref : "-",
           sp_cli_mode_name(ri->mode), (unsigned)ri->min_holders);
    print_subjects(ri, s);
    printf("values per key type (a subject with several key types counts once per type)\n");
    printf("%-14s %12s  %s\n", "key_type", "count", "held by");
    for (uint32_t i = 0; i < c->nentries; i++) {
        const struct sp_peer_count *e = &c->entries[i];
        holders_text(ri, e->holders, who, sizeof who);
        printf("%-14s %12" PRIu64 "  %s\n",
               sp_key_type_name(e->key_type) ? sp_key_type_name(e->key_type) : "?", e->count, who);
    }
    if (c->suppressed_below > 0)
        printf("(%" PRIu32 " cells below %" PRIu32 " suppressed)\n", c->suppressed_cells,
               c->suppressed_below);
}

static void json_subjects(struct sp_json *j, const struct sp_ctl_round_info *ri,
                          const struct sp_ctl_subjects_reply *s)
{
    sp_json_obj_open(j, "subjects");
    sp_json_bool(j, "available", s->available);
    sp_json_uint(j, "suppressed_below", s->suppressed_below);
    sp_json_uint(j, "suppressed_cells", s->suppressed_cells);
    sp_json_arr_open(j, "cells");
    for (uint32_t i = 0; i < s->ncells; i++) {
        sp_json_obj_open(j, NULL);
        sp_json_str(j, "entity", sp_entity_name(s->cells[i].entity));
        sp_json_uint(j, "holders_mask", s->cells[i].holders);
        holders_json(j, ri, s->cells[i].holders);
        sp_json_uint(j, "count", s->cells[i].count);
        sp_json_obj_close(j);
    }
    sp_json_arr_close(j);
    sp_json_obj_close(j);
}

static int print_json(const struct sp_ctl_round_info *ri, const struct sp_ctl_counts_reply *c,
                      const struct sp_ctl_subjects_reply *s)
{
    struct sp_json j;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(ri->round_id, hex);
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "round", hex);
    sp_json_str(&j, "case", ri->case_ref);
    sp_json_str(&j, "mode", sp_cli_mode_name(ri->mode));
    sp_json_uint(&j, "min_holders", ri->min_holders);
    sp_json_uint(&j, "suppressed_below", c->suppressed_below);
    sp_json_uint(&j, "suppressed_cells", c->suppressed_cells);
    sp_json_arr_open(&j, "participants");
    for (uint32_t i = 0; i < ri->nparticipants; i++)
        sp_json_str(&j, NULL, ri->participants[i]);
    sp_json_arr_close(&j);
    json_subjects(&j, ri, s);
    sp_json_arr_open(&j, "entries");
    for (uint32_t i = 0; i < c->nentries; i++) {
        const struct sp_peer_count *e = &c->entries[i];
        sp_json_obj_open(&j, NULL);
        sp_json_str(&j, "key_type", sp_key_type_name(e->key_type));
        sp_json_str(&j, "entity", sp_entity_name(sp_key_type_entity(e->key_type)));
        sp_json_uint(&j, "holders_mask", e->holders);
        holders_json(&j, ri, e->holders);
        sp_json_uint(&j, "count", e->count);
        sp_json_obj_close(&j);
    }
    sp_json_arr_close(&j);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

struct counts_args {
    uint8_t *id;
    bool given, consume;
};

enum { OPT_ROUND = 'r', OPT_CONSUME = 'C' };

/* --round, --consume; a value that is not a round id is a usage error. */
static int counts_option(void *ctx, int id, const char *arg)
{
    struct counts_args *a = ctx;
    if (id == OPT_CONSUME) {
        a->consume = true;
        return 0;
    }
    if (id != OPT_ROUND || sp_round_id_parse(arg, a->id) != 0)
        return SP_CLI_OPT_UNKNOWN;
    a->given = true;
    return 0;
}

/* COUNTS and SUBJECTS of the round into the two replies (caller clears). */
static int fetch_counts(struct sp_cli_conn *conn, const uint8_t *id, struct sp_ctl_reply *counts,
                        struct sp_ctl_reply *subjects)
{
    struct sp_ctl_request req = {.op = SP_CTL_SUBJECTS};
    memcpy(req.subjects.round_id, id, SP_ROUND_ID_BYTES);
    /* SUBJECTS first: COUNTS is what marks a retention-0 round as read */
    if (sp_cli_call(conn, &req, subjects, false) != 0)
        return 1;
    if (sp_cli_reply_failed(subjects, "counts"))
        return 1;
    req = (struct sp_ctl_request){.op = SP_CTL_COUNTS};
    memcpy(req.counts.round_id, id, SP_ROUND_ID_BYTES);
    if (sp_cli_call(conn, &req, counts, false) != 0)
        return 1;
    return sp_cli_reply_failed(counts, "counts") ? 1 : 0;
}

static int counts_main(int argc, char **argv)
{
    static const struct option opts[] = {{"round", required_argument, NULL, OPT_ROUND},
                                         {"consume", no_argument, NULL, OPT_CONSUME},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    uint8_t id[SP_ROUND_ID_BYTES];
    struct counts_args a = {id, false, false};
    bool json = false;
    sp_cli_target_init(&t);
    const struct sp_cli_options o = {.cmd = "counts",
                                     .table = opts,
                                     .usage = usage,
                                     .target = &t,
                                     .json = &json,
                                     .operands = SP_CLI_OPERANDS_ANY,
                                     .option = counts_option,
                                     .ctx = &a};
    int rc = sp_cli_parse_options(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (optind != argc || !a.given) {
        fprintf(stderr, "snijpunt counts: --round ID (32 hex digits) is required\n");
        return 2;
    }
    struct sp_cli_conn *conn = NULL;
    struct sp_ctl_reply counts = {0}, subjects = {0};
    struct sp_ctl_round_info ri;
    if (sp_cli_connect(&t, "counts", false, &conn) != 0)
        return 1;
    int status = sp_cli_round_get(conn, id, "counts", &ri);
    if (status == 0)
        status = sp_cli_round_readable(&ri, "snijpunt counts", "ask there", a.consume,
                                       "reading it deletes its results and counts");
    if (status == 0)
        status = fetch_counts(conn, id, &counts, &subjects);
    if (status == 0)
        status = json ? print_json(&ri, &counts.counts, &subjects.subjects)
                      : (print_text(&ri, &counts.counts, &subjects.subjects), 0);
    sp_ctl_reply_clear(&counts);
    sp_ctl_reply_clear(&subjects);
    sp_cli_close(&conn);
    return status;
}

const struct sp_cmd sp_cmd_counts = {
    .name = "counts",
    .summary = "print what the coordinator sees: subjects and key-type counts of a round",
    .run = counts_main,
};
