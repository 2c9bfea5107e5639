/* Test tool: writes the audit exports of a small federation that ran one
 * round, signed with real node identities (the key files `snijpunt init`
 * writes), for the CLI test (test_cli_audit.sh). Not installed.
 *
 *   audit_gen_export OUTDIR NAME=IDENTITY_KEY... [--drop NAME:SEQ]
 *
 * writes OUTDIR/NAME.jsonl per node. --drop makes NAME a dishonest node
 * that removed entry SEQ after the round and re-signed the rest of its log
 * and its head (consistent alone; its peers' records expose it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/identity.h"
#include "fixture.h"
#include "sys/keyfile.h"

#define MAX_NODES 8

static int id_sign(void *ctx, uint8_t sig[SP_AUDIT_SIG_BYTES], const uint8_t *msg, size_t len)
{
    return sp_identity_sign(ctx, sig, msg, len);
}

static int load_node(struct tlog *l, struct sp_identity **id, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char *text = NULL;
    size_t len = 0;
    struct sp_identity_public pub;
    if (!eq || (size_t)(eq - arg) > SP_AUDIT_NAME_MAX)
        return -1;
    memset(l, 0, sizeof(*l));
    memcpy(l->node, arg, (size_t)(eq - arg));
    if (sp_keyfile_read(eq + 1, &text, &len) != 0)
        return -1;
    int err = sp_identity_decode(text, len, id);
    sp_keyfile_buf_free(&text, len);
    if (err != 0)
        return -1;
    sp_identity_public(*id, &pub);
    memcpy(l->pk, pub.sign_pk, sizeof(l->pk));
    l->sign = id_sign;
    l->sign_ctx = *id;
    return 0;
}

static int write_export(const char *dir, const struct tlog *l)
{
    char path[4096];
    struct texport x;
    snprintf(path, sizeof(path), "%s/%s.jsonl", dir, l->node);
    FILE *f = fopen(path, "we");
    if (!f)
        return -1;
    texport_of(l, &x);
    for (size_t i = 0; i < x.n; i++)
        fprintf(f, "%s\n", x.line[i]);
    texport_free(&x);
    return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    static struct tlog logs[MAX_NODES];
    struct sp_identity *ids[MAX_NODES] = {0};
    static const uint8_t round[16] = {0x5e, 0xed, 0x0f, 0x0d};
    const char *drop = NULL;
    size_t n = 0;
    if (argc < 4) {
        fprintf(stderr, "usage: %s OUTDIR NAME=KEY NAME=KEY... [--drop NAME:SEQ]\n", argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--drop") == 0 && i + 1 < argc)
            drop = argv[++i];
        else if (n == MAX_NODES || load_node(&logs[n], &ids[n], argv[i]) != 0)
            return fprintf(stderr, "cannot use %s\n", argv[i]), 1;
        else
            n++;
    }
    fixture_federation_with(logs, n, round);
    for (size_t i = 0; drop && i < n; i++) {
        size_t len = strlen(logs[i].node);
        if (strncmp(drop, logs[i].node, len) == 0 && drop[len] == ':') {
            size_t seq = (size_t)strtoul(drop + len + 1, NULL, 10);
            tlog_remove(&logs[i], seq);
            tlog_reseal(&logs[i], seq);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (write_export(argv[1], &logs[i]) != 0)
            rc = 1;
        tlog_free(&logs[i]);
        sp_identity_free(&ids[i]);
    }
    return rc;
}
