import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dump, load } from "js-yaml";
import { collectorDiskSize, loadChecksums } from "../../infra/device";
import { parseFleet, formatProblem, fleetTable, diffFleets, renderText } from "../../infra/fleet";
import {
    collectorRules,
    collectorSitesOf,
    COLLECTOR_QUEUE_CONFIG,
    fleetRules,
    renderCollectorConfig,
    renderHostConfigFiles,
    renderRemoteWriteSite,
    renderSiteTargets,
    renderTargetsFile,
    ruleFiles,
    withRunbook,
} from "../../infra/host";
import { SETTING_DEFAULTS } from "../../infra/settings";
import { KEY_A, KEY_B } from "../fleet/malformedCases";

const CHECKSUMS = loadChecksums();
const KEY_C = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIODetwcu8ik/e/DlUZX3KmC1PT44SaH1DNuRWmKvsSJY";
const FLEET = `version: 1
defaults:
  ssh: {user: iiotmon, privateKeySecret: deviceSshKey}
sites:
  onshore:
    region: east
  offshore:
    region: sea
    collector: osp-gw
devices:
  - {name: scada, address: 192.0.2.1, site: onshore, hostKey: ${KEY_A}}
  - {name: osp-gw, address: 10.0.0.1, site: offshore, hostKey: ${KEY_B}}
  - {name: wtg-01, address: 10.0.0.2, site: offshore, hostKey: ${KEY_C}}
`;
const parse = (text: string) => parseFleet(text, { file: "endpoints.yaml", checksums: CHECKSUMS });

describe("sites.<name>.collector in the fleet file", () => {
    it("names a device of the site; the site is then scraped by it, and the others centrally", () => {
        const { fleet, problems } = parse(FLEET);
        expect(problems).toEqual([]);
        expect(fleet!.sites).toEqual([
            { name: "onshore", region: "east" },
            { name: "offshore", region: "sea", collector: { device: "osp-gw", outageBudgetHours: 6 } },
        ]);
        const list = fleetTable(fleet!);
        expect(list).toMatch(/^osp-gw .* collector osp-gw /m);
        expect(list).toMatch(/^scada .* monitoring host /m);
        expect(list).toContain("site offshore: scraped by collector osp-gw (outage budget 6 h)");
    });

    const bad: [string, string, string][] = [
        ["a device of another site", FLEET.replace("collector: osp-gw", "collector: scada"), 'endpoints.yaml:9:16: sites.offshore.collector "scada" is a device of site onshore, not of offshore: a collector scrapes its own site\'s devices from inside that site\'s network; name one of offshore\'s devices'],
        ["an unknown device", FLEET.replace("collector: osp-gw", "collector: osp-gw1"), 'endpoints.yaml:9:16: sites.offshore.collector "osp-gw1" is not a device of this fleet (did you mean "osp-gw"?); name one of site offshore\'s devices (the collector runs on it)'],
        [
            "a device watched by probes",
            FLEET.replace("collector: osp-gw", "collector: plc-01") + "  - {name: plc-01, address: 10.0.0.9, site: offshore, watch: probe, probes: [icmp]}\n",
            'endpoints.yaml:9:16: sites.offshore.collector "plc-01" is watched by probe, not a Linux device the stack reaches over SSH: the collector is installed on it like node_exporter; name one of offshore\'s node_exporter devices',
        ],
        ["a budget of 0 hours", FLEET.replace("collector: osp-gw", "collector: {device: osp-gw, outageBudgetHours: 0}"), "endpoints.yaml:9:52: sites.offshore.collector.outageBudgetHours must be a number of hours above 0 and at most 168 (the collector's disk holds every sample of the outage), found the number 0"],
        ["a mapping without device", FLEET.replace("collector: osp-gw", "collector: {outageBudgetHours: 2}"), 'endpoints.yaml:9:16: sites.offshore.collector is missing the required key "device"'],
    ];
    it.each(bad)("refuses %s, naming file, line, column and why", (_, text, message) => {
        const { fleet, problems } = parse(text);
        expect(fleet).toBeUndefined();
        expect(problems.map(formatProblem)).toEqual([message]);
    });

    it("warns that a probe device of a collector site is still probed from the monitoring host", () => {
        const { fleet, problems } = parse(FLEET + "  - {name: plc-01, address: 10.0.0.9, site: offshore, watch: probe, probes: [icmp]}\n");
        expect(fleet).toBeDefined();
        expect(problems.map(formatProblem)).toEqual([
            'endpoints.yaml:14:5: warning: devices[3] "plc-01" is watched by probe from the monitoring host, but site offshore is scraped by its collector: the host must reach 10.0.0.9 itself (the collector does not probe)',
        ]);
    });

    it("fleet diff says when a site moves between the monitoring host and a collector", () => {
        const before = parse(FLEET.replace("    collector: osp-gw\n", "")).fleet!;
        const after = parse(FLEET).fleet!;
        const text = renderText(diffFleets(before, after, { before: { defaults: {}, sites: {} }, after: { defaults: {}, sites: {} } }));
        expect(text).toContain("  offshore: scraped by collector osp-gw (outage budget 6 h) (was: monitoring host)");
        expect(text).toContain("  onshore: scraped by monitoring host");
        const back = renderText(diffFleets(after, before, { before: { defaults: {}, sites: {} }, after: { defaults: {}, sites: {} } }));
        expect(back).toContain("warning: site offshore goes back to the monitoring host");
    });
});

describe("what a collector site changes in the rendered files", () => {
    const fleet = parse(FLEET).fleet!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "collector-site-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const tool = (cmd: string, args: string[]) => {
        const r = spawnSync(cmd, args, { encoding: "utf8" });
        return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };

    it("the host's targets leave the collector's site out; the collector's targets are its site's, with the same labels", () => {
        const central = JSON.parse(Object.values(renderTargetsFile(fleet))[0]) as { labels: { instance: string } }[];
        expect(central.map((t) => t.labels.instance)).toEqual(["scada"]);
        const site = JSON.parse(renderSiteTargets(fleet, "offshore")) as { targets: string[]; labels: Record<string, string> }[];
        expect(site).toEqual([
            { targets: ["10.0.0.1:9100"], labels: { instance: "osp-gw", site: "offshore", region: "sea" } },
            { targets: ["10.0.0.2:9100"], labels: { instance: "wtg-01", site: "offshore", region: "sea" } },
        ]);
    });

    it("the agent's configuration passes promtool, with the host's own device scrape job in it", () => {
        const p = (f: string) => path.join(dir, f);
        for (const f of ["scrape-ca.crt", "rw-ca.crt"]) fs.writeFileSync(p(f), "");
        for (const f of ["scrape-password", "rw-password"]) fs.writeFileSync(p(f), "x");
        const paths = { configDir: dir, targetsDir: p("targets"), scrapeCaFile: p("scrape-ca.crt"), scrapePasswordFile: p("scrape-password"), remoteWriteCaFile: p("rw-ca.crt"), remoteWritePasswordFile: p("rw-password") };
        const text = renderCollectorConfig({ site: "offshore", region: "sea", collectorDevice: "osp-gw", remoteWriteUrl: "https://203.0.113.10:9443/api/v1/write", paths });
        fs.writeFileSync(p("agent.yml"), text);
        const r = tool("promtool", ["check", "config", "--syntax-only", p("agent.yml")]);
        expect(r.out).toContain("SUCCESS");
        const agent = load(text) as { scrape_configs: object[]; remote_write: { queue_config: object; basic_auth: { username: string } }[] };
        const host = load(renderHostConfigFiles({ stackName: "t" })["config/prometheus/prometheus.yml"]) as { scrape_configs: { job_name: string }[] };
        const hostNode = host.scrape_configs.find((j) => j.job_name === "node") as Record<string, unknown>;
        const agentNode = agent.scrape_configs[0] as Record<string, unknown>;
        // Same job, same scheme, auth user and service discovery: only the files' places differ.
        expect(Object.keys(agentNode)).toEqual(Object.keys(hostNode));
        expect([agentNode.job_name, agentNode.scheme, (agentNode.basic_auth as { username: string }).username]).toEqual([hostNode.job_name, hostNode.scheme, (hostNode.basic_auth as { username: string }).username]);
        expect(agent.remote_write[0].queue_config).toEqual(COLLECTOR_QUEUE_CONFIG);
        expect(agent.remote_write[0].basic_auth.username).toBe("collector-offshore");
    });

    it("the host's Prometheus accepts a backlog as old as the longest budget, and passes promtool with the collector rules", () => {
        const prom = path.join(dir, "host");
        const files = renderHostConfigFiles({ stackName: "t", collectorSites: collectorSitesOf(fleet), paths: { configDir: prom, targetsDir: `${prom}/targets`, secretsDir: `${prom}/secrets`, alertmanager: "127.0.0.1:9093", hostNodeExporter: "127.0.0.1:9100" } });
        for (const [rel, text] of Object.entries(files)) {
            if (!rel.startsWith("config/prometheus/")) continue;
            const out = path.join(prom, rel.slice("config/prometheus/".length));
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out, text);
        }
        fs.mkdirSync(`${prom}/secrets`, { recursive: true });
        fs.writeFileSync(`${prom}/secrets/scrape-ca.crt`, "");
        fs.writeFileSync(`${prom}/secrets/scrape-password`, "x");
        const config = load(files["config/prometheus/prometheus.yml"]) as { storage: { tsdb: { out_of_order_time_window: string } } };
        expect(config.storage.tsdb.out_of_order_time_window).toBe("7h");
        const r = tool("promtool", ["check", "config", `${prom}/prometheus.yml`]);
        // Every rule file rendered, collectors.yml among them.
        const rules = Object.keys(files).filter((rel) => rel.startsWith("config/prometheus/rules/"));
        expect(rules).toContain("config/prometheus/rules/collectors.yml");
        expect(r.out).toContain(`SUCCESS: ${rules.length} rule files found`);
        expect(r.code).toBe(0);
    });

    it("the receiver site is valid Caddy configuration (caddy adapt), and refuses what it cannot express", () => {
        const hash = "$2a$10$" + "a".repeat(53);
        const site = renderRemoteWriteSite({ port: 9443, addresses: ["203.0.113.10"], tls: { certFile: "/c.crt", keyFile: "/c.key" }, upstream: "prometheus:9090", credentials: [{ username: "collector-offshore", bcryptHash: hash }], allowedCidrs: ["198.51.100.0/24"] });
        fs.writeFileSync(path.join(dir, "Caddyfile"), `{\n\tadmin off\n}\n${site}`);
        const r = tool("caddy", ["adapt", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile"]);
        expect(r.code).toBe(0);
        const json = r.out;
        expect(json).toContain('"remote_ip"');
        expect(json).toContain('"/api/v1/write"');
        expect(json).toContain('"collector-offshore"');
        expect(() => renderRemoteWriteSite({ port: 9443, addresses: ["h"], upstream: "p:1", credentials: [{ username: "c", bcryptHash: hash }], allowedCidrs: [] })).toThrow("at least one allowed network");
        expect(() => renderRemoteWriteSite({ port: 9443, addresses: ["h"], upstream: "p:1", credentials: [{ username: "c", bcryptHash: "plain" }], allowedCidrs: ["10.0.0.0/8"] })).toThrow("not a bcrypt hash");
    });
});

describe("the collector's disk (local TSDB)", () => {
    it("is sized from devices, scrape interval and outage budget: blocks for the retention, the head's WAL, a compaction and one resent range", () => {
        const w = collectorDiskSize({ devices: 100, scrapeIntervalSeconds: 30 });
        // 100 x 1,300 series / 30 s = 4,333 samples/s, retention 6 h + 1 h:
        // blocks 4,333 x 7 h x 3,600 x 2 B x 1.1 = 240.2 MB; WAL 4,333 x 3 h x 3,600 x 8 B = 374.4 MB;
        // one range of 500,000 samples (115 s) x 300 B = 149.5 MB; x 1.25 = 955.2 MB = 911 MiB.
        expect(Math.round(w.samplesPerSecond)).toBe(4333);
        expect(w.backfillRangeSeconds).toBe(115);
        expect(Math.round(w.bytes / 2 ** 20)).toBe(911);
        expect(w.retention).toBe("7h");
        expect(collectorDiskSize({ devices: 1, scrapeIntervalSeconds: 60 }).bytes).toBe(512 * 2 ** 20);
        // A longer budget grows the blocks only: 25 h of retention instead of 7.
        const day = collectorDiskSize({ devices: 100, scrapeIntervalSeconds: 30, outageBudgetHours: 24 });
        expect(day.retention).toBe("25h");
        // (each rounded up to a MiB, so within 2 MB)
        expect(Math.abs((day.bytes - w.bytes) / 1e6 - (4333.33 * 18 * 3600 * 2 * 1.1 * 1.25) / 1e6)).toBeLessThan(2);
        // A small site resends in ranges of at most an hour.
        expect(collectorDiskSize({ devices: 1, scrapeIntervalSeconds: 60 }).backfillRangeSeconds).toBe(3600);
        expect(() => collectorDiskSize({ devices: 1, scrapeIntervalSeconds: 30, outageBudgetHours: 0 })).toThrow("outage budget");
    });
});

/** SiteUnreachable, and DeviceDown/SiteDown beside it, under promtool test rules. */
describe("collector alerts under promtool test rules", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "collector-rules-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sites = [{ site: "offshore", region: "sea", device: "osp-gw", outageBudgetHours: 6 }];
    const COL = 'up{job="collector",instance="osp-gw",site="offshore",region="sea"}';
    const dev = (i: string) => `up{job="node",instance="${i}",site="offshore",region="sea"}`;

    function promtool(series: { series: string; values: string }[], tests: { eval_time: string; alertname: string; exp_alerts: object[] }[]): string {
        for (const [name, text] of Object.entries(ruleFiles({ collectorSites: sites }))) fs.writeFileSync(path.join(dir, name), text);
        fs.writeFileSync(path.join(dir, "t.yml"), dump({ rule_files: Object.keys(ruleFiles({ collectorSites: sites })), evaluation_interval: "1m", tests: [{ interval: "1m", input_series: series, alert_rule_test: tests }] }, { lineWidth: 400 }));
        const r = spawnSync("promtool", ["test", "rules", "t.yml"], { encoding: "utf8", cwd: dir });
        return `${r.stdout}${r.stderr}`;
    }
    const unreachable = {
        exp_labels: { alertname: "SiteUnreachable", severity: "critical", site: "offshore", region: "sea", instance: "osp-gw", job: "collector" },
        exp_annotations: Object.fromEntries(Object.entries(withRunbook(collectorRules(sites)[0], SETTING_DEFAULTS.runbookBaseUrl).annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.site \}\}/g, "offshore")])),
    };

    it("the link drops: SiteUnreachable fires after 3 minutes; DeviceDown and SiteDown stay silent", () => {
        // Everything arrives for 10 minutes, then nothing (the link is down).
        const series = [{ series: COL, values: "1x10" }, { series: dev("wtg-01"), values: "1x10" }, { series: dev("wtg-02"), values: "1x10" }];
        const out = promtool(series, [
            { eval_time: "12m", alertname: "SiteUnreachable", exp_alerts: [] },
            { eval_time: "15m", alertname: "SiteUnreachable", exp_alerts: [unreachable] },
            { eval_time: "30m", alertname: "DeviceDown", exp_alerts: [] },
            { eval_time: "30m", alertname: "SiteDown", exp_alerts: [] },
        ]);
        expect(out).toContain("SUCCESS");
    });

    it("the devices fail while the collector sends: DeviceDown and SiteDown fire, SiteUnreachable does not", () => {
        const series = [{ series: COL, values: "1x30" }, { series: dev("wtg-01"), values: "0x30" }, { series: dev("wtg-02"), values: "0x30" }];
        const down = (i: string) => ({ exp_labels: { severity: "critical", job: "node", instance: i, site: "offshore", region: "sea" }, exp_annotations: deviceDownAnnotations(i) });
        const out = promtool(series, [
            { eval_time: "20m", alertname: "SiteUnreachable", exp_alerts: [] },
            { eval_time: "20m", alertname: "DeviceDown", exp_alerts: [down("wtg-01"), down("wtg-02")] },
            { eval_time: "20m", alertname: "SiteDown", exp_alerts: [{ exp_labels: { severity: "critical", site: "offshore", region: "sea" }, exp_annotations: siteDownAnnotations() }] },
        ]);
        expect(out).toContain("SUCCESS");
    });

    function deviceDownAnnotations(instance: string): Record<string, string> {
        const a = withRunbook(fleetRules().find((r) => r.alert === "DeviceDown")!, SETTING_DEFAULTS.runbookBaseUrl).annotations;
        return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.instance \}\}/g, instance).replace(/\{\{ \$labels\.site \}\}/g, "offshore").replace(/\{\{ \$labels\.region \}\}/g, "sea")]));
    }
    function siteDownAnnotations(): Record<string, string> {
        const a = withRunbook(fleetRules().find((r) => r.alert === "SiteDown")!, SETTING_DEFAULTS.runbookBaseUrl).annotations;
        return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.site \}\}/g, "offshore").replace(/\{\{ \$labels\.region \}\}/g, "sea")]));
    }
});

