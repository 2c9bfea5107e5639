#include "input/encoding.h"

#include <string.h>
#include <strings.h>

#include "common/utf8.h"

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
        o += sp_utf8_put(cp, out + o);
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
        size_t bad = sp_utf8_first_invalid(in, len);
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
