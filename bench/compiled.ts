import * as path from "path";
import { PROJECT_ROOT } from "../infra/common/projectRoot";
import { run } from "../lab/exec";

export const ROOT = PROJECT_ROOT;
export const BIN = path.join(ROOT, "bin");

/** Compiles the project to JavaScript in bin/ (git-ignored) as `npm run build` does, to measure the program without ts-node. */
export function compileProject(): void {
    run(process.execPath, [path.join(ROOT, "infra", "cli", "launch.js"), "--build"], { cwd: ROOT });
}

/** Runs a bench child script and parses the JSON line it prints. */
export function child<T>(script: string, args: string[], compiled: boolean, nodeFlags: string[] = []): T {
    const cmd = compiled
        ? [path.join(BIN, "bench", `${script}.js`), ...args]
        : ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "bench", `${script}.ts`), ...args];
    const out = run(process.execPath, ["--max-old-space-size=20000", ...nodeFlags, ...cmd], { cwd: ROOT });
    return JSON.parse(out.trim().split("\n").pop()!) as T;
}
