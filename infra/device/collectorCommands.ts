import { ChecksumTable, Device, SiteCollector } from "../fleet";
import { encodeLaunch, encodePayload, provisionerScript } from "../common";
import { collectorDiskSize } from "./collectorWal";

const INSTALL_SCRIPT = provisionerScript("prometheus-agent-install.sh");
const UNINSTALL_SCRIPT = provisionerScript("prometheus-agent-uninstall.sh");
const BACKFILL_SCRIPT = provisionerScript("prometheus-collector-backfill.sh");

/** Official release archive of Prometheus; a site without internet points collectorDownloadBaseUrl at its mirror. */
export const DEFAULT_COLLECTOR_BASE_URL = "https://github.com/prometheus/prometheus/releases/download";

/** Where a pushed Prometheus tarball lands on the collector (relative to the SSH user's home). */
export function pushedCollectorTarballPath(version: string, arch: string): string {
    return `.iiotmon/prometheus-${version}.linux-${arch}.tar.gz`;
}

export interface CollectorInstallSettings {
    readonly version: string;
    readonly source: "download" | "push";
    readonly downloadBaseUrl: string;
    readonly scrapeIntervalSeconds: number;
    /**
     * Minutes of a TSDB block (the hidden --storage.tsdb.min/max-block-duration flags). Production keeps
     * Prometheus's 2 hours (undefined); the lab and the benchmark set a minute or two so that a short run
     * crosses several block and WAL-checkpoint boundaries, as hours of outage do.
     */
    readonly blockDurationMinutes?: number;
}

/**
 * The installer's arguments for a site's collector. The local TSDB's disk need follows the site's device
 * count and outage budget (collectorDiskSize); the installer checks it before changing anything.
 */
export function collectorScriptArgs(
    collector: SiteCollector,
    device: Device,
    siteDevices: number,
    s: CollectorInstallSettings,
    checksums: ChecksumTable,
    owner: string,
): string[] {
    // Without a pinned checksum the program still runs (the rest of the fleet deploys); the installer then
    // refuses on the device, before changing anything, and the component warns at preview time.
    const byArch = checksums.get(s.version) ?? new Map();
    const arches = device.arch === "auto" ? [...byArch.keys()] : [device.arch];
    const sums = arches.filter((a) => byArch.has(a)).map((a) => `${a}=${byArch.get(a)}`);
    if (s.source === "push" && device.arch === "auto") throw new Error(`collector ${device.name}: collectorSource push needs a pinned arch on the device`);
    const disk = collectorDiskSize({ devices: siteDevices, scrapeIntervalSeconds: s.scrapeIntervalSeconds, outageBudgetHours: collector.outageBudgetHours });
    const args = [
        `device=${device.name}`,
        `owner=${owner}`,
        `version=${s.version}`,
        `arch=${device.arch}`,
        `source=${s.source}`,
        `base_url=${s.downloadBaseUrl}`,
        `checksums=${sums.join(" ")}`,
        `retention=${disk.retention}`,
        `disk_bytes=${disk.bytes}`,
    ];
    if (s.blockDurationMinutes !== undefined) {
        if (!Number.isInteger(s.blockDurationMinutes) || s.blockDurationMinutes < 1) throw new Error(`collector ${device.name}: the block duration must be a whole number of minutes, not ${s.blockDurationMinutes}`);
        args.push(`block_duration=${s.blockDurationMinutes}m`);
    }
    if (s.source === "push") args.push(`pushed=${pushedCollectorTarballPath(s.version, device.arch)}`);
    for (const a of args) if (a.includes("\n")) throw new Error(`collector ${device.name}: argument ${JSON.stringify(a)} has a line break`);
    return args;
}

/** Why the collector cannot be installed with these checksums, in the words of a preview warning; undefined: it can. */
export function collectorChecksumProblem(device: Device, version: string, checksums: ChecksumTable): string | undefined {
    const byArch = checksums.get(version);
    if (byArch && (device.arch === "auto" ? byArch.size > 0 : byArch.has(device.arch))) return undefined;
    return (
        `collector ${device.name}: no pinned checksum for Prometheus ${version}${device.arch === "auto" ? "" : ` on ${device.arch}`}; its install will refuse. ` +
        `Add the lines of https://github.com/prometheus/prometheus/releases/download/v${version}/sha256sums.txt for your collectors' architectures to provisioners/prometheus.sha256sums or a file in collectorChecksumsFiles`
    );
}

/** What the collector's installer reads on stdin (secrets among it: the passwords). */
export interface CollectorPayload {
    readonly agentConfig: string;
    readonly targetsJson: string;
    readonly scrapeCaCertPem: string;
    readonly scrapePassword: string;
    readonly remoteWriteCaCertPem: string;
    readonly remoteWritePassword: string;
    /** The back-filler's settings (renderBackfillEnv). */
    readonly backfillEnv: string;
    /** How the back-filler's promtool reaches the receiver (renderBackfillHttpConfig); names the password file. */
    readonly backfillHttpConfig: string;
}

export function collectorPayload(p: CollectorPayload): string {
    const file = (name: string, text: string) => ({ name: "file", args: [name], text });
    return encodePayload([
        file("prometheus.yml", p.agentConfig),
        file("targets.json", p.targetsJson),
        file("scrape-ca.crt", p.scrapeCaCertPem),
        file("scrape-password", p.scrapePassword),
        file("remote-write-ca.crt", p.remoteWriteCaCertPem),
        file("remote-write-password", p.remoteWritePassword),
        file("backfill", BACKFILL_SCRIPT),
        file("backfill.env", p.backfillEnv),
        file("backfill-http.yml", p.backfillHttpConfig),
    ]);
}

/** The stdin of a collector resource: the agent's two scripts in deviceCommand's frame, then the payload. */
export function collectorStdin(args: readonly string[], payload: CollectorPayload): string {
    return encodeLaunch({ install: INSTALL_SCRIPT, uninstall: UNINSTALL_SCRIPT }, args, collectorPayload(payload));
}
