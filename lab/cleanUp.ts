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
