import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { collectorDiskSize, collectorScriptArgs, collectorStdin, deviceCommand, loadChecksums, loadCollectorChecksums, pushedCollectorTarballPath } from "../../infra/device";
import { Fleet, readFleetFile } from "../../infra/fleet";
import { BackfillOptions, collectorUsername, renderBackfillEnv, renderBackfillHttpConfig, renderCollectorConfig, renderRemoteWriteSite, renderSiteTargets } from "../../infra/host";
import { isAlive, run, sleep, tryRun } from "../../lab/exec";
import { Lab, scrapeSecrets } from "../../lab/lab";
import { LabDeviceRecord } from "../../lab/labDevice";
import { labFleetYaml } from "../../lab/labFleet";
import { CHECKSUMS_FILE, ensurePrometheusRelease, LAB_PROMETHEUS_VERSION } from "../../lab/mirror";
import { MirrorServer } from "../../lab/mirrorServer";
import { netnsName } from "../../lab/network";
import { SSH_KEY } from "../../lab/paths";
import { PrometheusProcess } from "../../lab/prometheusProcess";
import { everySampleQuery, Matrix, missingSamples, SampleComparison } from "../../lab/sampleComparison";
import { sshCopy, sshRun } from "../../lab/sshExec";
import { cleanUp, labCleanUpSteps } from "../../lab/cleanUp";

/**
 * A site with a collector, end to end on the lab: devices running our node_exporter, a collector device
 * with Debian's Prometheus 2.42 in server mode and the back-filler, installed by our installer over SSH
 * (a lab-built release, checksum pinned), the site's uplink a veth of its own to the "monitoring host"
 * (the root namespace: Caddy with the rendered receiver site in front of a Prometheus with the
 * remote-write receiver). One outage of the uplink, during which the collector is killed (-9), the
 * back-filler is killed (-9), the collector device reboots, an upgrade restarts the collector and the
 * central Prometheus restarts; then every sample the collector's local TSDB holds from before, during
 * and after the outage must be in the central Prometheus, series by series, sample by sample.
 */
jest.setTimeout(600_000);

const SCRAPE_SECONDS = 1;
// The outage is compressed for CI: 150 s of 1 s scrapes of 3 node_exporters (500 to 1,700 series each)
// and the collector itself is over 400,000 samples, forty times the remote write's in-memory queue.
const OUTAGE_SECONDS = 150;
// Stands in for the 2 h block range (--storage.tsdb.min-block-duration and max-block-duration): the head
// is compacted into a block, and its WAL truncated into a checkpoint, every 1.5 min instead of every 3 h,
// so the outage walks over several blocks and checkpoints, as a 6 h outage does over 2 h ones. With 2 h
// blocks a 6 h outage is what makes the remote write lose the WAL it lags behind; here 150 s do.
const BLOCK_MINUTES = 1;
const UPLINK = { host: "iiu17h", device: "iiu17d", hostIp: "10.217.0.1", deviceIp: "10.217.0.2", cidr: "10.217.0.0/30" };
const RECEIVER_PORT = 19443;
const CENTRAL_PORT = 19417;
const SITE = "lab-site";

describe("a site collector rides out a link outage without losing a sample", () => {
    const lab = new Lab(fs.mkdtempSync(path.join(os.tmpdir(), "lab-collector-state-")));
    const mirror = new MirrorServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-collector-"));
    const centralConfig = path.join(dir, "central.yml");
    const central = new PrometheusProcess(centralConfig, path.join(dir, "central"), CENTRAL_PORT, { extraArgs: ["--web.enable-remote-write-receiver"] });
    let caddyPid: number | undefined;
    let gateway: LabDeviceRecord;
    let devices: LabDeviceRecord[];
    let fleet: Fleet;
    let installStdin = "";
    let backfill: BackfillOptions;
    const password = run("openssl", ["rand", "-hex", "16"]).trim();

    const conn = () => ({ host: gateway.ip, user: "iiotmon", privateKey: fs.readFileSync(SSH_KEY, "utf8"), hostKey: gateway.hostKey });
    const inCollector = (cmd: string, args: string[]) => spawnSync("ip", ["netns", "exec", netnsName(gateway.name), cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });

    function openssl(args: string[]): void {
        const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
        if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
    }

    /** The receiver's certificate (the stack-CA mode: an IP address in the certificate). */
    function receiverCertificate(): void {
        openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=lab receiver CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "rw.key", "-out", "rw.csr", "-subj", "/CN=lab receiver"]);
        fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=IP:${UPLINK.hostIp}\nextendedKeyUsage=serverAuth\n`);
        openssl(["x509", "-req", "-in", "rw.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "rw.crt", "-days", "1", "-extfile", "ext.cnf"]);
    }

    function startCaddy(): void {
        const hash = run("caddy", ["hash-password", "--plaintext", password]).trim();
        const site = renderRemoteWriteSite({
            port: RECEIVER_PORT,
            addresses: [UPLINK.hostIp],
            tls: { certFile: path.join(dir, "rw.crt"), keyFile: path.join(dir, "rw.key") },
            upstream: `127.0.0.1:${CENTRAL_PORT}`,
            credentials: [{ username: collectorUsername(SITE), bcryptHash: hash }],
            allowedCidrs: [UPLINK.cidr],
        });
        const caddyfile = path.join(dir, "Caddyfile");
        fs.writeFileSync(caddyfile, `{\n\tadmin off\n\tauto_https disable_redirects\n\tdefault_sni ${UPLINK.hostIp}\n}\n${site}`);
        const log = fs.openSync(path.join(dir, "caddy.log"), "w");
        const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "caddy-data"), XDG_CONFIG_HOME: path.join(dir, "caddy-config") };
        const child = spawn("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], { env, detached: true, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        caddyPid = child.pid;
        child.unref();
    }

    /** The site's uplink: a veth of its own between the collector's namespace and the "monitoring host". */
    function createUplink(): void {
        removeUplink();
        const ns = netnsName(gateway.name);
        run("ip", ["link", "add", UPLINK.host, "type", "veth", "peer", "name", UPLINK.device]);
        run("ip", ["link", "set", UPLINK.device, "netns", ns]);
        run("ip", ["addr", "add", `${UPLINK.hostIp}/30`, "dev", UPLINK.host]);
        run("ip", ["link", "set", UPLINK.host, "up"]);
        run("ip", ["-n", ns, "addr", "add", `${UPLINK.deviceIp}/30`, "dev", UPLINK.device]);
        run("ip", ["-n", ns, "link", "set", UPLINK.device, "up"]);
        // The receiver is reachable through the uplink only: no default route through the lab bridge.
        run("ip", ["-n", ns, "route", "del", "default"], { allowFail: true });
    }
    function removeUplink(): void {
        if (tryRun("ip", ["link", "show", UPLINK.host])) run("ip", ["link", "del", UPLINK.host], { allowFail: true });
    }

    async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 90): Promise<T> {
        const started = Date.now();
        while (Date.now() - started < seconds * 1000) {
            const v = await probe().catch(() => undefined);
            if (v !== undefined) return v;
            await sleep(500);
        }
        throw new Error(`timed out waiting for ${what}`);
    }

    /** Every sample the collector's own TSDB holds in (from, to], by its own query API, on its loopback. */
    function localSamples(from: number, to: number): Matrix {
        const r = inCollector("curl", ["-fsS", "--max-time", "60", "--data-urlencode", `query=${everySampleQuery(from, to)}`, "http://127.0.0.1:9095/api/v1/query"]);
        if (r.status !== 0) throw new Error(`the collector's query API: ${r.stderr}`);
        return (JSON.parse(r.stdout) as { data: { result: Matrix } }).data.result;
    }

    /** The samples of the collector's TSDB in (from, to] that the central Prometheus lacks. */
    async function missingCentrally(from: number, to: number): Promise<SampleComparison> {
        const copy = await central.query<Matrix>(everySampleQuery(from, to));
        return missingSamples(localSamples(from, to), copy);
    }

    beforeAll(async () => {
        lab.prepare();
        await mirror.start();
        const release = ensurePrometheusRelease();
        gateway = await lab.start("c17-gw", 70);
        devices = [gateway, await lab.start("c17-dev-1", 71), await lab.start("c17-dev-2", 72)];
        // node_exporter on every device of the site, the collector included, as `pulumi up` installs it.
        const fleetFile = path.join(dir, "endpoints.yaml");
        const yaml = labFleetYaml(devices.map((record) => ({ record })));
        fs.writeFileSync(fleetFile, yaml);
        const applied = await lab.apply(fleetFile);
        expect(applied.outcomes.filter((o) => !o.ok)).toEqual([]);
        // The same fleet with the site's collector: what renders the collector's targets.
        const withCollector = path.join(dir, "endpoints-collector.yaml");
        fs.writeFileSync(withCollector, yaml.replace("    region: lab-region\n", `    region: lab-region\n    collector: ${gateway.name}\n`));
        fleet = readFleetFile(withCollector, loadChecksums([CHECKSUMS_FILE])).fleet!;
        expect(fleet.sites).toEqual([{ name: SITE, region: "lab-region", collector: { device: gateway.name, outageBudgetHours: 6 } }]);

        receiverCertificate();
        fs.writeFileSync(centralConfig, "global: {scrape_interval: 15s}\nstorage: {tsdb: {out_of_order_time_window: 7h}}\n");
        await central.start();
        createUplink();
        startCaddy();

        // The collector, installed by our installer over SSH with the lab release pushed as CopyToRemote does.
        const collector = fleet.sites[0].collector!;
        const device = fleet.devices.find((d) => d.name === gateway.name)!;
        const args = collectorScriptArgs(
            collector,
            { ...device, arch: "amd64" },
            fleet.devices.length,
            { version: LAB_PROMETHEUS_VERSION, source: "push", downloadBaseUrl: "", scrapeIntervalSeconds: SCRAPE_SECONDS, blockDurationMinutes: BLOCK_MINUTES },
            loadCollectorChecksums([release.checksums]),
            "lab/collector-lab-site",
        );
        const copied = await sshCopy(conn(), release.tarball, pushedCollectorTarballPath(LAB_PROMETHEUS_VERSION, "amd64"));
        expect(copied.code).toBe(0);
        expect(args).toContain(`block_duration=${BLOCK_MINUTES}m`);
        const scrape = scrapeSecrets(lab.stateDir);
        const remoteWriteUrl = `https://${UPLINK.hostIp}:${RECEIVER_PORT}/api/v1/write`;
        const { backfillRangeSeconds } = collectorDiskSize({ devices: fleet.devices.length, scrapeIntervalSeconds: SCRAPE_SECONDS, outageBudgetHours: collector.outageBudgetHours });
        backfill = { site: SITE, remoteWriteUrl, outageBudgetHours: collector.outageBudgetHours, rangeSeconds: backfillRangeSeconds, blockSeconds: BLOCK_MINUTES * 60 };
        installStdin = collectorStdin(args, {
                agentConfig: renderCollectorConfig({ site: SITE, region: "lab-region", collectorDevice: gateway.name, remoteWriteUrl, scrapeIntervalSeconds: SCRAPE_SECONDS }),
                backfillEnv: renderBackfillEnv(backfill),
                backfillHttpConfig: renderBackfillHttpConfig(backfill),
                targetsJson: renderSiteTargets(fleet, SITE),
                scrapeCaCertPem: scrape.caCertPem,
                scrapePassword: scrape.password,
                remoteWriteCaCertPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
                remoteWritePassword: password,
            });
        const installed = await sshRun(conn(), deviceCommand("install"), installStdin);
        expect([installed.code, installed.stderr]).toEqual([0, ""]);
        expect(installed.stdout).toMatch(/IIOTMON_RESULT device=c17-gw status=ok version=2\.42\.0-lab\.2 arch=amd64 changed=1 restarted=1/);
        expect(installed.stdout).toContain("back-filler: started");
    });

    afterAll(() =>
        cleanUp(
            () => caddyPid && isAlive(caddyPid) && process.kill(caddyPid, "SIGTERM"),
            () => central.stop(),
            () => removeUplink(),
            ...labCleanUpSteps([lab], mirror, dir),
        ));

    it("a re-run of the install changes nothing and restarts nothing (the pushed tarball is gone: the binary is known)", async () => {
        const started = "systemctl show -p ActiveEnterTimestampMonotonic --value prometheus-agent.service prometheus-agent-backfill.service";
        const before = await sshRun(conn(), started);
        const again = await sshRun(conn(), deviceCommand("install"), installStdin);
        expect(again.stdout).toMatch(/IIOTMON_RESULT device=c17-gw status=ok .* changed=0 restarted=0 reloaded=0 downloaded_bytes=0/);
        const after = await sshRun(conn(), started);
        expect(after.stdout).toBe(before.stdout);
    });

    it("every device arrives centrally through the collector, with the fleet's labels, and the collector's own series", async () => {
        const expected = JSON.parse(renderSiteTargets(fleet, SITE)) as { labels: Record<string, string> }[];
        const got = await waitFor("every device's up through the collector", async () => {
            const r = await central.query('up{job="node"} == 1');
            return r.length === expected.length ? r : undefined;
        });
        expect(got.map((s) => s.metric).sort((a, b) => (a.instance < b.instance ? -1 : 1))).toEqual(expected.map((t) => ({ ...t.labels, __name__: "up", job: "node" })));
        const own = await waitFor("the collector's own up", async () => {
            const r = await central.query('up{job="collector"}');
            return r.length ? r : undefined;
        });
        expect(own.map((s) => s.metric)).toEqual([{ __name__: "up", job: "collector", instance: gateway.name, site: SITE, region: "lab-region" }]);
        // Real node_exporter series, not only up.
        expect((await central.query(`node_uname_info{instance="c17-dev-1"}`)).map((s) => s.metric.nodename)).toEqual(["c17-dev-1"]);
    });

    it("the receiver refuses wrong credentials, other paths, and addresses outside the allowed networks", async () => {
        const url = `https://${UPLINK.hostIp}:${RECEIVER_PORT}`;
        const ca = path.join(dir, "ca.pem");
        const status = (args: string[]) => inCollector("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca, ...args]).stdout;
        expect(status(["-u", `${collectorUsername(SITE)}:wrong-password`, "-X", "POST", "--data-binary", "x", `${url}/api/v1/write`])).toBe("401");
        expect(status(["-u", `collector-other:${password}`, "-X", "POST", "--data-binary", "x", `${url}/api/v1/write`])).toBe("401");
        // Write-only: the right credentials read nothing.
        expect(status(["-u", `${collectorUsername(SITE)}:${password}`, `${url}/api/v1/query?query=up`])).toBe("404");
        expect(status(["-u", `${collectorUsername(SITE)}:${password}`, `${url}/api/v1/write`])).toBe("404");
        // The right credentials from the collector reach Prometheus (which refuses a body that is not a
        // snappy protobuf: 400); from the lab bridge's address, outside 10.217.0.0/30, they reach nothing.
        expect(status(["-u", `${collectorUsername(SITE)}:${password}`, "-X", "POST", "--data-binary", "x", `${url}/api/v1/write`])).toBe("400");
        const outside = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", "10.213.0.1", "--cacert", ca, "-u", `${collectorUsername(SITE)}:${password}`, "-X", "POST", "--data-binary", "x", `${url}/api/v1/write`], { encoding: "utf8" });
        // 404 from the catch-all, or no answer at all: either way not Prometheus's 400 that the inside got.
        expect(["404", "000"]).toContain(outside.stdout);

        // A real agent with a wrong password: refused, and nothing of it arrives.
        const wrong = path.join(dir, "wrong");
        fs.mkdirSync(wrong);
        fs.writeFileSync(path.join(wrong, "pw"), "wrong-password");
        fs.writeFileSync(
            path.join(wrong, "agent.yml"),
            `global: {scrape_interval: 1s}\nscrape_configs: [{job_name: intruder, static_configs: [{targets: ["127.0.0.1:19501"]}]}]\n` +
                `remote_write: [{url: "${url}/api/v1/write", basic_auth: {username: ${collectorUsername(SITE)}, password_file: ${wrong}/pw}, tls_config: {ca_file: ${ca}}}]\n`,
        );
        const agent = spawn("ip", ["netns", "exec", netnsName(gateway.name), "/usr/bin/prometheus", "--enable-feature=agent", `--config.file=${wrong}/agent.yml`, `--storage.agent.path=${wrong}/wal`, "--web.listen-address=127.0.0.1:19501"], { stdio: ["ignore", "pipe", "pipe"] });
        let log = "";
        agent.stderr.on("data", (d: Buffer) => (log += d));
        try {
            await waitFor("the agent's refused write", async () => (log.includes("401 Unauthorized") ? true : undefined), 30);
        } finally {
            agent.kill("SIGTERM");
            await new Promise((r) => agent.once("close", r));
        }
        expect(log).toMatch(/non-recoverable error.*401 Unauthorized/);
        expect(await central.query('up{job="intruder"}')).toEqual([]);
    });

    it(`link cut for ${OUTAGE_SECONDS} s over several blocks and checkpoints; the collector killed (-9), the back-filler killed (-9), the device rebooted, an upgrade restarting the collector, the central Prometheus restarted: zero samples missing centrally`, async () => {
        const svc = (name: string) => sshRun(conn(), `systemctl show -p MainPID --value ${name}.service; systemctl is-active ${name}.service`);
        async function killNine(name: string): Promise<void> {
            const pid = (await svc(name)).stdout.trim().split("\n")[0];
            expect(pid).toMatch(/^[1-9]\d*$/);
            expect((await sshRun(conn(), `sudo -n systemctl kill --signal=KILL ${name}.service`)).code).toBe(0);
            // systemd's Restart=always brings it back after RestartSec, as after an OOM kill or a crash.
            await waitFor(`systemd to restart the killed ${name}`, async () => {
                const [now, active] = (await svc(name)).stdout.trim().split("\n");
                return active === "active" && now !== "0" && now !== pid ? true : undefined;
            }, 30);
        }
        const walFiles = async () => (await sshRun(conn(), "sudo -n ls /var/lib/prometheus-agent/tsdb/wal")).stdout;
        /** The persisted blocks' time ranges (seconds), from their meta.json. */
        const blockRanges = async () =>
            (await sshRun(conn(), "sudo -n sh -c 'cat /var/lib/prometheus-agent/tsdb/*/meta.json'")).stdout
                .split(/(?<=\})\s*(?=\{)/)
                .filter((t) => t.trim())
                .map((t) => JSON.parse(t) as { minTime: number; maxTime: number })
                .map((m) => [m.minTime / 1000, m.maxTime / 1000] as [number, number]);

        const cutAt = Date.now() / 1000;
        run("ip", ["link", "set", UPLINK.host, "down"]);
        expect(inCollector("curl", ["-s", "-o", "/dev/null", "--max-time", "3", "-w", "%{http_code}", `https://${UPLINK.hostIp}:${RECEIVER_PORT}/`]).stdout).toBe("000");

        await sleep(20_000);
        await killNine("prometheus-agent");
        await sleep(15_000);
        await killNine("prometheus-agent-backfill");

        // The collector device reboots (nspawn: systemd shuts down, the same disk boots again).
        await sleep(15_000);
        const bootedBefore = (await sshRun(conn(), "systemctl show -p ActiveEnterTimestamp --value systemd-journald.service")).stdout;
        gateway = await lab.reboot(gateway);
        await waitFor("the collector and its back-filler to be back after the device's reboot", async () => {
            const r = await sshRun(conn(), "systemctl is-active prometheus-agent.service prometheus-agent-backfill.service");
            return r.stdout.trim() === "active\nactive" ? true : undefined;
        }, 60);
        expect((await sshRun(conn(), "systemctl show -p ActiveEnterTimestamp --value systemd-journald.service")).stdout).not.toBe(bootedBefore);

        // The monitoring host's Prometheus restarts too.
        await sleep(10_000);
        await central.stop();
        await central.start();

        // Late in the outage an upgrade that needs a restart (here: another retention) goes through: nothing
        // guards a restart any more, since nothing is lost by one.
        await sleep(Math.max(0, (cutAt + OUTAGE_SECONDS - 20 - Date.now() / 1000) * 1000));
        expect(installStdin).toContain("\nretention=7h\n");
        const upgrade = await sshRun(conn(), deviceCommand("install"), installStdin.replace("\nretention=7h\n", "\nretention=8h\n"));
        expect([upgrade.code, upgrade.stdout.trim().split("\n").pop()]).toEqual([0, expect.stringMatching(/^IIOTMON_RESULT device=c17-gw status=ok .* restarted=1 /)]);
        await sleep(Math.max(0, (cutAt + OUTAGE_SECONDS - Date.now() / 1000) * 1000));

        // While nothing could be sent, the head was compacted into blocks and the WAL truncated into a
        // checkpoint (how many blocks by now depends on when the restarts let compaction run).
        expect((await blockRanges()).length).toBeGreaterThanOrEqual(2);
        expect(await walFiles()).toMatch(/^checkpoint\.\d+$/m);

        const restoredAt = Date.now() / 1000;
        run("ip", ["link", "set", UPLINK.host, "up"]);

        // Everything from a minute before the cut to half a minute after the link's return: once the
        // backlog has drained, not one sample of the collector's TSDB is missing centrally.
        const from = cutAt - 60;
        const to = restoredAt + 30;
        await sleep(Math.max(0, (to + 5 - Date.now() / 1000) * 1000));
        let result = await missingCentrally(from, to);
        const drainedAt = await waitFor("the backlog to drain", async () => {
            result = await missingCentrally(from, to);
            return result.missing.length === 0 ? Date.now() / 1000 : undefined;
        }, 300).catch(() => undefined);
        expect(result.missing.slice(0, 10)).toEqual([]);
        expect(result.missing.length).toBe(0);
        // The outage's samples came from several persisted blocks (and the head): blocks of a minute
        // each that hold part of the outage.
        const inOutage = (await blockRanges()).filter(([min, max]) => min < restoredAt && max > cutAt);
        expect(inOutage.length).toBeGreaterThanOrEqual(2);
        // A real comparison: every series of the site, over 1 s scrapes of 4 minutes and more.
        expect(result.series).toBeGreaterThan(1000);
        expect(result.compared).toBeGreaterThan(300_000);
        // The back-filler, not only the live remote write, carried the outage: it resent ranges.
        const journal = await sshRun(conn(), "sudo -n journalctl -u prometheus-agent-backfill.service --no-pager -o cat");
        expect(journal.stdout).toMatch(/^backfill: resent \[\d+, \d+\]: [1-9]\d* samples$/m);
        console.log(`collector outage: ${result.compared} samples of ${result.series} series compared, 0 missing; drained ${Math.round(drainedAt! - restoredAt)} s after the link came back`);
    });

    it("the uninstall (the setting removed) leaves nothing of the collector behind, node_exporter untouched", async () => {
        const removed = await sshRun(conn(), deviceCommand("uninstall"), installStdin);
        expect(removed.stdout).toMatch(/IIOTMON_RESULT device=c17-gw status=ok removed=[1-9]/);
        const left = await sshRun(
            conn(),
            "ls -d /etc/prometheus-agent /var/lib/prometheus-agent /usr/local/bin/prometheus-agent /usr/local/bin/prometheus-agent-promtool /usr/local/bin/prometheus-agent-backfill " +
                "/etc/systemd/system/prometheus-agent.service /etc/systemd/system/prometheus-agent-backfill.service 2>/dev/null; id prom-agent 2>/dev/null; systemctl is-active node_exporter.service",
        );
        expect(left.stdout.trim()).toBe("active");
    });
});
