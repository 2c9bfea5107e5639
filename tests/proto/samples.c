/*
 * The sample messages that the golden fixtures encode, and field-by-field
 * comparison of decoded structs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "support.h"

static const uint8_t round_id[SP_ROUND_ID_BYTES] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

static void fill(uint8_t *p, size_t n, uint8_t start, uint8_t step)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i * step);
}

/* ---- proposal ---- */

static void participant(struct sp_proposal *p, const char *name, const char *oin, const char *basis,
                        uint32_t mask)
{
    struct sp_proposal_participant *pt = &p->participants[p->nparticipants++];

    snprintf(pt->name, sizeof(pt->name), "%s", name);
    snprintf(pt->oin, sizeof(pt->oin), "%s", oin);
    snprintf(pt->legal_basis, sizeof(pt->legal_basis), "%s", basis);
    pt->key_types = mask;
}

void sample_proposal(struct sp_proposal *p)
{
    memset(p, 0, sizeof(*p));
    memcpy(p->round_id, round_id, sizeof(round_id));
    snprintf(p->coordinator, sizeof(p->coordinator), "RIEC Midden-Nederland, J. de Vries");
    snprintf(p->case_ref, sizeof(p->case_ref), "RIEC-MN-2024-017");
    /* U+2014 EM DASH: multi-byte UTF-8 travels unchanged. */
    snprintf(p->purpose, sizeof(p->purpose), "Ondermijning \xe2\x80\x94 casus 2024-017");
    participant(p, "politie-mn", "00000001003214345000", "Art. 20 Wpg",
                SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB) |
                    SP_KEY_MASK(SP_KEY_ADDR_DOB));
    participant(p, "gemeente-utrecht", "", "Convenant RIEC art. 3.1",
                SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_ADDRESS));
    participant(p, "belastingdienst", "00000003003214345000", "Art. 43c AWR",
                SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_KVK) | SP_KEY_MASK(SP_KEY_IBAN));
    p->min_holders = 2;
    p->mode = SP_PROPOSAL_MODE_PARTNERS;
    p->counter = 1;
    p->max_set_size = 1000000;
    p->created_at = 1732800000;
    p->expires_at = 1732886400;
    p->deadline_s = 3600;
    p->retention_days = 90;
}

/* A case question: politie-mn (participant 0, the asker) asks about three
 * BSNs and two KvK numbers; belastingdienst answers for both key types. */
void sample_case_proposal(struct sp_proposal *p)
{
    const uint32_t mask = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_KVK);

    memset(p, 0, sizeof(*p));
    memcpy(p->round_id, round_id, sizeof(round_id));
    snprintf(p->coordinator, sizeof(p->coordinator), "RIEC Midden-Nederland, J. de Vries");
    snprintf(p->case_ref, sizeof(p->case_ref), "RIEC-MN-2026-014");
    snprintf(p->purpose, sizeof(p->purpose), "Casusoverleg vastgoed");
    participant(p, "politie-mn", "00000001003214345000", "Art. 20 Wpg", mask);
    participant(p, "belastingdienst", "00000003003214345000", "Art. 43c AWR",
                mask | SP_KEY_MASK(SP_KEY_IBAN));
    p->min_holders = 1;
    p->mode = SP_PROPOSAL_MODE_CASE;
    p->counter = 0;
    p->max_set_size = 5;
    p->created_at = 1765100000;
    p->expires_at = 1765186400;
    p->deadline_s = 600;
    p->retention_days = 30;
    p->case_sizes[SP_KEY_BSN] = 3;
    p->case_sizes[SP_KEY_KVK] = 2;
    p->tell_holders = true;
}

/* ---- peer ---- */

static uint8_t proposal_bytes[SP_PROPOSAL_MAX_BYTES];
static uint8_t signature[SP_PEER_SIGNATURE_BYTES];
static uint8_t cert[40];
static uint8_t elements[3 * SP_PEER_ELEMENT_BYTES];
static const uint32_t holders[] = {0x3, 0x0, 0x7};
static const struct sp_peer_count counts[] = {{1, 0x3, 120}, {1, 0x7, 5}, {3, 0x5, 66000}};
static const struct sp_peer_subject_count subjects[] = {
    {SP_ENTITY_PERSON, 0x3, 95}, {SP_ENTITY_PERSON, 0x7, 4}, {SP_ENTITY_ADDRESS, 0x5, 300}};

static void head(struct sp_peer_msg *m, int type)
{
    memset(m, 0, sizeof(*m));
    m->type = (uint8_t)type;
    memcpy(m->round_id, round_id, sizeof(round_id));
}

static void build_propose(struct sp_peer_msg *m)
{
    struct sp_proposal p;
    size_t len = 0;

    sample_proposal(&p);
    if (sp_proposal_encode(&p, proposal_bytes, sizeof(proposal_bytes), &len) != 0)
        abort();
    fill(signature, sizeof(signature), 0x40, 1);
    fill(cert, sizeof(cert), 0x30, 7);
    head(m, SP_PEER_PROPOSE);
    m->propose = (struct sp_peer_propose){proposal_bytes,    len,  signature,
                                          sizeof(signature), cert, sizeof(cert)};
}

/* The proposal without signature and certificate (PROPOSE, ROUND_SUBMIT). */
static void unsign(struct sp_peer_propose *p)
{
    p->signature = NULL;
    p->signature_len = 0;
    p->signer_cert = NULL;
    p->signer_cert_len = 0;
}

static void build_propose_unsigned(struct sp_peer_msg *m)
{
    build_propose(m);
    unsign(&m->propose);
}

static void build_accept(struct sp_peer_msg *m)
{
    head(m, SP_PEER_ACCEPT);
    m->accept.nset_sizes = 3;
    m->accept.set_sizes[0] = (struct sp_peer_set_size){SP_KEY_BSN, 1200};
    m->accept.set_sizes[1] = (struct sp_peer_set_size){SP_KEY_NAME_DOB, 70000};
    m->accept.set_sizes[2] = (struct sp_peer_set_size){SP_KEY_ADDR_DOB, 5};
}

/* REFUSE, ABORT and ERROR: code and reason. */
static void reason(struct sp_peer_reason *r, int code, const char *text)
{
    r->code = code;
    snprintf(r->reason, sizeof(r->reason), "%s", text);
}

static void build_refuse(struct sp_peer_msg *m)
{
    head(m, SP_PEER_REFUSE);
    reason(&m->refuse, SP_ERR_POLICY, "key type iban not allowed here");
}

static void build_start(struct sp_peer_msg *m)
{
    head(m, SP_PEER_START);
}

static void build_batch(struct sp_peer_msg *m)
{
    fill(elements, sizeof(elements), 1, 3);
    head(m, SP_PEER_BATCH);
    m->batch = (struct sp_peer_batch){2, SP_KEY_NAME_DOB, 7, 1, false, elements, 2};
}

static void build_batch_last_empty(struct sp_peer_msg *m)
{
    head(m, SP_PEER_BATCH);
    m->batch = (struct sp_peer_batch){0, SP_KEY_BSN, 70000, 3, true, NULL, 0};
}

static void build_credit(struct sp_peer_msg *m)
{
    head(m, SP_PEER_CREDIT);
    m->credit = (struct sp_peer_credit){2, SP_KEY_NAME_DOB, 7, SP_PEER_BATCH};
}

static void build_final(struct sp_peer_msg *m)
{
    fill(elements, sizeof(elements), 1, 3);
    head(m, SP_PEER_FINAL);
    m->final = (struct sp_peer_final){SP_KEY_BSN, 300, true, elements, 3};
}

static void build_verdict(struct sp_peer_msg *m)
{
    head(m, SP_PEER_VERDICT);
    m->verdict = (struct sp_peer_verdict){SP_KEY_BSN, 300, true, holders, 3};
}

static void build_verdict_empty(struct sp_peer_msg *m)
{
    head(m, SP_PEER_VERDICT);
    m->verdict = (struct sp_peer_verdict){SP_KEY_KVK, 0, false, NULL, 0};
}

static void build_counts(struct sp_peer_msg *m)
{
    head(m, SP_PEER_COUNTS);
    m->counts = (struct sp_peer_counts){counts, 3};
}

static void build_abort(struct sp_peer_msg *m)
{
    head(m, SP_PEER_ABORT);
    reason(&m->abort, SP_ERR_TIMEOUT, "peer om did not answer within 3600 s");
}

static void build_done(struct sp_peer_msg *m)
{
    head(m, SP_PEER_DONE);
    m->done = (struct sp_peer_done){12, 1200, 3600, {0, 9, 2, 4, 0, 1}, subjects, 3};
}

static void build_error(struct sp_peer_msg *m)
{
    head(m, SP_PEER_ERROR);
    reason(&m->error, SP_ERR_ROUND_UNKNOWN, "");
}

static void build_log_head(struct sp_peer_msg *m)
{
    head(m, SP_PEER_LOG_HEAD);
    snprintf(m->log_head.node, sizeof(m->log_head.node), "politie-mn");
    m->log_head.seq = 4242;
    fill(m->log_head.head_hash, sizeof(m->log_head.head_hash), 0xa0, 1);
    fill(m->log_head.signature, sizeof(m->log_head.signature), 0x10, 3);
}

/* ---- case questions ---- */

static uint8_t case_proposal_bytes[SP_PROPOSAL_MAX_BYTES];
static uint8_t case_elements[5 * SP_PEER_ELEMENT_BYTES];
/* The extremes and a value whose bytes show the little-endian order. */
static const uint64_t fps[] = {UINT64_C(0x0102030405060708), 0, UINT64_MAX,
                               UINT64_C(0x8000000000000001)};

/* Two groups over case_elements: three BSN values, two KvK numbers. */
static void case_groups(struct sp_peer_case_group g[2])
{
    fill(case_elements, sizeof(case_elements), 0x11, 5);
    g[0] = (struct sp_peer_case_group){SP_KEY_BSN, case_elements, 3};
    g[1] = (struct sp_peer_case_group){SP_KEY_KVK, case_elements + 3 * SP_PEER_ELEMENT_BYTES, 2};
}

static void build_case_ask(struct sp_peer_msg *m)
{
    struct sp_proposal p;
    size_t len = 0;

    sample_case_proposal(&p);
    if (sp_proposal_encode(&p, case_proposal_bytes, sizeof(case_proposal_bytes), &len) != 0)
        abort();
    fill(signature, sizeof(signature), 0x40, 1);
    fill(cert, sizeof(cert), 0x30, 7);
    head(m, SP_PEER_CASE_ASK);
    m->case_ask.propose = (struct sp_peer_propose){case_proposal_bytes, len,  signature,
                                                   sizeof(signature),   cert, sizeof(cert)};
    m->case_ask.ngroups = 2;
    case_groups(m->case_ask.groups);
}

static void build_case_answer(struct sp_peer_msg *m)
{
    head(m, SP_PEER_CASE_ANSWER);
    m->case_answer.epoch = 7;
    m->case_answer.version = 300;
    m->case_answer.ngroups = 2;
    case_groups(m->case_answer.groups);
}

static void build_case_tell(struct sp_peer_msg *m)
{
    head(m, SP_PEER_CASE_TELL);
    m->case_tell.epoch = 7;
    m->case_tell.ngroups = 2;
    m->case_tell.groups[0] = (struct sp_peer_fp_group){SP_KEY_BSN, fps, 2};
    m->case_tell.groups[1] = (struct sp_peer_fp_group){SP_KEY_KVK, fps + 2, 1};
}

static void build_case_tell_empty(struct sp_peer_msg *m)
{
    head(m, SP_PEER_CASE_TELL);
    m->case_tell.epoch = 7;
}

static void build_filter_req(struct sp_peer_msg *m)
{
    head(m, SP_PEER_FILTER_REQ);
    m->filter_req = (struct sp_peer_filter_req){7, 299};
}

/* A part of a whole filter: base_version 0, nothing removed. */
static void build_filter(struct sp_peer_msg *m)
{
    head(m, SP_PEER_FILTER);
    m->filter = (struct sp_peer_filter){
        .epoch = 7, .version = 300, .key_type = SP_KEY_BSN, .seq = 0, .added = fps, .nadded = 4};
}

static void build_filter_delta(struct sp_peer_msg *m)
{
    head(m, SP_PEER_FILTER);
    m->filter = (struct sp_peer_filter){7, 300, 299, SP_KEY_KVK, 3, true, fps, 1, fps + 2, 2};
}

/* The last part of a transfer whose last key type had nothing to send. */
static void build_filter_complete(struct sp_peer_msg *m)
{
    head(m, SP_PEER_FILTER);
    m->filter = (struct sp_peer_filter){.epoch = 7, .version = 300, .seq = 4, .complete = true};
}

static void build_progress(struct sp_peer_msg *m)
{
    head(m, SP_PEER_PROGRESS);
    m->progress = (struct sp_peer_progress){SP_PEER_PHASE_COUNTING, 123456, true};
}

const struct peer_sample peer_samples[] = {
    {"peer_propose", build_propose},
    {"peer_propose_unsigned", build_propose_unsigned},
    {"peer_accept", build_accept},
    {"peer_refuse", build_refuse},
    {"peer_start", build_start},
    {"peer_batch", build_batch},
    {"peer_batch_last_empty", build_batch_last_empty},
    {"peer_credit", build_credit},
    {"peer_final", build_final},
    {"peer_verdict", build_verdict},
    {"peer_verdict_empty", build_verdict_empty},
    {"peer_counts", build_counts},
    {"peer_abort", build_abort},
    {"peer_done", build_done},
    {"peer_error", build_error},
    {"peer_log_head", build_log_head},
    {"peer_case_ask", build_case_ask},
    {"peer_case_answer", build_case_answer},
    {"peer_case_tell", build_case_tell},
    {"peer_case_tell_empty", build_case_tell_empty},
    {"peer_filter_req", build_filter_req},
    {"peer_filter", build_filter},
    {"peer_filter_delta", build_filter_delta},
    {"peer_filter_complete", build_filter_complete},
    {"peer_progress", build_progress},
};
const size_t npeer_samples = sizeof(peer_samples) / sizeof(peer_samples[0]);

/* ---- control requests ---- */

static const char mapping_text[] = "separator = ;\nencoding = utf-8\nrecord_id = id\n";
static const char chunk_text[] = "id;naam\r\n1;Jansen\r\n";

static void req(struct sp_ctl_request *q, int op)
{
    memset(q, 0, sizeof(*q));
    q->op = (uint8_t)op;
}

static void build_req_status(struct sp_ctl_request *q)
{
    req(q, SP_CTL_STATUS);
}

static void build_req_load_begin(struct sp_ctl_request *q)
{
    req(q, SP_CTL_LOAD_BEGIN);
    snprintf(q->load_begin.dataset, sizeof(q->load_begin.dataset), "personen_2024");
    q->load_begin.mapping = mapping_text;
    q->load_begin.mapping_len = strlen(mapping_text);
    q->load_begin.total_bytes = 123456789;
}

static void build_req_load_chunk(struct sp_ctl_request *q)
{
    req(q, SP_CTL_LOAD_CHUNK);
    q->load_chunk = (struct sp_ctl_load_chunk){7, (const uint8_t *)chunk_text, strlen(chunk_text)};
}

static void build_req_load_end(struct sp_ctl_request *q)
{
    req(q, SP_CTL_LOAD_END);
    q->load_end = (struct sp_ctl_load_end){7, true};
}

static void build_req_datasets(struct sp_ctl_request *q)
{
    req(q, SP_CTL_DATASETS);
}

static void build_req_round_start(struct sp_ctl_request *q)
{
    req(q, SP_CTL_ROUND_START);
    sample_proposal(&q->round_start);
    /* Not on the wire: the daemon fills them. */
    memset(q->round_start.round_id, 0, sizeof(q->round_start.round_id));
    q->round_start.created_at = 0;
}

static void build_req_rounds_all(struct sp_ctl_request *q)
{
    req(q, SP_CTL_ROUNDS);
    q->rounds.all = true;
}

static void build_req_rounds_one(struct sp_ctl_request *q)
{
    req(q, SP_CTL_ROUNDS);
    memcpy(q->rounds.round_id, round_id, sizeof(round_id));
}

static void build_req_results(struct sp_ctl_request *q)
{
    req(q, SP_CTL_RESULTS);
    memcpy(q->results.round_id, round_id, sizeof(round_id));
    q->results.offset = 10000;
    q->results.limit = 500;
}

static void build_req_subjects(struct sp_ctl_request *q)
{
    q->op = SP_CTL_SUBJECTS;
    memcpy(q->subjects.round_id, round_id, sizeof(round_id));
}

static void build_req_counts(struct sp_ctl_request *q)
{
    req(q, SP_CTL_COUNTS);
    memcpy(q->counts.round_id, round_id, sizeof(round_id));
}

static void build_req_round_cancel(struct sp_ctl_request *q)
{
    req(q, SP_CTL_ROUND_CANCEL);
    memcpy(q->round_cancel.round_id, round_id, sizeof(round_id));
}

static void build_req_audit_export(struct sp_ctl_request *q)
{
    req(q, SP_CTL_AUDIT_EXPORT);
    q->audit_export = (struct sp_ctl_audit_req){1, 1000};
}

static void build_req_audit_head(struct sp_ctl_request *q)
{
    req(q, SP_CTL_AUDIT_HEAD);
}

/* The PROPOSE sample's proposal, signature and certificate (build_propose
 * fills the shared buffers). */
static void build_req_round_submit(struct sp_ctl_request *q)
{
    struct sp_peer_msg m;

    build_propose(&m);
    req(q, SP_CTL_ROUND_SUBMIT);
    q->round_submit = m.propose;
}

static void build_req_round_submit_unsigned(struct sp_ctl_request *q)
{
    build_req_round_submit(q);
    unsign(&q->round_submit);
}

static void build_req_backup(struct sp_ctl_request *q)
{
    req(q, SP_CTL_BACKUP);
    snprintf(q->backup.path, sizeof(q->backup.path), "/var/lib/snijpunt/backup/2026-12-07.mdb");
    q->backup.force = true;
}

/* The CASE_ASK sample's signed proposal, the mapping and a case list. */
static void build_req_case_ask(struct sp_ctl_request *q)
{
    static const char list[] = "id;bsn\r\nS1;111222333\r\n";
    struct sp_peer_msg m;

    build_case_ask(&m);
    req(q, SP_CTL_CASE_ASK);
    q->case_ask = (struct sp_ctl_case_ask){m.case_ask.propose, mapping_text, strlen(mapping_text),
                                           (const uint8_t *)list, strlen(list)};
}

static void build_req_case_status(struct sp_ctl_request *q)
{
    req(q, SP_CTL_CASE_STATUS);
}

static void build_req_case_epoch(struct sp_ctl_request *q)
{
    req(q, SP_CTL_CASE_EPOCH);
    q->case_epoch.rotate = true;
}

const struct request_sample request_samples[] = {
    {"ctl_req_status", build_req_status},
    {"ctl_req_load_begin", build_req_load_begin},
    {"ctl_req_load_chunk", build_req_load_chunk},
    {"ctl_req_load_end", build_req_load_end},
    {"ctl_req_datasets", build_req_datasets},
    {"ctl_req_round_start", build_req_round_start},
    {"ctl_req_rounds_all", build_req_rounds_all},
    {"ctl_req_rounds_one", build_req_rounds_one},
    {"ctl_req_results", build_req_results},
    {"ctl_req_counts", build_req_counts},
    {"ctl_req_subjects", build_req_subjects},
    {"ctl_req_round_cancel", build_req_round_cancel},
    {"ctl_req_audit_export", build_req_audit_export},
    {"ctl_req_audit_head", build_req_audit_head},
    {"ctl_req_round_submit", build_req_round_submit},
    {"ctl_req_round_submit_unsigned", build_req_round_submit_unsigned},
    {"ctl_req_backup", build_req_backup},
    {"ctl_req_case_ask", build_req_case_ask},
    {"ctl_req_case_status", build_req_case_status},
    {"ctl_req_case_epoch", build_req_case_epoch},
};
const size_t nrequest_samples = sizeof(request_samples) / sizeof(request_samples[0]);

/* ---- control replies ---- */

static const struct sp_ctl_peer_info peers[] = {
    {"om", "tcp://127.0.0.1:7101", true},
    {"belastingdienst", "tcp://127.0.0.1:7102", false},
};
static struct sp_ctl_dataset_info datasets[2];
static struct sp_ctl_round_info rounds[2];
static struct sp_ctl_result_row rows[2];
static uint8_t audit_bytes[5] = {0x93, 0x01, 0x02, 0x03, 0xff};
static const struct sp_ctl_blob audit_entries[] = {{audit_bytes, 4}, {audit_bytes + 2, 3}};

static void rep(struct sp_ctl_reply *r, int op)
{
    memset(r, 0, sizeof(*r));
    r->op = (uint8_t)op;
}

static void dataset_info(struct sp_ctl_dataset_info *d, const char *name, uint32_t version)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->version = version;
    d->loaded_at = 1732700000;
    d->records = 1000;
    d->keys = 4200;
    d->rejected_fields = 37;
    d->structural_errors = 2;
    fill(d->input_sha256, sizeof(d->input_sha256), 0xe3, 5);
}

static void build_rep_status(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_STATUS);
    snprintf(r->status_info.node, sizeof(r->status_info.node), "politie-mn");
    snprintf(r->status_info.version, sizeof(r->status_info.version), "0.1.0");
    r->status_info.uptime_s = 86400;
    r->status_info.datasets = 2;
    r->status_info.rounds_active = 1;
    r->status_info.peers = peers;
    r->status_info.npeers = 2;
    r->status_info.cert_not_after = 1767225600;
    r->status_info.crl_next_update = 1765411200;
    r->status_info.audit_entries = 4211;
    r->status_info.audit_head_time = 1765100000;
    r->status_info.store_file_bytes = 73400320;
    r->status_info.store_used_bytes = 70254592;
    r->status_info.store_map_bytes = UINT64_C(8) << 30;
}

static void build_rep_load_begin(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_LOAD_BEGIN);
    r->load_id = 7;
}

static void build_rep_load_chunk(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_LOAD_CHUNK);
    r->load_chunk = (struct sp_ctl_load_chunk_reply){65536, 1021};
}

static void build_rep_load_end(struct sp_ctl_reply *r)
{
    struct sp_ctl_ingest_stats *s = &r->load_end.stats;

    rep(r, SP_CTL_LOAD_END);
    dataset_info(&r->load_end.summary, "personen", 3);
    *s = (struct sp_ctl_ingest_stats){.lines = 1001,
                                      .records = 1000,
                                      .records_usable = 990,
                                      .records_without_keys = 10,
                                      .keys = 4200};
    s->keys_by_type[SP_KEY_BSN] = 990;
    s->keys_by_type[SP_KEY_NAME_DOB] = 980;
    s->keys_by_type[SP_KEY_IBAN] = 300;
    s->structural_errors = 2;
    s->duplicate_record_ids = 1;
    s->nerror_lines = 2;
    s->error_lines[0] = 17;
    s->error_codes[0] = SP_ERR_INPUT_FIELD_COUNT;
    s->error_lines[1] = 230;
    s->error_codes[1] = SP_ERR_INPUT_ENCODING;
    s->nfields = 19;
    s->nreasons = 8;
    for (uint32_t i = 0; i < s->nfields; i++) {
        s->fields[i].accepted = 900 + i;
        s->fields[i].empty = i;
        s->fields[i].rejected[(i % 7) + 1] = 3 * i;
    }
}

static void build_rep_datasets(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_DATASETS);
    dataset_info(&datasets[0], "personen", 3);
    dataset_info(&datasets[1], "bedrijven", 1);
    r->datasets = (struct sp_ctl_datasets_reply){datasets, 2};
}

/* ROUND_START and ROUND_SUBMIT answer with the round id. */
static void rep_round_id(struct sp_ctl_reply *r, int op)
{
    rep(r, op);
    memcpy(r->round_id, round_id, sizeof(round_id));
}

static void build_rep_round_start(struct sp_ctl_reply *r)
{
    rep_round_id(r, SP_CTL_ROUND_START);
}

static void build_rep_rounds(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_ROUNDS);
    memset(rounds, 0, sizeof(rounds));
    memcpy(rounds[0].round_id, round_id, sizeof(round_id));
    snprintf(rounds[0].state, sizeof(rounds[0].state), "failed");
    rounds[0].mode = SP_PROPOSAL_MODE_THRESHOLD;
    rounds[0].nparticipants = 2;
    snprintf(rounds[0].participants[0], sizeof(rounds[0].participants[0]), "politie-mn");
    snprintf(rounds[0].participants[1], sizeof(rounds[0].participants[1]), "om");
    rounds[0].started_at = 1732800100;
    rounds[0].finished_at = 1732803700;
    snprintf(rounds[0].reason, sizeof(rounds[0].reason), "peer om unreachable");
    snprintf(rounds[0].case_ref, sizeof(rounds[0].case_ref), "RIEC-MN-2026-014");
    rounds[0].min_holders = 2;
    rounds[0].retention_days = 30;
    rounds[0].initiator = true;
    rounds[0].created_at = 1732800000;
    snprintf(rounds[0].phase, sizeof(rounds[0].phase), "failed");
    rounds[0].matched[SP_ENTITY_PERSON] = 17;
    rounds[0].matched[SP_ENTITY_ADDRESS] = 3;
    fill(rounds[1].round_id, sizeof(rounds[1].round_id), 0x70, 1);
    snprintf(rounds[1].state, sizeof(rounds[1].state), "proposed");
    rounds[1].mode = SP_PROPOSAL_MODE_COUNTS;
    rounds[1].records_matched = 0;
    snprintf(rounds[1].phase, sizeof(rounds[1].phase), "blinding");
    rounds[1].phase_done = 12000;
    rounds[1].phase_total = 200000;
    rounds[1].phase_elapsed_ms = 4100;
    rounds[1].phase_rate = 2926;
    r->rounds = (struct sp_ctl_rounds_reply){rounds, 2};
}

static void build_rep_results(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_RESULTS);
    memset(rows, 0, sizeof(rows));
    rows[0] = (struct sp_ctl_result_row){"personen", "P-000017", "om",
                                         SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB),
                                         SP_CLASS_A};
    rows[1] = (struct sp_ctl_result_row){"personen", "P-000230", "belastingdienst",
                                         SP_KEY_MASK(SP_KEY_ADDR_DOB), SP_CLASS_C};
    r->results = (struct sp_ctl_results_reply){10002, rows, 2};
}

static void build_rep_counts(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_COUNTS);
    r->counts = (struct sp_ctl_counts_reply){5, 2, counts, 3};
}

static void build_rep_subjects(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_SUBJECTS);
    r->subjects = (struct sp_ctl_subjects_reply){true, 5, 1, subjects, 3};
}

static void build_rep_round_cancel(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_ROUND_CANCEL);
}

static void build_rep_audit(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_AUDIT_EXPORT);
    r->audit = (struct sp_ctl_audit_reply){audit_entries, 2};
}

static void build_rep_audit_head(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_AUDIT_HEAD);
    snprintf(r->audit_head.node, sizeof(r->audit_head.node), "gemeente-utrecht");
    r->audit_head.seq = 310;
    fill(r->audit_head.head_hash, sizeof(r->audit_head.head_hash), 0xa0, 3);
    fill(r->audit_head.signature, sizeof(r->audit_head.signature), 0x11, 5);
}

static void build_rep_round_submit(struct sp_ctl_reply *r)
{
    rep_round_id(r, SP_CTL_ROUND_SUBMIT);
}

static void build_rep_error(struct sp_ctl_reply *r)
{
    sp_ctl_reply_set_error(r, SP_CTL_ROUND_START, SP_ERR_POLICY,
                           "participant om does not allow mode partners");
}

static void build_rep_error_op0(struct sp_ctl_reply *r)
{
    sp_ctl_reply_set_error(r, 0, SP_ERR_PROTO_MALFORMED, "request could not be decoded");
}

static void build_rep_backup(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_BACKUP);
    snprintf(r->backup.path, sizeof(r->backup.path), "/var/lib/snijpunt/backup/2026-12-07.mdb");
    r->backup.bytes = 1052672;
}

static const struct sp_ctl_case_filter_info filter_infos[] = {
    {"belastingdienst", 7, 300, 1200000, 1765100000, "current"},
    {"om", 0, 0, 0, 0, "none"},
};

static void build_rep_case_ask(struct sp_ctl_reply *r)
{
    rep_round_id(r, SP_CTL_CASE_ASK);
}

static void case_own(struct sp_ctl_case_own *o)
{
    *o = (struct sp_ctl_case_own){
        .epoch = 3, .version = 12, .started_at = 1764547200, .ready = true, .pending = 0};
    o->values[SP_KEY_BSN] = 1000000;
    o->values[SP_KEY_KVK] = 25000;
    o->values[SP_KEY_TYPE_MAX] = UINT64_MAX;
}

static void build_rep_case_status(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_CASE_STATUS);
    case_own(&r->case_status.own);
    r->case_status.filters = filter_infos;
    r->case_status.nfilters = 2;
}

/* A rotation just begun: set-up running. */
static void build_rep_case_epoch(struct sp_ctl_reply *r)
{
    rep(r, SP_CTL_CASE_EPOCH);
    r->case_status.own = (struct sp_ctl_case_own){
        .epoch = 4, .version = 0, .started_at = 1765100000, .ready = false, .pending = 1025000};
}

const struct reply_sample reply_samples[] = {
    {"ctl_rep_status", build_rep_status},
    {"ctl_rep_load_begin", build_rep_load_begin},
    {"ctl_rep_load_chunk", build_rep_load_chunk},
    {"ctl_rep_load_end", build_rep_load_end},
    {"ctl_rep_datasets", build_rep_datasets},
    {"ctl_rep_round_start", build_rep_round_start},
    {"ctl_rep_rounds", build_rep_rounds},
    {"ctl_rep_results", build_rep_results},
    {"ctl_rep_counts", build_rep_counts},
    {"ctl_rep_round_cancel", build_rep_round_cancel},
    {"ctl_rep_audit_export", build_rep_audit},
    {"ctl_rep_error", build_rep_error},
    {"ctl_rep_error_op0", build_rep_error_op0},
    {"ctl_rep_audit_head", build_rep_audit_head},
    {"ctl_rep_round_submit", build_rep_round_submit},
    {"ctl_rep_subjects", build_rep_subjects},
    {"ctl_rep_backup", build_rep_backup},
    {"ctl_rep_case_ask", build_rep_case_ask},
    {"ctl_rep_case_status", build_rep_case_status},
    {"ctl_rep_case_epoch", build_rep_case_epoch},
};
const size_t nreply_samples = sizeof(reply_samples) / sizeof(reply_samples[0]);
