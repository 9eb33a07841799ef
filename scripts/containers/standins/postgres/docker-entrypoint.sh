#!/bin/bash
# The subset of the official postgres image's entrypoint that Autopack's compose files use:
# POSTGRES_USER, POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE, POSTGRES_DB, POSTGRES_HOST_AUTH_METHOD and
# /docker-entrypoint-initdb.d/*.sql|*.sh, run once when the data directory is empty.
set -euo pipefail

if [ "$#" -eq 0 ]; then set -- postgres; fi
if [ "$1" != postgres ]; then exec "$@"; fi

if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    echo 'error: both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set' >&2
    exit 1
  fi
  POSTGRES_PASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
fi
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$AUTH_METHOD" != trust ]; then
    echo 'error: the database is uninitialised and POSTGRES_PASSWORD is not set' >&2
    echo '       (set POSTGRES_PASSWORD[_FILE], or POSTGRES_HOST_AUTH_METHOD=trust)' >&2
    exit 1
  fi
  pwfile=()
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    pwfile=("$(mktemp)")
    printf '%s' "$POSTGRES_PASSWORD" > "${pwfile[0]}"
    chown postgres "${pwfile[0]}"
  fi
  as_postgres initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="${pwfile[0]}"} --auth-local=trust \
    --auth-host="$AUTH_METHOD" --encoding=UTF8 >/dev/null
  rm -f "${pwfile[@]}"
  printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  printf 'host all all all %s\n' "$AUTH_METHOD" >> "$PGDATA/pg_hba.conf"
  # Create the database and run the init scripts on a server reachable only through its socket.
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    as_postgres psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -q \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) as_postgres psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -q -f "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo 'PostgreSQL init process complete; ready for start up.'
fi

unset POSTGRES_PASSWORD
shift
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
