/*
 * Z85 as specified by ZeroMQ RFC 32: every 4 bytes, read big-endian, become
 * 5 base-85 digits, most significant first.
 */
#include "z85.h"

#include <string.h>

static const char z85_alphabet[85] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ".-:+=^!/*?&<>()[]{}@%$#";

/* Alphabet lookup without a secret-dependent memory access. */
static char z85_digit_ct(uint32_t d)
{
    unsigned char c = 0;

    for (uint32_t j = 0; j < sizeof(z85_alphabet); j++) {
        /* j ^ d < 128, so (diff - 1) has its top bit set exactly when
         * diff == 0; mask is then 0xff, else 0. */
        uint32_t diff = j ^ d;
        unsigned char mask = (unsigned char)(0u - (((diff - 1) >> 31) & 1u));
        c |= (unsigned char)z85_alphabet[j] & mask;
    }
    return (char)c;
}

int sp_z85_encode(char *out, size_t out_cap, const uint8_t *in, size_t in_len)
{
    if (out == NULL || (in == NULL && in_len > 0) || in_len % 4 != 0)
        return SP_ERR_INVALID_ARG;
    if (out_cap < SP_Z85_TEXT_LEN(in_len) + 1)
        return SP_ERR_OVERFLOW;
    for (size_t i = 0, o = 0; i < in_len; i += 4, o += 5) {
        uint32_t v = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 | (uint32_t)in[i + 2] << 8 |
                     (uint32_t)in[i + 3];
        for (int k = 4; k >= 0; k--) {
            out[o + (size_t)k] = z85_digit_ct(v % 85);
            v /= 85;
        }
    }
    out[SP_Z85_TEXT_LEN(in_len)] = '\0';
    return 0;
}

/* Value of a Z85 character, or -1. */
static int z85_value(char c)
{
    const char *p;

    if (c == '\0')
        return -1;
    p = memchr(z85_alphabet, c, sizeof(z85_alphabet));
    return p == NULL ? -1 : (int)(p - z85_alphabet);
}

int sp_z85_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *text, size_t text_len)
{
    size_t n = text_len / 5 * 4;

    if (out == NULL)
        return SP_ERR_INVALID_ARG;
    memset(out, 0, out_cap); /* nothing half-decoded is ever left behind */
    if (out_len == NULL || (text == NULL && text_len > 0) || text_len % 5 != 0)
        return SP_ERR_INVALID_ARG;
    if (out_cap < n)
        return SP_ERR_OVERFLOW;
    for (size_t i = 0, o = 0; i < text_len; i += 5, o += 4) {
        uint64_t v = 0;
        for (size_t k = 0; k < 5; k++) {
            int d = z85_value(text[i + k]);
            if (d < 0)
                goto bad;
            v = v * 85 + (uint64_t)d;
        }
        if (v > UINT32_MAX)
            goto bad;
        out[o] = (uint8_t)(v >> 24);
        out[o + 1] = (uint8_t)(v >> 16);
        out[o + 2] = (uint8_t)(v >> 8);
        out[o + 3] = (uint8_t)v;
    }
    *out_len = n;
    return 0;
bad:
    memset(out, 0, out_cap);
    return SP_ERR_INVALID_ARG;
}
