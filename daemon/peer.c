/* The peer transport: ROUTER + DEALERs over CURVE; see peer.h. */
#include "daemon/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

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
/* libzmq 4.3 gives up on a connection whose handshake failed (a ZAP refusal
 * or a CURVE error is a "protocol error", after which its session never
 * reconnects): the node replaces that DEALER itself, after a delay that
 * doubles from the first to the cap and starts again after a success. */
#define SP_PEERS_HEAL_MIN_MS 500
#define SP_PEERS_HEAL_MAX_MS 30000
/* How often the peers' admission (certificate, CRL) is checked again for the
 * links that are open: a peer revoked since (CRL reloaded on SIGHUP or on its
 * timer) loses its connections within this time. */
#define SP_PEERS_READMIT_MS 2000
/* Linger of the DEALERs when the node shuts down. */
#define SP_PEERS_CLOSE_LINGER_MS 250
/* Listener connections followed at once (peers, plus strangers the ZAP
 * handler is still refusing); beyond that a close is logged without its
 * cause. */
#define SP_PEERS_CONNS (2 * SP_CONFIG_MAX_PEERS + 16)
/* Dropped-frame warnings: at most this many per window, then a count. */
#define SP_PEERS_DROP_LOG_MAX 20
#define SP_PEERS_DROP_LOG_MS  10000
/* Lines about strangers' connections (closed, handshake failed): at most
 * this many per window, then a count. */
#define SP_PEERS_STRANGER_LOG_MAX  10
#define SP_PEERS_STRANGER_LOG_MS   10000
#define SP_PEERS_STRANGER_LOG_WHAT "peers: lines about incoming connections without a known peer"
/* Monitor events read and then handled together (see router_events). */
#define SP_PEERS_EVENT_BATCH 64

struct out_msg {
    struct out_msg *next;
    uint8_t *buf;
    size_t len;
};

struct link {
    char name[SP_CONFIG_NAME_MAX + 1];
    char endpoint[SP_CONFIG_ENDPOINT_MAX + 1];
    uint8_t server_pk[SP_CONFIG_KEY_BYTES];
    void *dealer; /* NULL while closed (barred, or between a failure and its heal) */
    void *mon;
    unsigned gen; /* DEALERs opened so far: names each monitor endpoint apart */
    bool up;
    bool barred;         /* closed because admission refuses the peer now */
    uint64_t heal_at_ms; /* when to replace (or reopen) the DEALER; 0: not due */
    uint64_t backoff_ms; /* the delay before the next replacement */
    uint64_t since_ms;
    uint64_t last_fail_log_ms;
    struct out_msg *qhead, *qtail;
    size_t qbytes;
};

/*
 * Why a listener connection closed. libzmq 4.3.4 reports a frame over
 * ZMQ_MAXMSGSIZE (or one it cannot decode) only as ZMQ_EVENT_DISCONNECTED
 * with the socket's descriptor, exactly as it reports a peer that closed or
 * a heartbeat timeout. So when a connection is accepted the node keeps a
 * duplicate of that descriptor; ZeroMQ's close then leaves the TCP
 * connection open until the node has looked at it:
 *   data still unread      ZeroMQ stopped reading in the middle of the
 *                          stream: it refused a frame (too large, or not
 *                          decodable) while the peer was still sending;
 *   end of stream / reset  the peer closed (a well-behaved close);
 *   neither                this node closed it (heartbeat timeout, or a
 *                          refused frame that had fully arrived).
 * The peer is named by the User-Id of the messages that came in on that
 * descriptor (ZMQ_SRCFD), else by its address.
 * The cause is best effort and feeds the log only, never a decision: when
 * ZeroMQ closes a descriptor and a new connection takes its number before
 * the main loop has read the ACCEPTED event, the duplicate is of the newer
 * connection, and the close may be described by it. Every duplicate is
 * closed when its DISCONNECTED event is read (ZeroMQ queues that event
 * before it closes the descriptor), so none outlives the next batch.
 */
struct conn {
    int fd;   /* ZeroMQ's descriptor, as the monitor reports it; -1: free */
    int dup;  /* the node's duplicate, or -1 */
    int peer; /* authenticated sender of its messages, or -1 */
    char endpoint[64];
};

struct sp_peers {
    void *zctx;
    const struct sp_identity *id; /* borrowed: DEALERs are reopened with it */
    int timer;                    /* timerfd: wakes the loop for heals and re-admission */
    sp_peers_admit_fn admit;
    void *admit_ctx;
    uint64_t readmit_at_ms;
    void *router;
    void *router_mon;
    struct conn conns[SP_PEERS_CONNS];
    uint64_t drop_log_since_ms;
    struct sp_log_limit stranger_log;
    unsigned drop_logged, drop_unlogged;
    struct sp_zap *zap;
    size_t nlinks;
    struct link *links;
    /* where each appended poll item belongs (set by pollitems) */
    size_t nitems;
    int item_kind[SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
    int item_link[SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
};

enum { ITEM_ROUTER, ITEM_ROUTER_MON, ITEM_ZAP, ITEM_TIMER, ITEM_DEALER, ITEM_MON };

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

static void *monitor(void *zctx, void *sock, const void *tag, size_t i, unsigned gen, int events)
{
    char ep[112];
    snprintf(ep, sizeof(ep), "inproc://sp-peer-mon-%p-%zu-%u", tag, i, gen);
    if (zmq_socket_monitor(sock, ep, events) != 0)
        return NULL;
    void *m = zmq_socket(zctx, ZMQ_PAIR);
    if (!m)
        return NULL;
    /* ZeroMQ's I/O thread blocks when a monitor queue is full (libzmq 4.3
     * sends events without ZMQ_DONTWAIT): a deep queue keeps a burst of
     * connections from strangers from stalling peer traffic while the main
     * loop is busy. */
    if (set_int(m, ZMQ_LINGER, 0) || set_int(m, ZMQ_RCVHWM, 100000) || zmq_connect(m, ep) != 0) {
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
        monitor(zctx, p->router, p, SIZE_MAX, 0,
                ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
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

/* Closes link i's DEALER and its monitor (LINGER 0: what ZeroMQ still holds
 * for the peer is dropped; the node's own queue stays). */
static void close_dealer(struct link *l)
{
    if (l->dealer) {
        zmq_socket_monitor(l->dealer, NULL, 0);
        zmq_close(l->dealer);
    }
    if (l->mon)
        zmq_close(l->mon);
    l->dealer = l->mon = NULL;
}

static int open_dealer(struct sp_peers *p, size_t i)
{
    char secret[SP_CURVE_Z85_CHARS + 1], public[SP_CURVE_Z85_CHARS + 1];
    struct link *l = &p->links[i];
    int rc = SP_ERR_IO;
    l->dealer = zmq_socket(p->zctx, ZMQ_DEALER);
    if (!l->dealer)
        return SP_ERR_IO;
    l->gen++;
    if (sp_identity_curve_secret_z85(p->id, secret) != 0 ||
        sp_identity_curve_public_z85(p->id, public) != 0) {
        rc = SP_ERR_CONFIG;
        goto cleanup;
    }
    if (common_opts(l->dealer) || set_int(l->dealer, ZMQ_RECONNECT_IVL, SP_PEERS_RECONNECT_MS) ||
        set_int(l->dealer, ZMQ_RECONNECT_IVL_MAX, SP_PEERS_RECONNECT_MAX) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_SERVERKEY, l->server_pk, SP_CONFIG_KEY_BYTES) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_PUBLICKEY, public, SP_CURVE_Z85_CHARS) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_SECRETKEY, secret, SP_CURVE_Z85_CHARS))
        goto cleanup;
    l->mon = monitor(p->zctx, l->dealer, p, i, l->gen,
                     ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    if (!l->mon)
        goto cleanup;
    if (zmq_connect(l->dealer, l->endpoint) != 0) {
        sp_log_error("peers: cannot connect to %s at %s: %s", l->name, l->endpoint,
                     zmq_strerror(errno));
        rc = SP_ERR_CONFIG;
        goto cleanup;
    }
    rc = 0;
cleanup:
    sodium_memzero(secret, sizeof(secret));
    if (rc != 0)
        close_dealer(l);
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
    p->timer = -1;
    p->links = calloc(cfg->npeers ? cfg->npeers : 1, sizeof(*p->links));
    if (!p->links)
        goto cleanup;
    p->nlinks = cfg->npeers;
    p->zctx = zctx;
    p->id = id;
    p->stranger_log.max = SP_PEERS_STRANGER_LOG_MAX;
    p->stranger_log.window_ms = SP_PEERS_STRANGER_LOG_MS;
    p->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->timer < 0) {
        rc = SP_ERR_IO;
        goto cleanup;
    }
    for (size_t i = 0; i < SP_PEERS_CONNS; i++)
        p->conns[i] = (struct conn){.fd = -1, .dup = -1, .peer = -1};
    /* The ZAP handler must be bound before the listener accepts anyone. */
    if ((rc = open_zap(p, cfg, zctx)) != 0 || (rc = open_router(p, cfg, id, zctx)) != 0)
        goto cleanup;
    for (size_t i = 0; i < p->nlinks; i++) {
        struct link *l = &p->links[i];
        snprintf(l->name, sizeof(l->name), "%s", cfg->peers[i].name);
        snprintf(l->endpoint, sizeof(l->endpoint), "%s", cfg->peers[i].endpoint);
        memcpy(l->server_pk, cfg->peers[i].curve_pk, SP_CONFIG_KEY_BYTES);
        l->since_ms = now_ms;
        l->backoff_ms = SP_PEERS_HEAL_MIN_MS;
        if ((rc = open_dealer(p, i)) != 0)
            goto cleanup;
    }
    p->readmit_at_ms = now_ms + SP_PEERS_READMIT_MS;
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
    if (p->timer >= 0)
        close(p->timer);
    if (p->router) {
        zmq_socket_monitor(p->router, NULL, 0);
        zmq_close(p->router);
    }
    if (p->router_mon)
        zmq_close(p->router_mon);
    for (size_t i = 0; i < SP_PEERS_CONNS; i++)
        if (p->conns[i].dup >= 0)
            close(p->conns[i].dup);
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
    if (p->timer >= 0 && p->nitems < max) {
        items[p->nitems] = (zmq_pollitem_t){.fd = p->timer, .events = ZMQ_POLLIN};
        p->item_kind[p->nitems] = ITEM_TIMER;
        p->item_link[p->nitems] = -1;
        p->nitems++;
    }
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
            l->backoff_ms = SP_PEERS_HEAL_MIN_MS;
            l->heal_at_ms = 0;
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
            bool first = l->heal_at_ms == 0;
            if (first)
                l->heal_at_ms = now_ms + l->backoff_ms;
            if (l->last_fail_log_ms == 0 || now_ms - l->last_fail_log_ms >= SP_PEERS_FAIL_LOG_MS) {
                sp_log_warn("peers: connection to %s refused: %s (errno/status %" PRIu32
                            "); retrying in %" PRIu64 " ms, then less and less often",
                            l->name, handshake_failure(ev, value), value,
                            l->heal_at_ms > now_ms ? l->heal_at_ms - now_ms : 0);
                l->last_fail_log_ms = now_ms;
            }
            if (first)
                l->backoff_ms = l->backoff_ms * 2 > SP_PEERS_HEAL_MAX_MS ? SP_PEERS_HEAL_MAX_MS
                                                                         : l->backoff_ms * 2;
        }
    }
}

static struct conn *conn_find(struct sp_peers *p, int fd)
{
    for (size_t i = 0; i < SP_PEERS_CONNS; i++)
        if (p->conns[i].fd == fd && fd >= 0)
            return &p->conns[i];
    return NULL;
}

static void conn_release(struct conn *c)
{
    if (c->dup >= 0)
        close(c->dup);
    *c = (struct conn){.fd = -1, .dup = -1, .peer = -1};
}

static void format_endpoint(int s, char *out, size_t cap)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof(a);
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    snprintf(out, cap, "an unknown address");
    if (getpeername(s, (struct sockaddr *)&a, &len) != 0)
        return;
    if (a.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
        port = ntohs(v4->sin_port);
        snprintf(out, cap, "tcp://%s:%u", host, port);
    } else if (a.ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
        port = ntohs(v6->sin6_port);
        snprintf(out, cap, "tcp://[%s]:%u", host, port);
    }
}

/* A connection was accepted on ZeroMQ's descriptor fd: keep a duplicate
 * (only of a connected TCP socket) to see later why it closed. */
static void conn_accepted(struct sp_peers *p, int fd)
{
    struct conn *c = conn_find(p, fd);
    if (c) /* a close that was never reported: the descriptor is reused */
        conn_release(c);
    for (size_t i = 0; i < SP_PEERS_CONNS && !c; i++)
        if (p->conns[i].fd < 0)
            c = &p->conns[i];
    if (!c)
        return;
    struct stat st;
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0)
        return;
    if (fstat(d, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        close(d);
        return;
    }
    *c = (struct conn){.fd = fd, .dup = d, .peer = -1};
    format_endpoint(d, c->endpoint, sizeof(c->endpoint));
}

static bool drop_log_allowed(struct sp_peers *p, uint64_t now_ms)
{
    if (now_ms - p->drop_log_since_ms >= SP_PEERS_DROP_LOG_MS) {
        if (p->drop_unlogged)
            sp_log_warn("peers: %u more dropped frames were not logged", p->drop_unlogged);
        p->drop_log_since_ms = now_ms;
        p->drop_logged = p->drop_unlogged = 0;
    }
    if (p->drop_logged >= SP_PEERS_DROP_LOG_MAX) {
        p->drop_unlogged++;
        return false;
    }
    p->drop_logged++;
    return true;
}

/* ZeroMQ closed the listener connection on descriptor fd: says why (see
 * struct conn), naming the peer, then lets the connection go. */
static void conn_closed(struct sp_peers *p, int fd, uint64_t now_ms)
{
    struct conn *c = conn_find(p, fd);
    if (!c || c->dup < 0) {
        if (sp_log_limit_allow(&p->stranger_log, now_ms, SP_PEERS_STRANGER_LOG_WHAT))
            sp_log_info("peers: an incoming peer connection closed");
        if (c)
            conn_release(c);
        return;
    }
    if (c->peer < 0 && !sp_log_limit_allow(&p->stranger_log, now_ms, SP_PEERS_STRANGER_LOG_WHAT)) {
        conn_release(c);
        return;
    }
    char who[SP_CONFIG_NAME_MAX + sizeof(c->endpoint) + 4];
    if (c->peer >= 0)
        snprintf(who, sizeof(who), "%s (%s)", p->links[c->peer].name, c->endpoint);
    else
        snprintf(who, sizeof(who), "%s", c->endpoint);
    uint8_t b;
    ssize_t n = recv(c->dup, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
        if (drop_log_allowed(p, now_ms))
            sp_log_warn("peers: dropped the connection from %s in the middle of a frame: "
                        "larger than %lld bytes or not decodable (refused inside ZeroMQ)",
                        who, (long long)SP_PEER_MSG_MAX_BYTES + SP_CURVE_FRAME_OVERHEAD);
    } else if (n == 0 || errno == ECONNRESET) {
        sp_log_info("peers: incoming connection from %s closed by the peer", who);
    } else {
        sp_log_info("peers: incoming connection from %s closed by this node (a refused "
                    "handshake or frame, or a heartbeat timeout)",
                    who);
    }
    conn_release(c);
}

static void router_event(struct sp_peers *p, uint16_t ev, uint32_t value, uint64_t now_ms)
{
    if (ev == ZMQ_EVENT_ACCEPTED)
        conn_accepted(p, (int)value);
    else if (ev == ZMQ_EVENT_DISCONNECTED)
        conn_closed(p, (int)value, now_ms);
    else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        sp_log_debug("peers: incoming handshake refused by ZAP (status %" PRIu32 ")", value);
    else if (sp_log_limit_allow(&p->stranger_log, now_ms, SP_PEERS_STRANGER_LOG_WHAT))
        sp_log_warn("peers: incoming handshake failed: %s", handshake_failure(ev, value));
}

/* Events are read in batches: a connection accepted and already closed in
 * the same batch is not duplicated, since its descriptor may by now belong
 * to another connection. */
static void router_events(struct sp_peers *p, uint64_t now_ms)
{
    uint16_t ev[SP_PEERS_EVENT_BATCH];
    uint32_t val[SP_PEERS_EVENT_BATCH];
    size_t n;
    do {
        for (n = 0; n < SP_PEERS_EVENT_BATCH && read_event(p->router_mon, &ev[n], &val[n]); n++)
            ;
        for (size_t i = 0; i < n; i++) {
            bool closed_later = false;
            for (size_t j = i + 1; j < n && ev[i] == ZMQ_EVENT_ACCEPTED && !closed_later; j++)
                closed_later = ev[j] == ZMQ_EVENT_DISCONNECTED && val[j] == val[i];
            if (!closed_later)
                router_event(p, ev[i], val[i], now_ms);
        }
    } while (n == SP_PEERS_EVENT_BATCH);
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
        /* A message read late may name a descriptor that a newer connection
         * has taken since: only the first sender names a connection. */
        struct conn *c = in.peer >= 0 ? conn_find(p, zmq_msg_get(&body, ZMQ_SRCFD)) : NULL;
        if (c && c->peer < 0)
            c->peer = in.peer;
        if (in.peer >= 0 && p->links[in.peer].barred) {
            /* admitted at its handshake, revoked since: not heard any more */
            if (c && c->dup >= 0)
                (void)shutdown(c->dup, SHUT_RDWR);
            if (zmq_msg_more(&body))
                (void)drain(p->router);
            zmq_msg_close(&body);
            return true;
        }
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
    while (l->qhead && l->dealer) {
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

/* ---- healing and re-admission ------------------------------------------ */

static bool admitted(struct sp_peers *p, size_t i, char *why, size_t cap)
{
    why[0] = '\0';
    return !p->admit || p->admit(p->admit_ctx, (int)i, p->links[i].server_pk, why, cap) == 0;
}

static void link_down(struct sp_peers *p, size_t i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    if (!l->up)
        return;
    l->up = false;
    l->since_ms = now_ms;
    if (fn)
        fn(ctx, (int)i, false, now_ms);
}

/* Peer i is no longer admitted: close our DEALER and cut the incoming
 * connections it was seen on (shutting down the node's duplicate of the
 * descriptor makes ZeroMQ see the connection end; the peer's reconnect then
 * meets the ZAP handler, which refuses it). Admission is tried again later. */
static void bar_link(struct sp_peers *p, size_t i, const char *why, uint64_t now_ms,
                     sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    unsigned cut = 0;
    for (size_t k = 0; k < SP_PEERS_CONNS; k++)
        if (p->conns[k].peer == (int)i && p->conns[k].dup >= 0 &&
            shutdown(p->conns[k].dup, SHUT_RDWR) == 0)
            cut++;
    close_dealer(l);
    l->barred = true;
    l->heal_at_ms = now_ms + SP_PEERS_READMIT_MS;
    link_down(p, i, now_ms, fn, ctx);
    sp_log_warn("peers: closed the connections with %s (%u incoming): no longer admitted: %s",
                l->name, cut, why[0] ? why : "refused");
}

/* Replaces (or reopens) link i's DEALER once its delay is over. */
static void heal_link(struct sp_peers *p, size_t i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    char why[256];
    l->heal_at_ms = 0;
    if (!admitted(p, i, why, sizeof why)) {
        if (!l->barred)
            bar_link(p, i, why, now_ms, fn, ctx);
        l->heal_at_ms = now_ms + SP_PEERS_READMIT_MS;
        return;
    }
    close_dealer(l);
    link_down(p, i, now_ms, fn, ctx);
    if (open_dealer(p, i) != 0) {
        l->heal_at_ms = now_ms + l->backoff_ms;
        return;
    }
    sp_log_info("peers: reconnecting to %s at %s%s", l->name, l->endpoint,
                l->barred ? " (admitted again)" : " (after a refused handshake)");
    l->barred = false;
    flush_queue(l);
}

/* Due heals, and every SP_PEERS_READMIT_MS the admission of every open
 * link and the counts of held-back log lines; then the timer is set for the
 * next of them. */
static void maintain(struct sp_peers *p, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    char why[256];
    bool readmit = now_ms >= p->readmit_at_ms;
    if (readmit) {
        p->readmit_at_ms = now_ms + SP_PEERS_READMIT_MS;
        sp_log_limit_flush(&p->stranger_log, now_ms, SP_PEERS_STRANGER_LOG_WHAT);
        sp_zap_log_flush(p->zap, now_ms);
    }
    readmit = readmit && p->admit;
    uint64_t next = p->readmit_at_ms;
    for (size_t i = 0; i < p->nlinks; i++) {
        struct link *l = &p->links[i];
        if (readmit && !l->barred && !admitted(p, i, why, sizeof why))
            bar_link(p, i, why, now_ms, fn, ctx);
        if (l->heal_at_ms && now_ms >= l->heal_at_ms)
            heal_link(p, i, now_ms, fn, ctx);
        if (l->heal_at_ms && (next == 0 || l->heal_at_ms < next))
            next = l->heal_at_ms;
    }
    if (p->timer < 0)
        return;
    struct itimerspec its = {{0, 0}, {0, 0}};
    if (next) {
        uint64_t in = next > now_ms ? next - now_ms : 1;
        its.it_value.tv_sec = (time_t)(in / 1000);
        its.it_value.tv_nsec = (long)(in % 1000) * 1000000L;
    }
    (void)timerfd_settime(p->timer, 0, &its, NULL);
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
            router_events(p, now_ms);
            break;
        case ITEM_TIMER: {
            uint64_t expirations;
            if (read(p->timer, &expirations, sizeof expirations) < 0)
                break; /* EAGAIN: already read */
            break;
        }
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
    maintain(p, now_ms, link, ctx);
}

int sp_peers_send(struct sp_peers *p, int peer, uint8_t *buf, size_t len)
{
    if (peer < 0 || (size_t)peer >= p->nlinks) {
        free(buf);
        return SP_ERR_INVALID_ARG;
    }
    struct link *l = &p->links[peer];
    if (!l->qhead && l->dealer && zmq_send(l->dealer, buf, len, ZMQ_DONTWAIT) >= 0) {
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
    p->admit = admit;
    p->admit_ctx = ctx;
    sp_zap_set_hooks(p->zap, admit, refused, ctx);
}

uint64_t sp_peers_refused(const struct sp_peers *p)
{
    return sp_zap_refused(p->zap);
}
