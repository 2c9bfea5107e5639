/*
 * Control messages: golden fixtures for every request and reply, round
 * trips, and rejection of bad input with its specific code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/keytype.h"
#include "support.h"

/* Every sample's encoding is its fixture, and round-trips (check_golden). */
static void test_golden_requests(void **state)
{
    (void)state;
    for (size_t i = 0; i < nrequest_samples; i++) {
        struct sp_ctl_request q;
        char comment[64];

        request_samples[i].build(&q);
        snprintf(comment, sizeof(comment), "control request %s", sp_ctl_op_name(q.op));
        check_golden(&request_codec, request_samples[i].name, comment, &q);
    }
}

static void test_golden_replies(void **state)
{
    (void)state;
    for (size_t i = 0; i < nreply_samples; i++) {
        struct sp_ctl_reply r;
        char comment[64];

        reply_samples[i].build(&r);
        snprintf(comment, sizeof(comment), "control reply %s%s",
                 r.op ? sp_ctl_op_name(r.op) : "(no op)", r.status ? " (error)" : "");
        check_golden(&reply_codec, reply_samples[i].name, comment, &r);
    }
}

static void test_reject_battery(void **state)
{
    (void)state;
    for (size_t i = 0; i < nrequest_samples; i++)
        reject_fixture(&request_codec, request_samples[i].name);
    for (size_t i = 0; i < nreply_samples; i++)
        reject_fixture(&reply_codec, reply_samples[i].name);
}

/* Request paths: [0 version, 1 op, 2.. fields]. */
static const struct patch request_patches[] = {
    {"ctl_req_status", "1", "00", 0, UNKNOWN},
    {"ctl_req_status", "1", "13", 0, UNKNOWN}, /* 19: after CASE_EPOCH */
    {"ctl_req_status", "1", "11", 0, 0},       /* CASE_STATUS: no fields either */
    {"ctl_req_status", "1", "0c", 0, 0},       /* AUDIT_HEAD: no fields either */
    {"ctl_req_status", "1", "ff", 0, UNKNOWN},
    {"ctl_req_status", "", "93 01 01 c0", 0, MALFORMED},
    {"ctl_req_status", "", "9e 01 01", 0, OVERSIZED},
    {"ctl_req_status", "", "9e 01 01", 12, OVERSIZED},
    {"ctl_req_status", "", "9e 02 01", 12, SP_ERR_PROTO_VERSION}, /* a later version */
    {"ctl_req_status", "", "91 01", 0, MALFORMED},
    /* LOAD_BEGIN [.., dataset, mapping, total_bytes] */
    {"ctl_req_load_begin", "2", "a0", 0, FIELD},
    {"ctl_req_load_begin", "2", "a3412d62", 0, FIELD},
    {"ctl_req_load_begin", "2", "a3612e62", 0, FIELD},
    {"ctl_req_load_begin", "2", "a3612d62", 0, 0},
    {"ctl_req_load_begin", "2", "d941", 65, OVERSIZED},
    {"ctl_req_load_begin", "3", "a0", 0, FIELD},
    {"ctl_req_load_begin", "3", "a100", 0, FIELD},
    {"ctl_req_load_begin", "3", "a1ff", 0, FIELD},
    {"ctl_req_load_begin", "3", "a30d0a09", 0, 0}, /* a file may hold CR, LF, TAB */
    {"ctl_req_load_begin", "3", "db00010001", 65537, OVERSIZED},
    {"ctl_req_load_begin", "3", "da0100", 256, FIELD}, /* NULs */
    {"ctl_req_load_begin", "4", "d0df", 0, FIELD},     /* negative */
    /* LOAD_CHUNK [.., load_id, data] */
    {"ctl_req_load_chunk", "2", "cf0000000100000000", 0, FIELD},
    {"ctl_req_load_chunk", "3", "c400", 0, 0},
    {"ctl_req_load_chunk", "3", "c6 00100000", 1048576, 0},
    {"ctl_req_load_chunk", "3", "c6 00100001", 1048577, OVERSIZED},
    {"ctl_req_load_chunk", "3", "c6 000fffff", 0, TRUNCATED},
    /* LOAD_END [.., load_id, commit] */
    {"ctl_req_load_end", "3", "01", 0, SP_ERR_PROTO_TYPE},
    /* ROUNDS [.., nil | round_id] */
    {"ctl_req_rounds_one", "2", "c0", 0, 0},
    {"ctl_req_rounds_one", "2", "c40f", 15, FIELD},
    {"ctl_req_rounds_all", "2", "c410", 16, 0},
    /* RESULTS [.., round_id, offset, limit] */
    {"ctl_req_results", "4", "00", 0, FIELD},
    {"ctl_req_results", "4", "cd2711", 0, FIELD},
    {"ctl_req_results", "4", "cd2710", 0, 0},
    /* AUDIT_EXPORT [.., from_seq, limit] */
    {"ctl_req_audit_export", "3", "00", 0, FIELD},
    {"ctl_req_audit_export", "3", "cd03e9", 0, FIELD},
    /* AUDIT_HEAD [] */
    {"ctl_req_audit_head", "", "93 01 0c c0", 0, MALFORMED},
    /* ROUND_SUBMIT [.., proposal, signature, signer_cert], as PROPOSE */
    {"ctl_req_round_submit", "2", "c40100", 0, FIELD},
    {"ctl_req_round_submit", "2", "c400", 0, FIELD},
    {"ctl_req_round_submit", "2", "c5 4001", 16385, OVERSIZED},
    {"ctl_req_round_submit", "3", "c420", 32, FIELD},
    {"ctl_req_round_submit", "3", "c441", 65, OVERSIZED},
    {"ctl_req_round_submit", "4", "c5 2001", 8193, OVERSIZED},
    {"ctl_req_round_submit", "4", "c5 2000", 8192, 0},
    /* BACKUP [.., path, force] */
    {"ctl_req_backup", "2", "a0", 0, FIELD},
    {"ctl_req_backup", "2", "da0401", 1025, OVERSIZED},
    {"ctl_req_backup", "2", "a3 2e 2f 61", 0, 0}, /* the daemon judges where */
    {"ctl_req_backup", "3", "01", 0, SP_ERR_PROTO_TYPE},
    {"ctl_req_round_submit_unsigned", "3", "c440", 64, 0},
    {"ctl_req_round_submit_unsigned", "4", "01", 0, SP_ERR_PROTO_TYPE},
    /* ROUND_START [.., coordinator, case_ref, purpose, participants,
     * min_holders, mode, counter, max_set_size, expires_at, deadline_s,
     * retention_days] */
    {"ctl_req_round_start", "5", "dd000186a0", 0, OVERSIZED},
    {"ctl_req_round_start", "5.0.3", "00", 0, FIELD},
    {"ctl_req_round_start", "7", "04", 0, FIELD}, /* mode case: CASE_ASK only */
    {"ctl_req_round_start", "10", "00", 0, FIELD},
    {"ctl_req_round_start", "10", "01", 0, 0},
    {"ctl_req_round_start", "11", "00", 0, FIELD},
    {"ctl_req_round_start", "^", "9c", 0, MALFORMED}, /* 12 elements: one short */
    /* CASE_ASK [.., proposal, signature, signer_cert, mapping, data] */
    {"ctl_req_case_ask", "2", "c40100", 0, FIELD},
    {"ctl_req_case_ask", "3", "c420", 32, FIELD},
    {"ctl_req_case_ask", "5", "a0", 0, FIELD},
    {"ctl_req_case_ask", "5", "a100", 0, FIELD},
    {"ctl_req_case_ask", "5", "a1ff", 0, FIELD},
    {"ctl_req_case_ask", "5", "a30d0a09", 0, 0},
    {"ctl_req_case_ask", "5", "db00010001", 65537, OVERSIZED},
    {"ctl_req_case_ask", "5", "c401", 1, SP_ERR_PROTO_TYPE},
    {"ctl_req_case_ask", "6", "c400", 0, FIELD}, /* an empty case list */
    {"ctl_req_case_ask", "6", "c6 00100001", 1048577, OVERSIZED},
    {"ctl_req_case_ask", "6", "c6 00100000", 1048576, 0},
    {"ctl_req_case_ask", "^", "96", 0, MALFORMED},
    /* CASE_STATUS [], CASE_EPOCH [.., rotate] */
    {"ctl_req_case_status", "", "93 01 11 c2", 0, MALFORMED},
    {"ctl_req_case_epoch", "2", "c2", 0, 0},
    {"ctl_req_case_epoch", "2", "01", 0, SP_ERR_PROTO_TYPE},
    {"ctl_req_case_epoch", "^", "92", 0, MALFORMED},
};

/* Reply paths: [0 version, 1 op, 2 status, 3.. fields]. */
static const struct patch reply_patches[] = {
    {"ctl_rep_status", "1", "00", 0, UNKNOWN}, /* op 0 with status 0 */
    {"ctl_rep_status", "1", "13", 0, UNKNOWN},
    {"ctl_rep_status", "1", "0c", 0, MALFORMED}, /* AUDIT_HEAD: 4 fields, not 13 */
    /* STATUS's operations fields: a head time needs entries, used <= map */
    {"ctl_rep_status", "11", "00", 0, FIELD},
    {"ctl_rep_status", "15", "00", 0, FIELD},
    {"ctl_rep_status", "12", "00", 0, 0},
    {"ctl_rep_status", "10", "c2", 0, SP_ERR_PROTO_TYPE},
    {"ctl_rep_status", "2", "01", 0, FIELD},
    {"ctl_rep_status", "2", "d3ffffffff7fffffff", 0, FIELD},
    {"ctl_rep_status", "3", "a141", 0, FIELD},
    {"ctl_rep_status", "4", "a0", 0, FIELD},
    {"ctl_rep_status", "4", "d941", 65, OVERSIZED},
    {"ctl_rep_status", "8.0.1", "a0", 0, FIELD},
    {"ctl_rep_status", "8.0.1", "da0101", 257, OVERSIZED},
    {"ctl_rep_status", "8", "dc0101", 257, OVERSIZED},
    {"ctl_rep_status", "8", "dc0100", 0, TRUNCATED},
    {"ctl_rep_status", "8", "90", 0, 0},
    {"ctl_rep_status", "^", "98", 0, MALFORMED},
    {"ctl_rep_status", "", "dc0011 01 01 00", 14, OVERSIZED},
    {"ctl_rep_status", "", "9a 02 01 00", 7, SP_ERR_PROTO_VERSION}, /* a later version */
    {"ctl_rep_error", "3", "a10a", 0, FIELD},
    {"ctl_rep_error", "3", "a0", 0, 0},
    {"ctl_rep_error", "2", "00", 0, SP_ERR_PROTO_TYPE}, /* a success needs round_id */
    {"ctl_rep_error", "^", "95", 0, MALFORMED},
    {"ctl_rep_error_op0", "1", "13", 0, UNKNOWN},
    {"ctl_rep_error_op0", "1", "12", 0, 0}, /* an error reply to CASE_EPOCH */
    {"ctl_rep_error_op0", "1", "0d", 0, 0}, /* an error reply to ROUND_SUBMIT */
    {"ctl_rep_error_op0", "", "94 01 00 00 a0", 0, UNKNOWN},
    /* LOAD_END [.., summary DATASET_INFO, stats INGEST_STATS] */
    {"ctl_rep_load_end", "3.0", "a0", 0, FIELD},
    {"ctl_rep_load_end", "3.0", "a3612e62", 0, FIELD},
    {"ctl_rep_load_end", "3.1", "00", 0, FIELD},
    {"ctl_rep_load_end", "3.7", "c41f", 31, FIELD},
    {"ctl_rep_load_end", "3^", "97", 0, MALFORMED},
    {"ctl_rep_load_end", "4.5^", "9f", 0, FIELD},     /* 15: too few */
    {"ctl_rep_load_end", "4.5^", "dc0010", 0, FIELD}, /* 16: a build before name_addr */
    {"ctl_rep_load_end", "4.5^", "dc0011", 0, 0},     /* 17: SP_CTL_STATS_KEY_TYPES */
    {"ctl_rep_load_end", "4.5^", "dc0012", 0, OVERSIZED},
    {"ctl_rep_load_end", "4.5.0", "01", 0, FIELD},
    {"ctl_rep_load_end", "4.8.0.1", "01", 0, FIELD},
    {"ctl_rep_load_end", "4.8.0.1", "d2ffff0000", 0, 0},
    {"ctl_rep_load_end", "4.8", "dc0065", 101, OVERSIZED},
    {"ctl_rep_load_end", "4.8", "90", 0, 0},
    {"ctl_rep_load_end", "4.9.0.0", "01", 0, FIELD},
    {"ctl_rep_load_end", "4.9.1.3", "97 00 00 00 00 00 00 00", 0, FIELD},
    {"ctl_rep_load_end", "4.9.0.3", "99", 9, OVERSIZED},
    {"ctl_rep_load_end", "4.9", "dc0021", 33, OVERSIZED},
    {"ctl_rep_load_end", "4.9", "90", 0, 0},
    /* DATASETS [.., list] */
    {"ctl_rep_datasets", "3.0.0", "a0", 0, FIELD},
    {"ctl_rep_datasets", "3.0.1", "00", 0, FIELD},
    {"ctl_rep_datasets", "3", "dc0401", 1025, OVERSIZED},
    {"ctl_rep_datasets", "3", "90", 0, 0},
    /* ROUNDS [.., list of ROUND_INFO] */
    {"ctl_rep_rounds", "3.0.1", "a0", 0, FIELD},
    {"ctl_rep_rounds", "3.0.1", "a141", 0, FIELD},
    {"ctl_rep_rounds", "3.0.1", "d921", 33, OVERSIZED},
    {"ctl_rep_rounds", "3.0.2", "00", 0, FIELD},
    {"ctl_rep_rounds", "3.0.2", "05", 0, FIELD},
    {"ctl_rep_rounds", "3.0.2", "04", 0, 0}, /* a case question */
    {"ctl_rep_rounds", "3.0.3.0", "a0", 0, FIELD},
    {"ctl_rep_rounds", "3.0.3", "dc0021", 33, OVERSIZED},
    {"ctl_rep_rounds", "3.0.6", "a10a", 0, FIELD},
    {"ctl_rep_rounds", "3", "dc03e9", 1001, OVERSIZED},
    /* RESULTS [.., total, rows [dataset, record_id, partner, key_types, class]] */
    {"ctl_rep_results", "4.0.0", "a0", 0, FIELD},
    {"ctl_rep_results", "4.0.1", "a0", 0, FIELD},
    {"ctl_rep_results", "4.0.1", "d981", 129, OVERSIZED},
    {"ctl_rep_results", "4.0.2", "a141", 0, FIELD},
    {"ctl_rep_results", "4.0.2", "a12a", 0, 0},       /* "*": threshold mode */
    {"ctl_rep_results", "4.0.2", "a22a2a", 0, FIELD}, /* "**" */
    {"ctl_rep_results", "4.0.2", "a2612a", 0, FIELD}, /* "a*" */
    {"ctl_rep_results", "4.0.3", "00", 0, FIELD},
    {"ctl_rep_results", "4.0.3", "01", 0, FIELD},
    {"ctl_rep_results", "4.0.3", "ce00020000", 0, FIELD}, /* bit 17 */
    {"ctl_rep_results", "4.0.3", "ce00010000", 0, 0},     /* bit 16: name_addr */
    {"ctl_rep_results", "4.0.4", "00", 0, FIELD},
    {"ctl_rep_results", "4.0.4", "04", 0, FIELD},
    {"ctl_rep_results", "4.0.4", "03", 0, 0},
    {"ctl_rep_results", "4", "dc2711", 10001, OVERSIZED},
    {"ctl_rep_results", "4", "dc2710", 0, TRUNCATED},
    /* COUNTS [.., suppressed_below, suppressed_cells, entries] */
    {"ctl_rep_counts", "5.0.1", "00", 0, FIELD},
    {"ctl_rep_counts", "5.1.1", "03", 0, FIELD},
    {"ctl_rep_counts", "5", "dd00010001", 0, OVERSIZED},
    /* SUBJECTS [.., available, suppressed_below, suppressed_cells, cells] */
    {"ctl_rep_subjects", "6.0.0", "00", 0, FIELD}, /* entity 0 */
    {"ctl_rep_subjects", "6.0.0", "06", 0, FIELD}, /* entity 6 */
    {"ctl_rep_subjects", "6.0.1", "00", 0, FIELD}, /* no holders */
    {"ctl_rep_subjects", "6.1.1", "03", 0, FIELD}, /* not increasing */
    {"ctl_rep_subjects", "3", "c2", 0, FIELD},     /* cells although unavailable */
    {"ctl_rep_subjects", "6", "dd00010001", 0, OVERSIZED},
    /* BACKUP [.., path, bytes] */
    {"ctl_rep_backup", "3", "a0", 0, FIELD},   /* empty path */
    {"ctl_rep_backup", "3", "a10a", 0, FIELD}, /* a control character */
    {"ctl_rep_backup", "4", "c2", 0, SP_ERR_PROTO_TYPE},
    /* ROUND_INFO's progress: done within total, a phase name */
    {"ctl_rep_rounds", "3.1.14", "ce00030d41", 0, FIELD},         /* done > total */
    {"ctl_rep_rounds", "3.1.13", "a0", 0, FIELD},                 /* no phase */
    {"ctl_rep_rounds", "3.1.18", "94 00 00 00 00", 0, MALFORMED}, /* 4 entities */
    /* AUDIT_EXPORT [.., entries] */
    {"ctl_rep_audit_export", "3.0", "c400", 0, FIELD},
    {"ctl_rep_audit_export", "3.0", "c6 00010001", 65537, OVERSIZED},
    {"ctl_rep_audit_export", "3.0", "c6 00010000", 65536, 0},
    {"ctl_rep_audit_export", "3", "dc03e9", 1001, OVERSIZED},
    /* AUDIT_HEAD [.., node, seq, head_hash, signature] */
    {"ctl_rep_audit_head", "3", "a3412d62", 0, FIELD},
    {"ctl_rep_audit_head", "3", "a0", 0, FIELD},
    {"ctl_rep_audit_head", "4", "cf ffffffffffffffff", 0, 0},
    {"ctl_rep_audit_head", "5", "c41f", 31, FIELD},
    {"ctl_rep_audit_head", "6", "c441", 65, OVERSIZED},
    {"ctl_rep_round_submit", "3", "c40f", 15, FIELD},
    /* ROUND_START, ROUND_CANCEL, LOAD_BEGIN */
    {"ctl_rep_round_start", "3", "c411", 17, OVERSIZED},
    {"ctl_rep_round_cancel", "^", "92", 0, MALFORMED},
    {"ctl_rep_load_begin", "3", "cf0000000100000000", 0, FIELD},
    /* RESULTS: a case subject no partner knows: no partner, key types, class */
    {"ctl_rep_results", "4.0", "95 a8706572736f6e656e a25031 a0 00 00", 0, 0},
    {"ctl_rep_results", "4.0", "95 a8706572736f6e656e a25031 a0 02 00", 0, FIELD},
    {"ctl_rep_results", "4.0", "95 a8706572736f6e656e a25031 a0 00 01", 0, FIELD},
    {"ctl_rep_results", "4.0", "95 a8706572736f6e656e a25031 a26f6d 00 00", 0, FIELD},
    /* CASE_ASK [.., round_id] */
    {"ctl_rep_case_ask", "3", "c40f", 15, FIELD},
    /* CASE_STATUS [.., own [epoch, version, started_at, ready, pending,
     * values (16)], filters [[peer, epoch, version, values, synced_at,
     * state]]] */
    {"ctl_rep_case_status", "3^", "95", 0, MALFORMED},
    {"ctl_rep_case_status", "3^", "97", 0, OVERSIZED},
    {"ctl_rep_case_status", "3.0", "cf0000000100000000", 0, FIELD},
    {"ctl_rep_case_status", "3.3", "00", 0, SP_ERR_PROTO_TYPE},
    {"ctl_rep_case_status", "3.5^", "9f", 0, MALFORMED},
    {"ctl_rep_case_status", "3.5^", "dc0011", 0, OVERSIZED},
    {"ctl_rep_case_status", "4.0.0", "a0", 0, FIELD},
    {"ctl_rep_case_status", "4.0.0", "a24f4d", 0, FIELD},
    {"ctl_rep_case_status", "4.0.5", "a0", 0, FIELD},
    {"ctl_rep_case_status", "4.0.5", "a141", 0, FIELD},
    {"ctl_rep_case_status", "4.0.5", "a7737973632d3031", 0, 0}, /* any state name */
    {"ctl_rep_case_status", "4.0.5", "d921", 33, OVERSIZED},
    {"ctl_rep_case_status", "4.0^", "95", 0, MALFORMED},
    {"ctl_rep_case_status", "4", "dc0101", 257, OVERSIZED},
    {"ctl_rep_case_status", "4", "90", 0, 0},
    {"ctl_rep_case_status", "1", "12", 0, FIELD}, /* CASE_EPOCH: no filters */
    {"ctl_rep_case_epoch", "1", "11", 0, 0},      /* CASE_STATUS: same body */
    {"ctl_rep_case_epoch", "4", "91 96 a26f6d 00 00 00 00 a46e6f6e65", 0, FIELD},
};

static void test_patches(void **state)
{
    (void)state;
    APPLY_PATCHES(request_patches, &request_codec);
    APPLY_PATCHES(reply_patches, &reply_codec);
}

static void test_encode_validates_requests(void **state)
{
    struct sp_ctl_request q;

    (void)state;
    memset(&q, 0, sizeof(q));
    check_encode_result(&request_codec, &q, UNKNOWN);
    q.op = SP_CTL_RESULTS;
    check_encode_result(&request_codec, &q, FIELD); /* limit 0 */
    q.op = SP_CTL_LOAD_BEGIN;
    snprintf(q.load_begin.dataset, sizeof(q.load_begin.dataset), "x");
    q.load_begin.mapping = "m";
    q.load_begin.mapping_len = SP_CTL_MAPPING_MAX_BYTES + 1;
    check_encode_result(&request_codec, &q, OVERSIZED);
    q.load_begin.mapping_len = 0;
    check_encode_result(&request_codec, &q, FIELD);
    q.op = SP_CTL_LOAD_CHUNK;
    q.load_chunk = (struct sp_ctl_load_chunk){1, NULL, SP_CTL_CHUNK_MAX_BYTES + 1};
    check_encode_result(&request_codec, &q, OVERSIZED);
    q.op = SP_CTL_ROUND_START;
    sample_proposal(&q.round_start);
    q.round_start.mode = 9;
    check_encode_result(&request_codec, &q, FIELD);
    sample_case_proposal(&q.round_start);
    check_encode_result(&request_codec, &q, FIELD);
}

static const struct request_sample *find_request(const char *name)
{
    for (size_t i = 0; i < nrequest_samples; i++) {
        if (strcmp(request_samples[i].name, name) == 0)
            return &request_samples[i];
    }
    fail_msg("no sample %s", name);
    abort();
}

/* CASE_ASK's encoder refuses what its decoder refuses. */
static void test_encode_validates_case_ask(void **state)
{
    const struct request_sample *ask = find_request("ctl_req_case_ask");
    struct sp_ctl_request q;

    (void)state;
    ask->build(&q);
    q.case_ask.mapping_len = SP_CTL_MAPPING_MAX_BYTES + 1;
    check_encode_result(&request_codec, &q, OVERSIZED);
    q.case_ask.mapping_len = 0;
    check_encode_result(&request_codec, &q, FIELD);
    ask->build(&q);
    q.case_ask.mapping = NULL;
    check_encode_result(&request_codec, &q, FIELD);
    ask->build(&q);
    q.case_ask.data_len = SP_CTL_CHUNK_MAX_BYTES + 1;
    check_encode_result(&request_codec, &q, OVERSIZED);
    q.case_ask.data_len = 0;
    check_encode_result(&request_codec, &q, FIELD);
    ask->build(&q);
    q.case_ask.data = NULL;
    check_encode_result(&request_codec, &q, FIELD);
    ask->build(&q);
    q.case_ask.propose.signature_len = 1;
    check_encode_result(&request_codec, &q, FIELD);
}

/* CASE_STATUS and CASE_EPOCH replies: the encoder refuses what the
 * decoder refuses. */
static void test_encode_validates_case_status(void **state)
{
    struct sp_ctl_reply rep, *r = &rep;
    static const struct sp_ctl_case_filter_info bad_state[] = {{"om", 1, 1, 1, 1, "Current"}};
    static const struct sp_ctl_case_filter_info bad_peer[] = {{"", 1, 1, 1, 1, "current"}};
    static const struct sp_ctl_case_filter_info good[] = {{"om", 1, 1, 1, 1, "current"}};

    (void)state;
    memset(r, 0, sizeof(*r));
    r->op = SP_CTL_CASE_STATUS;
    check_encode_result(&reply_codec, r, 0);
    r->case_status.own.values[0] = 1;
    check_encode_result(&reply_codec, r, FIELD);
    r->case_status.own.values[0] = 0;
    r->case_status = (struct sp_ctl_case_status_reply){.filters = bad_state, .nfilters = 1};
    check_encode_result(&reply_codec, r, FIELD);
    r->case_status.filters = bad_peer;
    check_encode_result(&reply_codec, r, FIELD);
    r->case_status.filters = NULL;
    check_encode_result(&reply_codec, r, FIELD);
    r->case_status.filters = good;
    r->case_status.nfilters = SP_CTL_MAX_PEERS + 1;
    check_encode_result(&reply_codec, r, OVERSIZED);
    r->case_status.nfilters = 1;
    check_encode_result(&reply_codec, r, 0);
    r->op = SP_CTL_CASE_EPOCH;
    check_encode_result(&reply_codec, r, FIELD);
}

static void test_encode_validates_replies(void **state)
{
    struct sp_ctl_reply r;
    static const struct sp_ctl_peer_info bad_peer[] = {{"om", "", true}};
    static struct sp_ctl_result_row bad_row[] = {{"d", "r", "om", 2, 4}};

    (void)state;
    memset(&r, 0, sizeof(r));
    r.op = SP_CTL_ROUND_CANCEL;
    r.status = 1;
    check_encode_result(&reply_codec, &r, FIELD);
    r.status = 0;
    r.op = SP_CTL_OP_MAX + 1;
    check_encode_result(&reply_codec, &r, UNKNOWN);
    r.op = SP_CTL_AUDIT_HEAD; /* an empty node name */
    check_encode_result(&reply_codec, &r, FIELD);
    r.op = 0;
    check_encode_result(&reply_codec, &r, UNKNOWN);
    reply_samples[0].build(&r); /* STATUS */
    r.status_info.peers = bad_peer;
    r.status_info.npeers = 1;
    check_encode_result(&reply_codec, &r, FIELD);
    r.status_info.npeers = SP_CTL_MAX_PEERS + 1;
    check_encode_result(&reply_codec, &r, OVERSIZED);
    memset(&r, 0, sizeof(r));
    r.op = SP_CTL_RESULTS;
    r.results.rows = bad_row;
    r.results.nrows = 1;
    check_encode_result(&reply_codec, &r, FIELD); /* class 4 */
    bad_row[0].klass = SP_CLASS_C;
    check_encode_result(&reply_codec, &r, 0);
    memset(&r, 0, sizeof(r));
    r.op = SP_CTL_LOAD_END;
    snprintf(r.load_end.summary.name, sizeof(r.load_end.summary.name), "d");
    r.load_end.summary.version = 1;
    r.load_end.stats.nreasons = 3; /* no fields to carry it */
    check_encode_result(&reply_codec, &r, FIELD);
    r.load_end.stats.nreasons = 0;
    r.load_end.stats.nerror_lines = 1; /* error code 0 */
    check_encode_result(&reply_codec, &r, FIELD);
}

/* Every buffer shorter than the message: SP_ERR_OVERFLOW, no write beyond. */
static void test_encode_small_buffer(void **state)
{
    (void)state;
    for (size_t i = 0; i < nrequest_samples; i++) {
        struct sp_ctl_request q;

        request_samples[i].build(&q);
        check_small_buffers(&request_codec, &q);
    }
    for (size_t i = 0; i < nreply_samples; i++) {
        struct sp_ctl_reply r;

        reply_samples[i].build(&r);
        check_small_buffers(&reply_codec, &r);
    }
}

/* Full-size pages fit SP_CTL_MSG_MAX_BYTES: 10000 result rows with the
 * longest strings, a 1 MiB chunk. */
static void test_limits_fit(void **state)
{
    struct sp_ctl_result_row *rows = calloc(SP_CTL_RESULTS_MAX_LIMIT, sizeof(*rows));
    uint8_t *chunk = calloc(1, SP_CTL_CHUNK_MAX_BYTES), *buf = NULL;
    struct sp_ctl_reply r = {.op = SP_CTL_RESULTS}, d;
    struct sp_ctl_request q = {.op = SP_CTL_LOAD_CHUNK}, dq;
    size_t len;

    (void)state;
    assert_non_null(rows);
    assert_non_null(chunk);
    for (uint32_t i = 0; i < SP_CTL_RESULTS_MAX_LIMIT; i++) {
        memset(rows[i].dataset, 'd', SP_PROTO_DATASET_MAX);
        memset(rows[i].record_id, 'r', SP_CTL_RECORD_ID_MAX);
        memset(rows[i].partner, 'p', SP_PROTO_NAME_MAX);
        rows[i].key_types = SP_KEY_MASK_ALL;
        rows[i].klass = SP_CLASS_A;
    }
    r.results = (struct sp_ctl_results_reply){UINT64_MAX, rows, SP_CTL_RESULTS_MAX_LIMIT};
    assert_int_equal(sp_ctl_reply_encode_alloc(&r, &buf, &len), 0);
    print_message("10000-row RESULTS page: %zu bytes\n", len);
    assert_true(len <= SP_CTL_MSG_MAX_BYTES);
    assert_int_equal(sp_ctl_reply_decode(buf, len, &d), 0);
    assert_true(reply_equal(&r, &d));
    sp_ctl_reply_clear(&d);
    free(buf);
    q.load_chunk = (struct sp_ctl_load_chunk){UINT32_MAX, chunk, SP_CTL_CHUNK_MAX_BYTES};
    assert_int_equal(sp_ctl_request_encode_alloc(&q, &buf, &len), 0);
    assert_int_equal(sp_ctl_request_decode(buf, len, &dq), 0);
    assert_ptr_equal(dq.load_chunk.data, buf + len - SP_CTL_CHUNK_MAX_BYTES); /* zero-copy */
    assert_int_equal(sp_ctl_request_decode(buf, SP_CTL_MSG_MAX_BYTES + 1, &dq), OVERSIZED);
    free(buf);
    free(chunk);
    free(rows);
}

static void test_set_error_and_names(void **state)
{
    struct sp_ctl_reply r;

    (void)state;
    sp_ctl_reply_set_error(&r, SP_CTL_LOAD_END, 0, "tab\there\r\nnext");
    assert_int_equal(r.op, SP_CTL_LOAD_END);
    assert_int_equal(r.status, SP_ERR_INTERNAL);
    assert_string_equal(r.message, "tab\there  next");
    sp_ctl_reply_set_error(&r, 200, SP_ERR_NOMEM, NULL);
    assert_int_equal(r.op, 0);
    assert_string_equal(r.message, "");
    sp_ctl_reply_clear(NULL);
    assert_string_equal(sp_ctl_op_name(SP_CTL_ROUND_START), "ROUND_START");
    assert_string_equal(sp_ctl_op_name(SP_CTL_AUDIT_EXPORT), "AUDIT_EXPORT");
    assert_string_equal(sp_ctl_op_name(SP_CTL_AUDIT_HEAD), "AUDIT_HEAD");
    assert_string_equal(sp_ctl_op_name(SP_CTL_ROUND_SUBMIT), "ROUND_SUBMIT");
    assert_string_equal(sp_ctl_op_name(SP_CTL_SUBJECTS), "SUBJECTS");
    assert_null(sp_ctl_op_name(0));
    assert_string_equal(sp_ctl_op_name(SP_CTL_BACKUP), "BACKUP");
    assert_string_equal(sp_ctl_op_name(SP_CTL_CASE_ASK), "CASE_ASK");
    assert_string_equal(sp_ctl_op_name(SP_CTL_CASE_STATUS), "CASE_STATUS");
    assert_string_equal(sp_ctl_op_name(SP_CTL_CASE_EPOCH), "CASE_EPOCH");
    assert_null(sp_ctl_op_name(19));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_requests),
        cmocka_unit_test(test_golden_replies),
        cmocka_unit_test(test_reject_battery),
        cmocka_unit_test(test_patches),
        cmocka_unit_test(test_encode_validates_requests),
        cmocka_unit_test(test_encode_validates_case_ask),
        cmocka_unit_test(test_encode_validates_replies),
        cmocka_unit_test(test_encode_validates_case_status),
        cmocka_unit_test(test_encode_small_buffer),
        cmocka_unit_test(test_limits_fit),
        cmocka_unit_test(test_set_error_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
