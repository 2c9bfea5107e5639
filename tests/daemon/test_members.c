/*
 * Federation membership with real certificates from a test CA: this node's
 * own certificate must bind its keys or it does not start; peers with a
 * revoked certificate, one from another CA, one that binds other keys, one
 * issued for another name, an expired one, or none at all are not admitted,
 * each with its reason; a CRL reload takes effect at once; a stale CRL
 * refuses everyone (fail closed); without ca_cert every peer is admitted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/group.h"
#include "daemon/config.h"
#include "daemon/members.h"
#include "govfix.h"

enum { SELF, GOOD, REVOKED, OTHER_CA, WRONG_KEY, WRONG_NAME, EXPIRED, MISSING, NID };
static const char *const names[NID] = {"self",      "good",       "revoked", "other-ca",
                                       "wrong-key", "wrong-name", "expired", "missing"};

struct fix {
    struct govfix g;
    struct sp_identity *id[NID];
    struct sp_identity_public pub[NID];
    uint64_t revoked_serial, good_serial;
    struct sp_config *cfg;
};

static struct sp_config *config_for(struct fix *f, const char *extra)
{
    char text[16384], diag[SP_CONFIG_DIAG_BYTES], pubtext[256];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "node = self\nlisten = tcp://127.0.0.1:7000\nidentity = /k\n"
                                "ca_cert = %s/ca.crt\nnode_cert = %s/self.crt\ncert_dir = %s\n%s",
                                f->g.dir, f->g.dir, f->g.dir, extra);
    for (int i = GOOD; i < NID; i++) {
        size_t pl = 0;
        assert_int_equal(sp_identity_public_encode(&f->pub[i], pubtext, sizeof pubtext, &pl), 0);
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "[peer %s]\nendpoint = tcp://127.0.0.1:%d\npublic_key = %.*s\n",
                              names[i], 7000 + i, (int)pl, pubtext);
    }
    struct sp_config *c = NULL;
    if (sp_config_parse(text, n, "t.conf", &c, diag, sizeof diag) != 0)
        fail_msg("config: %s", diag);
    return c;
}

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
    int64_t now = g->now;
    struct sp_pki_ca *other = gf_make_ca("Federatie CA", 9, now); /* same name, other key */
    struct sp_identity_public swapped = f->pub[WRONG_KEY];
    memcpy(swapped.curve_pk, f->pub[GOOD].curve_pk, 32); /* binds another CURVE key */
    if (!other || !gf_node(g, "self", &f->pub[SELF], "self.crt") ||
        !(f->good_serial = gf_node(g, "good", &f->pub[GOOD], "good.crt")) ||
        !(f->revoked_serial = gf_node(g, "revoked", &f->pub[REVOKED], "revoked.crt")) ||
        !gf_issue(g, other, SP_PKI_ROLE_NODE, "other-ca", NULL, &f->pub[OTHER_CA], now - GF_DAY,
                  now + GF_YEAR, "other-ca.crt") ||
        !gf_node(g, "wrong-key", &swapped, "wrong-key.crt") ||
        !gf_node(g, "someone-else", &f->pub[WRONG_NAME], "wrong-name.crt") ||
        !gf_issue(g, NULL, SP_PKI_ROLE_NODE, "expired", NULL, &f->pub[EXPIRED], now - 30 * GF_DAY,
                  now - GF_DAY, "expired.crt") ||
        gf_crl(g, &f->revoked_serial, 1, 1, now - 60, now + 7 * GF_DAY, "crl.pem") != 0)
        return -1;
    sp_pki_ca_free(&other);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    sp_config_free(&f->cfg);
    for (int i = 0; i < NID; i++)
        sp_identity_free(&f->id[i]);
    gf_free(&f->g);
    free(f);
    return 0;
}

static int admit(struct sp_members *m, int who, int64_t now, char *why, size_t cap)
{
    return sp_members_admit(m, (size_t)(who - GOOD), now, NULL, why, cap);
}

static void test_peers(void **state)
{
    struct fix *f = *state;
    char why[SP_MEMBERS_WHY_MAX], crl[600];
    snprintf(crl, sizeof crl, "crl = %s/crl.pem\n", f->g.dir);
    f->cfg = config_for(f, crl);
    struct sp_members *m = NULL;
    assert_int_equal(sp_members_new(f->cfg, f->pub[SELF].sign_pk, f->pub[SELF].curve_pk, f->g.now,
                                    &m, why, sizeof why),
                     0);
    assert_true(sp_members_enabled(m));
    assert_non_null(sp_members_trust(m));
    assert_string_equal(sp_members_self(m)->name, "self");
    static const struct {
        int who, code;
        const char *why;
    } want[] = {
        {GOOD, 0, NULL},
        {REVOKED, SP_ERR_CERT_REVOKED, "revoked"},
        {OTHER_CA, SP_ERR_CERT_UNTRUSTED, "other-ca.crt"},
        {WRONG_KEY, SP_ERR_CERT_KEY_MISMATCH, "does not bind the keys wrong-key uses"},
        {WRONG_NAME, SP_ERR_CERT, "is for node someone-else, not wrong-name"},
        {EXPIRED, SP_ERR_CERT_EXPIRED, "expired.crt"},
        {MISSING, SP_ERR_NOT_FOUND, "no such file"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        why[0] = '\0';
        int rc = admit(m, want[i].who, f->g.now, why, sizeof why);
        if (rc != want[i].code || (want[i].why && !strstr(why, want[i].why)))
            fail_msg("%s: rc %d (%s), want %d (%s)", names[want[i].who], rc, why, want[i].code,
                     want[i].why ? want[i].why : "");
    }
    uint64_t serial = 0;
    assert_int_equal(sp_members_admit(m, REVOKED - GOOD, f->g.now, &serial, why, sizeof why),
                     SP_ERR_CERT_REVOKED);
    assert_true(serial == f->revoked_serial);
    assert_non_null(sp_members_peer(m, GOOD - GOOD));
    assert_null(sp_members_peer(m, MISSING - GOOD));
    /* admission is re-checked at the time given: in two years the CRL is
     * long stale (and the good peer's certificate expired) */
    assert_int_equal(admit(m, GOOD, f->g.now + 2 * GF_YEAR, why, sizeof why), SP_ERR_CRL);

    /* a new CRL that revokes the good peer takes effect on reload */
    assert_int_equal(
        gf_crl(&f->g, &f->good_serial, 1, 2, f->g.now - 10, f->g.now + GF_DAY, "crl.pem"), 0);
    assert_int_equal(sp_members_reload_crl(m, f->g.now), 0);
    assert_int_equal(admit(m, GOOD, f->g.now, why, sizeof why), SP_ERR_CERT_REVOKED);
    assert_int_equal(admit(m, REVOKED, f->g.now, why, sizeof why), 0);
    /* a broken CRL file is refused and the previous list stays */
    assert_int_equal(gf_write(&f->g, "crl.pem", "garbage", 7), 0);
    assert_int_not_equal(sp_members_reload_crl(m, f->g.now), 0);
    assert_int_equal(admit(m, GOOD, f->g.now, why, sizeof why), SP_ERR_CERT_REVOKED);
    /* once the CRL is past its nextUpdate everyone is refused, this node too */
    assert_int_equal(admit(m, REVOKED, f->g.now + 2 * GF_DAY, why, sizeof why), SP_ERR_CRL);
    assert_int_equal(sp_members_self_check(m, f->g.now + 2 * GF_DAY, why, sizeof why), SP_ERR_CRL);
    assert_int_equal(sp_members_self_check(m, f->g.now, why, sizeof why), 0);
    sp_members_free(&m);
    assert_null(m);
}

static void test_self(void **state)
{
    struct fix *f = *state;
    char why[SP_MEMBERS_WHY_MAX], extra[600];
    struct sp_members *m = NULL;
    f->cfg = config_for(f, "");
    /* keys of another identity: the certificate does not bind them */
    assert_int_equal(sp_members_new(f->cfg, f->pub[GOOD].sign_pk, f->pub[GOOD].curve_pk, f->g.now,
                                    &m, why, sizeof why),
                     SP_ERR_CERT_KEY_MISMATCH);
    assert_null(m);
    assert_non_null(strstr(why, "does not bind this node's keys"));
    /* this node revoked */
    uint64_t self_serial = gf_node(&f->g, "self", &f->pub[SELF], "self.crt");
    assert_true(self_serial != 0);
    assert_int_equal(gf_crl(&f->g, &self_serial, 1, 3, f->g.now - 10, f->g.now + GF_DAY, "c2.pem"),
                     0);
    sp_config_free(&f->cfg);
    snprintf(extra, sizeof extra, "crl = %s/c2.pem\n", f->g.dir);
    f->cfg = config_for(f, extra);
    assert_int_equal(sp_members_new(f->cfg, f->pub[SELF].sign_pk, f->pub[SELF].curve_pk, f->g.now,
                                    &m, why, sizeof why),
                     SP_ERR_CERT_REVOKED);
    assert_non_null(strstr(why, "self.crt"));
    /* a missing CA certificate */
    sp_config_free(&f->cfg);
    snprintf(extra, sizeof extra, "ca_cert = %s/none.crt\n", f->g.dir);
    char text[1024], diag[SP_CONFIG_DIAG_BYTES];
    snprintf(
        text, sizeof text,
        "node = self\nlisten = tcp://127.0.0.1:7000\nidentity = /k\n%snode_cert = %s/self.crt\n",
        extra, f->g.dir);
    assert_int_equal(sp_config_parse(text, strlen(text), "t", &f->cfg, diag, sizeof diag), 0);
    assert_int_equal(sp_members_new(f->cfg, f->pub[SELF].sign_pk, f->pub[SELF].curve_pk, f->g.now,
                                    &m, why, sizeof why),
                     SP_ERR_NOT_FOUND);
    assert_non_null(strstr(why, "none.crt: no such file"));
}

static void test_disabled(void **state)
{
    struct fix *f = *state;
    char why[SP_MEMBERS_WHY_MAX], diag[SP_CONFIG_DIAG_BYTES];
    static const char text[] = "node = self\nlisten = tcp://127.0.0.1:7000\nidentity = /k\n"
                               "[peer b]\nendpoint = tcp://127.0.0.1:7001\n"
                               "sign_key = WGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=\n"
                               "curve_key = AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n";
    assert_int_equal(sp_config_parse(text, strlen(text), "t", &f->cfg, diag, sizeof diag), 0);
    struct sp_members *m = NULL;
    assert_int_equal(sp_members_new(f->cfg, f->pub[SELF].sign_pk, f->pub[SELF].curve_pk, f->g.now,
                                    &m, why, sizeof why),
                     0);
    assert_false(sp_members_enabled(m));
    assert_null(sp_members_trust(m));
    assert_null(sp_members_self(m));
    assert_int_equal(sp_members_admit(m, 0, f->g.now, NULL, why, sizeof why), 0);
    assert_int_equal(sp_members_reload_crl(m, f->g.now), 0);
    sp_members_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
