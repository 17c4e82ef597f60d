import { dump } from "js-yaml";
import { serviceAddress } from "./hostLayout";
import { AmpWorkspaceRef } from "./ampRemoteWrite";

/** The uid of the long-term store's data source: the dashboards' `datasource` variable offers it. */
export const LONG_TERM_DATASOURCE_UID = "amp";

/**
 * The AMP workspace as a Prometheus data source signed with SigV4. Grafana's provisioning docs for the
 * Prometheus data source ("Connect to Amazon Managed Service for Prometheus") give the jsonData:
 * `sigV4Auth: true`, `sigV4AuthType` (the "Authentication Provider": `default` is "AWS SDK Default", which
 * on EC2 is the instance profile; `keys` would need an access key, which this stack never makes), and
 * `sigV4Region`; the URL is the workspace endpoint itself (Grafana appends /api/v1/query). Not
 * `ec2_iam_role`: grafana.ini's "[aws] allowed_auth_providers = default,keys,credentials" leaves it out
 * by default, and `default` finds the instance profile anyway (the SDK's chain ends with IMDS). SigV4 must
 * also be switched on in Grafana (`[auth] sigv4_auth_enabled`, off by default; grafanaSettings does it).
 * Grafana 13 migrates such a data source to the dedicated grafana-amazonprometheus-datasource on start
 * ("Using SigV4 authentication with the core Prometheus data source ... is deprecated"); the host pins
 * Grafana 12.1, where the core data source signs.
 */
export function longTermDatasource(ws: AmpWorkspaceRef): object {
    return {
        name: "Long-term (AMP)",
        uid: LONG_TERM_DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: ws.prometheusEndpoint.replace(/\/+$/, ""),
        isDefault: false,
        editable: false,
        jsonData: { httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: ws.region, timeInterval: "30s" },
    };
}

/**
 * Data sources Grafana starts with: Prometheus for metrics (recent, on the host), TimescaleDB for the
 * fleet's own records, and the long-term store when there is one.
 */
export function renderGrafanaDatasources(longTerm?: AmpWorkspaceRef): string {
    const doc = {
        apiVersion: 1,
        datasources: [
            { name: "Prometheus", uid: "prometheus", type: "prometheus", access: "proxy", url: `http://${serviceAddress("prometheus")}`, isDefault: true, editable: false, jsonData: { timeInterval: "30s" } },
            {
                name: "TimescaleDB",
                uid: "timescaledb",
                type: "grafana-postgresql-datasource",
                access: "proxy",
                url: serviceAddress("timescaledb"),
                user: "grafana_reader",
                editable: false,
                jsonData: { database: "iiotmon", sslmode: "disable", postgresVersion: 1700, timescaledb: true },
                // Grafana expands $VARIABLES from its environment in provisioning files: the password stays out of this file.
                secureJsonData: { password: "$TIMESCALEDB_READER_PASSWORD" },
            },
            ...(longTerm ? [longTermDatasource(longTerm)] : []),
        ],
    };
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump(doc, { lineWidth: 200 });
}

/** Dashboards are provisioned from files; people may edit them in Grafana and export them back to dashboards/. */
export function renderGrafanaDashboardProvider(): string {
    const doc = {
        apiVersion: 1,
        providers: [
            {
                name: "iiot-monitoring",
                folder: "IIoT fleet",
                type: "file",
                disableDeletion: true,
                allowUiUpdates: true,
                updateIntervalSeconds: 30,
                options: { path: "/var/lib/grafana/dashboards", foldersFromFilesStructure: false },
            },
        ],
    };
    return "# Rendered by iiot-monitoring; do not edit on the host.\n" + dump(doc, { lineWidth: 200 });
}
