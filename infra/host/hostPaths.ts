/**
 * Where things live on the monitoring host and inside its containers. Configuration is mounted as
 * directories (never single files), so a rewritten file is seen by the running container.
 */
export const HOST_DATA_ROOT = "/srv/iiotmon";

export interface PrometheusPaths {
    /** Directory of prometheus.yml and rules/ inside the container. */
    readonly configDir: string;
    /** file_sd directory Prometheus watches. */
    readonly targetsDir: string;
    /** CA and scrape password. */
    readonly secretsDir: string;
    /** Alertmanager's address as Prometheus reaches it. */
    readonly alertmanager: string;
    /** The host's own node_exporter as Prometheus reaches it. */
    readonly hostNodeExporter: string;
}

export const CONTAINER_PROMETHEUS_PATHS: PrometheusPaths = {
    configDir: "/etc/prometheus",
    targetsDir: "/etc/prometheus/targets",
    secretsDir: "/etc/prometheus/secrets",
    alertmanager: "alertmanager:9093",
    hostNodeExporter: "node-exporter:9100",
};

/** Host directories, each bind-mounted into one container. */
export const HOST_DIRS = {
    prometheusConfig: `${HOST_DATA_ROOT}/config/prometheus`,
    prometheusData: `${HOST_DATA_ROOT}/data/prometheus`,
    alertmanagerConfig: `${HOST_DATA_ROOT}/config/alertmanager`,
    alertmanagerData: `${HOST_DATA_ROOT}/data/alertmanager`,
    grafanaProvisioning: `${HOST_DATA_ROOT}/config/grafana/provisioning`,
    grafanaDashboards: `${HOST_DATA_ROOT}/config/grafana/dashboards`,
    grafanaData: `${HOST_DATA_ROOT}/data/grafana`,
    timescaledbData: `${HOST_DATA_ROOT}/data/timescaledb`,
    timescaledbInit: `${HOST_DATA_ROOT}/config/timescaledb/initdb`,
    backups: `${HOST_DATA_ROOT}/backups`,
    /** The HTTPS proxy's Caddyfile and (without a domain) Grafana's certificate. */
    caddyConfig: `${HOST_DATA_ROOT}/config/caddy`,
    /** The proxy's ACME account and certificates. */
    caddyData: `${HOST_DATA_ROOT}/data/caddy`,
    /** node_exporter's text file collector on the host (the backup job's outcome). */
    textfile: `${HOST_DATA_ROOT}/textfile`,
    /** blackbox.yml and snmp.yml, each in the directory its exporter mounts. */
    blackboxConfig: `${HOST_DATA_ROOT}/config/blackbox`,
    snmpConfig: `${HOST_DATA_ROOT}/config/snmp`,
} as const;
