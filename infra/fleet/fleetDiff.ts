import { scrapedBy } from "./fleetTable";
import { describeWindow, maintenanceOwners } from "./maintenance";
import { Device, Fleet } from "./types";

/** What a fleet change does to one device. */
export type DeviceChangeKind = "added" | "removed" | "renamed" | "moved" | "reconfigured" | "labels";

export interface FieldChange {
    readonly field: string;
    readonly from: unknown;
    readonly to: unknown;
}

export interface DeviceChange {
    readonly device: string;
    readonly kind: DeviceChangeKind;
    readonly site: string;
    /** What happens on the device, in plain words. */
    readonly action: string;
    readonly changes: readonly FieldChange[];
    /** For reconfigured devices: whether node_exporter restarts. */
    readonly restarts?: boolean;
    /** For renamed devices: the old name (its resource is deleted, and leaves the device alone). */
    readonly from?: string;
}

/** A change to the defaults or to a site's block, with the devices it reaches. */
export interface LevelChange {
    readonly level: string;
    readonly changes: readonly FieldChange[];
    readonly devices: readonly string[];
}

/** How a site is scraped after the change, and before when that differs. */
export interface SiteScraping {
    readonly site: string;
    readonly scrapedBy: string;
    /** Set when the change moves the site between the monitoring host and a collector (or between collectors). */
    readonly was?: string;
}

/** A maintenance window added to or removed from a device or a site (an edited window is one of each). */
export interface MaintenanceChange {
    /** The device's name, or "site <name>". */
    readonly owner: string;
    readonly window: string;
    readonly change: "added" | "removed";
}

export interface FleetDiff {
    readonly devices: readonly DeviceChange[];
    /** Touch no device: only alertmanager.yml (reloaded) and the fleet record change. */
    readonly maintenance: readonly MaintenanceChange[];
    readonly sites: readonly SiteScraping[];
    readonly levels: readonly LevelChange[];
    readonly warnings: readonly string[];
    readonly totals: { readonly before: number; readonly after: number; readonly touched: number };
}

/**
 * Fields that change how the device is reached: the same device, so the installer re-runs at the new
 * connection, and nothing is uninstalled through the old one (which may be gone).
 */
const MOVE_FIELDS: readonly ((d: Device) => unknown)[] = [(d) => d.address, (d) => d.ssh.user, (d) => d.ssh.bastion?.address];

/**
 * Every field of a device that reaches its resource's inputs, by the name a reviewer reads. Fields that
 * only label series (labels, site, region) are compared separately: they touch nothing on the device.
 */
function deviceFields(d: Device): Record<string, unknown> {
    const b = d.ssh.bastion;
    return {
        address: d.address,
        "ssh.user": d.ssh.user,
        "ssh.port": d.ssh.port,
        "ssh.credential": d.ssh.privateKeySecret ? `key ${d.ssh.privateKeySecret}` : `password ${d.ssh.passwordSecret}`,
        hostKey: d.hostKey ?? "(not pinned)",
        "ssh.bastion": b ? `${b.user}@${b.address}:${b.port} ${b.hostKey ?? "(not pinned)"} ${b.privateKeySecret ?? b.passwordSecret}` : "(none)",
        arch: d.arch,
        "nodeExporter.version": d.nodeExporter.version,
        "nodeExporter.port": d.nodeExporter.port,
        "nodeExporter.collectors": `enable [${d.nodeExporter.collectors.enable.join(", ")}], disable [${d.nodeExporter.collectors.disable.join(", ")}]`,
        "nodeExporter.source": d.nodeExporter.source,
        "nodeExporter.downloadBaseUrl": d.nodeExporter.downloadBaseUrl,
        "nodeExporter.takeOver": String(d.nodeExporter.takeOver),
    };
}

const RESTART_FIELDS = ["arch", "nodeExporter.version", "nodeExporter.port", "nodeExporter.collectors"];

function labelFields(d: Device): Record<string, unknown> {
    return { site: d.site, region: d.region, ...Object.fromEntries(Object.entries(d.labels).map(([k, v]) => [`labels.${k}`, v])) };
}

/** The endpoint a device is reached at: its address (and port), behind its bastion if any. */
function endpoint(d: Device): string {
    return `${d.ssh.bastion ? d.ssh.bastion.address + ">" : ""}${d.address}:${d.ssh.port}`;
}

/**
 * Pairs each added device with a removed one that is the same machine under a new name: the same
 * endpoint, or the same pinned host key (one that no other device has, before or after: cloned images share keys).
 * Best first: both alike, then the endpoint, then the key. Each removed device pairs at most once.
 */
function renames(added: readonly Device[], removed: readonly Device[], uniqueKeys: ReadonlySet<string>): Map<string, Device> {
    const out = new Map<string, Device>();
    const used = new Set<string>();
    const sameKey = (a: Device, r: Device) => !!a.hostKey && a.hostKey === r.hostKey && uniqueKeys.has(a.hostKey);
    const rules: ((a: Device, r: Device) => boolean)[] = [
        (a, r) => endpoint(a) === endpoint(r) && sameKey(a, r),
        (a, r) => endpoint(a) === endpoint(r),
        (a, r) => sameKey(a, r),
    ];
    for (const rule of rules) {
        for (const a of added) {
            if (out.has(a.name)) continue;
            const r = removed.find((x) => !used.has(x.name) && rule(a, x));
            if (r) {
                out.set(a.name, r);
                used.add(r.name);
            }
        }
    }
    return out;
}

function changed(a: Record<string, unknown>, b: Record<string, unknown>): FieldChange[] {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => ({ field: k, from: a[k], to: b[k] }));
}

/** Windows per owner, compared by how they read: the same window written differently is no change. */
function maintenanceChanges(before: Fleet, after: Fleet): MaintenanceChange[] {
    const windows = (f: Fleet) => {
        const m = new Map<string, Set<string>>();
        for (const o of maintenanceOwners(f)) m.set(o.owner.kind === "site" ? `site ${o.owner.name}` : o.owner.name, new Set(o.windows.map(describeWindow)));
        return m;
    };
    const was = windows(before);
    const now = windows(after);
    const out: MaintenanceChange[] = [];
    for (const owner of [...new Set([...was.keys(), ...now.keys()])].sort()) {
        const a = was.get(owner) ?? new Set<string>();
        const b = now.get(owner) ?? new Set<string>();
        for (const w of a) if (!b.has(w)) out.push({ owner, window: w, change: "removed" });
        for (const w of b) if (!a.has(w)) out.push({ owner, window: w, change: "added" });
    }
    return out;
}

/**
 * Flattens a YAML block (defaults or a site) into dotted fields, for reporting what changed at that level.
 * Maintenance windows are reported on their own (they reach no device).
 */
function flatten(value: unknown, at = ""): Record<string, unknown> {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        return Object.assign({}, ...Object.entries(value as Record<string, unknown>).filter(([k]) => at !== "" || k !== "maintenance").map(([k, v]) => flatten(v, at ? `${at}.${k}` : k)));
    }
    return at ? { [at]: value } : {};
}

/** The raw blocks of a fleet file that apply to many devices. */
export interface FleetLevels {
    readonly defaults: unknown;
    readonly sites: Record<string, unknown>;
}

export interface DiffOptions {
    /** Warn when a change touches more than this share of the fleet. Defaults to 0.25. */
    readonly manyShare?: number;
    /** ...or more than this many devices. Defaults to 20. */
    readonly manyCount?: number;
}

/**
 * Compares two valid fleets device by device (by name: order, comments and formatting are no change),
 * after defaults and sites are applied, and says what `pulumi up` will do to each device.
 */
export function diffFleets(before: Fleet, after: Fleet, levels: { before: FleetLevels; after: FleetLevels }, opts: DiffOptions = {}): FleetDiff {
    const old = new Map(before.devices.map((d) => [d.name, d]));
    const now = new Map(after.devices.map((d) => [d.name, d]));
    const devices: DeviceChange[] = [];
    // A key held by exactly one device before and one after (the renamed one) names one machine.
    const keyCounts = (f: Fleet) => {
        const m = new Map<string, number>();
        for (const d of f.devices) if (d.hostKey) m.set(d.hostKey, (m.get(d.hostKey) ?? 0) + 1);
        return m;
    };
    const keysBefore = keyCounts(before);
    const uniqueKeys = new Set([...keyCounts(after)].filter(([k, n]) => n === 1 && keysBefore.get(k) === 1).map(([k]) => k));
    const renamed = renames(
        after.devices.filter((d) => !old.has(d.name)),
        before.devices.filter((o) => !now.has(o.name)),
        uniqueKeys,
    );
    const renamedFrom = new Set([...renamed.values()].map((o) => o.name));

    for (const d of after.devices) {
        const was = renamed.get(d.name);
        if (was) {
            const changes = [{ field: "name", from: was.name, to: d.name }, ...changed(deviceFields(was), deviceFields(d)), ...changed(labelFields(was), labelFields(d))];
            const action =
                `install as ${d.name} on ${d.ssh.user}@${d.address} (the same device: node_exporter stays, now owned by the new name); ` +
                `deleting ${was.name} then leaves it in place`;
            devices.push({ device: d.name, kind: "renamed", site: d.site, action, changes, from: was.name });
            continue;
        }
        const o = old.get(d.name);
        if (!o) {
            devices.push({ device: d.name, kind: "added", site: d.site, action: `install node_exporter ${d.nodeExporter.version} on ${d.address}`, changes: [] });
            continue;
        }
        const fields = changed(deviceFields(o), deviceFields(d));
        const labels = changed(labelFields(o), labelFields(d));
        if (MOVE_FIELDS.some((f) => JSON.stringify(f(o)) !== JSON.stringify(f(d)))) {
            const action = `re-run the installer at ${d.ssh.user}@${d.address} (the same device reached differently); nothing is uninstalled through ${o.ssh.user}@${o.address}`;
            devices.push({ device: d.name, kind: "moved", site: d.site, action, changes: [...fields, ...labels] });
        } else if (fields.length) {
            const restarts = fields.some((c) => RESTART_FIELDS.includes(c.field));
            const action = restarts ? "re-run the installer: node_exporter restarts once" : "re-run the installer: nothing restarts";
            devices.push({ device: d.name, kind: "reconfigured", site: d.site, action, changes: [...fields, ...labels], restarts });
        } else if (labels.length) {
            devices.push({ device: d.name, kind: "labels", site: d.site, action: "no touch on the device: new labels on its series", changes: labels });
        }
    }
    for (const o of before.devices) {
        if (!now.has(o.name) && !renamedFrom.has(o.name)) devices.push({ device: o.name, kind: "removed", site: o.site, action: `uninstall node_exporter from ${o.address}`, changes: [] });
    }
    devices.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));

    const changedNames = new Set(devices.map((c) => c.device));
    const levelChanges: LevelChange[] = [];
    const defaults = changed(flatten(levels.before.defaults), flatten(levels.after.defaults));
    if (defaults.length) levelChanges.push({ level: "defaults", changes: defaults, devices: after.devices.filter((d) => changedNames.has(d.name)).map((d) => d.name) });
    for (const site of [...new Set([...Object.keys(levels.before.sites), ...Object.keys(levels.after.sites)])].sort()) {
        const c = changed(flatten(levels.before.sites[site]), flatten(levels.after.sites[site]));
        if (c.length) levelChanges.push({ level: `site ${site}`, changes: c, devices: after.devices.filter((d) => d.site === site && changedNames.has(d.name)).map((d) => d.name) });
    }

    const touched = devices.filter((c) => c.kind !== "labels").length;
    const warnings: string[] = [];
    for (const d of after.devices) {
        if (!d.hostKey && (!old.has(d.name) || changedNames.has(d.name))) warnings.push(`${d.name} has no pinned host key (insecureIgnoreHostKey): anyone answering at ${d.address} would get the install`);
    }
    const manyCount = opts.manyCount ?? 20;
    const manyShare = opts.manyShare ?? 0.25;
    if (touched > manyCount || (after.devices.length > 0 && touched / Math.max(before.devices.length, after.devices.length) > manyShare && touched > 2)) {
        warnings.push(`this change touches ${touched} devices at once; consider rolling it out site by site`);
    }
    for (const l of levelChanges) {
        if (l.level.startsWith("site ") && l.devices.length) warnings.push(`${l.level} changed: it reaches all of its ${l.devices.length} device(s)`);
        if (l.level === "defaults" && l.devices.length) warnings.push(`defaults changed: they reach ${l.devices.length} device(s) across sites`);
    }
    const sitesBefore = new Map(before.sites.map((s) => [s.name, scrapedBy(s)]));
    const sites: SiteScraping[] = after.sites.map((s) => {
        const now = scrapedBy(s);
        const was = sitesBefore.get(s.name);
        return { site: s.name, scrapedBy: now, ...(was !== undefined && was !== now ? { was } : {}) };
    });
    for (const s of sites) {
        if (s.was?.startsWith("collector") && !s.scrapedBy.startsWith("collector")) {
            warnings.push(`site ${s.site} goes back to the monitoring host: its collector is uninstalled, and the host must reach the site's devices itself`);
        }
    }
    return { devices, maintenance: maintenanceChanges(before, after), sites, levels: levelChanges, warnings, totals: { before: before.devices.length, after: after.devices.length, touched } };
}
