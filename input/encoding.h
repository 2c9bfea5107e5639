/*
 * Character encodings of agency exports: UTF-8 (with or without a byte-order
 * mark), ISO-8859-1 and Windows-1252, all converted to UTF-8 before anything
 * else looks at the text. Pure: caller-provided buffers, no allocation.
 *
 * "Valid text" here is stricter than the encodings themselves: a NUL byte, and
 * in ISO-8859-1 the C1 control range 0x80-0x9F, never occur in a real export
 * and most likely mean a wrong encoding declaration, so they are rejected
 * (a file with 0x80 for the euro sign is Windows-1252, not ISO-8859-1).
 */
#ifndef SP_INPUT_ENCODING_H
#define SP_INPUT_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum sp_encoding {
    SP_ENC_UTF8 = 1,
    SP_ENC_LATIN1 = 2, /* ISO-8859-1 */
    SP_ENC_CP1252 = 3, /* Windows-1252 */
};

/* A single byte of ISO-8859-1 or Windows-1252 becomes at most 3 UTF-8 bytes
 * (the euro sign, U+20AC); UTF-8 input is copied unchanged. */
#define SP_ENCODING_MAX_EXPANSION 3

/* Parses a mapping-file name: "utf-8" ("utf8"), "iso-8859-1" ("latin-1",
 * "latin1"), "windows-1252" ("cp1252"); ASCII case-insensitive. Returns the
 * enum sp_encoding value or 0 when unknown. */
int sp_encoding_from_name(const char *name);
/* Canonical name ("iso-8859-1"); NULL when invalid. */
const char *sp_encoding_name(int enc);

/* Converts len bytes in encoding enc to UTF-8 in out (capacity cap; at most
 * len * SP_ENCODING_MAX_EXPANSION bytes are written), setting *out_len. For
 * UTF-8 input this validates and copies. Returns 0; SP_ERR_INPUT_ENCODING
 * when a byte sequence is not valid text in enc (*bad_at, when not NULL, is
 * its offset in the input); SP_ERR_OVERFLOW when cap is too small;
 * SP_ERR_INVALID_ARG for an unknown enc. out is not usable on error. */
SP_NODISCARD int sp_encoding_to_utf8(int enc, const uint8_t *in, size_t len, uint8_t *out,
                                     size_t cap, size_t *out_len, size_t *bad_at);

/* What the first bytes of a file say about its encoding. */
enum sp_bom {
    SP_BOM_NONE = 0,     /* no byte-order mark */
    SP_BOM_UTF8 = 1,     /* EF BB BF (3 bytes) */
    SP_BOM_UTF16LE = 2,  /* FF FE: not supported */
    SP_BOM_UTF16BE = 3,  /* FE FF: not supported */
    SP_BOM_NEED_MORE = 4 /* the bytes seen so far are a prefix of a UTF-8 BOM */
};

/* Classifies the first len bytes of a file (len may be 0..n; with fewer than 3
 * bytes the answer may be SP_BOM_NEED_MORE unless at_eof). *bom_len is set to
 * the number of bytes to skip (3 for SP_BOM_UTF8, 2 for UTF-16, else 0). */
int sp_encoding_sniff_bom(const uint8_t *p, size_t len, bool at_eof, size_t *bom_len);

#endif
