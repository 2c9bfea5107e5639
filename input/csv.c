#include "input/csv.h"

#include <stdlib.h>
#include <string.h>

/* Byte classes. The order matters: the fast paths below take runs of bytes
 * whose class is at most C_SPACE (unquoted text) or C_SEP (quoted text). */
enum {
    C_OTHER = 0,
    C_SPACE = 1, /* only when trimming */
    C_SEP = 2,
    C_QUOTE = 3, /* only when quoting */
    C_CR = 4,
    C_LF = 5,
};

/* Parser states, between any two bytes of input. */
enum {
    S_START = 0, /* at the start of a field */
    S_UNQ,       /* inside an unquoted field */
    S_Q,         /* inside a quoted field */
    S_QQ,        /* saw a quote inside a quoted field: doubled or closing */
    S_AFTER,     /* after a closing quote and spaces (trim only) */
};

struct sp_csv {
    struct sp_csv_opts o;
    uint8_t cls[256];
    int state;
    bool last_cr;   /* previous byte was CR: an LF now ends the same line */
    bool line_open; /* bytes seen since the last line end */
    uint64_t lines; /* line ends consumed */
    uint64_t rec_line;
    size_t rec_bytes; /* raw bytes of the current record, line end excluded */
    size_t used;      /* bytes in buf */
    size_t field_start;
    size_t nfields; /* completed fields of the current record */
    bool field_quoted;
    int error;
    size_t error_field;
    struct sp_csv_field field[SP_CSV_MAX_FIELDS];
    /* Invariant: used <= rec_bytes, and nothing is stored once rec_bytes
     * exceeds the cap, so used never exceeds sizeof(buf). */
    uint8_t buf[SP_CSV_MAX_RECORD_BYTES];
};

int sp_csv_new(const struct sp_csv_opts *opts, struct sp_csv **out)
{
    if (opts == NULL || out == NULL || opts->sep == '\r' || opts->sep == '\n' ||
        (unsigned char)opts->sep == 0 || (unsigned char)opts->sep > 127 || opts->quote == '\r' ||
        opts->quote == '\n' || opts->quote == (unsigned char)opts->sep ||
        (opts->quote != SP_CSV_NO_QUOTE && (opts->quote < 1 || opts->quote > 127)))
        return SP_ERR_INVALID_ARG;
    struct sp_csv *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SP_ERR_NOMEM;
    c->o = *opts;
    if (opts->trim) {
        c->cls[' '] = C_SPACE;
        if (opts->sep != '\t')
            c->cls['\t'] = C_SPACE;
    }
    c->cls[(unsigned char)opts->sep] = C_SEP;
    if (opts->quote != SP_CSV_NO_QUOTE)
        c->cls[opts->quote] = C_QUOTE;
    c->cls['\r'] = C_CR;
    c->cls['\n'] = C_LF;
    *out = c;
    return 0;
}

void sp_csv_free(struct sp_csv **csv)
{
    if (csv == NULL || *csv == NULL)
        return;
    /* The buffer held raw field values (personal data). */
    explicit_bzero(*csv, sizeof(**csv));
    free(*csv);
    *csv = NULL;
}

uint64_t sp_csv_lines(const struct sp_csv *csv)
{
    return csv->lines;
}

static void set_error(struct sp_csv *c, int err)
{
    if (c->error == SP_CSV_OK) {
        c->error = err;
        c->error_field = c->nfields;
    }
}

/* Accounts for n raw bytes of the record (not line ends). */
static void consume(struct sp_csv *c, size_t n)
{
    if (c->rec_bytes == 0)
        c->rec_line = c->lines + 1;
    c->rec_bytes += n;
    if (c->rec_bytes > SP_CSV_MAX_RECORD_BYTES)
        set_error(c, SP_CSV_TOO_LONG);
}

/* Stores n bytes just consumed; nothing once the record is over its cap. */
static void store(struct sp_csv *c, const uint8_t *p, size_t n)
{
    if (c->rec_bytes > SP_CSV_MAX_RECORD_BYTES)
        return;
    memcpy(c->buf + c->used, p, n);
    c->used += n;
}

static bool is_trim_byte(const struct sp_csv *c, uint8_t b)
{
    return c->cls[b] == C_SPACE;
}

static void end_field(struct sp_csv *c)
{
    if (c->o.trim && !c->field_quoted)
        while (c->used > c->field_start && is_trim_byte(c, c->buf[c->used - 1]))
            c->used--;
    if (c->nfields < SP_CSV_MAX_FIELDS) {
        c->field[c->nfields].off = (uint32_t)c->field_start;
        c->field[c->nfields].len = (uint32_t)(c->used - c->field_start);
    } else {
        set_error(c, SP_CSV_TOO_MANY_FIELDS);
    }
    c->nfields++;
    c->field_start = c->used;
    c->field_quoted = false;
}

static void reset_record(struct sp_csv *c)
{
    c->state = S_START;
    c->rec_bytes = 0;
    c->used = 0;
    c->field_start = 0;
    c->nfields = 0;
    c->field_quoted = false;
    c->error = SP_CSV_OK;
    c->error_field = 0;
}

/* Ends the record at a line end (or end of input) and delivers it; an empty
 * line is no record. */
static int end_record(struct sp_csv *c, sp_csv_row_fn fn, void *ctx)
{
    int rc = 0;

    if (c->rec_bytes > 0) {
        end_field(c);
        struct sp_csv_row row = {
            .line = c->rec_line,
            .nfields = c->nfields,
            .nstored = c->nfields < SP_CSV_MAX_FIELDS ? c->nfields : SP_CSV_MAX_FIELDS,
            .data = c->buf,
            .field = c->field,
            .error = c->error,
            .error_field = c->error_field,
        };
        rc = fn(ctx, &row);
    }
    reset_record(c);
    return rc;
}

/* Line counting: CR, LF and CRLF each end one physical line. */
static void count_line_end(struct sp_csv *c, int k)
{
    if (k == C_CR || !c->last_cr)
        c->lines++;
    c->last_cr = (k == C_CR);
    c->line_open = false;
}

/* A byte that is literal text, an error or both: stored as it is. */
static void text_byte(struct sp_csv *c, uint8_t b, int err, int next_state)
{
    consume(c, 1);
    if (err != SP_CSV_OK)
        set_error(c, err);
    store(c, &b, 1);
    c->state = next_state;
}

static void sep_byte(struct sp_csv *c)
{
    consume(c, 1);
    end_field(c);
    c->state = S_START;
}

/* One byte of the state machine (everything but the fast paths). Returns 0
 * or the callback's error. */
static int step(struct sp_csv *c, uint8_t b, int k, sp_csv_row_fn fn, void *ctx)
{
    bool line_end = (k == C_CR || k == C_LF);

    if (line_end && c->state != S_Q)
        return end_record(c, fn, ctx);
    switch (c->state) {
    case S_START:
        if (k == C_QUOTE) {
            consume(c, 1);
            c->field_quoted = true;
            c->state = S_Q;
        } else if (k == C_SEP) {
            sep_byte(c);
        } else if (k == C_SPACE) {
            consume(c, 1); /* leading space, trimmed */
        } else {
            text_byte(c, b, SP_CSV_OK, S_UNQ);
        }
        break;
    case S_UNQ:
        if (k == C_SEP)
            sep_byte(c);
        else
            text_byte(c, b, k == C_QUOTE ? SP_CSV_STRAY_QUOTE : SP_CSV_OK, S_UNQ);
        break;
    case S_Q:
        if (k == C_QUOTE) {
            consume(c, 1);
            c->state = S_QQ;
        } else {
            text_byte(c, b, SP_CSV_OK, S_Q);
        }
        break;
    case S_QQ:
    case S_AFTER:
        if (k == C_QUOTE && c->state == S_QQ)
            text_byte(c, b, SP_CSV_OK, S_Q); /* doubled quote */
        else if (k == C_SEP)
            sep_byte(c);
        else if (k == C_SPACE) {
            consume(c, 1);
            c->state = S_AFTER;
        } else
            text_byte(c, b, SP_CSV_STRAY_QUOTE, S_UNQ);
        break;
    default:
        abort(); /* unreachable: state is only set above */
    }
    return 0;
}

/* Length of the run at p that the current state stores as text unchanged. */
static size_t text_run(const struct sp_csv *c, const uint8_t *p, size_t len)
{
    size_t n = 0;

    if (c->state == S_UNQ)
        while (n < len && c->cls[p[n]] <= C_SPACE)
            n++;
    else if (c->state == S_Q)
        while (n < len && c->cls[p[n]] <= C_SEP)
            n++;
    return n;
}

int sp_csv_feed(struct sp_csv *csv, const uint8_t *buf, size_t len, sp_csv_row_fn fn, void *ctx)
{
    size_t i = 0;

    while (i < len) {
        size_t n = text_run(csv, buf + i, len - i);
        if (n > 0) {
            consume(csv, n);
            store(csv, buf + i, n);
            csv->last_cr = false;
            csv->line_open = true;
            i += n;
            continue;
        }
        uint8_t b = buf[i++];
        int k = csv->cls[b];
        if (k == C_CR || k == C_LF) {
            count_line_end(csv, k);
        } else {
            csv->last_cr = false;
            csv->line_open = true;
        }
        int rc = step(csv, b, k, fn, ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sp_csv_finish(struct sp_csv *csv, sp_csv_row_fn fn, void *ctx)
{
    if (csv->state == S_Q) {
        /* The open quote is the cause even when the record it swallowed also
         * grew over the cap or had a stray quote first. */
        csv->error = SP_CSV_UNTERMINATED_QUOTE;
        csv->error_field = csv->nfields;
    }
    if (csv->line_open) {
        csv->lines++;
        csv->line_open = false;
    }
    return end_record(csv, fn, ctx);
}
