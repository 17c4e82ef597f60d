/**
 * Planned maintenance on a device or a site: while a window is open, that device's (or site's) alerts
 * are muted in Alertmanager; the device stays scraped, its history is kept, nothing is uninstalled.
 */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A one-off window: two instants, written in RFC 3339 with their UTC offset. */
export interface OneOffWindow {
    readonly kind: "once";
    /** As written in endpoints.yaml (the offset the user chose reads best in diffs). */
    readonly from: string;
    readonly to: string;
    /** Milliseconds since the epoch, for rendering in UTC. */
    readonly fromMs: number;
    readonly toMs: number;
    readonly reason?: string;
}

/** A window that opens every week on the given days at a local time of a named IANA time zone. */
export interface WeeklyWindow {
    readonly kind: "weekly";
    /** Monday first, no repeats. */
    readonly days: readonly Weekday[];
    /** "HH:MM", local time in timeZone. */
    readonly from: string;
    /** "HH:MM" (up to "24:00"); at or before `from` means the window ends the next day. */
    readonly to: string;
    readonly timeZone: string;
    readonly reason?: string;
}

export type MaintenanceWindow = OneOffWindow | WeeklyWindow;

/** Who a window belongs to: one device (by name), or every device of a site plus the site's own alerts. */
export interface MaintenanceOwner {
    readonly kind: "device" | "site";
    readonly name: string;
    /** A device's site (whose windows apply to the device too); the site itself for a site. */
    readonly site: string;
}

export interface OwnedWindows {
    readonly owner: MaintenanceOwner;
    readonly windows: readonly MaintenanceWindow[];
}

function titleCase(day: Weekday): string {
    return day[0].toUpperCase() + day.slice(1);
}

/** How `fleet list` and `fleet diff` name a window: "Tue 06:00-10:00 Europe/Oslo". */
export function describeWindow(w: MaintenanceWindow): string {
    const text = w.kind === "once" ? `${w.from} to ${w.to}` : `${w.days.map(titleCase).join(",")} ${w.from}-${w.to} ${w.timeZone}`;
    return w.reason ? `${text} (${w.reason})` : text;
}

/** Every owner with windows: sites first (by name), then devices in file order. */
interface WithWindows {
    readonly name: string;
    readonly site?: string;
    readonly maintenance?: readonly MaintenanceWindow[];
}

/** Every owner with windows: sites first (by name), then devices of every kind in file order. */
export function maintenanceOwners(fleet: { readonly sites: readonly WithWindows[]; readonly devices: readonly WithWindows[]; readonly agentless: readonly WithWindows[] }): OwnedWindows[] {
    const owned = (kind: MaintenanceOwner["kind"], items: readonly WithWindows[]) =>
        items.filter((i) => i.maintenance?.length).map((i) => ({ owner: { kind, name: i.name, site: i.site ?? i.name }, windows: i.maintenance! }));
    return [...owned("site", [...fleet.sites].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))), ...owned("device", [...fleet.devices, ...fleet.agentless])];
}
