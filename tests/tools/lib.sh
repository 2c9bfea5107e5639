# Shared helpers for the command-line tests (sourced).
set -u
SNIJPUNT="${SP_BUILD_DIR:-$(dirname "$0")/../../build}/snijpunt"
if [ ! -x "$SNIJPUNT" ]; then
    echo "FAIL: $SNIJPUNT not built" >&2
    exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sp-tools.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILS=0
OUT="$TMP/out"
ERR="$TMP/err"

fail() {
    echo "FAIL: $*" >&2
    echo "--- stdout:" >&2; head -c 4000 "$OUT" >&2
    echo "--- stderr:" >&2; head -c 4000 "$ERR" >&2
    FAILS=$((FAILS + 1))
}

# run EXPECTED_STATUS ARGS...: runs snijpunt, output in $OUT and $ERR.
run() {
    local want=$1
    shift
    "$SNIJPUNT" "$@" >"$OUT" 2>"$ERR"
    local got=$?
    [ "$got" -eq "$want" ] || fail "snijpunt $* exited $got, expected $want"
}

# without_tmp FILE: FILE's text without the paths of this test's temporary
# directory, whose random name can hold any short text: a run failed with
# "did not expect 'L2'" because the output named /tmp/sp-tools.KL2em7/lines.csv.
without_tmp() {
    local c
    c=$(cat "$1")
    printf '%s\n' "${c//"$TMP"/}"
}
# has FILE TEXT: FILE contains TEXT (fixed string).
has() { grep -qF -- "$2" "$1" || fail "expected '$2' in $1"; }
# hasnt FILE TEXT: FILE does not contain TEXT, outside the temporary paths.
hasnt() { ! without_tmp "$1" | grep -qF -- "$2" || fail "did not expect '$2' in $1"; }

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
    exit 0
}
