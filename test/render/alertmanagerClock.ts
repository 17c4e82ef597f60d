import { TimeIntervalEntry } from "../../infra/host/maintenanceIntervals";

/**
 * Whether Alertmanager 0.25 counts an instant inside one of an interval's entries: its
 * timeinterval.ContainsTime (prometheus/alertmanager timeinterval/timeinterval.go), which turns the
 * instant into the entry's location (t.In), then compares that wall clock's minute of the day with
 * [start, end), its weekday, day of the month, month and year. Alertmanager reads only the real clock,
 * and Go ignores a faked one (libfaketime: Go reads the time through the vDSO, not libc), so instants
 * Alertmanager cannot be run at (a DST change) are decided here; the servers test checks this against
 * the running Alertmanager at the present instant.
 */
export function alertmanagerContains(entries: readonly TimeIntervalEntry[], ms: number): boolean {
    return entries.some((e) => entryContains(e, ms));
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

interface WallClock {
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly weekday: number;
    readonly minute: number;
    readonly daysInMonth: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClock(ms: number, timeZone: string): WallClock {
    let format = formats.get(timeZone);
    if (!format) {
        format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
        formats.set(timeZone, format);
    }
    const parts = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
    const year = Number(parts.year);
    const month = Number(parts.month);
    return {
        year,
        month,
        day: Number(parts.day),
        weekday: WEEKDAYS.indexOf(parts.weekday.toLowerCase()),
        minute: Number(parts.hour) * 60 + Number(parts.minute),
        daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
    };
}

/** A range "a" or "a:b" of names or numbers, as Alertmanager parses it (names case-insensitive). */
function range(text: string, names?: readonly string[]): [number, number] {
    const member = (s: string) => (!names || /^-?\d+$/.test(s) ? Number(s) : names.indexOf(s.toLowerCase()) + (names === MONTHS ? 1 : 0));
    const [a, b = a] = text.split(":");
    return [member(a), member(b)];
}

function minutes(clock: string): number {
    const [h, m] = clock.split(":").map(Number);
    return h * 60 + m;
}

function entryContains(e: TimeIntervalEntry, ms: number): boolean {
    const t = wallClock(ms, e.location ?? "UTC");
    if (!e.times.some((r) => t.minute >= minutes(r.start_time) && t.minute < minutes(r.end_time))) return false;
    const dayOfMonth = (d: number) => (d < 0 ? t.daysInMonth + d + 1 : d);
    if (e.days_of_month && !e.days_of_month.some((r) => {
        const [a, b] = range(r).map(dayOfMonth);
        return t.day >= a && t.day <= Math.min(b, t.daysInMonth);
    })) return false;
    if (e.months && !e.months.some((r) => inRange(t.month, range(r, MONTHS)))) return false;
    if (e.weekdays && !e.weekdays.some((r) => inRange(t.weekday, range(r, WEEKDAYS)))) return false;
    if (e.years && !e.years.some((r) => inRange(t.year, range(r)))) return false;
    return true;
}

function inRange(value: number, [a, b]: [number, number]): boolean {
    return value >= a && value <= b;
}
