#!/bin/sh
# First-start initialisation of the shared PostgreSQL (postgres image,
# /docker-entrypoint-initdb.d). It runs only when the data volume is empty.
#
# One login role per tenant, each owning its own databases, so Temporal and CivicOps never
# share credentials:
#   temporal -> temporal, temporal_visibility   (schemas: deploy/temporal/setup-schema.sh)
#   civicops -> civicops                        (schema: `civicops bootstrap` migrations)
# The passwords come from TEMPORAL_DB_PASSWORD and CIVICOPS_DB_PASSWORD; change them later
# with ALTER ROLE, since this script does not run again.
#
# No `set -u`: the entrypoint sources this file when it is not executable.
set -e

: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"
: "${CIVICOPS_DB_PASSWORD:?CIVICOPS_DB_PASSWORD is required}"

psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set temporal_password="$TEMPORAL_DB_PASSWORD" \
  --set civicops_password="$CIVICOPS_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

CREATE ROLE civicops LOGIN PASSWORD :'civicops_password';
CREATE DATABASE civicops OWNER civicops;

-- Temporal's visibility schema uses btree_gin; installing it here means the temporal role
-- needs no extension rights.
\connect temporal_visibility
CREATE EXTENSION IF NOT EXISTS btree_gin;
SQL
