/*
 * SIGHUP: the configuration re-read and applied in place (reload.h).
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/identity.h"
#include "daemon/config.h"
#include "daemon/gov.h"
#include "daemon/log.h"
#include "daemon/members.h"
#include "daemon/reload.h"
#include "sys/keyfile.h"
#include "sys/trusted.h"

#define NOTE_BYTES 1024
#define MAX_NAMES  64 /* more than the format has global keys */

/* Settings that only a restart changes: the process is built around them
 * (its name and audit chain, sockets bound, the store opened and mapped,
 * the worker threads started, the key it runs with). */
static const char *const restart_only[] = {
    "node",          "listen",         "state_dir",      "identity",    "control_socket",
    "control_group", "worker_threads", "store_map_size", "net_process",
};
/* Settings membership (members.h) is built from. */
static const char *const membership_keys[] = {"ca_cert", "crl", "node_cert", "cert_dir"};

/* What a reload does, in words for its log line. */
struct notes {
    char applied[NOTE_BYTES]; /* in force now */
    char pending[NOTE_BYTES]; /* kept as they were until a restart */
    bool membership;          /* membership must be read anew */
};

__attribute__((format(printf, 3, 4))) static void note(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 8 >= cap)
        return; /* full: the log line says "..." at its end */
    if (n)
        n += (size_t)snprintf(buf + n, cap - n, ", ");
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= cap - n)
        snprintf(buf + cap - 4, 4, "...");
}

static bool listed(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* The global settings: changed ones into next (already fresh's), except
 * those that need a restart, which keep live's value. */
static void merge_settings(struct sp_config *next, const struct sp_config *live, struct notes *nt)
{
    const char *names[MAX_NAMES];
    size_t n = sp_config_diff(live, next, names, MAX_NAMES);
    for (size_t i = 0; i < n && i < MAX_NAMES; i++) {
        if (listed(names[i], restart_only, sizeof restart_only / sizeof *restart_only)) {
            if (sp_config_keep(next, live, names[i]) != 0)
                abort(); /* a name from the table itself */
            note(nt->pending, sizeof nt->pending, "%s", names[i]);
            continue;
        }
        note(nt->applied, sizeof nt->applied, "%s", names[i]);
        if (listed(names[i], membership_keys, sizeof membership_keys / sizeof *membership_keys))
            nt->membership = true;
    }
}

/* The peers in live's order (rounds hold them by index), each as the file
 * says now; a peer the file no longer has stays until a restart; peers
 * new to the file follow, as far as there is room. */
static void merge_peers(struct sp_config *next, const struct sp_config *live,
                        struct sp_config_peer *out, struct notes *nt)
{
    const struct sp_config *fresh = next; /* its peers are replaced at the end */
    size_t n = 0;
    for (size_t i = 0; i < live->npeers; i++) {
        const struct sp_config_peer *was = &live->peers[i];
        const struct sp_config_peer *now = sp_config_peer_find(fresh, was->name);
        if (!now) {
            out[n++] = *was;
            note(nt->pending, sizeof nt->pending, "peer %s removed", was->name);
            continue;
        }
        out[n++] = *now;
        if (!sp_config_peer_same(was, now)) {
            bool key = sodium_memcmp(was->curve_pk, now->curve_pk, SP_CONFIG_KEY_BYTES) != 0 ||
                       sodium_memcmp(was->sign_pk, now->sign_pk, SP_CONFIG_KEY_BYTES) != 0;
            note(nt->applied, sizeof nt->applied, "peer %s (%s)", was->name,
                 key                                         ? "new key"
                 : strcmp(was->endpoint, now->endpoint) != 0 ? "new endpoint"
                                                             : "new certificate path");
            nt->membership = true;
        }
    }
    for (size_t i = 0; i < fresh->npeers; i++) {
        const struct sp_config_peer *p = &fresh->peers[i];
        if (sp_config_peer_find(live, p->name))
            continue;
        if (n == SP_CONFIG_MAX_PEERS) {
            note(nt->pending, sizeof nt->pending, "peer %s added (no room before a restart)",
                 p->name);
            continue;
        }
        out[n++] = *p;
        note(nt->applied, sizeof nt->applied, "peer %s added", p->name);
        nt->membership = true;
    }
    memcpy(next->peers, out, n * sizeof *out);
    next->npeers = n;
}

/* What the merge may break that the parser checked for the file alone: a
 * removed peer kept in force shares a key with one added. */
static int merged_ok(const struct sp_config *c, char *why, size_t cap)
{
    for (size_t i = 0; i < c->npeers; i++)
        for (size_t j = 0; j < i; j++)
            if (sodium_memcmp(c->peers[i].curve_pk, c->peers[j].curve_pk, SP_CONFIG_KEY_BYTES) ==
                0) {
                snprintf(why, cap,
                         "[peer %s] has the key of [peer %s], which stays in force until a "
                         "restart",
                         c->peers[i].name, c->peers[j].name);
                return SP_ERR_CONFIG;
            }
    return 0;
}

/* The key file at path holds another key than the node runs with. A file
 * that cannot be read is only a warning: the node runs with what it read. */
static bool identity_changed(const char *path, const struct sp_identity *id)
{
    char *buf = NULL, why[512];
    size_t len = 0;
    struct sp_identity *now = NULL;
    struct sp_identity_public a, b;
    int err = sp_keyfile_read(path, &buf, &len);
    if (!err) {
        err = sp_identity_decode(buf, len, &now);
        sp_keyfile_buf_free(&buf, len);
    }
    if (err) {
        sp_log_warn("SIGHUP: %s", err == SP_ERR_KEYFILE_FORMAT
                                      ? "the identity key file is not readable as a key"
                                      : sp_keyfile_explain(why, sizeof why, path, err));
        return false;
    }
    sp_identity_public(now, &a);
    sp_identity_public(id, &b);
    sp_identity_free(&now);
    return sodium_memcmp(&a, &b, sizeof a) != 0;
}

static int refuse(struct sp_gov *gov, const char *path, const char *why, int err, uint64_t now_ms)
{
    sp_log_error("SIGHUP: configuration %s refused, the one in force stays: %s", path, why);
    sp_gov_reread(gov, now_ms);
    return err;
}

/* Puts next in force (in place), with membership read anew when it
 * depends on what changed; back to what was in force when that fails. */
static int apply(struct sp_config *live, const struct sp_config *next, struct sp_gov *gov,
                 bool membership, uint64_t now_ms)
{
    char why[SP_MEMBERS_WHY_MAX + 64];
    struct sp_config *was = malloc(sizeof *was);
    if (!was)
        return refuse(gov, live->source, "out of memory", SP_ERR_NOMEM, now_ms);
    memcpy(was, live, sizeof *was);
    memcpy(live, next, sizeof *live);
    live->generation = was->generation + 1;
    int err = 0;
    if (membership)
        err = sp_gov_renew_members(gov, now_ms, why, sizeof why);
    else
        sp_gov_reread(gov, now_ms);
    if (err) {
        memcpy(live, was, sizeof *live); /* nothing ran in between */
        sp_config_free(&was);
        char text[sizeof why + 48];
        snprintf(text, sizeof text, "this node cannot join the federation with it: %s", why);
        return refuse(gov, live->source, text, err, now_ms);
    }
    sp_config_free(&was); /* wipes */
    sp_log_init(live->log_level);
    return 0;
}

int sp_reload(struct sp_config *live, struct sp_gov *gov, const struct sp_identity *id,
              uint64_t now_ms)
{
    char diag[SP_CONFIG_DIAG_BYTES], path[SP_CONFIG_PATH_MAX + 1];
    struct sp_config *next = NULL;
    struct notes nt = {0};
    snprintf(path, sizeof path, "%s", live->source);
    /* nobody else may write what names the trust anchors (as at start) */
    int err = sp_trusted_check(path, "configuration file", diag, sizeof diag);
    if (err != SP_ERR_UNSAFE_PERMS)
        err = sp_config_load(path, &next, diag, sizeof diag);
    if (err)
        return refuse(gov, path, diag, err, now_ms);
    struct sp_config_peer *peers = calloc(SP_CONFIG_MAX_PEERS, sizeof *peers);
    if (!peers) {
        sp_config_free(&next);
        return refuse(gov, path, "out of memory", SP_ERR_NOMEM, now_ms);
    }
    merge_settings(next, live, &nt);
    merge_peers(next, live, peers, &nt);
    free(peers);
    if (identity_changed(live->identity_path, id))
        note(nt.pending, sizeof nt.pending, "identity (the key file holds another key)");
    err = merged_ok(next, diag, sizeof diag);
    if (!err && nt.applied[0])
        err = apply(live, next, gov, nt.membership, now_ms);
    else if (!err)
        sp_gov_reread(gov, now_ms);
    else
        err = refuse(gov, path, diag, err, now_ms);
    sp_config_free(&next);
    if (err)
        return err;
    if (nt.pending[0])
        sp_log_warn("SIGHUP: configuration %s %s%s; kept as it was until snijpuntd is "
                    "restarted: %s",
                    path, nt.applied[0] ? "reloaded; in force now: " : "re-read", nt.applied,
                    nt.pending);
    else if (nt.applied[0])
        sp_log_info("SIGHUP: configuration %s reloaded; in force now: %s", path, nt.applied);
    else
        sp_log_info("SIGHUP: configuration %s re-read: unchanged", path);
    return 0;
}
