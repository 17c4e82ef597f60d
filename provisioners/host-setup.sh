#!/bin/sh
# Installs the monitoring host's scripts and system files (backup settings and timer, a Docker drop-in)
# from stdin, then mounts the data volume and grows its file system to the volume's size. Run as root
# by the host configuration step, in place: a new schedule or an edited script changes files here and
# never replaces the instance. Idempotent: unchanged files are not rewritten, nothing is restarted.
# Standard input, a payload (payload.sh): sections "@@file ABSOLUTE_PATH MODE" with the file's text,
# "@@volume VOLUME_ID" with the data volume's directories ("PATH UID MODE" lines, the layout table of
# infra/host/hostLayout.ts, handed to host-mount-data.sh), "@@end".
# Output: one line per changed file and per step, then "IIOTMON_RESULT changed=N".
# IIOTMON_SYSROOT (tests, image builds): write under that directory instead of /, and leave systemd and
# mounts alone.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
sysroot=${IIOTMON_SYSROOT:-}
scripts=/usr/local/lib/iiotmon
stage=$(mktemp -d /tmp/iiotmon-setup.XXXXXX)
trap 'rm -rf "$stage"' EXIT INT TERM

refuse() { echo "iiotmon: error: $1" >&2; exit 1; }

# shellcheck source=/dev/null # the payload reader, inlined when the script is sent
. "$(dirname "$0")/payload.sh"
read_payload "$stage"
# Every path and mode is checked before anything is written.
volume=''
dirs=''
: >"$stage/list"
while read -r src name path mode; do
    case $name in
        file)
            case $path in
                *..* | *' '*) refuse "refusing path $path" ;;
                "$scripts"/* | /etc/iiotmon/* | /etc/systemd/system/iiotmon-* | /etc/systemd/system/docker.service.d/iiotmon-*) ;;
                *) refuse "refusing to write $path: only the host's scripts, /etc/iiotmon and its own units" ;;
            esac
            case $mode in
                0[0-7][0-7][0-7]) ;;
                *) refuse "bad mode $mode for $path" ;;
            esac
            printf '%s %s %s\n' "$src" "$path" "$mode" >>"$stage/list" ;;
        volume)
            volume=$path
            dirs=$src ;;
    esac
done <"$stage/index"

changed=0
units=0
while read -r src path mode; do
    dest=$sysroot$path
    if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c '%a %u' "$dest")" = "${mode#0} 0" ]; then
        continue
    fi
    mkdir -p "$(dirname "$dest")"
    install -m "$mode" -o 0 -g 0 "$src" "$dest.iiotmon-tmp"
    mv -f "$dest.iiotmon-tmp" "$dest"
    changed=$((changed + 1))
    echo "iiotmon: wrote $path"
    case $path in
        /etc/systemd/*) units=1 ;;
    esac
done <"$stage/list"

if [ -n "$sysroot" ]; then
    echo "iiotmon: files written under $sysroot; systemd and the data volume left alone"
    echo "IIOTMON_RESULT changed=$changed"
    exit 0
fi

if [ -n "$volume" ]; then
    "$scripts/host-mount-data.sh" "$volume" <"$dirs"
    "$scripts/host-grow-data.sh" /srv/iiotmon
fi

if [ "$units" = 1 ]; then
    systemctl daemon-reload
    # A new OnCalendar takes effect when the timer is restarted; the backup service itself is not touched.
    systemctl enable iiotmon-backup.timer 2>/dev/null
    systemctl restart iiotmon-backup.timer
    echo "iiotmon: backup timer (re)started: $(systemctl show -p TimersCalendar --value iiotmon-backup.timer)"
else
    systemctl is-active -q iiotmon-backup.timer || systemctl enable --now iiotmon-backup.timer 2>/dev/null
fi
echo "IIOTMON_RESULT changed=$changed"
