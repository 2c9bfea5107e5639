/* libFuzzer harness for the CLI <-> daemon decoders: every input is tried
 * as a request and as a reply (the daemon decodes requests, the CLI
 * replies). Besides ASan and UBSan findings it checks that whatever is
 * accepted re-encodes to exactly the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_equal(const char *what, const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0) {
        fprintf(stderr, "%s: accepted input does not re-encode to itself\n", what);
        abort();
    }
}

static void request(const uint8_t *data, size_t size)
{
    struct sp_ctl_request *q = malloc(sizeof(*q));
    uint8_t *out = NULL;
    size_t len = 0;

    if (q == NULL)
        abort();
    if (sp_ctl_request_decode(data, size, q) == 0) {
        if (sp_ctl_request_encode_alloc(q, &out, &len) != 0) {
            fprintf(stderr, "decoded request does not encode\n");
            abort();
        }
        must_equal("request", data, size, out, len);
        free(out);
    }
    free(q);
}

static void reply(const uint8_t *data, size_t size)
{
    struct sp_ctl_reply *r = malloc(sizeof(*r));
    uint8_t *out = NULL;
    size_t len = 0;

    if (r == NULL)
        abort();
    if (sp_ctl_reply_decode(data, size, r) == 0) {
        if (sp_ctl_reply_encode_alloc(r, &out, &len) != 0) {
            fprintf(stderr, "decoded reply does not encode\n");
            abort();
        }
        must_equal("reply", data, size, out, len);
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
