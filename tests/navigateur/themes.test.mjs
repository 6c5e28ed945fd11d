// Les deux thèmes (issue 17, partie « neutre ») : scripts/navigateur lance le serveur SQLite en
// DSFR et le serveur PostgreSQL en thème neutre (REPERES_THEMES). Pour chacun, captures d'écran des
// pages principales, rangées dans target/navigateur/themes/{dsfr,neutre}/ (REPERES_CAPTURES) pour
// les relire, et contrôles :
//  - neutre : aucune ressource du DSFR demandée, aucun « République » dans la page, police du
//    corps = polices du système, feuille neutre appliquée (couleur d'accent, mise en page) ;
//  - DSFR : la feuille du DSFR chargée et appliquée (Marianne), le bloc-marque présent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { bases, captures, navigateur, preparerNavigateur, themeDe } from './commun.mjs';

preparerNavigateur();

/** Pages principales : nom de la capture, chemin (la fiche est prise sur /lieux). */
const PAGES = [
  ['accueil', '/'],
  ['lieux', '/lieux'],
  ['fiche', null],
  ['orientation', '/orientation'],
  ['registre', '/registre'],
  ['chartes', '/chartes'],
  ['territoire-16', '/territoires/departement/16'],
  ['connexion', '/connexion'],
  ['donnees', '/donnees'],
];

/** Accent du thème neutre (--reperes-accent de neutre.css, #1f4e79). */
const ACCENT_NEUTRE = 'rgb(31, 78, 121)';

async function premiereFiche(url) {
  const ctx = await navigateur().newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(url + '/lieux');
  const liens = (await page.$$eval('main a[href^="/lieux/"]', (as) => as.map((a) => a.getAttribute('href'))))
    .map((h) => h.split(/[?#]/)[0]).filter((h) => /^\/lieux\/[^/]+\/[^/]+$/.test(h));
  await ctx.close();
  assert.ok(liens.length > 0, '/lieux devrait lier la fiche d\'un lieu (données de démonstration)');
  return liens[0];
}

/** Visite d'une page sans JavaScript, cache vide : ressources demandées, styles calculés, capture. */
async function visiter(url, chemin, fichier, largeur = 1280) {
  const ctx = await navigateur().newContext({ javaScriptEnabled: false, viewport: { width: largeur, height: 900 } });
  const page = await ctx.newPage();
  const demandees = [];
  const echecs = [];
  page.on('request', (r) => demandees.push(new URL(r.url()).pathname));
  page.on('response', (r) => { if (r.status() >= 400) echecs.push(`${r.status()} ${r.url()}`); });
  const reponse = await page.goto(url + chemin, { waitUntil: 'load' });
  assert.equal(reponse.status(), 200, `${chemin} : statut`);
  assert.deepEqual(echecs, [], `${chemin} : ressources en échec`);
  const mesures = await page.evaluate(() => {
    const style = (sel, prop, pseudo) => {
      const e = document.querySelector(sel);
      return e ? getComputedStyle(e, pseudo)[prop] : null;
    };
    return {
      police: getComputedStyle(document.body).fontFamily,
      texte: document.body.innerText,
      feuilles: [...document.styleSheets].map((s) => new URL(s.href).pathname),
      piedBordure: style('.fr-footer', 'borderTopColor'),
      titreService: style('.fr-header__service-title', 'fontWeight'),
      conteneur: style('main .fr-container', 'maxWidth'),
      bouton: style('main .fr-btn:not(.fr-btn--secondary):not(.fr-btn--tertiary):not(.fr-btn--tertiary-no-outline)', 'backgroundColor'),
      lien: style('main p a:not(.fr-btn), main li a:not(.fr-btn)', 'color'),
    };
  });
  await page.screenshot({ path: fichier, fullPage: true });
  await ctx.close();
  return { demandees, ...mesures };
}

for (const { nom, url } of bases) {
  const theme = themeDe(nom);
  test(`thème ${theme} (${nom}) : captures des pages principales et contrôles du thème`, async () => {
    const dossier = `${captures}/themes/${theme}`;
    mkdirSync(dossier, { recursive: true });
    const fiche = await premiereFiche(url);
    const faites = [];
    for (const [cle, c] of PAGES) {
      const chemin = c ?? fiche;
      const m = await visiter(url, chemin, `${dossier}/${cle}.png`);
      faites.push(`${dossier}/${cle}.png`);
      const dsfr = m.demandees.filter((p) => p.startsWith('/static/vendor/dsfr/'));
      if (theme === 'neutre') {
        assert.deepEqual(dsfr, [], `${chemin} : ressources du DSFR demandées en thème neutre`);
        assert.ok(!/République/i.test(m.texte), `${chemin} : « République » dans une page en thème neutre`);
        assert.match(m.police, /^system-ui,/, `${chemin} : police du corps « ${m.police} »`);
        assert.deepEqual(m.feuilles, ['/static/css/neutre.css', '/static/css/reperes.css'], `${chemin} : feuilles`);
        // La feuille neutre est appliquée : pied bordé de l'accent, titre du service en gras,
        // conteneur centré de 78 rem, liens et boutons principaux de la couleur d'accent.
        assert.equal(m.piedBordure, ACCENT_NEUTRE, `${chemin} : bordure du pied`);
        assert.equal(m.titreService, '700', `${chemin} : titre du service`);
        assert.equal(m.conteneur, '1248px', `${chemin} : largeur du conteneur`);
        if (m.lien) assert.equal(m.lien, ACCENT_NEUTRE, `${chemin} : couleur des liens`);
        if (m.bouton) assert.equal(m.bouton, ACCENT_NEUTRE, `${chemin} : fond des boutons principaux`);
      } else {
        assert.ok(dsfr.includes('/static/vendor/dsfr/dsfr.min.css'), `${chemin} : la feuille du DSFR n'est pas demandée`);
        assert.ok(m.feuilles.includes('/static/vendor/dsfr/dsfr.min.css'), `${chemin} : feuille du DSFR absente`);
        assert.ok(!m.feuilles.includes('/static/css/neutre.css'), `${chemin} : feuille neutre en DSFR`);
        assert.match(m.police, /Marianne/, `${chemin} : police du corps « ${m.police} »`);
        assert.match(m.texte, /République\s+Française/i, `${chemin} : bloc-marque absent`);
      }
    }
    // Petit écran (menu replié derrière « Menu »).
    for (const [cle, chemin] of [['accueil-mobile', '/'], ['lieux-mobile', '/lieux']]) {
      await visiter(url, chemin, `${dossier}/${cle}.png`, 375);
      faites.push(`${dossier}/${cle}.png`);
    }
    console.log(`Thème ${theme} (${nom}) : ${faites.length} captures dans ${dossier}/`);
  });
}
