/** Active series one device's node_exporter yields (measured: 500 to 1,700 depending on interfaces and disks). */
export const SERIES_PER_DEVICE = 1300;
/** Prometheus resident memory per active series, bytes (head block, index, and Go overhead). */
export const BYTES_RAM_PER_SERIES = 3 * 1024;
/** Compressed on-disk bytes per sample in the TSDB. */
export const BYTES_PER_SAMPLE = 2;

/** Instance types by memory, smallest first; burstable types suit a mostly idle monitoring host. */
export const INSTANCE_TYPES: readonly { type: string; memoryGiB: number }[] = [
    { type: "t3.small", memoryGiB: 2 },
    { type: "t3.medium", memoryGiB: 4 },
    { type: "t3.large", memoryGiB: 8 },
    { type: "t3.xlarge", memoryGiB: 16 },
    { type: "t3.2xlarge", memoryGiB: 32 },
    { type: "r6i.2xlarge", memoryGiB: 64 },
    { type: "r6i.4xlarge", memoryGiB: 128 },
];

/** Grafana, TimescaleDB, Alertmanager, Docker and the OS, before Prometheus. */
export const BASE_MEMORY_GIB = 1.5;
/** WAL, Grafana and TimescaleDB, on top of the TSDB. */
const BASE_DISK_GIB = 20;
/**
 * What a backup writes on the data volume. The snapshot's hard links to blocks cost nothing, but the
 * snapshot writes the head (up to 3 hours of samples: Prometheus cuts a block when the head spans 1.5
 * block ranges) as a new block; blocks that Prometheus compacts away while the backup runs stay on
 * disk until the snapshot is removed (a compaction rewrites at most a tenth of the retention, the
 * largest block Prometheus makes); restic's cache holds the repository's index and trees (a few
 * hundred bytes per MiB of data; 1 % is ample); and the database dumps are staged as files.
 */
const BACKUP_HEAD_HOURS = 3;
const BACKUP_COMPACTION_SHARE = 0.1;
const BACKUP_CACHE_SHARE = 0.01;
const BACKUP_DUMPS_GIB = 1;

export interface SizingInput {
    readonly devices: number;
    readonly scrapeIntervalSeconds: number;
    readonly retentionDays: number;
}

export interface Sizing {
    readonly activeSeries: number;
    readonly prometheusMemoryGiB: number;
    readonly instanceType: string;
    readonly tsdbGiB: number;
    /** Space a backup run needs on the data volume (see BACKUP_HEAD_HOURS). */
    readonly backupLocalGiB: number;
    readonly dataVolumeGiB: number;
}

/**
 * Sizes the monitoring host from the fleet: memory for Prometheus' active series with 50 % headroom
 * (compaction and queries double the head briefly), disk for the retention with 50 % headroom and what
 * a backup run writes locally, rounded up to whole 10 GiB. Overridden by the instanceType and dataVolumeSizeGiB settings.
 */
export function sizeHost(input: SizingInput): Sizing {
    const activeSeries = input.devices * SERIES_PER_DEVICE;
    const prometheusMemoryGiB = (activeSeries * BYTES_RAM_PER_SERIES) / 1024 ** 3;
    const needGiB = BASE_MEMORY_GIB + prometheusMemoryGiB * 1.5;
    const instanceType = (INSTANCE_TYPES.find((t) => t.memoryGiB >= needGiB) ?? INSTANCE_TYPES[INSTANCE_TYPES.length - 1]).type;
    const samples = activeSeries * (86400 / input.scrapeIntervalSeconds) * input.retentionDays;
    const tsdbGiB = (samples * BYTES_PER_SAMPLE) / 1024 ** 3;
    const headGiB = (activeSeries * ((BACKUP_HEAD_HOURS * 3600) / input.scrapeIntervalSeconds) * BYTES_PER_SAMPLE) / 1024 ** 3;
    const backupLocalGiB = headGiB + tsdbGiB * (BACKUP_COMPACTION_SHARE + BACKUP_CACHE_SHARE) + BACKUP_DUMPS_GIB;
    const dataVolumeGiB = Math.ceil((BASE_DISK_GIB + tsdbGiB * 1.5 + backupLocalGiB) / 10) * 10;
    return { activeSeries, prometheusMemoryGiB, instanceType, tsdbGiB, backupLocalGiB, dataVolumeGiB };
}
