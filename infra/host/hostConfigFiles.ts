import * as fs from "fs";
import * as path from "path";
import { Fleet, OwnedWindows } from "../fleet";
import { encodePayload, PROJECT_ROOT, provisionerScript } from "../common";
import { AlertChannels, renderAlertmanagerConfig } from "./alertmanagerConfig";
import { CollectorSiteRef, FleetAlertDurations, ruleFiles } from "./alertRules";
import { WatchAlertOptions } from "./watchAlertRules";
import { NodeAlertThresholds } from "../settings";
import { renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafanaProvisioning";
import { hostFileOwner } from "./hostLayout";
import { renderBlackboxConfig } from "./blackboxConfig";
import { EXPORTER_TARGET_DIRS } from "./exporterScrapeConfigs";
import { blackboxTargets, probedDevices, renderExporterTargets, snmpTargets } from "./exporterTargets";
import { CONTAINER_PROMETHEUS_PATHS, PrometheusPaths } from "./hostPaths";
import { renderSnmpConfig, SecretValue } from "./snmpConfig";
import { renderPrometheusConfig } from "./prometheusConfig";
import { ampRemoteWriteTarget, AmpWorkspaceRef } from "./ampRemoteWrite";
import { renderScrapeTargets } from "./scrapeTargets";

const DASHBOARDS_DIR = path.join(PROJECT_ROOT, "dashboards");

/** The dashboards in dashboards/, as Grafana's file provider reads them. */
export function dashboardFiles(): Record<string, string> {
    return Object.fromEntries(
        fs
            .readdirSync(DASHBOARDS_DIR)
            .filter((f) => f.endsWith(".json"))
            .sort()
            .map((f) => [`config/grafana/dashboards/${f}`, fs.readFileSync(path.join(DASHBOARDS_DIR, f), "utf8")]),
    );
}

/** Path of the targets file under the host's data root: the only file a fleet edit changes. */
export const TARGETS_FILE = "config/prometheus/targets/fleet.json";

export interface HostConfigOptions {
    readonly stackName: string;
    readonly paths?: PrometheusPaths;
    /** Seconds between scrapes. Defaults to 30. */
    readonly scrapeIntervalSeconds?: number;
    /** Where alerts go (secrets: the stack delivers these files as a secret). */
    readonly alertChannels?: AlertChannels;
    /** Thresholds of the node alerts. Defaults to the node mixin's. */
    readonly nodeAlertThresholds?: NodeAlertThresholds;
    /** Durations and thresholds of the probe and SNMP alerts, and of DeviceDown and SiteDown (the lab shortens them). */
    readonly watchAlerts?: WatchAlertOptions;
    readonly fleetAlerts?: FleetAlertDurations;
    /** Where Prometheus reaches the exporters. Defaults to their containers. */
    readonly exporters?: { readonly blackbox: string; readonly snmp: string };
    /** Sites scraped by a collector: their alert rules, and how old a sample the receiver accepts. */
    readonly collectorSites?: readonly CollectorSiteRef[];
    /** Base URL of the alerts' runbooks. Defaults to the repository's docs/runbooks/. */
    readonly runbookBaseUrl?: string;
    /** Maintenance windows of devices and sites (maintenanceOwners(fleet)): alertmanager.yml mutes them. Defaults to none. */
    readonly maintenance?: readonly OwnedWindows[];
    /** The long-term store (longTermStore: amp) and the active series it receives. Defaults to none. */
    readonly longTermStore?: { readonly workspace: AmpWorkspaceRef; readonly activeSeries: number };
}

/** The fleet's collector sites, as the host's configuration needs them. */
export function collectorSitesOf(fleet: Pick<Fleet, "sites">): CollectorSiteRef[] {
    return fleet.sites.flatMap((s) => (s.collector ? [{ site: s.name, region: s.region, device: s.collector.device, outageBudgetHours: s.collector.outageBudgetHours }] : []));
}

/**
 * Every configuration file the monitoring host receives, by path under /srv/iiotmon, except the
 * targets (see TARGETS_FILE) and secrets. None of these depends on the devices (only on which sites have
 * a collector, and on maintenance windows, which change alertmanager.yml: reloaded, never restarted), so a
 * device edit never touches them.
 */
export function renderHostConfigFiles(o: HostConfigOptions): Record<string, string> {
    return {
        "config/prometheus/prometheus.yml": renderPrometheusConfig({
            paths: o.paths ?? CONTAINER_PROMETHEUS_PATHS,
            stackName: o.stackName,
            scrapeIntervalSeconds: o.scrapeIntervalSeconds,
            exporters: o.exporters,
            // The longest budget and an hour of margin: older samples of a backlog would be refused as out of bounds.
            ...(o.collectorSites?.length ? { outOfOrderHours: Math.ceil(Math.max(...o.collectorSites.map((c) => c.outageBudgetHours))) + 1 } : {}),
            ...(o.longTermStore
                ? { remoteWrite: ampRemoteWriteTarget(o.longTermStore.workspace, { activeSeries: o.longTermStore.activeSeries, scrapeIntervalSeconds: o.scrapeIntervalSeconds ?? 30 }) }
                : {}),
        }),
        ...Object.fromEntries(Object.entries(ruleFiles({ thresholds: o.nodeAlertThresholds, watch: o.watchAlerts, fleet: o.fleetAlerts, collectorSites: o.collectorSites, runbookBaseUrl: o.runbookBaseUrl })).map(([name, text]) => [`config/prometheus/rules/${name}`, text])),
        "config/alertmanager/alertmanager.yml": renderAlertmanagerConfig(o.alertChannels, o.maintenance),
        "config/grafana/provisioning/datasources/iiotmon.yaml": renderGrafanaDatasources(o.longTermStore?.workspace),
        "config/grafana/provisioning/dashboards/iiotmon.yaml": renderGrafanaDashboardProvider(),
        ...dashboardFiles(),
        "config/timescaledb/initdb/10-iiotmon.sh": provisionerScript("timescaledb-init.sh"),
    };
}

/** The devices the monitoring host scrapes itself: those of sites without a collector. */
export function centrallyScrapedDevices(fleet: Pick<Fleet, "devices"> & Partial<Pick<Fleet, "sites">>): Fleet["devices"] {
    const collected = new Set((fleet.sites ?? []).filter((s) => s.collector).map((s) => s.name));
    return fleet.devices.filter((d) => !collected.has(d.site));
}

/** The monitoring host's targets file for a fleet: every device of a site without a collector. */
export function renderTargetsFile(fleet: Pick<Fleet, "devices"> & Partial<Pick<Fleet, "sites">>): Record<string, string> {
    return { [TARGETS_FILE]: renderScrapeTargets({ devices: centrallyScrapedDevices(fleet) }) };
}

/** The file_sd targets of one site's collector: every device of its site, the collector included. */
export function renderSiteTargets(fleet: Pick<Fleet, "devices">, site: string): string {
    return renderScrapeTargets({ devices: fleet.devices.filter((d) => d.site === site) });
}

/** The exporters' targets files, each in its own directory beside the node targets (other jobs, other globs). */
export const EXPORTER_TARGETS_FILES = {
    blackbox: `config/prometheus/targets/${EXPORTER_TARGET_DIRS.blackbox}/fleet.json`,
    snmp: `config/prometheus/targets/${EXPORTER_TARGET_DIRS.snmp}/fleet.json`,
} as const;

/** The probe and SNMP devices' targets for blackbox_exporter and snmp_exporter. */
export function renderExporterTargetsFiles(fleet: Pick<Fleet, "devices" | "agentless">): Record<string, string> {
    return {
        [EXPORTER_TARGETS_FILES.blackbox]: renderExporterTargets(blackboxTargets(fleet)),
        [EXPORTER_TARGETS_FILES.snmp]: renderExporterTargets(snmpTargets(fleet.agentless)),
    };
}

/**
 * blackbox.yml and snmp.yml, which follow the fleet's kinds of checks and SNMP credentials (not its
 * devices: adding a device with checks and credentials already in use changes neither). snmp.yml holds
 * the SNMP secrets' values, so the stack delivers it as a secret, readable by root only.
 */
export function renderExporterConfigFiles(fleet: Pick<Fleet, "devices" | "agentless">, secret: SecretValue): Record<string, string> {
    return {
        "config/blackbox/blackbox.yml": renderBlackboxConfig(probedDevices(fleet).flatMap((d) => d.probes ?? [])),
        "config/snmp/snmp.yml": renderSnmpConfig(fleet.agentless, secret),
    };
}

/** A file for the host with the owner (the uid its container runs as) and mode it needs. */
export interface HostFile {
    readonly path: string;
    readonly text: string;
    readonly mode: string;
    readonly uid: number;
}

/** The backup repository's password, under /srv/iiotmon: root only (the backup job runs as root). */
export const BACKUP_PASSWORD_FILE = "config/backup/restic-password";

/** Owner and mode by where a file goes (the layout table): each service reads its own directory. */
export function hostFile(rel: string, text: string): HostFile {
    const { uid, mode } = hostFileOwner(rel);
    return { path: rel, text, mode, uid };
}

/** The payload of provisioners/host-apply-config.sh: "@@file PATH MODE UID" sections. */
export function hostConfigPayload(files: readonly HostFile[]): string {
    return encodePayload(files.map((f) => ({ name: "file", args: [f.path, f.mode, String(f.uid)], text: f.text })));
}
