import { ChildProcess, spawn } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { leftovers, machineState, MarkedProcess, markedProcesses, RUN_MARKER } from "../lab/leftovers";

/**
 * `npm test`: the type check (beside everything else), the preflight first (every program the tests start is installed), then three lanes side
 * by side, which share no bridge, port or file: the lab's device suites, the server suites, and the unit
 * and program suites (each lane one jest process in band); then the 10 slowest suites, and a check
 * that nothing was left behind.
 * Runs under /tmp/iiotmon-lab.lock (package.json), so two runs on one machine take turns.
 */
const ROOT = path.join(__dirname, "..");
const JEST = require.resolve("jest/bin/jest");
const marker = randomUUID();
const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-test-"));
const children = new Set<ChildProcess>();
const before = machineState();

interface SuiteResult {
    readonly name: string;
    readonly lane: string;
    readonly seconds: number;
    readonly passed: boolean;
}

/** Runs a node script with its output prefixed with `label`; resolves whether it exited 0. */
function command(label: string, args: string[]): Promise<boolean> {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, [RUN_MARKER]: marker }, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    child.on("close", () => children.delete(child));
    const prefix = (chunk: Buffer) => chunk.toString().replace(/^(?=.)/gm, `[${label}] `);
    child.stdout.on("data", (c: Buffer) => process.stdout.write(prefix(c)));
    child.stderr.on("data", (c: Buffer) => process.stderr.write(prefix(c)));
    return new Promise((resolve) => child.on("close", (code) => resolve(code === 0)));
}

/** Runs one jest invocation, its output prefixed with `label`, and returns its suites. */
async function jest(label: string, args: string[]): Promise<{ ok: boolean; suites: SuiteResult[] }> {
    const out = path.join(resultsDir, `${label}.json`);
    const ok = await command(label, [JEST, "--runInBand", "--passWithNoTests", "--json", `--outputFile=${out}`, ...args, ...process.argv.slice(2)]);
    const json = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, "utf8")) as { testResults: { name: string; status: string; startTime: number; endTime: number }[] }) : { testResults: [] };
    const suites = json.testResults.map((r) => ({
        name: path.relative(ROOT, r.name),
        lane: label,
        seconds: (r.endTime - r.startTime) / 1000,
        passed: r.status === "passed",
    }));
    return { ok, suites };
}

function slowestTable(suites: SuiteResult[], count = 10): string {
    const rows = [...suites].sort((a, b) => b.seconds - a.seconds).slice(0, count);
    return [
        `The ${rows.length} slowest suites:`,
        "| suite | lane | seconds |",
        "|---|---|---:|",
        ...rows.map((s) => `| ${s.name}${s.passed ? "" : " (failed)"} | ${s.lane} | ${s.seconds.toFixed(1)} |`),
    ].join("\n");
}

async function main(): Promise<number> {
    const started = Date.now();
    const preflight = await jest("preflight", ["--selectProjects", "preflight"]);
    if (!preflight.ok) {
        console.error("\nThe preflight failed: a program the tests start is missing (see above for the Debian package to add to .ci/run).");
        return 1;
    }
    // The type check runs beside the lanes: it shares nothing with them, and the lab lane is the longest.
    const typeCheck = command("tsc", [require.resolve("typescript/bin/tsc"), "--noEmit"]);
    const lanes = await Promise.all([
        jest("lab", ["--selectProjects", "lab"]),
        jest("servers", ["--selectProjects", "servers"]),
        jest("unit+program", ["--selectProjects", "unit", "program"]),
    ]);
    if (stopping) return 1;
    const suites = [...preflight.suites, ...lanes.flatMap((l) => l.suites)];
    const typesOk = await typeCheck;
    console.log(`\n${slowestTable(suites)}\n`);
    const failed = suites.filter((s) => !s.passed).map((s) => s.name);
    const left = [...leftovers(before, machineState()), ...markedProcesses(marker).map(described)];
    console.log(`${suites.length} suites, ${failed.length} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    if (failed.length) console.error(`Failed: ${failed.join(", ")}`);
    if (left.length) console.error(`Left behind by the tests (each must be cleaned up by the suite that made it):\n  ${left.join("\n  ")}`);
    fs.rmSync(resultsDir, { recursive: true, force: true });
    if (!typesOk) console.error("The type check (tsc --noEmit) failed: see [tsc] above.");
    return typesOk && lanes.every((l) => l.ok) && !failed.length && !left.length ? 0 : 1;
}

const described = (p: MarkedProcess) => `process ${p.pid} ${p.command}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A run stopped from outside (Ctrl-C, `timeout`, a CI cancel) must not leave this run's PostgreSQL or
 * Prometheus listening: they break the next run. jest exits on the signal without its suites' teardown,
 * so the lanes get the signal, a few seconds to finish, and then every process that carries this run's
 * marker ends, by PID. Namespaces and mounts cannot be told apart from other users' this way: they are
 * reported, not removed.
 */
let stopping = false;

async function stopOnSignal(signal: NodeJS.Signals): Promise<never> {
    stopping = true;
    console.error(`\n${signal}: stopping the lanes and every process of this run.`);
    for (const child of children) child.kill(signal);
    for (let waited = 0; children.size && waited < 10_000; waited += 200) await sleep(200);
    for (const kill of ["SIGTERM", "SIGKILL"] as const) {
        for (const { pid } of markedProcesses(marker)) {
            try {
                process.kill(pid, kill);
            } catch {
                // It ended on its own meanwhile.
            }
        }
        await sleep(1_000);
    }
    const left = [...leftovers(before, machineState()), ...markedProcesses(marker).map(described)];
    if (left.length) console.error(`Left behind by the stopped run:\n  ${left.join("\n  ")}`);
    fs.rmSync(resultsDir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stopOnSignal(signal));

// Once stopping, the lanes' ends wake main too: it must not exit before the marked processes are gone.
main().then((code) => {
    if (!stopping) process.exit(code);
});
