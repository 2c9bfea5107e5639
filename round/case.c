/* A case round's events, to the asking node's file or a partner's (the
 * top of the case files; see core.h, "case questions"). A case round has
 * its own admission: no ring, no counting node, one exchange per partner. */
#include <stdlib.h>

#include "round/case_q.h"

static bool asking(const struct sp_round *r)
{
    return (r->roles & SP_ROUND_ROLE_INITIATOR) != 0;
}

int sp_eng_case_on_msg(struct sp_round *r, unsigned from, const struct sp_peer_msg *m)
{
    if (m->type == SP_PEER_LOG_HEAD)
        return sp_eng_audit_on_log_head(r, from, m);
    if (sp_round_state_terminal(r->state) || !r->cq)
        return SP_ERR_STATE;
    return asking(r) ? sp_eng_case_ask_on_msg(r, from, m) : sp_eng_case_answer_on_msg(r, from, m);
}

void sp_eng_case_job_done(struct sp_round *r, struct sp_eng_job *job)
{
    if (!r->cq)
        return;
    if (asking(r))
        sp_eng_case_ask_job_done(r, job);
    else
        sp_eng_case_answer_job_done(r, job);
}

void sp_eng_case_advance(struct sp_round *r)
{
    if (!r->cq || sp_round_state_terminal(r->state))
        return;
    if (asking(r))
        sp_eng_case_ask_advance(r);
    else
        sp_eng_case_answer_advance(r);
}

bool sp_eng_case_deadline(struct sp_round *r)
{
    if (!r->cq || !asking(r) || r->state != SP_ROUND_RUNNING)
        return false; /* a partner, or a question not yet asked: fails as any round */
    sp_eng_case_ask_deadline(r);
    return true;
}

bool sp_eng_case_link_lost(struct sp_round *r, unsigned p, const char *when)
{
    if (!r->cq)
        return false;
    if (!asking(r))
        return p != r->initiator; /* other partners play no part in its answer */
    sp_eng_case_ask_link_lost(r, p, when);
    return true;
}

void sp_eng_case_release(struct sp_round *r)
{
    if (!r->cq)
        return;
    if (asking(r))
        sp_eng_case_ask_release(r->cq);
    else
        sp_eng_case_answer_release(r);
}

void sp_eng_case_free(struct sp_round *r)
{
    sp_eng_case_release(r);
    free(r->cq);
    r->cq = NULL;
}
