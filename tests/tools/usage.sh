#!/usr/bin/env bash
# The command line every subcommand shares (tools/cli_args.c): --help on
# standard output with status 0, usage errors on standard error with status
# 2 (usage printed for an unknown option or a wrong number of operands, one
# line for a bad value), the connection options, --json, subcommand
# dispatch, and status 1 when the daemon cannot be reached. No daemon runs.
. "$(dirname "$0")/lib.sh"

NOSOCK="$TMP/no-daemon.sock"
ID=00112233445566778899aabbccddeeff
export SNIJPUNT_SOCKET="$NOSOCK"

# Every command that takes options: --help prints usage on stdout (nothing
# on stderr, status 0); an unknown option prints getopt's message and usage
# on stderr (nothing on stdout, status 2).
while read -r words; do
    # shellcheck disable=SC2086 # words are split on purpose
    run 0 $words --help
    has "$OUT" "usage: snijpunt ${words%% *}"
    [ ! -s "$ERR" ] || fail "snijpunt $words --help wrote to stderr"
    # shellcheck disable=SC2086
    run 2 $words --no-such-option
    has "$ERR" "unrecognized option '--no-such-option'"
    has "$ERR" "usage: snijpunt ${words%% *}"
    [ ! -s "$OUT" ] || fail "snijpunt $words --no-such-option wrote to stdout"
done <<'EOF'
init
load
datasets
status
counts
report
results
round start
round status
round list
round cancel
proposal create
proposal show
proposal submit
ca init
ca issue
audit verify
audit show
audit export
EOF

# A bad value: one line naming the option, no usage, status 2.
run 2 datasets --timeout 0
has "$ERR" "snijpunt datasets: --timeout must be 1 to 86400 seconds"
hasnt "$ERR" "usage:"
run 2 round status --timeout abc
has "$ERR" "snijpunt round status: --timeout must be 1 to 86400 seconds"
run 2 status --wait-ready=-1
has "$ERR" "snijpunt status: --wait-ready takes 0 to 86400 seconds"
hasnt "$ERR" "usage:"
run 2 results --round "$ID" --page-size 0
has "$ERR" "snijpunt results: --page-size takes 1 to 10000"
run 2 load --today 2025-02-30 --dataset d --mapping m f.csv
has "$ERR" "snijpunt load: --today needs a date as YYYY-MM-DD"
hasnt "$ERR" "usage:"
run 2 round start --min-holders 99
has "$ERR" "snijpunt round start: --min-holders takes a whole number from 1 to 32, not '99'"
hasnt "$ERR" "usage:"
run 2 proposal create --mode sideways
has "$ERR" "snijpunt proposal create: --mode must be counts, threshold, partners or case"
hasnt "$ERR" "usage:"
# counts treats a --round that is not a round id as a usage error.
run 2 counts --round xyz
has "$ERR" "usage: snijpunt counts"

# Operands: a wrong number is a usage error.
run 2 datasets extra
has "$ERR" "usage: snijpunt datasets"
run 2 proposal submit
has "$ERR" "usage: snijpunt proposal"
run 2 proposal show a.prop b.prop
has "$ERR" "usage: snijpunt proposal"
run 2 proposal show --crl c.pem a.prop
has "$ERR" "usage: snijpunt proposal"
run 2 load --dataset d --mapping m a.csv b.csv
has "$ERR" "snijpunt load: --dataset, --mapping and one INPUT.csv are required"
run 2 results --round "$ID" extra
has "$ERR" "snijpunt results: --round ID is required"
run 2 round list extra
has "$ERR" "snijpunt round list: bad arguments"
run 2 round start --proposal p.prop --case X
has "$ERR" "--proposal carries the whole round"

# ca, audit and proposal create check the whole line before --help.
run 2 ca init --help --days 0
has "$ERR" "snijpunt ca: --days must be 1..36500"
has "$ERR" "usage: snijpunt ca"
run 0 ca init --days 5 --help
has "$OUT" "usage: snijpunt ca"
run 2 audit show --at never --help
has "$ERR" "snijpunt audit: --at: not a time"
run 2 proposal create --help --no-such-option
has "$ERR" "usage: snijpunt proposal"
has "$OUT" "usage: snijpunt proposal"

# Subcommands: none, unknown, help.
for cmd in round proposal ca audit; do
    run 2 "$cmd"
    has "$ERR" "usage: snijpunt $cmd"
    run 2 "$cmd" bogus
    has "$ERR" "snijpunt $cmd: unknown subcommand 'bogus'"
    for help in -h --help; do
        run 0 "$cmd" "$help"
        has "$OUT" "usage: snijpunt $cmd"
    done
done
run 0 round help
has "$OUT" "usage: snijpunt round"
run 2 ca bogus --days 0
has "$ERR" "--days must be 1..36500"

# Well-formed lines reach the daemon: status 1 when it is not there, with
# the socket from --socket, $SNIJPUNT_SOCKET or --config.
run 1 datasets --json
has "$ERR" "snijpunt datasets: cannot reach snijpuntd at $NOSOCK"
run 1 status --json --socket "$TMP/other.sock" --timeout 1
has "$ERR" "cannot reach snijpuntd at $TMP/other.sock"
printf 'node = n\ncontrol_socket = %s\n[peer x]\n' "$TMP/cfg.sock" >"$TMP/node.conf"
run 1 counts --round "$ID" --json --config "$TMP/node.conf"
has "$ERR" "snijpunt counts: cannot reach snijpuntd at $TMP/cfg.sock"
run 1 report --round "$ID" --out "$TMP/r.html" --config "$TMP/node.conf"
has "$ERR" "snijpunt report: cannot reach snijpuntd at $TMP/cfg.sock"
[ ! -e "$TMP/r.html" ] || fail "report wrote a page without a daemon"
run 2 report --round xyz --out "$TMP/r.html"
has "$ERR" "snijpunt report: --round takes a round id of 32 hex digits, not 'xyz'"
run 2 report --round "$ID" --out "$TMP/r.html" --ca "$TMP/ca.crt"
has "$ERR" "snijpunt report: --ca needs --proposal, and --crl needs --ca"
run 2 report --round "$ID"
has "$ERR" "snijpunt report: --round ID and --out FILE are required"
run 1 results --round "$ID" --json --output "$TMP/r.csv" --page-size 7
has "$ERR" "snijpunt results: cannot reach"
run 1 round list --json
has "$ERR" "snijpunt round list: cannot reach"
run 1 round status --wait "$ID"
has "$ERR" "snijpunt round status: cannot reach"
run 1 round start --participants a,b --counter a --case C --purpose P --wait --json
has "$ERR" "snijpunt round start: cannot reach"
run 1 audit export --force --out "$TMP/a.jsonl"
has "$ERR" "snijpunt audit export: cannot reach"
run 1 status --wait-ready=0
has "$ERR" "snijpunt status: cannot reach"

finish
