#!/usr/bin/env python3
"""Génère des lieux de médiation numérique synthétiques (CSV ou JSON), au schéma national v1.0.2.

    python3 bench/generer_lieux.py [--nombre 100000] [--graine 1] [--sortie lieux.csv|lieux.json]
                                   [--format csv|json]

JSON : tableau d'enregistrements plats, comme les fichiers de la cartographie nationale (champs
absents omis, valeurs multiples « a|b », latitude et longitude en nombres) ; mêmes lieux que le CSV
de même graine.

Bibliothèque standard seulement ; sortie déterministe pour une graine donnée.

Les lieux sont valides à la fois pour le schéma officiel (Table Schema, validé par frictionless)
et pour la bibliothèque de référence @gouvfr-anct/lieux-de-mediation-numerique 2.3.0
(outils/lieux-npm/valider.mjs) :
- répartis en France métropolitaine continentale (latitude 42,3–51,0 ; longitude -4,8–8,2,
  donc sans la Corse), plus denses autour d'une quarantaine de grandes villes ;
- identifiants uniques (UUID v4 tirés du générateur) ; pivot : SIRET de 14 chiffres dont le
  SIREN et le SIRET passent la clé de Luhn, « 00000000000000 » pour une partie, RNA pour
  quelques associations ;
- communes, codes postaux et codes INSEE réels pour les grandes villes, vraisemblables ailleurs ;
- 1 à 5 services, et les autres listes, tirés des énumérations lues dans les `pattern` du
  schéma (schemas/lieux/schema-v1.0.2.json), à l'exception des rares valeurs que la
  bibliothèque de référence écrit autrement (voir EXCLUES_PAR_LA_BIBLIOTHEQUE) ;
- téléphone au format E.164 « +33… », horaires au format OpenStreetMap.

Avec --fautes TAUX (0 par défaut), une part TAUX des lieux reçoit une faute réaliste tirée de
FAUTES (une par lieu, générateur séparé : les lieux sans faute restent identiques à ceux d'une
génération sans --fautes). Chaque faute note le verdict attendu du schéma officiel et de la
bibliothèque de référence : de quoi comparer les modes strict et compatible à leurs références
(frictionless, outils/lieux-npm/valider.mjs). --fautes-liste affiche ce catalogue.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import sys
import unicodedata
import uuid
from random import Random

RACINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(RACINE, "schemas", "lieux", "schema-v1.0.2.json")

LAT_MIN, LAT_MAX = 42.3, 51.0
LON_MIN, LON_MAX = -4.8, 8.2

# Valeurs des `pattern` du schéma que la bibliothèque de référence refuse : le schéma écrit
# « Étapes numériques(La Poste) » sans espace, la bibliothèque « Étapes numériques (La Poste) ».
EXCLUES_PAR_LA_BIBLIOTHEQUE = {"Étapes numériques(La Poste)"}

# Grandes villes : nom, code postal (ou liste), code INSEE, latitude, longitude, poids.
VILLES = [
    ("Paris", [f"750{i:02d}" for i in range(1, 21)], "75056", 48.8566, 2.3522, 21.0),
    ("Marseille", [f"130{i:02d}" for i in range(1, 17)], "13055", 43.2965, 5.3698, 8.7),
    ("Lyon", [f"6900{i}" for i in range(1, 10)], "69123", 45.7640, 4.8357, 5.2),
    ("Toulouse", ["31000", "31100", "31200", "31300", "31400", "31500"], "31555", 43.6047, 1.4442, 5.0),
    ("Nice", ["06000", "06100", "06200", "06300"], "06088", 43.7031, 7.2661, 3.4),
    ("Nantes", ["44000", "44100", "44200", "44300"], "44109", 47.2184, -1.5536, 3.2),
    ("Montpellier", ["34000", "34070", "34080", "34090"], "34172", 43.6108, 3.8767, 3.0),
    ("Strasbourg", ["67000", "67100", "67200"], "67482", 48.5734, 7.7521, 2.9),
    ("Bordeaux", ["33000", "33100", "33200", "33300", "33800"], "33063", 44.8378, -0.5792, 2.6),
    ("Lille", ["59000", "59160", "59260", "59777", "59800"], "59350", 50.6292, 3.0573, 2.4),
    ("Rennes", ["35000", "35200", "35700"], "35238", 48.1173, -1.6778, 2.2),
    ("Reims", ["51100"], "51454", 49.2583, 4.0317, 1.8),
    ("Toulon", ["83000", "83100", "83200"], "83137", 43.1242, 5.9280, 1.8),
    ("Saint-Étienne", ["42000", "42100"], "42218", 45.4397, 4.3872, 1.7),
    ("Le Havre", ["76600", "76610", "76620"], "76351", 49.4944, 0.1079, 1.7),
    ("Grenoble", ["38000", "38100"], "38185", 45.1885, 5.7245, 1.6),
    ("Dijon", ["21000"], "21231", 47.3220, 5.0415, 1.6),
    ("Angers", ["49000", "49100"], "49007", 47.4784, -0.5632, 1.6),
    ("Nîmes", ["30000", "30900"], "30189", 43.8367, 4.3601, 1.5),
    ("Villeurbanne", ["69100"], "69266", 45.7719, 4.8902, 1.5),
    ("Clermont-Ferrand", ["63000", "63100"], "63113", 45.7772, 3.0870, 1.5),
    ("Le Mans", ["72000", "72100"], "72181", 48.0061, 0.1996, 1.4),
    ("Aix-en-Provence", ["13090", "13100", "13290"], "13001", 43.5297, 5.4474, 1.4),
    ("Brest", ["29200"], "29019", 48.3904, -4.4861, 1.4),
    ("Tours", ["37000", "37100", "37200"], "37261", 47.3941, 0.6848, 1.4),
    ("Amiens", ["80000", "80080", "80090"], "80021", 49.8941, 2.2958, 1.3),
    ("Limoges", ["87000", "87100", "87280"], "87085", 45.8336, 1.2611, 1.3),
    ("Annecy", ["74000", "74370", "74600", "74960"], "74010", 45.8992, 6.1294, 1.3),
    ("Perpignan", ["66000", "66100"], "66136", 42.6887, 2.8948, 1.2),
    ("Metz", ["57000", "57050", "57070"], "57463", 49.1193, 6.1757, 1.2),
    ("Besançon", ["25000"], "25056", 47.2378, 6.0241, 1.2),
    ("Orléans", ["45000", "45100"], "45234", 47.9030, 1.9093, 1.2),
    ("Rouen", ["76000", "76100"], "76540", 49.4432, 1.0999, 1.2),
    ("Mulhouse", ["68100", "68200"], "68224", 47.7508, 7.3359, 1.1),
    ("Caen", ["14000"], "14118", 49.1829, -0.3707, 1.1),
    ("Nancy", ["54000", "54100"], "54395", 48.6921, 6.1844, 1.1),
    ("Argenteuil", ["95100"], "95018", 48.9472, 2.2467, 1.0),
    ("Montreuil", ["93100"], "93048", 48.8638, 2.4485, 1.0),
    ("Saint-Denis", ["93200", "93210"], "93066", 48.9362, 2.3574, 1.0),
    ("Poitiers", ["86000"], "86194", 46.5802, 0.3404, 0.9),
    ("Pau", ["64000"], "64445", 43.2951, -0.3708, 0.8),
    ("La Rochelle", ["17000"], "17300", 46.1603, -1.1511, 0.8),
    ("Avignon", ["84000"], "84007", 43.9493, 4.8055, 0.8),
    ("Angoulême", ["16000"], "16015", 45.6484, 0.1562, 0.6),
]

# Départements métropolitains continentaux : code, latitude et longitude de la préfecture.
DEPARTEMENTS = [
    ("01", 46.205, 5.225), ("02", 49.564, 3.620), ("03", 46.566, 3.333), ("04", 44.092, 6.236),
    ("05", 44.559, 6.079), ("06", 43.703, 7.266), ("07", 44.735, 4.599), ("08", 49.773, 4.720),
    ("09", 42.965, 1.607), ("10", 48.297, 4.074), ("11", 43.213, 2.349), ("12", 44.350, 2.575),
    ("13", 43.296, 5.370), ("14", 49.183, -0.370), ("15", 44.926, 2.440), ("16", 45.648, 0.156),
    ("17", 45.950, -0.900), ("18", 47.081, 2.399), ("19", 45.267, 1.771), ("21", 47.322, 5.041),
    ("22", 48.514, -2.765), ("23", 46.171, 1.872), ("24", 45.184, 0.721), ("25", 47.238, 6.024),
    ("26", 44.933, 4.892), ("27", 49.027, 1.151), ("28", 48.446, 1.489), ("29", 48.200, -4.000),
    ("30", 43.837, 4.360), ("31", 43.604, 1.444), ("32", 43.646, 0.586), ("33", 44.838, -0.579),
    ("34", 43.611, 3.877), ("35", 48.117, -1.678), ("36", 46.811, 1.686), ("37", 47.394, 0.685),
    ("38", 45.188, 5.724), ("39", 46.674, 5.555), ("40", 43.890, -0.500), ("41", 47.586, 1.335),
    ("42", 45.440, 4.387), ("43", 45.043, 3.885), ("44", 47.218, -1.554), ("45", 47.903, 1.909),
    ("46", 44.448, 1.441), ("47", 44.203, 0.616), ("48", 44.518, 3.500), ("49", 47.478, -0.563),
    ("50", 49.116, -1.091), ("51", 48.957, 4.363), ("52", 48.111, 5.139), ("53", 48.073, -0.770),
    ("54", 48.692, 6.184), ("55", 48.773, 5.160), ("56", 47.750, -2.760), ("57", 49.120, 6.176),
    ("58", 46.990, 3.159), ("59", 50.629, 3.057), ("60", 49.430, 2.081), ("61", 48.432, 0.091),
    ("62", 50.291, 2.777), ("63", 45.778, 3.087), ("64", 43.295, -0.371), ("65", 43.233, 0.078),
    ("66", 42.699, 2.895), ("67", 48.573, 7.752), ("68", 48.079, 7.358), ("69", 45.764, 4.836),
    ("70", 47.622, 6.156), ("71", 46.307, 4.828), ("72", 48.006, 0.199), ("73", 45.564, 5.918),
    ("74", 45.899, 6.129), ("75", 48.857, 2.352), ("76", 49.443, 1.100), ("77", 48.540, 2.660),
    ("78", 48.801, 2.130), ("79", 46.323, -0.459), ("80", 49.894, 2.296), ("81", 43.929, 2.148),
    ("82", 44.018, 1.355), ("83", 43.300, 6.200), ("84", 43.949, 4.806), ("85", 46.670, -1.426),
    ("86", 46.580, 0.340), ("87", 45.834, 1.261), ("88", 48.173, 6.450), ("89", 47.798, 3.567),
    ("90", 47.640, 6.863), ("91", 48.629, 2.441), ("92", 48.892, 2.207), ("93", 48.908, 2.440),
    ("94", 48.790, 2.455), ("95", 49.036, 2.076),
]
# Indicatif téléphonique géographique (01 à 05) selon la zone.
ZONE_TEL = {
    **{d: "1" for d in ("75", "77", "78", "91", "92", "93", "94", "95")},
    **{d: "2" for d in ("14", "18", "22", "27", "28", "29", "35", "36", "37", "41", "44", "45",
                        "49", "50", "53", "56", "61", "72", "76", "85")},
    **{d: "3" for d in ("02", "08", "10", "21", "25", "39", "51", "52", "54", "55", "57", "58",
                        "59", "60", "62", "67", "68", "70", "71", "80", "88", "89", "90")},
    **{d: "4" for d in ("01", "03", "04", "05", "06", "07", "11", "13", "15", "26", "30", "34",
                        "38", "42", "43", "48", "63", "66", "69", "73", "74", "83", "84")},
}

PREFIXES_COMMUNE = ["Saint-", "Sainte-", "", "", "", "La ", "Le ", "Les ", "Villeneuve-", "Mont-"]
RACINES_COMMUNE = [
    "Martin", "Laurent", "Germain", "Pierre", "Hilaire", "Étienne", "Julien", "Marie",
    "Fontaine", "Bois", "Chêne", "Rivière", "Val", "Roche", "Beaulieu", "Clairval", "Brosse",
    "Aubigny", "Montigny", "Champagne", "Verneuil", "Lussac", "Mauriac", "Thénac", "Cognac",
    "Breuil", "Plessis", "Chapelle", "Ferté", "Forges", "Essarts", "Mesnil", "Vigneux",
]
SUFFIXES_COMMUNE = [
    "", "", "", "", "-sur-Loire", "-sur-Mer", "-en-Bresse", "-les-Bains", "-le-Grand",
    "-la-Forêt", "-de-Provence", "-sur-Charente", "-en-Vexin", "-d'Aunis", "-sous-Bois",
    "-aux-Bois", "-le-Château", "-sur-Seine", "-l'Abbaye",
]
TYPES_VOIE = ["rue", "rue", "rue", "avenue", "boulevard", "place", "allée", "impasse", "chemin",
              "route", "quai", "cours", "square"]
NOMS_VOIE = [
    "Victor Hugo", "Jean Jaurès", "de la République", "de la Mairie", "Pasteur", "Gambetta",
    "du Général de Gaulle", "de la Gare", "des Écoles", "Jules Ferry", "Voltaire", "de l'Église",
    "du 8 Mai 1945", "de la Liberté", "Émile Zola", "des Tilleuls", "du Moulin", "Carnot",
    "Marie Curie", "Louise Michel", "Simone Veil", "de Verdun", "du Stade", "des Lilas",
    "Saint-Exupéry", "Anatole France", "de la Paix", "du Marché", "Aristide Briand", "Molière",
]
COMPLEMENTS = ["Bâtiment B", "1er étage", "Rez-de-chaussée", "Entrée par la cour",
               "Espace numérique, 2e étage", "Porte 3", "Résidence Les Tilleuls"]
GABARITS_NOM = [
    "Médiathèque de {c}", "Médiathèque municipale {v}", "Espace France Services de {c}",
    "Centre social {v}", "Mairie de {c}", "Tiers-lieu numérique {v}", "Association {v} Numérique",
    "EPN de {c}", "CCAS de {c}", "Bibliothèque {v}", "Maison de quartier {v}",
    "Point d'accès numérique CAF de {c}", "Fablab {v}", "Maison des services de {c}",
    "Emmaüs Connect {c}", "La Poste de {c}", "Cyber-base de {c}", "Maison France Services {c}",
    "Centre socioculturel {v}", "Atelier numérique {v}",
]
QUARTIERS = ["des Tilleuls", "du Centre", "Jean Moulin", "Les Glycines", "Pasteur", "du Parc",
             "La Source", "des Minimes", "Saint-Michel", "Bellevue", "Le Lien", "L'Escale",
             "Les Quatre Vents", "du Vieux Port", "Arc-en-ciel", "Émeraude"]
TYPOLOGIES = ["MUNI", "BIB", "CCAS", "ASSO", "EPN", "TIERS_LIEUX", "RFS", "CSC", "MQ", "CAF",
              "MJC", "PIMMS", "FABLAB", "LA_POSTE", "EPCI", "CD", "ML", "FT", "Autre"]
POIDS_TYPOLOGIES = [14, 12, 8, 14, 6, 6, 9, 6, 4, 2, 3, 2, 2, 2, 2, 2, 1, 1, 4]
HORAIRES = [
    ("Mo-Fr 09:00-12:00,14:00-17:00", 14),
    ("Mo-Fr 09:00-17:00", 8),
    ("Tu,Th 14:00-18:00; Sa 09:00-12:00", 6),
    ("Mo-Sa 10:00-19:00", 5),
    ("Tu-Sa 10:00-12:30,14:00-18:00", 8),
    ("Mo,We,Fr 09:00-12:00", 5),
    ("Mo-Th 08:30-12:00,13:30-17:30; Fr 08:30-12:00", 7),
    ("We 14:00-18:00; Sa 10:00-12:00,14:00-17:00", 6),
    ("Tu 14:00-19:00; We 10:00-18:00; Fr 14:00-18:00; Sa 10:00-17:00", 6),
    ("Mo-Fr 08:00-12:00,13:00-16:00", 5),
    ("Mo 14:00-17:00; Tu-Fr 09:00-12:00,14:00-17:00", 6),
    ("Mo-Fr 09:00-12:00", 4),
    ("Th 09:00-12:00,14:00-16:30", 3),
    ("Mo-Fr 09:00-18:00; Sa 09:00-12:00", 5),
    ("Tu-Fr 13:30-18:00; Sa 09:30-12:30; PH off", 4),
    ("24/7", 1),
]
RESUMES = [
    "Accompagnement gratuit aux démarches en ligne et aux outils numériques du quotidien.",
    "Ateliers collectifs d'initiation à l'ordinateur, à la tablette et au smartphone, pour tous.",
    "Accès libre à des ordinateurs et à internet, avec l'aide d'un conseiller numérique sur place.",
    "Permanences sur rendez-vous pour vos démarches administratives : CAF, impôts, santé, emploi.",
    "Un lieu convivial pour apprendre, créer et partager autour du numérique.",
]
DETAIL = ("Notre équipe vous accueille pour découvrir les usages du numérique : envoyer un courriel, "
          "prendre un rendez-vous médical, créer son espace France Travail ou sécuriser ses comptes. "
          "Des ateliers thématiques ont lieu chaque semaine ; l'accès libre est possible aux horaires "
          "d'ouverture.")


def enumerations(schema: dict) -> dict[str, list[str]]:
    """Lit les valeurs admises dans les `pattern` « (?:(?:^|\\|)(A|B|…))+$ » du schéma."""
    debut, fin = "(?:(?:^|\\|)(", "))+$"
    resultat = {}
    for champ in schema["fields"]:
        motif = champ.get("constraints", {}).get("pattern", "")
        if not (motif.startswith(debut) and motif.endswith(fin)):
            continue
        interieur = motif[len(debut):-len(fin)]
        valeurs = [re.sub(r"\\(.)", r"\1", v) for v in re.split(r"(?<!\\)\|", interieur)]
        # Chaque valeur doit être acceptée par le motif tel que frictionless l'applique.
        regle = re.compile("^" + motif + "$")
        for v in valeurs:
            if not regle.match(v):
                raise SystemExit(f"{champ['name']} : valeur « {v} » mal extraite du motif")
        resultat[champ["name"]] = [v for v in valeurs if v not in EXCLUES_PAR_LA_BIBLIOTHEQUE]
    return resultat


def luhn_valide(chiffres: str) -> bool:
    somme = 0
    for i, c in enumerate(reversed(chiffres)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        somme += n
    return somme % 10 == 0


def completer_luhn(debut: str) -> str:
    """Ajoute le chiffre de contrôle de Luhn à `debut`."""
    for d in "0123456789":
        if luhn_valide(debut + d):
            return debut + d
    raise AssertionError("inatteignable")


def siret(rng: Random) -> str:
    siren = completer_luhn(f"{rng.randrange(10**7, 10**8)}")
    nic = f"{rng.randrange(1, 1000):04d}"
    return completer_luhn(siren + nic)


def ascii_slug(texte: str) -> str:
    t = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")


def borner(x: float, bas: float, haut: float) -> float:
    return min(max(x, bas), haut)


def choisir_plusieurs(rng: Random, valeurs: list[str], bas: int, haut: int) -> str:
    n = rng.randint(bas, min(haut, len(valeurs)))
    choisis = rng.sample(valeurs, n)
    # Ordre du schéma, comme le font la plupart des producteurs.
    return "|".join(v for v in valeurs if v in choisis)


def _sans(*champs):
    def f(r, _rng, _prec):
        for c in champs:
            r.pop(c, None)
    return f


def _mettre(champ, valeur):
    def f(r, _rng, _prec):
        r[champ] = valeur(r) if callable(valeur) else valeur
    return f


def _sans_services_publics_faux(r, _rng, _prec):
    r.pop("services", None)
    r["publics_specifiquement_adresses"] = "Martiens"


def _id_en_double(r, _rng, prec):
    if prec is not None:
        r["id"] = prec


# Fautes injectées par --fautes : (nom, verdict du schéma, verdict de la bibliothèque, effet).
# Verdicts : « ok » accepté, « ko » refusé. Vérifiés avec frictionless 5.21.0 et
# @gouvfr-anct/lieux-de-mediation-numerique 2.3.0.
FAUTES = [
    ("telephone_espaces", "ko", "ok", _mettre("telephone", "05 45 12 34 56")),
    ("telephone_0_entre_parentheses", "ko", "ok", _mettre("telephone", "+33 (0)5 45 12 34 56")),
    ("telephone_polynesie_8_chiffres", "ok", "ko", _mettre("telephone", "+68940123456")),
    ("resume_300_caracteres", "ko", "ok", _mettre("presentation_resume", "Atelier. " * 33 + "Fin")),
    ("date_maj_jj_mm_aaaa", "ko", "ok", _mettre("date_maj", "02/04/2024")),
    ("date_maj_absente", "ko", "ok", _sans("date_maj")),
    ("pivot_9_chiffres", "ok", "ko", _mettre("pivot", "123456782")),
    ("pivot_14_avec_espaces", "ko", "ok", _mettre("pivot", "12345 678 9012")),
    ("service_inconnu", "ko", "ko", _mettre("services", lambda r: r["services"] + "|Autre")),
    ("itinerance_minuscule", "ko", "ko", _mettre("itinerance", "fixe")),
    ("publics_barre_finale", "ko", "ko", _mettre("publics_specifiquement_adresses", "Jeunes|")),
    ("latitude_hors_bornes", "ok", "ko", _mettre("latitude", "95.5")),
    ("prise_rdv_sans_schema", "ok", "ko", _mettre("prise_rdv", "www.rdv-solidarites.fr")),
    ("code_insee_6_chiffres", "ko", "ok", _mettre("code_insee", "160150")),
    ("typologie_inconnue", "ok", "ko", _mettre("typologie", "COMMUNE")),
    ("horaires_texte_libre", "ok", "ok", _mettre("horaires", "du lundi au vendredi, le matin")),
    ("sans_services_publics_faux", "ko", "ok", _sans_services_publics_faux),
    ("commune_parentheses", "ok", "ko", _mettre("commune", "Saint-Denis (La Réunion)")),
    ("commune_absente", "ko", "ok", _sans("commune")),
    ("label_etapes_du_schema", "ok", "ko", _mettre("formations_labels", "Étapes numériques(La Poste)")),
    ("label_etapes_de_la_bibliotheque", "ko", "ok",
     _mettre("formations_labels", "Étapes numériques (La Poste)")),
    ("id_en_double", "ko", "ok", _id_en_double),
    ("adresse_diese", "ok", "ko", _mettre("adresse", "12 rue des Lilas #3")),
    ("acces_pas_de_public_avec_services", "ok", "ok",
     _mettre("modalites_acces", "Ce lieu n'accueille pas de public")),
    ("code_postal_4_chiffres", "ko", "ko", _mettre("code_postal", "1600")),
    ("nom_absent", "ko", "ko", _sans("nom")),
    ("courriel_invalide", "ok", "ok", _mettre("courriels", "pas-un-courriel")),
    ("fiche_acces_libre_sans_schema", "ok", "ko", _mettre("fiche_acces_libre", "acceslibre.beta.gouv.fr")),
]


class EcrivainCsv:
    """Une ligne CSV par lieu, en-tête d'abord ; cellule vide = champ absent."""

    def __init__(self, sortie, champs: list[str]):
        self.champs = champs
        self.w = csv.writer(sortie, lineterminator="\n")
        self.w.writerow(champs)

    def ecrire(self, r: dict[str, str]) -> None:
        self.w.writerow([r.get(c, "") for c in self.champs])

    def fermer(self) -> None:
        pass


class EcrivainJson:
    """Un tableau JSON d'enregistrements plats, comme les fichiers de la cartographie nationale
    (donnees/lieux/*.json) : champs absents omis, valeurs multiples en une chaîne « a|b »,
    latitude et longitude en nombres. Écrit au fil de l'eau (un enregistrement par ligne)."""

    NUMERIQUES = {"latitude", "longitude"}

    def __init__(self, sortie, champs: list[str]):
        self.champs = champs
        self.sortie = sortie
        self.premier = True
        sortie.write("[")

    def ecrire(self, r: dict[str, str]) -> None:
        objet = {}
        for c in self.champs:
            v = r.get(c, "")
            if v == "":
                continue
            if c in self.NUMERIQUES:
                try:
                    objet[c] = float(v)
                except ValueError:
                    objet[c] = v  # faute injectée : gardée telle quelle
            else:
                objet[c] = v
        self.sortie.write("\n" if self.premier else ",\n")
        self.premier = False
        self.sortie.write(json.dumps(objet, ensure_ascii=False))

    def fermer(self) -> None:
        self.sortie.write("\n]\n")


def generer(nombre: int, graine: int, sortie, fautes: float = 0.0, format: str = "csv") -> None:
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    champs = [c["name"] for c in schema["fields"]]
    enums = enumerations(schema)
    services = enums["services"]
    publics = enums["publics_specifiquement_adresses"]
    prises = enums["prise_en_charge_specifique"]
    frais = enums["frais_a_charge"]
    programmes = enums["dispositif_programmes_nationaux"]
    labels = enums["formations_labels"]
    acces = [v for v in enums["modalites_acces"] if v != "Ce lieu n'accueille pas de public"]
    accompagnement = enums["modalites_accompagnement"]
    itinerances = enums["itinerance"]

    rng = Random(graine)
    poids_villes = [v[5] for v in VILLES]
    gabarits_horaires = [h for h, _ in HORAIRES]
    poids_horaires = [p for _, p in HORAIRES]
    debut_dates = dt.date(2022, 7, 4).toordinal()
    fin_dates = dt.date(2025, 10, 31).toordinal()
    vus: set[str] = set()
    communes_rurales: dict[str, list[tuple[str, str, str]]] = {}

    rng_fautes = Random(f"fautes-{graine}")
    id_precedent = None

    w = (EcrivainJson if format == "json" else EcrivainCsv)(sortie, champs)
    for _ in range(nombre):
        r: dict[str, str] = {}
        while True:
            ident = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if ident not in vus:
                vus.add(ident)
                break
        r["id"] = ident
        u = rng.random()
        r["pivot"] = "00000000000000" if u < 0.18 else (f"W{rng.randrange(10**8, 10**9)}"
                                                          if u < 0.21 else siret(rng))
        # Localisation : 65 % autour des grandes villes, 35 % dans les départements.
        if rng.random() < 0.65:
            nom_v, cps, insee, lat0, lon0, _ = rng.choices(VILLES, weights=poids_villes)[0]
            commune, code_postal = nom_v, rng.choice(cps)
            code_insee = insee
            sigma = 0.035 if nom_v == "Paris" else 0.05
            dep = code_postal[:2]
        else:
            dep, lat0, lon0 = rng.choice(DEPARTEMENTS)
            sigma = 0.28
            connues = communes_rurales.setdefault(dep, [])
            if len(connues) < 60 and (not connues or rng.random() < 0.5):
                nom_c = (rng.choice(PREFIXES_COMMUNE) + rng.choice(RACINES_COMMUNE)
                         + rng.choice(SUFFIXES_COMMUNE))
                cp = dep + f"{rng.randint(1, 99) * 10:03d}"
                ins = dep + f"{rng.randint(1, 700):03d}"
                connues.append((nom_c, cp, ins))
            commune, code_postal, code_insee = rng.choice(connues)
        lat = borner(rng.gauss(lat0, sigma), LAT_MIN, LAT_MAX)
        lon = borner(rng.gauss(lon0, sigma * 1.4), LON_MIN, LON_MAX)
        quartier = rng.choice(QUARTIERS)
        r["nom"] = rng.choice(GABARITS_NOM).format(c=commune, v=quartier)
        r["commune"] = commune
        r["code_postal"] = code_postal
        if rng.random() < 0.7:
            r["code_insee"] = code_insee
        numero = rng.randint(1, 180)
        bis = rng.choice(["", "", "", "", "", " bis", " ter"])
        r["adresse"] = f"{numero}{bis} {rng.choice(TYPES_VOIE)} {rng.choice(NOMS_VOIE)}"
        if rng.random() < 0.12:
            r["complement_adresse"] = rng.choice(COMPLEMENTS)
        r["latitude"] = f"{lat:.6f}"
        r["longitude"] = f"{lon:.6f}"
        if rng.random() < 0.8:
            n = 1 if rng.random() < 0.85 else 2
            r["typologie"] = "|".join(dict.fromkeys(
                rng.choices(TYPOLOGIES, weights=POIDS_TYPOLOGIES, k=n)))
        if rng.random() < 0.85:
            zone = ZONE_TEL.get(dep, "5")
            if rng.random() < 0.15:
                zone = rng.choice("67")
            r["telephone"] = f"+33{zone}{rng.randrange(10**8):08d}"
        slug = ascii_slug(commune)
        if rng.random() < 0.7:
            courriels = [rng.choice([f"contact@{slug}.fr", f"mediation.numerique@{slug}.fr",
                                     f"epn.{slug}@orange.fr", f"accueil@mairie-{slug}.fr"])]
            if rng.random() < 0.1:
                courriels.append(f"conseiller.numerique@{slug}.fr")
            r["courriels"] = "|".join(courriels)
        if rng.random() < 0.5:
            sites = [rng.choice([f"https://www.{slug}.fr/", f"https://www.mairie-{slug}.fr/",
                                 f"https://mediatheque.{slug}.fr/numerique"])]
            if rng.random() < 0.15:
                sites.append(f"https://www.facebook.com/{slug}numerique/")
            r["site_web"] = "|".join(sites)
        if rng.random() < 0.75:
            r["horaires"] = rng.choices(gabarits_horaires, weights=poids_horaires)[0]
        if rng.random() < 0.4:
            r["presentation_resume"] = rng.choice(RESUMES)
        if rng.random() < 0.1:
            r["presentation_detail"] = DETAIL
        r["source"] = "Repères (banc d'essai)"
        x = rng.random()
        if x < 0.8:
            r["itinerance"] = "Fixe"
        elif x < 0.85:
            r["itinerance"] = itinerances[0] if itinerances[0] != "Fixe" else itinerances[1]
        elif x < 0.87:
            r["itinerance"] = "|".join(itinerances)
        r["date_maj"] = dt.date.fromordinal(rng.randint(debut_dates, fin_dates)).isoformat()
        r["services"] = choisir_plusieurs(rng, services, 1, 5)
        if rng.random() < 0.5:
            r["publics_specifiquement_adresses"] = choisir_plusieurs(rng, publics, 1, 3)
        if rng.random() < 0.3:
            r["prise_en_charge_specifique"] = choisir_plusieurs(rng, prises, 1, 2)
        if rng.random() < 0.85:
            r["frais_a_charge"] = choisir_plusieurs(rng, frais, 1, 2)
        if rng.random() < 0.45:
            r["dispositif_programmes_nationaux"] = choisir_plusieurs(rng, programmes, 1, 2)
        if rng.random() < 0.1:
            r["formations_labels"] = choisir_plusieurs(rng, labels, 1, 1)
        if rng.random() < 0.03:
            r["autres_formations_labels"] = rng.choice(["Pass numérique", "Label Numérique inclusif"])
        if rng.random() < 0.85:
            r["modalites_acces"] = choisir_plusieurs(rng, acces, 1, 3)
        if rng.random() < 0.85:
            r["modalites_accompagnement"] = choisir_plusieurs(rng, accompagnement, 1, 3)
        if rng.random() < 0.08:
            r["fiche_acces_libre"] = (f"https://acceslibre.beta.gouv.fr/app/{dep}-{slug}/a/"
                                      f"bibliotheque-mediatheque/erp/{slug}-{rng.randint(1, 999)}/")
        if rng.random() < 0.1:
            r["prise_rdv"] = "https://www.rdv-solidarites.fr/"
        if fautes > 0 and rng_fautes.random() < fautes:
            rng_fautes.choice(FAUTES)[3](r, rng_fautes, id_precedent)
        id_precedent = r["id"]
        w.ecrire(r)
    w.fermer()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nombre", "-n", type=int, default=100_000, help="nombre de lieux (100000)")
    p.add_argument("--graine", type=int, default=1, help="graine du générateur (1)")
    p.add_argument("--sortie", "-o", help="fichier CSV ou JSON (défaut : sortie standard)")
    p.add_argument("--format", choices=["csv", "json"],
                   help="csv ou json (défaut : d'après l'extension de --sortie, sinon csv)")
    p.add_argument("--fautes", type=float, default=0.0,
                   help="part des lieux qui reçoivent une faute (0 à 1, défaut 0)")
    p.add_argument("--fautes-liste", action="store_true",
                   help="affiche le catalogue des fautes et leurs verdicts attendus, puis sort")
    a = p.parse_args()
    if a.fautes_liste:
        print("faute\tschema\tbibliotheque")
        for nom, schema, bib, _ in FAUTES:
            print(f"{nom}\t{schema}\t{bib}")
        return 0
    if not 0 <= a.fautes <= 1:
        p.error("--fautes doit être entre 0 et 1")
    if a.nombre < 0:
        p.error("--nombre doit être positif")
    format = a.format or ("json" if a.sortie and a.sortie.lower().endswith(".json") else "csv")
    if a.sortie:
        with open(a.sortie, "w", encoding="utf-8", newline="") as f:
            generer(a.nombre, a.graine, f, a.fautes, format)
    else:
        sys.stdout.reconfigure(encoding="utf-8", newline="")
        generer(a.nombre, a.graine, sys.stdout, a.fautes, format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
