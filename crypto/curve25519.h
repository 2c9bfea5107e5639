/*
 * RFC 9380 hash-to-curve for curve25519, straight to the Montgomery
 * u-coordinate: hash_to_field, Elligator 2 (RFC 9380 section 6.7.1, the
 * straight-line form of appendix G.2.1), the point addition of the _RO_ suite,
 * cofactor clearing with x-only doublings, and one field inversion per batch
 * (Montgomery's trick). Also the checks on u-coordinates that peers send.
 *
 * This is the arithmetic behind group.h; callers outside crypto/ use group.h.
 * Field arithmetic is constant time (no secret-dependent branches or table
 * indices); the inputs here are match-key hashes (personal data), not keys.
 * Pure: caller-provided buffers, no I/O.
 */
#ifndef SP_CRYPTO_CURVE25519_H
#define SP_CRYPTO_CURVE25519_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_X25519_BYTES 32
/* hash_to_field input per field element (RFC 9380 L = 48 for curve25519). */
#define SP_X25519_FIELD_UNIFORM_BYTES 48
/* Uniform bytes per value: two field elements (_RO_) or one (_NU_). */
#define SP_X25519_RO_UNIFORM_BYTES (2 * SP_X25519_FIELD_UNIFORM_BYTES)
#define SP_X25519_NU_UNIFORM_BYTES SP_X25519_FIELD_UNIFORM_BYTES
/* Values per shared inversion in sp_x25519_hash_to_u (stack scratch). */
#define SP_X25519_BATCH 64

/* Maps n values' expand_message_xmd outputs (each SP_X25519_RO_UNIFORM_BYTES
 * when ro != 0, else SP_X25519_NU_UNIFORM_BYTES, consecutive in uniform) to
 * the u-coordinates of the RFC 9380 curve25519_XMD:SHA-512_ELL2_RO_ (or _NU_)
 * points: P = h_eff * (map(u0) + map(u1)) (or h_eff * map(u0)), written as 32
 * canonical little-endian bytes each to out (n * 32 bytes). One inversion per
 * SP_X25519_BATCH values. Touches personal data (wiped here).
 * Returns 0, or SP_ERR_CRYPTO_POINT when a value maps to the identity
 * (probability about 2^-250; out is then unspecified). */
SP_NODISCARD int sp_x25519_hash_to_u(uint8_t *out, const uint8_t *uniform, size_t n, int ro);

/* Elligator 2 of one field element u (32 bytes little-endian, canonical),
 * the affine point before cofactor clearing: RFC 9380's Q0/Q1/Q in the test
 * vectors. For known-answer tests. */
void sp_x25519_map_to_curve(uint8_t x[SP_X25519_BYTES], uint8_t y[SP_X25519_BYTES],
                            const uint8_t u[SP_X25519_BYTES]);

/* hash_to_field's reduction of one 48-byte big-endian string mod p into 32
 * little-endian bytes. For known-answer tests (RFC 9380 vectors give u). */
void sp_x25519_field_from_uniform(uint8_t fe[SP_X25519_BYTES],
                                  const uint8_t uniform[SP_X25519_FIELD_UNIFORM_BYTES]);

/* True when u is the canonical encoding of a field element: u < p and bit
 * 255 clear (RFC 7748 would mask and reduce: we refuse instead, so that
 * every value has exactly one encoding). Not secret. */
int sp_x25519_is_canonical(const uint8_t u[SP_X25519_BYTES]);

/* True when the point with u-coordinate u (on the curve or on its twist) has
 * order dividing 8 (the identity encoding u = 0 included): 8 * P = O. */
int sp_x25519_is_small_order(const uint8_t u[SP_X25519_BYTES]);

/* True when u is the u-coordinate of a point on curve25519 (u^3 + A u^2 + u
 * is a square), false on the twist. One exponentiation. */
int sp_x25519_is_on_curve(const uint8_t u[SP_X25519_BYTES]);

/* The birational maps between curve25519 and edwards25519 (RFC 7748
 * section 4.1), on one coordinate: y = (u - 1) / (u + 1) and back
 * u = (1 + y) / (1 - y). Outputs are canonical; a zero denominator (u = -1,
 * a point of order 4; y = 1, the Edwards identity) gives 0.
 * sp_ed25519_y_to_x25519_u ignores bit 255 of y (an Edwards encoding's sign
 * of x: both points have the same u). Constant time (the OPRF's unblinding
 * maps its outputs through them). */
void sp_x25519_u_to_ed25519_y(uint8_t y[SP_X25519_BYTES], const uint8_t u[SP_X25519_BYTES]);
void sp_ed25519_y_to_x25519_u(uint8_t u[SP_X25519_BYTES], const uint8_t y[SP_X25519_BYTES]);

#endif
