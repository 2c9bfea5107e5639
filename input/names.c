/*
 * Person names (see names.h). A field is folded (fold.c), cut into word
 * tokens that remember the punctuation around them, and then read as
 * initials / given names / voorvoegsel / core by position, comma and the
 * voorvoegsel table (longest match).
 */
#include "input/names.h"

#include <string.h>

#include "input/derive.h"

#define MAX_TOKENS 48

/* Token flags: what stood before or after the word in the source. */
#define TK_PERIOD 0x01 /* followed by '.' ("J.") */
#define TK_HYPHEN 0x02 /* preceded by '-' (double surname, "Jan-Willem") */
#define TK_SOFT   0x04 /* starts at an upper-case letter inside a word ("Vander|Meer") */
#define TK_UPPER  0x08 /* every letter was upper case in the source */

struct tok {
    uint8_t off, len, flags;
};

struct toks {
    const char *s;
    size_t n;
    int comma; /* index of the first token after the first comma, -1 if none */
    struct tok t[MAX_TOKENS];
};

/* ---- the voorvoegsel table ------------------------------------------------
 * canon is how the BRP writes the prefix; match is the token sequence that
 * spells it after folding (apostrophes and periods separate tokens and are
 * not part of them, so "'t", "t" and "’t" all read as "t"). FOREIGN marks
 * particles that other naming cultures keep in the surname ("El Amrani",
 * "Da Silva"): such names get a second core reading with the particle.
 * The list holds dutch-identifiers.md's prefixes, the BRP's table (Tabel 36)
 * as far as it occurs in practice, and common export abbreviations. It is
 * sorted by match: lookups binary-search the entries of a first letter. */
#define VV_FOREIGN 0x01

struct voorvoegsel {
    const char *canon;
    const char *match;
    uint8_t flags;
};

static const struct voorvoegsel vv_table[] = {
    {"'a", "a", 0},
    {"aan", "aan", 0},
    {"aan de", "aan de", 0},
    {"aan den", "aan den", 0},
    {"aan der", "aan der", 0},
    {"aan het", "aan het", 0},
    {"aan 't", "aan t", 0},
    {"abou", "abou", VV_FOREIGN},
    {"abu", "abu", VV_FOREIGN},
    {"af", "af", 0},
    {"ait", "ait", VV_FOREIGN},
    {"al", "al", VV_FOREIGN},
    {"am", "am", 0},
    {"am de", "am de", 0},
    {"auf", "auf", 0},
    {"auf dem", "auf dem", 0},
    {"auf den", "auf den", 0},
    {"auf der", "auf der", 0},
    {"auf ter", "auf ter", 0},
    {"aus", "aus", 0},
    {"aus dem", "aus dem", 0},
    {"aus den", "aus den", 0},
    {"aus der", "aus der", 0},
    {"aus 'm", "aus m", 0},
    {"ben", "ben", VV_FOREIGN},
    {"bij", "bij", 0},
    {"bij de", "bij de", 0},
    {"bij den", "bij den", 0},
    {"bij het", "bij het", 0},
    {"bij 't", "bij t", 0},
    {"bin", "bin", VV_FOREIGN},
    {"boven d'", "boven d", 0},
    {"d'", "d", VV_FOREIGN},
    {"da", "da", VV_FOREIGN},
    {"dal", "dal", VV_FOREIGN},
    {"dalla", "dalla", VV_FOREIGN},
    {"das", "das", VV_FOREIGN},
    {"de", "de", 0},
    {"de die", "de die", 0},
    {"de die le", "de die le", 0},
    {"de l'", "de l", VV_FOREIGN},
    {"de la", "de la", VV_FOREIGN},
    {"de las", "de las", VV_FOREIGN},
    {"de le", "de le", VV_FOREIGN},
    {"de los", "de los", VV_FOREIGN},
    {"de van der", "de van der", 0},
    {"deca", "deca", VV_FOREIGN},
    {"degli", "degli", VV_FOREIGN},
    {"dei", "dei", VV_FOREIGN},
    {"del", "del", VV_FOREIGN},
    {"della", "della", VV_FOREIGN},
    {"den", "den", 0},
    {"der", "der", 0},
    {"des", "des", 0},
    {"di", "di", VV_FOREIGN},
    {"die", "die", 0},
    {"do", "do", VV_FOREIGN},
    {"don", "don", VV_FOREIGN},
    {"dos", "dos", VV_FOREIGN},
    {"du", "du", VV_FOREIGN},
    {"el", "el", VV_FOREIGN},
    {"het", "het", 0},
    {"ibn", "ibn", VV_FOREIGN},
    {"im", "im", 0},
    {"in", "in", 0},
    {"in de", "in de", 0},
    {"in den", "in den", 0},
    {"in der", "in der", 0},
    {"in het", "in het", 0},
    {"in 't", "in t", 0},
    {"l'", "l", VV_FOREIGN},
    {"la", "la", VV_FOREIGN},
    {"las", "las", VV_FOREIGN},
    {"le", "le", VV_FOREIGN},
    {"les", "les", VV_FOREIGN},
    {"lo", "lo", VV_FOREIGN},
    {"los", "los", VV_FOREIGN},
    {"onder", "onder", 0},
    {"onder de", "onder de", 0},
    {"onder den", "onder den", 0},
    {"onder het", "onder het", 0},
    {"onder 't", "onder t", 0},
    {"op", "op", 0},
    {"op de", "op de", 0},
    {"op den", "op den", 0},
    {"op der", "op der", 0},
    {"op gen", "op gen", 0},
    {"op het", "op het", 0},
    {"op 't", "op t", 0},
    {"op ten", "op ten", 0},
    {"over", "over", 0},
    {"over de", "over de", 0},
    {"over den", "over den", 0},
    {"over het", "over het", 0},
    {"over 't", "over t", 0},
    {"'s", "s", 0},
    {"'t", "t", 0},
    {"te", "te", 0},
    {"ten", "ten", 0},
    {"ter", "ter", 0},
    {"tho", "tho", 0},
    {"thoe", "thoe", 0},
    {"thor", "thor", 0},
    {"to", "to", 0},
    {"toe", "toe", 0},
    {"tot", "tot", 0},
    {"tot de", "tot de", 0},
    {"uijt", "uijt", 0},
    {"uijt de", "uijt de", 0},
    {"uijt den", "uijt den", 0},
    {"uijt 't", "uijt t", 0},
    {"uijt te de", "uijt te de", 0},
    {"uijt ten", "uijt ten", 0},
    {"uit", "uit", 0},
    {"uit de", "uit de", 0},
    {"uit den", "uit den", 0},
    {"uit het", "uit het", 0},
    {"uit 't", "uit t", 0},
    {"uit te de", "uit te de", 0},
    {"uit ten", "uit ten", 0},
    {"unter", "unter", 0},
    {"v.d.", "v d", 0},
    {"v.d.", "v de", 0},
    {"v.d.", "v den", 0},
    {"v.d.", "v der", 0},
    {"v.d.", "v dr", 0},
    {"van", "van", 0},
    {"van de", "van de", 0},
    {"van de l'", "van de l", 0},
    {"van den", "van den", 0},
    {"van der", "van der", 0},
    {"van gen", "van gen", 0},
    {"van het", "van het", 0},
    {"van la", "van la", 0},
    {"van 't", "van t", 0},
    {"van ten", "van ten", 0},
    {"van ter", "van ter", 0},
    {"van van de", "van van de", 0},
    {"v.d.", "vd", 0},
    {"v.d.", "vdr", 0},
    {"ver", "ver", 0},
    {"vom", "vom", 0},
    {"von", "von", 0},
    {"von dem", "von dem", 0},
    {"von den", "von den", 0},
    {"von der", "von der", 0},
    {"von 't", "von t", 0},
    {"voor", "voor", 0},
    {"voor de", "voor de", 0},
    {"voor den", "voor den", 0},
    {"voor in 't", "voor in t", 0},
    {"voor 't", "voor t", 0},
    {"vor", "vor", 0},
    {"vor der", "vor der", 0},
    {"zu", "zu", 0},
    {"zum", "zum", 0},
    {"zur", "zur", 0},
};
#define VV_COUNT (sizeof(vv_table) / sizeof(vv_table[0]))

size_t sp_voorvoegsel_count(void)
{
    return VV_COUNT;
}

const char *sp_voorvoegsel_at(size_t i)
{
    return i < VV_COUNT ? vv_table[i].canon : NULL;
}

/* Titles dropped from given names and one-column names (with or without a
 * period), post-nominals at the end of a one-column name. Predicates of
 * nobility are left alone: "Graaf", "Baron" and "Ridder" are also surnames. */
static const char *const titles[] = {
    "bc",   "dhr",     "dr", "drs", "ds",   "hr", "ing", "ir",  "jhr", "jkvr", "jr",  "mej",
    "mevr", "mevrouw", "mr", "mw",  "prof", "sr", "bsc", "msc", "mba", "llm",  "phd",
};

static bool tok_is(const struct toks *tk, size_t i, const char *word)
{
    size_t n = strlen(word);
    return tk->t[i].len == n && memcmp(tk->s + tk->t[i].off, word, n) == 0;
}

static bool is_title(const struct toks *tk, size_t i)
{
    for (size_t k = 0; k < sizeof(titles) / sizeof(titles[0]); k++)
        if (tok_is(tk, i, titles[k]))
            return true;
    return false;
}

/* ---- tokens ---------------------------------------------------------------- */

static bool is_word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Cuts the folded text into word tokens. A word is also cut where a
 * lower-case letter is followed by an upper-case one (camel case). */
static void tokenize(const struct sp_folded *f, struct toks *tk)
{
    uint8_t pending = 0;
    size_t i = 0;

    tk->s = f->s;
    tk->n = 0;
    tk->comma = -1;
    while (i < f->len && tk->n < MAX_TOKENS) {
        char c = f->s[i];
        if (!is_word_byte(c)) {
            if (c == '-')
                pending |= TK_HYPHEN;
            else if (c == ',' && tk->comma < 0)
                tk->comma = (int)tk->n;
            else if (c == '.' && tk->n > 0 && i > 0 && is_word_byte(f->s[i - 1]))
                tk->t[tk->n - 1].flags |= TK_PERIOD;
            i++;
            continue;
        }
        size_t start = i, upper = 0;
        while (i < f->len && is_word_byte(f->s[i]) && i - start < 255) {
            if (i > start && f->upper[i] && !f->upper[i - 1] && f->s[i - 1] >= 'a')
                break; /* camel case: a new word starts here */
            upper += f->upper[i];
            i++;
        }
        struct tok *t = &tk->t[tk->n++];
        t->off = (uint8_t)start;
        t->len = (uint8_t)(i - start);
        t->flags = pending;
        if (upper == i - start && t->len > 0 && f->upper[start])
            t->flags |= TK_UPPER;
        if (start > 0 && is_word_byte(f->s[start - 1]))
            t->flags |= TK_SOFT;
        pending = 0;
    }
    if (tk->comma >= (int)tk->n)
        tk->comma = -1; /* a trailing comma separates nothing */
}

/* ---- voorvoegsel matching -------------------------------------------------- */

/* Number of tokens from i that spell the entry's match words, or 0. A
 * camel-case word such as "Vander" in "VanderMeer" also matches the
 * multi-word entry "van der" when it spells it without spaces. */
static size_t vv_match_at(const struct toks *tk, size_t i, size_t end, const struct voorvoegsel *v)
{
    const char *m = v->match;
    size_t k = i;

    /* "'t", "'s", "d'", "l'", "'a" are never written with a period: "T." and
     * "S." are initials */
    if (m[1] == '\0' && (tk->t[i].flags & TK_PERIOD))
        return 0;

    while (*m != '\0') {
        size_t wl = 0;
        while (m[wl] != '\0' && m[wl] != ' ')
            wl++;
        if (k >= end || tk->t[k].len != wl || memcmp(tk->s + tk->t[k].off, m, wl) != 0)
            break;
        k++;
        m += wl;
        if (*m == ' ')
            m++;
    }
    if (*m == '\0')
        return k - i;
    /* joined spelling, only where the source marked the word end by case */
    if (i + 1 >= end || !(tk->t[i + 1].flags & TK_SOFT) || strchr(v->match, ' ') == NULL)
        return 0;
    const char *w = tk->s + tk->t[i].off;
    size_t wl = tk->t[i].len, p = 0;
    for (m = v->match; *m != '\0'; m++) {
        if (*m == ' ')
            continue;
        if (p >= wl || w[p] != *m)
            return 0;
        p++;
    }
    return p == wl ? 1 : 0;
}

/* First entry whose match starts with a letter >= c. */
static size_t vv_lower_bound(char c)
{
    size_t lo = 0, hi = VV_COUNT;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vv_table[mid].match[0] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Longest voorvoegsel starting at token i (within [i, end)). Returns the
 * number of tokens and sets *entry, or 0. */
static size_t vv_longest(const struct toks *tk, size_t i, size_t end,
                         const struct voorvoegsel **entry)
{
    size_t best = 0;

    if (i >= end)
        return 0;
    char first = tk->s[tk->t[i].off];
    for (size_t e = vv_lower_bound(first); e < VV_COUNT && vv_table[e].match[0] == first; e++) {
        size_t n = vv_match_at(tk, i, end, &vv_table[e]);
        if (n > best) {
            best = n;
            *entry = &vv_table[e];
        }
    }
    return best;
}

/* Longest voorvoegsel that ends exactly at end (for "Meer van der"). */
static size_t vv_longest_ending(const struct toks *tk, size_t from, size_t end,
                                const struct voorvoegsel **entry)
{
    for (size_t i = from; i < end; i++) {
        const struct voorvoegsel *e = NULL;
        size_t n = vv_longest(tk, i, end, &e);
        if (n > 0 && i + n == end) {
            *entry = e;
            return n;
        }
    }
    return 0;
}

bool sp_voorvoegsel_lookup(const char *text, size_t len, char out[SP_NAME_PREFIX_MAX + 1])
{
    struct sp_folded f;
    struct toks tk;
    const struct voorvoegsel *e = NULL;

    out[0] = '\0';
    sp_fold(text, len, &f);
    tokenize(&f, &tk);
    if (tk.n == 0 || vv_longest(&tk, 0, tk.n, &e) != tk.n)
        return false;
    size_t n = strlen(e->canon);
    memcpy(out, e->canon, n + 1);
    return true;
}

/* ---- building the core ------------------------------------------------------- */

/* Appends the letters of token i (digits dropped, ij -> y) to buf. Returns
 * false when buf (capacity cap, NUL excluded) would overflow. */
static bool append_letters(const struct toks *tk, size_t i, char *buf, uint8_t *len, size_t cap)
{
    const char *w = tk->s + tk->t[i].off;
    size_t n = tk->t[i].len, l = *len;

    for (size_t k = 0; k < n; k++) {
        char c = w[k];
        if (c < 'a' || c > 'z')
            continue;
        if (c == 'i' && k + 1 < n && w[k + 1] == 'j') {
            c = 'y';
            k++;
        }
        if (l >= cap)
            return false;
        buf[l++] = c;
    }
    *len = (uint8_t)l;
    buf[l] = '\0';
    return true;
}

static bool append_char(char *buf, uint8_t *len, size_t cap, char c)
{
    if (*len >= cap)
        return false;
    buf[(*len)++] = c;
    buf[*len] = '\0';
    return true;
}

/* One part of a surname: tokens [core_from, core_to) hold its core;
 * particle tokens [pre_from, pre_to) precede it (may be empty). */
struct part_span {
    size_t pre_from, pre_to, core_from, core_to;
    const struct voorvoegsel *vv;
    bool inner; /* the particle stood inside a core-only field */
};

/* Reads one hyphen-free run of tokens as [prefix] core or core [prefix]. */
static void read_part(const struct toks *tk, size_t from, size_t to, bool core_form,
                      struct part_span *p)
{
    const struct voorvoegsel *e = NULL;
    size_t n = vv_longest(tk, from, to, &e);

    *p = (struct part_span){from, from, from, to, NULL, false};
    if (n >= 2 && from + n == to) { /* "van der" and nothing else: no core */
        p->core_from = to;
        return;
    }
    if (n > 0 && from + n < to) {
        p->pre_to = from + n;
        p->core_from = from + n;
        p->vv = e;
        p->inner = core_form;
        return;
    }
    if (core_form)
        return;
    n = vv_longest_ending(tk, from + 1, to, &e);
    if (n > 0) {
        p->pre_from = to - n;
        p->pre_to = to;
        p->core_to = to - n;
        p->vv = e;
    }
}

/* First position in (from, to) where a voorvoegsel starts that leaves at least
 * one token after it and one core token before it (after a leading
 * voorvoegsel): "Jansen de Vries" is read as two parts, "van der Meer" not. */
static size_t middle_split(const struct toks *tk, size_t from, size_t to)
{
    const struct voorvoegsel *e = NULL;
    size_t lead = vv_longest(tk, from, to, &e);

    for (size_t i = from + lead + 1; i + 1 < to; i++) {
        size_t n = vv_longest(tk, i, to, &e);
        if (n > 0 && i + n < to)
            return i;
    }
    return 0;
}

/* Splits the surname tokens [from, to) into parts at hyphens (and at a
 * voorvoegsel in the middle). Returns the number of parts. */
static size_t split_parts(const struct toks *tk, size_t from, size_t to, bool core_form,
                          struct part_span parts[SP_NAME_PARTS_MAX])
{
    size_t np = 0, start = from;

    for (size_t i = from; i <= to && np < SP_NAME_PARTS_MAX; i++) {
        bool cut =
            i == to || (i > start && (tk->t[i].flags & TK_HYPHEN) && np + 1 < SP_NAME_PARTS_MAX);
        if (!cut)
            continue;
        size_t mid = np + 1 < SP_NAME_PARTS_MAX ? middle_split(tk, start, i) : 0;
        if (mid != 0) {
            read_part(tk, start, mid, core_form, &parts[np++]);
            start = mid;
        }
        read_part(tk, start, i, core_form, &parts[np++]);
        start = i;
    }
    return np;
}

static void set_prefix(struct sp_surname *out, const char *canon)
{
    size_t n = strlen(canon);
    if (n > SP_NAME_PREFIX_MAX)
        n = SP_NAME_PREFIX_MAX;
    memcpy(out->prefix, canon, n);
    out->prefix[n] = '\0';
    out->prefix_len = (uint8_t)n;
}

/* Writes core (and alt) from the parts. Returns 0 or a reject reason. */
static int build_core(const struct toks *tk, const struct part_span *parts, size_t np,
                      bool alt_particle, const struct toks *ptk, struct sp_surname *out)
{
    out->core_len = out->alt_len = 0;
    out->nparts = 0;
    out->core[0] = out->alt[0] = '\0';
    for (size_t p = 0; p < np; p++) {
        if (parts[p].core_to <= parts[p].core_from)
            continue;
        if (out->core_len > 0 && !append_char(out->core, &out->core_len, SP_NAME_CORE_MAX, '-'))
            return SP_REJECT_LENGTH;
        uint8_t off = out->core_len;
        for (size_t i = parts[p].core_from; i < parts[p].core_to; i++)
            if (!append_letters(tk, i, out->core, &out->core_len, SP_NAME_CORE_MAX))
                return SP_REJECT_LENGTH;
        if (out->core_len == off) { /* a part without letters */
            if (off > 0)
                out->core[--out->core_len] = '\0';
            continue;
        }
        out->part[out->nparts].off = off;
        out->part[out->nparts].len = (uint8_t)(out->core_len - off);
        out->nparts++;
    }
    if (out->core_len == 0)
        return SP_REJECT_FORMAT;
    if (!alt_particle)
        return 0;
    /* the particle kept in the core: from the prefix column, or the first part */
    const struct toks *src = ptk != NULL ? ptk : tk;
    size_t from = ptk != NULL ? 0 : parts[0].pre_from, to = ptk != NULL ? ptk->n : parts[0].pre_to;
    for (size_t i = from; i < to; i++)
        if (!append_letters(src, i, out->alt, &out->alt_len, SP_NAME_CORE_MAX))
            return SP_REJECT_LENGTH;
    if (out->alt_len == 0 || out->alt_len + out->core_len > SP_NAME_CORE_MAX) {
        out->alt_len = 0;
        out->alt[0] = '\0';
        return 0;
    }
    memcpy(out->alt + out->alt_len, out->core, (size_t)out->core_len + 1);
    out->alt_len = (uint8_t)(out->alt_len + out->core_len);
    return 0;
}

/* ---- given names --------------------------------------------------------- */

/* Fills *g from the given-name tokens [from, to), skipping titles. */
static void read_given(const struct toks *tk, size_t from, size_t to, struct sp_given *g)
{
    g->initial = 0;
    g->first_len = 0;
    g->first[0] = '\0';
    for (size_t i = from; i < to; i++) {
        if (is_title(tk, i))
            continue;
        const char *w = tk->s + tk->t[i].off;
        if (w[0] < 'a' || w[0] > 'z')
            continue;
        g->initial = (w[0] == 'i' && tk->t[i].len > 1 && w[1] == 'j') ? 'y' : w[0];
        /* a full name, not an initial ("J.", "J", "JK") */
        bool initials = (tk->t[i].flags & TK_PERIOD) || tk->t[i].len == 1 ||
                        ((tk->t[i].flags & TK_UPPER) && tk->t[i].len <= 2);
        if (!initials && !append_letters(tk, i, g->first, &g->first_len, SP_NAME_GIVEN_MAX)) {
            g->first_len = 0;
            g->first[0] = '\0';
        }
        if (initials && tk->t[i].len == 2 && w[0] == 'i' && w[1] == 'j')
            g->first_len = 0; /* "IJ." is the initial Y */
        return;
    }
}

int sp_given_parse(const struct sp_folded *field, struct sp_given *out)
{
    struct toks tk;

    tokenize(field, &tk);
    read_given(&tk, 0, tk.n, out);
    return out->initial != 0 ? 0 : SP_REJECT_FORMAT;
}

/* ---- whole fields ------------------------------------------------------------ */

/* Skips leading titles ("dr.", "de heer") from i; returns the new start. */
static size_t skip_titles(const struct toks *tk, size_t i, size_t end)
{
    while (i < end) {
        if (is_title(tk, i)) {
            i++;
        } else if (i + 1 < end && tok_is(tk, i, "de") && tok_is(tk, i + 1, "heer")) {
            i += 2;
        } else {
            break;
        }
    }
    return i;
}

/* Leading initials ("J.K.", but not a voorvoegsel such as "v.d."). */
static size_t skip_initials(const struct toks *tk, size_t i, size_t end)
{
    while (i + 1 < end && (tk->t[i].flags & TK_PERIOD) && tk->t[i].len <= 2) {
        const struct voorvoegsel *e = NULL;
        size_t n = vv_longest(tk, i, end, &e);
        if (n > 0 && i + n < end)
            break;
        i++;
    }
    return i;
}

/* The comma form "Core[, given names][ prefix]": tokens before the comma are
 * the surname, after it given names and a trailing voorvoegsel. */
static int parse_comma_form(const struct toks *tk, struct sp_surname *out, struct sp_given *given)
{
    struct part_span parts[SP_NAME_PARTS_MAX];
    size_t c = (size_t)tk->comma, end = tk->n;
    size_t np = split_parts(tk, 0, c, false, parts);
    const struct voorvoegsel *e = NULL;

    size_t all = vv_longest(tk, c, end, &e);
    size_t n = all == end - c ? all : vv_longest_ending(tk, c + 1, end, &e);
    if (n > 0 && np > 0 && parts[0].vv == NULL) {
        parts[0].pre_from = end - n;
        parts[0].pre_to = end;
        parts[0].vv = e;
    }
    if (given != NULL)
        read_given(tk, c, end - n, given);
    if (np == 0)
        return SP_REJECT_FORMAT;
    if (parts[0].vv != NULL)
        set_prefix(out, parts[0].vv->canon);
    bool alt = parts[0].vv != NULL && (parts[0].vv->flags & VV_FOREIGN);
    return build_core(tk, parts, np, alt, NULL, out);
}

/* Sets the prefix and builds the core. pvv is the prefix column's entry
 * (ptk its tokens) or NULL. A second core reading keeps a foreign particle
 * ("El Amrani") or a particle found inside a core-only field. */
static int finish_parts(const struct toks *tk, const struct part_span *parts, size_t np,
                        const struct toks *ptk, const struct voorvoegsel *pvv,
                        struct sp_surname *out)
{
    if (np == 0)
        return SP_REJECT_FORMAT;
    const struct voorvoegsel *vv = pvv != NULL ? pvv : parts[0].vv;
    if (vv != NULL)
        set_prefix(out, vv->canon);
    if (pvv != NULL && (pvv->flags & VV_FOREIGN))
        return build_core(tk, parts, np, true, ptk, out);
    bool alt = parts[0].vv != NULL && ((parts[0].vv->flags & VV_FOREIGN) || parts[0].inner);
    return build_core(tk, parts, np, alt, NULL, out);
}

int sp_surname_parse(const struct sp_folded *field, const struct sp_folded *prefix,
                     bool with_prefix, struct sp_surname *out, struct sp_given *given)
{
    struct toks tk, ptk;
    struct part_span parts[SP_NAME_PARTS_MAX];
    const struct voorvoegsel *pvv = NULL;
    bool have_prefix = prefix != NULL && prefix->len > 0;

    memset(out, 0, sizeof(*out));
    if (field->truncated)
        return SP_REJECT_LENGTH;
    tokenize(field, &tk);
    if (have_prefix) {
        tokenize(prefix, &ptk);
        if (ptk.n == 0 || vv_longest(&ptk, 0, ptk.n, &pvv) != ptk.n) {
            pvv = NULL;
            out->prefix_unknown = true;
        }
    }
    if (with_prefix && tk.comma >= 0)
        return parse_comma_form(&tk, out, given);
    size_t start = with_prefix ? skip_initials(&tk, 0, tk.n) : 0;
    size_t np = split_parts(&tk, start, tk.n, !with_prefix, parts);
    return finish_parts(&tk, parts, np, have_prefix ? &ptk : NULL, pvv, out);
}

/* Post-nominals and "jr." at the end of a one-column name. */
static size_t trim_trailing_titles(const struct toks *tk, size_t from, size_t end)
{
    while (end > from + 1 && is_title(tk, end - 1))
        end--;
    return end;
}

int sp_fullname_parse(const struct sp_folded *field, struct sp_surname *out, struct sp_given *given)
{
    struct toks tk;
    struct part_span parts[SP_NAME_PARTS_MAX];

    memset(out, 0, sizeof(*out));
    if (field->truncated)
        return SP_REJECT_LENGTH;
    tokenize(field, &tk);
    if (tk.comma >= 0)
        return parse_comma_form(&tk, out, given);
    size_t end = trim_trailing_titles(&tk, 0, tk.n);
    size_t start = skip_titles(&tk, 0, end);
    size_t init_end = skip_initials(&tk, start, end);
    /* the surname starts at the first voorvoegsel after the given names (at
     * least one given name unless initials were seen), else at the last word
     * group; a voorvoegsel inside a hyphenated group belongs to that group */
    size_t s = 0;
    for (size_t i = init_end > start ? init_end : start + 1; i + 1 < end && s == 0; i++) {
        const struct voorvoegsel *e = NULL;
        size_t n = vv_longest(&tk, i, end, &e);
        if (n > 0 && i + n < end)
            s = i;
    }
    if (s == 0)
        s = end > start ? end - 1 : start;
    while (s > init_end && (tk.t[s].flags & TK_HYPHEN))
        s--;
    if (s < init_end)
        s = init_end;
    if (given != NULL)
        read_given(&tk, start, s, given);
    size_t np = split_parts(&tk, s, end, false, parts);
    return finish_parts(&tk, parts, np, NULL, NULL, out);
}
