#!/usr/bin/env bash
# `snijpunt check` on messy exports: BOM + CRLF + ';', latin-1 and
# Windows-1252 bytes, quoted separators and line breaks, broken rows, empty
# and header-only files, a missing mapped column, an invalid mapping; exit
# statuses; text and JSON reports that never show a value from the file.
. "$(dirname "$0")/lib.sh"

# --- usage ---
run 0 check --help
has "$OUT" "never prints a value"
run 2 check
run 2 check --mapping
run 2 check --mapping m.map
run 2 check --mapping m.map a.csv b.csv
run 2 check --mapping m.map --frobnicate a.csv
run 2 check --mapping m.map --today 2025-02-30 a.csv
has "$ERR" "--today needs a date as YYYY-MM-DD"
run 2 check --mapping m.map --today 31-01-2025 a.csv

# --- a police export: BOM, CRLF, ';', quoted ';' and line break, a short row ---
cat >"$TMP/politie.map" <<'MAP'
# test mapping
kind         = person
separator    = ;
date_format  = dd-mm-jjjj
surname_form = with-prefix
record_id    = registratienummer
bsn          = bsn
given_names  = voornamen
surname      = achternaam
birth_date   = geboortedatum
postcode     = postcode
house_number = huisnummer
MAP
printf '\xef\xbb\xbfregistratienummer;voornamen;achternaam;geboortedatum;bsn;huisnummer;postcode;woonplaats\r\n' >"$TMP/politie.csv"
printf 'PL-1;Jan;Vries, de;04-08-2001;111222333;3;2601 DC;"OH\xc3\x89;"\r\n' >>"$TMP/politie.csv"
printf 'PL-2;"Anna\r\nMaria";van der Meer;17-08-1951;;24-bis;2611ET;Utrecht\r\n' >>"$TMP/politie.csv"
printf 'PL-3;Piet;Jansen;01-01-1990;123456782\r\n' >>"$TMP/politie.csv"
printf 'PL-4;Kees;Bakker;31-02-1990;123456789;12a;0123 AB;Zeist\r\n' >>"$TMP/politie.csv"
printf 'PL-5;Els;"Dijk ""vd""";02-02-1980;249566758;7;3511AB;"a;b"' >>"$TMP/politie.csv"
run 0 check --mapping "$TMP/politie.map" --today 2025-01-31 "$TMP/politie.csv"
has "$OUT" "records:  5 (usable 4, skipped 1"
has "$OUT" "line 5: expected 8 fields, found 5"
has "$OUT" "rows skipped (structural errors): 1"
has "$OUT" "record_id"
has "$OUT" "registratienummer"
# no value from the file appears in the report
for v in 111222333 123456782 123456789 249566758 Vries Meer Jansen Bakker Dijk Anna Kees \
    04-08-2001 31-02-1990 "2601 DC" 2611ET PL-1 PL-2 PL-4 OH Utrecht Zeist; do
    hasnt "$OUT" "$v"
    hasnt "$ERR" "$v"
done

# the same as JSON
run 0 check --json --mapping "$TMP/politie.map" --today 2025-01-31 "$TMP/politie.csv"
has "$OUT" '"usable":true'
has "$OUT" '"records":5'
has "$OUT" '"records_skipped":1'
has "$OUT" '{"line":5,"code":"SP_ERR_INPUT_FIELD_COUNT","message":"expected 8 fields, found 5"}'
has "$OUT" '"field":"bsn","column":"bsn"'
jq -e . "$OUT" >/dev/null || fail "check --json is not valid JSON"
for v in 111222333 Vries PL-1; do hasnt "$OUT" "$v"; done

# standard input
run 0 check --mapping "$TMP/politie.map" - <"$TMP/politie.csv"
has "$OUT" "records:  5"

# --- latin-1 (om): declared right, and declared wrong ---
cat >"$TMP/om.map" <<'MAP'
kind        = person
encoding    = iso-8859-1
date_format = dd/mm/jjjj
record_id   = parketnummer
full_name   = naam
birth_date  = geboortedatum
bsn         = bsn
MAP
printf 'parketnummer,naam,geboortedatum,bsn\n' >"$TMP/om.csv"
printf '93/1-23,"\xd6zt\xfcrk, Hasan",11/07/1970,270660112\n' >>"$TMP/om.csv"
printf '93/2-23,Gabri\xebl de Graaf,31/03/1966,\n' >>"$TMP/om.csv"
printf '93/3-23,"Bossen, Mark",01/01/1970,111222333\n' >>"$TMP/om.csv"
run 0 check --mapping "$TMP/om.map" "$TMP/om.csv"
has "$OUT" "records:  3 (usable 3, skipped 0"
sed 's/iso-8859-1/utf-8/' "$TMP/om.map" >"$TMP/om-utf8.map"
run 0 check --mapping "$TMP/om-utf8.map" "$TMP/om.csv"
has "$OUT" "records:  3 (usable 1, skipped 2"
has "$OUT" "line 2: column 2: bytes not valid in the declared encoding"
has "$OUT" "line 3: column 2: bytes not valid in the declared encoding"

# --- Windows-1252: euro sign and s-caron are text; 0x81 is not ---
sed 's/iso-8859-1/windows-1252/' "$TMP/om.map" >"$TMP/om-1252.map"
printf 'parketnummer,naam,geboortedatum,bsn\n1,Ko\x9ai\x9a \x80,01/01/1970,\n2,X\x81Y,01/01/1970,\n' \
    >"$TMP/cp.csv"
run 0 check --mapping "$TMP/om-1252.map" "$TMP/cp.csv"
has "$OUT" "records:  2 (usable 1, skipped 1"
has "$OUT" "line 3: column 2: bytes not valid"

# --- files that cannot be used ---
: >"$TMP/empty.csv"
run 1 check --mapping "$TMP/om.map" "$TMP/empty.csv"
has "$ERR" "$TMP/empty.csv: the file is empty: it has no header row"
run 1 check --json --mapping "$TMP/om.map" "$TMP/empty.csv"
has "$OUT" '"usable":false'
has "$OUT" '"error":"the file is empty: it has no header row"'

printf 'parketnummer,naam,geboortedatum,bsn\r\n' >"$TMP/header-only.csv"
run 0 check --mapping "$TMP/om.map" "$TMP/header-only.csv"
has "$OUT" "records:  0"
has "$ERR" "warning: the file has no data records"

printf 'parketnummer,achternaam,geboortedatum,bsn\n1,x,01/01/1970,\n' >"$TMP/missing.csv"
run 1 check --mapping "$TMP/om.map" "$TMP/missing.csv"
has "$ERR" "$TMP/missing.csv:1: column 'naam' (field full_name, mapping line 5) is not in the header; the header has: parketnummer, achternaam, geboortedatum, bsn"

run 1 check --mapping "$TMP/om.map" "$TMP/does-not-exist.csv"
has "$ERR" "does-not-exist.csv: cannot open the input file"
run 1 check --mapping "$TMP/om.map" "$TMP"
has "$ERR" "not a readable file"

# every row broken: nothing usable
printf 'parketnummer,naam,geboortedatum,bsn\n1,2\n3,4\n' >"$TMP/broken.csv"
run 1 check --mapping "$TMP/om.map" "$TMP/broken.csv"
has "$ERR" "no record in the file is usable"
has "$OUT" "line 2: expected 4 fields, found 2"

# --- invalid mappings: file and line ---
printf 'kind = person\nrecord_id = id\ncolour = blue\n' >"$TMP/bad.map"
run 1 check --mapping "$TMP/bad.map" "$TMP/om.csv"
has "$ERR" "$TMP/bad.map:3: unknown key 'colour'"
printf 'kind = person\nbsn = bsn\n' >"$TMP/noid.map"
run 1 check --mapping "$TMP/noid.map" "$TMP/om.csv"
has "$ERR" "$TMP/noid.map: missing 'record_id = <column>'"
run 1 check --mapping "$TMP/nope.map" "$TMP/om.csv"
has "$ERR" "nope.map: cannot read the mapping file"
run 1 check --json --mapping "$TMP/bad.map" "$TMP/om.csv"
has "$OUT" '"usable":false'

# --- more than 100 broken rows: the first 100 lines, then a count ---
{
    printf 'parketnummer,naam,geboortedatum,bsn\n'
    for i in $(seq 1 130); do printf '%d,x\n' "$i"; done
    printf '999,"Ok, Name",01/01/1970,\n'
} >"$TMP/many.csv"
run 0 check --mapping "$TMP/om.map" "$TMP/many.csv"
has "$OUT" "line 101: expected 4 fields, found 2"
hasnt "$OUT" "line 102:"
has "$OUT" "... and 30 more"
run 0 check --json --mapping "$TMP/om.map" "$TMP/many.csv"
has "$OUT" '"count":130'
has "$OUT" '"more":30'

# --- line numbers of rejected values, per field and reason (values never shown) ---
cat >"$TMP/lines.map" <<'MAP'
kind         = person
separator    = ;
date_format  = dd-mm-jjjj
surname_form = with-prefix
record_id    = id
bsn          = bsn
surname      = achternaam
birth_date   = geboortedatum
MAP
{
    echo 'id;achternaam;geboortedatum;bsn'
    echo 'L1;Jansen;01-01-1990;123456782'
    echo 'L2;Bakker;31-02-1990;123456789'
    echo 'L3;Vries;01-01-2090;123456782'
    echo 'L4;Dijk;02-02-1980;12345'
    echo 'L5;Meer;02-02-1980;123456789'
    echo 'L6;Kort;"a;b"'
    # 25 more checksum failures on lines 8..32: 27 in all, the first 20 listed
    for i in $(seq 1 25); do echo "M$i;Smit;03-03-1970;123456789"; done
} >"$TMP/lines.csv"
run 0 check --mapping "$TMP/lines.map" --today 2025-01-31 "$TMP/lines.csv"
has "$OUT" "rejected values by line (the first 20 per field and reason):"
has "$OUT" "wrong length           line 5"
has "$OUT" "checksum fails         line 3, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25 and 7 more"
has "$OUT" "out of range           line 3, 4"
has "$OUT" "line 7: expected 4 fields, found 3"
for v in 123456789 12345 31-02-1990 01-01-2090 Bakker Dijk L2 M1; do
    hasnt "$OUT" "$v"
    hasnt "$ERR" "$v"
done
run 0 check --json --mapping "$TMP/lines.map" --today 2025-01-31 - <"$TMP/lines.csv"
jq -e '.fields[] | select(.field == "bsn") | .reject_lines ==
    {"wrong_length": [5], "checksum_fails": [3, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]}' \
    "$OUT" >/dev/null || fail "check --json: bsn reject_lines"
jq -e '.fields[] | select(.field == "bsn") | .reasons.checksum_fails == 27' "$OUT" >/dev/null ||
    fail "check --json: bsn checksum_fails count"
jq -e '.fields[] | select(.field == "birth_date") | .reject_lines == {"out_of_range": [3, 4]}' \
    "$OUT" >/dev/null || fail "check --json: birth_date reject_lines"
jq -e '.fields[] | select(.field == "record_id") | .reject_lines == {}' "$OUT" >/dev/null ||
    fail "check --json: record_id reject_lines"
for v in 123456789 12345 Bakker L2; do hasnt "$OUT" "$v"; done

# a report that cannot be written is a failure
if [ -w /dev/full ]; then
    "$SNIJPUNT" check --mapping "$TMP/om.map" "$TMP/om.csv" >/dev/full 2>"$ERR"
    [ $? -eq 1 ] || fail "check to /dev/full should exit 1"
    "$SNIJPUNT" check --json --mapping "$TMP/om.map" "$TMP/om.csv" >/dev/full 2>"$ERR"
    [ $? -eq 1 ] || fail "check --json to /dev/full should exit 1"
fi

finish
