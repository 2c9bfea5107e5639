#!/usr/bin/env bash
# `snijpunt case` without a daemon: usage errors (status 2) and what `case
# ask` refuses before it connects (status 1): a proposal that is not a case
# question, a case list over 1 MiB, an empty list or mapping; a daemon that
# is not there is named. The answers themselves: tests/integration/
# test_case_question.sh.
. "$(dirname "$0")/lib.sh"
export SNIJPUNT_SOCKET="$TMP/no-daemon.sock"
OIN=00000001111222333000

run 0 case --help
has "$OUT" "snijpunt case ask --proposal FILE --mapping MAP"
has "$OUT" "subject_ref,entity,partner,key_types,class"
has "$OUT" "snijpunt results --round ID"
run 2 case
run 2 case frob
has "$ERR" "snijpunt case: unknown subcommand 'frob'"
run 2 case results
has "$ERR" "snijpunt case results: expected --round ID"
run 2 case results --round xyz
has "$ERR" "--round takes a round id of 32 hex digits, not 'xyz'"
run 2 case results --round 0123456789abcdef0123456789abcdef --json --csv
has "$ERR" "at most one of --json and --csv"
run 2 case ask list.csv
has "$ERR" "expected --proposal FILE, --mapping MAP and the case list"
run 2 case ask --proposal p --mapping m --csv list.csv
has "$ERR" "--csv only with --wait"
run 2 case ask --proposal p --mapping m
run 2 case status extra
run 2 case epoch --rotate extra
run 2 case status --rotate

# ---- refused before connecting --------------------------------------------
run 0 ca init --dir "$TMP/ca" --org "Federatie Test" --oin "$OIN" --name "Test CA"
run 0 ca issue --dir "$TMP/ca" --role coordinator --name "J. de Vries" --org "RIEC" \
    --oin "$OIN" --key-out "$TMP/coord.key" --out "$TMP/coord.crt"
create() { # OUT ARGS...
    local out=$1
    shift
    run 0 proposal create --key "$TMP/coord.key" --cert "$TMP/coord.crt" --case C-1 \
        --purpose test --legal-basis "art. 4" --participant riec --oin "$OIN" \
        --participant pol --oin "$OIN" \
        --key-types bsn "$@" --out "$out"
}
create "$TMP/case.prop" --mode case --asker riec --case-size bsn=1
create "$TMP/partners.prop" --mode partners
printf 'kind = person\nheader = yes\nkeys = bsn\nrecord_id = ref\nbsn = bsn\n' >"$TMP/case.map"
printf 'ref,bsn\nS1,908301662\n' >"$TMP/case.csv"
run 1 case ask --proposal "$TMP/partners.prop" --mapping "$TMP/case.map" "$TMP/case.csv"
has "$ERR" "is a proposal in mode partners; a case question needs one made with"
head -c 1048577 /dev/zero | tr '\0' 'x' >"$TMP/big.csv"
run 1 case ask --proposal "$TMP/case.prop" --mapping "$TMP/case.map" "$TMP/big.csv"
has "$ERR" "big.csv: 1048577 bytes; a case list is at most 1048576 bytes (1 MiB)"
: >"$TMP/empty.csv"
run 1 case ask --proposal "$TMP/case.prop" --mapping "$TMP/case.map" "$TMP/empty.csv"
has "$ERR" "empty.csv is empty; expected a CSV of the case's subjects"
run 1 case ask --proposal "$TMP/case.prop" --mapping "$TMP/missing.map" "$TMP/case.csv"
has "$ERR" "missing.map"
run 1 case ask --proposal "$TMP/case.prop" --mapping "$TMP/case.map" "$TMP/case.csv"
has "$ERR" "cannot reach snijpuntd"
run 1 case status
has "$ERR" "snijpunt case status: cannot reach snijpuntd"
finish
