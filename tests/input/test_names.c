/*
 * Names (input/fold.h, input/names.h): folding to ASCII, the voorvoegsel
 * table, every surname form of dutch-identifiers.md, double surnames,
 * particles kept in other cultures, initials, titles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "input/derive.h"
#include "input/fold.h"
#include "input/names.h"

/* ---- folding ------------------------------------------------------------------ */

static void test_fold(void **state)
{
    static const char *const rows[][2] = {
        /* diacritics (dutch-identifiers.md), Turkish dotless and dotted i */
        {"\xc3\x96zt\xc3\xbcrk", "ozturk"}, /* Öztürk */
        {"H\xc3\xbcseyin", "huseyin"},      /* Hüseyin */
        {"Y\xc4\xb1lmaz", "yilmaz"},        /* Yılmaz */
        {"\xc4\xb0"
         "brahim",
         "ibrahim"}, /* İbrahim */
        {"\xc5\x9e"
         "ahin",
         "sahin"}, /* Şahin */
        {"Do\xc4\x9f"
         "an",
         "dogan"}, /* Doğan */
        {"\xc3\x87"
         "elik",
         "celik"},                         /* Çelik */
        {"G\xc3\xbcne\xc5\x9f", "gunes"},  /* Güneş */
        {"Rodr\xc3\xadguez", "rodriguez"}, /* Rodríguez */
        {"Gon\xc3\xa7"
         "alves",
         "goncalves"},                /* Gonçalves */
        {"Jo\xc3\xabl", "joel"},      /* Joël */
        {"Strau\xc3\x9f", "strauss"}, /* ß -> ss */
        {"\xc3\x86"
         "lfred",
         "aelfred"},                            /* Æ */
        {"S\xc3\xb8rensen", "sorensen"},        /* ø */
        {"\xc5\x81ukasz", "lukasz"},            /* Ł */
        {"\xc4\xb2sselmuiden", "ijsselmuiden"}, /* Ĳ ligature */
        {"e\xcc\x81"
         "e",
         "ee"},                             /* e + combining acute */
        {"\xef\xbc\xa1\xef\xbd\x82", "ab"}, /* full-width Ａｂ */
        {"\xef\xac\x81"
         "ne",
         "fine"}, /* ﬁ ligature */
        {"van\xc2\xa0"
         "Dijk",
         "van dijk"},                            /* no-break space */
        {"van \xe2\x80\x99t Hof", "van 't hof"}, /* right single quote */
        {"Jansen\xe2\x80\x93"
         "de Vries",
         "jansen-de vries"}, /* en dash */
        {"  Jan   Kees  ", "jan kees"},
        {"Meer; van der", "meer, van der"},
        {"O`Brien", "o'brien"},
    };
    struct sp_folded f;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sp_fold(rows[i][0], strlen(rows[i][0]), &f);
        if (f.len != strlen(rows[i][1]) || memcmp(f.s, rows[i][1], f.len) != 0)
            fail_msg("fold(\"%s\") = \"%.*s\", expected \"%s\"", rows[i][0], (int)f.len, f.s,
                     rows[i][1]);
        assert_false(f.foreign);
    }
    /* upper case is remembered (for "VanderMeer") */
    sp_fold("VdM", 3, &f);
    assert_int_equal(f.upper[0], 1);
    assert_int_equal(f.upper[1], 0);
    assert_int_equal(f.upper[2], 1);
    /* another script, and bytes that are not UTF-8 */
    sp_fold("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", 8, &f); /* Иван */
    assert_true(f.foreign);
    assert_int_equal(f.len, 0);
    sp_fold("Jans\xe9n", 6, &f); /* latin-1 é: not UTF-8 */
    assert_true(f.foreign);
    assert_int_equal(f.len, 6);
    sp_fold("\xc0\xaf", 2, &f); /* overlong */
    assert_true(f.foreign);
    /* cap */
    char big[600];
    memset(big, 'a', sizeof(big));
    sp_fold(big, sizeof(big), &f);
    assert_true(f.truncated);
}

/* ---- voorvoegsels --------------------------------------------------------------- */

static void test_voorvoegsel_table(void **state)
{
    /* every prefix dutch-identifiers.md lists */
    static const char *const listed[] = {
        "van",     "de",      "van der", "van den", "van de",  "den",     "der",      "ter",
        "ten",     "te",      "'t",      "van 't",  "in 't",   "'s",      "op de",    "op den",
        "op 't",   "in de",   "in den",  "in het",  "uit de",  "uit den", "uit het",  "aan de",
        "aan den", "aan het", "bij de",  "van het", "van ter", "van ten", "onder de", "over de",
        "voor de", "tot",     "thoe",    "ver",     "d'",      "l'",      "la",       "le",
        "el",      "al",      "da",      "di",      "do",      "dos",     "du",       "del",
        "della",   "von",     "von der", "zu",      "zum",     "zur",
    };
    char canon[SP_NAME_PREFIX_MAX + 1];

    (void)state;
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
        if (!sp_voorvoegsel_lookup(listed[i], strlen(listed[i]), canon))
            fail_msg("voorvoegsel \"%s\" not in the table", listed[i]);
        assert_string_equal(canon, listed[i]);
    }
    assert_true(sp_voorvoegsel_count() >= 150);
    /* every entry is found (the lookup binary-searches a sorted table) */
    for (size_t i = 0; i < sp_voorvoegsel_count(); i++) {
        const char *c = sp_voorvoegsel_at(i);
        if (!sp_voorvoegsel_lookup(c, strlen(c), canon))
            fail_msg("table entry \"%s\" cannot be found", c);
        assert_string_equal(canon, c);
    }
    assert_null(sp_voorvoegsel_at(sp_voorvoegsel_count()));
    /* 't, t and ’t alike; capitals; abbreviations */
    static const char *const variants[][2] = {
        {"t", "'t"},         {"\xe2\x80\x99t", "'t"}, {"Van 't", "van 't"},
        {"van t", "van 't"}, {"VAN DER", "van der"},  {"V.d.", "v.d."},
        {"vd", "v.d."},      {"v/d", "v.d."},         {"v. d.", "v.d."},
        {"s", "'s"},         {"De La", "de la"},      {"IN 'T", "in 't"},
    };
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        if (!sp_voorvoegsel_lookup(variants[i][0], strlen(variants[i][0]), canon))
            fail_msg("\"%s\" not recognised", variants[i][0]);
        assert_string_equal(canon, variants[i][1]);
    }
    assert_false(sp_voorvoegsel_lookup("vander", 6, canon)); /* written together */
    assert_false(sp_voorvoegsel_lookup("van der meer", 12, canon));
    assert_false(sp_voorvoegsel_lookup("", 0, canon));
}

/* ---- surnames ---------------------------------------------------------------------- */

struct sn_row {
    char form; /* 's' with-prefix field, 'c' core field, 'f' one-column name */
    const char *in;
    const char *prefix_col; /* the voorvoegsel column, or NULL */
    int reason;
    const char *core, *alt, *prefix;
    char initial;
    const char *first;
};

static const struct sn_row sn_rows[] = {
    /* dutch-identifiers.md's surname forms */
    {'s', "van der Meer", NULL, 0, "meer", "", "van der", 0, ""},
    {'s', "Van der Meer", NULL, 0, "meer", "", "van der", 0, ""},
    {'s', "Meer, van der", NULL, 0, "meer", "", "van der", 0, ""},
    {'s', "Meer van der", NULL, 0, "meer", "", "van der", 0, ""},
    {'s', "vd Meer", NULL, 0, "meer", "", "v.d.", 0, ""},
    {'s', "v.d. Meer", NULL, 0, "meer", "", "v.d.", 0, ""},
    {'s', "VanderMeer", NULL, 0, "meer", "", "van der", 0, ""},
    {'s', "Jansen-de Vries", NULL, 0, "jansen-vries", "", "", 0, ""},
    {'s', "Vries, Jan de", NULL, 0, "vries", "", "de", 'j', "jan"},
    {'s', "J.K. de Vries", NULL, 0, "vries", "", "de", 0, ""},
    /* more spellings of the same */
    {'s', "v/d Meer", NULL, 0, "meer", "", "v.d.", 0, ""},
    {'s', "VanDerMeer", NULL, 0, "meer", "", "van der", 0, ""},
    {'s', "DeVries", NULL, 0, "vries", "", "de", 0, ""},
    {'s', "VANDERMEER", NULL, 0, "vandermeer", "", "", 0, ""}, /* no case to split on */
    {'s', "in 't Veld", NULL, 0, "veld", "", "in 't", 0, ""},
    {'s', "Veld, in \xe2\x80\x99t", NULL, 0, "veld", "", "in 't", 0, ""},
    {'s', "'s Gravesande", NULL, 0, "gravesande", "", "'s", 0, ""},
    {'s', "Jansen de Vries", NULL, 0, "jansen-vries", "", "", 0, ""},
    {'s', "de Vries-Jansen", NULL, 0, "vries-jansen", "", "de", 0, ""},
    {'s', "Meijer", NULL, 0, "meyer", "", "", 0, ""},
    {'s', "Meyer", NULL, 0, "meyer", "", "", 0, ""},
    {'s', "Rijken", NULL, 0, "ryken", "", "", 0, ""},
    {'s', "Graaf, de", NULL, 0, "graaf", "", "de", 0, ""}, /* a surname, not a title */
    {'s', "McDonald", NULL, 0, "mcdonald", "", "", 0, ""},
    {'s', "O'Brien", NULL, 0, "obrien", "", "", 0, ""},
    /* particles that are part of the core elsewhere: both readings */
    {'s', "El Amrani", NULL, 0, "amrani", "elamrani", "el", 0, ""},
    {'s', "Da Silva", NULL, 0, "silva", "dasilva", "da", 0, ""},
    {'s', "Dos Santos", NULL, 0, "santos", "dossantos", "dos", 0, ""},
    {'s', "d'Ancona", NULL, 0, "ancona", "dancona", "d'", 0, ""},
    {'c', "El Amrani", NULL, 0, "amrani", "elamrani", "el", 0, ""},
    {'c', "Amrani", "el", 0, "amrani", "elamrani", "el", 0, ""},
    {'c', "De Smet", NULL, 0, "smet", "desmet", "de", 0, ""}, /* particle inside a core */
    /* a core field with its voorvoegsel column */
    {'c', "Meer", "van der", 0, "meer", "", "van der", 0, ""},
    {'c', "Meer", "Van Der", 0, "meer", "", "van der", 0, ""},
    {'c', "Graaf", "de", 0, "graaf", "", "de", 0, ""},
    {'c', "Jansen-de Vries", NULL, 0, "jansen-vries", "", "", 0, ""},
    {'c', "Öztürk", NULL, 0, "ozturk", "", "", 0, ""},
    /* rejects */
    {'s', "", NULL, SP_REJECT_FORMAT, NULL, NULL, NULL, 0, NULL},
    {'s', "123", NULL, SP_REJECT_FORMAT, NULL, NULL, NULL, 0, NULL},
    {'s', "van der", NULL, SP_REJECT_FORMAT, NULL, NULL, NULL, 0, NULL},
    {'c', "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", NULL, SP_REJECT_FORMAT, NULL, NULL, NULL, 0, NULL},
    {'c', "Aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggg", NULL,
     SP_REJECT_LENGTH, NULL, NULL, NULL, 0, NULL},
    /* one-column names: "Core, Given names prefix" and "J.K. prefix Core" */
    {'f', "Graaf, Gabri\xc3\xabl Lot Lennox Umut de", NULL, 0, "graaf", "", "de", 'g', "gabriel"},
    {'f', "N.K.J. van der Heerers", NULL, 0, "heerers", "", "van der", 'n', ""},
    {'f', "Bossen, Mark Jonathan", NULL, 0, "bossen", "", "", 'm', "mark"},
    {'f', "Doorn, Isa Coco Gabriel Mira van", NULL, 0, "doorn", "", "van", 'i', "isa"},
    {'f', "Bolma, Naoufal Mike Asya van den", NULL, 0, "bolma", "", "van den", 'n', "naoufal"},
    {'f', "R. Ouali", NULL, 0, "ouali", "", "", 'r', ""},
    {'f', "J.K. de Vries", NULL, 0, "vries", "", "de", 'j', ""},
    {'f', "Vries, Jan de", NULL, 0, "vries", "", "de", 'j', "jan"},
    {'f', "Jan de Vries", NULL, 0, "vries", "", "de", 'j', "jan"},
    {'f', "Jan Kees van der Berg", NULL, 0, "berg", "", "van der", 'j', "jan"},
    {'f', "Ben de Vries", NULL, 0, "vries", "", "de", 'b', "ben"},
    {'f', "Marie Jansen-de Vries", NULL, 0, "jansen-vries", "", "", 'm', "marie"},
    {'f', "Jan-Willem de Vries", NULL, 0, "vries", "", "de", 'j', "jan"},
    {'f', "J.J. El Amrani", NULL, 0, "amrani", "elamrani", "el", 'j', ""},
    {'f', "D.T.A.P. Hamje", NULL, 0, "hamje", "", "", 'd', ""},            /* "A." is no 'a */
    {'f', "Y.T.J. van der Kamp", NULL, 0, "kamp", "", "van der", 'y', ""}, /* nor "T." 't */
    {'f', "Y. van 't Kostermink", NULL, 0, "kostermink", "", "van 't", 'y', ""},
    {'f', "IJ. Meijer", NULL, 0, "meyer", "", "", 'y', ""},
    {'f', "Dr. Ir. J. van \xe2\x80\x99t Hooft", NULL, 0, "hooft", "", "van 't", 'j', ""},
    {'f', "mr. drs. P. de Jong MSc", NULL, 0, "jong", "", "de", 'p', ""},
    {'f', "de heer J. Jansen", NULL, 0, "jansen", "", "", 'j', ""},
    {'f', "Jansen", NULL, 0, "jansen", "", "", 0, ""},
    {'f', "Meer, van der", NULL, 0, "meer", "", "van der", 0, ""},
    {'f', ", Jan", NULL, SP_REJECT_FORMAT, NULL, NULL, NULL, 0, NULL},
};

static void test_surnames(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sn_rows) / sizeof(sn_rows[0]); i++) {
        const struct sn_row *r = &sn_rows[i];
        struct sp_folded f, p;
        struct sp_surname sn;
        struct sp_given g = {0, 0, {0}};
        int rc;

        sp_fold(r->in, strlen(r->in), &f);
        if (r->prefix_col != NULL)
            sp_fold(r->prefix_col, strlen(r->prefix_col), &p);
        if (r->form == 'f')
            rc = sp_fullname_parse(&f, &sn, &g);
        else
            rc = sp_surname_parse(&f, r->prefix_col != NULL ? &p : NULL, r->form == 's', &sn, &g);
        if (rc != r->reason)
            fail_msg("%c \"%s\": reason %d, expected %d", r->form, r->in, rc, r->reason);
        if (rc != 0)
            continue;
        if (strcmp(sn.core, r->core) != 0 || strcmp(sn.alt, r->alt) != 0 ||
            strcmp(sn.prefix, r->prefix) != 0 || g.initial != r->initial ||
            strcmp(g.first, r->first) != 0)
            fail_msg("%c \"%s\": core \"%s\" alt \"%s\" prefix \"%s\" initial '%c' first \"%s\"",
                     r->form, r->in, sn.core, sn.alt, sn.prefix, g.initial ? g.initial : '-',
                     g.first);
        assert_int_equal(sn.core_len, strlen(sn.core));
        assert_int_equal(sn.alt_len, strlen(sn.alt));
    }
}

static void test_double_surname_parts(void **state)
{
    struct sp_folded f;
    struct sp_surname sn;

    (void)state;
    sp_fold("Jansen-de Vries", 15, &f);
    assert_int_equal(sp_surname_parse(&f, NULL, true, &sn, NULL), 0);
    assert_int_equal(sn.nparts, 2);
    assert_memory_equal(sn.core + sn.part[0].off, "jansen", sn.part[0].len);
    assert_int_equal(sn.part[0].len, 6);
    assert_memory_equal(sn.core + sn.part[1].off, "vries", sn.part[1].len);
    assert_int_equal(sn.part[1].len, 5);
    sp_fold("Meer", 4, &f);
    assert_int_equal(sp_surname_parse(&f, NULL, true, &sn, NULL), 0);
    assert_int_equal(sn.nparts, 1);
    /* more parts than the cap fold into the last one */
    sp_fold("A-B-C-D-E-F", 11, &f);
    assert_int_equal(sp_surname_parse(&f, NULL, true, &sn, NULL), 0);
    assert_int_equal(sn.nparts, SP_NAME_PARTS_MAX);
    /* an unknown voorvoegsel column is reported, the core still read */
    struct sp_folded p;
    sp_fold("vander", 6, &p);
    sp_fold("Meer", 4, &f);
    assert_int_equal(sp_surname_parse(&f, &p, false, &sn, NULL), 0);
    assert_true(sn.prefix_unknown);
    assert_string_equal(sn.core, "meer");
}

/* ---- given names ---------------------------------------------------------------- */

static void test_given(void **state)
{
    static const struct {
        const char *in;
        char initial;
        const char *first;
    } rows[] = {
        {"Johannes Petrus", 'j', "johannes"},
        {"J.P.", 'j', ""},
        {"J. P.", 'j', ""},
        {"JP", 'j', ""},
        {"Jan", 'j', "jan"},
        {"IJsbrand", 'y', "ysbrand"}, /* ij -> y, also for the initial */
        {"IJ.", 'y', ""},             /* dutch-identifiers.md: initial IJ. = Y. */
        {"Y.", 'y', ""},
        {"I.J.", 'i', ""}, /* two initials */
        {"Dr. Jan", 'j', "jan"},
        {"mr Anna", 'a', "anna"},
        {"\xc3\x96zlem H\xc3\xbcseyin", 'o', "ozlem"},
        {"\xc4\xb0"
         "brahim",
         'i', "ibrahim"},
        {"Jan-Willem", 'j', "jan"},
        {"T.F.N.", 't', ""},
    };
    struct sp_folded f;
    struct sp_given g;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sp_fold(rows[i].in, strlen(rows[i].in), &f);
        assert_int_equal(sp_given_parse(&f, &g), 0);
        if (g.initial != rows[i].initial || strcmp(g.first, rows[i].first) != 0)
            fail_msg("given \"%s\": '%c' \"%s\"", rows[i].in, g.initial, g.first);
    }
    sp_fold("..", 2, &f);
    assert_int_equal(sp_given_parse(&f, &g), SP_REJECT_FORMAT);
    sp_fold("Dr.", 3, &f);
    assert_int_equal(sp_given_parse(&f, &g), SP_REJECT_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),     cmocka_unit_test(test_voorvoegsel_table),
        cmocka_unit_test(test_surnames), cmocka_unit_test(test_double_surname_parts),
        cmocka_unit_test(test_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
