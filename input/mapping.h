/*
 * The mapping of one dataset: how to read an agency's export file. Parsed from
 * a small text file (format in input/README.md), producing an immutable value.
 * Pure: text in, struct or error with line number out.
 */
#ifndef SP_INPUT_MAPPING_H
#define SP_INPUT_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The logical fields a mapping can fill. Stable numbers (statistics index). */
enum sp_field {
    SP_FIELD_RECORD_ID = 0,
    SP_FIELD_BSN,
    SP_FIELD_ANUMMER,
    SP_FIELD_GIVEN_NAMES, /* voornamen, or initials */
    SP_FIELD_PREFIX,      /* voorvoegsel */
    SP_FIELD_SURNAME,     /* geslachtsnaam (may hold prefix too, per mapping) */
    SP_FIELD_FULL_NAME,   /* one naam column: "Core, Given prefix" / "J.K. prefix Core" */
    SP_FIELD_BIRTH_DATE,
    SP_FIELD_POSTCODE,
    SP_FIELD_HOUSE_NUMBER, /* number, possibly with suffix */
    SP_FIELD_HOUSE_LETTER,
    SP_FIELD_HOUSE_SUFFIX,   /* huisnummertoevoeging */
    SP_FIELD_STREET_ADDRESS, /* "Street 12a": street and number */
    SP_FIELD_KVK,
    SP_FIELD_VESTIGING,
    SP_FIELD_RSIN,
    SP_FIELD_TRADE_NAME,
    SP_FIELD_KENTEKEN,
    SP_FIELD_IBAN,
    /* Identifiers of other countries (e.g. FEBRL's Australian data); the Dutch
     * validators do not apply to them (input/match-keys.md). */
    SP_FIELD_NATIONAL_ID, /* a national person number other than the BSN: digits */
    SP_FIELD_POSTAL_CODE, /* a non-Dutch postal code, taken as written: letters, digits */
    SP_FIELD_COUNT
};

/* Name of a field as used in mapping files ("birth_date"); NULL when invalid. */
const char *sp_field_name(int field);

struct sp_mapping; /* opaque, immutable after parse */

/* Parses mapping text. On error returns SP_ERR_INPUT_MAPPING and, when diag is
 * not NULL, writes "line N: what is wrong" into diag (capacity diag_cap).
 * Returns 0, SP_ERR_INPUT_MAPPING or SP_ERR_NOMEM. */
SP_NODISCARD int sp_mapping_parse(const char *text, size_t len, struct sp_mapping **out, char *diag,
                                  size_t diag_cap);
void sp_mapping_free(struct sp_mapping **m);

/* Hard caps on a mapping file. */
#define SP_MAPPING_MAX_BYTES        65536 /* whole file */
#define SP_MAPPING_MAX_LINE_BYTES   1024
#define SP_MAPPING_MAX_COLUMN_BYTES 256  /* one column name */
#define SP_MAPPING_MAX_COLUMN_INDEX 1024 /* header = no: columns 1..this */

/* Key types this mapping may contribute (mask of SP_KEY_MASK bits). */
uint32_t sp_mapping_key_mask(const struct sp_mapping *m);
/* Entity kind of the records: "person" or "company" datasets. */
const char *sp_mapping_kind(const struct sp_mapping *m);
/* True when the mapping maps this field to a column. */
int sp_mapping_has_field(const struct sp_mapping *m, int field);

/* Entity of the records: SP_ENTITY_PERSON or SP_ENTITY_COMPANY (keytype.h). */
int sp_mapping_entity(const struct sp_mapping *m);
/* Field separator byte: ',', ';', '\t' or '|'. */
char sp_mapping_separator(const struct sp_mapping *m);
/* Quote byte ('"' or '\''), or -1 when the file uses no quoting. */
int sp_mapping_quote(const struct sp_mapping *m);
/* enum sp_encoding (input/encoding.h) of the file. */
int sp_mapping_encoding(const struct sp_mapping *m);
/* 1 when the first record is a header naming the columns, else 0. */
int sp_mapping_header(const struct sp_mapping *m);
/* 1 when spaces around field values are dropped. */
int sp_mapping_trim(const struct sp_mapping *m);
/* The column a field is read from: its header name (header = yes) or NULL,
 * and its 1-based number (header = no) or 0. */
const char *sp_mapping_column_name(const struct sp_mapping *m, int field);
unsigned sp_mapping_column_index(const struct sp_mapping *m, int field);
/* What a load does with a record id that occurs on more than one line
 * (`duplicate_ids`): merge (the default) keeps every such line's keys
 * under the one id, as one record; refuse refuses the whole file and keeps
 * the dataset's previous version. */
enum sp_duplicate_ids {
    SP_DUPLICATE_IDS_MERGE = 0,
    SP_DUPLICATE_IDS_REFUSE = 1,
};
int sp_mapping_duplicate_ids(const struct sp_mapping *m);

/* Line of the mapping file that maps the field (for diagnostics); 0 if none. */
unsigned sp_mapping_field_line(const struct sp_mapping *m, int field);

/* Fills the derivation options the mapping implies (date format, surname
 * form, key mask, test-BSN policy) with today_yyyymmdd as "now" for
 * future-date checks (the input layer has no clock). Returns 0 or
 * SP_ERR_INVALID_ARG (a NULL argument). */
struct sp_derive_opts;
SP_NODISCARD int sp_mapping_derive_opts(const struct sp_mapping *m, int today_yyyymmdd,
                                        struct sp_derive_opts *opts);

#endif
