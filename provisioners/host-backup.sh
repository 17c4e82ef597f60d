#!/bin/sh
# Backs up the monitoring host to S3: TimescaleDB (the fleet record and Grafana's state) with pg_dump in
# PostgreSQL's custom format, and a Prometheus TSDB snapshot, compressed, under a dated prefix, then a
# manifest that marks the backup complete. Records the outcome for node_exporter's text file collector.
# A failed step fails the run loudly; nothing in the bucket is ever deleted here (its lifecycle expires
# old backups), and the local copy of the last good backup is kept until a new one is uploaded.
# Settings: /etc/iiotmon/backup.env (BUCKET, REGION); environment overrides for tests: IIOTMON_ROOT,
# IIOTMON_PG_LOCAL=1 (run pg_dump here instead of in the container, with PGHOST/PGPORT/PGUSER),
# PROMETHEUS_URL, IIOTMON_TEXTFILE_DIR, and the S3 ones of host-s3.sh.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null # written by cloud-init on the host
[ -f /etc/iiotmon/backup.env ] && . /etc/iiotmon/backup.env
: "${BUCKET:?BUCKET is not set}" "${REGION:?REGION is not set}"
root=${IIOTMON_ROOT:-/srv/iiotmon}
prometheus=${PROMETHEUS_URL:-http://127.0.0.1:9090}
textfile=${IIOTMON_TEXTFILE_DIR:-$root/textfile}
here=$(dirname "$0")
# shellcheck source=/dev/null # provisioners/host-s3.sh, installed beside this script
. "$here/host-s3.sh"

started=$(date +%s)
stamp=$(date -u +%Y/%m/%d/%H%M%SZ)
prefix=backups/$stamp
work=$root/backups/in-progress
rm -rf "$work"
mkdir -p "$work"
chmod 700 "$work"

record() { # status
    mkdir -p "$textfile"
    now=$(date +%s)
    {
        echo "# HELP iiotmon_backup_last_run_timestamp_seconds When the backup job last ran."
        echo "# TYPE iiotmon_backup_last_run_timestamp_seconds gauge"
        echo "iiotmon_backup_last_run_timestamp_seconds $now"
        echo "# HELP iiotmon_backup_last_run_success Whether the last backup run succeeded."
        echo "# TYPE iiotmon_backup_last_run_success gauge"
        echo "iiotmon_backup_last_run_success $1"
        if [ "$1" = 1 ]; then
            echo "# HELP iiotmon_backup_last_success_timestamp_seconds When the last backup succeeded."
            echo "# TYPE iiotmon_backup_last_success_timestamp_seconds gauge"
            echo "iiotmon_backup_last_success_timestamp_seconds $now"
            echo "# HELP iiotmon_backup_last_success_bytes Size of the last successful backup."
            echo "# TYPE iiotmon_backup_last_success_bytes gauge"
            echo "iiotmon_backup_last_success_bytes $bytes"
            echo "# HELP iiotmon_backup_last_success_duration_seconds How long the last successful backup took."
            echo "# TYPE iiotmon_backup_last_success_duration_seconds gauge"
            echo "iiotmon_backup_last_success_duration_seconds $((now - started))"
        elif [ -f "$textfile/iiotmon_backup.prom" ]; then
            # Keeps the last success's timestamp, so BackupStale measures from it.
            grep '^iiotmon_backup_last_success' "$textfile/iiotmon_backup.prom" || true
        fi
    } >"$textfile/iiotmon_backup.prom.tmp"
    mv -f "$textfile/iiotmon_backup.prom.tmp" "$textfile/iiotmon_backup.prom"
}
failed() {
    trap - EXIT
    echo "iiotmon-backup: FAILED: $1" >&2
    record 0
    exit 1
}
trap 'failed "unexpected error (line above)"' EXIT

pg() {
    if [ -n "${IIOTMON_PG_LOCAL:-}" ]; then "$@"; else docker exec -i timescaledb "$@"; fi
}

echo "iiotmon-backup: dumping TimescaleDB"
pg pg_dumpall -U postgres --globals-only >"$work/globals.sql" || failed "pg_dumpall of roles failed"
for db in iiotmon grafana; do
    pg pg_dump -U postgres -Fc -Z 6 "$db" >"$work/timescaledb-$db.dump" || failed "pg_dump of $db failed"
done
gzip -f "$work/globals.sql"

echo "iiotmon-backup: snapshotting Prometheus"
snapshot=$(curl -fsS -X POST "$prometheus/api/v1/admin/tsdb/snapshot" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p') || failed "Prometheus snapshot failed"
[ -n "$snapshot" ] || failed "Prometheus returned no snapshot name"
tar -czf "$work/prometheus-snapshot.tar.gz" -C "$root/data/prometheus/snapshots" "$snapshot" || failed "archiving the snapshot failed"
rm -rf "${root:?}/data/prometheus/snapshots/$snapshot"

echo "iiotmon-backup: uploading to s3://$BUCKET/$prefix/"
s3_credentials || failed "no S3 credentials"
bytes=0
for f in globals.sql.gz timescaledb-iiotmon.dump timescaledb-grafana.dump prometheus-snapshot.tar.gz; do
    s3_put "$work/$f" "$prefix/$f" || failed "upload of $f failed"
    bytes=$((bytes + $(wc -c <"$work/$f")))
done
printf '{"created":"%s","files":["globals.sql.gz","timescaledb-iiotmon.dump","timescaledb-grafana.dump","prometheus-snapshot.tar.gz"],"bytes":%s}\n' "$stamp" "$bytes" >"$work/manifest.json"
s3_put "$work/manifest.json" "$prefix/manifest.json" || failed "upload of the manifest failed"

# Only now is the new backup complete: replace the local copy of the previous one.
rm -f "$work/s3.curl"
rm -rf "$root/backups/last"
mv "$work" "$root/backups/last"
trap - EXIT
record 1
echo "iiotmon-backup: done, $bytes bytes in $(( $(date +%s) - started )) s: s3://$BUCKET/$prefix/"
