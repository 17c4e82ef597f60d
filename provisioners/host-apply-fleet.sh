#!/bin/sh
# Applies a fleet change on the monitoring host: replaces Prometheus' file_sd targets atomically (write
# beside, then rename, so Prometheus never reads half a file and nothing restarts), then records the
# change in TimescaleDB (inventory and events). Run as root on the host.
# Standard input, a payload (payload.sh): "@@targets", the targets JSON, then optionally "@@sql" and the
# SQL, then "@@end".
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
while read -r src name; do
    case $name in
        targets | sql) cat "$src" >>"$stage/$name" ;;
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

if [ -s "$stage/sql" ]; then
    docker exec -i timescaledb psql -U postgres -d iiotmon -v ON_ERROR_STOP=1 -q -X <"$stage/sql"
    echo "iiotmon: fleet record updated"
fi
echo "IIOTMON_RESULT status=ok"
