#include "input/encoding.h"

#include <string.h>
#include <strings.h>

struct enc_name {
    const char *name;
    int enc;
};

static const struct enc_name enc_names[] = {
    {"utf-8", SP_ENC_UTF8},          {"utf8", SP_ENC_UTF8},      {"iso-8859-1", SP_ENC_LATIN1},
    {"iso8859-1", SP_ENC_LATIN1},    {"latin-1", SP_ENC_LATIN1}, {"latin1", SP_ENC_LATIN1},
    {"windows-1252", SP_ENC_CP1252}, {"cp1252", SP_ENC_CP1252},
};

/* Windows-1252 0x80..0x9F; 0 marks the five bytes the code page leaves undefined. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

int sp_encoding_from_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(enc_names) / sizeof(enc_names[0]); i++)
        if (strcasecmp(name, enc_names[i].name) == 0)
            return enc_names[i].enc;
    return 0;
}

const char *sp_encoding_name(int enc)
{
    switch (enc) {
    case SP_ENC_UTF8:
        return "utf-8";
    case SP_ENC_LATIN1:
        return "iso-8859-1";
    case SP_ENC_CP1252:
        return "windows-1252";
    default:
        return NULL;
    }
}

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is not one
 * (Unicode 15, table 3-7: the second byte's range depends on the first). */
static size_t utf8_seq_len(const uint8_t *s, size_t avail)
{
    uint8_t b0 = s[0];
    uint8_t lo = 0x80, hi = 0xBF;
    size_t n;

    if (b0 >= 0x01 && b0 < 0x80)
        return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        n = 3;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        n = 4;
    else
        return 0; /* NUL, continuation byte, C0/C1 overlong lead, or > U+10FFFF */
    if (avail < n)
        return 0;
    if (b0 == 0xE0)
        lo = 0xA0; /* overlong */
    else if (b0 == 0xED)
        hi = 0x9F; /* surrogates */
    else if (b0 == 0xF0)
        lo = 0x90; /* overlong */
    else if (b0 == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* Offset of the first invalid sequence, or len when all is valid. */
static size_t utf8_first_invalid(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        /* Exports are mostly ASCII: skip 8 bytes at a time when none has the
         * high bit set and none is NUL. */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & UINT64_C(0x8080808080808080)) != 0 ||
                ((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080)) != 0)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        size_t n = utf8_seq_len(s + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

bool sp_utf8_valid(const uint8_t *s, size_t len)
{
    return utf8_first_invalid(s, len) == len;
}

static size_t put_utf8(uint8_t *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (uint8_t)(0xE0 | (cp >> 12));
    out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
}

/* Code point of one ISO-8859-1 or Windows-1252 byte; 0 when not valid text. */
static uint32_t single_byte_cp(int enc, uint8_t b)
{
    if (b == 0)
        return 0;
    if (b < 0x80 || b >= 0xA0)
        return b;
    return enc == SP_ENC_CP1252 ? cp1252_high[b - 0x80] : 0;
}

static int single_byte_to_utf8(int enc, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                               size_t *out_len, size_t *bad_at)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        uint32_t cp = single_byte_cp(enc, in[i]);
        if (cp == 0) {
            if (bad_at != NULL)
                *bad_at = i;
            return SP_ERR_INPUT_ENCODING;
        }
        size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
        if (cap - o < need)
            return SP_ERR_OVERFLOW;
        o += put_utf8(out + o, cp);
    }
    *out_len = o;
    return 0;
}

int sp_encoding_to_utf8(int enc, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                        size_t *out_len, size_t *bad_at)
{
    if (in == NULL && len > 0)
        return SP_ERR_INVALID_ARG;
    if (enc == SP_ENC_UTF8) {
        size_t bad = utf8_first_invalid(in, len);
        if (bad != len) {
            if (bad_at != NULL)
                *bad_at = bad;
            return SP_ERR_INPUT_ENCODING;
        }
        if (len > cap)
            return SP_ERR_OVERFLOW;
        if (len > 0)
            memcpy(out, in, len);
        *out_len = len;
        return 0;
    }
    if (enc == SP_ENC_LATIN1 || enc == SP_ENC_CP1252)
        return single_byte_to_utf8(enc, in, len, out, cap, out_len, bad_at);
    return SP_ERR_INVALID_ARG;
}

int sp_encoding_sniff_bom(const uint8_t *p, size_t len, bool at_eof, size_t *bom_len)
{
    static const uint8_t utf8_bom[3] = {0xEF, 0xBB, 0xBF};

    *bom_len = 0;
    if (len == 0)
        return at_eof ? SP_BOM_NONE : SP_BOM_NEED_MORE;
    if (len == 1 && (p[0] == 0xFF || p[0] == 0xFE))
        return at_eof ? SP_BOM_NONE : SP_BOM_NEED_MORE;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        *bom_len = 2;
        return SP_BOM_UTF16LE;
    }
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        *bom_len = 2;
        return SP_BOM_UTF16BE;
    }
    size_t n = len < 3 ? len : 3;
    if (memcmp(p, utf8_bom, n) != 0)
        return SP_BOM_NONE;
    if (n == 3) {
        *bom_len = 3;
        return SP_BOM_UTF8;
    }
    /* A proper prefix of the UTF-8 BOM. */
    return at_eof ? SP_BOM_NONE : SP_BOM_NEED_MORE;
}
