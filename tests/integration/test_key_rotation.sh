#!/usr/bin/env bash
# Issue 12, key rotation and certificate renewal on a live federation of
# three nodes on loopback, as docs/operations.md describes them:
#   - b rotates its CURVE key (`snijpunt identity rotate`: the signing key
#     stays, the old file is kept as .old); the CA renews b's certificate for
#     the new key (`snijpunt ca renew --identity-public`); a and c take b's
#     new public_key and certificate and get SIGHUP (the links to b follow
#     the new key without a restart); b restarts with the new key and
#     records key_change;
#   - a's certificate is renewed for the same keys (`snijpunt ca renew`),
#     installed, SIGHUP everywhere: a records key_change; the replaced
#     certificates of a and b are revoked and the new CRL installed;
#   - after each step a round of a, b and c completes with the same results
#     as before, and b's audit chain verifies with its renewed certificate.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-rotate.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b c
gov_coordinator coord
# b reads its own certificate from its own copy (as on separate machines)
cp "$CERTS/b.crt" "$T/b/b.crt"
sed -i "s|^node_cert = .*|node_cert = $T/b/b.crt|" "$T/b/snijpuntd.conf"
gov_data a b c
for n in a b c; do fed_start "$n"; gov_load "$n"; done
for n in a b c; do fed_wait_links "$n"; done

round_abc() { # NAME: a signed round of a, b and c; results in $T/NAME.<node>
    local n
    gov_proposal "$T/$1.prop" coord --participant a --participant b --participant c
    round_done "$T/$1.prop" a b c
    for n in a b c; do results_of "$n" "$ROUND_ID" >"$T/$1.$n"; done
    [ -s "$T/$1.a" ] || fail "round $1: a learned nothing"
}
same_results() { # NAME: the results of round NAME equal those of round r1
    local n
    for n in a b c; do
        cmp -s "$T/r1.$n" "$T/$1.$n" || fail "round $1 at $n differs: $(diff "$T/r1.$n" "$T/$1.$n")"
    done
}
round_abc r1

# --- b rotates its CURVE key --------------------------------------------------------
old_show=$("$SP" identity show --config "$T/b/snijpuntd.conf" --json)
rot=$("$SP" identity rotate --config "$T/b/snijpuntd.conf" --json) || fail "identity rotate"
new_pub=$(echo "$rot" | jq -r .public_key)
[ "$new_pub" != "${PUBS[b]}" ] || fail "rotate kept the public key"
[ "$(echo "$rot" | jq -r .signing_key)" = "$(echo "$old_show" | jq -r .signing_key)" ] ||
    fail "rotate changed the signing key"
[ "$(echo "$rot" | jq -r .curve_key)" != "$(echo "$old_show" | jq -r .curve_key)" ] ||
    fail "rotate kept the CURVE key"
[ "$(cat "$T/b/identity.pub")" = "$new_pub" ] || fail "identity.pub is not the new key"
[ "$(stat -c %a "$T/b/identity.key.old")" = 600 ] || fail "identity.key.old is not 0600"
if "$SP" identity rotate --config "$T/b/snijpuntd.conf" >/dev/null 2>"$T/rot2.err"; then
    fail "a second rotation replaced identity.key.old without --force"
fi
grep -q "identity.key.old exists" "$T/rot2.err" || fail "second rotation: $(cat "$T/rot2.err")"
# the running node keeps its key; SIGHUP says a restart is needed for it
gov_hup b "kept as it was until snijpuntd is restarted: identity \(the key file holds another key\)"

cp "$CERTS/b.crt" "$T/pki/b-old.crt"
ren=$("$SP" ca renew --dir "$CA" --cert "$CERTS/b.crt" --identity-public "$T/b/identity.pub" \
    --out "$T/pki/b-new.crt" --json) || fail "ca renew b"
[ "$(echo "$ren" | jq -r .new_keys)" = true ] || fail "ca renew: $ren"
"$SP" ca show "$T/pki/b-new.crt" --json | jq -e --arg k "$(echo "$rot" | jq -r .curve_key)" \
    '.curve_key == $k and .name == "b" and .oin == "'"$OIN_ORG"'"' >/dev/null ||
    fail "the renewed certificate does not bind b's new key"

# the peers first: b's new public_key and certificate, SIGHUP
cp "$T/pki/b-new.crt" "$CERTS/b.crt"
for n in a c; do
    sed -i "s|^public_key = ${PUBS[b]}\$|public_key = $new_pub|" "$T/$n/snijpuntd.conf"
    gov_hup "$n" "reloaded; in force now: peer b \(new key\)$"
    grep -q "peers: reconnecting to b at .* with its new key" "$T/$n/d.log" ||
        fail "$n did not follow b's new key"
done
# then b: its new certificate, a restart
cp "$T/pki/b-new.crt" "$T/b/b.crt"
fed_stop b
fed_start b
grep -q "identity keys changed since the last start" "$T/b/d.log" || fail "b did not log its new key"
for n in a b c; do fed_wait_links "$n"; done
round_abc r2
same_results r2

# --- a's certificate renewed for the same keys ----------------------------------------
cp "$CERTS/a.crt" "$T/pki/a-old.crt"
ren=$("$SP" ca renew --dir "$CA" --cert "$CERTS/a.crt" --out "$T/pki/a-new.crt" --days 400) ||
    fail "ca renew a"
echo "$ren" | grep -q "^renewed node certificate for a " || fail "ca renew a printed: $ren"
cp "$T/pki/a-new.crt" "$CERTS/a.crt"
gov_hup a "re-read: unchanged$"
grep -q "certificate changed on reload" "$T/a/d.log" || fail "a did not notice its new certificate"
# the replaced certificates revoked; the new list everywhere
"$SP" ca revoke --dir "$CA" --cert "$T/pki/a-old.crt" >/dev/null || fail "revoke a's old certificate"
"$SP" ca revoke --dir "$CA" --cert "$T/pki/b-old.crt" >/dev/null || fail "revoke b's old certificate"
gov_crl
for n in a b c; do gov_hup "$n" "revocation list .* reloaded"; done
for n in a b c; do fed_wait_links "$n"; done
round_abc r3
same_results r3

# --- what the audit logs say ------------------------------------------------------------
for n in a b c; do gov_export "$n"; done
gov_has b key_change '.fields.detail == "the node'"'"'s identity keys changed"' ||
    fail "b recorded no key change: $(gov_entries b key_change)"
gov_has a key_change '.fields.detail == "the node'"'"'s certificate changed"' ||
    fail "a recorded no certificate change: $(gov_entries a key_change)"
for n in a c; do
    gov_has "$n" config_change 'true' || fail "$n recorded no config_change"
done
"$SP" audit verify "$T/b.jsonl" --cert "$T/pki/b-new.crt" --ca "$CA/ca.crt" >/dev/null 2>&1 ||
    fail "b's audit chain does not verify with its renewed certificate"

for n in a b c; do fed_stop "$n"; done
echo "ok: CURVE key rotated and certificates renewed on a live federation; rounds unchanged"
