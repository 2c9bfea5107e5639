/*
 * peer.h for the federation engine: the transport runs here (net.h) or, with
 * the privilege separation on, in the network process (netproc.h), and this
 * is the main process's side of it: the socketpair to poll, frames read and
 * checked (netwire.h) into on_recv/on_link calls, sends and replies written
 * as frames, link state, admission and reloads forwarded. A network process
 * that dies is logged and started again; the links are then held down for
 * SP_PEERS_CRASH_HOLD_MS, longer than the engine's link grace, so rounds in
 * flight (whose messages may have died with it) fail with "peer ...
 * unreachable since ..." instead of waiting for their deadline.
 */
#include "daemon/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/identity.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/clock.h"
#include "daemon/net.h"
#include "daemon/netproc.h"
#include "daemon/netwire.h"

#define SP_PEERS_CRASH_HOLD_MS  6000
#define SP_PEERS_RESTART_MIN_MS 100
#define SP_PEERS_RESTART_MAX_MS 30000
#define SP_PEERS_STABLE_MS      10000 /* a network process that lived this long restarts at once */
#define SP_PEERS_READY_WAIT_MS  10000
#define SP_PEERS_ADMIT_MS       2000
#define SP_PEERS_WHY_MAX        127

struct plink {
    char name[SP_CONFIG_NAME_MAX + 1];
    bool up;       /* as the engine was told */
    bool child_up; /* as the network process says */
    uint64_t since_ms;
    uint32_t queued;
};

struct sp_peers {
    struct sp_net *net;         /* in-process transport, or NULL */
    struct sp_net_curve *curve; /* guarded; the in-process transport's keys */
    /* the network process */
    const struct sp_config *cfg;
    const struct sp_identity *id;
    uint64_t cfg_gen;
    int fd;
    pid_t pid;
    int timer;
    uint64_t started_ms, restart_at_ms, restart_backoff_ms, hold_until_ms, admit_at_ms;
    unsigned restarts;
    struct sp_nwbuf in, out;
    size_t nlinks;
    struct plink links[SP_CONFIG_MAX_PEERS];
    uint64_t refused_base, refused_child;
    sp_peers_admit_fn admit;
    sp_peers_refused_fn refused;
    void *admit_ctx;
    bool admit_sent;
    struct sp_peer_in cur; /* the message being delivered */
};

/* ---- frames to the network process ------------------------------------- */

/* A peer's endpoint with its host name resolved here: the network process
 * cannot open /etc/hosts or resolv.conf. "" when it does not resolve (the
 * link stays down; a reload resolves again). */
static void numeric_endpoint(const char *ep, char *out, size_t cap)
{
    const char *host = strncmp(ep, "tcp://", 6) == 0 ? ep + 6 : NULL;
    const char *colon = host ? strrchr(host, ':') : NULL;
    char name[SP_CONFIG_ENDPOINT_MAX + 1];
    unsigned char a[16];
    snprintf(out, cap, "%s", ep);
    if (!colon || host[0] == '[' || host[0] == '*')
        return;
    snprintf(name, sizeof name, "%.*s", (int)(colon - host), host);
    if (inet_pton(AF_INET, name, a) == 1)
        return;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char num[INET6_ADDRSTRLEN];
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res ||
        getnameinfo(res->ai_addr, res->ai_addrlen, num, sizeof num, NULL, 0, NI_NUMERICHOST)) {
        sp_log_error("peers: cannot resolve %s (endpoint %s); that link stays down until a "
                     "reload",
                     name, ep);
        out[0] = '\0';
    } else if (res->ai_family == AF_INET6) {
        snprintf(out, cap, "tcp://[%s]%s", num, colon);
    } else {
        snprintf(out, cap, "tcp://%s%s", num, colon);
    }
    if (res)
        freeaddrinfo(res);
}

static void put_peers(struct sp_nwbuf *b, const struct sp_config *cfg)
{
    char ep[SP_CONFIG_ENDPOINT_MAX + 1];
    sp_nwbuf_u8(b, (uint8_t)cfg->npeers);
    for (size_t i = 0; i < cfg->npeers; i++) {
        numeric_endpoint(cfg->peers[i].endpoint, ep, sizeof ep);
        sp_nwbuf_str(b, cfg->peers[i].name);
        sp_nwbuf_str(b, ep);
        sp_nwbuf_put(b, cfg->peers[i].curve_pk, SP_CONFIG_KEY_BYTES);
    }
}

#define PEERS_BODY_MAX (1 + SP_CONFIG_MAX_PEERS * (4 + 2 * SP_CONFIG_ENDPOINT_MAX + 32))

static void send_peers(struct sp_peers *p)
{
    size_t at;
    if (sp_nwbuf_begin(&p->out, SP_NW_PEERS, PEERS_BODY_MAX, &at) != 0)
        return;
    put_peers(&p->out, p->cfg);
    sp_nwbuf_end(&p->out, at);
}

/* Who is admitted now (certificates, CRL: the main process's knowledge),
 * for the network process's ZAP handler and re-admission. */
static void send_admit(struct sp_peers *p)
{
    size_t at;
    char why[256];
    if (sp_nwbuf_begin(&p->out, SP_NW_ADMIT, 1 + p->nlinks * (3 + SP_PEERS_WHY_MAX), &at) != 0)
        return;
    sp_nwbuf_u8(&p->out, (uint8_t)p->nlinks);
    for (size_t i = 0; i < p->nlinks; i++) {
        why[0] = '\0';
        bool ok = !p->admit ||
                  p->admit(p->admit_ctx, (int)i, p->cfg->peers[i].curve_pk, why, sizeof why) == 0;
        why[SP_PEERS_WHY_MAX] = '\0';
        sp_nwbuf_u8(&p->out, ok ? 1 : 0);
        sp_nwbuf_str(&p->out, why);
    }
    sp_nwbuf_end(&p->out, at);
    p->admit_sent = true;
}

/* INIT carries the CURVE secret: built in a buffer of its own, written at
 * once (a fresh socketpair has room), then wiped. */
static int send_init(struct sp_peers *p)
{
    struct sp_nwbuf b = {0};
    char pub[SP_CURVE_Z85_CHARS + 1], sec[SP_CURVE_Z85_CHARS + 1];
    size_t at;
    int rc = sp_nwbuf_begin(&b, SP_NW_INIT, 256 + PEERS_BODY_MAX + 2 * SP_CONFIG_ENDPOINT_MAX, &at);
    if (rc == 0 && (sp_identity_curve_public_z85(p->id, pub) != 0 ||
                    sp_identity_curve_secret_z85(p->id, sec) != 0))
        rc = SP_ERR_CONFIG;
    if (rc == 0) {
        sp_nwbuf_u8(&b, (uint8_t)sp_log_level());
        sp_nwbuf_str(&b, p->cfg->listen);
        sp_nwbuf_str(&b, p->cfg->node);
        sp_nwbuf_str(&b, pub);
        sp_nwbuf_str(&b, sec);
        put_peers(&b, p->cfg);
        sp_nwbuf_end(&b, at);
        for (uint64_t until = sp_now_ms() + 1000; b.off < b.len && sp_now_ms() < until;)
            if ((rc = sp_nwbuf_write(&b, p->fd)) != 0)
                break;
        if (rc == 0 && b.len > 0)
            rc = SP_ERR_IO;
    }
    sodium_memzero(sec, sizeof sec);
    if (b.data)
        sodium_memzero(b.data, b.cap);
    sp_nwbuf_free(&b);
    return rc;
}

/* ---- the network process's life ---------------------------------------- */

static void reap(struct sp_peers *p, char *how, size_t cap)
{
    int st = 0;
    pid_t w = 0;
    for (int i = 0; i < 200 && (w = waitpid(p->pid, &st, WNOHANG)) == 0; i++)
        usleep(10000);
    if (w == 0) {
        kill(p->pid, SIGKILL);
        w = waitpid(p->pid, &st, 0);
    }
    if (w != p->pid)
        snprintf(how, cap, "gone");
    else if (WIFSIGNALED(st))
        snprintf(how, cap, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(how, cap, "exited with status %d", WEXITSTATUS(st));
    p->pid = -1;
}

static int start_child(struct sp_peers *p, uint64_t now_ms)
{
    /* what was written for the process that died stays lost with it; what
     * the engine sent meanwhile goes after the new INIT */
    int rc = sp_netproc_spawn(&p->fd, &p->pid);
    if (rc == 0)
        rc = send_init(p);
    if (rc != 0) {
        sp_log_error("peers: cannot start the network process (%s)", sp_strerror(rc));
        return rc;
    }
    p->started_ms = now_ms;
    p->in.off = p->in.len = 0;
    p->admit_sent = false;
    if (p->admit)
        send_admit(p);
    return 0;
}

/* The network process died (or broke the framing): log, hold the links
 * down, start it again (at once, or later when it keeps dying). */
static void child_lost(struct sp_peers *p, uint64_t now_ms, const char *what, sp_peers_link_fn link,
                       void *ctx)
{
    char how[96];
    if (p->pid > 0 && strcmp(what, "closed its end") != 0)
        kill(p->pid, SIGKILL);
    close(p->fd);
    p->fd = -1;
    reap(p, how, sizeof how);
    p->refused_base += p->refused_child;
    p->refused_child = 0;
    /* frames half written to the dead process are useless to a new one */
    p->out.off = p->out.len = 0;
    p->in.off = p->in.len = 0;
    bool stable = now_ms - p->started_ms >= SP_PEERS_STABLE_MS;
    p->restart_backoff_ms =
        stable ? SP_PEERS_RESTART_MIN_MS
               : (p->restart_backoff_ms * 2 > SP_PEERS_RESTART_MAX_MS ? SP_PEERS_RESTART_MAX_MS
                                                                      : p->restart_backoff_ms * 2);
    p->restart_at_ms = now_ms + (stable ? 0 : p->restart_backoff_ms);
    p->hold_until_ms = now_ms + SP_PEERS_CRASH_HOLD_MS;
    p->restarts++;
    sp_log_error("peers: the network process %s (%s); starting it again%s; its links are "
                 "held down for %d s, so rounds in flight fail",
                 what, how, stable ? "" : " after a delay", SP_PEERS_CRASH_HOLD_MS / 1000);
    for (size_t i = 0; i < p->nlinks; i++) {
        struct plink *l = &p->links[i];
        l->child_up = false;
        l->queued = 0;
        if (l->up) {
            l->up = false;
            l->since_ms = now_ms;
            if (link)
                link(ctx, (int)i, false, now_ms);
        }
    }
}

/* ---- frames from the network process ----------------------------------- */

static bool on_msg(struct sp_peers *p, const uint8_t *body, size_t len, sp_peers_recv_fn recv,
                   void *ctx)
{
    static const uint8_t none[1];
    struct sp_nw_msg m;
    if (!sp_nw_get_msg(body, len, p->nlinks, &m))
        return false;
    struct sp_peer_in *in = &p->cur;
    memcpy(in->rid, m.rid, m.rid_len);
    in->rid_len = m.rid_len;
    in->peer = m.peer == SP_NW_PEER_NONE ? -1 : (int)m.peer;
    in->extra_frames = m.flags & SP_NW_MSG_EXTRA;
    in->via_router = m.flags & SP_NW_MSG_ROUTER;
    /* a rejected message reaches the engine as an empty one, which it
     * refuses as undecodable (ERROR reply, count, audit) */
    in->data = m.len ? m.data : none;
    in->len = m.len;
    if (recv)
        recv(ctx, in);
    return true;
}

static void set_link(struct sp_peers *p, size_t i, bool up, uint64_t now_ms, sp_peers_link_fn link,
                     void *ctx)
{
    struct plink *l = &p->links[i];
    if (up && now_ms < p->hold_until_ms)
        return; /* told when the hold ends */
    if (l->up == up)
        return;
    l->up = up;
    l->since_ms = now_ms;
    if (link)
        link(ctx, (int)i, up, now_ms);
}

static bool on_frame(struct sp_peers *p, uint8_t type, const uint8_t *body, size_t len,
                     uint64_t now_ms, sp_peers_recv_fn recv, sp_peers_link_fn link, void *ctx)
{
    switch (type) {
    case SP_NW_MSG:
        return on_msg(p, body, len, recv, ctx);
    case SP_NW_LINK: {
        unsigned i;
        bool up;
        if (!sp_nw_get_link(body, len, p->nlinks, &i, &up))
            return false;
        p->links[i].child_up = up;
        set_link(p, i, up, now_ms, link, ctx);
        return true;
    }
    case SP_NW_REFUSED: {
        char why[256];
        const uint8_t *key;
        if (!sp_nw_get_refused(body, len, &key, why, sizeof why))
            return false;
        if (p->refused)
            p->refused(p->admit_ctx, key, why);
        return true;
    }
    case SP_NW_STATS: {
        struct sp_nw_stats st;
        if (!sp_nw_get_stats(body, len, p->nlinks, &st))
            return false;
        for (size_t i = 0; i < st.n; i++)
            p->links[i].queued = st.queued[i];
        p->refused_child = st.refused;
        return true;
    }
    case SP_NW_READY: {
        int32_t rc;
        if (!sp_nw_get_ready(body, len, &rc))
            return false;
        if (rc != 0)
            sp_log_error("peers: the network process could not start: %s", sp_strerror(rc));
        return rc == 0;
    }
    default:
        return false;
    }
}

/* What on_frame needs besides the frame. */
struct dispatch {
    struct sp_peers *p;
    uint64_t now_ms;
    sp_peers_recv_fn recv;
    sp_peers_link_fn link;
    void *ctx;
};

static bool frame_fn(void *arg, uint8_t type, const uint8_t *body, size_t len)
{
    struct dispatch *d = arg;
    return on_frame(d->p, type, body, len, d->now_ms, d->recv, d->link, d->ctx);
}

/* Reads what the network process sent (or, without reading, takes the
 * frames already buffered) and acts on every whole frame. */
static void read_child(struct sp_peers *p, bool read, uint64_t now_ms, sp_peers_recv_fn recv,
                       sp_peers_link_fn link, void *ctx)
{
    struct dispatch d = {p, now_ms, recv, link, ctx};
    int rc =
        read ? sp_nwbuf_drain(&p->in, p->fd, frame_fn, &d) : sp_nwbuf_take(&p->in, frame_fn, &d);
    if (rc == SP_ERR_PROTO_MALFORMED)
        child_lost(p, now_ms, "sent a malformed frame", link, ctx);
    else if (rc != 0)
        child_lost(p, now_ms, "closed its end", link, ctx);
}

/* ---- peer.h -------------------------------------------------------------- */

static int split_new(struct sp_peers *p, uint64_t now_ms)
{
    p->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->timer < 0)
        return SP_ERR_IO;
    p->restart_backoff_ms = SP_PEERS_RESTART_MIN_MS;
    int rc = start_child(p, now_ms);
    if (rc)
        return rc;
    /* binding and connecting happen there; their result is ours to return */
    uint8_t type = 0;
    const uint8_t *body = NULL;
    size_t len = 0;
    int got = sp_nwbuf_wait(&p->in, p->fd, SP_PEERS_READY_WAIT_MS, &type, &body, &len);
    int32_t child_rc = SP_ERR_IO;
    if (got == 1 && (type != SP_NW_READY || !sp_nw_get_ready(body, len, &child_rc)))
        child_rc = SP_ERR_IO;
    if (got != 1) {
        char how[96];
        kill(p->pid, SIGKILL);
        reap(p, how, sizeof how);
        sp_log_error("peers: the network process ended before it was ready (%s)", how);
        return SP_ERR_IO;
    }
    if (child_rc != 0) {
        sp_log_error("peers: the network process did not start: %s", sp_strerror(child_rc));
        return child_rc < 0 ? child_rc : SP_ERR_IO;
    }
    sp_log_info("peers: network process %d runs the peer sockets (privilege separation)",
                (int)p->pid);
    return 0;
}

int sp_peers_new(const struct sp_config *cfg, const struct sp_identity *id, void *zctx,
                 uint64_t now_ms, struct sp_peers **out)
{
    if (cfg->npeers > SP_CONFIG_MAX_PEERS)
        return SP_ERR_CONFIG;
    struct sp_peers *p = calloc(1, sizeof *p);
    if (!p)
        return SP_ERR_NOMEM;
    int rc = SP_ERR_NOMEM;
    p->fd = p->timer = -1;
    p->pid = -1;
    p->cfg = cfg;
    p->id = id;
    p->cfg_gen = cfg->generation;
    p->nlinks = cfg->npeers;
    for (size_t i = 0; i < p->nlinks; i++) {
        snprintf(p->links[i].name, sizeof p->links[i].name, "%s", cfg->peers[i].name);
        p->links[i].since_ms = now_ms;
    }
    if (cfg->net_process && sp_netproc_exe()) {
        rc = split_new(p, now_ms);
    } else {
        p->curve = sodium_malloc(sizeof *p->curve);
        rc = !p->curve ? SP_ERR_NOMEM
             : sp_identity_curve_public_z85(id, p->curve->public_z85) != 0 ||
                     sp_identity_curve_secret_z85(id, p->curve->secret_z85) != 0
                 ? SP_ERR_CONFIG
                 : sp_net_new(cfg, p->curve, zctx, now_ms, &p->net);
    }
    if (rc) {
        sp_peers_free(&p);
        return rc;
    }
    *out = p;
    return 0;
}

void sp_peers_free(struct sp_peers **pp)
{
    if (!pp || !*pp)
        return;
    struct sp_peers *p = *pp;
    sp_net_free(&p->net);
    if (p->curve)
        sodium_free(p->curve);
    if (p->fd >= 0) {
        /* the last frames (ABORTs at shutdown) go first; closing our end then
         * stops the network process, which lingers briefly for them */
        for (uint64_t until = sp_now_ms() + 1000; p->out.off < p->out.len && sp_now_ms() < until;) {
            struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
            (void)poll(&pfd, 1, 50);
            if (sp_nwbuf_write(&p->out, p->fd) != 0)
                break;
        }
        close(p->fd);
    }
    if (p->pid > 0) {
        char how[96];
        reap(p, how, sizeof how);
    }
    if (p->timer >= 0)
        close(p->timer);
    sp_nwbuf_free(&p->in);
    sp_nwbuf_free(&p->out);
    free(p);
    *pp = NULL;
}

static void arm_timer(struct sp_peers *p, uint64_t now_ms)
{
    uint64_t next = p->admit_at_ms;
    if (p->hold_until_ms > now_ms && p->hold_until_ms < next)
        next = p->hold_until_ms;
    if (p->fd < 0 && p->restart_at_ms < next)
        next = p->restart_at_ms;
    uint64_t in = next > now_ms ? next - now_ms : 1;
    struct itimerspec its = {{0, 0}, {(time_t)(in / 1000), (long)(in % 1000) * 1000000L}};
    (void)timerfd_settime(p->timer, 0, &its, NULL);
}

size_t sp_peers_pollitems(struct sp_peers *p, zmq_pollitem_t *items, size_t max)
{
    if (p->net)
        return sp_net_pollitems(p->net, items, max);
    size_t n = 0;
    /* frames read with READY (a link that came up meanwhile) are taken at
     * once: nothing more need come from the network process */
    if (p->cfg->generation != p->cfg_gen || !p->admit_sent || sp_nwbuf_has_frame(&p->in)) {
        static const struct itimerspec now = {{0, 0}, {0, 1}};
        (void)timerfd_settime(p->timer, 0, &now, NULL); /* maintain() follows it */
    }
    if (p->fd >= 0 && n < max)
        items[n++] = (zmq_pollitem_t){
            .fd = p->fd, .events = ZMQ_POLLIN | (p->out.len > p->out.off ? ZMQ_POLLOUT : 0)};
    if (n < max)
        items[n++] = (zmq_pollitem_t){.fd = p->timer, .events = ZMQ_POLLIN};
    return n;
}

/* Reloads, admission every SP_PEERS_ADMIT_MS, the end of a crash hold, a
 * due restart. */
static void maintain(struct sp_peers *p, uint64_t now_ms, sp_peers_link_fn link, void *ctx)
{
    if (p->cfg->generation != p->cfg_gen) {
        p->cfg_gen = p->cfg->generation;
        for (size_t i = p->nlinks; i < p->cfg->npeers; i++) {
            snprintf(p->links[i].name, sizeof p->links[i].name, "%s", p->cfg->peers[i].name);
            p->links[i].since_ms = now_ms;
        }
        p->nlinks = p->cfg->npeers;
        if (p->fd >= 0)
            send_peers(p);
        p->admit_at_ms = 0;
    }
    if (p->fd < 0 && now_ms >= p->restart_at_ms && start_child(p, now_ms) != 0)
        p->restart_at_ms = now_ms + SP_PEERS_RESTART_MAX_MS;
    if (p->fd >= 0 && (now_ms >= p->admit_at_ms || !p->admit_sent)) {
        send_admit(p);
        p->admit_at_ms = now_ms + SP_PEERS_ADMIT_MS;
    }
    if (p->hold_until_ms && now_ms >= p->hold_until_ms) {
        p->hold_until_ms = 0;
        for (size_t i = 0; i < p->nlinks; i++)
            if (p->links[i].child_up)
                set_link(p, i, true, now_ms, link, ctx);
    }
    if (p->fd >= 0 && sp_nwbuf_write(&p->out, p->fd) != 0)
        child_lost(p, now_ms, "closed its end", link, ctx);
    arm_timer(p, now_ms);
}

void sp_peers_dispatch(struct sp_peers *p, const zmq_pollitem_t *items, size_t n, uint64_t now_ms,
                       sp_peers_recv_fn recv, sp_peers_link_fn link, void *ctx)
{
    if (p->net) {
        sp_net_dispatch(p->net, items, n, now_ms, recv, link, ctx);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (!items[k].revents)
            continue;
        if (items[k].fd == p->timer) {
            uint64_t x;
            if (read(p->timer, &x, sizeof x) < 0)
                continue; /* EAGAIN: already read */
        } else if (items[k].fd == p->fd && p->fd >= 0) {
            /* reading first: an end of stream is seen as such, not as EPIPE */
            if (items[k].revents & (ZMQ_POLLIN | ZMQ_POLLERR))
                read_child(p, true, now_ms, recv, link, ctx);
            if (p->fd >= 0 && (items[k].revents & ZMQ_POLLOUT) &&
                sp_nwbuf_write(&p->out, p->fd) != 0)
                child_lost(p, now_ms, "closed its end", link, ctx);
        }
    }
    if (p->fd >= 0 && sp_nwbuf_has_frame(&p->in))
        read_child(p, false, now_ms, recv, link, ctx);
    maintain(p, now_ms, link, ctx);
}

int sp_peers_send(struct sp_peers *p, int peer, uint8_t *buf, size_t len)
{
    if (p->net)
        return sp_net_send(p->net, peer, buf, len);
    size_t at;
    int rc = 0;
    if (peer < 0 || (size_t)peer >= p->nlinks || len > SP_PEER_MSG_MAX_BYTES)
        rc = SP_ERR_INVALID_ARG;
    else if (p->links[peer].queued + (p->out.len - p->out.off) + len > SP_PEERS_QUEUE_MAX_BYTES)
        rc = SP_ERR_BUSY;
    else if ((rc = sp_nwbuf_begin(&p->out, SP_NW_SEND, 1 + len, &at)) == 0) {
        sp_nwbuf_u8(&p->out, (uint8_t)peer);
        sp_nwbuf_put(&p->out, buf, len);
        sp_nwbuf_end(&p->out, at);
        if (p->fd >= 0)
            sp_nwbuf_write(&p->out, p->fd); /* a broken pipe is seen by dispatch */
    }
    free(buf);
    return rc;
}

void sp_peers_reply(struct sp_peers *p, const struct sp_peer_in *in, uint8_t *buf, size_t len)
{
    if (p->net) {
        sp_net_reply(p->net, in, buf, len);
        return;
    }
    size_t at;
    if (in->via_router && in->rid_len > 0 && len <= SP_PEER_MSG_MAX_BYTES && p->fd >= 0 &&
        sp_nwbuf_begin(&p->out, SP_NW_REPLY, 1 + in->rid_len + len, &at) == 0) {
        sp_nwbuf_u8(&p->out, (uint8_t)in->rid_len);
        sp_nwbuf_put(&p->out, in->rid, in->rid_len);
        sp_nwbuf_put(&p->out, buf, len);
        sp_nwbuf_end(&p->out, at);
        sp_nwbuf_write(&p->out, p->fd);
    }
    free(buf);
}

size_t sp_peers_count(const struct sp_peers *p)
{
    return p->net ? sp_net_count(p->net) : p->nlinks;
}

const char *sp_peers_name(const struct sp_peers *p, int peer)
{
    if (p->net)
        return sp_net_name(p->net, peer);
    return peer < 0 || (size_t)peer >= p->nlinks ? "?" : p->links[peer].name;
}

int sp_peers_find(const struct sp_peers *p, const char *name)
{
    if (p->net)
        return sp_net_find(p->net, name);
    for (size_t i = 0; i < p->nlinks; i++)
        if (strcmp(p->links[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool sp_peers_up(const struct sp_peers *p, int peer, uint64_t *since_ms)
{
    if (p->net)
        return sp_net_up(p->net, peer, since_ms);
    if (peer < 0 || (size_t)peer >= p->nlinks)
        return false;
    if (since_ms)
        *since_ms = p->links[peer].since_ms;
    return p->links[peer].up;
}

size_t sp_peers_queued(const struct sp_peers *p, int peer)
{
    if (p->net)
        return sp_net_queued(p->net, peer);
    return peer < 0 || (size_t)peer >= p->nlinks ? 0 : p->links[peer].queued;
}

uint64_t sp_peers_refused(const struct sp_peers *p)
{
    return p->net ? sp_net_refused(p->net) : p->refused_base + p->refused_child;
}

void sp_peers_set_admission(struct sp_peers *p, sp_peers_admit_fn admit,
                            sp_peers_refused_fn refused, void *ctx)
{
    if (p->net) {
        sp_net_set_admission(p->net, admit, refused, ctx);
        return;
    }
    p->admit = admit;
    p->refused = refused;
    p->admit_ctx = ctx;
    if (p->fd >= 0) {
        send_admit(p);
        p->admit_at_ms = sp_now_ms() + SP_PEERS_ADMIT_MS;
        sp_nwbuf_write(&p->out, p->fd);
    }
}
