#!/usr/bin/env bash
# The network process (issue 13, "Privilege separation"; daemon/README.md):
#  - its seccomp filter kills it (SIGSYS) for execve and fork, refuses
#    openat (EACCES), and lets it make sockets;
#  - a running node has one, a child of snijpuntd, whose every thread runs
#    under the filter with no_new_privs, with no descriptor of a
#    file (not the store, not the key file, not the configuration) and no
#    shared mapping; its whole readable memory does not hold the node's
#    signing key (the Ed25519 seed of the identity file), while it does hold
#    the CURVE secret it needs (which shows the scan finds a key when one is
#    there);
#  - kill -9 of it during a round: the main process logs it and starts a new
#    one, the round fails on both nodes with a reason ("unreachable since"),
#    and the next round completes with the cleartext linkage's rows;
#  - SIGSEGV of the new one while idle: the same, and a round after it works.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-netproc.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools
# SIGSEGV below is sent on purpose: in a sanitizer build ASan must not turn
# it into a report and an exit status
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0

# --- the filter --------------------------------------------------------------
"$SPD" --net-seccomp-test none >/dev/null || fail "the filter kills a process doing nothing"
"$SPD" --net-seccomp-test socket >/dev/null || fail "the filter does not allow socket()"
"$SPD" --net-seccomp-test openat >/dev/null || fail "a file could be opened under the filter"
for what in execve fork; do
    set +e
    (exec "$SPD" --net-seccomp-test "$what") >/dev/null 2>&1
    st=$?
    set -e
    [ "$st" = $((128 + 31)) ] || fail "$what under the filter: status $st, not killed by SIGSYS"
done

# Slow rounds (small batches, a window of one) so that one can be cut.
fed_init a b -- "net_process = yes" "round_deadline = 60" "batch_size = 8" "batch_window = 1" "worker_threads = 1"
bsn_mapping "$T/p.map"
mkcsv "$T/a.csv" a 0 3000
mkcsv "$T/b.csv" b 1500 3000
for n in a b; do
    fed_start "$n"
    sp "$n" load --dataset personen --mapping "$T/p.map" "$T/$n.csv" >/dev/null || fail "load $n"
    keys_of "$n" "$T/$n.csv" "$T/p.map"
done
for n in a b; do fed_wait_links "$n" a b; done

child_of() { # node -> the pid of its network process
    local c
    for _ in $(seq 100); do
        c=$(pgrep -P "${PIDS[$1]}" -f -- '--net-child' || true)
        [ -n "$c" ] && { echo "$c"; return 0; }
        sleep 0.1
    done
    fail "node $1 has no network process"
}

# --- what the network process holds -----------------------------------------
ca=$(child_of a)
for fd in /proc/"$ca"/fd/*; do
    tgt=$(readlink "$fd" || true)
    case $tgt in
    socket:* | anon_inode:* | pipe:* | /dev/null | /dev/pts/* | /dev/tty*) ;;
    "$T"/a/d.log) ;; # its stderr: the node's log
    *) fail "the network process has $fd open on $tgt" ;;
    esac
done
for task in /proc/"$ca"/task/*; do # libzmq's threads too
    grep -q '^Seccomp:[[:space:]]*2$' "$task/status" && grep -q '^NoNewPrivs:[[:space:]]*1$' "$task/status" ||
        fail "thread $task of the network process runs without the filter"
done
! grep -q ' [r-][w-][x-]s ' "/proc/$ca/maps" || fail "the network process has a shared mapping"
! grep -qE 'state\.mdb|identity\.key|snijpuntd\.conf' "/proc/$ca/maps" ||
    fail "the network process maps a file of the node"
key_line() { sed -n "s/^$1 //p" "$T/a/identity.key"; }
python3 - "$ca" "$(key_line sign-seed)" "$(key_line curve-secret)" <<'PY' || fail "memory scan"
import base64, re, sys
pid, seed, curve = sys.argv[1], base64.b64decode(sys.argv[2]), base64.b64decode(sys.argv[3])
found = {"seed": 0, "curve": 0}
scanned = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        lo, hi, perm = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        # (AddressSanitizer's shadow and allocator reservations are
        # terabytes of untouched address space: skipped)
        if perm[0] != "r" or "[vsyscall]" in line or hi - lo > 1 << 30:
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        scanned += len(data)
        found["seed"] += data.count(seed)
        found["curve"] += data.count(curve)
print(f"scanned {scanned} bytes of the network process: signing seed {found['seed']} times, "
      f"CURVE secret {found['curve']} times")
if scanned < 1 << 20 or found["seed"] or not found["curve"]:
    sys.exit(1)
PY

start_round() {
    sp a round start --participants a,b --keys bsn --min-holders 2 --mode partners --counter b \
        --case NETPROC --purpose "network process test" --deadline 60 || fail "round start"
}
wait_running() {
    for _ in $(seq 200); do
        [ "$(round_state a "$1")" = running ] && return 0
        sleep 0.1
    done
    fail "round $1 never ran at a"
}
round_ok() { # id
    local n
    for n in a b; do
        [ "$(round_wait "$n" "$1" 60)" = done ] || fail "round $1 did not complete at $n"
    done
    for n in a b; do
        [ "$(results_of "$n" "$1")" = "$(expected_rows partners 2 "$n")" ] ||
            fail "round $1: $n's results differ from the cleartext linkage"
    done
}

# --- kill -9 during a round ----------------------------------------------------
id=$(start_round)
wait_running "$id"
t0=$(date +%s)
kill -KILL "$ca"
# The round either fails on both nodes with the reason (the links are held
# down longer than the engine's grace), or, when it finished inside the grace
# because nothing in flight was lost, is done on both with exact results.
# Never stuck, never done on one side only.
sa=$(round_wait a "$id" 40)
sb=$(round_wait b "$id" 40)
t1=$(date +%s)
if [ "$sa" = done ] && [ "$sb" = done ]; then
    round_ok "$id"
    echo "round finished exactly inside the link grace (nothing in flight was lost)"
else
    [ "$sa" = failed ] && [ "$sb" = failed ] ||
        fail "round $id: a $sa, b $sb after the network process was killed"
    round_json a "$id" | jq -r .reason | grep -Eq "peer b unreachable since|cannot send" ||
        fail "round $id at a failed without the reason: $(round_json a "$id")"
fi
grep -q "the network process closed its end (killed by signal 9" "$T/a/d.log" ||
    fail "a did not log the death of its network process"
kill -0 "${PIDS[a]}" || fail "the main process of a died with its network process"
cb=$(child_of a)
[ "$cb" != "$ca" ] || fail "no new network process"
echo "round ended ($sa, $sb) on both nodes $((t1 - t0)) s after the kill; new network process $cb"
for n in a b; do fed_wait_links "$n" a b; done
id2=$(start_round)
round_ok "$id2"

# --- SIGSEGV while idle ----------------------------------------------------------
kill -SEGV "$cb"
for _ in $(seq 100); do
    grep -q "the network process closed its end (killed by signal 11" "$T/a/d.log" && break
    sleep 0.1
done
grep -q "killed by signal 11" "$T/a/d.log" || fail "a did not log the SIGSEGV"
[ "$(child_of a)" != "$cb" ] || fail "no network process after the SIGSEGV"
for _ in $(seq 100); do
    [ "$(sp a status --json | jq '[.peers[] | select(.connected)] | length')" = 1 ] && break
    sleep 0.1
done
id3=$(start_round)
round_ok "$id3"
cc=$(child_of a)
for n in a b; do fed_stop "$n"; done
! kill -0 "$cc" 2>/dev/null || fail "the network process outlived its node"
echo "network process: filter, memory, crash containment ok"
