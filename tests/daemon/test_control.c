/*
 * Control dispatch: encoded requests in, encoded replies out, against a real
 * store in a temporary directory (no federation engine). Covers status, the
 * load protocol (good file, fatal file error, bad mapping, discard, busy,
 * idle expiry), datasets, results paging and counts, backups (where they
 * may be written, never over a file, a store that opens), STATUS's store
 * fields, and the socket itself (owner-only file, a real request over ipc,
 * a second daemon refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "audit/jsonl.h"
#include "audit/verify.h"
#include "common/keytype.h"
#include "crypto/group.h"
#include "crypto/identity.h"
#include "daemon/audit_log.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/gov.h"
#include "round/round_meta.h"
#include "daemon/store.h"
#include "proto/control.h"

static const char mapping[] = "kind = person\n"
                              "separator = ,\n"
                              "encoding = utf-8\n"
                              "header = yes\n"
                              "date_format = jjjjmmdd\n"
                              "surname_form = core\n"
                              "keys = bsn\n"
                              "record_id = id\n"
                              "bsn = bsn\n";

/* Three records, one with an invalid BSN (11-test), one row with too many
 * fields (skipped). */
static const char csv[] = "id,bsn\n"
                          "r1,111222333\n"
                          "r2,093005192\n"
                          "r3,123456789\n"
                          "r4,1,2\n";

struct fx {
    char dir[256];
    struct sp_config *cfg;
    struct sp_store *store;
    struct sp_control *ctl;
    struct sp_identity *id;
    struct sp_gov *gov;
    uint64_t now;
    uint8_t *last; /* the last encoded reply: AUDIT_EXPORT entries point into it */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char text[1024], diag[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/sp-ctl-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(text, sizeof text,
             "node = n1\nlisten = tcp://127.0.0.1:7999\nidentity = /nonexistent\n"
             "state_dir = %s\ncontrol_socket = %s/c.sock\nload_idle_timeout = 10\n"
             "counts_suppress_below = 0\n"
             "[peer p2]\nendpoint = tcp://127.0.0.1:7998\n"
             "sign_key = WGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=\n"
             "curve_key = AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n",
             f->dir, f->dir);
    if (sp_config_parse(text, strlen(text), "t", &f->cfg, diag, sizeof diag) ||
        sp_store_open(f->dir, UINT64_C(32) << 20, &f->store) ||
        sp_control_new(f->cfg, f->store, NULL, 1000, &f->ctl))
        return -1;
    f->now = 1000;
    *state = f;
    return 0;
}

/* The same, with the node's governance: an audit log, and counts below 5
 * withheld. */
static int setup_gov(void **state)
{
    char diag[256], text[1200];
    if (setup(state) != 0)
        return -1;
    struct fx *f = *state;
    sp_config_free(&f->cfg);
    snprintf(text, sizeof text,
             "node = n1\nlisten = tcp://127.0.0.1:7999\nidentity = /nonexistent\n"
             "state_dir = %s\ncontrol_socket = %s/c.sock\ncounts_suppress_below = 5\n",
             f->dir, f->dir);
    if (sp_crypto_init() || sp_identity_generate(&f->id) ||
        sp_config_parse(text, strlen(text), "t", &f->cfg, diag, sizeof diag) ||
        sp_gov_new(f->cfg, f->store, f->id, 1000, &f->gov))
        return -1;
    sp_control_free(&f->ctl);
    if (sp_control_new(f->cfg, f->store, NULL, 1000, &f->ctl))
        return -1;
    sp_control_set_gov(f->ctl, f->gov);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[300];
    sp_control_free(&f->ctl);
    free(f->last);
    sp_gov_free(&f->gov, NULL);
    sp_identity_free(&f->id);
    sp_store_close(&f->store);
    sp_config_free(&f->cfg);
    const char *files[] = {"state.mdb", "state.mdb-lock", "lock", "c.sock"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Sends req through sp_control_handle and decodes the reply. */
static void call(struct fx *f, const struct sp_ctl_request *req, struct sp_ctl_reply *rep)
{
    uint8_t *buf = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    assert_int_equal(sp_ctl_request_encode_alloc(req, &buf, &len), 0);
    assert_int_equal(sp_control_handle(f->ctl, buf, len, &out, &out_len, f->now), 0);
    assert_int_equal(sp_ctl_reply_decode(out, out_len, rep), 0);
    assert_int_equal(rep->op, req->op);
    free(buf);
    free(f->last);
    f->last = out;
}

static uint32_t load_begin(struct fx *f, const char *name, const char *map, int want)
{
    struct sp_ctl_request rq = {.op = SP_CTL_LOAD_BEGIN};
    struct sp_ctl_reply rp;
    snprintf(rq.load_begin.dataset, sizeof rq.load_begin.dataset, "%s", name);
    rq.load_begin.mapping = map;
    rq.load_begin.mapping_len = strlen(map);
    rq.load_begin.total_bytes = 100;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, want);
    uint32_t id = want ? 0 : rp.load_id;
    sp_ctl_reply_clear(&rp);
    return id;
}

static int chunk(struct fx *f, uint32_t id, const char *data, size_t len, char *msg, size_t cap)
{
    struct sp_ctl_request rq = {.op = SP_CTL_LOAD_CHUNK};
    struct sp_ctl_reply rp;
    rq.load_chunk.load_id = id;
    rq.load_chunk.data = (const uint8_t *)data;
    rq.load_chunk.data_len = len;
    call(f, &rq, &rp);
    int st = rp.status;
    if (msg)
        snprintf(msg, cap, "%s", rp.message);
    sp_ctl_reply_clear(&rp);
    return st;
}

static void load_end(struct fx *f, uint32_t id, bool commit, struct sp_ctl_reply *rp)
{
    struct sp_ctl_request rq = {.op = SP_CTL_LOAD_END};
    rq.load_end.load_id = id;
    rq.load_end.commit = commit;
    call(f, &rq, rp);
}

/* Loads csv as dataset name in two chunks split at `split`. */
static void load_ok(struct fx *f, const char *name, const char *data, size_t split, uint32_t ver)
{
    struct sp_ctl_reply rp;
    uint32_t id = load_begin(f, name, mapping, 0);
    assert_int_equal(chunk(f, id, data, split, NULL, 0), 0);
    assert_int_equal(chunk(f, id, data + split, strlen(data) - split, NULL, 0), 0);
    load_end(f, id, true, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.load_end.summary.version, ver);
    sp_ctl_reply_clear(&rp);
}

static void test_status(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_request rq = {.op = SP_CTL_STATUS};
    struct sp_ctl_reply rp;
    f->now = 6000;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    assert_string_equal(rp.status_info.node, "n1");
    assert_int_equal(rp.status_info.uptime_s, 5);
    assert_int_equal(rp.status_info.datasets, 0);
    assert_int_equal(rp.status_info.rounds_active, 0);
    assert_int_equal(rp.status_info.npeers, 1);
    assert_string_equal(rp.status_info.peers[0].name, "p2");
    assert_string_equal(rp.status_info.peers[0].endpoint, "tcp://127.0.0.1:7998");
    assert_false(rp.status_info.peers[0].connected);
    sp_ctl_reply_clear(&rp);
}

static void test_malformed_request(void **state)
{
    struct fx *f = *state;
    static const uint8_t junk[][4] = {{0x93, 0x02, 0x01, 0xc0}, {0xc1, 0, 0, 0}, {0x92, 1, 99, 0}};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *out = NULL;
        size_t n = 0;
        struct sp_ctl_reply rp;
        assert_int_equal(sp_control_handle(f->ctl, junk[i], sizeof junk[i], &out, &n, f->now), 0);
        assert_int_equal(sp_ctl_reply_decode(out, n, &rp), 0);
        assert_true(rp.status < 0);
        assert_int_equal(rp.op, 0);
        free(out);
    }
}

static void test_load_and_list(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_reply rp;
    uint32_t id = load_begin(f, "personen", mapping, 0);
    assert_int_not_equal(id, 0);
    /* The same dataset cannot be loaded twice at once. */
    load_begin(f, "personen", mapping, SP_ERR_BUSY);
    assert_int_equal(chunk(f, id, csv, 10, NULL, 0), 0);
    assert_int_equal(chunk(f, id, csv + 10, strlen(csv) - 10, NULL, 0), 0);
    load_end(f, id, true, &rp);
    assert_int_equal(rp.status, 0);
    const struct sp_ctl_dataset_info *d = &rp.load_end.summary;
    assert_string_equal(d->name, "personen");
    assert_int_equal(d->version, 1);
    assert_int_equal(d->records, 3);
    assert_int_equal(d->keys, 2);
    assert_int_equal(d->structural_errors, 1);
    assert_int_equal(d->rejected_fields, 1);
    assert_int_equal(rp.load_end.stats.records, 4);
    assert_int_equal(rp.load_end.stats.keys_by_type[SP_KEY_BSN], 2);
    assert_int_equal(rp.load_end.stats.nerror_lines, 1);
    assert_int_equal(rp.load_end.stats.error_lines[0], 5);
    uint8_t sha[32];
    memcpy(sha, d->input_sha256, 32);
    sp_ctl_reply_clear(&rp);
    assert_int_equal(sp_control_loads(f->ctl), 0);

    struct sp_ctl_request rq = {.op = SP_CTL_DATASETS};
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.datasets.ndatasets, 1);
    assert_memory_equal(rp.datasets.datasets[0].input_sha256, sha, 32);
    sp_ctl_reply_clear(&rp);

    /* The index holds the two valid BSNs, under the record ids. */
    uint64_t counts[SP_KEY_TYPE_COUNT];
    assert_int_equal(sp_store_keys_distinct(f->store, SP_KEY_MASK_ALL, counts), 0);
    assert_int_equal(counts[SP_KEY_BSN], 2);
}

/* A file the mapping cannot read: the error names the line, the load ends,
 * and the previous version stays. */
static void test_bad_file_keeps_version(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_reply rp;
    char msg[SP_PROTO_TEXT_MAX + 1];
    load_ok(f, "ds", csv, 7, 1);
    uint32_t id = load_begin(f, "ds", mapping, 0);
    static const char bad[] = "id,nummer\nr1,111222333\n";
    int st = chunk(f, id, bad, strlen(bad), msg, sizeof msg);
    assert_int_equal(st, SP_ERR_INPUT_COLUMN);
    assert_true(strncmp(msg, "line 1: ", 8) == 0);
    assert_non_null(strstr(msg, "bsn"));
    assert_int_equal(chunk(f, id, "x", 1, msg, sizeof msg), SP_ERR_NOT_FOUND);
    struct sp_dataset_info d;
    assert_int_equal(sp_store_dataset_get(f->store, "ds", &d), 0);
    assert_int_equal(d.version, 1);
    assert_int_equal(d.records, 3);

    /* An explicit discard also keeps it, and says which version stays. */
    id = load_begin(f, "ds", mapping, 0);
    assert_int_equal(chunk(f, id, "id,bsn\nr9,111222333\n", 20, NULL, 0), 0);
    load_end(f, id, false, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.load_end.summary.version, 1);
    sp_ctl_reply_clear(&rp);
    assert_int_equal(sp_store_dataset_get(f->store, "ds", &d), 0);
    assert_int_equal(d.version, 1);

    load_ok(f, "ds", csv, 20, 2);
}

static void test_bad_mapping_and_names(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_request rq = {.op = SP_CTL_LOAD_BEGIN};
    struct sp_ctl_reply rp;
    snprintf(rq.load_begin.dataset, sizeof rq.load_begin.dataset, "ds");
    rq.load_begin.mapping = "bsn = bsn\n";
    rq.load_begin.mapping_len = 10;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, SP_ERR_INPUT_MAPPING);
    assert_true(strncmp(rp.message, "mapping ", 8) == 0);
    sp_ctl_reply_clear(&rp);
    assert_int_equal(sp_control_loads(f->ctl), 0);
}

static void test_idle_load_expires(void **state)
{
    struct fx *f = *state;
    uint32_t id = load_begin(f, "ds", mapping, 0);
    assert_int_equal(sp_control_next_timeout_ms(f->ctl, f->now), 10000);
    sp_control_tick(f->ctl, f->now + 9999);
    assert_int_equal(sp_control_loads(f->ctl), 1);
    sp_control_tick(f->ctl, f->now + 10000);
    assert_int_equal(sp_control_loads(f->ctl), 0);
    assert_int_equal(chunk(f, id, "id,bsn\n", 7, NULL, 0), SP_ERR_NOT_FOUND);
    assert_int_equal(sp_control_next_timeout_ms(f->ctl, f->now), -1);
    load_begin(f, "ds", mapping, 0); /* no longer busy */
}

static const uint8_t rid[SP_ROUND_ID_BYTES] = {0xab, 0xcd};

static int results_status(struct fx *f, uint64_t offset, uint32_t limit, struct sp_ctl_reply *rp)
{
    struct sp_ctl_request rq = {.op = SP_CTL_RESULTS};
    memcpy(rq.results.round_id, rid, sizeof rid);
    rq.results.offset = offset;
    rq.results.limit = limit;
    call(f, &rq, rp);
    return rp->status;
}

static void test_results_and_counts(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_reply rp;
    assert_int_equal(results_status(f, 0, 10, &rp), SP_ERR_ROUND_UNKNOWN);
    sp_ctl_reply_clear(&rp);
    assert_int_equal(sp_store_round_put(f->store, rid, "r", 1), 0);
    assert_int_equal(results_status(f, 0, 10, &rp), SP_ERR_STATE);
    assert_non_null(strstr(rp.message, "abcd"));
    sp_ctl_reply_clear(&rp);

    struct sp_result_row rows[25];
    char ids[25][8];
    for (int i = 0; i < 25; i++) {
        snprintf(ids[i], sizeof ids[i], "r%02d", i);
        rows[i] = (struct sp_result_row){"ds", ids[i], i % 2 ? "p2" : "p3",
                                         SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB),
                                         SP_CLASS_A};
    }
    /* Stored out of order: the reply must be sorted by (key type, holders). */
    struct sp_count_entry counts[3] = {
        {SP_KEY_NAME_DOB, 3, 5}, {SP_KEY_BSN, 7, 2}, {SP_KEY_BSN, 3, 9}};
    assert_int_equal(sp_store_results_commit(f->store, rid, rows, 25, counts, 3, "d", 1), 0);

    assert_int_equal(results_status(f, 20, 10, &rp), 0);
    assert_int_equal(rp.results.total, 25);
    assert_int_equal(rp.results.nrows, 5);
    assert_string_equal(rp.results.rows[0].record_id, "r20");
    assert_string_equal(rp.results.rows[0].partner, "p3");
    assert_int_equal(rp.results.rows[0].klass, SP_CLASS_A);
    sp_ctl_reply_clear(&rp);

    struct sp_ctl_request rq = {.op = SP_CTL_COUNTS};
    memcpy(rq.counts.round_id, rid, sizeof rid);
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.counts.nentries, 3);
    assert_int_equal(rp.counts.entries[0].key_type, SP_KEY_BSN);
    assert_int_equal(rp.counts.entries[0].holders, 3);
    assert_int_equal(rp.counts.entries[1].holders, 7);
    assert_int_equal(rp.counts.entries[2].key_type, SP_KEY_NAME_DOB);
    assert_int_equal(rp.counts.suppressed_below, 0);
    sp_ctl_reply_clear(&rp);
}

static void test_round_ops_without_engine(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_request rq = {.op = SP_CTL_ROUND_CANCEL};
    struct sp_ctl_reply rp;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, SP_ERR_STATE);
    assert_non_null(strstr(rp.message, "round engine"));
    sp_ctl_reply_clear(&rp);
}

/* The real socket: owner-only, answers a DEALER client, and a second
 * control module on the same path is refused. */
static void test_socket(void **state)
{
    struct fx *f = *state;
    void *zctx = zmq_ctx_new();
    struct sp_control *srv = NULL, *other = NULL;
    char path[300], ep[320];
    struct stat st;
    snprintf(path, sizeof path, "%s/c.sock", f->dir);
    assert_int_equal(sp_control_new(f->cfg, f->store, zctx, 0, &srv), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sp_control_new(f->cfg, f->store, zctx, 0, &other), SP_ERR_BUSY);

    void *cli = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(cli, ZMQ_LINGER, &linger, sizeof linger);
    snprintf(ep, sizeof ep, "ipc://%s", path);
    assert_int_equal(zmq_connect(cli, ep), 0);
    struct sp_ctl_request rq = {.op = SP_CTL_STATUS};
    uint8_t buf[64];
    size_t len = 0;
    assert_int_equal(sp_ctl_request_encode(&rq, buf, sizeof buf, &len), 0);
    assert_int_equal(zmq_send(cli, "", 0, ZMQ_SNDMORE), 0);
    assert_int_equal(zmq_send(cli, buf, len, 0), (int)len);
    zmq_pollitem_t it = {.socket = sp_control_socket(srv), .events = ZMQ_POLLIN};
    assert_int_equal(zmq_poll(&it, 1, 5000), 1);
    sp_control_dispatch(srv, 1000);
    uint8_t rbuf[4096];
    assert_int_equal(zmq_recv(cli, rbuf, sizeof rbuf, 0), 0); /* the delimiter */
    int n = zmq_recv(cli, rbuf, sizeof rbuf, 0);
    assert_true(n > 0);
    struct sp_ctl_reply rp;
    assert_int_equal(sp_ctl_reply_decode(rbuf, (size_t)n, &rp), 0);
    assert_int_equal(rp.status, 0);
    assert_string_equal(rp.status_info.node, "n1");
    sp_ctl_reply_clear(&rp);
    zmq_close(cli);
    sp_control_free(&srv);
    assert_int_not_equal(stat(path, &st), 0); /* the file goes with the daemon */
    zmq_ctx_term(zctx);
}

/* With control_group the socket is 0660 and belongs to that group; an
 * unknown group is refused. */
static void test_socket_group(void **state)
{
    struct fx *f = *state;
    const struct group *g = getgrgid(getgid());
    if (!g) {
        skip();
        return;
    }
    char text[1024], diag[256], path[300];
    struct sp_config *cfg = NULL;
    struct sp_control *srv = NULL;
    struct stat st;
    void *zctx = zmq_ctx_new();
    const char *groups[] = {g->gr_name, "no-such-group-sp"};
    for (int i = 0; i < 2; i++) {
        snprintf(text, sizeof text,
                 "node = n1\nlisten = tcp://127.0.0.1:7999\nidentity = /x\n"
                 "control_socket = %s/g.sock\ncontrol_group = %s\n",
                 f->dir, groups[i]);
        assert_int_equal(sp_config_parse(text, strlen(text), "t", &cfg, diag, sizeof diag), 0);
        int rc = sp_control_new(cfg, f->store, zctx, 0, &srv);
        snprintf(path, sizeof path, "%s/g.sock", f->dir);
        if (i == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(stat(path, &st), 0);
            assert_int_equal(st.st_mode & 0777, 0660);
            assert_int_equal(st.st_gid, g->gr_gid);
        } else {
            assert_int_equal(rc, SP_ERR_PERMISSION);
        }
        sp_control_free(&srv);
        sp_config_free(&cfg);
        unlink(path);
    }
    zmq_ctx_term(zctx);
}

/* A finished round with committed rows and counts and a retention. */
static void committed_round(struct fx *f, const uint8_t id[16], uint32_t days)
{
    struct sp_proposal p = {0};
    struct sp_round_meta *m = calloc(1, sizeof *m);
    uint8_t *blob = malloc(SP_ROUND_META_MAX_BYTES);
    size_t len = 0, plen = 0;
    assert_non_null(m);
    assert_non_null(blob);
    memcpy(p.round_id, id, 16);
    snprintf(p.coordinator, sizeof p.coordinator, "c");
    snprintf(p.case_ref, sizeof p.case_ref, "c");
    snprintf(p.purpose, sizeof p.purpose, "p");
    p.nparticipants = 2;
    snprintf(p.participants[0].name, sizeof p.participants[0].name, "n1");
    snprintf(p.participants[1].name, sizeof p.participants[1].name, "p2");
    for (int i = 0; i < 2; i++) {
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
    assert_int_equal(sp_proposal_encode(&p, m->proposal, sizeof m->proposal, &plen), 0);
    m->proposal_len = (uint32_t)plen;
    memcpy(m->round_id, id, 16);
    m->state = 6;
    m->finished_at = 100;
    assert_int_equal(sp_round_meta_encode(m, blob, SP_ROUND_META_MAX_BYTES, &len), 0);
    assert_int_equal(sp_store_round_put(f->store, id, blob, len), 0);
    struct sp_result_row rows[3] = {
        {"ds", "r1", "p2", 2, 1}, {"ds", "r2", "p2", 2, 1}, {"ds", "r3", "p2", 2, 1}};
    struct sp_count_entry counts[3] = {{SP_KEY_BSN, 3, 9}, {SP_KEY_BSN, 1, 4}, {SP_KEY_BSN, 2, 5}};
    assert_int_equal(sp_store_results_commit(f->store, id, rows, 3, counts, 3, blob, len), 0);
    free(blob);
    free(m);
}

/* Reads the whole log the way `snijpunt audit export` does (head first,
 * then pages of `page` entries) and verifies it. Returns the entries. */
static size_t export_verify(struct fx *f, uint32_t page)
{
    struct sp_ctl_request rq = {.op = SP_CTL_AUDIT_HEAD};
    struct sp_ctl_reply head, rp;
    struct sp_identity_public pub;
    struct sp_audit_verifier *v = NULL;
    struct sp_audit_report rep;
    char *line = malloc(SP_AUDIT_LINE_MAX + 1);
    size_t n = 0, got = 0;
    sp_identity_public(f->id, &pub);
    assert_non_null(line);
    call(f, &rq, &head);
    assert_int_equal(head.status, 0);
    assert_string_equal(head.audit_head.node, "n1");
    assert_int_equal(sp_audit_verifier_new(pub.sign_pk, "n1", &v), 0);
    while (got <= head.audit_head.seq) {
        struct sp_ctl_request q = {.op = SP_CTL_AUDIT_EXPORT};
        q.audit_export.from_seq = got;
        q.audit_export.limit = page;
        call(f, &q, &rp);
        assert_int_equal(rp.status, 0);
        assert_true(rp.audit.nentries >= 1 && rp.audit.nentries <= page);
        for (uint32_t i = 0; i < rp.audit.nentries && got <= head.audit_head.seq; i++, got++) {
            assert_int_equal(sp_audit_jsonl_entry(rp.audit.entries[i].data, rp.audit.entries[i].len,
                                                  line, SP_AUDIT_LINE_MAX + 1, &n),
                             0);
            assert_int_equal(sp_audit_verifier_line(v, line, n), 0);
        }
        sp_ctl_reply_clear(&rp);
    }
    struct sp_audit_head h = {.seq = head.audit_head.seq};
    snprintf(h.node, sizeof h.node, "%s", head.audit_head.node);
    memcpy(h.hash, head.audit_head.head_hash, 32);
    memcpy(h.sig, head.audit_head.signature, 64);
    assert_int_equal(sp_audit_jsonl_head(&h, line, SP_AUDIT_LINE_MAX + 1, &n), 0);
    assert_int_equal(sp_audit_verifier_line(v, line, n), 0);
    if (sp_audit_verifier_finish(v, &rep) != 0)
        fail_msg("export does not verify: %s", rep.detail);
    sp_audit_verifier_free(&v);
    sp_ctl_reply_clear(&head);
    free(line);
    return got;
}

static void test_audit_export(void **state)
{
    struct fx *f = *state;
    assert_int_equal(export_verify(f, 1), 1); /* node_start */
    load_ok(f, "personen", csv, 10, 1);
    load_ok(f, "personen", csv, 20, 2);
    assert_int_equal(export_verify(f, 2), 3);
    assert_int_equal(export_verify(f, 1000), 3);
    /* the second load is entry 2: dataset personen, version 2, 3 records,
     * 2 usable (one BSN fails its check), 1 row skipped */
    struct sp_ctl_request q = {.op = SP_CTL_AUDIT_EXPORT};
    struct sp_ctl_reply rp;
    struct sp_audit_entry *e = NULL;
    struct sp_audit_value v;
    q.audit_export = (struct sp_ctl_audit_req){2, 10};
    call(f, &q, &rp);
    assert_int_equal(rp.audit.nentries, 1);
    assert_int_equal(
        sp_audit_record_open(rp.audit.entries[0].data, rp.audit.entries[0].len, NULL, &e, NULL), 0);
    assert_int_equal(sp_audit_entry_type(e), SP_AUDIT_DATASET_LOAD);
    assert_int_equal(sp_audit_entry_find(e, SP_AUDIT_F_VERSION, 0, &v), 0);
    assert_int_equal(v.u, 2);
    assert_int_equal(sp_audit_entry_find(e, SP_AUDIT_F_STRUCTURAL_ERRORS, 0, &v), 0);
    assert_int_equal(v.u, 1);
    assert_int_equal(sp_audit_entry_find(e, SP_AUDIT_F_DATASET, 0, &v), 0);
    assert_string_equal((const char *)v.bytes, "personen");
    sp_audit_entry_free(&e);
    sp_ctl_reply_clear(&rp);
    /* a discarded load leaves no entry */
    uint32_t id = load_begin(f, "personen", mapping, 0);
    load_end(f, id, false, &rp);
    sp_ctl_reply_clear(&rp);
    assert_int_equal(export_verify(f, 1000), 3);
}

static void test_suppression_and_read_once(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_reply rp;
    static const uint8_t keep[16] = {0xab, 1}, once[16] = {0xab, 2};
    committed_round(f, keep, 30);
    committed_round(f, once, 0);
    struct sp_ctl_request rq = {.op = SP_CTL_COUNTS};
    memcpy(rq.counts.round_id, keep, 16);
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.counts.suppressed_below, 5);
    assert_int_equal(rp.counts.nentries, 2); /* the cell of 4 is withheld */
    assert_int_equal(rp.counts.entries[0].holders, 2);
    assert_int_equal(rp.counts.entries[0].count, 5);
    assert_int_equal(rp.counts.entries[1].holders, 3);
    sp_ctl_reply_clear(&rp);
    /* retention 0: a partial page keeps the results, the last page ends them */
    rq = (struct sp_ctl_request){.op = SP_CTL_RESULTS};
    memcpy(rq.results.round_id, once, 16);
    rq.results.limit = 2;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    sp_ctl_reply_clear(&rp);
    rq.results.offset = 2;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.results.nrows, 1);
    sp_ctl_reply_clear(&rp);
    call(f, &rq, &rp);
    assert_int_equal(rp.status, SP_ERR_STATE);
    sp_ctl_reply_clear(&rp);
    /* retention 30: read in full, kept */
    memcpy(rq.results.round_id, keep, 16);
    rq.results.offset = 0;
    rq.results.limit = 10;
    call(f, &rq, &rp);
    sp_ctl_reply_clear(&rp);
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    sp_ctl_reply_clear(&rp);
    assert_int_equal(export_verify(f, 1000), 2); /* node_start, one retention_purge */
}

static void test_audit_without_gov(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_request rq = {.op = SP_CTL_AUDIT_HEAD};
    struct sp_ctl_reply rp;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, SP_ERR_STATE);
    sp_ctl_reply_clear(&rp);
}

/* BACKUP: only into backup_dir (<state_dir>/backup here), plain names or
 * absolute paths there, never over a file without force; the copy is 0600
 * and a store that opens with the data. */
static int backup(struct fx *f, const char *path, bool force, struct sp_ctl_reply *rp)
{
    struct sp_ctl_request rq = {.op = SP_CTL_BACKUP};
    snprintf(rq.backup.path, sizeof rq.backup.path, "%s", path);
    rq.backup.force = force;
    call(f, &rq, rp);
    return rp->status;
}

static void test_backup(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_reply rp;
    char p[600], want[600];
    struct stat st;
    load_ok(f, "personen", csv, 10, 1);
    assert_int_equal(backup(f, "b1.mdb", false, &rp), 0);
    snprintf(want, sizeof want, "%s/backup/b1.mdb", f->dir);
    assert_string_equal(rp.backup.path, want);
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal((uint64_t)st.st_size, rp.backup.bytes);
    sp_ctl_reply_clear(&rp);
    static const struct {
        const char *path; /* "@" is replaced by the state directory */
        bool force;
        int want;
    } cases[] = {
        {"b1.mdb", false, SP_ERR_EXISTS},
        {"b1.mdb", true, 0},
        {"@/backup/b2.mdb", false, 0},
        {".hidden", false, SP_ERR_INVALID_ARG},
        {"a b", false, SP_ERR_INVALID_ARG},
        {"sub/x.mdb", false, SP_ERR_INVALID_ARG},
        {"/tmp/x.mdb", false, SP_ERR_PERMISSION},
        {"@/state.mdb", true, SP_ERR_PERMISSION},
        {"@/backup/../state.mdb", true, SP_ERR_PERMISSION},
        {"@/backup/", false, SP_ERR_INVALID_ARG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *c = cases[i].path;
        if (c[0] == '@')
            snprintf(p, sizeof p, "%s%s", f->dir, c + 1);
        else
            snprintf(p, sizeof p, "%s", c);
        if (backup(f, p, cases[i].force, &rp) != cases[i].want)
            fail_msg("backup %s: %d (%s), want %d", p, rp.status, rp.message, cases[i].want);
        sp_ctl_reply_clear(&rp);
    }
    /* the copy is a store with the dataset */
    char dir2[300], path2[400];
    snprintf(dir2, sizeof dir2, "%s/restored", f->dir);
    assert_int_equal(mkdir(dir2, 0700), 0);
    snprintf(path2, sizeof path2, "%s/state.mdb", dir2);
    assert_int_equal(rename(want, path2), 0);
    struct sp_store *s2 = NULL;
    struct sp_dataset_info info;
    assert_int_equal(sp_store_open(dir2, UINT64_C(32) << 20, &s2), 0);
    assert_int_equal(sp_store_dataset_get(s2, "personen", &info), 0);
    assert_int_equal(info.version, 1);
    assert_int_equal(sp_store_format(s2), SP_STORE_FORMAT_VERSION);
    sp_store_close(&s2);
    const char *left[] = {"restored/state.mdb", "restored/state.mdb-lock", "restored/lock",
                          "restored",           "backup/b2.mdb",           "backup"};
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", f->dir, left[i]);
        assert_int_equal(remove(p), 0);
    }
}

/* STATUS's store fields; no certificate, CRL or audit log without governance. */
static void test_status_ops(void **state)
{
    struct fx *f = *state;
    struct sp_ctl_request rq = {.op = SP_CTL_STATUS};
    struct sp_ctl_reply rp;
    call(f, &rq, &rp);
    assert_int_equal(rp.status, 0);
    assert_int_equal(rp.status_info.store_map_bytes, UINT64_C(32) << 20);
    assert_true(rp.status_info.store_used_bytes > 0);
    assert_true(rp.status_info.store_used_bytes <= rp.status_info.store_map_bytes);
    assert_true(rp.status_info.store_file_bytes > 0);
    assert_int_equal(rp.status_info.cert_not_after, 0);
    assert_int_equal(rp.status_info.crl_next_update, 0);
    assert_int_equal(rp.status_info.audit_entries, 0);
    sp_ctl_reply_clear(&rp);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_status),
        T(test_malformed_request),
        T(test_load_and_list),
        T(test_bad_file_keeps_version),
        T(test_bad_mapping_and_names),
        T(test_idle_load_expires),
        T(test_results_and_counts),
        T(test_round_ops_without_engine),
        T(test_socket),
        T(test_socket_group),
        T(test_audit_without_gov),
        T(test_backup),
        T(test_status_ops),
        cmocka_unit_test_setup_teardown(test_audit_export, setup_gov, teardown),
        cmocka_unit_test_setup_teardown(test_suppression_and_read_once, setup_gov, teardown),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
