/*
 * Federation certificates: what a node or coordinator certificate says, and
 * verification of one against the federation CA at a given time.
 *
 * A federation certificate (X.509 v3, signed by the CA with Ed25519) has:
 *   subject  O = organisation, CN = node or coordinator name,
 *            serialNumber = the organisation's OIN (pki/oin.h)
 *   key      the holder's Ed25519 signing key (audit entries, log heads and
 *            proposals are signed with it)
 *   role     extension 2.25.<snijpunt arc>.1 (non-critical), DER ENUMERATED
 *            1 node, 2 coordinator; see pki/README.md
 *   CURVE    nodes only: extension 2.25.<snijpunt arc>.2 (non-critical), DER
 *            OCTET STRING of the node's 32-byte X25519 (ZeroMQ CURVE) key
 *   and basicConstraints CA:FALSE, keyUsage digitalSignature, key
 *   identifiers. Certificates are accepted as PEM or DER.
 *
 * Pure: time is passed in; no files, clock or logging. OpenSSL stays behind
 * this header.
 */
#ifndef SP_PKI_CERT_H
#define SP_PKI_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "pki/oin.h"

#define SP_PKI_KEY_BYTES    32
#define SP_PKI_SHA256_BYTES 32
/* Subject names (CN, O): 1..64 bytes of UTF-8 (the X.520 upper bounds),
 * without control characters. A node's CN is also a node name:
 * [a-z0-9-]{1,64}, as in proto/. */
#define SP_PKI_NAME_MAX 64
/* Largest certificate accepted as input (PEM or DER); PROPOSE carries up to
 * 8192 bytes of signer certificate. */
#define SP_PKI_CERT_MAX_BYTES 8192
/* Largest revocation list accepted as input (PEM or DER). */
#define SP_PKI_CRL_MAX_BYTES (4u << 20)
/* A buffer of this size holds any certificate this layer writes as PEM. */
#define SP_PKI_CERT_PEM_MAX 4096

enum sp_pki_role {
    SP_PKI_ROLE_NODE = 1,
    SP_PKI_ROLE_COORDINATOR = 2,
    SP_PKI_ROLE_CA = 3, /* reported for the CA certificate; never in the extension */
};

/* What a certificate says, as extracted by sp_pki_verify / sp_pki_inspect. */
struct sp_pki_cert_info {
    int role;                           /* enum sp_pki_role */
    char name[SP_PKI_NAME_MAX + 1];     /* subject CN */
    char org[SP_PKI_NAME_MAX + 1];      /* subject O */
    char oin[SP_PKI_OIN_DIGITS + 1];    /* subject serialNumber */
    uint8_t sign_pk[SP_PKI_KEY_BYTES];  /* subject public key (Ed25519) */
    uint8_t curve_pk[SP_PKI_KEY_BYTES]; /* nodes: the bound X25519 key; else zero */
    bool has_curve_pk;
    uint64_t serial;                          /* 1..2^63-1 */
    int64_t not_before;                       /* Unix seconds */
    int64_t not_after;                        /* Unix seconds */
    uint8_t fingerprint[SP_PKI_SHA256_BYTES]; /* SHA-256 of the DER encoding */
};

/* The federation's trust: its CA certificate and, optionally, its current
 * revocation list. Parse once, verify many certificates. Opaque. */
struct sp_pki_trust;

/* Parses the CA certificate (PEM or DER) and optionally a CRL (crl NULL for
 * none). The CA must be a self-signed CA certificate whose signature
 * verifies; the CRL must be signed by that CA. Returns 0, SP_ERR_NOMEM,
 * SP_ERR_OVERFLOW (input larger than its limit), SP_ERR_CERT (the CA
 * certificate is malformed, not a CA or not self-signed), SP_ERR_CRL
 * (malformed or not signed by the CA). */
SP_NODISCARD int sp_pki_trust_new(const void *ca, size_t ca_len, const void *crl, size_t crl_len,
                                  struct sp_pki_trust **out);
/* Frees; clears *t. NULL-safe. */
void sp_pki_trust_free(struct sp_pki_trust **t);
/* The nextUpdate of the trust's CRL (Unix seconds): after it verifiers
 * refuse the CRL as stale. Returns 0, SP_ERR_NOT_FOUND (no CRL). */
SP_NODISCARD int sp_pki_trust_crl_next_update(const struct sp_pki_trust *t, int64_t *out);

/* Verifies cert (PEM or DER) at time now (Unix seconds): signed by the CA,
 * within its validity and the CA's (not_before <= now < not_after), not
 * revoked (when the trust has a CRL, which must itself be current at now),
 * a well-formed federation certificate, and of expected_role (0 accepts
 * either role). *info is written only on success. When why is not NULL, a
 * sentence for a log line (without key material) is written into it on
 * failure (why_cap bytes with the NUL). Returns 0 or:
 *   SP_ERR_OVERFLOW          cert larger than SP_PKI_CERT_MAX_BYTES
 *   SP_ERR_CERT              not a parseable federation certificate
 *   SP_ERR_CERT_UNTRUSTED    not issued by this CA (or its signature fails)
 *   SP_ERR_CERT_EXPIRED      outside its validity (or the CA's) at now
 *   SP_ERR_CERT_REVOKED      on the revocation list
 *   SP_ERR_CRL               the revocation list is expired or not yet valid
 *   SP_ERR_CERT_ROLE         a valid certificate of another role
 *   SP_ERR_NOMEM */
SP_NODISCARD int sp_pki_trust_verify(const struct sp_pki_trust *t, const void *cert,
                                     size_t cert_len, int64_t now, int expected_role,
                                     struct sp_pki_cert_info *info, char *why, size_t why_cap);

/* One-shot form of the two functions above (crl NULL for none). */
SP_NODISCARD int sp_pki_verify(const void *ca, size_t ca_len, const void *crl, size_t crl_len,
                               const void *cert, size_t cert_len, int64_t now, int expected_role,
                               struct sp_pki_cert_info *info, char *why, size_t why_cap);

/* Verifies a signature made by a certificate holder (a coordinator's on a
 * proposal, a node's on anything it signs): cert is verified exactly as by
 * sp_pki_trust_verify, then sig (Ed25519, 64 bytes) over msg[0..msg_len)
 * with the certificate's key. The caller's msg carries its own domain
 * separation (e.g. "snijpunt-proposal-v1\0" || proposal bytes). *info is
 * written only on success. Returns 0, the codes of sp_pki_trust_verify, or
 * SP_ERR_CRYPTO_SIGNATURE. */
SP_NODISCARD int sp_pki_trust_verify_signed(const struct sp_pki_trust *t, const void *cert,
                                            size_t cert_len, int64_t now, int expected_role,
                                            const uint8_t *msg, size_t msg_len,
                                            const uint8_t sig[64], struct sp_pki_cert_info *info,
                                            char *why, size_t why_cap);

/* Compares the keys a certificate binds with the keys a peer actually uses
 * (either may be NULL to skip it). A node certificate must bind a CURVE key
 * when curve_pk is given. Returns 0 or SP_ERR_CERT_KEY_MISMATCH. */
SP_NODISCARD int sp_pki_match_keys(const struct sp_pki_cert_info *info, const uint8_t *sign_pk,
                                   const uint8_t *curve_pk);

/* Reads what a certificate says WITHOUT verifying it (for display, or to
 * find a serial to revoke). A CA certificate is reported with role
 * SP_PKI_ROLE_CA. Returns 0, SP_ERR_OVERFLOW, SP_ERR_CERT, SP_ERR_NOMEM. */
SP_NODISCARD int sp_pki_inspect(const void *cert, size_t cert_len, struct sp_pki_cert_info *info);

/* Converts a certificate (PEM or DER) to DER into der (capacity cap).
 * Returns 0, SP_ERR_CERT, SP_ERR_OVERFLOW (input too large, or cap too
 * small; *len_out untouched), SP_ERR_NOMEM. */
SP_NODISCARD int sp_pki_cert_der(const void *cert, size_t cert_len, uint8_t *der, size_t cap,
                                 size_t *len_out);

/* "node", "coordinator", "ca"; NULL for anything else. */
const char *sp_pki_role_name(int role);
/* Parses "node" or "coordinator"; returns the role or 0. */
int sp_pki_role_from_name(const char *name);

/* True when s[0..len) is an acceptable subject name for role: a node name
 * [a-z0-9-]{1,64} for SP_PKI_ROLE_NODE; 1..64 bytes of UTF-8 without control
 * characters otherwise (coordinators, the CA, and role 0: an organisation). */
bool sp_pki_name_valid(int role, const char *s, size_t len);

#endif
