/*
 * The configuration parser: line by line, table-driven. Every key has one
 * row in `keys` below saying its section, kind, range and destination; a new
 * setting is a new row (and a line in daemon/README.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "crypto/identity.h"
#include "daemon/config.h"
#include "proto/proposal.h" /* SP_PROPOSAL_CASE_MAX_VALUES */

enum section { SEC_GLOBAL, SEC_PEER };

enum kind {
    K_NAME,     /* [a-z0-9-]{1,64} */
    K_ENDPOINT, /* tcp://HOST:PORT or ipc:///path */
    K_PATH,     /* absolute path */
    K_SOCKET,   /* absolute path short enough for sun_path */
    K_GROUP,    /* Unix group name */
    K_LEVEL,    /* log level name */
    K_U32,      /* decimal integer in [min, max] */
    K_SECONDS,  /* integer with optional s/m/h/d suffix, in [min, max] seconds */
    K_SIZE,     /* integer with optional K/M/G/T suffix (powers of 1024) */
    K_PUBKEY,   /* "snijpunt-public-v1:..." (both keys) */
    K_SIGNKEY,  /* base64 of an Ed25519 public key */
    K_CURVEKEY, /* base64 or Z85 of an X25519 public key */
    K_U64,      /* decimal integer in [min, max], 64 bits */
    K_BOOL,     /* yes/no, true/false, on/off, 1/0 */
    K_ACCEPT,   /* a text line of a policy list; the key may repeat */
    K_KEYMASK,  /* comma-separated key type names, or "all" */
    K_MODES,    /* comma-separated disclosure modes, or "all" */
    K_PEERS,    /* comma-separated peer names (each checked against the peers at the end) */
};

struct key_def {
    const char *name;
    enum section sec;
    enum kind kind;
    uint64_t min, max;
    size_t off;       /* into struct sp_config or struct sp_config_peer */
    size_t cap;       /* destination capacity for strings (K_ACCEPT, K_PEERS: per entry) */
    size_t count_off; /* K_ACCEPT, K_PEERS: the size_t counting the entries */
};

#define G(f)  offsetof(struct sp_config, f), sizeof(((struct sp_config *)0)->f), 0
#define P(f)  offsetof(struct sp_config_peer, f), sizeof(((struct sp_config_peer *)0)->f), 0
#define GN(f) offsetof(struct sp_config, f), 0, 0
#define GL(f, n)                                                                                   \
    offsetof(struct sp_config, f), sizeof(((struct sp_config *)0)->f[0]),                          \
        offsetof(struct sp_config, n)

static const struct key_def keys[] = {
    {"node", SEC_GLOBAL, K_NAME, 0, 0, G(node)},
    {"listen", SEC_GLOBAL, K_ENDPOINT, 0, 0, G(listen)},
    {"state_dir", SEC_GLOBAL, K_PATH, 0, 0, G(state_dir)},
    {"backup_dir", SEC_GLOBAL, K_PATH, 0, 0, G(backup_dir)},
    {"metrics_file", SEC_GLOBAL, K_PATH, 0, 0, G(metrics_file)},
    {"metrics_interval", SEC_GLOBAL, K_SECONDS, 1, 3600, GN(metrics_interval_s)},
    {"identity", SEC_GLOBAL, K_PATH, 0, 0, G(identity_path)},
    {"control_socket", SEC_GLOBAL, K_SOCKET, 0, 0, G(control_socket)},
    {"control_group", SEC_GLOBAL, K_GROUP, 0, 0, G(control_group)},
    {"log_level", SEC_GLOBAL, K_LEVEL, 0, 0, GN(log_level)},
    {"round_deadline", SEC_GLOBAL, K_SECONDS, 1, 86400, GN(round_deadline_s)},
    {"round_stall", SEC_GLOBAL, K_SECONDS, 10, 86400, GN(round_stall_s)},
    {"batch_size", SEC_GLOBAL, K_U32, 1, 4096, GN(batch_size)},
    {"batch_window", SEC_GLOBAL, K_U32, 1, 64, GN(batch_window)},
    {"worker_threads", SEC_GLOBAL, K_U32, 1, 64, GN(worker_threads)},
    {"store_map_size", SEC_GLOBAL, K_SIZE, UINT64_C(1) << 20, UINT64_C(1) << 40,
     GN(store_map_bytes)},
    {"load_idle_timeout", SEC_GLOBAL, K_SECONDS, 10, 86400, GN(load_idle_timeout_s)},
    {"max_set_size", SEC_GLOBAL, K_U32, 0, UINT32_MAX, GN(max_set_size)},
    {"ca_cert", SEC_GLOBAL, K_PATH, 0, 0, G(ca_cert_path)},
    {"crl", SEC_GLOBAL, K_PATH, 0, 0, G(crl_path)},
    {"node_cert", SEC_GLOBAL, K_PATH, 0, 0, G(node_cert_path)},
    {"cert_dir", SEC_GLOBAL, K_PATH, 0, 0, G(cert_dir)},
    {"crl_reload", SEC_GLOBAL, K_SECONDS, 10, 86400, GN(crl_reload_s)},
    {"allow_unsigned_rounds", SEC_GLOBAL, K_BOOL, 0, 0, GN(allow_unsigned_rounds)},
    {"accept_coordinator", SEC_GLOBAL, K_ACCEPT, 0, 0, GL(coordinators, ncoordinators)},
    {"accept_purpose", SEC_GLOBAL, K_ACCEPT, 0, 0, GL(purposes, npurposes)},
    {"accept_legal_basis", SEC_GLOBAL, K_ACCEPT, 0, 0, GL(legal_bases, nlegal_bases)},
    {"accept_key_types", SEC_GLOBAL, K_KEYMASK, 0, 0, GN(accept_key_types)},
    {"accept_modes", SEC_GLOBAL, K_MODES, 0, 0, GN(accept_modes)},
    {"accept_min_holders", SEC_GLOBAL, K_U32, 1, 32, GN(accept_min_holders)},
    {"accept_max_set_size", SEC_GLOBAL, K_U64, 0, UINT64_MAX, GN(accept_max_set_size)},
    {"accept_max_retention_days", SEC_GLOBAL, K_U32, 0, UINT32_MAX, GN(accept_max_retention_days)},
    {"may_count", SEC_GLOBAL, K_BOOL, 0, 0, GN(may_count)},
    {"net_process", SEC_GLOBAL, K_BOOL, 0, 0, GN(net_process)},
    {"counts_suppress_below", SEC_GLOBAL, K_U32, 0, 1000000, GN(counts_suppress_below)},
    {"case_key_types", SEC_GLOBAL, K_KEYMASK, 0, 0, GN(case_key_types)},
    {"case_epoch_days", SEC_GLOBAL, K_U32, 1, 366, GN(case_epoch_days)},
    {"case_max_values", SEC_GLOBAL, K_U32, 1, SP_PROPOSAL_CASE_MAX_VALUES, GN(case_max_values)},
    {"case_questions_per_epoch", SEC_GLOBAL, K_U32, 1, 1000000, GN(case_questions_per_epoch)},
    {"case_values_per_epoch", SEC_GLOBAL, K_U64, 1, UINT64_C(1000000000),
     GN(case_values_per_epoch)},
    {"case_tell_holders", SEC_GLOBAL, K_BOOL, 0, 0, GN(case_tell_holders)},
    {"case_askers", SEC_GLOBAL, K_PEERS, 0, 0, GL(case_askers, ncase_askers)},
    {"case_ask", SEC_GLOBAL, K_BOOL, 0, 0, GN(case_ask)},
    {"case_filter_check", SEC_GLOBAL, K_SECONDS, 1, 86400, GN(case_filter_check_s)},
    {"endpoint", SEC_PEER, K_ENDPOINT, 0, 0, P(endpoint)},
    {"public_key", SEC_PEER, K_PUBKEY, 0, 0, 0, 0, 0},
    {"sign_key", SEC_PEER, K_SIGNKEY, 0, 0, P(sign_pk)},
    {"curve_key", SEC_PEER, K_CURVEKEY, 0, 0, P(curve_pk)},
    {"cert", SEC_PEER, K_PATH, 0, 0, P(cert_path)},
};
#define NKEYS (sizeof keys / sizeof keys[0])

struct parser {
    struct sp_config *cfg;
    unsigned line;
    enum section sec;
    struct sp_config_peer *peer;
    unsigned seen[NKEYS]; /* line where each key was set in the current scope */
    char *diag;
    size_t diag_cap;
};

__attribute__((format(printf, 3, 4))) static int fail_at(struct parser *ps, unsigned line,
                                                         const char *fmt, ...)
{
    if (ps->diag && ps->diag_cap) {
        int n = line ? snprintf(ps->diag, ps->diag_cap, "%s:%u: ", ps->cfg->source, line)
                     : snprintf(ps->diag, ps->diag_cap, "%s: ", ps->cfg->source);
        if (n >= 0 && (size_t)n < ps->diag_cap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ps->diag + n, ps->diag_cap - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return SP_ERR_CONFIG;
}

/* ---- value checks (each returns NULL when fine, else what is wrong) ---- */

static const char *check_name(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > SP_CONFIG_NAME_MAX)
        return "must be 1 to 64 characters";
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) || v[i] == '-'))
            return "may contain only a-z, 0-9 and '-'";
    return NULL;
}

static const char *check_host(const char *h, size_t n)
{
    if (n == 1 && h[0] == '*')
        return NULL;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        for (size_t i = 1; i + 1 < n; i++)
            if (!(isxdigit((unsigned char)h[i]) || h[i] == ':' || h[i] == '.'))
                return "has an invalid IPv6 address";
        return NULL;
    }
    if (n == 0 || n > 253)
        return "needs a host";
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)h[i]) || h[i] == '.' || h[i] == '-'))
            return "has an invalid host name";
    return NULL;
}

static const char *check_endpoint(const char *v)
{
    if (strlen(v) > SP_CONFIG_ENDPOINT_MAX)
        return "is too long";
    if (strncmp(v, "ipc://", 6) == 0)
        return (v[6] == '/' && strlen(v + 6) <= SP_CONFIG_IPC_PATH_MAX)
                   ? NULL
                   : "must be ipc:// followed by an absolute path of at most 100 bytes";
    if (strncmp(v, "tcp://", 6) != 0)
        return "must be tcp://HOST:PORT (or ipc:///path)";
    const char *host = v + 6, *colon = strrchr(host, ':');
    if (!colon)
        return "must be tcp://HOST:PORT";
    const char *bad = check_host(host, (size_t)(colon - host));
    if (bad)
        return bad;
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || !isdigit((unsigned char)colon[1]) || *end || port == 0 || port > 65535)
        return "needs a port from 1 to 65535";
    return NULL;
}

static const char *check_path(const char *v, size_t max)
{
    if (v[0] != '/')
        return "must be an absolute path";
    if (strlen(v) > max)
        return "is too long";
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "contains a control character";
    return NULL;
}

static const char *check_group(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 32 || !(islower((unsigned char)v[0]) || v[0] == '_'))
        return "must be a group name (a-z, 0-9, '_', '-'; at most 32)";
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)v[i]) || isdigit((unsigned char)v[i]) || v[i] == '_' ||
              v[i] == '-'))
            return "must be a group name (a-z, 0-9, '_', '-'; at most 32)";
    return NULL;
}

/* Parses an unsigned decimal with an optional unit suffix from units
 * (letters) and mult (their multipliers). */
static const char *parse_number(const char *v, const char *units, const uint64_t *mult,
                                uint64_t *out)
{
    char *end = NULL;
    if (!isdigit((unsigned char)v[0]))
        return "must be a whole number";
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno)
        return "is out of range";
    uint64_t m = 1;
    if (*end) {
        const char *u = end[1] == '\0' ? strchr(units, *end) : NULL;
        if (!u || !*end)
            return "has an unknown unit";
        m = mult[u - units];
    }
    if (n > UINT64_MAX / m)
        return "is out of range";
    *out = (uint64_t)n * m;
    return NULL;
}

static const char *check_level(const char *v, int *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(v, names[i]) == 0)
            return *out = i, NULL;
    return "must be error, warn, info or debug";
}

static const char *decode_key32(const char *v, uint8_t out[SP_CONFIG_KEY_BYTES], bool z85_ok)
{
    size_t n = strlen(v), bin_len = 0;
    if (z85_ok && n == SP_CURVE_Z85_CHARS)
        return zmq_z85_decode(out, v) ? NULL : "is not valid Z85";
    if (sodium_base642bin(out, SP_CONFIG_KEY_BYTES, v, n, NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != SP_CONFIG_KEY_BYTES)
        return "must be the base64 of a 32-byte key";
    return NULL;
}

static const char *set_number(const struct key_def *k, const char *v, void *base)
{
    static const uint64_t secs[] = {1, 60, 3600, 86400};
    static const uint64_t sizes[] = {UINT64_C(1) << 10, UINT64_C(1) << 20, UINT64_C(1) << 30,
                                     UINT64_C(1) << 40};
    uint64_t n = 0;
    const char *bad = k->kind == K_SECONDS ? parse_number(v, "smhd", secs, &n)
                      : k->kind == K_SIZE  ? parse_number(v, "KMGT", sizes, &n)
                                           : parse_number(v, "", NULL, &n);
    if (bad)
        return bad;
    if (n < k->min || n > k->max)
        return "is out of range";
    if (k->kind == K_SIZE || k->kind == K_U64)
        *(uint64_t *)(void *)((char *)base + k->off) = n;
    else
        *(uint32_t *)(void *)((char *)base + k->off) = (uint32_t)n;
    return NULL;
}

static const char *set_string(const struct key_def *k, const char *v, void *base)
{
    const char *bad = NULL;
    switch (k->kind) {
    case K_NAME:
        bad = check_name(v);
        break;
    case K_ENDPOINT:
        bad = check_endpoint(v);
        break;
    case K_PATH:
        bad = check_path(v, SP_CONFIG_PATH_MAX);
        break;
    case K_SOCKET:
        bad = check_path(v, SP_CONFIG_IPC_PATH_MAX);
        break;
    case K_GROUP:
        bad = check_group(v);
        break;
    default:
        return "internal: not a string";
    }
    if (!bad && strlen(v) >= k->cap)
        bad = "is too long";
    if (!bad)
        memcpy((char *)base + k->off, v, strlen(v) + 1);
    return bad;
}

static const char *set_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
            *out = strcmp(v, yes[i]) == 0;
            return NULL;
        }
    }
    return "must be yes or no";
}

/* One line of a policy list: text a proposal can carry and the audit log
 * can record (no control characters, no long digit runs). */
static const char *set_accept(const struct key_def *k, const char *v, struct sp_config *cfg)
{
    size_t *n = (size_t *)(void *)((char *)cfg + k->count_off);
    const char *why = NULL;
    if (*n == SP_CONFIG_MAX_ACCEPT)
        return "is given too often (at most 16 lines)";
    if (sp_audit_text_check(v, strlen(v), k->cap - 1, &why) != 0)
        return why;
    memcpy((char *)cfg + k->off + *n * k->cap, v, strlen(v) + 1);
    (*n)++;
    return NULL;
}

/* Copies a comma-separated list without spaces into out (capacity cap). */
static const char *squeeze(const char *v, char *out, size_t cap)
{
    size_t n = 0;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t')
            continue;
        if (n + 1 >= cap)
            return "is too long";
        out[n++] = *v;
    }
    out[n] = '\0';
    return NULL;
}

static const char *set_keymask(const char *v, uint32_t *out)
{
    char list[256];
    const char *bad = squeeze(v, list, sizeof list);
    if (!bad && sp_key_mask_parse(list, out) != 0)
        bad = "must be key type names separated by commas (bsn, name_dob, ...) or all";
    return bad;
}

static const char *set_modes(const char *v, uint32_t *out)
{
    static const char *const names[] = {NULL, "counts", "threshold", "partners"};
    char list[128];
    const char *bad = squeeze(v, list, sizeof list);
    uint32_t mask = 0;
    if (bad)
        return bad;
    if (strcmp(list, "all") == 0) {
        *out = 0xe;
        return NULL;
    }
    for (char *t = list, *next; t; t = next) {
        next = strchr(t, ',');
        if (next)
            *next++ = '\0';
        int m = 0;
        for (int i = 1; i <= 3 && !m; i++)
            m = strcmp(t, names[i]) == 0 ? i : 0;
        if (!m)
            return "must be counts, threshold and/or partners separated by commas (or all)";
        mask |= UINT32_C(1) << m;
    }
    *out = mask;
    return NULL;
}

/* A list of peer names (case_askers): each a valid name, none twice. That
 * each is a configured peer is checked at the end (finish_peers): the
 * [peer] sections come after every global key. */
static const char *set_peers(const struct key_def *k, const char *v, struct sp_config *cfg)
{
    char list[SP_CONFIG_MAX_PEERS * (SP_CONFIG_NAME_MAX + 1) + 1];
    char *names = (char *)cfg + k->off;
    size_t *n = (size_t *)(void *)((char *)cfg + k->count_off);
    const char *bad = squeeze(v, list, sizeof list);
    for (char *t = list, *next; !bad && t; t = next) {
        if ((next = strchr(t, ',')))
            *next++ = '\0';
        if (check_name(t))
            return "must be peer names separated by commas";
        for (size_t i = 0; i < *n; i++)
            if (strcmp(names + i * k->cap, t) == 0)
                return "names a peer twice";
        if (*n == SP_CONFIG_MAX_PEERS)
            return "names more peers than there can be";
        memcpy(names + (*n)++ * k->cap, t, strlen(t) + 1);
    }
    return bad;
}

/* A small-order X25519 key gives an all-zero shared secret, which libzmq
 * refuses at handshake time; public_key lines are refused for it by
 * sp_identity_public_decode, and curve_key must not let it in by another
 * spelling (found by fuzz/fuzz_config.c's round trip). */
static bool curve_key_weak(const uint8_t pk[SP_CONFIG_KEY_BYTES])
{
    static const uint8_t probe[crypto_scalarmult_curve25519_SCALARBYTES] = {1};
    uint8_t shared[crypto_scalarmult_curve25519_BYTES];
    bool weak = crypto_scalarmult_curve25519(shared, probe, pk) != 0;
    sodium_memzero(shared, sizeof shared);
    return weak;
}

/* A peer's keys: the public_key line, or its two halves (held to the same
 * rules as the line). */
static const char *set_peer_key(enum kind kind, const char *v, struct sp_config_peer *peer)
{
    const char *bad = NULL;
    struct sp_identity_public pub;

    switch (kind) {
    case K_SIGNKEY:
        bad = decode_key32(v, peer->sign_pk, false);
        if (!bad && crypto_core_ed25519_is_valid_point(peer->sign_pk) != 1)
            bad = "is not a valid Ed25519 public key";
        return bad;
    case K_CURVEKEY:
        bad = decode_key32(v, peer->curve_pk, true);
        if (!bad && curve_key_weak(peer->curve_pk))
            bad = "is a small-order X25519 key (no shared secret could come of it)";
        return bad;
    default:
        if (sp_identity_public_decode(v, strlen(v), &pub) != 0)
            return "must be the text `snijpunt init` printed (snijpunt-public-v1:...)";
        memcpy(peer->sign_pk, pub.sign_pk, SP_CONFIG_KEY_BYTES);
        memcpy(peer->curve_pk, pub.curve_pk, SP_CONFIG_KEY_BYTES);
        return NULL;
    }
}

static const char *set_value(const struct key_def *k, const char *v, struct sp_config *cfg,
                             struct sp_config_peer *peer)
{
    void *base = k->sec == SEC_PEER ? (void *)peer : (void *)cfg;
    switch (k->kind) {
    case K_LEVEL:
        return check_level(v, &cfg->log_level);
    case K_U32:
    case K_U64:
    case K_SECONDS:
    case K_SIZE:
        return set_number(k, v, base);
    case K_BOOL:
        return set_bool(v, (bool *)(void *)((char *)base + k->off));
    case K_ACCEPT:
        return set_accept(k, v, cfg);
    case K_KEYMASK:
        return set_keymask(v, (uint32_t *)(void *)((char *)cfg + k->off));
    case K_MODES:
        return set_modes(v, &cfg->accept_modes);
    case K_PEERS:
        return set_peers(k, v, cfg);
    case K_SIGNKEY:
    case K_CURVEKEY:
    case K_PUBKEY:
        return set_peer_key(k->kind, v, peer);
    default:
        return set_string(k, v, base);
    }
}

/* ---- lines and sections ----------------------------------------------- */

static size_t key_index(const char *name, enum section sec)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
            return i;
    return NKEYS;
}

static unsigned seen_line(const struct parser *ps, const char *name)
{
    size_t i = key_index(name, ps->sec);
    return i < NKEYS ? ps->seen[i] : 0;
}

/* Checks the peer section that just ended. */
static int finish_peer(struct parser *ps)
{
    struct sp_config_peer *p = ps->peer;
    if (!p)
        return 0;
    bool text = seen_line(ps, "public_key"), sign = seen_line(ps, "sign_key"),
         curve = seen_line(ps, "curve_key");
    if (!seen_line(ps, "endpoint"))
        return fail_at(ps, p->line, "[peer %s] has no endpoint", p->name);
    if (text && (sign || curve))
        return fail_at(ps, p->line, "[peer %s] sets public_key and also sign_key/curve_key",
                       p->name);
    if (!text && !(sign && curve))
        return fail_at(ps, p->line, "[peer %s] needs public_key (or sign_key and curve_key)",
                       p->name);
    ps->peer = NULL;
    return 0;
}

static int begin_peer(struct parser *ps, const char *hdr, size_t n)
{
    int err = finish_peer(ps);
    if (err)
        return err;
    if (n < 7 || strncmp(hdr, "[peer ", 6) != 0 || hdr[n - 1] != ']')
        return fail_at(ps, ps->line, "unknown section (expected [peer NAME])");
    char name[SP_CONFIG_NAME_MAX + 2] = {0};
    size_t nl = n - 7;
    const char *bad = nl > SP_CONFIG_NAME_MAX ? "must be 1 to 64 characters" : NULL;
    if (!bad) {
        memcpy(name, hdr + 6, nl);
        bad = check_name(name);
    }
    if (bad)
        return fail_at(ps, ps->line, "peer name %s", bad);
    const struct sp_config_peer *dup = sp_config_peer_find(ps->cfg, name);
    if (dup)
        return fail_at(ps, ps->line, "duplicate [peer %s] (first on line %u)", name, dup->line);
    if (ps->cfg->npeers == SP_CONFIG_MAX_PEERS)
        return fail_at(ps, ps->line, "too many peers (at most %d)", SP_CONFIG_MAX_PEERS);
    ps->peer = &ps->cfg->peers[ps->cfg->npeers++];
    memcpy(ps->peer->name, name, nl + 1);
    ps->peer->line = ps->line;
    ps->sec = SEC_PEER;
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].sec == SEC_PEER)
            ps->seen[i] = 0;
    return 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int parse_assignment(struct parser *ps, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return fail_at(ps, ps->line, "expected 'key = value'");
    const char *k = s, *v = eq + 1;
    size_t kn = (size_t)(eq - s), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    char key[32], val[SP_CONFIG_PATH_MAX + 1];
    if (kn == 0 || kn >= sizeof key)
        return fail_at(ps, ps->line, "expected 'key = value'");
    memcpy(key, k, kn);
    key[kn] = '\0';
    size_t i = key_index(key, ps->sec);
    if (i == NKEYS)
        return ps->sec == SEC_PEER
                   ? fail_at(ps, ps->line, "unknown key '%s' in [peer %s]", key, ps->peer->name)
                   : fail_at(ps, ps->line, "unknown key '%s'", key);
    if (ps->seen[i] && keys[i].kind != K_ACCEPT)
        return fail_at(ps, ps->line, "duplicate key '%s' (first set on line %u)", key, ps->seen[i]);
    if (vn == 0)
        return fail_at(ps, ps->line, "%s has no value", key);
    if (vn >= sizeof val)
        return fail_at(ps, ps->line, "%s is too long", key);
    memcpy(val, v, vn);
    val[vn] = '\0';
    const char *bad = set_value(&keys[i], val, ps->cfg, ps->peer);
    if (bad)
        return fail_at(ps, ps->line, "%s %s", key, bad);
    ps->seen[i] = ps->line;
    return 0;
}

static int parse_line(struct parser *ps, const char *s, size_t n)
{
    if (memchr(s, '\0', n))
        return fail_at(ps, ps->line, "contains a NUL byte");
    trim(&s, &n);
    if (n == 0 || s[0] == '#')
        return 0;
    if (s[0] == '[')
        return begin_peer(ps, s, n);
    return parse_assignment(ps, s, n);
}

/* ---- whole file -------------------------------------------------------- */

static void set_defaults(struct sp_config *c)
{
    memcpy(c->state_dir, SP_CONFIG_DEFAULT_STATE, sizeof SP_CONFIG_DEFAULT_STATE);
    memcpy(c->control_socket, SP_CONFIG_DEFAULT_CONTROL, sizeof SP_CONFIG_DEFAULT_CONTROL);
    c->log_level = SP_LOG_INFO;
    c->round_deadline_s = 600;
    c->round_stall_s = 120;
    c->batch_size = 4096;
    c->batch_window = 8;
    c->worker_threads = 2;
    c->store_map_bytes = UINT64_C(8) << 30;
    c->load_idle_timeout_s = 300;
    c->max_set_size = 0;
    c->crl_reload_s = 300;
    c->metrics_interval_s = 15;
    c->accept_key_types = SP_KEY_MASK_ALL;
    c->accept_modes = 0xe;     /* counts, threshold, partners */
    c->accept_min_holders = 2; /* k = 1 would disclose a whole set as an "intersection" */
    c->accept_max_retention_days = UINT32_MAX;
    c->may_count = true;
    c->net_process = true; /* the privilege separation: daemon/README.md */
    c->counts_suppress_below = SP_CONFIG_DEFAULT_SUPPRESS;
    /* case questions: answered about no key type until configured */
    c->case_epoch_days = 30;
    c->case_max_values = 100;
    c->case_questions_per_epoch = 20;
    c->case_values_per_epoch = 1000;
    c->case_filter_check_s = 60;
}

/* The certificate settings belong together (members.h). */
static int finish_identity(struct parser *ps)
{
    static const char *const need_ca[] = {"crl", "node_cert", "cert_dir"};
    const struct sp_config *c = ps->cfg;
    if (!c->ca_cert_path[0]) {
        for (size_t i = 0; i < 3; i++) {
            unsigned at = ps->seen[key_index(need_ca[i], SEC_GLOBAL)];
            if (at)
                return fail_at(ps, at, "%s needs ca_cert (the federation CA certificate)",
                               need_ca[i]);
        }
        for (size_t i = 0; i < c->npeers; i++)
            if (c->peers[i].cert_path[0])
                return fail_at(ps, c->peers[i].line,
                               "[peer %s] cert needs ca_cert (the federation CA certificate)",
                               c->peers[i].name);
        return 0;
    }
    if (!c->node_cert_path[0])
        return fail_at(ps, 0, "ca_cert is set: node_cert (this node's certificate) is required");
    for (size_t i = 0; i < c->npeers; i++)
        if (!c->peers[i].cert_path[0] && !c->cert_dir[0])
            return fail_at(ps, c->peers[i].line,
                           "[peer %s] needs cert (or a cert_dir holding %s.crt): ca_cert is set",
                           c->peers[i].name, c->peers[i].name);
    return 0;
}

/* Every peer case_askers names is configured: a name not there (a typo)
 * would quietly answer nobody. */
static int finish_askers(struct parser *ps)
{
    const struct sp_config *c = ps->cfg;
    for (size_t i = 0; i < c->ncase_askers; i++)
        if (!sp_config_peer_find(c, c->case_askers[i]))
            return fail_at(ps, ps->seen[key_index("case_askers", SEC_GLOBAL)],
                           "case_askers names %s, which is not a configured peer (no [peer %s])",
                           c->case_askers[i], c->case_askers[i]);
    return 0;
}

/* Checks that involve several keys, once the whole file is read. */
static int finish(struct parser *ps)
{
    static const char *const required[] = {"node", "listen", "identity"};
    struct sp_config *c = ps->cfg;
    int err = finish_peer(ps);
    if (err)
        return err;
    for (size_t i = 0; i < 3; i++)
        if (!ps->seen[key_index(required[i], SEC_GLOBAL)])
            return fail_at(ps, 0, "missing required key '%s'", required[i]);
    for (size_t i = 0; i < c->npeers; i++) {
        const struct sp_config_peer *p = &c->peers[i];
        if (strcmp(p->name, c->node) == 0)
            return fail_at(ps, p->line, "[peer %s] has this node's own name", p->name);
        if (strcmp(p->endpoint, c->listen) == 0)
            return fail_at(ps, p->line, "[peer %s] endpoint is this node's listen address",
                           p->name);
        for (size_t j = 0; j < i; j++)
            if (sodium_memcmp(p->curve_pk, c->peers[j].curve_pk, SP_CONFIG_KEY_BYTES) == 0)
                return fail_at(ps, p->line, "[peer %s] has the same key as [peer %s] (line %u)",
                               p->name, c->peers[j].name, c->peers[j].line);
    }
    err = finish_askers(ps);
    return err ? err : finish_identity(ps);
}

int sp_config_parse(const char *text, size_t len, const char *source, struct sp_config **out,
                    char *diag, size_t diag_cap)
{
    if (!text || !out)
        return SP_ERR_INVALID_ARG;
    if (diag && diag_cap)
        diag[0] = '\0';
    struct sp_config *c = calloc(1, sizeof *c);
    if (!c)
        return SP_ERR_NOMEM;
    snprintf(c->source, sizeof c->source, "%s", source ? source : "config");
    struct parser ps = {.cfg = c, .sec = SEC_GLOBAL, .diag = diag, .diag_cap = diag_cap};
    set_defaults(c);
    int err = len > SP_CONFIG_MAX_BYTES ? SP_ERR_OVERFLOW : 0;
    if (err)
        fail_at(&ps, 0, "file is larger than %u bytes", SP_CONFIG_MAX_BYTES);
    for (size_t pos = 0; !err && pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
        ps.line++;
        err = parse_line(&ps, text + pos, n);
        pos += n + (nl != NULL);
    }
    if (!err)
        err = finish(&ps);
    if (err) {
        free(c);
        return err;
    }
    crypto_hash_sha256(c->sha256, (const unsigned char *)text, len);
    *out = c;
    return 0;
}

int sp_config_load(const char *path, struct sp_config **out, char *diag, size_t diag_cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), err = 0;
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    ssize_t r = 0;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : EINVAL;
        if (diag && diag_cap)
            snprintf(diag, diag_cap, "%s: cannot read: %s", path,
                     fd < 0 ? strerror(e) : "not a regular file");
        err = e == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
        goto out;
    }
    size_t cap = (size_t)st.st_size + 1 > SP_CONFIG_MAX_BYTES + 1 ? SP_CONFIG_MAX_BYTES + 1
                                                                  : (size_t)st.st_size + 1;
    buf = malloc(cap);
    while (buf && len < cap && (r = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)r;
    err = !buf ? SP_ERR_NOMEM : r < 0 ? SP_ERR_IO : 0;
    if (err == SP_ERR_IO && diag && diag_cap)
        snprintf(diag, diag_cap, "%s: cannot read: %s", path, strerror(errno));
    if (!err)
        err = sp_config_parse(buf, len, path, out, diag, diag_cap);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return err;
}

void sp_config_free(struct sp_config **cfg)
{
    if (!cfg || !*cfg)
        return;
    sodium_memzero(*cfg, sizeof **cfg);
    free(*cfg);
    *cfg = NULL;
}

const struct sp_config_peer *sp_config_peer_find(const struct sp_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->npeers; i++)
        if (strcmp(cfg->peers[i].name, name) == 0)
            return &cfg->peers[i];
    return NULL;
}

const struct sp_config_peer *sp_config_peer_by_curve(const struct sp_config *cfg,
                                                     const uint8_t curve_pk[SP_CONFIG_KEY_BYTES])
{
    const struct sp_config_peer *found = NULL;
    for (size_t i = 0; i < cfg->npeers; i++)
        if (sodium_memcmp(cfg->peers[i].curve_pk, curve_pk, SP_CONFIG_KEY_BYTES) == 0)
            found = &cfg->peers[i];
    return found;
}

/* ---- comparing configurations (reload) ---------------------------------- */

/* Where a global key's value lives and how wide it is; a list key spans
 * all its slots (compared line by line with its count). */
static size_t value_width(const struct key_def *k)
{
    switch (k->kind) {
    case K_LEVEL:
        return sizeof(int);
    case K_U32:
    case K_SECONDS:
    case K_KEYMASK:
    case K_MODES:
        return sizeof(uint32_t);
    case K_PEERS:
        return SP_CONFIG_MAX_PEERS * k->cap;
    case K_SIZE:
    case K_U64:
        return sizeof(uint64_t);
    case K_BOOL:
        return sizeof(bool);
    case K_ACCEPT:
        return SP_CONFIG_MAX_ACCEPT * k->cap;
    default:
        return k->cap; /* a string */
    }
}

static bool key_same(const struct key_def *k, const struct sp_config *a, const struct sp_config *b)
{
    const char *va = (const char *)a + k->off, *vb = (const char *)b + k->off;
    if (k->kind == K_ACCEPT || k->kind == K_PEERS) {
        size_t na = *(const size_t *)(const void *)((const char *)a + k->count_off);
        size_t nb = *(const size_t *)(const void *)((const char *)b + k->count_off);
        for (size_t i = 0; i < na && na == nb; i++)
            if (strcmp(va + i * k->cap, vb + i * k->cap) != 0)
                return false;
        return na == nb;
    }
    bool string = k->kind == K_NAME || k->kind == K_ENDPOINT || k->kind == K_PATH ||
                  k->kind == K_SOCKET || k->kind == K_GROUP;
    /* a string's bytes after its NUL may hold what a default left there */
    return string ? strncmp(va, vb, k->cap) == 0 : memcmp(va, vb, value_width(k)) == 0;
}

size_t sp_config_diff(const struct sp_config *a, const struct sp_config *b, const char **names,
                      size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].sec != SEC_GLOBAL || key_same(&keys[i], a, b))
            continue;
        if (n < cap)
            names[n] = keys[i].name;
        n++;
    }
    return n;
}

int sp_config_keep(struct sp_config *dst, const struct sp_config *src, const char *name)
{
    size_t i = key_index(name, SEC_GLOBAL);
    if (i == NKEYS)
        return SP_ERR_NOT_FOUND;
    const struct key_def *k = &keys[i];
    memcpy((char *)dst + k->off, (const char *)src + k->off, value_width(k));
    if (k->kind == K_ACCEPT || k->kind == K_PEERS)
        memcpy((char *)dst + k->count_off, (const char *)src + k->count_off, sizeof(size_t));
    return 0;
}

bool sp_config_peer_same(const struct sp_config_peer *a, const struct sp_config_peer *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->endpoint, b->endpoint) == 0 &&
           strcmp(a->cert_path, b->cert_path) == 0 &&
           sodium_memcmp(a->sign_pk, b->sign_pk, SP_CONFIG_KEY_BYTES) == 0 &&
           sodium_memcmp(a->curve_pk, b->curve_pk, SP_CONFIG_KEY_BYTES) == 0;
}
