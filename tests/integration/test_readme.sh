#!/usr/bin/env bash
# Issue 12: the README's commands run as written. Every command of the
# README's operator blocks (agency operator, coordinator, auditor) is taken
# from README.md itself and run, in one shell, with the built snijpunt and
# snijpuntd first on PATH, against a federation of three nodes on loopback:
# politie-mn made by the README's own `snijpunt init`, gemeente-utrecht and
# riec-mn and the federation CA made here as docs/governance.md says, data
# from snijpunt-gen. Three substitutions only: /srv/snijpunt is a temporary
# directory, tcp://0.0.0.0:PORT is 127.0.0.1 on a free port (loopback only,
# and no clash with another run), and ID is the round's id. Commands that
# need the round run after the proposal that makes it (README order
# otherwise). What the README leaves to other documents happens between the
# lines: the node's certificate and peers after init, starting snijpuntd
# after --check ("then run it"), the other nodes' audit exports and
# certificates before the auditor's lines.
# Not run, each with its reason printed: the first block (tools/demo runs
# in test_demo.sh; tools/test installs packages and runs the whole suite,
# which includes this test) and "Building by hand" (the build and test commands this suite is
# run by). A block the test does not know fails it: a new README block
# needs a decision here.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-readme.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools
SRC=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
README=$SRC/README.md
[ -x "$B/snijpunt-gen" ] || fail "snijpunt-gen not built in $B"
export PATH="$B:$PATH"
unset SNIJPUNT_CONFIG SNIJPUNT_SOCKET

# --- the README's blocks: label (last heading or bold line before) and commands
mkdir -p "$T/blocks"
awk -v dir="$T/blocks" '
    /^```sh$/ { inb = 1; n++; print label > (dir "/" n ".label"); printf "" > (dir "/" n ".cmds"); next }
    /^```/ && inb { inb = 0; next }
    inb {
        line = $0
        buf = cont ? buf " " line : line
        if (line ~ /\\$/) { sub(/ *\\$/, "", buf); cont = 1; next }
        cont = 0
        if (buf !~ /^[ \t]*(#.*)?$/) print buf > (dir "/" n ".cmds")
        next
    }
    /^(#|\*\*)/ { label = $0 }' "$README"
nblocks=$(find "$T/blocks" -name '*.label' | wc -l)
[ "$nblocks" -ge 3 ] || fail "README.md: only $nblocks command blocks found"
AGENCY= COORD= CASEQ= AUDITOR=
for ((i = 1; i <= nblocks; i++)); do
    label=$(cat "$T/blocks/$i.label")
    case $label in
    '**Agency operator**'*) AGENCY=$T/blocks/$i.cmds ;;
    '**Coordinator**'*) COORD=$T/blocks/$i.cmds ;;
    '**Case question**'*) CASEQ=$T/blocks/$i.cmds ;;
    '**Auditor**'*) AUDITOR=$T/blocks/$i.cmds ;;
    '# snijpunt')
        echo "skipped (README block 1): $(tr '\n' ';' <"$T/blocks/$i.cmds")" \
            "-- tools/demo is run by integration_demo (test_demo.sh, at 1,000 persons); tools/test" \
            "installs packages and runs the whole suite, this test included; CI runs it (.ci/run)" ;;
    '## Building by hand')
        echo "skipped (README \"Building by hand\"): the build and test commands this suite itself is" \
            "built and run with (tools/test); the package build is tests/packaging/deb.sh" ;;
    *) fail "README.md has a command block this test does not know (after '$label'): run it here or say why not" ;;
    esac
done
[ -n "$AGENCY" ] && [ -n "$COORD" ] && [ -n "$CASEQ" ] && [ -n "$AUDITOR" ] ||
    fail "README.md: the agency, coordinator, case question or auditor block is missing"

# --- the federation around the README's node ---------------------------------------
W=$T/work # where the operator types the commands
SRV=$T/srv/snijpunt
CA=$T/ca
DATA=$T/data
mkdir -p "$W" "$T/srv"
ln -s "$SRC/examples" "$W/examples"
snijpunt-gen --out "$DATA" --persons 2000 --quiet || fail "snijpunt-gen"
cp "$DATA/politie-mn/personen.csv" "$W/personen.csv"
snijpunt ca init --dir "$CA" --org "Federatie RIEC-LIEC" --oin 00000001111222333000 >/dev/null ||
    fail "ca init"
snijpunt ca crl --dir "$CA" --out "$T/crl.pem" --days 1 >/dev/null || fail "ca crl"
cp "$CA/ca.crt" "$W/ca.crt"
(cd "$W" && snijpunt ca issue --dir "$CA" --role coordinator --name "J. de Vries" \
    --org "RIEC Midden-Nederland" --oin 00000001333333330000 --key-out coord.key \
    --out coord.crt >/dev/null) || fail "coordinator certificate"
declare -A OIN=([gemeente-utrecht]=00000001111111110000 [politie-mn]=00000001222222220000
    [riec-mn]=00000001333333330000)
declare -A DIRS=([politie-mn]=$SRV)
NODES="gemeente-utrecht politie-mn riec-mn"

# membership NODE: the node's certificate, the CA, the CRL and its peers
membership() {
    local n=$1 d=${DIRS[$1]} o
    mkdir -p -m 700 "$d/pki/peers"
    cp "$CA/ca.crt" "$T/crl.pem" "$d/pki/"
    snijpunt ca issue --dir "$CA" --role node --name "$n" --org "Organisatie $n" \
        --oin "${OIN[$n]}" --identity-public "$d/identity.pub" --out "$d/pki/$n.crt" \
        >/dev/null || fail "certificate of $n"
    printf 'ca_cert = %s\ncrl = %s\nnode_cert = %s\ncert_dir = %s\n' "$d/pki/ca.crt" \
        "$d/pki/crl.pem" "$d/pki/$n.crt" "$d/pki/peers" >>"$d/snijpuntd.conf"
    # case questions as the README's case block says: the RIEC asks, the others answer
    if [ "$n" = riec-mn ]; then
        printf 'case_ask = yes\ncase_filter_check = 1\n' >>"$d/snijpuntd.conf"
    else
        printf 'case_key_types = bsn, name_dob\ncase_askers = riec-mn\n' >>"$d/snijpuntd.conf"
    fi
}
peers() { # NODE: [peer] sections and certificates of the other two
    local n=$1 o
    for o in $NODES; do
        [ "$o" = "$n" ] && continue
        printf '\n[peer %s]\nendpoint = tcp://127.0.0.1:%s\npublic_key = %s\n' "$o" \
            "${PORTS[$o]}" "${PUBS[$o]}" >>"${DIRS[$n]}/snijpuntd.conf"
        cp "${DIRS[$o]}/pki/$o.crt" "${DIRS[$n]}/pki/peers/"
    done
}
start_node() { # NODE (not the README's)
    "$SPD" --config "${DIRS[$1]}/snijpuntd.conf" >>"$T/$1.log" 2>&1 &
    PIDS[$1]=$!
    snijpunt status --config "${DIRS[$1]}/snijpuntd.conf" --wait-ready=20 >/dev/null ||
        fail "$1 did not come up: $(tail -n 20 "$T/$1.log")"
}
load_node() { # NODE DATASET
    snijpunt load --config "${DIRS[$1]}/snijpuntd.conf" --dataset "$2" \
        --mapping "$SRC/examples/nl-synth/$1/$2.map" "$DATA/$1/$2.csv" >/dev/null 2>&1 ||
        fail "load $2 at $1"
}

# After the README's `snijpunt init`: politie-mn joins the federation, and
# the two other nodes are made, configured, started and loaded.
after_init() {
    local n
    PUBS[politie-mn]=$(head -n 1 "$T/out")
    [[ ${PUBS[politie-mn]} == snijpunt-public-v1:* ]] || fail "init printed $(cat "$T/out")"
    membership politie-mn
    for n in gemeente-utrecht riec-mn; do
        PORTS[$n]=$(pick_port)
        DIRS[$n]=$T/nodes/$n
        PUBS[$n]=$(snijpunt init --dir "${DIRS[$n]}" --node "$n" \
            --listen "tcp://127.0.0.1:${PORTS[$n]}" 2>/dev/null) || fail "init $n"
        membership "$n"
    done
    for n in $NODES; do peers "$n"; done
    for n in gemeente-utrecht riec-mn; do start_node "$n"; done
    load_node gemeente-utrecht personen
    load_node riec-mn kvk-inschrijvingen
    load_node riec-mn kvk-functionarissen
}
after_check() { # "validate, then run it"
    snijpuntd --config "$SRV/snijpuntd.conf" >>"$T/politie-mn.log" 2>&1 &
    PIDS[politie-mn]=$!
    snijpunt status --wait-ready=20 >/dev/null || fail "politie-mn did not come up"
}
before_audit() { # exports of all three, their certificates
    local n f=(a b c) i=0
    mkdir -p "$W/pki"
    for n in $NODES; do
        snijpunt audit export --config "${DIRS[$n]}/snijpuntd.conf" --out "$W/${f[$i]}.jsonl" \
            2>/dev/null || fail "audit export at $n"
        cp "${DIRS[$n]}/pki/$n.crt" "$W/pki/"
        i=$((i + 1))
    done
    cp "$SRV/pki/politie-mn.crt" "$W/node.crt"
}

# The case list of the README's case block (in the operator's directory),
# and the partners' epochs ready and their filters at the RIEC's node.
before_case() {
    local ids
    ids=$(awk -F, 'NR == FNR { if ($1 == "politie-mn" && $2 == "personen") pol[$4] = 1; next }
        $1 == "gemeente-utrecht" && $2 == "personen" && ($4 in pol) { print $3 }' \
        "$DATA/truth.csv" "$DATA/truth.csv" | head -n 3 | paste -sd '|')
    [ -n "$ids" ] || fail "no person of gemeente-utrecht that politie-mn holds"
    sed 's/^keys *=.*/keys = bsn, name_dob/' "$SRC/examples/nl-synth/gemeente-utrecht/personen.map" \
        >"$W/subjects.map"
    awk -F, -v ids="$ids" 'NR == 1 { print; for (i = 1; i <= NF; i++) if ($i == "bsn") b = i; next }
        $1 ~ "^(" ids ")$" { if (++n == 3) $b = ""; print }' OFS=, \
        "$DATA/gemeente-utrecht/personen.csv" >"$W/subjects.csv"
    [ "$(wc -l <"$W/subjects.csv")" = 4 ] || fail "subjects.csv: $(cat "$W/subjects.csv")"
    local n ok
    for _ in $(seq 300); do
        ok=1
        for n in gemeente-utrecht politie-mn; do
            snijpunt case status --config "${DIRS[$n]}/snijpuntd.conf" --json 2>/dev/null |
                jq -e '.own.ready' >/dev/null || ok=0
        done
        snijpunt case status --config "${DIRS[riec-mn]}/snijpuntd.conf" --json 2>/dev/null |
            jq -e '[.filters[] | select(.state == "current")] | length == 2' >/dev/null || ok=0
        [ $ok = 1 ] && return 0
        sleep 0.1
    done
    fail "the partners' case epochs or filters did not get ready"
}
after_case() { # what the case block left: answers about the three subjects
    [ "$(head -n 1 "$W/answers.csv")" = "subject_ref,entity,partner,key_types,class" ] ||
        fail "answers.csv: $(head -n 2 "$W/answers.csv")"
    grep -q ',person,politie-mn,' "$W/answers.csv" ||
        fail "politie-mn knows none of the three subjects: $(cat "$W/answers.csv")"
}

PORTS[politie-mn]=$(pick_port)
ROUND=
RAN=0
: >"$T/transcript"
run() { # LINE: one README command as written (but for the substitutions)
    local line=$1 cmd
    cmd=${line//\/srv\/snijpunt/$SRV}
    cmd=$(sed -E "s|tcp://0\.0\.0\.0:[0-9]+|tcp://127.0.0.1:${PORTS[politie-mn]}|g" <<<"$cmd")
    if grep -qw ID <<<"$cmd"; then
        [ -n "$ROUND" ] || fail "no round yet for: $line"
        cmd=$(sed -E "s/\bID\b/$ROUND/g" <<<"$cmd")
    fi
    echo "\$ $line" >>"$T/transcript"
    # shellcheck disable=SC2294 # the README's line, with its redirections
    if ! (cd "$W" && eval "$cmd") >"$T/out" 2>"$T/err"; then
        fail "README command failed: $line
  ran as: $cmd
  $(head -c 2000 "$T/err")"
    fi
    # export lines set the shell's environment for the lines after them
    [[ $cmd == export\ * ]] && eval "$cmd"
    RAN=$((RAN + 1))
    case $cmd in
    snijpunt\ init\ *) after_init ;;
    snijpuntd\ *--check*) after_check ;;
    snijpunt\ proposal\ submit\ *)
        ROUND=$(head -n 1 "$T/out")
        [[ $ROUND =~ ^[0-9a-f]{32}$ ]] || fail "proposal submit printed '$ROUND'"
        ;;
    snijpunt\ case\ ask\ *)
        ROUND=$(grep -o -m 1 -E '[0-9a-f]{32}' "$T/out") || fail "case ask printed $(cat "$T/out")"
        ;;
    esac
}
run_block() { # FILE ID|NOID|ALL
    local line
    while IFS= read -r line; do
        case $2 in
        ID) grep -qw ID <<<"$line" || continue ;;
        NOID) grep -qw ID <<<"$line" && continue ;;
        esac
        run "$line"
    done <"$1"
}

run_block "$AGENCY" NOID
run_block "$COORD" NOID
run_block "$AGENCY" ID
run_block "$COORD" ID
# The case block runs on the RIEC's node ("on the RIEC's node"), with a case
# list the README leaves to the reader: three of gemeente-utrecht's persons
# that politie-mn also holds (by the generator's truth), one without a BSN,
# read with gemeente-utrecht's mapping restricted to bsn and name_dob.
before_case
SAVED_ROUND=$ROUND
SAVED_CONFIG=${SNIJPUNT_CONFIG:-}
export SNIJPUNT_CONFIG=${DIRS[riec-mn]}/snijpuntd.conf
run_block "$CASEQ" NOID
run_block "$CASEQ" ID
export SNIJPUNT_CONFIG=$SAVED_CONFIG
after_case
ROUND=$SAVED_ROUND
before_audit
run_block "$AUDITOR" ALL
want=$(cat "$AGENCY" "$COORD" "$CASEQ" "$AUDITOR" | wc -l)
[ "$RAN" = "$want" ] || fail "ran $RAN of the README's $want operator commands"

# what the commands left behind
[ "$(snijpunt round status "$ROUND" --json | jq -r .state)" = done ] || fail "the round is not done"
[ "$(head -n 1 "$W/results.csv")" = "dataset,record_id,entity,partner,key_types,class" ] ||
    fail "results.csv: $(head -n 2 "$W/results.csv")"
[ "$(wc -l <"$W/results.csv")" -gt 1 ] || fail "results.csv has no rows"
[ -s "$W/matched.csv" ] && [ -s "$W/report.html" ] && [ -s "$W/case.prop" ] ||
    fail "matched.csv, report.html or case.prop missing"
[ -f "$SRV/state/backup/2026-12-07.mdb" ] || fail "the backup is not in the backup directory"
for n in politie-mn gemeente-utrecht riec-mn; do
    p=${PIDS[$n]}
    kill -TERM "$p"
    wait "$p" || fail "$n exited with status $? after SIGTERM"
    PIDS[$n]=
    # in a sanitizer build a leak or error report lands in the log
    if grep -q Sanitizer "$T/$n.log"; then fail "$n: sanitizer report"; fi
done
sed 's/^/ran: /' "$T/transcript"
echo "ok: all $RAN operator commands of README.md ran as written"
