/* The listener side of the peer transport (net_impl.h): monitor events,
 * why a listener connection closed, receiving from the ROUTER. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/net_impl.h"
#include "proto/peer.h"

/* Reads one monitor event: [u16 event, u32 value][endpoint]. Returns 0 when
 * nothing was waiting. */
int peers_read_event(void *mon, uint16_t *event, uint32_t *value)
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

const char *peers_handshake_failure(uint16_t ev, uint32_t value)
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

static struct conn *conn_find(struct sp_net *p, int fd)
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
static void conn_accepted(struct sp_net *p, int fd)
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

static bool drop_log_allowed(struct sp_net *p, uint64_t now_ms)
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
static void conn_closed(struct sp_net *p, int fd, uint64_t now_ms)
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

static void router_event(struct sp_net *p, uint16_t ev, uint32_t value, uint64_t now_ms)
{
    if (ev == ZMQ_EVENT_ACCEPTED)
        conn_accepted(p, (int)value);
    else if (ev == ZMQ_EVENT_DISCONNECTED)
        conn_closed(p, (int)value, now_ms);
    else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        sp_log_debug("peers: incoming handshake refused by ZAP (status %" PRIu32 ")", value);
    else if (sp_log_limit_allow(&p->stranger_log, now_ms, SP_PEERS_STRANGER_LOG_WHAT))
        sp_log_warn("peers: incoming handshake failed: %s", peers_handshake_failure(ev, value));
}

/* Events are read in batches: a connection accepted and already closed in
 * the same batch is not duplicated, since its descriptor may by now belong
 * to another connection. */
void peers_router_events(struct sp_net *p, uint64_t now_ms)
{
    uint16_t ev[SP_PEERS_EVENT_BATCH];
    uint32_t val[SP_PEERS_EVENT_BATCH];
    size_t n;
    do {
        for (n = 0; n < SP_PEERS_EVENT_BATCH && peers_read_event(p->router_mon, &ev[n], &val[n]);
             n++)
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
static int user_peer(const struct sp_net *p, zmq_msg_t *m)
{
    const char *user = zmq_msg_gets(m, "User-Id");
    return user ? sp_net_find(p, user) : -1;
}

/* Drains the rest of a multipart message; returns the number of frames. */
size_t peers_drain(void *sock)
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

bool peers_recv_router(struct sp_net *p, sp_peers_recv_fn fn, void *ctx)
{
    zmq_msg_t rid, body;
    struct sp_peer_in in = {.peer = -1, .via_router = true};
    struct conn *c = NULL;
    bool got = false;
    zmq_msg_init(&rid);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&rid, p->router, ZMQ_DONTWAIT) < 0)
        goto out;
    got = true;
    in.rid_len = zmq_msg_size(&rid) <= SP_PEERS_RID_MAX ? zmq_msg_size(&rid) : 0;
    memcpy(in.rid, zmq_msg_data(&rid), in.rid_len);
    /* a ROUTER always prefixes the routing id; without more, nothing to hand on */
    if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, p->router, 0) < 0)
        goto out;
    in.peer = user_peer(p, &body);
    /* A message read late may name a descriptor that a newer connection
     * has taken since: only the first sender names a connection. */
    c = in.peer >= 0 ? conn_find(p, zmq_msg_get(&body, ZMQ_SRCFD)) : NULL;
    if (c && c->peer < 0)
        c->peer = in.peer;
    if (in.peer >= 0 && p->links[in.peer].barred) {
        /* admitted at its handshake, revoked since: not heard any more */
        if (c && c->dup >= 0)
            (void)shutdown(c->dup, SHUT_RDWR);
        if (zmq_msg_more(&body))
            (void)peers_drain(p->router);
        goto out;
    }
    in.data = zmq_msg_data(&body);
    in.len = zmq_msg_size(&body);
    in.extra_frames = zmq_msg_more(&body) && peers_drain(p->router) > 0;
    fn(ctx, &in);
out:
    zmq_msg_close(&body);
    zmq_msg_close(&rid);
    return got;
}
