/* Audit entries: typed construction, canonical encoding, hash, signature
 * (see entry.h). */
#include "entry.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/keytype.h"

#define HEADER_BYTES (1 + 2 + 8 + 8 + SP_AUDIT_HASH_BYTES + 1)

static const char hash_domain[] = "snijpunt-audit-entry-v1";    /* hashed with its NUL */
static const char sig_domain[] = "snijpunt-audit-entry-sig-v1"; /* signed with its NUL */

struct field {
    uint8_t id;
    uint8_t key_type;
    uint16_t off; /* into arena: TEXT, NAME, DIGEST, ROUND, SIGNATURE */
    uint16_t len;
    uint64_t u;
    int64_t code;
};

struct sp_audit_entry {
    int type;
    bool sealed;
    uint64_t seq, time;
    uint8_t prev[SP_AUDIT_HASH_BYTES];
    size_t n;
    struct field f[SP_AUDIT_MAX_FIELDS];
    size_t enc_len; /* bytes of the encoding so far */
    size_t arena_len;
    uint8_t arena[SP_AUDIT_ENTRY_MAX_BYTES];
};

int sp_audit_entry_new(int type, struct sp_audit_entry **out)
{
    if (!sp_audit_type_name(type) || !out)
        return SP_ERR_INVALID_ARG;
    struct sp_audit_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return SP_ERR_NOMEM;
    e->type = type;
    e->enc_len = HEADER_BYTES;
    *out = e;
    return 0;
}

void sp_audit_entry_free(struct sp_audit_entry **e)
{
    if (!e || !*e)
        return;
    free(*e);
    *e = NULL;
}

/* Encoded bytes of a value of kind (len: the TEXT/NAME length). */
static size_t value_bytes(int kind, size_t len)
{
    switch (kind) {
    case SP_AUDIT_KIND_COUNT:
    case SP_AUDIT_KIND_TIME:
        return 8;
    case SP_AUDIT_KIND_TEXT:
        return 2 + len;
    case SP_AUDIT_KIND_NAME:
        return 1 + len;
    case SP_AUDIT_KIND_DIGEST:
        return SP_AUDIT_HASH_BYTES;
    case SP_AUDIT_KIND_ROUND:
        return SP_ROUND_ID_BYTES;
    case SP_AUDIT_KIND_KEYCOUNT:
        return 9;
    case SP_AUDIT_KIND_KEYMASK:
    case SP_AUDIT_KIND_CODE:
        return 4;
    case SP_AUDIT_KIND_MODE:
        return 1;
    default:
        return SP_AUDIT_SIG_BYTES;
    }
}

/* Where a new field goes in canonical order, or -1 when it would repeat a
 * key type (KEYCOUNT) or a name (repeated NAME fields). */
static long insert_pos(const struct sp_audit_entry *e, const struct field *nf, int kind)
{
    size_t i = 0;
    while (i < e->n && e->f[i].id < nf->id)
        i++;
    for (; i < e->n && e->f[i].id == nf->id; i++) {
        const struct field *g = &e->f[i];
        if (kind == SP_AUDIT_KIND_KEYCOUNT) {
            if (g->key_type == nf->key_type)
                return -1;
            if (g->key_type > nf->key_type)
                break;
        } else if (kind == SP_AUDIT_KIND_NAME && g->len == nf->len &&
                   memcmp(e->arena + g->off, e->arena + nf->off, nf->len) == 0) {
            return -1;
        }
    }
    return (long)i;
}

static size_t occurrences(const struct sp_audit_entry *e, int field)
{
    size_t c = 0;
    for (size_t i = 0; i < e->n; i++)
        c += e->f[i].id == field;
    return c;
}

/* Common part of every adder: schema, kind, limits, then insertion. bytes
 * (len) is copied into the arena for kinds that carry bytes; a TEXT or NAME
 * gets a NUL after it. On failure nothing changes. */
static int add(struct sp_audit_entry *e, int kind, struct field nf, const void *bytes, size_t len)
{
    unsigned lo = 0, hi = 0;
    if (!e)
        return SP_ERR_INVALID_ARG;
    if (e->sealed)
        return SP_ERR_STATE;
    if (sp_audit_field_kind(nf.id) != kind || !sp_audit_schema_occurs(e->type, nf.id, &lo, &hi) ||
        occurrences(e, nf.id) >= hi)
        return SP_ERR_AUDIT_FIELD;
    size_t grow = 1 + value_bytes(kind, len);
    size_t room = bytes ? len + (kind == SP_AUDIT_KIND_TEXT || kind == SP_AUDIT_KIND_NAME) : 0;
    if (e->n >= SP_AUDIT_MAX_FIELDS || e->enc_len + grow > SP_AUDIT_ENTRY_MAX_BYTES ||
        e->arena_len + room > sizeof(e->arena))
        return SP_ERR_OVERFLOW;
    nf.off = (uint16_t)e->arena_len;
    nf.len = (uint16_t)len;
    if (bytes) {
        memcpy(e->arena + e->arena_len, bytes, len);
        if (room > len)
            e->arena[e->arena_len + len] = 0;
    }
    long pos = insert_pos(e, &nf, kind);
    if (pos < 0)
        return SP_ERR_AUDIT_FIELD;
    memmove(&e->f[pos + 1], &e->f[pos], (e->n - (size_t)pos) * sizeof(e->f[0]));
    e->f[pos] = nf;
    e->n++;
    e->enc_len += grow;
    e->arena_len += room;
    return 0;
}

int sp_audit_add_count(struct sp_audit_entry *e, int field, uint64_t value)
{
    struct field nf = {.id = (uint8_t)field, .u = value};
    return field > 0 && field <= SP_AUDIT_FIELD_MAX ? add(e, SP_AUDIT_KIND_COUNT, nf, NULL, 0)
                                                    : SP_ERR_AUDIT_FIELD;
}

int sp_audit_add_time(struct sp_audit_entry *e, int field, uint64_t unix_seconds)
{
    struct field nf = {.id = (uint8_t)field, .u = unix_seconds};
    return field > 0 && field <= SP_AUDIT_FIELD_MAX ? add(e, SP_AUDIT_KIND_TIME, nf, NULL, 0)
                                                    : SP_ERR_AUDIT_FIELD;
}

int sp_audit_add_text(struct sp_audit_entry *e, int field, const char *text)
{
    if (field <= 0 || field > SP_AUDIT_FIELD_MAX || !text)
        return SP_ERR_AUDIT_FIELD;
    size_t len = strnlen(text, SP_AUDIT_ENTRY_MAX_BYTES);
    if (sp_audit_text_check(text, len, sp_audit_field_text_max(field), NULL) != 0)
        return SP_ERR_AUDIT_FIELD;
    struct field nf = {.id = (uint8_t)field};
    return add(e, SP_AUDIT_KIND_TEXT, nf, text, len);
}

int sp_audit_add_name(struct sp_audit_entry *e, int field, const char *name)
{
    if (field <= 0 || field > SP_AUDIT_FIELD_MAX || !name)
        return SP_ERR_AUDIT_FIELD;
    size_t len = strnlen(name, SP_AUDIT_NAME_MAX + 1);
    if (!sp_audit_name_valid(name, len))
        return SP_ERR_AUDIT_FIELD;
    struct field nf = {.id = (uint8_t)field};
    return add(e, SP_AUDIT_KIND_NAME, nf, name, len);
}

int sp_audit_add_digest(struct sp_audit_entry *e, int field,
                        const uint8_t digest[SP_AUDIT_HASH_BYTES])
{
    struct field nf = {.id = (uint8_t)field};
    if (field <= 0 || field > SP_AUDIT_FIELD_MAX || !digest)
        return SP_ERR_AUDIT_FIELD;
    return add(e, SP_AUDIT_KIND_DIGEST, nf, digest, SP_AUDIT_HASH_BYTES);
}

int sp_audit_add_round(struct sp_audit_entry *e, const uint8_t round_id[SP_ROUND_ID_BYTES])
{
    struct field nf = {.id = SP_AUDIT_F_ROUND};
    if (!round_id)
        return SP_ERR_AUDIT_FIELD;
    return add(e, SP_AUDIT_KIND_ROUND, nf, round_id, SP_ROUND_ID_BYTES);
}

int sp_audit_add_keycount(struct sp_audit_entry *e, int field, int key_type, uint64_t count)
{
    if (field <= 0 || field > SP_AUDIT_FIELD_MAX || !sp_key_type_valid(key_type))
        return SP_ERR_AUDIT_FIELD;
    struct field nf = {.id = (uint8_t)field, .key_type = (uint8_t)key_type, .u = count};
    return add(e, SP_AUDIT_KIND_KEYCOUNT, nf, NULL, 0);
}

int sp_audit_add_keymask(struct sp_audit_entry *e, int field, uint32_t mask)
{
    if (field <= 0 || field > SP_AUDIT_FIELD_MAX || mask == 0 || (mask & ~SP_KEY_MASK_ALL))
        return SP_ERR_AUDIT_FIELD;
    struct field nf = {.id = (uint8_t)field, .u = mask};
    return add(e, SP_AUDIT_KIND_KEYMASK, nf, NULL, 0);
}

int sp_audit_add_mode(struct sp_audit_entry *e, int mode)
{
    if (!sp_audit_mode_name(mode))
        return SP_ERR_AUDIT_FIELD;
    struct field nf = {.id = SP_AUDIT_F_MODE, .u = (uint64_t)mode};
    return add(e, SP_AUDIT_KIND_MODE, nf, NULL, 0);
}

int sp_audit_add_code(struct sp_audit_entry *e, int code)
{
    if (code > 0)
        return SP_ERR_AUDIT_FIELD;
    struct field nf = {.id = SP_AUDIT_F_CODE, .code = code};
    return add(e, SP_AUDIT_KIND_CODE, nf, NULL, 0);
}

int sp_audit_add_signature(struct sp_audit_entry *e, int field,
                           const uint8_t sig[SP_AUDIT_SIG_BYTES])
{
    struct field nf = {.id = (uint8_t)field};
    if (field <= 0 || field > SP_AUDIT_FIELD_MAX || !sig)
        return SP_ERR_AUDIT_FIELD;
    return add(e, SP_AUDIT_KIND_SIGNATURE, nf, sig, SP_AUDIT_SIG_BYTES);
}

static bool required_present(const struct sp_audit_entry *e)
{
    for (int f = 1; f <= SP_AUDIT_FIELD_MAX; f++) {
        unsigned lo = 0, hi = 0;
        if (sp_audit_schema_occurs(e->type, f, &lo, &hi) && occurrences(e, f) < lo)
            return false;
    }
    return true;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
    return p + bytes;
}

static uint8_t *put_value(uint8_t *p, const struct sp_audit_entry *e, const struct field *f)
{
    const uint8_t *b = e->arena + f->off;
    switch (sp_audit_field_kind(f->id)) {
    case SP_AUDIT_KIND_COUNT:
    case SP_AUDIT_KIND_TIME:
        return put_be(p, f->u, 8);
    case SP_AUDIT_KIND_TEXT:
        p = put_be(p, f->len, 2);
        break;
    case SP_AUDIT_KIND_NAME:
        p = put_be(p, f->len, 1);
        break;
    case SP_AUDIT_KIND_KEYCOUNT:
        *p++ = f->key_type;
        return put_be(p, f->u, 8);
    case SP_AUDIT_KIND_KEYMASK:
        return put_be(p, f->u, 4);
    case SP_AUDIT_KIND_MODE:
        return put_be(p, f->u, 1);
    case SP_AUDIT_KIND_CODE:
        return put_be(p, (uint32_t)(int32_t)f->code, 4);
    default: /* DIGEST, ROUND, SIGNATURE: bytes only */
        break;
    }
    memcpy(p, b, f->len);
    return p + f->len;
}

int sp_audit_entry_encode(const struct sp_audit_entry *e, uint8_t *buf, size_t cap, size_t *len_out)
{
    if (!e || !buf || !len_out)
        return SP_ERR_INVALID_ARG;
    if (!e->sealed)
        return SP_ERR_STATE;
    if (cap < e->enc_len)
        return SP_ERR_OVERFLOW;
    uint8_t *p = buf;
    *p++ = SP_AUDIT_VERSION;
    p = put_be(p, (uint64_t)e->type, 2);
    p = put_be(p, e->seq, 8);
    p = put_be(p, e->time, 8);
    memcpy(p, e->prev, SP_AUDIT_HASH_BYTES);
    p += SP_AUDIT_HASH_BYTES;
    *p++ = (uint8_t)e->n;
    for (size_t i = 0; i < e->n; i++) {
        *p++ = e->f[i].id;
        p = put_value(p, e, &e->f[i]);
    }
    *len_out = (size_t)(p - buf);
    return 0;
}

void sp_audit_entry_hash(const uint8_t *entry, size_t len, uint8_t out[SP_AUDIT_HASH_BYTES])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)hash_domain, sizeof(hash_domain));
    crypto_hash_sha256_update(&st, entry, len);
    crypto_hash_sha256_final(&st, out);
}

static void sig_message(const uint8_t hash[SP_AUDIT_HASH_BYTES],
                        uint8_t msg[sizeof(sig_domain) + SP_AUDIT_HASH_BYTES])
{
    memcpy(msg, sig_domain, sizeof(sig_domain));
    memcpy(msg + sizeof(sig_domain), hash, SP_AUDIT_HASH_BYTES);
}

int sp_audit_entry_sig_verify(const uint8_t pk[SP_AUDIT_PK_BYTES],
                              const uint8_t hash[SP_AUDIT_HASH_BYTES],
                              const uint8_t sig[SP_AUDIT_SIG_BYTES])
{
    uint8_t msg[sizeof(sig_domain) + SP_AUDIT_HASH_BYTES];
    sig_message(hash, msg);
    return crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) == 0 ? 0
                                                                       : SP_ERR_CRYPTO_SIGNATURE;
}

int sp_audit_entry_seal(struct sp_audit_entry *e, uint64_t seq, uint64_t time,
                        const uint8_t prev_hash[SP_AUDIT_HASH_BYTES], sp_audit_sign_fn sign,
                        void *sign_ctx, uint8_t *record, size_t cap, size_t *record_len,
                        uint8_t hash_out[SP_AUDIT_HASH_BYTES])
{
    if (!e || !prev_hash || !sign || !record || !record_len || !hash_out)
        return SP_ERR_INVALID_ARG;
    if (e->sealed)
        return SP_ERR_STATE;
    if (!required_present(e))
        return SP_ERR_AUDIT_FIELD;
    if (cap < e->enc_len + SP_AUDIT_SIG_BYTES)
        return SP_ERR_OVERFLOW;
    e->seq = seq;
    e->time = time;
    memcpy(e->prev, prev_hash, SP_AUDIT_HASH_BYTES);
    e->sealed = true;
    size_t len = 0;
    uint8_t hash[SP_AUDIT_HASH_BYTES], msg[sizeof(sig_domain) + SP_AUDIT_HASH_BYTES];
    int rc = sp_audit_entry_encode(e, record, cap, &len);
    if (rc == 0) {
        sp_audit_entry_hash(record, len, hash);
        sig_message(hash, msg);
        rc = sign(sign_ctx, record + len, msg, sizeof(msg));
    }
    if (rc != 0) {
        e->sealed = false; /* the caller may retry */
        return rc;
    }
    *record_len = len + SP_AUDIT_SIG_BYTES;
    memcpy(hash_out, hash, SP_AUDIT_HASH_BYTES);
    return 0;
}

/* A bounds-checked reader over the entry bytes. */
struct rd {
    const uint8_t *p;
    size_t left;
};

static bool get_be(struct rd *r, int bytes, uint64_t *v)
{
    if (r->left < (size_t)bytes)
        return false;
    *v = 0;
    for (int i = 0; i < bytes; i++)
        *v = (*v << 8) | r->p[i];
    r->p += bytes;
    r->left -= (size_t)bytes;
    return true;
}

static const uint8_t *get_bytes(struct rd *r, size_t n)
{
    if (r->left < n)
        return NULL;
    const uint8_t *b = r->p;
    r->p += n;
    r->left -= n;
    return b;
}

/* Reads bytes of a length-prefixed TEXT or NAME into a NUL-terminated copy
 * and adds it through the same checks as the adders. */
static int decode_string(struct sp_audit_entry *e, struct rd *r, int id, int kind)
{
    uint64_t len = 0;
    if (!get_be(r, kind == SP_AUDIT_KIND_TEXT ? 2 : 1, &len))
        return SP_ERR_AUDIT_FORMAT;
    const uint8_t *b = get_bytes(r, (size_t)len);
    char tmp[SP_AUDIT_ENTRY_MAX_BYTES + 1];
    if (!b || memchr(b, 0, (size_t)len))
        return SP_ERR_AUDIT_FORMAT;
    memcpy(tmp, b, (size_t)len);
    tmp[len] = '\0';
    return kind == SP_AUDIT_KIND_TEXT ? sp_audit_add_text(e, id, tmp)
                                      : sp_audit_add_name(e, id, tmp);
}

static int decode_field(struct sp_audit_entry *e, struct rd *r, int id)
{
    uint64_t v = 0, kt = 0;
    const uint8_t *b = NULL;
    int kind = sp_audit_field_kind(id);
    switch (kind) {
    case SP_AUDIT_KIND_COUNT:
        return get_be(r, 8, &v) ? sp_audit_add_count(e, id, v) : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_TIME:
        return get_be(r, 8, &v) ? sp_audit_add_time(e, id, v) : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_TEXT:
    case SP_AUDIT_KIND_NAME:
        return decode_string(e, r, id, kind);
    case SP_AUDIT_KIND_DIGEST:
        return (b = get_bytes(r, SP_AUDIT_HASH_BYTES)) ? sp_audit_add_digest(e, id, b)
                                                       : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_ROUND:
        return (b = get_bytes(r, SP_ROUND_ID_BYTES)) ? sp_audit_add_round(e, b)
                                                     : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_KEYCOUNT:
        return get_be(r, 1, &kt) && get_be(r, 8, &v) ? sp_audit_add_keycount(e, id, (int)kt, v)
                                                     : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_KEYMASK:
        return get_be(r, 4, &v) ? sp_audit_add_keymask(e, id, (uint32_t)v) : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_MODE:
        return get_be(r, 1, &v) ? sp_audit_add_mode(e, (int)v) : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_CODE:
        return get_be(r, 4, &v) ? sp_audit_add_code(e, (int32_t)(uint32_t)v) : SP_ERR_AUDIT_FORMAT;
    case SP_AUDIT_KIND_SIGNATURE:
        return (b = get_bytes(r, SP_AUDIT_SIG_BYTES)) ? sp_audit_add_signature(e, id, b)
                                                      : SP_ERR_AUDIT_FORMAT;
    default:
        return SP_ERR_AUDIT_FORMAT; /* unknown field number */
    }
}

static int decode_header(struct sp_audit_entry *e, struct rd *r, uint64_t *nfields)
{
    uint64_t version = 0, type = 0;
    if (!get_be(r, 1, &version) || version != SP_AUDIT_VERSION || !get_be(r, 2, &type) ||
        !sp_audit_type_name((int)type) || !get_be(r, 8, &e->seq) || !get_be(r, 8, &e->time))
        return SP_ERR_AUDIT_FORMAT;
    const uint8_t *prev = get_bytes(r, SP_AUDIT_HASH_BYTES);
    if (!prev || !get_be(r, 1, nfields) || *nfields > SP_AUDIT_MAX_FIELDS)
        return SP_ERR_AUDIT_FORMAT;
    e->type = (int)type;
    memcpy(e->prev, prev, SP_AUDIT_HASH_BYTES);
    return 0;
}

/* The adders put fields into canonical order whatever order they came in;
 * the input was canonical exactly when encoding the result gives it back. */
static int canonical(struct sp_audit_entry *e, const uint8_t *buf, size_t len)
{
    uint8_t again[SP_AUDIT_ENTRY_MAX_BYTES];
    size_t n = 0;
    e->sealed = true;
    int rc = sp_audit_entry_encode(e, again, sizeof(again), &n);
    e->sealed = false;
    return rc == 0 && n == len && memcmp(again, buf, len) == 0 ? 0 : SP_ERR_AUDIT_FORMAT;
}

int sp_audit_entry_decode(const uint8_t *buf, size_t len, struct sp_audit_entry **out)
{
    struct sp_audit_entry *e = NULL;
    uint64_t nfields = 0;
    if (!buf || !out)
        return SP_ERR_INVALID_ARG;
    if (len > SP_AUDIT_ENTRY_MAX_BYTES)
        return SP_ERR_AUDIT_FORMAT;
    int rc = sp_audit_entry_new(SP_AUDIT_NODE_START, &e);
    if (rc != 0)
        return rc;
    struct rd r = {buf, len};
    rc = decode_header(e, &r, &nfields);
    for (uint64_t i = 0; i < nfields && rc == 0; i++) {
        uint64_t id = 0;
        rc = get_be(&r, 1, &id) ? decode_field(e, &r, (int)id) : SP_ERR_AUDIT_FORMAT;
    }
    if (rc == 0 && (r.left != 0 || !required_present(e)))
        rc = SP_ERR_AUDIT_FORMAT;
    if (rc == 0)
        rc = canonical(e, buf, len);
    if (rc != 0) {
        sp_audit_entry_free(&e);
        return rc == SP_ERR_NOMEM ? rc : SP_ERR_AUDIT_FORMAT;
    }
    e->sealed = true;
    *out = e;
    return 0;
}

int sp_audit_record_open(const uint8_t *record, size_t len, const uint8_t pk[SP_AUDIT_PK_BYTES],
                         struct sp_audit_entry **out, uint8_t hash[SP_AUDIT_HASH_BYTES])
{
    struct sp_audit_entry *e = NULL;
    uint8_t h[SP_AUDIT_HASH_BYTES];
    if (!record || len <= SP_AUDIT_SIG_BYTES || len > SP_AUDIT_RECORD_MAX_BYTES)
        return SP_ERR_AUDIT_FORMAT;
    size_t elen = len - SP_AUDIT_SIG_BYTES;
    int rc = sp_audit_entry_decode(record, elen, &e);
    if (rc != 0)
        return rc;
    sp_audit_entry_hash(record, elen, h);
    if (pk)
        rc = sp_audit_entry_sig_verify(pk, h, record + elen);
    if (rc == 0 && hash)
        memcpy(hash, h, SP_AUDIT_HASH_BYTES);
    if (rc == 0 && out)
        *out = e;
    else
        sp_audit_entry_free(&e);
    return rc;
}

int sp_audit_entry_type(const struct sp_audit_entry *e)
{
    return e->type;
}

uint64_t sp_audit_entry_seq(const struct sp_audit_entry *e)
{
    return e->seq;
}

uint64_t sp_audit_entry_time(const struct sp_audit_entry *e)
{
    return e->time;
}

const uint8_t *sp_audit_entry_prev(const struct sp_audit_entry *e)
{
    return e->prev;
}

size_t sp_audit_entry_nfields(const struct sp_audit_entry *e)
{
    return e->n;
}

int sp_audit_entry_field(const struct sp_audit_entry *e, size_t i, struct sp_audit_value *out)
{
    if (!e || !out || i >= e->n)
        return SP_ERR_NOT_FOUND;
    const struct field *f = &e->f[i];
    memset(out, 0, sizeof(*out));
    out->field = f->id;
    out->kind = sp_audit_field_kind(f->id);
    out->u = f->u;
    out->code = f->code;
    out->key_type = f->key_type;
    if (f->len > 0) {
        out->bytes = e->arena + f->off;
        out->len = f->len;
    }
    return 0;
}

int sp_audit_entry_find(const struct sp_audit_entry *e, int field, size_t nth,
                        struct sp_audit_value *out)
{
    for (size_t i = 0; e && i < e->n; i++)
        if (e->f[i].id == field && nth-- == 0)
            return sp_audit_entry_field(e, i, out);
    return SP_ERR_NOT_FOUND;
}

size_t sp_audit_entry_count(const struct sp_audit_entry *e, int field)
{
    return e ? occurrences(e, field) : 0;
}
