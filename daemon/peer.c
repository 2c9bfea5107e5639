/* The peer transport: ROUTER + DEALERs over CURVE; see peer.h. */
#include "daemon/peer.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/identity.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/zap.h"
#include "proto/peer.h"

/* ZMQ_ZAP_ENFORCE_DOMAIN is in libzmq's draft API section of zmq.h (4.3.x)
 * but implemented in every 4.3 build. Without it a CURVE server with no ZAP
 * handler accepts any client; with it the handshake fails instead. */
#define SP_ZMQ_ZAP_ENFORCE_DOMAIN 93
/* CURVE wraps each frame in a MESSAGE command (name, nonce, MAC, flags),
 * and ZMQ_MAXMSGSIZE is checked on that wire frame. */
#define SP_CURVE_FRAME_OVERHEAD 64
#define SP_PEERS_HWM            1000
#define SP_PEERS_RECV_BUDGET    64
#define SP_PEERS_RECONNECT_MS   100
#define SP_PEERS_RECONNECT_MAX  2000
/* Repeated handshake failures (every reconnect) are logged at most this often. */
#define SP_PEERS_FAIL_LOG_MS 30000
/* Linger of the DEALERs when the node shuts down. */
#define SP_PEERS_CLOSE_LINGER_MS 250

struct out_msg {
    struct out_msg *next;
    uint8_t *buf;
    size_t len;
};

struct link {
    char name[SP_CONFIG_NAME_MAX + 1];
    void *dealer;
    void *mon;
    bool up;
    uint64_t since_ms;
    uint64_t last_fail_log_ms;
    struct out_msg *qhead, *qtail;
    size_t qbytes;
};

struct sp_peers {
    void *router;
    void *router_mon;
    struct sp_zap *zap;
    size_t nlinks;
    struct link *links;
    /* where each appended poll item belongs (set by pollitems) */
    size_t nitems;
    int item_kind[SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
    int item_link[SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
};

enum { ITEM_ROUTER, ITEM_ROUTER_MON, ITEM_ZAP, ITEM_DEALER, ITEM_MON };

static int set_int(void *s, int opt, int v)
{
    return zmq_setsockopt(s, opt, &v, sizeof(v));
}

/* Options every peer socket shares: no lingering on close, bounded queues
 * and frames, heartbeats. */
static int common_opts(void *s)
{
    int64_t maxmsg = (int64_t)SP_PEER_MSG_MAX_BYTES + SP_CURVE_FRAME_OVERHEAD;
    if (set_int(s, ZMQ_LINGER, 0) || set_int(s, ZMQ_SNDHWM, SP_PEERS_HWM) ||
        set_int(s, ZMQ_RCVHWM, SP_PEERS_HWM) ||
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
        set_int(s, ZMQ_HEARTBEAT_IVL, SP_PEERS_HEARTBEAT_IVL_MS) ||
        set_int(s, ZMQ_HEARTBEAT_TIMEOUT, SP_PEERS_HEARTBEAT_TIMEOUT_MS) ||
        set_int(s, ZMQ_HEARTBEAT_TTL, SP_PEERS_HEARTBEAT_TIMEOUT_MS))
        return -1;
    return 0;
}

static void *monitor(void *zctx, void *sock, const void *tag, size_t i, int events)
{
    char ep[96];
    snprintf(ep, sizeof(ep), "inproc://sp-peer-mon-%p-%zu", tag, i);
    if (zmq_socket_monitor(sock, ep, events) != 0)
        return NULL;
    void *m = zmq_socket(zctx, ZMQ_PAIR);
    if (!m)
        return NULL;
    if (set_int(m, ZMQ_LINGER, 0) || zmq_connect(m, ep) != 0) {
        zmq_close(m);
        return NULL;
    }
    return m;
}

static int open_router(struct sp_peers *p, const struct sp_config *cfg,
                       const struct sp_identity *id, void *zctx)
{
    char secret[SP_CURVE_Z85_CHARS + 1];
    int rc = SP_ERR_IO;
    p->router = zmq_socket(zctx, ZMQ_ROUTER);
    if (!p->router)
        return SP_ERR_IO;
    if (sp_identity_curve_secret_z85(id, secret) != 0) {
        rc = SP_ERR_CONFIG;
        goto cleanup;
    }
    if (common_opts(p->router) || set_int(p->router, ZMQ_CURVE_SERVER, 1) ||
        zmq_setsockopt(p->router, ZMQ_CURVE_SECRETKEY, secret, SP_CURVE_Z85_CHARS) ||
        zmq_setsockopt(p->router, ZMQ_ZAP_DOMAIN, SP_ZAP_DOMAIN, strlen(SP_ZAP_DOMAIN)) ||
        set_int(p->router, SP_ZMQ_ZAP_ENFORCE_DOMAIN, 1))
        goto cleanup;
    p->router_mon =
        monitor(zctx, p->router, p, SIZE_MAX,
                ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    if (!p->router_mon)
        goto cleanup;
    if (zmq_bind(p->router, cfg->listen) != 0) {
        sp_log_error("peers: cannot listen on %s: %s", cfg->listen, zmq_strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

static int open_dealer(struct sp_peers *p, size_t i, const struct sp_config_peer *cp,
                       const struct sp_identity *id, void *zctx)
{
    char secret[SP_CURVE_Z85_CHARS + 1], public[SP_CURVE_Z85_CHARS + 1];
    struct link *l = &p->links[i];
    int rc = SP_ERR_IO;
    l->dealer = zmq_socket(zctx, ZMQ_DEALER);
    if (!l->dealer)
        return SP_ERR_IO;
    if (sp_identity_curve_secret_z85(id, secret) != 0 ||
        sp_identity_curve_public_z85(id, public) != 0) {
        rc = SP_ERR_CONFIG;
        goto cleanup;
    }
    if (common_opts(l->dealer) || set_int(l->dealer, ZMQ_RECONNECT_IVL, SP_PEERS_RECONNECT_MS) ||
        set_int(l->dealer, ZMQ_RECONNECT_IVL_MAX, SP_PEERS_RECONNECT_MAX) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_SERVERKEY, cp->curve_pk, SP_CONFIG_KEY_BYTES) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_PUBLICKEY, public, SP_CURVE_Z85_CHARS) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_SECRETKEY, secret, SP_CURVE_Z85_CHARS))
        goto cleanup;
    l->mon = monitor(zctx, l->dealer, p, i,
                     ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    if (!l->mon)
        goto cleanup;
    if (zmq_connect(l->dealer, cp->endpoint) != 0) {
        sp_log_error("peers: cannot connect to %s at %s: %s", cp->name, cp->endpoint,
                     zmq_strerror(errno));
        rc = SP_ERR_CONFIG;
        goto cleanup;
    }
    rc = 0;
cleanup:
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

static int open_zap(struct sp_peers *p, const struct sp_config *cfg, void *zctx)
{
    struct sp_zap_peer zp[SP_CONFIG_MAX_PEERS];
    memset(zp, 0, sizeof(zp));
    for (size_t i = 0; i < cfg->npeers; i++) {
        snprintf(zp[i].name, sizeof(zp[i].name), "%s", cfg->peers[i].name);
        memcpy(zp[i].curve_pk, cfg->peers[i].curve_pk, SP_ZAP_KEY_BYTES);
    }
    return sp_zap_new(zctx, zp, cfg->npeers, &p->zap);
}

int sp_peers_new(const struct sp_config *cfg, const struct sp_identity *id, void *zctx,
                 uint64_t now_ms, struct sp_peers **out)
{
    int rc = SP_ERR_NOMEM;
    if (cfg->npeers > SP_CONFIG_MAX_PEERS)
        return SP_ERR_CONFIG;
    struct sp_peers *p = calloc(1, sizeof(*p));
    if (!p)
        return SP_ERR_NOMEM;
    p->links = calloc(cfg->npeers ? cfg->npeers : 1, sizeof(*p->links));
    if (!p->links)
        goto cleanup;
    p->nlinks = cfg->npeers;
    /* The ZAP handler must be bound before the listener accepts anyone. */
    if ((rc = open_zap(p, cfg, zctx)) != 0 || (rc = open_router(p, cfg, id, zctx)) != 0)
        goto cleanup;
    for (size_t i = 0; i < p->nlinks; i++) {
        snprintf(p->links[i].name, sizeof(p->links[i].name), "%s", cfg->peers[i].name);
        p->links[i].since_ms = now_ms;
        if ((rc = open_dealer(p, i, &cfg->peers[i], id, zctx)) != 0)
            goto cleanup;
    }
    *out = p;
    return 0;
cleanup:
    sp_peers_free(&p);
    return rc;
}

static void flush_queue(struct link *l);

static void queue_clear(struct link *l)
{
    while (l->qhead) {
        struct out_msg *m = l->qhead;
        l->qhead = m->next;
        free(m->buf);
        free(m);
    }
    l->qtail = NULL;
    l->qbytes = 0;
}

void sp_peers_free(struct sp_peers **pp)
{
    if (!pp || !*pp)
        return;
    struct sp_peers *p = *pp;
    for (size_t i = 0; i < p->nlinks; i++) {
        struct link *l = &p->links[i];
        if (l->dealer) {
            /* Give the last messages (ABORTs at shutdown) a moment to leave;
             * a peer that is down costs at most this delay. */
            flush_queue(l);
            (void)set_int(l->dealer, ZMQ_LINGER, SP_PEERS_CLOSE_LINGER_MS);
            zmq_socket_monitor(l->dealer, NULL, 0);
            zmq_close(l->dealer);
        }
        queue_clear(l);
        if (l->mon)
            zmq_close(l->mon);
    }
    if (p->router) {
        zmq_socket_monitor(p->router, NULL, 0);
        zmq_close(p->router);
    }
    if (p->router_mon)
        zmq_close(p->router_mon);
    sp_zap_free(&p->zap);
    free(p->links);
    free(p);
    *pp = NULL;
}

static size_t add_item(struct sp_peers *p, zmq_pollitem_t *items, size_t max, void *sock,
                       short events, int kind, int link)
{
    if (p->nitems >= max || !sock)
        return 0;
    items[p->nitems] = (zmq_pollitem_t){.socket = sock, .events = events};
    p->item_kind[p->nitems] = kind;
    p->item_link[p->nitems] = link;
    p->nitems++;
    return 1;
}

size_t sp_peers_pollitems(struct sp_peers *p, zmq_pollitem_t *items, size_t max)
{
    p->nitems = 0;
    add_item(p, items, max, sp_zap_socket(p->zap), ZMQ_POLLIN, ITEM_ZAP, -1);
    add_item(p, items, max, p->router, ZMQ_POLLIN, ITEM_ROUTER, -1);
    add_item(p, items, max, p->router_mon, ZMQ_POLLIN, ITEM_ROUTER_MON, -1);
    for (size_t i = 0; i < p->nlinks; i++) {
        struct link *l = &p->links[i];
        short ev = ZMQ_POLLIN | (l->qhead ? ZMQ_POLLOUT : 0);
        add_item(p, items, max, l->dealer, ev, ITEM_DEALER, (int)i);
        add_item(p, items, max, l->mon, ZMQ_POLLIN, ITEM_MON, (int)i);
    }
    return p->nitems;
}

/* Reads one monitor event: [u16 event, u32 value][endpoint]. Returns 0 when
 * nothing was waiting. */
static int read_event(void *mon, uint16_t *event, uint32_t *value)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return 0;
    }
    int ok = zmq_msg_size(&m) >= 6;
    if (ok) {
        const uint8_t *d = zmq_msg_data(&m);
        memcpy(event, d, sizeof(*event));
        memcpy(value, d + 2, sizeof(*value));
    }
    int more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    while (more) { /* the endpoint frame: not needed */
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, mon, 0) < 0)
            more = 0;
        else
            more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return ok;
}

static const char *handshake_failure(uint16_t ev, uint32_t value)
{
    if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return value == 400 ? "refused by the peer's ZAP handler (our key is not configured there)"
                            : "authentication failed";
    if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        return "CURVE handshake failed (the peer's key differs from the configured one, or "
               "it speaks another protocol)";
    return "CURVE handshake failed (the other side closed the connection: a key differs "
           "from the configured one)";
}

static void link_events(struct sp_peers *p, int i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    uint16_t ev;
    uint32_t value;
    while (read_event(l->mon, &ev, &value)) {
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && !l->up) {
            l->up = true;
            l->since_ms = now_ms;
            sp_log_info("peers: connected to %s", l->name);
            if (fn)
                fn(ctx, i, true, now_ms);
        } else if (ev == ZMQ_EVENT_DISCONNECTED && l->up) {
            l->up = false;
            l->since_ms = now_ms;
            sp_log_warn("peers: connection to %s lost", l->name);
            if (fn)
                fn(ctx, i, false, now_ms);
        } else if (ev & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)) {
            if (l->last_fail_log_ms == 0 || now_ms - l->last_fail_log_ms >= SP_PEERS_FAIL_LOG_MS) {
                sp_log_warn("peers: connection to %s refused: %s (errno/status %" PRIu32 ")",
                            l->name, handshake_failure(ev, value), value);
                l->last_fail_log_ms = now_ms;
            }
        }
    }
}

static void router_events(struct sp_peers *p)
{
    uint16_t ev;
    uint32_t value;
    while (read_event(p->router_mon, &ev, &value)) {
        if (ev == ZMQ_EVENT_DISCONNECTED)
            sp_log_info("peers: an incoming peer connection closed (peer left, heartbeat "
                        "timeout, or it sent an oversized or malformed frame)");
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            sp_log_debug("peers: incoming handshake refused by ZAP (status %" PRIu32 ")", value);
        else
            sp_log_warn("peers: incoming handshake failed: %s", handshake_failure(ev, value));
    }
}

/* The authenticated peer of a message from the listener (ZAP User-Id). */
static int user_peer(const struct sp_peers *p, zmq_msg_t *m)
{
    const char *user = zmq_msg_gets(m, "User-Id");
    return user ? sp_peers_find(p, user) : -1;
}

/* Drains the rest of a multipart message; returns the number of frames. */
static size_t drain(void *sock)
{
    size_t n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        n++;
    }
    return n;
}

static bool recv_router(struct sp_peers *p, sp_peers_recv_fn fn, void *ctx)
{
    zmq_msg_t rid, body;
    zmq_msg_init(&rid);
    if (zmq_msg_recv(&rid, p->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&rid);
        return false;
    }
    struct sp_peer_in in = {.peer = -1, .via_router = true};
    in.rid_len = zmq_msg_size(&rid) <= SP_PEERS_RID_MAX ? zmq_msg_size(&rid) : 0;
    memcpy(in.rid, zmq_msg_data(&rid), in.rid_len);
    bool more = zmq_msg_more(&rid);
    zmq_msg_close(&rid);
    if (!more) /* a ROUTER always prefixes the routing id; nothing to hand on */
        return true;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, p->router, 0) >= 0) {
        in.peer = user_peer(p, &body);
        in.data = zmq_msg_data(&body);
        in.len = zmq_msg_size(&body);
        in.extra_frames = zmq_msg_more(&body) && drain(p->router) > 0;
        fn(ctx, &in);
    }
    zmq_msg_close(&body);
    return true;
}

static bool recv_dealer(struct sp_peers *p, int i, sp_peers_recv_fn fn, void *ctx)
{
    zmq_msg_t body;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, p->links[i].dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);
        return false;
    }
    struct sp_peer_in in = {.peer = i};
    in.data = zmq_msg_data(&body);
    in.len = zmq_msg_size(&body);
    in.extra_frames = zmq_msg_more(&body) && drain(p->links[i].dealer) > 0;
    fn(ctx, &in);
    zmq_msg_close(&body);
    return true;
}

static void flush_queue(struct link *l)
{
    while (l->qhead) {
        struct out_msg *m = l->qhead;
        if (zmq_send(l->dealer, m->buf, m->len, ZMQ_DONTWAIT) < 0)
            return; /* EAGAIN: still at the high-water mark */
        l->qhead = m->next;
        if (!l->qhead)
            l->qtail = NULL;
        l->qbytes -= m->len;
        free(m->buf);
        free(m);
    }
}

void sp_peers_dispatch(struct sp_peers *p, const zmq_pollitem_t *items, size_t n, uint64_t now_ms,
                       sp_peers_recv_fn recv, sp_peers_link_fn link, void *ctx)
{
    for (size_t k = 0; k < n && k < p->nitems; k++) {
        short re = items[k].revents;
        if (!re)
            continue;
        int li = p->item_link[k];
        switch (p->item_kind[k]) {
        case ITEM_ZAP:
            sp_zap_handle(p->zap);
            break;
        case ITEM_ROUTER_MON:
            router_events(p);
            break;
        case ITEM_MON:
            link_events(p, li, now_ms, link, ctx);
            break;
        case ITEM_ROUTER:
            for (int b = 0; b < SP_PEERS_RECV_BUDGET && recv_router(p, recv, ctx); b++)
                ;
            break;
        case ITEM_DEALER:
            if (re & ZMQ_POLLOUT)
                flush_queue(&p->links[li]);
            for (int b = 0;
                 (re & ZMQ_POLLIN) && b < SP_PEERS_RECV_BUDGET && recv_dealer(p, li, recv, ctx);
                 b++)
                ;
            break;
        }
    }
}

int sp_peers_send(struct sp_peers *p, int peer, uint8_t *buf, size_t len)
{
    if (peer < 0 || (size_t)peer >= p->nlinks) {
        free(buf);
        return SP_ERR_INVALID_ARG;
    }
    struct link *l = &p->links[peer];
    if (!l->qhead && zmq_send(l->dealer, buf, len, ZMQ_DONTWAIT) >= 0) {
        free(buf);
        return 0;
    }
    struct out_msg *m = malloc(sizeof(*m));
    if (!m || l->qbytes + len > SP_PEERS_QUEUE_MAX_BYTES) {
        free(m);
        free(buf);
        return m ? SP_ERR_BUSY : SP_ERR_NOMEM;
    }
    *m = (struct out_msg){.buf = buf, .len = len};
    if (l->qtail)
        l->qtail->next = m;
    else
        l->qhead = m;
    l->qtail = m;
    l->qbytes += len;
    return 0;
}

void sp_peers_reply(struct sp_peers *p, const struct sp_peer_in *in, uint8_t *buf, size_t len)
{
    if (in->via_router && in->rid_len > 0 &&
        zmq_send(p->router, in->rid, in->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
        (void)zmq_send(p->router, buf, len, ZMQ_DONTWAIT);
    free(buf);
}

size_t sp_peers_count(const struct sp_peers *p)
{
    return p->nlinks;
}

const char *sp_peers_name(const struct sp_peers *p, int peer)
{
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return "?";
    return p->links[peer].name;
}

int sp_peers_find(const struct sp_peers *p, const char *name)
{
    for (size_t i = 0; i < p->nlinks; i++)
        if (strcmp(p->links[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool sp_peers_up(const struct sp_peers *p, int peer, uint64_t *since_ms)
{
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return false;
    if (since_ms)
        *since_ms = p->links[peer].since_ms;
    return p->links[peer].up;
}

size_t sp_peers_queued(const struct sp_peers *p, int peer)
{
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return 0;
    return p->links[peer].qbytes;
}

void sp_peers_set_admission(struct sp_peers *p, sp_peers_admit_fn admit,
                            sp_peers_refused_fn refused, void *ctx)
{
    sp_zap_set_hooks(p->zap, admit, refused, ctx);
}

uint64_t sp_peers_refused(const struct sp_peers *p)
{
    return sp_zap_refused(p->zap);
}
