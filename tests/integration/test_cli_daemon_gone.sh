#!/usr/bin/env bash
# Issue 13 item 6: `snijpunt load` must not wait its whole timeout when the
# daemon dies under it, must say which policy applies to duplicate record ids
# (merged with a warning, or refused with duplicate_ids = refuse), and a
# stale control socket file is named for what it is. A node is killed (-9)
# while the CLI waits for its answer to a chunk of a load; the CLI ends
# within seconds with a message that says so, and the node, started again,
# still holds only what it had confirmed (no half-loaded version).
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-gone.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools

fed_init a
bsn_mapping "$T/p.map"
mkcsv "$T/a.csv" a 0 200
fed_start a
sp a load --dataset personen --mapping "$T/p.map" "$T/a.csv" >/dev/null || fail "first load"
v1=$(sp a datasets --json | jq '.[] | select(.name == "personen") | .version')

# a large file; the daemon is frozen while the CLI waits for its answer to
# a chunk, then killed: the CLI must notice the closed connection at once
mkcsv "$T/b.csv" b 0 100000
sp a load --dataset personen --mapping "$T/p.map" "$T/b.csv" >"$T/load.out" 2>&1 &
loader=$!
# the second "load started" (the first load wrote one too: waiting for any
# froze the daemon before this load had connected, once, on a loaded CI)
started() { [ "$(grep -c "load started" "$T/a/d.log")" -ge 2 ]; }
for _ in $(seq 400); do started && break; sleep 0.05; done
started || fail "the load did not start"
kill -STOP "${PIDS[a]}"
sleep 1
kill -KILL "${PIDS[a]}"
t0=$(date +%s%N)
rc=0
wait "$loader" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
wait "${PIDS[a]}" 2>/dev/null || true
PIDS[a]=
[ "$rc" -ne 0 ] || fail "the load succeeded although the daemon was killed"
[ "$ms" -lt 5000 ] || fail "the CLI took $ms ms to notice the daemon was gone"
grep -q "snijpuntd closed the connection before it answered" "$T/load.out" ||
    fail "the load's message does not say what happened: $(cat "$T/load.out")"
echo "load ended $ms ms after the daemon was killed: $(tail -n 1 "$T/load.out")"

# nothing listens now, but the socket file may still be there
sock=$(sed -n 's/^control_socket *= *//p' "$T/a/snijpuntd.conf")
if [ -S "$sock" ]; then
    out=$(sp a status 2>&1) && fail "status succeeded without a daemon"
    grep -q "nothing listens on the control socket\|is it running" <<<"$out" || fail "status: $out"
fi

fed_start a
[ "$(sp a datasets --json | jq '.[] | select(.name == "personen") | .version')" = "$v1" ] ||
    fail "a half-loaded version survived the crash: $(sp a datasets --json)"

# --- a record id on two lines: merged with a warning, or the file refused -------
{ cat "$T/a.csv"; sed -n 2,4p "$T/a.csv"; } >"$T/dup.csv"
sp a load --dataset personen --mapping "$T/p.map" "$T/dup.csv" >"$T/dup.out" 2>&1 ||
    fail "a file with duplicate ids was refused under the default: $(cat "$T/dup.out")"
grep -q "warning: 3 record id(s) occur on more than one line: .*duplicate_ids = merge" "$T/dup.out" ||
    fail "no warning about duplicate ids: $(cat "$T/dup.out")"
v2=$(sp a datasets --json | jq '.[] | select(.name == "personen") | .version')
{ cat "$T/p.map"; echo "duplicate_ids = refuse"; } >"$T/refuse.map"
if sp a load --dataset personen --mapping "$T/refuse.map" "$T/dup.csv" >"$T/dup2.out" 2>&1; then
    fail "duplicate_ids = refuse loaded a file with duplicate ids"
fi
grep -q "3 record id(s) occur on more than one line, and the mapping refuses that" "$T/dup2.out" ||
    fail "the refusal does not say why: $(cat "$T/dup2.out")"
[ "$(sp a datasets --json | jq '.[] | select(.name == "personen") | .version')" = "$v2" ] ||
    fail "a refused load changed the dataset"
echo PASS
