// Le dossier de label de Repères lui-même, montré en exemple au registre, dans un vrai Chromium
// (paquet Debian) piloté par playwright-core, JavaScript DÉSACTIVÉ :
//   - le registre présente l'encadré « Exemple : le dossier de Repères », dont le lien mène à la
//     fiche du dispositif Repères ;
//   - la fiche publie l'autoévaluation NEC 2022 (six critères, chacun avec ses preuves et
//     l'appréciation de l'instruction) et la décision ;
//   - une preuve interne (les données ouvertes, /donnees) se suit et mène à la page attendue.
// Chaque page affichée est contrôlée (commun.mjs) : titre, un seul h1, identifiants uniques,
// aucune ressource en échec, zéro violation axe-core.
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur), données de démonstration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite } from './commun.mjs';

preparerNavigateur();

/** Les six critères du NEC 2022, dans l'ordre de la grille (écrits à la main). */
const CRITERES = ['Accessible', 'Appropriable', 'Éthique', 'Ouvert', 'Sécurisé', 'Sobre'];

async function registreVersFiche(v) {
  await v.nouveauContexte();
  await v.aller('/registre');
  const encadre = v.page.locator('#exemple');
  assert.equal(await encadre.getByRole('heading', { level: 2 }).innerText(), 'Exemple : le dossier de Repères');
  await v.cliquer(v.lien('Voir le dossier de Repères', encadre));
  assert.match(v.chemin(), /^\/registre\/dispositifs\/[^/]+$/);
  assert.equal(await v.page.locator('h1').innerText(), 'Repères');
  const exemple = v.page.locator('section#exemple');
  assert.equal(await exemple.getByRole('heading', { level: 2 }).innerText(), 'Exemple : le dossier de Repères');
  const titres = await exemple.getByRole('heading', { level: 3 }).allInnerTexts();
  assert.deepEqual(titres, [...CRITERES, 'Décision']);
  // Chaque critère a son autoévaluation (niveau 2 visé) et l'appréciation de l'instruction.
  const texte = await exemple.innerText();
  assert.equal(texte.match(/Autoévaluation : niveau 2 ; appréciation de l'instruction : niveau [12]\./g)?.length, 6, texte);
  assert.match(texte, /Label accordé au niveau 1\./);
}

async function suivrePreuveInterne(v) {
  const preuve = v.page.locator(`section#exemple a[href="${v.url}/donnees"]`);
  assert.equal(await preuve.count(), 1, 'une preuve vers les données ouvertes');
  await v.cliquer(preuve);
  assert.equal(v.chemin(), '/donnees');
}

for (const { nom, url } of bases) {
  describe(`le dossier de Repères en exemple (${nom})`, () => {
    const v = new Visite(nom, url, { prefixe: 'exemple' });
    const etape = (titre, f) => test(titre, async () => {
      try { await f(v); } catch (e) { await v.capturerEchec(); throw e; }
    });
    etape('le registre mène à la fiche de Repères, qui publie son autoévaluation', registreVersFiche);
    etape('une preuve interne se suit : les données ouvertes', suivrePreuveInterne);
    test('pages contrôlées', async () => {
      await v.fermer();
      assert.equal(v.controlees.length, 3, v.controlees.join('\n'));
    });
  });
}
