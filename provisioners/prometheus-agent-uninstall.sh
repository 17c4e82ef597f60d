#!/bin/sh
# Removes what prometheus-agent-install.sh put on a device: the collector's and the back-filler's
# services and units, the binaries (prometheus, promtool, the back-filler), configuration, the local TSDB
# with the back-filler's place, and the system user. Only the resource that installed (the owner written by the
# install) uninstalls. Harmless when (parts of) it are already gone. Run as root.
# Arguments (key=value): device, owner; the installer's other arguments are accepted and ignored.
# Output: one "iiotmon: ..." line per step, then "IIOTMON_RESULT ...".
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# shellcheck disable=SC2034 # device is read by step and result (uninstall-lib.sh)
device=unknown owner=''
# shellcheck source=/dev/null # what the uninstallers share (arguments, step, result), inlined when the script is sent
. "$(dirname "$0")/uninstall-lib.sh"
read_uninstall_args "version arch source base_url checksums pushed port retention disk_bytes block_duration" "$@"
removed=0
require_root

unit=/etc/systemd/system/prometheus-agent.service
conf_dir=/etc/prometheus-agent
current_owner=$(cat "$conf_dir/iiotmon-owner" 2>/dev/null || true)
if [ -n "$current_owner" ] && [ "$current_owner" != "$owner" ]; then
    step "the collector here is now installed by $current_owner (a renamed device, or another stack); leaving it"
    result "status=ok removed=0 kept=owned-by-other"
    exit 0
fi
backfill_unit=/etc/systemd/system/prometheus-agent-backfill.service
# The back-filler first: it reads the TSDB that goes next.
for svc in prometheus-agent-backfill prometheus-agent; do
    if [ -d /run/systemd/system ] && [ -f "/etc/systemd/system/$svc.service" ]; then
        systemctl disable --now --quiet "$svc.service" 2>/dev/null || systemctl stop "$svc.service" 2>/dev/null || true
        step "service: $svc stopped and disabled"
    fi
done
for path in "$backfill_unit" "$unit" /usr/local/bin/prometheus-agent-backfill /usr/local/bin/prometheus-agent-promtool /usr/local/bin/prometheus-agent-promtool.iiotmon-new \
    /usr/local/bin/prometheus-agent /usr/local/bin/prometheus-agent.iiotmon-new "$conf_dir" /var/lib/prometheus-agent; do
    if [ -e "$path" ]; then
        rm -rf "$path"
        removed=$((removed + 1))
        step "removed $path"
    fi
done
[ ! -d /run/systemd/system ] || systemctl daemon-reload 2>/dev/null || true
rm -f .iiotmon/prometheus-*.tar.gz 2>/dev/null || true
rmdir .iiotmon 2>/dev/null || true
if id prom-agent >/dev/null 2>&1; then
    if command -v userdel >/dev/null 2>&1; then userdel prom-agent; else deluser prom-agent; fi
    getent group prom-agent >/dev/null 2>&1 && { groupdel prom-agent 2>/dev/null || delgroup prom-agent 2>/dev/null || true; }
    removed=$((removed + 1))
    step "removed user prom-agent"
fi
result "status=ok removed=$removed"
