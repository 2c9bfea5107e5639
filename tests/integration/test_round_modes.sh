#!/usr/bin/env bash
# Three real nodes on loopback run a private matching round in each
# disclosure mode; what each node stores is compared exactly with the
# cleartext linkage of the same keys (computed here from `snijpunt keys`):
#   partners  (k=2 and k=3): per own record and partner, key types and class
#   threshold (k=2): own records held by >= k nodes, partner "*", nothing more
#   counts: no node stores rows; only the initiator holds the histogram,
#           and it equals the cleartext incidence counts
# Also: no raw value in any log; a node's state never holds a value only
# other nodes have; round list/status.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-rounds.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools

fed_init gemeente politie belasting -- "round_deadline = 60" "batch_size = 3" "batch_window = 2"

cat >"$T/personen.map" <<'MAP'
kind         = person
header       = yes
date_format  = jjjj-mm-dd
surname_form = core
keys         = all
record_id    = id
bsn          = bsn
given_names  = voornamen
surname      = achternaam
birth_date   = geboortedatum
postcode     = postcode
house_number = huisnummer
MAP
# Known overlaps: p1 everywhere; p2 gemeente+politie; p4 politie (with BSN)
# and belasting (no BSN: name and date only); p5 politie+belasting; p7
# gemeente and belasting with different BSNs but the same name and date;
# g-1 and g-9 are the same person twice at gemeente.
cat >"$T/gemeente.csv" <<'CSV'
id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer
g-1,908301662,Jan,Jansen,1980-01-01,3511AB,1
g-2,131860914,Anna,Vries,1975-05-05,3512CD,22
g-3,390996038,Piet,Bakker,1960-02-03,3513EF,3
g-7,432319487,Els,Mulder,1991-11-12,3514GH,40
g-9,908301662,Jan,Jansen,1980-01-01,3511AB,1
g-10,,Kees,Smit,1955-06-07,3515JK,9
CSV
cat >"$T/politie.csv" <<'CSV'
id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer
p-1,908301662,Jan,Jansen,1980-01-01,3511AB,1
p-2,131860914,Anna,Vries,1975-05-05,3600XY,8
p-4,948219932,Wim,Dekker,1970-03-04,3700AA,12
p-5,518190936,Sara,Bos,1988-08-08,3800BB,5
p-6,757491182,Tom,Vos,1999-09-09,3900CC,7
CSV
cat >"$T/belasting.csv" <<'CSV'
id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer
b-1,908301662,Jan,Jansen,1980-01-01,3511AB,1
b-4,,Wim,Dekker,1970-03-04,3701ZZ,1
b-5,518190936,Sara,Bos,1988-08-08,3800BB,5
b-6,786579754,Lies,Kok,1966-06-06,3901DD,2
b-7,625276012,Els,Mulder,1991-11-12,3999QQ,99
CSV

for n in gemeente politie belasting; do
    fed_start "$n"
    sp "$n" load --dataset personen --mapping "$T/personen.map" "$T/$n.csv" >/dev/null ||
        fail "load at $n"
    keys_of "$n" "$T/$n.csv" "$T/personen.map"
done
for n in gemeente politie belasting; do fed_wait_links "$n"; done
[ -s "$T/keys/gemeente.csv" ] || fail "no keys derived"

# run MODE K -> round id (started at gemeente, counted at politie)
run() {
    local id s
    id=$(sp gemeente round start --participants gemeente,politie,belasting --keys all \
        --min-holders "$2" --mode "$1" --counter politie --case "TEST-$1-$2" \
        --purpose "integration test" --deadline 60) || fail "round start $1"
    [[ $id =~ ^[0-9a-f]{32}$ ]] || fail "round start printed '$id'"
    for n in gemeente politie belasting; do
        s=$(round_wait "$n" "$id" 60)
        [ "$s" = done ] || fail "mode $1 k=$2: $n ended '$s': $(sp "$n" round status "$id")"
    done
    echo "$id"
}

check_rows() { # mode k id
    local n got want
    for n in gemeente politie belasting; do
        got=$(results_of "$n" "$3") || fail "results at $n"
        want=$(expected_rows "$1" "$2" "$n")
        [ "$got" = "$want" ] || fail "mode $1 k=$2 at $n:
--- stored
$got
--- cleartext linkage
$want"
    done
}

# --- partners ---------------------------------------------------------------
id=$(run partners 2)
check_rows partners 2 "$id"
[ -n "$(results_of gemeente "$id")" ] || fail "partners k=2: no rows at all"
results_of gemeente "$id" | grep -q '^personen,g-1,person,politie,' || fail "g-1 not linked to politie"
results_of gemeente "$id" | grep -q '^personen,g-9,person,politie,' || fail "duplicate g-9 not linked"
st=$(sp gemeente round status "$id" --json)
[ "$(echo "$st" | jq -r .mode)" = partners ] || fail "status: $st"
[ "$(echo "$st" | jq -r '.participants | join(",")')" = gemeente,politie,belasting ] ||
    fail "status participants: $st"
[ "$(echo "$st" | jq .records_matched)" -ge 3 ] || fail "records_matched: $st"
[ "$(echo "$st" | jq -r .case)" = TEST-partners-2 ] || fail "status case: $st"
[ "$(echo "$st" | jq .matched.person)" -eq 4 ] || fail "persons matched at gemeente: $st"

# --- the coordinator's subjects: each person and address counted once -------
# (participants gemeente=1, politie=2, belasting=4; worked out by hand from
# the files above: 9 persons, 12 addresses)
subj=$(sp gemeente counts --round "$id" --json |
    jq -r '.subjects | select(.available) | .cells[] | "\(.entity),\(.holders_mask),\(.count)"')
want_subj="person,1,2
person,2,1
person,3,1
person,4,1
person,5,1
person,6,2
person,7,1
address,1,4
address,2,3
address,4,3
address,6,1
address,7,1"
[ "$subj" = "$want_subj" ] || fail "subject cells:
$subj
--- want
$want_subj"
sp gemeente counts --round "$id" | grep -qE '^  person +4 +4 +1$' ||
    fail "counts text: persons held by 1/2/3: $(sp gemeente counts --round "$id")"
# only the initiator holds the counts; another node says so and fails
if out=$(sp politie counts --round "$id" 2>&1); then fail "counts at a non-initiator succeeded"; fi
grep -q "not initiated by this node" <<<"$out" || fail "counts at politie: $out"

# --- what a node reads: a line per own record, and its own export joined -----
by=$(sp gemeente results --round "$id" --by-record) || fail "results --by-record"
[ "$(head -n 1 <<<"$by")" = \
    dataset,record_id,entity,known_at,class,address_known_at,vehicle_known_at,account_known_at ] ||
    fail "--by-record header: $(head -n 1 <<<"$by")"
grep -qx 'personen,g-1,person,politie+belasting,A,politie+belasting,,' <<<"$by" ||
    fail "--by-record g-1: $by"
grep -qx 'personen,g-7,person,belasting,B,,,' <<<"$by" || fail "--by-record g-7: $by"
! grep -q '^personen,g-3,' <<<"$by" || fail "--by-record lists g-3, which nobody else knows"
joined=$(sp gemeente results --round "$id" --join "$T/gemeente.csv" --mapping "$T/personen.map" \
    2>"$T/join.err") || fail "results --join: $(cat "$T/join.err")"
[ "$(head -n 1 <<<"$joined")" = \
    "id,bsn,voornamen,achternaam,geboortedatum,postcode,huisnummer,entity,known_at,class,address_known_at,vehicle_known_at,account_known_at" ] ||
    fail "--join header: $(head -n 1 <<<"$joined")"
grep -qx 'g-2,131860914,Anna,Vries,1975-05-05,3512CD,22,person,politie,A,,,' <<<"$joined" ||
    fail "--join g-2: $joined"
[ "$(tail -n +2 <<<"$joined" | wc -l)" -eq "$(tail -n +2 <<<"$by" | wc -l)" ] ||
    fail "--join lines differ from --by-record"
grep -q "of 6 records of" "$T/join.err" || fail "--join summary: $(cat "$T/join.err")"
all=$(sp gemeente results --round "$id" --join "$T/gemeente.csv" --mapping "$T/personen.map" --all \
    2>/dev/null) || fail "results --join --all"
[ "$(tail -n +2 <<<"$all" | wc -l)" -eq 6 ] || fail "--join --all: $all"
grep -qx 'g-3,390996038,Piet,Bakker,1960-02-03,3513EF,3,,,,,,' <<<"$all" || fail "--all g-3: $all"
id3=$(run partners 3)
check_rows partners 3 "$id3"

# --- results kept until read once: nothing is read without --consume ---------
id0=$(sp gemeente round start --participants gemeente,politie,belasting --keys bsn \
    --min-holders 2 --mode partners --counter politie --case TEST-once --purpose "integration test" \
    --deadline 60 --retention-days 0) || fail "round start (retention 0)"
for n in gemeente politie belasting; do [ "$(round_wait "$n" "$id0" 60)" = done ] || fail "once: $n"; done
if out=$(sp politie results --round "$id0" 2>&1); then fail "retention 0 read without --consume"; fi
grep -q "run again with --consume" <<<"$out" || fail "retention 0 message: $out"
if sp gemeente counts --round "$id0" >/dev/null 2>&1; then fail "counts of a retention-0 round without --consume"; fi
[ -n "$(sp politie results --round "$id0" --consume | tail -n +2)" ] || fail "--consume read nothing"
if sp politie results --round "$id0" --consume >/dev/null 2>&1; then
    fail "the results of a retention-0 round were still there after --consume"
fi

# --- threshold --------------------------------------------------------------
idt=$(run threshold 2)
check_rows threshold 2 "$idt"
for n in gemeente politie belasting; do
    if results_of "$n" "$idt" | cut -d, -f4 | grep -qv '^\*$'; then
        fail "threshold names a partner at $n"
    fi
done

# --- counts -----------------------------------------------------------------
idc=$(run counts 2)
for n in gemeente politie belasting; do
    [ -z "$(results_of "$n" "$idc")" ] || fail "counts mode: $n stored per-record rows"
done
got=$(sp gemeente counts --round "$idc" --json |
    jq -r '.entries[] | "\(.key_type) \(.holders | join("+")) \(.count)"' | LC_ALL=C sort)
want=$(expected_counts gemeente politie belasting)
[ "$got" = "$want" ] || fail "counts:
--- initiator holds
$got
--- cleartext incidence
$want"
[ "$(sp gemeente counts --round "$idc" --json | jq '.subjects.available')" = false ] ||
    fail "a counts round offered subject counts"
sp gemeente counts --round "$idc" | grep -q "subjects: not available in a counts round" ||
    fail "counts text of a counts round does not say why subjects are missing"
for n in politie belasting; do # only the initiator receives the histogram
    c=$(sp "$n" counts --round "$idc" --json 2>/dev/null | jq '.entries | length') || c=0
    [ "$c" = 0 ] || fail "$n holds counts it must not have"
done

# --- what the nodes recorded --------------------------------------------------
for n in gemeente politie belasting; do
    [ "$(sp "$n" round list --json | jq '[.[] | select(.state == "done")] | length')" = 5 ] ||
        fail "round list at $n: $(sp "$n" round list)"
done
sp gemeente round status | grep -q "round $idc  done" || fail "status of the latest round"
# Raw values never in a log; values only others hold never in a node's state.
for n in gemeente politie belasting; do
    for v in $(tail -q -n +2 "$T"/keys/*.csv | cut -d, -f4- | sort -u); do
        if grep -qF -- "$v" "$T/$n/d.log"; then fail "value found in the log of $n"; fi
        if ! grep -q ",$v\$" "$T/keys/$n.csv" && grep -qaF -- "$v" "$T/$n/state/state.mdb"; then
            fail "$n's state holds a value only other nodes have"
        fi
    done
done

for n in gemeente politie belasting; do
    if grep -q " error: " "$T/$n/d.log"; then fail "node $n logged an error"; fi
done
for n in gemeente politie belasting; do fed_stop "$n"; done
echo "round modes: all checks passed"
