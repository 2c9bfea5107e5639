#include "tools/cli_json.h"

static bool to_stream(void *ctx, const char *s, size_t n)
{
    return fwrite(s, 1, n, ctx) == n;
}

void sp_json_init(struct sp_json *j, FILE *out)
{
    sp_json_init_sink(j, to_stream, out);
}

int sp_json_finish(struct sp_json *j)
{
    FILE *out = j->ctx;
    int rc = sp_json_end(j, NULL);
    if (fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out) || rc == SP_ERR_IO)
        return SP_ERR_IO;
    return rc;
}
