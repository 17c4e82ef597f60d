import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { child, ROOT } from "./compiled";
import { generatedFleetYaml } from "../test/harness";

export interface EditCostRow {
    devices: number;
    totalResources: number;
    changedResources: number;
    changed: string;
    diffCliMs: number;
}

/**
 * What adding one device to a fleet costs: the resources whose inputs change, and the time of
 * `npm run fleet -- diff` for that edit against git (the process as a person or CI starts it).
 */
export function benchEditCost(n: number, log: (s: string) => void): EditCostRow {
    const r = child<{ devices: number; totalResources: number; changed: string[] }>("editCostChild", [String(n)], true);
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "bench-diff-"));
    try {
        const git = (...args: string[]) => spawnSync("git", ["-c", "user.email=b@example.com", "-c", "user.name=b", ...args], { cwd: repo });
        const file = path.join(repo, "endpoints.yaml");
        const text = generatedFleetYaml(n);
        fs.writeFileSync(file, text);
        git("init", "-q", "-b", "main");
        git("add", ".");
        git("commit", "-q", "-m", "fleet");
        fs.writeFileSync(file, text + `  - name: wtg-new\n    address: 10.250.0.1\n    site: farm-0\n    hostKey: ${text.match(/hostKey: (.*)/)![1]}\n`);
        const t = Date.now();
        const d = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "infra/cli/fleet.ts"), "diff", "--base", "main"], {
            cwd: repo,
            encoding: "utf8",
            env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
        });
        const diffCliMs = Date.now() - t;
        if (d.status !== 0 || !d.stdout.startsWith("1 added")) throw new Error(`fleet diff: ${d.stdout}${d.stderr}`);
        log(`edit cost: ${r.changed.length} of ${r.totalResources} resources change; fleet diff ${diffCliMs} ms`);
        return { devices: n, totalResources: r.totalResources, changedResources: r.changed.length, changed: r.changed.join(", "), diffCliMs };
    } finally {
        fs.rmSync(repo, { recursive: true, force: true });
    }
}
