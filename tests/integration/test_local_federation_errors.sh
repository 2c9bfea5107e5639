#!/usr/bin/env bash
# tools/local-federation fails loudly and cleans up: usage errors exit 2; a
# missing mapping is named before anything starts; a dataset that cannot be
# loaded names the node and its log; a node killed during the round names the
# node; a terminated run stops every node it started. After every case no
# snijpuntd started by it is left running.
set -euo pipefail
src=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SP_BUILD_DIR:-$src/build}
command -v jq >/dev/null || { echo "FAIL: jq is missing (bash tools/install-deps)" >&2; exit 1; }
work=$(mktemp -d)
bg=
cleanup() {
    [ -z "$bg" ] || kill -KILL "$bg" 2>/dev/null || true
    # Nodes of this test only: their command lines name this test's directory.
    for p in $(pgrep -f "snijpuntd --config $work/" || true); do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
lf() { SP_BUILD_DIR=$build "$src/tools/local-federation" "$@"; }
expect_status() { # status description command...
    local want=$1 what=$2 rc=0
    shift 2
    "$@" >"$work/out.txt" 2>"$work/err.txt" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$work/err.txt" >&2; fail "$what: exit status $rc, expected $want"; }
}
no_nodes_left() { # label
    local left
    left=$(pgrep -f "snijpuntd --config $work/" | wc -l || true)
    [ "$left" -eq 0 ] || fail "$1: $left snijpuntd process(es) left running"
}

# --- usage ---
expect_status 2 "no arguments" lf
expect_status 2 "unknown option" lf --data x --results y --frobnicate
expect_status 2 "bad mode" lf --data x --results y --mode everything
expect_status 2 "bad k" lf --data x --results y --min-holders 0
expect_status 2 "bad suppression" lf --data x --results y --suppress-below ten
expect_status 0 "--help" lf --help
grep -q -- '--min-holders' "$work/out.txt" || fail "--help does not describe the options"
expect_status 1 "missing data dir" lf --data "$work/none" --results "$work/r"
grep -q "is not a directory" "$work/err.txt" || fail "missing data dir not named"

"$build/snijpunt-gen" --out "$work/data" --persons 3000 --seed 3 --quiet

# --- one node only: no round possible ---
mkdir -p "$work/one"
cp -r "$work/data/om" "$work/one/"
expect_status 1 "one node" lf --data "$work/one" --results "$work/r1"
grep -q "at least 2" "$work/err.txt" || fail "one node: no reason given"

# --- a dataset without a mapping is named before any node starts ---
mkdir -p "$work/nomap/a-node" "$work/nomap/b-node"
printf 'id,bsn\nx1,111222333\n' >"$work/nomap/a-node/stuff.csv"
printf 'id,bsn\ny1,111222333\n' >"$work/nomap/b-node/stuff.csv"
expect_status 1 "no mapping" lf --data "$work/nomap" --results "$work/r2"
grep -q "no mapping for a-node/stuff.csv" "$work/err.txt" || fail "no mapping: $(cat "$work/err.txt")"
[ ! -d "$work/r2/nodes/a-node" ] || fail "no mapping: nodes were created anyway"

# --- a dataset the node cannot load: the node and its log are named ---
cat >"$work/nomap/a-node/stuff.map" <<'EOF'
kind      = person
header    = yes
record_id = id
bsn       = burgerservicenummer
EOF
cp "$work/nomap/a-node/stuff.map" "$work/nomap/b-node/stuff.map"
expect_status 1 "unloadable dataset" lf --data "$work/nomap" --results "$work/r3"
grep -q "node a-node: loading stuff.csv failed" "$work/err.txt" || fail "load failure: $(cat "$work/err.txt")"
grep -q "$work/r3/nodes/a-node/snijpuntd.log" "$work/err.txt" || fail "load failure: log not named"
no_nodes_left "unloadable dataset"

# --- a node killed during the round ---
lf --data "$work/data" --results "$work/r4" >"$work/r4.txt" 2>&1 &
bg=$!
victim=
for _ in $(seq 1 600); do
    if grep -q "blinding started" "$work/r4/nodes/om/snijpuntd.log" 2>/dev/null; then
        victim=$(pgrep -f "snijpuntd --config $work/r4/nodes/om/" || true)
        break
    fi
    kill -0 "$bg" 2>/dev/null || break
    sleep 0.1
done
[ -n "$victim" ] || { cat "$work/r4.txt" >&2; fail "kill: the round never started on om"; }
kill -KILL "$victim" 2>/dev/null || {
    cat "$work/r4.txt" "$work/r4/nodes/om/snijpuntd.log" >&2
    fail "kill: om had already stopped"
}
rc=0
wait "$bg" || rc=$?
bg=
[ "$rc" -eq 1 ] || { cat "$work/r4.txt" >&2; fail "killed node: exit status $rc, expected 1"; }
grep -q "node om" "$work/r4.txt" || { cat "$work/r4.txt" >&2; fail "killed node: om not named"; }
no_nodes_left "killed node"
[ -f "$work/r4/nodes/om/snijpuntd.log" ] || fail "killed node: logs not kept"

# --- terminated: every node stops (a background job ignores SIGINT, so TERM) ---
env SP_BUILD_DIR="$build" "$src/tools/local-federation" --data "$work/data" --results "$work/r5" \
    >"$work/r5.txt" 2>&1 &
bg=$!
for _ in $(seq 1 600); do
    grep -q "blinding started" "$work/r5/nodes/om/snijpuntd.log" 2>/dev/null && break
    kill -0 "$bg" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$bg" 2>/dev/null || {
    cat "$work/r5.txt" >&2
    fail "terminated: local-federation had already ended before om started blinding"
}
rc=0
wait "$bg" || rc=$?
bg=
[ "$rc" -eq 143 ] || { cat "$work/r5.txt" >&2; fail "terminated: exit status $rc, expected 143"; }
no_nodes_left "terminated"
for n in "$work/r5/nodes"/*/; do
    grep -q "snijpuntd stopped" "$n/snijpuntd.log" ||
        fail "terminated: $(basename "$n") did not log a clean stop"
done
echo "PASS"
