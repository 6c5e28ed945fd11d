// La personne qui cherche de l'aide près de chez elle, dans un vrai Chromium (paquet Debian),
// piloté par playwright-core, JavaScript DÉSACTIVÉ :
//   - depuis l'accueil, un clic mène à l'orientation en quatre étapes ;
//   - une recherche sans résultat (Limoges, 30 km) propose d'élargir, et le lien « Chercher
//     jusqu'à 50 km » le fait (lieux trouvés, distance choisie dans le formulaire) ;
//   - la fiche d'un lieu de la démonstration a son téléphone en lien tel: visible sans défiler,
//     dans une fenêtre de 375×667 comme de 1280×800 ;
//   - le fil d'Ariane de la fiche ramène à la liste avec ses filtres (commune, service) ;
//   - un nom publié en capitales (« COMMUNE DE NERCILLAC ») est lisible dans la liste ;
//   - à 375 px, le menu est replié derrière « Menu » et s'ouvre sans JavaScript, au clavier
//     (Tab jusqu'au bouton, Entrée, Tab vers le premier lien) ; à 1280 px il est déplié.
// Chaque page affichée est contrôlée (commun.mjs) : titre, un seul h1, identifiants uniques,
// aucune ressource en échec, zéro violation axe-core.
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur), données de démonstration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, preparerNavigateur, Visite as VisiteDeBase } from './commun.mjs';

const SERVICE = 'Aide aux démarches administratives';
const PETIT = { width: 375, height: 667 };
const GRAND = { width: 1280, height: 800 };

preparerNavigateur();

class Visite extends VisiteDeBase {
  constructor(nom, url) { super(nom, url, { prefixe: 'aide' }); }

  /** Chemin de la page courante, avec sa requête. */
  cheminComplet() { const u = new URL(this.page.url()); return u.pathname + u.search; }

  async statut() { return (await this.page.locator('main [role="status"]').first().innerText()).trim(); }

  /** L'élément est-il entièrement dans la fenêtre, sans défiler ? */
  async sansDefiler(locator) {
    const boite = await locator.boundingBox();
    const fenetre = this.page.viewportSize();
    assert.ok(boite, 'élément sans boîte (invisible)');
    const scroll = await this.page.evaluate(() => window.scrollY);
    return scroll === 0 && boite.y >= 0 && boite.y + boite.height <= fenetre.height
      && boite.x >= 0 && boite.x + boite.width <= fenetre.width;
  }
}

/** « 6 lieu(x)… » → 6. */
function nombre(texte) {
  const m = /^(\d+) lieu\(x\)/.exec(texte.trim());
  assert.ok(m, `nombre de lieux introuvable dans « ${texte} »`);
  return Number(m[1]);
}

async function accueilVersOrientation(v) {
  await v.nouveauContexte();
  await v.page.setViewportSize(PETIT);
  await v.aller('/');
  const entree = v.page.getByRole('heading', { name: "Trouver de l'aide près de chez moi", level: 2 });
  assert.equal(await entree.count(), 1, "l'accueil a l'entrée « Trouver de l'aide près de chez moi »");
  // Elle vient avant les règles des labels (les référentiels).
  const ordre = await v.page.locator('main h2').allInnerTexts();
  assert.equal(ordre[0].trim(), "Trouver de l'aide près de chez moi", `premier titre de l'accueil : ${ordre.join(' | ')}`);
  const bouton = v.lien('Trouver un lieu en répondant à 4 questions');
  assert.ok(await v.sansDefiler(bouton), "l'entrée vers l'orientation est visible sans défiler, même à 375 px");
  await v.cliquer(bouton, { capture: true });
  assert.equal(v.chemin(), '/orientation', 'un clic mène à l’orientation');
  assert.match((await v.page.locator('h1').innerText()).trim(), /^De quoi avez-vous besoin \?/);
}

async function rechercheVideElargie(v) {
  await v.nouveauContexte();
  await v.aller('/');
  // Recherche par commune depuis l'accueil : Limoges, aucun lieu de la démonstration à 30 km.
  await v.remplir({ 'aide-lieu': '87000' });
  await v.cliquer(v.bouton('Chercher les lieux proches'), { capture: true });
  assert.equal(v.chemin(), '/lieux');
  assert.equal(nombre(await v.statut()), 0, 'Limoges, 30 km : aucun lieu');
  const elargir = v.page.locator('#elargir');
  assert.equal(await elargir.count(), 1, 'une recherche vide propose d’élargir');
  const lien = v.lien("Chercher jusqu'à 50 km", elargir);
  assert.equal(await lien.count(), 1, `lien « Chercher jusqu'à 50 km » : ${await elargir.innerText()}`);
  await v.cliquer(lien, { capture: true });
  const u = new URL(v.page.url());
  assert.equal(u.searchParams.get('lieu'), '87000', 'la commune est gardée');
  assert.equal(u.searchParams.get('rayon'), '50', 'la distance est élargie');
  assert.ok(nombre(await v.statut()) > 0, 'à 50 km, des lieux sont trouvés');
  assert.equal(await v.page.locator('#rayon').inputValue(), '50', 'le formulaire montre la nouvelle distance');
  assert.equal(await v.page.locator('#elargir').count(), 0, 'plus de proposition quand on trouve');
}

async function ficheEtRetour(v) {
  const page = () => v.page;
  for (const fenetre of [PETIT, GRAND]) {
    await v.nouveauContexte();
    await page().setViewportSize(fenetre);
    // Chasseneuil-sur-Bonnieure et un service, choisis dans le formulaire.
    await v.aller('/lieux');
    await page().locator('#lieu').fill('Chasseneuil-sur-Bonnieure');
    const volet = page().locator('details', { has: page().locator('summary', { hasText: /^Services/ }) });
    await volet.locator('summary').click();
    await v.cocher(volet.getByRole('checkbox', { name: SERVICE, exact: true }));
    await v.cliquer(v.bouton('Rechercher'));
    const premier = page().locator('main article h2 a').first();
    const nom = (await premier.innerText()).trim();
    assert.equal(nom, 'France services de Chasseneuil-sur-Bonnieure', `premier lieu autour de Chasseneuil-sur-Bonnieure : ${nom}`);
    await v.cliquer(premier, { capture: true });
    // Le téléphone, en lien tel:, au-dessus de la ligne de flottaison.
    const tel = page().locator('main a[href^="tel:"]').first();
    assert.equal(await tel.getAttribute('href'), 'tel:+33545955040');
    assert.equal((await tel.innerText()).trim(), '05 45 95 50 40');
    assert.ok(await v.sansDefiler(tel), `téléphone visible sans défiler (${fenetre.width}×${fenetre.height})`);
    assert.match(await page().locator('main .reperes-contact').innerText(), /Frais : Gratuit/);
    assert.equal(await page().locator('main a[href^="geo:"]').count(), 1, "lien d'itinéraire geo:");
    assert.doesNotMatch(await page().locator('main').innerText(), /00000000000000/, 'pivot de remplissage masqué');
    // Le fil d'Ariane ramène à la liste, avec ses filtres.
    const ariane = page().getByRole('navigation', { name: 'Vous êtes ici :' });
    await v.cliquer(v.lien('Votre recherche', ariane));
    const u = new URL(page().url());
    assert.equal(u.pathname, '/lieux', 'retour à la liste');
    assert.equal(u.searchParams.get('lieu'), 'Chasseneuil-sur-Bonnieure', `commune dans l'adresse : ${u.search}`);
    assert.deepEqual(u.searchParams.getAll('service'), [SERVICE], `service dans l'adresse : ${u.search}`);
    assert.equal(u.searchParams.get('page'), '1', `page dans l'adresse : ${u.search}`);
    assert.equal(await page().locator('#lieu').inputValue(), 'Chasseneuil-sur-Bonnieure', 'commune gardée');
    assert.equal(await page().getByRole('checkbox', { name: SERVICE, exact: true }).isChecked(), true, 'service gardé');
    assert.equal((await page().locator('main article h2 a').first().innerText()).trim(), nom);
  }
}

async function nomLisible(v) {
  await v.nouveauContexte();
  await v.aller('/lieux?q=nercillac');
  const noms = await v.page.locator('main article h2 a').allInnerTexts();
  assert.deepEqual(noms.map((n) => n.trim()), ['Commune de Nercillac'], 'nom publié « COMMUNE DE NERCILLAC », lisible');
}

async function menuReplie(v) {
  await v.nouveauContexte();
  const page = () => v.page;
  await page().setViewportSize(PETIT);
  await v.aller('/lieux');
  const nav = page().getByRole('navigation', { name: 'Menu principal' });
  const menu = nav.locator('summary', { hasText: 'Menu' });
  const registre = v.lien('Registre des titulaires', nav);
  assert.equal(await menu.isVisible(), true, 'bouton « Menu » visible à 375 px');
  assert.equal(await registre.isVisible(), false, 'menu replié à 375 px');
  // Au clavier : Tab jusqu'au bouton « Menu », Entrée l'ouvre, Tab entre dans le menu.
  let focus = '';
  for (let i = 0; i < 10 && focus !== 'SUMMARY'; i += 1) {
    await page().keyboard.press('Tab');
    focus = await page().evaluate(() => document.activeElement?.tagName);
  }
  assert.equal(focus, 'SUMMARY', 'le bouton « Menu » se prend au clavier');
  await page().keyboard.press('Enter');
  assert.equal(await registre.isVisible(), true, 'Entrée ouvre le menu');
  await page().keyboard.press('Tab');
  assert.equal(await page().evaluate(() => document.activeElement?.textContent.trim()), 'Référentiels', 'Tab mène au premier lien du menu');
  await v.capturer();
  await page().keyboard.press('Shift+Tab');
  await page().keyboard.press('Enter');
  assert.equal(await registre.isVisible(), false, 'Entrée le referme');
  // Au clic, et le lien mène bien à sa page.
  await menu.click();
  await v.cliquer(v.lien('Lieux de médiation', nav));
  assert.equal(v.chemin(), '/lieux');
  // À 1280 px, le menu est déplié et le bouton caché.
  await page().setViewportSize(GRAND);
  assert.equal(await menu.isVisible(), false, 'pas de bouton « Menu » à 1280 px');
  assert.equal(await registre.isVisible(), true, 'menu déplié à 1280 px');
}

for (const { nom, url } of bases) {
  describe(`aide près de chez moi (${nom})`, () => {
    const v = new Visite(nom, url);
    const etape = (titre, f) => test(titre, async () => {
      try { await f(v); } catch (e) { await v.capturerEchec(); throw e; }
    });
    etape("l'accueil mène à l'orientation en un clic", accueilVersOrientation);
    etape('une recherche vide propose d’élargir, et le lien le fait', rechercheVideElargie);
    etape('fiche : téléphone tel: sans défiler, retour à la liste avec ses filtres', ficheEtRetour);
    etape('nom en capitales lisible dans la liste', nomLisible);
    etape('à 375 px, menu replié qui s’ouvre sans JavaScript, au clavier', menuReplie);
    test('pages contrôlées', async () => {
      await v.fermer();
      assert.ok(v.controlees.length >= 10, v.controlees.join('\n'));
      console.log(`${nom} : ${v.controlees.length} pages contrôlées\n  ${v.controlees.join('\n  ')}`);
    });
  });
}
