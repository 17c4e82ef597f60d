#!/bin/sh
# What the device uninstallers share (node-exporter-uninstall.sh, prometheus-agent-uninstall.sh): their
# arguments, their output lines and the root check. provisionerScript() inlines it when the script is sent.
# shellcheck disable=SC2034 # sets device and owner for the uninstaller that sources it

step() { printf 'iiotmon: [%s] %s\n' "$device" "$*"; }
result() { printf 'IIOTMON_RESULT device=%s %s\n' "$device" "$*"; }

# Usage: read_uninstall_args "INSTALLER_KEYS" "$@": sets device and owner. The resource passes the
# uninstall the installer's arguments too: those keys (space-separated names) are accepted and ignored;
# anything else stops the script with exit code 2.
read_uninstall_args() {
    installer_keys=$1
    shift
    for arg in "$@"; do
        case $arg in
            device=*) device=${arg#*=} ;;
            owner=*) owner=${arg#*=} ;;
            *=*)
                case " $installer_keys " in
                    *" ${arg%%=*} "*) ;;
                    *) printf 'iiotmon: error: unknown argument %s\n' "$arg" >&2; exit 2 ;;
                esac
                ;;
            *) printf 'iiotmon: error: unknown argument %s\n' "$arg" >&2; exit 2 ;;
        esac
    done
}

# Usage: require_root: reports status=failed reason=not-root and exits 1 unless run as root.
require_root() {
    [ "$(id -u)" = 0 ] || { step "error: must run as root" >&2; result "status=failed reason=not-root"; exit 1; }
}
