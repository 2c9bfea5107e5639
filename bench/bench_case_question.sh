#!/usr/bin/env bash
# bench/bench_case_question.sh: issue 10's benchmark, case questions with five
# real snijpuntd nodes on 127.0.0.1 (CURVE, certificates of a federation CA,
# signed proposals: tests/integration/gov_lib.sh sets them up as the
# integration tests do).
#
#   bench/bench_case_question.sh [--values N] [--small M] [--questions Q]
#                                [--settle L] [--work DIR] [--keep] [--perf]
#
# riec asks (case_ask = yes); politie, gemeente, fiod and uwv answer
# (case_key_types = bsn, case_askers = riec, quotas above what the benchmark
# asks). Each node holds N distinct valid BSNs (default 1,000,000), one per
# record: node k (riec 0, politie 1, ...) the k*N/2-th to the (k*N/2+N)-th of
# one sequence, so that neighbours share half their values. Prints:
#  (a) each partner's epoch set-up, one node at a time while the others are
#      idle (its case_key_types set by SIGHUP: epoch 1 begins, version 1
#      committed): wall time from the daemon's log, CPU time of the daemon
#      (/proc/PID/stat), against the floor for N values measured in the same
#      run while the nodes are idle (build/bench/bench_case_epoch
#      --floor-only: H_case of every value + one crypto_scalarmult each, one
#      thread, the lower CPU time of two runs, one before the set-ups and
#      one after);
#      ratios CPU / floor (the issue's 1.3x) and wall / (floor / cores);
#  (b) the four filters' transfer to riec (case_ask set by SIGHUP: from the
#      signal to each "case filter of P ... fingerprints" log line) and riec's
#      memory per fingerprint (VmRSS and RssAnon of its snijpuntd before and
#      after, divided by the fingerprints held; the issue's ceiling: 12 B);
#  (c) Q timed 100-subject questions (after 2 untimed), each with its own
#      signed proposal: `snijpunt case ask --wait --csv` from the call to
#      its exit (median, max; the issue's ceiling: 0.5 s), each answer
#      checked against the expectation from the generator, and each
#      question's time split by phase from riec's and the partners' logs;
#  (d) the same at M values per node (default 100,000; 0 skips it): nothing
#      in the question path may grow with the partners' dataset sizes.
# --perf: where the time goes, not figures to quote (perf record costs time
# itself): perf record -g of the first partner's set-up and of riec during
# the questions, the top symbols printed after the figures.
# The CPU model, cores and the load average go next to every figure; before
# each floor run, set-up and the questions it waits (up to 90 s) for the
# 1-minute load average to fall below L (default 2.5; 0: no waiting).
# A benchmark: it asserts only that the answers are right. Needs a build
# with snijpuntd, snijpunt and bench_case_epoch (cmake --build BUILD
# --target benchmarks snijpuntd snijpunt), jq. Uses DIR (default a new
# directory under $TMPDIR or /tmp; about 1 GB at N = 1,000,000), deleted at
# the end unless --keep. Figures: bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
B=${SP_BUILD_DIR:-$root/build}
B=$(cd "$B" && pwd)
export SP_BUILD_DIR=$B
FLOOR_BIN=$B/bench/bench_case_epoch

N=1000000 SMALL=100000 QUESTIONS=10 WORK='' KEEP=no SETTLE=2.5 PERF=no
usage() { echo "usage: bench/bench_case_question.sh [--values N] [--small M] [--questions Q] [--settle L] [--work DIR] [--keep] [--perf]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --values) N=${2:?}; shift 2 ;;
    --small) SMALL=${2:?}; shift 2 ;;
    --questions) QUESTIONS=${2:?}; shift 2 ;;
    --settle) SETTLE=${2:?}; shift 2 ;;
    --work) WORK=${2:?}; shift 2 ;;
    --keep) KEEP=yes; shift ;;
    --perf) PERF=yes; shift ;;
    -h | --help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
    esac
done
for v in "$N" "$SMALL" "$QUESTIONS"; do [[ $v =~ ^[0-9]+$ ]] || usage; done
[[ $SETTLE =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage
[ "$N" -ge 1000 ] && [ "$N" -le 20000000 ] || { echo "--values must be 1000..20000000" >&2; exit 2; }
[ "$SMALL" -eq 0 ] || [ "$SMALL" -ge 1000 ] || { echo "--small must be 0 or >= 1000" >&2; exit 2; }
[ "$QUESTIONS" -ge 1 ] || usage
[ -x "$FLOOR_BIN" ] || { echo "$FLOOR_BIN not built (cmake --build $B --target benchmarks)" >&2; exit 1; }
[ -x "$B/snijpuntd" ] && [ -x "$B/snijpunt" ] || { echo "snijpuntd/snijpunt not built in $B" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (tools/install-deps installs it)" >&2; exit 1; }
if [ -z "$WORK" ]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench-case.XXXXXX"); else mkdir -p "$WORK"; fi
WORK=$(cd "$WORK" && pwd)

ASKER=riec
PARTNERS=(politie gemeente fiod uwv)
NODES=("$ASKER" "${PARTNERS[@]}")
CORES=$(nproc)
TCK=$(getconf CLK_TCK)
SUBJECTS=100

load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }
msg() { echo "[$(date -u +%H:%M:%S) load $(load1)] $*" >&2; }
settle() { # waits up to 90 s for the 1-minute load average below SETTLE
    [ "$SETTLE" = 0 ] && return 0
    for _ in $(seq 90); do
        awk -v l="$(load1)" -v m="$SETTLE" 'BEGIN { exit !(l < m) }' && return 0
        sleep 1
    done
    msg "the load stayed at or above $SETTLE; measuring anyway"
}
cpu_s() { # PID -> user + system seconds of the process (all its threads)
    awk -v t="$TCK" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"
}
status_kb() { # PID FIELD -> kB
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
# log_time LINE -> seconds since the epoch of a log line's timestamp
log_time() {
    local ts=${1%%Z *}
    date -d "${ts}Z" +%s.%N
}
# log_after NODE FROM PATTERN: the first line of NODE's log from line FROM on
# matching PATTERN (grep -E), or nothing
log_after() { tail -n "+$2" "$T/$1/d.log" | grep -m1 -E "$3" || true; }
log_lines() { wc -l <"$T/$1/d.log"; }
# wait_log NODE FROM PATTERN SECONDS -> the line (fails after SECONDS)
wait_log() {
    local l
    for _ in $(seq $(($4 * 10))); do
        l=$(log_after "$1" "$2" "$3")
        [ -n "$l" ] && { echo "$l"; return 0; }
        sleep 0.1
    done
    fail "$1: no log line '$3' within $4 s"
}

machine() {
    echo "machine: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $CORES cores, $(free -g | awk '/^Mem:/ { print $2 }') GB"
    local src
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$B/CMakeCache.txt")
    if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
        src="$src at $(git -C "$src" rev-parse --short HEAD)$(git -C "$src" diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted changes')"
    fi
    echo "code: $src${SP_BENCH_CODE:+ ($SP_BENCH_CODE)}, build $B ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$B/CMakeCache.txt"))"
    echo "load average at start: $(loadavg)"
}

# ---- generated data ---------------------------------------------------------
# gen DIR N: DIR/NODE.csv for every node (N distinct valid BSNs each), the
# case list DIR/case.csv of SUBJECTS BSNs and DIR/expected.csv, what riec must
# learn (subject_ref,entity,partner,key_types,class, sorted). BSNs in
# increasing order: each 8-digit prefix from 10000000 on has at most one check
# digit passing the 11-test.
gen() {
    local dir=$1 n=$2
    mkdir -p "$dir"
    awk -v n="$n" -v dir="$dir" -v subjects="$SUBJECTS" -v nodes="${NODES[*]}" '
    BEGIN {
        k = split(nodes, name, " ")
        s = int(n / 2)
        held = (k - 1) * s + n              # indices held by some node
        for (j = 0; j < k; j++) { f[j] = dir "/" name[j + 1] ".csv"; print "id,bsn" > f[j] }
        # subjects: 80 % spread over the held indices, the rest held by nobody
        spread = int(subjects * 4 / 5)
        for (j = 0; j < subjects; j++) {
            i = j < spread ? int(j * held / spread) + 7 : held + j
            want[i] = "S" (j + 1)
        }
        print "ref,bsn" > (dir "/case.csv")
        total = held + subjects; m = 0
        for (p = 10000000; m < total; p++) {
            t = 0; q = p
            for (w = 2; w <= 9; w++) { t += w * (q % 10); q = int(q / 10) }
            d = t % 11
            if (d == 10) continue
            bsn = p d
            lo = int((m - n) / s) + 1; if (m < n) lo = 0
            for (j = lo; j < k && j * s <= m; j++)
                print name[j + 1] "-" m "," bsn > f[j]
            if (m in want) {
                print want[m] "," bsn > (dir "/case.csv")
                known = 0
                for (j = 1; j < k; j++)
                    if (j * s <= m && m < j * s + n) {
                        print want[m] ",person," name[j + 1] ",bsn,A" > (dir "/expected.unsorted")
                        known = 1
                    }
                if (!known) print want[m] ",,,," > (dir "/expected.unsorted")
            }
            m++
        }
    }'
    LC_ALL=C sort "$dir/expected.unsorted" >"$dir/expected.csv"
    rm -f "$dir/expected.unsorted"
    printf 'kind = person\nheader = yes\nkeys = bsn\nrecord_id = id\nbsn = bsn\n' >"$dir/bsn.map"
    printf 'kind = person\nheader = yes\nkeys = bsn\nrecord_id = ref\nbsn = bsn\n' >"$dir/case.map"
}

# ---- the floor ---------------------------------------------------------------
FLOOR_CPU='' FLOOR_LINES=()
floor_run() { # one run of the floor for N values, nodes idle
    local l
    settle
    msg "floor: $N values, one thread (bench_case_epoch --floor-only)"
    l="$("$FLOOR_BIN" --floor-only --values "$N" --runs 1) load $(load1)"
    FLOOR_LINES+=("$l")
    read -r _ _ _ c _ <<<"$l"
    if [ -z "$FLOOR_CPU" ] || awk -v a="$c" -v b="$FLOOR_CPU" 'BEGIN { exit !(a < b) }'; then
        FLOOR_CPU=$c
    fi
}

# ---- one federation ------------------------------------------------------------
# federation NVALUES LABEL: generates, starts, loads, sets up the partners one
# at a time, hands the filters to riec, asks the questions; prints the figures
# and leaves the question times in QT_<LABEL>.
federation() {
    local nv=$1 label=$2 data n pid
    T=$WORK/fed-$label CA=$WORK/fed-$label/pki/ca CERTS=$WORK/fed-$label/pki/certs
    rm -rf "$T"
    mkdir -p "$T"
    data=$T/data
    msg "[$label] generating ${#NODES[@]} x $nv values"
    local t0
    t0=$(now)
    gen "$data" "$nv"
    echo "[$label] generated ${#NODES[@]} x $nv values in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s" >&2

    # shellcheck disable=SC2034 # test_round_lib.sh's tables, emptied for this federation
    PIDS=() PORTS=() PUBS=()
    gov_init "${NODES[@]}" -- "batch_size = 4096" "round_deadline = 600"
    gov_coordinator coord
    for n in "${PARTNERS[@]}"; do
        gov_set "$n" "case_askers = $ASKER"
        gov_set "$n" "case_questions_per_epoch = 100000"
        gov_set "$n" "case_values_per_epoch = 1000000000"
        gov_set "$n" "case_max_values = $SUBJECTS"
    done
    for n in "${NODES[@]}"; do fed_start "$n"; done
    for n in "${NODES[@]}"; do fed_wait_links "$n"; done

    msg "[$label] loading $nv records at each node (two at a time)"
    t0=$(now)
    local pids=()
    for n in "${NODES[@]}"; do
        sp "$n" load --dataset personen --mapping "$data/bsn.map" "$data/$n.csv" >"$T/load-$n.out" 2>&1 &
        pids+=($!)
        if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || fail "load: $(cat "$T"/load-*.out)"; pids=("${pids[@]:1}"); fi
    done
    for p in "${pids[@]}"; do wait "$p" || fail "load: $(cat "$T"/load-*.out)"; done
    echo "[$label] loaded 5 x $nv records in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s" >&2
    rm -f "$data"/{riec,politie,gemeente,fiod,uwv}.csv

    [ "$label" = large ] && floor_run

    # (a) set-ups, one node at a time
    local from line tb tc c0 c1 l0 l1 vals
    SETUP_LINES=()
    for n in "${PARTNERS[@]}"; do
        pid=${PIDS[$n]}
        sleep 2
        settle
        l0=$(load1)
        from=$(($(log_lines "$n") + 1))
        gov_set "$n" "case_key_types = bsn"
        c0=$(cpu_s "$pid")
        [ "$n" = "${PARTNERS[0]}" ] && perf_start "$pid" "$T/perf-setup.data"
        tb=$(now)
        kill -HUP "$pid"
        line=$(wait_log "$n" "$from" "case epoch [0-9]+: version 1 committed" 3600)
        c1=$(cpu_s "$pid")
        perf_stop
        l1=$(load1)
        vals=$(sed -n 's/.*committed (\([0-9]*\) values added.*/\1/p' <<<"$line")
        [ "$vals" = "$nv" ] || fail "$n's set-up committed $vals values, not $nv"
        local begin
        begin=$(log_after "$n" "$from" "case epoch [0-9]+ begins")
        tc=$(log_time "$line")
        SETUP_LINES+=("$n $(awk -v b="$(log_time "$begin")" -v c="$tc" -v h="$tb" -v c0="$c0" -v c1="$c1" \
            'BEGIN { printf "%.3f %.3f %.2f", c - b, c - h, c1 - c0 }') $l0 $l1")
        msg "[$label] $n: set-up of $nv values: ${SETUP_LINES[-1]}"
    done
    [ "$label" = large ] && floor_run

    # (b) the filters to riec
    pid=${PIDS[$ASKER]}
    sleep 2
    local rss0 anon0 rss1 anon1 lb fps=0
    rss0=$(status_kb "$pid" VmRSS) anon0=$(status_kb "$pid" RssAnon)
    lb=$(load1)
    from=$(($(log_lines "$ASKER") + 1))
    gov_set "$ASKER" "case_ask = yes"
    gov_set "$ASKER" "case_filter_check = 1"
    tb=$(now)
    kill -HUP "$pid"
    FILTER_LINES=()
    local last=0
    for n in "${PARTNERS[@]}"; do
        line=$(wait_log "$ASKER" "$from" "case filter of $n: epoch [0-9]+ version [0-9]+ \(whole\), [0-9]+ fingerprints" 600)
        local f t
        f=$(sed -n 's/.* \([0-9]*\) fingerprints.*/\1/p' <<<"$line")
        t=$(awk -v a="$tb" -v b="$(log_time "$line")" 'BEGIN { printf "%.3f", b - a }')
        [ "$f" = "$nv" ] || fail "$ASKER holds $f fingerprints of $n, not $nv"
        fps=$((fps + f))
        FILTER_LINES+=("$n $f $t")
        last=$(awk -v a="$last" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
    done
    sleep 2
    rss1=$(status_kb "$pid" VmRSS) anon1=$(status_kb "$pid" RssAnon)
    # where riec's memory is: the malloc heap (brk) and anonymous mappings
    HEAP_LINE=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { heap = ($6 == "[heap]"); anon = (NF == 5) }
        /^Rss:/ { if (heap) h += $2; else if (anon) a += $2 }
        END { printf "[heap] %.1f MB, other anonymous mappings %.1f MB", h / 1024, a / 1024 }' "/proc/$pid/smaps")
    FILTER_SUMMARY="$fps $last $rss0 $rss1 $anon0 $anon1 $lb $(load1)"
    local st
    st=$(sp "$ASKER" case status --json) || fail "case status at $ASKER"
    jq -e --argjson n "${#PARTNERS[@]}" '[.filters[] | select(.state == "current")] | length == $n' \
        <<<"$st" >/dev/null || fail "$ASKER does not hold every filter: $st"

    # (c) the questions
    local parts=(--key-types bsn) q total=$((QUESTIONS + 2))
    for n in "${NODES[@]}"; do parts+=(--participant "$n"); done
    for q in $(seq "$total"); do
        gov_proposal "$T/q$q.prop" coord "${parts[@]}" --mode case --asker "$ASKER" \
            --case-size "bsn=$SUBJECTS"
    done
    QUESTION_LINES=()
    settle
    perf_start "${PIDS[$ASKER]}" "$T/perf-questions.data"
    for q in $(seq "$total"); do
        local la tq0 tq1 id rc=0
        la=$(load1)
        from=$(($(log_lines "$ASKER") + 1))
        tq0=$(now)
        "$B/snijpunt" case ask --proposal "$T/q$q.prop" --mapping "$data/case.map" --wait --csv \
            "$data/case.csv" --config "$T/$ASKER/snijpuntd.conf" >"$T/q$q.csv" 2>"$T/q$q.err" || rc=$?
        tq1=$(now)
        [ "$rc" = 0 ] || fail "question $q: case ask exited $rc: $(cat "$T/q$q.err")"
        tail -n +2 "$T/q$q.csv" | LC_ALL=C sort | diff "$data/expected.csv" - >"$T/q$q.diff" ||
            fail "question $q: the answer differs from the expectation: $(head -20 "$T/q$q.diff")"
        line=$(wait_log "$ASKER" "$from" "case question [0-9a-f]+: [0-9]+ of $SUBJECTS subjects known" 10)
        grep -q "${#PARTNERS[@]} of ${#PARTNERS[@]} partners answered" <<<"$line" ||
            fail "question $q: not every partner answered: $line"
        id=$(sed -n 's/.*case question \([0-9a-f]*\):.*/\1/p' <<<"$line")
        QUESTION_LINES+=("$q $(awk -v a="$tq0" -v b="$tq1" 'BEGIN { printf "%.3f", b - a }') $la $(phases "$id" "$tq0")")
    done
    perf_stop
    # every question's answer says how many subjects a partner knew
    KNOWN=$(sed -n 's/.*: \([0-9]*\) of [0-9]* subjects known.*/\1/p' <<<"$line")

    report "$label" "$nv"
    echo "    on disk after the set-ups (du): $(for n in "${NODES[@]}"; do printf '%s %s MB, ' "$n" "$(du -sm "$T/$n" | cut -f1)"; done | sed 's/, $//')"
    perf_report "$T/perf-setup.data" "${PARTNERS[0]}'s set-up"
    perf_report "$T/perf-questions.data" "$ASKER during the questions"
    for n in "${NODES[@]}"; do fed_stop "$n"; done
    [ "$KEEP" = yes ] || rm -rf "$T"
}

PERF_PID=''
perf_start() { # PID FILE
    [ "$PERF" = yes ] || return 0
    perf record -q -g -F 499 -p "$1" -o "$2" >/dev/null 2>&1 &
    PERF_PID=$!
    sleep 0.5
}
perf_stop() {
    [ -n "$PERF_PID" ] || return 0
    kill -INT "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=''
}
perf_report() { # FILE WHAT
    [ "$PERF" = yes ] && [ -f "$1" ] || return 0
    local by
    echo "perf: $2, share of samples (self):"
    by=$(perf report -i "$1" --no-children --sort dso --stdio -g none 2>/dev/null |
        awk '/^ +[0-9.]+%/ && n < 8 { printf "%s%s %s", n++ ? ", " : "", $2, $1 }' || true)
    echo "    by object: $by"
    perf report -i "$1" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
        awk '/^ +[0-9.]+%/ && n++ < 12 { printf "    %s %s %s\n", $1, $2, $4 }' || true
}

# phases ID T0 -> seconds after T0 (the CLI call), from the daemons' logs:
# riec "asked ... partners" (the proposal judged, the list read and blinded,
# the question audited and sent), the first partner's "accepted" (received,
# judged, audited), the last partner's "answered" (evaluated, sent), riec
# "running -> finishing" (every answer in, unblinded, looked up), riec "...
# subjects known" (results and audit committed).
phases() {
    local id=$1 t0=$2 asked unbl fin first='' last=0 n l t
    asked=$(log_time "$(grep -m1 "case question $id: asked" "$T/$ASKER/d.log")")
    unbl=$(log_time "$(grep -m1 "round $id: running -> finishing" "$T/$ASKER/d.log")")
    fin=$(log_time "$(grep -m1 "case question $id: [0-9]* of" "$T/$ASKER/d.log")")
    for n in "${PARTNERS[@]}"; do
        l=$(grep -m1 "case question $id: accepted" "$T/$n/d.log" || true)
        [ -n "$l" ] || continue
        t=$(log_time "$l")
        first=$(awk -v a="${first:-$t}" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
        l=$(grep -m1 "case question $id: answered" "$T/$n/d.log" || true)
        [ -n "$l" ] || continue
        t=$(log_time "$l")
        last=$(awk -v a="$last" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
    done
    awk -v t0="$t0" -v a="$asked" -v f="$first" -v l="$last" -v u="$unbl" -v d="$fin" \
        'BEGIN { printf "%.3f %.3f %.3f %.3f %.3f", a - t0, f - t0, l - t0, u - t0, d - t0 }'
}

report() {
    local label=$1 nv=$2
    echo
    echo "== $nv values per node ($label) =="
    if [ "$label" = large ]; then
        echo "(a) epoch set-up, one partner at a time, the other nodes idle"
        for l in "${FLOOR_LINES[@]}"; do
            read -r _ fv w c _ ld <<<"$l"
            echo "    floor run: $fv values, H_case + crypto_scalarmult, one thread: ${c} s CPU (${w} s wall), load $ld"
        done
        echo "    floor (min CPU of the runs): $FLOOR_CPU s for $N values; floor / $CORES cores = $(awk -v f="$FLOOR_CPU" -v c="$CORES" 'BEGIN { printf "%.2f", f / c }') s"
    else
        echo "(a) epoch set-up, one partner at a time (floor scaled from the large run: $(awk -v f="$FLOOR_CPU" -v n="$N" -v m="$nv" 'BEGIN { printf "%.2f", f * m / n }') s)"
    fi
    printf '    %-9s %10s %10s %10s %10s %12s %9s\n' node "wall (log)" "wall (HUP)" "CPU" "CPU/floor" "wall/(fl/${CORES})" "load"
    local s
    for s in "${SETUP_LINES[@]}"; do
        read -r n w wh c l0 l1 <<<"$s"
        awk -v n="$n" -v w="$w" -v wh="$wh" -v c="$c" -v f="$FLOOR_CPU" -v fn="$N" -v m="$nv" -v k="$CORES" -v l0="$l0" -v l1="$l1" \
            'BEGIN { fl = f * m / fn; printf "    %-9s %9.2fs %9.2fs %9.2fs %10.3f %12.3f %4s-%s\n", n, w, wh, c, c / fl, w / (fl / k), l0, l1 }'
    done
    echo "(b) filters to $ASKER (all four at once, from SIGHUP with case_ask = yes)"
    for s in "${FILTER_LINES[@]}"; do
        read -r n f t <<<"$s"
        echo "    $n: $f fingerprints held after $t s"
    done
    read -r fps last rss0 rss1 anon0 anon1 lb la <<<"$FILTER_SUMMARY"
    awk -v fps="$fps" -v last="$last" -v r0="$rss0" -v r1="$rss1" -v a0="$anon0" -v a1="$anon1" -v lb="$lb" -v la="$la" 'BEGIN {
        printf "    all %d fingerprints held after %.2f s (%.1f MB of fingerprints, %.1f MB/s), load %s-%s\n", fps, last, fps * 8 / 1e6, fps * 8 / 1e6 / last, lb, la
        printf "    %s snijpuntd VmRSS %.1f -> %.1f MB, RssAnon %.1f -> %.1f MB\n", "'"$ASKER"'", r0 / 1024, r1 / 1024, a0 / 1024, a1 / 1024
        printf "    memory per fingerprint: %.2f B (VmRSS), %.2f B (RssAnon); ceiling 12 B\n", (r1 - r0) * 1024 / fps, (a1 - a0) * 1024 / fps
    }'
    echo "    resident after: $HEAP_LINE"
    echo "(c) $SUBJECTS-subject questions answered by ${#PARTNERS[@]} partners ($KNOWN of $SUBJECTS subjects known to a partner), answers checked"
    echo "    from the call, by the daemons' logs: riec asked / first partner accepted / last partner"
    echo "    answered / riec unblinded (running -> finishing) / riec committed; then the CLI's poll (100 ms)"
    printf '    %-4s %8s %6s   %-s\n' q wall load "asked / accepted / answered / unblinded / committed"
    local walls=() q w la a f p u d
    for s in "${QUESTION_LINES[@]}"; do
        read -r q w la a f p u d <<<"$s"
        local tag=''
        [ "$q" -le 2 ] && tag=' (warm-up, not counted)' || walls+=("$w")
        printf '    %-4s %7.3fs %6s   %.3f / %.3f / %.3f / %.3f / %.3f s%s\n' "$q" "$w" "$la" "$a" "$f" "$p" "$u" "$d" "$tag"
    done
    printf '%s\n' "${walls[@]}" | sort -n | awk -v k="${#walls[@]}" -v label="$label" '
        { v[NR] = $1 }
        END {
            med = k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
            printf "    %d timed: median %.3f s, min %.3f s, max %.3f s (ceiling 0.5 s)\n", k, med, v[1], v[k]
            print label, med, v[k] > "/dev/stderr"
        }' 2>>"$WORK/medians"
}

# ---- main ---------------------------------------------------------------------
T=$WORK/fed-none
. "$root/tests/integration/gov_lib.sh"
cleanup() {
    set +e
    local j
    for j in $(jobs -p); do kill "$j" 2>/dev/null; done
    for n in "${!PIDS[@]}"; do [ -n "${PIDS[$n]}" ] && kill -KILL "${PIDS[$n]}" 2>/dev/null; done
    wait 2>/dev/null
    if [ "$KEEP" = yes ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
: >"$WORK/medians"
echo "case-question benchmark (issue 10): 5 nodes, $N values each"
machine
echo "free disk in $WORK: $(df -h --output=avail "$WORK" | tail -1 | tr -d ' ')"
federation "$N" large
if [ "$SMALL" -gt 0 ]; then federation "$SMALL" small; fi
echo
echo "load average at the end: $(loadavg)"
if [ "$SMALL" -gt 0 ]; then
    awk '{ m[$1] = $2; x[$1] = $3 } END {
        printf "question wall, median: %.3f s at the large size, %.3f s at the small (ratio %.2f)\n", m["large"], m["small"], m["large"] / m["small"] }' "$WORK/medians"
fi
