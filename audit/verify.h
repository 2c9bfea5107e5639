/*
 * Offline verification of one node's audit export (audit/jsonl.h).
 *
 * Feed the export line by line to a verifier made with the node's signing
 * key (taken from its certificate after pki/ has verified that against the
 * federation CA), optionally add the heads that peers recorded for this node
 * (pins), then finish. The verifier checks:
 *   - every line is a well-formed entry or head line whose readable members
 *     match its signed bytes, and every entry signature verifies;
 *   - seq runs 0, 1, 2, ... and each prev_hash is the hash of the entry
 *     before (the chain);
 *   - the last line is the node's signed head, and it covers exactly the
 *     last entry (entries cut off the end, or added after it, show);
 *   - every pin (a head this node signed and a peer recorded at the end of a
 *     round) matches the entry it covers (a node that rewrote or cut its log
 *     after the round is caught even when it re-signed everything).
 * It reports the FIRST bad entry (its position, line and seq) and what is
 * wrong: changed, bad signature, removed, inserted, reordered, replaced,
 * truncated, head, rewritten.
 *
 * Memory: about 100 bytes per entry plus the facts of each round kept for
 * sp_audit_crosscheck; at most SP_AUDIT_VERIFY_MAX_ENTRIES entries.
 * Pure.
 */
#ifndef SP_AUDIT_VERIFY_H
#define SP_AUDIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "audit/entry.h"
#include "common/err.h"

#define SP_AUDIT_VERIFY_MAX_ENTRIES (UINT32_C(1) << 22)

enum sp_audit_fault {
    SP_AUDIT_FAULT_NONE = 0,
    SP_AUDIT_FAULT_MALFORMED, /* a line is not a well-formed export line */
    SP_AUDIT_FAULT_CHANGED,   /* an entry's bytes, hash or readable members were changed */
    SP_AUDIT_FAULT_SIGNATURE, /* an entry's signature does not verify with the node's key */
    SP_AUDIT_FAULT_REMOVED,   /* entries are missing from the sequence */
    SP_AUDIT_FAULT_INSERTED,  /* an entry that does not belong (a copy, an extra) */
    SP_AUDIT_FAULT_REORDERED, /* entries out of order */
    SP_AUDIT_FAULT_REPLACED,  /* an entry does not link to the one before it */
    SP_AUDIT_FAULT_TRUNCATED, /* entries cut off the end */
    SP_AUDIT_FAULT_HEAD,      /* the signed head is missing, invalid or of another node */
    SP_AUDIT_FAULT_REWRITTEN, /* differs from a head a peer recorded */
    SP_AUDIT_FAULT_EMPTY,     /* no entries at all */
};

/* "changed", "removed", ...; "ok" for NONE. */
const char *sp_audit_fault_name(int fault);

struct sp_audit_report {
    int fault;         /* enum sp_audit_fault */
    size_t index;      /* position (from 0) of the first bad entry among the entry lines;
                          the number of entries when it lies past the end */
    size_t line;       /* its line number in the export (from 1); 0 past the end */
    uint64_t seq;      /* the seq the position should have held */
    char detail[320];  /* one sentence for a person; never field values */
    size_t entries;    /* entry lines read */
    uint64_t head_seq; /* seq covered by the signed head */
    size_t pins;       /* peers' pins checked */
};

struct sp_audit_verifier; /* opaque */

/* pk: the node's Ed25519 signing key, or NULL to check structure only (used
 * to read a peer's log for the pins it holds; nothing is then said about
 * that log's authenticity). node: the node's name as in its certificate, or
 * NULL to take it from the head line. Returns 0, SP_ERR_INVALID_ARG,
 * SP_ERR_NOMEM, SP_ERR_CRYPTO_INIT. */
SP_NODISCARD int sp_audit_verifier_new(const uint8_t *pk, const char *node,
                                       struct sp_audit_verifier **out);
void sp_audit_verifier_free(struct sp_audit_verifier **v);

/* Feeds the next line of the export (without its newline). Faults are
 * recorded, not returned: returns 0, or SP_ERR_NOMEM, or SP_ERR_OVERFLOW
 * (more than SP_AUDIT_VERIFY_MAX_ENTRIES lines), or SP_ERR_STATE (after
 * finish). */
SP_NODISCARD int sp_audit_verifier_line(struct sp_audit_verifier *v, const char *line, size_t len);

/* Applies the heads of v's node that the log read by peer recorded
 * (log_head_received entries naming v's node) as pins on v. Each pin's
 * signature is checked with v's key; *bad (may be NULL) counts those that
 * fail, which are not applied. Returns 0, SP_ERR_STATE (v has no key or no
 * node name yet), SP_ERR_NOMEM. */
SP_NODISCARD int sp_audit_verifier_pins_from(struct sp_audit_verifier *v,
                                             const struct sp_audit_verifier *peer, size_t *bad);

/* Finishes: analyses sequence, chain, head and pins, and fills *rep.
 * Returns 0 when the log verifies, SP_ERR_AUDIT otherwise (rep says why).
 * Later calls return the same result. */
SP_NODISCARD int sp_audit_verifier_finish(struct sp_audit_verifier *v, struct sp_audit_report *rep);

/* The node's name (given, or from the head line), "" when unknown. */
const char *sp_audit_verifier_node(const struct sp_audit_verifier *v);

#endif
