import { dialAttempts, dialBudget, DialSettings, retryWaits, worstCaseDialSeconds } from "../../infra/device/dialBudget";

/**
 * The provider's dial loop, transcribed line by line from upstream onto a fake clock, so the budget is
 * checked against what the provider does rather than against our own formula:
 *
 * pulumi/pulumi sdk v3.224.0, sdk/go/common/util/retry/until.go:
 *   40	DefaultDelay    time.Duration = 100 * time.Millisecond
 *   41	DefaultBackoff  float64       = 1.5
 *   42	DefaultMaxDelay time.Duration = 5 * time.Second
 *   90	try := 0
 *   91	for {
 *   92		if delay > maxDelay { delay = maxDelay }
 *   97		b, data, err := acceptor.Accept(try, delay)
 *   98		if b || err != nil { return b, data, err }
 *  104		case <-timeAfter(delay):
 *  110		delay = time.Duration(float64(delay) * backoff)
 *  111		try++
 *
 * pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go:
 *  155	result, userError = f()
 *  156	if userError == nil { return true, result, nil }
 *  159	dials := try + 1
 *  160	if reachedDialingErrorLimit(dials, maxAttempts) { return true, nil, fmt.Errorf("after %d failed attempts: %w", ...
 *  172	return false, nil, nil                  // any other error: wait and dial again
 *  253	return dialErrorLimit > dialErrorUnlimited && dials > dialErrorLimit
 *  104	Timeout: time.Second * time.Duration(*con.PerDialTimeout),   // x/crypto: bounds the TCP connect only
 */
function providerDialLoop(settings: DialSettings, dial: (clock: number) => { ok: boolean; seconds: number }): { dials: number; clock: number; ok: boolean } {
    let delay = 100_000_000; // ns
    let clock = 0;
    let tries = 0;
    for (;;) {
        if (delay > 5_000_000_000) delay = 5_000_000_000;
        const r = dial(clock);
        clock += r.seconds;
        if (r.ok) return { dials: tries + 1, clock, ok: true };
        const dials = tries + 1;
        if (settings.dialErrorLimit > -1 && dials > settings.dialErrorLimit) return { dials, clock, ok: false };
        clock += delay / 1e9;
        delay = Math.trunc(delay * 1.5);
        tries++;
    }
}

/** A silent address: every TCP connect runs into perDialTimeout. */
const silent = (s: DialSettings) => () => ({ ok: false, seconds: s.perDialTimeout });

describe("dial budget, against the provider's real retry loop", () => {
    it("waits 0.1 s, then 1.5 times longer each time, never more than 5 s", () => {
        const w = retryWaits(14);
        expect(w.slice(0, 4)).toEqual([0.1, 0.15, 0.225, 0.3375]);
        expect(w[9]).toBeCloseTo(3.844, 3);
        expect(w.slice(10)).toEqual([5, 5, 5, 5]);
    });

    it.each([5, 10, 20, 60, 120, 300, 600])("gives up on a silent device within %i s, using as many dials as fit", (total) => {
        const s = dialBudget(total);
        const run = providerDialLoop(s, silent(s));
        expect(run.ok).toBe(false);
        expect(run.dials).toBe(dialAttempts(s));
        expect(run.clock).toBeCloseTo(worstCaseDialSeconds(s), 6);
        expect(run.clock).toBeLessThanOrEqual(total);
        // One more tolerated failure would overrun the budget: the budget is used, not wasted.
        const more = { ...s, dialErrorLimit: s.dialErrorLimit + 1 };
        expect(providerDialLoop(more, silent(more)).clock).toBeGreaterThan(total);
        // Always at least one retry: a single lost SYN must not fail a device.
        expect(run.dials).toBeGreaterThanOrEqual(2);
    });

    it("is 5 dials of 10 s with the default of 60 s, 50.8 s in all", () => {
        const s = dialBudget(60);
        expect(s).toEqual({ perDialTimeout: 10, dialErrorLimit: 4 });
        expect(worstCaseDialSeconds(s)).toBeCloseTo(50.8125, 6);
    });

    it("retries every error, including a wrong host key that fails at once, and stops at the limit", () => {
        const s = dialBudget(20);
        const run = providerDialLoop(s, () => ({ ok: false, seconds: 0.01 }));
        expect(run.dials).toBe(s.dialErrorLimit + 1);
    });

    it("succeeds on the dial that answers, after the waits before it", () => {
        const s = dialBudget(60);
        const run = providerDialLoop(s, (clock) => ({ ok: clock > 15, seconds: s.perDialTimeout }));
        expect(run).toEqual({ dials: 2 + 1, clock: 3 * 10 + 0.1 + 0.15, ok: true });
    });

    it("refuses a budget with no room for a retry", () => {
        expect(() => dialBudget(3)).toThrow(/leaves no room for a retry/);
    });
});
