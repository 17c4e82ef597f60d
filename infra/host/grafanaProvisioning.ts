import { dump } from "js-yaml";
import { serviceAddress } from "./hostLayout";

/** Data sources Grafana starts with: Prometheus for metrics, TimescaleDB for the fleet's own records. */
export function renderGrafanaDatasources(): string {
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
