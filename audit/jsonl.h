/*
 * The audit export: JSON lines. One JSON object per line, entries in log
 * order, and the node's signed head as the last line:
 *
 *   {"seq":0,"time":"2024-03-01T09:00:00Z","type":"node_start",
 *    "fields":{"node":"gemeente-a","software":"snijpunt 0.1.0"},
 *    "prev":"00…00","hash":"<hex>","sig":"<base64>","raw":"<base64>"}
 *   …
 *   {"head":{"node":"gemeente-a","seq":41,"hash":"<hex>"},"sig":"<base64>"}
 *
 * "raw" is the exact entry bytes (audit/entry.h) and "sig" their signature:
 * they are what verification checks. Everything else on an entry line is
 * derived from them for people to read, and a reader re-derives it and
 * refuses a line whose readable members differ in any way from the bytes
 * (so nobody can be shown one thing while another was signed). Key order
 * and whitespace are free; values are not.
 *
 * Field values by kind: COUNT and CODE as integers, TIME as
 * "YYYY-MM-DDTHH:MM:SSZ" (UTC), TEXT and NAME as strings, DIGEST, ROUND and
 * SIGNATURE as lower-case hex, KEYMASK as a list of key type names, MODE as
 * its name; a field the entry type allows more than once is a list, or for
 * KEYCOUNT fields an object {"bsn":120,"name_dob":80}.
 *
 * Pure.
 */
#ifndef SP_AUDIT_JSONL_H
#define SP_AUDIT_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "audit/head.h"
#include "common/err.h"
#include "common/jsonw.h"

/* Longest line written or accepted, without the newline. */
#define SP_AUDIT_LINE_MAX 65536

/* Writes the export line of a record (entry bytes || signature) into out
 * (capacity cap; SP_AUDIT_LINE_MAX + 1 always suffices), NUL-terminated,
 * without a newline. The record is decoded strictly first (not verified:
 * the signature is copied as it is). Returns 0, SP_ERR_AUDIT_FORMAT,
 * SP_ERR_OVERFLOW, SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_jsonl_entry(const uint8_t *record, size_t len, char *out, size_t cap,
                                      size_t *len_out);

/* Writes the head line (as above). Returns 0, SP_ERR_INVALID_ARG (invalid
 * node name), SP_ERR_OVERFLOW. */
SP_NODISCARD int sp_audit_jsonl_head(const struct sp_audit_head *h, char *out, size_t cap,
                                     size_t *len_out);

/* Writes the "fields" object of entry e (key: its key in the enclosing
 * object, NULL inside an array) with the values by kind as above; `snijpunt
 * audit show --json` prints entries with it. */
void sp_audit_jsonl_fields(struct sp_json *w, const char *key, const struct sp_audit_entry *e);

enum sp_audit_line_kind {
    SP_AUDIT_LINE_ENTRY = 1,
    SP_AUDIT_LINE_HEAD = 2,
};

/* What is wrong with a line, when something is. */
enum sp_audit_line_fault {
    SP_AUDIT_LINE_OK = 0,
    SP_AUDIT_LINE_JSON,     /* not one strict JSON object, or not an export line */
    SP_AUDIT_LINE_RAW,      /* "raw"/"sig" missing or not a valid entry */
    SP_AUDIT_LINE_HASH,     /* "hash" differs from the hash of "raw" */
    SP_AUDIT_LINE_READABLE, /* a readable member differs from "raw" */
};

/* One parsed line. For an entry line whose raw bytes decode, entry, record
 * and hash are set even when a readable member is wrong (fault HASH or
 * READABLE), so that a verifier can still place the entry. */
struct sp_audit_line {
    int kind;  /* enum sp_audit_line_kind, 0 when unknown */
    int fault; /* enum sp_audit_line_fault */
    char detail[160];
    const struct sp_audit_entry *entry; /* owned by the reader; valid until its next line */
    const uint8_t *record;              /* entry bytes || signature, ditto */
    size_t record_len;
    uint8_t hash[SP_AUDIT_HASH_BYTES]; /* entry hash computed from raw */
    const uint8_t *sig;                /* the signature within record */
    struct sp_audit_head head;         /* HEAD lines */
};

/* A reader holds the memory one line needs (tokens, buffers). Opaque. */
struct sp_audit_reader;

SP_NODISCARD int sp_audit_reader_new(struct sp_audit_reader **out);
void sp_audit_reader_free(struct sp_audit_reader **r);

/* Parses line[0..len) (without its newline) into *out. Returns 0 when the
 * line is a consistent entry or head line; otherwise SP_ERR_AUDIT_FORMAT
 * (fault JSON or RAW), SP_ERR_AUDIT (fault HASH or READABLE; detail names
 * the member), SP_ERR_OVERFLOW (longer than SP_AUDIT_LINE_MAX: fault JSON),
 * SP_ERR_NOMEM. Signatures are not checked here (the reader does not know
 * the key). */
SP_NODISCARD int sp_audit_reader_line(struct sp_audit_reader *r, const char *line, size_t len,
                                      struct sp_audit_line *out);

/* "2024-03-01T09:00:00Z" for Unix seconds t into out (at least 32 bytes). */
void sp_audit_format_time(uint64_t t, char *out, size_t cap);

#endif
