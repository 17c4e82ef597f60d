import { Fleet, Probe, SnmpModule } from "../fleet";

type ProbeKind = Probe["kind"];

/** Active series one device's node_exporter yields (measured: 500 to 1,700 depending on interfaces and disks). */
export const SERIES_PER_DEVICE = 1300;
/**
 * Series Prometheus adds to every target it scrapes: up, scrape_duration_seconds, scrape_samples_scraped,
 * scrape_samples_post_metric_relabeling, scrape_series_added.
 */
export const PROMETHEUS_SERIES_PER_TARGET = 5;
/**
 * Series of one probe target (one check of one device): blackbox_exporter 0.23's probe_* series of a
 * successful check plus Prometheus' per target, rounded up from what test/render/exporterSeries.test.ts
 * measures (icmp 9 + 5, tcp 6 + 5, http 17 + 5, https 21 + 5: TLS adds the certificate's series).
 */
export const SERIES_PER_PROBE: Readonly<Record<ProbeKind, number>> = { icmp: 16, tcp: 12, http: 26, https: 30 };
/** Series of one SNMP device's target before its modules: snmp_exporter 0.21's snmp_scrape_* (5) and Prometheus' per target (5). */
export const SERIES_PER_SNMP_TARGET = 10;
/**
 * Series each SNMP module adds to its device's target, one per object of the module (snmpModules.ts):
 * system 5 (measured 5), ups 7 (measured 6 from an agent without the battery temperature), if_mib 10 per
 * interface (measured 10).
 */
export const SERIES_PER_SNMP_MODULE: Readonly<Record<SnmpModule, number>> = { system: 5, ups: 7, if_mib: 10 };
/** Interfaces assumed per SNMP device that reads if_mib: a 24-port switch with its uplinks and VLAN interfaces. */
export const INTERFACES_PER_SNMP_DEVICE = 32;
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

/** What the fleet's probes and SNMP devices make Prometheus scrape (watchedSizing). */
export interface WatchedSizing {
    /** One kind per probe of every device (node_exporter devices' own probes included). */
    readonly probes: readonly ProbeKind[];
    /** The modules of each SNMP device. */
    readonly snmpDevices: readonly (readonly SnmpModule[])[];
}

export interface SizingInput {
    /** Devices watched by node_exporter. */
    readonly devices: number;
    readonly scrapeIntervalSeconds: number;
    readonly retentionDays: number;
    /** The fleet's probe checks and SNMP devices; absent counts none. */
    readonly watched?: WatchedSizing;
}

/** The probe checks and SNMP devices of a fleet, for sizeHost. */
export function watchedSizing(fleet: Pick<Fleet, "devices" | "agentless">): WatchedSizing {
    return {
        probes: [...fleet.devices, ...fleet.agentless].flatMap((d) => (d.probes ?? []).map((p) => p.kind)),
        snmpDevices: fleet.agentless.flatMap((d) => (d.snmp ? [d.snmp.modules] : [])),
    };
}

/** Active series of the fleet's probes and SNMP devices. */
function watchedSeries(w: WatchedSizing | undefined): { probeSeries: number; snmpSeries: number } {
    const probeSeries = (w?.probes ?? []).reduce((n, kind) => n + SERIES_PER_PROBE[kind], 0);
    const perModule = (m: SnmpModule) => SERIES_PER_SNMP_MODULE[m] * (m === "if_mib" ? INTERFACES_PER_SNMP_DEVICE : 1);
    const snmpSeries = (w?.snmpDevices ?? []).reduce((n, modules) => n + SERIES_PER_SNMP_TARGET + modules.reduce((k, m) => k + perModule(m), 0), 0);
    return { probeSeries, snmpSeries };
}

export interface Sizing {
    /** node_exporter devices', probes' and SNMP devices' series together. */
    readonly activeSeries: number;
    /** Of activeSeries, the probes' (SERIES_PER_PROBE). */
    readonly probeSeries: number;
    /** Of activeSeries, the SNMP devices' (SERIES_PER_SNMP_TARGET, SERIES_PER_SNMP_MODULE). */
    readonly snmpSeries: number;
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
    const { probeSeries, snmpSeries } = watchedSeries(input.watched);
    const activeSeries = input.devices * SERIES_PER_DEVICE + probeSeries + snmpSeries;
    const prometheusMemoryGiB = (activeSeries * BYTES_RAM_PER_SERIES) / 1024 ** 3;
    const needGiB = BASE_MEMORY_GIB + prometheusMemoryGiB * 1.5;
    const instanceType = (INSTANCE_TYPES.find((t) => t.memoryGiB >= needGiB) ?? INSTANCE_TYPES[INSTANCE_TYPES.length - 1]).type;
    const samples = activeSeries * (86400 / input.scrapeIntervalSeconds) * input.retentionDays;
    const tsdbGiB = (samples * BYTES_PER_SAMPLE) / 1024 ** 3;
    const headGiB = (activeSeries * ((BACKUP_HEAD_HOURS * 3600) / input.scrapeIntervalSeconds) * BYTES_PER_SAMPLE) / 1024 ** 3;
    const backupLocalGiB = headGiB + tsdbGiB * (BACKUP_COMPACTION_SHARE + BACKUP_CACHE_SHARE) + BACKUP_DUMPS_GIB;
    const dataVolumeGiB = Math.ceil((BASE_DISK_GIB + tsdbGiB * 1.5 + backupLocalGiB) / 10) * 10;
    return { activeSeries, probeSeries, snmpSeries, prometheusMemoryGiB, instanceType, tsdbGiB, backupLocalGiB, dataVolumeGiB };
}
