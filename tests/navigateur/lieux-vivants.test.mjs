// Lieux vivants (issue 16), le parcours entier dans un vrai Chromium, JavaScript DÉSACTIVÉ, sur
// les deux bases :
//   1. la structure de démonstration (« Anonymal (démo) ») revendique un lieu de la Charente ; son
//      SIRET n'est pas le pivot du lieu : l'administrateur accepte la demande ;
//   2. la structure change les horaires par la grille : la fiche (en mots), la mention « Mis à jour
//      par la structure » et les données ouvertes (/donnees/lieux.csv) portent les nouvelles
//      horaires ;
//   3. une personne sans compte signale des horaires erronés sur un autre lieu ; l'administrateur
//      accepte le signalement : la fiche change ;
//   4. l'administrateur réimporte la fiche d'origine du premier lieu (source « charente ») : le
//      rapport d'import montre le conflit sur les horaires ; la structure garde sa valeur ; un
//      second réimport ne relève plus de conflit et la fiche garde les horaires de la structure ;
//   5. l'historique de chaque lieu montre chaque étape.
// Chaque page affichée passe les contrôles du harnais (titre, un h1, identifiants uniques,
// console, axe-core sans violation) ; fiche, formulaire et historique restent sous 30 Ko.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const MDP = 'demo-reperes-2026';
const ADMIN = 'admin@demo.reperes.localhost';
const STRUCTURE = 'structure@demo.reperes.localhost';
// France services Rouillacais (« Mo-Fr 08:30-12:30,13:30-17:30 ») et France services Blanzac
// Porcheresse, dans le jeu de la Charente chargé par la démonstration (source « charente »).
const ID_A = 'mediation-numerique-france-services-2009-mediation-numerique';
const LIEU_A = `/lieux/charente/${ID_A}`;
const LIEU_B = '/lieux/charente/mediation-numerique-france-services-729-mediation-numerique';
const CHARENTE = new URL('../../donnees/lieux/charente-20230711_schema-update-20240912.json', import.meta.url);
const DELAI_IMPORT = 30_000;
const KO = 1024;

const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-lieux-vivants-'));
preparerNavigateur(() => rmSync(dossierTemp, { recursive: true, force: true }));

/** La fiche d'origine du premier lieu, seule dans un fichier JSON (réimport de la source). */
function ficheDOrigine(nom) {
  const brut = JSON.parse(readFileSync(CHARENTE, 'utf8'));
  const lieux = Array.isArray(brut) ? brut : (brut.lieux || brut.data);
  const lieu = lieux.find((l) => l.id === ID_A);
  assert.equal(lieu.horaires, 'Mo-Fr 08:30-12:30,13:30-17:30', 'horaires du jeu de la Charente');
  const chemin = join(dossierTemp, `charente-${nom}.json`);
  writeFileSync(chemin, JSON.stringify([lieu]));
  return chemin;
}

/** Horaires de la fiche ouverte, en mots. */
async function horaires(v) {
  return v.page.locator('#horaires + ul').innerText();
}

/** Réimporte la fiche d'origine sous la source « charente » ; rend le texte du rapport. */
async function reimporter(admin, fichier) {
  await admin.aller('/administration/lieux');
  await admin.page.locator('#fichier').setInputFiles(fichier);
  await admin.page.locator('#source').fill('charente');
  await admin.page.locator('#version').selectOption('1.0.2');
  await admin.cliquer(admin.bouton('Importer'));
  assert.match(admin.chemin(), /^\/administration\/lieux\/imports\/[0-9a-f-]{36}$/);
  const fin = Date.now() + DELAI_IMPORT;
  for (;;) {
    const actualiser = admin.lien("Actualiser l'avancement");
    if (await actualiser.count() === 0) break;
    assert.ok(Date.now() < fin, `import non terminé après ${DELAI_IMPORT / 1000} s`);
    await admin.page.waitForTimeout(300);
    await admin.cliquer(actualiser);
  }
  const texte = await admin.page.locator('main').innerText();
  assert.match(texte, /Import terminé/, texte);
  return texte;
}

/** La ligne de /donnees/lieux.csv du premier lieu. */
async function ligneOuverte(v, url) {
  const csv = await (await v.page.request.get(`${url}/donnees/lieux.csv`)).text();
  const ligne = csv.split(/\r?\n/).find((l) => l.includes(ID_A));
  assert.ok(ligne, 'le lieu est dans les données ouvertes');
  return ligne;
}

async function parcours(nom, url) {
  const structure = new Visite(nom, url, { prefixe: 'lieux-vivants-structure' });
  const admin = new Visite(nom, url, { prefixe: 'lieux-vivants-admin' });
  const public_ = new Visite(nom, url, { prefixe: 'lieux-vivants-public' });
  try {
    // 1. Revendication, acceptée par l'administrateur.
    await structure.connexion(STRUCTURE, MDP);
    await structure.aller(LIEU_A);
    await structure.cliquer(structure.lien('Le revendiquer'));
    await structure.cliquer(structure.bouton('Revendiquer ce lieu'));
    assert.match(await structure.page.locator('main').innerText(), /Votre demande pour le lieu « .* » est enregistrée/);
    await admin.connexion(ADMIN, MDP);
    await admin.aller('/administration/lieux/revendications');
    const demande = admin.page.locator('main article', { hasText: 'Rouillacais' });
    assert.equal(await demande.count(), 1, 'la demande est à examiner');
    await admin.cliquer(demande.getByRole('button', { name: /^Accepter : « Anonymal \(démo\) » tient ce lieu$/ }));
    assert.equal(await admin.page.locator('main article', { hasText: 'Rouillacais' }).count(), 0, 'demande traitée');

    // 2. La structure change les horaires par la grille.
    const fiche = await structure.aller(LIEU_A);
    assert.ok((await fiche.body()).length <= 30 * KO, 'fiche ≤ 30 Ko');
    assert.match(await structure.page.locator('main').innerText(), /Tenu par Anonymal \(démo\)/);
    const formulaire = await structure.cliquer(structure.lien('Modifier ce lieu'));
    assert.ok((await formulaire.body()).length <= 30 * KO, 'formulaire ≤ 30 Ko');
    assert.equal(await structure.page.locator('#h0_0_debut').inputValue(), '08:30', 'grille préremplie');
    const champs = {};
    for (let j = 0; j < 5; j += 1) {
      Object.assign(champs, {
        [`h${j}_0_debut`]: '09:00', [`h${j}_0_fin`]: '12:00',
        [`h${j}_1_debut`]: '14:00', [`h${j}_1_fin`]: '17:00',
      });
    }
    await structure.remplir(champs);
    await structure.cliquer(structure.bouton('Enregistrer les modifications'));
    assert.equal(structure.chemin(), LIEU_A);
    assert.match(await horaires(structure), /Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h/);
    assert.match(await structure.page.locator('main').innerText(), /Mis à jour par la structure Anonymal \(démo\) le/);
    const ligne = await ligneOuverte(structure, url);
    assert.ok(ligne.includes('Mo-Fr 09:00-12:00,14:00-17:00'), `données ouvertes : ${ligne}`);
    assert.ok(ligne.includes('Anonymal (démo)'), 'données ouvertes : la structure est la source');

    // 3. Un signalement du public sur un autre lieu, accepté par l'administrateur.
    const commentaire = `Fermé le vendredi après-midi (parcours ${nom} ${process.pid}).`;
    await public_.nouveauContexte();
    await public_.aller(LIEU_B);
    await public_.cliquer(public_.lien('Signaler une erreur sur ce lieu'));
    await public_.remplir({ motif: 'Les horaires sont erronés', commentaire, valeur_proposee: 'Mo-Th 09:00-12:15' });
    await public_.cliquer(public_.bouton('Envoyer le signalement'));
    assert.match(await public_.page.locator('h1').innerText(), /Signalement envoyé/);
    await admin.aller('/lieux/signalements');
    const ligneFile = admin.page.locator('main tr', { hasText: commentaire });
    assert.equal(await ligneFile.count(), 1, 'le signalement est dans la file');
    await admin.cliquer(ligneFile.getByRole('link'));
    await admin.cliquer(admin.bouton('Accepter et corriger la fiche'));
    await public_.aller(LIEU_B);
    assert.match(await horaires(public_), /Du lundi au jeudi : de 9 h à 12 h 15/);

    // 4. Réimport de la source : conflit sur les horaires, la structure garde sa valeur.
    const fichier = ficheDOrigine(nom);
    const rapport = await reimporter(admin, fichier);
    assert.match(rapport, /Conflits avec les modifications faites dans Repères/);
    assert.match(rapport, new RegExp(`${ID_A}\\s+horaires\\s+Mo-Fr 09:00-12:00,14:00-17:00\\s+Mo-Fr 08:30-12:30,13:30-17:30`), rapport);
    await structure.aller(LIEU_A);
    assert.match(await horaires(structure), /de 9 h à 12 h et de 14 h à 17 h/, 'la valeur de la structure reste');
    await structure.cliquer(structure.lien(/1 conflit à examiner/));
    await structure.cocher(structure.page.locator('#garder-horaires'));
    await structure.cliquer(structure.bouton('Enregistrer mes choix'));
    const second = await reimporter(admin, fichier);
    assert.doesNotMatch(second, /Conflits avec les modifications faites dans Repères/, 'le choix tient au réimport');
    await structure.aller(LIEU_A);
    assert.match(await horaires(structure), /de 9 h à 12 h et de 14 h à 17 h/);
    assert.equal(await structure.lien(/conflits? à examiner/).count(), 0);
    assert.ok((await ligneOuverte(structure, url)).includes('Mo-Fr 09:00-12:00,14:00-17:00'));

    // 5. L'historique montre chaque étape.
    const historique = await structure.cliquer(structure.lien('Historique'));
    assert.ok((await historique.body()).length <= 30 * KO, 'historique ≤ 30 Ko');
    const etapes = await structure.page.locator('main').innerText();
    assert.match(etapes, /Import de la source/);
    assert.match(etapes, /Mise à jour par la structure/);
    assert.match(etapes, /Du lundi au vendredi : de 8 h 30 à 12 h 30 et de 13 h 30 à 17 h 30/);
    assert.match(etapes, /Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h/);
    assert.match(etapes, /Choix entre la source et la structure/);
    await public_.aller(`${LIEU_B}/historique`);
    assert.match(await public_.page.locator('main').innerText(), /Signalement accepté/);
  } catch (e) {
    await structure.capturerEchec();
    await admin.capturerEchec();
    await public_.capturerEchec();
    throw e;
  } finally {
    await structure.fermer();
    await admin.fermer();
    await public_.fermer();
  }
}

describe('lieux vivants', { concurrency: true }, () => {
  for (const { nom, url } of bases) test(`revendiquer, modifier, signaler, réimporter (${nom})`, () => parcours(nom, url));
});
