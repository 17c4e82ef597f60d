import * as fs from "fs";
import * as path from "path";
import { run } from "../lab/exec";

export const ROOT = path.join(__dirname, "..");
export const BIN = path.join(ROOT, "bin");

/**
 * Compiles the project to JavaScript in bin/ (git-ignored), with the data folders the code reads beside
 * it, to measure the program without ts-node's source-map cost.
 */
export function compileProject(): void {
    fs.rmSync(BIN, { recursive: true, force: true });
    run(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", ROOT, "--outDir", BIN, "--noEmit", "false"], { cwd: ROOT });
    for (const dir of ["provisioners", "dashboards"]) fs.symlinkSync(path.join("..", dir), path.join(BIN, dir));
}

/** Runs a bench child script and parses the JSON line it prints. */
export function child<T>(script: string, args: string[], compiled: boolean, nodeFlags: string[] = []): T {
    const cmd = compiled
        ? [path.join(BIN, "bench", `${script}.js`), ...args]
        : ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "bench", `${script}.ts`), ...args];
    const out = run(process.execPath, ["--max-old-space-size=20000", ...nodeFlags, ...cmd], { cwd: ROOT });
    return JSON.parse(out.trim().split("\n").pop()!) as T;
}
