/* Strict JSON reader for the audit export (see json.h). */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "common/utf8.h"

struct parser {
    struct sp_json_doc *j;
    size_t pos;
    int depth;
};

static void skip_ws(struct parser *p)
{
    const char *t = p->j->text;
    while (p->pos < p->j->len &&
           (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r'))
        p->pos++;
}

static long new_tok(struct parser *p, int type)
{
    if (p->j->ntok >= p->j->cap)
        return -1;
    struct sp_json_tok *t = &p->j->tok[p->j->ntok];
    memset(t, 0, sizeof(*t));
    t->type = (uint8_t)type;
    t->start = (uint32_t)p->pos;
    return (long)p->j->ntok++;
}

/* Four hex digits at s[i..i+4) (within end), or -1. */
static long hex4(const char *s, size_t i, size_t end)
{
    if (end - i < 4)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = sp_hex_digit(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* One character of a JSON string body starting at s[*i] (end: the closing
 * quote's position). Returns its code point and advances *i, or returns -1
 * when it is malformed (bad escape, lone surrogate, \u0000, raw control,
 * invalid UTF-8). */
/* The escape at s[*i] ('\\' ...); see str_next. */
static long str_escape(const char *s, size_t *i, size_t end)
{
    size_t k = *i;
    if (k + 1 >= end)
        return -1;
    static const char esc[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
    const char *e = s[k + 1] ? strchr(esc, s[k + 1]) : NULL;
    if (e) {
        *i = k + 2;
        return (unsigned char)val[e - esc];
    }
    if (s[k + 1] != 'u')
        return -1;
    long cp = hex4(s, k + 2, end);
    k += 6;
    if (cp >= 0xd800 && cp <= 0xdbff) {
        long lo = k + 1 < end && s[k] == '\\' && s[k + 1] == 'u' ? hex4(s, k + 2, end) : -1;
        if (lo < 0xdc00 || lo > 0xdfff)
            return -1;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        k += 6;
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return -1;
    }
    if (cp <= 0)
        return -1;
    *i = k;
    return cp;
}

/* The code point of the well-formed UTF-8 sequence at u[*i] (common/utf8.h),
 * or -1. */
static long str_utf8(const unsigned char *u, size_t *i, size_t end)
{
    uint32_t cp = 0;
    size_t n = sp_utf8_seq_len(u + *i, end - *i, &cp);
    if (n == 0)
        return -1;
    *i += n;
    return (long)cp;
}

static long str_next(const char *s, size_t *i, size_t end)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[*i] < 0x20)
        return -1;
    return u[*i] == '\\' ? str_escape(s, i, end) : str_utf8(u, i, end);
}

static int parse_string(struct parser *p, long *tok_out)
{
    const char *s = p->j->text;
    size_t i = ++p->pos; /* after the opening quote */
    while (i < p->j->len && s[i] != '"')
        i += s[i] == '\\' && i + 1 < p->j->len ? 2 : 1;
    if (i >= p->j->len)
        return SP_ERR_AUDIT_FORMAT;
    size_t end = i;
    for (size_t k = p->pos; k < end;)
        if (str_next(s, &k, end) < 0)
            return SP_ERR_AUDIT_FORMAT;
    long t = new_tok(p, SP_JSON_STRING);
    if (t < 0)
        return SP_ERR_OVERFLOW;
    p->j->tok[t].end = (uint32_t)end;
    p->pos = end + 1;
    *tok_out = t;
    return 0;
}

static int parse_number(struct parser *p)
{
    const char *s = p->j->text;
    size_t i = p->pos;
    long t = new_tok(p, SP_JSON_INT);
    if (t < 0)
        return SP_ERR_OVERFLOW;
    if (i < p->j->len && s[i] == '-')
        i++;
    size_t digits = i;
    while (i < p->j->len && s[i] >= '0' && s[i] <= '9')
        i++;
    digits = i - digits;
    if (digits == 0 || digits > 20 || (digits > 1 && s[i - digits] == '0'))
        return SP_ERR_AUDIT_FORMAT;
    if (i < p->j->len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
        return SP_ERR_AUDIT_FORMAT; /* the export has no fractions */
    p->j->tok[t].end = (uint32_t)i;
    p->pos = i;
    return 0;
}

static int parse_literal(struct parser *p)
{
    static const struct {
        const char *word;
        int type;
    } lits[] = {{"true", SP_JSON_TRUE}, {"false", SP_JSON_FALSE}, {"null", SP_JSON_NULL}};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(lits[k].word);
        if (p->j->len - p->pos >= n && memcmp(p->j->text + p->pos, lits[k].word, n) == 0) {
            long t = new_tok(p, lits[k].type);
            if (t < 0)
                return SP_ERR_OVERFLOW;
            p->pos += n;
            p->j->tok[t].end = (uint32_t)p->pos;
            return 0;
        }
    }
    return SP_ERR_AUDIT_FORMAT;
}

static bool str_tok_equal(const struct sp_json_doc *a, size_t at, const struct sp_json_doc *b,
                          size_t bt);
static int parse_value(struct parser *p);

/* Duplicate keys are refused: two readers could otherwise see two values. */
static bool has_duplicate(const struct sp_json_doc *j, size_t obj)
{
    size_t n = j->tok[obj].size;
    for (size_t a = obj + 1, i = 0; i < n; i++, a = j->tok[a + 1].next)
        for (size_t b = j->tok[a + 1].next, k = i + 1; k < n; k++, b = j->tok[b + 1].next)
            if (str_tok_equal(j, a, j, b))
                return true;
    return false;
}

static int parse_members(struct parser *p, long t, bool object)
{
    const char close = object ? '}' : ']';
    skip_ws(p);
    if (p->pos < p->j->len && p->j->text[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        int rc = 0;
        skip_ws(p);
        if (object) {
            long key = -1;
            if (p->pos >= p->j->len || p->j->text[p->pos] != '"')
                return SP_ERR_AUDIT_FORMAT;
            if ((rc = parse_string(p, &key)) != 0)
                return rc;
            p->j->tok[key].next = (uint32_t)p->j->ntok;
            skip_ws(p);
            if (p->pos >= p->j->len || p->j->text[p->pos++] != ':')
                return SP_ERR_AUDIT_FORMAT;
        }
        if ((rc = parse_value(p)) != 0)
            return rc;
        p->j->tok[t].size++;
        skip_ws(p);
        if (p->pos >= p->j->len)
            return SP_ERR_AUDIT_FORMAT;
        char c = p->j->text[p->pos++];
        if (c == close)
            return 0;
        if (c != ',')
            return SP_ERR_AUDIT_FORMAT;
    }
}

static int parse_container(struct parser *p, bool object)
{
    if (++p->depth > SP_JSON_DOC_MAX_DEPTH)
        return SP_ERR_AUDIT_FORMAT;
    long t = new_tok(p, object ? SP_JSON_OBJECT : SP_JSON_ARRAY);
    if (t < 0)
        return SP_ERR_OVERFLOW;
    p->pos++;
    int rc = parse_members(p, t, object);
    if (rc != 0)
        return rc;
    p->j->tok[t].end = (uint32_t)p->pos;
    p->j->tok[t].next = (uint32_t)p->j->ntok;
    p->depth--;
    if (object && has_duplicate(p->j, (size_t)t))
        return SP_ERR_AUDIT_FORMAT;
    return 0;
}

static int parse_value(struct parser *p)
{
    skip_ws(p);
    if (p->pos >= p->j->len)
        return SP_ERR_AUDIT_FORMAT;
    char c = p->j->text[p->pos];
    size_t first = p->j->ntok;
    int rc;
    long str = -1;
    if (c == '{' || c == '[')
        return parse_container(p, c == '{');
    if (c == '"')
        rc = parse_string(p, &str);
    else if (c == '-' || (c >= '0' && c <= '9'))
        rc = parse_number(p);
    else
        rc = parse_literal(p);
    if (rc == 0)
        p->j->tok[first].next = (uint32_t)p->j->ntok;
    return rc;
}

int sp_json_parse(struct sp_json_doc *j, const char *text, size_t len)
{
    if (!j || !text || !j->tok || len >= UINT32_MAX)
        return SP_ERR_INVALID_ARG;
    j->text = text;
    j->len = len;
    j->ntok = 0;
    struct parser p = {j, 0, 0};
    int rc = parse_value(&p);
    if (rc == 0) {
        skip_ws(&p);
        if (p.pos != len)
            rc = SP_ERR_AUDIT_FORMAT;
    }
    return rc;
}

static bool str_tok_equal(const struct sp_json_doc *a, size_t at, const struct sp_json_doc *b,
                          size_t bt)
{
    size_t i = a->tok[at].start, k = b->tok[bt].start;
    size_t ie = a->tok[at].end, ke = b->tok[bt].end;
    while (i < ie && k < ke)
        if (str_next(a->text, &i, ie) != str_next(b->text, &k, ke))
            return false;
    return i == ie && k == ke;
}

long sp_json_get(const struct sp_json_doc *j, size_t obj, const char *key)
{
    if (!j || obj >= j->ntok || j->tok[obj].type != SP_JSON_OBJECT)
        return -1;
    size_t klen = strlen(key);
    for (size_t k = obj + 1, m = 0; m < j->tok[obj].size; m++, k = j->tok[k + 1].next) {
        size_t i = j->tok[k].start, end = j->tok[k].end, n = 0;
        bool same = true;
        while (i < end && same) {
            long cp = str_next(j->text, &i, end);
            same = n < klen && cp == (unsigned char)key[n];
            n++;
        }
        if (same && n == klen)
            return (long)k + 1;
    }
    return -1;
}

int sp_json_string(const struct sp_json_doc *j, size_t t, char *out, size_t cap, size_t *len_out)
{
    if (!j || t >= j->ntok || j->tok[t].type != SP_JSON_STRING || !out || cap == 0)
        return SP_ERR_AUDIT_FORMAT;
    size_t i = j->tok[t].start, end = j->tok[t].end, n = 0;
    while (i < end) {
        uint8_t u[4]; /* the token was checked when parsed: no -1 here */
        size_t k = sp_utf8_put((uint32_t)str_next(j->text, &i, end), u);
        if (n + k >= cap)
            return SP_ERR_OVERFLOW;
        memcpy(out + n, u, k);
        n += k;
    }
    out[n] = '\0';
    if (len_out)
        *len_out = n;
    return 0;
}

int sp_json_u64(const struct sp_json_doc *j, size_t t, uint64_t *out)
{
    if (!j || t >= j->ntok || j->tok[t].type != SP_JSON_INT || j->text[j->tok[t].start] == '-')
        return SP_ERR_AUDIT_FORMAT;
    uint64_t v = 0;
    for (size_t i = j->tok[t].start; i < j->tok[t].end; i++) {
        uint64_t d = (uint64_t)(j->text[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return SP_ERR_AUDIT_FORMAT;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Appends ".key" (or "[i]") to path for the caller's report. */
static void path_push(char *path, size_t cap, const struct sp_json_doc *j, long key, size_t index)
{
    size_t n = strnlen(path, cap);
    if (n + 2 >= cap)
        return;
    if (key < 0) {
        snprintf(path + n, cap - n, "[%zu]", index);
        return;
    }
    if (n > 0)
        path[n++] = '.';
    path[n] = '\0';
    if (sp_json_string(j, (size_t)key, path + n, cap - n, NULL) != 0)
        path[n] = '\0';
}

static bool equal_at(const struct sp_json_doc *a, size_t ai, const struct sp_json_doc *b, size_t bi,
                     char *path, size_t cap);

/* The value of the member of object obj in j whose key equals key token
 * kt of document k (compared decoded, any length), or -1. */
static long member_like(const struct sp_json_doc *j, size_t obj, const struct sp_json_doc *k,
                        size_t kt)
{
    for (size_t m = obj + 1, i = 0; i < j->tok[obj].size; i++, m = j->tok[m + 1].next)
        if (str_tok_equal(j, m, k, kt))
            return (long)m + 1;
    return -1;
}

static bool object_equal(const struct sp_json_doc *a, size_t ai, const struct sp_json_doc *b,
                         size_t bi, char *path, size_t cap)
{
    for (size_t k = ai + 1, m = 0; m < a->tok[ai].size; m++, k = a->tok[k + 1].next) {
        long bv = member_like(b, bi, a, k);
        size_t n = strnlen(path, cap);
        path_push(path, cap, a, (long)k, 0);
        if (bv < 0 || !equal_at(a, k + 1, b, (size_t)bv, path, cap))
            return false;
        path[n] = '\0';
    }
    if (a->tok[ai].size == b->tok[bi].size)
        return true;
    /* b has a member a lacks: name it */
    for (size_t k = bi + 1, m = 0; m < b->tok[bi].size; m++, k = b->tok[k + 1].next) {
        if (member_like(a, ai, b, k) < 0) {
            path_push(path, cap, b, (long)k, 0);
            break;
        }
    }
    return false;
}

static bool equal_at(const struct sp_json_doc *a, size_t ai, const struct sp_json_doc *b, size_t bi,
                     char *path, size_t cap)
{
    const struct sp_json_tok *x = &a->tok[ai], *y = &b->tok[bi];
    if (x->type != y->type || (x->type != SP_JSON_OBJECT && x->size != y->size))
        return false;
    switch (x->type) {
    case SP_JSON_INT:
        return x->end - x->start == y->end - y->start &&
               memcmp(a->text + x->start, b->text + y->start, x->end - x->start) == 0;
    case SP_JSON_STRING:
        return str_tok_equal(a, ai, b, bi);
    case SP_JSON_ARRAY:
        for (size_t i = ai + 1, k = bi + 1, m = 0; m < x->size;
             m++, i = a->tok[i].next, k = b->tok[k].next) {
            size_t n = strnlen(path, cap);
            path_push(path, cap, a, -1, m);
            if (!equal_at(a, i, b, k, path, cap))
                return false;
            path[n] = '\0';
        }
        return true;
    case SP_JSON_OBJECT:
        return object_equal(a, ai, b, bi, path, cap);
    default:
        return true; /* true, false, null */
    }
}

bool sp_json_equal(const struct sp_json_doc *a, size_t ai, const struct sp_json_doc *b, size_t bi,
                   char *path, size_t path_cap)
{
    char scratch[1];
    if (!path || path_cap == 0) {
        path = scratch;
        path_cap = sizeof(scratch);
    }
    path[0] = '\0';
    return equal_at(a, ai, b, bi, path, path_cap);
}
