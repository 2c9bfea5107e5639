/*
 * Z85 (ZeroMQ RFC 32/Z85): the text encoding ZeroMQ uses for CURVE keys in
 * zmq_setsockopt and ZAP. Implemented here so that the crypto layer does not
 * link libzmq. Pure. The encoder runs in constant time (it is used on the
 * CURVE secret key); the decoder is for public keys and stops at the first
 * bad character.
 */
#ifndef SP_CRYPTO_Z85_H
#define SP_CRYPTO_Z85_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Text length of n bytes (n a multiple of 4), without the NUL. */
#define SP_Z85_TEXT_LEN(n) ((n) / 4 * 5)

/* Encodes in_len bytes (a multiple of 4) into out as NUL-terminated text;
 * out_cap must be at least SP_Z85_TEXT_LEN(in_len) + 1.
 * Returns 0, SP_ERR_INVALID_ARG (length not a multiple of 4, NULL) or
 * SP_ERR_OVERFLOW (out too small). */
SP_NODISCARD int sp_z85_encode(char *out, size_t out_cap, const uint8_t *in, size_t in_len);

/* Decodes text_len characters (a multiple of 5) into out (out_cap bytes, at
 * least text_len / 5 * 4). Refuses characters outside the Z85 alphabet and
 * groups whose value exceeds 2^32 - 1. Writes the decoded length to *out_len.
 * On failure out is zeroed. Returns 0, SP_ERR_INVALID_ARG (bad length or
 * character, NULL) or SP_ERR_OVERFLOW (out too small). */
SP_NODISCARD int sp_z85_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *text,
                               size_t text_len);

#endif
