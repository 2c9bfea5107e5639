#include "common/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "common/utf8.h"

void sp_json_init_buf(struct sp_json *j, char *buf, size_t cap)
{
    memset(j, 0, sizeof(*j));
    j->buf = buf;
    j->cap = cap;
    j->failed = cap == 0;
}

void sp_json_init_sink(struct sp_json *j, sp_json_sink_fn sink, void *ctx)
{
    memset(j, 0, sizeof(*j));
    j->sink = sink;
    j->ctx = ctx;
}

static void put(struct sp_json *j, const char *s, size_t n)
{
    if (j->failed)
        return;
    if (j->sink) {
        j->failed = !j->sink(j->ctx, s, n);
        return;
    }
    if (n >= j->cap - j->len) { /* the NUL needs room too */
        j->failed = true;
        return;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
}

static void write_string(struct sp_json *j, const char *value, size_t len)
{
    const uint8_t *s = (const uint8_t *)value;
    put(j, "\"", 1);
    for (size_t i = 0, run = 0; i < len; run = i) {
        /* copy the longest run that needs no escaping at once */
        size_t n = 0;
        while (i < len && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] != 0x7F &&
               (n = sp_utf8_seq_len(s + i, len - i, NULL)) != 0)
            i += n;
        if (i > run)
            put(j, (const char *)s + run, i - run);
        if (i == len)
            break;
        uint8_t c = s[i++];
        char esc[8];
        if (c == '"' || c == '\\')
            put(j, c == '"' ? "\\\"" : "\\\\", 2);
        else if (c == '\n' || c == '\r' || c == '\t')
            put(j, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", 2);
        else if (c < 0x20 || c == 0x7F)
            put(j, esc, (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c));
        else
            put(j, "\\ufffd", 6); /* not UTF-8: one replacement per byte */
    }
    put(j, "\"", 1);
}

/* Comma and key before a value; checks a key is given exactly in objects. */
static void prefix(struct sp_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        put(j, ",", 1);
    j->need_comma[j->depth] = true;
    if ((key != NULL) != j->in_object[j->depth])
        j->misuse = true;
    if (key != NULL) {
        write_string(j, key, strlen(key));
        put(j, ":", 1);
    }
}

static void open_container(struct sp_json *j, const char *key, bool object)
{
    prefix(j, key);
    put(j, object ? "{" : "[", 1);
    if (j->depth >= SP_JSON_MAX_DEPTH) {
        j->misuse = true;
        return;
    }
    j->depth++;
    j->need_comma[j->depth] = false;
    j->in_object[j->depth] = object;
}

static void close_container(struct sp_json *j, bool object)
{
    if (j->depth == 0 || j->in_object[j->depth] != object)
        j->misuse = true;
    else
        j->depth--;
    put(j, object ? "}" : "]", 1);
}

void sp_json_obj_open(struct sp_json *j, const char *key)
{
    open_container(j, key, true);
}

void sp_json_obj_close(struct sp_json *j)
{
    close_container(j, true);
}

void sp_json_arr_open(struct sp_json *j, const char *key)
{
    open_container(j, key, false);
}

void sp_json_arr_close(struct sp_json *j)
{
    close_container(j, false);
}

void sp_json_strn(struct sp_json *j, const char *key, const char *value, size_t len)
{
    prefix(j, key);
    write_string(j, value, len);
}

void sp_json_str(struct sp_json *j, const char *key, const char *value)
{
    if (value == NULL) {
        prefix(j, key);
        put(j, "null", 4);
        return;
    }
    sp_json_strn(j, key, value, strlen(value));
}

void sp_json_uint(struct sp_json *j, const char *key, uint64_t value)
{
    char num[24];
    prefix(j, key);
    put(j, num, (size_t)snprintf(num, sizeof(num), "%" PRIu64, value));
}

void sp_json_int(struct sp_json *j, const char *key, int64_t value)
{
    char num[24];
    prefix(j, key);
    put(j, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, value));
}

void sp_json_bool(struct sp_json *j, const char *key, bool value)
{
    prefix(j, key);
    put(j, value ? "true" : "false", value ? 4 : 5);
}

void sp_json_hex(struct sp_json *j, const char *key, const uint8_t *b, size_t n)
{
    char h[2 * 32 + 1];
    prefix(j, key);
    put(j, "\"", 1);
    for (size_t i = 0; i < n; i += 32) {
        size_t k = n - i < 32 ? n - i : 32;
        sp_hex_encode(h, b + i, k);
        put(j, h, 2 * k);
    }
    put(j, "\"", 1);
}

int sp_json_end(struct sp_json *j, size_t *len_out)
{
    if (j->failed)
        return j->sink ? SP_ERR_IO : SP_ERR_OVERFLOW;
    if (!j->sink) {
        j->buf[j->len] = '\0';
        if (len_out)
            *len_out = j->len;
    }
    return j->misuse || j->depth != 0 ? SP_ERR_STATE : 0;
}
