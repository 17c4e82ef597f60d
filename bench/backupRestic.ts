import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_PASSWORD_FILE } from "../infra/host/hostConfigFiles";
import { PostgresServer } from "../lab/postgresServer";
import { PrometheusProcess } from "../lab/prometheusProcess";
import { S3Server } from "../lab/s3Server";
import { BLOCK_SECONDS, createBlocks, directoryBytes } from "../lab/tsdbBlocks";
import { PROJECT_ROOT } from "../infra/common/projectRoot";

export interface BackupBenchResult {
    tsdbBytes: number;
    blocks: number;
    samples: number;
    firstBackupSeconds: number;
    firstUploadedBytes: number;
    addedBlockBytes: number;
    secondBackupSeconds: number;
    secondUploadedBytes: number;
    restoreSeconds: number;
    restoredBytes: number;
}

const SERIES = 20000;
const INTERVAL = 15;
/** Generated once and kept between runs (generating 1 GB through promtool takes minutes). */
const CACHE = path.join(os.tmpdir(), "iiotmon-bench-tsdb");

// Blocks one 18-hour window apart, so a running Prometheus does not compact them meanwhile.
const WINDOW = 9 * BLOCK_SECONDS;
function blockAt(k: number, dir: string): string[] {
    const from = Math.floor(Date.now() / 1000 / WINDOW) * WINDOW - k * WINDOW;
    return createBlocks(dir, { series: SERIES, from, to: from + BLOCK_SECONDS, intervalSeconds: INTERVAL, metric: "bench_value" });
}

/** Generates (or finds) the cached TSDB of at least `minBytes`; returns how many blocks it has. */
export function generateTsdb(minBytes: number, log: (s: string) => void): number {
    let k = 0;
    if (!fs.existsSync(path.join(CACHE, "complete")) || directoryBytes(CACHE) < minBytes) {
        fs.rmSync(CACHE, { recursive: true, force: true });
        while (!fs.existsSync(CACHE) || directoryBytes(CACHE) < minBytes) {
            blockAt(++k, CACHE);
            log(`backup bench: generated ${k} blocks, ${(directoryBytes(CACHE) / 1e9).toFixed(2)} GB`);
        }
        fs.writeFileSync(path.join(CACHE, "complete"), "");
    }
    return fs.readdirSync(CACHE).filter((d) => /^[0-9A-Z]{26}$/.test(d)).length;
}

/**
 * The host's backup and restore scripts on a TSDB of at least `minBytes` made by promtool: the first
 * backup (everything), a second one after one more block, and a restore into an empty directory.
 * restic from Debian, s3rver over HTTPS on loopback (in this process), a throw-away PostgreSQL.
 */
export async function benchBackup(minBytes: number, log: (s: string) => void): Promise<BackupBenchResult> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-backup-"));
    const data = path.join(root, "data", "prometheus");
    const s3 = new S3Server(14569, "bench-backups");
    const pg = new PostgresServer(15435);
    let prom: PrometheusProcess | undefined;
    try {
        const k = generateTsdb(minBytes, log);
        const blocks = fs.readdirSync(CACHE).filter((d) => /^[0-9A-Z]{26}$/.test(d));
        fs.mkdirSync(data, { recursive: true });
        // Hard links: the cached blocks are not copied (and restic sees the files as Prometheus' own).
        for (const b of blocks) linkTree(path.join(CACHE, b), path.join(data, b));
        const tsdbBytes = directoryBytes(data);
        const samples = blocks.reduce((n, b) => n + Number(JSON.parse(fs.readFileSync(path.join(data, b, "meta.json"), "utf8")).stats.numSamples), 0);

        await s3.start();
        pg.start();
        pg.psql("postgres", "CREATE DATABASE iiotmon");
        pg.psql("postgres", "CREATE DATABASE grafana");
        pg.psql("iiotmon", "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
        pg.psql("grafana", "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
        const password = path.join(root, BACKUP_PASSWORD_FILE);
        fs.mkdirSync(path.dirname(password), { recursive: true });
        fs.writeFileSync(password, "bench-password-0123456789\n", { mode: 0o400 });
        const config = path.join(root, "prometheus.yml");
        fs.writeFileSync(config, "global: {scrape_interval: 15s}\nscrape_configs: []\n");
        prom = new PrometheusProcess(config, data, 19097);
        await prom.start();

        const promUrl = prom.url;
        const env = (over: Record<string, string> = {}) => ({
            ...process.env,
            BUCKET: "bench-backups",
            REGION: "us-east-1",
            IIOTMON_ROOT: root,
            IIOTMON_PG_LOCAL: "1",
            PGHOST: pg.dir,
            PGPORT: String(pg.port),
            PROMETHEUS_URL: promUrl,
            IIOTMON_TEXTFILE_DIR: path.join(root, "textfile"),
            RESTIC_REPOSITORY: `s3:${s3.endpoint}/bench-backups/restic`,
            SSL_CERT_FILE: s3.certFile,
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            ...over,
        });
        const script = (name: string, args: string[], over: Record<string, string> = {}) =>
            new Promise<{ seconds: number; stdout: string }>((resolve, reject) => {
                const t0 = performance.now();
                const child = spawn("sh", [path.join(PROJECT_ROOT, "provisioners", name), ...args], { env: env(over) });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d));
                child.stderr.on("data", (d: Buffer) => (stderr += d));
                child.on("close", (status) => (status === 0 ? resolve({ seconds: (performance.now() - t0) / 1000, stdout }) : reject(new Error(`${name} exited ${status}: ${stderr}`))));
            });
        const uploaded = (out: string) => Number(/: (\d+) bytes uploaded of/.exec(out)?.[1] ?? NaN);

        log(`backup bench: first backup of ${(tsdbBytes / 1e9).toFixed(2)} GB (${blocks.length} blocks)`);
        const first = await script("host-backup.sh", []);
        await prom.stop();
        const added = blockAt(k + 1, data);
        const addedBlockBytes = directoryBytes(path.join(data, added[0]));
        await prom.start();
        log("backup bench: second backup after one more block");
        log(`backup bench: first backup ${first.seconds.toFixed(1)} s, ${uploaded(first.stdout)} bytes uploaded`);
        const second = await script("host-backup.sh", []);
        log(`backup bench: second backup ${second.seconds.toFixed(1)} s, ${uploaded(second.stdout)} bytes uploaded (the new block: ${addedBlockBytes} bytes)`);
        await prom.stop();
        prom = undefined;

        log("backup bench: restore into an empty directory");
        const fresh = new PostgresServer(15436);
        fresh.start();
        const target = path.join(root, "restored");
        try {
            const restore = await script("host-restore.sh", ["latest"], { PGHOST: fresh.dir, PGPORT: String(fresh.port), IIOTMON_PROMETHEUS_DATA: target });
            return {
                tsdbBytes,
                blocks: blocks.length,
                samples,
                firstBackupSeconds: Number(first.seconds.toFixed(1)),
                firstUploadedBytes: uploaded(first.stdout),
                addedBlockBytes,
                secondBackupSeconds: Number(second.seconds.toFixed(1)),
                secondUploadedBytes: uploaded(second.stdout),
                restoreSeconds: Number(restore.seconds.toFixed(1)),
                restoredBytes: directoryBytes(target),
            };
        } finally {
            fresh.stop();
        }
    } finally {
        await prom?.stop();
        pg.stop();
        await s3.stop();
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** A copy made of hard links (blocks are immutable; Prometheus only ever deletes them). */
function linkTree(from: string, to: string): void {
    fs.mkdirSync(to, { recursive: true });
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
        if (e.isDirectory()) linkTree(path.join(from, e.name), path.join(to, e.name));
        else fs.linkSync(path.join(from, e.name), path.join(to, e.name));
    }
}
