/** A range-vector answer of Prometheus's query API: series with their raw samples. */
export type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

/** The query that returns every raw sample of every series in (from, to]: the comparison's input. */
export function everySampleQuery(from: number, to: number): string {
    return `{__name__=~".+"}[${Math.ceil(to - from)}s] @ ${to.toFixed(3)}`;
}

export interface SampleComparison {
    /** Samples of the source that were looked up (NaN left out). */
    readonly compared: number;
    readonly series: number;
    /** Source samples the copy lacks, as `{labels} @time = value`. */
    readonly missing: string[];
}

/**
 * What of `source` (a collector's own TSDB) is not in `copy` (the central Prometheus): series by series
 * (all labels), sample by sample (timestamp and value). NaN is left out: a stale marker and a real NaN
 * look alike in the API, and the back-filler resends neither (prometheus-collector-backfill.sh).
 */
export function missingSamples(source: Matrix, copy: Matrix): SampleComparison {
    const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
    const bySeries = new Map<string, Set<string>>();
    for (const s of copy) bySeries.set(key(s.metric), new Set(s.values.map(([t, v]) => `${t} ${v}`)));
    const missing: string[] = [];
    let compared = 0;
    for (const s of source) {
        const there = bySeries.get(key(s.metric)) ?? new Set<string>();
        for (const [t, v] of s.values) {
            if (v === "NaN") continue;
            compared++;
            if (!there.has(`${t} ${v}`)) missing.push(`${key(s.metric)} @${t} = ${v}`);
        }
    }
    return { compared, series: source.length, missing };
}
