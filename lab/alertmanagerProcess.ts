import { spawn } from "child_process";
import * as fs from "fs";
import { isAlive, sleep } from "./exec";

/**
 * Debian's Alertmanager on loopback, alone (no cluster peers), as the monitoring host runs it: started
 * with a configuration file, ready when /-/ready answers, ended by its PID.
 */
export class AlertmanagerProcess {
    pid?: number;

    constructor(
        readonly configFile: string,
        readonly dataDir: string,
        readonly port: number,
        readonly logFile: string,
        /** Extra environment, e.g. ZONEINFO for a zone database of the test's own. */
        readonly env: Readonly<Record<string, string>> = {},
    ) {}

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        const log = fs.openSync(this.logFile, "w");
        const child = spawn(
            "/usr/bin/prometheus-alertmanager",
            [`--config.file=${this.configFile}`, `--storage.path=${this.dataDir}`, `--web.listen-address=127.0.0.1:${this.port}`, "--cluster.listen-address="],
            { detached: true, stdio: ["ignore", log, log], env: { ...process.env, ...this.env } },
        );
        fs.closeSync(log);
        child.unref();
        this.pid = child.pid;
        for (let i = 0; i < 100; i++) {
            try {
                if ((await fetch(`${this.url}/-/ready`)).ok) return;
            } catch {
                // starting
            }
            await sleep(200);
        }
        throw new Error(`Alertmanager on port ${this.port} did not get ready; log: ${fs.readFileSync(this.logFile, "utf8").slice(-1500)}`);
    }

    /** Sends alerts as Prometheus does (POST /api/v2/alerts); returns the HTTP status. */
    async post(alerts: { labels: Record<string, string>; startsAt: string }[]): Promise<number> {
        const r = await fetch(`${this.url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
        return r.status;
    }

    async stop(): Promise<void> {
        if (!this.pid || !isAlive(this.pid)) return;
        process.kill(this.pid, "SIGTERM");
        for (let i = 0; i < 100 && isAlive(this.pid); i++) await sleep(100);
    }
}
