import { AgentlessDevice, Device, Fleet, maintenanceOwners, MaintenanceWindow, OwnedWindows, probeId, WEEKDAYS } from "../fleet";

/**
 * The fleet's own record in TimescaleDB: an inventory of devices and an event log of fleet changes.
 * Created idempotently; a hypertable where the TimescaleDB extension is present, a plain table otherwise.
 */
export const FLEET_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS fleet;
CREATE TABLE IF NOT EXISTS fleet.devices (
    name text PRIMARY KEY,
    address text NOT NULL,
    ssh_user text NOT NULL,
    site text NOT NULL,
    region text NOT NULL,
    labels jsonb NOT NULL DEFAULT '{}'::jsonb,
    arch text NOT NULL,
    node_exporter_version text NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_provisioned timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz
);
-- Probe and SNMP devices (issue 26): no SSH user, arch or node_exporter; how they are watched instead.
ALTER TABLE fleet.devices ADD COLUMN IF NOT EXISTS watch text NOT NULL DEFAULT 'nodeExporter';
ALTER TABLE fleet.devices ADD COLUMN IF NOT EXISTS checks text NOT NULL DEFAULT '';
ALTER TABLE fleet.devices ALTER COLUMN ssh_user DROP NOT NULL;
ALTER TABLE fleet.devices ALTER COLUMN arch DROP NOT NULL;
ALTER TABLE fleet.devices ALTER COLUMN node_exporter_version DROP NOT NULL;
-- Maintenance windows as endpoints.yaml states them (replaced on every sync); the dashboards expand the weekly ones.
CREATE TABLE IF NOT EXISTS fleet.maintenance (
    owner_kind text NOT NULL CHECK (owner_kind IN ('device', 'site')),
    owner text NOT NULL,
    site text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('once', 'weekly')),
    starts_at timestamptz,
    ends_at timestamptz,
    days int[],
    start_time time,
    end_time time,
    time_zone text,
    reason text
);
CREATE TABLE IF NOT EXISTS fleet.events (
    time timestamptz NOT NULL DEFAULT now(),
    device text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('added', 'removed', 'moved', 'reconfigured')),
    site text NOT NULL,
    region text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('fleet.events', 'time', if_not_exists => TRUE, migrate_data => TRUE);
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS events_time_idx ON fleet.events (time DESC);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grafana_reader') THEN
        GRANT USAGE ON SCHEMA fleet TO grafana_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA fleet TO grafana_reader;
    END IF;
END $$;
`;

/** A SQL string literal; PostgreSQL's standard_conforming_strings makes doubling quotes enough. */
function literal(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

function nullable(text: string | undefined): string {
    return text === undefined ? "NULL" : literal(text);
}

function row(d: Device): string {
    return `(${[d.name, d.address, d.ssh.user, d.site, d.region, JSON.stringify(d.labels), d.arch, d.nodeExporter.version, "nodeExporter", (d.probes ?? []).map(probeId).join(", ")].map(literal).join(", ")})`;
}

/** What a probe or SNMP device is checked with, as `fleet list` says it. */
function agentlessChecks(d: AgentlessDevice): string {
    return [...(d.snmp ? [`snmp v${d.snmp.credentials.version} ${d.snmp.modules.join("+")}`] : []), ...d.probes.map(probeId)].join(", ");
}

function agentlessRow(d: AgentlessDevice): string {
    return `(${[literal(d.name), literal(d.address), "NULL", literal(d.site), literal(d.region), literal(JSON.stringify(d.labels)), "NULL", "NULL", literal(d.watch), literal(agentlessChecks(d))].join(", ")})`;
}

function windowRow(owner: OwnedWindows["owner"], w: MaintenanceWindow): string {
    const head = [owner.kind, owner.name, owner.site, w.kind].map(literal);
    const tail = w.kind === "once"
        ? [literal(new Date(w.fromMs).toISOString()), literal(new Date(w.toMs).toISOString()), "NULL", "NULL", "NULL", "NULL"]
        : ["NULL", "NULL", `ARRAY[${w.days.map((d) => WEEKDAYS.indexOf(d) + 1).join(", ")}]`, literal(w.from), literal(w.to), literal(w.timeZone)];
    return `(${[...head, ...tail, nullable(w.reason)].join(", ")})`;
}

/**
 * One transaction that brings the record in line with the fleet: events for what was added, removed,
 * moved (address, user or site changed) or reconfigured (labels, arch, version), then the inventory.
 * Running it twice for the same fleet adds no event.
 */
export function fleetSyncSql(fleet: Pick<Fleet, "devices" | "agentless" | "sites">): string {
    const rows = [...fleet.devices.map(row), ...fleet.agentless.map(agentlessRow)];
    const values = rows.join(",\n    ");
    const windows = maintenanceOwners(fleet).flatMap((o) => o.windows.map((w) => windowRow(o.owner, w)));
    return `${FLEET_SCHEMA_SQL}
BEGIN;
CREATE TEMP TABLE desired (name text, address text, ssh_user text, site text, region text, labels jsonb, arch text, node_exporter_version text, watch text, checks text) ON COMMIT DROP;
${values ? `INSERT INTO desired VALUES\n    ${values};` : ""}
DELETE FROM fleet.maintenance;
${windows.length ? `INSERT INTO fleet.maintenance (owner_kind, owner, site, kind, starts_at, ends_at, days, start_time, end_time, time_zone, reason) VALUES\n    ${windows.join(",\n    ")};` : ""}
INSERT INTO fleet.events (device, kind, site, region, detail)
SELECT d.name, 'added', d.site, d.region, jsonb_build_object('address', d.address)
  FROM desired d LEFT JOIN fleet.devices c ON c.name = d.name
 WHERE c.name IS NULL OR c.removed_at IS NOT NULL;
INSERT INTO fleet.events (device, kind, site, region, detail)
SELECT c.name, 'removed', c.site, c.region, jsonb_build_object('address', c.address)
  FROM fleet.devices c LEFT JOIN desired d ON d.name = c.name
 WHERE d.name IS NULL AND c.removed_at IS NULL;
INSERT INTO fleet.events (device, kind, site, region, detail)
SELECT d.name, 'moved', d.site, d.region,
       jsonb_build_object('from', jsonb_build_object('address', c.address, 'user', c.ssh_user, 'site', c.site),
                          'to', jsonb_build_object('address', d.address, 'user', d.ssh_user, 'site', d.site))
  FROM desired d JOIN fleet.devices c ON c.name = d.name AND c.removed_at IS NULL
 WHERE (c.address, c.ssh_user, c.site) IS DISTINCT FROM (d.address, d.ssh_user, d.site);
INSERT INTO fleet.events (device, kind, site, region, detail)
SELECT d.name, 'reconfigured', d.site, d.region,
       jsonb_build_object('labels', d.labels, 'arch', d.arch, 'node_exporter_version', d.node_exporter_version, 'watch', d.watch, 'checks', d.checks)
  FROM desired d JOIN fleet.devices c ON c.name = d.name AND c.removed_at IS NULL
 WHERE (c.labels, c.arch, c.node_exporter_version, c.watch, c.checks) IS DISTINCT FROM (d.labels, d.arch, d.node_exporter_version, d.watch, d.checks);
INSERT INTO fleet.devices AS c (name, address, ssh_user, site, region, labels, arch, node_exporter_version, watch, checks)
SELECT name, address, ssh_user, site, region, labels, arch, node_exporter_version, watch, checks FROM desired
ON CONFLICT (name) DO UPDATE SET
    address = EXCLUDED.address, ssh_user = EXCLUDED.ssh_user, site = EXCLUDED.site, region = EXCLUDED.region,
    labels = EXCLUDED.labels, arch = EXCLUDED.arch, node_exporter_version = EXCLUDED.node_exporter_version,
    watch = EXCLUDED.watch, checks = EXCLUDED.checks,
    first_seen = CASE WHEN c.removed_at IS NOT NULL THEN now() ELSE c.first_seen END,
    removed_at = NULL,
    last_provisioned = CASE WHEN (c.address, c.ssh_user, c.labels, c.arch, c.node_exporter_version, c.watch, c.checks, c.removed_at)
        IS DISTINCT FROM (EXCLUDED.address, EXCLUDED.ssh_user, EXCLUDED.labels, EXCLUDED.arch, EXCLUDED.node_exporter_version, EXCLUDED.watch, EXCLUDED.checks, NULL::timestamptz)
        THEN now() ELSE c.last_provisioned END;
UPDATE fleet.devices c SET removed_at = now()
 WHERE c.removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.name = c.name);
COMMIT;
`;
}

/** Grafana's annotation query for fleet changes on the overview dashboard (Grafana's PostgreSQL macros). */
export const FLEET_EVENTS_ANNOTATION_SQL = `SELECT time AS "time", kind || ': ' || device AS text, kind AS tags
  FROM fleet.events
 WHERE $__timeFilter(time) AND site IN ($site)
 ORDER BY time`;

/**
 * Grafana's annotation query for maintenance windows (a shaded region each, with `timeend`): one-off
 * windows as stored, weekly ones expanded day by day in their own zone by PostgreSQL, so a window at
 * 06:00 Europe/Oslo stays at 06:00 local across a change to or from summer time.
 */
export const MAINTENANCE_ANNOTATION_SQL = `SELECT lower(w) AS "time", upper(w) AS timeend,
       owner || ': maintenance' || coalesce(' (' || reason || ')', '') AS text, 'maintenance,' || owner_kind AS tags
  FROM (SELECT owner_kind, owner, site, reason, tstzrange(starts_at, ends_at) AS w
          FROM fleet.maintenance WHERE kind = 'once'
        UNION ALL
        SELECT m.owner_kind, m.owner, m.site, m.reason,
               tstzrange((d.day + m.start_time) AT TIME ZONE m.time_zone,
                         (d.day + m.end_time + CASE WHEN m.end_time <= m.start_time THEN interval '1 day' ELSE interval '0' END) AT TIME ZONE m.time_zone)
          FROM fleet.maintenance m
         CROSS JOIN LATERAL (SELECT first.day + i AS day
                               FROM (SELECT ($__timeFrom()::timestamptz AT TIME ZONE m.time_zone)::date - 1 AS day) first,
                                    generate_series(0, ($__timeTo()::timestamptz AT TIME ZONE m.time_zone)::date - ($__timeFrom()::timestamptz AT TIME ZONE m.time_zone)::date + 1) AS i) d
         WHERE m.kind = 'weekly' AND extract(isodow FROM d.day)::int = ANY (m.days)) o
 WHERE w && tstzrange($__timeFrom(), $__timeTo()) AND site IN ($site)
 ORDER BY 1, owner`;
