/*
 * A case round's own part (struct sp_round's cq), shared by the asking
 * node's file (case_ask.c) and a partner's (case_answer.c). See core.h,
 * "case questions".
 */
#ifndef SP_ROUND_CASE_Q_H
#define SP_ROUND_CASE_Q_H

#include <stdbool.h>
#include <stdint.h>

#include "round/core.h"

struct sp_oprf_blinds;

/* What the asker has from one partner. */
struct sp_eng_case_part {
    uint8_t *answer; /* the partner's evaluated values until unblinded */
    uint64_t *fp;    /* per value: the fingerprint of the partner's PRF output */
    uint8_t *found;  /* per value: 1 when the partner's filter holds it */
    uint32_t epoch;
    uint64_t version;
    bool unblinding;
    int code;                        /* refused or no answer: the SP_ERR_* */
    char why[SP_ENG_REASON_MAX + 1]; /* ... and why */
    uint64_t known;                  /* answered: case subjects it knows */
};

struct sp_eng_case_q {
    /* the asking node */
    struct sp_case_list list;
    struct sp_oprf_blinds *blinds;
    uint8_t *asked; /* list.nvalues * 32: the blinded values sent to every partner */
    bool blinding, asked_sent, finished;
    uint32_t pending;  /* partners (bits) whose answer is not looked up yet */
    uint32_t answered; /* ... answered and looked up */
    uint32_t failed;   /* ... refused, aborted, or no answer by the deadline */
    struct sp_eng_case_part part[SP_PROTO_MAX_PARTICIPANTS];
    uint64_t subjects_found;
    /* a partner */
    uint32_t n_asked[SP_ENG_NTYPES]; /* values asked per key type */
    uint32_t epoch;
    uint64_t version;
    bool borrowed, eval_out, answer_sent;
};

/* case_ask.c */
void sp_eng_case_ask_advance(struct sp_round *r);
void sp_eng_case_ask_deadline(struct sp_round *r);
/* Partner p unreachable since `when`: recorded as not answering (if it has
 * not answered yet); the others' answers stand. */
void sp_eng_case_ask_link_lost(struct sp_round *r, unsigned p, const char *when);
SP_NODISCARD int sp_eng_case_ask_on_msg(struct sp_round *r, unsigned from,
                                        const struct sp_peer_msg *m);
void sp_eng_case_ask_job_done(struct sp_round *r, struct sp_eng_job *j);
void sp_eng_case_ask_release(struct sp_eng_case_q *q);

/* case_answer.c */
void sp_eng_case_answer_advance(struct sp_round *r);
SP_NODISCARD int sp_eng_case_answer_on_msg(struct sp_round *r, unsigned from,
                                           const struct sp_peer_msg *m);
void sp_eng_case_answer_job_done(struct sp_round *r, struct sp_eng_job *j);
void sp_eng_case_answer_release(struct sp_round *r);

#endif
