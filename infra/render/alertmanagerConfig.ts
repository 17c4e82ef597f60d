import { dump } from "js-yaml";

/**
 * alertmanager.yml: alerts grouped by site and alert name; receivers come with the alerting work.
 * Until one is configured, alerts are visible in Alertmanager and Grafana but sent nowhere.
 */
export function renderAlertmanagerConfig(): string {
    const config = {
        route: {
            receiver: "default",
            group_by: ["site", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
        },
        receivers: [{ name: "default" }],
        inhibit_rules: [
            // A device that is down fires nothing else.
            { source_matchers: ['alertname="DeviceDown"'], target_matchers: ['alertname!="DeviceDown"'], equal: ["instance"] },
            // The critical alert of a pair silences its warning on the same device.
            { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "instance"] },
        ],
    };
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump(config, { lineWidth: 200 });
}
