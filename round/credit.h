/*
 * A CREDIT that does not fit what this node sent (issue 13): forged, or
 * misrouted by a broken participant. ring.c, final.c and count.c judge the
 * CREDITs of their streams; intake.c words the failure.
 */
#ifndef SP_ROUND_CREDIT_H
#define SP_ROUND_CREDIT_H

#include "proto/peer.h"
#include "round/core.h"

/* Fails the round here with a reason that names the receiver and the
 * CREDIT's sender, what it claimed to acknowledge and why (printf-style) it
 * does not fit ("n0 refused a CREDIT n2 sent for a BATCH (n1's stream, key
 * type bsn, seq 7): n2 is not n0's ring successor (n1 is)"), in names only:
 * the reason travels in the ABORT to every other participant, where "this
 * node" would name the reader. Returns
 * SP_ERR_PROTO_FIELD: intake.c still logs and records the refusal, but
 * sends the sender no ERROR (the ABORT tells it, and an ERROR would let it
 * fail the round first with a reason naming the receiver). */
__attribute__((format(printf, 4, 5))) int sp_eng_credit_refused(struct sp_round *r, unsigned from,
                                                                const struct sp_peer_credit *c,
                                                                const char *fmt, ...);

#endif
