/* The case list as the CLI reads it (cli_case_list.h). */
#include "tools/cli_case_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input/case_list.h"
#include "proto/control.h"
#include "tools/cli_audit_io.h"
#include "tools/cli_input.h"

/* The case list: at most one control chunk. */
static int read_list(const char *cmd, const char *path, char **data, size_t *len)
{
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size > (off_t)SP_CTL_CHUNK_MAX_BYTES) {
        fprintf(stderr,
                "%s: %s: %lld bytes; a case list is at most %u bytes (1 MiB): ask about fewer "
                "subjects\n",
                cmd, path, (long long)st.st_size, SP_CTL_CHUNK_MAX_BYTES);
        return -1;
    }
    if (sp_cliaudit_read(cmd, path, SP_CTL_CHUNK_MAX_BYTES, data, len) != 0)
        return -1;
    if (*len == 0) {
        fprintf(stderr, "%s: %s is empty; expected a CSV of the case's subjects\n", cmd, path);
        free(*data);
        *data = NULL;
        return -1;
    }
    return 0;
}

int sp_cli_case_files(const char *cmd, const char *mapping_path, const char *list_path,
                      char **mapping, size_t *mapping_len, char **data, size_t *data_len)
{
    *mapping = *data = NULL;
    if (sp_cliaudit_read(cmd, mapping_path, SP_CTL_MAPPING_MAX_BYTES, mapping, mapping_len) != 0)
        return -1;
    if (*mapping_len == 0) {
        fprintf(stderr, "%s: %s is empty; expected a mapping file\n", cmd, mapping_path);
        goto fail;
    }
    if (read_list(cmd, list_path, data, data_len) == 0)
        return 0;
fail:
    free(*mapping);
    *mapping = NULL;
    return -1;
}

int sp_cli_case_sizes(const char *cmd, const char *mapping_path, const char *list_path,
                      uint32_t sizes[SP_KEY_TYPE_COUNT])
{
    char *mapping = NULL, *data = NULL;
    size_t mlen = 0, dlen = 0;
    struct sp_case_list l;
    char why[1024];
    int rc = -1;
    if (sp_cli_case_files(cmd, mapping_path, list_path, &mapping, &mlen, &data, &dlen) != 0)
        return -1;
    if (sp_case_list_read(&l, mapping, mlen, (const uint8_t *)data, dlen, sp_cli_today(), why,
                          sizeof(why)) != 0) {
        fprintf(stderr, "%s: %s: %s\n", cmd, list_path, why);
        goto out;
    }
    memcpy(sizes, l.count, sizeof(l.count));
    sp_case_list_free(&l);
    rc = 0;
out:
    if (data)
        explicit_bzero(data, dlen); /* the case's subjects */
    free(data);
    free(mapping);
    return rc;
}
