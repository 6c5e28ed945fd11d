#!/usr/bin/env node
// Vecteurs de test champ par champ, jugés par la bibliothèque de référence
// (@gouvfr-anct/lieux-de-mediation-numerique, version figée dans package.json).
//
//   node vecteurs.mjs [SORTIE.json]      (défaut : sortie standard)
//
// Pour chaque champ contrôlé par la bibliothèque, des valeurs valides puis des mutations
// (caractères insérés, supprimés, remplacés — espaces Unicode, accents, ponctuation, chiffres
// non ASCII, emoji —, listes doublées, « | » initial) et, pour les listes et le téléphone, des
// combinaisons tirées au sort. Chaque valeur est placée dans un lieu par ailleurs valide (avec
// services) et passée à fromSchemaLieuDeMediationNumerique : `ok` dit si le lieu est accepté.
// Sortie : [{"champ":…,"valeur":…,"ok":true|false}, …], déterministe.
// Sert à vérifier qu'une réimplémentation du mode « compatible » (docs/lieux-modes.md) rend le
// même verdict que la bibliothèque, sans Node à l'exécution des tests.

import { writeFileSync } from 'node:fs';
import * as L from '@gouvfr-anct/lieux-de-mediation-numerique';

const base = {
  id: 'a', pivot: '00000000000000', nom: 'N', commune: 'Reims', code_postal: '51100',
  adresse: '1 rue X', date_maj: '2024-01-01', services: 'Aide aux démarches administratives'
};
const valides = {
  pivot: ['00000000000000', '43493312300029', 'W123456789', 'ABCDEFGHIJKLMN', '12345 678 9012'],
  commune: ['Reims', 'Saint-Étienne', "L'Haÿ-les-Roses", 'Châteauneuf du Pape', 'Œuilly', 'Nouméa'],
  code_postal: ['51100', '98800', '06000'],
  code_insee: ['51454', '2A004', '2B033', '97411', '160150', '16-1-23-456'],
  adresse: ['12 BIS RUE DE LECLERCQ', "1 rue de l'Église", 'ZA du Bois – lot n°3',
    'Place (centre), 2/4 & 6 : accès +; x|y', '104 avenue Koenig'],
  telephone: ['+33545123456', '05 45 12 34 56', '+33 (0)5 45 12 34 56', '0033545123456', '+687445728',
    '+689 40 123 456', '05.45.12.34.56', '0 545 12 34 56', '0123456', '+590 590 12 34 56'],
  typologie: ['ASSO', 'TIERS_LIEUX|ASSO', 'Autre', 'ACIPHC|ACI'],
  services: ['Aide aux démarches administratives',
    'Maîtrise des outils numériques du quotidien|Loisirs et créations numériques'],
  publics_specifiquement_adresses: ['Jeunes|Femmes', 'Familles et/ou enfants', 'Étudiants|Seniors|Jeunes'],
  prise_en_charge_specifique: ['Surdité|Illettrisme|Langues étrangères (anglais)', 'Déficience visuelle'],
  frais_a_charge: ['Gratuit', 'Gratuit sous condition|Payant'],
  itinerance: ['Fixe', 'Itinérant|Fixe'],
  dispositif_programmes_nationaux: ["Aidants Connect|Point d'accès numérique CAF",
    'Relais numérique (Emmaüs Connect)'],
  formations_labels: ['Formé à « Mon Espace Santé »|Arnia/MedNum BFC (Bourgogne-Franche-Comté)',
    'Étapes numériques (La Poste)', 'ORDI 3.0'],
  modalites_acces: ['Se présenter|Téléphoner', "Ce lieu n'accueille pas de public",
    'Envoyer un mail avec une fiche de prescription'],
  modalites_accompagnement: ['Dans un atelier collectif|À distance|En autonomie|Accompagnement individuel'],
  fiche_acces_libre: [
    'https://acceslibre.beta.gouv.fr/app/29-lampaul-plouarzel/a/bibliotheque-mediatheque/erp/mediatheque-13/',
    'https://exemple.fr/a/b?x=1&y=2#frag', 'mailto:a@b.fr', 'ftp://user@host.fr/x'],
  prise_rdv: ['https://www.rdv-solidarites.fr/', 'http://a.b', 'https://exemple.fr/?x=a/b']
};
const enumerations = {
  typologie: L.Typologie, services: L.Service, publics_specifiquement_adresses: L.PublicSpecifiquementAdresse,
  prise_en_charge_specifique: L.PriseEnChargeSpecifique, frais_a_charge: L.Frais, itinerance: L.Itinerance,
  dispositif_programmes_nationaux: L.DispositifProgrammeNational, formations_labels: L.FormationLabel,
  modalites_acces: L.ModaliteAcces, modalites_accompagnement: L.ModaliteAccompagnement
};
const alphabet = ['a', 'Z', '0', '9', ' ', '\u00a0', '\u0085', '\ufeff', '\u202f', '\t', '\n', '\r', '-', '.',
  '|', "'", '’', '(', ')', '°', 'é', 'Ÿ', 'ŕ', 'Œ', 'œ', 'ÿ', '×', '÷', '–', '—', '#', '_', '/', ':', '?', '&',
  '=', '@', '%', '+', '~', '!', '\\', ',', ';', '٣', '😀', 'W', 'A', 'B', '(0)', '00', '+33'];

// mulberry32 : générateur 32 bits déterministe (entiers exacts, contrairement à un LCG en double).
let graine = 12345;
const alea = (n) => {
  graine = (graine + 0x6d2b79f5) | 0;
  let t = Math.imul(graine ^ (graine >>> 15), 1 | graine);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const muter = (s) => {
  const a = Array.from(s);
  const k = alea(6);
  const p = alea(a.length + 1);
  if (k === 0) a.splice(p, 0, alphabet[alea(alphabet.length)]);
  else if (k === 1 && a.length) a.splice(Math.min(p, a.length - 1), 1);
  else if (k === 2 && a.length) a[Math.min(p, a.length - 1)] = alphabet[alea(alphabet.length)];
  else if (k === 3) return `${s}|${s}`;
  else if (k === 4) return `|${s}`;
  else a.splice(p, 0, alphabet[alea(alphabet.length)], alphabet[alea(alphabet.length)]);
  return a.join('');
};

const vecteurs = [];
const vus = new Set();
const ajouter = (champ, valeur) => {
  const cle = `${champ}\u0000${valeur}`;
  if (valeur === '' || vus.has(cle)) return;
  vus.add(cle);
  let ok = true;
  try {
    L.fromSchemaLieuDeMediationNumerique({ ...base, [champ]: valeur });
  } catch {
    ok = false;
  }
  vecteurs.push({ champ, valeur, ok });
};

for (const [champ, vals] of Object.entries(valides)) {
  for (const v of vals) ajouter(champ, v);
  for (let i = 0; i < 1500; i++) {
    let v = vals[alea(vals.length)];
    const m = 1 + alea(3);
    for (let j = 0; j < m; j++) v = muter(v);
    ajouter(champ, v);
  }
}
for (const [champ, e] of Object.entries(enumerations)) {
  const vals = Object.values(e);
  for (let i = 0; i < 150; i++) {
    const a = [];
    for (let j = 0, n = 1 + alea(4); j < n; j++) a.push(vals[alea(vals.length)]);
    let s = a.join('|');
    if (alea(5) === 0) s = s.replace(/[ée]/u, (x) => (x === 'é' ? 'e' : 'é'));
    if (alea(7) === 0) s += ' ';
    ajouter(champ, s);
  }
}
const separateurs = ['', ' ', '.', '-', '  ', '\u00a0', '\u0085', ' - ', '/'];
const prefixes = ['+33', '0033', '0', '+687', '+689', '+590', '+262', '+1', '+330', '', '+33 (0)', '0033(0) ', '+508'];
for (let i = 0; i < 1500; i++) {
  const p = prefixes[alea(prefixes.length)];
  const s = separateurs[alea(separateurs.length)];
  let d = '';
  for (let j = 0, n = [6, 7, 8, 9, 10][alea(5)]; j < n; j++) d += String(alea(10));
  const forme = alea(3);
  const corps = forme === 0 ? d
    : forme === 1 ? d.replace(/(\d{2})(?=\d)/gu, `$1${s}`)
      : d.slice(0, 1) + s + d.slice(1).replace(/(\d{2})(?=\d)/gu, `$1${s}`);
  ajouter('telephone', p + (alea(2) ? s : '') + corps);
}

const texte = `${JSON.stringify(vecteurs, null, 0).replace(/\},\{/gu, '},\n{')}\n`;
if (process.argv[2]) writeFileSync(process.argv[2], texte);
else process.stdout.write(texte);
