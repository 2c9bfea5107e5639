/*
 * The round proposal, and the checks shared by every message (codec.h).
 * Pieces that several messages carry are in codec.c.
 */
#include "proto/proposal.h"

#include <string.h>

#include "common/keytype.h"
#include "proto/codec.h"

/* ---- shared checks ---- */

static bool name_valid(const char *s, size_t len, bool underscore)
{
    if (len < 1 || len > SP_PROTO_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                  (underscore && c == '_');
        if (!ok)
            return false;
    }
    return true;
}

bool sp_proto_node_name_valid(const char *s, size_t len)
{
    return s != NULL && name_valid(s, len, false);
}

bool sp_proto_dataset_name_valid(const char *s, size_t len)
{
    return s != NULL && name_valid(s, len, true);
}

int sp_codec_check_text(const char *s, size_t min, size_t max)
{
    size_t n = sp_wire_strnlen(s, max + 1);

    if (n < min || n > max || !sp_wire_text_valid(s, n))
        return SP_ERR_PROTO_FIELD;
    return 0;
}

int sp_codec_check_node(const char *s)
{
    size_t n = sp_wire_strnlen(s, SP_PROTO_NAME_MAX + 1);

    return sp_proto_node_name_valid(s, n) ? 0 : SP_ERR_PROTO_FIELD;
}

int sp_codec_check_key_mask(uint32_t mask)
{
    return mask != 0 && (mask & ~SP_KEY_MASK_ALL) == 0 ? 0 : SP_ERR_PROTO_FIELD;
}

int sp_codec_check_key_type(unsigned t)
{
    return t >= SP_KEY_TYPE_MIN && t <= SP_KEY_TYPE_MAX ? 0 : SP_ERR_PROTO_FIELD;
}

int sp_codec_get_node(struct sp_wire_reader *r, char *dst)
{
    int err = sp_wire_get_text(r, 1, SP_PROTO_NAME_MAX, dst);

    if (err == 0)
        err = sp_codec_check_node(dst);
    return err;
}

/* The version element: 0 when it is `want`; VERSION for any other integer
 * (negative and over-wide ones included); the reader's code otherwise. */
static int get_version(struct sp_wire_reader *r, unsigned want)
{
    uint64_t v;
    int err = sp_wire_get_uint(r, UINT64_MAX, &v);

    if (err == SP_ERR_PROTO_FIELD || (err == 0 && v != want))
        return SP_ERR_PROTO_VERSION;
    return err;
}

/* The array header of a frame or proposal (min..max elements) and its
 * version. A header over max whose elements are present and start with
 * another version is a later version's message (which may have more
 * elements), not an oversized one of ours: VERSION, as README section 2
 * promises. The count never sizes anything, so looking past it is safe. */
static int get_array_version(struct sp_wire_reader *r, uint32_t min, uint32_t max, unsigned version,
                             uint32_t *n)
{
    struct sp_wire_reader probe = *r;
    uint32_t any;
    int err = sp_wire_get_array(r, max, n);

    if (err == SP_ERR_PROTO_OVERSIZED && sp_wire_get_array(&probe, UINT32_MAX, &any) == 0 &&
        any > 0 && get_version(&probe, version) == SP_ERR_PROTO_VERSION)
        return SP_ERR_PROTO_VERSION;
    if (err != 0)
        return err;
    if (*n < min)
        return SP_ERR_PROTO_MALFORMED;
    return get_version(r, version);
}

int sp_codec_get_head(struct sp_wire_reader *r, unsigned version, uint32_t max, uint32_t *n,
                      uint8_t *type, unsigned type_min, unsigned type_max)
{
    uint64_t t;
    int err = get_array_version(r, 2, max, version, n);

    if (err != 0)
        return err;
    err = sp_wire_get_uint(r, UINT64_MAX, &t);
    if (err == SP_ERR_PROTO_FIELD || (err == 0 && (t < type_min || t > type_max)))
        return SP_ERR_PROTO_UNKNOWN_MSG;
    if (err != 0)
        return err;
    *type = (uint8_t)t;
    *n -= 2;
    return 0;
}

/* ---- proposal ---- */

static int check_oin(const char *oin)
{
    size_t n = sp_wire_strnlen(oin, SP_PROTO_OIN_BYTES + 1);

    if (n != 0 && n != SP_PROTO_OIN_BYTES)
        return SP_ERR_PROTO_FIELD;
    for (size_t i = 0; i < n; i++) {
        if (oin[i] < '0' || oin[i] > '9')
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

static int check_participant(const struct sp_proposal *p, uint32_t i)
{
    const struct sp_proposal_participant *pt = &p->participants[i];

    if (sp_codec_check_node(pt->name) != 0 || check_oin(pt->oin) != 0 ||
        sp_codec_check_text(pt->legal_basis, 1, SP_PROTO_LEGAL_BASIS_MAX) != 0 ||
        sp_codec_check_key_mask(pt->key_types) != 0)
        return SP_ERR_PROTO_FIELD;
    for (uint32_t j = 0; j < i; j++) {
        if (strcmp(p->participants[j].name, pt->name) == 0)
            return SP_ERR_PROTO_FIELD;
    }
    return 0;
}

/* The checks common to a proposal and a ROUND_START request. */
static int check_body(const struct sp_proposal *p)
{
    if (sp_codec_check_text(p->coordinator, 1, SP_PROTO_COORDINATOR_MAX) != 0 ||
        sp_codec_check_text(p->case_ref, 1, SP_PROTO_CASE_REF_MAX) != 0 ||
        sp_codec_check_text(p->purpose, 1, SP_PROTO_TEXT_MAX) != 0)
        return SP_ERR_PROTO_FIELD;
    if (p->nparticipants < SP_PROTO_MIN_PARTICIPANTS ||
        p->nparticipants > SP_PROTO_MAX_PARTICIPANTS)
        return SP_ERR_PROTO_FIELD;
    for (uint32_t i = 0; i < p->nparticipants; i++) {
        if (check_participant(p, i) != 0)
            return SP_ERR_PROTO_FIELD;
    }
    if (p->min_holders < 1 || p->min_holders > p->nparticipants ||
        p->mode < SP_PROPOSAL_MODE_COUNTS || p->mode > SP_PROPOSAL_MODE_CASE ||
        p->counter >= p->nparticipants || p->max_set_size < 1 || p->deadline_s < 1 ||
        p->deadline_s > SP_PROTO_MAX_DEADLINE_S)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

/* The case fields. Outside mode case they must be zero: they are not
 * encoded then, and a struct that differs only there would otherwise encode
 * to the same bytes. In mode case the asker (participant `counter`) asks
 * about exactly the key types it declares a size for, and the question is
 * about its own subjects alone (min_holders 1). */
static int check_case(const struct sp_proposal *p)
{
    uint64_t total = 0;
    uint32_t mask = 0;

    if (p->mode != SP_PROPOSAL_MODE_CASE) {
        for (int t = 0; t < SP_KEY_TYPE_COUNT; t++) {
            if (p->case_sizes[t] != 0)
                return SP_ERR_PROTO_FIELD;
        }
        return p->tell_holders ? SP_ERR_PROTO_FIELD : 0;
    }
    if (p->case_sizes[0] != 0 || p->min_holders != 1)
        return SP_ERR_PROTO_FIELD;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        total += p->case_sizes[t];
        if (p->case_sizes[t] != 0)
            mask |= SP_KEY_MASK(t);
    }
    if (total < 1 || total > SP_PROPOSAL_CASE_MAX_VALUES ||
        p->participants[p->counter].key_types != mask)
        return SP_ERR_PROTO_FIELD;
    return 0;
}

int sp_proposal_validate(const struct sp_proposal *p)
{
    int err = check_body(p);

    if (err == 0)
        err = check_case(p);

    if (err == 0 && p->expires_at <= p->created_at)
        err = SP_ERR_PROTO_FIELD;
    return err;
}

int sp_proposal_validate_request(const struct sp_proposal *p)
{
    int err = check_body(p);

    /* ROUND_START has a fixed element count and no case fields: a case
     * question goes through CASE_ASK with an encoded proposal. */
    if (err == 0 && p->mode == SP_PROPOSAL_MODE_CASE)
        err = SP_ERR_PROTO_FIELD;
    if (err == 0)
        err = check_case(p);

    if (err == 0 && p->expires_at == 0)
        err = SP_ERR_PROTO_FIELD;
    return err;
}

void sp_codec_put_proposal(struct sp_wire_writer *w, const struct sp_proposal *p, bool request)
{
    if (!request)
        sp_wire_put_bin(w, p->round_id, sizeof(p->round_id));
    sp_wire_put_cstr(w, p->coordinator, SP_PROTO_COORDINATOR_MAX);
    sp_wire_put_cstr(w, p->case_ref, SP_PROTO_CASE_REF_MAX);
    sp_wire_put_cstr(w, p->purpose, SP_PROTO_TEXT_MAX);
    sp_wire_put_array(w, p->nparticipants);
    for (uint32_t i = 0; i < p->nparticipants && i < SP_PROTO_MAX_PARTICIPANTS; i++) {
        const struct sp_proposal_participant *pt = &p->participants[i];
        sp_wire_put_array(w, 4);
        sp_wire_put_cstr(w, pt->name, SP_PROTO_NAME_MAX);
        sp_wire_put_cstr(w, pt->oin, SP_PROTO_OIN_BYTES);
        sp_wire_put_cstr(w, pt->legal_basis, SP_PROTO_LEGAL_BASIS_MAX);
        sp_wire_put_uint(w, pt->key_types);
    }
    sp_wire_put_uint(w, p->min_holders);
    sp_wire_put_uint(w, p->mode);
    sp_wire_put_uint(w, p->counter);
    sp_wire_put_uint(w, p->max_set_size);
    if (!request)
        sp_wire_put_uint(w, p->created_at);
    sp_wire_put_uint(w, p->expires_at);
    sp_wire_put_uint(w, p->deadline_s);
    sp_wire_put_uint(w, p->retention_days);
}

static int get_participant(struct sp_wire_reader *r, struct sp_proposal_participant *pt)
{
    int err = sp_wire_get_tuple(r, 4);

    if (err == 0)
        err = sp_codec_get_node(r, pt->name);
    if (err == 0)
        err = sp_wire_get_text(r, 0, SP_PROTO_OIN_BYTES, pt->oin);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_PROTO_LEGAL_BASIS_MAX, pt->legal_basis);
    if (err == 0)
        err = sp_wire_get_u32(r, &pt->key_types);
    return err;
}

static int get_participants(struct sp_wire_reader *r, struct sp_proposal *p)
{
    int err = sp_wire_get_array(r, SP_PROTO_MAX_PARTICIPANTS, &p->nparticipants);

    for (uint32_t i = 0; err == 0 && i < p->nparticipants; i++)
        err = get_participant(r, &p->participants[i]);
    return err;
}

int sp_codec_get_proposal(struct sp_wire_reader *r, struct sp_proposal *p, bool request)
{
    int err = 0;

    if (!request)
        err = sp_wire_get_fixed(r, p->round_id, sizeof(p->round_id));
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_PROTO_COORDINATOR_MAX, p->coordinator);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_PROTO_CASE_REF_MAX, p->case_ref);
    if (err == 0)
        err = sp_wire_get_text(r, 1, SP_PROTO_TEXT_MAX, p->purpose);
    if (err == 0)
        err = get_participants(r, p);
    if (err == 0)
        err = sp_wire_get_u8(r, &p->min_holders);
    if (err == 0)
        err = sp_wire_get_u8(r, &p->mode);
    if (err == 0)
        err = sp_wire_get_u8(r, &p->counter);
    if (err == 0)
        err = sp_wire_get_u64(r, &p->max_set_size);
    if (err == 0 && !request)
        err = sp_wire_get_u64(r, &p->created_at);
    if (err == 0)
        err = sp_wire_get_u64(r, &p->expires_at);
    if (err == 0)
        err = sp_wire_get_u32(r, &p->deadline_s);
    if (err == 0)
        err = sp_wire_get_u32(r, &p->retention_days);
    return err;
}

/* Elements of the whole proposal array in a mode: the case fields follow
 * the others only in mode case, so older proposals keep their bytes. */
static uint32_t proposal_elements(unsigned mode)
{
    return 1 + SP_CODEC_PROPOSAL_FIELDS +
           (mode == SP_PROPOSAL_MODE_CASE ? SP_CODEC_PROPOSAL_CASE_FIELDS : 0);
}

/* case_sizes as [key_type, size] pairs for the non-zero sizes, in key type
 * order, then tell_holders. */
static void put_case_fields(struct sp_wire_writer *w, const struct sp_proposal *p)
{
    uint32_t n = 0;

    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        n += p->case_sizes[t] != 0;
    sp_wire_put_array(w, n);
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (p->case_sizes[t] == 0)
            continue;
        sp_wire_put_array(w, 2);
        sp_wire_put_uint(w, (unsigned)t);
        sp_wire_put_uint(w, p->case_sizes[t]);
    }
    sp_wire_put_bool(w, p->tell_holders);
}

int sp_proposal_encode(const struct sp_proposal *p, uint8_t *buf, size_t cap, size_t *len_out)
{
    struct sp_wire_writer w;
    int err = sp_proposal_validate(p);

    if (err != 0)
        return err;
    sp_wire_writer_fixed(&w, buf, cap);
    sp_wire_put_array(&w, proposal_elements(p->mode));
    sp_wire_put_uint(&w, SP_PROTO_VERSION);
    sp_codec_put_proposal(&w, p, false);
    if (p->mode == SP_PROPOSAL_MODE_CASE)
        put_case_fields(&w, p);
    return sp_wire_writer_finish(&w, NULL, len_out);
}

/* The proposal has no type element, so its head is checked here rather than
 * with sp_codec_get_head. The count is that of the other modes or of mode
 * case (checked against the mode once the whole proposal is read); any
 * other count above the shorter one is a tuple with more elements than it
 * has. */
static int get_proposal_head(struct sp_wire_reader *r, uint32_t *n)
{
    int err =
        get_array_version(r, 1, proposal_elements(SP_PROPOSAL_MODE_CASE), SP_PROTO_VERSION, n);

    if (err != 0)
        return err;
    if (*n < proposal_elements(SP_PROPOSAL_MODE_COUNTS))
        return SP_ERR_PROTO_MALFORMED;
    if (*n != proposal_elements(SP_PROPOSAL_MODE_COUNTS) &&
        *n != proposal_elements(SP_PROPOSAL_MODE_CASE))
        return SP_ERR_PROTO_OVERSIZED;
    return 0;
}

/* One [key_type, size] pair: a key type above the previous pair's (prev),
 * size >= 1 (a zero size is not sent, so it would not re-encode). Checked
 * here, not in validate: the struct cannot hold a duplicate or a type out
 * of range. */
static int get_case_size(struct sp_wire_reader *r, struct sp_proposal *p, uint8_t *prev)
{
    uint8_t t = 0;
    uint32_t size = 0;
    int err = sp_wire_get_tuple(r, 2);

    if (err == 0)
        err = sp_wire_get_u8(r, &t);
    if (err == 0)
        err = sp_wire_get_u32(r, &size);
    if (err == 0 && (sp_codec_check_key_type(t) != 0 || t <= *prev || size < 1))
        err = SP_ERR_PROTO_FIELD;
    if (err == 0) {
        p->case_sizes[t] = size;
        *prev = t;
    }
    return err;
}

static int get_case_fields(struct sp_wire_reader *r, struct sp_proposal *p)
{
    uint8_t prev = 0;
    uint32_t n;
    int err = sp_wire_get_array(r, SP_KEY_TYPE_MAX, &n);

    for (uint32_t i = 0; err == 0 && i < n; i++)
        err = get_case_size(r, p, &prev);
    if (err == 0)
        err = sp_wire_get_bool(r, &p->tell_holders);
    return err;
}

/* The case fields when the element count says they are there; whether the
 * mode agrees is checked once the whole proposal has been read. */
static int get_proposal_tail(struct sp_wire_reader *r, uint32_t n, struct sp_proposal *p)
{
    return n == proposal_elements(SP_PROPOSAL_MODE_CASE) ? get_case_fields(r, p) : 0;
}

/* A mode that does not go with the element count is out of range (FIELD):
 * mode case needs the case fields, the other modes must not have them. */
static int check_proposal_elements(uint32_t n, const struct sp_proposal *p)
{
    return n == proposal_elements(p->mode) ? 0 : SP_ERR_PROTO_FIELD;
}

int sp_proposal_decode(const uint8_t *buf, size_t len, struct sp_proposal *out)
{
    struct sp_wire_reader r;
    struct sp_proposal p = {0};
    uint32_t n = 0;
    int err;

    if (len > SP_PROPOSAL_MAX_BYTES)
        return SP_ERR_PROTO_OVERSIZED;
    sp_wire_reader_init(&r, buf, len);
    err = get_proposal_head(&r, &n);
    if (err == 0)
        err = sp_codec_get_proposal(&r, &p, false);
    if (err == 0)
        err = get_proposal_tail(&r, n, &p);
    if (err == 0)
        err = sp_wire_end(&r);
    if (err == 0)
        err = check_proposal_elements(n, &p);
    if (err == 0)
        err = sp_proposal_validate(&p);
    if (err == 0)
        *out = p;
    return err;
}

uint32_t sp_proposal_deadline_for_size(const struct sp_proposal *p)
{
    /* 32 participants x 16 key types x 2^40 values x 1000 us fits 64 bits;
     * a larger cap already means the longest deadline */
    const uint64_t most_values = UINT64_C(1) << 40;
    uint64_t per_type = p->max_set_size < most_values ? p->max_set_size : most_values;
    uint64_t values = 0;

    if (p->mode == SP_PROPOSAL_MODE_CASE)
        return SP_PROPOSAL_DEADLINE_FLOOR_S;
    for (uint32_t i = 0; i < p->nparticipants && i < SP_PROTO_MAX_PARTICIPANTS; i++)
        values += per_type * (uint64_t)__builtin_popcount(p->participants[i].key_types);
    uint64_t s = SP_PROPOSAL_DEADLINE_FLOOR_S +
                 (values * SP_PROPOSAL_DEADLINE_US_PER_VALUE + 999999u) / 1000000u;
    return s < SP_PROTO_MAX_DEADLINE_S ? (uint32_t)s : SP_PROTO_MAX_DEADLINE_S;
}

int sp_proposal_participant_index(const struct sp_proposal *p, const char *name)
{
    for (uint32_t i = 0; i < p->nparticipants && i < SP_PROTO_MAX_PARTICIPANTS; i++) {
        if (strncmp(p->participants[i].name, name, SP_PROTO_NAME_MAX + 1) == 0)
            return (int)i;
    }
    return SP_ERR_NOT_FOUND;
}

size_t sp_proposal_signed_message(const uint8_t *bytes, size_t len, uint8_t *out, size_t cap)
{
    if (!bytes || !out || len == 0 || len > SP_PROPOSAL_MAX_BYTES ||
        cap < SP_PROPOSAL_SIG_DOMAIN_LEN + len)
        return 0;
    memcpy(out, SP_PROPOSAL_SIG_DOMAIN, SP_PROPOSAL_SIG_DOMAIN_LEN);
    memcpy(out + SP_PROPOSAL_SIG_DOMAIN_LEN, bytes, len);
    return SP_PROPOSAL_SIG_DOMAIN_LEN + len;
}
