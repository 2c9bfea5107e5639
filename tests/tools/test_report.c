/* The coordinator's report (tools/report*.c): the page from a struct filled
 * by hand — every cell's numbers as data attributes on a bar and a table
 * row, totals, suppression, the per-key-value note, escaping of every text
 * from outside, nothing that fetches or runs — and the audit facts read
 * from real audit entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/entry.h"
#include "common/keytype.h"
#include "tools/report.h"
#include "tools/report_audit.h"
#include "tools/report_html.h"
#include "tools/report_svg.h"

struct page {
    char *buf;
    size_t len;
};

/* Renders r; returns the page (NUL-terminated) or fails the test. */
static void render(const struct sp_report *r, struct page *p, int want)
{
    p->buf = NULL;
    p->len = 0;
    FILE *f = open_memstream(&p->buf, &p->len);
    assert_non_null(f);
    assert_int_equal(sp_report_html_write(f, r), want);
    assert_int_equal(fclose(f), 0);
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = hay; (s = strstr(s, needle)) != NULL; s += strlen(needle))
        n++;
    return n;
}

static void base(struct sp_report *r)
{
    static const char *const names[] = {"gemeente-a", "politie-b", "riec-c"};
    memset(r, 0, sizeof *r);
    snprintf(r->round_hex, sizeof r->round_hex, "%s", "00112233445566778899aabbccddeeff");
    snprintf(r->node, sizeof r->node, "%s", "riec-c");
    snprintf(r->case_ref, sizeof r->case_ref, "%s", "RIEC-MN-2026/014");
    snprintf(r->purpose, sizeof r->purpose, "%s", "ondermijning vastgoed");
    snprintf(r->coordinator, sizeof r->coordinator, "%s", "coordinator riec");
    snprintf(r->counter, sizeof r->counter, "%s", "riec-c");
    snprintf(r->initiator, sizeof r->initiator, "%s", "riec-c");
    snprintf(r->state, sizeof r->state, "%s", "done");
    r->have_proposal = true;
    r->mode = 3;
    r->min_holders = 2;
    r->key_types = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB) |
                   SP_KEY_MASK(SP_KEY_ADDRESS) | SP_KEY_MASK(SP_KEY_KVK);
    r->generated_at = 1760000000;
    r->started_at = 1760000000 - 125;
    r->finished_at = 1760000000 - 2;
    r->nparticipants = 3;
    for (int i = 0; i < 3; i++)
        snprintf(r->participants[i].name, sizeof r->participants[i].name, "%s", names[i]);
    r->have_counts = true;
}

static const struct sp_report_cell subject_cells[] = {
    {SP_ENTITY_PERSON, 0, 1, 900}, {SP_ENTITY_PERSON, 0, 3, 120}, {SP_ENTITY_PERSON, 0, 7, 15},
    {SP_ENTITY_PERSON, 0, 6, 40},  {SP_ENTITY_COMPANY, 0, 5, 12}, {SP_ENTITY_COMPANY, 0, 4, 300},
    {SP_ENTITY_ADDRESS, 0, 3, 77},
};
#define NSUBJECT (sizeof subject_cells / sizeof subject_cells[0])

static void test_subject_cells(void **state)
{
    struct sp_report r;
    struct page p;
    char attr[400];
    (void)state;
    base(&r);
    r.per_subject = true;
    r.cells = subject_cells;
    r.ncells = NSUBJECT;
    r.suppressed_below = 10;
    r.suppressed_cells = 4;
    r.suppressed_cells_known = true;
    render(&r, &p, 0);
    /* Each cell: one bar and one table row with the same numbers. */
    for (size_t i = 0; i < NSUBJECT; i++) {
        const struct sp_report_cell *c = &subject_cells[i];
        char who[200];
        sp_report_holders(&r, c->holders, who, sizeof who);
        snprintf(attr, sizeof attr,
                 "data-entity=\"%s\" data-holders=\"%s\" data-holders-mask=\"%u\" "
                 "data-count=\"%llu\"",
                 sp_report_entity_name(c->entity), who, (unsigned)c->holders,
                 (unsigned long long)c->count);
        assert_int_equal(occurrences(p.buf, attr), 2);
    }
    assert_int_equal(occurrences(p.buf, "<rect class=\"bar"), NSUBJECT);
    assert_int_equal(occurrences(p.buf, "<tr class=\"cell"), NSUBJECT);
    /* Totals: persons 1075, of which 175 held by two or more; politie-b holds 3, 7 and 6. */
    assert_non_null(strstr(p.buf, "data-entity=\"person\" data-total=\"1075\" "
                                  "data-matched=\"175\""));
    assert_non_null(strstr(p.buf, "data-participant=\"politie-b\" data-total=\"175\""));
    /* The summary: persons held by exactly 1, 2, 3 partners, by 2 or more, in total. */
    assert_non_null(strstr(p.buf, "<tr class=\"summary\" data-entity=\"person\" "
                                  "data-total=\"1075\" data-matched=\"175\"><td>persons</td>"
                                  "<td class=\"n\">900</td><td class=\"n\">160</td>"
                                  "<td class=\"n\">15</td><td class=\"n\"><strong>175</strong>"));
    assert_non_null(strstr(p.buf, "<strong>4 cells left out</strong>"));
    assert_non_null(strstr(p.buf, "data-suppressed-cells=\"4\""));
    assert_null(strstr(p.buf, "per-key-note"));
    /* Vehicles and accounts: none of their key types was proposed. */
    assert_non_null(strstr(p.buf, "id=\"entity-vehicle\""));
    assert_int_equal(occurrences(p.buf, "Not part of this round"), 2);
    assert_non_null(strstr(p.buf, "2 min 03 s"));
    free(p.buf);
}

static void test_key_cells(void **state)
{
    static const struct sp_report_cell cells[] = {
        {SP_ENTITY_PERSON, SP_KEY_BSN, 3, 50},
        {SP_ENTITY_PERSON, SP_KEY_NAME_DOB, 3, 60},
        {SP_ENTITY_ADDRESS, SP_KEY_ADDRESS, 5, 9},
    };
    struct sp_report r;
    struct page p;
    (void)state;
    base(&r);
    r.mode = 1;
    r.cells = cells;
    r.ncells = 3;
    r.suppressed_below = 5;
    render(&r, &p, 0);
    assert_non_null(strstr(p.buf, "id=\"per-key-note\""));
    assert_non_null(strstr(p.buf, "per key value, not per subject"));
    assert_int_equal(occurrences(p.buf,
                                 "data-key-type=\"bsn\" data-holders=\"gemeente-a+politie-b\" "
                                 "data-holders-mask=\"3\" data-count=\"50\""),
                     2);
    assert_int_equal(occurrences(p.buf, "data-entity=\"address\" data-key-type=\"address\" "
                                        "data-holders=\"gemeente-a+riec-c\""),
                     2);
    assert_non_null(strstr(p.buf, "id=\"chart-person-name_dob\""));
    assert_non_null(strstr(p.buf, "this node did not report how many"));
    /* A key type that is not of the cell's entity is refused. */
    struct sp_report_cell bad = {SP_ENTITY_COMPANY, SP_KEY_BSN, 3, 1};
    struct page q;
    r.cells = &bad;
    r.ncells = 1;
    render(&r, &q, SP_ERR_INVALID_ARG);
    free(q.buf);
    free(p.buf);
}

static void test_escaping(void **state)
{
    struct sp_report r;
    struct page p;
    (void)state;
    base(&r);
    snprintf(r.case_ref, sizeof r.case_ref, "%s", "<script>alert('x')</script>");
    snprintf(r.purpose, sizeof r.purpose, "%s",
             "a & b \"quoted\" \x01 bad \xff\xfe utf-8 \xc3\xa9");
    snprintf(r.participants[0].legal_basis, sizeof r.participants[0].legal_basis, "%s",
             "Wpg <art. 20>");
    snprintf(r.coordinator, sizeof r.coordinator, "%s", "</dd><img src=x>");
    r.have_counts = false;
    render(&r, &p, 0);
    assert_null(strstr(p.buf, "<script"));
    assert_null(strstr(p.buf, "<img"));
    assert_non_null(strstr(p.buf, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert_non_null(strstr(p.buf, "a &amp; b &quot;quoted&quot;   bad \xEF\xBF\xBD\xEF\xBF\xBD "
                                  "utf-8 \xc3\xa9"));
    assert_non_null(strstr(p.buf, "Wpg &lt;art. 20&gt;"));
    assert_non_null(strstr(p.buf, "holds no counts of this round"));
    free(p.buf);
}

/* Nothing in the page fetches or runs anything. */
static void test_self_contained(void **state)
{
    struct sp_report r;
    struct page p;
    (void)state;
    base(&r);
    r.per_subject = true;
    r.cells = subject_cells;
    r.ncells = NSUBJECT;
    render(&r, &p, 0);
    assert_null(strstr(p.buf, "<script"));
    assert_null(strstr(p.buf, "src="));
    assert_null(strstr(p.buf, "url("));
    assert_null(strstr(p.buf, "@import"));
    assert_null(strstr(p.buf, "https:"));
    /* The only http: is the SVG namespace, which is a name, not a fetch. */
    assert_int_equal(occurrences(p.buf, "http:"),
                     occurrences(p.buf, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(p.buf, "default-src 'none'"));
    assert_int_equal(occurrences(p.buf, "<svg"), occurrences(p.buf, "</svg>"));
    assert_non_null(strstr(p.buf, "</html>\n"));
    free(p.buf);
}

/* What the page says about the signed proposal file in each state. */
static void test_signed_file(void **state)
{
    struct sp_report r;
    struct page p;
    (void)state;
    base(&r);
    render(&r, &p, 0);
    assert_non_null(strstr(p.buf, "id=\"signature\" data-checked=\"false\">not given"));
    assert_null(strstr(p.buf, "<th>OIN</th>"));
    free(p.buf);
    r.file.given = true;
    snprintf(r.participants[1].oin, sizeof r.participants[1].oin, "%s", "00000001222222220000");
    render(&r, &p, 0);
    assert_non_null(strstr(p.buf, "id=\"signature\" data-checked=\"false\">given"));
    assert_non_null(strstr(p.buf, "<th>OIN</th>"));
    assert_non_null(strstr(p.buf, "00000001222222220000"));
    free(p.buf);
    r.file.checked = true;
    snprintf(r.file.why, sizeof r.file.why, "%s", "certificate <expired>");
    render(&r, &p, 0);
    assert_non_null(strstr(p.buf, "data-valid=\"false\""));
    assert_non_null(strstr(p.buf, "NOT valid: certificate &lt;expired&gt;"));
    free(p.buf);
    r.file.valid = true;
    r.file.serial = 0x1234;
    snprintf(r.file.name, sizeof r.file.name, "%s", "Coord & Co");
    render(&r, &p, 0);
    assert_non_null(strstr(p.buf, "data-valid=\"true\""));
    assert_non_null(strstr(p.buf, "<strong>Coord &amp; Co</strong>"));
    assert_non_null(strstr(p.buf, "serial 0000000000001234"));
    free(p.buf);
}

static void test_many_columns(void **state)
{
    struct sp_report r;
    struct page p;
    struct sp_report_cell cells[63];
    (void)state;
    base(&r);
    r.nparticipants = 6;
    for (int i = 3; i < 6; i++)
        snprintf(r.participants[i].name, sizeof r.participants[i].name, "node-%d", i);
    for (uint32_t m = 1; m <= 63; m++)
        cells[m - 1] = (struct sp_report_cell){SP_ENTITY_PERSON, 0, m, m * 10};
    r.per_subject = true;
    r.cells = cells;
    r.ncells = 63;
    render(&r, &p, 0);
    assert_int_equal(occurrences(p.buf, "<rect class=\"bar"), SP_REPORT_MAX_COLUMNS);
    assert_int_equal(occurrences(p.buf, "<tr class=\"cell"), 63);
    assert_non_null(strstr(p.buf, "all 63 are in the table"));
    /* All six: the first column. */
    assert_non_null(strstr(p.buf, "data-holders-mask=\"63\""));
    free(p.buf);
}

static void test_helpers(void **state)
{
    struct sp_report r;
    char who[32];
    (void)state;
    base(&r);
    sp_report_holders(&r, 5, who, sizeof who);
    assert_string_equal(who, "gemeente-a+riec-c");
    sp_report_holders(&r, UINT32_C(1) << 7 | 2, who, sizeof who);
    assert_string_equal(who, "politie-b+#7");
    sp_report_holders(&r, 7, who, 12);
    assert_int_equal(strlen(who), 11);
    assert_int_equal(sp_report_degree(0), 0);
    assert_int_equal(sp_report_degree(UINT32_MAX), 32);
    assert_string_equal(sp_report_entity_name(SP_ENTITY_ACCOUNT), "account");
    assert_null(sp_report_entity_name(0));
    assert_null(sp_report_entity_name(6));
    assert_string_equal(sp_report_mode_name(3), "partners");
    assert_string_equal(sp_report_mode_name(4), "case");
    assert_null(sp_report_mode_name(5));
    struct sp_report_upset u = {.id = "x", .entity = "person", .r = &r};
    assert_int_equal(sp_report_svg_upset(stdout, &u), SP_ERR_INVALID_ARG);
}

/* ---- audit facts ---- */

static int zero_sign(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg, size_t len)
{
    (void)ctx;
    (void)msg;
    (void)len;
    memset(sig, 0, SP_AUDIT_SIG_BYTES);
    return 0;
}

static const uint8_t ROUND[SP_ROUND_ID_BYTES] = {1, 2, 3};
static const uint8_t OTHER[SP_ROUND_ID_BYTES] = {9};

static void seal_add(struct sp_report *r, struct sp_audit_entry *e, uint64_t seq)
{
    uint8_t rec[SP_AUDIT_RECORD_MAX_BYTES], prev[SP_AUDIT_HASH_BYTES] = {0}, h[32];
    size_t len = 0;
    assert_int_equal(sp_audit_entry_seal(e, seq, 1760000000 + seq, prev, zero_sign, NULL, rec,
                                         sizeof rec, &len, h),
                     0);
    assert_int_equal(sp_report_audit_add(r, ROUND, e), 0);
    sp_audit_entry_free(&e);
}

static struct sp_audit_entry *accepted(const uint8_t *round)
{
    struct sp_audit_entry *e = NULL;
    uint8_t d[32];
    memset(d, 0xab, sizeof d);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_PROPOSAL_ACCEPTED, &e), 0);
    assert_int_equal(sp_audit_add_round(e, round), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_PROPOSAL_SHA256, d), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_COORDINATOR, "coord"), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_COORDINATOR_CERT_SHA256, d), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_CASE_REF, "CASE-1"), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_PURPOSE, "test purpose"), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_LEGAL_BASIS, "Wpg art. 20"), 0);
    assert_int_equal(sp_audit_add_mode(e, 3), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MIN_HOLDERS, 2), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_COUNTER, "b"), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_MAX_SET_SIZE, 1000), 0);
    assert_int_equal(sp_audit_add_keymask(e, SP_AUDIT_F_KEY_TYPES, SP_KEY_MASK(SP_KEY_BSN)), 0);
    assert_int_equal(sp_audit_add_time(e, SP_AUDIT_F_EXPIRES_AT, 1760003600), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RETENTION_DAYS, 0), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, "a"), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PARTICIPANT, "b"), 0);
    return e;
}

static void test_audit_facts(void **state)
{
    struct sp_report *r = calloc(1, sizeof *r);
    struct sp_audit_entry *e = NULL;
    uint8_t d[32];
    (void)state;
    assert_non_null(r);
    snprintf(r->node, sizeof r->node, "%s", "b");
    memset(d, 0x11, sizeof d);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_NODE_START, &e), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_NODE, "b"), 0);
    assert_int_equal(sp_audit_add_text(e, SP_AUDIT_F_SOFTWARE, "snijpunt"), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_CERT_SHA256, d), 0);
    seal_add(r, e, 0);
    seal_add(r, accepted(OTHER), 1); /* another round: ignored */
    assert_false(r->have_proposal);
    seal_add(r, accepted(ROUND), 2);
    assert_true(r->have_proposal);
    assert_string_equal(r->case_ref, "CASE-1");
    assert_string_equal(r->coordinator, "coord");
    assert_int_equal(r->nparticipants, 2);
    assert_string_equal(r->participants[1].legal_basis, "Wpg art. 20");
    assert_string_equal(r->participants[0].legal_basis, "");
    assert_true(r->have_retention);
    assert_int_equal(r->retention_days, 0);
    assert_true(r->have_node_cert);
    assert_int_equal(r->node_cert_sha256[0], 0x11);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_ROUND_SIZES, &e), 0);
    assert_int_equal(sp_audit_add_round(e, ROUND), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "a"), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SENT, SP_KEY_BSN, 10), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_SENT, SP_KEY_KVK, 5), 0);
    assert_int_equal(sp_audit_add_keycount(e, SP_AUDIT_F_RECEIVED, SP_KEY_BSN, 7), 0);
    seal_add(r, e, 3);
    assert_int_equal(r->npeers, 1);
    assert_int_equal(r->peers[0].sent, 15);
    assert_int_equal(r->peers[0].received, 7);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_ROUND_RESULT, &e), 0);
    assert_int_equal(sp_audit_add_round(e, ROUND), 0);
    assert_int_equal(sp_audit_add_mode(e, 3), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_RECORDS_MATCHED, 42), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_CELLS, 6), 0);
    seal_add(r, e, 4);
    assert_int_equal(r->records_matched, 42);
    assert_int_equal(r->cells_reported, 6);
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_LOG_HEAD_SENT, &e), 0);
    assert_int_equal(sp_audit_add_round(e, ROUND), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "a"), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_HEAD_SEQ, 4), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_HEAD_HASH, d), 0);
    seal_add(r, e, 5);
    uint8_t sig[64] = {0};
    assert_int_equal(sp_audit_entry_new(SP_AUDIT_LOG_HEAD_RECEIVED, &e), 0);
    assert_int_equal(sp_audit_add_round(e, ROUND), 0);
    assert_int_equal(sp_audit_add_name(e, SP_AUDIT_F_PEER, "a"), 0);
    assert_int_equal(sp_audit_add_count(e, SP_AUDIT_F_HEAD_SEQ, 9), 0);
    assert_int_equal(sp_audit_add_digest(e, SP_AUDIT_F_HEAD_HASH, d), 0);
    assert_int_equal(sp_audit_add_signature(e, SP_AUDIT_F_HEAD_SIG, sig), 0);
    seal_add(r, e, 6);
    assert_int_equal(r->nheads, 2);
    assert_true(r->heads[0].sent);
    assert_string_equal(r->heads[0].node, "b");
    assert_int_equal(r->heads[0].seq, 4);
    assert_false(r->heads[1].sent);
    assert_string_equal(r->heads[1].node, "a");
    assert_int_equal(r->heads[1].seq, 9);
    /* The page names them. */
    struct page p;
    render(r, &p, 0);
    assert_non_null(strstr(p.buf, "<tr class=\"head\" data-node=\"a\" data-seq=\"9\">"));
    assert_non_null(strstr(p.buf, "until read once"));
    assert_non_null(strstr(p.buf, "Wpg art. 20"));
    free(p.buf);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_cells), cmocka_unit_test(test_key_cells),
        cmocka_unit_test(test_escaping),      cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_many_columns),  cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_audit_facts),   cmocka_unit_test(test_signed_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
