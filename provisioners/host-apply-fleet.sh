#!/bin/sh
# Applies a fleet change on the monitoring host: replaces Prometheus' file_sd targets atomically (write
# beside, then rename, so Prometheus never reads half a file and nothing restarts), then records the
# change in TimescaleDB (inventory and events). Run as root on the host.
# Standard input, a payload (payload.sh): "@@targets", the targets JSON, then optionally "@@sql" and the
# SQL, and "@@blackbox" and "@@snmp" (the probe and SNMP devices' targets, each written the same way into
# its own directory), then "@@end".
# Environment: IIOTMON_ROOT (default /srv/iiotmon), to run against a copy of the host's directories.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
root=${IIOTMON_ROOT:-/srv/iiotmon}
targets=$root/config/prometheus/targets/fleet.json
stage=$(mktemp -d /tmp/iiotmon-fleet.XXXXXX)
trap 'rm -rf "$stage"' EXIT INT TERM

# shellcheck source=/dev/null # the payload reader, inlined when the script is sent
. "$(dirname "$0")/payload.sh"
read_payload "$stage"
: >"$stage/targets"
: >"$stage/sql"
: >"$stage/blackbox"
: >"$stage/snmp"
while read -r src name; do
    case $name in
        targets | sql | blackbox | snmp) cat "$src" >>"$stage/$name" ;;
    esac
done <"$stage/index"
[ -s "$stage/targets" ] || { echo "iiotmon: error: no targets on stdin" >&2; exit 1; }

if cmp -s "$stage/targets" "$targets" 2>/dev/null; then
    echo "iiotmon: scrape targets unchanged"
else
    install -m 0644 "$stage/targets" "$targets.iiotmon-tmp"
    mv -f "$targets.iiotmon-tmp" "$targets"
    echo "iiotmon: scrape targets written ($(grep -c '"instance"' "$targets") devices)"
fi

# The probe and SNMP devices' targets, for blackbox_exporter's and snmp_exporter's scrape jobs.
for kind in blackbox snmp; do
    [ -s "$stage/$kind" ] || continue
    file=$root/config/prometheus/targets/$kind/fleet.json
    if cmp -s "$stage/$kind" "$file" 2>/dev/null; then
        echo "iiotmon: $kind targets unchanged"
    else
        mkdir -p "$(dirname "$file")"
        install -m 0644 "$stage/$kind" "$file.iiotmon-tmp"
        mv -f "$file.iiotmon-tmp" "$file"
        echo "iiotmon: $kind targets written ($(grep -c '"instance"' "$file") targets)"
    fi
done

if [ -s "$stage/sql" ]; then
    docker exec -i timescaledb psql -U postgres -d iiotmon -v ON_ERROR_STOP=1 -q -X <"$stage/sql"
    echo "iiotmon: fleet record updated"
fi
echo "IIOTMON_RESULT status=ok"
