/*
 * Secret files on disk (node identity keys, CA keys): written with mode 0600
 * atomically (temporary file, fsync, rename, fsync of the directory), and read
 * only when they are regular files owned by the current user and not
 * accessible to group or others, as ssh does, in a directory that nobody
 * else can write.
 * This is I/O: used by the daemon and the CLI, never by the pure layers.
 */
#ifndef SP_SYS_KEYFILE_H
#define SP_SYS_KEYFILE_H

#include <stddef.h>

#include "common/err.h"

#define SP_KEYFILE_MAX_BYTES 65536

/* Reads a secret file into a guarded buffer (sodium_malloc, NUL-terminated
 * after len bytes) that the caller releases with sp_keyfile_buf_free.
 * The directory holding the file is opened (following links) and checked
 * first, then the file is opened relative to it without following a final
 * symbolic link and checked on the open descriptor (no race between check
 * and read). Refuses with SP_ERR_KEYFILE_DIR when that directory is
 * writable by group or others (sticky or not: /tmp is refused) or owned by
 * a user other than the effective user or root; SP_ERR_KEYFILE_TYPE when
 * path is a symbolic link or not a regular file (or ends in '/'),
 * SP_ERR_KEYFILE_OWNER when not owned by the effective user,
 * SP_ERR_KEYFILE_MODE when the file's mode has any group/other bit;
 * SP_ERR_NOT_FOUND, SP_ERR_PERMISSION, SP_ERR_OVERFLOW (larger than
 * SP_KEYFILE_MAX_BYTES), SP_ERR_NOMEM, SP_ERR_IO, SP_ERR_INVALID_ARG or
 * SP_ERR_CRYPTO_INIT (libsodium could not start) otherwise. Outputs are
 * written only on success. */
SP_NODISCARD int sp_keyfile_read(const char *path, char **buf_out, size_t *len_out);

/* Wipes and frees a buffer from sp_keyfile_read; clears *buf. NULL-safe. */
void sp_keyfile_buf_free(char **buf, size_t len);

/* Writes data to path with mode 0600 (whatever the umask), atomically: the
 * data goes to a new temporary file in the same directory (O_EXCL), which is
 * fsynced and renamed over path; then the directory is fsynced. A reader sees
 * the old file or the new one, never a partial one. With overwrite 0 the
 * rename refuses an existing path (SP_ERR_EXISTS), also when it appears
 * concurrently. No temporary file is left behind on failure. A directory
 * that sp_keyfile_read would refuse (writable by group or others, or owned
 * by another user than the euid or root) is refused first: SP_ERR_KEYFILE_DIR.
 * Returns 0, SP_ERR_EXISTS, SP_ERR_NOT_FOUND (no such directory),
 * SP_ERR_PERMISSION, SP_ERR_INVALID_ARG (path names a directory or is too
 * long), SP_ERR_OVERFLOW (len > SP_KEYFILE_MAX_BYTES), SP_ERR_KEYFILE_TYPE
 * (a symbolic-link loop in the path), SP_ERR_NOMEM or SP_ERR_IO. SP_ERR_IO
 * from the final directory fsync means the new file is in place but may
 * not survive a crash; every other error leaves the old state. */
SP_NODISCARD int sp_keyfile_write(const char *path, const char *data, size_t len, int overwrite);

/* Formats a sentence a person can act on for an error of sp_keyfile_read or
 * sp_keyfile_write about path, e.g.
 *   "key file /etc/snijpunt/node.key is readable by group or others
 *    (mode 0644); run chmod 600 /etc/snijpunt/node.key"
 * For the mode and owner errors it looks at the file again (lstat) to name
 * the mode and the owner; for SP_ERR_KEYFILE_DIR at the directory (stat),
 * to say whether its owner or its mode is wrong and what fixes it, e.g.
 *   "directory /srv/a of key file /srv/a/node.key is writable by group or
 *    others (mode 0775), who could replace the key; run chmod go-w /srv/a"
 * Always NUL-terminates out (truncating if needed); returns out. */
const char *sp_keyfile_explain(char *out, size_t cap, const char *path, int err);

#endif
