import * as fs from "fs";
import * as path from "path";
import { load } from "js-yaml";
import { parseDocument } from "yaml";
import { parseFleet } from "../infra/fleet/parseFleet";
import { loadChecksums } from "../infra/device/checksums";
import { ROOT } from "./harness";
import { KEY_A } from "./fleet/malformedCases";

/**
 * The reference pages against the code, both ways: every endpoints.yaml field the parser accepts and every stack
 * setting the program declares is in docs/reference/, and everything documented there exists, with the same default.
 * A failure names the field or setting and the page to add it to (or remove it from).
 */
const ENDPOINTS_PAGE = "docs/reference/endpoints.md";
const SETTINGS_PAGE = "docs/reference/settings.md";
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

// ---- endpoints.yaml fields ------------------------------------------------------------------------------------

/** A valid fleet that has every nested mapping the parser reads, so an unknown key can be put into each. */
const BASE = `version: 1
defaults:
  ssh: {user: u, privateKeySecret: k, bastion: {address: 10.0.0.9, hostKey: "${KEY_A}"}}
  nodeExporter: {collectors: {enable: [systemd]}}
  snmp: {version: 2c, communitySecret: c}
sites:
  s: {region: r, collector: {device: a}}
devices:
  - {name: a, address: 10.0.0.1, site: s, hostKey: "${KEY_A}", probes: [{https: {port: 443}}, {http: {port: 80}}], maintenance: [{days: [tue], from: "06:00", to: "10:00", timeZone: Europe/Oslo}]}
`;
/** Where the parser reads a mapping of its own keys, as a path into BASE. */
const MAPPINGS: (string | number)[][] = [
    [],
    ["defaults"],
    ["defaults", "ssh"],
    ["defaults", "ssh", "bastion"],
    ["defaults", "nodeExporter"],
    ["defaults", "nodeExporter", "collectors"],
    ["defaults", "snmp"],
    ["sites", "s"],
    ["sites", "s", "collector"],
    ["devices", 0],
    ["devices", 0, "probes", 0, "https"],
    ["devices", 0, "probes", 1, "http"],
    ["devices", 0, "maintenance", 0],
];
const UNKNOWN = "zzNotAField";

/** `sites.s` and `devices[0]` written the way the reference page's paths are: `sites.*`, `devices[]`. */
function generic(p: (string | number)[]): string {
    return p
        .map((k, i) => (typeof k === "number" ? "[]" : p[i - 1] === "sites" ? ".*" : `.${k}`))
        .join("")
        .replace(/^\./, "");
}

/** The keys the parser knows at one mapping, read from its own "known keys" message for an unknown key. */
function knownKeysAt(at: (string | number)[]): string[] {
    const doc = parseDocument(BASE);
    doc.setIn([...at, UNKNOWN], 1);
    const { problems } = parseFleet(doc.toString(), { file: "endpoints.yaml", checksums: loadChecksums([]) });
    const p = problems.find((x) => x.message.includes("is not a known key here") && x.path.endsWith(UNKNOWN));
    if (!p) throw new Error(`no "known keys" message for an unknown key at ${generic(at) || "the top"}: ${JSON.stringify(problems)}`);
    return p.message.replace(/.*known keys: /, "").split(", ");
}

/** Every field path the parser accepts: the layers shared by defaults, sites and devices appear under each. */
function parserFields(): Set<string> {
    const fields = new Set<string>();
    for (const at of MAPPINGS) for (const k of knownKeysAt(at)) fields.add([generic(at), k].filter(Boolean).join("."));
    const shared = [...fields].filter((f) => f.startsWith("defaults.") && f.split(".").length > 2);
    for (const level of ["sites.*", "devices[]"]) {
        for (const f of shared) if (fields.has(`${level}.${f.split(".")[1]}`)) fields.add(`${level}.${f.slice("defaults.".length)}`);
    }
    return fields;
}

/** The rows of the page's field table; a shared layer's field under `defaults.` stands for sites and devices too. */
function documentedFields(): Set<string> {
    const fields = new Set<string>();
    const shared = ["ssh", "nodeExporter", "labels", "insecureIgnoreHostKey", "snmp"];
    for (const m of read(ENDPOINTS_PAGE).matchAll(/^\| `([A-Za-z0-9_.*\[\]]+)` \|/gm)) {
        fields.add(m[1]);
        const rest = m[1].slice("defaults.".length);
        if (m[1].startsWith("defaults.") && shared.includes(rest.split(".")[0])) for (const level of ["sites.*", "devices[]"]) fields.add(`${level}.${rest}`);
    }
    return fields;
}

describe(`${ENDPOINTS_PAGE} against the fleet parser`, () => {
    const parser = parserFields();
    const documented = documentedFields();

    it("reads the parser's fields at every level, ssh bastions and https probes included", () => {
        expect([...parser]).toEqual(expect.arrayContaining(["version", "defaults.ssh.bastion.hostKey", "sites.*.collector.outageBudgetHours", "devices[].probes[].https.verifyCertificate", "devices[].ssh.user"]));
    });

    it("documents every field the parser accepts", () => {
        const missing = [...parser].filter((f) => !documented.has(f));
        expect(missing.map((f) => `endpoints.yaml field \`${f}\` is accepted by infra/fleet/parseFleet.ts but missing from ${ENDPOINTS_PAGE}`)).toEqual([]);
    });

    it("documents no field the parser refuses", () => {
        const extra = [...documented].filter((f) => !parser.has(f));
        expect(extra.map((f) => `${ENDPOINTS_PAGE} documents \`${f}\`, which infra/fleet/parseFleet.ts does not accept`)).toEqual([]);
    });
});

// ---- stack settings --------------------------------------------------------------------------------------------

interface Declared {
    type: string;
    default: unknown;
}
const declared = (load(read("Pulumi.yaml")) as { config: Record<string, Declared> }).config;

/** The rows of the settings table: setting, type, default as written (without backticks). */
function documentedSettings(): Map<string, { type: string; default: string }> {
    const rows = new Map<string, { type: string; default: string }>();
    for (const m of read(SETTINGS_PAGE).matchAll(/^\| `([A-Za-z0-9]+)` \| ([a-z]+) \| `([^`]*)` \|/gm)) rows.set(m[1], { type: m[2], default: m[3] });
    return rows;
}
const asWritten = (v: unknown) => (typeof v === "string" ? (v === "" ? '""' : v) : JSON.stringify(v).replace(/,/g, ", "));

describe(`${SETTINGS_PAGE} against Pulumi.yaml (which test/settings.test.ts checks against infra/settings/)`, () => {
    const rows = documentedSettings();

    it("documents every setting with its type and default", () => {
        const problems = Object.entries(declared).flatMap(([key, d]) => {
            const row = rows.get(key);
            if (!row) return [`setting \`${key}\` (Pulumi.yaml) is missing from ${SETTINGS_PAGE}`];
            const wrong: string[] = [];
            if (row.type !== d.type) wrong.push(`setting \`${key}\`: ${SETTINGS_PAGE} says type ${row.type}, Pulumi.yaml ${d.type}`);
            if (row.default !== asWritten(d.default)) wrong.push(`setting \`${key}\`: ${SETTINGS_PAGE} says default ${row.default}, Pulumi.yaml ${asWritten(d.default)}`);
            return wrong;
        });
        expect(problems).toEqual([]);
    });

    it("documents no setting the program does not have", () => {
        expect([...rows.keys()].filter((k) => !(k in declared)).map((k) => `${SETTINGS_PAGE} documents setting \`${k}\`, which Pulumi.yaml does not declare`)).toEqual([]);
        expect(rows.size).toBeGreaterThan(40);
    });
});
