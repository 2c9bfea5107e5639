#!/usr/bin/env bash
# Runs every libFuzzer harness of a fuzz build for a short while.
#   fuzz/run-short.sh BUILD_DIR SECONDS
# BUILD_DIR was configured with -DCMAKE_C_COMPILER=clang -DSP_FUZZ=ON and
# built; its harnesses are BUILD_DIR/fuzz/fuzz_*. Each runs for SECONDS,
# seeded from a temporary copy of fuzz/corpus/<name>/ (fuzz_peer ->
# corpus/peer) so that the repository stays clean; new inputs and crash
# artifacts go to the temporary directory. Fails when any harness finds a
# crash, a leak or a timeout, or when no harness was built.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
case $seconds in
'' | *[!0-9]*) echo "SECONDS must be a whole number" >&2; exit 2 ;;
esac

shopt -s nullglob
harnesses=("$build"/fuzz/fuzz_*)
if [ ${#harnesses[@]} -eq 0 ]; then
    echo "no harnesses in $build/fuzz (configure with -DSP_FUZZ=ON and build)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/snijpunt-fuzz.XXXXXX")
failed=()
for h in "${harnesses[@]}"; do
    [ -x "$h" ] || continue
    name=$(basename "$h")
    short=${name#fuzz_}
    corpus="$work/$short/corpus"
    artifacts="$work/$short/artifacts"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$here/corpus/$short" ]; then
        cp -R "$here/corpus/$short/." "$corpus/"
    fi
    echo "== $name: ${seconds}s, $(find "$corpus" -type f | wc -l) seed inputs"
    # -rss_limit_mb bounds memory per input; -timeout flags inputs that hang.
    if "$h" -max_total_time="$seconds" -max_len=1048576 -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
        >"$work/$short/log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^Done' "$work/$short/log" || true
    else
        echo "!! $name FAILED; log and artifacts in $work/$short" >&2
        tail -n 30 "$work/$short/log" >&2
        failed+=("$name")
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "failed: ${failed[*]} (kept $work)" >&2
    exit 1
fi
rm -rf "$work"
echo "all harnesses clean"
