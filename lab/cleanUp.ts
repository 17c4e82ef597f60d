import * as fs from "fs";

/**
 * Runs every clean-up step even when an earlier one throws (a server that never started, a device
 * whose start failed half-way), then throws what failed. A suite's teardown is a list of these steps,
 * so one failure in `beforeAll` or in a step cannot leave the rest of the lab running.
 */
export async function cleanUp(...steps: (() => unknown)[]): Promise<void> {
    const failures: string[] = [];
    for (const step of steps) {
        try {
            await step();
        } catch (e) {
            failures.push((e as Error).message);
        }
    }
    if (failures.length) throw new Error(`clean-up: ${failures.length} step(s) failed:\n  ${failures.join("\n  ")}`);
}

/** The clean-up steps of a suite that used labs and a mirror: each lab's devices and state, the mirror, its own directories. */
export function labCleanUpSteps(labs: readonly { stopAll(): Promise<void>; readonly stateDir: string }[], mirror: { stop(): Promise<void> }, ...dirs: string[]): (() => unknown)[] {
    return [
        ...labs.flatMap((l) => [() => l.stopAll(), () => fs.rmSync(l.stateDir, { recursive: true, force: true })]),
        () => mirror.stop(),
        ...dirs.map((d) => () => fs.rmSync(d, { recursive: true, force: true })),
    ];
}
