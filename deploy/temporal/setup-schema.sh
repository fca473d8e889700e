#!/bin/sh
# Create or upgrade Temporal's PostgreSQL schemas with temporal-sql-tool. Runs in the
# temporalio/admin-tools image (service temporal-schema in docker-compose.yml) before the
# server starts, on every `docker compose up`.
#
# Idempotent: `setup-schema -v 0.0` only creates the version table on an empty database and
# leaves an initialised one alone; `update-schema` applies only the versions newer than the one
# recorded. Bumping the admin-tools and server tags together therefore upgrades the schema.
#
# The databases and the btree_gin extension are created by deploy/postgres/initdb, so the
# temporal role needs no CREATEDB or superuser rights. The password comes from SQL_PASSWORD
# (read by temporal-sql-tool), so it never appears in the process list.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the PostgreSQL host) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
: "${DB_PORT:=5432}"
: "${DBNAME:=temporal}"
: "${VISIBILITY_DBNAME:=temporal_visibility}"

schema_root=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for pair in "$DBNAME:temporal" "$VISIBILITY_DBNAME:visibility"; do
  database=${pair%%:*}
  schema=${pair##*:}
  echo "Temporal schema: $database ($schema)"
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$schema_root/$schema/versioned"
done

echo "Temporal schemas are up to date"
