/*
 * The OIN (Organisatie-identificatienummer): how an organisation is named in
 * Dutch government PKI, in the subject's serialNumber of its certificate.
 *
 * An OIN is 20 digits: an 8-digit prefix naming the register, the register's
 * number (9 digits followed by "000", or 8 digits followed by "0000"). Two
 * prefixes are checked in depth because their numbers have known rules:
 *   00000001 + RSIN (9 digits, 11-test) + 000
 *   00000003 + KvK-nummer (8 digits)    + 0000
 * Other registers' prefixes (00000002 Fi-nummer, 00000004 sub-OIN, ...) are
 * accepted when the whole is 20 digits, the prefix is not 00000000, the
 * number is not all zeros and the value ends in 000.
 *
 * Pure.
 */
#ifndef SP_PKI_OIN_H
#define SP_PKI_OIN_H

#include <stddef.h>

#include "common/err.h"

#define SP_PKI_OIN_DIGITS 20

/* Checks s[0..len) (not necessarily NUL-terminated) as an OIN.
 * Returns 0 or SP_ERR_PKI_OIN; when why is not NULL it is set to a static
 * sentence naming the rule that failed (never the value). */
SP_NODISCARD int sp_pki_oin_check(const char *s, size_t len, const char **why);

#endif
