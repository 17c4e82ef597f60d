#!/bin/sh
# Installs or reconfigures Prometheus node_exporter on one device; run as root (the stack's wrapper uses
# sudo -n when needed). Idempotent: a re-run with the same inputs downloads nothing, changes no file and
# restarts nothing; a changed version or configuration is applied with exactly one restart.
#
# Arguments (key=value): device, version, port, arch (auto|amd64|arm64|armv7|armv6|386), source
# (download|push), base_url, checksums ("amd64=<sha256> arm64=<sha256> ..."), pushed (path of a pushed
# tarball), collectors ("--collector.x --no-collector.y").
# Standard input (secret, never on a command line or in a log): sections "@@file NAME" for web-config.yml,
# tls.crt and tls.key, "@@password" followed by the scrape password (used only to check /metrics), "@@end".
# Output: one "iiotmon: ..." line per step, and a final "IIOTMON_RESULT ..." line.
set -eu
umask 022
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

device=unknown version='' port=9100 arch=auto source=download base_url='' checksums='' pushed='' collectors=''
for arg in "$@"; do
    case $arg in
        device=*) device=${arg#*=} ;;
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
downloaded=0
changed=0
restarted=0

step() { printf 'iiotmon: [%s] %s\n' "$device" "$*"; }
result() { printf 'IIOTMON_RESULT device=%s %s\n' "$device" "$*"; }
fail() {
    printf 'iiotmon: [%s] error: %s\n' "$device" "$1" >&2
    result "status=failed reason=$2"
    exit 1
}

stage=$(mktemp -d /tmp/iiotmon-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT INT TERM

# --- preflight: nothing is touched until everything needed is here and verified ---------------------
[ "$(id -u)" = 0 ] || fail "must run as root" not-root
[ -d /run/systemd/system ] || fail "this device does not run systemd (no /run/systemd/system); node_exporter is installed as a systemd service" no-systemd
[ -n "$version" ] || fail "no version given" bad-arguments
for tool in tar gzip; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing on the device" missing-tool
done

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        openssl dgst -sha256 "$1" | sed 's/^.*= *//'
    fi
}

# Reads the secret sections from stdin into the staging directory; unknown names are refused.
password=''
current=''
mkdir -m 0700 "$stage/files"
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        '@@file web-config.yml' | '@@file tls.crt' | '@@file tls.key')
            current=$stage/files/${line#@@file }
            : >"$current" ;;
        '@@file '*) fail "unexpected file in the payload: ${line#@@file }" bad-payload ;;
        '@@password') current=password ;;
        '@@end') break ;;
        *)
            if [ "$current" = password ]; then
                password=$line
            elif [ -n "$current" ]; then
                printf '%s\n' "$line" >>"$current"
            fi ;;
    esac
done
for f in web-config.yml tls.crt tls.key; do
    [ -s "$stage/files/$f" ] || fail "the payload on stdin has no $f" bad-payload
done
[ -n "$password" ] || fail "the payload on stdin has no scrape password" bad-payload

if [ "$arch" = auto ]; then
    machine=$(uname -m)
    case $machine in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        armv7* | armv8l | armhf) arch=armv7 ;; # armv8l: a 32-bit userland on a 64-bit core runs armv7 code
        armv6*) arch=armv6 ;;
        i386 | i486 | i586 | i686) arch=386 ;;
        *) fail "unsupported machine type '$machine' (uname -m); pin arch in endpoints.yaml if a node_exporter build runs on it" unsupported-arch ;;
    esac
    step "arch: detected $arch ($machine)"
else
    step "arch: $arch (pinned)"
fi

expected=''
for pair in $checksums; do
    case $pair in "$arch="*) expected=${pair#*=} ;; esac
done
[ -n "$expected" ] || fail "no pinned sha256 for node_exporter $version on $arch" no-checksum

# --- the binary: reused when the installed one is exactly the pinned release ------------------------
tarball_name=node_exporter-$version.linux-$arch
binary_current=no
if [ -f "$marker" ] && [ -x "$bin" ]; then
    read -r m_version m_arch m_tarball_sha m_bin_sha <"$marker" || true
    if [ "$m_version $m_arch $m_tarball_sha" = "$version $arch $expected" ] && [ "$(sha256_of "$bin")" = "${m_bin_sha:-}" ]; then
        binary_current=yes
    fi
fi

if [ "$binary_current" = yes ]; then
    step "binary: node_exporter $version ($arch) already installed"
    bin_sha=$m_bin_sha
else
    tarball=$stage/$tarball_name.tar.gz
    if [ "$source" = push ]; then
        [ -f "$pushed" ] || fail "the pushed tarball $pushed is not on the device" pushed-tarball-missing
        cp "$pushed" "$tarball"
        step "binary: using the tarball pushed over SSH"
    else
        url=$base_url/v$version/$tarball_name.tar.gz
        step "binary: downloading $url"
        if command -v curl >/dev/null 2>&1; then
            curl -fsSL --retry 3 --connect-timeout 15 -o "$tarball" "$url" || fail "download of $url failed" download-failed
        elif command -v wget >/dev/null 2>&1; then
            wget -q -T 15 -O "$tarball" "$url" || fail "download of $url failed" download-failed
        else
            fail "neither curl nor wget is on the device; use source: push" no-downloader
        fi
        downloaded=$(wc -c <"$tarball" | tr -d ' ')
    fi
    actual=$(sha256_of "$tarball")
    [ "$actual" = "$expected" ] || fail "checksum mismatch for $tarball_name.tar.gz: expected $expected, got $actual; nothing was changed" checksum-mismatch
    step "binary: sha256 verified"
    tar -xzf "$tarball" -C "$stage" "$tarball_name/node_exporter" || fail "the tarball has no $tarball_name/node_exporter" bad-tarball
    bin_sha=$(sha256_of "$stage/$tarball_name/node_exporter")
    if [ -x "$bin" ] && [ "$(sha256_of "$bin")" = "$bin_sha" ]; then
        step "binary: installed binary is already this release"
    else
        install -m 0755 "$stage/$tarball_name/node_exporter" "$bin.iiotmon-new"
        mv -f "$bin.iiotmon-new" "$bin"
        changed=1
        step "binary: installed $bin"
    fi
fi
[ "$source" = push ] && [ -n "$pushed" ] && rm -f "$pushed"

# --- user, directories, configuration ----------------------------------------------------------------
if id "$svc_user" >/dev/null 2>&1; then
    step "user: $svc_user exists"
else
    nologin=/usr/sbin/nologin
    [ -x "$nologin" ] || nologin=/sbin/nologin
    if command -v useradd >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell "$nologin" --user-group "$svc_user"
    else
        addgroup -S "$svc_user" && adduser -S -D -H -h /nonexistent -s "$nologin" -G "$svc_user" "$svc_user"
    fi
    changed=1
    step "user: created system user $svc_user"
fi

ensure_dir() { # path mode owner
    if [ ! -d "$1" ]; then
        mkdir -p "$1"
        changed=1
    fi
    [ "$(stat -c '%a %U:%G' "$1")" = "$2 $3" ] || { chmod "$2" "$1"; chown "$3" "$1"; changed=1; }
}
ensure_dir "$conf_dir" 750 "root:$svc_user"
ensure_dir "$state_dir" 755 root:root
ensure_dir "$textfile_dir" 755 root:root

# Replaces a file only when its content or mode differs, atomically.
install_file() { # source destination mode owner
    if [ -f "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c '%a %U:%G' "$2")" = "$3 $4" ]; then
        return 0
    fi
    install -m "$3" -o "${4%%:*}" -g "${4##*:}" "$1" "$2.iiotmon-new"
    mv -f "$2.iiotmon-new" "$2"
    changed=1
    step "config: wrote $2"
}
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
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ProtectControlGroups=yes
ProtectKernelModules=yes
ProtectKernelTunables=yes
PrivateTmp=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
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
result "status=ok version=$version arch=$arch changed=$changed restarted=$restarted downloaded_bytes=$downloaded"
