/*
 * The peer transport: ZeroMQ with CURVE between configured nodes.
 *
 *  - One ROUTER bound on the node's listen endpoint, a CURVE server with the
 *    node's CURVE secret key and ZMQ_ZAP_DOMAIN set (and enforced), so the
 *    ZAP handler (zap.h) admits only configured peers' keys and stamps each
 *    connection with the peer's name (User-Id). Every message a node receives
 *    from a peer arrives here and is attributed by that User-Id, never by
 *    anything in the message.
 *  - One DEALER per configured peer, a CURVE client that pins the peer's
 *    server key: a peer that presents another key fails the handshake. Every
 *    message to a peer leaves through its DEALER. A DEALER may also receive
 *    (ERROR replies that a peer sends back through its ROUTER); those are
 *    attributed to the DEALER's peer, whose key the handshake proved.
 *  - Socket monitors report each DEALER's link state (handshake succeeded /
 *    disconnected) and handshake failures, which are logged. libzmq 4.3 never
 *    retries a connection whose handshake failed (a ZAP refusal: certificate
 *    being renewed, stale CRL, config typo), so after a failure the DEALER is
 *    replaced by a new one, with a delay that doubles up to a cap
 *    (SP_PEERS_HEAL_*_MS in net.c): every link heals once the cause is gone.
 *  - Every couple of seconds the admission hook (certificate, CRL) is asked
 *    again about each open link; a peer no longer admitted (revoked, CRL
 *    reloaded on SIGHUP) loses its DEALER and the incoming connections it
 *    was seen on, and is asked again later.
 *  - ZMQ_MAXMSGSIZE bounds every frame (SP_PEER_MSG_MAX_BYTES plus CURVE's
 *    framing): an oversized frame closes the connection inside ZeroMQ and
 *    never reaches the decoder. Heartbeats detect dead peers.
 *
 * With `net_process = yes` (the default) all of this runs in the network
 * process (netproc.h) and these functions are the main process's side of it:
 * the same semantics, over a socketpair; messages reach recv only after the
 * network process decoded them and encoded them again (netwire.h). Admission
 * is then asked every couple of seconds rather than at each connection.
 *
 * Outbound messages that ZeroMQ cannot take at once (high-water mark) wait in
 * a per-peer queue that is flushed when the socket becomes writable; the
 * round protocol's credit windows keep that queue small, and a hard cap
 * (SP_PEERS_QUEUE_MAX_BYTES) turns a runaway into an error.
 */
#ifndef SP_DAEMON_PEER_H
#define SP_DAEMON_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "common/err.h"

struct sp_config;
struct sp_identity;
struct sp_peers;

#define SP_PEERS_QUEUE_MAX_BYTES      (64u * 1024u * 1024u)
#define SP_PEERS_HEARTBEAT_IVL_MS     1000
#define SP_PEERS_HEARTBEAT_TIMEOUT_MS 3000
#define SP_PEERS_RID_MAX              255
/* Poll items: ROUTER, its monitor, ZAP, the heal timer, and a DEALER and
 * monitor per peer. */
#define SP_PEERS_POLLITEMS(npeers) (4 + 2 * (npeers))

/* One received message. */
struct sp_peer_in {
    int peer;            /* config index of the authenticated sender; -1 unknown */
    const uint8_t *data; /* the payload frame; valid during the callback */
    size_t len;
    bool extra_frames; /* more than one payload frame was sent (refuse it) */
    bool via_router;   /* arrived on the listener: a reply goes back by rid */
    uint8_t rid[SP_PEERS_RID_MAX];
    size_t rid_len;
};

typedef void (*sp_peers_recv_fn)(void *ctx, const struct sp_peer_in *in);
/* Called when a DEALER's link comes up or goes down. */
typedef void (*sp_peers_link_fn)(void *ctx, int peer, bool up, uint64_t now_ms);

/* Creates the ZAP handler, binds the ROUTER on cfg->listen and connects a
 * DEALER to every peer. Borrows cfg and id. Returns 0, SP_ERR_IO (bind or
 * socket failure, logged with the reason), SP_ERR_CONFIG (bad endpoint or
 * key), SP_ERR_NOMEM. */
SP_NODISCARD int sp_peers_new(const struct sp_config *cfg, const struct sp_identity *id, void *zctx,
                              uint64_t now_ms, struct sp_peers **out);
/* Closes every socket (LINGER 0: queued messages are dropped) and frees;
 * NULL-safe; clears *p. */
void sp_peers_free(struct sp_peers **p);

/* Appends the poll items (at most SP_PEERS_POLLITEMS(npeers)); returns how
 * many. A DEALER asks for POLLOUT while its queue is not empty. */
size_t sp_peers_pollitems(struct sp_peers *p, zmq_pollitem_t *items, size_t max);
/* Handles the ready items among those appended: ZAP requests, monitor
 * events, queued sends, and up to a budget of received messages per socket
 * (each passed to recv; link changes to link). */
void sp_peers_dispatch(struct sp_peers *p, const zmq_pollitem_t *items, size_t n, uint64_t now_ms,
                       sp_peers_recv_fn recv, sp_peers_link_fn link, void *ctx);

/* Sends buf (malloc'd; ownership passes here in every case) to peer.
 * Returns 0 (sent or queued), SP_ERR_INVALID_ARG (peer), SP_ERR_BUSY (the
 * peer's queue is at its cap; buf is freed). */
SP_NODISCARD int sp_peers_send(struct sp_peers *p, int peer, uint8_t *buf, size_t len);
/* Sends buf back to the connection a message came in on (listener only;
 * best effort: dropped when the connection is gone). Takes ownership. */
void sp_peers_reply(struct sp_peers *p, const struct sp_peer_in *in, uint8_t *buf, size_t len);

/* Number of configured peers, and a peer's name. */
size_t sp_peers_count(const struct sp_peers *p);
const char *sp_peers_name(const struct sp_peers *p, int peer);
/* Index of the peer called name, or -1. */
int sp_peers_find(const struct sp_peers *p, const char *name);
/* True when our connection to peer completed its handshake and has not
 * dropped since; *since_ms (may be NULL) is when the state last changed. */
bool sp_peers_up(const struct sp_peers *p, int peer, uint64_t *since_ms);
/* Bytes waiting in our queue for peer (not yet taken by ZeroMQ). */
size_t sp_peers_queued(const struct sp_peers *p, int peer);
/* Connections the ZAP handler refused (keys not configured) so far. */
uint64_t sp_peers_refused(const struct sp_peers *p);
/* The ZAP handler's admission hooks (zap.h, sp_zap_set_hooks). */
typedef int (*sp_peers_admit_fn)(void *ctx, int peer, const uint8_t key[32], char *why, size_t cap);
typedef void (*sp_peers_refused_fn)(void *ctx, const uint8_t *key, const char *why);
void sp_peers_set_admission(struct sp_peers *p, sp_peers_admit_fn admit,
                            sp_peers_refused_fn refused, void *ctx);

#endif
