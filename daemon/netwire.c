/* Framing between the main and the network process; see netwire.h. */
#include "daemon/netwire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void sp_nwbuf_free(struct sp_nwbuf *b)
{
    free(b->data);
    *b = (struct sp_nwbuf){0};
}

int sp_nwbuf_reserve(struct sp_nwbuf *b, size_t n)
{
    if (b->off > 0 && (b->off == b->len || b->off >= b->cap / 2)) {
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (n > SIZE_MAX / 2 - b->len)
        return SP_ERR_NOMEM;
    if (b->len + n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d)
        return SP_ERR_NOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

void sp_nwbuf_put(struct sp_nwbuf *b, const void *p, size_t n)
{
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void sp_nwbuf_u8(struct sp_nwbuf *b, uint8_t v)
{
    sp_nwbuf_put(b, &v, 1);
}

void sp_nwbuf_u16(struct sp_nwbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    sp_nwbuf_put(b, x, 2);
}

void sp_nwbuf_u32(struct sp_nwbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    sp_nwbuf_put(b, x, 4);
}

void sp_nwbuf_u64(struct sp_nwbuf *b, uint64_t v)
{
    sp_nwbuf_u32(b, (uint32_t)(v >> 32));
    sp_nwbuf_u32(b, (uint32_t)v);
}

void sp_nwbuf_str(struct sp_nwbuf *b, const char *s)
{
    size_t n = strlen(s);
    sp_nwbuf_u16(b, (uint16_t)n);
    sp_nwbuf_put(b, s, n);
}

int sp_nwbuf_begin(struct sp_nwbuf *b, uint8_t t, size_t body_max, size_t *at)
{
    if (body_max + 1 > SP_NETWIRE_FRAME_MAX)
        return SP_ERR_PROTO_OVERSIZED;
    int rc = sp_nwbuf_reserve(b, SP_NETWIRE_HDR_BYTES + 1 + body_max);
    if (rc)
        return rc;
    *at = b->len;
    sp_nwbuf_u32(b, 0);
    sp_nwbuf_u8(b, t);
    return 0;
}

void sp_nwbuf_end(struct sp_nwbuf *b, size_t at)
{
    uint32_t n = (uint32_t)(b->len - at - SP_NETWIRE_HDR_BYTES);
    uint8_t x[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(b->data + at, x, 4);
}

int sp_nwbuf_write(struct sp_nwbuf *b, int fd)
{
    while (b->off < b->len) {
        ssize_t w = send(fd, b->data + b->off, b->len - b->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : SP_ERR_IO;
        b->off += (size_t)w;
    }
    b->off = b->len = 0;
    return 0;
}

int sp_nwbuf_read(struct sp_nwbuf *b, int fd, size_t cap)
{
    while (b->len - b->off < cap) {
        size_t want = cap - (b->len - b->off);
        if (want > 256 * 1024)
            want = 256 * 1024;
        if (sp_nwbuf_reserve(b, want) != 0)
            return SP_ERR_NOMEM;
        ssize_t r = recv(fd, b->data + b->len, want, MSG_DONTWAIT);
        if (r == 0)
            return SP_ERR_NOT_FOUND;
        if (r < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : SP_ERR_IO;
        b->len += (size_t)r;
    }
    return 0;
}

int sp_nwbuf_frame(struct sp_nwbuf *b, uint8_t *type, const uint8_t **body, size_t *len)
{
    size_t have = b->len - b->off;
    if (have < SP_NETWIRE_HDR_BYTES + 1)
        return 0;
    const uint8_t *p = b->data + b->off;
    uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (n < 1 || n > SP_NETWIRE_FRAME_MAX)
        return SP_ERR_PROTO_OVERSIZED;
    if (have < SP_NETWIRE_HDR_BYTES + (size_t)n)
        return 0;
    *type = p[4];
    *body = p + SP_NETWIRE_HDR_BYTES + 1;
    *len = n - 1;
    b->off += SP_NETWIRE_HDR_BYTES + (size_t)n;
    return 1;
}

bool sp_nwbuf_has_frame(const struct sp_nwbuf *b)
{
    size_t have = b->len - b->off;
    if (have < SP_NETWIRE_HDR_BYTES + 1)
        return false;
    const uint8_t *p = b->data + b->off;
    uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    /* a bad length counts: sp_nwbuf_frame reports it */
    return n < 1 || n > SP_NETWIRE_FRAME_MAX || have >= SP_NETWIRE_HDR_BYTES + (size_t)n;
}

int sp_nwbuf_take(struct sp_nwbuf *b, sp_nwframe_fn fn, void *ctx)
{
    uint8_t type;
    const uint8_t *body;
    size_t len;
    int got;
    while ((got = sp_nwbuf_frame(b, &type, &body, &len)) == 1)
        if (!fn(ctx, type, body, len))
            return SP_ERR_PROTO_MALFORMED;
    return got < 0 ? SP_ERR_PROTO_MALFORMED : 0;
}

int sp_nwbuf_drain(struct sp_nwbuf *b, int fd, sp_nwframe_fn fn, void *ctx)
{
    int rc = sp_nwbuf_read(b, fd, 2 * (size_t)SP_NETWIRE_FRAME_MAX);
    /* frames read before an end of stream still count */
    int taken = sp_nwbuf_take(b, fn, ctx);
    return taken ? taken : rc;
}

int sp_nwbuf_wait(struct sp_nwbuf *b, int fd, int timeout_ms, uint8_t *type, const uint8_t **body,
                  size_t *len)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    for (int waited = 0; waited < timeout_ms; waited += 100) {
        int got = sp_nwbuf_frame(b, type, body, len);
        if (got != 0)
            return got;
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
            return SP_ERR_IO;
        int rc = sp_nwbuf_read(b, fd, 65536);
        if (rc)
            return rc;
    }
    return sp_nwbuf_frame(b, type, body, len);
}

const uint8_t *sp_nwread_bytes(struct sp_nwread *r, size_t n)
{
    if (!r->ok || r->left < n) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

uint8_t sp_nwread_u8(struct sp_nwread *r)
{
    const uint8_t *p = sp_nwread_bytes(r, 1);
    return p ? p[0] : 0;
}

uint16_t sp_nwread_u16(struct sp_nwread *r)
{
    const uint8_t *p = sp_nwread_bytes(r, 2);
    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t sp_nwread_u32(struct sp_nwread *r)
{
    const uint8_t *p = sp_nwread_bytes(r, 4);
    return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint64_t sp_nwread_u64(struct sp_nwread *r)
{
    uint64_t hi = sp_nwread_u32(r);
    return hi << 32 | sp_nwread_u32(r);
}

void sp_nwread_str(struct sp_nwread *r, char *out, size_t cap)
{
    size_t n = sp_nwread_u16(r);
    const uint8_t *p = sp_nwread_bytes(r, n);
    if (!p || n >= cap || memchr(p, 0, n)) {
        r->ok = false;
        out[0] = '\0';
        return;
    }
    memcpy(out, p, n);
    out[n] = '\0';
}

/* ---- frame bodies ------------------------------------------------------- */

static bool at_end(const struct sp_nwread *r)
{
    return r->ok && r->left == 0;
}

bool sp_nw_get_msg(const uint8_t *body, size_t len, size_t npeers, struct sp_nw_msg *m)
{
    struct sp_nwread r = {body, len, true};
    m->peer = sp_nwread_u8(&r);
    m->flags = sp_nwread_u8(&r);
    m->code = (int32_t)sp_nwread_u32(&r);
    m->rid_len = sp_nwread_u8(&r);
    m->rid = sp_nwread_bytes(&r, m->rid_len);
    if (!m->rid || (m->peer != SP_NW_PEER_NONE && m->peer >= npeers) ||
        r.left > SP_PEER_MSG_MAX_BYTES || ((m->flags & SP_NW_MSG_REJECTED) && r.left))
        return false;
    m->data = r.left ? r.p : NULL;
    m->len = r.left;
    return true;
}

bool sp_nw_get_link(const uint8_t *body, size_t len, size_t npeers, unsigned *peer, bool *up)
{
    struct sp_nwread r = {body, len, true};
    unsigned i = sp_nwread_u8(&r), u = sp_nwread_u8(&r);
    if (!at_end(&r) || i >= npeers || u > 1)
        return false;
    *peer = i;
    *up = u;
    return true;
}

bool sp_nw_get_refused(const uint8_t *body, size_t len, const uint8_t **key, char *why, size_t cap)
{
    struct sp_nwread r = {body, len, true};
    unsigned has_key = sp_nwread_u8(&r);
    const uint8_t *k = sp_nwread_bytes(&r, 32);
    sp_nwread_str(&r, why, cap);
    if (!at_end(&r) || has_key > 1)
        return false;
    *key = has_key ? k : NULL;
    return true;
}

bool sp_nw_get_stats(const uint8_t *body, size_t len, size_t npeers, struct sp_nw_stats *s)
{
    struct sp_nwread r = {body, len, true};
    s->refused = sp_nwread_u64(&r);
    s->n = sp_nwread_u8(&r);
    if (s->n > npeers || s->n > SP_CONFIG_MAX_PEERS)
        return false;
    for (size_t i = 0; i < s->n; i++)
        s->queued[i] = sp_nwread_u32(&r);
    return at_end(&r);
}

bool sp_nw_get_ready(const uint8_t *body, size_t len, int32_t *rc)
{
    struct sp_nwread r = {body, len, true};
    *rc = (int32_t)sp_nwread_u32(&r);
    return at_end(&r);
}

bool sp_nw_get_peers(struct sp_nwread *r, struct sp_config *cfg)
{
    /* read aside, put in force whole: a refused list leaves cfg as it was */
    struct sp_config_peer got[SP_CONFIG_MAX_PEERS];
    size_t n = sp_nwread_u8(r);
    if (!r->ok || n > SP_CONFIG_MAX_PEERS || n < cfg->npeers)
        return false;
    for (size_t i = 0; i < n && r->ok; i++) {
        sp_nwread_str(r, got[i].name, sizeof got[i].name);
        sp_nwread_str(r, got[i].endpoint, sizeof got[i].endpoint);
        const uint8_t *k = sp_nwread_bytes(r, SP_CONFIG_KEY_BYTES);
        if (k)
            memcpy(got[i].curve_pk, k, SP_CONFIG_KEY_BYTES);
    }
    if (!at_end(r))
        return false;
    for (size_t i = 0; i < n; i++) {
        struct sp_config_peer *p = &cfg->peers[i];
        memcpy(p->name, got[i].name, sizeof p->name);
        memcpy(p->endpoint, got[i].endpoint, sizeof p->endpoint);
        memcpy(p->curve_pk, got[i].curve_pk, sizeof p->curve_pk);
    }
    cfg->npeers = n;
    return true;
}

bool sp_nw_get_admit(const uint8_t *body, size_t len, struct sp_nw_admit *a)
{
    struct sp_nwread r = {body, len, true};
    a->n = sp_nwread_u8(&r);
    if (a->n > SP_CONFIG_MAX_PEERS)
        return false;
    for (size_t i = 0; i < a->n && r.ok; i++) {
        unsigned ok = sp_nwread_u8(&r);
        a->admitted[i] = ok != 0;
        sp_nwread_str(&r, a->why[i], sizeof a->why[i]);
        if (ok > 1)
            return false;
    }
    return at_end(&r);
}

bool sp_nw_get_send(const uint8_t *body, size_t len, unsigned *peer, const uint8_t **data,
                    size_t *dlen)
{
    struct sp_nwread r = {body, len, true};
    *peer = sp_nwread_u8(&r);
    if (!r.ok)
        return false;
    *data = r.p;
    *dlen = r.left;
    return true;
}

bool sp_nw_get_reply(const uint8_t *body, size_t len, const uint8_t **rid, size_t *rid_len,
                     const uint8_t **data, size_t *dlen)
{
    struct sp_nwread r = {body, len, true};
    *rid_len = sp_nwread_u8(&r);
    *rid = sp_nwread_bytes(&r, *rid_len);
    if (!*rid || r.left > SP_PEER_MSG_MAX_BYTES)
        return false;
    *data = r.p;
    *dlen = r.left;
    return true;
}

bool sp_nw_get_init(const uint8_t *body, size_t len, struct sp_config *cfg, int *level,
                    char *public_z85, char *secret_z85, size_t zcap)
{
    struct sp_nwread r = {body, len, true};
    *level = sp_nwread_u8(&r);
    sp_nwread_str(&r, cfg->listen, sizeof cfg->listen);
    sp_nwread_str(&r, cfg->node, sizeof cfg->node);
    sp_nwread_str(&r, public_z85, zcap);
    sp_nwread_str(&r, secret_z85, zcap);
    return sp_nw_get_peers(&r, cfg); /* the last field: it checks the end */
}
