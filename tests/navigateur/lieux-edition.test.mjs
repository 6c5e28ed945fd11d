// Modifier un lieu (issue 16, partie « edition ») dans un vrai Chromium, JavaScript DÉSACTIVÉ :
// l'administrateur de la démonstration (la démo ne confie encore aucun lieu à une structure)
// ouvre « Modifier ce lieu » depuis la fiche, change les horaires par la grille (« Ajouter une
// plage » réaffiche le formulaire sans JavaScript ; fermé les jours fériés), voit la fiche en mots
// français, puis l'historique ; une plage fausse est refusée (422, message en français, rien
// d'enregistré). Chaque page : contrôles de commun.mjs (titre, h1, identifiants, console, axe-core
// à zéro violation) ; budget HTML de la fiche, du formulaire et de l'historique (≤ 30 Ko).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
// France services de Chasseneuil-sur-Bonnieure (Charente) : « Mo-Fr 10:00-12:00,14:00-17:30 ».
const LIEU = '/lieux/charente/mediation-numerique-france-services-2158-mediation-numerique';
const KO = 1024;

preparerNavigateur();

async function parcours(nom, url) {
  const v = new Visite(nom, url, { prefixe: 'lieux-edition' });
  try {
    await v.connexion(ADMIN.email, ADMIN.motDePasse);
    const fiche = await v.aller(LIEU);
    assert.ok((await fiche.body()).length <= 30 * KO, 'fiche : HTML ≤ 30 Ko');
    const formulaire = await v.cliquer(v.lien('Modifier ce lieu'));
    assert.ok((await formulaire.body()).length <= 30 * KO, 'formulaire : HTML ≤ 30 Ko');
    assert.equal(v.chemin(), `${LIEU}/modifier`);
    // La grille est préremplie des horaires actuels.
    assert.equal(await v.page.locator('#h4_1_fin').inputValue(), '17:30');
    // Une plage fausse : 422, message en français, saisie gardée.
    await v.remplir({ h1_0_debut: '11:00', h1_0_fin: '09:00' });
    await v.cliquer(v.bouton('Enregistrer les modifications'), { statut: 422 });
    assert.match(await v.page.locator('#erreurs').innerText(), /mardi, plage 1 : l'heure de fin \(09:00\) doit suivre l'heure de début \(11:00\)/);
    assert.equal(await v.page.locator('#h1_0_fin').inputValue(), '09:00');
    // « Ajouter une plage » : le formulaire revient avec une troisième plage par jour.
    await v.cliquer(v.bouton('Ajouter une plage à chaque jour'));
    assert.equal(await v.page.locator('#h0_2_debut').count(), 1);
    const champs = {};
    for (let j = 0; j < 5; j += 1) {
      Object.assign(champs, {
        [`h${j}_0_debut`]: '10:00', [`h${j}_0_fin`]: '12:30',
        [`h${j}_1_debut`]: '14:00', [`h${j}_1_fin`]: '17:00',
      });
    }
    champs.h5_0_debut = '09:00';
    champs.h5_0_fin = '12:00';
    await v.remplir(champs);
    await v.cocher(v.page.locator('#feries-fermes'));
    await v.cliquer(v.bouton('Enregistrer les modifications'));
    assert.equal(v.chemin(), LIEU);
    const horaires = await v.page.locator('#horaires + ul').innerText();
    assert.match(horaires, /Du lundi au vendredi : de 10 h à 12 h 30 et de 14 h à 17 h/);
    assert.match(horaires, /Samedi : de 9 h à 12 h/);
    assert.match(horaires, /Fermé les jours fériés/);
    // L'historique : la version, son origine, les horaires avant et après en mots.
    const historique = await v.cliquer(v.lien('Historique'));
    assert.ok((await historique.body()).length <= 30 * KO, 'historique : HTML ≤ 30 Ko');
    const texte = await v.page.locator('main').innerText();
    assert.match(texte, /Modification par l'administration, par un administrateur\./);
    assert.match(texte, /Du lundi au vendredi : de 10 h à 12 h et de 14 h à 17 h 30/);
    assert.match(texte, /Du lundi au vendredi : de 10 h à 12 h 30 et de 14 h à 17 h ; Samedi : de 9 h à 12 h ; Fermé les jours fériés/);
    // Les données ouvertes portent les nouvelles horaires.
    const csv = await (await v.page.request.get(`${url}/donnees/lieux.csv`)).text();
    assert.ok(csv.includes('Mo-Fr 10:00-12:30,14:00-17:00; Sa 09:00-12:00; PH off'), 'données ouvertes : nouvelles horaires');
  } catch (e) {
    await v.capturerEchec();
    throw e;
  } finally {
    await v.fermer();
  }
}

describe('lieux-edition', { concurrency: true }, () => {
  for (const { nom, url } of bases) test(`modifier un lieu par la grille d'horaires (${nom})`, () => parcours(nom, url));
});
