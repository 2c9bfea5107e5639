#!/usr/bin/env bash
# Case questions (issue 10) with real daemons on loopback, driven through
# `snijpunt case` as a RIEC analyst would. Three nodes with certificates:
# riec asks, pol and gem answer. The data's truth is known:
#   S1 a BSN both partners hold (person at pol and gem),
#   S2 only an address (postcode + house number) pol holds for a person of
#      its own: reported as an address, never as a person,
#   S3 a KvK number gem holds (a company),
#   S4 a BSN nobody holds (known to no partner).
# Checked: `case results --csv` row for row; tell_holders: the partner's
# `snijpunt results` lists exactly its matching records; refusals with their
# reason in the asker's results and in the audit logs (a list larger than
# the partner's case_max_values, an expired proposal, a node not in
# case_askers, more questions than case_questions_per_epoch); a value added
# to a partner's dataset is found once the asker holds the new filter
# version, and a removed one no longer.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-case.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools

BSN_A=908301662 BSN_B=131860914 BSN_C=390996038 BSN_D=432319487
BSN_E=948219932 BSN_F=518190936 BSN_G=757491182 BSN_H=786579754
KVK=12345678

# ---- the federation -------------------------------------------------------
gov_init riec pol gem
gov_coordinator coord
for n in pol gem; do
    gov_set "$n" "case_key_types = bsn, kvk, address"
    gov_set "$n" "case_askers = riec"
    gov_set "$n" "case_tell_holders = yes"
done
gov_set gem "case_max_values = 5"
gov_set pol "case_questions_per_epoch = 5"
gov_set riec "case_ask = yes"
gov_set riec "case_filter_check = 1"
gov_set gem "case_ask = yes" # asks once, of partners that do not let it
gov_set gem "case_filter_check = 1"

cat >"$T/personen.map" <<'MAP'
kind         = person
header       = yes
date_format  = jjjj-mm-dd
surname_form = core
keys         = bsn, name_dob, address
record_id    = id
bsn          = bsn
given_names  = voornamen
surname      = achternaam
birth_date   = geboortedatum
postcode     = postcode
house_number = huisnummer
MAP
cat >"$T/bedrijven.map" <<'MAP'
kind       = company
header     = yes
keys       = kvk
record_id  = id
kvk        = kvk
trade_name = naam
MAP
{
    echo "id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer"
    echo "pol-1,$BSN_A,Jan,Jansen,1980-01-01,,"
    echo "pol-2,$BSN_B,Anna,Visser,1975-05-05,3511AB,12"
    echo "pol-3,$BSN_C,Piet,Bakker,1960-02-01,,"
} >"$T/pol.csv"
{
    echo "id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer"
    echo "gem-1,$BSN_A,Jan,Jansen,1980-01-01,,"
    echo "gem-2,$BSN_E,Kees,Smit,1990-03-03,,"
} >"$T/gem.csv"
{
    echo "id,kvk,naam"
    echo "gem-b1,$KVK,Bakker Holding BV"
} >"$T/gem-bedrijven.csv"

for n in riec pol gem; do fed_start "$n"; done
for n in riec pol gem; do fed_wait_links "$n"; done
sp pol load --dataset personen --mapping "$T/personen.map" "$T/pol.csv" >/dev/null 2>&1 ||
    fail "load at pol"
sp gem load --dataset personen --mapping "$T/personen.map" "$T/gem.csv" >/dev/null 2>&1 ||
    fail "load at gem"
sp gem load --dataset bedrijven --mapping "$T/bedrijven.map" "$T/gem-bedrijven.csv" \
    >/dev/null 2>&1 || fail "load of bedrijven at gem"

# wait_filters ASKER PEER VERSION: until ASKER holds PEER's filter at
# VERSION or later (and PEER's own epoch is ready at it).
wait_filters() {
    local st
    for _ in $(seq 200); do
        st=$(sp "$1" case status --json) || fail "case status at $1"
        jq -e --arg p "$2" --argjson v "$3" '.filters[] | select(.peer == $p)
            | .state == "current" and .version >= $v' <<<"$st" >/dev/null && return 0
        sleep 0.1
    done
    fail "$1 does not hold $2's filter at version $3: $st; $2: $(sp "$2" case status --json)"
}
# own_version NODE: the node's own filter version once its epoch is ready.
own_version() {
    local st
    for _ in $(seq 200); do
        st=$(sp "$1" case status --json) || fail "case status at $1"
        jq -e '.own.epoch > 0 and .own.ready' <<<"$st" >/dev/null &&
            { jq -r .own.version <<<"$st"; return 0; }
        sleep 0.1
    done
    fail "$1's epoch is not ready: $st"
}
for n in pol gem; do wait_filters riec "$n" "$(own_version "$n")"; done
jq -e '.own.epoch > 0 and .own.values.bsn == 3 and .own.values.address == 1' \
    <<<"$(sp pol case status --json)" >/dev/null || fail "pol's own values: $(sp pol case status --json)"

# ---- the case list and its proposals --------------------------------------
cat >"$T/case.map" <<'MAP'
kind         = person
header       = yes
keys         = bsn, kvk, address
record_id    = ref
bsn          = bsn
kvk          = kvk
postcode     = postcode
house_number = huisnummer
MAP
{
    echo "ref,bsn,kvk,postcode,huisnummer"
    echo "S1,$BSN_A,,,"
    echo "S2,,,3511AB,12"
    echo "S3,,$KVK,,"
    echo "S4,$BSN_D,,,"
} >"$T/case.csv"
PARTS=(--key-types bsn,kvk,address --participant riec --participant pol --participant gem)
# case_prop OUT ASKER SIZES... [--tell-holders]
case_prop() {
    local out=$1 asker=$2
    shift 2
    gov_proposal "$out" coord "${PARTS[@]}" --mode case --asker "$asker" "$@"
}
# ask NODE PROP CSV: `case ask --wait --csv` at NODE into $T/ask.out
ask() {
    sp "$1" case ask --proposal "$2" --mapping "$T/case.map" --wait --csv "$3" \
        >"$T/ask.out" 2>"$T/ask.err" || fail "case ask at $1: $(cat "$T/ask.err")"
}
round_of() { # NODE: the most recent round's id
    sp "$1" round list --json | jq -r '.[-1].round'
}

# ---- 1. the question ---------------------------------------------------------
case_prop "$T/q1.prop" riec --case-size bsn=2 --case-size kvk=1 --case-size address=1
ID=$(sp riec case ask --proposal "$T/q1.prop" --mapping "$T/case.map" "$T/case.csv" 2>"$T/err") ||
    fail "case ask: $(cat "$T/err")"
[[ $ID =~ ^[0-9a-f]{32}$ ]] || fail "case ask printed '$ID'"
[ "$(round_wait riec "$ID" 30)" = done ] || fail "question 1: $(round_json riec "$ID")"
sp riec case results --round "$ID" --csv >"$T/q1.csv" || fail "case results --csv"
cat >"$T/q1.want" <<EOF
subject_ref,entity,partner,key_types,class
S1,person,pol,bsn,A
S1,person,gem,bsn,A
S2,address,pol,address,A
S3,company,gem,kvk,A
S4,,,,
EOF
diff "$T/q1.want" "$T/q1.csv" || fail "question 1: case results --csv differs (above)"
sp riec case results --round "$ID" >"$T/q1.txt" || fail "case results (text)"
grep -q "^S4 *known to no partner" "$T/q1.txt" || fail "no 'known to no partner': $(cat "$T/q1.txt")"
grep -qE "^S2 +address +pol" "$T/q1.txt" || fail "S2 not an address line: $(cat "$T/q1.txt")"
grep -q "A conclusive, B strong, C a candidate for human review only" "$T/q1.txt" ||
    fail "no class legend"
sp riec case results --round "$ID" --json >"$T/q1.json" || fail "case results --json"
jq -e '.subjects == 4 and .known == 3 and (.rows | length) == 5
    and ([.rows[] | select(.partner == null) | .subject_ref] == ["S4"])
    and ([.partners[] | select(.answered)] | length) == 2' "$T/q1.json" >/dev/null ||
    fail "case results --json: $(cat "$T/q1.json")"
# without tell_holders a partner stores nothing but its audit entry
for n in pol gem; do
    st=$(round_json "$n" "$ID")
    [ "$(jq -r .records_matched <<<"$st")" = 0 ] || fail "$n stored records of question 1: $st"
done
# a partner's `case results` points to `results`
sp pol case results --round "$ID" 2>"$T/err" && fail "case results at a partner succeeded"
grep -q "snijpunt results --round $ID" "$T/err" || fail "partner hint: $(cat "$T/err")"

# ---- 2. tell holders -----------------------------------------------------------
case_prop "$T/q2.prop" riec --case-size bsn=2 --case-size kvk=1 --case-size address=1 \
    --tell-holders
ask riec "$T/q2.prop" "$T/case.csv"
diff <(tail -n +2 "$T/q1.want") <(tail -n +2 "$T/ask.out") || fail "question 2 (--wait --csv)"
ID2=$(round_of riec)
for n in pol gem; do [ "$(round_wait "$n" "$ID2" 30)" = done ] || fail "question 2 at $n"; done
results_of pol "$ID2" >"$T/pol.rows"
printf '%s\n' "personen,pol-1,person,riec,bsn,A" "personen,pol-2,address,riec,address,A" |
    LC_ALL=C sort >"$T/pol.want"
diff "$T/pol.want" "$T/pol.rows" || fail "pol was told other records (above)"
results_of gem "$ID2" >"$T/gem.rows"
printf '%s\n' "bedrijven,gem-b1,company,riec,kvk,A" "personen,gem-1,person,riec,bsn,A" |
    LC_ALL=C sort >"$T/gem.want"
diff "$T/gem.want" "$T/gem.rows" || fail "gem was told other records (above)"

# ---- 3. refusals -----------------------------------------------------------------
# a list larger than gem's case_max_values (5): gem refuses, pol answers
{
    echo "ref,bsn,kvk,postcode,huisnummer"
    i=0
    for b in $BSN_A $BSN_B $BSN_C $BSN_E $BSN_F $BSN_G; do i=$((i + 1)); echo "B$i,$b,,,"; done
} >"$T/big.csv"
case_prop "$T/q3.prop" riec --case-size bsn=6
ask riec "$T/q3.prop" "$T/big.csv"
ID3=$(round_of riec)
grep -q "^B1,person,pol,bsn,A" "$T/ask.out" || fail "question 3: pol's answer: $(cat "$T/ask.out")"
grep -q ",gem," "$T/ask.out" && fail "question 3: gem answered a list over its maximum"
sp riec case results --round "$ID3" --json >"$T/q3.json"
jq -e '.partners[] | select(.name == "gem") | (.answered | not) and (.reason | test("refused"))
    and (.reason | test("case_max_values|most|at most|limit"))' "$T/q3.json" >/dev/null ||
    fail "question 3: gem's refusal: $(cat "$T/q3.json")"
sp riec case results --round "$ID3" | grep -q "gem *did not answer: refused" ||
    fail "question 3: text shows no refusal"

# an expired proposal: refused by the asker before anything is sent
gov_proposal "$T/q4.prop" coord "${PARTS[@]}" --mode case --asker riec --case-size bsn=2 \
    --case-size kvk=1 --case-size address=1 --expires 1
sleep 2
sp riec case ask --proposal "$T/q4.prop" --mapping "$T/case.map" "$T/case.csv" \
    >"$T/out" 2>"$T/err" && fail "an expired proposal was asked"
grep -q "expire" "$T/err" || fail "expired: $(cat "$T/err")"
ID4=$("$SP" proposal show "$T/q4.prop" --json | jq -r .round)

# a node that is not in the partners' case_askers (gem asks pol and riec)
gov_proposal "$T/q5.prop" coord "${PARTS[@]}" --mode case --asker gem --case-size bsn=1
{ echo "ref,bsn,kvk,postcode,huisnummer"; echo "G1,$BSN_B,,,"; } >"$T/g.csv"
sp gem case ask --proposal "$T/q5.prop" --mapping "$T/case.map" --wait --json "$T/g.csv" \
    >"$T/q5.json" 2>"$T/err" || fail "question 5: $(cat "$T/err")"
ID5=$(jq -r .round "$T/q5.json")
jq -e '[.partners[] | select(.answered)] | length == 0' "$T/q5.json" >/dev/null ||
    fail "question 5 was answered: $(cat "$T/q5.json")"
jq -e '.partners[] | select(.name == "pol") | .reason | test("case_askers|not allowed|may not")' \
    "$T/q5.json" >/dev/null || fail "question 5: pol's reason: $(cat "$T/q5.json")"

# ---- 4. a value added to and one removed from pol's dataset -------------------
before=$(own_version pol)
{
    echo "id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer"
    echo "pol-1,$BSN_A,Jan,Jansen,1980-01-01,,"
    echo "pol-2,$BSN_B,Anna,Visser,1975-05-05,3511AB,12"
    echo "pol-4,$BSN_D,Els,Mulder,1985-04-04,,"
} >"$T/pol2.csv" # BSN_C removed, BSN_D (S4) added
sp pol load --dataset personen --mapping "$T/personen.map" "$T/pol2.csv" >/dev/null 2>&1 ||
    fail "second load at pol"
for _ in $(seq 200); do
    after=$(own_version pol)
    [ "$after" -gt "$before" ] && break
    sleep 0.1
done
[ "$after" -gt "$before" ] || fail "pol's filter version stayed $before after a new dataset version"
wait_filters riec pol "$after"
{
    echo "ref,bsn,kvk,postcode,huisnummer"
    echo "S4,$BSN_D,,,"
    echo "S5,$BSN_C,,,"
} >"$T/delta.csv"
case_prop "$T/q6.prop" riec --case-size bsn=2
ask riec "$T/q6.prop" "$T/delta.csv"
printf '%s\n' "subject_ref,entity,partner,key_types,class" "S4,person,pol,bsn,A" "S5,,,," \
    >"$T/q6.want"
diff "$T/q6.want" "$T/ask.out" || fail "after the delta (above)"

# ---- 5. more questions than pol's case_questions_per_epoch (5) ------------------
# pol answered questions 1, 2, 3 and 6 (and refused 5): the next answer is its fifth.
case_prop "$T/q7.prop" riec --case-size bsn=2
ask riec "$T/q7.prop" "$T/delta.csv"
case_prop "$T/q8.prop" riec --case-size bsn=2
ask riec "$T/q8.prop" "$T/delta.csv"
ID8=$(round_of riec)
sp riec case results --round "$ID8" --json >"$T/q8.json"
jq -e '.partners[] | select(.name == "pol") | (.answered | not) and (.reason | test("quota|per epoch|questions"))' \
    "$T/q8.json" >/dev/null || fail "question 8: pol's quota refusal: $(cat "$T/q8.json")"

# ---- the audit logs: every refusal on both sides ----------------------------------
for n in riec pol gem; do gov_export "$n"; done
# refused_at NODE ID PATTERN: a proposal_refused entry of round ID at NODE whose reason matches
refused_at() {
    gov_has "$1" proposal_refused '.fields.round == $r and (.fields.reason | test($p))' \
        --arg r "$2" --arg p "$3" || fail "$1's audit log: no refusal of $2 matching '$3':
$(gov_entries "$1" proposal_refused)"
}
# mentions NODE ID PATTERN: some entry of round ID at NODE has text matching PATTERN
mentions() {
    jq -s -e --arg r "$2" --arg p "$3" 'any(.[]; .fields.round == $r and (tostring | test($p)))' \
        "$T/$1.jsonl" >/dev/null || fail "$1's audit log: nothing of round $2 matches '$3'"
}
refused_at gem "$ID3" "."
mentions riec "$ID3" "gem"
refused_at riec "$ID4" "expire"
refused_at pol "$ID5" "."
mentions gem "$ID5" "pol"
refused_at pol "$ID8" "."
mentions riec "$ID8" "pol"
# ---- a new epoch on request: the asker follows it --------------------------------
sp gem case epoch --rotate --json >"$T/epoch.json" || fail "case epoch --rotate at gem"
jq -e '.own.epoch == 2' "$T/epoch.json" >/dev/null || fail "case epoch --rotate: $(cat "$T/epoch.json")"
own_version gem >/dev/null
for _ in $(seq 200); do
    sp riec case status --json | jq -e '.filters[] | select(.peer == "gem")
        | .epoch == 2 and .state == "current"' >/dev/null && break
    sleep 0.1
done
sp riec case status --json | jq -e '.filters[] | select(.peer == "gem") | .epoch == 2' \
    >/dev/null || fail "riec did not follow gem's new epoch: $(sp riec case status --json)"
# a case question has no coordinator's report: the CLI says where to look
if sp riec report --round "$ID" --out "$T/r.html" 2>"$T/report.err"; then
    fail "snijpunt report made a page of a case question"
fi
grep -q "is a case question: .snijpunt case results --round $ID" "$T/report.err" ||
    fail "report of a case question: $(cat "$T/report.err")"
# ---- the crosscheck: asker and partners agree on every question ----------------
for n in riec pol gem; do gov_export "$n"; done
"$SP" audit crosscheck --ca "$CA/ca.crt" --cert-dir "$CERTS" "$T"/riec.jsonl "$T"/pol.jsonl \
    "$T"/gem.jsonl >"$T/cc.out" 2>&1 || fail "crosscheck: $(cat "$T/cc.out")"
grep -q "^ok: 3 exports agree" "$T/cc.out" || fail "crosscheck: $(cat "$T/cc.out")"
# (what the crosscheck finds when the two sides disagree: test_audit_crosscheck.c)
echo "ok: case questions: answers, tell holders, refusals, deltas, audit, epochs, crosscheck"
