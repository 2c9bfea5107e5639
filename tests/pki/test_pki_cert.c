/* Federation CA, certificates and revocation (pki/ca.h, pki/cert.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "pki/ca.h"
#include "pki/cert.h"

#define T0       INT64_C(1700000000) /* 2023-11-14 */
#define DAY      INT64_C(86400)
#define YEAR     (365 * DAY)
#define OIN_CA   "00000001111222333000"
#define OIN_NODE "00000003123456780000"

struct fix {
    struct sp_pki_ca *ca;
    char ca_pem[SP_PKI_CERT_PEM_MAX];
    size_t ca_len;
    uint8_t sign_pk[32];
    uint8_t curve_pk[32];
    char node_pem[SP_PKI_CERT_PEM_MAX];
    size_t node_len;
};

static void seed_of(uint8_t seed[32], uint8_t tag)
{
    memset(seed, tag, 32);
}

static struct sp_pki_ca *make_ca(uint8_t tag, const char *name)
{
    uint8_t seed[32];
    seed_of(seed, tag);
    struct sp_pki_subject s = {name, "Federatie RIEC Test", OIN_CA, 1, T0, T0 + 10 * YEAR};
    struct sp_pki_ca *ca = NULL;
    assert_int_equal(sp_pki_ca_create(&s, seed, &ca), 0);
    return ca;
}

static void node_keys(uint8_t tag, uint8_t sign_pk[32], uint8_t curve_pk[32])
{
    uint8_t seed[32], sk[64], csk[32];
    seed_of(seed, tag);
    crypto_sign_seed_keypair(sign_pk, sk, seed);
    crypto_box_seed_keypair(curve_pk, csk, seed);
}

static int issue(struct sp_pki_ca *ca, int role, const char *name, uint64_t serial, int64_t nb,
                 int64_t na, const uint8_t *sign_pk, const uint8_t *curve_pk, char *out,
                 size_t *len)
{
    struct sp_pki_subject s = {name, "Gemeente Voorbeeld", OIN_NODE, serial, nb, na};
    return sp_pki_ca_issue(ca, role, &s, sign_pk, curve_pk, out, SP_PKI_CERT_PEM_MAX, len);
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->ca = make_ca(1, "snijpunt federation CA");
    assert_int_equal(sp_pki_ca_cert_pem(f->ca, f->ca_pem, sizeof(f->ca_pem), &f->ca_len), 0);
    node_keys(7, f->sign_pk, f->curve_pk);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, "node-a", 1000, T0, T0 + YEAR, f->sign_pk,
                           f->curve_pk, f->node_pem, &f->node_len),
                     0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    sp_pki_ca_free(&f->ca);
    assert_null(f->ca);
    free(f);
    return 0;
}

static int verify(const struct fix *f, const void *crl, size_t crl_len, const void *cert,
                  size_t len, int64_t now, int role, struct sp_pki_cert_info *info)
{
    char why[160];
    struct sp_pki_cert_info tmp;
    int rc = sp_pki_verify(f->ca_pem, f->ca_len, crl, crl_len, cert, len, now, role,
                           info ? info : &tmp, why, sizeof(why));
    if (rc != 0)
        assert_true(why[0] != '\0'); /* every refusal has a reason to log */
    return rc;
}

static void test_issue_and_verify(void **state)
{
    struct fix *f = *state;
    struct sp_pki_cert_info info;
    assert_int_equal(
        verify(f, NULL, 0, f->node_pem, f->node_len, T0 + DAY, SP_PKI_ROLE_NODE, &info), 0);
    assert_int_equal(info.role, SP_PKI_ROLE_NODE);
    assert_string_equal(info.name, "node-a");
    assert_string_equal(info.org, "Gemeente Voorbeeld");
    assert_string_equal(info.oin, OIN_NODE);
    assert_memory_equal(info.sign_pk, f->sign_pk, 32);
    assert_true(info.has_curve_pk);
    assert_memory_equal(info.curve_pk, f->curve_pk, 32);
    assert_int_equal(info.serial, 1000);
    assert_int_equal(info.not_before, T0);
    assert_int_equal(info.not_after, T0 + YEAR);
    /* role 0: either role is accepted */
    assert_int_equal(verify(f, NULL, 0, f->node_pem, f->node_len, T0 + DAY, 0, NULL), 0);
    /* the bound keys are those the node uses */
    assert_int_equal(sp_pki_match_keys(&info, f->sign_pk, f->curve_pk), 0);
    assert_int_equal(sp_pki_match_keys(&info, NULL, NULL), 0);
}

static void test_coordinator(void **state)
{
    struct fix *f = *state;
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    uint8_t pk[32], unused[32];
    node_keys(9, pk, unused);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_COORDINATOR, "J. de Vries (RIEC Zuid)", 1001, T0,
                           T0 + YEAR, pk, NULL, pem, &len),
                     0);
    struct sp_pki_cert_info info;
    assert_int_equal(verify(f, NULL, 0, pem, len, T0 + DAY, SP_PKI_ROLE_COORDINATOR, &info), 0);
    assert_int_equal(info.role, SP_PKI_ROLE_COORDINATOR);
    assert_false(info.has_curve_pk);
    assert_string_equal(info.name, "J. de Vries (RIEC Zuid)");
    /* a coordinator binds no CURVE key: a peer presenting one does not match */
    assert_int_equal(sp_pki_match_keys(&info, pk, f->curve_pk), SP_ERR_CERT_KEY_MISMATCH);
}

static void test_wrong_role(void **state)
{
    struct fix *f = *state;
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    uint8_t pk[32], unused[32];
    node_keys(9, pk, unused);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_COORDINATOR, "coordinator", 1001, T0, T0 + YEAR, pk,
                           NULL, pem, &len),
                     0);
    assert_int_equal(verify(f, NULL, 0, pem, len, T0 + DAY, SP_PKI_ROLE_NODE, NULL),
                     SP_ERR_CERT_ROLE);
    assert_int_equal(
        verify(f, NULL, 0, f->node_pem, f->node_len, T0 + DAY, SP_PKI_ROLE_COORDINATOR, NULL),
        SP_ERR_CERT_ROLE);
    /* the CA certificate is no node certificate, although it "chains" */
    assert_int_equal(verify(f, NULL, 0, f->ca_pem, f->ca_len, T0 + DAY, 0, NULL), SP_ERR_CERT);
}

static void make_crl(struct sp_pki_ca *ca, const struct sp_pki_revoked *r, size_t n,
                     int64_t this_up, int64_t next_up, char **pem, size_t *len)
{
    size_t cap = SP_PKI_CRL_PEM_BOUND(n);
    *pem = malloc(cap);
    assert_non_null(*pem);
    assert_int_equal(sp_pki_ca_crl(ca, r, n, 1, this_up, next_up, *pem, cap, len), 0);
}

static void test_revoked(void **state)
{
    struct fix *f = *state;
    char *crl = NULL;
    size_t crl_len = 0;
    struct sp_pki_revoked r[] = {{77, T0 + DAY}, {1000, T0 + 2 * DAY}, {5, T0}};
    make_crl(f->ca, r, 3, T0 + 2 * DAY, T0 + 30 * DAY, &crl, &crl_len);
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + 3 * DAY, 0, NULL),
                     SP_ERR_CERT_REVOKED);
    free(crl);
    /* a CRL that does not list it, and an empty CRL: accepted */
    make_crl(f->ca, r, 1, T0 + 2 * DAY, T0 + 30 * DAY, &crl, &crl_len);
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + 3 * DAY, 0, NULL), 0);
    /* ... until the CRL is past its nextUpdate: stale lists are refused */
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + 31 * DAY, 0, NULL),
                     SP_ERR_CRL);
    free(crl);
    make_crl(f->ca, NULL, 0, T0 + 2 * DAY, T0 + 30 * DAY, &crl, &crl_len);
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + 3 * DAY, 0, NULL), 0);
    free(crl);
}

static void test_crl_from_other_ca(void **state)
{
    struct fix *f = *state;
    struct sp_pki_ca *other = make_ca(2, "snijpunt federation CA");
    char *crl = NULL;
    size_t crl_len = 0;
    make_crl(other, NULL, 0, T0, T0 + 30 * DAY, &crl, &crl_len);
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + DAY, 0, NULL),
                     SP_ERR_CRL);
    /* a flipped byte in a CRL is refused too (never silently ignored) */
    free(crl);
    make_crl(f->ca, NULL, 0, T0, T0 + 30 * DAY, &crl, &crl_len);
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + DAY, 0, NULL), 0);
    crl[40] ^= 0x01;
    assert_int_equal(verify(f, crl, crl_len, f->node_pem, f->node_len, T0 + DAY, 0, NULL),
                     SP_ERR_CRL);
    free(crl);
    sp_pki_ca_free(&other);
}

static void test_crl_args(void **state)
{
    struct fix *f = *state;
    char pem[4096];
    size_t len = 0;
    struct sp_pki_revoked dup[] = {{5, T0}, {5, T0}};
    struct sp_pki_revoked zero[] = {{0, T0}};
    assert_int_equal(sp_pki_ca_crl(f->ca, dup, 2, 1, T0, T0 + DAY, pem, sizeof(pem), &len),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_pki_ca_crl(f->ca, zero, 1, 1, T0, T0 + DAY, pem, sizeof(pem), &len),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_pki_ca_crl(f->ca, NULL, 0, 1, T0, T0, pem, sizeof(pem), &len),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(sp_pki_ca_crl(f->ca, NULL, 0, 1, T0, T0 + DAY, pem, 100, &len),
                     SP_ERR_OVERFLOW);
    assert_int_equal(sp_pki_ca_crl(f->ca, zero, SP_PKI_CRL_MAX_ENTRIES + 1, 1, T0, T0 + DAY, pem,
                                   sizeof(pem), &len),
                     SP_ERR_OVERFLOW);
}

static void test_other_ca(void **state)
{
    struct fix *f = *state;
    /* same name, same OIN, another key: a look-alike CA */
    struct sp_pki_ca *twin = make_ca(2, "snijpunt federation CA");
    struct sp_pki_ca *other = make_ca(3, "another CA");
    struct sp_pki_ca *cas[] = {twin, other};
    for (size_t i = 0; i < 2; i++) {
        char pem[SP_PKI_CERT_PEM_MAX];
        size_t len = 0;
        assert_int_equal(issue(cas[i], SP_PKI_ROLE_NODE, "node-a", 1000, T0, T0 + YEAR, f->sign_pk,
                               f->curve_pk, pem, &len),
                         0);
        assert_int_equal(verify(f, NULL, 0, pem, len, T0 + DAY, SP_PKI_ROLE_NODE, NULL),
                         SP_ERR_CERT_UNTRUSTED);
        sp_pki_ca_free(&cas[i]);
    }
}

static void test_validity(void **state)
{
    struct fix *f = *state;
    assert_int_equal(verify(f, NULL, 0, f->node_pem, f->node_len, T0, 0, NULL), 0);
    /* valid for not_before <= now < not_after (OpenSSL counts the last
     * second as expired) */
    assert_int_equal(verify(f, NULL, 0, f->node_pem, f->node_len, T0 + YEAR - 1, 0, NULL), 0);
    assert_int_equal(verify(f, NULL, 0, f->node_pem, f->node_len, T0 - 1, 0, NULL),
                     SP_ERR_CERT_EXPIRED);
    assert_int_equal(verify(f, NULL, 0, f->node_pem, f->node_len, T0 + YEAR, 0, NULL),
                     SP_ERR_CERT_EXPIRED);
    /* a certificate may not outlive its CA */
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 1002, T0, T0 + 11 * YEAR, f->sign_pk,
                           f->curve_pk, pem, &len),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 1002, T0 - 1, T0 + YEAR, f->sign_pk,
                           f->curve_pk, pem, &len),
                     SP_ERR_INVALID_ARG);
}

/* Every single-bit change anywhere in the DER is refused. */
static void test_tampered(void **state)
{
    struct fix *f = *state;
    uint8_t der[SP_PKI_CERT_MAX_BYTES], bad[SP_PKI_CERT_MAX_BYTES];
    size_t len = 0;
    assert_int_equal(sp_pki_cert_der(f->node_pem, f->node_len, der, sizeof(der), &len), 0);
    assert_int_equal(verify(f, NULL, 0, der, len, T0 + DAY, SP_PKI_ROLE_NODE, NULL), 0);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(bad, der, len);
            bad[i] ^= (uint8_t)(1u << bit);
            if (verify(f, NULL, 0, bad, len, T0 + DAY, SP_PKI_ROLE_NODE, NULL) == 0)
                fail_msg("certificate with bit %d of byte %zu flipped accepted", bit, i);
        }
    }
    /* trailing bytes after the DER, or after the PEM block */
    der[len] = 0;
    assert_int_equal(verify(f, NULL, 0, der, len + 1, T0 + DAY, 0, NULL), SP_ERR_CERT);
    char pem[SP_PKI_CERT_PEM_MAX + 8];
    memcpy(pem, f->node_pem, f->node_len);
    memcpy(pem + f->node_len, "junk", 4);
    assert_int_equal(verify(f, NULL, 0, pem, f->node_len + 4, T0 + DAY, 0, NULL), SP_ERR_CERT);
    memcpy(pem + f->node_len, "\n \n", 3); /* whitespace is fine */
    assert_int_equal(verify(f, NULL, 0, pem, f->node_len + 3, T0 + DAY, 0, NULL), 0);
}

static void test_key_mismatch(void **state)
{
    struct fix *f = *state;
    struct sp_pki_cert_info info;
    assert_int_equal(verify(f, NULL, 0, f->node_pem, f->node_len, T0 + DAY, 0, &info), 0);
    uint8_t other_sign[32], other_curve[32];
    node_keys(8, other_sign, other_curve);
    assert_int_equal(sp_pki_match_keys(&info, other_sign, f->curve_pk), SP_ERR_CERT_KEY_MISMATCH);
    assert_int_equal(sp_pki_match_keys(&info, f->sign_pk, other_curve), SP_ERR_CERT_KEY_MISMATCH);
    assert_int_equal(sp_pki_match_keys(&info, NULL, other_curve), SP_ERR_CERT_KEY_MISMATCH);
    assert_int_equal(sp_pki_match_keys(&info, other_sign, NULL), SP_ERR_CERT_KEY_MISMATCH);
}

static void test_issue_args(void **state)
{
    struct fix *f = *state;
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    uint8_t zero[32] = {0};
    const char *bad_names[] = {"Node-A", "node a", "", "node_a",
                               ("a-very-long-node-name-that-goes-on-and-on-past-sixty-four-chars"
                                "-x")};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
        assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, bad_names[i], 1002, T0, T0 + YEAR,
                               f->sign_pk, f->curve_pk, pem, &len),
                         SP_ERR_INVALID_ARG);
    /* node without CURVE key, coordinator with one, invalid keys, bad role/serial */
    assert_int_equal(
        issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 1002, T0, T0 + YEAR, f->sign_pk, NULL, pem, &len),
        SP_ERR_INVALID_ARG);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_COORDINATOR, "c", 1002, T0, T0 + YEAR, f->sign_pk,
                           f->curve_pk, pem, &len),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(
        issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 1002, T0, T0 + YEAR, zero, f->curve_pk, pem, &len),
        SP_ERR_INVALID_ARG);
    assert_int_equal(
        issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 1002, T0, T0 + YEAR, f->sign_pk, zero, pem, &len),
        SP_ERR_INVALID_ARG);
    assert_int_equal(
        issue(f->ca, SP_PKI_ROLE_CA, "node-b", 1002, T0, T0 + YEAR, f->sign_pk, NULL, pem, &len),
        SP_ERR_INVALID_ARG);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 0, T0, T0 + YEAR, f->sign_pk,
                           f->curve_pk, pem, &len),
                     SP_ERR_INVALID_ARG);
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, "node-b", 1002, T0 + 5, T0 + 5, f->sign_pk,
                           f->curve_pk, pem, &len),
                     SP_ERR_INVALID_ARG);
    struct sp_pki_subject s = {"node-b", "Org", "00000001123456789000", 1002, T0, T0 + YEAR};
    assert_int_equal(sp_pki_ca_issue(f->ca, SP_PKI_ROLE_NODE, &s, f->sign_pk, f->curve_pk, pem,
                                     sizeof(pem), &len),
                     SP_ERR_PKI_OIN);
    s.oin = OIN_NODE;
    assert_int_equal(
        sp_pki_ca_issue(f->ca, SP_PKI_ROLE_NODE, &s, f->sign_pk, f->curve_pk, pem, 100, &len),
        SP_ERR_OVERFLOW);
}

/* Equal inputs, equal bytes: Ed25519 signatures are deterministic. */
static void test_deterministic(void **state)
{
    struct fix *f = *state;
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_NODE, "node-a", 1000, T0, T0 + YEAR, f->sign_pk,
                           f->curve_pk, pem, &len),
                     0);
    assert_int_equal(len, f->node_len);
    assert_memory_equal(pem, f->node_pem, len);
    struct sp_pki_ca *again = make_ca(1, "snijpunt federation CA");
    char ca2[SP_PKI_CERT_PEM_MAX];
    assert_int_equal(sp_pki_ca_cert_pem(again, ca2, sizeof(ca2), &len), 0);
    assert_int_equal(len, f->ca_len);
    assert_memory_equal(ca2, f->ca_pem, len);
    sp_pki_ca_free(&again);
}

static void test_key_roundtrip(void **state)
{
    struct fix *f = *state;
    char *key = sodium_malloc(SP_PKI_CA_KEY_PEM_BYTES + 1);
    size_t klen = 0;
    assert_non_null(key);
    assert_int_equal(sp_pki_ca_key_pem(f->ca, key, SP_PKI_CA_KEY_PEM_BYTES + 1, &klen), 0);
    assert_int_equal(klen, SP_PKI_CA_KEY_PEM_BYTES);
    assert_int_equal(strlen(key), klen);
    /* standard PKCS#8: OpenSSL reads it and finds the CA's key */
    BIO *b = BIO_new_mem_buf(key, (int)klen);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    assert_non_null(pk);
    uint8_t pub[32];
    size_t plen = 32;
    assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pub, &plen), 1);
    struct sp_pki_cert_info ca_info;
    sp_pki_ca_info(f->ca, &ca_info);
    assert_int_equal(ca_info.role, SP_PKI_ROLE_CA);
    assert_memory_equal(pub, ca_info.sign_pk, 32);
    EVP_PKEY_free(pk);
    BIO_free(b);
    /* loaded again, it issues the same certificate */
    struct sp_pki_ca *loaded = NULL;
    assert_int_equal(sp_pki_ca_load(f->ca_pem, f->ca_len, key, klen, &loaded), 0);
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    assert_int_equal(issue(loaded, SP_PKI_ROLE_NODE, "node-a", 1000, T0, T0 + YEAR, f->sign_pk,
                           f->curve_pk, pem, &len),
                     0);
    assert_memory_equal(pem, f->node_pem, len);
    sp_pki_ca_free(&loaded);
    /* the key of another CA does not fit this certificate */
    struct sp_pki_ca *other = make_ca(4, "snijpunt federation CA");
    char *okey = sodium_malloc(SP_PKI_CA_KEY_PEM_BYTES + 1);
    assert_int_equal(sp_pki_ca_key_pem(other, okey, SP_PKI_CA_KEY_PEM_BYTES + 1, &klen), 0);
    assert_int_equal(sp_pki_ca_load(f->ca_pem, f->ca_len, okey, klen, &loaded),
                     SP_ERR_CERT_KEY_MISMATCH);
    /* malformed key text */
    okey[40] = '*';
    assert_int_equal(sp_pki_ca_load(f->ca_pem, f->ca_len, okey, klen, &loaded),
                     SP_ERR_KEYFILE_FORMAT);
    assert_int_equal(sp_pki_ca_load(f->ca_pem, f->ca_len, key, klen - 1, &loaded),
                     SP_ERR_KEYFILE_FORMAT);
    /* a node certificate is no CA certificate */
    assert_int_equal(sp_pki_ca_load(f->node_pem, f->node_len, key, klen, &loaded), SP_ERR_CERT);
    assert_null(loaded);
    assert_int_equal(sp_pki_ca_key_pem(f->ca, okey, 50, &klen), SP_ERR_OVERFLOW);
    sodium_free(okey);
    sodium_free(key);
    sp_pki_ca_free(&other);
}

/* A certificate the CA signed that lacks the snijpunt role extension (e.g.
 * one issued with other tools) is not a federation certificate. */
static void test_foreign_profile(void **state)
{
    struct fix *f = *state;
    char key[SP_PKI_CA_KEY_PEM_BYTES + 1];
    size_t klen = 0;
    assert_int_equal(sp_pki_ca_key_pem(f->ca, key, sizeof(key), &klen), 0);
    BIO *b = BIO_new_mem_buf(key, (int)klen);
    EVP_PKEY *cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    sodium_memzero(key, sizeof(key));
    b = BIO_new_mem_buf(f->ca_pem, (int)f->ca_len);
    X509 *cacert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, f->sign_pk, 32);
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_NID(n, NID_organizationName, MBSTRING_UTF8, (const unsigned char *)"Org",
                               -1, -1, 0);
    X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8, (const unsigned char *)"node-x",
                               -1, -1, 0);
    X509_NAME_add_entry_by_NID(n, NID_serialNumber, MBSTRING_ASC, (const unsigned char *)OIN_NODE,
                               -1, -1, 0);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, X509_get_subject_name(cacert));
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)T0);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(T0 + YEAR));
    X509_set_pubkey(x, pub);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cacert, x, NULL, NULL, 0);
    const char *exts[][2] = {{"basicConstraints", "critical,CA:FALSE"},
                             {"subjectKeyIdentifier", "hash"},
                             {"authorityKeyIdentifier", "keyid:always"}};
    for (size_t i = 0; i < 3; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
        assert_non_null(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, cakey, NULL) > 0);
    uint8_t der[4096], *p = der;
    int len = i2d_X509(x, &p);
    assert_true(len > 0);
    assert_int_equal(verify(f, NULL, 0, der, (size_t)len, T0 + DAY, 0, NULL), SP_ERR_CERT);
    struct sp_pki_cert_info info;
    assert_int_equal(sp_pki_inspect(der, (size_t)len, &info), SP_ERR_CERT);
    X509_NAME_free(n);
    X509_free(x);
    X509_free(cacert);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(cakey);
}

static void test_trust_and_inspect(void **state)
{
    struct fix *f = *state;
    struct sp_pki_trust *t = NULL;
    /* a leaf is no trust anchor */
    assert_int_equal(sp_pki_trust_new(f->node_pem, f->node_len, NULL, 0, &t), SP_ERR_CERT);
    assert_int_equal(sp_pki_trust_new("garbage", 7, NULL, 0, &t), SP_ERR_CERT);
    assert_int_equal(sp_pki_trust_new(f->ca_pem, f->ca_len, "garbage", 7, &t), SP_ERR_CRL);
    assert_null(t);
    assert_int_equal(sp_pki_trust_new(f->ca_pem, f->ca_len, NULL, 0, &t), 0);
    struct sp_pki_cert_info info;
    /* one trust, many verifications */
    for (int i = 0; i < 3; i++)
        assert_int_equal(sp_pki_trust_verify(t, f->node_pem, f->node_len, T0 + i * DAY,
                                             SP_PKI_ROLE_NODE, &info, NULL, 0),
                         0);
    assert_int_equal(sp_pki_trust_verify(t, f->node_pem, SP_PKI_CERT_MAX_BYTES + 1, T0,
                                         SP_PKI_ROLE_NODE, &info, NULL, 0),
                     SP_ERR_OVERFLOW);
    sp_pki_trust_free(&t);
    assert_null(t);
    sp_pki_trust_free(NULL);
    assert_int_equal(sp_pki_inspect(f->ca_pem, f->ca_len, &info), 0);
    assert_int_equal(info.role, SP_PKI_ROLE_CA);
    assert_string_equal(info.oin, OIN_CA);
    assert_int_equal(sp_pki_inspect(f->node_pem, f->node_len, &info), 0);
    assert_int_equal(info.serial, 1000);
    assert_string_equal(sp_pki_role_name(SP_PKI_ROLE_COORDINATOR), "coordinator");
    assert_null(sp_pki_role_name(0));
    assert_int_equal(sp_pki_role_from_name("node"), SP_PKI_ROLE_NODE);
    assert_int_equal(sp_pki_role_from_name("ca"), 0);
}

/* A coordinator's signature on a proposal: only with a valid coordinator
 * certificate of this CA, over exactly these bytes. */
static void test_signed(void **state)
{
    struct fix *f = *state;
    uint8_t seed[32], pk[32], sk[64], sig[64];
    seed_of(seed, 9);
    crypto_sign_seed_keypair(pk, sk, seed);
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    assert_int_equal(issue(f->ca, SP_PKI_ROLE_COORDINATOR, "coordinator", 1001, T0, T0 + YEAR, pk,
                           NULL, pem, &len),
                     0);
    static const uint8_t msg[] = "snijpunt-proposal-v1\0<proposal bytes>";
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
    struct sp_pki_trust *t = NULL;
    struct sp_pki_cert_info info;
    char why[128];
    assert_int_equal(sp_pki_trust_new(f->ca_pem, f->ca_len, NULL, 0, &t), 0);
    assert_int_equal(sp_pki_trust_verify_signed(t, pem, len, T0 + DAY, SP_PKI_ROLE_COORDINATOR, msg,
                                                sizeof(msg), sig, &info, why, sizeof(why)),
                     0);
    assert_string_equal(info.name, "coordinator");
    uint8_t changed[sizeof(msg)];
    memcpy(changed, msg, sizeof(msg));
    changed[25] ^= 1;
    assert_int_equal(sp_pki_trust_verify_signed(t, pem, len, T0 + DAY, SP_PKI_ROLE_COORDINATOR,
                                                changed, sizeof(changed), sig, &info, why,
                                                sizeof(why)),
                     SP_ERR_CRYPTO_SIGNATURE);
    /* signed by a node's key: wrong role; after expiry: expired */
    assert_int_equal(sp_pki_trust_verify_signed(t, f->node_pem, f->node_len, T0 + DAY,
                                                SP_PKI_ROLE_COORDINATOR, msg, sizeof(msg), sig,
                                                &info, NULL, 0),
                     SP_ERR_CERT_ROLE);
    assert_int_equal(sp_pki_trust_verify_signed(t, pem, len, T0 + 2 * YEAR, SP_PKI_ROLE_COORDINATOR,
                                                msg, sizeof(msg), sig, &info, NULL, 0),
                     SP_ERR_CERT_EXPIRED);
    sp_pki_trust_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_and_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coordinator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crl_from_other_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crl_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trust_and_inspect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
