#!/bin/sh
# Mounts the monitoring host's EBS data volume at /srv/iiotmon, found by its NVMe identity (the volume
# id), formatting it only when it is blank, idempotently; then prepares the services' directories with
# the owners their containers run as. Run by host-setup.sh (the host configuration step); after a
# reboot the fstab entry mounts the volume.
# Usage: host-mount-data.sh VOLUME_ID
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
dir config 0 755
dir config/prometheus 65534 755
dir config/prometheus/targets 65534 755
dir config/prometheus/rules 65534 755
dir config/prometheus/secrets 65534 750
dir config/alertmanager 65534 755
dir config/grafana 472 755
dir config/grafana/provisioning 472 755
dir config/grafana/dashboards 472 755
dir config/timescaledb 0 755
dir config/timescaledb/initdb 0 755
dir data 0 755
dir data/prometheus 65534 750
dir data/alertmanager 65534 750
dir data/grafana 472 750
dir data/timescaledb 70 700
dir backups 0 700
dir textfile 0 755
echo "iiotmon: data volume $volume mounted at $mountpoint"
