#!/bin/sh
# Writes the monitoring host's configuration files from stdin and reloads what changed, without
# restarting any container. Run as root on the host.
# Standard input, a payload (payload.sh): sections "@@file RELATIVE_PATH MODE UID" (paths under
# /srv/iiotmon/config), then "@@end".
# Output: one line per changed file and per reload, then "IIOTMON_RESULT changed=N".
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
root=/srv/iiotmon
stage=$(mktemp -d /tmp/iiotmon-config.XXXXXX)
trap 'rm -rf "$stage"' EXIT INT TERM

mountpoint -q "$root" || { echo "iiotmon: error: the data volume is not mounted at $root" >&2; exit 1; }

# shellcheck source=/dev/null # the payload reader, inlined when the script is sent
. "$(dirname "$0")/payload.sh"
read_payload "$stage"
# Every path is checked before anything is written.
: >"$stage/list"
while read -r src name rel mode uid; do
    [ "$name" = file ] || continue
    case $rel in
        *..* | *' '*) echo "iiotmon: error: refusing path $rel" >&2; exit 1 ;;
        config/*) ;;
        *) echo "iiotmon: error: refusing to write outside $root/config: $rel" >&2; exit 1 ;;
    esac
    printf '%s %s %s %s\n' "$src" "$rel" "$mode" "$uid" >>"$stage/list"
done <"$stage/index"

changed=0
prometheus=0
alertmanager=0
blackbox=0
snmp=0
caddy=0
while read -r src rel mode uid; do
    dest=$root/$rel
    if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c '%a %u' "$dest")" = "${mode#0} $uid" ]; then
        continue
    fi
    mkdir -p "$(dirname "$dest")"
    install -m "$mode" -o "$uid" -g "$uid" "$src" "$dest.iiotmon-tmp"
    mv -f "$dest.iiotmon-tmp" "$dest"
    changed=$((changed + 1))
    echo "iiotmon: wrote $dest"
    case $rel in
        config/prometheus/*) prometheus=1 ;;
        config/alertmanager/*) alertmanager=1 ;;
        config/blackbox/*) blackbox=1 ;;
        config/snmp/*) snmp=1 ;;
        config/caddy/*) caddy=1 ;;
    esac
done <"$stage/list"

# Containers reload their configuration in place; before they exist there is nothing to reload.
reload() { # name url
    if curl -fsS -X POST --max-time 10 "$2" >/dev/null 2>&1; then
        echo "iiotmon: reloaded $1"
    else
        echo "iiotmon: $1 not running yet; it reads the new configuration when it starts"
    fi
}
[ "$prometheus" = 1 ] && reload prometheus http://127.0.0.1:9090/-/reload
[ "$alertmanager" = 1 ] && reload alertmanager http://127.0.0.1:9093/-/reload
[ "$blackbox" = 1 ] && reload blackbox-exporter http://127.0.0.1:9115/-/reload
[ "$snmp" = 1 ] && reload snmp-exporter http://127.0.0.1:9116/-/reload
# The HTTPS proxy: a new Caddyfile or certificate is loaded in place (--force: a renewed certificate
# leaves the Caddyfile unchanged, and Caddy skips a reload of an identical configuration).
if [ "$caddy" = 1 ]; then
    if docker exec caddy caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile --force >/dev/null 2>&1; then
        echo "iiotmon: reloaded caddy"
    else
        echo "iiotmon: caddy not running yet; it reads the new configuration when it starts"
    fi
fi
echo "IIOTMON_RESULT changed=$changed"
