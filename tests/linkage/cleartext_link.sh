#!/usr/bin/env bash
# cleartext-link reads `snijpunt keys` files and exports alike: the expected
# round results from the CLI's key files equal those it derives itself from
# the exports and their mapping files, and every results file has the
# documented shape (header, five fields, known key types, class A/B/C, sorted
# bytewise); k = 3 lines are a part of k = 2's, threshold lines are the
# partners round's records with partner "*", and --counts writes the
# histogram in the participants' order, adds up to the distinct values and
# suppresses small cells. Prints counts only. Skips (77) without the shared
# data or the executables.
set -euo pipefail

data=${SP_SHARED_DATA:-}
src=${SP_SOURCE_DIR:?}
build=${SP_BUILD_DIR:?}
[ -d "$data/nl-synth" ] || exit 77
[ -x "$build/snijpunt" ] && [ -x "$build/tests/cleartext-link" ] || exit 77

work=$(mktemp -d "${TMPDIR:-/tmp}/cleartext-link.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/keys"

datasets="om/verdachten politie-mn/personen politie-mn/bedrijven riec-mn/kvk-inschrijvingen
belastingdienst/ondernemingen"
keys_args=()
data_args=()
for ds in $datasets; do
    node=${ds%/*} name=${ds#*/}
    out="$work/keys/$node-$name.csv"
    "$build/snijpunt" keys --mapping "$src/examples/nl-synth/$ds.map" --today 2026-01-01 \
        "$data/nl-synth/$ds.csv" > "$out"
    keys_args+=(--keys "$node" "$name" "$out")
    data_args+=(--data "$node" "$name" "$src/examples/nl-synth/$ds.map" "$data/nl-synth/$ds.csv")
done

"$build/tests/cleartext-link" --out "$work/from-keys" "${keys_args[@]}"
"$build/tests/cleartext-link" --out "$work/from-data" --today 20260101 "${data_args[@]}"
diff -r "$work/from-keys" "$work/from-data" > /dev/null || {
    echo "results from key files and from exports differ" >&2
    exit 1
}

types='bsn|anummer|name_dob|phon_dob|part_dob|ini_addr_dob|addr_dob|kvk|vestiging|rsin|cname_addr|cname_pc|address|kenteken|iban|name_addr'
for f in "$work/from-keys"/*.csv; do
    [ "$(head -n 1 "$f")" = "dataset,record_id,entity,partner,key_types,class" ] || {
        echo "$(basename "$f"): bad header" >&2
        exit 1
    }
    tail -n +2 "$f" | LC_ALL=C sort -c || {
        echo "$(basename "$f"): not sorted" >&2
        exit 1
    }
    bad=$(tail -n +2 "$f" | grep -Evc "^[^,]+,[^,]+,(person|company|address|vehicle|account),[^,]+,($types)(\+($types))*,[ABC]$" || true)
    [ "$bad" -eq 0 ] || {
        echo "$(basename "$f"): $bad malformed lines" >&2
        exit 1
    }
    echo "$(basename "$f" .csv): $(($(wc -l < "$f") - 1)) result lines"
done
# the companies of politie-mn are known to the RIEC's Handelsregister extract
grep -q ',company,riec-mn,' "$work/from-keys/politie-mn.csv"
# a line's key types are all of its entity: no person line without a person key
for f in "$work/from-keys"/*.csv; do
    mixed=$(awk -F, 'NR > 1 && (($3 == "person" || $3 == "company") && $5 ~ /(^|\+)(address|kenteken|iban)(\+|$)/ ||
                     $3 == "address" && $5 != "address") { n++ } END { print n + 0 }' "$f")
    [ "$mixed" -eq 0 ] || {
        echo "$(basename "$f"): $mixed lines mix entities" >&2
        exit 1
    }
done

# --- the round's rule: k = 3, threshold mode, the histogram ----------------
"$build/tests/cleartext-link" --out "$work/k3" --min-holders 3 "${keys_args[@]}"
"$build/tests/cleartext-link" --out "$work/t2" --mode threshold "${keys_args[@]}"
for f in "$work/from-keys"/*.csv; do
    n=$(basename "$f")
    # k = 3 reveals a part of what k = 2 does: its (record, entity, partner)
    # lines are k = 2's (their key types may be fewer)
    extra=$(LC_ALL=C comm -13 <(tail -n +2 "$f" | cut -d, -f1-4) <(tail -n +2 "$work/k3/$n" | cut -d, -f1-4) | wc -l)
    [ "$extra" -eq 0 ] || { echo "$n: k = 3 has $extra lines k = 2 has not" >&2; exit 1; }
    # threshold: the partners round's records and entities, partner "*", nothing else
    diff <(tail -n +2 "$f" | cut -d, -f1-3 | LC_ALL=C sort -u) \
        <(tail -n +2 "$work/t2/$n" | cut -d, -f1-3) >/dev/null || {
        echo "$n: threshold lines differ from the partners round's records" >&2
        exit 1
    }
    tail -n +2 "$work/t2/$n" | awk -F, '$4 != "*" { exit 1 }' || { echo "$n: threshold names a partner" >&2; exit 1; }
done
[ "$(cat "$work"/k3/*.csv | wc -l)" -lt "$(cat "$work"/from-keys/*.csv | wc -l)" ] || {
    echo "k = 3 gives as many lines as k = 2: the data has no value at exactly two nodes" >&2
    exit 1
}
"$build/tests/cleartext-link" --counts "$work/counts" --participants riec-mn,politie-mn,om,belastingdienst \
    "${keys_args[@]}"
# every cell "type holders count", holders in the given order, sorted; the
# cells of one key type add up to its distinct values
LC_ALL=C sort -c "$work/counts" || { echo "counts: not sorted" >&2; exit 1; }
grep -Evq "^($types) (riec-mn)?(\+?politie-mn)?(\+?om)?(\+?belastingdienst)? [1-9][0-9]*$" "$work/counts" && {
    echo "counts: malformed line" >&2
    exit 1
}
want=$(cat "$work"/keys/*.csv | awk -F, '$2 == "bsn" { print $4 }' | LC_ALL=C sort -u | wc -l)
got=$(awk '$1 == "bsn" { n += $3 } END { print n + 0 }' "$work/counts")
[ "$got" -eq "$want" ] || { echo "counts: $got bsn values in the cells, $want in the key files" >&2; exit 1; }
"$build/tests/cleartext-link" --counts - --suppress-below 1000000 "${keys_args[@]}" | grep -q . && {
    echo "counts: a cell of a million values was not suppressed" >&2
    exit 1
}
# a participant list that leaves a node out, and rows and counts both on stdout, are refused
if "$build/tests/cleartext-link" --counts - --participants om "${keys_args[@]}" >/dev/null 2>&1; then
    echo "counts: a node outside --participants was accepted" >&2
    exit 1
fi
if "$build/tests/cleartext-link" --node om --counts - "${keys_args[@]}" >/dev/null 2>&1; then
    echo "rows and counts both on standard output were accepted" >&2
    exit 1
fi
for bad in "--mode everything" "--min-holders 0" "--suppress-below -1" "--today 2026"; do
    # shellcheck disable=SC2086 # two words: an option and its value
    rc=0
    "$build/tests/cleartext-link" --out "$work/bad" $bad "${keys_args[@]}" >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || { echo "cleartext-link $bad: exit status $rc, want 2 (usage)" >&2; exit 1; }
done
echo "k = 3 within k = 2, threshold = partners' records, $(wc -l < "$work/counts") histogram cells"
