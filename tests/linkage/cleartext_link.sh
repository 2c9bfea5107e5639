#!/usr/bin/env bash
# cleartext-link reads `snijpunt keys` files and exports alike: the expected
# round results from the CLI's key files equal those it derives itself from
# the exports and their mapping files, and every results file has the
# documented shape (header, five fields, known key types, class A/B/C, sorted
# bytewise). Prints counts only. Skips (77) without the shared data or the
# executables.
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
