#!/usr/bin/env python3
"""Écrit le corpus d'entrées hostiles de tests/hostile/ (déterministe, bibliothèque standard).

    python3 tests/hostile/generer.py

Les fichiers produits sont versionnés ; ce script dit comment chacun est fait. Les entrées trop
grosses pour le dépôt (fichier au-delà de la taille admise, champ de plusieurs mégaoctets) sont
fabriquées par le test lui-même (crates/web/tests/integration/hostile.rs). Ce que chaque entrée doit donner :
tests/hostile/attendus.toml.
"""
import io
import os
import zipfile
import zlib

ICI = os.path.dirname(os.path.abspath(__file__))
EXEMPLE = os.path.join(ICI, "..", "..", "donnees", "lieux", "exemple-valide-v1.0.2.csv")


def ecrire(chemin, octets):
    chemin = os.path.join(ICI, chemin)
    os.makedirs(os.path.dirname(chemin), exist_ok=True)
    with open(chemin, "wb") as f:
        f.write(octets)


def exemple():
    """En-tête et premier enregistrement de l'exemple officiel, en lignes de texte."""
    with open(EXEMPLE, encoding="utf-8") as f:
        texte = f.read()
    import csv
    lignes = list(csv.reader(io.StringIO(texte)))
    return lignes[0], lignes[1]


def csv_de(entete, enregistrements, fin="\n"):
    import csv
    s = io.StringIO()
    w = csv.writer(s, lineterminator=fin, quoting=csv.QUOTE_MINIMAL)
    w.writerow(entete)
    for e in enregistrements:
        w.writerow(e)
    return s.getvalue()


def avec(entete, modele, **champs):
    e = list(modele)
    for k, v in champs.items():
        e[entete.index(k)] = v
    return e


entete, modele = exemple()

# ---------- Fichiers de lieux (import : ligne de commande et page d'administration) ----------
ecrire("lieux/vide.csv", b"")
ecrire("lieux/entete-seule.csv", csv_de(entete, []).encode())
ecrire("lieux/latin1.csv",
       csv_de(entete, [avec(entete, modele, id="latin-1", nom="Médiathèque d'Angoulême")]).encode("latin-1"))
ecrire("lieux/utf16.csv",
       b"\xff\xfe" + csv_de(entete, [avec(entete, modele, id="utf-16")]).encode("utf-16-le"))
ecrire("lieux/guillemet-jamais-ferme.csv",
       (csv_de(entete, [avec(entete, modele, id="g-1")]) + '"g-2,"Lieu sans fin\n').encode())
ecrire("lieux/separateurs-en-trop.csv",
       (csv_de(entete, [avec(entete, modele, id="s-1")]) + ",".join(avec(entete, modele, id="s-2")) + ",,,\n").encode())
ecrire("lieux/caracteres-de-controle.csv", csv_de(entete, [
    avec(entete, modele, id="c-1", nom="Lieu\x00nul"),
    avec(entete, modele, id="c-2", nom="Lieu \x1b[31mrouge\x1b[0m", presentation_resume="Bip\x07"),
    avec(entete, modele, id="c-3", nom="Lieu\u202egnp.exe"),
    avec(entete, modele, id="c-4"),
]).encode())
ecrire("lieux/injection.csv", csv_de(entete, [
    avec(entete, modele, id="i-1", nom="<script>alert('lieu')</script>",
         presentation_resume="\"><img src=x onerror=alert(1)>",
         adresse="1 rue <b>gras</b>"),
    avec(entete, modele, id="i-2", site_web="javascript:alert(1)"),
    avec(entete, modele, id="i-3", nom="Lieu'); DROP TABLE lieux; --"),
    avec(entete, modele, id="../../../etc/passwd", nom="Traversée"),
]).encode())
ecrire("lieux/bom-crlf.csv", b"\xef\xbb\xbf" + csv_de(entete, [avec(entete, modele, id="b-1")], fin="\r\n").encode())
ecrire("lieux/json-profond.json", b"[" * 100_000 + b"]" * 100_000)
ecrire("lieux/json-objet.json", b'{"id": "pas-un-tableau"}')
ecrire("lieux/json-tronque.json", b'[{"id": "t-1", "nom": "Lieu')
ecrire("lieux/png-renomme.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


def bombe_zip(noms_docx):
    """Une archive de 100 Mo de zéros comprimés (quelques dizaines de Ko)."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        if noms_docx:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            z.writestr("word/document.xml", b"\x00" * (100 * 1024 * 1024))
        else:
            z.writestr("zeros.bin", b"\x00" * (100 * 1024 * 1024))
    return b.getvalue()


ecrire("lieux/bombe.csv", bombe_zip(False))

# ---------- Pièces jointes (dossiers, messages, rapports de charte) ----------
ecrire("pieces/vide.pdf", b"")
ecrire("pieces/html-deguise.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>")
ecrire("pieces/svg-script.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
ecrire("pieces/executable.pdf", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 64)
ecrire("pieces/elf.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64)
ecrire("pieces/bombe.zip", bombe_zip(False))
ecrire("pieces/bombe.docx", bombe_zip(True))
flux = zlib.compress(b"\x00" * (100 * 1024 * 1024), 9)
ecrire("pieces/bombe.pdf",
       b"%PDF-1.4\n1 0 obj<</Length " + str(len(flux)).encode() + b"/Filter/FlateDecode>>stream\n" + flux
       + b"\nendstream endobj\ntrailer<<>>\n%%EOF\n")
ecrire("pieces/polyglotte.pdf",
       b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n")

# ---------- Textes saisis dans les formulaires et les recherches ----------
ecrire("textes/script.txt", "<script>alert('reperes')</script>".encode())
ecrire("textes/attribut.txt", "\" autofocus onfocus=alert(1) x=\"".encode())
ecrire("textes/sql.txt", "x'); DROP TABLE dossiers; --".encode())
ecrire("textes/controle.txt", "avant\x00après\x1b[2J\x07\x08fin".encode())
ecrire("textes/bidi.txt", "fichier\u202efdp.exe".encode())
ecrire("textes/gabarit.txt", "{{ 7*7 }} {% raw %} ${7*7} #{7*7}".encode())
ecrire("textes/emoji-zwj.txt", ("👩\u200d👩\u200d👧\u200d👦" * 50).encode())
ecrire("textes/chemin.txt", "../../../../etc/passwd".encode())
print("corpus écrit dans", ICI)
