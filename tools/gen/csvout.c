#include "csvout.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define CSV_BUFFER (1u << 20)

static void raw_field(struct sp_gen_csv *c, const char *s)
{
    if (!c->at_line_start)
        fputc(c->sep, c->f);
    c->at_line_start = false;
    bool quote = false;
    for (const char *p = s; *p; p++)
        if (*p == c->sep || *p == '"' || *p == '\r' || *p == '\n')
            quote = true;
    if (!quote) {
        fputs(s, c->f);
        return;
    }
    fputc('"', c->f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', c->f);
        fputc(*p, c->f);
    }
    fputc('"', c->f);
}

static void end_line(struct sp_gen_csv *c)
{
    fputs(c->crlf ? "\r\n" : "\n", c->f);
    c->at_line_start = true;
}

int sp_gen_csv_open(struct sp_gen_csv *c, const char *path, const struct sp_gen_csv_style *style,
                    const char *header)
{
    memset(c, 0, sizeof(*c));
    c->path = path;
    c->sep = style->sep;
    c->crlf = style->crlf;
    c->latin1 = style->latin1;
    c->at_line_start = true;
    c->f = fopen(path, "wb");
    if (!c->f)
        return -1;
    c->buf = malloc(CSV_BUFFER);
    if (c->buf)
        setvbuf(c->f, c->buf, _IOFBF, CSV_BUFFER);
    if (style->bom)
        fputs("\xef\xbb\xbf", c->f);
    char name[64];
    const char *p = header;
    while (*p) {
        size_t n = strcspn(p, ",");
        snprintf(name, sizeof(name), "%.*s", (int)n, p);
        raw_field(c, name);
        p += n + (p[n] == ',');
    }
    end_line(c);
    return 0;
}

void sp_gen_csv_field(struct sp_gen_csv *c, const char *s)
{
    if (!c->latin1) {
        raw_field(c, s);
        return;
    }
    char buf[512];
    sp_gen_to_latin1(s, buf, sizeof(buf));
    raw_field(c, buf);
}

void sp_gen_csv_fieldf(struct sp_gen_csv *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sp_gen_csv_field(c, buf);
}

void sp_gen_csv_end(struct sp_gen_csv *c)
{
    end_line(c);
    c->rows++;
}

int sp_gen_csv_close(struct sp_gen_csv *c)
{
    if (!c->f)
        return 0;
    int failed = ferror(c->f);
    int saved = errno;
    if (fclose(c->f) != 0) {
        failed = 1;
        saved = errno;
    }
    c->f = NULL;
    free(c->buf);
    c->buf = NULL;
    if (failed) {
        errno = saved ? saved : EIO;
        return -1;
    }
    return 0;
}
