/*
 * Internal to proto/: bounded msgpack writing and strict msgpack reading.
 * Not part of the layer's interface (peer.h, control.h, proposal.h are).
 *
 * Writing goes through msgpack-c's packer (always the shortest encoding) into
 * a fixed or a capped growable buffer; errors are sticky, so an encoder makes
 * all its calls and checks once at the end.
 *
 * Reading is hand-written rather than msgpack_unpack: msgpack-c builds an
 * object tree whose size follows the counts the input claims, while this
 * reader allocates nothing, accepts only the canonical (shortest) encoding,
 * checks every length against the field's limit before looking at the bytes,
 * and reports the specific SP_ERR_PROTO_* code.
 */
#ifndef SP_PROTO_WIRE_H
#define SP_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct sp_wire_writer {
    uint8_t *buf;
    size_t len;
    size_t cap;
    size_t max; /* growable: never beyond this many bytes */
    bool grow;  /* buf is ours (malloc'd) and may be reallocated */
    int err;    /* first error, sticky */
};

/* Writes into the caller's buf[0..cap). Overflow -> SP_ERR_OVERFLOW. */
void sp_wire_writer_fixed(struct sp_wire_writer *w, uint8_t *buf, size_t cap);
/* Writes into a malloc'd buffer growing up to max bytes; beyond that ->
 * SP_ERR_PROTO_OVERSIZED; allocation failure -> SP_ERR_NOMEM. */
void sp_wire_writer_growable(struct sp_wire_writer *w, size_t max);
/* Returns the sticky error (0 when none). For a growable writer on success
 * hands the buffer to *out (caller frees); on error frees it. */
SP_NODISCARD int sp_wire_writer_finish(struct sp_wire_writer *w, uint8_t **out, size_t *len_out);
/* Writes one message with put into buf[0..cap), or into a malloc'd buffer
 * of at most max bytes handed to *out, and finishes the writer: the
 * fixed/alloc pair every encoder offers. put reports a refused message with
 * sp_wire_fail; *len_out and *out are untouched on error. */
typedef void (*sp_wire_put_fn)(struct sp_wire_writer *w, const void *msg);
SP_NODISCARD int sp_wire_encode(sp_wire_put_fn put, const void *msg, uint8_t *buf, size_t cap,
                                size_t *len_out);
SP_NODISCARD int sp_wire_encode_alloc(sp_wire_put_fn put, const void *msg, size_t max,
                                      uint8_t **out, size_t *len_out);
/* Records err unless an earlier error is recorded. */
void sp_wire_fail(struct sp_wire_writer *w, int err);

void sp_wire_put_array(struct sp_wire_writer *w, uint32_t n);
void sp_wire_put_uint(struct sp_wire_writer *w, uint64_t v);
void sp_wire_put_int(struct sp_wire_writer *w, int64_t v);
void sp_wire_put_bool(struct sp_wire_writer *w, bool v);
void sp_wire_put_nil(struct sp_wire_writer *w);
void sp_wire_put_bin(struct sp_wire_writer *w, const void *p, size_t n);
void sp_wire_put_str(struct sp_wire_writer *w, const char *s, size_t n);
/* A NUL-terminated string of at most max bytes; longer -> SP_ERR_PROTO_FIELD. */
void sp_wire_put_cstr(struct sp_wire_writer *w, const char *s, size_t max);
/* n u64 values as one bin of 8 * n little-endian bytes (fingerprints): the
 * byte order is the wire's, not the host's. */
void sp_wire_put_u64s_le(struct sp_wire_writer *w, const uint64_t *v, uint32_t n);

struct sp_wire_reader {
    const uint8_t *p;
    const uint8_t *end;
};

/* Reads buf[0..len); a NULL buf is empty input. */
void sp_wire_reader_init(struct sp_wire_reader *r, const uint8_t *buf, size_t len);
/* SP_ERR_PROTO_TRAILING unless every byte was consumed. */
SP_NODISCARD int sp_wire_end(const struct sp_wire_reader *r);

/* An array header with at most max elements (more: OVERSIZED). Each element
 * takes at least one byte, so a count beyond the remaining input is
 * TRUNCATED: no caller ever sizes storage from an unbacked count. */
SP_NODISCARD int sp_wire_get_array(struct sp_wire_reader *r, uint32_t max, uint32_t *n);
/* An array of exactly n elements (more: OVERSIZED; fewer: MALFORMED). */
SP_NODISCARD int sp_wire_get_tuple(struct sp_wire_reader *r, uint32_t n);
/* An unsigned integer <= max (larger or negative: FIELD). */
SP_NODISCARD int sp_wire_get_uint(struct sp_wire_reader *r, uint64_t max, uint64_t *v);
SP_NODISCARD int sp_wire_get_u8(struct sp_wire_reader *r, uint8_t *v);
SP_NODISCARD int sp_wire_get_u32(struct sp_wire_reader *r, uint32_t *v);
SP_NODISCARD int sp_wire_get_u64(struct sp_wire_reader *r, uint64_t *v);
/* A signed integer in int32 range (outside: FIELD). */
SP_NODISCARD int sp_wire_get_i32(struct sp_wire_reader *r, int32_t *v);
SP_NODISCARD int sp_wire_get_bool(struct sp_wire_reader *r, bool *v);
/* Consumes a nil and returns true if the next element is nil. */
bool sp_wire_take_nil(struct sp_wire_reader *r);
/* A bin of at most max bytes (more: OVERSIZED); *p points into the input
 * (NULL when empty). */
SP_NODISCARD int sp_wire_get_bin(struct sp_wire_reader *r, size_t max, const uint8_t **p,
                                 size_t *n);
/* A bin of 8 * n little-endian u64 with n <= max (longer: OVERSIZED; a
 * length not a multiple of 8: FIELD); *p points into the input (NULL when
 * empty). Convert with sp_wire_load_u64s_le. */
SP_NODISCARD int sp_wire_get_u64s_le(struct sp_wire_reader *r, uint32_t max, const uint8_t **p,
                                     uint32_t *n);
/* out[i] = the little-endian u64 at p + 8 * i, for i < n. */
void sp_wire_load_u64s_le(const uint8_t *p, uint32_t n, uint64_t *out);
/* A bin of exactly n bytes copied to out (longer: OVERSIZED; shorter:
 * FIELD). */
SP_NODISCARD int sp_wire_get_fixed(struct sp_wire_reader *r, uint8_t *out, size_t n);
/* A str of at most max bytes (more: OVERSIZED) that is valid UTF-8 without
 * NUL (else FIELD); *p points into the input, not NUL-terminated. */
SP_NODISCARD int sp_wire_get_str(struct sp_wire_reader *r, size_t max, const char **p, size_t *n);
/* A text field (sp_wire_text_valid) of min..max bytes copied into dst, which
 * holds max + 1 bytes, NUL-terminated. Longer: OVERSIZED; shorter or not
 * valid text: FIELD. */
SP_NODISCARD int sp_wire_get_text(struct sp_wire_reader *r, size_t min, size_t max, char *dst);

/* Text: well-formed UTF-8 (common/utf8.h) without NUL, DEL or C0 controls other than TAB, so it
 * cannot break a log line or a terminal. */
bool sp_wire_text_valid(const char *s, size_t n);
/* The length of a NUL-terminated string held in an array of cap bytes, or
 * cap when it is not terminated. */
size_t sp_wire_strnlen(const char *s, size_t cap);
/* Copies text into dst (capacity max + 1): truncated at a UTF-8 character
 * boundary, invalid bytes and controls replaced by spaces. s may be NULL. */
void sp_wire_text_sanitize(char *dst, size_t max, const char *s);

#endif
