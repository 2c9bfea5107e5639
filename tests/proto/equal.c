/*
 * Field-by-field comparison of proto structs (pointed-to data included), so
 * that a decoded fixture is checked against the sample it encodes rather
 * than against a re-encoding.
 */
#include <string.h>

#include "support.h"

static bool bytes_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

#define SAME(f)     (a->f == b->f)
#define SAME_STR(f) (strcmp(a->f, b->f) == 0)
#define SAME_MEM(f) (memcmp(a->f, b->f, sizeof(a->f)) == 0)

static bool participant_equal(const struct sp_proposal_participant *a,
                              const struct sp_proposal_participant *b)
{
    return SAME_STR(name) && SAME_STR(oin) && SAME_STR(legal_basis) && SAME(key_types);
}

bool proposal_equal(const struct sp_proposal *a, const struct sp_proposal *b)
{
    if (!(SAME_MEM(round_id) && SAME_STR(coordinator) && SAME_STR(case_ref) && SAME_STR(purpose) &&
          SAME(nparticipants) && SAME(min_holders) && SAME(mode) && SAME(counter) &&
          SAME(max_set_size) && SAME(created_at) && SAME(expires_at) && SAME(deadline_s) &&
          SAME(retention_days) && SAME_MEM(case_sizes) && SAME(tell_holders)))
        return false;
    for (uint32_t i = 0; i < a->nparticipants; i++) {
        if (!participant_equal(&a->participants[i], &b->participants[i]))
            return false;
    }
    return true;
}

/* ---- peer ---- */

static bool reason_equal(const struct sp_peer_reason *a, const struct sp_peer_reason *b)
{
    return SAME(code) && SAME_STR(reason);
}

static bool propose_equal(const struct sp_peer_propose *a, const struct sp_peer_propose *b)
{
    return bytes_eq(a->proposal, a->proposal_len, b->proposal, b->proposal_len) &&
           bytes_eq(a->signature, a->signature_len, b->signature, b->signature_len) &&
           bytes_eq(a->signer_cert, a->signer_cert_len, b->signer_cert, b->signer_cert_len);
}

static bool accept_equal(const struct sp_peer_accept *a, const struct sp_peer_accept *b)
{
    if (!SAME(nset_sizes))
        return false;
    for (uint32_t i = 0; i < a->nset_sizes; i++) {
        if (!SAME(set_sizes[i].key_type) || !SAME(set_sizes[i].count))
            return false;
    }
    return true;
}

static bool batch_equal(const struct sp_peer_batch *a, const struct sp_peer_batch *b)
{
    return SAME(origin) && SAME(key_type) && SAME(seq) && SAME(hops) && SAME(last) &&
           bytes_eq(a->elements, a->nelements * SP_PEER_ELEMENT_BYTES, b->elements,
                    b->nelements * SP_PEER_ELEMENT_BYTES);
}

static bool final_equal(const struct sp_peer_final *a, const struct sp_peer_final *b)
{
    return SAME(key_type) && SAME(seq) && SAME(last) &&
           bytes_eq(a->elements, a->nelements * SP_PEER_ELEMENT_BYTES, b->elements,
                    b->nelements * SP_PEER_ELEMENT_BYTES);
}

static bool verdict_equal(const struct sp_peer_verdict *a, const struct sp_peer_verdict *b)
{
    return SAME(key_type) && SAME(seq) && SAME(last) &&
           bytes_eq(a->holders, a->nholders * sizeof(uint32_t), b->holders,
                    b->nholders * sizeof(uint32_t));
}

static bool counts_equal(const struct sp_peer_count *a, uint32_t na, const struct sp_peer_count *b,
                         uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        if (a[i].key_type != b[i].key_type || a[i].holders != b[i].holders ||
            a[i].count != b[i].count)
            return false;
    }
    return true;
}

static bool subjects_equal(const struct sp_peer_subject_count *a, uint32_t na,
                           const struct sp_peer_subject_count *b, uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        if (a[i].entity != b[i].entity || a[i].holders != b[i].holders || a[i].count != b[i].count)
            return false;
    }
    return true;
}

static bool log_head_equal(const struct sp_peer_log_head *a, const struct sp_peer_log_head *b)
{
    return SAME_STR(node) && SAME(seq) && SAME_MEM(head_hash) && SAME_MEM(signature);
}

static bool case_groups_equal(const struct sp_peer_case_group *a, uint32_t na,
                              const struct sp_peer_case_group *b, uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        if (a[i].key_type != b[i].key_type ||
            !bytes_eq(a[i].elements, a[i].nelements * SP_PEER_ELEMENT_BYTES, b[i].elements,
                      b[i].nelements * SP_PEER_ELEMENT_BYTES))
            return false;
    }
    return true;
}

static bool u64s_eq(const uint64_t *a, uint32_t na, const uint64_t *b, uint32_t nb)
{
    return bytes_eq(a, na * sizeof(uint64_t), b, nb * sizeof(uint64_t));
}

static bool case_tell_equal(const struct sp_peer_case_tell *a, const struct sp_peer_case_tell *b)
{
    if (!SAME(epoch) || !SAME(ngroups))
        return false;
    for (uint32_t i = 0; i < a->ngroups; i++) {
        if (!SAME(groups[i].key_type) ||
            !u64s_eq(a->groups[i].fp, a->groups[i].nfp, b->groups[i].fp, b->groups[i].nfp))
            return false;
    }
    return true;
}

static bool filter_equal(const struct sp_peer_filter *a, const struct sp_peer_filter *b)
{
    return SAME(epoch) && SAME(version) && SAME(base_version) && SAME(key_type) && SAME(seq) &&
           SAME(complete) && u64s_eq(a->added, a->nadded, b->added, b->nadded) &&
           u64s_eq(a->removed, a->nremoved, b->removed, b->nremoved);
}

static bool case_peer_equal(const struct sp_peer_msg *a, const struct sp_peer_msg *b)
{
    switch (a->type) {
    case SP_PEER_CASE_ASK:
        return propose_equal(&a->case_ask.propose, &b->case_ask.propose) &&
               case_groups_equal(a->case_ask.groups, a->case_ask.ngroups, b->case_ask.groups,
                                 b->case_ask.ngroups);
    case SP_PEER_CASE_ANSWER:
        return SAME(case_answer.epoch) && SAME(case_answer.version) &&
               case_groups_equal(a->case_answer.groups, a->case_answer.ngroups,
                                 b->case_answer.groups, b->case_answer.ngroups);
    case SP_PEER_CASE_TELL:
        return case_tell_equal(&a->case_tell, &b->case_tell);
    case SP_PEER_FILTER_REQ:
        return SAME(filter_req.epoch) && SAME(filter_req.version);
    case SP_PEER_FILTER:
        return filter_equal(&a->filter, &b->filter);
    case SP_PEER_PROGRESS:
        return SAME(progress.phase) && SAME(progress.work) && SAME(progress.busy);
    default:
        return false;
    }
}

bool peer_equal(const struct sp_peer_msg *a, const struct sp_peer_msg *b)
{
    if (!SAME(type) || !SAME_MEM(round_id))
        return false;
    switch (a->type) {
    case SP_PEER_PROPOSE:
        return propose_equal(&a->propose, &b->propose);
    case SP_PEER_ACCEPT:
        return accept_equal(&a->accept, &b->accept);
    case SP_PEER_REFUSE:
    case SP_PEER_ABORT:
    case SP_PEER_ERROR:
        return reason_equal(&a->refuse, &b->refuse);
    case SP_PEER_START:
        return true;
    case SP_PEER_BATCH:
        return batch_equal(&a->batch, &b->batch);
    case SP_PEER_CREDIT:
        return SAME(credit.origin) && SAME(credit.key_type) && SAME(credit.seq) &&
               SAME(credit.kind);
    case SP_PEER_FINAL:
        return final_equal(&a->final, &b->final);
    case SP_PEER_VERDICT:
        return verdict_equal(&a->verdict, &b->verdict);
    case SP_PEER_COUNTS:
        return counts_equal(a->counts.entries, a->counts.nentries, b->counts.entries,
                            b->counts.nentries);
    case SP_PEER_DONE:
        return SAME(done.records_matched) && SAME(done.values_sent) && SAME(done.values_received) &&
               SAME_MEM(done.matched) &&
               subjects_equal(a->done.subjects, a->done.nsubjects, b->done.subjects,
                              b->done.nsubjects);
    case SP_PEER_LOG_HEAD:
        return log_head_equal(&a->log_head, &b->log_head);
    default:
        return case_peer_equal(a, b);
    }
}

/* ---- control requests ---- */

bool request_equal(const struct sp_ctl_request *a, const struct sp_ctl_request *b)
{
    if (!SAME(op))
        return false;
    switch (a->op) {
    case SP_CTL_STATUS:
    case SP_CTL_DATASETS:
        return true;
    case SP_CTL_LOAD_BEGIN:
        return SAME_STR(load_begin.dataset) && SAME(load_begin.total_bytes) &&
               bytes_eq(a->load_begin.mapping, a->load_begin.mapping_len, b->load_begin.mapping,
                        b->load_begin.mapping_len);
    case SP_CTL_LOAD_CHUNK:
        return SAME(load_chunk.load_id) && bytes_eq(a->load_chunk.data, a->load_chunk.data_len,
                                                    b->load_chunk.data, b->load_chunk.data_len);
    case SP_CTL_LOAD_END:
        return SAME(load_end.load_id) && SAME(load_end.commit);
    case SP_CTL_ROUND_START:
        return proposal_equal(&a->round_start, &b->round_start);
    case SP_CTL_ROUNDS:
        return SAME(rounds.all) && (a->rounds.all || SAME_MEM(rounds.round_id));
    case SP_CTL_RESULTS:
        return SAME_MEM(results.round_id) && SAME(results.offset) && SAME(results.limit);
    case SP_CTL_SUBJECTS:
        return SAME_MEM(subjects.round_id);
    case SP_CTL_COUNTS:
        return SAME_MEM(counts.round_id);
    case SP_CTL_ROUND_CANCEL:
        return SAME_MEM(round_cancel.round_id);
    case SP_CTL_AUDIT_EXPORT:
        return SAME(audit_export.from_seq) && SAME(audit_export.limit);
    case SP_CTL_AUDIT_HEAD:
        return true;
    case SP_CTL_ROUND_SUBMIT:
        return propose_equal(&a->round_submit, &b->round_submit);
    case SP_CTL_BACKUP:
        return SAME_STR(backup.path) && SAME(backup.force);
    case SP_CTL_CASE_ASK:
        return propose_equal(&a->case_ask.propose, &b->case_ask.propose) &&
               bytes_eq(a->case_ask.mapping, a->case_ask.mapping_len, b->case_ask.mapping,
                        b->case_ask.mapping_len) &&
               bytes_eq(a->case_ask.data, a->case_ask.data_len, b->case_ask.data,
                        b->case_ask.data_len);
    case SP_CTL_CASE_STATUS:
        return true;
    case SP_CTL_CASE_EPOCH:
        return SAME(case_epoch.rotate);
    default:
        return false;
    }
}

/* ---- control replies ---- */

static bool peer_info_equal(const struct sp_ctl_peer_info *a, const struct sp_ctl_peer_info *b)
{
    return SAME_STR(name) && SAME_STR(endpoint) && SAME(connected);
}

static bool status_equal(const struct sp_ctl_status_reply *a, const struct sp_ctl_status_reply *b)
{
    if (!(SAME_STR(node) && SAME_STR(version) && SAME(uptime_s) && SAME(datasets) &&
          SAME(rounds_active) && SAME(npeers) && SAME(cert_not_after) && SAME(crl_next_update) &&
          SAME(audit_entries) && SAME(audit_head_time) && SAME(store_file_bytes) &&
          SAME(store_used_bytes) && SAME(store_map_bytes)))
        return false;
    for (uint32_t i = 0; i < a->npeers; i++) {
        if (!peer_info_equal(&a->peers[i], &b->peers[i]))
            return false;
    }
    return true;
}

static bool dataset_equal(const struct sp_ctl_dataset_info *a, const struct sp_ctl_dataset_info *b)
{
    return SAME_STR(name) && SAME(version) && SAME(loaded_at) && SAME(records) && SAME(keys) &&
           SAME(rejected_fields) && SAME(structural_errors) && SAME_MEM(input_sha256);
}

static bool stats_equal(const struct sp_ctl_ingest_stats *a, const struct sp_ctl_ingest_stats *b)
{
    if (!(SAME(lines) && SAME(records) && SAME(records_usable) && SAME(records_without_keys) &&
          SAME(keys) && SAME_MEM(keys_by_type) && SAME(structural_errors) &&
          SAME(duplicate_record_ids) && SAME(nerror_lines) && SAME(nfields) && SAME(nreasons)))
        return false;
    for (uint32_t i = 0; i < a->nerror_lines; i++) {
        if (!SAME(error_lines[i]) || !SAME(error_codes[i]))
            return false;
    }
    for (uint32_t i = 0; i < a->nfields; i++) {
        if (!SAME(fields[i].accepted) || !SAME(fields[i].empty) ||
            memcmp(a->fields[i].rejected, b->fields[i].rejected, a->nreasons * sizeof(uint64_t)) !=
                0)
            return false;
    }
    return true;
}

static bool round_info_equal(const struct sp_ctl_round_info *a, const struct sp_ctl_round_info *b)
{
    if (!(SAME_MEM(round_id) && SAME_STR(state) && SAME(mode) && SAME(nparticipants) &&
          SAME(started_at) && SAME(finished_at) && SAME_STR(reason) && SAME(records_matched) &&
          SAME_STR(case_ref) && SAME(min_holders) && SAME(retention_days) && SAME(initiator) &&
          SAME(created_at) && SAME_STR(phase) && SAME(phase_done) && SAME(phase_total) &&
          SAME(phase_elapsed_ms) && SAME(phase_rate) && SAME_MEM(matched)))
        return false;
    for (uint32_t i = 0; i < a->nparticipants; i++) {
        if (strcmp(a->participants[i], b->participants[i]) != 0)
            return false;
    }
    return true;
}

static bool row_equal(const struct sp_ctl_result_row *a, const struct sp_ctl_result_row *b)
{
    return SAME_STR(dataset) && SAME_STR(record_id) && SAME_STR(partner) && SAME(key_types) &&
           SAME(klass);
}

/* Defines a function comparing two lists element by element with eq. */
#define LIST_EQUAL(fn, T, eq)                                                                      \
    static bool fn(const T *a, uint32_t na, const T *b, uint32_t nb)                               \
    {                                                                                              \
        if (na != nb)                                                                              \
            return false;                                                                          \
        for (uint32_t i = 0; i < na; i++) {                                                        \
            if (!eq(&a[i], &b[i]))                                                                 \
                return false;                                                                      \
        }                                                                                          \
        return true;                                                                               \
    }
LIST_EQUAL(datasets_equal, struct sp_ctl_dataset_info, dataset_equal)
LIST_EQUAL(rounds_equal, struct sp_ctl_round_info, round_info_equal)
LIST_EQUAL(rows_equal, struct sp_ctl_result_row, row_equal)

static bool blob_equal(const struct sp_ctl_blob *a, const struct sp_ctl_blob *b)
{
    return bytes_eq(a->data, a->len, b->data, b->len);
}

LIST_EQUAL(blobs_equal, struct sp_ctl_blob, blob_equal)

static bool filter_info_equal(const struct sp_ctl_case_filter_info *a,
                              const struct sp_ctl_case_filter_info *b)
{
    return SAME_STR(peer) && SAME(epoch) && SAME(version) && SAME(values) && SAME(synced_at) &&
           SAME_STR(state);
}

LIST_EQUAL(filter_infos_equal, struct sp_ctl_case_filter_info, filter_info_equal)

static bool case_status_equal(const struct sp_ctl_case_status_reply *a,
                              const struct sp_ctl_case_status_reply *b)
{
    return SAME(own.epoch) && SAME(own.version) && SAME(own.started_at) && SAME(own.ready) &&
           SAME(own.pending) && SAME_MEM(own.values) &&
           filter_infos_equal(a->filters, a->nfilters, b->filters, b->nfilters);
}

static bool reply_body_equal(const struct sp_ctl_reply *a, const struct sp_ctl_reply *b)
{
    switch (a->op) {
    case SP_CTL_STATUS:
        return status_equal(&a->status_info, &b->status_info);
    case SP_CTL_LOAD_BEGIN:
        return SAME(load_id);
    case SP_CTL_LOAD_CHUNK:
        return SAME(load_chunk.bytes_received) && SAME(load_chunk.records);
    case SP_CTL_LOAD_END:
        return dataset_equal(&a->load_end.summary, &b->load_end.summary) &&
               stats_equal(&a->load_end.stats, &b->load_end.stats);
    case SP_CTL_DATASETS:
        return datasets_equal(a->datasets.datasets, a->datasets.ndatasets, b->datasets.datasets,
                              b->datasets.ndatasets);
    case SP_CTL_ROUND_START:
        return SAME_MEM(round_id);
    case SP_CTL_ROUNDS:
        return rounds_equal(a->rounds.rounds, a->rounds.nrounds, b->rounds.rounds,
                            b->rounds.nrounds);
    case SP_CTL_RESULTS:
        return SAME(results.total) &&
               rows_equal(a->results.rows, a->results.nrows, b->results.rows, b->results.nrows);
    case SP_CTL_COUNTS:
        return SAME(counts.suppressed_below) && SAME(counts.suppressed_cells) &&
               counts_equal(a->counts.entries, a->counts.nentries, b->counts.entries,
                            b->counts.nentries);
    case SP_CTL_SUBJECTS:
        return SAME(subjects.available) && SAME(subjects.suppressed_below) &&
               SAME(subjects.suppressed_cells) &&
               subjects_equal(a->subjects.cells, a->subjects.ncells, b->subjects.cells,
                              b->subjects.ncells);
    case SP_CTL_ROUND_CANCEL:
        return true;
    case SP_CTL_AUDIT_EXPORT:
        return blobs_equal(a->audit.entries, a->audit.nentries, b->audit.entries,
                           b->audit.nentries);
    case SP_CTL_AUDIT_HEAD:
        return SAME_STR(audit_head.node) && SAME(audit_head.seq) &&
               SAME_MEM(audit_head.head_hash) && SAME_MEM(audit_head.signature);
    case SP_CTL_ROUND_SUBMIT:
        return SAME_MEM(round_id);
    case SP_CTL_BACKUP:
        return SAME_STR(backup.path) && SAME(backup.bytes);
    case SP_CTL_CASE_ASK:
        return SAME_MEM(round_id);
    case SP_CTL_CASE_STATUS:
    case SP_CTL_CASE_EPOCH:
        return case_status_equal(&a->case_status, &b->case_status);
    default:
        return false;
    }
}

bool reply_equal(const struct sp_ctl_reply *a, const struct sp_ctl_reply *b)
{
    if (!SAME(op) || !SAME(status))
        return false;
    if (a->status < 0)
        return SAME_STR(message);
    return reply_body_equal(a, b);
}
