/* snijpunt load: load an agency export into the local node as a new version
 * of a dataset. First runs the same check as `snijpunt check` locally and
 * shows its summary (nothing is sent when the file cannot be used), then
 * streams the file to snijpuntd in 1 MiB chunks (progress on a terminal);
 * the node swaps the new version in only when the whole file arrived. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/keytype.h"
#include "input/ingest.h"
#include "input/mapping.h"
#include "tools/cli_args.h"
#include "tools/cli_control.h"
#include "tools/cli_input.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

#define CHUNK_BYTES SP_CTL_CHUNK_MAX_BYTES

struct load_opts {
    struct sp_cli_target t;
    const char *dataset, *mapping_path, *input;
    int today;
    bool json, no_check;
    bool from_stdin; /* INPUT.csv is "-": read once, checked while it is sent */
    char *mapping_text;
    size_t mapping_len;
    uint64_t file_bytes; /* of the file; for standard input, bytes read so far */
    struct sp_mapping *stream_map;
    struct sp_ingest *stream; /* the local check of standard input, fed chunk by chunk */
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: snijpunt load --dataset NAME --mapping FILE [options] INPUT.csv\n\n"
            "Loads an agency export into the local node as the next version of dataset\n"
            "NAME. The file is first checked locally as `snijpunt check` does and the\n"
            "summary shown; a file that cannot be used is not sent. The node keeps only\n"
            "record ids and derived match keys, and swaps the new version in atomically:\n"
            "if anything fails, the previous version stays.\n\n"
            "  --dataset NAME   dataset name (a-z, 0-9, '_', '-'; at most 64)\n"
            "  --mapping FILE   the export's mapping (format: snijpunt-mapping(5))\n"
            "  --today DATE     date for the local check's future-date test\n"
            "  --no-check       skip the local check\n"
            "  --json           print the outcome as JSON (no progress output)\n" SP_CLI_TARGET_HELP
            "\nINPUT.csv may be - for standard input: it is then checked while it is\n"
            "sent, and discarded (the previous version stays) when it cannot be used.\n"
            "Progress (bytes and records) is shown when standard error is a terminal.\n"
            "Exit status: 0 loaded, 1 not loaded (the reason names the file and line),\n"
            "2 usage error, 130 interrupted (the load was discarded).\n");
}

static int read_mapping(struct load_opts *o)
{
    FILE *f = fopen(o->mapping_path, "rbe");
    o->mapping_text = malloc(SP_CTL_MAPPING_MAX_BYTES + 1);
    if (!f || !o->mapping_text) {
        fprintf(stderr, "snijpunt load: %s: cannot read the mapping file: %s\n", o->mapping_path,
                strerror(errno));
        if (f)
            fclose(f);
        return 1;
    }
    o->mapping_len = fread(o->mapping_text, 1, SP_CTL_MAPPING_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || o->mapping_len == 0 || o->mapping_len > SP_CTL_MAPPING_MAX_BYTES) {
        fprintf(stderr, "snijpunt load: %s: %s\n", o->mapping_path,
                bad ? "read error" : "the mapping file is empty or larger than 64 KiB");
        return 1;
    }
    return 0;
}

static void print_check(const struct load_opts *o, const struct sp_ingest_stats *st)
{
    char text[160];
    printf("check: %s: %llu records (%llu usable, %llu rows skipped, %llu without keys), "
           "%llu keys\n",
           o->input, (unsigned long long)st->records, (unsigned long long)st->records_usable,
           (unsigned long long)st->structural_errors, (unsigned long long)st->records_without_keys,
           (unsigned long long)st->keys);
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (st->keys_by_type[t])
            printf("  %-14s %10llu\n", sp_key_type_name(t),
                   (unsigned long long)st->keys_by_type[t]);
    for (size_t i = 0; i < st->nerror_lines && i < 5; i++)
        if (sp_ingest_error_describe(st, i, text, sizeof text) == 0)
            printf("  %s:%llu: skipped: %s\n", o->input, (unsigned long long)st->error_lines[i],
                   text);
    if (st->structural_errors > 5)
        printf("  ... %llu rows skipped in all (`snijpunt check` lists them)\n",
               (unsigned long long)st->structural_errors);
}

/* The local check; fills *st. Returns 0 or 1 (reason printed). */
static int local_check(const struct load_opts *o, struct sp_ingest_stats *st)
{
    struct sp_mapping *m = NULL;
    struct sp_ingest *ing = NULL;
    char diag[512];
    int err = sp_mapping_parse(o->mapping_text, o->mapping_len, &m, diag, sizeof diag);
    if (err == SP_ERR_INPUT_MAPPING)
        sp_cli_print_diag(o->mapping_path, diag);
    if (!err)
        err = sp_cli_ingest_count(m, o->today, o->input, &ing);
    if (!err) {
        *st = *sp_ingest_stats(ing);
        if (st->records > 0 && st->records_usable == 0) {
            fprintf(stderr, "snijpunt load: %s: no record in the file is usable\n", o->input);
            err = SP_ERR_INPUT_FORMAT;
        }
    }
    sp_ingest_free(&ing);
    sp_mapping_free(&m);
    return err ? 1 : 0;
}

static void progress(uint64_t done, uint64_t total, uint64_t records, bool final)
{
    if (total == 0) { /* standard input: the size is not known */
        fprintf(stderr, "\rloading: %.1f MiB, %llu records%s", (double)done / (1024.0 * 1024.0),
                (unsigned long long)records, final ? "\n" : "");
        return;
    }
    double mib = (double)done / (1024.0 * 1024.0), tot = (double)total / (1024.0 * 1024.0);
    unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
    fprintf(stderr, "\rloading: %.1f of %.1f MiB (%u%%), %llu records%s", mib, tot, pct,
            (unsigned long long)records, final ? "\n" : "");
}

/* Prints the daemon's reason, naming the input file when it is about a line. */
static void report(const struct load_opts *o, const struct sp_ctl_reply *rep)
{
    unsigned long long line = 0;
    int used = 0;
    const char *m = rep->message[0] ? rep->message : sp_strerror(rep->status);
    if (sscanf(m, "line %llu: %n", &line, &used) == 1 && used > 0)
        fprintf(stderr, "snijpunt load: %s:%llu: %s\n", o->input, line, m + used);
    else
        fprintf(stderr, "snijpunt load: %s: %s\n", o->input, m);
    fprintf(stderr, "snijpunt load: dataset %s was not changed\n", o->dataset);
}

/* One request; 0 on success, 1 with the reason printed. */
static int call(struct sp_cli_conn *conn, const struct load_opts *o, struct sp_ctl_request *req,
                struct sp_ctl_reply *rep)
{
    if (sp_cli_call(conn, req, rep, false) != 0)
        return 1;
    if (rep->status != 0) {
        report(o, rep);
        sp_ctl_reply_clear(rep);
        return 1;
    }
    return 0;
}

static void discard(struct sp_cli_conn *conn, uint32_t load_id)
{
    struct sp_ctl_request req = {.op = SP_CTL_LOAD_END};
    struct sp_ctl_reply rep;
    req.load_end.load_id = load_id;
    req.load_end.commit = false;
    if (sp_cli_call(conn, &req, &rep, true) == 0)
        sp_ctl_reply_clear(&rep);
}

static int count_nothing(void *ctx, const struct sp_record_keys *rec)
{
    (void)ctx;
    (void)rec;
    return 0;
}

/* The local check of standard input starts before the first chunk is sent.
 * Returns 0 or 1 (reason printed). */
static int stream_check_begin(struct load_opts *o)
{
    char diag[512];
    int err = sp_mapping_parse(o->mapping_text, o->mapping_len, &o->stream_map, diag, sizeof diag);
    if (err == SP_ERR_INPUT_MAPPING)
        sp_cli_print_diag(o->mapping_path, diag);
    if (!err)
        err = sp_ingest_new(o->stream_map, &o->stream);
    if (!err)
        err = sp_ingest_set_today(o->stream, o->today);
    if (err && err != SP_ERR_INPUT_MAPPING)
        fprintf(stderr, "snijpunt load: %s\n", sp_strerror(err));
    return err ? 1 : 0;
}

/* One chunk (or, with len 0, the end) of standard input through the local
 * check. Returns 0 or 1 (reason printed). */
static int stream_check(struct load_opts *o, const uint8_t *buf, size_t len)
{
    int err = len ? sp_ingest_feed(o->stream, buf, len, count_nothing, NULL)
                  : sp_ingest_finish(o->stream, count_nothing, NULL);
    if (err && sp_ingest_diagnostic(o->stream)[0])
        sp_cli_print_diag(o->input, sp_ingest_diagnostic(o->stream));
    else if (err)
        fprintf(stderr, "snijpunt load: %s: %s\n", o->input, sp_strerror(err));
    return err ? 1 : 0;
}

static void stream_check_end(struct load_opts *o)
{
    sp_ingest_free(&o->stream);
    sp_mapping_free(&o->stream_map);
}

/* Streams the file in chunks. Returns 0, 1 (failed) or 130 (interrupted). */
static int send_chunks(struct sp_cli_conn *conn, struct load_opts *o, uint32_t load_id)
{
    struct sp_ctl_request req = {.op = SP_CTL_LOAD_CHUNK};
    struct sp_ctl_reply rep;
    bool show = !o->json && isatty(STDERR_FILENO);
    uint8_t *buf = malloc(CHUNK_BYTES);
    int fd = o->from_stdin ? STDIN_FILENO : open(o->input, O_RDONLY | O_CLOEXEC), status = 0;
    if (!buf || fd < 0) {
        fprintf(stderr, "snijpunt load: %s: %s\n", o->input, strerror(errno));
        status = 1;
    }
    req.load_chunk.load_id = load_id;
    while (!status) {
        ssize_t n = read(fd, buf, CHUNK_BYTES);
        if (n < 0 && errno == EINTR && !interrupted)
            continue;
        if (interrupted) {
            status = 130;
        } else if (n < 0) {
            fprintf(stderr, "snijpunt load: %s: read error: %s\n", o->input, strerror(errno));
            status = 1;
        }
        if (status || n == 0)
            break;
        if (o->stream && stream_check(o, buf, (size_t)n) != 0) {
            status = 1;
            break;
        }
        if (o->from_stdin)
            o->file_bytes += (uint64_t)n;
        req.load_chunk.data = buf;
        req.load_chunk.data_len = (size_t)n;
        if (call(conn, o, &req, &rep) != 0)
            status = 1;
        else if (show)
            progress(rep.load_chunk.bytes_received, o->file_bytes, rep.load_chunk.records, false);
        if (!status)
            sp_ctl_reply_clear(&rep);
    }
    if (show)
        fprintf(stderr, "\n");
    if (fd > STDIN_FILENO)
        close(fd);
    if (buf) /* it held raw personal data */
        sodium_memzero(buf, CHUNK_BYTES);
    free(buf);
    return status;
}

static void json_check(struct sp_json *j, const struct sp_ingest_stats *st)
{
    sp_json_obj_open(j, "check");
    sp_json_uint(j, "lines", st->lines);
    sp_json_uint(j, "records", st->records);
    sp_json_uint(j, "usable", st->records_usable);
    sp_json_uint(j, "skipped", st->structural_errors);
    sp_json_uint(j, "without_keys", st->records_without_keys);
    sp_json_uint(j, "keys", st->keys);
    sp_json_obj_open(j, "keys_by_type");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (st->keys_by_type[t])
            sp_json_uint(j, sp_key_type_name(t), st->keys_by_type[t]);
    sp_json_obj_close(j);
    sp_json_arr_open(j, "skipped_lines");
    for (size_t i = 0; i < st->nerror_lines; i++)
        sp_json_uint(j, NULL, st->error_lines[i]);
    sp_json_arr_close(j);
    sp_json_obj_close(j);
}

static int print_done(const struct load_opts *o, const struct sp_ctl_load_end_reply *e,
                      const struct sp_ingest_stats *check)
{
    char sha[2 * SP_CTL_SHA256_BYTES + 1];
    const struct sp_ctl_dataset_info *d = &e->summary;
    sp_hex_encode(sha, d->input_sha256, SP_CTL_SHA256_BYTES);
    uint64_t dups = e->stats.duplicate_record_ids;
    if (dups > 0) /* the default policy; duplicate_ids = refuse would have refused the file */
        fprintf(stderr,
                "snijpunt load: warning: %llu record id(s) occur on more than one line: each "
                "id's lines were merged into one record (duplicate_ids = merge, the default); "
                "set duplicate_ids = refuse in the mapping to refuse such a file\n",
                (unsigned long long)dups);
    if (!o->json) {
        printf("loaded: dataset %s version %u: %llu records, %llu keys, %llu fields rejected, "
               "%llu rows skipped\n  sha256 %s\n",
               d->name, d->version, (unsigned long long)d->records, (unsigned long long)d->keys,
               (unsigned long long)d->rejected_fields, (unsigned long long)d->structural_errors,
               sha);
        return 0;
    }
    struct sp_json j;
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "dataset", d->name);
    sp_json_uint(&j, "version", d->version);
    sp_json_uint(&j, "loaded_at", d->loaded_at);
    sp_json_uint(&j, "records", d->records);
    sp_json_uint(&j, "keys", d->keys);
    sp_json_uint(&j, "rejected_fields", d->rejected_fields);
    sp_json_uint(&j, "structural_errors", d->structural_errors);
    sp_json_uint(&j, "duplicate_record_ids", dups);
    sp_json_uint(&j, "bytes", o->file_bytes);
    sp_json_str(&j, "input_sha256", sha);
    if (check)
        json_check(&j, check);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

/* LOAD_BEGIN, the chunks, LOAD_END. Returns the exit status. */
/* The end of the local check of standard input, before the commit: fills
 * *st and prints it as a file's check is. Returns 0 or 1 (reason printed). */
static int stream_check_finish(struct load_opts *o, struct sp_ingest_stats *st)
{
    if (stream_check(o, NULL, 0) != 0)
        return 1;
    *st = *sp_ingest_stats(o->stream);
    if (st->records > 0 && st->records_usable == 0) {
        fprintf(stderr, "snijpunt load: %s: no record in the file is usable\n", o->input);
        return 1;
    }
    if (!o->json)
        print_check(o, st);
    return 0;
}

static int transfer(struct sp_cli_conn *conn, struct load_opts *o, struct sp_ingest_stats *check)
{
    struct sp_ctl_request req = {.op = SP_CTL_LOAD_BEGIN};
    struct sp_ctl_reply rep;
    snprintf(req.load_begin.dataset, sizeof req.load_begin.dataset, "%s", o->dataset);
    req.load_begin.mapping = o->mapping_text;
    req.load_begin.mapping_len = o->mapping_len;
    req.load_begin.total_bytes = o->file_bytes;
    if (call(conn, o, &req, &rep) != 0)
        return 1;
    uint32_t id = rep.load_id;
    sp_ctl_reply_clear(&rep);
    int status = send_chunks(conn, o, id);
    if (!status && o->stream)
        status = stream_check_finish(o, check);
    if (status) {
        discard(conn, id);
        if (status == 130)
            fprintf(stderr, "snijpunt load: interrupted; dataset %s was not changed\n", o->dataset);
        else if (o->from_stdin)
            fprintf(stderr, "snijpunt load: dataset %s was not changed\n", o->dataset);
        return status;
    }
    req = (struct sp_ctl_request){.op = SP_CTL_LOAD_END};
    req.load_end.load_id = id;
    req.load_end.commit = true;
    if (call(conn, o, &req, &rep) != 0)
        return 1;
    status = print_done(o, &rep.load_end, check);
    sp_ctl_reply_clear(&rep);
    return status;
}

static int today_option(void *ctx, int id, const char *arg)
{
    if (id != 't')
        return SP_CLI_OPT_UNKNOWN;
    if (sp_cli_parse_date(arg, ctx) != 0) {
        fprintf(stderr, "snijpunt load: --today needs a date as YYYY-MM-DD\n");
        return SP_CLI_EXIT_USAGE;
    }
    return 0;
}

static int parse(int argc, char **argv, struct load_opts *o)
{
    static const struct option opts[] = {{"dataset", required_argument, NULL, 'd'},
                                         {"mapping", required_argument, NULL, 'm'},
                                         {"today", required_argument, NULL, 't'},
                                         {"no-check", no_argument, NULL, 'n'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         SP_CLI_TARGET_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    const char **value[] = {['d'] = &o->dataset, ['m'] = &o->mapping_path};
    bool *flag[] = {['n'] = &o->no_check};
    const struct sp_cli_options spec = {.cmd = "load",
                                        .table = opts,
                                        .usage = usage,
                                        .target = &o->t,
                                        .json = &o->json,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag),
                                        .operands = SP_CLI_OPERANDS_ANY,
                                        .option = today_option,
                                        .ctx = &o->today};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (optind + 1 != argc || !o->dataset || !o->mapping_path) {
        fprintf(stderr, "snijpunt load: --dataset, --mapping and one INPUT.csv are required\n");
        return SP_CLI_EXIT_USAGE;
    }
    o->input = argv[optind];
    return SP_CLI_CONTINUE;
}

static int load_main(int argc, char **argv)
{
    struct load_opts o;
    struct sp_ingest_stats st;
    struct stat fst;
    memset(&o, 0, sizeof o);
    sp_cli_target_init(&o.t);
    int rc = parse(argc, argv, &o);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (!o.today)
        o.today = sp_cli_today();
    o.from_stdin = strcmp(o.input, "-") == 0;
    if (!o.from_stdin && (stat(o.input, &fst) != 0 || !S_ISREG(fst.st_mode))) {
        fprintf(stderr, "snijpunt load: %s: not a readable regular file\n", o.input);
        return 1;
    }
    o.file_bytes = o.from_stdin ? 0 : (uint64_t)fst.st_size;
    bool check_first = !o.no_check && !o.from_stdin;
    if (read_mapping(&o) != 0 || (check_first && local_check(&o, &st) != 0) ||
        (!o.no_check && o.from_stdin && stream_check_begin(&o) != 0)) {
        stream_check_end(&o);
        free(o.mapping_text);
        return 1;
    }
    if (check_first && !o.json)
        print_check(&o, &st);
    fflush(stdout);
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct sp_cli_conn *conn = NULL;
    int status = 1;
    if (sp_cli_connect(&o.t, "load", false, &conn) == 0)
        status = transfer(conn, &o, o.no_check ? NULL : &st);
    sp_cli_close(&conn);
    stream_check_end(&o);
    free(o.mapping_text);
    return status;
}

const struct sp_cmd sp_cmd_load = {
    .name = "load",
    .summary = "check an export and load it into the local node as a new dataset version",
    .run = load_main,
};
