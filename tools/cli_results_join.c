/* Joining result summaries to the node's own export; see cli_results_join.h. */
#include "tools/cli_results_join.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input/csv.h"
#include "input/encoding.h"
#include "input/mapping.h"
#include "tools/cli_csv.h"
#include "tools/cli_input.h"

#define CHUNK_BYTES (64 * 1024)

struct entry {
    char *key;     /* record id */
    char *dataset; /* its dataset */
    char *columns; /* the summary columns, CSV */
};

struct sp_results_join {
    char *dataset; /* NULL: any */
    struct entry *slots;
    size_t cap, n; /* open addressing, cap a power of two, at most half full */
    bool ambiguous;
};

static uint64_t hash(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * UINT64_C(1099511628211);
    return h;
}

int sp_results_join_new(const char *dataset, struct sp_results_join **out)
{
    struct sp_results_join *j = calloc(1, sizeof *j);
    if (!j)
        return SP_ERR_NOMEM;
    j->cap = 1024;
    j->slots = calloc(j->cap, sizeof *j->slots);
    j->dataset = dataset ? strdup(dataset) : NULL;
    if (!j->slots || (dataset && !j->dataset)) {
        sp_results_join_free(&j);
        return SP_ERR_NOMEM;
    }
    *out = j;
    return 0;
}

void sp_results_join_free(struct sp_results_join **jp)
{
    if (!jp || !*jp)
        return;
    struct sp_results_join *j = *jp;
    for (size_t i = 0; i < j->cap && j->slots; i++) {
        free(j->slots[i].key);
        free(j->slots[i].dataset);
        free(j->slots[i].columns);
    }
    free(j->slots);
    free(j->dataset);
    free(j);
    *jp = NULL;
}

static struct entry *slot_of(struct entry *slots, size_t cap, const char *key)
{
    size_t i = (size_t)hash(key) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct sp_results_join *j)
{
    size_t ncap = j->cap * 2;
    struct entry *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < j->cap; i++)
        if (j->slots[i].key)
            *slot_of(ns, ncap, j->slots[i].key) = j->slots[i];
    free(j->slots);
    j->slots = ns;
    j->cap = ncap;
    return 0;
}

int sp_results_join_add(struct sp_results_join *j, const struct sp_record_summary *s)
{
    if (j->dataset && strcmp(j->dataset, s->dataset) != 0)
        return 0;
    if ((j->n + 1) * 2 > j->cap && grow(j) != 0)
        return SP_ERR_NOMEM;
    struct entry *e = slot_of(j->slots, j->cap, s->record_id);
    if (e->key) {
        fprintf(stderr,
                "snijpunt results: record id %s has results in datasets %s and %s: name the "
                "export's dataset with --dataset\n",
                s->record_id, e->dataset, s->dataset);
        return SP_ERR_INVALID_ARG;
    }
    char *cols = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&cols, &len);
    if (!m)
        return SP_ERR_NOMEM;
    sp_summary_write(m, s);
    if (fclose(m) != 0) {
        free(cols);
        return SP_ERR_NOMEM;
    }
    e->key = strdup(s->record_id);
    e->dataset = strdup(s->dataset);
    e->columns = cols;
    if (!e->key || !e->dataset)
        return SP_ERR_NOMEM; /* freed with the join */
    j->n++;
    return 0;
}

/* ---- reading the export ------------------------------------------------ */

struct reader {
    struct sp_results_join *j;
    const struct sp_mapping *m;
    const char *path;
    FILE *out;
    bool all, header_done;
    long id_col; /* 0-based column of the record id; -1 until the header is read */
    int enc;
    uint8_t *utf8; /* a field converted to UTF-8 */
    uint64_t rows, joined, bad;
};

/* Field i of row as UTF-8 into r->utf8; *len set. Returns 0 or the error. */
static int field_utf8(struct reader *r, const struct sp_csv_row *row, size_t i, size_t *len)
{
    const struct sp_csv_field *f = &row->field[i];
    size_t at = 0;
    return sp_encoding_to_utf8(r->enc, row->data + f->off, f->len, r->utf8,
                               (size_t)SP_CSV_MAX_RECORD_BYTES * SP_ENCODING_MAX_EXPANSION, len,
                               &at);
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* The header: finds the record id column by name and writes the header
 * with the result columns. */
static int take_header(struct reader *r, const struct sp_csv_row *row)
{
    const char *want = sp_mapping_column_name(r->m, SP_FIELD_RECORD_ID);
    for (size_t i = 0; i < row->nstored; i++) {
        size_t len;
        if (field_utf8(r, row, i, &len) != 0)
            continue;
        const char *s = (const char *)r->utf8;
        trim(&s, &len);
        if (r->id_col < 0 && want && strlen(want) == len && memcmp(s, want, len) == 0)
            r->id_col = (long)i;
        sp_csv_write_field(r->out, s, len);
        fputc(',', r->out);
    }
    fprintf(r->out, "%s\n", sp_summary_columns);
    if (r->id_col < 0) {
        fprintf(stderr, "snijpunt: %s:%llu: no column \"%s\" (the mapping's record_id)\n", r->path,
                (unsigned long long)row->line, want ? want : "?");
        return SP_ERR_INPUT_MAPPING;
    }
    return 0;
}

/* The record id of a data row, or NULL (the row is counted as bad). */
static const char *record_id(struct reader *r, const struct sp_csv_row *row, char *id)
{
    size_t len;
    if (row->error || (size_t)r->id_col >= row->nstored ||
        field_utf8(r, row, (size_t)r->id_col, &len))
        return NULL;
    const char *s = (const char *)r->utf8;
    trim(&s, &len);
    if (len == 0 || len > SP_CTL_RECORD_ID_MAX)
        return NULL;
    memcpy(id, s, len);
    id[len] = '\0';
    return id;
}

static int on_row(void *ctx, const struct sp_csv_row *row)
{
    struct reader *r = ctx;
    char id[SP_CTL_RECORD_ID_MAX + 1];
    if (!r->header_done) {
        r->header_done = true;
        if (sp_mapping_header(r->m))
            return take_header(r, row);
        r->id_col = (long)sp_mapping_column_index(r->m, SP_FIELD_RECORD_ID) - 1;
        fprintf(r->out, "%s\n", sp_summary_columns); /* no header: the result columns named */
    }
    r->rows++;
    const char *rid = record_id(r, row, id);
    const struct entry *e = rid ? slot_of(r->j->slots, r->j->cap, rid) : NULL;
    if (!rid)
        r->bad++;
    if (!(e && e->key) && !r->all)
        return 0;
    for (size_t i = 0; i < row->nstored; i++) {
        size_t len = 0;
        if (field_utf8(r, row, i, &len) != 0)
            len = 0; /* not text in the declared encoding: left empty */
        sp_csv_write_field(r->out, (const char *)r->utf8, len);
        fputc(',', r->out);
    }
    if (e && e->key) {
        fputs(e->columns, r->out);
        r->joined++;
    } else {
        sp_summary_write_empty(r->out);
    }
    fputc('\n', r->out);
    return 0;
}

static int stream(struct reader *r, struct sp_csv *csv, FILE *in)
{
    uint8_t *buf = malloc(CHUNK_BYTES);
    size_t n, total = 0;
    int rc = buf ? 0 : SP_ERR_NOMEM;
    while (rc == 0 && (n = fread(buf, 1, CHUNK_BYTES, in)) > 0) {
        size_t skip = 0;
        if (total == 0 && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            skip = 3; /* a UTF-8 byte-order mark is not part of the first column */
        total += n;
        rc = sp_csv_feed(csv, buf + skip, n - skip, on_row, r);
    }
    if (rc == 0 && ferror(in))
        rc = SP_ERR_IO;
    if (rc == 0)
        rc = sp_csv_finish(csv, on_row, r);
    free(buf);
    return rc;
}

int sp_results_join_write(struct sp_results_join *j, const char *path, const char *mapping_path,
                          bool all, FILE *out)
{
    struct sp_mapping *m = NULL;
    struct sp_csv *csv = NULL;
    if (sp_cli_load_mapping(mapping_path, &m) != 0)
        return 1;
    struct reader r = {.j = j, .m = m, .path = path, .out = out, .all = all, .id_col = -1};
    r.enc = sp_mapping_encoding(m);
    r.utf8 = malloc((size_t)SP_CSV_MAX_RECORD_BYTES * SP_ENCODING_MAX_EXPANSION);
    struct sp_csv_opts o = {sp_mapping_separator(m), sp_mapping_quote(m), sp_mapping_trim(m) != 0};
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rbe");
    int rc = !r.utf8 ? SP_ERR_NOMEM : !in ? SP_ERR_IO : sp_csv_new(&o, &csv);
    if (rc == 0)
        rc = stream(&r, csv, in);
    if (rc == SP_ERR_IO)
        fprintf(stderr, "snijpunt: %s: cannot read: %s\n", path, strerror(errno));
    else if (rc != 0 && rc != SP_ERR_INPUT_MAPPING)
        fprintf(stderr, "snijpunt: %s: %s\n", path, sp_strerror(rc));
    if (rc == 0)
        fprintf(stderr, "snijpunt results: %llu of %llu records of %s have results%s\n",
                (unsigned long long)r.joined, (unsigned long long)r.rows, path,
                r.bad ? " (some rows had no readable record id)" : "");
    if (in && in != stdin)
        fclose(in);
    sp_csv_free(&csv);
    sp_mapping_free(&m);
    free(r.utf8);
    return rc == 0 && fflush(out) == 0 ? 0 : 1;
}
