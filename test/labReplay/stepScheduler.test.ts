import { ENGINE_DEFAULT_PARALLEL, StepScheduler } from "../../lab/replay";
import * as os from "os";

/** A step that finishes when the test says so, to observe what runs at the same time. */
function gate() {
    let open!: (ok: boolean) => void;
    const done = new Promise<boolean>((resolve) => (open = resolve));
    return { done, open };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("the lab's step scheduler follows the engine's step executor", () => {
    it("defaults to pulumi up's --parallel: 4 x the CPUs (up.go:73)", () => {
        expect(ENGINE_DEFAULT_PARALLEL).toBe(4 * os.availableParallelism());
    });

    it("never runs more steps at once than --parallel", async () => {
        const s = new StepScheduler(3, false);
        const gates = Array.from({ length: 10 }, gate);
        const started: number[] = [];
        const all = gates.map((g, i) => s.step(`r${i}`, () => (started.push(i), g.done)));
        await tick();
        expect(started).toEqual([0, 1, 2]);
        gates[1].open(true);
        await tick();
        await tick();
        expect(started).toEqual([0, 1, 2, 3]);
        for (const g of gates) g.open(true);
        expect(await Promise.all(all)).toEqual(Array(10).fill(true));
        expect(started).toHaveLength(10);
    });

    it("starts no new step after the first failure; running ones finish", async () => {
        const s = new StepScheduler(2, false);
        const gates = Array.from({ length: 5 }, gate);
        const all = gates.map((g, i) => s.step(`r${i}`, () => g.done));
        await tick();
        gates[0].open(false);
        await tick();
        gates[1].open(true);
        expect(await Promise.all(all)).toEqual([false, true, undefined, undefined, undefined]);
        expect(s.notStarted).toEqual(["r2", "r3", "r4"]);
    });

    it("runs everything with continueOnError, reporting each failure", async () => {
        const s = new StepScheduler(2, true);
        const results = await Promise.all([0, 1, 2, 3].map((i) => s.step(`r${i}`, async () => i !== 0)));
        expect(results).toEqual([false, true, true, true]);
        expect(s.notStarted).toEqual([]);
    });
});
