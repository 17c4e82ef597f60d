import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadChecksums } from "../../infra/device";
import { Fleet, parseFleet } from "../../infra/fleet";
import { renderExporterConfigFiles } from "../../infra/host";
import { dashboardQueries, substitute } from "../../lab/dashboardQueries";
import { sleep } from "../../lab/exec";
import { plcSwitchUps, WATCHED_LAB_SITE, WatchedFleetDevice, watchedFleetYaml } from "../../lab/labFleet";
import { LoopbackHost } from "../../lab/loopbackHost";
import { removeBridge } from "../../lab/network";
import { setConnected, setSparePort, setUps, startPlcSwitchUps, startWatchedDevice, stopSnmpd, stopWatchedDevice, PlcSwitchUpsSecrets, WatchedDevice } from "../../lab/watchedDevice";
import { cleanUp } from "../../lab/cleanUp";

/**
 * Probe and SNMP devices end to end on the lab: simulated devices in network namespaces (Debian's snmpd
 * with SNMPv2c and an SNMPv3 authPriv user, a Modbus/TCP port, an HTTPS page), Debian's
 * blackbox_exporter, snmp_exporter and Prometheus on loopback with the rendered configuration, targets
 * delivered by the host's own script. Faults made on the devices fire the alerts through Prometheus'
 * own rule evaluation (the rules as rendered, with short durations given as options).
 */
jest.setTimeout(300_000);

const SCRAPE_SECONDS = 2;
const SECRETS: PlcSwitchUpsSecrets & Record<string, string> = { labCommunity: "lab-community-7", upsAuth: "ups-auth-passphrase", upsPriv: "ups-priv-passphrase" };

function fleetText(withPlc2: boolean): string {
    const plc2: WatchedFleetDevice = { name: "plc-02", address: "10.213.0.184", watch: "probe", probes: "[icmp, {tcp: 502}]" };
    return watchedFleetYaml(WATCHED_LAB_SITE, [...plcSwitchUps(181), ...(withPlc2 ? [plc2] : [])]);
}

describe("probe and SNMP devices on the lab", () => {
    const host = new LoopbackHost(fs.mkdtempSync(path.join(os.tmpdir(), "lab-watched-")), { prometheus: 19190, blackbox: 19115, snmp: 19116, alertmanager: 19193, hostNodeExporter: 19199 });
    const { prom, blackbox, snmp } = host;
    const devices: WatchedDevice[] = [];
    const parse = (text: string) => parseFleet(text, { file: "endpoints.yaml", checksums: loadChecksums() });

    const deliverTargets = (fleet: Fleet) => host.deliverTargets(fleet);

    async function waitFor<T>(what: string, check: () => Promise<T | undefined>, seconds = 90): Promise<T> {
        const started = Date.now();
        let last: unknown;
        while (Date.now() - started < seconds * 1000) {
            try {
                const v = await check();
                if (v !== undefined) return v;
            } catch (e) {
                last = e;
            }
            await sleep(500);
        }
        throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ""}`);
    }

    const value = async (expr: string) => {
        const r = await prom.query(expr);
        return r.length ? Number(r[0].value[1]) : undefined;
    };
    const firing = async (alert: string, labels: Record<string, string>) => {
        const matchers = Object.entries(labels).map(([k, v]) => `,${k}="${v}"`).join("");
        return (await prom.query(`ALERTS{alertstate="firing",alertname="${alert}"${matchers}}`)).length > 0 ? true : undefined;
    };

    beforeAll(async () => {
        await startPlcSwitchUps(181, SECRETS, devices);
        const first = parse(fleetText(false));
        expect(first.problems).toEqual([]);
        host.write(
            host.renderedFiles(
                first.fleet!,
                {
                    stackName: "lab",
                    scrapeIntervalSeconds: SCRAPE_SECONDS,
                    fleetAlerts: { deviceDownFor: "6s", siteDownFor: "6s" },
                    watchAlerts: { probeFailingFor: "6s", probeSlowSeconds: 1, probeSlowFor: "1m", certWarningDays: 14, certCriticalDays: 3, certWarningFor: "4s", certCriticalFor: "4s", interfaceDownFor: "6s", flapWindow: "5m", flapChanges: 4, upsFor: "4s" },
                },
                (n) => SECRETS[n],
            ),
        );
        deliverTargets(first.fleet!);
        await host.start();
    });

    afterAll(() =>
        cleanUp(
            () => host.stop(),
            ...devices.map((d) => () => stopWatchedDevice(d)),
            () => removeBridge(),
        ));

    it("scrapes every probe and SNMP device (SNMPv2c and SNMPv3 authPriv) with the fleet's labels", async () => {
        await waitFor("every probe and SNMP target up", async () => {
            const targets = (await prom.activeTargets()).filter((t) => t.scrapePool === "blackbox" || t.scrapePool === "snmp");
            return targets.length === 6 && targets.every((t) => t.health === "up") ? true : undefined;
        });
        // Prometheus scrapes itself where it listens (paths.prometheus), not at its container's localhost:9090, which nothing here serves.
        await waitFor("Prometheus' own scrape up", async () => ((await value('up{job="prometheus",instance="127.0.0.1:19190"}')) === 1 ? true : undefined));
        // Each series carries the device's name, site, region and labels; the probe says which check.
        await waitFor("plc-01's Modbus/TCP port answering", async () => ((await value('probe_success{job="blackbox",instance="plc-01",site="lab",region="lab-region",role="plc",probe="tcp:502"}')) === 1 ? true : undefined));
        expect(await value('probe_success{instance="plc-01",probe="icmp"}')).toBe(1);
        expect(await value('probe_success{instance="plc-01",probe="https:8443/"}')).toBe(1);
        // SNMPv2c: the interface table of the device's real interfaces, named.
        expect(await value('ifOperStatus{job="snmp",instance="sw-01",site="lab",region="lab-region",ifName="port2"}')).toBe(1);
        expect(await value('sysName{instance="sw-01",sysName="sw-01"}')).toBe(1);
        // SNMPv3 authPriv: the UPS group, on mains with a normal battery.
        expect(await value('upsOutputSource{job="snmp",instance="ups-01",site="lab"}')).toBe(3);
        expect(await value('upsBatteryStatus{instance="ups-01"}')).toBe(2);
        // No series of an exporter lost a label to the target's (they would show as exported_*).
        expect(await prom.query('{__name__=~".+",job=~"blackbox|snmp",exported_instance!=""}')).toEqual([]);
    });

    it("answers every query of the probe and SNMP dashboard and of the overview's probe and SNMP table", async () => {
        // Enough samples for rate() over the rate interval.
        await sleep(3 * SCRAPE_SECONDS * 1000);
        const queries = dashboardQueries().filter((q) => q.dashboard === "iiotmon-probe-snmp" || q.where === 'panel "Probe and SNMP devices"');
        expect(queries.length).toBeGreaterThan(12);
        const empty: string[] = [];
        for (const q of queries) {
            let count = 0;
            // The dashboard shows one device at a time: each query must show something for some device.
            for (const device of ["plc-01", "sw-01", "ups-01"]) {
                const s = substitute(q.expr, { device, site: ".*", region: ".*" }, "10s");
                if (s.kind === "labelValues") {
                    const r = await fetch(`${prom.url}/api/v1/series?match[]=${encodeURIComponent(s.selector)}`);
                    count += ((await r.json()) as { data: unknown[] }).data.length;
                } else count += (await prom.query(s.expr)).length;
            }
            if (count === 0) empty.push(`${q.where}: ${q.expr}`);
        }
        expect(empty).toEqual([]);
        // The overview counts every kind: three devices, all up.
        const up = dashboardQueries().find((q) => q.where === 'panel "Devices up"')!;
        const s = substitute(up.expr, { site: ".*", region: ".*" }, "10s");
        expect(s.kind === "query" ? await value(s.expr) : undefined).toBe(3);
    });

    it("fires the certificate, UPS, interface and device alerts from real faults", async () => {
        const [plc, sw, ups] = devices;
        // The HTTPS page's certificate is valid for 5 days: TlsCertificateExpiring (warning) without any change.
        await waitFor("TlsCertificateExpiring on plc-01", () => firing("TlsCertificateExpiring", { instance: "plc-01", probe: "https:8443/", severity: "warning" }));
        expect(await firing("UpsOnBattery", { instance: "ups-01" })).toBeUndefined();
        setUps(ups, { onBattery: true, batteryLow: true });
        setSparePort(sw, false);
        await waitFor("UpsOnBattery on ups-01", () => firing("UpsOnBattery", { instance: "ups-01", site: "lab", severity: "warning" }));
        await waitFor("UpsBatteryLow on ups-01", () => firing("UpsBatteryLow", { instance: "ups-01", severity: "critical" }));
        await waitFor("InterfaceDown on sw-01 port2", () => firing("InterfaceDown", { instance: "sw-01", ifName: "port2", severity: "warning" }));
        // The switch's SNMP agent stops; the PLC is cut off the network.
        await stopSnmpd(sw);
        setConnected(plc, false);
        await waitFor("DeviceDown on sw-01", () => firing("DeviceDown", { instance: "sw-01", site: "lab", severity: "critical" }));
        await waitFor("ProbeFailing on plc-01's Modbus port", () => firing("ProbeFailing", { instance: "plc-01", probe: "tcp:502", severity: "critical" }));
        await waitFor("ProbeFailing on plc-01's ICMP", () => firing("ProbeFailing", { instance: "plc-01", probe: "icmp" }));
        await waitFor("DeviceDown on plc-01", () => firing("DeviceDown", { instance: "plc-01", severity: "critical" }));
        // Two of the site's three devices down: the site alert, counting probe and SNMP devices alike.
        await waitFor("SiteDown on lab", () => firing("SiteDown", { site: "lab" }));
        // The UPS still answers SNMP and its ICMP-less device is not down.
        expect(await firing("DeviceDown", { instance: "ups-01" })).toBeUndefined();
        setConnected(plc, true);
    });

    it("scrapes a probe device added by a fleet edit, with no restart and no configuration change", async () => {
        const promPid = prom.pid;
        const [bbPid, snmpPid] = [blackbox.pid, snmp.pid];
        devices.push(await startWatchedDevice("plc-02", 184, { tcpPorts: [502] }));
        const before = parse(fleetText(false)).fleet!;
        const after = parse(fleetText(true)).fleet!;
        // Its checks are of kinds already in use: blackbox.yml and snmp.yml stay as they are.
        expect(renderExporterConfigFiles(after, (n) => SECRETS[n])).toEqual(renderExporterConfigFiles(before, (n) => SECRETS[n]));
        deliverTargets(after);
        await waitFor("plc-02's probes up", async () => ((await value('min(probe_success{instance="plc-02",site="lab"})')) === 1 && (await value('count(probe_success{instance="plc-02"})')) === 2 ? true : undefined));
        expect([prom.pid, prom.alive(), blackbox.pid, snmp.pid]).toEqual([promPid, true, bbPid, snmpPid]);
    });

    it("shows probe and SNMP devices as unknown on the overview, neither up nor down, while their exporter is down", async () => {
        // Now: sw-01's agent is stopped (down), ups-01 answers, plc-01 and plc-02 answer their probes.
        const overview = async (title: string) => {
            const q = dashboardQueries().find((d) => d.dashboard === "iiotmon-fleet" && d.where === `panel "${title}"`)!;
            const s = substitute(q.expr, { site: ".*", region: ".*" }, "10s");
            return s.kind === "query" ? value(s.expr) : undefined;
        };
        const counts = async () => ({ up: await overview("Devices up"), down: await overview("Devices down"), unknown: await overview("Devices unknown") });
        await waitFor("plc-01 and plc-02 up, sw-01 down", async () => {
            const c = await counts();
            return c.up === 3 && c.down === 1 && c.unknown === 0 ? true : undefined;
        });
        await blackbox.stop();
        await snmp.stop();
        await waitFor("both exporters seen down", async () => ((await value('count(up{job=~"blackbox-exporter|snmp-exporter"} == 0)')) === 2 ? true : undefined));
        await sleep(2 * SCRAPE_SECONDS * 1000);
        expect(await counts()).toEqual({ up: 0, down: 0, unknown: 4 });
        const table = dashboardQueries().find((d) => d.dashboard === "iiotmon-fleet" && d.where === 'panel "Probe and SNMP devices"')!;
        const state = substitute(table.expr, { site: ".*", region: ".*" }, "10s");
        const rows = state.kind === "query" ? await prom.query(state.expr) : [];
        // -1 is the value the table maps to "unknown".
        expect(rows.map((r) => `${r.metric.instance}=${r.value[1]}`).sort()).toEqual(["plc-01=-1", "plc-02=-1", "sw-01=-1", "ups-01=-1"]);
        // snmp_exporter back, blackbox_exporter still down: the SNMP devices are known again (sw-01 down), the probe devices not.
        await snmp.start();
        await waitFor("snmp_exporter seen up", async () => ((await value('up{job="snmp-exporter"}')) === 1 ? true : undefined));
        await waitFor("the SNMP devices known again", async () => ((await overview("Devices unknown")) === 2 ? true : undefined));
        expect(await counts()).toEqual({ up: 1, down: 1, unknown: 2 });
        await blackbox.start();
        await waitFor("every device known again", async () => {
            const c = await counts();
            return c.up === 3 && c.down === 1 && c.unknown === 0 ? true : undefined;
        });
    });
});
