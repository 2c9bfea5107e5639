/*
 * Federation membership: who may talk to this node. With `ca_cert` in the
 * configuration, a node belongs to the federation only through an X.509
 * certificate of the federation CA (pki/cert.h) that names it (CN = node
 * name), binds its signing and CURVE keys, is within its validity and is
 * not on the CA's revocation list:
 *  - at start-up this node's own certificate must pass and bind the keys of
 *    its identity file, or the node does not start;
 *  - every configured peer's certificate (per-peer `cert`, or
 *    <cert_dir>/<name>.crt) is checked against the keys configured for it;
 *    a peer whose certificate fails is not admitted (the ZAP handler refuses
 *    its connections, proposals naming it are refused) with the reason;
 *  - admission is re-checked at the current time for every connection, so
 *    a certificate that expires or a revocation list that goes stale takes
 *    effect without a restart; the CRL file and the certificates are re-read
 *    on SIGHUP and every `crl_reload` seconds.
 * Without `ca_cert` membership is by configured keys alone (as in issue 4):
 * sp_members_enabled is false and every configured peer is admitted.
 *
 * Reads files (the certificates and the CRL); no sockets. Main thread only.
 */
#ifndef SP_DAEMON_MEMBERS_H
#define SP_DAEMON_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "pki/cert.h"

struct sp_config;
struct sp_pki_trust;
struct sp_members; /* opaque */

#define SP_MEMBERS_WHY_MAX 256

/* Loads and checks everything at time now. self_sign_pk / self_curve_pk are
 * the keys of this node's identity file. On failure *why (capacity cap)
 * says what is wrong for the operator, e.g. "node certificate
 * /etc/snijpunt/node.crt: certificate revoked". Peers' certificates that do
 * not pass are NOT a failure (see sp_members_admit). Returns 0, SP_ERR_IO /
 * SP_ERR_NOT_FOUND (a file cannot be read), SP_ERR_CERT*, SP_ERR_CRL,
 * SP_ERR_OVERFLOW, SP_ERR_NOMEM. */
SP_NODISCARD int sp_members_new(const struct sp_config *cfg, const uint8_t self_sign_pk[32],
                                const uint8_t self_curve_pk[32], int64_t now,
                                struct sp_members **out, char *why, size_t cap);
void sp_members_free(struct sp_members **m);

/* Whether a federation CA is configured. */
bool sp_members_enabled(const struct sp_members *m);

/* Whether configured peer i (config order) is a member at time now: its
 * certificate verifies (CA, validity, CRL, role node), names it and binds
 * the keys configured for it. Returns 0 (also when membership is not
 * enabled) or the refusing code, with a sentence in why (never key
 * material) and the certificate's serial in *serial (0 when unknown; may be
 * NULL). */
SP_NODISCARD int sp_members_admit(const struct sp_members *m, size_t i, int64_t now,
                                  uint64_t *serial, char *why, size_t cap);

/* Re-reads the CRL file. A CRL that cannot be read or does not verify
 * against the CA is refused and the previous one kept (the reason is
 * logged); returns 0 or that error. With no CRL configured, a no-op. */
SP_NODISCARD int sp_members_reload_crl(struct sp_members *m, int64_t now);

/* Re-reads every certificate file (this node's and the peers'): one that
 * changed on disk replaces the one in use, so a renewed or corrected
 * certificate takes effect without a restart; one that cannot be read now
 * leaves the previous one in use (logged). Returns how many changed; with
 * membership not enabled, 0. */
size_t sp_members_reload_certs(struct sp_members *m, int64_t now);

/* Whether this node's own certificate still passes at now (it may have been
 * revoked or have expired since start-up). 0 or the code, why as above. */
SP_NODISCARD int sp_members_self_check(const struct sp_members *m, int64_t now, char *why,
                                       size_t cap);

/* What the certificates say (NULL when membership is not enabled, or for a
 * peer whose certificate could not be read or parsed). */
const struct sp_pki_cert_info *sp_members_self(const struct sp_members *m);
const struct sp_pki_cert_info *sp_members_peer(const struct sp_members *m, size_t i);
/* The trust anchor (CA and current CRL) for checking coordinator
 * certificates; NULL when membership is not enabled. */
const struct sp_pki_trust *sp_members_trust(const struct sp_members *m);

#endif
