import { spawnSync, SpawnSyncOptions } from "child_process";

/** Runs a command and returns stdout; throws with the command and its stderr when it fails. */
export function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions & { allowFail?: boolean } = {}): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
    if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
    if (r.status !== 0 && !opts.allowFail) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${String(r.stderr ?? "").trim()}`);
    }
    return String(r.stdout ?? "");
}

/** Like run, but returns whether it worked instead of throwing. */
export function tryRun(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): boolean {
    const r = spawnSync(cmd, args, { stdio: "ignore", ...opts });
    return r.status === 0;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process we started still runs (signal 0 checks without touching it). */
export function isAlive(pid: number | undefined): boolean {
    if (!pid) return false;
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}
