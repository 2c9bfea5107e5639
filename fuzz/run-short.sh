#!/usr/bin/env bash
# Runs every libFuzzer harness of a fuzz build: first the whole corpus, then
# a short random exploration.
#   fuzz/run-short.sh BUILD_DIR SECONDS [JOBS]
# BUILD_DIR was configured with -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo
# -DSP_FUZZ=ON and built; its harnesses are BUILD_DIR/fuzz/fuzz_*. Each works
# on a temporary copy of fuzz/corpus/<name>/ (fuzz_peer -> corpus/peer), so
# that the repository stays clean; new inputs and crash artifacts go to the
# temporary directory.
#  1. Replay (the regression part): every input of every corpus is run once
#     (-runs=0), one harness after the other; it takes a second or two.
#  2. Exploration: each harness mutates its corpus for SECONDS (0: none),
#     JOBS harnesses at a time (default: the number of cores). With
#     SP_FUZZ_EXPLORE_NICE=N (tools/test sets 19) the exploration runs at
#     that niceness: its length is fixed in seconds, not in work, so at
#     normal priority it takes a core from whatever else runs for SECONDS
#     however little it finds; niced, it takes what the rest leaves. Its
#     per-input timeout is then 120 s instead of 20 (libFuzzer's timeout is
#     wall time, and a niced harness beside busy cores can wait long for
#     its turn); a real hang is still reported.
# Fails when any input crashes, leaks or times out, or when no harness was
# built; the failing harness's log and artifacts are kept and named.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [JOBS]" >&2
    exit 2
fi
build=$1
seconds=$2
jobs=${3:-$(nproc 2>/dev/null || echo 1)}
here=$(cd "$(dirname "$0")" && pwd)
for n in "$seconds" "$jobs"; do
    case $n in
    '' | *[!0-9]*) echo "SECONDS and JOBS must be whole numbers" >&2; exit 2 ;;
    esac
done
[ "$jobs" -ge 1 ] || jobs=1

shopt -s nullglob
harnesses=()
for h in "$build"/fuzz/fuzz_*; do [ -x "$h" ] && harnesses+=("$h"); done
if [ ${#harnesses[@]} -eq 0 ]; then
    echo "no harnesses in $build/fuzz (configure with -DSP_FUZZ=ON and build)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/snijpunt-fuzz.XXXXXX")
explore_nice=${SP_FUZZ_EXPLORE_NICE:-0}
case $explore_nice in
'' | *[!0-9]*) echo "SP_FUZZ_EXPLORE_NICE must be 0..19" >&2; exit 2 ;;
esac
explore_timeout=20
[ "$explore_nice" -eq 0 ] || explore_timeout=120
# -rss_limit_mb bounds memory per input; -timeout flags inputs that hang.
opts=(-max_len=1048576 -rss_limit_mb=2048 -print_final_stats=1)

# run HARNESS PHASE ARGS...: one libFuzzer run on the harness's corpus copy;
# its log is $work/<short>/<phase>.log.
run() {
    local h=$1 phase=$2 short
    shift 2
    short=$(basename "$h")
    short=${short#fuzz_}
    "$h" "${opts[@]}" "$@" -artifact_prefix="$work/$short/artifacts/" "$work/$short/corpus" \
        >"$work/$short/$phase.log" 2>&1
}

# run_niced HARNESS PHASE ARGS...: run at the exploration's niceness.
run_niced() {
    if [ "$explore_nice" -gt 0 ]; then
        renice -n "$explore_nice" -p "$BASHPID" >/dev/null
    fi
    run "$@"
}

failed=()
for h in "${harnesses[@]}"; do
    name=$(basename "$h")
    short=${name#fuzz_}
    mkdir -p "$work/$short/corpus" "$work/$short/artifacts"
    if [ -d "$here/corpus/$short" ]; then
        cp -R "$here/corpus/$short/." "$work/$short/corpus/"
    fi
    n=$(find "$work/$short/corpus" -type f | wc -l)
    if run "$h" replay -timeout=20 -runs=0; then
        echo "== $name: replayed $n corpus inputs"
    else
        echo "!! $name: an input of its corpus FAILED; log and artifacts in $work/$short" >&2
        tail -n 30 "$work/$short/replay.log" >&2
        failed+=("$name")
    fi
done

if [ "$seconds" -gt 0 ] && [ ${#failed[@]} -eq 0 ]; then
    echo "== exploring: ${seconds}s per harness, $jobs at a time"
    declare -A pid_of
    running=0
    for h in "${harnesses[@]}"; do
        if [ "$running" -ge "$jobs" ]; then
            wait -n || true
            running=$((running - 1))
        fi
        run_niced "$h" explore -timeout="$explore_timeout" -max_total_time="$seconds" &
        pid_of[$h]=$!
        running=$((running + 1))
    done
    for h in "${harnesses[@]}"; do
        name=$(basename "$h")
        short=${name#fuzz_}
        if wait "${pid_of[$h]}"; then
            echo "== $name: $(sed -nE 's/^stat::number_of_executed_units: *//p' "$work/$short/explore.log") executions"
        else
            echo "!! $name FAILED while exploring; log and artifacts in $work/$short" >&2
            tail -n 30 "$work/$short/explore.log" >&2
            failed+=("$name")
        fi
    done
fi

if [ ${#failed[@]} -ne 0 ]; then
    echo "failed: ${failed[*]} (kept $work)" >&2
    exit 1
fi
rm -rf "$work"
echo "all harnesses clean"
