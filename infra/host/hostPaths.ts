import { mountPoint, serviceAddress } from "./hostLayout";

/**
 * Where Prometheus finds things inside its container. Configuration is mounted as directories (never
 * single files), so a rewritten file is seen by the running container. The lab runs Prometheus on its
 * own and passes other paths.
 */
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
    /**
     * Prometheus' own address, for its self-scrape (the `prometheus` job). Defaults to localhost:9090, its
     * port in its container; a Prometheus that listens elsewhere (the lab's, on a port of its own) passes
     * its address, or that job scrapes whatever else holds 9090 on the machine, or nothing, and shows down.
     */
    readonly prometheus?: string;
}

const PROMETHEUS_CONFIG_DIR = mountPoint("config/prometheus");

export const CONTAINER_PROMETHEUS_PATHS: PrometheusPaths = {
    configDir: PROMETHEUS_CONFIG_DIR,
    targetsDir: `${PROMETHEUS_CONFIG_DIR}/targets`,
    secretsDir: `${PROMETHEUS_CONFIG_DIR}/secrets`,
    alertmanager: serviceAddress("alertmanager"),
    hostNodeExporter: serviceAddress("node-exporter"),
};
