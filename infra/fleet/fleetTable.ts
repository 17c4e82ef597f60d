import { Fleet, Site } from "./types";

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

/** The fleet as `npm run fleet -- list` prints it. */
export function fleetTable(fleet: Fleet): string {
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
    const summary = `${fleet.devices.length} device(s) in ${new Set(fleet.devices.map((d) => d.site)).size} site(s)`;
    const siteLines = fleet.sites.map((s) => `site ${s.name}: scraped by ${scrapedBy(s)}`);
    return `${formatTable(["DEVICE", "ADDRESS", "SITE", "REGION", "ARCH", "SCRAPED BY", "LABELS"], rows)}\n${summary}\n${siteLines.join("\n")}`;
}
