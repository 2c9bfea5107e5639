/* snijpunt proposal: a coordinator's signed round proposal — create it
 * (sign it with the coordinator key), show and check it, and submit it to
 * a participating node (the same as `snijpunt round start --proposal`). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/schema.h"
#include "common/keytype.h"
#include "common/roundid.h"
#include "crypto/identity.h"
#include "sys/keyfile.h"
#include "tools/cli_args.h"
#include "tools/cli_audit_io.h"
#include "tools/cli_case_list.h"
#include "tools/cli_control.h"
#include "tools/cli_json.h"
#include "tools/cli_proposal.h"
#include "tools/cmd.h"

#define PROG   "snijpunt proposal"
#define CREATE "proposal create"

static void usage(FILE *out)
{
    fprintf(out, "usage: snijpunt proposal create --key COORD.key --cert COORD.crt --case "
                 "REF\n"
                 "              --purpose TEXT [--legal-basis TEXT] [--key-types LIST]\n"
                 "              (--participant NAME --oin OIN [--legal-basis TEXT]\n"
                 "               [--key-types LIST])... [--min-holders K] [--mode MODE]\n"
                 "              [--counter NAME] [--max-set-size N] [--expires TIME]\n"
                 "              [--deadline TIME] [--retention-days N] --out FILE "
                 "[--force]\n"
                 "              [--mode case --asker NAME (--case-list FILE --case-mapping MAP |\n"
                 "               (--case-size TYPE=N)...) [--tell-holders]]\n"
                 "       snijpunt proposal show FILE [--ca CA.crt [--crl CRL]] [--json]\n"
                 "       snijpunt proposal submit FILE [--json] [connection options]\n\n"
                 "create: a round proposal for a case, signed with the coordinator's key "
                 "(its\n"
                 "  certificate from `snijpunt ca issue --role coordinator` goes along). "
                 "The\n"
                 "  participants are listed in ring order, each with its organisation's "
                 "OIN;\n"
                 "  --legal-basis and --key-types after a --participant are that "
                 "participant's,\n"
                 "  before the first everyone's default. Defaults: k 2, mode partners,\n"
                 "  the first participant counts, max set size 1000000, expires in 24h,\n"
                 "  results kept 30 days (0: until read once), and the deadline the round's\n"
                 "  size calls for: 10m + 1 ms per value every node may have to blind\n"
                 "  (participants' key types x max set size), at most 7d. TIME is seconds\n"
                 "  or with s/m/h/d.\n"
                 "  --mode case: a case question of participant --asker (k 1). Its size per\n"
                 "  key type: --case-list FILE --case-mapping MAP counts the case list's\n"
                 "  distinct values here (the list is not in the proposal), or --case-size\n"
                 "  bsn=3 says it asks about 3 BSNs (repeat per key type, 4096 in all); its\n"
                 "  key types are those it gives sizes for; the others answer for their\n"
                 "  --key-types (default the asker's). --tell-holders: each partner learns\n"
                 "  which of its own records matched.\n"
                 "show: what the proposal says; with --ca, whether its signature is "
                 "valid\n"
                 "  (exit status 1 when it is not); --json: the same as one JSON "
                 "object.\n"
                 "submit: hands it to the local node (ROUND_SUBMIT), which checks it and\n"
                 "  proposes the round to the others; prints the round "
                 "id.\n" SP_CLI_TARGET_HELP "\nExit status: 0 done, 1 failed or refused "
                 "(reason printed), 2 usage.\n");
}

struct create {
    const char *key, *cert, *out, *counter, *asker;
    const char *case_list, *case_mapping; /* --case-list: sizes counted from the list */
    char def_basis[SP_PROTO_LEGAL_BASIS_MAX + 1];
    uint32_t def_types;
    struct sp_proposal p;
    bool force, help, types_set[SP_PROTO_MAX_PARTICIPANTS];
    bool def_types_set, k_set, tell; /* given on the command line */
    int64_t expires_s;
};

/* seconds, or with s/m/h/d; 1..max */
static int parse_seconds(const char *s, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int64_t m = 1;
    if (end && *end && !end[1])
        m = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
    else if (end && *end)
        m = 0;
    if (errno || end == s || m == 0 || v < 1 || v > max / m)
        return -1;
    *out = v * m;
    return 0;
}

static int set_text(char *dst, size_t cap, const char *opt, const char *v)
{
    const char *why = NULL;
    if (sp_audit_text_check(v, strlen(v), cap - 1, &why) != 0) {
        fprintf(stderr, PROG " create: %s: %s\n", opt, why);
        return -1;
    }
    snprintf(dst, cap, "%s", v);
    return 0;
}

static struct sp_proposal_participant *current(struct create *c)
{
    return c->p.nparticipants ? &c->p.participants[c->p.nparticipants - 1] : NULL;
}

static int add_participant(struct create *c, const char *name)
{
    if (c->p.nparticipants == SP_PROTO_MAX_PARTICIPANTS) {
        fprintf(stderr, PROG " create: at most %d participants\n", SP_PROTO_MAX_PARTICIPANTS);
        return -1;
    }
    if (!sp_proto_node_name_valid(name, strlen(name))) {
        fprintf(stderr, PROG " create: --participant %s: not a node name (a-z, 0-9, '-')\n", name);
        return -1;
    }
    struct sp_proposal_participant *pp = &c->p.participants[c->p.nparticipants++];
    snprintf(pp->name, sizeof pp->name, "%s", name);
    return 0;
}

static int set_types(struct create *c, const char *v)
{
    uint32_t mask = 0;
    char list[256];
    size_t n = 0;
    for (const char *s = v; *s && n + 1 < sizeof list; s++)
        if (*s != ' ')
            list[n++] = *s;
    list[n] = '\0';
    if (sp_key_mask_parse(list, &mask) != 0) {
        fprintf(stderr, PROG " create: --key-types %s: not a list of key types\n", v);
        return -1;
    }
    if (current(c)) {
        current(c)->key_types = mask;
        c->types_set[c->p.nparticipants - 1] = true;
    } else {
        c->def_types = mask;
        c->def_types_set = true;
    }
    return 0;
}

static int set_mode(struct create *c, const char *v)
{
    static const char *const names[] = {NULL, "counts", "threshold", "partners", "case"};
    for (int m = SP_PROPOSAL_MODE_COUNTS; m <= SP_PROPOSAL_MODE_CASE; m++)
        if (strcmp(v, names[m]) == 0) {
            c->p.mode = (uint8_t)m;
            return 0;
        }
    fprintf(stderr, PROG " create: --mode must be counts, threshold, partners or case\n");
    return -1;
}

/* --case-size TYPE=N: how many values of a key type the question asks
 * about; once per key type. */
static int set_case_size(struct create *c, const char *v)
{
    char name[64];
    const char *eq = strchr(v, '=');
    uint64_t n = 0;
    int t = -1;
    if (eq && (size_t)(eq - v) < sizeof name) {
        snprintf(name, sizeof name, "%.*s", (int)(eq - v), v);
        t = sp_key_type_from_name(name);
    }
    if (t < SP_KEY_TYPE_MIN || t > SP_KEY_TYPE_MAX) {
        fprintf(stderr,
                PROG " create: --case-size %s: expected TYPE=N with a key type (e.g. "
                     "bsn=3)\n",
                v);
        return -1;
    }
    if (sp_cli_parse_u64(CREATE, "case-size", eq + 1, 1, SP_PROPOSAL_CASE_MAX_VALUES, &n) != 0)
        return -1;
    if (c->p.case_sizes[t] != 0) {
        fprintf(stderr, PROG " create: --case-size %s: key type given twice\n", name);
        return -1;
    }
    c->p.case_sizes[t] = (uint32_t)n;
    return 0;
}

static int create_option(struct create *c, int opt, const char *v)
{
    struct sp_proposal_participant *pp = current(c);
    uint64_t n = 0;
    int64_t s = 0;
    switch (opt) {
    case 'r':
        return set_text(c->p.case_ref, sizeof c->p.case_ref, "--case", v);
    case 'u':
        return set_text(c->p.purpose, sizeof c->p.purpose, "--purpose", v);
    case 'p':
        return add_participant(c, v);
    case 't':
        return set_types(c, v);
    case 'M':
        return set_mode(c, v);
    case 'b':
        if (!pp)
            return set_text(c->def_basis, sizeof c->def_basis, "--legal-basis", v);
        return set_text(pp->legal_basis, sizeof pp->legal_basis, "--legal-basis", v);
    case 'i':
        if (!pp || strlen(v) != SP_PROTO_OIN_BYTES || strspn(v, "0123456789") != strlen(v)) {
            fprintf(stderr, PROG " create: --oin (20 digits) follows its --participant\n");
            return -1;
        }
        snprintf(pp->oin, sizeof pp->oin, "%s", v);
        return 0;
    case 'K':
        if (sp_cli_parse_u64(CREATE, "min-holders", v, 1, SP_PROTO_MAX_PARTICIPANTS, &n) != 0)
            return -1;
        c->p.min_holders = (uint8_t)n;
        c->k_set = true;
        return 0;
    case 'z':
        return set_case_size(c, v);
    case 'x':
        if (sp_cli_parse_u64(CREATE, "max-set-size", v, 1, UINT64_MAX, &n) != 0)
            return -1;
        c->p.max_set_size = n;
        return 0;
    case 'R':
        if (sp_cli_parse_u64(CREATE, "retention-days", v, 0, UINT32_MAX, &n) != 0)
            return -1;
        c->p.retention_days = (uint32_t)n;
        return 0;
    case 'e':
        if (parse_seconds(v, 366 * 86400, &c->expires_s) != 0)
            return fprintf(stderr, PROG " create: --expires: up to a year (e.g. 24h)\n"), -1;
        return 0;
    case 'd':
        if (parse_seconds(v, SP_PROTO_MAX_DEADLINE_S, &s) != 0)
            return fprintf(stderr, PROG " create: --deadline: 1 s .. 7 d (e.g. 10m)\n"), -1;
        c->p.deadline_s = (uint32_t)s;
        return 0;
    default:
        return SP_CLI_OPT_UNKNOWN;
    }
}

/* A bad value (-1 from create_option, reason printed) is a usage error. */
static int create_arg(void *ctx, int opt, const char *v)
{
    int r = create_option(ctx, opt, v);
    return r == -1 ? SP_CLI_EXIT_USAGE : r;
}

static int parse_create(int argc, char **argv, struct create *c)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"cert", required_argument, NULL, 'c'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"counter", required_argument, NULL, 'C'},
                                         {"asker", required_argument, NULL, 'A'},
                                         {"case-size", required_argument, NULL, 'z'},
                                         {"tell-holders", no_argument, NULL, 'T'},
                                         {"case-list", required_argument, NULL, 'L'},
                                         {"case-mapping", required_argument, NULL, 'G'},
                                         {"force", no_argument, NULL, 'f'},
                                         SP_CLI_HELP_OPTION,
                                         {"case", required_argument, NULL, 'r'},
                                         {"purpose", required_argument, NULL, 'u'},
                                         {"participant", required_argument, NULL, 'p'},
                                         {"key-types", required_argument, NULL, 't'},
                                         {"mode", required_argument, NULL, 'M'},
                                         {"legal-basis", required_argument, NULL, 'b'},
                                         {"oin", required_argument, NULL, 'i'},
                                         {"min-holders", required_argument, NULL, 'K'},
                                         {"max-set-size", required_argument, NULL, 'x'},
                                         {"retention-days", required_argument, NULL, 'R'},
                                         {"expires", required_argument, NULL, 'e'},
                                         {"deadline", required_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    const char **value[] = {
        ['k'] = &c->key,   ['c'] = &c->cert,      ['o'] = &c->out,         ['C'] = &c->counter,
        ['A'] = &c->asker, ['L'] = &c->case_list, ['G'] = &c->case_mapping};
    bool *flag[] = {['f'] = &c->force, ['T'] = &c->tell};
    const struct sp_cli_options spec = {.cmd = "proposal create",
                                        .table = opts,
                                        .usage = usage,
                                        .help = &c->help,
                                        SP_CLI_STRINGS(value),
                                        SP_CLI_FLAGS(flag),
                                        .option = create_arg,
                                        .ctx = c};
    return sp_cli_parse_options(argc, argv, &spec);
}

/* The key types of the question's sizes. */
static uint32_t case_mask(const struct sp_proposal *p)
{
    uint32_t mask = 0;
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (p->case_sizes[t] != 0)
            mask |= SP_KEY_MASK(t);
    return mask;
}

/* --case-list LIST --case-mapping MAP: the sizes are the list's distinct
 * values per key type, counted as the asking node will read the list (the
 * list stays here; only the counts go into the proposal). */
static int sizes_from_list(struct create *c)
{
    if (!c->case_list && !c->case_mapping)
        return 0;
    if (!c->case_list || !c->case_mapping) {
        fprintf(stderr, PROG " create: --case-list and --case-mapping go together\n");
        return 2;
    }
    if (case_mask(&c->p)) {
        fprintf(stderr, PROG " create: give --case-size or --case-list, not both\n");
        return 2;
    }
    return sp_cli_case_sizes(PROG " create", c->case_mapping, c->case_list, c->p.case_sizes) == 0
               ? 0
               : 1;
}

/* Options that belong to one kind of proposal only. */
static int check_mode_options(const struct create *c)
{
    bool is_case = c->p.mode == SP_PROPOSAL_MODE_CASE;
    const char *wrong = NULL;
    if (!is_case && (c->asker || c->tell || case_mask(&c->p) || c->case_list))
        wrong = c->asker       ? "--asker"
                : c->tell      ? "--tell-holders"
                : c->case_list ? "--case-list"
                               : "--case-size";
    if (wrong) {
        fprintf(stderr, PROG " create: %s needs --mode case\n", wrong);
        return -1;
    }
    if (!is_case)
        return 0;
    if (c->counter || (c->k_set && c->p.min_holders != 1)) {
        fprintf(stderr, PROG " create: --mode case: the asker (--asker) counts and k is 1; "
                             "give neither --counter nor --min-holders\n");
        return -1;
    }
    if (!c->asker || !case_mask(&c->p)) {
        fprintf(stderr, PROG " create: --mode case needs --asker NAME and the question's size: "
                             "--case-list FILE --case-mapping MAP, or --case-size TYPE=N\n");
        return -1;
    }
    return 0;
}

/* Mode case: the asker asks about exactly the key types it gives sizes for
 * (its own --key-types, if any, must say the same); the others answer for
 * their --key-types, by default the asker's. */
static int complete_case(struct create *c)
{
    int asker = sp_proposal_participant_index(&c->p, c->asker);
    uint32_t mask = case_mask(&c->p);
    if (asker < 0) {
        fprintf(stderr, PROG " create: --asker %s is not a participant\n", c->asker);
        return -1;
    }
    if (c->types_set[asker] && c->p.participants[asker].key_types != mask) {
        fprintf(stderr,
                PROG " create: --asker %s: its --key-types must be the key types of "
                     "the --case-size options\n",
                c->asker);
        return -1;
    }
    for (uint32_t i = 0; i < c->p.nparticipants; i++)
        if (!c->types_set[i])
            c->p.participants[i].key_types = c->def_types_set ? c->def_types : mask;
    c->p.participants[asker].key_types = mask;
    c->p.counter = (uint8_t)asker;
    c->p.min_holders = 1;
    c->p.tell_holders = c->tell;
    return 0;
}

/* Fills what the options left open and checks the whole. */
static int complete(struct create *c)
{
    for (uint32_t i = 0; i < c->p.nparticipants; i++) {
        struct sp_proposal_participant *pp = &c->p.participants[i];
        if (!pp->legal_basis[0])
            snprintf(pp->legal_basis, sizeof pp->legal_basis, "%s", c->def_basis);
        if (!c->types_set[i])
            pp->key_types = c->def_types;
        if (!pp->legal_basis[0]) {
            fprintf(stderr, PROG " create: participant %s has no --legal-basis\n", pp->name);
            return -1;
        }
        if (!pp->oin[0]) {
            fprintf(stderr,
                    PROG " create: participant %s has no --oin (its organisation's OIN, 20 "
                         "digits, as in its node certificate)\n",
                    pp->name);
            return -1;
        }
    }
    int counter = c->counter ? sp_proposal_participant_index(&c->p, c->counter) : 0;
    if (counter < 0) {
        fprintf(stderr, PROG " create: --counter %s is not a participant\n", c->counter);
        return -1;
    }
    c->p.counter = (uint8_t)counter;
    if (c->p.mode == SP_PROPOSAL_MODE_CASE && complete_case(c) != 0)
        return -1;
    if (c->p.deadline_s == 0) /* no --deadline: what the round's size calls for */
        c->p.deadline_s = sp_proposal_deadline_for_size(&c->p);
    randombytes_buf(c->p.round_id, sizeof c->p.round_id);
    c->p.created_at = (uint64_t)time(NULL);
    c->p.expires_at = c->p.created_at + (uint64_t)c->expires_s;
    if (sp_proposal_validate(&c->p) != 0) {
        fprintf(stderr,
                PROG " create: the proposal breaks the protocol's limits (2..32 unique "
                     "participants, k from 1 to their number, a case and a purpose%s)\n",
                c->p.mode == SP_PROPOSAL_MODE_CASE ? ", 1..4096 case values in all" : "");
        return -1;
    }
    return 0;
}

/* The coordinator's key, checked against its certificate. */
static int load_signer(const struct create *c, struct sp_identity **id, struct sp_cli_proposal *out,
                       struct sp_pki_cert_info *info)
{
    char *buf = NULL, msg[512], *pem = NULL;
    size_t len = 0, pem_len = 0;
    int err = sp_keyfile_read(c->key, &buf, &len);
    if (err) {
        fprintf(stderr, PROG " create: %s\n", sp_keyfile_explain(msg, sizeof msg, c->key, err));
        return -1;
    }
    err = sp_identity_decode(buf, len, id);
    sp_keyfile_buf_free(&buf, len);
    if (err) {
        fprintf(stderr, PROG " create: %s: %s\n", c->key, sp_strerror(err));
        return -1;
    }
    if (sp_cliaudit_read(PROG " create", c->cert, SP_PKI_CERT_MAX_BYTES, &pem, &pem_len) != 0)
        return -1;
    struct sp_identity_public pub;
    sp_identity_public(*id, &pub);
    err = sp_pki_inspect(pem, pem_len, info);
    if (!err &&
        (info->role != SP_PKI_ROLE_COORDINATOR || sp_pki_match_keys(info, pub.sign_pk, NULL)))
        err = SP_ERR_CERT_KEY_MISMATCH;
    if (err)
        fprintf(stderr, PROG " create: %s is not a coordinator certificate of the key in %s\n",
                c->cert, c->key);
    else {
        memcpy(out->cert, pem, pem_len);
        out->cert[pem_len] = '\0';
        out->cert_len = pem_len;
    }
    free(pem);
    return err ? -1 : 0;
}

static int cmd_create(int argc, char **argv)
{
    struct create *c = calloc(1, sizeof *c);
    struct sp_cli_proposal *out = calloc(1, sizeof *out);
    struct sp_identity *id = NULL;
    struct sp_pki_cert_info info;
    uint8_t msg[SP_PROPOSAL_SIGNED_MAX];
    int status = 1;
    if (!c || !out)
        goto cleanup;
    c->p.min_holders = 2;
    c->p.mode = SP_PROPOSAL_MODE_PARTNERS;
    c->p.max_set_size = 1000000;
    c->p.deadline_s = 0; /* complete() derives it from the size */
    c->p.retention_days = 30;
    c->expires_s = 86400;
    c->def_types = SP_KEY_MASK_ALL;
    if ((status = parse_create(argc, argv, c)) != SP_CLI_CONTINUE || c->help) {
        if (c->help)
            usage(stdout);
        if (status == SP_CLI_CONTINUE)
            status = 0;
        goto cleanup;
    }
    status = 1;
    if (!c->key || !c->cert || !c->out || !c->p.case_ref[0] || !c->p.purpose[0]) {
        fprintf(stderr, PROG " create: --key, --cert, --case, --purpose and --out are required\n");
        status = 2;
        goto cleanup;
    }
    if (c->p.mode == SP_PROPOSAL_MODE_CASE && (status = sizes_from_list(c)) != 0)
        goto cleanup;
    status = 1;
    if (check_mode_options(c) != 0) {
        status = 2;
        goto cleanup;
    }
    if (load_signer(c, &id, out, &info) != 0)
        goto cleanup;
    snprintf(c->p.coordinator, sizeof c->p.coordinator, "%s", info.name);
    if (complete(c) != 0 || sp_proposal_encode(&c->p, out->bytes, sizeof out->bytes, &out->len))
        goto cleanup;
    size_t n = sp_proposal_signed_message(out->bytes, out->len, msg, sizeof msg);
    if (!n || sp_identity_sign(id, out->sig, msg, n) != 0 ||
        sp_cli_proposal_write("proposal create", c->out, out, c->force) != 0)
        goto cleanup;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    sp_round_id_hex(c->p.round_id, hex);
    fprintf(stderr, PROG " create: %s: round %s, signed by %s (%s), expires in %" PRId64 " s\n",
            c->out, hex, info.name, info.org, c->expires_s);
    status = 0;
cleanup:
    sp_identity_free(&id);
    free(c);
    free(out);
    return status;
}

/* ---- show and submit ------------------------------------------------------
 */

/* What `proposal show` found out about the signature. */
struct sig_check {
    bool checked, valid;
    struct sp_pki_cert_info signer; /* when valid */
    char why[256];                  /* when checked and not valid */
};

/* The mode's name; audit/schema.h names the round modes 1..3 only. */
static const char *mode_name(int mode)
{
    if (mode == SP_PROPOSAL_MODE_CASE)
        return "case";
    return sp_audit_mode_name(mode) ? sp_audit_mode_name(mode) : "?";
}

/* Mode case: who asks, how many values per key type, whether holders are
 * told. */
static void print_case(const struct sp_proposal *q)
{
    printf("mode:           %s, asked by %s, holders %s\ncase sizes:    ", mode_name(q->mode),
           q->participants[q->counter].name, q->tell_holders ? "told" : "not told");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (q->case_sizes[t] != 0)
            printf(" %s=%" PRIu32, sp_key_type_name(t), q->case_sizes[t]);
    printf("\n");
}

static void print_show(const struct sp_cli_proposal *p, const struct sig_check *sig)
{
    const struct sp_proposal *q = &p->prop;
    char hex[SP_ROUND_ID_HEX_LEN + 1], t1[32], t2[32], types[256];
    sp_round_id_hex(q->round_id, hex);
    sp_cli_time_iso(q->created_at, t1);
    sp_cli_time_iso(q->expires_at, t2);
    printf("round:          %s\ncoordinator:    %s\ncase:           %s\npurpose: "
           "       %s\n",
           hex, q->coordinator, q->case_ref, q->purpose);
    if (q->mode == SP_PROPOSAL_MODE_CASE)
        print_case(q);
    else
        printf("mode:           %s, k = %u, counting node %s\n", mode_name(q->mode), q->min_holders,
               q->participants[q->counter].name);
    printf("max set size:   %" PRIu64 "\ncreated:        %s\nexpires:        %s\n", q->max_set_size,
           t1, t2);
    printf("deadline:       %" PRIu32 " s\nretention:      %" PRIu32 " days\nparticipants:\n",
           q->deadline_s, q->retention_days);
    for (uint32_t i = 0; i < q->nparticipants; i++) {
        const struct sp_proposal_participant *pp = &q->participants[i];
        sp_cli_key_types_join(pp->key_types, types, sizeof types);
        printf("  %-20s OIN %-20s %s\n  %-20s basis: %s\n", pp->name, pp->oin[0] ? pp->oin : "-",
               types, "", pp->legal_basis);
    }
    if (!sig->checked)
        printf("signature:      not checked (give --ca)\n");
    else if (sig->valid)
        printf("signature:      valid, by %s (%s, OIN %s)\n", sig->signer.name, sig->signer.org,
               sig->signer.oin);
    else
        printf("signature:      NOT valid: %s\n", sig->why);
}

/* A time as RFC 3339 UTC, null for 0 (never set). */
static void json_time(struct sp_json *j, const char *key, uint64_t t)
{
    char iso[32];
    sp_cli_time_iso(t, iso);
    sp_json_str(j, key, t ? iso : NULL);
}

static void json_participants(struct sp_json *j, const struct sp_proposal *q)
{
    sp_json_arr_open(j, "participants");
    for (uint32_t i = 0; i < q->nparticipants; i++) {
        const struct sp_proposal_participant *pp = &q->participants[i];
        sp_json_obj_open(j, NULL);
        sp_json_str(j, "name", pp->name);
        sp_json_str(j, "oin", pp->oin[0] ? pp->oin : NULL);
        sp_json_str(j, "legal_basis", pp->legal_basis);
        sp_json_arr_open(j, "key_types");
        for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
            if (pp->key_types & SP_KEY_MASK(t))
                sp_json_str(j, NULL, sp_key_type_name(t));
        sp_json_arr_close(j);
        sp_json_obj_close(j);
    }
    sp_json_arr_close(j);
}

/* Mode case: "case_sizes" {key type: size} and "tell_holders". */
static void json_case(struct sp_json *j, const struct sp_proposal *q)
{
    sp_json_obj_open(j, "case_sizes");
    for (int t = SP_KEY_TYPE_MIN; t <= SP_KEY_TYPE_MAX; t++)
        if (q->case_sizes[t] != 0)
            sp_json_uint(j, sp_key_type_name(t), q->case_sizes[t]);
    sp_json_obj_close(j);
    sp_json_bool(j, "tell_holders", q->tell_holders);
}

/* {"checked", "valid" (null when not checked), "signer" (null unless
 * valid), "reason" (null unless checked and not valid)}. */
static void json_signature(struct sp_json *j, const struct sig_check *sig)
{
    char serial[17];
    sp_json_obj_open(j, "signature");
    sp_json_bool(j, "checked", sig->checked);
    if (sig->checked)
        sp_json_bool(j, "valid", sig->valid);
    else
        sp_json_str(j, "valid", NULL);
    if (sig->checked && sig->valid) {
        snprintf(serial, sizeof serial, "%016" PRIX64, sig->signer.serial);
        sp_json_obj_open(j, "signer");
        sp_json_str(j, "name", sig->signer.name);
        sp_json_str(j, "org", sig->signer.org);
        sp_json_str(j, "oin", sig->signer.oin);
        sp_json_str(j, "serial", serial);
        sp_json_obj_close(j);
    } else {
        sp_json_str(j, "signer", NULL);
    }
    sp_json_str(j, "reason", sig->checked && !sig->valid ? sig->why : NULL);
    sp_json_obj_close(j);
}

/* The same as print_show, as one JSON object. Returns 0 or 1 (stdout failed). */
static int json_show(const struct sp_cli_proposal *p, const struct sig_check *sig)
{
    const struct sp_proposal *q = &p->prop;
    char hex[SP_ROUND_ID_HEX_LEN + 1];
    struct sp_json j;
    sp_round_id_hex(q->round_id, hex);
    sp_json_init(&j, stdout);
    sp_json_obj_open(&j, NULL);
    sp_json_str(&j, "round", hex);
    sp_json_str(&j, "coordinator", q->coordinator);
    sp_json_str(&j, "case", q->case_ref);
    sp_json_str(&j, "purpose", q->purpose);
    sp_json_str(&j, "mode", mode_name(q->mode));
    sp_json_uint(&j, "k", q->min_holders);
    sp_json_str(&j, "counter", q->participants[q->counter].name);
    sp_json_uint(&j, "max_set_size", q->max_set_size);
    json_time(&j, "created", q->created_at);
    json_time(&j, "expires", q->expires_at);
    sp_json_uint(&j, "deadline_s", q->deadline_s);
    sp_json_uint(&j, "retention_days", q->retention_days);
    if (q->mode == SP_PROPOSAL_MODE_CASE)
        json_case(&j, q);
    json_participants(&j, q);
    json_signature(&j, sig);
    sp_json_obj_close(&j);
    return sp_json_finish(&j) == 0 ? 0 : 1;
}

struct show_args {
    const char *ca, *crl;
    bool json;
};

static int cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {{"ca", required_argument, NULL, 'a'},
                                         {"crl", required_argument, NULL, 'r'},
                                         SP_CLI_JSON_OPTION,
                                         SP_CLI_HELP_OPTION,
                                         {NULL, 0, NULL, 0}};
    struct show_args a = {NULL, NULL, false};
    const char **value[] = {['a'] = &a.ca, ['r'] = &a.crl};
    const struct sp_cli_options spec = {.cmd = "proposal show",
                                        .table = opts,
                                        .usage = usage,
                                        .json = &a.json,
                                        SP_CLI_STRINGS(value),
                                        .operands = 1};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (a.crl && !a.ca)
        return sp_cli_usage_error(usage);
    struct sp_cli_proposal *p = malloc(sizeof *p);
    struct sig_check *sig = calloc(1, sizeof *sig);
    int status = 1;
    if (p && sig && sp_cli_proposal_read("proposal show", argv[optind], p) == 0) {
        sig->checked = a.ca != NULL;
        sig->valid =
            a.ca && sp_cli_proposal_verify("proposal show", p, a.ca, a.crl, (int64_t)time(NULL),
                                           &sig->signer, sig->why, sizeof sig->why) == 0;
        status = 0;
        if (a.json)
            status = json_show(p, sig);
        else
            print_show(p, sig);
        if (sig->checked && !sig->valid)
            status = 1;
    }
    free(p);
    free(sig);
    return status;
}

static int cmd_submit(int argc, char **argv)
{
    static const struct option opts[] = {
        SP_CLI_JSON_OPTION, SP_CLI_HELP_OPTION, SP_CLI_TARGET_OPTIONS, {NULL, 0, NULL, 0}};
    struct sp_cli_target t;
    bool json = false;
    sp_cli_target_init(&t);
    const struct sp_cli_options spec = {.cmd = "proposal submit",
                                        .table = opts,
                                        .usage = usage,
                                        .target = &t,
                                        .json = &json,
                                        .operands = 1};
    int rc = sp_cli_parse_options(argc, argv, &spec);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    return sp_cli_proposal_submit("proposal submit", &t, argv[optind], json);
}

static int run(int argc, char **argv)
{
    int rc = sp_cli_subcommand_help(argc, argv, usage);
    if (rc != SP_CLI_CONTINUE)
        return rc;
    if (sp_cli_sodium_init(PROG) != 0)
        return 1;
    if (strcmp(argv[1], "create") == 0)
        return cmd_create(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "submit") == 0)
        return cmd_submit(argc - 1, argv + 1);
    return sp_cli_unknown_subcommand(PROG, argv[1], usage);
}

const struct sp_cmd sp_cmd_proposal = {
    "proposal", "create, show and submit a coordinator's signed round proposal", run};
