/* Ingestion of messy exports: byte-order marks, CRLF, ';', latin-1 and
 * Windows-1252 bytes, quoted separators and line breaks, broken rows, empty
 * and header-only files, missing columns; the same result for every way of
 * cutting the file into chunks. The derivation step is replaced by a spy that
 * records the decoded texts it is handed (sp_ingest_set_derive). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/keytype.h"
#include "input/ingest.h"

/* What one run produced, rendered as text so runs can be compared. */
struct result {
    char s[16384];
    size_t n;
    int rc;
    char diag[1024];
    struct sp_ingest_stats st;
    int fail_after; /* callback returns SP_ERR_IO at this record (0: never) */
    int records;
};

static char spy_raw[4096]; /* the fields of the record being derived */
static int spy_today;

static void put(char *s, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *s, size_t cap, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(s + *n, cap - *n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < cap - *n);
    *n += (size_t)k;
}

/* The derivation double: renders the mapped fields and emits one bsn key
 * holding the raw bsn text, so key counting and delivery can be checked. */
static int spy_derive(const struct sp_derive_opts *opts, const struct sp_raw_record *rec,
                      struct sp_keyset *out, struct sp_field_stats stats[SP_FIELD_COUNT])
{
    size_t n = 0;
    spy_today = opts->today_yyyymmdd;
    spy_raw[0] = '\0';
    out->n = 0;
    out->buf_used = 0;
    for (int f = 1; f < SP_FIELD_COUNT; f++) {
        if (rec->v[f] == NULL)
            continue;
        put(spy_raw, sizeof(spy_raw), &n, " %s=%.*s", sp_field_name(f), (int)rec->len[f],
            rec->v[f]);
        if (rec->len[f] == 0)
            stats[f].empty++;
        else
            stats[f].accepted++;
    }
    /* The record id is ingest's to count; a spy that counts it too must not
     * change the statistics. */
    stats[SP_FIELD_RECORD_ID].accepted += 1000;
    size_t blen = rec->len[SP_FIELD_BSN];
    if (rec->v[SP_FIELD_BSN] != NULL && blen > 0 && blen <= sizeof(out->buf)) {
        memcpy(out->buf, rec->v[SP_FIELD_BSN], blen);
        out->keys[0] = (struct sp_key){.type = SP_KEY_BSN,
                                       .klass = SP_CLASS_A,
                                       .value_len = (uint16_t)blen,
                                       .value = out->buf};
        out->n = 1;
        out->buf_used = blen;
    }
    return 0;
}

static int on_record(void *ctx, const struct sp_record_keys *rec)
{
    struct result *r = ctx;
    put(r->s, sizeof(r->s), &r->n, "L%llu %s:%s", (unsigned long long)rec->line, rec->record_id,
        spy_raw);
    for (size_t i = 0; i < rec->nkeys; i++)
        put(r->s, sizeof(r->s), &r->n, " key%d=%.*s", rec->keys[i].type,
            (int)rec->keys[i].value_len, rec->keys[i].value);
    put(r->s, sizeof(r->s), &r->n, "\n");
    r->records++;
    if (r->fail_after > 0 && r->records >= r->fail_after)
        return SP_ERR_IO;
    return 0;
}

static void render_stats(struct result *r)
{
    const struct sp_ingest_stats *st = &r->st;
    put(r->s, sizeof(r->s), &r->n,
        "lines=%llu records=%llu usable=%llu nokeys=%llu keys=%llu bsnkeys=%llu "
        "errors=%llu dups=%llu\n",
        (unsigned long long)st->lines, (unsigned long long)st->records,
        (unsigned long long)st->records_usable, (unsigned long long)st->records_without_keys,
        (unsigned long long)st->keys, (unsigned long long)st->keys_by_type[SP_KEY_BSN],
        (unsigned long long)st->structural_errors, (unsigned long long)st->duplicate_record_ids);
    for (size_t i = 0; i < st->nerror_lines; i++) {
        char text[128];
        assert_int_equal(sp_ingest_error_describe(st, i, text, sizeof(text)), 0);
        put(r->s, sizeof(r->s), &r->n, "error line %llu %s: %s\n",
            (unsigned long long)st->error_lines[i], sp_errname(st->error_codes[i]), text);
    }
    for (int f = 0; f < SP_FIELD_COUNT; f++)
        if (st->fields[f].accepted + st->fields[f].empty > 0 || f == SP_FIELD_RECORD_ID)
            put(r->s, sizeof(r->s), &r->n, "%s %llu/%llu/%llu\n", sp_field_name(f),
                (unsigned long long)st->fields[f].accepted, (unsigned long long)st->fields[f].empty,
                (unsigned long long)(st->fields[f].rejected[SP_REJECT_LENGTH] +
                                     st->fields[f].rejected[SP_REJECT_FORMAT]));
}

static uint64_t rng_state = 0x2545F4914F6CDD1Du;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static struct sp_mapping *mapping(const char *text)
{
    struct sp_mapping *m = NULL;
    char diag[256];
    if (sp_mapping_parse(text, strlen(text), &m, diag, sizeof(diag)) != 0)
        fail_msg("mapping: %s", diag);
    return m;
}

/* Feeds data whole (mode 0), byte by byte (1), in random chunks (2) or in
 * two pieces cut at `cut` (3). */
static void run(const char *map_text, const char *data, size_t len, int mode, size_t cut,
                struct result *r)
{
    struct sp_mapping *m = mapping(map_text);
    struct sp_ingest *ing = NULL;
    int fail_after = r->fail_after;

    memset(r, 0, sizeof(*r));
    r->fail_after = fail_after;
    assert_int_equal(sp_ingest_new(m, &ing), 0);
    assert_int_equal(sp_ingest_set_derive(ing, spy_derive), 0);
    assert_int_equal(sp_ingest_set_today(ing, 20250131), 0);
    for (size_t pos = 0; pos < len && r->rc == 0;) {
        size_t n = len - pos;
        if (mode == 1)
            n = 1;
        else if (mode == 2)
            n = 1 + (size_t)(rng() % 13);
        else if (mode == 3)
            n = pos < cut ? cut - pos : len - pos;
        n = n > len - pos ? len - pos : n;
        r->rc = sp_ingest_feed(ing, (const uint8_t *)data + pos, n, on_record, r);
        pos += n;
    }
    if (r->rc == 0)
        r->rc = sp_ingest_finish(ing, on_record, r);
    snprintf(r->diag, sizeof(r->diag), "%s", sp_ingest_diagnostic(ing));
    r->st = *sp_ingest_stats(ing);
    render_stats(r);
    put(r->s, sizeof(r->s), &r->n, "rc=%d\n", r->rc);
    sp_ingest_free(&ing);
    assert_null(ing);
    sp_mapping_free(&m);
}

/* Runs every chunking and checks they all agree; returns the whole-file run. */
static void run_all(const char *map_text, const char *data, size_t len, struct result *whole)
{
    struct result *other = calloc(1, sizeof(*other));
    assert_non_null(other);
    run(map_text, data, len, 0, 0, whole);
    run(map_text, data, len, 1, 0, other);
    if (strcmp(whole->s, other->s) != 0)
        fail_msg("byte by byte differs:\n%s\n--- whole:\n%s", other->s, whole->s);
    for (int i = 0; i < 5; i++) {
        run(map_text, data, len, 2, 0, other);
        if (strcmp(whole->s, other->s) != 0)
            fail_msg("random chunks differ:\n%s\n--- whole:\n%s", other->s, whole->s);
    }
    for (size_t cut = 0; cut <= len; cut++) {
        run(map_text, data, len, 3, cut, other);
        if (strcmp(whole->s, other->s) != 0)
            fail_msg("cut at %zu differs:\n%s\n--- whole:\n%s", cut, other->s, whole->s);
    }
    free(other);
}

static void expect(const struct result *r, const char *want)
{
    if (strcmp(r->s, want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", r->s, want);
}

#define POLITIE_MAP                                                                                \
    "kind = person\nseparator = ;\ndate_format = dd-mm-jjjj\nsurname_form = with-prefix\n"         \
    "record_id = registratienummer\nbsn = bsn\nsurname = achternaam\n"                             \
    "birth_date = geboortedatum\nhouse_number = huisnummer\n"

/* BOM, CRLF, ';', a quoted field with ';' and a line break, a short row, an
 * unmapped extra column, and a last line without line end. */
static void test_bom_crlf_semicolon(void **state)
{
    static const char data[] =
        "\xEF\xBB\xBFregistratienummer;achternaam;geboortedatum;bsn;huisnummer;woonplaats\r\n"
        "PL-1;Vries, de;04-08-2001;377149846;3;\"OH\xC3\x89;\"\r\n"
        "PL-2;\"van der\r\nMeer\";17-08-1951;;24-bis;Utrecht\r\n"
        "PL-3;Jansen;01-01-1990;111222333\r\n"
        "PL-4;\"Bakker \"\"Jr\"\"\";02-02-1980;123456782;12a;\"a;b\"";
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    run_all(POLITIE_MAP, data, sizeof(data) - 1, r);
    expect(r, "L2 PL-1: bsn=377149846 surname=Vries, de birth_date=04-08-2001 house_number=3 "
              "key1=377149846\n"
              "L3 PL-2: bsn= surname=van der\r\nMeer birth_date=17-08-1951 house_number=24-bis\n"
              "L6 PL-4: bsn=123456782 surname=Bakker \"Jr\" birth_date=02-02-1980 "
              "house_number=12a key1=123456782\n"
              "lines=6 records=4 usable=3 nokeys=1 keys=2 bsnkeys=2 errors=1 dups=0\n"
              "error line 5 SP_ERR_INPUT_FIELD_COUNT: expected 6 fields, found 4\n"
              "record_id 3/0/0\nbsn 2/1/0\nsurname 3/0/0\nbirth_date 3/0/0\n"
              "house_number 3/0/0\nrc=0\n");
    free(r);
}

#define OM_MAP(enc)                                                                                \
    "kind = person\nencoding = " enc "\ndate_format = dd/mm/jjjj\n"                                \
    "record_id = parketnummer\nfull_name = naam\nbirth_date = geboortedatum\nbsn = bsn\n"

/* ISO-8859-1: "Öztürk" is 0xD6 ... 0xFC; the header has a latin-1 column
 * name too. C1 bytes (0x80..0x9F) are not text in ISO-8859-1. */
static void test_latin1(void **state)
{
    static const char data[] = "parketnummer,naam,geboortedatum,bsn,opmerking \xE9\xE9n\n"
                               "93/1-23,\"\xD6zt\xFCrk, Hasan\",11/07/1970,270660112,\n"
                               "93/2-23,Gabri\xEBl de Graaf,31/03/1966,,x\n"
                               "93/3-23,Bad \x80 byte,01/01/1970,,\n"
                               "93/4-23,A. B\xE4r,01/01/1971,,\xFF\n";
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    run_all(OM_MAP("iso-8859-1"), data, sizeof(data) - 1, r);
    expect(r, "L2 93/1-23: bsn=270660112 full_name=\xC3\x96zt\xC3\xBCrk, Hasan "
              "birth_date=11/07/1970 key1=270660112\n"
              "L3 93/2-23: bsn= full_name=Gabri\xC3\xABl de Graaf birth_date=31/03/1966\n"
              "L5 93/4-23: bsn= full_name=A. B\xC3\xA4r birth_date=01/01/1971\n"
              "lines=5 records=4 usable=3 nokeys=2 keys=1 bsnkeys=1 errors=1 dups=0\n"
              "error line 4 SP_ERR_INPUT_ENCODING: column 2: bytes not valid in the declared "
              "encoding\n"
              "record_id 3/0/0\nbsn 1/2/0\nfull_name 3/0/0\nbirth_date 3/0/0\nrc=0\n");
    free(r);
}

/* Windows-1252: 0x80 is the euro sign, 0x9A is š; 0x81 is undefined. */
static void test_cp1252(void **state)
{
    static const char data[] = "parketnummer,naam,geboortedatum,bsn\n"
                               "1,Ko\x9Ai\x9A \x80,01/01/1970,\n"
                               "2,Und\x81"
                               "efined,01/01/1970,\n";
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    run_all(OM_MAP("windows-1252"), data, sizeof(data) - 1, r);
    expect(r, "L2 1: bsn= full_name=Ko\xC5\xA1i\xC5\xA1 \xE2\x82\xAC birth_date=01/01/1970\n"
              "lines=3 records=2 usable=1 nokeys=1 keys=0 bsnkeys=0 errors=1 dups=0\n"
              "error line 3 SP_ERR_INPUT_ENCODING: column 2: bytes not valid in the declared "
              "encoding\n"
              "record_id 1/0/0\nbsn 0/1/0\nfull_name 1/0/0\nbirth_date 1/0/0\nrc=0\n");
    free(r);
}

/* Invalid UTF-8 (a latin-1 byte, an overlong form, a multibyte character cut
 * by a quote) skips that row only; valid multibyte text passes whole. */
static void test_invalid_utf8(void **state)
{
    static const char data[] = "parketnummer,naam,geboortedatum,bsn\n"
                               "1,\xC3\x96zt\xC3\xBCrk,01/01/1970,1\n"
                               "2,\xD6zt\xFCrk,01/01/1970,2\n"
                               "3,x,01/01/1970,\xC0\xAF\n"
                               "4,\"\xC3\",\xA9,01/01/1970\n"
                               "5,\xF0\x9F\x98\x80,01/01/1970,5\n";
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    run_all(OM_MAP("utf-8"), data, sizeof(data) - 1, r);
    expect(r, "L2 1: bsn=1 full_name=\xC3\x96zt\xC3\xBCrk birth_date=01/01/1970 key1=1\n"
              "L6 5: bsn=5 full_name=\xF0\x9F\x98\x80 birth_date=01/01/1970 key1=5\n"
              "lines=6 records=5 usable=2 nokeys=0 keys=2 bsnkeys=2 errors=3 dups=0\n"
              "error line 3 SP_ERR_INPUT_ENCODING: column 2: bytes not valid in the declared "
              "encoding\n"
              "error line 4 SP_ERR_INPUT_ENCODING: column 4: bytes not valid in the declared "
              "encoding\n"
              "error line 5 SP_ERR_INPUT_ENCODING: column 2: bytes not valid in the declared "
              "encoding\n"
              "record_id 2/0/0\nbsn 2/0/0\nfull_name 2/0/0\nbirth_date 2/0/0\nrc=0\n");
    free(r);
}

#define SIMPLE_MAP "kind = person\nrecord_id = id\nbsn = bsn\n"

/* Quoting errors, record id problems and duplicates are counted per row. */
static void test_row_errors(void **state)
{
    static const char data[] = "ID , BSN \n"
                               "a,1\n"
                               "b,x\"y\n"
                               "c,\"q\"r\n"
                               ",2\n"
                               "\"  \",3\n"
                               "\"id\x01\",4\n"
                               "a,5\n"
                               "\n"
                               "d,\"open\n"
                               "e,6\n";
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    run_all(SIMPLE_MAP, data, sizeof(data) - 1, r);
    expect(r, "L2 a: bsn=1 key1=1\n"
              "L8 a: bsn=5 key1=5\n"
              "lines=11 records=8 usable=2 nokeys=0 keys=2 bsnkeys=2 errors=6 dups=1\n"
              "error line 3 SP_ERR_INPUT_CSV: column 2: quote inside an unquoted field\n"
              "error line 4 SP_ERR_INPUT_CSV: column 2: quote inside an unquoted field\n"
              "error line 5 SP_ERR_INPUT_EMPTY: record id is empty\n"
              "error line 6 SP_ERR_INPUT_EMPTY: record id is empty\n"
              "error line 7 SP_ERR_INPUT_FORMAT: record id holds a control character\n"
              "error line 10 SP_ERR_INPUT_CSV: quoted field not closed before end of file\n"
              "record_id 2/2/1\nbsn 2/0/0\nrc=0\n");
    free(r);
}

static void test_record_id_too_long(void **state)
{
    char data[512];
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    size_t n = (size_t)snprintf(data, sizeof(data), "id,bsn\n");
    memset(data + n, 'i', SP_INGEST_MAX_RECORD_ID_BYTES);
    n += SP_INGEST_MAX_RECORD_ID_BYTES;
    n += (size_t)snprintf(data + n, sizeof(data) - n, ",1\nj");
    memset(data + n, 'i', SP_INGEST_MAX_RECORD_ID_BYTES);
    n += SP_INGEST_MAX_RECORD_ID_BYTES;
    n += (size_t)snprintf(data + n, sizeof(data) - n, ",2\n");
    run(SIMPLE_MAP, data, n, 0, 0, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->st.records_usable, 1);
    assert_int_equal(r->st.structural_errors, 1);
    assert_int_equal(r->st.error_lines[0], 3);
    assert_int_equal(r->st.error_kinds[0], SP_ROW_ID_TOO_LONG);
    assert_int_equal(r->st.fields[SP_FIELD_RECORD_ID].rejected[SP_REJECT_LENGTH], 1);
    free(r);
}

/* Files that cannot be used at all: a fatal error with a diagnostic. */
static void test_fatal_files(void **state)
{
    static const struct {
        const char *map;
        const char *data;
        size_t len;
        int rc;
        const char *diag;
    } cases[] = {
        {SIMPLE_MAP, "", 0, SP_ERR_INPUT_CSV, "the file is empty: it has no header row"},
        {SIMPLE_MAP, "\n\r\n\n", 4, SP_ERR_INPUT_CSV, "the file is empty"},
        {SIMPLE_MAP, "\xEF\xBB\xBF", 3, SP_ERR_INPUT_CSV, "the file is empty"},
        {SIMPLE_MAP, "id,naam\n1,x\n", 12, SP_ERR_INPUT_COLUMN,
         "line 1: column 'bsn' (field bsn, mapping line 3) is not in the header; the header "
         "has: id, naam"},
        {SIMPLE_MAP, "\n\nid,bsn,BSN\n", 12, SP_ERR_INPUT_COLUMN,
         "line 3: column 'bsn' (field bsn, mapping line 3) occurs more than once"},
        {SIMPLE_MAP, "id,\"bsn\n", 8, SP_ERR_INPUT_CSV,
         "line 1: the header row is malformed: quoted field not closed"},
        {SIMPLE_MAP, "id,bs\"n\n", 8, SP_ERR_INPUT_CSV,
         "line 1: the header row is malformed: quote inside"},
        {SIMPLE_MAP, "id,bsn\xFF\n", 8, SP_ERR_INPUT_ENCODING,
         "line 1: header column 2 is not valid utf-8"},
        {"kind = person\nencoding = latin-1\nrecord_id = id\nbsn = bsn\n", "\xEF\xBB\xBFid,bsn\n",
         10, SP_ERR_INPUT_ENCODING,
         "line 1: the file starts with a UTF-8 byte-order mark but the mapping says encoding = "
         "iso-8859-1"},
        {SIMPLE_MAP, "\xFF\xFEi\0d\0", 6, SP_ERR_INPUT_ENCODING, "line 1: the file is UTF-16"},
        {"kind = person\nheader = no\nrecord_id = 1\nbsn = 4\n", "a,b,c\n", 6, SP_ERR_INPUT_COLUMN,
         "line 1: field bsn is mapped to column 4 (mapping line 4) but the first record has 3 "
         "fields"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result *r = calloc(1, sizeof(*r));
        assert_non_null(r);
        for (int mode = 0; mode < 2; mode++) {
            run(cases[i].map, cases[i].data, cases[i].len, mode, 0, r);
            if (r->rc != cases[i].rc || strstr(r->diag, cases[i].diag) != r->diag)
                fail_msg("case %zu mode %d: rc %d diag '%s'", i, mode, r->rc, r->diag);
            assert_int_equal(r->st.records_usable, 0);
        }
        free(r);
    }
}

/* A header-only file is usable and has no records; so is a header without
 * line end. Column names match case-insensitively, spaces around ignored. */
static void test_header_only(void **state)
{
    static const char *const files[] = {"id,bsn\n", "id,bsn", "\xEF\xBB\xBF Id ;BSN\r\n"};
    static const char *const maps[] = {SIMPLE_MAP, SIMPLE_MAP, SIMPLE_MAP "separator = ;\n"};
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    for (size_t i = 0; i < 3; i++) {
        run_all(maps[i], files[i], strlen(files[i]), r);
        assert_int_equal(r->rc, 0);
        assert_int_equal(r->st.records, 0);
        assert_int_equal(r->st.lines, 1);
        assert_int_equal(r->st.expected_fields, 2);
    }
    free(r);
}

static void test_no_header(void **state)
{
    static const char data[] = "x|7|a\ny|8|b\nz|9\n";
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    run_all("kind = person\nheader = no\nseparator = |\nrecord_id = 1\nbsn = 2\n", data,
            sizeof(data) - 1, r);
    expect(r, "L1 x: bsn=7 key1=7\nL2 y: bsn=8 key1=8\n"
              "lines=3 records=3 usable=2 nokeys=0 keys=2 bsnkeys=2 errors=1 dups=0\n"
              "error line 3 SP_ERR_INPUT_FIELD_COUNT: expected 3 fields, found 2\n"
              "record_id 2/0/0\nbsn 2/0/0\nrc=0\n");
    free(r);
}

/* Only the first 100 error lines are remembered; the counts stay exact. */
static void test_many_errors(void **state)
{
    size_t cap = 16 + 150 * 8;
    char *data = malloc(cap);
    size_t n = 0;
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(data);
    assert_non_null(r);
    put(data, cap, &n, "id,bsn\n");
    for (int i = 0; i < 150; i++)
        put(data, cap, &n, "%d\n", i);
    put(data, cap, &n, "ok,1\n");
    run(SIMPLE_MAP, data, n, 2, 0, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->st.structural_errors, 150);
    assert_int_equal(r->st.errors_by_kind[SP_ROW_FIELD_COUNT], 150);
    assert_int_equal(r->st.nerror_lines, SP_INGEST_MAX_ERROR_LINES);
    assert_int_equal(r->st.error_lines[99], 101);
    assert_int_equal(r->st.records_usable, 1);
    assert_int_equal(r->st.records, 151);
    free(data);
    free(r);
}

/* A callback error stops ingestion and sticks; lifecycle errors. */
static void test_callback_error_and_lifecycle(void **state)
{
    static const char data[] = "id,bsn\na,1\nb,2\nc,3\n";
    struct sp_mapping *m = mapping(SIMPLE_MAP);
    struct sp_ingest *ing = NULL;
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    r->fail_after = 2;
    run(SIMPLE_MAP, data, sizeof(data) - 1, 0, 0, r);
    assert_int_equal(r->rc, SP_ERR_IO);
    assert_int_equal(r->records, 2);

    assert_int_equal(sp_ingest_new(m, &ing), 0);
    assert_int_equal(sp_ingest_set_today(ing, 1234), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_ingest_set_derive(ing, spy_derive), 0);
    r->fail_after = 1;
    r->records = 0;
    assert_int_equal(sp_ingest_feed(ing, (const uint8_t *)data, sizeof(data) - 1, on_record, r),
                     SP_ERR_IO);
    assert_int_equal(sp_ingest_feed(ing, (const uint8_t *)"d,4\n", 4, on_record, r), SP_ERR_IO);
    assert_int_equal(sp_ingest_finish(ing, on_record, r), SP_ERR_IO);
    assert_int_equal(r->records, 1);
    sp_ingest_free(&ing);

    assert_int_equal(sp_ingest_new(m, &ing), 0);
    assert_int_equal(sp_ingest_set_derive(ing, spy_derive), 0);
    assert_int_equal(sp_ingest_feed(ing, (const uint8_t *)"id,bsn\n", 7, on_record, r), 0);
    assert_int_equal(sp_ingest_set_today(ing, 20250101), SP_ERR_STATE);
    assert_int_equal(sp_ingest_set_derive(ing, NULL), SP_ERR_STATE);
    assert_int_equal(sp_ingest_finish(ing, on_record, r), 0);
    assert_int_equal(sp_ingest_finish(ing, on_record, r), SP_ERR_STATE);
    assert_int_equal(sp_ingest_feed(ing, (const uint8_t *)"a,1\n", 4, on_record, r), SP_ERR_STATE);
    assert_int_equal(sp_ingest_feed(ing, NULL, 4, on_record, r), SP_ERR_INVALID_ARG);
    assert_int_equal(sp_ingest_feed(ing, (const uint8_t *)"a", 1, NULL, r), SP_ERR_INVALID_ARG);
    assert_string_equal(sp_ingest_diagnostic(ing), "");
    sp_ingest_free(&ing);
    sp_ingest_free(&ing);
    sp_ingest_free(NULL);
    assert_int_equal(sp_ingest_new(NULL, &ing), SP_ERR_INVALID_ARG);
    sp_mapping_free(&m);
    free(r);
}

/* The date passed to set_today reaches derivation. */
static void test_today_reaches_derive(void **state)
{
    struct result *r = calloc(1, sizeof(*r));
    (void)state;
    assert_non_null(r);
    spy_today = 0;
    run(SIMPLE_MAP, "id,bsn\na,1\n", 11, 0, 0, r);
    assert_int_equal(spy_today, 20250131);
    free(r);
}

static void test_describe(void **state)
{
    struct sp_ingest_stats st;
    char buf[128];
    (void)state;
    memset(&st, 0, sizeof(st));
    assert_int_equal(sp_ingest_error_describe(&st, 0, buf, sizeof(buf)), SP_ERR_INVALID_ARG);
    st.nerror_lines = 2;
    st.expected_fields = 10;
    st.error_kinds[0] = SP_ROW_FIELD_COUNT;
    st.error_found[0] = 9;
    st.error_kinds[1] = SP_ROW_TOO_LONG;
    assert_int_equal(sp_ingest_error_describe(&st, 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "expected 10 fields, found 9");
    assert_int_equal(sp_ingest_error_describe(&st, 1, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "record longer than 65536 bytes");
    assert_int_equal(sp_ingest_error_describe(&st, 1, buf, 5), 0);
    assert_string_equal(buf, "reco");
    for (int k = 1; k < SP_ROW_ERROR_COUNT; k++)
        assert_string_not_equal(sp_row_error_text(k), "unknown row error");
    assert_string_equal(sp_row_error_text(0), "unknown row error");
    assert_string_equal(sp_row_error_text(SP_ROW_ERROR_COUNT), "unknown row error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom_crlf_semicolon),
        cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_cp1252),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_record_id_too_long),
        cmocka_unit_test(test_fatal_files),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_callback_error_and_lifecycle),
        cmocka_unit_test(test_today_reaches_derive),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
