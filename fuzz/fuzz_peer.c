/* libFuzzer harness for the node <-> node decoders: every input is tried as
 * a peer frame and as a PROPOSAL. Besides memory errors (ASan) and undefined
 * behaviour (UBSan) it checks the decoders' promises (proto_fuzz.h):
 * canonicity (whatever a decoder accepts re-encodes to exactly the same
 * bytes, so no two byte strings mean the same message, which signatures and
 * digests over proposals rely on), specific SP_ERR_PROTO_* codes, and
 * nothing written (proposal) or everything zeroed (peer message) on error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/peer.h"
#include "proto/proposal.h"
#include "proto_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void peer(const uint8_t *data, size_t size)
{
    struct sp_peer_msg m;
    uint8_t *out = NULL;
    size_t len = 0;
    int err;

    memset(&m, FZ_POISON, sizeof(m));
    err = sp_peer_decode(data, size, &m);
    if (err != 0) {
        fz_proto_code("peer", err);
        fz_all_bytes("peer", &m, sizeof(m), 0);
        return;
    }
    if (sp_peer_encode_alloc(&m, &out, &len) != 0)
        fz_fail("peer", "decoded message does not encode");
    fz_same_bytes("peer", data, size, out, len);
    free(out);
    sp_peer_msg_clear(&m);
}

static void proposal(const uint8_t *data, size_t size)
{
    struct sp_proposal *p = malloc(sizeof(*p));
    uint8_t *out = malloc(SP_PROPOSAL_MAX_BYTES);
    size_t len = 0;
    int err;

    if (p == NULL || out == NULL)
        abort();
    memset(p, FZ_POISON, sizeof(*p));
    err = sp_proposal_decode(data, size, p);
    if (err != 0) {
        fz_proto_code("proposal", err);
        fz_all_bytes("proposal", p, sizeof(*p), FZ_POISON);
    } else {
        if (sp_proposal_encode(p, out, SP_PROPOSAL_MAX_BYTES, &len) != 0)
            fz_fail("proposal", "decoded proposal does not encode");
        fz_same_bytes("proposal", data, size, out, len);
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
