import * as fs from "fs";
import * as path from "path";
import { run } from "./exec";

/** Two hours: Prometheus' block range, and promtool's default --max-block-duration when backfilling. */
export const BLOCK_SECONDS = 2 * 3600;

export interface GeneratedBlocks {
    /** Series per block. */
    readonly series: number;
    /** First and last second covered; blocks are cut at 2-hour boundaries. */
    readonly from: number;
    readonly to: number;
    readonly intervalSeconds: number;
    /** Metric name. Defaults to demo_value. */
    readonly metric?: string;
}

/**
 * Writes real Prometheus TSDB blocks into `dataDir` with `promtool tsdb create-blocks-from openmetrics`,
 * one 2-hour window at a time (the OpenMetrics text is about 5 times the block's size, so it is
 * written and removed window by window). Values are a random walk, so chunks compress like real
 * gauges rather than to nothing. Returns the new blocks' directory names (ULIDs).
 */
export function createBlocks(dataDir: string, g: GeneratedBlocks): string[] {
    fs.mkdirSync(dataDir, { recursive: true });
    const before = new Set(fs.readdirSync(dataDir));
    const metric = g.metric ?? "demo_value";
    const text = path.join(dataDir, "..", `.openmetrics-${process.pid}.txt`);
    const values = Array.from({ length: g.series }, () => Math.random() * 100);
    for (let start = g.from; start < g.to; start = Math.floor(start / BLOCK_SECONDS) * BLOCK_SECONDS + BLOCK_SECONDS) {
        const end = Math.min(g.to, Math.floor(start / BLOCK_SECONDS) * BLOCK_SECONDS + BLOCK_SECONDS);
        const fd = fs.openSync(text, "w");
        fs.writeSync(fd, `# HELP ${metric} Generated for a test.\n# TYPE ${metric} gauge\n`);
        // OpenMetrics wants a series' samples together and in time order.
        for (let s = 0; s < g.series; s++) {
            const lines: string[] = [];
            for (let t = start; t < end; t += g.intervalSeconds) {
                values[s] += Math.random() - 0.5;
                lines.push(`${metric}{series="s${s}"} ${values[s].toFixed(2)} ${t}`);
            }
            fs.writeSync(fd, lines.join("\n") + "\n");
        }
        fs.writeSync(fd, "# EOF\n");
        fs.closeSync(fd);
        run("promtool", ["tsdb", "create-blocks-from", "openmetrics", text, dataDir]);
    }
    fs.rmSync(text, { force: true });
    return fs.readdirSync(dataDir).filter((d) => !before.has(d) && /^[0-9A-Z]{26}$/.test(d)).sort();
}

/** Bytes of the files under a directory. */
export function directoryBytes(dir: string): number {
    let total = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        total += e.isDirectory() ? directoryBytes(p) : fs.statSync(p).size;
    }
    return total;
}
