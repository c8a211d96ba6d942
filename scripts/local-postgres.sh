#!/usr/bin/env bash
# Start the local PostgreSQL server the replicated-store tests and the benchmark use, if it is not
# running: Debian's `postgresql` package, cluster `main`, listening on 127.0.0.1:5432 with trust
# authentication for local connections (user `postgres`). Idempotent; waits (at most 30 s) until
# the server accepts connections, then prints the URL tests use (override with DRS_TEST_PG_URL).
#
#   scripts/local-postgres.sh
#
# Not for production: there, run PostgreSQL as your platform does, with passwords or certificates,
# and give `drs serve --postgres postgres://user:pass@host/db` (docs/serve.md, "Operating drs serve").
set -euo pipefail
host=127.0.0.1
port=5432
if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
  echo "postgres: already running on $host:$port"
else
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "postgres: pg_ctlcluster not found; install Debian's postgresql package (apt-get install postgresql)" >&2
    exit 1
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  echo "postgres: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" && break
    sleep 1
  done
  pg_isready -h "$host" -p "$port"
fi
echo "postgres: tests use ${DRS_TEST_PG_URL:-postgres://postgres@$host:$port/postgres} (each test file creates and drops its own database)"
