import { parseFleet } from "../../infra/fleet/parseFleet";
import { formatProblem } from "../../infra/fleet/problems";
import { loadChecksums } from "../../infra/device/checksums";
import { diffFleets, fleetTable, renderMarkdown, renderText } from "../../infra/fleet";
import { device, HEAD, KEY_B } from "./malformedCases";

const checksums = loadChecksums();
const parse = (text: string) => parseFleet(text, { file: "endpoints.yaml", checksums });

/** HEAD with the site north given windows (lines 1-9 of HEAD, then the site's block). */
function withSiteWindows(block: string): string {
    return HEAD.replace("    region: north-sea\n", `    region: north-sea\n    maintenance:\n${block}`);
}

const WEEKLY = "    maintenance:\n      - days: [tue]\n        from: \"06:00\"\n        to: \"10:00\"\n        timeZone: Europe/Oslo\n";

describe("maintenance windows in endpoints.yaml", () => {
    it("reads a weekly window on a device and a one-off window on a site, and fleet list shows both", () => {
        const text = withSiteWindows("      - from: 2026-12-08T06:00:00+01:00\n        to: 2026-12-08T14:00:00+01:00\n        reason: cable swap\n") + device("bench-pi-4", "10.0.0.4", WEEKLY) + device("wtg-01", "10.0.0.5", "", KEY_B);
        const r = parse(text);
        expect(r.problems).toEqual([]);
        const fleet = r.fleet!;
        expect(fleet.devices[0].maintenance).toEqual([{ kind: "weekly", days: ["tue"], from: "06:00", to: "10:00", timeZone: "Europe/Oslo" }]);
        expect(fleet.devices[1].maintenance).toBeUndefined();
        expect(fleet.sites[0].maintenance).toEqual([
            { kind: "once", from: "2026-12-08T06:00:00+01:00", to: "2026-12-08T14:00:00+01:00", fromMs: Date.UTC(2026, 11, 8, 5), toMs: Date.UTC(2026, 11, 8, 13), reason: "cable swap" },
        ]);
        expect(fleetTable(fleet).split("\n").slice(-3)).toEqual([
            "Maintenance windows (alerts muted):",
            "  site north: 2026-12-08T06:00:00+01:00 to 2026-12-08T14:00:00+01:00 (cable swap)",
            "  bench-pi-4: Tue 06:00-10:00 Europe/Oslo",
        ]);
    });

    it("reads days in any case and order, long names too, and keeps them Monday first", () => {
        const r = parse(HEAD + device("a", "10.0.0.1", WEEKLY.replace("[tue]", "[Sunday, mon, FRI, thurs]").replace('"10:00"', '"02:00"').replace('"06:00"', '"22:00"')));
        expect(r.fleet?.devices[0].maintenance).toEqual([{ kind: "weekly", days: ["mon", "thu", "fri", "sun"], from: "22:00", to: "02:00", timeZone: "Europe/Oslo" }]);
    });

    it("applies to probe and SNMP devices too", () => {
        const probe = "  - name: plc-1\n    address: 10.0.0.9\n    site: north\n    watch: probe\n    probes: [{icmp: {}}]\n" + WEEKLY;
        const r = parse(HEAD + probe);
        expect(r.problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual([]);
        expect(r.fleet?.agentless[0].maintenance).toHaveLength(1);
    });

    /** Each case: one broken window in an otherwise valid fleet; every line validate prints, exactly. */
    const CASES: [string, string, string[]][] = [
        [
            "end before start",
            HEAD + device("a", "10.0.0.1", "    maintenance:\n      - from: 2026-12-08T14:00:00+01:00\n        to: 2026-12-08T06:00:00+01:00\n"),
            ["endpoints.yaml:16:13: devices[0].maintenance[0].to 2026-12-08T06:00:00+01:00 is not after from (2026-12-08T14:00:00+01:00); a window ends after it starts"],
        ],
        [
            "a time without offset",
            HEAD + device("a", "10.0.0.1", "    maintenance:\n      - from: 2026-12-08T06:00:00\n        to: 2026-12-08T14:00:00+01:00\n"),
            ['endpoints.yaml:15:15: devices[0].maintenance[0].from "2026-12-08T06:00:00" is not an RFC 3339 time with an offset, like 2026-12-08T06:00:00+01:00 or 2026-12-08T05:00:00Z'],
        ],
        [
            "a date that does not exist",
            HEAD + device("a", "10.0.0.1", "    maintenance:\n      - from: 2026-02-30T06:00:00Z\n        to: 2026-03-01T14:00:00Z\n"),
            ['endpoints.yaml:15:15: devices[0].maintenance[0].from "2026-02-30T06:00:00Z" is not a real date and time'],
        ],
        [
            "unknown time zone",
            HEAD + device("a", "10.0.0.1", WEEKLY.replace("Europe/Oslo", "Europe/Olso")),
            ['endpoints.yaml:18:19: devices[0].maintenance[0].timeZone "Europe/Olso" is not an IANA time zone (did you mean "Europe/Oslo"?); write a name like Europe/Oslo or UTC, never an abbreviation like CET or an offset'],
        ],
        [
            "a zone in the wrong case",
            HEAD + device("a", "10.0.0.1", WEEKLY.replace("Europe/Oslo", "europe/oslo")),
            ['endpoints.yaml:18:19: devices[0].maintenance[0].timeZone must be written "Europe/Oslo" (zone names are case-sensitive)'],
        ],
        [
            "weekly without a zone",
            HEAD + device("a", "10.0.0.1", WEEKLY.replace("        timeZone: Europe/Oslo\n", "")),
            ['endpoints.yaml:15:9: devices[0].maintenance[0] is a weekly window (it has days) without timeZone; name the zone its times are in, e.g. timeZone: Europe/Oslo (or "UTC")'],
        ],
        [
            "a one-off window with a zone",
            HEAD + device("a", "10.0.0.1", "    maintenance:\n      - from: 2026-12-08T06:00:00Z\n        to: 2026-12-08T08:00:00Z\n        timeZone: Europe/Oslo\n"),
            ["endpoints.yaml:17:19: devices[0].maintenance[0].timeZone applies to weekly windows (with days); a one-off window's from and to carry their own offset"],
        ],
        [
            "a bad day and a bad clock time",
            HEAD + device("a", "10.0.0.1", WEEKLY.replace("[tue]", "[tue, thrusday]").replace('"06:00"', '"6am"')),
            [
                'endpoints.yaml:15:21: devices[0].maintenance[0].days "thrusday" is not a day of the week (did you mean "thu"?); use mon, tue, wed, thu, fri, sat or sun',
                'endpoints.yaml:16:15: devices[0].maintenance[0].from must be a local time "HH:MM" (00:00 to 23:59) in the window\'s timeZone, found the text "6am"',
            ],
        ],
        [
            "an empty weekly window",
            HEAD + device("a", "10.0.0.1", WEEKLY.replace('"10:00"', '"06:00"')),
            ["endpoints.yaml:17:13: devices[0].maintenance[0].to equals from (06:00): the window would be empty"],
        ],
        [
            "an unknown key on a site's window",
            withSiteWindows("      - from: 2026-12-08T06:00:00Z\n        until: 2026-12-08T08:00:00Z\n") + device("a", "10.0.0.1"),
            [
                'endpoints.yaml:10:9: sites.north.maintenance[0] is missing the required key "to"',
                "endpoints.yaml:11:9: sites.north.maintenance[0].until is not a known key here; known keys: from, to, days, timeZone, reason",
            ],
        ],
        [
            "a mapping instead of a list",
            HEAD + device("a", "10.0.0.1", "    maintenance:\n      from: 2026-12-08T06:00:00Z\n      to: 2026-12-08T08:00:00Z\n"),
            ["endpoints.yaml:15:7: devices[0].maintenance must be a list of maintenance windows (\"- item\" lines), found a mapping"],
        ],
    ];

    it.each(CASES)("refuses %s with file:line:col", (_name, text, expected) => {
        const r = parse(text);
        expect(r.problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual(expected);
        expect(r.fleet).toBeUndefined();
    });

    it("allows overlapping windows", () => {
        const two = WEEKLY + WEEKLY.replace("    maintenance:\n", "").replace('"10:00"', '"12:00"');
        expect(parse(HEAD + device("a", "10.0.0.1", two)).fleet?.devices[0].maintenance).toHaveLength(2);
    });

    it("fleet diff says which window was added to or removed from whom, and touches no device", () => {
        const before = parse(HEAD + device("bench-pi-4", "10.0.0.4") + device("b", "10.0.0.5", "", KEY_B)).fleet!;
        const afterText = withSiteWindows("      - from: 2026-12-08T06:00:00Z\n        to: 2026-12-08T08:00:00Z\n") + device("bench-pi-4", "10.0.0.4", WEEKLY) + device("b", "10.0.0.5", "", KEY_B);
        const after = parse(afterText).fleet!;
        const levels = { before: { defaults: {}, sites: { north: { region: "north-sea" } } }, after: { defaults: {}, sites: { north: { region: "north-sea", maintenance: [{}] } } } };
        const d = diffFleets(before, after, levels);
        expect(d.devices).toEqual([]);
        expect(d.levels).toEqual([]);
        const text = renderText(d);
        expect(text).toContain("bench-pi-4: maintenance Tue 06:00-10:00 Europe/Oslo added");
        expect(text).toContain("site north: maintenance 2026-12-08T06:00:00Z to 2026-12-08T08:00:00Z added");
        expect(text.split("\n")[0]).toBe("2 maintenance window change(s); no device touched.");
        expect(renderMarkdown(d)).toContain("- bench-pi-4: maintenance Tue 06:00-10:00 Europe/Oslo added");
        expect(renderText(diffFleets(after, before, { before: levels.after, after: levels.before }))).toContain("bench-pi-4: maintenance Tue 06:00-10:00 Europe/Oslo removed");
    });
});
