import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../infra/common/projectRoot";

/** A PromQL query a dashboard runs, with where it comes from. */
export interface DashboardQuery {
    readonly dashboard: string;
    readonly where: string;
    readonly expr: string;
}

interface Panel {
    title: string;
    datasource?: { uid?: string };
    targets?: { expr?: string; datasource?: { uid?: string } }[];
    panels?: Panel[];
}

interface Dashboard {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: { name: string; type: string; query?: { query: string } | string }[] };
    /** Annotation queries (SQL ones against TimescaleDB). */
    annotations?: { list: { name: string; target?: { rawSql?: string } }[] };
}

export const DASHBOARDS_DIR = path.join(PROJECT_ROOT, "dashboards");

export function loadDashboards(): { file: string; json: Dashboard }[] {
    return fs
        .readdirSync(DASHBOARDS_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((file) => ({ file, json: JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8")) as Dashboard }));
}

/** Every Prometheus query of every panel and every query variable. */
export function dashboardQueries(): DashboardQuery[] {
    const out: DashboardQuery[] = [];
    for (const { json } of loadDashboards()) {
        const walk = (panels: Panel[]) => {
            for (const p of panels) {
                for (const t of p.targets ?? []) if (t.expr) out.push({ dashboard: json.uid, where: `panel "${p.title}"`, expr: t.expr });
                if (p.panels) walk(p.panels);
            }
        };
        walk(json.panels);
        for (const v of json.templating.list) {
            if (v.type !== "query") continue;
            const q = typeof v.query === "string" ? v.query : v.query?.query;
            if (q) out.push({ dashboard: json.uid, where: `variable $${v.name}`, expr: q });
        }
    }
    return out;
}

/**
 * Substitutes Grafana's variables and macros the way Grafana would for one selection, so the query can
 * be sent to Prometheus as is. `label_values(selector, label)` becomes a series query.
 */
export function substitute(expr: string, values: Record<string, string>, rateInterval: string): { kind: "query"; expr: string } | { kind: "labelValues"; selector: string; label: string } {
    let e = expr.replace(/\$__rate_interval/g, rateInterval).replace(/\$__interval/g, rateInterval);
    for (const [k, v] of Object.entries(values)) e = e.replace(new RegExp(`\\$${k}\\b`, "g"), v);
    const lv = /^label_values\((.*),\s*(\w+)\)$/.exec(e);
    if (lv) return { kind: "labelValues", selector: lv[1], label: lv[2] };
    return { kind: "query", expr: e };
}
