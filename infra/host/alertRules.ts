import { dump } from "js-yaml";
import { mixinNodeRules } from "./nodeAlertRules";
import { exporterRules, probeRules, snmpRules, WATCH_ALERT_DEFAULTS, WatchAlertOptions } from "./watchAlertRules";
import { AlertRule, MONITORING_SCOPE, Severity, withRunbook } from "./alertRule";
import { NODE_ALERT_DEFAULTS, NodeAlertThresholds, SETTING_DEFAULTS } from "../settings";

/** Grafana path of the device dashboard for the alert's device (prefix it with your Grafana URL). */
export const DEVICE_DASHBOARD_LINK = "/d/iiotmon-device/device?var-device={{ $labels.instance }}";
export const FLEET_DASHBOARD_LINK = "/d/iiotmon-fleet/fleet?var-site={{ $labels.site }}";

const NODE = 'job="node"';

function deviceRule(alert: string, severity: Severity, expr: string, forDuration: string, summary: string, what: string): AlertRule {
    return {
        alert,
        expr,
        for: forDuration,
        labels: { severity },
        annotations: {
            summary: `${summary} on {{ $labels.instance }}`,
            description: `{{ $labels.instance }} (site {{ $labels.site }}, region {{ $labels.region }}): ${what}`,
            dashboard: DEVICE_DASHBOARD_LINK,
        },
    };
}

/**
 * Whether a device answers at all, whatever watches it: node_exporter or the SNMP agent scraped
 * (`up`), or for a device watched by probes only, any of its probes succeeding. One series per device,
 * labelled instance, site and region. While snmp_exporter or blackbox_exporter itself is down, its
 * devices are unknown, not down: they have no series here (ExporterDown pages for the exporter), as the
 * overview dashboard shows them.
 */
const SNMP_EXPORTER_DOWN = '(up{job="snmp-exporter"} == 0)';
const BLACKBOX_EXPORTER_DOWN = '(up{job="blackbox-exporter"} == 0)';
export const DEVICE_ANSWERS =
    `max by (instance, site, region) (up{job="node"} or (up{job="snmp"} unless on () ${SNMP_EXPORTER_DOWN}))` +
    ` or (max by (instance, site, region) (probe_success{job="blackbox"}) unless on () ${BLACKBOX_EXPORTER_DOWN})`;

/** How long before the fleet's alerts fire. The lab shortens them; production uses the defaults. */
export interface FleetAlertDurations {
    /** Defaults to 5m. */
    readonly deviceDownFor: string;
    /** Defaults to 3m. */
    readonly siteDownFor: string;
}

export const FLEET_ALERT_DEFAULTS: FleetAlertDurations = { deviceDownFor: "5m", siteDownFor: "3m" };

/** Whether devices answer at all, one by one and site by site. */
export function fleetRules(d: FleetAlertDurations = FLEET_ALERT_DEFAULTS): AlertRule[] {
    const answers = `(${DEVICE_ANSWERS})`;
    return [
        deviceRule(
            "DeviceDown",
            "critical",
            // node_exporter and SNMP devices by their scrape; probe-only devices when none of their probes succeeds.
            // An SNMP device is not down while the snmp_exporter that scrapes it is (ExporterDown says that).
            `up{job="node"} == 0 or (up{job="snmp"} == 0 unless on () ${SNMP_EXPORTER_DOWN}) or (max by (instance, site, region) (probe_success{job="blackbox"}) unless on (instance) up{job=~"node|snmp"}) == 0`,
            d.deviceDownFor,
            "Device down",
            `Prometheus has not scraped the device (node_exporter or its SNMP agent), or none of its probes has succeeded, for ${d.deviceDownFor}.`,
        ),
        {
            alert: "SiteDown",
            // Most of a site at once is a network cut or a power loss at the site, not many broken devices.
            expr: `count by (site, region) (${answers} == 0) / count by (site, region) ${answers} > 0.5 and count by (site, region) ${answers} >= 2`,
            for: d.siteDownFor,
            labels: { severity: "critical" },
            annotations: {
                summary: "Most of site {{ $labels.site }} is down",
                description: `More than half the devices of site {{ $labels.site }} (region {{ $labels.region }}), of every kind, have not answered for ${d.siteDownFor}: check the site's network link or power.`,
                dashboard: FLEET_DASHBOARD_LINK,
            },
        },
    ];
}

/** A site whose devices reach the host through its collector. */
export interface CollectorSiteRef {
    readonly site: string;
    readonly region: string;
    /** The collector device's name. */
    readonly device: string;
    readonly outageBudgetHours: number;
}

/**
 * One rule per collector site: its collector's own series (job "collector", which it scrapes from itself
 * and sends with the rest) stopped arriving. That is "the site is unreachable" (its link, or the collector
 * itself), not "devices down": while no sample arrives, the devices' `up` series simply go stale, so
 * DeviceDown and SiteDown stay silent instead of paging for every device; they fire as before when the
 * collector sends `up == 0`. A rule per site, because absent_over_time needs the site spelled out.
 */
export function collectorRules(sites: readonly CollectorSiteRef[]): AlertRule[] {
    return [...sites]
        .sort((a, b) => (a.site < b.site ? -1 : 1))
        .map((c) => ({
            alert: "SiteUnreachable",
            expr: `absent_over_time(up{job="collector", site=${JSON.stringify(c.site)}}[2m])`,
            for: "1m",
            labels: { severity: "critical", site: c.site, region: c.region, instance: c.device },
            annotations: {
                summary: "Site {{ $labels.site }} is unreachable: its collector has sent nothing for 3 minutes",
                description:
                    `Nothing has arrived from ${c.device}, the collector of site ${c.site} (region ${c.region}), for 3 minutes: the site's link or the collector is down. ` +
                    `The collector keeps scraping and buffers up to ${c.outageBudgetHours} h; the samples arrive when the link returns. ` +
                    "Device alerts of this site cannot fire meanwhile.",
                dashboard: FLEET_DASHBOARD_LINK,
            },
        }));
}

/** The node mixin's alerts for the fleet's devices (`job="node"`). */
export function nodeRules(thresholds: NodeAlertThresholds = NODE_ALERT_DEFAULTS): AlertRule[] {
    return mixinNodeRules(
        {
            selector: NODE,
            labels: {},
            annotate: (summary, what) => ({
                summary: `${summary} on {{ $labels.instance }}`,
                description: `{{ $labels.instance }} (site {{ $labels.site }}, region {{ $labels.region }}): ${what}`,
                dashboard: DEVICE_DASHBOARD_LINK,
            }),
        },
        thresholds,
    );
}

/** The same node mixin alerts for the monitoring host's own node_exporter (`job="host"`), routed as the monitoring system's. */
export function hostNodeRules(thresholds: NodeAlertThresholds = NODE_ALERT_DEFAULTS): AlertRule[] {
    return mixinNodeRules(
        {
            selector: 'job="host"',
            labels: { ...MONITORING_SCOPE },
            annotate: (summary, what) => ({ summary: `${summary} on the monitoring host`, description: `The monitoring host: ${what}` }),
        },
        thresholds,
    );
}

/** Devices in hot cabinets: temperatures from hwmon chips and thermal zones. */
export function hardwareRules(): AlertRule[] {
    const temp = (threshold: number) => `max by (instance, site, region) (node_hwmon_temp_celsius{${NODE}} > ${threshold} or node_thermal_zone_temp{${NODE}} > ${threshold})`;
    return [
        deviceRule("DeviceTemperatureHigh", "warning", temp(75), "10m", "Device running hot", "a temperature sensor has read above 75 °C for 10 minutes; check the cabinet's cooling."),
        deviceRule("DeviceTemperatureHigh", "critical", temp(85), "5m", "Device overheating", "a temperature sensor has read above 85 °C for 5 minutes; the device may throttle or shut down."),
    ];
}

/** The monitoring system watching itself: backups, scrape targets, configuration reloads. */
export function monitoringRules(): AlertRule[] {
    const host = (alert: string, severity: Severity, expr: string, forDuration: string, summary: string, description: string): AlertRule => ({
        alert,
        expr,
        for: forDuration,
        labels: { severity, ...MONITORING_SCOPE },
        annotations: { summary, description },
    });
    return [
        host("BackupStale", "warning", "time() - iiotmon_backup_last_success_timestamp_seconds > 26 * 3600", "10m", "No successful backup for more than 26 hours", "The last successful backup of the monitoring host is more than 26 hours old; check `journalctl -u iiotmon-backup` on the host."),
        // Not a second BackupStale (same name and labels, so Alertmanager could not tell them apart): a
        // host whose backup never succeeded has no timestamp for BackupStale to compare.
        host("BackupNeverSucceeded", "warning", 'absent(iiotmon_backup_last_success_timestamp_seconds{job="host"})', "26h", "No backup has ever succeeded", "The monitoring host has not recorded a successful backup in 26 hours."),
        host("ScrapeTargetsStale", "warning", "increase(prometheus_sd_file_read_errors_total[10m]) > 0", "5m", "Prometheus cannot read the scrape targets file", "Prometheus failed to read the file_sd targets written by `pulumi up`; device changes are not being picked up."),
        host("PrometheusConfigReloadFailed", "warning", "prometheus_config_last_reload_successful == 0", "10m", "Prometheus configuration reload failed", "The last configuration pushed by `pulumi up` did not load; Prometheus keeps running with the previous one."),
        host("AlertmanagerConfigReloadFailed", "warning", "alertmanager_config_last_reload_successful == 0", "10m", "Alertmanager configuration reload failed", "The last Alertmanager configuration did not load; it keeps the previous one."),
    ];
}

export function renderRuleFile(groupName: string, rules: readonly AlertRule[]): string {
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump({ groups: [{ name: groupName, rules }] }, { lineWidth: 400 });
}

/** What the rule files depend on; every field has the production default. */
export interface RuleFileOptions {
    /** Thresholds of the node alerts. Defaults to the node mixin's. */
    readonly thresholds?: NodeAlertThresholds;
    /** Durations and thresholds of the probe and SNMP alerts. */
    readonly watch?: WatchAlertOptions;
    /** How long before DeviceDown and SiteDown fire. */
    readonly fleet?: FleetAlertDurations;
    /** Sites scraped by a collector: one SiteUnreachable rule each. Defaults to none. */
    readonly collectorSites?: readonly CollectorSiteRef[];
    /** Base URL of the runbooks (`<base><AlertName>.md`). Defaults to the setting runbookBaseUrl's default. */
    readonly runbookBaseUrl?: string;
}

/** All rule files by name; collectors.yml only when a site has a collector. Every rule links to its runbook. */
export function ruleFiles(o: RuleFileOptions = {}): Record<string, string> {
    const thresholds = o.thresholds ?? NODE_ALERT_DEFAULTS;
    const watch = o.watch ?? WATCH_ALERT_DEFAULTS;
    const collectorSites = o.collectorSites ?? [];
    const base = o.runbookBaseUrl ?? SETTING_DEFAULTS.runbookBaseUrl;
    const file = (group: string, rules: readonly AlertRule[]) => renderRuleFile(group, rules.map((r) => withRunbook(r, base)));
    return {
        ...(collectorSites.length ? { "collectors.yml": file("collectors", collectorRules(collectorSites)) } : {}),
        "fleet.yml": file("fleet", fleetRules(o.fleet ?? FLEET_ALERT_DEFAULTS)),
        "node.yml": file("node", nodeRules(thresholds)),
        "monitoring-host.yml": file("monitoring-host", hostNodeRules(thresholds)),
        "hardware.yml": file("hardware", hardwareRules()),
        "monitoring.yml": file("monitoring", [...monitoringRules(), ...exporterRules()]),
        "probes.yml": file("probes", probeRules(watch)),
        "snmp.yml": file("snmp", snmpRules(watch)),
    };
}
