import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { benchBackup } from "./backupRestic";
import { benchCollectorOutage } from "./collectorOutage";
import { benchCommandStart } from "./commandStart";
import { compileProject } from "./compiled";
import { benchEditCost } from "./editCost";
import { benchProbeSnmp } from "./probeSnmp";
import { benchProgram } from "./programEval";
import { benchPrometheus } from "./prometheusCapacity";
import { benchProvisioning } from "./provisioning";
import { PROJECT_ROOT } from "../infra/common/projectRoot";

/**
 * `npm run bench`: measures, prints tables, writes bench/results.json. Never part of the tests.
 * BENCH_ONLY=commands,program,edit,provisioning,prometheus,probeSnmp,backup,collector picks sections; BENCH_MINUTES sets how long
 * Prometheus is measured (default 4); BENCH_PROBE_MINUTES how long the probe and SNMP path is (default 2);
 * BENCH_BACKUP_GB the TSDB size of the backup section (default 1);
 * BENCH_OUTAGE_MINUTES the site collector's link outage (default 6: with 2-minute blocks, a 6-hour outage; plus about 10 minutes around it).
 */
async function main(): Promise<void> {
    const only = (process.env.BENCH_ONLY ?? "commands,program,edit,provisioning,prometheus,probeSnmp,backup,collector").split(",");
    const out = path.join(PROJECT_ROOT, "bench", "results.json");
    // Sections run alone (BENCH_ONLY) update their part of the results and keep the others.
    const previous = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>) : {};
    const results: Record<string, unknown> = { ...previous, date: new Date().toISOString(), cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 1024 ** 3), node: process.version };
    const log = (s: string) => console.error(s);
    const section = (title: string, rows: object | object[]) => {
        console.log(`\n${title}`);
        console.table(Array.isArray(rows) ? rows : [rows]);
    };

    if (only.includes("commands")) {
        // The lab part needs root (namespaces, systemd-nspawn); without it, validate alone.
        const rows = benchCommandStart(process.getuid?.() === 0, log);
        results.commands = rows;
        section("Fixed cost of commands as typed (mean of hyperfine runs; CPU = user + system)", rows);
    }
    if (only.includes("program") || only.includes("edit")) compileProject();
    if (only.includes("program")) {
        const tuned = "compiled, --max-semi-space-size=64 (as Pulumi.yaml)";
        const rows = benchProgram(
            [
                { runtime: "ts-node (as pulumi runs it)", compiled: false, nodeFlags: [], sizes: [59, 1000] },
                { runtime: "compiled", compiled: true, nodeFlags: [], sizes: [59, 1000, 5000, 10000] },
                { runtime: tuned, compiled: true, nodeFlags: ["--max-semi-space-size=64"], sizes: [1000, 5000, 10000] },
            ],
            log,
        );
        const growthOf = (runtime: string) => {
            const of = (n: number) => rows.find((r) => r.runtime === runtime && r.devices === n)!;
            return { runtime, programTime: of(10000).programMs / of(1000).programMs, programMemory: of(10000).peakRssMB / of(1000).peakRssMB, validation: of(10000).validateMs / of(1000).validateMs };
        };
        const growth = [growthOf("compiled"), growthOf(tuned)];
        results.program = { rows, growth10kOver1k: growth };
        section("Program evaluation under mocks (and fleet validation), one process per run", rows);
        section("Growth from 1,000 to 10,000 devices (linear is 10; the bound is 12)", growth);
    }
    if (only.includes("edit")) {
        const row = benchEditCost(1000, log);
        results.editCost = row;
        section("Adding one device to a 1,000-device fleet", row);
    }
    if (only.includes("provisioning")) {
        const rows = await benchProvisioning([1, 10, 20], log);
        results.provisioning = rows;
        section("Provisioning on the lab (replayed device commands, parallel; re-run = idempotent)", rows);
    }
    if (only.includes("prometheus")) {
        const row = await benchPrometheus(1000, Number(process.env.BENCH_MINUTES ?? 4), log);
        results.prometheus = row;
        section("Prometheus (Debian's) scraping 1,000 simulated devices with the rendered config", row);
    }
    if (only.includes("probeSnmp")) {
        const r = await benchProbeSnmp(1000, Number(process.env.BENCH_PROBE_MINUTES ?? 2), log);
        results.probeSnmp = r;
        const { scrapeDurations, processes, ...summary } = r;
        section("Probe and SNMP devices on loopback: blackbox_exporter, snmp_exporter and Prometheus (Debian's) with the rendered config", summary);
        section("Scrape duration per job over the measured window (every scrape of every target)", scrapeDurations);
        section("CPU and memory of the processes (from /proc/PID)", processes);
    }
    if (only.includes("backup")) {
        const row = await benchBackup(Number(process.env.BENCH_BACKUP_GB ?? 1) * 1e9, log);
        results.backup = row;
        section("Backups with restic to S3 (s3rver on loopback): first, second after one more block, restore", row);
    }

    if (only.includes("collector")) {
        const row = await benchCollectorOutage(100, Number(process.env.BENCH_OUTAGE_MINUTES ?? 6), Number(process.env.BENCH_COLLECTOR_STEADY_MINUTES ?? 5), log);
        results.collector = row;
        const { queue, ...rest } = row;
        section(`Site collector (local TSDB + back-filler) at 100 devices: a ${row.representsOutageHours}-hour outage compressed to ${row.outageMinutes} minutes (${row.blockMinutes}-minute blocks): samples lost, drain, link bytes, memory, disk`, rest);
        section("Its remote-write queue", queue);
    }

    fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
    console.log(`\nresults written to ${out}`);
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
