/**
 * The monitoring host's long-term store: Amazon Managed Service for Prometheus (AMP), written to with
 * Prometheus's `remote_write` signed with SigV4. Pure: the workspace's endpoint and region come in as text.
 *
 * What the config relies on:
 * - AMP's API reference (RemoteWrite): "Valid URIs: /workspaces/workspaceId/api/v1/remote_write", and
 *   "RemoteWrite has an ingestion rate of 70,000 samples per second and ingestion burst size of 1,000,000
 *   samples" (a default quota, raised through Service Quotas). The workspace's `prometheusEndpoint`
 *   (@pulumi/aws amp.Workspace) is `https://aps-workspaces.REGION.amazonaws.com/workspaces/ws-ID/`.
 * - Prometheus's `sigv4` block (configuration docs, remote_write; Prometheus 2.26 and later): `region`,
 *   and access keys that, when blank, come from the environment, then the AWS SDK's default chain, which on
 *   EC2 is the instance profile. So the block names the region only: no key is written anywhere.
 * - The host runs prom/prometheus v3.5.0 (components/monitoringServices.ts); the config is checked here by
 *   Debian's promtool 2.42, which knows every field used below.
 */

/** Samples one request carries (Prometheus 3.x's default max_samples_per_send). */
export const SAMPLES_PER_SEND = 2000;
/**
 * Seconds one signed request of SAMPLES_PER_SEND samples takes to AMP in the host's own region, assumed
 * (not measured here: there is no AWS on this machine); a slower link only means more shards.
 */
export const ASSUMED_SEND_SECONDS = 0.5;
/** AMP's default ingestion quota per workspace, samples per second (API reference, RemoteWrite). */
export const AMP_INGESTION_SAMPLES_PER_SECOND = 70_000;

export interface RemoteWriteQueueInput {
    /** Active series the host scrapes (sizeHost's activeSeries). */
    readonly activeSeries: number;
    readonly scrapeIntervalSeconds: number;
}

export interface RemoteWriteQueue {
    readonly capacity: number;
    readonly min_shards: number;
    readonly max_shards: number;
    readonly max_samples_per_send: number;
    readonly batch_send_deadline: string;
    readonly min_backoff: string;
    readonly max_backoff: string;
    readonly retry_on_http_429: boolean;
}

/** Samples per second the fleet produces: every active series once per scrape interval. */
export function samplesPerSecond(i: RemoteWriteQueueInput): number {
    return i.activeSeries / i.scrapeIntervalSeconds;
}

/**
 * queue_config sized for the fleet, after Prometheus's "Remote write tuning" page:
 * - "Each remote write destination starts a queue which reads from the write-ahead log (WAL)" into shards;
 *   "Prometheus will continuously calculate the optimal number of shards to use based on the incoming
 *   sample rate, number of outstanding samples not sent, and time taken to send each sample". So the
 *   shards only need bounds: one shard moves SAMPLES_PER_SEND / ASSUMED_SEND_SECONDS samples a second;
 *   min_shards carries the steady rate from the start (no ramp-up after every restart), max_shards three
 *   times it, so a backlog drains at twice the rate it grows. "Failures will be retried without loss of
 *   data unless the remote endpoint remains down for more than 2 hours" (the WAL is then compacted): after
 *   a two-hour outage the backlog drains in about an hour.
 * - capacity: "It is recommended to set capacity to 3-10 times max_samples_per_send"; five times.
 * - "shard memory is proportional to the number of shards * (capacity + max_samples_per_send)": bounded
 *   by max_shards * 12,000 samples.
 * - AMP answers 429 when the ingestion quota is exceeded; retrying keeps the samples instead of dropping
 *   them (`retry_on_http_429`, off by default).
 */
export function remoteWriteQueue(i: RemoteWriteQueueInput): RemoteWriteQueue {
    if (i.activeSeries < 0 || i.scrapeIntervalSeconds <= 0) throw new Error(`cannot size a remote-write queue for ${i.activeSeries} series every ${i.scrapeIntervalSeconds} s`);
    const perShard = SAMPLES_PER_SEND / ASSUMED_SEND_SECONDS;
    const steady = Math.max(1, Math.ceil(samplesPerSecond(i) / perShard));
    return {
        capacity: 5 * SAMPLES_PER_SEND,
        min_shards: steady,
        max_shards: Math.max(10, 3 * steady),
        max_samples_per_send: SAMPLES_PER_SEND,
        batch_send_deadline: "5s",
        min_backoff: "30ms",
        max_backoff: "5s",
        retry_on_http_429: true,
    };
}

/** The remote-write URL of a workspace, from its `prometheusEndpoint`. */
export function ampRemoteWriteUrl(prometheusEndpoint: string): string {
    if (!/^https:\/\/\S+\/workspaces\/ws-[0-9a-zA-Z-]+\/?$/.test(prometheusEndpoint)) throw new Error(`not an AMP workspace endpoint: ${JSON.stringify(prometheusEndpoint)}`);
    return `${prometheusEndpoint.replace(/\/+$/, "")}/api/v1/remote_write`;
}

/** The workspace as the host's Prometheus and Grafana need it. */
export interface AmpWorkspaceRef {
    /** The workspace's `prometheusEndpoint`, `https://aps-workspaces.REGION.amazonaws.com/workspaces/ws-ID/`. */
    readonly prometheusEndpoint: string;
    /** The workspace's region: what SigV4 signs for. */
    readonly region: string;
}

export interface RemoteWriteTarget {
    /** Where samples go. */
    readonly url: string;
    /** SigV4 region; undefined: a plain, unsigned endpoint (the lab's stand-in receiver). */
    readonly sigv4Region?: string;
    readonly queue: RemoteWriteQueue;
}

/** The remote-write target of an AMP workspace for a fleet of this size. */
export function ampRemoteWriteTarget(ws: AmpWorkspaceRef, fleet: RemoteWriteQueueInput): RemoteWriteTarget {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(ws.region)) throw new Error(`not an AWS region: ${JSON.stringify(ws.region)}`);
    return { url: ampRemoteWriteUrl(ws.prometheusEndpoint), sigv4Region: ws.region, queue: remoteWriteQueue(fleet) };
}

/** One `remote_write` entry of prometheus.yml. */
export function remoteWriteEntry(t: RemoteWriteTarget): object {
    return {
        url: t.url,
        name: "long-term",
        remote_timeout: "30s",
        ...(t.sigv4Region ? { sigv4: { region: t.sigv4Region } } : {}),
        queue_config: t.queue,
        // Metric metadata (type, help) lets Grafana's query editor describe AMP's metrics as it does the host's.
        metadata_config: { send: true, send_interval: "1m" },
    };
}

/**
 * What the preview should say when the fleet sends AMP more samples a second than the workspace's default
 * ingestion quota, or undefined: past it AMP answers 429 and the host's queue backs up (retried, and lost
 * after the WAL's two hours).
 */
export function ampQuotaWarning(i: RemoteWriteQueueInput): string | undefined {
    const rate = Math.round(samplesPerSecond(i));
    if (rate <= AMP_INGESTION_SAMPLES_PER_SECOND) return undefined;
    return (
        `longTermStore amp: the fleet sends about ${rate.toLocaleString("en")} samples a second (${i.activeSeries.toLocaleString("en")} series every ${i.scrapeIntervalSeconds} s), ` +
        `more than AMP's default ingestion quota of ${AMP_INGESTION_SAMPLES_PER_SECOND.toLocaleString("en")} a workspace: ask for more in Service Quotas ` +
        `(Amazon Managed Service for Prometheus, ingestion rate per workspace) before pulumi up, or scrape less often (scrapeIntervalSeconds)`
    );
}
