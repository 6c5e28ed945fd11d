// Contrôle des pages de Repères dans un vrai Chromium (paquet Debian), piloté par playwright-core :
//  - sans JavaScript : statut, titre unique, un seul h1, langue, lien d'évitement en premier,
//    feuille de style appliquée, aucune erreur de console (une violation de CSP en est une),
//    aucune requête en échec ;
//  - avec axe-core (WCAG 2.1 A et AA) : zéro violation.
// Les serveurs à contrôler sont donnés par REPERES_BASES="nom=url nom=url" (scripts/navigateur).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeSource, bases, captures, navigateur, policeDe, preparerNavigateur } from './commun.mjs';

preparerNavigateur();

/** Pages à contrôler : l'accueil et les pages HTML qu'on atteint en deux clics (hors statiques,
 * fichiers, API), 48 au plus. */
async function pagesDe(url) {
  const ctx = await navigateur().newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  // Pages publiques toujours contrôlées, en plus de celles qu'on atteint en deux clics.
  const incontournables = ['/', '/lieux', '/orientation', '/chartes', '/territoires',
    '/territoires/departement/16', '/territoires/region/75', '/donnees', '/registre',
    // Les pages de la version locale de démonstration.
    '/t/charente/lieux', '/t/charente/orientation', '/t/charente/registre', '/t/charente/chartes',
    '/t/charente/indicateurs'];
  const vues = new Set(incontournables);
  let niveau = [...incontournables];
  for (let profondeur = 0; profondeur < 2 && vues.size < 48; profondeur++) {
    const suivant = [];
    for (const chemin of niveau) {
      await page.goto(url + chemin);
      const liens = await page.$$eval('a[href^="/"]:not([download])', (as) => as.map((a) => a.getAttribute('href')));
      for (const brut of liens) {
        const h = brut.split('#')[0];
        const sansRequete = h.split('?')[0];
        if (!h || vues.has(h) || /\.[a-z]+$/.test(sansRequete) || /^\/(static|sante|api)\b/.test(h)) continue;
        if (vues.size >= 48) break;
        vues.add(h);
        suivant.push(h);
      }
    }
    niveau = suivant;
  }
  await ctx.close();
  return [...vues];
}

function nomFichier(base, chemin) {
  return `${captures}/${base}${chemin.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '') || '-accueil'}.png`;
}

async function controlerSansJs(base, url, chemin, attendu = 200) {
  const ctx = await navigateur().newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  const erreurs = [];
  page.on('console', (m) => {
    // Le statut de la page elle-même est vérifié à part ; les autres erreurs comptent.
    if (m.type() === 'error' && !(attendu !== 200 && m.text().includes(`status of ${attendu}`))) erreurs.push(m.text());
  });
  page.on('requestfailed', (r) => erreurs.push(`requête en échec : ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.url() !== url + chemin) erreurs.push(`${r.status()} : ${r.url()}`);
  });
  const reponse = await page.goto(url + chemin, { waitUntil: 'load' });
  assert.equal(reponse.status(), attendu, `${chemin} : statut`);
  const titre = await page.title();
  assert.match(titre, /— Repères$/, `${chemin} : titre « ${titre} »`);
  assert.equal(await page.locator('h1').count(), 1, `${chemin} : un seul h1`);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  // Le premier élément atteint au clavier est le lien d'évitement vers le contenu.
  await page.keyboard.press('Tab');
  const premier = await page.evaluate(() => document.activeElement?.getAttribute('href'));
  assert.equal(premier, '#contenu', `${chemin} : premier lien du clavier`);
  const police = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(police, policeDe(base, chemin), `${chemin} : la feuille de style du thème n'est pas appliquée`);
  assert.deepEqual(erreurs, [], `${chemin} : erreurs dans la console`);
  await page.screenshot({ path: nomFichier(base, chemin), fullPage: true });
  await ctx.close();
  const u = new URL(page.url());
  return { titre, final: u.pathname + u.search };
}

async function axe(url, chemin) {
  // axe-core s'injecte comme script : la CSP (sans script en ligne) est levée pour ce contexte seulement.
  const ctx = await navigateur().newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(url + chemin, { waitUntil: 'load' });
  await page.addScriptTag({ content: axeSource });
  const resultat = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  await ctx.close();
  return resultat;
}

for (const { nom, url } of bases) {
  test(`pages de ${nom} : rendu sans JavaScript et zéro violation axe-core`, async () => {
    const chemins = await pagesDe(url);
    assert.ok(chemins.length >= 5, `trop peu de pages trouvées : ${chemins}`);
    const titres = new Map();
    for (const chemin of chemins) {
      const { titre, final } = await controlerSansJs(nom, url, chemin);
      // Une page réservée renvoie vers la connexion (qui garde la page où revenir, ?suite=…) :
      // c'est alors la même page, déjà vue.
      const vue = final.startsWith('/connexion?suite=') ? '/connexion' : final;
      if (final !== chemin && [...titres.values()].includes(vue)) continue;
      assert.ok(!titres.has(titre) || titres.get(titre) === vue, `titre « ${titre} » partagé par ${final} et ${titres.get(titre)}`);
      titres.set(titre, vue);
      const r = await axe(url, chemin);
      const detail = r.violations.map((v) => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
      assert.deepEqual(detail, [], `${chemin} : violations axe-core`);
    }
    console.log(`${nom} : ${chemins.length} pages contrôlées (${chemins.join(', ')}), 0 violation axe-core`);
  });

  test(`page introuvable de ${nom}`, async () => {
    await controlerSansJs(nom, url, '/nulle-part', 404);
    const r = await axe(url, '/nulle-part');
    assert.deepEqual(r.violations.map((v) => v.id), []);
  });
}
