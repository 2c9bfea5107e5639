/*
 * Secret files on disk (node identity keys, CA keys): written with mode 0600
 * atomically (temporary file, fsync, rename), and read only when owned by the
 * current user and not accessible to group or others, as ssh does.
 * This is I/O: used by the daemon and the CLI, never by the pure layers.
 */
#ifndef SP_SYS_KEYFILE_H
#define SP_SYS_KEYFILE_H

#include <stddef.h>

#include "common/err.h"

#define SP_KEYFILE_MAX_BYTES 65536

/* Reads a secret file into a guarded buffer (sodium_malloc) that the caller
 * releases with sp_keyfile_buf_free. Refuses with SP_ERR_KEYFILE_MODE when the
 * file's mode has any group/other bit, SP_ERR_KEYFILE_OWNER when not owned by
 * the effective user, SP_ERR_IO / SP_ERR_NOT_FOUND / SP_ERR_OVERFLOW otherwise. */
SP_NODISCARD int sp_keyfile_read(const char *path, char **buf_out, size_t *len_out);
/* Wipes and frees a buffer from sp_keyfile_read; clears *buf. NULL-safe. */
void sp_keyfile_buf_free(char **buf, size_t len);
/* Writes data to path with mode 0600, atomically; SP_ERR_EXISTS when path
 * exists and overwrite is 0. */
SP_NODISCARD int sp_keyfile_write(const char *path, const char *data, size_t len, int overwrite);

#endif
