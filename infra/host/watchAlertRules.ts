import { AlertRule, MONITORING_SCOPE, Severity } from "./alertRule";

/** Grafana path of the probe and SNMP dashboard for the alert's device. */
export const WATCHED_DEVICE_DASHBOARD_LINK = "/d/iiotmon-probe-snmp/probes-and-snmp?var-device={{ $labels.instance }}";

/** How long and how far before the probe and SNMP alerts fire. The lab shortens the durations. */
export interface WatchAlertOptions {
    /** A probe that fails this long fires ProbeFailing. Defaults to 3m. */
    readonly probeFailingFor: string;
    /** Average probe duration above which ProbeSlow fires, over 5 minutes. Defaults to 1 s. */
    readonly probeSlowSeconds: number;
    readonly probeSlowFor: string;
    /** Days before a certificate's expiry: warning, then critical. Default 14 and 3. */
    readonly certWarningDays: number;
    readonly certCriticalDays: number;
    /** An interface that is administratively up and operationally down this long fires InterfaceDown. Defaults to 5m. */
    readonly interfaceDownFor: string;
    /** Window and number of state changes for InterfaceFlapping. Defaults 15m and 4. */
    readonly flapWindow: string;
    readonly flapChanges: number;
    /** UPS alerts wait this long (a transfer test lasts seconds). Defaults to 1m. */
    readonly upsFor: string;
    /** How long a certificate stays under a threshold before its alert fires. Defaults 1h (warning) and 10m (critical). */
    readonly certWarningFor: string;
    readonly certCriticalFor: string;
}

export const WATCH_ALERT_DEFAULTS: WatchAlertOptions = {
    probeFailingFor: "3m",
    probeSlowSeconds: 1,
    probeSlowFor: "10m",
    certWarningDays: 14,
    certCriticalDays: 3,
    interfaceDownFor: "5m",
    flapWindow: "15m",
    flapChanges: 4,
    upsFor: "1m",
    certWarningFor: "1h",
    certCriticalFor: "10m",
};

const PROBE = 'job="blackbox"';
const SNMP = 'job="snmp"';

function rule(alert: string, severity: Severity, expr: string, forDuration: string | undefined, summary: string, what: string): AlertRule {
    return {
        alert,
        expr,
        ...(forDuration ? { for: forDuration } : {}),
        labels: { severity },
        annotations: {
            summary: `${summary} on {{ $labels.instance }}`,
            description: `{{ $labels.instance }} (site {{ $labels.site }}, region {{ $labels.region }}): ${what}`,
            dashboard: WATCHED_DEVICE_DASHBOARD_LINK,
        },
    };
}

/** Probes from the monitoring host: failing checks, slow answers, certificates about to expire. */
export function probeRules(o: WatchAlertOptions = WATCH_ALERT_DEFAULTS): AlertRule[] {
    const days = `(probe_ssl_earliest_cert_expiry{${PROBE}} - time()) / 86400`;
    return [
        rule("ProbeFailing", "critical", `probe_success{${PROBE}} == 0`, o.probeFailingFor, "Probe {{ $labels.probe }} failing", `the check {{ $labels.probe }} from the monitoring host has failed for ${o.probeFailingFor}.`),
        rule(
            "ProbeSlow",
            "warning",
            `avg_over_time(probe_duration_seconds{${PROBE}}[5m]) > ${o.probeSlowSeconds} and probe_success{${PROBE}} == 1`,
            o.probeSlowFor,
            "Probe {{ $labels.probe }} slow",
            `the check {{ $labels.probe }} has taken more than ${o.probeSlowSeconds} s on average for ${o.probeSlowFor}; check the site's link.`,
        ),
        rule("TlsCertificateExpiring", "warning", `${days} < ${o.certWarningDays}`, o.certWarningFor, "TLS certificate expiring", `the certificate served to {{ $labels.probe }} expires in less than ${o.certWarningDays} days; renew it.`),
        rule("TlsCertificateExpiring", "critical", `${days} < ${o.certCriticalDays}`, o.certCriticalFor, "TLS certificate about to expire", `the certificate served to {{ $labels.probe }} expires in less than ${o.certCriticalDays} days (or has expired); renew it now.`),
    ];
}

/** SNMP devices: interfaces down or flapping, UPS units on battery or low. */
export function snmpRules(o: WatchAlertOptions = WATCH_ALERT_DEFAULTS): AlertRule[] {
    // down(2) or lowerLayerDown(7) while administratively up(1): a cable, a peer or a port that failed.
    const operDown = `(ifOperStatus{${SNMP}} == 2 or ifOperStatus{${SNMP}} == 7) and on (instance, ifIndex) ifAdminStatus{${SNMP}} == 1`;
    return [
        rule("InterfaceDown", "warning", operDown, o.interfaceDownFor, "Interface {{ $labels.ifName }} down", `interface {{ $labels.ifName }} ({{ $labels.ifAlias }}) is enabled but has been down for ${o.interfaceDownFor}.`),
        rule(
            "InterfaceFlapping",
            "warning",
            `changes(ifOperStatus{${SNMP}}[${o.flapWindow}]) >= ${o.flapChanges}`,
            undefined,
            "Interface {{ $labels.ifName }} flapping",
            `interface {{ $labels.ifName }} ({{ $labels.ifAlias }}) changed state at least ${o.flapChanges} times in ${o.flapWindow}; check the cable, the transceiver and the peer.`,
        ),
        // RFC 1628 upsOutputSource battery(5).
        rule("UpsOnBattery", "warning", `upsOutputSource{${SNMP}} == 5`, o.upsFor, "UPS on battery", `the UPS has been running on battery for ${o.upsFor}: mains power is lost at the device.`),
        // RFC 1628 upsBatteryStatus batteryLow(3) or batteryDepleted(4).
        rule("UpsBatteryLow", "critical", `upsBatteryStatus{${SNMP}} >= 3`, o.upsFor, "UPS battery low", "the UPS reports its battery low or depleted: what it powers will shut down soon."),
    ];
}

/**
 * The exporters themselves (the monitoring system's own alert): while one is down, its devices' series
 * are absent, so no probe or SNMP alert could fire for them.
 */
export function exporterRules(): AlertRule[] {
    return [
        {
            alert: "ExporterDown",
            expr: 'up{job=~"blackbox-exporter|snmp-exporter"} == 0',
            for: "5m",
            labels: { severity: "critical", ...MONITORING_SCOPE },
            annotations: {
                summary: "{{ $labels.job }} is down on the monitoring host",
                description: "Prometheus cannot scrape {{ $labels.job }} on the monitoring host: the probe or SNMP devices it watches are not watched; check `docker ps` on the host.",
            },
        },
    ];
}
