#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the storage test suite.
# Prints the asyncpg URL to use as TARJOTIN_TEST_POSTGRES_URL; `.ci/postgres.sh stop DIR` stops it.
set -euo pipefail
if [ "${1:-}" = "stop" ]; then
  runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D "$2/data" -m fast stop >/dev/null
  exit 0
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/tarjotin-pg.XXXXXX)
chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U tarjotin --no-sync >&2
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >&2
runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U tarjotin tarjotin >&2
echo "$dir postgresql+asyncpg://tarjotin@127.0.0.1:$port/tarjotin"
