/*
 * Control op BACKUP: a compacted hot copy of the store, written by the
 * daemon into its backup directory.
 *
 * Why the daemon writes, and only into backup_dir: it owns the store (the
 * LMDB environment is open in its process; a copy by anyone else would need
 * the file and the lock), and under systemd it may write only below its
 * state directory (ProtectSystem=strict, StateDirectory=snijpunt). ZeroMQ's
 * ipc transport cannot pass a file descriptor, so the CLI cannot hand it an
 * open file. And a client of the control socket (a member of control_group)
 * must not be able to make the daemon write, or with --force replace, any
 * file the daemon's user may write (its key, its store): the name is
 * checked to be a plain file name directly in backup_dir, the file is
 * created 0600 and an existing one is replaced only on request.
 *
 * The copy goes to a hidden temporary file in the same directory, is synced,
 * and then linked to its name (link(2) fails if the name exists: no race
 * between checking and writing) or, with force, renamed over it; a failed
 * copy never leaves a partial file under the requested name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/control_impl.h"
#include "daemon/log.h"
#include "daemon/store.h"

#define NAME_MAX_BYTES 200

/* The reply's message (paths may be long: truncated, never overflowing). */
__attribute__((format(printf, 2, 3))) static void say(struct handler_ctx *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->msg, sizeof h->msg, fmt, ap);
    va_end(ap);
}

static bool name_valid(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > NAME_MAX_BYTES || n[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '+' || c == ':'))
            return false;
    }
    return true;
}

/* The backup directory (configured, or <state_dir>/backup created 0700 on
 * first use), resolved. */
static int backup_dir(struct handler_ctx *h, char out[PATH_MAX])
{
    const struct sp_config *cfg = h->c->cfg;
    char dir[PATH_MAX];
    int n = cfg->backup_dir[0] ? snprintf(dir, sizeof dir, "%s", cfg->backup_dir)
                               : snprintf(dir, sizeof dir, "%s/backup", cfg->state_dir);
    if (n < 0 || (size_t)n >= sizeof dir)
        return SP_ERR_INVALID_ARG;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        say(h, "cannot create the backup directory %s: %s", dir, strerror(errno));
        return SP_ERR_IO;
    }
    if (!realpath(dir, out)) {
        say(h, "backup directory %s: %s", dir, strerror(errno));
        return SP_ERR_IO;
    }
    return 0;
}

/* The file name the request asks for: a plain name, or an absolute path
 * whose directory is the backup directory. */
static int target_name(struct handler_ctx *h, const char *dir, const char **name)
{
    const char *req = h->rq->backup.path;
    const char *slash = strrchr(req, '/');
    *name = slash ? slash + 1 : req;
    if (slash) {
        char parent[PATH_MAX], real[PATH_MAX];
        size_t plen = (size_t)(slash - req);
        if (req[0] != '/' || plen >= sizeof parent) {
            say(h, "give a file name or an absolute path in %s", dir);
            return SP_ERR_INVALID_ARG;
        }
        memcpy(parent, req, plen);
        parent[plen] = '\0';
        if (!realpath(plen ? parent : "/", real) || strcmp(real, dir) != 0) {
            say(h,
                "snijpuntd writes backups only into its backup directory %s "
                "(backup_dir); give a file name there",
                dir);
            return SP_ERR_PERMISSION;
        }
    }
    if (!name_valid(*name)) {
        snprintf(h->msg, sizeof h->msg,
                 "backup file name must be 1..%d characters of A-Z a-z 0-9 . _ - + :, "
                 "not starting with '.'",
                 NAME_MAX_BYTES);
        return SP_ERR_INVALID_ARG;
    }
    return 0;
}

/* Copies the store into a new file tmp (0600) and syncs it. */
static int write_copy(struct handler_ctx *h, const char *tmp, uint64_t *bytes)
{
    struct stat st;
    (void)unlink(tmp); /* left by a copy that failed half-way */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        say(h, "cannot create %s: %s", tmp, strerror(errno));
        return SP_ERR_IO;
    }
    int err = sp_store_backup(h->c->store, fd);
    if (!err && (fsync(fd) != 0 || fstat(fd, &st) != 0)) {
        say(h, "cannot write %s: %s", tmp, strerror(errno));
        err = SP_ERR_IO;
    }
    if (close(fd) != 0 && !err) {
        say(h, "cannot write %s: %s", tmp, strerror(errno));
        err = SP_ERR_IO;
    }
    if (err) {
        if (!h->msg[0])
            say(h, "the store copy failed (see the daemon's log)");
        (void)unlink(tmp);
        return err;
    }
    *bytes = (uint64_t)st.st_size;
    return 0;
}

/* Gives tmp its name: link (refused when it exists) or, with force, rename. */
static int publish(struct handler_ctx *h, const char *tmp, const char *path, bool force)
{
    int rc = force ? rename(tmp, path) : link(tmp, path);
    int e = errno;
    if (!force)
        (void)unlink(tmp);
    if (rc == 0)
        return 0;
    if (force)
        (void)unlink(tmp);
    if (e == EEXIST) {
        say(h, "%s exists; choose another name or add --force", path);
        return SP_ERR_EXISTS;
    }
    say(h, "cannot write %s: %s", path, strerror(e));
    return SP_ERR_IO;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int sp_control_op_backup(struct handler_ctx *h)
{
    char dir[PATH_MAX], path[PATH_MAX + NAME_MAX_BYTES + 2], tmp[sizeof path + 32];
    const char *name = NULL;
    uint64_t bytes = 0;
    int err = backup_dir(h, dir);
    if (!err)
        err = target_name(h, dir, &name);
    if (err)
        return err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.partial", dir, name);
    if (!h->rq->backup.force && access(path, F_OK) == 0) {
        say(h, "%s exists; choose another name or add --force", path);
        return SP_ERR_EXISTS;
    }
    if (strlen(path) > SP_CTL_PATH_MAX) {
        say(h, "backup path longer than %d bytes", SP_CTL_PATH_MAX);
        return SP_ERR_INVALID_ARG;
    }
    sp_log_info("backup: copying the store to %s", path);
    err = write_copy(h, tmp, &bytes);
    if (!err)
        err = publish(h, tmp, path, h->rq->backup.force);
    if (err) {
        sp_log_warn("backup: %s", h->msg);
        return err;
    }
    sync_dir(dir);
    sp_log_info("backup: %s written (%llu bytes)", path, (unsigned long long)bytes);
    memcpy(h->rp->backup.path, path, strlen(path) + 1); /* <= SP_CTL_PATH_MAX, checked */
    h->rp->backup.bytes = bytes;
    return 0;
}
