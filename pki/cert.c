/* Verification of federation certificates against the CA (see cert.h). */
#include "cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "pki/x509.h"

struct sp_pki_trust {
    X509 *ca;
    X509_CRL *crl; /* NULL: no revocation checking */
};

void sp_pki_trust_free(struct sp_pki_trust **t)
{
    if (!t || !*t)
        return;
    X509_free((*t)->ca);
    X509_CRL_free((*t)->crl);
    free(*t);
    *t = NULL;
}

static int trust_check_ca(X509 *ca)
{
    struct sp_pki_cert_info info;
    if (sp_pki_x509_info(ca, &info) != 0 || info.role != SP_PKI_ROLE_CA)
        return SP_ERR_CERT;
    EVP_PKEY *pub = X509_get0_pubkey(ca);
    if (!pub || X509_check_issued(ca, ca) != X509_V_OK || X509_verify(ca, pub) != 1)
        return SP_ERR_CERT;
    return 0;
}

static int trust_check_crl(X509 *ca, X509_CRL *crl)
{
    EVP_PKEY *pub = X509_get0_pubkey(ca);
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0 ||
        X509_CRL_verify(crl, pub) != 1 || !X509_CRL_get0_nextUpdate(crl))
        return SP_ERR_CRL;
    return 0;
}

int sp_pki_trust_crl_next_update(const struct sp_pki_trust *t, int64_t *out)
{
    if (!t || !t->crl)
        return SP_ERR_NOT_FOUND;
    return sp_pki_x509_time(X509_CRL_get0_nextUpdate(t->crl), out);
}

int sp_pki_trust_new(const void *ca, size_t ca_len, const void *crl, size_t crl_len,
                     struct sp_pki_trust **out)
{
    if (!ca || !out)
        return SP_ERR_INVALID_ARG;
    struct sp_pki_trust *t = calloc(1, sizeof(*t));
    if (!t)
        return SP_ERR_NOMEM;
    int rc = sp_pki_x509_parse_cert(ca, ca_len, &t->ca);
    if (rc == 0)
        rc = trust_check_ca(t->ca);
    if (rc == 0 && crl)
        rc = sp_pki_x509_parse_crl(crl, crl_len, &t->crl);
    if (rc == 0 && crl)
        rc = trust_check_crl(t->ca, t->crl);
    if (rc != 0)
        sp_pki_trust_free(&t);
    else
        *out = t;
    return rc;
}

/* Maps OpenSSL's verification result to our codes. */
static int map_verify_error(int err)
{
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return SP_ERR_CERT_EXPIRED;
    case X509_V_ERR_CERT_REVOKED:
        return SP_ERR_CERT_REVOKED;
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
        return SP_ERR_CRL;
    case X509_V_ERR_OUT_OF_MEM:
        return SP_ERR_NOMEM;
    default:
        return SP_ERR_CERT_UNTRUSTED;
    }
}

/* A sentence for the caller's log line: what failed, and on which
 * certificate (depth 0 the one verified, 1 the CA). */
static void explain(char *why, size_t cap, const char *detail, int depth)
{
    if (why && cap > 0)
        snprintf(why, cap, "%s (%s)", detail, depth == 0 ? "certificate" : "CA certificate");
}

/* Chain, validity, revocation: OpenSSL's verifier with the CA as the only
 * trust anchor, no intermediates, strict RFC 5280 checks, time now. */
static int verify_chain(const struct sp_pki_trust *t, X509 *x, int64_t now, char *why, size_t cap)
{
    int rc = SP_ERR_NOMEM;
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!store || !ctx || !X509_STORE_add_cert(store, t->ca) ||
        (t->crl && !X509_STORE_add_crl(store, t->crl)) || !X509_STORE_CTX_init(ctx, store, x, NULL))
        goto out;
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)now);
    X509_VERIFY_PARAM_set_depth(param, 0);
    X509_VERIFY_PARAM_set_flags(param,
                                X509_V_FLAG_X509_STRICT | (t->crl ? X509_V_FLAG_CRL_CHECK : 0));
    if (X509_verify_cert(ctx) == 1) {
        rc = 0;
        goto out;
    }
    int err = X509_STORE_CTX_get_error(ctx);
    rc = map_verify_error(err);
    explain(why, cap, X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx));
out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}

int sp_pki_trust_verify(const struct sp_pki_trust *t, const void *cert, size_t cert_len,
                        int64_t now, int expected_role, struct sp_pki_cert_info *info, char *why,
                        size_t why_cap)
{
    X509 *x = NULL;
    struct sp_pki_cert_info tmp;
    if (!t || !cert || !info)
        return SP_ERR_INVALID_ARG;
    if (why && why_cap)
        why[0] = '\0';
    int rc = sp_pki_x509_parse_cert(cert, cert_len, &x);
    if (rc != 0) {
        explain(why, why_cap, "not a parseable certificate", 0);
        return rc;
    }
    rc = verify_chain(t, x, now, why, why_cap);
    if (rc == 0 && (sp_pki_x509_info(x, &tmp) != 0 || tmp.role == SP_PKI_ROLE_CA)) {
        rc = SP_ERR_CERT;
        explain(why, why_cap, "not a federation node or coordinator certificate", 0);
    }
    if (rc == 0 && expected_role != 0 && tmp.role != expected_role) {
        rc = SP_ERR_CERT_ROLE;
        explain(why, why_cap,
                tmp.role == SP_PKI_ROLE_NODE ? "a node certificate where a coordinator's is needed"
                                             : "a coordinator certificate where a node's is needed",
                0);
    }
    if (rc == 0)
        *info = tmp;
    X509_free(x);
    return rc;
}

int sp_pki_verify(const void *ca, size_t ca_len, const void *crl, size_t crl_len, const void *cert,
                  size_t cert_len, int64_t now, int expected_role, struct sp_pki_cert_info *info,
                  char *why, size_t why_cap)
{
    struct sp_pki_trust *t = NULL;
    int rc = sp_pki_trust_new(ca, ca_len, crl, crl_len, &t);
    if (rc != 0) {
        explain(why, why_cap,
                rc == SP_ERR_CRL ? "revocation list invalid or not from this CA"
                                 : "not a usable federation CA certificate",
                rc == SP_ERR_CRL ? 0 : 1);
        return rc;
    }
    rc = sp_pki_trust_verify(t, cert, cert_len, now, expected_role, info, why, why_cap);
    sp_pki_trust_free(&t);
    return rc;
}

int sp_pki_trust_verify_signed(const struct sp_pki_trust *t, const void *cert, size_t cert_len,
                               int64_t now, int expected_role, const uint8_t *msg, size_t msg_len,
                               const uint8_t sig[64], struct sp_pki_cert_info *info, char *why,
                               size_t why_cap)
{
    struct sp_pki_cert_info tmp;
    if (!info || !sig || (!msg && msg_len > 0))
        return SP_ERR_INVALID_ARG;
    int rc = sp_pki_trust_verify(t, cert, cert_len, now, expected_role, &tmp, why, why_cap);
    if (rc != 0)
        return rc;
    if (crypto_sign_verify_detached(sig, msg, msg_len, tmp.sign_pk) != 0) {
        explain(why, why_cap, "signature does not verify with the certificate's key", 0);
        return SP_ERR_CRYPTO_SIGNATURE;
    }
    *info = tmp;
    return 0;
}

int sp_pki_match_keys(const struct sp_pki_cert_info *info, const uint8_t *sign_pk,
                      const uint8_t *curve_pk)
{
    if (!info)
        return SP_ERR_INVALID_ARG;
    if (sign_pk && sodium_memcmp(sign_pk, info->sign_pk, SP_PKI_KEY_BYTES) != 0)
        return SP_ERR_CERT_KEY_MISMATCH;
    if (curve_pk &&
        (!info->has_curve_pk || sodium_memcmp(curve_pk, info->curve_pk, SP_PKI_KEY_BYTES) != 0))
        return SP_ERR_CERT_KEY_MISMATCH;
    return 0;
}

int sp_pki_inspect(const void *cert, size_t cert_len, struct sp_pki_cert_info *info)
{
    X509 *x = NULL;
    if (!cert || !info)
        return SP_ERR_INVALID_ARG;
    int rc = sp_pki_x509_parse_cert(cert, cert_len, &x);
    if (rc == 0)
        rc = sp_pki_x509_info(x, info);
    X509_free(x);
    return rc;
}

int sp_pki_cert_der(const void *cert, size_t cert_len, uint8_t *der, size_t cap, size_t *len_out)
{
    X509 *x = NULL;
    if (!cert || !der || !len_out)
        return SP_ERR_INVALID_ARG;
    int rc = sp_pki_x509_parse_cert(cert, cert_len, &x);
    if (rc != 0)
        return rc;
    int n = i2d_X509(x, NULL);
    if (n <= 0)
        rc = SP_ERR_CERT;
    else if ((size_t)n > cap)
        rc = SP_ERR_OVERFLOW;
    else {
        unsigned char *p = der;
        rc = i2d_X509(x, &p) == n ? 0 : SP_ERR_NOMEM;
        if (rc == 0)
            *len_out = (size_t)n;
    }
    X509_free(x);
    return rc;
}

const char *sp_pki_role_name(int role)
{
    switch (role) {
    case SP_PKI_ROLE_NODE:
        return "node";
    case SP_PKI_ROLE_COORDINATOR:
        return "coordinator";
    case SP_PKI_ROLE_CA:
        return "ca";
    default:
        return NULL;
    }
}

int sp_pki_role_from_name(const char *name)
{
    if (name && strcmp(name, "node") == 0)
        return SP_PKI_ROLE_NODE;
    if (name && strcmp(name, "coordinator") == 0)
        return SP_PKI_ROLE_COORDINATOR;
    return 0;
}
