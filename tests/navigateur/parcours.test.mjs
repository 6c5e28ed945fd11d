// Parcours complet d'un label dans un vrai Chromium (paquet Debian), piloté par playwright-core,
// JavaScript DÉSACTIVÉ dans tous les contextes du parcours (le site doit fonctionner sans) :
//   inscription → courriel de vérification → connexion → organisation (avec une erreur de saisie)
//   → dispositif → autodiagnostic NEC 2022 → dossier en étapes (fichier PDF, fichier refusé)
//   → dépôt et accusé de réception → instruction (prise en charge, demande de complément)
//   → complément par le porteur (+ message avec pièce jointe) → nouveau dépôt
//   → appréciations et label accordé → courriel de décision.
// Chaque page affichée pendant le parcours (pages GET et pages rendues après un envoi de
// formulaire) est contrôlée : titre « … — Repères », un seul h1, et zéro violation axe-core
// (WCAG 2.1 A et AA + bonnes pratiques).
//
// Serveurs : REPERES_BASES="nom=url nom=url" (scripts/navigateur) ; pour chaque base, le dossier
// où le serveur écrit ses courriels est donné par REPERES_COURRIELS_<NOM> (nom en majuscules).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bases, lancerChromium } from './commun.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const captures = process.env.REPERES_CAPTURES || '../../target/navigateur';
mkdirSync(captures, { recursive: true });

const AGENT = { email: 'instructeur@demo.reperes.localhost', motDePasse: 'demo-reperes-2026' };
const REFERENTIEL = 'nec-2022';
const DELAI_COURRIEL = 20_000;

// Fichiers à déposer : un vrai PDF (reconnu par son contenu) et un faux (du HTML nommé .pdf).
const dossierTemp = mkdtempSync(join(tmpdir(), 'reperes-parcours-'));
const PDF = join(dossierTemp, 'preuve.pdf');
const FAUX_PDF = join(dossierTemp, 'faux.pdf');
writeFileSync(PDF, '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
writeFileSync(FAUX_PDF, '<!doctype html><html><head><title>x</title></head><body><p>Pas un PDF</p></body></html>\n');

let navigateur;
before(async () => {
  assert.ok(bases.length > 0, 'REPERES_BASES est vide : lancez ce test avec scripts/navigateur');
  navigateur = await lancerChromium();
});
after(async () => {
  await navigateur?.close();
  rmSync(dossierTemp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Outils
// ---------------------------------------------------------------------------------------------

/** Date du jour + n jours, au format AAAA-MM-JJ. */
function dansJours(n) {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Un parcours sur une base : le contexte courant (une personne connectée ou non), la page, la
 * liste des pages contrôlées et les courriels déjà lus.
 */
class Parcours {
  constructor(nom, url) {
    this.nom = nom;
    this.url = url;
    this.controlees = [];
    // Anomalies de l'application relevées sans interrompre le parcours (vérifiées à la fin).
    this.anomalies = [];
    this.courrielsLus = new Set();
    this.numeroCapture = 0;
    const variable = `REPERES_COURRIELS_${nom.toUpperCase()}`;
    this.dossierCourriels = process.env[variable];
    assert.ok(this.dossierCourriels, `${variable} n'est pas défini : dossier des courriels de la base ${nom} inconnu`);
  }

  /** Ouvre un contexte neuf (sans cookie), JavaScript désactivé. */
  async nouveauContexte() {
    await this.ctx?.close();
    this.ctx = await navigateur.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
    this.ctx.setDefaultTimeout(10_000);
    this.page = await this.ctx.newPage();
    this.erreursReseau = [];
    this.erreursConsole = [];
    // Sans JavaScript, la console ne reçoit que les erreurs du navigateur (violation de CSP, ressource
    // en échec…) : il ne doit y en avoir aucune.
    this.page.on('console', (m) => { if (m.type() === 'error') this.erreursConsole.push(m.text()); });
    this.page.on('requestfailed', (r) => this.erreursReseau.push(`requête en échec : ${r.url()} (${r.failure()?.errorText})`));
    this.page.on('response', (r) => {
      // Les ressources annexes (feuilles de style, icône…) ne doivent jamais échouer.
      if (r.status() >= 400 && r.request().resourceType() !== 'document') this.erreursReseau.push(`${r.status()} : ${r.url()}`);
    });
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

  /**
   * Contrôles d'une page affichée : statut, titre, h1 unique, pas de ressource en échec, puis
   * axe-core sur exactement le HTML reçu (y compris une page rendue en réponse à un POST).
   */
  async controler(reponse, { statut = 200, capture = false } = {}) {
    assert.ok(reponse, `pas de réponse pour ${this.page.url()}`);
    const adresse = reponse.url();
    const chemin = adresse.slice(this.url.length) || '/';
    // « POST → GET /chemin » : page obtenue après un envoi de formulaire et sa redirection.
    let requete = reponse.request();
    const methodes = [requete.method()];
    while ((requete = requete.redirectedFrom())) methodes.unshift(requete.method());
    const etiquette = `${methodes.join(' → ')} ${chemin}`;
    assert.equal(reponse.status(), statut, `${etiquette} : statut HTTP (texte : ${(await this.page.locator('main').innerText().catch(() => '')).slice(0, 300)})`);
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
    const html = await reponse.text();
    await this.axe(adresse, reponse.status(), html, etiquette);
    this.controlees.push(`${etiquette} (${titre.replace(/ — Repères$/, '')})`);
    if (capture) await this.capturer();
    return reponse;
  }

  /**
   * axe-core s'injecte comme script : contexte séparé, CSP levée, JavaScript actif, avec les
   * cookies de la personne connectée (le contexte est refait quand ils changent, et gardé sinon :
   * les feuilles de style restent en cache). Le document est servi tel qu'il a été reçu pendant
   * le parcours (un lien à usage unique ou le résultat d'un POST ne peut pas être redemandé) ; les
   * feuilles de style et images viennent du serveur.
   */
  async axe(adresse, statut, html, etiquette) {
    const etat = await this.ctx.storageState();
    const cle = JSON.stringify(etat.cookies);
    if (this.cleAxe !== cle) {
      await this.ctxAxe?.close();
      this.ctxAxe = await navigateur.newContext({ bypassCSP: true, storageState: etat });
      this.ctxAxe.setDefaultTimeout(30_000);
      this.pageAxe = await this.ctxAxe.newPage();
      this.cleAxe = cle;
    }
    const page = this.pageAxe;
    await page.route((u) => u.href === adresse, (route) => route.fulfill({
      status: statut, contentType: 'text/html; charset=utf-8', body: html,
    }), { times: 1 });
    await page.goto(adresse, { waitUntil: 'load' });
    assert.match(await page.evaluate(() => getComputedStyle(document.body).fontFamily), /Marianne/,
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
    await this.page.screenshot({ path: `${captures}/parcours-${this.nom}-${this.numeroCapture}.png`, fullPage: true });
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

  /** Relève une anomalie de l'application sans arrêter le parcours (le test échoue à la fin). */
  constater(condition, message) {
    if (!condition) this.anomalies.push(`${new URL(this.page.url()).pathname} : ${message}`);
  }

  /** Télécharge un fichier par son lien (avec les cookies de la session) et le compare à l'original. */
  async verifierTelechargement(lien, original) {
    const href = await lien.getAttribute('href');
    const r = await this.ctx.request.get(this.url + href);
    assert.equal(r.status(), 200, `téléchargement de ${href}`);
    assert.equal(r.headers()['content-type'], 'application/pdf', `type du fichier ${href}`);
    assert.match(r.headers()['content-disposition'] ?? '', /^attachment/, `${href} : à télécharger, pas à afficher`);
    assert.ok(Buffer.compare(await r.body(), readFileSync(original)) === 0, `${href} : contenu identique au fichier déposé`);
  }

  bouton(nom, portee = this.page) { return portee.getByRole('button', { name: nom, exact: typeof nom === 'string' }); }
  lien(nom, portee = this.page) { return portee.getByRole('link', { name: nom, exact: typeof nom === 'string' }); }

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
   * Attend (jusqu'à ~20 s : le travailleur écrit les courriels toutes les 5 s) un courriel non
   * encore lu pour `destinataire` dont le sujet correspond à `sujet` et le corps à `corps`.
   */
  async lireCourriel(destinataire, { sujet = /./, corps = /./ } = {}) {
    const fin = Date.now() + DELAI_COURRIEL;
    const vus = [];
    for (;;) {
      let fichiers = [];
      try { fichiers = readdirSync(this.dossierCourriels).filter((f) => f.endsWith('.txt')).sort(); } catch { /* pas encore créé */ }
      vus.length = 0;
      for (const f of fichiers) {
        if (this.courrielsLus.has(f)) continue;
        const texte = readFileSync(join(this.dossierCourriels, f), 'utf8');
        const [entete, ...reste] = texte.split('\n\n');
        const a = /^À : (.*)$/m.exec(entete)?.[1]?.trim();
        const s = /^Sujet : (.*)$/m.exec(entete)?.[1]?.trim() ?? '';
        const c = reste.join('\n\n');
        vus.push(`${a} : ${s}`);
        if (a === destinataire && sujet.test(s) && corps.test(c)) {
          this.courrielsLus.add(f);
          return { fichier: f, sujet: s, corps: c };
        }
      }
      if (Date.now() > fin) {
        assert.fail(`aucun courriel pour ${destinataire} (sujet ${sujet}, corps ${corps}) dans ${this.dossierCourriels} ; non lus : ${vus.join(' | ') || 'aucun'}`);
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

  /** L'en-tête d'une étape du dossier : « Étape N sur T ». */
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
}

// ---------------------------------------------------------------------------------------------
// Le parcours
// ---------------------------------------------------------------------------------------------

async function parcoursComplet(p) {
  const suffixe = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const porteur = {
    nom: 'Claude Porteur',
    email: `porteur-${suffixe}@exemple.fr`,
    motDePasse: 'une phrase de passe solide',
  };
  const nomOrganisation = `Association Parcours ${suffixe}`;
  const nomDispositif = `Outil de médiation ${suffixe}`;
  const description = (critere) => `Pour le critère ${critere}, nous avons mis en place des mesures vérifiables, documentées publiquement et suivies chaque année.`;
  const page = () => p.page;
  // La file d'instruction (tableau des dossiers) et la ligne d'un dossier dans cette file.
  const tableDeLaFile = () => page().locator('table', { has: page().locator('caption', { hasText: /^\d+ dossier\(s\)$/ }) });
  const ligneDeLaFile = (numero) => tableDeLaFile().locator('tbody tr', { hasText: numero });

  // 1. Inscription, vérification de l'adresse, connexion.
  await p.nouveauContexte();
  await p.aller('/');
  await p.cliquer(p.lien('Créer un compte'));
  await p.remplir({ nom: porteur.nom, email: porteur.email, mot_de_passe: porteur.motDePasse });
  await p.cliquer(p.bouton('Créer mon compte'), { capture: true });
  assert.match(await page().locator('h1').innerText(), /Vérifiez votre messagerie/);
  const verification = await p.lireCourriel(porteur.email, { sujet: /confirmez votre adresse/, corps: /\/verification\/\S+/ });
  await p.aller(p.cheminDuLien(verification.corps, /https?:\/\/\S+\/verification\/\S+/));
  assert.match(await page().locator('h1').innerText(), /Adresse confirmée/);
  await p.connexion(porteur.email, porteur.motDePasse);

  // 2. Organisation : d'abord avec un code postal erroné (résumé d'erreurs, statut 422).
  await p.cliquer(p.lien('Déclarer une organisation'));
  assert.equal(new URL(page().url()).pathname, '/organisations/nouvelle');
  await p.remplir({
    nom: nomOrganisation, type_organisation: 'Association', rna: 'W802001234',
    voie: '12 rue des Trois Cailloux', code_postal: '800', commune: 'Amiens',
  });
  assert.equal(await page().locator('#siret').inputValue(), '', 'SIRET laissé vide');
  await p.cliquer(p.bouton("Enregistrer l'organisation"), { statut: 422, capture: true });
  const resume = page().locator('#erreurs');
  assert.ok(await resume.isVisible(), "résumé d'erreurs #erreurs absent");
  assert.equal(await resume.locator('a[href="#code_postal"]').count(), 1, 'le résumé doit avoir un lien vers #code_postal');
  assert.equal(await page().locator('#code_postal').getAttribute('aria-describedby'), 'code_postal-erreur');
  assert.equal(await page().locator('#nom').inputValue(), nomOrganisation, 'les valeurs saisies sont conservées');
  await p.remplir({ code_postal: '80000' });
  await p.cliquer(p.bouton("Enregistrer l'organisation"), { capture: true });
  assert.match(page().url(), /\/organisations\/[^/?]+\?ok=organisation$/);
  assert.equal(await page().locator('h1').innerText(), nomOrganisation);
  assert.match(await page().locator('main').innerText(), /RNA W802001234/);
  const cheminOrganisation = new URL(page().url()).pathname;

  // 3. Dispositif numérique.
  await p.cliquer(p.lien('Déclarer un dispositif'));
  await p.remplir({
    nom: nomDispositif, type_dispositif: 'Dispositif numérique',
    description: 'Un logiciel libre pour accompagner les usagers dans leurs démarches en ligne.',
  });
  await p.cliquer(p.bouton('Enregistrer le dispositif'));
  assert.equal(new URL(page().url()).pathname, cheminOrganisation);
  assert.match(await page().locator('[role="status"]').innerText(), /Dispositif enregistré/);

  // 4. Autodiagnostic NEC 2022 : déclaration « Oui », niveau 1 partout.
  const section = page().locator('article', { has: page().getByRole('heading', { name: nomDispositif }) });
  await p.cliquer(section.locator(`a[href$="/autodiagnostic/${REFERENTIEL}"]`));
  const declarations = page().locator('fieldset[id^="declaration-"]');
  assert.ok(await declarations.count() >= 1, 'au moins une déclaration attendue');
  for (const f of await declarations.all()) await p.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  const criteres = page().locator('fieldset[id^="critere-"]');
  assert.equal(await criteres.count(), 6, 'NEC 2022 : 6 critères');
  for (const f of await criteres.all()) await p.cocher(f.getByRole('radio', { name: /^Niveau 1/ }));
  await p.cliquer(p.bouton('Voir le résultat'), { capture: true });
  // Le formulaire réaffiché sous le résultat doit garder toutes les réponses : les niveaux le sont,
  // la déclaration doit l'être aussi (sinon « Voir le résultat » à nouveau rend « Non éligible »).
  for (const f of await page().locator('fieldset[id^="critere-"]').all()) {
    assert.ok(await f.getByRole('radio', { name: /^Niveau 1/ }).isChecked(), 'autodiagnostic : niveau choisi conservé');
  }
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) {
    p.constater(await f.getByRole('radio', { name: 'Oui', exact: true }).isChecked(),
      `autodiagnostic : la réponse « Oui » à la déclaration (${await f.getAttribute('id')}) n'est pas conservée sur la page de résultat`);
  }
  const resultat = await page().locator('#resultat h2').innerText();
  assert.match(resultat, /Éligible/, `résultat de l'autodiagnostic : ${resultat}`);
  assert.match(resultat, /niveau 1/);
  await p.cliquer(p.bouton('Commencer le dossier'));
  const m = /\/dossiers\/([^/]+)\/etapes\/1$/.exec(page().url());
  assert.ok(m, `le dossier commence à l'étape 1 (${page().url()})`);
  const idDossier = m[1];
  const cheminDossier = `/dossiers/${idDossier}`;

  // 5. Les étapes.
  const total = await p.etapeAttendue(1);
  assert.equal(total, 1 + 6 + 2, 'étapes : informations, 6 critères, engagements, récapitulatif');
  assert.ok(await page().locator('#niveau_vise_1').isChecked(), 'niveau 1 pré-choisi');
  await p.remplir({ niveau_vise_1: true });
  for (const f of await page().locator('fieldset[id^="declaration-"]').all()) await p.cocher(f.getByRole('radio', { name: 'Oui', exact: true }));
  await p.cliquer(p.bouton('Enregistrer et continuer'));

  for (let n = 2; n <= 7; n += 1) {
    await p.etapeAttendue(n, total);
    await p.cocher(page().locator('#niveau_auto').getByRole('radio', { name: 'Satisfait : Niveau 1', exact: true }));
    await p.remplir({ texte: description(n - 1), liens: 'https://exemple.fr/preuve' });
    if (n === 2) {
      // Un « .pdf » qui contient du HTML est refusé, avec un message.
      await page().locator('#fichier').setInputFiles(FAUX_PDF);
      await p.cliquer(p.bouton('Enregistrer'), { statut: 422 });
      const erreurs = page().locator('#erreurs');
      assert.ok(await erreurs.isVisible(), 'fichier refusé : message #erreurs attendu');
      assert.match(await erreurs.innerText(), /faux\.pdf.*n'est pas accepté/s);
      await p.etapeAttendue(2, total);
      assert.equal(await page().locator('#texte').inputValue(), description(1), 'le texte saisi est conservé après le refus');
      // Le vrai PDF est accepté et listé.
      await page().locator('#fichier').setInputFiles(PDF);
      await p.cliquer(p.bouton('Enregistrer'), { capture: true });
      assert.match(page().url(), /\/etapes\/2$/, '« Enregistrer » reste sur l’étape');
      assert.equal(await p.lien('preuve.pdf').count(), 1, 'le fichier déposé est listé sur l’étape');
      await p.verifierTelechargement(p.lien('preuve.pdf'), PDF);
      assert.equal(await p.lien('faux.pdf').count(), 0, 'le fichier refusé n’est pas listé');
    }
    await p.cliquer(p.bouton('Enregistrer et continuer'));
  }

  await p.etapeAttendue(8, total);
  assert.equal(await page().locator('.fr-stepper__title').evaluate((e) => e.firstChild.textContent.trim()), 'Engagements');
  const engagements = page().locator('#engagements input[type="checkbox"]');
  assert.ok(await engagements.count() >= 1);
  for (const c of await engagements.all()) await p.cocher(c);
  await p.cliquer(p.bouton('Enregistrer et continuer'));

  await p.etapeAttendue(9, total);
  assert.match(await page().locator('main').innerText(), /Le dossier est complet/);
  await p.cliquer(p.bouton('Déposer le dossier'), { capture: true });
  assert.equal(new URL(page().url()).pathname, cheminDossier);
  const recepisse = await page().locator('.fr-badge', { hasText: /^Récépissé / }).textContent();
  const numero = /Récépissé (REP-\S+)/.exec(recepisse)?.[1];
  assert.ok(numero, `numéro de récépissé : « ${recepisse} »`);
  assert.equal(await p.etatDuDossier(), 'État : Déposé');
  const accuse = await p.lireCourriel(porteur.email, { sujet: /accusé de réception/ });
  assert.ok(accuse.sujet.includes(numero) && accuse.corps.includes(numero), `l'accusé de réception porte le numéro ${numero}`);

  // 6. L'agent prend le dossier en charge.
  await p.deconnexion();
  await p.connexion(AGENT.email, AGENT.motDePasse);
  await p.cliquer(page().getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Instruction', exact: true }));
  await p.remplir({ etat: 'Déposé' });
  await p.cliquer(p.bouton('Filtrer'), { capture: true });
  assert.match(page().url(), /[?&]etat=depose(&|$)/);
  assert.equal(await ligneDeLaFile(numero).count(), 1, `le dossier ${numero} figure dans la file « Déposé »`);
  assert.equal((await ligneDeLaFile(numero).locator('td').nth(4).textContent()).trim(), 'Déposé');
  for (const etat of await tableDeLaFile().locator('tbody tr td:nth-child(5)').allTextContents()) assert.equal(etat.trim(), 'Déposé', 'filtre par état');
  await p.cliquer(ligneDeLaFile(numero).getByRole('link', { name: numero, exact: true }));
  assert.equal(new URL(page().url()).pathname, cheminDossier);
  await p.cliquer(p.bouton('Prendre en charge', page().locator('#action-prendre_en_charge')));
  assert.equal(await p.etatDuDossier(), 'État : En instruction');

  // 7. Demande de complément.
  const complement = page().locator('#action-demander_complement');
  await p.remplir({
    'echeance-demander_complement': dansJours(30),
    'motif-demander_complement': 'Merci de préciser la documentation publique du dispositif (critère Appropriable).',
  }, complement);
  await p.cliquer(p.bouton('Demander un complément', complement));
  assert.equal(await p.etatDuDossier(), 'État : Complément demandé');
  const courrielComplement = await p.lireCourriel(porteur.email, { sujet: /complément demandé/, corps: new RegExp(`/dossiers/${idDossier}`) });
  assert.ok(courrielComplement.sujet.includes(numero), `le courriel de demande de complément porte le numéro ${numero}`);
  assert.match(courrielComplement.corps, /documentation publique du dispositif/, 'le courriel reprend la motivation');

  // 8. Le porteur complète et dépose à nouveau, puis écrit un message avec pièce jointe.
  await p.deconnexion();
  await p.connexion(porteur.email, porteur.motDePasse);
  await p.cliquer(p.lien(numero));
  assert.match(await page().locator('main').innerText(), /Complément demandé, avant le/);
  await p.cliquer(p.lien('Compléter le dossier'));
  await p.etapeAttendue(1, total);
  const etapes = () => page().getByRole('navigation', { name: 'Étapes du dossier' });
  await p.cliquer(etapes().getByRole('link', { name: 'Critère « Appropriable »' }));
  await p.etapeAttendue(3, total);
  const texteComplete = 'Documentation publique complétée : guide d’utilisation, tutoriels vidéo sous-titrés et foire aux questions.';
  await p.remplir({ texte: texteComplete });
  await p.cliquer(p.bouton('Enregistrer'));
  assert.equal(await page().locator('#texte').inputValue(), texteComplete);
  await p.cliquer(etapes().getByRole('link', { name: 'Récapitulatif et dépôt' }));
  await p.etapeAttendue(total, total);
  await p.cliquer(p.bouton('Déposer le dossier'));
  assert.equal(await p.etatDuDossier(), 'État : Déposé');
  assert.match(await page().locator('main').innerText(), new RegExp(texteComplete.slice(0, 40)));
  await p.remplir({ corps: 'Bonjour, le dossier est complété ; vous trouverez ci-joint la documentation.' });
  await page().locator('#pieces').setInputFiles(PDF);
  await p.cliquer(p.bouton('Envoyer'));
  assert.match(page().url(), /\?ok=message#messages$/);
  const messages = page().locator('#messages ~ div', { hasText: 'le dossier est complété' });
  assert.equal(await messages.count(), 1, 'le message est affiché');
  assert.equal(await messages.getByRole('link', { name: 'preuve.pdf' }).count(), 1, 'la pièce jointe est listée sous le message');

  // 9. L'agent reprend le dossier, apprécie chaque critère et accorde le label.
  await p.deconnexion();
  await p.connexion(AGENT.email, AGENT.motDePasse);
  await p.cliquer(p.lien('Aller à la file d\'instruction'));
  await p.remplir({ etat: 'Déposé' });
  await p.cliquer(p.bouton('Filtrer'));
  await p.cliquer(ligneDeLaFile(numero).getByRole('link', { name: numero, exact: true }));
  // Le message du porteur et sa pièce jointe sont visibles de l'instruction.
  const messageVuParAgent = page().locator('#messages ~ div', { hasText: 'le dossier est complété' });
  assert.equal(await messageVuParAgent.count(), 1, "le message du porteur est visible de l'instruction");
  await p.verifierTelechargement(messageVuParAgent.getByRole('link', { name: 'preuve.pdf' }), PDF);
  await p.cliquer(p.bouton('Prendre en charge', page().locator('#action-prendre_en_charge')));
  assert.equal(await p.etatDuDossier(), 'État : En instruction');
  const appreciations = page().locator('select[id^="appreciation_"]');
  assert.equal(await appreciations.count(), 6, 'une appréciation par critère');
  for (const s of await appreciations.all()) await s.selectOption({ label: 'Satisfait : Niveau 1' });
  await p.cliquer(p.bouton('Enregistrer les appréciations'));
  assert.match(await page().locator('[role="status"]').innerText(), /Modifications enregistrées/);
  assert.equal(await page().locator('main p').filter({ hasText: /^Appréciation : satisfait, Niveau 1$/ }).count(), 6, 'six appréciations enregistrées');
  const labelliser = page().locator('#action-labelliser');
  await p.remplir({
    'niveau-labelliser': 'Niveau 1',
    'motif-labelliser': 'Les six critères sont satisfaits au niveau 1, preuves à l’appui.',
  }, labelliser);
  await p.cliquer(p.bouton('Accorder le label', labelliser), { capture: true });
  assert.equal(await p.etatDuDossier(), 'État : Labellisé');
  assert.match(await page().locator('main').innerText(), /Niveau accordé : Niveau 1/);
  const decision = await p.lireCourriel(porteur.email, { sujet: /label accordé/ });
  assert.ok(decision.sujet.includes(numero), `le courriel de décision porte le numéro ${numero}`);
  await p.deconnexion();
  assert.deepEqual(p.anomalies, [], "anomalies de l'application relevées pendant le parcours");
}

// Les bases sont indépendantes (un serveur chacune) : leurs parcours tournent en parallèle.
describe('parcours', { concurrency: true }, () => {
  for (const { nom, url } of bases) {
    test(`parcours complet d'un label sur ${nom} (sans JavaScript, zéro violation axe-core)`, async () => {
      const p = new Parcours(nom, url);
      const debut = Date.now();
      let reussi = false;
      try {
        await parcoursComplet(p);
        reussi = true;
      } catch (e) {
        await p.page?.screenshot({ path: `${captures}/parcours-${nom}-echec.png`, fullPage: true }).catch(() => {});
        throw e;
      } finally {
        await p.fermer();
        console.log(`${nom} : parcours ${reussi ? 'complet' : 'en échec'} en ${((Date.now() - debut) / 1000).toFixed(1)} s ; `
          + `${p.controlees.length} pages contrôlées sans violation axe-core :\n  ${p.controlees.join('\n  ')}`);
      }
    });
  }
});
