#!/usr/bin/env bash
# `snijpunt proposal create --mode case` (issue 10, case questions): the
# asker's key types come from its --case-size options, the others keep
# their --key-types (by default the asker's), the asker counts and k is 1;
# `proposal show` (text and --json) says so; options that belong to one kind
# of proposal only are refused with a line that says what was expected. No
# daemon runs.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is missing (tools/install-deps installs it)"; exit 77; }
export SNIJPUNT_SOCKET="$TMP/no-daemon.sock"
OIN_FED=00000001111222333000
OIN_ORG=00000003123456780000
OIN_A=00000001222222220000
OIN_B=00000003123456781000
OIN_C=00000001333333330000

run 0 ca init --dir "$TMP/ca" --org "Federatie Test" --oin "$OIN_FED" --name "Test CA"
run 0 ca issue --dir "$TMP/ca" --role coordinator --name "J. de Vries" --org "RIEC Zuid" \
    --oin "$OIN_ORG" --key-out "$TMP/coord.key" --out "$TMP/coord.crt"

# create ARGS...: proposal create with the signer, case and purpose given.
create() {
    local want=$1
    shift
    run "$want" proposal create --key "$TMP/coord.key" --cert "$TMP/coord.crt" \
        --case RIEC-Z-2026-014 --purpose "Casusoverleg vastgoed" --legal-basis "Convenant art. 4" "$@"
}
PARTS=(--participant politie-a --oin "$OIN_A" --participant gemeente-b --oin "$OIN_B"
    --participant belasting-c --oin "$OIN_C" --key-types "bsn,kvk,iban")

# ---- a case question: gemeente-b asks about 3 BSNs and 2 KvK numbers -------
PROP="$TMP/case.prop"
create 0 "${PARTS[@]}" --mode case --asker gemeente-b --case-size bsn=3 --case-size kvk=2 \
    --tell-holders --out "$PROP"
run 0 proposal show "$PROP" --ca "$TMP/ca/ca.crt"
has "$OUT" "mode:           case, asked by gemeente-b, holders told"
has "$OUT" "case sizes:     bsn=3 kvk=2"
has "$OUT" "signature:      valid"
run 0 proposal show "$PROP" --json
jq -e '.mode == "case" and .k == 1 and .counter == "gemeente-b"
    and .case_sizes == {"bsn": 3, "kvk": 2} and .tell_holders == true
    and ([.participants[].key_types] == [["bsn", "kvk"], ["bsn", "kvk"], ["bsn", "kvk", "iban"]])' \
    "$OUT" >/dev/null || fail "proposal show --json of a case proposal"

# Without --tell-holders; everyone's --key-types is the partners' default.
create 0 --key-types bsn,name_dob "${PARTS[@]}" --mode case --asker politie-a \
    --case-size name_dob=1 --out "$TMP/case2.prop"
run 0 proposal show "$TMP/case2.prop" --json
jq -e '.counter == "politie-a" and .case_sizes == {"name_dob": 1} and .tell_holders == false
    and .participants[0].key_types == ["name_dob"]
    and .participants[1].key_types == ["bsn", "name_dob"]' "$OUT" >/dev/null ||
    fail "a case proposal's default key types"
# --case-list: the sizes counted from the case list as the asking node will
# read it (distinct values per key type; the list is not in the proposal).
printf 'kind = person\nheader = yes\ndate_format = jjjj-mm-dd\nsurname_form = core\nkeys = bsn\nrecord_id = id\nbsn = bsn\n' \
    >"$TMP/subjects.map"
printf 'id,bsn\ns1,908301662\ns2,131860914\ns3,908301662\n' >"$TMP/subjects.csv"
create 0 "${PARTS[@]}" --mode case --asker gemeente-b --case-list "$TMP/subjects.csv" \
    --case-mapping "$TMP/subjects.map" --out "$TMP/case3.prop"
run 0 proposal show "$TMP/case3.prop" --json
jq -e '.case_sizes == {"bsn": 2}' "$OUT" >/dev/null || fail "--case-list sizes: $(cat "$OUT")"
hasnt "$OUT" "908301662"
create 2 "${PARTS[@]}" --mode case --asker gemeente-b --case-list "$TMP/subjects.csv" \
    --out "$TMP/x.prop"
has "$ERR" "--case-list and --case-mapping go together"
create 2 "${PARTS[@]}" --mode case --asker gemeente-b --case-list "$TMP/subjects.csv" \
    --case-mapping "$TMP/subjects.map" --case-size bsn=2 --out "$TMP/x.prop"
has "$ERR" "give --case-size or --case-list, not both"
printf 'id,bsn\ns1,908301662\ns2,123456789\n' >"$TMP/bad.csv" # fails the 11-test
create 1 "${PARTS[@]}" --mode case --asker gemeente-b --case-list "$TMP/bad.csv" \
    --case-mapping "$TMP/subjects.map" --out "$TMP/x.prop"
has "$ERR" "bsn values of the case list were rejected"
hasnt "$ERR" "123456789"
create 2 "${PARTS[@]}" --mode counts --case-list "$TMP/subjects.csv" \
    --case-mapping "$TMP/subjects.map" --out "$TMP/x.prop"
has "$ERR" "--case-list needs --mode case"

# Other modes show no case fields.
create 0 "${PARTS[@]}" --mode partners --out "$TMP/partners.prop"
run 0 proposal show "$TMP/partners.prop" --json
jq -e 'has("case_sizes") | not' "$OUT" >/dev/null || fail "case_sizes outside mode case"
hasnt "$OUT" "tell_holders"

# ---- refused: usage errors (status 2), one line saying what was expected ---
create 2 "${PARTS[@]}" --case-size bsn=3 --out "$TMP/x.prop"
has "$ERR" "snijpunt proposal create: --case-size needs --mode case"
create 2 "${PARTS[@]}" --mode counts --asker politie-a --out "$TMP/x.prop"
has "$ERR" "snijpunt proposal create: --asker needs --mode case"
create 2 "${PARTS[@]}" --tell-holders --out "$TMP/x.prop"
has "$ERR" "snijpunt proposal create: --tell-holders needs --mode case"
create 2 "${PARTS[@]}" --mode case --case-size bsn=3 --out "$TMP/x.prop"
has "$ERR" "--mode case needs --asker NAME and the question's size"
create 2 "${PARTS[@]}" --mode case --asker politie-a --out "$TMP/x.prop"
has "$ERR" "--mode case needs --asker NAME and the question's size"
create 2 "${PARTS[@]}" --mode case --asker politie-a --case-size bsn=3 --counter politie-a \
    --out "$TMP/x.prop"
has "$ERR" "give neither --counter nor --min-holders"
create 2 "${PARTS[@]}" --mode case --asker politie-a --case-size bsn=3 --min-holders 2 \
    --out "$TMP/x.prop"
has "$ERR" "give neither --counter nor --min-holders"
create 2 --case-size bsn "${PARTS[@]}"
has "$ERR" "snijpunt proposal create: --case-size bsn: expected TYPE=N with a key type (e.g. bsn=3)"
create 2 --case-size postcode=3 "${PARTS[@]}"
has "$ERR" "--case-size postcode=3: expected TYPE=N with a key type"
create 2 --case-size bsn=0 "${PARTS[@]}"
has "$ERR" "case-size"
create 2 --case-size bsn=4097 "${PARTS[@]}"
has "$ERR" "case-size"
create 2 --case-size bsn=3 --case-size bsn=2 "${PARTS[@]}"
has "$ERR" "--case-size bsn: key type given twice"
[ ! -e "$TMP/x.prop" ] || fail "a refused proposal was written"

# ---- refused after reading the key (status 1): the proposal does not hold --
create 1 "${PARTS[@]}" --mode case --asker om --case-size bsn=3 --out "$TMP/x.prop"
has "$ERR" "snijpunt proposal create: --asker om is not a participant"
create 1 --participant politie-a --oin "$OIN_A" --key-types bsn --participant gemeente-b \
    --oin "$OIN_B" --mode case --asker politie-a --case-size kvk=1 --out "$TMP/x.prop"
has "$ERR" "--asker politie-a: its --key-types must be the key types of the --case-size options"
create 1 "${PARTS[@]}" --mode case --asker politie-a --case-size bsn=4000 --case-size kvk=97 \
    --out "$TMP/x.prop"
has "$ERR" "1..4096 case values in all"
[ ! -e "$TMP/x.prop" ] || fail "a refused proposal was written"
finish
