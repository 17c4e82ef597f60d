import * as fs from "fs";
import { run } from "./exec";

/**
 * What the tests and the lab leave on the machine, compared before and after a run: network
 * namespaces, links, mounts, loop devices, and processes that carry the run's marker in their
 * environment (every process a test starts inherits it; nspawn devices show as their nspawn).
 */
export interface MachineState {
    readonly namespaces: string[];
    readonly links: string[];
    readonly mounts: string[];
    readonly loops: string[];
}

/** The environment variable every process of one test run carries, with that run's own value. */
export const RUN_MARKER = "IIOTMON_TEST_RUN";

export function machineState(): MachineState {
    const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);
    return {
        namespaces: lines(run("ip", ["netns", "list"])).map((l) => l.split(" ")[0]),
        links: lines(run("ip", ["-o", "link", "show"])).map((l) => l.split(":")[1].trim().split("@")[0]),
        mounts: lines(fs.readFileSync("/proc/self/mounts", "utf8")).map((l) => l.split(" ").slice(0, 3).join(" ")),
        loops: lines(run("losetup", ["-a", "-n", "-O", "NAME,BACK-FILE"], { allowFail: true })),
    };
}

export interface MarkedProcess {
    readonly pid: number;
    readonly command: string;
}

/** Processes other than this one (and its parent) whose environment holds `RUN_MARKER=marker`. */
export function markedProcesses(marker: string): MarkedProcess[] {
    const needle = `${RUN_MARKER}=${marker}\0`;
    const found: MarkedProcess[] = [];
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid && Number(p) !== process.ppid)) {
        try {
            if (!`${fs.readFileSync(`/proc/${pid}/environ`, "latin1")}\0`.includes(needle)) continue;
            found.push({ pid: Number(pid), command: fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim() });
        } catch {
            // The process ended while we looked: not left behind.
        }
    }
    return found;
}

/**
 * iproute2 mounts a tmpfs on /run/netns at the first `ip netns add` and keeps it, for every namespace
 * of the machine to come: it is the directory, not a namespace (each namespace is an nsfs mount in it,
 * and those count).
 */
function isNamespaceDirectory(mount: string): boolean {
    return mount === "tmpfs /run/netns tmpfs";
}

/** What is in `after` and was not in `before`, one line per thing, named by its kind. */
export function leftovers(before: MachineState, after: MachineState): string[] {
    const kinds: [keyof MachineState, string][] = [["namespaces", "network namespace"], ["links", "network link"], ["mounts", "mount"], ["loops", "loop device"]];
    return kinds.flatMap(([key, label]) => after[key].filter((x) => !before[key].includes(x) && !isNamespaceDirectory(x)).map((x) => `${label} ${x}`));
}
