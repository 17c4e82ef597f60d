import { Device } from "../fleet";

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

function row(d: Device): string {
    return `(${[d.name, d.address, d.ssh.user, d.site, d.region, JSON.stringify(d.labels), d.arch, d.nodeExporter.version].map(literal).join(", ")})`;
}

/**
 * One transaction that brings the record in line with the fleet: events for what was added, removed,
 * moved (address, user or site changed) or reconfigured (labels, arch, version), then the inventory.
 * Running it twice for the same fleet adds no event.
 */
export function fleetSyncSql(devices: readonly Device[]): string {
    const values = devices.length ? devices.map(row).join(",\n    ") : "";
    return `${FLEET_SCHEMA_SQL}
BEGIN;
CREATE TEMP TABLE desired (name text, address text, ssh_user text, site text, region text, labels jsonb, arch text, node_exporter_version text) ON COMMIT DROP;
${values ? `INSERT INTO desired VALUES\n    ${values};` : ""}
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
       jsonb_build_object('labels', d.labels, 'arch', d.arch, 'node_exporter_version', d.node_exporter_version)
  FROM desired d JOIN fleet.devices c ON c.name = d.name AND c.removed_at IS NULL
 WHERE (c.labels, c.arch, c.node_exporter_version) IS DISTINCT FROM (d.labels, d.arch, d.node_exporter_version);
INSERT INTO fleet.devices AS c (name, address, ssh_user, site, region, labels, arch, node_exporter_version)
SELECT name, address, ssh_user, site, region, labels, arch, node_exporter_version FROM desired
ON CONFLICT (name) DO UPDATE SET
    address = EXCLUDED.address, ssh_user = EXCLUDED.ssh_user, site = EXCLUDED.site, region = EXCLUDED.region,
    labels = EXCLUDED.labels, arch = EXCLUDED.arch, node_exporter_version = EXCLUDED.node_exporter_version,
    first_seen = CASE WHEN c.removed_at IS NOT NULL THEN now() ELSE c.first_seen END,
    removed_at = NULL,
    last_provisioned = CASE WHEN (c.address, c.ssh_user, c.labels, c.arch, c.node_exporter_version, c.removed_at)
        IS DISTINCT FROM (EXCLUDED.address, EXCLUDED.ssh_user, EXCLUDED.labels, EXCLUDED.arch, EXCLUDED.node_exporter_version, NULL::timestamptz)
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
