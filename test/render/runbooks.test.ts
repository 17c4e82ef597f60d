import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dump, load } from "js-yaml";
import { AlertRule, ruleFiles } from "../../infra/host";
import { parseSettings, SETTING_DEFAULTS, SettingsError } from "../../infra/settings";
import { ROOT } from "../harness";

/**
 * docs/runbooks/ against the rendered alert rules, both ways: every alert the stack can render has a page
 * named after it, every page (but the folder's README) belongs to an alert, every page has the four
 * sections an on-call engineer looks for, its PromQL parses, and every rule's runbook_url points at its page.
 */
const RUNBOOKS = "docs/runbooks";
const SECTIONS = ["What it means", "How to confirm", "What to do", "When to escalate"] as const;

/** Every rule the stack can render: with a collector site, so the per-site SiteUnreachable rule is there too. */
function renderedRules(base?: string): AlertRule[] {
    const files = ruleFiles({ collectorSites: [{ site: "nhv-offshore", region: "north-sea", device: "osp-gw-01", outageBudgetHours: 12 }], ...(base ? { runbookBaseUrl: base } : {}) });
    return Object.values(files).flatMap((text) => (load(text) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules));
}

const RULES = renderedRules();
const ALERTS = [...new Set(RULES.map((r) => r.alert))].sort();
const PAGES = fs
    .readdirSync(path.join(ROOT, RUNBOOKS))
    .filter((f) => f.endsWith(".md") && f !== "README.md")
    .map((f) => f.replace(/\.md$/, ""))
    .sort();
const page = (alert: string) => fs.readFileSync(path.join(ROOT, RUNBOOKS, `${alert}.md`), "utf8");

/** The text under each `## ` heading of a page. */
function sections(text: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const part of text.split(/^## /m).slice(1)) {
        const [heading, ...body] = part.split("\n");
        out.set(heading.trim(), body.join("\n").trim());
    }
    return out;
}

/** The fenced ```promql blocks of a text, one expression each (a block may span lines). */
export function promqlBlocks(text: string): string[] {
    return [...text.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map((m) => m[1].trim());
}

const PROMQL_WORDS = new Set(["and", "or", "unless", "on", "ignoring", "by", "without", "bool", "offset", "group_left", "group_right"]);

/** The metric names of an expression: names that are not functions or operators, outside strings, label matchers, label lists and ranges. */
function metricNames(expr: string): string[] {
    const bare = expr
        .replace(/"[^"]*"/g, '""')
        .replace(/\{[^}]*\}/g, "{}")
        .replace(/\[[^\]]*\]/g, "[]")
        .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, "");
    return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]).filter((w) => !PROMQL_WORDS.has(w));
}

/** The rules promtool found in all files of one `promtool check rules` run. */
function rulesFound(output: string): number {
    return [...output.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe("the runbooks against the rendered alert rules", () => {
    it("read the real rules: node mixin, fleet, collector, host, probe and SNMP alerts", () => {
        expect(ALERTS).toEqual(expect.arrayContaining(["NodeFilesystemSpaceFillingUp", "DeviceDown", "SiteUnreachable", "BackupStale", "ProbeFailing", "UpsBatteryLow", "ExporterDown"]));
        expect(ALERTS.length).toBeGreaterThanOrEqual(38);
    });

    it("give every rendered alert a page", () => {
        expect(ALERTS.filter((a) => !PAGES.includes(a)).map((a) => `alert ${a} has no page ${RUNBOOKS}/${a}.md`)).toEqual([]);
    });

    it("have no page without an alert", () => {
        expect(PAGES.filter((p) => !ALERTS.includes(p)).map((p) => `${RUNBOOKS}/${p}.md belongs to no rendered alert`)).toEqual([]);
    });

    it("give every page its title and the four sections, none of them empty", () => {
        const problems = PAGES.flatMap((p) => {
            const text = page(p);
            const found = sections(text);
            return [
                ...(text.startsWith(`# ${p}\n`) ? [] : [`${RUNBOOKS}/${p}.md:1: the title is not "# ${p}"`]),
                ...SECTIONS.filter((s) => !found.get(s)).map((s) => `${RUNBOOKS}/${p}.md: section "## ${s}" missing or empty`),
            ];
        });
        expect(problems).toEqual([]);
    });

    it("show the PromQL to confirm each alert, about the metrics the alert reads", () => {
        const problems = PAGES.filter((p) => ALERTS.includes(p)).flatMap((p) => {
            const confirm = promqlBlocks(sections(page(p)).get("How to confirm") ?? "");
            if (!confirm.length) return [`${RUNBOOKS}/${p}.md: "How to confirm" has no \`\`\`promql block`];
            const read = new Set(RULES.filter((r) => r.alert === p).flatMap((r) => metricNames(r.expr)));
            const shown = new Set(confirm.flatMap(metricNames));
            return [...read].some((m) => shown.has(m)) ? [] : [`${RUNBOOKS}/${p}.md: its PromQL reads none of the alert's metrics (${[...read].join(", ")})`];
        });
        expect(problems).toEqual([]);
    });

    it("link every rule to its page through runbook_url, with the setting's base", () => {
        const base = SETTING_DEFAULTS.runbookBaseUrl;
        const wrong = RULES.filter((r) => r.annotations.runbook_url !== `${base}${r.alert}.md`).map((r) => `${r.alert}: runbook_url ${r.annotations.runbook_url}`);
        expect(wrong).toEqual([]);
        // The default's path below the repository is this folder: the link opens the page checked above.
        expect(base).toMatch(new RegExp(`/blob/main/${RUNBOOKS}/$`));
        const other = "https://wiki.example.com/ops/runbooks/";
        expect(renderedRules(other).every((r) => r.annotations.runbook_url === `${other}${r.alert}.md`)).toBe(true);
    });

    it("derive the default base from package.json's repository, and refuse a base that is not a folder URL", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { repository: { url: string } };
        expect(SETTING_DEFAULTS.runbookBaseUrl).toBe(`${pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "")}/blob/main/${RUNBOOKS}/`);
        expect(parseSettings((k) => (k === "runbookBaseUrl" ? "https://wiki.example.com/runbooks/" : undefined)).runbookBaseUrl).toBe("https://wiki.example.com/runbooks/");
        expect(() => parseSettings((k) => (k === "runbookBaseUrl" ? "https://wiki.example.com/runbooks" : undefined))).toThrow(SettingsError);
        expect(() => parseSettings((k) => (k === "runbookBaseUrl" ? "https://wiki.example.com/runbooks" : undefined))).toThrow(/iiot-monitoring:runbookBaseUrl .* ending with \//);
    });

    describe("under promtool", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbooks-"));
        afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("check the rendered rule files, runbook_url included", () => {
            const files = ruleFiles({ collectorSites: [{ site: "nhv-offshore", region: "north-sea", device: "osp-gw-01", outageBudgetHours: 12 }] });
            for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
            const r = spawnSync("promtool", ["check", "rules", ...Object.keys(files).map((f) => path.join(dir, f))], { encoding: "utf8" });
            expect(rulesFound(`${r.stdout}${r.stderr}`)).toBe(RULES.length);
            expect(r.status).toBe(0);
        });

        it("parse every PromQL expression the runbooks show (each a rule of a throw-away file)", () => {
            const queries = PAGES.flatMap((p) => promqlBlocks(page(p)).map((expr, i) => ({ alert: `Runbook_${p}_${i}`, expr })));
            expect(queries.length).toBeGreaterThanOrEqual(PAGES.length);
            const file = path.join(dir, "runbook-queries.yml");
            fs.writeFileSync(file, dump({ groups: [{ name: "runbooks", rules: queries }] }, { lineWidth: 400 }));
            const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
            expect(rulesFound(`${r.stdout}${r.stderr}`)).toBe(queries.length);
            expect(r.status).toBe(0);
            // The check fails on an expression that does not parse: a runbook with a typo would not pass.
            fs.writeFileSync(file, dump({ groups: [{ name: "runbooks", rules: [{ alert: "Broken", expr: "rate(up[5m]" }] }] }));
            expect(spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" }).status).not.toBe(0);
        });
    });
});
