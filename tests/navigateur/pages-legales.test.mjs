// Pages légales et « Signaler un problème » (issue 18) dans un vrai Chromium, JavaScript
// DÉSACTIVÉ :
//   - mentions légales, données personnelles, cookies, plan du site : ouvertes depuis le pied de
//     page de l'accueil, contrôlées par le harnais (titre, un h1, identifiants uniques, console,
//     axe-core sans violation) ;
//   - une personne sans compte ouvre « Signaler un problème » depuis une page (page concernée et
//     sujet pré-remplis), envoie d'abord sans message (422, message au champ, saisie gardée),
//     puis avec : accusé à l'écran ;
//   - l'administrateur de démonstration le retrouve dans /administration/problemes et le marque
//     traité : il quitte la liste « À traiter ».
// Les budgets de poids de ces pages sont dans budgets.test.mjs.
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur), données de démonstration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };

preparerNavigateur();

describe('pages légales', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    describe(`pages légales sur ${nom}`, { concurrency: false }, () => {
      const v = new Visite(nom, url, { prefixe: 'pages-legales' });
      const message = `Le filtre n'est pas utilisable au clavier (navigateur ${nom} ${process.pid}).`;
      let envoye = false;
      const etape = (titre, fn) => test(`${titre} (${nom})`, async () => {
        try { await fn(); } catch (e) { await v.capturerEchec(); throw e; }
      });
      etape('les pages légales depuis le pied de page', async () => {
        await v.nouveauContexte();
        for (const [lien, titre] of [
          ['Mentions légales', /Mentions légales/],
          ['Données personnelles', /Données personnelles/],
          ['Gestion des cookies', /Gestion des cookies/],
          ['Plan du site', /Plan du site/],
        ]) {
          await v.aller('/');
          await v.cliquer(v.lien(lien, v.page.locator('footer')));
          assert.match(await v.page.locator('h1').innerText(), titre);
        }
        assert.ok(await v.page.locator('main a[href="/lieux"]').count() > 0, 'le plan lie la recherche des lieux');
      });
      etape('signaler un problème sans compte : erreur puis succès', async () => {
        await v.nouveauContexte();
        await v.aller('/signaler-un-probleme?page=/lieux&sujet=accessibilite');
        assert.equal(await v.page.locator('#page').inputValue(), '/lieux', 'page pré-remplie');
        assert.equal(await v.page.locator('#sujet').inputValue(), 'accessibilite', 'sujet pré-sélectionné');
        await v.remplir({ email: 'personne@exemple.fr' });
        await v.cliquer(v.bouton('Envoyer le signalement'), { statut: 422 });
        assert.match(await v.page.locator('#erreurs').innerText(), /Décrivez le problème en quelques mots/);
        assert.equal(await v.page.locator('#email').inputValue(), 'personne@exemple.fr', 'saisie gardée');
        await v.remplir({ message });
        await v.cliquer(v.bouton('Envoyer le signalement'));
        assert.match(await v.page.locator('h1').innerText(), /Signalement envoyé/);
        envoye = true;
      });
      etape("l'administration le marque traité", async () => {
        assert.ok(envoye, 'le signalement a échoué avant');
        await v.connexion(ADMIN.email, ADMIN.motDePasse);
        await v.aller('/administration/problemes');
        const ligne = v.page.locator('main tr', { hasText: message });
        assert.equal(await ligne.count(), 1, 'signalement dans la liste');
        assert.match(await ligne.innerText(), /personne@exemple\.fr/);
        await v.cliquer(ligne.getByRole('button', { name: /Marquer traité/ }));
        assert.equal(v.chemin(), '/administration/problemes');
        const restant = await v.page.locator('main table').first().innerText().catch(() => '');
        assert.ok(!restant.includes('personne@exemple.fr'), 'adresse effacée, hors de la liste « À traiter »');
      });
      test(`fermer (${nom})`, async () => { await v.fermer(); });
    });
  }
});
