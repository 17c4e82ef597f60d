import { Device, Fleet } from "../fleet";

/** One file_sd entry: the device's node_exporter and the labels every one of its series carries. */
export interface ScrapeTarget {
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

/** `host:port`, with IPv6 in brackets as Prometheus expects. */
export function targetAddress(device: Device): string {
    const host = device.address.includes(":") ? `[${device.address}]` : device.address;
    return `${host}:${device.nodeExporter.port}`;
}

/**
 * The file_sd targets of a fleet: `instance` is the device's name (stable when its address changes),
 * plus `site`, `region` and the device's own labels. No `device` label: node_exporter's network, disk and
 * filesystem series carry their own, which a target label of that name would rename to
 * `exported_device` (validation refuses every such name, see fleet/labels.ts). Sorted by name, so
 * reordering endpoints.yaml renders the same file.
 */
export function scrapeTargets(devices: readonly Device[]): ScrapeTarget[] {
    return [...devices]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((d) => ({
            targets: [targetAddress(d)],
            labels: { ...d.labels, instance: d.name, site: d.site, region: d.region },
        }));
}

export function renderScrapeTargets(fleet: Pick<Fleet, "devices">): string {
    return JSON.stringify(scrapeTargets(fleet.devices), null, 1) + "\n";
}
