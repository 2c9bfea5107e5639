# Shared helpers of the round integration tests (sourced, not run): a small
# federation of real snijpuntd nodes on loopback in a temporary directory,
# driven through the snijpunt CLI as an operator would.
#
#   fed_init a b c        create nodes (snijpunt init), every node a peer of
#                         every other; free ports on 127.0.0.1
#   fed_start a           start a node and wait until it answers
#   fed_stop a / fed_kill a
#   sp a ARGS...          run the CLI against node a
#   fed_wait_links a [b]  wait until node a is connected to (those of) its peers
#   keys_of, expected_rows, expected_counts: what a round must give, from
#                         build/tests/cleartext-link (the cleartext oracle)
# Expects B (build dir), T (temp dir) set by the caller; defines fail().

B=${SP_BUILD_DIR:?set by ctest}
SP=$B/snijpunt
SPD=$B/snijpuntd
declare -A PIDS PORTS PUBS

fail() {
    echo "FAIL: $*" >&2
    for f in "$T"/*/d.log; do
        [ -f "$f" ] && sed "s|^|  $(basename "$(dirname "$f")"): |" "$f" | tail -n 60 >&2
    done
    exit 1
}

fed_cleanup() {
    set +e # a node that already exited must not stop the cleanup of the others
    for n in "${!PIDS[@]}"; do
        local p=${PIDS[$n]}
        if [ -n "$p" ]; then kill -KILL "$p" 2>/dev/null; fi
    done
    wait 2>/dev/null
    rm -rf "$T"
}

need_tools() {
    [ -x "$SP" ] && [ -x "$SPD" ] || fail "snijpunt/snijpuntd not built in $B"
    command -v jq >/dev/null || { echo "jq is missing (tools/install-deps installs it)"; exit 77; }
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() { # a free port not given to another node of this test
    local p
    for _ in $(seq 50); do
        p=$((10000 + RANDOM % 22000)) # below the ephemeral range (32768 up)
        [[ " ${PORTS[*]} " == *" $p "* ]] && continue
        port_free "$p" && { echo "$p"; return 0; }
    done
    fail "no free port"
}

# fed_init NAME... [-- EXTRA_CONFIG_LINES]: nodes that all know each other.
# These tests drive the engine with unsigned rounds (`round start`) and
# compare counts exactly, so each node allows unsigned rounds and shows
# every cell (the governance tests, test_gov_*.sh, check the defaults).
fed_init() {
    local names=() extra=("allow_unsigned_rounds = yes" "counts_suppress_below = 0")
    while [ $# -gt 0 ] && [ "$1" != -- ]; do names+=("$1"); shift; done
    [ "${1:-}" = -- ] && { shift; extra+=("$@"); }
    local n
    for n in "${names[@]}"; do
        PORTS[$n]=$(pick_port)
        PUBS[$n]=$("$SP" init --dir "$T/$n" --node "$n" --listen "tcp://127.0.0.1:${PORTS[$n]}" \
            --log-level info 2>"$T/init-$n.err") || fail "init $n: $(cat "$T/init-$n.err")"
        local l key
        for l in "${extra[@]}"; do
            key=${l%% =*}
            if grep -q "^$key =" "$T/$n/snijpuntd.conf"; then
                sed -i "s|^$key =.*|$l|" "$T/$n/snijpuntd.conf"
            else
                echo "$l" >>"$T/$n/snijpuntd.conf"
            fi
        done
    done
    for n in "${names[@]}"; do
        for o in "${names[@]}"; do
            [ "$n" = "$o" ] && continue
            fed_add_peer "$n" "$o" "${PORTS[$o]}" "${PUBS[$o]}"
        done
    done
}

fed_add_peer() { # node peer port public_key
    printf '\n[peer %s]\nendpoint = tcp://127.0.0.1:%s\npublic_key = %s\n' "$2" "$3" "$4" \
        >>"$T/$1/snijpuntd.conf"
}

sp() {
    local n=$1
    shift
    "$SP" "$@" --config "$T/$n/snijpuntd.conf"
}

fed_start() {
    local n=$1
    "$SPD" --config "$T/$n/snijpuntd.conf" >>"$T/$n/d.log" 2>&1 &
    PIDS[$n]=$!
    sp "$n" status --wait-ready=20 >/dev/null || fail "node $n did not come up"
}

fed_stop() {
    local n=$1 p=${PIDS[$1]}
    kill -TERM "$p"
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then fail "node $n ignored SIGTERM"; fi
    wait "$p" || fail "node $n exited with status $? after SIGTERM"
    PIDS[$n]=
    # In a sanitizer build a leak or error report lands in the log.
    if grep -q "Sanitizer" "$T/$n/d.log"; then fail "node $n: sanitizer report"; fi
}

fed_kill() {
    local p=${PIDS[$1]}
    kill -KILL "$p"
    wait "$p" 2>/dev/null || true
    PIDS[$1]=
}

# fed_wait_links NODE [PEER...]: waits until NODE reports the peers (default:
# every configured peer) connected.
fed_wait_links() {
    local n=$1 st names
    shift
    names=$(printf '"%s",' "$@")
    for _ in $(seq 100); do
        st=$(sp "$n" status --json) || fail "status of $n"
        [ "$(echo "$st" | jq "[.peers[] | select(([${names%,}] | length) == 0 or
            (.name | IN(${names%,}))) | select(.connected | not)] | length")" = 0 ] && return 0
        sleep 0.1
    done
    fail "node $n: peers not connected: $st"
}

# round_json NODE ID -> the round's status as JSON (`round status` exits 1
# for a failed round; the JSON is what matters here)
round_json() { sp "$1" round status "$2" --json || true; }
# json_state JSON -> the value of its first "state" key: in `round status
# --json` the round's own (the second key, before any text a person chose).
# Read by bash: the polling loops of these tests call it several times a
# second, and a jq start costs about 18 ms of CPU (more than the CLI's call).
json_state() {
    if [[ $1 =~ \"state\":[[:space:]]*\"([a-z_]*)\" ]]; then echo "${BASH_REMATCH[1]}"; fi
}
# round_state NODE ID -> state
round_state() { json_state "$(round_json "$1" "$2")"; }

# Waits until the round has ended on node n (or the time limit): `round
# status --wait` asks the node every 200 ms inside one CLI process (a
# loop of a CLI call and jq every 100 ms was most of the CPU of the tests
# that wait on rounds, under ASan above all); it returns at once while the
# node does not know the round yet, so that case is polled.
round_wait() { # node id seconds
    local s end=$((SECONDS + ${3:-60}))
    while [ $SECONDS -lt $end ]; do
        s=$(json_state "$(timeout $((end - SECONDS)) "$SP" round status "$2" --wait --json \
            --config "$T/$1/snijpuntd.conf" 2>/dev/null)")
        case $s in done | failed | refused) echo "$s"; return 0 ;; esac
        sleep 0.1
    done
    echo timeout
}

# The cleartext oracle (tests/linkage/README.md): what a round over the keys
# in $T/keys/<node>.csv must give, each file a `snijpunt keys` CSV of the
# node's dataset "personen" (keys_of).
LINK=$B/tests/cleartext-link
link_sources() { # -> LINK_SRC: --keys NODE personen FILE for every node
    local f
    [ -x "$LINK" ] || fail "$LINK is not built"
    LINK_SRC=()
    for f in "$T"/keys/*.csv; do LINK_SRC+=(--keys "$(basename "$f" .csv)" personen "$f"); done
}

# expected_rows MODE K NODE: the rows NODE must hold after a round in MODE
# (partners or threshold) with k = K, sorted, in results CSV form (one per
# record, entity and partner), no header.
expected_rows() {
    link_sources
    "$LINK" --node "$3" --mode "$1" --min-holders "$2" "${LINK_SRC[@]}" | tail -n +2 ||
        fail "cleartext-link failed"
}

# expected_counts NODES...: "key_type holders count" lines of the incidence
# histogram, holders joined with '+' in the given participant order, sorted.
expected_counts() {
    link_sources
    "$LINK" --counts - --participants "$(IFS=,; echo "$*")" "${LINK_SRC[@]}" ||
        fail "cleartext-link failed"
}

# results_of NODE ID: the node's result rows (no header), sorted.
results_of() { sp "$1" results --round "$2" | tail -n +2 | LC_ALL=C sort; }

# keys_of NODE CSV MAPPING: the node's keys (`snijpunt keys`: a header, then
# record_id,key_type,class,value) in $T/keys/NODE.csv.
keys_of() {
    mkdir -p "$T/keys"
    "$SP" keys --mapping "$3" "$2" 2>/dev/null >"$T/keys/$1.csv" || fail "snijpunt keys for $1"
}

# bsns FIRST COUNT: COUNT valid BSNs (11-test) in increasing order, skipping
# the FIRST ones: two calls with overlapping ranges share exactly the overlap.
bsns() {
    awk -v first="$1" -v count="$2" 'BEGIN {
        n = 0
        for (x = 10000000; n < first + count; x++) {
            s = 0; y = x
            for (i = 2; i <= 9; i++) { s += (y % 10) * i; y = int(y / 10) }
            c = s % 11; if (c == 10) continue
            if (n >= first) printf "%d%d\n", x, c
            n++
        }
    }'
}

# mkcsv FILE PREFIX FIRST COUNT: an export of those BSNs, ids PREFIX-1...
mkcsv() {
    { echo "id,bsn"; bsns "$3" "$4" | awk -v p="$2" '{ print p "-" NR "," $0 }'; } >"$1"
}

# bsn_mapping FILE: the mapping of mkcsv's exports (one bsn key per record).
bsn_mapping() {
    printf 'kind = person\nheader = yes\nkeys = bsn\nrecord_id = id\nbsn = bsn\n' >"$1"
}
