#include "input/ingest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/keytype.h"
#include "common/utf8.h"
#include "input/csv.h"
#include "input/encoding.h"

/* Remembered record ids, as 64-bit hashes: an exact set would grow with the
 * file's ids (personal data, too); a false duplicate needs a 64-bit collision
 * and only ever changes a count. Open addressing, 0 marks a free slot. */
struct idset {
    uint64_t *slot;
    size_t cap; /* power of two, or 0 */
    size_t n;
    bool capped;
};

/* One decoded (UTF-8) field of the current row. */
struct view {
    const uint8_t *p;
    size_t len;
};

struct sp_ingest {
    const struct sp_mapping *m;
    struct sp_csv *csv;
    struct sp_derive_opts opts;
    sp_derive_fn derive;
    int enc;
    int fatal; /* sticky: once set, every feed/finish returns it */
    bool started, finished, header_done;
    uint8_t head[3]; /* first bytes, until the byte-order mark is decided */
    size_t head_len;
    bool bom_done;
    size_t ncols;
    int col[SP_FIELD_COUNT]; /* 0-based column of each mapped field, -1 if none */
    sp_record_fn fn;
    void *ctx;
    struct idset ids;
    struct sp_ingest_stats st;
    struct sp_keyset ks;
    char diag[1024];
    char id[SP_INGEST_MAX_RECORD_ID_BYTES + 1];
    struct view fields[SP_CSV_MAX_FIELDS];
    uint8_t *dec; /* decoded texts; only for single-byte encodings (UTF-8 is used in place) */
};

#define DEC_BYTES (SP_CSV_MAX_RECORD_BYTES * SP_ENCODING_MAX_EXPANSION)

struct row_error_info {
    const char *text;
    int code;
};

static const struct row_error_info row_errors[SP_ROW_ERROR_COUNT] = {
    [SP_ROW_FIELD_COUNT] = {"wrong number of fields", SP_ERR_INPUT_FIELD_COUNT},
    [SP_ROW_STRAY_QUOTE] = {"quote inside an unquoted field", SP_ERR_INPUT_CSV},
    [SP_ROW_UNTERMINATED_QUOTE] = {"quoted field not closed before end of file", SP_ERR_INPUT_CSV},
    [SP_ROW_TOO_LONG] = {"record longer than 65536 bytes", SP_ERR_INPUT_LENGTH},
    [SP_ROW_TOO_MANY_FIELDS] = {"more than 1024 fields", SP_ERR_INPUT_FIELD_COUNT},
    [SP_ROW_ENCODING] = {"bytes not valid in the declared encoding", SP_ERR_INPUT_ENCODING},
    [SP_ROW_ID_EMPTY] = {"record id is empty", SP_ERR_INPUT_EMPTY},
    [SP_ROW_ID_TOO_LONG] = {"record id longer than 128 bytes", SP_ERR_INPUT_LENGTH},
    [SP_ROW_ID_FORMAT] = {"record id holds a control character", SP_ERR_INPUT_FORMAT},
};

const char *sp_row_error_text(int kind)
{
    if (kind <= 0 || kind >= SP_ROW_ERROR_COUNT)
        return "unknown row error";
    return row_errors[kind].text;
}

int sp_ingest_error_describe(const struct sp_ingest_stats *st, size_t i, char *buf, size_t cap)
{
    if (st == NULL || buf == NULL || cap == 0 || i >= st->nerror_lines)
        return SP_ERR_INVALID_ARG;
    int kind = st->error_kinds[i];
    uint32_t found = st->error_found[i];
    if (kind == SP_ROW_FIELD_COUNT)
        snprintf(buf, cap, "expected %u fields, found %u", (unsigned)st->expected_fields,
                 (unsigned)found);
    else if ((kind == SP_ROW_ENCODING || kind == SP_ROW_STRAY_QUOTE) && found > 0)
        snprintf(buf, cap, "column %u: %s", (unsigned)found, sp_row_error_text(kind));
    else
        snprintf(buf, cap, "%s", sp_row_error_text(kind));
    return 0;
}

/* ---- duplicate record ids ---- */

static uint64_t id_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a, then a finaliser */
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h != 0 ? h : 1;
}

static void idset_put(uint64_t *slot, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slot[i] != 0)
        i = (i + 1) & (cap - 1);
    slot[i] = h;
}

static int idset_grow(struct idset *s)
{
    size_t cap = s->cap != 0 ? s->cap * 2 : 4096;
    uint64_t *slot = calloc(cap, sizeof(*slot));
    if (slot == NULL)
        return SP_ERR_NOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i] != 0)
            idset_put(slot, cap, s->slot[i]);
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return 0;
}

/* Adds h; *dup tells whether it was there. Past the cap only looks up. */
static int idset_add(struct idset *s, uint64_t h, bool *dup)
{
    *dup = false;
    if (s->cap != 0)
        for (size_t i = (size_t)h & (s->cap - 1); s->slot[i] != 0; i = (i + 1) & (s->cap - 1))
            if (s->slot[i] == h) {
                *dup = true;
                return 0;
            }
    if (s->n >= SP_INGEST_MAX_TRACKED_IDS) {
        s->capped = true;
        return 0;
    }
    if ((s->n + 1) * 2 > s->cap) {
        int rc = idset_grow(s);
        if (rc != 0)
            return rc;
    }
    idset_put(s->slot, s->cap, h);
    s->n++;
    return 0;
}

/* ---- creation ---- */

int sp_ingest_new(const struct sp_mapping *mapping, struct sp_ingest **out)
{
    struct sp_ingest *ing = NULL;
    int rc;

    if (mapping == NULL || out == NULL)
        return SP_ERR_INVALID_ARG;
    ing = calloc(1, sizeof(*ing));
    if (ing == NULL)
        return SP_ERR_NOMEM;
    ing->m = mapping;
    ing->enc = sp_mapping_encoding(mapping);
    struct sp_csv_opts co = {.sep = sp_mapping_separator(mapping),
                             .quote = sp_mapping_quote(mapping),
                             .trim = sp_mapping_trim(mapping) != 0};
    rc = sp_csv_new(&co, &ing->csv);
    if (rc != 0)
        goto out;
    if (ing->enc != SP_ENC_UTF8) {
        ing->dec = malloc(DEC_BYTES);
        if (ing->dec == NULL) {
            rc = SP_ERR_NOMEM;
            goto out;
        }
    }
    rc = sp_mapping_derive_opts(mapping, 99991231, &ing->opts);
    if (rc != 0)
        goto out;
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        ing->col[f] = -1;
    ing->derive = sp_derive_keys;
    *out = ing;
    ing = NULL;
out:
    sp_ingest_free(&ing);
    return rc;
}

void sp_ingest_free(struct sp_ingest **ing)
{
    if (ing == NULL || *ing == NULL)
        return;
    struct sp_ingest *g = *ing;
    sp_csv_free(&g->csv);
    free(g->ids.slot);
    /* The buffers held the last record's raw values. */
    if (g->dec != NULL) {
        explicit_bzero(g->dec, DEC_BYTES);
        free(g->dec);
    }
    explicit_bzero(g, sizeof(*g));
    free(g);
    *ing = NULL;
}

int sp_ingest_set_today(struct sp_ingest *ing, int today_yyyymmdd)
{
    if (ing == NULL || today_yyyymmdd < 10000101 || today_yyyymmdd > 99991231)
        return SP_ERR_INVALID_ARG;
    if (ing->started)
        return SP_ERR_STATE;
    ing->opts.today_yyyymmdd = today_yyyymmdd;
    return 0;
}

int sp_ingest_set_derive(struct sp_ingest *ing, sp_derive_fn fn)
{
    if (ing == NULL)
        return SP_ERR_INVALID_ARG;
    if (ing->started)
        return SP_ERR_STATE;
    ing->derive = fn != NULL ? fn : sp_derive_keys;
    return 0;
}

const struct sp_ingest_stats *sp_ingest_stats(const struct sp_ingest *ing)
{
    return &ing->st;
}

const char *sp_ingest_diagnostic(const struct sp_ingest *ing)
{
    return ing->diag;
}

static int fatal(struct sp_ingest *ing, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fatal(struct sp_ingest *ing, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ing->diag, sizeof(ing->diag), fmt, ap);
    va_end(ap);
    ing->fatal = code;
    return code;
}

/* ---- rows ---- */

static void row_error(struct sp_ingest *ing, uint64_t line, int kind, size_t found)
{
    struct sp_ingest_stats *st = &ing->st;

    st->structural_errors++;
    st->errors_by_kind[kind]++;
    if (st->nerror_lines < SP_INGEST_MAX_ERROR_LINES) {
        size_t i = st->nerror_lines++;
        st->error_lines[i] = line;
        st->error_codes[i] = row_errors[kind].code;
        st->error_kinds[i] = (uint8_t)kind;
        st->error_found[i] = found > UINT32_MAX ? UINT32_MAX : (uint32_t)found;
    }
}

/* True when data[0..len) is ASCII without NUL: valid in all three encodings
 * and unchanged by decoding. */
static bool plain_ascii(const uint8_t *data, size_t len)
{
    uint8_t high = 0;
    bool nul = false;
    for (size_t i = 0; i < len; i++) {
        high |= data[i];
        nul |= data[i] == 0;
    }
    return (high & 0x80) == 0 && !nul;
}

/* Decodes every field of the row into ing->fields. Returns 0, or the 1-based
 * column whose bytes are not valid in the declared encoding. */
static size_t decode_row(struct sp_ingest *ing, const struct sp_csv_row *row)
{
    size_t used = 0;

    /* The fields lie back to back in row->data: most rows are plain ASCII
     * and need no per-field work at all. */
    if (row->nstored > 0) {
        const struct sp_csv_field *last = &row->field[row->nstored - 1];
        if (plain_ascii(row->data, (size_t)last->off + last->len)) {
            for (size_t i = 0; i < row->nstored; i++)
                ing->fields[i] = (struct view){row->data + row->field[i].off, row->field[i].len};
            return 0;
        }
    }
    for (size_t i = 0; i < row->nstored; i++) {
        const uint8_t *p = row->data + row->field[i].off;
        size_t len = row->field[i].len, out_len = 0;
        if (ing->enc == SP_ENC_UTF8) {
            if (!sp_utf8_valid(p, len))
                return i + 1;
            ing->fields[i] = (struct view){p, len};
            continue;
        }
        /* The whole record is at most SP_CSV_MAX_RECORD_BYTES raw bytes, so
         * dec always has room; a failure is an encoding error. */
        if (sp_encoding_to_utf8(ing->enc, p, len, ing->dec + used, DEC_BYTES - used, &out_len,
                                NULL) != 0)
            return i + 1;
        ing->fields[i] = (struct view){ing->dec + used, out_len};
        used += out_len;
    }
    return 0;
}

static const char *enc_name(const struct sp_ingest *ing)
{
    return sp_encoding_name(ing->enc);
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static struct view trimmed(struct view v)
{
    while (v.len > 0 && is_space(v.p[0])) {
        v.p++;
        v.len--;
    }
    while (v.len > 0 && is_space(v.p[v.len - 1]))
        v.len--;
    return v;
}

/* Checks and copies the record id into ing->id. Returns 0 or an SP_ROW_ID_*. */
static int take_record_id(struct sp_ingest *ing)
{
    struct sp_field_stats *fs = &ing->st.fields[SP_FIELD_RECORD_ID];
    struct view v = trimmed(ing->fields[ing->col[SP_FIELD_RECORD_ID]]);

    if (v.len == 0) {
        fs->empty++;
        return SP_ROW_ID_EMPTY;
    }
    if (v.len > SP_INGEST_MAX_RECORD_ID_BYTES) {
        fs->rejected[SP_REJECT_LENGTH]++;
        return SP_ROW_ID_TOO_LONG;
    }
    for (size_t i = 0; i < v.len; i++)
        if (v.p[i] < 0x20 || v.p[i] == 0x7F) {
            fs->rejected[SP_REJECT_FORMAT]++;
            return SP_ROW_ID_FORMAT;
        }
    fs->accepted++;
    memcpy(ing->id, v.p, v.len);
    ing->id[v.len] = '\0';
    return 0;
}

/* Derives the keys of a checked row and hands them to the callback. */
static int deliver(struct sp_ingest *ing, uint64_t line)
{
    struct sp_raw_record raw;
    struct sp_ingest_stats *st = &ing->st;

    memset(&raw, 0, sizeof(raw));
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        if (ing->col[f] < 0)
            continue;
        raw.v[f] = (const char *)ing->fields[ing->col[f]].p;
        raw.len[f] = ing->fields[ing->col[f]].len;
    }
    /* The record id's outcome is counted here, not by derive. */
    struct sp_field_stats *fields = st->fields;
    struct sp_field_stats id_stats = fields[SP_FIELD_RECORD_ID];
    int rc = ing->derive(&ing->opts, &raw, &ing->ks, fields);
    fields[SP_FIELD_RECORD_ID] = id_stats;
    if (rc != 0)
        return fatal(ing, rc, "match-key derivation refused the mapping's options: %s",
                     sp_strerror(rc));
    st->records_usable++;
    st->records_without_keys += ing->ks.n == 0;
    st->keys += ing->ks.n;
    for (size_t i = 0; i < ing->ks.n; i++)
        if (ing->ks.keys[i].type < sizeof(st->keys_by_type) / sizeof(st->keys_by_type[0]))
            st->keys_by_type[ing->ks.keys[i].type]++;
    struct sp_record_keys rk = {
        .record_id = ing->id, .line = line, .nkeys = ing->ks.n, .keys = ing->ks.keys};
    rc = ing->fn(ing->ctx, &rk);
    if (rc != 0)
        ing->fatal = rc;
    return rc;
}

static int csv_error_kind(int err)
{
    switch (err) {
    case SP_CSV_STRAY_QUOTE:
        return SP_ROW_STRAY_QUOTE;
    case SP_CSV_UNTERMINATED_QUOTE:
        return SP_ROW_UNTERMINATED_QUOTE;
    case SP_CSV_TOO_LONG:
        return SP_ROW_TOO_LONG;
    default:
        return SP_ROW_TOO_MANY_FIELDS;
    }
}

static int data_row(struct sp_ingest *ing, const struct sp_csv_row *row)
{
    bool dup = false;

    ing->st.records++;
    if (row->error != SP_CSV_OK) {
        row_error(ing, row->line, csv_error_kind(row->error),
                  row->error == SP_CSV_STRAY_QUOTE ? row->error_field + 1 : 0);
        return 0;
    }
    if (row->nfields != ing->ncols) {
        row_error(ing, row->line, SP_ROW_FIELD_COUNT, row->nfields);
        return 0;
    }
    size_t bad_col = decode_row(ing, row);
    if (bad_col != 0) {
        row_error(ing, row->line, SP_ROW_ENCODING, bad_col);
        return 0;
    }
    int kind = take_record_id(ing);
    if (kind != 0) {
        row_error(ing, row->line, kind, 0);
        return 0;
    }
    int rc = idset_add(&ing->ids, id_hash(ing->id, strlen(ing->id)), &dup);
    if (rc != 0)
        return fatal(ing, rc, "out of memory remembering record ids");
    ing->st.duplicate_record_ids += dup;
    ing->st.duplicate_check_capped = ing->ids.capped;
    return deliver(ing, row->line);
}

/* ---- the header ---- */

/* Appends the header's column names to the diagnostic, as far as they fit. */
static void append_header_names(struct sp_ingest *ing, size_t ncols)
{
    size_t o = strlen(ing->diag);

    for (size_t i = 0; i < ncols && o + 8 < sizeof(ing->diag); i++) {
        struct view v = trimmed(ing->fields[i]);
        int n = snprintf(ing->diag + o, sizeof(ing->diag) - o, "%s%.*s", i == 0 ? "" : ", ",
                         (int)(v.len > 64 ? 64 : v.len), (const char *)v.p);
        if (n < 0 || (size_t)n >= sizeof(ing->diag) - o) {
            ing->diag[o] = '\0';
            snprintf(ing->diag + o, sizeof(ing->diag) - o, ", ...");
            return;
        }
        o += (size_t)n;
    }
}

/* Finds the column named like the mapping says (spaces around the header name
 * ignored, ASCII case-insensitive). Returns the column, -1 absent, -2 twice. */
static int find_column(struct sp_ingest *ing, size_t ncols, const char *name, size_t *first)
{
    size_t nlen = strlen(name);
    int found = -1;

    for (size_t i = 0; i < ncols; i++) {
        struct view v = trimmed(ing->fields[i]);
        if (v.len != nlen || strncasecmp((const char *)v.p, name, nlen) != 0)
            continue;
        if (found >= 0) {
            *first = (size_t)found;
            return -2;
        }
        found = (int)i;
    }
    return found;
}

static int map_named_columns(struct sp_ingest *ing, const struct sp_csv_row *row)
{
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        const char *name = sp_mapping_column_name(ing->m, f);
        size_t first = 0;
        if (name == NULL)
            continue;
        int c = find_column(ing, row->nfields, name, &first);
        if (c == -2)
            return fatal(ing, SP_ERR_INPUT_COLUMN,
                         "line %llu: column '%s' (field %s, mapping line %u) occurs more than "
                         "once in the header (columns %zu and later)",
                         (unsigned long long)row->line, name, sp_field_name(f),
                         sp_mapping_field_line(ing->m, f), first + 1);
        if (c < 0) {
            fatal(ing, SP_ERR_INPUT_COLUMN,
                  "line %llu: column '%s' (field %s, mapping line %u) is not in the header; "
                  "the header has: ",
                  (unsigned long long)row->line, name, sp_field_name(f),
                  sp_mapping_field_line(ing->m, f));
            append_header_names(ing, row->nfields);
            return SP_ERR_INPUT_COLUMN;
        }
        ing->col[f] = c;
    }
    return 0;
}

static int map_numbered_columns(struct sp_ingest *ing, const struct sp_csv_row *row)
{
    for (int f = 0; f < SP_FIELD_COUNT; f++) {
        unsigned idx = sp_mapping_column_index(ing->m, f);
        if (idx == 0)
            continue;
        if (idx > row->nfields)
            return fatal(ing, SP_ERR_INPUT_COLUMN,
                         "line %llu: field %s is mapped to column %u (mapping line %u) but the "
                         "first record has %zu fields",
                         (unsigned long long)row->line, sp_field_name(f), idx,
                         sp_mapping_field_line(ing->m, f), row->nfields);
        ing->col[f] = (int)idx - 1;
    }
    return 0;
}

/* The first record: the header (or, with header = no, the first data record,
 * which fixes the number of fields). */
static int first_row(struct sp_ingest *ing, const struct sp_csv_row *row)
{
    bool named = sp_mapping_header(ing->m) != 0;
    const char *what = named ? "header row" : "first record";

    if (row->error != SP_CSV_OK)
        return fatal(ing, SP_ERR_INPUT_CSV, "line %llu: the %s is malformed: %s",
                     (unsigned long long)row->line, what,
                     sp_row_error_text(csv_error_kind(row->error)));
    size_t bad_col = decode_row(ing, row);
    if (bad_col != 0 && named)
        return fatal(ing, SP_ERR_INPUT_ENCODING,
                     "line %llu: header column %zu is not valid %s; check 'encoding' in the "
                     "mapping",
                     (unsigned long long)row->line, bad_col, enc_name(ing));
    int rc = named ? map_named_columns(ing, row) : map_numbered_columns(ing, row);
    if (rc != 0)
        return rc;
    ing->ncols = row->nfields;
    ing->st.expected_fields = (uint32_t)row->nfields;
    ing->header_done = true;
    return named ? 0 : data_row(ing, row);
}

static int on_row(void *arg, const struct sp_csv_row *row)
{
    struct sp_ingest *ing = arg;

    if (!ing->header_done)
        return first_row(ing, row);
    return data_row(ing, row);
}

/* ---- feeding ---- */

static int csv_feed(struct sp_ingest *ing, const uint8_t *buf, size_t len)
{
    int rc = sp_csv_feed(ing->csv, buf, len, on_row, ing);
    ing->st.lines = sp_csv_lines(ing->csv);
    return rc;
}

/* Decides on a byte-order mark once enough of the file's start is known,
 * then passes the held bytes on. Returns 0 (also when still undecided). */
static int settle_bom(struct sp_ingest *ing, bool at_eof)
{
    size_t skip = 0;
    int bom = sp_encoding_sniff_bom(ing->head, ing->head_len, at_eof, &skip);

    if (bom == SP_BOM_NEED_MORE)
        return 0;
    ing->bom_done = true;
    if (bom == SP_BOM_UTF16LE || bom == SP_BOM_UTF16BE)
        return fatal(ing, SP_ERR_INPUT_ENCODING,
                     "line 1: the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                     "save it as UTF-8");
    if (bom == SP_BOM_UTF8 && ing->enc != SP_ENC_UTF8)
        return fatal(ing, SP_ERR_INPUT_ENCODING,
                     "line 1: the file starts with a UTF-8 byte-order mark but the mapping says "
                     "encoding = %s",
                     enc_name(ing));
    return csv_feed(ing, ing->head + skip, ing->head_len - skip);
}

int sp_ingest_feed(struct sp_ingest *ing, const uint8_t *buf, size_t len, sp_record_fn fn,
                   void *ctx)
{
    if (ing == NULL || fn == NULL || (buf == NULL && len > 0))
        return SP_ERR_INVALID_ARG;
    if (ing->fatal != 0)
        return ing->fatal;
    if (ing->finished)
        return SP_ERR_STATE;
    ing->started = true;
    ing->fn = fn;
    ing->ctx = ctx;
    while (!ing->bom_done && len > 0) {
        ing->head[ing->head_len++] = *buf++;
        len--;
        int rc = settle_bom(ing, false);
        if (rc != 0)
            return rc;
    }
    if (len == 0)
        return 0;
    return csv_feed(ing, buf, len);
}

int sp_ingest_finish(struct sp_ingest *ing, sp_record_fn fn, void *ctx)
{
    int rc;

    if (ing == NULL || fn == NULL)
        return SP_ERR_INVALID_ARG;
    if (ing->fatal != 0)
        return ing->fatal;
    if (ing->finished)
        return SP_ERR_STATE;
    ing->started = true;
    ing->fn = fn;
    ing->ctx = ctx;
    if (!ing->bom_done) {
        rc = settle_bom(ing, true);
        if (rc != 0)
            return rc;
    }
    rc = sp_csv_finish(ing->csv, on_row, ing);
    ing->st.lines = sp_csv_lines(ing->csv);
    if (rc != 0)
        return rc;
    ing->finished = true;
    if (!ing->header_done && sp_mapping_header(ing->m))
        return fatal(ing, SP_ERR_INPUT_CSV, "the file is empty: it has no header row");
    return 0;
}
