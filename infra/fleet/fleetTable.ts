import { describeWindow, maintenanceOwners } from "./maintenance";
import { Fleet, Site } from "./types";
import { AgentlessDevice, Probe, probeId } from "./watch";

/** Who scrapes a site's devices, in the words `fleet list`, `fleet diff` and `fleet render` print. */
export function scrapedBy(site: Pick<Site, "collector">): string {
    return site.collector ? `collector ${site.collector.device} (outage budget ${site.collector.outageBudgetHours} h)` : "monitoring host";
}

/** Pads columns to their widest cell; plain text so it reads the same in a terminal and in CI logs. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** "Maintenance windows (alerts muted):" and one line per window, or nothing when the fleet has none. */
export function maintenanceLines(fleet: Pick<Fleet, "sites" | "devices" | "agentless">): string {
    const owners = maintenanceOwners(fleet);
    if (!owners.length) return "";
    const lines = owners.flatMap((o) => o.windows.map((w) => `  ${o.owner.kind === "site" ? `site ${o.owner.name}` : o.owner.name}: ${describeWindow(w)}`));
    return `\nMaintenance windows (alerts muted):\n${lines.join("\n")}`;
}

/** The fleet as `npm run fleet -- list` prints it. */
export function fleetTable(fleet: Fleet): string {
    return fleetTables(fleet) + maintenanceLines(fleet);
}

function fleetTables(fleet: Fleet): string {
    const sites = new Map(fleet.sites.map((s) => [s.name, s]));
    const rows = fleet.devices.map((d) => [
        d.name,
        d.ssh.bastion ? `${d.address} (via ${d.ssh.bastion.address})` : d.address,
        d.site,
        d.region,
        d.arch,
        sites.get(d.site)?.collector ? `collector ${sites.get(d.site)!.collector!.device}` : "monitoring host",
        Object.entries(d.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
    ]);
    const labels = (l: Readonly<Record<string, string>>) =>
        Object.entries(l)
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
    const all = [...fleet.devices, ...fleet.agentless];
    const summary = `${all.length} device(s) in ${new Set(all.map((d) => d.site)).size} site(s)`;
    const nodeTable = formatTable(["DEVICE", "ADDRESS", "SITE", "REGION", "ARCH", "SCRAPED BY", "LABELS"], rows);
    const siteLines = fleet.sites.map((s) => `site ${s.name}: scraped by ${scrapedBy(s)}`).join("\n");
    const probed = fleet.devices.filter((d) => d.probes?.length);
    if (!fleet.agentless.length && !probed.length) return `${nodeTable}\n${summary}\n${siteLines}`;
    // Devices watched from the monitoring host (and the probes of node_exporter devices): a second table,
    // so the first reads as it always did.
    const checks = (d: { probes?: readonly Probe[]; snmp?: AgentlessDevice["snmp"] }) =>
        [...(d.snmp ? [`snmp v${d.snmp.credentials.version} ${d.snmp.modules.join("+")}`] : []), ...(d.probes ?? []).map(probeId)].join(", ");
    const watched = [
        ...probed.map((d) => [d.name, d.address, d.site, d.region, "nodeExporter", checks(d), labels(d.labels)]),
        ...fleet.agentless.map((d) => [d.name, d.address, d.site, d.region, d.watch, checks(d), labels(d.labels)]),
    ];
    const kinds = (["nodeExporter", "probe", "snmp"] as const).map((k) => `${k === "nodeExporter" ? fleet.devices.length : fleet.agentless.filter((d) => d.watch === k).length} by ${k}`);
    return `${nodeTable}\n\nWatched from the monitoring host:\n${formatTable(["DEVICE", "ADDRESS", "SITE", "REGION", "WATCH", "CHECKS", "LABELS"], watched)}\n${summary} (${kinds.join(", ")})\n${siteLines}`;
}
