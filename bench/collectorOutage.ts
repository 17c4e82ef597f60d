import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../infra/common/projectRoot";
import { collectorDiskSize } from "../infra/device";
import { BackfillOptions, CollectorPaths, COLLECTOR_QUEUE_CONFIG, renderBackfillEnv, renderBackfillHttpConfig, renderCollectorConfig } from "../infra/host";
import { sleep } from "../lab/exec";
import { labPromtoolScript } from "../lab/mirror";
import { PrometheusProcess } from "../lab/prometheusProcess";
import { everySampleQuery, Matrix, missingSamples } from "../lab/sampleComparison";
import { LinkProxy } from "./linkProxy";
import { address, certificates } from "./prometheusCapacity";

export interface CollectorOutageResult {
    devices: number;
    scrapeIntervalSeconds: number;
    seriesPerDevice: number;
    steadyMinutes: number;
    outageMinutes: number;
    /** The block range that stands in for 2 h: the outage is compressed by 2 h ÷ this. */
    blockMinutes: number;
    /** The outage it stands for: outageMinutes × 2 h ÷ blockMinutes. */
    representsOutageHours: number;
    /** On the wire (HTTP, snappy bodies), per device and hour, with the link up. */
    linkBytesPerDeviceHour: number;
    /** The same requests' bodies before snappy: what the link would carry without compression. */
    uncompressedBytesPerDeviceHour: number;
    compressionRatio: number;
    drainSeconds: number;
    drainLinkMB: number;
    /** What the drain's requests carried before snappy (the lab's promtool stand-in does not compress). */
    drainUncompressedMB: number;
    lostSamples: number;
    samplesCompared: number;
    seriesCompared: number;
    collectorRssMB: number;
    collectorPeakRssMB: number;
    /** The back-filler's promtool (tsdb dump replays the WAL), the largest seen. */
    promtoolPeakRssMB: number;
    /** The collector's data directory (TSDB and the back-filler's scratch) at the end of the outage and its peak. */
    collectorDiskMB: number;
    collectorDiskPeakMB: number;
    predictedDiskMB: number;
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

/** Peak RSS (MB) of the running `promtool tsdb dump` processes, by /proc. */
function promtoolRss(): number {
    let peak = 0;
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
        try {
            if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("tsdb\0dump")) continue;
            peak = Math.max(peak, rssOf(Number(pid)).peak);
        } catch {
            // ended meanwhile
        }
    }
    return peak;
}

/**
 * A site collector as installed (Debian's Prometheus in server mode with the rendered configuration, and
 * the back-filler, provisioners/prometheus-collector-backfill.sh, with the lab release's promtool)
 * scraping n simulated devices (one HTTPS server replaying a real node_exporter payload, with the
 * product's TLS and basic auth), remote-writing through a counted link to a central Prometheus with the
 * receiver on. The block range is `BENCH_COLLECTOR_BLOCK_MINUTES` (default 2) instead of 2 h, so an
 * outage of `outageMinutes` stands for outageMinutes × 2 h ÷ block minutes (6 min: 6 h), over as many
 * blocks and checkpoints. Steady state, the link cut, restored: link bytes, drain time (until the
 * central Prometheus has every sample of the collector's TSDB), memory, disk, and the samples missing.
 */
export async function benchCollectorOutage(n: number, outageMinutes: number, steadyMinutes: number, log: (s: string) => void): Promise<CollectorOutageResult> {
    const interval = Number(process.env.BENCH_COLLECTOR_INTERVAL ?? 15);
    const blockMinutes = Number(process.env.BENCH_COLLECTOR_BLOCK_MINUTES ?? 2);
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
    const remoteWriteUrl = `http://127.0.0.1:${LINK_PORT}/api/v1/write`;
    const agentConfig = path.join(paths.configDir, "prometheus.yml");
    fs.writeFileSync(agentConfig, renderCollectorConfig({ site: "bench", region: "bench", collectorDevice: "bench-collector", remoteWriteUrl, scrapeIntervalSeconds: interval, paths, agentPort: AGENT_PORT }));
    const budgetHours = Math.max(1, Math.ceil((outageMinutes * 2) / blockMinutes));
    const disk = collectorDiskSize({ devices: n, scrapeIntervalSeconds: interval, outageBudgetHours: budgetHours, seriesPerDevice });
    const backfill: BackfillOptions = { site: "bench", remoteWriteUrl, outageBudgetHours: budgetHours, rangeSeconds: disk.backfillRangeSeconds, blockSeconds: blockMinutes * 60, paths, agentPort: AGENT_PORT };
    fs.writeFileSync(path.join(paths.configDir, "backfill.env"), renderBackfillEnv(backfill));
    fs.writeFileSync(path.join(paths.configDir, "backfill-http.yml"), renderBackfillHttpConfig(backfill));
    const promtool = path.join(dir, "promtool");
    fs.writeFileSync(promtool, labPromtoolScript(), { mode: 0o755 });
    const centralConfig = path.join(dir, "central.yml");
    fs.writeFileSync(centralConfig, `global: {scrape_interval: ${interval}s}\nstorage: {tsdb: {out_of_order_time_window: ${budgetHours + 1}h}}\n`);

    const dataDir = path.join(dir, "collector");
    const central = new PrometheusProcess(centralConfig, path.join(dir, "central"), CENTRAL_PORT, { extraArgs: ["--web.enable-remote-write-receiver"] });
    // The unit's flags (prometheus-agent-install.sh), with the block range standing in for 2 h.
    const collector = new PrometheusProcess(agentConfig, path.join(dataDir, "tsdb"), AGENT_PORT, {
        extraArgs: [`--storage.tsdb.retention.time=${disk.retention}`, "--storage.remote.flush-deadline=10s", `--storage.tsdb.min-block-duration=${blockMinutes}m`, `--storage.tsdb.max-block-duration=${blockMinutes}m`],
    });
    const link = new LinkProxy(LINK_PORT, CENTRAL_PORT);
    let backfiller: ChildProcess | undefined;
    try {
        await central.start();
        await link.restore();
        await collector.start();
        const backfillLog = fs.openSync(path.join(dir, "backfill.log"), "w");
        backfiller = spawn("sh", [path.join(PROJECT_ROOT, "provisioners", "prometheus-collector-backfill.sh")], {
            env: { ...process.env, IIOTMON_COLLECTOR_CONF: paths.configDir, IIOTMON_COLLECTOR_DATA: dataDir, IIOTMON_COLLECTOR_PROMTOOL: promtool, IIOTMON_LAB_DEBIAN_PROMTOOL: "/usr/bin/promtool" },
            stdio: ["ignore", backfillLog, backfillLog],
        });
        fs.closeSync(backfillLog);
        const warmup = Number(process.env.BENCH_COLLECTOR_WARMUP_SECONDS ?? 120);
        log(`collector bench: ${n} devices x ${seriesPerDevice} series every ${interval} s, ${blockMinutes}-minute blocks; warming up ${warmup} s`);
        await sleep(warmup * 1000);
        const s0 = link.snapshot();
        const t0 = Date.now();
        log(`collector bench: steady state for ${steadyMinutes} min`);
        await sleep(steadyMinutes * 60_000);
        const s1 = link.snapshot();
        const hours = (Date.now() - t0) / 3_600_000;
        const steadyRss = rssOf(collector.pid!).rss;

        const cutAt = Date.now();
        await link.cut();
        log(`collector bench: link cut for ${outageMinutes} min (stands for ${(outageMinutes * 2) / blockMinutes} h)`);
        let peak = 0;
        let promtoolPeak = 0;
        let diskPeak = 0;
        const watch = () => {
            peak = Math.max(peak, rssOf(collector.pid!).rss);
            promtoolPeak = Math.max(promtoolPeak, promtoolRss());
            diskPeak = Math.max(diskPeak, duBytes(dataDir));
        };
        while (Date.now() - cutAt < outageMinutes * 60_000) {
            await sleep(5_000);
            watch();
        }
        const diskDuring = duBytes(dataDir);
        const restoredAt = Date.now();
        const sBefore = link.snapshot();
        await link.restore();
        log("collector bench: link restored; draining");
        // Drained: the central Prometheus has every sample the collector's TSDB holds from a minute before
        // the cut to the return (looked up series by series, sample by sample).
        const from = cutAt / 1000 - 60;
        const to = restoredAt / 1000;
        const compare = async () => {
            const local = (await (await fetch(`${collector.url}/api/v1/query?query=${encodeURIComponent(everySampleQuery(from, to))}`)).json()) as { data: { result: Matrix } };
            return missingSamples(local.data.result, await central.query<Matrix>(everySampleQuery(from, to)));
        };
        let drainedAt = 0;
        let result = await compare();
        while (Date.now() - restoredAt < 60 * 60_000) {
            for (let i = 0; i < 6; i++) {
                await sleep(2000);
                watch();
            }
            result = await compare();
            log(`collector bench: ${result.missing.length} of ${result.compared} samples still missing centrally`);
            if (result.missing.length === 0) {
                drainedAt = Date.now();
                break;
            }
        }
        const sAfter = link.snapshot();
        return {
            devices: n,
            scrapeIntervalSeconds: interval,
            seriesPerDevice,
            steadyMinutes,
            outageMinutes,
            blockMinutes,
            representsOutageHours: (outageMinutes * 2) / blockMinutes,
            linkBytesPerDeviceHour: Math.round((s1.wire - s0.wire) / n / hours),
            uncompressedBytesPerDeviceHour: Math.round((s1.uncompressed - s0.uncompressed) / n / hours),
            compressionRatio: Math.round(((s1.uncompressed - s0.uncompressed) / Math.max(1, s1.body - s0.body)) * 10) / 10,
            drainSeconds: drainedAt ? Math.round((drainedAt - restoredAt) / 1000) : -1,
            drainLinkMB: Math.round((sAfter.wire - sBefore.wire) / 1e5) / 10,
            drainUncompressedMB: Math.round((sAfter.uncompressed - sBefore.uncompressed) / 1e5) / 10,
            lostSamples: result.missing.length,
            samplesCompared: result.compared,
            seriesCompared: result.series,
            collectorRssMB: Math.round(steadyRss),
            collectorPeakRssMB: Math.round(Math.max(peak, rssOf(collector.pid!).peak)),
            promtoolPeakRssMB: Math.round(promtoolPeak),
            collectorDiskMB: Math.round(diskDuring / 1e5) / 10,
            collectorDiskPeakMB: Math.round(diskPeak / 1e5) / 10,
            predictedDiskMB: Math.round(disk.bytes / 1e6),
            queue: COLLECTOR_QUEUE_CONFIG,
        };
    } finally {
        if (backfiller?.pid && backfiller.exitCode === null) {
            const closed = new Promise((r) => backfiller!.once("close", r));
            backfiller.kill("SIGTERM");
            await closed;
        }
        await collector.stop();
        await central.stop();
        await link.cut();
        devices.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
