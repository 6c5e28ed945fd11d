#!/usr/bin/env python3
"""Banc mémoire des envois multipart (issue 13, constat 1).

Lance le serveur sur une base SQLite neuve (sans démonstration), envoie N POST anonymes
parallèles de T Mo en multipart vers /dossiers/x/messages, et relève la hausse de la mémoire
résidente du serveur : maximum de VmRSS échantillonné toutes les 5 ms pendant le tir, moins
VmRSS avant le tir (et VmHWM, pic depuis le démarrage). Exigence : moins de 64 Mo pour
8 POST de 40 Mo.

    bench/memoire_multipart.py

Variables :
    REPERES=chemin          binaire à mesurer (défaut : target/release/reperes)
    BANC_CONSTRUIRE=0       ne pas lancer « cargo build --release -p reperes »
    BANC_ENVOIS=8           POST simultanés
    BANC_MO=40              taille de chaque corps, en Mo

Ce banc mesure et n'échoue pas sur un chiffre ; il échoue si le serveur ne démarre pas. Il ne
fait pas partie de la commande de test.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

RACINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPERES = os.environ.get("REPERES", os.path.join(RACINE, "target", "release", "reperes"))
ENVOIS = int(os.environ.get("BANC_ENVOIS", "8"))
MO = int(os.environ.get("BANC_MO", "40"))
FRONTIERE = "----banc-reperes"
MORCEAU = 64 * 1024


def info(texte):
    print(f"» {texte}", file=sys.stderr)


def port_libre():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def memoire(pid, cle):
    with open(f"/proc/{pid}/status") as f:
        for ligne in f:
            if ligne.startswith(cle + ":"):
                return int(ligne.split()[1]) / 1024
    return 0.0


def envoyer(port, taille, resultats, i):
    """Un POST multipart anonyme de `taille` octets, envoyé jusqu'à ce que le serveur réponde
    ou ferme la connexion ; rend (code HTTP, octets envoyés, secondes)."""
    tete = (
        f"--{FRONTIERE}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nfaux\r\n"
        f"--{FRONTIERE}\r\nContent-Disposition: form-data; name=\"pieces\"; "
        f"filename=\"gros.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    fin = f"\r\n--{FRONTIERE}--\r\n".encode()
    remplissage = taille - len(tete) - len(fin)
    entete = (
        f"POST /dossiers/x/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={FRONTIERE}\r\n"
        f"Content-Length: {taille}\r\n\r\n"
    ).encode()
    debut = time.monotonic()
    envoyes = 0
    code = "?"
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(60)
    try:
        s.sendall(entete + tete)
        envoyes = len(tete)
        bloc = b" " * MORCEAU
        reste = remplissage
        s.setblocking(False)
        while reste > 0:
            # Le serveur a-t-il déjà répondu ?
            try:
                recu = s.recv(4096)
                if recu:
                    code = recu.split(b" ", 2)[1].decode()
                    break
                break
            except BlockingIOError:
                pass
            try:
                n = s.send(bloc[: min(MORCEAU, reste)])
                reste -= n
                envoyes += n
            except BlockingIOError:
                time.sleep(0.001)
        else:
            s.setblocking(True)
            s.sendall(fin)
            envoyes += len(fin)
        if code == "?":
            s.setblocking(True)
            recu = s.recv(4096)
            if recu:
                code = recu.split(b" ", 2)[1].decode()
    except OSError as e:
        code = code if code != "?" else f"connexion fermée ({e.__class__.__name__})"
    finally:
        s.close()
    resultats[i] = (code, envoyes, time.monotonic() - debut)


def main():
    if os.environ.get("BANC_CONSTRUIRE", "1") != "0":
        info("construction : cargo build --release -p reperes")
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "reperes"], cwd=RACINE, check=True)
    tmp = tempfile.mkdtemp(prefix="banc-multipart.")
    port = port_libre()
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite://{tmp}/banc.db?mode=rwc",
        REPERES_FICHIERS=f"{tmp}/fichiers",
        REPERES_COURRIELS_DOSSIER=f"{tmp}/courriels",
        RUST_LOG="warn",
    )
    journal = open(f"{tmp}/serveur.log", "w")
    serveur = subprocess.Popen(
        [REPERES, "serve", "--no-demo", "--addr", f"127.0.0.1:{port}"],
        cwd=RACINE, env=env, stdout=journal, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/sante", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            print(open(f"{tmp}/serveur.log").read(), file=sys.stderr)
            sys.exit("le serveur n'a pas démarré")
        # Une page d'abord : le serveur a servi une requête, ses réserves sont en place.
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
        pid = serveur.pid
        avant = memoire(pid, "VmRSS")
        hwm_avant = memoire(pid, "VmHWM")
        pic = [avant]
        fini = threading.Event()

        def echantillonner():
            while not fini.is_set():
                pic[0] = max(pic[0], memoire(pid, "VmRSS"))
                time.sleep(0.005)

        t = threading.Thread(target=echantillonner)
        t.start()
        resultats = [None] * ENVOIS
        fils = [
            threading.Thread(target=envoyer, args=(port, MO * 1024 * 1024, resultats, i))
            for i in range(ENVOIS)
        ]
        debut = time.monotonic()
        for f in fils:
            f.start()
        for f in fils:
            f.join()
        duree = time.monotonic() - debut
        time.sleep(0.2)
        fini.set()
        t.join()
        apres = memoire(pid, "VmRSS")
        hwm = memoire(pid, "VmHWM")
        print(f"binaire : {REPERES}")
        print(f"{ENVOIS} POST anonymes de {MO} Mo en parallèle, {duree:.2f} s")
        for i, (code, envoyes, s) in enumerate(resultats):
            print(f"  envoi {i + 1} : réponse {code}, {envoyes / 1024:.0f} Ko envoyés avant la réponse, {s:.2f} s")
        print(f"VmRSS avant : {avant:.1f} Mo ; pic pendant le tir : {pic[0]:.1f} Mo ; après : {apres:.1f} Mo")
        print(f"VmHWM avant : {hwm_avant:.1f} Mo ; après : {hwm:.1f} Mo")
        print(f"hausse de la mémoire (pic − avant) : {pic[0] - avant:.1f} Mo (exigence : < 64 Mo)")
    finally:
        serveur.terminate()
        serveur.wait()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
