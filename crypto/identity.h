/*
 * Node and coordinator identity keys: an Ed25519 signing key pair (audit log,
 * signed log heads, proposals) and an X25519 key pair for ZeroMQ CURVE.
 * The two are independent keys; both live in guarded memory.
 *
 * Pure: the text form of a key file is produced and parsed here; reading and
 * writing the file (with its permission checks) is sys/keyfile.h's job.
 */
#ifndef SP_CRYPTO_IDENTITY_H
#define SP_CRYPTO_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_SIGN_PUBLIC_BYTES  32
#define SP_SIGNATURE_BYTES    64
#define SP_CURVE_PUBLIC_BYTES 32
#define SP_CURVE_SECRET_BYTES 32
/* Z85 text of a CURVE key as ZeroMQ expects it, without the NUL. */
#define SP_CURVE_Z85_CHARS 40

struct sp_identity; /* opaque; secret halves in guarded memory */

struct sp_identity_public {
    uint8_t sign_pk[SP_SIGN_PUBLIC_BYTES];
    uint8_t curve_pk[SP_CURVE_PUBLIC_BYTES];
};

/* Generates a fresh identity. Touches secrets. Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_identity_generate(struct sp_identity **out);
/* Wipes and frees; clears *id. NULL-safe. */
void sp_identity_free(struct sp_identity **id);
/* Copies the public halves. */
void sp_identity_public(const struct sp_identity *id, struct sp_identity_public *out);

/* Signs msg (detached Ed25519). Touches secrets. */
SP_NODISCARD int sp_identity_sign(const struct sp_identity *id, uint8_t sig[SP_SIGNATURE_BYTES],
                                  const uint8_t *msg, size_t msg_len);
/* Verifies a detached signature. Returns 0 or SP_ERR_CRYPTO_SIGNATURE. */
SP_NODISCARD int sp_signature_verify(const uint8_t pk[SP_SIGN_PUBLIC_BYTES],
                                     const uint8_t sig[SP_SIGNATURE_BYTES], const uint8_t *msg,
                                     size_t msg_len);

/* CURVE keys as Z85 text for zmq_setsockopt (41 bytes with NUL). The secret
 * variant touches secrets; callers wipe the buffer after use. */
SP_NODISCARD int sp_identity_curve_public_z85(const struct sp_identity *id,
                                              char out[SP_CURVE_Z85_CHARS + 1]);
SP_NODISCARD int sp_identity_curve_secret_z85(const struct sp_identity *id,
                                              char out[SP_CURVE_Z85_CHARS + 1]);

/* Text form of a secret key file ("snijpunt-identity v1" header, base64 lines).
 * sp_identity_encode writes at most cap bytes including NUL into out; the
 * buffer holds secrets and must be wiped by the caller.
 * sp_identity_decode parses it; SP_ERR_KEYFILE_FORMAT on anything malformed. */
SP_NODISCARD int sp_identity_encode(const struct sp_identity *id, char *out, size_t cap,
                                    size_t *out_len);
SP_NODISCARD int sp_identity_decode(const char *text, size_t len, struct sp_identity **out);

/* Text form of the public halves ("snijpunt-public v1"), for peers' configs. */
SP_NODISCARD int sp_identity_public_encode(const struct sp_identity_public *pub, char *out,
                                           size_t cap, size_t *out_len);
SP_NODISCARD int sp_identity_public_decode(const char *text, size_t len,
                                           struct sp_identity_public *out);

#endif
