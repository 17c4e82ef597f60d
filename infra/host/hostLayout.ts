/**
 * The monitoring host's layout, defined once: the services (container name, port, the uid the image
 * runs as) and the directories on the data volume (owner, mode, the owner and mode of the files the
 * host configuration writes there, which container mounts it where). The containers' volumes, the
 * files' owners and modes, the directories host-mount-data.sh prepares (sent to it by host-setup.sh)
 * and the renderers' addresses all derive from here; test/render/hostLayout.test.ts checks that the
 * scripts that run on their own (backup, restore, reloads) name the same paths, containers and ports.
 */

/** Where the EBS data volume is mounted; every path below is relative to it. */
export const HOST_DATA_ROOT = "/srv/iiotmon";

/** A uid as the images run: Prometheus' and Alertmanager's `nobody`, Grafana's own, the Alpine postgres user. */
export const UIDS = { root: 0, nobody: 65534, grafana: 472, postgres: 70 } as const;

/** A container on the host's private network. */
export interface HostService {
    /** Container name, and its DNS alias on the private network. */
    readonly container: string;
    /** The port it listens on inside the container. */
    readonly port: number;
    /** The port published on the host's loopback (for the host's scripts and the SSM forward); none when not published. */
    readonly loopbackPort?: number;
    /** The uid the image runs as, and so owns its data directory. */
    readonly uid: number;
}

export const SERVICES = {
    prometheus: { container: "prometheus", port: 9090, loopbackPort: 9090, uid: UIDS.nobody },
    alertmanager: { container: "alertmanager", port: 9093, loopbackPort: 9093, uid: UIDS.nobody },
    grafana: { container: "grafana", port: 3000, loopbackPort: 3000, uid: UIDS.grafana },
    timescaledb: { container: "timescaledb", port: 5432, loopbackPort: 5432, uid: UIDS.postgres },
    /** The HTTPS proxy; `port` is HTTPS (published on the address the stack chooses, with 80 for redirects). */
    caddy: { container: "caddy", port: 443, uid: UIDS.root },
    /** The host's own metrics; Prometheus reaches it over the private network only. */
    "node-exporter": { container: "node-exporter", port: 9100, uid: UIDS.root },
    /** Probe and SNMP devices' exporters (multi-target); loopback for their reload. Both images run as root. */
    "blackbox-exporter": { container: "blackbox-exporter", port: 9115, loopbackPort: 9115, uid: UIDS.root },
    "snmp-exporter": { container: "snmp-exporter", port: 9116, loopbackPort: 9116, uid: UIDS.root },
} as const satisfies Record<string, HostService>;

export type ServiceName = keyof typeof SERVICES;

/** Caddy's admin API inside its container (its healthcheck; the reload goes through `caddy reload`). */
export const CADDY_ADMIN_PORT = 2019;

/** How a service is reached on the private network: `container:port`. */
export function serviceAddress(name: ServiceName): string {
    return `${SERVICES[name].container}:${SERVICES[name].port}`;
}

/** A directory on the data volume. */
export interface HostDir {
    /** Relative to HOST_DATA_ROOT. */
    readonly path: string;
    /** Owner (uid and gid) and mode of the directory itself. */
    readonly uid: number;
    readonly mode: string;
    /** Owner and mode of the files the host configuration writes into it (and below, unless a deeper directory says otherwise). */
    readonly files?: { readonly uid: number; readonly mode: string };
    /** The container that mounts it, where, and whether read-only (configuration) or not (data). */
    readonly mount?: { readonly service: ServiceName; readonly at: string; readonly readOnly: boolean };
}

const nobody = UIDS.nobody;
const grafana = UIDS.grafana;
const root = UIDS.root;

/** Every directory on the data volume, parents before children. */
export const HOST_LAYOUT: readonly HostDir[] = [
    { path: "config", uid: root, mode: "755", files: { uid: root, mode: "0644" } },
    { path: "config/prometheus", uid: nobody, mode: "755", files: { uid: nobody, mode: "0644" }, mount: { service: "prometheus", at: "/etc/prometheus", readOnly: true } },
    { path: "config/prometheus/targets", uid: nobody, mode: "755" },
    // The probe and SNMP devices' targets, one directory per exporter's scrape job.
    { path: "config/prometheus/targets/blackbox", uid: nobody, mode: "755" },
    { path: "config/prometheus/targets/snmp", uid: nobody, mode: "755" },
    { path: "config/prometheus/rules", uid: nobody, mode: "755" },
    { path: "config/prometheus/secrets", uid: nobody, mode: "750", files: { uid: nobody, mode: "0400" } },
    { path: "config/alertmanager", uid: nobody, mode: "755", files: { uid: nobody, mode: "0644" }, mount: { service: "alertmanager", at: "/etc/alertmanager", readOnly: true } },
    { path: "config/grafana", uid: grafana, mode: "755", files: { uid: grafana, mode: "0644" } },
    { path: "config/grafana/provisioning", uid: grafana, mode: "755", mount: { service: "grafana", at: "/etc/grafana/provisioning", readOnly: true } },
    { path: "config/grafana/dashboards", uid: grafana, mode: "755", mount: { service: "grafana", at: "/var/lib/grafana/dashboards", readOnly: true } },
    // The init script runs inside the container as root (the image's entrypoint sources it).
    { path: "config/timescaledb", uid: root, mode: "755", files: { uid: root, mode: "0755" } },
    { path: "config/timescaledb/initdb", uid: root, mode: "755", mount: { service: "timescaledb", at: "/docker-entrypoint-initdb.d", readOnly: true } },
    // The HTTPS proxy's Caddyfile and (without a domain) Grafana's certificate; the proxy runs as root,
    // its private key is readable by nobody else.
    { path: "config/caddy", uid: root, mode: "755", files: { uid: root, mode: "0644" }, mount: { service: "caddy", at: "/etc/caddy", readOnly: true } },
    { path: "config/caddy/tls", uid: root, mode: "755", files: { uid: root, mode: "0400" } },
    // blackbox.yml, and snmp.yml which holds the SNMP secrets: the exporters run as root, nobody else reads it.
    { path: "config/blackbox", uid: root, mode: "755", files: { uid: root, mode: "0644" }, mount: { service: "blackbox-exporter", at: "/etc/blackbox_exporter", readOnly: true } },
    { path: "config/snmp", uid: root, mode: "700", files: { uid: root, mode: "0400" }, mount: { service: "snmp-exporter", at: "/etc/snmp_exporter", readOnly: true } },
    // The backup repository's password: root only (the backup job runs as root).
    { path: "config/backup", uid: root, mode: "755", files: { uid: root, mode: "0400" } },
    { path: "data", uid: root, mode: "755" },
    { path: "data/prometheus", uid: nobody, mode: "750", mount: { service: "prometheus", at: "/prometheus", readOnly: false } },
    { path: "data/alertmanager", uid: nobody, mode: "750", mount: { service: "alertmanager", at: "/alertmanager", readOnly: false } },
    { path: "data/grafana", uid: grafana, mode: "750", mount: { service: "grafana", at: "/var/lib/grafana", readOnly: false } },
    { path: "data/timescaledb", uid: UIDS.postgres, mode: "700", mount: { service: "timescaledb", at: "/var/lib/postgresql/data", readOnly: false } },
    // The proxy's ACME account and certificates: they survive a new container or host (Let's Encrypt rate-limits re-issuing).
    { path: "data/caddy", uid: root, mode: "755", mount: { service: "caddy", at: "/data", readOnly: false } },
    { path: "backups", uid: root, mode: "700" },
    // node_exporter's text file collector on the host (the backup job's outcome).
    { path: "textfile", uid: root, mode: "755", mount: { service: "node-exporter", at: "/textfile", readOnly: true } },
];

/** The directory of the table at `path` (relative); throws for a path the table does not have. */
export function hostDir(path: string): HostDir {
    const d = HOST_LAYOUT.find((x) => x.path === path);
    if (!d) throw new Error(`${path} is not a directory of the host layout (infra/host/hostLayout.ts)`);
    return d;
}

/** Where a service's directory is mounted inside its container. */
export function mountPoint(path: string): string {
    const m = hostDir(path).mount;
    if (!m) throw new Error(`${path} is not mounted into a container`);
    return m.at;
}

/** A service's bind mounts, as the Docker provider's container `volumes` take them. */
export function serviceVolumes(service: ServiceName): { hostPath: string; containerPath: string; readOnly?: boolean }[] {
    return HOST_LAYOUT.filter((d) => d.mount?.service === service).map((d) => ({
        hostPath: `${HOST_DATA_ROOT}/${d.path}`,
        containerPath: d.mount!.at,
        ...(d.mount!.readOnly ? { readOnly: true } : {}),
    }));
}

/** Owner and mode of a file written at `rel` (under HOST_DATA_ROOT): its deepest directory's, else root's 0644. */
export function hostFileOwner(rel: string): { readonly uid: number; readonly mode: string } {
    const dir = HOST_LAYOUT.filter((d) => d.files && rel.startsWith(d.path + "/")).sort((a, b) => b.path.length - a.path.length)[0];
    return dir?.files ?? { uid: root, mode: "0644" };
}

/** The directory list host-mount-data.sh prepares: one "PATH UID MODE" line each, parents first. */
export function hostDirList(): string {
    return HOST_LAYOUT.map((d) => `${d.path} ${d.uid} ${d.mode}`).join("\n") + "\n";
}
