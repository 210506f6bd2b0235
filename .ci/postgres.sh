#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL 15 + PostGIS cluster owned by the postgres user, on a free port.
#   eval "$(bash .ci/postgres.sh start)"   → exports PARKGOV_TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop              → stops the cluster and removes its folder
# A start that fails midway stops what it started and removes the folder before it exits.
set -euo pipefail
BIN=${PARKGOV_PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=${PARKGOV_PG_DIR:-/tmp/parkgov-pg}

stop() {
  if [ -f "$DIR/data/postmaster.pid" ]; then su postgres -c "$BIN/pg_ctl -D $DIR/data -m fast stop" >&2 || true; fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start)
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    stop
    trap 'status=$?; if [ $status -ne 0 ]; then echo "PostgreSQL start failed; see above" >&2; stop; fi' EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$DIR"; chown postgres: "$DIR"
    su postgres -c "$BIN/initdb -D $DIR/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    su postgres -c "$BIN/pg_ctl -D $DIR/data -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' -l $DIR/server.log -w start" >&2
    su postgres -c "psql -h 127.0.0.1 -p $PORT -U postgres -c 'CREATE EXTENSION IF NOT EXISTS postgis' template1" >&2
    echo "export PARKGOV_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT/parkgov"
    ;;
  stop)
    stop
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
