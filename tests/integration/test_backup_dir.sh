#!/usr/bin/env bash
# Issue 12, what `snijpunt backup` may write (daemon/README.md), on one real
# node with a dataset: the copy goes only into backup_dir (a path outside it
# and ../state.mdb are refused, the refusal names backup_dir), never over a
# file without --force, a plain name and an absolute path inside backup_dir
# both work, --json names the path, the copy is 0600 and no temporary file
# is left behind. (Moved here from test_backup_restore.sh, whose hot copy
# during a round and restore run in the normal build only: tests/README.md.)
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-backupdir.XXXXXX")
. "$(dirname "$0")/test_round_lib.sh"
trap fed_cleanup EXIT
need_tools

fed_init a
bsn_mapping "$T/p.map"
mkcsv "$T/a.csv" a 0 50
fed_start a
sp a load --dataset personen --mapping "$T/p.map" "$T/a.csv" >/dev/null || fail "load a"
BK=$T/a/state/backup # the default backup_dir: <state_dir>/backup

out=$(sp a backup --out /tmp/not-here.mdb 2>&1) && fail "a backup outside backup_dir was written"
echo "$out" | grep -q "backup directory $BK" || fail "refusal does not name backup_dir: $out"
[ ! -e /tmp/not-here.mdb ] || fail "/tmp/not-here.mdb was written"
out=$(sp a backup --out ../state.mdb --force 2>&1) && fail "backup over ../state.mdb accepted"
sp a backup --out first.mdb >"$T/b1.out" || fail "backup first.mdb"
grep -q "^$BK/first.mdb: [0-9]* bytes$" "$T/b1.out" || fail "backup printed $(cat "$T/b1.out")"
out=$(sp a backup --out first.mdb 2>&1) && fail "an existing backup was overwritten without --force"
echo "$out" | grep -q "exists; choose another name or add --force" || fail "exists: $out"
sp a backup --out "$BK/first.mdb" --force --json >"$T/b1.json" || fail "backup --force"
[ "$(jq -r .path "$T/b1.json")" = "$BK/first.mdb" ] || fail "json: $(cat "$T/b1.json")"
[ "$(jq -r .bytes "$T/b1.json")" -gt 0 ] || fail "json bytes: $(cat "$T/b1.json")"
[ "$(stat -c %a "$BK/first.mdb")" = 600 ] || fail "backup file mode not 0600"
[ -z "$(find "$BK" -name '.*')" ] || fail "a temporary file was left in backup_dir"
fed_stop a
echo "ok: backups only into $BK, never over a file without --force, 0600"
