import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { fleetSyncSql } from "../../infra/host/fleetRecordSql";
import { BACKUP_PASSWORD_FILE } from "../../infra/host/hostConfigFiles";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { isAlive, sleep } from "../../lab/exec";
import { PostgresServer } from "../../lab/postgresServer";
import { PrometheusProcess } from "../../lab/prometheusProcess";
import { S3Server } from "../../lab/s3Server";
import { BLOCK_SECONDS, createBlocks } from "../../lab/tsdbBlocks";
import { ROOT } from "../harness";
import { device, HEAD } from "../fleet/malformedCases";
import { cleanUp } from "../../lab/cleanUp";

/**
 * The host's backup and restore scripts, for real: restic from Debian's packages, a PostgreSQL with
 * the fleet record and Grafana-like tables, Debian's Prometheus with backfilled blocks (promtool) and
 * scraped data, and an S3-compatible server (s3rver) on loopback. Incremental uploads, restic's object
 * sizes, an upload killed half-way, retention, and restores (newest and named) into a fresh PostgreSQL
 * and a fresh Prometheus data directory: the same rows, series and samples.
 */
jest.setTimeout(600_000);

const BUCKET = "iiotmon-backups";
const S3_PORT = 14568;
const MiB = 1024 * 1024;

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

describe("backup and restore with restic", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "backup-root-"));
    const promData = path.join(root, "data", "prometheus");
    const s3 = new S3Server(S3_PORT, BUCKET);
    const pg = new PostgresServer(15433);
    const fresh = new PostgresServer(15434);
    let exporter: http.Server;
    let prom: PrometheusProcess;
    let restored: PrometheusProcess;
    const snapshotIds: string[] = [];
    let backfilled: string[] = [];
    let added: string[] = [];
    let lastBackupAt = 0;

    const repository = () => ({ RESTIC_REPOSITORY: `s3:${s3.endpoint}/${BUCKET}/restic`, SSL_CERT_FILE: s3.certFile, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
    const env = (over: Record<string, string> = {}) => ({
        ...process.env,
        BUCKET,
        REGION: "us-east-1",
        BACKUP_RETENTION_DAYS: "30",
        IIOTMON_ROOT: root,
        IIOTMON_PG_LOCAL: "1",
        PGHOST: pg.dir,
        PGPORT: String(pg.port),
        PROMETHEUS_URL: prom.url,
        IIOTMON_TEXTFILE_DIR: path.join(root, "textfile"),
        ...repository(),
        ...over,
    });
    const collect = (child: ChildProcess) =>
        new Promise<Run>((resolve) => {
            let stdout = "";
            let stderr = "";
            child.stdout!.on("data", (d: Buffer) => (stdout += d));
            child.stderr!.on("data", (d: Buffer) => (stderr += d));
            child.on("close", (status) => resolve({ status, stdout, stderr }));
        });
    /** Starts a host script; asynchronously, since the S3 server answers from this same process. */
    const start = (name: string, args: string[], over: Record<string, string> = {}) => spawn("sh", [path.join(ROOT, "provisioners", name), ...args], { env: env(over) });
    const script = (name: string, args: string[], over: Record<string, string> = {}) => collect(start(name, args, over));
    /** The restic CLI on the same repository, for what a user would check by hand. */
    const restic = async (...args: string[]) => {
        const r = await collect(spawn("restic", args, { env: { ...process.env, ...repository(), RESTIC_PASSWORD_FILE: path.join(root, BACKUP_PASSWORD_FILE), RESTIC_CACHE_DIR: path.join(root, "test-cache") } }));
        if (r.status !== 0) throw new Error(`restic ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    };
    const snapshots = async () => (JSON.parse(await restic("snapshots", "--json")) as { id: string; time: string }[]).map((s) => s.id);
    /** Files of a snapshot with their sizes, by path inside it. */
    const files = async (id: string) => {
        const out = new Map<string, number>();
        for (const line of (await restic("ls", "--json", id)).split("\n")) {
            if (!line.trim()) continue;
            const n = JSON.parse(line) as { struct_type: string; type?: string; path?: string; size?: number };
            if (n.struct_type === "node" && n.type === "file") out.set(n.path!, n.size ?? 0);
        }
        return out;
    };
    const metrics = () => fs.readFileSync(path.join(root, "textfile", "iiotmon_backup.prom"), "utf8");
    const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics())?.[1] ?? NaN);
    const dataKeys = () => s3.keys().filter((k) => k.startsWith("restic/data/"));
    /** A Grafana table of `mb` MB of fresh random text: dump data restic has never seen. */
    const growGrafana = (table: string, mb: number) =>
        pg.psql("grafana", `CREATE TABLE ${table} AS SELECT g AS id, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 500) i) AS body FROM generate_series(1, ${Math.round((mb * 1e6) / 16000)}) g`);
    const backup = async (over: Record<string, string> = {}) => {
        lastBackupAt = Math.floor(Date.now() / 1000) - 1;
        const r = await script("host-backup.sh", [], over);
        expect([r.status, r.stderr]).toEqual([0, ""]);
        const m = /snapshot ([0-9a-f]{8}): (\d+) bytes uploaded of (\d+) bytes backed up/.exec(r.stdout);
        expect(m).not.toBeNull();
        snapshotIds.push(m![1]);
        return { id: m![1], uploaded: Number(m![2]), total: Number(m![3]) };
    };
    /**
     * One 2-hour block, k 18-hour windows back. Prometheus compacts blocks that share a 6- or 18-hour
     * window into one (a new ULID); one block per 18-hour window keeps the blocks as they are.
     */
    const WINDOW = 9 * BLOCK_SECONDS;
    const block = (k: number) => {
        const from = Math.floor(Date.now() / 1000 / WINDOW) * WINDOW - k * WINDOW;
        return createBlocks(promData, { series: 200, from, to: from + BLOCK_SECONDS, intervalSeconds: 15 });
    };

    beforeAll(async () => {
        await s3.start();
        const password = path.join(root, BACKUP_PASSWORD_FILE);
        fs.mkdirSync(path.dirname(password), { recursive: true });
        fs.writeFileSync(password, "a-test-repository-password-0123456789\n", { mode: 0o400 });

        pg.start();
        pg.psql("postgres", "CREATE DATABASE iiotmon");
        pg.psql("postgres", "CREATE DATABASE grafana");
        pg.psql("postgres", "CREATE ROLE grafana_reader LOGIN");
        const fleet = parseFleet(HEAD + device("a", "10.0.0.1") + device("b", "10.0.0.2"), { file: "e", checksums: loadChecksums() }).fleet!;
        pg.psql("iiotmon", fleetSyncSql(fleet));
        pg.psql("grafana", `CREATE TABLE dashboard (id serial PRIMARY KEY, uid text UNIQUE, title text, data jsonb);
            CREATE TABLE "user" (id serial PRIMARY KEY, login text, email text, is_admin boolean);
            INSERT INTO dashboard (uid, title, data) VALUES ('iiotmon-fleet', 'Fleet overview', '{"panels": 8}'), ('custom', 'Night shift', '{"panels": 2}');
            INSERT INTO "user" (login, email, is_admin) VALUES ('admin', 'admin@example.com', true), ('operator', 'ops@example.com', false);`);

        // Three 2-hour blocks of history, before Prometheus starts.
        backfilled = [...block(1), ...block(2), ...block(3)];
        let n = 0;
        exporter = http.createServer((_req, res) => {
            n++;
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(`# TYPE demo_requests_total counter\ndemo_requests_total{path="/a"} ${n * 3}\ndemo_requests_total{path="/b"} ${n * 5}\n# TYPE demo_temperature_celsius gauge\ndemo_temperature_celsius ${40 + (n % 7)}\n`);
        });
        await new Promise<void>((r) => exporter.listen(19200, "127.0.0.1", () => r()));
        const config = path.join(root, "prometheus.yml");
        fs.writeFileSync(config, "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: demo\n    static_configs: [{targets: ['127.0.0.1:19200']}]\n");
        prom = new PrometheusProcess(config, promData, 19091);
        await prom.start();
        // Prometheus applies new targets after a few seconds; wait until several scrapes are stored.
        for (let i = 0; i < 60; i++) {
            const r = await prom.query('count_over_time(up{job="demo"}[1m])');
            if (Number(r[0]?.value[1] ?? 0) >= 5) break;
            await sleep(500);
        }
    });

    afterAll(() =>
        cleanUp(
            () => prom?.stop(),
            () => restored?.stop(),
            () => exporter?.close(),
            () => pg.stop(),
            () => fresh.stop(),
            () => s3.stop(),
            () => fs.rmSync(root, { recursive: true, force: true }),
        ));

    it("backs up a data directory of several blocks and the databases into one restic snapshot, and records it for node_exporter", async () => {
        expect(backfilled.length).toBeGreaterThanOrEqual(3);
        const first = await backup();
        console.log(`first backup: ${first.uploaded} bytes uploaded of ${first.total} bytes backed up (${backfilled.length} blocks and the head)`);
        const inside = [...(await files(first.id)).keys()];
        for (const block of backfilled) expect(inside).toEqual(expect.arrayContaining([`/prometheus/${block}/meta.json`, `/prometheus/${block}/index`, `/prometheus/${block}/chunks/000001`]));
        expect(inside).toEqual(expect.arrayContaining(["/dumps/globals.sql", "/dumps/timescaledb-iiotmon.dump", "/dumps/timescaledb-grafana.dump", "/dumps/prometheus-blocks.txt"]));
        expect(metric("iiotmon_backup_last_run_success")).toBe(1);
        expect(metric("iiotmon_backup_last_success_uploaded_bytes")).toBe(first.uploaded);
        expect(metric("iiotmon_backup_last_success_bytes")).toBe(first.total);
        expect(metric("iiotmon_backup_last_success_timestamp_seconds")).toBeGreaterThanOrEqual(lastBackupAt);
        // Nothing left behind: the snapshot's hard links are gone, nothing is staged.
        expect(fs.readdirSync(path.join(promData, "snapshots"))).toEqual([]);
        expect(fs.existsSync(path.join(root, "backups", "current"))).toBe(false);
    });

    it("a second backup after one more block uploads only that block (and the head, which every snapshot writes out anew)", async () => {
        const firstUploaded = metric("iiotmon_backup_last_success_uploaded_bytes");
        await prom.stop();
        added = block(4);
        expect(added).toHaveLength(1);
        await prom.start();
        const second = await backup();
        console.log(`second backup: ${second.uploaded} bytes uploaded of ${second.total} bytes backed up (first: ${firstUploaded} bytes)`);

        const [before, after] = [await files(snapshotIds[0]), await files(second.id)];
        const changed = [...after].filter(([p, size]) => before.get(p) !== size || !before.has(p)).map(([p]) => p);
        const blockOf = (p: string) => /^\/prometheus\/([0-9A-Z]{26})\//.exec(p)?.[1];
        const changedBlocks = new Set(changed.map(blockOf).filter((b): b is string => !!b));
        // The new block, and one block that is not in the data directory: the head as the snapshot wrote it.
        expect(changedBlocks.has(added[0])).toBe(true);
        for (const b of backfilled) expect(changedBlocks.has(b)).toBe(false);
        expect(changedBlocks.size).toBe(2);
        // restic re-read none of the old blocks: it reports them unmodified (same inode, size, mtime).
        const summary = JSON.parse(fs.readFileSync(path.join(root, "backups", "last-run.json"), "utf8").split("\n").find((l) => l.includes('"message_type":"summary"'))!) as { files_new: number; files_changed: number; files_unmodified: number };
        expect(summary.files_unmodified).toBeGreaterThanOrEqual(backfilled.length * 3);
        const newBytes = changed.reduce((sum, p) => sum + after.get(p)!, 0);
        expect(second.uploaded).toBeLessThanOrEqual(newBytes + 256 * 1024);
        expect(second.uploaded).toBeLessThan(firstUploaded / 2);
    });

    it("splits a file larger than restic's pack size into several objects: no object nears S3's 5 GiB single-PUT limit", async () => {
        growGrafana("annotation_archive", 40);
        const from = s3.stored.length;
        // restic's pack size, set low (its minimum, 4 MiB) so a test-sized file spans many packs.
        const r = await backup({ RESTIC_PACK_SIZE: "4" });
        const dump = (await files(r.id)).get("/dumps/timescaledb-grafana.dump")!;
        const packs = s3.stored.slice(from).filter((o) => o.key.startsWith("restic/data/"));
        const largest = Math.max(...packs.map((o) => o.size));
        console.log(`a ${dump} byte dump went up in ${packs.length} pack objects of at most ${largest} bytes`);
        expect(dump).toBeGreaterThan(40e6);
        expect(packs.length).toBeGreaterThanOrEqual(4);
        // A pack is closed once it reaches the pack size, so it exceeds it by at most one chunk
        // (restic's chunker cuts at most 8 MiB). restic uploads each pack with one PutObject whose
        // part size it sets to 200 MiB (internal/backend/s3/s3.go, Save: `opts.PartSize = 200 * 1024 * 1024`,
        // v0.14.0 and v0.16.4) and caps the pack size at 128 MiB (internal/repository/repository.go,
        // `MaxPackSize = 128 * 1024 * 1024`): no object ever needs a multipart upload, whatever the
        // size of the TSDB's files, and none comes near the 5 GiB that a single PUT may carry.
        expect(largest).toBeLessThanOrEqual(4 * MiB + 8 * MiB);
        expect(new Set(packs.map((o) => o.event))).toEqual(new Set(["ObjectCreated:Put"]));
    });

    it("an upload killed half-way leaves the last good backup intact, and the next run completes", async () => {
        growGrafana("annotation_archive_2", 40);
        const good = await snapshots();
        const packsBefore = dataKeys().length;
        const from = s3.stored.length;
        const child = start("host-backup.sh", [], { RESTIC_PACK_SIZE: "4" });
        const done = collect(child);
        let killed = false;
        for (let i = 0; i < 2000 && !killed; i++) {
            if (s3.stored.slice(from).filter((o) => o.key.startsWith("restic/data/")).length >= 2) {
                const pid = descendants(child.pid!).find((p) => processName(p) === "restic");
                if (pid) {
                    process.kill(pid, "SIGKILL");
                    killed = true;
                }
            }
            await sleep(20);
        }
        const r = await done;
        expect(killed).toBe(true);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("iiotmon-backup: FAILED: restic backup failed");
        expect(dataKeys().length).toBeGreaterThan(packsBefore); // packs of the killed run are in the bucket...
        expect(await snapshots()).toEqual(good); // ...but no snapshot refers to them, and every earlier one is there
        expect(metric("iiotmon_backup_last_run_success")).toBe(0);
        expect(metric("iiotmon_backup_last_success_timestamp_seconds")).toBeGreaterThan(0);
        expect(fs.readdirSync(path.join(promData, "snapshots"))).toEqual([]);

        const next = await backup({ RESTIC_PACK_SIZE: "4" });
        expect(await snapshots()).toEqual([...good, expect.stringMatching(new RegExp(`^${next.id}`))]);
        expect(metric("iiotmon_backup_last_run_success")).toBe(1);
        expect(await restic("check")).toContain("no errors were found");
    });

    it("retention forgets snapshots older than backupRetentionDays and prunes only data no kept snapshot uses", async () => {
        // An old snapshot of data no other snapshot has (restic's --time dates it 40 days back).
        const oldDir = path.join(root, "old-only");
        fs.mkdirSync(oldDir);
        fs.writeFileSync(path.join(oldDir, "only-here"), Buffer.alloc(3 * MiB, 7).map((_, i) => (i * 2654435761) >>> 24));
        const old = new Date(Date.now() - 40 * 86400_000).toISOString().replace("T", " ").slice(0, 19);
        await restic("backup", "--host", "iiotmon", "--time", old, oldDir);
        const kept = await snapshots();
        const oldId = (JSON.parse(await restic("snapshots", "--json", "--path", oldDir)) as { id: string }[])[0].id;
        expect(kept).toContain(oldId);
        const packsWithOld = dataKeys().length;

        const r = await backup({ BACKUP_RETENTION_DAYS: "30" });
        const now = await snapshots();
        expect(now).not.toContain(oldId);
        expect(now.filter((id) => id !== oldId && !id.startsWith(r.id))).toEqual(kept.filter((id) => id !== oldId));
        expect(dataKeys().length).toBeLessThan(packsWithOld);
        // Every kept snapshot still has all its data: restic reads back every pack.
        expect(await restic("check", "--read-data")).toContain("no errors were found");
    });

    it("fails loudly when S3 is unreachable, keeping the last good backup", async () => {
        const before = s3.keys();
        const r = await script("host-backup.sh", [], { RESTIC_REPOSITORY: `s3:https://127.0.0.1:1/${BUCKET}/restic` });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("iiotmon-backup: FAILED: restic init failed");
        expect(s3.keys()).toEqual(before);
        expect(metric("iiotmon_backup_last_run_success")).toBe(0);
        expect(metric("iiotmon_backup_last_success_timestamp_seconds")).toBeGreaterThan(0);
    });

    it("fails loudly when the database dump fails, keeping the last good backup", async () => {
        const before = await snapshots();
        const r = await script("host-backup.sh", [], { PGPORT: "1" });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("iiotmon-backup: FAILED: pg_dumpall of roles failed");
        expect(await snapshots()).toEqual(before);
    });

    describe("restore of the newest backup into a fresh PostgreSQL and Prometheus data directory", () => {
        const freshData = path.join(root, "restored-prometheus");
        let out = "";

        beforeAll(async () => {
            fresh.start();
            const r = await script("host-restore.sh", ["latest"], { PGHOST: fresh.dir, PGPORT: String(fresh.port), IIOTMON_PROMETHEUS_DATA: freshData });
            expect([r.status, r.stderr]).toEqual([0, ""]);
            out = r.stdout;
        });

        it("checks the repository and what it restored: every block with its series, every table's rows", () => {
            expect(out).toMatch(/iiotmon-restore: checking the repository/);
            expect(out).toMatch(new RegExp(`iiotmon-restore: Prometheus: ${backfilled.length + added.length + 1} blocks, [1-9]\\d* series \\(summed over blocks\\), [1-9]\\d* samples, as backed up`));
            expect(out).toMatch(/iiotmon-restore: iiotmon: [1-9]\d* tables, [1-9]\d* rows, as in the dump/);
            expect(out).toMatch(/iiotmon-restore: grafana: 4 tables, \d+ rows, as in the dump/);
            expect(out).toMatch(/iiotmon-restore: done from snapshot latest/);
        });

        it("brings back the same rows: the fleet record and Grafana's state", () => {
            for (const [db, sql] of [
                ["iiotmon", "SELECT name, address, fleet.devices.site, kind FROM fleet.devices JOIN fleet.events ON device = name ORDER BY name"],
                ["grafana", "SELECT uid, title, data::text FROM dashboard ORDER BY uid"],
                ["grafana", 'SELECT login, email, is_admin FROM "user" ORDER BY login'],
                ["grafana", "SELECT count(*), md5(string_agg(body, '' ORDER BY id)) FROM annotation_archive_2"],
            ]) {
                const original = pg.psql(db, sql);
                expect(original.length).toBeGreaterThan(10);
                expect(fresh.psql(db, sql)).toBe(original);
            }
            expect(fresh.psql("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'grafana_reader'")).toBe("1");
        });

        it("brings back the same series and samples, from the backfilled blocks and the head", async () => {
            const config = path.join(root, "restored.yml");
            fs.writeFileSync(config, "global: {scrape_interval: 15s}\nscrape_configs: []\n");
            restored = new PrometheusProcess(config, freshData, 19092);
            await restored.start();
            const queries = [
                "count(last_over_time(demo_value[4d]))",
                "sum(count_over_time(demo_value[4d]))",
                "sum(sum_over_time(demo_value[4d]))",
                'count({job="demo"})',
                'group by (__name__) ({__name__=~"demo_.+"})',
                "count_over_time(demo_requests_total[5m])",
                "sum(demo_requests_total)",
            ];
            for (const q of queries) {
                const at = `&time=${lastBackupAt}`;
                const get = async (p: PrometheusProcess) => {
                    const body = (await (await fetch(`${p.url}/api/v1/query?query=${encodeURIComponent(q)}${at}`)).json()) as { data: { result: unknown[] } };
                    if (!body.data?.result) throw new Error(`${q} at ${lastBackupAt}: ${JSON.stringify(body)}`);
                    return body.data.result;
                };
                const original = await get(prom);
                expect([q, original.length > 0]).toEqual([q, true]);
                expect([q, await get(restored)]).toEqual([q, original]);
            }
            // The 4-day window covers every backfilled sample: 200 series, 4 blocks of 480 samples each.
            expect(Number(((await restored.query("sum(count_over_time(demo_value[4d]))")) as { value: [number, string] }[])[0].value[1])).toBeGreaterThanOrEqual(200 * 480 * 4);
        });

        it("restores a named backup: the first one, without the block added after it", async () => {
            await restored.stop();
            const named = path.join(root, "named-prometheus");
            const r = await script("host-restore.sh", [snapshotIds[0]], { PGHOST: fresh.dir, PGPORT: String(fresh.port), IIOTMON_PROMETHEUS_DATA: named });
            expect([r.status, r.stderr]).toEqual([0, ""]);
            const blocks = fs.readdirSync(named).filter((d) => /^[0-9A-Z]{26}$/.test(d));
            expect(blocks).toEqual(expect.arrayContaining(backfilled));
            expect(blocks).not.toContain(added[0]);
            expect(fresh.psql("grafana", "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'annotation_archive%'")).toBe("0");
        });
    });
});

/** Every process below `pid`, from /proc (children files list each task's children). */
function descendants(pid: number): number[] {
    const out: number[] = [];
    const walk = (p: number) => {
        if (!isAlive(p)) return;
        let children: number[] = [];
        try {
            children = fs.readdirSync(`/proc/${p}/task`).flatMap((t) => fs.readFileSync(`/proc/${p}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
        } catch {
            return;
        }
        for (const c of children) {
            out.push(c);
            walk(c);
        }
    };
    walk(pid);
    return out;
}

function processName(pid: number): string {
    try {
        return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
        return "";
    }
}
