#!/usr/bin/env bash
# A long fuzzing campaign (not CI): every harness of a fuzz build runs for
# RUNS executions (10 million by default), or for a time budget, one
# after the other, at the lowest CPU priority, and prints per harness the
# executions, executions per second and findings; the figures also go to a
# Markdown table.
#   fuzz/campaign.sh [--seconds S] BUILD_DIR [RUNS [HARNESS...]]
# HARNESS is a name like fuzz_pki (default: every BUILD_DIR/fuzz/fuzz_*).
# --seconds S stops each harness after S seconds even if it has not reached
# RUNS (the table then says how many executions it got); with --seconds and
# no RUNS, S alone bounds each harness. A harness stops at its first
# finding (libFuzzer's default): findings is 0 or 1 per harness and run, and
# the artifact is named.
# Environment:
#   SP_FUZZ_MAX_SECONDS  as --seconds (the option wins); default: no limit
#   SP_FUZZ_OUT          directory for corpora, artifacts, logs and
#                        figures.md (default BUILD_DIR/fuzz-campaign); the
#                        corpora are kept, so a second campaign continues
#                        where the first stopped
# Each harness starts from fuzz/corpus/<name>/ plus whatever the previous
# campaign in SP_FUZZ_OUT found. Exits 1 when any harness found a crash, a
# leak, a timeout or an out-of-memory input (artifacts named in the table).
set -euo pipefail

max=${SP_FUZZ_MAX_SECONDS:-0}
runs_default=10000000
case ${1:-} in
-s | --seconds)
    max=${2:-}
    shift 2 || true
    runs_default=0 # no count: the time alone bounds a harness
    ;;
esac
if [ $# -lt 1 ]; then
    echo "usage: $0 [--seconds S] BUILD_DIR [RUNS [HARNESS...]]" >&2
    exit 2
fi
build=$1
runs=${2:-$runs_default}
shift $(($# < 2 ? $# : 2))
here=$(cd "$(dirname "$0")" && pwd)
out=${SP_FUZZ_OUT:-$build/fuzz-campaign}
case $runs$max in
'' | *[!0-9]*) echo "RUNS and SP_FUZZ_MAX_SECONDS must be whole numbers" >&2; exit 2 ;;
esac

if [ $# -gt 0 ]; then
    harnesses=()
    for n in "$@"; do harnesses+=("$build/fuzz/$n"); done
else
    shopt -s nullglob
    harnesses=("$build"/fuzz/fuzz_*)
fi
if [ ${#harnesses[@]} -eq 0 ]; then
    echo "no harnesses in $build/fuzz (configure with -DSP_FUZZ=ON and build)" >&2
    exit 1
fi

limit=
if [ "$max" -gt 0 ]; then limit=", at most $max s each"; fi
if [ "$runs" -eq 0 ] && [ "$max" -eq 0 ]; then
    echo "give RUNS or --seconds: a harness would run for ever" >&2
    exit 2
fi
target="$runs executions per harness"
runflag=$runs
if [ "$runs" -eq 0 ]; then
    target="no execution count"
    runflag=-1 # libFuzzer: no limit (-runs=0 would only replay the corpus)
fi
mkdir -p "$out"
figures=$out/figures.md
{
    echo "Campaign of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -m)), target $target$limit, nice 19, load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| harness | executions | seconds | exec/s | coverage edges | corpus | findings | result |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
} >"$figures"

failed=0
for h in "${harnesses[@]}"; do
    name=$(basename "$h")
    short=${name#fuzz_}
    if [ ! -x "$h" ]; then
        echo "!! $h is not built" >&2
        failed=1
        continue
    fi
    corpus=$out/$short/corpus
    artifacts=$out/$short/artifacts
    log=$out/$short/log
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$here/corpus/$short" ]; then
        cp -R "$here/corpus/$short/." "$corpus/"
    fi
    echo "== $name: $target$limit, $(find "$corpus" -type f | wc -l) inputs"
    before=$(find "$artifacts" -type f | wc -l)
    start=$(date +%s)
    : >"$log.start"
    result=clean
    if ! nice -n 19 "$h" -runs="$runflag" -max_total_time="$max" -max_len=1048576 -timeout=20 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
        >"$log" 2>&1; then
        result="FAILED: $(find "$artifacts" -type f -newer "$log.start" | head -n 1)"
        failed=1
        tail -n 30 "$log" >&2
    fi
    secs=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    execs=${execs:-0}
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
    size=$(find "$corpus" -type f | wc -l)
    rate=$((execs / (secs > 0 ? secs : 1)))
    findings=$(($(find "$artifacts" -type f | wc -l) - before))
    echo "| $name | $execs | $secs | $rate | ${cov:-?} | $size | $findings | $result |" >>"$figures"
    echo "   $execs executions in $secs s ($rate/s), coverage ${cov:-?}, findings $findings, $result"
done

echo
cat "$figures"
exit "$failed"
