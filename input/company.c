/*
 * Trade-name normalisation (see company.h).
 */
#include "input/company.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "input/derive.h"
#include "input/fold.h"

#define MAX_WORDS 40

struct words {
    size_t n;
    char buf[SP_FOLD_MAX + 2 * MAX_WORDS]; /* every '&' adds a byte ("en") */
    struct {
        uint16_t off;
        uint8_t len;
    } w[MAX_WORDS];
};

/* Word sequences that are a legal form (always dropped) ... */
static const char *const legal_forms[] = {
    "bv",
    "b v",
    "nv",
    "n v",
    "vof",
    "v o f",
    "cv",
    "c v",
    "bvba",
    "vzw",
    "ua",
    "u a",
    "wa",
    "ba",
    "io",
    "i o",
    "in oprichting",
    "besloten vennootschap",
    "naamloze vennootschap",
    "vennootschap onder firma",
    "commanditaire vennootschap",
    "met beperkte aansprakelijkheid",
    "eenmanszaak",
    "stichting",
    "vereniging",
    "cooperatie",
    "cooperatief",
    "maatschap",
    "gmbh",
    "ag",
    "kg",
    "ltd",
    "limited",
    "llc",
    "inc",
    "plc",
    "sa",
    "sarl",
    "sas",
    "srl",
    "spa",
};

/* ... and generic descriptors that exports add or leave out of the same
 * company's name ("Rietman" / "Rietman Vastgoed B.V.") */
static const char *const descriptors[] = {
    "holding", "beheer",  "groep",    "group", "vastgoed", "trading", "import",
    "export",  "bedrijf", "en zonen", "en zn", "zonen",    "zn",
};

/* Cuts the folded name into words. A period after a one-letter word joins
 * it to the next ("b.v." -> "bv"); '&' is the word "en". */
static void split_words(const struct sp_folded *f, struct words *ws)
{
    size_t used = 0;
    bool join = false, abbrev = false; /* abbrev: the last word is "b", "bv", ... from "b.v." */

    ws->n = 0;
    for (size_t i = 0; i < f->len && ws->n < MAX_WORDS;) {
        char c = f->s[i];
        bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!word) {
            if (c == '&' && used + 2 <= sizeof(ws->buf)) {
                memcpy(ws->buf + used, "en", 2);
                ws->w[ws->n].off = (uint16_t)used;
                ws->w[ws->n++].len = 2;
                used += 2;
                abbrev = false;
            }
            join = c == '.' && abbrev && i > 0 && f->s[i - 1] != ' ';
            i++;
            continue;
        }
        size_t s = i;
        while (i < f->len &&
               ((f->s[i] >= 'a' && f->s[i] <= 'z') || (f->s[i] >= '0' && f->s[i] <= '9')))
            i++;
        size_t l = i - s;
        if (used + l > sizeof(ws->buf))
            break; /* cannot happen: see buf */
        if (join && l == 1 && ws->w[ws->n - 1].len < 255) {
            ws->buf[used++] = f->s[s]; /* continues the abbreviation */
            ws->w[ws->n - 1].len++;
        } else {
            ws->w[ws->n].off = (uint16_t)used;
            ws->w[ws->n++].len = (uint8_t)(l > 255 ? 255 : l);
            memcpy(ws->buf + used, f->s + s, ws->w[ws->n - 1].len);
            used += ws->w[ws->n - 1].len;
            abbrev = l == 1;
        }
        join = false;
    }
}

/* Number of words from i that spell phrase (words separated by ' '), or 0. */
static size_t phrase_at(const struct words *ws, size_t i, const char *phrase)
{
    size_t k = i;

    while (*phrase != '\0') {
        size_t l = strcspn(phrase, " ");
        if (k >= ws->n || ws->w[k].len != l || memcmp(ws->buf + ws->w[k].off, phrase, l) != 0)
            return 0;
        k++;
        phrase += l;
        if (*phrase == ' ')
            phrase++;
    }
    return k - i;
}

static size_t drop_len(const struct words *ws, size_t i, const char *const *list, size_t n)
{
    size_t best = 0;

    for (size_t k = 0; k < n; k++) {
        size_t m = phrase_at(ws, i, list[k]);
        if (m > best)
            best = m;
    }
    return best;
}

/* Joins the words that survive into out (ij -> y). Returns the length, or
 * SIZE_MAX when it exceeds the cap. */
static size_t join_words(const struct words *ws, bool drop_descriptors, char *out)
{
    size_t len = 0;

    for (size_t i = 0; i < ws->n;) {
        size_t d = drop_len(ws, i, legal_forms, sizeof(legal_forms) / sizeof(legal_forms[0]));
        if (d == 0 && drop_descriptors)
            d = drop_len(ws, i, descriptors, sizeof(descriptors) / sizeof(descriptors[0]));
        if (d > 0) {
            i += d;
            continue;
        }
        const char *w = ws->buf + ws->w[i].off;
        for (size_t k = 0; k < ws->w[i].len; k++) {
            char c = w[k];
            if (c == 'i' && k + 1 < ws->w[i].len && w[k + 1] == 'j') {
                c = 'y';
                k++;
            }
            if (len == SP_COMPANY_NAME_MAX)
                return SIZE_MAX;
            out[len++] = c;
        }
        i++;
    }
    out[len] = '\0';
    return len;
}

int sp_company_normalise(const char *text, size_t len, char out[SP_COMPANY_NAME_MAX + 1],
                         size_t *out_len)
{
    struct sp_folded f;
    struct words ws;
    char buf[SP_COMPANY_NAME_MAX + 1];

    sp_fold(text, len, &f);
    if (f.truncated)
        return SP_REJECT_LENGTH;
    split_words(&f, &ws);
    size_t n = join_words(&ws, true, buf);
    if (n == 0) /* "Holding B.V.": the descriptor is all there is */
        n = join_words(&ws, false, buf);
    if (n == SIZE_MAX)
        return SP_REJECT_LENGTH;
    if (n == 0)
        return SP_REJECT_FORMAT;
    memcpy(out, buf, n + 1);
    *out_len = n;
    return 0;
}
