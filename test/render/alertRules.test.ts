import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dump } from "js-yaml";
import { AlertRule, Severity, withRunbook } from "../../infra/host/alertRule";
import { SETTING_DEFAULTS } from "../../infra/settings";
import { fleetRules, hardwareRules, hostNodeRules, monitoringRules, nodeRules, ruleFiles } from "../../infra/host/alertRules";

/**
 * Every alert under `promtool test rules`: it fires when it must, with the right labels, severity and
 * annotations, and stays silent when it must not. Series are written as promtool reads them.
 */
const ALL: AlertRule[] = [...fleetRules(), ...nodeRules(), ...hostNodeRules(), ...hardwareRules(), ...monitoringRules()];
const NODE_ALERTS = new Set(nodeRules().map((r) => r.alert));

const DEV = { job: "node", instance: "wtg-01", site: "north", region: "sea" };
const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
const s = (metric: string, extra: Record<string, string>, values: string) => ({ series: `${metric}${sel({ ...DEV, ...extra })}`, values });

interface Case {
    readonly name: string;
    readonly alert: string;
    readonly interval?: string;
    readonly series: { series: string; values: string }[];
    readonly evalTime: string;
    /** Alerts expected at evalTime: severity and labels beyond the severity. Empty: silent. */
    readonly expect: { severity: Severity; labels: Record<string, string> }[];
}

const FS = { fstype: "ext4", mountpoint: "/", device: "/dev/mmcblk0p2" };
const fsSeries = (avail: string, files: string = "5000x200") => [
    s("node_filesystem_avail_bytes", FS, avail),
    s("node_filesystem_size_bytes", FS, "10000x200"),
    s("node_filesystem_files_free", FS, files),
    s("node_filesystem_files", FS, "10000x200"),
    s("node_filesystem_readonly", FS, "0x200"),
];
const at = (severity: Severity, extra: Record<string, string> = {}) => ({ severity, labels: { ...DEV, ...extra } });
/** The monitoring host's own node_exporter, and the label that routes its alerts as the monitoring system's. */
const HOST = { job: "host", instance: "monitoring-host" };
const MON = { iiotmon_scope: "monitoring" };
const h = (metric: string, extra: Record<string, string>, values: string) => ({ series: `${metric}${sel({ ...HOST, ...extra })}`, values });

const CASES: Case[] = [
    { name: "a device that stops answering", alert: "DeviceDown", series: [s("up", {}, "0x15")], evalTime: "6m", expect: [at("critical")] },
    { name: "a device that answers", alert: "DeviceDown", series: [s("up", {}, "1x15")], evalTime: "10m", expect: [] },
    { name: "a device down for less than 5 minutes", alert: "DeviceDown", series: [s("up", {}, "1 1 1 1 1 1 1 1 0 0 0")], evalTime: "10m", expect: [] },
    {
        name: "most of a site down at once",
        alert: "SiteDown",
        series: [s("up", { instance: "a" }, "0x10"), s("up", { instance: "b" }, "0x10"), s("up", { instance: "c" }, "1x10")],
        evalTime: "5m",
        expect: [{ severity: "critical", labels: { site: "north", region: "sea" } }],
    },
    {
        name: "one device of a site down",
        alert: "SiteDown",
        series: [s("up", { instance: "a" }, "0x10"), s("up", { instance: "b" }, "1x10"), s("up", { instance: "c" }, "1x10")],
        evalTime: "5m",
        expect: [],
    },
    { name: "a site of one device (DeviceDown covers it)", alert: "SiteDown", series: [s("up", {}, "0x10")], evalTime: "5m", expect: [] },
    { name: "a filesystem with 4% left", alert: "NodeFilesystemAlmostOutOfSpace", series: fsSeries("400x200"), evalTime: "31m", expect: [at("warning", FS)] },
    { name: "a filesystem with 2% left", alert: "NodeFilesystemAlmostOutOfSpace", series: fsSeries("200x200"), evalTime: "31m", expect: [at("warning", FS), at("critical", FS)] },
    { name: "a filesystem half full", alert: "NodeFilesystemAlmostOutOfSpace", series: fsSeries("5000x200"), evalTime: "31m", expect: [] },
    { name: "a filesystem filling up fast", alert: "NodeFilesystemSpaceFillingUp", series: fsSeries("950-5x200"), evalTime: "65m", expect: [at("warning", FS), at("critical", FS)] },
    { name: "a low but steady filesystem", alert: "NodeFilesystemSpaceFillingUp", series: fsSeries("900x200"), evalTime: "65m", expect: [] },
    // The mixin's thresholds: under 40 % free and filling within 24 h warns; critical needs under 20 % and 4 h.
    { name: "30% free, filling within a day", alert: "NodeFilesystemSpaceFillingUp", series: fsSeries("3300-5x200"), evalTime: "65m", expect: [at("warning", FS)] },
    { name: "50% free and filling", alert: "NodeFilesystemSpaceFillingUp", series: fsSeries("5000-10x200"), evalTime: "65m", expect: [] },
    { name: "inodes filling up fast", alert: "NodeFilesystemFilesFillingUp", series: fsSeries("5000x200", "1900-10x200"), evalTime: "65m", expect: [at("warning", FS), at("critical", FS)] },
    { name: "inodes plenty and steady", alert: "NodeFilesystemFilesFillingUp", series: fsSeries("5000x200", "6000x200"), evalTime: "65m", expect: [] },
    { name: "4% inodes left", alert: "NodeFilesystemAlmostOutOfFiles", series: fsSeries("5000x200", "400x200"), evalTime: "61m", expect: [at("warning", FS)] },
    { name: "plenty of inodes", alert: "NodeFilesystemAlmostOutOfFiles", series: fsSeries("5000x200"), evalTime: "61m", expect: [] },
    {
        name: "5% receive errors",
        alert: "NodeNetworkReceiveErrs",
        series: [s("node_network_receive_errs_total", { device: "eth0" }, "0+5x70"), s("node_network_receive_packets_total", { device: "eth0" }, "0+100x70")],
        evalTime: "65m",
        expect: [at("warning", { device: "eth0" })],
    },
    {
        name: "no receive errors",
        alert: "NodeNetworkReceiveErrs",
        series: [s("node_network_receive_errs_total", { device: "eth0" }, "0x70"), s("node_network_receive_packets_total", { device: "eth0" }, "0+100x70")],
        evalTime: "65m",
        expect: [],
    },
    {
        name: "5% transmit errors",
        alert: "NodeNetworkTransmitErrs",
        series: [s("node_network_transmit_errs_total", { device: "eth0" }, "0+5x70"), s("node_network_transmit_packets_total", { device: "eth0" }, "0+100x70")],
        evalTime: "65m",
        expect: [at("warning", { device: "eth0" })],
    },
    {
        name: "no transmit errors",
        alert: "NodeNetworkTransmitErrs",
        series: [s("node_network_transmit_errs_total", { device: "eth0" }, "0x70"), s("node_network_transmit_packets_total", { device: "eth0" }, "0+100x70")],
        evalTime: "65m",
        expect: [],
    },
    {
        name: "conntrack 50% full",
        alert: "NodeHighNumberConntrackEntriesUsed",
        series: [s("node_nf_conntrack_entries", {}, "500x5"), s("node_nf_conntrack_entries_limit", {}, "1000x5")],
        evalTime: "2m",
        expect: [],
    },
    {
        name: "conntrack 80% full",
        alert: "NodeHighNumberConntrackEntriesUsed",
        series: [s("node_nf_conntrack_entries", {}, "800x5"), s("node_nf_conntrack_entries_limit", {}, "1000x5")],
        evalTime: "2m",
        expect: [at("warning")],
    },
    { name: "a text file that cannot be read", alert: "NodeTextFileCollectorScrapeError", series: [s("node_textfile_scrape_error", {}, "1x5")], evalTime: "2m", expect: [at("warning")] },
    { name: "text files fine", alert: "NodeTextFileCollectorScrapeError", series: [s("node_textfile_scrape_error", {}, "0x5")], evalTime: "2m", expect: [] },
    { name: "a clock 100 ms ahead", alert: "NodeClockSkewDetected", series: [s("node_timex_offset_seconds", {}, "0.1x20")], evalTime: "16m", expect: [at("warning")] },
    { name: "a clock 1 ms off", alert: "NodeClockSkewDetected", series: [s("node_timex_offset_seconds", {}, "0.001x20")], evalTime: "16m", expect: [] },
    {
        name: "a clock not synchronising",
        alert: "NodeClockNotSynchronising",
        series: [s("node_timex_sync_status", {}, "0x30"), s("node_timex_maxerror_seconds", {}, "16x30")],
        evalTime: "20m",
        expect: [at("warning")],
    },
    {
        name: "a synchronised clock",
        alert: "NodeClockNotSynchronising",
        series: [s("node_timex_sync_status", {}, "1x30"), s("node_timex_maxerror_seconds", {}, "0.1x30")],
        evalTime: "20m",
        expect: [],
    },
    {
        name: "95% of file descriptors used",
        alert: "NodeFileDescriptorLimit",
        series: [s("node_filefd_allocated", {}, "95x20"), s("node_filefd_maximum", {}, "100x20")],
        evalTime: "16m",
        expect: [at("warning"), at("critical")],
    },
    {
        name: "75% of file descriptors used",
        alert: "NodeFileDescriptorLimit",
        series: [s("node_filefd_allocated", {}, "75x20"), s("node_filefd_maximum", {}, "100x20")],
        evalTime: "16m",
        expect: [at("warning")],
    },
    {
        name: "half the file descriptors used",
        alert: "NodeFileDescriptorLimit",
        series: [s("node_filefd_allocated", {}, "50x20"), s("node_filefd_maximum", {}, "100x20")],
        evalTime: "16m",
        expect: [],
    },
    {
        name: "a RAID array missing a disk",
        alert: "NodeRAIDDegraded",
        series: [s("node_md_disks_required", { device: "md0" }, "2x20"), s("node_md_disks", { device: "md0", state: "active" }, "1x20")],
        evalTime: "16m",
        expect: [at("critical", { device: "md0" })],
    },
    {
        name: "a complete RAID array",
        alert: "NodeRAIDDegraded",
        series: [s("node_md_disks_required", { device: "md0" }, "2x20"), s("node_md_disks", { device: "md0", state: "active" }, "2x20")],
        evalTime: "16m",
        expect: [],
    },
    { name: "a failed disk in a RAID array", alert: "NodeRAIDDiskFailure", series: [s("node_md_disks", { device: "md0", state: "failed" }, "1x5")], evalTime: "1m", expect: [at("warning", { device: "md0", state: "failed" })] },
    { name: "no failed disk in a RAID array", alert: "NodeRAIDDiskFailure", series: [s("node_md_disks", { device: "md0", state: "failed" }, "0x5")], evalTime: "1m", expect: [] },
    {
        name: "a busy CPU",
        alert: "NodeCPUHighUsage",
        series: [s("node_cpu_seconds_total", { cpu: "0", mode: "user" }, "0+57x30"), s("node_cpu_seconds_total", { cpu: "0", mode: "idle" }, "0+3x30")],
        evalTime: "20m",
        expect: [at("info")],
    },
    {
        name: "an idle CPU",
        alert: "NodeCPUHighUsage",
        series: [s("node_cpu_seconds_total", { cpu: "0", mode: "user" }, "0+3x30"), s("node_cpu_seconds_total", { cpu: "0", mode: "idle" }, "0+57x30")],
        evalTime: "20m",
        expect: [],
    },
    {
        name: "load 5 on one core",
        alert: "NodeSystemSaturation",
        series: [s("node_load1", {}, "5x30"), s("node_cpu_seconds_total", { cpu: "0", mode: "idle" }, "0+30x30")],
        evalTime: "20m",
        expect: [at("warning")],
    },
    {
        name: "load 1 on one core",
        alert: "NodeSystemSaturation",
        series: [s("node_load1", {}, "1x30"), s("node_cpu_seconds_total", { cpu: "0", mode: "idle" }, "0+30x30")],
        evalTime: "20m",
        expect: [],
    },
    { name: "1,000 major page faults per second", alert: "NodeMemoryMajorPagesFaults", series: [s("node_vmstat_pgmajfault", {}, "0+60000x30")], evalTime: "20m", expect: [at("warning")] },
    { name: "10 major page faults per second", alert: "NodeMemoryMajorPagesFaults", series: [s("node_vmstat_pgmajfault", {}, "0+600x30")], evalTime: "20m", expect: [] },
    {
        name: "95% of memory used",
        alert: "NodeMemoryHighUtilization",
        series: [s("node_memory_MemAvailable_bytes", {}, "5x30"), s("node_memory_MemTotal_bytes", {}, "100x30")],
        evalTime: "20m",
        expect: [at("warning")],
    },
    {
        name: "half the memory used",
        alert: "NodeMemoryHighUtilization",
        series: [s("node_memory_MemAvailable_bytes", {}, "50x30"), s("node_memory_MemTotal_bytes", {}, "100x30")],
        evalTime: "20m",
        expect: [],
    },
    { name: "a saturated disk", alert: "NodeDiskIOSaturation", series: [s("node_disk_io_time_weighted_seconds_total", { device: "sda" }, "0+900x40")], evalTime: "35m", expect: [at("warning", { device: "sda" })] },
    { name: "a quiet disk", alert: "NodeDiskIOSaturation", series: [s("node_disk_io_time_weighted_seconds_total", { device: "sda" }, "0+60x40")], evalTime: "35m", expect: [] },
    {
        name: "a failed systemd service",
        alert: "NodeSystemdServiceFailed",
        series: [s("node_systemd_unit_state", { name: "modbus-bridge.service", state: "failed", type: "simple" }, "1x10")],
        evalTime: "6m",
        expect: [at("warning", { name: "modbus-bridge.service", state: "failed", type: "simple" })],
    },
    {
        name: "a running systemd service",
        alert: "NodeSystemdServiceFailed",
        series: [s("node_systemd_unit_state", { name: "modbus-bridge.service", state: "failed", type: "simple" }, "0x10")],
        evalTime: "6m",
        expect: [],
    },
    {
        name: "a service restarting every minute",
        alert: "NodeSystemdServiceCrashlooping",
        series: [s("node_systemd_service_restart_total", { name: "modbus-bridge.service" }, "0+1x30")],
        evalTime: "25m",
        expect: [at("warning", { name: "modbus-bridge.service" })],
    },
    {
        name: "a service restarted once",
        alert: "NodeSystemdServiceCrashlooping",
        series: [s("node_systemd_service_restart_total", { name: "modbus-bridge.service" }, "0 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1")],
        evalTime: "25m",
        expect: [],
    },
    {
        name: "a bond with one of two links down",
        alert: "NodeBondingDegraded",
        series: [s("node_bonding_slaves", { master: "bond0" }, "2x10"), s("node_bonding_active", { master: "bond0" }, "1x10")],
        evalTime: "6m",
        expect: [at("warning", { master: "bond0" })],
    },
    {
        name: "a bond with every link up",
        alert: "NodeBondingDegraded",
        series: [s("node_bonding_slaves", { master: "bond0" }, "2x10"), s("node_bonding_active", { master: "bond0" }, "2x10")],
        evalTime: "6m",
        expect: [],
    },
    // The monitoring host's own node_exporter is watched by the same alerts, labelled as the monitoring system's.
    {
        name: "the monitoring host's data disk almost full",
        alert: "NodeFilesystemAlmostOutOfSpace",
        series: [
            h("node_filesystem_avail_bytes", { ...FS, mountpoint: "/srv/iiotmon", device: "/dev/nvme1n1" }, "400x200"),
            h("node_filesystem_size_bytes", { ...FS, mountpoint: "/srv/iiotmon", device: "/dev/nvme1n1" }, "10000x200"),
            h("node_filesystem_readonly", { ...FS, mountpoint: "/srv/iiotmon", device: "/dev/nvme1n1" }, "0x200"),
        ],
        evalTime: "31m",
        expect: [{ severity: "warning", labels: { ...HOST, ...FS, mountpoint: "/srv/iiotmon", device: "/dev/nvme1n1", ...MON } }],
    },
    {
        name: "the monitoring host running out of memory",
        alert: "NodeMemoryHighUtilization",
        series: [h("node_memory_MemAvailable_bytes", {}, "5x30"), h("node_memory_MemTotal_bytes", {}, "100x30")],
        evalTime: "20m",
        expect: [{ severity: "warning", labels: { ...HOST, ...MON } }],
    },
    {
        name: "a hot cabinet",
        alert: "DeviceTemperatureHigh",
        series: [s("node_hwmon_temp_celsius", { chip: "platform_coretemp_0", sensor: "temp1" }, "80x20")],
        evalTime: "11m",
        expect: [{ severity: "warning", labels: { instance: "wtg-01", site: "north", region: "sea" } }],
    },
    {
        name: "an overheating SoC (thermal zone)",
        alert: "DeviceTemperatureHigh",
        series: [s("node_thermal_zone_temp", { type: "cpu-thermal", zone: "0" }, "90x20")],
        evalTime: "11m",
        expect: [
            { severity: "warning", labels: { instance: "wtg-01", site: "north", region: "sea" } },
            { severity: "critical", labels: { instance: "wtg-01", site: "north", region: "sea" } },
        ],
    },
    { name: "a cool device", alert: "DeviceTemperatureHigh", series: [s("node_hwmon_temp_celsius", { chip: "c", sensor: "temp1" }, "45x20")], evalTime: "11m", expect: [] },
    {
        name: "no backup for 27 hours",
        alert: "BackupStale",
        series: [{ series: 'iiotmon_backup_last_success_timestamp_seconds{job="host",instance="monitoring-host"}', values: "0x1700" }],
        evalTime: "27h",
        expect: [{ severity: "warning", labels: { job: "host", instance: "monitoring-host", ...MON } }],
    },
    {
        name: "a backup every hour",
        alert: "BackupStale",
        series: [{ series: 'iiotmon_backup_last_success_timestamp_seconds{job="host",instance="monitoring-host"}', values: "0+60x1700" }],
        evalTime: "27h",
        expect: [],
    },
    { name: "never a backup", alert: "BackupNeverSucceeded", series: [{ series: 'up{job="host"}', values: "1x1700" }], evalTime: "27h", expect: [{ severity: "warning", labels: { job: "host", ...MON } }] },
    {
        name: "a backup that once succeeded",
        alert: "BackupNeverSucceeded",
        interval: "10m",
        series: [{ series: 'iiotmon_backup_last_success_timestamp_seconds{job="host",instance="monitoring-host"}', values: "0x170" }],
        evalTime: "27h",
        expect: [],
    },
    {
        name: "an unreadable targets file",
        alert: "ScrapeTargetsStale",
        series: [{ series: 'prometheus_sd_file_read_errors_total{job="prometheus",instance="localhost:9090"}', values: "0+1x20" }],
        evalTime: "10m",
        expect: [{ severity: "warning", labels: { job: "prometheus", instance: "localhost:9090", ...MON } }],
    },
    {
        name: "a readable targets file",
        alert: "ScrapeTargetsStale",
        series: [{ series: 'prometheus_sd_file_read_errors_total{job="prometheus",instance="localhost:9090"}', values: "0x20" }],
        evalTime: "10m",
        expect: [],
    },
    {
        name: "a failed Prometheus reload",
        alert: "PrometheusConfigReloadFailed",
        series: [{ series: 'prometheus_config_last_reload_successful{job="prometheus",instance="localhost:9090"}', values: "0x20" }],
        evalTime: "15m",
        expect: [{ severity: "warning", labels: { job: "prometheus", instance: "localhost:9090", ...MON } }],
    },
    {
        name: "a failed Alertmanager reload",
        alert: "AlertmanagerConfigReloadFailed",
        series: [{ series: 'alertmanager_config_last_reload_successful{job="alertmanager",instance="alertmanager:9093"}', values: "0x20" }],
        evalTime: "15m",
        expect: [{ severity: "warning", labels: { job: "alertmanager", instance: "alertmanager:9093", ...MON } }],
    },
];

/** The annotations Prometheus renders for these labels: our templates use only `{{ $labels.x }}`. */
function annotationsFor(alert: string, severity: Severity, labels: Record<string, string>): Record<string, string> {
    const candidates = ALL.filter((r) => r.alert === alert && r.labels.severity === severity);
    // A node alert exists for the devices and for the monitoring host: the one selecting the series' job fires.
    const rule = candidates.length === 1 ? candidates[0] : candidates.find((r) => r.expr.includes(`job="${labels.job}"`))!;
    // The rendered rule files add the runbook link to every rule.
    return Object.fromEntries(Object.entries(withRunbook(rule, SETTING_DEFAULTS.runbookBaseUrl).annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "")]));
}

describe("alert rules under promtool test rules", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("give every rule a severity, a summary and a description", () => {
        for (const r of ALL) {
            expect([r.alert, ["critical", "warning", "info"].includes(r.labels.severity), r.annotations.summary.length > 10, r.annotations.description.length > 20]).toEqual([r.alert, true, true, true]);
        }
        expect(new Set(ALL.map((r) => r.alert)).size).toBe(29);
    });

    it("test every alert firing, and every node alert also silent", () => {
        const firing = new Set(CASES.filter((c) => c.expect.length).map((c) => c.alert));
        const silent = new Set(CASES.filter((c) => !c.expect.length).map((c) => c.alert));
        expect([...new Set(ALL.map((r) => r.alert))].filter((a) => !firing.has(a))).toEqual([]);
        expect([...NODE_ALERTS].filter((a) => !silent.has(a))).toEqual([]);
    });

    it("cover the monitoring host with every node alert, labelled as the monitoring system's own", () => {
        const host = hostNodeRules();
        expect(host.map((r) => r.alert)).toEqual(nodeRules().map((r) => r.alert));
        for (const r of host) expect([r.alert, r.labels.iiotmon_scope, r.expr.includes('job="host"'), r.expr.includes('job="node"')]).toEqual([r.alert, "monitoring", true, false]);
        for (const r of monitoringRules()) expect([r.alert, r.labels.iiotmon_scope]).toEqual([r.alert, "monitoring"]);
        for (const r of [...nodeRules(), ...fleetRules(), ...hardwareRules()]) expect([r.alert, r.labels.iiotmon_scope]).toEqual([r.alert, undefined]);
    });

    /** One promtool test group per case: each group is evaluated on its own series. */
    function testGroup(c: (typeof CASES)[number]): Record<string, unknown> {
        return {
            interval: c.interval ?? "1m",
            input_series: c.series,
            alert_rule_test: [
                {
                    eval_time: c.evalTime,
                    alertname: c.alert,
                    exp_alerts: c.expect.map((e) => ({
                        exp_labels: { ...e.labels, severity: e.severity },
                        exp_annotations: annotationsFor(c.alert, e.severity, e.labels),
                    })),
                },
            ],
        };
    }

    function promtoolTest(name: string, groups: Record<string, unknown>[]): { error?: Error; output: string; status: number | null } {
        const file = path.join(dir, name);
        fs.writeFileSync(file, dump({ rule_files: Object.keys(ruleFiles()), evaluation_interval: "1m", tests: groups }, { lineWidth: 400 }));
        const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8", cwd: dir });
        return { error: r.error, output: `${r.stdout}${r.stderr}`, status: r.status };
    }

    /** promtool evaluates its test groups one after the other: the cases go to one run per core, at once. */
    function promtoolTestsAtOnce(groups: Record<string, unknown>[]): Promise<{ output: string; status: number | null }> {
        const lanes = Math.max(1, Math.min(os.cpus().length, 4));
        const runs = Array.from({ length: lanes }, (_, lane) => {
            const file = path.join(dir, `all-${lane}.yml`);
            fs.writeFileSync(file, dump({ rule_files: Object.keys(ruleFiles()), evaluation_interval: "1m", tests: groups.filter((_, i) => i % lanes === lane) }, { lineWidth: 400 }));
            return new Promise<{ output: string; status: number | null }>((resolve) => {
                const child = spawn("promtool", ["test", "rules", file], { cwd: dir });
                let output = "";
                child.stdout.on("data", (d: Buffer) => (output += d.toString()));
                child.stderr.on("data", (d: Buffer) => (output += d.toString()));
                child.on("error", (e) => resolve({ output: `${output}${e.message}`, status: null }));
                child.on("close", (status) => resolve({ output, status }));
            });
        });
        return Promise.all(runs).then((rs) => ({ output: rs.map((r) => r.output).join(""), status: rs.every((r) => r.status === 0) ? 0 : 1 }));
    }

    // Every case goes through the runs above; only when one fails does each case run on its own, so
    // that the failing cases are the ones reported.
    let allAtOnce: { error?: Error; output: string; status: number | null };
    beforeAll(async () => {
        for (const [name, text] of Object.entries(ruleFiles())) fs.writeFileSync(path.join(dir, name), text);
        allAtOnce = await promtoolTestsAtOnce(CASES.map(testGroup));
    });

    it("run every case in promtool", () => {
        expect(allAtOnce.output).toMatch(/^\s*SUCCESS/m);
        expect(allAtOnce.output).not.toMatch(/FAILED/);
        expect(allAtOnce.status).toBe(0);
    });

    it.each(CASES)("$alert: $name", (c) => {
        const r = allAtOnce.status === 0 ? allAtOnce : promtoolTest(`case-${CASES.indexOf(c)}.yml`, [testGroup(c)]);
        expect(r.error).toBeUndefined();
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});
