#!/usr/bin/env bash
# Make sure a local PostgreSQL cluster for the tests is running; print its SQLAlchemy URL.
# On Debian as root it installs the postgresql package when missing. The cluster is private to this
# project (own data directory and port, trust auth on 127.0.0.1), so it never touches a system cluster.
set -euo pipefail
PORT="${TRACKER_PG_PORT:-54329}"
DATA="${TRACKER_PG_DATA:-/var/tmp/tracker-pg-$PORT}"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装 PostgreSQL（postgresql 软件包）…" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BIN="$(find_bin)"
  else
    echo "找不到 PostgreSQL：请安装 postgresql 软件包，或设置 TEST_DATABASE_URL。" >&2
    exit 1
  fi
fi

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
fi
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qtAc \
  "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='tracker') THEN CREATE ROLE tracker LOGIN SUPERUSER PASSWORD 'tracker'; END IF; END\$\$;" >/dev/null
echo "postgresql+psycopg://tracker:tracker@127.0.0.1:$PORT/postgres"
