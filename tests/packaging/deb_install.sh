#!/usr/bin/env bash
# Installs the package deb.sh built ($SP_BUILD_DIR/package/, ctest fixture
# "deb") on this machine with apt, as an administrator would, and checks it
# from the installed paths: the snijpunt user, /etc/snijpunt and
# /var/lib/snijpunt with their owners and modes, the unit neither enabled nor
# started, `man -w` for every page, bash completion, `snijpuntd --check` as
# the service user on a configuration `snijpunt init` made, and
# `systemd-analyze verify`/`security` on the installed unit. Then purges the
# package again (when it was not installed before) and removes what the test
# created. Skipped, saying why, when not root or without apt.
set -euo pipefail
build=${SP_BUILD_DIR:?}
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: installing a package needs root (this is uid $(id -u))"
    exit 77
fi
command -v apt-get >/dev/null || { echo "SKIP: no apt-get on this machine"; exit 77; }
deb=$(ls "$build"/package/snijpunt_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1 || true)
[ -n "$deb" ] || { echo "FAIL: no package in $build/package (ctest -R packaging_deb first)"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }

had_pkg=$(dpkg-query -W -f='${Status}' snijpunt 2>/dev/null || true)
had_conf=no
[ -e /etc/snijpunt/snijpuntd.conf ] && had_conf=yes
tmp=$(mktemp -d)
cleanup() {
    if [ "$had_pkg" != "install ok installed" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq snijpunt >/dev/null 2>&1 || true
        if [ "$had_conf" = no ]; then
            rm -f /etc/snijpunt/snijpuntd.conf /etc/snijpunt/identity.key /etc/snijpunt/identity.pub
            rm -rf /var/lib/snijpunt/state.mdb /var/lib/snijpunt/lock.mdb /var/lib/snijpunt/lock
            rmdir /etc/snijpunt /var/lib/snijpunt 2>/dev/null || true
        fi
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" \
    >"$tmp/apt.log" 2>&1; then
    cat "$tmp/apt.log"
    fail "apt-get install $deb"
fi
echo "installed: $(dpkg-query -W -f='${Package} ${Version}' snijpunt)"

getent passwd snijpunt >/dev/null || fail "no user snijpunt"
[ "$(stat -c '%U:%G %a' /var/lib/snijpunt)" = "snijpunt:snijpunt 700" ] ||
    fail "/var/lib/snijpunt is $(stat -c '%U:%G %a' /var/lib/snijpunt), want snijpunt:snijpunt 700"
[ "$(stat -c '%U:%G %a' /etc/snijpunt)" = "root:snijpunt 750" ] ||
    fail "/etc/snijpunt is $(stat -c '%U:%G %a' /etc/snijpunt), want root:snijpunt 750"
state=$(systemctl is-enabled snijpuntd.service 2>/dev/null || true)
[ "$state" = disabled ] || fail "snijpuntd.service is '$state' after install, want disabled"
if [ -d /run/systemd/system ]; then
    ! systemctl is-active --quiet snijpuntd.service || fail "snijpuntd.service was started"
fi

for page in snijpuntd.8 snijpunt.1 snijpunt-gen.1 snijpuntd.conf.5 snijpunt-mapping.5; do
    p=$(man -w "${page%.*}" 2>/dev/null | head -n 1 || true)
    case $p in
    /usr/share/man/man*/"$page".gz) echo "man -w ${page%.*}: $p" ;;
    *) fail "man -w ${page%.*} gives '$p'" ;;
    esac
done
bash -c 'source /usr/share/bash-completion/completions/snijpunt && complete -p snijpunt' >/dev/null ||
    fail "bash completion not loadable"

# A node as systemd/README.md sets it up, checked as the service user.
if [ "$had_conf" = no ]; then
    # init's defaults: /etc/snijpunt/snijpuntd.conf and /etc/snijpunt/identity.key
    # (a root-owned directory: the key's directory must not belong to another user).
    /usr/bin/snijpunt init --node pkg-test --listen tcp://127.0.0.1:7199 >"$tmp/init.log" 2>&1
    chown snijpunt /etc/snijpunt/identity.key
    chgrp snijpunt /etc/snijpunt/snijpuntd.conf
    if ! runuser -u snijpunt -- /usr/sbin/snijpuntd --config /etc/snijpunt/snijpuntd.conf --check \
        >"$tmp/check.log" 2>&1; then
        cat "$tmp/check.log"
        fail "snijpuntd --check as user snijpunt"
    fi
    echo "snijpuntd --check (user snijpunt): $(tail -n 1 "$tmp/check.log")"
    # The shipped example names the same paths: it is valid as it stands.
    example=/usr/share/doc/snijpunt/examples/snijpuntd.conf
    if ! runuser -u snijpunt -- /usr/sbin/snijpuntd --config "$example" --check >"$tmp/check.log" 2>&1; then
        cat "$tmp/check.log"
        fail "snijpuntd --check of $example"
    fi
    echo "snijpuntd --check $example: valid"
else
    echo "note: /etc/snijpunt/snijpuntd.conf existed before; checked a --dir node instead"
    /usr/bin/snijpunt init --node pkg-test --listen tcp://127.0.0.1:7199 --dir "$tmp/node" >/dev/null
    /usr/sbin/snijpuntd --config "$tmp/node/snijpuntd.conf" --check || fail "snijpuntd --check"
fi

unit=/lib/systemd/system/snijpuntd.service
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
if systemd-analyze security --help 2>&1 | grep -q -- --offline; then
    score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
        sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p')
    echo "systemd-analyze security --offline=true $unit: $score"
    systemd-analyze security --offline=true --threshold=15 "$unit" >/dev/null ||
        fail "exposure $score is above 1.5"
fi
echo "ok: installed package checked"
