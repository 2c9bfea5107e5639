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
sed "s|/usr/bin/snijpuntd|$B/snijpuntd|g" "$unit" >"$T/snijpuntd.service"
systemd-analyze verify "$T/snijpuntd.service"
for want in Type=notify NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    PrivateDevices=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
    SystemCallFilter=@system-service MemoryDenyWriteExecute=yes LockPersonality=yes \
    RestrictRealtime=yes CapabilityBoundingSet= UMask=0077 LimitCORE=0 StateDirectory=snijpunt \
    RuntimeDirectory=snijpunt ConfigurationDirectory=snijpunt User=snijpunt; do
    grep -qx -- "$want" "$unit" || { echo "FAIL: $unit lacks '$want'"; exit 1; }
done
echo "systemd unit: valid"
