/*
 * Dutch phonetic code (see phonetic.h). Three passes per surname part:
 * letter groups to one representative, doubled letters collapsed, then the
 * patronymic endings -sen/-se folded onto -s.
 */
#include "input/phonetic.h"

#include <stdbool.h>

struct out {
    char *p;
    size_t len, cap;
    bool ok;
};

static void emit(struct out *o, char c)
{
    if (o->len + 1 >= o->cap) {
        o->ok = false;
        return;
    }
    o->p[o->len++] = c;
}

/* Reads one group at p[i] (n letters in the part) and emits its
 * representative. Returns the number of input letters consumed. */
static size_t code_group(const char *p, size_t i, size_t n, struct out *o)
{
    char c = p[i], n1 = i + 1 < n ? p[i + 1] : 0, n2 = i + 2 < n ? p[i + 2] : 0;

    if (c == 's' && n1 == 'c' && n2 == 'h' && i + 3 == n) { /* Bosch = Bos */
        emit(o, 's');
        return 3;
    }
    if ((c == 'c' && n1 == 'h') || (c == 'p' && n1 == 'h') || (c == 't' && n1 == 'h') ||
        (c == 'c' && n1 == 'k') || (c == 'd' && n1 == 't')) {
        emit(o, c == 'c' ? (n1 == 'h' ? 'g' : 'k') : c == 'p' ? 'f' : 't');
        return 2;
    }
    if (c == 'q' && n1 == 'u') { /* qu = kw = kv = kf */
        emit(o, 'k');
        emit(o, 'f');
        return 2;
    }
    if (c == 'e' && (n1 == 'i' || n1 == 'y')) {
        emit(o, 'i');
        return 2;
    }
    if (c == 'a' && n1 == 'e') {
        emit(o, 'a');
        emit(o, 'a');
        return 2;
    }
    if ((c == 'u' && (n1 == 'e' || n1 == 'u')) || (c == 'o' && n1 == 'e')) {
        emit(o, 'u');
        return 2;
    }
    switch (c) {
    case 'c':
    case 'q':
        emit(o, 'k');
        break;
    case 'x':
        emit(o, 'k');
        emit(o, 's');
        break;
    case 'd':
        emit(o, i + 1 == n ? 't' : 'd'); /* final devoicing: Smid = Smit */
        break;
    case 'y':
        emit(o, 'i');
        break;
    case 'z':
        emit(o, 's');
        break;
    case 'v':
    case 'w':
        emit(o, 'f');
        break;
    default:
        emit(o, c);
        break;
    }
    return 1;
}

/* Codes one part (no '-') and appends it to o. */
static void code_part(const char *p, size_t n, struct out *o)
{
    size_t start = o->len;

    for (size_t i = 0; i < n && o->ok;)
        i += code_group(p, i, n, o);
    /* doubled letters: Bakker = Baker, and what the groups made double */
    size_t w = start;
    for (size_t r = start; r < o->len; r++)
        if (w == start || o->p[w - 1] != o->p[r])
            o->p[w++] = o->p[r];
    o->len = w;
    size_t m = o->len - start;
    const char *e = o->p + o->len;
    if (m >= 5 && e[-3] == 's' && e[-2] == 'e' && e[-1] == 'n')
        o->len -= 2; /* Jansen = Jans */
    else if (m >= 4 && e[-2] == 's' && e[-1] == 'e')
        o->len -= 1; /* Janse = Jans */
}

size_t sp_phonetic(const char *in, size_t len, char *out, size_t cap)
{
    struct out o = {out, 0, cap, true};
    size_t start = 0;

    if (len == 0 || cap == 0)
        return 0;
    for (size_t i = 0; i <= len && o.ok; i++) {
        if (i < len && in[i] != '-')
            continue;
        if (i > start) {
            if (o.len > 0)
                emit(&o, '-');
            code_part(in + start, i - start, &o);
        }
        start = i + 1;
    }
    if (!o.ok || o.len == 0) {
        out[0] = '\0';
        return 0;
    }
    out[o.len] = '\0';
    return o.len;
}
