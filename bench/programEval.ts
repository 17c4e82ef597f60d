import { child } from "./compiled";

export interface ProgramRow {
    devices: number;
    runtime: "ts-node" | "compiled";
    fleetBytes: number;
    validateMs: number;
    programMs: number;
    resources: number;
    peakRssMB: number;
}

interface ChildResult {
    devices: number;
    bytes: number;
    validateMs: number;
    programMs: number;
    resources: number;
    peakRssMB: number;
}

/**
 * The program under mocks for generated fleets, each run in its own process: as `pulumi up` runs it
 * (ts-node) and compiled to JavaScript; plus validation alone for every size.
 */
export function benchProgram(sizes: { tsNode: number[]; compiled: number[] }, log: (s: string) => void): ProgramRow[] {
    const rows: ProgramRow[] = [];
    for (const [runtime, list] of [["ts-node", sizes.tsNode], ["compiled", sizes.compiled]] as const) {
        for (const n of list) {
            const r = child<ChildResult>("programChild", ["program", String(n)], runtime === "compiled");
            rows.push({ devices: n, runtime, fleetBytes: r.bytes, validateMs: Math.round(r.validateMs), programMs: Math.round(r.programMs), resources: r.resources, peakRssMB: Math.round(r.peakRssMB) });
            log(`program (${runtime}): ${n} devices in ${(r.programMs / 1000).toFixed(1)} s, ${Math.round(r.peakRssMB)} MB peak`);
        }
    }
    return rows;
}
