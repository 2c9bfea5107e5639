#include "common/hex.h"

/* '0' + v for v < 10, 'a' + v - 10 otherwise, without a branch on v. */
static char nibble(unsigned v)
{
    unsigned letter = ((9u - v) >> 8) & ('a' - '0' - 10);
    return (char)('0' + v + letter);
}

void sp_hex_encode(char *out, const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = nibble(in[i] >> 4);
        out[2 * i + 1] = nibble(in[i] & 15u);
    }
    out[2 * len] = '\0';
}

int sp_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sp_hex_decode(uint8_t *out, size_t len, const char *hex)
{
    if (!hex || len > SIZE_MAX / 2)
        return SP_ERR_INVALID_ARG;
    /* a NUL is not a digit, so a short string stops here before its end */
    for (size_t i = 0; i < 2 * len; i++) {
        if (sp_hex_digit(hex[i]) < 0)
            return SP_ERR_INVALID_ARG;
    }
    if (hex[2 * len] != '\0')
        return SP_ERR_INVALID_ARG;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(sp_hex_digit(hex[2 * i]) << 4 | sp_hex_digit(hex[2 * i + 1]));
    return 0;
}
