/*
 * Dutch identifiers (see ids.h and dutch-identifiers.md).
 */
#include "input/ids.h"

#include <string.h>

#include "input/derive.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static char to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_upper(to_upper(c));
}

/* Drops spaces (and tabs, no-break spaces) at both ends. */
static void trim(const char **text, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*text;
    size_t n = *len;

    for (;;) {
        if (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
            p++, n--;
        } else if (n > 1 && p[0] == 0xC2 && p[1] == 0xA0) {
            p += 2, n -= 2;
        } else {
            break;
        }
    }
    for (;;) {
        if (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
            n--;
        } else if (n > 1 && p[n - 2] == 0xC2 && p[n - 1] == 0xA0) {
            n -= 2;
        } else {
            break;
        }
    }
    *text = (const char *)p;
    *len = n;
}

/* Copies the characters of text[0..len) that keep() accepts into out, upper
 * case, skipping the separators in skip, and NUL-terminates it (out holds
 * max + 1 bytes). Does not trim. Returns 0, FORMAT for any other character,
 * LENGTH for more than max kept characters. */
static int collect(const char *text, size_t len, const char *skip, bool (*keep)(char), char *out,
                   size_t max, size_t *n)
{
    size_t k = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (memchr(skip, c, strlen(skip)) != NULL)
            continue;
        if (!keep(c))
            return SP_REJECT_FORMAT;
        if (k == max)
            return SP_REJECT_LENGTH;
        out[k++] = to_upper(c);
    }
    out[k] = '\0';
    *n = k;
    return 0;
}

/* The digits of text, trimmed, skipping spaces, dots and dashes; as collect. */
static int collect_digits(const char *text, size_t len, char *out, size_t max, size_t *n)
{
    trim(&text, &len);
    return collect(text, len, " .-", is_digit, out, max, n);
}

static bool all_zero(const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] != '0')
            return false;
    return true;
}

bool sp_bsn_elfproef(const char digits[9])
{
    int sum = 0;

    for (int i = 0; i < 8; i++)
        sum += (9 - i) * (digits[i] - '0');
    sum -= digits[8] - '0';
    return sum % 11 == 0;
}

/* Exactly `want` digits, or want - 1 with the leading zero a spreadsheet
 * dropped restored (the one repair dutch-identifiers.md allows); never all
 * zeros. d has room for want + 2 bytes. */
static int padded_digits(const char *text, size_t len, size_t want, char *d)
{
    size_t n;
    int rc = collect_digits(text, len, d, want + 1, &n);

    if (rc != 0)
        return rc;
    if (n == want - 1) {
        memmove(d + 1, d, want);
        d[0] = '0';
        n = want;
    }
    if (n != want)
        return SP_REJECT_LENGTH;
    if (all_zero(d, want))
        return SP_REJECT_RANGE;
    return 0;
}

/* 9 digits, or 8 with the leading zero restored, passing the 11-test. */
static int elfproef_number(const char *text, size_t len, char out[SP_BSN_BYTES])
{
    char d[SP_BSN_BYTES + 1];
    int rc = padded_digits(text, len, SP_BSN_BYTES - 1, d);

    if (rc != 0)
        return rc;
    if (!sp_bsn_elfproef(d))
        return SP_REJECT_CHECKSUM;
    memcpy(out, d, SP_BSN_BYTES);
    return 0;
}

int sp_bsn_parse(const char *text, size_t len, bool refuse_test, char out[SP_BSN_BYTES])
{
    char d[SP_BSN_BYTES];
    int rc = elfproef_number(text, len, d);

    if (rc != 0)
        return rc;
    if (refuse_test && memcmp(d, "9999", 4) == 0)
        return SP_REJECT_TEST_RANGE;
    memcpy(out, d, SP_BSN_BYTES);
    return 0;
}

int sp_rsin_parse(const char *text, size_t len, char out[SP_BSN_BYTES])
{
    return elfproef_number(text, len, out);
}

int sp_kvk_parse(const char *text, size_t len, char out[SP_KVK_BYTES])
{
    char d[SP_KVK_BYTES + 1];
    int rc = padded_digits(text, len, SP_KVK_BYTES - 1, d);

    if (rc != 0)
        return rc;
    memcpy(out, d, SP_KVK_BYTES);
    return 0;
}

int sp_vestiging_parse(const char *text, size_t len, char out[SP_VESTIGING_BYTES])
{
    char d[SP_VESTIGING_BYTES + 1];
    size_t n;
    int rc = collect_digits(text, len, d, 13, &n);

    if (rc != 0)
        return rc;
    if (n != 12)
        return SP_REJECT_LENGTH;
    if (all_zero(d, 12))
        return SP_REJECT_RANGE;
    memcpy(out, d, SP_VESTIGING_BYTES);
    return 0;
}

int sp_postcode_parse(const char *text, size_t len, char out[SP_POSTCODE_BYTES])
{
    char c[8];
    size_t n = 0;

    trim(&text, &len);
    if (len >= 2 && to_upper(text[0]) == 'N' && to_upper(text[1]) == 'L') {
        text += 2, len -= 2; /* "NL-2611ET", "NL 2611 ET" */
        if (len > 0 && (text[0] == '-' || text[0] == ' '))
            text++, len--;
    }
    int rc = collect(text, len, " ", is_alnum, c, sizeof(c) - 1, &n);
    if (rc != 0)
        return rc;
    if (n != 6)
        return SP_REJECT_LENGTH;
    for (int i = 0; i < 6; i++)
        if (i < 4 ? !is_digit(c[i]) : !is_upper(c[i]))
            return SP_REJECT_FORMAT;
    if (c[0] == '0')
        return SP_REJECT_RANGE;
    if (c[4] == 'S' && (c[5] == 'A' || c[5] == 'D' || c[5] == 'S'))
        return SP_REJECT_NOT_ISSUED;
    memcpy(out, c, SP_POSTCODE_BYTES);
    return 0;
}

/* Appends letters/digits of text to h->suffix (upper case), skipping the
 * separators of house-number notations; h is unchanged on a reject.
 * Returns 0, FORMAT, LENGTH. */
static int add_suffix(const char *text, size_t len, struct sp_house *h, size_t max_add)
{
    struct sp_house t = *h;
    size_t added = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ' || c == '-' || c == '/' || c == '.' || c == ',' || c == '_')
            continue;
        if (!is_alnum(c))
            return SP_REJECT_FORMAT;
        if (t.suffix_len >= SP_HOUSE_SUFFIX_MAX || added == max_add)
            return SP_REJECT_LENGTH;
        t.suffix[t.suffix_len++] = to_upper(c);
        added++;
    }
    t.suffix[t.suffix_len] = '\0';
    *h = t;
    return 0;
}

int sp_house_parse(const char *text, size_t len, struct sp_house *out)
{
    struct sp_house h = {0, 0, {0}};
    size_t i = 0;

    trim(&text, &len);
    while (i < len && text[i] == '0')
        i++; /* "007" is 7 */
    size_t digits_from = i;
    while (i < len && is_digit(text[i])) {
        if (i - digits_from == 5)
            return SP_REJECT_RANGE;
        h.number = h.number * 10 + (uint32_t)(text[i] - '0');
        i++;
    }
    if (i == 0)
        return SP_REJECT_FORMAT;
    if (h.number == 0)
        return SP_REJECT_RANGE;
    int rc = add_suffix(text + i, len - i, &h, SP_HOUSE_SUFFIX_MAX);
    if (rc != 0)
        return rc;
    *out = h;
    return 0;
}

int sp_house_letter_add(const char *text, size_t len, struct sp_house *h)
{
    trim(&text, &len);
    if (len != 1)
        return SP_REJECT_LENGTH;
    if (!is_upper(to_upper(text[0])))
        return SP_REJECT_FORMAT;
    return add_suffix(text, len, h, 1);
}

int sp_house_suffix_add(const char *text, size_t len, struct sp_house *h)
{
    trim(&text, &len);
    if (len == 0)
        return SP_REJECT_FORMAT;
    return add_suffix(text, len, h, 4);
}

int sp_street_address_parse(const char *text, size_t len, struct sp_house *out)
{
    trim(&text, &len);
    size_t start = len;
    /* the last word that starts with a digit, not at the very start
     * ("2e Helmersstraat 5" is number 5) */
    for (size_t i = len; i > 1; i--)
        if (is_digit(text[i - 1]) && (text[i - 2] == ' ' || text[i - 2] == '\t')) {
            start = i - 1;
            break;
        }
    if (start >= len)
        return SP_REJECT_FORMAT;
    /* only short words after the number belong to it ("12 a", "12 bis") */
    size_t end = start;
    while (end < len && text[end] != ' ')
        end++;
    while (end < len) {
        size_t w = end + 1, e = w;
        while (e < len && text[e] != ' ')
            e++;
        if (e - w > 4 || e == w)
            break;
        end = e;
    }
    return sp_house_parse(text + start, end - start, out);
}

/* The 14 sidecodes as letter (L) / digit (9) masks. */
static const char *const sidecodes[14] = {
    "LL9999", "9999LL", "99LL99", "LL99LL", "LLLL99", "99LLLL", "99LLL9",
    "9LLL99", "LL999L", "L999LL", "LLL99L", "L99LLL", "9LL999", "999LL9",
};

int sp_kenteken_parse(const char *text, size_t len, char out[SP_KENTEKEN_BYTES], int *sidecode)
{
    char c[SP_KENTEKEN_BYTES];
    size_t n = 0;

    trim(&text, &len);
    int rc = collect(text, len, " -.", is_alnum, c, SP_KENTEKEN_BYTES - 1, &n);
    if (rc != 0)
        return rc;
    if (n != 6)
        return SP_REJECT_LENGTH;
    for (int s = 0; s < 14; s++) {
        int k = 0;
        while (k < 6 && (sidecodes[s][k] == 'L' ? is_upper(c[k]) : is_digit(c[k])))
            k++;
        if (k == 6) {
            memcpy(out, c, SP_KENTEKEN_BYTES);
            if (sidecode != NULL)
                *sidecode = s + 1;
            return 0;
        }
    }
    return SP_REJECT_FORMAT;
}

/* IBAN lengths of the SEPA countries (and a few neighbours). */
static const struct {
    char cc[3];
    uint8_t len;
} iban_lengths[] = {
    {"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GR", 27},
    {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"MA", 28}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25},
    {"RO", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TR", 26},
};

static int iban_country_length(const char *c)
{
    for (size_t i = 0; i < sizeof(iban_lengths) / sizeof(iban_lengths[0]); i++)
        if (c[0] == iban_lengths[i].cc[0] && c[1] == iban_lengths[i].cc[1])
            return iban_lengths[i].len;
    return 0;
}

/* The number "BBAN + country + check digits", letters as 10..35, mod 97. */
static int iban_mod97(const char *c, size_t n)
{
    int r = 0;

    for (size_t k = 0; k < n; k++) {
        char x = c[(k + 4) % n];
        if (is_digit(x))
            r = (r * 10 + (x - '0')) % 97;
        else
            r = (r * 100 + (x - 'A' + 10)) % 97;
    }
    return r;
}

int sp_iban_parse(const char *text, size_t len, char out[SP_IBAN_BYTES])
{
    char c[SP_IBAN_BYTES];
    size_t n = 0;

    trim(&text, &len);
    int rc = collect(text, len, " -", is_alnum, c, SP_IBAN_BYTES - 1, &n);
    if (rc != 0)
        return rc;
    if (n < 5 || !is_upper(c[0]) || !is_upper(c[1]) || !is_digit(c[2]) || !is_digit(c[3]))
        return SP_REJECT_FORMAT;
    int want = iban_country_length(c);
    if (want == 0)
        return SP_REJECT_FORMAT;
    if ((int)n != want)
        return SP_REJECT_LENGTH;
    if (c[0] == 'N' && c[1] == 'L')
        for (int i = 4; i < 18; i++)
            if (i < 8 ? !is_upper(c[i]) : !is_digit(c[i]))
                return SP_REJECT_FORMAT;
    if (iban_mod97(c, n) != 1)
        return SP_REJECT_CHECKSUM;
    memcpy(out, c, n + 1);
    return 0;
}

int sp_anummer_parse(const char *text, size_t len, char out[SP_ANUMMER_BYTES])
{
    char d[SP_ANUMMER_BYTES + 1];
    size_t n;
    int rc = collect_digits(text, len, d, 11, &n);

    if (rc != 0)
        return rc;
    if (n != 10)
        return SP_REJECT_LENGTH;
    int sum = 0, weighted = 0;
    for (int i = 0; i < 10; i++) {
        int x = d[i] - '0';
        if (i > 0 && d[i] == d[i - 1])
            return SP_REJECT_CHECKSUM;
        sum += x;
        weighted += x << i;
    }
    if (d[0] == '0' || (sum % 11 != 0 && sum % 11 != 5) || weighted % 11 != 0)
        return SP_REJECT_CHECKSUM;
    memcpy(out, d, SP_ANUMMER_BYTES);
    return 0;
}

int sp_national_id_parse(const char *text, size_t len, char out[SP_NATIONAL_ID_BYTES])
{
    char d[SP_NATIONAL_ID_BYTES + 1];
    size_t n;
    int rc = collect_digits(text, len, d, SP_NATIONAL_ID_BYTES, &n);

    if (rc != 0)
        return rc;
    if (n < 5 || n > SP_NATIONAL_ID_BYTES - 1)
        return SP_REJECT_LENGTH;
    if (all_zero(d, n))
        return SP_REJECT_RANGE;
    memcpy(out, d, n + 1);
    return 0;
}

int sp_postal_code_parse(const char *text, size_t len, char out[SP_POSTAL_CODE_BYTES])
{
    char c[SP_POSTAL_CODE_BYTES];
    size_t n = 0;

    trim(&text, &len);
    int rc = collect(text, len, " -", is_alnum, c, SP_POSTAL_CODE_BYTES - 1, &n);
    if (rc != 0)
        return rc;
    if (n < 3)
        return SP_REJECT_LENGTH;
    memcpy(out, c, n + 1);
    return 0;
}
