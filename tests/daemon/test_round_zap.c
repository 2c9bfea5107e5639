/*
 * The ZAP decision (daemon/zap.h) on well-formed and malformed requests, and
 * the worker pool (daemon/worker.h): every job comes back, cancelled jobs do
 * not run, the eventfd signals completions.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/worker.h"
#include "daemon/zap.h"

static const struct sp_zap_peer peers[] = {
    {.name = "politie-mn", .curve_pk = {1, 2, 3}},
    {.name = "belasting", .curve_pk = {9, 9, 9, 9}},
};

struct req_spec {
    const char *frames[8];
    int nframes;
    const uint8_t *key; /* replaces frame 6 when set */
    size_t keylen;
};

static void build(const struct req_spec *s, struct sp_zap_request *r)
{
    memset(r, 0, sizeof(*r));
    r->nframes = (size_t)s->nframes;
    for (int i = 0; i < s->nframes; i++) {
        if (i == 6 && s->key) {
            r->frame[i] = s->key;
            r->len[i] = s->keylen;
        } else {
            r->frame[i] = (const uint8_t *)s->frames[i];
            r->len[i] = strlen(s->frames[i]);
        }
    }
}

static void test_decide(void **state)
{
    (void)state;
    uint8_t known[32] = {9, 9, 9, 9}, other[32] = {7};
    static const char *D = SP_ZAP_DOMAIN;
    const struct {
        struct req_spec s;
        const char *code;
        int peer;
        bool have_key;
    } t[] = {
        {{{"1.0", "1", D, "127.0.0.1", "", "CURVE", "k"}, 7, known, 32}, "200", 1, true},
        {{{"1.0", "1", D, "127.0.0.1", "", "CURVE", "k"}, 7, other, 32}, "400", -1, true},
        {{{"1.0", "1", "other", "127.0.0.1", "", "CURVE", "k"}, 7, known, 32}, "400", -1, true},
        {{{"1.0", "1", D, "127.0.0.1", "", "PLAIN", "u", "p"}, 8, NULL, 0}, "400", -1, false},
        {{{"1.0", "1", D, "127.0.0.1", "", "NULL"}, 6, NULL, 0}, "400", -1, false},
        {{{"1.0", "1", D, "127.0.0.1", "", "CURVE", "k"}, 7, known, 31}, "500", -1, false},
        {{{"1.0", "1", D, "127.0.0.1", "", "CURVE"}, 6, NULL, 0}, "500", -1, false},
        {{{"2.0", "1", D, "127.0.0.1", "", "CURVE", "k"}, 7, known, 32}, "500", -1, false},
        {{{"1.0", "1", D}, 3, NULL, 0}, "500", -1, false},
        {{{0}, 0, NULL, 0}, "500", -1, false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct sp_zap_request r;
        struct sp_zap_decision d;
        build(&t[i].s, &r);
        sp_zap_decide(&r, peers, 2, &d);
        if (strcmp(d.status_code, t[i].code) != 0 || d.peer != t[i].peer ||
            d.have_key != t[i].have_key)
            fail_msg("case %zu: got %s peer %d key %d (%s)", i, d.status_code, d.peer, d.have_key,
                     d.status_text);
        assert_non_null(d.status_text);
    }
    /* no peers configured: nobody is admitted */
    struct sp_zap_request r;
    struct sp_zap_decision d;
    build(&t[0].s, &r);
    sp_zap_decide(&r, peers, 0, &d);
    assert_string_equal(d.status_code, "400");
}

static void test_fingerprint(void **state)
{
    (void)state;
    uint8_t k[32] = {0};
    char fp[17];
    sp_zap_fingerprint(k, fp);
    /* SHA-256 of 32 zero bytes starts 66687aadf862bd77 */
    assert_string_equal(fp, "66687aadf862bd77");
}

/* ---- workers ------------------------------------------------------------ */

struct job {
    struct sp_job base;
    int in, out;
};

static void square(struct sp_job *b)
{
    struct job *j = (struct job *)b;
    j->out = j->in * j->in;
}

static void wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 10000), 1);
}

static void test_workers(void **state)
{
    (void)state;
    struct sp_workers *w = NULL;
    assert_int_equal(sp_workers_new(0, &w), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_workers_new(SP_WORKERS_MAX + 1, &w), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_workers_new(3, &w), 0);
    assert_int_equal(sp_workers_count(w), 3);
    enum { N = 200 };
    static struct job jobs[N];
    for (int i = 0; i < N; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].base.run = square;
        jobs[i].in = i;
        jobs[i].out = -1;
        if (i % 10 == 0)
            atomic_store(&jobs[i].base.cancelled, true);
        sp_workers_submit(w, &jobs[i].base);
    }
    assert_int_equal(sp_workers_outstanding(w), N);
    int back = 0, ran = 0;
    while (back < N) {
        wait_readable(sp_workers_fd(w));
        for (struct sp_job *j = sp_workers_take(w); j; j = j->next) {
            struct job *jj = (struct job *)j;
            back++;
            if (jj->in % 10 == 0) {
                assert_int_equal(j->ran, 0);
                assert_int_equal(jj->out, -1);
            } else {
                assert_int_equal(j->ran, 1);
                assert_int_equal(jj->out, jj->in * jj->in);
                ran++;
            }
        }
    }
    assert_int_equal(ran, N - N / 10);
    assert_int_equal(sp_workers_outstanding(w), 0);
    assert_null(sp_workers_take(w));
    sp_workers_free(&w);
    assert_null(w);
    sp_workers_free(&w);
    assert_true(sp_workers_default_count() >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
