import * as pulumi from "@pulumi/pulumi";
import { rpcKeepAlive } from "@pulumi/pulumi/runtime/settings";

/**
 * Devices declared per turn of the event loop. Measured under mocks, the devices alone: 2,000 devices
 * in one go, 1,580 MB peak; 100 per turn, 822 MB; 25 per turn, 695 MB; 10,000 devices, 25 per turn,
 * 1,743 MB; 10 per turn, 1,614 MB (docs/explanation/benchmarks.md has the whole program's).
 */
export const DEVICES_PER_TURN = 10;

/**
 * Runs `declare` for each item, `perTurn` items per turn of the event loop, and returns what each
 * returned, at once (as Outputs that resolve when their item is declared). Why: every resource the SDK
 * registers holds about 60 KB of promises and closures until the engine answers it; declared in one
 * synchronous loop, 50,000 of them are all pending at once (7 GB at 10,000 devices). Between turns the
 * SDK sends what was declared and frees what was answered. The same resources, names, parents, inputs
 * and dependencies; only the order of registration differs (later devices come after the rest of the
 * stack), which the engine does not go by: it orders steps by dependencies.
 *
 * The first batch is declared before returning. Later ones run from the event loop: the runtime is kept
 * waiting for them (rpcKeepAlive, as for any pending registration), and a declaration that throws fails
 * the Outputs of its batch, so the program fails with its error.
 */
export function declareInTurns<I, T>(items: readonly I[], perTurn: number, declare: (item: I) => pulumi.Output<T>): pulumi.Output<T>[] {
    const results = items.slice(0, perTurn).map(declare);
    if (items.length <= perTurn) return results;
    const done = rpcKeepAlive();
    let turn = Promise.resolve();
    for (let start = perTurn; start < items.length; start += perTurn) {
        const batch = items.slice(start, start + perTurn);
        const declared = turn.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => batch.map(declare));
        // A failed batch does not stop the later ones: their failures, or their success under
        // --continue-on-error, are the engine's to report.
        turn = declared.then(
            () => undefined,
            () => undefined,
        );
        // output() of a promise of an Output is that Output's value, secrecy, known-ness and resources.
        results.push(...batch.map((_, i) => pulumi.output(declared.then((outputs) => outputs[i])) as pulumi.Output<T>));
    }
    void turn.then(done);
    return results;
}
