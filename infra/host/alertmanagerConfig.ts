import { dump } from "js-yaml";
import { OwnedWindows } from "../fleet";
import { MONITORING_SCOPE } from "./alertRule";
import { maintenanceTimeIntervals, mutedScopes } from "./maintenanceIntervals";

/** Where alerts go. Every field is optional: with none, alerts are visible in Grafana and Alertmanager only. */
export interface AlertChannels {
    /** Slack incoming-webhook URL (a secret). */
    readonly slackWebhookUrl?: string;
    /** A generic webhook (PagerDuty Events, Opsgenie, your own), a secret URL. */
    readonly webhookUrl?: string;
    readonly email?: {
        readonly to: string;
        readonly from: string;
        /** host:port of the SMTP server. */
        readonly smarthost: string;
        readonly username?: string;
        /** A secret. */
        readonly password?: string;
    };
}

function receiver(name: string, c: AlertChannels): Record<string, unknown> {
    const r: Record<string, unknown> = { name };
    if (c.slackWebhookUrl) {
        r.slack_configs = [
            {
                api_url: c.slackWebhookUrl,
                send_resolved: true,
                title: `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }}) at {{ .CommonLabels.site }}`,
                text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}",
            },
        ];
    }
    if (c.webhookUrl) r.webhook_configs = [{ url: c.webhookUrl, send_resolved: true }];
    if (c.email) {
        r.email_configs = [
            {
                to: c.email.to,
                from: c.email.from,
                smarthost: c.email.smarthost,
                ...(c.email.username ? { auth_username: c.email.username, auth_password: c.email.password ?? "" } : {}),
                send_resolved: true,
            },
        ];
    }
    return r;
}

/**
 * alertmanager.yml: grouped by site and alert; critical and warning alerts to the configured channels
 * (critical repeated hourly, warnings every 4 hours, info nowhere); inhibitions that cut noise. The
 * monitoring system's own alerts (`iiotmon_scope="monitoring"`: the host's node alerts, backups,
 * Prometheus, Alertmanager) go first to receivers of their own, grouped by alert and instance (they have
 * no site), so a full data disk on the monitoring host reads as that, not as one more device. Holds the
 * channels' secrets, so the stack delivers it as a secret.
 */
/** The fleet's pages by severity; each muted in the given intervals (routes do not inherit mute intervals). */
function severityRoutes(mute: readonly string[] = []): Record<string, unknown>[] {
    const muted = mute.length ? { mute_time_intervals: mute } : {};
    return [
        { receiver: "critical", matchers: ['severity="critical"'], repeat_interval: "1h", ...muted },
        { receiver: "warning", matchers: ['severity="warning"'], repeat_interval: "4h", ...muted },
    ];
}

/**
 * Maintenance windows (from endpoints.yaml) become time intervals, and each device or site with windows
 * gets a route of its own, before the fleet's severity routes, whose routes are muted during them: the
 * alerts still fire (Prometheus, Grafana and Alertmanager's UI show them) but notify no one.
 */
export function renderAlertmanagerConfig(channels: AlertChannels = {}, maintenance: readonly OwnedWindows[] = []): string {
    const scopes = mutedScopes(maintenance).map((s) => ({
        receiver: "default",
        matchers: [s.matcher],
        mute_time_intervals: s.intervals,
        routes: severityRoutes(s.intervals),
    }));
    const intervals = maintenanceTimeIntervals(maintenance);
    const config = {
        route: {
            receiver: "default",
            group_by: ["site", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                {
                    receiver: "default",
                    matchers: [`iiotmon_scope="${MONITORING_SCOPE.iiotmon_scope}"`],
                    group_by: ["alertname", "instance"],
                    routes: [
                        { receiver: "monitoring-critical", matchers: ['severity="critical"'], repeat_interval: "1h" },
                        { receiver: "monitoring-warning", matchers: ['severity="warning"'], repeat_interval: "4h" },
                    ],
                },
                ...scopes,
                ...severityRoutes(),
            ],
        },
        ...(intervals.length ? { time_intervals: intervals } : {}),
        receivers: [
            { name: "default" },
            receiver("critical", channels),
            receiver("warning", channels),
            receiver("monitoring-critical", channels),
            receiver("monitoring-warning", channels),
        ],
        inhibit_rules: [
            // A device that is down fires nothing else of its own.
            { source_matchers: ['alertname="DeviceDown"'], target_matchers: ['alertname!="DeviceDown"'], equal: ["instance"] },
            // A site that is down silences its devices' DeviceDown: one page for the network cut.
            { source_matchers: ['alertname="SiteDown"'], target_matchers: ['alertname="DeviceDown"'], equal: ["site"] },
            // The critical alert of a pair silences its warning on the same device.
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "instance"] },
        ],
    };
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump(config, { lineWidth: 200, noRefs: true });
}
