#!/usr/bin/env bash
# The local CDC stack without Docker: PostgreSQL + MariaDB (Debian packages, our own instances) ->
# Debezium connectors in a Kafka Connect worker -> a one-node KRaft Kafka broker, all on 127.0.0.1.
#
#   scripts/stack.sh up                 start what is not running, register connectors, wait for health
#   scripts/stack.sh down               stop everything this checkout's `up` started (and wait)
#   scripts/stack.sh status             one line per component; exit 0 only if all are healthy
#   scripts/stack.sh acquire <holder>   test fixture: `up` + a lease; remembers whether it started the stack
#   scripts/stack.sh release <holder>   drop the lease; the last release stops a stack that acquire started
#   scripts/stack.sh logs [component]   tail the logs (kafka, connect, postgres, mariadb)
#   scripts/stack.sh stop <component>   stop one component gracefully (kafka, connect, mariadb, postgres)
#   scripts/stack.sh kill <component>   SIGKILL one component (kafka, connect, mariadb); `up` restarts it
#
# State, pid files and logs live under .stack/ in the repository (git-ignored; SHORI_STACK_DIR overrides).
# Ports: Kafka 9092 (controller 9093), Connect REST 8083, PostgreSQL 54329, MariaDB 33069.
# Versions: Kafka 4.1.1 jars and Debezium 3.5.0.Final plugins from Maven Central (infra/jvm/pom.xml),
# PostgreSQL and MariaDB from Debian. Every step is idempotent; one flock serialises concurrent calls.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${SHORI_STACK_DIR:-$REPO/.stack}"
INFRA="$REPO/infra"
LOGS="$STACK/logs"
PIDS="$STACK/pids"
LEASES="$STACK/leases"
# The daemons outlive whoever started them (a test run whose own TMPDIR is removed at its end):
# their temp files go under the stack's folder, writable by all as /tmp is (MariaDB's server runs
# as its own user).
export TMPDIR="$STACK/tmp"
mkdir -p "$TMPDIR" 2>/dev/null && chmod 1777 "$TMPDIR" 2>/dev/null || true

KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
CONNECT_PORT=8083
PG_PORT=54329
MARIA_PORT=33069
CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"
CONNECTORS=("$INFRA/connectors/postgres-tickets.json" "$INFRA/connectors/mariadb-tickets.json")
REQUIRED_PLUGINS=(io.debezium.connector.postgresql.PostgresConnector io.debezium.connector.mariadb.MariaDbConnector io.debezium.connector.sqlserver.SqlServerConnector)

# Timeouts (seconds) for each wait; generous because the box has 2 cores and JVMs start slowly.
KAFKA_START_TIMEOUT="${SHORI_STACK_KAFKA_TIMEOUT:-90}"
CONNECT_START_TIMEOUT="${SHORI_STACK_CONNECT_TIMEOUT:-180}"
DB_START_TIMEOUT="${SHORI_STACK_DB_TIMEOUT:-60}"
CONNECTOR_TIMEOUT="${SHORI_STACK_CONNECTOR_TIMEOUT:-180}"
STOP_TIMEOUT=60

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

pg_bin() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" ]] || return 1
  printf '%s\n' "$dir"
}

# ---------------------------------------------------------------- processes and pid files

# A pid file names a live process of ours only if the process's command line still carries the marker
# (guards against a recycled pid after a reboot or a kill -9).
pid_alive() {
  local name="$1" marker="$2" pid
  [[ -f "$PIDS/$name.pid" ]] || return 1
  pid="$(cat "$PIDS/$name.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Who listens on a port (for the "port taken" error); best effort.
port_owner() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\))).*/\1/p' | head -n 1
  fi
}

require_port_free() {
  local port="$1" what="$2"
  if port_open "$port"; then
    die "port $port (for $what) is already in use by another process ($(port_owner "$port")) that this checkout's stack did not start; stop it or run 'scripts/stack.sh down' in the checkout that started it"
  fi
}

# Stop a process we started: TERM, wait, KILL after STOP_TIMEOUT; remove the pid file.
stop_pid() {
  local name="$1" marker="$2" pid i
  if ! pid_alive "$name" "$marker"; then
    rm -f "$PIDS/$name.pid"
    return 0
  fi
  pid="$(cat "$PIDS/$name.pid")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in ${STOP_TIMEOUT}s; killing"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PIDS/$name.pid"
}

# wait_for <timeout> <description> <log file> <command...>: poll until the command succeeds.
wait_for() {
  local timeout="$1" what="$2" logfile="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 2>/dev/null || true
      die "$what did not become ready within ${timeout}s (see $logfile)"
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------- installation

ensure_packages() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  ((${#missing[@]} == 0)) && return 0
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages: ${missing[*]} (install them: apt-get install -y ${missing[*]})"
  log "installing Debian packages: ${missing[*]}"
  # The packages' maintainer scripts may try to start the default clusters; we run our own instances.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$LOGS/apt.log" 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOGS/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >>"$LOGS/apt.log" 2>&1
  } || die "apt-get install ${missing[*]} failed (see $LOGS/apt.log)"
}

# Jars from Maven Central via infra/jvm/pom.xml; re-fetched only when the pom changes.
ensure_jars() {
  local stamp="$STACK/jvm/.fetched" want
  want="$(sha256sum "$INFRA/jvm/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "fetching Kafka and Debezium jars from Maven Central (cached in ~/.m2)"
  rm -rf "$STACK/jvm"
  mkdir -p "$STACK/jvm"
  mvn -B -q -f "$INFRA/jvm/pom.xml" -Dstack.dir="$STACK" \
    dependency:copy-dependencies@kafka-libs dependency:unpack@debezium-plugins >"$LOGS/maven.log" 2>&1 ||
    die "Maven could not fetch the jars (see $LOGS/maven.log)"
  local c
  for c in postgres mariadb sqlserver; do
    compgen -G "$STACK/jvm/plugins/debezium-connector-$c/debezium-connector-$c-*.jar" >/dev/null ||
      die "the Debezium $c plugin was not unpacked into $STACK/jvm/plugins (see $LOGS/maven.log)"
  done
  printf '%s' "$want" >"$stamp"
}

render() { sed "s|@STACK_DIR@|$STACK|g" "$1" >"$2"; }

# ---------------------------------------------------------------- PostgreSQL


pg_healthy() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }

pg_running() {
  [[ -f "$STACK/pg/data/postmaster.pid" ]] || return 1
  local pid
  pid="$(head -n 1 "$STACK/pg/data/postmaster.pid")"
  kill -0 "$pid" 2>/dev/null
}

pg_up() {
  local bin
  bin="$(pg_bin)"
  if [[ ! -f "$STACK/pg/data/PG_VERSION" ]]; then
    log "initialising PostgreSQL data directory"
    rm -rf "$STACK/pg"
    mkdir -p "$STACK/pg/data" "$STACK/pg/run"
    printf 'shori\n' >"$STACK/pg/pwfile"
    chown -R postgres:postgres "$STACK/pg"
    runuser -u postgres -- "$bin/initdb" -D "$STACK/pg/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$STACK/pg/pwfile" >"$LOGS/postgres-initdb.log" 2>&1 ||
      die "initdb failed (see $LOGS/postgres-initdb.log)"
    rm -f "$STACK/pg/pwfile"
    cat >>"$STACK/pg/data/postgresql.conf" <<EOF

# shori local stack
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$STACK/pg/run'
wal_level = logical
max_wal_senders = 8
max_replication_slots = 8
shared_buffers = 128MB
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  fi
  if ! pg_running; then
    require_port_free "$PG_PORT" PostgreSQL
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    touch "$LOGS/postgres.log" && chown postgres:postgres "$LOGS/postgres.log"
    runuser -u postgres -- "$bin/pg_ctl" -D "$STACK/pg/data" -l "$LOGS/postgres.log" -w -t "$DB_START_TIMEOUT" start >/dev/null 9>&- ||
      die "PostgreSQL did not start (see $LOGS/postgres.log)"
  fi
  wait_for "$DB_START_TIMEOUT" PostgreSQL "$LOGS/postgres.log" pg_healthy
  head -n 1 "$STACK/pg/data/postmaster.pid" >"$PIDS/postgres.pid"
  local psql=(runuser -u postgres -- "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$STACK/pg/run" -p "$PG_PORT")
  "${psql[@]}" -d postgres >>"$LOGS/postgres-setup.log" 2>&1 <<'EOF' || die "PostgreSQL role setup failed (see $LOGS/postgres-setup.log)"
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shori') THEN
    CREATE ROLE shori LOGIN REPLICATION PASSWORD 'shori';
  END IF;
END $$;
EOF
  if ! "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ticketsdb'" | grep -q 1; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE ticketsdb OWNER shori" >>"$LOGS/postgres-setup.log" 2>&1 ||
      die "CREATE DATABASE ticketsdb failed (see $LOGS/postgres-setup.log)"
  fi
  # The tables belong to shori so that the connector (logging in as shori) may create its publication
  # and the workload may ALTER them. tickets.sql first, then the others in name order.
  local sql
  for sql in "$INFRA/sql/postgres/tickets.sql" $(ls "$INFRA"/sql/postgres/*.sql | grep -v '/tickets\.sql$' | sort); do
    runuser -u postgres -- "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$STACK/pg/run" -p "$PG_PORT" -U shori -d ticketsdb \
      -f "$sql" >>"$LOGS/postgres-setup.log" 2>&1 ||
      die "infra/sql/postgres/$(basename "$sql") failed (see $LOGS/postgres-setup.log)"
  done
  # A publication of every table, present and future (FOR ALL TABLES needs a superuser): a table
  # created while the connector runs is captured without touching the connector.
  "${psql[@]}" -d ticketsdb >>"$LOGS/postgres-setup.log" 2>&1 <<'EOF' || die "PostgreSQL publication setup failed (see $LOGS/postgres-setup.log)"
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'shori_all') THEN
    CREATE PUBLICATION shori_all FOR ALL TABLES;
  END IF;
END $$;
EOF
}

pg_down() {
  if pg_running; then
    log "stopping PostgreSQL"
    runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$STACK/pg/data" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null ||
      die "PostgreSQL did not stop (see $LOGS/postgres.log)"
  fi
  rm -f "$PIDS/postgres.pid"
}

# ---------------------------------------------------------------- MariaDB

MARIA_MARKER="--datadir=$STACK/mariadb/data"
MARIA_SOCKET="$STACK/mariadb/run/mariadb.sock"

maria_healthy() { mariadb-admin --no-defaults -uroot --socket="$MARIA_SOCKET" ping >/dev/null 2>&1; }

maria_up() {
  if [[ ! -d "$STACK/mariadb/data/mysql" ]]; then
    log "initialising MariaDB data directory"
    rm -rf "$STACK/mariadb"
    mkdir -p "$STACK/mariadb/data" "$STACK/mariadb/run" "$STACK/mariadb/binlog"
    chown -R mysql:mysql "$STACK/mariadb"
    mariadb-install-db --no-defaults --user=mysql --datadir="$STACK/mariadb/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 ||
      die "mariadb-install-db failed (see $LOGS/mariadb-install.log)"
  fi
  if ! pid_alive mariadb "$MARIA_MARKER"; then
    require_port_free "$MARIA_PORT" MariaDB
    log "starting MariaDB on 127.0.0.1:$MARIA_PORT"
    # Row-based binlog with full row images: what Debezium's binlog reader needs.
    setsid mariadbd --no-defaults --user=mysql "$MARIA_MARKER" \
      --bind-address=127.0.0.1 --port="$MARIA_PORT" --socket="$MARIA_SOCKET" \
      --pid-file="$STACK/mariadb/run/mariadb.pid" \
      --server-id=1 --log-bin="$STACK/mariadb/binlog/mariadb-bin" --binlog-format=ROW --binlog-row-image=FULL \
      --expire-logs-days=7 --default-time-zone=+00:00 --innodb-buffer-pool-size=128M \
      --log-error="$LOGS/mariadb.log" </dev/null >>"$LOGS/mariadb.log" 2>&1 9>&- &
    echo $! >"$PIDS/mariadb.pid"
  fi
  wait_for "$DB_START_TIMEOUT" MariaDB "$LOGS/mariadb.log" maria_healthy
  local sql
  for sql in "$INFRA/sql/mariadb/tickets.sql" $(ls "$INFRA"/sql/mariadb/*.sql | grep -v '/tickets\.sql$' | sort); do
    mariadb --no-defaults -uroot --socket="$MARIA_SOCKET" <"$sql" >>"$LOGS/mariadb-setup.log" 2>&1 ||
      die "infra/sql/mariadb/$(basename "$sql") failed (see $LOGS/mariadb-setup.log)"
  done
}

maria_down() { stop_pid mariadb "$MARIA_MARKER"; }

# ---------------------------------------------------------------- Kafka broker

KAFKA_MARKER="$STACK/kafka/server.properties"
JAVA_LOGGING=(-Dlog4j2.configurationFile="$INFRA/stack/log4j2.properties")

kafka_healthy() { port_open "$KAFKA_PORT"; }

kafka_up() {
  mkdir -p "$STACK/kafka"
  render "$INFRA/stack/kafka-server.properties" "$STACK/kafka/server.properties"
  if [[ ! -f "$STACK/kafka/data/meta.properties" ]]; then
    log "formatting Kafka storage (KRaft, standalone controller)"
    local cluster_id
    # The tool logs to stdout too: the id is its last line (22 characters of URL-safe base64).
    cluster_id="$(java -cp "$STACK/jvm/lib/*" "${JAVA_LOGGING[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka-format.log" | tail -n 1)"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "kafka.tools.StorageTool random-uuid printed no cluster id (got '$cluster_id')"
    java -cp "$STACK/jvm/lib/*" "${JAVA_LOGGING[@]}" kafka.tools.StorageTool format --standalone \
      -t "$cluster_id" -c "$STACK/kafka/server.properties" >>"$LOGS/kafka-format.log" 2>&1 ||
      die "Kafka storage format failed (see $LOGS/kafka-format.log)"
  fi
  if ! pid_alive kafka "$KAFKA_MARKER"; then
    require_port_free "$KAFKA_PORT" "Kafka broker"
    require_port_free "$KAFKA_CONTROLLER_PORT" "Kafka controller"
    log "starting Kafka broker on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
    setsid java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true "${JAVA_LOGGING[@]}" \
      -cp "$STACK/jvm/lib/*" kafka.Kafka "$KAFKA_MARKER" </dev/null >>"$LOGS/kafka.log" 2>&1 9>&- &
    echo $! >"$PIDS/kafka.pid"
  fi
  wait_for "$KAFKA_START_TIMEOUT" "Kafka broker on port $KAFKA_PORT" "$LOGS/kafka.log" kafka_up_check
}

kafka_up_check() {
  pid_alive kafka "$KAFKA_MARKER" || die "Kafka exited during start-up; last lines of $LOGS/kafka.log:
$(tail -n 30 "$LOGS/kafka.log")"
  kafka_healthy
}

kafka_down() { stop_pid kafka "$KAFKA_MARKER"; }

# ---------------------------------------------------------------- Kafka Connect

CONNECT_MARKER="$STACK/connect/connect-distributed.properties"

connect_plugins_loaded() {
  local plugins
  plugins="$(curl -fsS --max-time 5 "$CONNECT_URL/connector-plugins" 2>/dev/null)" || return 1
  local p
  for p in "${REQUIRED_PLUGINS[@]}"; do
    grep -qF "\"$p\"" <<<"$plugins" || return 1
  done
}

connect_up_check() {
  pid_alive connect "$CONNECT_MARKER" || die "Kafka Connect exited during start-up; last lines of $LOGS/connect.log:
$(tail -n 30 "$LOGS/connect.log")"
  connect_plugins_loaded
}

connect_up() {
  mkdir -p "$STACK/connect"
  render "$INFRA/stack/connect-distributed.properties" "$STACK/connect/connect-distributed.properties"
  if ! pid_alive connect "$CONNECT_MARKER"; then
    require_port_free "$CONNECT_PORT" "Kafka Connect REST"
    log "starting Kafka Connect (distributed) with REST on 127.0.0.1:$CONNECT_PORT"
    setsid java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true "${JAVA_LOGGING[@]}" \
      -cp "$STACK/jvm/lib/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONNECT_MARKER" \
      </dev/null >>"$LOGS/connect.log" 2>&1 9>&- &
    echo $! >"$PIDS/connect.pid"
  fi
  wait_for "$CONNECT_START_TIMEOUT" "Kafka Connect REST with the Debezium plugins" "$LOGS/connect.log" connect_up_check
}

connect_down() { stop_pid connect "$CONNECT_MARKER"; }

# ---------------------------------------------------------------- connectors

# Prints name<TAB>config-json for a {"name","config"} file.
connector_parts() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"]); print(json.dumps(d["config"], sort_keys=True))' "$1"
}

connector_name() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$1"
}

connector_state() {
  curl -fsS --max-time 5 "$CONNECT_URL/connectors/$1/status" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
tasks = s.get("tasks", [])
states = [s["connector"]["state"]] + [t["state"] for t in tasks]
if not tasks: states.append("NO_TASKS")
print(",".join(states))
for t in tasks:
    if t.get("trace"): print(t["trace"].splitlines()[0], file=sys.stderr)
' 2>>"$LOGS/connectors.log"
}

connector_running() {
  local state
  state="$(connector_state "$1")" || return 1
  if [[ "$state" == *FAILED* ]]; then
    die "connector $1 FAILED: $(curl -fsS "$CONNECT_URL/connectors/$1/status" | head -c 3000)"
  fi
  [[ "$state" =~ ^RUNNING(,RUNNING)+$ ]]
}

connectors_up() {
  local file name config current
  for file in "${CONNECTORS[@]}"; do
    { read -r name; read -r config; } < <(connector_parts "$file")
    current="$(curl -fsS --max-time 10 "$CONNECT_URL/connectors/$name/config" 2>/dev/null |
      python3 -c 'import json,sys; print(json.dumps({k:v for k,v in json.load(sys.stdin).items() if k != "name"}, sort_keys=True))' 2>/dev/null || true)"
    if [[ "$current" != "$config" ]]; then
      log "registering connector $name"
      curl -fsS --max-time 60 -X PUT -H 'Content-Type: application/json' --data "$config" \
        "$CONNECT_URL/connectors/$name/config" >>"$LOGS/connectors.log" 2>&1 ||
        die "registering $name failed: $(curl -sS -X PUT -H 'Content-Type: application/json' --data "$config" "$CONNECT_URL/connectors/$name/config" 2>&1 | head -c 2000)"
      echo >>"$LOGS/connectors.log"
    fi
  done
  for file in "${CONNECTORS[@]}"; do
    name="$(connector_name "$file")"
    wait_for "$CONNECTOR_TIMEOUT" "connector $name to be RUNNING" "$LOGS/connect.log" connector_running "$name"
  done
}

# ---------------------------------------------------------------- commands

ensure_dirs() { mkdir -p "$STACK" "$LOGS" "$PIDS" "$LEASES"; }

with_lock() {
  ensure_dirs
  exec 9>"$STACK/stack.lock"
  flock -w 900 9 || die "another stack.sh holds $STACK/stack.lock for more than 15 minutes"
}

cmd_up() {
  ensure_packages
  ensure_jars
  pg_up
  maria_up
  kafka_up
  connect_up
  connectors_up
  log "stack is up: Kafka 127.0.0.1:$KAFKA_PORT, Connect $CONNECT_URL, PostgreSQL 127.0.0.1:$PG_PORT, MariaDB 127.0.0.1:$MARIA_PORT"
}

cmd_down() {
  # Connect first so connectors stop cleanly against a live broker and live databases.
  connect_down
  kafka_down
  maria_down
  if [[ -n "$(pg_bin 2>/dev/null)" ]]; then pg_down; fi
  log "stack is down"
}

# Exit 0 only if every component is healthy; one line per component either way.
cmd_status() {
  local ok=0 name file
  line() { printf '%-10s %-8s %s\n' "$1" "$2" "$3"; }
  if pg_running && pg_healthy; then line postgres up "127.0.0.1:$PG_PORT"; else line postgres down ""; ok=1; fi
  if pid_alive mariadb "$MARIA_MARKER" && maria_healthy; then line mariadb up "127.0.0.1:$MARIA_PORT"; else line mariadb down ""; ok=1; fi
  if pid_alive kafka "$KAFKA_MARKER" && kafka_healthy; then line kafka up "127.0.0.1:$KAFKA_PORT"; else line kafka down ""; ok=1; fi
  if pid_alive connect "$CONNECT_MARKER" && connect_plugins_loaded; then line connect up "$CONNECT_URL"; else line connect down ""; ok=1; fi
  for file in "${CONNECTORS[@]}"; do
    name="$(connector_name "$file")"
    local state
    state="$(connector_state "$name" 2>/dev/null || echo absent)"
    if [[ "$state" =~ ^RUNNING(,RUNNING)+$ ]]; then line "$name" up "$state"; else line "$name" down "$state"; ok=1; fi
  done
  return $ok
}

# Leases let parallel test files share one stack: the first acquire starts it (if it was not already
# running) and the last release stops it again, so tests leave the machine as they found it.
live_leases() {
  local f pid n=0
  for f in "$LEASES"/*; do
    [[ -e "$f" ]] || continue
    pid="$(cat "$f" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then n=$((n + 1)); else rm -f "$f"; fi
  done
  echo "$n"
}

cmd_acquire() {
  local holder="$1" pid="${2:-$PPID}"
  [[ "$holder" =~ ^[A-Za-z0-9._-]+$ ]] || die "lease holder must be letters, digits, . _ -"
  if [[ "$(live_leases)" == 0 ]]; then
    if cmd_status >/dev/null 2>&1; then
      rm -f "$STACK/started-by-lease"
    else
      touch "$STACK/started-by-lease"
    fi
  fi
  echo "$pid" >"$LEASES/$holder"
  cmd_up
}

cmd_release() {
  local holder="$1"
  rm -f "$LEASES/$holder"
  if [[ "$(live_leases)" == 0 && -f "$STACK/started-by-lease" ]]; then
    rm -f "$STACK/started-by-lease"
    cmd_down
  fi
}

# Fault injection for tests and drills: stop one component gracefully, or SIGKILL it; `up` brings
# back whatever is missing (connectors resume from their stored offsets).
component_marker() {
  case "$1" in
    kafka) echo "$KAFKA_MARKER" ;;
    connect) echo "$CONNECT_MARKER" ;;
    mariadb) echo "$MARIA_MARKER" ;;
    *) die "component must be kafka, connect or mariadb (got '$1')" ;;
  esac
}

cmd_stop() {
  case "$1" in
    kafka) kafka_down ;;
    connect) connect_down ;;
    mariadb) maria_down ;;
    postgres) pg_down ;;
    *) die "usage: stack.sh stop kafka|connect|mariadb|postgres" ;;
  esac
}

cmd_kill() {
  local name="$1" marker pid
  marker="$(component_marker "$name")"
  pid_alive "$name" "$marker" || { log "$name is not running"; return 0; }
  pid="$(cat "$PIDS/$name.pid")"
  log "killing $name (pid $pid) with SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  rm -f "$PIDS/$name.pid"
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    up) with_lock; cmd_up ;;
    down) with_lock; cmd_down ;;
    status) ensure_dirs; cmd_status ;;
    acquire) [[ $# -ge 1 ]] || die "usage: stack.sh acquire <holder> [pid]"; with_lock; cmd_acquire "$@" ;;
    release) [[ $# -ge 1 ]] || die "usage: stack.sh release <holder>"; with_lock; cmd_release "$1" ;;
    logs) ensure_dirs; tail -n 100 -F "$LOGS/${1:-connect}.log" ;;
    stop) [[ $# -ge 1 ]] || die "usage: stack.sh stop <component>"; with_lock; cmd_stop "$1" ;;
    kill) [[ $# -ge 1 ]] || die "usage: stack.sh kill <component>"; with_lock; cmd_kill "$1" ;;
    *) die "usage: scripts/stack.sh up|down|status|acquire <holder> [pid]|release <holder>|logs [component]|stop <component>|kill <component>" ;;
  esac
}

main "$@"
