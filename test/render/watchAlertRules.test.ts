import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dump } from "js-yaml";
import { AlertRule, exporterRules, fleetRules, probeRules, ruleFiles, Severity, snmpRules, withRunbook } from "../../infra/host";
import { SETTING_DEFAULTS } from "../../infra/settings";

/**
 * The probe and SNMP alerts, and DeviceDown and SiteDown over every kind of device, under
 * `promtool test rules`: each fires when it must, with its labels, severity and annotations, and stays
 * silent when it must not.
 */
const RULES: AlertRule[] = [...fleetRules(), ...probeRules(), ...snmpRules(), ...exporterRules()];
const NEW_ALERTS = [...new Set([...probeRules(), ...snmpRules(), ...exporterRules()].map((r) => r.alert))];

const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
const PLC = { job: "blackbox", instance: "plc-01", site: "north", region: "sea" };
const SW = { job: "snmp", instance: "sw-01", site: "north", region: "sea" };
const probe = (p: string, metric: string, values: string, who: Record<string, string> = PLC) => ({ series: `${metric}${sel({ ...who, probe: p })}`, values });
const snmp = (metric: string, extra: Record<string, string>, values: string, who: Record<string, string> = SW) => ({ series: `${metric}${sel({ ...who, ...extra })}`, values });
const IF = { ifIndex: "2", ifName: "port2", ifDescr: "port2", ifAlias: "uplink" };

interface Case {
    readonly name: string;
    readonly alert: string;
    readonly series: { series: string; values: string }[];
    readonly evalTime: string;
    readonly expect: { severity: Severity; labels: Record<string, string> }[];
}

const DAY = 86400;
const CASES: Case[] = [
    { name: "a probe failing for 4 minutes", alert: "ProbeFailing", series: [probe("tcp:502", "probe_success", "0x10")], evalTime: "4m", expect: [{ severity: "critical", labels: { ...PLC, probe: "tcp:502" } }] },
    { name: "a probe failing for 2 minutes", alert: "ProbeFailing", series: [probe("tcp:502", "probe_success", "1 1 1 1 1 1 0 0 0")], evalTime: "8m", expect: [] },
    { name: "a probe succeeding", alert: "ProbeFailing", series: [probe("tcp:502", "probe_success", "1x10")], evalTime: "8m", expect: [] },
    {
        name: "answers taking 1.5 s",
        alert: "ProbeSlow",
        series: [probe("icmp", "probe_duration_seconds", "1.5x30"), probe("icmp", "probe_success", "1x30")],
        evalTime: "20m",
        expect: [{ severity: "warning", labels: { ...PLC, probe: "icmp" } }],
    },
    { name: "answers taking 50 ms", alert: "ProbeSlow", series: [probe("icmp", "probe_duration_seconds", "0.05x30"), probe("icmp", "probe_success", "1x30")], evalTime: "20m", expect: [] },
    { name: "a slow failing probe (ProbeFailing says it)", alert: "ProbeSlow", series: [probe("icmp", "probe_duration_seconds", "5x30"), probe("icmp", "probe_success", "0x30")], evalTime: "20m", expect: [] },
    {
        name: "a certificate expiring in 10 days",
        alert: "TlsCertificateExpiring",
        series: [probe("https:443/", "probe_ssl_earliest_cert_expiry", `${10 * DAY}x120`)],
        evalTime: "90m",
        expect: [{ severity: "warning", labels: { ...PLC, probe: "https:443/" } }],
    },
    {
        name: "a certificate expiring in 2 days",
        alert: "TlsCertificateExpiring",
        series: [probe("https:443/", "probe_ssl_earliest_cert_expiry", `${2 * DAY}x120`)],
        evalTime: "90m",
        expect: [
            { severity: "warning", labels: { ...PLC, probe: "https:443/" } },
            { severity: "critical", labels: { ...PLC, probe: "https:443/" } },
        ],
    },
    { name: "a certificate valid for 90 days", alert: "TlsCertificateExpiring", series: [probe("https:443/", "probe_ssl_earliest_cert_expiry", `${90 * DAY}x120`)], evalTime: "90m", expect: [] },
    {
        name: "an enabled port down for 6 minutes",
        alert: "InterfaceDown",
        series: [snmp("ifOperStatus", IF, "2x10"), snmp("ifAdminStatus", IF, "1x10")],
        evalTime: "6m",
        expect: [{ severity: "warning", labels: { ...SW, ...IF } }],
    },
    { name: "a port switched off on purpose", alert: "InterfaceDown", series: [snmp("ifOperStatus", IF, "2x10"), snmp("ifAdminStatus", IF, "2x10")], evalTime: "6m", expect: [] },
    { name: "a port up", alert: "InterfaceDown", series: [snmp("ifOperStatus", IF, "1x10"), snmp("ifAdminStatus", IF, "1x10")], evalTime: "6m", expect: [] },
    { name: "a port flapping", alert: "InterfaceFlapping", series: [snmp("ifOperStatus", IF, "1 2 1 2 1 2 1 1 1")], evalTime: "8m", expect: [{ severity: "warning", labels: { ...SW, ...IF } }] },
    { name: "a port that went down once", alert: "InterfaceFlapping", series: [snmp("ifOperStatus", IF, "1 1 1 2 2 2 2 2 2")], evalTime: "8m", expect: [] },
    { name: "a UPS on battery", alert: "UpsOnBattery", series: [snmp("upsOutputSource", {}, "3 3 5 5 5 5")], evalTime: "5m", expect: [{ severity: "warning", labels: SW }] },
    { name: "a UPS on mains", alert: "UpsOnBattery", series: [snmp("upsOutputSource", {}, "3x6")], evalTime: "5m", expect: [] },
    { name: "a UPS battery low", alert: "UpsBatteryLow", series: [snmp("upsBatteryStatus", {}, "2 2 3 3 3 3")], evalTime: "5m", expect: [{ severity: "critical", labels: SW }] },
    { name: "a UPS battery depleted", alert: "UpsBatteryLow", series: [snmp("upsBatteryStatus", {}, "4x6")], evalTime: "5m", expect: [{ severity: "critical", labels: SW }] },
    { name: "a UPS battery normal", alert: "UpsBatteryLow", series: [snmp("upsBatteryStatus", {}, "2x6")], evalTime: "5m", expect: [] },
    {
        name: "blackbox_exporter down",
        alert: "ExporterDown",
        series: [{ series: 'up{job="blackbox-exporter",instance="monitoring-host"}', values: "0x10" }],
        evalTime: "6m",
        expect: [{ severity: "critical", labels: { job: "blackbox-exporter", instance: "monitoring-host", iiotmon_scope: "monitoring" } }],
    },
    { name: "snmp_exporter up", alert: "ExporterDown", series: [{ series: 'up{job="snmp-exporter",instance="monitoring-host"}', values: "1x10" }], evalTime: "6m", expect: [] },
    // DeviceDown over the new kinds.
    { name: "an SNMP device that stops answering", alert: "DeviceDown", series: [snmp("up", {}, "0x10")], evalTime: "6m", expect: [{ severity: "critical", labels: SW }] },
    {
        // Every SNMP scrape fails while snmp_exporter is down: that is ExporterDown, not each device down.
        name: "an SNMP device while snmp_exporter itself is down",
        alert: "DeviceDown",
        series: [snmp("up", {}, "0x10"), { series: 'up{job="snmp-exporter",instance="monitoring-host"}', values: "0x10" }],
        evalTime: "6m",
        expect: [],
    },
    {
        name: "an SNMP device down while snmp_exporter is up",
        alert: "DeviceDown",
        series: [snmp("up", {}, "0x10"), { series: 'up{job="snmp-exporter",instance="monitoring-host"}', values: "1x10" }],
        evalTime: "6m",
        expect: [{ severity: "critical", labels: SW }],
    },
    {
        name: "a probe-only device whose every probe fails",
        alert: "DeviceDown",
        series: [probe("icmp", "probe_success", "0x10"), probe("tcp:502", "probe_success", "0x10")],
        evalTime: "6m",
        expect: [{ severity: "critical", labels: { instance: "plc-01", site: "north", region: "sea" } }],
    },
    {
        name: "a probe-only device with one probe still answering",
        alert: "DeviceDown",
        series: [probe("icmp", "probe_success", "1x10"), probe("tcp:502", "probe_success", "0x10")],
        evalTime: "6m",
        expect: [],
    },
    {
        name: "an SNMP device that answers SNMP, whose probe fails (ProbeFailing says it)",
        alert: "DeviceDown",
        series: [snmp("up", {}, "1x10"), probe("icmp", "probe_success", "0x10", { ...SW, job: "blackbox" })],
        evalTime: "6m",
        expect: [],
    },
    {
        name: "a site of a Linux device, a probe device and an SNMP device, two of them down",
        alert: "SiteDown",
        series: [
            { series: 'up{job="node",instance="gw-01",site="north",region="sea"}', values: "1x10" },
            probe("icmp", "probe_success", "0x10"),
            snmp("up", {}, "0x10"),
        ],
        evalTime: "5m",
        expect: [{ severity: "critical", labels: { site: "north", region: "sea" } }],
    },
    {
        name: "a site of SNMP devices while snmp_exporter is down (unknown, not down)",
        alert: "SiteDown",
        series: [
            snmp("up", {}, "0x10"),
            snmp("up", {}, "0x10", { ...SW, instance: "sw-02" }),
            snmp("up", {}, "0x10", { ...SW, instance: "sw-03" }),
            { series: 'up{job="snmp-exporter",instance="monitoring-host"}', values: "0x10" },
        ],
        evalTime: "5m",
        expect: [],
    },
    {
        name: "a site of probe devices while blackbox_exporter is down (unknown, not down)",
        alert: "SiteDown",
        series: [
            probe("icmp", "probe_success", "0x10"),
            probe("icmp", "probe_success", "0x10", { instance: "plc-02", site: "north", region: "sea", job: "blackbox" }),
            { series: 'up{job="blackbox-exporter",instance="monitoring-host"}', values: "0x10" },
        ],
        evalTime: "5m",
        expect: [],
    },
    {
        name: "a site of three kinds, one down",
        alert: "SiteDown",
        series: [
            { series: 'up{job="node",instance="gw-01",site="north",region="sea"}', values: "1x10" },
            probe("icmp", "probe_success", "0x10"),
            snmp("up", {}, "1x10"),
        ],
        evalTime: "5m",
        expect: [],
    },
];

function annotationsFor(alert: string, severity: Severity, labels: Record<string, string>): Record<string, string> {
    const rule = RULES.find((r) => r.alert === alert && r.labels.severity === severity)!;
    // The rendered rule files add the runbook link to every rule.
    return Object.fromEntries(Object.entries(withRunbook(rule, SETTING_DEFAULTS.runbookBaseUrl).annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "")]));
}

describe("probe and SNMP alert rules under promtool test rules", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "watch-rules-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(ruleFiles())) fs.writeFileSync(path.join(dir, name), text);

    it("test every new alert firing and silent", () => {
        const firing = new Set(CASES.filter((c) => c.expect.length).map((c) => c.alert));
        const silent = new Set(CASES.filter((c) => !c.expect.length).map((c) => c.alert));
        expect(NEW_ALERTS.filter((a) => !firing.has(a) || !silent.has(a))).toEqual([]);
    });

    it.each(CASES)("$alert: $name", (c) => {
        const test = {
            rule_files: Object.keys(ruleFiles()),
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: c.series,
                    alert_rule_test: [
                        {
                            eval_time: c.evalTime,
                            alertname: c.alert,
                            exp_alerts: c.expect.map((e) => ({ exp_labels: { ...e.labels, severity: e.severity }, exp_annotations: annotationsFor(c.alert, e.severity, e.labels) })),
                        },
                    ],
                },
            ],
        };
        const file = path.join(dir, "test.yml");
        fs.writeFileSync(file, dump(test, { lineWidth: 400 }));
        const r = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8", cwd: dir });
        expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});
