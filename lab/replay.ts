import * as os from "os";
import { Connection, sshCopy, sshRunDialing, SshResult } from "./sshExec";
import { DeviceOperation } from "./capture";
import { InstallResult, parseInstallResult } from "../infra/device";

/** What one device resource went through in an apply. */
export interface ReplayOutcome {
    readonly resourceName: string;
    readonly action: "create" | "update" | "replace" | "delete" | "unchanged";
    readonly ok: boolean;
    /** What the installer or uninstaller reported on its IIOTMON_RESULT line, if it printed one. */
    readonly result?: InstallResult;
    /** What went wrong, naming the resource and the device. */
    readonly error?: string;
    readonly seconds: number;
    readonly output: string;
    /** How many times the connection was dialled (the provider's retry schedule). */
    readonly dials?: number;
}

/** The applied resources by name: what `pulumi up` keeps in its state. */
export type ReplayState = Record<string, DeviceOperation>;

const DIFFED = ["create", "update", "delete", "stdin", "connection", "triggers", "environment", "source", "remotePath"];

function same(a: DeviceOperation, b: DeviceOperation, keys: readonly string[]): boolean {
    return keys.every((k) => JSON.stringify(a.inputs[k] ?? null) === JSON.stringify(b.inputs[k] ?? null));
}

function describe(op: DeviceOperation, what: string, r: SshResult): string {
    const host = (op.inputs.connection as Connection).host;
    const why = r.code === 255 ? `ssh to ${host} failed: ${r.stderr.trim() || "no answer"}` : `exited ${r.code}: ${(r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join(" | ")}`;
    return `${op.resourceName}: ${what} ${why}`;
}

async function runCommand(op: DeviceOperation, which: "create" | "update" | "delete", opts: ReplayOptions): Promise<{ r: SshResult & { dials?: number }; ok: boolean }> {
    const cmd = (which === "update" ? (op.inputs.update ?? op.inputs.create) : op.inputs[which]) as string | undefined;
    if (!cmd) return { r: { code: 0, stdout: "", stderr: "", seconds: 0 }, ok: true };
    const r = await sshRunDialing(op.inputs.connection as Connection, cmd, op.inputs.stdin as string | undefined, {
        onLine: (l) => opts.log?.(`${op.resourceName}: ${l}`),
        killWhen: opts.killWhen,
    });
    return { r, ok: r.code === 0 };
}

async function runCopy(op: DeviceOperation): Promise<{ r: SshResult; ok: boolean }> {
    const source = op.inputs.source as { path?: string };
    if (!source?.path) throw new Error(`${op.resourceName}: only file assets are replayed`);
    const r = await sshCopy(op.inputs.connection as Connection, source.path, op.inputs.remotePath as string);
    return { r, ok: r.code === 0 };
}

export interface ReplayOptions {
    readonly log?: (line: string) => void;
    /** Cuts the SSH connection when a line matches (to test interrupted installs). */
    readonly killWhen?: (line: string) => boolean;
    /** Steps running at once, as `pulumi up --parallel`. Defaults to the engine's default, ENGINE_DEFAULT_PARALLEL. */
    readonly parallel?: number;
    /** As `pulumi up --continue-on-error`. Defaults to false: the first failure stops new steps from starting. */
    readonly continueOnError?: boolean;
}

/**
 * `pulumi up`'s default `--parallel`: pulumi/pulumi v3.248.0, pkg/cmd/pulumi/operations/up.go:73
 * `osDefaultParallel := int32(runtime.GOMAXPROCS(0)) * 4` (unless PULUMI_PARALLEL is set); GOMAXPROCS
 * defaults to the CPUs the process may use.
 */
export const ENGINE_DEFAULT_PARALLEL = 4 * os.availableParallelism();

/**
 * The engine's step executor, for the lab (pulumi/pulumi v3.248.0, pkg/resource/deploy/step_executor.go):
 * `DegreeOfParallelism()` workers (757-764) take steps one at a time; a chain checks `se.ctx.Done()` before
 * each step (399-404), so after a cancel no new step starts while running ones finish; the first failed
 * step cancels (`cancelDueToError`, 432-458: `} else if continueOnError { step.Fail() ... } else {
 * se.cancel() }`). With continueOnError the failure is recorded and the rest goes on; steps that depend
 * on the failed one are skipped (deployment_executor.go:614-624), here the rest of the device's chain.
 */
export class StepScheduler {
    private running = 0;
    private readonly waiting: (() => void)[] = [];
    private cancelled = false;
    /** Resources whose steps never started because an earlier failure cancelled the update. */
    readonly notStarted: string[] = [];

    constructor(
        private readonly parallel: number,
        private readonly continueOnError: boolean,
    ) {
        if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError(`parallel must be a positive integer, got ${parallel}`);
    }

    /** Runs one step when a worker is free; undefined if the update was cancelled before it could start. */
    async step(resourceName: string, run: () => Promise<boolean>): Promise<boolean | undefined> {
        if (this.running >= this.parallel) await new Promise<void>((resolve) => this.waiting.push(resolve));
        this.running++;
        try {
            if (this.cancelled) {
                this.notStarted.push(resourceName);
                return undefined;
            }
            const ok = await run();
            if (!ok && !this.continueOnError) this.cancelled = true;
            return ok;
        } finally {
            this.running--;
            this.waiting.shift()?.();
        }
    }
}

/**
 * Does to the devices what `pulumi up` would: for each resource, compared with the previous apply,
 * create, update (the update command, or create again), replace (delete before create, as the device
 * resource asks) or delete, with the previous inputs for deletes. Steps run as the engine runs them
 * (StepScheduler: bounded parallelism, the first failure stops new steps unless continueOnError); a
 * device's file copies run before its command, and removed resources are deleted last. Returns the
 * outcomes, the new state and the resources whose steps never started.
 */
export async function replay(
    previous: ReplayState,
    next: readonly DeviceOperation[],
    opts: ReplayOptions = {},
): Promise<{ state: ReplayState; outcomes: ReplayOutcome[]; notStarted: string[] }> {
    const scheduler = new StepScheduler(opts.parallel ?? ENGINE_DEFAULT_PARALLEL, opts.continueOnError ?? false);
    const state: ReplayState = { ...previous };
    const outcomes: ReplayOutcome[] = [];
    const nextByName = new Map(next.map((op) => [op.resourceName, op]));

    const record = (op: DeviceOperation, action: ReplayOutcome["action"], ok: boolean, r: SshResult & { dials?: number }, what: string): boolean => {
        outcomes.push({
            resourceName: op.resourceName,
            action,
            ok,
            result: parseInstallResult(r.stdout),
            error: ok ? undefined : describe(op, what, r),
            seconds: r.seconds,
            output: r.stdout + r.stderr,
            ...(r.dials !== undefined ? { dials: r.dials } : {}),
        });
        return ok;
    };

    const apply = async (op: DeviceOperation): Promise<boolean> => {
        const old = previous[op.resourceName];
        const copy = op.type === "command:remote:CopyToRemote";
        if (old && same(old, op, DIFFED)) {
            outcomes.push({ resourceName: op.resourceName, action: "unchanged", ok: true, seconds: 0, output: "" });
            return true;
        }
        // A copy's update sends the file again only when its content or path changed
        // (pulumi-command v1.2.1 provider/pkg/provider/remote/copyController.go:148).
        const sameFile = (a: DeviceOperation) => JSON.stringify((a.inputs.source as { sha256?: string })?.sha256) === JSON.stringify((op.inputs.source as { sha256?: string })?.sha256);
        if (copy && old && same(old, op, ["triggers", "remotePath"]) && sameFile(old)) {
            state[op.resourceName] = op;
            outcomes.push({ resourceName: op.resourceName, action: "update", ok: true, seconds: 0, output: "" });
            return true;
        }
        if (old && !same(old, op, ["triggers"]) && !copy) {
            const del = await runCommand(old, "delete", opts);
            if (!del.ok) return record(old, "replace", false, del.r, "delete (before replace)");
            delete state[op.resourceName];
        }
        const action: ReplayOutcome["action"] = !old ? "create" : !same(old, op, ["triggers"]) && !copy ? "replace" : "update";
        const done = copy ? await runCopy(op) : await runCommand(op, action === "update" ? "update" : "create", opts);
        if (done.ok) state[op.resourceName] = op;
        return record(op, action, done.ok, done.r, action);
    };

    // Per component (a device's, a site collector's): copies first (the command depends on them), then the command.
    const byDevice = new Map<string, DeviceOperation[]>();
    for (const op of next) byDevice.set(op.chain, [...(byDevice.get(op.chain) ?? []), op]);
    await Promise.all(
        [...byDevice.values()].map(async (ops) => {
            ops.sort((a, b) => (a.type === b.type ? 0 : a.type === "command:remote:CopyToRemote" ? -1 : 1));
            for (const [i, op] of ops.entries()) {
                const ok = await scheduler.step(op.resourceName, () => apply(op));
                if (ok === undefined) scheduler.notStarted.push(...ops.slice(i + 1).map((o) => o.resourceName));
                if (!ok) break;
            }
        }),
    );
    await Promise.all(
        Object.values(previous)
            .filter((op) => !nextByName.has(op.resourceName))
            .map((op) =>
                scheduler.step(op.resourceName, async () => {
                    if (op.type === "command:remote:CopyToRemote") {
                        delete state[op.resourceName];
                        return true;
                    }
                    const del = await runCommand(op, "delete", opts);
                    if (del.ok) delete state[op.resourceName];
                    return record(op, "delete", del.ok, del.r, "delete");
                }),
            ),
    );
    return { state, outcomes, notStarted: scheduler.notStarted };
}
