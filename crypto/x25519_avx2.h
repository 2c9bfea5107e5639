/*
 * X25519 (RFC 7748) of four u-coordinates by one scalar at once, with AVX2
 * (internal to crypto/; group.c's sp_blind_batch is the user). Each 64-bit
 * lane of a 256-bit register runs one Montgomery ladder; the scalar is the
 * same in every lane, so the four ladders run in lockstep and nothing
 * diverges. crypto/README.md ("The vectorised ladder") has the design, why
 * it is constant-time and the figures.
 *
 * Pure: no allocation, no I/O. Touches secrets (the scalar).
 */
#ifndef SP_CRYPTO_X25519_AVX2_H
#define SP_CRYPTO_X25519_AVX2_H

#include <stdbool.h>
#include <stdint.h>

#define SP_X25519_AVX2_LANES 4

/* True when this CPU can run sp_x25519_avx2_scalarmult (AVX2). Asks the CPU
 * on every call (cheap: the compiler's cached cpuid); callers store it. */
bool sp_x25519_avx2_available(void);

/* out[i] = X25519(scalar, in[i]) for the four lanes i = 0..3, exactly as RFC
 * 7748 defines it: the scalar is clamped here (decodeScalar25519), bit 255
 * of each u is masked and u >= p is reduced (decodeUCoordinate), and the
 * output is canonical. A u of order dividing 8 gives all zeros (refusing it
 * is the caller's business, as with libsodium). out may alias in. Only call
 * when sp_x25519_avx2_available(). Constant-time in scalar and inputs; wipes
 * its copies of the scalar and the ladder's state. Touches secrets. */
void sp_x25519_avx2_scalarmult(uint8_t out[SP_X25519_AVX2_LANES][32], const uint8_t scalar[32],
                               const uint8_t in[SP_X25519_AVX2_LANES][32]);

#endif
