#!/usr/bin/env bash
# Measurements of the venue features with 30,000 generated venues (not part of `make test`):
#   1. import time of a 30,000-venue file through `carnet-server lieux import` (release build);
#   2. bytes (raw, gzip, brotli) and server time (Server-Timing, median of 20) of the map data
#      for the whole of France, and of a few zoomed views;
#   3. time to first render of the map in Chromium (end2end/bench/premier-rendu.mjs).
# Needs the release app in dist/ (`make build`). Uses a temporary database and port 8293.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8293}
N=${N:-30000}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
DB="sqlite://$WORK/mesures.db"
SERVER_PID=
# Accounts follow the password rules (12+ characters, not built on the e-mail address, not common).
PASSWORD='carte-des-lieux-30k'
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build -q --release -p carnet-server --bin carnet-server --example generer-lieux
BIN="$TARGET/release/carnet-server"
"$TARGET/release/examples/generer-lieux" "$N" "$WORK/lieux.csv"

echo "== Import de $N lieux (ligne de commande, build release)"
/usr/bin/time -f "temps total : %e s, mémoire max : %M Ko" "$BIN" --database-url "$DB" lieux import "$WORK/lieux.csv" 2>&1 | grep -v '^\[' | tail -3

echo "== Données de la carte"
CARNET_PASSWORD="$PASSWORD" "$BIN" --database-url "$DB" admin create-conseiller --email mesures@exemple.fr --prenom Mesures --nom Carnet --role admin >/dev/null
RUST_LOG=warn CARNET_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" "$BIN" --database-url "$DB" --dist dist --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
curl -fs -c "$WORK/cookies" -H 'Content-Type: application/json' \
  -d "{\"email\":\"mesures@exemple.fr\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" >/dev/null
mesure() {
  local what=$1 query=$2
  local url="http://127.0.0.1:$PORT/api/v1/lieux/carte?$query"
  curl -fs -b "$WORK/cookies" "$url" -o "$WORK/carte.json" # builds the index on the first call
  local times=()
  for _ in $(seq 1 20); do
    times+=("$(curl -fs -b "$WORK/cookies" -D - -o "$WORK/carte.json" "$url" | tr -d '\r' | sed -n 's/^server-timing: carte;dur=//Ip')")
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n '10p')
  node -e '
    const fs = require("fs"), zlib = require("zlib");
    const b = fs.readFileSync(process.argv[1]);
    const j = JSON.parse(b);
    const shapes = j.zones.length + j.grappes.length + j.points.length;
    console.log(`${process.argv[2]} : niveau ${j.niveau}, ${shapes} formes ; ${b.length} octets, ${zlib.gzipSync(b, {level: 9}).length} en gzip, ${zlib.brotliCompressSync(b).length} en brotli ; temps serveur médian ${process.argv[3]} ms`);
  ' "$WORK/carte.json" "$what" "$median"
}
mesure "France entière (vue d'ouverture)" "zoom=6&ouest=-5.2&sud=41.3&est=9.6&nord=51.1"
mesure "France entière, zoom régions" "zoom=5&ouest=-12&sud=38&est=17&nord=54"
mesure "France entière, filtres Pass + ouvert" "zoom=6&ouest=-5.2&sud=41.3&est=9.6&nord=51.1&pass=true&ouvert=true"
mesure "Île-de-France (grappes)" "zoom=10&ouest=1.9&sud=48.6&est=2.8&nord=49.1"
mesure "Paris (points)" "zoom=15&ouest=2.33&sud=48.85&est=2.36&nord=48.87"

echo "== Premier rendu de la carte dans Chromium"
(cd end2end && BASE_URL="http://127.0.0.1:$PORT" EMAIL=mesures@exemple.fr PASSWORD="$PASSWORD" node bench/premier-rendu.mjs)
