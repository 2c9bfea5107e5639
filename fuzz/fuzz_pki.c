/* libFuzzer harness for pki/, the parsers of certificates and revocation
 * lists that arrive from outside: a coordinator's certificate in PROPOSE, a
 * peer's certificate named in the configuration, the CA certificate and the
 * CRL files an operator installs (possibly fetched from elsewhere). Every
 * input's first byte picks how the rest is read: as a certificate
 * (inspected, converted to DER, verified against a fixed federation CA with
 * and without a CRL), as a CRL of that CA, or as a CA certificate. Besides ASan and UBSan findings
 * it aborts when:
 *   - a refusal is a code pki/cert.h does not document, or leaves *info
 *     written, or its reason is not a NUL-terminated sentence;
 *   - a certificate that inspects does not inspect to the same facts from its
 *     DER form, or one that verifies says something else than it inspects;
 *   - a CRL accepted for the CA lets an unrevoked certificate fail for
 *     anything but a stale CRL.
 * The fixed CA, certificates and CRL are made at start-up from constant
 * seeds. With SP_FUZZ_PKI_SEEDS=DIR in the environment the harness writes
 * them there as seed inputs (fuzz/corpus/pki/) and exits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/ca.h"
#include "pki/cert.h"
#include "pki_fuzz.h"
#include "proto_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A seed: the selector byte (see LLVMFuzzerTestOneInput), then the object. */
static void seed(const char *dir, const char *name, uint8_t mode, const void *p, size_t n)
{
    static uint8_t buf[1 + SP_PKI_CRL_PEM_BOUND(2)];
    fz_need(n < sizeof buf, name);
    buf[0] = mode;
    memcpy(buf + 1, p, n);
    fz_write_seed(dir, name, buf, n + 1);
}

static void write_seeds(const char *dir)
{
    uint8_t der[SP_PKI_CERT_MAX_BYTES];
    size_t n = 0;
    seed(dir, "cert_node.pem", 0, fz_node_pem, fz_node_len);
    seed(dir, "cert_coordinator.pem", 0, fz_coord_pem, fz_coord_len);
    seed(dir, "crl.pem", 1, fz_crl_pem, fz_crl_len);
    seed(dir, "ca.pem", 2, fz_ca_pem, fz_ca_len);
    fz_need(sp_pki_cert_der(fz_node_pem, fz_node_len, der, sizeof der, &n) == 0, "der");
    seed(dir, "cert_node.der", 0, der, n);
    fz_need(sp_pki_cert_der(fz_ca_pem, fz_ca_len, der, sizeof der, &n) == 0, "der");
    seed(dir, "ca.der", 2, der, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_federation();
    const char *dir = getenv("SP_FUZZ_PKI_SEEDS");
    if (dir) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

static int verify_code_ok(int rc)
{
    switch (rc) {
    case 0:
    case SP_ERR_OVERFLOW:
    case SP_ERR_CERT:
    case SP_ERR_CERT_UNTRUSTED:
    case SP_ERR_CERT_EXPIRED:
    case SP_ERR_CERT_REVOKED:
    case SP_ERR_CRL:
    case SP_ERR_CERT_ROLE:
    case SP_ERR_NOMEM:
        return 1;
    default:
        return 0;
    }
}

static int same_facts(const struct sp_pki_cert_info *a, const struct sp_pki_cert_info *b)
{
    return a->role == b->role && strcmp(a->name, b->name) == 0 && strcmp(a->org, b->org) == 0 &&
           strcmp(a->oin, b->oin) == 0 && memcmp(a->sign_pk, b->sign_pk, SP_PKI_KEY_BYTES) == 0 &&
           a->has_curve_pk == b->has_curve_pk &&
           memcmp(a->curve_pk, b->curve_pk, SP_PKI_KEY_BYTES) == 0 && a->serial == b->serial &&
           a->not_before == b->not_before && a->not_after == b->not_after &&
           memcmp(a->fingerprint, b->fingerprint, SP_PKI_SHA256_BYTES) == 0;
}

/* One verification: documented code, *info untouched on refusal, a reason. */
static int verify(const struct sp_pki_trust *t, const uint8_t *data, size_t size, int role,
                  struct sp_pki_cert_info *info)
{
    char why[128];
    memset(info, FZ_POISON, sizeof *info);
    memset(why, 'x', sizeof why);
    int rc = sp_pki_trust_verify(t, data, size, FZ_NOW, role, info, why, sizeof why);
    if (!verify_code_ok(rc))
        fz_fail("verify", "undocumented code");
    if (rc != 0) {
        fz_all_bytes("verify", info, sizeof *info, FZ_POISON);
        if (memchr(why, '\0', sizeof why) == NULL)
            fz_fail("verify", "reason not terminated");
    }
    return rc;
}

static void as_cert(const uint8_t *data, size_t size)
{
    static uint8_t der[SP_PKI_CERT_MAX_BYTES];
    struct sp_pki_cert_info a, b, v;
    size_t n = 0;
    int in = sp_pki_inspect(data, size, &a);
    if (in == 0) {
        if (sp_pki_cert_der(data, size, der, sizeof der, &n) != 0)
            fz_fail("cert", "inspected certificate has no DER form");
        if (sp_pki_inspect(der, n, &b) != 0 || !same_facts(&a, &b))
            fz_fail("cert", "DER form says something else");
    }
    int rc = verify(fz_trust_plain, data, size, 0, &v);
    if (rc == 0 && (in != 0 || !same_facts(&a, &v)))
        fz_fail("cert", "verified certificate says something else than it inspects");
    if (rc == 0 && verify(fz_trust_plain, data, size, v.role, &b) != 0)
        fz_fail("cert", "verified certificate refused for its own role");
    (void)verify(fz_trust_crl, data, size, SP_PKI_ROLE_COORDINATOR, &v);
}

static void as_crl(const uint8_t *data, size_t size)
{
    struct sp_pki_trust *t = NULL;
    struct sp_pki_cert_info info;
    int rc = sp_pki_trust_new(fz_ca_pem, fz_ca_len, data, size, &t);
    if (rc != 0) {
        if (rc != SP_ERR_CRL && rc != SP_ERR_OVERFLOW && rc != SP_ERR_NOMEM)
            fz_fail("crl", "undocumented code");
        if (t != NULL)
            fz_fail("crl", "refusal wrote a trust");
        return;
    }
    rc = verify(t, (const uint8_t *)fz_node_pem, fz_node_len, SP_PKI_ROLE_NODE, &info);
    if (rc != 0 && rc != SP_ERR_CERT_REVOKED && rc != SP_ERR_CRL && rc != SP_ERR_NOMEM)
        fz_fail("crl", "an accepted CRL broke an unrelated verification");
    sp_pki_trust_free(&t);
}

static void as_ca(const uint8_t *data, size_t size)
{
    struct sp_pki_trust *t = NULL;
    struct sp_pki_cert_info info;
    int rc = sp_pki_trust_new(data, size, NULL, 0, &t);
    if (rc != 0) {
        if (rc != SP_ERR_CERT && rc != SP_ERR_OVERFLOW && rc != SP_ERR_NOMEM)
            fz_fail("ca", "undocumented code");
        if (t != NULL)
            fz_fail("ca", "refusal wrote a trust");
        return;
    }
    (void)verify(t, (const uint8_t *)fz_coord_pem, fz_coord_len, 0, &info);
    sp_pki_trust_free(&t);
}

/* The first byte says which parser reads the rest (0 certificate, 1 CRL,
 * 2 CA, modulo 3): each path verifies several Ed25519 signatures in
 * uninstrumented OpenSSL, so trying all three per input would cost three
 * times the executions for no more coverage. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        as_cert(data + 1, size - 1);
        break;
    case 1:
        as_crl(data + 1, size - 1);
        break;
    default:
        as_ca(data + 1, size - 1);
        break;
    }
    return 0;
}
