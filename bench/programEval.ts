import { child } from "./compiled";

export interface ProgramRow {
    devices: number;
    runtime: string;
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
 * (ts-node), compiled to JavaScript, and with a larger young generation for big heaps.
 */
export interface ProgramVariant {
    /** How it runs, as the table shows it. */
    readonly runtime: string;
    readonly compiled: boolean;
    readonly nodeFlags: string[];
    readonly sizes: number[];
}

export function benchProgram(variants: readonly ProgramVariant[], log: (s: string) => void): ProgramRow[] {
    const rows: ProgramRow[] = [];
    for (const v of variants) {
        for (const n of v.sizes) {
            const r = child<ChildResult>("programChild", ["program", String(n)], v.compiled, v.nodeFlags);
            rows.push({ devices: n, runtime: v.runtime, fleetBytes: r.bytes, validateMs: Math.round(r.validateMs), programMs: Math.round(r.programMs), resources: r.resources, peakRssMB: Math.round(r.peakRssMB) });
            log(`program (${v.runtime}): ${n} devices in ${(r.programMs / 1000).toFixed(1)} s, ${Math.round(r.peakRssMB)} MB peak`);
        }
    }
    return rows;
}
