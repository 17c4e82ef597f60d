import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load } from "js-yaml";
import { loadChecksums } from "../../infra/device";
import { parseFleet, SNMP_MODULE_LABELS, SNMP_MODULES } from "../../infra/fleet";
import {
    EXPORTER_TARGETS_FILES,
    renderExporterConfigFiles,
    renderExporterTargetsFiles,
    renderHostConfigFiles,
    renderTargetsFile,
    snmpModuleLabels,
} from "../../infra/host";
import { MIXED_FLEET } from "../fleet/watchCases";

/** Probe and SNMP devices' files, checked by the real exporters (Debian's blackbox_exporter 0.23, snmp_exporter 0.21) and promtool. */
const fleet = parseFleet(MIXED_FLEET, { file: "endpoints.yaml", checksums: loadChecksums() }).fleet!;
const SECRETS: Record<string, string> = { northCommunity: "n0rth-community", upsAuth: "ups-auth-passphrase", upsPriv: "ups-priv-passphrase" };
const secret = (name: string) => SECRETS[name];

function tool(cmd: string, args: string[]) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Target {
    targets: string[];
    labels: Record<string, string>;
}

describe("probe and SNMP devices on the monitoring host", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "watched-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configs = renderExporterConfigFiles(fleet, secret);
    const targets = renderExporterTargetsFiles(fleet);
    const blackbox = JSON.parse(targets[EXPORTER_TARGETS_FILES.blackbox]) as Target[];
    const snmp = JSON.parse(targets[EXPORTER_TARGETS_FILES.snmp]) as Target[];

    it("blackbox.yml passes blackbox_exporter's own check", () => {
        const file = path.join(dir, "blackbox.yml");
        fs.writeFileSync(file, configs["config/blackbox/blackbox.yml"]);
        const r = tool("prometheus-blackbox-exporter", [`--config.file=${file}`, "--config.check"]);
        expect([r.code, r.out]).toEqual([0, expect.stringContaining("Config file is ok")]);
    });

    it("snmp.yml passes snmp_exporter's own check, with the secrets' values and one module per credentials", () => {
        const file = path.join(dir, "snmp.yml");
        fs.writeFileSync(file, configs["config/snmp/snmp.yml"]);
        const r = tool("prometheus-snmp-exporter", [`--config.file=${file}`, "--dry-run"]);
        expect([r.code, r.out]).toEqual([0, expect.stringContaining("Configuration parsed successfully")]);
        const modules = load(configs["config/snmp/snmp.yml"]) as Record<string, { version: number; auth: Record<string, string> }>;
        expect(Object.keys(modules).sort()).toEqual(["system+if_mib@v2c/northCommunity", "system+ups@v3/monitor/SHA256/upsAuth/AES/upsPriv"]);
        expect(modules["system+if_mib@v2c/northCommunity"]).toMatchObject({ version: 2, auth: { community: "n0rth-community" } });
        expect(modules["system+ups@v3/monitor/SHA256/upsAuth/AES/upsPriv"]).toMatchObject({
            version: 3,
            auth: { username: "monitor", security_level: "authPriv", auth_protocol: "SHA256", password: "ups-auth-passphrase", priv_protocol: "AES", priv_password: "ups-priv-passphrase" },
        });
    });

    it("one blackbox target per probe, labelled with the device's name, site, region, labels and the probe", () => {
        expect(blackbox.map((t) => [t.targets[0], t.labels.instance, t.labels.probe, t.labels.__param_module])).toEqual([
            ["10.0.0.1:502", "gw-01", "tcp:502", "tcp_connect"],
            ["10.0.0.21", "plc-01", "icmp", "icmp"],
            ["10.0.0.21:502", "plc-01", "tcp:502", "tcp_connect"],
            ["https://10.0.0.21:8443/status", "plc-01", "https:8443/status", "https_200_401_insecure"],
            ["http://10.0.0.21/", "plc-01", "http:80/", "http_2xx"],
            ["10.0.0.31", "sw-01", "icmp", "icmp"],
        ]);
        expect(blackbox[1].labels).toEqual({ role: "plc", instance: "plc-01", site: "north", region: "north-sea", probe: "icmp", __param_module: "icmp" });
        const modules = Object.keys((load(configs["config/blackbox/blackbox.yml"]) as { modules: object }).modules);
        for (const t of blackbox) expect(modules).toContain(t.labels.__param_module);
    });

    it("one SNMP target per SNMP device, at its SNMP port, with the module of its groups and credentials", () => {
        expect(snmp).toEqual([
            { targets: ["10.0.0.31:161"], labels: { instance: "sw-01", site: "north", region: "north-sea", __param_module: "system+if_mib@v2c/northCommunity" } },
            { targets: ["10.0.0.41:1161"], labels: { instance: "ups-01", site: "north", region: "north-sea", __param_module: "system+ups@v3/monitor/SHA256/upsAuth/AES/upsPriv" } },
        ]);
    });

    it("keeps probe and SNMP devices out of the node_exporter targets", () => {
        const node = JSON.parse(Object.values(renderTargetsFile(fleet))[0]) as Target[];
        expect(node.map((t) => t.labels.instance)).toEqual(["gw-01"]);
    });

    it("prometheus.yml with the exporters' jobs passes promtool check config", () => {
        const prom = path.join(dir, "config/prometheus");
        const files = renderHostConfigFiles({ stackName: "test", paths: { configDir: prom, targetsDir: `${prom}/targets`, secretsDir: `${prom}/secrets`, alertmanager: "127.0.0.1:9093", hostNodeExporter: "127.0.0.1:9100" } });
        for (const [rel, text] of Object.entries({ ...files, ...targets, "config/prometheus/secrets/scrape-ca.crt": "", "config/prometheus/secrets/scrape-password": "x\n" })) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        }
        const r = tool("promtool", ["check", "config", `${prom}/prometheus.yml`]);
        expect([r.code, r.out]).toEqual([0, expect.stringContaining("SUCCESS")]);
        const config = load(files["config/prometheus/prometheus.yml"]) as { scrape_configs: { job_name: string; metrics_path?: string; relabel_configs?: object[]; file_sd_configs?: { files: string[] }[] }[] };
        const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!;
        // The multi-target pattern: the device becomes ?target=, the exporter is scraped; nothing else is rewritten.
        expect(job("blackbox")).toMatchObject({
            metrics_path: "/probe",
            file_sd_configs: [{ files: [`${prom}/targets/blackbox/*.json`] }],
            relabel_configs: [{ source_labels: ["__address__"], target_label: "__param_target" }, { target_label: "__address__", replacement: "blackbox-exporter:9115" }],
        });
        expect(job("snmp")).toMatchObject({ metrics_path: "/snmp", file_sd_configs: [{ files: [`${prom}/targets/snmp/*.json`] }] });
        // The node job's glob does not reach into the exporters' directories.
        expect(job("node").file_sd_configs).toEqual([{ files: [`${prom}/targets/*.json`], refresh_interval: "1m" }]);
    });

    it("names every label an SNMP module can put on its series, so validation refuses them as device labels", () => {
        for (const m of SNMP_MODULES) expect([m, snmpModuleLabels(m)]).toEqual([m, [...SNMP_MODULE_LABELS[m]].sort()]);
    });

    it("renders the same files whatever the order of devices in endpoints.yaml", () => {
        const lines = MIXED_FLEET.split("\n");
        const at = lines.findIndex((l) => l.startsWith("  - name: plc-01"));
        const plcEnd = lines.findIndex((l, i) => i > at && l.startsWith("  - name:"));
        const reordered = [...lines.slice(0, at), ...lines.slice(plcEnd), ...lines.slice(at, plcEnd)].join("\n") + "\n";
        const other = parseFleet(reordered, { file: "endpoints.yaml", checksums: loadChecksums() }).fleet!;
        expect(other.agentless.map((d) => d.name)).not.toEqual(fleet.agentless.map((d) => d.name));
        expect(renderExporterTargetsFiles(other)).toEqual(targets);
        expect(renderExporterConfigFiles(other, secret)).toEqual(configs);
    });
});
