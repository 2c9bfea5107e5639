/*
 * Bytes as hex text, for everything the tree prints or reads in hex: round
 * ids, digests, fingerprints, public keys.
 *
 * The encoder has no branch or table lookup that depends on the bytes, so it
 * may format secret material too (as libsodium's sodium_bin2hex does); the
 * decoder is for public values (ids, digests) and is not constant-time.
 */
#ifndef SP_COMMON_HEX_H
#define SP_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Writes the 2 * len lower-case hex digits of in[0..len) and a NUL into out,
 * which the caller provides with room for 2 * len + 1 characters. Constant
 * time in the bytes' values. */
void sp_hex_encode(char *out, const uint8_t *in, size_t len);

/* The value 0..15 of hex digit c (upper or lower case), or -1. */
int sp_hex_digit(char c);

/* Reads exactly 2 * len hex digits, upper or lower case, from the string hex
 * (nothing before, between or after them) into out[0..len). out is written
 * only on success. Returns 0, or SP_ERR_INVALID_ARG when hex is NULL, has
 * another length, or holds a character that is not a hex digit. */
SP_NODISCARD int sp_hex_decode(uint8_t *out, size_t len, const char *hex);

#endif
