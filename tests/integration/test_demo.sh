#!/usr/bin/env bash
# The README's first command, tools/demo, as a user runs it: install (all
# packages are present in CI, so this is the check that says so), build (the
# suite's own build directory, already built: nothing to do), generate,
# five nodes on loopback, a round, a case question. Only the size differs
# from the README (--persons 1000 instead of 20,000, to keep the suite
# short; the code paths are the same) and the output directory. Checked on
# what the user reads: every step ran, the coordinator's view and each
# node's view are there, the audit exports of the round and of the case
# question agree, the case question names the subject nobody holds as
# known to no partner and every partner as answered, the told partner's
# file is its own records only; and no identifier of the generated exports
# (BSN, KvK, IBAN, postcode, kenteken: any 8- or 9-digit number or code
# found in them) appears anywhere in what the demo prints.
set -euo pipefail
. "$(dirname "$0")/test_round_lib.sh"
SRC=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-demo.XXXXXX")
trap 'rm -rf "$T"' EXIT
OUT=$T/demo
LOG=$T/demo.log
NODES="belastingdienst gemeente-utrecht om politie-mn riec-mn"

show_and_fail() {
    tail -n 60 "$LOG" >&2
    fail "$*"
}

rc=0
SP_BUILD_DIR=$B bash "$SRC/tools/demo" --persons 1000 --out "$OUT" >"$LOG" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || show_and_fail "tools/demo exited $rc"

# --- every step, in order ------------------------------------------------------------
n=0
for s in "1/5 installing" "2/5 building" "3/5 generating" "4/5 a private matching round" \
    "5/5 a case question" "what the RIEC analyst learns" "==== done"; do
    line=$(grep -n -F -- "$s" "$LOG" | head -n 1 | cut -d: -f1)
    [ -n "$line" ] || show_and_fail "the demo did not print step '$s'"
    [ "$line" -gt "$n" ] || show_and_fail "step '$s' out of order (line $line)"
    n=$line
done

# --- the round: the coordinator's view and each node's ----------------------------------
grep -q "what the coordinator sees" "$LOG" || show_and_fail "no coordinator view"
grep -qE '^   person +[0-9]+ +[0-9]+ +[0-9]+$' "$LOG" || show_and_fail "the coordinator's subject counts are missing"
for node in $NODES; do
    grep -qE "^== what node $node sees \([0-9]+ records loaded" "$LOG" ||
        show_and_fail "no view of node $node"
done
grep -qE 'audit logs in .*: 5 exports agree on 1 round' "$LOG" ||
    show_and_fail "the round's five audit exports do not agree (or were not checked)"
[ -s "$OUT/results/report.html" ] || show_and_fail "no coordinator report at $OUT/results/report.html"

# --- the case question ---------------------------------------------------------------
grep -qE "^== case question [0-9a-f]{32}: riec-mn asked its 4 partners" "$LOG" ||
    show_and_fail "the case question was not asked of four partners"
grep -qE "^   [0-9]+ subjects in the case list, [0-9]+ known to at least one partner$" "$LOG" ||
    show_and_fail "the case question's summary line is missing"
grep -qE '^PERSOON-ONBEKEND +known to no partner$' "$LOG" ||
    show_and_fail "the BSN nobody holds is not shown as known to no partner"
for node in belastingdienst gemeente-utrecht om politie-mn; do
    grep -qE "^  $node +answered$" "$LOG" || show_and_fail "$node did not answer the case question"
done
[ "$(grep -cE 'audit logs in .*: 5 exports agree' "$LOG")" -eq 2 ] ||
    show_and_fail "the case question's audit exports do not agree (or were not checked)"
# The told partner's file lists its own records (ids of its own export) only.
told=$OUT/case/gemeente-utrecht.csv
[ "$(head -n 1 "$told")" = "dataset,record_id,entity,partner,key_types,class" ] ||
    show_and_fail "$told has no header"
tail -n +2 "$told" | while IFS=, read -r ds id _; do
    [ "$ds" = personen ] && grep -q "^$id," "$OUT/data/gemeente-utrecht/personen.csv" ||
        fail "gemeente-utrecht was told of a record that is not its own: $ds $id"
done

# --- no identifier in what the user reads -----------------------------------------------
# Every token of 8 or 9 digits (BSN, KvK, an IBAN's account part), every
# postcode and every IBAN of the generated exports, looked for in the
# demo's whole output.
find "$OUT/data" -name '*.csv' -exec cat {} + |
    grep -oE '\b([0-9]{8,9}|[1-9][0-9]{3} ?[A-Z]{2}|NL[0-9]{2}[A-Z]{4}[0-9]{10})\b' |
    sort -u >"$T/identifiers"
[ "$(wc -l <"$T/identifiers")" -gt 1000 ] || fail "found only $(wc -l <"$T/identifiers") identifiers in the generated data"
# The case reference (LF-<date>-<time>) is the demo's own, not the data's.
sed -E 's/LF-[0-9]{8}-[0-9]{6}/LF-CASE/g' "$LOG" >"$T/printed"
if grep -o -w -F -f "$T/identifiers" "$T/printed" >"$T/leaked"; then
    fail "the demo printed identifiers of the exports: $(sort -u "$T/leaked" | head -n 5 | tr '\n' ' ')"
fi
echo "ok: tools/demo --persons 1000 ran every step; views of the coordinator, five nodes and the RIEC analyst checked; no identifier printed"
