/*
 * Unicode -> folded ASCII (see fold.h). The tables were generated from the
 * Unicode NFKD decompositions of U+00C0..U+024F and U+1E00..U+1EFF, with the
 * letters that do not decompose (ß, æ, ø, ł, đ, ı, þ, œ, ĳ, ...) mapped by hand
 * to what a Dutch clerk would type.
 */
#include "input/fold.h"

#include <string.h>

#include "common/utf8.h"

/* U+00C0..U+024F: replacement letters, upper case where the source is; ""
 * for characters that are not letters (×, ÷) or have no Latin reading. */
static const char latin_table[0x250 - 0xC0][3] = {
    "A", "A",  "A",  "A",  "A",  "A",  "AE", "C",  "E",  "E",  "E",  "E",  "I",  "I",  "I",  "I",
    "D", "N",  "O",  "O",  "O",  "O",  "O",  "",   "O",  "U",  "U",  "U",  "U",  "Y",  "TH", "ss",
    "a", "a",  "a",  "a",  "a",  "a",  "ae", "c",  "e",  "e",  "e",  "e",  "i",  "i",  "i",  "i",
    "d", "n",  "o",  "o",  "o",  "o",  "o",  "",   "o",  "u",  "u",  "u",  "u",  "y",  "th", "y",
    "A", "a",  "A",  "a",  "A",  "a",  "C",  "c",  "C",  "c",  "C",  "c",  "C",  "c",  "D",  "d",
    "D", "d",  "E",  "e",  "E",  "e",  "E",  "e",  "E",  "e",  "E",  "e",  "G",  "g",  "G",  "g",
    "G", "g",  "G",  "g",  "H",  "h",  "H",  "h",  "I",  "i",  "I",  "i",  "I",  "i",  "I",  "i",
    "I", "i",  "IJ", "ij", "J",  "j",  "K",  "k",  "q",  "L",  "l",  "L",  "l",  "L",  "l",  "L",
    "l", "L",  "l",  "N",  "n",  "N",  "n",  "N",  "n",  "n",  "N",  "n",  "O",  "o",  "O",  "o",
    "O", "o",  "OE", "oe", "R",  "r",  "R",  "r",  "R",  "r",  "S",  "s",  "S",  "s",  "S",  "s",
    "S", "s",  "T",  "t",  "T",  "t",  "T",  "t",  "U",  "u",  "U",  "u",  "U",  "u",  "U",  "u",
    "U", "u",  "U",  "u",  "W",  "w",  "Y",  "y",  "Y",  "Z",  "z",  "Z",  "z",  "Z",  "z",  "s",
    "b", "B",  "B",  "b",  "",   "",   "",   "C",  "c",  "D",  "D",  "D",  "d",  "",   "",   "",
    "",  "F",  "f",  "G",  "",   "",   "",   "I",  "K",  "k",  "l",  "",   "",   "N",  "n",  "O",
    "O", "o",  "",   "",   "P",  "p",  "",   "",   "",   "",   "",   "t",  "T",  "t",  "T",  "U",
    "u", "",   "V",  "Y",  "y",  "Z",  "z",  "",   "",   "",   "",   "",   "",   "",   "",   "",
    "",  "",   "",   "",   "DZ", "Dz", "dz", "LJ", "Lj", "lj", "NJ", "Nj", "nj", "A",  "a",  "I",
    "i", "O",  "o",  "U",  "u",  "U",  "u",  "U",  "u",  "U",  "u",  "U",  "u",  "",   "A",  "a",
    "A", "a",  "AE", "ae", "G",  "g",  "G",  "g",  "K",  "k",  "O",  "o",  "O",  "o",  "",   "",
    "j", "DZ", "Dz", "dz", "G",  "g",  "",   "",   "N",  "n",  "A",  "a",  "AE", "ae", "O",  "o",
    "A", "a",  "A",  "a",  "E",  "e",  "E",  "e",  "I",  "i",  "I",  "i",  "O",  "o",  "O",  "o",
    "R", "r",  "R",  "r",  "U",  "u",  "U",  "u",  "S",  "s",  "T",  "t",  "",   "",   "H",  "h",
    "N", "d",  "",   "",   "Z",  "z",  "A",  "a",  "E",  "e",  "O",  "o",  "O",  "o",  "O",  "o",
    "O", "o",  "Y",  "y",  "",   "",   "",   "",   "",   "",   "A",  "C",  "c",  "L",  "T",  "",
    "",  "",   "",   "B",  "",   "",   "E",  "e",  "J",  "j",  "",   "",   "R",  "r",  "Y",  "y",
};

/* U+1E00..U+1EFF: one replacement letter each (' ': none; U+1E9E is ẞ). */
static const char latin_extended_additional[256 + 1] =
    "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm"
    "MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv"
    "WwWwWwWwWwXxXxYyZzZzZzhtwy s    AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe"
    "EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy      ";

/* What an ASCII byte becomes: a letter or digit (itself), a structure byte,
 * or ' '. */
static char ascii_class(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return (char)c;
    if (c >= 'A' && c <= 'Z')
        return (char)c;
    switch (c) {
    case ',':
    case ';':
        return ',';
    case '.':
        return '.';
    case '-':
        return '-';
    case '\'':
    case '`':
        return '\'';
    case '/':
    case '\\':
        return '/';
    case '&':
    case '+':
        return '&';
    default:
        return ' ';
    }
}

/* Appends one folded byte; runs of spaces collapse and a leading space is
 * dropped, so padding cannot push a name over the cap. */
static void put(struct sp_folded *o, char c)
{
    uint8_t up = 0;

    if (c >= 'A' && c <= 'Z') {
        c = (char)(c - 'A' + 'a');
        up = 1;
    }
    if (c == ' ' && (o->len == 0 || o->s[o->len - 1] == ' '))
        return;
    if (o->len >= SP_FOLD_MAX) {
        o->truncated = true;
        return;
    }
    o->s[o->len] = c;
    o->upper[o->len] = up;
    o->len++;
}

static void put_str(struct sp_folded *o, const char *s)
{
    for (; *s != '\0'; s++)
        put(o, *s);
}

/* Punctuation and spaces outside ASCII: the structure byte, 0 to drop the
 * character, or -1 when cp is not one of them. */
static int fold_punct(uint32_t cp)
{
    switch (cp) {
    case 0x00A0: /* no-break space */
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return ' ';
    case 0x00AD: /* soft hyphen */
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
        return 0;
    case 0x00B4: /* acute accent used as apostrophe */
    case 0x02B9:
    case 0x02BB:
    case 0x02BC:
    case 0x2018:
    case 0x2019:
    case 0x201B:
    case 0x2032:
        return '\'';
    case 0x2212: /* minus */
    case 0xFE63:
        return '-';
    default:
        break;
    }
    if (cp >= 0x2000 && cp <= 0x200A)
        return ' ';
    if (cp >= 0x2010 && cp <= 0x2015)
        return '-';
    if (cp >= 0x0300 && cp <= 0x036F) /* combining marks: "e" + U+0301 = "é" */
        return 0;
    return -1;
}

/* Letters beyond ASCII. Returns true when cp was handled. */
static bool fold_letter(struct sp_folded *o, uint32_t cp)
{
    static const char *const ligatures[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};

    if (cp >= 0xC0 && cp < 0x250) {
        const char *r = latin_table[cp - 0xC0];
        if (r[0] == '\0')
            return false;
        put_str(o, r);
        return true;
    }
    if (cp == 0x1E9E) { /* capital sharp s */
        put_str(o, "SS");
        return true;
    }
    if (cp >= 0x1E00 && cp <= 0x1EFF && latin_extended_additional[cp - 0x1E00] != ' ') {
        put(o, latin_extended_additional[cp - 0x1E00]);
        return true;
    }
    if (cp >= 0xFB00 && cp <= 0xFB06) {
        put_str(o, ligatures[cp - 0xFB00]);
        return true;
    }
    return false;
}

static void fold_cp(struct sp_folded *o, uint32_t cp)
{
    if (cp < 0x80) {
        put(o, ascii_class((unsigned char)cp));
        return;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) { /* full-width ASCII */
        put(o, ascii_class((unsigned char)(cp - 0xFEE0)));
        return;
    }
    int p = fold_punct(cp);
    if (p > 0) {
        put(o, (char)p);
        return;
    }
    if (p == 0 || fold_letter(o, cp))
        return;
    /* Greek, Cyrillic, Arabic, CJK, ...: no reading in the key alphabet.
     * General punctuation and symbols (U+2000..U+2BFF) are just spaces. */
    if (cp >= 0x370 && !(cp >= 0x2000 && cp <= 0x2BFF))
        o->foreign = true;
    put(o, ' ');
}

void sp_fold(const char *text, size_t len, struct sp_folded *out)
{
    const unsigned char *p = (const unsigned char *)text;

    out->len = 0;
    out->truncated = false;
    out->foreign = false;
    for (size_t i = 0; i < len && !out->truncated;) {
        uint32_t cp;
        size_t n = sp_utf8_seq_len(p + i, len - i, &cp);
        if (n == 0) {
            out->foreign = true;
            put(out, ' ');
            i++;
            continue;
        }
        fold_cp(out, cp);
        i += n;
    }
    while (out->len > 0 && out->s[out->len - 1] == ' ')
        out->len--;
}
