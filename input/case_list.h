/*
 * The case list of a case question (docs/case-questions.md): an ordinary
 * CSV read through a mapping exactly as a dataset is (ingest.h), into its
 * subjects (the records) and the distinct values asked per key type, each
 * linked to the subjects that have it. The asking node's engine reads the
 * list it is given (round/case_ask.c); `snijpunt proposal create
 * --case-list` counts the distinct values per key type the proposal must
 * declare, with the same code.
 *
 * Pure: bytes in, memory out. The values are personal data: wiped when
 * forgotten or freed.
 */
#ifndef SP_INPUT_CASE_LIST_H
#define SP_INPUT_CASE_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/keytype.h"

/* Most subjects and most distinct values in one list (== the protocol's
 * SP_PEER_CASE_MAX_VALUES: every subject has at least one value). */
#define SP_CASE_LIST_MAX_VALUES 4096

/* One subject of the case list (a record of the list). */
struct sp_case_subject {
    char *record_id;
    uint32_t key_types; /* types it has values of */
};

/* One distinct value, in list order (key type, then value bytes). Its
 * subjects are links[first .. first + n). */
struct sp_case_value {
    uint8_t type, klass; /* klass: the strongest class it was derived with */
    uint32_t first, n;
};

struct sp_case_list {
    struct sp_case_subject *subjects;
    uint32_t nsubjects;
    struct sp_case_value *values;
    uint32_t nvalues;
    uint32_t *links; /* subject indexes */
    uint32_t nlinks;
    uint32_t count[SP_KEY_TYPE_COUNT]; /* distinct values per key type */
    /* value i's bytes: vals[offs[i] .. offs[i + 1]) (wiped when forgotten) */
    uint8_t *vals;
    uint32_t *offs;
    size_t vals_len;
};

/* Reads the case list (mapping text + CSV) into l; today (yyyymmdd) for the
 * input layer's future-date checks. A list a person will act on must be
 * right as a whole: a row the input layer skips, a value it rejects, a
 * duplicate subject id or a subject without any usable value refuses it.
 * Returns 0 or an error with a sentence in why (line, field, what was
 * expected; never a value); l is then empty. */
SP_NODISCARD int sp_case_list_read(struct sp_case_list *l, const char *mapping, size_t mapping_len,
                                   const uint8_t *data, size_t data_len, int today, char *why,
                                   size_t cap);
/* Wipes and frees the values (once hashed); subjects and links stay. */
void sp_case_list_forget_values(struct sp_case_list *l);
/* Frees everything, values wiped; l is empty afterwards. NULL-safe. */
void sp_case_list_free(struct sp_case_list *l);

#endif
