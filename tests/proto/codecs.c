/*
 * One descriptor per message family (peer, control request, control reply,
 * proposal), so that the checks every family needs -- golden bytes, round
 * trips, small buffers, refused encodings, the rejection battery -- are
 * written once and run on all of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

/* Large enough for every sample; the limit tests use encode_alloc. */
#define SAMPLE_MAX_BYTES 65536

/* ---- adapters ---- */

static int peer_enc(const void *m, uint8_t *buf, size_t cap, size_t *len)
{
    return sp_peer_encode(m, buf, cap, len);
}
static int peer_enc_alloc(const void *m, uint8_t **out, size_t *len)
{
    return sp_peer_encode_alloc(m, out, len);
}
static int peer_dec(const uint8_t *buf, size_t len, void *m)
{
    return sp_peer_decode(buf, len, m);
}
static void peer_clear(void *m)
{
    sp_peer_msg_clear(m);
}
static bool peer_eq(const void *a, const void *b)
{
    return peer_equal(a, b);
}

static int req_enc(const void *q, uint8_t *buf, size_t cap, size_t *len)
{
    return sp_ctl_request_encode(q, buf, cap, len);
}
static int req_enc_alloc(const void *q, uint8_t **out, size_t *len)
{
    return sp_ctl_request_encode_alloc(q, out, len);
}
static int req_dec(const uint8_t *buf, size_t len, void *q)
{
    return sp_ctl_request_decode(buf, len, q);
}
static bool req_eq(const void *a, const void *b)
{
    return request_equal(a, b);
}

static int rep_enc(const void *r, uint8_t *buf, size_t cap, size_t *len)
{
    return sp_ctl_reply_encode(r, buf, cap, len);
}
static int rep_enc_alloc(const void *r, uint8_t **out, size_t *len)
{
    return sp_ctl_reply_encode_alloc(r, out, len);
}
static int rep_dec(const uint8_t *buf, size_t len, void *r)
{
    return sp_ctl_reply_decode(buf, len, r);
}
static void rep_clear(void *r)
{
    sp_ctl_reply_clear(r);
}
static bool rep_eq(const void *a, const void *b)
{
    return reply_equal(a, b);
}

static int prop_enc(const void *p, uint8_t *buf, size_t cap, size_t *len)
{
    return sp_proposal_encode(p, buf, cap, len);
}
static int prop_dec(const uint8_t *buf, size_t len, void *p)
{
    return sp_proposal_decode(buf, len, p);
}
static bool prop_eq(const void *a, const void *b)
{
    return proposal_equal(a, b);
}

const struct codec peer_codec = {
    "peer", sizeof(struct sp_peer_msg), peer_enc, peer_enc_alloc, peer_dec, peer_clear, peer_eq};
const struct codec request_codec = {"control request",
                                    sizeof(struct sp_ctl_request),
                                    req_enc,
                                    req_enc_alloc,
                                    req_dec,
                                    NULL,
                                    req_eq};
const struct codec reply_codec = {
    "control reply", sizeof(struct sp_ctl_reply), rep_enc, rep_enc_alloc, rep_dec, rep_clear,
    rep_eq};
const struct codec proposal_codec = {
    "proposal", sizeof(struct sp_proposal), prop_enc, NULL, prop_dec, NULL, prop_eq};

/* ---- shared checks ---- */

int codec_decode(const struct codec *c, const uint8_t *buf, size_t len)
{
    /* On the heap, exactly the struct's size, so ASan sees any write beyond. */
    void *m = malloc(c->size);
    int err;

    assert_non_null(m);
    err = c->decode(buf, len, m);
    if (c->clear != NULL)
        c->clear(m);
    free(m);
    return err;
}

/* decode(b) gives back every field of m, and encoding that gives back b. */
static void check_round_trip(const struct codec *c, const char *name, const void *m,
                             const uint8_t *b, size_t blen)
{
    void *d = calloc(1, c->size);
    uint8_t *again = malloc(SAMPLE_MAX_BYTES);
    size_t len = 0;

    assert_non_null(d);
    assert_non_null(again);
    assert_int_equal(c->decode(b, blen, d), 0);
    if (!c->equal(m, d))
        fail_msg("%s %s: decoded fields differ from the sample", c->family, name);
    assert_int_equal(c->encode(d, again, SAMPLE_MAX_BYTES, &len), 0);
    assert_int_equal(len, blen);
    assert_memory_equal(again, b, len);
    if (c->clear != NULL)
        c->clear(d);
    free(again);
    free(d);
}

void check_golden(const struct codec *c, const char *name, const char *comment, const void *m)
{
    uint8_t *buf = malloc(SAMPLE_MAX_BYTES), *abuf = NULL, *fx;
    size_t len = 0, alen = 0, fxlen;

    assert_non_null(buf);
    assert_int_equal(c->encode(m, buf, SAMPLE_MAX_BYTES, &len), 0);
    fx_check(name, comment, buf, len);
    if (c->encode_alloc != NULL) {
        assert_int_equal(c->encode_alloc(m, &abuf, &alen), 0);
        assert_int_equal(alen, len);
        assert_memory_equal(abuf, buf, len);
        free(abuf);
    }
    check_round_trip(c, name, m, buf, len);
    if (!fx_writing()) {
        fx = fx_load(name, &fxlen);
        check_round_trip(c, name, m, fx, fxlen);
        free(fx);
    }
    free(buf);
}

void check_small_buffers(const struct codec *c, const void *m)
{
    uint8_t *full = malloc(SAMPLE_MAX_BYTES);
    size_t len = 0;

    assert_non_null(full);
    assert_int_equal(c->encode(m, full, SAMPLE_MAX_BYTES, &len), 0);
    for (size_t cap = 0; cap < len; cap++) {
        /* Exactly cap bytes, so ASan sees any write beyond. */
        uint8_t *b = malloc(cap ? cap : 1);
        size_t l2 = 99;
        assert_non_null(b);
        assert_int_equal(c->encode(m, b, cap, &l2), SP_ERR_OVERFLOW);
        assert_int_equal(l2, 99); /* untouched on error */
        free(b);
    }
    free(full);
}

void check_encode_result(const struct codec *c, const void *m, int want)
{
    uint8_t *buf = malloc(SAMPLE_MAX_BYTES), *abuf = NULL;
    size_t len = 12345, alen = 0;

    assert_non_null(buf);
    assert_int_equal(c->encode(m, buf, SAMPLE_MAX_BYTES, &len), want);
    if (want != 0)
        assert_int_equal(len, 12345); /* untouched on error */
    if (c->encode_alloc != NULL) {
        assert_int_equal(c->encode_alloc(m, &abuf, &alen), want);
        if (want != 0)
            assert_null(abuf);
        free(abuf);
    }
    free(buf);
}

void reject_fixture(const struct codec *c, const char *name)
{
    size_t len;
    uint8_t *fx = fx_load(name, &len);

    reject_battery(name, fx, len, c);
    free(fx);
}
