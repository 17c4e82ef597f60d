import { dump } from "js-yaml";
import { SCRAPE_USERNAME } from "../device";
import { SERVICES } from "./hostLayout";
import { exporterScrapeConfigs } from "./exporterScrapeConfigs";
import { PrometheusPaths } from "./hostPaths";
import { remoteWriteEntry, RemoteWriteTarget } from "./ampRemoteWrite";

export interface PrometheusConfigOptions {
    readonly paths: PrometheusPaths;
    /** Seconds between scrapes of each device. Defaults to 30. */
    readonly scrapeIntervalSeconds?: number;
    /** External label naming this monitoring stack in alerts. */
    readonly stackName: string;
    /** Where Prometheus reaches blackbox_exporter and snmp_exporter. Defaults to their containers. */
    readonly exporters?: { readonly blackbox: string; readonly snmp: string };
    /**
     * Hours of samples older than the newest that Prometheus still accepts: the longest outage budget of
     * the site collectors. Without it, a backlog older than the head block (about 1 to 3 hours) is refused
     * as "out of bounds" once the link returns, and the collector drops it. Undefined: no collectors.
     */
    readonly outOfOrderHours?: number;
    /** Where every sample is also written for long-term history (longTermStore: amp). Defaults to none. */
    readonly remoteWrite?: RemoteWriteTarget;
}

/** Where the device scrape job reads its CA, password and targets. */
export interface DeviceScrapeFiles {
    readonly caFile: string;
    readonly passwordFile: string;
    readonly targetFiles: readonly string[];
}

/**
 * The scrape job of the fleet's devices: HTTPS with the stack's CA, basic auth, file_sd targets that
 * carry every label (instance, site, region, the fleet's). The monitoring host and every site collector
 * use this same job, so a series has the same labels whoever scraped it.
 */
export function deviceScrapeJob(f: DeviceScrapeFiles): object {
    return {
        job_name: "node",
        scheme: "https",
        tls_config: { ca_file: f.caFile, min_version: "TLS12" },
        basic_auth: { username: SCRAPE_USERNAME, password_file: f.passwordFile },
        file_sd_configs: [{ files: [...f.targetFiles], refresh_interval: "1m" }],
    };
}

/**
 * prometheus.yml: devices from file_sd over HTTPS with the stack's CA and basic auth, Prometheus and
 * Alertmanager themselves, rule files, Alertmanager. Accepted by Prometheus 2.42 (the lab) and 3.x.
 */
export function renderPrometheusConfig(o: PrometheusConfigOptions): string {
    const seconds = o.scrapeIntervalSeconds ?? 30;
    const interval = `${seconds}s`;
    const config = {
        global: {
            scrape_interval: interval,
            evaluation_interval: interval,
            scrape_timeout: `${Math.min(10, seconds)}s`,
            external_labels: { monitor: o.stackName },
        },
        ...(o.outOfOrderHours ? { storage: { tsdb: { out_of_order_time_window: `${o.outOfOrderHours}h` } } } : {}),
        rule_files: [`${o.paths.configDir}/rules/*.yml`],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [o.paths.alertmanager] }] }] },
        scrape_configs: [
            deviceScrapeJob({ caFile: `${o.paths.secretsDir}/scrape-ca.crt`, passwordFile: `${o.paths.secretsDir}/scrape-password`, targetFiles: [`${o.paths.targetsDir}/*.json`] }),
            // The monitoring host itself, including the backup job's outcome (text file collector).
            { job_name: "host", static_configs: [{ targets: [o.paths.hostNodeExporter], labels: { instance: "monitoring-host" } }] },
            { job_name: "prometheus", static_configs: [{ targets: [o.paths.prometheus ?? `localhost:${SERVICES.prometheus.port}`] }] },
            { job_name: "alertmanager", static_configs: [{ targets: [o.paths.alertmanager] }] },
            // Probe and SNMP devices, through the exporters on the host (multi-target pattern).
            ...exporterScrapeConfigs(o.paths, o.exporters),
        ],
        ...(o.remoteWrite ? { remote_write: [remoteWriteEntry(o.remoteWrite)] } : {}),
    };
    return "# Rendered by iiot-monitoring from endpoints.yaml and the stack settings; do not edit on the host.\n" + dump(config, { lineWidth: 200, noRefs: true });
}
