import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { loadChecksums } from "../infra/device";
import { parseFleet } from "../infra/fleet";
import { isAlive, run, sleep } from "../lab/exec";
import { cleanUp } from "../lab/cleanUp";
import { WatchedFleetDevice, watchedFleetYaml } from "../lab/labFleet";
import { LoopbackHost } from "../lab/loopbackHost";

export interface ScrapeDurationRow {
    job: string;
    targets: number;
    targetsUp: number;
    samples: number;
    p50ms: number;
    p95ms: number;
}

export interface ProcessRow {
    process: string;
    cpuSecondsPerMinute: number;
    rssMB: number;
    peakRssMB: number;
}

export interface ProbeSnmpResult {
    devices: number;
    probeDevices: number;
    snmpDevices: number;
    snmpdProcesses: number;
    scrapeIntervalSeconds: number;
    minutes: number;
    probesSucceeding: number;
    scrapeDurations: ScrapeDurationRow[];
    processes: ProcessRow[];
    headSeries: number;
}

// Ports no test or lab command uses (tests: 191xx/192xx, the Prometheus bench 19094/19443).
const TCP_PORT = 15502;
const HTTP_PORT = 18480;
const SNMP_PORT = 16161;
const BLACKBOX_PORT = 19315;
const SNMP_EXPORTER_PORT = 19316;
const PROMETHEUS_PORT = 19390;
const COMMUNITY = "bench-community";
/** Devices per snmpd: a few agents, each listening on many loopback addresses, keep the process count low. */
const DEVICES_PER_SNMPD = 125;

const probeAddress = (i: number) => `127.2.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const snmpAddress = (i: number) => `127.3.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function fleetText(probes: number, snmp: number): string {
    const plcs: WatchedFleetDevice[] = Array.from({ length: probes }, (_, i) => ({ name: `plc-${i}`, address: probeAddress(i), watch: "probe", labels: { role: "plc" }, probes: `[{tcp: ${TCP_PORT}}, {http: {port: ${HTTP_PORT}, path: /status}}]` }));
    const switches: WatchedFleetDevice[] = Array.from({ length: snmp }, (_, i) => ({ name: `sw-${i}`, address: snmpAddress(i), watch: "snmp", labels: { role: "switch" }, snmp: `{port: ${SNMP_PORT}}` }));
    return watchedFleetYaml({ name: "bench", region: "bench", snmp: "{version: 2c, communitySecret: benchCommunity}" }, [...plcs, ...switches]);
}

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks). */
function cpuSeconds(pid: number, ticksPerSecond: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function rssOf(pid: number): { rss: number; peak: number } {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

function percentile(sorted: readonly number[], q: number): number {
    if (!sorted.length) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function stopPid(pid: number | undefined): Promise<void> {
    if (!pid || !isAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * The probe and SNMP path at n agentless devices, on loopback only: half probe devices (a TCP check and
 * an HTTP check each, against small listeners of this process on 127.2.x.y), half SNMPv2c devices (Debian's
 * snmpd, a few processes each listening on many 127.3.x.y addresses). The fleet is parsed and rendered by
 * the product's own code; Debian's blackbox_exporter, snmp_exporter and Prometheus run with what it renders,
 * the targets delivered by the host's own script. After every target is up, it is measured for a few minutes.
 */
export async function benchProbeSnmp(n: number, minutes: number, log: (s: string) => void): Promise<ProbeSnmpResult> {
    const probeCount = Math.ceil(n / 2);
    const snmpCount = n - probeCount;
    const interval = 15;
    const host = new LoopbackHost(fs.mkdtempSync(path.join(os.tmpdir(), "bench-probe-snmp-")), { prometheus: PROMETHEUS_PORT, blackbox: BLACKBOX_PORT, snmp: SNMP_EXPORTER_PORT, alertmanager: 19393, hostNodeExporter: 19399 });
    const { dir, prom, blackbox, snmp } = host;
    const ticks = Number(run("getconf", ["CLK_TCK"]).trim());
    const servers: (net.Server | http.Server)[] = [];
    const snmpdPids: number[] = [];
    try {
        // The devices: what a PLC's Modbus/TCP port and web page answer, and SNMP agents.
        const listen = (s: net.Server | http.Server, port: number, host: string) =>
            new Promise<void>((resolve, reject) => {
                s.once("error", reject);
                s.listen(port, host, () => resolve());
                servers.push(s);
            });
        for (let i = 0; i < probeCount; i++) {
            await listen(net.createServer((c) => c.end()), TCP_PORT, probeAddress(i));
            await listen(http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok\n")), HTTP_PORT, probeAddress(i));
        }
        for (let first = 0; first < snmpCount; first += DEVICES_PER_SNMPD) {
            const addresses = Array.from({ length: Math.min(DEVICES_PER_SNMPD, snmpCount - first) }, (_, k) => `udp:${snmpAddress(first + k)}:${SNMP_PORT}`);
            const own = path.join(dir, `snmpd-${first}`);
            fs.mkdirSync(path.join(own, "state"), { recursive: true });
            fs.writeFileSync(path.join(own, "snmpd.conf"), [`rocommunity ${COMMUNITY} default`, "sysName bench-switch", "sysLocation bench", ""].join("\n"), { mode: 0o600 });
            const out = fs.openSync(path.join(own, "snmpd.log"), "a");
            // -m "": no MIB files needed; -C: only this configuration; -Lo: log to the file above. The
            // addresses go on the command line: an agentaddress line this long is cut at snmpd's line buffer.
            const child = spawn("/usr/sbin/snmpd", ["-f", "-Lo", "-m", "", "-C", "-c", path.join(own, "snmpd.conf"), ...addresses], { detached: true, stdio: ["ignore", out, out], env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(own, "state") } });
            fs.closeSync(out);
            child.unref();
            snmpdPids.push(child.pid!);
        }
        for (let i = 0; i < snmpCount; i += DEVICES_PER_SNMPD) {
            let ok = false;
            for (let k = 0; k < 50 && !ok; k++) {
                ok = run("snmpget", ["-v2c", "-c", COMMUNITY, "-m", "", "-t", "0.3", "-r", "0", `${snmpAddress(i)}:${SNMP_PORT}`, "1.3.6.1.2.1.1.3.0"], { allowFail: true }).includes("Timeticks");
                if (!ok) await sleep(200);
            }
            if (!ok) throw new Error(`snmpd for ${snmpAddress(i)} did not answer; log: ${fs.readFileSync(path.join(dir, `snmpd-${i}`, "snmpd.log"), "utf8").slice(-1000)}`);
        }
        log(`probe-snmp: ${servers.length} listeners for ${probeCount} probe devices, ${snmpdPids.length} snmpd for ${snmpCount} SNMP devices`);

        // The product's rendering: fleet, exporter configurations, Prometheus configuration, targets.
        const parsed = parseFleet(fleetText(probeCount, snmpCount), { file: "bench", checksums: loadChecksums() });
        if (!parsed.fleet) throw new Error(`bench fleet: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
        const fleet = parsed.fleet;
        host.write(host.renderedFiles(fleet, { stackName: "bench", scrapeIntervalSeconds: interval }, (name) => (name === "benchCommunity" ? COMMUNITY : "")));
        host.deliverTargets(fleet);
        await host.start();
        const jobs = [
            { job: "blackbox tcp", selector: 'job="blackbox",probe=~"tcp:.*"', targets: probeCount },
            { job: "blackbox http", selector: 'job="blackbox",probe=~"http:.*"', targets: probeCount },
            { job: "snmp (system, if_mib)", selector: 'job="snmp"', targets: snmpCount },
        ];
        const count = async (expr: string) => Number((await prom.query(expr))[0]?.value[1] ?? 0);
        const allUp = `count(up{job=~"blackbox|snmp"} == 1)`;
        for (let i = 0; i < 240 && (await count(allUp)) < 2 * probeCount + snmpCount; i++) await sleep(1000);
        log(`probe-snmp: ${await count(allUp)} of ${2 * probeCount + snmpCount} targets up; measuring for ${minutes} min`);

        const watched = [
            { process: "blackbox_exporter", pid: blackbox.pid! },
            { process: "snmp_exporter", pid: snmp.pid! },
            { process: "prometheus", pid: prom.pid! },
            ...snmpdPids.map((pid, k) => ({ process: `snmpd ${k + 1} (simulated devices)`, pid })),
        ];
        const cpuBefore = watched.map((w) => cpuSeconds(w.pid, ticks));
        const started = Date.now();
        await sleep(minutes * 60_000);
        const elapsedMinutes = (Date.now() - started) / 60_000;
        const processes = watched.map((w, k) => {
            const { rss, peak } = rssOf(w.pid);
            return { process: w.process, cpuSecondsPerMinute: Math.round(((cpuSeconds(w.pid, ticks) - cpuBefore[k]) / elapsedMinutes) * 100) / 100, rssMB: Math.round(rss), peakRssMB: Math.round(peak) };
        });

        // Every scrape of the window, not one instant: a range selector returns each target's samples.
        const window = Math.floor((Date.now() - started) / 1000);
        const scrapeDurations: ScrapeDurationRow[] = [];
        for (const j of jobs) {
            const series = await prom.query<{ values: [number, string][] }[]>(`scrape_duration_seconds{${j.selector}}[${window}s]`);
            const all = series.flatMap((s) => s.values.map((v) => Number(v[1]) * 1000)).sort((a, b) => a - b);
            scrapeDurations.push({
                job: j.job,
                targets: j.targets,
                targetsUp: await count(`count(up{${j.selector}} == 1)`),
                samples: all.length,
                p50ms: Math.round(percentile(all, 0.5) * 10) / 10,
                p95ms: Math.round(percentile(all, 0.95) * 10) / 10,
            });
        }
        const own = await (await fetch(`${prom.url}/metrics`)).text();
        return {
            devices: n,
            probeDevices: probeCount,
            snmpDevices: snmpCount,
            snmpdProcesses: snmpdPids.length,
            scrapeIntervalSeconds: interval,
            minutes: Math.round(elapsedMinutes * 10) / 10,
            probesSucceeding: await count('count(probe_success{job="blackbox"} == 1)'),
            scrapeDurations,
            processes,
            headSeries: Number(/^prometheus_tsdb_head_series (\S+)$/m.exec(own)?.[1]),
        };
    } finally {
        await cleanUp(
            () => host.stop(),
            ...snmpdPids.map((pid) => () => stopPid(pid)),
            () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))),
        );
    }
}
