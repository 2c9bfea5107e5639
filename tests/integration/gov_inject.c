/*
 * A dishonest initiator for test_gov_proposals.sh: an authenticated peer
 * (a node identity made by `snijpunt init`, with a valid certificate) that
 * sends a node PROPOSE frames an honest node would never forward: no
 * signature, a signature by another key, a proposal changed after it was
 * signed, an expired one, a replay. It tests that every participant, not
 * only the initiating node, checks a proposal. Built by the test script
 * (cc, libzmq, libsodium and the build's proto and common libraries).
 *
 *   gov_inject ENDPOINT SERVER_PUBLIC IDENTITY_KEY PROPOSAL.bin SIG.bin|- CERT.pem|-
 *
 * sends one PROPOSE (round id from the proposal) with the given signature
 * and certificate ('-': none) to the node listening at ENDPOINT whose public
 * text (`snijpunt init`'s line) is SERVER_PUBLIC, waits a moment for the
 * connection to deliver it, and exits 0 when it was sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "proto/peer.h"
#include "proto/proposal.h"

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    if (strcmp(path, "-") == 0)
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* The CURVE half of "snijpunt-public-v1:" + base64(sign_pk || curve_pk). */
static int server_key(const char *text, uint8_t key[32])
{
    static const char prefix[] = "snijpunt-public-v1:";
    uint8_t both[64];
    size_t len = 0, tl = strcspn(text, "\n");
    if (strncmp(text, prefix, sizeof(prefix) - 1) != 0 ||
        sodium_base642bin(both, sizeof(both), text + sizeof(prefix) - 1, tl - (sizeof(prefix) - 1),
                          NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != sizeof(both))
        return -1;
    memcpy(key, both + 32, 32);
    return 0;
}

/* The CURVE secret of an identity key file ("curve-secret <base64>"). */
static int curve_secret(const char *path, uint8_t sk[32])
{
    char text[512];
    size_t n = read_file(path, (uint8_t *)text, sizeof(text) - 1), len = 0;
    text[n] = '\0';
    const char *p = strstr(text, "curve-secret ");
    if (!p)
        return -1;
    p += strlen("curve-secret ");
    return sodium_base642bin(sk, 32, p, strcspn(p, "\n"), NULL, &len, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
                   len == 32
               ? 0
               : -1;
}

static void *connect_to(void *ctx, const char *ep, const uint8_t server[32], const uint8_t sk[32])
{
    char spub[41], mypub[41], mysec[41];
    uint8_t pk[32];
    int linger = 1000;
    crypto_scalarmult_base(pk, sk);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s || !zmq_z85_encode(spub, server, 32) || !zmq_z85_encode(mypub, pk, 32) ||
        !zmq_z85_encode(mysec, sk, 32) || zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, spub, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, mypub, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, mysec, 40) != 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) != 0 || zmq_connect(s, ep) != 0)
        return NULL;
    sodium_memzero(mysec, sizeof(mysec));
    return s;
}

int main(int argc, char **argv)
{
    static uint8_t prop[SP_PROPOSAL_MAX_BYTES + 1], cert[8193];
    uint8_t sig[65], server[32], sk[32], *msg = NULL;
    size_t mlen = 0;
    struct sp_proposal p;
    if (argc != 7 || sodium_init() < 0) {
        fprintf(stderr,
                "usage: gov_inject ENDPOINT SERVER_PUBLIC IDENTITY_KEY PROPOSAL SIG CERT\n");
        return 2;
    }
    size_t plen = read_file(argv[4], prop, sizeof(prop));
    size_t slen = read_file(argv[5], sig, sizeof(sig));
    size_t clen = read_file(argv[6], cert, sizeof(cert));
    if (server_key(argv[2], server) != 0 || curve_secret(argv[3], sk) != 0 ||
        sp_proposal_decode(prop, plen, &p) != 0) {
        fprintf(stderr, "gov_inject: bad server key, identity or proposal\n");
        return 2;
    }
    struct sp_peer_msg m = {.type = SP_PEER_PROPOSE};
    memcpy(m.round_id, p.round_id, sizeof(m.round_id));
    m.propose =
        (struct sp_peer_propose){prop, plen, slen ? sig : NULL, slen, clen ? cert : NULL, clen};
    if (sp_peer_encode_alloc(&m, &msg, &mlen) != 0) {
        fprintf(stderr, "gov_inject: cannot encode PROPOSE\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *s = connect_to(ctx, argv[1], server, sk);
    int rc = s && zmq_send(s, msg, mlen, 0) == (int)mlen ? 0 : 1;
    usleep(500000); /* the handshake and the frame go out before the socket closes */
    if (s)
        zmq_close(s);
    zmq_ctx_term(ctx);
    sodium_memzero(sk, sizeof(sk));
    free(msg);
    return rc;
}
