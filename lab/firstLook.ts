import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadChecksums } from "../infra/device";
import { parseFleet } from "../infra/fleet";
import { renderExporterConfigFiles, renderExporterTargetsFiles, renderHostConfigFiles } from "../infra/host";
import { sleep } from "./exec";
import { ExporterProcess } from "./exporterProcess";
import { removeBridge } from "./network";
import { PrometheusProcess } from "./prometheusProcess";
import { setUps, startWatchedDevice, stopWatchedDevice, WatchedDevice } from "./watchedDevice";

const SECRETS: Record<string, string> = { labCommunity: "first-look-community", upsAuth: "first-look-auth", upsPriv: "first-look-priv" };

/** The fleet of the first look: a PLC watched by probes, a switch over SNMPv2c, a UPS over SNMPv3 authPriv. */
export const FIRST_LOOK_FLEET = `version: 1
sites:
  lab:
    region: lab-region
    snmp: {version: 2c, communitySecret: labCommunity}
devices:
  - name: plc-01
    address: 10.213.0.191
    site: lab
    watch: probe
    labels: {role: plc}
    probes: [icmp, {tcp: 502}, {https: {port: 8443, verifyCertificate: false}}]
  - name: sw-01
    address: 10.213.0.192
    site: lab
    watch: snmp
    probes: [icmp]
  - name: ups-01
    address: 10.213.0.193
    site: lab
    watch: snmp
    snmp: {version: 3, user: monitor, authPasswordSecret: upsAuth, privPasswordSecret: upsPriv, modules: [system, ups]}
`;

/**
 * `npm run lab -- first-look`: simulated probe and SNMP devices, Debian's exporters and Prometheus with
 * the configuration the stack renders, until Ctrl-C; then everything it started is stopped.
 */
export async function firstLook(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-first-look-"));
    const p = path.join(dir, "config/prometheus");
    const fleet = parseFleet(FIRST_LOOK_FLEET, { file: "first-look.yaml", checksums: loadChecksums() }).fleet!;
    const prom = new PrometheusProcess(path.join(p, "prometheus.yml"), path.join(dir, "data"), 19290);
    const blackbox = new ExporterProcess("/usr/bin/prometheus-blackbox-exporter", path.join(dir, "config/blackbox/blackbox.yml"), 19215, path.join(dir, "blackbox.log"));
    const snmp = new ExporterProcess("/usr/bin/prometheus-snmp-exporter", path.join(dir, "config/snmp/snmp.yml"), 19216, path.join(dir, "snmp.log"));
    const devices: WatchedDevice[] = [];
    const files = {
        ...renderHostConfigFiles({
            stackName: "first-look",
            scrapeIntervalSeconds: 5,
            paths: { configDir: p, targetsDir: `${p}/targets`, secretsDir: `${p}/secrets`, alertmanager: "127.0.0.1:19293", hostNodeExporter: "127.0.0.1:19299", prometheus: "127.0.0.1:19290" },
            exporters: { blackbox: blackbox.address, snmp: snmp.address },
        }),
        ...renderExporterConfigFiles(fleet, (n) => SECRETS[n]),
        ...renderExporterTargetsFiles(fleet),
        "config/prometheus/targets/fleet.json": "[]\n",
        "config/prometheus/secrets/scrape-ca.crt": "",
        "config/prometheus/secrets/scrape-password": "unused\n",
    };
    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        console.log("\nfirst look: stopping");
        await prom.stop();
        await blackbox.stop();
        await snmp.stop();
        for (const d of devices) await stopWatchedDevice(d);
        removeBridge();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once("SIGINT", () => void stop().then(() => process.exit(0)));
    process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
    try {
        for (const [rel, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        }
        devices.push(await startWatchedDevice("plc-01", 191, { tcpPorts: [502], https: { port: 8443, days: 5 } }));
        devices.push(await startWatchedDevice("sw-01", 192, { snmp: { community: SECRETS.labCommunity }, tcpPorts: [], spareInterface: true }));
        devices.push(await startWatchedDevice("ups-01", 193, { snmp: { community: "unused", v3: { user: "monitor", authPassword: SECRETS.upsAuth, privPassword: SECRETS.upsPriv } }, tcpPorts: [] }));
        await blackbox.start();
        await snmp.start();
        await prom.start();
    } catch (e) {
        await stop();
        throw e;
    }
    console.log(`first look: ${devices.length} simulated devices (a PLC watched by probes, a switch over SNMPv2c, a UPS over SNMPv3)`);
    console.log(`  targets: ${prom.url}/targets`);
    console.log(`  alerts:  ${prom.url}/alerts   (the PLC's 5-day certificate fires TlsCertificateExpiring within the hour's "for")`);
    console.log(`  the UPS goes on battery in 60 s (UpsOnBattery); Ctrl-C stops everything`);
    await sleep(60_000);
    if (!stopping) setUps(devices[2], { onBattery: true, batteryLow: false });
    while (!stopping) await sleep(1000);
}
