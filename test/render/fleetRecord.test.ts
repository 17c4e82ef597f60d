import { parseFleet } from "../../infra/fleet/parseFleet";
import { Device } from "../../infra/fleet/types";
import { loadChecksums } from "../../infra/device/checksums";
import { FLEET_EVENTS_ANNOTATION_SQL, fleetSyncSql } from "../../infra/host/fleetRecordSql";
import { PostgresServer } from "../../lab/postgresServer";
import { device, HEAD } from "../fleet/malformedCases";

/** The fleet's record in a real PostgreSQL (Debian's, without the TimescaleDB extension: a plain table). */
jest.setTimeout(120_000);

const checksums = loadChecksums();
function devices(text: string): Device[] {
    const r = parseFleet(HEAD.replace("sites:\n", "sites:\n  south:\n    region: channel\n") + text, { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems));
    return [...r.fleet.devices];
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
});
