import type { AlertRule, Severity } from "./alertRule";
import { NODE_ALERT_DEFAULTS, NodeAlertThresholds } from "../settings";

/** The mixin's settings we keep as they are: windows, selectors, and the thresholds nobody tunes. */
const FIXED = {
    fsSelector: 'fstype!=""',
    fsMountpointSelector: 'mountpoint!=""',
    diskDeviceSelector: 'device!=""',
    nodeWarningWindowHours: "24",
    nodeCriticalWindowHours: "4",
    fsSpaceFillingUpPredictionWindow: "6h",
    memoryMajorPagesFaultsThreshold: 500,
};

/** Who a set of node rules watches: the fleet's devices, or the monitoring host itself. */
export interface NodeRuleScope {
    /** The mixin's nodeExporterSelector: `job="node"` for devices, `job="host"` for the monitoring host. */
    readonly selector: string;
    /** Labels every alert of the scope carries besides its severity (how Alertmanager routes them). */
    readonly labels: Record<string, string>;
    /** The alert's summary and description for a finding `what` about `{{ $labels.instance }}`. */
    readonly annotate: (summary: string, what: string) => AlertRule["annotations"];
}

/** `%d` in the mixin: thresholds are printed as whole numbers. */
const d = (n: number) => String(Math.trunc(n));

/**
 * Every alert of the node mixin (docs/node-mixin/alerts/alerts.libsonnet), in its order, with its name,
 * expression, `for` and severity, for one scope and the given thresholds. Annotations are ours: they name
 * the device with its site and region and link to its dashboard.
 */
export function mixinNodeRules(scope: NodeRuleScope, t: NodeAlertThresholds = NODE_ALERT_DEFAULTS): AlertRule[] {
    const node = scope.selector;
    const fs = `${node},${FIXED.fsSelector},${FIXED.fsMountpointSelector}`;
    const disk = `${node},${FIXED.diskDeviceSelector}`;
    const rule = (alert: string, severity: Severity, expr: string, forDuration: string | undefined, summary: string, what: string): AlertRule => ({
        alert,
        expr,
        ...(forDuration ? { for: forDuration } : {}),
        labels: { severity, ...scope.labels },
        annotations: scope.annotate(summary, what),
    });
    const spaceLeft = (threshold: number) => `node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100 < ${d(threshold)}`;
    const filesLeft = (threshold: number) => `node_filesystem_files_free{${fs}} / node_filesystem_files{${fs}} * 100 < ${threshold}`;
    const writable = `node_filesystem_readonly{${fs}} == 0`;
    const predicted = (metric: string, range: string, hours: string) => `predict_linear(${metric}{${fs}}[${range}], ${hours}*60*60) < 0`;
    const onFs = "filesystem {{ $labels.mountpoint }} ({{ $labels.device }})";
    const W = FIXED.nodeWarningWindowHours;
    const C = FIXED.nodeCriticalWindowHours;
    return [
        rule("NodeFilesystemSpaceFillingUp", "warning", `(\n  ${spaceLeft(t.fsSpaceFillingUpWarningThreshold)}\nand\n  ${predicted("node_filesystem_avail_bytes", FIXED.fsSpaceFillingUpPredictionWindow, W)}\nand\n  ${writable}\n)`, "1h", `Filesystem is predicted to run out of space within the next ${W} hours`, `${onFs} has less than ${d(t.fsSpaceFillingUpWarningThreshold)}% space left and is filling up.`),
        // The mixin predicts the critical case over a fixed 6h range, whatever fsSpaceFillingUpPredictionWindow says.
        rule("NodeFilesystemSpaceFillingUp", "critical", `(\n  ${spaceLeft(t.fsSpaceFillingUpCriticalThreshold)}\nand\n  ${predicted("node_filesystem_avail_bytes", "6h", C)}\nand\n  ${writable}\n)`, "1h", `Filesystem is predicted to run out of space within the next ${C} hours`, `${onFs} has less than ${d(t.fsSpaceFillingUpCriticalThreshold)}% space left and is filling up fast.`),
        rule("NodeFilesystemAlmostOutOfSpace", "warning", `(\n  ${spaceLeft(t.fsSpaceAvailableWarningThreshold)}\nand\n  ${writable}\n)`, "30m", `Filesystem has less than ${d(t.fsSpaceAvailableWarningThreshold)}% space left`, `${onFs} has less than ${d(t.fsSpaceAvailableWarningThreshold)}% space left.`),
        rule("NodeFilesystemAlmostOutOfSpace", "critical", `(\n  ${spaceLeft(t.fsSpaceAvailableCriticalThreshold)}\nand\n  ${writable}\n)`, "30m", `Filesystem has less than ${d(t.fsSpaceAvailableCriticalThreshold)}% space left`, `${onFs} has less than ${d(t.fsSpaceAvailableCriticalThreshold)}% space left.`),
        rule("NodeFilesystemFilesFillingUp", "warning", `(\n  ${filesLeft(40)}\nand\n  ${predicted("node_filesystem_files_free", "6h", W)}\nand\n  ${writable}\n)`, "1h", `Filesystem is predicted to run out of inodes within the next ${W} hours`, `${onFs} has less than 40% inodes left and is filling up.`),
        rule("NodeFilesystemFilesFillingUp", "critical", `(\n  ${filesLeft(20)}\nand\n  ${predicted("node_filesystem_files_free", "6h", C)}\nand\n  ${writable}\n)`, "1h", `Filesystem is predicted to run out of inodes within the next ${C} hours`, `${onFs} has less than 20% inodes left and is filling up fast.`),
        rule("NodeFilesystemAlmostOutOfFiles", "warning", `(\n  ${filesLeft(5)}\nand\n  ${writable}\n)`, "1h", "Filesystem has less than 5% inodes left", `${onFs} has less than 5% inodes left.`),
        rule("NodeFilesystemAlmostOutOfFiles", "critical", `(\n  ${filesLeft(3)}\nand\n  ${writable}\n)`, "1h", "Filesystem has less than 3% inodes left", `${onFs} has less than 3% inodes left.`),
        rule("NodeNetworkReceiveErrs", "warning", `rate(node_network_receive_errs_total{${node}}[2m]) / rate(node_network_receive_packets_total{${node}}[2m]) > 0.01`, "1h", "Network interface is reporting many receive errors", "interface {{ $labels.device }} has had more than 1% receive errors for an hour."),
        rule("NodeNetworkTransmitErrs", "warning", `rate(node_network_transmit_errs_total{${node}}[2m]) / rate(node_network_transmit_packets_total{${node}}[2m]) > 0.01`, "1h", "Network interface is reporting many transmit errors", "interface {{ $labels.device }} has had more than 1% transmit errors for an hour."),
        rule("NodeHighNumberConntrackEntriesUsed", "warning", `(node_nf_conntrack_entries{${node}} / node_nf_conntrack_entries_limit) > 0.75`, undefined, "Number of conntrack entries is getting close to the limit", "more than 75% of the conntrack entries are used."),
        rule("NodeTextFileCollectorScrapeError", "warning", `node_textfile_scrape_error{${node}} == 1`, undefined, "node_exporter's text file collector failed to scrape", "a file in the text file collector directory could not be read."),
        rule("NodeClockSkewDetected", "warning", `(\n  node_timex_offset_seconds{${node}} > 0.05\nand\n  deriv(node_timex_offset_seconds{${node}}[5m]) >= 0\n)\nor\n(\n  node_timex_offset_seconds{${node}} < -0.05\nand\n  deriv(node_timex_offset_seconds{${node}}[5m]) <= 0\n)`, "10m", "Clock skew detected", "the clock is more than 50 ms off; check NTP."),
        rule("NodeClockNotSynchronising", "warning", `min_over_time(node_timex_sync_status{${node}}[5m]) == 0\nand\nnode_timex_maxerror_seconds{${node}} >= 16`, "10m", "Clock not synchronising", "the clock is not synchronising; check NTP."),
        rule("NodeRAIDDegraded", "critical", `node_md_disks_required{${disk}} - ignoring (state) (node_md_disks{state="active",${disk}}) > 0`, "15m", "RAID array is degraded", "RAID array {{ $labels.device }} is degraded: a disk failed and no spare replaced it."),
        rule("NodeRAIDDiskFailure", "warning", `node_md_disks{state="failed",${disk}} > 0`, undefined, "Failed device in RAID array", "RAID array {{ $labels.device }} has a failed disk: it needs attention and possibly a disk swap."),
        rule("NodeFileDescriptorLimit", "warning", `(\n  node_filefd_allocated{${node}} * 100 / node_filefd_maximum{${node}} > 70\n)`, "15m", "Kernel is predicted to exhaust file descriptors limit soon", "more than 70% of file descriptors are in use."),
        rule("NodeFileDescriptorLimit", "critical", `(\n  node_filefd_allocated{${node}} * 100 / node_filefd_maximum{${node}} > 90\n)`, "15m", "Kernel is predicted to exhaust file descriptors limit soon", "more than 90% of file descriptors are in use."),
        rule("NodeCPUHighUsage", "info", `sum without(mode) (avg without (cpu) (rate(node_cpu_seconds_total{${node}, mode!~"idle|iowait"}[2m]))) * 100 > ${d(t.cpuHighUsageThreshold)}`, "15m", "High CPU usage", `CPU usage has been above ${d(t.cpuHighUsageThreshold)}% for 15 minutes.`),
        rule("NodeSystemSaturation", "warning", `node_load1{${node}}\n/ count without (cpu, mode) (node_cpu_seconds_total{${node}, mode="idle"}) > ${d(t.systemSaturationPerCoreThreshold)}`, "15m", "System saturated, load per core is very high", `the load per core has been above ${d(t.systemSaturationPerCoreThreshold)} for 15 minutes.`),
        rule("NodeMemoryMajorPagesFaults", "warning", `rate(node_vmstat_pgmajfault{${node}}[5m]) > ${d(FIXED.memoryMajorPagesFaultsThreshold)}`, "15m", "Memory major page faults are occurring at very high rate", `more than ${FIXED.memoryMajorPagesFaultsThreshold} major page faults per second: short of memory.`),
        rule("NodeMemoryHighUtilization", "warning", `100 - (node_memory_MemAvailable_bytes{${node}} / node_memory_MemTotal_bytes{${node}} * 100) > ${d(t.memoryHighUtilizationThreshold)}`, "15m", "Host is running out of memory", `memory has been more than ${d(t.memoryHighUtilizationThreshold)}% used for 15 minutes.`),
        rule("NodeDiskIOSaturation", "warning", `rate(node_disk_io_time_weighted_seconds_total{${node}, ${FIXED.diskDeviceSelector}}[5m]) > ${d(t.diskIOSaturationThreshold)}`, "30m", "Disk IO queue is high", `disk {{ $labels.device }} has had an IO queue above ${d(t.diskIOSaturationThreshold)} for 30 minutes.`),
        rule("NodeSystemdServiceFailed", "warning", `node_systemd_unit_state{${node}, state="failed"} == 1`, "5m", "Systemd service has entered failed state", "service {{ $labels.name }} has failed."),
        rule("NodeSystemdServiceCrashlooping", "warning", `increase(node_systemd_service_restart_total{${node}}[5m]) > 2`, "15m", "Systemd service keeps restarting, possibly crash looping", "service {{ $labels.name }} has restarted more than twice in 5 minutes, for 15 minutes."),
        rule("NodeBondingDegraded", "warning", `(node_bonding_slaves{${node}} - node_bonding_active{${node}}) != 0`, "5m", "Bonding interface is degraded", "bond {{ $labels.master }} has fewer active links than members."),
    ];
}
