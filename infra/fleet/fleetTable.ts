import { Fleet } from "./types";

/** Pads columns to their widest cell; plain text so it reads the same in a terminal and in CI logs. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The fleet as `npm run fleet -- list` prints it. */
export function fleetTable(fleet: Fleet): string {
    const rows = fleet.devices.map((d) => [
        d.name,
        d.ssh.bastion ? `${d.address} (via ${d.ssh.bastion.address})` : d.address,
        d.site,
        d.region,
        d.arch,
        Object.entries(d.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
    ]);
    const summary = `${fleet.devices.length} device(s) in ${new Set(fleet.devices.map((d) => d.site)).size} site(s)`;
    return `${formatTable(["DEVICE", "ADDRESS", "SITE", "REGION", "ARCH", "LABELS"], rows)}\n${summary}`;
}
