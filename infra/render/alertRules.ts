import { dump } from "js-yaml";

/** A Prometheus alerting rule with the product's conventions: a severity, a summary and a description. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: { readonly severity: "critical" | "warning" | "info" } & Record<string, string>;
    readonly annotations: { readonly summary: string; readonly description: string } & Record<string, string>;
}

/** Alerts about the fleet being reachable at all. */
export function fleetRules(): AlertRule[] {
    return [
        {
            alert: "DeviceDown",
            expr: 'up{job="node"} == 0',
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Device {{ $labels.instance }} is down",
                description: "Prometheus has not scraped node_exporter on {{ $labels.instance }} (site {{ $labels.site }}, region {{ $labels.region }}) for 5 minutes.",
            },
        },
    ];
}

export function renderRuleFile(groupName: string, rules: readonly AlertRule[]): string {
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump({ groups: [{ name: groupName, rules }] }, { lineWidth: 200 });
}
