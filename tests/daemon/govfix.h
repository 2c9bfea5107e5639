/*
 * Test fixture for the governance tests of the daemon (members, policy,
 * gov): a federation CA made with pki/, node and coordinator identities,
 * their certificates and revocation lists written into a temporary
 * directory. Header-only (static functions) because every tests/daemon
 * test is a program of its own.
 */
#ifndef SP_TESTS_DAEMON_GOVFIX_H
#define SP_TESTS_DAEMON_GOVFIX_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/identity.h"
#include "pki/ca.h"
#include "pki/cert.h"

#define GF_DAY      INT64_C(86400)
#define GF_YEAR     (365 * GF_DAY)
#define GF_OIN_CA   "00000001111222333000"
#define GF_OIN_NODE "00000003123456780000"
#define GF_OIN_ALT  "00000001111222333000"

struct govfix {
    char dir[256];
    struct sp_pki_ca *ca;
    int64_t now;
    uint64_t next_serial;
};

static inline void gf_path(const struct govfix *g, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", g->dir, name);
}

static inline int gf_write(const struct govfix *g, const char *name, const void *data, size_t len)
{
    char p[512];
    gf_path(g, name, p, sizeof p);
    FILE *f = fopen(p, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

static inline struct sp_pki_ca *gf_make_ca(const char *name, uint8_t tag, int64_t now)
{
    uint8_t seed[32];
    memset(seed, tag, sizeof seed);
    struct sp_pki_subject s = {name, "Federatie Test", GF_OIN_CA,
                               1,    now - GF_YEAR,    now + 10 * GF_YEAR};
    struct sp_pki_ca *ca = NULL;
    return sp_pki_ca_create(&s, seed, &ca) == 0 ? ca : NULL;
}

/* Creates a temporary directory, a CA and writes ca.crt. Returns 0 or -1. */
static inline int gf_init(struct govfix *g)
{
    const char *tmp = getenv("TMPDIR");
    memset(g, 0, sizeof *g);
    g->now = (int64_t)time(NULL);
    g->next_serial = 100;
    snprintf(g->dir, sizeof g->dir, "%s/sp-gov-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(g->dir) || !(g->ca = gf_make_ca("Federatie CA", 1, g->now)))
        return -1;
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    if (sp_pki_ca_cert_pem(g->ca, pem, sizeof pem, &len) != 0)
        return -1;
    return gf_write(g, "ca.crt", pem, len);
}

static inline void gf_free(struct govfix *g)
{
    DIR *d = opendir(g->dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", g->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(g->dir);
    sp_pki_ca_free(&g->ca);
}

/* Issues a certificate by ca (g->ca when NULL) for role and name binding the
 * keys of pub (curve only for nodes), valid nb..na, and writes it as file.
 * Returns its serial, or 0 on failure. */
static inline uint64_t gf_issue(struct govfix *g, const struct sp_pki_ca *ca, int role,
                                const char *name, const char *oin,
                                const struct sp_identity_public *pub, int64_t nb, int64_t na,
                                const char *file)
{
    char pem[SP_PKI_CERT_PEM_MAX];
    size_t len = 0;
    uint64_t serial = g->next_serial++;
    struct sp_pki_subject s = {name,
                               role == SP_PKI_ROLE_NODE ? "Gemeente Test" : "RIEC Test",
                               oin ? oin : GF_OIN_NODE,
                               serial,
                               nb,
                               na};
    if (sp_pki_ca_issue(ca ? ca : g->ca, role, &s, pub->sign_pk,
                        role == SP_PKI_ROLE_NODE ? pub->curve_pk : NULL, pem, sizeof pem,
                        &len) != 0 ||
        gf_write(g, file, pem, len) != 0)
        return 0;
    return serial;
}

/* A node certificate valid for a year around now. */
static inline uint64_t gf_node(struct govfix *g, const char *name,
                               const struct sp_identity_public *pub, const char *file)
{
    return gf_issue(g, NULL, SP_PKI_ROLE_NODE, name, NULL, pub, g->now - GF_DAY, g->now + GF_YEAR,
                    file);
}

/* Writes a CRL revoking serials[0..n) valid from this_update for days. */
static inline int gf_crl(struct govfix *g, const uint64_t *serials, size_t n, uint64_t number,
                         int64_t this_update, int64_t next_update, const char *file)
{
    struct sp_pki_revoked rv[16];
    char pem[SP_PKI_CRL_PEM_BOUND(16)];
    size_t len = 0;
    for (size_t i = 0; i < n && i < 16; i++)
        rv[i] = (struct sp_pki_revoked){serials[i], this_update};
    if (sp_pki_ca_crl(g->ca, rv, n, number, this_update, next_update, pem, sizeof pem, &len) != 0)
        return -1;
    return gf_write(g, file, pem, len);
}

#endif
