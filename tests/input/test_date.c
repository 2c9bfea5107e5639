/*
 * Dates of birth (input/date.h) in the four declared formats, with the
 * invalid values of dutch-identifiers.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "input/date.h"
#include "input/derive.h"

#define TODAY 20250615

struct row {
    int format;
    const char *in;
    int reason;
    int y, m, d; /* expected parts (also for an unknown-part date) */
};

static const struct row rows[] = {
    /* jjjjmmdd (BRP): 00 marks an unknown day or month, 00000000 unknown */
    {SP_DATE_YYYYMMDD, "19900131", 0, 1990, 1, 31},
    {SP_DATE_YYYYMMDD, "19900100", SP_REJECT_UNKNOWN_PART, 1990, 1, 0},
    {SP_DATE_YYYYMMDD, "19900000", SP_REJECT_UNKNOWN_PART, 1990, 0, 0},
    {SP_DATE_YYYYMMDD, "00000000", SP_REJECT_UNKNOWN_PART, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "19901301", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "19900231", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "19900132", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "1990131", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "1990-01-31", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_YYYYMMDD, " 19900131 ", 0, 1990, 1, 31},
    /* jjjj-mm-dd */
    {SP_DATE_ISO, "1990-01-31", 0, 1990, 1, 31},
    {SP_DATE_ISO, "1990-1-5", 0, 1990, 1, 5},
    {SP_DATE_ISO, "1990-13-01", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_ISO, "90-01-31", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_ISO, "31-01-1990", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_ISO, "1990/01/31", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_ISO, "1990-01-31T00:00", SP_REJECT_FORMAT, 0, 0, 0},
    /* dd-mm-jjjj */
    {SP_DATE_DMY_DASH, "31-01-1990", 0, 1990, 1, 31},
    {SP_DATE_DMY_DASH, "31-02-1990", SP_REJECT_RANGE, 0, 0, 0}, /* dutch-identifiers.md */
    {SP_DATE_DMY_DASH, "14-09-78", SP_REJECT_FORMAT, 0, 0, 0},  /* two-digit year */
    {SP_DATE_DMY_DASH, "01-13-1990", SP_REJECT_RANGE, 0, 0, 0}, /* month 13 */
    {SP_DATE_DMY_DASH, "29-02-2000", 0, 2000, 2, 29},           /* leap year */
    {SP_DATE_DMY_DASH, "29-02-1900", SP_REJECT_RANGE, 0, 0, 0}, /* not a leap year */
    {SP_DATE_DMY_DASH, "31-04-1990", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_DMY_DASH, "00-01-1990", SP_REJECT_UNKNOWN_PART, 1990, 1, 0},
    {SP_DATE_DMY_DASH, "31/01/1990", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_DMY_DASH, "1-1-1990", 0, 1990, 1, 1},
    {SP_DATE_DMY_DASH, "31-01-01990", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_DMY_DASH, "", SP_REJECT_FORMAT, 0, 0, 0},
    /* dd/mm/jjjj */
    {SP_DATE_DMY_SLASH, "31/01/1990", 0, 1990, 1, 31},
    {SP_DATE_DMY_SLASH, "14/09/78", SP_REJECT_FORMAT, 0, 0, 0},
    {SP_DATE_DMY_SLASH, "31-01-1990", SP_REJECT_FORMAT, 0, 0, 0},
    /* the future (against TODAY) and the distant past */
    {SP_DATE_DMY_DASH, "15-06-2025", 0, 2025, 6, 15},
    {SP_DATE_DMY_DASH, "16-06-2025", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_DMY_DASH, "01-01-2026", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "20250700", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_YYYYMMDD, "20260000", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_DMY_DASH, "31-12-1849", SP_REJECT_RANGE, 0, 0, 0},
    {SP_DATE_DMY_DASH, "01-01-1850", 0, 1850, 1, 1},
    /* no such format */
    {0, "1990-01-31", SP_REJECT_FORMAT, 0, 0, 0},
};

static void test_formats(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct sp_date d = {-1, -1, -1};
        int rc = sp_date_parse(r->format, r->in, strlen(r->in), TODAY, &d);
        if (rc != r->reason)
            fail_msg("format %d \"%s\": reason %d, expected %d", r->format, r->in, rc, r->reason);
        if ((rc == 0 || rc == SP_REJECT_UNKNOWN_PART) &&
            (d.year != r->y || d.month != r->m || d.day != r->d))
            fail_msg("\"%s\": %d-%d-%d", r->in, d.year, d.month, d.day);
        if (rc != 0 && rc != SP_REJECT_UNKNOWN_PART && d.year != -1)
            fail_msg("\"%s\": output written on a reject", r->in);
    }
}

static void test_no_today(void **state)
{
    struct sp_date d;

    (void)state;
    /* today 0: no future check */
    assert_int_equal(sp_date_parse(SP_DATE_ISO, "2999-01-01", 10, 0, &d), 0);
    assert_int_equal(sp_date_parse(SP_DATE_ISO, "2999-01-01", 10, 20250101, &d), SP_REJECT_RANGE);
}

static void test_format8(void **state)
{
    struct sp_date d = {1970, 1, 31};
    char out[9] = {0};

    (void)state;
    sp_date_format8(&d, out);
    assert_string_equal(out, "19700131");
    d = (struct sp_date){2005, 11, 2};
    sp_date_format8(&d, out);
    assert_string_equal(out, "20051102");
    assert_true(sp_date_exists(2024, 2, 29));
    assert_false(sp_date_exists(2023, 2, 29));
    assert_false(sp_date_exists(2000, 0, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_no_today),
        cmocka_unit_test(test_format8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
