// Mesures de l'audit RGAA 4.1 de Repères (docs/accessibilite.md) : pas un test (node --test ne
// lance que les *.test.mjs), un relevé à relire par la personne qui audite. Pour chaque page de
// l'échantillon (contenus/accessibilite/audit.toml), dans Chromium : axe-core (WCAG 2.1 A et AA),
// titre, langue, doctype, plan des titres, liens et boutons sans intitulé ou de même intitulé
// vers des adresses différentes, champs (étiquette, obligatoire, autocomplete), tableaux (légende,
// en-têtes), images, défilement horizontal à 320 px et à 200 % de texte, contenu tronqué avec
// les espacements de texte du critère 10.12, visibilité du focus sur les 40 premiers éléments
// atteints à la tabulation, lien d'évitement.
//
//   node audit-rgaa.mjs http://localhost:PORT > relevé.json
//
// Le HTML reçu de chaque page est écrit dans REPERES_AUDIT_HTML (défaut /tmp/audit-rgaa-html),
// pour le Nu Html Checker (critère 8.2, voir docs/accessibilite.md).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = (process.argv[2] || 'http://localhost:8080').replace(/\/$/, '');
const MDP = 'demo-reperes-2026';
const dossierHtml = process.env.REPERES_AUDIT_HTML || '/tmp/audit-rgaa-html';
mkdirSync(dossierHtml, { recursive: true });

const navigateur = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

async function contexte(compte) {
  const ctx = await navigateur.newContext({ locale: 'fr-FR', bypassCSP: true, javaScriptEnabled: true });
  const page = await ctx.newPage();
  if (compte) {
    await page.goto(`${base}/connexion`);
    await page.fill('#email', compte);
    await page.fill('#mot_de_passe', MDP);
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
  return { ctx, page };
}

async function mesurer(page, id, chemin, { envoi } = {}) {
  let reponse;
  if (envoi) {
    await page.goto(base + chemin);
    reponse = await envoi(page);
  } else {
    reponse = await page.goto(base + chemin, { waitUntil: 'load' });
  }
  writeFileSync(`${dossierHtml}/${id}.html`, await reponse.text());
  const r = { id, chemin, adresse: page.url().slice(base.length) };
  r.statique = await page.evaluate(() => {
    const texte = (e) => (e.innerText || e.textContent || '').replace(/\s+/g, ' ').trim();
    const nom = (e) => (e.getAttribute('aria-label') || texte(e) || e.getAttribute('title') || '').trim();
    const liens = [...document.querySelectorAll('a[href]')];
    const parNom = {};
    for (const a of liens) {
      const n = nom(a).toLowerCase();
      (parNom[n] ||= new Set()).add(a.getAttribute('href'));
    }
    const champs = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')];
    return {
      doctype: document.doctype ? `<!doctype ${document.doctype.name}>` : null,
      lang: document.documentElement.lang,
      titre: document.title,
      titres: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => `${h.tagName} ${texte(h).slice(0, 70)}`),
      sauts_de_niveau: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => +h.tagName[1])
        .reduce((acc, n, i, t) => (i > 0 && n > t[i - 1] + 1 ? [...acc, `h${t[i - 1]}→h${n}`] : acc), []),
      repères: ['header', 'nav', 'main', 'footer'].map((t) => `${t}:${document.querySelectorAll(t).length}`).join(' '),
      liens_sans_intitule: liens.filter((a) => !nom(a)).map((a) => a.outerHTML.slice(0, 120)),
      meme_intitule_adresses_differentes: Object.entries(parNom).filter(([, s]) => s.size > 1).map(([n, s]) => `${n} → ${[...s].slice(0, 3).join(' | ')}`),
      nouvelles_fenetres: [...document.querySelectorAll('a[target=_blank]')].map((a) => nom(a)),
      champs: champs.map((c) => {
        const l = c.labels?.[0];
        return {
          id: c.id, type: c.type, etiquette: l ? texte(l).slice(0, 80) : (c.getAttribute('aria-label') || null),
          required: c.required || c.getAttribute('aria-required') === 'true',
          invalid: c.getAttribute('aria-invalid'), describedby: c.getAttribute('aria-describedby'),
          autocomplete: c.getAttribute('autocomplete'),
        };
      }),
      fieldsets_sans_legende: [...document.querySelectorAll('fieldset')].filter((f) => !f.querySelector('legend')).length,
      boutons: [...document.querySelectorAll('button, input[type=submit]')].map((b) => nom(b) || b.value),
      tableaux: [...document.querySelectorAll('table')].map((t) => ({
        legende: t.caption ? texte(t.caption).slice(0, 80) : null,
        th: t.querySelectorAll('th').length, th_sans_scope: t.querySelectorAll('th:not([scope]):not([id])').length,
        role: t.getAttribute('role'),
      })),
      images: [...document.querySelectorAll('img, svg, [role=img], canvas, iframe, video, audio, object, embed')].map((i) => ({
        balise: i.tagName.toLowerCase(), alt: i.getAttribute('alt'), aria_hidden: i.getAttribute('aria-hidden'),
        aria_label: i.getAttribute('aria-label'), role: i.getAttribute('role'),
      })),
      styles_en_ligne: document.querySelectorAll('[style]').length,
      balises_de_presentation: document.querySelectorAll('b, i, u, font, center, blink, marquee, big, small, s, strike, tt').length,
      citations: document.querySelectorAll('q, blockquote').length,
      lang_partielles: [...document.querySelectorAll('[lang]')].filter((e) => e !== document.documentElement).map((e) => e.lang),
      dir: [...document.querySelectorAll('[dir]')].map((e) => e.dir),
      meta_refresh: !!document.querySelector('meta[http-equiv=refresh]'),
      scripts: [...document.querySelectorAll('script[src]')].map((s) => s.getAttribute('src')),
      cache_aria: [...document.querySelectorAll('[aria-hidden=true]')].filter((e) => e.querySelector('a,button,input,select,textarea')).length,
      details: document.querySelectorAll('details').length,
    };
  });
  await page.addScriptTag({ content: axeSource });
  const axe = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  r.axe = {
    violations: axe.violations.map((v) => `${v.id} (${v.impact}) : ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(', ')}`),
    a_verifier: axe.incomplete.map((v) => `${v.id} : ${v.nodes.length} élément(s)`),
    reussis: axe.passes.length,
  };
  return r;
}

async function affichage(ctx, chemin, envoi) {
  // Défilement horizontal à 320 px ; à 1280 px avec texte à 200 % ; espacements de 10.12.
  const page = await ctx.newPage();
  const aller = async () => { await page.goto(base + chemin); if (envoi) await envoi(page); };
  const debord = () => page.evaluate(() => {
    const d = document.documentElement;
    const larges = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1
      && getComputedStyle(e).position !== 'fixed' && e.getClientRects().length && !e.closest('.fr-table, table, .fr-sr-only, .fr-skiplinks'));
    return { defilement: d.scrollWidth > d.clientWidth, largeur: d.scrollWidth, ecran: d.clientWidth,
      elements: larges.slice(0, 4).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`) };
  });
  await page.setViewportSize({ width: 320, height: 640 });
  await aller();
  const a320 = await debord();
  await page.setViewportSize({ width: 1280, height: 800 });
  await aller();
  await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
  const texte200 = await debord();
  const tronques = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => {
    const s = getComputedStyle(e);
    return (s.overflow === 'hidden' || s.overflowX === 'hidden' || s.overflowY === 'hidden') && e.innerText?.trim()
      && (e.scrollHeight > e.clientHeight + 2 || e.scrollWidth > e.clientWidth + 2) && !e.closest('.fr-sr-only, .fr-skiplinks');
  }).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`).slice(0, 5));
  await aller();
  await page.addStyleTag({ content: '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }' });
  const espacement = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => {
    const s = getComputedStyle(e);
    return (s.overflow === 'hidden' || s.overflowY === 'hidden' || s.overflowX === 'hidden') && e.innerText?.trim()
      && (e.scrollHeight > e.clientHeight + 2 || e.scrollWidth > e.clientWidth + 2) && !e.closest('.fr-sr-only, .fr-skiplinks');
  }).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`).slice(0, 5));
  // Focus : le premier Tab atteint le lien d'évitement, visible ; puis 40 éléments.
  await aller();
  const focus = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const s = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
        || s.textDecorationLine.includes('underline');
      return { el: `${e.tagName.toLowerCase()} ${(e.innerText || e.getAttribute('aria-label') || e.id || '').trim().slice(0, 40)}`,
        indicateur: visible, a_l_ecran: r.width > 0 && r.height > 0 };
    });
    if (!f) break;
    focus.push(f);
  }
  await page.close();
  return {
    a320, texte200, tronques_texte200: tronques, tronques_espacement: espacement,
    premier_tab: focus[0]?.el, focus_sans_indicateur: focus.filter((f) => !f.indicateur || !f.a_l_ecran).map((f) => f.el),
    focus_parcourus: focus.length,
  };
}

const echantillon = [];
const anonyme = await contexte();
const p = anonyme.page;
// Une fiche de lieu : le premier résultat de la recherche.
await p.goto(`${base}/lieux?lieu=Angoul%C3%AAme`);
const fiche = await p.locator('main h2 a, main h3 a').first().getAttribute('href');
const territoire = '/territoires/departement/16';
const erreurInscription = async (pg) => {
  await pg.fill('#email', 'pas-une-adresse');
  const [r] = await Promise.all([pg.waitForNavigation(), pg.click('main button[type=submit]')]);
  return r;
};
const pages = [
  ['accueil', '/'], ['recherche-lieux', '/lieux?lieu=Angoul%C3%AAme'], ['fiche-lieu', fiche], ['orientation', '/orientation'],
  ['connexion', '/connexion'], ['registre', '/registre'], ['donnees', '/donnees'], ['territoire', territoire],
  ['formulaire-erreur', '/inscription', erreurInscription], ['declaration', '/accessibilite'],
  ['aide', '/aide'], ['signaler', '/signaler-un-probleme'],
];
for (const [id, chemin, envoi] of pages) {
  const r = await mesurer(p, id, chemin, { envoi });
  r.affichage = await affichage(anonyme.ctx, chemin, envoi);
  echantillon.push(r);
}
// Une étape de dossier (porteur) et l'instruction d'un dossier (instructeur).
const porteur = await contexte('porteur@demo.reperes.localhost');
await porteur.page.goto(`${base}/espace`);
// Un dossier en brouillon : ses étapes se remplissent.
const dossier = await porteur.page.locator('main a[href^="/dossiers/"]', { hasText: 'Brouillon' }).first().getAttribute('href');
const etape = `${dossier.replace(/\/$/, '')}/etapes/1`;
const r1 = await mesurer(porteur.page, 'etape-dossier', etape);
r1.affichage = await affichage(porteur.ctx, etape);
echantillon.push(r1);
const instructeur = await contexte('instructeur@demo.reperes.localhost');
await instructeur.page.goto(`${base}/instruction`);
const aInstruire = await instructeur.page.locator('main a[href^="/dossiers/"]').first().getAttribute('href');
const r2 = await mesurer(instructeur.page, 'instruction', aInstruire);
r2.affichage = await affichage(instructeur.ctx, aInstruire);
echantillon.push(r2);
console.log(JSON.stringify(echantillon, null, 1));
await navigateur.close();
