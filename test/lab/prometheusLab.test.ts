import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readFleetFile } from "../../infra/fleet/loadFleet";
import { Fleet } from "../../infra/fleet/types";
import { loadChecksums } from "../../infra/device/checksums";
import { APPLY_FLEET_SCRIPT, fleetPayload } from "../../components/scrapeTargets";
import { renderHostConfigFiles, renderTargetsFile, TARGETS_FILE } from "../../infra/host/hostConfigFiles";
import { sleep } from "../../lab/exec";
import { Lab, scrapeSecrets } from "../../lab/lab";
import { execOnDevice, LabDeviceRecord } from "../../lab/labDevice";
import { labFleetYaml } from "../../lab/labFleet";
import { CHECKSUMS_FILE } from "../../lab/mirror";
import { MirrorServer } from "../../lab/mirrorServer";
import { PrometheusProcess } from "../../lab/prometheusProcess";
import { dashboardQueries, substitute } from "../../lab/dashboardQueries";
import { cleanUp, labCleanUpSteps } from "../../lab/cleanUp";

/**
 * Debian's Prometheus with the rendered prometheus.yml (container paths mapped to a directory) scraping
 * lab devices that run our node_exporter with TLS and basic auth; then fleet edits delivered as the
 * stack delivers them: the targets file rewritten atomically, nothing restarted.
 */
jest.setTimeout(600_000);

const SCRAPE_SECONDS = 2;

describe("Prometheus on the lab", () => {
    const lab = new Lab(fs.mkdtempSync(path.join(os.tmpdir(), "lab-prom-state-")));
    const mirror = new MirrorServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-prom-"));
    const prom = new PrometheusProcess(path.join(dir, "config/prometheus/prometheus.yml"), path.join(dir, "data"), 19090);
    let devices: LabDeviceRecord[];
    let fleet: Fleet;

    /** The stack's way of delivering targets: the same host script, against the mapped directory (no TimescaleDB here). */
    function deliverTargets(names: string[]): void {
        const subset = { devices: fleet.devices.filter((d) => names.includes(d.name)) };
        const text = renderTargetsFile(subset)[TARGETS_FILE];
        const r = spawnSync("sh", ["-c", APPLY_FLEET_SCRIPT], { input: fleetPayload(text, ""), env: { ...process.env, IIOTMON_ROOT: dir }, encoding: "utf8" });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toContain("IIOTMON_RESULT status=ok");
    }

    async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<{ value: T; seconds: number }> {
        const started = Date.now();
        while (Date.now() - started < seconds * 1000) {
            const v = await probe();
            if (v !== undefined) return { value: v, seconds: (Date.now() - started) / 1000 };
            await sleep(250);
        }
        throw new Error(`timed out waiting for ${what}`);
    }

    const upTargets = async () => (await prom.activeTargets()).filter((t) => t.scrapePool === "node" && t.health === "up").map((t) => t.labels.instance).sort();

    beforeAll(async () => {
        lab.prepare();
        await mirror.start();
        devices = [];
        for (let i = 1; i <= 4; i++) devices.push(await lab.start(`prom-dev-${i}`, 20 + i));
        const fleetFile = path.join(dir, "endpoints.yaml");
        fs.writeFileSync(fleetFile, labFleetYaml(devices.map((record) => ({ record }))));
        const applied = await lab.apply(fleetFile);
        expect(applied.outcomes.filter((o) => !o.ok)).toEqual([]);
        fleet = readFleetFile(fleetFile, loadChecksums([CHECKSUMS_FILE])).fleet!;

        const p = path.join(dir, "config/prometheus");
        for (const [rel, text] of Object.entries(
            renderHostConfigFiles({
                stackName: "lab",
                scrapeIntervalSeconds: SCRAPE_SECONDS,
                paths: { configDir: p, targetsDir: `${p}/targets`, secretsDir: `${p}/secrets`, alertmanager: "127.0.0.1:19093", hostNodeExporter: "127.0.0.1:19100", prometheus: "127.0.0.1:19090" },
            }),
        )) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        }
        const secrets = scrapeSecrets(lab.stateDir);
        fs.mkdirSync(`${p}/secrets`, { recursive: true });
        fs.mkdirSync(`${p}/targets`, { recursive: true });
        fs.writeFileSync(`${p}/secrets/scrape-ca.crt`, secrets.caCertPem);
        fs.writeFileSync(`${p}/secrets/scrape-password`, secrets.password);
        deliverTargets(["prom-dev-1", "prom-dev-2", "prom-dev-3"]);
        await prom.start();
    });

    afterAll(() => cleanUp(() => prom?.stop(), ...labCleanUpSteps([lab], mirror, dir)));

    it("scrapes every device over TLS with basic auth, labelled by the fleet", async () => {
        await waitFor("3 devices up", async () => ((await upTargets()).length === 3 ? true : undefined));
        const targets = (await prom.activeTargets()).filter((t) => t.scrapePool === "node");
        expect(targets.map((t) => [t.labels.instance, t.health, t.lastError])).toEqual(
            expect.arrayContaining([["prom-dev-1", "up", ""], ["prom-dev-2", "up", ""], ["prom-dev-3", "up", ""]]),
        );
        const t1 = targets.find((t) => t.labels.instance === "prom-dev-1")!;
        expect(t1.labels).toEqual({ instance: "prom-dev-1", job: "node", site: "lab-site", region: "lab-region", env: "lab" });
        const uname = await prom.query('node_uname_info{job="node"}');
        expect(uname.map((s) => [s.metric.instance, s.metric.nodename]).sort()).toEqual([
            ["prom-dev-1", "prom-dev-1"],
            ["prom-dev-2", "prom-dev-2"],
            ["prom-dev-3", "prom-dev-3"],
        ]);
    });

    /**
     * Queries of the community "Node Exporter Full" dashboard (grafana.com dashboard 1860), quoted from
     * rfmoz/grafana-dashboards prometheus/node-exporter-full.json at 4b1729d13b610d449b1055659b070d28c19a9699
     * (revision 102): line 1541 (panel "Network Traffic Basic", Rx), line 8956 (panel "Disk Read/Write Data",
     * read), line 2772 (panel "Disk Throughput", read), and its `node` variable.
     */
    const NODE_EXPORTER_FULL = {
        network: 'rate(node_network_receive_bytes_total{instance="$node",job="$job"}[$__rate_interval])*8',
        disk: 'rate(node_disk_read_bytes_total{instance="$node",job="$job"}[$__rate_interval])',
        wholeDisks: 'rate(node_disk_read_bytes_total{instance="$node",job="$job",device=~"[a-z]+|nvme[0-9]+n[0-9]+|mmcblk[0-9]+"}[$__rate_interval])',
        nodeVariable: 'label_values(node_uname_info{job="$job", nodename="$nodename"}, instance)',
    };
    /**
     * The interfaces of prom-dev-2's own network namespace, as its kernel lists them (/proc/net/dev; the
     * container's /sys/class/net shows the host's), less `lo`, which the lab's node_exporter (Debian's build,
     * `--collector.netdev.device-exclude` defaulting to ^lo$) leaves out.
     */
    const deviceInterfaces = () =>
        execOnDevice(devices[1], "tail -n +3 /proc/net/dev | cut -d: -f1")
            .split(/\s+/)
            .filter((n) => n && n !== "lo")
            .sort();
    const full = (expr: string) => expr.replace(/\$node\b/g, "prom-dev-2").replace(/\$job\b/g, "node").replace(/\$nodename\b/g, "prom-dev-2").replace(/\$__rate_interval/g, "10s");

    it("keeps node_exporter's own device label: real interface and disk names, nothing renamed to exported_*", async () => {
        const interfaces = deviceInterfaces();
        expect(interfaces).toEqual(["iil22d"]);
        const received = await waitFor("network series of prom-dev-2", async () => {
            const r = await prom.query('node_network_receive_bytes_total{job="node",instance="prom-dev-2"}');
            return r.length ? r : undefined;
        });
        expect(received.value.map((x) => x.metric.device).sort()).toEqual(interfaces);

        const labelNames = ((await (await fetch(`${prom.url}/api/v1/labels`)).json()) as { data: string[] }).data;
        expect(labelNames).toContain("device");
        expect(labelNames.filter((n) => n.startsWith("exported_"))).toEqual([]);
    });

    it("gives the Node Exporter Full dashboard one series per interface and per disk", async () => {
        // Two scrapes at least, so rate() has samples: wait until it has.
        await waitFor("rate() over prom-dev-2's interfaces", async () => ((await prom.query(`rate(node_network_receive_bytes_total{instance="prom-dev-2"}[1m])`)).length > 0 ? true : undefined), 60);
        const nodes = await fetch(`${prom.url}/api/v1/series?match[]=${encodeURIComponent(/^label_values\((.*),\s*instance\)$/.exec(full(NODE_EXPORTER_FULL.nodeVariable))![1])}`);
        expect(((await nodes.json()) as { data: { instance: string }[] }).data.map((x) => x.instance)).toEqual(["prom-dev-2"]);

        const interfaces = deviceInterfaces();
        const network = await prom.query(full(NODE_EXPORTER_FULL.network));
        expect(network.map((x) => x.metric.device).sort()).toEqual(interfaces);

        // node_exporter leaves partitions, loop and ram devices out; every series is a disk the device has, once.
        const diskstats = execOnDevice(devices[1], "cat /proc/diskstats").split("\n").map((l) => l.trim().split(/\s+/)[2]).filter(Boolean);
        const disks = (await prom.query(full(NODE_EXPORTER_FULL.disk))).map((x) => x.metric.device);
        expect(disks.length).toBeGreaterThan(0);
        expect(new Set(disks).size).toBe(disks.length);
        expect(disks.filter((d) => !diskstats.includes(d))).toEqual([]);
        const whole = (await prom.query(full(NODE_EXPORTER_FULL.wholeDisks))).map((x) => x.metric.device).sort();
        expect(whole).toEqual(disks.filter((d) => /^(?:[a-z]+|nvme[0-9]+n[0-9]+|mmcblk[0-9]+)$/.test(d)).sort());
    });

    it("picks up an added and a removed device within seconds, without a restart or a missed scrape", async () => {
        const pid = prom.pid;
        const changedAt = Date.now();
        deliverTargets(["prom-dev-1", "prom-dev-2", "prom-dev-4"]);
        const added = await waitFor("prom-dev-4 up", async () => ((await upTargets()).includes("prom-dev-4") ? true : undefined), 60);
        const removed = await waitFor("prom-dev-3 gone", async () => (!(await upTargets()).includes("prom-dev-3") ? true : undefined), 60);
        expect(added.seconds).toBeLessThan(30);
        expect(removed.seconds).toBeLessThan(30);
        // Let a few more scrapes happen (four of each device that stayed, since the change), then count them.
        const since = () => Math.floor((Date.now() - changedAt) / 1000);
        await waitFor("four scrapes since the change", async () => {
            const n = await prom.query(`count_over_time(up{job="node",instance=~"prom-dev-[12]"}[${since()}s])`);
            return n.length === 2 && n.every((c) => Number(c.value[1]) >= 4) ? true : undefined;
        }, 120);
        const window = Math.floor((Date.now() - changedAt) / 1000);
        const stayed = await prom.query(`min_over_time(up{job="node",instance=~"prom-dev-[12]"}[${window}s])`);
        expect(stayed.map((s) => [s.metric.instance, s.value[1]]).sort()).toEqual([["prom-dev-1", "1"], ["prom-dev-2", "1"]]);
        const counts = await prom.query(`count_over_time(up{job="node",instance=~"prom-dev-[12]"}[${window}s])`);
        for (const c of counts) expect(Number(c.value[1])).toBeGreaterThanOrEqual(Math.floor(window / SCRAPE_SECONDS) - 1);
        expect(prom.pid).toBe(pid);
        expect(prom.alive()).toBe(true);
    });

    it("runs every dashboard query and variable query without error, with series for the lab devices", async () => {
        // Where the lab cannot have data, the query must still run without error: no temperature sensors
        // on this machine (no /sys/class/hwmon); nspawn's seccomp filter refuses adjtimex (no node_timex_*);
        // the devices' root is an overlay, which node_exporter leaves out by default; no failed unit; no
        // firing alert.
        const mayBeEmpty = [/hwmon|thermal_zone/, /node_timex_/, /node_filesystem_/, /state="failed"\} == 1$/, /^ALERTS\{/];
        // Probe and SNMP series: none in this node_exporter lab; test/lab/watchedDevicesLab.test.ts runs those queries.
        const watched = (q: { dashboard: string; where: string }) => q.dashboard === "iiotmon-probe-snmp" || q.where === 'panel "Probe and SNMP devices"';
        const values = { site: "lab-site", region: "lab-region", device: "prom-dev-2" };
        const empty: string[] = [];
        for (const q of dashboardQueries()) {
            const s = substitute(q.expr, values, "10s");
            let count: number;
            if (s.kind === "labelValues") {
                const r = await fetch(`${prom.url}/api/v1/series?match[]=${encodeURIComponent(s.selector)}`);
                const body = (await r.json()) as { status: string; data: Record<string, string>[] };
                expect([q.dashboard, q.where, body.status]).toEqual([q.dashboard, q.where, "success"]);
                count = new Set(body.data.map((x) => x[s.label]).filter(Boolean)).size;
            } else {
                count = (await prom.query(s.expr)).length;
            }
            if (count === 0 && !watched(q) && !mayBeEmpty.some((re) => re.test(s.kind === "query" ? s.expr : q.expr))) empty.push(`${q.dashboard} ${q.where}: ${q.expr}`);
        }
        expect(empty).toEqual([]);
        expect(dashboardQueries().length).toBeGreaterThan(30);
    });

    it("evaluates DeviceDown on real data when a device stops answering (pending; firing after 5m is unit-tested)", async () => {
        execOnDevice(devices[0], "systemctl stop node_exporter");
        const alert = await waitFor("DeviceDown pending", async () => {
            const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
            return body.data.alerts.find((a) => a.labels.alertname === "DeviceDown" && a.labels.instance === "prom-dev-1");
        });
        expect(alert.value).toMatchObject({ state: "pending", labels: { severity: "critical", site: "lab-site", region: "lab-region" } });
    });
});
