#!/usr/bin/env bash
# Issue 13: connections from strangers (keys the node does not know) do not
# flood the log. 300 strangers connect at once; the node refuses every one
# at its ZAP handler, logs a few of them with their key's fingerprint, and
# then one line per window with the number it did not log. Its peer link
# stays up meanwhile.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-strangers.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools
INJECT=$B/tests/test_round_inject
[ -x "$INJECT" ] || fail "test_round_inject not built"

fed_init a b
for n in a b; do fed_start "$n"; done
fed_wait_links a b
"$INJECT" strangers "tcp://127.0.0.1:${PORTS[a]}" "${PUBS[a]}" 300 >"$T/strangers.out" ||
    fail "injector: $(cat "$T/strangers.out")"
# the held-back count is logged when its 10 s window has passed
for _ in $(seq 150); do grep -q "more zap: refused connections from strangers were not logged" \
    "$T/a/d.log" && break; sleep 0.1; done
logged=$(grep -c "zap: refused connection from" "$T/a/d.log" || true)
held=$(sed -n 's/.* \([0-9]*\) more zap: refused connections from strangers were not logged.*/\1/p' \
    "$T/a/d.log" | awk '{s += $1} END {print s + 0}')
[ "$logged" -ge 1 ] || fail "no stranger's refusal was logged"
[ "$logged" -le 30 ] || fail "$logged lines for 300 strangers' refusals"
[ $((logged + held)) -ge 290 ] || fail "logged $logged and counted $held refusals of 300"
lines=$(grep -c "incoming connection\|incoming handshake\|incoming peer connection" "$T/a/d.log" || true)
[ "$lines" -le 40 ] || fail "$lines lines about strangers' connections"
fed_wait_links a b
for n in a b; do fed_stop "$n"; done
echo "ok: $logged of $((logged + held)) strangers' refusals logged, the rest counted"
