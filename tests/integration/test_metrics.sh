#!/usr/bin/env bash
# Issue 12, metrics for node_exporter's textfile collector: three nodes
# write metrics_file every second; `promtool check metrics` passes on each
# node's file before, during and after a round, and the values say what
# happened: rounds by state, values sent and blinded, round durations, peers
# up, dataset versions and sizes, the audit log, the store. The file is 0644
# and is replaced whole (never a half-written file: a rename).
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-metrics.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools
command -v promtool >/dev/null || {
    echo "SKIP: promtool is missing (Debian package prometheus; bash tools/install-deps)"
    exit 77
}

fed_init a b c -- "round_deadline = 120" "batch_size = 8"
for n in a b c; do
    mkdir -p -m 755 "$T/$n/metrics"
    sed -i "0,/^\[peer /s|^\[peer |metrics_file = $T/$n/metrics/snijpunt.prom\nmetrics_interval = 1\n[peer |" \
        "$T/$n/snijpuntd.conf"
done
bsn_mapping "$T/p.map"
mkcsv "$T/a.csv" a 0 6000
mkcsv "$T/b.csv" b 3000 6000
mkcsv "$T/c.csv" c 4500 6000

check() { # NODE LABEL: promtool passes on the node's file now
    local f=$T/$1/metrics/snijpunt.prom
    [ -s "$f" ] || fail "$1 ($2): no metrics file"
    cp "$f" "$T/$1-$2.prom"
    promtool check metrics <"$T/$1-$2.prom" >"$T/promtool.out" 2>&1 ||
        fail "$1 ($2): promtool check metrics: $(cat "$T/promtool.out")"
}
metric() { # FILE NAME{LABELS}: its value
    awk -v m="$2" '$1 == m { print $2 }' "$1"
}

for n in a b c; do
    fed_start "$n"
    sleep 1.2
    check "$n" start
    [ "$(stat -c %a "$T/$n/metrics/snijpunt.prom")" = 644 ] || fail "$n: metrics file not 0644"
    sp "$n" load --dataset personen --mapping "$T/p.map" "$T/$n.csv" >/dev/null || fail "load at $n"
done
for n in a b c; do fed_wait_links "$n"; done

id=$(sp a round start --participants a,b,c --keys bsn --min-holders 2 --mode partners \
    --counter b --case TEST-M --purpose "metrics test" --deadline 120) || fail "round start"
during=0
for _ in $(seq 300); do
    f=$T/a/metrics/snijpunt.prom
    if [ "$(metric "$f" snijpunt_rounds_active)" = 1 ]; then
        check a during
        during=1
        break
    fi
    sleep 0.1
done
[ "$during" = 1 ] || fail "no metrics file of a showed the round running"
for n in a b c; do
    s=$(round_wait "$n" "$id" 120)
    [ "$s" = done ] || fail "round at $n ended '$s'"
done
sleep 1.5
for n in a b c; do
    check "$n" after
    f=$T/$n-after.prom
    [ "$(metric "$f" 'snijpunt_rounds{state="done"}')" = 1 ] || fail "$n: rounds done: $(grep rounds "$f")"
    [ "$(metric "$f" snijpunt_rounds_active)" = 0 ] || fail "$n: rounds active after the round"
    [ "$(metric "$f" snijpunt_round_duration_seconds_count)" = 1 ] || fail "$n: round durations"
    [ "$(metric "$f" snijpunt_round_values_sent_total)" = 6000 ] ||
        fail "$n: values sent $(metric "$f" snijpunt_round_values_sent_total), expected 6000"
    [ "$(metric "$f" snijpunt_round_values_received_total)" -gt 0 ] || fail "$n: values received"
    [ "$(metric "$f" 'snijpunt_dataset_records{dataset="personen"}')" = 6000 ] ||
        fail "$n: dataset records: $(grep dataset_records "$f")"
    [ "$(metric "$f" 'snijpunt_dataset_version{dataset="personen"}')" = 1 ] || fail "$n: version"
    for p in a b c; do
        [ "$p" = "$n" ] && continue
        [ "$(metric "$f" "snijpunt_peer_up{peer=\"$p\"}")" = 1 ] || fail "$n: peer $p not up"
    done
    [ "$(metric "$f" snijpunt_audit_log_entries)" -gt 3 ] || fail "$n: audit log entries"
    [ "$(metric "$f" snijpunt_store_file_bytes)" -gt 0 ] || fail "$n: store size"
    grep -q "^snijpunt_info{node=\"$n\",version=\"" "$f" || fail "$n: snijpunt_info"
    if tail -n +2 "$T/$n.csv" | tr ',' '\n' | grep -qwFf - "$f"; then
        fail "$n: a record id or a BSN of its data in the metrics"
    fi
done
# a peer that goes away shows as down
fed_stop c
sleep 1.5
check a peer-down
[ "$(metric "$T/a-peer-down.prom" 'snijpunt_peer_up{peer="c"}')" = 0 ] || fail "a: c still up"
[ -z "$(find "$T/a/metrics" -name '*.tmp')" ] || fail "a temporary file was left"
echo "ok: promtool passes before, during and after a round; the values agree"
