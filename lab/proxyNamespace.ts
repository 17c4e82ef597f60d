import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import { run, sleep, tryRun } from "./exec";

/**
 * A network namespace standing in for the monitoring host, for the reverse proxy's tests: a veth pair to
 * the root namespace (the "internet" side) on its own /30, and the namespace's own loopback, where the
 * stand-in Grafana listens as the real one listens on the host's loopback.
 */
export class ProxyNamespace {
    readonly outsideIp: string;
    readonly insideIp: string;
    private readonly processes: ChildProcess[] = [];
    private readonly hostVeth: string;

    constructor(readonly name: string, subnet: string /* e.g. 10.216.16 */) {
        this.outsideIp = `${subnet}.1`;
        this.insideIp = `${subnet}.2`;
        this.hostVeth = `${name.slice(0, 11)}h`;
    }

    create(): void {
        this.remove();
        const peer = `${this.name.slice(0, 11)}p`;
        run("ip", ["netns", "add", this.name]);
        run("ip", ["link", "add", this.hostVeth, "type", "veth", "peer", "name", peer]);
        run("ip", ["link", "set", peer, "netns", this.name]);
        run("ip", ["addr", "add", `${this.outsideIp}/30`, "dev", this.hostVeth]);
        run("ip", ["link", "set", this.hostVeth, "up"]);
        run("ip", ["-n", this.name, "addr", "add", `${this.insideIp}/30`, "dev", peer]);
        run("ip", ["-n", this.name, "link", "set", peer, "up"]);
        run("ip", ["-n", this.name, "link", "set", "lo", "up"]);
    }

    /** Starts a long-running program inside the namespace; it is stopped by PID in remove(). */
    start(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; log: string; cwd?: string }): ChildProcess {
        const out = fs.openSync(opts.log, "a");
        // `ip netns exec` execs the program, so the PID we hold is the program's own.
        const child = spawn("ip", ["netns", "exec", this.name, cmd, ...args], { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["ignore", out, out], detached: true });
        fs.closeSync(out);
        this.processes.push(child);
        return child;
    }

    /** Runs a short command inside the namespace. */
    exec(cmd: string, args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
        const r = spawnSync("ip", ["netns", "exec", this.name, cmd, ...args], { encoding: "utf8", input, timeout: 60_000 });
        return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    }

    /** Waits until a check passes (polling every 200 ms), or throws with what the log says. */
    async waitFor(what: string, check: () => boolean, log: string, tries = 150): Promise<void> {
        for (let i = 0; i < tries; i++) {
            if (check()) return;
            await sleep(200);
        }
        throw new Error(`${what} did not come up; log:\n${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-4000) : "(none)"}`);
    }

    async remove(): Promise<void> {
        for (const p of this.processes.splice(0)) {
            if (p.pid && p.exitCode === null) {
                p.kill("SIGTERM");
                await new Promise((r) => setTimeout(r, 50));
                for (let i = 0; i < 50 && p.exitCode === null && p.signalCode === null; i++) await sleep(100);
                if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
            }
        }
        if (fs.existsSync(`/run/netns/${this.name}`)) run("ip", ["netns", "del", this.name], { allowFail: true });
        if (tryRun("ip", ["link", "show", this.hostVeth])) run("ip", ["link", "del", this.hostVeth], { allowFail: true });
    }
}
