#!/bin/sh
# Backs up the monitoring host into a restic repository in S3: the Prometheus TSDB snapshot's hard
# links as they are (blocks are immutable, so a block already in the repository is never uploaded
# again), and pg_dump files of TimescaleDB's databases (the fleet record and Grafana's state) in one
# restic snapshot per run. Then restic's own retention: snapshots older than BACKUP_RETENTION_DAYS
# (relative to the newest one) are forgotten, and prune deletes only data no kept snapshot refers to.
# Records the outcome for node_exporter's text file collector. A failed step fails the run loudly;
# a run that dies half-way leaves the repository's earlier snapshots as they were.
# Settings: /etc/iiotmon/backup.env (BUCKET, REGION, BACKUP_RETENTION_DAYS); the repository password
# in /srv/iiotmon/config/backup/restic-password (delivered by the host configuration step, never on
# a command line). S3 credentials: the instance profile. restic's S3 backend chains credential
# providers ending with minio-go's credentials.IAM (restic internal/backend/s3/s3.go, open(): lines
# 55-71 in v0.14.0, 63-79 in v0.16.4), which asks IMDS with an IMDSv2 token (minio-go
# pkg/credentials/iam_aws.go, getCredentials calls fetchIMDSToken: line 292 in v7.0.46, Debian's
# build of restic 0.14; line 342 in v7.0.66, restic 0.16.4's). restic runs on the host, not in a
# container, so the instance's IMDS hop limit of 1 is enough.
# Environment overrides for tests: IIOTMON_ROOT, IIOTMON_PG_LOCAL=1 (pg_dump here instead of in the
# container, with PGHOST/PGPORT/PGUSER), PROMETHEUS_URL, IIOTMON_TEXTFILE_DIR, RESTIC_REPOSITORY
# (e.g. s3:https://127.0.0.1:PORT/bucket/restic), RESTIC_PASSWORD_FILE, and restic's own variables.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null # written on the host by the stack
[ -f /etc/iiotmon/backup.env ] && . /etc/iiotmon/backup.env
: "${BUCKET:?BUCKET is not set}" "${REGION:?REGION is not set}"
root=${IIOTMON_ROOT:-/srv/iiotmon}
prometheus=${PROMETHEUS_URL:-http://127.0.0.1:9090}
textfile=${IIOTMON_TEXTFILE_DIR:-$root/textfile}
retention=${BACKUP_RETENTION_DAYS:-90}
export RESTIC_REPOSITORY="${RESTIC_REPOSITORY:-s3:https://s3.$REGION.amazonaws.com/$BUCKET/restic}"
export RESTIC_PASSWORD_FILE="${RESTIC_PASSWORD_FILE:-$root/config/backup/restic-password}"
export AWS_DEFAULT_REGION="$REGION"
# restic's cache (index and tree metadata) on the data volume, beside what it describes.
export RESTIC_CACHE_DIR="${RESTIC_CACHE_DIR:-$root/backups/cache}"
# restic's JSON progress comes 60 times a second when not on a terminal (cmd/restic/progress.go,
# calculateProgressInterval); every 10 s is enough for $root/backups/last-run.json.
export RESTIC_PROGRESS_FPS="${RESTIC_PROGRESS_FPS:-0.1}"
# One name for every snapshot, so a replaced instance (new hostname) continues the same history.
host=iiotmon

started=$(date +%s)
# What one run backs up, at fixed paths so restic finds the previous snapshot as the parent and
# skips unchanged files without reading them.
current=$root/backups/current
snapshots=$root/data/prometheus/snapshots
snapshot=''

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
            echo "# HELP iiotmon_backup_last_success_bytes Size of what the last successful backup covers (the TSDB snapshot and the dumps)."
            echo "# TYPE iiotmon_backup_last_success_bytes gauge"
            echo "iiotmon_backup_last_success_bytes $total"
            echo "# HELP iiotmon_backup_last_success_uploaded_bytes New data the last successful backup added to the repository (restic's data_added)."
            echo "# TYPE iiotmon_backup_last_success_uploaded_bytes gauge"
            echo "iiotmon_backup_last_success_uploaded_bytes $added"
            echo "# HELP iiotmon_backup_last_success_duration_seconds How long the last successful backup took."
            echo "# TYPE iiotmon_backup_last_success_duration_seconds gauge"
            echo "iiotmon_backup_last_success_duration_seconds $((now - started))"
        elif [ -f "$textfile/iiotmon_backup.prom" ]; then
            # Keeps the last success's lines, so BackupStale measures from it.
            grep '^iiotmon_backup_last_success' "$textfile/iiotmon_backup.prom" || true
        fi
    } >"$textfile/iiotmon_backup.prom.tmp"
    mv -f "$textfile/iiotmon_backup.prom.tmp" "$textfile/iiotmon_backup.prom"
}
# The snapshot's hard links keep deleted blocks on disk: never leave them behind.
clean() {
    rm -rf "$current"
    [ -n "$snapshot" ] && rm -rf "${snapshots:?}/$snapshot"
    return 0
}
failed() {
    trap - EXIT
    echo "iiotmon-backup: FAILED: $1" >&2
    clean
    record 0
    exit 1
}
trap 'failed "unexpected error (line above)"' EXIT
trap 'failed "interrupted"' INT TERM

[ -r "$RESTIC_PASSWORD_FILE" ] || failed "no repository password in $RESTIC_PASSWORD_FILE"
clean
# The tar.gz staging of earlier versions: a full local copy of the TSDB, no longer kept.
rm -rf "$root/backups/last" "$root/backups/in-progress"
mkdir -p "$current/dumps" "$RESTIC_CACHE_DIR"
chmod 700 "$root/backups" "$current"

# First run: the repository does not exist yet. `init` refuses to overwrite an existing one, so a
# transient error on `cat config` cannot replace a repository.
if ! restic cat config >/dev/null 2>&1; then
    echo "iiotmon-backup: creating the restic repository $RESTIC_REPOSITORY"
    restic init >/dev/null || failed "restic init failed (S3 unreachable, or a wrong password for an existing repository?)"
fi
# Locks left by a run that was killed (same host, process gone) would block retention; restic
# removes only such stale locks here.
restic unlock >/dev/null 2>&1 || true

pg() {
    if [ -n "${IIOTMON_PG_LOCAL:-}" ]; then "$@"; else docker exec -i timescaledb "$@"; fi
}

# Dump files rather than pg_dump piped into restic: pg_dump's exit status is checked before
# anything is uploaded, and the dumps land in the same restic snapshot as the TSDB (one backup,
# one id). Uncompressed (-Z 0), so restic's chunking finds the unchanged parts and compresses once.
echo "iiotmon-backup: dumping TimescaleDB"
pg pg_dumpall -U postgres --globals-only >"$current/dumps/globals.sql" || failed "pg_dumpall of roles failed"
for db in iiotmon grafana; do
    pg pg_dump -U postgres -Fc -Z 0 "$db" >"$current/dumps/timescaledb-$db.dump" || failed "pg_dump of $db failed"
done

echo "iiotmon-backup: snapshotting Prometheus"
snapshot=$(curl -fsS -X POST "$prometheus/api/v1/admin/tsdb/snapshot" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p') || failed "Prometheus snapshot failed"
[ -n "$snapshot" ] || failed "Prometheus returned no snapshot name"
# A rename on the same volume: the hard links move, nothing is copied.
mv "$snapshots/$snapshot" "$current/prometheus" || failed "moving the snapshot failed"
snapshot=''
# What the restore checks it got back: every block with its series and samples (from meta.json;
# fields looked up by name, as Prometheus 3 added fields between them and omits zeros).
meta_field() { tr -d ' \t\n' <"$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
for meta in "$current"/prometheus/*/meta.json; do
    [ -f "$meta" ] || continue
    printf '%s %s %s\n' "$(meta_field "$meta" ulid)" "$(meta_field "$meta" numSeries)" "$(meta_field "$meta" numSamples)"
done >"$current/dumps/prometheus-blocks.txt"

echo "iiotmon-backup: uploading to $RESTIC_REPOSITORY"
# --ignore-ctime: a new snapshot hard-links the same block files, which changes their ctime only.
# Exit status 3 (some files unreadable, snapshot incomplete) is a failure too.
(cd "$current" && restic backup --json --host "$host" --tag iiotmon --ignore-ctime prometheus dumps) >"$root/backups/last-run.json" ||
    failed "restic backup failed"
summary=$(grep '"message_type":"summary"' "$root/backups/last-run.json") || failed "restic reported no summary"
field() { printf '%s' "$summary" | sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
id=$(field snapshot_id)
added=$(field data_added)
total=$(field total_bytes_processed)
if [ -z "$id" ] || [ -z "$added" ]; then failed "restic reported no snapshot"; fi
clean
record 1
echo "iiotmon-backup: snapshot ${id%"${id#????????}"}: $added bytes uploaded of $total bytes backed up"

# Retention by restic's policy: forget relative to the newest snapshot (a stopped timer never ages
# the last backups out), always keep the newest, then prune what no kept snapshot uses.
echo "iiotmon-backup: retention ${retention} days"
restic forget --host "$host" --group-by host --keep-within "${retention}d" --keep-last 1 --prune >/dev/null || failed "restic forget/prune failed (the new snapshot is stored)"
trap - EXIT INT TERM
echo "iiotmon-backup: done in $(($(date +%s) - started)) s"
