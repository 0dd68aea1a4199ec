#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite, or stop it again.
#
#   .ci/start-postgres.sh          start; the last line on stdout is the SQLAlchemy URL
#   .ci/start-postgres.sh stop     stop the server started on the same port, delete its data
#
# Port: $PGPORT_MESA (default 5432). Listens on 127.0.0.1 only; user postgres, password
# postgres, database mesa_test. Data and socket live in a fresh `mktemp -d` folder, recorded in
# /tmp/mesa-postgres-$PORT.dir so that `stop` (and a second `start`) can find it.
# Must run as root: the server runs as the `postgres` user of Debian's postgresql package.
set -euo pipefail

PORT="${PGPORT_MESA:-5432}"
STATE_FILE="/tmp/mesa-postgres-${PORT}.dir"

log() { echo "start-postgres: $*" >&2; }

pg_bin() {
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        log "no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        exit 1
    fi
    echo "$bin"
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

stop_server() {
    [ -f "$STATE_FILE" ] || return 0
    local root
    root="$(cat "$STATE_FILE")"
    if [ -d "$root/data" ]; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$root/data" -m fast -w stop >&2 || true
    fi
    rm -rf -- "$root"
    rm -f -- "$STATE_FILE"
    log "stopped the server on port $PORT"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_server() {
    local bin root
    bin="$(pg_bin)"
    stop_server  # a leftover from an earlier run on this port
    if port_in_use "$PORT"; then
        log "port $PORT on 127.0.0.1 is already taken; set PGPORT_MESA to a free port"
        exit 1
    fi

    root="$(mktemp -d /tmp/mesa-postgres.XXXXXX)"
    echo "$root" >"$STATE_FILE"
    mkdir -p "$root/sock"
    echo postgres >"$root/pwfile"
    chown -R postgres:postgres "$root"
    chmod 700 "$root"

    # Password auth over TCP (as the app connects), trust on the private socket (for createdb).
    as_postgres "$bin/initdb" -D "$root/data" -U postgres --pwfile="$root/pwfile" \
        --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >&2
    if ! as_postgres "$bin/pg_ctl" -D "$root/data" -l "$root/postgres.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $root/sock -c fsync=off" >&2; then
        cat "$root/postgres.log" >&2 || true
        exit 1
    fi
    as_postgres "$bin/createdb" -h "$root/sock" -p "$PORT" -U postgres mesa_test
    log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT," \
        "data in $root/data; stop with: PGPORT_MESA=$PORT $0 stop"
    echo "postgresql+psycopg://postgres:postgres@127.0.0.1:${PORT}/mesa_test"
}

case "${1:-start}" in
    start) start_server ;;
    stop) stop_server ;;
    *)
        log "usage: $0 [start|stop]"
        exit 2
        ;;
esac
