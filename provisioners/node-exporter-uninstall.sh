#!/bin/sh
# Removes everything node-exporter-install.sh put on a device: service, unit, binary, configuration,
# state and the system user. Harmless when (parts of) it are already gone. Run as root.
# Arguments (key=value): device. Output: one "iiotmon: ..." line per step, then "IIOTMON_RESULT ...".
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

device=unknown
for arg in "$@"; do
    case $arg in
        device=*) device=${arg#*=} ;;
        *) printf 'iiotmon: error: unknown argument %s\n' "$arg" >&2; exit 2 ;;
    esac
done

step() { printf 'iiotmon: [%s] %s\n' "$device" "$*"; }
removed=0

[ "$(id -u)" = 0 ] || { step "error: must run as root" >&2; printf 'IIOTMON_RESULT device=%s status=failed reason=not-root\n' "$device"; exit 1; }

unit=/etc/systemd/system/node_exporter.service
if [ -d /run/systemd/system ] && [ -f "$unit" ]; then
    systemctl disable --now --quiet node_exporter.service 2>/dev/null || systemctl stop node_exporter.service 2>/dev/null || true
    step "service: stopped and disabled"
fi
for path in "$unit" /usr/local/bin/node_exporter /usr/local/bin/node_exporter.iiotmon-new /etc/node_exporter /var/lib/node_exporter; do
    if [ -e "$path" ]; then
        rm -rf "$path"
        removed=$((removed + 1))
        step "removed $path"
    fi
done
if [ -d /run/systemd/system ]; then systemctl daemon-reload 2>/dev/null || true; fi
rm -f /tmp/iiotmon-node_exporter-*.tar.gz
if id node-exp >/dev/null 2>&1; then
    if command -v userdel >/dev/null 2>&1; then userdel node-exp; else deluser node-exp; fi
    getent group node-exp >/dev/null 2>&1 && { groupdel node-exp 2>/dev/null || delgroup node-exp 2>/dev/null || true; }
    removed=$((removed + 1))
    step "removed user node-exp"
fi
[ "$removed" -gt 0 ] || step "nothing to remove: node_exporter was not installed by iiot-monitoring"
printf 'IIOTMON_RESULT device=%s status=ok removed=%s\n' "$device" "$removed"
