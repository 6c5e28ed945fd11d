// Versions locales (issue 17), partie « vladmin », dans un vrai Chromium, sur les deux bases de
// démonstration : l'administrateur crée par les pages une version pour le département de la
// Charente (une saisie refusée d'abord), envoie son logo, lit le code d'intégration ; un petit
// serveur autorisé (P1) intègre la version dans une iframe, qui se charge et ne montre que des
// lieux de Charente ; un second serveur (P2), non autorisé, voit son cadre refusé par Chromium
// (CSP frame-ancestors). axe-core sur chaque page d'administration (Visite.controler).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { bases, captures, navigateur, preparerNavigateur, Visite } from './commun.mjs';

const ADMIN = { email: 'admin@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };

/** Un PNG de 1 × 1 pixel. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

preparerNavigateur();

/** Serveurs de pages d'intégration démarrés par le test (fermés à la fin). */
const serveurs = [];
after(() => Promise.all(serveurs.map((s) => new Promise((r) => s.close(r)))));

/** Un serveur http://127.0.0.1:P dont la page `/?src=…` intègre `src` dans une iframe. */
async function serveurIntegrateur() {
  const s = createServer((req, res) => {
    const src = new URL(req.url, 'http://x').searchParams.get('src') || '';
    const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="fr"><head><title>Site d'une collectivité</title></head><body><h1>Site d'une collectivité</h1><iframe id="carte" src="${attr}" title="Lieux de médiation numérique" width="100%" height="900"></iframe></body></html>`);
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  serveurs.push(s);
  return `http://127.0.0.1:${s.address().port}`;
}

/** Ouvre la page du serveur intégrateur ; rend [page, cadre de l'iframe, messages console]. */
async function integrer(ctx, origine, src) {
  const page = await ctx.newPage();
  const consoleMsgs = [];
  page.on('console', (m) => consoleMsgs.push(m.text()));
  await page.goto(`${origine}/?src=${encodeURIComponent(src)}`, { waitUntil: 'load' });
  const cadre = await (await page.locator('#carte').elementHandle()).contentFrame();
  return [page, cadre, consoleMsgs];
}

async function versionsLocales(v, url) {
  const page = () => v.page;
  const slug = `essai-${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const nom = `Carte d'essai ${slug}`;
  const p1 = await serveurIntegrateur();
  const p2 = await serveurIntegrateur();

  // 1. L'administrateur va aux versions locales depuis l'administration.
  await v.connexion(ADMIN.email, ADMIN.motDePasse);
  await v.aller('/administration');
  await v.cliquer(v.lien('Versions locales'));
  assert.equal(v.chemin(), '/administration/versions-locales');
  assert.match(await page().locator('main').innerText(), /departement:16/);
  assert.equal(await v.lien('la page des territoires').getAttribute('href'), '/territoires');

  // 2. Une saisie refusée (couleur peu contrastée, périmètre inconnu) : erreurs sur leurs champs,
  // rien de perdu.
  const champs = {
    nom, slug, perimetre: 'departement:16', couleur: '#ffff00',
    theme: 'Neutre (collectivités, associations, hubs)', origines: p1,
  };
  await v.remplir({ ...champs, perimetre: 'departement:16\ndepartement:999' });
  await v.cliquer(v.bouton('Créer la version locale'), { statut: 422 });
  assert.match(await page().locator('#couleur-erreur').innerText(), /contraste de 1,07:1 avec le blanc/);
  assert.match(await page().locator('#perimetre-erreur').innerText(), /departement:999/);
  assert.equal(await page().locator('#nom').inputValue(), nom);
  assert.equal(await page().locator('#origines').inputValue(), p1);

  // 3. Corrigée : la version est créée ; page de la version, code d'intégration.
  await v.remplir({ perimetre: 'departement:16', couleur: '#1d4ed8' });
  await v.cliquer(v.bouton('Créer la version locale'));
  assert.match(v.chemin(), /^\/administration\/versions-locales\/[0-9a-f-]+$/);
  const main = await page().locator('main').innerText();
  assert.match(main, /Version locale créée\./);
  assert.match(main, /Charente \(département 16\)/);
  const code = await page().locator('#code-integration').inputValue();
  assert.match(code, new RegExp(`^<iframe src="[^"]+/t/${slug}/lieux" title="Lieux de médiation numérique — Carte d'essai ${slug}" width="100%" height="900" loading="lazy"></iframe>$`));

  // 4. Le logo : un texte nommé .png est refusé, une image PNG acceptée.
  await page().locator('#fichier').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('pas une image') });
  await v.cliquer(v.bouton('Envoyer le logo'), { statut: 422 });
  assert.match(await page().locator('#fichier-erreur').innerText(), /n'est pas une image PNG, JPEG ou WebP/);
  await page().locator('#fichier').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
  await v.cliquer(v.bouton('Envoyer le logo'), { capture: true });
  assert.match(await page().locator('main').innerText(), /Logo enregistré\./);
  assert.equal(await page().locator(`main img[src="/t/${slug}/logo"]`).count(), 1);

  // 5. Depuis l'origine autorisée (P1) : l'iframe se charge, avec le nom de la version, son logo
  // (alt vide, le nom est écrit à côté) et seulement des lieux de Charente.
  const ctx = await navigateur().newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  try {
    const src = `${url}/t/${slug}/lieux`;
    const [pageP1, cadre1] = await integrer(ctx, p1, src);
    assert.ok(cadre1, 'P1 : cadre présent');
    const texte = await cadre1.locator('body').innerText();
    assert.ok(texte.includes(nom), `P1 : le cadre montre le nom de la version (texte : ${texte.slice(0, 300)})`);
    assert.equal(await cadre1.locator(`img[src="/t/${slug}/logo"][alt=""]`).count(), 1, 'P1 : logo, alt vide');
    const lieux = await cadre1.locator('main article').allInnerTexts();
    assert.ok(lieux.length > 0, 'P1 : des lieux sont listés');
    for (const l of lieux) assert.match(l, /\b16\d{3}\b/, `P1 : lieu hors de la Charente : ${l}`);
    await pageP1.screenshot({ path: `${captures}/versions-locales-${v.nom}-integration-p1.png`, fullPage: true });

    // 6. Depuis une origine non autorisée (P2) : Chromium refuse le cadre.
    const [pageP2, cadre2, console2] = await integrer(ctx, p2, src);
    const texte2 = cadre2 ? await cadre2.locator('body').innerText().catch(() => '') : '';
    assert.ok(!texte2.includes(nom), `P2 : le cadre ne doit pas montrer la version (texte : ${texte2.slice(0, 300)})`);
    assert.ok(console2.some((m) => /frame-ancestors/.test(m)) || (cadre2 && cadre2.url().startsWith('chrome-error:')),
      `P2 : Chromium refuse le cadre (frame-ancestors) : ${cadre2?.url()} ; ${console2.join(' | ')}`);
    await pageP2.screenshot({ path: `${captures}/versions-locales-${v.nom}-integration-p2.png`, fullPage: true });
  } finally {
    await ctx.close();
  }

  // 7. Au national, un lieu de Reims (51100) porte le nom « Anonymal » ; la version ne le montre pas.
  const direct = url.replace('//localhost:', '//127.0.0.1:');
  const national = await (await fetch(`${direct}/lieux?q=anonymal`)).text();
  assert.match(national, /51100 Reims/, 'au national : le lieu de Reims');
  const local = await (await fetch(`${direct}/t/${slug}/lieux?q=anonymal`)).text();
  assert.ok(local.includes(`/t/${slug}/`), 'la page de la version');
  assert.doesNotMatch(local, /51100 Reims/, 'dans la version : pas le lieu de Reims');
}

describe('versions-locales', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`l'administrateur crée une version locale de la Charente, intégrable depuis l'origine autorisée seulement, sur ${nom} (zéro violation axe-core)`, async () => {
      const v = new Visite(nom, url, { prefixe: 'versions-locales' });
      let reussi = false;
      try {
        await versionsLocales(v, url);
        reussi = true;
      } catch (e) {
        await v.capturerEchec();
        throw e;
      } finally {
        await v.fermer();
        console.log(`${nom} : versions-locales ${reussi ? 'complet' : 'en échec'} ; ${v.controlees.length} pages contrôlées :\n  ${v.controlees.join('\n  ')}`);
      }
    });
  }
});
