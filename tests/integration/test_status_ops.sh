#!/usr/bin/env bash
# Issue 12, `snijpunt status` for an operator: the node certificate's expiry
# and the CRL's next update (a warning line from 30 days before each), the
# audit log's head (seq, time, age) and the store's disk use, as text and
# JSON. Node a's certificate runs out in 10 days, b's in 730; the CRL in 1.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-status.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b -- "store_map_size = 64M"
"$SP" ca issue --dir "$CA" --role node --name a --org "Organisatie a" --oin "$OIN_ORG" \
    --identity-public "$T/a/identity.pub" --out "$CERTS/a.crt" --days 10 --force >/dev/null 2>&1 ||
    fail "ca issue a --days 10"
gov_data a b
for n in a b; do fed_start "$n"; gov_load "$n"; done
for n in a b; do fed_wait_links "$n"; done
now=$(date +%s)

for n in a b; do
    sp "$n" status --json >"$T/$n.json" || fail "status --json at $n"
    sp "$n" status >"$T/$n.txt" || fail "status at $n"
    j() { jq -r "$1" "$T/$n.json"; }
    cert=$(openssl x509 -in "$CERTS/$n.crt" -noout -enddate | cut -d= -f2)
    [ "$(j .cert_not_after)" = "$(date -d "$cert" +%s)" ] ||
        fail "$n: cert_not_after $(j .cert_not_after), the certificate says $cert"
    crl=$(openssl crl -in "$T/pki/crl.pem" -noout -nextupdate | cut -d= -f2)
    [ "$(j .crl_next_update)" = "$(date -d "$crl" +%s)" ] ||
        fail "$n: crl_next_update $(j .crl_next_update), the CRL says $crl"
    # the audit head: what an export ends with, written moments ago
    sp "$n" audit export --out "$T/$n.jsonl" --force 2>/dev/null || fail "audit export at $n"
    seq=$(tail -n 1 "$T/$n.jsonl" | jq -r .head.seq)
    [ "$(j .audit_entries)" = $((seq + 1)) ] || fail "$n: audit_entries $(j .audit_entries), head seq $seq"
    t=$(j .audit_head_time)
    [ "$t" -le "$now" ] && [ "$t" -ge $((now - 300)) ] || fail "$n: audit_head_time $t (now $now)"
    grep -qE "^audit log: +$((seq + 1)) entries, head seq $seq at [0-9T:-]+Z \([0-9]+ (s|min) ago\)$" \
        "$T/$n.txt" || fail "$n: audit line: $(grep audit "$T/$n.txt")"
    # the store: a sparse file, pages in use within the 64 MiB map
    [ "$(j .store_map_bytes)" = $((64 << 20)) ] || fail "$n: store_map_bytes $(j .store_map_bytes)"
    [ "$(j .store_used_bytes)" -gt 0 ] && [ "$(j .store_file_bytes)" -gt 0 ] ||
        fail "$n: store sizes $(jq -c . "$T/$n.json")"
    grep -qE '^store: +[0-9.]+ [KMG]iB on disk, [0-9.]+ [KMG]iB in use of a 64.0 MiB map$' "$T/$n.txt" ||
        fail "$n: store line: $(grep store "$T/$n.txt")"
    grep -qE '^warning: the CRL runs out .* \(in (0 days|1 day)\): install a fresh one \(snijpunt ca crl\)' \
        "$T/$n.txt" || fail "$n: no CRL warning: $(cat "$T/$n.txt")"
done
grep -qE '^certificate: +[0-9T:-]+Z \(in (9|10) days\)$' "$T/a.txt" || fail "a: $(grep cert "$T/a.txt")"
grep -qE '^warning: the node certificate runs out .*\(in (9|10) days\): have the CA issue a new one' \
    "$T/a.txt" || fail "a: no certificate warning: $(cat "$T/a.txt")"
grep -qE '^certificate: +[0-9T:-]+Z \(in 7(29|30) days\)$' "$T/b.txt" || fail "b: $(grep cert "$T/b.txt")"
if grep -q "warning: the node certificate" "$T/b.txt"; then fail "b: a certificate warning 730 days ahead"; fi
# --json carries the same warnings
jq -e '(.warnings | length) == 2 and (.warnings[0] | startswith("the node certificate runs out"))' \
    "$T/a.json" >/dev/null || fail "a: json warnings: $(jq -c .warnings "$T/a.json")"
jq -e '(.warnings | length) == 1 and (.warnings[0] | startswith("the CRL runs out"))' \
    "$T/b.json" >/dev/null || fail "b: json warnings: $(jq -c .warnings "$T/b.json")"
echo "ok: status shows certificate, CRL, audit head and store, and warns before expiry"
