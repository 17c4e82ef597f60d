import { isScalar, Node } from "yaml";
import { closest } from "./didYouMean";
import { MaintenanceWindow, WEEKDAYS, Weekday } from "./maintenance";
import { YamlReader } from "./yamlReader";

/** RFC 3339 date-time with a mandatory offset (`Z` or `+01:00`); seconds and fractions optional. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
/** A one-off window longer than this is a device that is gone, not maintenance: say so. */
export const MAX_ONE_OFF_DAYS = 92;

const FULL_DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** "tue", "Tuesday", "tues", "thurs": any start of a day's name of three letters or more. */
function dayOf(text: string): Weekday | undefined {
    const t = text.toLowerCase();
    const i = t.length >= 3 ? FULL_DAY_NAMES.findIndex((n) => n.startsWith(t)) : -1;
    return i < 0 ? undefined : WEEKDAYS[i];
}

/** The zone's name exactly as the IANA database (and Alertmanager's `location`) spells it, or a problem. */
export function timeZoneProblem(zone: string): string | undefined {
    let resolved: string;
    try {
        resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
        const known = Intl.supportedValuesOf("timeZone");
        const near = closest(zone, known);
        return `"${zone}" is not an IANA time zone${near ? ` (did you mean "${near}"?)` : ""}; write a name like Europe/Oslo or UTC, never an abbreviation like CET or an offset`;
    }
    // Alertmanager loads zones from files, whose names are case-sensitive.
    if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return `must be written "${resolved}" (zone names are case-sensitive)`;
    return undefined;
}

/** Milliseconds since the epoch of an RFC 3339 instant with its offset, or a problem in words. */
export function parseInstant(text: string): number | string {
    const m = RFC3339.exec(text);
    if (!m) return `"${text}" is not an RFC 3339 time with an offset, like 2026-12-08T06:00:00+01:00 or 2026-12-08T05:00:00Z`;
    const [, y, mo, d, h, mi, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
    const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d || h > 23 || s > 59) return `"${text}" is not a real date and time`;
    return Date.parse(text.replace(" ", "T"));
}

/** Reads `maintenance:` on a site or a device: a list of one-off (from/to with offsets) or weekly (days/from/to/timeZone) windows. */
export function readMaintenance(r: YamlReader, node: Node, path: string): MaintenanceWindow[] | undefined {
    const list = r.seq(node, path, "a list of maintenance windows");
    if (!list) return undefined;
    const out: MaintenanceWindow[] = [];
    let ok = true;
    list.items.forEach((item, i) => {
        const w = readWindow(r, r.deref(item) ?? list, `${path}[${i}]`);
        if (w) out.push(w);
        else ok = false;
    });
    return ok ? out : undefined;
}

function readWindow(r: YamlReader, node: Node, path: string): MaintenanceWindow | undefined {
    const map = r.map(node, path, "a window: from and to (RFC 3339 with offset), or days, from, to and timeZone for a weekly one");
    if (!map) return undefined;
    const raw: { from?: Node; to?: Node; days?: Node; timeZone?: Node; reason?: string } = {};
    let ok = true;
    const seen = r.fields(map, path, {
        from: (v) => (raw.from = v),
        to: (v) => (raw.to = v),
        days: (v) => (raw.days = v),
        timeZone: (v) => (raw.timeZone = v),
        reason: (v, p) => {
            raw.reason = r.string(v, p);
            if (raw.reason === undefined) ok = false;
        },
    });
    r.requireKeys(map, path, seen, ["from", "to"]);
    if (!raw.from || !raw.to) return undefined;
    const reason = raw.reason ? { reason: raw.reason } : {};
    if (raw.days === undefined) {
        if (raw.timeZone) {
            r.error(raw.timeZone, `${path}.timeZone`, "applies to weekly windows (with days); a one-off window's from and to carry their own offset");
            return undefined;
        }
        const from = instant(r, raw.from, `${path}.from`);
        const to = instant(r, raw.to, `${path}.to`);
        if (!from || !to || !ok) return undefined;
        if (to.ms <= from.ms) {
            r.error(raw.to, `${path}.to`, `${to.text} is not after from (${from.text}); a window ends after it starts`);
            return undefined;
        }
        if (to.ms - from.ms > MAX_ONE_OFF_DAYS * 86_400_000) {
            r.error(raw.to, `${path}.to`, `the window lasts more than ${MAX_ONE_OFF_DAYS} days; a device out for that long should leave the fleet (removing it uninstalls nothing it does not own)`);
            return undefined;
        }
        return { kind: "once", from: from.text, to: to.text, fromMs: from.ms, toMs: to.ms, ...reason };
    }
    const days = readDays(r, raw.days, `${path}.days`);
    const from = clock(r, raw.from, `${path}.from`, false);
    const to = clock(r, raw.to, `${path}.to`, true);
    let timeZone: string | undefined;
    if (!raw.timeZone) {
        r.error(map, path, 'is a weekly window (it has days) without timeZone; name the zone its times are in, e.g. timeZone: Europe/Oslo (or "UTC")');
    } else {
        timeZone = r.string(raw.timeZone, `${path}.timeZone`);
        const problem = timeZone === undefined ? undefined : timeZoneProblem(timeZone);
        if (problem) {
            r.error(raw.timeZone, `${path}.timeZone`, problem);
            timeZone = undefined;
        }
    }
    if (!days || from === undefined || to === undefined || !timeZone || !ok) return undefined;
    if (from === to || (from === "00:00" && to === "24:00")) {
        r.error(raw.to, `${path}.to`, from === to ? `equals from (${from}): the window would be empty` : "covers whole days; that is fine for a one-off window, but every week it never ends: use from/to with dates");
        return undefined;
    }
    return { kind: "weekly", days, from, to, timeZone, ...reason };
}

function instant(r: YamlReader, node: Node, path: string): { text: string; ms: number } | undefined {
    // YAML 1.1 timestamps are not parsed by the core schema; a Date here would mean a custom tag.
    const text = isScalar(node) && typeof node.value === "string" ? node.value : undefined;
    if (text === undefined) {
        r.error(node, path, `must be an RFC 3339 time with an offset, like 2026-12-08T06:00:00+01:00, found ${r.describe(node)}`);
        return undefined;
    }
    const ms = parseInstant(text);
    if (typeof ms === "string") {
        r.error(node, path, ms);
        return undefined;
    }
    return { text, ms };
}

function clock(r: YamlReader, node: Node, path: string, end: boolean): string | undefined {
    const text = isScalar(node) ? String(node.value) : undefined;
    if (text === undefined || !isScalar(node) || typeof node.value !== "string" || !CLOCK.test(text) || (!end && text === "24:00")) {
        r.error(node, path, `must be a local time "HH:MM" (00:00 to ${end ? "24:00" : "23:59"}) in the window's timeZone, found ${r.describe(node)}`);
        return undefined;
    }
    return text;
}

function readDays(r: YamlReader, node: Node, path: string): Weekday[] | undefined {
    const items = r.strings(node, path);
    if (!items) return undefined;
    if (!items.length) {
        r.error(node, path, "must name at least one day (mon, tue, ... sun)");
        return undefined;
    }
    const days = new Set<Weekday>();
    let ok = true;
    for (const { value, node: n } of items) {
        const day = dayOf(value);
        if (!day) {
            const near = closest(value, value.length > 3 ? FULL_DAY_NAMES : WEEKDAYS);
            r.error(n, path, `"${value}" is not a day of the week${near ? ` (did you mean "${near.slice(0, 3)}"?)` : ""}; use mon, tue, wed, thu, fri, sat or sun`);
            ok = false;
        } else days.add(day);
    }
    return ok ? WEEKDAYS.filter((d) => days.has(d)) : undefined;
}
