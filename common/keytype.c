#include "keytype.h"

#include <string.h>

#include "err.h"

struct key_type_info {
    const char *name;
    int klass;
    int entity;
};

static const struct key_type_info key_types[SP_KEY_TYPE_COUNT] = {
    [SP_KEY_BSN] = {"bsn", SP_CLASS_A, SP_ENTITY_PERSON},
    [SP_KEY_ANUMMER] = {"anummer", SP_CLASS_A, SP_ENTITY_PERSON},
    [SP_KEY_NAME_DOB] = {"name_dob", SP_CLASS_B, SP_ENTITY_PERSON},
    [SP_KEY_PHON_DOB] = {"phon_dob", SP_CLASS_B, SP_ENTITY_PERSON},
    [SP_KEY_PART_DOB] = {"part_dob", SP_CLASS_B, SP_ENTITY_PERSON},
    [SP_KEY_INI_ADDR_DOB] = {"ini_addr_dob", SP_CLASS_B, SP_ENTITY_PERSON},
    [SP_KEY_ADDR_DOB] = {"addr_dob", SP_CLASS_C, SP_ENTITY_PERSON},
    [SP_KEY_KVK] = {"kvk", SP_CLASS_A, SP_ENTITY_COMPANY},
    [SP_KEY_VESTIGING] = {"vestiging", SP_CLASS_A, SP_ENTITY_COMPANY},
    [SP_KEY_RSIN] = {"rsin", SP_CLASS_A, SP_ENTITY_COMPANY},
    [SP_KEY_CNAME_ADDR] = {"cname_addr", SP_CLASS_B, SP_ENTITY_COMPANY},
    [SP_KEY_CNAME_PC] = {"cname_pc", SP_CLASS_B, SP_ENTITY_COMPANY},
    [SP_KEY_ADDRESS] = {"address", SP_CLASS_A, SP_ENTITY_ADDRESS},
    [SP_KEY_KENTEKEN] = {"kenteken", SP_CLASS_A, SP_ENTITY_VEHICLE},
    [SP_KEY_IBAN] = {"iban", SP_CLASS_A, SP_ENTITY_ACCOUNT},
    [SP_KEY_NAME_ADDR] = {"name_addr", SP_CLASS_B, SP_ENTITY_PERSON},
};

bool sp_key_type_valid(int type)
{
    return type >= SP_KEY_TYPE_MIN && type <= SP_KEY_TYPE_MAX;
}

const char *sp_key_type_name(int type)
{
    return sp_key_type_valid(type) ? key_types[type].name : NULL;
}

int sp_key_type_from_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (strcmp(key_types[t].name, name) == 0)
            return t;
    return 0;
}

int sp_key_type_class(int type)
{
    return sp_key_type_valid(type) ? key_types[type].klass : 0;
}

int sp_key_type_entity(int type)
{
    return sp_key_type_valid(type) ? key_types[type].entity : 0;
}

static const char *const entity_names[SP_ENTITY_COUNT] = {
    [SP_ENTITY_PERSON] = "person",   [SP_ENTITY_COMPANY] = "company",
    [SP_ENTITY_ADDRESS] = "address", [SP_ENTITY_VEHICLE] = "vehicle",
    [SP_ENTITY_ACCOUNT] = "account",
};

bool sp_entity_valid(int entity)
{
    return entity >= SP_ENTITY_MIN && entity <= SP_ENTITY_MAX;
}

const char *sp_entity_name(int entity)
{
    return sp_entity_valid(entity) ? entity_names[entity] : NULL;
}

int sp_entity_from_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        if (strcmp(entity_names[e], name) == 0)
            return e;
    return 0;
}

bool sp_entity_is_subject(int entity)
{
    return entity == SP_ENTITY_PERSON || entity == SP_ENTITY_COMPANY;
}

int sp_key_mask_entity(uint32_t mask)
{
    int entity = 0;
    if (mask == 0 || (mask & ~SP_KEY_MASK_ALL) != 0)
        return 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        if (entity != 0 && key_types[t].entity != entity)
            return 0;
        entity = key_types[t].entity;
    }
    return entity;
}

uint32_t sp_entity_key_mask(int entity)
{
    uint32_t mask = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (key_types[t].entity == entity)
            mask |= SP_KEY_MASK(t);
    return mask;
}

const char *sp_key_class_name(int klass)
{
    switch (klass) {
    case SP_CLASS_A:
        return "A";
    case SP_CLASS_B:
        return "B";
    case SP_CLASS_C:
        return "C";
    default:
        return NULL;
    }
}

int sp_key_mask_parse(const char *list, uint32_t *mask_out)
{
    uint32_t mask = 0;
    char name[32];

    if (list == NULL || *list == '\0')
        return SP_ERR_INVALID_ARG;
    if (strcmp(list, "all") == 0) {
        *mask_out = SP_KEY_MASK_ALL;
        return 0;
    }
    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof(name))
            return SP_ERR_INVALID_ARG;
        memcpy(name, p, len);
        name[len] = '\0';
        int type = sp_key_type_from_name(name);
        if (type == 0)
            return SP_ERR_INVALID_ARG;
        mask |= SP_KEY_MASK(type);
        p += len;
        if (*p == ',')
            p++;
    }
    *mask_out = mask;
    return 0;
}
