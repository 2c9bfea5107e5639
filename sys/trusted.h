/*
 * Files and directories the daemon trusts without a secret in them: the
 * configuration (it names the trust anchors: peer keys, CA, CRL,
 * allow_unsigned_rounds), the certificates, the CA certificate, the CRL and
 * the state directory. Like key files (keyfile.h) they must not be writable
 * by anyone but their owner, and their owner must be the user the node runs
 * as (or root): otherwise someone else could change what the node trusts.
 * Readable by others is fine (they hold no secret).
 * This is I/O: used by the daemon, never by the pure layers.
 */
#ifndef SP_SYS_TRUSTED_H
#define SP_SYS_TRUSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "common/err.h"

/* True when st (of a file or directory) is safe to trust: no group or other
 * write bit, owned by the effective user or root. Pure. */
bool sp_trusted_stat_ok(const struct stat *st);

/* Checks path (following symbolic links: what is checked is what will be
 * read). what names it in the sentence ("configuration file", "state
 * directory", "CA certificate", ...). On refusal writes into why (capacity
 * cap, always NUL-terminated) a sentence a person can act on, with the fix:
 *   "configuration file /srv/a/snijpuntd.conf is writable by group or others
 *    (mode 0666), who could change what this node trusts; run chmod go-w
 *    /srv/a/snijpuntd.conf"
 *   "state directory /srv/a/state is owned by user 1001, not by root or the
 *    user running snijpuntd (0); run chown 0 /srv/a/state"
 * Returns 0, SP_ERR_UNSAFE_PERMS, SP_ERR_NOT_FOUND (why says so), SP_ERR_IO
 * (stat failed otherwise; why says why). */
SP_NODISCARD int sp_trusted_check(const char *path, const char *what, char *why, size_t cap);

#endif
