import { Fleet } from "../fleet/types";
import { renderAlertmanagerConfig } from "./alertmanagerConfig";
import { fleetRules, renderRuleFile } from "./alertRules";
import { renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafanaProvisioning";
import { CONTAINER_PROMETHEUS_PATHS, PrometheusPaths } from "./hostPaths";
import { renderPrometheusConfig } from "./prometheusConfig";
import { renderScrapeTargets } from "./scrapeTargets";

/** Path of the targets file under the host's data root: the only file a fleet edit changes. */
export const TARGETS_FILE = "config/prometheus/targets/fleet.json";

export interface HostConfigOptions {
    readonly stackName: string;
    readonly paths?: PrometheusPaths;
    /** Seconds between scrapes. Defaults to 30. */
    readonly scrapeIntervalSeconds?: number;
}

/**
 * Every configuration file the monitoring host receives, by path under /srv/iiotmon, except the
 * targets (see TARGETS_FILE) and secrets. None of these depends on the devices, so a fleet edit never
 * touches them.
 */
export function renderHostConfigFiles(o: HostConfigOptions): Record<string, string> {
    return {
        "config/prometheus/prometheus.yml": renderPrometheusConfig({ paths: o.paths ?? CONTAINER_PROMETHEUS_PATHS, stackName: o.stackName, scrapeIntervalSeconds: o.scrapeIntervalSeconds }),
        "config/prometheus/rules/fleet.yml": renderRuleFile("fleet", fleetRules()),
        "config/alertmanager/alertmanager.yml": renderAlertmanagerConfig(),
        "config/grafana/provisioning/datasources/iiotmon.yaml": renderGrafanaDatasources(),
        "config/grafana/provisioning/dashboards/iiotmon.yaml": renderGrafanaDashboardProvider(),
    };
}

/** The targets file for a fleet. */
export function renderTargetsFile(fleet: Pick<Fleet, "devices">): Record<string, string> {
    return { [TARGETS_FILE]: renderScrapeTargets(fleet) };
}
