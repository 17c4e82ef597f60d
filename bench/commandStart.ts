import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../infra/common/projectRoot";
import { run } from "../lab/exec";
import { LAB_DIR, STATE_DIR } from "../lab/paths";
import { generatedFleetYaml } from "../test/harness";

export interface CommandRow {
    command: string;
    /** Mean wall time of the runs. */
    wallMs: number;
    /** Mean CPU time (user + system, the command's processes): what an idle machine's wall time would be near. */
    cpuMs: number;
    runs: number;
}

/** One command measured by hyperfine (installed from Debian): no shell, one warm-up run. */
function measure(label: string, argv: readonly string[], runs: number, warmup = 1): CommandRow {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-cmd-")), "result.json");
    const quoted = argv.map((a) => (/^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
    run("hyperfine", ["-N", "--style", "none", "--runs", String(runs), "--warmup", String(warmup), "--export-json", out, quoted], { cwd: PROJECT_ROOT });
    const r = (JSON.parse(fs.readFileSync(out, "utf8")) as { results: { mean: number; user: number; system: number }[] }).results[0];
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    return { command: label, wallMs: Math.round(r.mean * 1000), cpuMs: Math.round((r.user + r.system) * 1000), runs };
}

/**
 * The fixed cost of the commands a person types, as they type them (npm included): `fleet validate` of a
 * 10-device fleet, with its parts (node alone, the command without npm, the command through ts-node as
 * before the build existed); and, as root with the lab, a cold `lab apply` of 10 lab devices and a no-op
 * re-run (nothing changed, no device contacted).
 */
export function benchCommandStart(withLab: boolean, log: (s: string) => void): CommandRow[] {
    run(process.execPath, [path.join(PROJECT_ROOT, "infra", "cli", "launch.js"), "--build"], { cwd: PROJECT_ROOT });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cmd-fleet-"));
    const fleet = path.join(dir, "endpoints.yaml");
    fs.writeFileSync(fleet, generatedFleetYaml(10));
    const rows: CommandRow[] = [];
    try {
        rows.push(measure("npm run fleet -- validate (10 devices)", ["npm", "run", "-s", "fleet", "--", "validate", fleet], 10));
        rows.push(measure("  node infra/cli/launch.js (the same, without npm)", [process.execPath, "infra/cli/launch.js", "infra/cli/fleet.ts", "validate", fleet], 10));
        rows.push(measure("  node -e 0 (node's own start)", [process.execPath, "-e", "0"], 10));
        rows.push(measure("  ts-node (how validate started before the build)", [process.execPath, "-r", "ts-node/register/transpile-only", "infra/cli/fleet.ts", "validate", fleet], 5));
        log(`commands: validate ${rows[0].wallMs} ms`);
        if (withLab) rows.push(...labApply(log));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return rows;
}

/** `npm run lab -- up 10`, a cold apply of their fleet, no-op re-runs, and `down`, in the project's lab. */
function labApply(log: (s: string) => void): CommandRow[] {
    if (fs.existsSync(path.join(STATE_DIR, "lab.json"))) throw new Error(`bench commands: a lab is running (${STATE_DIR}/lab.json); take it down first (npm run lab -- down)`);
    const npmLab = (...args: string[]) => ["npm", "run", "-s", "lab", "--", ...args];
    const fleet = path.join(LAB_DIR, "endpoints.yaml");
    try {
        run("npm", npmLab("up", "10").slice(1), { cwd: PROJECT_ROOT });
        const cold = measure("npm run lab -- apply (10 lab devices, cold)", npmLab("apply", fleet), 1, 0);
        log(`commands: cold lab apply ${cold.wallMs} ms`);
        const noop = measure("npm run lab -- apply (no-op: nothing changed)", npmLab("apply", fleet), 5);
        return [cold, noop];
    } finally {
        run("npm", npmLab("down").slice(1), { cwd: PROJECT_ROOT, allowFail: true });
    }
}
