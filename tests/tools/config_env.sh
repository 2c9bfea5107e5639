#!/usr/bin/env bash
# The CLI finds its node without --config (issue 12): --socket, --config,
# $SNIJPUNT_SOCKET, the control_socket of $SNIJPUNT_CONFIG, that of
# /etc/snijpunt/snijpuntd.conf when it exists, else /run/snijpunt/control.sock.
# The README's flow after `snijpunt init --dir D`: export SNIJPUNT_CONFIG as
# init says, then status, load, datasets and backup run without --config.
# When nothing is found the message says what to do. One real snijpuntd.
set -euo pipefail
B=${SP_BUILD_DIR:?set by ctest}
SP=$B/snijpunt
SPD=$B/snijpuntd
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-cfgenv.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/d.log" ] && sed 's/^/  daemon: /' "$T/d.log" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (tools/install-deps installs it)"; exit 77; }
unset SNIJPUNT_SOCKET SNIJPUNT_CONFIG
port=$((10000 + RANDOM % 22000))
CONF=$T/node/snijpuntd.conf
"$SP" init --dir "$T/node" --node gemeente-a --listen "tcp://127.0.0.1:$port" >/dev/null 2>"$T/init.err" ||
    fail "init: $(cat "$T/init.err")"
grep -qxF "Let snijpunt find it without --config: export SNIJPUNT_CONFIG=$CONF" "$T/init.err" ||
    fail "init does not say how to find the node: $(cat "$T/init.err")"
"$SPD" --config "$CONF" >>"$T/d.log" 2>&1 &
PID=$!

# as the README goes on, with the variable init named
export SNIJPUNT_CONFIG=$CONF
"$SP" status --wait-ready=20 >"$T/st.out" 2>&1 || fail "status via SNIJPUNT_CONFIG: $(cat "$T/st.out")"
grep -q '^node: *gemeente-a$' "$T/st.out" || fail "status printed $(cat "$T/st.out")"
printf 'kind = person\nheader = yes\nkeys = bsn\nrecord_id = id\nbsn = bsn\n' >"$T/p.map"
printf 'id,bsn\n1,111222333\n2,123456782\n' >"$T/p.csv"
"$SP" load --dataset personen --mapping "$T/p.map" "$T/p.csv" >/dev/null 2>&1 || fail "load"
[ "$("$SP" datasets --json | jq -r '.[0].name // .datasets[0].name')" = personen ] ||
    fail "datasets: $("$SP" datasets --json)"
"$SP" backup --out b.mdb >/dev/null || fail "backup via SNIJPUNT_CONFIG"

# --config and $SNIJPUNT_SOCKET come first
SNIJPUNT_CONFIG=$T/none.conf "$SP" status --config "$CONF" >/dev/null 2>&1 ||
    fail "--config does not win over SNIJPUNT_CONFIG"
SNIJPUNT_CONFIG=$T/none.conf SNIJPUNT_SOCKET=$T/node/control.sock "$SP" status >/dev/null 2>&1 ||
    fail "SNIJPUNT_SOCKET does not win over SNIJPUNT_CONFIG"

# a variable naming a missing file says so
if SNIJPUNT_CONFIG=$T/none.conf "$SP" status >"$T/e.out" 2>&1; then fail "a missing SNIJPUNT_CONFIG worked"; fi
grep -qF "snijpunt status: cannot read $T/none.conf (\$SNIJPUNT_CONFIG): No such file" "$T/e.out" ||
    fail "missing SNIJPUNT_CONFIG: $(cat "$T/e.out")"

# nothing at all: what to do (only where no node is installed on this machine)
unset SNIJPUNT_CONFIG
if [ -e /etc/snijpunt/snijpuntd.conf ] || [ -e /run/snijpunt/control.sock ]; then
    echo "note: /etc/snijpunt/snijpuntd.conf or /run/snijpunt/control.sock exists here; the 'nothing found' message is not checked"
else
    if "$SP" datasets >"$T/e.out" 2>&1; then fail "datasets without any configuration worked"; fi
    grep -qF "snijpunt datasets: cannot reach snijpuntd at /run/snijpunt/control.sock" "$T/e.out" ||
        fail "nothing found: $(cat "$T/e.out")"
    grep -qF "give --config FILE or set SNIJPUNT_CONFIG=FILE, FILE being the snijpuntd.conf that snijpunt init wrote" "$T/e.out" ||
        fail "nothing found does not say what to do: $(cat "$T/e.out")"
fi
kill -TERM "$PID"
wait "$PID" || fail "daemon exit status $?"
PID=
echo "ok: SNIJPUNT_CONFIG, the order of the sources, the messages"
