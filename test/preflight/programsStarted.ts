import * as fs from "fs";
import * as path from "path";

/** A program the tests or the lab start, and the first place in the source that starts it. */
export interface StartedProgram {
    /** As written: a name looked up in PATH, or an absolute path. */
    readonly program: string;
    /** `file:line`, relative to the repository. */
    readonly where: string;
}

/** The child_process calls that start a program given as their first argument. */
const SPAWNERS = ["spawn", "spawnSync", "execFile", "execFileSync"];
/** Where a variable is started (`spawnSync(bin, ...)`), the source says what it may hold: `// starts: dash busybox`. */
const STARTS_NOTE = /\/\/\s*starts:\s*([^\n]+)/g;
const EXECUTABLE_PATH = /["'`]((?:\/usr)?\/s?bin\/[\w.+-]+)["'`]/g;

function tsFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : tsFiles(p);
        return e.name.endsWith(".ts") ? [p] : [];
    });
}

function lineOf(text: string, index: number): number {
    return text.slice(0, index).split("\n").length;
}

/**
 * Functions that start their own first parameter (`function run(cmd, args) { spawnSync(cmd, ...) }`,
 * `const tool = (cmd: string, ...) => spawnSync(cmd, ...)`): a literal passed to them is a program too.
 */
function wrappersIn(text: string): string[] {
    const found: string[] = [];
    const definition = /(?:function\s+(\w+)\s*\(\s*(\w+)|(?:const|let)\s+(\w+)\s*=\s*\(\s*(\w+))/g;
    for (const m of text.matchAll(definition)) {
        const [name, param] = m[1] ? [m[1], m[2]] : [m[3], m[4]];
        const body = text.slice(m.index! + m[0].length, m.index! + m[0].length + 600);
        if (new RegExp(`\\b(?:${SPAWNERS.join("|")})\\(\\s*${param}\\b`).test(body)) found.push(name);
    }
    return found;
}

/** A variable started in a file must come with a `// starts:` note there, or the scan would miss what it holds. */
function unnotedVariables(file: string, text: string, wrappers: Set<string>): string[] {
    const problems: string[] = [];
    const call = new RegExp(`\\b(?:${SPAWNERS.join("|")})\\(\\s*([A-Za-z_][\\w.]*)\\s*,`, "g");
    const notes = [...text.matchAll(STARTS_NOTE)];
    const definedParams = new Set([...text.matchAll(/(?:function\s+\w+\s*\(\s*|(?:const|let)\s+\w+\s*=\s*\(\s*)(\w+)/g)].map((m) => m[1]));
    for (const m of text.matchAll(call)) {
        const variable = m[1];
        if (variable === "process.execPath" || definedParams.has(variable) || wrappers.has(variable)) continue;
        if (variable.startsWith("this.")) continue; // a typed field: its type names the paths (see EXECUTABLE_PATH)
        if (notes.length === 0) problems.push(`${file}:${lineOf(text, m.index!)} starts ${variable}; write beside it what it may hold: // starts: <program> ...`);
    }
    return problems;
}

/** Every program the tests and the lab start, read from their source; and where the source does not say. */
export function programsStarted(root: string, dirs: readonly string[]): { programs: StartedProgram[]; unnoted: string[] } {
    const files = dirs.flatMap((d) => tsFiles(path.join(root, d)));
    const texts = new Map(files.map((f) => [f, fs.readFileSync(f, "utf8")]));
    const wrappers = new Set([...texts.values()].flatMap(wrappersIn));
    const starters = [...SPAWNERS, ...wrappers].join("|");
    const literalCall = new RegExp(`(?<![.\\w])(?:${starters})\\(\\s*"([\\w.+/-]+)"`, "g");
    const programs: StartedProgram[] = [];
    const unnoted: string[] = [];
    for (const [file, text] of texts) {
        const rel = path.relative(root, file);
        const add = (program: string, index: number) => programs.push({ program, where: `${rel}:${lineOf(text, index)}` });
        for (const m of text.matchAll(literalCall)) add(m[1], m.index!);
        for (const m of text.matchAll(EXECUTABLE_PATH)) add(m[1], m.index!);
        for (const m of text.matchAll(STARTS_NOTE)) for (const p of m[1].trim().split(/\s+/)) add(p, m.index!);
        // A namespace's exec starts its command inside the namespace, with this machine's programs.
        for (const m of text.matchAll(/\bns\.exec\(\s*"([\w.+/-]+)"/g)) add(m[1], m.index!);
        unnoted.push(...unnotedVariables(rel, text, wrappers));
    }
    return { programs, unnoted };
}
