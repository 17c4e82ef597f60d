#!/bin/sh
# The site collector's back-filler: resends from the collector's local TSDB what the live remote write
# may not have delivered, with the samples' own timestamps, until the monitoring host has everything.
#
# Why it exists: Prometheus's remote write keeps its position only in memory and resumes from "now"
# after any start (prometheus/prometheus#8809), and while it lags it skips what head compaction
# truncates from the WAL (a checkpoint keeps series, not samples). The local TSDB keeps every sample for
# longer than the outage budget, so it, not the WAL, is the source of truth.
#
# What it knows after a kill -9, a reboot or a power cut: one number on disk, "acked" (ms), fsynced and
# renamed into place, so it is always a whole old or a whole new value. Everything scraped before
# acked is on the host; from acked on, the back-filler resends in ranges (promtool tsdb dump, then
# promtool push metrics), advancing acked after each range the host accepted. A range sent twice is
# harmless: the host's TSDB keeps one sample per series and timestamp (out-of-order window >= budget).
#
# When it trusts the live remote write instead: the same Prometheus process (start time unchanged) has
# been at most live_lag_seconds behind since live_from, the first sent timestamp seen caught up. Up to
# live_from the back-filler resends; from there acked follows the remote write's sent timestamp less
# overlap_seconds (its shards send in parallel, so older samples may still be in flight below it).
#
# Settings: /etc/prometheus-agent/backfill.env (rendered by the stack: remote_write_url, port,
# live_lag_seconds, overlap_seconds, range_seconds, budget_seconds, interval_seconds). Credentials:
# backfill-http.yml names the password file; no secret is on a command line.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

conf_dir=${IIOTMON_COLLECTOR_CONF:-/etc/prometheus-agent}
data_dir=${IIOTMON_COLLECTOR_DATA:-/var/lib/prometheus-agent}
promtool=${IIOTMON_COLLECTOR_PROMTOOL:-/usr/local/bin/prometheus-agent-promtool}
remote_write_url='' port=9095 live_lag_seconds=300 overlap_seconds=120 range_seconds=300 budget_seconds=21600 interval_seconds=10
# shellcheck source=/dev/null # rendered by the stack (collectorConfig.ts: renderBackfillEnv)
. "$conf_dir/backfill.env"
[ -n "$remote_write_url" ] || { echo "backfill: no remote_write_url in $conf_dir/backfill.env" >&2; exit 2; }
tsdb=$data_dir/tsdb
state_dir=$data_dir/backfill
acked_file=$state_dir/acked
mkdir -p "$state_dir"

log() { printf 'backfill: %s\n' "$*"; }

# Start time, newest appended and oldest-shard sent timestamps of the local Prometheus, in whole seconds
# (sent is 0 while nothing was sent since the start).
read_metrics() {
    curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" | awk '
        /^process_start_time_seconds / { start = $2 + 0 }
        /^prometheus_remote_storage_highest_timestamp_in_seconds / { newest = $2 + 0 }
        /^prometheus_remote_storage_queue_highest_sent_timestamp_seconds\{/ { if (sent == "" || $2 + 0 < sent) sent = $2 + 0 }
        END {
            if (start == "" || newest == "") exit 1
            printf "%.0f %.0f %.0f\n", start, newest, sent + 0
        }'
}

# A kill -9 or a power cut leaves the old or the new value, never a torn one.
save_acked() {
    printf '%s\n' "$1" >"$acked_file.tmp"
    sync "$acked_file.tmp" 2>/dev/null || sync
    mv -f "$acked_file.tmp" "$acked_file"
    sync "$state_dir" 2>/dev/null || sync
    acked=$1
}

# Turns `promtool tsdb dump` lines ({__name__="m", job="j", a="b"} value timestamp_ms) into one text
# exposition file per job (promtool push metrics renames a sample's own job label to exported_job, so
# job is given with --label instead). NaN is left out: dump prints a stale marker and a real NaN alike,
# and a stale marker resent as a plain NaN would keep an ended series alive for the lookback period. A label value with an escape the exposition format lacks (Go's \t, \u...) would make the whole
# push fail forever: such a series is skipped and counted.
split_by_job() {
    awk -v dir="$1" '
        {
            ts = $NF; val = $(NF - 1)
            if (val == "NaN") next
            s = substr($0, 2, length($0) - length(ts) - length(val) - 4)
            name = ""; job = ""; out = ""; bad = 0
            while (s != "") {
                if (!match(s, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) { bad = 1; break }
                key = substr(s, 1, RLENGTH - 2); s = substr(s, RLENGTH + 1)
                if (!match(s, /^([^"\\]|\\.)*"/)) { bad = 1; break }
                v = substr(s, 1, RLENGTH - 1); s = substr(s, RLENGTH + 1)
                sub(/^, /, "", s)
                probe = v; gsub(/\\\\|\\"|\\n/, "", probe)
                if (index(probe, "\\")) { bad = 1; break }
                if (key == "__name__") name = v
                else if (key == "job") job = v
                else out = out (out == "" ? "" : ",") key "=\"" v "\""
            }
            if (bad || name == "") { skipped++; next }
            if (!(job in file)) { file[job] = dir "/job-" (++jobs) ".prom"; printf "%d %s\n", jobs, job > (dir "/jobs") }
            printf "%s{%s} %s %s\n", name, out, val, ts > file[job]
            samples++
        }
        END {
            close(dir "/jobs")
            printf "%d %d\n", samples + 0, skipped + 0 > (dir "/counts")
        }'
}

# Resends [from, to] (ms) from the local TSDB; fails when the host did not take all of it.
# promtool tsdb dump replays the WAL into a head of its own, which m-maps chunks into <db>/chunks_head
# (Prometheus 2.x writes them there, beside the running server's own files). So it reads a view of the
# TSDB made of hard links (no copy, same filesystem: blocks and WAL segments are only appended to or
# deleted whole) with an empty chunks_head of its own; the WAL replay then rebuilds the head from the
# WAL alone. A block or segment deleted by compaction meanwhile fails the range, which is retried.
push_range() {
    work=$(mktemp -d "$state_dir/range.XXXXXX")
    : >"$work/jobs"
    if ! cp -al "$tsdb/." "$work/tsdb" 2>"$work/err"; then
        log "linking a view of the local TSDB failed: $(tail -n 1 "$work/err")"
        rm -rf "$work"
        return 1
    fi
    rm -rf "$work/tsdb/chunks_head" "$work/tsdb/lock" "$work/tsdb/queries.active"
    mkdir "$work/tsdb/chunks_head"
    if ! "$promtool" tsdb dump --min-time="$1" --max-time="$2" "$work/tsdb" >"$work/dump" 2>"$work/err"; then
        log "reading [$1, $2] from the local TSDB failed: $(tail -n 1 "$work/err")"
        rm -rf "$work"
        return 1
    fi
    split_by_job "$work" <"$work/dump"
    read -r samples skipped <"$work/counts"
    [ "$skipped" = 0 ] || log "skipped $skipped samples whose labels the exposition format cannot carry"
    while read -r n job; do
        if ! "$promtool" push --http.config.file="$conf_dir/backfill-http.yml" metrics --label="job=$job" --timeout=60s "$remote_write_url" "$work/job-$n.prom" >"$work/err" 2>&1; then
            log "push of [$1, $2] (job $job) failed: $(tail -n 1 "$work/err")"
            rm -rf "$work"
            return 1
        fi
    done <"$work/jobs"
    log "resent [$1, $2]: $samples samples"
    rm -rf "$work"
}

# A kill -9 or a power cut in the middle of a range leaves its scratch behind.
rm -rf "$state_dir"/range.*
acked=''
[ ! -s "$acked_file" ] || acked=$(cat "$acked_file")
prev_start='' live_from=''
while :; do
    if ! metrics=$(read_metrics); then
        sleep "$interval_seconds"
        continue
    fi
    # shellcheck disable=SC2086 # three numbers
    set -- $metrics
    start_ms=$(($1 * 1000)) newest_ms=$(($2 * 1000)) sent_ms=$(($3 * 1000))
    # First run after the install: nothing was scraped before this Prometheus started.
    [ -n "$acked" ] || save_acked "$start_ms"
    if [ "$start_ms" != "$prev_start" ] || [ "$sent_ms" -lt "$start_ms" ] || [ $((newest_ms - sent_ms)) -gt $((live_lag_seconds * 1000)) ]; then
        live_from=''
    elif [ -z "$live_from" ]; then
        live_from=$sent_ms
    fi
    prev_start=$start_ms
    floor=$(($(date +%s) * 1000 - budget_seconds * 1000))
    if [ "$acked" -lt "$floor" ]; then
        log "samples before $floor are older than the outage budget and are not resent"
        save_acked "$floor"
    fi
    # Up to live_from nothing is trusted to the remote write (what it sent before may have been cut short
    # by a restart or skipped by a WAL truncation), so the ranges reach live_from itself.
    if [ -n "$live_from" ] && [ "$acked" -ge "$live_from" ]; then
        follow=$((sent_ms - overlap_seconds * 1000))
        [ "$follow" -le "$acked" ] || save_acked "$follow"
        sleep "$interval_seconds"
        continue
    fi
    # Samples of the last scrape rounds may not be committed yet: stay two intervals behind the newest.
    end=$((acked + range_seconds * 1000))
    limit=$((newest_ms - 2 * interval_seconds * 1000))
    [ -z "$live_from" ] || [ "$live_from" -ge "$limit" ] || limit=$live_from
    [ "$end" -le "$limit" ] || end=$limit
    if [ "$end" -le "$acked" ]; then
        sleep "$interval_seconds"
        continue
    fi
    if push_range "$acked" "$end"; then
        save_acked "$end"
    else
        sleep "$interval_seconds"
    fi
done
