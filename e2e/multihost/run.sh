#!/usr/bin/env bash
# Several app servers, a streaming replica and a transaction-mode pooler, for real, on
# loopback: the proof that django-shopcore is correct on them (docs/deployment.md).
#
#   e2e/multihost/run.sh                    # everything (make multihost)
#   MULTIHOST_E2E=0 e2e/multihost/run.sh    # without newman and schemathesis
#   e2e/multihost/run.sh -k throttled       # options for pytest
#
# Runs as root (pg_createcluster, runuser, apt-get). It
#   1. installs what is missing (pgbouncer, redis-tools) with apt-get;
#   2. builds a streaming replica of the main cluster as the cluster "replica" on
#      port 5433 (pg_basebackup), or reuses it when it streams again;
#   3. starts pgbouncer (pool_mode = transaction) on 127.0.0.1:6432 in front of the
#      primary, from a config generated in a temporary directory;
#   4. recreates the database shopcore_multihost on the primary, serves the example
#      project twice (hosts A and B, ports 8180 and 8181) through pgbouncer, with the
#      replica and one shared Redis (db 9), and runs e2e/multihost/test_multihost.py;
#   5. runs newman and schemathesis against a server whose DATABASE_URL goes through
#      pgbouncer.
# A missing or broken component fails the run: nothing is skipped. On exit, always,
# gunicorn and pgbouncer are stopped and so is the replica, and its replication slot
# is dropped: the primary keeps no WAL for it. The next run starts it again and
# reuses it if the primary still has the WAL it needs (rarely, on a busy primary),
# else rebuilds it. `pg_dropcluster --stop <version> replica` removes it for good.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
PG_ETC=/etc/postgresql
PRIMARY_PORT=5432
REPLICA_PORT=5433
PGBOUNCER_PORT=6432
DATABASE=shopcore_multihost
REDIS_DB=9
# The replica's physical replication slot on the primary: it keeps the WAL the
# replica has not received yet (a busy primary recycles WAL within seconds). It
# only exists during a run: dropped on exit, so the primary keeps no WAL for it.
SLOT=shopcore_multihost_replica
RUN_E2E=${MULTIHOST_E2E:-1}

log() { printf '\n=== %s\n' "$*"; }
fail() { echo "error: $*" >&2; exit 1; }
seconds_since() { echo $((SECONDS - $1)); }
timings=()
timed() {  # timed <label> <command...>: run it and remember how long it took
    local label=$1 start=$SECONDS
    shift
    "$@"
    timings+=("$label: $(seconds_since "$start") s")
}

[ "$(id -u)" -eq 0 ] || fail "run as root: it creates a PostgreSQL cluster and starts pgbouncer as postgres"

# --- 1. tools -------------------------------------------------------------------------

install_missing() {
    local packages=()
    command -v pgbouncer >/dev/null || packages+=(pgbouncer)
    command -v redis-cli >/dev/null || packages+=(redis-tools)
    command -v pg_createcluster >/dev/null || packages+=(postgresql-common)
    [ ${#packages[@]} -eq 0 ] && return 0
    log "Installing ${packages[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}"
    if [[ " ${packages[*]} " == *" pgbouncer "* ]]; then
        # The package may start its own pgbouncer on 6432; this run starts its own.
        service pgbouncer stop >/dev/null 2>&1 || true
    fi
}

# --- 2. the primary and its streaming replica -------------------------------------------

pg_version() { ls "$PG_ETC" 2>/dev/null | sort -V | tail -n 1; }

psql_at() {  # psql_at <port> <database> <sql>
    psql -h 127.0.0.1 -p "$1" -U postgres -d "$2" -XAtqc "$3"
}

check_primary() {
    pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT" || fail "PostgreSQL is not running on 127.0.0.1:$PRIMARY_PORT"
    [ "$(psql_at "$PRIMARY_PORT" postgres 'SHOW wal_level')" != minimal ] ||
        fail "wal_level is minimal on the primary: no streaming replication possible"
    local hba="$PG_ETC/$VERSION/main/pg_hba.conf"
    if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
        log "Letting loopback replication connections in ($hba), reloading the primary"
        # First, so that no other replication line matches before it.
        sed -i '1i host replication all 127.0.0.1/32 trust' "$hba"
        psql_at "$PRIMARY_PORT" postgres 'SELECT pg_reload_conf()' >/dev/null
    fi
}

replica_streams() {
    [ "$(psql_at "$REPLICA_PORT" postgres "SELECT pg_is_in_recovery() AND EXISTS (
        SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null)" = t ]
}

wait_for_streaming() {  # wait_for_streaming <seconds>
    local deadline=$((SECONDS + $1))
    while [ $SECONDS -lt "$deadline" ]; do
        replica_streams && return 0
        sleep 1
    done
    return 1
}

replica_exists() { [ -d "$PG_ETC/$VERSION/replica" ]; }

slot_exists() {
    [ "$(psql_at "$PRIMARY_PORT" postgres "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = 1 ]
}

create_slot() {
    slot_exists || psql_at "$PRIMARY_PORT" postgres \
        "SELECT pg_create_physical_replication_slot('$SLOT', true)" >/dev/null
}

drop_slot() {
    slot_exists && psql_at "$PRIMARY_PORT" postgres "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
    return 0
}

build_replica() {
    log "Building the replica: pg_basebackup of the primary into the cluster $VERSION/replica"
    if replica_exists; then
        pg_dropcluster --stop "$VERSION" replica
    fi
    drop_slot
    pg_createcluster "$VERSION" replica -p "$REPLICA_PORT" >/dev/null
    # Trusted loopback connections, as on the primary of this test machine.
    printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' \
        'host all all ::1/128 trust' >"$PG_ETC/$VERSION/replica/pg_hba.conf"
    local datadir
    datadir=$(sed -n "s/^data_directory *= *'\(.*\)'.*/\1/p" "$PG_ETC/$VERSION/replica/postgresql.conf")
    rm -rf "$datadir"
    install -d -o postgres -g postgres -m 700 "$datadir"
    # -R: standby.signal, primary_conninfo and primary_slot_name; -X stream: the WAL
    # of the copy too; -C -S: the slot, created with the backup so no WAL is lost.
    runuser -u postgres -- "/usr/lib/postgresql/$VERSION/bin/pg_basebackup" \
        -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$datadir" -R -X stream -C -S "$SLOT"
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" replica start
    wait_for_streaming 60 || fail "the new replica does not stream from the primary"
}

ensure_replica() {
    if replica_exists; then
        # From now on the primary keeps the WAL; whether it still has what the
        # replica missed since the last run decides below.
        create_slot
        pg_ctlcluster --skip-systemctl-redirect "$VERSION" replica start 2>/dev/null || true
        # Replay paused by an interrupted run would look like a lagging replica.
        psql_at "$REPLICA_PORT" postgres 'SELECT pg_wal_replay_resume()' >/dev/null 2>&1 || true
        if wait_for_streaming 20; then
            log "Reusing the replica on port $REPLICA_PORT: it streams from the primary"
            return 0
        fi
        log "The replica does not stream (WAL gone, or broken): rebuilding it"
    fi
    build_replica
}

stop_replica() {
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" replica stop -m fast >/dev/null 2>&1 || true
    drop_slot
}

# --- 3. pgbouncer ----------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_pgbouncer() {
    port_in_use "$PGBOUNCER_PORT" && fail "something already listens on 127.0.0.1:$PGBOUNCER_PORT"
    echo '"postgres" ""' >"$WORKDIR/userlist.txt"
    cat >"$WORKDIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PRIMARY_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $WORKDIR
auth_type = trust
auth_file = $WORKDIR/userlist.txt
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
logfile = $WORKDIR/pgbouncer.log
pidfile = $WORKDIR/pgbouncer.pid
admin_users = postgres
INI
    chown -R postgres:postgres "$WORKDIR"
    # pgbouncer refuses to run as root.
    runuser -u postgres -- pgbouncer -d "$WORKDIR/pgbouncer.ini"
    for _ in $(seq 1 50); do
        psql_at "$PGBOUNCER_PORT" postgres 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$WORKDIR/pgbouncer.log" >&2 || true
    fail "pgbouncer does not answer on 127.0.0.1:$PGBOUNCER_PORT"
}

stop_pgbouncer() {
    local pidfile="$WORKDIR/pgbouncer.pid"
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

# --- 4. Redis --------------------------------------------------------------------------

check_redis() {
    [ "$(redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" ping 2>&1)" = PONG ] ||
        fail "Redis does not answer on 127.0.0.1:6379"
    # No throttle counters or cached responses from an earlier run.
    redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" flushdb >/dev/null
}

cleanup() {
    local status=$?
    set +e
    stop_pgbouncer
    if [ "$status" -ne 0 ] && [ -f "$WORKDIR/pgbouncer.log" ]; then
        echo "--- pgbouncer log (last 50 lines) ---" >&2
        tail -n 50 "$WORKDIR/pgbouncer.log" >&2
    fi
    [ -n "${VERSION:-}" ] && stop_replica
    rm -rf "$WORKDIR"
    timings+=("total: $(seconds_since "$run_start") s")
    log "timings"
    printf '  %s\n' "${timings[@]}"
    [ "$status" -eq 0 ] && log "multihost: PASSED" || log "multihost: FAILED (exit status $status)"
    exit "$status"
}

run_start=$SECONDS
WORKDIR=$(mktemp -d /tmp/shopcore-multihost-XXXXXX)
trap cleanup EXIT

timed "tools" install_missing
VERSION=$(pg_version)
[ -n "$VERSION" ] || fail "no PostgreSQL cluster in $PG_ETC"
check_primary
timed "replica (build or reuse)" ensure_replica
timed "pgbouncer" start_pgbouncer
check_redis

export MULTIHOST_DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DATABASE"
export MULTIHOST_SERVE_DATABASE_URL="postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/$DATABASE"
export MULTIHOST_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/$DATABASE"
export MULTIHOST_CACHE_URL="redis://127.0.0.1:6379/$REDIS_DB"
export MULTIHOST_PG_VERSION="$VERSION"

log "Two hosts through pgbouncer, with the replica and a shared Redis"
timed "two hosts: routing, failover, sharing" \
    "$PYTHON" -m e2e.multihost.hosts -- \
    "$PYTHON" -m pytest e2e/multihost/test_multihost.py -p no:cacheprovider -v -s --durations=0 "$@"

if [ "$RUN_E2E" != 0 ]; then
    # The database is recreated directly on the primary; the server goes through pgbouncer.
    export E2E_DATABASE_URL="$MULTIHOST_DATABASE_URL"
    export E2E_SERVE_DATABASE_URL="$MULTIHOST_SERVE_DATABASE_URL"
    export DISABLE_SERVER_SIDE_CURSORS=true
    export E2E_PORT=8182
    log "newman through pgbouncer"
    timed "newman through pgbouncer" env PYTHON="$PYTHON" e2e/run_newman.sh
    log "schemathesis through pgbouncer"
    timed "schemathesis through pgbouncer" env PYTHON="$PYTHON" e2e/run_schemathesis.sh
fi
