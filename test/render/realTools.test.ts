import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NODE_EXPORTER_LABELS } from "../../infra/fleet/nodeExporterLabels";
import { readFleetFile } from "../../infra/fleet/loadFleet";
import { renderCloudInit } from "../../infra/host/cloudInit";
import { renderHostConfigFiles, renderSiteTargets, renderTargetsFile } from "../../infra/host/hostConfigFiles";
import { loadChecksums } from "../../infra/device/checksums";
import { ROOT } from "../harness";

/** Every rendered file is checked by the real tool that reads it. */
function tool(cmd: string, args: string[]) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return { code: r.status, out: `${r.stdout}${r.stderr}`, error: r.error };
}

describe("rendered host files pass their real checkers", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rendered-"));
    const fleet = readFleetFile(path.join(ROOT, "endpoints.yaml"), loadChecksums()).fleet!;
    const write = (files: Record<string, string>) => {
        for (const [rel, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        }
    };
    // The container's paths mapped into the test directory, so promtool can open every referenced file.
    const prom = path.join(dir, "config/prometheus");
    write(renderHostConfigFiles({ stackName: "test", paths: { configDir: prom, targetsDir: `${prom}/targets`, secretsDir: `${prom}/secrets`, alertmanager: "127.0.0.1:9093", hostNodeExporter: "127.0.0.1:9100" } }));
    write(renderTargetsFile(fleet));
    write({ "config/prometheus/secrets/scrape-ca.crt": "", "config/prometheus/secrets/scrape-password": "x\n" });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("prometheus.yml: promtool check config (which also checks the rule files)", () => {
        const r = tool("promtool", ["check", "config", `${prom}/prometheus.yml`]);
        expect(r.error).toBeUndefined();
        expect(r.out).toContain("SUCCESS: 7 rule files found");
        expect(r.code).toBe(0);
    });

    it("prometheus.yml with the container's paths is valid syntax", () => {
        const file = path.join(dir, "container-prometheus.yml");
        fs.writeFileSync(file, renderHostConfigFiles({ stackName: "test" })["config/prometheus/prometheus.yml"]);
        const r = tool("promtool", ["check", "config", "--syntax-only", file]);
        expect([r.code, r.out]).toEqual([0, expect.stringContaining("SUCCESS")]);
    });

    it("rules: promtool check rules", () => {
        const files = ["fleet", "node", "monitoring-host", "hardware", "monitoring", "probes", "snmp"].map((f) => `${prom}/rules/${f}.yml`);
        const r = tool("promtool", ["check", "rules", ...files]);
        expect(r.code).toBe(0);
        // Per file: the node mixin's 26 alerts for the devices and again for the monitoring host.
        expect([...r.out.matchAll(/rules\/([\w-]+)\.yml\n\s+SUCCESS: (\d+) rules found/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual([
            "fleet:2",
            "node:26",
            "monitoring-host:26",
            "hardware:2",
            "monitoring:6",
            "probes:4",
            "snmp:4",
        ]);
    });

    it("alertmanager.yml: amtool check-config", () => {
        const r = tool("amtool", ["check-config", path.join(dir, "config/alertmanager/alertmanager.yml")]);
        expect([r.code, r.out]).toEqual([0, expect.stringContaining("SUCCESS")]);
    });

    it("cloud-init: cloud-init schema", () => {
        const file = path.join(dir, "cloud-init.yaml");
        fs.writeFileSync(
            file,
            renderCloudInit({
                hostKey: { privateOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n", publicOpenssh: "ssh-ed25519 AAAAC3 host" },
                adminPublicKey: "ssh-ed25519 AAAAC3 admin",
            }),
        );
        const r = tool("cloud-init", ["schema", "--config-file", file]);
        expect([r.code, r.out.trim()]).toEqual([0, expect.stringContaining(`Valid cloud-config: ${file}`)]);
    });

    it("the targets files name every device once, by name, with its site and region: the host's, and the offshore collector's", () => {
        const central = JSON.parse(fs.readFileSync(path.join(prom, "targets/fleet.json"), "utf8")) as { targets: string[]; labels: Record<string, string> }[];
        const offshore = JSON.parse(renderSiteTargets(fleet, "nhv-offshore")) as { targets: string[]; labels: Record<string, string> }[];
        expect(central.every((t) => t.labels.site === "nhv-onshore") && offshore.every((t) => t.labels.site === "nhv-offshore")).toBe(true);
        const targets = [...central, ...offshore];
        expect(targets.map((t) => t.labels.instance).sort()).toEqual(fleet.devices.map((d) => d.name).sort());
        expect(targets.find((t) => t.labels.instance === "wtg-a01-ctrl")).toEqual({
            targets: ["10.40.1.11:9100"],
            labels: { env: "production", facility: "offshore-substation", operator: "north-haven-wind", role: "turbine-controller", string: "a", instance: "wtg-a01-ctrl", site: "nhv-offshore", region: "uk-north-sea" },
        });
    });

    it("no target label collides with a label node_exporter's collectors put on their own series", () => {
        const targets = [...JSON.parse(fs.readFileSync(path.join(prom, "targets/fleet.json"), "utf8")), ...JSON.parse(renderSiteTargets(fleet, "nhv-offshore"))] as { labels: Record<string, string> }[];
        const names = [...new Set(targets.flatMap((t) => Object.keys(t.labels)))].sort();
        // `instance` and `job` are Prometheus's own target labels, which node_exporter never sets.
        expect(names).toEqual(["env", "facility", "instance", "operator", "region", "role", "site", "string"]);
        expect(names.filter((n) => n in NODE_EXPORTER_LABELS)).toEqual([]);
        expect(Object.keys(NODE_EXPORTER_LABELS)).toEqual(expect.arrayContaining(["device", "mountpoint", "fstype", "cpu", "mode", "name", "state", "type", "chip", "sensor", "nodename"]));
    });
});
