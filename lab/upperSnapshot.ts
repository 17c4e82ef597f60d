import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * Paths that change on any running Linux system (logs, journal, systemd's own state, temporary files,
 * the `-` backups shadow-utils writes) and say nothing about what an installer left behind.
 */
const NOISE = [/^var\/log\//, /^var\/lib\/systemd\//, /^var\/cache\//, /^var\/tmp\//, /^tmp\//, /^run\//, /^etc\/(passwd|group|shadow|gshadow|subuid|subgid)-$/, /^root\/\.ssh\/known_hosts/];

function fileHash(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * Every file in an overlay's upper layer (what changed on the device), with its content hash. Files
 * copied up but identical to the image (`lower`) are left out: rewriting a file to its old content is no change.
 */
export function snapshotUpper(upper: string, lower?: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            const rel = path.relative(upper, full);
            if (entry.isDirectory()) {
                walk(full);
            } else if (!NOISE.some((re) => re.test(rel))) {
                const st = fs.lstatSync(full);
                const content = entry.isFile() ? fileHash(full) : entry.isSymbolicLink() ? `-> ${fs.readlinkSync(full)}` : `special ${st.rdev}`;
                const base = lower ? path.join(lower, rel) : undefined;
                if (entry.isFile() && base && fs.existsSync(base) && fs.statSync(base).isFile() && fileHash(base) === content) continue;
                out.set(rel, content);
            }
        }
    };
    walk(upper);
    return out;
}

/** Paths added, removed or changed between two snapshots. */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
    const diff: string[] = [];
    for (const [p, h] of after) if (before.get(p) !== h) diff.push(before.has(p) ? `changed ${p}` : `added ${p}`);
    for (const p of before.keys()) if (!after.has(p)) diff.push(`removed ${p}`);
    return diff.sort();
}
