// Ce que partagent les contrôles en navigateur (*.test.mjs) : les serveurs à visiter, le lancement
// de Chromium et la visite d'une base (classe Visite : navigation contrôlée page par page, axe-core,
// formulaires, courriels). Pas un test : `node --test` ne lance que les fichiers *.test.mjs.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Le script d'axe-core, injecté dans les pages à analyser. */
export const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Dossier des captures d'écran (REPERES_CAPTURES, sinon target/navigateur). */
export const captures = process.env.REPERES_CAPTURES || '../../target/navigateur';
mkdirSync(captures, { recursive: true });

/** Délai d'attente d'un courriel : le travailleur les écrit toutes les 5 s. */
const DELAI_COURRIEL = 20_000;

/** Les serveurs à contrôler, lus dans REPERES_BASES (« nom=url nom=url », posé par
 * scripts/navigateur). */
export const bases = (process.env.REPERES_BASES || '').split(/\s+/).filter(Boolean).map((s) => {
  const [nom, url] = s.split('=');
  return { nom, url: url.replace(/\/$/, '') };
});

// Le thème de chaque serveur, lu dans REPERES_THEMES
// (« nom=thème nom=thème », posé par scripts/navigateur ; `dsfr` pour un serveur non nommé), et la
// police que la feuille de ce thème donne au corps des pages (preuve qu'elle est appliquée).
const themesDesBases = Object.fromEntries((process.env.REPERES_THEMES || '').split(/\s+/)
  .filter(Boolean).map((s) => s.split('=')));

/** Le thème du serveur `nom` : `dsfr` ou `neutre`. */
export function themeDe(nom) { return themesDesBases[nom] || 'dsfr'; }

/** La police du corps des pages du serveur `nom` : Marianne (DSFR), polices du système (neutre). */
/** Police attendue d'une page : celle du thème du serveur, sauf sous /t/ (versions locales) : la
 * version de démonstration (`charente`, crates/cli/src/demo.rs) et celles que créent les tests sont
 * en thème neutre. */
export function policeDe(nom, chemin = '') {
  const theme = chemin.startsWith('/t/') ? 'neutre' : themeDe(nom);
  return theme === 'neutre' ? /^system-ui,/ : /Marianne/;
}

/** Lance le Chromium de Debian (CHROMIUM pour un autre), sans trafic réseau de fond. */
export function lancerChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

let chromiumLance;

/** Nombre de visites créées par ce processus (adresse IP propre à chacune). */
let numeroVisite = 0;

/** Le Chromium du fichier de test, lancé par `preparerNavigateur` (avant les tests). */
export function navigateur() {
  assert.ok(chromiumLance, 'Chromium pas encore lancé : appelez preparerNavigateur() au niveau du module');
  return chromiumLance;
}

/**
 * Lance Chromium avant les tests du fichier (après avoir vérifié qu'il y a des bases à visiter) et
 * le ferme après eux, puis appelle `nettoyer` s'il est donné. À appeler au niveau du module.
 */
export function preparerNavigateur(nettoyer) {
  before(async () => {
    assert.ok(bases.length > 0, 'REPERES_BASES est vide : lancez ce test avec scripts/navigateur');
    // Les deux bases, toujours : un serveur manquant ne doit pas passer pour un succès.
    assert.deepEqual(bases.map((b) => b.nom).sort(), ['postgres', 'sqlite'],
      `REPERES_BASES doit nommer les serveurs sqlite et postgres : « ${process.env.REPERES_BASES} »`);
    chromiumLance = await lancerChromium();
  });
  after(async () => {
    await chromiumLance?.close();
    nettoyer?.();
  });
}

/**
 * La visite d'une base par une personne : le contexte courant (connecté ou non), la page, les
 * pages contrôlées (chacune : statut, titre, h1 unique, identifiants uniques, ressources, console,
 * puis axe-core sur exactement le HTML reçu) et les courriels déjà lus. Les fichiers de test
 * l'étendent de leurs outils propres.
 *
 * Options : `prefixe` des captures (« charte-sqlite-3.png ») ; `courriels` : lire les courriels
 * écrits dans le dossier REPERES_COURRIELS_<NOM> (posé par scripts/navigateur) ; `neutraliser` :
 * adresses (URL → booléen) servies vides à axe-core (un script qui rechargerait la page pendant
 * l'analyse), en plus de `RECHARGENT_LA_PAGE`, toujours neutralisés.
 */
/**
 * Scripts du site qui rechargent la page d'eux-mêmes : servis vides à axe-core (son contexte a
 * JavaScript actif), sinon axe analyserait un autre document que celui reçu, ou sa navigation
 * serait interrompue. Le suivi d'un import (progression.js) recharge la page quand l'import est
 * terminé : toute visite qui importe par la page d'administration y passe.
 */
const RECHARGENT_LA_PAGE = new Set(['/static/js/progression.js']);

export class Visite {
  constructor(nom, url, { prefixe, courriels = false, neutraliser = () => false } = {}) {
    this.nom = nom;
    this.url = url;
    // Chaque visite est une personne, avec sa propre adresse IP (en-tête X-Forwarded-For, que
    // les serveurs de scripts/navigateur lisent comme derrière un mandataire) : la limitation
    // des tentatives par IP vaut pour elle seule, pas pour tous les fichiers de test réunis.
    numeroVisite += 1;
    this.adresse = `10.${(process.pid >> 8) & 255}.${process.pid & 255}.${numeroVisite % 256}`;
    this.prefixe = prefixe;
    this.neutraliser = (u) => RECHARGENT_LA_PAGE.has(u.pathname) || neutraliser(u);
    this.controlees = [];
    this.numeroCapture = 0;
    this.courrielsLus = new Set();
    if (courriels) {
      const variable = `REPERES_COURRIELS_${nom.toUpperCase()}`;
      this.dossierCourriels = process.env[variable];
      assert.ok(this.dossierCourriels, `${variable} n'est pas défini : dossier des courriels de la base ${nom} inconnu`);
    }
  }

  /** Contexte neuf (sans cookie sauf `storageState`), JavaScript désactivé sauf `javaScript`. */
  async nouveauContexte({ javaScript = false, storageState } = {}) {
    await this.ctx?.close();
    this.ctx = await navigateur().newContext({
      javaScriptEnabled: javaScript, locale: 'fr-FR', storageState,
      extraHTTPHeaders: { 'X-Forwarded-For': this.adresse },
    });
    // Une patience, pas une mesure : sous la charge de la suite entière (deux serveurs, Chromium,
    // deux cœurs), un import ou une reconstruction de l'index peut retarder une page de plusieurs
    // secondes. Les durées se mesurent dans bench/, jamais ici.
    this.ctx.setDefaultTimeout(30_000);
    this.page = await this.nouvelOnglet();
  }

  /** Un onglet du contexte courant, surveillé (console, ressources en échec). */
  async nouvelOnglet() {
    const page = await this.ctx.newPage();
    this.erreursReseau = [];
    this.erreursConsole = [];
    // Sans JavaScript, la console ne reçoit que les erreurs du navigateur (violation de CSP,
    // ressource en échec…) : il ne doit y en avoir aucune.
    page.on('console', (m) => { if (m.type() === 'error') this.erreursConsole.push(m.text()); });
    page.on('requestfailed', (r) => this.erreursReseau.push(`requête en échec : ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      // Les ressources annexes (feuilles de style, icône…) ne doivent jamais échouer.
      if (r.status() >= 400 && r.request().resourceType() !== 'document') this.erreursReseau.push(`${r.status()} : ${r.url()}`);
    });
    return page;
  }

  async fermer() {
    await this.ctxAxe?.close();
    await this.ctx?.close();
  }

  /** Va à un chemin par la barre d'adresse, puis contrôle la page. */
  async aller(chemin, options = {}) {
    const reponse = await this.page.goto(this.url + chemin, { waitUntil: 'load' });
    return this.controler(reponse, options);
  }

  /** Clique (lien ou bouton) et attend la page suivante (redirections suivies), puis la contrôle. */
  async cliquer(locator, options = {}) {
    await locator.scrollIntoViewIfNeeded();
    const [reponse] = await Promise.all([
      this.page.waitForNavigation({ waitUntil: 'load' }),
      locator.click(),
    ]);
    return this.controler(reponse, options);
  }

  /** Statut, titre, h1 unique, identifiants uniques, ressources et console, puis axe-core. */
  async controler(reponse, { statut = 200, capture = false } = {}) {
    assert.ok(reponse, `pas de réponse pour ${this.page.url()}`);
    const adresse = reponse.url();
    const chemin = adresse.slice(this.url.length) || '/';
    // « POST → GET /chemin » : page obtenue après un envoi de formulaire et sa redirection.
    let requete = reponse.request();
    const methodes = [requete.method()];
    while ((requete = requete.redirectedFrom())) methodes.unshift(requete.method());
    const etiquette = `${this.nom} ${methodes.join(' → ')} ${decodeURIComponent(chemin)}`;
    if (reponse.status() !== statut) {
      // Le message d'erreur de la page d'abord (résumé #erreurs ou alerte), sinon le début du texte.
      const alerte = this.page.locator('#erreurs, main [role="alert"]').first();
      const texte = await alerte.count() ? await alerte.innerText() : await this.page.locator('main').innerText().catch(() => '');
      assert.equal(reponse.status(), statut, `${etiquette} : statut HTTP (texte : ${texte.slice(0, 600)})`);
    }
    const titre = await this.page.title();
    assert.match(titre, /— Repères$/, `${etiquette} : titre « ${titre} »`);
    assert.equal(await this.page.locator('h1').count(), 1, `${etiquette} : il faut exactement un h1`);
    const doublons = await this.page.$$eval('[id]', (es) => es.map((e) => e.id).filter((id, i, t) => t.indexOf(id) !== i));
    assert.deepEqual(doublons, [], `${etiquette} : identifiants en double`);
    assert.deepEqual(this.erreursReseau, [], `${etiquette} : ressources en échec`);
    // Le statut d'erreur attendu de la page elle-même (422) est signalé dans la console : il est admis.
    const console_ = this.erreursConsole.filter((t) => !(statut !== 200 && t.includes(`status of ${statut}`)));
    assert.deepEqual(console_, [], `${etiquette} : erreurs dans la console`);
    this.erreursConsole = [];
    await this.axe(adresse, reponse.status(), await reponse.text(), etiquette);
    this.controlees.push(`${methodes.join(' → ')} ${decodeURIComponent(chemin)} (${titre.replace(/ — Repères$/, '')})`);
    if (capture) await this.capturer();
    return reponse;
  }

  /**
   * axe-core sur exactement le HTML reçu (un lien à usage unique ou le résultat d'un POST ne peut
   * pas être redemandé), dans un contexte à part : CSP levée pour injecter axe, JavaScript actif,
   * cookies de la personne connectée (contexte refait quand ils changent, gardé sinon : les
   * feuilles de style restent en cache). Les feuilles de style et images viennent du serveur ;
   * les adresses à neutraliser sont servies vides.
   */
  async axe(adresse, statut, html, etiquette) {
    const etat = await this.ctx.storageState();
    const cle = JSON.stringify(etat.cookies);
    if (this.cleAxe !== cle) {
      await this.ctxAxe?.close();
      this.ctxAxe = await navigateur().newContext({
        bypassCSP: true, storageState: etat, extraHTTPHeaders: { 'X-Forwarded-For': this.adresse },
      });
      this.ctxAxe.setDefaultTimeout(30_000);
      // Un seul aiguillage, posé une fois : le document attendu est servi tel que reçu (une fois),
      // une adresse neutralisée est servie vide, le reste va au serveur.
      this.documentsAxe = new Map();
      await this.ctxAxe.route((u) => this.neutraliser(u) || this.documentsAxe.has(u.href), async (route) => {
        const u = new URL(route.request().url());
        const neutre = this.neutraliser(u);
        const doc = this.documentsAxe.get(u.href);
        if (!neutre && !doc) return route.fallback();
        this.documentsAxe.delete(u.href);
        const reponse = neutre
          ? { contentType: 'text/javascript', body: '' }
          : { status: doc.statut, contentType: 'text/html; charset=utf-8', body: doc.html };
        // Sous forte charge, Chromium peut redemander une ressource déjà servie : sans effet ici.
        await route.fulfill(reponse).catch((e) => { if (!/already handled/.test(e.message)) throw e; });
      });
      this.pageAxe = await this.ctxAxe.newPage();
      this.cleAxe = cle;
    }
    const page = this.pageAxe;
    const href = new URL(adresse).href;
    this.documentsAxe.set(href, { statut, html });
    try {
      await page.goto(adresse, { waitUntil: 'load' });
    } catch (e) {
      // Sous forte charge, Chromium relance parfois la navigation vers la même adresse (« is
      // interrupted by another navigation ») : le document reçu est servi de nouveau, une fois.
      if (!/interrupted by another navigation/.test(e.message)) throw e;
      this.documentsAxe.set(href, { statut, html });
      await page.goto(adresse, { waitUntil: 'load' });
    }
    assert.ok(!this.documentsAxe.has(href), `${etiquette} : le document reçu n'a pas été servi à axe-core`);
    assert.match(await page.evaluate(() => getComputedStyle(document.body).fontFamily), policeDe(this.nom, new URL(adresse).pathname),
      `${etiquette} : la feuille de style n'est pas appliquée pour axe-core`);
    await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }));
    const detail = r.violations.map((v) => `${v.id} (${v.impact}) : ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    assert.deepEqual(detail, [], `${etiquette} : violations axe-core`);
  }

  async capturer() {
    this.numeroCapture += 1;
    await this.page.screenshot({ path: `${captures}/${this.prefixe}-${this.nom}-${this.numeroCapture}.png`, fullPage: true });
  }

  /** Capture de la page au moment d'un échec (sans faire échouer davantage). */
  async capturerEchec() {
    await this.page?.screenshot({ path: `${captures}/${this.prefixe}-${this.nom}-echec.png`, fullPage: true }).catch(() => {});
  }

  /** Remplit des champs désignés par leur id : texte, liste (par libellé), case ou bouton radio. */
  async remplir(champs, portee = this.page) {
    for (const [id, valeur] of Object.entries(champs)) {
      const champ = portee.locator(`[id="${id}"]`);
      assert.equal(await champ.count(), 1, `champ #${id} introuvable sur ${this.page.url()}`);
      const balise = await champ.evaluate((e) => `${e.tagName.toLowerCase()}:${e.type || ''}`);
      if (balise.startsWith('select')) await champ.selectOption({ label: valeur });
      else if (balise.endsWith(':radio') || balise.endsWith(':checkbox')) await this.cocher(champ, valeur);
      else await champ.fill(valeur);
    }
  }

  /**
   * Coche (ou décoche) une case ou un bouton radio comme le ferait une personne : en cliquant sur
   * son libellé (le thème DSFR dessine la case sur le libellé, qui reçoit donc le clic).
   */
  async cocher(champ, valeur = true) {
    if ((await champ.isChecked()) === valeur) return;
    const id = await champ.getAttribute('id');
    await this.page.locator(`label[for="${id}"]`).click();
    assert.equal(await champ.isChecked(), valeur, `#${id} : le clic sur le libellé ne change pas la case`);
  }

  bouton(nom, portee = this.page) { return portee.getByRole('button', { name: nom, exact: typeof nom === 'string' }); }
  lien(nom, portee = this.page) { return portee.getByRole('link', { name: nom, exact: typeof nom === 'string' }); }
  chemin() { return new URL(this.page.url()).pathname; }

  /** Connexion par le lien « Se connecter » de l'accueil, dans un contexte neuf. */
  async connexion(email, motDePasse) {
    await this.nouveauContexte();
    await this.aller('/');
    await this.cliquer(this.lien('Se connecter'));
    await this.remplir({ email, mot_de_passe: motDePasse });
    await this.cliquer(this.bouton('Se connecter'));
    assert.equal(new URL(this.page.url()).pathname, '/espace', `connexion de ${email} : on arrive sur /espace`);
    await this.bouton(/^Se déconnecter/).waitFor();
  }

  async deconnexion() {
    await this.cliquer(this.bouton(/^Se déconnecter/));
    assert.equal(new URL(this.page.url()).pathname, '/', 'après la déconnexion : accueil');
    assert.equal(await this.lien('Se connecter').count(), 1, 'après la déconnexion : lien « Se connecter »');
  }

  /**
   * Attend (jusqu'à ~20 s) un courriel non encore lu pour `destinataire` dont le sujet correspond
   * à `sujet` et le corps à `corps`.
   */
  async lireCourriel(destinataire, { sujet = /./, corps = /./ } = {}) {
    assert.ok(this.dossierCourriels, 'visite créée sans { courriels: true }');
    const fin = Date.now() + DELAI_COURRIEL;
    for (;;) {
      let fichiers = [];
      try { fichiers = readdirSync(this.dossierCourriels).filter((f) => f.endsWith('.txt')).sort(); } catch { /* pas encore créé */ }
      const vus = [];
      for (const f of fichiers) {
        if (this.courrielsLus.has(f)) continue;
        const texte = readFileSync(join(this.dossierCourriels, f), 'utf8');
        const [entete, ...reste] = texte.split('\n\n');
        const a = /^À : (.*)$/m.exec(entete)?.[1]?.trim();
        const s = /^Sujet : (.*)$/m.exec(entete)?.[1]?.trim() ?? '';
        const c = reste.join('\n\n');
        if (a === destinataire) vus.push(s);
        if (a === destinataire && sujet.test(s) && corps.test(c)) {
          this.courrielsLus.add(f);
          return { fichier: f, sujet: s, corps: c };
        }
      }
      if (Date.now() > fin) {
        assert.fail(`aucun courriel pour ${destinataire} (sujet ${sujet}, corps ${corps}) dans ${this.dossierCourriels} ; non lus pour cette adresse : ${vus.join(' | ') || 'aucun'}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Chemin d'un lien de courriel (l'adresse publique du serveur peut différer de this.url). */
  cheminDuLien(corps, motif) {
    const lien = corps.match(motif)?.[0];
    assert.ok(lien, `lien ${motif} absent du courriel :\n${corps}`);
    const u = new URL(lien);
    return u.pathname + u.search;
  }

  /** L'en-tête d'une étape du dossier : « Étape N sur T » ; renvoie T. */
  async etapeAttendue(n, total) {
    const entete = await this.page.locator('.fr-stepper__state').innerText();
    const m = /^Étape (\d+) sur (\d+)$/.exec(entete.trim());
    assert.ok(m, `en-tête d'étape inattendu : « ${entete} »`);
    assert.equal(Number(m[1]), n, `numéro d'étape (${this.page.url()})`);
    if (total !== undefined) assert.equal(Number(m[2]), total, "nombre total d'étapes");
    return Number(m[2]);
  }

  async etatDuDossier() {
    // textContent et non innerText : le thème affiche les badges en capitales (text-transform).
    return (await this.page.locator('.fr-badge', { hasText: /^État : / }).textContent()).trim();
  }

  /** Télécharge un fichier par son lien (avec les cookies du contexte) et le compare à l'original. */
  async verifierTelechargement(lien, original) {
    const href = await lien.getAttribute('href');
    const r = await this.ctx.request.get(this.url + href);
    assert.equal(r.status(), 200, `téléchargement de ${href}`);
    assert.equal(r.headers()['content-type'], 'application/pdf', `type du fichier ${href}`);
    assert.match(r.headers()['content-disposition'] ?? '', /^attachment/, `${href} : à télécharger, pas à afficher`);
    assert.ok(Buffer.compare(await r.body(), readFileSync(original)) === 0, `${href} : contenu identique au fichier déposé`);
    return href;
  }
}
