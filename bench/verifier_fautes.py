#!/usr/bin/env python3
"""Vérifie le catalogue de fautes de bench/generer_lieux.py (FAUTES) contre les deux références.

    python3 bench/verifier_fautes.py [--garder DOSSIER]

Pour chaque faute : 25 lieux valides sont générés, la faute est appliquée aux lieux 2 à 25, puis
le fichier passe par le schéma officiel (`frictionless validate`, frictionless 5.21.0) et par la
bibliothèque de référence (outils/lieux-npm/valider.mjs). Les verdicts observés doivent être ceux
que déclare le catalogue (« ok » : les 24 lieux fautifs acceptés ; « ko » : tous refusés).
Code de sortie 1 au premier écart.

Avec --garder DOSSIER, les fichiers (un par faute, faute-NOM.csv) et attendu.tsv (faute, verdict
du schéma, verdict de la bibliothèque) restent dans DOSSIER : un corpus pour tester les modes
strict et compatible de Repères (le lieu 1 de chaque fichier est valide pour les deux).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

RACINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(RACINE, "bench"))

import generer_lieux as g  # noqa: E402

N = 25


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--garder", help="dossier où garder les fichiers fautifs")
    a = p.parse_args()
    if shutil.which("frictionless") is None:
        print("frictionless introuvable : pip install frictionless==5.21.0", file=sys.stderr)
        return 2
    # frictionless refuse les chemins absolus hors du dossier courant : on travaille à la racine.
    os.chdir(RACINE)
    dossier = a.garder or tempfile.mkdtemp(prefix="fautes-", dir=os.path.join(RACINE, "bench", "cache"))
    os.makedirs(dossier, exist_ok=True)
    ecarts = 0
    attendu = ["faute\tschema\tbibliotheque"]
    for idx, (nom, v_schema, v_bib, effet) in enumerate(g.FAUTES):
        tampon = io.StringIO()
        g.generer(N, 1000 + idx, tampon)
        lignes = list(csv.DictReader(io.StringIO(tampon.getvalue())))
        champs = list(lignes[0].keys())
        precedent = None
        chemin = os.path.relpath(os.path.join(dossier, f"faute-{nom}.csv"), RACINE)
        with open(chemin, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(champs)
            for i, r in enumerate(lignes):
                r = {k: v for k, v in r.items() if v != ""}
                if i > 0:
                    effet(r, None, precedent)
                precedent = r["id"]
                w.writerow([r.get(c, "") for c in champs])
        attendu.append(f"{nom}\t{v_schema}\t{v_bib}")
        fr = subprocess.run(
            ["frictionless", "validate", "--json", "--schema",
             "schemas/lieux/schema-v1.0.2.json", chemin],
            capture_output=True, text=True, check=False)
        tache = json.loads(fr.stdout)["tasks"][0]
        refus_schema = {e["rowNumber"] for e in tache["errors"] if e.get("rowNumber")}
        npm = subprocess.run(
            ["node", os.path.join("outils", "lieux-npm", "valider.mjs"), "--tolerant", chemin],
            capture_output=True, text=True, check=False)
        refus_bib = len(json.loads(npm.stdout)["rejetes"])

        def verdict(n: int) -> str:
            return "ko" if n >= N - 1 else ("ok" if n == 0 else f"mixte({n})")

        obs_s, obs_b = verdict(len(refus_schema)), verdict(refus_bib)
        bon = (obs_s, obs_b) == (v_schema, v_bib)
        ecarts += not bon
        print(f"{'ok ' if bon else 'ÉCART'} {nom:38s} schéma {v_schema}→{obs_s:4s} "
              f"bibliothèque {v_bib}→{obs_b}")
    with open(os.path.join(dossier, "attendu.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(attendu) + "\n")
    if not a.garder:
        shutil.rmtree(dossier)
    print(f"{len(g.FAUTES) - ecarts} passed, {ecarts} failed")
    return 1 if ecarts else 0


if __name__ == "__main__":
    sys.exit(main())
