#!/usr/bin/env bash
# Issue 4, "a slow peer slows the round rather than exhausting memory", with
# real nodes on loopback. Ring a -> b -> c -> a; c holds a large set, a and
# b small ones, so a forwards c's whole set to b. In the middle of the
# blinding b is stopped (SIGSTOP) for STOP_S seconds, then continued:
#  - the round completes, with results equal to the cleartext linkage, and
#    takes at least the stopped time (it was still running at a when b was
#    continued);
#  - a's peak RSS (VmHWM) grows by less than the flow-control windows plus a
#    fixed allowance (623 kB), half of c's set (1250 kB), which a would hold
#    on top if it buffered what b does not take; c's stays within issue 4's
#    budget of 200 B per own key. Not checked in a sanitizer build.
# STOP_S stays below the heartbeat timeout (3 s, daemon/ROUNDS.md "Faults":
# a link is down after 3 s without traffic, and a round fails when a
# participant's link has been down 5 s), so b is slow, not gone. Heartbeats
# go every second, so b's last one may be up to 1 s old when it stops:
# STOP_S + 1 s stays well under 3 s, also on a loaded machine.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-slow.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools

STOP_S=1.2
NC=40000          # c's distinct BSNs
BATCH=256         # batch_size
WINDOW=2          # batch_window
ALLOWANCE_KB=512  # what a round costs a node beyond its batches once it ran
                  # one (round records, LMDB pages, scratch, log lines)
fed_init a b c -- "round_deadline = 120" "batch_size = $BATCH" "batch_window = $WINDOW"

bsn_mapping "$T/p.map"
mkcsv "$T/c.csv" c 0 "$NC"
mkcsv "$T/a.csv" a $((NC - 200)) 400 # 200 shared with c
mkcsv "$T/b.csv" b $((NC - 300)) 200 # 100 shared with a and c, 100 with c
for n in a b c; do
    fed_start "$n"
    sp "$n" load --dataset personen --mapping "$T/p.map" "$T/$n.csv" >/dev/null || fail "load $n"
    keys_of "$n" "$T/$n.csv" "$T/p.map"
done
for n in a b c; do fed_wait_links "$n" a b c; done

# A small round of a and b first: the worker threads' malloc arenas, the
# ZeroMQ buffers and LMDB pages a round touches once are then in the
# baseline, and what grows afterwards is this round's own memory.
idw=$(sp a round start --participants a,b --keys bsn --min-holders 2 --mode partners \
    --counter b --case WARM --purpose "slow peer test" --deadline 60) || fail "round start a,b"
[ "$(round_wait a "$idw" 60)" = done ] || fail "the warm-up round failed"
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/${PIDS[$1]}/status"; }
a0=$(hwm_kb a)
c0=$(hwm_kb c)

t0=$(date +%s.%N)
id=$(sp c round start --participants a,b,c --keys bsn --min-holders 2 --mode partners \
    --counter c --case SLOW --purpose "slow peer test" --deadline 120) || fail "round start"
for _ in $(seq 300); do
    grep -q "round $id: blinding started" "$T/b/d.log" && break
    sleep 0.05
done
grep -q "round $id: blinding started" "$T/b/d.log" || fail "b never started blinding"
sleep 0.3
kill -STOP "${PIDS[b]}"
sleep "$STOP_S"
sa=$(round_state a "$id")
sc=$(round_state c "$id")
sp a status >/dev/null || fail "a stopped answering while b was stopped"
kill -CONT "${PIDS[b]}"
# (a's own few values may be home already: "counting" is still mid-round)
[[ $sa == @(running|counting) && $sc == @(running|counting) ]] ||
    fail "the round was '$sa' at a and '$sc' at c before b was continued: not stopped mid-round"
for n in a b c; do
    s=$(round_wait "$n" "$id" 100)
    [ "$s" = done ] || fail "$n: the round ended '$s': $(round_json "$n" "$id")"
done
t1=$(date +%s.%N)
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
awk -v t="$took" -v s="$STOP_S" 'BEGIN { exit !(t >= s) }' ||
    fail "the round took $took s, less than b was stopped"
for n in a b c; do
    [ "$(results_of "$n" "$id")" = "$(expected_rows partners 2 "$n")" ] ||
        fail "$n: results differ from the cleartext linkage"
done
[ "$(results_of a "$id" | wc -l)" = 300 ] || fail "a: $(results_of a "$id" | wc -l) rows, want 300"
grep -q "peer b unreachable\|connection to b lost" "$T/a/d.log" "$T/c/d.log" &&
    fail "b's stop was taken for a link failure (STOP_S too long for the heartbeat)"

# Memory. Per link a sends at most WINDOW batches per origin (3 origins) of
# BATCH 32-byte elements; with two links and the FINAL streams to c that is
# at most 3 * 2 * WINDOW * BATCH * 32 B. a keeps its own 400 values (32 B +
# 8 B each). If a buffered c's batches that b did not take, it would hold up
# to NC * 32 B more.
a1=$(hwm_kb a)
c1=$(hwm_kb c)
win_kb=$((3 * 2 * WINDOW * BATCH * 32 / 1024))
bound_a=$((win_kb + 400 * 40 / 1024 + ALLOWANCE_KB))
whole_kb=$((NC * 32 / 1024))
echo "a: VmHWM $a0 -> $a1 kB (+$((a1 - a0)), bound +$bound_a: windows $win_kb kB + allowance" \
    "$ALLOWANCE_KB kB; c's set would be $whole_kb kB); c: $c0 -> $c1 kB; round $took s"
if grep -q "SP_SANITIZE:BOOL=ON" "$B/CMakeCache.txt" 2>/dev/null; then
    echo "sanitizer build: its allocator's quarantine and shadow memory make RSS bounds meaningless; not checked"
else
    [ $((2 * bound_a)) -lt "$whole_kb" ] || fail "test setup: NC too small to tell a bound from a whole set"
    [ $((a1 - a0)) -le "$bound_a" ] || fail "a's peak RSS grew by $((a1 - a0)) kB, bound $bound_a kB"
    # c holds its own set (key index pages read, blinded values, permutation,
    # sorted runs, counts): issue 4's budget of 200 B per key, plus the windows
    bound_c=$((NC * 200 / 1024 + win_kb + ALLOWANCE_KB))
    [ $((c1 - c0)) -le "$bound_c" ] || fail "c's peak RSS grew by $((c1 - c0)) kB, bound $bound_c kB"
fi
for n in a b c; do fed_stop "$n"; done
echo "slow peer: all checks passed"
