/*
 * Invariant checks shared by the proto harnesses (fuzz_peer.c,
 * fuzz_control.c). A broken invariant aborts, which libFuzzer reports as a
 * crash with the input that caused it.
 */
#ifndef SP_FUZZ_PROTO_FUZZ_H
#define SP_FUZZ_PROTO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* Fills decoder outputs before a call, to see what the call wrote. */
#define FZ_POISON 0xa5

static inline void fz_fail(const char *what, const char *why)
{
    fprintf(stderr, "%s: %s\n", what, why);
    abort();
}

/* Canonicity: an accepted input re-encodes to exactly its own bytes. */
static inline void fz_same_bytes(const char *what, const uint8_t *in, size_t in_len,
                                 const uint8_t *out, size_t out_len)
{
    if (in_len != out_len || memcmp(in, out, in_len) != 0)
        fz_fail(what, "accepted input does not re-encode to itself");
}

/* A refusal is one of proto's specific codes (or SP_ERR_NOMEM), never a
 * general one: README section 7. */
static inline void fz_proto_code(const char *what, int err)
{
    if (err != SP_ERR_NOMEM && (err > SP_ERR_PROTO_TRUNCATED || err < SP_ERR_PROTO_MALFORMED))
        fz_fail(what, "refused with a code that is not SP_ERR_PROTO_*");
}

/* Every byte of p[0..n) is b: the output a refusal must leave (zeroed, or
 * untouched for decoders that write only on success). Compared with one
 * memcmp of p against itself shifted by a byte, not a loop: a byte loop
 * under ASan made the control harness four times slower. */
static inline void fz_all_bytes(const char *what, const void *p, size_t n, uint8_t b)
{
    const uint8_t *u = p;

    if (n > 0 && (u[0] != b || memcmp(u, u + 1, n - 1) != 0))
        fz_fail(what, "a refusal left output behind");
}

#endif
