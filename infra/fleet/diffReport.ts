import { DeviceChange, DeviceChangeKind, FleetDiff } from "./fleetDiff";

const HEADINGS: Record<DeviceChangeKind, string> = {
    added: "Added",
    removed: "Removed",
    renamed: "Renamed (the same device under a new name: node_exporter stays)",
    moved: "Moved (the same device reached differently: the installer re-runs there)",
    reconfigured: "Reconfigured",
    labels: "Labels only (no touch on the device)",
};
const ORDER: DeviceChangeKind[] = ["added", "removed", "renamed", "moved", "reconfigured", "labels"];

function show(v: unknown): string {
    return v === undefined ? "(unset)" : typeof v === "string" ? v : JSON.stringify(v);
}

function changeLines(c: DeviceChange): string[] {
    return c.changes.map((f) => `${f.field}: ${show(f.from)} -> ${show(f.to)}`);
}

/** Sites are listed when one has a collector or changes how it is scraped; a fleet without collectors reads as before. */
function showSites(d: FleetDiff): boolean {
    return d.sites.some((s) => s.was !== undefined || s.scrapedBy !== "monitoring host");
}

/** "bench-pi-4: maintenance Tue 06:00-10:00 Europe/Oslo added". */
function maintenanceLine(c: FleetDiff["maintenance"][number]): string {
    return `${c.owner}: maintenance ${c.window} ${c.change}`;
}

export function summaryLine(d: FleetDiff): string {
    const windows = d.maintenance.length ? `${d.maintenance.length} maintenance window change(s)` : "";
    if (!d.devices.length && !d.levels.length && !d.sites.some((s) => s.was)) return windows ? `${windows}; no device touched.` : "No change to the fleet.";
    const counts = ORDER.map((k) => [k, d.devices.filter((c) => c.kind === k).length] as const).filter(([, n]) => n > 0);
    return `${[...counts.map(([k, n]) => `${n} ${k === "labels" ? "relabelled" : k}`), ...(windows ? [windows] : [])].join(", ")}; ${d.totals.touched} device(s) touched (fleet: ${d.totals.before} -> ${d.totals.after})`;
}

export function renderText(d: FleetDiff): string {
    const out = [summaryLine(d)];
    for (const w of d.warnings) out.push(`warning: ${w}`);
    for (const kind of ORDER) {
        const items = d.devices.filter((c) => c.kind === kind);
        if (!items.length) continue;
        out.push("", `${HEADINGS[kind]}:`);
        for (const c of items) {
            out.push(`  ${c.device} (${c.site}): ${c.action}`);
            for (const l of changeLines(c)) out.push(`      ${l}`);
        }
    }
    if (d.maintenance.length) out.push("", "Maintenance windows (alerts muted; no touch on any device):", ...d.maintenance.map((c) => `  ${maintenanceLine(c)}`));
    if (showSites(d)) out.push("", "Sites:");
    for (const s of showSites(d) ? d.sites : []) out.push(`  ${s.site}: scraped by ${s.scrapedBy}${s.was ? ` (was: ${s.was})` : ""}`);
    for (const l of d.levels) {
        out.push("", `Changed ${l.level} (reaches ${l.devices.length} device(s)${l.devices.length ? `: ${l.devices.slice(0, 10).join(", ")}${l.devices.length > 10 ? ", ..." : ""}` : ""}):`);
        for (const f of l.changes) out.push(`  ${f.field}: ${show(f.from)} -> ${show(f.to)}`);
    }
    return out.join("\n") + "\n";
}

function md(text: string): string {
    return text.replace(/[|<]/g, (c) => (c === "|" ? "\\|" : "&lt;"));
}

/** A compact pull-request comment: the summary and warnings up front, the details folded. */
export function renderMarkdown(d: FleetDiff, title = "Fleet change"): string {
    const out = [`### ${title}`, "", `**${md(summaryLine(d))}**`];
    if (d.warnings.length) out.push("", ...d.warnings.map((w) => `> ⚠️ ${md(w)}`));
    const table = d.devices.filter((c) => c.kind !== "labels");
    if (table.length) {
        out.push("", "| device | site | change | what happens |", "|---|---|---|---|");
        for (const c of table) out.push(`| \`${c.device}\` | ${md(c.site)} | ${c.kind} | ${md(c.action)} |`);
    }
    if (d.maintenance.length) out.push("", ...d.maintenance.map((c) => `- ${md(maintenanceLine(c))}`));
    if (showSites(d)) {
        out.push("", "| site | scraped by |", "|---|---|");
        for (const s of d.sites) out.push(`| ${md(s.site)} | ${md(s.scrapedBy)}${s.was ? ` (was: ${md(s.was)})` : ""} |`);
    }
    const details: string[] = [];
    for (const c of d.devices) {
        if (!c.changes.length) continue;
        details.push(`- \`${c.device}\` (${c.kind}): ${c.changes.map((f) => `\`${md(f.field)}\` ${md(show(f.from))} → ${md(show(f.to))}`).join("; ")}`);
    }
    for (const l of d.levels) details.push(`- **${md(l.level)}** (reaches ${l.devices.length} device(s)): ${l.changes.map((f) => `\`${md(f.field)}\` ${md(show(f.from))} → ${md(show(f.to))}`).join("; ")}`);
    if (details.length) out.push("", "<details><summary>Details</summary>", "", ...details, "", "</details>");
    return out.join("\n") + "\n";
}

export function renderJson(d: FleetDiff): string {
    return JSON.stringify({ summary: summaryLine(d), ...d }, null, 2) + "\n";
}
