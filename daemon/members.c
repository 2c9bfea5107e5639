/*
 * Federation membership (members.h): the CA, the revocation list, this
 * node's certificate and its peers' certificates, checked against the keys
 * the configuration and the identity file give.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/members.h"
#include "sys/trusted.h"

/* A peer's certificate path: <cert_dir>/<name>.crt (see peer_path). */
#define MEMBER_PATH_MAX (SP_CONFIG_PATH_MAX + 1 + SP_CONFIG_NAME_MAX + 8)

struct member {
    uint8_t *cert; /* as read (PEM or DER); NULL when it could not be read */
    size_t len;
    int load_err; /* why cert is NULL */
    char path[MEMBER_PATH_MAX];
    struct sp_pki_cert_info info; /* from sp_pki_inspect; valid when has_info */
    bool has_info;
};

struct sp_members {
    const struct sp_config *cfg;
    bool enabled;
    struct sp_pki_trust *trust;
    uint8_t *ca;
    size_t ca_len;
    struct member self;
    uint8_t self_sign[32], self_curve[32];
    struct member peers[SP_CONFIG_MAX_PEERS];
};

/* Reads a whole public file of at most max bytes. */
static int read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0)
        return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
    int err = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ? SP_ERR_IO : 0;
    /* what the node trusts must not be writable by anyone else (trusted.h) */
    if (!err && !sp_trusted_stat_ok(&st))
        err = SP_ERR_UNSAFE_PERMS;
    if (!err && (uint64_t)st.st_size > max)
        err = SP_ERR_OVERFLOW;
    uint8_t *b = err ? NULL : malloc((size_t)st.st_size + 1);
    if (!err && !b)
        err = SP_ERR_NOMEM;
    size_t n = 0;
    while (!err && n < (size_t)st.st_size) {
        ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
        if (r <= 0)
            err = SP_ERR_IO;
        else
            n += (size_t)r;
    }
    close(fd);
    if (err) {
        free(b);
        return err;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Why a file could not be read, as "WHAT PATH: reason" into why; for a file
 * others can write, the sentence with the fix (sys/trusted.h). */
static void read_why(char *why, size_t cap, const char *what, const char *path, int err);

static const char *read_err(int err)
{
    return err == SP_ERR_NOT_FOUND  ? "no such file"
           : err == SP_ERR_OVERFLOW ? "file too large"
                                    : sp_strerror(err);
}

static void read_why(char *why, size_t cap, const char *what, const char *path, int err)
{
    if (err == SP_ERR_UNSAFE_PERMS && sp_trusted_check(path, what, why, cap) != 0)
        return;
    if (snprintf(why, cap, "%s %s: %s", what, path, read_err(err)) >= (int)cap)
        why[cap - 1] = '\0'; /* a long path is cut: the reason still says what failed */
}

static void member_load(struct member *mb, const char *path)
{
    snprintf(mb->path, sizeof mb->path, "%s", path);
    mb->load_err = read_file(path, SP_PKI_CERT_MAX_BYTES, &mb->cert, &mb->len);
    if (!mb->load_err && sp_pki_inspect(mb->cert, mb->len, &mb->info) == 0)
        mb->has_info = true;
}

static int load_trust(struct sp_members *m, char *why, size_t cap)
{
    uint8_t *crl = NULL;
    size_t crl_len = 0;
    const struct sp_config *c = m->cfg;
    int err = read_file(c->ca_cert_path, SP_PKI_CERT_MAX_BYTES, &m->ca, &m->ca_len);
    if (err) {
        read_why(why, cap, "CA certificate", c->ca_cert_path, err);
        return err;
    }
    if (c->crl_path[0] && (err = read_file(c->crl_path, SP_PKI_CRL_MAX_BYTES, &crl, &crl_len))) {
        read_why(why, cap, "revocation list", c->crl_path, err);
        return err;
    }
    err = sp_pki_trust_new(m->ca, m->ca_len, crl, crl_len, &m->trust);
    free(crl);
    if (err)
        snprintf(why, cap, "%s %s: %s", err == SP_ERR_CRL ? "revocation list" : "CA certificate",
                 err == SP_ERR_CRL ? c->crl_path : c->ca_cert_path, sp_strerror(err));
    return err;
}

/* Verifies one member's certificate at now: CA, validity, CRL, role node,
 * the expected name and keys. */
static int member_check(const struct sp_members *m, const struct member *mb, const char *name,
                        const uint8_t *sign_pk, const uint8_t *curve_pk, int64_t now, char *why,
                        size_t cap)
{
    struct sp_pki_cert_info info;
    /* Shorter than why: it follows "certificate PATH: " there. */
    char detail[SP_MEMBERS_WHY_MAX / 2];
    if (!mb->cert) {
        read_why(why, cap, "certificate", mb->path, mb->load_err);
        return mb->load_err;
    }
    int err = sp_pki_trust_verify(m->trust, mb->cert, mb->len, now, SP_PKI_ROLE_NODE, &info, detail,
                                  sizeof detail);
    if (err) {
        snprintf(why, cap, "certificate %s: %s", mb->path, detail);
        return err;
    }
    if (strcmp(info.name, name) != 0) {
        snprintf(why, cap, "certificate %s is for node %s, not %s", mb->path, info.name, name);
        return SP_ERR_CERT;
    }
    if (sp_pki_match_keys(&info, sign_pk, curve_pk) != 0) {
        snprintf(why, cap, "certificate %s does not bind the keys %s uses", mb->path, name);
        return SP_ERR_CERT_KEY_MISMATCH;
    }
    return 0;
}

static void peer_path(const struct sp_config *c, size_t i, char *out, size_t cap)
{
    if (c->peers[i].cert_path[0])
        snprintf(out, cap, "%s", c->peers[i].cert_path);
    else
        snprintf(out, cap, "%s/%s.crt", c->cert_dir, c->peers[i].name);
}

/* Logs each peer's standing once at start-up or after a CRL reload. */
static void log_peers(const struct sp_members *m, int64_t now)
{
    char why[SP_MEMBERS_WHY_MAX];
    for (size_t i = 0; i < m->cfg->npeers; i++) {
        if (sp_members_admit(m, i, now, NULL, why, sizeof why) != 0)
            sp_log_warn("peer %s is not admitted: %s", m->cfg->peers[i].name, why);
        else
            sp_log_debug("peer %s: certificate valid", m->cfg->peers[i].name);
    }
}

int sp_members_new(const struct sp_config *cfg, const uint8_t self_sign_pk[32],
                   const uint8_t self_curve_pk[32], int64_t now, struct sp_members **out, char *why,
                   size_t cap)
{
    struct sp_members *m = calloc(1, sizeof *m);
    if (!m)
        return SP_ERR_NOMEM;
    m->cfg = cfg;
    m->enabled = cfg->ca_cert_path[0] != '\0';
    memcpy(m->self_sign, self_sign_pk, 32);
    memcpy(m->self_curve, self_curve_pk, 32);
    int err = m->enabled ? load_trust(m, why, cap) : 0;
    if (!err && m->enabled) {
        member_load(&m->self, cfg->node_cert_path);
        for (size_t i = 0; i < cfg->npeers; i++) {
            char path[MEMBER_PATH_MAX];
            peer_path(cfg, i, path, sizeof path);
            member_load(&m->peers[i], path);
        }
        err = member_check(m, &m->self, cfg->node, m->self_sign, m->self_curve, now, why, cap);
        if (err == SP_ERR_CERT_KEY_MISMATCH)
            snprintf(why, cap, "node certificate %s does not bind this node's keys (identity %s)",
                     cfg->node_cert_path, cfg->identity_path);
    }
    if (err) {
        sp_members_free(&m);
        return err;
    }
    if (m->enabled)
        log_peers(m, now);
    *out = m;
    return 0;
}

void sp_members_free(struct sp_members **mp)
{
    if (!mp || !*mp)
        return;
    struct sp_members *m = *mp;
    sp_pki_trust_free(&m->trust);
    free(m->ca);
    free(m->self.cert);
    for (size_t i = 0; i < SP_CONFIG_MAX_PEERS; i++)
        free(m->peers[i].cert);
    free(m);
    *mp = NULL;
}

bool sp_members_enabled(const struct sp_members *m)
{
    return m && m->enabled;
}

int sp_members_admit(const struct sp_members *m, size_t i, int64_t now, uint64_t *serial, char *why,
                     size_t cap)
{
    if (serial)
        *serial = 0;
    if (!m || !m->enabled)
        return 0;
    if (i >= m->cfg->npeers) {
        snprintf(why, cap, "not a configured peer");
        return SP_ERR_PEER_UNKNOWN;
    }
    const struct member *mb = &m->peers[i];
    if (serial && mb->has_info)
        *serial = mb->info.serial;
    const struct sp_config_peer *p = &m->cfg->peers[i];
    return member_check(m, mb, p->name, p->sign_pk, p->curve_pk, now, why, cap);
}

int sp_members_self_check(const struct sp_members *m, int64_t now, char *why, size_t cap)
{
    if (!m || !m->enabled)
        return 0;
    return member_check(m, &m->self, m->cfg->node, m->self_sign, m->self_curve, now, why, cap);
}

/* Re-reads one certificate file; true when what is in use changed. A file
 * that cannot be read now leaves the certificate in use (logged). */
static bool member_reload(struct member *mb)
{
    struct member fresh;
    memset(&fresh, 0, sizeof fresh);
    member_load(&fresh, mb->path);
    if (!fresh.cert && mb->cert) {
        char why[SP_MEMBERS_WHY_MAX];
        read_why(why, sizeof why, "certificate", mb->path, fresh.load_err);
        sp_log_warn("%s; the certificate read before stays in use", why);
        return false;
    }
    bool same = fresh.cert && mb->cert && fresh.len == mb->len &&
                memcmp(fresh.cert, mb->cert, mb->len) == 0;
    if (same || (!fresh.cert && fresh.load_err == mb->load_err)) {
        free(fresh.cert);
        return false;
    }
    free(mb->cert);
    *mb = fresh;
    sp_log_info("certificate %s re-read: it changed", mb->path);
    return true;
}

size_t sp_members_reload_certs(struct sp_members *m, int64_t now)
{
    if (!m || !m->enabled)
        return 0;
    size_t changed = member_reload(&m->self);
    for (size_t i = 0; i < m->cfg->npeers; i++)
        changed += member_reload(&m->peers[i]);
    if (changed)
        log_peers(m, now);
    return changed;
}

int sp_members_reload_crl(struct sp_members *m, int64_t now)
{
    if (!m->enabled || !m->cfg->crl_path[0])
        return 0;
    uint8_t *crl = NULL;
    size_t len = 0;
    struct sp_pki_trust *t = NULL;
    int err = read_file(m->cfg->crl_path, SP_PKI_CRL_MAX_BYTES, &crl, &len);
    if (!err)
        err = sp_pki_trust_new(m->ca, m->ca_len, crl, len, &t);
    free(crl);
    if (err) {
        char why[SP_MEMBERS_WHY_MAX] = "";
        if (err == SP_ERR_UNSAFE_PERMS &&
            sp_trusted_check(m->cfg->crl_path, "it", why, sizeof why) == 0)
            why[0] = '\0'; /* fixed in the meantime */
        sp_log_error("revocation list %s not reloaded (the previous one stays in force): %s",
                     m->cfg->crl_path,
                     why[0]              ? why
                     : err == SP_ERR_CRL ? sp_strerror(err)
                                         : read_err(err));
        return err;
    }
    sp_pki_trust_free(&m->trust);
    m->trust = t;
    sp_log_info("revocation list %s reloaded", m->cfg->crl_path);
    char why[SP_MEMBERS_WHY_MAX];
    if (sp_members_self_check(m, now, why, sizeof why) != 0)
        sp_log_error("this node is no longer a member of the federation: %s", why);
    log_peers(m, now);
    return 0;
}

const struct sp_pki_cert_info *sp_members_self(const struct sp_members *m)
{
    return m && m->enabled && m->self.has_info ? &m->self.info : NULL;
}

const struct sp_pki_cert_info *sp_members_peer(const struct sp_members *m, size_t i)
{
    if (!m || !m->enabled || i >= m->cfg->npeers || !m->peers[i].has_info)
        return NULL;
    return &m->peers[i].info;
}

const struct sp_pki_trust *sp_members_trust(const struct sp_members *m)
{
    return m && m->enabled ? m->trust : NULL;
}
