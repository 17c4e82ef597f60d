#!/bin/sh
# Restores the monitoring host from the restic repository in S3: the newest snapshot, or the one
# named (an id from `restic snapshots`). Checks the repository first, restores with restic's own
# content verification, then checks what it restored: every Prometheus block the backup listed with
# its series and samples, and every table's row count against the dump. TimescaleDB's databases are
# restored over the running server; Prometheus' data directory is replaced (the previous one is kept
# beside it). Stop Prometheus and Grafana first (docker stop prometheus grafana), start them after.
# Needs free space on the data volume for the restored TSDB (the previous one stays until removed).
# Usage: host-restore.sh [latest | SNAPSHOT_ID]
# Settings and test overrides as host-backup.sh; IIOTMON_PROMETHEUS_DATA overrides the data directory.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null # written on the host by the stack
[ -f /etc/iiotmon/backup.env ] && . /etc/iiotmon/backup.env
: "${BUCKET:?BUCKET is not set}" "${REGION:?REGION is not set}"
root=${IIOTMON_ROOT:-/srv/iiotmon}
data=${IIOTMON_PROMETHEUS_DATA:-$root/data/prometheus}
export RESTIC_REPOSITORY="${RESTIC_REPOSITORY:-s3:https://s3.$REGION.amazonaws.com/$BUCKET/restic}"
export RESTIC_PASSWORD_FILE="${RESTIC_PASSWORD_FILE:-$root/config/backup/restic-password}"
export AWS_DEFAULT_REGION="$REGION"
export RESTIC_CACHE_DIR="${RESTIC_CACHE_DIR:-$root/backups/cache}"

fail() { echo "iiotmon-restore: FAILED: $1" >&2; exit 1; }
[ -r "$RESTIC_PASSWORD_FILE" ] || fail "no repository password in $RESTIC_PASSWORD_FILE"
# On the data volume, so the restored TSDB moves into place by a rename.
stage=$root/backups/restore
rm -rf "$stage"
mkdir -p "$stage"
chmod 700 "$stage"
trap 'rm -rf "$stage"' EXIT INT TERM

wanted=${1:-latest}
echo "iiotmon-restore: checking the repository $RESTIC_REPOSITORY"
restic check >"$stage/check.log" 2>&1 || { cat "$stage/check.log" >&2; fail "restic check found errors"; }
echo "iiotmon-restore: restoring snapshot $wanted"
restic restore "$wanted" --host iiotmon --target "$stage" --verify >"$stage/restore.log" 2>&1 ||
    { cat "$stage/restore.log" >&2; fail "restic restore of $wanted failed"; }
dumps=$stage/dumps
if [ ! -f "$dumps/timescaledb-iiotmon.dump" ] || [ ! -d "$stage/prometheus" ]; then fail "snapshot $wanted is not a monitoring host backup"; fi

echo "iiotmon-restore: Prometheus"
series=0
samples=0
blocks=0
while read -r ulid want_series want_samples; do
    meta=$stage/prometheus/$ulid/meta.json
    [ -f "$meta" ] || fail "block $ulid is missing from the restored snapshot"
    got=$(tr -d ' \t\n' <"$meta" | sed -n 's/.*"numSeries":\([0-9]*\).*/\1/p')
    [ "${got:-0}" = "${want_series:-0}" ] || fail "block $ulid has ${got:-0} series, the backup recorded $want_series"
    blocks=$((blocks + 1))
    series=$((series + ${want_series:-0}))
    samples=$((samples + ${want_samples:-0}))
done <"$dumps/prometheus-blocks.txt"
echo "iiotmon-restore: Prometheus: $blocks blocks, $series series (summed over blocks), $samples samples, as backed up"

pg() {
    if [ -n "${IIOTMON_PG_LOCAL:-}" ]; then "$@"; else docker exec -i timescaledb "$@"; fi
}
echo "iiotmon-restore: TimescaleDB"
# Roles first (existing ones are kept: their errors are expected and ignored), then each database.
pg psql -U postgres -d postgres -q -X <"$dumps/globals.sql" >/dev/null 2>&1 || true
for db in iiotmon grafana; do
    dump=$dumps/timescaledb-$db.dump
    pg psql -U postgres -d postgres -q -X -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    pg psql -U postgres -d postgres -q -X -c "CREATE DATABASE $db" >/dev/null
    # TimescaleDB's documented restore: the extension in pre-restore mode around pg_restore.
    timescale=no
    if pg pg_restore -l <"$dump" | grep -q 'EXTENSION - timescaledb'; then
        timescale=yes
        pg psql -U postgres -d "$db" -q -X -c "CREATE EXTENSION IF NOT EXISTS timescaledb; SELECT timescaledb_pre_restore();" >/dev/null
    fi
    pg pg_restore -U postgres -d "$db" --no-owner --role=postgres --exit-on-error <"$dump"
    if [ "$timescale" = yes ]; then
        pg psql -U postgres -d "$db" -q -X -c "SELECT timescaledb_post_restore();" >/dev/null
    fi
    # Rows per table in the dump (the lines of each COPY block), against the restored tables.
    pg pg_restore -a -f - <"$dump" | awk '/^COPY / { t = $2; n = 0; on = 1; next } on && /^\\\.$/ { print t, n; on = 0; next } on { n++ }' >"$stage/rows-$db"
    tables=0
    rows=0
    while read -r table want; do
        got=$(pg psql -U postgres -d "$db" -q -X -A -t -c "SELECT count(*) FROM ONLY $table")
        [ "$got" = "$want" ] || fail "$db: $table has $got rows after the restore, the dump has $want"
        tables=$((tables + 1))
        rows=$((rows + want))
    done <"$stage/rows-$db"
    [ "$tables" -gt 0 ] || fail "$db: no table data in the dump"
    echo "iiotmon-restore: $db: $tables tables, $rows rows, as in the dump"
done

if [ -d "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
    aside=$data.before-restore-$(date -u +%Y%m%d%H%M%S)
    mv "$data" "$aside"
    echo "iiotmon-restore: previous Prometheus data kept in $aside (remove it once the restore is checked)"
fi
[ -d "$data" ] && rmdir "$data"
mkdir -p "$(dirname "$data")"
mv "$stage/prometheus" "$data"
chown -R 65534:65534 "$data" 2>/dev/null || true
echo "iiotmon-restore: done from snapshot $wanted; start the containers: docker start prometheus grafana"
