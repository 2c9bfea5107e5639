#!/usr/bin/env bash
# --json of the offline listings (issue 4: every listing can be printed as
# JSON for scripts): `ca show`, `proposal show` (unchecked, valid and
# invalid signature) and `audit show` (the list of rounds and one round's
# story, of exports signed by tests/audit_gen_export). Each document must
# parse with `jq -e` and hold the values the text output shows. Also the
# numeric options of `round start` and `proposal create` (one parser:
# overflow, signs and trailing text are usage errors naming the option).
# No daemon runs.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is missing (tools/install-deps installs it)"; exit 77; }
GEN="$(dirname "$SNIJPUNT")/tests/audit_gen_export"
export SNIJPUNT_SOCKET="$TMP/no-daemon.sock"
OIN_FED=00000001111222333000
OIN_ORG=00000003123456780000
OIN_A=00000003123456781000
OIN_B=00000001222222220000
OIN_C=00000001333333330000
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# jqe FILE FILTER [jq args]: FILTER holds for the JSON in FILE.
jqe() {
    local f=$1 filter=$2
    shift 2
    jq -e "$@" "$filter" "$f" >/dev/null 2>&1 || fail "jq -e '$filter' on $f"
}

# ---- ca show --json ---------------------------------------------------------
run 0 ca init --dir "$TMP/ca" --org "Federatie Test" --oin "$OIN_FED" --name "Test CA"
run 0 ca issue --dir "$TMP/ca" --role coordinator --name "J. de Vries" --org "RIEC Zuid" \
    --oin "$OIN_ORG" --key-out "$TMP/coord.key" --out "$TMP/coord.crt"
run 0 ca show "$TMP/coord.crt"
cp "$OUT" "$TMP/coord.txt"
run 0 ca show "$TMP/coord.crt" --json
jqe "$OUT" '.role == "coordinator" and .name == "J. de Vries" and .org == "RIEC Zuid"
    and .oin == $oin and .curve_key == null and .verified == false
    and (.serial | test("^[0-9A-F]{16}$")) and (.sha256 | test("^[0-9a-f]{64}$"))
    and (.signing_key | test("^[0-9a-f]{64}$"))
    and (.not_before | test($re)) and (.not_after | test($re))
    and ((.not_after | fromdateiso8601) - (.not_before | fromdateiso8601)) > 700 * 86400' \
    --arg oin "$OIN_ORG" --arg re "$RFC3339"
# the same serial, key and fingerprint as the text
for f in serial:serial 'signing key:signing_key' SHA-256:sha256; do
    want=$(awk -F': +' -v k="${f%%:*}" '$1 == k {print $2}' "$TMP/coord.txt")
    [ -n "$want" ] && [ "$(jq -r ".${f#*:}" "$OUT")" = "$want" ] ||
        fail "ca show --json .${f#*:} differs from the text ('$want')"
done
run 0 init --node gemeente-a --listen tcp://127.0.0.1:7101 --dir "$TMP/n/gemeente-a"
run 0 ca issue --dir "$TMP/ca" --role node --name gemeente-a --org "Gemeente A" --oin "$OIN_ORG" \
    --identity-public "$TMP/n/gemeente-a/identity.pub" --out "$TMP/a.crt"
run 0 ca show --json "$TMP/a.crt"
jqe "$OUT" '.role == "node" and .name == "gemeente-a" and (.curve_key | test("^[0-9a-f]{64}$"))'
run 2 ca init --json --dir "$TMP/x" --org X --oin "$OIN_FED"
has "$ERR" "snijpunt ca init: --json is only for show"
run 1 ca show --json "$TMP/coord.key"
[ ! -s "$OUT" ] || fail "ca show --json printed something for a key file"

# ---- proposal show --json ---------------------------------------------------
PROP="$TMP/p.prop"
run 0 proposal create --key "$TMP/coord.key" --cert "$TMP/coord.crt" --out "$PROP" \
    --case "RIEC-2024/017" --purpose 'Ondermijning "Noord"' --legal-basis "Art. 20 Wpg" \
    --key-types bsn,name_dob --participant gemeente-a --oin "$OIN_A" \
    --participant politie-b --oin "$OIN_B" --legal-basis "WPG art. 19" --key-types bsn \
    --participant belasting-c --oin "$OIN_C" --counter politie-b --mode threshold --min-holders 3 \
    --max-set-size 5000 --retention-days 7 --deadline 10m --expires 2h
run 0 proposal show "$PROP"
round=$(awk '$1 == "round:" {print $2}' "$OUT")
has "$OUT" "signature:      not checked (give --ca)"
run 0 proposal show "$PROP" --json
[ ! -s "$ERR" ] || fail "proposal show --json wrote to stderr"
jqe "$OUT" '.round == $round and .coordinator == "J. de Vries" and .case == "RIEC-2024/017"
    and .purpose == "Ondermijning \"Noord\"" and .mode == "threshold" and .k == 3
    and .counter == "politie-b" and .max_set_size == 5000 and .deadline_s == 600
    and .retention_days == 7 and (.created | test($re)) and (.expires | test($re))
    and ((.expires | fromdateiso8601) - (.created | fromdateiso8601)) == 7200
    and (.participants | length) == 3
    and .participants[0] == {"name": "gemeente-a", "oin": $oin, "legal_basis": "Art. 20 Wpg",
                             "key_types": ["bsn", "name_dob"]}
    and .participants[1] == {"name": "politie-b", "oin": $oin_b, "legal_basis": "WPG art. 19",
                             "key_types": ["bsn"]}
    and .participants[2].oin == $oin_c and .participants[2].key_types == ["bsn", "name_dob"]
    and .signature == {"checked": false, "valid": null, "signer": null, "reason": null}' \
    --arg round "$round" --arg oin "$OIN_A" --arg oin_b "$OIN_B" --arg oin_c "$OIN_C" --arg re "$RFC3339"
# a valid signature: the signer's certificate
run 0 proposal show "$PROP" --ca "$TMP/ca/ca.crt" --json
jqe "$OUT" '.signature.checked and .signature.valid and .signature.reason == null
    and .signature.signer.name == "J. de Vries" and .signature.signer.org == "RIEC Zuid"
    and .signature.signer.oin == $oin and (.signature.signer.serial | test("^[0-9A-F]{16}$"))' \
    --arg oin "$OIN_ORG"
run 0 ca crl --dir "$TMP/ca" --out "$TMP/crl.pem"
run 0 proposal show --json --ca "$TMP/ca/ca.crt" --crl "$TMP/crl.pem" "$PROP"
jqe "$OUT" '.signature.valid'
# another CA: not valid, status 1, the document still printed with the reason
run 0 ca init --dir "$TMP/ca2" --org "Andere Federatie" --oin "$OIN_FED"
run 1 proposal show "$PROP" --ca "$TMP/ca2/ca.crt" --json
jqe "$OUT" '.round == $round and .signature.checked and .signature.valid == false
    and .signature.signer == null and (.signature.reason | length) > 0' --arg round "$round"
has "$ERR" "the proposal's signature is not valid"
run 1 proposal show "$PROP" --ca "$TMP/ca2/ca.crt"
has "$OUT" "signature:      NOT valid: "
run 2 proposal show "$PROP" --json --crl "$TMP/crl.pem"
has "$ERR" "usage: snijpunt proposal"
run 1 proposal show "$TMP/coord.crt" --json
[ ! -s "$OUT" ] || fail "proposal show --json printed something for a non-proposal"

# ---- one parser for numeric options -----------------------------------------
START=(round start --participants a,b --counter a --case C --purpose P)
CREATE=(proposal create --key "$TMP/coord.key" --cert "$TMP/coord.crt" --case C --purpose P
    --legal-basis L --participant a --oin "$OIN_B" --participant b --oin "$OIN_C"
    --out "$TMP/n.prop" --force)
# every participant needs its organisation's OIN (nodes refuse a signed proposal without)
run 1 proposal create --key "$TMP/coord.key" --cert "$TMP/coord.crt" --case C --purpose P \
    --legal-basis L --participant a --participant b --oin "$OIN_C" --out "$TMP/no-oin.prop"
has "$ERR" "snijpunt proposal create: participant a has no --oin"
[ ! -e "$TMP/no-oin.prop" ] || fail "a proposal without OIN was written"
for bad in 99999999999999999999 18446744073709551616 -1 +5 " 5" 5x "" 0; do
    run 2 "${START[@]}" --max-set-size "$bad"
    has "$ERR" "snijpunt round start: --max-set-size takes a whole number from 1 to 18446744073709551615, not '$bad'"
    hasnt "$ERR" "usage:"
    run 2 "${CREATE[@]}" --max-set-size "$bad"
    has "$ERR" "snijpunt proposal create: --max-set-size takes a whole number from 1 to 18446744073709551615, not '$bad'"
done
for cmd in START CREATE; do
    declare -n line=$cmd
    name=$([ $cmd = START ] && echo "round start" || echo "proposal create")
    run 2 "${line[@]}" --retention-days 4294967296
    has "$ERR" "snijpunt $name: --retention-days takes a whole number from 0 to 4294967295"
    run 2 "${line[@]}" --min-holders 33
    has "$ERR" "snijpunt $name: --min-holders takes a whole number from 1 to 32, not '33'"
    unset -n line
done
# the largest values pass: round start goes on to the (absent) daemon
run 1 "${START[@]}" --max-set-size 18446744073709551615 --retention-days 4294967295
has "$ERR" "snijpunt round start: cannot reach snijpuntd"
run 0 "${CREATE[@]}" --max-set-size 18446744073709551615 --retention-days 0 --min-holders 2
run 0 proposal show "$TMP/n.prop" --json
jqe "$OUT" '.max_set_size == 18446744073709551615 and .retention_days == 0'

# ---- audit show --json ------------------------------------------------------
if [ ! -x "$GEN" ]; then
    fail "$GEN not built (tests/audit/gen_export.c)"
    finish
fi
nodes=(gemeente-a politie-b belasting-c)
keys=()
mkdir -p -m 700 "$TMP/pki" "$TMP/exports" # keys are written here: whatever the umask
cp "$TMP/ca/ca.crt" "$TMP/pki/ca.crt"
port=7110
for n in "${nodes[@]}"; do
    [ -d "$TMP/n/$n" ] || run 0 init --node "$n" --listen "tcp://127.0.0.1:$((port++))" --dir "$TMP/n/$n"
    run 0 ca issue --dir "$TMP/ca" --role node --name "$n" --org "Organisatie $n" \
        --oin "$OIN_ORG" --identity-public "$TMP/n/$n/identity.pub" --out "$TMP/pki/$n.crt" --force
    keys+=("$n=$TMP/n/$n/identity.key")
done
"$GEN" "$TMP/exports" "${keys[@]}" >"$OUT" 2>"$ERR" || fail "audit_gen_export"
X=("$TMP"/exports/gemeente-a.jsonl "$TMP"/exports/politie-b.jsonl "$TMP"/exports/belasting-c.jsonl)
R=5eed0f0d000000000000000000000000
# the list: one decision per node, as the text lists them
run 0 audit show "${X[@]}"
cp "$OUT" "$TMP/list.txt"
run 0 audit show "${X[@]}" --json
jqe "$OUT" '.verified == false and (.rounds | length) == 3
    and ([.rounds[].node] == ["gemeente-a", "politie-b", "belasting-c"])
    and all(.rounds[]; .round == $r and .decision == "accepted" and .case == "RIEC-2024/017"
                       and (.time | test($re)))' --arg r "$R" --arg re "$RFC3339"
[ "$(jq -r '.rounds[] | "\(.round)  \(.time)  \(.node)  \(.decision): \(.case)"' "$OUT")" = \
    "$(cat "$TMP/list.txt")" ] || fail "audit show --json lists other rounds than the text"
# the story, verified
run 0 audit show "${X[@]}" --round "$R" --ca "$TMP/pki/ca.crt" --cert-dir "$TMP/pki" --json
jqe "$OUT" '.round == $r and .verified == true and (.entries | length) > 3
    and all(.entries[]; .fields.round == $r and (.time | test($re)) and (.seq | type) == "number")
    and any(.entries[]; .node == "gemeente-a" and .type == "proposal_accepted"
            and .fields.case_ref == "RIEC-2024/017" and .fields.mode == "partners"
            and .fields.min_holders == 2
            and .fields.participant == ["gemeente-a", "politie-b", "belasting-c"]
            and (.fields.proposal_sha256 | test("^[0-9a-f]{64}$")))
    and any(.entries[]; .node == "politie-b" and .fields.legal_basis == "WGS art. 2.2; convenant RIEC")
    and any(.entries[]; .type == "round_sizes" and .fields.peer == "politie-b"
            and .fields.sent == {"bsn": 121, "name_dob": 123})
    and (.story[0] == "Round " + $r)
    and any(.story[]; . == "As logged by politie-b:")' --arg r "$R" --arg re "$RFC3339"
# the entries are exactly the export lines about the round, in order
jq -c --arg r "$R" 'select(.fields.round == $r) | [.seq, .type]' "${X[@]}" >"$TMP/want"
jq -c '.entries[] | [.seq, .type]' "$OUT" >"$TMP/got"
cmp -s "$TMP/want" "$TMP/got" || fail "audit show --json entries differ from the export lines"
# a round nobody logged: status 1, nothing on stdout
run 1 audit show "${X[@]}" --round 00000000000000000000000000000000 --json
has "$ERR" "no entry about round"
[ ! -s "$OUT" ] || fail "audit show --json printed half a document"
# a tampered export with --ca: status 1, nothing but JSON (here: nothing) on stdout
mkdir -p "$TMP/bad"
sed '3d' "${X[0]}" >"$TMP/bad/gemeente-a.jsonl"
run 1 audit show "$TMP/bad/gemeente-a.jsonl" --ca "$TMP/pki/ca.crt" --cert-dir "$TMP/pki" --json
[ ! -s "$OUT" ] || fail "audit show --json printed a fault on stdout"
run 2 audit verify "${X[0]}" --json --ca "$TMP/pki/ca.crt" --cert "$TMP/pki/gemeente-a.crt"
has "$ERR" "snijpunt audit verify: --json is only for show"

finish
