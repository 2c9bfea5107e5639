#!/usr/bin/env bash
# Issue 13, links that heal, with real daemons on loopback and certificates of
# a federation CA made with `snijpunt ca`:
#   - a revokes b (its CRL lists b): b's handshakes to a are refused by a's
#     ZAP handler (status 400), which libzmq 4.3 never retries by itself;
#   - a's CRL is replaced by one without b and a gets SIGHUP: without
#     restarting either node, both links come back (b replaces its refused
#     connection, with backoff) and a signed round of a and b completes;
#   - revoking b again and SIGHUP closes the open links between a and b (a
#     logs it), and un-revoking heals them again: a second round completes;
#   - a's copy of b's certificate replaced by a wrong one (another key: a
#     typo, an old copy) and SIGHUP closes the links; b's certificate renewed
#     and copied there, SIGHUP heals them: a third round completes.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-heal.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b
gov_coordinator coord
cp "$T/pki/crl.pem" "$T/pki/crl-clean.pem"
# a reads b's certificate from a copy of its own (per-peer `cert`)
cp "$CERTS/b.crt" "$T/pki/a-b.crt"
sed -i "/^\[peer b\]$/a cert = $T/pki/a-b.crt" "$T/a/snijpuntd.conf"
# b keeps the CRL without itself (one that lists b would stop b at start-up)
sed -i "s|^crl = .*|crl = $T/pki/crl-clean.pem|" "$T/b/snijpuntd.conf"
serial_b=$("$SP" ca show "$CERTS/b.crt" | awk '/^serial/ {print $2}')
[ -n "$serial_b" ] || fail "no serial for b"
"$SP" ca revoke --dir "$CA" "$serial_b" >/dev/null 2>&1 || fail "revoke b"
gov_crl
cp "$T/pki/crl.pem" "$T/pki/crl-revoked.pem"

connected() { # NODE PEER -> true/false
    sp "$1" status --json | jq -r --arg p "$2" '.peers[] | select(.name == $p) | .connected'
}
wait_connected() { # NODE PEER WANT SECONDS
    local s=
    for _ in $(seq $(($4 * 5))); do
        s=$(connected "$1" "$2") || true
        [ "$s" = "$3" ] && return 0
        sleep 0.2
    done
    fail "$1 -> $2: connected is '$s', expected $3 within $4 s"
}
round_ab() { # PROPOSAL
    gov_proposal "$1" coord --participant a --participant b
    round_done "$1" a b
}

gov_data a b
for n in a b; do fed_start "$n"; gov_load "$n"; done

# --- refused: b's handshakes to a fail at a's ZAP handler ----------------------
for _ in $(seq 100); do grep -q "connection to a refused" "$T/b/d.log" && break; sleep 0.1; done
grep -q "connection to a refused: refused by the peer's ZAP handler" "$T/b/d.log" ||
    fail "b was not refused by a"
grep -q "connection of peer b refused: .*revoked" "$T/a/d.log" || fail "a did not log b's refusal"
wait_connected b a false 5
# let b's retries back off a few times before the cause goes away
sleep 4

# --- the cause goes away: links heal without a restart ---------------------------
cp "$T/pki/crl-clean.pem" "$T/pki/crl.pem"
kill -HUP "${PIDS[a]}"
wait_connected b a true 40
wait_connected a b true 40
grep -q "peers: reconnecting to a" "$T/b/d.log" || fail "b did not say it reconnects"
round_ab "$T/ab1.prop"

# --- revoked again: SIGHUP closes the open links ---------------------------------
cp "$T/pki/crl-revoked.pem" "$T/pki/crl.pem"
kill -HUP "${PIDS[a]}"
wait_connected a b false 10
wait_connected b a false 10
grep -q "peers: closed the connections with b .*no longer admitted" "$T/a/d.log" ||
    fail "a did not log closing b's connections"

# --- and admitted again: healed once more ----------------------------------------
cp "$T/pki/crl-clean.pem" "$T/pki/crl.pem"
kill -HUP "${PIDS[a]}"
wait_connected b a true 40
wait_connected a b true 40
round_ab "$T/ab2.prop"

# --- a wrong certificate for b at a, then a renewed one: re-read on SIGHUP -----
"$SP" init --dir "$T/impostor" --node b --listen tcp://127.0.0.1:1 >/dev/null 2>&1 ||
    fail "init impostor"
gov_issue_node b "$CA" "$T/impostor/identity.pub" "$T/pki/b-other.crt"
cp "$T/pki/b-other.crt" "$T/pki/a-b.crt"
kill -HUP "${PIDS[a]}"
wait_connected a b false 10
wait_connected b a false 10
grep -q "certificate $T/pki/a-b.crt re-read" "$T/a/d.log" || fail "a did not re-read b's certificate"
gov_issue_node b "$CA" "$T/b/identity.pub" "$T/pki/b-renewed.crt"
cp "$T/pki/b-renewed.crt" "$T/pki/a-b.crt"
kill -HUP "${PIDS[a]}"
wait_connected b a true 40
wait_connected a b true 40
round_ab "$T/ab3.prop"

for n in a b; do fed_stop "$n"; done
echo "ok: links heal after a refusal and close on revocation"
