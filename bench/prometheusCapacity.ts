import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { APPLY_FLEET_SCRIPT, fleetPayload } from "../components/scrapeTargets";
import { parseFleet } from "../infra/fleet/parseFleet";
import { loadChecksums } from "../infra/device/checksums";
import { renderHostConfigFiles, renderTargetsFile, TARGETS_FILE } from "../infra/host/hostConfigFiles";
import { BYTES_RAM_PER_SERIES, sizeHost } from "../infra/host/sizing";
import { run, sleep } from "../lab/exec";
import { Lab, scrapeSecrets } from "../lab/lab";
import { labFleetYaml } from "../lab/labFleet";
import { MirrorServer } from "../lab/mirrorServer";
import { PrometheusProcess } from "../lab/prometheusProcess";
import { KEY_A } from "../test/fleet/malformedCases";

export interface CapacityResult {
    targets: number;
    minutes: number;
    scrapeIntervalSeconds: number;
    seriesPerDevice: number;
    headSeries: number;
    rssMB: number;
    peakRssMB: number;
    bytesPerSeries: number;
    scrapeDurationMsAvg: number;
    predictedMemoryMB: number;
    predictedMemoryMBForMeasuredSeries: number;
    timeToVisibleSeconds: number;
    missedScrapesOfOthers: number;
}

const PORT = 19443;

/** A real node_exporter payload: one lab device with our installer, scraped as Prometheus does. */
async function capturePayload(log: (s: string) => void): Promise<string> {
    const lab = new Lab(fs.mkdtempSync(path.join(os.tmpdir(), "bench-capture-")));
    const mirror = new MirrorServer();
    lab.prepare(log);
    await mirror.start();
    try {
        const d = await lab.start("capture-1", 40);
        const file = path.join(lab.stateDir, "fleet.yaml");
        fs.writeFileSync(file, labFleetYaml([{ record: d }], { collectors: "{enable: [systemd, processes]}" }));
        const { outcomes } = await lab.apply(file);
        if (!outcomes.every((o) => o.ok)) throw new Error(`capture install failed: ${JSON.stringify(outcomes)}`);
        const { password } = scrapeSecrets(lab.stateDir);
        const cfg = path.join(lab.stateDir, "curl.cfg");
        fs.writeFileSync(cfg, `user = "prometheus:${password}"\n`, { mode: 0o600 });
        return run("curl", ["-fsSk", "-K", cfg, `https://${d.ip}:9100/metrics`]);
    } finally {
        await lab.stopAll();
        await mirror.stop();
        fs.rmSync(lab.stateDir, { recursive: true, force: true });
    }
}

export function address(i: number): string {
    return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** A CA and one server certificate valid for every simulated device address. */
export function certificates(dir: string, n: number): { ca: string; cert: string; key: string } {
    const sans = Array.from({ length: n }, (_, i) => `IP:${address(i)}`).join(",");
    fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
    const o = (...args: string[]) => run("openssl", args, { cwd: dir });
    o("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=bench CA", "-days", "2");
    o("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=bench devices");
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "1", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt");
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    return { ca: read("ca.crt"), cert: read("server.crt"), key: read("server.key") };
}

function rssOf(pid: number): { rss: number; peak: number } {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/**
 * Debian's Prometheus with the rendered configuration scraping n simulated devices (loopback addresses
 * served by one HTTPS server replaying a real payload, with the product's TLS and basic auth) for a few
 * minutes; then one more device added through the host's own targets script: how long until it is
 * scraped, and whether the others missed a scrape meanwhile.
 */
export async function benchPrometheus(n: number, minutes: number, log: (s: string) => void): Promise<CapacityResult> {
    const payload = await capturePayload(log);
    const seriesPerDevice = payload.split("\n").filter((l) => l && !l.startsWith("#")).length;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prom-"));
    const password = "bench-scrape-password";
    const tls = certificates(dir, n + 1);
    const expectedAuth = `Basic ${Buffer.from(`prometheus:${password}`).toString("base64")}`;
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        if (req.headers.authorization !== expectedAuth) {
            res.writeHead(401).end();
            return;
        }
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(payload);
    });
    await new Promise<void>((r) => server.listen(PORT, "0.0.0.0", () => r()));
    const interval = 15;
    const p = path.join(dir, "config/prometheus");
    for (const [rel, text] of Object.entries(renderHostConfigFiles({ stackName: "bench", scrapeIntervalSeconds: interval, paths: { configDir: p, targetsDir: `${p}/targets`, secretsDir: `${p}/secrets`, alertmanager: "127.0.0.1:19093", hostNodeExporter: "127.0.0.1:19100", prometheus: "127.0.0.1:19094" } }))) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    }
    fs.mkdirSync(`${p}/secrets`, { recursive: true });
    fs.mkdirSync(`${p}/targets`, { recursive: true });
    fs.writeFileSync(`${p}/secrets/scrape-ca.crt`, tls.ca);
    fs.writeFileSync(`${p}/secrets/scrape-password`, password);

    const fleetText = (count: number) => {
        let t = "version: 1\ndefaults:\n  ssh: {user: u, privateKeySecret: k}\n  nodeExporter: {port: " + PORT + "}\nsites:\n  bench: {region: bench}\ndevices:\n";
        for (let i = 0; i < count; i++) t += `  - {name: sim-${i}, address: ${address(i)}, site: bench, hostKey: ${KEY_A}}\n`;
        return t;
    };
    const deliver = (count: number) => {
        const fleet = parseFleet(fleetText(count), { file: "bench", checksums: loadChecksums() }).fleet!;
        const r = spawnSync("sh", ["-c", APPLY_FLEET_SCRIPT], { input: fleetPayload(renderTargetsFile(fleet)[TARGETS_FILE], ""), env: { ...process.env, IIOTMON_ROOT: dir } });
        if (r.status !== 0) throw new Error(`targets: ${r.stderr}`);
    };
    deliver(n - 1);
    const prom = new PrometheusProcess(path.join(p, "prometheus.yml"), path.join(dir, "data"), 19094);
    await prom.start();
    try {
        const up = async () => Number((await prom.query('count(up{job="node"} == 1)'))[0]?.value[1] ?? 0);
        for (let i = 0; i < 240 && (await up()) < n - 1; i++) await sleep(1000);
        log(`prometheus: ${await up()} simulated devices up; measuring for ${minutes} min`);
        await sleep(minutes * 60_000);
        const { rss, peak } = rssOf(prom.pid!);
        // Prometheus' own metrics, read from its /metrics (its self-scrape job points at the container's port).
        const own = await (await fetch(`${prom.url}/metrics`)).text();
        const headSeries = Number(/^prometheus_tsdb_head_series (\S+)$/m.exec(own)?.[1]);
        const scrapeMs = Number((await prom.query('avg(scrape_duration_seconds{job="node"})'))[0].value[1]) * 1000;

        const changedAt = Date.now();
        deliver(n);
        let timeToVisible = NaN;
        for (let i = 0; i < 600; i++) {
            const t = await prom.activeTargets();
            if (t.some((x) => x.labels.instance === `sim-${n - 1}` && x.health === "up")) {
                timeToVisible = (Date.now() - changedAt) / 1000;
                break;
            }
            await sleep(250);
        }
        await sleep(2 * interval * 1000);
        const window = Math.floor((Date.now() - changedAt) / 1000);
        const counts = await prom.query(`count_over_time(up{job="node",instance!="sim-${n - 1}"}[${window}s])`);
        const expected = Math.floor(window / interval);
        const missed = counts.reduce((sum, c) => sum + Math.max(0, expected - Number(c.value[1])), 0);
        const predicted = sizeHost({ devices: n, scrapeIntervalSeconds: interval, retentionDays: 30 }).prometheusMemoryGiB * 1024;
        return {
            targets: n,
            minutes,
            scrapeIntervalSeconds: interval,
            seriesPerDevice,
            headSeries,
            rssMB: Math.round(rss),
            peakRssMB: Math.round(peak),
            bytesPerSeries: Math.round((rss * 1024 * 1024) / headSeries),
            scrapeDurationMsAvg: Math.round(scrapeMs * 10) / 10,
            predictedMemoryMB: Math.round(predicted),
            predictedMemoryMBForMeasuredSeries: Math.round((headSeries * BYTES_RAM_PER_SERIES) / 1024 / 1024),
            timeToVisibleSeconds: Math.round(timeToVisible * 10) / 10,
            missedScrapesOfOthers: missed,
        };
    } finally {
        await prom.stop();
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
