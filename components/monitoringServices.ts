import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CADDY_CONTAINER_PATHS, CONTAINER_PROMETHEUS_PATHS, HOST_DIRS } from "../infra/host";
import { GRAFANA_PORT } from "./monitoringHost";

/** Images pinned by version; a new version is a reviewed change, never a surprise. */
export const IMAGES = {
    prometheus: "prom/prometheus:v3.5.0",
    alertmanager: "prom/alertmanager:v0.28.1",
    grafana: "grafana/grafana:12.1.1",
    timescaledb: "timescale/timescaledb:2.21.3-pg17",
    "node-exporter": "prom/node-exporter:v1.9.1",
    caddy: "caddy:2.10.0",
} as const;

/** Arguments of MonitoringServices. */
export interface MonitoringServicesArgs {
    /** The Docker provider on the host (over SSH, host key pinned). */
    readonly provider: docker.Provider;
    readonly retentionDays: number;
    /** Written before the containers start, so they find their configuration. */
    readonly configuration: pulumi.Resource;
    /**
     * The EC2 instance the containers run on. A replaced instance keeps its Elastic IP, so the Docker
     * provider's inputs and the containers' own would show no change, and the new host would stay
     * empty; the instance id in their (replace-forcing) inputs recreates them in the same `up`.
     */
    readonly hostInstanceId: pulumi.Input<string>;
    /** The Grafana admin account's password (a stack secret); used when Grafana creates the account. */
    readonly grafanaAdminPassword: pulumi.Input<string>;
    /** Grafana's hardening and single sign-on, GF_* variables (grafanaSettings); may hold the OAuth client secret. */
    readonly grafanaSettings: pulumi.Input<string[]>;
    /** Where the HTTPS proxy listens: every interface, or the loopback only (no public ingress: SSM forwards to it). */
    readonly proxyBindAddress: "0.0.0.0" | "127.0.0.1";
    /** Port of the remote-write receiver site of the proxy, published on every interface; undefined: no site collector. */
    readonly remoteWritePort?: number;
}

/** The label that ties Docker resources to the instance they run on. */
export const HOST_INSTANCE_LABEL = "iiotmon.host-instance";

/**
 * Prometheus, Alertmanager, Grafana and TimescaleDB as containers on a private network, data on the
 * EBS volume, configuration from host directories (reloaded, never baked into the container), random
 * passwords from the stack. Only Grafana is published beyond the host; the others listen on loopback.
 */
export class MonitoringServices extends pulumi.ComponentResource {
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    /** The Grafana container, for what must run once it is up. */
    public readonly grafana: docker.Container;

    constructor(name: string, args: MonitoringServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:MonitoringServices", name, {}, opts);
        const onHost = { parent: this, provider: args.provider };
        const password = (what: string) => new random.RandomPassword(`${name}-${what}`, { length: 32, special: false }, { parent: this }).result;
        const grafanaAdmin = pulumi.output(args.grafanaAdminPassword);
        const postgresAdmin = password("postgres-admin");
        const grafanaDb = password("grafana-db");
        const reader = password("timescaledb-reader");

        // Docker `labels` force a new network and container (terraform-provider-docker
        // internal/provider/resource_docker_container.go: "labels" ForceNew: true; networks have no
        // update at all), and `triggers` a new image (RemoteImage: "when changed, will force the
        // docker.RemoteImage resource to be replaced").
        const onInstance = [{ label: HOST_INSTANCE_LABEL, value: args.hostInstanceId }];
        const network = new docker.Network(`${name}-net`, { name: "iiotmon", driver: "bridge", labels: onInstance }, onHost);
        const image = (key: keyof typeof IMAGES) =>
            new docker.RemoteImage(`${name}-${key}-image`, { name: IMAGES[key], keepLocally: true, triggers: { [HOST_INSTANCE_LABEL]: args.hostInstanceId } }, onHost);
        const base = (key: keyof typeof IMAGES) => ({
            name: key,
            image: image(key).imageId,
            restart: "unless-stopped",
            networksAdvanced: [{ name: network.name, aliases: [key] }],
            wait: true,
            waitTimeout: 180,
            logDriver: "json-file",
            logOpts: { "max-size": "20m", "max-file": "5" },
            labels: onInstance,
        });
        // Fixed names and ports: the old container must go before its replacement starts.
        const replace = { ...onHost, deleteBeforeReplace: true, dependsOn: [args.configuration] };

        const timescaledb = new docker.Container(
            `${name}-timescaledb`,
            {
                ...base("timescaledb"),
                // The init script (provisioners/timescaledb-init.sh) creates Grafana's roles from these.
                envs: pulumi.secret(
                    pulumi.all([postgresAdmin, grafanaDb, reader]).apply(([pg, db, ro]) => [
                        `POSTGRES_PASSWORD=${pg}`,
                        "POSTGRES_DB=iiotmon",
                        `GRAFANA_DB_PASSWORD=${db}`,
                        `TIMESCALEDB_READER_PASSWORD=${ro}`,
                    ]),
                ),
                volumes: [
                    { hostPath: HOST_DIRS.timescaledbData, containerPath: "/var/lib/postgresql/data" },
                    { hostPath: HOST_DIRS.timescaledbInit, containerPath: "/docker-entrypoint-initdb.d", readOnly: true },
                ],
                ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1" }],
                healthcheck: { tests: ["CMD-SHELL", "pg_isready -U postgres -d iiotmon"], interval: "10s", timeout: "5s", retries: 6, startPeriod: "60s" },
            },
            replace,
        );

        new docker.Container(
            `${name}-prometheus`,
            {
                ...base("prometheus"),
                command: [
                    `--config.file=${CONTAINER_PROMETHEUS_PATHS.configDir}/prometheus.yml`,
                    "--storage.tsdb.path=/prometheus",
                    `--storage.tsdb.retention.time=${args.retentionDays}d`,
                    "--web.enable-lifecycle",
                    // Snapshots for backups; the port is bound to the host's loopback only.
                    "--web.enable-admin-api",
                    // Site collectors' samples; only the proxy's receiver site reaches it (POST /api/v1/write, per-site credentials).
                    "--web.enable-remote-write-receiver",
                ],
                volumes: [
                    { hostPath: HOST_DIRS.prometheusConfig, containerPath: CONTAINER_PROMETHEUS_PATHS.configDir, readOnly: true },
                    { hostPath: HOST_DIRS.prometheusData, containerPath: "/prometheus" },
                ],
                ports: [{ internal: 9090, external: 9090, ip: "127.0.0.1" }],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:9090/-/healthy"], interval: "15s", timeout: "5s", retries: 4, startPeriod: "30s" },
            },
            replace,
        );

        new docker.Container(
            `${name}-alertmanager`,
            {
                ...base("alertmanager"),
                command: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
                volumes: [
                    { hostPath: HOST_DIRS.alertmanagerConfig, containerPath: "/etc/alertmanager", readOnly: true },
                    { hostPath: HOST_DIRS.alertmanagerData, containerPath: "/alertmanager" },
                ],
                ports: [{ internal: 9093, external: 9093, ip: "127.0.0.1" }],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:9093/-/healthy"], interval: "15s", timeout: "5s", retries: 4 },
            },
            replace,
        );

        const grafana = new docker.Container(
            `${name}-grafana`,
            {
                ...base("grafana"),
                envs: pulumi.secret(
                    pulumi.all([grafanaAdmin, grafanaDb, reader, args.grafanaSettings]).apply(([admin, db, ro, settings]) => [
                        "GF_DATABASE_TYPE=postgres",
                        "GF_DATABASE_HOST=timescaledb:5432",
                        "GF_DATABASE_NAME=grafana",
                        "GF_DATABASE_USER=grafana",
                        `GF_DATABASE_PASSWORD=${db}`,
                        `GF_SECURITY_ADMIN_PASSWORD=${admin}`,
                        `TIMESCALEDB_READER_PASSWORD=${ro}`,
                        ...settings,
                    ]),
                ),
                volumes: [
                    { hostPath: `${HOST_DIRS.grafanaProvisioning}`, containerPath: "/etc/grafana/provisioning", readOnly: true },
                    { hostPath: HOST_DIRS.grafanaDashboards, containerPath: "/var/lib/grafana/dashboards", readOnly: true },
                    { hostPath: HOST_DIRS.grafanaData, containerPath: "/var/lib/grafana" },
                ],
                // Plain HTTP stays on the host: the HTTPS proxy reaches Grafana over the private network.
                ports: [{ internal: 3000, external: GRAFANA_PORT, ip: "127.0.0.1" }],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:3000/api/health"], interval: "15s", timeout: "5s", retries: 6, startPeriod: "60s" },
            },
            { ...replace, dependsOn: [args.configuration, timescaledb] },
        );
        // HTTPS in front of Grafana (its Caddyfile and certificate come with the host configuration).
        const publicPorts = args.proxyBindAddress === "0.0.0.0" ? [{ internal: 80, external: 80, ip: "0.0.0.0" }] : [];
        new docker.Container(
            `${name}-caddy`,
            {
                ...base("caddy"),
                command: ["caddy", "run", "--config", CADDY_CONTAINER_PATHS.caddyfile, "--adapter", "caddyfile"],
                volumes: [
                    { hostPath: HOST_DIRS.caddyConfig, containerPath: "/etc/caddy", readOnly: true },
                    // ACME account and certificates survive a new container or host (Let's Encrypt rate-limits re-issuing).
                    { hostPath: HOST_DIRS.caddyData, containerPath: "/data" },
                ],
                ports: [
                    ...publicPorts,
                    { internal: 443, external: 443, ip: args.proxyBindAddress },
                    ...(args.remoteWritePort ? [{ internal: args.remoteWritePort, external: args.remoteWritePort, ip: "0.0.0.0" }] : []),
                ],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:2019/config/"], interval: "15s", timeout: "5s", retries: 4 },
            },
            { ...replace, dependsOn: [args.configuration, grafana] },
        );
        // The host's own metrics, and the backup job's outcome from the text file collector.
        new docker.Container(
            `${name}-node-exporter`,
            {
                ...base("node-exporter"),
                command: ["--path.rootfs=/host", `--collector.textfile.directory=/textfile`],
                pidMode: "host",
                volumes: [
                    { hostPath: "/", containerPath: "/host", readOnly: true },
                    { hostPath: HOST_DIRS.textfile, containerPath: "/textfile", readOnly: true },
                ],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:9100/metrics"], interval: "30s", timeout: "5s", retries: 3 },
            },
            replace,
        );
        this.grafanaAdminPassword = pulumi.secret(grafanaAdmin);
        this.grafana = grafana;
        this.registerOutputs({});
    }
}
