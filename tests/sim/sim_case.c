/*
 * Case schedules (README.md, "Case questions"): one asking node and its
 * partners, a case list built from the schedule's data, the partners'
 * epochs set up first (or raced), the question asked through control
 * (CASE_ASK), at most one fault, and the checks: the asker's rows against
 * the oracle for every partner that answered, every partner that did not
 * explained by the fault, what partners store, and the privacy of every
 * message and log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/keytype.h"
#include "proto/control.h"
#include "proto/peer.h"
#include "proto/proposal.h"
#include "round/round.h"
#include "round/round_meta.h"
#include "sim_case_data.h"
#include "sim_internal.h"

#define CASE_TODAY                20261201 /* SIM_WALL_T0's date, for the input layer */
#define CASE_POLL_MS              50
#define CASE_SETUP_MAX            200000 /* a set-up not done by then is stuck */
#define CASE_HORIZON              400000
#define CASE_DEADLINE_S           30
#define CASE_FAULT_NONE_PER_MILLE 200

enum { STEP_POLL = 1, STEP_SYNCED = 2, STEP_ASK = 3, STEP_ROTATE = 4 };

struct case_plan {
    unsigned nnodes, asker;
    uint32_t partners, answering; /* node bits: the question's partners; nodes keeping outputs */
    unsigned order[SIM_MAX_NODES], nparts; /* participant index -> node */
    unsigned nsubjects;
    uint32_t keys;
    bool share, tell, race, change_wait;
    unsigned check_s, workers, limit;
    int fault;
    unsigned fault_node, per_mille, budget;
    uint8_t target; /* message faults: the peer message type touched */
    uint64_t fault_at, back_after, ask_at;
};

struct sim_cq {
    struct case_plan p;
    struct sim_case_list list;
    const char *askers[1];
    size_t cap[SIM_MAX_NODES];
    struct sim_node_data changed; /* the fault node's newer data (change) */
    size_t changed_cap;
    bool swapped, asked, ask_refused, setup_stuck, rotated;
    bool change_raced; /* asked before the change's sync was committed */
    uint64_t v0, asked_at;
    char msg[300];
    uint8_t prop[SP_PROPOSAL_MAX_BYTES];
    size_t prop_len;
    struct sim_rng lie_rng;
};

/* A quarter of the seeds. The stream's label ("CASJ") is one whose draw
 * leaves every seed of seeds.txt a round schedule, as it was found. */
bool sim_case_chosen(uint64_t seed)
{
    struct sim_rng r = sim_rng_fork(seed, 0x4341534a);
    return sim_rng_chance(&r, 250);
}

/* ---- the plan ----------------------------------------------------------- */

static uint32_t bit(unsigned n)
{
    return UINT32_C(1) << n;
}

/* Key types a list's mapping may contribute (address is always added). */
static uint32_t draw_keys(struct sim_rng *r)
{
    static const uint8_t pool[] = {SP_KEY_BSN,      SP_KEY_NAME_DOB,     SP_KEY_PHON_DOB,
                                   SP_KEY_PART_DOB, SP_KEY_INI_ADDR_DOB, SP_KEY_ADDR_DOB,
                                   SP_KEY_KVK,      SP_KEY_CNAME_ADDR,   SP_KEY_CNAME_PC,
                                   SP_KEY_KENTEKEN, SP_KEY_IBAN,         SP_KEY_NAME_ADDR};
    uint32_t m = 0;
    for (size_t i = 0; i < sizeof(pool); i++)
        if (sim_rng_chance(r, 300))
            m |= SP_KEY_MASK(pool[i]);
    return m;
}

static void draw_nodes(struct case_plan *p, struct sim_rng *r)
{
    p->nnodes = (unsigned)sim_rng_range(r, 2, 6);
    p->asker = (unsigned)sim_rng_below(r, p->nnodes);
    for (unsigned n = 0; n < p->nnodes; n++) {
        if (n == p->asker)
            continue;
        if (sim_rng_chance(r, 850))
            p->partners |= bit(n);
        else if (sim_rng_chance(r, 500))
            p->answering |= bit(n); /* a bystander that answers this asker too */
    }
    if (p->partners == 0)
        p->partners = bit((p->asker + 1) % p->nnodes);
    p->answering |= p->partners;
    /* the proposal's participants: asker and partners in a random order */
    for (unsigned n = 0; n < p->nnodes; n++)
        if (n == p->asker || (p->partners & bit(n)))
            p->order[p->nparts++] = n;
    for (unsigned i = p->nparts; i > 1; i--) {
        unsigned j = (unsigned)sim_rng_below(r, i), t = p->order[i - 1];
        p->order[i - 1] = p->order[j];
        p->order[j] = t;
    }
}

/* A random partner (node). */
static unsigned some_partner(const struct case_plan *p, struct sim_rng *r)
{
    unsigned k = (unsigned)sim_rng_below(r, (uint64_t)__builtin_popcount(p->partners));
    for (unsigned n = 0; n < p->nnodes; n++)
        if ((p->partners & bit(n)) && k-- == 0)
            return n;
    return p->asker;
}

static void draw_fault(struct case_plan *p, struct sim_rng *r)
{
    static const int faults[] = {
        SIM_FAULT_DROP,    SIM_FAULT_DUP,    SIM_FAULT_REORDER, SIM_FAULT_DELAY,
        SIM_FAULT_CORRUPT, SIM_FAULT_STOP,   SIM_FAULT_RESTART, SIM_FAULT_BUSY,
        SIM_FAULT_CHANGE,  SIM_FAULT_ROTATE, SIM_FAULT_LIE_KEY, SIM_FAULT_LIE_GARBAGE,
        SIM_FAULT_LIMIT,
    };
    static const uint8_t targets[] = {SP_PEER_CASE_ASK, SP_PEER_CASE_ANSWER, SP_PEER_FILTER,
                                      SP_PEER_CASE_TELL};
    p->fault = sim_rng_chance(r, CASE_FAULT_NONE_PER_MILLE)
                   ? SIM_FAULT_NONE
                   : faults[sim_rng_below(r, sizeof(faults) / sizeof(faults[0]))];
    p->target = targets[sim_rng_below(r, 4)];
    p->per_mille = (unsigned)sim_rng_range(r, 300, 1000);
    p->budget = (unsigned)sim_rng_range(r, 1, 3);
    p->fault_node = some_partner(p, r);
    if (p->fault == SIM_FAULT_BUSY && sim_rng_chance(r, 500))
        p->fault_node = p->asker;
    p->fault_at = sim_rng_range(r, 0, 300);
    p->back_after = sim_rng_range(r, 0, 8000);
    p->limit = (unsigned)sim_rng_range(r, 1, 3);
    p->change_wait = sim_rng_chance(r, 500);
}

static void draw_plan(struct case_plan *p, uint64_t seed)
{
    struct sim_rng r = sim_rng_fork(seed, 0x43504c4e); /* "CPLN" */
    memset(p, 0, sizeof(*p));
    draw_nodes(p, &r);
    p->nsubjects = (unsigned)sim_rng_range(&r, 2, 5);
    p->keys = draw_keys(&r);
    p->share = sim_rng_chance(&r, 700);
    p->tell = sim_rng_chance(&r, 400);
    p->race = sim_rng_chance(&r, 200);
    p->ask_at = 1 + sim_rng_range(&r, 0, 300);
    p->check_s = (unsigned)sim_rng_range(&r, 1, 5);
    p->workers = (unsigned)sim_rng_range(&r, 1, 3);
    draw_fault(p, &r);
}

/* ---- the data ----------------------------------------------------------- */

/* The key types of the list's subject s. */
static uint32_t subject_types(const struct sim_case_list *l, unsigned s)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < l->nv; i++)
        if (l->v[i].subjects & bit(s))
            m |= SP_KEY_MASK(l->v[i].type);
    return m;
}

/* Some (at least one) of the key types of mask. */
static uint32_t some_types(struct sim_rng *r, uint32_t mask)
{
    uint32_t m = 0, first = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++) {
        if (!(mask & SP_KEY_MASK(t)))
            continue;
        first = first ? first : SP_KEY_MASK(t);
        if (sim_rng_chance(r, 600))
            m |= SP_KEY_MASK(t);
    }
    return m ? m : first;
}

static int hold(struct sim *s, unsigned n, unsigned subject, uint32_t types, const char *prefix)
{
    struct sim_cq *cs = s->cs;
    char rid[SIM_NAME_MAX];
    snprintf(rid, sizeof(rid), "%s%u-%u", prefix, n, subject + 1);
    const char *ds = cs->list.company[subject] ? "bedrijven" : "personen";
    return sim_case_hold(&s->data.node[n], &cs->cap[n], &cs->list, subject, types, ds, rid) < 0 ? -1
                                                                                                : 0;
}

/* Who holds which subject: a quarter of them nobody; the others one or
 * more answering nodes, each with some of the subject's key types; and
 * sometimes a neighbour's record holding only a subject's address. */
static int plant(struct sim *s, struct sim_rng *r)
{
    struct sim_cq *cs = s->cs;
    const struct case_plan *p = &cs->p;
    for (unsigned sub = 0; sub < cs->list.nsubjects; sub++) {
        if (sim_rng_chance(r, 250))
            continue; /* nobody knows this one */
        uint32_t types = subject_types(&cs->list, sub);
        for (unsigned n = 0; n < p->nnodes; n++)
            if ((p->answering & bit(n)) && sim_rng_chance(r, 500) &&
                hold(s, n, sub, some_types(r, types), "K") != 0)
                return -1;
    }
    for (unsigned n = 0; n < p->nnodes; n++) {
        unsigned sub = (unsigned)sim_rng_below(r, cs->list.nsubjects);
        if ((p->answering & bit(n)) && sim_rng_chance(r, 300) &&
            hold(s, n, sub, SP_KEY_MASK(SP_KEY_ADDRESS), "N") != 0)
            return -1;
        sim_data_sort(&s->data.node[n]);
    }
    return 0;
}

static int make_data(struct sim *s)
{
    struct sim_cq *cs = s->cs;
    struct sim_rng dr = sim_rng_fork(s->seed, 0x43444154); /* "CDAT" */
    struct sim_rng lr = sim_rng_fork(s->seed, 0x434c5354); /* "CLST" */
    struct sim_rng hr = sim_rng_fork(s->seed, 0x43484c44); /* "CHLD" */
    if (sim_data_generate(&s->data, cs->p.nnodes, 1, false, &dr) != 0)
        return -1;
    for (unsigned n = 0; n < cs->p.nnodes; n++)
        cs->cap[n] = s->data.node[n].nkeys;
    if (sim_case_list_make(&cs->list, &lr, cs->p.nsubjects, cs->p.keys, cs->p.share, CASE_TODAY,
                           cs->msg, sizeof(cs->msg)) != 0) {
        fprintf(stderr, "seed %llu: case list: %s\n", (unsigned long long)s->seed, cs->msg);
        return -1;
    }
    return plant(s, &hr);
}

/* ---- nodes, view ------------------------------------------------------- */

static uint32_t data_types(const struct sim_node_data *nd)
{
    uint32_t m = 0;
    for (size_t i = 0; i < nd->nkeys; i++)
        m |= SP_KEY_MASK(nd->keys[i].type);
    return m;
}

/* The lowest key type of mask. */
static int lowest_type(uint32_t mask)
{
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (mask & SP_KEY_MASK(t))
            return t;
    return SP_KEY_ADDRESS;
}

/* A partner whose limits are below the question (fault limit). */
static void limit(const struct sim_cq *cs, struct sp_engine_config *c)
{
    uint32_t total = cs->list.nv;
    unsigned kind = total < 2 ? 2 : cs->p.limit;
    if (kind == 1)
        c->case_max_values = total - 1;
    else if (kind == 3)
        c->case_values_per_epoch = total - 1;
    else
        c->case_key_mask &= ~SP_KEY_MASK(lowest_type(cs->list.type_mask));
}

static void config(struct sim *s, unsigned n)
{
    struct sim_cq *cs = s->cs;
    struct sim_node *node = &s->node[n];
    struct sp_engine_config *c = &node->cfg;
    *c = (struct sp_engine_config){.node = node->name,
                                   .peers = node->peers,
                                   .npeers = s->nnodes - 1,
                                   .round_deadline_s = 60,
                                   .workers = cs->p.workers};
    if (n == cs->p.asker) {
        c->case_ask = true;
        c->case_filter_check_s = cs->p.check_s;
        return;
    }
    if (!(cs->p.answering & bit(n)))
        return;
    c->case_key_mask = data_types(&s->data.node[n]) | cs->list.type_mask;
    c->case_max_values = 4096;
    c->case_questions_per_epoch = 1000;
    c->case_values_per_epoch = 1000000;
    c->case_tell_ok = true;
    c->case_askers = cs->askers;
    c->ncase_askers = 1;
    if (cs->p.fault == SIM_FAULT_LIMIT && n == cs->p.fault_node)
        limit(cs, c);
}

static void setup_nodes(struct sim *s)
{
    struct sim_cq *cs = s->cs;
    s->nnodes = cs->p.nnodes;
    for (unsigned i = 0; i < s->nnodes; i++) {
        struct sim_node *n = &s->node[i];
        n->sim = s;
        n->id = i;
        snprintf(n->name, sizeof(n->name), "n%u", i % 100);
    }
    cs->askers[0] = s->node[cs->p.asker].name;
    for (unsigned i = 0; i < s->nnodes; i++) {
        struct sim_node *n = &s->node[i];
        size_t np = 0;
        for (unsigned j = 0; j < s->nnodes; j++) {
            n->peer_of[j] = -1;
            if (j == i)
                continue;
            n->peer_of[j] = (int)np;
            n->peer_node[np] = j;
            n->peers[np++] = s->node[j].name;
        }
        config(s, i);
        sim_store_init(&n->store, &s->data.node[i]);
        sim_ports_init(s, i);
    }
}

static void setup_view(struct sim *s)
{
    struct sim_cq *cs = s->cs;
    struct sim_round_view *v = &s->view[0];
    sim_check_init(v);
    s->nviews = 1;
    v->n = cs->p.nparts;
    for (unsigned i = 0; i < cs->p.nparts; i++) {
        v->node_of[i] = (int)cs->p.order[i];
        v->part_of[cs->p.order[i]] = (int)i;
        v->types[i] = cs->list.type_mask;
        if (cs->p.order[i] == cs->p.asker)
            v->initiator = v->counter = i;
    }
    for (int t = 0; t < 17; t++)
        v->sizes[v->initiator][t] = cs->list.sizes[t];
    v->mode = SP_PROPOSAL_MODE_CASE;
    v->k = 1;
    v->case_asker_nodes = bit(cs->p.asker);
    for (unsigned n = 0; n < s->nnodes; n++)
        v->serves[n] = (cs->p.answering & bit(n)) ? bit(cs->p.asker) : 0;
    v->case_list = &cs->list;
    s->case_list = &cs->list;
}

/* ---- control ------------------------------------------------------------ */

static struct sp_ctl_request ctl_req; /* large: one for every control call */

/* CASE_STATUS at node n into *own, and the filter node n holds of peer
 * `of` (when of < SIM_MAX_NODES) into *f. False when n is down. */
static bool status(struct sim *s, unsigned n, struct sp_ctl_case_own *own, unsigned of,
                   struct sp_ctl_case_filter_info *f)
{
    struct sp_ctl_reply rep;
    if (!s->node[n].up || s->node[n].eng == NULL)
        return false;
    memset(&ctl_req, 0, sizeof(ctl_req));
    ctl_req.op = SP_CTL_CASE_STATUS;
    bool ok = sp_engine_control(s->node[n].eng, &ctl_req, &rep, sim_now(s, n)) == 0;
    if (ok && own)
        *own = rep.case_status.own;
    if (ok && f) {
        memset(f, 0, sizeof(*f));
        for (uint32_t i = 0; i < rep.case_status.nfilters; i++)
            if (of < SIM_MAX_NODES &&
                strcmp(rep.case_status.filters[i].peer, s->node[of].name) == 0)
                *f = rep.case_status.filters[i];
    }
    sp_ctl_reply_clear(&rep);
    return ok;
}

/* Every partner's epoch is set up, and the asker's copy of its filter is at
 * the partner's (epoch, version). */
static bool ready(struct sim *s)
{
    const struct case_plan *p = &s->cs->p;
    for (unsigned n = 0; n < s->nnodes; n++) {
        struct sp_ctl_case_own own;
        struct sp_ctl_case_filter_info f;
        if (!(p->partners & bit(n)))
            continue;
        if (!status(s, n, &own, SIM_MAX_NODES, NULL) || !own.ready || own.epoch == 0 ||
            !status(s, p->asker, NULL, n, &f) || f.epoch != own.epoch || f.version != own.version)
            return false;
    }
    return true;
}

static void fill_proposal(struct sim *s, struct sp_proposal *pr)
{
    struct sim_cq *cs = s->cs;
    struct sim_rng r = sim_rng_fork(s->seed, 0x43524944); /* "CRID" */
    memset(pr, 0, sizeof(*pr));
    for (size_t i = 0; i < sizeof(pr->round_id); i++)
        pr->round_id[i] = (uint8_t)sim_rng_next(&r);
    snprintf(pr->coordinator, sizeof(pr->coordinator), "sim-coordinator");
    snprintf(pr->case_ref, sizeof(pr->case_ref), "SIM-%016llx-case", (unsigned long long)s->seed);
    snprintf(pr->purpose, sizeof(pr->purpose), "simulated case question");
    pr->nparticipants = cs->p.nparts;
    for (unsigned i = 0; i < cs->p.nparts; i++) {
        struct sp_proposal_participant *pp = &pr->participants[i];
        snprintf(pp->name, sizeof(pp->name), "%s", s->node[cs->p.order[i]].name);
        snprintf(pp->legal_basis, sizeof(pp->legal_basis), "test");
        pp->key_types = cs->list.type_mask;
    }
    pr->min_holders = 1;
    pr->mode = SP_PROPOSAL_MODE_CASE;
    pr->counter = (uint8_t)s->view[0].initiator;
    pr->max_set_size = 100000;
    pr->created_at = SIM_WALL_T0 / 1000;
    pr->expires_at = pr->created_at + 3600;
    pr->deadline_s = CASE_DEADLINE_S;
    pr->retention_days = 30;
    for (int t = 0; t < SP_KEY_TYPE_COUNT; t++)
        pr->case_sizes[t] = t < 17 ? cs->list.sizes[t] : 0;
    pr->tell_holders = cs->p.tell;
}

static void push_step(struct sim *s, uint64_t at, unsigned node, uint32_t step)
{
    struct sim_event ev = {.at = at, .kind = SIM_EV_CASE, .node = (uint8_t)node, .gen = step};
    sim_push(s, &ev);
}

/* The faults that act after the question is asked. */
static void schedule_after_ask(struct sim *s)
{
    const struct case_plan *p = &s->cs->p;
    struct sim_event ev = {.at = s->now + p->fault_at, .node = (uint8_t)p->fault_node};
    if (p->fault == SIM_FAULT_STOP || p->fault == SIM_FAULT_RESTART) {
        ev.kind = SIM_EV_STOP;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_RESTART) {
        ev.kind = SIM_EV_RESTART;
        ev.at = s->restart_at = s->now + p->fault_at + p->back_after;
        sim_push(s, &ev);
    }
    if (p->fault == SIM_FAULT_ROTATE)
        push_step(s, s->now + p->fault_at, p->fault_node, STEP_ROTATE);
}

/* The asker's operator asks the question (control CASE_ASK). */
static void ask(struct sim *s)
{
    struct sim_cq *cs = s->cs;
    struct sp_proposal pr;
    struct sp_ctl_reply rep;
    unsigned a = cs->p.asker;
    fill_proposal(s, &pr);
    if (sp_proposal_encode(&pr, cs->prop, sizeof(cs->prop), &cs->prop_len) != 0) {
        cs->ask_refused = true;
        snprintf(cs->msg, sizeof(cs->msg), "the proposal does not encode");
        return;
    }
    memset(&ctl_req, 0, sizeof(ctl_req));
    ctl_req.op = SP_CTL_CASE_ASK;
    ctl_req.case_ask =
        (struct sp_ctl_case_ask){.propose = {.proposal = cs->prop, .proposal_len = cs->prop_len},
                                 .mapping = cs->list.mapping,
                                 .mapping_len = cs->list.mapping_len,
                                 .data = (const uint8_t *)cs->list.csv,
                                 .data_len = cs->list.csv_len};
    cs->asked = true;
    cs->asked_at = s->now;
    int rc = sp_engine_control(s->node[a].eng, &ctl_req, &rep, sim_now(s, a));
    if (rc == 0 && rep.status == 0) {
        memcpy(s->view[0].round_id, rep.round_id, SP_ROUND_ID_BYTES);
        s->view[0].have_id = true;
        sim_log(s, a, "CASE_ASK: %u subjects, %u values", cs->list.nsubjects, cs->list.nv);
    } else {
        cs->ask_refused = true;
        snprintf(cs->msg, sizeof(cs->msg), "%.280s", rep.message);
    }
    sp_ctl_reply_clear(&rep);
    schedule_after_ask(s);
}

/* A new version of the fault node's data: one held case record dropped
 * (sometimes), a list value it did not hold and a value of its own added
 * (so that its outputs change for sure). */
static int change_data(struct sim *s)
{
    struct sim_cq *cs = s->cs;
    unsigned n = cs->p.fault_node;
    struct sim_rng r = sim_rng_fork(s->seed, 0x43434847); /* "CCHG" */
    if (sim_case_data_copy(&cs->changed, &cs->changed_cap, &s->data.node[n]) != 0)
        return -1;
    unsigned sub = (unsigned)sim_rng_below(&r, cs->list.nsubjects);
    char rid[SIM_NAME_MAX];
    snprintf(rid, sizeof(rid), "K%u-%u", n, sub + 1);
    if (sim_rng_chance(&r, 500))
        sim_case_drop_record(&cs->changed, rid);
    unsigned other = (unsigned)sim_rng_below(&r, cs->list.nsubjects);
    snprintf(rid, sizeof(rid), "M%u-%u", n, other + 1);
    if (sim_case_hold(&cs->changed, &cs->changed_cap, &cs->list, other,
                      some_types(&r, subject_types(&cs->list, other)),
                      cs->list.company[other] ? "bedrijven" : "personen", rid) < 0)
        return -1;
    struct sim_key k = {.type = SP_KEY_ADDRESS, .klass = 1, .version = 2}; /* always kept */
    k.len = (uint8_t)snprintf((char *)k.value, sizeof(k.value), "%snew-%u", SIM_VALUE_MARK, n);
    snprintf(k.dataset, sizeof(k.dataset), "registratie");
    snprintf(k.record_id, sizeof(k.record_id), "X%u", n);
    if (cs->changed.nkeys == cs->changed_cap) {
        struct sim_key *g = realloc(cs->changed.keys, (cs->changed_cap + 1) * sizeof(*g));
        if (g == NULL)
            return -1;
        cs->changed.keys = g;
        cs->changed_cap++;
    }
    cs->changed.keys[cs->changed.nkeys++] = k;
    sim_data_sort(&cs->changed);
    return 0;
}

static void change(struct sim *s)
{
    struct sim_cq *cs = s->cs;
    unsigned n = cs->p.fault_node;
    struct sp_ctl_case_own own = {0};
    if (!s->node[n].up || change_data(s) != 0) {
        s->oom = s->oom || s->node[n].up;
        return;
    }
    (void)status(s, n, &own, SIM_MAX_NODES, NULL);
    cs->v0 = own.version;
    s->node[n].store.data = &cs->changed; /* a walk already open keeps the old version */
    cs->swapped = true;
    s->fired = true;
    sim_log(s, n, "FAULT: a new version of its data (outputs at version %llu)",
            (unsigned long long)cs->v0);
    if (s->node[n].eng != NULL)
        sp_engine_datasets_changed(s->node[n].eng, sim_now(s, n));
}

/* The fault node's sync of the change is committed. */
static bool synced(struct sim *s)
{
    struct sp_ctl_case_own own;
    return status(s, s->cs->p.fault_node, &own, SIM_MAX_NODES, NULL) && own.ready &&
           own.version > s->cs->v0;
}

static void rotate(struct sim *s, unsigned n)
{
    struct sp_ctl_reply rep;
    if (!s->node[n].up || s->node[n].eng == NULL)
        return;
    memset(&ctl_req, 0, sizeof(ctl_req));
    ctl_req.op = SP_CTL_CASE_EPOCH;
    ctl_req.case_epoch.rotate = true;
    int rc = sp_engine_control(s->node[n].eng, &ctl_req, &rep, sim_now(s, n));
    sim_log(s, n, "FAULT: CASE_EPOCH rotate: %s", rc == 0 ? "begun" : rep.message);
    s->cs->rotated = s->cs->rotated || rc == 0;
    s->fired = s->fired || rc == 0;
    sp_ctl_reply_clear(&rep);
}

/* Polling for the set-up, then the question (or the change first). */
static void poll(struct sim *s, uint32_t step)
{
    struct sim_cq *cs = s->cs;
    bool go = step == STEP_POLL ? ready(s) : synced(s);
    if (!go) {
        if (s->now > CASE_SETUP_MAX)
            cs->setup_stuck = true;
        else
            push_step(s, s->now + CASE_POLL_MS, cs->p.asker, step);
        return;
    }
    if (step == STEP_POLL && cs->p.fault == SIM_FAULT_CHANGE) {
        change(s);
        cs->change_raced = !cs->p.change_wait;
        if (cs->p.change_wait) {
            push_step(s, s->now + CASE_POLL_MS, cs->p.asker, STEP_SYNCED);
            return;
        }
    }
    ask(s);
}

void sim_case_event(struct sim *s, const struct sim_event *ev)
{
    if (s->cs == NULL)
        return;
    switch (ev->gen) {
    case STEP_POLL:
    case STEP_SYNCED:
        poll(s, ev->gen);
        break;
    case STEP_ASK:
        if (s->cs->p.fault == SIM_FAULT_CHANGE) {
            change(s); /* races the set-up and the sync */
            s->cs->change_raced = true;
        }
        ask(s);
        break;
    case STEP_ROTATE:
        rotate(s, ev->node);
        break;
    }
}

bool sim_case_quiet(const struct sim *s)
{
    for (unsigned i = 0; i < s->nnodes; i++) {
        const struct sim_node *n = &s->node[i];
        if (n->up && n->eng != NULL && sp_engine_rounds_active(n->eng) > 0)
            return false;
    }
    return true;
}

/* ---- the lies and the send port ---------------------------------------- */

/* Another key (valid points, every lookup misses) or points of low order
 * (refused as invalid elements). */
static void lie_answer(struct sim *s, struct sp_peer_msg *m, uint8_t *buf)
{
    size_t at = 0;
    uint8_t k[32];
    for (size_t i = 0; i < sizeof(k); i++)
        k[i] = (uint8_t)sim_rng_next(&s->cs->lie_rng);
    for (uint32_t g = 0; g < m->case_answer.ngroups; g++) {
        struct sp_peer_case_group *grp = &m->case_answer.groups[g];
        for (uint32_t i = 0; i < grp->nelements; i++) {
            uint8_t *e = buf + (at + i) * 32;
            /* not in place: libsodium's X25519 may use its output as scratch */
            if (s->fault == SIM_FAULT_LIE_KEY &&
                crypto_scalarmult(e, k, grp->elements + (size_t)i * 32) == 0)
                continue;
            memset(e, 0, 32); /* u = 0 or 1: of small order */
            e[0] = (uint8_t)((at + i) & 1u);
        }
        grp->elements = buf + at * 32;
        at += grp->nelements;
    }
}

static bool lie(struct sim *s, unsigned from, struct sp_peer_msg *m, uint8_t **out, size_t *olen)
{
    struct sim_node *node = &s->node[from];
    if ((s->fault != SIM_FAULT_LIE_KEY && s->fault != SIM_FAULT_LIE_GARBAGE) ||
        from != s->fault_node || node->lie_done || m->type != SP_PEER_CASE_ANSWER ||
        !s->view[0].have_id || memcmp(m->round_id, s->view[0].round_id, SP_ROUND_ID_BYTES) != 0)
        return false;
    uint8_t *buf = malloc((size_t)SP_PEER_CASE_MAX_VALUES * 32);
    if (buf == NULL)
        return false;
    lie_answer(s, m, buf);
    bool ok = sp_peer_encode_alloc(m, out, olen) == 0;
    free(buf);
    if (ok) {
        node->lie_done = true;
        s->fired = true;
        sim_log(s, from, "LIE: CASE_ANSWER %s",
                s->fault == SIM_FAULT_LIE_KEY ? "under another key" : "with points of small order");
    }
    return ok;
}

bool sim_case_on_send(struct sim *s, unsigned from, unsigned to, const uint8_t *bytes, size_t len,
                      uint8_t **out, size_t *olen)
{
    struct sp_peer_msg m;
    (void)to;
    s->net.msg_type = 0;
    if (sp_peer_decode(bytes, len, &m) != 0)
        return false;
    s->net.msg_type = m.type;
    bool changed = lie(s, from, &m, out, olen);
    sp_peer_msg_clear(&m);
    return changed;
}

/* ---- the checks ---------------------------------------------------------- */

/* A case failure's class (README.md): why the asker recorded a partner as
 * not answering, or a partner's reason. */
static const char *case_class(const char *why)
{
    static const struct {
        const char *word, *cls;
    } t[] = {
        {"being computed", "being computed"},
        {"case_max_values", "limit"},
        {"case_key_types", "limit"},
        {"per_epoch", "limit"},
        {"not valid group elements", "invalid elements"},
        {"filter could not be brought", "filter late"},
        {"no answer before the deadline", "no answer"},
        {"replayed", "replay"},
        {"in state", "peer had failed"},
        {"cannot send", "cannot send"},
        {"busy", "cannot send"},
        {"restarted", "node restarted"},
        {"shut down", "node restarted"},
        {"unreachable", "peer unreachable"},
        {"refused a message", "peer error"},
        {"deadline", "deadline"},
        {"aborted", "aborted"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strstr(why, t[i].word) != NULL)
            return t[i].cls;
    return "other";
}

/* Which classes each fault explains (README.md, "Case questions"). */
static bool case_explains(const struct sim *s, const char *cls)
{
    static const char *const table[SIM_FAULT_COUNT] = {
        [SIM_FAULT_DROP] = "|no answer|filter late|deadline|",
        [SIM_FAULT_DUP] = "|replay|peer error|filter late|deadline|no answer|",
        [SIM_FAULT_REORDER] = "|filter late|deadline|peer error|",
        [SIM_FAULT_CORRUPT] = "*",
        [SIM_FAULT_STOP] = "|no answer|filter late|peer unreachable|",
        [SIM_FAULT_RESTART] = "|aborted|no answer|filter late|node restarted|being computed|"
                              "deadline|peer unreachable|",
        [SIM_FAULT_BUSY] = "|cannot send|no answer|deadline|filter late|",
        [SIM_FAULT_ROTATE] = "|being computed|filter late|deadline|",
        [SIM_FAULT_LIE_GARBAGE] = "|invalid elements|deadline|",
        [SIM_FAULT_LIMIT] = "|limit|",
    };
    char key[64];
    if (strcmp(cls, "being computed") == 0 && s->cs->p.race)
        return true; /* the question raced the set-up */
    if (!s->fired || s->fault <= SIM_FAULT_NONE || s->fault >= SIM_FAULT_COUNT ||
        table[s->fault] == NULL)
        return false;
    if (strcmp(table[s->fault], "*") == 0 || strcmp(cls, "peer had failed") == 0)
        return true;
    snprintf(key, sizeof(key), "|%s|", cls);
    return strstr(table[s->fault], key) != NULL;
}

static const struct sp_round_meta *meta_of(struct sim *s, unsigned n)
{
    static struct sp_round_meta m;
    const struct sim_blob *b = sim_store_round_get(&s->node[n].store, s->view[0].round_id);
    if (b == NULL || sp_round_meta_decode(b->p, b->len, &m) != 0)
        return NULL;
    return &m;
}

/* The partners the asker recorded as not answering: its reason names each
 * as "name: why", separated by "; ". */
static uint32_t failed_partners(const struct sim *s, const char *reason, const char **why)
{
    uint32_t f = 0;
    for (unsigned n = 0; n < s->nnodes; n++) {
        char key[16];
        snprintf(key, sizeof(key), "%s: ", s->node[n].name);
        for (const char *at = strstr(reason, key); at != NULL; at = strstr(at + 1, key))
            if (at == reason || (at >= reason + 2 && at[-2] == ';' && at[-1] == ' ')) {
                f |= bit(n);
                why[n] = at + strlen(key);
                break;
            }
    }
    return f;
}

/* The asker's committed rows about partner name, as sorted texts. */
static size_t rows_of(const struct sim_results *res, const char *name,
                      char (*out)[SIM_CASE_ROW_TEXT])
{
    size_t n = 0;
    for (size_t i = 0; res != NULL && i < res->nrows; i++)
        if (strcmp(res->rows[i].partner, name) == 0)
            sim_case_row_text(&res->rows[i], out[n++]);
    sim_case_rows_sort(out, n);
    return n;
}

static size_t rows_about(const struct sim_results *res, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nrows; i++)
        n += strcmp(res->rows[i].partner, name) == 0;
    return n;
}

static bool rows_equal(char (*a)[SIM_CASE_ROW_TEXT], size_t na, char (*b)[SIM_CASE_ROW_TEXT],
                       int nb)
{
    if (nb < 0 || na != (size_t)nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

/* What each partner's answer matched: the oracle on its current data, or,
 * when the question raced a change, on the data before it. */
struct matched {
    bool ok;
    uint64_t found[2][2]; /* [variant]: values found */
    bool variant[2];      /* which variants match */
};

static void check_partner_rows(struct sim *s, unsigned p, const struct sim_results *res,
                               struct matched *mt, struct sim_result *r)
{
    struct sim_cq *cs = s->cs;
    const char *name = s->node[p].name;
    char(*got)[SIM_CASE_ROW_TEXT] = calloc(res ? res->nrows + 1 : 1, SIM_CASE_ROW_TEXT);
    if (got == NULL) {
        s->oom = true;
        return;
    }
    size_t ng = rows_of(res, name, got);
    const struct sim_node_data *now = s->node[p].store.data;
    const struct sim_node_data *before = &s->data.node[p];
    bool racing = cs->change_raced && p == cs->p.fault_node;
    for (int v = 0; v < 2; v++) {
        char(*want)[SIM_CASE_ROW_TEXT] = NULL;
        if (v == 1 && !racing)
            break;
        int nw = sim_case_expect_asker(&cs->list, v == 0 ? now : before, name, &want, mt->found[v]);
        mt->variant[v] = rows_equal(got, ng, want, nw);
        if (s->fault == SIM_FAULT_LIE_KEY && p == s->fault_node && s->node[p].lie_done) {
            mt->variant[v] = ng == 0; /* another key: misses only, and nothing to tell */
            memset(mt->found[v], 0, sizeof(mt->found[v]));
        }
        mt->ok = mt->ok || mt->variant[v];
        free(want);
    }
    if (!mt->ok)
        sim_set_outcome(r, SIM_OUT_WRONG,
                        "the asker's rows about %s: %zu rows%s%s, not the oracle's", name, ng,
                        ng ? ", the first " : "", ng ? got[0] : "");
    free(got);
}

/* Exactly one row with no partner for each subject no answering partner
 * knows, and rows only about the list's subjects and partners. */
static void check_empty_rows(struct sim *s, const struct sim_results *res, struct sim_result *r)
{
    const struct sim_case_list *l = &s->cs->list;
    for (unsigned sub = 0; sub < l->nsubjects; sub++) {
        unsigned known = 0, empty = 0;
        for (size_t i = 0; i < res->nrows; i++) {
            if (strcmp(res->rows[i].record_id, l->id[sub]) != 0)
                continue;
            if (res->rows[i].partner[0] == '\0')
                empty += res->rows[i].key_types == 0 && res->rows[i].klass == 0;
            else
                known++;
        }
        if ((known == 0) != (empty == 1) || empty > 1)
            sim_set_outcome(r, SIM_OUT_WRONG, "subject %s: %u rows with partners, %u without",
                            l->id[sub], known, empty);
    }
    for (size_t i = 0; i < res->nrows; i++) {
        const struct sim_row *row = &res->rows[i];
        bool subject = false, partner = row->partner[0] == '\0';
        for (unsigned sub = 0; sub < l->nsubjects; sub++)
            subject = subject || strcmp(row->record_id, l->id[sub]) == 0;
        for (unsigned n = 0; n < s->nnodes; n++)
            partner = partner ||
                      ((s->cs->p.partners & bit(n)) && strcmp(row->partner, s->node[n].name) == 0);
        if (!subject || !partner || strcmp(row->dataset, "case") != 0)
            sim_set_outcome(r, SIM_OUT_WRONG, "the asker stored a row about %s,%s,%s", row->dataset,
                            row->record_id, row->partner);
    }
}

/* A failure (the asker's why about a partner, or a partner's reason). */
static void failure(struct sim *s, const char *who, const char *why, struct sim_result *r)
{
    const char *cls = case_class(why);
    r->failed++;
    if (r->reason_class[0] == '\0') {
        snprintf(r->reason_class, sizeof(r->reason_class), "%s", cls);
        if (r->outcome == SIM_OUT_DONE)
            snprintf(r->why, sizeof(r->why), "%s: %.400s", who, why);
    }
    if (!case_explains(s, cls))
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "%s: %s (%s), which %s%s does not explain", who,
                        why, cls, s->fired ? "" : "an unfired ", sim_fault_name(s->fault));
    else if (r->outcome == SIM_OUT_DONE)
        r->outcome = SIM_OUT_FAILED;
}

/* What a partner stored: with tell_holders its records holding a found
 * value (none when it moved to another epoch meanwhile), else nothing. */
static void check_told(struct sim *s, unsigned p, const struct matched *mt, struct sim_result *r)
{
    struct sim_cq *cs = s->cs;
    const struct sim_results *res = sim_store_results(&s->node[p].store, s->view[0].round_id);
    size_t n = res ? res->nrows : 0;
    char(*got)[SIM_CASE_ROW_TEXT] = calloc(n + 1, SIM_CASE_ROW_TEXT);
    bool ok = cs->rotated && n == 0;
    if (got == NULL) {
        s->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        sim_case_row_text(&res->rows[i], got[i]);
    sim_case_rows_sort(got, n);
    for (int v = 0; v < 2 && cs->p.tell && mt != NULL; v++) {
        char(*want)[SIM_CASE_ROW_TEXT] = NULL;
        if (!mt->variant[v])
            continue;
        int nw = sim_case_expect_partner(&cs->list, s->node[p].store.data, mt->found[v],
                                         s->node[cs->p.asker].name, &want);
        ok = ok || rows_equal(got, n, want, nw);
        free(want);
    }
    if (!cs->p.tell)
        ok = n == 0;
    if (res == NULL || !res->committed || !ok)
        sim_set_outcome(r, SIM_OUT_WRONG, "%s is done with %zu rows (%s), not what it was told",
                        s->node[p].name, n, n ? got[0] : "none");
    free(got);
}

static void check_partner(struct sim *s, unsigned p, bool answered, const struct matched *mt,
                          struct sim_result *r)
{
    struct sim_node *node = &s->node[p];
    const struct sp_round_meta *m = meta_of(s, p);
    if (!node->up) {
        r->stopped++;
        return;
    }
    if (m == NULL) {
        r->unreached++;
        if (answered || !s->fired)
            sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "%s never heard of the question%s", node->name,
                            answered ? " but answered it" : "");
        return;
    }
    if (!sp_round_state_terminal(m->state)) {
        sim_set_outcome(r, SIM_OUT_STUCK, "%s still %s at %llu ms", node->name,
                        sp_round_state_name(m->state), (unsigned long long)s->now);
        return;
    }
    if (m->state == SP_ROUND_DONE) {
        r->done++;
        node->rounds_done++;
        if (s->cs->p.tell && !answered)
            sim_set_outcome(r, SIM_OUT_WRONG, "%s is done, told by an asker that did not count it",
                            node->name);
        else
            check_told(s, p, answered ? mt : NULL, r);
        return;
    }
    node->rounds_failed += m->state == SP_ROUND_FAILED;
    failure(s, node->name, m->reason, r);
}

/* The asker: done, with the oracle's rows for every partner that answered
 * and none for the others, each of which the fault explains; then each
 * partner's own record. */
static void check_asker(struct sim *s, struct sim_result *r)
{
    struct sim_cq *cs = s->cs;
    unsigned a = cs->p.asker;
    const struct sp_round_meta *m = meta_of(s, a);
    const char *why[SIM_MAX_NODES] = {0};
    static struct matched mt[SIM_MAX_NODES];
    if (m == NULL || !sp_round_state_terminal(m->state)) {
        sim_set_outcome(r, m ? SIM_OUT_STUCK : SIM_OUT_WRONG, "the asker's question %s",
                        m ? sp_round_state_name(m->state) : "has no record");
        return;
    }
    if (m->state != SP_ROUND_DONE) { /* the whole question failed: no partner counts */
        s->node[a].rounds_failed += m->state == SP_ROUND_FAILED;
        failure(s, s->node[a].name, m->reason, r);
        for (unsigned p = 0; p < s->nnodes; p++)
            if (cs->p.partners & bit(p))
                check_partner(s, p, false, NULL, r);
        return;
    }
    r->done++;
    s->node[a].rounds_done++;
    const struct sim_results *res = sim_store_results(&s->node[a].store, s->view[0].round_id);
    if (res == NULL || !res->committed) {
        sim_set_outcome(r, SIM_OUT_WRONG, "the asker is done without committed rows");
        return;
    }
    char reason[sizeof(m->reason)];
    memcpy(reason, m->reason, sizeof(reason)); /* meta_of's storage is reused below */
    reason[sizeof(reason) - 1] = '\0';
    uint32_t failed = failed_partners(s, reason, why);
    memset(mt, 0, sizeof(mt));
    for (unsigned p = 0; p < s->nnodes; p++) {
        if (!(cs->p.partners & bit(p)))
            continue;
        if (failed & bit(p)) {
            if (rows_about(res, s->node[p].name) != 0)
                sim_set_outcome(r, SIM_OUT_WRONG, "rows about %s, which did not answer",
                                s->node[p].name);
            failure(s, s->node[a].name, why[p], r);
        } else {
            check_partner_rows(s, p, res, &mt[p], r);
        }
        check_partner(s, p, !(failed & bit(p)), &mt[p], r);
    }
    check_empty_rows(s, res, r);
}

/* Bystanders have no record; audit entries follow the records; messages
 * and log lines disclose nothing. */
static void check_rest(struct sim *s, struct sim_result *r)
{
    struct sim_round_view *v = &s->view[0];
    for (unsigned n = 0; n < s->nnodes; n++) {
        const struct sim_node *node = &s->node[n];
        if (v->part_of[n] < 0 && sim_store_round_get(&node->store, v->round_id) != NULL)
            sim_set_outcome(r, SIM_OUT_PRIVACY, "%s, no participant, has a record of the question",
                            node->name);
        if (node->audit_results < node->rounds_done)
            sim_set_outcome(r, SIM_OUT_WRONG, "%s is done without a round_result audit entry",
                            node->name);
        if (node->audit_failed < node->rounds_failed)
            sim_set_outcome(r, SIM_OUT_WRONG, "%s failed without a round_failed audit entry",
                            node->name);
    }
    if (v->privacy > 0)
        sim_set_outcome(r, SIM_OUT_PRIVACY, "%s", v->first_privacy);
    if (v->protocol > 0 && !(s->fault == SIM_FAULT_CORRUPT && s->fired))
        sim_set_outcome(r, SIM_OUT_WRONG, "protocol: %s", v->first_protocol);
    if (s->privacy_texts > 0)
        sim_set_outcome(r, SIM_OUT_PRIVACY, "%llu log lines name a value",
                        (unsigned long long)s->privacy_texts);
}

static void check_all(struct sim *s, struct sim_result *r)
{
    struct sim_cq *cs = s->cs;
    r->fired = s->fired = s->fired || s->net.fired > 0;
    if (cs->setup_stuck)
        sim_set_outcome(r, SIM_OUT_STUCK, "the partners' set-up was not complete at %u s",
                        CASE_SETUP_MAX / 1000);
    else if (cs->ask_refused)
        sim_set_outcome(r, SIM_OUT_UNEXPLAINED, "CASE_ASK refused: %s", cs->msg);
    else if (!cs->asked)
        sim_set_outcome(r, SIM_OUT_STUCK, "the question was never asked");
    else
        check_asker(s, r);
    check_rest(s, r);
}

/* ---- a schedule ------------------------------------------------------- */

static void print_plan(const struct sim *s, FILE *out)
{
    const struct sim_cq *cs = s->cs;
    fprintf(out, "seed %llu: case question: %u nodes, asker %s, partners",
            (unsigned long long)s->seed, s->nnodes, s->node[cs->p.asker].name);
    for (unsigned n = 0; n < s->nnodes; n++)
        if (cs->p.partners & bit(n))
            fprintf(out, " %s", s->node[n].name);
    fprintf(out, "; %u subjects, %u values (types %#x); tell %s, %s; fault %s", cs->list.nsubjects,
            cs->list.nv, cs->list.type_mask, cs->p.tell ? "yes" : "no",
            cs->p.race ? "racing the set-up" : "after the set-up", sim_fault_name(cs->p.fault));
    if (sim_fault_is_message(cs->p.fault))
        fprintf(out, " of %s", sp_peer_type_name(cs->p.target));
    if (cs->p.fault != SIM_FAULT_NONE)
        fprintf(out, " at node %s", s->node[cs->p.fault_node].name);
    fprintf(out, "\n");
}

/* On replay: every node's committed rows of the question. */
static void print_rows(const struct sim *s, FILE *out)
{
    for (unsigned n = 0; n < s->nnodes && s->view[0].have_id; n++) {
        const struct sim_results *res = sim_store_results(&s->node[n].store, s->view[0].round_id);
        for (size_t i = 0; res != NULL && i < res->nrows; i++) {
            char t[SIM_CASE_ROW_TEXT];
            sim_case_row_text(&res->rows[i], t);
            fprintf(out, "  row at %s: %s\n", s->node[n].name, t);
        }
    }
}

static void report(const struct sim *s, const struct sim_result *r, FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        return;
    print_plan(s, m);
    fprintf(m, "seed %llu: %s: %s\n", (unsigned long long)s->seed, sim_outcome_name(r->outcome),
            r->why);
    if (s->opt->verbose)
        print_rows(s, m);
    fprintf(m, "replay: SP_SIM_SEED=%llu build/tests/sim-campaign\nlast log lines:\n",
            (unsigned long long)s->seed);
    sim_print_log(s, m);
    if (fclose(m) == 0) {
        fflush(out);
        fwrite(buf, 1, len, out);
        fflush(out);
    }
    free(buf);
}

static void setup(struct sim *s, struct sim_result *r)
{
    struct sim_cq *cs = s->cs;
    const struct case_plan *p = &cs->p;
    setup_nodes(s);
    setup_view(s);
    s->fault = p->fault;
    s->fault_node = p->fault_node;
    s->lied_to = SIM_MAX_NODES;
    s->busy_left = p->budget;
    sim_net_init(&s->net, s->seed, p->fault, p->per_mille, p->budget, 1, 12, 4000);
    s->net.only_type = p->target;
    cs->lie_rng = sim_rng_fork(s->seed, 0x434c4945); /* "CLIE" */
    if (p->fault == SIM_FAULT_LIMIT)
        s->fired = true; /* the limit holds from the start */
    r->fault = p->fault;
    r->nodes = p->nnodes;
    r->rounds = 1;
    r->participants = p->nparts;
    r->mode = SP_PROPOSAL_MODE_CASE;
    r->k = 1;
}

int sim_case_run(struct sim *s, struct sim_result *r)
{
    int err = 0;
    if ((s->cs = calloc(1, sizeof(*s->cs))) == NULL)
        return -1;
    draw_plan(&s->cs->p, s->seed);
    if (make_data(s) != 0) {
        sim_teardown(s);
        return -1;
    }
    setup(s, r);
    for (unsigned i = 0; i < s->nnodes && err == 0; i++)
        err = sim_start_engine(s, i);
    s->now = 1;
    if (err == 0) {
        if (s->cs->p.race)
            push_step(s, s->cs->p.ask_at, s->cs->p.asker, STEP_ASK);
        else
            push_step(s, CASE_POLL_MS, s->cs->p.asker, STEP_POLL);
        sim_loop(s, CASE_HORIZON, &r->events);
    }
    if (err != 0 || s->oom) {
        sim_teardown(s);
        return -1;
    }
    check_all(s, r);
    r->sim_ms = s->now;
    r->messages = s->messages;
    if (s->opt->verbose || (r->outcome != SIM_OUT_DONE && r->outcome != SIM_OUT_FAILED))
        report(s, r, s->opt->out ? s->opt->out : stdout);
    sim_teardown(s);
    return 0;
}

void sim_case_end(struct sim *s)
{
    if (s->cs == NULL)
        return;
    sim_case_list_free(&s->cs->list);
    free(s->cs->changed.keys);
    free(s->cs);
    s->cs = NULL;
    s->case_list = NULL;
}
