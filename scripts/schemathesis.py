#!/usr/bin/env python3
"""Schema-driven fuzzing of the API: schemathesis (PyPI), which no one on the team wrote, runs
against a real server started here on a fresh demo database, once per way of being recognised
(each staff role, a beneficiary's personal link, a data consumer's API client, no one), with the
checks the OpenAPI document makes possible: no server error, only documented statuses and
content types, every answer valid against its schema.

    scripts/schemathesis.py [--exemples N] [--graine S] [--duree SECONDES] [--base sqlite|postgres]

With `--base postgres`, the server runs on a fresh database of the PostgreSQL server that
CARNET_TEST_PG names (an administrator's URL; default: the machine's, 127.0.0.1:5432), dropped
afterwards; `scripts/postgres.sh run --` provides one.

`make test` runs it short (a few cases per operation, fixed seed); `make fuzz` runs it long.
Prints, per identity, the cases run and the failures; exits 1 when there is any failure, or when
the server logged an internal error.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
SCHEMATHESIS = RACINE / ".tools" / "venv" / "bin" / "schemathesis"
HORLOGE = "2027-03-15T16:00:00+01:00"
MOT_DE_PASSE = "carnet-demo"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

# Staff accounts of the demo data, in an order where no run can lock out one to come: the
# administrator (who can deactivate accounts) last, the coordinator (who can deactivate the
# conseiller) after the conseiller.
COMPTES = [
    ("conseiller", "camille@demo.carnet.fr"),
    ("commanditaire", "commanditaire@demo.carnet.fr"),
    ("operateur", "operateur@demo.carnet.fr"),
    ("coordination", "coordination@demo.carnet.fr"),
    ("hub", "hub@demo.carnet.fr"),
    ("coordinatrice", "dominique@demo.carnet.fr"),
    ("admin", "admin@demo.carnet.fr"),
]
# Operations that end the session a run is using: they are exercised by the server's tests.
FIN_DE_SESSION = ["/api/v1/auth/logout", "/api/v1/auth/mot-de-passe"]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def requete(url, methode="GET", corps=None, entetes=None):
    donnees = None if corps is None else json.dumps(corps).encode()
    req = urllib.request.Request(url, data=donnees, method=methode, headers=entetes or {})
    if corps is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers, json.loads(r.read() or b"null")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exemples", type=int, default=int(os.environ.get("FUZZ_EXEMPLES", "5")))
    ap.add_argument("--graine", type=int, default=int(os.environ.get("FUZZ_GRAINE", "20261204")))
    ap.add_argument("--duree", type=int, default=None, help="secondes par identité (fuzzing répété jusque-là)")
    ap.add_argument("--serveur", default=os.environ.get("CARNET_SERVEUR", str(RACINE / os.environ.get("CARGO_TARGET_DIR", "target") / "debug" / "carnet-server")))
    ap.add_argument("--base", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()

    travail = Path(tempfile.mkdtemp(prefix="carnet-fuzz-"))
    (travail / "dist").mkdir()
    port = port_libre()
    base = f"http://127.0.0.1:{port}"
    admin_pg = os.environ.get("CARNET_TEST_PG") or "postgres://postgres@127.0.0.1:5432/postgres"
    nom_pg = f"carnet_fuzz_{os.getpid()}"
    if args.base == "postgres":
        subprocess.run(["psql", admin_pg, "-qc", f"CREATE DATABASE {nom_pg}"], check=True)
        url_base = admin_pg.rsplit("/", 1)[0] + "/" + nom_pg
    else:
        url_base = f"sqlite://{travail}/carnet.db"
    env = dict(os.environ, DATABASE_URL=url_base, RUST_LOG="warn",
               CARNET_MAIL_DIR=str(travail / "mails"), CARNET_PUBLIC_URL=base, CARNET_LOG_FORMAT="text")
    journal = open(travail / "serveur.log", "w")
    serveur = subprocess.Popen([args.serveur, "--demo", "--dist", str(travail / "dist"), "--listen", f"127.0.0.1:{port}",
                                "--horloge", HORLOGE], env=env, stdout=journal, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if requete(f"{base}/api/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            print("le serveur n'a pas démarré", file=sys.stderr)
            return 1

        identites = []  # (name, headers, exclusions)
        cookies = {}
        for role, email in COMPTES:
            _, entetes, _ = requete(f"{base}/api/v1/auth/login", "POST", {"email": email, "password": MOT_DE_PASSE},
                                    {"Origin": base})
            cookie = entetes["Set-Cookie"].split(";")[0]
            cookies[role] = cookie
        # A beneficiary's personal link, issued by the conseiller for one of her parcours.
        _, _, page = requete(f"{base}/api/v1/beneficiaires", entetes={"Cookie": cookies["conseiller"]})
        parcours_id = next(b["parcours_id"] for b in page["items"] if b.get("parcours_id"))
        _, _, lien = requete(f"{base}/api/v1/parcours/{parcours_id}/lien", "POST", None,
                             {"Cookie": cookies["conseiller"], "Origin": base})
        # The person's side: the code of her paper exchanged for the link's token.
        _, _, trouve = requete(f"{base}/api/v1/espace/code", "POST", {"code": lien["code"]}, {"Origin": base})
        jeton = trouve["jeton"]
        # A data consumer, created as an administrator does it.
        sortie = subprocess.run([args.serveur, "admin", "api-client", "create", "--nom", "Fuzzing",
                                 "--scopes", "statistiques,activites"], env=env, capture_output=True, text=True, check=True)
        client = sortie.stdout.strip().splitlines()[-1]

        identites.append(("personne (lien)", {"Authorization": f"Bearer {jeton}"}, []))
        identites.append(("client de l'API", {"Authorization": f"Bearer {client}"}, []))
        identites.append(("anonyme", {}, []))
        for role, _ in COMPTES:
            identites.append((role, {"Cookie": cookies[role]}, FIN_DE_SESSION))

        resultats = []
        echec = False
        for nom, entetes, exclusions in identites:
            commande = [str(SCHEMATHESIS), "run", f"{base}/api/v1/openapi.json", "--checks", CHECKS,
                        "--max-examples", str(args.exemples), "--seed", str(args.graine), "--workers", "1",
                        "--request-timeout", "30", "--suppress-health-check", "all",
                        "-H", f"Origin: {base}"]
            if args.duree:
                commande += ["--max-time", str(args.duree)]
            for cle, valeur in entetes.items():
                commande += ["-H", f"{cle}: {valeur}"]
            for chemin in exclusions:
                commande += ["--exclude-path", chemin]
            debut = time.monotonic()
            # In the work directory: schemathesis keeps its cache of failures where it runs.
            r = subprocess.run(commande, capture_output=True, text=True, cwd=travail, timeout=(args.duree or 600) + 300, env=dict(os.environ, NO_COLOR="1"))
            duree = time.monotonic() - debut
            sortie = r.stdout + r.stderr
            (travail / f"schemathesis-{re.sub(r'[^a-z]+', '-', nom)}.txt").write_text(sortie)
            cas = re.search(r"Test cases:\s*\n?\s*(\d+) generated", sortie) or re.search(r"(\d+) generated", sortie)
            resultats.append((nom, cas.group(1) if cas else "?", r.returncode, duree))
            if r.returncode != 0:
                echec = True
                print(f"--- {nom} : échecs ---\n{sortie[-6000:]}")

        internes = [l for l in (travail / "serveur.log").read_text().splitlines() if "erreur interne" in l or "panicked" in l]
        print(f"\n{'identité':<18} {'cas':>7} {'résultat':>10} {'durée':>8}")
        for nom, cas, code, duree in resultats:
            print(f"{nom:<18} {cas:>7} {'ok' if code == 0 else 'ÉCHEC':>10} {duree:>7.1f}s")
        if internes:
            echec = True
            print("\nErreurs internes dans le journal du serveur :\n" + "\n".join(internes[:20]))
        print(f"\nBase {args.base}, graine {args.graine}, {args.exemples} exemples par opération ; journaux : {travail}")
        return 1 if echec else 0
    finally:
        serveur.terminate()
        serveur.wait(timeout=20)
        journal.close()
        if args.base == "postgres":
            subprocess.run(["psql", admin_pg, "-qc", f"DROP DATABASE IF EXISTS {nom_pg} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    sys.exit(main())
