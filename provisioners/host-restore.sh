#!/bin/sh
# Restores the monitoring host from a backup in S3: the newest complete one (with a manifest), or the
# one named. TimescaleDB's databases are restored over the running server; Prometheus' data directory
# is replaced by the snapshot, the previous one kept beside it. Stop Prometheus and Grafana first
# (docker stop prometheus grafana), start them after.
# Usage: host-restore.sh [latest | backups/YYYY/MM/DD/HHMMSSZ]
# Settings and test overrides as host-backup.sh; IIOTMON_PROMETHEUS_DATA overrides the data directory.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null # written by cloud-init on the host
[ -f /etc/iiotmon/backup.env ] && . /etc/iiotmon/backup.env
: "${BUCKET:?BUCKET is not set}" "${REGION:?REGION is not set}"
root=${IIOTMON_ROOT:-/srv/iiotmon}
data=${IIOTMON_PROMETHEUS_DATA:-$root/data/prometheus}
here=$(dirname "$0")
# shellcheck source=/dev/null # provisioners/host-s3.sh, installed beside this script
. "$here/host-s3.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/iiotmon-restore.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
s3_credentials

wanted=${1:-latest}
if [ "$wanted" = latest ]; then
    prefix=$(s3_list backups/ | sed -n 's|/manifest.json$||p' | sort | tail -n 1)
    [ -n "$prefix" ] || { echo "iiotmon-restore: no complete backup in s3://$BUCKET/backups/" >&2; exit 1; }
else
    prefix=${wanted%/}
fi
echo "iiotmon-restore: restoring s3://$BUCKET/$prefix/"
s3_get "$prefix/manifest.json" "$work/manifest.json" || { echo "iiotmon-restore: $prefix has no manifest (incomplete or missing backup)" >&2; exit 1; }
for f in globals.sql.gz timescaledb-iiotmon.dump timescaledb-grafana.dump prometheus-snapshot.tar.gz; do
    s3_get "$prefix/$f" "$work/$f"
done

pg() {
    if [ -n "${IIOTMON_PG_LOCAL:-}" ]; then "$@"; else docker exec -i timescaledb "$@"; fi
}
echo "iiotmon-restore: TimescaleDB"
# Roles first (existing ones are kept: their errors are expected and ignored), then each database.
gunzip -c "$work/globals.sql.gz" | pg psql -U postgres -d postgres -q -X >/dev/null 2>&1 || true
for db in iiotmon grafana; do
    pg psql -U postgres -d postgres -q -X -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    pg psql -U postgres -d postgres -q -X -c "CREATE DATABASE $db" >/dev/null
    # TimescaleDB's documented restore: the extension in pre-restore mode around pg_restore.
    timescale=no
    if pg pg_restore -l <"$work/timescaledb-$db.dump" | grep -q 'EXTENSION - timescaledb'; then
        timescale=yes
        pg psql -U postgres -d "$db" -q -X -c "CREATE EXTENSION IF NOT EXISTS timescaledb; SELECT timescaledb_pre_restore();" >/dev/null
    fi
    pg pg_restore -U postgres -d "$db" --no-owner --role=postgres --exit-on-error <"$work/timescaledb-$db.dump"
    if [ "$timescale" = yes ]; then
        pg psql -U postgres -d "$db" -q -X -c "SELECT timescaledb_post_restore();" >/dev/null
    fi
done

echo "iiotmon-restore: Prometheus"
mkdir -p "$work/prom"
tar -xzf "$work/prometheus-snapshot.tar.gz" -C "$work/prom"
snapshot=$(ls "$work/prom")
if [ -d "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
    aside=$data.before-restore-$(date -u +%Y%m%d%H%M%S)
    mv "$data" "$aside"
    echo "iiotmon-restore: previous Prometheus data kept in $aside"
fi
mkdir -p "$data"
cp -a "$work/prom/$snapshot/." "$data/"
chown -R 65534:65534 "$data" 2>/dev/null || true
echo "iiotmon-restore: done from $prefix; start the containers: docker start prometheus grafana"
