#!/usr/bin/env bash
# Man pages (man/): `mandoc -Tlint` finds no warning or error in any page, and
# every option a --help text shows is in the page that documents it:
#   snijpuntd --help              -> snijpuntd.8
#   snijpunt-gen --help           -> snijpunt-gen.1
#   snijpunt CMD [SUB] --help     -> snijpunt.1, subsection "snijpunt CMD"
#                                    (or "Connection options")
#   every command of snijpunt --help has its subsection in snijpunt.1
#   every key of daemon/config.c  -> snijpuntd.conf.5
#   every option and field of input/mapping.c -> snijpunt-mapping.5
# Each miss is printed as "PAGE: ... lacks OPTION (from COMMAND --help)".
set -euo pipefail
src=${SP_SOURCE_DIR:?} build=${SP_BUILD_DIR:?}
man=$src/man
if ! command -v mandoc >/dev/null; then
    echo "SKIP: mandoc is not installed (bash tools/install-deps)"
    exit 77
fi
fail=0
miss() { echo "MISSING: $*"; fail=1; }

for page in "$man"/*.[158]; do
    if ! mandoc -Tlint -W warning "$page"; then
        echo "FAIL: mandoc -Tlint -W warning $page"
        fail=1
    fi
done

# The rendered text, overstrike removed: what `man` shows.
render() { mandoc -Tascii "$1" | sed 's/.\x08//g'; }
options() { "$@" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u || true; }
# The text of one subsection ("   snijpunt init") up to the next heading.
subsection() {
    awk -v t="   $2" '$0 == t { on = 1; next } on && /^ {0,3}[^ ]/ { exit } on' <<<"$1"
}
has_option() { grep -qE -- "$2([^a-z0-9-]|\$)" <<<"$1"; }

text=$(render "$man/snijpuntd.8")
for opt in $(options "$build/snijpuntd"); do
    has_option "$text" "$opt" || miss "snijpuntd.8 lacks $opt (from snijpuntd --help)"
done
text=$(render "$man/snijpunt-gen.1")
for opt in $(options "$build/snijpunt-gen"); do
    has_option "$text" "$opt" || miss "snijpunt-gen.1 lacks $opt (from snijpunt-gen --help)"
done

page=$(render "$man/snijpunt.1")
conn=$(subsection "$page" "Connection options")
commands=$("$build/snijpunt" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ -n "$commands" ] || miss "no commands in snijpunt --help"
for cmd in $commands; do
    sect=$(subsection "$page" "snijpunt $cmd")
    if [ -z "$sect" ]; then
        miss "snijpunt.1 has no subsection \"snijpunt $cmd\" (a command of snijpunt --help)"
        continue
    fi
    # Subcommands: the words after "snijpunt CMD" in the usage lines.
    subs=$("$build/snijpunt" "$cmd" --help 2>&1 |
        grep -oE "snijpunt $cmd [a-z]+" | awk '{ print $3 }' | sort -u || true)
    for sub in "" $subs; do
        for opt in $(options "$build/snijpunt" "$cmd" $sub); do
            [ "$opt" != --help ] || continue # in the SYNOPSIS, for every command
            has_option "$sect" "$opt" || has_option "$conn" "$opt" ||
                miss "snijpunt.1 section \"snijpunt $cmd\" lacks $opt (from snijpunt $cmd${sub:+ $sub} --help)"
        done
    done
done

# A key is the tag of a list item: "     key", "     key, other_key".
has_key() { grep -qE "^ {5,}([a-z_]+, )*$2(,|\$| )" <<<"$1"; }
text=$(render "$man/snijpuntd.conf.5")
for key in $(sed -nE 's/^ *\{"([a-z_]+)", SEC_.*/\1/p' "$src/daemon/config.c"); do
    has_key "$text" "$key" || miss "snijpuntd.conf.5 lacks the key $key (daemon/config.c)"
done
text=$(render "$man/snijpunt-mapping.5")
for key in $(sed -nE -e 's/^ *\{"([a-z_]+)", opt_.*/\1/p' \
    -e 's/^ *\[SP_FIELD_[A-Z_]+\] = "([a-z_]+)".*/\1/p' "$src/input/mapping.c"); do
    has_key "$text" "$key" || miss "snijpunt-mapping.5 lacks $key (input/mapping.c)"
done

[ "$fail" -eq 0 ] && echo "ok: man pages lint clean and cover every --help option, config key and mapping key"
exit "$fail"
