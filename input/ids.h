/*
 * Dutch identifiers and address parts (dutch-identifiers.md): BSN and RSIN
 * (11-test), KvK-nummer, vestigingsnummer, postcode, house number with letter
 * and toevoeging, kenteken (14 sidecodes), IBAN (mod 97), A-nummer; and the
 * two identifiers of other countries a mapping can declare (national id,
 * postal code).
 *
 * Every parser takes the raw field text (UTF-8, not NUL-terminated; spaces
 * around it are ignored), writes the canonical form NUL-terminated into a
 * caller buffer of the stated size, and returns 0 or the enum
 * sp_reject_reason (input/derive.h) saying why the value cannot be used; an
 * empty text is rejected like any other (callers count empty fields apart).
 * Nothing is repaired silently; the one exception is the documented
 * dropped leading zero of a BSN/RSIN (8 digits) or KvK-nummer (7 digits).
 * Pure, allocation-free. The values are personal data.
 */
#ifndef SP_INPUT_IDS_H
#define SP_INPUT_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_BSN_BYTES         10 /* 9 digits + NUL */
#define SP_KVK_BYTES         9  /* 8 digits + NUL */
#define SP_VESTIGING_BYTES   13 /* 12 digits + NUL */
#define SP_POSTCODE_BYTES    7  /* "1234AB" + NUL */
#define SP_KENTEKEN_BYTES    7  /* "VW85YN" + NUL */
#define SP_IBAN_BYTES        35 /* up to 34 characters + NUL */
#define SP_ANUMMER_BYTES     11 /* 10 digits + NUL */
#define SP_NATIONAL_ID_BYTES 16 /* up to 15 digits + NUL */
#define SP_POSTAL_CODE_BYTES 11 /* up to 10 letters/digits + NUL */
#define SP_HOUSE_SUFFIX_MAX  8  /* huisletter + toevoeging, letters/digits */

/* True when the 9 digits pass the 11-test (9*d1 + ... + 2*d8 - d9 = 0 mod 11). */
bool sp_bsn_elfproef(const char digits[9]);

/* BSN: 9 digits, or 8 digits whose leading zero was lost; spaces, dots and
 * dashes are ignored. Rejects FORMAT (other characters), LENGTH, RANGE
 * (000000000), CHECKSUM (11-test), TEST_RANGE (9999... when refuse_test). */
int sp_bsn_parse(const char *text, size_t len, bool refuse_test, char out[SP_BSN_BYTES]);

/* RSIN of a legal entity: the BSN rules without the test-range policy. */
int sp_rsin_parse(const char *text, size_t len, char out[SP_BSN_BYTES]);

/* KvK-nummer: 8 digits (7 digits: lost leading zero); no check digit.
 * Rejects FORMAT, LENGTH, RANGE (00000000). */
int sp_kvk_parse(const char *text, size_t len, char out[SP_KVK_BYTES]);

/* Vestigingsnummer: exactly 12 digits. Rejects FORMAT, LENGTH, RANGE (all 0). */
int sp_vestiging_parse(const char *text, size_t len, char out[SP_VESTIGING_BYTES]);

/* Postcode "1234AB" from "1234 ab", "1234AB", "NL-1234 AB". Rejects FORMAT,
 * LENGTH (not 4 digits + 2 letters), RANGE (leading 0), NOT_ISSUED (SA, SD, SS). */
int sp_postcode_parse(const char *text, size_t len, char out[SP_POSTCODE_BYTES]);

/* A house number (1..99999) with the letters/digits after it (huisletter and
 * toevoeging, upper case, separators dropped): "12a", "12 A", "12-A" -> 12 "A";
 * "1A/101" -> 1 "A101"; "12 II" -> 12 "II"; "12 bis", "12-hs". */
struct sp_house {
    uint32_t number;
    uint8_t suffix_len;
    char suffix[SP_HOUSE_SUFFIX_MAX + 1];
};

/* Parses a house-number column. Rejects FORMAT (no leading number, or
 * characters other than letters, digits and separators after it), RANGE
 * (0 or above 99999), LENGTH (suffix longer than SP_HOUSE_SUFFIX_MAX). */
int sp_house_parse(const char *text, size_t len, struct sp_house *out);

/* Appends a huisletter or toevoeging column (letters/digits, separators
 * dropped) to h->suffix. Rejects FORMAT, LENGTH (letter: more than one
 * letter; toevoeging: more than 4 characters; or the suffix overflows). */
int sp_house_letter_add(const char *text, size_t len, struct sp_house *h);
int sp_house_suffix_add(const char *text, size_t len, struct sp_house *h);

/* The house number of "Street 12a" (the last word that starts with a digit
 * and the short words after it). Rejects FORMAT when there is none, and as
 * sp_house_parse. */
int sp_street_address_parse(const char *text, size_t len, struct sp_house *out);

/* Kenteken: 6 letters/digits in one of the 14 sidecodes, separators (space,
 * '-', '.') ignored, upper case. *sidecode (1..14) may be NULL. Rejects
 * LENGTH (not 6), FORMAT (other characters, or no such sidecode). */
int sp_kenteken_parse(const char *text, size_t len, char out[SP_KENTEKEN_BYTES], int *sidecode);

/* IBAN without spaces, upper case; NL: "NL" + 2 digits + 4 letters + 10
 * digits. Other SEPA countries by their length. Rejects FORMAT, LENGTH,
 * CHECKSUM (mod 97 is not 1). */
int sp_iban_parse(const char *text, size_t len, char out[SP_IBAN_BYTES]);

/* A-nummer: 10 digits, first not 0, no two adjacent digits equal, digit sum
 * mod 11 is 0 or 5, sum(d_i * 2^i) mod 11 = 0. Rejects FORMAT, LENGTH,
 * CHECKSUM. */
int sp_anummer_parse(const char *text, size_t len, char out[SP_ANUMMER_BYTES]);

/* A national person number of another country (no Dutch rules): 5..15
 * digits, spaces, dots and dashes ignored. Rejects FORMAT, LENGTH, RANGE
 * (all zeros). */
int sp_national_id_parse(const char *text, size_t len, char out[SP_NATIONAL_ID_BYTES]);

/* A postal code of another country, as written: 3..10 ASCII letters/digits
 * (upper case), spaces and dashes dropped. Rejects FORMAT, LENGTH. */
int sp_postal_code_parse(const char *text, size_t len, char out[SP_POSTAL_CODE_BYTES]);

#endif
