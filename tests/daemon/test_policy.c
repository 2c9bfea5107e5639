/*
 * Judging proposals with real certificates: a valid signed proposal is
 * accepted; unsigned, wrongly signed, modified, expired, and
 * policy-breaking proposals, and proposals naming a revoked participant,
 * are refused, each with its code and a reason that says why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/keytype.h"
#include "crypto/group.h"
#include "daemon/config.h"
#include "daemon/members.h"
#include "daemon/policy.h"
#include "govfix.h"

enum { A, B, C, COORD, COORD2, NID };

struct fix {
    struct govfix g;
    struct sp_identity *id[NID];
    struct sp_identity_public pub[NID];
    uint64_t c_serial;
};

/* One case: what is changed from the valid proposal, and the outcome. */
struct pcase {
    const char *name;
    const char *config; /* extra configuration lines */
    void (*mutate)(struct sp_proposal *p, int64_t now);
    int signer;             /* identity that signs; -1: unsigned */
    const char *cert;       /* certificate file sent along */
    bool change_after_sign; /* bytes modified after signing */
    int want;
    const char *why;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    if (!f || sp_crypto_init() != 0 || gf_init(&f->g) != 0)
        return -1;
    for (int i = 0; i < NID; i++) {
        if (sp_identity_generate(&f->id[i]) != 0)
            return -1;
        sp_identity_public(f->id[i], &f->pub[i]);
    }
    struct govfix *g = &f->g;
    struct sp_pki_ca *other = gf_make_ca("Federatie CA", 7, g->now);
    int64_t nb = g->now - GF_DAY, na = g->now + GF_YEAR;
    if (!other || !gf_node(g, "a", &f->pub[A], "a.crt") || !gf_node(g, "b", &f->pub[B], "b.crt") ||
        !(f->c_serial = gf_node(g, "c", &f->pub[C], "c.crt")) ||
        !gf_issue(g, NULL, SP_PKI_ROLE_COORDINATOR, "J. de Vries", GF_OIN_ALT, &f->pub[COORD], nb,
                  na, "coord.crt") ||
        !gf_issue(g, other, SP_PKI_ROLE_COORDINATOR, "J. de Vries", GF_OIN_ALT, &f->pub[COORD], nb,
                  na, "coord-other-ca.crt") ||
        !gf_issue(g, NULL, SP_PKI_ROLE_COORDINATOR, "P. Jansen", GF_OIN_ALT, &f->pub[COORD2], nb,
                  na, "coord2.crt") ||
        gf_crl(g, &f->c_serial, 1, 1, g->now - 60, g->now + GF_DAY, "crl-c.pem") != 0)
        return -1;
    uint64_t coord2 = f->c_serial + 3; /* serial of coord2.crt: issued three after c */
    if (gf_crl(g, &coord2, 1, 2, g->now - 60, g->now + GF_DAY, "crl-coord2.pem") != 0)
        return -1;
    sp_pki_ca_free(&other);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    for (int i = 0; i < NID; i++)
        sp_identity_free(&f->id[i]);
    gf_free(&f->g);
    free(f);
    return 0;
}

static struct sp_config *config(struct fix *f, const char *extra)
{
    char text[8192], diag[SP_CONFIG_DIAG_BYTES], pt[256];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "node = a\nlisten = tcp://127.0.0.1:7000\nidentity = /k\n"
                                "ca_cert = %s/ca.crt\nnode_cert = %s/a.crt\ncert_dir = %s\n",
                                f->g.dir, f->g.dir, f->g.dir);
    for (const char *p = extra; p && *p;) { /* "crl = FILE" gets the directory */
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (strncmp(p, "crl = ", 6) == 0)
            n += (size_t)snprintf(text + n, sizeof text - n, "crl = %s/%.*s", f->g.dir,
                                  (int)(len - 6), p + 6);
        else
            n += (size_t)snprintf(text + n, sizeof text - n, "%.*s", (int)len, p);
        p += len;
    }
    for (int i = B; i <= C; i++) {
        size_t pl = 0;
        assert_int_equal(sp_identity_public_encode(&f->pub[i], pt, sizeof pt, &pl), 0);
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "[peer %c]\nendpoint = tcp://127.0.0.1:%d\npublic_key = %.*s\n",
                              'a' + i, 7000 + i, (int)pl, pt);
    }
    struct sp_config *c = NULL;
    if (sp_config_parse(text, n, "t.conf", &c, diag, sizeof diag) != 0)
        fail_msg("config: %s", diag);
    return c;
}

static void base_proposal(struct sp_proposal *p, int64_t now)
{
    memset(p, 0, sizeof *p);
    randombytes_buf(p->round_id, sizeof p->round_id);
    snprintf(p->coordinator, sizeof p->coordinator, "J. de Vries");
    snprintf(p->case_ref, sizeof p->case_ref, "PV-2024/1234");
    snprintf(p->purpose, sizeof p->purpose, "Onderzoek adresfraude");
    p->nparticipants = 3;
    for (int i = 0; i < 3; i++) {
        struct sp_proposal_participant *pp = &p->participants[i];
        snprintf(pp->name, sizeof pp->name, "%c", 'a' + i);
        snprintf(pp->oin, sizeof pp->oin, "%s", GF_OIN_NODE);
        snprintf(pp->legal_basis, sizeof pp->legal_basis, "Wet politiegegevens art. 16");
        pp->key_types = SP_KEY_MASK(SP_KEY_BSN) | SP_KEY_MASK(SP_KEY_NAME_DOB);
    }
    p->min_holders = 2;
    p->mode = SP_PROPOSAL_MODE_PARTNERS;
    p->counter = 1;
    p->max_set_size = 100000;
    p->created_at = (uint64_t)now - 10;
    p->expires_at = (uint64_t)now + 3600;
    p->deadline_s = 600;
    p->retention_days = 30;
}

static void m_none(struct sp_proposal *p, int64_t now)
{
    (void)p, (void)now;
}
static void m_expired(struct sp_proposal *p, int64_t now)
{
    p->created_at = (uint64_t)now - 7200;
    p->expires_at = (uint64_t)now - 1;
}
static void m_future(struct sp_proposal *p, int64_t now)
{
    p->created_at = (uint64_t)now + 3000;
    p->expires_at = (uint64_t)now + 7200;
}
static void m_k1(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->min_holders = 1;
}
static void m_counts(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->mode = SP_PROPOSAL_MODE_COUNTS;
}
static void m_iban(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->participants[0].key_types |= SP_KEY_MASK(SP_KEY_IBAN);
}
static void m_counter_a(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->counter = 0;
}
static void m_big(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->max_set_size = 10000000;
}
static void m_retention(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->retention_days = 3650;
}
static void m_not_me(struct sp_proposal *p, int64_t now)
{
    (void)now;
    snprintf(p->participants[0].name, sizeof p->participants[0].name, "z");
}
static void m_oin(struct sp_proposal *p, int64_t now)
{
    (void)now;
    snprintf(p->participants[2].oin, sizeof p->participants[2].oin, GF_OIN_ALT);
}
static void m_no_oin(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->participants[1].oin[0] = '\0';
}
static void m_bsn_purpose(struct sp_proposal *p, int64_t now)
{
    (void)now;
    snprintf(p->purpose, sizeof p->purpose, "person 123456782");
}
static void m_coord_name(struct sp_proposal *p, int64_t now)
{
    (void)now;
    snprintf(p->coordinator, sizeof p->coordinator, "Someone Else");
}

static void m_jansen(struct sp_proposal *p, int64_t now)
{
    (void)now;
    snprintf(p->coordinator, sizeof p->coordinator, "P. Jansen");
}

/* Case questions: b (participant 1) asks about 10 BSNs and 5 name_dob
 * values; a (the node judging) is a partner. */
static void m_case(struct sp_proposal *p, int64_t now)
{
    (void)now;
    p->mode = SP_PROPOSAL_MODE_CASE;
    p->min_holders = 1;
    p->counter = 1;
    p->case_sizes[SP_KEY_BSN] = 10;
    p->case_sizes[SP_KEY_NAME_DOB] = 5;
}
static void m_case_tell(struct sp_proposal *p, int64_t now)
{
    m_case(p, now);
    p->tell_holders = true;
}
static void m_case_big(struct sp_proposal *p, int64_t now)
{
    m_case(p, now);
    p->case_sizes[SP_KEY_BSN] = 200;
}
static void m_case_iban(struct sp_proposal *p, int64_t now)
{
    m_case(p, now);
    p->case_sizes[SP_KEY_IBAN] = 3;
    p->participants[1].key_types |= SP_KEY_MASK(SP_KEY_IBAN);
}
static void m_case_by_c(struct sp_proposal *p, int64_t now)
{
    m_case(p, now);
    p->counter = 2;
}
static void m_case_by_a(struct sp_proposal *p, int64_t now)
{
    m_case(p, now);
    p->counter = 0;
}

static void m_expired_case(struct sp_proposal *p, int64_t now)
{
    m_case(p, now);
    m_expired(p, now);
}

#define CASE_OK "case_key_types = bsn, name_dob\ncase_askers = c, b\n"

static const struct pcase cases[] = {
    {"valid", "", m_none, COORD, "coord.crt", false, 0, NULL},
    {"unsigned", "", m_none, -1, NULL, false, SP_ERR_PROPOSAL_UNSIGNED, "not signed"},
    {"unsigned allowed", "allow_unsigned_rounds = yes\n", m_none, -1, NULL, false, 0, NULL},
    {"unsigned allowed, no OIN", "allow_unsigned_rounds = yes\n", m_no_oin, -1, NULL, false, 0,
     NULL},
    {"unsigned, coordinators listed", "allow_unsigned_rounds = yes\naccept_coordinator = X\n",
     m_none, -1, NULL, false, SP_ERR_POLICY, "listed coordinators"},
    {"signature without certificate", "", m_none, COORD, "", false, SP_ERR_PROPOSAL_UNSIGNED,
     "without a certificate"},
    {"modified after signing", "", m_none, COORD, "coord.crt", true, SP_ERR_CRYPTO_SIGNATURE,
     "changed after it was signed"},
    {"signed with another key", "", m_none, COORD2, "coord.crt", false, SP_ERR_CRYPTO_SIGNATURE,
     "another key"},
    {"certificate of another CA", "", m_none, COORD, "coord-other-ca.crt", false,
     SP_ERR_CERT_UNTRUSTED, "not accepted"},
    {"other coordinator", "", m_jansen, COORD2, "coord2.crt", false, 0, NULL},
    {"revoked coordinator", "crl = crl-coord2.pem\n", m_jansen, COORD2, "coord2.crt", false,
     SP_ERR_CERT_REVOKED, "revoked"},
    {"a node certificate", "", m_none, A, "a.crt", false, SP_ERR_CERT_ROLE, "not accepted"},
    {"names another coordinator", "", m_coord_name, COORD, "coord.crt", false, SP_ERR_CERT,
     "signed with the certificate of \"J. de Vries\""},
    {"expired", "", m_expired, COORD, "coord.crt", false, SP_ERR_PROPOSAL_EXPIRED, "expired"},
    {"from the future", "", m_future, COORD, "coord.crt", false, SP_ERR_POLICY, "future"},
    {"not a participant", "", m_not_me, COORD, "coord.crt", false, SP_ERR_ROUND_REFUSED,
     "not a participant"},
    {"an identifier in the purpose", "", m_bsn_purpose, COORD, "coord.crt", false, SP_ERR_POLICY,
     "purpose cannot be recorded"},
    {"coordinator not accepted", "accept_coordinator = P. Jansen\n", m_none, COORD, "coord.crt",
     false, SP_ERR_POLICY, "\"J. de Vries\" is not one node a accepts"},
    {"coordinator accepted", "accept_coordinator = P. Jansen\naccept_coordinator = J. de Vries\n",
     m_none, COORD, "coord.crt", false, 0, NULL},
    {"purpose", "accept_purpose = Onderzoek uitkeringsfraude\n", m_none, COORD, "coord.crt", false,
     SP_ERR_POLICY, "purpose"},
    {"purpose accepted", "accept_purpose = Onderzoek adresfraude\n", m_none, COORD, "coord.crt",
     false, 0, NULL},
    {"legal basis", "accept_legal_basis = Participatiewet art. 64\n", m_none, COORD, "coord.crt",
     false, SP_ERR_POLICY, "legal basis"},
    {"key type", "", m_iban, COORD, "coord.crt", false, 0, NULL},
    {"key type refused", "accept_key_types = bsn, name_dob\n", m_iban, COORD, "coord.crt", false,
     SP_ERR_POLICY, "key type iban"},
    {"mode", "accept_modes = partners, threshold\n", m_counts, COORD, "coord.crt", false,
     SP_ERR_POLICY, "mode counts"},
    {"smallest k", "accept_min_holders = 2\n", m_k1, COORD, "coord.crt", false, SP_ERR_POLICY,
     "k = 1"},
    {"largest set", "accept_max_set_size = 1000000\n", m_big, COORD, "coord.crt", false,
     SP_ERR_POLICY, "max_set_size"},
    {"retention", "accept_max_retention_days = 365\n", m_retention, COORD, "coord.crt", false,
     SP_ERR_POLICY, "retention"},
    {"counting", "may_count = no\n", m_counter_a, COORD, "coord.crt", false, SP_ERR_POLICY,
     "counting node"},
    {"counting elsewhere", "may_count = no\n", m_none, COORD, "coord.crt", false, 0, NULL},
    {"revoked participant", "crl = crl-c.pem\n", m_none, COORD, "coord.crt", false,
     SP_ERR_CERT_REVOKED, "participant c is not an admitted member"},
    {"OIN not the certificate's", "", m_oin, COORD, "coord.crt", false, SP_ERR_CERT, "OIN"},
    {"a participant without OIN", "", m_no_oin, COORD, "coord.crt", false, SP_ERR_POLICY,
     "participant b no OIN"},
    /* case questions */
    {"case: answered", CASE_OK, m_case, COORD, "coord.crt", false, 0, NULL},
    {"case: no case key types", "case_askers = b\n", m_case, COORD, "coord.crt", false,
     SP_ERR_POLICY, "node a answers no case questions (case_key_types is not set)"},
    {"case: asker not listed", "case_key_types = bsn, name_dob\ncase_askers = c\n", m_case, COORD,
     "coord.crt", false, SP_ERR_POLICY,
     "node a does not answer case questions of b (not in its case_askers)"},
    {"case: no askers", "case_key_types = all\n", m_case_by_c, COORD, "coord.crt", false,
     SP_ERR_POLICY, "of c (not in its case_askers)"},
    {"case: another listed asker", CASE_OK, m_case_by_c, COORD, "coord.crt", false, 0, NULL},
    {"case: key type not answered", CASE_OK, m_case_iban, COORD, "coord.crt", false, SP_ERR_POLICY,
     "node a does not answer case questions about key type iban (not in its case_key_types)"},
    {"case: too many values", CASE_OK, m_case_big, COORD, "coord.crt", false, SP_ERR_POLICY,
     "the question asks about 205 values, more than node a answers at once (case_max_values = "
     "100)"},
    {"case: within a larger limit", CASE_OK "case_max_values = 205\n", m_case_big, COORD,
     "coord.crt", false, 0, NULL},
    {"case: tell holders", CASE_OK, m_case_tell, COORD, "coord.crt", false, SP_ERR_POLICY,
     "which node a does not accept (case_tell_holders is no)"},
    {"case: tell holders accepted", CASE_OK "case_tell_holders = yes\n", m_case_tell, COORD,
     "coord.crt", false, 0, NULL},
    {"case: asking without case_ask", CASE_OK, m_case_by_a, COORD, "coord.crt", false,
     SP_ERR_POLICY, "node a does not ask case questions (case_ask is no)"},
    {"case: asking", "case_ask = yes\n", m_case_by_a, COORD, "coord.crt", false, 0, NULL},
    {"case: rules of whole rounds do not apply",
     CASE_OK "accept_modes = counts\naccept_min_holders = 2\naccept_max_set_size = 10\n"
             "may_count = no\n",
     m_case, COORD, "coord.crt", false, 0, NULL},
    {"case: retention", CASE_OK "accept_max_retention_days = 7\n", m_case, COORD, "coord.crt",
     false, SP_ERR_POLICY, "retention"},
    {"case: own key types", CASE_OK "accept_key_types = bsn\n", m_case, COORD, "coord.crt", false,
     SP_ERR_POLICY, "does not take part with key type name_dob"},
    {"case: unsigned", CASE_OK, m_case, -1, NULL, false, SP_ERR_PROPOSAL_UNSIGNED, "not signed"},
    {"case: expired", CASE_OK, m_expired_case, COORD, "coord.crt", false, SP_ERR_PROPOSAL_EXPIRED,
     "expired"},
    {"case: coordinator not accepted", CASE_OK "accept_coordinator = P. Jansen\n", m_case, COORD,
     "coord.crt", false, SP_ERR_POLICY, "is not one node a accepts"},
    {"case: legal basis", CASE_OK "accept_legal_basis = Participatiewet art. 64\n", m_case, COORD,
     "coord.crt", false, SP_ERR_POLICY, "legal basis"},
    {"case: revoked participant", CASE_OK "crl = crl-c.pem\n", m_case, COORD, "coord.crt", false,
     SP_ERR_CERT_REVOKED, "participant c is not an admitted member"},
};

static void run_case(struct fix *f, const struct pcase *pc)
{
    struct sp_config *cfg = config(f, pc->config);
    struct sp_members *m = NULL;
    char why[512], reason[1100];
    assert_int_equal(
        sp_members_new(cfg, f->pub[A].sign_pk, f->pub[A].curve_pk, f->g.now, &m, why, sizeof why),
        0);
    struct sp_proposal p;
    uint8_t bytes[SP_PROPOSAL_MAX_BYTES], msg[SP_PROPOSAL_SIGNED_MAX], sig[64];
    uint8_t *cert = NULL;
    size_t len = 0, cert_len = 0;
    base_proposal(&p, f->g.now);
    pc->mutate(&p, f->g.now);
    assert_int_equal(sp_proposal_encode(&p, bytes, sizeof bytes, &len), 0);
    if (pc->signer >= 0) {
        size_t n = sp_proposal_signed_message(bytes, len, msg, sizeof msg);
        assert_true(n > 0);
        assert_int_equal(sp_identity_sign(f->id[pc->signer], sig, msg, n), 0);
    }
    if (pc->change_after_sign) {
        p.min_holders = 3;
        assert_int_equal(sp_proposal_encode(&p, bytes, sizeof bytes, &len), 0);
    }
    if (pc->cert && pc->cert[0]) {
        char path[512];
        gf_path(&f->g, pc->cert, path, sizeof path);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        cert = malloc(SP_PKI_CERT_MAX_BYTES);
        cert_len = fread(cert, 1, SP_PKI_CERT_MAX_BYTES, fp);
        fclose(fp);
    }
    struct sp_policy_input in = {
        &p,   bytes,    len,     pc->signer >= 0 ? sig : NULL, pc->signer >= 0 ? 64u : 0u,
        cert, cert_len, f->g.now};
    struct sp_policy_verdict v;
    int rc = sp_policy_judge(cfg, m, &in, &v, reason, sizeof reason);
    if (rc != pc->want || (pc->why && !strstr(reason, pc->why)) || (rc == 0 && reason[0]))
        fail_msg("%s: rc %d (%s), want %d (\"%s\")", pc->name, rc, reason, pc->want,
                 pc->why ? pc->why : "");
    uint8_t digest[32];
    crypto_hash_sha256(digest, bytes, len);
    assert_memory_equal(v.digest, digest, 32);
    if (rc == 0) {
        assert_int_equal(v.self, 0);
        assert_int_equal(v.is_signed, pc->signer >= 0);
        if (v.is_signed)
            assert_string_equal(v.coordinator.name, p.coordinator);
    }
    free(cert);
    sp_members_free(&m);
    sp_config_free(&cfg);
}

static void test_cases(void **state)
{
    struct fix *f = *state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(f, &cases[i]);
}

/* Without a federation CA a signed proposal cannot be checked. */
static void test_no_ca(void **state)
{
    struct fix *f = *state;
    char text[512], diag[SP_CONFIG_DIAG_BYTES], reason[512], why[256];
    snprintf(text, sizeof text, "node = a\nlisten = tcp://127.0.0.1:7000\nidentity = /k\n");
    struct sp_config *cfg = NULL;
    assert_int_equal(sp_config_parse(text, strlen(text), "t", &cfg, diag, sizeof diag), 0);
    struct sp_members *m = NULL;
    assert_int_equal(
        sp_members_new(cfg, f->pub[A].sign_pk, f->pub[A].curve_pk, f->g.now, &m, why, sizeof why),
        0);
    struct sp_proposal p;
    uint8_t bytes[SP_PROPOSAL_MAX_BYTES], sig[64] = {1};
    size_t len = 0;
    base_proposal(&p, f->g.now);
    assert_int_equal(sp_proposal_encode(&p, bytes, sizeof bytes, &len), 0);
    struct sp_policy_input in = {&p, bytes, len, sig, 64, (const uint8_t *)"x", 1, f->g.now};
    struct sp_policy_verdict v;
    assert_int_equal(sp_policy_judge(cfg, m, &in, &v, reason, sizeof reason), SP_ERR_POLICY);
    assert_non_null(strstr(reason, "no federation CA"));
    sp_members_free(&m);
    sp_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_ca, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
