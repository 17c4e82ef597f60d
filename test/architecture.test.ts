import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** Layers, highest first. A module may import its own group, and groups of a strictly lower rank. */
const LAYERS: readonly { readonly dir: string; readonly rank: number }[] = [
    { dir: "infra/index.ts", rank: 7 },
    { dir: "infra/program", rank: 6 },
    { dir: "infra/cli", rank: 6 },
    { dir: "components", rank: 5 },
    { dir: "infra/host", rank: 4 },
    { dir: "infra/device", rank: 3 },
    { dir: "infra/settings", rank: 2 },
    { dir: "infra/fleet", rank: 1 },
    { dir: "infra/common", rank: 0 },
    // The policy pack runs from its own folder and imports nothing of ours; the program reads its limits.
    { dir: "infra/policy", rank: 0 },
];

function layerOf(file: string): { readonly dir: string; readonly rank: number } | undefined {
    return LAYERS.find((l) => file === l.dir || file.startsWith(l.dir + "/"));
}

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

/** Every relative import, re-export, require and dynamic import of a file, resolved to a repo path. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specs = [...text.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'](\.{1,2}\/[^"']*)["']/g)].map((m) => m[1]);
    return specs.map((s) => {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), s));
        return fs.existsSync(path.join(ROOT, base + ".ts")) ? base + ".ts" : `${base}/index.ts`;
    });
}

/** The plain modules below the components, each group behind an index.ts. */
const GROUPS = ["infra/common", "infra/fleet", "infra/settings", "infra/device", "infra/host"];

const FILES = [...sources("infra"), ...sources("components")];
const EDGES = FILES.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

/**
 * The import circles of a graph, each as the path that closes it (a -> b -> a), found by a depth-first walk:
 * a circle is an edge back to a module still on the walk's stack. Each circle is reported once.
 */
export function importCircles(edges: readonly { readonly from: string; readonly to: string }[]): string[] {
    const next = new Map<string, string[]>();
    for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const done = new Set<string>();
    const circles: string[] = [];
    const walk = (node: string, stack: string[]) => {
        if (done.has(node)) return;
        const at = stack.indexOf(node);
        if (at >= 0) {
            circles.push([...stack.slice(at), node].join(" -> "));
            return;
        }
        for (const to of next.get(node) ?? []) walk(to, [...stack, node]);
        done.add(node);
    };
    for (const node of [...next.keys()].sort()) walk(node, []);
    return circles;
}

describe("the program's layers", () => {
    it("every source file belongs to a layer, and every import resolves to a file", () => {
        expect(FILES.filter((f) => !layerOf(f))).toEqual([]);
        expect(EDGES.filter((e) => !fs.existsSync(path.join(ROOT, e.to)))).toEqual([]);
        // The check reads real edges: the entry point reaches the stack, components reach the renderers.
        expect(EDGES.some((e) => e.from === "infra/index.ts" && e.to.startsWith("infra/program/"))).toBe(true);
        expect(EDGES.some((e) => e.from.startsWith("components/") && e.to === "infra/host/index.ts")).toBe(true);
    });

    it("point down only: no module imports a layer of its own rank or above, other than its own group", () => {
        const upward = EDGES.filter(({ from, to }) => {
            const a = layerOf(from);
            const b = layerOf(to);
            return !a || !b || (a.dir !== b.dir && b.rank >= a.rank);
        });
        expect(upward.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    });

    it("have no import circle in infra/ and components/ (type-only imports count: they tie the modules just as much)", () => {
        // The check finds a real circle, a long one included.
        expect(importCircles([{ from: "a.ts", to: "b.ts" }, { from: "b.ts", to: "c.ts" }, { from: "c.ts", to: "a.ts" }, { from: "c.ts", to: "d.ts" }])).toEqual(["a.ts -> b.ts -> c.ts -> a.ts"]);
        expect(importCircles([{ from: "a.ts", to: "b.ts" }, { from: "a.ts", to: "c.ts" }, { from: "c.ts", to: "b.ts" }])).toEqual([]);
        expect(importCircles(EDGES)).toEqual([]);
    });

    it("reach another group only through its index.ts, its public face", () => {
        const pastTheFace = EDGES.filter(({ from, to }) => {
            const g = GROUPS.find((dir) => to.startsWith(dir + "/"));
            return g !== undefined && !from.startsWith(g + "/") && to !== `${g}/index.ts`;
        });
        expect(pastTheFace.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    });

    it("every module of a group is part of its public face", () => {
        for (const g of GROUPS) {
            const index = fs.readFileSync(path.join(ROOT, g, "index.ts"), "utf8");
            const modules = fs.readdirSync(path.join(ROOT, g)).filter((f) => f.endsWith(".ts") && f !== "index.ts");
            expect({ group: g, missing: modules.filter((m) => !index.includes(`"./${m.replace(/\.ts$/, "")}"`)) }).toEqual({ group: g, missing: [] });
        }
    });

    it("the testing harness serves test/, lab/ and bench/ through its index.ts, and never the program", () => {
        const users = [...sources("test"), ...sources("lab"), ...sources("bench")].filter((f) => !f.startsWith("test/harness/"));
        const edges = users.flatMap((from) => importsOf(from).map((to) => ({ from, to }))).filter((e) => e.to.startsWith("test/harness/"));
        // Real edges: the lab's capture and the benchmarks run the program under the harness's mocks.
        expect(edges.some((e) => e.from.startsWith("lab/")) && edges.some((e) => e.from.startsWith("bench/"))).toBe(true);
        expect(edges.filter((e) => e.to !== "test/harness/index.ts").map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
        expect(EDGES.filter((e) => !layerOf(e.to)).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    });
    it("compiled code finds the checkout's files through PROJECT_ROOT, never beside __dirname (bin/ holds only the compiled .js)", () => {
        // Commands run from bin/, where __dirname/../.. is bin/ and no .yaml, .sh, .pl or package.json was copied.
        const compiled = [...sources("infra"), ...sources("components"), ...sources("lab"), ...sources("bench")].filter((f) => !f.startsWith("lab/scratch/"));
        const ALLOWED = new Set([
            "infra/common/projectRoot.ts", // where PROJECT_ROOT is worked out, for source and compiled copy alike
            "lab/cli.ts", // starts its compiled sibling mirrorServer.js or the .ts, whichever it is itself
        ]);
        const users = compiled.filter((f) => !ALLOWED.has(f) && /\b__dirname\b/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
        expect(users).toEqual([]);
        // The rule sees real files: the one that must use __dirname does.
        expect(fs.readFileSync(path.join(ROOT, "infra/common/projectRoot.ts"), "utf8")).toMatch(/__dirname/);
    });
});
