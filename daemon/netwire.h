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

/* Called for each whole frame; false means the frame is malformed. */
typedef bool (*sp_nwframe_fn)(void *ctx, uint8_t type, const uint8_t *body, size_t len);
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

#endif
