/*
 * A node's governance on real LMDB files and certificates: what the audit
 * log records at start-up (node_start; config_change and key_change after
 * a change), a node with a revoked certificate that does not start, peer
 * refusals recorded once per window, results purged when their retention
 * ends (with an entry, the round record kept) and retention 0 purged once
 * read, and dataset loads recorded in the same transaction as the swap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "crypto/group.h"
#include "daemon/audit_log.h"
#include "daemon/config.h"
#include "daemon/gov.h"
#include "round/round_meta.h"
#include "daemon/store.h"
#include "govfix.h"

struct fix {
    struct govfix g;
    char state[300];
    struct sp_identity *id, *id2, *peer;
    struct sp_identity_public pub, pub2, peer_pub;
    uint64_t peer_serial, self_serial;
    struct sp_config *cfg;
    struct sp_store *store;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    if (!f || sp_crypto_init() != 0 || gf_init(&f->g) != 0 || sp_identity_generate(&f->id) != 0 ||
        sp_identity_generate(&f->id2) != 0 || sp_identity_generate(&f->peer) != 0)
        return -1;
    sp_identity_public(f->id, &f->pub);
    sp_identity_public(f->id2, &f->pub2);
    sp_identity_public(f->peer, &f->peer_pub);
    snprintf(f->state, sizeof f->state, "%s/state", f->g.dir);
    if (mkdir(f->state, 0700) != 0 || !(f->self_serial = gf_node(&f->g, "a", &f->pub, "a.crt")) ||
        !gf_node(&f->g, "a", &f->pub2, "a2.crt") ||
        !(f->peer_serial = gf_node(&f->g, "b", &f->peer_pub, "b.crt")) ||
        gf_crl(&f->g, &f->peer_serial, 1, 1, f->g.now - 60, f->g.now + GF_DAY, "crl.pem") != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    char p[400];
    sp_store_close(&f->store);
    sp_config_free(&f->cfg);
    const char *files[] = {"state.mdb", "state.mdb-lock", "lock"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", f->state, files[i]);
        unlink(p);
    }
    rmdir(f->state);
    sp_identity_free(&f->id);
    sp_identity_free(&f->id2);
    sp_identity_free(&f->peer);
    gf_free(&f->g);
    free(f);
    return 0;
}

/* A configuration for node a with peer b; cert names a's certificate. */
static void configure(struct fix *f, const char *cert, const char *extra)
{
    char text[4096], diag[SP_CONFIG_DIAG_BYTES], pt[256];
    size_t pl = 0;
    assert_int_equal(sp_identity_public_encode(&f->peer_pub, pt, sizeof pt, &pl), 0);
    int n = snprintf(text, sizeof text,
                     "node = a\nlisten = tcp://127.0.0.1:7000\nidentity = /k\nstate_dir = %s\n"
                     "ca_cert = %s/ca.crt\nnode_cert = %s/%s\ncrl = %s/crl.pem\ncert_dir = %s\n%s"
                     "[peer b]\nendpoint = tcp://127.0.0.1:7001\npublic_key = %.*s\n",
                     f->state, f->g.dir, f->g.dir, cert, f->g.dir, f->g.dir, extra, (int)pl, pt);
    sp_config_free(&f->cfg);
    if (sp_config_parse(text, (size_t)n, "t.conf", &f->cfg, diag, sizeof diag) != 0)
        fail_msg("%s", diag);
    if (!f->store)
        assert_int_equal(sp_store_open(f->state, UINT64_C(32) << 20, &f->store), 0);
}

struct types {
    int type[64];
    size_t n;
    struct sp_audit_entry *last;
};

static int type_fn(void *ctx, uint64_t seq, const uint8_t *rec, size_t len)
{
    struct types *t = ctx;
    struct sp_audit_entry *e = NULL;
    (void)seq;
    assert_int_equal(sp_audit_record_open(rec, len, NULL, &e, NULL), 0);
    if (t->n < 64)
        t->type[t->n++] = sp_audit_entry_type(e);
    sp_audit_entry_free(&t->last);
    t->last = e;
    return 0;
}

/* The types of the entries from seq on; t->last is the last entry. */
static void entries(struct sp_gov *gov, uint64_t from, struct types *t)
{
    sp_audit_entry_free(&t->last);
    memset(t, 0, sizeof *t);
    assert_int_equal(sp_audit_log_read(sp_gov_log(gov), from, 64, SIZE_MAX, type_fn, t), 0);
}

static void test_start_and_changes(void **state)
{
    struct fix *f = *state;
    struct sp_gov *gov = NULL;
    struct types t = {0};
    configure(f, "a.crt", "");
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id, 1000, &gov), 0);
    entries(gov, 0, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.type[0], SP_AUDIT_NODE_START);
    struct sp_audit_value v;
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_CONFIG_SHA256, 0, &v), 0);
    assert_memory_equal(v.bytes, f->cfg->sha256, 32);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_SIGN_PK, 0, &v), 0);
    assert_memory_equal(v.bytes, f->pub.sign_pk, 32);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_CERT_SHA256, 0, &v), 0);
    sp_gov_free(&gov, "test stop");

    /* the same configuration again: no change entries */
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id, 1000, &gov), 0);
    entries(gov, 2, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.type[0], SP_AUDIT_NODE_START);
    sp_gov_free(&gov, "test stop");

    /* another configuration */
    configure(f, "a.crt", "may_count = no\n");
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id, 1000, &gov), 0);
    entries(gov, 4, &t);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.type[1], SP_AUDIT_CONFIG_CHANGE);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_PREV_CONFIG_SHA256, 0, &v), 0);
    sp_gov_free(&gov, "test stop");

    /* new identity keys (and their certificate) */
    configure(f, "a2.crt", "may_count = no\n");
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id2, 1000, &gov), 0);
    entries(gov, 7, &t);
    assert_int_equal(t.n, 3); /* node_cert changed too: config_change, then key_change */
    assert_int_equal(t.type[1], SP_AUDIT_CONFIG_CHANGE);
    assert_int_equal(t.type[2], SP_AUDIT_KEY_CHANGE);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_SIGN_PK, 0, &v), 0);
    assert_memory_equal(v.bytes, f->pub2.sign_pk, 32);
    /* node_stop was recorded each time */
    entries(gov, 0, &t);
    assert_int_equal(t.type[1], SP_AUDIT_NODE_STOP);
    sp_gov_free(&gov, NULL);
    sp_audit_entry_free(&t.last);

    /* keys that the certificate does not bind: the node does not start */
    configure(f, "a.crt", "");
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id2, 1000, &gov), SP_ERR_CERT_KEY_MISMATCH);
    assert_null(gov);
}

static void test_revoked_self(void **state)
{
    struct fix *f = *state;
    struct sp_gov *gov = NULL;
    assert_int_equal(
        gf_crl(&f->g, &f->self_serial, 1, 2, f->g.now - 60, f->g.now + GF_DAY, "crl.pem"), 0);
    configure(f, "a.crt", "");
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id, 1000, &gov), SP_ERR_CERT_REVOKED);
    assert_null(gov);
}

static void test_refusals(void **state)
{
    struct fix *f = *state;
    struct sp_gov *gov = NULL;
    struct types t = {0};
    char why[256];
    configure(f, "a.crt", "");
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id, 1000, &gov), 0);
    /* peer b is revoked: refused, recorded with its serial, once per window */
    for (int i = 0; i < 5; i++)
        assert_int_equal(sp_gov_admit(gov, 0, f->peer_pub.curve_pk, why, sizeof why),
                         SP_ERR_CERT_REVOKED);
    uint8_t stranger[32];
    memset(stranger, 0x5a, sizeof stranger);
    sp_gov_refused(gov, NULL, stranger, SP_ERR_PEER_UNKNOWN, "unknown key");
    sp_gov_refused(gov, NULL, stranger, SP_ERR_PEER_UNKNOWN, "unknown key");
    sp_gov_refused(gov, "b", NULL, SP_ERR_PROTO_MALFORMED,
                   "a malformed message (round 1234567890abcdef)");
    entries(gov, 1, &t);
    assert_int_equal(t.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(t.type[i], SP_AUDIT_CONNECTION_REFUSED);
    struct sp_audit_value v;
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_REASON, 0, &v), 0);
    /* a long digit run in a reason is masked, not refused */
    assert_non_null(strstr((const char *)v.bytes, "round ##########abcdef"));
    sp_audit_entry_free(&t.last);
    memset(&t, 0, sizeof t);
    assert_int_equal(sp_audit_log_read(sp_gov_log(gov), 1, 1, SIZE_MAX, type_fn, &t), 0);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_CERT_SERIAL, 0, &v), 0);
    assert_true(v.u == f->peer_serial);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_CODE, 0, &v), 0);
    assert_int_equal(v.code, SP_ERR_CERT_REVOKED);
    assert_int_equal(sp_audit_entry_find(t.last, SP_AUDIT_F_PEER_KEY, 0, &v), 0);
    assert_memory_equal(v.bytes, f->peer_pub.curve_pk, 32);
    sp_audit_entry_free(&t.last);
    sp_gov_free(&gov, NULL);
}

/* A finished round of this node with the given retention, committed
 * results (rows rows) and a finish time. */
static void finished_round(struct fix *f, const uint8_t id[16], uint32_t days, uint64_t finished,
                           size_t rows)
{
    struct sp_proposal p = {0};
    memcpy(p.round_id, id, 16);
    snprintf(p.coordinator, sizeof p.coordinator, "c");
    snprintf(p.case_ref, sizeof p.case_ref, "c");
    snprintf(p.purpose, sizeof p.purpose, "p");
    p.nparticipants = 2;
    for (int i = 0; i < 2; i++) {
        snprintf(p.participants[i].name, sizeof p.participants[i].name, "%c", 'a' + i);
        snprintf(p.participants[i].legal_basis, sizeof p.participants[i].legal_basis, "l");
        p.participants[i].key_types = SP_KEY_MASK(SP_KEY_BSN);
    }
    p.min_holders = 2;
    p.mode = SP_PROPOSAL_MODE_PARTNERS;
    p.max_set_size = 10;
    p.created_at = 1;
    p.expires_at = 2;
    p.deadline_s = 60;
    p.retention_days = days;
    struct sp_round_meta *m = calloc(1, sizeof *m);
    uint8_t *blob = malloc(SP_ROUND_META_MAX_BYTES);
    size_t len = 0, plen = 0;
    assert_non_null(m);
    assert_non_null(blob);
    assert_int_equal(sp_proposal_encode(&p, m->proposal, sizeof m->proposal, &plen), 0);
    m->proposal_len = (uint32_t)plen;
    memcpy(m->round_id, id, 16);
    m->state = 6; /* done */
    m->finished_at = finished;
    assert_int_equal(sp_round_meta_encode(m, blob, SP_ROUND_META_MAX_BYTES, &len), 0);
    assert_int_equal(sp_store_round_put(f->store, id, blob, len), 0);
    struct sp_result_row r[3] = {
        {"ds", "r1", "b", 2, 1}, {"ds", "r2", "b", 2, 1}, {"ds", "r3", "b", 2, 1}};
    assert_int_equal(sp_store_results_commit(f->store, id, r, rows, NULL, 0, blob, len), 0);
    free(blob);
    free(m);
}

static bool committed(struct fix *f, const uint8_t id[16])
{
    bool c = false;
    assert_int_equal(sp_store_results_committed(f->store, id, &c), 0);
    return c;
}

static void test_retention(void **state)
{
    struct fix *f = *state;
    struct sp_gov *gov = NULL;
    struct types t = {0};
    uint8_t old[16] = {1}, fresh[16] = {2}, once[16] = {3}, empty[16] = {4};
    uint64_t now = (uint64_t)time(NULL);
    configure(f, "a.crt", "");
    finished_round(f, old, 1, now - 2 * 86400, 3);
    finished_round(f, fresh, 30, now - 2 * 86400, 2);
    finished_round(f, once, 0, now - 60, 1);
    finished_round(f, empty, 0, now - 60, 0);
    /* start-up purges what is due at once */
    assert_int_equal(sp_gov_new(f->cfg, f->store, f->id, 1000, &gov), 0);
    sp_gov_tick(gov, 1000);
    assert_false(committed(f, old));
    assert_true(committed(f, fresh));
    assert_true(committed(f, once));   /* retention 0: kept until read */
    assert_false(committed(f, empty)); /* retention 0 and nothing to read */
    void *blob = NULL;
    size_t len = 0;
    assert_int_equal(sp_store_round_get(f->store, old, &blob, &len), 0); /* the record stays */
    free(blob);
    entries(gov, 1, &t);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.type[0], SP_AUDIT_RETENTION_PURGE);
    assert_int_equal(t.type[1], SP_AUDIT_RETENTION_PURGE);
    /* which one is which: the one with 3 rows is round `old` */
    struct types t1 = {0};
    assert_int_equal(sp_audit_log_read(sp_gov_log(gov), 1, 1, SIZE_MAX, type_fn, &t1), 0);
    struct sp_audit_value v;
    assert_int_equal(sp_audit_entry_find(t1.last, SP_AUDIT_F_ROUND, 0, &v), 0);
    bool first_old = memcmp(v.bytes, old, 16) == 0;
    assert_int_equal(sp_audit_entry_find(t1.last, SP_AUDIT_F_ROWS_DELETED, 0, &v), 0);
    assert_int_equal(v.u, first_old ? 3 : 0);
    sp_audit_entry_free(&t1.last);
    /* nothing more is due: a later tick writes nothing */
    sp_gov_tick(gov, 1000 + 61000);
    assert_int_equal(sp_audit_log_count(sp_gov_log(gov)), 3);
    /* served in full: the retention-0 round goes, once */
    sp_gov_served(gov, once);
    assert_false(committed(f, once));
    sp_gov_served(gov, once);
    sp_gov_served(gov, fresh); /* retention 30: reading does not purge */
    assert_true(committed(f, fresh));
    assert_int_equal(sp_audit_log_count(sp_gov_log(gov)), 4);
    sp_audit_entry_free(&t.last);
    sp_gov_free(&gov, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_and_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_self, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
