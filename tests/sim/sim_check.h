/*
 * The per-message privacy check: every message an engine hands to its send
 * port is decoded (proto/peer.h) and held against what the round's mode
 * discloses to its receiver (tests/sim/README.md lists the rules and where
 * protocol.md states them). A message that gives its receiver more than
 * the mode allows is a privacy violation; a message that breaks a routing
 * or consistency rule without disclosing more is a protocol violation.
 * Messages a lying node changed on purpose are not checked here (the lie is
 * the fault); what their receivers do with them is checked at the end.
 */
#ifndef SP_SIM_CHECK_H
#define SP_SIM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_data.h"

#define SIM_CHECK_WHY 200

struct sim_final_el;  /* private */
struct sim_case_list; /* sim_case_data.h */

struct sim_round_view {
    uint8_t round_id[16];
    bool have_id;
    unsigned n;                  /* participants */
    int node_of[32];             /* participant index -> simulator node */
    int part_of[SIM_MAX_NODES];  /* simulator node -> participant index, -1 */
    unsigned initiator, counter; /* participant indices */
    int mode;                    /* enum sp_proposal_mode */
    unsigned k;
    uint32_t types[32];     /* key types each participant offers */
    uint64_t sizes[32][17]; /* its distinct values per key type (what ACCEPT says) */
    /* every FINAL element seen, with the participants that sent it */
    struct sim_final_el *els;
    size_t nels, cap;
    /* the FINALs seen per (participant, key type, seq): where their
     * elements start in els_order */
    struct sim_final_ref {
        uint8_t part, key_type;
        uint32_t seq, n;
        bool last;
        size_t first; /* into order[] */
    } * finals;
    size_t nfinals, cap_finals;
    uint32_t *order; /* element index (into els) of each FINAL position */
    size_t norder, cap_order;
    /* mode case: the nodes that ask (case_ask), the nodes each node serves
     * its filter to (its case_askers, when it keeps outputs), and the list
     * whose values no reason may name */
    uint32_t case_asker_nodes;
    uint32_t serves[SIM_MAX_NODES];
    const struct sim_case_list *case_list;
    /* PROGRESS: the highest work each participant reported to each other */
    uint64_t progress_work[32][32];
    /* findings */
    uint32_t accepted; /* participants whose ACCEPT the check saw */
    uint64_t messages, privacy, protocol;
    char first_privacy[SIM_CHECK_WHY];
    char first_protocol[SIM_CHECK_WHY];
};

void sim_check_init(struct sim_round_view *v);
void sim_check_free(struct sim_round_view *v);

/* Checks one message sent by node `from` to node `to`. Returns 0 when it
 * passes; 1 for a protocol violation; 2 for a privacy violation (counted,
 * the first of each kind described). Messages of other rounds than the
 * view's (before the id is known: every round) are checked only for the
 * rules that need no round. */
int sim_check_message(struct sim_round_view *v, unsigned from, unsigned to, const uint8_t *bytes,
                      size_t len);

/* After the round: every participant other than the counting node that
 * sent the last FINAL of a key type sent exactly its distinct values of that
 * type. Returns 0 or 1 (a protocol violation, counted and described). */
int sim_check_finals_complete(struct sim_round_view *v);

/* Checks a text a node produced (log line, reason) for a value. */
bool sim_check_text_clean(const char *s, size_t len);

#endif
