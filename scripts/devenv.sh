#!/usr/bin/env bash
# The PostgreSQL and Redis that `make run` and `make test` use.
#
#   eval "$(scripts/devenv.sh env)"   reuse the servers named by DATABASE_URL and
#                                     REDIS_URL (or the local defaults) when they
#                                     answer; otherwise start project-local ones
#                                     under .data/ (installing postgresql and
#                                     redis-server with apt-get when missing).
#                                     Prints export lines; logs go to stderr.
#   scripts/devenv.sh stop            stop the project-local servers.
#   scripts/devenv.sh chromium        make sure a Chromium for browser tests exists.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
pg_port=55432
redis_port=56379

log() { echo "devenv: $*" >&2; }
die() { log "$*"; exit 1; }

probe() { # probe postgres|redis URL
  (cd "$root" && go run ./backend/cmd/devenv "$@") >/dev/null 2>"$data/probe.err"
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null || die "cannot install $*: no apt-get; install it yourself"
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# as_postgres runs a command as the postgres user when we are root: initdb
# and pg_ctl refuse to run as root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

start_postgres() {
  local bin
  bin=$(pg_bindir) || true
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin=$(pg_bindir) || die "postgresql installed but initdb not found"
  fi
  local dir="$data/postgres" run="$data/postgres-run"
  mkdir -p "$dir" "$run"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir" "$run"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    log "initialising a local PostgreSQL in $dir"
    as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >"$data/initdb.log" 2>&1 ||
      die "initdb failed; see $data/initdb.log"
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    log "starting the local PostgreSQL on 127.0.0.1:$pg_port"
    touch "$data/postgres.log"
    [ "$(id -u)" = 0 ] && chown postgres: "$data/postgres.log"
    as_postgres "$bin/pg_ctl" -D "$dir" -l "$data/postgres.log" -w -t 60 \
      -o "-p $pg_port -k $run -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >&2 ||
      die "PostgreSQL did not start; see $data/postgres.log"
  fi
}

start_redis() {
  if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
  mkdir -p "$data/redis"
  log "starting a local Redis on 127.0.0.1:$redis_port"
  redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --dir "$data/redis" \
    --pidfile "$data/redis/redis.pid" --logfile "$data/redis/redis.log" --save "" --appendonly no >&2
}

# wait_for service URL: the server may take a moment to accept connections.
wait_for() {
  for _ in $(seq 1 50); do
    probe "$1" "$2" && return 0
    sleep 0.2
  done
  die "$1 at $2 does not answer: $(cat "$data/probe.err")"
}

cmd_env() {
  mkdir -p "$data"
  local pg_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mcpgw?sslmode=disable}
  if ! probe postgres "$pg_url"; then
    log "no PostgreSQL at ${pg_url%%\?*} ($(grep -v "^exit status" "$data/probe.err" | tail -n 1)); using a project-local one"
    pg_url="postgres://postgres@127.0.0.1:$pg_port/mcpgw?sslmode=disable"
    probe postgres "$pg_url" || { start_postgres; wait_for postgres "$pg_url"; }
  fi
  local redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
  if ! probe redis "$redis_url"; then
    log "no Redis at $redis_url; using a project-local one"
    redis_url="redis://127.0.0.1:$redis_port/0"
    probe redis "$redis_url" || { start_redis; wait_for redis "$redis_url"; }
  fi
  printf "export DATABASE_URL='%s'\nexport REDIS_URL='%s'\n" "$pg_url" "$redis_url"
}

cmd_stop() {
  local bin
  bin=$(pg_bindir) || true
  if [ -n "$bin" ] && [ -f "$data/postgres/PG_VERSION" ]; then
    as_postgres "$bin/pg_ctl" -D "$data/postgres" -m fast stop >&2 || true
  fi
  if [ -f "$data/redis/redis.pid" ]; then
    kill "$(cat "$data/redis/redis.pid")" 2>/dev/null || true
  fi
}

cmd_chromium() {
  local c=${CHROMIUM_PATH:-}
  [ -z "$c" ] && c=$(command -v chromium || command -v chromium-browser || true)
  if [ -z "$c" ]; then
    apt_install chromium
    c=$(command -v chromium) || die "chromium installed but not on PATH"
  fi
  echo "$c"
}

case "${1:-}" in
  env) cmd_env ;;
  stop) cmd_stop ;;
  chromium) cmd_chromium ;;
  *) echo "usage: $0 env|stop|chromium" >&2; exit 2 ;;
esac
