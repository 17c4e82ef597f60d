import * as fs from "fs";
import * as path from "path";
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
