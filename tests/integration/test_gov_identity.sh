#!/usr/bin/env bash
# Issue 5, identity tests, with real daemons on loopback and certificates of
# a federation CA made with `snijpunt ca`:
#   - a node whose certificate does not bind its keys, a revoked node, and a
#     node whose certificate comes from another CA do not start (exit 1,
#     the reason logged); `snijpuntd --check` says which peers it would
#     refuse;
#   - node a refuses the connections of peer b (revoked on a's CRL), c (a
#     certificate of another CA) and d (a certificate that binds other keys),
#     logs and records each refusal with its code in its audit log, and
#     refuses a signed proposal that names them; e (valid) is admitted and a
#     round with it runs;
#   - a CRL reload on SIGHUP revokes e without a restart.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-govid.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b c d e
gov_coordinator coord
# b: revoked (a's CRL lists it; b itself runs without the CRL and starts)
serial_b=$("$SP" ca show "$CERTS/b.crt" | awk '/^serial/ {print $2}')
[ -n "$serial_b" ] || fail "no serial for b"
"$SP" ca revoke --dir "$CA" "$serial_b" >/dev/null 2>&1 || fail "revoke b"
gov_crl
sed -i '/^crl = /d' "$T/b/snijpuntd.conf"
# c: its certificate (also the one a holds) comes from another CA of the same name
gov_ca "$T/pki/other" "CA"
gov_issue_node c "$T/pki/other"
sed -i "s|^ca_cert = .*|ca_cert = $T/pki/other/ca.crt|; /^crl = /d" "$T/c/snijpuntd.conf"
sed -i "s|^cert_dir = .*|cert_dir = $T/c/peers|" "$T/c/snijpuntd.conf"
mkdir -p "$T/c/peers" && cp "$CERTS"/*.crt "$T/c/peers/"
# d: a's copy of d's certificate binds the keys of another identity
"$SP" init --dir "$T/impostor" --node d --listen tcp://127.0.0.1:1 >/dev/null 2>&1 || fail "init impostor"
gov_issue_node d "$CA" "$T/impostor/identity.pub" "$T/pki/d-other.crt"
sed -i "/^\[peer d\]$/a cert = $T/pki/d-other.crt" "$T/a/snijpuntd.conf"

# --- nodes that must not start ------------------------------------------------
must_not_start() { # NODE CONFIG WHY
    if "$SPD" --config "$2" >"$T/$1.start.log" 2>&1; then fail "$1 started"; fi
    grep -q "$3" "$T/$1.start.log" || fail "$1: no '$3' in: $(cat "$T/$1.start.log")"
}
cp "$T/a/snijpuntd.conf" "$T/a-mismatch.conf"
sed -i "s|^node_cert = .*|node_cert = $CERTS/e.crt|" "$T/a-mismatch.conf"
must_not_start a-mismatch "$T/a-mismatch.conf" "is for node e, not a"
cp "$T/a/snijpuntd.conf" "$T/a-keys.conf"
gov_issue_node a "$CA" "$T/impostor/identity.pub" "$T/pki/a-other.crt"
sed -i "s|^node_cert = .*|node_cert = $T/pki/a-other.crt|" "$T/a-keys.conf"
must_not_start a-keys "$T/a-keys.conf" "does not bind this node's keys"
cp "$T/b/snijpuntd.conf" "$T/b-revoked.conf"
sed -i "0,/^\[peer /s|^\[peer |crl = $T/pki/crl.pem\n[peer |" "$T/b-revoked.conf"
must_not_start b-revoked "$T/b-revoked.conf" "revoked"
cp "$T/a/snijpuntd.conf" "$T/a-otherca.conf"
sed -i "s|^ca_cert = .*|ca_cert = $T/pki/other/ca.crt|; /^crl = /d" "$T/a-otherca.conf"
must_not_start a-otherca "$T/a-otherca.conf" "certificate"
out=$("$SPD" --config "$T/a/snijpuntd.conf" --check 2>&1) || fail "a --check: $out"
for p in b c d; do
    echo "$out" | grep -q "peer $p will be refused" || fail "--check does not name peer $p: $out"
done
echo "$out" | grep -q "peer e will be refused" && fail "--check refuses e: $out"

# --- refused connections ----------------------------------------------------------
gov_data a b c d e
for n in a b c d e; do fed_start "$n"; gov_load "$n"; done
fed_wait_links a e
# b, c and d keep trying to connect; each is refused at a's ZAP handler
for _ in $(seq 100); do
    gov_export a
    got=$(gov_entries a connection_refused | jq -r '"\(.fields.peer) \(.fields.code)"' | sort -u | tr '\n' ' ')
    case $got in *"b -109"*"c -111"*"d -112"*) break ;; esac
    sleep 0.2
done
for want in "b -109" "c -111" "d -112"; do
    case $got in *"$want"*) ;; *) fail "a's audit log lacks a refusal of '$want': $got" ;; esac
done
grep -q "connection of peer b refused: .*revoked" "$T/a/d.log" || fail "a did not log b's refusal"
n_b=$(gov_entries a connection_refused | jq -r 'select(.fields.peer == "b")' | jq -s length)
[ "$n_b" -le 2 ] || fail "b's refusals were recorded $n_b times within a minute"
gov_has a connection_refused '.fields.peer == "b" and (.fields.peer_key | test("^[0-9a-f]{64}$"))' ||
    fail "the refusal of b does not name its key"

# a proposal naming b is refused at a, with the reason
gov_proposal "$T/ab.prop" coord --participant a --participant b --participant e
if sp a proposal submit "$T/ab.prop" >"$T/ab.out" 2>&1; then fail "a proposed a round with revoked b"; fi
grep -q "participant b is not an admitted member" "$T/ab.out" || fail "refusal: $(cat "$T/ab.out")"
gov_export a
gov_has a proposal_refused '.fields.code == -109' ||
    fail "no proposal_refused (revoked participant) in a's log"

# a round with e runs
gov_proposal "$T/ae.prop" coord --participant a --participant e
id=$(round_submit a "$T/ae.prop")
for n in a e; do
    s=$(round_wait "$n" "$id" 60)
    [ "$s" = done ] || fail "round a+e at $n: $s: $(sp "$n" round status "$id" 2>&1)"
done

# --- revocation without a restart: SIGHUP re-reads the CRL -----------------------
serial_e=$("$SP" ca show "$CERTS/e.crt" | awk '/^serial/ {print $2}')
"$SP" ca revoke --dir "$CA" "$serial_e" >/dev/null 2>&1 || fail "revoke e"
gov_crl
kill -HUP "${PIDS[a]}"
for _ in $(seq 50); do grep -q "revocation list .* reloaded" "$T/a/d.log" && break; sleep 0.1; done
gov_proposal "$T/ae2.prop" coord --participant a --participant e
if sp a proposal submit "$T/ae2.prop" >"$T/ae2.out" 2>&1; then fail "a still accepts revoked e"; fi
grep -q "participant e is not an admitted member: .*revoked" "$T/ae2.out" ||
    fail "refusal of e: $(cat "$T/ae2.out")"

for n in a b c d e; do fed_stop "$n"; done
echo "ok: identity checks"
