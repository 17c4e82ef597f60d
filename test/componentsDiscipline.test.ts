import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

/**
 * The components follow the discipline of pulumi-eks's ClusterOptions: every argument documented (an
 * optional one with its default), every public output registered, and the children named by a function
 * the component exports (so the lab and the tests find them by name, not by a copied string).
 */
const COMPONENTS = fs.readdirSync(path.join(ROOT, "components")).filter((f) => f.endsWith(".ts"));
const text = (f: string) => fs.readFileSync(path.join(ROOT, "components", f), "utf8");

/** `readonly` members of the file's exported `...Args` interfaces, with the doc comment just above each. */
function argsOf(file: string): { name: string; optional: boolean; doc: string }[] {
    const out: { name: string; optional: boolean; doc: string }[] = [];
    for (const m of text(file).matchAll(/export interface \w+Args \{\n([\s\S]*?)\n\}/g)) {
        const lines = m[1].split("\n");
        lines.forEach((line, i) => {
            const member = /^\s*readonly (\w+)(\??):/.exec(line);
            if (!member) return;
            let j = i - 1;
            const doc: string[] = [];
            if (lines[j]?.trim().endsWith("*/")) {
                while (j >= 0 && !lines[j].includes("/**")) doc.unshift(lines[j--]);
                doc.unshift(lines[j] ?? "");
            }
            out.push({ name: member[1], optional: member[2] === "?", doc: doc.join(" ") });
        });
    }
    return out;
}

describe("the components", () => {
    it("are all read: nine components, each with its arguments", () => {
        expect(COMPONENTS.length).toBeGreaterThanOrEqual(9);
        expect(argsOf("nodeExporterDevice.ts").map((a) => a.name)).toEqual(expect.arrayContaining(["device", "dialTimeoutSeconds", "caCertPem"]));
    });

    it("document every argument, and say the default of an optional one", () => {
        const undocumented = COMPONENTS.flatMap((f) => argsOf(f).filter((a) => !a.doc.includes("/**")).map((a) => `${f}: ${a.name}`));
        expect(undocumented).toEqual([]);
        const noDefault = COMPONENTS.flatMap((f) => argsOf(f).filter((a) => a.optional && !/defaults to|required when/i.test(a.doc)).map((a) => `${f}: ${a.name}`));
        expect(noDefault).toEqual([]);
    });

    it("register every public output", () => {
        const unregistered = COMPONENTS.flatMap((f) => {
            const src = text(f);
            const registered = /this\.registerOutputs\(\{([\s\S]*?)\}\);/.exec(src)?.[1] ?? "";
            return [...src.matchAll(/public readonly (\w+): pulumi\.Output</g)].map((m) => m[1]).filter((n) => !new RegExp(`\\b${n}\\b`).test(registered)).map((n) => `${f}: ${n}`);
        });
        expect(unregistered).toEqual([]);
    });

    it("export the function that names their children, and name every child through it", () => {
        for (const f of COMPONENTS) {
            const src = text(f);
            expect([f, /export function \w+Names\(name: string\)/.test(src)]).toEqual([f, true]);
            // No child named by a template of its own: `${name}-...` appears only inside the naming function.
            const body = src.slice(src.indexOf("extends pulumi.ComponentResource"));
            expect([f, body.match(/`\$\{name\}[^`]*`/g) ?? []]).toEqual([f, []]);
        }
    });
});
