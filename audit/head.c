/* Signed log heads (see head.h). */
#include "head.h"

#include <string.h>

#include <sodium.h>

static const char head_domain[] = "snijpunt-audit-head-v1"; /* signed with its NUL */

#define HEAD_MSG_MAX (sizeof(head_domain) + 1 + SP_AUDIT_NAME_MAX + 8 + SP_AUDIT_HASH_BYTES)

static int head_message(const struct sp_audit_head *h, uint8_t msg[HEAD_MSG_MAX], size_t *len)
{
    size_t n = strnlen(h->node, sizeof(h->node));
    if (!sp_audit_name_valid(h->node, n))
        return SP_ERR_INVALID_ARG;
    uint8_t *p = msg;
    memcpy(p, head_domain, sizeof(head_domain));
    p += sizeof(head_domain);
    *p++ = (uint8_t)n;
    memcpy(p, h->node, n);
    p += n;
    for (int i = 7; i >= 0; i--)
        *p++ = (uint8_t)(h->seq >> (8 * i));
    memcpy(p, h->hash, SP_AUDIT_HASH_BYTES);
    *len = (size_t)(p - msg) + SP_AUDIT_HASH_BYTES;
    return 0;
}

int sp_audit_head_sign(struct sp_audit_head *h, sp_audit_sign_fn sign, void *sign_ctx)
{
    uint8_t msg[HEAD_MSG_MAX];
    size_t len = 0;
    if (!h || !sign)
        return SP_ERR_INVALID_ARG;
    int rc = head_message(h, msg, &len);
    return rc != 0 ? rc : sign(sign_ctx, h->sig, msg, len);
}

int sp_audit_head_verify(const struct sp_audit_head *h, const uint8_t pk[SP_AUDIT_PK_BYTES])
{
    uint8_t msg[HEAD_MSG_MAX];
    size_t len = 0;
    if (!h || !pk)
        return SP_ERR_INVALID_ARG;
    int rc = head_message(h, msg, &len);
    if (rc != 0)
        return rc;
    return crypto_sign_verify_detached(h->sig, msg, len, pk) == 0 ? 0 : SP_ERR_CRYPTO_SIGNATURE;
}
