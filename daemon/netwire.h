/*
 * The framing between the main process and the network process (netproc.h)
 * over their socketpair. Every frame is
 *
 *     u32 length (big-endian, of what follows) | u8 type | body
 *
 * with length at most SP_NETWIRE_FRAME_MAX. Bodies are fixed fields in
 * network byte order; strings and byte strings carry their length first.
 * Peer messages travel whole, as bytes that proto/peer.h's encoder wrote
 * (the network process decoded each one with sp_peer_decode and encoded it
 * again), so the main process only ever decodes canonical messages. Each side
 * still checks every frame it reads with the bounded reader below: the main
 * process takes nothing from the network process on trust.
 */
#ifndef SP_DAEMON_NETWIRE_H
#define SP_DAEMON_NETWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "daemon/config.h"
#include "proto/peer.h"

/* A peer message, its routing id and the fixed fields, with room to spare. */
#define SP_NETWIRE_FRAME_MAX (SP_PEER_MSG_MAX_BYTES + 1024u)
#define SP_NETWIRE_HDR_BYTES 4

enum sp_netwire_type {
    /* main -> network */
    SP_NW_INIT = 1, /* log level, listen, CURVE keys (Z85), then a PEERS body */
    SP_NW_PEERS,    /* u8 n, per peer: name, endpoint, CURVE public key */
    SP_NW_ADMIT,    /* u8 n, per peer: u8 admitted, why */
    SP_NW_SEND,     /* u8 peer, message */
    SP_NW_REPLY,    /* u8 rid length, rid, message */
    /* network -> main */
    SP_NW_READY = 16, /* i32 result of binding and connecting (0 or SP_ERR_*) */
    SP_NW_MSG,        /* u8 peer (255: none), u8 flags, i32 code, u8 rid length, rid, message */
    SP_NW_LINK,       /* u8 peer, u8 up */
    SP_NW_REFUSED,    /* u8 has key, key[32], why */
    SP_NW_STATS,      /* u64 refused, u8 n, per peer u32 queued bytes */
};

/* SP_NW_MSG flags */
#define SP_NW_MSG_EXTRA    0x01u /* more than one payload frame (the engine refuses it) */
#define SP_NW_MSG_ROUTER   0x02u /* came in on the listener: a reply goes back by rid */
#define SP_NW_MSG_REJECTED 0x04u /* undecodable: no bytes follow, code says why */
#define SP_NW_PEER_NONE    255u

/* A growing byte buffer (frames to write, or bytes read and not yet taken). */
struct sp_nwbuf {
    uint8_t *data;
    size_t off, len, cap; /* data[off..len) is pending */
};

void sp_nwbuf_free(struct sp_nwbuf *b);
/* Makes room for n more bytes. Returns 0 or SP_ERR_NOMEM. */
SP_NODISCARD int sp_nwbuf_reserve(struct sp_nwbuf *b, size_t n);
/* Appends; the caller reserved room. */
void sp_nwbuf_put(struct sp_nwbuf *b, const void *p, size_t n);
void sp_nwbuf_u8(struct sp_nwbuf *b, uint8_t v);
void sp_nwbuf_u16(struct sp_nwbuf *b, uint16_t v);
void sp_nwbuf_u32(struct sp_nwbuf *b, uint32_t v);
void sp_nwbuf_u64(struct sp_nwbuf *b, uint64_t v);
/* Starts a frame of type t whose body is at most body_max bytes (room is
 * reserved); returns where its length goes, for sp_nwbuf_end. */
SP_NODISCARD int sp_nwbuf_begin(struct sp_nwbuf *b, uint8_t t, size_t body_max, size_t *at);
void sp_nwbuf_end(struct sp_nwbuf *b, size_t at);
/* Writes what is pending to fd without blocking (callers may ignore a
 * failure: the next read of fd sees the other side gone). Returns 0 (all or part
 * written, or EAGAIN) or SP_ERR_IO (the other side is gone). */
int sp_nwbuf_write(struct sp_nwbuf *b, int fd);
/* Reads what fd has (without blocking) into b, at most cap bytes pending.
 * Returns 0, SP_ERR_NOT_FOUND (end of stream) or SP_ERR_IO. */
SP_NODISCARD int sp_nwbuf_read(struct sp_nwbuf *b, int fd, size_t cap);
/* The next whole frame in b: its type and body (pointing into b), and
 * consumes it. Returns 1 (a frame), 0 (not complete yet) or
 * SP_ERR_PROTO_OVERSIZED (a length over the limit: the stream is broken). */
SP_NODISCARD int sp_nwbuf_frame(struct sp_nwbuf *b, uint8_t *type, const uint8_t **body,
                                size_t *len);

/* Whether b holds a whole frame (or a length out of range) not yet taken:
 * bytes read along with an earlier frame (sp_nwbuf_wait's READY or INIT)
 * must be taken without waiting for the descriptor to become readable
 * again, since nothing more may come for a long time. */
bool sp_nwbuf_has_frame(const struct sp_nwbuf *b);

/* Called for each whole frame; false means the frame is malformed. */
typedef bool (*sp_nwframe_fn)(void *ctx, uint8_t type, const uint8_t *body, size_t len);
/* Passes every whole frame already in b to fn, reading nothing. Returns 0 or
 * SP_ERR_PROTO_MALFORMED (as sp_nwbuf_drain). */
SP_NODISCARD int sp_nwbuf_take(struct sp_nwbuf *b, sp_nwframe_fn fn, void *ctx);
/* Reads what fd has and passes every whole frame to fn. Returns 0,
 * SP_ERR_PROTO_MALFORMED (fn refused a frame, or a length is out of range:
 * the stream cannot be trusted any more), SP_ERR_NOT_FOUND (the other side
 * closed its end) or SP_ERR_IO. */
SP_NODISCARD int sp_nwbuf_drain(struct sp_nwbuf *b, int fd, sp_nwframe_fn fn, void *ctx);
/* Waits up to timeout_ms for one whole frame on fd (start-up: INIT, READY).
 * Returns 1 with the frame (pointing into b), 0 on timeout, or an error of
 * sp_nwbuf_read / SP_ERR_PROTO_OVERSIZED. */
SP_NODISCARD int sp_nwbuf_wait(struct sp_nwbuf *b, int fd, int timeout_ms, uint8_t *type,
                               const uint8_t **body, size_t *len);

/* A bounded reader over one frame's body: every get fails once the body is
 * short, and the failure sticks (ok goes false). */
struct sp_nwread {
    const uint8_t *p;
    size_t left;
    bool ok;
};
uint8_t sp_nwread_u8(struct sp_nwread *r);
uint16_t sp_nwread_u16(struct sp_nwread *r);
uint32_t sp_nwread_u32(struct sp_nwread *r);
uint64_t sp_nwread_u64(struct sp_nwread *r);
/* n bytes (a pointer into the body), or NULL. */
const uint8_t *sp_nwread_bytes(struct sp_nwread *r, size_t n);
/* A u16-length string copied NUL-terminated into out (capacity cap); a
 * string that does not fit, or holds a NUL, fails the reader. */
void sp_nwread_str(struct sp_nwread *r, char *out, size_t cap);
/* Puts a u16-length string. */
void sp_nwbuf_str(struct sp_nwbuf *b, const char *s);

/*
 * The frame bodies as each side reads them (fuzz/fuzz_netwire.c). Each
 * reader takes one whole body, checks every field against its bound and
 * the body's end (nothing may follow the last field), and returns false on
 * anything else; what it hands back points into the body.
 */

/* network -> main (peer_proxy.c) */
struct sp_nw_msg {
    unsigned peer;      /* < npeers, or SP_NW_PEER_NONE */
    uint8_t flags;      /* SP_NW_MSG_* */
    int32_t code;       /* the decoder's result in the network process */
    const uint8_t *rid; /* rid_len bytes (<= 255) */
    size_t rid_len;
    const uint8_t *data; /* the re-encoded message: the rest of the body */
    size_t len;          /* <= SP_PEER_MSG_MAX_BYTES; 0 when REJECTED */
};
SP_NODISCARD bool sp_nw_get_msg(const uint8_t *body, size_t len, size_t npeers,
                                struct sp_nw_msg *m);
SP_NODISCARD bool sp_nw_get_link(const uint8_t *body, size_t len, size_t npeers, unsigned *peer,
                                 bool *up);
/* *key is NULL when the refused side had no key; why holds at most cap - 1
 * bytes. */
SP_NODISCARD bool sp_nw_get_refused(const uint8_t *body, size_t len, const uint8_t **key, char *why,
                                    size_t cap);
struct sp_nw_stats {
    uint64_t refused;
    size_t n; /* <= npeers */
    uint32_t queued[SP_CONFIG_MAX_PEERS];
};
SP_NODISCARD bool sp_nw_get_stats(const uint8_t *body, size_t len, size_t npeers,
                                  struct sp_nw_stats *s);
SP_NODISCARD bool sp_nw_get_ready(const uint8_t *body, size_t len, int32_t *rc);

/* main -> network (netproc.c) */
/* A PEERS body (or INIT's tail: the list is the last field, nothing may
 * follow it) into cfg's names, endpoints and CURVE keys: the list only grows
 * (reload.h), in the same order. Read aside and put in force whole: a
 * refused list leaves cfg as it was (fuzz_netwire's first finding: bytes
 * after the list were refused after cfg->npeers had been set). */
SP_NODISCARD bool sp_nw_get_peers(struct sp_nwread *r, struct sp_config *cfg);
#define SP_NW_WHY_MAX 128
struct sp_nw_admit {
    size_t n;
    bool admitted[SP_CONFIG_MAX_PEERS];
    char why[SP_CONFIG_MAX_PEERS][SP_NW_WHY_MAX];
};
SP_NODISCARD bool sp_nw_get_admit(const uint8_t *body, size_t len, struct sp_nw_admit *a);
/* SEND: u8 peer, the message (neither checked here: sp_net_send refuses a
 * peer out of range, and the message is what the engine wrote). */
SP_NODISCARD bool sp_nw_get_send(const uint8_t *body, size_t len, unsigned *peer,
                                 const uint8_t **data, size_t *dlen);
SP_NODISCARD bool sp_nw_get_reply(const uint8_t *body, size_t len, const uint8_t **rid,
                                  size_t *rid_len, const uint8_t **data, size_t *dlen);
/* INIT: log level, listen and node into cfg, the CURVE keys (Z85, at most
 * zcap - 1 characters each: the secret goes straight where the caller keeps
 * it), then the peers into cfg. */
SP_NODISCARD bool sp_nw_get_init(const uint8_t *body, size_t len, struct sp_config *cfg, int *level,
                                 char *public_z85, char *secret_z85, size_t zcap);

#endif
