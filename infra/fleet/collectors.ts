/**
 * Linux collectors of node_exporter 1.x (from its README). Used only to catch typos: a name not in
 * the list is a warning, since a newer node_exporter may add collectors this list does not know.
 */
export const KNOWN_COLLECTORS = [
    "arp", "bcache", "bonding", "btrfs", "buddyinfo", "cgroups", "conntrack", "cpu", "cpu_vulnerabilities",
    "cpufreq", "diskstats", "dmi", "drbd", "drm", "edac", "entropy", "ethtool", "fibrechannel", "filefd",
    "filesystem", "hwmon", "infiniband", "interrupts", "ipvs", "ksmd", "lnstat", "loadavg", "logind",
    "mdadm", "meminfo", "meminfo_numa", "mountstats", "netclass", "netdev", "netstat", "network_route",
    "nfs", "nfsd", "ntp", "nvme", "os", "pcidevice", "perf", "powersupplyclass", "pressure", "processes",
    "qdisc", "rapl", "runit", "schedstat", "selinux", "slabinfo", "sockstat", "softirqs", "softnet", "stat",
    "supervisord", "sysctl", "systemd", "tapestats", "tcpstat", "textfile", "thermal_zone", "time", "timex",
    "udp_queues", "uname", "vmstat", "watchdog", "wifi", "xfs", "zfs", "zoneinfo",
] as const;

/** Collector names become command-line flags on the device, so only this shape is accepted. */
export const COLLECTOR_NAME = /^[a-z][a-z0-9_]{0,63}$/;
