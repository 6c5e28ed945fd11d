// L'agent qui instruit et décide, dans un vrai Chromium (JavaScript désactivé), sur les deux bases
// de démonstration : la file (dossiers clos masqués, recherche par organisation et par numéro), la
// prise en charge (message, nom de l'agent), le formulaire « Décision » et ses erreurs (refus sans
// motivation, confirmation du refus et « Modifier », échéance passée : chaque fois le formulaire
// revient avec la saisie et le message au champ), la demande de complément, puis la réponse du
// porteur : la file signale « complément reçu », la page met en évidence le nouveau, l'agent
// reçoit un courriel, le dossier lui reste attribué. axe-core sur chaque page (Visite.controler).
//
// Le dossier utilisé : celui de la démonstration à l'état « Déposé » (Coopérative Logiciels
// Communs, NEC 2022).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const AGENT = { email: 'instructeur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026', nom: 'Dominique Instructeur (démo)' };
const PORTEUR = { email: 'porteur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const ORGANISATION = 'Coopérative Logiciels Communs (démo)';
const DISPOSITIF = 'Aidant Pratique, carnet de suivi libre';

preparerNavigateur();

/** Date du jour + n jours, au format AAAA-MM-JJ (valeur d'un champ date). */
function dansJours(n) {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

async function instruire(v) {
  const page = () => v.page;
  const table = () => page().locator('table', { has: page().locator('caption', { hasText: /^\d+ dossier\(s\)$/ }) });
  const lignes = () => table().locator('tbody tr');
  const cellules = async (n) => (await table().locator(`tbody tr td:nth-child(${n})`).allTextContents()).map((t) => t.trim());

  // 1. La file : les dossiers clos sont masqués par défaut.
  await v.connexion(AGENT.email, AGENT.motDePasse);
  await v.cliquer(page().getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Instruction', exact: true }));
  const clos = ['Labellisé', 'Refusé', 'Classé sans suite', 'Retiré', 'Expiré', 'Signée et contresignée'];
  for (const etat of await cellules(5)) assert.ok(!clos.includes(etat), `dossier clos (${etat}) dans la file par défaut`);
  assert.equal(await v.lien('Afficher aussi les dossiers clos').count(), 1, 'lien « Afficher aussi les dossiers clos »');

  // Recherche par organisation : ses dossiers en cours ; avec les clos, son dossier labellisé aussi.
  await v.remplir({ q: 'cooperative logiciels' });
  await v.cliquer(v.bouton('Filtrer'));
  assert.match(page().url(), /[?&]q=cooperative\+logiciels(&|$)/);
  assert.equal(await page().locator('#q').inputValue(), 'cooperative logiciels', 'la recherche reste dans le champ');
  const enCours = await cellules(2);
  assert.ok(enCours.length >= 1 && enCours.every((t) => t.includes(ORGANISATION)), `résultats de la recherche : ${enCours}`);
  assert.ok(!(await cellules(5)).includes('Labellisé'), 'le dossier labellisé de l’organisation est masqué');
  await v.remplir({ clos: true });
  await v.cliquer(v.bouton('Filtrer'));
  assert.ok((await cellules(5)).includes('Labellisé'), 'avec « afficher aussi les dossiers clos », le dossier labellisé apparaît');
  assert.ok((await cellules(2)).every((t) => t.includes(ORGANISATION)));

  // Recherche par numéro : le dossier déposé, seul.
  const ligneDeposee = lignes().filter({ hasText: DISPOSITIF }).filter({ has: page().locator('td:nth-child(5)', { hasText: /^Déposé$/ }) });
  assert.equal(await ligneDeposee.count(), 1, 'le dossier déposé de la démonstration');
  const numero = (await ligneDeposee.locator('td').first().innerText()).trim();
  assert.match(numero, /^REP-\d{4}-\d{6}$/);
  await v.remplir({ q: numero, clos: false });
  await v.cliquer(v.bouton('Filtrer'));
  assert.equal(await lignes().count(), 1, `recherche du numéro ${numero} : une ligne`);
  await v.cliquer(lignes().first().getByRole('link', { name: numero, exact: true }));
  const cheminDossier = v.chemin();
  assert.match(cheminDossier, /^\/dossiers\/[^/]+$/);

  // 2. Prendre en charge : le dossier est attribué à l'agent, et la page le dit.
  await v.cliquer(v.bouton('Prendre en charge', page().locator('#action-prendre_en_charge')));
  assert.equal(await v.etatDuDossier(), 'État : En instruction');
  assert.match(await page().locator('[role="status"]').innerText(), /Vous avez pris ce dossier en charge : il vous est attribué/);
  assert.equal((await page().locator('#attribution').innerText()).trim(), `Dossier attribué à ${AGENT.nom}.`);
  assert.match(await page().locator('#historique ~ ol').innerText(), new RegExp(`${AGENT.nom.replace(/[()]/g, '\\$&')} a pris le dossier en charge\\.`));
  assert.doesNotMatch(await page().locator('#historique ~ ol').innerText(), /\d{4}-\d{2}-\d{2}T|prendre_en_charge/, 'historique sans code brut ni horodatage ISO');

  // 3. « Décision » : un refus sans motivation revient avec le choix et l'erreur au champ.
  await v.cliquer(v.lien('Décision'));
  assert.equal(v.chemin(), `${cheminDossier}/decision`);
  await v.remplir({ 'decision-refuser': true });
  await v.cliquer(v.bouton('Enregistrer la décision'), { statut: 422 });
  assert.ok(await page().locator('#decision-refuser').isChecked(), 'le choix « Refuser » est conservé');
  assert.equal(await page().locator('#erreurs a[href="#motivation"]').count(), 1, 'résumé des erreurs');
  assert.equal(await page().locator('#motivation').getAttribute('aria-describedby'), 'motivation-erreur');
  assert.match(await page().locator('#motivation-erreur').innerText(), /Écrivez la motivation/);
  assert.match(await page().title(), /\(erreurs\)/);

  // Avec la motivation : page de confirmation ; « Modifier » revient au formulaire rempli.
  const motivationRefus = 'Les preuves fournies ne montrent pas encore un usage réel du dispositif.';
  await v.remplir({ motivation: motivationRefus });
  await v.cliquer(v.bouton('Enregistrer la décision'));
  assert.equal(await page().locator('h1').innerText(), 'Confirmer le refus');
  assert.equal((await page().locator('#motivation-recapitulee').innerText()).trim(), motivationRefus);
  await v.cliquer(v.bouton('Modifier'));
  assert.ok(await page().locator('#decision-refuser').isChecked(), '« Modifier » : choix conservé');
  assert.equal(await page().locator('#motivation').inputValue(), motivationRefus, '« Modifier » : motivation conservée');
  assert.match(await page().locator('h1').innerText(), /^Décision sur le dossier /);

  // 4. Demande de complément avec une échéance passée : erreur au champ, saisie conservée.
  const motifComplement = 'Merci de joindre le rapport d’usage de l’année écoulée (critère « Accessible »).';
  const hier = dansJours(-1);
  await v.remplir({ 'decision-demander_complement': true, echeance: hier, motivation: motifComplement });
  await v.cliquer(v.bouton('Enregistrer la décision'), { statut: 422 });
  assert.ok(await page().locator('#decision-demander_complement').isChecked());
  assert.equal(await page().locator('#echeance').inputValue(), hier, 'échéance conservée');
  assert.equal(await page().locator('#motivation').inputValue(), motifComplement, 'motivation conservée');
  assert.equal(await page().locator('#echeance').getAttribute('aria-describedby'), 'echeance-erreur');
  assert.match(await page().locator('#echeance-erreur').innerText(), /est passée/);

  // Une bonne échéance : complément demandé.
  await v.remplir({ echeance: dansJours(20) });
  await v.cliquer(v.bouton('Enregistrer la décision'));
  assert.equal(v.chemin(), cheminDossier);
  assert.equal(await v.etatDuDossier(), 'État : Complément demandé');
  assert.match(await page().locator('[role="status"]').innerText(), /Décision enregistrée/);
  await v.deconnexion();

  // 5. Le porteur répond : il complète un critère, écrit un message et dépose à nouveau.
  await v.connexion(PORTEUR.email, PORTEUR.motDePasse);
  await v.aller(cheminDossier);
  assert.match(await page().locator('main').innerText(), /rapport d’usage de l’année écoulée/);
  await v.cliquer(v.lien('Compléter le dossier'));
  const etapes = () => page().getByRole('navigation', { name: 'Étapes du dossier' });
  await v.cliquer(etapes().getByRole('link', { name: /^Critère « Accessible »/ }));
  const texte = 'Rapport d’usage joint : 420 personnes accompagnées en 2026, dont 60 % de plus de 60 ans, bilan publié.';
  await v.remplir({ texte });
  await v.cliquer(v.bouton('Enregistrer'));
  assert.equal(await page().locator('#texte').inputValue(), texte);
  await v.cliquer(etapes().getByRole('link', { name: /^Récapitulatif/ }));
  await v.cliquer(v.bouton('Déposer le dossier'));
  assert.equal(await v.etatDuDossier(), 'État : Déposé');
  await v.remplir({ corps: 'Bonjour, le rapport d’usage est ajouté au critère « Accessible ».' });
  await v.cliquer(v.bouton('Envoyer'));
  await v.deconnexion();

  // 6. L'agent : courriel, file, page du dossier.
  const courriel = await v.lireCourriel(AGENT.email, { sujet: /complément reçu/, corps: new RegExp(cheminDossier) });
  assert.ok(courriel.sujet.includes(numero), `le courriel à l'agent porte le numéro ${numero}`);
  await v.connexion(AGENT.email, AGENT.motDePasse);
  await v.cliquer(v.lien('Aller à la file d\'instruction'));
  await v.remplir({ q: numero });
  await v.cliquer(v.bouton('Filtrer'));
  const ligne = lignes().filter({ hasText: numero });
  assert.equal(await ligne.count(), 1);
  assert.equal((await ligne.locator('td').nth(4).innerText()).trim(), 'Déposé');
  assert.equal((await ligne.locator('td').nth(6).innerText()).trim(), AGENT.nom, 'le dossier reste attribué à son agent');
  // textContent et non innerText : le thème affiche les badges en capitales (text-transform).
  assert.match(await ligne.locator('td').nth(7).textContent(), /Complément reçu le \d{2}\/\d{2}\/\d{4}/);
  await v.cliquer(ligne.getByRole('link', { name: numero, exact: true }));
  const recu = page().locator('#complement-recu');
  assert.match(await recu.innerText(), /Complément reçu le \d{2}\/\d{2}\/\d{4} à \d{2}:\d{2}/);
  assert.match(await recu.innerText(), /1 réponse\(s\) modifiée\(s\), 1 message\(s\)/);
  assert.equal(await recu.getByRole('link', { name: 'Accessible' }).count(), 1, 'lien vers le critère modifié');
  const critere = page().locator('section', { has: page().getByRole('heading', { name: /^Accessible/ }) });
  assert.equal(await critere.locator('.fr-badge--new').count(), 1, 'le critère modifié est signalé « Nouveau »');
  assert.equal(await page().locator('h3 .fr-badge--new').count(), 1, 'un seul critère signalé');
  const message = page().locator('#messages ~ div', { hasText: 'le rapport d’usage est ajouté' });
  assert.equal(await message.locator('.fr-badge--new').count(), 1, 'le message est signalé « Nouveau »');
  assert.equal((await page().locator('#attribution').innerText()).trim(), `Dossier attribué à ${AGENT.nom}.`);
  assert.match(await page().locator('#historique ~ ol').innerText(), /a répondu à la demande de complément et déposé le dossier à nouveau\./);
  await v.deconnexion();
}

describe('instruction', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`un agent instruit et décide sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const v = new Visite(nom, url, { prefixe: 'instruction', courriels: true });
      let reussi = false;
      try {
        await instruire(v);
        reussi = true;
      } catch (e) {
        await v.capturerEchec();
        throw e;
      } finally {
        await v.fermer();
        console.log(`${nom} : instruction ${reussi ? 'complète' : 'en échec'} ; ${v.controlees.length} pages contrôlées :\n  ${v.controlees.join('\n  ')}`);
      }
    });
  }
});
