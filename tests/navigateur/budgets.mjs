// Budgets des pages publiques, mesurés dans un vrai Chromium (paquet Debian, playwright-core).
// Ce n'est PAS un test (nom sans .test.mjs : `node --test` ne le lance pas) : il mesure et
// affiche, pour chaque page, visitée dans un contexte neuf (cache vide) :
//  - HTML : taille du document décompressé (octets) ;
//  - transféré : somme des corps de réponse tels que transférés (compressés le cas échéant,
//    `request.sizes().responseBodySize`), en-têtes en plus dans la colonne « avec en-têtes »
//    (CDP Network.loadingFinished encodedDataLength) ;
//  - requêtes : nombre de requêtes faites pour afficher la page (document compris) ;
//  - DOM : nombre d'éléments une fois la page chargée.
// Budgets : HTML ≤ 30 Ko, transféré ≤ 150 Ko, requêtes ≤ 15. Code de sortie 0 (mesure
// seulement) sauf si REPERES_BUDGETS_STRICT=1, où un dépassement donne le code 1.
//
//   cd tests/navigateur && REPERES_BASES="sqlite=http://localhost:8095" node budgets.mjs
import { chromium } from 'playwright-core';

const bases = (process.env.REPERES_BASES || '').split(/\s+/).filter(Boolean).map((s) => {
  const [nom, url] = s.split('=');
  return { nom, url };
});
if (bases.length === 0) {
  console.error('REPERES_BASES est vide : REPERES_BASES="nom=http://localhost:PORT" node budgets.mjs');
  process.exit(2);
}

const KO = 1024;
const BUDGETS = { html: 30 * KO, transfere: 150 * KO, requetes: 15 };
const PAGES = ['/', '/lieux', '/orientation', '/registre', '/chartes', '/territoires',
  '/territoires/departement/16', '/donnees', 'LIEU', '/connexion', '/inscription'];

const navigateur = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Première fiche de lieu liée depuis /lieux. */
async function premierLieu(url) {
  const ctx = await navigateur.newContext();
  const page = await ctx.newPage();
  await page.goto(url + '/lieux');
  const liens = await page.$$eval('a[href^="/lieux/"]', (as) => as.map((a) => a.getAttribute('href')));
  await ctx.close();
  return liens.map((h) => h.split(/[?#]/)[0]).find((h) => /^\/lieux\/[^/]+\/[^/]+$/.test(h));
}

async function mesurer(url, chemin) {
  const ctx = await navigateur.newContext(); // contexte neuf : cache et cookies vides
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let avecEntetes = 0;
  cdp.on('Network.loadingFinished', (e) => { avecEntetes += e.encodedDataLength; });
  const requetes = [];
  page.on('requestfinished', (r) => requetes.push(r));
  const echecs = [];
  page.on('requestfailed', (r) => { requetes.push(r); echecs.push(r.url()); });
  const reponse = await page.goto(url + chemin, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle').catch(() => {});
  const html = (await reponse.body()).length;
  const dom = await page.evaluate(() => document.getElementsByTagName('*').length);
  let transfere = 0;
  const parType = {};
  for (const r of requetes) {
    const s = await r.sizes().catch(() => ({ responseBodySize: 0 }));
    transfere += s.responseBodySize;
    const t = r.resourceType();
    parType[t] = (parType[t] || 0) + s.responseBodySize;
  }
  await ctx.close();
  return { chemin, statut: reponse.status(), html, transfere, avecEntetes, requetes: requetes.length,
    dom, parType, echecs };
}

const ko = (n) => (n / KO).toFixed(1);
let depassements = 0;
for (const { nom, url } of bases) {
  const lieu = await premierLieu(url);
  const lignes = [];
  for (const p of PAGES) {
    const chemin = p === 'LIEU' ? lieu : p;
    if (!chemin) { console.error(`${nom} : aucune fiche de lieu liée depuis /lieux`); continue; }
    lignes.push(await mesurer(url, chemin));
  }
  console.log(`\nBudgets des pages — ${nom} (${url}) — budgets : HTML ≤ ${BUDGETS.html / KO} Ko, `
    + `transféré ≤ ${BUDGETS.transfere / KO} Ko, requêtes ≤ ${BUDGETS.requetes}\n`);
  const entete = ['page', 'statut', 'HTML (Ko)', 'transféré (Ko)', 'avec en-têtes (Ko)', 'requêtes', 'DOM', 'dépasse'];
  const table = lignes.map((l) => {
    const d = [];
    if (l.html > BUDGETS.html) d.push('HTML');
    if (l.transfere > BUDGETS.transfere) d.push('total');
    if (l.requetes > BUDGETS.requetes) d.push('requêtes');
    depassements += d.length;
    return [l.chemin, String(l.statut), ko(l.html), ko(l.transfere), ko(l.avecEntetes),
      String(l.requetes), String(l.dom), d.join(', ') || '—'];
  });
  const largeurs = entete.map((e, i) => Math.max(e.length, ...table.map((r) => r[i].length)));
  const ligne = (r) => '| ' + r.map((c, i) => (i === 0 || i === 7 ? c.padEnd(largeurs[i]) : c.padStart(largeurs[i]))).join(' | ') + ' |';
  console.log(ligne(entete));
  console.log('|' + largeurs.map((w, i) => (i === 0 || i === 7 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of table) console.log(ligne(r));
  console.log('\nTransféré par type de ressource (Ko, première page) : '
    + Object.entries(lignes[0]?.parType || {}).map(([t, n]) => `${t} ${ko(n)}`).join(', '));
  for (const l of lignes) if (l.echecs.length) console.log(`${l.chemin} : requêtes en échec : ${l.echecs.join(', ')}`);
}
await navigateur.close();
console.log(`\n${depassements} dépassement(s) de budget.`);
process.exit(process.env.REPERES_BUDGETS_STRICT === '1' && depassements > 0 ? 1 : 0);
