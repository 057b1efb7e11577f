#!/usr/bin/env python3
"""Peak memory of carnet-server under a flood of wrong logins.

Starts the server binary given as first argument on a fresh SQLite file, trusting 127.0.0.1 as
a proxy so that each login can claim its own client address (X-Forwarded-For) and every one is
really verified, as in a flood spread over many addresses. Fires N logins at once (default 200),
each with a wrong password for a different unknown address, then prints the server's peak
resident memory (VmHWM) before and after, and how long the flood took.

    python3 scripts/memoire-connexions.py target/debug/carnet-server [N]
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def libre():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vmhwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for ligne in f:
            if ligne.startswith("VmHWM:"):
                return int(ligne.split()[1]) // 1024
    return None


def main():
    binaire = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    port = libre()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, DATABASE_URL=f"sqlite://{d}/carnet.db", RUST_LOG="error", CARNET_SECRET=os.urandom(32).hex())
        serveur = subprocess.Popen(
            [binaire, "--listen", f"127.0.0.1:{port}", "--dist", f"{d}/dist", "--trusted-proxy", "127.0.0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/health", timeout=1)
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.1)
            avant = vmhwm(serveur.pid)
            statuts = []
            depart = threading.Barrier(n)

            def essai(i):
                corps = json.dumps({"email": f"personne{i}@exemple.fr", "password": "pas le bon"}).encode()
                req = urllib.request.Request(
                    f"{base}/api/v1/auth/login",
                    data=corps,
                    headers={"Content-Type": "application/json", "X-Forwarded-For": f"198.51.{i // 250}.{i % 250 + 1}"},
                )
                depart.wait()
                try:
                    urllib.request.urlopen(req, timeout=300)
                    statuts.append(200)
                except urllib.error.HTTPError as e:
                    statuts.append(e.code)
                except Exception as e:  # noqa: BLE001
                    statuts.append(str(e))

            fils = [threading.Thread(target=essai, args=(i,)) for i in range(n)]
            t0 = time.monotonic()
            for f in fils:
                f.start()
            for f in fils:
                f.join()
            duree = time.monotonic() - t0
            apres = vmhwm(serveur.pid)
            compte = {}
            for s in statuts:
                compte[s] = compte.get(s, 0) + 1
            print(f"{n} connexions erronées simultanées : pic de mémoire {avant} Mio au repos, {apres} Mio après ; "
                  f"{duree:.1f} s ; réponses {compte}")
        finally:
            serveur.terminate()
            serveur.wait()


if __name__ == "__main__":
    main()
