#!/usr/bin/env bash
# CLI test of `snijpunt ca` and `snijpunt audit`: a federation CA, node and
# coordinator certificates, revocation; exports of a three-node round
# (signed with the nodes' real identities by tests/audit_gen_export) verified,
# cross-checked and told; and tampered exports refused, naming the entry.
set -euo pipefail
build=${SP_BUILD_DIR:?SP_BUILD_DIR is set by ctest}
cli=$build/snijpunt
gen=$build/tests/audit_gen_export
[ -x "$cli" ] && [ -x "$gen" ] || { echo "snijpunt or audit_gen_export not built"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/snijpunt-cli-audit.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# ok DESC COMMAND...: must exit 0; its output is kept in $out.
ok() {
    local desc=$1; shift
    out=$("$@" 2>&1) || { echo "$out" >&2; fail "$desc: exit $?"; }
}
# refused DESC EXPECTED-TEXT COMMAND...: must exit 1 and print EXPECTED-TEXT.
refused() {
    local desc=$1 want=$2 rc=0; shift 2
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -eq 1 ] || { echo "$out" >&2; fail "$desc: exit $rc, expected 1"; }
    grep -qF -- "$want" <<<"$out" || { echo "$out" >&2; fail "$desc: no '$want'"; }
}
has() { grep -qF -- "$1" <<<"$out" || { echo "$out" >&2; fail "missing '$1'"; }; }

nodes=(gemeente-a politie-b belasting-c)
oin_kvk=00000003123456780000

# ---- the CA and certificates
ok "ca init" "$cli" ca init --dir ca --org "Federatie RIEC Test" --oin 00000001111222333000
[ "$(stat -c %a ca/ca.key)" = 600 ] || fail "ca.key is not mode 0600"
refused "ca init twice" "exists" "$cli" ca init --dir ca --org X --oin 00000001111222333000
refused "bad OIN" "11-test" "$cli" ca init --dir ca2 --org X --oin 00000001123456789000
mkdir -p -m 700 pki out # keys are written here: whatever the umask
cp ca/ca.crt pki/ca.crt
port=7100
for n in "${nodes[@]}"; do
    ok "init $n" "$cli" init --node "$n" --listen "tcp://127.0.0.1:$((port++))" --dir "nodes/$n"
    ok "issue $n" "$cli" ca issue --dir ca --role node --name "$n" --org "Organisatie $n" \
        --oin "$oin_kvk" --identity-public "nodes/$n/identity.pub" --out "pki/$n.crt"
    has "issued node certificate for $n"
done
ok "coordinator" "$cli" ca issue --dir ca --role coordinator --name "J. de Vries (RIEC Zuid)" \
    --org "RIEC Zuid" --oin "$oin_kvk" --key-out coord.key --out coord.crt
[ "$(stat -c %a coord.key)" = 600 ] || fail "coordinator key is not mode 0600"
refused "node without keys" "identity-public" "$cli" ca issue --dir ca --role node \
    --name x --org X --oin "$oin_kvk" --out x.crt
ok "show" "$cli" ca show pki/gemeente-a.crt
has "role:          node"
has "OIN:           $oin_kvk"
if command -v openssl >/dev/null; then
    ok "openssl agrees" openssl verify -CAfile pki/ca.crt pki/gemeente-a.crt coord.crt
fi

# ---- honest exports
keys=()
for n in "${nodes[@]}"; do keys+=("$n=nodes/$n/identity.key"); done
ok "generate" "$gen" out "${keys[@]}"
a=out/gemeente-a.jsonl
[ "$(wc -l <"$a")" -eq 12 ] || fail "expected 11 entries and a head"
for n in "${nodes[@]}"; do
    ok "verify $n" "$cli" audit verify "out/$n.jsonl" --cert "pki/$n.crt" --ca pki/ca.crt
    has "ok: 11 entries, head seq 10"
done
ok "verify with peers" "$cli" audit verify "$a" --cert pki/gemeente-a.crt --ca pki/ca.crt \
    --peer-log out/politie-b.jsonl --peer-log out/belasting-c.jsonl
has "2 head(s) recorded by peers match"
ok "crosscheck" "$cli" audit crosscheck --ca pki/ca.crt --cert-dir pki out/*.jsonl
has "ok: 3 exports agree on 1 round(s): 6 sent/received pairs, 6 recorded heads checked"
ok "list rounds" "$cli" audit show out/*.jsonl
has "5eed0f0d000000000000000000000000"
round=5eed0f0d000000000000000000000000
ok "story" "$cli" audit show out/*.jsonl --round "$round" --ca pki/ca.crt --cert-dir pki
has "gemeente-a accepted the proposal."
has "Legal basis for politie-b: WGS art. 2.2; convenant RIEC"
has "With politie-b: sent bsn 121, name_dob 123"
has "As counting node, belasting-c saw only anonymous incidence patterns"
refused "story of an unknown round" "no entry about round" \
    "$cli" audit show "$a" --round 00000000000000000000000000000000

# ---- the wrong certificate, role, CA, time, or a revoked one
refused "another node's cert" "bad signature" \
    "$cli" audit verify "$a" --cert pki/politie-b.crt --ca pki/ca.crt
refused "coordinator cert" "wrong role" "$cli" audit verify "$a" --cert coord.crt --ca pki/ca.crt
ok "other CA" "$cli" ca init --dir ca2 --org "Federatie RIEC Test" --oin 00000001111222333000
ok "issue by other CA" "$cli" ca issue --dir ca2 --role node --name gemeente-a --org X \
    --oin "$oin_kvk" --identity-public nodes/gemeente-a/identity.pub --out other.crt
refused "cert of another CA" "does not chain" \
    "$cli" audit verify "$a" --cert other.crt --ca pki/ca.crt
refused "expired" "expired" "$cli" audit verify "$a" --cert pki/gemeente-a.crt --ca pki/ca.crt \
    --at 2099-01-01
ok "revoke" "$cli" ca revoke --dir ca --cert pki/politie-b.crt
ok "crl" "$cli" ca crl --dir ca --out pki/crl.pem
refused "revoked" "revoked" "$cli" audit verify out/politie-b.jsonl --cert pki/politie-b.crt \
    --ca pki/ca.crt --crl pki/crl.pem
ok "not revoked" "$cli" audit verify "$a" --cert pki/gemeente-a.crt --ca pki/ca.crt \
    --crl pki/crl.pem
refused "stale CRL" "revocation list" "$cli" audit verify "$a" --cert pki/gemeente-a.crt \
    --ca pki/ca.crt --crl pki/crl.pem --at "$(($(date +%s) + 40 * 86400))"
refused "revoked twice" "already revoked" "$cli" ca revoke --dir ca --cert pki/politie-b.crt
mv pki/crl.pem crl.pem # the other checks run without revocation

# ---- tampering: each manipulation names the first bad entry
v() { "$cli" audit verify "$1" --cert pki/gemeente-a.crt --ca pki/ca.crt "${@:2}"; }
sed '2s/"records":1000/"records":1001/' "$a" >t1
refused "changed field" "entry #1 (line 2, seq 1): changed" v t1
sed '6s/"raw":"A/"raw":"B/' "$a" >t2
refused "changed raw byte" "entry #5 (line 6, seq 5): changed" v t2
sed '4d' "$a" >t3
refused "removed" "entry #3 (line 4, seq 3): removed" v t3
awk 'NR == 4 { held = $0; next } NR == 5 { print; print held; next } { print }' "$a" >t4
refused "reordered" "entry #3 (line 4, seq 3): reordered" v t4
sed '3p' "$a" >t5
refused "inserted" "entry #3 (line 4, seq 3): inserted" v t5
{ head -n 9 "$a"; tail -n 1 "$a"; } >t6
refused "cut, head kept" "truncated" v t6
head -n 5 "$a" >t7
refused "cut with the head" "head" v t7
refused "cut with the head, peers" "truncated" v t7 --peer-log out/politie-b.jsonl
sed '$s/"seq":10/"seq":9/' "$a" >t8
refused "head changed" "head" v t8

# ---- a dishonest node: removes entry 1 after the round and re-signs
mkdir -p bad
ok "generate dishonest" "$gen" bad "${keys[@]}" --drop gemeente-a:1
ok "alone it verifies" v bad/gemeente-a.jsonl
refused "its peers' records expose it" "rewritten" v bad/gemeente-a.jsonl \
    --peer-log bad/politie-b.jsonl
refused "crosscheck exposes it" "gemeente-a's log does not verify" \
    "$cli" audit crosscheck --ca pki/ca.crt --cert-dir pki bad/*.jsonl

# ---- usage
rc=0; "$cli" audit verify "$a" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "verify without --cert: exit $rc, expected 2"
rc=0; "$cli" audit frobnicate >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "unknown subcommand: exit $rc, expected 2"
echo "cli audit: all checks passed"
