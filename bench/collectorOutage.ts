import { spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { collectorDiskSize } from "../infra/device";
import { CollectorPaths, COLLECTOR_QUEUE_CONFIG, renderCollectorConfig } from "../infra/host";
import { sleep } from "../lab/exec";
import { PrometheusProcess } from "../lab/prometheusProcess";
import { LinkProxy } from "./linkProxy";
import { address, certificates } from "./prometheusCapacity";

export interface CollectorOutageResult {
    devices: number;
    scrapeIntervalSeconds: number;
    seriesPerDevice: number;
    steadyMinutes: number;
    outageMinutes: number;
    /** On the wire (HTTP, snappy bodies), per device and hour, with the link up. */
    linkBytesPerDeviceHour: number;
    /** The same requests' bodies before snappy: what the link would carry without compression. */
    uncompressedBytesPerDeviceHour: number;
    compressionRatio: number;
    drainSeconds: number;
    drainLinkMB: number;
    lostSamples: number;
    expectedSamplesChecked: number;
    collectorRssMB: number;
    collectorPeakRssMB: number;
    walMB: number;
    walBytesPerSample: number;
    predictedWalMBForOutage: number;
    queue: typeof COLLECTOR_QUEUE_CONFIG;
}

const DEVICE_PORT = 19310;
const CENTRAL_PORT = 19390;
const LINK_PORT = 19391;
const AGENT_PORT = 19392;

/** A real node_exporter payload: Debian's node_exporter on loopback, scraped once. */
async function nodeExporterPayload(dir: string): Promise<string> {
    const child = spawn("/usr/bin/prometheus-node-exporter", ["--web.listen-address=127.0.0.1:19301"], { stdio: "ignore" });
    try {
        for (let i = 0; i < 50; i++) {
            await sleep(200);
            try {
                const r = await fetch("http://127.0.0.1:19301/metrics");
                if (r.ok) return await r.text();
            } catch {
                // not up yet
            }
        }
        throw new Error(`node_exporter did not answer (${dir})`);
    } finally {
        child.kill("SIGTERM");
    }
}

function rssOf(pid: number): { rss: number; peak: number } {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

function duBytes(dir: string): number {
    let total = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        total += e.isDirectory() ? duBytes(p) : fs.statSync(p).size;
    }
    return total;
}

async function agentMetric(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${AGENT_PORT}/metrics`)).text();
    const values = text
        .split("\n")
        .filter((l) => l.startsWith(name + " ") || l.startsWith(name + "{"))
        .map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
    if (values.length === 0) throw new Error(`the agent has no ${name}`);
    return Math.min(...values);
}

/**
 * A site collector (Debian's Prometheus in agent mode with the rendered configuration) scraping n
 * simulated devices (one HTTPS server replaying a real node_exporter payload, with the product's TLS and
 * basic auth), remote-writing through a counted link to a central Prometheus with the receiver on.
 * Steady state, then the link cut for `outageMinutes`, then restored: link bytes, drain time, memory,
 * WAL size, and whether every scrape of the outage arrived.
 */
export async function benchCollectorOutage(n: number, outageMinutes: number, steadyMinutes: number, log: (s: string) => void): Promise<CollectorOutageResult> {
    const interval = Number(process.env.BENCH_COLLECTOR_INTERVAL ?? 15);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-collector-"));
    const payload = await nodeExporterPayload(dir);
    const seriesPerDevice = payload.split("\n").filter((l) => l && !l.startsWith("#")).length;
    const password = "bench-scrape-password";
    const tls = certificates(dir, n);
    const expectedAuth = `Basic ${Buffer.from(`prometheus:${password}`).toString("base64")}`;
    const devices = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
        if (req.headers.authorization !== expectedAuth) return void res.writeHead(401).end();
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(payload);
    });
    await new Promise<void>((r) => devices.listen(DEVICE_PORT, "0.0.0.0", () => r()));

    const paths: CollectorPaths = {
        configDir: path.join(dir, "agent"),
        targetsDir: path.join(dir, "agent/targets"),
        scrapeCaFile: path.join(dir, "agent/scrape-ca.crt"),
        scrapePasswordFile: path.join(dir, "agent/scrape-password"),
        remoteWriteCaFile: path.join(dir, "agent/remote-write-ca.crt"),
        remoteWritePasswordFile: path.join(dir, "agent/remote-write-password"),
    };
    fs.mkdirSync(paths.targetsDir, { recursive: true });
    fs.writeFileSync(paths.scrapeCaFile, tls.ca);
    fs.writeFileSync(paths.scrapePasswordFile, password);
    fs.writeFileSync(paths.remoteWriteCaFile, tls.ca);
    fs.writeFileSync(paths.remoteWritePasswordFile, "unused-on-loopback");
    const targets = Array.from({ length: n }, (_, i) => ({ targets: [`${address(i)}:${DEVICE_PORT}`], labels: { instance: `sim-${i}`, site: "bench", region: "bench" } }));
    fs.writeFileSync(path.join(paths.targetsDir, "site.json"), JSON.stringify(targets));
    const agentConfig = path.join(paths.configDir, "prometheus.yml");
    fs.writeFileSync(
        agentConfig,
        renderCollectorConfig({ site: "bench", region: "bench", collectorDevice: "bench-collector", remoteWriteUrl: `http://127.0.0.1:${LINK_PORT}/api/v1/write`, scrapeIntervalSeconds: interval, paths, agentPort: AGENT_PORT }),
    );
    const centralConfig = path.join(dir, "central.yml");
    fs.writeFileSync(centralConfig, `global: {scrape_interval: ${interval}s}\nstorage: {tsdb: {out_of_order_time_window: 6h}}\n`);

    const central = new PrometheusProcess(centralConfig, path.join(dir, "central"), CENTRAL_PORT, { extraArgs: ["--web.enable-remote-write-receiver"] });
    const agent = new PrometheusProcess(agentConfig, path.join(dir, "wal"), AGENT_PORT, { agent: true, extraArgs: ["--storage.agent.wal-compression", "--storage.agent.retention.max-time=7h"] });
    const link = new LinkProxy(LINK_PORT, CENTRAL_PORT);
    try {
        await central.start();
        await link.restore();
        await agent.start();
        const warmup = Number(process.env.BENCH_COLLECTOR_WARMUP_SECONDS ?? 120);
        log(`collector bench: ${n} devices x ${seriesPerDevice} series every ${interval} s; warming up ${warmup} s`);
        await sleep(warmup * 1000);
        const s0 = link.snapshot();
        const t0 = Date.now();
        log(`collector bench: steady state for ${steadyMinutes} min`);
        await sleep(steadyMinutes * 60_000);
        const s1 = link.snapshot();
        const hours = (Date.now() - t0) / 3_600_000;
        const steadyRss = rssOf(agent.pid!).rss;

        const appendedBefore = await agentMetric("prometheus_agent_samples_appended_total");
        const walBefore = duBytes(agent.dataDir);
        const cutAt = Date.now();
        await link.cut();
        log(`collector bench: link cut for ${outageMinutes} min`);
        let peak = 0;
        while (Date.now() - cutAt < outageMinutes * 60_000) {
            await sleep(10_000);
            peak = Math.max(peak, rssOf(agent.pid!).rss);
        }
        const walDuring = duBytes(agent.dataDir);
        const appendedDuring = (await agentMetric("prometheus_agent_samples_appended_total")) - appendedBefore;
        const restoredAt = Date.now();
        const sBefore = link.snapshot();
        await link.restore();
        log("collector bench: link restored; draining");
        let drainedAt = 0;
        while (Date.now() - restoredAt < 60 * 60_000) {
            await sleep(2000);
            peak = Math.max(peak, rssOf(agent.pid!).rss);
            const newest = await agentMetric("prometheus_remote_storage_highest_timestamp_in_seconds");
            const sent = await agentMetric("prometheus_remote_storage_queue_highest_sent_timestamp_seconds");
            if (sent >= newest - interval) {
                drainedAt = Date.now();
                break;
            }
        }
        if (!drainedAt) throw new Error("the backlog did not drain within an hour");
        const sAfter = link.snapshot();
        await sleep(2 * interval * 1000);
        // Every scrape of the outage window must be there, for a sample of devices.
        const windowS = Math.floor((restoredAt - cutAt) / 1000);
        const at = Math.floor(restoredAt / 1000);
        const checked = [0, Math.floor(n / 2), n - 1].map((i) => `sim-${i}`);
        let lost = 0;
        let expected = 0;
        for (const instance of checked) {
            const r = await central.query(`count_over_time(up{instance="${instance}"}[${windowS}s] @ ${at})`);
            const got = Number(r[0]?.value[1] ?? 0);
            const want = Math.floor(windowS / interval);
            expected += want;
            lost += Math.max(0, want - got);
        }
        const peakHwm = rssOf(agent.pid!).peak;
        return {
            devices: n,
            scrapeIntervalSeconds: interval,
            seriesPerDevice,
            steadyMinutes,
            outageMinutes,
            linkBytesPerDeviceHour: Math.round((s1.wire - s0.wire) / n / hours),
            uncompressedBytesPerDeviceHour: Math.round((s1.uncompressed - s0.uncompressed) / n / hours),
            compressionRatio: Math.round(((s1.uncompressed - s0.uncompressed) / Math.max(1, s1.body - s0.body)) * 10) / 10,
            drainSeconds: Math.round((drainedAt - restoredAt) / 1000),
            drainLinkMB: Math.round((sAfter.wire - sBefore.wire) / 1e5) / 10,
            lostSamples: lost,
            expectedSamplesChecked: expected,
            collectorRssMB: Math.round(steadyRss),
            collectorPeakRssMB: Math.round(Math.max(peak, peakHwm)),
            walMB: Math.round(walDuring / 1e5) / 10,
            walBytesPerSample: Math.round(((walDuring - walBefore) / Math.max(1, appendedDuring)) * 100) / 100,
            predictedWalMBForOutage: Math.round(collectorDiskSize({ devices: n, scrapeIntervalSeconds: interval, outageBudgetHours: outageMinutes / 60, seriesPerDevice }).bytes / 1e6),
            queue: COLLECTOR_QUEUE_CONFIG,
        };
    } finally {
        await agent.stop();
        await central.stop();
        await link.cut();
        devices.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
