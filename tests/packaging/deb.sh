#!/usr/bin/env bash
# The Debian package (debian/): built from a copy of this tree as a
# distribution would (dpkg-buildpackage -us -uc -b, DEB_BUILD_OPTIONS=nocheck
# so that only what is installed is compiled), unpacked with dpkg-deb -x and
# its contents checked: binaries (hardened), unit, sysusers and tmpfiles
# files, man pages, bash completion, docs; maintainer scripts that create the
# user and directories and enable or start nothing; lintian without errors or
# warnings (debian/README.md explains what remains). Leaves the package in
# $SP_BUILD_DIR/package/ for deb_install.sh (ctest fixture "deb").
set -euo pipefail
src=${SP_SOURCE_DIR:?} build=${SP_BUILD_DIR:?}
for tool in dpkg-buildpackage dh dh_installsysusers lintian fakeroot; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (bash tools/install-deps)"
        exit 77
    fi
done
out=$build/package
rm -rf "$out"
mkdir -p "$out/src"
fail() { echo "FAIL: $*"; exit 1; }

# The tree as committed plus what is not committed yet, never a build dir.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z -c -o --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -xf - -C "$out/src"
else
    tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$out/src"
fi

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=$(sed -nE 's/^project\(snijpunt VERSION ([0-9.]+).*/\1/p' "$src/CMakeLists.txt")
[ "$version" = "$upstream" ] || fail "debian/changelog says $version, CMakeLists.txt $upstream"
arch=$(dpkg --print-architecture)
deb=$out/snijpunt_${version}_${arch}.deb

start=$(date +%s)
if ! (cd "$out/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
    tail -n 60 "$out/build.log"
    fail "dpkg-buildpackage -us -uc -b (log: $out/build.log)"
fi
echo "dpkg-buildpackage: $(basename "$deb") in $(($(date +%s) - start)) s"
[ -f "$deb" ] || fail "no $deb; built: $(ls "$out")"
grep -q -- '-DSP_WERROR=OFF' "$out/build.log" || fail "debian/rules does not turn SP_WERROR off"

# Contents.
dpkg-deb -x "$deb" "$out/root"
root=$out/root
for f in usr/sbin/snijpuntd usr/bin/snijpunt usr/bin/snijpunt-gen \
    lib/systemd/system/snijpuntd.service usr/lib/sysusers.d/snijpunt.conf \
    usr/lib/tmpfiles.d/snijpunt.conf usr/share/bash-completion/completions/snijpunt \
    usr/share/man/man1/snijpunt.1.gz usr/share/man/man1/snijpunt-gen.1.gz \
    usr/share/man/man5/snijpuntd.conf.5.gz usr/share/man/man5/snijpunt-mapping.5.gz \
    usr/share/man/man8/snijpuntd.8.gz usr/share/doc/snijpunt/copyright \
    usr/share/doc/snijpunt/README.md usr/share/doc/snijpunt/daemon/README.md \
    usr/share/doc/snijpunt/tools/README.md usr/share/doc/snijpunt/input/README.md \
    usr/share/doc/snijpunt/examples/snijpuntd.conf; do
    [ -e "$root/$f" ] || fail "the package lacks /$f"
done
# Nothing of the build or the tests: no test programs, libraries, headers.
extra=$(cd "$root" && find . -type f | grep -vE '^\./(usr/(s?bin|share/(man|doc|bash-completion|lintian/overrides)|lib/(sysusers|tmpfiles)\.d)|lib/systemd/system)/' || true)
[ -z "$extra" ] || fail "unexpected files in the package: $extra"
[ -z "$(find "$root" -path '*/etc/*' -print -quit)" ] || fail "the package ships files in /etc"
# The unit runs the binary the package installs; the docs it names exist.
grep -qx 'ExecStart=/usr/sbin/snijpuntd --config /etc/snijpunt/snijpuntd.conf' \
    "$root/lib/systemd/system/snijpuntd.service" || fail "ExecStart is not /usr/sbin/snijpuntd"
grep -q 'snijpuntd.conf(5)' <("$root/usr/sbin/snijpuntd" --help) || fail "snijpuntd --help does not name snijpuntd.conf(5)"
"$root/usr/sbin/snijpuntd" --version | grep -qx "snijpuntd $version" || fail "snijpuntd --version is not $version"
"$root/usr/bin/snijpunt" --help >/dev/null || fail "snijpunt --help"
# Hardening: PIE, full RELRO (BIND_NOW), non-executable stack.
for b in usr/sbin/snijpuntd usr/bin/snijpunt usr/bin/snijpunt-gen; do
    readelf -h "$root/$b" | grep -q 'Type: *DYN' || fail "$b is not PIE"
    readelf -d "$root/$b" | grep -qE 'BIND_NOW|FLAGS.*NOW' || fail "$b lacks BIND_NOW"
    readelf -lW "$root/$b" | grep -q GNU_RELRO || fail "$b lacks RELRO"
    readelf -lW "$root/$b" | grep GNU_STACK | grep -q RWE && fail "$b has an executable stack"
done
# Maintainer scripts: the user and the directories, nothing enabled or started.
dpkg-deb -e "$deb" "$out/control"
grep -q 'systemd-sysusers' "$out/control/postinst" || fail "postinst does not run systemd-sysusers"
grep -q 'systemd-tmpfiles' "$out/control/postinst" || fail "postinst does not run systemd-tmpfiles"
# (dh_installsystemd --no-enable --no-start: the unit is enabled again only
# when the administrator had enabled it, "was-enabled", and never started.)
! grep -n 'deb-systemd-invoke' "$out/control/postinst" || fail "postinst starts the unit"
enables=$(grep -c 'deb-systemd-helper enable' "$out/control/postinst" || true)
guarded=$(grep -A3 'deb-systemd-helper --quiet was-enabled' "$out/control/postinst" |
    grep -c 'deb-systemd-helper enable' || true)
[ "$enables" = "$guarded" ] || fail "postinst enables the unit"
grep -qx 'u snijpunt - "snijpunt federation node" /var/lib/snijpunt' "$root/usr/lib/sysusers.d/snijpunt.conf" ||
    fail "sysusers.d: no snijpunt user"
grep -qE '^d /var/lib/snijpunt +0700 snijpunt snijpunt' "$root/usr/lib/tmpfiles.d/snijpunt.conf" ||
    fail "tmpfiles.d: /var/lib/snijpunt is not 0700 snijpunt"
grep -qE '^d /etc/snijpunt +0750 root +snijpunt' "$root/usr/lib/tmpfiles.d/snijpunt.conf" ||
    fail "tmpfiles.d: /etc/snijpunt is not 0750 root:snijpunt"
dpkg-deb -f "$deb" Package Version Architecture Depends

# lintian: no error or warning; the rest is printed (debian/README.md).
if ! lintian --fail-on error,warning --display-info "$deb" >"$out/lintian.log" 2>&1; then
    cat "$out/lintian.log"
    fail "lintian reports errors or warnings"
fi
echo "lintian: no error or warning; $(grep -cE "^[A-Z]: " "$out/lintian.log" || true) other tags (overrides: debian/snijpunt.lintian-overrides)"
cat "$out/lintian.log"
rm -rf "$out/src" "$out/root" "$out/control"
echo "ok: $deb"
