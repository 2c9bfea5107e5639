/*
 * The fuzz corpus (fuzz/corpus/{peer,control}) holds the golden fixtures as
 * binary files; this test fails when the two drift apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

static void check(const char *dir, const char *name)
{
    char path[512];
    uint8_t *want, *got;
    size_t wlen, glen;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/%s", SP_FUZZ_CORPUS, dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("missing corpus file %s", path);
    want = fx_load(name, &wlen);
    got = malloc(wlen + 1);
    assert_non_null(got);
    glen = fread(got, 1, wlen + 1, f);
    fclose(f);
    if (glen != wlen || memcmp(got, want, wlen) != 0)
        fail_msg("%s differs from tests/proto/fixtures/%s.hex", path, name);
    free(got);
    free(want);
}

static void test_corpus_matches_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < npeer_samples; i++)
        check("peer", peer_samples[i].name);
    check("peer", "proposal");
    check("peer", "proposal_minimal");
    check("peer", "proposal_case");
    for (size_t i = 0; i < nrequest_samples; i++)
        check("control", request_samples[i].name);
    for (size_t i = 0; i < nreply_samples; i++)
        check("control", reply_samples[i].name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_matches_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
