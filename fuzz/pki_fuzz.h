/*
 * The fixed federation shared by the pki harnesses (fuzz_pki.c,
 * fuzz_proposal.c): a CA, a node and a coordinator certificate and a CRL,
 * made at start-up from constant seeds, and trusts over the CA with and
 * without the CRL. The coordinator's signing key is a real Ed25519 key pair
 * (fz_coord_sk), so seed inputs can carry valid signatures.
 */
#ifndef SP_FUZZ_PKI_FUZZ_H
#define SP_FUZZ_PKI_FUZZ_H

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/ca.h"
#include "pki/cert.h"
#include "proto_fuzz.h"

/* 2026-06-01; the fixed certificates are valid 2026-01-01 .. 2028-01-01. */
#define FZ_NOW    1780272000
#define FZ_BEGIN  1767225600
#define FZ_END    1830297600
#define FZ_REVOKE 7

static struct sp_pki_trust *fz_trust_plain, *fz_trust_crl;
static char fz_ca_pem[SP_PKI_CERT_PEM_MAX], fz_node_pem[SP_PKI_CERT_PEM_MAX],
    fz_coord_pem[SP_PKI_CERT_PEM_MAX], fz_crl_pem[SP_PKI_CRL_PEM_BOUND(2)];
static size_t fz_ca_len, fz_node_len, fz_coord_len, fz_crl_len;
static uint8_t fz_coord_sk[crypto_sign_SECRETKEYBYTES];

static inline void fz_need(int ok, const char *what)
{
    if (!ok)
        fz_fail("fuzz setup", what);
}

static inline void fz_issue(struct sp_pki_ca *ca, int role, const char *name, uint64_t serial,
                            const uint8_t *sign_pk, char *out, size_t *len)
{
    uint8_t curve_pk[SP_PKI_KEY_BYTES];
    memset(curve_pk, 0x42, sizeof curve_pk);
    struct sp_pki_subject s = {name, "Fuzz Org", "00000001999999990000", serial, FZ_BEGIN, FZ_END};
    fz_need(sp_pki_ca_issue(ca, role, &s, sign_pk, role == SP_PKI_ROLE_NODE ? curve_pk : NULL, out,
                            SP_PKI_CERT_PEM_MAX, len) == 0,
            "issue");
}

static inline void fz_write_seed(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fz_need(f && fwrite(p, 1, n, f) == n && fclose(f) == 0, path);
}

/* Makes the fixed federation (once per process). */
static inline void fz_federation(void)
{
    uint8_t seed[32], pk[crypto_sign_PUBLICKEYBYTES], node_pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t node_sk[crypto_sign_SECRETKEYBYTES];
    struct sp_pki_ca *ca = NULL;
    fz_need(sodium_init() >= 0, "sodium");
    memset(seed, 0x17, sizeof seed);
    struct sp_pki_subject s = {"Fuzz CA", "Fuzz Federation", "00000001999999990000",
                               1,         FZ_BEGIN - 86400,  FZ_END + 86400};
    fz_need(sp_pki_ca_create(&s, seed, &ca) == 0, "CA");
    fz_need(sp_pki_ca_cert_pem(ca, fz_ca_pem, sizeof fz_ca_pem, &fz_ca_len) == 0, "CA PEM");
    memset(seed, 0x23, sizeof seed);
    fz_need(crypto_sign_seed_keypair(node_pk, node_sk, seed) == 0, "node key");
    fz_issue(ca, SP_PKI_ROLE_NODE, "fuzz-node", 2, node_pk, fz_node_pem, &fz_node_len);
    memset(seed, 0x31, sizeof seed);
    fz_need(crypto_sign_seed_keypair(pk, fz_coord_sk, seed) == 0, "coordinator key");
    fz_issue(ca, SP_PKI_ROLE_COORDINATOR, "Fuzz Coordinator", 3, pk, fz_coord_pem, &fz_coord_len);
    struct sp_pki_revoked r[] = {{FZ_REVOKE, FZ_BEGIN}, {1234567, FZ_BEGIN}};
    fz_need(sp_pki_ca_crl(ca, r, 2, 1, FZ_BEGIN, FZ_END, fz_crl_pem, sizeof fz_crl_pem,
                          &fz_crl_len) == 0,
            "CRL");
    sp_pki_ca_free(&ca);
    fz_need(sp_pki_trust_new(fz_ca_pem, fz_ca_len, NULL, 0, &fz_trust_plain) == 0, "trust");
    fz_need(sp_pki_trust_new(fz_ca_pem, fz_ca_len, fz_crl_pem, fz_crl_len, &fz_trust_crl) == 0,
            "trust+CRL");
}

#endif
