#!/usr/bin/env bash
# Read benchmark (`make bench-lecture`): the release server over loopback, measured by wrk (2
# threads, BENCH_CLIENTS=16 connections, BENCH_DUREE=8 s per route) on five routes, on the demo
# database and on one at national volume generated in SQL (`admin generer-national`, kept in
# target/bench/ between runs; BENCH_ECHELLE=1.0). Prints one table per database: requests/s,
# p50, p99, the ratio to /health measured in the same run, the non-2xx count and the load
# average when the route started (the machine is shared: compare runs at similar loads).
#
# Settings (environment): DATABASE_URL=postgres://…/base (an empty database: it gets the
# national data, the demo is measured on SQLite only), BENCH_BASES ("demo national"),
# BENCH_CLIENTS (16), BENCH_DUREE (8s), BENCH_ECHELLE (1.0), BENCH_TASKSET (e.g. "0:1": server
# on CPU 0, wrk on CPU 1), BENCH_INSTANCES (1; 2 on PostgreSQL: two servers on the same
# database, each measured by its own wrk with half the clients at the same time; the table
# shows the sum of their requests/s and the larger of their p50 and p99), BENCH_PARTIES (what
# follows the pages at national volume: "statistiques exports"; "" for the pages alone).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${BENCH_CLIENTS:-16}
DUREE=${BENCH_DUREE:-8s}
ECHELLE=${BENCH_ECHELLE:-1.0}
BASES=${BENCH_BASES:-demo national}
PORT=${BENCH_PORT:-18471}
INSTANCES=${BENCH_INSTANCES:-1}
PARTIES=${BENCH_PARTIES-statistiques exports}
MOT_DE_PASSE=banc-lecture-national
DIR=target/bench
BIN=target/release/carnet-server
mkdir -p "$DIR"

command -v wrk >/dev/null || { echo "wrk manque : apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p carnet-server

taskset_serveur=() taskset_wrk=()
if [[ -n "${BENCH_TASKSET:-}" ]]; then
    taskset_serveur=(taskset -c "${BENCH_TASKSET%%:*}")
    taskset_wrk=(taskset -c "${BENCH_TASKSET##*:}")
fi

PIDS=()
arreter() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
}
trap arreter EXIT

# $1 URL, $2 flags, $3 instances (1): starts the servers (ports PORT, PORT+1…) on one database
# and waits for each one's /health.
demarrer() {
    local n=${3:-1} i port pid secret
    # One secret for all: a session opened on one instance is valid on the others.
    secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    for ((i = 0; i < n; i++)); do
        port=$((PORT + i))
        "${taskset_serveur[@]}" env DATABASE_URL="$1" RUST_LOG=warn CARNET_SECRET="$secret" "$BIN" --listen "127.0.0.1:$port" $2 \
            >"$DIR/serveur-$i.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        local pret=
        for _ in $(seq 1 600); do
            curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && { pret=1; break; }
            kill -0 "$pid" 2>/dev/null || { cat "$DIR/serveur-$i.log" >&2; return 1; }
            sleep 0.5
        done
        [[ -n "$pret" ]] || { echo "le serveur $i ne répond pas" >&2; return 1; }
    done
    PID=${PIDS[0]}
    ACTIVES=$n
}

connexion() {
    curl -sf -D - -o /dev/null -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"$2\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" |
        sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}

# $1 label, $2 cookie, $3 path (or a Lua script with -s), $4 the script, $5 clients (CLIENTS):
# prints one line of the table.
mesurer() {
    local label=$1 cookie=$2 chemin=$3 script=${4:-} clients=${5:-$CLIENTS}
    local charge rps p50 p99 erreurs i n=${ACTIVES:-1}
    charge=$(cut -d' ' -f1 /proc/loadavg)
    # Each instance its own wrk with its share of the clients, all at once.
    local par=$(((clients + n - 1) / n))
    local args=(-t"$((par < 2 || n > 1 ? 1 : 2))" -c"$par" -d"$DUREE" --timeout 30s --latency -H "Cookie: $cookie")
    [[ -n "$script" ]] && args+=(-s "$script")
    local wrks=()
    for ((i = 0; i < n; i++)); do
        "${taskset_wrk[@]}" wrk "${args[@]}" "http://127.0.0.1:$((PORT + i))$chemin" >"$DIR/wrk-$i.txt" &
        wrks+=($!)
    done
    wait "${wrks[@]}"
    # Latencies in ms whatever wrk's unit; requests/s summed, p50 and p99 the larger one.
    read -r rps p50 p99 erreurs < <(cat "$DIR"/wrk-*.txt | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^Requests\/sec/ { rps += $2 }
        $1 == "50%" { v = ms($2); if (v > p50) p50 = v }
        $1 == "99%" { v = ms($2); if (v > p99) p99 = v }
        /Non-2xx/ { err += $NF }
        END { printf "%.0f %.2fms %.2fms %d\n", rps, p50, p99, err }')
    rm -f "$DIR"/wrk-*.txt
    [[ -z "$PLANCHER" ]] && PLANCHER=$rps
    printf "| %-28s | %9.0f | %8s | %8s | %5.2f | %5s | %4s |\n" "$label" "$rps" "$p50" "$p99" \
        "$(awk -v a="$rps" -v b="$PLANCHER" 'BEGIN {print a / b}')" "${erreurs:-0}" "$charge"
}

tableau() { # $1 title, $2 cookie, $3 parcours ids (space-separated)
    local lua="$DIR/parcours.lua"
    { echo "local ids = { $(tr ' ' ',' <<<"$3") }"
      echo 'request = function() return wrk.format("GET", "/api/v1/parcours/" .. ids[math.random(#ids)]) end'; } >"$lua"
    echo
    echo "### $1 — $CLIENTS clients, $DUREE par route, $(nproc) cœurs"
    echo "| route                        | requêtes/s |      p50 |      p99 | /health | non-2xx | charge |"
    echo "|---|---|---|---|---|---|---|"
    PLANCHER=
    mesurer "GET /health" "$2" /api/v1/health
    mesurer "GET /lieux/carte" "$2" /api/v1/lieux/carte
    mesurer "GET /auth/me" "$2" /api/v1/auth/me
    mesurer "GET /parcours/{id}" "$2" /api/v1/parcours/ "$lua"
    mesurer "GET /tableau-de-bord" "$2" /api/v1/tableau-de-bord
}

# The statistics page's data (last 12 months, the page's default) for one conseiller, one
# structure, one département and all of France, 1 then 4 clients: a page people open now and then,
# not all day. $1 the conseiller's cookie, $2 an administrator's.
statistiques() {
    echo
    echo "### Statistiques — $DUREE par ligne"
    echo "| portée (clients)             | requêtes/s |      p50 |      p99 | /health | non-2xx | charge |"
    echo "|---|---|---|---|---|---|---|"
    # « 12 derniers mois », as the page's preset writes it; then no period (the page's first view).
    local c p douze="du=$(date -d '-11 months' +%Y-%m-01)&au=$(date +%Y-%m-%d)"
    for c in 1 4; do
        for p in "$douze" ""; do
            local nom=${p:+12 mois}
            mesurer "conseiller, ${nom:-tout} ($c)" "$1" "/api/v1/statistiques?$p" "" "$c"
            mesurer "structure 1, ${nom:-tout} ($c)" "$2" "/api/v1/statistiques?lieu=1&$p" "" "$c"
            mesurer "département 29, ${nom:-tout} ($c)" "$2" "/api/v1/statistiques?departement=29&$p" "" "$c"
            mesurer "France, ${nom:-tout} ($c)" "$2" "/api/v1/statistiques?$p" "" "$c"
        done
    done
}

# The activities exports (one structure's last 12 months, then everything), each downloaded once:
# time, size, and the server's resident memory after it and at its peak so far (VmHWM): a
# streamed export leaves the peak where it was. $1 an administrator's cookie.
exports() {
    echo
    echo "### Exports des activités — un téléchargement chacun"
    echo "| export                         | HTTP | lignes | octets | secondes | mémoire après (Mo) | pic (Mo) |"
    echo "|---|---|---|---|---|---|---|"
    local douze="du=$(date -d '-11 months' +%Y-%m-01)&au=$(date +%Y-%m-%d)" e q mesure lignes
    for e in "structure 1, 12 mois|lieu=1&$douze" "France, 12 mois|$douze" "France, tout|"; do
        for q in csv xlsx; do
            # A workbook past a sheet's 1,048,576 lines is refused (422): shown, not fatal.
            mesure=$(curl -s -o "$DIR/export.$q" -w '%{http_code} %{size_download} %{time_total}' -H "Cookie: $1" \
                "http://127.0.0.1:$PORT/api/v1/exports/activites.$q?${e#*|}")
            lignes=-
            [[ $q == csv ]] && lignes=$(sed -n 's/^Total;\([0-9]*\).*/\1/p' "$DIR/export.csv")
            read -r code octets secondes <<<"$mesure"
            printf "| %-30s | %4s | %7s | %9s | %8s | %18s | %8s |\n" "${e%%|*} ($q)" "$code" "$lignes" "$octets" \
                "$secondes" "$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$PID/status")" \
                "$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$PID/status")"
        done
    done
    rm -f "$DIR"/export.*
}

parcours_du_tableau() { # $1 cookie: the ids of the conseiller's dashboard parcours
    curl -sf -H "Cookie: $1" "http://127.0.0.1:$PORT/api/v1/tableau-de-bord" | jq -r '[.parcours[].id] | join(" ")'
}

for base in $BASES; do
    case $base in
    demo)
        rm -f "$DIR"/demo.db*
        demarrer "sqlite://$DIR/demo.db" --demo
        cookie=$(connexion camille@demo.carnet.fr carnet-demo)
        tableau "Démo (SQLite)" "$cookie" "$(parcours_du_tableau "$cookie")"
        arreter
        ;;
    national)
        if [[ -n "${DATABASE_URL:-}" && "$DATABASE_URL" == postgres* ]]; then
            url=$DATABASE_URL titre="National ×$ECHELLE (PostgreSQL, $INSTANCES instance(s))"
        else
            url="sqlite://$DIR/national-$ECHELLE.db" titre="National ×$ECHELLE (SQLite)"
        fi
        # Generated once, then reused: a second generation refuses a non-empty database.
        if sortie=$(env DATABASE_URL="$url" CARNET_PASSWORD=$MOT_DE_PASSE "$BIN" admin generer-national \
            --echelle "$ECHELLE" 2>&1); then
            echo "$sortie" | tail -1 >&2
            # The history starts two years back: the retention job would spend the first
            # minutes of the measured server erasing the people inactive for a year (one
            # transaction each, ahead of every page's journal line). Caught up here, once.
            debut=$(date +%s)
            DATABASE_URL="$url" "$BIN" admin retention | tail -1 >&2
            echo "(conservation rattrapée en $(($(date +%s) - debut)) s)" >&2
        elif grep -q 'pas vide' <<<"$sortie"; then
            echo "(base nationale déjà générée : $url)" >&2
        else
            echo "$sortie" >&2; exit 1
        fi
        # An administrator for the France-wide statistics (kept with the base).
        env DATABASE_URL="$url" CARNET_PASSWORD=$MOT_DE_PASSE "$BIN" admin create-conseiller \
            --email admin@national.carnet.fr --prenom Admin --nom National --role admin >/dev/null 2>&1 || true
        instances=1
        [[ "$url" == postgres* ]] && instances=$INSTANCES
        demarrer "$url" "" "$instances"
        cookie=$(connexion conseiller-1@national.carnet.fr $MOT_DE_PASSE)
        tableau "$titre" "$cookie" "$(parcours_du_tableau "$cookie")"
        admin=$(connexion admin@national.carnet.fr $MOT_DE_PASSE)
        [[ " $PARTIES " == *" statistiques "* ]] && statistiques "$cookie" "$admin"
        [[ " $PARTIES " == *" exports "* ]] && exports "$admin"
        arreter
        ;;
    *) echo "BENCH_BASES : demo, national" >&2; exit 1 ;;
    esac
done
