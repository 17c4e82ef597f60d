import { spawn } from "child_process";
import * as fs from "fs";
import { isAlive, sleep } from "./exec";

/**
 * One of Debian's exporters (prometheus-blackbox-exporter, prometheus-snmp-exporter) on loopback, as the
 * monitoring host runs them in containers: started with a configuration file, reloaded by POST /-/reload,
 * ended by its PID.
 */
export class ExporterProcess {
    pid?: number;

    constructor(
        readonly binary: "/usr/bin/prometheus-blackbox-exporter" | "/usr/bin/prometheus-snmp-exporter",
        readonly configFile: string,
        readonly port: number,
        readonly logFile: string,
    ) {}

    get address(): string {
        return `127.0.0.1:${this.port}`;
    }

    async start(): Promise<void> {
        const log = fs.openSync(this.logFile, "a");
        const child = spawn(this.binary, [`--config.file=${this.configFile}`, `--web.listen-address=${this.address}`], { detached: true, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        child.unref();
        this.pid = child.pid;
        for (let i = 0; i < 100; i++) {
            try {
                if ((await fetch(`http://${this.address}/metrics`)).ok) return;
            } catch {
                // not listening yet
            }
            await sleep(100);
        }
        throw new Error(`${this.binary} did not start; log: ${fs.readFileSync(this.logFile, "utf8").slice(-1500)}`);
    }

    /** What the host's apply script does when the configuration changed. */
    async reload(): Promise<void> {
        const r = await fetch(`http://${this.address}/-/reload`, { method: "POST" });
        if (!r.ok) throw new Error(`reload of ${this.binary} failed: ${r.status} ${await r.text()}`);
    }

    async stop(): Promise<void> {
        if (!this.pid || !isAlive(this.pid)) return;
        process.kill(this.pid, "SIGTERM");
        for (let i = 0; i < 50 && isAlive(this.pid); i++) await sleep(100);
        if (isAlive(this.pid)) process.kill(this.pid, "SIGKILL");
    }
}
