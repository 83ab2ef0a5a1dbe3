#!/usr/bin/env bash
# Installs and starts what `npm run test:system` drives, on Debian (run as root, or through sudo):
#   promtool and prometheus (package prometheus), amtool and the Alertmanager (prometheus-alertmanager),
#   a PostgreSQL server with the role and database the example's PostgreSQL suite uses, and Chromium for the
#   console's browser tests (driven by playwright-core).
# Idempotent: what is installed is not installed again; a running cluster is left running.
set -euo pipefail

need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
echo "== $(promtool --version 2>&1 | sed -n 1p)"

# Start PostgreSQL (the first cluster Debian created) with a role and database for the tests.
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -1)" main
  cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
fi
pg_ctlcluster $cluster start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
SELECT 'CREATE ROLE text2query LOGIN PASSWORD ''text2query''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'text2query')\gexec
SELECT 'CREATE DATABASE text2query_test OWNER text2query' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'text2query_test')\gexec
SELECT 'CREATE ROLE text2query_reader LOGIN PASSWORD ''text2query_reader''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'text2query_reader')\gexec
SQL
# The suite's default URLs (TEXT2QUERY_TEST_DATABASE_URL and TEXT2QUERY_TEST_READER_URL override them): the
# tables' owner, and the role the example's model-written SQL runs as (DATABASE_READER_URL), with no privileges
# of its own (the example grants it SELECT on the shop tables).
echo "== PostgreSQL $(su postgres -c 'psql -tAc "show server_version"') at postgres://text2query:text2query@127.0.0.1:5432/text2query_test (reader text2query_reader)"
