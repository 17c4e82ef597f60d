import { spawnSync } from "child_process";
import * as path from "path";

function git(args: string[], cwd: string): { ok: boolean; out: string; err: string } {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { ok: r.status === 0, out: r.stdout ?? "", err: (r.stderr ?? "").trim() };
}

/** The ref to compare with: the merge base with main (or origin/main), else HEAD. */
export function defaultBase(cwd: string): string {
    for (const main of ["main", "origin/main"]) {
        const r = git(["merge-base", "HEAD", main], cwd);
        if (r.ok && r.out.trim()) return r.out.trim();
    }
    return "HEAD";
}

/** A file's text at a git ref, or undefined when the file did not exist there. Throws on a bad ref. */
export function fileAtRef(file: string, ref: string, cwd: string): string | undefined {
    const top = git(["rev-parse", "--show-toplevel"], cwd);
    if (!top.ok) throw new Error(`not in a git repository: ${top.err}`);
    const rel = path.relative(top.out.trim(), path.resolve(cwd, file)).split(path.sep).join("/");
    if (!git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd).ok) throw new Error(`unknown git ref "${ref}"`);
    const r = git(["show", `${ref}:${rel}`], cwd);
    if (!r.ok) {
        if (/does not exist|exists on disk, but not in/.test(r.err)) return undefined;
        throw new Error(`git show ${ref}:${rel}: ${r.err}`);
    }
    return r.out;
}
