# Shared helpers of the governance integration tests (issue 5; sourced, not
# run), on top of test_round_lib.sh: a federation CA made with `snijpunt
# ca`, node and coordinator certificates, nodes configured with them, a
# small data set, signed proposals, and reading audit exports.
#
#   gov_init a b c [-- EXTRA_CONFIG_LINES]  nodes with certificates, a CRL
#   gov_coordinator NAME [CA_DIR]            $T/pki/NAME.key and NAME.crt
#   gov_proposal OUT COORD ARGS...           a signed proposal (proposal create)
#   gov_export NODE                          $T/NODE.jsonl (audit export)
#   gov_entries NODE TYPE                    the node's entries of TYPE (JSON lines)
#   gov_load NODE                            loads $T/NODE.csv as dataset personen
#   round_done FILE NODE...                  the proposal's round, started at the
#                                            first NODE, ends done at every NODE
#   gov_hup NODE PATTERN                     SIGHUP, then a log line matching PATTERN
# Expects T set by the caller.

. "$(dirname "${BASH_SOURCE[0]}")/test_round_lib.sh"

OIN_FED=00000001111222333000
OIN_ORG=00000003123456780000
CA=$T/pki/ca
CERTS=$T/pki/certs

gov_ca() { # DIR NAME
    "$SP" ca init --dir "$1" --org "Federatie $2" --oin "$OIN_FED" --name "$2" >/dev/null 2>&1 ||
        fail "ca init $1"
}

gov_issue_node() { # NODE [CA_DIR] [IDENTITY_PUB] [OUT]
    local ca=${2:-$CA} pub=${3:-$T/$1/identity.pub} out=${4:-$CERTS/$1.crt}
    "$SP" ca issue --dir "$ca" --role node --name "$1" --org "Organisatie $1" --oin "$OIN_ORG" \
        --identity-public "$pub" --out "$out" --force >/dev/null 2>&1 || fail "ca issue $1"
}

gov_crl() { # [CA_DIR] [OUT]
    "$SP" ca crl --dir "${1:-$CA}" --out "${2:-$T/pki/crl.pem}" --days 1 >/dev/null 2>&1 ||
        fail "ca crl"
}

# gov_init NAME... [-- EXTRA]: nodes that know each other, each with a
# certificate of the CA in $CERTS, the CA certificate and the CRL.
gov_init() {
    local names=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do names+=("$1"); shift; done
    [ "${1:-}" = -- ] && { shift; extra=("$@"); }
    mkdir -p -m 700 "$T/pki" "$CERTS" # keys are written here: whatever the umask
    [ -d "$CA" ] || gov_ca "$CA" "CA"
    gov_crl
    # the engine tests' fed_init allows unsigned rounds and shows every
    # count; here the defaults apply
    fed_init "${names[@]}" -- "allow_unsigned_rounds = no" "counts_suppress_below = 10" \
        "round_deadline = 60" "batch_size = 16" "ca_cert = $CA/ca.crt" \
        "crl = $T/pki/crl.pem" "cert_dir = $CERTS" "${extra[@]}"
    local n
    for n in "${names[@]}"; do
        gov_issue_node "$n"
        gov_set "$n" "node_cert = $CERTS/$n.crt"
    done
}

# The config lines above the first [peer] section are the node's own; a
# line added later lands in the last peer section, so settings go here.
gov_set() { # NODE "key = value"
    sed -i "0,/^\[peer /s|^\[peer |$2\n[peer |" "$T/$1/snijpuntd.conf"
}

gov_coordinator() { # NAME [CA_DIR]
    "$SP" ca issue --dir "${2:-$CA}" --role coordinator --name "$1" --org "RIEC Test" \
        --oin "$OIN_FED" --key-out "$T/pki/$1.key" --out "$T/pki/$1.crt" --force >/dev/null 2>&1 ||
        fail "coordinator $1"
}

# Every --participant gets --oin OIN_ORG (the OIN in every node certificate
# here) unless the caller gives one.
gov_proposal() { # OUT COORD ARGS...
    local out=$1 coord=$2 args=()
    shift 2
    while [ $# -gt 0 ]; do
        args+=("$1")
        if [ "$1" = --participant ] && [ $# -ge 2 ]; then
            args+=("$2")
            shift 2
            [ "${1:-}" = --oin ] || args+=(--oin "$OIN_ORG")
            continue
        fi
        shift
    done
    "$SP" proposal create --key "$T/pki/$coord.key" --cert "$T/pki/$coord.crt" --out "$out" \
        --force --case "TEST-2024/1" --purpose "integratietest" --legal-basis "Art. 20 Wpg" \
        --key-types bsn,name_dob --deadline 60 "${args[@]}" 2>"$out.err" ||
        fail "proposal create: $(cat "$out.err")"
}

gov_export() { # NODE -> $T/NODE.jsonl
    sp "$1" audit export --out "$T/$1.jsonl" --force 2>/dev/null || fail "audit export at $1"
}

gov_entries() { # NODE TYPE: entries of TYPE in the node's export
    jq -c --arg t "$2" 'select(.type == $t)' "$T/$1.jsonl"
}

# gov_has NODE TYPE FILTER [jq args]: whether an entry of TYPE satisfies FILTER
gov_has() {
    local n=$1 t=$2 f=$3
    shift 3
    gov_entries "$n" "$t" | jq -s -e "$@" "any(.[]; $f)" >/dev/null
}

cat_personen_map() {
    cat <<'MAP'
kind         = person
header       = yes
date_format  = jjjj-mm-dd
surname_form = core
keys         = bsn, name_dob
record_id    = id
bsn          = bsn
given_names  = voornamen
surname      = achternaam
birth_date   = geboortedatum
MAP
}

# Small data: p1 everywhere, p2 at the first two nodes, one record each of
# its own. Valid BSNs (11-test).
gov_data() { # NODE...
    local bsns=(908301662 131860914 390996038 432319487 948219932 518190936 757491182 786579754 625276012) i=0 n
    cat_personen_map >"$T/personen.map"
    for n in "$@"; do
        {
            echo "id,bsn,voornamen,achternaam,geboortedatum"
            echo "$n-1,908301662,Jan,Jansen,1980-01-01"
            [ $i -lt 2 ] && echo "$n-2,131860914,Anna,Visser,1975-05-05"
            echo "$n-3,${bsns[$((i + 2))]},Piet$i,Bakker,1960-02-0$((i + 1))"
        } >"$T/$n.csv"
        i=$((i + 1))
    done
}

gov_load() { # NODE
    sp "$1" load --dataset personen --mapping "$T/personen.map" "$T/$1.csv" >/dev/null 2>&1 ||
        fail "load at $1"
}

# round_submit NODE FILE -> round id (or fails)
round_submit() {
    local id
    id=$(sp "$1" round start --proposal "$2" 2>"$T/submit.err") ||
        fail "round start --proposal at $1: $(cat "$T/submit.err")"
    [[ $id =~ ^[0-9a-f]{32}$ ]] || fail "round start printed '$id'"
    echo "$id"
}

# round_done FILE NODE...: submits FILE at the first NODE; the round must end
# done at every NODE. Its id is left in ROUND_ID.
round_done() {
    local prop=$1 s n
    shift
    ROUND_ID=$(round_submit "$1" "$prop")
    for n in "$@"; do
        s=$(round_wait "$n" "$ROUND_ID" 60)
        [ "$s" = done ] || fail "round of $prop at $n: $s: $(sp "$n" round status "$ROUND_ID" 2>&1)"
    done
}

# gov_hup NODE PATTERN: SIGHUP to NODE, then waits for a line matching
# PATTERN (grep -E) among the log lines written after the signal.
gov_hup() {
    local from
    from=$(($(wc -l <"$T/$1/d.log") + 1))
    kill -HUP "${PIDS[$1]}"
    for _ in $(seq 100); do
        tail -n "+$from" "$T/$1/d.log" | grep -qE "$2" && return 0
        sleep 0.1
    done
    fail "$1: no log line '$2' after SIGHUP: $(tail -n "+$from" "$T/$1/d.log")"
}
