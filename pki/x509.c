/* The OpenSSL side of pki/, shared by ca.c and cert.c (see x509.h). */
#include "x509.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/utf8.h"
#include "pki/oin.h"

/* DER of the role extension value: ENUMERATED, one content byte. */
#define ROLE_DER_BYTES 3
/* DER of the CURVE key extension value: OCTET STRING of 32 bytes. */
#define CURVE_DER_BYTES (2 + SP_PKI_KEY_BYTES)

static bool is_pem(const void *buf, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    return len >= sizeof(tag) - 1 && memcmp(buf, tag, sizeof(tag) - 1) == 0;
}

static bool only_space(const unsigned char *p, long n)
{
    for (long i = 0; i < n; i++)
        if (p[i] != '\n' && p[i] != '\r' && p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

/* Reads the one PEM block of buf, which must be labelled label, have no
 * headers (no encryption) and be followed by nothing but whitespace. */
static int pem_block(const void *buf, size_t len, const char *label, unsigned char **der,
                     long *der_len)
{
    int rc = SP_ERR_NOMEM;
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long n = 0;
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (!bio)
        goto out;
    rc = SP_ERR_INVALID_ARG; /* mapped to the caller's malformed code */
    if (PEM_read_bio(bio, &name, &header, &data, &n) != 1)
        goto out;
    if (strcmp(name, label) != 0 || header[0] != '\0' || n <= 0)
        goto out;
    char *rest = NULL;
    long rest_len = BIO_get_mem_data(bio, &rest);
    if (rest_len < 0 || !only_space((const unsigned char *)rest, rest_len))
        goto out;
    *der = data;
    *der_len = n;
    data = NULL;
    rc = 0;
out:
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(bio);
    return rc;
}

/* Gives the DER bytes of buf: buf itself, or the decoded PEM block (then
 * *owned is set and must be freed with OPENSSL_free). */
static int der_of(const void *buf, size_t len, size_t max, const char *label,
                  const unsigned char **der, long *der_len, unsigned char **owned)
{
    *owned = NULL;
    if (!buf || len == 0)
        return SP_ERR_INVALID_ARG;
    if (len > max)
        return SP_ERR_OVERFLOW;
    if (!is_pem(buf, len)) {
        *der = buf;
        *der_len = (long)len;
        return 0;
    }
    int rc = pem_block(buf, len, label, owned, der_len);
    if (rc == 0)
        *der = *owned;
    return rc;
}

int sp_pki_x509_parse_cert(const void *buf, size_t len, X509 **out)
{
    const unsigned char *der = NULL, *p;
    unsigned char *owned = NULL;
    long n = 0;
    int rc = der_of(buf, len, SP_PKI_CERT_MAX_BYTES, "CERTIFICATE", &der, &n, &owned);
    if (rc != 0)
        return rc == SP_ERR_INVALID_ARG ? SP_ERR_CERT : rc;
    p = der;
    X509 *x = d2i_X509(NULL, &p, n);
    rc = SP_ERR_CERT;
    if (x && p == der + n) {
        *out = x;
        x = NULL;
        rc = 0;
    }
    X509_free(x);
    OPENSSL_free(owned);
    return rc;
}

int sp_pki_x509_parse_crl(const void *buf, size_t len, X509_CRL **out)
{
    const unsigned char *der = NULL, *p;
    unsigned char *owned = NULL;
    long n = 0;
    int rc = der_of(buf, len, SP_PKI_CRL_MAX_BYTES, "X509 CRL", &der, &n, &owned);
    if (rc != 0)
        return rc == SP_ERR_INVALID_ARG ? SP_ERR_CRL : rc;
    p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, n);
    rc = SP_ERR_CRL;
    if (crl && p == der + n) {
        *out = crl;
        crl = NULL;
        rc = 0;
    }
    X509_CRL_free(crl);
    OPENSSL_free(owned);
    return rc;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so that no time zone or locale is involved. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int sp_pki_x509_time(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return SP_ERR_CERT;
    int64_t days = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    *out = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 0;
}

static bool utf8_text_valid(const unsigned char *s, size_t len);

bool sp_pki_name_valid(int role, const char *s, size_t len)
{
    if (!s || len == 0 || len > SP_PKI_NAME_MAX)
        return false;
    if (role != SP_PKI_ROLE_NODE)
        return utf8_text_valid((const unsigned char *)s, len);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* Well-formed UTF-8 (common/utf8.h) without C0 controls, DEL or C1
 * controls. */
static bool utf8_text_valid(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = sp_utf8_seq_len(s + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return false;
        i += n;
    }
    return true;
}

int sp_pki_x509_check_subject(int role, const struct sp_pki_subject *s)
{
    if (!s || !s->name || !s->org || !s->oin)
        return SP_ERR_INVALID_ARG;
    if (!sp_pki_name_valid(role, s->name, strlen(s->name)) ||
        !sp_pki_name_valid(0, s->org, strlen(s->org)))
        return SP_ERR_INVALID_ARG;
    if (s->serial == 0 || s->serial > (uint64_t)SP_PKI_SERIAL_MAX)
        return SP_ERR_INVALID_ARG;
    if (s->not_after <= s->not_before || s->not_before < 0)
        return SP_ERR_INVALID_ARG;
    return sp_pki_oin_check(s->oin, strlen(s->oin), NULL);
}

int sp_pki_x509_name(const char *org, const char *cn, const char *oin, X509_NAME **out)
{
    X509_NAME *n = X509_NAME_new();
    if (!n)
        return SP_ERR_NOMEM;
    if (!X509_NAME_add_entry_by_NID(n, NID_organizationName, MBSTRING_UTF8,
                                    (const unsigned char *)org, -1, -1, 0) ||
        !X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_NID(n, NID_serialNumber, MBSTRING_ASC, (const unsigned char *)oin,
                                    -1, -1, 0)) {
        X509_NAME_free(n);
        return SP_ERR_INTERNAL;
    }
    *out = n;
    return 0;
}

static int add_raw_ext(X509 *x, const char *oid, const uint8_t *der, int der_len)
{
    int rc = SP_ERR_NOMEM;
    X509_EXTENSION *ext = NULL;
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    if (!obj || !os || !ASN1_OCTET_STRING_set(os, der, der_len))
        goto out;
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    if (!ext || !X509_add_ext(x, ext, -1))
        goto out;
    rc = 0;
out:
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return rc;
}

int sp_pki_x509_add_role(X509 *x, int role, const uint8_t *curve_pk)
{
    const uint8_t role_der[ROLE_DER_BYTES] = {0x0a, 0x01, (uint8_t)role};
    int rc = add_raw_ext(x, SP_PKI_OID_ROLE, role_der, ROLE_DER_BYTES);
    if (rc != 0 || !curve_pk)
        return rc;
    uint8_t curve_der[CURVE_DER_BYTES] = {0x04, SP_PKI_KEY_BYTES};
    memcpy(curve_der + 2, curve_pk, SP_PKI_KEY_BYTES);
    return add_raw_ext(x, SP_PKI_OID_CURVE_PK, curve_der, CURVE_DER_BYTES);
}

/* The value of the one extension with OID oid: 0 (absent), 1 (found, *data
 * and *len set) or -1 (present more than once). */
static int find_ext(X509 *x, const char *oid, const unsigned char **data, int *len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (!obj)
        return -1;
    int idx = X509_get_ext_by_OBJ(x, obj, -1);
    int again = idx >= 0 ? X509_get_ext_by_OBJ(x, obj, idx) : -1;
    ASN1_OBJECT_free(obj);
    if (idx < 0)
        return 0;
    if (again >= 0)
        return -1;
    ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
    *data = ASN1_STRING_get0_data(os);
    *len = ASN1_STRING_length(os);
    return 1;
}

/* Copies the subject attribute nid (exactly one must exist) as UTF-8. */
static int name_attr(const X509_NAME *n, int nid, char *out, size_t cap)
{
    int idx = X509_NAME_get_index_by_NID(n, nid, -1);
    if (idx < 0 || X509_NAME_get_index_by_NID(n, nid, idx) >= 0)
        return SP_ERR_CERT;
    unsigned char *utf8 = NULL;
    ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx));
    int len = ASN1_STRING_to_UTF8(&utf8, v);
    int rc = SP_ERR_CERT;
    if (len > 0 && (size_t)len < cap && memchr(utf8, 0, (size_t)len) == NULL) {
        memcpy(out, utf8, (size_t)len);
        out[len] = '\0';
        rc = 0;
    }
    OPENSSL_free(utf8);
    return rc;
}

static int info_subject(X509 *x, struct sp_pki_cert_info *info)
{
    const X509_NAME *n = X509_get_subject_name(x);
    if (!n || X509_NAME_entry_count(n) != 3)
        return SP_ERR_CERT;
    if (name_attr(n, NID_organizationName, info->org, sizeof(info->org)) != 0 ||
        name_attr(n, NID_commonName, info->name, sizeof(info->name)) != 0 ||
        name_attr(n, NID_serialNumber, info->oin, sizeof(info->oin)) != 0)
        return SP_ERR_CERT;
    if (!sp_pki_name_valid(info->role, info->name, strlen(info->name)) ||
        !sp_pki_name_valid(0, info->org, strlen(info->org)) ||
        sp_pki_oin_check(info->oin, strlen(info->oin), NULL) != 0)
        return SP_ERR_CERT;
    return 0;
}

/* Role and CURVE key from the extensions; CA certificates have neither. */
static int info_role(X509 *x, struct sp_pki_cert_info *info)
{
    const unsigned char *d = NULL, *c = NULL;
    int len = 0, clen = 0;
    int has_role = find_ext(x, SP_PKI_OID_ROLE, &d, &len);
    int has_curve = find_ext(x, SP_PKI_OID_CURVE_PK, &c, &clen);
    uint32_t flags = X509_get_extension_flags(x);
    if (has_role < 0 || has_curve < 0 || !(flags & EXFLAG_BCONS))
        return SP_ERR_CERT;
    if (flags & EXFLAG_CA) {
        info->role = SP_PKI_ROLE_CA;
        return has_role == 0 && has_curve == 0 ? 0 : SP_ERR_CERT;
    }
    if (has_role != 1 || len != ROLE_DER_BYTES || d[0] != 0x0a || d[1] != 0x01 ||
        (d[2] != SP_PKI_ROLE_NODE && d[2] != SP_PKI_ROLE_COORDINATOR))
        return SP_ERR_CERT;
    info->role = d[2];
    if (has_curve != (info->role == SP_PKI_ROLE_NODE))
        return SP_ERR_CERT;
    if (has_curve) {
        if (clen != CURVE_DER_BYTES || c[0] != 0x04 || c[1] != SP_PKI_KEY_BYTES)
            return SP_ERR_CERT;
        memcpy(info->curve_pk, c + 2, SP_PKI_KEY_BYTES);
        info->has_curve_pk = true;
    }
    return 0;
}

static int info_key_serial(X509 *x, struct sp_pki_cert_info *info)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    size_t klen = SP_PKI_KEY_BYTES;
    if (!pk || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(pk, info->sign_pk, &klen) != 1 || klen != SP_PKI_KEY_BYTES)
        return SP_ERR_CERT;
    int64_t serial = 0;
    if (ASN1_INTEGER_get_int64(&serial, X509_get0_serialNumber(x)) != 1 || serial <= 0)
        return SP_ERR_CERT;
    info->serial = (uint64_t)serial;
    if (sp_pki_x509_time(X509_get0_notBefore(x), &info->not_before) != 0 ||
        sp_pki_x509_time(X509_get0_notAfter(x), &info->not_after) != 0)
        return SP_ERR_CERT;
    unsigned int mdlen = 0;
    if (X509_digest(x, EVP_sha256(), info->fingerprint, &mdlen) != 1 ||
        mdlen != SP_PKI_SHA256_BYTES)
        return SP_ERR_CERT;
    return 0;
}

int sp_pki_x509_info(X509 *x, struct sp_pki_cert_info *info)
{
    struct sp_pki_cert_info tmp;
    memset(&tmp, 0, sizeof(tmp));
    if (X509_get_version(x) != X509_VERSION_3)
        return SP_ERR_CERT;
    int rc = info_role(x, &tmp);
    if (rc == 0)
        rc = info_subject(x, &tmp);
    if (rc == 0)
        rc = info_key_serial(x, &tmp);
    if (rc == 0)
        *info = tmp;
    return rc;
}

static int bio_to_text(BIO *b, char *out, size_t cap, size_t *len_out)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n <= 0)
        return SP_ERR_NOMEM;
    if ((size_t)n >= cap)
        return SP_ERR_OVERFLOW;
    memcpy(out, p, (size_t)n);
    out[n] = '\0';
    *len_out = (size_t)n;
    return 0;
}

int sp_pki_x509_cert_pem(X509 *x, char *out, size_t cap, size_t *len_out)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc = SP_ERR_NOMEM;
    if (b && PEM_write_bio_X509(b, x) == 1)
        rc = bio_to_text(b, out, cap, len_out);
    BIO_free(b);
    return rc;
}

int sp_pki_x509_crl_pem(X509_CRL *crl, char *out, size_t cap, size_t *len_out)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc = SP_ERR_NOMEM;
    if (b && PEM_write_bio_X509_CRL(b, crl) == 1)
        rc = bio_to_text(b, out, cap, len_out);
    BIO_free(b);
    return rc;
}
