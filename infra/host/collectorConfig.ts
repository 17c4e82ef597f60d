import { dump } from "js-yaml";
import { deviceScrapeJob } from "./prometheusConfig";

/** Where the collector's files are. */
export interface CollectorPaths {
    readonly configDir: string;
    readonly targetsDir: string;
    readonly scrapeCaFile: string;
    readonly scrapePasswordFile: string;
    readonly remoteWriteCaFile: string;
    readonly remoteWritePasswordFile: string;
}

/** Where the collector's files are on its device (provisioners/prometheus-agent-install.sh writes them). */
export const COLLECTOR_PATHS: CollectorPaths = {
    configDir: "/etc/prometheus-agent",
    targetsDir: "/etc/prometheus-agent/targets",
    scrapeCaFile: "/etc/prometheus-agent/scrape-ca.crt",
    scrapePasswordFile: "/etc/prometheus-agent/scrape-password",
    remoteWriteCaFile: "/etc/prometheus-agent/remote-write-ca.crt",
    remoteWritePasswordFile: "/etc/prometheus-agent/remote-write-password",
};

/** The agent's own HTTP port, on the collector's loopback only. */
export const COLLECTOR_AGENT_PORT = 9095;

/** The user a site's collector authenticates as at the monitoring host's receiver. */
export function collectorUsername(site: string): string {
    return `collector-${site}`;
}

/**
 * How the backlog leaves the collector when the link comes back: bounded, in large batches.
 * - max_samples_per_send 2,000: few, large requests (snappy compresses a batch of similar series far better
 *   than a small one, and a satellite link pays its round trip per request).
 * - capacity 10,000 per shard: five batches, as Prometheus's documentation advises (a few times
 *   max_samples_per_send), so a shard always has the next batch ready.
 * - max_shards 8: at most 8 requests in flight. Resharding follows the backlog, so drain is fast, but never
 *   more than 8 concurrent writes: neither the site's uplink nor the receiver sees a burst of hundreds of
 *   connections (the default cap is 200, in 2.x and 3.x alike).
 * - min_backoff 1 s, max_backoff 10 s: while the link is down, each shard retries at most every 10 s;
 *   after it returns, sending resumes within 10 s.
 * - batch_send_deadline 5 s (the default): with the link up, samples reach the host within seconds.
 * Metadata is not sent: the receiver does not store it, and it would cost bytes every minute.
 */
export const COLLECTOR_QUEUE_CONFIG = {
    capacity: 10000,
    max_samples_per_send: 2000,
    batch_send_deadline: "5s",
    min_shards: 1,
    max_shards: 8,
    min_backoff: "1s",
    max_backoff: "10s",
} as const;

export interface CollectorConfigOptions {
    readonly site: string;
    /** `https://<monitoring host>:<port>/api/v1/write`. */
    readonly remoteWriteUrl: string;
    /** Seconds between scrapes of each device: the same as the central scrape. Defaults to 30. */
    readonly scrapeIntervalSeconds?: number;
    /** The collector device's name: its own metrics carry it as `instance`. */
    readonly collectorDevice: string;
    readonly region: string;
    /** TLS server name to verify the receiver's certificate against, when the URL's host is not in it. */
    readonly remoteWriteServerName?: string;
    /** The receiver's certificate is from a public CA (ACME): no CA file, the device's trust store. */
    readonly useSystemRoots?: boolean;
    /** Defaults to COLLECTOR_PATHS (the device); benchmarks run the agent elsewhere. */
    readonly paths?: CollectorPaths;
    /** The agent's own port. Defaults to COLLECTOR_AGENT_PORT. */
    readonly agentPort?: number;
}

/**
 * The collector's prometheus.yml (server mode: the same file an agent reads): the site's devices with the central scrape job itself (same TLS, auth and
 * labels, so series from a collector are indistinguishable from centrally scraped ones), the agent's
 * own metrics as job "collector" (CollectorSilent watches them arrive), and the remote write.
 */
export function renderCollectorConfig(o: CollectorConfigOptions): string {
    const seconds = o.scrapeIntervalSeconds ?? 30;
    const p = o.paths ?? COLLECTOR_PATHS;
    const config = {
        global: { scrape_interval: `${seconds}s`, scrape_timeout: `${Math.min(10, seconds)}s` },
        scrape_configs: [
            deviceScrapeJob({ caFile: p.scrapeCaFile, passwordFile: p.scrapePasswordFile, targetFiles: [`${p.targetsDir}/*.json`] }),
            {
                job_name: "collector",
                static_configs: [{ targets: [`127.0.0.1:${o.agentPort ?? COLLECTOR_AGENT_PORT}`], labels: { instance: o.collectorDevice, site: o.site, region: o.region } }],
            },
        ],
        remote_write: [
            {
                url: o.remoteWriteUrl,
                name: `site-${o.site}`,
                basic_auth: { username: collectorUsername(o.site), password_file: p.remoteWritePasswordFile },
                tls_config: { ...(o.useSystemRoots ? {} : { ca_file: p.remoteWriteCaFile }), min_version: "TLS12", ...(o.remoteWriteServerName ? { server_name: o.remoteWriteServerName } : {}) },
                queue_config: { ...COLLECTOR_QUEUE_CONFIG },
                metadata_config: { send: false },
            },
        ],
    };
    return "# Rendered by iiot-monitoring for the collector of site " + o.site + "; do not edit on the device.\n" + dump(config, { lineWidth: 200, noRefs: true });
}

/** Prometheus's default block range, which the back-filler's trust in the live remote write depends on. */
export const DEFAULT_BLOCK_SECONDS = 2 * 3600;

export interface BackfillOptions {
    /** `https://<monitoring host>:<port>/api/v1/write`: the same receiver as the live remote write. */
    readonly remoteWriteUrl: string;
    readonly site: string;
    readonly outageBudgetHours: number;
    /** Seconds of samples in one resent range (collectorDiskSize().backfillRangeSeconds). */
    readonly rangeSeconds: number;
    /** The TSDB's block range. Defaults to DEFAULT_BLOCK_SECONDS (only the lab shortens it). */
    readonly blockSeconds?: number;
    readonly remoteWriteServerName?: string;
    readonly useSystemRoots?: boolean;
    readonly paths?: CollectorPaths;
    readonly agentPort?: number;
}

/**
 * The back-filler's settings (provisioners/prometheus-collector-backfill.sh sources them).
 * - live_lag_seconds: the live remote write is trusted only while it is at most this far behind. It
 *   must stay well under what the head's WAL still holds when it is truncated (about half a block
 *   range at least), or the remote write could skip what a checkpoint dropped: a quarter of the
 *   block range, at most 5 minutes.
 * - overlap_seconds: the remote write's shards send in parallel, so samples older than its highest
 *   sent timestamp may still be in flight; 2 minutes covers 8 shards of 10,000 samples at any site size
 *   this product sizes (and a resent sample is harmless).
 */
export function renderBackfillEnv(o: BackfillOptions): string {
    const block = o.blockSeconds ?? DEFAULT_BLOCK_SECONDS;
    const values: [string, string | number][] = [
        ["remote_write_url", o.remoteWriteUrl],
        ["port", o.agentPort ?? COLLECTOR_AGENT_PORT],
        ["live_lag_seconds", Math.min(300, Math.floor(block / 4))],
        ["overlap_seconds", 120],
        ["range_seconds", o.rangeSeconds],
        ["budget_seconds", Math.round(o.outageBudgetHours * 3600)],
        ["interval_seconds", 10],
    ];
    for (const [k, v] of values) if (!/^[A-Za-z0-9:/._\-[\]@%]+$/.test(String(v))) throw new Error(`collector of site ${o.site}: ${k} ${JSON.stringify(v)} cannot go into the back-filler's settings`);
    return `# Rendered by iiot-monitoring for the back-filler of site ${o.site}; do not edit on the device.\n` + values.map(([k, v]) => `${k}=${v}\n`).join("");
}

/** promtool's --http.config.file for the back-filler: the live remote write's credentials and TLS, by file. */
export function renderBackfillHttpConfig(o: BackfillOptions): string {
    const p = o.paths ?? COLLECTOR_PATHS;
    const config = {
        basic_auth: { username: collectorUsername(o.site), password_file: p.remoteWritePasswordFile },
        tls_config: { ...(o.useSystemRoots ? {} : { ca_file: p.remoteWriteCaFile }), min_version: "TLS12", ...(o.remoteWriteServerName ? { server_name: o.remoteWriteServerName } : {}) },
    };
    return `# Rendered by iiot-monitoring for the back-filler of site ${o.site}; do not edit on the device.\n` + dump(config, { lineWidth: 200, noRefs: true });
}
