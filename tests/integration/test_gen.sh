#!/usr/bin/env bash
# snijpunt-gen: determinism, sizes, file formats, valid identifiers, truth
# coverage, and every generated file accepted by `snijpunt check` under the
# shipped example mapping with zero structural errors.
set -euo pipefail
src=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SP_BUILD_DIR:-$src/build}
gen=$build/snijpunt-gen
cli=$build/snijpunt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
[ -x "$gen" ] || fail "$gen not built"
[ -x "$cli" ] || fail "$cli not built"
command -v jq >/dev/null || fail "jq is missing (bash tools/install-deps)"

datasets=(gemeente-utrecht/personen politie-mn/personen politie-mn/bedrijven
    belastingdienst/personen belastingdienst/ondernemingen om/verdachten
    riec-mn/kvk-inschrijvingen riec-mn/kvk-functionarissen)

tree_digest() { # dir -> one digest over every file's path and content
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum
}
rows() { # data rows of a CSV file (physical lines minus the header)
    echo $(($(wc -l <"$1") - 1))
}

# --- usage errors are refused with status 2, I/O errors with status 1 ---
set +e
"$gen" --persons 100 >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing --out not refused with status 2"
"$gen" --out "$work/x" --persons 3 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--persons 3 not refused with status 2"
"$gen" --out "$work/x" --persons 12x >/dev/null 2>&1
[ $? -eq 2 ] || fail "--persons 12x not refused with status 2"
"$gen" --out "$work/x" --persons 100 --network 101 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--network > --persons not refused with status 2"
: >"$work/file"
"$gen" --out "$work/file/sub" --persons 100 >/dev/null 2>&1
[ $? -eq 1 ] || fail "unwritable --out not reported with status 1"
set -e

# --- determinism: same seed, same bytes; another seed, other bytes ---
"$gen" --out "$work/a" --persons 3000 --seed 7 --quiet
"$gen" --out "$work/b" --persons 3000 --seed 7 --quiet
"$gen" --out "$work/c" --persons 3000 --seed 8 --quiet
[ "$(tree_digest "$work/a")" = "$(tree_digest "$work/b")" ] || fail "same seed, different output"
[ "$(tree_digest "$work/a")" != "$(tree_digest "$work/c")" ] || fail "seed has no effect"
echo "determinism ok"

# --- layout: every dataset present and non-empty, formats as in nl-synth ---
total=0
for ds in "${datasets[@]}"; do
    f=$work/a/$ds.csv
    [ -s "$f" ] || fail "$ds.csv missing or empty"
    n=$(rows "$f")
    [ "$n" -gt 0 ] || fail "$ds.csv has no records"
    total=$((total + n))
done
[ "$(rows "$work/a/truth.csv")" -eq "$total" ] || fail "truth.csv rows != sum of dataset rows"
[ "$(head -n 1 "$work/a/truth.csv")" = "agency,dataset,record_id,subject_id" ] ||
    fail "truth.csv header"
for f in politie-mn/personen politie-mn/bedrijven; do
    [ "$(head -c 3 "$work/a/$f.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "$f: no BOM"
    [ "$(grep -c $'\r$' "$work/a/$f.csv")" -eq "$(wc -l <"$work/a/$f.csv")" ] ||
        fail "$f: not every line ends in CRLF"
    head -n 1 "$work/a/$f.csv" | grep -q ';' || fail "$f: not ';'-separated"
done
for ds in "${datasets[@]}"; do
    case $ds in politie-mn/*) continue ;; esac
    ! grep -q $'\r' "$work/a/$ds.csv" || fail "$ds: CR in an LF file"
done
# om is ISO-8859-1: it holds high bytes and is not valid UTF-8; the rest is UTF-8.
LC_ALL=C grep -q $'[\x80-\xff]' "$work/a/om/verdachten.csv" || fail "om: no Latin-1 letters"
! iconv -f UTF-8 -t UTF-8 "$work/a/om/verdachten.csv" >/dev/null 2>&1 || fail "om: valid UTF-8"
for ds in gemeente-utrecht/personen politie-mn/personen belastingdienst/personen; do
    iconv -f UTF-8 -t UTF-8 "$work/a/$ds.csv" >/dev/null || fail "$ds: invalid UTF-8"
done
for ds in "${datasets[@]}"; do
    # Same header as the shared nl-synth file, when the shared data is present.
    want=$(head -n 1 "${SP_SHARED_DATA:-/nonexistent}/nl-synth/$ds.csv" 2>/dev/null | tr -d '\r' || true)
    [ -z "$want" ] || [ "$(head -n 1 "$work/a/$ds.csv" | tr -d '\r')" = "$want" ] ||
        fail "$ds: header differs from nl-synth's"
done
echo "layout ok ($total records)"

# --- identifiers: BSN 11-test and uniqueness, IBAN mod 97, postcodes ---
awk -F, 'NR > 1 {
    b = $2; s = 0
    for (i = 1; i <= 8; i++) s += (10 - i) * substr(b, i, 1)
    s -= substr(b, 9, 1)
    if (length(b) != 9 || s % 11 != 0 || seen[b]++) bad++
    if ($12 !~ /^[1-9][0-9][0-9][0-9][A-Z][A-Z]$/ || $12 ~ /S[ADS]$/) badpc++
} END { if (bad || badpc) { print bad + 0, "bad BSNs,", badpc + 0, "bad postcodes"; exit 1 } }' \
    "$work/a/gemeente-utrecht/personen.csv" || fail "gemeente: invalid identifiers"
# naam may be a quoted "Core, prefix": count the IBAN column from the end.
awk -F, 'NR > 1 && $(NF - 2) != "" {
    x = $(NF - 2); gsub(/ /, "", x)
    if (length(x) != 18 || x !~ /^NL[0-9][0-9][A-Z][A-Z][A-Z][A-Z][0-9]+$/) { bad++; next }
    r = substr(x, 5) substr(x, 1, 4); m = 0
    for (i = 1; i <= length(r); i++) {
        c = substr(r, i, 1)
        if (c ~ /[A-Z]/) { v = index("ABCDEFGHIJKLMNOPQRSTUVWXYZ", c) + 9; m = (m * 100 + v) % 97 }
        else m = (m * 10 + c) % 97
    }
    if (m != 1) bad++
} END { if (bad) { print bad, "bad IBANs"; exit 1 } }' \
    "$work/a/belastingdienst/personen.csv" || fail "belastingdienst: invalid IBANs"
echo "identifiers ok"

# --- truth covers every record exactly once, and nothing else ---
for ds in "${datasets[@]}"; do
    node=${ds%%/*} name=${ds#*/}
    sep=,
    case $node in politie-mn) sep=';' ;; esac
    # The record id is the first column everywhere and never quoted.
    tail -n +2 "$work/a/$ds.csv" | tr -d '\r' | cut -d"$sep" -f1 | LC_ALL=C sort >"$work/ids"
    awk -F, -v a="$node" -v d="$name" '$1 == a && $2 == d { print $3 }' "$work/a/truth.csv" |
        LC_ALL=C sort >"$work/tids"
    [ "$(uniq -d "$work/ids" | wc -l)" -eq 0 ] || fail "$ds: duplicate record ids"
    cmp -s "$work/ids" "$work/tids" || fail "$ds: truth.csv does not list exactly its records"
done
# Each subject kind is consistent: persons P..., companies C...
awk -F, 'NR > 1 && $4 !~ /^[PC][0-9]+$/ { bad++ } END { exit bad > 0 }' "$work/a/truth.csv" ||
    fail "truth.csv: malformed subject ids"
# The case: some subjects are known at four or five nodes.
multi=$(awk -F, 'NR > 1 { if (!seen[$4 "," $1]++) n[$4]++ } END { for (s in n) if (n[s] >= 4) c++; print c + 0 }' \
    "$work/a/truth.csv")
[ "$multi" -ge 5 ] || fail "only $multi subjects known at >= 4 nodes"
echo "truth ok ($multi subjects at >= 4 nodes)"

# --- sizes scale linearly with --persons ---
"$gen" --out "$work/d" --persons 12000 --seed 7 --quiet
small=$(rows "$work/a/truth.csv")
large=$(rows "$work/d/truth.csv")
ratio=$((large * 100 / small))
[ "$ratio" -ge 370 ] && [ "$ratio" -le 430 ] || fail "4x persons gave ${ratio}% records"
g=$(rows "$work/d/gemeente-utrecht/personen.csv")
[ "$g" -ge 5000 ] && [ "$g" -le 5800 ] || fail "gemeente: $g records for 12000 persons"
echo "sizes ok (3000 -> $small, 12000 -> $large records)"

# --- every file is read by its example mapping without structural errors ---
for ds in "${datasets[@]}"; do
    map=$src/examples/nl-synth/$ds.map
    [ -f "$map" ] || fail "missing example mapping $map"
    "$cli" check --json --today 2025-06-30 --mapping "$map" "$work/d/$ds.csv" >"$work/check.json" ||
        fail "$ds: snijpunt check says the file cannot be used"
    jq -e --argjson n "$(rows "$work/d/$ds.csv")" '
        .structural_errors.count == 0 and .records == $n and .records_usable == $n
        and .records_without_keys == 0 and .duplicate_record_ids == 0' "$work/check.json" >/dev/null ||
        fail "$ds: $(jq -c '{records, records_usable, records_without_keys, duplicate_record_ids, structural_errors: .structural_errors.count}' "$work/check.json")"
done
echo "snijpunt check ok (8 datasets, 0 structural errors)"
