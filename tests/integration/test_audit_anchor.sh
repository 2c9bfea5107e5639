#!/usr/bin/env bash
# Issue 13, "a deleted store starts silently from zero", with real nodes on
# loopback (daemon/anchor.h):
#  - a node whose store was deleted does not start: its audit anchor says
#    how far its chain had come, and the message says what to do;
#  - moved away on purpose, the anchor no longer stops it, but its peers
#    remember its earlier heads and refuse the new, lower one, loudly and in
#    their audit logs;
#  - a store replaced by an older copy of itself (a restored backup) starts
#    with an error line naming both positions.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-anchor.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools

fed_init a b -- "round_deadline = 60"
bsn_mapping "$T/p.map"
mkcsv "$T/a.csv" a 0 300
mkcsv "$T/b.csv" b 100 300
for n in a b; do
    fed_start "$n"
    sp "$n" load --dataset personen --mapping "$T/p.map" "$T/$n.csv" >/dev/null || fail "load $n"
done
for n in a b; do fed_wait_links "$n" a b; done
round() { # -> id, after both nodes recorded each other's head
    local id
    id=$(sp a round start --participants a,b --keys bsn --min-holders 2 --mode partners \
        --counter b --case ANCHOR --purpose "anchor test" --deadline 60) || fail "round start"
    for n in a b; do [ "$(round_wait "$n" "$id" 60)" = done ] || fail "round at $n"; done
    sleep 1 # the log heads follow the round's end
    echo "$id"
}
round >/dev/null
round >/dev/null # two rounds: the new chain below stays shorter after one
state=$(sed -n 's/^state_dir *= *//p' "$T/a/snijpuntd.conf")
[ -f "$state/audit-anchor" ] || fail "no audit anchor in $state"
grep -Eq '^snijpunt-audit-anchor-v1 node=a seq=[0-9]+ hash=[0-9a-f]{64}$' "$state/audit-anchor" ||
    fail "anchor: $(cat "$state/audit-anchor")"
[ "$(stat -c %a "$state/audit-anchor")" = 600 ] || fail "anchor mode $(stat -c %a "$state/audit-anchor")"

# --- the store deleted: a refuses to start and says why ---------------------------
fed_stop a
find "$state" -name '*.mdb' -delete
if "$SPD" --config "$T/a/snijpuntd.conf" >"$T/a.start" 2>&1; then fail "a started on a deleted store"; fi
grep -q "holds no audit log, but this node's audit chain had reached entry" "$T/a.start" ||
    fail "a's refusal does not say why: $(cat "$T/a.start")"
grep -q "Restore it from a backup" "$T/a.start" || fail "a's refusal does not say what to do"

# --- a new chain on purpose: the peer refuses a's lower head ------------------------
mv "$state/audit-anchor" "$T/old-anchor"
fed_start a
sp a load --dataset personen --mapping "$T/p.map" "$T/a.csv" >/dev/null || fail "reload a"
fed_wait_links a a b
round >/dev/null
for _ in $(seq 50); do grep -q "audit log went backwards" "$T/b/d.log" && break; sleep 0.1; done
grep -q "a's audit log went backwards: head at entry" "$T/b/d.log" ||
    fail "b did not refuse a's lower head"
sp b audit export --out "$T/b.jsonl" --force 2>/dev/null || fail "export b"
jq -e -s 'map(select(.type == "connection_refused" and (.fields.reason // "" | test("went backwards"))))
    | length >= 1' "$T/b.jsonl" >/dev/null || fail "b's audit log does not record the refusal"

# --- an older copy of the store: starts, with an error line naming both --------------
bstate=$(sed -n 's/^state_dir *= *//p' "$T/b/snijpuntd.conf")
fed_stop b
cp -a "$bstate" "$T/b-old"
fed_start b
fed_wait_links b a b
round >/dev/null
fed_stop b
cp "$T/b-old"/*.mdb "$bstate"/
: >"$T/b/d.log"
fed_start b
grep -q "the store is an older copy" "$T/b/d.log" || fail "b started on an older store silently"
echo PASS
