import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { dump, load } from "js-yaml";
import { APPLY_FLEET_SCRIPT, fleetPayload } from "../../components/scrapeTargets";
import { loadChecksums } from "../../infra/device";
import { Fleet, maintenanceOwners, parseFleet } from "../../infra/fleet";
import { EXPORTER_TARGETS_FILES, renderExporterConfigFiles, renderExporterTargetsFiles, renderHostConfigFiles, renderTargetsFile, TARGETS_FILE } from "../../infra/host";
import { AlertmanagerProcess } from "../../lab/alertmanagerProcess";
import { cleanUp } from "../../lab/cleanUp";
import { sleep } from "../../lab/exec";
import { ExporterProcess } from "../../lab/exporterProcess";
import { removeBridge } from "../../lab/network";
import { PrometheusProcess } from "../../lab/prometheusProcess";
import { setConnected, startWatchedDevice, stopWatchedDevice, WatchedDevice } from "../../lab/watchedDevice";

/**
 * A planned stop on the lab: two PLCs (network namespaces with a Modbus/TCP port), one inside a
 * maintenance window from endpoints.yaml, one outside. Both are cut off; Prometheus (rules as rendered,
 * DeviceDown shortened) fires DeviceDown for both, and a real Alertmanager with the rendered
 * alertmanager.yml notifies the webhook of the one outside its window only.
 */
jest.setTimeout(120_000);

const SCRAPE_SECONDS = 2;
const AM_PORT = 19493;
const HOOK_PORT = 19495;

/** Two sites of one device each: a site of two devices both down would be SiteDown, which inhibits DeviceDown. */
function fleetText(now: number): string {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    return `version: 1
sites:
  north:
    region: lab-region
  south:
    region: lab-region
devices:
  - name: plc-in
    address: 10.213.0.191
    site: north
    watch: probe
    probes: [{tcp: 502}]
    maintenance:
      - {from: "${iso(now - 3_600_000)}", to: "${iso(now + 3_600_000)}", reason: relay swap}
  - name: plc-out
    address: 10.213.0.192
    site: south
    watch: probe
    probes: [{tcp: 502}]
    maintenance:
      - {from: "${iso(now + 7_200_000)}", to: "${iso(now + 10_800_000)}"}
`;
}

describe("a device stopped inside and outside its maintenance window", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-maint-"));
    const p = path.join(dir, "config/prometheus");
    const prom = new PrometheusProcess(path.join(p, "prometheus.yml"), path.join(dir, "data"), 19490);
    const blackbox = new ExporterProcess("/usr/bin/prometheus-blackbox-exporter", path.join(dir, "config/blackbox/blackbox.yml"), 19415, path.join(dir, "blackbox.log"));
    const devices: WatchedDevice[] = [];
    const notified: string[] = [];
    let server: http.Server | undefined;
    const alertmanager = new AlertmanagerProcess(`${dir}/config/alertmanager/alertmanager.yml`, `${dir}/am-data`, AM_PORT, path.join(dir, "am.log"));
    let fleet: Fleet;

    const write = (files: Record<string, string>) => {
        for (const [rel, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        }
    };

    async function waitFor(what: string, check: () => Promise<boolean>, seconds = 45): Promise<void> {
        const started = Date.now();
        while (Date.now() - started < seconds * 1000) {
            if (await check()) return;
            await sleep(500);
        }
        throw new Error(`timed out waiting for ${what}`);
    }

    beforeAll(async () => {
        const parsed = parseFleet(fleetText(Date.now()), { file: "endpoints.yaml", checksums: loadChecksums() });
        expect(parsed.problems).toEqual([]);
        fleet = parsed.fleet!;
        devices.push(await startWatchedDevice("plc-in", 191, { tcpPorts: [502] }));
        devices.push(await startWatchedDevice("plc-out", 192, { tcpPorts: [502] }));

        const files = renderHostConfigFiles({
            stackName: "lab",
            scrapeIntervalSeconds: SCRAPE_SECONDS,
            paths: { configDir: p, targetsDir: `${p}/targets`, secretsDir: `${p}/secrets`, alertmanager: `127.0.0.1:${AM_PORT}`, hostNodeExporter: "127.0.0.1:19499", prometheus: "127.0.0.1:19490" },
            exporters: { blackbox: blackbox.address, snmp: "127.0.0.1:19498" },
            fleetAlerts: { deviceDownFor: "4s", siteDownFor: "4s" },
            alertChannels: { webhookUrl: `http://127.0.0.1:${HOOK_PORT}/hook` },
            maintenance: maintenanceOwners(fleet),
        });
        // Grouping waits shortened (30 s in production) so the lab does not idle; routes and intervals as rendered.
        const am = load(files["config/alertmanager/alertmanager.yml"]) as { route: Record<string, unknown> };
        Object.assign(am.route, { group_wait: "1s", group_interval: "2s" });
        write({ ...files, "config/alertmanager/alertmanager.yml": dump(am) });
        write({ "config/prometheus/secrets/scrape-ca.crt": "", "config/prometheus/secrets/scrape-password": "unused\n" });
        fs.mkdirSync(`${p}/targets`, { recursive: true });
        write(renderExporterConfigFiles(fleet, () => "unused"));
        const exporters = renderExporterTargetsFiles(fleet);
        const payload = fleetPayload(renderTargetsFile(fleet)[TARGETS_FILE], "", { blackbox: exporters[EXPORTER_TARGETS_FILES.blackbox], snmp: exporters[EXPORTER_TARGETS_FILES.snmp] });
        const r = spawnSync("sh", ["-c", APPLY_FLEET_SCRIPT], { input: payload, env: { ...process.env, IIOTMON_ROOT: dir }, encoding: "utf8" });
        expect([r.status, r.stderr]).toEqual([0, ""]);

        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                const msg = JSON.parse(body) as { alerts: { status: string; labels: Record<string, string> }[] };
                for (const a of msg.alerts) notified.push(`${a.labels.alertname}/${a.labels.instance ?? a.labels.site}/${a.status}`);
                res.end("ok");
            });
        });
        await new Promise<void>((resolve) => server!.listen(HOOK_PORT, "127.0.0.1", resolve));
        await alertmanager.start();
        await blackbox.start();
        await prom.start();
    });

    afterAll(() =>
        cleanUp(
            () => prom.stop(),
            () => blackbox.stop(),
            () => alertmanager.stop(),
            () => new Promise((resolve) => server?.close(resolve)),
            ...devices.map((d) => () => stopWatchedDevice(d)),
            () => removeBridge(),
            () => fs.rmSync(dir, { recursive: true, force: true }),
        ));

    it("notifies DeviceDown for the device outside its window, nothing for the one inside, and keeps both alerts visible", async () => {
        const probeUp = async (instance: string) => (await prom.query(`probe_success{instance="${instance}"} == 1`)).length > 0;
        await waitFor("both PLCs answering", async () => (await probeUp("plc-in")) && (await probeUp("plc-out")));
        const stopped = Date.now();
        for (const d of devices) setConnected(d, false);
        const firing = async (instance: string) => (await prom.query(`ALERTS{alertname="DeviceDown",alertstate="firing",instance="${instance}"}`)).length > 0;
        await waitFor("DeviceDown firing in Prometheus for both", async () => (await firing("plc-in")) && (await firing("plc-out")));
        await waitFor("DeviceDown of plc-out at the webhook", async () => notified.includes("DeviceDown/plc-out/firing"));
        const seconds = (Date.now() - stopped) / 1000;
        // A few group intervals more: anything about plc-in would have arrived by now.
        await sleep(5_000);
        expect([...new Set(notified)].sort()).toEqual(["DeviceDown/plc-out/firing"]);
        // Alertmanager holds both (muting notifies no one; the alert and its history stay).
        const alerts = (await (await fetch(`http://127.0.0.1:${AM_PORT}/api/v2/alerts?filter=alertname%3D%22DeviceDown%22`)).json()) as { labels: Record<string, string> }[];
        expect(alerts.map((a) => a.labels.instance).sort()).toEqual(["plc-in", "plc-out"]);
        console.log(`maintenance lab: DeviceDown of plc-out notified ${seconds.toFixed(1)} s after the cut; plc-in (in its window) notified nothing`);
    });
});
