/*
 * Key files: permission-checked reads into guarded memory and atomic,
 * owner-only writes.
 *
 * The checks run on opened descriptors (fstat), not on the path, so the
 * file that was checked is the file that is read. The directory is opened
 * and checked first and the file opened relative to it (openat): whoever
 * can write the directory can swap the key file between any check and the
 * open, so only a directory nobody else can write is trusted. O_NOFOLLOW
 * refuses a final symbolic link: otherwise a link could point the daemon at
 * any file it can read. O_NONBLOCK keeps a FIFO planted at the
 * path from blocking the open; it is then refused as not a regular file.
 */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KEYFILE_MODE 0600

static int err_from_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return SP_ERR_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS:
        return SP_ERR_PERMISSION;
    case ELOOP:
        return SP_ERR_KEYFILE_TYPE;
    case EEXIST:
        return SP_ERR_EXISTS;
    case ENOMEM:
        return SP_ERR_NOMEM;
    case ENAMETOOLONG:
        return SP_ERR_INVALID_ARG;
    default:
        return SP_ERR_IO;
    }
}

/* The ssh rule: a regular file, ours, and nobody else's business. */
static int check_stat(const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return SP_ERR_KEYFILE_TYPE;
    if (st->st_uid != geteuid())
        return SP_ERR_KEYFILE_OWNER;
    if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return SP_ERR_KEYFILE_MODE;
    if (st->st_size < 0 || st->st_size > SP_KEYFILE_MAX_BYTES)
        return SP_ERR_OVERFLOW;
    return 0;
}

/* The directory holding a key: nobody but us (or root) may add, remove or
 * rename entries in it. A sticky directory such as /tmp is no exception: its
 * other users cannot delete our key, but they can plant the name first. */
static int check_dir_stat(const struct stat *st)
{
    if (st->st_uid != geteuid() && st->st_uid != 0)
        return SP_ERR_KEYFILE_DIR;
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return SP_ERR_KEYFILE_DIR;
    return 0;
}

/* Splits path into its directory (into dir) and checks there is a base name. */
static int path_dir(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash != NULL && slash[1] == '\0')
        return SP_ERR_INVALID_ARG; /* names a directory */
    if (slash == NULL)
        return snprintf(dir, cap, ".") < (int)cap ? 0 : SP_ERR_INVALID_ARG;
    n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        return SP_ERR_INVALID_ARG;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

/* Opens dir (following links) and checks it with check_dir_stat. */
static int open_checked_dir(const char *dir, int *dfd_out)
{
    struct stat st;
    /* O_PATH: checking the directory and opening the key in it needs only
     * search permission on it, as a plain open of the key would. */
    int rc, dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (dfd < 0)
        return err_from_errno(errno);
    rc = fstat(dfd, &st) != 0 ? SP_ERR_IO : check_dir_stat(&st);
    if (rc != 0) {
        close(dfd);
        return rc;
    }
    *dfd_out = dfd;
    return 0;
}

/* Opens path for reading after checking the directory that holds it; the
 * file itself is checked by the caller on the returned descriptor. */
static int open_in_checked_dir(const char *path, int *fd_out)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = strlen(path);
    int dfd, fd, rc;

    if (len > 0 && path[len - 1] == '/')
        return SP_ERR_KEYFILE_TYPE; /* names a directory */
    rc = path_dir(path, dir, sizeof(dir));
    if (rc != 0)
        return rc;
    rc = open_checked_dir(dir, &dfd);
    if (rc != 0)
        return rc;
    fd = openat(dfd, slash == NULL ? path : slash + 1,
                O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        rc = err_from_errno(errno);
    else
        *fd_out = fd;
    close(dfd);
    return rc;
}

/* Reads exactly size bytes, then makes sure the file has not grown since
 * fstat (a concurrent writer; we refuse rather than read a torn key). */
static int read_exact(int fd, char *buf, size_t size)
{
    size_t done = 0;
    char probe;
    ssize_t n;

    while (done < size) {
        n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SP_ERR_IO;
        done += (size_t)n;
    }
    do
        n = read(fd, &probe, 1);
    while (n < 0 && errno == EINTR);
    sodium_memzero(&probe, sizeof(probe));
    return n == 0 ? 0 : SP_ERR_IO;
}

int sp_keyfile_read(const char *path, char **buf_out, size_t *len_out)
{
    struct stat st;
    char *buf = NULL;
    size_t size = 0;
    int fd = -1, rc;

    if (path == NULL || buf_out == NULL || len_out == NULL)
        return SP_ERR_INVALID_ARG;
    if (sodium_init() < 0) /* sodium_malloc needs it */
        return SP_ERR_CRYPTO_INIT;
    rc = open_in_checked_dir(path, &fd);
    if (rc != 0)
        return rc;
    if (fstat(fd, &st) != 0) {
        rc = SP_ERR_IO;
        goto done;
    }
    rc = check_stat(&st);
    if (rc != 0)
        goto done;
    size = (size_t)st.st_size;
    buf = sodium_malloc(size + 1);
    if (buf == NULL) {
        rc = SP_ERR_NOMEM;
        goto done;
    }
    rc = read_exact(fd, buf, size);
    buf[size] = '\0';
done:
    close(fd);
    if (rc != 0) {
        sodium_free(buf); /* wipes whatever was read */
        return rc;
    }
    *buf_out = buf;
    *len_out = size;
    return 0;
}

void sp_keyfile_buf_free(char **buf, size_t len)
{
    (void)len; /* sodium_free wipes the whole region, whatever its length */
    if (buf == NULL || *buf == NULL)
        return;
    sodium_free(*buf);
    *buf = NULL;
}

/* Creates "<dir>/.<base>.XXXXXX" exclusively with mode 0600. */
static int make_temp(const char *path, char *tmp, size_t cap, int *fd_out)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash == NULL ? 0 : (size_t)(slash - path) + 1;
    const char *base = path + dir_len;
    int n, fd;

    n = snprintf(tmp, cap, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
    if (n < 0 || (size_t)n >= cap)
        return SP_ERR_INVALID_ARG;
    fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL, mode 0600 */
    if (fd < 0)
        return err_from_errno(errno);
    *fd_out = fd;
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? err_from_errno(errno) : SP_ERR_IO;
        done += (size_t)n;
    }
    return 0;
}

/* Moves tmp to path; without overwrite the kernel refuses an existing path
 * atomically (RENAME_NOREPLACE, or link() on file systems without it). */
static int publish(const char *tmp, const char *path, int overwrite)
{
    if (overwrite)
        return rename(tmp, path) == 0 ? 0 : err_from_errno(errno);
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return err_from_errno(errno);
    if (link(tmp, path) != 0)
        return err_from_errno(errno);
    (void)unlink(tmp);
    return 0;
}

/* Makes the rename itself durable. Some file systems cannot fsync a
 * directory (EINVAL); there is nothing more to do on those. */
static int fsync_dir(const char *dir)
{
    int fd, rc = 0;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_from_errno(errno);
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = SP_ERR_IO;
    close(fd);
    return rc;
}

/* Fills, seals and closes the temporary file. */
static int fill_temp(int fd, const char *data, size_t len)
{
    int rc = write_all(fd, data, len);

    /* mkostemp made it 0600 minus the umask; make it exactly 0600. */
    if (rc == 0 && fchmod(fd, KEYFILE_MODE) != 0)
        rc = err_from_errno(errno);
    if (rc == 0 && fsync(fd) != 0)
        rc = SP_ERR_IO;
    if (close(fd) != 0 && rc == 0)
        rc = SP_ERR_IO;
    return rc;
}

int sp_keyfile_write(const char *path, const char *data, size_t len, int overwrite)
{
    char tmp[PATH_MAX];
    char dir[PATH_MAX];
    int fd = -1, rc;

    if (path == NULL || *path == '\0' || (data == NULL && len > 0))
        return SP_ERR_INVALID_ARG;
    if (len > SP_KEYFILE_MAX_BYTES)
        return SP_ERR_OVERFLOW;
    rc = path_dir(path, dir, sizeof(dir));
    if (rc != 0)
        return rc;
    /* The reader refuses a key in a directory others can write: refuse to
     * write one there in the first place, before anything is created. */
    rc = open_checked_dir(dir, &fd);
    if (rc != 0)
        return rc;
    close(fd);
    rc = make_temp(path, tmp, sizeof(tmp), &fd);
    if (rc != 0)
        return rc;
    rc = fill_temp(fd, data, len);
    if (rc == 0)
        rc = publish(tmp, path, overwrite);
    if (rc != 0) {
        (void)unlink(tmp);
        return rc;
    }
    return fsync_dir(dir);
}

/* "readable", "writable" or "accessible", by the worst group/other bit. */
static const char *mode_exposure(mode_t mode)
{
    if (mode & (S_IRGRP | S_IROTH))
        return "readable";
    if (mode & (S_IWGRP | S_IWOTH))
        return "writable";
    return "accessible";
}

/* User name of uid into buf, or its number when it has none. */
static const char *user_name(uid_t uid, char *buf, size_t cap)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];

    if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
        snprintf(buf, cap, "%s", res->pw_name);
    else
        snprintf(buf, cap, "%u", (unsigned)uid);
    return buf;
}

static void explain_owner(char *out, size_t cap, const char *path)
{
    struct stat st;
    char owner[64], me[64];

    if (lstat(path, &st) != 0) {
        snprintf(out, cap, "key file %s is not owned by the user running snijpunt", path);
        return;
    }
    user_name(st.st_uid, owner, sizeof(owner));
    user_name(geteuid(), me, sizeof(me));
    snprintf(out, cap,
             "key file %s is owned by %s (uid %u), but snijpunt runs as %s (uid %u); "
             "run chown %s %s, or run snijpunt as %s",
             path, owner, (unsigned)st.st_uid, me, (unsigned)geteuid(), me, path, owner);
}

static void explain_mode(char *out, size_t cap, const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0) {
        snprintf(out, cap, "key file %s is accessible by group or others; run chmod 600 %s", path,
                 path);
        return;
    }
    snprintf(out, cap, "key file %s is %s by group or others (mode %04o); run chmod 600 %s", path,
             mode_exposure(st.st_mode), (unsigned)(st.st_mode & 07777), path);
}

/* Says which rule the directory breaks; it was checked as open(dir) saw it,
 * following links, so it is looked at again the same way (stat). */
static void explain_dir(char *out, size_t cap, const char *path)
{
    char dir[PATH_MAX], alt[PATH_MAX + 32] = "", owner[64], me[64];
    struct stat st;

    if (path_dir(path, dir, sizeof(dir)) != 0 || stat(dir, &st) != 0) {
        snprintf(out, cap,
                 "the directory of key file %s is writable by group or others or owned by "
                 "another user, so they could replace the key; keep it in a directory only "
                 "the user running snijpunt can write",
                 path);
        return;
    }
    user_name(geteuid(), me, sizeof(me));
    if (geteuid() != 0)
        snprintf(alt, sizeof(alt), " (or chown root %s)", dir);
    if (st.st_uid != geteuid() && st.st_uid != 0)
        snprintf(out, cap,
                 "directory %s of key file %s is owned by %s (uid %u), who could replace the "
                 "key; run chown %s %s%s",
                 dir, path, user_name(st.st_uid, owner, sizeof(owner)), (unsigned)st.st_uid, me,
                 dir, alt);
    else if (st.st_mode & S_ISVTX)
        snprintf(out, cap,
                 "directory %s of key file %s is shared: writable by group or others (mode "
                 "%04o), who could plant or replace the key; move the key to a directory only "
                 "%s can write (mkdir -m 700 DIR)",
                 dir, path, (unsigned)(st.st_mode & 07777), me);
    else
        snprintf(out, cap,
                 "directory %s of key file %s is writable by group or others (mode %04o), who "
                 "could replace the key; run chmod go-w %s",
                 dir, path, (unsigned)(st.st_mode & 07777), dir);
}

static void explain_type(char *out, size_t cap, const char *path)
{
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        snprintf(out, cap,
                 "key file %s is a symbolic link; refusing it (name the file itself, or copy it "
                 "there with mode 600)",
                 path);
    else
        snprintf(out, cap, "key file %s is not a regular file", path);
}

const char *sp_keyfile_explain(char *out, size_t cap, const char *path, int err)
{
    if (out == NULL || cap == 0)
        return out;
    if (path == NULL)
        path = "(null)";
    switch (err) {
    case SP_ERR_KEYFILE_MODE:
        explain_mode(out, cap, path);
        break;
    case SP_ERR_KEYFILE_OWNER:
        explain_owner(out, cap, path);
        break;
    case SP_ERR_KEYFILE_TYPE:
        explain_type(out, cap, path);
        break;
    case SP_ERR_KEYFILE_DIR:
        explain_dir(out, cap, path);
        break;
    case SP_ERR_NOT_FOUND:
        snprintf(out, cap, "key file %s does not exist (or its directory does not)", path);
        break;
    case SP_ERR_EXISTS:
        snprintf(out, cap, "key file %s already exists; refusing to overwrite it", path);
        break;
    case SP_ERR_OVERFLOW:
        snprintf(out, cap, "key file %s is larger than %d bytes", path, SP_KEYFILE_MAX_BYTES);
        break;
    case SP_ERR_KEYFILE_FORMAT:
        snprintf(out, cap, "key file %s is not a snijpunt key file, or it is damaged", path);
        break;
    default:
        snprintf(out, cap, "key file %s: %s", path, sp_strerror(err));
        break;
    }
    return out;
}
