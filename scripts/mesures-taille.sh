#!/usr/bin/env bash
# How heavy the first pages are, and how long they take to open on a slow connection (not part
# of `make test`):
#   1. raw, gzip and brotli bytes of each entry's page, wasm, JS glue and CSS, and the total
#      (scripts/tailles.sh, against budgets.toml);
#   2. the caching headers the server sends for a hashed asset and for index.html;
#   3. slow-3G load time (400 kbit/s, 400 ms latency, cold cache, median of 3) of the login page
#      (the public pages' app) until its form shows, of the beneficiary space until its code
#      form shows, and, logged in, of the conseiller's dashboard, the buyer's dashboard, the
#      statistics (the management area), a new parcours
#      (its own area) and the venues' map (end2end/bench/chargement-lent.mjs,
#      in Chromium); then each page's second visit in the same browser (warm cache).
# Measures the app as built: run `make build` first (this script does not rebuild dist/). It builds
# the release server if needed and runs it with the demo data on a temporary database, port 8294.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8294}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

if [ ! -f dist/index.html ] || [ ! -f dist/espace/index.html ] || [ ! -f dist/acces/index.html ] || [ ! -f dist/zone-lieux/index.html ] || [ ! -f dist/zone-pilotage/index.html ] || [ ! -f dist/zone-gestion/index.html ] || [ ! -f dist/zone-parcours/index.html ] || [ ! -f dist/zone-etapes/index.html ] || [ ! -f dist/zone-accueil/index.html ]; then
  echo "dist/ n'est pas construit : lancez d'abord \`make build\`." >&2
  exit 1
fi

echo "== Octets par entrée (dist/ de $(date -r dist/index.html '+%Y-%m-%d %H:%M'))"
./scripts/tailles.sh

cargo build -q --release -p carnet-server --bin carnet-server
BIN="$TARGET/release/carnet-server"
DATABASE_URL="sqlite://$WORK/mesures.db" RUST_LOG=warn CARNET_PUBLIC_URL="http://127.0.0.1:$PORT" \
  "$BIN" --demo --dist dist --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

echo "== En-têtes de cache"
ECARTS=0
entete() {
  local chemin=$1 attendu=$2 h cache encodage
  h=$(curl -fsS -o /dev/null -D - -H 'Accept-Encoding: br, gzip' "http://127.0.0.1:$PORT$chemin" | tr -d '\r')
  cache=$(sed -n 's/^cache-control: //Ip' <<<"$h")
  encodage=$(sed -n 's/^content-encoding: //Ip' <<<"$h")
  local etat="conforme"
  if [ "$cache" != "$attendu" ]; then etat="ATTENDU : $attendu"; ECARTS=1; fi
  printf '%-50s Cache-Control: %-36s Content-Encoding: %-4s %s\n' "$chemin" "$cache" "${encodage:--}" "$etat"
}
WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/index.html | head -1)
CSS=$(grep -oE "[^\"' =]+\.css" dist/index.html | head -1)
ESPACE_JS=$(grep -oE "[^\"' =]+\.js" dist/espace/index.html | head -1)
ACCES_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/acces/index.html | head -1)
LIEUX_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/zone-lieux/index.html | head -1)
PILOTAGE_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/zone-pilotage/index.html | head -1)
GESTION_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/zone-gestion/index.html | head -1)
PARCOURS_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/zone-parcours/index.html | head -1)
ETAPES_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/zone-etapes/index.html | head -1)
ACCUEIL_WASM=$(grep -oE "[^\"' =]+_bg\.wasm" dist/zone-accueil/index.html | head -1)
entete "$WASM" "public, max-age=31536000, immutable"
entete "$CSS" "public, max-age=31536000, immutable"
entete "$ESPACE_JS" "public, max-age=31536000, immutable"
entete "$ACCES_WASM" "public, max-age=31536000, immutable"
entete "$LIEUX_WASM" "public, max-age=31536000, immutable"
entete "$PILOTAGE_WASM" "public, max-age=31536000, immutable"
entete "$GESTION_WASM" "public, max-age=31536000, immutable"
entete "$PARCOURS_WASM" "public, max-age=31536000, immutable"
entete "$ETAPES_WASM" "public, max-age=31536000, immutable"
entete "$ACCUEIL_WASM" "public, max-age=31536000, immutable"
entete / "no-cache"
entete /index.html "no-cache"
entete /connexion "no-cache"
entete /mot-de-passe/oublie "no-cache"
entete /espace/ "no-cache"
entete /lieux "no-cache"
entete /lieux/candidats "no-cache"
entete /commandes "no-cache"
entete /releves/1 "no-cache"
entete /statistiques "no-cache"
entete /compte "no-cache"
entete /parcours/1 "no-cache"
entete /parcours/nouveau "no-cache"
entete /parcours/1/diagnostic "no-cache"

echo "== Chargement en 3G lente"
(cd end2end && BASE_URL="http://127.0.0.1:$PORT" node bench/chargement-lent.mjs)

[ "$ECARTS" = 0 ] || { echo "Des en-têtes de cache ne sont pas ceux attendus (voir plus haut)." >&2; exit 1; }
