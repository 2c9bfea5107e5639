#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/keytype.h"

/* The table of dutch-identifiers.md: name, class, entity, for every key type. */
static const struct {
    int type;
    const char *name;
    const char *klass;
    int entity;
} expected[] = {
    {SP_KEY_BSN, "bsn", "A", SP_ENTITY_PERSON},
    {SP_KEY_ANUMMER, "anummer", "A", SP_ENTITY_PERSON},
    {SP_KEY_NAME_DOB, "name_dob", "B", SP_ENTITY_PERSON},
    {SP_KEY_PHON_DOB, "phon_dob", "B", SP_ENTITY_PERSON},
    {SP_KEY_PART_DOB, "part_dob", "B", SP_ENTITY_PERSON},
    {SP_KEY_INI_ADDR_DOB, "ini_addr_dob", "B", SP_ENTITY_PERSON},
    {SP_KEY_ADDR_DOB, "addr_dob", "C", SP_ENTITY_PERSON},
    {SP_KEY_KVK, "kvk", "A", SP_ENTITY_COMPANY},
    {SP_KEY_VESTIGING, "vestiging", "A", SP_ENTITY_COMPANY},
    {SP_KEY_RSIN, "rsin", "A", SP_ENTITY_COMPANY},
    {SP_KEY_CNAME_ADDR, "cname_addr", "B", SP_ENTITY_COMPANY},
    {SP_KEY_CNAME_PC, "cname_pc", "B", SP_ENTITY_COMPANY},
    {SP_KEY_ADDRESS, "address", "A", SP_ENTITY_ADDRESS},
    {SP_KEY_KENTEKEN, "kenteken", "A", SP_ENTITY_VEHICLE},
    {SP_KEY_IBAN, "iban", "A", SP_ENTITY_ACCOUNT},
    {SP_KEY_NAME_ADDR, "name_addr", "B", SP_ENTITY_PERSON},
};

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(sizeof(expected) / sizeof(expected[0]), SP_KEY_TYPE_MAX);
    /* the numbers travel on the wire and into LMDB: fixed for good */
    assert_int_equal(SP_KEY_NAME_ADDR, 16);
    assert_int_equal(SP_KEY_TYPE_MAX, 16);
    assert_int_equal(SP_KEY_TYPE_COUNT, SP_KEY_TYPE_MAX + 1);
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        assert_true(sp_key_type_valid(expected[i].type));
        assert_string_equal(sp_key_type_name(expected[i].type), expected[i].name);
        assert_int_equal(sp_key_type_from_name(expected[i].name), expected[i].type);
        assert_string_equal(sp_key_class_name(sp_key_type_class(expected[i].type)),
                            expected[i].klass);
        assert_int_equal(sp_key_type_entity(expected[i].type), expected[i].entity);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    const int bad[] = {0, -1, 17, SP_KEY_TYPE_MAX + 1, 255};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(sp_key_type_valid(bad[i]));
        assert_null(sp_key_type_name(bad[i]));
        assert_int_equal(sp_key_type_class(bad[i]), 0);
        assert_int_equal(sp_key_type_entity(bad[i]), 0);
    }
    assert_int_equal(sp_key_type_from_name("BSN"), 0);
    assert_int_equal(sp_key_type_from_name(""), 0);
    assert_int_equal(sp_key_type_from_name(NULL), 0);
    assert_null(sp_key_class_name(0));
}

static void test_entities(void **state)
{
    (void)state;
    static const char *const names[] = {NULL, "person", "company", "address", "vehicle", "account"};
    uint32_t all = 0;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++) {
        assert_string_equal(sp_entity_name(e), names[e]);
        assert_int_equal(sp_entity_from_name(names[e]), e);
        uint32_t m = sp_entity_key_mask(e);
        assert_true(m != 0);
        assert_int_equal(m & all, 0); /* every key type names one entity */
        all |= m;
        assert_int_equal(sp_key_mask_entity(m), e);
    }
    assert_int_equal(all, SP_KEY_MASK_ALL);
    assert_true(sp_entity_is_subject(SP_ENTITY_PERSON));
    assert_true(sp_entity_is_subject(SP_ENTITY_COMPANY));
    assert_false(sp_entity_is_subject(SP_ENTITY_ADDRESS));
    assert_false(sp_entity_is_subject(SP_ENTITY_VEHICLE));
    assert_false(sp_entity_is_subject(SP_ENTITY_ACCOUNT));
    assert_null(sp_entity_name(0));
    assert_null(sp_entity_name(SP_ENTITY_MAX + 1));
    assert_int_equal(sp_entity_from_name("Person"), 0);
    assert_int_equal(sp_entity_from_name(NULL), 0);
    /* a row mixing a person key and the address is not one entity */
    assert_int_equal(sp_key_mask_entity(SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_ADDRESS)), 0);
    assert_int_equal(sp_key_mask_entity(SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_ADDR)),
                     SP_ENTITY_PERSON);
    assert_int_equal(sp_key_mask_entity(0), 0);
    assert_int_equal(sp_key_mask_entity(1u), 0); /* bit 0 is no key type */
}

static void test_mask_parse(void **state)
{
    (void)state;
    uint32_t mask = 0;
    assert_int_equal(sp_key_mask_parse("bsn,name_dob", &mask), 0);
    assert_int_equal(mask, SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB));
    assert_int_equal(sp_key_mask_parse("all", &mask), 0);
    assert_int_equal(mask, SP_KEY_MASK_ALL);
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        assert_true(mask & SP_KEY_MASK(t));
    assert_false(mask & 1u);
    assert_int_equal(mask, UINT32_C(0x1fffe)); /* bits 1..16, nothing above */
    assert_int_equal(sp_key_mask_parse("name_addr", &mask), 0);
    assert_int_equal(mask, UINT32_C(1) << 16);
    assert_int_equal(sp_key_mask_parse("iban,name_addr,bsn", &mask), 0);
    assert_int_equal(mask, SP_KEY_MASK(SP_KEY_IBAN) | SP_KEY_MASK(SP_KEY_NAME_ADDR) |
                               SP_KEY_MASK(SP_KEY_BSN));

    const char *bad[] = {
        "",          "bsn,,iban",  "bsn,nope", ",bsn", "averyveryverylongnamethatisnotakey",
        "NAME_ADDR", "name_addr2", "name_add"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mask = 7;
        assert_int_equal(sp_key_mask_parse(bad[i], &mask), SP_ERR_INVALID_ARG);
        assert_int_equal(mask, 7); /* output untouched on failure */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_mask_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
