/*
 * Trade-name normalisation (input/company.h): legal forms and generic
 * descriptors dropped, spellings of one name agree, different names differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "input/company.h"
#include "input/derive.h"

static const struct {
    const char *in;
    int reason;
    const char *out;
} rows[] = {
    /* legal forms, in every spelling */
    {"Dekker B.V.", 0, "dekker"},
    {"DEKKER BV", 0, "dekker"},
    {"Dekker B. V.", 0, "dekker"},
    {"Dekker bv", 0, "dekker"},
    {"Post C.V.", 0, "post"},
    {"POST CV", 0, "post"},
    {"Driessen V.O.F.", 0, "driessen"},
    {"Driessen vof", 0, "driessen"},
    {"Shell N.V.", 0, "shell"},
    {"Stichting Vrienden van het Museum", 0, "vriendenvanhetmuseum"},
    {"Vereniging Eigen Huis", 0, "eigenhuis"},
    {"Bakkerij Jansen eenmanszaak", 0, "bakkeryjansen"},
    {"Jansen Besloten Vennootschap", 0, "jansen"},
    {"Co\xc3\xb6peratie De Eendracht U.A.", 0, "deeendracht"},
    {"Jansen B.V. i.o.", 0, "jansen"},
    {"Jansen GmbH", 0, "jansen"},
    /* generic descriptors (dropped: measured, see input/match-keys.md) */
    {"Dekker Holding B.V.", 0, "dekker"},
    {"Rietman Vastgoed B.V.", 0, "rietman"},
    {"van der Meer Trading B.V.", 0, "vandermeer"},
    {"VAN DER MEER TRADING BV", 0, "vandermeer"},
    {"Hendriks Import Export B.V.", 0, "hendriks"},
    {"Mol en Zonen V.O.F.", 0, "mol"},
    {"Mol & Zn", 0, "mol"},
    {"van Wijk Groep B.V.", 0, "vanwyk"},
    {"Bijl Bedrijf Holding B.V.", 0, "byl"},
    {"van Ginneken, de Ruiter B.V.", 0, "vanginnekenderuiter"},
    {"MULDER, JONKER STICHTING", 0, "mulderjonker"},
    /* '&' is "en"; digits stay */
    {"Jansen & de Vries", 0, "jansenendevries"},
    {"Jansen en de Vries", 0, "jansenendevries"},
    {"Studio 54 B.V.", 0, "studio54"},
    /* only a descriptor left: it is the name */
    {"Holding B.V.", 0, "holding"},
    /* nothing left */
    {"B.V.", SP_REJECT_FORMAT, NULL},
    {"---", SP_REJECT_FORMAT, NULL},
    {"", SP_REJECT_FORMAT, NULL},
};

static void test_normalise(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[SP_COMPANY_NAME_MAX + 1];
        size_t len = 0;
        int rc = sp_company_normalise(rows[i].in, strlen(rows[i].in), out, &len);
        if (rc != rows[i].reason)
            fail_msg("\"%s\": reason %d, expected %d", rows[i].in, rc, rows[i].reason);
        if (rc == 0 && (strcmp(out, rows[i].out) != 0 || len != strlen(out)))
            fail_msg("\"%s\" -> \"%s\", expected \"%s\"", rows[i].in, out, rows[i].out);
    }
}

static void test_distinct(void **state)
{
    static const char *const apart[][2] = {
        {"Jansen B.V.", "Janssen B.V."},
        {"de Groot B.V.", "Groot B.V."},
        {"Jansen Bouw B.V.", "Jansen B.V."},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(apart) / sizeof(apart[0]); i++) {
        char a[SP_COMPANY_NAME_MAX + 1], b[SP_COMPANY_NAME_MAX + 1];
        size_t la, lb;
        assert_int_equal(sp_company_normalise(apart[i][0], strlen(apart[i][0]), a, &la), 0);
        assert_int_equal(sp_company_normalise(apart[i][1], strlen(apart[i][1]), b, &lb), 0);
        assert_string_not_equal(a, b);
    }
}

static void test_length(void **state)
{
    char in[300], out[SP_COMPANY_NAME_MAX + 1];
    size_t len;

    (void)state;
    memset(in, 'a', sizeof(in));
    assert_int_equal(sp_company_normalise(in, SP_COMPANY_NAME_MAX, out, &len), 0);
    assert_int_equal(len, SP_COMPANY_NAME_MAX);
    assert_int_equal(sp_company_normalise(in, SP_COMPANY_NAME_MAX + 1, out, &len),
                     SP_REJECT_LENGTH);
    assert_int_equal(sp_company_normalise(in, sizeof(in), out, &len), SP_REJECT_LENGTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
