#!/bin/sh
# Runs once, when the TimescaleDB container initialises an empty data directory: Grafana's own
# database and role, and a read-only role for Grafana's TimescaleDB data source. Passwords come from
# the container's environment and reach psql as variables, never inside SQL text.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v grafana_pw="$GRAFANA_DB_PASSWORD" -v reader_pw="$TIMESCALEDB_READER_PASSWORD" <<'SQL'
CREATE ROLE grafana LOGIN PASSWORD :'grafana_pw';
CREATE DATABASE grafana OWNER grafana;
CREATE ROLE grafana_reader LOGIN PASSWORD :'reader_pw';
GRANT CONNECT ON DATABASE iiotmon TO grafana_reader;
GRANT USAGE ON SCHEMA public TO grafana_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
SQL
