#!/bin/sh
# What the device installers share (node-exporter-install.sh, prometheus-agent-install.sh): the pinned
# release, its service user, its directories and files. Sourced after the script defines step and fail;
# provisionerScript() inlines it when the script is sent.
#
# fetch_release: the pinned release is reused when the installed binary is exactly that release, else fetched
# (downloaded, or the tarball pushed over SSH), its sha256 checked against the pinned one, and the binary
# taken out of it.
# Reads: version, arch, expected (the tarball's pinned sha256), source (download|push), pushed, base_url,
# marker ("version arch tarball-sha binary-sha" of what is installed), bin, stage.
# Sets: bin_sha (of the release's binary), downloaded (bytes), release_bin (the extracted binary to
# install; empty when the installed one already is this release).
# shellcheck disable=SC2154,SC2034 # reads and sets the variables of the installer that sources it (above)

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        openssl dgst -sha256 "$1" | sed 's/^.*= *//'
    fi
}

# Usage: detect_arch PRODUCT: arch=auto becomes the device's release arch from uname -m (the arch map of
# prometheus-community/ansible's _common role); a pinned arch is kept. Reads and sets arch.
detect_arch() {
    if [ "$arch" != auto ]; then
        step "arch: $arch (pinned)"
        return 0
    fi
    machine=$(uname -m)
    case $machine in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        armv7* | armv8l | armhf) arch=armv7 ;; # armv8l: a 32-bit userland on a 64-bit core runs armv7 code
        armv6*) arch=armv6 ;;
        i386 | i486 | i586 | i686) arch=386 ;;
        *) fail "unsupported machine type '$machine' (uname -m); pin arch in endpoints.yaml if a $1 build runs on it" unsupported-arch ;;
    esac
    step "arch: detected $arch ($machine)"
}

# Usage: pinned_checksum PRODUCT: sets expected to the sha256 pinned for arch in checksums
# ("amd64=<sha256> arm64=<sha256> ..."); fails when none is.
pinned_checksum() {
    expected=''
    for pair in $checksums; do
        case $pair in "$arch="*) expected=${pair#*=} ;; esac
    done
    [ -n "$expected" ] || fail "no pinned sha256 for $1 $version on $arch" no-checksum
}

# Usage: fetch_release TARBALL_NAME BINARY (the binary's name inside TARBALL_NAME/)
fetch_release() {
    release_bin=''
    if [ -f "$marker" ] && [ -x "$bin" ]; then
        read -r m_version m_arch m_tarball_sha m_bin_sha <"$marker" || true
        if [ "$m_version $m_arch $m_tarball_sha" = "$version $arch $expected" ] && [ "$(sha256_of "$bin")" = "${m_bin_sha:-}" ]; then
            step "binary: $2 $version ($arch) already installed"
            bin_sha=$m_bin_sha
            return 0
        fi
    fi
    tarball=$stage/$1.tar.gz
    if [ "$source" = push ]; then
        [ -f "$pushed" ] || fail "the pushed tarball $pushed is not on the device" pushed-tarball-missing
        cp "$pushed" "$tarball"
        step "binary: using the tarball pushed over SSH"
    else
        url=$base_url/v$version/$1.tar.gz
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
    [ "$actual" = "$expected" ] || fail "checksum mismatch for $1.tar.gz: expected $expected, got $actual; nothing was changed" checksum-mismatch
    step "binary: sha256 verified"
    tar -xzf "$tarball" -C "$stage" "$1/$2" || fail "the tarball has no $1/$2" bad-tarball
    bin_sha=$(sha256_of "$stage/$1/$2")
    if [ -x "$bin" ] && [ "$(sha256_of "$bin")" = "$bin_sha" ]; then
        step "binary: installed binary is already this release"
    else
        release_bin=$stage/$1/$2
    fi
}

# Usage: ensure_system_user NAME: a system user and group without home or shell; sets user_created=1
# (an installer's rollback removes it again) and changed=1 when it creates them. BusyBox has adduser only.
ensure_system_user() {
    if id "$1" >/dev/null 2>&1; then
        step "user: $1 exists"
        return 0
    fi
    nologin=/usr/sbin/nologin
    [ -x "$nologin" ] || nologin=/sbin/nologin
    if command -v useradd >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell "$nologin" --user-group "$1"
    else
        addgroup -S "$1" && adduser -S -D -H -h /nonexistent -s "$nologin" -G "$1" "$1"
    fi
    # shellcheck disable=SC2034 # read by a rollback, where the installer has one
    user_created=1
    changed=1
    step "user: created system user $1"
}

# Usage: ensure_dir PATH MODE OWNER (user:group); sets changed=1 when it creates or corrects it.
ensure_dir() {
    if [ ! -d "$1" ]; then
        mkdir -p "$1"
        changed=1
    fi
    [ "$(stat -c '%a %U:%G' "$1")" = "$2 $3" ] || { chmod "$2" "$1"; chown "$3" "$1"; changed=1; }
}

# Usage: install_file SOURCE DESTINATION MODE OWNER [FLAG]: replaces DESTINATION (beside, then rename)
# unless it already has that content, mode and owner; then sets FLAG (default changed) to 1, so a
# caller can tell a change that needs a restart from one a reload picks up.
install_file() {
    if [ -f "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c '%a %U:%G' "$2")" = "$3 $4" ]; then
        return 0
    fi
    install -m "$3" -o "${4%%:*}" -g "${4##*:}" "$1" "$2.iiotmon-new"
    mv -f "$2.iiotmon-new" "$2"
    # shellcheck disable=SC2034 # the flags are the caller's; one of them may go unused in a script
    case ${5:-changed} in
        changed) changed=1 ;;
        config_changed) config_changed=1 ;;
        *) fail "install_file: unknown flag $5" bad-script ;;
    esac
    step "config: wrote $2"
}

# Usage: unit_sandbox: prints the systemd sandbox every service the installers write shares (one policy
# for node_exporter, the collector's Prometheus and its back-filler); each unit adds its own ProtectHome,
# writable paths and address families.
unit_sandbox() {
    cat <<'UNIT'
NoNewPrivileges=yes
ProtectSystem=strict
ProtectControlGroups=yes
ProtectKernelModules=yes
ProtectKernelTunables=yes
PrivateTmp=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
UNIT
}
