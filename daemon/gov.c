/*
 * A node's governance (gov.h): start-up checks and entries, timers for the
 * CRL and retention, refusals, and the proposal judge.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/schema.h"
#include "crypto/identity.h"
#include "round/audit_events.h"
#include "daemon/anchor.h"
#include "daemon/clock.h"
#include "daemon/audit_log.h"
#include "daemon/config.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "daemon/members.h"
#include "daemon/retention.h"
#include "daemon/store.h"

#ifndef SP_VERSION
#define SP_VERSION "0"
#endif

#define REFUSAL_SLOTS       64
#define RETENTION_BATCH     64 /* rounds purged per check */
#define RETENTION_PERIOD_MS ((uint64_t)SP_RETENTION_PERIOD_S * 1000u)

/* One source of refusals: a CURVE key, or a peer name when no key is known. */
struct refusal {
    bool used, have_key, recorded; /* recorded: an entry was written at last_ms */
    uint8_t key[32];
    char peer[SP_CONFIG_NAME_MAX + 1];
    uint64_t last_ms;
    uint64_t left_out; /* refusals not recorded since the last entry */
};

/* The highest head recorded from each configured peer (index as in the
 * configuration). */
struct peer_head {
    bool known;
    uint64_t seq;
    uint8_t hash[SP_AUDIT_HASH_BYTES];
};

struct sp_gov {
    const struct sp_config *cfg;
    struct sp_store *store;
    const struct sp_identity *id;
    struct sp_audit_log *log;
    struct sp_members *members;
    uint64_t next_crl_ms, next_retention_ms;
    struct refusal refusals[REFUSAL_SLOTS];
    bool heads_read; /* peer_heads filled from the log */
    struct peer_head peer_heads[SP_CONFIG_MAX_PEERS];
};

static uint64_t unix_now(void)
{
    return (uint64_t)time(NULL);
}

int sp_gov_record(struct sp_gov *gov, struct sp_audit_entry **e, bool stage)
{
    int rc = stage ? sp_audit_log_stage(gov->log, e, unix_now())
                   : sp_audit_log_append(gov->log, e, unix_now());
    if (rc)
        sp_log_error("audit log: cannot record an event: %s", sp_strerror(rc));
    return rc;
}

/* ---- start-up -------------------------------------------------------- */

/* Compares a recorded fact with its current value and stages the new one
 * when it differs or was never recorded. Returns true when it was recorded
 * before and differs. */
static bool fact_changed(struct sp_gov *gov, const char *name, const uint8_t *now, size_t len,
                         uint8_t prev[SP_AUDIT_META_MAX], bool *had)
{
    size_t plen = 0;
    *had = sp_audit_log_meta_get(gov->log, name, prev, &plen) == 0;
    bool differs = !*had || plen != len || memcmp(prev, now, len) != 0;
    if (!differs || sp_audit_log_stage_meta(gov->log, name, now, len) != 0)
        return false;
    return *had;
}

/* when: "since the last start", or "on reload". */
static int record_changes(struct sp_gov *gov, const struct sp_identity_public *pub,
                          const uint8_t *cert_sha, const char *when)
{
    uint8_t prev[SP_AUDIT_META_MAX], p2[SP_AUDIT_META_MAX];
    bool had = false, had2 = false;
    struct sp_audit_entry *e = NULL;
    int rc = 0;
    if (fact_changed(gov, SP_AUDIT_META_CONFIG, gov->cfg->sha256, 32, prev, &had)) {
        sp_log_info("configuration changed %s (recorded in the audit log)", when);
        rc = sp_auditev_config_change(gov->cfg->sha256, prev, &e);
        if (!rc)
            rc = sp_audit_log_stage(gov->log, &e, unix_now());
    }
    bool keys = fact_changed(gov, SP_AUDIT_META_SIGN, pub->sign_pk, 32, prev, &had);
    keys |= fact_changed(gov, SP_AUDIT_META_CURVE, pub->curve_pk, 32, p2, &had2);
    bool cert = cert_sha && fact_changed(gov, SP_AUDIT_META_CERT, cert_sha, 32, p2, &had2);
    if (!rc && (keys || cert)) {
        const struct sp_pki_cert_info *ci = sp_members_self(gov->members);
        sp_log_info("%s changed %s (recorded in the audit log)",
                    keys ? "identity keys" : "certificate", when);
        rc = sp_auditev_key_change(
            cert_sha, pub->sign_pk, pub->curve_pk, ci ? ci->serial : 0,
            keys ? "the node's identity keys changed" : "the node's certificate changed", &e);
        if (!rc)
            rc = sp_audit_log_stage(gov->log, &e, unix_now());
    }
    return rc;
}

static int record_start(struct sp_gov *gov)
{
    struct sp_identity_public pub;
    struct sp_audit_entry *e = NULL;
    const struct sp_pki_cert_info *ci = sp_members_self(gov->members);
    const uint8_t *cert_sha = ci ? ci->fingerprint : NULL;
    sp_identity_public(gov->id, &pub);
    int rc = sp_auditev_node_start(gov->cfg->node, "snijpunt " SP_VERSION, gov->cfg->sha256,
                                   cert_sha, pub.sign_pk, pub.curve_pk, &e);
    if (!rc)
        rc = sp_audit_log_stage(gov->log, &e, unix_now());
    if (!rc)
        rc = record_changes(gov, &pub, cert_sha, "since the last start");
    if (!rc)
        rc = sp_audit_log_flush(gov->log);
    else
        sp_audit_log_discard(gov->log);
    return rc;
}

static int open_members(struct sp_gov *gov)
{
    struct sp_identity_public pub;
    char why[SP_MEMBERS_WHY_MAX] = "";
    sp_identity_public(gov->id, &pub);
    int rc = sp_members_new(gov->cfg, pub.sign_pk, pub.curve_pk, (int64_t)unix_now(), &gov->members,
                            why, sizeof why);
    if (rc)
        sp_log_error("this node cannot join the federation: %s", why[0] ? why : sp_strerror(rc));
    else if (!sp_members_enabled(gov->members))
        sp_log_warn("no federation CA configured (ca_cert): peers are admitted by their "
                    "configured keys alone, and signed proposals cannot be checked");
    return rc;
}

/* The anchor follows the log's head (anchor.h). A failure is a warning:
 * the log itself is intact. */
void sp_gov_anchor(struct sp_gov *gov)
{
    struct sp_anchor a = {0};
    if (!gov || !sp_audit_log_head(gov->log, &a.seq, a.hash))
        return;
    snprintf(a.node, sizeof a.node, "%s", gov->cfg->node);
    if (sp_anchor_write(gov->cfg->state_dir, &a) != 0)
        sp_log_warn("cannot update the audit anchor in %s", gov->cfg->state_dir);
}

/* Before anything is appended: the store's log against the anchor. */
static int check_anchor(struct sp_gov *gov)
{
    uint64_t seq = 0;
    uint8_t hash[SP_AUDIT_HASH_BYTES] = {0};
    bool have = sp_audit_log_head(gov->log, &seq, hash);
    return sp_anchor_check(gov->cfg->state_dir, gov->cfg->node, have, seq, hash);
}

int sp_gov_new(const struct sp_config *cfg, struct sp_store *store, const struct sp_identity *id,
               uint64_t now_ms, struct sp_gov **out)
{
    struct sp_gov *gov = calloc(1, sizeof *gov);
    if (!gov)
        return SP_ERR_NOMEM;
    gov->cfg = cfg;
    gov->store = store;
    gov->id = id;
    int rc = open_members(gov);
    if (!rc && (rc = sp_audit_log_open(sp_store_env(store), cfg->node, id, &gov->log)) != 0)
        sp_log_error("cannot open the audit log: %s", sp_strerror(rc));
    if (!rc)
        rc = check_anchor(gov);
    if (!rc) {
        struct sp_store_hook hook;
        sp_audit_log_hook(gov->log, &hook);
        sp_store_set_hook(store, &hook);
        rc = record_start(gov);
    }
    if (!rc)
        sp_gov_anchor(gov);
    if (rc) {
        sp_gov_free(&gov, NULL);
        return rc;
    }
    gov->next_crl_ms = now_ms + (uint64_t)cfg->crl_reload_s * 1000u;
    gov->next_retention_ms = now_ms; /* at once: results may have expired while stopped */
    *out = gov;
    return 0;
}

void sp_gov_free(struct sp_gov **gp, const char *reason)
{
    if (!gp || !*gp)
        return;
    struct sp_gov *gov = *gp;
    if (gov->log) {
        struct sp_audit_entry *e = NULL;
        sp_audit_log_discard(gov->log);
        if (reason && sp_auditev_node_stop(reason, &e) == 0 && sp_gov_record(gov, &e, false) != 0)
            sp_log_warn("the stop was not recorded in the audit log");
        else if (reason)
            sp_gov_anchor(gov);
        sp_store_set_hook(gov->store, NULL);
        sp_audit_log_close(&gov->log);
    }
    sp_members_free(&gov->members);
    free(gov);
    *gp = NULL;
}

struct sp_audit_log *sp_gov_log(struct sp_gov *gov)
{
    return gov->log;
}

const struct sp_members *sp_gov_members(const struct sp_gov *gov)
{
    return gov->members;
}

const struct sp_config *sp_gov_config(const struct sp_gov *gov)
{
    return gov->cfg;
}

/* ---- timers and reloads ---------------------------------------------------- */

/* The configuration's digest and this node's certificate against what the
 * audit log recorded last (config_change, key_change), written at once. */
static void record_reload(struct sp_gov *gov)
{
    struct sp_identity_public pub;
    const struct sp_pki_cert_info *ci = sp_members_self(gov->members);
    sp_identity_public(gov->id, &pub);
    int rc = record_changes(gov, &pub, ci ? ci->fingerprint : NULL, "on reload");
    if (rc)
        sp_audit_log_discard(gov->log);
    else
        rc = sp_audit_log_flush(gov->log); /* discards what it cannot write */
    if (rc) {
        sp_log_error("audit log: cannot record the changed configuration or certificate: %s",
                     sp_strerror(rc));
    }
}

static void reload_files(struct sp_gov *gov)
{
    /* renewed certificates first, then the list that may revoke them; a
     * failed CRL reload is logged and the previous list stays in force */
    (void)sp_members_reload_certs(gov->members, (int64_t)unix_now());
    if (sp_members_enabled(gov->members) && gov->cfg->crl_path[0] &&
        sp_members_reload_crl(gov->members, (int64_t)unix_now()) != 0)
        return;
}

void sp_gov_reread(struct sp_gov *gov, uint64_t now_ms)
{
    reload_files(gov);
    record_reload(gov);
    gov->next_crl_ms = now_ms + (uint64_t)gov->cfg->crl_reload_s * 1000u;
}

int sp_gov_renew_members(struct sp_gov *gov, uint64_t now_ms, char *why, size_t cap)
{
    struct sp_members *m = NULL;
    struct sp_identity_public pub;
    sp_identity_public(gov->id, &pub);
    why[0] = '\0';
    int rc = sp_members_new(gov->cfg, pub.sign_pk, pub.curve_pk, (int64_t)unix_now(), &m, why, cap);
    if (rc) {
        if (!why[0])
            snprintf(why, cap, "%s", sp_strerror(rc));
        return rc;
    }
    /* peers keep their indexes (a reload only appends): the heads recorded
     * from each stay theirs */
    sp_members_free(&gov->members);
    gov->members = m;
    record_reload(gov);
    gov->next_crl_ms = now_ms + (uint64_t)gov->cfg->crl_reload_s * 1000u;
    return 0;
}

void sp_gov_tick(struct sp_gov *gov, uint64_t now_ms)
{
    if (now_ms >= gov->next_crl_ms) {
        reload_files(gov);
        record_reload(gov); /* a renewed certificate of this node */
        gov->next_crl_ms = now_ms + (uint64_t)gov->cfg->crl_reload_s * 1000u;
    }
    if (now_ms >= gov->next_retention_ms) {
        size_t n = 0;
        if (sp_retention_run(gov->store, gov->log, unix_now(), RETENTION_BATCH, &n) != 0)
            sp_log_warn("retention: will try again in %d s", SP_RETENTION_PERIOD_S);
        /* a full batch: more may be due, come back soon */
        gov->next_retention_ms = now_ms + (n == RETENTION_BATCH ? 1000u : RETENTION_PERIOD_MS);
    }
    if (sp_audit_log_staged(gov->log) && sp_audit_log_flush(gov->log) != 0)
        sp_log_error("audit log: cannot write staged entries");
}

long sp_gov_next_timeout_ms(const struct sp_gov *gov, uint64_t now_ms)
{
    uint64_t due =
        gov->next_crl_ms < gov->next_retention_ms ? gov->next_crl_ms : gov->next_retention_ms;
    if (sp_audit_log_staged(gov->log))
        return 0;
    return due <= now_ms ? 0 : (long)(due - now_ms);
}

void sp_gov_served(struct sp_gov *gov, const uint8_t round_id[SP_ROUND_ID_BYTES])
{
    if (sp_retention_served(gov->store, gov->log, round_id, unix_now()) != 0)
        sp_log_warn("retention: cannot delete results that were read");
}

/* ---- refusals ---------------------------------------------------------- */

static struct refusal *refusal_slot(struct sp_gov *gov, const char *peer, const uint8_t *key,
                                    uint64_t now_ms)
{
    struct refusal *oldest = &gov->refusals[0];
    for (size_t i = 0; i < REFUSAL_SLOTS; i++) {
        struct refusal *r = &gov->refusals[i];
        if (r->used && (key ? r->have_key && sodium_memcmp(r->key, key, 32) == 0
                            : !r->have_key && strcmp(r->peer, peer ? peer : "") == 0))
            return r;
        if (oldest->used && (!r->used || r->last_ms < oldest->last_ms))
            oldest = r; /* a free slot, else the least recently used */
    }
    memset(oldest, 0, sizeof *oldest);
    oldest->used = true;
    oldest->have_key = key != NULL;
    if (key)
        memcpy(oldest->key, key, 32);
    snprintf(oldest->peer, sizeof oldest->peer, "%s", peer ? peer : "");
    oldest->last_ms = now_ms;
    return oldest;
}

/* Records a refusal unless this source had one recorded within the window.
 * Returns true when it was recorded (callers log it then, so a peer that
 * reconnects ten times a second does not flood the log either). */
static bool refused_at(struct sp_gov *gov, const char *peer, const uint8_t *key, uint64_t serial,
                       int code, const char *reason, uint64_t now_ms)
{
    struct refusal *r = refusal_slot(gov, peer, key, now_ms);
    if (r->recorded && now_ms - r->last_ms <= (uint64_t)SP_GOV_REFUSAL_WINDOW_S * 1000u) {
        r->left_out++;
        return false;
    }
    char text[SP_PROTO_TEXT_MAX + 1];
    if (r->left_out)
        snprintf(text, sizeof text,
                 "%.900s (and %llu similar refusals not recorded since the "
                 "last entry)",
                 reason, (unsigned long long)r->left_out);
    else
        snprintf(text, sizeof text, "%s", reason);
    struct sp_audit_entry *e = NULL;
    if (sp_auditev_connection_refused(peer, key, serial, code, text, &e) == 0 &&
        sp_gov_record(gov, &e, false) != 0)
        return false; /* logged; try again at the next refusal */
    r->last_ms = now_ms;
    r->recorded = true;
    r->left_out = 0;
    return true;
}

void sp_gov_refused(struct sp_gov *gov, const char *peer, const uint8_t *key, int code,
                    const char *reason)
{
    (void)refused_at(gov, peer, key, 0, code, reason, sp_now_ms());
}

int sp_gov_admit(struct sp_gov *gov, size_t i, const uint8_t *key, char *why, size_t cap)
{
    uint64_t serial = 0;
    int rc = sp_members_admit(gov->members, i, (int64_t)unix_now(), &serial, why, cap);
    if (rc) {
        const char *name = i < gov->cfg->npeers ? gov->cfg->peers[i].name : NULL;
        if (refused_at(gov, name, key, serial, rc, why, sp_now_ms()))
            sp_log_warn("connection of peer %s refused: %s (recorded; further refusals within "
                        "%d s are counted)",
                        name ? name : "?", why, SP_GOV_REFUSAL_WINDOW_S);
    }
    return rc;
}

int sp_gov_judge(const struct sp_gov *gov, const struct sp_policy_input *in,
                 struct sp_policy_verdict *out, char *reason, size_t cap)
{
    return sp_policy_judge(gov->cfg, gov->members, in, out, reason, cap);
}

/* ---- peers' heads ---------------------------------------------------------- */

static int peer_index(const struct sp_gov *gov, const char *name)
{
    for (size_t i = 0; i < gov->cfg->npeers; i++)
        if (strcmp(gov->cfg->peers[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void note_head(struct sp_gov *gov, const char *peer, uint64_t seq, const uint8_t *hash)
{
    int i = peer_index(gov, peer);
    if (i < 0 || (gov->peer_heads[i].known && seq < gov->peer_heads[i].seq))
        return;
    gov->peer_heads[i].known = true;
    gov->peer_heads[i].seq = seq;
    memcpy(gov->peer_heads[i].hash, hash, SP_AUDIT_HASH_BYTES);
}

static int read_head(void *ctx, uint64_t seq, const uint8_t *record, size_t len)
{
    struct sp_gov *gov = ctx;
    struct sp_audit_entry *e = NULL;
    struct sp_audit_value peer, head, hash;
    (void)seq;
    if (sp_audit_record_open(record, len, NULL, &e, NULL) != 0)
        return 0; /* the log is verified elsewhere; here only heads matter */
    if (sp_audit_entry_type(e) == SP_AUDIT_LOG_HEAD_RECEIVED &&
        sp_audit_entry_find(e, SP_AUDIT_F_PEER, 0, &peer) == 0 &&
        sp_audit_entry_find(e, SP_AUDIT_F_HEAD_SEQ, 0, &head) == 0 &&
        sp_audit_entry_find(e, SP_AUDIT_F_HEAD_HASH, 0, &hash) == 0 &&
        hash.len == SP_AUDIT_HASH_BYTES)
        note_head(gov, (const char *)peer.bytes, head.u, hash.bytes);
    sp_audit_entry_free(&e);
    return 0;
}

/* Reads the heads recorded so far, once, in pages. */
static int read_heads(struct sp_gov *gov)
{
    uint64_t n = sp_audit_log_count(gov->log);
    for (uint64_t from = 0; from < n; from += 1000) {
        int rc = sp_audit_log_read(gov->log, from, 1000, SIZE_MAX, read_head, gov);
        if (rc)
            return rc;
    }
    gov->heads_read = true;
    return 0;
}

int sp_gov_peer_head(struct sp_gov *gov, const char *peer, uint64_t seq,
                     const uint8_t hash[SP_AUDIT_HASH_BYTES], uint64_t *before)
{
    if (!gov)
        return 0;
    if (!gov->heads_read && read_heads(gov) != 0)
        sp_log_warn("audit log: cannot read the peers' recorded heads");
    int i = peer_index(gov, peer);
    if (i < 0)
        return 0;
    const struct peer_head *h = &gov->peer_heads[i];
    /* lower, or as long with another last entry: not the log it had */
    if (h->known && (seq < h->seq ||
                     (seq == h->seq && sodium_memcmp(h->hash, hash, SP_AUDIT_HASH_BYTES) != 0))) {
        *before = h->seq;
        return SP_ERR_AUDIT;
    }
    note_head(gov, peer, seq, hash);
    return 0;
}
