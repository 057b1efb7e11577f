#!/usr/bin/env bash
# National-volume benchmark (`make bench-national`, run by scripts/postgres.sh, which sets
# CARNET_TEST_PG to a PostgreSQL server's administrator URL): the latency of a parcours page's
# data and of a pass validation at 1, 8 and 32 clients, side by side on SQLite with one instance,
# PostgreSQL with one instance and PostgreSQL with two instances, on a database of 400,000
# beneficiaries and 2,000,000 passes (BENCH_ECHELLE=1.0).
#
# 1. The database is generated in SQL (`admin generer-national`) as of 40 days ago, so that the
#    sessions it planned since have come and can be held, then the retention job anonymises who
#    has been inactive for a year; it is kept in target/bench/ and reused.
# 2. Each run works on a copy of it (the holds change it), and copies that copy into a new
#    PostgreSQL database with `admin copier` (timed: the figure of moving a deployment).
# 3. The release server, started per configuration, measured by the load client
#    server/examples/bench_national.rs (levels BENCH_NIVEAUX, requests BENCH_GETS, at most
#    BENCH_HOLDS holds per level); the two PostgreSQL configurations use separate conseillers.
# Prints the copy time and one table; the load average when each configuration started (the
# machine is shared: compare runs at similar loads).
set -euo pipefail
cd "$(dirname "$0")/.."

ECHELLE=${BENCH_ECHELLE:-1.0}
NIVEAUX=${BENCH_NIVEAUX:-1,8,32}
CONSEILLERS=${BENCH_CONSEILLERS:-32}
ADMIN=${CARNET_TEST_PG:?lancez par make bench-national (scripts/postgres.sh fournit PostgreSQL)}
ADMIN=${ADMIN%/}
BASE_PG=carnet_banc_national
DIR=target/bench
SOURCE=$DIR/national-moins-40j-$ECHELLE.db
TRAVAIL=$DIR/national-travail.db
MOT_DE_PASSE=banc-national
BIN=target/release/carnet-server
CHARGE=target/release/examples/bench_national
mkdir -p "$DIR"

cargo build --release -q -p carnet-server --bin carnet-server --example bench_national

# The administrator URL names no database, or one: the copy's goes in its place.
sans_base=${ADMIN#*://}
if [[ "$sans_base" == */* ]]; then URL_PG="${ADMIN%/*}/$BASE_PG"; else URL_PG="$ADMIN/$BASE_PG"; fi
psql_admin() { psql "${URL_PG%/*}/postgres" -w -qtAc "$1" >/dev/null; }

# The marker says the generation went to its end (an interrupted one is started again).
if [[ ! -f "$SOURCE.fait" ]]; then
    echo "Génération de la base nationale ×$ECHELLE (une fois, gardée dans $SOURCE)…" >&2
    rm -f "$SOURCE" "$SOURCE-wal" "$SOURCE-shm"
    DATABASE_URL="sqlite://$SOURCE" CARNET_PASSWORD=$MOT_DE_PASSE "$BIN" \
        --horloge "$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%SZ)" admin generer-national --echelle "$ECHELLE" |
        tail -1 >&2
    # A deployment anonymises people a year after their last activity, an hour at a time: the
    # generated history starts two years back, so the retention job catches up once here rather
    # than in the first server measured (one transaction per person, holding the writer).
    debut=$(date +%s)
    DATABASE_URL="sqlite://$SOURCE" "$BIN" admin retention | tail -1 >&2
    echo "(conservation rattrapée en $(($(date +%s) - debut)) s)" >&2
    if command -v sqlite3 >/dev/null; then sqlite3 "$SOURCE" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null; fi
    touch "$SOURCE.fait"
fi
# The copy takes the write-ahead log along when one is left (SQLite replays it on opening).
rm -f "$TRAVAIL" "$TRAVAIL-wal" "$TRAVAIL-shm"
cp "$SOURCE" "$TRAVAIL"
if [[ -f "$SOURCE-wal" ]]; then cp "$SOURCE-wal" "$TRAVAIL-wal"; fi

psql_admin "DROP DATABASE IF EXISTS $BASE_PG"
psql_admin "CREATE DATABASE $BASE_PG"
echo "Copie SQLite → PostgreSQL ($(du -m "$TRAVAIL" | cut -f1) Mo)…" >&2
debut=$(date +%s.%N)
copie=$("$BIN" admin copier --depuis "sqlite://$TRAVAIL" --vers "$URL_PG" | tail -1)
DUREE_COPIE=$(awk -v a="$debut" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')

PIDS=()
arreter() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap arreter EXIT
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

# $1 database URL, then ports: one instance per port; waits for each /health.
demarrer() {
    local url=$1; shift
    for port in "$@"; do
        env DATABASE_URL="$url" RUST_LOG=warn CARNET_SECRET="$SECRET" "$BIN" --listen "127.0.0.1:$port" \
            >"$DIR/serveur-$port.log" 2>&1 &
        PIDS+=($!)
        for _ in $(seq 1 600); do
            curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
            kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$DIR/serveur-$port.log" >&2; exit 1; }
            sleep 0.5
        done
    done
}

RESULTATS=$DIR/national-resultats.tsv
: >"$RESULTATS"
# $1 label, $2 first conseiller, then ports.
mesurer() {
    local label=$1 premier=$2; shift 2
    local urls charge
    urls=$(printf 'http://127.0.0.1:%s,' "$@"); urls=${urls%,}
    charge=$(cut -d' ' -f1 /proc/loadavg)
    echo "== $label (charge $charge)" >&2
    BENCH_URLS=$urls BENCH_CONFIG="$label" BENCH_MOT_DE_PASSE=$MOT_DE_PASSE BENCH_NIVEAUX=$NIVEAUX \
        BENCH_CONSEILLERS=$CONSEILLERS BENCH_PREMIER=$premier "$CHARGE" |
        tee /dev/stderr | awk -F'\t' '$1 == "RESULTAT"' >>"$RESULTATS"
}

niveaux=$(tr ',' '\n' <<<"$NIVEAUX" | wc -l)
demarrer "sqlite://$TRAVAIL" 18481
mesurer "SQLite, 1 instance" 1 18481
arreter
demarrer "$URL_PG" 18481
mesurer "PostgreSQL, 1 instance" 1 18481
arreter
demarrer "$URL_PG" 18481 18482
mesurer "PostgreSQL, 2 instances" $((1 + niveaux * CONSEILLERS)) 18481 18482
arreter

echo
echo "### National ×$ECHELLE — $(nproc) cœurs, $(date -u +%Y-%m-%d)"
echo
echo "Copie de la base SQLite ($(du -m "$TRAVAIL" | cut -f1) Mo après les mesures) vers PostgreSQL : ${DUREE_COPIE} s — $copie"
echo
echo "p50 / p99 en ms (requêtes/s ; erreurs) :"
echo
echo "| route | clients | SQLite, 1 instance | PostgreSQL, 1 instance | PostgreSQL, 2 instances |"
echo "|---|---|---|---|---|"
awk -F'\t' '
    { v[$4 "|" $3, $2] = sprintf("%s / %s (%s ; %s)", $6, $7, $8, $9); lignes[$4 "|" $3] = 1 }
    END {
        for (l in lignes) {
            split(l, p, "|")
            printf "| %s | %s | %s | %s | %s |\n", p[1], p[2], v[l, "SQLite, 1 instance"],
                v[l, "PostgreSQL, 1 instance"], v[l, "PostgreSQL, 2 instances"]
        }
    }' "$RESULTATS" | sort -t'|' -k2,2 -k3,3n
