/* libFuzzer harness for signed proposals as they arrive from a peer: a
 * PROPOSE frame is decoded, its proposal decoded, and the coordinator's
 * certificate and signature checked against the fixed federation of
 * pki_fuzz.h exactly as daemon/policy.c does (the signed message, then
 * sp_pki_trust_verify_signed for a coordinator). Besides ASan and UBSan
 * findings it aborts when a signature is accepted that libsodium does not
 * verify with the certificate's key, when an accepted signer is not a
 * coordinator, or when a refusal is an undocumented code or writes *info.
 * With SP_FUZZ_PKI_SEEDS=DIR in the environment the harness writes a
 * validly signed PROPOSE (and an unsigned one) there as seed inputs
 * (fuzz/corpus/proposal/) and exits. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keytype.h"
#include "pki/cert.h"
#include "pki_fuzz.h"
#include "proto/peer.h"
#include "proto/proposal.h"
#include "proto_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void sample(struct sp_proposal *p)
{
    memset(p, 0, sizeof *p);
    memset(p->round_id, 0x11, sizeof p->round_id);
    snprintf(p->coordinator, sizeof p->coordinator, "Fuzz Coordinator");
    snprintf(p->case_ref, sizeof p->case_ref, "RIEC-FZ-2026-001");
    snprintf(p->purpose, sizeof p->purpose, "fuzzing");
    p->nparticipants = 2;
    snprintf(p->participants[0].name, SP_PROTO_NAME_MAX + 1, "fuzz-node");
    snprintf(p->participants[1].name, SP_PROTO_NAME_MAX + 1, "other-node");
    for (int i = 0; i < 2; i++) {
        snprintf(p->participants[i].oin, SP_PROTO_OIN_BYTES + 1, "00000001999999990000");
        snprintf(p->participants[i].legal_basis, SP_PROTO_LEGAL_BASIS_MAX + 1, "art. 4");
        p->participants[i].key_types = SP_KEY_MASK(SP_KEY_BSN);
    }
    p->min_holders = 2;
    p->mode = SP_PROPOSAL_MODE_COUNTS;
    p->max_set_size = 1000;
    p->created_at = FZ_NOW - 60;
    p->expires_at = FZ_NOW + 86400;
    p->deadline_s = 600;
    p->retention_days = 30;
}

static void write_seeds(const char *dir)
{
    static uint8_t bytes[SP_PROPOSAL_MAX_BYTES], msg[SP_PROPOSAL_SIGNED_MAX];
    uint8_t sig[crypto_sign_BYTES], *frame = NULL;
    struct sp_proposal p;
    struct sp_peer_msg m;
    size_t len = 0, n;

    sample(&p);
    fz_need(sp_proposal_encode(&p, bytes, sizeof bytes, &len) == 0, "proposal");
    n = sp_proposal_signed_message(bytes, len, msg, sizeof msg);
    fz_need(n > 0 && crypto_sign_detached(sig, NULL, msg, n, fz_coord_sk) == 0, "sign");
    memset(&m, 0, sizeof m);
    m.type = SP_PEER_PROPOSE;
    memcpy(m.round_id, p.round_id, sizeof m.round_id);
    m.propose = (struct sp_peer_propose){
        bytes, len, sig, sizeof sig, (const uint8_t *)fz_coord_pem, fz_coord_len};
    fz_need(sp_peer_encode_alloc(&m, &frame, &n) == 0, "frame");
    fz_write_seed(dir, "propose_signed", frame, n);
    free(frame);
    m.propose.signer_cert = (const uint8_t *)fz_node_pem;
    m.propose.signer_cert_len = fz_node_len;
    fz_need(sp_peer_encode_alloc(&m, &frame, &n) == 0, "frame");
    fz_write_seed(dir, "propose_node_cert", frame, n);
    free(frame);
    m.propose = (struct sp_peer_propose){bytes, len, NULL, 0, NULL, 0};
    fz_need(sp_peer_encode_alloc(&m, &frame, &n) == 0, "frame");
    fz_write_seed(dir, "propose_unsigned", frame, n);
    free(frame);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fz_federation();
    const char *dir = getenv("SP_FUZZ_PKI_SEEDS");
    if (dir) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

static int code_ok(int rc)
{
    switch (rc) {
    case SP_ERR_OVERFLOW:
    case SP_ERR_CERT:
    case SP_ERR_CERT_UNTRUSTED:
    case SP_ERR_CERT_EXPIRED:
    case SP_ERR_CERT_REVOKED:
    case SP_ERR_CRL:
    case SP_ERR_CERT_ROLE:
    case SP_ERR_CRYPTO_SIGNATURE:
    case SP_ERR_NOMEM:
        return 1;
    default:
        return 0;
    }
}

static void check(const struct sp_pki_trust *t, const struct sp_peer_propose *pr)
{
    static uint8_t msg[SP_PROPOSAL_SIGNED_MAX];
    struct sp_pki_cert_info info;
    char why[128];

    size_t n = sp_proposal_signed_message(pr->proposal, pr->proposal_len, msg, sizeof msg);
    if (n == 0)
        fz_fail("proposal", "a decoded PROPOSE has no signed message");
    memset(&info, FZ_POISON, sizeof info);
    int rc = sp_pki_trust_verify_signed(t, pr->signer_cert, pr->signer_cert_len, FZ_NOW,
                                        SP_PKI_ROLE_COORDINATOR, msg, n, pr->signature, &info, why,
                                        sizeof why);
    if (rc != 0) {
        if (!code_ok(rc))
            fz_fail("proposal", "undocumented code");
        fz_all_bytes("proposal", &info, sizeof info, FZ_POISON);
        return;
    }
    if (info.role != SP_PKI_ROLE_COORDINATOR)
        fz_fail("proposal", "accepted a signer that is not a coordinator");
    if (crypto_sign_verify_detached(pr->signature, msg, n, info.sign_pk) != 0)
        fz_fail("proposal", "accepted a signature libsodium refuses");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sp_peer_msg m;
    struct sp_proposal *p = malloc(sizeof *p);
    if (!p)
        return 0;
    if (sp_peer_decode(data, size, &m) != 0) {
        free(p);
        return 0;
    }
    if (m.type == SP_PEER_PROPOSE) {
        (void)sp_proposal_decode(m.propose.proposal, m.propose.proposal_len, p);
        if (m.propose.signature_len == SP_PEER_SIGNATURE_BYTES && m.propose.signer_cert_len > 0) {
            check(fz_trust_plain, &m.propose);
            check(fz_trust_crl, &m.propose);
        }
    }
    sp_peer_msg_clear(&m);
    free(p);
    return 0;
}
