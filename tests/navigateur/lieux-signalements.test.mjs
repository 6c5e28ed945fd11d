// Signalements du public (issue 16) dans un vrai Chromium, JavaScript DÉSACTIVÉ :
//   - une personne sans compte ouvre une fiche, clique « Signaler une erreur sur ce lieu », envoie
//     d'abord un formulaire incomplet (422, message au champ, saisie gardée), puis « horaires
//     erronés » avec la bonne valeur : page de confirmation ;
//   - « Proposer un lieu » s'ouvre depuis la fiche (formulaire seulement, rien n'est envoyé) ;
//   - l'administrateur de démonstration ouvre la file /lieux/signalements, traite ce signalement
//     (formulaire prérempli avec la valeur proposée), l'accepte : la fiche montre les nouveaux
//     horaires en mots français.
// Chaque page est contrôlée par le harnais (titre, un h1, identifiants uniques, console, axe-core
// sans violation) ; les budgets de poids des pages publiques sont dans budgets.test.mjs.
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur), données de démonstration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const HORAIRES = 'Mo-Fr 10:00-12:15';

preparerNavigateur();

/** Une fiche de la Charente (page 4 de la recherche : loin des fiches des autres parcours). */
async function uneFiche(v) {
  await v.aller('/lieux?page=4');
  const lien = v.page.locator('main article h2 a').first();
  const chemin = (await lien.getAttribute('href')).split('?')[0];
  assert.match(chemin, /^\/lieux\/[^/]+\/[^/]+$/);
  return chemin;
}

async function signaler(v, fiche, commentaire) {
  await v.nouveauContexte();
  await v.aller(fiche);
  await v.cliquer(v.lien('Signaler une erreur sur ce lieu'));
  assert.equal(v.chemin(), `${fiche}/signaler`);
  // Incomplet : le commentaire manque.
  await v.remplir({ motif: 'Les horaires sont erronés', valeur_proposee: HORAIRES });
  await v.cliquer(v.bouton('Envoyer le signalement'), { statut: 422 });
  assert.match(await v.page.locator('#erreurs').innerText(), /Dites en quelques mots ce qui est erroné/);
  assert.equal(await v.page.locator('#valeur_proposee').inputValue(), HORAIRES, 'saisie gardée');
  await v.remplir({ commentaire });
  await v.cliquer(v.bouton('Envoyer le signalement'));
  assert.match(await v.page.locator('h1').innerText(), /Signalement envoyé/);
  // Proposer un lieu : le formulaire s'ouvre depuis la fiche.
  await v.aller(fiche);
  await v.cliquer(v.lien('Proposer un lieu manquant'));
  assert.equal(v.chemin(), '/lieux/proposer');
}

async function accepter(v, fiche, commentaire) {
  await v.connexion(ADMIN.email, ADMIN.motDePasse);
  await v.aller('/lieux/signalements');
  const ligne = v.page.locator('main tr', { hasText: commentaire });
  assert.equal(await ligne.count(), 1, `signalement « ${commentaire} » dans la file`);
  await v.cliquer(ligne.getByRole('link'));
  assert.equal(await v.page.locator('#champ_horaires').inputValue(), HORAIRES, 'valeur proposée préremplie');
  await v.cliquer(v.bouton('Accepter et corriger la fiche'));
  assert.equal(v.chemin(), '/lieux/signalements');
  assert.equal(await v.page.locator('main tr', { hasText: commentaire }).count(), 0, 'sorti de la file');
  await v.aller(fiche);
  const horaires = await v.page.locator('#horaires + ul').innerText();
  assert.match(horaires, /de 10 h à 12 h 15/, `horaires en mots : ${horaires}`);
}

describe('signalements des lieux', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    describe(`signalements sur ${nom}`, { concurrency: false }, () => {
      const v = new Visite(nom, url, { prefixe: 'lieux-signalements' });
      const commentaire = `Horaires changés (navigateur ${nom} ${process.pid}).`;
      let fiche;
      const etape = (titre, fn) => test(`${titre} (${nom})`, async () => {
        try { await fn(); } catch (e) { await v.capturerEchec(); throw e; }
      });
      etape('signaler une erreur sans compte', async () => {
        await v.nouveauContexte();
        fiche = await uneFiche(v);
        await signaler(v, fiche, commentaire);
      });
      etape("l'administration accepte : la fiche change", async () => {
        assert.ok(fiche, 'le signalement a échoué avant');
        await accepter(v, fiche, commentaire);
      });
      test(`bilan (${nom})`, async () => {
        await v.fermer();
        console.log(`${nom} : ${v.controlees.length} pages contrôlées sans violation axe-core :\n  ${v.controlees.join('\n  ')}`);
      });
    });
  }
});
