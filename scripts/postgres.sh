#!/usr/bin/env bash
# A PostgreSQL server for the tests, then a command run with CARNET_TEST_PG set to its
# administrator's URL (trust authentication, user postgres; each test creates and drops its own
# database there):
#   scripts/postgres.sh run -- cargo test -p carnet-server
#   scripts/postgres.sh url        prints the URL of a server that answers (starts none)
# In this order: CARNET_TEST_PG when set (it must answer); the machine's server on 127.0.0.1:5432
# when it takes `postgres` without a password; else a throwaway cluster of Debian's `postgresql`
# (installed when missing, as install-tools.sh installs Chromium) in a temporary folder, on a
# free port, run by a user other than root, and removed when the command ends. No server is a
# failure that says why: the PostgreSQL half of the tests is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'PostgreSQL pour les tests : %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "il faut être root (ou avoir sudo) pour : $*"; fi
}

# Whether something listens on host:port (bash alone: psql may not be installed yet).
listens() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Whether the server at URL takes us without a password. Without psql, a listening port is taken
# at its word (the tests then say clearly if it refuses).
answers() {
  local url=$1 hostport host port
  hostport=${url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
  host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=5432
  listens "$host" "$port" || return 1
  if command -v psql >/dev/null; then
    PGCONNECT_TIMEOUT=5 psql "$url" -w -qtAc 'SELECT 1' >/dev/null 2>&1 || return 1
  fi
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
  return 1
}

install_postgresql() {
  pg_bin >/dev/null && return
  say "apt-get install postgresql (serveur jetable pour les tests)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  pg_bin >/dev/null || fail "postgresql installé, mais initdb introuvable"
}

CLUSTER_DIR=""
CLUSTER_USER=""

# Runs a PostgreSQL program as the cluster's owner (the server refuses to run as root).
as_owner() {
  if [ "$CLUSTER_USER" = "$(id -un)" ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u "$CLUSTER_USER" -- "$@"
  else sudo -u "$CLUSTER_USER" "$@"; fi
}

start_cluster() {
  install_postgresql
  local bin port
  bin=$(pg_bin)
  CLUSTER_USER=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || fail "root ne peut pas lancer PostgreSQL et l'utilisateur postgres n'existe pas"
    CLUSTER_USER=postgres
  fi
  port=55432
  while listens 127.0.0.1 "$port"; do port=$((port + 1)); done
  CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/carnet-pg.XXXXXX")
  [ "$CLUSTER_USER" = "$(id -un)" ] || as_root chown "$CLUSTER_USER" "$CLUSTER_DIR"
  trap stop_cluster EXIT
  say "PostgreSQL jetable : $CLUSTER_DIR, port $port, utilisateur $CLUSTER_USER"
  as_owner "$bin/initdb" -D "$CLUSTER_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
    || fail "initdb a échoué dans $CLUSTER_DIR"
  # Throwaway data: no fsync. The socket in the folder itself (the system's may not be writable).
  as_owner "$bin/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/log" -w -t 60 \
    -o "-p $port -k $CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$CLUSTER_DIR/log" >&2 || true; fail "le serveur ne démarre pas (journal ci-dessus)"; }
  URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_cluster() {
  [ -n "$CLUSTER_DIR" ] || return 0
  as_owner "$(pg_bin)/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$CLUSTER_DIR"
}

# Sets URL to a server that answers, starting one only when `start` is given.
find_server() {
  if [ -n "${CARNET_TEST_PG:-}" ]; then
    answers "$CARNET_TEST_PG" || fail "CARNET_TEST_PG=$CARNET_TEST_PG ne répond pas (ou demande un mot de passe)"
    URL=$CARNET_TEST_PG
  elif answers postgres://postgres@127.0.0.1:5432/postgres; then
    URL=postgres://postgres@127.0.0.1:5432/postgres
  elif [ "${1:-}" = start ]; then
    start_cluster
  else
    return 1
  fi
}

case "${1:-}" in
  url)
    find_server || fail "aucun serveur sur 127.0.0.1:5432 et CARNET_TEST_PG vide"
    echo "$URL"
    ;;
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { echo "usage: $0 run -- COMMANDE…" >&2; exit 2; }
    find_server start
    say "PostgreSQL des tests : $URL"
    # Not exec: the throwaway cluster stops when the command ends (trap).
    CARNET_TEST_PG=$URL "$@"
    ;;
  *) echo "usage: $0 url | run -- COMMANDE…" >&2; exit 2 ;;
esac
