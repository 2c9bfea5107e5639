/*
 * Peer messages: golden fixtures, round trips, and rejection of every kind
 * of bad input with its specific code.
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

/* The fixture of every sample is the encoding of the sample; decoding it
 * gives back every field and re-encoding gives back the bytes; encode_alloc
 * agrees with encode. */
static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < npeer_samples; i++) {
        struct sp_peer_msg m;
        char comment[64];

        peer_samples[i].build(&m);
        snprintf(comment, sizeof(comment), "peer %s", sp_peer_type_name(m.type));
        check_golden(&peer_codec, peer_samples[i].name, comment, &m);
    }
}

static void test_reject_battery(void **state)
{
    (void)state;
    for (size_t i = 0; i < npeer_samples; i++)
        reject_fixture(&peer_codec, peer_samples[i].name);
}

static const struct patch peer_patches[] = {
    /* type */
    {"peer_start", "1", "00", 0, UNKNOWN},
    {"peer_start", "1", "14", 0, UNKNOWN},   /* 20: after PROGRESS */
    {"peer_start", "1", "13", 0, MALFORMED}, /* PROGRESS: 3 fields, not 0 */
    {"peer_start", "1", "12", 0, MALFORMED}, /* FILTER: 8 fields, not 0 */
    {"peer_start", "1", "7f", 0, UNKNOWN},
    {"peer_start", "1", "ccff", 0, UNKNOWN},
    {"peer_start", "1", "ff", 0, UNKNOWN},
    /* round_id */
    {"peer_start", "2", "c40f", 15, FIELD},
    {"peer_start", "2", "c411", 17, OVERSIZED},
    {"peer_start", "2", "c400", 0, FIELD},
    /* BATCH [1,5,rid,origin,key_type,seq,hops,last,elements] */
    {"peer_batch", "3", "20", 0, FIELD},
    {"peer_batch", "3", "cd0100", 0, FIELD},
    {"peer_batch", "4", "00", 0, FIELD},
    {"peer_batch", "4", "11", 0, FIELD}, /* key type 17 */
    {"peer_batch", "4", "10", 0, 0},     /* key type 16, name_addr */
    {"peer_batch", "5", "cf0000000100000000", 0, FIELD},
    {"peer_batch", "5", "ceffffffff", 0, 0},
    {"peer_batch", "6", "00", 0, FIELD},
    {"peer_batch", "6", "21", 0, FIELD},
    {"peer_batch", "6", "20", 0, 0},
    {"peer_batch", "7", "c0", 0, SP_ERR_PROTO_TYPE},
    {"peer_batch", "8", "c421", 33, FIELD},
    {"peer_batch", "8", "c41f", 31, FIELD},
    {"peer_batch", "8", "c6000200 20", 131104, OVERSIZED}, /* 4097 elements */
    {"peer_batch", "8", "c6000200 00", 131072, 0},         /* 4096 elements */
    /* CREDIT [.., origin, key_type, seq, kind] */
    {"peer_credit", "3", "20", 0, FIELD},
    {"peer_credit", "6", "06", 0, FIELD},
    {"peer_credit", "6", "04", 0, FIELD},
    {"peer_credit", "6", "07", 0, 0},
    {"peer_credit", "6", "08", 0, 0},
    /* FINAL [.., key_type, seq, last, elements] */
    {"peer_final", "3", "00", 0, FIELD},
    {"peer_final", "6", "c41f", 31, FIELD},
    {"peer_final", "6", "c400", 0, 0},
    /* VERDICT [.., key_type, seq, last, holders] */
    {"peer_verdict", "3", "11", 0, FIELD},
    {"peer_verdict", "3", "10", 0, 0},
    {"peer_verdict", "6.0", "cf0000000100000000", 0, FIELD},
    {"peer_verdict", "6.0", "ceffffffff", 0, 0},
    {"peer_verdict", "6", "dc1001", 4097, OVERSIZED},
    {"peer_verdict", "6", "dc1000", 4096, 0},
    {"peer_verdict", "6", "dc0fff", 0, SP_ERR_PROTO_TRUNCATED}, /* count not backed */
    {"peer_verdict", "6", "dd000186a0", 0, OVERSIZED},          /* 100000 */
    /* ACCEPT [.., set_sizes] */
    {"peer_accept", "3.0.0", "00", 0, FIELD},
    {"peer_accept", "3.0.0", "11", 0, FIELD},
    {"peer_accept", "3.2.0", "10", 0, 0},     /* last entry: name_addr */
    {"peer_accept", "3.1.0", "01", 0, FIELD}, /* duplicate key type */
    {"peer_accept", "3.0", "9101", 0, MALFORMED},
    {"peer_accept", "3.0", "93010101", 0, OVERSIZED},
    {"peer_accept", "3", "90", 0, 0},
    {"peer_accept", "3", "dc0011", 17, OVERSIZED}, /* one per key type at most */
    /* COUNTS [.., entries] */
    {"peer_counts", "3.0.1", "00", 0, FIELD},
    {"peer_counts", "3.1.0", "00", 0, FIELD},
    {"peer_counts", "3.1.1", "03", 0, FIELD}, /* duplicate (1, 3) */
    {"peer_counts", "3.2.0", "01", 0, FIELD}, /* (1, 5) after (1, 7) */
    {"peer_counts", "3", "dd00010001", 0, OVERSIZED},
    {"peer_counts", "3", "dd00010000", 0, SP_ERR_PROTO_TRUNCATED},
    /* REFUSE [.., code, reason] */
    {"peer_refuse", "3", "00", 0, FIELD},
    {"peer_refuse", "3", "01", 0, FIELD},
    {"peer_refuse", "3", "d27fffffff", 0, MALFORMED}, /* positive in a signed form */
    {"peer_refuse", "3", "d3ffffffff7fffffff", 0, FIELD},
    {"peer_refuse", "3", "d280000000", 0, 0},
    {"peer_refuse", "3", "e0", 0, 0},
    {"peer_refuse", "4", "a10a", 0, FIELD},       /* LF */
    {"peer_refuse", "4", "a17f", 0, FIELD},       /* DEL */
    {"peer_refuse", "4", "a109", 0, 0},           /* TAB */
    {"peer_refuse", "4", "a100", 0, FIELD},       /* NUL */
    {"peer_refuse", "4", "a2c328", 0, FIELD},     /* bad continuation */
    {"peer_refuse", "4", "a2c0af", 0, FIELD},     /* overlong '/' */
    {"peer_refuse", "4", "a3eda080", 0, FIELD},   /* surrogate */
    {"peer_refuse", "4", "a4f4908080", 0, FIELD}, /* > U+10FFFF */
    {"peer_refuse", "4", "a4f09f9982", 0, 0},     /* U+1F642 */
    {"peer_refuse", "4", "da0400", 1024, FIELD},  /* 1024 NULs: length fine, text not */
    {"peer_refuse", "4", "da0401", 1025, OVERSIZED},
    /* LOG_HEAD [.., node, seq, head_hash, signature] */
    {"peer_log_head", "3", "a141", 0, FIELD},
    {"peer_log_head", "3", "a0", 0, FIELD},
    {"peer_log_head", "3", "a3615f62", 0, FIELD},
    {"peer_log_head", "3", "d941", 65, OVERSIZED},
    {"peer_log_head", "5", "c41f", 31, FIELD},
    {"peer_log_head", "6", "c43f", 63, FIELD},
    {"peer_log_head", "6", "c441", 65, OVERSIZED},
    /* PROPOSE [.., proposal, signature, signer_cert] */
    {"peer_propose", "3", "c40100", 0, FIELD},
    {"peer_propose", "3", "c400", 0, FIELD},
    {"peer_propose", "3", "c5 4001", 16385, OVERSIZED},
    {"peer_propose", "4", "c420", 32, FIELD},
    {"peer_propose", "4", "c441", 65, OVERSIZED},
    {"peer_propose", "5", "c5 2001", 8193, OVERSIZED},
    {"peer_propose", "5", "c5 2000", 8192, 0},
    /* element counts: DONE has 8 elements (6 before per-entity counts) */
    {"peer_done", "", "95 02 0b c410000102030405060708090a0b0c0d0e0f 0c cd04b0", 0, MALFORMED},
    {"peer_done", "", "96 02 0b c410000102030405060708090a0b0c0d0e0f 0c cd04b0 cd0e10", 0,
     MALFORMED},
    /* DONE's subject cells: valid entity, holders, increasing */
    {"peer_done", "7.0.0", "00", 0, FIELD},
    {"peer_done", "7.0.0", "06", 0, FIELD},
    {"peer_done", "7.0.1", "00", 0, FIELD},
    {"peer_done", "7.1.1", "03", 0, FIELD},
    {"peer_done", "6", "94 01 02 03 04", 0, MALFORMED},
    {"peer_done", "", "91 02", 0, MALFORMED},
    {"peer_done", "", "90", 0, MALFORMED},
    {"peer_done", "", "9c 02 0b", 0, OVERSIZED},
    {"peer_done", "", "9c 02 0b", 10, OVERSIZED}, /* 12 elements (FILTER has 11), all there */
    /* CASE_ASK [.., proposal, signature, signer_cert, groups [[key_type,
     * elements]]]: the sample asks 3 BSN (1) and 2 KvK (8) values */
    {"peer_case_ask", "3", "c40100", 0, FIELD},
    {"peer_case_ask", "6", "90", 0, FIELD}, /* no groups */
    {"peer_case_ask", "6", "dc0011", 17, OVERSIZED},
    {"peer_case_ask", "6.0.0", "00", 0, FIELD},
    {"peer_case_ask", "6.0.0", "11", 0, FIELD},
    {"peer_case_ask", "6.0.0", "08", 0, FIELD}, /* duplicate */
    {"peer_case_ask", "6.0.0", "09", 0, FIELD}, /* not increasing */
    {"peer_case_ask", "6.1.0", "10", 0, 0},     /* name_addr */
    {"peer_case_ask", "6.0.1", "c400", 0, FIELD},
    {"peer_case_ask", "6.0.1", "c41f", 31, FIELD},
    {"peer_case_ask", "6.0.1", "c6 00020020", 131104, OVERSIZED}, /* 4097 in a group */
    {"peer_case_ask", "6.0.1", "c6 00020000", 131072, OVERSIZED}, /* 4098 in all */
    {"peer_case_ask", "6.0.1", "c6 0001ffc0", 131008, 0},         /* 4096 in all */
    {"peer_case_ask", "6.0", "93 01 c420", 33, OVERSIZED},
    {"peer_case_ask", "6.0", "91 01", 0, MALFORMED},
    {"peer_case_ask", "^", "96", 0, MALFORMED},
    /* CASE_ANSWER [.., epoch, version, groups] */
    {"peer_case_answer", "3", "00", 0, FIELD},
    {"peer_case_answer", "3", "ceffffffff", 0, 0},
    {"peer_case_answer", "3", "cf0000000100000000", 0, FIELD},
    {"peer_case_answer", "4", "00", 0, FIELD},
    {"peer_case_answer", "4", "cfffffffffffffffff", 0, 0},
    {"peer_case_answer", "5", "90", 0, FIELD},
    {"peer_case_answer", "5.1.0", "01", 0, FIELD},
    {"peer_case_answer", "5.1.1", "c420", 32, 0},
    {"peer_case_answer", "^", "94", 0, MALFORMED},
    /* CASE_TELL [.., epoch, groups [[key_type, fingerprints bin 8n]]] */
    {"peer_case_tell", "3", "00", 0, 0},
    {"peer_case_tell", "4", "90", 0, 0}, /* none of yours */
    {"peer_case_tell", "4", "dc0011", 17, OVERSIZED},
    {"peer_case_tell", "4.0.0", "00", 0, FIELD},
    {"peer_case_tell", "4.0.0", "11", 0, FIELD},
    {"peer_case_tell", "4.0.0", "08", 0, FIELD}, /* duplicate */
    {"peer_case_tell", "4.0.1", "c400", 0, FIELD},
    {"peer_case_tell", "4.0.1", "c407", 7, FIELD},
    {"peer_case_tell", "4.0.1", "c5 8008", 32776, OVERSIZED}, /* 4097 in a group */
    {"peer_case_tell", "4.0.1", "c5 8000", 32768, OVERSIZED}, /* 4097 in all */
    {"peer_case_tell", "4.0.1", "c5 7ff8", 32760, 0},         /* 4096 in all */
    {"peer_case_tell", "4.0", "91 01", 0, MALFORMED},
    {"peer_case_tell_empty", "4", "91 92 01 c400", 0, FIELD},
    /* FILTER_REQ [.., epoch, version]: any values */
    {"peer_filter_req", "3", "00", 0, 0},
    {"peer_filter_req", "4", "00", 0, 0},
    {"peer_filter_req", "3", "cf0000000100000000", 0, FIELD},
    {"peer_filter_req", "4", "c0", 0, SP_ERR_PROTO_TYPE},
    /* FILTER [.., epoch, version, base_version, key_type, seq, complete,
     * added, removed]: the sample is part 0 of a whole BSN filter, 4 added */
    {"peer_filter", "3", "00", 0, FIELD},
    {"peer_filter", "4", "00", 0, FIELD},
    {"peer_filter", "5", "cd012c", 0, FIELD}, /* base == version */
    {"peer_filter", "5", "cd012d", 0, FIELD},
    {"peer_filter", "5", "cd012b", 0, 0}, /* a delta that only adds */
    {"peer_filter", "6", "00", 0, FIELD}, /* key type 0 with entries */
    {"peer_filter", "6", "11", 0, FIELD},
    {"peer_filter", "6", "10", 0, 0},
    {"peer_filter", "7", "ceffffffff", 0, 0},
    {"peer_filter", "8", "00", 0, SP_ERR_PROTO_TYPE},
    {"peer_filter", "9", "c407", 7, FIELD},
    {"peer_filter", "9", "c400", 0, 0},
    {"peer_filter", "10", "c408", 8, FIELD},                 /* a whole filter removes nothing */
    {"peer_filter", "9", "c6 00186a08", 1600008, OVERSIZED}, /* 200001 */
    {"peer_filter", "9", "c6 00186a00", 1600000, 0},         /* 200000 */
    {"peer_filter", "^", "9a", 0, MALFORMED},
    {"peer_filter_delta", "5", "00", 0, FIELD},                    /* removes from a whole filter */
    {"peer_filter_delta", "9", "c6 00186a00", 1600000, OVERSIZED}, /* 200002 in all */
    {"peer_filter_delta", "10", "c6 00186a00", 1600000, OVERSIZED},
    {"peer_filter_delta", "10", "c400", 0, 0},
    {"peer_filter_delta", "10", "c40f", 15, FIELD},
    {"peer_filter_complete", "9", "c408", 8, FIELD}, /* key type 0 with an entry */
    {"peer_filter_complete", "10", "c408", 8, FIELD},
    {"peer_filter_complete", "6", "01", 0, 0},
    {"peer_filter_complete", "5", "cd012c", 0, 0}, /* base == version: A is current */
    {"peer_filter_complete", "5", "cd012d", 0, FIELD},
    {"peer_filter_delta", "5", "cd012c", 0, FIELD}, /* current, but with entries */
    /* a later version may have more elements: its frame is refused as
     * VERSION (README section 2), not OVERSIZED */
    {"peer_done", "", "9a 03 0b", 8, SP_ERR_PROTO_VERSION},
    {"peer_done", "", "dc0014 03 0b", 18, SP_ERR_PROTO_VERSION},
    {"peer_done", "", "dc0014 03 0b", 0, OVERSIZED}, /* count not backed */
    /* version 1 (before PROGRESS) is refused as another version, also a
     * version 1 frame longer than any version 2 one */
    {"peer_done", "0", "01", 0, SP_ERR_PROTO_VERSION},
    {"peer_done", "", "9c 01 0b", 10, SP_ERR_PROTO_VERSION},
    /* PROGRESS [.., phase, work, busy] */
    {"peer_progress", "3", "00", 0, FIELD},
    {"peer_progress", "3", "04", 0, FIELD},
    {"peer_progress", "3", "01", 0, 0},
    {"peer_progress", "3", "03", 0, 0},
    {"peer_progress", "3", "cd0101", 0, FIELD},
    {"peer_progress", "4", "00", 0, 0},
    {"peer_progress", "4", "cfffffffffffffffff", 0, 0},
    {"peer_progress", "4", "ff", 0, FIELD}, /* negative */
    {"peer_progress", "5", "c3", 0, 0},
    {"peer_progress", "5", "00", 0, SP_ERR_PROTO_TYPE},
    {"peer_progress", "^", "95", 0, MALFORMED},
    {"peer_progress", "^", "97", 0, MALFORMED},
};

static void test_patches(void **state)
{
    (void)state;
    APPLY_PATCHES(peer_patches, &peer_codec);
}

/* ---- encoder-side validation: the encoder refuses what decoders refuse ---- */

static char long_text[SP_PROTO_TEXT_MAX + 1];

static void mut_origin(struct sp_peer_msg *m)
{
    m->batch.origin = 32;
}
static void mut_key0(struct sp_peer_msg *m)
{
    m->batch.key_type = 0;
}
static void mut_key17(struct sp_peer_msg *m)
{
    m->batch.key_type = SP_KEY_TYPE_MAX + 1;
}
static void mut_hops0(struct sp_peer_msg *m)
{
    m->batch.hops = 0;
}
static void mut_hops33(struct sp_peer_msg *m)
{
    m->batch.hops = 33;
}
static void mut_nelem(struct sp_peer_msg *m)
{
    m->batch.nelements = SP_PEER_BATCH_MAX_ELEMENTS + 1;
}
static void mut_elem_null(struct sp_peer_msg *m)
{
    m->batch.elements = NULL;
}
static void mut_kind(struct sp_peer_msg *m)
{
    m->credit.kind = SP_PEER_COUNTS;
}
static void mut_nholders(struct sp_peer_msg *m)
{
    m->verdict.nholders = SP_PEER_BATCH_MAX_ELEMENTS + 1;
}
static void mut_counts_order(struct sp_peer_msg *m)
{
    static const struct sp_peer_count bad[] = {{3, 1, 1}, {1, 1, 1}};
    m->counts.entries = bad;
}
static void mut_counts_zero(struct sp_peer_msg *m)
{
    static const struct sp_peer_count bad[] = {{3, 0, 1}};
    m->counts = (struct sp_peer_counts){bad, 1};
}
static void mut_code0(struct sp_peer_msg *m)
{
    m->refuse.code = 0;
}
static void mut_reason_long(struct sp_peer_msg *m)
{
    memset(long_text, 'a', sizeof(long_text)); /* unterminated */
    memcpy(m->refuse.reason, long_text, sizeof(long_text));
}
static void mut_reason_lf(struct sp_peer_msg *m)
{
    m->refuse.reason[3] = '\n';
}
static void mut_node(struct sp_peer_msg *m)
{
    m->log_head.node[0] = 'P';
}
static void mut_sig63(struct sp_peer_msg *m)
{
    m->propose.signature_len = 63;
}
static void mut_prop_long(struct sp_peer_msg *m)
{
    m->propose.proposal_len = SP_PROPOSAL_MAX_BYTES + 1;
}
static void mut_cert_long(struct sp_peer_msg *m)
{
    m->propose.signer_cert_len = SP_PEER_CERT_MAX_BYTES + 1;
}
static void mut_prop_bad(struct sp_peer_msg *m)
{
    m->propose.proposal_len -= 1;
}
static void mut_nset(struct sp_peer_msg *m)
{
    m->accept.nset_sizes = SP_KEY_TYPE_MAX + 1;
}
static void mut_set_order(struct sp_peer_msg *m)
{
    m->accept.set_sizes[2].key_type = 1;
}
static void mut_type0(struct sp_peer_msg *m)
{
    m->type = 0;
}
static void mut_type19(struct sp_peer_msg *m)
{
    m->type = SP_PEER_TYPE_MAX + 1;
}

static void mut_ask_ngroups0(struct sp_peer_msg *m)
{
    m->case_ask.ngroups = 0;
}
static void mut_ask_ngroups17(struct sp_peer_msg *m)
{
    m->case_ask.ngroups = SP_KEY_TYPE_MAX + 1;
}
static void mut_ask_empty_group(struct sp_peer_msg *m)
{
    m->case_ask.groups[1].nelements = 0;
}
static void mut_ask_null(struct sp_peer_msg *m)
{
    m->case_ask.groups[0].elements = NULL;
}
static void mut_ask_order(struct sp_peer_msg *m)
{
    m->case_ask.groups[1].key_type = m->case_ask.groups[0].key_type;
}
static void mut_ask_group_big(struct sp_peer_msg *m)
{
    m->case_ask.groups[0].nelements = SP_PEER_CASE_MAX_VALUES + 1;
}
static void mut_ask_total_big(struct sp_peer_msg *m)
{
    m->case_ask.groups[0].nelements = SP_PEER_CASE_MAX_VALUES - 1; /* + 2 */
}
static void mut_ask_proposal(struct sp_peer_msg *m)
{
    m->case_ask.propose.proposal_len -= 1;
}
static void mut_answer_epoch0(struct sp_peer_msg *m)
{
    m->case_answer.epoch = 0;
}
static void mut_answer_version0(struct sp_peer_msg *m)
{
    m->case_answer.version = 0;
}
static void mut_tell_empty_group(struct sp_peer_msg *m)
{
    m->case_tell.groups[0].nfp = 0;
}
static void mut_tell_null(struct sp_peer_msg *m)
{
    m->case_tell.groups[1].fp = NULL;
}
static void mut_tell_total_big(struct sp_peer_msg *m)
{
    m->case_tell.groups[0].nfp = SP_PEER_CASE_MAX_VALUES; /* + 1 */
}
static void mut_tell_ngroups17(struct sp_peer_msg *m)
{
    m->case_tell.ngroups = SP_KEY_TYPE_MAX + 1;
}
static void mut_filter_epoch0(struct sp_peer_msg *m)
{
    m->filter.epoch = 0;
}
static void mut_filter_base(struct sp_peer_msg *m)
{
    m->filter.base_version = m->filter.version;
}
static void mut_filter_key0(struct sp_peer_msg *m)
{
    m->filter.key_type = 0;
}
static void mut_filter_removed(struct sp_peer_msg *m)
{
    m->filter.removed = m->filter.added;
    m->filter.nremoved = 1;
}
static void mut_filter_null(struct sp_peer_msg *m)
{
    m->filter.added = NULL;
}
static void mut_filter_big(struct sp_peer_msg *m)
{
    m->filter.nremoved = SP_PEER_FILTER_MAX_ENTRIES; /* + 1 added */
}
/* "your copy is current": base_version == version only in an empty,
 * complete part of key type 0 */
static void mut_filter_current(struct sp_peer_msg *m)
{
    m->filter.base_version = m->filter.version;
}
static void mut_filter_current_open(struct sp_peer_msg *m)
{
    m->filter.base_version = m->filter.version;
    m->filter.complete = false;
}
static void mut_filter_current_key(struct sp_peer_msg *m)
{
    m->filter.base_version = m->filter.version;
    m->filter.key_type = SP_KEY_BSN;
}
static void mut_filter_wrap(struct sp_peer_msg *m)
{
    m->filter.nadded = UINT32_MAX; /* the sum must not wrap */
}

static const struct {
    const char *sample;
    void (*mutate)(struct sp_peer_msg *m);
    int want;
} encode_cases[] = {
    {"peer_case_ask", mut_ask_ngroups0, FIELD},
    {"peer_case_ask", mut_ask_ngroups17, OVERSIZED},
    {"peer_case_ask", mut_ask_empty_group, FIELD},
    {"peer_case_ask", mut_ask_null, FIELD},
    {"peer_case_ask", mut_ask_order, FIELD},
    {"peer_case_ask", mut_ask_group_big, OVERSIZED},
    {"peer_case_ask", mut_ask_total_big, OVERSIZED},
    {"peer_case_ask", mut_ask_proposal, FIELD},
    {"peer_case_answer", mut_answer_epoch0, FIELD},
    {"peer_case_answer", mut_answer_version0, FIELD},
    {"peer_case_tell", mut_tell_empty_group, FIELD},
    {"peer_case_tell", mut_tell_null, FIELD},
    {"peer_case_tell", mut_tell_total_big, OVERSIZED},
    {"peer_case_tell", mut_tell_ngroups17, OVERSIZED},
    {"peer_filter", mut_filter_epoch0, FIELD},
    {"peer_filter", mut_filter_base, FIELD},
    {"peer_filter", mut_filter_key0, FIELD},
    {"peer_filter", mut_filter_removed, FIELD},
    {"peer_filter", mut_filter_null, FIELD},
    {"peer_filter_delta", mut_filter_big, OVERSIZED},
    {"peer_filter_delta", mut_filter_wrap, OVERSIZED},
    {"peer_filter_complete", mut_filter_current, 0},
    {"peer_filter_complete", mut_filter_current_open, FIELD},
    {"peer_filter_complete", mut_filter_current_key, FIELD},
    {"peer_batch", mut_origin, FIELD},
    {"peer_batch", mut_key0, FIELD},
    {"peer_batch", mut_key17, FIELD},
    {"peer_batch", mut_hops0, FIELD},
    {"peer_batch", mut_hops33, FIELD},
    {"peer_batch", mut_nelem, OVERSIZED},
    {"peer_batch", mut_elem_null, FIELD},
    {"peer_credit", mut_kind, FIELD},
    {"peer_verdict", mut_nholders, OVERSIZED},
    {"peer_counts", mut_counts_order, FIELD},
    {"peer_counts", mut_counts_zero, FIELD},
    {"peer_refuse", mut_code0, FIELD},
    {"peer_refuse", mut_reason_long, FIELD},
    {"peer_refuse", mut_reason_lf, FIELD},
    {"peer_log_head", mut_node, FIELD},
    {"peer_propose", mut_sig63, FIELD},
    {"peer_propose", mut_prop_long, OVERSIZED},
    {"peer_propose", mut_cert_long, OVERSIZED},
    {"peer_propose", mut_prop_bad, FIELD},
    {"peer_accept", mut_nset, OVERSIZED},
    {"peer_accept", mut_set_order, FIELD},
    {"peer_start", mut_type0, UNKNOWN},
    {"peer_start", mut_type19, UNKNOWN},
};

static const struct peer_sample *find_sample(const char *name)
{
    for (size_t i = 0; i < npeer_samples; i++) {
        if (strcmp(peer_samples[i].name, name) == 0)
            return &peer_samples[i];
    }
    fail_msg("no sample %s", name);
    abort(); /* fail_msg does not return; cmocka does not declare it noreturn */
}

static void test_encode_validates(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]); i++) {
        struct sp_peer_msg m;

        find_sample(encode_cases[i].sample)->build(&m);
        encode_cases[i].mutate(&m);
        check_encode_result(&peer_codec, &m, encode_cases[i].want);
    }
}

/* Every buffer shorter than the message: SP_ERR_OVERFLOW, no write beyond. */
static void test_encode_small_buffer(void **state)
{
    (void)state;
    for (size_t i = 0; i < npeer_samples; i++) {
        struct sp_peer_msg m;

        peer_samples[i].build(&m);
        check_small_buffers(&peer_codec, &m);
    }
}

/* The largest messages fit SP_PEER_MSG_MAX_BYTES. */
static void test_limits_fit(void **state)
{
    struct sp_peer_count *e = calloc(SP_PROTO_MAX_COUNT_ENTRIES, sizeof(*e));
    uint8_t *el = calloc(SP_PEER_BATCH_MAX_ELEMENTS, SP_PEER_ELEMENT_BYTES);
    struct sp_peer_msg m = {.type = SP_PEER_COUNTS}, d;
    uint8_t *buf = NULL;
    size_t len;

    (void)state;
    assert_non_null(e);
    assert_non_null(el);
    for (uint32_t i = 0; i < SP_PROTO_MAX_COUNT_ENTRIES; i++)
        e[i] = (struct sp_peer_count){15, 0xffff0000u + i, UINT64_MAX};
    m.counts = (struct sp_peer_counts){e, SP_PROTO_MAX_COUNT_ENTRIES};
    assert_int_equal(sp_peer_encode_alloc(&m, &buf, &len), 0);
    assert_true(len <= SP_PEER_MSG_MAX_BYTES);
    assert_int_equal(sp_peer_decode(buf, len, &d), 0);
    assert_true(peer_equal(&m, &d));
    sp_peer_msg_clear(&d);
    free(buf);
    m = (struct sp_peer_msg){.type = SP_PEER_BATCH};
    m.batch = (struct sp_peer_batch){31, 15, UINT32_MAX, 32, true, el, SP_PEER_BATCH_MAX_ELEMENTS};
    assert_int_equal(sp_peer_encode_alloc(&m, &buf, &len), 0);
    assert_int_equal(sp_peer_decode(buf, len, &d), 0);
    assert_ptr_equal(d.batch.elements, buf + len - SP_PEER_BATCH_MAX_ELEMENTS * 32); /* zero-copy */
    sp_peer_msg_clear(&d);
    /* A frame beyond the limit is refused before it is parsed. */
    assert_int_equal(sp_peer_decode(buf, SP_PEER_MSG_MAX_BYTES + 1, &d), OVERSIZED);
    free(buf);
    free(el);
    free(e);
}

/* The largest FILTER (every integer at its widest) fits the frame, and its
 * fingerprints come back in order from storage the message owns. */
static void test_filter_limit_fits(void **state)
{
    uint64_t *fp = malloc(SP_PEER_FILTER_MAX_ENTRIES * sizeof(uint64_t));
    struct sp_peer_msg m = {.type = SP_PEER_FILTER}, d;
    uint8_t *buf = NULL;
    size_t len;

    (void)state;
    assert_non_null(fp);
    for (uint32_t i = 0; i < SP_PEER_FILTER_MAX_ENTRIES; i++)
        fp[i] = UINT64_MAX - i;
    m.filter = (struct sp_peer_filter){UINT32_MAX,
                                       UINT64_MAX,
                                       UINT64_MAX - 1,
                                       SP_KEY_TYPE_MAX,
                                       UINT32_MAX,
                                       true,
                                       fp,
                                       SP_PEER_FILTER_MAX_ENTRIES / 2,
                                       fp + 7,
                                       SP_PEER_FILTER_MAX_ENTRIES / 2};
    assert_int_equal(sp_peer_encode_alloc(&m, &buf, &len), 0);
    print_message("largest FILTER: %zu bytes (limit %u)\n", len, SP_PEER_MSG_MAX_BYTES);
    assert_true(len <= SP_PEER_MSG_MAX_BYTES);
    assert_int_equal(sp_peer_decode(buf, len, &d), 0);
    assert_true(peer_equal(&m, &d));
    assert_ptr_equal(d.filter.added, d.owned_);
    sp_peer_msg_clear(&d);
    free(buf);
    m.filter.nremoved += 1;
    check_encode_result(&peer_codec, &m, OVERSIZED);
    free(fp);
}

/* A CASE_ASK with the most values and the largest proposal parts fits. */
static void test_case_ask_limit_fits(void **state)
{
    uint8_t *el = calloc(SP_PEER_CASE_MAX_VALUES, SP_PEER_ELEMENT_BYTES);
    static uint8_t cert[SP_PEER_CERT_MAX_BYTES], sig[SP_PEER_SIGNATURE_BYTES];
    struct sp_peer_msg m, d;
    uint8_t *buf = NULL;
    size_t len;

    (void)state;
    assert_non_null(el);
    find_sample("peer_case_ask")->build(&m);
    m.case_ask.propose.signer_cert = cert;
    m.case_ask.propose.signer_cert_len = sizeof(cert);
    m.case_ask.propose.signature = sig;
    m.case_ask.ngroups = SP_KEY_TYPE_MAX;
    for (uint32_t i = 0; i < SP_KEY_TYPE_MAX; i++)
        m.case_ask.groups[i] = (struct sp_peer_case_group){
            (uint8_t)(i + 1), el + i * 256 * SP_PEER_ELEMENT_BYTES, SP_PEER_CASE_MAX_VALUES / 16};
    assert_int_equal(sp_peer_encode_alloc(&m, &buf, &len), 0);
    assert_int_equal(sp_peer_decode(buf, len, &d), 0);
    assert_true(peer_equal(&m, &d));
    sp_peer_msg_clear(&d);
    free(buf);
    free(el);
}

static void test_clear_and_names(void **state)
{
    struct sp_peer_msg m;

    (void)state;
    sp_peer_msg_clear(NULL);
    find_sample("peer_verdict")->build(&m); /* holders are the sample's, not owned */
    sp_peer_msg_clear(&m);
    assert_null(m.verdict.holders);
    assert_string_equal(sp_peer_type_name(SP_PEER_BATCH), "BATCH");
    assert_string_equal(sp_peer_type_name(SP_PEER_LOG_HEAD), "LOG_HEAD");
    assert_null(sp_peer_type_name(0));
    assert_null(sp_peer_type_name(20));
    assert_string_equal(sp_peer_type_name(SP_PEER_PROGRESS), "PROGRESS");
    assert_string_equal(sp_peer_type_name(SP_PEER_CASE_ASK), "CASE_ASK");
    assert_string_equal(sp_peer_type_name(SP_PEER_CASE_ANSWER), "CASE_ANSWER");
    assert_string_equal(sp_peer_type_name(SP_PEER_CASE_TELL), "CASE_TELL");
    assert_string_equal(sp_peer_type_name(SP_PEER_FILTER_REQ), "FILTER_REQ");
    assert_string_equal(sp_peer_type_name(SP_PEER_FILTER), "FILTER");
}

static void test_reason_set(void **state)
{
    struct sp_peer_reason r;
    struct sp_peer_msg m;
    char big[3000];
    uint8_t buf[2048];
    size_t len;

    (void)state;
    sp_peer_reason_set(&r, SP_ERR_TIMEOUT, "line\none\x01\xff end");
    assert_int_equal(r.code, SP_ERR_TIMEOUT);
    assert_string_equal(r.reason, "line one   end");
    sp_peer_reason_set(&r, 5, NULL);
    assert_int_equal(r.code, SP_ERR_INTERNAL);
    assert_string_equal(r.reason, "");
    /* 1023 ASCII bytes then a 2-byte character: cut before it, not inside. */
    memset(big, 'x', sizeof(big));
    memcpy(big + 1023, "\xc3\xa9", 2);
    big[sizeof(big) - 1] = '\0';
    sp_peer_reason_set(&r, -1, big);
    assert_int_equal(strlen(r.reason), 1023);
    /* What it produces always encodes. */
    m = (struct sp_peer_msg){.type = SP_PEER_ABORT, .abort = r};
    assert_int_equal(sp_peer_encode(&m, buf, sizeof(buf), &len), 0);
    sp_peer_reason_set(&r, -1, "\xe2\x82");
    assert_string_equal(r.reason, "  ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_reject_battery),
        cmocka_unit_test(test_patches),
        cmocka_unit_test(test_encode_validates),
        cmocka_unit_test(test_encode_small_buffer),
        cmocka_unit_test(test_limits_fit),
        cmocka_unit_test(test_filter_limit_fits),
        cmocka_unit_test(test_case_ask_limit_fits),
        cmocka_unit_test(test_clear_and_names),
        cmocka_unit_test(test_reason_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
