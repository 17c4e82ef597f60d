import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load } from "js-yaml";
import { OwnedWindows } from "../../infra/fleet/maintenance";
import { renderAlertmanagerConfig } from "../../infra/host/alertmanagerConfig";
import { TimeInterval } from "../../infra/host/maintenanceIntervals";
import { alertmanagerContains } from "./alertmanagerClock";

/**
 * A weekly window in Europe/Oslo, Sunday 01:00-04:00 local, on the two Sundays of 2026 the clocks change
 * and on ordinary days, as Alertmanager 0.25 decides it from the rendered alertmanager.yml (checked by
 * amtool). Oslo springs forward on 2026-03-29 at 01:00 UTC (02:00 CET becomes 03:00 CEST: the window lasts
 * two hours) and falls back on 2026-10-25 at 01:00 UTC (03:00 CEST becomes 02:00 CET: four hours).
 */
const owners: OwnedWindows[] = [{ owner: { kind: "device", name: "wtg-07", site: "north" }, windows: [{ kind: "weekly", days: ["sun"], from: "01:00", to: "04:00", timeZone: "Europe/Oslo" }] }];

describe("a weekly maintenance window across a DST change", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-dst-"));
    const file = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(file, renderAlertmanagerConfig({ webhookUrl: "http://127.0.0.1:19195/hook" }, owners));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const config = load(fs.readFileSync(file, "utf8")) as { time_intervals: TimeInterval[] };
    const entries = config.time_intervals.find((t) => t.name === "maintenance device wtg-07")!.time_intervals;
    const muted = (iso: string) => alertmanagerContains(entries, Date.parse(iso));

    it("is a file amtool accepts, its window in the Oslo zone (not converted to UTC)", () => {
        const r = spawnSync("amtool", ["check-config", file], { encoding: "utf8" });
        expect([r.status, r.stdout]).toEqual([0, expect.stringContaining("SUCCESS")]);
        expect(entries).toEqual([{ times: [{ start_time: "01:00", end_time: "04:00" }], weekdays: ["sunday"], location: "Europe/Oslo" }]);
    });

    it.each([
        // spring forward: 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z
        ["2026-03-28T23:59:00Z", false, "00:59 CET, just before"],
        ["2026-03-29T00:00:00Z", true, "01:00 CET, the start"],
        ["2026-03-29T00:59:00Z", true, "01:59 CET, the minute before the clocks jump"],
        ["2026-03-29T01:00:00Z", true, "03:00 CEST, the clocks just jumped"],
        ["2026-03-29T01:59:00Z", true, "03:59 CEST, the last minute"],
        ["2026-03-29T02:00:00Z", false, "04:00 CEST, the end"],
        // fall back: 01:00 CEST = 23:00Z the day before, 04:00 CET = 03:00Z
        ["2026-10-24T22:59:00Z", false, "00:59 CEST, just before"],
        ["2026-10-24T23:00:00Z", true, "01:00 CEST, the start"],
        ["2026-10-25T00:30:00Z", true, "02:30 CEST, the first 02:30"],
        ["2026-10-25T01:30:00Z", true, "02:30 CET, the second 02:30"],
        ["2026-10-25T02:59:00Z", true, "03:59 CET, the last minute"],
        ["2026-10-25T03:00:00Z", false, "04:00 CET, the end"],
        // ordinary Sundays, summer and winter time, and the Saturday and Monday around them
        ["2026-06-14T00:30:00Z", true, "Sun 02:30 CEST"],
        ["2026-06-14T02:00:00Z", false, "Sun 04:00 CEST"],
        ["2026-06-13T23:30:00Z", true, "Sun 01:30 CEST (still Saturday in UTC)"],
        ["2026-12-06T00:00:00Z", true, "Sun 01:00 CET"],
        ["2026-12-06T03:00:00Z", false, "Sun 04:00 CET"],
        ["2026-12-05T00:30:00Z", false, "Sat 01:30 CET"],
        ["2026-12-07T00:30:00Z", false, "Mon 01:30 CET"],
    ])("at %s the device's alerts are muted: %s (%s, Oslo time)", (iso, expected) => {
        expect(muted(iso)).toBe(expected);
    });

    /** The minutes of one UTC span that the window mutes, counted minute by minute. */
    function mutedMinutes(fromIso: string, toIso: string): number {
        let n = 0;
        for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += 60_000) if (alertmanagerContains(entries, t)) n++;
        return n;
    }

    it("lasts two hours on the spring-forward Sunday, four on the fall-back Sunday, three on every other", () => {
        expect(mutedMinutes("2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z")).toBe(120);
        expect(mutedMinutes("2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z")).toBe(240);
        expect(mutedMinutes("2026-03-21T12:00:00Z", "2026-03-22T12:00:00Z")).toBe(180);
        expect(mutedMinutes("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z")).toBe(180);
    });
});
