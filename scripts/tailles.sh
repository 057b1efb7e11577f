#!/usr/bin/env bash
# What a first visit downloads, entry by entry, from the built app (dist/, made by `make build`):
# the page (index.html), its wasm, its JS glue and its stylesheets, as found in its index.html,
# in raw, gzip and brotli bytes (the .gz and .br files `carnet-server precompress dist` wrote
# beside them, which is what the server sends), and the total.
#
#   scripts/tailles.sh            prints the table
#   scripts/tailles.sh --verifier also compares each entry's brotli bytes with its budget in
#                                 budgets.toml, and fails when one is over (used by `make test`)
#
# The entries and their budgets are in budgets.toml (one [section] per entry, its folder in
# `dossier`). BUDGETS=other.toml changes the file.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGETS=${BUDGETS:-budgets.toml}
VERIFIER=false
case "${1:-}" in
  --verifier) VERIFIER=true ;;
  "") ;;
  *) echo "usage: $0 [--verifier]" >&2; exit 2 ;;
esac

# "entry key value" lines from the TOML subset budgets.toml is written in (sections, key = value,
# comments).
lire_budgets() {
  awk '
    { sub(/#.*/, "") }
    /^[ \t]*\[[^]]+\][ \t]*$/ { gsub(/[][ \t]/, ""); section = $0; next }
    /=/ && section != "" {
      key = $0; sub(/=.*/, "", key); gsub(/[ \t]/, "", key)
      value = $0; sub(/^[^=]*=/, "", value); gsub(/[ \t"_]/, "", value)
      print section, key, value
    }
  ' "$BUDGETS"
}

taille() { stat -c %s "$1"; }

BUDGET_LINES=$(lire_budgets)
ENTREES=$(awk '{ print $1 }' <<<"$BUDGET_LINES" | awk '!seen[$0]++')
budget() { awk -v e="$1" -v k="$2" '$1 == e && $2 == k { print $3 }' <<<"$BUDGET_LINES"; }

DEPASSE=0
MANQUE=0
printf '%-10s %-5s %-44s %10s %10s %10s %10s\n' entrée type fichiers brut gzip brotli budget_br
for entree in $ENTREES; do
  dossier=$(budget "$entree" dossier)
  page="$dossier/index.html"
  if [ ! -f "$page" ]; then
    echo "$page manque : lancez d'abord \`make build\`." >&2
    exit 1
  fi
  # The wasm, JS and CSS the page references (by name: Trunk writes them flat in the entry's folder).
  refs=$(grep -oE "[^\"' =]+\.(wasm|js|css)[\"']" "$page" | tr -d "\"'" | sed 's#.*/##' | awk '!seen[$0]++')
  declare -A brut=() gz=() br=() noms=()
  for type in html wasm js css; do brut[$type]=0; gz[$type]=0; br[$type]=0; noms[$type]=""; done
  fichiers=("$page")
  for r in $refs; do fichiers+=("$dossier/$r"); done
  for f in "${fichiers[@]}"; do
    case "$f" in
      *.html) type=html ;; *.wasm) type=wasm ;; *.js) type=js ;; *.css) type=css ;;
    esac
    for g in "$f" "$f.gz" "$f.br"; do
      if [ ! -f "$g" ]; then
        echo "$g manque (il faut \`make build\`, qui précompresse dist/ avec carnet-server precompress)." >&2
        MANQUE=1
        continue 2
      fi
    done
    brut[$type]=$(( ${brut[$type]} + $(taille "$f") ))
    gz[$type]=$(( ${gz[$type]} + $(taille "$f.gz") ))
    br[$type]=$(( ${br[$type]} + $(taille "$f.br") ))
    noms[$type]="${noms[$type]:+${noms[$type]} }$(basename "$f")"
  done
  total_brut=0 total_gz=0 total_br=0
  for type in html wasm js css total; do
    if [ "$type" = total ]; then
      a=$total_brut; b=$total_gz; c=$total_br; n="(page + wasm + JS + CSS)"
    else
      a=${brut[$type]}; b=${gz[$type]}; c=${br[$type]}; n=${noms[$type]}
      total_brut=$((total_brut + a)); total_gz=$((total_gz + b)); total_br=$((total_br + c))
      # Several stylesheets: their count, not their names.
      if [ "$(wc -w <<<"$n")" -gt 1 ]; then
        n="$(wc -w <<<"$n") fichiers CSS"
      fi
    fi
    limite=$(budget "$entree" "$type")
    etat=""
    if [ -n "$limite" ] && [ "$c" -gt "$limite" ]; then
      etat="DÉPASSÉ de $((c - limite)) octets"
      DEPASSE=1
    fi
    printf '%-9s %-5s %-44.44s %10d %10d %10d %10s  %s\n' "$entree" "$type" "$n" "$a" "$b" "$c" "${limite:--}" "$etat" | sed 's/ *$//'
  done
  unset brut gz br noms
done

[ "$MANQUE" = 0 ] || exit 1
if $VERIFIER; then
  if [ "$DEPASSE" = 1 ]; then
    echo "Budget de taille dépassé (octets brotli, $BUDGETS) : allégez l'app, ou relevez le budget en le justifiant." >&2
    exit 1
  fi
  echo "Tailles dans les budgets ($BUDGETS)."
fi
