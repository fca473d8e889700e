#!/usr/bin/env bash
# Make sure the PostgreSQL the tests use answers. The tests use CIVICOPS_TEST_PG
# (default postgres://postgres@127.0.0.1:5432/postgres); when that is this machine and its
# cluster is installed but stopped, start it with pg_ctlcluster.
set -euo pipefail
dsn=${CIVICOPS_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}
hostport=${dsn#*://}          # user@host:port/db
hostport=${hostport#*@}       # host:port/db
hostport=${hostport%%/*}      # host:port
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=5432

ready() { command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port"; }
ready && exit 0
case "$host" in
  127.0.0.1|localhost|::1)
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
      version=$(ls /etc/postgresql | sort -V | tail -n 1)
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
    fi ;;
esac
echo "PostgreSQL is not reachable at $host:$port; the tests need it (see README)." >&2
exit 1
