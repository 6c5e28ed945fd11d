// Budgets des pages publiques, mesurés dans un vrai Chromium (paquet Debian, playwright-core).
// Chaque page est visitée dans un contexte neuf (cache et cookies vides : première visite) ; on
// mesure :
//  - HTML : taille du document décompressé (octets) ;
//  - transféré : somme des corps de réponse tels que transférés (compressés le cas échéant,
//    `request.sizes().responseBodySize`) de TOUTES les requêtes de la page (document, feuilles,
//    polices, icônes, favicon…) ; « avec en-têtes » : idem en-têtes compris (CDP
//    Network.loadingFinished encodedDataLength), pour information ;
//  - requêtes : nombre de requêtes faites pour afficher la page (document compris) ;
//  - DOM : nombre d'éléments une fois la page chargée (pour information).
// Budgets : HTML ≤ 30 Ko, transféré ≤ 150 Ko, requêtes ≤ 15 (1 Ko = 1 024 octets) ; une assertion
// par page et par budget, et le tableau des mesures est affiché dans la sortie du test.
// L'EcoIndex officiel de chaque page (ecoindex.mjs : éléments du DOM
// hors descendants des <svg>, requêtes, Ko transférés en-têtes compris, 1 Ko = 1 000 octets comme
// l'outil officiel) ; budget : note A (score > 80) sur chaque page.
//
// Lancé par scripts/navigateur (node --test), ou à la main contre un serveur déjà lancé :
//   cd tests/navigateur && REPERES_BASES="sqlite=http://localhost:8095" node --test budgets.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bases, navigateur, preparerNavigateur } from './commun.mjs';
import { ecoindex, elementsDansLaPage } from './ecoindex.mjs';


const KO = 1024;
const BUDGETS = { html: 30 * KO, transfere: 150 * KO, requetes: 15 };

// Pages publiques (routes de crates/web/src/lib.rs accessibles sans compte). Les fiches dont
// l'adresse dépend des données sont prises sur la page qui les liste : { depuis, lien }.
const angouleme = encodeURIComponent('Angoulême');
const PAGES = [
  '/',
  { depuis: '/', lien: /^\/referentiels\/[^/]+\/[^/]+$/, tous: true },
  '/lieux',
  '/lieux?page=2',
  { depuis: '/lieux', lien: /^\/lieux\/[^/]+\/[^/]+$/ },
  // Signalements du public (issue 16).
  '/lieux/proposer',
  '/lieux/exemple-officiel/structure-1/signaler',
  '/orientation',
  '/orientation?etape=2',
  `/orientation?etape=3&lieu=${angouleme}`,
  `/orientation?etape=4&lieu=${angouleme}`,
  `/orientation?etape=5&lieu=${angouleme}&quand=&jour=&heure=`,
  '/registre',
  { depuis: '/registre', lien: /^\/registre\/dispositifs\/[^/]+$/ },
  '/chartes',
  { depuis: '/chartes', lien: /^\/chartes\/[^/]+$/ },
  { depuis: '/chartes', lien: /^\/chartes\/[^/]+\/rapports\/[^/]+$/ },
  '/territoires',
  '/territoires/region/75',
  '/territoires/departement/16',
  '/territoires/commune/16015',
  '/donnees',
  '/statistiques',
  '/connexion',
  '/inscription',
  '/mot-de-passe-oublie',
  // Les pages de la version locale de démonstration.
  '/t/charente/lieux',
  { depuis: '/t/charente/lieux', lien: /^\/t\/charente\/lieux\/[^/]+\/[^/]+$/ },
  `/t/charente/orientation?etape=5&lieu=${angouleme}&quand=&jour=&heure=`,
  '/t/charente/orientation',
  '/t/charente/registre',
  '/t/charente/chartes',
  '/t/charente/indicateurs',
  // L'index de l'aide et sa page la plus longue.
  '/aide',
  '/aide/demander-un-label',
  // Pages légales et « Signaler un problème ».
  '/mentions-legales',
  '/donnees-personnelles',
  '/cookies',
  '/plan-du-site',
  '/signaler-un-probleme',
  // La déclaration d'accessibilité et le détail de l'audit.
  '/accessibilite',
  '/accessibilite/audit',
];

preparerNavigateur();

/** Les chemins des pages à mesurer, les fiches étant prises sur les pages qui les listent. */
async function chemins(url) {
  const ctx = await navigateur().newContext();
  const page = await ctx.newPage();
  const liste = [];
  for (const p of PAGES) {
    if (typeof p === 'string') { liste.push(p); continue; }
    await page.goto(url + p.depuis);
    const liens = (await page.$$eval('main a[href^="/"]', (as) => as.map((a) => a.getAttribute('href'))))
      .map((h) => h.split(/[?#]/)[0]).filter((h) => p.lien.test(h));
    assert.ok(liens.length > 0, `${p.depuis} devrait lier une page ${p.lien} (données de démonstration)`);
    for (const h of (p.tous ? [...new Set(liens)] : liens.slice(0, 1))) if (!liste.includes(h)) liste.push(h);
  }
  await ctx.close();
  return liste;
}

async function mesurer(url, chemin) {
  const ctx = await navigateur().newContext(); // contexte neuf : cache et cookies vides
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let avecEntetes = 0;
  cdp.on('Network.loadingFinished', (e) => { avecEntetes += e.encodedDataLength; });
  const requetes = [];
  const echecs = [];
  page.on('requestfinished', (r) => requetes.push(r));
  page.on('requestfailed', (r) => { requetes.push(r); echecs.push(r.url()); });
  const reponse = await page.goto(url + chemin, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle').catch(() => {});
  const html = (await reponse.body()).length;
  const dom = await page.evaluate(() => document.getElementsByTagName('*').length);
  // Les éléments comptés par l'EcoIndex (sans l'intérieur des <svg>).
  const elementsEco = await page.evaluate(elementsDansLaPage);
  let transfere = 0;
  const parType = {};
  for (const r of requetes) {
    const s = await r.sizes().catch(() => ({ responseBodySize: 0 }));
    transfere += s.responseBodySize;
    const t = r.resourceType();
    parType[t] = (parType[t] || 0) + s.responseBodySize;
  }
  await ctx.close();
  const eco = ecoindex({ dom: elementsEco, requetes: requetes.length, ko: avecEntetes / 1000 });
  return { chemin, statut: reponse.status(), html, transfere, avecEntetes, requetes: requetes.length,
    dom, elementsEco, parType, echecs, eco };
}

const ko = (n) => (n / KO).toFixed(1);

/** Tableau Markdown des mesures. */
function tableau(lignes) {
  const entete = ['page', 'statut', 'HTML (Ko)', 'transféré (Ko)', 'avec en-têtes (Ko)', 'requêtes', 'DOM',
    'EcoIndex', 'note'];
  const corps = lignes.map((l) => [l.chemin, String(l.statut), ko(l.html), ko(l.transfere), ko(l.avecEntetes),
    String(l.requetes), String(l.dom), String(l.eco.score), l.eco.note]);
  const largeurs = entete.map((e, i) => Math.max(e.length, ...corps.map((r) => r[i].length)));
  const ligne = (r) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(largeurs[i]) : c.padStart(largeurs[i]))).join(' | ') + ' |';
  return [ligne(entete),
    '|' + largeurs.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...corps.map(ligne)].join('\n');
}

for (const { nom, url } of bases) {
  test(`budgets des pages publiques (${nom})`, async (t) => {
    const lignes = [];
    for (const chemin of await chemins(url)) lignes.push(await mesurer(url, chemin));
    console.log(`\nBudgets des pages — ${nom} (${url}) — première visite, cache vide — budgets : `
      + `HTML ≤ ${BUDGETS.html / KO} Ko, transféré ≤ ${BUDGETS.transfere / KO} Ko, requêtes ≤ ${BUDGETS.requetes}\n\n`
      + tableau(lignes) + '\n\nTransféré par type de ressource (Ko, accueil) : '
      + Object.entries(lignes[0].parType).map(([type, n]) => `${type} ${ko(n)}`).join(', ') + '\n');
    for (const l of lignes) {
      await t.test(`${l.chemin} : statut 200, aucune requête en échec`, () => {
        assert.equal(l.statut, 200, `${l.chemin} : statut`);
        assert.deepEqual(l.echecs, [], `${l.chemin} : requêtes en échec`);
      });
      await t.test(`${l.chemin} : HTML ${ko(l.html)} Ko ≤ ${BUDGETS.html / KO} Ko`, () => {
        assert.ok(l.html <= BUDGETS.html, `${l.chemin} : HTML de ${ko(l.html)} Ko`);
      });
      await t.test(`${l.chemin} : transféré ${ko(l.transfere)} Ko ≤ ${BUDGETS.transfere / KO} Ko`, () => {
        assert.ok(l.transfere <= BUDGETS.transfere, `${l.chemin} : ${ko(l.transfere)} Ko transférés `
          + `(${Object.entries(l.parType).map(([type, n]) => `${type} ${ko(n)}`).join(', ')})`);
      });
      await t.test(`${l.chemin} : ${l.requetes} requêtes ≤ ${BUDGETS.requetes}`, () => {
        assert.ok(l.requetes <= BUDGETS.requetes, `${l.chemin} : ${l.requetes} requêtes`);
      });
      await t.test(`${l.chemin} : EcoIndex ${l.eco.score} (${l.eco.note}), note A attendue (> 80)`, () => {
        assert.equal(l.eco.note, 'A', `${l.chemin} : EcoIndex ${l.eco.score} (${l.eco.note}) — `
          + `${l.elementsEco} éléments, ${l.requetes} requêtes, ${(l.avecEntetes / 1000).toFixed(1)} Ko transférés`);
      });
    }
  });
}
