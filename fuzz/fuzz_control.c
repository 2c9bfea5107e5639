/* libFuzzer harness for the CLI <-> daemon decoders: every input is tried
 * as a request and as a reply (the daemon decodes requests, the CLI
 * replies). Besides ASan and UBSan findings it checks the decoders'
 * promises (proto_fuzz.h): whatever is accepted re-encodes to exactly the
 * same bytes, refusals carry a specific SP_ERR_PROTO_* code, a refused
 * request is not written and a refused reply is zeroed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control.h"
#include "proto_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(const uint8_t *data, size_t size)
{
    struct sp_ctl_request *q = malloc(sizeof(*q));
    uint8_t *out = NULL;
    size_t len = 0;
    int err;

    if (q == NULL)
        abort();
    memset(q, FZ_POISON, sizeof(*q));
    err = sp_ctl_request_decode(data, size, q);
    if (err != 0) {
        fz_proto_code("request", err);
        fz_all_bytes("request", q, sizeof(*q), FZ_POISON);
    } else {
        if (sp_ctl_request_encode_alloc(q, &out, &len) != 0)
            fz_fail("request", "decoded request does not encode");
        fz_same_bytes("request", data, size, out, len);
        free(out);
    }
    free(q);
}

static void reply(const uint8_t *data, size_t size)
{
    struct sp_ctl_reply *r = malloc(sizeof(*r));
    uint8_t *out = NULL;
    size_t len = 0;
    int err;

    if (r == NULL)
        abort();
    memset(r, FZ_POISON, sizeof(*r));
    err = sp_ctl_reply_decode(data, size, r);
    if (err != 0) {
        fz_proto_code("reply", err);
        fz_all_bytes("reply", r, sizeof(*r), 0);
    } else {
        if (sp_ctl_reply_encode_alloc(r, &out, &len) != 0)
            fz_fail("reply", "decoded reply does not encode");
        fz_same_bytes("reply", data, size, out, len);
        free(out);
    }
    sp_ctl_reply_clear(r);
    free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    request(data, size);
    reply(data, size);
    return 0;
}
