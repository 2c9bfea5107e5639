/* The federation CA (see ca.h). */
#include "ca.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "pki/x509.h"

#define SEED_BYTES 32

struct sp_pki_ca {
    X509 *cert;
    uint8_t *seed; /* guarded (sodium_malloc), SEED_BYTES */
    struct sp_pki_cert_info info;
};

/* PKCS#8 (RFC 8410) PrivateKeyInfo of an Ed25519 key is this fixed prefix
 * followed by the 32-byte seed: 48 bytes, one 64-character base64 line. */
static const uint8_t pkcs8_prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                         0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
static const char pem_head[] = "-----BEGIN PRIVATE KEY-----\n";
static const char pem_tail[] = "-----END PRIVATE KEY-----\n";
#define PKCS8_BYTES (sizeof(pkcs8_prefix) + SEED_BYTES)
#define B64_CHARS   64

static int ca_alloc(struct sp_pki_ca **out)
{
    if (sodium_init() < 0)
        return SP_ERR_CRYPTO_INIT;
    struct sp_pki_ca *ca = calloc(1, sizeof(*ca));
    if (!ca)
        return SP_ERR_NOMEM;
    ca->seed = sodium_malloc(SEED_BYTES);
    if (!ca->seed) {
        free(ca);
        return SP_ERR_NOMEM;
    }
    *out = ca;
    return 0;
}

void sp_pki_ca_free(struct sp_pki_ca **ca)
{
    if (!ca || !*ca)
        return;
    sodium_free((*ca)->seed); /* wipes */
    X509_free((*ca)->cert);
    free(*ca);
    *ca = NULL;
}

/* The CA key as an OpenSSL object for one signature. OpenSSL copies the
 * seed into its own key structure (ordinary heap: the CLI does not set up
 * OpenSSL's secure heap) and cleanses that copy when the object is freed,
 * right after the signature; our own copy stays in guarded memory. */
static EVP_PKEY *ca_pkey(const uint8_t *seed)
{
    return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, SEED_BYTES);
}

static int add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!ext)
        return SP_ERR_INTERNAL;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : SP_ERR_NOMEM;
}

/* Version, serial, names, validity and key of a certificate to be signed. */
static int cert_body(X509 *x, const struct sp_pki_subject *s, const X509_NAME *subject,
                     const X509_NAME *issuer, EVP_PKEY *key)
{
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    int ok = serial && ASN1_INTEGER_set_int64(serial, (int64_t)s->serial) &&
             X509_set_version(x, X509_VERSION_3) && X509_set_serialNumber(x, serial) &&
             X509_set_subject_name(x, subject) && X509_set_issuer_name(x, issuer) &&
             ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->not_before) &&
             ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->not_after) && X509_set_pubkey(x, key);
    ASN1_INTEGER_free(serial);
    return ok ? 0 : SP_ERR_INTERNAL;
}

/* Extensions of a CA (leaf_role 0) or leaf certificate x issued by issuer. */
static int cert_exts(X509 *x, X509 *issuer, int leaf_role, const uint8_t *curve_pk)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509V3_set_ctx_nodb(&ctx);
    int rc = add_conf_ext(x, &ctx, NID_basic_constraints,
                          leaf_role ? "critical,CA:FALSE" : "critical,CA:TRUE");
    if (rc == 0)
        rc = add_conf_ext(x, &ctx, NID_key_usage,
                          leaf_role ? "critical,digitalSignature" : "critical,keyCertSign,cRLSign");
    if (rc == 0)
        rc = add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (rc == 0)
        rc = add_conf_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (rc == 0 && leaf_role)
        rc = sp_pki_x509_add_role(x, leaf_role, curve_pk);
    return rc;
}

static int ca_self_sign(struct sp_pki_ca *ca, const struct sp_pki_subject *s)
{
    int rc = SP_ERR_NOMEM;
    X509_NAME *name = NULL;
    EVP_PKEY *key = ca_pkey(ca->seed);
    X509 *x = X509_new();
    if (!key || !x)
        goto out;
    rc = sp_pki_x509_name(s->org, s->name, s->oin, &name);
    if (rc == 0)
        rc = cert_body(x, s, name, name, key);
    if (rc == 0)
        rc = cert_exts(x, x, 0, NULL);
    if (rc == 0 && X509_sign(x, key, NULL) <= 0)
        rc = SP_ERR_INTERNAL;
    if (rc == 0)
        rc = sp_pki_x509_info(x, &ca->info) == 0 ? 0 : SP_ERR_INTERNAL;
    if (rc == 0) {
        ca->cert = x;
        x = NULL;
    }
out:
    X509_free(x);
    X509_NAME_free(name);
    EVP_PKEY_free(key);
    return rc;
}

int sp_pki_ca_create(const struct sp_pki_subject *subject, const uint8_t *seed,
                     struct sp_pki_ca **out)
{
    struct sp_pki_ca *ca = NULL;
    int rc = sp_pki_x509_check_subject(SP_PKI_ROLE_CA, subject);
    if (rc != 0 || !out)
        return rc != 0 ? rc : SP_ERR_INVALID_ARG;
    rc = ca_alloc(&ca);
    if (rc != 0)
        return rc;
    if (seed)
        memcpy(ca->seed, seed, SEED_BYTES);
    else
        randombytes_buf(ca->seed, SEED_BYTES);
    rc = ca_self_sign(ca, subject);
    if (rc != 0)
        sp_pki_ca_free(&ca);
    else
        *out = ca;
    return rc;
}

/* Decodes the PKCS#8 PEM text into the guarded seed. */
static int key_decode(const char *key, size_t len, uint8_t *seed)
{
    const size_t head = sizeof(pem_head) - 1, tail = sizeof(pem_tail) - 1;
    if (len != SP_PKI_CA_KEY_PEM_BYTES || memcmp(key, pem_head, head) != 0 ||
        key[head + B64_CHARS] != '\n' || memcmp(key + head + B64_CHARS + 1, pem_tail, tail) != 0)
        return SP_ERR_KEYFILE_FORMAT;
    uint8_t *der = sodium_malloc(PKCS8_BYTES);
    if (!der)
        return SP_ERR_NOMEM;
    size_t n = 0;
    const char *end = NULL;
    int rc = SP_ERR_KEYFILE_FORMAT;
    if (sodium_base642bin(der, PKCS8_BYTES, key + head, B64_CHARS, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        n == PKCS8_BYTES && end == key + head + B64_CHARS &&
        memcmp(der, pkcs8_prefix, sizeof(pkcs8_prefix)) == 0) {
        memcpy(seed, der + sizeof(pkcs8_prefix), SEED_BYTES);
        rc = 0;
    }
    sodium_free(der);
    return rc;
}

/* The certificate must be a self-signed federation CA whose key is seed's. */
static int ca_check_pair(struct sp_pki_ca *ca)
{
    if (sp_pki_x509_info(ca->cert, &ca->info) != 0 || ca->info.role != SP_PKI_ROLE_CA)
        return SP_ERR_CERT;
    EVP_PKEY *pub = X509_get0_pubkey(ca->cert);
    if (!pub || X509_check_issued(ca->cert, ca->cert) != X509_V_OK ||
        X509_verify(ca->cert, pub) != 1)
        return SP_ERR_CERT;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!sk)
        return SP_ERR_NOMEM;
    crypto_sign_seed_keypair(pk, sk, ca->seed);
    sodium_free(sk);
    return sodium_memcmp(pk, ca->info.sign_pk, sizeof(pk)) == 0 ? 0 : SP_ERR_CERT_KEY_MISMATCH;
}

int sp_pki_ca_load(const void *cert, size_t cert_len, const char *key, size_t key_len,
                   struct sp_pki_ca **out)
{
    struct sp_pki_ca *ca = NULL;
    if (!cert || !key || !out)
        return SP_ERR_INVALID_ARG;
    int rc = ca_alloc(&ca);
    if (rc == 0)
        rc = key_decode(key, key_len, ca->seed);
    if (rc == 0)
        rc = sp_pki_x509_parse_cert(cert, cert_len, &ca->cert);
    if (rc == 0)
        rc = ca_check_pair(ca);
    if (rc != 0)
        sp_pki_ca_free(&ca);
    else
        *out = ca;
    return rc;
}

void sp_pki_ca_info(const struct sp_pki_ca *ca, struct sp_pki_cert_info *info)
{
    *info = ca->info;
}

int sp_pki_ca_cert_pem(const struct sp_pki_ca *ca, char *out, size_t cap, size_t *len_out)
{
    if (!ca || !out || !len_out)
        return SP_ERR_INVALID_ARG;
    return sp_pki_x509_cert_pem(ca->cert, out, cap, len_out);
}

int sp_pki_ca_key_pem(const struct sp_pki_ca *ca, char *out, size_t cap, size_t *len_out)
{
    const size_t head = sizeof(pem_head) - 1, tail = sizeof(pem_tail) - 1;
    if (!ca || !out || !len_out)
        return SP_ERR_INVALID_ARG;
    if (cap < SP_PKI_CA_KEY_PEM_BYTES + 1) {
        sodium_memzero(out, cap);
        return SP_ERR_OVERFLOW;
    }
    uint8_t *der = sodium_malloc(PKCS8_BYTES);
    if (!der)
        return SP_ERR_NOMEM;
    memcpy(der, pkcs8_prefix, sizeof(pkcs8_prefix));
    memcpy(der + sizeof(pkcs8_prefix), ca->seed, SEED_BYTES);
    memcpy(out, pem_head, head);
    /* B64_CHARS + 1: sodium_bin2base64 writes the NUL after the line. */
    sodium_bin2base64(out + head, B64_CHARS + 1, der, PKCS8_BYTES, sodium_base64_VARIANT_ORIGINAL);
    sodium_free(der);
    out[head + B64_CHARS] = '\n';
    memcpy(out + head + B64_CHARS + 1, pem_tail, tail + 1);
    *len_out = SP_PKI_CA_KEY_PEM_BYTES;
    return 0;
}

/* The checks of an issue request that do not need OpenSSL. */
static int issue_check(const struct sp_pki_ca *ca, int role, const struct sp_pki_subject *s,
                       const uint8_t *sign_pk, const uint8_t *curve_pk)
{
    if (role != SP_PKI_ROLE_NODE && role != SP_PKI_ROLE_COORDINATOR)
        return SP_ERR_INVALID_ARG;
    int rc = sp_pki_x509_check_subject(role, s);
    if (rc != 0)
        return rc;
    if (!sign_pk || crypto_core_ed25519_is_valid_point(sign_pk) != 1)
        return SP_ERR_INVALID_ARG;
    if ((role == SP_PKI_ROLE_NODE) != (curve_pk != NULL))
        return SP_ERR_INVALID_ARG;
    if (curve_pk && sodium_is_zero(curve_pk, SP_PKI_KEY_BYTES))
        return SP_ERR_INVALID_ARG;
    if (s->not_before < ca->info.not_before || s->not_after > ca->info.not_after)
        return SP_ERR_INVALID_ARG;
    if (s->serial == ca->info.serial)
        return SP_ERR_INVALID_ARG;
    return 0;
}

static int issue_sign(const struct sp_pki_ca *ca, int role, const struct sp_pki_subject *s,
                      EVP_PKEY *subject_key, const uint8_t *curve_pk, X509 *x)
{
    X509_NAME *name = NULL;
    int rc = sp_pki_x509_name(s->org, s->name, s->oin, &name);
    if (rc != 0)
        return rc;
    if (X509_NAME_cmp(name, X509_get_subject_name(ca->cert)) == 0)
        rc = SP_ERR_INVALID_ARG; /* a leaf named like its CA would be self-issued */
    if (rc == 0)
        rc = cert_body(x, s, name, X509_get_subject_name(ca->cert), subject_key);
    X509_NAME_free(name);
    if (rc == 0)
        rc = cert_exts(x, ca->cert, role, curve_pk);
    EVP_PKEY *key = rc == 0 ? ca_pkey(ca->seed) : NULL;
    if (rc == 0 && (!key || X509_sign(x, key, NULL) <= 0))
        rc = SP_ERR_INTERNAL;
    EVP_PKEY_free(key);
    return rc;
}

int sp_pki_ca_issue(const struct sp_pki_ca *ca, int role, const struct sp_pki_subject *subject,
                    const uint8_t sign_pk[SP_PKI_KEY_BYTES], const uint8_t *curve_pk, char *out,
                    size_t cap, size_t *len_out)
{
    if (!ca || !out || !len_out)
        return SP_ERR_INVALID_ARG;
    int rc = issue_check(ca, role, subject, sign_pk, curve_pk);
    if (rc != 0)
        return rc;
    X509 *x = X509_new();
    EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, sign_pk, SP_PKI_KEY_BYTES);
    rc = SP_ERR_NOMEM;
    if (x && pub)
        rc = issue_sign(ca, role, subject, pub, curve_pk, x);
    if (rc == 0)
        rc = sp_pki_x509_cert_pem(x, out, cap, len_out);
    EVP_PKEY_free(pub);
    X509_free(x);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int crl_check(const struct sp_pki_revoked *revoked, size_t n)
{
    if (n > SP_PKI_CRL_MAX_ENTRIES)
        return SP_ERR_OVERFLOW;
    if (n > 0 && !revoked)
        return SP_ERR_INVALID_ARG;
    uint64_t *serials = calloc(n ? n : 1, sizeof(*serials));
    if (!serials)
        return SP_ERR_NOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        serials[i] = revoked[i].serial;
        if (revoked[i].serial == 0 || revoked[i].serial > (uint64_t)SP_PKI_SERIAL_MAX ||
            revoked[i].revoked_at < 0)
            rc = SP_ERR_INVALID_ARG;
    }
    if (rc == 0)
        qsort(serials, n, sizeof(*serials), cmp_u64);
    for (size_t i = 1; i < n && rc == 0; i++)
        if (serials[i] == serials[i - 1])
            rc = SP_ERR_INVALID_ARG;
    free(serials);
    return rc;
}

static int crl_add_revoked(X509_CRL *crl, const struct sp_pki_revoked *r)
{
    X509_REVOKED *rev = X509_REVOKED_new();
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)r->revoked_at);
    int ok = rev && serial && t && ASN1_INTEGER_set_int64(serial, (int64_t)r->serial) &&
             X509_REVOKED_set_serialNumber(rev, serial) &&
             X509_REVOKED_set_revocationDate(rev, t) && X509_CRL_add0_revoked(crl, rev);
    if (ok)
        rev = NULL; /* owned by crl */
    X509_REVOKED_free(rev);
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(t);
    return ok ? 0 : SP_ERR_NOMEM;
}

static int crl_header(const struct sp_pki_ca *ca, X509_CRL *crl, uint64_t number, int64_t this_up,
                      int64_t next_up)
{
    ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)this_up);
    ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)next_up);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    int ok = t1 && t2 && num && X509_CRL_set_version(crl, X509_CRL_VERSION_2) &&
             X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) &&
             X509_CRL_set1_lastUpdate(crl, t1) && X509_CRL_set1_nextUpdate(crl, t2) &&
             ASN1_INTEGER_set_uint64(num, number) &&
             X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    ASN1_INTEGER_free(num);
    if (!ok)
        return SP_ERR_NOMEM;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca->cert, NULL, NULL, crl, 0);
    X509V3_set_ctx_nodb(&ctx);
    X509_EXTENSION *ext =
        X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    ok = ext && X509_CRL_add_ext(crl, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : SP_ERR_INTERNAL;
}

int sp_pki_ca_crl(const struct sp_pki_ca *ca, const struct sp_pki_revoked *revoked, size_t n,
                  uint64_t crl_number, int64_t this_update, int64_t next_update, char *out,
                  size_t cap, size_t *len_out)
{
    if (!ca || !out || !len_out || this_update < 0 || next_update <= this_update)
        return SP_ERR_INVALID_ARG;
    int rc = crl_check(revoked, n);
    if (rc != 0)
        return rc;
    X509_CRL *crl = X509_CRL_new();
    EVP_PKEY *key = NULL;
    rc = crl ? crl_header(ca, crl, crl_number, this_update, next_update) : SP_ERR_NOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = crl_add_revoked(crl, &revoked[i]);
    if (rc == 0 && !X509_CRL_sort(crl))
        rc = SP_ERR_INTERNAL;
    if (rc == 0 && !(key = ca_pkey(ca->seed)))
        rc = SP_ERR_NOMEM;
    if (rc == 0 && X509_CRL_sign(crl, key, NULL) <= 0)
        rc = SP_ERR_INTERNAL;
    if (rc == 0)
        rc = sp_pki_x509_crl_pem(crl, out, cap, len_out);
    EVP_PKEY_free(key);
    X509_CRL_free(crl);
    return rc;
}
