/* The peer transport: ROUTER + DEALERs over CURVE; see net.h (and peer.h). */
#include "daemon/net.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/net_impl.h"
#include "daemon/zap.h"
#include "proto/peer.h"

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

static int open_router(struct sp_net *p, const struct sp_config *cfg, void *zctx)
{
    int rc = SP_ERR_IO;
    p->router = zmq_socket(zctx, ZMQ_ROUTER);
    if (!p->router)
        return SP_ERR_IO;
    if (common_opts(p->router) || set_int(p->router, ZMQ_CURVE_SERVER, 1) ||
        zmq_setsockopt(p->router, ZMQ_CURVE_SECRETKEY, p->curve->secret_z85, SP_NET_Z85_CHARS) ||
        zmq_setsockopt(p->router, ZMQ_ZAP_DOMAIN, SP_ZAP_DOMAIN, strlen(SP_ZAP_DOMAIN)) ||
        set_int(p->router, SP_ZMQ_ZAP_ENFORCE_DOMAIN, 1))
        goto out;
    p->router_mon =
        monitor(zctx, p->router, p, SIZE_MAX, 0,
                ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    if (!p->router_mon)
        goto out;
    if (zmq_bind(p->router, cfg->listen) != 0) {
        sp_log_error("peers: cannot listen on %s: %s", cfg->listen, zmq_strerror(errno));
        goto out;
    }
    rc = 0;
out:
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

static int open_dealer(struct sp_net *p, size_t i)
{
    struct link *l = &p->links[i];
    int rc = SP_ERR_IO;
    l->dealer = zmq_socket(p->zctx, ZMQ_DEALER);
    if (!l->dealer)
        return SP_ERR_IO;
    l->gen++;
    if (!l->endpoint[0]) { /* a host name the main process could not resolve */
        rc = SP_ERR_CONFIG;
        goto out;
    }
    if (common_opts(l->dealer) || set_int(l->dealer, ZMQ_RECONNECT_IVL, SP_PEERS_RECONNECT_MS) ||
        set_int(l->dealer, ZMQ_RECONNECT_IVL_MAX, SP_PEERS_RECONNECT_MAX) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_SERVERKEY, l->server_pk, SP_CONFIG_KEY_BYTES) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_PUBLICKEY, p->curve->public_z85, SP_NET_Z85_CHARS) ||
        zmq_setsockopt(l->dealer, ZMQ_CURVE_SECRETKEY, p->curve->secret_z85, SP_NET_Z85_CHARS))
        goto out;
    l->mon = monitor(p->zctx, l->dealer, p, i, l->gen,
                     ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    if (!l->mon)
        goto out;
    if (zmq_connect(l->dealer, l->endpoint) != 0) {
        sp_log_error("peers: cannot connect to %s at %s: %s", l->name, l->endpoint,
                     zmq_strerror(errno));
        rc = SP_ERR_CONFIG;
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        close_dealer(l);
    return rc;
}

/* The ZAP handler's table: the first n configured peers' names and keys. */
static void zap_table(const struct sp_config *cfg, size_t n, struct sp_zap_peer *zp)
{
    memset(zp, 0, n * sizeof(*zp));
    for (size_t i = 0; i < n; i++) {
        snprintf(zp[i].name, sizeof(zp[i].name), "%s", cfg->peers[i].name);
        memcpy(zp[i].curve_pk, cfg->peers[i].curve_pk, SP_ZAP_KEY_BYTES);
    }
}

static int open_zap(struct sp_net *p, const struct sp_config *cfg, void *zctx)
{
    struct sp_zap_peer zp[SP_CONFIG_MAX_PEERS];
    zap_table(cfg, cfg->npeers, zp);
    return sp_zap_new(zctx, zp, cfg->npeers, &p->zap);
}

/* A link's copy of what the configuration says of its peer, and a fresh
 * start for its state. */
static void link_set(struct link *l, const struct sp_config_peer *cp, uint64_t now_ms)
{
    snprintf(l->name, sizeof(l->name), "%s", cp->name);
    snprintf(l->endpoint, sizeof(l->endpoint), "%s", cp->endpoint);
    memcpy(l->server_pk, cp->curve_pk, SP_CONFIG_KEY_BYTES);
    l->since_ms = now_ms;
    l->backoff_ms = SP_PEERS_HEAL_MIN_MS;
    l->heal_at_ms = 0;
    l->barred = false;
}

int sp_net_new(const struct sp_config *cfg, const struct sp_net_curve *curve, void *zctx,
               uint64_t now_ms, struct sp_net **out)
{
    int rc = SP_ERR_NOMEM;
    if (cfg->npeers > SP_CONFIG_MAX_PEERS)
        return SP_ERR_CONFIG;
    struct sp_net *p = calloc(1, sizeof(*p));
    if (!p)
        return SP_ERR_NOMEM;
    p->timer = -1;
    p->links = calloc(cfg->npeers ? cfg->npeers : 1, sizeof(*p->links));
    if (!p->links)
        goto out;
    p->nlinks = cfg->npeers;
    p->zctx = zctx;
    p->curve = curve;
    p->cfg = cfg;
    p->cfg_gen = cfg->generation;
    p->stranger_log.max = SP_PEERS_STRANGER_LOG_MAX;
    p->stranger_log.window_ms = SP_PEERS_STRANGER_LOG_MS;
    p->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->timer < 0) {
        rc = SP_ERR_IO;
        goto out;
    }
    for (size_t i = 0; i < SP_PEERS_CONNS; i++)
        p->conns[i] = (struct conn){.fd = -1, .dup = -1, .peer = -1};
    /* The ZAP handler must be bound before the listener accepts anyone. */
    if ((rc = open_zap(p, cfg, zctx)) != 0 || (rc = open_router(p, cfg, zctx)) != 0)
        goto out;
    for (size_t i = 0; i < p->nlinks; i++) {
        link_set(&p->links[i], &cfg->peers[i], now_ms);
        if ((rc = open_dealer(p, i)) != 0)
            goto out;
    }
    p->readmit_at_ms = now_ms + SP_PEERS_READMIT_MS;
    *out = p;
    return 0;
out:
    sp_net_free(&p);
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

void sp_net_free(struct sp_net **pp)
{
    if (!pp || !*pp)
        return;
    struct sp_net *p = *pp;
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

static size_t add_item(struct sp_net *p, zmq_pollitem_t *items, size_t max, void *sock,
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

size_t sp_net_pollitems(struct sp_net *p, zmq_pollitem_t *items, size_t max)
{
    /* A reload changed the configuration: the timer fires at once, and
     * maintain() follows it (where link changes can be reported). */
    static const struct itimerspec now = {{0, 0}, {0, 1}};
    if (p->cfg->generation != p->cfg_gen && p->timer >= 0)
        (void)timerfd_settime(p->timer, 0, &now, NULL);
    p->nitems = 0;
    if (!p->zap_paused)
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

static void link_events(struct sp_net *p, int i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    uint16_t ev;
    uint32_t value;
    while (peers_read_event(l->mon, &ev, &value)) {
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
                            l->name, peers_handshake_failure(ev, value), value,
                            l->heal_at_ms > now_ms ? l->heal_at_ms - now_ms : 0);
                l->last_fail_log_ms = now_ms;
            }
            if (first)
                l->backoff_ms = l->backoff_ms * 2 > SP_PEERS_HEAL_MAX_MS ? SP_PEERS_HEAL_MAX_MS
                                                                         : l->backoff_ms * 2;
        }
    }
}

static bool recv_dealer(struct sp_net *p, int i, sp_peers_recv_fn fn, void *ctx)
{
    zmq_msg_t body;
    struct sp_peer_in in = {.peer = i};
    bool got = false;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, p->links[i].dealer, ZMQ_DONTWAIT) < 0)
        goto out;
    got = true;
    in.data = zmq_msg_data(&body);
    in.len = zmq_msg_size(&body);
    in.extra_frames = zmq_msg_more(&body) && peers_drain(p->links[i].dealer) > 0;
    fn(ctx, &in);
out:
    zmq_msg_close(&body);
    return got;
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

static bool admitted(struct sp_net *p, size_t i, char *why, size_t cap)
{
    why[0] = '\0';
    return !p->admit || p->admit(p->admit_ctx, (int)i, p->links[i].server_pk, why, cap) == 0;
}

static void link_down(struct sp_net *p, size_t i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
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
static unsigned cut_incoming(struct sp_net *p, size_t i)
{
    unsigned cut = 0;
    for (size_t k = 0; k < SP_PEERS_CONNS; k++)
        if (p->conns[k].peer == (int)i && p->conns[k].dup >= 0 &&
            shutdown(p->conns[k].dup, SHUT_RDWR) == 0)
            cut++;
    return cut;
}

static void bar_link(struct sp_net *p, size_t i, const char *why, uint64_t now_ms,
                     sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    unsigned cut = cut_incoming(p, i);
    close_dealer(l);
    l->barred = true;
    l->heal_at_ms = now_ms + SP_PEERS_READMIT_MS;
    link_down(p, i, now_ms, fn, ctx);
    sp_log_warn("peers: closed the connections with %s (%u incoming): no longer admitted: %s",
                l->name, cut, why[0] ? why : "refused");
}

/* Replaces (or reopens) link i's DEALER once its delay is over. */
static void heal_link(struct sp_net *p, size_t i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
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

/* Room for n links; the new ones zeroed. */
static int grow_links(struct sp_net *p, size_t n)
{
    struct link *grown = realloc(p->links, n * sizeof(*grown));
    if (!grown)
        return SP_ERR_NOMEM;
    memset(grown + p->nlinks, 0, (n - p->nlinks) * sizeof(*grown));
    p->links = grown;
    return 0;
}

/* Link i follows its configured peer anew (a changed endpoint or key, or a
 * peer added): a new DEALER, unless admission refuses the peer now. */
static void relink(struct sp_net *p, size_t i, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    struct link *l = &p->links[i];
    char why[256];
    bool added = i >= p->nlinks;
    bool rekeyed =
        !added && memcmp(l->server_pk, p->cfg->peers[i].curve_pk, SP_CONFIG_KEY_BYTES) != 0;
    /* connections made with a key that is no longer configured go */
    unsigned cut = rekeyed ? cut_incoming(p, i) : 0;
    close_dealer(l);
    if (!added)
        link_down(p, i, now_ms, fn, ctx);
    link_set(l, &p->cfg->peers[i], now_ms);
    if (added)
        p->nlinks = i + 1;
    if (!admitted(p, i, why, sizeof why)) {
        l->barred = true;
        l->heal_at_ms = now_ms + SP_PEERS_READMIT_MS;
        sp_log_warn("peers: %s (now at %s) is not admitted: %s", l->name, l->endpoint, why);
        return;
    }
    if (open_dealer(p, i) != 0)
        l->heal_at_ms = now_ms + l->backoff_ms;
    sp_log_info("peers: %s %s at %s%s (configuration reloaded)",
                added ? "connecting to the new peer" : "reconnecting to", l->name, l->endpoint,
                rekeyed ? " with its new key" : "");
    if (cut)
        sp_log_info("peers: closed %u incoming connection(s) of %s made with its old key", cut,
                    l->name);
}

/* The configuration was reloaded (config.h, generation): a peer whose
 * endpoint or CURVE key changed is linked anew, a peer added after the
 * others gets a link, and the ZAP handler admits the keys now configured.
 * Peers are never removed, renamed or reordered here: a reload keeps that
 * for a restart (reload.h), so every index a round holds stays valid. */
static void follow_config(struct sp_net *p, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    const struct sp_config *c = p->cfg;
    struct sp_zap_peer zp[SP_CONFIG_MAX_PEERS];
    size_t want = c->npeers;
    p->cfg_gen = c->generation;
    if (want > p->nlinks && grow_links(p, want) != 0) {
        sp_log_error("peers: out of memory: the peers added to the configuration are not "
                     "connected until a restart");
        want = p->nlinks;
    }
    for (size_t i = 0; i < want; i++) {
        const struct sp_config_peer *cp = &c->peers[i];
        const struct link *l = &p->links[i];
        if (i < p->nlinks && (strcmp(l->name, cp->name) != 0 ||
                              (strcmp(l->endpoint, cp->endpoint) == 0 &&
                               memcmp(l->server_pk, cp->curve_pk, SP_CONFIG_KEY_BYTES) == 0)))
            continue; /* unchanged (or renamed, which a reload never applies) */
        relink(p, i, now_ms, fn, ctx);
    }
    zap_table(c, p->nlinks, zp);
    if (sp_zap_set_peers(p->zap, zp, p->nlinks) != 0)
        sp_log_error("peers: out of memory: the listener still admits the keys configured "
                     "before the reload");
}

/* Due heals, and every SP_PEERS_READMIT_MS the admission of every open
 * link and the counts of held-back log lines; then the timer is set for the
 * next of them. */
static void maintain(struct sp_net *p, uint64_t now_ms, sp_peers_link_fn fn, void *ctx)
{
    char why[256];
    if (p->cfg->generation != p->cfg_gen)
        follow_config(p, now_ms, fn, ctx);
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

void sp_net_dispatch(struct sp_net *p, const zmq_pollitem_t *items, size_t n, uint64_t now_ms,
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
            peers_router_events(p, now_ms);
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
            for (int b = 0; b < SP_PEERS_RECV_BUDGET && peers_recv_router(p, recv, ctx); b++)
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

int sp_net_send(struct sp_net *p, int peer, uint8_t *buf, size_t len)
{
    struct link *l = NULL;
    struct out_msg *m = NULL;
    int rc = 0;
    if (peer < 0 || (size_t)peer >= p->nlinks) {
        rc = SP_ERR_INVALID_ARG;
        goto out;
    }
    l = &p->links[peer];
    if (!l->qhead && l->dealer && zmq_send(l->dealer, buf, len, ZMQ_DONTWAIT) >= 0)
        goto out; /* sent: ZeroMQ copied it */
    m = malloc(sizeof(*m));
    if (!m || l->qbytes + len > SP_PEERS_QUEUE_MAX_BYTES) {
        rc = m ? SP_ERR_BUSY : SP_ERR_NOMEM;
        free(m);
        goto out;
    }
    *m = (struct out_msg){.buf = buf, .len = len};
    buf = NULL; /* the queue owns it */
    if (l->qtail)
        l->qtail->next = m;
    else
        l->qhead = m;
    l->qtail = m;
    l->qbytes += len;
out:
    free(buf);
    return rc;
}

void sp_net_reply(struct sp_net *p, const struct sp_peer_in *in, uint8_t *buf, size_t len)
{
    if (in->via_router && in->rid_len > 0 &&
        zmq_send(p->router, in->rid, in->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
        (void)zmq_send(p->router, buf, len, ZMQ_DONTWAIT);
    free(buf);
}

size_t sp_net_count(const struct sp_net *p)
{
    return p->nlinks;
}

const char *sp_net_name(const struct sp_net *p, int peer)
{
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return "?";
    return p->links[peer].name;
}

int sp_net_find(const struct sp_net *p, const char *name)
{
    for (size_t i = 0; i < p->nlinks; i++)
        if (strcmp(p->links[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool sp_net_up(const struct sp_net *p, int peer, uint64_t *since_ms)
{
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return false;
    if (since_ms)
        *since_ms = p->links[peer].since_ms;
    return p->links[peer].up;
}

size_t sp_net_queued(const struct sp_net *p, int peer)
{
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return 0;
    return p->links[peer].qbytes;
}

void sp_net_set_admission(struct sp_net *p, sp_peers_admit_fn admit, sp_peers_refused_fn refused,
                          void *ctx)
{
    p->admit = admit;
    p->admit_ctx = ctx;
    sp_zap_set_hooks(p->zap, admit, refused, ctx);
}

uint64_t sp_net_refused(const struct sp_net *p)
{
    return sp_zap_refused(p->zap);
}

void sp_net_zap_pause(struct sp_net *p, bool paused)
{
    p->zap_paused = paused;
}
