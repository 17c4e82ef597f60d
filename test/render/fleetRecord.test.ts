import { parseFleet } from "../../infra/fleet/parseFleet";
import { Fleet } from "../../infra/fleet/types";
import { loadChecksums } from "../../infra/device/checksums";
import { FLEET_EVENTS_ANNOTATION_SQL, fleetSyncSql, MAINTENANCE_ANNOTATION_SQL } from "../../infra/host/fleetRecordSql";
import { PostgresServer } from "../../lab/postgresServer";
import { device, HEAD } from "../fleet/malformedCases";
import { MIXED_FLEET } from "../fleet/watchCases";

/** The fleet's record in a real PostgreSQL (Debian's, without the TimescaleDB extension: a plain table). */
jest.setTimeout(120_000);

const checksums = loadChecksums();
function fleetOf(text: string): Fleet {
    const r = parseFleet(text, { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems));
    return r.fleet;
}
function devices(text: string): Fleet {
    return fleetOf(HEAD.replace("sites:\n", "sites:\n  south:\n    region: channel\n") + text);
}

/** Grafana's macros as its PostgreSQL data source expands them, for a time range and the $site variable. */
function expand(sql: string, from: string, to: string, sites: string): string {
    return sql.replace(/\$__timeFrom\(\)/g, `'${from}'`).replace(/\$__timeTo\(\)/g, `'${to}'`).replace("$site", sites);
}

describe("the fleet record in PostgreSQL", () => {
    const pg = new PostgresServer(15432);
    const events = () => pg.psql("iiotmon", "SELECT device, kind, site FROM fleet.events ORDER BY time, device, kind").split("\n").filter(Boolean);

    beforeAll(() => {
        pg.start();
        pg.psql("postgres", "CREATE DATABASE iiotmon");
        pg.psql("iiotmon", "CREATE ROLE grafana_reader LOGIN");
    });
    afterAll(() => pg.stop());

    const v1 = devices(device("a", "10.0.0.1") + device("b", "10.0.0.2") + device("c", "10.0.0.3"));

    it("creates the schema idempotently and records the first fleet as added", () => {
        pg.psql("iiotmon", fleetSyncSql(v1));
        expect(events()).toEqual(["a|added|north", "b|added|north", "c|added|north"]);
        expect(pg.psql("iiotmon", "SELECT name, address, site, region, labels->>'env', arch, node_exporter_version, removed_at IS NULL FROM fleet.devices ORDER BY name")).toBe(
            ["a|10.0.0.1|north|north-sea||auto|1.12.1|t", "b|10.0.0.2|north|north-sea||auto|1.12.1|t", "c|10.0.0.3|north|north-sea||auto|1.12.1|t"].join("\n"),
        );
    });

    it("adds no event when the same fleet is applied again", () => {
        pg.psql("iiotmon", fleetSyncSql(v1));
        expect(events()).toHaveLength(3);
    });

    it("records an edit: one removed, one moved, one relabelled, one added", () => {
        const v2 = devices(device("a", "10.0.9.1") + device("b", "10.0.0.2", "    labels: {rack: r7}\n") + device("d", "10.0.0.4").replace("site: north", "site: south"));
        pg.psql("iiotmon", fleetSyncSql(v2));
        expect(events().slice(3).sort()).toEqual(["a|moved|north", "b|reconfigured|north", "c|removed|north", "d|added|south"]);
        expect(pg.psql("iiotmon", "SELECT name FROM fleet.devices WHERE removed_at IS NOT NULL")).toBe("c");
        expect(pg.psql("iiotmon", "SELECT detail->'to'->>'address' FROM fleet.events WHERE kind = 'moved'")).toBe("10.0.9.1");
    });

    it("answers the fleet overview's annotation query, filtered by site, for Grafana's read-only role", () => {
        const sql = FLEET_EVENTS_ANNOTATION_SQL.replace("$__timeFilter(time)", "time BETWEEN now() - interval '1 hour' AND now() + interval '1 minute'").replace("$site", "'south'");
        const rows = pg.psql("iiotmon", `SET ROLE grafana_reader; ${sql}`).split("\n");
        expect(rows.map((r) => r.split("|").slice(1).join("|"))).toEqual(["added: d|added"]);
    });

    it("keeps device names and labels with quotes intact", () => {
        const tricky = devices(device("o.brien", "10.0.0.7", "    labels: {note: \"it's; DROP TABLE x\"}\n"));
        pg.psql("iiotmon", fleetSyncSql(tricky));
        expect(pg.psql("iiotmon", "SELECT labels->>'note' FROM fleet.devices WHERE name = 'o.brien'")).toBe("it's; DROP TABLE x");
    });

    it("holds probe and SNMP devices beside node_exporter devices, with how each is watched", () => {
        pg.psql("iiotmon", fleetSyncSql(fleetOf(MIXED_FLEET)));
        expect(pg.psql("iiotmon", "SELECT name, watch, checks, coalesce(ssh_user, '-'), coalesce(arch, '-') FROM fleet.devices WHERE removed_at IS NULL ORDER BY name").split("\n")).toEqual([
            "gw-01|nodeExporter|tcp:502|iiotmon|auto",
            "plc-01|probe|icmp, tcp:502, https:8443/status, http:80/|-|-",
            "sw-01|snmp|snmp v2c system+if_mib, icmp|-|-",
            "ups-01|snmp|snmp v3 system+ups|-|-",
        ]);
        const added = pg.psql("iiotmon", "SELECT device FROM fleet.events WHERE kind = 'added' AND device IN ('plc-01', 'sw-01', 'ups-01') ORDER BY device");
        expect(added).toBe("plc-01\nsw-01\nups-01");
        // The same fleet again: no event.
        const count = pg.psql("iiotmon", "SELECT count(*) FROM fleet.events");
        pg.psql("iiotmon", fleetSyncSql(fleetOf(MIXED_FLEET)));
        expect(pg.psql("iiotmon", "SELECT count(*) FROM fleet.events")).toBe(count);
    });

    describe("maintenance windows on the dashboards", () => {
        const text =
            HEAD.replace("    region: north-sea\n", "    region: north-sea\n    maintenance:\n      - {from: \"2026-03-24T22:00:00+01:00\", to: \"2026-03-25T03:00:00+01:00\", reason: substation switch}\n") +
            device("bench-pi-4", "10.0.0.4", "    maintenance:\n      - {days: [sun], from: \"06:00\", to: \"10:00\", timeZone: Europe/Oslo}\n      - {days: [sat], from: \"23:00\", to: \"01:00\", timeZone: UTC}\n");
        const rows = (from: string, to: string, sites = "'north'") =>
            pg.psql("iiotmon", `SET ROLE grafana_reader; ${expand(MAINTENANCE_ANNOTATION_SQL, from, to, sites)}`).split("\n").filter(Boolean).map((r) => r.replace(/^SET\n?/, ""));
        beforeAll(() => pg.psql("iiotmon", "SET TIME ZONE 'UTC'; " + fleetSyncSql(fleetOf(text))));

        it("shows each window as a region, a weekly one at the same local time across the change to summer time", () => {
            // Europe/Oslo goes to summer time on Sunday 29 March 2026: 06:00 local is 05:00Z the week before, 04:00Z after.
            const shown = rows("2026-03-20T00:00:00Z", "2026-04-01T00:00:00Z").filter((r) => r !== "SET");
            expect(shown).toEqual([
                "2026-03-21 23:00:00+00|2026-03-22 01:00:00+00|bench-pi-4: maintenance|maintenance,device",
                "2026-03-22 05:00:00+00|2026-03-22 09:00:00+00|bench-pi-4: maintenance|maintenance,device",
                "2026-03-24 21:00:00+00|2026-03-25 02:00:00+00|north: maintenance (substation switch)|maintenance,site",
                "2026-03-28 23:00:00+00|2026-03-29 01:00:00+00|bench-pi-4: maintenance|maintenance,device",
                "2026-03-29 04:00:00+00|2026-03-29 08:00:00+00|bench-pi-4: maintenance|maintenance,device",
            ]);
        });

        it("filters by the dashboard's site and replaces the windows on the next sync", () => {
            expect(rows("2026-03-20T00:00:00Z", "2026-04-01T00:00:00Z", "'south'").filter((r) => r !== "SET")).toEqual([]);
            pg.psql("iiotmon", fleetSyncSql(devices(device("bench-pi-4", "10.0.0.4"))));
            expect(rows("2026-03-20T00:00:00Z", "2026-04-01T00:00:00Z").filter((r) => r !== "SET")).toEqual([]);
        });
    });
});
