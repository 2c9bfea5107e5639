/*
 * Node and coordinator identity keys: an Ed25519 signing key pair (audit log,
 * signed log heads, proposals) and an X25519 key pair for ZeroMQ CURVE.
 * The two are independent keys; both live in guarded memory.
 *
 * Pure: the text form of a key file is produced and parsed here; reading and
 * writing the file (with its permission checks) is sys/keyfile.h's job.
 *
 * Secret key file text (exactly three lines, each ending in "\n", base64 as
 * RFC 4648 with padding; nothing else is accepted):
 *   snijpunt-identity v1
 *   sign-seed <base64 of the 32-byte Ed25519 seed>
 *   curve-secret <base64 of the 32-byte X25519 secret key>
 * The public halves are derived from the secrets when the text is decoded, so
 * a file cannot hold an inconsistent pair.
 *
 * Public key text (one line, no spaces, for peers' configuration files):
 *   snijpunt-public-v1:<base64 of sign_pk || curve_pk, 88 characters>
 * optionally followed by a single "\n".
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
/* Buffer sizes (with the NUL) that always hold the text forms. */
#define SP_IDENTITY_TEXT_MAX_BYTES        256
#define SP_IDENTITY_PUBLIC_TEXT_MAX_BYTES 128

struct sp_identity; /* opaque; secret halves in guarded memory, read-only */

struct sp_identity_public {
    uint8_t sign_pk[SP_SIGN_PUBLIC_BYTES];
    uint8_t curve_pk[SP_CURVE_PUBLIC_BYTES];
};

/* Generates a fresh identity. Touches secrets.
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or
 * SP_ERR_INTERNAL. */
SP_NODISCARD int sp_identity_generate(struct sp_identity **out);
/* A new identity with id's signing key and a fresh CURVE key pair (key
 * rotation: the signing key, which signs the node's audit chain, stays).
 * *out is the caller's to free. Touches secrets. Returns 0,
 * SP_ERR_INVALID_ARG, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or SP_ERR_INTERNAL. */
SP_NODISCARD int sp_identity_rotate_curve(const struct sp_identity *id, struct sp_identity **out);
/* Wipes and frees; clears *id. NULL-safe. */
void sp_identity_free(struct sp_identity **id);
/* Copies the public halves. */
void sp_identity_public(const struct sp_identity *id, struct sp_identity_public *out);

/* Signs msg (detached Ed25519). Touches secrets.
 * Returns 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_identity_sign(const struct sp_identity *id, uint8_t sig[SP_SIGNATURE_BYTES],
                                  const uint8_t *msg, size_t msg_len);
/* Verifies a detached signature (libsodium's strict verification: small-order
 * and non-canonical keys and signatures are refused).
 * Returns 0, SP_ERR_INVALID_ARG or SP_ERR_CRYPTO_SIGNATURE. */
SP_NODISCARD int sp_signature_verify(const uint8_t pk[SP_SIGN_PUBLIC_BYTES],
                                     const uint8_t sig[SP_SIGNATURE_BYTES], const uint8_t *msg,
                                     size_t msg_len);

/* CURVE keys as Z85 text for zmq_setsockopt (41 bytes with NUL). The secret
 * variant touches secrets; callers wipe the buffer after use.
 * Return 0 or SP_ERR_INVALID_ARG. */
SP_NODISCARD int sp_identity_curve_public_z85(const struct sp_identity *id,
                                              char out[SP_CURVE_Z85_CHARS + 1]);
SP_NODISCARD int sp_identity_curve_secret_z85(const struct sp_identity *id,
                                              char out[SP_CURVE_Z85_CHARS + 1]);
/* Z85 of any CURVE public key (a peer's, from sp_identity_public_decode). */
SP_NODISCARD int sp_curve_public_z85(const uint8_t pk[SP_CURVE_PUBLIC_BYTES],
                                     char out[SP_CURVE_Z85_CHARS + 1]);

/* Secret key file text (format above). sp_identity_encode writes at most cap
 * bytes including the NUL into out and the length without it to *out_len;
 * the buffer holds secrets and must be wiped by the caller. On failure out
 * is wiped. Returns 0, SP_ERR_INVALID_ARG or SP_ERR_OVERFLOW.
 * sp_identity_decode parses exactly len bytes of text; *out is the caller's
 * to free. Returns 0, SP_ERR_INVALID_ARG, SP_ERR_KEYFILE_FORMAT (anything
 * malformed), SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM or SP_ERR_INTERNAL. */
SP_NODISCARD int sp_identity_encode(const struct sp_identity *id, char *out, size_t cap,
                                    size_t *out_len);
SP_NODISCARD int sp_identity_decode(const char *text, size_t len, struct sp_identity **out);

/* Public key text (format above). Encode writes the line with its "\n".
 * Decode accepts it with or without the final "\n" and refuses an Ed25519
 * key that is not a valid main-subgroup point and a CURVE key of small
 * order (it would give an all-zero shared secret).
 * Return 0, SP_ERR_INVALID_ARG, SP_ERR_OVERFLOW (encode) or
 * SP_ERR_KEYFILE_FORMAT (decode). */
SP_NODISCARD int sp_identity_public_encode(const struct sp_identity_public *pub, char *out,
                                           size_t cap, size_t *out_len);
SP_NODISCARD int sp_identity_public_decode(const char *text, size_t len,
                                           struct sp_identity_public *out);

#endif
