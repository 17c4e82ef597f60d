/** The settings of site collectors (sites.<name>.collector in the fleet) and of the host's remote-write receiver. */
export interface CollectorSettings {
    /** Prometheus release the collectors run (server mode with a local TSDB, and its promtool for the back-filler). Defaults to 3.13.1, the newest release whose checksums ship (provisioners/prometheus.sha256sums); it remote-writes to the host's 3.5.0 with protocol 1.0. */
    readonly collectorVersion: string;
    /** Files in the format of a release's sha256sums.txt with the checksums of collectorVersion. Defaults to none. */
    readonly collectorChecksumsFiles: readonly string[];
    /** How the release reaches a collector: "download" (from collectorDownloadBaseUrl) or "push" (over SSH). Defaults to download. */
    readonly collectorSource: "download" | "push";
    /** Where collectors download the release (the official archive, or a site mirror with its layout). */
    readonly collectorDownloadBaseUrl: string;
    /** Where the release tarballs for "push" are on the deployer's machine. Defaults to ".cache/prometheus". */
    readonly collectorTarballDir: string;
    /** Networks site collectors connect from (their sites' public or NAT addresses). Required when a site has a collector. */
    readonly collectorSourceCidrs: readonly string[];
    /** TCP port of the host's remote-write receiver. Defaults to 9443. */
    readonly remoteWritePort: number;
}

export const COLLECTOR_SETTING_DEFAULTS = {
    collectorVersion: "3.13.1",
    collectorSource: "download",
    collectorDownloadBaseUrl: "https://github.com/prometheus/prometheus/releases/download",
    collectorTarballDir: ".cache/prometheus",
    remoteWritePort: 9443,
} as const;

/** Reads the collector settings with the readers of parseSettings (every key is read, set or not). */
export function collectorSettings(
    text: (k: string) => string | undefined,
    _bool: (k: string, def: boolean) => boolean,
    int: (k: string, def: number | undefined, min: number, max: number) => number | undefined,
    list: (k: string) => string[],
    cidrs: (k: string, def: string[]) => string[],
    fail: (k: string, msg: string) => void,
): CollectorSettings {
    const d = COLLECTOR_SETTING_DEFAULTS;
    const version = text("collectorVersion") ?? d.collectorVersion;
    if (!/^[23]\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(version)) fail("collectorVersion", `"${version}" is not a Prometheus 2.x or 3.x version like 3.5.0`);
    const source = text("collectorSource") ?? d.collectorSource;
    if (source !== "download" && source !== "push") fail("collectorSource", `must be download or push, not "${source}"`);
    const baseUrl = text("collectorDownloadBaseUrl") ?? d.collectorDownloadBaseUrl;
    if (!/^https?:\/\/\S+$/.test(baseUrl)) fail("collectorDownloadBaseUrl", `"${baseUrl}" is not an http(s) URL`);
    return {
        collectorVersion: version,
        collectorChecksumsFiles: list("collectorChecksumsFiles"),
        collectorSource: source === "push" ? "push" : "download",
        collectorDownloadBaseUrl: baseUrl.replace(/\/+$/, ""),
        collectorTarballDir: text("collectorTarballDir") ?? d.collectorTarballDir,
        collectorSourceCidrs: cidrs("collectorSourceCidrs", []),
        remoteWritePort: int("remoteWritePort", d.remoteWritePort, 1024, 65535) ?? d.remoteWritePort,
    };
}
