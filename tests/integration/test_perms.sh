#!/usr/bin/env bash
# Issue 13: what a node trusts must not be writable by others. snijpuntd (and
# --check) refuses a configuration file, a state directory, a CA certificate,
# a CRL or its own certificate that group or others can write, saying what
# and with the chmod that fixes it; a peer certificate others can write makes
# that peer refused. Files made by `snijpunt init` and `snijpunt ca` pass
# under a permissive umask.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-perms.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

umask 0000 # the files below are made by the tools, whatever the umask
gov_init a b
umask 0022
conf=$T/a/snijpuntd.conf
state=$(awk -F' = ' '/^state_dir = / {print $2}' "$conf")
[ -n "$state" ] || fail "no state_dir in $conf"
out=$("$SPD" --config "$conf" --check 2>&1) || fail "--check of a fresh node: $out"

must_refuse() { # WHAT PATH MODE [--run]
    local what=$1 path=$2 mode=$3 run=${4:-}
    local old
    old=$(stat -c %a "$path")
    chmod "$mode" "$path"
    if [ "$run" = --run ]; then
        if out=$(timeout 20 "$SPD" --config "$conf" 2>&1); then fail "snijpuntd ran with $what $mode"; fi
    elif out=$("$SPD" --config "$conf" --check 2>&1); then
        fail "--check accepted $what mode $mode: $out"
    fi
    echo "$out" | grep -qF "$what $path is writable by group or others (mode $(printf %04o "0$mode"))" ||
        fail "$what $mode: no reason in: $out"
    echo "$out" | grep -qF "run chmod go-w $path" || fail "$what $mode: no fix in: $out"
    chmod "$old" "$path"
}

must_refuse "configuration file" "$conf" 666
must_refuse "configuration file" "$conf" 664
mkdir -p "$state" && chmod 700 "$state"
must_refuse "state directory" "$state" 777
must_refuse "state directory" "$state" 777 --run
must_refuse "state directory" "$state" 770
must_refuse "CA certificate" "$CA/ca.crt" 666
must_refuse "revocation list" "$T/pki/crl.pem" 664
must_refuse "certificate" "$CERTS/a.crt" 666

# a peer's certificate others can write: that peer is refused, the node runs
chmod 666 "$CERTS/b.crt"
out=$("$SPD" --config "$conf" --check 2>&1) || fail "--check with b's certificate 0666: $out"
echo "$out" | grep -qF "peer b will be refused: certificate $CERTS/b.crt is writable by group or others" ||
    fail "b's certificate: $out"
chmod 644 "$CERTS/b.crt"

out=$("$SPD" --config "$conf" --check 2>&1) || fail "--check after the fixes: $out"
echo "ok: what a node trusts is refused when others can write it"
