import { MaintenanceOwner, MaintenanceWindow, OneOffWindow, OwnedWindows, WEEKDAYS, WeeklyWindow } from "../fleet";

/**
 * Alertmanager's `time_intervals` entries (0.24+; `location` 0.25+): every listed field must match, an
 * interval matches when any of its entries does. `times` are [start, end) in minutes of the day.
 */
export interface TimeIntervalEntry {
    readonly times: readonly { readonly start_time: string; readonly end_time: string }[];
    readonly weekdays?: readonly string[];
    readonly days_of_month?: readonly string[];
    readonly months?: readonly string[];
    readonly years?: readonly string[];
    /** An IANA zone; absent means UTC. */
    readonly location?: string;
}

export interface TimeInterval {
    readonly name: string;
    readonly time_intervals: readonly TimeIntervalEntry[];
}

const DAY = 86_400_000;
const FULL_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

function hhmm(minutes: number): string {
    return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function utcDay(ms: number): { y: number; m: number; d: number } {
    const t = new Date(ms);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function onDay(ms: number, start: number, end: number, days = ""): TimeIntervalEntry {
    const { y, m, d } = utcDay(ms);
    return { times: [{ start_time: hhmm(start), end_time: hhmm(end) }], days_of_month: [days || String(d)], months: [String(m)], years: [String(y)] };
}

/**
 * A one-off window in UTC, split at UTC midnights: its first (partial) day, whole days grouped by
 * month, its last (partial) day. Alertmanager's times are whole minutes, so the window is widened to
 * the minute (a window never closes early).
 */
export function oneOffEntries(w: Pick<OneOffWindow, "fromMs" | "toMs">): TimeIntervalEntry[] {
    const fromMin = Math.floor(w.fromMs / 60_000);
    const toMin = Math.ceil(w.toMs / 60_000);
    const firstDay = Math.floor(fromMin / 1440);
    const lastDay = Math.floor((toMin - 1) / 1440);
    const startOf = (day: number) => (day === firstDay ? fromMin - firstDay * 1440 : 0);
    const endOf = (day: number) => (day === lastDay ? toMin - lastDay * 1440 : 1440);
    if (firstDay === lastDay) return [onDay(firstDay * DAY, startOf(firstDay), endOf(firstDay))];
    const out: TimeIntervalEntry[] = [];
    if (startOf(firstDay) > 0) out.push(onDay(firstDay * DAY, startOf(firstDay), 1440));
    const wholeFrom = startOf(firstDay) > 0 ? firstDay + 1 : firstDay;
    const wholeTo = endOf(lastDay) < 1440 ? lastDay - 1 : lastDay;
    // Whole days, one entry per calendar month they fall in.
    for (let day = wholeFrom; day <= wholeTo; ) {
        const { y, m, d } = utcDay(day * DAY);
        let end = day;
        while (end + 1 <= wholeTo && utcDay((end + 1) * DAY).m === m && utcDay((end + 1) * DAY).y === y) end++;
        const last = utcDay(end * DAY).d;
        out.push(onDay(day * DAY, 0, 1440, last === d ? String(d) : `${d}:${last}`));
        day = end + 1;
    }
    if (endOf(lastDay) < 1440) out.push(onDay(lastDay * DAY, 0, endOf(lastDay)));
    return out;
}

function minutes(clock: string): number {
    const [h, m] = clock.split(":").map(Number);
    return h * 60 + m;
}

/** A weekly window in its own zone (Alertmanager applies the zone's offset of each day, DST included); past midnight it continues on the next days. */
export function weeklyEntries(w: Pick<WeeklyWindow, "days" | "from" | "to" | "timeZone">): TimeIntervalEntry[] {
    const names = (shift: number) => w.days.map((d) => FULL_NAMES[(WEEKDAYS.indexOf(d) + shift) % 7]);
    const location = w.timeZone === "UTC" ? {} : { location: w.timeZone };
    const from = minutes(w.from);
    const to = minutes(w.to);
    if (to > from) return [{ times: [{ start_time: w.from, end_time: w.to }], weekdays: names(0), ...location }];
    return [
        { times: [{ start_time: w.from, end_time: "24:00" }], weekdays: names(0), ...location },
        ...(to > 0 ? [{ times: [{ start_time: "00:00", end_time: w.to }], weekdays: names(1), ...location }] : []),
    ];
}

export function windowEntries(w: MaintenanceWindow): TimeIntervalEntry[] {
    return w.kind === "once" ? oneOffEntries(w) : weeklyEntries(w);
}

/** The interval's name in alertmanager.yml: says whose maintenance it is. */
export function intervalName(owner: Pick<MaintenanceOwner, "kind" | "name">): string {
    return `maintenance ${owner.kind} ${owner.name}`;
}

/** A matcher value in double quotes, as Alertmanager's matcher syntax escapes it. */
function quoted(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function maintenanceTimeIntervals(owners: readonly OwnedWindows[]): TimeInterval[] {
    return owners.map((o) => ({ name: intervalName(o.owner), time_intervals: o.windows.flatMap(windowEntries) }));
}

/** A route that catches one owner's alerts, and the intervals that mute them (a device's own and its site's). */
export interface MutedScope {
    readonly matcher: string;
    readonly intervals: readonly string[];
}

/** Devices before sites: a device's route is the first that matches its alerts, so it carries its site's windows too. */
export function mutedScopes(owners: readonly OwnedWindows[]): MutedScope[] {
    const sites = new Set(owners.filter((o) => o.owner.kind === "site").map((o) => o.owner.name));
    const devices = owners
        .filter((o) => o.owner.kind === "device")
        .map((o) => ({
            matcher: `instance=${quoted(o.owner.name)}`,
            intervals: [intervalName(o.owner), ...(sites.has(o.owner.site) ? [intervalName({ kind: "site", name: o.owner.site })] : [])],
        }));
    const siteScopes = [...sites].map((s) => ({ matcher: `site=${quoted(s)}`, intervals: [intervalName({ kind: "site", name: s })] }));
    return [...devices, ...siteScopes];
}
