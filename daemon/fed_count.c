/* The counting node: records, per (key type, fully blinded element), which
 * participants hold it, in an LMDB scratch database rather than memory;
 * answers every FINAL with a VERDICT once all are in; sends the incidence
 * histogram (COUNTS) to the initiator; deletes the scratch. ROUNDS.md,
 * "Counting". It sees only fully blinded elements and holder patterns. */
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/fed_internal.h"
#include "daemon/log.h"
#include "daemon/round_hist.h"

#define CNT_KEY_BYTES  (SP_PROTO_ROUND_ID_BYTES + 1 + FED_ELEM)
#define FIN_KEY_BYTES  (SP_PROTO_ROUND_ID_BYTES + 1 + 4)
#define CLEANUP_BUDGET 4096

struct fed_counter {
    uint32_t total[SP_PROTO_MAX_PARTICIPANTS]; /* FINALs expected (known at `last`) */
    bool total_known[SP_PROTO_MAX_PARTICIPANTS];
    uint32_t in[SP_PROTO_MAX_PARTICIPANTS];
    uint8_t *seen[SP_PROTO_MAX_PARTICIPANTS];
    uint32_t seen_bits[SP_PROTO_MAX_PARTICIPANTS];
    bool all_in;
    struct sp_round_hist *hist;
    uint32_t next_seq[SP_PROTO_MAX_PARTICIPANTS];
    uint32_t credited[SP_PROTO_MAX_PARTICIPANTS];
    struct sp_window vwin[SP_PROTO_MAX_PARTICIPANTS];
    bool counts_sent;
    bool cleaned;
};

static MDB_env *env_of(struct fed_round *r)
{
    return (MDB_env *)sp_store_env(r->fed->store);
}

static int mdb_fail(struct fed_round *r, int rc, const char *op)
{
    sp_log_error("round %s: scratch %s: %s", r ? r->hex : "-", op, mdb_strerror(rc));
    return rc == MDB_MAP_FULL ? SP_ERR_STORE_FULL : SP_ERR_STORE;
}

int fed_scratch_open(struct sp_fed *fed)
{
    MDB_txn *txn;
    MDB_dbi c, f;
    int rc = mdb_txn_begin((MDB_env *)sp_store_env(fed->store), NULL, 0, &txn);
    if (rc)
        return mdb_fail(NULL, rc, "begin");
    /* Scratch of rounds that a previous process ran cannot be used: empty it. */
    if ((rc = mdb_dbi_open(txn, "round.count", MDB_CREATE, &c)) ||
        (rc = mdb_dbi_open(txn, "round.final", MDB_CREATE, &f)) || (rc = mdb_drop(txn, c, 0)) ||
        (rc = mdb_drop(txn, f, 0))) {
        mdb_txn_abort(txn);
        return mdb_fail(NULL, rc, "open");
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return mdb_fail(NULL, rc, "open");
    fed->count_dbi = c;
    fed->final_dbi = f;
    fed->scratch_open = true;
    return 0;
}

int fed_counter_new(struct fed_round *r)
{
    struct fed_counter *c = calloc(1, sizeof(*c));
    if (!c)
        return SP_ERR_NOMEM;
    if (sp_round_hist_new(&c->hist) != 0) {
        free(c);
        return SP_ERR_NOMEM;
    }
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        sp_window_init(&c->vwin[p], fed_window(r->fed));
    r->ctr = c;
    return 0;
}

void fed_counter_free(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    if (!c)
        return;
    for (unsigned p = 0; p < SP_PROTO_MAX_PARTICIPANTS; p++)
        free(c->seen[p]);
    sp_round_hist_free(&c->hist);
    free(c);
    r->ctr = NULL;
}

static int send_counts(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    struct sp_peer_count *e = NULL;
    uint32_t n = 0;
    int rc = sp_round_hist_cells(c->hist, &e, &n);
    if (rc)
        return rc;
    struct sp_peer_msg m = {.type = SP_PEER_COUNTS};
    m.counts.entries = e;
    m.counts.nentries = n;
    rc = fed_send(r, r->initiator, &m);
    free(e);
    if (rc == 0) {
        c->counts_sent = true;
        sp_log_info("round %s: incidence counts (%" PRIu32 " cells) sent to %s", r->hex, n,
                    fed_pname(r, r->initiator));
    }
    return rc;
}

/* ---- FINAL ------------------------------------------------------------ */

static void fin_key(uint8_t k[FIN_KEY_BYTES], const uint8_t *id, unsigned p, uint32_t seq)
{
    memcpy(k, id, SP_PROTO_ROUND_ID_BYTES);
    k[16] = (uint8_t)p;
    k[17] = (uint8_t)(seq >> 24);
    k[18] = (uint8_t)(seq >> 16);
    k[19] = (uint8_t)(seq >> 8);
    k[20] = (uint8_t)seq;
}

static void cnt_key(uint8_t k[CNT_KEY_BYTES], const uint8_t *id, uint8_t type, const uint8_t *e)
{
    memcpy(k, id, SP_PROTO_ROUND_ID_BYTES);
    k[16] = type;
    memcpy(k + 17, e, FED_ELEM);
}

static void put_u32(uint8_t p[4], uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const MDB_val *v)
{
    const uint8_t *p = v->mv_data;
    return v->mv_size == 4
               ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : 0;
}

/* Records one FINAL batch in one write transaction. */
static int record_final(struct fed_round *r, unsigned from, const struct sp_peer_final *f)
{
    struct sp_fed *fed = r->fed;
    MDB_txn *txn;
    uint8_t fk[FIN_KEY_BYTES], ck[CNT_KEY_BYTES], mv[4];
    int rc = mdb_txn_begin(env_of(r), NULL, 0, &txn);
    if (rc)
        return mdb_fail(r, rc, "begin");
    fin_key(fk, r->id, from, f->seq);
    MDB_val k = {sizeof(fk), fk}, v = {1 + (size_t)f->nelements * FED_ELEM, NULL};
    if ((rc = mdb_put(txn, fed->final_dbi, &k, &v, MDB_RESERVE)) != 0)
        goto fail;
    ((uint8_t *)v.mv_data)[0] = f->key_type;
    if (f->nelements)
        memcpy((uint8_t *)v.mv_data + 1, f->elements, (size_t)f->nelements * FED_ELEM);
    uint32_t bit = UINT32_C(1) << from;
    for (uint32_t i = 0; i < f->nelements; i++) {
        cnt_key(ck, r->id, f->key_type, f->elements + (size_t)i * FED_ELEM);
        MDB_val ek = {sizeof(ck), ck}, ev;
        rc = mdb_get(txn, fed->count_dbi, &ek, &ev);
        if (rc && rc != MDB_NOTFOUND)
            goto fail;
        uint32_t old = rc ? 0 : get_u32(&ev);
        if (old & bit)
            continue; /* the same element twice from one node counts once */
        uint32_t now = old | bit;
        put_u32(mv, now);
        MDB_val nv = {4, mv};
        if ((rc = mdb_put(txn, fed->count_dbi, &ek, &nv, 0)) != 0)
            goto fail;
        if (sp_round_hist_move(r->ctr->hist, f->key_type, old, now) != 0) {
            mdb_txn_abort(txn);
            return SP_ERR_OVERFLOW;
        }
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return mdb_fail(r, rc, "commit");
    return 0;
fail:
    mdb_txn_abort(txn);
    return mdb_fail(r, rc, "write");
}

static int mark_seen(struct fed_counter *c, unsigned p, uint32_t seq)
{
    if (seq >= c->seen_bits[p]) {
        uint32_t nbits = c->seen_bits[p] ? c->seen_bits[p] : 64;
        while (nbits <= seq)
            nbits *= 2;
        uint8_t *s = realloc(c->seen[p], nbits / 8);
        if (!s)
            return SP_ERR_NOMEM;
        memset(s + c->seen_bits[p] / 8, 0, (nbits - c->seen_bits[p]) / 8);
        c->seen[p] = s;
        c->seen_bits[p] = nbits;
    }
    if (c->seen[p][seq / 8] & (1u << (seq % 8)))
        return SP_ERR_PROTO_FIELD;
    c->seen[p][seq / 8] |= (uint8_t)(1u << (seq % 8));
    return 0;
}

static bool all_finals_in(const struct fed_round *r)
{
    for (unsigned p = 0; p < r->n; p++)
        if (!r->ctr->total_known[p] || r->ctr->in[p] != r->ctr->total[p])
            return false;
    return true;
}

int fed_on_final(struct fed_round *r, unsigned from, const struct sp_peer_msg *m)
{
    struct fed_counter *c = r->ctr;
    const struct sp_peer_final *f = &m->final;
    /* A sender has at most a window of FINALs unacknowledged, and one
     * connection keeps their order: a seq further ahead is refused (and
     * cannot make the seen-bitmap grow beyond what was sent). */
    if (!c || c->all_in || f->seq >= c->in[from] + SP_PEER_CREDIT_WINDOW ||
        (c->total_known[from] && f->seq >= c->total[from]) ||
        (f->nelements && !(r->prop.participants[from].key_types & SP_KEY_MASK(f->key_type))))
        return SP_ERR_PROTO_FIELD;
    if (f->last && c->total_known[from])
        return SP_ERR_PROTO_FIELD;
    int rc = mark_seen(c, from, f->seq);
    if (rc)
        return rc;
    if ((rc = record_final(r, from, f)) != 0) {
        fed_round_fail(r, rc, true, "counting failed: %s", sp_strerror(rc));
        return 0;
    }
    c->in[from]++;
    if (f->last) {
        c->total[from] = f->seq + 1;
        c->total_known[from] = true;
    }
    struct sp_peer_msg cr = {.type = SP_PEER_CREDIT};
    cr.credit = (struct sp_peer_credit){
        .origin = (uint8_t)from, .key_type = f->key_type, .seq = f->seq, .kind = SP_PEER_FINAL};
    if ((rc = fed_send(r, from, &cr)) != 0) {
        fed_round_fail(r, rc, true, "cannot send CREDIT to %s", fed_pname(r, from));
        return 0;
    }
    if (!all_finals_in(r))
        return 0;
    c->all_in = true;
    sp_log_info("round %s: every participant's values are counted", r->hex);
    if ((rc = send_counts(r)) != 0) {
        fed_round_fail(r, rc, true, "cannot send the counts: %s", sp_strerror(rc));
        return 0;
    }
    fed_counter_pump(r);
    return 0;
}

/* ---- VERDICT ---------------------------------------------------------- */

static int fill_holders(struct fed_round *r, MDB_txn *txn, unsigned p, uint8_t type,
                        const uint8_t *elems, uint32_t n, uint32_t *holders)
{
    uint8_t ck[CNT_KEY_BYTES];
    for (uint32_t i = 0; i < n; i++) {
        cnt_key(ck, r->id, type, elems + (size_t)i * FED_ELEM);
        MDB_val k = {sizeof(ck), ck}, v;
        int rc = mdb_get(txn, r->fed->count_dbi, &k, &v);
        if (rc)
            return mdb_fail(r, rc, "read");
        holders[i] = sp_round_disclose(r->prop.mode, get_u32(&v), r->prop.min_holders, p);
    }
    return 0;
}

static int send_verdict(struct fed_round *r, unsigned p, uint32_t seq, uint32_t *holders)
{
    struct fed_counter *c = r->ctr;
    MDB_txn *txn;
    uint8_t fk[FIN_KEY_BYTES];
    int rc = mdb_txn_begin(env_of(r), NULL, MDB_RDONLY, &txn);
    if (rc)
        return mdb_fail(r, rc, "begin");
    fin_key(fk, r->id, p, seq);
    MDB_val k = {sizeof(fk), fk}, v;
    if ((rc = mdb_get(txn, r->fed->final_dbi, &k, &v)) != 0 || v.mv_size < 1 ||
        (v.mv_size - 1) % FED_ELEM) {
        mdb_txn_abort(txn);
        return rc ? mdb_fail(r, rc, "read") : SP_ERR_STORE;
    }
    const uint8_t *d = v.mv_data;
    uint32_t n = (uint32_t)((v.mv_size - 1) / FED_ELEM);
    bool counts = r->prop.mode == SP_PROPOSAL_MODE_COUNTS;
    if (!counts && (rc = fill_holders(r, txn, p, d[0], d + 1, n, holders)) != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    struct sp_peer_msg m = {.type = SP_PEER_VERDICT};
    m.verdict = (struct sp_peer_verdict){.key_type = d[0],
                                         .seq = seq,
                                         .last = seq + 1 == c->total[p],
                                         .holders = counts ? NULL : holders,
                                         .nholders = counts ? 0 : n};
    mdb_txn_abort(txn);
    if ((rc = fed_send(r, p, &m)) == 0)
        rc = sp_window_add(&c->vwin[p], m.verdict.key_type, seq);
    return rc;
}

static bool others_credited(const struct fed_round *r)
{
    for (unsigned p = 0; p < r->n; p++)
        if (p != r->me && r->ctr->credited[p] != r->ctr->total[p])
            return false;
    return true;
}

void fed_counter_pump(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    if (!c || !c->all_in || sp_round_state_terminal(r->state))
        return;
    uint32_t *holders = malloc(SP_PEER_BATCH_MAX_ELEMENTS * sizeof(*holders));
    if (!holders) {
        fed_round_fail(r, SP_ERR_NOMEM, true, "out of memory");
        return;
    }
    /* Own verdicts last: when they arrive, every other node's are
     * acknowledged, so this node's results mark the end of its duties. */
    for (unsigned k = 0; k <= r->n; k++) {
        unsigned p = k < r->n ? k : r->me;
        if ((k < r->n && p == r->me) || (k == r->n && !others_credited(r)))
            continue;
        while (c->next_seq[p] < c->total[p] && !sp_window_full(&c->vwin[p])) {
            int rc = send_verdict(r, p, c->next_seq[p], holders);
            if (rc) {
                fed_round_fail(r, rc, true, "cannot send VERDICT to %s: %s", fed_pname(r, p),
                               sp_strerror(rc));
                free(holders);
                return;
            }
            c->next_seq[p]++;
        }
    }
    free(holders);
}

int fed_on_verdict_credit(struct fed_round *r, unsigned from, const struct sp_peer_credit *c)
{
    struct fed_counter *ctr = r->ctr;
    if (!ctr || c->origin != from || sp_window_ack(&ctr->vwin[from], c->key_type, c->seq) != 0)
        return SP_ERR_PROTO_FIELD;
    ctr->credited[from]++;
    fed_counter_pump(r);
    fed_round_check_finished(r);
    return 0;
}

bool fed_counter_done(const struct fed_round *r)
{
    const struct fed_counter *c = r->ctr;
    if (!c)
        return true;
    if (!c->all_in || !c->counts_sent)
        return false;
    for (unsigned p = 0; p < r->n; p++)
        if (c->credited[p] != c->total[p])
            return false;
    return true;
}

/* ---- scratch deletion ------------------------------------------------- */

/* Deletes up to *budget entries whose key starts with the round id. */
static int delete_prefix(struct fed_round *r, MDB_txn *txn, unsigned dbi, size_t *budget,
                         bool *more)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return rc;
    MDB_val k = {SP_PROTO_ROUND_ID_BYTES, r->id}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= SP_PROTO_ROUND_ID_BYTES &&
           memcmp(k.mv_data, r->id, SP_PROTO_ROUND_ID_BYTES) == 0) {
        if (*budget == 0) {
            *more = true;
            break;
        }
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        (*budget)--;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == EINVAL) /* deleted the last entry */
            rc = MDB_NOTFOUND;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

bool fed_counter_cleanup_step(struct fed_round *r)
{
    struct fed_counter *c = r->ctr;
    if (!c || c->cleaned || !r->fed->scratch_open)
        return true;
    MDB_txn *txn;
    size_t budget = CLEANUP_BUDGET;
    bool more = false;
    int rc = mdb_txn_begin(env_of(r), NULL, 0, &txn);
    if (rc == 0)
        rc = delete_prefix(r, txn, r->fed->count_dbi, &budget, &more);
    if (rc == 0)
        rc = delete_prefix(r, txn, r->fed->final_dbi, &budget, &more);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    if (rc) {
        /* A scratch that cannot be deleted now is emptied at the next start. */
        mdb_fail(r, rc, "delete");
        c->cleaned = true;
        return true;
    }
    if (!more) {
        c->cleaned = true;
        sp_log_debug("round %s: counting scratch deleted", r->hex);
    }
    return !more;
}
