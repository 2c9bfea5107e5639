/* The streaming CSV splitter: RFC 4180 records, structural errors, caps, and
 * identical results however the input is cut into chunks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "input/csv.h"

/* Rows rendered as text: L<line>[field|field]!<error>@<field> per row. */
struct out {
    char s[8192];
    size_t n;
    int stop_after; /* callback fails after this many rows (0: never) */
    int rows;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->s + o->n, sizeof(o->s) - o->n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof(o->s) - o->n);
    o->n += (size_t)k;
}

static int on_row(void *ctx, const struct sp_csv_row *row)
{
    struct out *o = ctx;
    put(o, "L%llu[", (unsigned long long)row->line);
    if (row->nfields > 16) {
        put(o, "%zu fields", row->nfields);
    } else {
        for (size_t i = 0; i < row->nstored; i++) {
            const uint8_t *p = row->data + row->field[i].off;
            if (i > 0)
                put(o, "|");
            if (row->field[i].len > 100) {
                put(o, "<%u bytes>", (unsigned)row->field[i].len);
                continue;
            }
            for (size_t j = 0; j < row->field[i].len; j++) {
                if (p[j] == '\r')
                    put(o, "\\r");
                else if (p[j] == '\n')
                    put(o, "\\n");
                else
                    put(o, "%c", p[j]);
            }
        }
    }
    put(o, "]");
    if (row->error != SP_CSV_OK)
        put(o, "!%d@%zu", row->error, row->error_field);
    put(o, ";");
    o->rows++;
    if (o->stop_after > 0 && o->rows >= o->stop_after)
        return SP_ERR_IO;
    return 0;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Splits in into chunks: chunk 0 = whole, 1 = one byte each, 2 = random
 * sizes, 3 = two pieces at offset cut. Returns the rendered rows + lines. */
static void run(const struct sp_csv_opts *opts, const char *in, size_t len, int mode, size_t cut,
                struct out *o)
{
    struct sp_csv *c = NULL;
    assert_int_equal(sp_csv_new(opts, &c), 0);
    memset(o, 0, sizeof(*o));
    size_t pos = 0;
    while (pos < len) {
        size_t n = len - pos;
        if (mode == 1)
            n = 1;
        else if (mode == 2)
            n = 1 + (size_t)(rng() % 7);
        else if (mode == 3)
            n = pos < cut ? cut - pos : len - pos;
        if (n > len - pos)
            n = len - pos;
        assert_int_equal(sp_csv_feed(c, (const uint8_t *)in + pos, n, on_row, o), 0);
        pos += n;
    }
    assert_int_equal(sp_csv_finish(c, on_row, o), 0);
    put(o, "#%llu", (unsigned long long)sp_csv_lines(c));
    sp_csv_free(&c);
    assert_null(c);
}

struct csv_case {
    const char *in;
    char sep;
    int quote;
    bool trim;
    const char *want;
};

#define E_STRAY "!1@"
#define E_OPEN  "!2@"

static const struct csv_case cases[] = {
    /* plain records, LF, CRLF, lone CR, last line without line end */
    {"a,b,c\nd,e,f\n", ',', '"', false, "L1[a|b|c];L2[d|e|f];#2"},
    {"a,b,c\r\nd,e,f\r\n", ',', '"', false, "L1[a|b|c];L2[d|e|f];#2"},
    {"a,b\rc,d\r", ',', '"', false, "L1[a|b];L2[c|d];#2"},
    {"a,b\nc,d", ',', '"', false, "L1[a|b];L2[c|d];#2"},
    {"a;b\r\nc;d", ';', '"', false, "L1[a|b];L2[c|d];#2"},
    /* empty fields, trailing separator, one column */
    {",,\n", ',', '"', false, "L1[||];#1"},
    {"a,b,\n", ',', '"', false, "L1[a|b|];#1"},
    {"x\n", ',', '"', false, "L1[x];#1"},
    /* empty lines are skipped but counted */
    {"a\n\n\r\n\nb\n", ',', '"', false, "L1[a];L5[b];#5"},
    {"", ',', '"', false, "#0"},
    {"\n\n", ',', '"', false, "#2"},
    {"\r\n", ',', '"', false, "#1"},
    /* quoting: separators, doubled quotes, line breaks inside quotes */
    {"\"a,b\",\"c\"\"d\"\n", ',', '"', false, "L1[a,b|c\"d];#1"},
    {"\"\",\"\"\"\"\n", ',', '"', false, "L1[|\"];#1"},
    {"1,\"two\nlines\",x\n2,y,z\n", ',', '"', false, "L1[1|two\\nlines|x];L3[2|y|z];#3"},
    {"1,\"a\r\nb\r\nc\"\r\n2,\"\"\r\n", ',', '"', false, "L1[1|a\\r\\nb\\r\\nc];L4[2|];#4"},
    {"\"x;y\";\"\"\"q\"\"\"\r\n", ';', '"', false, "L1[x;y|\"q\"];#1"},
    /* structural errors: stray quotes, text after a closing quote, open quote */
    {"ab\"c,d\ne,f\n", ',', '"', false, "L1[ab\"c|d]" E_STRAY "0;L2[e|f];#2"},
    {"a,\"b\"c,d\ne\n", ',', '"', false, "L1[a|bc|d]" E_STRAY "1;L2[e];#2"},
    {"a,\"open\nb,c\n", ',', '"', false, "L1[a|open\\nb,c\\n]" E_OPEN "1;#2"},
    {"a,\"open", ',', '"', false, "L1[a|open]" E_OPEN "1;#1"},
    /* no quoting: quotes are text */
    {"a\"b,\"c\"\n", ',', SP_CSV_NO_QUOTE, false, "L1[a\"b|\"c\"];#1"},
    /* other separators and quote characters */
    {"a\tb c\t\n", '\t', '"', false, "L1[a|b c|];#1"},
    {"a|'b|c'|d\n", '|', '\'', false, "L1[a|b|c|d];#1"},
    /* trim: spaces around fields and around quotes; inner spaces stay */
    {" a , b c ,  \"d \" , \"\"\n", ',', '"', true, "L1[a|b c|d |];#1"},
    {"rec-1, elton, , 3\n", ',', '"', true, "L1[rec-1|elton||3];#1"},
    {"\t a\t,b\n", ',', '"', true, "L1[a|b];#1"},
    {" a \tb\n", '\t', '"', true, "L1[a|b];#1"},
    {"\"a\" x,b\n", ',', '"', true, "L1[ax|b]" E_STRAY "0;#1"},
    /* without trim, spaces are data and a space before a quote makes it stray */
    {" a , \"b\"\n", ',', '"', false, "L1[ a | \"b\"]" E_STRAY "1;#1"},
    /* a line of spaces is a record with one empty field when trimming */
    {"a\n   \nb\n", ',', '"', true, "L1[a];L2[];L3[b];#3"},
};

static void check_case(size_t i)
{
    const struct csv_case *c = &cases[i];
    struct sp_csv_opts opts = {.sep = c->sep, .quote = c->quote, .trim = c->trim};
    size_t len = strlen(c->in);
    struct out whole, other;

    run(&opts, c->in, len, 0, 0, &whole);
    if (strcmp(whole.s, c->want) != 0)
        fail_msg("case %zu: got '%s', want '%s'", i, whole.s, c->want);
    run(&opts, c->in, len, 1, 0, &other);
    if (strcmp(whole.s, other.s) != 0)
        fail_msg("case %zu byte by byte: got '%s'", i, other.s);
    for (int r = 0; r < 8; r++) {
        run(&opts, c->in, len, 2, 0, &other);
        if (strcmp(whole.s, other.s) != 0)
            fail_msg("case %zu random chunks: got '%s'", i, other.s);
    }
    for (size_t cut = 0; cut <= len; cut++) {
        run(&opts, c->in, len, 3, cut, &other);
        if (strcmp(whole.s, other.s) != 0)
            fail_msg("case %zu cut at %zu: got '%s'", i, cut, other.s);
    }
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(i);
}

/* A record over the byte cap is an error row; the next record is intact. */
static void test_record_too_long(void **state)
{
    size_t big = SP_CSV_MAX_RECORD_BYTES + 10;
    char *in = malloc(big + 32);
    struct sp_csv_opts opts = {.sep = ',', .quote = '"'};
    struct out o;
    (void)state;
    assert_non_null(in);
    memcpy(in, "a,\"", 3);
    memset(in + 3, 'x', big);
    memcpy(in + 3 + big, "\"\nb,c\n", 7);
    run(&opts, in, strlen(in), 0, 0, &o);
    assert_non_null(strstr(o.s, "!3@1;L2[b|c];#2"));
    run(&opts, in, strlen(in), 2, 0, &o);
    assert_non_null(strstr(o.s, "!3@1;L2[b|c];#2"));
    /* An open quote that swallows more than the cap is reported as open. */
    in[3 + big] = '\0';
    run(&opts, in, strlen(in), 0, 0, &o);
    assert_string_equal(o.s, "L1[a|]!2@1;#1");
    /* Exactly at the cap is fine. */
    memset(in, 'y', SP_CSV_MAX_RECORD_BYTES);
    memcpy(in + SP_CSV_MAX_RECORD_BYTES, "\nz\n", 4);
    run(&opts, in, strlen(in), 0, 0, &o);
    assert_null(strchr(o.s, '!'));
    assert_non_null(strstr(o.s, "L2[z];#2"));
    free(in);
}

static void test_too_many_fields(void **state)
{
    size_t n = SP_CSV_MAX_FIELDS + 5;
    char *in = malloc(n + 8);
    struct sp_csv_opts opts = {.sep = ',', .quote = '"'};
    struct out o;
    (void)state;
    assert_non_null(in);
    memset(in, ',', n);
    memcpy(in + n, "\nq\n", 4);
    run(&opts, in, strlen(in), 0, 0, &o);
    char want[64];
    snprintf(want, sizeof(want), "L1[%zu fields]!4@%d;L2[q];#2", n + 1, SP_CSV_MAX_FIELDS);
    assert_string_equal(o.s, want);
    /* Exactly at the cap is fine. */
    memset(in, ',', SP_CSV_MAX_FIELDS - 1);
    memcpy(in + SP_CSV_MAX_FIELDS - 1, "\n", 2);
    run(&opts, in, strlen(in), 0, 0, &o);
    assert_null(strchr(o.s, '!'));
    free(in);
}

static void test_callback_error_stops(void **state)
{
    struct sp_csv_opts opts = {.sep = ',', .quote = '"'};
    struct sp_csv *c = NULL;
    struct out o;
    (void)state;
    memset(&o, 0, sizeof(o));
    o.stop_after = 2;
    assert_int_equal(sp_csv_new(&opts, &c), 0);
    assert_int_equal(sp_csv_feed(c, (const uint8_t *)"a\nb\nc\n", 6, on_row, &o), SP_ERR_IO);
    assert_int_equal(o.rows, 2);
    sp_csv_free(&c);
    sp_csv_free(&c); /* NULL is a no-op */
    sp_csv_free(NULL);
}

static void test_bad_options(void **state)
{
    static const struct sp_csv_opts bad[] = {
        {.sep = '\n', .quote = '"'}, {.sep = '\r', .quote = '"'}, {.sep = '"', .quote = '"'},
        {.sep = ',', .quote = '\n'}, {.sep = 0, .quote = '"'},    {.sep = (char)0xC3, .quote = '"'},
        {.sep = ',', .quote = 200},
    };
    struct sp_csv *c = NULL;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(sp_csv_new(&bad[i], &c), SP_ERR_INVALID_ARG);
    assert_null(c);
    assert_int_equal(sp_csv_new(NULL, &c), SP_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),           cmocka_unit_test(test_record_too_long),
        cmocka_unit_test(test_too_many_fields), cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
