/* The report's shared helpers (see report.h): names, HTML escaping, holder
 * sets as text. */
#include "tools/report.h"

#include <string.h>

#include "audit/schema.h"
#include "common/keytype.h"

/* The project's names for entities and modes (common/keytype.h, audit/). */
const char *sp_report_entity_name(int entity)
{
    return entity <= SP_REPORT_ENTITY_MAX ? sp_entity_name(entity) : NULL;
}

const char *sp_report_mode_name(int mode)
{
    return sp_audit_mode_name(mode);
}

/* Length of the well-formed UTF-8 sequence at s (2..4), 0 when malformed;
 * s[0] >= 0x80. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (b >= 0xC2 && b <= 0xDF)
        n = 2;
    else if (b >= 0xE0 && b <= 0xEF)
        n = 3;
    else if (b >= 0xF0 && b <= 0xF4)
        n = 4;
    else
        return 0;
    if (b == 0xE0)
        lo = 0xA0;
    else if (b == 0xED)
        hi = 0x9F;
    else if (b == 0xF0)
        lo = 0x90;
    else if (b == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi) /* also stops at the NUL */
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

void sp_report_esc(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!s)
        return;
    while (*p) {
        unsigned char c = *p;
        size_t n;
        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            if (c < 0x80) {
                fputc(c < 0x20 && c != '\t' && c != '\n' ? ' ' : c == 0x7F ? ' ' : c, out);
            } else if ((n = utf8_len(p)) == 0) {
                fputs("\xEF\xBF\xBD", out);
            } else {
                fwrite(p, 1, n, out);
                p += n;
                continue;
            }
        }
        p++;
    }
}

void sp_report_holders(const struct sp_report *r, uint32_t mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned b = 0; b < 32 && n < cap; b++) {
        if (!(mask & (UINT32_C(1) << b)))
            continue;
        int w = b < r->nparticipants && r->participants[b].name[0]
                    ? snprintf(out + n, cap - n, "%s%s", n ? "+" : "", r->participants[b].name)
                    : snprintf(out + n, cap - n, "%s#%u", n ? "+" : "", b);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

unsigned sp_report_degree(uint32_t mask)
{
    unsigned d = 0;
    for (; mask; mask &= mask - 1)
        d++;
    return d;
}
