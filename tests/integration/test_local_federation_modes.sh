#!/usr/bin/env bash
# Issue 4, "Done when": counts, threshold and partners modes each reveal what
# protocol.md says and nothing more. Generated data (snijpunt-gen, 1000
# persons), five nodes through tools/local-federation, one round per mode;
# then inspects what each node stored, printed and logged:
#   partners   each node's results equal the cleartext linkage (k = 2), and a
#              second run with k = 3 equals the cleartext linkage for k = 3;
#   threshold  one row per own record held by >= k nodes, partner "*" (no
#              partner names), the same records as the partners round, and
#              each node's results equal the cleartext linkage;
#   counts     no node holds per-record results; the coordinator's counts
#              equal the cleartext incidence histogram with every cell below
#              10 left out (counts_suppress_below = 10);
#   all modes  no node's store or log holds a BSN or IBAN that only other
#              nodes hold, and no log holds any BSN or IBAN at all;
#   audit      (partners k=2) OUT/pki holds ca.crt and every node's
#              certificate, OUT/audit/<node>.jsonl every node's export; each
#              passes `snijpunt audit verify`, together `audit crosscheck`;
#              one changed line in one export makes both fail.
set -euo pipefail
src=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SP_BUILD_DIR:-$src/build}
command -v jq >/dev/null || { echo "FAIL: jq is missing (bash tools/install-deps)" >&2; exit 1; }
cli=$build/snijpunt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
lf() { SP_BUILD_DIR=$build "$src/tools/local-federation" "$@"; }
header=dataset,record_id,entity,partner,key_types,class

"$build/snijpunt-gen" --out "$work/data" --persons 1000 --seed 4 --quiet
nodes=()
for d in "$work/data"/*/; do nodes+=("$(basename "$d")"); done
[ "${#nodes[@]}" -eq 5 ] || fail "expected 5 node folders, found ${#nodes[@]}"

# --- cleartext keys of every dataset (temporary directory only) ---
link=$build/tests/cleartext-link
[ -x "$link" ] || fail "$link is not built"
src_args=()
for n in "${nodes[@]}"; do
    mkdir -p "$work/keys/$n"
    for f in "$work/data/$n"/*.csv; do
        ds=$(basename "$f" .csv)
        "$cli" keys --mapping "$src/examples/nl-synth/$n/$ds.map" "$f" >"$work/keys/$n/$ds.csv" 2>/dev/null ||
            fail "snijpunt keys failed on $n/$ds"
        src_args+=(--keys "$n" "$ds" "$work/keys/$n/$ds.csv")
    done
done
expect() { # k [partners|threshold] -> expected rows per node in $work/exp.<node> (the cleartext oracle)
    rm -rf "$work/expect"
    "$link" --out "$work/expect" --min-holders "$1" --mode "${2:-partners}" "${src_args[@]}" ||
        fail "cleartext-link failed"
    for n in "${nodes[@]}"; do tail -n +2 "$work/expect/$n.csv" >"$work/exp.$n"; done
}
same() { # label expected got
    if ! cmp -s "$2" "$3"; then
        echo "  $1: $(LC_ALL=C comm -23 "$2" "$3" | wc -l) expected rows missing," \
            "$(LC_ALL=C comm -13 "$2" "$3" | wc -l) rows not expected" >&2
        return 1
    fi
}
rows() { tail -n +2 "$1" | LC_ALL=C sort; }

# Identifiers a node must never hold unless it holds them itself.
for n in "${nodes[@]}"; do
    # record_id,key_type,class,value: the value is everything after the third comma
    tail -q -n +2 "$work/keys/$n"/*.csv |
        awk -F, '$2 == "bsn" || $2 == "iban" { v = $0; sub(/^[^,]*,[^,]*,[^,]*,/, "", v); print v }' |
        LC_ALL=C sort -u >"$work/own.$n"
done
LC_ALL=C sort -u "$work"/own.* >"$work/all-ids"
[ -s "$work/all-ids" ] || fail "no BSN or IBAN keys in the generated data"
no_leaks() { # out-dir mode: stores hold no foreign identifiers; logs hold none at all
    local n f hits own=0
    for n in "${nodes[@]}"; do
        # Control: the store keeps its own values as text, so the search below can see them.
        own=$((own + $(cat "$1/nodes/$n/state"/* 2>/dev/null | LC_ALL=C grep -a -o -F -f "$work/own.$n" | wc -l || true)))
        LC_ALL=C comm -23 "$work/all-ids" "$work/own.$n" >"$work/foreign"
        for f in "$1/nodes/$n/state"/*; do
            [ -f "$f" ] || continue
            hits=$(LC_ALL=C grep -a -o -F -f "$work/foreign" "$f" | wc -l || true)
            [ "$hits" -eq 0 ] || fail "$2: $n's store holds $hits BSN/IBAN values of other nodes"
        done
        hits=$(LC_ALL=C grep -a -o -F -f "$work/all-ids" "$1/nodes/$n/snijpuntd.log" | wc -l || true)
        [ "$hits" -eq 0 ] || fail "$2: $n's log holds $hits BSN/IBAN values"
        [ -s "$1/nodes/$n/state/state.mdb" ] || ls "$1/nodes/$n/state"/* >/dev/null 2>&1 ||
            fail "$2: $n kept no store to inspect"
    done
    [ "$own" -gt 0 ] || echo "  note: no node's store shows its own BSN/IBAN values as text; the leak search cannot see encoded values"
}
hist_expected() { # suppressed_below participants -> expected histogram lines (the cleartext oracle)
    "$link" --counts - --participants "$2" --suppress-below "$1" "${src_args[@]}" ||
        fail "cleartext-link --counts failed"
}
check_counts() { # out-dir label
    local supp
    supp=$(jq '.suppressed_below // 0' "$1/counts.json")
    hist_expected "$supp" "$(jq -r '.participants | join(",")' "$1/counts.json")" >"$work/hist.exp"
    jq -r '.entries[] | "\(.key_type) \(.holders | join("+")) \(.count)"' "$1/counts.json" |
        LC_ALL=C sort >"$work/hist.got"
    cmp -s "$work/hist.exp" "$work/hist.got" ||
        fail "$2: counts.json differs from the cleartext histogram ($(diff "$work/hist.exp" "$work/hist.got" | grep -c '^[<>]') cell lines)"
    if [ "$supp" -gt 0 ]; then
        jq -e --argjson s "$supp" 'all(.entries[]; .count >= $s)' "$1/counts.json" >/dev/null ||
            fail "$2: a cell below $supp was not suppressed"
    fi
    echo "  $2: counts.json equals the cleartext histogram ($(wc -l <"$work/hist.got") cells, suppressed below $supp)"
}

# --- partners, k = 2 ---
lf --data "$work/data" --results "$work/p2" --mode partners --min-holders 2 --keep >"$work/p2.txt" 2>&1 ||
    { cat "$work/p2.txt" >&2; fail "partners round failed"; }
expect 2
bad=0
for n in "${nodes[@]}"; do
    [ "$(head -n 1 "$work/p2/$n.csv")" = "$header" ] || fail "partners: $n.csv header"
    rows "$work/p2/$n.csv" >"$work/got.$n"
    same "partners $n" "$work/exp.$n" "$work/got.$n" || bad=1
    # Partners are other participants, never the node itself.
    awk -F, -v n="$n" '$4 == n || $4 == "*" || $4 == "" { exit 1 }' "$work/got.$n" ||
        fail "partners: $n.csv names itself or no partner"
    cut -d, -f1,2 "$work/got.$n" | LC_ALL=C sort -u >"$work/recs.p2.$n"
done
[ $bad -eq 0 ] || fail "partners k=2: results differ from the cleartext linkage"
check_counts "$work/p2" "partners k=2"
no_leaks "$work/p2" "partners"
echo "  partners k=2: every node's results equal the cleartext linkage"

# --- the federation's PKI and every node's audit export (issue 5) ---
pki=$work/p2/pki
crl=()
[ -f "$pki/crl.pem" ] && crl=(--crl "$pki/crl.pem")
[ -s "$pki/ca.crt" ] || fail "audit: no $pki/ca.crt"
for n in "${nodes[@]}"; do
    [ -s "$pki/$n.crt" ] || fail "audit: no certificate $pki/$n.crt"
    f=$work/p2/audit/$n.jsonl
    [ -s "$f" ] || fail "audit: no export $f"
    "$cli" audit verify "$f" --cert "$pki/$n.crt" --ca "$pki/ca.crt" "${crl[@]}" >"$work/v.out" 2>&1 ||
        fail "audit verify $n: $(cat "$work/v.out")"
    grep -q "^ok: " "$work/v.out" || fail "audit verify $n: $(cat "$work/v.out")"
done
"$cli" audit crosscheck --ca "$pki/ca.crt" "${crl[@]}" --cert-dir "$pki" "$work/p2/audit/"*.jsonl \
    >"$work/cc.out" 2>&1 || fail "audit crosscheck: $(cat "$work/cc.out")"
# One changed line in one node's export (the number of records it says it
# matched) must make both checks fail.
mkdir -p "$work/tampered"
cp "$work/p2/audit/"*.jsonl "$work/tampered/"
t=$work/tampered/${nodes[0]}.jsonl
[ "$(grep -c '"type":"round_result"' "$t")" = 1 ] || fail "audit: ${nodes[0]} has no single round_result entry"
sed -i -E '/"type":"round_result"/s/"records_matched":/"records_matched":1/' "$t"
[ "$(cmp -l "$t" "$work/p2/audit/${nodes[0]}.jsonl" 2>/dev/null | wc -l)" -ge 1 ] || fail "audit: tampering changed nothing"
if "$cli" audit verify "$t" --cert "$pki/${nodes[0]}.crt" --ca "$pki/ca.crt" "${crl[@]}" >"$work/v.out" 2>&1; then
    fail "audit verify accepted a changed entry: $(cat "$work/v.out")"
fi
grep -q 'entry #[0-9].*records_matched' "$work/v.out" || fail "audit verify: $(cat "$work/v.out")"
if "$cli" audit crosscheck --ca "$pki/ca.crt" "${crl[@]}" --cert-dir "$pki" "$work/tampered/"*.jsonl \
    >"$work/cc.out" 2>&1; then
    fail "audit crosscheck accepted a changed entry: $(cat "$work/cc.out")"
fi
echo "  audit: every node's export verifies and the exports agree; one changed line is caught"

# --- partners, k = 3: only values held by three or more nodes count ---
lf --data "$work/data" --results "$work/p3" --mode partners --min-holders 3 >"$work/p3.txt" 2>&1 ||
    { cat "$work/p3.txt" >&2; fail "partners k=3 round failed"; }
expect 3
bad=0
for n in "${nodes[@]}"; do
    rows "$work/p3/$n.csv" >"$work/got.$n"
    same "partners k=3 $n" "$work/exp.$n" "$work/got.$n" || bad=1
done
[ $bad -eq 0 ] || fail "partners k=3: results differ from the cleartext linkage"
[ "$(cat "$work"/exp.* | wc -l)" -lt "$(cat "$work"/recs.p2.* | wc -l)" ] ||
    fail "k=3 reveals as much as k=2: the data has no value held by exactly two nodes"
echo "  partners k=3: every node's results equal the cleartext linkage"

# --- threshold, k = 2: which own records, not who ---
lf --data "$work/data" --results "$work/t2" --mode threshold --min-holders 2 --keep >"$work/t2.txt" 2>&1 ||
    { cat "$work/t2.txt" >&2; fail "threshold round failed"; }
for n in "${nodes[@]}"; do
    [ "$(head -n 1 "$work/t2/$n.csv")" = "$header" ] || fail "threshold: $n.csv header"
    rows "$work/t2/$n.csv" >"$work/got.$n"
    for p in "${nodes[@]}"; do
        ! grep -q -F -- "$p" <(cut -d, -f4 "$work/got.$n") || fail "threshold: $n.csv names partner $p"
    done
    awk -F, '$4 != "*" { exit 1 }' "$work/got.$n" || fail "threshold: $n.csv has a partner other than *"
    # one line per record and entity
    [ "$(cut -d, -f1,2,3 "$work/got.$n" | LC_ALL=C sort | uniq -d | wc -l)" -eq 0 ] ||
        fail "threshold: $n.csv lists a record and entity twice"
    cut -d, -f1,2 "$work/got.$n" | LC_ALL=C sort -u >"$work/recs.t2.$n"
    same "threshold $n (records)" "$work/recs.p2.$n" "$work/recs.t2.$n" ||
        fail "threshold: $n's records differ from the partners round's"
done
expect 2 threshold
bad=0
for n in "${nodes[@]}"; do
    same "threshold $n" "$work/exp.$n" "$work/got.$n" || bad=1
done
[ $bad -eq 0 ] || fail "threshold: results differ from the cleartext linkage"
check_counts "$work/t2" "threshold"
no_leaks "$work/t2" "threshold"
echo "  threshold: every node's results equal the cleartext linkage; same records as partners, no partner names"

# --- counts: nothing per record on any node ---
lf --data "$work/data" --results "$work/c2" --mode counts --min-holders 2 --suppress-below 10 --keep \
    >"$work/c2.txt" 2>&1 || { cat "$work/c2.txt" >&2; fail "counts round failed"; }
[ "$(jq '.suppressed_below' "$work/c2/counts.json")" = 10 ] ||
    fail "counts: the nodes were told to suppress cells below 10, counts.json says otherwise"
[ "$(hist_expected 0 "$(jq -r '.participants | join(",")' "$work/c2/counts.json")" | awk '$NF < 10' | wc -l)" -gt 0 ] ||
    fail "counts: the data has no cell below 10, so suppression is not tested"
for n in "${nodes[@]}"; do
    [ "$(cat "$work/c2/$n.csv")" = "$header" ] || fail "counts: $n holds per-record results"
    grep -q 'no per-record results' <(sed -n "/what node $n sees/,/^\$/p" "$work/c2.txt") ||
        fail "counts: the summary shows per-record results for $n"
done
check_counts "$work/c2" "counts"
no_leaks "$work/c2" "counts"
echo "PASS"
