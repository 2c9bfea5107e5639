#!/usr/bin/env bash
# Issue 8, "rounds you can watch", with real nodes on loopback: a round of
# 80,000 values (two nodes of 40,000 BSNs each) that lasts long enough to
# watch: in the normal build each node blinds with one worker thread (a
# sanitizer build is several times slower already). Until issue 9's
# timings the normal build used 100,000 per node and every worker: the
# same checks, two and a half times the CPU.
#  - `round status --wait` on a pipe prints progress lines whose counts
#    increase (at least three), then the final status;
#  - `round status --json` during the round carries the phase and progress
#    fields; `round list` shows case, mode, state, started and duration;
#  - the daemon logs progress while a phase lasts (when one lasts long
#    enough for its 5 s interval).
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-progress.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools

N=40000
workers=("worker_threads = 1")
if grep -q "SP_SANITIZE:BOOL=ON" "$B/CMakeCache.txt" 2>/dev/null; then
    workers=()
    echo "sanitizer build: every worker thread"
fi
fed_init a b -- "round_deadline = 600" "${workers[@]}"
bsn_mapping "$T/p.map"
mkcsv "$T/a.csv" a 0 "$N"
mkcsv "$T/b.csv" b $((N / 2)) "$N"
for n in a b; do
    fed_start "$n"
    sp "$n" load --dataset personen --mapping "$T/p.map" "$T/$n.csv" >/dev/null || fail "load $n"
done
for n in a b; do fed_wait_links "$n" a b; done

id=$(sp a round start --participants a,b --keys bsn --min-holders 2 --mode partners \
    --counter b --case PROGRESS-1 --purpose "progress test" --deadline 600) || fail "round start"

# one look at the JSON while it runs
js=$(round_json a "$id")
[ "$(jq -r .case <<<"$js")" = PROGRESS-1 ] || fail "status --json: no case: $js"
jq -e '.phase and (.progress | has("done") and has("total") and has("rate_per_s") and has("eta_s"))' \
    <<<"$js" >/dev/null || fail "status --json: no progress: $js"

sp a round status "$id" --wait >"$T/wait.out" || fail "the round failed: $(cat "$T/wait.out")"
cat "$T/wait.out"
# "round ID: PHASE DONE/TOTAL values (P%)...": counts must increase within
# the run of lines (a new phase starts again from its own beginning)
lines=$(grep -cE "^round $id: [a-z]+ [0-9]+/[0-9]+ " "$T/wait.out" || true)
[ "$lines" -ge 3 ] || fail "round status --wait printed $lines progress lines, want at least 3"
grep -E "^round $id: [a-z]+ [0-9]+/[0-9]+ " "$T/wait.out" |
    awk '{ split($4, f, "/"); v = f[1] / f[2]
           if ($3 == phase && v < last) { print "progress went back: " $0; bad = 1 }
           if ($3 == phase && v > last) up++
           phase = $3; last = v }
         END { if (up < 2) { print "fewer than two increases within a phase"; bad = 1 }; exit bad }' ||
    fail "progress lines do not increase"
grep -q "round $id  done" "$T/wait.out" || fail "no final status after the progress lines"
grep -q "own records matched: " "$T/wait.out" || fail "no per-entity matches in the status"

# the list: a header and the round with its case and a duration
sp a round list >"$T/list.out"
head -n 1 "$T/list.out" | grep -q "case.*mode.*state.*started.*duration" || fail "round list header: $(head -n 1 "$T/list.out")"
grep -E "^$id +PROGRESS-1 +partners +done .* [0-9]+ s$" "$T/list.out" >/dev/null ||
    fail "round list: $(cat "$T/list.out")"

# the daemon's own progress lines: one every 5 s while a phase lasts, so a
# round longer than five phases of 6 s must have logged one
if grep -qE "round $id: [a-z]+ [0-9]+/[0-9]+ \(" "$T/a/d.log" "$T/b/d.log"; then
    echo "daemon logged progress: $(grep -hE "round $id: [a-z]+ [0-9]+/[0-9]+ \(" "$T/a/d.log" | tail -n 1)"
else
    start=$(jq -r .started_at <<<"$(round_json a "$id")")
    end=$(jq -r .finished_at <<<"$(round_json a "$id")")
    [ $((end - start)) -le 30 ] || fail "a round of $((end - start)) s logged no progress"
    echo "round took $((end - start)) s: no phase outlasted the 5 s log interval"
fi
echo PASS
