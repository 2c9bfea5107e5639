#include "text.h"

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

unsigned sp_gen_utf8_next(const char **s)
{
    const uint8_t *p = (const uint8_t *)*s;
    uint32_t cp = 0;
    size_t len = sp_utf8_seq_len(p, 4, &cp); /* reads no further than the NUL */
    if (len == 0)
        cp = p[0], len = 1;
    *s += len;
    return cp;
}

static void put_utf8(unsigned cp, char *out, size_t cap, size_t *n)
{
    uint8_t b[4];
    size_t len = sp_utf8_put(cp, b);
    if (*n + len < cap) {
        memcpy(out + *n, b, len);
        *n += len;
    }
}

static void put_byte(char c, char *out, size_t cap, size_t *n)
{
    if (*n + 1 < cap)
        out[(*n)++] = c;
}

void sp_gen_append(char *out, size_t cap, const char *s)
{
    size_t n = strnlen(out, cap);
    while (*s)
        put_byte(*s++, out, cap, &n);
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
}

/* ASCII stand-in for a Latin letter with a diacritic; 0 when none is known. */
static char fold_char(unsigned cp)
{
    /* U+00C0..U+00FF; '*' marks a code point without a letter fold. */
    static const char latin1[] = "AAAAAAACEEEEIIIIDNOOOOO*OUUUUYTs"
                                 "aaaaaaaceeeeiiiidnooooo*ouuuuyty";
    static const struct {
        unsigned cp;
        char c;
    } ext[] = {
        {0x104, 'A'}, {0x105, 'a'}, {0x106, 'C'}, {0x107, 'c'}, {0x118, 'E'}, {0x119, 'e'},
        {0x11e, 'G'}, {0x11f, 'g'}, {0x130, 'I'}, {0x131, 'i'}, {0x141, 'L'}, {0x142, 'l'},
        {0x143, 'N'}, {0x144, 'n'}, {0x15a, 'S'}, {0x15b, 's'}, {0x15e, 'S'}, {0x15f, 's'},
        {0x179, 'Z'}, {0x17a, 'z'}, {0x17b, 'Z'}, {0x17c, 'z'},
    };
    if (cp >= 0xc0 && cp <= 0xff)
        return latin1[cp - 0xc0] == '*' ? 0 : latin1[cp - 0xc0];
    for (size_t k = 0; k < sizeof(ext) / sizeof(ext[0]); k++)
        if (ext[k].cp == cp)
            return ext[k].c;
    return 0;
}

void sp_gen_fold_ascii(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    while (*in) {
        unsigned cp = sp_gen_utf8_next(&in);
        char c = cp < 0x80 ? (char)cp : fold_char(cp);
        if (cp == 0xdf) {
            put_byte('s', out, cap, &n); /* ß -> ss */
            c = 's';
        }
        put_byte(c ? c : '?', out, cap, &n);
    }
    out[n] = '\0';
}

void sp_gen_to_latin1(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    while (*in) {
        unsigned cp = sp_gen_utf8_next(&in);
        char c = cp <= 0xff ? (char)cp : fold_char(cp);
        put_byte(c ? c : '?', out, cap, &n);
    }
    out[n] = '\0';
}

void sp_gen_upper_ascii(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in; in++)
        put_byte(*in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in, out, cap, &n);
    out[n] = '\0';
}

void sp_gen_initials(const char *const *given, unsigned count, char *out, size_t cap)
{
    size_t n = 0;
    for (unsigned k = 0; k < count; k++) {
        const char *s = given[k];
        if (s[0] == 'I' && s[1] == 'J') {
            put_byte('I', out, cap, &n);
            put_byte('J', out, cap, &n);
        } else {
            unsigned cp = sp_gen_utf8_next(&s);
            put_utf8(cp, out, cap, &n);
        }
        put_byte('.', out, cap, &n);
    }
    out[n] = '\0';
}

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Positions (after the first byte) where both this byte and the next are
 * ASCII letters: safe places for an edit that keeps the UTF-8 valid. */
static size_t typo_positions(const char *s, size_t len, size_t *pos, size_t max)
{
    size_t n = 0;
    for (size_t k = 1; k + 1 < len && n < max; k++)
        if (is_letter(s[k]) && is_letter(s[k + 1]))
            pos[n++] = k;
    return n;
}

void sp_gen_typo(struct sp_gen_rng *r, const char *in, char *out, size_t cap)
{
    size_t len = strlen(in);
    size_t pos[64];
    size_t npos = typo_positions(in, len, pos, 64);
    size_t n = 0;
    size_t at = npos ? pos[sp_gen_below(r, npos)] : len;
    unsigned op = (unsigned)sp_gen_below(r, 4);
    for (size_t k = 0; k < len; k++) {
        if (k != at) {
            put_byte(in[k], out, cap, &n);
            continue;
        }
        if (op == 0) /* drop */
            continue;
        if (op == 1) { /* double */
            put_byte(in[k], out, cap, &n);
            put_byte(in[k], out, cap, &n);
        } else if (op == 2 && in[k] != in[k + 1]) { /* swap with the next letter */
            put_byte(in[k + 1], out, cap, &n);
            put_byte(in[k], out, cap, &n);
            k++;
        } else if (op == 3) { /* replace by a different letter */
            char c = (char)('a' + sp_gen_below(r, 25));
            put_byte(c >= (char)(in[k] | 0x20) ? (char)(c + 1) : c, out, cap, &n);
        } /* else: a swap of two equal letters becomes a drop */
    }
    out[n] = '\0';
}
