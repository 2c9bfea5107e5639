/* libFuzzer harness for the framing between the main process and the
 * network process (daemon/netwire.h): what either side reads from the
 * socketpair. The input is
 *
 *     u8 npeers (mod 32) | u8 chunking seed | the stream
 *
 * and the stream is read three ways: whole, in chunks of pseudo-random sizes
 * appended as sp_nwbuf_read appends what recv returns (so the buffer's
 * compaction and growth run), and, for streams up to 64 KiB, through a real
 * socketpair with sp_nwbuf_drain. Every whole frame goes to the reader of
 * its type, as peer_proxy.c (types 16..20, what the main process reads from
 * the network process) and netproc.c (types 1..5, what the network process
 * reads from the main process) call them; reading stops at the first
 * frame a reader refuses or a length out of range, as both sides stop.
 * Checked: the three ways see the same frames with the same verdicts and the
 * same end; everything a reader hands back lies inside the frame's body and
 * within its documented bounds (peer index, rid length, message size,
 * NUL-terminated strings that fit); and an accepted body, written again with
 * the writers' primitives as peer_proxy.c and netproc.c write it, is exactly
 * the bytes read (a reader that skips, widens or ignores a field fails). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/netwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SOCKET_MAX (64u * 1024u)

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_inside(const uint8_t *p, size_t n, const uint8_t *body, size_t len)
{
    if (n == 0)
        return;
    check(p != NULL && p >= body && n <= len && p - body <= (ptrdiff_t)(len - n));
}

static void check_str(const char *s, size_t cap)
{
    check(memchr(s, '\0', cap) != NULL);
}

/* The written-again body, compared with what was read. */
static struct sp_nwbuf again;

static void again_reset(void)
{
    again.off = again.len = 0;
    check(sp_nwbuf_reserve(&again, SP_NETWIRE_FRAME_MAX) == 0);
}

static void again_equals(const uint8_t *body, size_t len)
{
    check(again.len == len && (len == 0 || memcmp(again.data, body, len) == 0));
}

/* The network process's state as the frames change it. */
static struct sp_config cfg;
static struct sp_nw_admit admit;

/* A running digest of what was read: frame types, lengths, verdicts. */
struct seen {
    uint64_t hash;
    size_t frames;
    int end; /* 0: stream ended, 1: a reader refused, 2: a bad length */
};

static void mix(struct seen *s, uint64_t v)
{
    s->hash = (s->hash ^ v) * UINT64_C(0x100000001b3);
}

/* What the network process holds of its peers, to compare after a
 * refusal. */
static struct sp_config_peer saved[SP_CONFIG_MAX_PEERS];
static size_t saved_n;

static void peers_save(void)
{
    memcpy(saved, cfg.peers, sizeof saved);
    saved_n = cfg.npeers;
}

static bool peers_unchanged(void)
{
    return cfg.npeers == saved_n && memcmp(saved, cfg.peers, sizeof saved) == 0;
}

static void write_peers(const struct sp_config *c)
{
    sp_nwbuf_u8(&again, (uint8_t)c->npeers);
    for (size_t i = 0; i < c->npeers; i++) {
        check_str(c->peers[i].name, sizeof c->peers[i].name);
        check_str(c->peers[i].endpoint, sizeof c->peers[i].endpoint);
        sp_nwbuf_str(&again, c->peers[i].name);
        sp_nwbuf_str(&again, c->peers[i].endpoint);
        sp_nwbuf_put(&again, c->peers[i].curve_pk, SP_CONFIG_KEY_BYTES);
    }
}

/* One frame through its reader; false when the reader refused it. */
static bool read_frame(uint8_t type, const uint8_t *body, size_t len, size_t npeers)
{
    again_reset();
    switch (type) {
    case SP_NW_MSG: { /* peer_proxy.c on_msg */
        struct sp_nw_msg m;
        if (!sp_nw_get_msg(body, len, npeers, &m))
            return false;
        check(m.peer == SP_NW_PEER_NONE || m.peer < npeers);
        check(m.rid_len <= 255);
        check_inside(m.rid, m.rid_len, body, len);
        check_inside(m.data, m.len, body, len);
        check(m.len <= SP_PEER_MSG_MAX_BYTES);
        check(!(m.flags & SP_NW_MSG_REJECTED) || m.len == 0);
        /* netproc.c child_recv */
        sp_nwbuf_u8(&again, (uint8_t)m.peer);
        sp_nwbuf_u8(&again, m.flags);
        sp_nwbuf_u32(&again, (uint32_t)m.code);
        sp_nwbuf_u8(&again, (uint8_t)m.rid_len);
        sp_nwbuf_put(&again, m.rid, m.rid_len);
        sp_nwbuf_put(&again, m.data, m.len);
        break;
    }
    case SP_NW_LINK: {
        unsigned peer;
        bool up;
        if (!sp_nw_get_link(body, len, npeers, &peer, &up))
            return false;
        check(peer < npeers);
        sp_nwbuf_u8(&again, (uint8_t)peer);
        sp_nwbuf_u8(&again, up ? 1 : 0);
        break;
    }
    case SP_NW_REFUSED: {
        char why[256];
        const uint8_t *key = NULL;
        if (!sp_nw_get_refused(body, len, &key, why, sizeof why))
            return false;
        check_str(why, sizeof why);
        if (key)
            check_inside(key, 32, body, len);
        uint8_t zero[32] = {0};
        sp_nwbuf_u8(&again, key ? 1 : 0);
        sp_nwbuf_put(&again, key ? key : zero, 32);
        sp_nwbuf_str(&again, why);
        /* a refusal without a key carries 32 bytes the reader ignores */
        if (!key && len >= 33)
            memcpy(again.data + 1, body + 1, 32);
        break;
    }
    case SP_NW_STATS: {
        struct sp_nw_stats st;
        if (!sp_nw_get_stats(body, len, npeers, &st))
            return false;
        check(st.n <= npeers);
        sp_nwbuf_u64(&again, st.refused);
        sp_nwbuf_u8(&again, (uint8_t)st.n);
        for (size_t i = 0; i < st.n; i++)
            sp_nwbuf_u32(&again, st.queued[i]);
        break;
    }
    case SP_NW_READY: {
        int32_t rc;
        if (!sp_nw_get_ready(body, len, &rc))
            return false;
        sp_nwbuf_u32(&again, (uint32_t)rc);
        break;
    }
    case SP_NW_PEERS: { /* netproc.c child_frame */
        struct sp_nwread r = {body, len, true};
        size_t before = cfg.npeers;
        peers_save();
        if (!sp_nw_get_peers(&r, &cfg)) {
            check(peers_unchanged()); /* a refused list leaves the peers as they were */
            return false;
        }
        check(r.left == 0);
        check(cfg.npeers >= before && cfg.npeers <= SP_CONFIG_MAX_PEERS);
        write_peers(&cfg);
        break;
    }
    case SP_NW_ADMIT: {
        if (!sp_nw_get_admit(body, len, &admit))
            return false;
        check(admit.n <= SP_CONFIG_MAX_PEERS);
        sp_nwbuf_u8(&again, (uint8_t)admit.n);
        for (size_t i = 0; i < admit.n; i++) {
            check_str(admit.why[i], sizeof admit.why[i]);
            sp_nwbuf_u8(&again, admit.admitted[i] ? 1 : 0);
            sp_nwbuf_str(&again, admit.why[i]);
        }
        break;
    }
    case SP_NW_SEND: {
        unsigned peer;
        const uint8_t *d;
        size_t dlen;
        if (!sp_nw_get_send(body, len, &peer, &d, &dlen))
            return false;
        check(peer <= 255);
        check_inside(d, dlen, body, len);
        sp_nwbuf_u8(&again, (uint8_t)peer);
        sp_nwbuf_put(&again, d, dlen);
        break;
    }
    case SP_NW_REPLY: {
        const uint8_t *rid, *d;
        size_t rid_len, dlen;
        if (!sp_nw_get_reply(body, len, &rid, &rid_len, &d, &dlen))
            return false;
        check(rid_len <= 255 && dlen <= SP_PEER_MSG_MAX_BYTES);
        check_inside(rid, rid_len, body, len);
        check_inside(d, dlen, body, len);
        sp_nwbuf_u8(&again, (uint8_t)rid_len);
        sp_nwbuf_put(&again, rid, rid_len);
        sp_nwbuf_put(&again, d, dlen);
        break;
    }
    case SP_NW_INIT: {
        char pub[41], sec[41];
        int level = -1;
        size_t before = cfg.npeers;
        peers_save();
        if (!sp_nw_get_init(body, len, &cfg, &level, pub, sec, sizeof pub)) {
            check(peers_unchanged());
            return false;
        }
        check(level >= 0 && level <= 255 && cfg.npeers >= before);
        check_str(cfg.listen, sizeof cfg.listen);
        check_str(cfg.node, sizeof cfg.node);
        check_str(pub, sizeof pub);
        check_str(sec, sizeof sec);
        sp_nwbuf_u8(&again, (uint8_t)level);
        sp_nwbuf_str(&again, cfg.listen);
        sp_nwbuf_str(&again, cfg.node);
        sp_nwbuf_str(&again, pub);
        sp_nwbuf_str(&again, sec);
        write_peers(&cfg);
        break;
    }
    default:
        return false;
    }
    again_equals(body, len);
    return true;
}

/* Both sides' state starts empty for each way of reading. */
static void state_reset(void)
{
    cfg.npeers = 0;
    cfg.generation = 0;
    admit.n = 0;
}

struct drain_ctx {
    struct seen *seen;
    size_t npeers;
};

static bool take(struct seen *s, size_t npeers, uint8_t type, const uint8_t *body, size_t len)
{
    bool ok = read_frame(type, body, len, npeers);
    s->frames++;
    mix(s, type);
    mix(s, len);
    mix(s, ok);
    return ok;
}

/* Takes every whole frame in b; false once the stream is broken. */
static bool take_frames(struct sp_nwbuf *b, struct seen *s, size_t npeers)
{
    uint8_t type;
    const uint8_t *body;
    size_t len;
    int got;
    while ((got = sp_nwbuf_frame(b, &type, &body, &len)) == 1) {
        check(body >= b->data && body + len <= b->data + b->len);
        if (!take(s, npeers, type, body, len)) {
            s->end = 1;
            return false;
        }
    }
    check(got == 0 || got == SP_ERR_PROTO_OVERSIZED);
    if (got < 0) {
        s->end = 2;
        return false;
    }
    return true;
}

static bool drain_fn(void *arg, uint8_t type, const uint8_t *body, size_t len)
{
    struct drain_ctx *d = arg;
    return take(d->seen, d->npeers, type, body, len);
}

static int sv[2] = {-1, -1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t npeers = data[0] % (SP_CONFIG_MAX_PEERS + 1);
    uint32_t seed = data[1] | 1u;
    const uint8_t *stream = data + 2;
    size_t n = size - 2;

    /* whole */
    struct seen whole = {UINT64_C(0xcbf29ce484222325), 0, 0};
    struct sp_nwbuf b = {0};
    state_reset();
    check(sp_nwbuf_reserve(&b, n) == 0);
    sp_nwbuf_put(&b, stream, n);
    take_frames(&b, &whole, npeers);
    sp_nwbuf_free(&b);

    /* in chunks */
    struct seen chunked = {UINT64_C(0xcbf29ce484222325), 0, 0};
    state_reset();
    for (size_t at = 0; at < n;) {
        seed = seed * 1103515245u + 12345u;
        size_t k = 1 + (seed >> 8) % (seed & 0x100 ? 4096 : 9);
        if (k > n - at)
            k = n - at;
        check(sp_nwbuf_reserve(&b, k) == 0);
        sp_nwbuf_put(&b, stream + at, k);
        at += k;
        if (!take_frames(&b, &chunked, npeers))
            break;
    }
    sp_nwbuf_free(&b);
    check(whole.frames == chunked.frames && whole.hash == chunked.hash && whole.end == chunked.end);

    /* through a socketpair and sp_nwbuf_drain, as both sides read */
    if (n <= SOCKET_MAX) {
        if (sv[0] < 0) {
            check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
            int sz = 4 * SOCKET_MAX;
            (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
            (void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
            check(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
        }
        /* kept across inputs, as each side keeps its own (sp_nwbuf_read
         * reserves 256 KiB at a time) */
        static struct sp_nwbuf kept;
        kept.off = kept.len = 0;
        struct seen drained = {UINT64_C(0xcbf29ce484222325), 0, 0};
        struct drain_ctx d = {&drained, npeers};
        state_reset();
        size_t sent = 0;
        int rc = 0;
        /* a stream larger than the socket's buffer goes in several writes,
         * each drained before the next, as the network process flushes */
        while (sent < n && rc == 0) {
            ssize_t w = send(sv[0], stream + sent, n - sent, MSG_DONTWAIT);
            check(w > 0);
            sent += (size_t)w;
            rc = sp_nwbuf_drain(&kept, sv[1], drain_fn, &d);
        }
        if (n == 0)
            rc = sp_nwbuf_drain(&kept, sv[1], drain_fn, &d);
        /* whatever is left in the socket after a refusal is dropped */
        uint8_t junk[4096];
        while (recv(sv[1], junk, sizeof junk, MSG_DONTWAIT) > 0)
            ;
        check(rc == 0 || rc == SP_ERR_PROTO_MALFORMED);
        check(drained.frames == whole.frames && drained.hash == whole.hash);
        check((rc == 0) == (whole.end == 0));
    }
    return 0;
}
