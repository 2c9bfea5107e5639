/*
 * Match-key types and strength classes (see dutch-identifiers.md, "Match keys").
 *
 * The numeric values travel on the wire and into LMDB: they are stable and never
 * reused. Each key type is its own blinding domain (its name is part of the
 * hash-to-group domain separation tag), so the counting node sees incidences per
 * key type and a node combines its own record's key types locally.
 */
#ifndef SP_COMMON_KEYTYPE_H
#define SP_COMMON_KEYTYPE_H

#include <stdbool.h>
#include <stdint.h>

enum sp_key_type {
    SP_KEY_BSN = 1,
    SP_KEY_ANUMMER = 2,
    SP_KEY_NAME_DOB = 3,
    SP_KEY_PHON_DOB = 4,
    SP_KEY_PART_DOB = 5,
    SP_KEY_INI_ADDR_DOB = 6,
    SP_KEY_ADDR_DOB = 7,
    SP_KEY_KVK = 8,
    SP_KEY_VESTIGING = 9,
    SP_KEY_RSIN = 10,
    SP_KEY_CNAME_ADDR = 11,
    SP_KEY_CNAME_PC = 12,
    SP_KEY_ADDRESS = 13,
    SP_KEY_KENTEKEN = 14,
    SP_KEY_IBAN = 15,
    SP_KEY_NAME_ADDR = 16,
};
#define SP_KEY_TYPE_MIN 1
#define SP_KEY_TYPE_MAX 16
/* Arrays indexed by key type are sized SP_KEY_TYPE_COUNT ([0] unused): a new
 * type changes this one number, never a literal elsewhere. */
#define SP_KEY_TYPE_COUNT (SP_KEY_TYPE_MAX + 1)
/* A set of key types as a bitmask: bit (1u << type); fits a uint32_t while
 * SP_KEY_TYPE_MAX < 31. */
#define SP_KEY_MASK(type) (UINT32_C(1) << (type))
#define SP_KEY_MASK_ALL   (((UINT32_C(1) << (SP_KEY_TYPE_MAX + 1)) - 1) & ~UINT32_C(1))
_Static_assert(SP_KEY_TYPE_MAX < 31, "key-type masks are uint32_t");

/* Strength class: A conclusive, B strong, C candidate for human review only. */
enum sp_key_class {
    SP_CLASS_A = 1,
    SP_CLASS_B = 2,
    SP_CLASS_C = 3,
};

/* What the key identifies: a link through an address key is not evidence that
 * two persons are the same, it says the same address is known. */
enum sp_entity {
    SP_ENTITY_PERSON = 1,
    SP_ENTITY_COMPANY = 2,
    SP_ENTITY_ADDRESS = 3,
    SP_ENTITY_VEHICLE = 4,
    SP_ENTITY_ACCOUNT = 5,
};
#define SP_ENTITY_MIN 1
#define SP_ENTITY_MAX 5
/* Arrays indexed by entity are sized SP_ENTITY_COUNT ([0] unused). */
#define SP_ENTITY_COUNT (SP_ENTITY_MAX + 1)

/* True for a value in SP_KEY_TYPE_MIN..SP_KEY_TYPE_MAX. */
bool sp_key_type_valid(int type);
/* Lower-case name as in dutch-identifiers.md ("name_dob"); NULL when invalid. */
const char *sp_key_type_name(int type);
/* Parses a name; returns the type or 0 when unknown. */
int sp_key_type_from_name(const char *name);
/* Default class of a key type (cname_pc is B; the table's "B/C" is decided by
 * the node's configuration, not here); 0 when invalid. */
int sp_key_type_class(int type);
/* Entity the key type identifies; 0 when invalid. */
int sp_key_type_entity(int type);
/* True for a value in SP_ENTITY_MIN..SP_ENTITY_MAX. */
bool sp_entity_valid(int entity);
/* "person", "company", "address", "vehicle", "account"; NULL when invalid. */
const char *sp_entity_name(int entity);
/* Parses an entity name; returns the entity or 0 when unknown. */
int sp_entity_from_name(const char *name);
/* True for the entities a record is about (person, company): its subject.
 * Address, vehicle and account are entities a record mentions. */
bool sp_entity_is_subject(int entity);
/* The entity every key type of a non-empty mask identifies; 0 when the mask
 * is empty, holds an invalid type, or mixes entities. A result row's key
 * types always name one entity (round/round_agg.h). */
int sp_key_mask_entity(uint32_t mask);
/* The key types of one entity, as a mask. */
uint32_t sp_entity_key_mask(int entity);
/* "A", "B" or "C"; NULL when invalid. */
const char *sp_key_class_name(int klass);
/* Parses a comma-separated list of names ("bsn,name_dob") or "all" into a mask.
 * Returns 0 or SP_ERR_INVALID_ARG (unknown name, empty list). */
int sp_key_mask_parse(const char *list, uint32_t *mask_out);

#endif
