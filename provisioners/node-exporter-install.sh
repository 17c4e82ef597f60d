#!/bin/sh
# Installs or reconfigures Prometheus node_exporter on one device; run as root (the stack's wrapper uses
# sudo -n when needed). Idempotent: a re-run with the same inputs downloads nothing, changes no file and
# restarts nothing; a changed version or configuration is applied with exactly one restart.
#
# Arguments (key=value): device, owner (the resource that installs: written on the device, so that only
# it uninstalls), version, port, arch (auto|amd64|arm64|armv7|armv6|386), source (download|push), base_url,
# checksums ("amd64=<sha256> arm64=<sha256> ..."), pushed (path of a pushed tarball, relative to the SSH
# user's home), collectors ("--collector.x --no-collector.y"), take_over (yes|no: replace another service
# that holds the port; it is stopped, disabled and masked, and given back on uninstall).
# Nothing is changed before the preflight passed; an install that fails after it changed something puts
# back what was there (files, binary, services).
# Standard input (secret, never on a command line or in a log), a payload (payload.sh): sections
# "@@file NAME" for web-config.yml, tls.crt and tls.key, "@@password" followed by the scrape password
# (used only to check /metrics), "@@end".
# Output: one "iiotmon: ..." line per step, and a final "IIOTMON_RESULT ..." line.
set -eu
umask 022
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# shellcheck source=/dev/null # the payload reader, inlined when the script is sent
. "$(dirname "$0")/payload.sh"

device=unknown owner='' version='' expected='' port=9100 arch=auto source=download base_url='' checksums='' pushed='' collectors='' take_over=no
# shellcheck disable=SC2034 # base_url is read by fetch_release (install-lib.sh)
for arg in "$@"; do
    case $arg in
        device=*) device=${arg#*=} ;;
        owner=*) owner=${arg#*=} ;;
        take_over=*) take_over=${arg#*=} ;;
        version=*) version=${arg#*=} ;;
        port=*) port=${arg#*=} ;;
        arch=*) arch=${arg#*=} ;;
        source=*) source=${arg#*=} ;;
        base_url=*) base_url=${arg#*=} ;;
        checksums=*) checksums=${arg#*=} ;;
        pushed=*) pushed=${arg#*=} ;;
        collectors=*) collectors=${arg#*=} ;;
        *) printf 'iiotmon: error: unknown argument %s\n' "$arg" >&2; exit 2 ;;
    esac
done

bin=/usr/local/bin/node_exporter
conf_dir=/etc/node_exporter
state_dir=/var/lib/node_exporter
textfile_dir=$state_dir/textfile_collector
marker=$state_dir/iiotmon-install
unit=/etc/systemd/system/node_exporter.service
svc_user=node-exp
# Ours, outside node_exporter's directories: who installed (owner) and what was taken over.
own_dir=/var/lib/iiotmon
downloaded=0
changed=0
restarted=0
snapshotted=0

step() { printf 'iiotmon: [%s] %s\n' "$device" "$*"; }
result() { printf 'IIOTMON_RESULT device=%s %s\n' "$device" "$*"; }
fail() {
    printf 'iiotmon: [%s] error: %s\n' "$device" "$1" >&2
    [ "$snapshotted" = 0 ] || rollback
    result "status=failed reason=$2"
    exit 1
}

stage=$(mktemp -d /tmp/iiotmon-install.XXXXXX)
# Any failure after the snapshot (a fail, or a command that stops the script under set -e) rolls back.
on_exit() {
    code=$?
    if [ "$code" != 0 ] && [ "$snapshotted" = 1 ]; then rollback; fi
    rm -rf "$stage"
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

# --- preflight: nothing is touched until everything needed is here and verified ---------------------
[ "$(id -u)" = 0 ] || fail "must run as root" not-root
[ -d /run/systemd/system ] || fail "this device does not run systemd (no /run/systemd/system); node_exporter is installed as a systemd service" no-systemd
[ -n "$version" ] || fail "no version given" bad-arguments
[ -n "$owner" ] || fail "no owner given" bad-arguments
for tool in tar gzip awk; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing on the device" missing-tool
done

# shellcheck source=/dev/null # what the installers share (fetch_release, ensure_dir, ...), inlined when the script is sent
. "$(dirname "$0")/install-lib.sh"

# Reads the secret sections from stdin into the staging directory; unknown file names are refused.
password=''
mkdir -m 0700 "$stage/files" "$stage/payload"
read_payload "$stage/payload"
while read -r src name file; do
    case "$name $file" in
        'file web-config.yml' | 'file tls.crt' | 'file tls.key') mv "$src" "$stage/files/$file" ;;
        'file '*) fail "unexpected file in the payload: $file" bad-payload ;;
        'password ') password=$(tail -n 1 "$src") ;;
    esac
done <"$stage/payload/index"
for f in web-config.yml tls.crt tls.key; do
    [ -s "$stage/files/$f" ] || fail "the payload on stdin has no $f" bad-payload
done
[ -n "$password" ] || fail "the payload on stdin has no scrape password" bad-payload

detect_arch node_exporter
pinned_checksum node_exporter

# A pushed tarball's path is relative to the SSH user's home, where the session (and sudo) started.
case $pushed in '' | /*) ;; *) pushed=$PWD/$pushed ;; esac

# --- preflight: the port, and a node_exporter that someone else runs ------------------------------
# The process listening on TCP port $1, from /proc alone (no ss or netstat needed: BusyBox devices).
# Sets held (yes|no), holder_pid, holder_unit (its systemd service, if any) and holder_comm.
port_holder() {
    held=no holder_pid='' holder_unit='' holder_comm=''
    hex=$(printf '%04X' "$1")
    inode=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }')
    [ -n "$inode" ] || return 0
    held=yes
    # shellcheck disable=SC2012 # ls -l is how BusyBox and coreutils alike show where fds point
    holder_pid=$(ls -l /proc/[0-9]*/fd 2>/dev/null |
        awk -v s="socket:[$inode]" '/^\/proc\/[0-9]+\/fd:$/ { split($0, a, "/"); pid = a[3] } $NF == s { print pid; exit }')
    [ -n "$holder_pid" ] || return 0
    holder_comm=$(cat "/proc/$holder_pid/comm" 2>/dev/null || true)
    holder_unit=$(sed -n 's|.*/\([^/]*\.service\)$|\1|p' "/proc/$holder_pid/cgroup" 2>/dev/null | head -n 1)
}
ours_unit() { [ -f "$unit" ] && grep -q '^# Managed by iiot-monitoring' "$unit"; }
how_out="set nodeExporter.takeOver: true for $device in endpoints.yaml to replace it (stopped, disabled and masked, given back on uninstall), or set nodeExporter.port to a free port to run beside it; nothing was changed"

take=''
port_holder "$port"
if [ "$held" = yes ] && ! { [ "$holder_unit" = node_exporter.service ] && ours_unit; }; then
    if [ -n "$holder_unit" ]; then
        what="$holder_unit (process ${holder_comm:-unknown}, pid $holder_pid)"
    else
        what="process ${holder_comm:-unknown} (pid ${holder_pid:-unknown}), not a systemd service"
    fi
    [ "$take_over" = yes ] || fail "port $port is already in use by $what; $how_out" port-in-use
    [ -n "$holder_unit" ] || fail "port $port is already in use by $what, which cannot be taken over; stop it, or set nodeExporter.port to a free port; nothing was changed" port-in-use
    take=$holder_unit
elif [ -f "$unit" ] && ! ours_unit; then
    [ "$take_over" = yes ] || fail "$unit exists and was not installed by iiot-monitoring (a node_exporter set up by hand?); $how_out" foreign-unit
    take=node_exporter.service
fi
if [ -n "$take" ] && [ "$take" != node_exporter.service ] && [ -f "$own_dir/taken-over" ]; then
    fail "port $port is held by $take, but this device already gave up $(cut -d' ' -f1 "$own_dir/taken-over") to iiot-monitoring; stop $take by hand or use another port; nothing was changed" port-in-use
fi

# --- snapshot: what to put back if anything fails from here on ----------------------------------------
for_snapshot() { for p in "$unit" "$conf_dir" "$state_dir" "$own_dir"; do [ ! -e "$p" ] || printf '%s\n' "${p#/}"; done; }
had_bin=no
[ ! -e "$bin" ] || had_bin=yes
was_enabled=no
was_active=no
systemctl is-enabled --quiet node_exporter.service 2>/dev/null && was_enabled=yes
systemctl is-active --quiet node_exporter.service 2>/dev/null && was_active=yes
user_created=0
taken=''
rm -f "$bin.iiotmon-old"
paths=$(for_snapshot)
if [ -n "$paths" ]; then
    # shellcheck disable=SC2086 # one path per line, none with spaces
    tar -cf "$stage/before.tar" -C / $paths
fi
snapshotted=1

# Gives a taken-over service back: unmasked, enabled and started as it was.
give_back() { # unit enabled-state active-state
    [ "$1" = node_exporter.service ] || systemctl unmask --quiet "$1" 2>/dev/null || true
    systemctl daemon-reload
    [ "$2" != enabled ] || systemctl enable --quiet "$1" 2>/dev/null || true
    [ "$3" != active ] || systemctl start "$1" || true
    step "take-over: gave $1 back ($2, $3)"
}

# Puts back what was there before this run: our files, the binary, the user, the services.
rollback() {
    snapshotted=0
    set +e
    step "rollback: putting back what was there before this run"
    systemctl stop node_exporter.service 2>/dev/null
    rm -rf "$unit" "$conf_dir" "$state_dir" "$own_dir"
    if [ -e "$bin.iiotmon-old" ]; then
        mv -f "$bin.iiotmon-old" "$bin"
    elif [ "$had_bin" = no ]; then
        rm -f "$bin"
    fi
    rm -f "$bin.iiotmon-new"
    [ ! -f "$stage/before.tar" ] || tar -xf "$stage/before.tar" -C /
    if [ "$user_created" = 1 ]; then
        if command -v userdel >/dev/null 2>&1; then userdel "$svc_user"; else deluser "$svc_user"; fi
        getent group "$svc_user" >/dev/null 2>&1 && { groupdel "$svc_user" 2>/dev/null || delgroup "$svc_user" 2>/dev/null; }
    fi
    systemctl daemon-reload
    [ -z "$taken" ] || give_back "$taken" "$taken_enabled" "$taken_active"
    if [ "$was_enabled" = yes ]; then
        systemctl enable --quiet node_exporter.service
    else
        systemctl disable --quiet node_exporter.service 2>/dev/null
    fi
    [ "$was_active" = no ] || systemctl restart node_exporter.service
    step "rollback: done"
    set -e
}

# --- ownership: this resource installs; a renamed device's old resource will then leave it alone ------
[ -d "$own_dir" ] || mkdir -m 755 "$own_dir"
if [ ! -f "$own_dir/owner" ] && id "$svc_user" >/dev/null 2>&1 && [ ! -f "$marker" ]; then
    # The user was there before iiot-monitoring (a hand-made set-up): the uninstall keeps it.
    : >"$own_dir/keep-user"
fi
if [ "$(cat "$own_dir/owner" 2>/dev/null || true)" != "$owner" ]; then
    previous_owner=$(cat "$own_dir/owner" 2>/dev/null || true)
    printf '%s\n' "$owner" >"$own_dir/owner"
    if [ -n "$previous_owner" ]; then step "owner: $owner (was $previous_owner: a renamed device)"; else step "owner: $owner"; fi
fi

# --- take-over: stop, disable and mask the service that held the port; keep what it needs to come back
if [ -n "$take" ]; then
    taken_enabled=$(systemctl is-enabled "$take" 2>/dev/null || true)
    taken_active=$(systemctl is-active "$take" 2>/dev/null || true)
    fragment=$(systemctl show -p FragmentPath --value "$take" 2>/dev/null || true)
    keep=''
    if [ "$take" = node_exporter.service ]; then
        for p in "$unit" "$bin" "$conf_dir" "$state_dir"; do [ ! -e "$p" ] || keep="$keep ${p#/}"; done
    else
        case $fragment in /etc/*) keep=${fragment#/} ;; esac
    fi
    if [ -n "$keep" ]; then
        # shellcheck disable=SC2086 # paths without spaces
        tar -cf "$own_dir/taken-over.tar" -C / $keep
    fi
    printf '%s %s %s\n' "$take" "${taken_enabled:-unknown}" "${taken_active:-unknown}" >"$own_dir/taken-over"
    taken=$take
    systemctl stop "$take" 2>/dev/null || true
    systemctl disable --quiet "$take" 2>/dev/null || true
    if [ "$take" != node_exporter.service ]; then
        case $fragment in /etc/*) rm -f "$fragment" ;; esac
        systemctl mask --quiet "$take"
    fi
    changed=1
    step "take-over: stopped, disabled$([ "$take" = node_exporter.service ] || echo ' and masked') $take (was $taken_enabled, $taken_active); the uninstall gives it back"
fi

# --- the binary: reused when the installed one is exactly the pinned release ------------------------
bin_sha='' release_bin=''
fetch_release "node_exporter-$version.linux-$arch" node_exporter
if [ -n "$release_bin" ]; then
    install -m 0755 "$release_bin" "$bin.iiotmon-new"
    [ ! -e "$bin" ] || ln -f "$bin" "$bin.iiotmon-old"
    mv -f "$bin.iiotmon-new" "$bin"
    changed=1
    step "binary: installed $bin"
fi

# --- user, directories, configuration ----------------------------------------------------------------
ensure_system_user "$svc_user"

ensure_dir "$conf_dir" 750 "root:$svc_user"
ensure_dir "$state_dir" 755 root:root
ensure_dir "$textfile_dir" 755 root:root

# Replaces a file only when its content or mode differs, atomically.
install_file "$stage/files/web-config.yml" "$conf_dir/web-config.yml" 640 "root:$svc_user"
install_file "$stage/files/tls.crt" "$conf_dir/tls.crt" 644 "root:$svc_user"
install_file "$stage/files/tls.key" "$conf_dir/tls.key" 640 "root:$svc_user"

cat >"$stage/unit" <<EOF
# Managed by iiot-monitoring (endpoints.yaml); local edits are overwritten.
[Unit]
Description=Prometheus node_exporter (iiot-monitoring)
Documentation=https://github.com/prometheus/node_exporter
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$svc_user
Group=$svc_user
ExecStart=$bin --web.listen-address=:$port --web.config.file=$conf_dir/web-config.yml --collector.textfile.directory=$textfile_dir $collectors
Restart=always
RestartSec=5
$(unit_sandbox)
ProtectHome=read-only
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK

[Install]
WantedBy=multi-user.target
EOF
unit_changed=0
cmp -s "$stage/unit" "$unit" 2>/dev/null || unit_changed=1
install_file "$stage/unit" "$unit" 644 root:root

# --- the service: one restart when anything changed, none otherwise -----------------------------------
if [ "$unit_changed" = 1 ]; then
    systemctl daemon-reload
fi
if ! systemctl is-enabled --quiet node_exporter.service 2>/dev/null; then
    systemctl enable --quiet node_exporter.service
    step "service: enabled"
fi
if ! systemctl is-active --quiet node_exporter.service; then
    systemctl start node_exporter.service
    restarted=1
    step "service: started"
elif [ "$changed" = 1 ]; then
    systemctl restart node_exporter.service
    restarted=1
    step "service: restarted to apply the change"
else
    step "service: running, unchanged"
fi

# Waits until /metrics answers over TLS, and only with the scrape credentials.
if command -v curl >/dev/null 2>&1; then
    printf 'user = "prometheus:%s"\n' "$password" >"$stage/curl.cfg"
    chmod 600 "$stage/curl.cfg"
    url=https://127.0.0.1:$port/metrics
    answered=no
    for _ in $(seq 1 30); do
        if curl -fsSk -K "$stage/curl.cfg" -o "$stage/metrics" "$url" 2>/dev/null; then
            answered=yes
            break
        fi
        sleep 1
    done
    if [ "$answered" != yes ]; then
        systemctl status --no-pager node_exporter.service >&2 || true
        fail "node_exporter did not answer on $url within 30 s" not-answering
    fi
    code=$(curl -sk -o /dev/null -w '%{http_code}' "$url" || true)
    [ "$code" = 401 ] || fail "node_exporter answered without credentials (HTTP $code); basic auth is not in force" auth-not-enforced
    grep -q '^node_exporter_build_info' "$stage/metrics" || fail "$url does not look like node_exporter" not-node-exporter
    step "check: /metrics answers over TLS with the scrape credentials only"
else
    step "check: skipped (no curl on the device); the service is active"
fi

# Written last: an install interrupted before this point is redone in full by the next run.
printf '%s %s %s %s\n' "$version" "$arch" "$expected" "$bin_sha" >"$stage/marker"
cmp -s "$stage/marker" "$marker" 2>/dev/null || mv -f "$stage/marker" "$marker"
snapshotted=0
rm -f "$bin.iiotmon-old"
# The pushed tarball is kept until here: a failed or interrupted install can be run again without a new push.
if [ "$source" = push ] && [ -f "$pushed" ]; then
    rm -f "$pushed"
    rmdir "$(dirname "$pushed")" 2>/dev/null || true
fi
result "status=ok version=$version arch=$arch changed=$changed restarted=$restarted downloaded_bytes=$downloaded"
