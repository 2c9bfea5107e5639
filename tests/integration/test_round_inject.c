/*
 * A hostile but authenticated peer, for test_round_faults.sh: it holds a
 * CURVE key that the node under test has configured (as peer "injector"),
 * connects to the node's listener and sends what no honest node would:
 * garbage, truncated and oversized frames, a wrong version, an unknown
 * type, a multipart message, a well-formed message for a round that does
 * not exist, a replayed proposal. Built by the test script itself (cc,
 * libzmq, libsodium, and the build's proto and common libraries).
 *
 *   test_round_inject keys                prints "curve_key = Z85" and
 *                                          "sign_key = BASE64" config lines,
 *                                          and the secret on the 3rd line
 *   test_round_inject propose ENDPOINT SERVER_PUBLIC SECRET_Z85 ROUND_ID A,B
 *                                          sends a well-formed PROPOSE for
 *                                          round ROUND_ID (32 hex digits)
 *                                          among participants A and B (a
 *                                          replay when the id was used)
 *   test_round_inject strangers ENDPOINT SERVER_PUBLIC N
 *                                          N connections, each with a fresh
 *                                          key the node does not know (all
 *                                          refused by its ZAP handler)
 *   test_round_inject send ENDPOINT SERVER_PUBLIC SECRET_Z85
 *                                          sends the corpus to the node whose
 *                                          public text (`snijpunt init`'s
 *                                          line) is SERVER_PUBLIC; prints
 *                                          "errors N" (ERROR replies seen)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <time.h>
#include <zmq.h>

#include "common/roundid.h"
#include "proto/peer.h"
#include "proto/proposal.h"

#define PEER_MSG_MAX (2u * 1024u * 1024u) /* SP_PEER_MSG_MAX_BYTES */

static int keys(void)
{
    char pub[41], sec[41], b64[64];
    uint8_t spk[crypto_sign_PUBLICKEYBYTES], ssk[crypto_sign_SECRETKEYBYTES];
    if (zmq_curve_keypair(pub, sec) != 0)
        return 1;
    crypto_sign_keypair(spk, ssk);
    sodium_bin2base64(b64, sizeof(b64), spk, sizeof(spk), sodium_base64_VARIANT_ORIGINAL);
    printf("curve_key = %s\nsign_key = %s\n%s\n", pub, b64, sec);
    return 0;
}

/* The CURVE half of "snijpunt-public-v1:" + base64(sign_pk || curve_pk). */
static int server_key(const char *text, uint8_t key[32])
{
    static const char prefix[] = "snijpunt-public-v1:";
    uint8_t both[64];
    size_t len = 0;
    if (strncmp(text, prefix, sizeof(prefix) - 1) != 0 ||
        sodium_base642bin(both, sizeof(both), text + sizeof(prefix) - 1,
                          strlen(text) - (sizeof(prefix) - 1), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != sizeof(both))
        return -1;
    memcpy(key, both + 32, 32);
    return 0;
}

static void *client(void *ctx, const char *ep, const uint8_t server[32], const char *secret)
{
    char pub[41];
    int zero = 0, timeout = 2000;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s || zmq_curve_public(pub, secret) != 0)
        return NULL;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 32);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret, 40);
    if (zmq_connect(s, ep) != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Counts the replies that arrive within the receive timeout. */
static int drain(void *s)
{
    int n = 0;
    char buf[4096];
    while (zmq_recv(s, buf, sizeof(buf), 0) >= 0)
        n++;
    return n;
}

static int send_corpus(const char *ep, const char *public_text, const char *secret)
{
    uint8_t server[32];
    if (server_key(public_text, server) != 0) {
        fprintf(stderr, "test_round_inject: not a snijpunt public key text\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *s = client(ctx, ep, server, secret);
    if (!s)
        return 1;
    /* msgpack by hand: [2, 6, bin16 round id, origin, key type, seq, kind] is a
     * well-formed CREDIT; the rest are broken variants (wrong_version: a
     * START of a version 1 peer, from before PROGRESS). */
    static const uint8_t credit[] = {0x97, 0x02, 0x06, 0xc4, 0x10, 1,  2,  3,  4, 5, 6, 7, 8,
                                     9,    10,   11,   12,   13,   14, 15, 16, 0, 1, 0, 5};
    static const uint8_t wrong_version[] = {0x93, 0x01, 0x04, 0xc4, 0x10, 0, 0, 0, 0, 0,
                                            0,    0,    0,    0,    0,    0, 0, 0, 0, 0};
    static const uint8_t unknown_type[] = {0x93, 0x02, 0x63, 0xc4, 0x10, 0, 0, 0, 0, 0,
                                           0,    0,    0,    0,    0,    0, 0, 0, 0, 0};
    static const uint8_t not_array[] = {0xa5, 'h', 'e', 'l', 'l', 'o'};
    uint8_t garbage[512];
    randombytes_buf(garbage, sizeof(garbage));
    garbage[0] = 0xc1; /* never valid msgpack */
    zmq_send(s, garbage, sizeof(garbage), 0);
    zmq_send(s, credit, 12, 0); /* truncated */
    zmq_send(s, wrong_version, sizeof(wrong_version), 0);
    zmq_send(s, unknown_type, sizeof(unknown_type), 0);
    zmq_send(s, not_array, sizeof(not_array), 0);
    zmq_send(s, "", 0, 0);
    uint8_t trailing[sizeof(credit) + 1];
    memcpy(trailing, credit, sizeof(credit));
    trailing[sizeof(credit)] = 0;
    zmq_send(s, trailing, sizeof(trailing), 0);
    zmq_send(s, credit, sizeof(credit), ZMQ_SNDMORE); /* multipart */
    zmq_send(s, credit, sizeof(credit), 0);
    zmq_send(s, credit, sizeof(credit), 0); /* well-formed, unknown round */
    int errors = drain(s);
    /* Oversized: ZeroMQ drops the connection before any decoding. */
    size_t big = PEER_MSG_MAX + 65536;
    uint8_t *huge = calloc(1, big);
    if (huge) {
        huge[0] = 0x97;
        zmq_send(s, huge, big, 0);
        free(huge);
    }
    errors += drain(s);
    zmq_close(s);
    /* Still admitted afterwards: a fresh connection is answered again. */
    s = client(ctx, ep, server, secret);
    if (s) {
        zmq_send(s, credit, sizeof(credit), 0);
        errors += drain(s);
        zmq_close(s);
    }
    zmq_ctx_term(ctx);
    printf("errors %d\n", errors);
    return 0;
}

static int propose(const char *ep, const char *public_text, const char *secret, const char *hex,
                   const char *names)
{
    static struct sp_proposal p;
    static uint8_t prop[SP_PROPOSAL_MAX_BYTES];
    uint8_t server[32], *msg = NULL;
    size_t plen = 0, mlen = 0;
    char a[65] = "", b[65] = "";
    if (server_key(public_text, server) != 0 ||
        sscanf(names, "%64[a-z0-9-],%64[a-z0-9-]", a, b) != 2 ||
        sp_round_id_parse(hex, p.round_id) != 0)
        return 2;
    snprintf(p.coordinator, sizeof(p.coordinator), "injector");
    snprintf(p.case_ref, sizeof(p.case_ref), "REPLAY");
    snprintf(p.purpose, sizeof(p.purpose), "replay test");
    p.nparticipants = 2;
    snprintf(p.participants[0].name, sizeof(p.participants[0].name), "%s", a);
    snprintf(p.participants[1].name, sizeof(p.participants[1].name), "%s", b);
    for (int i = 0; i < 2; i++) {
        snprintf(p.participants[i].legal_basis, sizeof(p.participants[i].legal_basis), "test");
        p.participants[i].key_types = 1u << 1; /* bsn */
    }
    p.min_holders = 2;
    p.mode = SP_PROPOSAL_MODE_PARTNERS;
    p.max_set_size = 1000000;
    p.created_at = (uint64_t)time(NULL);
    p.expires_at = p.created_at + 600;
    p.deadline_s = 30;
    struct sp_peer_msg m = {.type = SP_PEER_PROPOSE};
    memcpy(m.round_id, p.round_id, sizeof(m.round_id));
    if (sp_proposal_encode(&p, prop, sizeof(prop), &plen) != 0)
        return 3;
    m.propose.proposal = prop;
    m.propose.proposal_len = plen;
    if (sp_peer_encode_alloc(&m, &msg, &mlen) != 0)
        return 3;
    void *ctx = zmq_ctx_new();
    void *s = client(ctx, ep, server, secret);
    int rc = s && zmq_send(s, msg, mlen, 0) == (int)mlen ? 0 : 1;
    if (s) {
        drain(s);
        zmq_close(s);
    }
    zmq_ctx_term(ctx);
    free(msg);
    return rc;
}

static int strangers(const char *ep, const char *public_text, const char *count)
{
    uint8_t server[32];
    char pub[41], sec[41];
    long n = strtol(count, NULL, 10);
    if (server_key(public_text, server) != 0 || n < 1 || n > 1000) {
        fprintf(stderr, "bad server key or count\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void **s = calloc((size_t)n, sizeof(*s));
    if (!ctx || !s || zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)n + 16) != 0)
        return 1;
    for (long i = 0; i < n; i++) {
        if (zmq_curve_keypair(pub, sec) != 0 || !(s[i] = client(ctx, ep, server, sec)))
            return 1;
        if (i % 50 == 49) /* let the handshakes happen in bursts, as a scanner's would */
            nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    nanosleep(&(struct timespec){2, 0}, NULL);
    for (long i = 0; i < n; i++)
        zmq_close(s[i]);
    free(s);
    zmq_ctx_term(ctx);
    printf("strangers %ld\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    if (argc == 2 && strcmp(argv[1], "keys") == 0)
        return keys();
    if (argc == 5 && strcmp(argv[1], "send") == 0)
        return send_corpus(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "strangers") == 0)
        return strangers(argv[2], argv[3], argv[4]);
    if (argc == 7 && strcmp(argv[1], "propose") == 0)
        return propose(argv[2], argv[3], argv[4], argv[5], argv[6]);
    fprintf(stderr, "usage: test_round_inject keys | send ENDPOINT SERVER_PUBLIC SECRET_Z85 |\n"
                    "       strangers ENDPOINT SERVER_PUBLIC N |\n"
                    "       propose ENDPOINT SERVER_PUBLIC SECRET_Z85 ROUND_ID A,B\n");
    return 2;
}
