#include "common/utf8.h"

#include <string.h>

size_t sp_utf8_seq_len(const uint8_t *s, size_t avail, uint32_t *cp)
{
    if (avail == 0)
        return 0;
    uint32_t c = s[0];
    uint8_t lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, c &= 0x07;
    else
        return 0; /* continuation byte, C0/C1 overlong lead, or above U+10FFFF */
    if (avail < n)
        return 0;
    /* the second byte's range depends on the first (table 3-7) */
    if (s[0] == 0xE0)
        lo = 0xA0; /* overlong */
    else if (s[0] == 0xED)
        hi = 0x9F; /* surrogates */
    else if (s[0] == 0xF0)
        lo = 0x90; /* overlong */
    else if (s[0] == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    c = c << 6 | (s[1] & 0x3Fu);
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if (cp)
        *cp = c;
    return n;
}

size_t sp_utf8_put(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

size_t sp_utf8_first_invalid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* skip 8 bytes at a time while none has the high bit set and none
         * is NUL */
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
        size_t n = s[i] ? sp_utf8_seq_len(s + i, len - i, NULL) : 0;
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

bool sp_utf8_valid(const uint8_t *s, size_t len)
{
    return sp_utf8_first_invalid(s, len) == len;
}
