#!/usr/bin/env bash
# --json of the commands that start a round, with two real nodes on
# loopback: `proposal submit --json` prints the same object as `round start
# --json` ({"round": ID}, the key `round status --json` uses too), and
# `audit show --json` on a node's real export lists that round and tells
# its story. Uses the governance test helpers (tests/integration/gov_lib.sh).
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-tools-json.XXXXXX")
. "$(dirname "$0")/../integration/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

# keys: the sorted key names of a JSON object
keys() { jq -c 'keys' <<<"$1"; }

gov_init a b
gov_coordinator coord
gov_data a b
for n in a b; do fed_start "$n"; gov_load "$n"; done
for n in a b; do fed_wait_links "$n"; done

gov_proposal "$T/p1.prop" coord --participant a --participant b --counter b
out=$(sp a proposal submit "$T/p1.prop" --json 2>"$T/submit.err") ||
    fail "proposal submit --json: $(cat "$T/submit.err")"
jq -e '.round | test("^[0-9a-f]{32}$")' <<<"$out" >/dev/null || fail "submit --json printed '$out'"
[ "$(keys "$out")" = '["round"]' ] || fail "submit --json keys: $(keys "$out")"
id1=$(jq -r .round <<<"$out")
[ "$id1" = "$("$SP" proposal show "$T/p1.prop" --json | jq -r .round)" ] ||
    fail "submit --json names another round than the proposal"

gov_proposal "$T/p2.prop" coord --participant a --participant b --counter b
out2=$(sp a round start --proposal "$T/p2.prop" --json 2>"$T/start.err") ||
    fail "round start --json: $(cat "$T/start.err")"
[ "$(keys "$out2")" = "$(keys "$out")" ] || fail "round start --json ($out2) and submit ($out) differ"
id2=$(jq -r .round <<<"$out2")
[ "$(sp a round status "$id1" --json | jq -r .round)" = "$id1" ] ||
    fail "round status --json does not name $id1 as submit did"

# audit show --json on a's own export: both rounds listed, each one's story
gov_export a
for _ in $(seq 50); do
    [ "$(gov_entries a proposal_accepted | jq -s length)" -ge 2 ] && break
    sleep 0.2
    gov_export a
done
"$SP" audit show "$T/a.jsonl" --json --ca "$CA/ca.crt" --cert-dir "$CERTS" >"$T/list.json" \
    2>"$T/list.err" || fail "audit show --json: $(cat "$T/list.err")"
jq -e --arg a "$id1" --arg b "$id2" '.verified and
    ([.rounds[] | select(.node == "a" and .decision == "accepted" and .case == "TEST-2024/1")
     | .round] | index($a) != null and index($b) != null)' "$T/list.json" >/dev/null ||
    fail "audit show --json list: $(cat "$T/list.json")"
"$SP" audit show "$T/a.jsonl" --round "$id1" --json >"$T/story.json" 2>"$T/story.err" ||
    fail "audit show --round --json: $(cat "$T/story.err")"
jq -e --arg r "$id1" '.round == $r and .verified == false
    and any(.entries[]; .type == "proposal_accepted" and .fields.coordinator == "coord"
            and .fields.purpose == "integratietest" and .fields.key_types == ["bsn", "name_dob"])
    and all(.entries[]; .node == "a" and .fields.round == $r)' "$T/story.json" >/dev/null ||
    fail "audit show --round --json: $(cat "$T/story.json")"

for n in a b; do fed_stop "$n"; done
echo "all checks passed"
