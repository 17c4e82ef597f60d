#!/bin/sh
# Removes what node-exporter-install.sh put on a device (service, unit, binary, configuration, state and
# the system user it created), and gives back a service it took over. Only the resource that installed
# (the owner written by the install) uninstalls: after a rename, the old resource finds the new owner and
# leaves the device alone. Harmless when (parts of) it are already gone. Run as root.
# Arguments (key=value): device, owner; the installer's other arguments are accepted and ignored.
# Output: one "iiotmon: ..." line per step, then "IIOTMON_RESULT ...".
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# shellcheck disable=SC2034 # device is read by step and result (uninstall-lib.sh)
device=unknown owner=''
# shellcheck source=/dev/null # what the uninstallers share (arguments, step, result), inlined when the script is sent
. "$(dirname "$0")/uninstall-lib.sh"
read_uninstall_args "version port arch source base_url checksums pushed collectors take_over" "$@"
removed=0
require_root

unit=/etc/systemd/system/node_exporter.service
bin=/usr/local/bin/node_exporter
own_dir=/var/lib/iiotmon
systemd=no
[ ! -d /run/systemd/system ] || systemd=yes

# Whose node_exporter is this? Installs before ownership markers left our marker or our unit file.
current_owner=$(cat "$own_dir/owner" 2>/dev/null || true)
if [ -n "$current_owner" ] && [ "$current_owner" != "$owner" ]; then
    step "node_exporter here is now installed by $current_owner (a renamed device, or another stack); leaving it"
    result "status=ok removed=0 kept=owned-by-other"
    exit 0
fi
if [ -z "$current_owner" ] && [ ! -f /var/lib/node_exporter/iiotmon-install ] && ! grep -qs '^# Managed by iiot-monitoring' "$unit"; then
    step "nothing to remove: node_exporter was not installed by iiot-monitoring"
    result "status=ok removed=0"
    exit 0
fi

if [ "$systemd" = yes ] && [ -f "$unit" ]; then
    systemctl disable --now --quiet node_exporter.service 2>/dev/null || systemctl stop node_exporter.service 2>/dev/null || true
    step "service: stopped and disabled"
fi
for path in "$unit" "$bin" "$bin.iiotmon-new" "$bin.iiotmon-old" /etc/node_exporter /var/lib/node_exporter; do
    if [ -e "$path" ]; then
        rm -rf "$path"
        removed=$((removed + 1))
        step "removed $path"
    fi
done
if [ "$systemd" = yes ]; then systemctl daemon-reload 2>/dev/null || true; fi
# A pushed tarball that no install used (its path is relative to the SSH user's home, where we run).
rm -f .iiotmon/node_exporter-*.tar.gz 2>/dev/null || true
rmdir .iiotmon 2>/dev/null || true
if id node-exp >/dev/null 2>&1 && [ ! -f "$own_dir/keep-user" ]; then
    if command -v userdel >/dev/null 2>&1; then userdel node-exp; else deluser node-exp; fi
    getent group node-exp >/dev/null 2>&1 && { groupdel node-exp 2>/dev/null || delgroup node-exp 2>/dev/null || true; }
    removed=$((removed + 1))
    step "removed user node-exp"
fi

# Gives back what the install took over: its files, then the service unmasked, enabled and started as it was.
if [ -f "$own_dir/taken-over" ]; then
    read -r taken taken_enabled taken_active <"$own_dir/taken-over" || true
    [ ! -f "$own_dir/taken-over.tar" ] || tar -xf "$own_dir/taken-over.tar" -C /
    if [ "$systemd" = yes ] && [ -n "${taken:-}" ]; then
        [ "$taken" = node_exporter.service ] || systemctl unmask --quiet "$taken" 2>/dev/null || true
        systemctl daemon-reload
        [ "$taken_enabled" != enabled ] || systemctl enable --quiet "$taken" 2>/dev/null || true
        [ "$taken_active" != active ] || systemctl start "$taken" || true
        step "take-over: gave $taken back ($taken_enabled, $taken_active)"
    fi
fi
if [ -e "$own_dir" ]; then
    rm -rf "$own_dir"
    removed=$((removed + 1))
    step "removed $own_dir"
fi
result "status=ok removed=$removed"
