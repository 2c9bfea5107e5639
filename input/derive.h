/*
 * Match-key derivation for one record: the raw (decoded, UTF-8) field texts in,
 * validated canonical values and every match key they can fill out, with each
 * field's outcome counted. This is where dutch-identifiers.md is implemented.
 * Pure: no I/O; never keeps a value beyond the call.
 */
#ifndef SP_INPUT_DERIVE_H
#define SP_INPUT_DERIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "input/mapping.h"

/* Hard caps on what one record can produce. */
#define SP_DERIVE_MAX_KEYS        64
#define SP_DERIVE_MAX_VALUE_BYTES 256
#define SP_DERIVE_MAX_FIELD_BYTES 1024 /* longer raw fields are rejected (length) */

/* One derived key. value is the canonical cleartext key input (personal data:
 * never log it), valid only during the callback. */
struct sp_key {
    uint8_t type;  /* enum sp_key_type */
    uint8_t klass; /* enum sp_key_class */
    uint16_t value_len;
    const char *value;
};

/* Why a field value was not used. Stable numbers (shown by `snijpunt check`). */
enum sp_reject_reason {
    SP_REJECT_EMPTY = 0,        /* not counted as a reject: field absent */
    SP_REJECT_FORMAT = 1,       /* wrong characters or shape */
    SP_REJECT_LENGTH = 2,       /* wrong number of digits/characters */
    SP_REJECT_CHECKSUM = 3,     /* 11-test, mod 97, A-nummer test */
    SP_REJECT_RANGE = 4,        /* impossible date, future date, month 13, ... */
    SP_REJECT_UNKNOWN_PART = 5, /* date with unknown day/month: usable partly */
    SP_REJECT_TEST_RANGE = 6,   /* BSN in the 9999... test range, refused by policy */
    SP_REJECT_NOT_ISSUED = 7,   /* postcode letters SA/SD/SS */
    SP_REJECT_REASON_COUNT = 8
};

/* Returns a short English phrase for a reason ("checksum fails"). */
const char *sp_reject_reason_text(int reason);

struct sp_field_stats {
    uint64_t accepted;
    uint64_t empty;
    uint64_t rejected[SP_REJECT_REASON_COUNT];
};

/* How the mapping says the file is written. */
enum sp_date_format {
    SP_DATE_YYYYMMDD = 1,  /* 19900131; 00 marks an unknown day or month (BRP) */
    SP_DATE_ISO = 2,       /* 1990-01-31 */
    SP_DATE_DMY_DASH = 3,  /* 31-01-1990 */
    SP_DATE_DMY_SLASH = 4, /* 31/01/1990 */
};

enum sp_surname_form {
    SP_SURNAME_CORE = 1,        /* surname column holds the core; prefix in its own column */
    SP_SURNAME_WITH_PREFIX = 2, /* "van der Meer", "Meer, van der", "vd Meer", ... */
};

/* For identifiers of other countries there is no option: the mapping maps
 * them to their own fields (SP_FIELD_NATIONAL_ID, SP_FIELD_POSTAL_CODE). */
struct sp_derive_opts {
    int date_format;      /* enum sp_date_format */
    int surname_form;     /* enum sp_surname_form */
    uint32_t key_mask;    /* key types to emit (SP_KEY_MASK bits) */
    bool refuse_test_bsn; /* reject BSNs in the 9999... test range */
    int today_yyyymmdd;   /* "now" for future-date checks (pure: passed in; 0: none) */
};

/* The raw field texts of one record, indexed by enum sp_field; v[f] == NULL
 * when the mapping does not fill f. Texts are UTF-8, not NUL-terminated. */
struct sp_raw_record {
    const char *v[SP_FIELD_COUNT];
    size_t len[SP_FIELD_COUNT];
};

/* The keys of one record; values point into buf. Deduplicated: each
 * (type, value) occurs at most once. */
struct sp_keyset {
    size_t n;
    struct sp_key keys[SP_DERIVE_MAX_KEYS];
    size_t buf_used;
    char buf[SP_DERIVE_MAX_KEYS * 64];
};

/* Derives every key the record's fields can fill (restricted to opts->key_mask)
 * into out (overwritten), and adds each mapped field's outcome to stats
 * (indexed by enum sp_field; accepted, empty or rejected with a reason; stats
 * may be NULL; the record id is left to the caller). A rejected field never
 * rejects the record. The key forms and value layouts are documented in
 * input/match-keys.md. Key values are personal data; the function keeps no
 * copy (its working values are wiped before it returns). Returns 0 or
 * SP_ERR_INVALID_ARG (NULL argument, unknown date format or surname form). */
SP_NODISCARD int sp_derive_keys(const struct sp_derive_opts *opts, const struct sp_raw_record *rec,
                                struct sp_keyset *out, struct sp_field_stats stats[SP_FIELD_COUNT]);

#endif
