import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { fleetSyncSql } from "../../infra/render/fleetRecordSql";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/nodeExporterChecksums";
import { sleep } from "../../lab/exec";
import { PostgresServer } from "../../lab/postgresServer";
import { PrometheusProcess } from "../../lab/prometheusProcess";
import { ROOT } from "../helpers/pulumiMocks";
import { device, HEAD } from "../fleet/malformedCases";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

/**
 * The host's backup and restore scripts, for real: a PostgreSQL with the fleet record and Grafana-like
 * tables, Debian's Prometheus with scraped data, an S3-compatible server (s3rver) on loopback. Then a
 * restore into a fresh PostgreSQL and a fresh Prometheus data directory: the same rows, series and samples.
 */
jest.setTimeout(300_000);

const BUCKET = "iiotmon-backups";
const S3_PORT = 14568;

describe("backup and restore", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "backup-root-"));
    const s3dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
    const pg = new PostgresServer(15433);
    const fresh = new PostgresServer(15434);
    let s3: { run(): Promise<unknown>; close(): Promise<unknown> };
    let exporter: http.Server;
    let prom: PrometheusProcess;
    let restored: PrometheusProcess;
    let firstBackupAt = 0;

    const env = (over: Record<string, string> = {}) => ({
        ...process.env,
        BUCKET,
        REGION: "us-east-1",
        IIOTMON_ROOT: root,
        IIOTMON_PG_LOCAL: "1",
        PGHOST: pg.dir,
        PGPORT: String(pg.port),
        PROMETHEUS_URL: prom.url,
        IIOTMON_TEXTFILE_DIR: path.join(root, "textfile"),
        IIOTMON_S3_ENDPOINT: `http://127.0.0.1:${S3_PORT}`,
        IIOTMON_S3_ACCESS_KEY: "S3RVER",
        IIOTMON_S3_SECRET_KEY: "S3RVER",
        ...over,
    });
    /** Runs a host script; asynchronously, since the S3 server answers from this same process. */
    const script = (name: string, args: string[], over: Record<string, string> = {}) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn("sh", [path.join(ROOT, "provisioners", name), ...args], { env: env(over) });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d));
            child.stderr.on("data", (d: Buffer) => (stderr += d));
            child.on("close", (status) => resolve({ status, stdout, stderr }));
        });
    const objects = () => {
        const out: string[] = [];
        const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : out.push(path.join(d, e.name))));
        walk(path.join(s3dir, BUCKET));
        return out.filter((f) => !f.endsWith("._S3rver_metadata.json") && !f.endsWith("._S3rver_object.md5")).map((f) => path.relative(path.join(s3dir, BUCKET), f).replace(/\._S3rver_object$/, "")).sort();
    };
    const metrics = () => fs.readFileSync(path.join(root, "textfile", "iiotmon_backup.prom"), "utf8");

    beforeAll(async () => {
        s3 = new S3rver({ port: S3_PORT, address: "127.0.0.1", silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
        await s3.run();

        pg.start();
        pg.psql("postgres", "CREATE DATABASE iiotmon");
        pg.psql("postgres", "CREATE DATABASE grafana");
        pg.psql("postgres", "CREATE ROLE grafana_reader LOGIN");
        const fleet = parseFleet(HEAD + device("a", "10.0.0.1") + device("b", "10.0.0.2"), { file: "e", checksums: loadChecksums() }).fleet!;
        pg.psql("iiotmon", fleetSyncSql(fleet.devices));
        pg.psql("grafana", `CREATE TABLE dashboard (id serial PRIMARY KEY, uid text UNIQUE, title text, data jsonb);
            CREATE TABLE "user" (id serial PRIMARY KEY, login text, email text, is_admin boolean);
            INSERT INTO dashboard (uid, title, data) VALUES ('iiotmon-fleet', 'Fleet overview', '{"panels": 8}'), ('custom', 'Night shift', '{"panels": 2}');
            INSERT INTO "user" (login, email, is_admin) VALUES ('admin', 'admin@example.com', true), ('operator', 'ops@example.com', false);`);

        let n = 0;
        exporter = http.createServer((_req, res) => {
            n++;
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(`# TYPE demo_requests_total counter\ndemo_requests_total{path="/a"} ${n * 3}\ndemo_requests_total{path="/b"} ${n * 5}\n# TYPE demo_temperature_celsius gauge\ndemo_temperature_celsius ${40 + (n % 7)}\n`);
        });
        await new Promise<void>((r) => exporter.listen(19200, "127.0.0.1", () => r()));
        const config = path.join(root, "prometheus.yml");
        fs.writeFileSync(config, "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: demo\n    static_configs: [{targets: ['127.0.0.1:19200']}]\n");
        prom = new PrometheusProcess(config, path.join(root, "data", "prometheus"), 19091);
        await prom.start();
        // Prometheus applies new targets after a few seconds; wait until several scrapes are stored.
        for (let i = 0; i < 60; i++) {
            const r = await prom.query('count_over_time(up{job="demo"}[1m])');
            if (Number(r[0]?.value[1] ?? 0) >= 5) break;
            await sleep(500);
        }
    });

    afterAll(async () => {
        await prom?.stop();
        await restored?.stop();
        exporter?.close();
        pg.stop();
        fresh.stop();
        await s3?.close();
        for (const d of [root, s3dir]) fs.rmSync(d, { recursive: true, force: true });
    });

    it("uploads a dated backup with a manifest and records its success for node_exporter", async () => {
        firstBackupAt = Math.floor(Date.now() / 1000) - 1;
        const r = await script("host-backup.sh", []);
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toMatch(/iiotmon-backup: done, \d+ bytes in \d+ s: s3:\/\/iiotmon-backups\/backups\/\d{4}\/\d\d\/\d\d\/\d{6}Z\//);
        const keys = objects();
        expect(keys.map((k) => k.replace(/^backups\/\d{4}\/\d\d\/\d\d\/\d{6}Z\//, ""))).toEqual([
            "globals.sql.gz", "manifest.json", "prometheus-snapshot.tar.gz", "timescaledb-grafana.dump", "timescaledb-iiotmon.dump",
        ]);
        expect(metrics()).toMatch(/^iiotmon_backup_last_run_success 1$/m);
        expect(metrics()).toMatch(/^iiotmon_backup_last_success_bytes [1-9]\d+$/m);
        expect(fs.existsSync(path.join(root, "backups", "last", "manifest.json"))).toBe(true);
        expect(fs.readdirSync(path.join(root, "data", "prometheus", "snapshots"))).toEqual([]);
    });

    it("fails loudly when S3 is unreachable, keeping the last good backup", async () => {
        const before = objects();
        const r = await script("host-backup.sh", [], { IIOTMON_S3_ENDPOINT: "http://127.0.0.1:1" });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("iiotmon-backup: FAILED: upload of globals.sql.gz failed");
        expect(objects()).toEqual(before);
        expect(metrics()).toMatch(/^iiotmon_backup_last_run_success 0$/m);
        expect(metrics()).toMatch(/^iiotmon_backup_last_success_timestamp_seconds \d+$/m);
        expect(fs.existsSync(path.join(root, "backups", "last", "manifest.json"))).toBe(true);
    });

    it("fails loudly when the database dump fails, keeping the last good backup", async () => {
        const before = objects();
        const r = await script("host-backup.sh", [], { PGPORT: "1" });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("iiotmon-backup: FAILED: pg_dumpall of roles failed");
        expect(objects()).toEqual(before);
    });

    describe("restore of the newest backup into a fresh PostgreSQL and Prometheus data directory", () => {
        const freshData = path.join(root, "restored-prometheus");

        beforeAll(async () => {
            fresh.start();
            const r = await script("host-restore.sh", ["latest"], { PGHOST: fresh.dir, PGPORT: String(fresh.port), IIOTMON_PROMETHEUS_DATA: freshData });
            expect([r.status, r.stderr]).toEqual([0, ""]);
            expect(r.stdout).toMatch(/iiotmon-restore: done from backups\//);
        });

        it("brings back the same rows: the fleet record and Grafana's state", () => {
            for (const [db, sql] of [
                ["iiotmon", "SELECT name, address, fleet.devices.site, kind FROM fleet.devices JOIN fleet.events ON device = name ORDER BY name"],
                ["grafana", "SELECT uid, title, data::text FROM dashboard ORDER BY uid"],
                ["grafana", 'SELECT login, email, is_admin FROM "user" ORDER BY login'],
            ]) {
                const original = pg.psql(db, sql);
                expect(original.length).toBeGreaterThan(10);
                expect(fresh.psql(db, sql)).toBe(original);
            }
            expect(fresh.psql("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'grafana_reader'")).toBe("1");
        });

        it("brings back the same series and samples", async () => {
            const config = path.join(root, "restored.yml");
            fs.writeFileSync(config, "global: {scrape_interval: 15s}\nscrape_configs: []\n");
            restored = new PrometheusProcess(config, freshData, 19092);
            await restored.start();
            const queries = ['count({job="demo"})', 'group by (__name__) ({__name__=~"demo_.+"})', 'count_over_time(demo_requests_total[5m])', "sum(demo_requests_total)", "count_over_time(demo_temperature_celsius[5m])"];
            for (const q of queries) {
                const at = `&time=${firstBackupAt}`;
                const get = async (p: PrometheusProcess) => {
                    const body = (await (await fetch(`${p.url}/api/v1/query?query=${encodeURIComponent(q)}${at}`)).json()) as { data: { result: unknown[] } };
                    if (!body.data?.result) throw new Error(`${q} at ${firstBackupAt}: ${JSON.stringify(body)}`);
                    return body.data.result;
                };
                const original = await get(prom);
                expect([q, original.length > 0]).toEqual([q, true]);
                expect(await get(restored)).toEqual(original);
            }
        });
    });
});
