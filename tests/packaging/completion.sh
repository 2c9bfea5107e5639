#!/usr/bin/env bash
# bash completion (tools/snijpunt.bash-completion): commands, subcommands,
# options of the command being typed, fixed option values and file names,
# driven as bash does (COMP_WORDS/COMP_CWORD, then the function `complete`
# registered for snijpunt).
set -euo pipefail
src=${SP_SOURCE_DIR:?} build=${SP_BUILD_DIR:?}
# shellcheck source=/dev/null
source "$src/tools/snijpunt.bash-completion"
fn=$(complete -p snijpunt | sed -E 's/.*-F ([^ ]+) .*/\1/')
[ "$fn" = _snijpunt ] || { echo "FAIL: complete -p snijpunt: $(complete -p snijpunt)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# complete WORDS...: the candidates for the last word (may be "").
complete_words() {
    COMP_WORDS=("$build/snijpunt" "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _snijpunt
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # "words" expected-candidates (space separated, sorted)
    local got want
    read -ra w <<<"$1"
    [[ -z $1 || $1 == *" " ]] && w+=("")
    got=$(complete_words "${w[@]}" | tr '\n' ' ' | sed 's/ $//')
    want=$2
    if [ "$got" = "$want" ]; then
        echo "ok: snijpunt $1<TAB> -> $want"
    else
        echo "FAIL: snijpunt $1<TAB>: got '$got', want '$want'"
        fail=1
    fi
}
contains() { # "words" candidate...
    local got c
    read -ra w <<<"$1"
    [[ -z $1 || $1 == *" " ]] && w+=("")
    got=" $(complete_words "${w[@]}" | tr '\n' ' ') "
    shift
    for c in "$@"; do
        [[ $got == *" $c "* ]] || { echo "FAIL: snijpunt ${w[*]}<TAB> lacks $c: $got"; fail=1; }
    done
}

# Every command of snijpunt --help is offered.
commands=$("$build/snijpunt" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
# shellcheck disable=SC2086
contains "" $commands
expect "lo" "load"
expect "load --da" "--dataset"
expect "status --wa" "--wait-ready"
expect "audit " "crosscheck export show verify"
expect "audit verify --pe" "--peer-log"
expect "ca " "crl init issue renew revoke show"
expect "identity " "rotate show"
expect "case " "ask epoch results status"
contains "case results --" --round --csv --json --consume
expect "identity rotate --" "--config --force --identity --json"
expect "ca renew --identity-p" "--identity-public"
expect "round start --mode " "counts partners threshold"
expect "proposal create --mode " "case counts partners threshold"
expect "ca issue --role " "coordinator node"
expect "init --log-level " "debug error info warn"
expect "results --round " ""
contains "load --" --config --dataset --json --mapping --no-check --socket --timeout --today
contains "proposal create --" --case --counter --oin --participant --retention-days
# Every option of every command's --help is offered after "--".
for cmd in $commands; do
    # shellcheck disable=SC2046
    contains "$cmd --" $("$build/snijpunt" "$cmd" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
done
# File names: operands and file options.
touch "$tmp/personen.csv" "$tmp/personen.map"
mkdir "$tmp/state"
expect "check --mapping $tmp/personen.m" "$tmp/personen.map"
expect "check --mapping $tmp/personen.map $tmp/personen.c" "$tmp/personen.csv"
expect "init --dir $tmp/st" "$tmp/state"
exit "$fail"
