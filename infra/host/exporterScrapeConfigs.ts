import { serviceAddress } from "./hostLayout";
import { PrometheusPaths } from "./hostPaths";

/** Where Prometheus reaches the exporters on the host's private network (their container names). */
export const EXPORTER_ADDRESSES = { blackbox: serviceAddress("blackbox-exporter"), snmp: serviceAddress("snmp-exporter") } as const;

/** The targets files of the exporters, each in a directory of its own under the targets directory. */
export const EXPORTER_TARGET_DIRS = { blackbox: "blackbox", snmp: "snmp" } as const;

/**
 * Scrape jobs of blackbox_exporter and snmp_exporter, in the multi-target exporter pattern: the device
 * (file_sd, written with the fleet, picked up without a restart) becomes the `target` URL parameter,
 * and the scrape goes to the exporter. The targets' own `instance` (the device name), `site`, `region`,
 * fleet labels and `__param_module` are kept as they are. The exporters' own metrics are scraped too.
 */
export function exporterScrapeConfigs(paths: PrometheusPaths, addresses: { blackbox: string; snmp: string } = EXPORTER_ADDRESSES): Record<string, unknown>[] {
    const multiTarget = (job: "blackbox" | "snmp", metricsPath: string, exporter: string) => ({
        job_name: job,
        metrics_path: metricsPath,
        file_sd_configs: [{ files: [`${paths.targetsDir}/${EXPORTER_TARGET_DIRS[job]}/*.json`], refresh_interval: "1m" }],
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { target_label: "__address__", replacement: exporter },
        ],
    });
    return [
        multiTarget("blackbox", "/probe", addresses.blackbox),
        multiTarget("snmp", "/snmp", addresses.snmp),
        { job_name: "blackbox-exporter", static_configs: [{ targets: [addresses.blackbox], labels: { instance: "monitoring-host" } }] },
        { job_name: "snmp-exporter", static_configs: [{ targets: [addresses.snmp], labels: { instance: "monitoring-host" } }] },
    ];
}
