import { load } from "js-yaml";
import { CONTAINER_PROMETHEUS_PATHS, renderPrometheusConfig } from "../../infra/host";

/** The `prometheus` job scrapes Prometheus where it listens: in its container by default, elsewhere when told. */
describe("Prometheus' self-scrape", () => {
    const selfTarget = (yaml: string) => (load(yaml) as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] }).scrape_configs.find((j) => j.job_name === "prometheus")!.static_configs![0].targets;

    it("is localhost:9090 on the monitoring host, Prometheus' port in its container", () => {
        expect(selfTarget(renderPrometheusConfig({ stackName: "t", paths: CONTAINER_PROMETHEUS_PATHS }))).toEqual(["localhost:9090"]);
    });

    it("follows a Prometheus that listens elsewhere (the lab's), so the job is not down for want of a listener", () => {
        expect(selfTarget(renderPrometheusConfig({ stackName: "t", paths: { ...CONTAINER_PROMETHEUS_PATHS, prometheus: "127.0.0.1:19190" } }))).toEqual(["127.0.0.1:19190"]);
    });
});
