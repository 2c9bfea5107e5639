/* The JSON lines export: writer and strict reader (see jsonl.h). */
#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/json.h"
#include "common/hex.h"
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

static void put_value(struct sp_jw *w, const struct sp_audit_value *v)
{
    char buf[40];
    switch (v->kind) {
    case SP_AUDIT_KIND_COUNT:
        sp_jw_u64(w, v->u);
        break;
    case SP_AUDIT_KIND_TIME:
        sp_audit_format_time(v->u, buf, sizeof(buf));
        sp_jw_str(w, buf, strlen(buf));
        break;
    case SP_AUDIT_KIND_TEXT:
    case SP_AUDIT_KIND_NAME:
        sp_jw_str(w, (const char *)v->bytes, v->len);
        break;
    case SP_AUDIT_KIND_KEYMASK:
        sp_jw_raw(w, "[");
        for (int kt = SP_KEY_TYPE_MIN, first = 1; kt <= SP_KEY_TYPE_MAX; kt++) {
            if (!(v->u & SP_KEY_MASK(kt)))
                continue;
            sp_jw_raw(w, first ? "\"" : ",\"");
            sp_jw_raw(w, sp_key_type_name(kt));
            sp_jw_raw(w, "\"");
            first = 0;
        }
        sp_jw_raw(w, "]");
        break;
    case SP_AUDIT_KIND_MODE:
        sp_jw_raw(w, "\"");
        sp_jw_raw(w, sp_audit_mode_name((int)v->u));
        sp_jw_raw(w, "\"");
        break;
    case SP_AUDIT_KIND_CODE:
        sp_jw_i64(w, v->code);
        break;
    default: /* DIGEST, ROUND, SIGNATURE */
        sp_jw_hex(w, v->bytes, v->len);
        break;
    }
}

/* One field group (all occurrences of one field) starting at index *i. */
static void put_field(struct sp_jw *w, const struct sp_audit_entry *e, size_t *i)
{
    struct sp_audit_value v;
    (void)sp_audit_entry_field(e, *i, &v);
    int field = v.field;
    bool keycount = v.kind == SP_AUDIT_KIND_KEYCOUNT;
    bool list = !keycount && sp_audit_schema_repeated(sp_audit_entry_type(e), field);
    sp_jw_raw(w, "\"");
    sp_jw_raw(w, sp_audit_field_name(field));
    sp_jw_raw(w, keycount ? "\":{" : list ? "\":[" : "\":");
    for (bool first = true; sp_audit_entry_field(e, *i, &v) == 0 && v.field == field;
         (*i)++, first = false) {
        if (!first)
            sp_jw_raw(w, ",");
        if (keycount) {
            sp_jw_raw(w, "\"");
            sp_jw_raw(w, sp_key_type_name(v.key_type));
            sp_jw_raw(w, "\":");
            sp_jw_u64(w, v.u);
        } else {
            put_value(w, &v);
        }
        if (!keycount && !list) {
            (*i)++;
            break;
        }
    }
    sp_jw_raw(w, keycount ? "}" : list ? "]" : "");
}

static void put_entry(struct sp_jw *w, const struct sp_audit_entry *e, const uint8_t *record,
                      size_t len, const uint8_t hash[SP_AUDIT_HASH_BYTES])
{
    char t[40];
    sp_audit_format_time(sp_audit_entry_time(e), t, sizeof(t));
    sp_jw_raw(w, "{\"seq\":");
    sp_jw_u64(w, sp_audit_entry_seq(e));
    sp_jw_raw(w, ",\"time\":");
    sp_jw_str(w, t, strlen(t));
    sp_jw_raw(w, ",\"type\":\"");
    sp_jw_raw(w, sp_audit_type_name(sp_audit_entry_type(e)));
    sp_jw_raw(w, "\",\"fields\":{");
    for (size_t i = 0; i < sp_audit_entry_nfields(e);) {
        if (i > 0)
            sp_jw_raw(w, ",");
        put_field(w, e, &i);
    }
    sp_jw_raw(w, "},\"prev\":");
    sp_jw_hex(w, sp_audit_entry_prev(e), SP_AUDIT_HASH_BYTES);
    sp_jw_raw(w, ",\"hash\":");
    sp_jw_hex(w, hash, SP_AUDIT_HASH_BYTES);
    sp_jw_raw(w, ",\"sig\":");
    sp_jw_b64(w, record + len - SP_AUDIT_SIG_BYTES, SP_AUDIT_SIG_BYTES);
    sp_jw_raw(w, ",\"raw\":");
    sp_jw_b64(w, record, len - SP_AUDIT_SIG_BYTES);
    sp_jw_raw(w, "}");
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
    struct sp_jw w;
    sp_jw_init(&w, out, cap);
    put_entry(&w, e, record, len, hash);
    sp_audit_entry_free(&e);
    return sp_jw_finish(&w, len_out);
}

static void put_head(struct sp_jw *w, const struct sp_audit_head *h)
{
    sp_jw_raw(w, "{\"head\":{\"node\":");
    sp_jw_str(w, h->node, strlen(h->node));
    sp_jw_raw(w, ",\"seq\":");
    sp_jw_u64(w, h->seq);
    sp_jw_raw(w, ",\"hash\":");
    sp_jw_hex(w, h->hash, SP_AUDIT_HASH_BYTES);
    sp_jw_raw(w, "},\"sig\":");
    sp_jw_b64(w, h->sig, SP_AUDIT_SIG_BYTES);
    sp_jw_raw(w, "}");
}

int sp_audit_jsonl_head(const struct sp_audit_head *h, char *out, size_t cap, size_t *len_out)
{
    if (!h || !out || !len_out || !sp_audit_name_valid(h->node, strnlen(h->node, sizeof(h->node))))
        return SP_ERR_INVALID_ARG;
    struct sp_jw w;
    sp_jw_init(&w, out, cap);
    put_head(&w, h);
    return sp_jw_finish(&w, len_out);
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
static int member_b64(struct sp_audit_reader *r, const struct sp_json *j, const char *key,
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
static int compare_readable(struct sp_audit_reader *r, const struct sp_json *in,
                            struct sp_audit_line *out)
{
    char hex[2 * SP_AUDIT_HASH_BYTES + 1];
    long ht = sp_json_get(in, 0, "hash");
    sp_hex_encode(hex, out->hash, SP_AUDIT_HASH_BYTES);
    if (ht < 0 || sp_json_string(in, (size_t)ht, r->text, sizeof(r->text), NULL) != 0 ||
        strcmp(r->text, hex) != 0)
        return line_fault(out, SP_AUDIT_LINE_HASH, "the raw bytes do not have the recorded hash");
    struct sp_jw w;
    size_t elen = 0;
    sp_jw_init(&w, r->expect, sizeof(r->expect));
    put_entry(&w, r->entry, out->record, out->record_len, out->hash);
    if (sp_jw_finish(&w, &elen) != 0)
        return line_fault(out, SP_AUDIT_LINE_RAW, "entry too large to display");
    struct sp_json ex = {.tok = r->ex_tok, .cap = TOKENS};
    char path[96], msg[160];
    if (sp_json_parse(&ex, r->expect, elen) != 0)
        return line_fault(out, SP_AUDIT_LINE_RAW, "entry cannot be displayed");
    if (!sp_json_equal(in, 0, &ex, 0, path, sizeof(path))) {
        snprintf(msg, sizeof(msg), "readable member \"%s\" does not match the signed bytes", path);
        return line_fault(out, SP_AUDIT_LINE_READABLE, msg);
    }
    return 0;
}

static int entry_line(struct sp_audit_reader *r, const struct sp_json *in,
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

static int head_line(struct sp_audit_reader *r, const struct sp_json *in, struct sp_audit_line *out)
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
    struct sp_jw w;
    size_t elen = 0;
    sp_jw_init(&w, r->expect, sizeof(r->expect));
    put_head(&w, h);
    struct sp_json ex = {.tok = r->ex_tok, .cap = TOKENS};
    if (sp_jw_finish(&w, &elen) != 0 || sp_json_parse(&ex, r->expect, elen) != 0 ||
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
    struct sp_json in = {.tok = r->in_tok, .cap = TOKENS};
    int rc = sp_json_parse(&in, line, len);
    if (rc != 0 || in.tok[0].type != SP_JSON_OBJECT)
        return line_fault(out, SP_AUDIT_LINE_JSON, "not a JSON object");
    if (sp_json_get(&in, 0, "head") >= 0)
        return head_line(r, &in, out);
    if (sp_json_get(&in, 0, "raw") >= 0)
        return entry_line(r, &in, out);
    return line_fault(out, SP_AUDIT_LINE_JSON, "neither an entry line nor a head line");
}
