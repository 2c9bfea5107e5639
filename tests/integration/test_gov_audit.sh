#!/usr/bin/env bash
# Issue 5, the audit log end to end: three nodes with certificates of a
# federation CA run a round from a coordinator-signed proposal; each node's
# log is exported (`snijpunt audit export`) and verified offline (`snijpunt
# audit verify`), the three are cross-checked, and the round's story is told.
# What the logs must say: the start, the loads, the accepted proposal with
# its digest, participants, sizes per peer, results, and the log heads each
# node sent and recorded. Never a value: no BSN, name or date of the data
# appears in any export. Then the export of node a is tampered with, each
# in its own way, and verify must fail naming what happened:
#   a byte of an entry changed, an entry removed, an entry inserted (a
#   copy), two entries swapped, entries cut off the end (with and without
#   the head; the heads its peers recorded catch the node itself).
# Finally a node restarted with another configuration records it.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-govaudit.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b c
gov_coordinator "J. de Vries"
gov_data a b c
for n in a b c; do fed_start "$n"; gov_load "$n"; done
for n in a b c; do fed_wait_links "$n"; done

gov_proposal "$T/r1.prop" "J. de Vries" --participant a --participant b --participant c \
    --counter b --mode partners --min-holders 2
id=$(round_submit a "$T/r1.prop")
for n in a b c; do
    s=$(round_wait "$n" "$id" 60)
    [ "$s" = done ] || fail "round at $n ended '$s': $(sp "$n" round status "$id" 2>&1)"
done
sp a results --round "$id" | grep -q '^personen,a-1,person,b,' || fail "a-1 not linked to b"
# the log heads are exchanged after the round: wait until each node has all
for n in a b c; do
    for _ in $(seq 100); do
        gov_export "$n"
        [ "$(gov_entries "$n" log_head_received | jq -s length)" -ge 2 ] && break
        sleep 0.1
    done
done

# --- what the logs say --------------------------------------------------------
for n in a b c; do
    f=$T/$n.jsonl
    "$SP" audit verify "$f" --cert "$CERTS/$n.crt" --ca "$CA/ca.crt" --crl "$T/pki/crl.pem" \
        >"$T/v-$n.out" 2>&1 || fail "audit verify $n: $(cat "$T/v-$n.out")"
    for t in node_start dataset_load proposal_accepted round_participants round_sizes \
        round_result log_head_sent log_head_received; do
        [ -n "$(gov_entries "$n" "$t")" ] || fail "$n's log has no $t entry"
    done
    gov_has "$n" proposal_accepted '.fields.round == $id and .fields.coordinator == "J. de Vries" and
        .fields.case_ref == "TEST-2024/1" and .fields.legal_basis == "Art. 20 Wpg" and
        (.fields.participant | join(",")) == "a,b,c" and .fields.counter == "b" and
        (.fields.coordinator_cert_sha256 | length) == 64' --arg id "$id" ||
        fail "$n: proposal_accepted does not say what was proposed: $(gov_entries "$n" proposal_accepted)"
    gov_has "$n" dataset_load '.fields.dataset == "personen" and .fields.version == 1' ||
        fail "$n: dataset_load"
    # never a value of the data
    for v in 908301662 131860914 Jansen Visser 1980-01-01; do
        grep -q "$v" "$f" && fail "$n's export contains '$v'"
    done
done
digests=$(for n in a b c; do gov_entries "$n" proposal_accepted | jq -r .fields.proposal_sha256; done | sort -u)
[ "$(echo "$digests" | wc -l)" = 1 ] || fail "nodes logged different proposal digests: $digests"
want=$(sha256sum <(sed -n '/BEGIN SNIJPUNT PROPOSAL-----/,/END SNIJPUNT PROPOSAL-----/p' "$T/r1.prop" |
    grep -v -- ----- | base64 -d) | cut -d' ' -f1)
[ "$digests" = "$want" ] || fail "the logged digest is not the SHA-256 of the proposal bytes"
"$SP" audit crosscheck --ca "$CA/ca.crt" --cert-dir "$CERTS" "$T"/a.jsonl "$T"/b.jsonl "$T"/c.jsonl \
    >"$T/cc.out" 2>&1 || fail "crosscheck: $(cat "$T/cc.out")"
grep -q "^ok: 3 exports agree" "$T/cc.out" || fail "crosscheck: $(cat "$T/cc.out")"
# The export on standard output is the same log; one changed number in a's
# round_result makes the crosscheck fail (as test_local_federation_modes.sh
# checks on five nodes, which the sanitizer pass leaves out).
sp a audit export >"$T/a-stdout.jsonl" 2>/dev/null || fail "audit export to standard output"
"$SP" audit verify "$T/a-stdout.jsonl" --cert "$CERTS/a.crt" --ca "$CA/ca.crt" >"$T/vs.out" 2>&1 ||
    fail "verify of the export on standard output: $(cat "$T/vs.out")"
sed -E '/"type":"round_result"/s/"records_matched":/"records_matched":1/' "$T/a.jsonl" >"$T/a-rm.jsonl"
cmp -s "$T/a.jsonl" "$T/a-rm.jsonl" && fail "a's export has no round_result to change"
"$SP" audit crosscheck --ca "$CA/ca.crt" --cert-dir "$CERTS" "$T"/a-rm.jsonl "$T"/b.jsonl "$T"/c.jsonl \
    >"$T/cc-rm.out" 2>&1 && fail "crosscheck accepted a changed round_result: $(cat "$T/cc-rm.out")"
"$SP" audit show "$T"/a.jsonl "$T"/b.jsonl "$T"/c.jsonl --round "$id" --ca "$CA/ca.crt" \
    --cert-dir "$CERTS" >"$T/story.out" 2>&1 || fail "audit show: $(cat "$T/story.out")"
grep -q "J. de Vries" "$T/story.out" || fail "the story does not name the coordinator"

# --- tampering ------------------------------------------------------------------
verify_fails() { # FILE WHAT [extra args]
    local f=$1 what=$2
    shift 2
    if "$SP" audit verify "$f" --cert "$CERTS/a.crt" --ca "$CA/ca.crt" "$@" >"$T/tv.out" 2>&1; then
        fail "tampering ($what) was not detected"
    fi
    grep -q "$what" "$T/tv.out" || fail "tampering: expected '$what': $(cat "$T/tv.out")"
}
A=$T/a.jsonl
n=$(wc -l <"$A")
[ "$n" -ge 8 ] || fail "a's export is too short ($n lines)"
# a byte of an entry: a count in the readable part, and a byte inside "raw"
L=$(grep -n '"type":"dataset_load"' "$A" | head -n 1 | cut -d: -f1)
sed "${L}s/\"version\":1/\"version\":2/" "$A" >"$T/t1.jsonl"
cmp -s "$A" "$T/t1.jsonl" && fail "test broken: the load entry was not changed"
verify_fails "$T/t1.jsonl" "changed"
jq -c 'if .seq == 4 then .raw |= (.[0:40] + (if .[40:41] == "A" then "B" else "A" end) + .[41:]) else . end' \
    "$A" >"$T/t2.jsonl"
verify_fails "$T/t2.jsonl" "changed"
# an entry removed
sed '3d' "$A" >"$T/t3.jsonl"
verify_fails "$T/t3.jsonl" "removed"
# an entry inserted (a copy of another)
sed '4p' "$A" >"$T/t4.jsonl"
verify_fails "$T/t4.jsonl" "inserted"
# two entries swapped
awk 'NR == 3 { held = $0; next } NR == 4 { print; print held; next } { print }' "$A" >"$T/t5.jsonl"
verify_fails "$T/t5.jsonl" "reordered"
# entries cut off the end, the head kept
{ head -n $((n - 3)) "$A"; tail -n 1 "$A"; } >"$T/t6.jsonl"
verify_fails "$T/t6.jsonl" "truncated"
# entries and the head cut
head -n $((n - 4)) "$A" >"$T/t7.jsonl"
verify_fails "$T/t7.jsonl" "head"
"$SP" audit crosscheck --ca "$CA/ca.crt" --cert-dir "$CERTS" "$T/t7.jsonl" "$T/b.jsonl" \
    "$T/c.jsonl" >"$T/cc7.out" 2>&1 && fail "crosscheck accepted a's cut log"

# --- a restart with another configuration is recorded ------------------------------
fed_stop a
gov_set a "accept_min_holders = 2"
fed_start a
gov_export a
gov_has a node_stop '.fields.reason == "SIGTERM received"' ||
    fail "no node_stop entry"
gov_has a config_change '(.fields.config_sha256 | length) == 64' ||
    fail "no config_change entry after the restart"
"$SP" audit verify "$T/a.jsonl" --cert "$CERTS/a.crt" --ca "$CA/ca.crt" >/dev/null 2>&1 ||
    fail "a's log does not verify after the restart"

# --- the node itself starts its log anew (its store wiped): every entry is
# validly signed and the export verifies on its own, but the heads b and c
# recorded at the end of the round do not match it -----------------------------------
fed_stop a
mkdir -p "$T/old-a" && mv "$T/a/state/state.mdb" "$T/old-a/"
# a wiped store alone does not start: the audit anchor remembers the chain
if "$SPD" --config "$T/a/snijpuntd.conf" >"$T/a.wiped" 2>&1; then fail "a started on a wiped store"; fi
grep -q "holds no audit log, but this node's audit chain had reached entry" "$T/a.wiped" ||
    fail "a's refusal of a wiped store: $(cat "$T/a.wiped")"
mv "$T/a/state/audit-anchor" "$T/old-a/" # a new chain, on purpose
fed_start a
gov_export a
"$SP" audit verify "$T/a.jsonl" --cert "$CERTS/a.crt" --ca "$CA/ca.crt" >/dev/null 2>&1 ||
    fail "the new log does not verify on its own"
verify_fails "$T/a.jsonl" "truncated\|rewritten" --peer-log "$T/b.jsonl" --peer-log "$T/c.jsonl"

for n in a b c; do fed_stop "$n"; done
echo "ok: audit log exported, verified, cross-checked; 9 manipulations detected"
