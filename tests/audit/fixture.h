/*
 * Test fixture for the audit tests: node logs built and signed in the test
 * itself with deterministic Ed25519 test keys, their JSON lines exports, and
 * helpers to re-sign a manipulated log as a dishonest node would.
 */
#ifndef SP_TEST_AUDIT_FIXTURE_H
#define SP_TEST_AUDIT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "audit/head.h"
#include "audit/verify.h"

#define TLOG_MAX 256
#define T0       UINT64_C(1709283600) /* 2024-03-01T09:00:00Z */

struct tlog {
    char node[SP_AUDIT_NAME_MAX + 1];
    uint8_t pk[32], sk[64];
    sp_audit_sign_fn sign; /* when set, signs instead of sk (a real identity) */
    void *sign_ctx;
    uint8_t *rec[TLOG_MAX];
    size_t len[TLOG_MAX];
    uint8_t hash[TLOG_MAX][SP_AUDIT_HASH_BYTES];
    size_t n;
};

/* A JSON lines export held as lines (without newlines). */
struct texport {
    char **line;
    size_t n;
};

/* The signing callback for the fixture's keys (ctx: a struct tlog). */
int tlog_sign(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg, size_t len);

void tlog_init(struct tlog *l, const char *node, uint8_t seed);
void tlog_free(struct tlog *l);
/* Seals e as the next entry (seq n, time T0 + 60 n) and frees it. */
void tlog_append(struct tlog *l, struct sp_audit_entry **e);
/* The signed head covering the current last entry. */
void tlog_head(const struct tlog *l, struct sp_audit_head *h);
/* An unsealed entry with the same type and fields as a sealed one. */
struct sp_audit_entry *tlog_clone(const struct sp_audit_entry *e);
/* Decodes record i (caller frees). */
struct sp_audit_entry *tlog_entry(const struct tlog *l, size_t i);
/* Re-seals entries from..n-1 with fresh seq, prev and signatures, as a node
 * that rewrites its own log would (after replacing or removing records). */
void tlog_reseal(struct tlog *l, size_t from);
/* Removes record i (no re-sealing). */
void tlog_remove(struct tlog *l, size_t i);

/* The export of l: its lines and its head line. */
void texport_of(const struct tlog *l, struct texport *x);
void texport_free(struct texport *x);
/* Line editing: replace line i (takes a copy), insert a copy at i, remove. */
void texport_set(struct texport *x, size_t i, const char *line);
void texport_insert(struct texport *x, size_t i, const char *line);
void texport_remove(struct texport *x, size_t i);

/* Verifies x as node's export with its key; peers (npeers exports, may be
 * NULL) contribute their recorded heads as pins. Returns the finish code. */
int texport_verify(const struct texport *x, const struct tlog *node, const struct texport *peers,
                   size_t npeers, struct sp_audit_report *rep);

/* Builds a federation of n logs (names node-a, node-b, ...) that ran one
 * round (id round) with consistent entries: start, dataset load, proposal,
 * participants, sizes, result, exchanged heads, and one entry after. */
void fixture_federation(struct tlog *logs, size_t n, const uint8_t round[16]);
/* The same with logs already initialised (names and keys chosen). */
void fixture_federation_with(struct tlog *logs, size_t n, const uint8_t round[16]);
/* fixture_federation, then each log's export in x[i]. */
void fixture_federation_exports(struct tlog *logs, struct texport *x, size_t n,
                                const uint8_t round[16]);
/* Frees n logs and their exports (as fixture_federation_exports made them). */
void fixture_federation_free(struct tlog *logs, struct texport *x, size_t n);
/* Elements node i sent to node j in the fixture's round, per key type. */
uint64_t fixture_sent(size_t i, size_t j, int key_type);

#endif
