// La carte des résultats (issue 17, partie « carte ») dans Chromium. Le test démarre SON serveur
// de tuiles (node:http, le même PNG gris pour toute tuile) et SES deux serveurs Repères (base
// SQLite neuve dans un dossier temporaire, schéma PostgreSQL neuf supprimé à la fin), avec les
// données de démonstration et REPERES_TUILES vers son serveur de tuiles. Le binaire vient de
// REPERES_BINAIRE (posé par scripts/navigateur).
//
// Vérifie, sur chaque base : `/lieux?lieu=Angoulême` montre une carte ; ses marqueurs (dépliés :
// marqueurs isolés + lieux des groupes) sont aussi nombreux que les résultats annoncés ; des
// tuiles sont demandées au serveur de tuiles ; Tab atteint chaque lien de marqueur et chaque
// groupe, Entrée sur un groupe zoome, Entrée sur un lien ouvre la fiche ; l'orientation (dernière
// étape) a la même carte ; aucune erreur de console (CSP comprise) ; axe-core ne relève aucune
// violation avec la carte dessinée ; JavaScript coupé : aucun script ni feuille de la carte
// demandés, la liste est la même. Le poids transféré avec et sans carte est mesuré et affiché.
//
//   scripts/navigateur carte.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { axeSource, captures, lancerChromium } from './commun.mjs';

const binaire = process.env.REPERES_BINAIRE;
const urlPg = process.env.REPERES_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const schema = `reperes_carte_nav_${process.pid}`;
const CHEMIN = `/lieux?lieu=${encodeURIComponent('Angoulême')}`;
const KO = 1024;

// Une tuile de 256 × 256 pixels gris (PNG de 369 octets), servie pour toute adresse.
const TUILE = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAAAAAB5Gfe6AAABOElEQVR42u3QgQAAAAwEofd3PJeBrBBaz02AAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAioA1wPDPTdUxI5AAAAAElFTkSuQmCC', 'base64');

let tuilesDemandees = 0;
let serveurTuiles;
let chromium;
const serveurs = [];
const dossier = mkdtempSync(join(tmpdir(), 'reperes-carte-'));

function portLibre() {
  return new Promise((ok, ko) => {
    const s = net.createServer();
    s.on('error', ko);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function lancerRepères(nom, base, tuiles) {
  const port = await portLibre();
  const p = spawn(binaire, ['serve', '--addr', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      DATABASE_URL: base,
      REPERES_FICHIERS: join(dossier, nom, 'fichiers'),
      REPERES_COURRIELS_DOSSIER: join(dossier, nom, 'courriels'),
      REPERES_TUILES: `${tuiles}/{z}/{x}/{y}.png`,
      REPERES_TUILES_ATTRIBUTION: 'Tuiles d’essai © Repères',
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let journal = '';
  p.stderr.on('data', (d) => { journal += d; });
  serveurs.push(p);
  const url = `http://localhost:${port}`;
  // Le serveur écoute une fois la démonstration chargée (base vide) : on attend /sante.
  for (let i = 0; i < 600; i += 1) {
    if (p.exitCode !== null) break;
    const r = await fetch(`${url}/sante`).catch(() => null);
    if (r?.ok) return { nom, url };
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`Le serveur Repères ${nom} n'a pas démarré : ${journal}`);
}

const bases = [];

before(async () => {
  assert.ok(binaire, 'REPERES_BINAIRE est vide : lancez ce test avec scripts/navigateur');
  serveurTuiles = http.createServer((req, res) => {
    tuilesDemandees += 1;
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    res.end(TUILE);
  });
  await new Promise((ok) => serveurTuiles.listen(0, '127.0.0.1', ok));
  const tuiles = `http://127.0.0.1:${serveurTuiles.address().port}`;
  execFileSync('psql', [urlPg, '-qc', `CREATE SCHEMA ${schema}`]);
  const sep = urlPg.includes('?') ? '&' : '?';
  const [sqlite, postgres] = await Promise.all([
    lancerRepères('sqlite', `sqlite://${join(dossier, 'carte.db')}?mode=rwc`, tuiles),
    lancerRepères('postgres', `${urlPg}${sep}options=-c%20search_path%3D${schema}`, tuiles),
  ]);
  bases.push(sqlite, postgres);
  chromium = await lancerChromium();
});

after(async () => {
  await chromium?.close();
  for (const p of serveurs) p.kill();
  await new Promise((ok) => (serveurTuiles ? serveurTuiles.close(ok) : ok()));
  try {
    execFileSync('psql', [urlPg, '-qc', `SET client_min_messages = warning; DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
  } finally {
    rmSync(dossier, { recursive: true, force: true });
  }
});

/** Ouvre la page dans un contexte neuf (cache vide), en relevant requêtes, octets et console. */
async function ouvrir(url, { javaScript, bypassCSP = false }) {
  const ctx = await chromium.newContext({ javaScriptEnabled: javaScript, bypassCSP, locale: 'fr-FR' });
  ctx.setDefaultTimeout(20_000);
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const releve = { requetes: [], console: [], echecs: [] };
  page.on('requestfinished', (r) => releve.requetes.push(r));
  page.on('requestfailed', (r) => releve.echecs.push(`${r.url()} (${r.failure()?.errorText})`));
  page.on('console', (m) => { if (m.type() === 'error') releve.console.push(m.text()); });
  const reponse = await page.goto(url + CHEMIN, { waitUntil: 'load' });
  assert.equal(reponse.status(), 200);
  return { ctx, page, releve };
}

/** Octets transférés (corps, compressés le cas échéant) par type de ressource. */
async function poids(requetes) {
  const parType = {};
  let total = 0;
  for (const r of requetes) {
    const s = await r.sizes().catch(() => ({ responseBodySize: 0 }));
    const type = r.url().includes('/{z}') || /\/\d+\/\d+\/\d+\.png$/.test(r.url()) ? 'tuiles' : r.resourceType();
    parType[type] = (parType[type] || 0) + s.responseBodySize;
    total += s.responseBodySize;
  }
  return { total, parType, requetes: requetes.length };
}

const ko = (n) => (n / KO).toFixed(1);
const detail = (p) => Object.entries(p.parType).map(([t, n]) => `${t} ${ko(n)}`).join(', ');

/** Le nombre de résultats annoncé par la liste (« N lieu(x) »). */
async function annonce(page) {
  const texte = await page.locator('main p[role="status"]').first().innerText();
  const m = texte.match(/^(\d+) lieu\(x\)/);
  assert.ok(m, `annonce des résultats : « ${texte} »`);
  return Number(m[1]);
}

/** Les liens des résultats de la liste (hors carte). */
function liensDeLaListe(page) {
  return page.$$eval('main a[href^="/lieux/"]', (as) => as
    .filter((a) => !a.closest('#carte'))
    .map((a) => a.getAttribute('href')));
}

for (const nom of ['sqlite', 'postgres']) {
  test(`carte des résultats (${nom})`, async () => {
    const { url } = bases.find((b) => b.nom === nom);

    // JavaScript actif : la carte.
    const tuilesAvant = tuilesDemandees;
    const avec = await ouvrir(url, { javaScript: true });
    const { page } = avec;
    await page.locator('#carte[data-carte-prete]').waitFor({ state: 'visible' });
    await page.waitForLoadState('networkidle');
    const total = await annonce(page);
    assert.ok(total > 0, 'des lieux autour d’Angoulême (démonstration)');
    const legende = await page.locator('#carte [data-legende]').innerText();
    assert.match(legende, new RegExp(`^${total} lieux? sur la carte`), `légende : ${legende}`);
    // Marqueurs isolés + lieux des groupes = résultats annoncés.
    const isoles = await page.locator('#carte a.reperes-marqueur').count();
    const groupes = await page.$$eval('#carte .marker-cluster > div > span', (ss) => ss
      .map((s) => parseInt(s.firstChild.textContent.replace(/\s/g, ''), 10)));
    const somme = isoles + groupes.reduce((a, b) => a + b, 0);
    assert.equal(somme, total, `${isoles} marqueurs isolés et des groupes de ${groupes.join(', ')} lieux`);
    assert.ok(tuilesDemandees > tuilesAvant, 'des tuiles sont demandées au serveur de tuiles');
    assert.deepEqual(avec.releve.console, [], 'aucune erreur dans la console (CSP comprise)');
    assert.deepEqual(avec.releve.echecs, [], 'aucune requête en échec');
    await page.locator('#carte').screenshot({ path: `${captures}/carte-${nom}.png` });
    const mesureAvec = await poids(avec.releve.requetes);
    const listeAvec = await liensDeLaListe(page);

    // Clavier : Tab depuis le fond de carte atteint chaque lien de marqueur (et chaque groupe).
    const attendus = new Set(await page.$$eval('#carte a.reperes-marqueur', (as) => as.map((a) => a.getAttribute('href'))));
    await page.locator('#carte .leaflet-container').focus();
    const atteints = new Set();
    let groupesAtteints = 0;
    for (let i = 0; i < attendus.size + groupes.length + 10; i += 1) {
      await page.keyboard.press('Tab');
      const actif = await page.evaluate(() => {
        const e = document.activeElement;
        return {
          lien: e.matches('#carte a.reperes-marqueur') ? e.getAttribute('href') : null,
          nom: e.textContent,
          groupe: e.matches('#carte .marker-cluster'),
        };
      });
      if (actif.lien) {
        assert.ok(actif.nom.trim().length > 0, `le lien ${actif.lien} a un nom accessible`);
        atteints.add(actif.lien);
      }
      if (actif.groupe) groupesAtteints += 1;
    }
    assert.deepEqual([...atteints].sort(), [...attendus].sort(), 'Tab atteint chaque lien de marqueur');
    assert.equal(groupesAtteints, groupes.length, 'Tab atteint chaque groupe');
    // Entrée sur un groupe : la carte zoome, des marqueurs isolés apparaissent (des liens).
    if (groupes.length > 0) {
      await page.locator('#carte .marker-cluster').first().focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => document.querySelectorAll('#carte a.reperes-marqueur').length > n, isoles);
    }
    // Entrée sur un lien de marqueur : la fiche du lieu.
    const lien = page.locator('#carte a.reperes-marqueur').first();
    const fiche = await lien.getAttribute('href');
    await lien.focus();
    await Promise.all([page.waitForURL(`${url}${fiche}`), page.keyboard.press('Enter')]);

    // Orientation, dernière étape : la même carte, autant de lieux que de réponses annoncées.
    const orientation = await avec.ctx.newPage();
    await orientation.goto(`${url}/orientation?etape=5&lieu=${encodeURIComponent('Angoulême')}&quand=`, { waitUntil: 'load' });
    await orientation.locator('#carte[data-carte-prete]').waitFor({ state: 'visible' });
    const texteOrientation = await orientation.locator('main p[role="status"]').first().innerText();
    const annonceOrientation = Number(texteOrientation.match(/^(\d+) lieu\(x\)/)?.[1]);
    assert.match(await orientation.locator('#carte [data-legende]').innerText(),
      new RegExp(`^${annonceOrientation} lieux? sur la carte`), texteOrientation);
    await avec.ctx.close();

    // axe-core avec la carte dessinée (contexte sans CSP pour injecter axe).
    const axe = await ouvrir(url, { javaScript: true, bypassCSP: true });
    await axe.page.locator('#carte[data-carte-prete]').waitFor({ state: 'visible' });
    await axe.page.waitForLoadState('networkidle');
    await axe.page.addScriptTag({ content: axeSource });
    const r = await axe.page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }));
    const violations = r.violations.map((v) => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    assert.deepEqual(violations, [], 'axe-core avec la carte');
    await axe.ctx.close();

    // JavaScript coupé : ni script ni feuille de la carte, le bloc reste caché, la même liste.
    const sans = await ouvrir(url, { javaScript: false });
    await sans.page.waitForLoadState('networkidle');
    const scripts = sans.releve.requetes.filter((q) => q.resourceType() === 'script' || /leaflet|carte\.(css|js)/.test(q.url()));
    assert.deepEqual(scripts.map((q) => q.url()), [], 'aucun script ni feuille de carte sans JavaScript');
    assert.equal(await sans.page.locator('#carte').isVisible(), false, 'bloc carte caché sans JavaScript');
    assert.equal(await annonce(sans.page), total);
    assert.deepEqual(await liensDeLaListe(sans.page), listeAvec, 'la liste est la même sans JavaScript');
    const mesureSans = await poids(sans.releve.requetes);
    await sans.ctx.close();

    console.log(`\nPoids de ${CHEMIN} (${nom}, première visite, cache vide) :\n`
      + `  sans carte (JavaScript coupé) : ${ko(mesureSans.total)} Ko transférés, ${mesureSans.requetes} requêtes (${detail(mesureSans)})\n`
      + `  avec carte : ${ko(mesureAvec.total)} Ko transférés, ${mesureAvec.requetes} requêtes (${detail(mesureAvec)})\n`
      + `  ajouté par la carte : ${ko(mesureAvec.total - mesureSans.total)} Ko (tuiles d’essai de ${TUILE.length} octets comprises)\n`
      + `  ${total} résultats, ${isoles} marqueurs isolés, ${groupes.length} groupe(s)\n`);
  });
}
