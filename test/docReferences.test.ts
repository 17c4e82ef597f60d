import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runFleetCommand } from "../infra/cli/fleet";
import { isLabCommand } from "../lab/cli";
import { ROOT } from "./harness";

/**
 * Every path of ours that a comment or a README names exists: a moved or deleted file must not leave
 * readers looking for it. Paths are read where they start a word and begin with one of our folders.
 */
const OUR_FOLDERS = ["infra", "components", "provisioners", "lab", "test", "bench", "dashboards"];
const REFERENCE = new RegExp(`(?<=^|[\\s\`'"(\\[])((?:${OUR_FOLDERS.join("|")})/[A-Za-z0-9_./*-]*)`, "gm");

function files(dir: string, ext: RegExp): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : files(rel, ext);
        return ext.test(e.name) ? [rel] : [];
    });
}

/** The comments of a TypeScript or shell file; the whole text of a Markdown file. */
function commentText(file: string): string {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    if (file.endsWith(".md")) return text;
    if (file.endsWith(".sh")) return [...text.matchAll(/(?:^|\s)#(.*)$/gm)].map((m) => m[1]).join("\n");
    return [...text.matchAll(/\/\*[\s\S]*?\*\/|(?<![:"'`\\])\/\/.*$/gm)].map((m) => m[0]).join("\n");
}

/** Files that runs write and .gitignore keeps out of the tree (bench/results.json): named, never committed. */
const GENERATED = fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n").filter((l) => l && !l.endsWith("/"));

/** Whether a referenced path names something in the tree (a file, a folder, a module without its .ts, a glob). */
function exists(ref: string): boolean {
    const clean = ref.replace(/[.,:;)]+$/, "").replace(/\/$/, "");
    if (GENERATED.includes(clean)) return true;
    if (clean.includes("*")) return fs.existsSync(path.join(ROOT, clean.slice(0, clean.indexOf("*")).replace(/\/[^/]*$/, "")));
    return [clean, `${clean}.ts`].some((p) => fs.existsSync(path.join(ROOT, p)));
}

const SOURCES = [
    ...["infra", "components", "lab", "bench", "test"].flatMap((d) => files(d, /\.ts$/)),
    ...files("provisioners", /\.sh$/),
    "README.md",
    ...files("docs", /\.md$/),
    ...["lab", "test", "infra"].flatMap((d) => files(d, /\.md$/)),
];

describe("references to our own files", () => {
    it("read real references: the README names test/architecture.test.ts, a comment names infra/policy/rules.ts", () => {
        const all = SOURCES.flatMap((f) => [...commentText(f).matchAll(REFERENCE)].map((m) => m[1]));
        expect(all).toEqual(expect.arrayContaining(["test/architecture.test.ts", "infra/policy/rules.ts"]));
        expect(exists("components/nothing-here.ts")).toBe(false);
    });

    it("name files the repository has", () => {
        const missing = SOURCES.flatMap((f) => [...commentText(f).matchAll(REFERENCE)].map((m) => m[1]).filter((r) => !exists(r)).map((r) => `${f}: ${r}`));
        expect(missing).toEqual([]);
    });
});

// ---- commands the docs show ------------------------------------------------------------------------------------

/** The pages whose commands a reader copies: the README, docs/ (runbooks included) and the lab's README. */
const DOC_PAGES = ["README.md", ...files("docs", /\.md$/), "lab/README.md"];

/** The code a page shows: every line of its fenced blocks, and every inline code span of its prose, with its line number. */
function codeOf(text: string): { line: number; code: string }[] {
    const out: { line: number; code: string }[] = [];
    let fenced = false;
    text.split("\n").forEach((l, i) => {
        if (/^\s*```/.test(l)) fenced = !fenced;
        else if (fenced) out.push({ line: i + 1, code: l });
        else for (const m of l.matchAll(/`([^`]+)`/g)) out.push({ line: i + 1, code: m[1] });
    });
    return out;
}

/** Shell words, with '...' and "..." quoting. */
function shellWords(s: string): string[] {
    return [...s.matchAll(/(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)+/g)].map((m) => m[0].replace(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g, (_, a: string | undefined, b: string | undefined) => a ?? b ?? ""));
}

type Tool = "fleet" | "lab" | "promtool" | "amtool";
export interface DocCommand {
    readonly where: string;
    readonly tool: Tool;
    readonly args: string[];
}

/**
 * The commands of our tools in a piece of code: `npm run fleet -- ...`, `npm run lab -- ...`, `promtool ...` and
 * `amtool ...` (also after `sudo docker exec NAME`). A command ends at a pipe, `&&`, `;`, a redirection or a
 * comment; `[...]` is a synopsis' optional part and is left out.
 */
export function commandsIn(code: string, where: string): DocCommand[] {
    return [...code.matchAll(/(?:^|[\s;&|(])(?:npm run (fleet|lab) --(?=\s|$)|(promtool|amtool)(?=\s))/g)].map((m) => {
        const rest = code.slice((m.index ?? 0) + m[0].length).split(/\s(?:\||&&|;|#|<|>|2>)|[`)]/)[0];
        const tool = (m[1] ?? m[2]) as Tool;
        return { where, tool, args: shellWords(rest.replace(/\[[^\]]*\]/g, " ")) };
    });
}

const DOC_COMMANDS: DocCommand[] = DOC_PAGES.flatMap((f) => codeOf(fs.readFileSync(path.join(ROOT, f), "utf8")).flatMap(({ line, code }) => commandsIn(code, `${f}:${line}`)));

/** Where `fleet render --out DIR` put its files here, by the DIR the page wrote: later promtool lines read them there. */
const renderedDirs = new Map<string, string>();

/** Runs `npm run fleet -- ARGS` in-process (what package.json's script runs), into a fresh directory for --out. */
function runFleet(args: string[]): { status: number; output: string } {
    const out = args.indexOf("--out");
    const given = [...args];
    if (out >= 0 && given[out + 1]) {
        const dir = renderedDirs.get(given[out + 1]) ?? fs.mkdtempSync(path.join(os.tmpdir(), "doc-render-"));
        renderedDirs.set(given[out + 1], dir);
        given[out + 1] = dir;
    }
    const lines: string[] = [];
    const status = runFleetCommand(given, (s) => lines.push(s), (s) => lines.push(s));
    return { status, output: lines.join("\n") };
}

/** A promtool or amtool line's file arguments, with the doc's render directory mapped to ours and globs expanded; undefined if one is not here. */
function localFiles(args: string[]): string[] | undefined {
    const mapped = args.map((a) => [...renderedDirs].reduce((s, [doc, dir]) => (s.startsWith(`${doc}/`) ? dir + s.slice(doc.length) : s), a));
    const paths = mapped.filter((a) => a.startsWith("/"));
    if (!paths.length) return undefined;
    const expanded = mapped.flatMap((a) => {
        if (!a.startsWith("/") || !a.includes("*")) return [a];
        const dir = path.dirname(a);
        const re = new RegExp(`^${path.basename(a).replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
        return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(dir, f)) : [a];
    });
    return expanded.filter((a) => a.startsWith("/")).every((p) => fs.existsSync(p)) ? expanded : undefined;
}

/**
 * What running a doc's command here proves. `fleet` lines run (in-process, the code `npm run fleet` runs).
 * `npm run lab` lines are parsed against the lab CLI's command table and not run: they would start or stop the
 * shared lab (systemd-nspawn devices, the bridge), which the lab suites do under the lab lock. promtool and amtool
 * lines run for real when their files are here (a rendered configuration); lines about a running host or server
 * (paths inside the host's containers, a silence on a live Alertmanager, a placeholder FILE) run with `--help`,
 * which still refuses an unknown command or flag.
 */
function check(c: DocCommand): { ok: boolean; how: string; output: string } {
    if (c.tool === "fleet") {
        const r = runFleet(c.args);
        return { ok: r.status === 0, how: "ran", output: r.output };
    }
    if (c.tool === "lab") return { ok: isLabCommand(c.args), how: "parsed", output: "" };
    const files = localFiles(c.args);
    const args = files ?? [...c.args, "--help"];
    // starts: promtool amtool
    const r = spawnSync(c.tool, args, { encoding: "utf8", cwd: ROOT });
    return { ok: r.status === 0, how: files ? "ran" : "ran with --help", output: `${r.stdout}${r.stderr}`.slice(-600) };
}

describe("commands the docs show", () => {
    afterAll(() => {
        for (const dir of renderedDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("are found: fleet, lab, promtool and amtool lines in the README, docs/ and the lab's README", () => {
        const tools = new Set(DOC_COMMANDS.map((c) => c.tool));
        expect([...tools].sort()).toEqual(["amtool", "fleet", "lab", "promtool"]);
        expect(DOC_COMMANDS.filter((c) => c.tool === "fleet" && c.args[0] === "render").map((c) => c.args.slice(0, 3))).toContainEqual(["render", "--out", "/tmp/rendered"]);
        expect(commandsIn("npm run fleet -- diff [--base REF] [--format text|markdown|json] [endpoints.yaml]   # what changes", "x")).toEqual([{ where: "x", tool: "fleet", args: ["diff"] }]);
        expect(commandsIn(`sudo docker exec alertmanager amtool silence add a=b --comment="cable swap" | tail`, "x")[0].args).toEqual(["silence", "add", "a=b", "--comment=cable swap"]);
    });

    it("point at the scripts that run these tools", () => {
        const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        expect([scripts.fleet, scripts.lab]).toEqual([expect.stringContaining("infra/cli/fleet.ts"), expect.stringContaining("lab/cli.ts")]);
    });

    it("refuse a command that does not exist, for every tool", () => {
        const gone = (code: string) => commandsIn(code, "x").map((c) => check(c).ok);
        expect([...gone("npm run fleet -- explode"), ...gone("npm run lab -- sideways"), ...gone("npm run lab -- up three"), ...gone("promtool check nothing"), ...gone("amtool check-config --no-such-flag")]).toEqual([false, false, false, false, false]);
    });

    it("every fleet, lab, promtool and amtool line runs (or, for the lab, parses) as shown", () => {
        // Fleet lines first: a promtool line may read what a render line wrote.
        const ordered = [...DOC_COMMANDS.filter((c) => c.tool === "fleet"), ...DOC_COMMANDS.filter((c) => c.tool !== "fleet")];
        const failed = ordered.flatMap((c) => {
            const r = check(c);
            return r.ok ? [] : [`${c.where}: ${c.tool} ${c.args.join(" ")} (${r.how}) failed: ${r.output}`];
        });
        expect(failed).toEqual([]);
        // The rendered rule files were checked for real, not only with --help.
        expect(ordered.some((c) => c.tool === "promtool" && c.args[1] === "rules" && localFiles(c.args) !== undefined)).toBe(true);
    });
});
