#!/usr/bin/env bash
# Issue 8, "Done when": the coordinator's report of a real round renders in
# a real browser. Five nodes on generated data (snijpunt-gen, 1000 persons)
# run one partners round through tools/local-federation, which writes
# OUT/report.html (`snijpunt report` on the initiator) next to
# OUT/counts.json (`snijpunt counts --json`). Headless Chromium then
#   - takes a screenshot (OUTDIR/report.png),
#   - dumps the DOM after loading (OUTDIR/dom.html) with its console on
#     standard error (OUTDIR/console.log),
# and the test checks: no console message at all (the page has no script,
# so any message is an error or a refused fetch); every cell's numbers in
# the dumped DOM, on the chart's bars and in the tables, equal the cells of
# `counts --json` (per subject when the round has them, else per key type);
# every chart's total and every partner's total equal the sums of those
# cells; the number of suppressed cells is the one the node reported; the
# signed proposal's signature is shown as checked and valid, and every
# partner's legal basis is in the page.
# A page with a script that logs is rendered first, so a console that is
# not captured fails the test instead of passing it.
#
# OUTDIR is $SP_BUILD_DIR/tests/report-browser (kept after the run).
# Skipped (77) when Chromium is not installed (bash tools/install-deps).
set -euo pipefail
src=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SP_BUILD_DIR:-$src/build}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "SKIP: Chromium is not installed (Debian package chromium: bash tools/install-deps)"
    exit 77
fi
command -v jq >/dev/null || fail "jq is missing (bash tools/install-deps)"
outdir=$build/tests/report-browser
work=$(mktemp -d "${TMPDIR:-/tmp}/sp-report-browser.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$outdir"
rm -f "$outdir"/report.png "$outdir"/dom.html "$outdir"/console.log "$outdir"/report.html

# chrome ARGS... URL: headless, no sandbox (it may run as root), its own
# profile and HOME, console messages on standard error.
chrome() {
    local profile
    profile=$(mktemp -d "$work/profile.XXXXXX")
    HOME=$profile timeout 300 "$browser" --headless --no-sandbox --disable-gpu \
        --no-first-run --no-default-browser-check --disable-extensions --hide-scrollbars \
        --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@"
}
console_of() { grep -a ':CONSOLE' "$1" || true; }

# --- the console is really captured ---
printf '<!DOCTYPE html><html><body><script>console.error("sp-probe")</script></body></html>\n' \
    >"$work/probe.html"
chrome --dump-dom "file://$work/probe.html" >"$work/probe.dom" 2>"$work/probe.err" ||
    fail "Chromium did not load a probe page: $(tail -5 "$work/probe.err")"
console_of "$work/probe.err" | grep -q 'sp-probe' ||
    fail "Chromium's console is not captured (--enable-logging=stderr): no check possible"

# --- a real round ---
"$build/snijpunt-gen" --out "$work/data" --persons 1000 --seed 8 --quiet
SP_BUILD_DIR=$build "$src/tools/local-federation" --data "$work/data" --results "$work/out" \
    --timeout 300 --suppress-below 3 >"$work/fed.log" 2>&1 ||
    fail "local-federation failed: $(tail -20 "$work/fed.log")"
out=$work/out
[ -s "$out/report.html" ] || fail "local-federation wrote no OUT/report.html"
cp "$out/report.html" "$out/counts.json" "$outdir/"
round=$(jq -r .round "$out/round.json")

# --- render ---
chrome --screenshot="$outdir/report.png" --window-size=1280,2000 "file://$outdir/report.html" \
    >"$work/shot.out" 2>"$work/shot.err" || fail "Chromium screenshot failed: $(tail -5 "$work/shot.err")"
[ -s "$outdir/report.png" ] || fail "no screenshot written"
chrome --dump-dom "file://$outdir/report.html" >"$outdir/dom.html" 2>"$work/dom.err" ||
    fail "Chromium --dump-dom failed: $(tail -5 "$work/dom.err")"
console_of "$work/dom.err" >"$outdir/console.log"
console_of "$work/shot.err" >>"$outdir/console.log"
[ ! -s "$outdir/console.log" ] || fail "console messages while loading the report: $(cat "$outdir/console.log")"
grep -q "id=\"round\">$round<" "$outdir/dom.html" || fail "the page does not name round $round"
# local-federation hands the report the signed proposal and the CA.
grep -q 'id="signature" data-checked="true" data-valid="true"' "$outdir/dom.html" ||
    fail "the page does not show the proposal's signature as checked and valid"
[ "$(grep -c 'synthetic test data, no personal data' "$outdir/dom.html")" -ge 5 ] ||
    fail "the page does not show every partner's legal basis from the signed proposal"

# --- the numbers ---
# One element per line; then the data attributes of the bars and table rows
# as "entity|key_type|mask|count" (key_type empty for subject cells).
tr '<' '\n' <"$outdir/dom.html" >"$work/elements"
cells_of() { # element prefix
    grep -E "^$1" "$work/elements" |
        sed -E 's/.* data-entity="([a-z]*)"( data-key-type="([a-z_]*)")? data-holders="[^"]*" data-holders-mask="([0-9]+)" data-count="([0-9]+)".*/\1|\3|\4|\5/'
}
cells_of 'tr class="cell' >"$work/rows"
cells_of 'rect class="bar' >"$work/bars"
[ -s "$work/rows" ] || fail "no cells in the page"
if grep -q 'id="per-subject-note"' "$outdir/dom.html" && [ "$(jq -r '.subjects.available // false' "$out/counts.json")" != true ]; then
    fail "the report draws subject cells but counts --json has none (.subjects.available)"
fi
if [ "$(jq -r '.subjects.available // false' "$out/counts.json")" = true ]; then
    unit=subjects
    jq -r '.subjects.cells[] | "\(.entity)|\(.holders_mask)|\(.count)"' "$out/counts.json" |
        sort >"$work/want"
    key() { awk -F'|' '{ print $1 "|" $3 "|" $4 }' "$1" | sort; }
    grep -q 'id="per-key-note"' "$outdir/dom.html" && fail "per-subject round with the per-key-value note"
    supp=$(jq -r '.subjects.suppressed_cells // empty' "$out/counts.json")
else
    unit=entries
    jq -r '.entries[] | "\(.key_type)|\(.holders_mask)|\(.count)"' "$out/counts.json" |
        sort >"$work/want"
    key() { awk -F'|' '{ print $2 "|" $3 "|" $4 }' "$1" | sort; }
    grep -q 'id="per-key-note"' "$outdir/dom.html" || fail "per-key-value round without its note"
    supp=$(jq -r '.suppressed_cells // empty' "$out/counts.json")
fi
key "$work/rows" >"$work/got.rows"
key "$work/bars" >"$work/got.bars"
cmp -s "$work/want" "$work/got.rows" ||
    fail "table cells differ from counts --json .$unit: $(diff "$work/want" "$work/got.rows" | head -10)"
cmp -s "$work/want" "$work/got.bars" ||
    fail "chart bars differ from counts --json .$unit: $(diff "$work/want" "$work/got.bars" | head -10)"

# Chart totals: per group (entity, or key type) the sum of its cells.
grep -E '^div class="group"' "$work/elements" |
    sed -E 's/.* data-entity="([a-z]*)"( data-key-type="([a-z_]*)")? data-total="([0-9]+)".*/\1|\3|\4/' \
        >"$work/groups"
awk -F'|' -v u="$unit" '{ g = (u == "subjects" ? $1 : $2); s[g] += $4 }
    END { for (g in s) print g "|" s[g] }' "$work/rows" | sort >"$work/sums"
awk -F'|' -v u="$unit" '{ print (u == "subjects" ? $1 : $2) "|" $3 }' "$work/groups" | sort >"$work/totals"
jq -r --arg u "$unit" 'if $u == "subjects" then .subjects.cells else .entries end
    | group_by(if $u == "subjects" then .entity else .key_type end)[]
    | "\(.[0] | if $u == "subjects" then .entity else .key_type end)|\(map(.count) | add)"' \
    "$out/counts.json" | sort >"$work/want.totals"
cmp -s "$work/want.totals" "$work/totals" ||
    fail "chart totals differ from the sums of counts --json: $(diff "$work/want.totals" "$work/totals" | head)"
cmp -s "$work/sums" "$work/totals" || fail "chart totals differ from the sums of their own cells"
if [ "$unit" = subjects ]; then # the summary table: per entity, the same totals
    grep -E '^tr class="summary"' "$work/elements" |
        sed -E 's/.* data-entity="([a-z]*)" data-total="([0-9]+)".*/\1|\2/' |
        awk -F'|' '$2 > 0' | sort >"$work/summary"
    cmp -s "$work/want.totals" "$work/summary" ||
        fail "summary totals differ from counts --json: $(diff "$work/want.totals" "$work/summary" | head)"
fi

# Per partner: the sum of the cells it is among, in every group.
grep -E '^tr class="partner-total"' "$work/elements" |
    sed -E 's/.* data-entity="([a-z]*)"( data-key-type="([a-z_]*)")? data-participant="([a-z0-9-]*)" data-total="([0-9]+)".*/\1|\3|\4|\5/' |
    awk -F'|' -v u="$unit" '{ print (u == "subjects" ? $1 : $2) "|" $3 "|" $4 }' | sort >"$work/ptotals"
jq -r --arg u "$unit" '.participants as $p
    | (if $u == "subjects" then .subjects.cells else .entries end)
    | group_by(if $u == "subjects" then .entity else .key_type end)[]
    | . as $g | range(0; $p | length) as $i
    | "\($g[0] | if $u == "subjects" then .entity else .key_type end)|\($p[$i])|\([$g[] | select(.holders_mask / pow(2; $i) | floor % 2 == 1) | .count] | add // 0)"' \
    "$out/counts.json" | sort >"$work/want.ptotals"
cmp -s "$work/want.ptotals" "$work/ptotals" ||
    fail "partner totals differ from counts --json: $(diff "$work/want.ptotals" "$work/ptotals" | head)"

# Suppression: the threshold, and the number of cells left out when reported.
grep -q "data-suppressed-below=\"$(jq -r .suppressed_below "$out/counts.json")\"" "$outdir/dom.html" ||
    fail "the page does not state the suppression threshold of counts --json"
if [ -n "$supp" ]; then
    grep -q "data-suppressed-cells=\"$supp\"" "$outdir/dom.html" ||
        fail "the page does not state the $supp suppressed cells of counts --json"
fi

echo "report of round $round: $(wc -l <"$work/want") cells ($unit), chart and tables equal" \
    "counts --json; no console message; screenshot $outdir/report.png"
echo "all checks passed"
