// Lieux vivants (issue 16), partie « structures », dans un vrai Chromium (JavaScript désactivé),
// sur les deux bases de démonstration : la structure de démonstration voit « Mes lieux » (le lieu
// qu'elle tient), revendique un lieu de la Charente depuis sa fiche ; l'administrateur accepte la
// demande, puis lit le rapport de fraîcheur ; la fiche dit « Tenu par … » et « À vérifier ».
// axe-core sur chaque page (Visite.controler).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const STRUCTURE = { email: 'structure@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };

preparerNavigateur();

async function structures(v) {
  const page = () => v.page;
  // 1. La structure de démonstration : « Mes lieux ».
  await v.connexion(STRUCTURE.email, STRUCTURE.motDePasse);
  await v.aller('/espace');
  const mesLieux = page().locator('#mes-lieux ~ ul').first();
  assert.match(await mesLieux.innerText(), /votre structure tient ce lieu/);
  // 2. La fiche du lieu qu'elle tient : « Tenu par », « À vérifier », lien de mise à jour.
  await v.cliquer(mesLieux.locator('a').first());
  assert.match(await page().locator('#structure').innerText(), /Tenu par Anonymal \(démo\) depuis le/);
  assert.match(await page().locator('#structure').innerText(), /pas été confirmé depuis plus de 6 mois/);
  // 3. Elle revendique un lieu de la Charente (pivot différent : demande examinée).
  await v.aller('/lieux?q=angouleme');
  await v.cliquer(page().locator('main article h2 a').first());
  const fiche = v.chemin();
  await v.cliquer(v.lien('Le revendiquer'));
  await v.cliquer(v.bouton('Revendiquer ce lieu'));
  assert.match(await page().locator('main').innerText(), /est enregistrée/);
  await v.aller('/espace');
  assert.match(await page().locator('#mes-lieux ~ ul').first().innerText(), /demande en cours d'examen/);
  await v.deconnexion();
  // 4. L'administrateur accepte la demande.
  await v.connexion(ADMIN.email, ADMIN.motDePasse);
  await v.aller('/administration/lieux/revendications');
  await v.cliquer(v.bouton(/^Accepter : « Anonymal \(démo\) » tient ce lieu$/).first());
  assert.equal(v.chemin(), '/administration/lieux/revendications');
  // 5. Le rapport de fraîcheur.
  await v.aller('/administration/lieux/fraicheur');
  assert.match(await page().locator('main').innerText(), /\d+ lieu\(x\) à vérifier sur \d+/);
  assert.ok(await page().locator('table').count() >= 2, 'par département et par source');
  await v.deconnexion();
  // 6. La fiche dit maintenant que la structure tient le lieu.
  await v.aller(fiche);
  assert.match(await page().locator('#structure').innerText(), /Tenu par Anonymal \(démo\)/);
}

describe('lieux-structures', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`une structure revendique un lieu, l'administrateur accepte, rapport de fraîcheur sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const v = new Visite(nom, url, { prefixe: 'lieux-structures' });
      let reussi = false;
      try {
        await structures(v);
        reussi = true;
      } catch (e) {
        await v.capturerEchec();
        throw e;
      } finally {
        await v.fermer();
        console.log(`${nom} : lieux-structures ${reussi ? 'complet' : 'en échec'} ; ${v.controlees.length} pages contrôlées :\n  ${v.controlees.join('\n  ')}`);
      }
    });
  }
});
