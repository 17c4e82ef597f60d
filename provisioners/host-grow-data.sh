#!/bin/sh
# Grows the file system mounted at MOUNTPOINT to the size of its block device, online, after the EBS
# volume under it was made larger (AWS grows the volume, never the file system on it). ext4 with
# resize2fs, xfs with xfs_growfs; a file system that already fills its device is left as it is.
# Usage: host-grow-data.sh MOUNTPOINT
# Output: one line, then "IIOTMON_GROW before=BYTES after=BYTES device=BYTES".
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mnt=${1:?usage: host-grow-data.sh MOUNTPOINT}
mountpoint -q "$mnt" || { echo "iiotmon: error: nothing is mounted at $mnt" >&2; exit 1; }
source=$(findmnt -n -o SOURCE --target "$mnt")
fstype=$(findmnt -n -o FSTYPE --target "$mnt")
device=$(blockdev --getsize64 "$source")
size() { df -B1 --output=size "$mnt" | tail -n 1 | tr -d ' '; }
before=$(size)
log=$(mktemp /tmp/iiotmon-grow.XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM

case $fstype in
    ext2 | ext3 | ext4) resize2fs "$source" >"$log" 2>&1 || { cat "$log" >&2; echo "iiotmon: error: resize2fs $source failed" >&2; exit 1; } ;;
    xfs) xfs_growfs "$mnt" >"$log" 2>&1 || { cat "$log" >&2; echo "iiotmon: error: xfs_growfs $mnt failed" >&2; exit 1; } ;;
    *) echo "iiotmon: error: cannot grow a $fstype file system ($source on $mnt)" >&2; exit 1 ;;
esac
after=$(size)
if [ "$after" -gt "$before" ]; then
    echo "iiotmon: grew the $fstype file system on $mnt from $before to $after bytes (device $device bytes)"
else
    echo "iiotmon: the $fstype file system on $mnt already fills its device ($after bytes, device $device bytes)"
fi
echo "IIOTMON_GROW before=$before after=$after device=$device"
