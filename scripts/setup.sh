#!/usr/bin/env bash
# After `docker compose up -d` (docker-compose.yml): wait for the SQL Servers (and their Agents), Redpanda
# and Kafka Connect to be healthy; create TicketsDb and dbo.Tickets and enable CDC on both SQL Servers
# (infra/sql/sqlserver/*.sql); register the two Debezium connectors (infra/connectors/sqlserver-*.json,
# topic prefixes shorisql_1 / shorisql_2, every dbo table: Tickets, Customers, Agents) and wait until they are RUNNING.
# Idempotent: run it again at any time. Needs SQLSERVER_SA_PASSWORD (environment or ./.env), docker
# compose v2, curl and python3 on the host.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
CONNECT_URL="${CONNECT_URL:-http://localhost:8083}"
TIMEOUT="${SETUP_TIMEOUT_SEC:-300}"
SQLCMD=/opt/mssql-tools18/bin/sqlcmd

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -z "${SQLSERVER_SA_PASSWORD:-}" && -f .env ]]; then
  SQLSERVER_SA_PASSWORD="$(sed -n 's/^SQLSERVER_SA_PASSWORD=//p' .env | tail -n 1 | sed "s/^['\"]//; s/['\"]\$//")"
fi
[[ -n "${SQLSERVER_SA_PASSWORD:-}" ]] || die "SQLSERVER_SA_PASSWORD is not set (export it or put it in .env); it must be the one docker compose started SQL Server with"
export SQLSERVER_SA_PASSWORD
command -v docker >/dev/null || die "docker is not installed"
docker compose version >/dev/null 2>&1 || die "docker compose v2 is required"
for tool in curl python3; do command -v "$tool" >/dev/null || die "$tool is required on the host"; done

# wait_for <what> <command...>
wait_for() {
  local what="$1"
  shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what was not ready after ${TIMEOUT}s (docker compose logs <service> tells why)"
    sleep 2
  done
  log "$what is ready"
}

# sqlcmd inside the container; the password comes from the container's own MSSQL_SA_PASSWORD, never argv.
sql() {
  local service="$1"
  shift
  docker compose exec -T "$service" sh -c 'SQLCMDPASSWORD="$MSSQL_SA_PASSWORD" exec "$0" -S localhost -U sa -C -b "$@"' "$SQLCMD" "$@"
}

agent_running() {
  # The query the Debezium connector itself runs (status 4 = running).
  sql "$1" -h -1 -W -Q "SET NOCOUNT ON; SELECT CASE WHEN [status] = 4 THEN 1 ELSE 0 END FROM sys.dm_server_services WHERE servicename LIKE N'SQL Server Agent (%'" | tr -d '\r' | grep -qx 1
}

setup_sqlserver() {
  local service="$1" flags
  wait_for "$service" sql "$service" -Q "SELECT 1"
  wait_for "$service SQL Server Agent" agent_running "$service"
  log "$service: creating TicketsDb and dbo.Tickets"
  sql "$service" -i /shori-sql/01-tickets.sql >/dev/null
  log "$service: enabling CDC on TicketsDb and dbo.Tickets"
  sql "$service" -i /shori-sql/02-enable-cdc.sql >/dev/null
  log "$service: creating dbo.Customers and dbo.Agents with CDC on"
  sql "$service" -i /shori-sql/03-customers-agents.sql >/dev/null
  flags="$(sql "$service" -h -1 -W -Q "SET NOCOUNT ON;
    SELECT CAST(is_cdc_enabled AS int) FROM sys.databases WHERE name = N'TicketsDb';
    SELECT CAST(is_tracked_by_cdc AS int) FROM TicketsDb.sys.tables WHERE name IN (N'Tickets', N'Customers', N'Agents') AND schema_id = 1;" | tr -d '\r' | tr '\n' ' ')"
  [[ "$flags" =~ ^1\ 1\ 1\ 1\ ?$ ]] || die "$service: CDC is not enabled on TicketsDb and dbo.Tickets, dbo.Customers, dbo.Agents (is_cdc_enabled, is_tracked_by_cdc = $flags)"
}

connector_plugin_loaded() { curl -fsS "$CONNECT_URL/connector-plugins" | grep -q io.debezium.connector.sqlserver.SqlServerConnector; }

connector_running() {
  curl -fsS "$CONNECT_URL/connectors/$1/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
states = [s["connector"]["state"]] + [t["state"] for t in s.get("tasks", [])]
if "FAILED" in states:
    print(json.dumps(s, indent=2)[:3000], file=sys.stderr)
    sys.exit(2)
sys.exit(0 if len(states) > 1 and all(x == "RUNNING" for x in states) else 1)'
}

register() {
  local file="$1" name config
  name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$file")"
  config="$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["config"]))' "$file")"
  log "registering $name from ${file#"$REPO"/}"
  # PUT .../config creates or updates, so a second run is harmless.
  curl -fsS -X PUT -H 'Content-Type: application/json' --data "$config" "$CONNECT_URL/connectors/$name/config" >/dev/null ||
    die "Kafka Connect refused $name: $(curl -sS -X PUT -H 'Content-Type: application/json' --data "$config" "$CONNECT_URL/connectors/$name/config")"
  local deadline=$((SECONDS + TIMEOUT)) rc
  while :; do
    rc=0
    connector_running "$name" || rc=$?
    ((rc == 0)) && break
    ((rc == 2)) && die "connector $name FAILED (status above; docker compose logs connect-1 connect-2)"
    ((SECONDS < deadline)) || die "connector $name not RUNNING after ${TIMEOUT}s"
    sleep 2
  done
  log "$name is RUNNING"
}

setup_sqlserver sqlserver-1
setup_sqlserver sqlserver-2
wait_for "Kafka Connect at $CONNECT_URL with the Debezium SQL Server plugin" connector_plugin_loaded
register "$REPO/infra/connectors/sqlserver-1-tickets.json"
register "$REPO/infra/connectors/sqlserver-2-tickets.json"
log "done: topics shorisql_1.TicketsDb.dbo.Tickets and shorisql_2.TicketsDb.dbo.Tickets on Redpanda (host: localhost:19092); Console http://localhost:8080"
