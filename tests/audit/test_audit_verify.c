/* Tampering with an exported log: every manipulation the issue lists is
 * detected and the first bad entry is named (audit/verify.h, jsonl.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "audit/jsonl.h"
#include "audit/verify.h"
#include "fixture.h"

#define NODES 3

struct fed {
    struct tlog log[NODES];
    struct texport x[NODES];
};

static const uint8_t round_id[16] = {0x3f, 0xa2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

static int setup(void **state)
{
    struct fed *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fixture_federation_exports(f->log, f->x, NODES, round_id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fed *f = *state;
    fixture_federation_free(f->log, f->x, NODES);
    free(f);
    return 0;
}

/* Verifies node 0's (possibly edited) export x, with or without the other
 * nodes' exports as the source of pins. */
static int check(struct fed *f, const struct texport *x, bool with_peers,
                 struct sp_audit_report *rep)
{
    return texport_verify(x, &f->log[0], with_peers ? &f->x[1] : NULL, with_peers ? NODES - 1 : 0,
                          rep);
}

static void expect(struct fed *f, const struct texport *x, bool peers, int fault, size_t index,
                   const char *what)
{
    struct sp_audit_report rep;
    int rc = check(f, x, peers, &rep);
    if (rc != SP_ERR_AUDIT || rep.fault != fault || rep.index != index)
        fail_msg("%s: rc %d, fault %s at #%zu (line %zu): %s; expected %s at #%zu", what, rc,
                 sp_audit_fault_name(rep.fault), rep.index, rep.line, rep.detail,
                 sp_audit_fault_name(fault), index);
    assert_true(rep.detail[0] != '\0');
}

static void copy(const struct texport *from, struct texport *to)
{
    to->n = 0;
    to->line = calloc(from->n, sizeof(*to->line));
    assert_non_null(to->line);
    for (size_t i = 0; i < from->n; i++) {
        to->line[i] = malloc(strlen(from->line[i]) + 1);
        assert_non_null(to->line[i]);
        memcpy(to->line[i], from->line[i], strlen(from->line[i]) + 1);
        to->n++;
    }
}

static void test_intact(void **state)
{
    struct fed *f = *state;
    for (size_t i = 0; i < NODES; i++) {
        struct sp_audit_report rep;
        int rc = texport_verify(&f->x[i], &f->log[i], NULL, 0, &rep);
        if (rc != 0)
            fail_msg("node %zu: %s at #%zu: %s", i, sp_audit_fault_name(rep.fault), rep.index,
                     rep.detail);
        assert_int_equal(rep.entries, f->log[i].n);
        assert_int_equal(rep.head_seq, f->log[i].n - 1);
    }
    struct sp_audit_report rep;
    assert_int_equal(check(f, &f->x[0], true, &rep), 0);
    assert_int_equal(rep.pins, NODES - 1); /* each peer recorded node-a's head */
    /* a log is not another node's: wrong key, or wrong name */
    assert_int_equal(texport_verify(&f->x[0], &f->log[1], NULL, 0, &rep), SP_ERR_AUDIT);
    assert_int_equal(rep.fault, SP_AUDIT_FAULT_SIGNATURE);
    assert_int_equal(rep.index, 0);
}

/* Whitespace and member order are free: only values count. */
static void test_reformatted(void **state)
{
    struct fed *f = *state;
    struct texport x;
    copy(&f->x[0], &x);
    for (size_t i = 0; i < x.n; i++) {
        /* move the first member to the end, with spaces around */
        const char *l = x.line[i];
        char out[SP_AUDIT_LINE_MAX + 16];
        const char *split = i + 1 < x.n ? strchr(l, ',') : strstr(l, "},\"sig\"") + 1;
        assert_non_null(split);
        size_t first = (size_t)(split - l) - 1, rest = strlen(split + 1) - 1;
        snprintf(out, sizeof(out), "{ %.*s ,\t%.*s }\r", (int)rest, split + 1, (int)first, l + 1);
        texport_set(&x, i, out);
    }
    struct sp_audit_report rep;
    int rc = check(f, &x, true, &rep);
    if (rc != 0)
        fail_msg("%s at #%zu: %s", sp_audit_fault_name(rep.fault), rep.index, rep.detail);
    texport_free(&x);
}

/* Base64 alphabet neighbour of c, so the text stays base64. */
static char other_b64(char c)
{
    return c == 'A' ? 'B' : 'A';
}

/* Any one changed byte of any entry's raw bytes is caught at that entry:
 * as changed (hash), or as a bad signature when the hash and the readable
 * members were updated to match. */
static void test_changed_raw_bytes(void **state)
{
    struct fed *f = *state;
    const struct tlog *l = &f->log[0];
    static char line[SP_AUDIT_LINE_MAX + 1];
    for (size_t i = 0; i < l->n; i++) {
        uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES];
        size_t elen = l->len[i] - 64, step = i == 3 ? 1 : 7; /* every byte of one entry */
        for (size_t b = 0; b < elen; b += step) {
            memcpy(rec, l->rec[i], l->len[i]);
            rec[b] ^= (uint8_t)(1u << (b % 8));
            struct texport x;
            copy(&f->x[0], &x);
            /* (1) raw changed, nothing else: the line's other members no
             * longer match its bytes */
            char *raw = strstr(x.line[i], "\"raw\":\"");
            assert_non_null(raw);
            char b64[sodium_base64_ENCODED_LEN(SP_AUDIT_ENTRY_MAX_BYTES,
                                               sodium_base64_VARIANT_ORIGINAL)];
            sodium_bin2base64(b64, sizeof(b64), rec, elen, sodium_base64_VARIANT_ORIGINAL);
            snprintf(raw + 6, SP_AUDIT_LINE_MAX, "\"%s\"}", b64);
            expect(f, &x, false, SP_AUDIT_FAULT_CHANGED, i, "changed raw byte");
            /* (2) raw changed and the rest made to match it: only the
             * signature tells (when the bytes still decode) */
            size_t len = 0;
            if (sp_audit_jsonl_entry(rec, l->len[i], line, sizeof(line), &len) == 0) {
                texport_set(&x, i, line);
                expect(f, &x, false, SP_AUDIT_FAULT_SIGNATURE, i, "re-rendered changed entry");
            }
            texport_free(&x);
        }
    }
}

static void edit_line(struct fed *f, size_t i, const char *find, const char *replace, int fault,
                      const char *what)
{
    struct texport x;
    copy(&f->x[0], &x);
    char *at = strstr(x.line[i], find), out[SP_AUDIT_LINE_MAX + 64];
    if (!at)
        fail_msg("%s: '%s' not in line %zu", what, find, i);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - x.line[i]), x.line[i], replace,
             at + strlen(find));
    texport_set(&x, i, out);
    expect(f, &x, false, fault, i, what);
    texport_free(&x);
}

/* Readable members changed without touching the signed bytes. */
static void test_changed_readable(void **state)
{
    struct fed *f = *state;
    char seq[32];
    snprintf(seq, sizeof(seq), "\"seq\":%d", 3);
    edit_line(f, 3, seq, "\"seq\":4", SP_AUDIT_FAULT_CHANGED, "seq");
    edit_line(f, 2, "malafide", "bonafide", SP_AUDIT_FAULT_CHANGED, "purpose text");
    edit_line(f, 2, "\"mode\":\"partners\"", "\"mode\":\"counts\"", SP_AUDIT_FAULT_CHANGED, "mode");
    edit_line(f, 4, "\"bsn\":", "\"kvk\":", SP_AUDIT_FAULT_CHANGED, "key type");
    edit_line(f, 4, "\"type\":\"round_sizes\"", "\"type\":\"round_result\"", SP_AUDIT_FAULT_CHANGED,
              "type");
    edit_line(f, 1, "T09:01:00Z", "T09:01:01Z", SP_AUDIT_FAULT_CHANGED, "time");
    edit_line(f, 1, "\"records\":1000", "\"records\":1001", SP_AUDIT_FAULT_CHANGED, "count");
    edit_line(f, 1, "\"prev\":\"", "\"prev\":\"0", SP_AUDIT_FAULT_CHANGED, "prev");
    edit_line(f, 1, "\"hash\":\"", "\"hash\":\"0", SP_AUDIT_FAULT_CHANGED, "hash");
    edit_line(f, 1, "\"fields\":{", "\"fields\":{\"extra\":1,", SP_AUDIT_FAULT_CHANGED,
              "added member");
    edit_line(f, 1, "\"seq\":1,", "", SP_AUDIT_FAULT_CHANGED, "removed member");
    edit_line(f, 2, "{\"seq\"", "[{\"seq\"", SP_AUDIT_FAULT_MALFORMED, "broken JSON");
    /* a changed signature, in base64 or its decoding */
    struct texport x;
    copy(&f->x[0], &x);
    char *sig = strstr(x.line[5], "\"sig\":\"");
    sig[7] = other_b64(sig[7]);
    expect(f, &x, false, SP_AUDIT_FAULT_SIGNATURE, 5, "signature byte");
    sig[7] = '*';
    expect(f, &x, false, SP_AUDIT_FAULT_CHANGED, 5, "signature not base64");
    texport_free(&x);
}

/* Every single entry removed, anywhere. */
static void test_removed(void **state)
{
    struct fed *f = *state;
    size_t n = f->log[0].n;
    for (size_t i = 0; i < n; i++) {
        struct texport x;
        copy(&f->x[0], &x);
        texport_remove(&x, i);
        /* the last entry gone: the head still covers it */
        expect(f, &x, false, i + 1 < n ? SP_AUDIT_FAULT_REMOVED : SP_AUDIT_FAULT_TRUNCATED, i,
               "removed");
        texport_free(&x);
    }
}

/* Copies of earlier and later entries inserted anywhere. */
static void test_inserted_copy(void **state)
{
    struct fed *f = *state;
    size_t n = f->log[0].n;
    for (size_t at = 0; at < n; at++) {
        for (size_t src = 0; src < n; src += 3) {
            struct texport x;
            copy(&f->x[0], &x);
            texport_insert(&x, at, f->x[0].line[src]);
            /* two identical lines in a row: the second is the copy */
            expect(f, &x, false, SP_AUDIT_FAULT_INSERTED, src == at ? at + 1 : at, "inserted copy");
            texport_free(&x);
        }
    }
}

/* A new entry inserted: forged (another key), or signed by the node itself
 * (seq and prev made to fit). */
static void test_inserted_new(void **state)
{
    struct fed *f = *state;
    static char line[SP_AUDIT_LINE_MAX + 1];
    for (size_t at = 1; at < f->log[0].n; at += 2) {
        for (int insider = 0; insider < 2; insider++) {
            struct tlog forger;
            tlog_init(&forger, "node-a", insider ? 0x40 : 0x77); /* 0x40: node-a's key */
            struct sp_audit_entry *e = NULL;
            assert_int_equal(sp_audit_entry_new(SP_AUDIT_NODE_STOP, &e), 0);
            uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES], h[32];
            size_t len = 0;
            assert_int_equal(sp_audit_entry_seal(e, at, T0, f->log[0].hash[at - 1], tlog_sign,
                                                 &forger, rec, sizeof(rec), &len, h),
                             0);
            sp_audit_entry_free(&e);
            assert_int_equal(sp_audit_jsonl_entry(rec, len, line, sizeof(line), &len), 0);
            struct texport x;
            copy(&f->x[0], &x);
            texport_insert(&x, at, line);
            expect(f, &x, false, insider ? SP_AUDIT_FAULT_INSERTED : SP_AUDIT_FAULT_SIGNATURE, at,
                   insider ? "inserted by the node" : "inserted forgery");
            texport_free(&x);
        }
    }
}

static void test_reordered(void **state)
{
    struct fed *f = *state;
    size_t n = f->log[0].n;
    for (size_t i = 0; i + 1 < n; i++) {
        for (size_t j = i + 1; j < n; j += 2) {
            struct texport x;
            copy(&f->x[0], &x);
            char *t = x.line[i];
            x.line[i] = x.line[j];
            x.line[j] = t;
            expect(f, &x, false, SP_AUDIT_FAULT_REORDERED, i, "swapped");
            texport_free(&x);
        }
    }
}

/* Entries cut off the end: caught by the head; when the head is cut too,
 * by the heads the peers recorded; and when the node re-signed a head for
 * the shortened log, still by the peers. */
static void test_truncated(void **state)
{
    struct fed *f = *state;
    size_t n = f->log[0].n;
    /* node-a's head recorded by its peers covers the entries before its
     * log_head_sent entry */
    struct sp_audit_report rep;
    for (size_t cut = 1; cut < n; cut++) {
        struct texport x;
        copy(&f->x[0], &x);
        for (size_t k = 0; k < cut; k++)
            texport_remove(&x, n - 1 - k);
        expect(f, &x, false, SP_AUDIT_FAULT_TRUNCATED, n - cut, "cut, head kept");
        texport_remove(&x, x.n - 1); /* and the head */
        assert_int_equal(check(f, &x, false, &rep), SP_ERR_AUDIT);
        assert_int_equal(rep.fault, SP_AUDIT_FAULT_HEAD);
        assert_int_equal(rep.index, n - cut);
        texport_free(&x);
    }
    /* the dishonest node: cut and re-sign the head; alone it verifies, the
     * peers' pins expose it once the cut reaches what they pinned */
    struct tlog cut = f->log[0];
    memset(cut.rec, 0, sizeof(cut.rec));
    for (size_t i = 0; i < n; i++) {
        cut.rec[i] = malloc(f->log[0].len[i]);
        memcpy(cut.rec[i], f->log[0].rec[i], f->log[0].len[i]);
    }
    size_t pinned = 0; /* the seq node-a's peers recorded */
    for (size_t i = 0; i < n; i++) {
        struct sp_audit_entry *e = tlog_entry(&f->log[0], i);
        if (sp_audit_entry_type(e) == SP_AUDIT_LOG_HEAD_SENT) {
            struct sp_audit_value v;
            assert_int_equal(sp_audit_entry_find(e, SP_AUDIT_F_HEAD_SEQ, 0, &v), 0);
            pinned = (size_t)v.u;
        }
        sp_audit_entry_free(&e);
    }
    assert_true(pinned > 2 && pinned + 1 < n);
    while (cut.n > 1) {
        tlog_remove(&cut, cut.n - 1);
        struct texport x;
        texport_of(&cut, &x);
        assert_int_equal(texport_verify(&x, &cut, NULL, 0, &rep), 0);
        if (cut.n > pinned) /* entries after the last pinned point: no peer can tell */
            assert_int_equal(check(f, &x, true, &rep), 0);
        else
            expect(f, &x, true, SP_AUDIT_FAULT_TRUNCATED, cut.n, "cut and re-signed head");
        texport_free(&x);
    }
    tlog_free(&cut);
}

/* The dishonest node rewrites an entry before the pinned point and
 * re-signs everything after it: only the peers' pins can tell. */
static void test_rewritten(void **state)
{
    struct fed *f = *state;
    struct tlog l = f->log[0];
    memset(l.rec, 0, sizeof(l.rec));
    for (size_t i = 0; i < l.n; i++) {
        l.rec[i] = malloc(f->log[0].len[i]);
        memcpy(l.rec[i], f->log[0].rec[i], f->log[0].len[i]);
    }
    /* drop the dataset load (entry 1) and re-sign what follows */
    tlog_remove(&l, 1);
    tlog_reseal(&l, 1);
    struct texport x;
    texport_of(&l, &x);
    struct sp_audit_report rep;
    assert_int_equal(texport_verify(&x, &l, NULL, 0, &rep), 0);
    assert_int_equal(check(f, &x, true, &rep), SP_ERR_AUDIT);
    assert_int_equal(rep.fault, SP_AUDIT_FAULT_REWRITTEN);
    assert_non_null(strstr(rep.detail, "rewritten"));
    texport_free(&x);
    tlog_free(&l);
}

static void test_head_problems(void **state)
{
    struct fed *f = *state;
    size_t n = f->log[0].n;
    struct texport x;
    copy(&f->x[0], &x);
    char *sig = strstr(x.line[n], "\"sig\":\"");
    sig[7] = other_b64(sig[7]);
    expect(f, &x, false, SP_AUDIT_FAULT_HEAD, n, "head signature");
    texport_set(&x, n, f->x[1].line[f->x[1].n - 1]); /* node-b's head */
    expect(f, &x, false, SP_AUDIT_FAULT_HEAD, n, "another node's head");
    texport_set(&x, n, "{\"head\":{\"node\":\"node-a\",\"seq\":1},\"sig\":\"\"}");
    expect(f, &x, false, SP_AUDIT_FAULT_HEAD, n, "malformed head");
    texport_free(&x);
    /* an entry after the head */
    copy(&f->x[0], &x);
    texport_insert(&x, n + 1, f->x[0].line[n - 1]);
    expect(f, &x, false, SP_AUDIT_FAULT_INSERTED, n, "entry after the head");
    texport_free(&x);
    /* a second head line */
    copy(&f->x[0], &x);
    texport_insert(&x, n + 1, f->x[0].line[n]);
    struct sp_audit_report rep;
    assert_int_equal(check(f, &x, false, &rep), SP_ERR_AUDIT);
    assert_int_equal(rep.fault, SP_AUDIT_FAULT_MALFORMED);
    texport_free(&x);
}

static void test_garbage(void **state)
{
    struct fed *f = *state;
    struct texport x;
    copy(&f->x[0], &x);
    texport_set(&x, 4, "not json at all");
    expect(f, &x, false, SP_AUDIT_FAULT_MALFORMED, 4, "garbage line");
    texport_set(&x, 4, "");
    expect(f, &x, false, SP_AUDIT_FAULT_MALFORMED, 4, "empty line");
    texport_set(&x, 4, "{\"seq\":4}");
    expect(f, &x, false, SP_AUDIT_FAULT_MALFORMED, 4, "neither entry nor head");
    texport_free(&x);
    /* nothing at all; only a head */
    struct texport empty = {NULL, 0};
    struct sp_audit_report rep;
    assert_int_equal(check(f, &empty, false, &rep), SP_ERR_AUDIT);
    assert_int_equal(rep.fault, SP_AUDIT_FAULT_EMPTY);
    copy(&f->x[0], &x);
    while (x.n > 1)
        texport_remove(&x, 0);
    assert_int_equal(check(f, &x, false, &rep), SP_ERR_AUDIT);
    assert_int_equal(rep.fault, SP_AUDIT_FAULT_EMPTY);
    texport_free(&x);
}

/* A verifier without a key reads structure and pins only; pins need the
 * pinned node's key. */
static void test_verifier_api(void **state)
{
    struct fed *f = *state;
    struct sp_audit_verifier *v = NULL, *p = NULL;
    assert_int_equal(sp_audit_verifier_new(NULL, "Bad Name", &v), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_audit_verifier_new(NULL, NULL, &p), 0);
    for (size_t i = 0; i < f->x[1].n; i++)
        assert_int_equal(sp_audit_verifier_line(p, f->x[1].line[i], strlen(f->x[1].line[i])), 0);
    assert_string_equal(sp_audit_verifier_node(p), "node-b");
    assert_int_equal(sp_audit_verifier_new(NULL, "node-a", &v), 0);
    assert_int_equal(sp_audit_verifier_pins_from(v, p, NULL), SP_ERR_STATE);
    sp_audit_verifier_free(&v);
    /* a pin with a signature node-a never made is not applied */
    assert_int_equal(sp_audit_verifier_new(f->log[2].pk, "node-a", &v), 0);
    size_t bad = 0;
    assert_int_equal(sp_audit_verifier_pins_from(v, p, &bad), 0);
    assert_int_equal(bad, 1);
    struct sp_audit_report rep, rep2;
    assert_int_equal(sp_audit_verifier_finish(v, &rep), SP_ERR_AUDIT);
    assert_int_equal(rep.fault, SP_AUDIT_FAULT_EMPTY);
    assert_int_equal(sp_audit_verifier_finish(v, &rep2), SP_ERR_AUDIT);
    assert_int_equal(rep2.fault, rep.fault);
    assert_int_equal(sp_audit_verifier_line(v, "{}", 2), SP_ERR_STATE);
    sp_audit_verifier_free(&v);
    sp_audit_verifier_free(&p);
    assert_null(p);
    assert_string_equal(sp_audit_fault_name(SP_AUDIT_FAULT_REORDERED), "reordered");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reformatted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_raw_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_readable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reordered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verifier_api, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
