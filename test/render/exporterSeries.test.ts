import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { loadChecksums } from "../../infra/device";
import { parseFleet, Probe, PROBE_KINDS, SnmpModule } from "../../infra/fleet";
import { blackboxModuleName, probeTarget, renderExporterConfigFiles, snmpModuleName } from "../../infra/host";
import { PROMETHEUS_SERIES_PER_TARGET, SERIES_PER_PROBE, SERIES_PER_SNMP_TARGET, SERIES_PER_SNMP_MODULE } from "../../infra/host/sizing";
import { isAlive, sleep } from "../../lab/exec";
import { ExporterProcess } from "../../lab/exporterProcess";
import { UPS_SCRIPT } from "../../lab/watchedDevice";
import { HEAD } from "../fleet/malformedCases";

/**
 * What host sizing counts for probe and SNMP devices, measured: Debian's blackbox_exporter 0.23 probes
 * servers on loopback (ICMP, TCP, HTTP, HTTPS) and snmp_exporter 0.21 reads a real snmpd (net-snmp
 * 5.9) with the product's own rendered configuration, one module per target; the series of one probe
 * or one walk are counted and the sizing constants must cover them with a sane margin.
 */
jest.setTimeout(60_000);

const PORTS = { blackbox: 19611, snmpExporter: 19616, snmpd: 19661, tcp: 19602, http: 19680, https: 19643 };
const COMMUNITY = "series-count";
const MODULES: readonly SnmpModule[] = ["system", "if_mib", "ups"];

const FLEET = `${HEAD}  - name: plc-01
    address: 127.0.0.1
    site: north
    watch: probe
    probes:
      - icmp
      - tcp: ${PORTS.tcp}
      - http: {port: ${PORTS.http}}
      - https: {port: ${PORTS.https}, verifyCertificate: false}
${MODULES.map(
    (m, i) => `  - name: snmp-${m.replace("_", "-")}
    address: 127.0.0.${i + 2}
    site: north
    watch: snmp
    snmp: {version: 2c, communitySecret: community, port: ${PORTS.snmpd}, modules: [${m}]}
`,
).join("")}`;

/** The series of one exposition (one line each, comments left out), by metric name. */
function seriesOf(text: string): string[] {
    return text.split("\n").filter((l) => l && !l.startsWith("#"));
}

describe("series per probe check and per SNMP module, measured with the real exporters", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "exporter-series-"));
    const parsed = parseFleet(FLEET, { file: "endpoints.yaml", checksums: loadChecksums() });
    if (!parsed.fleet) throw new Error(`the test's fleet is invalid: ${JSON.stringify(parsed.problems)}`);
    const fleet = parsed.fleet;
    const configs = renderExporterConfigFiles(fleet, () => COMMUNITY);
    const blackbox = new ExporterProcess("/usr/bin/prometheus-blackbox-exporter", path.join(dir, "blackbox.yml"), PORTS.blackbox, path.join(dir, "blackbox.log"));
    const snmp = new ExporterProcess("/usr/bin/prometheus-snmp-exporter", path.join(dir, "snmp.yml"), PORTS.snmpExporter, path.join(dir, "snmp.log"));
    const servers: (net.Server | http.Server)[] = [];
    let snmpdPid: number | undefined;

    beforeAll(async () => {
        fs.writeFileSync(blackbox.configFile, configs["config/blackbox/blackbox.yml"]);
        fs.writeFileSync(snmp.configFile, configs["config/snmp/snmp.yml"]);
        const key = path.join(dir, "tls.key");
        const crt = path.join(dir, "tls.crt");
        const tls = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt, "-days", "30", "-subj", "/CN=plc-01", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
        if (tls.status !== 0) throw new Error(`openssl: ${tls.stderr}`);
        const listen = (s: net.Server, port: number) => new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
        const tcp = net.createServer((c) => c.end());
        const page = http.createServer((_q, r) => r.end("ok\n"));
        const secure = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(crt) }, (_q, r) => r.end("ok\n"));
        servers.push(tcp, page, secure);
        await Promise.all([listen(tcp, PORTS.tcp), listen(page, PORTS.http), listen(secure, PORTS.https)]);

        fs.writeFileSync(path.join(dir, "ups-sim.sh"), UPS_SCRIPT, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "snmpd.conf"), [`rocommunity ${COMMUNITY} default`, "sysName sw", "sysLocation test", "sysContact test", `pass .1.3.6.1.2.1.33 /bin/sh ${path.join(dir, "ups-sim.sh")}`, ""].join("\n"), { mode: 0o600 });
        const log = fs.openSync(path.join(dir, "snmpd.log"), "a");
        const addresses = MODULES.map((_m, i) => `udp:127.0.0.${i + 2}:${PORTS.snmpd}`).join(",");
        // -m "": no MIB files needed (Debian ships few); -C: this configuration only.
        const child = spawn("/usr/sbin/snmpd", ["-f", "-Lo", "-m", "", "-C", "-c", path.join(dir, "snmpd.conf"), addresses], { detached: true, stdio: ["ignore", log, log], env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, "snmp-state") } });
        fs.closeSync(log);
        child.unref();
        snmpdPid = child.pid;
        await Promise.all([blackbox.start(), snmp.start()]);
    });

    afterAll(async () => {
        await blackbox.stop();
        await snmp.stop();
        if (snmpdPid && isAlive(snmpdPid)) {
            process.kill(snmpdPid, "SIGTERM");
            for (let i = 0; i < 50 && isAlive(snmpdPid); i++) await sleep(100);
        }
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function probe(p: Probe): Promise<string[]> {
        const url = `http://${blackbox.address}/probe?module=${encodeURIComponent(blackboxModuleName(p))}&target=${encodeURIComponent(probeTarget("127.0.0.1", p))}`;
        return seriesOf(await (await fetch(url)).text());
    }

    /** One walk, retried while snmpd is still starting (snmp_scrape_pdus_returned 0). */
    async function walk(module: SnmpModule): Promise<string[]> {
        const d = fleet.agentless.find((a) => a.name === `snmp-${module.replace("_", "-")}`)!;
        const url = `http://${snmp.address}/snmp?module=${encodeURIComponent(snmpModuleName(d.snmp!))}&target=${encodeURIComponent(`${d.address}:${PORTS.snmpd}`)}`;
        for (let i = 0; ; i++) {
            const series = seriesOf(await (await fetch(url)).text());
            if (series.some((s) => !s.startsWith("snmp_scrape_")) || i === 50) return series;
            await sleep(200);
        }
    }

    it.each(PROBE_KINDS.map((k) => [k]))("a successful %s probe yields no more series than sizing counts for it, and not far fewer", async (kind) => {
        const p = fleet.agentless[0].probes.find((q) => q.kind === kind)!;
        const series = await probe(p);
        expect(series).toContain("probe_success 1");
        const measured = series.length + PROMETHEUS_SERIES_PER_TARGET;
        console.log(`${kind} probe: ${series.length} series from blackbox_exporter + ${PROMETHEUS_SERIES_PER_TARGET} of Prometheus per target; sizing counts ${SERIES_PER_PROBE[kind]}`);
        expect(SERIES_PER_PROBE[kind]).toBeGreaterThanOrEqual(measured);
        expect(SERIES_PER_PROBE[kind]).toBeLessThanOrEqual(Math.ceil(measured * 1.5));
    });

    it("an SNMP target yields snmp_exporter's own series and Prometheus' per target, as sizing counts them", async () => {
        const own = (await walk("system")).filter((s) => s.startsWith("snmp_scrape_"));
        const measured = own.length + PROMETHEUS_SERIES_PER_TARGET;
        console.log(`SNMP target: ${own.length} snmp_scrape_* series + ${PROMETHEUS_SERIES_PER_TARGET} of Prometheus; sizing counts ${SERIES_PER_SNMP_TARGET}`);
        expect(SERIES_PER_SNMP_TARGET).toBeGreaterThanOrEqual(measured);
        expect(SERIES_PER_SNMP_TARGET).toBeLessThanOrEqual(Math.ceil(measured * 1.5));
    });

    it.each([["system"], ["ups"]] as [SnmpModule][])("the %s module yields no more series than sizing counts for it, and not far fewer", async (module) => {
        const series = (await walk(module)).filter((s) => !s.startsWith("snmp_scrape_"));
        console.log(`${module}: ${series.length} series; sizing counts ${SERIES_PER_SNMP_MODULE[module]}`);
        expect(series.length).toBeGreaterThan(0);
        expect(SERIES_PER_SNMP_MODULE[module]).toBeGreaterThanOrEqual(series.length);
        expect(SERIES_PER_SNMP_MODULE[module]).toBeLessThanOrEqual(Math.ceil(series.length * 1.5));
    });

    it("the if_mib module yields no more series per interface than sizing counts, and not far fewer", async () => {
        const series = (await walk("if_mib")).filter((s) => !s.startsWith("snmp_scrape_"));
        const interfaces = new Set(series.map((s) => /ifIndex="(\d+)"/.exec(s)?.[1]).filter(Boolean));
        const perInterface = series.length / interfaces.size;
        console.log(`if_mib: ${series.length} series over ${interfaces.size} interfaces (${perInterface.toFixed(1)} each); sizing counts ${SERIES_PER_SNMP_MODULE.if_mib} per interface`);
        expect(interfaces.size).toBeGreaterThan(0);
        expect(SERIES_PER_SNMP_MODULE.if_mib).toBeGreaterThanOrEqual(perInterface);
        expect(SERIES_PER_SNMP_MODULE.if_mib).toBeLessThanOrEqual(Math.ceil(perInterface * 1.5));
    });
});
