/*
 * Helpers shared by the crypto tests (header-only: each test_*.c is its own
 * program).
 */
#ifndef SP_TESTS_CRYPTO_TESTUTIL_H
#define SP_TESTS_CRYPTO_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decodes exactly 2 * len lowercase/uppercase hex digits into out; aborts on
 * a malformed vector (a bug in the test, not in the code under test). */
static inline void tu_hex(uint8_t *out, size_t len, const char *hex)
{
    if (strlen(hex) != 2 * len)
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + (size_t)k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= (unsigned)(c - 'A' + 10);
            else
                abort();
        }
        out[i] = (uint8_t)v;
    }
}

#define TU_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
