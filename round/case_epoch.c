/* This node's own epoch as an answering node (docs/case-questions.md,
 * "Construction" 1-2 and "Epochs"): the epoch secret, one key per kept key
 * type derived from it, and the own outputs in the case store, kept in step
 * with the key index.
 *
 * A sync walks the key index (distinct (type, value) pairs of the kept
 * types) and the own outputs side by side -- both in key order: type, then
 * value bytes, the shorter first on a prefix -- and finds the values added
 * (in the index only) and removed (in the outputs only). A removed value
 * needs no crypto (its fingerprint is in its entry); an added one is hashed
 * with H_case, evaluated under the type's epoch key and fingerprinted. The
 * walk runs in one job at a time, which returns a chunk of up to OWN_CHUNK
 * added values of one type (and up to OWN_CHUNK removed entries); the added
 * values of a chunk go on as a hash job, while the next chunk is walked, up
 * to workers + 1 hash jobs at once. The engine thread writes each finished
 * chunk (own_put, in any order: chunks are disjoint) and, when the walk is
 * over and every chunk is written, commits the version. The set-up of an
 * epoch is the sync from nothing, committed as version 1; a sync that finds
 * nothing commits nothing, unless the configured key types changed. Each
 * commit records the key types its outputs were built for (the kept mask,
 * a type without values included), which a restart reads back: what may be
 * lent (sp_eng_case_own_lendable) follows the record, not the values.
 *
 * Crash safety: own_put applies its changes at once and adds them to the
 * delta of the version being made, so a sync that fails (or a process that
 * dies) leaves outputs that are partly the next version's; the retry (at a
 * tick, or the start-up sync) walks again, finds what is still missing and
 * puts it into the same version. An interrupted set-up (meta version 0) is
 * continued that way, not begun again: what was computed stays.
 *
 * Rotation: new secret, secret_put, own_begin, then the set-up; the previous
 * epoch's secret is dropped once the set-up is committed (and again at every
 * start-up, in case the process died between the two). A secret file of the
 * next epoch left by a rotation interrupted before own_begin is dropped
 * before the new one is put (nothing was computed with it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/group.h"
#include "crypto/oprf.h"
#include "round/core.h"

#define OWN_CHUNK          2048 /* added (and removed) values per walk chunk */
#define OWN_KEEP_DELTAS    64   /* deltas the store keeps behind the current version */
#define OWN_DAY_S          UINT64_C(86400)
#define OWN_EPOCH_DAYS     30
#define OWN_RETRY_MIN_MS   1000   /* after a failure: 1 s, doubling ... */
#define OWN_RETRY_MAX_MS   300000 /* ... up to 5 min */
#define OWN_BORROW_POLL_MS 100    /* a rotation waiting for borrowed keys */
#define OWN_IDLE_TICK_MS   60000  /* the epoch's age is checked at least this often */

/* One side's next item in the merge (a copy: personal data, wiped). */
struct own_item {
    bool have;
    struct sp_eng_value v;
    uint64_t fp; /* own side only */
};

/* The two walks of a sync. Only the walk job touches them while it is out;
 * the engine thread opens and closes them. */
struct own_walks {
    const struct sp_engine_store *st;
    void *keys, *own;
    bool keys_end, own_end;
    struct own_item k, o;
    struct sp_eng_distinct dist; /* the key walk's last distinct value */
    bool have_last;              /* the own walk's last entry (order check) */
    struct sp_eng_value last;
};

struct own_sync {
    bool running, setup, failed;
    uint32_t mask;    /* key types this sync keeps */
    uint64_t version; /* the version it makes */
    struct own_walks w;
    bool walk_out, walk_done;
    unsigned hashing;                 /* hash jobs out */
    uint64_t added, removed, pending; /* written, written, found and not yet written */
};

struct own_job {
    struct sp_eng_job job; /* first: the driver hands back &job.base */
    struct own_job *next;  /* the jobs out */
    struct sp_eng_case_own *co;
    int rc;
    bool end; /* the walk: both walks are over */
    /* added values of key_type: vals[offs[i] .. offs[i + 1]) (personal data,
     * wiped once written), their outputs in elems, fingerprints in fps */
    uint8_t key_type;
    const struct sp_round_key *key;
    uint32_t n;
    uint8_t *vals;
    size_t vals_len;
    uint32_t *offs;
    uint8_t *elems;
    uint64_t *fps;
    /* removed entries (values in rvals); then the added ones to put */
    struct sp_case_own_change *ch;
    size_t nremoved;
    uint8_t *rvals;
    size_t rvals_len;
};

struct sp_eng_case_own {
    bool loaded; /* meta read, secret and keys in memory */
    uint32_t epoch;
    uint64_t version, started_at;
    uint64_t values[SP_ENG_NTYPES];
    uint32_t kept; /* key types the committed outputs are for */
    struct sp_oprf_secret *secret;
    struct sp_round_key *keys[SP_ENG_NTYPES];
    unsigned borrows;
    bool want_sync, want_rotate;
    struct own_sync sync;
    struct own_job *jobs;
    unsigned failures;
    uint64_t retry_at_ms;
};

static uint32_t cfg_mask(const struct sp_engine *e)
{
    return e->cfg->case_key_mask & SP_KEY_MASK_ALL;
}

static bool port_present(const struct sp_engine *e)
{
    const struct sp_engine_case_store *c = &e->ports.store.cases;
    return c->own_meta && c->own_begin && c->own_open && c->own_next && c->own_close &&
           c->own_put && c->own_commit && c->secret_put && c->secret_get && c->secret_drop;
}

/* Key order (round/types.h): type, then value bytes, the shorter first
 * when one is a prefix of the other. */
static int value_cmp(const struct sp_eng_value *a, const struct sp_eng_value *b)
{
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    int c = memcmp(a->val, b->val, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

/* ---- keys and secret ---------------------------------------------------- */

static void keys_free(struct sp_eng_case_own *co, uint32_t keep)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (!(keep & SP_KEY_MASK(t)))
            sp_round_key_free(&co->keys[t]);
}

/* Reads the epoch's secret from the store's secret file into guarded
 * memory. */
static int secret_load(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    const struct sp_engine_store *st = &e->ports.store;
    uint8_t b[SP_OPRF_SECRET_BYTES];
    int rc = st->cases.secret_get(st->ctx, co->epoch, b);
    if (rc == 0)
        rc = sp_oprf_secret_from_bytes(&co->secret, b);
    sodium_memzero(b, sizeof(b));
    return rc;
}

/* Derives the keys of the types in mask that are not in memory yet. */
static int keys_derive(struct sp_engine *e, uint32_t mask)
{
    struct sp_eng_case_own *co = e->case_own;
    int rc = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX && rc == 0; t++) {
        if (!(mask & SP_KEY_MASK(t)) || co->keys[t])
            continue;
        if (!co->secret && (rc = secret_load(e)) != 0)
            break;
        rc = sp_oprf_key_derive(co->secret, co->epoch, t, &co->keys[t]);
    }
    return rc;
}

/* ---- the store's record ------------------------------------------------- */

static int meta_read(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    const struct sp_engine_store *st = &e->ports.store;
    struct sp_case_own_meta m;
    int rc = st->cases.own_meta(st->ctx, &m);
    if (rc == SP_ERR_NOT_FOUND) {
        memset(&m, 0, sizeof(m));
        rc = 0;
    }
    if (rc)
        return rc;
    co->epoch = m.epoch;
    co->version = m.version;
    co->started_at = m.started_at;
    memcpy(co->values, m.values, sizeof(co->values));
    /* the committed version's types as recorded with it: a kept type
     * without values (its outputs complete and empty) is lendable at once
     * after a restart, not only once the start-up sync commits (simulator
     * finding 5) */
    co->kept = m.kept;
    return 0;
}

/* The previous epoch's secret goes once this one's set-up is committed. */
static void drop_previous(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    const struct sp_engine_store *st = &e->ports.store;
    int rc;
    if (co->epoch <= 1 || co->version == 0)
        return;
    if ((rc = st->cases.secret_drop(st->ctx, co->epoch - 1)) != 0)
        sp_eng_error(e,
                     "case epoch %" PRIu32 ": cannot delete the secret of epoch %" PRIu32
                     ": %s (retried at the next start)",
                     co->epoch, co->epoch - 1, sp_strerror(rc));
}

/* At start-up (or once the mask is set): the store's record, the secret,
 * the keys. A missing secret makes the outputs useless: a new epoch. */
static int own_load(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    int rc = meta_read(e);
    if (rc || co->epoch == 0)
        goto out;
    rc = keys_derive(e, cfg_mask(e));
    if (rc == SP_ERR_NOT_FOUND) {
        sp_eng_error(e, "case epoch %" PRIu32 ": its secret is missing; a new epoch begins",
                     co->epoch);
        co->want_rotate = true;
        rc = 0;
        goto out;
    }
    if (rc)
        goto out;
    /* datasets may have been loaded while the node was down */
    co->want_sync = co->version > 0;
    drop_previous(e);
out:
    co->loaded = rc == 0;
    return rc;
}

/* ---- jobs --------------------------------------------------------------- */

static void own_job_free(struct own_job *j)
{
    if (!j)
        return;
    if (j->vals) {
        sodium_memzero(j->vals, (size_t)OWN_CHUNK * SP_ROUND_VALUE_MAX);
        free(j->vals);
    }
    if (j->rvals) {
        sodium_memzero(j->rvals, (size_t)OWN_CHUNK * SP_ROUND_VALUE_MAX);
        free(j->rvals);
    }
    if (j->elems) {
        sodium_memzero(j->elems, (size_t)j->n * SP_ENG_ELEM);
        free(j->elems);
    }
    free(j->offs);
    free(j->fps);
    free(j->ch);
    free(j);
}

static void job_unlink(struct sp_eng_case_own *co, struct own_job *j)
{
    for (struct own_job **pp = &co->jobs; *pp; pp = &(*pp)->next) {
        if (*pp == j) {
            *pp = j->next;
            return;
        }
    }
}

static void job_submit(struct sp_engine *e, struct own_job *j, int kind,
                       void (*run)(struct sp_job *))
{
    struct sp_eng_case_own *co = e->case_own;
    j->job.kind = kind;
    j->job.base.run = run;
    j->job.base.ran = false;
    atomic_store(&j->job.base.cancelled, false);
    j->next = co->jobs;
    co->jobs = j;
    e->ports.submit(e->ports.ctx, &j->job.base);
}

/* ---- the walk (job thread) --------------------------------------------- */

/* The key walk's next distinct value into w->k. */
static int keys_fill(struct own_walks *w, uint32_t mask)
{
    struct sp_keyref ref;
    while (!w->k.have && !w->keys_end) {
        int rc = w->st->keys_next(w->keys, &ref);
        if (rc == SP_ERR_NOT_FOUND) {
            w->keys_end = true;
            break;
        }
        if (rc)
            return rc;
        if (!sp_key_type_valid(ref.type) || ref.value_len > SP_ROUND_VALUE_MAX)
            return SP_ERR_STORE;
        if (!(mask & SP_KEY_MASK(ref.type)) || !sp_eng_distinct_next(&w->dist, &ref))
            continue;
        w->k.v = w->dist.prev;
        w->k.have = true;
    }
    return 0;
}

/* The own walk's next entry into w->o; an entry out of key order (or twice)
 * would make the merge wrong, so it is a store error. */
static int own_fill(struct own_walks *w)
{
    struct sp_case_own_entry en;
    if (w->o.have || w->own_end)
        return 0;
    int rc = w->st->cases.own_next(w->own, &en);
    if (rc == SP_ERR_NOT_FOUND) {
        w->own_end = true;
        return 0;
    }
    if (rc)
        return rc;
    if (!sp_key_type_valid(en.key_type) || en.len > SP_ROUND_VALUE_MAX)
        return SP_ERR_STORE;
    w->o.v.type = en.key_type;
    w->o.v.len = en.len;
    memcpy(w->o.v.val, en.value, en.len);
    w->o.fp = en.fp;
    if (w->have_last && value_cmp(&w->last, &w->o.v) >= 0)
        return SP_ERR_STORE;
    w->last = w->o.v;
    w->have_last = true;
    w->o.have = true;
    return 0;
}

static void chunk_add(struct own_job *j, const struct sp_eng_value *v)
{
    j->key_type = v->type;
    memcpy(j->vals + j->vals_len, v->val, v->len);
    j->vals_len += v->len;
    j->offs[++j->n] = (uint32_t)j->vals_len;
}

static void chunk_remove(struct own_job *j, const struct own_item *o)
{
    uint8_t *p = j->rvals + j->rvals_len;
    memcpy(p, o->v.val, o->v.len);
    j->rvals_len += o->v.len;
    j->ch[j->nremoved++] = (struct sp_case_own_change){
        .add = false, .key_type = o->v.type, .len = o->v.len, .value = p, .fp = o->fp};
}

/* Merges the two walks until the chunk is full (OWN_CHUNK added values of
 * one type, or OWN_CHUNK removed entries) or both are over. */
static int walk_chunk(struct own_walks *w, uint32_t mask, struct own_job *j)
{
    int rc;
    j->offs[0] = 0;
    for (;;) {
        if ((rc = keys_fill(w, mask)) != 0 || (rc = own_fill(w)) != 0)
            return rc;
        if (!w->k.have && !w->o.have) {
            j->end = true;
            return 0;
        }
        int c = !w->k.have ? 1 : !w->o.have ? -1 : value_cmp(&w->k.v, &w->o.v);
        if (c == 0) { /* kept as it is */
            w->k.have = w->o.have = false;
        } else if (c < 0) {
            if (j->n == OWN_CHUNK || (j->n > 0 && w->k.v.type != j->key_type))
                return 0;
            chunk_add(j, &w->k.v);
            w->k.have = false;
        } else {
            if (j->nremoved == OWN_CHUNK)
                return 0;
            chunk_remove(j, &w->o);
            w->o.have = false;
        }
    }
}

static void walk_run(struct sp_job *base)
{
    struct own_job *j = (struct own_job *)base;
    struct own_sync *s = &j->co->sync;
    j->rc = walk_chunk(&s->w, s->mask, j);
}

/* One hash to the group and one ladder per value: the floor. */
static void hash_run(struct sp_job *base)
{
    struct own_job *j = (struct own_job *)base;
    j->rc = sp_oprf_hash_many(j->elems, j->key_type, j->vals, j->offs, j->n);
    if (j->rc == 0)
        j->rc = sp_blind_batch(j->key, j->elems, j->n, NULL);
    for (uint32_t i = 0; j->rc == 0 && i < j->n; i++)
        j->fps[i] = sp_oprf_fingerprint(j->key_type, j->elems + (size_t)i * SP_ENG_ELEM);
}

/* ---- a sync (engine thread) --------------------------------------------- */

static void walks_close(struct own_walks *w)
{
    if (w->st) {
        if (w->keys)
            w->st->keys_close(w->keys);
        w->st->cases.own_close(w->own);
    }
    sodium_memzero(w, sizeof(*w));
}

static void fail_later(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    unsigned shift = co->failures < 9 ? co->failures : 9;
    uint64_t delay = (uint64_t)OWN_RETRY_MIN_MS << shift;
    co->failures++;
    co->retry_at_ms = e->now.mono_ms + (delay < OWN_RETRY_MAX_MS ? delay : OWN_RETRY_MAX_MS);
}

static void sync_error(struct sp_engine *e, int rc, const char *what)
{
    struct sp_eng_case_own *co = e->case_own;
    if (!co->sync.failed)
        sp_eng_error(e, "case epoch %" PRIu32 ": %s %" PRIu64 ": %s: %s (retried)", co->epoch,
                     co->sync.setup ? "set-up of version" : "sync to version", co->sync.version,
                     what, sp_strerror(rc));
    co->sync.failed = true;
}

static int walk_submit(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    struct own_job *j = calloc(1, sizeof(*j));
    if (!j)
        return SP_ERR_NOMEM;
    j->co = co;
    j->vals = malloc((size_t)OWN_CHUNK * SP_ROUND_VALUE_MAX);
    j->rvals = malloc((size_t)OWN_CHUNK * SP_ROUND_VALUE_MAX);
    j->offs = malloc((OWN_CHUNK + 1) * sizeof(*j->offs));
    j->ch = malloc(OWN_CHUNK * sizeof(*j->ch));
    if (!j->vals || !j->rvals || !j->offs || !j->ch) {
        own_job_free(j);
        return SP_ERR_NOMEM;
    }
    co->sync.walk_out = true;
    job_submit(e, j, SP_ENG_JOB_OWN_WALK, walk_run);
    return 0;
}

/* Keeps the walk going while the hash jobs leave it room. */
static void sync_pump(struct sp_engine *e)
{
    struct own_sync *s = &e->case_own->sync;
    int rc;
    if (!s->running || s->failed || s->walk_out || s->walk_done ||
        s->hashing >= SP_ENG_HASH_AHEAD(e->cfg->workers))
        return;
    if ((rc = walk_submit(e)) != 0)
        sync_error(e, rc, "cannot start the walk");
}

static int sync_commit(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    struct own_sync *s = &co->sync;
    const struct sp_engine_store *st = &e->ports.store;
    int rc;
    /* nothing changed: no new version; a mask that changed is one (a type
     * taken up without values), so the record says what the outputs are
     * for */
    if (!s->setup && s->added == 0 && s->removed == 0 && s->mask == co->kept)
        return 0;
    if ((rc = st->cases.own_commit(st->ctx, s->version, s->mask, OWN_KEEP_DELTAS)) != 0 ||
        (rc = meta_read(e)) != 0)
        return rc;
    sp_eng_info(e,
                "case epoch %" PRIu32 ": version %" PRIu64 " committed (%" PRIu64
                " values added, %" PRIu64 " removed)",
                co->epoch, co->version, s->added, s->removed);
    if (s->setup)
        drop_previous(e);
    return 0;
}

/* Once the walk is over and every chunk is back: commit, or after a
 * failure retry later (what was written stays: the retry puts the rest
 * into the same version). */
static void sync_check_done(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    struct own_sync *s = &co->sync;
    int rc = 0;
    if (!s->running || s->walk_out || s->hashing > 0 || (!s->walk_done && !s->failed))
        return;
    if (!s->failed && (rc = sync_commit(e)) != 0)
        sync_error(e, rc, "cannot commit");
    walks_close(&s->w);
    s->running = false;
    s->pending = 0;
    if (s->failed) {
        co->want_sync = true;
        fail_later(e);
        return;
    }
    co->failures = 0; /* co->kept is the committed record's (meta_read) */
}

static void walk_back(struct sp_engine *e, struct own_job *j)
{
    struct sp_eng_case_own *co = e->case_own;
    struct own_sync *s = &co->sync;
    const struct sp_engine_store *st = &e->ports.store;
    int rc = j->job.base.ran ? j->rc : SP_ERR_STATE;
    s->walk_out = false;
    if (rc) {
        sync_error(e, rc, "cannot walk the key index against the own outputs");
        goto out;
    }
    if (j->nremoved > 0 && (rc = st->cases.own_put(st->ctx, s->version, j->ch, j->nremoved)) != 0) {
        sync_error(e, rc, "cannot write removed values");
        goto out;
    }
    s->removed += j->nremoved;
    s->walk_done = j->end;
    if (j->n == 0)
        goto out;
    if (!(j->key = co->keys[j->key_type])) {
        sync_error(e, SP_ERR_INTERNAL, "no key for an added value's type");
        goto out;
    }
    j->elems = malloc((size_t)j->n * SP_ENG_ELEM);
    j->fps = malloc((size_t)j->n * sizeof(*j->fps));
    if (!j->elems || !j->fps) {
        sync_error(e, SP_ERR_NOMEM, "cannot hash added values");
        goto out;
    }
    sodium_memzero(j->rvals, (size_t)OWN_CHUNK * SP_ROUND_VALUE_MAX);
    free(j->rvals);
    j->rvals = NULL;
    j->nremoved = 0;
    s->hashing++;
    s->pending += j->n;
    job_submit(e, j, SP_ENG_JOB_OWN_HASH, hash_run);
    j = NULL;
out:
    own_job_free(j);
}

static void hash_back(struct sp_engine *e, struct own_job *j)
{
    struct sp_eng_case_own *co = e->case_own;
    struct own_sync *s = &co->sync;
    const struct sp_engine_store *st = &e->ports.store;
    int rc = j->job.base.ran ? j->rc : SP_ERR_STATE;
    s->hashing--;
    s->pending -= j->n;
    if (rc) {
        sync_error(e, rc, "cannot compute outputs");
        goto out;
    }
    for (uint32_t i = 0; i < j->n; i++)
        j->ch[i] = (struct sp_case_own_change){.add = true,
                                               .key_type = j->key_type,
                                               .len = (uint16_t)(j->offs[i + 1] - j->offs[i]),
                                               .value = j->vals + j->offs[i],
                                               .fp = j->fps[i]};
    if ((rc = st->cases.own_put(st->ctx, s->version, j->ch, j->n)) != 0) {
        sync_error(e, rc, "cannot write added values");
        goto out;
    }
    s->added += j->n;
out:
    own_job_free(j); /* wipes the values */
}

/* Begins a sync: the set-up (version 1) or the next version. */
static int sync_begin(struct sp_engine *e, bool setup)
{
    struct sp_eng_case_own *co = e->case_own;
    struct own_sync *s = &co->sync;
    const struct sp_engine_store *st = &e->ports.store;
    int rc;
    memset(s, 0, sizeof(*s));
    s->setup = setup;
    s->mask = cfg_mask(e);
    s->version = setup ? 1 : co->version + 1;
    s->w.st = st;
    if ((rc = keys_derive(e, s->mask)) != 0 ||
        (rc = st->keys_open(st->ctx, s->mask, &s->w.keys)) != 0 ||
        (rc = st->cases.own_open(st->ctx, &s->w.own)) != 0) {
        walks_close(&s->w);
        return rc;
    }
    co->want_sync = false;
    s->running = true;
    sync_pump(e);
    sync_check_done(e);
    return 0;
}

/* ---- rotation ----------------------------------------------------------- */

static bool rotation_due(const struct sp_engine *e)
{
    const struct sp_eng_case_own *co = e->case_own;
    uint64_t days = e->cfg->case_epoch_days ? e->cfg->case_epoch_days : OWN_EPOCH_DAYS;
    if (cfg_mask(e) == 0)
        return false;
    return co->epoch == 0 || co->want_rotate ||
           sp_eng_unix_s(e) >= co->started_at + days * OWN_DAY_S;
}

/* A new epoch: its secret (kept first, so that a restart finds it), the
 * store's record, then the keys follow from the set-up. */
static int rotate_begin(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    const struct sp_engine_store *st = &e->ports.store;
    struct sp_oprf_secret *sec = NULL;
    uint8_t b[SP_OPRF_SECRET_BYTES];
    uint32_t next = co->epoch + 1;
    int rc = SP_ERR_OVERFLOW;
    if (next == 0)
        goto out;
    if ((rc = sp_oprf_secret_new(&sec)) != 0 || (rc = st->cases.secret_drop(st->ctx, next)) != 0)
        goto out;
    sp_oprf_secret_bytes(sec, b);
    rc = st->cases.secret_put(st->ctx, next, b);
    sodium_memzero(b, sizeof(b));
    if (rc || (rc = st->cases.own_begin(st->ctx, next, sp_eng_unix_s(e))) != 0)
        goto out;
    keys_free(co, 0);
    sp_oprf_secret_free(&co->secret);
    co->secret = sec;
    sec = NULL;
    co->epoch = next;
    co->version = 0;
    co->started_at = sp_eng_unix_s(e);
    memset(co->values, 0, sizeof(co->values));
    co->kept = 0;
    co->want_rotate = false;
    co->want_sync = false;
    sp_eng_info(e, "case epoch %" PRIu32 " begins", next);
out:
    sp_oprf_secret_free(&sec);
    return rc;
}

/* ---- what a tick does ---------------------------------------------------- */

static int own_create(struct sp_engine *e)
{
    if (cfg_mask(e) == 0)
        return 0;
    if (!port_present(e)) {
        sp_eng_error(e, "case_key_mask is set but the store has no case port: no case outputs");
        return 0;
    }
    e->case_own = calloc(1, sizeof(*e->case_own));
    if (!e->case_own)
        return SP_ERR_NOMEM;
    int rc = own_load(e);
    if (rc) {
        sp_eng_error(e, "case epoch: cannot read the own epoch: %s (retried)", sp_strerror(rc));
        fail_later(e);
    }
    return 0;
}

/* The next step of the own epoch when no sync runs. */
static void own_step(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    int rc = 0;
    if (co->sync.running || e->now.mono_ms < co->retry_at_ms)
        return;
    if (!co->loaded) {
        if ((rc = own_load(e)) != 0)
            sp_eng_error(e, "case epoch: cannot read the own epoch: %s (retried)", sp_strerror(rc));
        goto out;
    }
    if (co->borrows == 0)
        keys_free(co, co->kept | cfg_mask(e));
    if (rotation_due(e)) {
        if (co->borrows > 0)
            return;
        if ((rc = rotate_begin(e)) != 0) {
            sp_eng_error(e, "case epoch %" PRIu32 ": cannot begin the next epoch: %s (retried)",
                         co->epoch, sp_strerror(rc));
            goto out;
        }
    }
    if (co->epoch == 0)
        return;
    if (co->version == 0)
        rc = sync_begin(e, true);
    else if (co->want_sync || co->kept != cfg_mask(e))
        rc = sync_begin(e, false);
    if (rc)
        sp_eng_error(e, "case epoch %" PRIu32 ": cannot begin a sync: %s (retried)", co->epoch,
                     sp_strerror(rc));
out:
    if (rc)
        fail_later(e);
}

/* ---- core.h's entry points ---------------------------------------------- */

int sp_eng_case_own_new(struct sp_engine *e)
{
    /* the set-up or sync begins at the first tick: the driver's workers
     * may not run yet */
    return own_create(e);
}

void sp_eng_case_own_free(struct sp_engine *e)
{
    struct sp_eng_case_own *co = e->case_own;
    if (!co)
        return;
    while (co->jobs) {
        struct own_job *j = co->jobs;
        co->jobs = j->next;
        own_job_free(j);
    }
    walks_close(&co->sync.w);
    keys_free(co, 0);
    sp_oprf_secret_free(&co->secret);
    free(co);
    e->case_own = NULL;
}

void sp_eng_case_own_tick(struct sp_engine *e)
{
    if (!e->case_own) {
        /* the mask was set by a reload */
        if (own_create(e) != 0)
            sp_eng_error(e, "case epoch: %s", sp_strerror(SP_ERR_NOMEM));
        if (!e->case_own)
            return;
    }
    own_step(e);
}

long sp_eng_case_own_next_tick_ms(const struct sp_engine *e)
{
    const struct sp_eng_case_own *co = e->case_own;
    uint64_t now = e->now.mono_ms;
    if (!co)
        return cfg_mask(e) != 0 && port_present(e) ? 0 : -1;
    if (co->sync.running)
        return -1; /* its jobs drive it */
    if (now < co->retry_at_ms)
        return (long)(co->retry_at_ms - now);
    if (!co->loaded)
        return 0;
    if (rotation_due(e))
        return co->borrows > 0 ? OWN_BORROW_POLL_MS : 0;
    if (co->epoch == 0)
        return -1;
    if (co->version == 0 || co->want_sync || co->kept != cfg_mask(e))
        return 0;
    return cfg_mask(e) != 0 ? OWN_IDLE_TICK_MS : -1;
}

void sp_eng_case_own_data_changed(struct sp_engine *e)
{
    if (e->case_own)
        e->case_own->want_sync = true;
}

int sp_eng_case_own_rotate(struct sp_engine *e, char *reason, size_t cap)
{
    struct sp_eng_case_own *co = e->case_own;
    if (!co || cfg_mask(e) == 0) {
        snprintf(reason, cap, "this node keeps no case outputs (case_key_mask is empty)");
        return SP_ERR_STATE;
    }
    if (co->epoch > 0 && co->version == 0) {
        snprintf(reason, cap,
                 "the set-up of epoch %" PRIu32 " is running (%" PRIu64 " values pending)",
                 co->epoch, co->sync.pending);
        return SP_ERR_BUSY;
    }
    co->want_rotate = true;
    own_step(e); /* now, unless a sync runs or a key is borrowed */
    return 0;
}

void sp_eng_case_own_job_done(struct sp_engine *e, struct sp_eng_job *job)
{
    struct own_job *j = (struct own_job *)job;
    struct sp_eng_case_own *co = e->case_own;
    job_unlink(co, j);
    if (job->kind == SP_ENG_JOB_OWN_WALK)
        walk_back(e, j);
    else
        hash_back(e, j);
    sync_pump(e);
    sync_check_done(e);
}

bool sp_eng_case_own_ready(const struct sp_engine *e, uint32_t *epoch, uint64_t *version)
{
    const struct sp_eng_case_own *co = e->case_own;
    bool ready = co && co->loaded && co->epoch > 0 && co->version > 0;
    if (epoch)
        *epoch = ready ? co->epoch : 0;
    if (version)
        *version = ready ? co->version : 0;
    return ready;
}

bool sp_eng_case_own_lendable(const struct sp_engine *e, int key_type)
{
    const struct sp_eng_case_own *co = e->case_own;
    /* no new borrow while a rotation waits for the borrowed keys */
    return sp_eng_case_own_ready(e, NULL, NULL) && sp_key_type_valid(key_type) &&
           !rotation_due(e) && (co->kept & cfg_mask(e) & SP_KEY_MASK(key_type)) &&
           co->keys[key_type] != NULL;
}

const struct sp_round_key *sp_eng_case_own_borrow(struct sp_engine *e, int key_type)
{
    if (!sp_eng_case_own_lendable(e, key_type))
        return NULL;
    e->case_own->borrows++;
    return e->case_own->keys[key_type];
}

void sp_eng_case_own_return(struct sp_engine *e)
{
    if (e->case_own && e->case_own->borrows > 0)
        e->case_own->borrows--;
}

void sp_eng_case_own_status(const struct sp_engine *e, struct sp_ctl_case_own *out)
{
    const struct sp_eng_case_own *co = e->case_own;
    memset(out, 0, sizeof(*out));
    if (!co)
        return;
    out->epoch = co->epoch;
    out->version = co->version;
    out->started_at = co->started_at;
    out->ready = sp_eng_case_own_ready(e, NULL, NULL) && !co->sync.running && !co->want_sync;
    out->pending = co->sync.pending;
    memcpy(out->values, co->values, sizeof(out->values));
}
