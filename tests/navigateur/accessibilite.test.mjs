// La déclaration d'accessibilité et le détail de l'audit RGAA 4.1,
// dans Chromium, sur les deux bases : contrôles communs de chaque page (statut, titre, h1 unique,
// identifiants uniques, ressources, console, axe-core WCAG 2.1 A et AA), puis ce qui compte pour
// une personne : on y arrive par le pied de page de n'importe quelle page, le taux et l'état y
// sont dits, le contact et les voies de recours y sont, la page se lit à 320 px de large sans
// défilement horizontal et au clavier (lien d'évitement, focus visible).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

preparerNavigateur();

for (const { nom, url } of bases) {
  test(`${nom} : déclaration d'accessibilité depuis le pied de page`, async () => {
    const v = new Visite(nom, url, { prefixe: 'accessibilite' });
    try {
      await v.nouveauContexte();
      await v.aller('/lieux');
      // Le lien du pied de page dit l'état calculé de l'audit.
      const lien = v.page.locator('footer').getByRole('link', { name: 'Accessibilité : partiellement conforme', exact: true });
      assert.equal(await lien.count(), 1, 'lien du pied de page');
      await v.cliquer(lien, { capture: true });
      assert.equal(v.chemin(), '/accessibilite');
      const main = v.page.locator('main');
      const titres = await main.locator('h2').allInnerTexts();
      // Les rubriques du modèle de la DINUM, dans l'ordre.
      assert.deepEqual(titres, [
        'État de conformité', 'Résultats des tests', 'Contenus non accessibles',
        "Établissement de cette déclaration d'accessibilité", "Retour d'information et contact",
        'Voies de recours', 'Schéma pluriannuel de mise en accessibilité', "Plan d'actions de l'année",
      ]);
      assert.match(await main.innerText(), /partiellement conforme avec le référentiel général d'amélioration de l'accessibilité \(RGAA\), version 4\.1/);
      assert.match(await main.locator('strong', { hasText: 'des critères du RGAA version 4.1 sont respectés' }).innerText(), /^\d+,\d % des critères/);
      assert.equal(await v.lien("formulaire « Signaler un problème » (sujet : accessibilité)").getAttribute('href'), '/signaler-un-probleme?sujet=accessibilite');
      assert.equal(await v.lien('formulaire en ligne du Défenseur des droits').count(), 1);
      // Le détail de l'audit : 13 thématiques, 106 critères, l'échantillon en tableau.
      await v.cliquer(v.lien('résultat de chaque critère et de chaque page'));
      assert.equal(v.chemin(), '/accessibilite/audit');
      assert.equal(await v.page.locator('main h3').count(), 13);
      assert.equal(await v.page.locator('main h3 + ul > li').count(), 106);
      assert.ok(await v.page.locator('main table caption', { hasText: 'Résultat de chaque page' }).count() === 1);
      // De retour sur la déclaration, au clavier : le premier Tab atteint le lien d'évitement.
      await v.aller('/accessibilite');
      await v.page.keyboard.press('Tab');
      assert.equal(await v.page.$eval(':focus', (e) => e.textContent.trim()), 'Contenu');
      // À 320 px de large : aucun défilement horizontal.
      await v.page.setViewportSize({ width: 320, height: 640 });
      assert.equal(await v.page.$eval('html', (e) => e.scrollWidth <= e.clientWidth), true,
        'défilement horizontal à 320 px');
    } catch (e) {
      await v.capturerEchec();
      throw e;
    } finally {
      await v.fermer();
    }
  });
}
