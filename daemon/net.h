/*
 * The peer transport itself: the ZeroMQ sockets, the ZAP handler, link
 * healing and re-admission (net.c, net_conn.c, net_impl.h). peer.h's
 * sp_peers_* (peer_proxy.c) run it
 * either in this process or, with the privilege separation on (netproc.h),
 * in the network process, which is the only place its sockets then exist.
 * The semantics of each function are those of its sp_peers_* namesake in
 * peer.h; only the CURVE keys are passed instead of the node's identity, so
 * that the network process never holds the signing key.
 */
#ifndef SP_DAEMON_NET_H
#define SP_DAEMON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "common/err.h"
#include "daemon/peer.h"

struct sp_config;
struct sp_net;

#define SP_NET_Z85_CHARS 40

/* The node's CURVE keypair in Z85 (NUL-terminated); the secret half is a
 * transport key. Lives in guarded memory (sodium_malloc) at its owner's. */
struct sp_net_curve {
    char public_z85[SP_NET_Z85_CHARS + 1];
    char secret_z85[SP_NET_Z85_CHARS + 1];
};

/* As sp_peers_new; borrows cfg and curve (both must outlive the transport;
 * the peers of cfg are followed when its generation changes). */
SP_NODISCARD int sp_net_new(const struct sp_config *cfg, const struct sp_net_curve *curve,
                            void *zctx, uint64_t now_ms, struct sp_net **out);
void sp_net_free(struct sp_net **p);
size_t sp_net_pollitems(struct sp_net *p, zmq_pollitem_t *items, size_t max);
void sp_net_dispatch(struct sp_net *p, const zmq_pollitem_t *items, size_t n, uint64_t now_ms,
                     sp_peers_recv_fn recv, sp_peers_link_fn link, void *ctx);
SP_NODISCARD int sp_net_send(struct sp_net *p, int peer, uint8_t *buf, size_t len);
void sp_net_reply(struct sp_net *p, const struct sp_peer_in *in, uint8_t *buf, size_t len);
size_t sp_net_count(const struct sp_net *p);
const char *sp_net_name(const struct sp_net *p, int peer);
int sp_net_find(const struct sp_net *p, const char *name);
bool sp_net_up(const struct sp_net *p, int peer, uint64_t *since_ms);
size_t sp_net_queued(const struct sp_net *p, int peer);
uint64_t sp_net_refused(const struct sp_net *p);
void sp_net_set_admission(struct sp_net *p, sp_peers_admit_fn admit, sp_peers_refused_fn refused,
                          void *ctx);
/* While paused, ZAP requests wait in ZeroMQ's queue unanswered (the network
 * process holds them until the main process has said who is admitted). */
void sp_net_zap_pause(struct sp_net *p, bool paused);

#endif
