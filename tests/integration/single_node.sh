#!/usr/bin/env bash
# One node through the CLI: init -> snijpuntd on a temporary directory ->
# load a messy CSV with its mapping -> datasets/status with and without
# --json -> a bad file is refused naming file and line and the previous
# version stays -> SIGTERM -> restart -> the data is still there. Also: key
# file permissions, --check, a second daemon on the same state directory.
set -euo pipefail
B=${SP_BUILD_DIR:?set by ctest}
SP=$B/snijpunt
SPD=$B/snijpuntd
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-single.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/d.log" ] && sed 's/^/  daemon: /' "$T/d.log" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (tools/install-deps installs it)"; exit 77; }
json_ok() { jq -e . >/dev/null; }
json_get() { jq -r -c "$1"; } # json_get FILTER < json
# Below the ephemeral range (32768 up), where outgoing connections take ports.
port=$((10000 + RANDOM % 22000))
N=$T/node
CONF=$N/snijpuntd.conf

# --- versions (issue 2): both programs say what they are, exit 0 ---------
for prog in snijpuntd snijpunt; do
    v=$("$B/$prog" --version) || fail "$prog --version failed"
    [[ $v =~ ^$prog\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "$prog --version printed '$v'"
done
[ "$("$SPD" --version)" = "$("$SPD" -V)" ] || fail "snijpuntd -V differs from --version"

# --- init ---------------------------------------------------------------
pub=$("$SP" init --dir "$N" --node gemeente-a --listen "tcp://127.0.0.1:$port" 2>"$T/init.err")
[[ $pub == snijpunt-public-v1:* ]] || fail "init printed '$pub'"
[ "$(stat -c %a "$N/identity.key")" = 600 ] || fail "identity.key is not 0600"
"$SP" init --dir "$N" --node gemeente-a --listen "tcp://127.0.0.1:$port" 2>/dev/null &&
    fail "init overwrote an existing node"
"$SPD" --config "$CONF" --check >/dev/null || fail "--check refused the config init wrote"
# an explicit path (here the control socket) goes into the configuration as given
"$SP" init --dir "$T/n2" --node gemeente-b --listen "tcp://127.0.0.1:$port" \
    --control-socket "$T/n2.sock" >/dev/null 2>&1 || fail "init --control-socket"
grep -qx "control_socket *= *$T/n2.sock" "$T/n2/snijpuntd.conf" ||
    fail "init --control-socket wrote: $(grep control_socket "$T/n2/snijpuntd.conf")"

# --- configuration and key file checks ---------------------------------
cp "$CONF" "$T/bad.conf"
echo "batch_size = 0" >>"$T/bad.conf"
out=$("$SPD" --config "$T/bad.conf" --check 2>&1) && fail "--check accepted batch_size = 0"
line=$(wc -l <"$T/bad.conf")
[[ $out == *"$T/bad.conf:$line: batch_size is out of range"* ]] || fail "--check said: $out"
chmod 644 "$N/identity.key"
out=$("$SPD" --config "$CONF" 2>&1) && fail "daemon started with a readable key file"
[[ $out == *"$N/identity.key"* && $out == *644* && $out == *"chmod 600"* ]] ||
    fail "key file message: $out"
chmod 600 "$N/identity.key"

# --- not running --------------------------------------------------------
out=$("$SP" status --config "$CONF" 2>&1) && fail "status succeeded without a daemon"
[[ $out == *"cannot reach snijpuntd at $N/control.sock"*"is it running?"* ]] || fail "status said: $out"

start() {
    "$SPD" --config "$CONF" >>"$T/d.log" 2>&1 &
    PID=$!
    "$SP" status --config "$CONF" --wait-ready=20 >/dev/null || fail "daemon did not come up"
}
stop() {
    kill -TERM "$PID"
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && fail "daemon ignored SIGTERM"
    wait "$PID" || fail "daemon exited with status $? after SIGTERM"
    PID=
}
start
# A second daemon on the same state directory is refused.
out=$("$SPD" --config "$CONF" 2>&1) && fail "a second daemon started"
[[ $out == *"in use"* ]] || fail "second daemon said: $out"

# --- status -------------------------------------------------------------
"$SP" status --config "$CONF" | grep -q "^node: *gemeente-a$" || fail "status text"
st=$("$SP" status --socket "$N/control.sock" --json)
echo "$st" | json_ok || fail "status --json is not JSON: $st"
[[ $st == *'"node":"gemeente-a"'* && $st == *'"datasets":0'* ]] || fail "status json: $st"

# --- a messy CSV --------------------------------------------------------
cat >"$T/personen.map" <<'MAP'
# messy export: semicolons, quoted fields, Windows line ends
kind         = person
separator    = ;
encoding     = utf-8
header       = yes
date_format  = jjjjmmdd
surname_form = core
keys         = bsn
record_id    = nr
bsn          = burgerservicenummer
surname      = achternaam
birth_date   = geb_datum
MAP
printf '%s\r\n' \
    'nr;burgerservicenummer;achternaam;geb_datum' \
    '1;111222333;"Jansen; de";19800101' \
    '2;093005192;"Pietersen ""Piet""";19790230' \
    '3;123456789;Bakker;19600101' \
    '4;285976011;Visser' \
    '5; 285976011 ;"Smit' \
    'meerdere regels";20000101' >"$T/personen.csv"
out=$("$SP" load --config "$CONF" --dataset personen --mapping "$T/personen.map" "$T/personen.csv") ||
    fail "load failed: $out"
[[ $out == *"check: $T/personen.csv"* ]] || fail "no check summary: $out"
[[ $out == *"dataset personen version 1"* ]] || fail "load output: $out"
ds=$("$SP" datasets --config "$CONF" --json)
echo "$ds" | json_ok || fail "datasets --json is not JSON"
[ "$(echo "$ds" | json_get 'length')" = 1 ] || fail "datasets: $ds"
[ "$(echo "$ds" | json_get '.[0].version')" = 1 ] || fail "version: $ds"
[ "$(echo "$ds" | json_get '.[0].structural_errors')" = 1 ] || fail "skipped rows: $ds"
records=$(echo "$ds" | json_get '.[0].records')
[ "$records" = 4 ] || fail "records: $ds"
sha=$(echo "$ds" | json_get '.[0].input_sha256')
[ "$sha" = "$(sha256sum "$T/personen.csv" | cut -d' ' -f1)" ] || fail "sha256 differs"
"$SP" datasets --config "$CONF" | grep -q '^personen  *1 ' || fail "datasets text"
j=$("$SP" load --config "$CONF" --dataset anders --mapping "$T/personen.map" --json "$T/personen.csv")
echo "$j" | json_ok || fail "load --json is not JSON: $j"
[ "$(echo "$j" | json_get '.check.skipped_lines')" = "[5]" ] || fail "load json: $j"

# --- a bad file: refused with file and line, previous version intact ----
printf 'nr;bsn;achternaam;geb_datum\n1;111222333;X;19800101\n' >"$T/bad.csv"
out=$("$SP" load --config "$CONF" --dataset personen --mapping "$T/personen.map" "$T/bad.csv" 2>&1) &&
    fail "a file without the mapped column was loaded"
[[ $out == *"$T/bad.csv:1:"*burgerservicenummer* ]] || fail "bad file message: $out"
out=$("$SP" load --config "$CONF" --dataset personen --mapping "$T/personen.map" --no-check \
    "$T/bad.csv" 2>&1) && fail "the daemon loaded a file without the mapped column"
[[ $out == *"$T/bad.csv:1:"*"was not changed"* ]] || fail "daemon-side message: $out"
ds=$("$SP" datasets --config "$CONF" --json)
[ "$(echo "$ds" | json_get '.[] | select(.name == "personen") | .version')" = 1 ] ||
    fail "the bad load changed the version: $ds"
[ "$(echo "$ds" | json_get '.[] | select(.name == "personen") | .input_sha256')" = "$sha" ] ||
    fail "the bad load changed the data"

# --- stop, restart, still there -----------------------------------------
stop
[ -e "$N/control.sock" ] && fail "control socket left behind"
grep -q "SIGTERM received" "$T/d.log" || fail "no shutdown message"
# the ladder the node blinds with is logged; the operator's switch to the
# portable one (snijpuntd(8), ENVIRONMENT) is honoured (the restart uses it)
if grep -qw avx2 /proc/cpuinfo; then
    grep -q "blinding with the 4-lane AVX2 X25519 ladder" "$T/d.log" || fail "AVX2 ladder not logged"
fi
cp "$T/d.log" "$T/d.log.before"
SNIJPUNT_X25519_PORTABLE=1 start
tail -n +$(($(wc -l <"$T/d.log.before") + 1)) "$T/d.log" |
    grep -q "blinding with libsodium's X25519 ladder (portable)" || fail "SNIJPUNT_X25519_PORTABLE=1 not honoured"
ds=$("$SP" datasets --config "$CONF" --json)
[ "$(echo "$ds" | json_get 'length')" = 2 ] || fail "after restart: $ds"
[ "$(echo "$ds" | json_get '.[] | select(.name == "personen") | .input_sha256')" = "$sha" ] ||
    fail "data changed across restart"
"$SP" status --config "$CONF" --json | json_get '.datasets' | grep -qx 2 || fail "status datasets"
stop
grep -iE "error" "$T/d.log" && fail "the daemon logged errors"
echo "single node: all checks passed"
