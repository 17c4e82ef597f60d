import { dump } from "js-yaml";

export type Severity = "critical" | "warning" | "info";

/** A Prometheus alerting rule with the product's conventions: a severity, a summary, a description, a link. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: { readonly severity: Severity } & Record<string, string>;
    readonly annotations: { readonly summary: string; readonly description: string } & Record<string, string>;
}

/** Grafana path of the device dashboard for the alert's device (prefix it with your Grafana URL). */
export const DEVICE_DASHBOARD_LINK = "/d/iiotmon-device/device?var-device={{ $labels.instance }}";
export const FLEET_DASHBOARD_LINK = "/d/iiotmon-fleet/fleet?var-site={{ $labels.site }}";

const NODE = 'job="node"';
const FS = `${NODE},fstype!="",mountpoint!=""`;

function deviceRule(alert: string, severity: Severity, expr: string, forDuration: string, summary: string, what: string): AlertRule {
    return {
        alert,
        expr,
        for: forDuration,
        labels: { severity },
        annotations: {
            summary: `${summary} on {{ $labels.instance }}`,
            description: `{{ $labels.instance }} (site {{ $labels.site }}, region {{ $labels.region }}): ${what}`,
            dashboard: DEVICE_DASHBOARD_LINK,
        },
    };
}

/** Whether devices answer at all, one by one and site by site. */
export function fleetRules(): AlertRule[] {
    return [
        deviceRule("DeviceDown", "critical", `up{${NODE}} == 0`, "5m", "Device down", "Prometheus has not scraped node_exporter for 5 minutes."),
        {
            alert: "SiteDown",
            // Most of a site at once is a network cut or a power loss at the site, not many broken devices.
            expr: `count by (site, region) (up{${NODE}} == 0) / count by (site, region) (up{${NODE}}) > 0.5 and count by (site, region) (up{${NODE}}) >= 2`,
            for: "3m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Most of site {{ $labels.site }} is down",
                description: "More than half the devices of site {{ $labels.site }} (region {{ $labels.region }}) have not answered for 3 minutes: check the site's network link or power.",
                dashboard: FLEET_DASHBOARD_LINK,
            },
        },
    ];
}

/** The node_exporter mixin's node alerts, with its names and thresholds. */
export function nodeRules(): AlertRule[] {
    const avail = `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} * 100`;
    const files = `node_filesystem_files_free{${FS}} / node_filesystem_files{${FS}} * 100`;
    const rw = `node_filesystem_readonly{${FS}} == 0`;
    const mount = "{{ $labels.mountpoint }}";
    return [
        deviceRule("NodeFilesystemSpaceFillingUp", "warning", `(${avail} < 15 and predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 24*60*60) < 0 and ${rw})`, "1h", "Filesystem predicted to run out of space within 24 hours", `filesystem ${mount} has less than 15% space left and is filling up.`),
        deviceRule("NodeFilesystemSpaceFillingUp", "critical", `(${avail} < 10 and predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 4*60*60) < 0 and ${rw})`, "1h", "Filesystem predicted to run out of space within 4 hours", `filesystem ${mount} has less than 10% space left and is filling up fast.`),
        deviceRule("NodeFilesystemAlmostOutOfSpace", "warning", `(${avail} < 5 and ${rw})`, "30m", "Filesystem has less than 5% space left", `filesystem ${mount} has less than 5% space left.`),
        deviceRule("NodeFilesystemAlmostOutOfSpace", "critical", `(${avail} < 3 and ${rw})`, "30m", "Filesystem has less than 3% space left", `filesystem ${mount} has less than 3% space left.`),
        deviceRule("NodeFilesystemFilesFillingUp", "warning", `(${files} < 40 and predict_linear(node_filesystem_files_free{${FS}}[6h], 24*60*60) < 0 and ${rw})`, "1h", "Filesystem predicted to run out of inodes within 24 hours", `filesystem ${mount} has less than 40% inodes left and is filling up.`),
        deviceRule("NodeFilesystemFilesFillingUp", "critical", `(${files} < 20 and predict_linear(node_filesystem_files_free{${FS}}[6h], 4*60*60) < 0 and ${rw})`, "1h", "Filesystem predicted to run out of inodes within 4 hours", `filesystem ${mount} has less than 20% inodes left and is filling up fast.`),
        deviceRule("NodeFilesystemAlmostOutOfFiles", "warning", `(${files} < 5 and ${rw})`, "1h", "Filesystem has less than 5% inodes left", `filesystem ${mount} has less than 5% inodes left.`),
        deviceRule("NodeFilesystemAlmostOutOfFiles", "critical", `(${files} < 3 and ${rw})`, "1h", "Filesystem has less than 3% inodes left", `filesystem ${mount} has less than 3% inodes left.`),
        deviceRule("NodeNetworkReceiveErrs", "warning", `rate(node_network_receive_errs_total{${NODE}}[2m]) / rate(node_network_receive_packets_total{${NODE}}[2m]) > 0.01`, "1h", "Network interface is reporting many receive errors", "interface {{ $labels.device }} has more than 1% receive errors."),
        deviceRule("NodeNetworkTransmitErrs", "warning", `rate(node_network_transmit_errs_total{${NODE}}[2m]) / rate(node_network_transmit_packets_total{${NODE}}[2m]) > 0.01`, "1h", "Network interface is reporting many transmit errors", "interface {{ $labels.device }} has more than 1% transmit errors."),
        deviceRule("NodeHighNumberConntrackEntriesUsed", "warning", `(node_nf_conntrack_entries{${NODE}} / node_nf_conntrack_entries_limit) > 0.75`, "0m", "Number of conntrack entries is getting close to the limit", "more than 75% of the conntrack entries are used."),
        deviceRule("NodeTextFileCollectorScrapeError", "warning", `node_textfile_scrape_error{${NODE}} == 1`, "0m", "node_exporter's text file collector failed to scrape", "a file in the text file collector directory could not be read."),
        deviceRule("NodeClockSkewDetected", "warning", `(node_timex_offset_seconds{${NODE}} > 0.05 and deriv(node_timex_offset_seconds{${NODE}}[5m]) >= 0) or (node_timex_offset_seconds{${NODE}} < -0.05 and deriv(node_timex_offset_seconds{${NODE}}[5m]) <= 0)`, "10m", "Clock skew detected", "the clock is more than 50 ms off; check NTP."),
        deviceRule("NodeClockNotSynchronising", "warning", `min_over_time(node_timex_sync_status{${NODE}}[5m]) == 0 and node_timex_maxerror_seconds{${NODE}} >= 16`, "10m", "Clock not synchronising", "the clock is not synchronising; check NTP."),
        deviceRule("NodeFileDescriptorLimit", "warning", `(node_filefd_allocated{${NODE}} * 100 / node_filefd_maximum{${NODE}} > 70)`, "15m", "Kernel is predicted to exhaust file descriptors limit soon", "more than 70% of file descriptors are in use."),
        deviceRule("NodeFileDescriptorLimit", "critical", `(node_filefd_allocated{${NODE}} * 100 / node_filefd_maximum{${NODE}} > 90)`, "15m", "Kernel is predicted to exhaust file descriptors limit soon", "more than 90% of file descriptors are in use."),
        deviceRule("NodeCPUHighUsage", "info", `sum without(mode) (avg without (cpu) (rate(node_cpu_seconds_total{${NODE}, mode!~"idle|iowait"}[2m]))) * 100 > 90`, "15m", "High CPU usage", "CPU usage has been above 90% for 15 minutes."),
        deviceRule("NodeSystemSaturation", "warning", `node_load1{${NODE}} / count without (cpu, mode) (node_cpu_seconds_total{${NODE}, mode="idle"}) > 2`, "15m", "System saturated, load per core is very high", "the load per core has been above 2 for 15 minutes."),
        deviceRule("NodeMemoryMajorPagesFaults", "warning", `rate(node_vmstat_pgmajfault{${NODE}}[5m]) > 500`, "15m", "Memory major page faults are occurring at very high rate", "more than 500 major page faults per second: the device is short of memory."),
        deviceRule("NodeMemoryHighUtilization", "warning", `100 - (node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}} * 100) > 90`, "15m", "Host is running out of memory", "memory has been more than 90% used for 15 minutes."),
        deviceRule("NodeDiskIOSaturation", "warning", `rate(node_disk_io_time_weighted_seconds_total{${NODE}, device!=""}[5m]) > 10`, "30m", "Disk IO queue is high", "disk {{ $labels.device }} has a long IO queue."),
        deviceRule("NodeSystemdServiceFailed", "warning", `node_systemd_unit_state{${NODE}, state="failed"} == 1`, "5m", "Systemd service has entered failed state", "service {{ $labels.name }} has failed."),
    ];
}

/** Devices in hot cabinets: temperatures from hwmon chips and thermal zones. */
export function hardwareRules(): AlertRule[] {
    const temp = (threshold: number) => `max by (instance, site, region) (node_hwmon_temp_celsius{${NODE}} > ${threshold} or node_thermal_zone_temp{${NODE}} > ${threshold})`;
    return [
        deviceRule("DeviceTemperatureHigh", "warning", temp(75), "10m", "Device running hot", "a temperature sensor has read above 75 °C for 10 minutes; check the cabinet's cooling."),
        deviceRule("DeviceTemperatureHigh", "critical", temp(85), "5m", "Device overheating", "a temperature sensor has read above 85 °C for 5 minutes; the device may throttle or shut down."),
    ];
}

/** The monitoring system watching itself: backups, scrape targets, configuration reloads. */
export function monitoringRules(): AlertRule[] {
    const host = (alert: string, severity: Severity, expr: string, forDuration: string, summary: string, description: string): AlertRule => ({
        alert,
        expr,
        for: forDuration,
        labels: { severity },
        annotations: { summary, description },
    });
    return [
        host("BackupStale", "warning", "time() - iiotmon_backup_last_success_timestamp_seconds > 26 * 3600", "10m", "No successful backup for more than 26 hours", "The last successful backup of the monitoring host is more than 26 hours old; check `journalctl -u iiotmon-backup` on the host."),
        host("BackupStale", "warning", 'absent(iiotmon_backup_last_success_timestamp_seconds{job="host"})', "26h", "No backup has ever succeeded", "The monitoring host has not recorded a successful backup in 26 hours."),
        host("ScrapeTargetsStale", "warning", "increase(prometheus_sd_file_read_errors_total[10m]) > 0", "5m", "Prometheus cannot read the scrape targets file", "Prometheus failed to read the file_sd targets written by `pulumi up`; device changes are not being picked up."),
        host("PrometheusConfigReloadFailed", "warning", "prometheus_config_last_reload_successful == 0", "10m", "Prometheus configuration reload failed", "The last configuration pushed by `pulumi up` did not load; Prometheus keeps running with the previous one."),
        host("AlertmanagerConfigReloadFailed", "warning", "alertmanager_config_last_reload_successful == 0", "10m", "Alertmanager configuration reload failed", "The last Alertmanager configuration did not load; it keeps the previous one."),
    ];
}

export function renderRuleFile(groupName: string, rules: readonly AlertRule[]): string {
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump({ groups: [{ name: groupName, rules }] }, { lineWidth: 400 });
}

/** All rule files by name. */
export function ruleFiles(): Record<string, string> {
    return {
        "fleet.yml": renderRuleFile("fleet", fleetRules()),
        "node.yml": renderRuleFile("node", nodeRules()),
        "hardware.yml": renderRuleFile("hardware", hardwareRules()),
        "monitoring.yml": renderRuleFile("monitoring", monitoringRules()),
    };
}
