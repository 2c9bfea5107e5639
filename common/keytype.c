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
