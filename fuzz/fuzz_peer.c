/* libFuzzer harness for the node <-> node decoders: every input is tried as
 * a peer frame and as a PROPOSAL. Besides memory errors (ASan) and undefined
 * behaviour (UBSan) it checks canonicity: whatever a decoder accepts must
 * re-encode to exactly the same bytes, so no two byte strings ever mean the
 * same message (which signatures and digests over proposals rely on). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/peer.h"
#include "proto/proposal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_equal(const char *what, const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0) {
        fprintf(stderr, "%s: accepted input does not re-encode to itself\n", what);
        abort();
    }
}

static void peer(const uint8_t *data, size_t size)
{
    struct sp_peer_msg m;
    uint8_t *out = NULL;
    size_t len = 0;
    int err = sp_peer_decode(data, size, &m);

    if (err != 0 && err != SP_ERR_NOMEM &&
        (err > SP_ERR_PROTO_TRUNCATED || err < SP_ERR_PROTO_MALFORMED)) {
        fprintf(stderr, "peer decode returned %d, not an SP_ERR_PROTO_* code\n", err);
        abort();
    }
    if (err == 0) {
        if (sp_peer_encode_alloc(&m, &out, &len) != 0) {
            fprintf(stderr, "decoded peer message does not encode\n");
            abort();
        }
        must_equal("peer", data, size, out, len);
        free(out);
    }
    sp_peer_msg_clear(&m);
}

static void proposal(const uint8_t *data, size_t size)
{
    struct sp_proposal *p = malloc(sizeof(*p));
    uint8_t *out = malloc(SP_PROPOSAL_MAX_BYTES);
    size_t len = 0;

    if (p == NULL || out == NULL)
        abort();
    if (sp_proposal_decode(data, size, p) == 0) {
        if (sp_proposal_encode(p, out, SP_PROPOSAL_MAX_BYTES, &len) != 0) {
            fprintf(stderr, "decoded proposal does not encode\n");
            abort();
        }
        must_equal("proposal", data, size, out, len);
    }
    free(out);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    peer(data, size);
    proposal(data, size);
    return 0;
}
