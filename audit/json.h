/*
 * A small, strict JSON reader for the audit export (one JSON object per
 * line, written with the tree's one writer, common/jsonw.h). Hand-written
 * rather than a library (docs/audit.md says why): the export needs exact
 * 64-bit integers, refusal of duplicate keys, floats and deep nesting, fixed
 * memory per line, and a parser small enough to fuzz completely.
 *
 * The reader turns a text into a flat array of tokens (caller-provided
 * memory, no allocation). A container's members follow it; tok.next is the
 * index just past a value's subtree, so members are walked as
 *   for (k = obj + 1, m = 0; m < tok[obj].size; m++, k = tok[k + 1].next)
 *       key k, value k + 1
 * Accepted: objects, arrays, strings (escapes checked, UTF-8 checked, no
 * \u0000), integers (-?(0|[1-9][0-9]*), at most 20 digits), true, false,
 * null. Refused: fractions and exponents, duplicate keys, nesting deeper
 * than SP_JSON_DOC_MAX_DEPTH, anything after the value but whitespace.
 *
 * Pure.
 */
#ifndef SP_AUDIT_JSON_H
#define SP_AUDIT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SP_JSON_DOC_MAX_DEPTH 8

enum sp_json_type {
    SP_JSON_NULL = 1,
    SP_JSON_TRUE,
    SP_JSON_FALSE,
    SP_JSON_INT,
    SP_JSON_STRING,
    SP_JSON_ARRAY,
    SP_JSON_OBJECT,
};

struct sp_json_tok {
    uint8_t type;   /* enum sp_json_type */
    uint32_t start; /* span in the text; for strings inside the quotes */
    uint32_t end;
    uint32_t size; /* elements (array) or members (object) */
    uint32_t next; /* first token after this value's subtree */
};

struct sp_json_doc {
    const char *text;
    size_t len;
    struct sp_json_tok *tok; /* caller's array of cap tokens */
    size_t cap;
    size_t ntok;
};

/* Parses text[0..len) (len < 2^32) into j->tok (j->tok and j->cap set by
 * the caller). Returns 0, SP_ERR_AUDIT_FORMAT (not strict JSON as above) or
 * SP_ERR_OVERFLOW (more than cap tokens). */
SP_NODISCARD int sp_json_parse(struct sp_json_doc *j, const char *text, size_t len);

/* Index of the value of member key (ASCII) in object token obj, or -1. */
long sp_json_get(const struct sp_json_doc *j, size_t obj, const char *key);

/* Decodes string token t into out (capacity cap, NUL-terminated).
 * Returns 0, SP_ERR_AUDIT_FORMAT (not a string), SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_json_string(const struct sp_json_doc *j, size_t t, char *out, size_t cap,
                                size_t *len_out);

/* Integer token t as u64 (SP_ERR_AUDIT_FORMAT when negative, too large or
 * not an integer). */
SP_NODISCARD int sp_json_u64(const struct sp_json_doc *j, size_t t, uint64_t *out);

/* Deep comparison of value a.ai with b.bi: same types, equal integers (as
 * written), equal decoded strings, arrays equal element-wise, objects with
 * the same keys (in any order) and equal values. On difference returns
 * false and writes the path of the first difference ("fields.sent.bsn",
 * "" for the top) into path. */
bool sp_json_equal(const struct sp_json_doc *a, size_t ai, const struct sp_json_doc *b, size_t bi,
                   char *path, size_t path_cap);

#endif
