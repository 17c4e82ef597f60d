#!/bin/sh
# Installs or reconfigures a site collector: Prometheus in server mode, whose local TSDB keeps every
# scrape of the site's devices for longer than the outage budget, remote-writes live to the monitoring
# host, and a back-filler (prometheus-collector-backfill.sh) that resends from the local TSDB, with the
# original timestamps, whatever the remote write did not deliver: an outage longer than the WAL, or any
# start of Prometheus (a kill -9, a reboot, a power cut), after which remote write resumes from "now"
# (prometheus/prometheus#8809). So a restart loses nothing and needs no guard.
# Run as root (the stack's wrapper uses sudo -n when needed). Idempotent: a re-run with the same inputs
# downloads nothing, changes no file and restarts nothing; configuration and targets are reloaded.
#
# Arguments (key=value): device, owner (the resource that installs: only it uninstalls), version, arch
# (auto|amd64|arm64|armv7|armv6|386), source (download|push), base_url, checksums ("amd64=<sha256> ..."),
# pushed (a pushed tarball, relative to the SSH user's home), port (Prometheus's own HTTP port, on
# loopback only), retention (how long the local TSDB keeps samples: above the outage budget, e.g. 7h),
# disk_bytes (disk the local TSDB may need, checked before anything changes), block_duration (empty in
# production; the lab sets it to minutes to walk over block and checkpoint boundaries).
# Standard input (secret, never on a command line or in a log), a payload (payload.sh): sections
# "@@file NAME" for prometheus.yml, targets.json, scrape-ca.crt, scrape-password, remote-write-ca.crt
# (may be empty), remote-write-password, backfill (the back-filler), backfill.env, backfill-http.yml;
# then "@@end".
# Output: one "iiotmon: ..." line per step, and a final "IIOTMON_RESULT ..." line.
set -eu
umask 022
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# shellcheck source=/dev/null # the payload reader, inlined when the script is sent
. "$(dirname "$0")/payload.sh"

device=unknown owner='' version='' expected='' arch=auto source=download base_url='' checksums='' pushed=''
port=9095 retention=7h disk_bytes=0 block_duration=''
# shellcheck disable=SC2034 # base_url is read by fetch_release (install-lib.sh)
for arg in "$@"; do
    case $arg in
        device=*) device=${arg#*=} ;;
        owner=*) owner=${arg#*=} ;;
        version=*) version=${arg#*=} ;;
        arch=*) arch=${arg#*=} ;;
        source=*) source=${arg#*=} ;;
        base_url=*) base_url=${arg#*=} ;;
        checksums=*) checksums=${arg#*=} ;;
        pushed=*) pushed=${arg#*=} ;;
        port=*) port=${arg#*=} ;;
        retention=*) retention=${arg#*=} ;;
        disk_bytes=*) disk_bytes=${arg#*=} ;;
        block_duration=*) block_duration=${arg#*=} ;;
        *) printf 'iiotmon: error: unknown argument %s\n' "$arg" >&2; exit 2 ;;
    esac
done

bin=/usr/local/bin/prometheus-agent
promtool_bin=/usr/local/bin/prometheus-agent-promtool
backfill_bin=/usr/local/bin/prometheus-agent-backfill
backfill_unit=/etc/systemd/system/prometheus-agent-backfill.service
conf_dir=/etc/prometheus-agent
targets_dir=$conf_dir/targets
data_dir=/var/lib/prometheus-agent
marker=$conf_dir/iiotmon-install
owner_file=$conf_dir/iiotmon-owner
unit=/etc/systemd/system/prometheus-agent.service
svc_user=prom-agent
downloaded=0
changed=0
restarted=0
reloaded=0

step() { printf 'iiotmon: [%s] %s\n' "$device" "$*"; }
result() { printf 'IIOTMON_RESULT device=%s %s\n' "$device" "$*"; }
fail() {
    printf 'iiotmon: [%s] error: %s\n' "$device" "$1" >&2
    result "status=failed reason=$2"
    exit 1
}

stage=$(mktemp -d /tmp/iiotmon-agent.XXXXXX)
trap 'rm -rf "$stage"' EXIT
trap 'exit 1' INT TERM HUP

# --- preflight: nothing is touched until everything needed is here and verified ---------------------
[ "$(id -u)" = 0 ] || fail "must run as root" not-root
[ -d /run/systemd/system ] || fail "this device does not run systemd (no /run/systemd/system); the collector is installed as a systemd service" no-systemd
[ -n "$version" ] || fail "no version given" bad-arguments
[ -n "$owner" ] || fail "no owner given" bad-arguments
case $disk_bytes in '' | *[!0-9]*) fail "disk_bytes must be a number of bytes" bad-arguments ;; esac
case $block_duration in '' | [1-9]*[mh]) ;; *) fail "block_duration must be empty or like 2m" bad-arguments ;; esac
for tool in tar gzip awk df; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing on the device" missing-tool
done

# shellcheck source=/dev/null # what the installers share (fetch_release, ensure_dir, ...), inlined when the script is sent
. "$(dirname "$0")/install-lib.sh"

mkdir -m 0700 "$stage/files" "$stage/payload"
read_payload "$stage/payload"
while read -r src name file; do
    case "$name $file" in
        'file prometheus.yml' | 'file targets.json' | 'file scrape-ca.crt' | 'file scrape-password' | \
            'file remote-write-ca.crt' | 'file remote-write-password' | 'file backfill' | 'file backfill.env' | \
            'file backfill-http.yml') mv "$src" "$stage/files/$file" ;;
        'file '*) fail "unexpected file in the payload: $file" bad-payload ;;
    esac
done <"$stage/payload/index"
for f in prometheus.yml targets.json scrape-ca.crt scrape-password remote-write-password backfill backfill.env backfill-http.yml; do
    [ -s "$stage/files/$f" ] || fail "the payload on stdin has no $f" bad-payload
done
# Empty when the receiver's certificate is from a public CA: the agent then uses the device's trust store.
[ -f "$stage/files/remote-write-ca.crt" ] || : >"$stage/files/remote-write-ca.crt"
# Passwords are read by Prometheus as the whole file: no trailing newline.
for f in scrape-password remote-write-password; do
    printf '%s' "$(cat "$stage/files/$f")" >"$stage/files/$f.tmp" && mv "$stage/files/$f.tmp" "$stage/files/$f"
done

detect_arch prometheus
pinned_checksum prometheus
case $pushed in '' | /*) ;; *) pushed=$PWD/$pushed ;; esac

# The local TSDB's disk: what it may need, less what it already holds, must be free where it lives.
probe=$data_dir
[ -d "$probe" ] || probe=$(dirname "$data_dir")
free_kb=$(df -Pk "$probe" | awk 'NR == 2 { print $4 }')
held_kb=0
[ ! -d "$data_dir" ] || held_kb=$(du -sk "$data_dir" | awk '{ print $1 }')
need_kb=$(((disk_bytes + 1023) / 1024 - held_kb))
if [ "$need_kb" -gt "$free_kb" ]; then
    fail "the local TSDB may need $((disk_bytes / 1048576)) MiB on $(dirname "$data_dir") for the outage budget, and only $((free_kb / 1024)) MiB more are free; free space, or lower the site's outage budget; nothing was changed" disk-too-small
fi
step "disk: $((disk_bytes / 1048576)) MiB for the local TSDB fit ($((free_kb / 1024)) MiB free)"

# --- the binaries: reused when the installed ones are exactly the pinned release ---------------------
# promtool (same release) is the back-filler's reader and sender; a collector installed before it had
# one gets the release fetched again.
[ -x "$promtool_bin" ] || rm -f "$marker"
bin_sha='' release_bin=''
fetch_release "prometheus-$version.linux-$arch" prometheus
new_bin=$release_bin
new_promtool=''
if [ -f "$stage/prometheus-$version.linux-$arch.tar.gz" ]; then
    tar -xzf "$stage/prometheus-$version.linux-$arch.tar.gz" -C "$stage" "prometheus-$version.linux-$arch/promtool" || fail "the tarball has no promtool" bad-tarball
    new_promtool=$stage/prometheus-$version.linux-$arch/promtool
    [ ! -x "$promtool_bin" ] || [ "$(sha256_of "$promtool_bin")" != "$(sha256_of "$new_promtool")" ] || new_promtool=''
fi

# The hidden block-duration flags: 2 h by default (one head block; WAL checkpoints follow head
# truncation). Only the lab shortens them, so that minutes walk over several blocks and checkpoints.
blocks=''
[ -z "$block_duration" ] || blocks=" --storage.tsdb.min-block-duration=$block_duration --storage.tsdb.max-block-duration=$block_duration"
cat >"$stage/unit" <<EOF
# Managed by iiot-monitoring (endpoints.yaml, sites.<site>.collector); local edits are overwritten.
[Unit]
Description=Prometheus: site collector with a local TSDB (iiot-monitoring)
Documentation=https://prometheus.io/docs/prometheus/latest/storage/
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$svc_user
Group=$svc_user
# flush-deadline: on stop, try 10 s (not the default minute) to send what is queued; during an outage
# nothing can be sent, and what is not sent is resent by the back-filler from the local TSDB.
ExecStart=$bin --config.file=$conf_dir/prometheus.yml --storage.tsdb.path=$data_dir/tsdb --storage.tsdb.retention.time=$retention --storage.remote.flush-deadline=10s --web.listen-address=127.0.0.1:$port$blocks
ExecReload=/bin/kill -HUP \$MAINPID
Restart=always
RestartSec=5
TimeoutStopSec=60
$(unit_sandbox)
ReadWritePaths=$data_dir
ProtectHome=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK

[Install]
WantedBy=multi-user.target
EOF
unit_changed=0
cmp -s "$stage/unit" "$unit" 2>/dev/null || unit_changed=1

cat >"$stage/backfill-unit" <<EOF
# Managed by iiot-monitoring (endpoints.yaml, sites.<site>.collector); local edits are overwritten.
[Unit]
Description=Back-filler of the site collector: resends from the local TSDB what the host lacks (iiot-monitoring)
After=prometheus-agent.service

[Service]
Type=simple
User=$svc_user
Group=$svc_user
ExecStart=$backfill_bin
Restart=always
RestartSec=5
$(unit_sandbox)
ReadWritePaths=$data_dir
ProtectHome=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6

[Install]
WantedBy=multi-user.target
EOF

# --- from here on the device changes ------------------------------------------------------------------
if [ -n "$new_bin" ]; then
    install -m 0755 "$new_bin" "$bin.iiotmon-new"
    mv -f "$bin.iiotmon-new" "$bin"
    changed=1
    step "binary: installed $bin"
fi
if [ -n "$new_promtool" ]; then
    install -m 0755 "$new_promtool" "$promtool_bin.iiotmon-new"
    mv -f "$promtool_bin.iiotmon-new" "$promtool_bin"
    changed=1
    step "binary: installed $promtool_bin"
fi

ensure_system_user "$svc_user"

ensure_dir "$conf_dir" 750 "root:$svc_user"
ensure_dir "$targets_dir" 750 "root:$svc_user"
ensure_dir "$data_dir" 750 "$svc_user:$svc_user"
printf '%s\n' "$owner" >"$stage/owner"
cmp -s "$stage/owner" "$owner_file" 2>/dev/null || { mv -f "$stage/owner" "$owner_file"; step "owner: $owner"; }

config_changed=0
# Replaces a file only when its content or mode differs, atomically (file_sd sees a whole file or none).
install_file "$stage/files/scrape-ca.crt" "$conf_dir/scrape-ca.crt" 644 "root:$svc_user" config_changed
install_file "$stage/files/scrape-password" "$conf_dir/scrape-password" 640 "root:$svc_user" config_changed
install_file "$stage/files/remote-write-ca.crt" "$conf_dir/remote-write-ca.crt" 644 "root:$svc_user" config_changed
install_file "$stage/files/remote-write-password" "$conf_dir/remote-write-password" 640 "root:$svc_user" config_changed
install_file "$stage/files/prometheus.yml" "$conf_dir/prometheus.yml" 640 "root:$svc_user" config_changed
# Targets are picked up by file_sd on their own; they need no reload.
targets_before=$config_changed
install_file "$stage/files/targets.json" "$targets_dir/site.json" 640 "root:$svc_user" config_changed
config_changed=$targets_before
install_file "$stage/unit" "$unit" 644 root:root config_changed
[ "$unit_changed" = 0 ] || changed=1
# The back-filler reads its settings at start: any change of it restarts it (it keeps its place on disk).
# (install_file knows two flags: config_changed is borrowed and put back, as for the targets.)
config_before=$config_changed
config_changed=0
install_file "$stage/files/backfill.env" "$conf_dir/backfill.env" 640 "root:$svc_user" config_changed
install_file "$stage/files/backfill-http.yml" "$conf_dir/backfill-http.yml" 640 "root:$svc_user" config_changed
install_file "$stage/files/backfill" "$backfill_bin" 755 root:root config_changed
install_file "$stage/backfill-unit" "$backfill_unit" 644 root:root config_changed
backfill_changed=$config_changed
config_changed=$config_before
[ -z "$new_promtool" ] || backfill_changed=1

if [ "$unit_changed" = 1 ] || [ "$backfill_changed" = 1 ]; then
    systemctl daemon-reload
fi
if ! systemctl is-enabled --quiet prometheus-agent.service 2>/dev/null; then
    systemctl enable --quiet prometheus-agent.service
    step "service: enabled"
fi
if ! systemctl is-active --quiet prometheus-agent.service; then
    systemctl start prometheus-agent.service
    restarted=1
    step "service: started"
elif [ "$changed" = 1 ]; then
    systemctl restart prometheus-agent.service
    restarted=1
    step "service: restarted for a new binary or unit"
elif [ "$config_changed" = 1 ]; then
    systemctl reload prometheus-agent.service
    reloaded=1
    step "service: reloaded the configuration"
else
    step "service: running, unchanged"
fi

# A collector installed in agent mode kept its WAL in $data_dir/wal; the server's TSDB is $data_dir/tsdb.
if [ -d "$data_dir/wal" ] && [ "$restarted" = 1 ]; then
    rm -rf "$data_dir/wal"
    step "data: removed the agent-mode WAL (the local TSDB replaces it)"
fi
if ! systemctl is-enabled --quiet prometheus-agent-backfill.service 2>/dev/null; then
    systemctl enable --quiet prometheus-agent-backfill.service
    step "back-filler: enabled"
fi
if ! systemctl is-active --quiet prometheus-agent-backfill.service; then
    systemctl start prometheus-agent-backfill.service
    changed=1
    step "back-filler: started"
elif [ "$backfill_changed" = 1 ]; then
    systemctl restart prometheus-agent-backfill.service
    changed=1
    step "back-filler: restarted for new settings (its place is on disk)"
fi

# Waits until Prometheus is ready and its configuration loaded.
if command -v curl >/dev/null 2>&1; then
    ready=no
    for _ in $(seq 1 30); do
        if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
            ready=yes
            break
        fi
        sleep 1
    done
    if [ "$ready" != yes ]; then
        systemctl status --no-pager prometheus-agent.service >&2 || true
        fail "the collector did not become ready on 127.0.0.1:$port within 30 s" not-ready
    fi
    if [ "$reloaded" = 1 ]; then sleep 1; fi
    loaded=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" | awk '/^prometheus_config_last_reload_successful / { print $2 }')
    [ "$loaded" = 1 ] || fail "the collector did not accept its configuration (prometheus_config_last_reload_successful=$loaded); journalctl -u prometheus-agent says why" config-rejected
    step "check: the agent is ready and its configuration loaded"
else
    step "check: skipped (no curl on the device); the service is active"
fi

printf '%s %s %s %s\n' "$version" "$arch" "$expected" "$bin_sha" >"$stage/marker"
cmp -s "$stage/marker" "$marker" 2>/dev/null || mv -f "$stage/marker" "$marker"
if [ "$source" = push ] && [ -f "$pushed" ]; then
    rm -f "$pushed"
    rmdir "$(dirname "$pushed")" 2>/dev/null || true
fi
result "status=ok version=$version arch=$arch changed=$changed restarted=$restarted reloaded=$reloaded downloaded_bytes=$downloaded"
