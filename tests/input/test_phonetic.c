/*
 * The Dutch phonetic code (input/phonetic.h): every spelling variant that
 * dutch-identifiers.md says it must absorb, names that must stay apart, and
 * the buffer contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "input/phonetic.h"

static const char *code(const char *core, char *buf, size_t cap)
{
    size_t n = sp_phonetic(core, strlen(core), buf, cap);
    assert_int_equal(n, strlen(buf));
    return buf;
}

/* Groups of folded cores (ij already folded to y) that must share a code. */
static const char *const same[][5] = {
    {"meyer", "meier", "mier", "myer", NULL},      /* ij/y/ei/i (Meijer = Meyer) */
    {"ryken", "riken", "reiken", NULL},            /* ij/y/ei/i (Rijken = Ryken) */
    {"dekker", "decker", "deker", NULL},           /* ck/k/c, doubled consonants */
    {"kwist", "quist", NULL},                      /* q */
    {"brandt", "brand", "brant", NULL},            /* dt/d/t */
    {"smid", "smit", NULL},                        /* final d */
    {"bosch", "bos", NULL},                        /* final sch/s */
    {"zwart", "swart", NULL},                      /* z/s */
    {"philips", "filips", NULL},                   /* ph/f */
    {"vries", "fries", "wries", NULL},             /* v/f, w/v */
    {"maes", "maas", NULL},                        /* ae/aa */
    {"hueting", "huuting", "hoeting", NULL},       /* ue/uu/oe */
    {"thomas", "tomas", NULL},                     /* th/t */
    {"achterberg", "agterberg", NULL},             /* ch/g */
    {"janssen", "jansen", "janse", "jansz", NULL}, /* -sen/-se/-s/-sz */
    {"bakker", "baker", NULL},                     /* doubled consonants */
    {"jansen-vries", "janssen-fries", NULL},       /* per part */
};

/* Pairs that must keep different codes. */
static const char *const apart[][2] = {
    {"jansen", "hansen"}, {"bakker", "bekker"}, {"vries", "vos"},
    {"smit", "smits"},    {"meer", "mees"},     {"jans", "jansen-vries"},
};

static void test_same(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(same) / sizeof(same[0]); g++) {
        char a[128], b[128];
        code(same[g][0], a, sizeof(a));
        for (size_t i = 1; same[g][i] != NULL; i++)
            if (strcmp(a, code(same[g][i], b, sizeof(b))) != 0)
                fail_msg("\"%s\" -> \"%s\" but \"%s\" -> \"%s\"", same[g][0], a, same[g][i], b);
    }
}

static void test_apart(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(apart) / sizeof(apart[0]); i++) {
        char a[128], b[128];
        if (strcmp(code(apart[i][0], a, sizeof(a)), code(apart[i][1], b, sizeof(b))) == 0)
            fail_msg("\"%s\" and \"%s\" share the code \"%s\"", apart[i][0], apart[i][1], a);
    }
}

static void test_values(void **state)
{
    static const char *const rows[][2] = {
        {"jansen", "jans"},     {"meyer", "mier"}, {"vries", "fries"},
        {"schipper", "sgiper"}, {"bosch", "bos"},  {"cornelissen", "kornelis"},
        {"xander", "ksander"},  {"sen", "sen"}, /* too short for -sen */
    };
    char buf[128];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        assert_string_equal(code(rows[i][0], buf, sizeof(buf)), rows[i][1]);
}

static void test_buffer(void **state)
{
    char buf[4];

    (void)state;
    assert_int_equal(sp_phonetic("", 0, buf, sizeof(buf)), 0);
    assert_int_equal(sp_phonetic("abc", 3, buf, 0), 0);
    assert_int_equal(sp_phonetic("vermeulen", 9, buf, sizeof(buf)), 0); /* too small */
    assert_string_equal(buf, "");
    assert_int_equal(sp_phonetic("x", 1, buf, sizeof(buf)), 2); /* x -> ks fits */
    assert_string_equal(buf, "ks");
    assert_int_equal(sp_phonetic("---", 3, buf, sizeof(buf)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_apart),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
