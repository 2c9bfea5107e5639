/*
 * The federation CA: creating it, issuing node and coordinator certificates,
 * and signing revocation lists. Ed25519 throughout (pki/README.md says why).
 *
 * The CA's private key is a 32-byte Ed25519 seed held in guarded memory
 * (sodium_malloc) for the life of a struct sp_pki_ca and wiped when it is
 * freed; OpenSSL sees it only for the duration of one signature. Its text
 * form is a standard PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), which
 * `openssl pkey` can read; writing that text to a 0600 file is the caller's
 * job (sys/keyfile.h).
 *
 * Pure: serial numbers and times are passed in; Ed25519 signatures are
 * deterministic, so equal inputs give byte-identical certificates and CRLs.
 */
#ifndef SP_PKI_CA_H
#define SP_PKI_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "pki/cert.h"

/* Bytes of the CA key's PEM text, without a NUL (it always has this size). */
#define SP_PKI_CA_KEY_PEM_BYTES 119
/* A serial number: 1..SP_PKI_SERIAL_MAX (a positive 63-bit INTEGER). */
#define SP_PKI_SERIAL_MAX INT64_MAX
/* Most revoked serials in one CRL. */
#define SP_PKI_CRL_MAX_ENTRIES 100000
/* A buffer of this size holds the PEM CRL for n revoked serials. */
#define SP_PKI_CRL_PEM_BOUND(n) (2048u + (size_t)(n)*96u)

struct sp_pki_ca; /* opaque; the key seed in guarded memory */

/* Who a certificate is for, and its validity. Strings are NUL-terminated. */
struct sp_pki_subject {
    const char *name; /* CN: see sp_pki_name_valid */
    const char *org;  /* O: 1..64 bytes of UTF-8 */
    const char *oin;  /* serialNumber: a valid OIN (pki/oin.h) */
    uint64_t serial;  /* 1..SP_PKI_SERIAL_MAX; unique per CA (the caller keeps track) */
    int64_t not_before;
    int64_t not_after; /* > not_before */
};

/* Creates a CA with a self-signed certificate for subject. seed: 32 bytes of
 * key material to use (tests), or NULL to draw a fresh key (randombytes).
 * Touches secrets. Returns 0, SP_ERR_INVALID_ARG (a subject field is
 * invalid), SP_ERR_PKI_OIN, SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM,
 * SP_ERR_INTERNAL (OpenSSL failed). */
SP_NODISCARD int sp_pki_ca_create(const struct sp_pki_subject *subject, const uint8_t *seed,
                                  struct sp_pki_ca **out);

/* Loads a CA from its certificate (PEM or DER) and key text (as written by
 * sp_pki_ca_key_pem; key may sit in guarded memory and is not kept).
 * Touches secrets. Returns 0, SP_ERR_CERT (certificate malformed or not a
 * self-signed CA), SP_ERR_KEYFILE_FORMAT (key text malformed),
 * SP_ERR_CERT_KEY_MISMATCH (key does not belong to the certificate),
 * SP_ERR_CRYPTO_INIT, SP_ERR_NOMEM, SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_pki_ca_load(const void *cert, size_t cert_len, const char *key, size_t key_len,
                                struct sp_pki_ca **out);

/* Wipes the key and frees; clears *ca. NULL-safe. */
void sp_pki_ca_free(struct sp_pki_ca **ca);

/* What the CA certificate says (role SP_PKI_ROLE_CA). */
void sp_pki_ca_info(const struct sp_pki_ca *ca, struct sp_pki_cert_info *info);

/* The CA certificate as PEM into out (capacity cap, SP_PKI_CERT_PEM_MAX
 * suffices), NUL-terminated; *len_out without the NUL.
 * Returns 0, SP_ERR_OVERFLOW, SP_ERR_NOMEM. */
SP_NODISCARD int sp_pki_ca_cert_pem(const struct sp_pki_ca *ca, char *out, size_t cap,
                                    size_t *len_out);

/* The CA private key as PKCS#8 PEM text into out (capacity cap, at least
 * SP_PKI_CA_KEY_PEM_BYTES + 1), NUL-terminated. Touches secrets: out should
 * be guarded memory, wiped by the caller after use; wiped here on failure.
 * Returns 0 or SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_pki_ca_key_pem(const struct sp_pki_ca *ca, char *out, size_t cap,
                                   size_t *len_out);

/* Issues a certificate of role (SP_PKI_ROLE_NODE or _COORDINATOR) for
 * subject, binding sign_pk (Ed25519, 32 bytes) and, for nodes, curve_pk
 * (X25519, 32 bytes; must be NULL for coordinators). The validity must lie
 * within the CA's. Writes PEM (NUL-terminated) into out.
 * Touches secrets (the CA key). Returns 0, SP_ERR_INVALID_ARG (bad role,
 * name, keys, serial or validity), SP_ERR_PKI_OIN, SP_ERR_OVERFLOW,
 * SP_ERR_NOMEM, SP_ERR_INTERNAL. */
SP_NODISCARD int sp_pki_ca_issue(const struct sp_pki_ca *ca, int role,
                                 const struct sp_pki_subject *subject,
                                 const uint8_t sign_pk[SP_PKI_KEY_BYTES], const uint8_t *curve_pk,
                                 char *out, size_t cap, size_t *len_out);

/* One revoked certificate. */
struct sp_pki_revoked {
    uint64_t serial;    /* 1..SP_PKI_SERIAL_MAX */
    int64_t revoked_at; /* Unix seconds */
};

/* Signs a version 2 CRL listing n revoked serials (any order; duplicates
 * refused), numbered crl_number (increasing per CA), valid from this_update
 * until next_update (after which verifiers refuse it as stale). Writes PEM
 * (NUL-terminated) into out; SP_PKI_CRL_PEM_BOUND(n) bytes suffice.
 * Touches secrets. Returns 0, SP_ERR_INVALID_ARG, SP_ERR_OVERFLOW (n above
 * SP_PKI_CRL_MAX_ENTRIES or cap too small), SP_ERR_NOMEM, SP_ERR_INTERNAL. */
SP_NODISCARD int sp_pki_ca_crl(const struct sp_pki_ca *ca, const struct sp_pki_revoked *revoked,
                               size_t n, uint64_t crl_number, int64_t this_update,
                               int64_t next_update, char *out, size_t cap, size_t *len_out);

#endif
