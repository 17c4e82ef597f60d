#!/bin/sh
# Mounts the monitoring host's EBS data volume at /srv/iiotmon, found by its NVMe identity (the volume
# id), formatting it only when it is blank, idempotently; then prepares the services' directories with
# the owners their containers run as. Run by host-setup.sh (the host configuration step); after a
# reboot the fstab entry mounts the volume.
# Usage: host-mount-data.sh VOLUME_ID <DIRECTORIES (one "PATH UID MODE" line each; host-setup.sh passes them)
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

volume=${1:?usage: host-mount-data.sh VOLUME_ID}
mountpoint=/srv/iiotmon
# On Nitro instances an EBS volume is an NVMe disk whose serial is the volume id without its dash.
device=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$(printf '%s' "$volume" | tr -d '-')

i=0
while [ ! -e "$device" ]; do
    i=$((i + 1))
    [ "$i" -le 120 ] || { echo "iiotmon: data volume $volume is not attached ($device missing)" >&2; exit 1; }
    sleep 1
done

if blkid "$device" >/dev/null 2>&1; then
    echo "iiotmon: data volume $volume already has a file system; keeping it"
else
    echo "iiotmon: data volume $volume is blank; formatting it"
    mkfs.ext4 -q -L iiotmon-data "$device"
fi
uuid=$(blkid -s UUID -o value "$device")
mkdir -p "$mountpoint"
if ! grep -q "^UUID=$uuid " /etc/fstab; then
    echo "UUID=$uuid $mountpoint ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2" >>/etc/fstab
fi
mountpoint -q "$mountpoint" || mount "$mountpoint"

dir() { # path owner-uid mode
    mkdir -p "$mountpoint/$1"
    chown "$2:$2" "$mountpoint/$1"
    chmod "$3" "$mountpoint/$1"
}
# The directories come from the layout table (infra/host/hostLayout.ts), one "PATH UID MODE" line each.
while read -r rel uid mode; do
    case $rel in
        '' | /* | *..*) echo "iiotmon: error: refusing directory '$rel'" >&2; exit 1 ;;
    esac
    case "$uid:$mode" in
        *[!0-9:]* | :* | *:) echo "iiotmon: error: bad owner or mode for $rel: $uid $mode" >&2; exit 1 ;;
    esac
    dir "$rel" "$uid" "$mode"
done
echo "iiotmon: data volume $volume mounted at $mountpoint"
