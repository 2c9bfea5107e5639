/*
 * The peer transport (daemon/peer.h) over real CURVE connections on
 * loopback: a configured peer's message arrives attributed to its name, a
 * reply goes back on the same connection; a node whose key is not
 * configured is refused by ZAP; a node that pins the wrong server key never
 * completes its handshake; a multipart message is flagged; an oversized
 * frame never reaches the receiver and the listener keeps serving.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "crypto/group.h"
#include "crypto/identity.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/peer.h"
#include "proto/peer.h"

#define NNODES 4 /* a, b, c (unknown to b), a2 (a's key, wrong key for b) */

struct node {
    struct sp_config *cfg;
    struct sp_identity *id;
    void *zctx;
    struct sp_peers *peers;
    /* what arrived */
    int got;
    int last_peer;
    char last[64];
    bool last_extra;
    struct sp_peer_in last_in;
};

static struct node nodes[NNODES];

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void add_peer(struct sp_config *c, const char *name, int port, const struct sp_identity *id)
{
    struct sp_config_peer *p = &c->peers[c->npeers++];
    struct sp_identity_public pub;
    sp_identity_public(id, &pub);
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->endpoint, sizeof(p->endpoint), "tcp://127.0.0.1:%d", port);
    memcpy(p->curve_pk, pub.curve_pk, sizeof(p->curve_pk));
}

static void on_recv(void *ctx, const struct sp_peer_in *in)
{
    struct node *n = ctx;
    n->got++;
    n->last_peer = in->peer;
    n->last_extra = in->extra_frames;
    size_t len = in->len < sizeof(n->last) - 1 ? in->len : sizeof(n->last) - 1;
    memcpy(n->last, in->data, len);
    n->last[len] = '\0';
    n->last_in = *in;
}

/* Polls every node's sockets until cond() or the time limit. */
static bool pump(bool (*cond)(void), int limit_ms)
{
    uint64_t end = now_ms() + (uint64_t)limit_ms;
    while (now_ms() < end) {
        zmq_pollitem_t items[NNODES][SP_PEERS_POLLITEMS(4)];
        size_t n[NNODES];
        for (int i = 0; i < NNODES; i++)
            n[i] = sp_peers_pollitems(nodes[i].peers, items[i], SP_PEERS_POLLITEMS(4));
        for (int i = 0; i < NNODES; i++) {
            zmq_poll(items[i], (int)n[i], 5);
            sp_peers_dispatch(nodes[i].peers, items[i], n[i], now_ms(), on_recv, NULL, &nodes[i]);
        }
        if (cond && cond())
            return true;
    }
    return cond ? cond() : true;
}

static void setup_node(int i, const char *name, int port)
{
    struct node *n = &nodes[i];
    n->cfg = calloc(1, sizeof(*n->cfg));
    assert_non_null(n->cfg);
    snprintf(n->cfg->node, sizeof(n->cfg->node), "%s", name);
    snprintf(n->cfg->listen, sizeof(n->cfg->listen), "tcp://127.0.0.1:%d", port);
    n->zctx = zmq_ctx_new();
    n->last_peer = -9;
}

static int group_setup(void **state)
{
    (void)state;
    sp_log_init(SP_LOG_ERROR);
    assert_int_equal(sp_crypto_init(), 0);
    int pa = free_port(), pb = free_port(), pc = free_port(), pa2 = free_port();
    setup_node(0, "a", pa);
    setup_node(1, "b", pb);
    setup_node(2, "c", pc);
    setup_node(3, "a", pa2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sp_identity_generate(&nodes[i].id), 0);
    nodes[3].id = NULL;
    add_peer(nodes[0].cfg, "b", pb, nodes[1].id);
    add_peer(nodes[1].cfg, "a", pa, nodes[0].id);
    add_peer(nodes[2].cfg, "b", pb, nodes[1].id);
    add_peer(nodes[3].cfg, "b", pb, nodes[2].id); /* pins c's key for b: a mismatch */
    for (int i = 0; i < NNODES; i++)
        assert_int_equal(sp_peers_new(nodes[i].cfg, nodes[i < 3 ? i : 0].id, nodes[i].zctx,
                                      now_ms(), &nodes[i].peers),
                         0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NNODES; i++) {
        sp_peers_free(&nodes[i].peers);
        zmq_ctx_term(nodes[i].zctx);
        sp_identity_free(&nodes[i].id);
        free(nodes[i].cfg);
    }
    return 0;
}

static uint8_t *dup_text(const char *s)
{
    uint8_t *b = malloc(strlen(s));
    memcpy(b, s, strlen(s));
    return b;
}

static int b_want;

static bool b_reached(void)
{
    return nodes[1].got >= b_want;
}

static bool a_got_reply(void)
{
    return nodes[0].got >= 1;
}

/* a sees its link to b up: a's monitor events are handled on a's turn of
 * pump(), which may come after b already has the message (under load). */
static bool a_sees_b(void)
{
    return sp_peers_up(nodes[0].peers, 0, NULL);
}

static void test_configured_peer(void **state)
{
    (void)state;
    assert_int_equal(sp_peers_send(nodes[0].peers, 0, dup_text("hello"), 5), 0);
    b_want = 1;
    assert_true(pump(b_reached, 10000));
    assert_string_equal(nodes[1].last, "hello");
    assert_int_equal(nodes[1].last_peer, 0); /* b's peer 0 is a */
    assert_false(nodes[1].last_extra);
    assert_true(nodes[1].last_in.via_router);
    assert_true(pump(a_sees_b, 10000));
    /* a reply goes back on the connection it came in on */
    sp_peers_reply(nodes[1].peers, &nodes[1].last_in, dup_text("back"), 4);
    assert_true(pump(a_got_reply, 10000));
    assert_string_equal(nodes[0].last, "back");
    assert_int_equal(nodes[0].last_peer, 0); /* a's peer 0 is b */
    assert_false(nodes[0].last_in.via_router);
    assert_int_equal(sp_peers_find(nodes[0].peers, "b"), 0);
    assert_int_equal(sp_peers_find(nodes[0].peers, "zz"), -1);
    assert_string_equal(sp_peers_name(nodes[0].peers, 0), "b");
}

static bool refused(void)
{
    return sp_peers_refused(nodes[1].peers) >= 1;
}

static void test_unknown_and_mismatch(void **state)
{
    (void)state;
    int before = nodes[1].got;
    assert_int_equal(sp_peers_send(nodes[2].peers, 0, dup_text("from-c"), 6), 0);
    assert_int_equal(sp_peers_send(nodes[3].peers, 0, dup_text("from-a2"), 7), 0);
    assert_true(pump(refused, 10000));
    pump(NULL, 1500); /* give any wrongly admitted message time to arrive */
    assert_int_equal(nodes[1].got, before);
    assert_false(sp_peers_up(nodes[2].peers, 0, NULL));
    assert_false(sp_peers_up(nodes[3].peers, 0, NULL));
    /* their messages wait in ZeroMQ's queue, never delivered */
}

/* A raw CURVE client with a's key, to send what sp_peers never would. */
static void *raw_client(void)
{
    void *s = zmq_socket(nodes[0].zctx, ZMQ_DEALER);
    char pub[41], sec[41];
    int zero = 0;
    assert_int_equal(sp_identity_curve_public_z85(nodes[0].id, pub), 0);
    assert_int_equal(sp_identity_curve_secret_z85(nodes[0].id, sec), 0);
    struct sp_identity_public bpub;
    sp_identity_public(nodes[1].id, &bpub);
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, bpub.curve_pk, 32);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
    assert_int_equal(zmq_connect(s, nodes[1].cfg->listen), 0);
    return s;
}

static void test_multipart_and_oversized(void **state)
{
    (void)state;
    void *s = raw_client();
    int before = nodes[1].got;
    assert_int_equal(zmq_send(s, "part1", 5, ZMQ_SNDMORE), 5);
    assert_int_equal(zmq_send(s, "part2", 5, 0), 5);
    b_want = before + 1;
    assert_true(pump(b_reached, 10000));
    pump(NULL, 300);
    assert_int_equal(nodes[1].got, before + 1);
    assert_true(nodes[1].last_extra);
    assert_string_equal(nodes[1].last, "part1");
    /* a frame over the limit: the connection is dropped inside ZeroMQ */
    size_t big = SP_PEER_MSG_MAX_BYTES + 4096;
    char *junk = calloc(1, big);
    assert_int_equal(zmq_send(s, junk, big, 0), (int)big);
    free(junk);
    pump(NULL, 1500);
    assert_int_equal(nodes[1].got, before + 1);
    zmq_close(s);
    /* the listener still serves configured peers */
    assert_int_equal(sp_peers_send(nodes[0].peers, 0, dup_text("still"), 5), 0);
    b_want = before + 2;
    assert_true(pump(b_reached, 10000));
    assert_string_equal(nodes[1].last, "still");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configured_peer),
        cmocka_unit_test(test_unknown_and_mismatch),
        cmocka_unit_test(test_multipart_and_oversized),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
