#!/usr/bin/env bash
# Issue 12, SIGHUP re-reads the whole configuration, with real daemons on
# loopback and certificates of a federation CA:
#   - a's local policy accepts another purpose: a refuses the proposal;
#     accept_purpose changed and SIGHUP: the same kind of proposal runs;
#   - an invalid file (a bad value, then a file others can write) is refused
#     with the reason in the log and the configuration in force stays: a
#     round still runs under it;
#   - listen changed together with accept_modes: the log line names listen
#     as kept until a restart (the links stay up on the old address) and the
#     new accept_modes is in force (a partners proposal is refused);
#   - every applied change is a config_change entry in a's audit log;
#   - a peer's new endpoint (a restarted on its new listen) is followed by
#     b after SIGHUP: the link comes back and a round runs.
# Both nodes run with net_process = SP_TEST_NET_PROCESS (yes, the default;
# integration_reload_inprocess runs it with no): with the split on, a reload
# goes to the network process as new PEERS and ADMIT frames, and neither
# network process may die or be restarted by any of it.
set -euo pipefail
np=${SP_TEST_NET_PROCESS:-yes}
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-reload.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

gov_init a b -- "net_process = $np"
gov_set a "accept_purpose = controle uitkeringen"
gov_coordinator coord
gov_data a b
for n in a b; do fed_start "$n"; gov_load "$n"; done
fed_wait_links a b
conf=$T/a/snijpuntd.conf

submit_refused() { # FILE WHY: a refuses it at once, with WHY
    if sp a proposal submit "$1" >"$T/sub.out" 2>&1; then fail "a accepted $1"; fi
    grep -q "$2" "$T/sub.out" || fail "a's answer for $1 lacks '$2': $(cat "$T/sub.out")"
}

# --- policy: refused, then accepted after SIGHUP ---------------------------------
gov_proposal "$T/p1.prop" coord --participant a --participant b
submit_refused "$T/p1.prop" "purpose"
sed -i "s|^accept_purpose = controle uitkeringen$|accept_purpose = integratietest|" "$conf"
gov_hup a "configuration $conf reloaded; in force now: accept_purpose$"
gov_proposal "$T/p2.prop" coord --participant a --participant b
round_done "$T/p2.prop" a b

# --- an invalid file is refused; the configuration in force stays -----------------
cp "$conf" "$T/a.conf.good"
sed -i "s|^accept_purpose = integratietest$|accept_purpose = iets anders|" "$conf"
gov_set a "accept_modes = everything"
line=$(grep -n "^accept_modes = everything" "$conf" | cut -d: -f1)
gov_hup a "configuration $conf refused, the one in force stays: $conf:$line: accept_modes must be"
gov_proposal "$T/p3.prop" coord --participant a --participant b
round_done "$T/p3.prop" a b # accept_purpose = integratietest is still in force
cp "$T/a.conf.good" "$conf"
chmod g+w "$conf"
gov_hup a "configuration $conf refused, the one in force stays: .*chmod go-w"
chmod g-w "$conf"

# --- listen needs a restart, accept_modes does not ---------------------------------
port=$(pick_port)
sed -i "s|^listen = .*|listen = tcp://127.0.0.1:$port|" "$conf"
gov_set a "accept_modes = counts, threshold"
gov_hup a "configuration $conf reloaded; in force now: accept_modes; kept as it was until snijpuntd is restarted: listen$"
gov_proposal "$T/p4.prop" coord --participant a --participant b --mode partners
submit_refused "$T/p4.prop" "mode"
fed_wait_links a b
fed_wait_links b a # b still reaches a where it listened before
gov_proposal "$T/p5.prop" coord --participant a --participant b --mode threshold
round_done "$T/p5.prop" a b

# --- the same file again: nothing changes, nothing is recorded ---------------------
gov_hup a "configuration $conf re-read; kept as it was until snijpuntd is restarted: listen$"

# --- the audit log: one config_change per applied reload ---------------------------
gov_export a
n=$(gov_entries a config_change | jq -s length)
[ "$n" = 2 ] || fail "a recorded $n config_change entries, want 2: $(gov_entries a config_change)"
"$SP" audit verify "$T/a.jsonl" --cert "$CERTS/a.crt" --ca "$CA/ca.crt" >/dev/null 2>&1 ||
    fail "a's audit log does not verify"

# --- a peer's new endpoint: b follows a to its new listen after SIGHUP ----------------
fed_stop a
fed_start a # now listening on $port
bconf=$T/b/snijpuntd.conf
grep -q "^endpoint = tcp://127.0.0.1:${PORTS[a]}$" "$bconf" || fail "b's endpoint of a not found"
sed -i "s|^endpoint = tcp://127.0.0.1:${PORTS[a]}$|endpoint = tcp://127.0.0.1:$port|" "$bconf"
gov_hup b "configuration $bconf reloaded; in force now: .*peer a \\(new endpoint\\)"
fed_wait_links b a
fed_wait_links a b
gov_proposal "$T/p6.prop" coord --participant a --participant b --mode threshold
round_done "$T/p6.prop" a b

# --- where the sockets ran, and that no network process died ------------------------
for n in a b; do
    runs=$(grep -c "runs the peer sockets (privilege separation)" "$T/$n/d.log" || true)
    if [ "$np" = yes ]; then
        want=1
        [ "$n" = a ] && want=2 # a was restarted once
        [ "$runs" = "$want" ] || fail "$n: $runs network processes started, want $want"
    else
        [ "$runs" = 0 ] || fail "$n: a network process ran with net_process = no"
    fi
    if grep -q "the network process .*starting it again" "$T/$n/d.log"; then
        fail "$n: a network process died: $(grep "network process" "$T/$n/d.log")"
    fi
done

for n in a b; do fed_stop "$n"; done
echo "ok: SIGHUP applies policy, refuses an invalid file, names listen as restart-only," \
    "follows a peer's new endpoint (net_process = $np)"
