import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dump, load } from "js-yaml";
import { hashSync } from "bcryptjs";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { SCRAPE_USERNAME } from "../../infra/device";
import { renderHostConfigFiles, renderTargetsFile } from "../../infra/host/hostConfigFiles";
import { sizeHost } from "../../infra/host/sizing";
import { isAlive, sleep } from "../../lab/exec";
import { PrometheusProcess } from "../../lab/prometheusProcess";
import { KEY_A } from "../fleet/malformedCases";

/**
 * longTermStore: amp, end to end without AWS: the host's rendered prometheus.yml (Debian's Prometheus 2.42
 * runs it) scrapes three devices (real node_exporters on 127.0.0.81-83, over TLS with basic auth, as the
 * rendered device job says) and remote-writes to a second Prometheus started with
 * `--web.enable-remote-write-receiver`, standing in for AMP. What this cannot show, and only AWS can:
 * SigV4 signing with the instance profile. The rendered remote_write is used as is, except that its url
 * points at the stand-in and its sigv4 block is removed (a plain receiver ignores a signature, but
 * Prometheus would first look for AWS credentials, and there are none here).
 * A server suite (jest.config.js SERVERS): loopback ports 19180-19182 of its own.
 */
jest.setTimeout(180_000);

const HOST_PORT = 19180;
const RECEIVER_PORT = 19181;
const EXPORTER_PORT = 19182;
const DEVICES = [
    { name: "wtg-01", address: "127.0.0.81", site: "north-sea-a", labels: "{turbine: t01, string: s1}" },
    { name: "wtg-02", address: "127.0.0.82", site: "north-sea-a", labels: "{turbine: t02, string: s1}" },
    { name: "met-mast", address: "127.0.0.83", site: "dogger", labels: "{turbine: none, string: s2}" },
];
const WORKSPACE = { prometheusEndpoint: "https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/", region: "eu-west-2" };

function run(cmd: string, args: string[], cwd: string): void {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

describe("the host's Prometheus remote-writes every series, with the fleet's labels, to a receiver standing in for AMP", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-remote-write-"));
    const prom = path.join(dir, "config/prometheus");
    const exporters: number[] = [];
    let host: PrometheusProcess;
    let receiver: PrometheusProcess;

    beforeAll(async () => {
        const fleetText =
            `version: 1\ndefaults:\n  ssh: {user: iiotmon, privateKeySecret: deviceSshKey}\n  nodeExporter: {port: ${EXPORTER_PORT}}\n` +
            "sites:\n  north-sea-a: {region: uk-east, labels: {farm: hornsea}}\n  dogger: {region: uk-north, labels: {farm: dogger-bank}}\n" +
            "devices:\n" +
            DEVICES.map((d) => `  - {name: ${d.name}, address: ${d.address}, site: ${d.site}, hostKey: "${KEY_A}", labels: ${d.labels}}\n`).join("");
        const parsed = parseFleet(fleetText, { file: "endpoints.yaml", checksums: loadChecksums() });
        if (!parsed.fleet) throw new Error(JSON.stringify(parsed.problems));
        const fleet = parsed.fleet;

        // The devices: one node_exporter each, TLS with a certificate for its address, basic auth (bcrypt).
        const password = "scrape-password-for-the-test";
        run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "tls.key", "-out", "tls.crt", "-days", "2", "-subj", "/CN=devices", "-addext", `subjectAltName=${DEVICES.map((d) => `IP:${d.address}`).join(",")}`], dir);
        fs.writeFileSync(path.join(dir, "web.yml"), dump({ tls_server_config: { cert_file: path.join(dir, "tls.crt"), key_file: path.join(dir, "tls.key") }, basic_auth_users: { [SCRAPE_USERNAME]: hashSync(password, 4) } }));
        for (const d of DEVICES) {
            const child = spawn("/usr/bin/prometheus-node-exporter", [`--web.listen-address=${d.address}:${EXPORTER_PORT}`, `--web.config.file=${path.join(dir, "web.yml")}`], { detached: true, stdio: "ignore" });
            exporters.push(child.pid!);
            child.unref();
        }

        // The host: its rendered files, with the container's paths mapped into the test directory.
        const files = renderHostConfigFiles({
            stackName: "north-sea",
            scrapeIntervalSeconds: 5,
            paths: { configDir: prom, targetsDir: `${prom}/targets`, secretsDir: `${prom}/secrets`, alertmanager: "127.0.0.1:19183", hostNodeExporter: "127.0.0.1:19184" },
            longTermStore: { workspace: WORKSPACE, activeSeries: sizeHost({ devices: fleet.devices.length, scrapeIntervalSeconds: 5, retentionDays: 7 }).activeSeries },
        });
        const config = load(files["config/prometheus/prometheus.yml"]) as { remote_write: { url: string; sigv4?: unknown }[] };
        expect(config.remote_write.map((r) => [r.url, r.sigv4])).toEqual([[`${WORKSPACE.prometheusEndpoint}api/v1/remote_write`, { region: "eu-west-2" }]]);
        config.remote_write[0].url = `http://127.0.0.1:${RECEIVER_PORT}/api/v1/write`;
        delete config.remote_write[0].sigv4;
        files["config/prometheus/prometheus.yml"] = dump(config);
        Object.assign(files, renderTargetsFile(fleet), { "config/prometheus/secrets/scrape-ca.crt": fs.readFileSync(path.join(dir, "tls.crt"), "utf8"), "config/prometheus/secrets/scrape-password": `${password}\n` });
        for (const [rel, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
        }

        fs.writeFileSync(path.join(dir, "receiver.yml"), "global: {}\n");
        receiver = new PrometheusProcess(path.join(dir, "receiver.yml"), path.join(dir, "receiver-data"), RECEIVER_PORT, { extraArgs: ["--web.enable-remote-write-receiver"] });
        host = new PrometheusProcess(`${prom}/prometheus.yml`, path.join(dir, "host-data"), HOST_PORT);
        await receiver.start();
        await host.start();
    });

    afterAll(async () => {
        await host?.stop();
        await receiver?.stop();
        for (const pid of exporters) if (isAlive(pid)) process.kill(pid, "SIGTERM");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Series of the device job per device, at one instant, on one Prometheus. */
    async function seriesPerDevice(p: PrometheusProcess): Promise<Record<string, number>> {
        const r = await p.query('count by (instance) ({job="node"})');
        return Object.fromEntries(r.map((s) => [s.metric.instance, Number(s.value[1])]));
    }

    it("scrapes the three devices over TLS with basic auth, as the rendered job says", async () => {
        let targets: Awaited<ReturnType<PrometheusProcess["activeTargets"]>> = [];
        for (let i = 0; i < 60; i++) {
            targets = (await host.activeTargets()).filter((t) => t.scrapePool === "node");
            if (targets.length === 3 && targets.every((t) => t.health === "up")) break;
            await sleep(1000);
        }
        expect(targets.map((t) => [t.labels.instance, t.health, t.lastError]).sort()).toEqual(DEVICES.map((d) => [d.name, "up", ""]).sort());
    });

    it("every series the host holds arrives at the receiver, device by device", async () => {
        let hostCounts: Record<string, number> = {};
        let received: Record<string, number> = {};
        for (let i = 0; i < 60; i++) {
            [hostCounts, received] = await Promise.all([seriesPerDevice(host), seriesPerDevice(receiver)]);
            if (Object.keys(hostCounts).length === 3 && JSON.stringify(received) === JSON.stringify(hostCounts)) break;
            await sleep(1000);
        }
        expect(Object.keys(hostCounts).sort()).toEqual(DEVICES.map((d) => d.name).sort());
        // A real node_exporter: hundreds of series each.
        expect(Math.min(...Object.values(hostCounts))).toBeGreaterThan(100);
        expect(received).toEqual(hostCounts);
    });

    it("with the fleet's labels on every series: instance, site, region, the site's and the device's own, and the stack's external label", async () => {
        const info = await receiver.query('node_uname_info{job="node"}');
        const labels = info.map((s) => {
            const { instance, site, region, farm, turbine, string, monitor } = s.metric;
            return { instance, site, region, farm, turbine, string, monitor };
        });
        expect(labels.sort((a, b) => (a.instance < b.instance ? -1 : 1))).toEqual([
            { instance: "met-mast", site: "dogger", region: "uk-north", farm: "dogger-bank", turbine: "none", string: "s2", monitor: "north-sea" },
            { instance: "wtg-01", site: "north-sea-a", region: "uk-east", farm: "hornsea", turbine: "t01", string: "s1", monitor: "north-sea" },
            { instance: "wtg-02", site: "north-sea-a", region: "uk-east", farm: "hornsea", turbine: "t02", string: "s1", monitor: "north-sea" },
        ]);
        // Not one device series arrived without them.
        for (const missing of ['{job="node", site=""}', '{job="node", region=""}', '{job="node", farm=""}', '{job="node", turbine=""}', '{job="node", monitor=""}']) {
            expect([missing, await receiver.query(`count(${missing})`)]).toEqual([missing, []]);
        }
    });
});
