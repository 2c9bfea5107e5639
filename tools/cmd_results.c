/* snijpunt results: a finished round's results on this node, as CSV with the
 * header dataset,record_id,entity,partner,key_types,class (one line per own
 * record, entity and other node that holds it), or as JSON. Pages through
 * the daemon's RESULTS replies, so any size streams. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "common/roundid.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cli_csv.h"
#include "tools/cli_results_join.h"
#include "tools/cli_results_summary.h"
#include "tools/cli_round_view.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: snijpunt results --round ID [--json | --by-record | --join EXPORT --mapping MAP]\n"
        "                        [--dataset NAME] [--all] [--consume] [--output FILE]\n"
        "                        [connection options]\n\n"
        "Prints the results of a finished round on the local node as CSV:\n"
        "  dataset,record_id,entity,partner,key_types,class\n"
        "one line per own record, entity and other node that knows it. entity says\n"
        "what the line is about: person or company is the record's own subject\n"
        "(matched through identity keys: bsn, name and date of birth, kvk, ...);\n"
        "address, vehicle or account is something the record mentions. A line of\n"
        "entity address says only that the partner knows the same address (maybe\n"
        "for another person), never that it knows this person. key_types are that\n"
        "entity's keys, joined with '+'; class is the strongest of them (A\n"
        "conclusive, B strong, C a candidate for human review only). In a\n"
        "threshold-mode round the node learns only that at least k nodes hold a\n"
        "record, not which: partner is then '*'. A counts-mode round stores no\n"
        "per-record results at all. On a partner of a case question whose proposal\n"
        "tells holders, the rows are its own records the asker found (partner: the\n"
        "asker); the asker reads its answers with `snijpunt case results`.\n\n"
        "  --round ID       the round (32 hex digits, as `snijpunt round list` shows)\n"
        "  --json           print {\"round\", \"total\", \"rows\": [...]} instead\n"
        "  --by-record      one line per own record instead:\n"
        "                     dataset,record_id,%s\n"
        "                   entity and known_at: the record's own subject (person or\n"
        "                   company) and the partners that know it, class the strongest;\n"
        "                   then the partners that know its address, vehicle, account\n"
        "  --join EXPORT    the records of EXPORT (this node's own file, read as\n"
        "                   --mapping MAP says) with those columns next to their own,\n"
        "                   as UTF-8 CSV; only records with results unless --all.\n"
        "                   Local data for the analyst on this node: nothing is sent.\n"
        "  --dataset NAME   with --join: the dataset EXPORT was loaded as (needed when\n"
        "                   a record id has results in more than one dataset)\n"
        "  --all            with --join: every record of EXPORT\n"
        "  --consume        read a round kept \"until read once\" (retention 0 days):\n"
        "                   reading all of it deletes its results on this node\n"
        "  --output FILE    write to FILE instead of standard output\n"
        "  --page-size N    rows per request (1..10000, default 10000)\n" SP_CLI_TARGET_HELP
        "\nExit status: 0 printed, 1 no such round, no results yet, a retention-0\n"
        "round without --consume, an unreadable export, or the daemon could not be\n"
        "reached, 2 usage error.\n",
        sp_summary_columns);
}

struct opts {
    struct sp_cli_target t;
    uint8_t round[SP_ROUND_ID_BYTES];
    bool have_round, json, by_record, all, consume;
    const char *output, *join, *mapping, *dataset;
    uint32_t page;
};

static void csv_field(FILE *out, const char *s)
{
    sp_csv_write_field(out, s, strlen(s));
}

static const char *class_name(uint8_t k)
{
    const char *n = sp_key_class_name(k);
    return n ? n : "?";
}

/* A row's key types all name one entity (round/round_agg.h). */
static const char *entity_name(uint32_t key_types)
{
    const char *n = sp_entity_name(sp_key_mask_entity(key_types));
    return n ? n : "?";
}

static void emit_csv(FILE *out, const struct sp_ctl_result_row *r)
{
    char kt[256];
    sp_cli_key_types_join(r->key_types, kt, sizeof kt);
    csv_field(out, r->dataset);
    fputc(',', out);
    csv_field(out, r->record_id);
    fprintf(out, ",%s,", entity_name(r->key_types));
    csv_field(out, r->partner);
    fprintf(out, ",%s,%s\n", kt, class_name(r->klass));
}

static void emit_json(struct sp_json *j, const struct sp_ctl_result_row *r)
{
    sp_json_obj_open(j, NULL);
    sp_json_str(j, "dataset", r->dataset);
    sp_json_str(j, "record_id", r->record_id);
    sp_json_str(j, "entity", entity_name(r->key_types));
    sp_json_str(j, "partner", r->partner);
    sp_json_arr_open(j, "key_types");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (r->key_types & SP_KEY_MASK(t))
            sp_json_str(j, NULL, sp_key_type_name(t));
    sp_json_arr_close(j);
    sp_json_str(j, "class", class_name(r->klass));
    sp_json_obj_close(j);
}

/* Where rows go: one of the output forms below. */
struct sink {
    const struct opts *o;
    FILE *out;
    struct sp_json j;
    struct sp_record_summary rec; /* --by-record, --join: the record being summed */
    bool have_rec;
    struct sp_results_join *join;
    int rc;
};

static void sink_begin(struct sink *k, const char *hex, uint64_t total)
{
    if (k->o->json) {
        sp_json_init(&k->j, k->out);
        sp_json_obj_open(&k->j, NULL);
        sp_json_str(&k->j, "round", hex);
        sp_json_uint(&k->j, "total", total);
        sp_json_arr_open(&k->j, "rows");
    } else if (k->o->by_record) {
        fprintf(k->out, "dataset,record_id,%s\n", sp_summary_columns);
    } else if (!k->o->join) {
        fprintf(k->out, "dataset,record_id,entity,partner,key_types,class\n");
    }
}

/* A record's summary is complete: printed, or kept for the join. */
static void sink_record(struct sink *k)
{
    if (!k->have_rec)
        return;
    if (k->join) {
        if (k->rc == 0)
            k->rc = sp_results_join_add(k->join, &k->rec);
        return;
    }
    csv_field(k->out, k->rec.dataset);
    fputc(',', k->out);
    csv_field(k->out, k->rec.record_id);
    fputc(',', k->out);
    sp_summary_write(k->out, &k->rec);
    fputc('\n', k->out);
}

static void sink_row(struct sink *k, const struct sp_ctl_result_row *r)
{
    if (k->o->json) {
        emit_json(&k->j, r);
    } else if (k->o->by_record || k->join) {
        if (!k->have_rec || !sp_summary_same_record(&k->rec, r)) {
            sink_record(k);
            sp_summary_begin(&k->rec, r);
            k->have_rec = true;
        }
        sp_summary_add(&k->rec, r);
    } else {
        emit_csv(k->out, r);
    }
}

static int sink_end(struct sink *k)
{
    if (k->o->json) {
        sp_json_arr_close(&k->j);
        sp_json_obj_close(&k->j);
        return sp_json_finish(&k->j) == 0 ? 0 : 1;
    }
    sink_record(k);
    if (k->join)
        return k->rc == 0
                   ? sp_results_join_write(k->join, k->o->join, k->o->mapping, k->o->all, k->out)
                   : 1;
    return fflush(k->out) == 0 && !ferror(k->out) ? 0 : 1;
}

/* Fetches every page into the sink. Returns the exit status. */
static int fetch_all(struct sp_cli_conn *conn, const struct opts *o, struct sink *k)
{
    struct sp_ctl_request req = {.op = SP_CTL_RESULTS};
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    uint64_t total = 0, offset = 0;
    memcpy(req.results.round_id, o->round, sizeof o->round);
    req.results.limit = o->page;
    sp_round_id_hex(o->round, hex);
    do {
        struct sp_ctl_reply rep;
        req.results.offset = offset;
        if (sp_cli_call(conn, &req, &rep, false) != 0)
            return 1;
        if (sp_cli_reply_failed(&rep, "results"))
            return sp_ctl_reply_clear(&rep), 1;
        if (offset == 0) {
            total = rep.results.total;
            sink_begin(k, hex, total);
        }
        for (uint32_t i = 0; i < rep.results.nrows; i++)
            sink_row(k, &rep.results.rows[i]);
        uint32_t got = rep.results.nrows;
        sp_ctl_reply_clear(&rep);
        if (got == 0 && offset < total) {
            fprintf(stderr, "snijpunt results: the daemon returned %llu of %llu rows\n",
                    (unsigned long long)offset, (unsigned long long)total);
            return 1;
        }
        offset += got;
    } while (offset < total);
    return sink_end(k);
}

static int results_option(void *ctx, int id, const char *arg)
{
    struct opts *o = ctx;
    char *end = NULL;
    switch (id) {
    case 'r':
        if (sp_round_id_parse(arg, o->round) != 0) {
            fprintf(stderr, "snijpunt results: --round takes 32 hex digits\n");
            return SP_CLI_EXIT_USAGE;
        }
        o->have_round = true;
        return 0;
    case 'b':
        o->by_record = true;
        return 0;
    case 'a':
        o->all = true;
        return 0;
    case 'C':
        o->consume = true;
        return 0;
    case 'p': {
        unsigned long v = strtoul(arg, &end, 10);
        if (*end || v < 1 || v > SP_CTL_RESULTS_MAX_LIMIT) {
            fprintf(stderr, "snijpunt results: --page-size takes 1 to 10000\n");
            return SP_CLI_EXIT_USAGE;
        }
        o->page = (uint32_t)v;
        return 0;
    }
    default:
        return SP_CLI_OPT_UNKNOWN;
    }
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option opts[] = {{"round", required_argument, NULL, 'r'},
                                         SP_CLI_JSON_OPTION,
                                         {"output", required_argument, NULL, 'o'},
                                         {"page-size", required_argument, NULL, 'p'},
                                         {"by-record", no_argument, NULL, 'b'},
                                         {"join", required_argument, NULL, 'j'},
                                         {"mapping", required_argument, NULL, 'm'},
                                         {"dataset", required_argument, NULL, 'd'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"consume", no_argument, NULL, 'C'},
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    sp_cli_target_init(&o->t);
    o->page = SP_CTL_RESULTS_MAX_LIMIT;
    const char **value[] = {
        ['o'] = &o->output, ['j'] = &o->join, ['m'] = &o->mapping, ['d'] = &o->dataset};
    const struct sp_cli_options spec = {.cmd = "results",
                                        .table = opts,
                                        .usage = usage,
                                        .target = &o->t,
                                        .json = &o->json,
                                        SP_CLI_STRINGS(value),
                                        .operands = SP_CLI_OPERANDS_ANY,
                                        .option = results_option,
                                        .ctx = o};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (optind != argc || !o->have_round) {
        fprintf(stderr, "snijpunt results: --round ID is required\n");
        return SP_CLI_EXIT_USAGE;
    }
    if ((o->join != NULL) != (o->mapping != NULL) || o->json + o->by_record + !!o->join > 1 ||
        ((o->dataset || o->all) && !o->join)) {
        fprintf(stderr, "snijpunt results: --join EXPORT needs --mapping MAP (and --dataset, "
                        "--all only go with --join); --json, --by-record and --join exclude "
                        "each other\n");
        return SP_CLI_EXIT_USAGE;
    }
    return SP_CLI_CONTINUE;
}

static int results_main(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    struct sp_cli_conn *conn = NULL;
    if (sp_cli_connect(&o.t, "results", false, &conn) != 0)
        return 1;
    struct sink k = {.o = &o};
    /* a round kept until read once is refused before anything is read */
    struct sp_ctl_round_info ri;
    int status = sp_cli_round_get(conn, o.round, "results", &ri);
    if (status == 0)
        status = sp_cli_round_readable(&ri, "snijpunt results", NULL, o.consume,
                                       "reading all of it deletes its results");
    if (status == 0 && o.join && sp_results_join_new(o.dataset, &k.join) != 0)
        status = 1;
    k.out = status == 0 && o.output ? fopen(o.output, "we") : stdout;
    if (!k.out) {
        perror(o.output);
        status = 1;
    }
    if (status == 0)
        status = fetch_all(conn, &o, &k);
    if (k.out && k.out != stdout && fclose(k.out) != 0)
        status = 1;
    sp_results_join_free(&k.join);
    sp_cli_close(&conn);
    return status;
}

const struct sp_cmd sp_cmd_results = {
    .name = "results",
    .summary = "print a round's results on this node (CSV or --json)",
    .run = results_main,
};
