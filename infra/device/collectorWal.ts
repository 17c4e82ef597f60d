import { DEFAULT_OUTAGE_BUDGET_HOURS, MAX_OUTAGE_BUDGET_HOURS } from "../fleet";

/**
 * How much disk a site collector's write-ahead log may need, from the site's device count and the
 * outage it must ride out. The agent keeps every sample that was not sent, plus, in normal operation,
 * what it has not yet truncated: it checkpoints only every 2 hours, and then only the older two thirds
 * of its segments (prometheus tsdb/agent/db.go: DefaultTruncateFrequency, `last = first + (last-first)*2/3`),
 * so up to about 4 hours of samples sit in the WAL even when the link is up.
 */

/** Series per node_exporter device (the sizing rule of DESIGN.md: 500 to 1,700 measured). */
export const SERIES_PER_DEVICE = 1300;
/** Hours of samples the WAL holds with the link up (two truncation periods of 2 h). */
export const STEADY_WAL_HOURS = 4;
/**
 * Bytes a sample takes in the agent's WAL with `--storage.agent.wal-compression`. A sample record is a
 * series reference and timestamp as varint deltas plus an 8-byte value; measured on node_exporter
 * payloads (bench/collectorOutage.ts) well under this; kept as an upper bound.
 */
export const WAL_BYTES_PER_SAMPLE = 8;
/** Room for series records, checkpoints and a segment being written. */
export const WAL_MIN_BYTES = 256 * 1024 * 1024;

export interface CollectorWalInput {
    readonly devices: number;
    readonly scrapeIntervalSeconds: number;
    /** Defaults to 6. */
    readonly outageBudgetHours?: number;
    /** Defaults to SERIES_PER_DEVICE. */
    readonly seriesPerDevice?: number;
}

export interface CollectorWalSize {
    readonly samplesPerSecond: number;
    readonly bytes: number;
    /** `--storage.agent.retention.max-time`: a sample older than this is dropped even when unsent. */
    readonly retention: string;
}

export function collectorWalSize(i: CollectorWalInput): CollectorWalSize {
    const budget = i.outageBudgetHours ?? DEFAULT_OUTAGE_BUDGET_HOURS;
    if (!(budget > 0) || budget > MAX_OUTAGE_BUDGET_HOURS) throw new Error(`the outage budget must be above 0 and at most ${MAX_OUTAGE_BUDGET_HOURS} hours, not ${budget}`);
    if (!(i.scrapeIntervalSeconds > 0)) throw new Error(`the scrape interval must be positive, not ${i.scrapeIntervalSeconds}`);
    const samplesPerSecond = (i.devices * (i.seriesPerDevice ?? SERIES_PER_DEVICE)) / i.scrapeIntervalSeconds;
    const held = samplesPerSecond * (budget + STEADY_WAL_HOURS) * 3600 * WAL_BYTES_PER_SAMPLE;
    // A quarter more for series churn and record framing.
    const bytes = Math.max(WAL_MIN_BYTES, Math.ceil((held * 1.25) / (1024 * 1024)) * 1024 * 1024);
    return { samplesPerSecond, bytes, retention: `${Math.ceil(budget) + 1}h` };
}
