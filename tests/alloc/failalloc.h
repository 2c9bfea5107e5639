/*
 * Failing-allocation test mode (curl's "torture" tests): the test programs
 * of this folder are linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=free
 * so that every call of those functions from the test program AND from the
 * static layer libraries linked into it (sp_proto, sp_input, sp_audit, the
 * round files) goes through failalloc.c. Calls made inside shared libraries
 * (libc itself, msgpack-c, libsodium, cmocka) are not seen.
 *
 * An operation under test is run again and again: run N makes allocation N
 * (counted from 0 since the run began) fail, and in "persistent" mode every
 * allocation after it as well. The loop ends with the first run that
 * completes without reaching allocation N. Each run must return 0 or one of
 * the operation's documented error codes, must not crash, and must leave
 * the count of live allocations (allocations minus frees through the
 * wrapper) as it found it; the operation's own run function checks its
 * outputs (equal to a run without failures on success; untouched where the
 * header says so on error).
 */
#ifndef SP_TEST_FAILALLOC_H
#define SP_TEST_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Starts counting allocations from 0; allocation n fails (and every later
 * one when persistent). fa_arm(UINT64_MAX, false) counts without failing. */
void fa_arm(uint64_t n, bool persistent);
/* Stops counting and failing. */
void fa_disarm(void);
/* While paused, allocations are neither counted nor failed (a run's own
 * set-up and checks). Pauses nest. */
void fa_pause(void);
void fa_resume(void);
/* Allocation calls counted and failures injected since fa_arm. */
uint64_t fa_calls(void);
uint64_t fa_injected(void);
/* Live allocations made through the wrapper (ever, paused or not). */
int64_t fa_live(void);

/* One operation under test. run performs it from the start (creating and
 * freeing everything it makes), checks its outputs with cmocka asserts and
 * returns its first non-zero code, or 0. allowed lists the codes besides 0
 * that the operation's header documents for an allocation failure. */
struct fa_op {
    const char *name;
    int (*run)(void *ctx);
    void *ctx;
    const int *allowed;
    size_t nallowed;
};

struct fa_result {
    uint64_t allocs;   /* allocation calls of a run without failures */
    uint64_t runs;     /* runs with a failure injected, both modes */
    uint64_t injected; /* failures injected, both modes */
};

/* Runs the loop in single and persistent mode and prints one line with the
 * figures. Fails the test when a run misbehaves, when the operation makes
 * allocations but no failure was injected, or when it makes none. */
void fa_torture(const struct fa_op *op, struct fa_result *res);

/* For operations documented not to allocate: runs op once and asserts that
 * it succeeds without a single allocation call. */
void fa_no_alloc(const struct fa_op *op);

/* Totals over every fa_torture call of the program (printed at the end). */
void fa_summary(void);

#endif
