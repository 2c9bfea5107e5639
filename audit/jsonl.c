/* The JSON lines export: writer and strict reader (see jsonl.h). */
#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/json.h"
#include "common/hex.h"
#include "common/jsonw.h"
#include "common/keytype.h"

#define TOKENS 1024

struct sp_audit_reader {
    struct sp_json_tok in_tok[TOKENS];
    struct sp_json_tok ex_tok[TOKENS];
    char expect[SP_AUDIT_LINE_MAX + 1];
    char text[SP_AUDIT_LINE_MAX + 1]; /* a decoded string member */
    uint8_t record[SP_AUDIT_RECORD_MAX_BYTES];
    struct sp_audit_entry *entry;
};

/* Civil date of a day number since 1970-01-01 (H. Hinnant's
 * civil_from_days): no time zone or locale is involved. */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint64_t doe = (uint64_t)(z - era * 146097);
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void sp_audit_format_time(uint64_t t, char *out, size_t cap)
{
    int64_t y = 0;
    unsigned mo = 0, d = 0;
    uint64_t secs = t % 86400;
    civil((int64_t)(t / 86400), &y, &mo, &d);
    snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, mo, d,
             (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

/* One value (key NULL inside a list). */
static void put_value(struct sp_json *w, const char *key, const struct sp_audit_value *v)
{
    char buf[40];
    switch (v->kind) {
    case SP_AUDIT_KIND_COUNT:
        sp_json_uint(w, key, v->u);
        break;
    case SP_AUDIT_KIND_TIME:
        sp_audit_format_time(v->u, buf, sizeof(buf));
        sp_json_str(w, key, buf);
        break;
    case SP_AUDIT_KIND_TEXT:
    case SP_AUDIT_KIND_NAME:
        sp_json_strn(w, key, (const char *)v->bytes, v->len);
        break;
    case SP_AUDIT_KIND_KEYMASK:
        sp_json_arr_open(w, key);
        for (int kt = SP_KEY_TYPE_MIN; kt <= SP_KEY_TYPE_MAX; kt++)
            if (v->u & SP_KEY_MASK(kt))
                sp_json_str(w, NULL, sp_key_type_name(kt));
        sp_json_arr_close(w);
        break;
    case SP_AUDIT_KIND_MODE:
        sp_json_str(w, key, sp_audit_mode_name((int)v->u));
        break;
    case SP_AUDIT_KIND_CODE:
        sp_json_int(w, key, v->code);
        break;
    default: /* DIGEST, ROUND, SIGNATURE */
        sp_json_hex(w, key, v->bytes, v->len);
        break;
    }
}

/* One field group (all occurrences of one field) starting at index *i. */
static void put_field(struct sp_json *w, const struct sp_audit_entry *e, size_t *i)
{
    struct sp_audit_value v;
    (void)sp_audit_entry_field(e, *i, &v);
    int field = v.field;
    const char *name = sp_audit_field_name(field);
    if (v.kind != SP_AUDIT_KIND_KEYCOUNT &&
        !sp_audit_schema_repeated(sp_audit_entry_type(e), field)) {
        put_value(w, name, &v);
        (*i)++;
        return;
    }
    bool keycount = v.kind == SP_AUDIT_KIND_KEYCOUNT;
    if (keycount)
        sp_json_obj_open(w, name);
    else
        sp_json_arr_open(w, name);
    for (; sp_audit_entry_field(e, *i, &v) == 0 && v.field == field; (*i)++) {
        if (keycount)
            sp_json_uint(w, sp_key_type_name(v.key_type), v.u);
        else
            put_value(w, NULL, &v);
    }
    if (keycount)
        sp_json_obj_close(w);
    else
        sp_json_arr_close(w);
}

void sp_audit_jsonl_fields(struct sp_json *w, const char *key, const struct sp_audit_entry *e)
{
    sp_json_obj_open(w, key);
    for (size_t i = 0; i < sp_audit_entry_nfields(e);)
        put_field(w, e, &i);
    sp_json_obj_close(w);
}

/* b[0..n) (n <= SP_AUDIT_ENTRY_MAX_BYTES) as a base64 string. */
static void put_b64(struct sp_json *w, const char *key, const uint8_t *b, size_t n)
{
    char text[sodium_base64_ENCODED_LEN(SP_AUDIT_ENTRY_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    if (n > SP_AUDIT_ENTRY_MAX_BYTES)
        n = 0; /* not reached: records are decoded first */
    sodium_bin2base64(text, sizeof(text), b, n, sodium_base64_VARIANT_ORIGINAL);
    sp_json_str(w, key, text);
}

static void put_entry(struct sp_json *w, const struct sp_audit_entry *e, const uint8_t *record,
                      size_t len, const uint8_t hash[SP_AUDIT_HASH_BYTES])
{
    char t[40];
    sp_audit_format_time(sp_audit_entry_time(e), t, sizeof(t));
    sp_json_obj_open(w, NULL);
    sp_json_uint(w, "seq", sp_audit_entry_seq(e));
    sp_json_str(w, "time", t);
    sp_json_str(w, "type", sp_audit_type_name(sp_audit_entry_type(e)));
    sp_audit_jsonl_fields(w, "fields", e);
    sp_json_hex(w, "prev", sp_audit_entry_prev(e), SP_AUDIT_HASH_BYTES);
    sp_json_hex(w, "hash", hash, SP_AUDIT_HASH_BYTES);
    put_b64(w, "sig", record + len - SP_AUDIT_SIG_BYTES, SP_AUDIT_SIG_BYTES);
    put_b64(w, "raw", record, len - SP_AUDIT_SIG_BYTES);
    sp_json_obj_close(w);
}

int sp_audit_jsonl_entry(const uint8_t *record, size_t len, char *out, size_t cap, size_t *len_out)
{
    struct sp_audit_entry *e = NULL;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
    if (!out || !len_out)
        return SP_ERR_INVALID_ARG;
    int rc = sp_audit_record_open(record, len, NULL, &e, hash);
    if (rc != 0)
        return rc;
    struct sp_json w;
    sp_json_init_buf(&w, out, cap);
    put_entry(&w, e, record, len, hash);
    sp_audit_entry_free(&e);
    return sp_json_end(&w, len_out); /* balanced: no SP_ERR_STATE */
}

static void put_head(struct sp_json *w, const struct sp_audit_head *h)
{
    sp_json_obj_open(w, NULL);
    sp_json_obj_open(w, "head");
    sp_json_str(w, "node", h->node);
    sp_json_uint(w, "seq", h->seq);
    sp_json_hex(w, "hash", h->hash, SP_AUDIT_HASH_BYTES);
    sp_json_obj_close(w);
    put_b64(w, "sig", h->sig, SP_AUDIT_SIG_BYTES);
    sp_json_obj_close(w);
}

int sp_audit_jsonl_head(const struct sp_audit_head *h, char *out, size_t cap, size_t *len_out)
{
    if (!h || !out || !len_out || !sp_audit_name_valid(h->node, strnlen(h->node, sizeof(h->node))))
        return SP_ERR_INVALID_ARG;
    struct sp_json w;
    sp_json_init_buf(&w, out, cap);
    put_head(&w, h);
    return sp_json_end(&w, len_out); /* balanced: no SP_ERR_STATE */
}

int sp_audit_reader_new(struct sp_audit_reader **out)
{
    if (!out)
        return SP_ERR_INVALID_ARG;
    if (sodium_init() < 0)
        return SP_ERR_CRYPTO_INIT;
    /* Outputs are written on success only (conventions); *out was set to
     * NULL when calloc failed (tests/alloc). */
    struct sp_audit_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return SP_ERR_NOMEM;
    *out = r;
    return 0;
}

void sp_audit_reader_free(struct sp_audit_reader **r)
{
    if (!r || !*r)
        return;
    sp_audit_entry_free(&(*r)->entry);
    free(*r);
    *r = NULL;
}

static int line_fault(struct sp_audit_line *out, int fault, const char *detail)
{
    out->fault = fault;
    snprintf(out->detail, sizeof(out->detail), "%s", detail);
    return fault == SP_AUDIT_LINE_HASH || fault == SP_AUDIT_LINE_READABLE ? SP_ERR_AUDIT
                                                                          : SP_ERR_AUDIT_FORMAT;
}

/* Decodes the base64 string member key of object obj into out (exactly
 * want bytes when want > 0, else up to cap). */
static int member_b64(struct sp_audit_reader *r, const struct sp_json_doc *j, const char *key,
                      uint8_t *out, size_t cap, size_t want, size_t *got)
{
    size_t n = 0, slen = 0;
    const char *end = NULL;
    long t = sp_json_get(j, 0, key);
    if (t < 0 || sp_json_string(j, (size_t)t, r->text, sizeof(r->text), &slen) != 0)
        return SP_ERR_AUDIT_FORMAT;
    if (sodium_base642bin(out, cap, r->text, slen, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != r->text + slen || (want > 0 && n != want))
        return SP_ERR_AUDIT_FORMAT;
    *got = n;
    return 0;
}

/* Compares the line (already parsed into in) with what the decoded bytes
 * say, member by member. */
static int compare_readable(struct sp_audit_reader *r, const struct sp_json_doc *in,
                            struct sp_audit_line *out)
{
    char hex[2 * SP_AUDIT_HASH_BYTES + 1];
    long ht = sp_json_get(in, 0, "hash");
    sp_hex_encode(hex, out->hash, SP_AUDIT_HASH_BYTES);
    if (ht < 0 || sp_json_string(in, (size_t)ht, r->text, sizeof(r->text), NULL) != 0 ||
        strcmp(r->text, hex) != 0)
        return line_fault(out, SP_AUDIT_LINE_HASH, "the raw bytes do not have the recorded hash");
    struct sp_json w;
    size_t elen = 0;
    sp_json_init_buf(&w, r->expect, sizeof(r->expect));
    put_entry(&w, r->entry, out->record, out->record_len, out->hash);
    if (sp_json_end(&w, &elen) != 0)
        return line_fault(out, SP_AUDIT_LINE_RAW, "entry too large to display");
    struct sp_json_doc ex = {.tok = r->ex_tok, .cap = TOKENS};
    char path[96], msg[160];
    if (sp_json_parse(&ex, r->expect, elen) != 0)
        return line_fault(out, SP_AUDIT_LINE_RAW, "entry cannot be displayed");
    if (!sp_json_equal(in, 0, &ex, 0, path, sizeof(path))) {
        snprintf(msg, sizeof(msg), "readable member \"%s\" does not match the signed bytes", path);
        return line_fault(out, SP_AUDIT_LINE_READABLE, msg);
    }
    return 0;
}

static int entry_line(struct sp_audit_reader *r, const struct sp_json_doc *in,
                      struct sp_audit_line *out)
{
    size_t rawlen = 0, siglen = 0;
    out->kind = SP_AUDIT_LINE_ENTRY;
    if (member_b64(r, in, "raw", r->record, SP_AUDIT_ENTRY_MAX_BYTES, 0, &rawlen) != 0 ||
        member_b64(r, in, "sig", r->record + rawlen, SP_AUDIT_SIG_BYTES, SP_AUDIT_SIG_BYTES,
                   &siglen) != 0)
        return line_fault(out, SP_AUDIT_LINE_RAW, "\"raw\" or \"sig\" missing or not base64");
    int rc = sp_audit_entry_decode(r->record, rawlen, &r->entry);
    if (rc == SP_ERR_NOMEM)
        return rc;
    if (rc != 0)
        return line_fault(out, SP_AUDIT_LINE_RAW, "the raw bytes are not a valid audit entry");
    out->entry = r->entry;
    out->record = r->record;
    out->record_len = rawlen + SP_AUDIT_SIG_BYTES;
    out->sig = r->record + rawlen;
    sp_audit_entry_hash(r->record, rawlen, out->hash);
    return compare_readable(r, in, out);
}

static int head_line(struct sp_audit_reader *r, const struct sp_json_doc *in,
                     struct sp_audit_line *out)
{
    struct sp_audit_head *h = &out->head;
    size_t n = 0;
    long head = sp_json_get(in, 0, "head");
    long node = head >= 0 ? sp_json_get(in, (size_t)head, "node") : -1;
    long seq = head >= 0 ? sp_json_get(in, (size_t)head, "seq") : -1;
    long hash = head >= 0 ? sp_json_get(in, (size_t)head, "hash") : -1;
    out->kind = SP_AUDIT_LINE_HEAD;
    if (node < 0 || seq < 0 || hash < 0 ||
        sp_json_string(in, (size_t)node, h->node, sizeof(h->node), NULL) != 0 ||
        sp_json_u64(in, (size_t)seq, &h->seq) != 0 ||
        sp_json_string(in, (size_t)hash, r->text, sizeof(r->text), &n) != 0 ||
        n != 2 * SP_AUDIT_HASH_BYTES || sp_hex_decode(h->hash, SP_AUDIT_HASH_BYTES, r->text) != 0 ||
        member_b64(r, in, "sig", h->sig, SP_AUDIT_SIG_BYTES, SP_AUDIT_SIG_BYTES, &n) != 0 ||
        !sp_audit_name_valid(h->node, strlen(h->node)))
        return line_fault(out, SP_AUDIT_LINE_JSON, "malformed head line");
    /* nothing but these members, in the canonical spelling */
    struct sp_json w;
    size_t elen = 0;
    sp_json_init_buf(&w, r->expect, sizeof(r->expect));
    put_head(&w, h);
    struct sp_json_doc ex = {.tok = r->ex_tok, .cap = TOKENS};
    if (sp_json_end(&w, &elen) != 0 || sp_json_parse(&ex, r->expect, elen) != 0 ||
        !sp_json_equal(in, 0, &ex, 0, NULL, 0))
        return line_fault(out, SP_AUDIT_LINE_JSON, "malformed head line");
    return 0;
}

int sp_audit_reader_line(struct sp_audit_reader *r, const char *line, size_t len,
                         struct sp_audit_line *out)
{
    if (!r || !line || !out)
        return SP_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    sp_audit_entry_free(&r->entry);
    if (len > SP_AUDIT_LINE_MAX) {
        line_fault(out, SP_AUDIT_LINE_JSON, "line longer than an export line can be");
        return SP_ERR_OVERFLOW;
    }
    struct sp_json_doc in = {.tok = r->in_tok, .cap = TOKENS};
    int rc = sp_json_parse(&in, line, len);
    if (rc != 0 || in.tok[0].type != SP_JSON_OBJECT)
        return line_fault(out, SP_AUDIT_LINE_JSON, "not a JSON object");
    if (sp_json_get(&in, 0, "head") >= 0)
        return head_line(r, &in, out);
    if (sp_json_get(&in, 0, "raw") >= 0)
        return entry_line(r, &in, out);
    return line_fault(out, SP_AUDIT_LINE_JSON, "neither an entry line nor a head line");
}
