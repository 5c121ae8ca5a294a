#!/usr/bin/env bash
# Starts Debian's PostgreSQL on 127.0.0.1:5432 if it is not running, and makes
# the role and database the tests use. Idempotent.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15
fi
if ! pg_lsclusters -h | grep -q '^15 *main'; then
  pg_createcluster 15 main
fi
if ! pg_lsclusters -h | awk '$1=="15" && $2=="main"' | grep -q online; then
  pg_ctlcluster 15 main start
fi
psql_as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
for _ in $(seq 30); do
  psql_as_postgres "-c 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
if [ "$(psql_as_postgres "-c \"select 1 from pg_roles where rolname='cheeseshop'\"")" != 1 ]; then
  psql_as_postgres "-c \"create role cheeseshop login superuser password 'cheeseshop'\""
fi
if [ "$(psql_as_postgres "-c \"select 1 from pg_database where datname='cheeseshop_test'\"")" != 1 ]; then
  psql_as_postgres "-c 'create database cheeseshop_test owner cheeseshop'"
fi
echo "PostgreSQL ready: postgresql+psycopg://cheeseshop:cheeseshop@127.0.0.1:5432/cheeseshop_test"
