/* The report's shared helpers (see report.h): names, HTML escaping, holder
 * sets as text. */
#include "tools/report.h"

#include <string.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "common/utf8.h"

/* The project's names for entities and modes (common/keytype.h, audit/). */
const char *sp_report_entity_name(int entity)
{
    return entity <= SP_REPORT_ENTITY_MAX ? sp_entity_name(entity) : NULL;
}

const char *sp_report_mode_name(int mode)
{
    return sp_audit_mode_name(mode);
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
            } else if ((n = sp_utf8_seq_len(p, 4, NULL)) == 0) { /* reads no further than the NUL */
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
