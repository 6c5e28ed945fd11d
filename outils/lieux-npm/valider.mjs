#!/usr/bin/env node
// Valide des lieux de médiation numérique (schéma national v1.0.2) avec la bibliothèque de
// référence de l'ANCT, @gouvfr-anct/lieux-de-mediation-numerique (version figée dans
// package.json), telle que l'utilise la cartographie nationale.
//
//   node valider.mjs [--tolerant] [--mesure] [--aller-retour [--sortie FICHIER]] FICHIER...
//
// FICHIER : CSV v1.0.2 (UTF-8, virgule, valeurs multiples séparées par « | ») ou JSON (tableau
// d'enregistrements). Chaque enregistrement passe par fromSchemaLieuDeMediationNumerique, qui
// lève une exception au premier champ invalide (message en français, propriété `.key`).
//
// Sortie (une ligne JSON par fichier) :
//   {"fichier":…,"total":N,"acceptes":A,"rejetes":[{"enregistrement":i,"id":…,"cle":…,"message":…}]}
// `enregistrement` est le rang (à partir de 1) de l'enregistrement dans le fichier, en-tête exclu.
// `cle` est la `.key` de l'erreur de la bibliothèque, ou null quand elle lève une erreur JavaScript
// ordinaire (TypeError sur un pivot ou une adresse absents, par exemple).
//
// --tolerant      : code de sortie 0 même si des enregistrements sont rejetés.
// --mesure        : n'affiche que les temps et les nombres (banc d'essai bench/lieux).
// --aller-retour  : ce que font les outils de la cartographie nationale : chaque lieu accepté est
//                   aplati de nouveau par toSchemaLieuMediationNumerique puis réécrit au format du
//                   fichier lu (une ligne CSV aux colonnes de l'en-tête, ou un objet JSON du
//                   tableau) ; compte les échecs (champ "aller_retour_en_echec") et les octets
//                   réécrits ("octets_reecrits").
// --sortie FICHIER : avec --aller-retour, le fichier où les lieux réécrits sont écrits (par blocs
//                   d'environ 1 Mo, au fil de la validation) ; sans lui, ils sont sérialisés puis
//                   jetés. Avec plusieurs fichiers lus, le dernier écrase les précédents.
//
// CSV : une cellule vide signifie « absent » ; elle est omise de l'objet passé à la bibliothèque
// (qui refuse la chaîne vide). latitude et longitude non vides sont converties en nombre (le type
// attendu par la bibliothèque ; « abc » donne NaN, rejeté comme par la bibliothèque elle-même).
// JSON : les enregistrements sont passés tels quels (null vaut « absent » pour la bibliothèque).
//
// Codes de sortie : 0 tout accepté (ou --tolerant), 1 au moins un rejet, 2 usage ou fichier illisible.

import { closeSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  fromSchemaLieuDeMediationNumerique,
  toSchemaLieuMediationNumerique
} from '@gouvfr-anct/lieux-de-mediation-numerique';

const USAGE =
  'usage : node valider.mjs [--tolerant] [--mesure] [--aller-retour [--sortie FICHIER]] FICHIER...';

/**
 * Analyse un texte CSV (RFC 4180) : champs entre guillemets avec "" pour un guillemet, retours
 * à la ligne dans les guillemets, fins de ligne LF ou CRLF, BOM UTF-8 ignoré.
 * Renvoie un tableau de lignes, chacune un tableau de chaînes. Les lignes entièrement vides
 * sont ignorées.
 */
export function analyserCsv(texte, separateur = ',') {
  const SEP = separateur.charCodeAt(0);
  const GUILLEMET = 34;
  const LF = 10;
  const CR = 13;
  const n = texte.length;
  let i = texte.charCodeAt(0) === 0xfeff ? 1 : 0;
  const lignes = [];
  let ligne = [];
  let guillemets = false; // la ligne courante a-t-elle un champ entre guillemets ?
  while (i < n) {
    let valeur;
    if (texte.charCodeAt(i) === GUILLEMET) {
      // Champ entre guillemets.
      guillemets = true;
      i++;
      let morceaux = '';
      for (;;) {
        const j = texte.indexOf('"', i);
        if (j < 0) {
          throw new Error('CSV : guillemet non fermé');
        }
        if (texte.charCodeAt(j + 1) === GUILLEMET) {
          morceaux += texte.slice(i, j + 1);
          i = j + 2;
        } else {
          morceaux += texte.slice(i, j);
          i = j + 1;
          break;
        }
      }
      valeur = morceaux;
      // Tolère des caractères parasites entre le guillemet fermant et le séparateur.
      while (i < n) {
        const c = texte.charCodeAt(i);
        if (c === SEP || c === LF || c === CR) break;
        valeur += texte[i];
        i++;
      }
    } else {
      const debut = i;
      while (i < n) {
        const c = texte.charCodeAt(i);
        if (c === SEP || c === LF || c === CR) break;
        i++;
      }
      valeur = texte.slice(debut, i);
    }
    ligne.push(valeur);
    if (i >= n) break;
    const c = texte.charCodeAt(i);
    if (c === SEP) {
      i++;
      if (i >= n) ligne.push('');
    } else {
      // Fin de ligne (LF, CR ou CRLF).
      i += c === CR && texte.charCodeAt(i + 1) === LF ? 2 : 1;
      if (guillemets || !(ligne.length === 1 && ligne[0] === '')) lignes.push(ligne);
      ligne = [];
      guillemets = false;
    }
  }
  if (ligne.length > 0 && (guillemets || !(ligne.length === 1 && ligne[0] === ''))) lignes.push(ligne);
  return lignes;
}

const NUMERIQUES = new Set(['latitude', 'longitude']);

/** Lit un fichier CSV ou JSON et renvoie la liste des enregistrements (objets). */
export function lireEnregistrements(chemin) {
  return lireFichier(chemin).enregistrements;
}

/**
 * Lit un fichier CSV ou JSON : { format: 'csv'|'json', colonnes (en-tête CSV, sinon null),
 * enregistrements }.
 */
export function lireFichier(chemin) {
  const texte = readFileSync(chemin, 'utf8');
  const estJson = /\.json$/iu.test(chemin) || /^\s*[[{]/u.test(texte.slice(0, 64).replace(/^\uFEFF/u, ''));
  if (estJson) {
    const donnees = JSON.parse(texte.replace(/^\uFEFF/u, ''));
    if (!Array.isArray(donnees)) {
      throw new Error('JSON : un tableau d\'enregistrements est attendu');
    }
    return { format: 'json', colonnes: null, enregistrements: donnees };
  }
  const lignes = analyserCsv(texte);
  if (lignes.length === 0) return { format: 'csv', colonnes: [], enregistrements: [] };
  const entete = lignes[0].map((c) => c.trim());
  const enregistrements = new Array(lignes.length - 1);
  for (let l = 1; l < lignes.length; l++) {
    const cellules = lignes[l];
    const e = {};
    const m = Math.min(cellules.length, entete.length);
    for (let k = 0; k < m; k++) {
      const v = cellules[k];
      if (v === '') continue; // cellule vide = champ absent
      const nom = entete[k];
      e[nom] = NUMERIQUES.has(nom) ? Number(v) : v;
    }
    enregistrements[l - 1] = e;
  }
  return { format: 'csv', colonnes: entete, enregistrements };
}

/** Une cellule CSV (RFC 4180) : tableaux joints par « | », guillemets si nécessaire. */
function celluleCsv(v) {
  if (v == null) return '';
  const t = Array.isArray(v) ? v.join('|') : String(v);
  return /[",\r\n]/u.test(t) ? `"${t.replace(/"/gu, '""')}"` : t;
}

/**
 * Écrit les lieux réécrits au format du fichier lu, par blocs d'environ 1 Mo, dans `chemin`
 * (ou nulle part si `chemin` est null : sérialisés puis jetés).
 */
class Reecriture {
  constructor(chemin, format, colonnes) {
    this.fd = chemin == null ? null : openSync(chemin, 'w');
    this.format = format;
    this.colonnes = colonnes;
    this.tampon = [];
    this.taille = 0;
    this.octets = 0;
    this.premier = true;
    if (format === 'csv') this.ajouter(`${colonnes.map(celluleCsv).join(',')}\n`);
    else this.ajouter('[');
  }

  ecrire(plat) {
    if (this.format === 'csv') {
      this.ajouter(`${this.colonnes.map((c) => celluleCsv(plat[c])).join(',')}\n`);
    } else {
      this.ajouter(`${this.premier ? '\n' : ',\n'}${JSON.stringify(plat)}`);
      this.premier = false;
    }
  }

  ajouter(texte) {
    this.tampon.push(texte);
    this.taille += texte.length;
    if (this.taille >= 1 << 20) this.vider();
  }

  vider() {
    const bloc = Buffer.from(this.tampon.join(''), 'utf8');
    this.octets += bloc.length;
    if (this.fd != null) writeSync(this.fd, bloc);
    this.tampon = [];
    this.taille = 0;
  }

  fermer() {
    if (this.format === 'json') this.ajouter('\n]\n');
    this.vider();
    if (this.fd != null) closeSync(this.fd);
    return this.octets;
  }
}

function identifiant(e) {
  if (e == null || typeof e !== 'object') return null;
  return e.id == null ? null : String(e.id);
}

function valider(enregistrements, reecriture) {
  let acceptes = 0;
  let allerRetourEnEchec = 0;
  const rejetes = [];
  for (let i = 0; i < enregistrements.length; i++) {
    const e = enregistrements[i];
    let lieu;
    try {
      lieu = fromSchemaLieuDeMediationNumerique(e);
    } catch (err) {
      const cle = err && typeof err.key === 'string' ? err.key : null;
      const message = cle == null ? `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` : err.message;
      rejetes.push({ enregistrement: i + 1, id: identifiant(e), cle, message });
      continue;
    }
    acceptes++;
    if (reecriture != null) {
      let plat;
      try {
        plat = toSchemaLieuMediationNumerique(lieu);
      } catch {
        allerRetourEnEchec++;
        continue;
      }
      reecriture.ecrire(plat);
    }
  }
  return { acceptes, rejetes, allerRetourEnEchec };
}

function main(argv) {
  const options = { tolerant: false, mesure: false, allerRetour: false, sortie: null };
  const fichiers = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--tolerant') options.tolerant = true;
    else if (a === '--sortie' && k + 1 < argv.length) options.sortie = argv[++k];
    else if (a === '--mesure') options.mesure = true;
    else if (a === '--aller-retour') options.allerRetour = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('--')) {
      console.error(`option inconnue : ${a}\n${USAGE}`);
      return 2;
    } else fichiers.push(a);
  }
  if (fichiers.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let code = 0;
  for (const fichier of fichiers) {
    const t0 = performance.now();
    let lu;
    try {
      lu = lireFichier(fichier);
    } catch (err) {
      console.error(`${fichier} : lecture impossible : ${err.message}`);
      code = 2;
      continue;
    }
    const { enregistrements } = lu;
    const t1 = performance.now();
    let reecriture = null;
    try {
      reecriture = options.allerRetour ? new Reecriture(options.sortie, lu.format, lu.colonnes) : null;
    } catch (err) {
      console.error(`${options.sortie} : écriture impossible : ${err.message}`);
      return 2;
    }
    const { acceptes, rejetes, allerRetourEnEchec } = valider(enregistrements, reecriture);
    const octets = reecriture == null ? 0 : reecriture.fermer();
    const t2 = performance.now();
    const total = enregistrements.length;
    if (options.mesure) {
      const validationS = (t2 - t1) / 1000;
      console.log(
        `fichier=${fichier} enregistrements=${total} acceptes=${acceptes} ` +
          `lecture_ms=${(t1 - t0).toFixed(1)} validation_ms=${(t2 - t1).toFixed(1)} ` +
          `total_ms=${(t2 - t0).toFixed(1)} ` +
          `validation_par_s=${validationS > 0 ? Math.round(total / validationS) : 0} ` +
          `total_par_s=${t2 > t0 ? Math.round(total / ((t2 - t0) / 1000)) : 0}` +
          (options.allerRetour
            ? ` aller_retour=oui reecrits=${acceptes - allerRetourEnEchec} octets_reecrits=${octets}`
            : ' aller_retour=non')
      );
    } else {
      const resume = { fichier, total, acceptes, rejetes };
      if (options.allerRetour) {
        resume.aller_retour_en_echec = allerRetourEnEchec;
        resume.octets_reecrits = octets;
      }
      console.log(JSON.stringify(resume));
    }
    if (rejetes.length > 0 && !options.tolerant && code === 0) code = 1;
  }
  return code;
}

// Exécuté comme programme (et non importé pour ses fonctions) : on lance main.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = main(process.argv.slice(2));
}
