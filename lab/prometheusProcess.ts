import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isAlive, sleep } from "./exec";

export interface PrometheusProcessOptions {
    /** Agent mode (a site collector): `--enable-feature=agent`, the WAL in dataDir. */
    readonly agent?: boolean;
    /** More flags, e.g. `--web.enable-remote-write-receiver`. */
    readonly extraArgs?: readonly string[];
}

/** Debian's Prometheus, started for a test or a benchmark, on loopback, ended by its PID. */
export class PrometheusProcess {
    pid?: number;

    constructor(
        readonly configFile: string,
        readonly dataDir: string,
        readonly port: number,
        readonly options: PrometheusProcessOptions = {},
    ) {}

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        fs.mkdirSync(this.dataDir, { recursive: true });
        const log = fs.openSync(path.join(this.dataDir, "prometheus.log"), "a");
        const child = spawn(
            "/usr/bin/prometheus",
            [
                `--config.file=${this.configFile}`,
                ...(this.options.agent ? ["--enable-feature=agent", `--storage.agent.path=${this.dataDir}`] : [`--storage.tsdb.path=${this.dataDir}`, "--web.enable-admin-api"]),
                `--web.listen-address=127.0.0.1:${this.port}`,
                "--web.enable-lifecycle",
                ...(this.options.extraArgs ?? []),
            ],
            { detached: true, stdio: ["ignore", log, log] },
        );
        fs.closeSync(log);
        this.pid = child.pid;
        child.unref();
        for (let i = 0; i < 100; i++) {
            try {
                if ((await fetch(`${this.url}/-/ready`)).ok) return;
            } catch {
                // not listening yet
            }
            await sleep(200);
        }
        throw new Error(`prometheus did not become ready; log: ${fs.readFileSync(path.join(this.dataDir, "prometheus.log"), "utf8").slice(-2000)}`);
    }

    async query<T = { metric: Record<string, string>; value: [number, string] }[]>(expr: string): Promise<T> {
        const r = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await r.json()) as { status: string; data: { result: T }; error?: string };
        if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
        return body.data.result;
    }

    async activeTargets(): Promise<{ labels: Record<string, string>; health: string; lastError: string; scrapePool: string }[]> {
        const r = await fetch(`${this.url}/api/v1/targets?state=active`);
        return ((await r.json()) as { data: { activeTargets: never[] } }).data.activeTargets;
    }

    alive(): boolean {
        return isAlive(this.pid);
    }

    async stop(): Promise<void> {
        if (!this.pid || !this.alive()) return;
        process.kill(this.pid, "SIGTERM");
        for (let i = 0; i < 100 && this.alive(); i++) await sleep(100);
        if (this.alive()) process.kill(this.pid, "SIGKILL");
    }
}
