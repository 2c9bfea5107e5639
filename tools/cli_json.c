#include "tools/cli_json.h"

#include <inttypes.h>
#include <string.h>

#include "common/utf8.h"

void sp_json_init(struct sp_json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
}

static void write_string(struct sp_json *j, const char *value, size_t len)
{
    const unsigned char *s = (const unsigned char *)value;

    fputc('"', j->out);
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = sp_utf8_seq_len(s + i, len - i, NULL);
        if (c == '"' || c == '\\') {
            fputc('\\', j->out);
            fputc(c, j->out);
        } else if (c == '\n') {
            fputs("\\n", j->out);
        } else if (c == '\r') {
            fputs("\\r", j->out);
        } else if (c == '\t') {
            fputs("\\t", j->out);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(j->out, "\\u%04x", c);
        } else if (n == 0) {
            fputs("\\ufffd", j->out); /* not UTF-8: one replacement per byte */
            n = 1;
        } else {
            fwrite(s + i, 1, n, j->out);
        }
        i += n;
    }
    fputc('"', j->out);
}

/* Comma and key before a value; checks a key is given exactly in objects. */
static void prefix(struct sp_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        fputc(',', j->out);
    j->need_comma[j->depth] = true;
    if ((key != NULL) != j->in_object[j->depth])
        j->misuse = true;
    if (key != NULL) {
        write_string(j, key, strlen(key));
        fputc(':', j->out);
    }
}

static void open_container(struct sp_json *j, const char *key, bool object)
{
    prefix(j, key);
    fputc(object ? '{' : '[', j->out);
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
    fputc(object ? '}' : ']', j->out);
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
        fputs("null", j->out);
        return;
    }
    sp_json_strn(j, key, value, strlen(value));
}

void sp_json_uint(struct sp_json *j, const char *key, uint64_t value)
{
    prefix(j, key);
    fprintf(j->out, "%" PRIu64, value);
}

void sp_json_int(struct sp_json *j, const char *key, int64_t value)
{
    prefix(j, key);
    fprintf(j->out, "%" PRId64, value);
}

void sp_json_bool(struct sp_json *j, const char *key, bool value)
{
    prefix(j, key);
    fputs(value ? "true" : "false", j->out);
}

int sp_json_finish(struct sp_json *j)
{
    fputc('\n', j->out);
    if (fflush(j->out) != 0 || ferror(j->out))
        return SP_ERR_IO;
    return j->misuse || j->depth != 0 ? SP_ERR_STATE : 0;
}
