#!/usr/bin/env bash
# `make test-calendrier`: the domain and server suites at the year's hard dates. Each test binary
# runs with the tests' clock (CARNET_TEST_HORLOGE) AND the process's system time (faketime) set to
# the same instant, so a test that still read the machine's date would be caught too.
# Not part of `make test`: it runs both suites once per date (a few minutes each).
#
# Usage: scripts/test-calendrier.sh [INSTANT ...]   (RFC 3339; default: the dates below)
set -uo pipefail
cd "$(dirname "$0")/.."

DATES=(
  "2026-12-02T09:00:00+01:00"   # the day the suite was found red (today + 30 days = 1 January)
  "2027-12-30T10:00:00+01:00"   # the day before New Year's Eve
  "2027-04-30T10:00:00+02:00"   # 30 April: 1 May is a holiday
  "2027-03-26T10:00:00+01:00"   # the Friday before Easter Monday 2027
  "2028-02-28T10:00:00+01:00"   # 28 February of a leap year
  "2027-12-31T10:00:00+01:00"   # 31 December
  "2027-03-14T10:00:00+01:00"   # a Sunday
  "2027-06-30T23:30:00+02:00"   # 23:30 Paris time on the last day of a month
  "2027-03-28T01:30:00+01:00"   # the night of the change to summer time (02:00 → 03:00)
)
[ $# -gt 0 ] && DATES=("$@")

if ! command -v faketime >/dev/null; then
  echo "==> apt-get install faketime"
  if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q faketime; else sudo apt-get update -q && sudo apt-get install -y -q faketime; fi
fi

# The test binaries, with the folder cargo runs each from (its crate's).
mapfile -t BINS < <(cargo test -p carnet-domain -p carnet-server --no-run --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys, os
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(os.path.dirname(m["manifest_path"]) + "\t" + m["executable"])
')
[ ${#BINS[@]} -gt 0 ] || { echo "aucun binaire de test construit" >&2; exit 1; }

declare -A RESULT
failed=0
for at in "${DATES[@]}"; do
  # faketime wants the wall-clock time in TZ; the instant is converted there.
  local_time=$(TZ=Europe/Paris date -d "$at" '+%Y-%m-%d %H:%M:%S')
  echo "==> $at (Paris : $local_time)"
  bad=()
  for entry in "${BINS[@]}"; do
    dir=${entry%%$'\t'*}
    bin=${entry#*$'\t'}
    name=$(basename "$bin" | sed 's/-[0-9a-f]*$//')
    out=$(cd "$dir" && TZ=Europe/Paris FAKETIME_DONT_FAKE_MONOTONIC=1 CARNET_TEST_HORLOGE="$at" \
      faketime -f "@$local_time" "$bin" -q 2>&1)
    if [ $? -ne 0 ]; then
      bad+=("$name: $(echo "$out" | grep -E '^    [a-z_:]+$|^test .* FAILED' | sed 's/^ *//; s/ \.\.\. FAILED//' | sort -u | tr '\n' ' ')")
    fi
  done
  if [ ${#bad[@]} -eq 0 ]; then
    RESULT[$at]="ok"
  else
    RESULT[$at]="ÉCHEC : ${bad[*]}"
    failed=1
  fi
  echo "    ${RESULT[$at]}"
done

echo
echo "| instant | résultat |"
echo "|---|---|"
for at in "${DATES[@]}"; do echo "| $at | ${RESULT[$at]} |"; done
exit $failed
