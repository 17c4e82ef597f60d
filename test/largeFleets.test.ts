import { LARGE_FLEET_DEVICES, limitStackTracesForLargeFleets } from "../infra/program/largeFleets";

describe("large fleets", () => {
    const saved = Error.stackTraceLimit;
    afterEach(() => (Error.stackTraceLimit = saved));

    it("keep stack traces below the threshold", () => {
        expect(limitStackTracesForLargeFleets(LARGE_FLEET_DEVICES - 1, {})).toBe(false);
        expect(Error.stackTraceLimit).toBe(saved);
    });

    it("run without them from the threshold on, unless asked to keep them", () => {
        expect(limitStackTracesForLargeFleets(LARGE_FLEET_DEVICES, { IIOTMON_KEEP_STACK_TRACES: "1" })).toBe(false);
        expect(Error.stackTraceLimit).toBe(saved);
        expect(limitStackTracesForLargeFleets(10_000, {})).toBe(true);
        expect(new Error("x").stack).toBe("Error: x");
    });
});
