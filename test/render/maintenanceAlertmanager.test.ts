import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { load, dump } from "js-yaml";
import { MaintenanceWindow, OwnedWindows, Weekday } from "../../infra/fleet/maintenance";
import { renderAlertmanagerConfig } from "../../infra/host/alertmanagerConfig";
import { mutedScopes, oneOffEntries, TimeInterval } from "../../infra/host/maintenanceIntervals";
import { AlertmanagerProcess } from "../../lab/alertmanagerProcess";
import { sleep } from "../../lab/exec";
import { alertmanagerContains } from "./alertmanagerClock";

/**
 * Maintenance windows as Alertmanager reads them: amtool checks the file and routes each device's alerts
 * through the route its windows mute; a real Alertmanager (Debian's 0.25) decides by the clock, inside
 * a window or outside, and only the alerts outside reach the webhook.
 */
jest.setTimeout(120_000);

const HOUR = 3_600_000;
const once = (fromMs: number, toMs: number): MaintenanceWindow => ({ kind: "once", from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), fromMs, toMs });

/** The local weekday and minute of the day of an instant in a zone. */
function localClock(ms: number, timeZone: string): { day: Weekday; minute: number } {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(ms).map((p) => [p.type, p.value]));
    return { day: parts.weekday.toLowerCase().slice(0, 3) as Weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/** A weekly window from `startMs` to `endMs` as the zone's local clock reads them (the test keeps it under a day). */
function weekly(startMs: number, endMs: number, timeZone: string): MaintenanceWindow {
    const a = localClock(startMs, timeZone);
    const b = localClock(endMs, timeZone);
    return { kind: "weekly", days: [a.day], from: hhmm(a.minute), to: hhmm(b.minute === 0 ? 1440 : b.minute), timeZone };
}

/** The zone's offset from UTC in minutes at an instant. */
function offsetMinutes(ms: number, timeZone: string): number {
    const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(ms).find((p) => p.type === "timeZoneName")!.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** One of two zones whose summer times never both lapse is on summer time now: a window in it only matches if DST is applied. */
function zoneOnSummerTime(now: number): string {
    const year = new Date(now).getUTCFullYear();
    for (const zone of ["Europe/Oslo", "Australia/Sydney"]) {
        const standard = Math.min(offsetMinutes(Date.UTC(year, 0, 15), zone), offsetMinutes(Date.UTC(year, 6, 15), zone));
        if (offsetMinutes(now, zone) !== standard) return zone;
    }
    throw new Error("neither Oslo nor Sydney is on summer time now");
}

describe("maintenance windows in alertmanager.yml", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-maint-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const now = Date.now();
    const summerZone = zoneOnSummerTime(now);
    const owners: OwnedWindows[] = [
        { owner: { kind: "site", name: "south", site: "south" }, windows: [weekly(now - HOUR, now + HOUR, summerZone)] },
        { owner: { kind: "device", name: "in-once", site: "north" }, windows: [once(now - HOUR, now + HOUR)] },
        { owner: { kind: "device", name: "later-once", site: "north" }, windows: [once(now + 2 * HOUR, now + 3 * HOUR)] },
        { owner: { kind: "device", name: "later-weekly", site: "north" }, windows: [weekly(now + 2 * HOUR, now + 3 * HOUR, summerZone)] },
        // A window an hour off if the zone's summer time were ignored: from one standard-time hour ahead.
        { owner: { kind: "device", name: "dst-check", site: "north" }, windows: [weekly(now - 20 * 60_000, now + 20 * 60_000, summerZone)] },
    ];
    const file = path.join(dir, "alertmanager.yml");

    beforeAll(() => fs.writeFileSync(file, renderAlertmanagerConfig({ webhookUrl: "http://127.0.0.1:19195/hook" }, owners)));

    it("passes amtool check-config with its time intervals", () => {
        const r = spawnSync("amtool", ["check-config", file], { encoding: "utf8" });
        expect([r.status, r.stdout]).toEqual([0, expect.stringContaining("SUCCESS")]);
        // amtool does not list time intervals; the parsed file must have one per owner, every route naming only those.
        const config = load(fs.readFileSync(file, "utf8")) as { time_intervals: { name: string }[] };
        expect(config.time_intervals.map((t) => t.name)).toEqual(owners.map((o) => `maintenance ${o.owner.kind} ${o.owner.name}`));
    });

    /** The routes amtool walks for a label set, and the mute intervals of the last one, read back from the file. */
    function route(labels: string): { tree: string[]; receiver: string; mutedBy: string[] } {
        const r = spawnSync("amtool", ["config", "routes", "test", `--config.file=${file}`, "--tree", ...labels.split(" ")], { encoding: "utf8" });
        expect(r.status).toBe(0);
        const tree = r.stdout.split("\n").filter((l) => l.includes("{")).map((l) => l.replace(/^[\s│└├─]+/, "").trim());
        type Route = { matchers?: string[]; routes?: Route[]; mute_time_intervals?: string[] };
        const config = load(fs.readFileSync(file, "utf8")) as { route: Route };
        let at: Route = config.route;
        for (const step of tree) {
            const matchers = step.replace(/\s+receiver:.*$/, "").replace(/^\{|\}$/g, "").split(",").map((s) => s.trim());
            at = at.routes!.find((c) => JSON.stringify(c.matchers) === JSON.stringify(matchers))!;
        }
        return { tree, receiver: r.stdout.trim().split("\n").pop()!, mutedBy: at.mute_time_intervals ?? [] };
    }

    it.each([
        ["in-once", "north", ["maintenance device in-once"]],
        ["dst-check", "north", ["maintenance device dst-check"]],
        ["s1", "south", ["maintenance site south"]],
        ["wtg-01", "north", []],
    ])("routes the critical alerts of %s (site %s) through a route muted by %j", (instance, site, intervals) => {
        const r = route(`alertname=DeviceDown severity=critical instance=${instance} site=${site}`);
        expect(r.receiver).toBe("critical");
        expect(r.mutedBy).toEqual(intervals);
    });

    it("mutes a site's SiteDown in the site's windows, and the monitoring host's own alerts never", () => {
        expect(route("alertname=SiteDown severity=critical site=south").mutedBy).toEqual(["maintenance site south"]);
        expect(route("alertname=BackupStale severity=warning instance=monitoring-host iiotmon_scope=monitoring").receiver).toBe("monitoring-warning");
    });

    it("splits a one-off window at UTC midnights and months, widened to whole minutes", () => {
        const entries = oneOffEntries({ fromMs: Date.parse("2026-12-30T21:30:20Z"), toMs: Date.parse("2027-01-03T09:00:00Z") });
        expect(entries.map((e) => `${e.years}-${e.months}-${e.days_of_month} ${e.times[0].start_time}-${e.times[0].end_time}`)).toEqual([
            "2026-12-30 21:30-24:00",
            "2026-12-31 00:00-24:00",
            "2027-1-1:2 00:00-24:00",
            "2027-1-3 00:00-09:00",
        ]);
    });

    describe("in a running Alertmanager, by the clock", () => {
        const port = 19722;
        let am: AlertmanagerProcess | undefined;
        let server: http.Server | undefined;
        const received: string[] = [];

        beforeAll(async () => {
            server = http.createServer((req, res) => {
                let body = "";
                req.on("data", (c) => (body += c));
                req.on("end", () => {
                    const msg = JSON.parse(body) as { alerts: { labels: Record<string, string> }[] };
                    for (const a of msg.alerts) received.push(`${a.labels.alertname}/${a.labels.instance ?? a.labels.site}`);
                    res.end("ok");
                });
            });
            await new Promise<void>((resolve) => server!.listen(19195, "127.0.0.1", resolve));
            // Shorter grouping waits than production (30 s) so the test does not idle; routing and muting are as rendered.
            const config = load(fs.readFileSync(file, "utf8")) as { route: Record<string, unknown> };
            Object.assign(config.route, { group_wait: "1s", group_interval: "2s" });
            const running = path.join(dir, "running.yml");
            fs.writeFileSync(running, dump(config));
            am = new AlertmanagerProcess(running, `${dir}/data`, port, path.join(dir, "am.log"));
            await am.start();
            const alert = (labels: Record<string, string>) => ({ labels: { job: "node", severity: "critical", ...labels }, startsAt: new Date().toISOString() });
            const status = await am.post([
                alert({ alertname: "DeviceDown", instance: "in-once", site: "north" }),
                alert({ alertname: "DeviceDown", instance: "later-once", site: "north" }),
                alert({ alertname: "DeviceDown", instance: "later-weekly", site: "north" }),
                alert({ alertname: "DeviceDown", instance: "dst-check", site: "north" }),
                alert({ alertname: "DeviceDown", instance: "wtg-01", site: "north" }),
                alert({ alertname: "DeviceTemperatureHigh", instance: "s1", site: "south" }),
            ]);
            expect(status).toBe(200);
            // Three alerts are outside every window; wait for them, then a few group intervals more for any stray one.
            for (let i = 0; i < 100 && received.length < 3; i++) await sleep(100);
            await sleep(4_000);
        });
        afterAll(async () => {
            await am?.stop();
            await new Promise((resolve) => server?.close(resolve));
        });

        it(`notifies only the alerts outside every window (a weekly window on ${summerZone} summer time honoured)`, () => {
            expect([...new Set(received)].sort()).toEqual(["DeviceDown/later-once", "DeviceDown/later-weekly", "DeviceDown/wtg-01"]);
        });

        it("mutes exactly what alertmanagerClock (the DST suite's judge) says Alertmanager mutes at this instant", () => {
            const config = load(fs.readFileSync(file, "utf8")) as { time_intervals: TimeInterval[] };
            const entriesOf = (name: string) => config.time_intervals.find((t) => t.name === name)!.time_intervals;
            const scopes = mutedScopes(owners);
            const mutedNow = (matcher: string) => scopes.find((s) => s.matcher === matcher)!.intervals.some((i) => alertmanagerContains(entriesOf(i), now));
            const predicted = ["in-once", "later-once", "later-weekly", "dst-check", "wtg-01"].filter((d) => !scopes.some((s) => s.matcher === `instance="${d}"`) || !mutedNow(`instance="${d}"`));
            if (!mutedNow('site="south"')) predicted.push("s1");
            const notified = [...new Set(received)].map((r) => r.split("/")[1]);
            expect(notified.sort()).toEqual(predicted.sort());
        });

        it("still shows the muted alerts as active: muting hides no history", async () => {
            const alerts = (await (await fetch(`http://127.0.0.1:${port}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { state: string } }[];
            expect(alerts.filter((a) => a.status.state === "active").map((a) => a.labels.instance).sort()).toEqual(["dst-check", "in-once", "later-once", "later-weekly", "s1", "wtg-01"]);
        });
    });
});
