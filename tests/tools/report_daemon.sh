#!/usr/bin/env bash
# `snijpunt report` against two real nodes on loopback (the helpers of
# tests/integration/gov_lib.sh): on the initiator it writes the page of a
# finished round with the proposal's case, every partner's legal basis from
# the signed file and the signature checked against the CA; a proposal file
# of another round is refused; the other node, which did not initiate the
# round, refuses (no counts there) and writes nothing; a round kept "until
# read once" is refused without --consume (and its counts are still there
# afterwards), and with --consume the page is written; the pages of a counts
# and a threshold round.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-tools-report.XXXXXX")
. "$(dirname "$0")/../integration/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b
gov_coordinator coord
gov_data a b
for n in a b; do fed_start "$n"; gov_load "$n"; done
for n in a b; do fed_wait_links "$n"; done

submit() { # PROPOSAL -> round id, once done on both nodes
    local id
    id=$(sp a proposal submit "$1" --json 2>"$T/submit.err" | jq -r .round) ||
        fail "proposal submit: $(cat "$T/submit.err")"
    for n in a b; do
        [ "$(round_wait "$n" "$id" 60)" = done ] || fail "round $id did not finish on $n"
    done
    echo "$id"
}

gov_proposal "$T/p1.prop" coord --participant a --participant b --counter b
id1=$(submit "$T/p1.prop")
sp a report --round "$id1" --out "$T/r1.html" --proposal "$T/p1.prop" --ca "$CA/ca.crt" \
    2>"$T/r1.err" || fail "report on the initiator: $(cat "$T/r1.err")"
grep -q "id=\"round\">$id1<" "$T/r1.html" || fail "the page does not name round $id1"
grep -q 'TEST-2024/1' "$T/r1.html" || fail "the page does not show the case"
[ "$(grep -c 'Art. 20 Wpg' "$T/r1.html")" -ge 2 ] || fail "not every partner's legal basis shown"
grep -q 'id="signature" data-checked="true" data-valid="true"' "$T/r1.html" ||
    fail "the signature is not shown as valid"
grep -q 'id="suppression" data-suppressed-below="[0-9]*" data-suppressed-cells="[0-9]*"' "$T/r1.html" ||
    fail "the page does not state the suppression and the number of cells left out"
# An existing page is kept unless --force.
if sp a report --round "$id1" --out "$T/r1.html" 2>"$T/exists.err"; then
    fail "report overwrote an existing page without --force"
fi
grep -q "exists (use --force to overwrite)" "$T/exists.err" || fail "no reason: $(cat "$T/exists.err")"

# Another round's proposal file is refused.
gov_proposal "$T/p2.prop" coord --participant a --participant b --counter b
if sp a report --round "$id1" --out "$T/wrong.html" --proposal "$T/p2.prop" 2>"$T/wrong.err"; then
    fail "report accepted the proposal of another round"
fi
grep -q "is not the proposal of round $id1" "$T/wrong.err" || fail "no reason: $(cat "$T/wrong.err")"
[ ! -e "$T/wrong.html" ] || fail "a page was written with another round's proposal"

# Node b did not initiate the round: it holds no counts.
if sp b report --round "$id1" --out "$T/b.html" 2>"$T/b.err"; then
    fail "report on a node that did not initiate the round succeeded"
fi
grep -q "was not initiated by this node" "$T/b.err" || fail "no reason: $(cat "$T/b.err")"
[ ! -e "$T/b.html" ] || fail "a page was written on a node without counts"

# Retention 0: refused without --consume, nothing read; written with it.
gov_proposal "$T/p3.prop" coord --participant a --participant b --counter b --retention-days 0
id3=$(submit "$T/p3.prop")
if sp a report --round "$id3" --out "$T/r3.html" 2>"$T/r3.err"; then
    fail "report read a retention-0 round without --consume"
fi
grep -q "run again with --consume" "$T/r3.err" || fail "no reason: $(cat "$T/r3.err")"
[ ! -e "$T/r3.html" ] || fail "a page was written without --consume"
sp a report --round "$id3" --out "$T/r3.html" --consume 2>"$T/r3.err" ||
    fail "report --consume: $(cat "$T/r3.err")"
grep -q 'until read once' "$T/r3.html" || fail "the page does not say the results are kept until read once"

# Counts and threshold rounds, every cell shown (counts_suppress_below = 0,
# in force at SIGHUP): the counts page has no subjects but a chart per key
# type, and each page says what its mode discloses (the five-node rounds of
# test_local_federation_modes.sh do the same in the normal build only).
for n in a b; do
    sed -i 's/^counts_suppress_below = .*/counts_suppress_below = 0/' "$T/$n/snijpuntd.conf"
    kill -HUP "${PIDS[$n]}"
done
for _ in $(seq 100); do
    grep -q "counts_suppress_below" "$T/a/d.log" && grep -q "counts_suppress_below" "$T/b/d.log" && break
    sleep 0.1
done
gov_proposal "$T/p4.prop" coord --participant a --participant b --counter b --mode counts
id4=$(submit "$T/p4.prop")
sp a report --round "$id4" --out "$T/r4.html" 2>"$T/r4.err" || fail "report of a counts round: $(cat "$T/r4.err")"
grep -q "no partner learns anything per record" "$T/r4.html" || fail "the counts page does not say what the mode discloses"
grep -q 'data-key-type="bsn"' "$T/r4.html" || fail "the counts page has no cells of key type bsn"
gov_proposal "$T/p5.prop" coord --participant a --participant b --counter b --mode threshold
id5=$(submit "$T/p5.prop")
sp a report --round "$id5" --out "$T/r5.html" 2>"$T/r5.err" || fail "report of a threshold round: $(cat "$T/r5.err")"
grep -q "which of its own records at least k partners" "$T/r5.html" ||
    fail "the threshold page does not say what the mode discloses"

for n in a b; do fed_stop "$n"; done
echo "all checks passed"
