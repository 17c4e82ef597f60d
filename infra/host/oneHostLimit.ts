import { BASE_MEMORY_GIB, INSTANCE_TYPES, SERIES_PER_DEVICE, BYTES_RAM_PER_SERIES, Sizing } from "./sizing";

/**
 * When one monitoring host is not enough. sizeHost picks the smallest instance type whose memory holds
 * Prometheus's head with 50 % headroom; past the largest type it still answers the largest, and the
 * host would run out of memory. The data volume has a hard ceiling too: "gp2 and gp3: 1 - 16,384 GiB"
 * (EC2 API, EbsBlockDevice VolumeSize).
 */

/** Prometheus's memory headroom in sizeHost (compaction and queries double the head briefly). */
export const MEMORY_HEADROOM = 1.5;
/** The largest gp3 volume AWS makes, GiB. */
export const GP3_MAX_GIB = 16_384;

/** The largest instance type sizeHost chooses from, and its memory. */
export function largestInstanceType(): { readonly type: string; readonly memoryGiB: number } {
    return INSTANCE_TYPES[INSTANCE_TYPES.length - 1];
}

/** Memory a host needs for this many active series, GiB: the rule sizeHost applies. */
export function hostMemoryNeedGiB(activeSeries: number): number {
    return BASE_MEMORY_GIB + ((activeSeries * BYTES_RAM_PER_SERIES) / 1024 ** 3) * MEMORY_HEADROOM;
}

/** Active series one host of `memoryGiB` holds with the headroom. */
export function seriesOneHostHolds(memoryGiB: number): number {
    return Math.floor(((memoryGiB - BASE_MEMORY_GIB) / MEMORY_HEADROOM) * (1024 ** 3 / BYTES_RAM_PER_SERIES));
}

/** node_exporter devices one host holds (at SERIES_PER_DEVICE each). */
export function devicesOneHostHolds(memoryGiB = largestInstanceType().memoryGiB): number {
    return Math.floor(seriesOneHostHolds(memoryGiB) / SERIES_PER_DEVICE);
}

export interface CapacityInput {
    readonly devices: number;
    /** sizeHost's answer for the fleet (its series count includes whatever sizeHost counts). */
    readonly sizing: Pick<Sizing, "activeSeries" | "dataVolumeGiB">;
    /** The instanceType setting, when pinned; its memory is the limit then, if it is one sizeHost knows. */
    readonly pinnedInstanceType?: string;
    /** The dataVolumeSizeGiB setting, when pinned. */
    readonly pinnedDataVolumeGiB?: number;
    readonly retentionDays: number;
    /** Whether the long-term store (AMP) is on already. */
    readonly longTermStore: boolean;
}

/**
 * What the preview should say when the fleet outgrows one host, or undefined when it fits: the numbers
 * (series, memory needed, what the host has; volume needed, the gp3 ceiling) and the two ways out.
 */
export function capacityWarning(c: CapacityInput): string | undefined {
    const limit = (c.pinnedInstanceType && INSTANCE_TYPES.find((t) => t.type === c.pinnedInstanceType)) || largestInstanceType();
    const needGiB = hostMemoryNeedGiB(c.sizing.activeSeries);
    const volumeGiB = c.pinnedDataVolumeGiB ?? c.sizing.dataVolumeGiB;
    const problems: string[] = [];
    if (needGiB > limit.memoryGiB) {
        problems.push(
            `its ${c.devices.toLocaleString("en")} devices make about ${c.sizing.activeSeries.toLocaleString("en")} active series, and Prometheus needs ` +
                `${needGiB.toFixed(1)} GiB of memory with headroom, more than the ${limit.memoryGiB} GiB of ${limit.type}` +
                `${limit === largestInstanceType() ? ", the largest instance type the stack sizes to" : " (the instanceType setting)"}; ` +
                `one ${limit.type} holds about ${seriesOneHostHolds(limit.memoryGiB).toLocaleString("en")} series (${devicesOneHostHolds(limit.memoryGiB).toLocaleString("en")} node_exporter devices)`,
        );
    }
    if (volumeGiB > GP3_MAX_GIB) {
        problems.push(`${c.retentionDays} days of samples need a ${volumeGiB.toLocaleString("en")} GiB data volume, more than the ${GP3_MAX_GIB.toLocaleString("en")} GiB AWS makes a gp3 volume`);
    }
    if (problems.length === 0) return undefined;
    const amp = c.longTermStore
        ? "shorten retentionDays (the long-term store, AMP, is on and keeps the history)"
        : "pulumi config set longTermStore amp and a short retentionDays (e.g. 7): AMP keeps the history, the host only recent days";
    return (
        `One monitoring host is not enough for this fleet: ${problems.join("; and ")}. Ways out: ` +
        `(1) for disk, ${amp}; ` +
        `(2) for memory, more hosts: split the fleet by site into stacks of at most ${devicesOneHostHolds(limit.memoryGiB).toLocaleString("en")} devices, each writing to one AMP workspace, read by one Grafana (docs/explanation/multi-host.md).`
    );
}

/** One row of the sizing table the multi-host design rests on (docs/explanation/multi-host.md). */
export interface OneHostRow {
    readonly instanceType: string;
    readonly memoryGiB: number;
    readonly series: number;
    readonly devices: number;
    /** Samples per second those devices send at a 30 s scrape interval (what AMP ingests from the host). */
    readonly samplesPerSecond: number;
    /** The data volume sizeHost gives those devices for 7 and 30 days' retention at 30 s, GiB. */
    readonly volume7dGiB: number;
    readonly volume30dGiB: number;
}

/** What each instance type sizeHost knows holds, by the sizing rule. */
export function oneHostTable(size: (devices: number, retentionDays: number) => Pick<Sizing, "dataVolumeGiB">): OneHostRow[] {
    return INSTANCE_TYPES.map((t) => {
        const devices = devicesOneHostHolds(t.memoryGiB);
        return {
            instanceType: t.type,
            memoryGiB: t.memoryGiB,
            series: seriesOneHostHolds(t.memoryGiB),
            devices,
            samplesPerSecond: Math.round((devices * SERIES_PER_DEVICE) / 30),
            volume7dGiB: size(devices, 7).dataVolumeGiB,
            volume30dGiB: size(devices, 30).dataVolumeGiB,
        };
    });
}

/** The table as the doc prints it. */
export function renderOneHostTable(rows: readonly OneHostRow[]): string {
    const n = (x: number) => x.toLocaleString("en");
    return [
        "| instance type | memory GiB | active series it holds | node_exporter devices | samples/s at 30 s | data volume GiB, 7 days | data volume GiB, 30 days |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...rows.map((r) => `| ${r.instanceType} | ${r.memoryGiB} | ${n(r.series)} | ${n(r.devices)} | ${n(r.samplesPerSecond)} | ${n(r.volume7dGiB)} | ${n(r.volume30dGiB)} |`),
    ].join("\n");
}
