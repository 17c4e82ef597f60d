import { DEFAULT_OUTAGE_BUDGET_HOURS, MAX_OUTAGE_BUDGET_HOURS } from "../fleet";

/**
 * How much disk a site collector needs, from the site's device count and the outage it must ride out.
 * The collector is Prometheus in server mode: its local TSDB keeps every sample for the retention
 * (budget + 1 h), whatever the link does, and the back-filler resends from it. On disk that is
 * - the persisted blocks: the whole retention, compressed chunks;
 * - the head's write-ahead log: the head spans up to 1.5 block ranges before it is compacted, and its
 *   WAL is truncated only then (prometheus tsdb/head.go, db.go: compactable when the head spans more
 *   than 1.5 × the block range), so up to 3 h of raw samples sit in the WAL with 2 h blocks;
 * - a compaction writes the new block before it deletes the old ones: one more block of the largest
 *   size, at most a tenth of the retention (--storage.tsdb.max-block-duration defaults to it);
 * - the back-filler's scratch: one range as `promtool tsdb dump` text and as exposition text.
 */

/** Series per node_exporter device (the sizing rule of DESIGN.md: 500 to 1,700 measured). */
export const SERIES_PER_DEVICE = 1300;
/** Hours of raw samples the head's WAL may hold with the default 2-hour blocks. */
export const HEAD_WAL_HOURS = 3;
/**
 * Bytes a sample takes in the WAL (snappy-compressed records: a series reference and timestamp as
 * varint deltas plus an 8-byte value); an upper bound.
 */
export const WAL_BYTES_PER_SAMPLE = 8;
/** Bytes a sample takes in a persisted block (DESIGN.md: 1 to 2 bytes a sample); the upper end. */
export const BLOCK_BYTES_PER_SAMPLE = 2;
/** Samples the back-filler resends in one range (one dump, one push per job). */
export const BACKFILL_RANGE_SAMPLES = 500_000;
/** Bytes of scratch a resent sample takes: its dump line and its exposition line. */
export const BACKFILL_BYTES_PER_SAMPLE = 300;
/** Room for series records, checkpoints, the index and a segment being written. */
export const COLLECTOR_MIN_BYTES = 512 * 1024 * 1024;

export interface CollectorDiskInput {
    readonly devices: number;
    readonly scrapeIntervalSeconds: number;
    /** Defaults to 6. */
    readonly outageBudgetHours?: number;
    /** Defaults to SERIES_PER_DEVICE. */
    readonly seriesPerDevice?: number;
}

export interface CollectorDiskSize {
    readonly samplesPerSecond: number;
    readonly bytes: number;
    /** `--storage.tsdb.retention.time`: longer than the budget, so the back-filler finds every sample it must resend. */
    readonly retention: string;
    /** Seconds of samples the back-filler resends in one range: about BACKFILL_RANGE_SAMPLES samples. */
    readonly backfillRangeSeconds: number;
}

export function collectorDiskSize(i: CollectorDiskInput): CollectorDiskSize {
    const budget = i.outageBudgetHours ?? DEFAULT_OUTAGE_BUDGET_HOURS;
    if (!(budget > 0) || budget > MAX_OUTAGE_BUDGET_HOURS) throw new Error(`the outage budget must be above 0 and at most ${MAX_OUTAGE_BUDGET_HOURS} hours, not ${budget}`);
    if (!(i.scrapeIntervalSeconds > 0)) throw new Error(`the scrape interval must be positive, not ${i.scrapeIntervalSeconds}`);
    const samplesPerSecond = (i.devices * (i.seriesPerDevice ?? SERIES_PER_DEVICE)) / i.scrapeIntervalSeconds;
    const retentionHours = Math.ceil(budget) + 1;
    const blocks = samplesPerSecond * retentionHours * 3600 * BLOCK_BYTES_PER_SAMPLE * 1.1;
    const wal = samplesPerSecond * HEAD_WAL_HOURS * 3600 * WAL_BYTES_PER_SAMPLE;
    const backfillRangeSeconds = Math.min(3600, Math.max(10, Math.round(BACKFILL_RANGE_SAMPLES / samplesPerSecond)));
    const scratch = samplesPerSecond * backfillRangeSeconds * BACKFILL_BYTES_PER_SAMPLE;
    // A quarter more for series churn, the index and record framing.
    const bytes = Math.max(COLLECTOR_MIN_BYTES, Math.ceil(((blocks + wal + scratch) * 1.25) / (1024 * 1024)) * 1024 * 1024);
    return { samplesPerSecond, bytes, retention: `${retentionHours}h`, backfillRangeSeconds };
}
