#include "oin.h"

#include <stdbool.h>
#include <string.h>

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool all_zero(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != '0')
            return false;
    return true;
}

/* The 11-test shared by BSN and RSIN (dutch-identifiers.md). */
static bool rsin_valid(const char *d)
{
    long sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (long)(9 - i) * (d[i] - '0');
    sum -= d[8] - '0';
    return !all_zero(d, 9) && sum % 11 == 0;
}

static int fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return SP_ERR_PKI_OIN;
}

int sp_pki_oin_check(const char *s, size_t len, const char **why)
{
    if (!s || len != SP_PKI_OIN_DIGITS)
        return fail(why, "an OIN has exactly 20 characters");
    if (!all_digits(s, len))
        return fail(why, "an OIN has only digits");
    if (all_zero(s, 8))
        return fail(why, "the OIN prefix 00000000 names no register");
    if (memcmp(s, "00000001", 8) == 0) {
        if (memcmp(s + 17, "000", 3) != 0)
            return fail(why, "an RSIN-based OIN (prefix 00000001) ends in 000");
        if (!rsin_valid(s + 8))
            return fail(why, "the RSIN in the OIN fails the 11-test");
    } else if (memcmp(s, "00000003", 8) == 0) {
        if (memcmp(s + 16, "0000", 4) != 0)
            return fail(why, "a KvK-based OIN (prefix 00000003) ends in 0000");
        if (all_zero(s + 8, 8))
            return fail(why, "the KvK-nummer in the OIN is all zeros");
    } else {
        if (memcmp(s + 17, "000", 3) != 0)
            return fail(why, "an OIN ends in 000 (suffix after the register number)");
        if (all_zero(s + 8, 9))
            return fail(why, "the register number in the OIN is all zeros");
    }
    if (why)
        *why = NULL;
    return 0;
}
