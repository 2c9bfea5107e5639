/* snijpunt check: what the input layer makes of an export, without showing
 * any of its values: per field accepted, empty and rejected (with reasons),
 * rows skipped for structural errors (line numbers), keys per type. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "input/derive.h"
#include "input/encoding.h"
#include "input/ingest.h"
#include "input/mapping.h"
#include "tools/cli_input.h"
#include "tools/cli_json.h"
#include "tools/cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt check --mapping FILE [--today YYYY-MM-DD] [--json] INPUT.csv\n\n"
                 "Reads an agency export as its mapping file describes and reports what the\n"
                 "input layer makes of it: per mapped field how many values were accepted,\n"
                 "empty or rejected (and why, with the line numbers of the first 20 per\n"
                 "reason), which rows were skipped for structural errors (with their line\n"
                 "numbers), and how many match keys of each type the file yields.\n"
                 "It never prints a value from the file.\n\n"
                 "  --mapping FILE  the dataset's mapping (format: snijpunt-mapping(5))\n"
                 "  --today DATE    the date for future-date checks (default: today)\n"
                 "  --json          the same report as JSON on standard output\n\n"
                 "INPUT.csv may be - for standard input. Exit status: 0 the file is usable\n"
                 "(even with rejects), 1 it cannot be used at all (unreadable, invalid\n"
                 "mapping, a mapped column missing, no usable record), 2 usage error.\n");
}

static uint64_t rejected_total(const struct sp_field_stats *fs)
{
    uint64_t n = 0;
    for (int r = 1; r < SP_REJECT_REASON_COUNT; r++)
        n += fs->rejected[r];
    return n;
}

static const char *column_label(const struct sp_mapping *m, int f, char *buf, size_t cap)
{
    const char *name = sp_mapping_column_name(m, f);
    if (name != NULL)
        return name;
    snprintf(buf, cap, "#%u", sp_mapping_column_index(m, f));
    return buf;
}

/* Where values were rejected: the first REJECT_LINES lines per field and
 * reason (the line where the record starts), never the values. The input
 * layer counts rejects per record before delivering it, so the increase of
 * its counters since the last record belongs to this record's line. The
 * record id is left out: a bad id skips the row, listed with the structural
 * errors. */
#define REJECT_LINES 20

struct reject_lines {
    const struct sp_ingest *ing;
    uint64_t seen[SP_FIELD_COUNT][SP_REJECT_REASON_COUNT];
    uint64_t line[SP_FIELD_COUNT][SP_REJECT_REASON_COUNT][REJECT_LINES];
};

static int note_rejects(void *ctx, const struct sp_record_keys *rec)
{
    struct reject_lines *rl = ctx;
    const struct sp_ingest_stats *st = sp_ingest_stats(rl->ing);
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        if (f == SP_FIELD_RECORD_ID)
            continue;
        for (int r = 1; r < SP_REJECT_REASON_COUNT; r++) {
            uint64_t now = st->fields[f].rejected[r];
            for (uint64_t k = rl->seen[f][r]; k < now && k < REJECT_LINES; k++)
                rl->line[f][r][k] = rec->line;
            rl->seen[f][r] = now;
        }
    }
    return 0;
}

/* Like sp_cli_ingest_count, noting the lines of rejected values. */
static int ingest_noting(const struct sp_mapping *m, int today, const char *path,
                         struct sp_ingest **ing, struct reject_lines *rl)
{
    int rc = sp_ingest_new(m, ing);
    if (rc == 0)
        rc = sp_ingest_set_today(*ing, today);
    rl->ing = *ing;
    if (rc == 0)
        rc = sp_cli_ingest_file(path, *ing, note_rejects, rl);
    return rc;
}

static size_t lines_kept(const struct sp_field_stats *fs, int r)
{
    return fs->rejected[r] < REJECT_LINES ? (size_t)fs->rejected[r] : REJECT_LINES;
}

static void print_reject_lines(const struct sp_mapping *m, const struct sp_ingest_stats *st,
                               const struct reject_lines *rl)
{
    bool any = false;
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        const struct sp_field_stats *fs = &st->fields[f];
        if (f == SP_FIELD_RECORD_ID || !sp_mapping_has_field(m, f))
            continue;
        for (int r = 1; r < SP_REJECT_REASON_COUNT; r++) {
            if (fs->rejected[r] == 0)
                continue;
            if (!any)
                printf("\nrejected values by line (the first %d per field and reason):\n",
                       REJECT_LINES);
            any = true;
            printf("  %-15s %-22s", sp_field_name(f), sp_reject_reason_text(r));
            const char *sep = " line ";
            for (size_t k = 0; k < lines_kept(fs, r); k++, sep = ", ")
                printf("%s%llu", sep, (unsigned long long)rl->line[f][r][k]);
            if (fs->rejected[r] > REJECT_LINES)
                printf(" and %llu more", (unsigned long long)(fs->rejected[r] - REJECT_LINES));
            printf("\n");
        }
    }
}

static void print_field(const struct sp_mapping *m, const struct sp_field_stats *fs, int f)
{
    char col[32];

    printf("  %-15s %-22s %9llu %9llu %9llu", sp_field_name(f),
           column_label(m, f, col, sizeof(col)), (unsigned long long)fs->accepted,
           (unsigned long long)fs->empty, (unsigned long long)rejected_total(fs));
    const char *sep = "  ";
    for (int r = 1; r < SP_REJECT_REASON_COUNT; r++)
        if (fs->rejected[r] > 0) {
            printf("%s%s %llu", sep, sp_reject_reason_text(r), (unsigned long long)fs->rejected[r]);
            sep = ", ";
        }
    printf("\n");
}

static void print_errors(const struct sp_ingest_stats *st)
{
    char text[128];

    printf("\nrows skipped (structural errors): %llu\n", (unsigned long long)st->structural_errors);
    for (size_t i = 0; i < st->nerror_lines; i++)
        if (sp_ingest_error_describe(st, i, text, sizeof(text)) == 0)
            printf("  line %llu: %s\n", (unsigned long long)st->error_lines[i], text);
    if (st->structural_errors > st->nerror_lines)
        printf("  ... and %llu more\n",
               (unsigned long long)(st->structural_errors - st->nerror_lines));
}

static void print_text(const struct sp_cli_input_args *a, const struct sp_mapping *m,
                       const struct sp_ingest_stats *st, const struct reject_lines *rl)
{
    printf("file:     %s\nmapping:  %s (%s records, %s)\n", a->input, a->mapping,
           sp_mapping_kind(m), sp_encoding_name(sp_mapping_encoding(m)));
    printf("lines:    %llu\nrecords:  %llu (usable %llu, skipped %llu, without keys %llu)\n",
           (unsigned long long)st->lines, (unsigned long long)st->records,
           (unsigned long long)st->records_usable, (unsigned long long)st->structural_errors,
           (unsigned long long)st->records_without_keys);
    printf("duplicate record ids: %llu%s\n\n", (unsigned long long)st->duplicate_record_ids,
           st->duplicate_check_capped ? " (at least; too many ids to track all)" : "");
    printf("  %-15s %-22s %9s %9s %9s  %s\n", "field", "column", "accepted", "empty", "rejected",
           "reasons");
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        if (sp_mapping_has_field(m, f))
            print_field(m, &st->fields[f], f);
    print_reject_lines(m, st, rl);
    printf("\nkeys: %llu\n", (unsigned long long)st->keys);
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (st->keys_by_type[t] > 0)
            printf("  %-14s %s %9llu\n", sp_key_type_name(t),
                   sp_key_class_name(sp_key_type_class(t)),
                   (unsigned long long)st->keys_by_type[t]);
    print_errors(st);
}

/* "checksum fails" -> "checksum_fails": stable JSON names from the texts. */
static void reason_slug(int r, char *buf, size_t cap)
{
    const char *t = sp_reject_reason_text(r);
    size_t o = 0;
    for (; t != NULL && *t != '\0' && o + 1 < cap; t++)
        buf[o++] = isalnum((unsigned char)*t) ? (char)tolower((unsigned char)*t) : '_';
    buf[o] = '\0';
}

/* "reject_lines": {"<reason>": [line, ...]}: the first REJECT_LINES. */
static void json_reject_lines(struct sp_json *j, const struct sp_field_stats *fs, int f,
                              const struct reject_lines *rl)
{
    char slug[64];

    sp_json_obj_open(j, "reject_lines");
    for (int r = 1; f != SP_FIELD_RECORD_ID && r < SP_REJECT_REASON_COUNT; r++) {
        if (fs->rejected[r] == 0)
            continue;
        reason_slug(r, slug, sizeof(slug));
        sp_json_arr_open(j, slug);
        for (size_t k = 0; k < lines_kept(fs, r); k++)
            sp_json_uint(j, NULL, rl->line[f][r][k]);
        sp_json_arr_close(j);
    }
    sp_json_obj_close(j);
}

static void json_fields(struct sp_json *j, const struct sp_mapping *m,
                        const struct sp_ingest_stats *st, const struct reject_lines *rl)
{
    char col[32], slug[64];

    sp_json_arr_open(j, "fields");
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        if (!sp_mapping_has_field(m, f))
            continue;
        const struct sp_field_stats *fs = &st->fields[f];
        sp_json_obj_open(j, NULL);
        sp_json_str(j, "field", sp_field_name(f));
        sp_json_str(j, "column", column_label(m, f, col, sizeof(col)));
        sp_json_uint(j, "accepted", fs->accepted);
        sp_json_uint(j, "empty", fs->empty);
        sp_json_uint(j, "rejected", rejected_total(fs));
        sp_json_obj_open(j, "reasons");
        for (int r = 1; r < SP_REJECT_REASON_COUNT; r++)
            if (fs->rejected[r] > 0) {
                reason_slug(r, slug, sizeof(slug));
                sp_json_uint(j, slug, fs->rejected[r]);
            }
        sp_json_obj_close(j);
        json_reject_lines(j, fs, f, rl);
        sp_json_obj_close(j);
    }
    sp_json_arr_close(j);
}

static void json_keys(struct sp_json *j, const struct sp_ingest_stats *st)
{
    sp_json_uint(j, "keys_total", st->keys);
    sp_json_obj_open(j, "keys");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (st->keys_by_type[t] > 0) {
            sp_json_obj_open(j, sp_key_type_name(t));
            sp_json_str(j, "class", sp_key_class_name(sp_key_type_class(t)));
            sp_json_uint(j, "count", st->keys_by_type[t]);
            sp_json_obj_close(j);
        }
    sp_json_obj_close(j);
}

static void json_errors(struct sp_json *j, const struct sp_ingest_stats *st)
{
    char text[128];

    sp_json_obj_open(j, "structural_errors");
    sp_json_uint(j, "count", st->structural_errors);
    sp_json_arr_open(j, "rows");
    for (size_t i = 0; i < st->nerror_lines; i++) {
        if (sp_ingest_error_describe(st, i, text, sizeof(text)) != 0)
            continue;
        sp_json_obj_open(j, NULL);
        sp_json_uint(j, "line", st->error_lines[i]);
        sp_json_str(j, "code", sp_errname(st->error_codes[i]));
        sp_json_str(j, "message", text);
        sp_json_obj_close(j);
    }
    sp_json_arr_close(j);
    sp_json_uint(j, "more", st->structural_errors - st->nerror_lines);
    sp_json_obj_close(j);
}

/* The JSON report; st is NULL when the file could not be used at all. */
static int print_json(const struct sp_cli_input_args *a, const struct sp_mapping *m,
                      const struct sp_ingest_stats *st, const struct reject_lines *rl, bool usable,
                      const char *error)
{
    struct sp_json j;

    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "file", a->input);
    sp_json_str(&j, "mapping", a->mapping);
    sp_json_bool(&j, "usable", usable);
    if (error != NULL)
        sp_json_str(&j, "error", error);
    if (m != NULL)
        sp_json_str(&j, "kind", sp_mapping_kind(m));
    if (st != NULL) {
        sp_json_uint(&j, "lines", st->lines);
        sp_json_uint(&j, "records", st->records);
        sp_json_uint(&j, "records_usable", st->records_usable);
        sp_json_uint(&j, "records_skipped", st->structural_errors);
        sp_json_uint(&j, "records_without_keys", st->records_without_keys);
        sp_json_uint(&j, "duplicate_record_ids", st->duplicate_record_ids);
        json_fields(&j, m, st, rl);
        json_keys(&j, st);
        json_errors(&j, st);
    }
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

static int run_check(const struct sp_cli_input_args *a, const struct sp_mapping *m)
{
    struct sp_ingest *ing = NULL;
    struct reject_lines *rl = calloc(1, sizeof(*rl));
    int rc = rl != NULL ? ingest_noting(m, a->today, a->input, &ing, rl) : SP_ERR_NOMEM;

    if (rc != 0) {
        if (a->json)
            print_json(a, m, NULL, NULL, false,
                       ing != NULL ? sp_ingest_diagnostic(ing) : sp_strerror(rc));
        else if (rc == SP_ERR_NOMEM)
            fprintf(stderr, "snijpunt: %s\n", sp_strerror(rc));
        sp_ingest_free(&ing);
        free(rl);
        return 1;
    }
    const struct sp_ingest_stats *st = sp_ingest_stats(ing);
    bool usable = st->records == 0 || st->records_usable > 0;
    const char *why = usable ? NULL : "no record in the file is usable";
    int status = usable ? 0 : 1;
    if (a->json) {
        status |= print_json(a, m, st, rl, usable, why);
    } else {
        print_text(a, m, st, rl);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "snijpunt: write error on standard output\n");
            status = 1;
        }
    }
    if (!usable)
        fprintf(stderr, "snijpunt: %s: %s\n", a->input, why);
    else if (st->records == 0)
        fprintf(stderr, "snijpunt: %s: warning: the file has no data records\n", a->input);
    sp_ingest_free(&ing);
    free(rl);
    return status;
}

static void bad_mapping(const struct sp_cli_input_args *a)
{
    if (a->json)
        print_json(a, NULL, NULL, NULL, false, "the mapping file is invalid");
}

static int check_main(int argc, char **argv)
{
    static const struct sp_cli_input_cmd cmd = {
        .allow_json = true, .usage = usage, .run = run_check, .mapping_failed = bad_mapping};
    return sp_cli_input_main(argc, argv, &cmd);
}

const struct sp_cmd sp_cmd_check = {
    .name = "check",
    .summary = "report what the input layer makes of an export (no values shown)",
    .run = check_main,
};
