/** The shape of every alert rule the stack renders; its own module so each rule family imports it and nothing else of the others. */
export type Severity = "critical" | "warning" | "info";

/** A Prometheus alerting rule with the product's conventions: a severity, a summary, a description, a link. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: { readonly severity: Severity } & Record<string, string>;
    readonly annotations: { readonly summary: string; readonly description: string } & Record<string, string>;
}

/**
 * Label of the monitoring system's own alerts (the host's node alerts, backups, Prometheus and
 * Alertmanager, the exporters), by which Alertmanager routes them apart from the fleet's. Fleet labels may not use it.
 */
export const MONITORING_SCOPE = { iiotmon_scope: "monitoring" } as const;

/** Where the runbook of an alert is: one Markdown page per alert name under the base (docs/runbooks/ by default). */
export function runbookUrl(baseUrl: string, alert: string): string {
    return `${baseUrl}${alert}.md`;
}

/** The rule with `annotations.runbook_url`, the Prometheus convention Alertmanager and Grafana show as a link. */
export function withRunbook(rule: AlertRule, baseUrl: string): AlertRule {
    return { ...rule, annotations: { ...rule.annotations, runbook_url: runbookUrl(baseUrl, rule.alert) } };
}
