/*
 * Internals of the peer transport, shared by its two files only:
 *   net.c       sockets (ROUTER, DEALERs, monitors, ZAP), poll/dispatch,
 *               sending and queues, healing of refused links, re-admission
 *   net_conn.c  the listener side: monitor events, why a listener
 *               connection closed, receiving from the ROUTER
 * Everything runs on the main thread.
 */
#ifndef SP_DAEMON_NET_IMPL_H
#define SP_DAEMON_NET_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/net.h"

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

struct sp_net {
    void *zctx;
    const struct sp_net_curve *curve; /* borrowed: DEALERs are reopened with it */
    const struct sp_config *cfg;      /* borrowed: its peers are followed on reload */
    uint64_t cfg_gen;                 /* the configuration's generation the links follow */
    int timer;                        /* timerfd: wakes the loop for heals and re-admission */
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
    bool zap_paused;
    size_t nlinks;
    struct link *links;
    /* where each appended poll item belongs (set by pollitems) */
    size_t nitems;
    int item_kind[SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
    int item_link[SP_PEERS_POLLITEMS(SP_CONFIG_MAX_PEERS)];
};

enum { ITEM_ROUTER, ITEM_ROUTER_MON, ITEM_ZAP, ITEM_TIMER, ITEM_DEALER, ITEM_MON };

/* Reads one monitor event: [u16 event, u32 value][endpoint]. Returns 0 when
 * nothing was waiting. */
int peers_read_event(void *mon, uint16_t *event, uint32_t *value);
/* A sentence for a handshake failure event (no key material). */
const char *peers_handshake_failure(uint16_t ev, uint32_t value);
/* Drains the rest of a multipart message; returns the number of frames. */
size_t peers_drain(void *sock);
/* Handles the listener monitor's events (accepted, closed, failed). */
void peers_router_events(struct sp_net *p, uint64_t now_ms);
/* Receives one message from the ROUTER and passes it to fn; false when
 * nothing was waiting. */
bool peers_recv_router(struct sp_net *p, sp_peers_recv_fn fn, void *ctx);

#endif
