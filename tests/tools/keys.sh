#!/usr/bin/env bash
# `snijpunt keys`: the warning in --help, the CSV it writes (header, quoting,
# one line per key), the same keys however messy the file, exit statuses.
. "$(dirname "$0")/lib.sh"

run 0 keys --help
has "$OUT" "PERSONAL DATA"
has "$OUT" "record_id,key_type,class,value"
run 2 keys
run 2 keys --mapping x.map
run 2 keys --json --mapping x.map a.csv
has "$ERR" "unknown option: --json"

cat >"$TMP/p.map" <<'MAP'
kind         = person
separator    = ;
date_format  = jjjj-mm-dd
surname_form = core
record_id    = id
bsn          = bsn
surname      = naam
birth_date   = geboren
MAP

# Clean, LF, no BOM.
printf 'id;bsn;naam;geboren\nr1;111222333;Jansen;1970-01-01\n"r,2";123456782;Bakker;1980-02-02\nr3;;;\n' \
    >"$TMP/clean.csv"
run 0 keys --mapping "$TMP/p.map" --today 2025-01-31 "$TMP/clean.csv"
head -n 1 "$OUT" >"$TMP/header"
has "$TMP/header" "record_id,key_type,class,value"
[ "$(head -n 1 "$OUT")" = "record_id,key_type,class,value" ] || fail "header line"
has "$OUT" "r1,bsn,A,111222333"
has "$OUT" '"r,2",bsn,A,123456782'
hasnt "$OUT" "r3,"
# Every line has four fields and a known key type and class.
tail -n +2 "$OUT" | sed 's/^"[^"]*"//' | awk -F, '
    NF < 4 { bad = 1 }
    $(NF-2) !~ /^[a-z_]+$/ || $(NF-1) !~ /^[ABC]$/ { bad = 1 }
    END { exit bad }' || fail "malformed key lines"

# The same records with BOM, CRLF, quotes, a multi-line field and a broken
# row give the same keys; the broken row is counted on stderr.
printf '\xef\xbb\xbfid;bsn;naam;geboren\r\n' >"$TMP/messy.csv"
printf 'r1;"111222333";"Jan\r\nsen";1970-01-01\r\n' >>"$TMP/messy.csv"
printf 'broken;1;2\r\n' >>"$TMP/messy.csv"
printf '"r,2";123456782;Bakker;1980-02-02\r\n' >>"$TMP/messy.csv"
printf 'r3;;;' >>"$TMP/messy.csv"
run 0 keys --mapping "$TMP/p.map" --today 2025-01-31 "$TMP/messy.csv"
has "$OUT" "r1,bsn,A,111222333"
has "$OUT" '"r,2",bsn,A,123456782'
has "$ERR" "1 of 4 rows skipped for structural errors"
hasnt "$ERR" "broken"

# Fatal problems: exit 1 with file:line.
printf 'id;bsn;geboren\nr1;111222333;1970-01-01\n' >"$TMP/nocol.csv"
run 1 keys --mapping "$TMP/p.map" "$TMP/nocol.csv"
has "$ERR" "$TMP/nocol.csv:1: column 'naam'"
printf 'kind = person\nrecord_id = id\nbsn = bsn\nbsn = bsn2\n' >"$TMP/dup.map"
run 1 keys --mapping "$TMP/dup.map" "$TMP/clean.csv"
has "$ERR" "$TMP/dup.map:4: field bsn is already mapped on line 3"

# Writing to a full device fails with status 1.
if [ -w /dev/full ]; then
    "$SNIJPUNT" keys --mapping "$TMP/p.map" "$TMP/clean.csv" >/dev/full 2>"$ERR"
    [ $? -eq 1 ] || fail "keys to /dev/full should exit 1"
    has "$ERR" "write error"
fi

finish
