// Les pages d'aide (contenus/aide, rendues du Markdown), dans un vrai Chromium, JavaScript
// DÉSACTIVÉ, sur les deux bases :
//   - l'index /aide et chacune des pages qu'il lie passent les contrôles communs (titre, un seul
//     h1, identifiants uniques, ressources, zéro violation axe-core) ;
//   - depuis l'orientation (étape 1) et depuis /donnees, le lien « Aide : … » se prend au
//     clavier (Tab) et Entrée ouvre la bonne page d'aide ;
//   - dans la version locale de démonstration (/t/charente), l'index n'a que les pages publiques
//     et leurs liens gardent le préfixe.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite as VisiteDeBase } from './commun.mjs';

preparerNavigateur();

/** Les pages de l'aide, écrites à la main (nom du fichier → titre). */
const PAGES = {
  'trouver-un-lieu': 'Trouver un lieu pour être aidé avec le numérique',
  'signaler-une-erreur': 'Signaler une erreur ou proposer un lieu',
  'reutiliser-les-donnees': "Réutiliser les données ouvertes et l'API",
  'etre-prevenu-des-changements': 'Être prévenu des changements du registre (webhook)',
  'demander-un-label': 'Demander un label pour votre dispositif',
  'repondre-a-un-complement': 'Répondre à une demande de complément',
  'signer-la-charte': "Signer la charte « Territoire d'Actions pour un numérique inclusif »",
  'publier-un-rapport': 'Publier le rapport annuel de la charte',
  'tenir-ses-lieux-a-jour': 'Tenir à jour les lieux de votre structure',
  'instruire-un-dossier': 'Instruire un dossier',
  decider: 'Décider sur un dossier',
};
const PUBLIQUES = ['trouver-un-lieu', 'signaler-une-erreur', 'reutiliser-les-donnees', 'etre-prevenu-des-changements'];

class Visite extends VisiteDeBase {
  constructor(nom, url) { super(nom, url, { prefixe: 'aide-pages' }); }

  /** Les liens du contenu principal vers des pages d'aide, dans l'ordre. */
  async liensDAide() {
    return this.page.$$eval('main a[href*="/aide/"]', (as) => as.map((a) => a.getAttribute('href')));
  }

  /** Tab jusqu'au lien `href`, puis Entrée : la page d'aide s'ouvre, contrôlée. */
  async auClavier(href) {
    let actif = null;
    for (let i = 0; i < 120 && actif !== href; i += 1) {
      await this.page.keyboard.press('Tab');
      actif = await this.page.evaluate(() => document.activeElement?.getAttribute('href'));
    }
    assert.equal(actif, href, `${this.chemin()} : le lien ${href} se prend au clavier`);
    const texte = await this.page.evaluate(() => document.activeElement.textContent.trim());
    assert.match(texte, /^Aide : /, `${this.chemin()} : libellé du lien d'aide`);
    const [reponse] = await Promise.all([
      this.page.waitForNavigation({ waitUntil: 'load' }),
      this.page.keyboard.press('Enter'),
    ]);
    await this.controler(reponse);
    assert.equal(this.chemin(), href, 'Entrée ouvre la page d\'aide');
  }
}

for (const { nom, url } of bases) {
  describe(`Pages d'aide (${nom})`, () => {
    test("l'index et chaque page passent les contrôles communs", async () => {
      const v = new Visite(nom, url);
      try {
        await v.nouveauContexte();
        await v.aller('/aide');
        assert.equal((await v.page.locator('h1').innerText()).trim(), 'Aide');
        const liens = await v.liensDAide();
        assert.deepEqual(liens, Object.keys(PAGES).map((p) => `/aide/${p}`), "les pages de l'index, dans l'ordre");
        await v.capturer();
        for (const [page, titre] of Object.entries(PAGES)) {
          await v.aller(`/aide/${page}`);
          assert.equal((await v.page.locator('h1').innerText()).trim(), titre, `/aide/${page} : titre`);
        }
        await v.capturer();
        await v.aller('/aide/inconnue', { statut: 404 });
      } catch (e) { await v.capturerEchec(); throw e; } finally { await v.fermer(); }
    });

    test("depuis l'orientation et /donnees, le lien d'aide s'ouvre au clavier", async () => {
      const v = new Visite(nom, url);
      try {
        await v.nouveauContexte();
        await v.aller('/orientation');
        await v.auClavier('/aide/trouver-un-lieu');
        // La page d'aide ramène à l'orientation.
        await v.cliquer(v.lien('orientation').first());
        assert.equal(v.chemin(), '/orientation');
        await v.aller('/donnees');
        await v.auClavier('/aide/reutiliser-les-donnees');
      } catch (e) { await v.capturerEchec(); throw e; } finally { await v.fermer(); }
    });

    test('dans la version locale, seules les pages publiques, avec le préfixe', async () => {
      const v = new Visite(nom, url);
      try {
        await v.nouveauContexte();
        await v.aller('/t/charente/aide');
        assert.deepEqual(await v.liensDAide(), PUBLIQUES.map((p) => `/t/charente/aide/${p}`));
        await v.aller('/t/charente/orientation');
        await v.auClavier('/t/charente/aide/trouver-un-lieu');
        assert.equal(await v.page.locator('main a[href="/t/charente/orientation"]').count() > 0, true,
          'les liens de la page gardent le préfixe de la version');
        await v.aller('/t/charente/aide/demander-un-label', { statut: 404 });
      } catch (e) { await v.capturerEchec(); throw e; } finally { await v.fermer(); }
    });
  });
}
