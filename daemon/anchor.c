/* The audit anchor; see anchor.h. */
#include "daemon/anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "daemon/log.h"

#define MAGIC "snijpunt-audit-anchor-v1"

static int path_of(const char *dir, const char *name, char out[PATH_MAX])
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    return n > 0 && n < PATH_MAX ? 0 : SP_ERR_IO;
}

int sp_anchor_read(const char *state_dir, struct sp_anchor *out)
{
    char path[PATH_MAX], line[512], hex[2 * SP_AUDIT_HASH_BYTES + 2];
    struct sp_anchor a = {0};
    if (path_of(state_dir, SP_ANCHOR_FILE, path) != 0)
        return SP_ERR_IO;
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
    bool ok = fgets(line, sizeof line, f) != NULL &&
              sscanf(line, MAGIC " node=%64[a-z0-9-] seq=%" SCNu64 " hash=%65s", a.node, &a.seq,
                     hex) == 3 &&
              strlen(hex) == 2 * SP_AUDIT_HASH_BYTES &&
              sp_hex_decode(a.hash, sizeof a.hash, hex) == 0;
    fclose(f);
    if (!ok)
        return SP_ERR_AUDIT;
    *out = a;
    return 0;
}

int sp_anchor_write(const char *state_dir, const struct sp_anchor *a)
{
    char path[PATH_MAX], tmp[PATH_MAX], hex[2 * SP_AUDIT_HASH_BYTES + 1], line[512];
    if (path_of(state_dir, SP_ANCHOR_FILE, path) != 0 ||
        path_of(state_dir, SP_ANCHOR_FILE ".tmp", tmp) != 0)
        return SP_ERR_IO;
    sp_hex_encode(hex, a->hash, sizeof a->hash);
    int n = snprintf(line, sizeof line, MAGIC " node=%s seq=%" PRIu64 " hash=%s\n", a->node, a->seq,
                     hex);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return SP_ERR_IO;
    bool ok = n > 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return SP_ERR_IO;
    }
    return 0;
}

int sp_anchor_check(const char *state_dir, const char *node, bool have, uint64_t seq,
                    const uint8_t hash[SP_AUDIT_HASH_BYTES])
{
    struct sp_anchor a;
    int rc = sp_anchor_read(state_dir, &a);
    if (rc == SP_ERR_NOT_FOUND)
        return 0; /* the first start, or the anchor was moved away on purpose */
    if (rc != 0) {
        sp_log_error("audit anchor %s/%s cannot be read (%s): move it away to write a new one "
                     "from the store's log",
                     state_dir, SP_ANCHOR_FILE, rc == SP_ERR_IO ? "I/O error" : "damaged");
        return SP_ERR_AUDIT;
    }
    if (strcmp(a.node, node) != 0) {
        sp_log_error("audit anchor %s/%s belongs to node %s, not %s: this state directory is "
                     "another node's",
                     state_dir, SP_ANCHOR_FILE, a.node, node);
        return SP_ERR_AUDIT;
    }
    if (!have) {
        sp_log_error("the store in %s holds no audit log, but this node's audit chain had reached "
                     "entry %" PRIu64 " (%s/%s): the store was deleted or replaced. Restore it "
                     "from a backup (snijpunt backup), or, to start a new chain on purpose, move "
                     "%s away and record why; the peers keep this node's earlier heads and will "
                     "refuse the new, lower ones",
                     state_dir, a.seq, state_dir, SP_ANCHOR_FILE, SP_ANCHOR_FILE);
        return SP_ERR_AUDIT;
    }
    if (seq < a.seq)
        sp_log_error("the audit log ends at entry %" PRIu64 " but this node's chain had reached "
                     "entry %" PRIu64 " (%s/%s): the store is an older copy (a restored backup?); "
                     "the entries after %" PRIu64 " are gone from this node, the peers' logs still "
                     "hold its later heads",
                     seq, a.seq, state_dir, SP_ANCHOR_FILE, seq);
    else if (seq == a.seq && sodium_memcmp(a.hash, hash, sizeof a.hash) != 0)
        sp_log_error("the audit log's entry %" PRIu64 " is not the one %s/%s recorded: the "
                     "store was replaced by another log of the same length",
                     seq, state_dir, SP_ANCHOR_FILE);
    return 0; /* the caller moves the anchor to the head once the start is recorded */
}
