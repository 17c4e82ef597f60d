import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CADDY_ADMIN_PORT, CADDY_CONTAINER_PATHS, CONTAINER_PROMETHEUS_PATHS, mountPoint, serviceAddress, ServiceName, SERVICES, serviceVolumes } from "../infra/host";

/** Images pinned by version; a new version is a reviewed change, never a surprise. */
export const IMAGES: Record<ServiceName, string> = {
    prometheus: "prom/prometheus:v3.5.0",
    alertmanager: "prom/alertmanager:v0.28.1",
    grafana: "grafana/grafana:12.1.1",
    timescaledb: "timescale/timescaledb:2.21.3-pg17",
    "node-exporter": "prom/node-exporter:v1.9.1",
    caddy: "caddy:2.10.0",
    // The versions the lab runs (Debian bookworm's packages): snmp_exporter 0.23 moved credentials out of
    // modules ("auths"), so snmp.yml as rendered here is read by 0.21 and 0.22 only; upgrading is a
    // change of the renderer too (infra/host/snmpConfig.ts).
    "blackbox-exporter": "prom/blackbox-exporter:v0.23.0",
    "snmp-exporter": "prom/snmp-exporter:v0.21.0",
};

/** Arguments of MonitoringServices. */
export interface MonitoringServicesArgs {
    /** The Docker provider on the host (over SSH, host key pinned). */
    readonly provider: docker.Provider;
    /** How long Prometheus keeps samples, in days (`--storage.tsdb.retention.time`). */
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
    /** Port of the remote-write receiver site of the proxy, published on every interface (the security group narrows it). Defaults to none: no site has a collector. */
    readonly remoteWritePort?: number;
}

/** A service's port, published on the host's loopback only (the host's scripts and the SSM forward reach it there). */
function loopback(service: ServiceName): { internal: number; external: number; ip: string }[] {
    const s: { port: number; loopbackPort?: number } = SERVICES[service];
    return s.loopbackPort === undefined ? [] : [{ internal: s.port, external: s.loopbackPort, ip: "127.0.0.1" }];
}

/** The names of MonitoringServices' children, from the component's name: the lab and tests find them by these. */
export function monitoringServicesNames(name: string) {
    return {
        component: name,
        network: `${name}-net`,
        /** A generated password: postgres-admin, grafana-db, timescaledb-reader. */
        password: (what: "postgres-admin" | "grafana-db" | "timescaledb-reader") => `${name}-${what}`,
        image: (service: keyof typeof IMAGES) => `${name}-${service}-image`,
        container: (service: keyof typeof IMAGES) => `${name}-${service}`,
    } as const;
}

/** The label that ties Docker resources to the instance they run on. */
export const HOST_INSTANCE_LABEL = "iiotmon.host-instance";

/**
 * Prometheus, Alertmanager, Grafana and TimescaleDB as containers on a private network, data on the
 * EBS volume, configuration from host directories (reloaded, never baked into the container), random
 * passwords from the stack. Only Grafana is published beyond the host; the others listen on loopback.
 */
export class MonitoringServices extends pulumi.ComponentResource {
    /** The Grafana admin account's password (secret). */
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    /** The Grafana container, for what must run once it is up. */
    public readonly grafana: docker.Container;

    constructor(name: string, args: MonitoringServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:MonitoringServices", name, {}, opts);
        const onHost = { parent: this, provider: args.provider };
        const names = monitoringServicesNames(name);
        const password = (what: Parameters<typeof names.password>[0]) => new random.RandomPassword(names.password(what), { length: 32, special: false }, { parent: this }).result;
        const grafanaAdmin = pulumi.output(args.grafanaAdminPassword);
        const postgresAdmin = password("postgres-admin");
        const grafanaDb = password("grafana-db");
        const reader = password("timescaledb-reader");

        // Docker `labels` force a new network and container (terraform-provider-docker
        // internal/provider/resource_docker_container.go: "labels" ForceNew: true; networks have no
        // update at all), and `triggers` a new image (RemoteImage: "when changed, will force the
        // docker.RemoteImage resource to be replaced").
        const onInstance = [{ label: HOST_INSTANCE_LABEL, value: args.hostInstanceId }];
        const network = new docker.Network(names.network, { name: "iiotmon", driver: "bridge", labels: onInstance }, onHost);
        const image = (key: ServiceName) =>
            new docker.RemoteImage(names.image(key), { name: IMAGES[key], keepLocally: true, triggers: { [HOST_INSTANCE_LABEL]: args.hostInstanceId } }, onHost);
        const base = (key: ServiceName) => ({
            name: SERVICES[key].container,
            image: image(key).imageId,
            restart: "unless-stopped",
            networksAdvanced: [{ name: network.name, aliases: [SERVICES[key].container] }],
            volumes: serviceVolumes(key),
            wait: true,
            waitTimeout: 180,
            logDriver: "json-file",
            logOpts: { "max-size": "20m", "max-file": "5" },
            labels: onInstance,
        });
        // Fixed names and ports: the old container must go before its replacement starts.
        const replace = { ...onHost, deleteBeforeReplace: true, dependsOn: [args.configuration] };

        const timescaledb = new docker.Container(
            names.container("timescaledb"),
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
                ports: loopback("timescaledb"),
                healthcheck: { tests: ["CMD-SHELL", "pg_isready -U postgres -d iiotmon"], interval: "10s", timeout: "5s", retries: 6, startPeriod: "60s" },
            },
            replace,
        );

        new docker.Container(
            names.container("prometheus"),
            {
                ...base("prometheus"),
                command: [
                    `--config.file=${CONTAINER_PROMETHEUS_PATHS.configDir}/prometheus.yml`,
                    `--storage.tsdb.path=${mountPoint("data/prometheus")}`,
                    `--storage.tsdb.retention.time=${args.retentionDays}d`,
                    "--web.enable-lifecycle",
                    // Snapshots for backups; the port is bound to the host's loopback only.
                    "--web.enable-admin-api",
                    // Site collectors' samples; only the proxy's receiver site reaches it (POST /api/v1/write, per-site credentials).
                    "--web.enable-remote-write-receiver",
                ],
                ports: loopback("prometheus"),
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${SERVICES.prometheus.port}/-/healthy`], interval: "15s", timeout: "5s", retries: 4, startPeriod: "30s" },
            },
            replace,
        );

        new docker.Container(
            names.container("alertmanager"),
            {
                ...base("alertmanager"),
                command: [`--config.file=${mountPoint("config/alertmanager")}/alertmanager.yml`, `--storage.path=${mountPoint("data/alertmanager")}`],
                ports: loopback("alertmanager"),
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${SERVICES.alertmanager.port}/-/healthy`], interval: "15s", timeout: "5s", retries: 4 },
            },
            replace,
        );

        const grafana = new docker.Container(
            names.container("grafana"),
            {
                ...base("grafana"),
                envs: pulumi.secret(
                    pulumi.all([grafanaAdmin, grafanaDb, reader, args.grafanaSettings]).apply(([admin, db, ro, settings]) => [
                        "GF_DATABASE_TYPE=postgres",
                        `GF_DATABASE_HOST=${serviceAddress("timescaledb")}`,
                        "GF_DATABASE_NAME=grafana",
                        "GF_DATABASE_USER=grafana",
                        `GF_DATABASE_PASSWORD=${db}`,
                        `GF_SECURITY_ADMIN_PASSWORD=${admin}`,
                        `TIMESCALEDB_READER_PASSWORD=${ro}`,
                        ...settings,
                    ]),
                ),
                // Plain HTTP stays on the host: the HTTPS proxy reaches Grafana over the private network.
                ports: loopback("grafana"),
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${SERVICES.grafana.port}/api/health`], interval: "15s", timeout: "5s", retries: 6, startPeriod: "60s" },
            },
            { ...replace, dependsOn: [args.configuration, timescaledb] },
        );
        // HTTPS in front of Grafana (its Caddyfile and certificate come with the host configuration).
        const publicPorts = args.proxyBindAddress === "0.0.0.0" ? [{ internal: 80, external: 80, ip: "0.0.0.0" }] : [];
        new docker.Container(
            names.container("caddy"),
            {
                ...base("caddy"),
                command: ["caddy", "run", "--config", CADDY_CONTAINER_PATHS.caddyfile, "--adapter", "caddyfile"],
                ports: [
                    ...publicPorts,
                    { internal: SERVICES.caddy.port, external: SERVICES.caddy.port, ip: args.proxyBindAddress },
                    // The site collectors' remote-write receiver (Caddy checks their source and credentials).
                    ...(args.remoteWritePort ? [{ internal: args.remoteWritePort, external: args.remoteWritePort, ip: "0.0.0.0" }] : []),
                ],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${CADDY_ADMIN_PORT}/config/`], interval: "15s", timeout: "5s", retries: 4 },
            },
            { ...replace, dependsOn: [args.configuration, grafana] },
        );
        // The host's own metrics, and the backup job's outcome from the text file collector.
        new docker.Container(
            names.container("node-exporter"),
            {
                ...base("node-exporter"),
                command: ["--path.rootfs=/host", `--collector.textfile.directory=${mountPoint("textfile")}`],
                pidMode: "host",
                volumes: [{ hostPath: "/", containerPath: "/host", readOnly: true }, ...serviceVolumes("node-exporter")],
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${SERVICES["node-exporter"].port}/metrics`], interval: "30s", timeout: "5s", retries: 3 },
            },
            replace,
        );
        // Probe and SNMP devices: the exporters Prometheus scrapes with each device as `target`. Their
        // configuration comes from the host directories like the rest, reloaded (POST /-/reload) when it
        // changes; the loopback ports are for that reload. Both images run as root (no USER in their
        // Dockerfiles), so ICMP uses a raw socket with Docker's default NET_RAW capability.
        new docker.Container(
            names.container("blackbox-exporter"),
            {
                ...base("blackbox-exporter"),
                command: [`--config.file=${mountPoint("config/blackbox")}/blackbox.yml`, `--web.listen-address=:${SERVICES["blackbox-exporter"].port}`],
                ports: loopback("blackbox-exporter"),
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${SERVICES["blackbox-exporter"].port}/-/healthy`], interval: "30s", timeout: "5s", retries: 3 },
            },
            replace,
        );
        new docker.Container(
            names.container("snmp-exporter"),
            {
                ...base("snmp-exporter"),
                command: [`--config.file=${mountPoint("config/snmp")}/snmp.yml`, `--web.listen-address=:${SERVICES["snmp-exporter"].port}`],
                ports: loopback("snmp-exporter"),
                healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${SERVICES["snmp-exporter"].port}/metrics`], interval: "30s", timeout: "5s", retries: 3 },
            },
            replace,
        );
        this.grafanaAdminPassword = pulumi.secret(grafanaAdmin);
        this.grafana = grafana;
        this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword, grafanaContainerId: grafana.id });
    }
}
