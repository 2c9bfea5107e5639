/*
 * Message pieces that more than one message carries (codec.h): the frame
 * head, bounded lists, count entries, the signed proposal (PROPOSE and
 * ROUND_SUBMIT) and the signed audit-log head (LOG_HEAD and AUDIT_HEAD).
 * One implementation each, so the two families cannot drift apart.
 */
#include <stdlib.h>

#include "proto/codec.h"

void sp_codec_put_head(struct sp_wire_writer *w, unsigned version, uint32_t n, unsigned type)
{
    sp_wire_put_array(w, n);
    sp_wire_put_uint(w, version);
    sp_wire_put_uint(w, type);
}

/* ---- lists ---- */

int sp_codec_check_list(const void *list, uint32_t n, uint32_t max, size_t size,
                        int (*check_one)(const void *elem))
{
    const uint8_t *p = list;

    if (n > max)
        return SP_ERR_PROTO_OVERSIZED;
    if (n > 0 && list == NULL)
        return SP_ERR_PROTO_FIELD;
    for (uint32_t i = 0; check_one != NULL && i < n; i++) {
        int err = check_one(p + i * size);
        if (err != 0)
            return err;
    }
    return 0;
}

int sp_codec_get_list(struct sp_wire_reader *r, uint32_t max, size_t size,
                      int (*get_one)(struct sp_wire_reader *r, void *elem), void **owned,
                      uint32_t *nout)
{
    uint32_t n;
    uint8_t *list = NULL;
    int err = sp_wire_get_array(r, max, &n);

    if (err == 0 && n > 0) {
        /* n <= max and n is backed by input bytes: bounded allocation. */
        list = calloc(n, size);
        err = list ? 0 : SP_ERR_NOMEM;
        *owned = list;
    }
    for (uint32_t i = 0; err == 0 && i < n; i++)
        err = get_one(r, list + i * size);
    if (err == 0)
        *nout = n;
    return err;
}

/* ---- count entries (peer COUNTS, control COUNTS) ---- */

int sp_codec_check_counts(const struct sp_peer_count *e, uint32_t n)
{
    if (n > 0 && e == NULL)
        return SP_ERR_PROTO_FIELD;
    if (n > SP_PROTO_MAX_COUNT_ENTRIES)
        return SP_ERR_PROTO_OVERSIZED;
    for (uint32_t i = 0; i < n; i++) {
        if (sp_codec_check_key_type(e[i].key_type) != 0 || e[i].holders == 0)
            return SP_ERR_PROTO_FIELD;
        if (i > 0 && (e[i].key_type < e[i - 1].key_type ||
                      (e[i].key_type == e[i - 1].key_type && e[i].holders <= e[i - 1].holders)))
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

void sp_codec_put_counts(struct sp_wire_writer *w, const struct sp_peer_count *e, uint32_t n)
{
    sp_wire_put_array(w, n);
    for (uint32_t i = 0; i < n; i++) {
        sp_wire_put_array(w, 3);
        sp_wire_put_uint(w, e[i].key_type);
        sp_wire_put_uint(w, e[i].holders);
        sp_wire_put_uint(w, e[i].count);
    }
}

static int get_count(struct sp_wire_reader *r, void *elem)
{
    struct sp_peer_count *e = elem;
    int err = sp_wire_get_tuple(r, 3);

    if (err == 0)
        err = sp_wire_get_u8(r, &e->key_type);
    if (err == 0)
        err = sp_wire_get_u32(r, &e->holders);
    if (err == 0)
        err = sp_wire_get_u64(r, &e->count);
    return err;
}

int sp_codec_get_counts(struct sp_wire_reader *r, void **owned,
                        const struct sp_peer_count **entries, uint32_t *n)
{
    int err = sp_codec_get_list(r, SP_PROTO_MAX_COUNT_ENTRIES, sizeof(struct sp_peer_count),
                                get_count, owned, n);

    *entries = *owned;
    return err ? err : sp_codec_check_counts(*entries, *n);
}

/* ---- subject cells (peer DONE, control SUBJECTS) ---- */

int sp_codec_check_subjects(const struct sp_peer_subject_count *e, uint32_t n)
{
    if (n > 0 && e == NULL)
        return SP_ERR_PROTO_FIELD;
    if (n > SP_PROTO_MAX_COUNT_ENTRIES)
        return SP_ERR_PROTO_OVERSIZED;
    for (uint32_t i = 0; i < n; i++) {
        if (!sp_entity_valid(e[i].entity) || e[i].holders == 0)
            return SP_ERR_PROTO_FIELD;
        if (i > 0 && (e[i].entity < e[i - 1].entity ||
                      (e[i].entity == e[i - 1].entity && e[i].holders <= e[i - 1].holders)))
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

void sp_codec_put_subjects(struct sp_wire_writer *w, const struct sp_peer_subject_count *e,
                           uint32_t n)
{
    sp_wire_put_array(w, n);
    for (uint32_t i = 0; i < n; i++) {
        sp_wire_put_array(w, 3);
        sp_wire_put_uint(w, e[i].entity);
        sp_wire_put_uint(w, e[i].holders);
        sp_wire_put_uint(w, e[i].count);
    }
}

static int get_subject(struct sp_wire_reader *r, void *elem)
{
    struct sp_peer_subject_count *e = elem;
    int err = sp_wire_get_tuple(r, 3);

    if (err == 0)
        err = sp_wire_get_u8(r, &e->entity);
    if (err == 0)
        err = sp_wire_get_u32(r, &e->holders);
    if (err == 0)
        err = sp_wire_get_u64(r, &e->count);
    return err;
}

int sp_codec_get_subjects(struct sp_wire_reader *r, void **owned,
                          const struct sp_peer_subject_count **cells, uint32_t *n)
{
    int err = sp_codec_get_list(r, SP_PROTO_MAX_COUNT_ENTRIES, sizeof(struct sp_peer_subject_count),
                                get_subject, owned, n);

    *cells = *owned;
    return err ? err : sp_codec_check_subjects(*cells, *n);
}

void sp_codec_put_entity_counts(struct sp_wire_writer *w, const uint64_t v[SP_ENTITY_COUNT])
{
    sp_wire_put_array(w, SP_ENTITY_MAX);
    for (int e = SP_ENTITY_MIN; e <= SP_ENTITY_MAX; e++)
        sp_wire_put_uint(w, v[e]);
}

int sp_codec_get_entity_counts(struct sp_wire_reader *r, uint64_t v[SP_ENTITY_COUNT])
{
    int err = sp_wire_get_tuple(r, SP_ENTITY_MAX);

    v[0] = 0;
    for (int e = SP_ENTITY_MIN; err == 0 && e <= SP_ENTITY_MAX; e++)
        err = sp_wire_get_u64(r, &v[e]);
    return err;
}

/* ---- the signed proposal (PROPOSE, ROUND_SUBMIT) ---- */

int sp_codec_check_propose(const struct sp_peer_propose *p)
{
    struct sp_proposal tmp;

    if (p->proposal_len > SP_PROPOSAL_MAX_BYTES || p->signer_cert_len > SP_PEER_CERT_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    if (p->signature_len != 0 && p->signature_len != SP_PEER_SIGNATURE_BYTES)
        return SP_ERR_PROTO_FIELD;
    if ((p->signature_len && !p->signature) || (p->signer_cert_len && !p->signer_cert))
        return SP_ERR_PROTO_FIELD;
    /* A node acts on the proposal; refuse a frame carrying an invalid one
     * here, whatever its signature says. */
    if (p->proposal == NULL || sp_proposal_decode(p->proposal, p->proposal_len, &tmp) != 0)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

void sp_codec_put_propose(struct sp_wire_writer *w, const struct sp_peer_propose *p)
{
    sp_wire_put_bin(w, p->proposal, p->proposal_len);
    sp_wire_put_bin(w, p->signature, p->signature_len);
    sp_wire_put_bin(w, p->signer_cert, p->signer_cert_len);
}

int sp_codec_get_propose(struct sp_wire_reader *r, struct sp_peer_propose *p)
{
    int err = sp_wire_get_bin(r, SP_PROPOSAL_MAX_BYTES, &p->proposal, &p->proposal_len);

    if (err == 0)
        err = sp_wire_get_bin(r, SP_PEER_SIGNATURE_BYTES, &p->signature, &p->signature_len);
    if (err == 0)
        err = sp_wire_get_bin(r, SP_PEER_CERT_MAX_BYTES, &p->signer_cert, &p->signer_cert_len);
    return err;
}

/* ---- the signed audit-log head (LOG_HEAD, AUDIT_HEAD) ---- */

void sp_codec_put_signed_head(struct sp_wire_writer *w, const char *node, uint64_t seq,
                              const uint8_t *head_hash, const uint8_t *signature)
{
    sp_wire_put_cstr(w, node, SP_PROTO_NAME_MAX);
    sp_wire_put_uint(w, seq);
    sp_wire_put_bin(w, head_hash, SP_PEER_HASH_BYTES);
    sp_wire_put_bin(w, signature, SP_PEER_SIGNATURE_BYTES);
}

int sp_codec_get_signed_head(struct sp_wire_reader *r, char *node, uint64_t *seq,
                             uint8_t *head_hash, uint8_t *signature)
{
    int err = sp_codec_get_node(r, node);

    if (err == 0)
        err = sp_wire_get_u64(r, seq);
    if (err == 0)
        err = sp_wire_get_fixed(r, head_hash, SP_PEER_HASH_BYTES);
    if (err == 0)
        err = sp_wire_get_fixed(r, signature, SP_PEER_SIGNATURE_BYTES);
    return err;
}
