#!/usr/bin/env bash
# systemd/snijpuntd.service is a valid unit (systemd-analyze verify, with the
# binary paths pointed at this build) and keeps its sandbox settings.
set -euo pipefail
B=${SP_BUILD_DIR:?set by ctest}
S=${SP_SOURCE_DIR:?set by ctest}
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-unit.XXXXXX")
trap 'rm -rf "$T"' EXIT
unit=$S/systemd/snijpuntd.service
sed "s|/usr/sbin/snijpuntd|$B/snijpuntd|g" "$unit" >"$T/snijpuntd.service"
# Documentation= names man pages: verify runs man(1) on them, here on man/.
for page in "$S"/man/*.[158]; do
    mkdir -p "$T/man/man${page##*.}"
    ln -s "$page" "$T/man/man${page##*.}/"
done
MANPATH=$T/man systemd-analyze verify "$T/snijpuntd.service"
for want in Type=notify NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    PrivateDevices=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
    SystemCallFilter=@system-service MemoryDenyWriteExecute=yes LockPersonality=yes \
    RestrictRealtime=yes CapabilityBoundingSet= UMask=0077 LimitCORE=0 StateDirectory=snijpunt \
    RuntimeDirectory=snijpunt ConfigurationDirectory=snijpunt User=snijpunt PrivateUsers=yes \
    PrivateMounts=yes 'SystemCallFilter=~@privileged @resources' \
    SystemCallFilter=sched_setscheduler SystemCallFilter=seccomp; do
    grep -qx -- "$want" "$unit" || { echo "FAIL: $unit lacks '$want'"; exit 1; }
done
# The exposure systemd/README.md states (1.2; the issue asks for <= 1.5).
# --offline and --threshold exist from systemd 250 (Debian 12 has 252).
if systemd-analyze security --help 2>&1 | grep -q -- --offline; then
    score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p')
    echo "systemd-analyze security --offline=true: $score"
    systemd-analyze security --offline=true --threshold=15 "$unit" >/dev/null ||
        { echo "FAIL: exposure $score is above 1.5"; exit 1; }
fi
echo "systemd unit: valid"
