/* Files and directories the daemon trusts (trusted.h). */
#include "sys/trusted.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool sp_trusted_stat_ok(const struct stat *st)
{
    return (st->st_mode & (S_IWGRP | S_IWOTH)) == 0 && (st->st_uid == geteuid() || st->st_uid == 0);
}

int sp_trusted_check(const char *path, const char *what, char *why, size_t cap)
{
    struct stat st;
    if (cap)
        why[0] = '\0';
    if (stat(path, &st) != 0) {
        int e = errno;
        snprintf(why, cap, "%s %s: %s", what, path, strerror(e));
        return e == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
    }
    uid_t me = geteuid();
    if (st.st_uid != me && st.st_uid != 0) {
        snprintf(why, cap,
                 "%s %s is owned by user %u, not by root or the user running snijpuntd (%u), "
                 "who could change what this node trusts; run chown %u %s",
                 what, path, (unsigned)st.st_uid, (unsigned)me, (unsigned)me, path);
        return SP_ERR_UNSAFE_PERMS;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, cap,
                 "%s %s is writable by group or others (mode %04o), who could change what this "
                 "node trusts; run chmod go-w %s",
                 what, path, (unsigned)(st.st_mode & 07777), path);
        return SP_ERR_UNSAFE_PERMS;
    }
    return 0;
}
