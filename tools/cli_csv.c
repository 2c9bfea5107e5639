/* Writing CSV fields; see cli_csv.h. */
#include "tools/cli_csv.h"

#include <stdbool.h>

void sp_csv_write_field(FILE *out, const char *s, size_t len)
{
    /* surrounding spaces too: a reader that trims would change the value */
    bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}
