import * as fs from "fs";
import * as path from "path";
import { ESSENTIAL, MACHINE_OWN, PACKAGE_OF } from "./debianPackages";
import { programsStarted, StartedProgram } from "./programsStarted";

/**
 * Run before every other suite (the `preflight` project): every program the tests and the lab start is
 * installed, and installed by .ci/run, so a fresh machine fails here with the package to add, not with
 * `status null` or ENOENT deep inside a test. The programs are read from the source.
 */
const ROOT = path.join(__dirname, "..", "..");
const SCAN = programsStarted(ROOT, ["test", "lab"]);
const programs = SCAN.programs.filter((p) => !p.where.startsWith(path.join("test", "preflight")));

function onPath(program: string): boolean {
    if (program.startsWith("/")) return fs.existsSync(program);
    return (process.env.PATH ?? "").split(":").some((dir) => {
        try {
            fs.accessSync(path.join(dir, program), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

/** The packages .ci/run installs: the words of its `apt-get install` command. */
function ciPackages(): Set<string> {
    const text = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8").replace(/\\\n/g, " ");
    const install = text.split("\n").find((l) => /^\s*apt-get install\b/.test(l));
    if (!install) throw new Error(".ci/run has no apt-get install line");
    return new Set(install.trim().split(/\s+/).filter((w) => !w.startsWith("-") && w !== "apt-get" && w !== "install"));
}

const first = new Map<string, StartedProgram>();
for (const p of programs) if (!first.has(p.program)) first.set(p.program, p);
const packageOf = (program: string) => PACKAGE_OF[path.basename(program)];

describe("the programs the tests and the lab start", () => {
    it("are found in the source: at least the lab's own (nspawn, ip, ssh) and the checkers (promtool, shellcheck)", () => {
        for (const p of ["systemd-nspawn", "ip", "ssh", "promtool", "shellcheck", "busybox", "/usr/sbin/dropbear"]) expect([p, first.has(p)]).toEqual([p, true]);
    });

    it("are each started with a program the source names", () => {
        expect(SCAN.unnoted).toEqual([]);
    });

    it("each come from a known Debian package", () => {
        const unknown = [...first.values()].filter((p) => !packageOf(p.program)).map((p) => `${p.program} (started at ${p.where}): say in test/preflight/debianPackages.ts which Debian package provides it`);
        expect(unknown).toEqual([]);
    });

    it("are installed on this machine", () => {
        const missing = [...first.values()].filter((p) => packageOf(p.program) && !onPath(p.program)).map((p) => `${p.program} (started at ${p.where}) is not installed: add Debian package ${packageOf(p.program)} to the apt-get install list in .ci/run`);
        expect(missing).toEqual([]);
    });

    it("are installed by .ci/run, unless Debian or the machine itself always has them", () => {
        const listed = ciPackages();
        const notListed = [...first.values()]
            .filter((p) => {
                const pkg = packageOf(p.program);
                return pkg && !ESSENTIAL.has(pkg) && !MACHINE_OWN.has(pkg) && !listed.has(pkg);
            })
            .map((p) => `${p.program} (started at ${p.where}): add Debian package ${packageOf(p.program)} to the apt-get install list in .ci/run`);
        expect(notListed).toEqual([]);
    });
});
