/*
 * Shared by the proto tests: golden fixture files, sample messages (the
 * structs the fixtures encode), struct comparison, and a small independent
 * msgpack walker used to mutate encoded messages element by element.
 */
#ifndef SP_TESTS_PROTO_SUPPORT_H
#define SP_TESTS_PROTO_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/control.h"
#include "proto/peer.h"
#include "proto/proposal.h"

/* ---- fixtures ---- */

/* Loads tests/proto/fixtures/<name>.hex (whitespace and '#' comment lines
 * ignored) into a malloc'd buffer. Aborts the test program when missing. */
uint8_t *fx_load(const char *name, size_t *len);
/* True when SP_PROTO_WRITE_FIXTURES names a directory: the tests then write
 * fixtures there instead of comparing (used once to create them; review
 * the result by hand before committing). */
bool fx_writing(void);
void fx_write(const char *name, const char *comment, const uint8_t *buf, size_t len);
/* Compares buf with the fixture (or writes it in writing mode). */
void fx_check(const char *name, const char *comment, const uint8_t *buf, size_t len);

/* ---- samples ---- */

void sample_proposal(struct sp_proposal *p);
/* A proposal in mode case (the CASE_ASK samples carry it). */
void sample_case_proposal(struct sp_proposal *p);

struct peer_sample {
    const char *name; /* fixture name */
    void (*build)(struct sp_peer_msg *m);
};
extern const struct peer_sample peer_samples[];
extern const size_t npeer_samples;

struct request_sample {
    const char *name;
    void (*build)(struct sp_ctl_request *q);
};
extern const struct request_sample request_samples[];
extern const size_t nrequest_samples;

struct reply_sample {
    const char *name;
    void (*build)(struct sp_ctl_reply *r);
};
extern const struct reply_sample reply_samples[];
extern const size_t nreply_samples;

/* ---- comparison (every field, pointed-to data included) ---- */

bool proposal_equal(const struct sp_proposal *a, const struct sp_proposal *b);
bool peer_equal(const struct sp_peer_msg *a, const struct sp_peer_msg *b);
bool request_equal(const struct sp_ctl_request *a, const struct sp_ctl_request *b);
bool reply_equal(const struct sp_ctl_reply *a, const struct sp_ctl_reply *b);

/* ---- msgpack walking and mutation ---- */

enum mp_kind { MP_UINT, MP_NINT, MP_STR, MP_BIN, MP_ARRAY, MP_MAP, MP_NIL, MP_BOOL, MP_OTHER };

struct mp_elem {
    size_t start;   /* first byte (the tag) */
    size_t hdr_end; /* first byte after tag and length/value bytes */
    size_t end;     /* first byte after the whole element */
    enum mp_kind kind;
    uint64_t value; /* uint value, or length/count for str/bin/array/map */
    char path[48];  /* "3" = top-level element 3; "5.1.0" nested */
};

/* Walks one complete msgpack element tree (bins are not entered). Returns
 * the number of elements found (<= max), or 0 when buf is not one valid
 * msgpack element. */
size_t mp_walk(const uint8_t *buf, size_t len, struct mp_elem *elems, size_t max);
/* The element with this path, or NULL. */
const struct mp_elem *mp_find(const struct mp_elem *elems, size_t n, const char *path);

/* out = buf with [start, end) replaced by repl; returns the new length.
 * out must hold len - (end - start) + rlen bytes. */
size_t mp_splice(uint8_t *out, const uint8_t *buf, size_t len, size_t start, size_t end,
                 const uint8_t *repl, size_t rlen);
/* Writes a non-canonical (one size wider) header for e into out; returns
 * its length, or 0 when the element has no wider form (uint64, 32-bit
 * lengths, nil, bool). */
size_t mp_widen(const uint8_t *buf, const struct mp_elem *e, uint8_t *out);
/* Parses hex ("c0 a1 78" or "c0a178") into out; returns the length. */
size_t mp_hex(const char *hex, uint8_t *out, size_t cap);

/* ---- one descriptor per message family (codecs.c) ---- */

struct codec {
    const char *family; /* for failure messages */
    size_t size;        /* of the message struct */
    int (*encode)(const void *m, uint8_t *buf, size_t cap, size_t *len);
    int (*encode_alloc)(const void *m, uint8_t **out, size_t *len); /* NULL: none */
    int (*decode)(const uint8_t *buf, size_t len, void *out);
    void (*clear)(void *m); /* NULL: decode allocates nothing */
    bool (*equal)(const void *a, const void *b);
};
extern const struct codec peer_codec, request_codec, reply_codec, proposal_codec;

/* Decodes into a scratch struct and releases it; returns 0 or the code. */
int codec_decode(const struct codec *c, const uint8_t *buf, size_t len);
/* m's encoding is the fixture `name` (or is written there, with comment, in
 * writing mode); encode_alloc gives the same bytes; decoding the encoding and
 * the fixture gives back every field of m, and encoding that gives back the
 * same bytes. */
void check_golden(const struct codec *c, const char *name, const char *comment, const void *m);
/* Every buffer shorter than m's encoding: SP_ERR_OVERFLOW, *len untouched. */
void check_small_buffers(const struct codec *c, const void *m);
/* encode (and encode_alloc) of m return want; on error *len and *out are
 * untouched. */
void check_encode_result(const struct codec *c, const void *m, int want);
/* Runs reject_battery on the fixture `name`. */
void reject_fixture(const struct codec *c, const char *name);

/* ---- generic decoder checks ---- */

/* Runs the generic rejection battery on a valid encoding: every truncation,
 * trailing byte, every element replaced by wrong types, non-canonical
 * widening of every element, 0xffffffff length claims on every str, bin and
 * array. `name` labels failures. */
void reject_battery(const char *name, const uint8_t *buf, size_t len, const struct codec *c);

/* One patch: the element at path of a fixture replaced by hex followed by
 * pad zero bytes; decoding must give want. A path ending in '^' replaces
 * only the element's header (tag and length), "^" the top-level header. */
struct patch {
    const char *fixture;
    const char *path;
    const char *hex;
    size_t pad;
    int want;
};
void apply_patches(const struct patch *t, size_t n, const struct codec *c);
#define APPLY_PATCHES(table, c) apply_patches(table, sizeof(table) / sizeof((table)[0]), c)

/* Short names for the codes the tables expect. */
#define FIELD     SP_ERR_PROTO_FIELD
#define OVERSIZED SP_ERR_PROTO_OVERSIZED
#define MALFORMED SP_ERR_PROTO_MALFORMED
#define UNKNOWN   SP_ERR_PROTO_UNKNOWN_MSG
#define TRUNCATED SP_ERR_PROTO_TRUNCATED

#endif
