/* Signed proposal files (cli_proposal.h): armour, reading, verifying and
 * handing a proposal to the local node. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli_audit_io.h"
#include "tools/cli_proposal.h"

#define B_PROP "SNIJPUNT PROPOSAL"
#define B_SIG  "SNIJPUNT PROPOSAL SIGNATURE"
#define B_CERT "CERTIFICATE"

/* Appends "-----BEGIN label-----", base64 of data in lines of 64, and the
 * END line to out at *n (capacity cap). */
static int armour(char *out, size_t cap, size_t *n, const char *label, const uint8_t *data,
                  size_t len)
{
    size_t b64cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64cap);
    if (!b64)
        return -1;
    sodium_bin2base64(b64, b64cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    int w = snprintf(out + *n, cap - *n, "-----BEGIN %s-----\n", label);
    for (size_t i = 0, total = strlen(b64); w >= 0 && i < total; i += 64) {
        *n += (size_t)w;
        w = *n < cap ? snprintf(out + *n, cap - *n, "%.64s\n", b64 + i) : -1;
    }
    if (w >= 0) {
        *n += (size_t)w;
        w = *n < cap ? snprintf(out + *n, cap - *n, "-----END %s-----\n", label) : -1;
    }
    free(b64);
    if (w < 0 || *n + (size_t)w >= cap)
        return -1;
    *n += (size_t)w;
    return 0;
}

/* "snijpunt CMD" for messages. */
static void prog_of(const char *cmd, char *out, size_t cap)
{
    snprintf(out, cap, "snijpunt %s", cmd);
}

int sp_cli_proposal_write(const char *cmd, const char *path, const struct sp_cli_proposal *p,
                          bool overwrite)
{
    char prog[64];
    prog_of(cmd, prog, sizeof prog);
    char *text = malloc(SP_CLI_PROPOSAL_FILE_MAX);
    size_t n = 0;
    int rc = -1;
    if (!text)
        return -1;
    int w = snprintf(text, SP_CLI_PROPOSAL_FILE_MAX,
                     "# snijpunt round proposal, signed by its coordinator.\n"
                     "# Show it with `snijpunt proposal show FILE`; start it with\n"
                     "# `snijpunt round start --proposal FILE` on a participating node.\n");
    n = (size_t)w;
    if (armour(text, SP_CLI_PROPOSAL_FILE_MAX, &n, B_PROP, p->bytes, p->len) == 0 &&
        armour(text, SP_CLI_PROPOSAL_FILE_MAX, &n, B_SIG, p->sig, sizeof p->sig) == 0 &&
        n + p->cert_len + 1 < SP_CLI_PROPOSAL_FILE_MAX) {
        memcpy(text + n, p->cert, p->cert_len);
        n += p->cert_len;
        if (n && text[n - 1] != '\n')
            text[n++] = '\n';
        rc = sp_cliaudit_write(prog, path, text, n, 0644, overwrite);
    } else {
        fprintf(stderr, "%s: %s: the proposal does not fit a file\n", prog, path);
    }
    free(text);
    return rc;
}

/* Finds the block `label` in text; sets [*body, *end) to its body. */
static int find_block(const char *text, const char *label, const char **body, const char **end)
{
    char begin[64], fin[64];
    snprintf(begin, sizeof begin, "-----BEGIN %s-----\n", label);
    snprintf(fin, sizeof fin, "-----END %s-----", label);
    const char *b = strstr(text, begin);
    if (!b || (b != text && b[-1] != '\n'))
        return -1;
    *body = b + strlen(begin);
    *end = strstr(*body, fin);
    return *end ? 0 : -1;
}

static int unarmour(const char *text, const char *label, uint8_t *out, size_t cap, size_t *len)
{
    const char *body, *end;
    if (find_block(text, label, &body, &end) != 0)
        return -1;
    return sodium_base642bin(out, cap, body, (size_t)(end - body), "\n\r", len, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0
               ? 0
               : -1;
}

/* The certificate block, copied as PEM. */
static int take_cert(const char *text, struct sp_cli_proposal *out)
{
    const char *body, *end;
    if (find_block(text, B_CERT, &body, &end) != 0)
        return -1;
    const char *start = body - strlen("-----BEGIN " B_CERT "-----\n");
    size_t n = (size_t)(end - start) + strlen("-----END " B_CERT "-----");
    if (n > SP_PKI_CERT_MAX_BYTES)
        return -1;
    memcpy(out->cert, start, n);
    out->cert[n] = '\0';
    out->cert_len = n;
    return 0;
}

int sp_cli_proposal_read(const char *cmd, const char *path, struct sp_cli_proposal *out)
{
    char *text = NULL, prog[64];
    size_t len = 0, slen = 0;
    prog_of(cmd, prog, sizeof prog);
    if (sp_cliaudit_read(prog, path, SP_CLI_PROPOSAL_FILE_MAX, &text, &len) != 0)
        return -1;
    memset(out, 0, sizeof *out);
    const char *what = NULL;
    if (unarmour(text, B_PROP, out->bytes, sizeof out->bytes, &out->len) != 0)
        what = "no readable " B_PROP " block";
    else if (unarmour(text, B_SIG, out->sig, sizeof out->sig, &slen) != 0 || slen != 64)
        what = "no readable " B_SIG " block of 64 bytes";
    else if (take_cert(text, out) != 0)
        what = "no coordinator CERTIFICATE block";
    else if (sp_proposal_decode(out->bytes, out->len, &out->prop) != 0)
        what = "the proposal does not decode (changed or damaged)";
    free(text);
    if (what) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, what);
        return -1;
    }
    return 0;
}

int sp_cli_proposal_verify(const char *cmd, const struct sp_cli_proposal *p, const char *ca_path,
                           const char *crl_path, int64_t now, struct sp_pki_cert_info *info,
                           char *why, size_t why_cap)
{
    char *ca = NULL, *crl = NULL, prog[64];
    size_t ca_len = 0, crl_len = 0, n;
    uint8_t msg[SP_PROPOSAL_SIGNED_MAX];
    int rc = -1;
    prog_of(cmd, prog, sizeof prog);
    why[0] = '\0';
    if (sp_cliaudit_read(prog, ca_path, SP_PKI_CERT_MAX_BYTES, &ca, &ca_len) != 0 ||
        (crl_path && sp_cliaudit_read(prog, crl_path, SP_PKI_CRL_MAX_BYTES, &crl, &crl_len) != 0)) {
        snprintf(why, why_cap, "the CA certificate or the CRL could not be read");
        goto cleanup;
    }
    struct sp_pki_trust *t = NULL;
    int err = sp_pki_trust_new(ca, ca_len, crl, crl_len, &t);
    n = sp_proposal_signed_message(p->bytes, p->len, msg, sizeof msg);
    if (!err)
        err = sp_pki_trust_verify_signed(t, p->cert, p->cert_len, now, SP_PKI_ROLE_COORDINATOR, msg,
                                         n, p->sig, info, why, why_cap);
    sp_pki_trust_free(&t);
    if (!err && strcmp(info->name, p->prop.coordinator) != 0) {
        snprintf(why, why_cap, "signed by %s, but the proposal names coordinator %s", info->name,
                 p->prop.coordinator);
        err = SP_ERR_CERT;
    }
    if (err && !why[0])
        snprintf(why, why_cap, "%s", sp_strerror(err));
    if (err)
        fprintf(stderr, "%s: the proposal's signature is not valid: %s\n", prog, why);
    rc = err ? -1 : 0;
cleanup:
    free(ca);
    free(crl);
    return rc;
}

int sp_cli_proposal_request(const char *cmd, const char *path, struct sp_cli_proposal **p,
                            struct sp_ctl_request *req)
{
    *p = malloc(sizeof **p);
    if (!*p || sp_cli_proposal_read(cmd, path, *p) != 0) {
        free(*p);
        *p = NULL;
        return -1;
    }
    memset(req, 0, sizeof *req);
    req->op = SP_CTL_ROUND_SUBMIT;
    struct sp_cli_proposal *q = *p;
    req->round_submit = (struct sp_peer_propose){
        q->bytes, q->len, q->sig, sizeof q->sig, (const uint8_t *)q->cert, q->cert_len};
    return 0;
}

int sp_cli_proposal_submit(const char *cmd, const struct sp_cli_target *t, const char *path,
                           bool json)
{
    struct sp_cli_proposal *p = NULL;
    struct sp_cli_conn *conn = NULL;
    struct sp_ctl_reply rep;
    struct sp_ctl_request req;
    int status = 1;
    if (sp_cli_proposal_request(cmd, path, &p, &req) != 0 ||
        sp_cli_connect(t, cmd, false, &conn) != 0)
        goto cleanup;
    if (sp_cli_call(conn, &req, &rep, false) != 0)
        goto cleanup;
    if (!sp_cli_reply_failed(&rep, cmd))
        status = sp_cli_round_id_print(rep.round_id, json);
    sp_ctl_reply_clear(&rep);
cleanup:
    sp_cli_close(&conn);
    free(p);
    return status;
}
