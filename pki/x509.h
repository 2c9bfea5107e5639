/*
 * Internal to pki/: the OpenSSL side shared by ca.c and cert.c (parsing
 * PEM or DER, the snijpunt extensions, subject names, times, PEM output).
 * Not part of the layer's interface: nothing outside pki/ includes it.
 */
#ifndef SP_PKI_X509_H
#define SP_PKI_X509_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/err.h"
#include "pki/ca.h"
#include "pki/cert.h"

/* The snijpunt OID arc: 2.25 + the UUID abf8b61b-4bd7-4fbf-9421-340b4e6f78b6
 * as an integer (ITU-T X.667: no registration needed, unique by
 * construction). Arcs under it are assigned here and never reused. */
#define SP_PKI_OID_ARC      "2.25.228589370461317175396353003845432866998"
#define SP_PKI_OID_ROLE     SP_PKI_OID_ARC ".1"
#define SP_PKI_OID_CURVE_PK SP_PKI_OID_ARC ".2"

/* Parses a certificate or CRL given as PEM (starts with "-----BEGIN") or
 * DER; exactly one object, nothing after it but whitespace (PEM).
 * Returns 0, SP_ERR_OVERFLOW (len > max), SP_ERR_CERT / SP_ERR_CRL
 * (malformed), SP_ERR_NOMEM. */
SP_NODISCARD int sp_pki_x509_parse_cert(const void *buf, size_t len, X509 **out);
SP_NODISCARD int sp_pki_x509_parse_crl(const void *buf, size_t len, X509_CRL **out);

/* Reads what a certificate says (subject, keys, role, serial, times,
 * fingerprint) and checks that it is a well-formed federation certificate:
 * exactly O, CN and serialNumber in the subject with valid values, an
 * Ed25519 key, for a CA basicConstraints CA:TRUE and no role, for a leaf
 * CA:FALSE, a role and (nodes only) a CURVE key. Returns 0 or SP_ERR_CERT. */
SP_NODISCARD int sp_pki_x509_info(X509 *x, struct sp_pki_cert_info *info);

/* ASN1_TIME to Unix seconds (UTC, no time zone database involved). */
SP_NODISCARD int sp_pki_x509_time(const ASN1_TIME *t, int64_t *out);

/* Builds the subject name O, CN, serialNumber (values already validated). */
SP_NODISCARD int sp_pki_x509_name(const char *org, const char *cn, const char *oin,
                                  X509_NAME **out);

/* Adds the role extension (and for nodes the CURVE key extension). */
SP_NODISCARD int sp_pki_x509_add_role(X509 *x, int role, const uint8_t *curve_pk);

/* Writes x (or crl) as NUL-terminated PEM into out. Returns 0,
 * SP_ERR_OVERFLOW (cap too small; out untouched), SP_ERR_NOMEM. */
SP_NODISCARD int sp_pki_x509_cert_pem(X509 *x, char *out, size_t cap, size_t *len_out);
SP_NODISCARD int sp_pki_x509_crl_pem(X509_CRL *crl, char *out, size_t cap, size_t *len_out);

/* Validates a subject for a certificate of role (SP_PKI_ROLE_CA for the CA).
 * Returns 0, SP_ERR_INVALID_ARG, SP_ERR_PKI_OIN. */
SP_NODISCARD int sp_pki_x509_check_subject(int role, const struct sp_pki_subject *s);

#endif
